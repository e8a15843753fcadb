/* stattest.h - the statistics behind `diff` verdicts: Mann-Whitney U
 * (exact, or normal with tie correction), Holm's correction and
 * bootstrap confidence intervals from a fixed-seed generator. Internal:
 * the results reach users through pr_diff and pr_outliers. */
#ifndef PR_STATTEST_H
#define PR_STATTEST_H

#include <stddef.h>
#include <stdint.h>

/* splitmix64: small, fast, and the same stream on every platform, so a
 * bootstrap interval is the same on every run and every machine. */
typedef struct pr__rng {
    uint64_t s;
} pr__rng;

uint64_t pr__rng_next(pr__rng *r);
/* Uniform in [0, n), n > 0, without modulo bias. */
size_t pr__rng_below(pr__rng *r, size_t n);

/* Result of a two-sided Mann-Whitney U test of x against y. */
typedef struct pr__mwu {
    double u;       /* U of y: pairs (x_i, y_j) with y_j > x_i, ties 1/2 */
    double p;       /* two-sided p-value; 1 when a side is empty */
    int exact;      /* p from the exact distribution (no ties, small n) */
} pr__mwu;

/* Returns 0, or -1 when memory ran out. x and y are not modified. Exact
 * when there are no ties and nx * ny <= PR__MWU_EXACT_MAX; else the
 * normal approximation with tie and continuity corrections (as R's
 * wilcox.test and scipy.stats.mannwhitneyu). */
#define PR__MWU_EXACT_MAX 2500
int pr__mwu_test(const double *x, size_t nx, const double *y, size_t ny,
                 pr__mwu *out);

/* The smallest n such that two samples of n each can reach a two-sided
 * p-value <= alpha (2 / C(2n, n) <= alpha); 2 at least. */
size_t pr__mwu_min_n(double alpha);

/* Holm's step-down adjustment of p[0..n) into adj[0..n) (may be the
 * same array). Returns 0, or -1 when memory ran out. */
int pr__holm(const double *p, size_t n, double *adj);

enum { PR__STAT_P50, PR__STAT_P95, PR__STAT_MEAN };

/* Statistic of an ascending sample (nearest-rank percentiles, as the
 * report's). 0 for an empty sample. */
double pr__stat(const double *sorted, size_t n, int stat);

/* Percentile-bootstrap interval for stat(y) - stat(x) at `level`
 * (e.g. 0.95): both samples resampled with replacement `reps` times
 * from `seed`. x and y must be sorted ascending. Returns 0, or -1 when
 * memory ran out; *lo == *hi == the observed change for empty samples. */
int pr__boot_ci(const double *x, size_t nx, const double *y, size_t ny,
                int stat, double level, size_t reps, uint64_t seed,
                double *lo, double *hi);

/* Repetitions that keep a bootstrap at about 2e7 resampled values:
 * 2000 for small samples, down to 200 for large ones. */
size_t pr__boot_reps(size_t nx, size_t ny);

#endif
