/* profile.c - the public one-file API: a parsed profile that owns copies
 * of its strings, independent of the input buffer. */
#include "arena.h"
#include "source.h"
#include "stats.h"

#include <stdlib.h>
#include <string.h>

struct pr_profile {
    arena strings;
    pr_entry *entries;
    pr_caller *callers;
    size_t n, skipped_keys;
    uint64_t trailing;
};

static pr_status copy_view(const sview *v, pr_profile **out)
{
    pr_profile *p = calloc(1, sizeof *p);
    if (p == NULL)
        return PR_ERR_NOMEM;
    arena_init(&p->strings);
    p->n = v->n;
    p->skipped_keys = v->skipped_keys;
    p->trailing = v->trailing;
    p->entries = malloc((v->n ? v->n : 1) * sizeof *p->entries);
    p->callers = malloc((v->ncallers ? v->ncallers : 1) * sizeof *p->callers);
    /* Each distinct key's strings copied once, shared by its records. */
    pr_func_key *keys = malloc((v->nkeys ? v->nkeys : 1) * sizeof *keys);
    int bad = p->entries == NULL || p->callers == NULL || keys == NULL;
    for (size_t i = 0; !bad && i < v->nkeys; i++) {
        keys[i] = v->keys[i].key;
        bad = arena_copy_key(&p->strings, &keys[i]);
    }
    for (size_t i = 0; !bad && i < v->ncallers; i++) {
        const scaller *c = &v->callers[i];
        pr_caller *q = &p->callers[i];
        q->key = keys[c->key];
        q->nc = c->nc;
        q->cc = c->cc;
        q->tt = c->tt;
        q->ct = c->ct;
        q->count_only = c->count_only;
    }
    for (size_t i = 0; !bad && i < v->n; i++) {
        const sentry *e = &v->entries[i];
        pr_entry *q = &p->entries[i];
        q->key = keys[e->key];
        q->cc = e->cc;
        q->nc = e->nc;
        q->tt = e->tt;
        q->ct = e->ct;
        q->ncallers = e->ncallers;
        q->callers = e->ncallers ? p->callers + e->first : NULL;
    }
    free(keys);
    if (bad) {
        pr_profile_free(p);
        return PR_ERR_NOMEM;
    }
    *out = p;
    return PR_OK;
}

pr_status pr_profile_parse(const void *buf, size_t len, pr_profile **out,
                           pr_error *err)
{
    if (out == NULL || (buf == NULL && len > 0))
        return pr__fail(err, PR_ERR_USAGE, PR_NO_OFFSET, "NULL argument");
    *out = NULL;
    mdecoder d;
    sview v;
    mdecoder_init(&d);
    sview_init(&v);
    pr_status st = sview_parse(&v, &d, buf, len, err);
    if (st == PR_OK && (st = copy_view(&v, out)) != PR_OK)
        pr__fail(err, st, PR_NO_OFFSET, "out of memory");
    sview_free(&v);
    mdecoder_free(&d);
    return st;
}

pr_status pr_profile_load(const char *path, pr_profile **out, pr_error *err)
{
    if (out == NULL || path == NULL)
        return pr__fail(err, PR_ERR_USAGE, PR_NO_OFFSET, "NULL argument");
    *out = NULL;
    rbuf raw = {0}, unz = {0};
    const unsigned char *data;
    size_t len;
    src_stat sst;
    pr_status st = src_load(path, 1ULL << 30, &raw, &unz, &data, &len, &sst,
                            err);
    if (st == PR_OK)
        st = pr_profile_parse(data, len, out, err);
    rbuf_free(&raw);
    rbuf_free(&unz);
    return st;
}

size_t pr_profile_count(const pr_profile *p) { return p ? p->n : 0; }

const pr_entry *pr_profile_entry(const pr_profile *p, size_t i)
{
    return p && i < p->n ? &p->entries[i] : NULL;
}

size_t pr_profile_skipped_keys(const pr_profile *p)
{
    return p ? p->skipped_keys : 0;
}

uint64_t pr_profile_trailing_bytes(const pr_profile *p)
{
    return p ? p->trailing : 0;
}

void pr_profile_free(pr_profile *p)
{
    if (p == NULL)
        return;
    arena_free(&p->strings);
    free(p->entries);
    free(p->callers);
    free(p);
}
