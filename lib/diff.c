/* diff.c - did this change make an endpoint slower? Two reports (or a
 * baseline CSV and a report) compared endpoint by endpoint, module by
 * module and function by function, with --fail-on rules for CI. */
#define _POSIX_C_SOURCE 200809L
#include "sort.h"
#include "arena.h"
#include "escape.h"
#include "report.h"
#include "render.h"
#include "status.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum metric { M_P50, M_P95, M_P99, M_MEAN, M_MAX };
static const char *const METRICS[] = {"p50", "p95", "p99", "mean", "max"};

struct pr_diff {
    arena strings;
    pr_diff_endpoint *eps;
    size_t neps;
    pr_diff_row *mods, *funcs;
    size_t nmods, nfuncs;
    int from_baseline;
    int csv_raw;        /* the current report's csv_raw option */
};

static pr_diff_side side_of(const pr_endpoint_row *e)
{
    pr_diff_side s = {e->requests, e->mean_ms, e->p50_ms, e->p95_ms,
                      e->p99_ms, e->max_ms};
    return s;
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

/* Regression first: by the p95 change; endpoints on one side only last. */
static int cmp_eps(const void *a, const void *b)
{
    const pr_diff_endpoint *x = a, *y = b;
    int xb = x->base.requests && x->cur.requests;
    int yb = y->base.requests && y->cur.requests;
    if (xb != yb)
        return yb - xb;
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

static pr_diff *diff_new(void)
{
    pr_diff *d = calloc(1, sizeof *d);
    if (d != NULL)
        arena_init(&d->strings);
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

/* Length of a label without its line number: "view (app.py:42)" and
 * "view (app.py:44)" are the same endpoint after an edit above it. */
static size_t match_len(const char *label, size_t *tail)
{
    size_t n = strlen(label);
    *tail = 0;
    if (n < 3 || label[n - 1] != ')')
        return n;
    size_t i = n - 1;
    while (i > 0 && label[i - 1] >= '0' && label[i - 1] <= '9')
        i--;
    if (i == n - 1 || i == 0 || label[i - 1] != ':')
        return n;
    *tail = 1; /* the closing parenthesis */
    return i - 1;
}

static int same_endpoint(const char *a, const char *b)
{
    size_t ta, tb;
    size_t na = match_len(a, &ta), nb = match_len(b, &tb);
    return na == nb && ta == tb && memcmp(a, b, na) == 0;
}

/* Finds or adds the endpoint labelled `label` (line numbers aside). */
static pr_diff_endpoint *endpoint(pr_diff *d, size_t cap, const char *label)
{
    for (size_t i = 0; i < d->neps; i++)
        if (same_endpoint(d->eps[i].label, label))
            return &d->eps[i];
    if (d->neps >= cap)
        return NULL;
    pr_diff_endpoint *e = &d->eps[d->neps];
    memset(e, 0, sizeof *e);
    if ((e->label = arena_strndup(&d->strings, label, strlen(label))) == NULL)
        return NULL;
    d->neps++;
    return e;
}

static int add_current(pr_diff *d, const pr_report *cur, size_t cap)
{
    const pr_endpoint_row *ce;
    size_t nc = pr_report_endpoints(cur, &ce);
    for (size_t i = 0; i < nc; i++) {
        pr_diff_endpoint *e = endpoint(d, cap, ce[i].label);
        if (e == NULL)
            return -1;
        e->cur = side_of(&ce[i]);
        if (strcmp(e->label, ce[i].label) != 0 &&
            (e->label = arena_strndup(&d->strings, ce[i].label,
                                strlen(ce[i].label))) == NULL)
            return -1; /* show the new side's line number */
    }
    pr__qsort(d->eps, d->neps, sizeof *d->eps, cmp_eps);
    return 0;
}

/* Per-request seconds of named rows on both sides. */
typedef struct named {
    const char *name;
    double s;
} named;

static int rows_from(pr_diff *d, const named *b, size_t nb, double breq,
                     const named *c, size_t nc, double creq, pr_diff_row **out,
                     size_t *nout)
{
    pr_diff_row *rows = calloc(nb + nc + 1, sizeof *rows);
    if (rows == NULL)
        return -1;
    size_t n = 0;
    for (size_t i = 0; i < nb; i++) {
        rows[n].name = b[i].name;
        rows[n].base_s = breq > 0 ? b[i].s / breq : 0;
        n++;
    }
    for (size_t i = 0; i < nc; i++) {
        size_t k = 0;
        while (k < nb && strcmp(rows[k].name, c[i].name) != 0)
            k++;
        if (k == nb) {
            rows[n].name = c[i].name;
            k = n++;
        }
        rows[k].cur_s = creq > 0 ? c[i].s / creq : 0;
    }
    for (size_t i = 0; i < n; i++)
        if ((rows[i].name = arena_strndup(&d->strings, rows[i].name,
                                    strlen(rows[i].name))) == NULL) {
            free(rows);
            return -1;
        }
    pr__qsort(rows, n, sizeof *rows, cmp_rows);
    *out = rows;
    *nout = n;
    return 0;
}

static named *module_names(const pr_report *r, size_t *n)
{
    const pr_attribution *a = pr_report_attribution(r);
    named *v = calloc(a->nmodules + 1, sizeof *v);
    if (v == NULL)
        return NULL;
    for (size_t i = 0; i < a->nmodules; i++) {
        v[i].name = a->modules[i].name;
        v[i].s = a->modules[i].inclusive_s;
    }
    *n = a->nmodules;
    return v;
}

/* The heaviest functions by tottime, named like pstats; at most 200 per
 * side, which bounds the quadratic matching. */
static named *function_names(arena *a, const pr_report *r, size_t *n)
{
    const pr_func_row *rows;
    size_t total = pr_report_functions(r, &rows);
    size_t k = total < 200 ? total : 200;
    named *v = calloc(k + 1, sizeof *v);
    size_t *best = calloc(k + 1, sizeof *best);
    if (v == NULL || best == NULL) {
        free(v);
        free(best);
        return NULL;
    }
    /* Partial selection of the top k by tottime. */
    size_t m = 0;
    for (size_t i = 0; i < total; i++) {
        size_t j = m < k ? m++ : k;
        if (j == k && (k == 0 || rows[i].tt <= rows[best[k - 1]].tt))
            continue;
        if (j == k)
            j = k - 1;
        while (j > 0 && rows[best[j - 1]].tt < rows[i].tt) {
            best[j] = best[j - 1];
            j--;
        }
        best[j] = i;
    }
    for (size_t i = 0; i < m; i++) {
        const pr_func_key *key = &rows[best[i]].key;
        size_t cap = key->file.len + key->name.len + 32;
        char *s = arena_alloc(a, cap);
        if (s == NULL) {
            free(v);
            free(best);
            return NULL;
        }
        snprintf(s, cap, "%.*s:%lld(%.*s)", (int)key->file.len, key->file.ptr,
                 (long long)key->line, (int)key->name.len, key->name.ptr);
        v[i].name = s;
        v[i].s = rows[best[i]].tt;
    }
    free(best);
    *n = m;
    return v;
}

pr_status pr_diff_build(const pr_report *base, const pr_report *cur,
                        pr_diff **out)
{
    if (base == NULL || cur == NULL || out == NULL)
        return PR_ERR_USAGE;
    *out = NULL;
    pr_diff *d = diff_new();
    if (d == NULL)
        return PR_ERR_NOMEM;
    const pr_endpoint_row *be;
    size_t nb = pr_report_endpoints(base, &be);
    size_t nc = pr_report_endpoints(cur, NULL);
    size_t cap = nb + nc;
    d->eps = calloc(cap + 1, sizeof *d->eps);
    if (d->eps == NULL)
        goto nomem;
    for (size_t i = 0; i < nb; i++) {
        pr_diff_endpoint *e = endpoint(d, cap, be[i].label);
        if (e == NULL)
            goto nomem;
        e->base = side_of(&be[i]);
    }
    if (add_current(d, cur, cap) != 0)
        goto nomem;
    d->csv_raw = cur->opts.csv_raw;
    pr_summary sb, sc;
    pr_report_summary(base, &sb);
    pr_report_summary(cur, &sc);
    size_t n1, n2;
    named *m1 = module_names(base, &n1), *m2 = module_names(cur, &n2);
    int bad = m1 == NULL || m2 == NULL ||
              rows_from(d, m1, n1, (double)sb.files, m2, n2, (double)sc.files,
                        &d->mods, &d->nmods) != 0;
    free(m1);
    free(m2);
    if (bad)
        goto nomem;
    named *f1 = function_names(&d->strings, base, &n1);
    named *f2 = function_names(&d->strings, cur, &n2);
    bad = f1 == NULL || f2 == NULL ||
          rows_from(d, f1, n1, (double)sb.files, f2, n2, (double)sc.files,
                    &d->funcs, &d->nfuncs) != 0;
    free(f1);
    free(f2);
    if (bad)
        goto nomem;
    *out = d;
    return PR_OK;
nomem:
    pr_diff_free(d);
    return PR_ERR_NOMEM;
}

/* ---- baseline CSV ----------------------------------------------------- */

/* The columns of `profreport -f csv -t endpoints` that a baseline needs. */
enum { C_ENDPOINT, C_REQUESTS, C_MEAN, C_P50, C_P95, C_P99, C_MAX, NCOLS };
static const char *const WANT[NCOLS] = {"endpoint", "requests", "mean_ms",
                                        "p50_ms", "p95_ms", "p99_ms",
                                        "max_ms"};

typedef struct csv_state {
    pr_diff *d;
    size_t cap;
    int col_of[32];     /* column index -> wanted column, or -1 */
    int have[NCOLS];
    size_t field, row;
    char *cell[NCOLS];
    size_t len[NCOLS];
    pr_status st;
    pr_error *err;
    struct csv_parser *p;
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
        for (int k = 0; k < NCOLS; k++)
            if (!c->have[k]) {
                c->st = pr__fail(c->err, PR_ERR_BAD_CSV, 0,
                                 "baseline CSV has no '%s' column (write it "
                                 "with -f csv -t endpoints)", WANT[k]);
                return;
            }
    } else {
        double v[NCOLS] = {0};
        for (int k = 1; k < NCOLS; k++)
            if (c->cell[k] == NULL || !num(c->cell[k], &v[k])) {
                c->st = pr__fail(c->err, PR_ERR_BAD_CSV, at,
                                 "baseline CSV row %zu: '%s' is not a "
                                 "number", c->row, WANT[k]);
                return;
            }
        if (v[C_REQUESTS] > 1e15) { /* no (size_t) of an absurd double */
            c->st = pr__fail(c->err, PR_ERR_BAD_CSV, at,
                             "baseline CSV row %zu: requests out of range",
                             c->row);
            return;
        }
        if (c->cell[C_ENDPOINT] == NULL) {
            c->st = pr__fail(c->err, PR_ERR_BAD_CSV, at,
                             "baseline CSV row %zu has no endpoint", c->row);
            return;
        }
        if (c->d->neps >= c->cap) {
            size_t cap = c->cap ? c->cap * 2 : 64;
            pr_diff_endpoint *e = realloc(c->d->eps, cap * sizeof *e);
            if (e == NULL) {
                c->st = PR_ERR_NOMEM;
                return;
            }
            c->d->eps = e;
            c->cap = cap;
        }
        pr_diff_endpoint *e = endpoint(c->d, c->cap, c->cell[C_ENDPOINT]);
        if (e == NULL) {
            c->st = PR_ERR_NOMEM;
            return;
        }
        pr_diff_side s = {(size_t)v[C_REQUESTS], v[C_MEAN], v[C_P50],
                          v[C_P95], v[C_P99], v[C_MAX]};
        e->base = s;
    }
    for (int k = 0; k < NCOLS; k++) {
        free(c->cell[k]);
        c->cell[k] = NULL;
    }
    c->field = 0;
    c->row++;
}

pr_status pr_diff_from_baseline(const char *csv_path, const pr_report *cur,
                                pr_diff **out, pr_error *err)
{
    if (csv_path == NULL || cur == NULL || out == NULL)
        return pr__fail(err, PR_ERR_USAGE, PR_NO_OFFSET, "NULL argument");
    *out = NULL;
    FILE *f = fopen(csv_path, "rb");
    if (f == NULL)
        return pr__fail(err, PR_ERR_IO, PR_NO_OFFSET, "cannot open: %s",
                        strerror(errno));
    pr_diff *d = diff_new();
    struct csv_parser p;
    if (d == NULL || csv_init(&p, CSV_APPEND_NULL) != 0) {
        fclose(f);
        pr_diff_free(d);
        return pr__fail(err, PR_ERR_NOMEM, PR_NO_OFFSET, "out of memory");
    }
    d->from_baseline = 1;
    d->csv_raw = cur->opts.csv_raw;
    csv_state c;
    memset(&c, 0, sizeof c);
    c.d = d;
    c.err = err;
    c.p = &p;
    char buf[65536];
    size_t n;
    while (c.st == PR_OK && (n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (csv_parse(&p, buf, n, on_field, on_row, &c) != n) {
            c.st = pr__fail(err, PR_ERR_BAD_CSV, c.offset,
                            "baseline CSV: %s", csv_strerror(csv_error(&p)));
            break;
        }
        c.offset += n;
    }
    if (c.st == PR_OK && ferror(f))
        c.st = pr__fail(err, PR_ERR_IO, c.offset, "read failed");
    if (c.st == PR_OK && csv_fini(&p, on_field, on_row, &c) != 0)
        c.st = pr__fail(err, PR_ERR_BAD_CSV, c.offset,
                        "baseline CSV: %s", csv_strerror(csv_error(&p)));
    if (c.st == PR_OK && c.row == 0)
        c.st = pr__fail(err, PR_ERR_BAD_CSV, 0, "baseline CSV is empty");
    csv_free(&p);
    fclose(f);
    for (int k = 0; k < NCOLS; k++)
        free(c.cell[k]);
    if (c.st == PR_OK) {
        size_t nc = pr_report_endpoints(cur, NULL);
        size_t cap = d->neps + nc + 1;
        pr_diff_endpoint *e = realloc(d->eps, cap * sizeof *e);
        if (e == NULL)
            c.st = PR_ERR_NOMEM;
        else {
            d->eps = e;
            if (add_current(d, cur, cap) != 0)
                c.st = PR_ERR_NOMEM;
        }
        if (c.st == PR_ERR_NOMEM)
            pr__fail(err, PR_ERR_NOMEM, PR_NO_OFFSET, "out of memory");
    }
    if (c.st != PR_OK) {
        pr_diff_free(d);
        return c.st;
    }
    *out = d;
    return PR_OK;
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
        for (size_t k = 0; k < nrules && e->failed == NULL; k++) {
            const pr_rule *r = &rules[k];
            double b = metric_of(&e->base, r->metric);
            double c = metric_of(&e->cur, r->metric);
            int crossed = r->percent ? (b > 0 && (c - b) / b * 100 > r->value)
                                     : (c - b > r->value);
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

static void change(FILE *out, double b, double c)
{
    double dlt = c - b;
    if (b > 0)
        fprintf(out, "%+.0f (%+.0f%%)", dlt, dlt / b * 100);
    else
        fprintf(out, "%+.0f", dlt);
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
                fputs("- ", out);
                esc_md(out, d->eps[i].label, strlen(d->eps[i].label));
                fprintf(out, ": p95 %.0f ms -> %.0f ms, mean %.0f -> %.0f "
                             "(rule `%s`)\n",
                        d->eps[i].base.p95_ms, d->eps[i].cur.p95_ms,
                        d->eps[i].base.mean_ms, d->eps[i].cur.mean_ms,
                        d->eps[i].failed);
            }
        fputs("\n", out);
    }
    fputs("## Endpoints\n\n| endpoint | requests | p50 ms | change | p95 ms | "
          "change | mean ms | change | |\n"
          "|:---|---:|---:|---:|---:|---:|---:|---:|:---|\n", out);
    for (size_t i = 0; i < d->neps; i++) {
        const pr_diff_endpoint *e = &d->eps[i];
        fputs("| ", out);
        esc_md(out, e->label, strlen(e->label));
        if (!e->base.requests || !e->cur.requests) {
            const pr_diff_side *s = e->cur.requests ? &e->cur : &e->base;
            fprintf(out, " | %zu | %.0f | | %.0f | | %.1f | | %s |\n",
                    s->requests, s->p50_ms, s->p95_ms, s->mean_ms,
                    e->cur.requests ? "new" : "gone");
            continue;
        }
        fprintf(out, " | %zu \xe2\x86\x92 %zu | %.0f | ", e->base.requests,
                e->cur.requests, e->cur.p50_ms);
        change(out, e->base.p50_ms, e->cur.p50_ms);
        fprintf(out, " | %.0f | ", e->cur.p95_ms);
        change(out, e->base.p95_ms, e->cur.p95_ms);
        fprintf(out, " | %.1f | ", e->cur.mean_ms);
        change(out, e->base.mean_ms, e->cur.mean_ms);
        fprintf(out, " | %s |\n", e->failed ? "**fail**" : "");
    }
    fprintf(out, "\n%zu endpoints on both sides; changes are new minus "
                 "base (ms), sorted by the p95 change.\n\n", both);
    const char *titles[2] = {"Modules (inclusive s per request)",
                             "Functions (tottime per request)"};
    const pr_diff_row *rows[2] = {d->mods, d->funcs};
    size_t ns[2] = {d->nmods, d->nfuncs};
    for (int t = 0; t < 2 && !d->from_baseline; t++) {
        fprintf(out, "## %s\n\n| name | base ms | new ms | change |\n"
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
          "base_p95_ms,new_p95_ms,base_mean_ms,new_mean_ms,failed\n", out);
    for (size_t i = 0; i < d->neps; i++) {
        const pr_diff_endpoint *e = &d->eps[i];
        esc_csv(out, e->label, strlen(e->label), !d->csv_raw);
        fprintf(out, ",%zu,%zu,%.3f,%.3f,%.3f,%.3f,%.3f,%.3f,", e->base.requests,
                e->cur.requests, e->base.p50_ms, e->cur.p50_ms,
                e->base.p95_ms, e->cur.p95_ms, e->base.mean_ms,
                e->cur.mean_ms);
        if (e->failed)
            esc_csv(out, e->failed, strlen(e->failed), !d->csv_raw);
        fputc('\n', out);
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
                       : pr__html_page(md, "profreport diff", out);
    free(md);
    return st;
}
