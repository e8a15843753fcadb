/* stacks.c - call stacks read off a reconstructed call tree. */
#include "stacks.h"
#include "funckey.h"
#include "report.h"

#include <math.h>
#include <stdlib.h>

size_t pr__report_func(const pr_report *r, const pr_func_key *k)
{
    size_t lo = 0, hi = r->nfuncs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = pr__key_cmp(&r->funcs[mid].key, k);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return SIZE_MAX;
}

/* Where a running sum stops: a corrupt profile's times (1e306 s) would
 * round past what a long long holds, which llround leaves undefined; at
 * half of LLONG_MAX, a step between two stops still fits. */
#define ROUND_LIMIT 4.0e18

long long pr__round_next(pr__rounder *r, double v)
{
    r->sum += v;
    double s = r->sum;
    long long to = s >= ROUND_LIMIT    ? (long long)ROUND_LIMIT
                   : s <= -ROUND_LIMIT ? -(long long)ROUND_LIMIT
                   : s == s            ? llround(s)
                                       : r->emitted; /* NaN: no step */
    long long d = to - r->emitted;
    r->emitted = to;
    return d;
}

/* The tree's times are estimates where a function has several callers
 * or recurses (see pr_tree): children's times can add up to more than
 * their parent has left after its own time. They are scaled down to fit
 * (and a parent scaled down scales its subtree), so that each node's
 * time is its own time, its children's and what the cut-off hid, and the
 * weights add up to the tree's total. */
int pr__tree_stacks(const pr_tree *t, pr__stack_fn fn, void *ctx)
{
    size_t n = t->nnodes;
    double *kids = calloc(n ? n : 1, sizeof *kids);
    double *scale = malloc((n ? n : 1) * sizeof *scale);
    size_t *path = malloc((n ? n : 1) * sizeof *path);
    if (kids == NULL || scale == NULL || path == NULL) {
        free(kids);
        free(scale);
        free(path);
        return -1;
    }
    double roots = 0;
    for (size_t i = 0; i < n; i++) {
        size_t p = t->nodes[i].parent;
        if (p == SIZE_MAX)
            roots += t->nodes[i].time_s;
        else if (p < n)
            kids[p] += t->nodes[i].time_s;
    }
    double root_scale = roots > t->total_s && roots > 0 ? t->total_s / roots
                                                        : 1;
    int rc = 0;
    /* Pre-order: a node's ancestors are the first `depth` entries, and
     * its parent's scale is known. */
    for (size_t i = 0; i < n && rc == 0; i++) {
        const pr_tree_node *nd = &t->nodes[i];
        size_t d = nd->depth < n ? nd->depth : n - 1;
        path[d] = i;
        double s = nd->parent < n ? scale[nd->parent] : root_scale;
        double time = nd->time_s * s;
        double self = nd->self_s * s;
        double room = time - self;
        scale[i] = kids[i] * s > room && kids[i] > 0 ? room / kids[i] : s;
        double rest = room - kids[i] * scale[i];
        if (self > 0)
            rc = fn(ctx, t, path, d + 1, 0, self);
        if (rc == 0 && rest > 0)
            rc = fn(ctx, t, path, d + 1, 1, rest);
    }
    double top = roots * root_scale;
    if (rc == 0 && t->total_s - top > 0)
        rc = fn(ctx, t, path, 0, 1, t->total_s - top);
    free(kids);
    free(scale);
    free(path);
    return rc;
}
