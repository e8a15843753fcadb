/* findings.c - the report's opening statements, written from the numbers.
 *
 * A finding is a record first (kind, scope, subject, share, cost per
 * request) and a plain sentence second; renderers add their own markup.
 *
 * Blame goes by OWN time (modules.c): the module whose own code, with the
 * built-ins and standard library it calls, holds the most of a scope's
 * time. Inclusive time would blame whoever sits highest on the stack (a
 * view that calls a database client and a template engine, a framework
 * that calls the views), which is not where the time is spent.
 *
 * Shares are printed with one decimal everywhere, as in the tables, so a
 * figure reads the same in a finding and in the table it comes from.
 */
#define _POSIX_C_SOURCE 200809L
#include "sort.h"
#include "render.h"
#include "stattest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_FINDINGS = 10, MAX_ENDPOINT_FINDINGS = 3, MAX_IDENTS = 24 };

/* Below this own share, a module is not "where the time is". */
#define MODULE_MIN_SHARE 0.2
/* A second module is named when it holds at least this much. */
#define SECOND_MIN_SHARE 0.15
/* A latency step is reported when this sure (corrected p-value). */
#define STEP_ALPHA 0.01
/* Endpoints compared by p95 need this many requests each. */
#define LATENCY_MIN_REQUESTS 5

const char *pr_finding_kind_name(pr_finding_kind k)
{
    switch (k) {
    case PR_FINDING_MODULE: return "module";
    case PR_FINDING_ENDPOINT_TOTAL: return "endpoint_total";
    case PR_FINDING_ENDPOINT_LATENCY: return "endpoint_latency";
    case PR_FINDING_STEP: return "step";
    case PR_FINDING_SKIPPED: return "skipped";
    case PR_FINDING_SLOW_REQUESTS: return "slow_requests";
    }
    return "unknown";
}

static void pct(FILE *out, double share)
{
    fprintf(out, "%.1f%%", share * 100);
}

/* ---- a finding under construction ------------------------------------ */

typedef struct writer {
    pr_report *r;
    char *buf;
    size_t len;
    FILE *mem;
    pr_finding f;
    long lead; /* ftell where the headline ended, or -1 */
    pr_span idents[MAX_IDENTS];
    size_t nidents;
} writer;

static int begin(writer *w, pr_finding_kind kind, const char *section,
                 const char *endpoint, const char *subject)
{
    w->buf = NULL;
    w->len = 0;
    w->lead = -1;
    memset(&w->f, 0, sizeof w->f);
    w->f.kind = kind;
    w->f.section = section;
    w->f.anchor = section;
    w->f.endpoint = endpoint;
    w->f.subject = subject != NULL ? subject : "";
    w->f.share = -1;
    w->f.per_request_ms = -1;
    w->nidents = 0;
    w->mem = open_memstream(&w->buf, &w->len);
    return w->mem == NULL ? -1 : 0;
}

/* Writes an identifier (a module, function, endpoint or file) and
 * remembers where it is. */
static void ident(writer *w, const char *s, size_t n)
{
    fflush(w->mem);
    size_t at = w->len;
    fwrite(s, 1, n, w->mem);
    if (w->nidents < MAX_IDENTS && n > 0) {
        w->idents[w->nidents].off = at;
        w->idents[w->nidents].len = n;
        w->nidents++;
    }
}

static void ident_s(writer *w, const char *s) { ident(w, s, strlen(s)); }

static void end_lead(writer *w)
{
    fflush(w->mem);
    w->lead = (long)w->len;
}

static int finish(writer *w)
{
    if (fclose(w->mem) != 0 || w->buf == NULL) {
        free(w->buf);
        return -1;
    }
    pr_report *r = w->r;
    if (r->nfindings >= MAX_FINDINGS) {
        free(w->buf);
        return 0;
    }
    size_t n = strlen(w->buf) + 1;
    char *text = arena_alloc(&r->strings, n);
    if (text == NULL) {
        free(w->buf);
        return -1;
    }
    memcpy(text, w->buf, n);
    free(w->buf);
    pr_span *sp = NULL;
    if (w->nidents > 0) {
        sp = arena_alloc(&r->strings, w->nidents * sizeof *sp);
        if (sp == NULL)
            return -1;
        memcpy(sp, w->idents, w->nidents * sizeof *sp);
    }
    w->f.idents = sp;
    w->f.nidents = w->nidents;
    w->f.text = text;
    w->f.lead_len = w->lead >= 0 ? (size_t)w->lead : 0;
    r->findings[r->nfindings++] = w->f;
    return 0;
}

/* ---- module findings ----------------------------------------------- */

/* The app module's own code is named by its functions ("app.py: report
 * 38.0%, money 10.0%"); a library by the places that enter it. */
static void app_functions(writer *w, const pr_module_row *m)
{
    FILE *out = w->mem;
    size_t shown = 0;
    for (size_t i = 0; i < m->ntop && shown < 3; i++) {
        const pr_func_share *fs = &m->top[i];
        if (fs->share < 0.01 && shown > 0)
            break;
        fputs(shown == 0 ? " (" : ", ", out);
        ident_s(w, fs->label);
        fputc(' ', out);
        if (fs->estimated)
            fputs("about ", out);
        pct(out, fs->share);
        shown++;
    }
    if (shown > 0)
        fputc(')', out);
}

/* ", entered from flask_session/sessions.py: save_session 52.4%,
 * open_session 47.4%": the heaviest places that enter module m, grouped
 * by file; their shares are inclusive (time from entering m until
 * leaving it). */
static void places(writer *w, const pr_attribution *a, const pr_module_row *m)
{
    FILE *out = w->mem;
    const pr_entry_point_row *sel[4];
    size_t n = 0;
    for (size_t i = 0; i < a->nentries && n < 4; i++) {
        const pr_entry_point_row *e = &a->entries[i];
        if (strcmp(e->module, m->name) == 0 &&
            e->inclusive_s >= 0.05 * m->inclusive_s)
            sel[n++] = e;
    }
    if (n == 0)
        return;
    fputs(", entered from ", out);
    int done[4] = {0, 0, 0, 0};
    int first_file = 1;
    for (size_t i = 0; i < n; i++) {
        if (done[i])
            continue;
        if (sel[i]->via_callers != NULL) {
            /* A shared built-in: name it and who calls it, no split. */
            if (!first_file)
                fputs("; ", out);
            first_file = 0;
            ident_s(w, sel[i]->entered_from);
            fputs(" (called from ", out);
            for (const char *v = sel[i]->via_callers; *v != '\0';) {
                const char *comma = strstr(v, ", ");
                size_t len = comma ? (size_t)(comma - v) : strlen(v);
                ident(w, v, len);
                v += len;
                if (comma != NULL) {
                    fputs(", ", out);
                    v += 2;
                }
            }
            fputs(") ", out);
            if (sel[i]->estimated)
                fputs("about ", out);
            pct(out, sel[i]->share);
            done[i] = 1;
            continue;
        }
        const char *colon = strrchr(sel[i]->entered_from, ':');
        size_t flen = colon ? (size_t)(colon - sel[i]->entered_from) : 0;
        if (!first_file)
            fputs("; ", out);
        first_file = 0;
        ident(w, sel[i]->entered_from, flen);
        fputc(':', out);
        int first = 1;
        for (size_t j = i; j < n; j++) {
            if (done[j] || sel[j]->via_callers != NULL)
                continue;
            const char *cj = strrchr(sel[j]->entered_from, ':');
            size_t fj = cj ? (size_t)(cj - sel[j]->entered_from) : 0;
            if (fj != flen ||
                memcmp(sel[j]->entered_from, sel[i]->entered_from, flen) != 0)
                continue;
            done[j] = 1;
            fputs(first ? " " : ", ", out);
            first = 0;
            ident_s(w, sel[j]->entered_from + fj + (cj ? 1 : 0));
            fputc(' ', out);
            if (sel[j]->estimated)
                fputs("about ", out);
            pct(out, sel[j]->share);
        }
    }
    fputs(" (inclusive time)", out);
}

/* "62.0% of all request time (4.1 ms per request) is spent in jinja2's
 * own code, entered from ..." */
static void module_sentence(FILE *out, writer *w, const pr_attribution *a,
                            const pr_module_row *m, size_t requests,
                            const char *scope_words, int starts)
{
    double per = requests > 0 ? m->self_s * 1000 / (double)requests : 0;
    if (m->self_estimated)
        fputs(starts ? "About " : "about ", out);
    pct(out, m->self_share);
    fprintf(out, " of %s (", scope_words);
    pr__fmt_ms(out, per);
    fputs(" per request) is spent in ", out);
    if (m->kind == PR_MOD_APP) {
        fputs("the app's own code, ", out);
        ident_s(w, m->name);
    } else {
        ident_s(w, m->name);
        fputs("'s own code", out);
    }
    end_lead(w);
    if (m->kind == PR_MOD_APP)
        app_functions(w, m);
    else
        places(w, a, m);
    w->f.share = m->self_share;
    w->f.per_request_ms = per;
    w->f.estimated = m->self_estimated;
}

/* The module that holds most of the time, or NULL when none holds
 * enough to be called "where the time is". */
static const pr_module_row *top_module(const pr_attribution *a)
{
    if (a->nmodules == 0 || a->total_s <= 0)
        return NULL;
    const pr_module_row *m = &a->modules[0];
    return m->self_share >= MODULE_MIN_SHARE ? m : NULL;
}

/* A scope where no module stands out says so, naming the top three. */
static void spread_sentence(FILE *out, writer *w, const pr_attribution *a,
                            const char *scope_words)
{
    fprintf(out, "No module holds %.0f%% of %s", MODULE_MIN_SHARE * 100,
            scope_words);
    end_lead(w);
    fputs("; the largest own shares are ", out);
    for (size_t i = 0; i < a->nmodules && i < 3; i++) {
        fputs(i > 0 ? ", " : "", out);
        ident_s(w, a->modules[i].name);
        fputc(' ', out);
        pct(out, a->modules[i].self_share);
    }
    if (a->nmodules > 0) {
        w->f.subject = a->modules[0].name;
        w->f.share = a->modules[0].self_share;
    }
}

static int module_findings(writer *w)
{
    pr_report *r = w->r;
    const pr_attribution *a = &r->attr;
    if (a->nmodules == 0 || a->total_s <= 0)
        return 0;
    const pr_module_row *m = top_module(a);
    if (begin(w, PR_FINDING_MODULE, "modules", NULL,
              m != NULL ? m->name : NULL) != 0)
        return -1;
    FILE *out = w->mem;
    if (m == NULL) {
        spread_sentence(out, w, a, "all request time");
        fputs(".", out);
        return finish(w);
    }
    module_sentence(out, w, a, m, r->nrequests, "all request time", 1);
    /* Is it the top module of every endpoint? */
    size_t holds = 0, total = 0;
    double lo = 1, hi = 0;
    for (size_t i = 0; i < r->nendpoints; i++) {
        const pr_attribution *ea = &r->endpoints[i].attr;
        if (ea->nmodules == 0)
            continue;
        total++;
        if (strcmp(ea->modules[0].name, m->name) == 0) {
            double s = ea->modules[0].self_share;
            holds++;
            lo = s < lo ? s : lo;
            hi = s > hi ? s : hi;
        }
    }
    if (total > 1 && holds == total) {
        fputs("; it is the top module of every endpoint (", out);
        pct(out, lo);
        if (fabs(hi - lo) >= 0.0005) {
            fputs(" to ", out);
            pct(out, hi);
        }
        fputs(" each)", out);
    } else if (total > 1 && holds > 0) {
        fprintf(out, "; it is the top module of %zu of %zu endpoints", holds,
                total);
    }
    fputs(".", out);
    if (finish(w) != 0)
        return -1;
    /* The next modules that hold a good part too. */
    for (size_t k = 1; k < 3 && k < a->nmodules; k++) {
        const pr_module_row *mk = &a->modules[k];
        if (mk->self_share < SECOND_MIN_SHARE)
            break;
        if (begin(w, PR_FINDING_MODULE, "modules", NULL, mk->name) != 0)
            return -1;
        module_sentence(w->mem, w, a, mk, r->nrequests, "all request time",
                        1);
        fputs(".", w->mem);
        if (finish(w) != 0)
            return -1;
    }
    return 0;
}

/* For the costliest endpoints, where their time is when that differs
 * from the run's top module (or the run has none). */
static int endpoint_module_findings(writer *w)
{
    pr_report *r = w->r;
    const pr_module_row *overall = top_module(&r->attr);
    size_t made = 0;
    for (size_t i = 0; i < r->nendpoints && made < MAX_ENDPOINT_FINDINGS;
         i++) {
        const pr_endpoint_row *e = &r->endpoints[i];
        const pr_module_row *m = top_module(&e->attr);
        if (m == NULL || r->nendpoints < 2 || e->share < 0.1 ||
            (overall != NULL && strcmp(m->name, overall->name) == 0))
            continue;
        if (begin(w, PR_FINDING_MODULE, "endpoint-details", e->label,
                  m->name) != 0)
            return -1;
        FILE *out = w->mem;
        fputs("In endpoint ", out);
        ident_s(w, e->label);
        fputs(", ", out);
        module_sentence(out, w, &e->attr, m, e->requests,
                        "the endpoint's time", 0);
        const pr_module_row *m2 =
            e->attr.nmodules > 1 ? &e->attr.modules[1] : NULL;
        if (m2 != NULL && m2->self_share >= SECOND_MIN_SHARE) {
            fputs("; then ", out);
            ident_s(w, m2->name);
            fputc(' ', out);
            if (m2->self_estimated)
                fputs("about ", out);
            pct(out, m2->self_share);
            fputs(" (", out);
            pr__fmt_ms(out, e->requests ? m2->self_s * 1000 /
                                              (double)e->requests : 0);
            fputs(" per request)", out);
        }
        fputs(".", out);
        if (finish(w) != 0)
            return -1;
        made++;
    }
    return 0;
}

/* ---- endpoint findings --------------------------------------------- */

static const pr_endpoint_row *costliest(const pr_report *r)
{
    const pr_endpoint_row *top = NULL;
    for (size_t i = 0; i < r->nendpoints; i++)
        if (top == NULL || r->endpoints[i].total_ms > top->total_ms)
            top = &r->endpoints[i];
    return top;
}

static void latencies(FILE *out, const pr_endpoint_row *e, size_t all)
{
    fprintf(out, "%zu of %zu requests, mean ", e->requests, all);
    pr__fmt_ms(out, e->mean_ms);
    fputs(", p50 ", out);
    pr__fmt_ms(out, e->p50_ms);
    fputs(", p95 ", out);
    pr__fmt_ms(out, e->p95_ms);
}

static int endpoint_total_finding(writer *w)
{
    pr_report *r = w->r;
    if (r->nendpoints < 2)
        return 0;
    const pr_endpoint_row *top = costliest(r);
    if (top->share < 0.4)
        return 0;
    if (begin(w, PR_FINDING_ENDPOINT_TOTAL, "endpoints", NULL, top->label) !=
        0)
        return -1;
    FILE *out = w->mem;
    fputs("Endpoint ", out);
    ident_s(w, top->label);
    fputs(" takes ", out);
    pct(out, top->share);
    fputs(" of all request wall time", out);
    end_lead(w);
    fputs(" (", out);
    latencies(out, top, r->nrequests);
    fputs(").", out);
    w->f.share = top->share;
    w->f.per_request_ms = top->mean_ms;
    return finish(w);
}

/* The endpoint slowest at p95, when it is not the costliest in total:
 * what users of that page wait for is not what costs the service most. */
static int endpoint_latency_finding(writer *w)
{
    pr_report *r = w->r;
    if (r->nendpoints < 2)
        return 0;
    const pr_endpoint_row *slow = NULL, *next = NULL;
    for (size_t i = 0; i < r->nendpoints; i++) {
        const pr_endpoint_row *e = &r->endpoints[i];
        if (e->requests < LATENCY_MIN_REQUESTS)
            continue; /* a p95 of a handful of requests is their maximum */
        if (slow == NULL || e->p95_ms > slow->p95_ms) {
            next = slow;
            slow = e;
        } else if (next == NULL || e->p95_ms > next->p95_ms) {
            next = e;
        }
    }
    if (slow == costliest(r) || next == NULL || slow->p95_ms <= next->p95_ms)
        return 0;
    if (begin(w, PR_FINDING_ENDPOINT_LATENCY, "endpoints", NULL,
              slow->label) != 0)
        return -1;
    FILE *out = w->mem;
    fputs("The slowest endpoint is ", out);
    ident_s(w, slow->label);
    fputs(": p95 ", out);
    pr__fmt_ms(out, slow->p95_ms);
    end_lead(w);
    fputs(" against ", out);
    pr__fmt_ms(out, next->p95_ms);
    fputs(" for the next slowest, ", out);
    ident_s(w, next->label);
    fputs(" (", out);
    latencies(out, slow, r->nrequests);
    fputs(").", out);
    w->f.share = slow->share;
    w->f.per_request_ms = slow->mean_ms;
    return finish(w);
}

/* ---- latency over time --------------------------------------------- */

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of(const pr_bucket_row *b, size_t n, double *tmp)
{
    for (size_t i = 0; i < n; i++)
        tmp[i] = b[i].p50_ms;
    pr__qsort(tmp, n, sizeof *tmp, cmp_d);
    return n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
}

static double mean_of(const pr_bucket_row *b, size_t n)
{
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += b[i].p50_ms;
    return n ? sum / (double)n : 0;
}

/* A step up in latency: the split of the time buckets where the mean of
 * the buckets' p50 after it is highest relative to before it (at a clean
 * step, any other split mixes fast and slow buckets on one side; medians
 * would tie over several splits and date the step too early). The
 * sentence quotes the medians on each side. */
static int step_finding(writer *w)
{
    pr_report *r = w->r;
    size_t n = r->nbuckets;
    if (n < 4)
        return 0;
    double *tmp = malloc(n * sizeof *tmp);
    if (tmp == NULL)
        return -1;
    size_t best = 0;
    double best_ratio = 0, before = 0, after = 0;
    for (size_t k = 2; k + 2 <= n; k++) {
        double a = mean_of(r->buckets, k);
        double b = mean_of(r->buckets + k, n - k);
        double ratio = a > 0 ? b / a : 0;
        if (ratio > best_ratio) {
            best_ratio = ratio;
            best = k;
        }
    }
    if (best > 0) {
        before = median_of(r->buckets, best, tmp);
        after = median_of(r->buckets + best, n - best, tmp);
        best_ratio = before > 0 ? after / before : 0;
    }
    free(tmp);
    if (best_ratio < 1.5 || after - before < 5)
        return 0;
    /* Is it more than noise? The requests before and after the step,
     * tested with Mann-Whitney U; the step was chosen among n - 3 places,
     * so its p-value is multiplied by that (Bonferroni). Quiet unless
     * p < 0.01 and the 95 % interval of the median's rise excludes 0. */
    double t0 = r->buckets[best].start;
    double *x = malloc((r->nrequests + 1) * sizeof *x);
    double *y = malloc((r->nrequests + 1) * sizeof *y);
    if (x == NULL || y == NULL) {
        free(x);
        free(y);
        return -1;
    }
    size_t nx = 0, ny = 0;
    for (size_t i = 0; i < r->nrequests; i++) {
        const pr_request_row *q = &r->requests[i];
        if (q->time < t0)
            x[nx++] = q->wall_ms;
        else
            y[ny++] = q->wall_ms;
    }
    pr__mwu test;
    double lo = 0, hi = 0;
    int bad = pr__mwu_test(x, nx, y, ny, &test) != 0;
    double p = test.p * (double)(n - 3);
    if (!bad) {
        pr__qsort(x, nx, sizeof *x, cmp_d);
        pr__qsort(y, ny, sizeof *y, cmp_d);
        bad = pr__boot_ci(x, nx, y, ny, PR__STAT_P50, 0.95,
                          pr__boot_reps(nx, ny), 0x5745507, &lo, &hi) != 0;
    }
    free(x);
    free(y);
    if (bad)
        return -1;
    if (p >= STEP_ALPHA || lo <= 0)
        return 0; /* not told apart from noise */
    char when[32];
    pr__iso_time(r->buckets[best].start, when, sizeof when);
    char *subject = arena_strdup(&r->strings, when);
    if (subject == NULL ||
        begin(w, PR_FINDING_STEP, "latency-over-time", NULL, subject) != 0)
        return -1;
    fprintf(w->mem, "Latency rose from %s on", when);
    end_lead(w);
    fprintf(w->mem, ": the median request went from %.0f ms to %.0f ms "
                    "(%.1fx; %zu requests before, %zu after; the median "
                    "rose by %.0f to %.0f ms, 95%% interval; Mann-Whitney "
                    "p %s %.2g, corrected for the %zu places a step could "
                    "be).", before, after, best_ratio, nx, ny, lo, hi,
            p < 1e-4 ? "<" : "=", p < 1e-4 ? 1e-4 : p, n - 3);
    w->f.per_request_ms = after - before;
    return finish(w);
}

/* Slow versus typical: a module whose own time per request is at least
 * twice as high in an endpoint's slowest requests (above p90) as in its
 * typical ones (p25 to p75), significantly (the rows of pr_outliers are
 * those significant after Holm's correction). The strongest per
 * endpoint, for up to two endpoints. */
static int slow_requests_findings(writer *w)
{
    pr_report *r = w->r;
    if (r->outliers == NULL)
        return 0;
    const pr_outlier_row *rows;
    size_t n = pr_outliers_rows(r->outliers, &rows), made = 0;
    const char *last = NULL;
    for (size_t i = 0; i < n && made < 2; i++) {
        const pr_outlier_row *o = &rows[i];
        if (o->is_function || !(o->ratio >= 2) ||
            (last != NULL && strcmp(last, o->endpoint) == 0))
            continue;
        last = o->endpoint;
        if (begin(w, PR_FINDING_SLOW_REQUESTS, "endpoint-details", o->endpoint,
                  o->name) != 0)
            return -1;
        FILE *out = w->mem;
        fputs("The slowest 10% of ", out);
        ident_s(w, o->endpoint);
        fputs(" requests spend ", out);
        if (isinf(o->ratio)) {
            fputs("time in ", out);
            ident_s(w, o->name);
            fputs("'s own code that typical ones do not", out);
        } else {
            fprintf(out, "%.1fx more in ", o->ratio);
            ident_s(w, o->name);
            fputs("'s own code than typical ones", out);
        }
        end_lead(w);
        fputs(" (", out);
        pr__fmt_ms(out, o->slow_ms);
        fputs(" against ", out);
        pr__fmt_ms(out, o->typical_ms);
        fprintf(out, " per request, %zu slow and %zu typical requests; "
                     "Mann-Whitney p %s %.2g, Holm-corrected).",
                o->slow_n, o->typical_n, o->p < 1e-4 ? "<" : "=",
                o->p < 1e-4 ? 1e-4 : o->p);
        w->f.per_request_ms = o->slow_ms - o->typical_ms;
        if (finish(w) != 0)
            return -1;
        made++;
    }
    return 0;
}

static int skipped_finding(writer *w)
{
    pr_report *r = w->r;
    if (r->nskips == 0)
        return 0;
    if (begin(w, PR_FINDING_SKIPPED, "skipped-files", NULL, NULL) != 0)
        return -1;
    fprintf(w->mem, "%zu file%s could not be read and %s left out.",
            r->nskips, r->nskips == 1 ? "" : "s",
            r->nskips == 1 ? "was" : "were");
    return finish(w);
}

int pr__findings(pr_report *r)
{
    r->findings = calloc(MAX_FINDINGS, sizeof *r->findings);
    if (r->findings == NULL)
        return -1;
    writer w;
    memset(&w, 0, sizeof w);
    w.r = r;
    if (module_findings(&w) != 0 || endpoint_module_findings(&w) != 0 ||
        endpoint_total_finding(&w) != 0 ||
        endpoint_latency_finding(&w) != 0 || step_finding(&w) != 0 ||
        slow_requests_findings(&w) != 0 ||
        skipped_finding(&w) != 0)
        return -1;
    return 0;
}
