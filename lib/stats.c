/* stats.c - validate the pstats dict shape (pstats-format.md, section 3)
 * and expose it as pr_entry records. */
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void sview_init(sview *v) { memset(v, 0, sizeof *v); }

void sview_free(sview *v)
{
    free(v->entries);
    free(v->first);
    u64map_free(&v->keys);
    free(v->callers);
    memset(v, 0, sizeof *v);
}

static const char *kind_name(const mval *x)
{
    static const char *const names[] = {
        "None", "bool", "int", "float", "str", "bytes", "tuple", "list",
        "set", "dict", "code object", "other object"};
    return x == NULL ? "NULL" : names[x->kind];
}

static int is_text(const mval *x)
{
    return x->kind == MV_STR || x->kind == MV_BYTES;
}

/* A function key: (file: str, line: int, name: str | code). Returns 1 if
 * it is one, 0 if it is not a 3-tuple at all (skippable), -1 when it is a
 * 3-tuple of the wrong types (an error). */
static int func_key(const mval *k, pr_func_key *out)
{
    if (k->kind != MV_TUPLE || k->n != 3)
        return 0;
    const mval *f = k->u.items[0], *l = k->u.items[1], *n = k->u.items[2];
    if (!is_text(f) || l->kind != MV_INT)
        return -1;
    out->file = f->u.s;
    out->line = l->u.i;
    if (is_text(n))
        out->name = n->u.s;
    else if (n->kind == MV_CODE)
        out->name = n->u.code.name;
    else
        return -1;
    return 1;
}

static int number(const mval *x, double *out)
{
    if (x->kind == MV_FLOAT)
        *out = x->u.f;
    else if (x->kind == MV_INT)
        *out = (double)x->u.i;
    else
        return 0;
    return 1;
}

static pr_status check_counts(int64_t a, int64_t b, double tt, double ct,
                              uint64_t off, pr_error *err)
{
    if (a < 0 || b < 0)
        return pr__fail(err, PR_ERR_BAD_VALUE, off,
                        "negative call count (%lld, %lld)", (long long)a,
                        (long long)b);
    if (!isfinite(tt) || !isfinite(ct))
        return pr__fail(err, PR_ERR_BAD_VALUE, off,
                        "time is not a finite number");
    return PR_OK;
}

static pr_status add_callers(sview *v, const mval *dict, pr_error *err)
{
    for (uint32_t j = 0; j < dict->n; j++) {
        const mval *k = dict->u.items[2 * j], *x = dict->u.items[2 * j + 1];
        pr_caller c;
        memset(&c, 0, sizeof c);
        int r = func_key(k, &c.key);
        if (r <= 0)
            return pr__fail(err, PR_ERR_NOT_STATS, k->off,
                            "expected a caller key (file, line, name), found "
                            "a %s", kind_name(k));
        if (x->kind == MV_INT) {
            c.nc = c.cc = x->u.i;
            c.count_only = 1;
        } else if (x->kind == MV_TUPLE && x->n == 4 &&
                   x->u.items[0]->kind == MV_INT &&
                   x->u.items[1]->kind == MV_INT &&
                   number(x->u.items[2], &c.tt) &&
                   number(x->u.items[3], &c.ct)) {
            c.nc = x->u.items[0]->u.i;
            c.cc = x->u.items[1]->u.i;
        } else {
            return pr__fail(err, PR_ERR_NOT_STATS, x->off,
                            "expected caller stats (nc, cc, tt, ct) or a "
                            "call count, found a %s", kind_name(x));
        }
        pr_status st = check_counts(c.nc, c.cc, c.tt, c.ct, x->off, err);
        if (st != PR_OK)
            return st;
        if (v->ncallers == v->capcallers) {
            size_t cap = v->capcallers ? v->capcallers * 2 : 1024;
            pr_caller *nc = realloc(v->callers, cap * sizeof *nc);
            if (nc == NULL)
                return pr__fail(err, PR_ERR_NOMEM, x->off, "out of memory");
            v->callers = nc;
            v->capcallers = cap;
        }
        v->callers[v->ncallers++] = c;
    }
    return PR_OK;
}

pr_status sview_parse(sview *v, mdecoder *d, const void *buf, size_t len,
                      pr_error *err)
{
    mval *root;
    size_t end;
    v->n = v->ncallers = v->skipped_keys = 0;
    v->trailing = 0;
    pr_status st = mdecode(d, buf, len, &root, &end, err);
    if (st != PR_OK)
        return st;
    if (root->kind != MV_DICT)
        return pr__fail(err, PR_ERR_NOT_STATS, 0,
                        "expected a stats dict at the top level, found a %s",
                        kind_name(root));
    v->trailing = len - end;
    if (root->n > v->cap) {
        pr_entry *ne = realloc(v->entries, root->n * sizeof *ne);
        if (ne == NULL)
            return pr__fail(err, PR_ERR_NOMEM, 0, "out of memory");
        v->entries = ne;
        size_t *nf = realloc(v->first, root->n * sizeof *nf);
        if (nf == NULL)
            return pr__fail(err, PR_ERR_NOMEM, 0, "out of memory");
        v->first = nf;
        v->cap = root->n;
    }
    u64map_clear(&v->keys);
    for (uint32_t i = 0; i < root->n; i++) {
        const mval *k = root->u.items[2 * i], *x = root->u.items[2 * i + 1];
        pr_entry *e = &v->entries[v->n];
        memset(e, 0, sizeof *e);
        int r = func_key(k, &e->key);
        if (r == 0) { /* e.g. ('__sampled__',): not a function */
            v->skipped_keys++;
            continue;
        }
        if (r < 0)
            return pr__fail(err, PR_ERR_NOT_STATS, k->off,
                            "expected a function key (file: str, line: int, "
                            "name: str)");
        if (x->kind != MV_TUPLE || x->n != 5 ||
            x->u.items[0]->kind != MV_INT || x->u.items[1]->kind != MV_INT ||
            !number(x->u.items[2], &e->tt) ||
            !number(x->u.items[3], &e->ct) || x->u.items[4]->kind != MV_DICT)
            return pr__fail(err, PR_ERR_NOT_STATS, x->off,
                            "expected function stats (cc, nc, tt, ct, "
                            "callers), found a %s", kind_name(x));
        e->cc = x->u.items[0]->u.i;
        e->nc = x->u.items[1]->u.i;
        if ((st = check_counts(e->cc, e->nc, e->tt, e->ct, x->off, err)))
            return st;
        size_t first = v->ncallers;
        if ((st = add_callers(v, x->u.items[4], err)) != PR_OK)
            return st;
        e->ncallers = v->ncallers - first;
        v->first[v->n] = first;
        /* marshal.loads keeps the last value of a key written twice
         * (no profiler does it; an edited file might): so do we. */
        uint64_t h = pr__hash(e->key.name.ptr, e->key.name.len,
                              pr__hash(e->key.file.ptr, e->key.file.len,
                                       (uint64_t)e->key.line)) >> 1;
        size_t dup = SIZE_MAX;
        for (uint64_t probe = h;; probe = (probe + 1) & (~(uint64_t)0 >> 1)) {
            uint32_t j = u64map_get(&v->keys, probe, 0, 0, NULL);
            if (j == UINT32_MAX) {
                if (u64map_get(&v->keys, probe, 1, (uint32_t)v->n, NULL) ==
                    UINT32_MAX)
                    return pr__fail(err, PR_ERR_NOMEM, k->off, "out of memory");
                break;
            }
            const pr_func_key *o = &v->entries[j].key;
            if (o->line == e->key.line && o->file.len == e->key.file.len &&
                o->name.len == e->key.name.len &&
                memcmp(o->file.ptr, e->key.file.ptr, o->file.len) == 0 &&
                memcmp(o->name.ptr, e->key.name.ptr, o->name.len) == 0) {
                dup = j;
                break;
            }
        }
        if (dup != SIZE_MAX) {
            v->entries[dup] = *e;
            v->first[dup] = first;
            continue;
        }
        v->n++;
    }
    /* Point at each entry's callers now that the array no longer moves. */
    for (size_t i = 0; i < v->n; i++) /* no callers at all: callers NULL */
        v->entries[i].callers = v->callers ? v->callers + v->first[i] : NULL;
    return PR_OK;
}
