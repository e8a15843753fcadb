/* diff.c - did this change make an endpoint slower? Two reports (or a
 * baseline CSV and a report) compared endpoint by endpoint: a rank test
 * on the requests' wall times decides whether an endpoint changed, and
 * for those that did, the same test on own time per module and function
 * says which code did it. --fail-on rules fire only on a significant
 * change. */
#define _POSIX_C_SOURCE 200809L
#include "sort.h"
#include "arena.h"
#include "diff_flame.h"
#include "escape.h"
#include "report.h"
#include "render.h"
#include "reqtime.h"
#include "stattest.h"
#include "status.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum metric { M_P50, M_P95, M_P99, M_MEAN, M_MAX };
static const char *const METRICS[] = {"p50", "p95", "p99", "mean", "max"};

/* Interval level of the bootstrap, and its fixed seed. */
#define CI_LEVEL 0.95
#define SEED 0x70726f667265706fULL /* "profrepo" */
/* Functions tested per changed endpoint, and blame rows kept per kind. */
#define TOP_MODS 8
#define TOP_FUNCS 20
#define MAX_BLAME 5
/* Differential flame graphs in the HTML diff: the most significant
 * changed endpoints. */
#define MAX_FLAMES 3

struct pr_diff {
    arena strings;
    pr_diff_endpoint *eps;
    size_t neps;
    pr_diff_row *mods, *funcs;
    size_t nmods, nfuncs;
    int from_baseline;
    int summary_only;   /* the baseline has no per-request times */
    int base_modules;   /* the baseline has own time per module */
    int csv_raw;        /* the current report's csv_raw option */
    double alpha;
    size_t ntested;     /* endpoints in the Holm family */
    pr__dflame flames[MAX_FLAMES];
    size_t nflames;
};

const char *pr_verdict_name(pr_verdict v)
{
    switch (v) {
    case PR_VERDICT_SAME: return "~";
    case PR_VERDICT_SLOWER: return "slower";
    case PR_VERDICT_FASTER: return "faster";
    case PR_VERDICT_TOO_FEW: return "too few requests";
    case PR_VERDICT_UNTESTED: return "not tested";
    default: return "";
    }
}

static double metric_of(const pr_diff_side *s, int m)
{
    switch (m) {
    case M_P50: return s->p50_ms;
    case M_P95: return s->p95_ms;
    case M_P99: return s->p99_ms;
    case M_MEAN: return s->mean_ms;
    default: return s->max_ms;
    }
}

static int verdict_rank(pr_verdict v)
{
    switch (v) {
    case PR_VERDICT_SLOWER: return 0;
    case PR_VERDICT_FASTER: return 1;
    case PR_VERDICT_ONE_SIDE: return 3;
    default: return 2;
    }
}

/* Slower first, then faster, most significant first; then by the p95
 * change; endpoints on one side only last. */
static int cmp_eps(const void *a, const void *b)
{
    const pr_diff_endpoint *x = a, *y = b;
    int rx = verdict_rank(x->verdict), ry = verdict_rank(y->verdict);
    if (rx != ry)
        return rx - ry;
    if (rx < 2 && x->p != y->p)
        return x->p < y->p ? -1 : 1;
    double dx = x->cur.p95_ms - x->base.p95_ms;
    double dy = y->cur.p95_ms - y->base.p95_ms;
    if (dx != dy)
        return dx > dy ? -1 : 1;
    return strcmp(x->label, y->label);
}

static int cmp_rows(const void *a, const void *b)
{
    const pr_diff_row *x = a, *y = b;
    double dx = x->cur_s - x->base_s, dy = y->cur_s - y->base_s;
    if (dx != dy)
        return dx > dy ? -1 : 1;
    return strcmp(x->name, y->name);
}

static pr_diff *diff_new(const pr_diff_options *o)
{
    pr_diff *d = calloc(1, sizeof *d);
    if (d == NULL)
        return NULL;
    arena_init(&d->strings);
    d->alpha = o != NULL && o->alpha > 0 && o->alpha <= 1 ? o->alpha : 0.01;
    return d;
}

void pr_diff_free(pr_diff *d)
{
    if (d == NULL)
        return;
    arena_free(&d->strings);
    free(d->eps);
    free(d->mods);
    free(d->funcs);
    free(d);
}

/* ---- one side of the comparison --------------------------------------- */

/* An endpoint of one side before matching: its label, its figures, and
 * (from a report) which requests it has, for the blame test. */
typedef struct side_ep {
    const char *label;
    pr_diff_side s;
    pr_diff_side prof;  /* the same of the requests' finest latencies
                         * (pr__latency_ms); prof.ms NULL when the side
                         * has no profiled times */
    size_t refined;     /* requests whose profiled time was taken */
    size_t *req;        /* indexes into the report's requests */
    size_t nreq;
    size_t row;         /* index into pr_report_endpoints, or SIZE_MAX */
    pr__reqtimes *mods; /* own time per module per request, from a
                         * `-t request-modules` baseline; else NULL */
    size_t partner;     /* matched index on the other side, or SIZE_MAX */
} side_ep;

typedef struct side {
    side_ep *ep;
    size_t n;
    const pr_report *rep; /* NULL for a baseline */
} side;

static void side_free(side *s)
{
    for (size_t i = 0; s->ep != NULL && i < s->n; i++) {
        free(s->ep[i].req);
        pr__reqtimes_free(s->ep[i].mods);
        free(s->ep[i].mods);
    }
    free(s->ep);
    memset(s, 0, sizeof *s);
}

static int cmp_double_asc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The figures of n latencies sorted ascending, computed as the report
 * computes them (nearest-rank percentiles). */
static pr_diff_side summary(const double *ms, size_t n)
{
    double sum = 0;
    for (size_t k = 0; k < n; k++)
        sum += ms[k];
    return (pr_diff_side){n, n ? sum / (double)n : 0,
                          pr__percentile(ms, n, 50),
                          pr__percentile(ms, n, 95),
                          pr__percentile(ms, n, 99), n ? ms[n - 1] : 0, ms};
}

/* The endpoints of a report with their requests' wall and profiled times
 * (sorted, in the diff's arena) and request indexes. */
static int side_from_report(pr_diff *d, const pr_report *r, side *out)
{
    memset(out, 0, sizeof *out);
    out->rep = r;
    const pr_endpoint_row *eps;
    const pr_request_row *rq;
    size_t ne = pr_report_endpoints(r, &eps);
    size_t nr = pr_report_requests(r, &rq, NULL);
    out->ep = calloc(ne + 1, sizeof *out->ep);
    size_t *count = calloc(ne + 1, sizeof *count);
    if (out->ep == NULL || count == NULL) {
        free(count);
        return -1;
    }
    out->n = ne;
    for (size_t i = 0; i < nr; i++)
        if (rq[i].endpoint < ne)
            count[rq[i].endpoint]++;
    double **ms = calloc(ne + 1, sizeof *ms);
    double **prof = calloc(ne + 1, sizeof *prof);
    if (ms == NULL || prof == NULL) {
        free(ms);
        free(prof);
        free(count);
        return -1;
    }
    int bad = 0;
    for (size_t i = 0; i < ne; i++) {
        side_ep *e = &out->ep[i];
        const pr_endpoint_row *er = &eps[i];
        e->label = er->label;
        e->row = i;
        e->partner = SIZE_MAX;
        e->s = (pr_diff_side){er->requests, er->mean_ms, er->p50_ms,
                              er->p95_ms, er->p99_ms, er->max_ms, NULL};
        ms[i] = arena_alloc(&d->strings, (count[i] + 1) * sizeof **ms);
        prof[i] = arena_alloc(&d->strings, (count[i] + 1) * sizeof **prof);
        e->req = malloc((count[i] + 1) * sizeof *e->req);
        if (ms[i] == NULL || prof[i] == NULL || e->req == NULL)
            bad = 1;
    }
    for (size_t i = 0; i < nr && !bad; i++) {
        size_t k = rq[i].endpoint;
        if (k >= ne)
            continue;
        side_ep *e = &out->ep[k];
        ms[k][e->nreq] = rq[i].wall_ms;
        prof[k][e->nreq] = pr__latency_ms(rq[i].wall_ms, rq[i].profiled_ms);
        e->refined += pr__profiled_is_latency(rq[i].wall_ms,
                                              rq[i].profiled_ms);
        e->req[e->nreq++] = i;
    }
    for (size_t i = 0; i < ne && !bad; i++) {
        side_ep *e = &out->ep[i];
        pr__qsort(ms[i], e->nreq, sizeof **ms, cmp_double_asc);
        e->s.ms = ms[i];
        /* the test uses what was read; a report's count is the same */
        e->s.requests = e->nreq;
        if (e->nreq > 0) {
            pr__qsort(prof[i], e->nreq, sizeof **prof, cmp_double_asc);
            e->prof = summary(prof[i], e->nreq);
        }
    }
    free(ms);
    free(prof);
    free(count);
    return bad ? -1 : 0;
}

/* ---- matching ---------------------------------------------------------- */

/* Length of a label without its line number: "view (app.py:42)" and
 * "view (app.py:44)" name the same view after an edit above it. */
static size_t match_len(const char *label)
{
    size_t n = strlen(label);
    if (n < 3 || label[n - 1] != ')')
        return n;
    size_t i = n - 1;
    while (i > 0 && label[i - 1] >= '0' && label[i - 1] <= '9')
        i--;
    if (i == n - 1 || i == 0 || label[i - 1] != ':')
        return n;
    return i - 1;
}

typedef struct keyed {
    const char *label;
    size_t len;         /* compared bytes of label */
    size_t idx;
    int side;
    long long line;     /* the line in the label, for the second pass */
} keyed;

static int cmp_keyed(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->label, y->label, n);
    if (c != 0)
        return c;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    if (x->side != y->side)
        return x->side - y->side;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    return (x->idx > y->idx) - (x->idx < y->idx);
}

/* Pairs endpoints of the two sides: equal labels first; then, among
 * those left, labels equal but for the line, when each side has as many
 * of that name and file: code edited above them moves views but keeps
 * their order, so they pair in line order. Sorting makes it
 * O(n log n). */
static int match(side *b, side *c, int strip_line)
{
    keyed *k = malloc((b->n + c->n + 1) * sizeof *k);
    if (k == NULL)
        return -1;
    size_t n = 0;
    for (int s = 0; s < 2; s++) {
        side *sd = s ? c : b;
        for (size_t i = 0; i < sd->n; i++) {
            if (sd->ep[i].partner != SIZE_MAX)
                continue;
            const char *l = sd->ep[i].label;
            size_t len = strip_line ? match_len(l) : strlen(l);
            long long line = strip_line && l[len] == ':'
                                 ? strtoll(l + len + 1, NULL, 10) : 0;
            k[n++] = (keyed){l, len, i, s, line};
        }
    }
    pr__qsort(k, n, sizeof *k, cmp_keyed);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && k[j].len == k[i].len &&
               memcmp(k[j].label, k[i].label, k[i].len) == 0)
            j++;
        /* k[i..j) share the key: base (side 0) first, by line */
        size_t nb = 0;
        while (i + nb < j && k[i + nb].side == 0)
            nb++;
        if (nb * 2 == j - i)
            for (size_t q = 0; q < nb; q++) {
                b->ep[k[i + q].idx].partner = k[i + nb + q].idx;
                c->ep[k[i + nb + q].idx].partner = k[i + q].idx;
            }
        i = j;
    }
    free(k);
    return 0;
}

/* ---- tests ------------------------------------------------------------- */

static uint64_t seed_of(const char *label, int stat)
{
    uint64_t h = SEED ^ (uint64_t)stat;
    for (const char *p = label; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    return h;
}

/* Resampled values all the intervals of one diff may draw (about a
 * second): a baseline of 100,000 endpoints must not take hours. Past it
 * an interval is left at the point (lo = hi = delta). */
#define BOOT_BUDGET 300000000.0

static int change_of(const pr_diff_endpoint *e, int stat, pr_diff_change *c,
                     double *budget)
{
    const pr_diff_side *b = &e->base, *n = &e->cur;
    double vb = stat == PR__STAT_P50 ? b->p50_ms
              : stat == PR__STAT_P95 ? b->p95_ms : b->mean_ms;
    double vn = stat == PR__STAT_P50 ? n->p50_ms
              : stat == PR__STAT_P95 ? n->p95_ms : n->mean_ms;
    c->delta = c->lo = c->hi = vn - vb;
    if (b->ms == NULL || n->ms == NULL || budget == NULL)
        return 0;
    size_t reps = pr__boot_reps(b->requests, n->requests);
    double cost = (double)reps * (double)(b->requests + n->requests);
    if (cost > *budget)
        return 0;
    *budget -= cost;
    return pr__boot_ci(b->ms, b->requests, n->ms, n->requests, stat,
                       CI_LEVEL, reps, seed_of(e->label, stat), &c->lo,
                       &c->hi);
}

/* Verdicts: Mann-Whitney U per endpoint, Holm across the endpoints that
 * have enough requests on both sides. */
static int test_endpoints(pr_diff *d)
{
    size_t min_n = pr__mwu_min_n(d->alpha);
    double *p = malloc((d->neps + 1) * sizeof *p);
    size_t *who = malloc((d->neps + 1) * sizeof *who);
    if (p == NULL || who == NULL) {
        free(p);
        free(who);
        return -1;
    }
    size_t nt = 0;
    double budget = BOOT_BUDGET;
    for (size_t i = 0; i < d->neps; i++) {
        pr_diff_endpoint *e = &d->eps[i];
        e->min_n = min_n;
        e->p = e->p_raw = 1;
        if (!e->base.requests || !e->cur.requests) {
            e->verdict = PR_VERDICT_ONE_SIDE;
            continue;
        }
        /* intervals only where the test runs too */
        int few = e->base.requests < min_n || e->cur.requests < min_n;
        double *b = few ? NULL : &budget;
        if (change_of(e, PR__STAT_P50, &e->p50, b) != 0 ||
            change_of(e, PR__STAT_P95, &e->p95, b) != 0 ||
            change_of(e, PR__STAT_MEAN, &e->mean, b) != 0)
            goto nomem;
        if (e->base.ms == NULL || e->cur.ms == NULL) {
            e->verdict = PR_VERDICT_UNTESTED;
            continue;
        }
        if (few) {
            e->verdict = PR_VERDICT_TOO_FEW;
            continue;
        }
        pr__mwu r;
        if (pr__mwu_test(e->base.ms, e->base.requests, e->cur.ms,
                         e->cur.requests, &r) != 0)
            goto nomem;
        e->p_raw = r.p;
        /* direction from U: more pairs with NEW above BASE is slower */
        double mid = (double)e->base.requests * (double)e->cur.requests / 2;
        e->verdict = r.u > mid ? PR_VERDICT_SLOWER
                   : r.u < mid ? PR_VERDICT_FASTER : PR_VERDICT_SAME;
        p[nt] = r.p;
        who[nt++] = i;
    }
    if (pr__holm(p, nt, p) != 0)
        goto nomem;
    for (size_t k = 0; k < nt; k++) {
        pr_diff_endpoint *e = &d->eps[who[k]];
        e->p = p[k];
        if (!(e->p <= d->alpha))
            e->verdict = PR_VERDICT_SAME;
    }
    d->ntested = nt;
    free(p);
    free(who);
    return 0;
nomem:
    free(p);
    free(who);
    return -1;
}

/* ---- which code got slower --------------------------------------------- */

typedef struct cand {
    const char *name;
    double mb, mc;      /* mean own ms per request */
    double p;
} cand;

static int cmp_cand(const void *a, const void *b)
{
    const cand *x = a, *y = b;
    double dx = fabs(x->mc - x->mb), dy = fabs(y->mc - y->mb);
    if (dx != dy)
        return dx > dy ? -1 : 1;
    return strcmp(x->name, y->name);
}

static double mean_of(const double *v, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i];
    return n ? s / (double)n : 0;
}

/* Candidates: every name on either side, with the mean own time (ms per
 * request) of each side; values of a name absent from a side are 0. */
static cand *candidates(const pr__reqtimes *b, const pr__reqtimes *c,
                        size_t *n)
{
    cand *v = malloc((b->nnames + c->nnames + 1) * sizeof *v);
    if (v == NULL)
        return NULL;
    size_t i = 0, j = 0, k = 0;
    while (i < b->nnames || j < c->nnames) {
        int cmp = i == b->nnames ? 1 : j == c->nnames ? -1
                : strcmp(b->names[i], c->names[j]);
        cand x = {cmp <= 0 ? b->names[i] : c->names[j], 0, 0, 1};
        if (cmp <= 0)
            x.mb = mean_of(b->s + i++ * b->nreq, b->nreq) * 1000;
        if (cmp >= 0)
            x.mc = mean_of(c->s + j++ * c->nreq, c->nreq) * 1000;
        v[k++] = x;
    }
    *n = k;
    return v;
}

/* Tests v[0..n) (Mann-Whitney per name, Holm across them); the
 * significant ones changing in direction `dir` (+1 slower) stay first,
 * their count returned; -1 when memory ran out. */
static long test_cands(const pr__reqtimes *b, const pr__reqtimes *c,
                       cand *v, size_t n, int dir, double alpha)
{
    double *x = malloc((b->nreq + 1) * sizeof *x);
    double *y = malloc((c->nreq + 1) * sizeof *y);
    double *p = malloc((n + 1) * sizeof *p);
    if (x == NULL || y == NULL || p == NULL) {
        free(x);
        free(y);
        free(p);
        return -1;
    }
    long bad = 0;
    for (size_t k = 0; k < n && !bad; k++) {
        size_t ib = pr__reqtimes_find(b, v[k].name);
        size_t ic = pr__reqtimes_find(c, v[k].name);
        for (size_t r = 0; r < b->nreq; r++)
            x[r] = ib == SIZE_MAX ? 0 : b->s[ib * b->nreq + r];
        for (size_t r = 0; r < c->nreq; r++)
            y[r] = ic == SIZE_MAX ? 0 : c->s[ic * c->nreq + r];
        pr__mwu t;
        bad = pr__mwu_test(x, b->nreq, y, c->nreq, &t) != 0;
        p[k] = t.p;
    }
    if (!bad)
        bad = pr__holm(p, n, p) != 0;
    free(x);
    free(y);
    if (bad) {
        free(p);
        return -1;
    }
    size_t keep = 0;
    for (size_t k = 0; k < n; k++) {
        v[k].p = p[k];
        double dl = v[k].mc - v[k].mb;
        if (p[k] <= alpha && (dir > 0 ? dl > 0 : dl < 0)) {
            cand t = v[keep];
            v[keep++] = v[k];
            v[k] = t;
        }
    }
    free(p);
    pr__qsort(v, keep, sizeof *v, cmp_cand);
    return (long)keep;
}

/* Where NEW enters module `name` most, from the endpoint's attribution. */
static const char *entry_of(const pr_report *r, size_t row, const char *name)
{
    const pr_endpoint_row *eps;
    size_t n = pr_report_endpoints(r, &eps);
    if (row >= n)
        return NULL;
    const pr_attribution *a = &eps[row].attr;
    for (size_t i = 0; i < a->nentries; i++)
        if (strcmp(a->entries[i].module, name) == 0)
            return a->entries[i].entered_from;
    return NULL;
}

/* Blame rows of one changed endpoint: the modules among the TOP_MODS,
 * then the functions among the TOP_FUNCS, with the largest change in
 * mean. */
static int blame(pr_diff *d, pr_diff_endpoint *e, const side *bs,
                 const side_ep *be, const side *cs, const side_ep *ce)
{
    int dir = e->verdict == PR_VERDICT_SLOWER ? 1 : -1;
    pr_diff_blame rows[2 * MAX_BLAME];
    size_t nrows = 0;
    /* a baseline's modules stand for BASE's files; it has no functions */
    for (int by = 0; by < (bs->rep != NULL ? 2 : 1); by++) {
        pr__reqtimes tb, tc;
        if (bs->rep == NULL) {
            memset(&tb, 0, sizeof tb);
            arena_init(&tb.strings);
            tb.nreq = be->mods->nreq;
            tb.nnames = be->mods->nnames;
            tb.names = be->mods->names;
            tb.s = be->mods->s;
        } else if (pr__reqtimes_load(bs->rep, be->req, be->nreq, by, &tb) !=
                   PR_OK)
            return -1;
        if (pr__reqtimes_load(cs->rep, ce->req, ce->nreq, by, &tc) != PR_OK) {
            if (bs->rep != NULL)
                pr__reqtimes_free(&tb);
            return -1;
        }
        size_t n = 0;
        cand *v = NULL;
        long keep = 0;
        if (tb.nreq >= 2 && tc.nreq >= 2) {
            v = candidates(&tb, &tc, &n);
            if (v == NULL)
                keep = -1;
            else {
                /* the modules and functions that moved most: a
                 * family of dozens of modules that did not move would
                 * only weaken the correction */
                size_t top = by == 1 ? TOP_FUNCS : TOP_MODS;
                pr__qsort(v, n, sizeof *v, cmp_cand);
                if (n > top)
                    n = top;
                keep = test_cands(&tb, &tc, v, n, dir, d->alpha);
            }
        }
        /* a row must carry a tenth of the endpoint's change at least:
         * significant but negligible movements are left out */
        double floor_ms = 0.1 * fmax(fabs(e->mean.delta), fabs(e->p50.delta));
        for (long k = 0, kept = 0; k < keep && kept < MAX_BLAME; k++) {
            if (fabs(v[k].mc - v[k].mb) < floor_ms)
                continue;
            kept++;
            pr_diff_blame *r = &rows[nrows++];
            memset(r, 0, sizeof *r);
            r->is_function = by;
            r->base_ms = v[k].mb;
            r->cur_ms = v[k].mc;
            r->p = v[k].p;
            r->name = arena_strdup(&d->strings, v[k].name);
            const char *from = by ? NULL : entry_of(cs->rep, ce->row, v[k].name);
            if (from != NULL)
                r->entered_from = arena_strdup(&d->strings, from);
            if (r->name == NULL || (from != NULL && r->entered_from == NULL))
                keep = -1;
        }
        free(v);
        if (bs->rep != NULL)
            pr__reqtimes_free(&tb);
        pr__reqtimes_free(&tc);
        if (keep < 0)
            return -1;
    }
    if (nrows > 0) {
        pr_diff_blame *out = arena_alloc(&d->strings, nrows * sizeof *out);
        if (out == NULL)
            return -1;
        memcpy(out, rows, nrows * sizeof *out);
        e->blame = out;
        e->nblame = nrows;
    }
    return 0;
}

/* The flame graphs of the MAX_FLAMES most significant changed
 * endpoints (d->eps not sorted yet; from_b/from_c say where each came
 * from). */
static int flames(pr_diff *d, const side *b, const side *c,
                  const size_t *from_b, const size_t *from_c)
{
    size_t chosen[MAX_FLAMES] = {0};
    for (size_t k = 0; k < MAX_FLAMES; k++) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < d->neps; i++) {
            const pr_diff_endpoint *e = &d->eps[i];
            int taken = 0;
            for (size_t q = 0; q < k; q++)
                taken |= chosen[q] == i;
            if (taken || (e->verdict != PR_VERDICT_SLOWER &&
                          e->verdict != PR_VERDICT_FASTER))
                continue;
            if (best == SIZE_MAX || e->p < d->eps[best].p)
                best = i;
        }
        if (best == SIZE_MAX)
            break;
        chosen[k] = best;
        const side_ep *be = &b->ep[from_b[best]], *ce = &c->ep[from_c[best]];
        pr__reqtimes tb, tc;
        if (pr__reqtimes_load(b->rep, be->req, be->nreq, 2, &tb) != PR_OK)
            return -1;
        if (pr__reqtimes_load(c->rep, ce->req, ce->nreq, 2, &tc) != PR_OK) {
            pr__reqtimes_free(&tb);
            return -1;
        }
        int bad = pr__dflame_build(&d->strings, b->rep, be->row, c->rep,
                                   ce->row, &tb, &tc, d->alpha,
                                   &d->flames[d->nflames]) != 0;
        pr__reqtimes_free(&tb);
        pr__reqtimes_free(&tc);
        if (bad)
            return -1;
        d->nflames++;
    }
    return 0;
}

/* ---- building ---------------------------------------------------------- */

/* Endpoints of both sides matched into d->eps, tested and sorted; the
 * blame for the ones that changed when both sides are reports. */
static int assemble(pr_diff *d, side *b, side *c)
{
    if (match(b, c, 0) != 0 || match(b, c, 1) != 0)
        return -1;
    d->eps = calloc(b->n + c->n + 1, sizeof *d->eps);
    if (d->eps == NULL)
        return -1;
    /* where each endpoint came from, for the blame */
    size_t *from_b = malloc((b->n + c->n + 1) * sizeof *from_b);
    size_t *from_c = malloc((b->n + c->n + 1) * sizeof *from_c);
    if (from_b == NULL || from_c == NULL) {
        free(from_b);
        free(from_c);
        return -1;
    }
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++) { /* NEW's order and labels */
        pr_diff_endpoint *e = &d->eps[n];
        e->label = arena_strdup(&d->strings, c->ep[i].label);
        e->cur = c->ep[i].s;
        from_c[n] = i;
        from_b[n] = c->ep[i].partner;
        if (c->ep[i].partner != SIZE_MAX) {
            const side_ep *be = &b->ep[c->ep[i].partner];
            e->base = be->s;
            /* microseconds where both sides have them: names round */
            const side_ep *ce = &c->ep[i];
            if (be->prof.ms != NULL && ce->prof.ms != NULL) {
                e->base = be->prof;
                e->cur = ce->prof;
                e->latency = be->refined == be->prof.requests &&
                                     ce->refined == ce->prof.requests
                                 ? PR_LATENCY_PROFILED
                             : be->refined + ce->refined > 0
                                 ? PR_LATENCY_MIXED
                                 : PR_LATENCY_WALL;
            }
        }
        if (e->label == NULL)
            goto nomem;
        n++;
    }
    for (size_t i = 0; i < b->n; i++) {
        if (b->ep[i].partner != SIZE_MAX)
            continue;
        pr_diff_endpoint *e = &d->eps[n];
        e->label = arena_strdup(&d->strings, b->ep[i].label);
        e->base = b->ep[i].s;
        from_c[n] = SIZE_MAX;
        from_b[n] = i;
        if (e->label == NULL)
            goto nomem;
        n++;
    }
    d->neps = n;
    if (test_endpoints(d) != 0)
        goto nomem;
    for (size_t i = 0; i < n; i++) {
        pr_diff_endpoint *e = &d->eps[i];
        if ((e->verdict == PR_VERDICT_SLOWER ||
             e->verdict == PR_VERDICT_FASTER) &&
            (b->rep != NULL || b->ep[from_b[i]].mods != NULL) &&
            blame(d, e, b, &b->ep[from_b[i]], c, &c->ep[from_c[i]]) != 0)
            goto nomem;
    }
    if (b->rep != NULL && flames(d, b, c, from_b, from_c) != 0)
        goto nomem;
    free(from_b);
    free(from_c);
    pr__qsort(d->eps, d->neps, sizeof *d->eps, cmp_eps);
    return 0;
nomem:
    free(from_b);
    free(from_c);
    return -1;
}

/* Per-request seconds of named rows on both sides. */
typedef struct named {
    const char *name;
    double s;
    int side;
} named;

static int cmp_named(const void *a, const void *b)
{
    const named *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c != 0 ? c : x->side - y->side;
}

/* Rows by name, matched by sorting (each name at most once a side). */
static int rows_from(pr_diff *d, named *v, size_t nv, double breq,
                     double creq, pr_diff_row **out, size_t *nout)
{
    pr_diff_row *rows = calloc(nv + 1, sizeof *rows);
    if (rows == NULL)
        return -1;
    pr__qsort(v, nv, sizeof *v, cmp_named);
    size_t n = 0;
    for (size_t i = 0; i < nv; i++) {
        if (n == 0 || strcmp(rows[n - 1].name, v[i].name) != 0) {
            rows[n].name = arena_strdup(&d->strings, v[i].name);
            if (rows[n].name == NULL) {
                free(rows);
                return -1;
            }
            n++;
        }
        if (v[i].side == 0)
            rows[n - 1].base_s = breq > 0 ? v[i].s / breq : 0;
        else
            rows[n - 1].cur_s = creq > 0 ? v[i].s / creq : 0;
    }
    pr__qsort(rows, n, sizeof *rows, cmp_rows);
    *out = rows;
    *nout = n;
    return 0;
}

static int module_names(const pr_report *r, int which, named *v, size_t *n)
{
    const pr_attribution *a = pr_report_attribution(r);
    for (size_t i = 0; i < a->nmodules; i++)
        v[(*n)++] = (named){a->modules[i].name, a->modules[i].inclusive_s,
                            which};
    return 0;
}

/* The heaviest functions by tottime (at most 200 a side), named like
 * pstats. */
static int function_names(arena *a, const pr_report *r, int which, named *v,
                          size_t *nv)
{
    const pr_func_row *rows;
    size_t total = pr_report_functions(r, &rows);
    const size_t *by_tt = r->by_tt;
    size_t k = total < 200 ? total : 200;
    for (size_t i = 0; i < k; i++) {
        const pr_func_key *key = &rows[by_tt ? by_tt[i] : i].key;
        size_t cap = key->file.len + key->name.len + 32;
        char *s = arena_alloc(a, cap);
        if (s == NULL)
            return -1;
        snprintf(s, cap, "%.*s:%lld(%.*s)", (int)key->file.len, key->file.ptr,
                 (long long)key->line, (int)key->name.len, key->name.ptr);
        v[(*nv)++] = (named){s, rows[by_tt ? by_tt[i] : i].tt, which};
    }
    return 0;
}

static int whole_run(pr_diff *d, const pr_report *base, const pr_report *cur)
{
    pr_summary sb, sc;
    pr_report_summary(base, &sb);
    pr_report_summary(cur, &sc);
    const pr_attribution *ab = pr_report_attribution(base);
    const pr_attribution *ac = pr_report_attribution(cur);
    size_t cap = ab->nmodules + ac->nmodules + 400 + 1, n = 0;
    named *v = malloc(cap * sizeof *v);
    if (v == NULL)
        return -1;
    module_names(base, 0, v, &n);
    module_names(cur, 1, v, &n);
    int bad = rows_from(d, v, n, (double)sb.files, (double)sc.files,
                        &d->mods, &d->nmods) != 0;
    n = 0;
    bad = bad || function_names(&d->strings, base, 0, v, &n) != 0 ||
          function_names(&d->strings, cur, 1, v, &n) != 0 ||
          rows_from(d, v, n, (double)sb.files, (double)sc.files, &d->funcs,
                    &d->nfuncs) != 0;
    free(v);
    return bad ? -1 : 0;
}

pr_status pr_diff_compare(const pr_report *base, const pr_report *cur,
                          const pr_diff_options *opts, pr_diff **out)
{
    if (base == NULL || cur == NULL || out == NULL)
        return PR_ERR_USAGE;
    *out = NULL;
    pr_diff *d = diff_new(opts);
    if (d == NULL)
        return PR_ERR_NOMEM;
    d->csv_raw = cur->opts.csv_raw;
    side b, c;
    int bad = side_from_report(d, base, &b) != 0 ||
              side_from_report(d, cur, &c) != 0 || assemble(d, &b, &c) != 0 ||
              whole_run(d, base, cur) != 0;
    side_free(&b);
    side_free(&c);
    if (bad) {
        pr_diff_free(d);
        return PR_ERR_NOMEM;
    }
    *out = d;
    return PR_OK;
}

pr_status pr_diff_build(const pr_report *base, const pr_report *cur,
                        pr_diff **out)
{
    return pr_diff_compare(base, cur, NULL, out);
}

/* ---- baseline CSV ----------------------------------------------------- */

/* The columns of `profreport -f csv -t endpoints` (summaries) or `-t
 * requests` (one wall time per request) that a baseline needs. */
enum { C_ENDPOINT, C_REQUESTS, C_MEAN, C_P50, C_P95, C_P99, C_MAX, C_WALL,
       C_PROF, C_FILE, C_MODULE, C_OWN, NCOLS };
static const char *const WANT[NCOLS] = {"endpoint", "requests", "mean_ms",
                                        "p50_ms", "p95_ms", "p99_ms",
                                        "max_ms", "wall_ms", "profiled_ms",
                                        "file", "module", "own_ms"};

/* One baseline request: its endpoint (in the diff's arena) and times
 * (prof_ms 0 when the baseline has no profiled times). */
typedef struct base_req {
    const char *label;
    double ms, prof_ms;
    const char *file;   /* -t request-modules: the request, its module */
    const char *module; /* and own time; else NULL */
    double own_ms;
} base_req;

typedef struct csv_state {
    pr_diff *d;
    side *b;
    size_t cap;
    int col_of[32];     /* column index -> wanted column, or -1 */
    int have[NCOLS];
    int per_request;    /* a `-t requests` file */
    int with_modules;   /* a `-t request-modules` file */
    size_t field, row;
    char *cell[NCOLS];
    size_t len[NCOLS];
    base_req *req;
    size_t nreq, capreq;
    pr_status st;
    pr_error *err;
    size_t offset;      /* bytes fed before the current chunk */
} csv_state;

static void on_field(void *s, size_t n, void *data)
{
    csv_state *c = data;
    if (c->st != PR_OK)
        return;
    if (c->row == 0) {
        if (c->field < 32) {
            c->col_of[c->field] = -1;
            for (int k = 0; k < NCOLS; k++)
                if (strlen(WANT[k]) == n && memcmp(WANT[k], s, n) == 0) {
                    c->col_of[c->field] = k;
                    c->have[k] = 1;
                }
        }
    } else if (c->field < 32 && c->col_of[c->field] >= 0) {
        int k = c->col_of[c->field];
        free(c->cell[k]);
        c->cell[k] = malloc(n + 1);
        if (c->cell[k] == NULL) {
            c->st = PR_ERR_NOMEM;
            return;
        }
        memcpy(c->cell[k], s, n);
        c->cell[k][n] = '\0';
        c->len[k] = n;
    }
    c->field++;
}

static int num(const char *s, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(s, &end);
    return s[0] != '\0' && *end == '\0' && errno == 0 && isfinite(*out) &&
           *out >= 0;
}

static int header(csv_state *c)
{
    c->per_request = c->have[C_ENDPOINT] && c->have[C_WALL];
    c->with_modules = c->per_request && c->have[C_FILE] &&
                      c->have[C_MODULE] && c->have[C_OWN];
    if (c->per_request)
        return 0;
    for (int k = 0; k < C_WALL; k++)
        if (!c->have[k]) {
            c->st = pr__fail(c->err, PR_ERR_BAD_CSV, 0,
                             "baseline CSV has no '%s' column (write it "
                             "with -f csv -t requests, or -t endpoints)",
                             WANT[k]);
            return -1;
        }
    return 0;
}

static int add_summary_row(csv_state *c, uint64_t at)
{
    double v[NCOLS] = {0};
    for (int k = 1; k < C_WALL; k++)
        if (c->cell[k] == NULL || !num(c->cell[k], &v[k])) {
            c->st = pr__fail(c->err, PR_ERR_BAD_CSV, at,
                             "baseline CSV row %zu: '%s' is not a number",
                             c->row, WANT[k]);
            return -1;
        }
    if (v[C_REQUESTS] > 1e15) { /* no (size_t) of an absurd double */
        c->st = pr__fail(c->err, PR_ERR_BAD_CSV, at,
                         "baseline CSV row %zu: requests out of range",
                         c->row);
        return -1;
    }
    if (c->b->n >= c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        side_ep *e = realloc(c->b->ep, cap * sizeof *e);
        if (e == NULL) {
            c->st = PR_ERR_NOMEM;
            return -1;
        }
        c->b->ep = e;
        c->cap = cap;
    }
    side_ep *e = &c->b->ep[c->b->n];
    memset(e, 0, sizeof *e);
    e->label = arena_strdup(&c->d->strings, c->cell[C_ENDPOINT]);
    if (e->label == NULL) {
        c->st = PR_ERR_NOMEM;
        return -1;
    }
    e->row = e->partner = SIZE_MAX;
    e->s = (pr_diff_side){(size_t)v[C_REQUESTS], v[C_MEAN], v[C_P50],
                          v[C_P95], v[C_P99], v[C_MAX], NULL};
    c->b->n++;
    return 0;
}

static int add_request_row(csv_state *c, uint64_t at)
{
    double ms;
    if (c->cell[C_WALL] == NULL || !num(c->cell[C_WALL], &ms)) {
        c->st = pr__fail(c->err, PR_ERR_BAD_CSV, at,
                         "baseline CSV row %zu: 'wall_ms' is not a number",
                         c->row);
        return -1;
    }
    if (c->nreq == c->capreq) {
        size_t cap = c->capreq ? c->capreq * 2 : 256;
        base_req *r = realloc(c->req, cap * sizeof *r);
        if (r == NULL) {
            c->st = PR_ERR_NOMEM;
            return -1;
        }
        c->req = r;
        c->capreq = cap;
    }
    const char *label = arena_strdup(&c->d->strings, c->cell[C_ENDPOINT]);
    base_req r = {label, ms, 0, NULL, NULL, 0};
    if (c->have[C_PROF] &&
        (c->cell[C_PROF] == NULL || !num(c->cell[C_PROF], &r.prof_ms))) {
        c->st = pr__fail(c->err, PR_ERR_BAD_CSV, at,
                         "baseline CSV row %zu: 'profiled_ms' is not a "
                         "number", c->row);
        return -1;
    }
    if (c->with_modules) {
        const char *m = c->cell[C_MODULE] ? c->cell[C_MODULE] : "";
        const char *own = c->cell[C_OWN] ? c->cell[C_OWN] : "";
        if (m[0] != '\0' && !num(own, &r.own_ms)) {
            c->st = pr__fail(c->err, PR_ERR_BAD_CSV, at,
                             "baseline CSV row %zu: 'own_ms' is not a "
                             "number", c->row);
            return -1;
        }
        r.file = arena_strdup(&c->d->strings,
                              c->cell[C_FILE] ? c->cell[C_FILE] : "");
        r.module = m[0] ? arena_strdup(&c->d->strings, m) : NULL;
        if (r.file == NULL || (m[0] && r.module == NULL))
            label = NULL;
    }
    if (label == NULL) {
        c->st = PR_ERR_NOMEM;
        return -1;
    }
    c->req[c->nreq++] = r;
    return 0;
}

static void on_row(int ch, void *data)
{
    (void)ch;
    csv_state *c = data;
    if (c->st != PR_OK)
        return;
    /* libcsv reports no positions: rows are named by number (the
     * header is row 0) and located at the start of the chunk read. */
    uint64_t at = c->offset;
    if (c->row == 0) {
        if (header(c) != 0)
            return;
    } else if (c->cell[C_ENDPOINT] == NULL) {
        c->st = pr__fail(c->err, PR_ERR_BAD_CSV, at,
                         "baseline CSV row %zu has no endpoint", c->row);
        return;
    } else if ((c->per_request ? add_request_row(c, at)
                               : add_summary_row(c, at)) != 0) {
        return;
    }
    for (int k = 0; k < NCOLS; k++) {
        free(c->cell[k]);
        c->cell[k] = NULL;
    }
    c->field = 0;
    c->row++;
}

static int cmp_base_req(const void *a, const void *b)
{
    const base_req *x = a, *y = b;
    int c = strcmp(x->label, y->label);
    if (c == 0 && x->file != NULL && y->file != NULL)
        c = strcmp(x->file, y->file);
    if (c != 0)
        return c;
    return (x->ms > y->ms) - (x->ms < y->ms);
}

/* The requests of one endpoint of a `-t request-modules` baseline,
 * r[0..n) sorted by file: wall and profiled times into ms and prof (one
 * per request; returns how many) and own time per module into e->mods. */
static long request_modules(const base_req *r, size_t n, double *ms,
                            double *prof, side_ep *e)
{
    const char **names = malloc((n + 1) * sizeof *names);
    uint32_t *req = malloc((n + 1) * sizeof *req);
    double *sec = malloc((n + 1) * sizeof *sec);
    e->mods = calloc(1, sizeof *e->mods);
    long nreq = 0;
    size_t k = 0;
    if (names == NULL || req == NULL || sec == NULL || e->mods == NULL)
        nreq = -1;
    for (size_t i = 0; i < n && nreq >= 0; i++) {
        if (i == 0 || strcmp(r[i].file, r[i - 1].file) != 0) {
            prof[nreq] = r[i].prof_ms;
            ms[nreq++] = r[i].ms;
        }
        if (r[i].module != NULL) {
            names[k] = r[i].module;
            req[k] = (uint32_t)(nreq - 1);
            sec[k++] = r[i].own_ms / 1000;
        }
    }
    if (nreq >= 0 && pr__reqtimes_from(names, req, sec, k, (size_t)nreq,
                                       e->mods) != PR_OK)
        nreq = -1;
    free(names);
    free(req);
    free(sec);
    return nreq;
}

/* Per-request rows grouped into endpoints with their summaries, of wall
 * times and, when every request has one, of profiled times. */
static int group_requests(csv_state *c)
{
    pr__qsort(c->req, c->nreq, sizeof *c->req, cmp_base_req);
    size_t ne = 0;
    for (size_t i = 0; i < c->nreq; i++)
        ne += i == 0 || strcmp(c->req[i].label, c->req[i - 1].label) != 0;
    c->b->ep = calloc(ne + 1, sizeof *c->b->ep);
    if (c->b->ep == NULL)
        return -1;
    for (size_t i = 0; i < c->nreq;) {
        size_t j = i;
        while (j < c->nreq && strcmp(c->req[j].label, c->req[i].label) == 0)
            j++;
        double *ms = arena_alloc(&c->d->strings, (j - i) * sizeof *ms);
        double *prof = arena_alloc(&c->d->strings, (j - i) * sizeof *prof);
        if (ms == NULL || prof == NULL)
            return -1;
        side_ep *e = &c->b->ep[c->b->n++];
        e->label = c->req[i].label;
        e->row = e->partner = SIZE_MAX;
        size_t n = j - i;
        if (c->with_modules) {
            long got = request_modules(c->req + i, n, ms, prof, e);
            if (got < 0)
                return -1;
            n = (size_t)got;
        } else {
            for (size_t k = i; k < j; k++) {
                ms[k - i] = c->req[k].ms;
                prof[k - i] = c->req[k].prof_ms;
            }
        }
        /* before the sort: ms[k] and prof[k] are one request's */
        for (size_t k = 0; k < n; k++) {
            e->refined += pr__profiled_is_latency(ms[k], prof[k]);
            prof[k] = pr__latency_ms(ms[k], prof[k]);
        }
        if (c->with_modules)
            pr__qsort(ms, n, sizeof *ms, cmp_double_asc);
        e->s = summary(ms, n);
        if (c->have[C_PROF]) {
            pr__qsort(prof, n, sizeof *prof, cmp_double_asc);
            e->prof = summary(prof, n);
        }
        i = j;
    }
    return 0;
}

static pr_status read_baseline(FILE *f, csv_state *c)
{
    struct csv_parser p;
    if (csv_init(&p, CSV_APPEND_NULL) != 0)
        return pr__fail(c->err, PR_ERR_NOMEM, PR_NO_OFFSET, "out of memory");
    char buf[65536];
    size_t n;
    while (c->st == PR_OK && (n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (csv_parse(&p, buf, n, on_field, on_row, c) != n) {
            c->st = pr__fail(c->err, PR_ERR_BAD_CSV, c->offset,
                             "baseline CSV: %s", csv_strerror(csv_error(&p)));
            break;
        }
        c->offset += n;
    }
    if (c->st == PR_OK && ferror(f))
        c->st = pr__fail(c->err, PR_ERR_IO, c->offset, "read failed");
    if (c->st == PR_OK && csv_fini(&p, on_field, on_row, c) != 0)
        c->st = pr__fail(c->err, PR_ERR_BAD_CSV, c->offset,
                         "baseline CSV: %s", csv_strerror(csv_error(&p)));
    if (c->st == PR_OK && c->row == 0)
        c->st = pr__fail(c->err, PR_ERR_BAD_CSV, 0, "baseline CSV is empty");
    csv_free(&p);
    for (int k = 0; k < NCOLS; k++)
        free(c->cell[k]);
    return c->st;
}

pr_status pr_diff_compare_baseline(const char *csv_path, const pr_report *cur,
                                   const pr_diff_options *opts,
                                   pr_diff **out, pr_error *err)
{
    if (csv_path == NULL || cur == NULL || out == NULL)
        return pr__fail(err, PR_ERR_USAGE, PR_NO_OFFSET, "NULL argument");
    *out = NULL;
    FILE *f = fopen(csv_path, "rb");
    if (f == NULL)
        return pr__fail(err, PR_ERR_IO, PR_NO_OFFSET, "cannot open: %s",
                        strerror(errno));
    pr_diff *d = diff_new(opts);
    if (d == NULL) {
        fclose(f);
        return pr__fail(err, PR_ERR_NOMEM, PR_NO_OFFSET, "out of memory");
    }
    d->from_baseline = 1;
    d->csv_raw = cur->opts.csv_raw;
    side b, c;
    memset(&b, 0, sizeof b);
    memset(&c, 0, sizeof c);
    csv_state cs;
    memset(&cs, 0, sizeof cs);
    cs.d = d;
    cs.b = &b;
    cs.err = err;
    pr_status st = read_baseline(f, &cs);
    fclose(f);
    if (st == PR_OK && cs.per_request && group_requests(&cs) != 0)
        st = PR_ERR_NOMEM;
    d->summary_only = !cs.per_request;
    d->base_modules = cs.with_modules;
    free(cs.req);
    if (st == PR_OK && (side_from_report(d, cur, &c) != 0 ||
                        assemble(d, &b, &c) != 0))
        st = PR_ERR_NOMEM;
    side_free(&b);
    side_free(&c);
    if (st == PR_ERR_NOMEM)
        pr__fail(err, PR_ERR_NOMEM, PR_NO_OFFSET, "out of memory");
    if (st != PR_OK) {
        pr_diff_free(d);
        return st;
    }
    *out = d;
    return PR_OK;
}

pr_status pr_diff_from_baseline(const char *csv_path, const pr_report *cur,
                                pr_diff **out, pr_error *err)
{
    return pr_diff_compare_baseline(csv_path, cur, NULL, out, err);
}

/* ---- rules ------------------------------------------------------------ */

int pr_rule_parse(const char *s, pr_rule *out)
{
    memset(out, 0, sizeof *out);
    if (s == NULL || strlen(s) >= sizeof out->text)
        return -1;
    snprintf(out->text, sizeof out->text, "%s", s);
    const char *gt = strchr(s, '>');
    if (gt == NULL)
        return -1;
    out->metric = -1;
    for (int i = 0; i < 5; i++)
        if ((size_t)(gt - s) == strlen(METRICS[i]) &&
            memcmp(s, METRICS[i], strlen(METRICS[i])) == 0)
            out->metric = i;
    if (out->metric < 0)
        return -1;
    const char *p = gt + 1;
    if (*p == '+')
        p++;
    char *end;
    out->value = strtod(p, &end);
    if (end == p || !isfinite(out->value) || out->value < 0)
        return -1;
    if (strcmp(end, "%") == 0)
        out->percent = 1;
    else if (strcmp(end, "ms") != 0)
        return -1;
    return 0;
}

/* A percentage change; growth from a 0 ms base is infinitely large
 * (werkzeug's names round sub-millisecond requests to 0 ms). */
static double percent(double b, double c)
{
    if (b > 0)
        return (c - b) / b * 100;
    return c > b ? INFINITY : 0;
}

size_t pr_diff_check(pr_diff *d, const pr_rule *rules, size_t nrules,
                     size_t min_requests)
{
    if (d == NULL)
        return 0;
    if (min_requests == 0)
        min_requests = PR_DEFAULT_MIN_REQUESTS;
    size_t failing = 0;
    for (size_t i = 0; i < d->neps; i++) {
        pr_diff_endpoint *e = &d->eps[i];
        e->failed = NULL;
        if (e->base.requests < min_requests || e->cur.requests < min_requests)
            continue;
        /* a rule needs a significant slowdown; a summary-only baseline
         * cannot test, so there the threshold decides alone */
        if (e->verdict != PR_VERDICT_SLOWER &&
            e->verdict != PR_VERDICT_UNTESTED)
            continue;
        for (size_t k = 0; k < nrules && e->failed == NULL; k++) {
            const pr_rule *r = &rules[k];
            double b = metric_of(&e->base, r->metric);
            double c = metric_of(&e->cur, r->metric);
            int crossed = r->percent ? percent(b, c) > r->value
                                     : c - b > r->value;
            if (crossed)
                e->failed = r->text;
        }
        failing += e->failed != NULL;
    }
    return failing;
}

size_t pr_diff_endpoints(const pr_diff *d, const pr_diff_endpoint **rows)
{
    if (d == NULL)
        return 0;
    if (rows)
        *rows = d->eps;
    return d->neps;
}

size_t pr_diff_modules(const pr_diff *d, const pr_diff_row **rows)
{
    if (d == NULL)
        return 0;
    if (rows)
        *rows = d->mods;
    return d->nmods;
}

size_t pr_diff_functions(const pr_diff *d, const pr_diff_row **rows)
{
    if (d == NULL)
        return 0;
    if (rows)
        *rows = d->funcs;
    return d->nfuncs;
}

/* ---- rendering -------------------------------------------------------- */

/* A number of ms: one decimal under 10, none above. */
static void ms(FILE *out, const char *fmt_sign, double v)
{
    int small = fabs(v) < 10;
    if (fmt_sign[0] == '+')
        fprintf(out, small ? "%+.1f" : "%+.0f", v);
    else
        fprintf(out, small ? "%.1f" : "%.0f", v);
}

static void pvalue(FILE *out, double p)
{
    if (p < 0.001)
        fputs("p<0.001", out);
    else
        fprintf(out, "p=%.3f", p);
}

/* "+12 (+30%) [+10, +14]": the change, relative, and its interval. */
static void change(FILE *out, double b, double c, const pr_diff_change *ci)
{
    double dlt = c - b;
    ms(out, "+", dlt);
    if (b > 0)
        fprintf(out, " (%+.0f%%)", dlt / b * 100);
    if (ci != NULL) {
        fputs(" [", out);
        ms(out, "+", ci->lo);
        fputs(", ", out);
        ms(out, "+", ci->hi);
        fputs("]", out);
    }
}

/* "slower (p=0.001 n=30+30)", benchstat-style. */
static void verdict(FILE *out, const pr_diff_endpoint *e)
{
    switch (e->verdict) {
    case PR_VERDICT_SLOWER:
    case PR_VERDICT_FASTER:
    case PR_VERDICT_SAME:
        fprintf(out, "%s (", pr_verdict_name(e->verdict));
        pvalue(out, e->p);
        fprintf(out, " n=%zu+%zu)", e->base.requests, e->cur.requests);
        break;
    case PR_VERDICT_TOO_FEW:
        fprintf(out, "too few requests (n=%zu+%zu, needs %zu a side)",
                e->base.requests, e->cur.requests, e->min_n);
        break;
    case PR_VERDICT_UNTESTED:
        fputs("not tested (summary baseline)", out);
        break;
    default:
        fputs(e->cur.requests ? "new" : "gone", out);
    }
}

static void md_blame(FILE *out, const pr_diff_endpoint *e)
{
    int fn = 0;
    for (size_t k = 0; k < e->nblame; k++) {
        const pr_diff_blame *b = &e->blame[k];
        if (b->is_function && !fn++)
            fputs("; functions: ", out);
        else
            fputs(k == 0 ? "; " : ", ", out);
        if (b->is_function)
            esc_code(out, b->name, strlen(b->name));
        else
            esc_md(out, b->name, strlen(b->name));
        fputc(' ', out);
        ms(out, "+", b->cur_ms - b->base_ms);
        fputs(" ms per request (", out);
        pvalue(out, b->p);
        fputc(')', out);
        if (b->entered_from != NULL) {
            fputs(", entered from ", out);
            esc_md(out, b->entered_from, strlen(b->entered_from));
        }
    }
}

/* What changed, first: each endpoint that is significantly slower or
 * faster, and the modules and functions that moved with it. */
static void md_changed(const pr_diff *d, FILE *out)
{
    size_t n = 0;
    for (size_t i = 0; i < d->neps; i++) {
        const pr_diff_endpoint *e = &d->eps[i];
        if (e->verdict != PR_VERDICT_SLOWER &&
            e->verdict != PR_VERDICT_FASTER)
            continue;
        if (n++ == 0)
            fputs("## What changed\n\n", out);
        fputs("- **", out);
        esc_md(out, e->label, strlen(e->label));
        fprintf(out, "**: %s, p50 ", pr_verdict_name(e->verdict));
        change(out, e->base.p50_ms, e->cur.p50_ms, &e->p50);
        fputs(" ms (", out);
        pvalue(out, e->p);
        fprintf(out, " n=%zu+%zu)", e->base.requests, e->cur.requests);
        md_blame(out, e);
        fputs("\n", out);
    }
    if (n > 0 && d->from_baseline && !d->base_modules)
        fputs("\nWhich code moved is tested from own time per module: "
              "this baseline holds wall times only. Save it with `-f csv "
              "-t request-modules` (or give BASE's profiles) to see "
              "it.\n", out);
    if (n > 0)
        fputs("\n", out);
    else if (!d->summary_only)
        fprintf(out, "No endpoint changed significantly (alpha %g).\n\n",
                d->alpha);
}

static void md_method(const pr_diff *d, FILE *out)
{
    if (d->summary_only) {
        fputs("**The baseline holds summaries only** (`-t endpoints`): "
              "significance cannot be tested, so `--fail-on` rules apply "
              "to the thresholds alone. Save the baseline with `-f csv -t "
              "requests` to test it.\n\n", out);
        return;
    }
    size_t wall = 0, prof = 0, mixed = 0;
    for (size_t i = 0; i < d->neps; i++)
        if (d->eps[i].base.requests && d->eps[i].cur.requests) {
            wall += d->eps[i].latency == PR_LATENCY_WALL;
            prof += d->eps[i].latency == PR_LATENCY_PROFILED;
            mixed += d->eps[i].latency == PR_LATENCY_MIXED;
        }
    fprintf(out, "Each endpoint with requests on both sides is tested: "
                 "Mann-Whitney U on the requests' latencies, Holm-"
                 "corrected across the %zu endpoints tested; a change "
                 "counts at alpha = %g. Intervals are %.0f %% bootstrap "
                 "intervals. An endpoint needs %zu requests a side to be "
                 "tested. ",
            d->ntested, d->alpha, CI_LEVEL * 100,
            pr__mwu_min_n(d->alpha));
    if (wall == 0 && mixed == 0)
        fputs("Latencies are profiled times (each request's cumulative "
              "time in its profile, in microseconds; the file names' "
              "whole milliseconds agree with them).\n\n", out);
    else if (prof == 0 && mixed == 0)
        fputs("Latencies are wall times from the file names (the "
              "baseline has no profiled times, or they do not agree with "
              "the names, as under PyPy).\n\n", out);
    else
        fprintf(out, "Latencies are each request's profiled time "
                     "(microseconds) where it agrees with the file name's "
                     "whole milliseconds, else its wall time: profiled "
                     "for %zu endpoints, mixed for %zu, wall for %zu.\n\n",
                prof, mixed, wall);
}

static void md_diff(const pr_diff *d, FILE *out)
{
    size_t failing = 0, both = 0;
    for (size_t i = 0; i < d->neps; i++) {
        failing += d->eps[i].failed != NULL;
        both += d->eps[i].base.requests && d->eps[i].cur.requests;
    }
    fputs("# profreport diff\n\n", out);
    if (failing > 0) {
        fprintf(out, "**%zu endpoint%s crossed a --fail-on threshold:**\n\n",
                failing, failing == 1 ? "" : "s");
        for (size_t i = 0; i < d->neps; i++)
            if (d->eps[i].failed != NULL) {
                const pr_diff_endpoint *e = &d->eps[i];
                fputs("- ", out);
                esc_md(out, e->label, strlen(e->label));
                fputs(": p95 ", out);
                ms(out, "", e->base.p95_ms);
                fputs(" ms -> ", out);
                ms(out, "", e->cur.p95_ms);
                fputs(" ms, mean ", out);
                ms(out, "", e->base.mean_ms);
                fputs(" -> ", out);
                ms(out, "", e->cur.mean_ms);
                fprintf(out, " (rule `%s`; ", e->failed);
                verdict(out, e);
                fputs(")\n", out);
            }
        fputs("\n", out);
    }
    md_method(d, out);
    md_changed(d, out);
    fputs("## Endpoints\n\n| endpoint | requests | p50 ms | change [95 % "
          "CI] | p95 ms | change [95 % CI] | mean ms | change [95 % CI] | "
          "verdict |\n"
          "|:---|---:|---:|---:|---:|---:|---:|---:|:---|\n", out);
    for (size_t i = 0; i < d->neps; i++) {
        const pr_diff_endpoint *e = &d->eps[i];
        fputs("| ", out);
        esc_md(out, e->label, strlen(e->label));
        if (!e->base.requests || !e->cur.requests) {
            const pr_diff_side *s = e->cur.requests ? &e->cur : &e->base;
            fprintf(out, " | %zu | ", s->requests);
            ms(out, "", s->p50_ms);
            fputs(" | | ", out);
            ms(out, "", s->p95_ms);
            fputs(" | | ", out);
            ms(out, "", s->mean_ms);
            fprintf(out, " | | %s |\n", e->cur.requests ? "new" : "gone");
            continue;
        }
        fprintf(out, " | %zu \xe2\x86\x92 %zu | ", e->base.requests,
                e->cur.requests);
        ms(out, "", e->cur.p50_ms);
        fputs(" | ", out);
        int dist = e->base.ms != NULL && e->cur.ms != NULL &&
                   e->verdict != PR_VERDICT_TOO_FEW;
        change(out, e->base.p50_ms, e->cur.p50_ms, dist ? &e->p50 : NULL);
        fputs(" | ", out);
        ms(out, "", e->cur.p95_ms);
        fputs(" | ", out);
        change(out, e->base.p95_ms, e->cur.p95_ms, dist ? &e->p95 : NULL);
        fputs(" | ", out);
        ms(out, "", e->cur.mean_ms);
        fputs(" | ", out);
        change(out, e->base.mean_ms, e->cur.mean_ms, dist ? &e->mean : NULL);
        fputs(" | ", out);
        verdict(out, e);
        fprintf(out, "%s |\n", e->failed ? " **fail**" : "");
    }
    fprintf(out, "\n%zu endpoints on both sides; changes are new minus "
                 "base (ms), slower first.\n\n", both);
    const char *titles[2] = {"Modules (inclusive s per request)",
                             "Functions (tottime per request)"};
    const pr_diff_row *rows[2] = {d->mods, d->funcs};
    size_t ns[2] = {d->nmods, d->nfuncs};
    for (int t = 0; t < 2 && !d->from_baseline; t++) {
        fprintf(out, "## %s\n\nThe whole run, not tested; see *What "
                     "changed* for the tested figures.\n\n"
                     "| name | base ms | new ms | change |\n"
                     "|:---|---:|---:|---:|\n", titles[t]);
        size_t n = ns[t] < 20 ? ns[t] : 20;
        for (size_t i = 0; i < n; i++) {
            fputs("| ", out);
            esc_md(out, rows[t][i].name, strlen(rows[t][i].name));
            fprintf(out, " | %.3f | %.3f | ", rows[t][i].base_s * 1000,
                    rows[t][i].cur_s * 1000);
            double b = rows[t][i].base_s, c = rows[t][i].cur_s;
            if (b > 0)
                fprintf(out, "%+.3f (%+.0f%%)", (c - b) * 1000,
                        (c - b) / b * 100);
            else
                fprintf(out, "%+.3f", (c - b) * 1000);
            fputs(" |\n", out);
        }
        fputs("\n", out);
    }
}

/* After the Markdown of the HTML diff: a differential flame graph per
 * changed endpoint, in two modes. */
static void html_flames(void *ctx, FILE *out)
{
    const pr_diff *d = ctx;
    if (d->nflames == 0)
        return;
    fputs("<h2 id=\"flame-graphs\">Differential flame graphs</h2>\n<p>NEW's "
          "call tree of each endpoint that changed (the most significant "
          "first), drawn top-down: a box is as wide as its time per "
          "request in NEW and filled by its change against the same path "
          "in BASE (frames matched by file and function; lines left out, "
          "as views move): red slower, blue faster, stronger for larger "
          "changes. Grey: the function's inclusive time per request did "
          "not change significantly (Mann-Whitney U, Benjamini-Hochberg "
          "across the boxes: at most a fraction alpha of the coloured "
          "boxes is expected to be noise). A dashed outline: the path is only in NEW. Hover a box "
          "for its figures.</p>\n", out);
    for (size_t k = 0; k < d->nflames; k++) {
        const pr__dflame *f = &d->flames[k];
        fputs("<h3>", out);
        esc_html(out, f->endpoint, strlen(f->endpoint));
        fprintf(out, "</h3>\n<p>%.1f ms per request in NEW, %.1f in BASE.",
                f->cur_total_ms, f->base_total_ms);
        if (f->base_only > 0)
            fprintf(out, " %zu path%s of BASE (%.1f ms per request) %s "
                         "not in NEW's tree (gone, or under the tree's "
                         "cut-off there), so not drawn.",
                    f->base_only, f->base_only == 1 ? "" : "s",
                    f->base_only_ms, f->base_only == 1 ? "is" : "are");
        fputs("</p>\n", out);
        for (int norm = 0; norm < 2; norm++) {
            fputs("<figure class=\"chart\">", out);
            pr__dflame_svg(out, f, norm);
            fputs(norm ? "<figcaption>Normalised: BASE scaled to NEW's "
                         "total first, so the colours show where the "
                         "share of time moved.</figcaption>"
                       : "<figcaption>Absolute: change in ms per "
                         "request.</figcaption>", out);
            fputs("</figure>\n", out);
        }
    }
}

static void csv_rows(const pr_diff *d, const pr_diff_row *rows, size_t n,
                     FILE *out)
{
    fputs("name,base_s_per_request,new_s_per_request,change_s\n", out);
    for (size_t i = 0; i < n; i++) {
        esc_csv(out, rows[i].name, strlen(rows[i].name), !d->csv_raw);
        fprintf(out, ",%.17g,%.17g,%.17g\n", rows[i].base_s, rows[i].cur_s,
                rows[i].cur_s - rows[i].base_s);
    }
}

static void csv_endpoints(const pr_diff *d, FILE *out)
{
    fputs("endpoint,base_requests,new_requests,base_p50_ms,new_p50_ms,"
          "base_p95_ms,new_p95_ms,base_mean_ms,new_mean_ms,failed,verdict,"
          "p_value,p50_change_lo_ms,p50_change_hi_ms,p95_change_lo_ms,"
          "p95_change_hi_ms,mean_change_lo_ms,mean_change_hi_ms,blame,"
          "latency\n",
          out);
    for (size_t i = 0; i < d->neps; i++) {
        const pr_diff_endpoint *e = &d->eps[i];
        esc_csv(out, e->label, strlen(e->label), !d->csv_raw);
        fprintf(out, ",%zu,%zu,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,", e->base.requests,
                e->cur.requests, e->base.p50_ms, e->cur.p50_ms,
                e->base.p95_ms, e->cur.p95_ms, e->base.mean_ms,
                e->cur.mean_ms);
        if (e->failed)
            esc_csv(out, e->failed, strlen(e->failed), !d->csv_raw);
        const char *v = e->verdict == PR_VERDICT_ONE_SIDE
                            ? (e->cur.requests ? "new" : "gone")
                            : pr_verdict_name(e->verdict);
        fprintf(out, ",%s,%.6g,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,", v, e->p,
                e->p50.lo, e->p50.hi, e->p95.lo, e->p95.hi, e->mean.lo,
                e->mean.hi);
        /* blame as "name +12.3ms p=0.0001; ..." in one cell */
        char *cell = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&cell, &len);
        if (m != NULL) {
            for (size_t k = 0; k < e->nblame; k++)
                fprintf(m, "%s%s %+.3fms p=%.3g", k ? "; " : "",
                        e->blame[k].name,
                        e->blame[k].cur_ms - e->blame[k].base_ms,
                        e->blame[k].p);
            if (fclose(m) == 0 && cell != NULL)
                esc_csv(out, cell, len, !d->csv_raw);
            free(cell);
        }
        fprintf(out, ",%s\n",
                e->latency == PR_LATENCY_PROFILED ? "profiled"
                : e->latency == PR_LATENCY_MIXED  ? "mixed"
                                                  : "wall");
    }
}

pr_status pr__diff_md(const pr_diff *d, pr_table table, FILE *out,
                      pr_error *err)
{
    (void)table; /* always PR_TABLE_ALL (the renderer table says so) */
    (void)err;
    md_diff(d, out);
    return PR_OK;
}

pr_status pr__diff_csv(const pr_diff *d, pr_table table, FILE *out,
                       pr_error *err)
{
    (void)err;
    if (table == PR_TABLE_MODULES)
        csv_rows(d, d->mods, d->nmods, out);
    else if (table == PR_TABLE_FUNCTIONS)
        csv_rows(d, d->funcs, d->nfuncs, out);
    else /* endpoints, or all */
        csv_endpoints(d, out);
    return PR_OK;
}

pr_status pr__diff_html(const pr_diff *d, pr_table table, FILE *out,
                        pr_error *err)
{
    (void)table;
    (void)err;
    char *md = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&md, &len);
    if (mem == NULL)
        return PR_ERR_NOMEM;
    md_diff(d, mem);
    int bad = fclose(mem) != 0 || md == NULL;
    pr_status st = bad ? PR_ERR_NOMEM
                       : pr__html_page_with(md, "profreport diff",
                                            html_flames, (void *)d, out);
    free(md);
    return st;
}
