/* render_callgrind.c - the callgrind format (-f callgrind), read by
 * KCachegrind, QCachegrind and callgrind_annotate. It holds pstats' own
 * model exactly: each function with its own time (self cost), and under
 * it one call record per callee with the calls counted on that edge and
 * their inclusive time (the edge's cumtime). Nothing is reconstructed.
 * The one event is "us", microseconds; own times are rounded so that
 * they add up to the rounded total. Positions are lines: a function's
 * costs sit on its `def` line, as pstats knows no call sites. */
#include "funckey.h"
#include "render.h"
#include "sort.h"
#include "stacks.h"

#include <math.h>
#include <stdlib.h>

/* A file or function name on one line of the file. */
static void name(FILE *out, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        fputc(c == '\n' || c == '\r' || c == '\0' ? ' ' : c, out);
    }
}

/* fn= alone identifies a function (with fl=): functions of one file
 * that share a name (lambdas, <genexpr>, methods of several classes)
 * are told apart by their line. */
static void fn_name(FILE *out, const pr_func_key *k)
{
    name(out, k->name.ptr, k->name.len);
    if (k->line != 0)
        fprintf(out, ":%lld", (long long)k->line);
}

static void fl_fn(FILE *out, const char *fl, const char *fn,
                  const pr_func_key *k)
{
    fprintf(out, "%s=", fl);
    name(out, k->file.ptr, k->file.len);
    fprintf(out, "\n%s=", fn);
    fn_name(out, k);
    fputc('\n', out);
}

static const pr_edge_row *sort_edges;

static int by_caller(const void *a, const void *b)
{
    const pr_edge_row *x = &sort_edges[*(const size_t *)a];
    const pr_edge_row *y = &sort_edges[*(const size_t *)b];
    int c = x->caller == y->caller ? 0 : pr__key_cmp(x->caller, y->caller);
    if (c != 0 || x->callee == y->callee)
        return c;
    return pr__key_cmp(x->callee, y->callee);
}

/* One function: its self cost, then its calls (edges[order[*j..]] while
 * their caller is k). */
static void function(const pr_report *r, const pr_func_key *k,
                     long long self_us, const size_t *order, size_t *j,
                     FILE *out)
{
    long long line = k->line > 0 ? (long long)k->line : 0;
    fputc('\n', out);
    fl_fn(out, "fl", "fn", k);
    fprintf(out, "%lld %lld\n", line, self_us);
    for (; *j < r->nedges; (*j)++) {
        const pr_edge_row *e = &r->edges[order[*j]];
        if (pr__key_cmp(e->caller, k) != 0)
            break;
        fl_fn(out, "cfl", "cfn", e->callee);
        fprintf(out, "calls=%lld %lld\n", (long long)e->nc,
                e->callee->line > 0 ? (long long)e->callee->line : 0);
        fprintf(out, "%lld %lld\n", line,
                e->count_only ? 0 : llround(e->ct * 1e6));
    }
}

pr_status pr__render_callgrind(const pr_report *r, pr_table table, FILE *out,
                               pr_error *err)
{
    (void)table;
    (void)err;
    size_t *order = malloc((r->nedges ? r->nedges : 1) * sizeof *order);
    long long *self = malloc((r->nfuncs ? r->nfuncs : 1) * sizeof *self);
    if (order == NULL || self == NULL) {
        free(order);
        free(self);
        return PR_ERR_NOMEM;
    }
    /* Calls are listed under their caller: edges by caller key. The
     * comparison needs the array; renderers run one at a time per
     * report, but not necessarily one per process, so the pointer is set
     * and read inside this call only. */
    for (size_t i = 0; i < r->nedges; i++)
        order[i] = i;
    sort_edges = r->edges;
    pr__qsort(order, r->nedges, sizeof *order, by_caller);
    sort_edges = NULL;
    pr__rounder rd = {0, 0};
    for (size_t i = 0; i < r->nfuncs; i++)
        self[i] = pr__round_next(&rd, r->funcs[i].tt * 1e6);

    fputs("# callgrind format\nversion: 1\ncreator: profreport "
          PR_VERSION_STRING "\n", out);
    fputs("# pstats' functions and caller edges as they are: self cost is\n"
          "# tottime, a call's cost the edge's cumtime, in microseconds.\n",
          out);
    fprintf(out, "positions: line\nevents: us\nsummary: %lld\n", rd.emitted);
    size_t j = 0;
    for (size_t i = 0; i < r->nfuncs; i++) {
        const pr_func_key *k = &r->funcs[i].key;
        /* Callers that have no entry of their own (pstats takes such
         * files) come first where they sort: no self cost. */
        while (j < r->nedges &&
               pr__key_cmp(r->edges[order[j]].caller, k) < 0)
            function(r, r->edges[order[j]].caller, 0, order, &j, out);
        function(r, k, self[i], order, &j, out);
    }
    while (j < r->nedges)
        function(r, r->edges[order[j]].caller, 0, order, &j, out);
    free(order);
    free(self);
    return PR_OK;
}
