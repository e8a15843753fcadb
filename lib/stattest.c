/* stattest.c - Mann-Whitney U, Holm and bootstrap intervals (see
 * stattest.h). Written from the textbook definitions; the unit tests hold
 * values computed by tests/gen/stattest_ref.py (plain Python, brute
 * force) and published examples. */
#include "stattest.h"
#include "report.h"
#include "sort.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

uint64_t pr__rng_next(pr__rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

size_t pr__rng_below(pr__rng *r, size_t n)
{
    uint64_t lim = UINT64_MAX - UINT64_MAX % n;
    uint64_t v;
    do
        v = pr__rng_next(r);
    while (v >= lim);
    return (size_t)(v % n);
}

/* ---- Mann-Whitney U ---------------------------------------------------- */

typedef struct tagged {
    double v;
    int from_y;
} tagged;

static int cmp_tagged(const void *a, const void *b)
{
    const tagged *x = a, *y = b;
    return (x->v > y->v) - (x->v < y->v);
}

/* Number of orderings of m x's and n y's for each U = 0..m*n, where U
 * counts pairs with the y above the x. The recursion on the largest
 * element (a y above all m x's adds m) only adds non-negative counts, so
 * nothing cancels in floating point. Rolled over the larger size, so
 * memory is about max * min^2 / 2 doubles. */
static double *u_counts(size_t m, size_t n)
{
    size_t a = m > n ? m : n, b = m > n ? n : m; /* counts are symmetric */
    /* row[j] holds counts for (i, j), length i * j + 1, at off[j] */
    size_t *off = calloc(b + 2, sizeof *off);
    if (off == NULL)
        return NULL;
    for (size_t j = 0; j <= b; j++)
        off[j + 1] = off[j] + a * j + 1;
    double *prev = calloc(off[b + 1], sizeof *prev);
    double *cur = calloc(off[b + 1], sizeof *cur);
    double *out = calloc(a * b + 1, sizeof *out);
    if (prev == NULL || cur == NULL || out == NULL) {
        free(off);
        free(prev);
        free(cur);
        free(out);
        return NULL;
    }
    /* i = 0: only U = 0 */
    for (size_t j = 0; j <= b; j++)
        prev[off[j]] = 1;
    for (size_t i = 1; i <= a; i++) {
        memset(cur, 0, off[b + 1] * sizeof *cur);
        cur[off[0]] = 1; /* (i, 0) */
        for (size_t j = 1; j <= b; j++) {
            double *c = cur + off[j];
            const double *left = cur + off[j - 1];  /* (i, j-1) */
            const double *up = prev + off[j];       /* (i-1, j) */
            size_t nleft = i * (j - 1) + 1, nup = (i - 1) * j + 1;
            /* largest is an x (from (i-1, j)): U unchanged;
             * largest is a y (from (i, j-1)): U + i */
            for (size_t u = 0; u < nup; u++)
                c[u] += up[u];
            for (size_t u = 0; u < nleft; u++)
                c[u + i] += left[u];
        }
        double *t = prev;
        prev = cur;
        cur = t;
    }
    memcpy(out, prev + off[b], (a * b + 1) * sizeof *out);
    free(off);
    free(prev);
    free(cur);
    return out;
}

int pr__mwu_test(const double *x, size_t nx, const double *y, size_t ny,
                 pr__mwu *out)
{
    memset(out, 0, sizeof *out);
    out->p = 1;
    if (nx == 0 || ny == 0)
        return 0;
    size_t n = nx + ny;
    tagged *t = malloc(n * sizeof *t);
    if (t == NULL)
        return -1;
    for (size_t i = 0; i < nx; i++)
        t[i] = (tagged){x[i], 0};
    for (size_t i = 0; i < ny; i++)
        t[nx + i] = (tagged){y[i], 1};
    pr__qsort(t, n, sizeof *t, cmp_tagged);
    double ry = 0, ties = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && t[j].v == t[i].v)
            j++;
        double rank = (double)(i + 1 + j) / 2; /* mean of ranks i+1..j */
        double k = (double)(j - i);
        ties += k * k * k - k;
        for (size_t q = i; q < j; q++)
            if (t[q].from_y)
                ry += rank;
        i = j;
    }
    free(t);
    double fx = (double)nx, fy = (double)ny, fn = (double)n;
    out->u = ry - fy * (fy + 1) / 2;
    double mean = fx * fy / 2;
    if (ties == 0 && nx * ny <= PR__MWU_EXACT_MAX) {
        double *c = u_counts(nx, ny);
        if (c == NULL)
            return -1;
        size_t u = (size_t)out->u, top = nx * ny;
        double total = 0, le = 0, ge = 0;
        for (size_t k = 0; k <= top; k++) {
            total += c[k];
            if (k <= u)
                le += c[k];
            if (k >= u)
                ge += c[k];
        }
        free(c);
        double p = 2 * (le < ge ? le : ge) / total;
        out->p = p > 1 ? 1 : p;
        out->exact = 1;
        return 0;
    }
    double var = fx * fy / 12 * ((fn + 1) - ties / (fn * (fn - 1)));
    if (!(var > 0))
        return 0; /* every value tied: no evidence either way */
    double dev = fabs(out->u - mean) - 0.5;
    double z = dev > 0 ? dev / sqrt(var) : 0;
    double p = erfc(z / sqrt(2.0));
    out->p = p > 1 ? 1 : p;
    return 0;
}

size_t pr__mwu_min_n(double alpha)
{
    for (size_t n = 2; n < 1000; n++) {
        double c = 1; /* C(2n, n) */
        for (size_t k = 1; k <= n; k++)
            c = c * (double)(n + k) / (double)k;
        if (2 / c <= alpha)
            return n;
    }
    return 1000;
}

/* ---- Holm -------------------------------------------------------------- */

typedef struct ranked_p {
    double p;
    size_t i;
} ranked_p;

static int cmp_ranked_p(const void *a, const void *b)
{
    const ranked_p *x = a, *y = b;
    if (x->p != y->p)
        return x->p < y->p ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

int pr__holm(const double *p, size_t n, double *adj)
{
    ranked_p *r = malloc((n ? n : 1) * sizeof *r);
    if (r == NULL)
        return -1;
    for (size_t i = 0; i < n; i++)
        r[i] = (ranked_p){p[i], i};
    pr__qsort(r, n, sizeof *r, cmp_ranked_p);
    double run = 0;
    for (size_t k = 0; k < n; k++) {
        double v = (double)(n - k) * r[k].p;
        if (v > 1)
            v = 1;
        if (v > run)
            run = v;
        adj[r[k].i] = run;
    }
    free(r);
    return 0;
}

/* ---- bootstrap --------------------------------------------------------- */

double pr__stat(const double *sorted, size_t n, int stat)
{
    if (n == 0)
        return 0;
    if (stat == PR__STAT_MEAN) {
        double s = 0;
        for (size_t i = 0; i < n; i++)
            s += sorted[i];
        return s / (double)n;
    }
    return pr__percentile(sorted, n, stat == PR__STAT_P50 ? 50 : 95);
}

/* The statistic of one resample of v, drawn as counts per index: v is
 * sorted, so walking the counts in order reads the resample sorted. */
static double resampled(const double *v, size_t n, int stat, size_t *count,
                        pr__rng *r)
{
    memset(count, 0, n * sizeof *count);
    for (size_t i = 0; i < n; i++)
        count[pr__rng_below(r, n)]++;
    if (stat == PR__STAT_MEAN) {
        double s = 0;
        for (size_t i = 0; i < n; i++)
            s += (double)count[i] * v[i];
        return s / (double)n;
    }
    /* the nearest rank, as pr__percentile */
    double q = ceil((stat == PR__STAT_P50 ? 50 : 95) * (double)n / 100.0);
    size_t k = q < 1 ? 1 : (size_t)q, seen = 0;
    for (size_t i = 0; i < n; i++) {
        seen += count[i];
        if (seen >= k)
            return v[i];
    }
    return v[n - 1];
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int pr__boot_ci(const double *x, size_t nx, const double *y, size_t ny,
                int stat, double level, size_t reps, uint64_t seed,
                double *lo, double *hi)
{
    double obs = pr__stat(y, ny, stat) - pr__stat(x, nx, stat);
    *lo = *hi = obs;
    if (nx == 0 || ny == 0 || reps < 2)
        return 0;
    double *d = malloc(reps * sizeof *d);
    size_t *count = malloc((nx > ny ? nx : ny) * sizeof *count);
    if (d == NULL || count == NULL) {
        free(d);
        free(count);
        return -1;
    }
    pr__rng r = {seed};
    for (size_t k = 0; k < reps; k++) {
        double bx = resampled(x, nx, stat, count, &r);
        double by = resampled(y, ny, stat, count, &r);
        d[k] = by - bx;
    }
    free(count);
    qsort(d, reps, sizeof *d, cmp_double);
    double a = (1 - level) / 2;
    size_t il = (size_t)floor(a * (double)(reps - 1));
    size_t ih = (size_t)ceil((1 - a) * (double)(reps - 1));
    *lo = d[il];
    *hi = d[ih < reps ? ih : reps - 1];
    free(d);
    return 0;
}

size_t pr__boot_reps(size_t nx, size_t ny)
{
    size_t n = nx + ny;
    size_t reps = n > 0 ? 20000000 / n : 2000;
    return reps > 2000 ? 2000 : reps < 200 ? 200 : reps;
}
