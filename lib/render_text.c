/* render_text.c - the terminal report: the answer in one screen.
 *
 * The header, the findings, the endpoint table and the heaviest modules,
 * in that order, fitted to the width the options give (columns are
 * dropped, then labels shortened with an ellipsis), with no markup and
 * ANSI colour only when the caller asks for it. Everything else is in
 * the Markdown and HTML reports, which the last line names. */
#define _POSIX_C_SOURCE 200809L
#include "escape.h"
#include "render.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_WIDTH 100
#define MIN_WIDTH 40
#define MAX_FINDINGS 5
#define MAX_ENDPOINTS 10
#define MAX_MODULES 5
#define GAP 2 /* spaces between columns */

typedef struct tw {
    const pr_report *r;
    FILE *out;
    int width;
    int colour;
    char *buf; /* the last text made safe by `clean` */
    size_t len;
    int nomem;
} tw;

/* ---- text made safe for a terminal, and measured ----------------------- */

/* s through esc_plain (control bytes and invalid UTF-8 as \xNN, so a
 * profile cannot send escape sequences to the terminal); "" when out of
 * memory, which is then reported. */
static const char *clean(tw *w, const char *s, size_t n)
{
    free(w->buf);
    w->buf = NULL;
    w->len = 0;
    FILE *m = open_memstream(&w->buf, &w->len);
    if (m == NULL) {
        w->nomem = 1;
        return "";
    }
    esc_plain(m, s, n);
    if (fclose(m) != 0 || w->buf == NULL) {
        w->nomem = 1;
        return "";
    }
    return w->buf;
}

/* Columns a UTF-8 string takes: one per code point (wide characters are
 * rare in module and function names). */
static size_t cols(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* Byte length of the first `c` code points of s. */
static size_t prefix_bytes(const char *s, size_t n, size_t c)
{
    size_t i = 0;
    for (; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80 && c-- == 0)
            break;
    return i;
}

/* Safe text in at most `width` columns, cut with an ellipsis, not
 * padded: the last column of a row. */
static void cut(tw *w, const char *s, size_t n, size_t width)
{
    const char *t = clean(w, s, n);
    size_t tn = strlen(t);
    if (cols(t, tn) <= width) {
        fputs(t, w->out);
    } else if (width > 0) {
        fwrite(t, 1, prefix_bytes(t, tn, width - 1), w->out);
        fputs("\u2026", w->out);
    }
}

/* Safe text in exactly `width` columns: padded (left- or right-aligned),
 * or cut with an ellipsis. */
static void cell(tw *w, const char *s, size_t width, int right)
{
    const char *t = clean(w, s, strlen(s));
    size_t n = strlen(t), c = cols(t, n);
    if (c > width) {
        if (width > 0) {
            fwrite(t, 1, prefix_bytes(t, n, width - 1), w->out);
            fputs("\u2026", w->out);
        }
        return;
    }
    if (right)
        fprintf(w->out, "%*s", (int)(width - c), "");
    fputs(t, w->out);
    if (!right)
        fprintf(w->out, "%*s", (int)(width - c), "");
}

static void sgr(const tw *w, const char *code)
{
    if (w->colour)
        fprintf(w->out, "\033[%sm", code);
}

static void heading(const tw *w, const char *title)
{
    sgr(w, "1");
    fputs(title, w->out);
    sgr(w, "0");
    fputs("\n", w->out);
}

/* Words of safe text t, wrapped at the width with `indent` columns
 * before every line but the first (which the caller has started, at
 * column `at`). The first `bold` bytes are the headline. */
static void wrap(const tw *w, const char *t, size_t bold, size_t at,
                 size_t indent)
{
    size_t n = strlen(t), col = at, i = 0;
    size_t width = (size_t)w->width;
    int in_bold = 0;
    if (bold > 0) {
        sgr(w, "1");
        in_bold = 1;
    }
    int line_start = 1;
    while (i < n) {
        size_t j = i;
        while (j < n && t[j] != ' ')
            j++;
        size_t wc = cols(t + i, j - i);
        if (!line_start && col + 1 + wc > width) {
            if (in_bold)
                sgr(w, "0");
            fprintf(w->out, "\n%*s", (int)indent, "");
            if (in_bold)
                sgr(w, "1");
            col = indent;
        } else if (!line_start) {
            fputc(' ', w->out);
            col++;
        }
        line_start = 0;
        for (size_t k = i; k < j; k++) {
            if (in_bold && k == bold) {
                sgr(w, "0");
                in_bold = 0;
            }
            fputc(t[k], w->out);
        }
        if (in_bold && j >= bold) {
            sgr(w, "0");
            in_bold = 0;
        }
        col += wc;
        i = j;
        while (i < n && t[i] == ' ')
            i++;
    }
    if (in_bold)
        sgr(w, "0");
    fputs("\n", w->out);
}

/* ---- sections ------------------------------------------------------------ */

/* One line of the header, wrapped to the width: the text `put` writes
 * (already safe: numbers, or text put through esc_plain). */
static void header_line(tw *w, void (*put)(const tw *, FILE *))
{
    char *line = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&line, &len);
    if (m == NULL) {
        w->nomem = 1;
        return;
    }
    put(w, m);
    if (fclose(m) != 0 || line == NULL)
        w->nomem = 1;
    else
        wrap(w, line, 0, 0, 2);
    free(line);
}

static void put_inputs(const tw *w, FILE *m)
{
    fputs("profreport", m);
    if (w->r->opts.ninputs > 0) {
        fputs(" \u2014 ", m);
        pr__inputs_text(w->r, esc_plain, m);
    }
}

static void put_counts(const tw *w, FILE *m)
{
    const pr_summary *s = &w->r->sum;
    fprintf(m, "%zu request%s read", s->files, s->files == 1 ? "" : "s");
    if (s->skipped > 0)
        fprintf(m, ", %zu file%s skipped", s->skipped,
                s->skipped == 1 ? "" : "s");
    if (s->filtered > 0)
        fprintf(m, ", %zu left out by filters", s->filtered);
    fprintf(m, "; %.3f s profiled; %zu functions", s->total_tt,
            s->functions);
}

static void put_span(const tw *w, FILE *m)
{
    const pr_summary *s = &w->r->sum;
    char a[32], b[32];
    pr__iso_time(s->first_time, a, sizeof a);
    pr__iso_time(s->last_time, b, sizeof b);
    fprintf(m, "%s to %s (", a, b);
    pr__fmt_ms(m, (s->last_time - s->first_time) * 1000);
    fputs(")", m);
}

static void header(tw *w)
{
    const pr_summary *s = &w->r->sum;
    sgr(w, "1");
    header_line(w, put_inputs);
    sgr(w, "0");
    header_line(w, put_counts);
    if (s->files > 0 && s->first_time > 0)
        header_line(w, put_span);
    fputs("\n", w->out);
}

static void findings(tw *w)
{
    const pr_report *r = w->r;
    if (r->nfindings == 0)
        return;
    heading(w, "Findings");
    size_t n = r->nfindings < MAX_FINDINGS ? r->nfindings : MAX_FINDINGS;
    for (size_t i = 0; i < n; i++) {
        const pr_finding *f = &r->findings[i];
        /* The lead's length in the safe text: the lead made safe alone. */
        size_t lead = strlen(clean(w, f->text, f->lead_len));
        const char *t = clean(w, f->text, strlen(f->text));
        int at = fprintf(w->out, "%2zu. ", i + 1);
        wrap(w, t, lead, (size_t)(at > 0 ? at : 0), 4);
    }
    if (r->nfindings > n)
        fprintf(w->out, "    (%zu more in the full report)\n",
                r->nfindings - n);
    fputs("\n", w->out);
}

/* ---- tables fitted to the width ----------------------------------------- */

/* A table: the first column is text (a label) and takes what the others
 * leave; the others are dropped from the least important while the label
 * would get fewer than `min_label` columns. */
#define MAXCOLS 12
typedef struct tcol {
    const char *head;
    int prio;      /* higher stays longer */
    int right;
    size_t width;  /* measured: header and every value */
    int shown;
} tcol;

static void fit(tcol *c, size_t ncols, size_t label_natural,
                size_t min_label, size_t width, size_t *label_width)
{
    for (;;) {
        size_t used = 0;
        for (size_t k = 1; k < ncols; k++)
            if (c[k].shown)
                used += GAP + c[k].width;
        size_t left = width > used ? width - used : 0;
        if (left >= min_label || left >= label_natural) {
            *label_width = label_natural < left ? label_natural : left;
            return;
        }
        size_t drop = 0;
        for (size_t k = 1; k < ncols; k++)
            if (c[k].shown && (drop == 0 || c[k].prio < c[drop].prio))
                drop = k;
        if (drop == 0) {
            *label_width = left;
            return;
        }
        c[drop].shown = 0;
    }
}

static void table_head(tw *w, const tcol *c, size_t ncols, size_t label_w)
{
    sgr(w, "2");
    cell(w, c[0].head, label_w, 0);
    for (size_t k = 1; k < ncols; k++)
        if (c[k].shown) {
            fprintf(w->out, "%*s", GAP, "");
            cell(w, c[k].head, c[k].width, c[k].right);
        }
    sgr(w, "0");
    fputs("\n", w->out);
}

/* One row: the label, then the shown columns' values vals[k]. */
static void table_row(tw *w, const tcol *c, size_t ncols, size_t label_w,
                      const char *label, char vals[][64])
{
    /* A label cut short still ends on its last column: pad first. */
    cell(w, label, label_w, 0);
    for (size_t k = 1; k < ncols; k++)
        if (c[k].shown) {
            fprintf(w->out, "%*s", GAP, "");
            cell(w, vals[k], c[k].width, c[k].right);
        }
    fputs("\n", w->out);
}

static void measure(tcol *c, size_t ncols, char vals[][64])
{
    for (size_t k = 1; k < ncols; k++) {
        size_t n = cols(vals[k], strlen(vals[k]));
        if (n > c[k].width)
            c[k].width = n;
    }
}

static size_t label_cols(tw *w, const char *s)
{
    const char *t = clean(w, s, strlen(s));
    return cols(t, strlen(t));
}

enum { EP_LABEL, EP_METHOD, EP_REQ, EP_TOTAL, EP_SHARE, EP_MEAN, EP_P50,
       EP_P90, EP_P95, EP_P99, EP_MAX, EP_NCOLS };

static void endpoint_values(const pr_endpoint_row *e, char v[][64])
{
    snprintf(v[EP_METHOD], 64, "%s", e->method);
    snprintf(v[EP_REQ], 64, "%zu", e->requests);
    snprintf(v[EP_TOTAL], 64, "%.1f", e->total_ms / 1000);
    snprintf(v[EP_SHARE], 64, "%.1f%%", e->share * 100);
    snprintf(v[EP_MEAN], 64, "%.0f", e->mean_ms);
    snprintf(v[EP_P50], 64, "%.0f", e->p50_ms);
    snprintf(v[EP_P90], 64, "%.0f", e->p90_ms);
    snprintf(v[EP_P95], 64, "%.0f", e->p95_ms);
    snprintf(v[EP_P99], 64, "%.0f", e->p99_ms);
    snprintf(v[EP_MAX], 64, "%.0f", e->max_ms);
}

static void endpoints(tw *w)
{
    const pr_report *r = w->r;
    if (r->nendpoints == 0)
        return;
    tcol c[EP_NCOLS] = {
        {"endpoint", 99, 0, 0, 1}, {"method", 3, 0, 0, 1},
        {"requests", 8, 1, 0, 1},  {"total s", 9, 1, 0, 1},
        {"share", 7, 1, 0, 1},     {"mean ms", 4, 1, 0, 1},
        {"p50", 6, 1, 0, 1},       {"p90", 1, 1, 0, 1},
        {"p95", 5, 1, 0, 1},       {"p99", 2, 1, 0, 1},
        {"max", 3, 1, 0, 1},
    };
    for (size_t k = 0; k < EP_NCOLS; k++)
        c[k].width = strlen(c[k].head);
    size_t n = r->nendpoints < MAX_ENDPOINTS ? r->nendpoints : MAX_ENDPOINTS;
    size_t natural = c[0].width;
    char v[EP_NCOLS][64];
    for (size_t i = 0; i < n; i++) {
        endpoint_values(&r->endpoints[i], v);
        measure(c, EP_NCOLS, v);
        size_t l = label_cols(w, r->endpoints[i].label);
        natural = l > natural ? l : natural;
    }
    size_t label_w;
    fit(c, EP_NCOLS, natural, 24, (size_t)w->width, &label_w);
    heading(w, "Endpoints (wall time in ms)");
    table_head(w, c, EP_NCOLS, label_w);
    for (size_t i = 0; i < n; i++) {
        endpoint_values(&r->endpoints[i], v);
        table_row(w, c, EP_NCOLS, label_w, r->endpoints[i].label, v);
    }
    if (r->nendpoints > n)
        fprintf(w->out, "(%zu more endpoints in the full report)\n",
                r->nendpoints - n);
    fputs("\n", w->out);
}

enum { MOD_NAME, MOD_KIND, MOD_OWN_S, MOD_OWN, MOD_TOP, MOD_NCOLS };

static void modules(tw *w)
{
    const pr_attribution *a = &w->r->attr;
    if (a->nmodules == 0)
        return;
    tcol c[MOD_NCOLS] = {
        {"module", 99, 0, 0, 1}, {"kind", 2, 0, 0, 1},
        {"own s", 4, 1, 0, 1},   {"own", 5, 1, 0, 1},
        {"heaviest functions", 1, 0, 0, 1},
    };
    for (size_t k = 0; k < MOD_NCOLS; k++)
        c[k].width = strlen(c[k].head);
    size_t n = a->nmodules < MAX_MODULES ? a->nmodules : MAX_MODULES;
    size_t natural = c[0].width;
    char v[MOD_NCOLS][64];
    for (size_t i = 0; i < n; i++) {
        const pr_module_row *m = &a->modules[i];
        const char *approx = m->self_estimated ? "~" : "";
        snprintf(v[MOD_KIND], 64, "%s", pr_module_kind_name(m->kind));
        snprintf(v[MOD_OWN_S], 64, "%s%.3f", approx, m->self_s);
        snprintf(v[MOD_OWN], 64, "%s%.1f%%", approx, m->self_share * 100);
        v[MOD_TOP][0] = '\0';
        measure(c, MOD_TOP, v);
        size_t l = label_cols(w, m->name);
        natural = l > natural ? l : natural;
    }
    /* The functions take whatever the row has left; they are cut last
     * by the width, not measured. */
    size_t label_w;
    c[MOD_TOP].width = 0;
    fit(c, MOD_NCOLS, natural, 12, (size_t)w->width, &label_w);
    size_t used = label_w;
    for (size_t k = 1; k < MOD_TOP; k++)
        if (c[k].shown)
            used += GAP + c[k].width;
    size_t top_w = (size_t)w->width > used + GAP + 20
                       ? (size_t)w->width - used - GAP
                       : 0;
    c[MOD_TOP].shown = top_w > 0;
    heading(w, "Modules by own time");
    sgr(w, "2");
    cell(w, c[0].head, label_w, 0);
    for (size_t k = 1; k < MOD_TOP; k++)
        if (c[k].shown) {
            fprintf(w->out, "%*s", GAP, "");
            cell(w, c[k].head, c[k].width, c[k].right);
        }
    if (c[MOD_TOP].shown) {
        fprintf(w->out, "%*s", GAP, "");
        cut(w, c[MOD_TOP].head, strlen(c[MOD_TOP].head), top_w);
    }
    sgr(w, "0");
    fputs("\n", w->out);
    for (size_t i = 0; i < n; i++) {
        const pr_module_row *m = &a->modules[i];
        const char *approx = m->self_estimated ? "~" : "";
        snprintf(v[MOD_KIND], 64, "%s", pr_module_kind_name(m->kind));
        snprintf(v[MOD_OWN_S], 64, "%s%.3f", approx, m->self_s);
        snprintf(v[MOD_OWN], 64, "%s%.1f%%", approx, m->self_share * 100);
        cell(w, m->name, label_w, 0);
        for (size_t k = 1; k < MOD_TOP; k++)
            if (c[k].shown) {
                fprintf(w->out, "%*s", GAP, "");
                cell(w, v[k], c[k].width, c[k].right);
            }
        if (c[MOD_TOP].shown && m->ntop > 0) {
            /* "sessions.py:open_session 47.4%, ..." built whole, then cut
             * to the column as one cell. */
            char *tops = NULL;
            size_t len = 0;
            FILE *ms = open_memstream(&tops, &len);
            if (ms == NULL) {
                w->nomem = 1;
            } else {
                for (size_t k = 0; k < m->ntop && k < 3; k++) {
                    if (k > 0 && m->top[k].share < 0.001)
                        break;
                    fprintf(ms, "%s%s %s%.1f%%", k > 0 ? ", " : "",
                            m->top[k].label,
                            m->top[k].estimated ? "~" : "",
                            m->top[k].share * 100);
                }
                if (fclose(ms) != 0 || tops == NULL) {
                    w->nomem = 1;
                } else {
                    fprintf(w->out, "%*s", GAP, "");
                    cut(w, tops, len, top_w);
                }
                free(tops);
            }
        }
        fputs("\n", w->out);
    }
    if (a->nmodules > n)
        fprintf(w->out, "(%zu more modules in the full report)\n",
                a->nmodules - n);
    fputs("\n", w->out);
}

/* The way to everything this screen leaves out: the whole command when
 * it fits the width, else the options alone. */
static void footer(tw *w)
{
    const pr_report *r = w->r;
    const char *in = "DIR";
    if (r->opts.ninputs == 1 && r->opts.inputs[0][0] != '\0' &&
        r->opts.inputs[0][0] != '-' &&
        strpbrk(r->opts.inputs[0], " \t\n'\"\\$`*?[]{}()<>|&;#~!") == NULL)
        in = r->opts.inputs[0];
    const char *t = clean(w, in, strlen(in));
    static const char LONG[] = "Full report: profreport -f html -o report.html ";
    static const char TAIL[] = " (or -f md | less)";
    sgr(w, "2");
    if (strlen(LONG) + cols(t, strlen(t)) + strlen(TAIL) <= (size_t)w->width)
        fprintf(w->out, "%s%s%s", LONG, t, TAIL);
    else if (w->width >= 46)
        fputs("Full report: -f html -o report.html, or -f md", w->out);
    else
        fputs("Full report: -f html, or -f md", w->out);
    sgr(w, "0");
    fputs("\n", w->out);
}

static void (*const SECTIONS[])(tw *) = {header, findings, endpoints,
                                         modules, footer};

pr_status pr__render_text(const pr_report *r, pr_table table, FILE *out,
                          pr_error *err)
{
    (void)table; /* always PR_TABLE_ALL (the renderer table says so) */
    (void)err;
    int width = r->opts.text_width > 0 ? r->opts.text_width : DEFAULT_WIDTH;
    tw w = {r, out, width < MIN_WIDTH ? MIN_WIDTH : width,
            r->opts.text_colour != 0, NULL, 0, 0};
    for (size_t i = 0; i < sizeof SECTIONS / sizeof SECTIONS[0]; i++)
        SECTIONS[i](&w);
    free(w.buf);
    return w.nomem ? PR_ERR_NOMEM : PR_OK;
}
