/* stats.c - the pstats dict (pstats-format.md, section 3), read straight
 * off the marshal stream into a sview.
 *
 * cProfile writes {key: (cc, nc, tt, ct, {caller key: (nc, cc, tt, ct)})}.
 * Tuples and dicts in those places are read here item by item, without
 * building nodes, and the nodes a top-level pair did need are released
 * once it is read: a huge profile costs about its own size again, not
 * ten times. Anything else in those places (a reference, a flagged
 * container, a wrong type) is decoded into nodes by marshal.c and checked
 * by the same functions. A function key is hashed and looked up once per
 * key object: a caller key that marshal writes once and then references
 * a thousand times costs one lookup.
 */
#include "stats.h"
#include "funckey.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

void sview_init(sview *v)
{
    memset(v, 0, sizeof *v);
    arena_init(&v->strings);
}

void sview_free(sview *v)
{
    free(v->keys);
    free(v->slots);
    free(v->entry_of);
    free(v->scratch);
    free(v->entries);
    free(v->callers);
    arena_free(&v->strings);
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

/* ---- shape errors ------------------------------------------------------
 * The first one is kept and reading goes on: an error of the marshal
 * stream later in the file is reported instead, as when the whole tree
 * was decoded before its shape was checked. */

static pr_error *shape_slot(sview *v)
{
    if (v->bad)
        return NULL;
    v->bad = 1;
    return &v->shape;
}

/* The longest time a profile's function can show, in seconds: 31
 * years, far past any request or batch job. Larger ones (a corrupt
 * file's 5.6e306 s) would make every share and sum of the run
 * meaningless, and overflow the integer microseconds of the exports. */
#define MAX_PROFILE_S 1e9

static void check_counts(sview *v, int64_t a, int64_t b, double tt,
                         double ct, uint64_t off)
{
    if (a < 0 || b < 0)
        pr__fail(shape_slot(v), PR_ERR_BAD_VALUE, off,
                 "negative call count (%lld, %lld)", (long long)a,
                 (long long)b);
    else if (!isfinite(tt) || !isfinite(ct))
        pr__fail(shape_slot(v), PR_ERR_BAD_VALUE, off,
                 "time is not a finite number");
    else if (fabs(tt) > MAX_PROFILE_S || fabs(ct) > MAX_PROFILE_S)
        pr__fail(shape_slot(v), PR_ERR_BAD_VALUE, off,
                 "time of %g s is beyond any profile's (over 31 years)",
                 fabs(tt) > fabs(ct) ? tt : ct);
}

static void bad_entry(sview *v, const char *kind, uint64_t off)
{
    pr__fail(shape_slot(v), PR_ERR_NOT_STATS, off,
             "expected function stats (cc, nc, tt, ct, callers), found a %s",
             kind);
}

static pr_status no_memory(const sview *v, pr_error *err)
{
    return pr__fail(err, PR_ERR_NOMEM, v->d->pos, "out of memory");
}

/* ---- the file's distinct keys ----------------------------------------- */

static uint64_t str_hash(mval *s, pr_str t)
{
    if (!s->cached) {
        s->h = pr__hash(t.ptr, t.len, 0);
        s->cached = 1;
    }
    return s->h;
}

/* Whether s lives in the input (else in an arena the parse rewinds). */
static int in_input(const sview *v, pr_str s)
{
    uintptr_t p = (uintptr_t)s.ptr, b = (uintptr_t)v->d->buf;
    return s.len == 0 || (p >= b && p - b <= v->d->len);
}

static int rehash(sview *v)
{
    size_t ns = v->nslots ? v->nslots * 2 : 2048;
    uint32_t *slots = malloc(ns * sizeof *slots);
    if (slots == NULL)
        return -1;
    memset(slots, 0xff, ns * sizeof *slots);
    for (size_t id = 0; id < v->nkeys; id++) {
        size_t j = v->keys[id].hash & (ns - 1);
        while (slots[j] != NONE)
            j = (j + 1) & (ns - 1);
        slots[j] = (uint32_t)id;
    }
    free(v->slots);
    v->slots = slots;
    v->nslots = ns;
    return 0;
}

static int grow_keys(sview *v)
{
    size_t cap = v->capkeys ? v->capkeys * 2 : 1024;
    skey *k = realloc(v->keys, cap * sizeof *k);
    if (k == NULL)
        return -1;
    v->keys = k;
    uint32_t *e = realloc(v->entry_of, cap * sizeof *e);
    if (e == NULL)
        return -1;
    v->entry_of = e;
    uint32_t *s = realloc(v->scratch, cap * sizeof *s);
    if (s == NULL)
        return -1;
    v->scratch = s;
    v->capkeys = cap;
    return 0;
}

/* Empties the key table in time proportional to what the last file put
 * in it, however large an earlier file made it. */
static void clear_keys(sview *v)
{
    for (size_t id = 0; id < v->nkeys; id++) {
        size_t j = v->keys[id].hash & (v->nslots - 1);
        while (v->slots[j] != id)
            j = (j + 1) & (v->nslots - 1);
        v->slots[j] = NONE;
    }
    v->nkeys = 0;
}

/* The index of the key that node k (checked by func_key into fk) holds:
 * remembered in the node, so a key named again by a marshal reference
 * costs nothing. */
static pr_status key_index(sview *v, mval *k, const pr_func_key *fk,
                           uint32_t *out, pr_error *err)
{
    if (k->cached) {
        *out = (uint32_t)k->h;
        return PR_OK;
    }
    uint64_t h = pr__key_hash(str_hash(k->u.items[0], fk->file), fk->line,
                              str_hash(k->u.items[2], fk->name));
    if ((v->nkeys + 1) * 2 > v->nslots && rehash(v) != 0)
        return no_memory(v, err);
    size_t mask = v->nslots - 1, j = h & mask;
    uint32_t id;
    for (; (id = v->slots[j]) != NONE; j = (j + 1) & mask)
        if (v->keys[id].hash == h && pr__key_eq(&v->keys[id].key, fk))
            goto found;
    if (v->nkeys == v->capkeys && grow_keys(v) != 0)
        return no_memory(v, err);
    skey *s = &v->keys[v->nkeys];
    s->key = *fk;
    s->hash = h;
    if ((!in_input(v, s->key.file) &&
         arena_copy_str(&v->strings, &s->key.file) != 0) ||
        (!in_input(v, s->key.name) &&
         arena_copy_str(&v->strings, &s->key.name) != 0))
        return no_memory(v, err);
    id = (uint32_t)v->nkeys++;
    v->slots[j] = id;
    v->entry_of[id] = NONE;
found:
    k->h = id;
    k->cached = 1;
    *out = id;
    return PR_OK;
}

/* ---- records ------------------------------------------------------------ */

static pr_status add_entry(sview *v, mval *k, const pr_func_key *fk,
                           sentry *e, pr_error *err)
{
    if (v->bad)
        return PR_OK;
    pr_status st = key_index(v, k, fk, &e->key, err);
    if (st != PR_OK)
        return st;
    e->ncallers = (uint32_t)(v->ncallers - e->first);
    /* marshal.loads keeps the last value of a key written twice (no
     * profiler does it; an edited file might), in the first one's place:
     * so do we. */
    uint32_t at = v->entry_of[e->key];
    if (at != NONE) {
        v->entries[at] = *e;
        return PR_OK;
    }
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 1024;
        sentry *ne = realloc(v->entries, cap * sizeof *ne);
        if (ne == NULL)
            return no_memory(v, err);
        v->entries = ne;
        v->cap = cap;
    }
    v->entry_of[e->key] = (uint32_t)v->n;
    v->entries[v->n++] = *e;
    return PR_OK;
}

/* Whether k is a caller key, *fk its parts when it was not met before
 * (a marshal reference to a key node was checked then); records the
 * shape error when it is not. */
static int caller_key(sview *v, mval *k, pr_func_key *fk)
{
    if ((k->kind == MV_TUPLE && k->cached) || func_key(k, fk) > 0)
        return 1;
    pr__fail(shape_slot(v), PR_ERR_NOT_STATS, k->off,
             "expected a caller key (file, line, name), found a %s",
             kind_name(k));
    return 0;
}

/* The caller edge of key k (checked by caller_key into fk) with the
 * numbers in *c, read at offset off. */
static pr_status push_caller(sview *v, mval *k, const pr_func_key *fk,
                             scaller *c, uint64_t off, pr_error *err)
{
    check_counts(v, c->nc, c->cc, c->tt, c->ct, off);
    if (v->bad)
        return PR_OK;
    pr_status st;
    if (k->kind == MV_TUPLE && k->cached)
        c->key = (uint32_t)k->h;
    else if ((st = key_index(v, k, fk, &c->key, err)) != PR_OK)
        return st;
    if (v->ncallers == v->capcallers) {
        size_t cap = v->capcallers ? v->capcallers * 2 : 1024;
        scaller *nc = realloc(v->callers, cap * sizeof *nc);
        if (nc == NULL)
            return no_memory(v, err);
        v->callers = nc;
        v->capcallers = cap;
    }
    v->callers[v->ncallers++] = *c;
    return PR_OK;
}

/* One caller edge: key k, value x ((nc, cc, tt, ct) or a plain count). */
static pr_status add_caller(sview *v, mval *k, const mval *x, pr_error *err)
{
    pr_func_key fk;
    if (!caller_key(v, k, &fk) || v->bad)
        return PR_OK;
    scaller c;
    memset(&c, 0, sizeof c);
    if (x->kind == MV_INT) {
        c.nc = c.cc = x->u.i;
        c.tt = c.ct = 0;
        c.count_only = 1;
    } else if (x->kind == MV_TUPLE && x->n == 4 &&
               x->u.items[0]->kind == MV_INT &&
               x->u.items[1]->kind == MV_INT &&
               number(x->u.items[2], &c.tt) && number(x->u.items[3], &c.ct)) {
        c.nc = x->u.items[0]->u.i;
        c.cc = x->u.items[1]->u.i;
    } else {
        pr__fail(shape_slot(v), PR_ERR_NOT_STATS, x->off,
                 "expected caller stats (nc, cc, tt, ct) or a call count, "
                 "found a %s", kind_name(x));
        return PR_OK;
    }
    return push_caller(v, k, &fk, &c, x->off, err);
}

/* cc, nc, tt, ct of a stats tuple's first four items; 0: not numbers. */
static int entry_numbers(mval *const *it, sentry *e)
{
    if (it[0]->kind != MV_INT || it[1]->kind != MV_INT ||
        !number(it[2], &e->tt) || !number(it[3], &e->ct))
        return 0;
    e->cc = it[0]->u.i;
    e->nc = it[1]->u.i;
    return 1;
}

/* ---- values decoded into nodes ------------------------------------------ */

static pr_status tree_callers(sview *v, const mval *dict, pr_error *err)
{
    for (uint32_t j = 0; j < dict->n; j++) {
        pr_status st = add_caller(v, dict->u.items[2 * j],
                                  dict->u.items[2 * j + 1], err);
        if (st != PR_OK)
            return st;
    }
    return PR_OK;
}

static pr_status tree_entry(sview *v, mval *k, const pr_func_key *fk,
                            const mval *x, pr_error *err)
{
    if (v->bad)
        return PR_OK;
    sentry e;
    memset(&e, 0, sizeof e);
    if (x->kind != MV_TUPLE || x->n != 5 || !entry_numbers(x->u.items, &e) ||
        x->u.items[4]->kind != MV_DICT) {
        bad_entry(v, kind_name(x), x->off);
        return PR_OK;
    }
    check_counts(v, e.cc, e.nc, e.tt, e.ct, x->off);
    e.first = v->ncallers;
    pr_status st = tree_callers(v, x->u.items[4], err);
    if (st != PR_OK)
        return st;
    return add_entry(v, k, fk, &e, err);
}

/* ---- values read off the stream ----------------------------------------- */

static pr_status null_item(const sview *v, pr_error *err)
{
    return pr__fail(err, PR_ERR_BAD_TYPE, v->d->pos - 1,
                    "expected an object, found the NULL marker '0'");
}

/* Reads n tuple items at depth: the first `cap` into it[] (numbers
 * decoded into tmp[], on the stack), the rest only consumed. */
static pr_status read_items(sview *v, int depth, size_t n, mval *tmp,
                            mval **it, size_t cap, pr_error *err)
{
    for (size_t i = 0; i < n; i++) {
        mval *x;
        pr_status st = PR_OK;
        if (i >= cap)
            st = pr__md_obj(v->d, depth, &x, err);
        else if (!pr__md_fast_num(v->d, &tmp[i], &x))
            st = pr__md_scalar(v->d, depth, &tmp[i], &x, err);
        if (st != PR_OK)
            return st;
        if (x == NULL)
            return null_item(v, err);
        if (i < cap)
            it[i] = x;
    }
    return PR_OK;
}

/* A dict value at depth; NULL is an error, as in marshal.c's rd_dict. */
static pr_status read_value(sview *v, int depth, mval **x, pr_error *err)
{
    uint64_t at = v->d->pos;
    pr_status st = pr__md_obj(v->d, depth, x, err);
    if (st == PR_OK && *x == NULL)
        return pr__fail(err, PR_ERR_BAD_TYPE, at,
                        "expected a dict value, found the NULL marker '0'");
    return st;
}

/* The pairs of a callers dict at `depth`, its '{' read. */
static pr_status stream_callers(sview *v, int depth, pr_error *err)
{
    mdecoder *d = v->d;
    for (;;) {
        mval *k, *x;
        pr_status st = PR_OK;
        if (!pr__md_fast_ref(d, &k) &&
            (st = pr__md_key(d, depth + 1, &k, err)) != PR_OK)
            return st;
        if (k == NULL)
            return PR_OK;
        uint64_t at = d->pos;
        int code = '(';
        size_t n;
        if (!pr__md_fast_tuple(d, &n) &&
            (st = pr__md_head(d, depth + 1, '(', NULL, &code, &n, err)))
            return st;
        scaller c;
        memset(&c, 0, sizeof c);
        if (code == 0) {
            if ((st = read_value(v, depth + 1, &x, err)) != PR_OK)
                return st;
            st = add_caller(v, k, x, err);
        } else if (n == 4 &&
                   pr__md_fast_counts(d, &c.nc, &c.cc, &c.tt, &c.ct)) {
            /* What add_caller does with such a tuple, without one. */
            pr_func_key fk;
            if (caller_key(v, k, &fk) && !v->bad)
                st = push_caller(v, k, &fk, &c, at, err);
        } else {
            /* (nc, cc, tt, ct): a tuple node on the stack. */
            mval tmp[4], *it[4], tup;
            if ((st = read_items(v, depth + 2, n, tmp, it, 4, err)))
                return st;
            memset(&tup, 0, sizeof tup);
            tup.kind = MV_TUPLE;
            tup.done = 1;
            tup.n = (uint32_t)n;
            tup.off = at;
            tup.u.items = it;
            st = add_caller(v, k, &tup, err);
        }
        if (st != PR_OK)
            return st;
    }
}

/* The value of top-level key k, at depth 1. */
static pr_status stream_entry(sview *v, mval *k, pr_error *err)
{
    mdecoder *d = v->d;
    pr_func_key fk;
    mval *x;
    pr_status st;
    int r = func_key(k, &fk);
    if (r <= 0) {
        if (r == 0) /* e.g. ('__sampled__',): not a function */
            v->skipped_keys++;
        else
            pr__fail(shape_slot(v), PR_ERR_NOT_STATS, k->off,
                     "expected a function key (file: str, line: int, "
                     "name: str)");
        return read_value(v, 1, &x, err);
    }
    uint64_t at = d->pos;
    int code = '(';
    size_t n;
    if (!pr__md_fast_tuple(d, &n) &&
        (st = pr__md_head(d, 1, '(', NULL, &code, &n, err)) != PR_OK)
        return st;
    if (code == 0) {
        if ((st = read_value(v, 1, &x, err)) != PR_OK)
            return st;
        return tree_entry(v, k, &fk, x, err);
    }
    /* (cc, nc, tt, ct, callers) */
    sentry e;
    memset(&e, 0, sizeof e);
    int ok = n == 5 && pr__md_fast_counts(d, &e.cc, &e.nc, &e.tt, &e.ct);
    if (!ok) {
        mval tmp[4], *it[4];
        if ((st = read_items(v, 2, n == 5 ? 4 : n, tmp, it, 4, err)) != PR_OK)
            return st;
        if (n != 5) {
            bad_entry(v, "tuple", at);
            return PR_OK;
        }
        ok = entry_numbers(it, &e);
    }
    e.first = v->ncallers;
    if ((st = pr__md_head(d, 2, '{', NULL, &code, &n, err)) != PR_OK)
        return st;
    if (code == '{') {
        if (!ok)
            bad_entry(v, "tuple", at);
        else
            check_counts(v, e.cc, e.nc, e.tt, e.ct, at);
        st = stream_callers(v, 2, err);
    } else {
        mval *cd;
        if ((st = pr__md_obj(d, 2, &cd, err)) != PR_OK)
            return st;
        if (cd == NULL)
            return null_item(v, err);
        if (!ok || cd->kind != MV_DICT) {
            bad_entry(v, "tuple", at);
            return PR_OK;
        }
        check_counts(v, e.cc, e.nc, e.tt, e.ct, at);
        if (v->bad)
            return PR_OK;
        st = tree_callers(v, cd, err);
    }
    if (st != PR_OK)
        return st;
    return add_entry(v, k, &fk, &e, err);
}

pr_status sview_parse(sview *v, mdecoder *d, const void *buf, size_t len,
                      pr_error *err)
{
    v->d = d;
    clear_keys(v);
    arena_reset(&v->strings);
    v->n = v->ncallers = v->skipped_keys = 0;
    v->trailing = 0;
    v->bad = 0;
    pr__md_begin(d, buf, len);
    if (len == 0)
        return pr__fail(err, PR_ERR_EMPTY, 0, "empty file");
    mval *root = NULL, *x;
    int code;
    size_t n;
    pr_status st = pr__md_head(d, 0, '{', &root, &code, &n, err);
    if (st != PR_OK)
        return st;
    if (code == 0) {
        if ((st = pr__md_obj(d, 0, &x, err)) != PR_OK)
            return st;
        if (x == NULL)
            return pr__fail(err, PR_ERR_BAD_TYPE, 0,
                            "expected an object, found the NULL marker '0'");
        return pr__fail(err, PR_ERR_NOT_STATS, 0,
                        "expected a stats dict at the top level, found a %s",
                        kind_name(x));
    }
    uint64_t pairs = 0;
    for (;; pairs++) {
        /* What the pair needed in nodes is released after it. */
        arena_mark m = arena_get_mark(&d->arena);
        mval *k;
        if ((st = pr__md_key(d, 1, &k, err)) != PR_OK)
            return st;
        if (k == NULL)
            break;
        if ((st = stream_entry(v, k, err)) != PR_OK)
            return st;
        arena_rewind(&d->arena, m);
    }
    if (pairs > UINT32_MAX)
        return pr__fail(err, PR_ERR_BAD_LENGTH, 0, "dict too large");
    if (root != NULL)
        root->done = 1;
    v->trailing = len - d->pos;
    if (v->bad) {
        if (err != NULL)
            *err = v->shape;
        return v->shape.code;
    }
    return PR_OK;
}
