/* test_render_html.c - the HTML report as a whole (lib/render_html.c):
 * one self-contained page, sections with the ids the report's own links
 * use, charts next to their tables, and names from profiles as text.
 * tests/browsertest.sh checks the same pages in a real browser. */
#include "testutil.h"

#include "funckey.h"
#include "render.h"

typedef struct page {
    char *html;
    size_t len;
    size_t endpoints;
    size_t functions;
} page;

/* The HTML report of one directory, rendered through the public API. */
static page render_dir(const char *dir)
{
    pr_agg_options ao;
    memset(&ao, 0, sizeof ao);
    ao.threads = 1;
    pr_agg *agg = NULL;
    cr_assert_eq(pr_agg_new(&ao, &agg), PR_OK);
    cr_assert_eq(pr_agg_add_paths(agg, &dir, 1), PR_OK);
    cr_assert_gt(pr_agg_files_read(agg), 0, "nothing read from %s", dir);
    pr_report *r = NULL;
    cr_assert_eq(pr_report_build(agg, NULL, &r), PR_OK);
    page p = {NULL, 0, 0, 0};
    const pr_endpoint_row *rows;
    const pr_func_row *funcs;
    p.endpoints = pr_report_endpoints(r, &rows);
    p.functions = pr_report_functions(r, &funcs);
    FILE *f = open_memstream(&p.html, &p.len);
    cr_assert_not_null(f);
    pr_error err;
    cr_assert_eq(pr_render(r, PR_FORMAT_HTML, PR_TABLE_ALL, f, &err), PR_OK,
                 "%s", err.msg);
    cr_assert_eq(fclose(f), 0);
    pr_report_free(r);
    pr_agg_free(agg);
    return p;
}

static size_t count(const char *hay, const char *needle)
{
    size_t k = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        k++;
    return k;
}

/* Where <section id="id"> opens. */
static const char *section(const char *html, const char *id)
{
    char tag[128];
    snprintf(tag, sizeof tag, "<section id=\"%s\">", id);
    const char *s = strstr(html, tag);
    cr_assert_not_null(s, "no %s", tag);
    return s;
}

/* True when `needle` occurs in section `id`, before the next "<h2>". */
static int in_section(const char *html, const char *id, const char *needle)
{
    const char *s = section(html, id);
    const char *own = strstr(s, "</h2>");
    const char *next = own != NULL ? strstr(own, "<h2>") : NULL;
    const char *hit = strstr(s, needle);
    return hit != NULL && (next == NULL || hit < next);
}

Test(render_html, one_self_contained_page)
{
    page p = render_dir("data/werkzeug");
    const char *h = p.html;
    cr_assert_eq(strncmp(h, "<!DOCTYPE html>", 15), 0);
    cr_assert_eq(count(h, "<html"), 1);
    cr_assert_eq(count(h, "</html>"), 1);
    /* No URL of any kind: no scheme, no src, no external stylesheet;
     * the policy forbids loading anything. */
    cr_assert_null(strstr(h, "://"));
    cr_assert_null(strstr(h, " src="));
    cr_assert_null(strstr(h, "<link"));
    cr_assert_null(strstr(h, "@import"));
    cr_assert_null(strstr(h, "url("));
    cr_assert(strstr(h, "Content-Security-Policy\" content=\"default-src "
                        "'none'") != NULL);
    cr_assert_eq(count(h, "<script"), 1, "one script, ours");
    cr_assert(strstr(h, "@media print") != NULL);
    cr_assert(strstr(h, "prefers-color-scheme:dark") != NULL);
    cr_assert(strstr(h, "name=\"viewport\"") != NULL);
    free(p.html);
}

Test(render_html, charts_next_to_their_sections)
{
    page p = render_dir("data/werkzeug");
    const char *h = p.html;
    cr_assert(in_section(h, "endpoints", "<svg class=\"chart endpoints\""));
    cr_assert(in_section(h, "modules", "<svg class=\"chart modules\""));
    cr_assert(in_section(h, "modules", "<svg class=\"chart mix\""));
    cr_assert(in_section(h, "call-tree", "<svg class=\"chart icicle\""));
    /* The chart comes before the section's table or code block. */
    const char *s = section(h, "endpoints");
    cr_assert_lt(strstr(s, "<svg"), strstr(s, "<table>"));
    /* One flame graph and one module chart per endpoint, up to 20. */
    size_t per = p.endpoints < 20 ? p.endpoints : 20;
    cr_assert_eq(count(h, "<svg class=\"chart icicle\""), 1 + per);
    cr_assert_eq(count(h, "<svg class=\"chart modules\""), 1 + per);
    free(p.html);
}

Test(render_html, section_ids_match_the_reports_links)
{
    page p = render_dir("data/werkzeug");
    const char *h = p.html;
    /* Every in-page link has its target. */
    for (const char *a = h; (a = strstr(a, "href=\"#")) != NULL; a++) {
        char id[200];
        size_t n = strcspn(a + 7, "\"");
        cr_assert_lt(n, sizeof id - 1);
        memcpy(id, a + 7, n);
        id[n] = '\0';
        char tag[256];
        snprintf(tag, sizeof tag, "id=\"%s\"", id);
        cr_assert(strstr(h, tag) != NULL, "link to #%s has no target", id);
    }
    cr_assert(strstr(h, "href=\"#modules\"") != NULL, "findings link");
    /* Endpoint details: one collapsed block per endpoint, its heading
     * the summary, so the page is a few screens until one is opened. */
    const char *d = strstr(h, "<details class=\"ep\" name=\"ep\" "
                              "id=\"index-flask_apppy232\">");
    cr_assert_not_null(d);
    const char *sum = strstr(d, "<summary>"), *h3 = strstr(d, "<h3>");
    cr_assert(sum != NULL && h3 != NULL && sum < h3 &&
              strstr(d, "</summary>") > h3, "the heading is the summary");
    cr_assert_null(strstr(h, "<details class=\"ep\" name=\"ep\" open"));
    free(p.html);
}

Test(render_html, hostile_names_are_text)
{
    page p = render_dir("data/hostile");
    const char *h = p.html;
    cr_assert_eq(count(h, "<script"), 1, "one script, ours");
    cr_assert_null(strstr(h, "<img"));
    cr_assert_null(strstr(h, "<svg onload"));
    cr_assert_null(strstr(h, "href=\"http"));
    cr_assert_null(strstr(h, "<strong>bold"), "Markdown in a name is text");
    /* In the Markdown text (cmark) and in the charts (esc_html) alike. */
    cr_assert(strstr(h, "><code>&lt;script&gt;alert(1)&lt;/script&gt;&amp;amp; "
                        "(routes.py:1)</code></td>") != NULL);
    cr_assert(strstr(h, "<title>&lt;script&gt;alert(1)&lt;/script&gt;"
                        "&amp;amp;\n") != NULL);
    cr_assert(strstr(h, "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;")
              != NULL);
    cr_assert(strstr(h, "caf\\xff") != NULL, "undecodable byte as \\xNN");
    free(p.html);
}

/* The title and the header name what was read, escaped: an input is
 * whatever the user typed, markup included. */
Test(render_html, title_and_header_name_the_inputs)
{
    const char *dir = "data/werkzeug";
    pr_agg *agg = NULL;
    cr_assert_eq(pr_agg_new(NULL, &agg), PR_OK);
    cr_assert_eq(pr_agg_add_paths(agg, &dir, 1), PR_OK);
    const char *inputs[] = {"data/werkzeug", "<b>x&y</b>", "c", "d", "e"};
    pr_report_options ro;
    memset(&ro, 0, sizeof ro);
    ro.inputs = inputs;
    ro.generated_at = 1796169600;
    static const struct {
        size_t n;
        const char *title, *md;
    } cases[] = {
        {1, "<title>profreport: data/werkzeug</title>",
         "- **Input:** `data/werkzeug`\n"},
        {2, "<title>profreport: data/werkzeug and &lt;b&gt;x&amp;y&lt;/b&gt;"
            "</title>",
         "- **Inputs:** `data/werkzeug` and `<b>x&y</b>`\n"},
        {5, "<title>profreport: data/werkzeug, &lt;b&gt;x&amp;y&lt;/b&gt;, c "
            "and 2 more</title>",
         "- **Inputs:** `data/werkzeug`, `<b>x&y</b>`, `c` and 2 more\n"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        ro.ninputs = cases[k].n;
        pr_report *r = NULL;
        cr_assert_eq(pr_report_build(agg, &ro, &r), PR_OK);
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        cr_assert_eq(pr_render(r, PR_FORMAT_HTML, PR_TABLE_ALL, f, NULL),
                     PR_OK);
        fclose(f);
        cr_assert(strstr(buf, cases[k].title) != NULL, "%zu inputs: %.600s",
                  cases[k].n, strstr(buf, "<title>"));
        cr_assert(strstr(buf, "made 2026-12-02T00:00:00Z by profreport "
                              PR_VERSION_STRING) != NULL);
        free(buf);
        f = open_memstream(&buf, &len);
        cr_assert_eq(pr_render(r, PR_FORMAT_MD, PR_TABLE_ALL, f, NULL), PR_OK);
        fclose(f);
        cr_assert(strstr(buf, cases[k].md) != NULL, "%zu inputs: %.400s",
                  cases[k].n, buf);
        free(buf);
        pr_report_free(r);
    }
    /* Nothing said: a plain title, and no time. */
    pr_report *r = NULL;
    cr_assert_eq(pr_report_build(agg, NULL, &r), PR_OK);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_eq(pr_render(r, PR_FORMAT_MD, PR_TABLE_ALL, f, NULL), PR_OK);
    fclose(f);
    cr_assert(strstr(buf, "**Input") == NULL);
    cr_assert(strstr(buf, "- **Report:** made by profreport ") != NULL);
    free(buf);
    pr_report_free(r);
    pr_agg_free(agg);
}

/* Every function is in the page with its callers and callees, each a
 * block shown by :target (no script needed), linked from the table and
 * from flame-graph boxes by the same id. */
Test(render_html, every_function_with_callers_and_callees)
{
    page p = render_dir("data/werkzeug");
    const char *h = p.html;
    const char *sec = strstr(h, "<section id=\"all-functions\">");
    cr_assert_not_null(sec);
    size_t n = p.functions;
    cr_assert_gt(n, 10);
    cr_assert_eq(count(sec, "<div class=\"fnd\" id=\"fn-"), n);
    cr_assert_eq(count(sec, "<caption>Called by ("), n);
    cr_assert_eq(count(sec, "<caption>Calls ("), n);
    /* A box of the flame graph names a block that exists. */
    const char *g = strstr(h, "data-fn=\"");
    cr_assert_not_null(g);
    char tag[64];
    snprintf(tag, sizeof tag, "<div class=\"fnd\" id=\"%.19s\">", g + 9);
    cr_assert_not_null(strstr(sec, tag), "%s", tag);
    free(p.html);
}

static char *html_with_source(const char *url)
{
    const char *dir = "data/werkzeug";
    pr_agg_options ao = {.threads = 1};
    pr_agg *agg = NULL;
    cr_assert_eq(pr_agg_new(&ao, &agg), PR_OK);
    cr_assert_eq(pr_agg_add_paths(agg, &dir, 1), PR_OK);
    pr_report_options ro;
    memset(&ro, 0, sizeof ro);
    char *u = strdup(url), *c = strdup("abc123");
    ro.source_url = u;
    ro.source_commit = c;
    pr_report *r = NULL;
    cr_assert_eq(pr_report_build(agg, &ro, &r), PR_OK);
    free(u); /* the report keeps its own copies */
    free(c);
    pr_agg_free(agg);
    char *html = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&html, &len);
    cr_assert_not_null(f);
    cr_assert_eq(pr_render(r, PR_FORMAT_HTML, PR_TABLE_ALL, f, NULL), PR_OK);
    cr_assert_eq(fclose(f), 0);
    pr_report_free(r);
    return html;
}

/* --source-url links the app's own frames, relative to the app root,
 * and nothing else; a template that is not http(s) links nothing. */
Test(render_html, source_links_for_app_frames)
{
    char *h = html_with_source("https://example.org/{commit}/{path}?x=1&y#L{line}");
    cr_assert_not_null(strstr(h, "<a class=\"src\" href=\"https://example.org/"
                                 "abc123/flask_app.py?x=1&amp;y#L71\">"), "%.200s",
                       strstr(h, "class=\"src\"") ? strstr(h, "class=\"src\"") : "none");
    cr_assert_null(strstr(h, "href=\"https://example.org/abc123/flask/"),
                   "a library frame linked");
    free(h);
    h = html_with_source("javascript:alert(1)//{path}");
    cr_assert_null(strstr(h, "class=\"src\""));
    cr_assert_null(strstr(h, "javascript:"));
    free(h);
}

/* ---- All functions: the cap and the endpoint filter's data ------------- */

static pr_report *report_of(const char *dir, pr_agg **agg)
{
    pr_agg_options ao = {.threads = 1};
    cr_assert_eq(pr_agg_new(&ao, agg), PR_OK);
    cr_assert_eq(pr_agg_add_paths(*agg, &dir, 1), PR_OK);
    pr_report *r = NULL;
    cr_assert_eq(pr_report_build(*agg, NULL, &r), PR_OK);
    return r;
}

static char *functions_html(const pr_report *r, size_t max_funcs)
{
    char *html = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&html, &len);
    cr_assert_not_null(f);
    cr_assert_eq(pr__html_functions(r, max_funcs, f), PR_OK);
    cr_assert_eq(fclose(f), 0);
    return html;
}

/* The function table's row of `k`, from its "<tr", or NULL. */
static const char *func_row(const char *html, const pr_func_key *k)
{
    char id[24], link[48];
    pr__func_anchor(k, id, sizeof id);
    snprintf(link, sizeof link, "><td><a href=\"#%s\">", id);
    const char *t = strstr(html, "<table class=\"funcs\">");
    cr_assert_not_null(t);
    const char *end = strstr(t, "</table>"), *at = strstr(t, link);
    if (at == NULL || at > end)
        return NULL;
    while (at > t && strncmp(at, "<tr", 3) != 0)
        at--;
    return at;
}

/* Over the cap, the functions with the most own time are listed, and a
 * note says how many are not and how to get them; under it, no note. */
Test(render_html, function_cap_says_what_is_left_out)
{
    pr_agg *agg;
    pr_report *r = report_of("data/werkzeug", &agg);
    const pr_func_row *f;
    size_t n = pr_report_functions(r, &f);
    cr_assert_gt(n, 20);
    size_t most = 0, least = 0;
    for (size_t i = 1; i < n; i++) {
        if (f[i].tt > f[most].tt)
            most = i;
        if (f[i].tt < f[least].tt)
            least = i;
    }
    char *h = functions_html(r, 10);
    const char *t = strstr(h, "<table class=\"funcs\">");
    cr_assert_not_null(t);
    size_t rows = 0;
    for (const char *p = t; (p = strstr(p, "<tr")) != NULL &&
                            p < strstr(t, "</table>"); p++)
        rows++;
    cr_assert_eq(rows, 1 + 10, "a head and 10 rows");
    cr_assert_eq(count(h, "<div class=\"fnd\" id=\"fn-"), 10);
    cr_assert_not_null(func_row(h, &f[most].key));
    cr_assert_null(func_row(h, &f[least].key));
    char note[200];
    snprintf(note, sizeof note, "<p class=\"cap\">%zu functions with less "
                                "own time are not listed here", n - 10);
    cr_assert_not_null(strstr(h, note), "%s", note);
    cr_assert_not_null(strstr(h, "<code>profreport -f csv -t functions</code>"
                                 " lists every one"));
    free(h);
    h = functions_html(r, 0);
    cr_assert_null(strstr(h, "class=\"cap\""), "no note when all are listed");
    cr_assert_eq(count(h, "<div class=\"fnd\" id=\"fn-"), n);
    free(h);
    pr_report_free(r);
    pr_agg_free(agg);
}

/* Each row says which endpoints called the function (data-ep, indexes
 * into the hidden list the script builds its endpoint filter from):
 * every function of an endpoint's own top list names that endpoint. */
Test(render_html, function_rows_name_their_endpoints)
{
    pr_agg *agg;
    pr_report *r = report_of("data/werkzeug", &agg);
    const pr_endpoint_row *e;
    size_t ne = pr_report_endpoints(r, &e);
    cr_assert_gt(ne, 1);
    char *h = functions_html(r, 0);
    const char *list = strstr(h, "<ul class=\"eps\" hidden>");
    cr_assert_not_null(list);
    cr_assert_eq(count(list, "<li>") - count(strstr(list, "</ul>"), "<li>"),
                 ne);
    size_t checked = 0, partial = 0;
    for (size_t k = 0; k < ne; k++)
        for (size_t j = 0; j < e[k].nfuncs_top; j++) {
            const char *row = func_row(h, &e[k].funcs_tt[j].key);
            cr_assert_not_null(row);
            cr_assert_eq(strncmp(row, "<tr data-ep=\"", 13), 0, "%.60s", row);
            char eps[512], want[32];
            size_t len = strcspn(row + 13, "\"");
            cr_assert_lt(len, sizeof eps - 2);
            snprintf(eps, sizeof eps, " %.*s ", (int)len, row + 13);
            snprintf(want, sizeof want, " %zu ", k);
            cr_assert_not_null(strstr(eps, want), "%s lacks %zu", eps, k);
            partial += count(eps, " ") - 1 < ne;
            checked++;
        }
    cr_assert_gt(checked, ne);
    cr_assert_gt(partial, 0, "some function ran in only some endpoints");
    free(h);
    pr_report_free(r);
    pr_agg_free(agg);
}

/* A block lists the callers with the most cumulative time first, at most
 * 40, and says how many there were (builtins.isinstance has 125 callers
 * in the fixture), so the script's sandwich has the heaviest calls. */
Test(render_html, heaviest_edges_first_in_a_block)
{
    pr_agg *agg;
    pr_report *r = report_of("data/werkzeug", &agg);
    const pr_edge_row *e;
    size_t ne = pr_report_edges(r, &e);
    /* Edges come by callee: the longest run is the most-called one. */
    size_t best = 0, n = 0;
    for (size_t i = 0; i < ne;) {
        size_t j = i;
        while (j < ne && pr__key_cmp(e[j].callee, e[i].callee) == 0)
            j++;
        if (j - i > n) {
            n = j - i;
            best = i;
        }
        i = j;
    }
    cr_assert_gt(n, 40);
    double heaviest = 0;
    for (size_t k = best; k < best + n; k++)
        if (!e[k].count_only && e[k].ct > heaviest)
            heaviest = e[k].ct;
    char *h = functions_html(r, 0);
    char id[24], tag[64], want[64];
    pr__func_anchor(e[best].callee, id, sizeof id);
    snprintf(tag, sizeof tag, "<div class=\"fnd\" id=\"%s\">", id);
    const char *blk = strstr(h, tag);
    cr_assert_not_null(blk, "%s", tag);
    snprintf(want, sizeof want, "<caption>Called by (%zu)</caption>", n);
    const char *cap = strstr(blk, want);
    cr_assert_not_null(cap, "%s", want);
    const char *end = strstr(cap, "</table>");
    size_t rows = 0;
    double last = heaviest + 1;
    for (const char *p = cap; (p = strstr(p, "<tr><td>")) != NULL && p < end;
         p++) {
        const char *close = strstr(p, "</td></tr>");
        const char *td = close;
        while (strncmp(td, "<td>", 4) != 0)
            td--;
        double ct = strtod(td + 4, NULL);
        if (rows == 0)
            cr_assert_float_eq(ct, heaviest, 1e-6, "first: %f", ct);
        cr_assert_leq(ct, last, "row %zu out of order", rows);
        last = ct;
        rows++;
    }
    cr_assert_eq(rows, 40);
    snprintf(want, sizeof want, "The 40 with the most cumulative time of %zu",
             n);
    cr_assert_not_null(strstr(end, want), "%s", want);
    free(h);
    pr_report_free(r);
    pr_agg_free(agg);
}
