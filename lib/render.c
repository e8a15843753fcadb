/* render.c - format dispatch and helpers shared by renderers. */
#define _POSIX_C_SOURCE 200809L
#include "render.h"
#include "status.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>

void pr__iso_time(double unix_s, char *buf, size_t n)
{
    time_t t = (time_t)floor(unix_s);
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, n, "%.0f", unix_s);
}

void pr__fmt_ms(FILE *out, double ms)
{
    if (ms < 10)
        fprintf(out, "%.1f ms", ms);
    else if (ms < 1000)
        fprintf(out, "%.0f ms", ms);
    else if (ms < 100000)
        fprintf(out, "%.2f s", ms / 1000);
    else
        fprintf(out, "%.0f s", ms / 1000);
}

void pr__fmt_span(FILE *out, double s)
{
    if (s >= 86400 && fmod(s, 86400) == 0)
        fprintf(out, "%g d", s / 86400);
    else if (s >= 3600 && fmod(s, 3600) == 0)
        fprintf(out, "%g h", s / 3600);
    else if (s >= 60 && fmod(s, 60) == 0)
        fprintf(out, "%g min", s / 60);
    else if (s >= 1)
        fprintf(out, "%g s", s);
    else
        fprintf(out, "%g ms", s * 1000);
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

int pr_format_parse(const char *s, pr_format *out)
{
    if (s == NULL)
        return -1;
    if (strcmp(s, "md") == 0 || strcmp(s, "markdown") == 0)
        *out = PR_FORMAT_MD;
    else if (strcmp(s, "csv") == 0)
        *out = PR_FORMAT_CSV;
    else if (strcmp(s, "html") == 0)
        *out = PR_FORMAT_HTML;
    else
        return -1;
    return 0;
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

pr_status pr_render(const pr_report *r, pr_format fmt, pr_table table,
                    FILE *out, pr_error *err)
{
    if (r == NULL || out == NULL)
        return pr__fail(err, PR_ERR_USAGE, PR_NO_OFFSET, "NULL argument");
    pr_status st = PR_OK;
    switch (fmt) {
    case PR_FORMAT_MD:
        if (table != PR_TABLE_ALL)
            return pr__fail(err, PR_ERR_USAGE, PR_NO_OFFSET,
                            "the Markdown report has every table; "
                            "-t selects a table for CSV");
        render_md(r, out);
        break;
    case PR_FORMAT_CSV:
        st = render_csv(r, table, out);
        if (st != PR_OK)
            return pr__fail(err, st, PR_NO_OFFSET,
                            "CSV needs one table: -t functions, edges, endpoints, requests, modules, callers or findings");
        break;
    case PR_FORMAT_HTML:
        if (table != PR_TABLE_ALL)
            return pr__fail(err, PR_ERR_USAGE, PR_NO_OFFSET,
                            "the HTML report has every table; "
                            "-t selects a table for CSV");
        if ((st = render_html(r, out)) != PR_OK)
            return pr__fail(err, st, PR_NO_OFFSET, "out of memory");
        break;
    default:
        return pr__fail(err, PR_ERR_USAGE, PR_NO_OFFSET, "unknown format");
    }
    if (fflush(out) != 0 || ferror(out))
        return pr__fail(err, PR_ERR_IO, PR_NO_OFFSET, "write failed: %s",
                        strerror(errno));
    return PR_OK;
}
