/* render_md.c - the Markdown report. Everything here is also the text of
 * the HTML report, so HTML and Markdown never say different things. */
#define _POSIX_C_SOURCE 200809L
#include "escape.h"
#include "render.h"

#include <stdlib.h>
#include <string.h>

static void md(FILE *out, const char *s) { esc_md(out, s, strlen(s)); }

/* Identifiers (modules, function labels, file:line, paths, file names,
 * module chains, endpoint labels) are code spans, in paragraphs and in table cells, so the
 * raw Markdown reads as the names do. */
static void code(FILE *out, const char *s) { esc_code(out, s, strlen(s)); }
static void cell(FILE *out, const char *s) { esc_code_cell(out, s, strlen(s)); }

static void raw(FILE *out, const char *p, size_t n) { fwrite(p, 1, n, out); }

/* A request path as its URL ("/report/sales"), as a code span. */
static void url_code(FILE *out, const char *dotted, int in_table)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (m != NULL)
        pr__url_path(dotted, raw, m);
    if (m == NULL || fclose(m) != 0 || buf == NULL)
        pr__url_path(dotted, esc_md, out); /* readable, if not as code */
    else if (in_table)
        cell(out, buf);
    else
        code(out, buf);
    free(buf);
}

/* pstats' label of k as a code span in a table cell. */
static void label_cell(FILE *out, const pr_func_key *k)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (m == NULL) {
        pr__func_label(k, esc_md, out); /* readable, if not as code */
        return;
    }
    pr__func_label(k, raw, m);
    if (fclose(m) == 0)
        esc_code_cell(out, buf, len);
    else
        pr__func_label(k, esc_md, out);
    free(buf);
}

/* What every section writer gets: the report, the stream, and the hooks
 * to call where a part starts (render.h). */
typedef struct mdw {
    const pr_report *r;
    FILE *out;
    const pr__md_hooks *hooks;
} mdw;

static void mark(const mdw *w, pr__md_part part, size_t index)
{
    if (w->hooks != NULL && w->hooks->mark != NULL)
        w->hooks->mark(w->hooks->ctx, part, index);
}

static void ncalls(FILE *out, const pr_func_row *f)
{
    if (f->nc == f->cc)
        fprintf(out, "%lld", (long long)f->nc);
    else
        fprintf(out, "%lld/%lld", (long long)f->nc, (long long)f->cc);
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
        label_cell(out, &f->key);
        fputs(" |\n", out);
    }
    if (total > n)
        fprintf(out, "\n%zu of %zu functions shown (`--top`).\n", n, total);
}

static void header(const mdw *w)
{
    const pr_report *r = w->r;
    FILE *out = w->out;
    const pr_summary *s = &r->sum;
    fputs("# profreport\n\n", out);
    if (r->opts.ninputs > 0) {
        fprintf(out, "- **Input%s:** ", r->opts.ninputs == 1 ? "" : "s");
        pr__inputs_text(r, esc_code, out);
        fputs("\n", out);
    }
    fprintf(out, "- **Read:** %zu profile%s, one request each", s->files,
            s->files == 1 ? "" : "s");
    if (s->filtered > 0)
        fprintf(out, "; %zu more left out by filters", s->filtered);
    if (s->skipped > 0)
        fprintf(out, "; %zu file%s skipped (see [Skipped files](#skipped-files))",
                s->skipped, s->skipped == 1 ? "" : "s");
    fputs("\n", out);
    fprintf(out, "- **Profiled time:** %.3f s of own time in all requests "
                 "(pstats' total, the base of every share below; the "
                 "requests' outermost calls measured %.3f s); %lld function "
                 "calls", s->total_tt, s->profiled_s,
            (long long)s->total_calls);
    if (s->primitive_calls != s->total_calls)
        fprintf(out, " (%lld primitive calls)", (long long)s->primitive_calls);
    fprintf(out, ", %zu distinct functions\n", s->functions);
    if (s->wall_from_profile > 0 && s->wall_from_profile == s->files &&
        s->wall_contradicted == 0) {
        fputs("- **Wall time:** the profiled time: no file name gave one "
              "(`wall_source` in `-f csv -t requests`)\n", out);
    } else if (s->wall_from_profile > 0) {
        size_t none = s->wall_from_profile - s->wall_contradicted;
        fprintf(out, "- **Wall time:** from the file names, except %zu "
                     "request%s timed by the profile instead (",
                s->wall_from_profile, s->wall_from_profile == 1 ? "" : "s");
        if (s->wall_contradicted > 0)
            fprintf(out, "%zu whose name gave less than the profile "
                         "measured%s", s->wall_contradicted,
                    none > 0 ? ", " : "");
        if (none > 0)
            fprintf(out, "%zu whose name gave no time", none);
        fputs("; `wall_source` in `-f csv -t requests`)\n", out);
    }
    if (s->files > 0) {
        char a[32], b[32];
        pr__iso_time(s->first_time, a, sizeof a);
        pr__iso_time(s->last_time, b, sizeof b);
        fprintf(out, "- **Time span:** %s to %s (", a, b);
        pr__fmt_ms(out, (s->last_time - s->first_time) * 1000);
        fputs(")\n", out);
    }
    fputs("- **Report:** made ", out);
    if (r->opts.generated_at > 0) {
        char when[32];
        pr__iso_time(r->opts.generated_at, when, sizeof when);
        fprintf(out, "%s ", when);
    }
    fputs("by profreport " PR_VERSION_STRING "\n", out);
    fputs("\n", out);
}

static void endpoint_table(const mdw *w)
{
    const pr_report *r = w->r;
    FILE *out = w->out;
    if (r->nendpoints == 0)
        return;
    mark(w, PR__MD_ENDPOINTS, 0);
    fputs("## Endpoints\n\n"
          "| endpoint | method | requests | total ms | share | mean ms | "
          "p50 | p90 | p95 | p99 | max |\n"
          "|:---|:---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n", out);
    for (size_t i = 0; i < r->nendpoints; i++) {
        const pr_endpoint_row *e = &r->endpoints[i];
        fputs("| ", out);
        cell(out, e->label);
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

/* The part of a bucket with data: its width, or "6.00 s of 1 min". */
static void bucket_width(FILE *out, const pr_bucket_row *b)
{
    double covered = b->to - b->from;
    if (covered <= 0) {
        fputs("0 s of ", out); /* requests at one instant */
    } else if (covered < b->width_s - 1e-9) {
        pr__fmt_ms(out, covered * 1000);
        fputs(" of ", out);
    }
    pr__fmt_span(out, b->width_s);
}

static void time_table(const mdw *w)
{
    const pr_report *r = w->r;
    FILE *out = w->out;
    if (r->nrequests == 0)
        return;
    mark(w, PR__MD_LATENCY, 0);
    fputs("## Latency over time\n\n", out);
    if (r->nbuckets == 0) {
        fputs("The requests span ", out);
        pr__fmt_ms(out, (r->sum.last_time - r->sum.first_time) * 1000);
        fprintf(out, ", too short to cut into time buckets (%g s at least; "
                     "`--bucket` sets a size).\n\n", PR_MIN_BUCKET_SPAN);
        return;
    }
    if (r->nbuckets == 1) {
        fprintf(out, "All %zu request%s fall in one bucket of ", r->nrequests,
                r->nrequests == 1 ? "" : "s");
        pr__fmt_span(out, r->bucket_s);
        fputs(" (`--bucket`): nothing to compare over time.\n\n", out);
        return;
    }
    fputs("| start (UTC) | width | requests | p50 ms | p95 ms | max ms |\n"
          "|:---|---:|---:|---:|---:|---:|\n", out);
    int cut = 0;
    for (size_t i = 0; i < r->nbuckets; i++) {
        const pr_bucket_row *b = &r->buckets[i];
        char when[32];
        pr__iso_time(b->from, when, sizeof when);
        fprintf(out, "| %s | ", when);
        bucket_width(out, b);
        fprintf(out, " | %zu | %.0f | %.0f | %.0f |\n", b->requests,
                b->p50_ms, b->p95_ms, b->max_ms);
        cut |= b->to - b->from < b->width_s - 1e-9;
    }
    fputs("\nBuckets of ", out);
    pr__fmt_span(out, r->bucket_s);
    fputs(" (`--bucket`), aligned to whole multiples of it in UTC", out);
    if (cut)
        fputs("; a bucket the capture covers only in part (from its first "
              "to its last request) starts and ends where its data does", out);
    fputs("; empty buckets are not shown.\n\n", out);
}

static void slowest(const mdw *w)
{
    const pr_report *r = w->r;
    FILE *out = w->out;
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
        cell(out, r->endpoints[q->endpoint].label);
        fputs(" | ", out);
        md(out, q->method);
        fputs(" | ", out);
        url_code(out, q->path, 1);
        fprintf(out, " | %s | ", when);
        cell(out, pr__rel_file(r, q->file));
        fputs(" |\n", out);
    }
    fputs("\n", out);
}

/* The title of the section a finding links to. */
static const char *section_title(const char *section)
{
    static const char *const titles[][2] = {
        {"modules", "Modules"},
        {"endpoints", "Endpoints"},
        {"endpoint-details", "Endpoint details"},
        {"latency-over-time", "Latency over time"},
        {"skipped-files", "Skipped files"},
    };
    for (size_t i = 0; i < sizeof titles / sizeof titles[0]; i++)
        if (strcmp(titles[i][0], section) == 0)
            return titles[i][1];
    return NULL;
}

/* text[from, to) of a finding: its identifiers as code spans, the rest
 * escaped. */
static void finding_part(FILE *out, const pr_finding *f, size_t from,
                         size_t to)
{
    size_t at = from;
    for (size_t k = 0; k < f->nidents && at < to; k++) {
        size_t a = f->idents[k].off, b = a + f->idents[k].len;
        if (b <= at || a >= to)
            continue;
        if (a < at)
            a = at;
        if (b > to)
            b = to;
        esc_md(out, f->text + at, a - at);
        esc_code(out, f->text + a, b - a);
        at = b;
    }
    esc_md(out, f->text + at, to - at);
}

static void findings(const pr_report *r, FILE *out)
{
    if (r->nfindings == 0)
        return;
    fputs("## Findings\n\n", out);
    for (size_t i = 0; i < r->nfindings; i++) {
        const pr_finding *f = &r->findings[i];
        size_t len = strlen(f->text);
        fprintf(out, "%zu. ", i + 1);
        if (f->lead_len > 0) {
            fputs("**", out);
            finding_part(out, f, 0, f->lead_len);
            fputs("**", out);
        }
        finding_part(out, f, f->lead_len, len);
        const char *title = section_title(f->section);
        if (title != NULL)
            fprintf(out, " See [%s](#%s).", title, f->section);
        fputs("\n", out);
    }
    fputs("\n", out);
}

static void inclusive(FILE *out, double s, int estimated)
{
    fprintf(out, "%s%.3f", estimated ? "\u2248" : "", s);
}

static const char ESTIMATE_NOTE[] =
    "\u2248 marks an estimate. pstats keeps caller edges, not stacks. A "
    "built-in's own time is split over its callers exactly (cProfile "
    "records it per edge), but through a chain of standard-library calls "
    "used by several modules it is split by each caller's cumulative "
    "time. A module's inclusive time is the cumulative time on the edges "
    "that enter it, exact when the calling function cannot run while the "
    "module is already active; when it can (re-entry), the figure is read "
    "off the call tree rebuilt from the edges.";

static const char OWN_NOTE[] =
    "Own time is a module's own code plus the built-ins and "
    "standard-library code it calls, never time in another library or in "
    "app code it calls back; own times add up to the profiled time. "
    "Inclusive time is from entering the module until leaving it, callees "
    "in other modules included.";

static void module_table(const pr_attribution *a, size_t top, FILE *out)
{
    fputs("| module | kind | own s | own | heaviest functions (own) | "
          "inclusive s | inclusive | calls in |\n"
          "|:---|:---|---:|---:|:---|---:|---:|---:|\n", out);
    size_t n = a->nmodules < top ? a->nmodules : top;
    int est = 0;
    for (size_t i = 0; i < n; i++) {
        const pr_module_row *m = &a->modules[i];
        const char *approx = m->self_estimated ? "\u2248" : "";
        fputs("| ", out);
        cell(out, m->name);
        fprintf(out, " | %s | %s%.3f | %s%.1f%% | ",
                pr_module_kind_name(m->kind), approx, m->self_s, approx,
                m->self_share * 100);
        for (size_t k = 0; k < m->ntop && k < 2; k++) {
            if (k > 0 && m->top[k].share < 0.001)
                break;
            fputs(k > 0 ? ", " : "", out);
            cell(out, m->top[k].label);
            fprintf(out, " %s%.1f%%", m->top[k].estimated ? "\u2248" : "",
                    m->top[k].share * 100);
        }
        fputs(" | ", out);
        inclusive(out, m->inclusive_s, m->estimated);
        fprintf(out, " | %s%.1f%% | %lld |\n", m->estimated ? "\u2248" : "",
                m->inclusive_share * 100, (long long)m->calls);
        est |= m->estimated | m->self_estimated;
    }
    if (a->nmodules > n)
        fprintf(out, "\n%zu of %zu modules shown.\n", n, a->nmodules);
    fprintf(out, "\n%s\n", OWN_NOTE);
    if (est)
        fprintf(out, "\n%s\n", ESTIMATE_NOTE);
}

static void entry_table(const pr_attribution *a, size_t top, FILE *out)
{
    fputs("| module | entered from | caller module | inclusive s | share | "
          "calls | module chain |\n"
          "|:---|:---|:---|---:|---:|---:|:---|\n", out);
    size_t n = a->nentries < top ? a->nentries : top;
    for (size_t i = 0; i < n; i++) {
        const pr_entry_point_row *e = &a->entries[i];
        fputs("| ", out);
        cell(out, e->module);
        fputs(" | ", out);
        cell(out, e->entered_from);
        fputs(" | ", out);
        cell(out, e->caller_module);
        fputs(" | ", out);
        inclusive(out, e->inclusive_s, e->estimated);
        fprintf(out, " | %.1f%% | %lld | ", e->share * 100,
                (long long)e->calls);
        cell(out, e->chain);
        fputs(" |\n", out);
    }
    if (a->nentries > n)
        fprintf(out, "\n%zu of %zu entry points shown.\n", n, a->nentries);
}

/* The tree as an indented listing in a fenced block: every line starts
 * with a digit or a space, so no line can close the fence. */
static void call_tree(const pr_tree *t, FILE *out)
{
    if (t->nnodes == 0)
        return;
    fputs("~~~~ text\n", out);
    for (size_t i = 0; i < t->nnodes; i++) {
        const pr_tree_node *n = &t->nodes[i];
        double share = t->total_s > 0 ? n->time_s / t->total_s : 0;
        fprintf(out, "%5.1f%% %9.3f s  ", share * 100, n->time_s);
        for (size_t d = 0; d < n->depth && d < 60; d++)
            fputs("  ", out);
        esc_plain(out, n->label, strlen(n->label));
        fputs("  [", out);
        esc_plain(out, n->module, strlen(n->module));
        fputs("]\n", out);
    }
    fputs("~~~~\n", out);
    if (t->hidden_nodes > 0)
        fprintf(out, "\n%zu smaller paths hidden (under the cut-off share, "
                     "`--tree-min`).\n", t->hidden_nodes);
}

static void attribution(const mdw *w)
{
    const pr_report *r = w->r;
    FILE *out = w->out;
    const pr_attribution *a = &r->attr;
    if (a->nmodules == 0)
        return;
    mark(w, PR__MD_MODULES, 0);
    fputs("## Modules\n\n", out);
    module_table(a, r->opts.top, out);
    fputs("\n", out);
    if (a->nentries > 0) {
        fputs("## Module entry points\n\n", out);
        entry_table(a, r->opts.top, out);
        fputs("\n", out);
    }
    mark(w, PR__MD_CALL_TREE, 0);
    fputs("## Call tree\n\n", out);
    call_tree(&a->tree, out);
    fputs("\nRebuilt from caller edges: a function's time is split over its "
          "callers by the edges' own cumulative times, and recursion is cut "
          "where a function reappears on its own path.\n\n", out);
}

static void endpoint_details(const mdw *w)
{
    const pr_report *r = w->r;
    FILE *out = w->out;
    if (r->nendpoints == 0)
        return;
    mark(w, PR__MD_DETAILS, 0);
    fputs("## Endpoint details\n\n", out);
    /* The first --top endpoints in table order: the costly ones. */
    size_t shown = r->nendpoints < r->opts.top ? r->nendpoints : r->opts.top;
    if (shown < r->nendpoints)
        fprintf(out, "The first %zu of %zu endpoints, in the order of the "
                     "endpoint table (`--top`).\n\n", shown, r->nendpoints);
    for (size_t i = 0; i < shown; i++) {
        const pr_endpoint_row *e = &r->endpoints[i];
        mark(w, PR__MD_EP, i);
        fputs("### ", out);
        code(out, e->label);
        fprintf(out, "\n\n%zu request%s, p50 ", e->requests,
                e->requests == 1 ? "" : "s");
        pr__fmt_ms(out, e->p50_ms);
        fputs(", p95 ", out);
        pr__fmt_ms(out, e->p95_ms);
        fputs(", slowest ", out);
        pr__fmt_ms(out, e->max_ms);
        fputs(" (", out);
        code(out, pr__rel_file(r, e->slowest_file));
        fputs(").", out);
        if (e->nexamples > 0) {
            fputs(" Paths:", out);
            for (size_t k = 0; k < e->nexamples; k++) {
                fputs(k ? ", " : " ", out);
                url_code(out, e->examples[k], 0);
            }
            fputs(".", out);
        }
        fputs("\n\nBy self time:\n\n", out);
        func_table(e->funcs_tt, NULL, e->nfuncs_top, e->nfuncs, out);
        fputs("\nBy cumulative time:\n\n", out);
        func_table(e->funcs_ct, NULL, e->nfuncs_top, e->nfuncs, out);
        if (e->attr.nmodules > 0) {
            fputs("\n", out);
            mark(w, PR__MD_EP_MODULES, i);
            fputs("Modules:\n\n", out);
            module_table(&e->attr, 5, out);
        }
        if (e->attr.nentries > 0) {
            fputs("\nEntry points:\n\n", out);
            entry_table(&e->attr, 5, out);
        }
        if (e->attr.tree.nnodes > 0) {
            fputs("\n", out);
            mark(w, PR__MD_EP_CALL_TREE, i);
            fputs("Call tree:\n\n", out);
            call_tree(&e->attr.tree, out);
        }
        fputs("\n", out);
    }
}

static void skipped(const mdw *w)
{
    const pr_report *r = w->r;
    FILE *out = w->out;
    if (r->nskips == 0)
        return;
    fputs("## Skipped files\n\n| file | offset | reason |\n|:---|---:|:---|\n",
          out);
    for (size_t i = 0; i < r->nskips; i++) {
        const report_skip *k = &r->skips[i];
        fputs("| ", out);
        cell(out, k->path);
        fputs(" | ", out);
        if (k->err.offset != PR_NO_OFFSET)
            fprintf(out, "%llu", (unsigned long long)k->err.offset);
        fputs(" | ", out);
        md(out, k->err.msg);
        fputs(" |\n", out);
    }
    fputs("\n", out);
}

static void top_functions(const mdw *w)
{
    const pr_report *r = w->r;
    FILE *out = w->out;
    if (r->nfuncs == 0)
        return;
    size_t n = r->nfuncs < r->opts.top ? r->nfuncs : r->opts.top;
    fputs("## Top functions by self time\n\n", out);
    func_table(r->funcs, r->by_tt, n, r->nfuncs, out);
    fputs("\n## Top functions by cumulative time\n\n", out);
    func_table(r->funcs, r->by_ct, n, r->nfuncs, out);
    fputs("\n", out);
}

static void findings_section(const mdw *w) { findings(w->r, w->out); }

/* The report's sections in order; each writes nothing when it has
 * nothing to show. */
static void (*const SECTIONS[])(const mdw *) = {
    header,        findings_section, endpoint_table,
    time_table,    slowest,          top_functions,
    attribution,   endpoint_details, skipped,
};

pr_status pr__render_md_hooked(const pr_report *r, FILE *out,
                               const pr__md_hooks *hooks)
{
    mdw w = {r, out, hooks};
    for (size_t i = 0; i < sizeof SECTIONS / sizeof SECTIONS[0]; i++)
        SECTIONS[i](&w);
    return PR_OK;
}

pr_status pr__render_md(const pr_report *r, pr_table table, FILE *out,
                        pr_error *err)
{
    (void)table; /* always PR_TABLE_ALL (the renderer table says so) */
    (void)err;
    return pr__render_md_hooked(r, out, NULL);
}
