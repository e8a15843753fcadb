/* stacks.h - call stacks for the stack-shaped exports (collapsed,
 * speedscope), read off a report's call tree. pstats keeps no stacks:
 * the tree is rebuilt from caller edges (see pr_tree), so these stacks
 * are a reconstruction, and the exports say so. */
#ifndef PR_STACKS_H
#define PR_STACKS_H

#include "profreport.h"

/* Called once per stack with weight: path[0..len) are node indexes of t,
 * root first. With `hidden` the weight is time under path[len - 1] (or,
 * len 0, at the root level) that the tree's cut-off hid: the node's time
 * less its own and its shown children's. Without it, the weight is the
 * own time of the last node along this path. Weights are seconds, > 0.
 * fn returns nonzero to stop the walk. Over one tree the weights add up
 * to t->total_s (pstats' total own time): where the tree's estimated
 * children outweigh what their parent has left, they are scaled down to
 * fit (stacks.c). */
typedef int (*pr__stack_fn)(void *ctx, const pr_tree *t, const size_t *path,
                            size_t len, int hidden, double weight_s);

/* 0, -1 when memory ran out, or what fn returned. */
int pr__tree_stacks(const pr_tree *t, pr__stack_fn fn, void *ctx);

/* The index in r's functions (sorted by key) of k, or SIZE_MAX: the
 * frame of a tree node. */
size_t pr__report_func(const pr_report *r, const pr_func_key *k);

/* Rounds a running sum to integer units so that the parts add up to the
 * rounded whole: each call returns round(sum + v) - round(sum). */
typedef struct pr__rounder {
    double sum;
    long long emitted;
} pr__rounder;
long long pr__round_next(pr__rounder *r, double v);

#endif
