/* html_explore.c - the HTML report's "All functions" section: every
 * function of the run in one table, and for each its callers and callees
 * with the time on each edge (what pstats' print_callers and
 * print_callees give).
 *
 * It is plain HTML: the table sits in a scroll box, and a function's
 * callers and callees are a block shown by CSS when the page's address
 * names it (:target), so a link from any table row, caller, callee or
 * flame-graph box opens it without a script. The page's script adds
 * sorting and filters by text, module and endpoint to the table, and
 * draws a function's block as a sandwich (callers above, callees below)
 * from the block's own tables. */
#define _POSIX_C_SOURCE 200809L
#include "escape.h"
#include "modules.h"
#include "render.h"
#include "sort.h"
#include "stacks.h"

#include <stdlib.h>
#include <string.h>

/* Size bounds: the page stays within a few MB whatever the input. The
 * PR__HTML_MAX_FUNCS functions with the most own time are listed (a
 * Flask app has about 1,500) and MAX_EDGES callers and callees of each;
 * the CSV tables (-t functions, -t edges) have them all. The endpoint
 * filter offers the first MAX_EP_FILTER endpoints of the table. */
enum { MAX_EDGES = 40, MAX_EP_FILTER = 100 };

/* Edges by caller: (caller's index, edge index), sorted. */
typedef struct by_caller {
    size_t caller, edge;
} by_caller;

static int cmp_by_caller(const void *a, const void *b)
{
    const by_caller *x = a, *y = b;
    if (x->caller != y->caller)
        return x->caller < y->caller ? -1 : 1;
    return (x->edge > y->edge) - (x->edge < y->edge);
}

static void label(FILE *out, const pr_func_key *k)
{
    pr__func_label(k, esc_html, out);
}

/* A function's name as a link to its callers and callees. */
static void func_link(FILE *out, const pr_func_key *k, int known)
{
    if (known) {
        char id[24];
        pr__func_anchor(k, id, sizeof id);
        fprintf(out, "<a href=\"#%s\">", id);
    }
    label(out, k);
    if (known)
        fputs("</a>", out);
}

static void ncalls(FILE *out, int64_t nc, int64_t cc)
{
    if (nc == cc)
        fprintf(out, "%lld", (long long)nc);
    else
        fprintf(out, "%lld/%lld", (long long)nc, (long long)cc);
}

/* has_block[i]: function i of r->funcs has its block in the page. */
static void edge_row(FILE *out, const pr_report *r, const pr_edge_row *e,
                     const pr_func_key *other, const unsigned char *has_block)
{
    size_t i = pr__report_func(r, other);
    fputs("<tr><td>", out);
    func_link(out, other, i != SIZE_MAX && has_block[i]);
    fputs("</td><td>", out);
    ncalls(out, e->nc, e->cc);
    if (e->count_only)
        fputs("</td><td></td><td></td></tr>", out);
    else
        fprintf(out, "</td><td>%.6f</td><td>%.6f</td></tr>", e->tt, e->ct);
}

/* The source link of an application frame, per the --source-url
 * template (pr_report_options.source_url); nothing for other frames or
 * a template that is not an http(s) URL, so a profile or an option
 * cannot make a javascript: link. */
static void source_link(FILE *out, const pr_report *r, const pr_func_key *k)
{
    const char *t = r->opts.source_url;
    if (t == NULL || !pr__app_file(k) ||
        (strncmp(t, "https://", 8) != 0 && strncmp(t, "http://", 7) != 0))
        return;
    const char *f = k->file.ptr;
    size_t n = k->file.len, root = strlen(r->app_root);
    if (root > 0 && n > root && memcmp(f, r->app_root, root) == 0) {
        f += root;
        n -= root;
    }
    fputs(" <a class=\"src\" href=\"", out);
    while (*t != '\0') {
        if (strncmp(t, "{path}", 6) == 0) {
            for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)f[i];
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || strchr("-._~/", c) != NULL)
                    fputc(c, out);
                else
                    fprintf(out, "%%%02X", c);
            }
            t += 6;
        } else if (strncmp(t, "{line}", 6) == 0) {
            fprintf(out, "%lld", (long long)k->line);
            t += 6;
        } else if (strncmp(t, "{commit}", 8) == 0) {
            const char *c = r->opts.source_commit ? r->opts.source_commit : "";
            esc_html(out, c, strlen(c));
            t += 8;
        } else {
            size_t m = strcspn(t + 1, "{") + 1;
            esc_html(out, t, m);
            t += m;
        }
    }
    fputs("\">source</a>", out);
}

static const char EDGE_HEAD[] =
    "<thead><tr><th>function</th><th>ncalls</th><th>tottime</th>"
    "<th>cumtime</th></tr></thead><tbody>";

/* Edges by cumulative time, most first; ties keep their order. */
static int cmp_edge_ct(const void *a, const void *b)
{
    const pr_edge_row *x = *(const pr_edge_row *const *)a;
    const pr_edge_row *y = *(const pr_edge_row *const *)b;
    if (x->ct != y->ct)
        return x->ct > y->ct ? -1 : 1;
    return (x > y) - (x < y);
}

/* One side of a block: the edges v[0..n) as a table, the MAX_EDGES with
 * the most cumulative time first (so the sandwich the script draws from
 * it has the heaviest calls), and a note when there were more. The
 * other end of each edge is its caller (callers) or callee. */
static void edge_table(FILE *out, const pr_report *r, const char *caption,
                       const pr_edge_row **v, size_t n, int callers,
                       const unsigned char *has_block)
{
    pr__qsort(v, n, sizeof *v, cmp_edge_ct);
    fprintf(out, "<table class=\"edges\"><caption>%s (%zu)</caption>",
            caption, n);
    fputs(EDGE_HEAD, out);
    for (size_t k = 0; k < n && k < MAX_EDGES; k++)
        edge_row(out, r, v[k], callers ? v[k]->caller : v[k]->callee,
                 has_block);
    fputs("</tbody></table>", out);
    if (n > MAX_EDGES)
        fprintf(out, "<p class=\"note\">The %d with the most cumulative "
                     "time of %zu; <code>-f csv -t edges</code> has every "
                     "edge.</p>", MAX_EDGES, n);
}

/* The block of function i: where it is, its totals, callers, callees.
 * `v` has room for r->nedges pointers. */
static void func_block(FILE *out, const pr_report *r, size_t i,
                       const char *module, const by_caller *bc, size_t nbc,
                       const unsigned char *has_block, const pr_edge_row **v)
{
    const pr_func_row *f = &r->funcs[i];
    char id[24];
    pr__func_anchor(&f->key, id, sizeof id);
    fprintf(out, "<div class=\"fnd\" id=\"%s\"><h3>", id);
    label(out, &f->key);
    fputs("</h3><p>Module ", out);
    esc_html(out, module, strlen(module));
    fputs("; ", out);
    ncalls(out, f->nc, f->cc);
    fprintf(out, " calls, %.6f s own time (tottime), %.6f s cumulative "
                 "(cumtime).", f->tt, f->ct);
    source_link(out, r, &f->key);
    fputs("</p>", out);

    /* Callers: the edges into f, contiguous (sorted by callee). */
    size_t lo = 0, hi = r->nedges;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (pr__key_cmp(r->edges[mid].callee, &f->key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t end = lo;
    while (end < r->nedges && pr__key_cmp(r->edges[end].callee, &f->key) == 0)
        end++;
    for (size_t e = lo; e < end; e++)
        v[e - lo] = &r->edges[e];
    edge_table(out, r, "Called by", v, end - lo, 1, has_block);

    /* Callees: the edges out of f, from the by-caller index. */
    by_caller want = {i, 0};
    size_t a = 0, b = nbc;
    while (a < b) {
        size_t mid = a + (b - a) / 2;
        if (cmp_by_caller(&bc[mid], &want) < 0)
            a = mid + 1;
        else
            b = mid;
    }
    size_t z = a;
    while (z < nbc && bc[z].caller == i)
        z++;
    for (size_t k = a; k < z; k++)
        v[k - a] = &r->edges[bc[k].edge];
    edge_table(out, r, "Calls", v, z - a, 0, has_block);
    fputs("</div>", out);
}

/* The endpoints function i was called in, for the script's endpoint
 * filter: data-ep="0 3 5" (indexes into the hidden list of endpoints). */
static void endpoints_attr(FILE *out, const pr_report *r, size_t i)
{
    if (r->func_ep_at == NULL)
        return;
    int any = 0;
    for (size_t k = r->func_ep_at[i]; k < r->func_ep_at[i + 1]; k++) {
        if (r->func_eps[k] >= MAX_EP_FILTER)
            break; /* ascending */
        fprintf(out, any ? " %u" : " data-ep=\"%u", (unsigned)r->func_eps[k]);
        any = 1;
    }
    if (any)
        fputc('"', out);
}

/* The endpoints the filter offers, in the table's order; the script
 * reads them, a reader without it never sees them. */
static void endpoint_list(FILE *out, const pr_report *r)
{
    if (r->func_ep_at == NULL || r->nendpoints == 0)
        return;
    fputs("<ul class=\"eps\" hidden>", out);
    for (size_t e = 0; e < r->nendpoints && e < MAX_EP_FILTER; e++) {
        const char *l = r->endpoints[e].label ? r->endpoints[e].label : "";
        fputs("<li>", out);
        esc_html(out, l, strlen(l));
        fputs("</li>", out);
    }
    fputs("</ul>", out);
}

pr_status pr__html_functions(const pr_report *r, size_t max_funcs, FILE *out)
{
    if (r->nfuncs == 0)
        return PR_OK;
    mod_config mc = {&r->opts, r->app_root};
    char **modules = calloc(r->nfuncs, sizeof *modules);
    unsigned char *has_block = calloc(r->nfuncs, 1);
    by_caller *bc = malloc((r->nedges ? r->nedges : 1) * sizeof *bc);
    const pr_edge_row **v = malloc((r->nedges ? r->nedges : 1) * sizeof *v);
    if (modules == NULL || bc == NULL || has_block == NULL || v == NULL) {
        free(modules);
        free(has_block);
        free(bc);
        free(v);
        return PR_ERR_NOMEM;
    }
    pr_status st = PR_OK;
    for (size_t i = 0; i < r->nfuncs && st == PR_OK; i++) {
        char buf[256];
        mod_classify(&mc, &r->funcs[i].key, buf, sizeof buf);
        if ((modules[i] = strdup(buf)) == NULL)
            st = PR_ERR_NOMEM;
    }
    size_t nbc = 0;
    for (size_t e = 0; e < r->nedges && st == PR_OK; e++) {
        size_t c = pr__report_func(r, r->edges[e].caller);
        if (c != SIZE_MAX)
            bc[nbc++] = (by_caller){c, e};
    }
    pr__qsort(bc, nbc, sizeof *bc, cmp_by_caller);

    if (max_funcs == 0)
        max_funcs = PR__HTML_MAX_FUNCS;
    size_t shown = r->nfuncs < max_funcs ? r->nfuncs : max_funcs;
    for (size_t k = 0; k < shown; k++)
        has_block[r->by_tt != NULL ? r->by_tt[k] : k] = 1;
    if (st == PR_OK) {
        fputs("<section id=\"all-functions\"><h2>All functions</h2><p>", out);
        if (shown < r->nfuncs)
            fprintf(out, "The %zu functions with the most own time of the "
                         "run's %zu. ", shown, r->nfuncs);
        else
            fprintf(out, "Every function of the run (%zu), by own time. ",
                    r->nfuncs);
        fputs("Click a name for its callers and callees with the "
                     "time on each edge; a flame-graph box leads there "
                     "too.</p>", out);
        if (shown < r->nfuncs)
            fprintf(out, "<p class=\"cap\">%zu functions with less own time "
                         "are not listed here, to keep the page small: "
                         "<code>profreport -f csv -t functions</code> lists "
                         "every one, <code>-t edges</code> every caller and "
                         "callee.</p>", r->nfuncs - shown);
        endpoint_list(out, r);
        fputs("<div class=\"fnfilter\"></div>"
                     "<div class=\"scroll\"><table class=\"funcs\"><thead>"
                     "<tr><th>function</th><th>module</th><th>ncalls</th>"
                     "<th>tottime</th><th>cumtime</th></tr></thead><tbody>",
              out);
        for (size_t k = 0; k < shown; k++) {
            size_t i = r->by_tt != NULL ? r->by_tt[k] : k;
            const pr_func_row *f = &r->funcs[i];
            fputs("<tr", out);
            endpoints_attr(out, r, i);
            fputs("><td>", out);
            func_link(out, &f->key, 1);
            source_link(out, r, &f->key);
            fputs("</td><td>", out);
            esc_html(out, modules[i], strlen(modules[i]));
            fputs("</td><td>", out);
            ncalls(out, f->nc, f->cc);
            fprintf(out, "</td><td>%.6f</td><td>%.6f</td></tr>", f->tt,
                    f->ct);
        }
        fputs("</tbody></table></div><p class=\"note\">An edge's tottime "
              "and cumtime are the time spent in the callee when called "
              "from that caller, as pstats' print_callers and print_callees "
              "show them.</p><div class=\"fnds\">", out);
        for (size_t k = 0; k < shown; k++) {
            size_t i = r->by_tt != NULL ? r->by_tt[k] : k;
            func_block(out, r, i, modules[i], bc, nbc, has_block, v);
        }
        fputs("</div></section>\n", out);
    }
    for (size_t i = 0; i < r->nfuncs; i++)
        free(modules[i]);
    free(modules);
    free(has_block);
    free(bc);
    free(v);
    return st;
}
