/* report.c - build a read-only, sorted report from an aggregate. The
 * renderers only walk it: they never re-parse or re-aggregate. */
#include "report.h"
#include "agg.h"

#include <stdlib.h>
#include <string.h>

static int cmp_str(pr_str a, pr_str b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.ptr, b.ptr, n) : 0;
    if (c != 0)
        return c;
    return (a.len > b.len) - (a.len < b.len);
}

static int cmp_key(const pr_func_key *a, const pr_func_key *b)
{
    int c = cmp_str(a->file, b->file);
    if (c != 0)
        return c;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    return cmp_str(a->name, b->name);
}

static int cmp_rows(const void *a, const void *b)
{
    return cmp_key(&((const pr_func_row *)a)->key,
                   &((const pr_func_row *)b)->key);
}

/* Sorting by a value, descending, with the key order (the row index) as
 * the tie-break so output never depends on hash or thread order. qsort
 * has no context argument, so the value travels with the index. */
typedef struct ranked {
    double v;
    size_t i;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->v != y->v)
        return x->v > y->v ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

static int rank(const pr_func_row *rows, size_t n, int by_ct, size_t *out)
{
    ranked *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (tmp == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        tmp[i].v = by_ct ? rows[i].ct : rows[i].tt;
        tmp[i].i = i;
    }
    qsort(tmp, n, sizeof *tmp, cmp_ranked);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[i].i;
    free(tmp);
    return 0;
}

static int cmp_edges(const void *a, const void *b)
{
    const pr_edge_row *x = a, *y = b;
    int c = cmp_key(&x->callee, &y->callee);
    return c != 0 ? c : cmp_key(&x->caller, &y->caller);
}

static int copy_str(arena *a, pr_str *s)
{
    if (s->len == 0) {
        s->ptr = "";
        return 0;
    }
    char *p = arena_alloc(a, s->len);
    if (p == NULL)
        return -1;
    memcpy(p, s->ptr, s->len);
    s->ptr = p;
    return 0;
}

static char *copy_cstr(arena *a, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = arena_alloc(a, n);
    if (p != NULL)
        memcpy(p, s, n);
    return p;
}

pr_status pr_report_build(const pr_agg *agg, const pr_report_options *opts,
                          pr_report **out)
{
    if (agg == NULL || out == NULL)
        return PR_ERR_USAGE;
    *out = NULL;
    pr_report *r = calloc(1, sizeof *r);
    if (r == NULL)
        return PR_ERR_NOMEM;
    arena_init(&r->strings);
    if (opts != NULL)
        r->opts = *opts;
    if (r->opts.top == 0)
        r->opts.top = 20;
    const shard *m = &agg->main;
    const ftable *t = &m->all;
    size_t n = t->nf;
    r->funcs = calloc(n ? n : 1, sizeof *r->funcs);
    r->by_tt = calloc(n ? n : 1, sizeof *r->by_tt);
    r->by_ct = calloc(n ? n : 1, sizeof *r->by_ct);
    r->skips = calloc(m->nskips ? m->nskips : 1, sizeof *r->skips);
    if (!r->funcs || !r->by_tt || !r->by_ct || !r->skips)
        goto nomem;
    pr_summary *s = &r->sum;
    for (size_t i = 0; i < n; i++) {
        const fstat *f = &t->f[i];
        pr_func_row *row = &r->funcs[i];
        row->key = m->funcs.keys[f->fid];
        if (copy_str(&r->strings, &row->key.file) ||
            copy_str(&r->strings, &row->key.name))
            goto nomem;
        row->nc = f->nc;
        row->cc = f->cc;
        row->tt = f->tt;
        row->ct = f->ct;
        s->total_calls += f->nc;
        s->primitive_calls += f->cc;
        s->total_tt += f->tt;
    }
    r->nfuncs = n;
    qsort(r->funcs, n, sizeof *r->funcs, cmp_rows);
    /* Each edge row carries its own copy of both keys. */
    if ((r->edges = calloc(t->ne ? t->ne : 1, sizeof *r->edges)) == NULL)
        goto nomem;
    for (size_t i = 0; i < t->ne; i++) {
        const estat *e = &t->e[i];
        pr_edge_row *row = &r->edges[i];
        row->callee = m->funcs.keys[e->callee];
        row->caller = m->funcs.keys[e->caller];
        if (copy_str(&r->strings, &row->callee.file) ||
            copy_str(&r->strings, &row->callee.name) ||
            copy_str(&r->strings, &row->caller.file) ||
            copy_str(&r->strings, &row->caller.name))
            goto nomem;
        row->nc = e->nc;
        row->cc = e->cc;
        row->tt = e->tt;
        row->ct = e->ct;
        row->count_only = e->count_only;
    }
    r->nedges = t->ne;
    qsort(r->edges, r->nedges, sizeof *r->edges, cmp_edges);
    if (rank(r->funcs, n, 0, r->by_tt) != 0 ||
        rank(r->funcs, n, 1, r->by_ct) != 0)
        goto nomem;
    s->files = m->nreq;
    s->skipped = m->nskips;
    s->functions = n;
    for (size_t i = 0; i < m->nreq; i++) {
        const request *q = &m->req[i];
        s->profiled_s += q->profiled_s;
        if (s->first_time == 0 || q->time < s->first_time)
            s->first_time = q->time;
        if (q->time > s->last_time)
            s->last_time = q->time;
    }
    for (size_t i = 0; i < m->nskips; i++) {
        r->skips[i].err = m->skips[i].err;
        if ((r->skips[i].path = copy_cstr(&r->strings, m->skips[i].path)) ==
            NULL)
            goto nomem;
    }
    r->nskips = m->nskips;
    *out = r;
    return PR_OK;
nomem:
    pr_report_free(r);
    return PR_ERR_NOMEM;
}

void pr_report_summary(const pr_report *r, pr_summary *out)
{
    if (r != NULL && out != NULL)
        *out = r->sum;
}

size_t pr_report_functions(const pr_report *r, const pr_func_row **rows)
{
    if (r == NULL)
        return 0;
    if (rows != NULL)
        *rows = r->funcs;
    return r->nfuncs;
}

size_t pr_report_edges(const pr_report *r, const pr_edge_row **rows)
{
    if (r == NULL)
        return 0;
    if (rows != NULL)
        *rows = r->edges;
    return r->nedges;
}

void pr_report_free(pr_report *r)
{
    if (r == NULL)
        return;
    free(r->edges);
    arena_free(&r->strings);
    free(r->funcs);
    free(r->by_tt);
    free(r->by_ct);
    free(r->skips);
    free(r);
}
