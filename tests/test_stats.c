/* test_stats.c - the streaming pstats reader (lib/stats.c): it reads the
 * very objects the tree decoder reads, holds nodes only per top-level
 * pair, looks a key up once per key object, and gives the same records
 * for values it streams and values it has to decode into nodes. */
#include "testutil.h"
#include "funckey.h"

#include "stats.h"

/* The root dict's size and its callers, counted on the tree. */
static void tree_counts(const mval *root, size_t *pairs, size_t *callers)
{
    *pairs = root->n;
    *callers = 0;
    for (uint32_t i = 0; i < root->n; i++) {
        const mval *x = root->u.items[2 * i + 1];
        if (x->kind == MV_TUPLE && x->n == 5 &&
            x->u.items[4]->kind == MV_DICT)
            *callers += x->u.items[4]->n;
    }
}

static void same_objects_as_the_tree(const char *name)
{
    char *path = tu_path(TU_VALID, name);
    size_t len;
    unsigned char *buf = tu_read_file(path, &len);
    mdecoder d;
    mdecoder_init(&d);
    mval *root;
    size_t end, pairs, callers;
    pr_error err;
    cr_assert_eq(mdecode(&d, buf, len, &root, &end, &err), PR_OK, "%s: %s",
                 name, err.msg);
    unsigned long work = mdecode_budget(len) - d.budget;
    tree_counts(root, &pairs, &callers);
    /* A fresh decoder: it learns which code-object layout comes first. */
    mdecoder_free(&d);
    mdecoder_init(&d);
    sview v;
    sview_init(&v);
    cr_assert_eq(sview_parse(&v, &d, buf, len, &err), PR_OK, "%s: %s", name,
                 err.msg);
    cr_assert_eq(mdecode_budget(len) - d.budget, work,
                 "%s: %lu objects read streaming, %lu as a tree", name,
                 mdecode_budget(len) - d.budget, work);
    cr_assert_eq(len - v.trailing, end, "%s", name);
    cr_assert_eq(v.n + v.skipped_keys, pairs, "%s", name);
    cr_assert_eq(v.ncallers, callers, "%s", name);
    sview_free(&v);
    mdecoder_free(&d);
    free(buf);
    free(path);
}

Test(stats, reads_the_objects_the_tree_decoder_reads)
{
    DIR *dir = opendir(TU_VALID);
    cr_assert_not_null(dir);
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(dir)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l > 5 && strcmp(de->d_name + l - 5, ".prof") == 0) {
            same_objects_as_the_tree(de->d_name);
            n++;
        }
    }
    closedir(dir);
    cr_assert_geq(n, 20, "only %zu fixtures", n);
}

/* A stats dict of n functions as Python's marshal writes fresh objects:
 * {('m.py', i, 'f<i>'): (1, 2, 0.5, 1.0, {('m.py', i + 1, 'g'):
 * (1, 1, 0.25, 0.5)})}, nothing flagged but the root. */
static unsigned char *big_dict(size_t n, size_t *len)
{
    size_t cap = 16 + n * 128, o = 0;
    unsigned char *b = malloc(cap);
    cr_assert_not_null(b);
    const double g[4] = {0.5, 1.0, 0.25, 0.5};
    b[o++] = 0xfb;
    for (size_t i = 0; i < n; i++) {
        char name[32];
        int nl = snprintf(name, sizeof name, "f%zu", i);
        for (int part = 0; part < 2; part++) {
            uint32_t line = (uint32_t)(i + (size_t)part);
            b[o++] = ')';
            b[o++] = 3;
            b[o++] = 'z';
            b[o++] = 4;
            memcpy(b + o, "m.py", 4);
            o += 4;
            b[o++] = 'i';
            memcpy(b + o, &line, 4); /* little-endian host */
            o += 4;
            b[o++] = 'z';
            b[o++] = (unsigned char)(part ? 1 : nl);
            memcpy(b + o, part ? "g" : name, part ? 1 : (size_t)nl);
            o += part ? 1 : (size_t)nl;
            b[o++] = ')';
            b[o++] = (unsigned char)(part ? 4 : 5);
            int32_t one = 1, two = part ? 1 : 2;
            b[o++] = 'i';
            memcpy(b + o, &one, 4);
            o += 4;
            b[o++] = 'i';
            memcpy(b + o, &two, 4);
            o += 4;
            for (int k = 0; k < 2; k++) {
                b[o++] = 'g';
                memcpy(b + o, &g[2 * part + k], 8);
                o += 8;
            }
            if (part == 0)
                b[o++] = '{';
        }
        b[o++] = '0'; /* end of the callers */
    }
    b[o++] = '0';
    cr_assert_leq(o, cap);
    *len = o;
    return b;
}

Test(stats, nodes_are_released_pair_by_pair)
{
    size_t len, n = 40000;
    unsigned char *buf = big_dict(n, &len);
    mdecoder d;
    sview v;
    mdecoder_init(&d);
    sview_init(&v);
    pr_error err;
    cr_assert_eq(sview_parse(&v, &d, buf, len, &err), PR_OK, "%s", err.msg);
    cr_assert_eq(v.n, n);
    cr_assert_eq(v.ncallers, n);
    cr_assert_eq(v.entries[n - 1].tt, 0.5);
    cr_assert_eq(v.callers[n - 1].ct, 0.5);
    /* The tree of this file takes about 6 times its size; the reader
     * holds one pair's nodes at a time: one minimal chunk each. */
    size_t held = arena_bytes(&d.arena) + arena_bytes(&d.keep);
    cr_assert_leq(held, 2 * 64 * 1024, "%zu bytes of nodes for a %zu-byte file",
                  held, len);
    cr_assert_geq(len, 20 * held, "the file is too small to tell");
    sview_free(&v);
    mdecoder_free(&d);
    free(buf);
}

/* Parses hex into v; returns the bytes, which v points into. */
static unsigned char *parse_hex(sview *v, mdecoder *d, const char *hex)
{
    size_t len;
    unsigned char *b = tu_hex(hex, &len);
    pr_error err;
    pr_status st = sview_parse(v, d, b, len, &err);
    cr_assert_eq(st, PR_OK, "%s at %llu", err.msg,
                 (unsigned long long)err.offset);
    return b;
}

#define KEY_A "29 03 7a 01 61 e9 01000000 7a 01 66 " /* ('a', 1, 'f') */
#define KEY_B "29 03 7a 01 61 e9 02000000 7a 01 67 " /* ('a', 2, 'g') */
#define I(x) "e9 " x " "
#define G_HALF "67 000000000000e03f "
#define G_ONE "67 000000000000f03f "
#define ENTRY_HEAD "29 05 " I("01000000") I("02000000") G_HALF G_ONE
#define CALLER_OK "29 04 " I("01000000") I("01000000") G_HALF G_ONE

Test(stats, a_referenced_key_is_looked_up_once)
{
    /* Reference slots: 0 root, 1 KEY_A's line, 2-3 the entry's counts,
     * 4 the flagged caller key ('c', 3, 'h'), 5-6 its counts, ... The
     * second callers dict and the third top-level key name slot 4. */
    mdecoder d;
    sview v;
    mdecoder_init(&d);
    sview_init(&v);
    unsigned char *b = parse_hex(&v, &d,
              "fb " KEY_A ENTRY_HEAD "7b a9 03 7a 01 63 69 03000000 7a 01 68 "
              CALLER_OK "30 " KEY_B ENTRY_HEAD "7b 72 04000000 " CALLER_OK
              "30 72 04000000 " ENTRY_HEAD "7b 30 30");
    cr_assert_eq(v.n, 3);
    cr_assert_eq(v.nkeys, 3, "%zu keys for 3 functions", v.nkeys);
    cr_assert_eq(v.ncallers, 2);
    cr_assert_eq(v.callers[0].key, v.callers[1].key);
    cr_assert_eq(v.entries[2].key, v.callers[0].key);
    const pr_func_key *k = sview_key(&v, v.entries[2].key);
    cr_assert(tu_str_is(k->file, "c") && k->line == 3 &&
              tu_str_is(k->name, "h"));
    sview_free(&v);
    mdecoder_free(&d);
    free(b);
}

Test(stats, decoded_values_equal_streamed_ones)
{
    /* The first value is a flagged tuple with a flagged callers dict
     * (decoded into nodes); the second value references it (slot 2). */
    mdecoder d;
    sview v;
    mdecoder_init(&d);
    sview_init(&v);
    unsigned char *b1 = parse_hex(&v, &d,
              "fb " KEY_A "a9 05 " I("01000000") I("02000000") G_HALF G_ONE
              "fb " KEY_B CALLER_OK "30 " KEY_B "72 02000000 30");
    sview s;
    mdecoder d2;
    mdecoder_init(&d2);
    sview_init(&s);
    unsigned char *b2 = parse_hex(&s, &d2,
              "fb " KEY_A ENTRY_HEAD "7b " KEY_B CALLER_OK "30 " KEY_B
              ENTRY_HEAD "7b " KEY_B CALLER_OK "30 30");
    cr_assert_eq(v.n, 2);
    cr_assert_eq(s.n, 2);
    cr_assert_eq(v.ncallers, 2);
    cr_assert_eq(s.ncallers, 2);
    for (size_t i = 0; i < 2; i++) {
        const sentry *a = &v.entries[i], *b = &s.entries[i];
        cr_assert(a->cc == b->cc && a->nc == b->nc && a->tt == b->tt &&
                  a->ct == b->ct && a->ncallers == b->ncallers &&
                  a->first == b->first, "entry %zu differs", i);
        cr_assert(pr__key_eq(sview_key(&v, a->key), sview_key(&s, b->key)));
        const scaller *x = &v.callers[i], *y = &s.callers[i];
        cr_assert(x->nc == y->nc && x->cc == y->cc && x->tt == y->tt &&
                  x->ct == y->ct && x->count_only == y->count_only,
                  "caller %zu differs", i);
        cr_assert(pr__key_eq(sview_key(&v, x->key), sview_key(&s, y->key)));
    }
    sview_free(&v);
    sview_free(&s);
    mdecoder_free(&d);
    mdecoder_free(&d2);
    free(b1);
    free(b2);
}
