/* render_md.c - the Markdown report. Everything here is also the text of
 * the HTML report, so HTML and Markdown never say different things. */
#include "escape.h"
#include "render.h"

#include <string.h>

static void md(FILE *out, const char *s) { esc_md(out, s, strlen(s)); }

static void ncalls(FILE *out, const pr_func_row *f)
{
    if (f->nc == f->cc)
        fprintf(out, "%lld", (long long)f->nc);
    else
        fprintf(out, "%lld/%lld", (long long)f->nc, (long long)f->cc);
}

/* A wall time in a sentence: "840 ms", "7.42 s". */
static void duration(FILE *out, double ms)
{
    if (ms < 1000)
        fprintf(out, "%.0f ms", ms);
    else if (ms < 100000)
        fprintf(out, "%.2f s", ms / 1000);
    else
        fprintf(out, "%.0f s", ms / 1000);
}

/* pstats' columns: ncalls, tottime, percall (tt/nc), cumtime, percall
 * (ct/cc), file:line(function); percall blank when its divisor is 0. */
static void func_table(const pr_func_row *rows, const size_t *order,
                       size_t n, size_t total, FILE *out)
{
    fputs("| ncalls | tottime | percall | cumtime | percall | "
          "filename:lineno(function) |\n"
          "|---:|---:|---:|---:|---:|:---|\n", out);
    for (size_t k = 0; k < n; k++) {
        const pr_func_row *f = &rows[order ? order[k] : k];
        fputs("| ", out);
        ncalls(out, f);
        fprintf(out, " | %.3f | ", f->tt);
        if (f->nc > 0)
            fprintf(out, "%.3f", f->tt / (double)f->nc);
        fprintf(out, " | %.3f | ", f->ct);
        if (f->cc > 0)
            fprintf(out, "%.3f", f->ct / (double)f->cc);
        fputs(" | ", out);
        pr__func_label(&f->key, esc_md, out);
        fputs(" |\n", out);
    }
    if (total > n)
        fprintf(out, "\n%zu of %zu functions shown (`--top`).\n", n, total);
}

static void header(const pr_report *r, FILE *out)
{
    const pr_summary *s = &r->sum;
    fputs("# profreport\n\n", out);
    fprintf(out, "- **Read:** %zu profile%s, one request each", s->files,
            s->files == 1 ? "" : "s");
    if (s->filtered > 0)
        fprintf(out, "; %zu more left out by filters", s->filtered);
    if (s->skipped > 0)
        fprintf(out, "; %zu file%s skipped (see [Skipped files](#skipped-files))",
                s->skipped, s->skipped == 1 ? "" : "s");
    fputs("\n", out);
    fprintf(out, "- **Profiled time:** %.3f s in all requests; "
                 "%lld function calls", s->profiled_s,
            (long long)s->total_calls);
    if (s->primitive_calls != s->total_calls)
        fprintf(out, " (%lld primitive calls)", (long long)s->primitive_calls);
    fprintf(out, " in %.3f s of own time, %zu distinct functions\n",
            s->total_tt, s->functions);
    if (s->files > 0) {
        char a[32], b[32];
        pr__iso_time(s->first_time, a, sizeof a);
        pr__iso_time(s->last_time, b, sizeof b);
        fprintf(out, "- **Time span:** %s to %s (", a, b);
        duration(out, (s->last_time - s->first_time) * 1000);
        fputs(")\n", out);
    }
    fputs("\n", out);
}

static void endpoint_table(const pr_report *r, FILE *out)
{
    if (r->nendpoints == 0)
        return;
    fputs("## Endpoints\n\n"
          "| endpoint | method | requests | total ms | share | mean ms | "
          "p50 | p90 | p95 | p99 | max |\n"
          "|:---|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n", out);
    for (size_t i = 0; i < r->nendpoints; i++) {
        const pr_endpoint_row *e = &r->endpoints[i];
        fputs("| ", out);
        md(out, e->label);
        fputs(" | ", out);
        md(out, e->method);
        fprintf(out, " | %zu | %.0f | %.1f%% | %.1f | %.0f | %.0f | %.0f | "
                     "%.0f | %.0f |\n",
                e->requests, e->total_ms, e->share * 100, e->mean_ms,
                e->p50_ms, e->p90_ms, e->p95_ms, e->p99_ms, e->max_ms);
    }
    fputs("\nLatencies are wall times in ms, from the file names (else the "
          "profiled time); percentiles use the nearest-rank method. ", out);
    fputs("Endpoints are the view functions Flask dispatched to, or the "
          "method and URL pattern.\n\n", out);
}

static void time_table(const pr_report *r, FILE *out)
{
    if (r->nbuckets < 2)
        return;
    fputs("## Latency over time\n\n", out);
    fputs("| bucket start (UTC) | requests | p50 ms | p95 ms | max ms |\n"
          "|:---|---:|---:|---:|---:|\n", out);
    for (size_t i = 0; i < r->nbuckets; i++) {
        const pr_bucket_row *b = &r->buckets[i];
        char when[32];
        pr__iso_time(b->start, when, sizeof when);
        fprintf(out, "| %s | %zu | %.0f | %.0f | %.0f |\n", when, b->requests,
                b->p50_ms, b->p95_ms, b->max_ms);
    }
    fputs("\nBuckets of ", out);
    duration(out, r->bucket_s * 1000);
    fputs(" (`--bucket`); empty buckets are not shown.\n\n", out);
}

static void slowest(const pr_report *r, FILE *out)
{
    size_t n = r->nrequests < r->opts.top ? r->nrequests : r->opts.top;
    if (n == 0)
        return;
    fputs("## Slowest requests\n\n"
          "| wall ms | endpoint | method | path | time (UTC) | file |\n"
          "|---:|:---|:---|:---|:---|:---|\n", out);
    for (size_t k = 0; k < n; k++) {
        const pr_request_row *q = &r->requests[r->slowest[k]];
        char when[32];
        pr__iso_time(q->time, when, sizeof when);
        fprintf(out, "| %.0f | ", q->wall_ms);
        md(out, r->endpoints[q->endpoint].label);
        fputs(" | ", out);
        md(out, q->method);
        fputs(" | ", out);
        md(out, q->path);
        fprintf(out, " | %s | ", when);
        md(out, q->file);
        fputs(" |\n", out);
    }
    fputs("\n", out);
}

static void endpoint_details(const pr_report *r, FILE *out)
{
    if (r->nendpoints == 0)
        return;
    fputs("## Endpoint details\n\n", out);
    for (size_t i = 0; i < r->nendpoints; i++) {
        const pr_endpoint_row *e = &r->endpoints[i];
        fputs("### ", out);
        md(out, e->label);
        fprintf(out, "\n\n%zu request%s, p50 ", e->requests,
                e->requests == 1 ? "" : "s");
        duration(out, e->p50_ms);
        fputs(", p95 ", out);
        duration(out, e->p95_ms);
        fputs(", slowest ", out);
        duration(out, e->max_ms);
        fputs(" (", out);
        md(out, e->slowest_file);
        fputs(").", out);
        if (e->nexamples > 0) {
            fputs(" Paths:", out);
            for (size_t k = 0; k < e->nexamples; k++) {
                fputs(k ? ", " : " ", out);
                md(out, e->examples[k]);
            }
            fputs(".", out);
        }
        fputs("\n\nBy self time:\n\n", out);
        func_table(e->funcs_tt, NULL, e->nfuncs_top, e->nfuncs, out);
        fputs("\nBy cumulative time:\n\n", out);
        func_table(e->funcs_ct, NULL, e->nfuncs_top, e->nfuncs, out);
        fputs("\n", out);
    }
}

static void skipped(const pr_report *r, FILE *out)
{
    if (r->nskips == 0)
        return;
    fputs("## Skipped files\n\n| file | offset | reason |\n|:---|---:|:---|\n",
          out);
    for (size_t i = 0; i < r->nskips; i++) {
        const report_skip *k = &r->skips[i];
        fputs("| ", out);
        md(out, k->path);
        fputs(" | ", out);
        if (k->err.offset != PR_NO_OFFSET)
            fprintf(out, "%llu", (unsigned long long)k->err.offset);
        fputs(" | ", out);
        md(out, k->err.msg);
        fputs(" |\n", out);
    }
    fputs("\n", out);
}

void render_md(const pr_report *r, FILE *out)
{
    header(r, out);
    endpoint_table(r, out);
    time_table(r, out);
    slowest(r, out);
    if (r->nfuncs > 0) {
        size_t n = r->nfuncs < r->opts.top ? r->nfuncs : r->opts.top;
        fputs("## Top functions by self time\n\n", out);
        func_table(r->funcs, r->by_tt, n, r->nfuncs, out);
        fputs("\n## Top functions by cumulative time\n\n", out);
        func_table(r->funcs, r->by_ct, n, r->nfuncs, out);
        fputs("\n", out);
    }
    endpoint_details(r, out);
    skipped(r, out);
}
