/* render_md.c - the Markdown report. Everything here is also the text of
 * the HTML report, so HTML and Markdown never say different things. */
#include "escape.h"
#include "render.h"

#include <string.h>

static void ncalls(FILE *out, const pr_func_row *f)
{
    if (f->nc == f->cc)
        fprintf(out, "%lld", (long long)f->nc);
    else
        fprintf(out, "%lld/%lld", (long long)f->nc, (long long)f->cc);
}

/* pstats' columns: ncalls, tottime, percall (tt/nc), cumtime, percall
 * (ct/cc), file:line(function); percall blank when its divisor is 0. */
static void func_table(const pr_report *r, const size_t *order, FILE *out)
{
    fputs("| ncalls | tottime | percall | cumtime | percall | "
          "filename:lineno(function) |\n"
          "|---:|---:|---:|---:|---:|:---|\n", out);
    size_t n = r->nfuncs < r->opts.top ? r->nfuncs : r->opts.top;
    for (size_t k = 0; k < n; k++) {
        const pr_func_row *f = &r->funcs[order[k]];
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
    if (r->nfuncs > n)
        fprintf(out, "\n%zu of %zu functions shown (`--top`).\n", n,
                r->nfuncs);
}

static void header(const pr_report *r, FILE *out)
{
    const pr_summary *s = &r->sum;
    fputs("# profreport\n\n", out);
    fprintf(out, "- **Read:** %zu profile%s (one request each)", s->files,
            s->files == 1 ? "" : "s");
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
        double span = s->last_time - s->first_time;
        fprintf(out, "- **Time span:** %s to %s (%.0f s)\n", a, b, span);
    }
    fputs("\n", out);
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
        esc_md(out, k->path, strlen(k->path));
        fputs(" | ", out);
        if (k->err.offset != PR_NO_OFFSET)
            fprintf(out, "%llu", (unsigned long long)k->err.offset);
        fputs(" | ", out);
        esc_md(out, k->err.msg, strlen(k->err.msg));
        fputs(" |\n", out);
    }
    fputs("\n", out);
}

void render_md(const pr_report *r, FILE *out)
{
    header(r, out);
    if (r->nfuncs > 0) {
        fputs("## Top functions by self time\n\n", out);
        func_table(r, r->by_tt, out);
        fputs("\n## Top functions by cumulative time\n\n", out);
        func_table(r, r->by_ct, out);
        fputs("\n", out);
    }
    skipped(r, out);
}
