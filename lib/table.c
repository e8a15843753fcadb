/* table.c - hash tables for the aggregate. */
#include "table.h"
#include "funckey.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static uint64_t mix(uint64_t h)
{
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

uint64_t pr__hash(const void *p, size_t n, uint64_t seed)
{
    const unsigned char *s = p;
    uint64_t h = seed ^ (n * 0x9E3779B97F4A7C15ULL);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
        h ^= h >> 29;
        s += 8;
        n -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, s, n);
    return mix(h ^ w);
}

/* ---- u64map ---------------------------------------------------------- */

void u64map_free(u64map *m)
{
    free(m->slots);
    memset(m, 0, sizeof *m);
}

static void empty_slots(u64slot *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s[i].key = UINT64_MAX;
}

void u64map_clear(u64map *m)
{
    empty_slots(m->slots, m->cap);
    m->n = 0;
}

static int u64map_grow(u64map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    u64slot *slots = malloc(cap * sizeof *slots);
    if (slots == NULL)
        return -1;
    empty_slots(slots, cap);
    for (size_t i = 0; i < m->cap; i++) {
        if (m->slots[i].key == UINT64_MAX)
            continue;
        size_t j = mix(m->slots[i].key) & (cap - 1);
        while (slots[j].key != UINT64_MAX)
            j = (j + 1) & (cap - 1);
        slots[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return 0;
}

uint32_t u64map_find(const u64map *m, uint64_t key)
{
    if (m->cap == 0)
        return UINT32_MAX;
    for (size_t j = mix(key) & (m->cap - 1); m->slots[j].key != UINT64_MAX;
         j = (j + 1) & (m->cap - 1))
        if (m->slots[j].key == key)
            return m->slots[j].val;
    return UINT32_MAX;
}

/* The slot of key, or of the empty slot where it would go. */
static size_t slot_of(const u64map *m, uint64_t key)
{
    size_t j = mix(key) & (m->cap - 1);
    while (m->slots[j].key != UINT64_MAX && m->slots[j].key != key)
        j = (j + 1) & (m->cap - 1);
    return j;
}

uint32_t u64map_get(u64map *m, uint64_t key, int insert, uint32_t val,
                    int *added)
{
    if (added)
        *added = 0;
    if (m->cap == 0) {
        if (!insert || u64map_grow(m) != 0)
            return UINT32_MAX;
    }
    size_t j = slot_of(m, key);
    if (m->slots[j].key == key && key != UINT64_MAX)
        return m->slots[j].val;
    if (!insert)
        return UINT32_MAX;
    if ((m->n + 1) * 4 > m->cap * 3) {
        if (u64map_grow(m) != 0)
            return UINT32_MAX;
        j = slot_of(m, key);
    }
    m->slots[j].key = key;
    m->slots[j].val = val;
    m->n++;
    if (added)
        *added = 1;
    return val;
}

uint32_t *u64map_ref(u64map *m, uint64_t key, uint32_t init)
{
    if (u64map_get(m, key, 1, init, NULL) == UINT32_MAX)
        return NULL;
    return &m->slots[slot_of(m, key)].val;
}

/* ---- functab --------------------------------------------------------- */

void functab_init(functab *t)
{
    memset(t, 0, sizeof *t);
    arena_init(&t->strings);
}

void functab_free(functab *t)
{
    arena_free(&t->strings);
    free(t->keys);
    free(t->hashes);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

uint64_t pr__key_hash(uint64_t file_hash, int64_t line, uint64_t name_hash)
{
    return mix(file_hash ^ (uint64_t)line * 0x9E3779B97F4A7C15ULL ^
               (name_hash << 23 | name_hash >> 41));
}

static uint64_t key_hash(const pr_func_key *k)
{
    return pr__key_hash(pr__hash(k->file.ptr, k->file.len, 0), k->line,
                        pr__hash(k->name.ptr, k->name.len, 0));
}

/* Room for n + 1 keys at most half full; after functab_drop_index, the
 * first intern builds the index again at the size the keys need. */
static int functab_rehash(functab *t)
{
    size_t ns = t->nslots ? t->nslots * 2 : 1024;
    while ((t->n + 1) * 2 > ns)
        ns *= 2;
    uint32_t *slots = malloc(ns * sizeof *slots);
    if (slots == NULL)
        return -1;
    memset(slots, 0xff, ns * sizeof *slots);
    for (size_t id = 0; id < t->n; id++) {
        size_t j = t->hashes[id] & (ns - 1);
        while (slots[j] != UINT32_MAX)
            j = (j + 1) & (ns - 1);
        slots[j] = (uint32_t)id;
    }
    free(t->slots);
    t->slots = slots;
    t->nslots = ns;
    return 0;
}

void functab_drop_index(functab *t)
{
    free(t->slots);
    t->slots = NULL;
    t->nslots = 0;
}

uint32_t functab_intern(functab *t, const pr_func_key *key)
{
    return functab_intern_h(t, key, key_hash(key));
}

uint32_t functab_intern_h(functab *t, const pr_func_key *key, uint64_t h)
{
    if ((t->n + 1) * 2 > t->nslots && functab_rehash(t) != 0)
        return UINT32_MAX;
    size_t j = h & (t->nslots - 1);
    while (t->slots[j] != UINT32_MAX) {
        uint32_t id = t->slots[j];
        if (t->hashes[id] == h && pr__key_eq(&t->keys[id], key))
            return id;
        j = (j + 1) & (t->nslots - 1);
    }
    if (t->n >= UINT32_MAX - 1)
        return UINT32_MAX;
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        pr_func_key *keys = realloc(t->keys, cap * sizeof *keys);
        if (keys == NULL)
            return UINT32_MAX;
        t->keys = keys;
        uint64_t *hashes = realloc(t->hashes, cap * sizeof *hashes);
        if (hashes == NULL)
            return UINT32_MAX;
        t->hashes = hashes;
        t->cap = cap;
    }
    pr_func_key k = *key;
    if (arena_copy_str(&t->strings, &k.file) != 0 ||
        arena_copy_str(&t->strings, &k.name) != 0)
        return UINT32_MAX;
    uint32_t id = (uint32_t)t->n++;
    t->keys[id] = k;
    t->hashes[id] = h;
    t->slots[j] = id;
    return id;
}

/* ---- ftable ---------------------------------------------------------- */

int64_t pr__sat_add(int64_t a, int64_t b)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return b > 0 ? INT64_MAX : INT64_MIN;
    return r;
}

double pr__fsat_add(double a, double b)
{
    double r = a + b;
    if (isinf(r) && isfinite(a) && isfinite(b))
        return r > 0 ? DBL_MAX : -DBL_MAX;
    return r;
}

void ftable_free(ftable *t)
{
    u64map_free(&t->fmap);
    u64map_free(&t->emap);
    free(t->f);
    free(t->e);
    memset(t, 0, sizeof *t);
}

void ftable_drop_index(ftable *t)
{
    u64map_free(&t->fmap);
    u64map_free(&t->emap);
}

/* The indexes again, from the arrays, after ftable_drop_index: a map
 * that holds fewer keys than its array has rows was dropped. */
static pr_status reindex(u64map *m, size_t n, uint64_t (*key)(const ftable *,
                         size_t), const ftable *t)
{
    for (size_t i = 0; m->n < n && i < n; i++)
        if (u64map_get(m, key(t, i), 1, (uint32_t)i, NULL) == UINT32_MAX)
            return PR_ERR_NOMEM;
    return PR_OK;
}

static uint64_t func_key(const ftable *t, size_t i) { return t->f[i].fid; }

static uint64_t edge_key(const ftable *t, size_t i)
{
    return (uint64_t)t->e[i].caller << 32 | t->e[i].callee;
}

pr_status ftable_add_func(ftable *t, uint32_t fid, int64_t cc, int64_t nc,
                          double tt, double ct)
{
    int added;
    if (t->fmap.n < t->nf && reindex(&t->fmap, t->nf, func_key, t) != PR_OK)
        return PR_ERR_NOMEM;
    /* Room first, so a failed allocation never leaves a dangling index. */
    if (t->nf == t->capf) {
        size_t cap = t->capf ? t->capf * 2 : 16;
        func_stat *f = realloc(t->f, cap * sizeof *f);
        if (f == NULL)
            return PR_ERR_NOMEM;
        t->f = f;
        t->capf = cap;
    }
    uint32_t i = u64map_get(&t->fmap, fid, 1, (uint32_t)t->nf, &added);
    if (i == UINT32_MAX)
        return PR_ERR_NOMEM;
    if (added) {
        func_stat z = {fid, 0, 0, 0, 0};
        t->f[t->nf++] = z;
    }
    func_stat *s = &t->f[i];
    s->cc = pr__sat_add(s->cc, cc);
    s->nc = pr__sat_add(s->nc, nc);
    s->tt = pr__fsat_add(s->tt, tt);
    s->ct = pr__fsat_add(s->ct, ct);
    return PR_OK;
}

pr_status ftable_add_edge(ftable *t, uint32_t caller, uint32_t callee,
                          int64_t nc, int64_t cc, double tt, double ct,
                          int count_only)
{
    int added;
    uint64_t key = (uint64_t)caller << 32 | callee;
    if (t->emap.n < t->ne && reindex(&t->emap, t->ne, edge_key, t) != PR_OK)
        return PR_ERR_NOMEM;
    if (t->ne == t->cape) {
        size_t cap = t->cape ? t->cape * 2 : 16;
        edge_stat *e = realloc(t->e, cap * sizeof *e);
        if (e == NULL)
            return PR_ERR_NOMEM;
        t->e = e;
        t->cape = cap;
    }
    uint32_t i = u64map_get(&t->emap, key, 1, (uint32_t)t->ne, &added);
    if (i == UINT32_MAX)
        return PR_ERR_NOMEM;
    if (added) {
        edge_stat z = {caller, callee, 0, 0, 0, 0, 1};
        t->e[t->ne++] = z;
    }
    edge_stat *s = &t->e[i];
    s->nc = pr__sat_add(s->nc, nc);
    s->cc = pr__sat_add(s->cc, cc);
    s->tt = pr__fsat_add(s->tt, tt);
    s->ct = pr__fsat_add(s->ct, ct);
    s->count_only &= (uint8_t)(count_only != 0);
    return PR_OK;
}

pr_status ftable_merge(ftable *dst, const ftable *src, const uint32_t *remap)
{
    pr_status st;
    for (size_t i = 0; i < src->nf; i++) {
        const func_stat *s = &src->f[i];
        uint32_t fid = remap ? remap[s->fid] : s->fid;
        if ((st = ftable_add_func(dst, fid, s->cc, s->nc, s->tt, s->ct)))
            return st;
    }
    for (size_t i = 0; i < src->ne; i++) {
        const edge_stat *e = &src->e[i];
        uint32_t a = remap ? remap[e->caller] : e->caller;
        uint32_t b = remap ? remap[e->callee] : e->callee;
        if ((st = ftable_add_edge(dst, a, b, e->nc, e->cc, e->tt, e->ct,
                                  e->count_only)))
            return st;
    }
    return PR_OK;
}
