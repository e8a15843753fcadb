/* test_stattest.c - Mann-Whitney U, Holm and the bootstrap against
 * values computed independently by tests/gen/stattest_ref.py (brute-force
 * enumeration in plain Python) and scipy's documented example. */
#include "testutil.h"

#include "stattest.h"

#include <math.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void expect_mwu(const double *x, size_t nx, const double *y,
                       size_t ny, double u, double p, int exact)
{
    pr__mwu r;
    cr_assert_eq(pr__mwu_test(x, nx, y, ny, &r), 0);
    cr_expect_float_eq(r.u, u, 1e-9, "U %g, want %g", r.u, u);
    cr_expect_float_eq(r.p, p, 1e-9, "p %.12g, want %.12g", r.p, p);
    cr_expect_eq(r.exact, exact);
}

Test(stattest, exact_scipy_example)
{
    /* scipy.stats.mannwhitneyu docs: U1 = 17, p = 0.1111 (exact) */
    double x[] = {20, 11, 17, 12}, y[] = {19, 22, 16, 29, 24};
    expect_mwu(x, N(x), y, N(y), 17, 0.111111111111, 1);
}

Test(stattest, exact_against_enumeration)
{
    double a[] = {1, 2, 3, 4, 5}, b[] = {6, 7, 8, 9, 10};
    expect_mwu(a, N(a), b, N(b), 25, 0.00793650793651, 1);
    /* the other way round: same p, U mirrored */
    expect_mwu(b, N(b), a, N(a), 0, 0.00793650793651, 1);
    double c[] = {3.1, 4.7, 2.2, 5.0, 1.9, 6.4};
    double d[] = {5.5, 7.1, 6.9, 8.0, 4.9, 9.3, 7.7};
    expect_mwu(c, N(c), d, N(d), 39, 0.00815850815851, 1);
    double e[] = {10, 20, 30}, f[] = {15, 25, 35, 45};
    expect_mwu(e, N(e), f, N(f), 9, 0.4, 1);
}

Test(stattest, normal_with_ties)
{
    double x[] = {3, 3, 4, 4, 4, 5, 5, 6, 7, 9};
    double y[] = {4, 5, 5, 6, 6, 6, 7, 8, 8, 12};
    expect_mwu(x, N(x), y, N(y), 74.5, 0.0661856115421, 0);
    /* a 0 ms base: every request rounded to 0 ms, then 900 ms */
    double z[] = {0, 0, 0, 0, 0, 0}, s[] = {900, 900, 900, 900, 900, 900};
    expect_mwu(z, N(z), s, N(s), 36, 0.00126194476739, 0);
    double g[] = {1, 1, 2, 2, 2}, h[] = {1, 2, 2, 2, 3};
    expect_mwu(g, N(g), h, N(h), 16.5, 0.402783694246, 0);
}

Test(stattest, degenerate)
{
    double x[] = {5, 5, 5}, y[] = {5, 5};
    expect_mwu(x, N(x), y, N(y), 3, 1, 0); /* all tied */
    expect_mwu(x, 0, y, N(y), 0, 1, 0);    /* a side empty */
}

Test(stattest, exact_large_matches_normal)
{
    /* 50 x 50 with no ties: the exact tail and the normal approximation
     * agree within 10 % for a moderate effect (0.00702 and 0.00740 here). */
    double x[50], y[50];
    for (int i = 0; i < 50; i++) {
        x[i] = i * 2.0;
        y[i] = i * 2.0 + 17.5;
    }
    pr__mwu r;
    cr_assert_eq(pr__mwu_test(x, 50, y, 50, &r), 0);
    cr_expect(r.exact);
    double u = r.u, var = 50.0 * 50 / 12 * 101;
    double pn = erfc((fabs(u - 1250) - 0.5) / sqrt(var) / sqrt(2.0));
    cr_expect(fabs(r.p - pn) / pn < 0.1, "exact %g normal %g", r.p, pn);
}

Test(stattest, min_n)
{
    cr_expect_eq(pr__mwu_min_n(0.05), 4);
    cr_expect_eq(pr__mwu_min_n(0.01), 5);
    cr_expect_eq(pr__mwu_min_n(0.001), 7);
}

Test(stattest, holm)
{
    double p[] = {0.01, 0.04, 0.03, 0.005, 0.5}, adj[5];
    double want[] = {0.04, 0.09, 0.09, 0.025, 0.5};
    cr_assert_eq(pr__holm(p, 5, adj), 0);
    for (int i = 0; i < 5; i++)
        cr_expect_float_eq(adj[i], want[i], 1e-12, "adj[%d] %g", i, adj[i]);
    cr_assert_eq(pr__holm(p, 0, adj), 0);
}

Test(stattest, rng_is_fixed)
{
    /* splitmix64 from seed 0: first outputs of the reference
     * implementation (Vigna, splitmix64.c) */
    pr__rng r = {0};
    cr_expect_eq(pr__rng_next(&r), 0xe220a8397b1dcdafULL);
    cr_expect_eq(pr__rng_next(&r), 0x6e789e6aa1b965f4ULL);
    for (int i = 0; i < 1000; i++)
        cr_expect_lt(pr__rng_below(&r, 7), 7);
}

Test(stattest, bootstrap)
{
    double x[40], y[40];
    for (int i = 0; i < 40; i++) {
        x[i] = 10 + i * 0.25;     /* 10 .. 19.75 */
        y[i] = 13 + i * 0.25;     /* +3 */
    }
    double lo, hi, lo2, hi2;
    cr_assert_eq(pr__boot_ci(x, 40, y, 40, PR__STAT_MEAN, 0.95, 1000, 7,
                             &lo, &hi), 0);
    cr_expect(lo < 3 && 3 < hi, "[%g, %g] holds the change", lo, hi);
    cr_expect(lo > 0, "[%g, %g] excludes 0", lo, hi);
    cr_assert_eq(pr__boot_ci(x, 40, y, 40, PR__STAT_MEAN, 0.95, 1000, 7,
                             &lo2, &hi2), 0);
    cr_expect(lo == lo2 && hi == hi2, "the same seed, the same interval");
    cr_assert_eq(pr__boot_ci(x, 40, y, 40, PR__STAT_P50, 0.95, 1000, 7,
                             &lo, &hi), 0);
    cr_expect(lo <= 3 && 3 <= hi, "p50 [%g, %g]", lo, hi);
    /* no spread, no uncertainty */
    double c[] = {4, 4, 4}, d[] = {9, 9, 9, 9};
    cr_assert_eq(pr__boot_ci(c, 3, d, 4, PR__STAT_P95, 0.95, 500, 1, &lo,
                             &hi), 0);
    cr_expect(lo == 5 && hi == 5);
    cr_expect_eq(pr__stat(d, 4, PR__STAT_P95), 9);
    cr_expect_eq(pr__boot_reps(10, 10), 2000);
    cr_expect_eq(pr__boot_reps(1000000, 1000000), 200);
}
