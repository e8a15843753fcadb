/* outliers.c - slow versus typical in one run: per endpoint with enough
 * requests, the modules and functions whose own time per request is
 * significantly larger in its slowest requests (above p90) than in its
 * typical ones (p25 to p75). Same test as diff: Mann-Whitney U per name,
 * Holm across the names of an endpoint. The files of the requests tested
 * are read again (lib/reqtime.c). */
#define _POSIX_C_SOURCE 200809L
#include "escape.h"
#include "report.h"
#include "reqtime.h"
#include "sort.h"
#include "stattest.h"
#include "status.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Requests an endpoint needs (so that its slowest 10 % are 3 or more),
 * requests read per group at most, and names tested per kind. */
#define MIN_REQUESTS 30
#define MAX_READ 200
#define TOP_FUNCS 20
#define MAX_ROWS 5

struct pr_outliers {
    arena strings;
    pr_outlier_row *rows;
    size_t n, cap;
    double alpha;
    size_t min_requests;
    int csv_raw;
};

void pr_outliers_free(pr_outliers *o)
{
    if (o == NULL)
        return;
    arena_free(&o->strings);
    free(o->rows);
    free(o);
}

size_t pr_outliers_rows(const pr_outliers *o, const pr_outlier_row **rows)
{
    if (o == NULL)
        return 0;
    if (rows != NULL)
        *rows = o->rows;
    return o->n;
}

typedef struct timed {
    double ms;
    size_t idx;
} timed;

static int cmp_timed(const void *a, const void *b)
{
    const timed *x = a, *y = b;
    if (x->ms != y->ms)
        return x->ms < y->ms ? -1 : 1;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

/* At most MAX_READ of v[0..n), evenly spread (deterministic). */
static size_t spread(const timed *v, size_t n, size_t *out)
{
    size_t k = n < MAX_READ ? n : MAX_READ;
    for (size_t i = 0; i < k; i++)
        out[i] = v[i * n / k].idx;
    return k;
}

typedef struct cand {
    const char *name;
    double ms, mt;      /* mean own ms per request: slow, typical */
    double p;
} cand;

static int cmp_excess(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    double dx = x->ms - x->mt, dy = y->ms - y->mt;
    if (dx != dy)
        return dx > dy ? -1 : 1;
    return strcmp(x->name, y->name);
}

static double mean_row(const pr__reqtimes *t, size_t i)
{
    double s = 0;
    for (size_t r = 0; r < t->nreq; r++)
        s += t->s[i * t->nreq + r];
    return t->nreq ? s / (double)t->nreq * 1000 : 0;
}

static int add_row(pr_outliers *o, const pr_outlier_row *r)
{
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 16;
        pr_outlier_row *v = realloc(o->rows, cap * sizeof *v);
        if (v == NULL)
            return -1;
        o->rows = v;
        o->cap = cap;
    }
    o->rows[o->n++] = *r;
    return 0;
}

/* Tests the names of slow (s) against typical (t) requests of one
 * endpoint and keeps those over-represented in the slow ones. */
static int test_kind(pr_outliers *o, const char *endpoint, int by,
                     const pr__reqtimes *s, const pr__reqtimes *t,
                     double floor_ms)
{
    size_t nc = 0;
    cand *v = malloc((s->nnames + t->nnames + 1) * sizeof *v);
    double *x = malloc((s->nreq + 1) * sizeof *x);
    double *y = malloc((t->nreq + 1) * sizeof *y);
    double *p = malloc((s->nnames + t->nnames + 1) * sizeof *p);
    int bad = v == NULL || x == NULL || y == NULL || p == NULL;
    for (size_t i = 0, j = 0; !bad && (i < s->nnames || j < t->nnames);) {
        int c = i == s->nnames ? 1 : j == t->nnames ? -1
              : strcmp(s->names[i], t->names[j]);
        cand k = {c <= 0 ? s->names[i] : t->names[j], 0, 0, 1};
        if (c <= 0)
            k.ms = mean_row(s, i++);
        if (c >= 0)
            k.mt = mean_row(t, j++);
        v[nc++] = k;
    }
    if (!bad && by == 1) {
        pr__qsort(v, nc, sizeof *v, cmp_excess);
        if (nc > TOP_FUNCS)
            nc = TOP_FUNCS;
    }
    for (size_t k = 0; !bad && k < nc; k++) {
        size_t is = pr__reqtimes_find(s, v[k].name);
        size_t it = pr__reqtimes_find(t, v[k].name);
        for (size_t r = 0; r < s->nreq; r++)
            x[r] = is == SIZE_MAX ? 0 : s->s[is * s->nreq + r];
        for (size_t r = 0; r < t->nreq; r++)
            y[r] = it == SIZE_MAX ? 0 : t->s[it * t->nreq + r];
        pr__mwu m;
        bad = pr__mwu_test(y, t->nreq, x, s->nreq, &m) != 0;
        p[k] = m.p;
    }
    if (!bad)
        bad = pr__holm(p, nc, p) != 0;
    size_t keep = 0;
    for (size_t k = 0; !bad && k < nc; k++) {
        v[k].p = p[k];
        if (p[k] <= o->alpha && v[k].ms - v[k].mt >= floor_ms &&
            v[k].ms > v[k].mt)
            v[keep++] = v[k];
    }
    if (!bad)
        pr__qsort(v, keep, sizeof *v, cmp_excess);
    for (size_t k = 0; !bad && k < keep && k < MAX_ROWS; k++) {
        pr_outlier_row r = {endpoint, arena_strdup(&o->strings, v[k].name),
                            by, s->nreq, t->nreq, v[k].ms, v[k].mt,
                            v[k].mt > 0 ? v[k].ms / v[k].mt : INFINITY,
                            v[k].p};
        bad = r.name == NULL || add_row(o, &r) != 0;
    }
    free(v);
    free(x);
    free(y);
    free(p);
    return bad ? -1 : 0;
}

/* ep's requests are idx[0..nidx) (indexes into the report's requests). */
static int endpoint_outliers(pr_outliers *o, const pr_report *r,
                             const size_t *idx, size_t nidx, const char *label)
{
    const pr_request_row *rq;
    pr_report_requests(r, &rq, NULL);
    size_t nr = nidx, n = 0;
    timed *v = malloc((nr + 1) * sizeof *v);
    size_t *slow = malloc((MAX_READ + 1) * sizeof *slow);
    size_t *typ = malloc((MAX_READ + 1) * sizeof *typ);
    if (v == NULL || slow == NULL || typ == NULL) {
        free(v);
        free(slow);
        free(typ);
        return -1;
    }
    /* ranked by each request's finest latency: its profiled time
     * (microseconds) where the name's whole milliseconds agree with it
     * (ties at p90 would leave the slowest requests out), else its wall
     * time (under PyPy the profiler sees part of a request) */
    for (size_t k = 0; k < nidx; k++)
        v[n++] = (timed){pr__latency_ms(rq[idx[k]].wall_ms,
                                        rq[idx[k]].profiled_ms),
                         idx[k]};
    pr__qsort(v, n, sizeof *v, cmp_timed);
    int bad = 0;
    if (n >= o->min_requests) {
        /* nearest-rank percentiles, as the report's */
        double p25 = v[(size_t)ceil(0.25 * (double)n) - 1].ms;
        double p75 = v[(size_t)ceil(0.75 * (double)n) - 1].ms;
        double p90 = v[(size_t)ceil(0.90 * (double)n) - 1].ms;
        size_t a = 0, b, c = n;
        while (a < n && v[a].ms < p25)
            a++;
        b = a;
        while (b < n && v[b].ms <= p75)
            b++;
        while (c > 0 && v[c - 1].ms > p90)
            c--;
        size_t ns = spread(v + c, n - c, slow);
        size_t nt = spread(v + a, b - a, typ);
        double ws = 0, wt = 0;
        for (size_t i = c; i < n; i++)
            ws += v[i].ms;
        for (size_t i = a; i < b; i++)
            wt += v[i].ms;
        /* a name must explain a tenth of the gap at least */
        double floor_ms = ns && nt ? 0.1 * (ws / (double)(n - c) -
                                            wt / (double)(b - a))
                                   : 0;
        for (int by = 0; by < 2 && !bad && ns >= 3 && nt >= 3; by++) {
            pr__reqtimes s, t;
            if (pr__reqtimes_load(r, slow, ns, by, &s) != PR_OK) {
                bad = 1;
                break;
            }
            if (pr__reqtimes_load(r, typ, nt, by, &t) != PR_OK) {
                pr__reqtimes_free(&s);
                bad = 1;
                break;
            }
            if (s.nreq >= 3 && t.nreq >= 3)
                bad = test_kind(o, label, by, &s, &t, floor_ms) != 0;
            pr__reqtimes_free(&s);
            pr__reqtimes_free(&t);
        }
    }
    free(v);
    free(slow);
    free(typ);
    return bad ? -1 : 0;
}

pr_status pr_outliers_build(const pr_report *r, double alpha,
                            pr_outliers **out)
{
    if (r == NULL || out == NULL)
        return PR_ERR_USAGE;
    *out = NULL;
    pr_outliers *o = calloc(1, sizeof *o);
    if (o == NULL)
        return PR_ERR_NOMEM;
    arena_init(&o->strings);
    o->alpha = alpha > 0 && alpha <= 1 ? alpha : 0.01;
    o->min_requests = MIN_REQUESTS;
    o->csv_raw = r->opts.csv_raw;
    const pr_endpoint_row *eps;
    size_t ne = pr_report_endpoints(r, &eps);
    /* Each endpoint's requests, grouped once (counting sort). */
    const pr_request_row *rq;
    size_t nr = pr_report_requests(r, &rq, NULL);
    size_t *first = calloc(ne + 1, sizeof *first);
    size_t *byep = malloc((nr + 1) * sizeof *byep);
    if (first == NULL || byep == NULL) {
        free(first);
        free(byep);
        pr_outliers_free(o);
        return PR_ERR_NOMEM;
    }
    for (size_t i = 0; i < nr; i++)
        if (rq[i].endpoint < ne)
            first[rq[i].endpoint + 1]++;
    for (size_t e = 0; e < ne; e++)
        first[e + 1] += first[e];
    for (size_t i = 0; i < nr; i++)
        if (rq[i].endpoint < ne)
            byep[first[rq[i].endpoint]++] = i;
    for (size_t e = ne; e > 0; e--)
        first[e] = first[e - 1];
    first[0] = 0;
    for (size_t i = 0; i < ne; i++) {
        /* Only endpoints with enough requests are compared: the others
         * cost nothing (a crawler's 100,000 one-request URLs). */
        if (eps[i].requests < o->min_requests)
            continue;
        const char *label = arena_strdup(&o->strings, eps[i].label);
        if (label == NULL ||
            endpoint_outliers(o, r, byep + first[i], first[i + 1] - first[i],
                              label) != 0) {
            free(first);
            free(byep);
            pr_outliers_free(o);
            return PR_ERR_NOMEM;
        }
    }
    free(first);
    free(byep);
    *out = o;
    return PR_OK;
}

/* ---- rendering --------------------------------------------------------- */

static void ratio(FILE *out, double x)
{
    if (isinf(x))
        fputs("only in slow", out);
    else
        fprintf(out, "%.1fx", x);
}


static void md(const pr_outliers *o, FILE *out)
{
    fputs("## Slow versus typical requests\n\n", out);
    if (o->n == 0) {
        fprintf(out, "No module or function stands out in the slowest "
                     "10 %% of any endpoint's requests (endpoints with %zu "
                     "requests or more; alpha %g).\n\n",
                o->min_requests, o->alpha);
        return;
    }
    for (size_t i = 0; i < o->n; i++) {
        const pr_outlier_row *r = &o->rows[i];
        if (i > 0 && r->endpoint == o->rows[i - 1].endpoint)
            continue;
        fputs("- The slowest 10 % of ", out);
        esc_md(out, r->endpoint, strlen(r->endpoint));
        fputs(" requests spend ", out);
        ratio(out, r->ratio);
        fputs(isinf(r->ratio) ? " time in " : " more in ", out);
        esc_md(out, r->name, strlen(r->name));
        fprintf(out, " (%.1f ms a request against %.1f ms in typical ones, ",
                r->slow_ms, r->typical_ms);
        fprintf(out, r->p < 0.001 ? "p<0.001)\n" : "p=%.3f)\n", r->p);
    }
    fprintf(out, "\nOwn time per request in the slowest requests (above "
                 "p90) against typical ones (p25 to p75) of endpoints with "
                 "%zu requests or more; Mann-Whitney U, Holm-corrected "
                 "across each endpoint's modules (and its 20 functions "
                 "with the largest excess), alpha %g; at most %d requests "
                 "read per group.\n\n"
                 "| endpoint | module or function | slow ms | typical ms "
                 "| ratio | p |\n|:---|:---|---:|---:|---:|---:|\n",
            o->min_requests, o->alpha, MAX_READ);
    for (size_t i = 0; i < o->n; i++) {
        const pr_outlier_row *r = &o->rows[i];
        fputs("| ", out);
        esc_md(out, r->endpoint, strlen(r->endpoint));
        fputs(" | ", out);
        if (r->is_function)
            esc_code_cell(out, r->name, strlen(r->name));
        else
            esc_md(out, r->name, strlen(r->name));
        fprintf(out, " | %.2f | %.2f | ", r->slow_ms, r->typical_ms);
        ratio(out, r->ratio);
        fprintf(out, r->p < 0.001 ? " | <0.001 |\n" : " | %.3f |\n", r->p);
    }
    fputs("\n", out);
}

static void csv(const pr_outliers *o, FILE *out)
{
    fputs("endpoint,name,kind,slow_requests,typical_requests,slow_ms,"
          "typical_ms,ratio,p_value\n", out);
    for (size_t i = 0; i < o->n; i++) {
        const pr_outlier_row *r = &o->rows[i];
        esc_csv(out, r->endpoint, strlen(r->endpoint), !o->csv_raw);
        fputc(',', out);
        esc_csv(out, r->name, strlen(r->name), !o->csv_raw);
        fprintf(out, ",%s,%zu,%zu,%.6f,%.6f,", r->is_function ? "function"
                                                             : "module",
                r->slow_n, r->typical_n, r->slow_ms, r->typical_ms);
        if (isinf(r->ratio))
            fputs("inf", out);
        else
            fprintf(out, "%.4f", r->ratio);
        fprintf(out, ",%.6g\n", r->p);
    }
}

pr_status pr_outliers_render(const pr_outliers *o, pr_format fmt, FILE *out,
                             pr_error *err)
{
    if (o == NULL || out == NULL)
        return pr__fail(err, PR_ERR_USAGE, PR_NO_OFFSET, "NULL argument");
    if (fmt == PR_FORMAT_MD)
        md(o, out);
    else if (fmt == PR_FORMAT_CSV)
        csv(o, out);
    else
        return pr__fail(err, PR_ERR_USAGE, PR_NO_OFFSET,
                        "outliers: Markdown or CSV");
    if (fflush(out) != 0 || ferror(out))
        return pr__fail(err, PR_ERR_IO, PR_NO_OFFSET, "write failed: %s",
                        strerror(errno));
    return PR_OK;
}
