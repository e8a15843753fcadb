/* findings.c - the report's opening sentences, written from the numbers.
 *
 * The main finding follows the time down through module boundaries: from
 * the module that holds the request root, into the module it spends most
 * of its time entering, as long as that module takes at least half of the
 * time of the one above and is not the standard library or a built-in.
 * Where it stops is the module to blame ("94% of all request time is in
 * pymongo, entered from flask_session/sessions.py: open_session 46%,
 * save_session 48%").
 */
#define _POSIX_C_SOURCE 200809L
#include "sort.h"
#include "escape.h"
#include "render.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_FINDINGS = 8 };

static const pr_module_row *find_module(const pr_attribution *a,
                                        const char *name)
{
    for (size_t i = 0; i < a->nmodules; i++)
        if (strcmp(a->modules[i].name, name) == 0)
            return &a->modules[i];
    return NULL;
}

/* The module to blame in attribution a, or NULL. */
static const pr_module_row *culprit(const pr_attribution *a)
{
    if (a->tree.nnodes == 0 || a->total_s <= 0)
        return NULL;
    const pr_module_row *cur = find_module(a, a->tree.nodes[0].module);
    const pr_module_row *seen[32];
    size_t nseen = 0;
    while (cur != NULL && nseen < 32) {
        seen[nseen++] = cur;
        /* Time entering each other module from cur, summed by module. */
        const pr_module_row *best = NULL;
        double best_t = 0;
        for (size_t i = 0; i < a->nentries; i++) {
            const pr_entry_point_row *e = &a->entries[i];
            if (strcmp(e->caller_module, cur->name) != 0)
                continue;
            double t = 0;
            for (size_t j = 0; j < a->nentries; j++)
                if (strcmp(a->entries[j].caller_module, cur->name) == 0 &&
                    strcmp(a->entries[j].module, e->module) == 0)
                    t += a->entries[j].inclusive_s;
            if (t > best_t) {
                best_t = t;
                best = find_module(a, e->module);
            }
        }
        int again = 0;
        for (size_t i = 0; best != NULL && i < nseen; i++)
            again |= seen[i] == best;
        if (best == NULL || again || best->kind == PR_MOD_STDLIB ||
            best->kind == PR_MOD_BUILTIN || best_t < 0.5 * cur->inclusive_s)
            break;
        cur = best;
    }
    if (cur == NULL || nseen < 2 || cur->inclusive_share < 0.2)
        return NULL; /* still at the root: nothing below dominates */
    return cur;
}

/* Whole percents, except that nothing short of all is shown as 100%. */
static void pct(FILE *out, double share)
{
    if (share >= 0.995 && share < 1)
        fprintf(out, "%.1f%%", share * 100 > 99.9 ? 99.9 : share * 100);
    else
        fprintf(out, "%.0f%%", share * 100);
}

/* "flask_session/sessions.py: open_session 46%, save_session 48%": the
 * heaviest places that enter module m, grouped by file. */
static void places(FILE *out, const pr_attribution *a, const pr_module_row *m)
{
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
    int *done = calloc(n, sizeof *done);
    if (done == NULL)
        return;
    int first_file = 1;
    for (size_t i = 0; i < n; i++) {
        if (done[i])
            continue;
        const char *colon = strrchr(sel[i]->entered_from, ':');
        size_t flen = colon ? (size_t)(colon - sel[i]->entered_from) : 0;
        if (!first_file)
            fputs("; ", out);
        first_file = 0;
        esc_md(out, sel[i]->entered_from, flen);
        fputs(":", out);
        int first = 1;
        for (size_t j = i; j < n; j++) {
            const char *cj = strrchr(sel[j]->entered_from, ':');
            size_t fj = cj ? (size_t)(cj - sel[j]->entered_from) : 0;
            if (done[j] || fj != flen ||
                memcmp(sel[j]->entered_from, sel[i]->entered_from, flen) != 0)
                continue;
            done[j] = 1;
            fputs(first ? " " : ", ", out);
            first = 0;
            const char *fn = sel[j]->entered_from + fj + (cj ? 1 : 0);
            esc_md(out, fn, strlen(fn));
            fputc(' ', out);
            if (sel[j]->estimated)
                fputs("about ", out);
            pct(out, sel[j]->share);
        }
    }
    free(done);
}

typedef struct writer {
    pr_report *r;
    char *buf;
    size_t len;
    FILE *mem;
} writer;

static int begin(writer *w)
{
    w->buf = NULL;
    w->len = 0;
    w->mem = open_memstream(&w->buf, &w->len);
    return w->mem == NULL ? -1 : 0;
}

static int finish(writer *w, const char *anchor)
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
    r->findings[r->nfindings].text = text;
    r->findings[r->nfindings].anchor = anchor;
    r->nfindings++;
    return 0;
}

static int module_finding(writer *w)
{
    pr_report *r = w->r;
    const pr_module_row *m = culprit(&r->attr);
    if (m == NULL)
        return 0;
    if (begin(w) != 0)
        return -1;
    FILE *out = w->mem;
    fputs("**", out);
    if (m->estimated)
        fputs("About ", out);
    pct(out, m->inclusive_share);
    fputs(" of all request time is spent in ", out);
    esc_md(out, m->name, strlen(m->name));
    fputs("**", out);
    places(out, &r->attr, m);
    /* Does it hold for every endpoint? */
    size_t holds = 0, total = 0;
    double lo = 1, hi = 0;
    for (size_t i = 0; i < r->nendpoints; i++) {
        const pr_module_row *em = find_module(&r->endpoints[i].attr, m->name);
        double s = em ? em->inclusive_share : 0;
        total++;
        if (s >= 0.5) {
            holds++;
            lo = s < lo ? s : lo;
            hi = s > hi ? s : hi;
        }
    }
    if (total > 1 && holds == total) {
        fputs("; this holds for every endpoint (", out);
        pct(out, lo);
        if ((int)(lo * 1000) != (int)(hi * 1000)) {
            fputs(" to ", out);
            pct(out, hi);
        }
        fputs(" each)", out);
    } else if (total > 1 && holds > 0) {
        fprintf(out, "; it is over half the time of %zu of %zu endpoints",
                holds, total);
    }
    fputs(". See [Modules](#modules) and "
          "[Module entry points](#module-entry-points).", out);
    return finish(w, "modules");
}

static int endpoint_finding(writer *w)
{
    pr_report *r = w->r;
    if (r->nendpoints < 2)
        return 0;
    const pr_endpoint_row *top = &r->endpoints[0];
    for (size_t i = 1; i < r->nendpoints; i++)
        if (r->endpoints[i].share > top->share)
            top = &r->endpoints[i];
    if (top->share < 0.4)
        return 0;
    if (begin(w) != 0)
        return -1;
    FILE *out = w->mem;
    fputs("**Endpoint ", out);
    esc_md(out, top->label, strlen(top->label));
    fputs(" takes ", out);
    pct(out, top->share);
    fprintf(out, " of all request wall time** (%zu of %zu requests, p50 "
                 "%.0f ms, p95 %.0f ms). See [Endpoints](#endpoints).",
            top->requests, r->nrequests, top->p50_ms, top->p95_ms);
    return finish(w, "endpoints");
}

/* For the costliest endpoints, their own culprit when it differs. */
static int per_endpoint_findings(writer *w)
{
    pr_report *r = w->r;
    const pr_module_row *overall = culprit(&r->attr);
    for (size_t i = 0; i < r->nendpoints && i < 3; i++) {
        const pr_endpoint_row *e = &r->endpoints[i];
        const pr_module_row *m = culprit(&e->attr);
        if (m == NULL || (overall != NULL && strcmp(m->name, overall->name) == 0))
            continue;
        if (e->share < 0.1)
            continue;
        if (begin(w) != 0)
            return -1;
        FILE *out = w->mem;
        fputs("In endpoint ", out);
        esc_md(out, e->label, strlen(e->label));
        fputs(", ", out);
        if (m->estimated)
            fputs("about ", out);
        pct(out, m->inclusive_share);
        fputs(" of the time is in ", out);
        esc_md(out, m->name, strlen(m->name));
        places(out, &e->attr, m);
        fputs(". See [Endpoint details](#endpoint-details).", out);
        if (finish(w, "endpoint-details") != 0)
            return -1;
    }
    return 0;
}

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
static int regression_finding(writer *w)
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
    if (begin(w) != 0)
        return -1;
    char when[32];
    pr__iso_time(r->buckets[best].start, when, sizeof when);
    fprintf(w->mem, "**Latency rose from %s on:** the median request went "
                    "from %.0f ms to %.0f ms (%.1fx). See "
                    "[Latency over time](#latency-over-time).",
            when, before, after, best_ratio);
    return finish(w, "latency-over-time");
}

static int skipped_finding(writer *w)
{
    pr_report *r = w->r;
    if (r->nskips == 0)
        return 0;
    if (begin(w) != 0)
        return -1;
    fprintf(w->mem, "%zu file%s could not be read and %s left out. See "
                    "[Skipped files](#skipped-files).",
            r->nskips, r->nskips == 1 ? "" : "s",
            r->nskips == 1 ? "was" : "were");
    return finish(w, "skipped-files");
}

int pr__findings(pr_report *r)
{
    r->findings = calloc(MAX_FINDINGS, sizeof *r->findings);
    if (r->findings == NULL)
        return -1;
    writer w = {r, NULL, 0, NULL};
    if (module_finding(&w) != 0 || endpoint_finding(&w) != 0 ||
        per_endpoint_findings(&w) != 0 || regression_finding(&w) != 0 ||
        skipped_finding(&w) != 0)
        return -1;
    return 0;
}
