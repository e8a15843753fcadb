/* test_table.c - the aggregate's tables (lib/table.h): u64map, functab and
 * ftable, summed the way pstats.Stats.add sums (pstats-format.md 3.6);
 * and the sort that keeps their requests in order (lib/sort.h). */
#include "testutil.h"

#include "sort.h"
#include "table.h"

/* ---- u64map ----------------------------------------------------------- */

Test(u64map, grows_past_many_rehashes)
{
    u64map m;
    memset(&m, 0, sizeof m);
    enum { N = 100000 };
    for (uint32_t i = 0; i < N; i++) {
        int added = -1;
        /* spread-out keys, including 0 */
        uint64_t k = (uint64_t)i * 0x9E3779B97F4A7C15ULL;
        cr_assert_eq(u64map_get(&m, k, 1, i, &added), i);
        cr_assert_eq(added, 1);
    }
    cr_assert_eq(m.n, N);
    cr_assert_geq(m.cap, (size_t)N * 4 / 3, "load factor above 3/4");
    cr_assert_eq(m.cap & (m.cap - 1), 0, "cap %zu not a power of two", m.cap);
    for (uint32_t i = 0; i < N; i++) {
        uint64_t k = (uint64_t)i * 0x9E3779B97F4A7C15ULL;
        cr_assert_eq(u64map_get(&m, k, 0, 0, NULL), i, "key #%u lost", i);
    }
    u64map_free(&m);
    cr_assert_null(m.slots);
}

Test(u64map, lookup_insert_semantics)
{
    u64map m;
    memset(&m, 0, sizeof m);
    /* a lookup in an empty map neither finds nor allocates */
    cr_assert_eq(u64map_get(&m, 7, 0, 0, NULL), UINT32_MAX);
    cr_assert_eq(m.cap, 0);
    int added = -1;
    cr_assert_eq(u64map_get(&m, 7, 1, 70, &added), 70);
    cr_assert_eq(added, 1);
    /* present: the stored value, not the one passed, and not added */
    cr_assert_eq(u64map_get(&m, 7, 1, 99, &added), 70);
    cr_assert_eq(added, 0);
    cr_assert_eq(u64map_get(&m, 8, 0, 0, &added), UINT32_MAX);
    cr_assert_eq(added, 0);
    cr_assert_eq(u64map_get(&m, 0, 1, 5, NULL), 5);
    cr_assert_eq(u64map_get(&m, 0, 0, 0, NULL), 5);
    cr_assert_eq(m.n, 2);
    /* keys that collide in the low bits of the table */
    for (uint64_t k = 1; k <= 40; k++)
        u64map_get(&m, k << 32, 1, (uint32_t)k, NULL);
    for (uint64_t k = 1; k <= 40; k++)
        cr_assert_eq(u64map_get(&m, k << 32, 0, 0, NULL), (uint32_t)k);
    u64map_free(&m);
}

/* ---- functab ---------------------------------------------------------- */

static pr_func_key key(const char *file, int64_t line, const char *name)
{
    pr_func_key k;
    k.file.ptr = file;
    k.file.len = strlen(file);
    k.line = line;
    k.name.ptr = name;
    k.name.len = strlen(name);
    return k;
}

Test(functab, lookup_by_value_not_pointer)
{
    functab t;
    functab_init(&t);
    char f1[] = "a.py", n1[] = "f";
    char f2[] = "a.py", n2[] = "f";
    pr_func_key a = key(f1, 3, n1), b = key(f2, 3, n2);
    cr_assert_neq(a.file.ptr, b.file.ptr);
    uint32_t ia = functab_intern(&t, &a);
    cr_assert_eq(ia, 0, "ids are dense from 0");
    cr_assert_eq(functab_intern(&t, &b), ia, "equal keys, other pointers");
    pr_func_key c = key("a.py", 4, "f"), d = key("a.py", 3, "g"),
                e = key("b.py", 3, "f");
    cr_assert_eq(functab_intern(&t, &c), 1);
    cr_assert_eq(functab_intern(&t, &d), 2);
    cr_assert_eq(functab_intern(&t, &e), 3);
    /* the table keeps copies: changing the caller's bytes changes nothing */
    f1[0] = 'X';
    n1[0] = 'Y';
    cr_assert(tu_str_is(t.keys[ia].file, "a.py"));
    cr_assert(tu_str_is(t.keys[ia].name, "f"));
    cr_assert_eq(functab_intern(&t, &b), ia);
    cr_assert_eq(t.n, 4);
    functab_free(&t);
}

Test(functab, lengths_and_embedded_nul_matter)
{
    functab t;
    functab_init(&t);
    pr_func_key a = {{"ab\0c", 4}, 0, {"", 0}};
    pr_func_key b = {{"ab\0d", 4}, 0, {"", 0}};
    pr_func_key c = {{"ab", 2}, 0, {"", 0}};
    /* the same bytes split differently between file and name */
    pr_func_key d = {{"ab", 2}, 0, {"c", 1}};
    pr_func_key e = {{"a", 1}, 0, {"bc", 2}};
    uint32_t ids[] = {functab_intern(&t, &a), functab_intern(&t, &b),
                      functab_intern(&t, &c), functab_intern(&t, &d),
                      functab_intern(&t, &e)};
    for (int i = 0; i < 5; i++)
        cr_assert_eq(ids[i], (uint32_t)i, "key %d merged with another", i);
    char copy[] = {'a', 'b', '\0', 'c'};
    pr_func_key a2 = {{copy, 4}, 0, {"", 0}};
    cr_assert_eq(functab_intern(&t, &a2), 0);
    functab_free(&t);
}

Test(functab, grows_past_several_rehashes)
{
    functab t;
    functab_init(&t);
    enum { N = 20000 }; /* slots: 1024 -> 65536, keys: 1024 -> 32768 */
    char name[32];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "f%d", i);
        pr_func_key k = key("mod.py", i % 7, name);
        cr_assert_eq(functab_intern(&t, &k), (uint32_t)i);
    }
    cr_assert_eq(t.n, N);
    for (int i = N - 1; i >= 0; i--) {
        snprintf(name, sizeof name, "f%d", i);
        pr_func_key k = key("mod.py", i % 7, name);
        cr_assert_eq(functab_intern(&t, &k), (uint32_t)i, "key %d", i);
        cr_assert(tu_str_is(t.keys[i].name, name));
    }
    cr_assert_eq(t.n, N, "lookups must not add");
    functab_free(&t);
}

/* ---- ftable ----------------------------------------------------------- */

static const func_stat *func(const ftable *t, uint32_t fid)
{
    uint32_t i = u64map_get((u64map *)&t->fmap, fid, 0, 0, NULL);
    cr_assert_neq(i, UINT32_MAX, "no function %u", fid);
    cr_assert_eq(t->f[i].fid, fid);
    return &t->f[i];
}

static const edge_stat *edge(const ftable *t, uint32_t caller, uint32_t callee)
{
    uint64_t k = (uint64_t)caller << 32 | callee;
    uint32_t i = u64map_get((u64map *)&t->emap, k, 0, 0, NULL);
    cr_assert_neq(i, UINT32_MAX, "no edge %u -> %u", caller, callee);
    cr_assert_eq(t->e[i].caller, caller);
    cr_assert_eq(t->e[i].callee, callee);
    return &t->e[i];
}

static int has_edge(const ftable *t, uint32_t caller, uint32_t callee)
{
    uint64_t k = (uint64_t)caller << 32 | callee;
    return u64map_get((u64map *)&t->emap, k, 0, 0, NULL) != UINT32_MAX;
}

Test(ftable, add_func_sums)
{
    ftable t;
    memset(&t, 0, sizeof t);
    cr_assert_eq(ftable_add_func(&t, 3, 1, 2, 0.25, 0.5), PR_OK);
    cr_assert_eq(ftable_add_func(&t, 9, 5, 5, 1.0, 1.0), PR_OK);
    cr_assert_eq(ftable_add_func(&t, 3, 10, 20, 0.5, 1.5), PR_OK);
    cr_assert_eq(t.nf, 2);
    const func_stat *s = func(&t, 3);
    cr_assert_eq(s->cc, 11);
    cr_assert_eq(s->nc, 22);
    cr_assert(s->tt == 0.75 && s->ct == 2.0);
    ftable_free(&t);
}

Test(ftable, add_edge_sums_and_count_only)
{
    ftable t;
    memset(&t, 0, sizeof t);
    /* cProfile pairs: element-wise sum of (nc, cc, tt, ct) */
    cr_assert_eq(ftable_add_edge(&t, 1, 2, 3, 2, 0.5, 1.0, 0), PR_OK);
    cr_assert_eq(ftable_add_edge(&t, 1, 2, 4, 1, 0.25, 0.5, 0), PR_OK);
    const edge_stat *e = edge(&t, 1, 2);
    cr_assert_eq(e->nc, 7);
    cr_assert_eq(e->cc, 3);
    cr_assert(e->tt == 0.75 && e->ct == 1.5);
    cr_assert_eq(e->count_only, 0);
    /* the reverse direction is another edge */
    cr_assert(!has_edge(&t, 2, 1));
    /* profile.py counts only: stays count_only while every part is */
    cr_assert_eq(ftable_add_edge(&t, 2, 1, 6, 6, 0, 0, 1), PR_OK);
    cr_assert_eq(ftable_add_edge(&t, 2, 1, 4, 4, 0, 0, 1), PR_OK);
    e = edge(&t, 2, 1);
    cr_assert_eq(e->nc, 10);
    cr_assert_eq(e->cc, 10);
    cr_assert_eq(e->count_only, 1);
    /* one tuple contribution makes it a timed edge */
    cr_assert_eq(ftable_add_edge(&t, 2, 1, 1, 1, 0.125, 0.125, 0), PR_OK);
    e = edge(&t, 2, 1);
    cr_assert_eq(e->count_only, 0);
    cr_assert_eq(e->nc, 11);
    cr_assert(e->tt == 0.125);
    /* ... and stays one after more counts */
    cr_assert_eq(ftable_add_edge(&t, 2, 1, 1, 1, 0, 0, 1), PR_OK);
    cr_assert_eq(edge(&t, 2, 1)->count_only, 0);
    /* a function may be its own caller (recursion) */
    cr_assert_eq(ftable_add_edge(&t, 5, 5, 48, 6, 0, 0, 0), PR_OK);
    cr_assert_eq(edge(&t, 5, 5)->nc, 48);
    cr_assert_eq(t.ne, 3);
    ftable_free(&t);
}

Test(ftable, grows)
{
    ftable t;
    memset(&t, 0, sizeof t);
    enum { N = 5000 };
    for (uint32_t i = 0; i < N; i++) {
        cr_assert_eq(ftable_add_func(&t, i, 1, 1, 0, 0), PR_OK);
        cr_assert_eq(ftable_add_edge(&t, i, (i + 1) % N, 1, 1, 0, 0, 0), PR_OK);
    }
    for (uint32_t i = 0; i < N; i++) {
        cr_assert_eq(ftable_add_func(&t, i, 1, 2, 0, 0), PR_OK);
        cr_assert_eq(ftable_add_edge(&t, i, (i + 1) % N, 1, 1, 0, 0, 0), PR_OK);
    }
    cr_assert_eq(t.nf, N);
    cr_assert_eq(t.ne, N);
    for (uint32_t i = 0; i < N; i++) {
        cr_assert_eq(func(&t, i)->nc, 3);
        cr_assert_eq(edge(&t, i, (i + 1) % N)->nc, 2);
    }
    ftable_free(&t);
}

Test(ftable, merge_with_remap)
{
    ftable src, dst;
    memset(&src, 0, sizeof src);
    memset(&dst, 0, sizeof dst);
    /* src ids 0, 1, 2 are dst ids 7, 4, 7: src 0 and 2 are one function
     * in dst (the same key interned by two shards). */
    const uint32_t remap[] = {7, 4, 7};
    ftable_add_func(&src, 0, 1, 1, 0.5, 0.5);
    ftable_add_func(&src, 1, 2, 3, 1.0, 2.0);
    ftable_add_func(&src, 2, 4, 4, 0.25, 0.25);
    ftable_add_edge(&src, 1, 0, 1, 1, 0.5, 0.5, 0);
    ftable_add_edge(&src, 1, 2, 2, 2, 0.25, 0.25, 0);
    ftable_add_edge(&src, 0, 1, 5, 5, 0, 0, 1);
    /* dst already has function 4 and the edge 4 -> 7 */
    ftable_add_func(&dst, 4, 10, 10, 1.0, 1.0);
    ftable_add_edge(&dst, 4, 7, 10, 10, 1.0, 1.0, 0);
    cr_assert_eq(ftable_merge(&dst, &src, remap), PR_OK);
    cr_assert_eq(dst.nf, 2);
    const func_stat *f7 = func(&dst, 7), *f4 = func(&dst, 4);
    cr_assert_eq(f7->cc, 5);
    cr_assert_eq(f7->nc, 5);
    cr_assert(f7->tt == 0.75);
    cr_assert_eq(f4->cc, 12);
    cr_assert_eq(f4->nc, 13);
    cr_assert(f4->ct == 3.0);
    /* 1->0 and 1->2 both become 4->7, added to dst's own 4->7 */
    const edge_stat *e = edge(&dst, 4, 7);
    cr_assert_eq(e->nc, 13);
    cr_assert_eq(e->cc, 13);
    cr_assert(e->tt == 1.75 && e->ct == 1.75);
    cr_assert_eq(e->count_only, 0);
    e = edge(&dst, 7, 4);
    cr_assert_eq(e->nc, 5);
    cr_assert_eq(e->count_only, 1, "count_only survives a merge");
    cr_assert_eq(dst.ne, 2);
    /* src is left as it was */
    cr_assert_eq(src.nf, 3);
    cr_assert_eq(src.ne, 3);
    ftable_free(&src);
    ftable_free(&dst);
}

Test(ftable, merge_without_remap_is_identity)
{
    ftable src, dst;
    memset(&src, 0, sizeof src);
    memset(&dst, 0, sizeof dst);
    ftable_add_func(&src, 2, 1, 1, 0.5, 0.5);
    ftable_add_edge(&src, 3, 2, 1, 1, 0.5, 0.5, 0);
    cr_assert_eq(ftable_merge(&dst, &src, NULL), PR_OK);
    cr_assert_eq(ftable_merge(&dst, &src, NULL), PR_OK);
    cr_assert_eq(func(&dst, 2)->nc, 2);
    cr_assert(func(&dst, 2)->tt == 1.0);
    cr_assert_eq(edge(&dst, 3, 2)->nc, 2);
    /* merging an empty table changes nothing */
    ftable empty;
    memset(&empty, 0, sizeof empty);
    cr_assert_eq(ftable_merge(&dst, &empty, NULL), PR_OK);
    cr_assert_eq(dst.nf, 1);
    ftable_free(&src);
    ftable_free(&dst);
}

/* ---- pr__sort_mostly_sorted ---------------------------------------------- */

typedef struct kv {
    int key;
    int seq; /* input position, the tie-break: a total order */
} kv;

static int cmp_kv_key(const void *a, const void *b)
{
    const kv *x = a, *y = b;
    return (x->key > y->key) - (x->key < y->key);
}

static int cmp_kv(const void *a, const void *b)
{
    int c = cmp_kv_key(a, b);
    return c != 0 ? c : (((const kv *)a)->seq > ((const kv *)b)->seq) -
                            (((const kv *)a)->seq < ((const kv *)b)->seq);
}

/* A sorted prefix and a tail in any order, as a cron run has them: the
 * result is qsort's, whatever the tail's length and where it lands. */
Test(sort, mostly_sorted_matches_a_full_sort)
{
    unsigned seed = 12345;
    for (int round = 0; round < 200; round++) {
        size_t n = 1 + (size_t)(round * 7 % 300), k = (size_t)round % (n + 1);
        kv *v = malloc(n * sizeof *v), *w = malloc(n * sizeof *w);
        cr_assert(v != NULL && w != NULL);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            v[i].key = (int)(seed >> 16) % 50;
            v[i].seq = (int)i;
        }
        qsort(v, k, sizeof *v, cmp_kv); /* the prefix, in order */
        for (size_t i = 0; i < n; i++)
            v[i].seq = (int)i;
        memcpy(w, v, n * sizeof *v);
        pr__sort_mostly_sorted(v, n, sizeof *v, cmp_kv);
        qsort(w, n, sizeof *w, cmp_kv);
        for (size_t i = 0; i < n; i++)
            cr_assert(v[i].key == w[i].key && v[i].seq == w[i].seq,
                      "round %d (n %zu, prefix %zu): element %zu", round, n,
                      k, i);
        free(v);
        free(w);
    }
}
