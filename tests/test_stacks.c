/* test_stacks.c - stacks read off a call tree (lib/stacks.c). */
#include "testutil.h"

#include "stacks.h"

#include <math.h>

typedef struct seen {
    double sum, hidden;
    size_t n;
    size_t len[16];
    double w[16];
} seen;

static int collect(void *ctx, const pr_tree *t, const size_t *path,
                   size_t len, int hidden, double weight_s)
{
    (void)t;
    (void)path;
    seen *s = ctx;
    s->sum += weight_s;
    if (hidden)
        s->hidden += weight_s;
    if (s->n < 16) {
        s->len[s->n] = len;
        s->w[s->n] = weight_s;
    }
    s->n++;
    return 0;
}

static pr_tree_node node(size_t depth, size_t parent, double time, double self)
{
    pr_tree_node n;
    memset(&n, 0, sizeof n);
    n.depth = depth;
    n.parent = parent;
    n.time_s = time;
    n.self_s = self;
    n.label = "f";
    return n;
}

/* A root of 10 s (1 s own) whose two children claim 6 + 6 s: estimates
 * from edges can overlap. They are scaled to the 9 s left, so the
 * weights add up to the tree's total and nothing is negative. */
Test(stacks, children_scaled_to_fit_their_parent)
{
    pr_tree_node nodes[] = {node(0, SIZE_MAX, 10, 1), node(1, 0, 6, 6),
                            node(1, 0, 6, 2)};
    pr_tree t = {nodes, 3, 0, 10};
    seen s = {0};
    cr_assert_eq(pr__tree_stacks(&t, collect, &s), 0);
    cr_assert_float_eq(s.sum, 10, 1e-12);
    cr_assert_float_eq(s.w[0], 1, 1e-12);      /* the root's own */
    cr_assert_float_eq(s.w[1], 4.5, 1e-12);    /* 6 * 9/12 */
    cr_assert_float_eq(s.w[2], 1.5, 1e-12);    /* 2 * 9/12 own ... */
    cr_assert_float_eq(s.w[3], 3, 1e-12);      /* ... 3 hidden under it */
    cr_assert_eq(s.len[3], 2);
    cr_assert_float_eq(s.hidden, 3, 1e-12);
}

/* Time under the cut-off: below a node that has it, and at the root
 * level for hidden roots. */
Test(stacks, hidden_time_is_its_own_frame)
{
    pr_tree_node nodes[] = {node(0, SIZE_MAX, 6, 1), node(1, 0, 2, 2)};
    pr_tree t = {nodes, 2, 3, 10};
    seen s = {0};
    cr_assert_eq(pr__tree_stacks(&t, collect, &s), 0);
    cr_assert_float_eq(s.sum, 10, 1e-12);
    cr_assert_float_eq(s.hidden, 3 + 4, 1e-12);
    cr_assert_eq(s.n, 4);
    cr_assert_eq(s.len[3], 0, "hidden roots: an empty path");
}

Test(stacks, rounding_adds_up_to_the_rounded_whole)
{
    pr__rounder r = {0, 0};
    long long sum = 0;
    for (int i = 0; i < 1000; i++)
        sum += pr__round_next(&r, 0.4);
    cr_assert_eq(sum, 400);
}

/* A corrupt profile's times (1e306 s, infinities, NaN) stop the sum at
 * 4e18 rather than overflow it (UBSan fails this test if they do; the
 * input fuzz_report found is tests/data/fuzz/profile-pprof-huge-time.prof). */
Test(stacks, rounding_stops_at_what_a_long_long_holds)
{
    const double v[] = {1e306, -1e306, INFINITY, -INFINITY, NAN, 17, 1e306};
    pr__rounder r = {0, 0};
    long long sum = 0;
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        long long d = pr__round_next(&r, v[i]);
        cr_assert(d >= -8000000000000000000LL && d <= 8000000000000000000LL,
                  "step %zu: %lld", i, d);
        sum += d;
        cr_assert(sum >= -4000000000000000000LL &&
                      sum <= 4000000000000000000LL,
                  "sum after %zu: %lld", i, sum);
    }
}
