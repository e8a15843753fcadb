/* render.c - format dispatch and helpers shared by renderers. */
#define _POSIX_C_SOURCE 200809L
#include "render.h"
#include "status.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>

/* ---- the renderer table ------------------------------------------- */

#define ALL_ONLY PR__TABLE_BIT(PR_TABLE_ALL)
#define CSV_TABLES                                                          \
    (PR__TABLE_BIT(PR_TABLE_FUNCTIONS) | PR__TABLE_BIT(PR_TABLE_EDGES) |    \
     PR__TABLE_BIT(PR_TABLE_ENDPOINTS) | PR__TABLE_BIT(PR_TABLE_REQUESTS) | \
     PR__TABLE_BIT(PR_TABLE_MODULES) | PR__TABLE_BIT(PR_TABLE_CALLERS) |  \
     PR__TABLE_BIT(PR_TABLE_FINDINGS) | PR__TABLE_BIT(PR_TABLE_OUTLIERS) |  \
     PR__TABLE_BIT(PR_TABLE_REQUEST_MODULES))
/* A diff's CSV: "all" is its endpoint table. */
#define DIFF_CSV_TABLES                                                     \
    (PR__TABLE_BIT(PR_TABLE_ALL) | PR__TABLE_BIT(PR_TABLE_ENDPOINTS) |      \
     PR__TABLE_BIT(PR_TABLE_MODULES) | PR__TABLE_BIT(PR_TABLE_FUNCTIONS))

static const pr__renderer RENDERERS[] = {
    {"md", "markdown", PR_FORMAT_MD, ALL_ONLY, PR_TABLE_ALL,
     "the Markdown report has every table; -t selects a table for CSV",
     pr__render_md, ALL_ONLY, PR_TABLE_ALL, "-t selects a table for CSV",
     pr__diff_md},
    {"csv", NULL, PR_FORMAT_CSV, CSV_TABLES, PR_TABLE_FUNCTIONS,
     "CSV needs one table: -t functions, edges, endpoints, requests, "
     "modules, callers, findings, outliers or request-modules",
     pr__render_csv, DIFF_CSV_TABLES, PR_TABLE_ENDPOINTS,
     "diff CSV tables: endpoints, modules, functions", pr__diff_csv},
    {"html", NULL, PR_FORMAT_HTML, ALL_ONLY, PR_TABLE_ALL,
     "the HTML report has every table; -t selects a table for CSV",
     pr__render_html, ALL_ONLY, PR_TABLE_ALL, "-t selects a table for CSV",
     pr__diff_html},
    /* One screen for a terminal; a diff has its own short Markdown. */
    {"text", NULL, PR_FORMAT_TEXT, ALL_ONLY, PR_TABLE_ALL,
     "the text report is one screen; -t selects a table for CSV",
     pr__render_text, 0, PR_TABLE_ALL, NULL, NULL},
    {"json", NULL, PR_FORMAT_JSON, ALL_ONLY, PR_TABLE_ALL,
     "the JSON report has every table; -t selects a table for CSV",
     pr__render_json, 0, PR_TABLE_ALL, NULL, NULL},
    {"collapsed", "folded", PR_FORMAT_COLLAPSED,
     PR__TABLE_BIT(PR_TABLE_ALL) | PR__TABLE_BIT(PR_TABLE_ENDPOINTS),
     PR_TABLE_ENDPOINTS,
     "collapsed stacks: -t endpoints (default: each under its endpoint) "
     "or -t all (the whole run)",
     pr__render_collapsed, 0, PR_TABLE_ALL, NULL, NULL},
    {"callgrind", NULL, PR_FORMAT_CALLGRIND, ALL_ONLY, PR_TABLE_ALL,
     "callgrind holds the whole run; -t selects a table for CSV",
     pr__render_callgrind, 0, PR_TABLE_ALL, NULL, NULL},
    {"speedscope", NULL, PR_FORMAT_SPEEDSCOPE, ALL_ONLY, PR_TABLE_ALL,
     "speedscope holds the run and every endpoint; -t selects a table for "
     "CSV",
     pr__render_speedscope, 0, PR_TABLE_ALL, NULL, NULL},
    {"pprof", NULL, PR_FORMAT_PPROF, ALL_ONLY, PR_TABLE_ALL,
     "pprof holds every endpoint (labelled); -t selects a table for CSV",
     pr__render_pprof, 0, PR_TABLE_ALL, NULL, NULL},
};

int pr_output_uses_edges(pr_format fmt, pr_table table)
{
    switch (fmt) {
    case PR_FORMAT_CSV:
        return table == PR_TABLE_EDGES;
    case PR_FORMAT_HTML:
    case PR_FORMAT_JSON:
    case PR_FORMAT_CALLGRIND:
        return 1;
    case PR_FORMAT_MD:
    case PR_FORMAT_TEXT:
    case PR_FORMAT_COLLAPSED: /* stacks come from the attribution's tree */
    case PR_FORMAT_SPEEDSCOPE:
    case PR_FORMAT_PPROF:
        return 0;
    default:
        return 1;
    }
}

int pr_output_uses_attribution(pr_format fmt, pr_table table)
{
    if (fmt != PR_FORMAT_CSV)
        return 1;
    switch (table) {
    case PR_TABLE_FUNCTIONS:
    case PR_TABLE_EDGES:
    case PR_TABLE_ENDPOINTS:
    case PR_TABLE_REQUESTS:
        return 0;
    default:
        return 1;
    }
}

const pr__renderer *pr__renderer_find(pr_format fmt)
{
    for (size_t i = 0; i < sizeof RENDERERS / sizeof RENDERERS[0]; i++)
        if (RENDERERS[i].format == fmt)
            return &RENDERERS[i];
    return NULL;
}

void pr__inputs_text(const pr_report *r,
                     void (*put)(FILE *, const char *, size_t), FILE *out)
{
    size_t n = r->opts.ninputs, shown = n <= 4 ? n : 3;
    for (size_t i = 0; i < shown; i++) {
        if (i > 0)
            fputs(i + 1 == n ? " and " : ", ", out);
        put(out, r->opts.inputs[i], strlen(r->opts.inputs[i]));
    }
    if (shown < n)
        fprintf(out, " and %zu more", n - shown);
}

void pr__url_path(const char *dotted,
                  void (*put)(FILE *, const char *, size_t), FILE *out)
{
    if (dotted == NULL || dotted[0] == '\0')
        return;
    if (strcmp(dotted, "root") == 0) {
        put(out, "/", 1);
        return;
    }
    for (const char *p = dotted; *p != '\0';) {
        size_t n = strcspn(p, ".");
        put(out, "/", 1);
        put(out, p, n);
        p += n;
        if (*p == '.')
            p++;
    }
}

const char *pr__rel_file(const pr_report *r, const char *file)
{
    size_t n = r->file_dir_len;
    if (n > 0 && strncmp(file, r->requests[0].file, n) == 0 &&
        file[n] != '\0')
        return file + n;
    return file;
}

int pr_format_parse(const char *s, pr_format *out)
{
    if (s == NULL)
        return -1;
    for (size_t i = 0; i < sizeof RENDERERS / sizeof RENDERERS[0]; i++) {
        const pr__renderer *R = &RENDERERS[i];
        if (strcmp(s, R->name) == 0 ||
            (R->alias != NULL && strcmp(s, R->alias) == 0)) {
            *out = R->format;
            return 0;
        }
    }
    return -1;
}

pr_status pr_output_table(pr_format fmt, int diff, int table_given,
                          pr_table *table, pr_error *err)
{
    const pr__renderer *R = pr__renderer_find(fmt);
    if (table == NULL)
        return pr__fail(err, PR_ERR_USAGE, PR_NO_OFFSET, "NULL argument");
    if (R == NULL)
        return pr__fail(err, PR_ERR_USAGE, PR_NO_OFFSET, "unknown format");
    if (diff && R->diff == NULL)
        return pr__fail(err, PR_ERR_USAGE, PR_NO_OFFSET,
                        "diff writes md, csv or html only (not %s)",
                        R->name);
    unsigned tables = diff ? R->diff_tables : R->tables;
    const char *hint = diff ? R->diff_tables_hint : R->tables_hint;
    if (!table_given) {
        *table = diff ? R->diff_default_table : R->default_table;
        return PR_OK;
    }
    /* A format that writes the whole report only takes no -t at all. */
    if (tables == ALL_ONLY || (tables & PR__TABLE_BIT(*table)) == 0)
        return pr__fail(err, PR_ERR_USAGE, PR_NO_OFFSET, "%s", hint);
    return PR_OK;
}

int pr_table_parse(const char *s, pr_table *out)
{
    if (s == NULL)
        return -1;
    if (strcmp(s, "all") == 0)
        *out = PR_TABLE_ALL;
    else if (strcmp(s, "functions") == 0)
        *out = PR_TABLE_FUNCTIONS;
    else if (strcmp(s, "edges") == 0)
        *out = PR_TABLE_EDGES;
    else if (strcmp(s, "endpoints") == 0)
        *out = PR_TABLE_ENDPOINTS;
    else if (strcmp(s, "requests") == 0)
        *out = PR_TABLE_REQUESTS;
    else if (strcmp(s, "modules") == 0)
        *out = PR_TABLE_MODULES;
    else if (strcmp(s, "callers") == 0)
        *out = PR_TABLE_CALLERS;
    else if (strcmp(s, "findings") == 0)
        *out = PR_TABLE_FINDINGS;
    else if (strcmp(s, "outliers") == 0)
        *out = PR_TABLE_OUTLIERS;
    else if (strcmp(s, "request-modules") == 0)
        *out = PR_TABLE_REQUEST_MODULES;
    else
        return -1;
    return 0;
}

int pr_sort_parse(const char *s, pr_sort *out)
{
    static const char *const names[] = {"total", "p95", "mean", "count",
                                        "max"};
    for (int i = 0; s != NULL && i < 5; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (pr_sort)i;
            return 0;
        }
    return -1;
}

static pr_status finish(pr_status st, FILE *out, pr_error *err)
{
    if (st != PR_OK) {
        /* A callback that did not say more leaves code 0 (see render.h). */
        if (err != NULL && err->code != st)
            pr__fail(err, st, PR_NO_OFFSET, "%s", pr_strerror(st));
        return st;
    }
    if (fflush(out) != 0 || ferror(out))
        return pr__fail(err, PR_ERR_IO, PR_NO_OFFSET, "write failed: %s",
                        strerror(errno));
    return PR_OK;
}

pr_status pr_render(const pr_report *r, pr_format fmt, pr_table table,
                    FILE *out, pr_error *err)
{
    if (r == NULL || out == NULL)
        return pr__fail(err, PR_ERR_USAGE, PR_NO_OFFSET, "NULL argument");
    const pr__renderer *R = pr__renderer_find(fmt);
    if (R == NULL)
        return pr__fail(err, PR_ERR_USAGE, PR_NO_OFFSET, "unknown format");
    if ((R->tables & PR__TABLE_BIT(table)) == 0)
        return pr__fail(err, PR_ERR_USAGE, PR_NO_OFFSET, "%s",
                        R->tables_hint);
    if (err != NULL)
        err->code = PR_OK;
    return finish(R->report(r, table, out, err), out, err);
}

pr_status pr_diff_render(const pr_diff *d, pr_format fmt, pr_table table,
                         FILE *out, pr_error *err)
{
    if (d == NULL || out == NULL)
        return pr__fail(err, PR_ERR_USAGE, PR_NO_OFFSET, "NULL argument");
    const pr__renderer *R = pr__renderer_find(fmt);
    if (R == NULL || R->diff == NULL)
        return pr__fail(err, PR_ERR_USAGE, PR_NO_OFFSET, "unknown format");
    if ((R->diff_tables & PR__TABLE_BIT(table)) == 0)
        return pr__fail(err, PR_ERR_USAGE, PR_NO_OFFSET, "%s",
                        R->diff_tables_hint);
    if (err != NULL)
        err->code = PR_OK;
    return finish(R->diff(d, table, out, err), out, err);
}
