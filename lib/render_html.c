/* render_html.c - one self-contained HTML file: the Markdown report
 * rendered by cmark-gfm (tables extension), so HTML and Markdown never say
 * different things, with charts (svg.c) and page furniture around it.
 *
 * The Markdown is parsed once; before rendering, the document tree is
 * regrouped: every "## " heading opens a <section id="slug"> (the slugs
 * GitHub gives headings, which the report's own links such as
 * "(#modules)" use), every "### " a nested one, and charts are inserted
 * as custom blocks next to the heading or table they belong to. Custom
 * blocks are the one way cmark-gfm passes our own markup through while
 * safe mode still drops raw HTML from the text.
 *
 * No external request of any kind: CSS and an optional script (click to
 * zoom the flame graphs) are inline, charts are inline SVG, and a
 * Content-Security-Policy lets the browser refuse anything else. */
#define _POSIX_C_SOURCE 200809L
#include "escape.h"
#include "render.h"
#include "svg.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <stdlib.h>
#include <string.h>

/* Size bounds: charts per endpoint for the first MAX_EP_CHARTS endpoints;
 * boxes per flame graph. A box is ~250 bytes, so the whole page stays
 * within a few MB whatever the input. */
enum {
    MAX_BAR_ROWS = 30,
    MAX_MODULE_ROWS = 15,
    MAX_EP_MODULE_ROWS = 8,
    MAX_EP_CHARTS = 20,
    MAX_BOXES = 2000,
    MAX_EP_BOXES = 600
};

const char pr__css[] =
    ":root{--fg:#1b1f24;--muted:#59636e;--bg:#fff;--line:#d0d7de;"
    "--grid:#e6eaef;--accent:#0969da;--bar:#7aa7e9;--p95:#cf3a4c;"
    "--code:#f6f8fa;color-scheme:light dark}"
    "@media screen and (prefers-color-scheme:dark){:root{--fg:#e6edf3;"
    "--muted:#9198a1;--bg:#0d1117;--line:#3d444d;--grid:#262c34;"
    "--accent:#58a6ff;--bar:#3f72bf;--p95:#ff7b72;--code:#161b22}}"
    "*{box-sizing:border-box}"
    "body{font:15px/1.5 system-ui,sans-serif;margin:0;color:var(--fg);"
    "background:var(--bg)}"
    "nav{position:sticky;top:0;z-index:1;background:var(--bg);"
    "border-bottom:1px solid var(--line);display:flex;flex-wrap:wrap;"
    "gap:2px 16px;padding:6px 16px;font-size:14px}"
    "nav a{text-decoration:none;white-space:nowrap}"
    "main{max-width:1200px;margin:0 auto;padding:0 16px 32px}"
    "h1{margin:.5em 0 .3em}"
    "h2{margin-top:1.8em;border-bottom:1px solid var(--line);"
    "padding-bottom:.2em}"
    "h3{margin-top:1.6em}"
    /* Off-screen sections skip layout and paint: a report with hundreds
     * of endpoints opens at once. */
    "section{scroll-margin-top:40px;content-visibility:auto;"
    "contain-intrinsic-size:auto 1000px}"
    "table{border-collapse:collapse;margin:.5em 0;font-size:13px;"
    "display:block;overflow-x:auto;max-width:100%}"
    "th,td{border:1px solid var(--line);padding:2px 8px}"
    "td{font-variant-numeric:tabular-nums}"
    "pre{background:var(--code);padding:8px;overflow-x:auto;font-size:12px;"
    "line-height:1.35}"
    "code{font-size:90%}"
    "a{color:var(--accent)}"
    "figure{margin:.8em 0;overflow-x:auto}"
    "figcaption,.hint,.note{color:var(--muted);font-size:13px;margin:.2em 0}"
    "footer{color:var(--muted);font-size:13px;margin-top:3em}"
    "svg.chart{display:block;width:1000px;max-width:100%;height:auto;"
    "min-width:640px}"
    "svg text{font:12px system-ui,sans-serif;fill:var(--fg)}"
    "svg .tick,svg .kind{fill:var(--muted);font-size:11px}"
    "svg .val{font-variant-numeric:tabular-nums}"
    ".grid{stroke:var(--grid)}.range{stroke:var(--muted)}"
    ".bar{fill:var(--bar)}.p50,.d50{fill:var(--fg)}"
    ".p95,.d95{fill:var(--p95)}.pmax{fill:var(--muted)}"
    ".l50,.l95{fill:none;stroke-width:2}.l50{stroke:var(--fg)}"
    ".l95{stroke:var(--p95);stroke-dasharray:6 3}"
    ".c0{fill:#8ab4f8}.c1{fill:#f6ad55}.c2{fill:#68d391}.c3{fill:#fc8181}"
    ".c4{fill:#b794f4}.c5{fill:#f6e05e}.c6{fill:#4fd1c5}.c7{fill:#f687b3}"
    ".c8{fill:#c8a27a}.c9{fill:#a3a8f0}.c10{fill:#a0d468}.c11{fill:#c0c6cc}"
    ".inc{fill-opacity:.35}"
    "svg.icicle rect{stroke:var(--bg);stroke-width:.5}"
    "svg.icicle text{font:11px ui-monospace,Menlo,Consolas,monospace;"
    "fill:#111;pointer-events:none}"
    "svg.icicle g:hover rect{stroke:var(--fg);stroke-width:1}"
    "svg.zoom g{cursor:pointer}"
    "@media (max-width:700px){body{font-size:14px}main{padding:0 10px 24px}"
    "nav{flex-wrap:nowrap;overflow-x:auto;scrollbar-width:none}"
    "svg.chart{min-width:860px}}"
    "@media print{nav,.hint{display:none}body{font-size:10pt}"
    "section{content-visibility:visible}"
    "main{max-width:none;padding:0}figure{overflow:visible;"
    "break-inside:avoid}svg.chart{min-width:0}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    "a{color:inherit;text-decoration:none}table{display:table;"
    "font-size:8pt}pre{white-space:pre-wrap;font-size:8pt}"
    "h2,h3{break-after:avoid}}";

/* Click a flame-graph box to zoom into it, click it again (or press Esc)
 * to zoom out. The page is complete without it. Its SHA-256 is in the
 * Content-Security-Policy below; tests/browsertest.sh checks that the two
 * agree (a mismatch is a console error and the script does not run). */
static const char SCRIPT[] =
    "(function(){'use strict';var all=[];"
    "document.querySelectorAll('svg.icicle').forEach(function(s){"
    "var W=s.viewBox.baseVal.width,bs=[],cur=null;"
    "s.querySelectorAll('g').forEach(function(g){"
    "var r=g.querySelector('rect'),t=g.querySelector('title');if(!r||!t)return;"
    "var b={g:g,r:r,t:g.querySelector('text'),x:+r.getAttribute('x'),"
    "w:+r.getAttribute('width'),y:+r.getAttribute('y'),"
    "n:t.textContent.split('\\n')[0]};g.pr=b;bs.push(b)});"
    "if(!bs.length)return;s.classList.add('zoom');"
    "function fit(b,x,w){var k=Math.floor((w-6)/6.6),"
    "v=k<3?'':b.n.length<=k?b.n:b.n.slice(0,k-1)+'\\u2026';"
    "if(!b.t){if(!v)return;b.t=document.createElementNS(s.namespaceURI,'text');"
    "b.t.setAttribute('y',b.y+12.5);b.g.appendChild(b.t)}"
    "b.t.setAttribute('x',(x+3).toFixed(1));b.t.textContent=v}"
    "function show(z){cur=z;bs.forEach(function(b){var x=b.x,w=b.w,on=true;"
    "if(z&&b.y<z.y){on=b.x<=z.x+1e-6&&b.x+b.w>=z.x+z.w-1e-3;x=0;w=W}"
    "else if(z){x=(b.x-z.x)*W/z.w;w=b.w*W/z.w;on=x>-1e-3&&x+w<W+1e-3}"
    "if(!on){b.g.setAttribute('display','none');return}"
    "b.g.removeAttribute('display');b.r.setAttribute('x',x.toFixed(1));"
    "b.r.setAttribute('width',w.toFixed(1));fit(b,x,w)})}"
    "s.addEventListener('click',function(e){var g=e.target.closest('g');"
    "if(g&&g.pr)show(cur===g.pr?null:g.pr)});all.push(show);"
    "var p=document.createElement('p');p.className='hint';"
    "p.textContent='Click a box to zoom in; click it again or press Esc to "
    "zoom out.';s.parentNode.insertBefore(p,s)});"
    "document.addEventListener('keydown',function(e){if(e.key==='Escape')"
    "all.forEach(function(f){f(null)})})})();";

#define SCRIPT_SHA256 "sha256-oK4/E1JH3tbLMu2KXkatkwdvomsQpd4xuZv4HTRFpas="

/* ---- building blocks -------------------------------------------------- */

/* A chart, caption or wrapper as a custom block: cmark-gfm writes its
 * on_enter/on_exit as they are (they are ours, escaped where they quote a
 * profile). NULL when memory ran out. */
static cmark_node *raw_block(const char *enter, const char *exit)
{
    cmark_node *n = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK);
    if (n == NULL)
        return NULL;
    if (!cmark_node_set_on_enter(n, enter) ||
        !cmark_node_set_on_exit(n, exit != NULL ? exit : "")) {
        cmark_node_free(n);
        return NULL;
    }
    return n;
}

/* A memory stream to write a chart into. */
typedef struct membuf {
    char *buf;
    size_t len;
    FILE *f;
} membuf;

static FILE *mb_open(membuf *m)
{
    m->buf = NULL;
    m->len = 0;
    m->f = open_memstream(&m->buf, &m->len);
    return m->f;
}

/* Closes the stream and wraps what it holds in a custom block inserted
 * after `after`. Returns the block, or NULL when memory ran out. */
static cmark_node *mb_insert_after(membuf *m, cmark_node *after)
{
    cmark_node *n = NULL;
    if (m->f != NULL && fclose(m->f) == 0 && m->buf != NULL) {
        n = raw_block(m->buf, NULL);
        if (n != NULL && !cmark_node_insert_after(after, n)) {
            cmark_node_free(n);
            n = NULL;
        }
    }
    free(m->buf);
    m->f = NULL;
    m->buf = NULL;
    return n;
}

/* The text of a heading or paragraph, as GitHub would slug or match it:
 * its text and code spans, concatenated, into buf. */
static void plain_text(cmark_node *n, char *buf, size_t cap)
{
    size_t len = strlen(buf);
    for (cmark_node *c = cmark_node_first_child(n); c != NULL;
         c = cmark_node_next(c)) {
        cmark_node_type t = cmark_node_get_type(c);
        if (t == CMARK_NODE_TEXT || t == CMARK_NODE_CODE) {
            const char *s = cmark_node_get_literal(c);
            size_t k = s != NULL ? strlen(s) : 0;
            if (k > cap - 1 - len) { /* cut, but not inside a character */
                k = cap - 1 - len;
                while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80)
                    k--;
            }
            memcpy(buf + len, s, k);
            len += k;
            buf[len] = '\0';
        } else {
            plain_text(c, buf, cap);
            len = strlen(buf);
        }
    }
}

/* GitHub's heading anchors: lower case, spaces to '-', punctuation other
 * than '-' and '_' dropped, other characters kept; a repeated slug gets
 * "-1", "-2" ... Slugs seen so far are kept in `seen` (NUL-separated). */
typedef struct slugs {
    char *seen;
    size_t len, cap;
} slugs;

static int slug_seen(const slugs *s, const char *slug)
{
    for (size_t i = 0; i < s->len; i += strlen(s->seen + i) + 1)
        if (strcmp(s->seen + i, slug) == 0)
            return 1;
    return 0;
}

static int make_slug(slugs *s, const char *text, char *out, size_t cap)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)text;
         *p != '\0' && n + 1 < cap; p++) {
        unsigned char c = *p;
        if (c >= 'A' && c <= 'Z')
            out[n++] = (char)(c - 'A' + 'a');
        else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c >= 0x80)
            out[n++] = (char)c;
        else if (c == ' ')
            out[n++] = '-';
    }
    out[n] = '\0';
    /* The caller's text is shorter than cap - 12, so the slug and its
     * "-N" always fit whole. */
    if (slug_seen(s, out)) {
        for (unsigned k = 1;; k++) {
            snprintf(out + n, cap - n, "-%u", k);
            if (!slug_seen(s, out))
                break;
        }
    }
    size_t k = strlen(out) + 1;
    if (s->len + k > s->cap) {
        size_t nc = (s->cap ? s->cap * 2 : 1024) + k;
        char *p = realloc(s->seen, nc);
        if (p == NULL)
            return -1;
        s->seen = p;
        s->cap = nc;
    }
    memcpy(s->seen + s->len, out, k);
    s->len += k;
    return 0;
}

/* ---- charts ----------------------------------------------------------- */

typedef struct page {
    const pr_report *r;
    svg_palette pal;
    const pr_attribution *attr; /* the run's, or NULL */
    double min_share;           /* the call tree's cut-off */
    membuf nav;                 /* <a href="#slug">Heading</a> ... */
    slugs slugs;
    int nomem;
} page;

/* The flame graph of `t` and a caption that says what was left out. */
static void icicle_figure(page *pg, FILE *out, const pr_tree *t,
                          size_t max_boxes)
{
    svg_icicle_info info;
    fputs("<figure>", out);
    if (svg_icicle(out, t, &pg->pal, pg->min_share, max_boxes, &info) != 0) {
        pg->nomem = 1;
        fputs("</figure>", out);
        return;
    }
    fputs("<figcaption>Flame graph (icicle) of the call tree: each box is "
          "a function on a call path, as wide as its time there, coloured "
          "by module; hover for its file, line and times.", out);
    if (info.hidden > 0)
        fprintf(out, " %zu call path%s under %.2g%% of the time %s "
                     "hidden.", info.hidden, info.hidden == 1 ? "" : "s",
                info.min_share * 100, info.hidden == 1 ? "is" : "are");
    fputs("</figcaption></figure>", out);
}

/* `whose`: "all" or "this endpoint's". */
static void module_figure(page *pg, FILE *out, const pr_attribution *a,
                          size_t rows, const char *whose)
{
    fputs("<figure>", out);
    svg_modules(out, a, &pg->pal, rows);
    fprintf(out, "<figcaption>Where the time goes, by module: own time "
                 "(solid: its code and the built-ins and standard library it "
                 "calls) and inclusive time (light: callees in other modules "
                 "included), as shares of %s profiled time.</figcaption>"
                 "</figure>", whose);
}

/* Charts right after the "## " heading `h` of section `slug`. */
static void section_charts(page *pg, const char *slug, cmark_node *h)
{
    const pr_report *r = pg->r;
    membuf m;
    if (mb_open(&m) == NULL) {
        pg->nomem = 1;
        return;
    }
    if (strcmp(slug, "endpoints") == 0 && r->nendpoints > 0) {
        fputs("<figure>", m.f);
        svg_endpoints(m.f, r->endpoints, r->nendpoints, MAX_BAR_ROWS);
        fputs("<figcaption>Total time per endpoint (bars, as sorted in the "
              "table) and the latency of its requests: p50, p95 and max."
              "</figcaption></figure>", m.f);
    } else if (strcmp(slug, "latency-over-time") == 0 && r->nbuckets > 1) {
        fputs("<figure>", m.f);
        svg_latency(m.f, r->buckets, r->nbuckets, r->bucket_s);
        fputs("<figcaption>Requests per bucket (bars, each over the part "
              "of its bucket the capture covers) with the p50 and p95 "
              "latency of each bucket (lines).</figcaption></figure>", m.f);
    } else if (strcmp(slug, "modules") == 0 && pg->attr != NULL &&
               pg->attr->nmodules > 0) {
        module_figure(pg, m.f, pg->attr, MAX_MODULE_ROWS, "all");
        if (r->nendpoints > 0) {
            fputs("<figure>", m.f);
            svg_module_mix(m.f, r->endpoints, r->nendpoints, MAX_BAR_ROWS,
                           &pg->pal);
            fputs("<figcaption>Own time by module in each endpoint, as "
                  "shares of the endpoint's profiled time.</figcaption>"
                  "</figure>", m.f);
        }
    } else if (strcmp(slug, "call-tree") == 0 && pg->attr != NULL &&
               pg->attr->tree.nnodes > 0) {
        icicle_figure(pg, m.f, &pg->attr->tree, MAX_BOXES);
    } else if (strcmp(slug, "endpoint-details") == 0 &&
               r->nendpoints > MAX_EP_CHARTS) {
        fprintf(m.f, "<p class=\"note\">Module charts and flame graphs are "
                     "drawn for the first %d endpoints; the other %zu have "
                     "their tables only.</p>", MAX_EP_CHARTS,
                r->nendpoints - MAX_EP_CHARTS);
    }
    if (ftell(m.f) == 0) {
        fclose(m.f);
        free(m.buf);
        return;
    }
    if (mb_insert_after(&m, h) == NULL)
        pg->nomem = 1;
}

/* Per-endpoint charts, after the paragraphs that introduce that
 * endpoint's module table ("Modules:") and call tree ("Call tree:");
 * when the text has no such paragraph, after the endpoint's heading. */
static void endpoint_chart(page *pg, const pr_endpoint_row *e, int tree,
                           cmark_node *after)
{
    membuf m;
    if (mb_open(&m) == NULL) {
        pg->nomem = 1;
        return;
    }
    if (tree)
        icicle_figure(pg, m.f, &e->attr.tree, MAX_EP_BOXES);
    else
        module_figure(pg, m.f, &e->attr, MAX_EP_MODULE_ROWS,
                      "this endpoint's");
    if (mb_insert_after(&m, after) == NULL)
        pg->nomem = 1;
}

/* ---- the document tree ------------------------------------------------ */

/* Puts a <section id="slug"> block where heading `h` is, with `h` as its
 * first child; the caller moves the section's other nodes into it. */
static cmark_node *open_section(page *pg, cmark_node *h, const char *slug)
{
    membuf m;
    if (mb_open(&m) == NULL) {
        pg->nomem = 1;
        return NULL;
    }
    fputs("<section id=\"", m.f);
    esc_html(m.f, slug, strlen(slug));
    fputs("\">", m.f);
    cmark_node *sec = NULL;
    if (fclose(m.f) == 0 && m.buf != NULL)
        sec = raw_block(m.buf, "</section>\n");
    free(m.buf);
    if (sec == NULL || !cmark_node_insert_before(h, sec) ||
        !cmark_node_append_child(sec, h)) {
        pg->nomem = 1;
        return NULL;
    }
    return sec;
}

static int heading_level(cmark_node *n)
{
    return cmark_node_get_type(n) == CMARK_NODE_HEADING
               ? cmark_node_get_heading_level(n)
               : 0;
}

/* Where the current endpoint (the n-th "### " of Endpoint details) is. */
typedef struct ep_state {
    size_t n;           /* 1-based; 0: not in an endpoint */
    cmark_node *heading;
    int modules_done, tree_done;
} ep_state;

static int ep_charted(const page *pg, const ep_state *e)
{
    return e->n > 0 && e->n <= pg->r->nendpoints && e->n <= MAX_EP_CHARTS;
}

/* Charts the endpoint's text had no place for go after its heading. */
static void ep_finish(page *pg, ep_state *e)
{
    if (ep_charted(pg, e)) {
        const pr_endpoint_row *row = &pg->r->endpoints[e->n - 1];
        if (!e->tree_done)
            endpoint_chart(pg, row, 1, e->heading);
        if (!e->modules_done)
            endpoint_chart(pg, row, 0, e->heading);
    }
    memset(e, 0, sizeof *e);
}

/* Which endpoint the k-th "### " of Endpoint details (1-based) is about:
 * render_md writes one per endpoint in report order, so the k-th; but
 * when its heading names another endpoint (a heading added to the text),
 * that one. Labels with bytes Markdown shows as \xNN never match by
 * text, and keep the k-th. */
static size_t endpoint_of(const pr_report *r, size_t k, const char *text)
{
    if (k <= r->nendpoints && r->endpoints[k - 1].label != NULL &&
        strcmp(r->endpoints[k - 1].label, text) == 0)
        return k;
    for (size_t i = 0; i < r->nendpoints; i++)
        if (r->endpoints[i].label != NULL &&
            strcmp(r->endpoints[i].label, text) == 0)
            return i + 1;
    return k;
}

/* Regroups the top level of `doc` into sections and places the charts. */
static void arrange(page *pg, cmark_node *doc)
{
    cmark_node *sec = NULL, *sub = NULL, *header = NULL;
    int in_details = 0;
    size_t eps = 0;
    ep_state ep = {0};
    char text[512], slug[600];

    for (cmark_node *n = cmark_node_first_child(doc), *next; n != NULL;
         n = next) {
        next = cmark_node_next(n);
        int level = heading_level(n);
        if (level == 2 || level == 3) {
            ep_finish(pg, &ep);
            text[0] = '\0';
            plain_text(n, text, sizeof text);
            if (make_slug(&pg->slugs, text, slug, sizeof slug) != 0) {
                pg->nomem = 1;
                return;
            }
            if (level == 2 || sec == NULL) {
                sub = NULL;
                if ((sec = open_section(pg, n, slug)) == NULL)
                    return;
                in_details = strcmp(slug, "endpoint-details") == 0;
                eps = 0;
                fputs("<a href=\"#", pg->nav.f);
                esc_html(pg->nav.f, slug, strlen(slug));
                fputs("\">", pg->nav.f);
                esc_html(pg->nav.f, text, strlen(text));
                fputs("</a>", pg->nav.f);
                section_charts(pg, slug, n);
            } else {
                if ((sub = open_section(pg, n, slug)) == NULL ||
                    !cmark_node_append_child(sec, sub)) {
                    pg->nomem = 1;
                    return;
                }
                if (in_details) {
                    ep.n = endpoint_of(pg->r, ++eps, text);
                    ep.heading = n;
                }
            }
            continue;
        }
        if (sec == NULL && header == NULL) {
            /* The title and summary before the first section. */
            header = raw_block("<header>", "</header>\n");
            if (header == NULL || !cmark_node_insert_before(n, header)) {
                pg->nomem = 1;
                return;
            }
        }
        if (!cmark_node_append_child(sub ? sub : sec ? sec : header, n)) {
            pg->nomem = 1;
            return;
        }
        if (ep_charted(pg, &ep) &&
            cmark_node_get_type(n) == CMARK_NODE_PARAGRAPH) {
            const pr_endpoint_row *row = &pg->r->endpoints[ep.n - 1];
            text[0] = '\0';
            plain_text(n, text, sizeof text);
            if (strcmp(text, "Modules:") == 0 && !ep.modules_done) {
                endpoint_chart(pg, row, 0, n);
                ep.modules_done = 1;
            } else if (strcmp(text, "Call tree:") == 0 && !ep.tree_done) {
                endpoint_chart(pg, row, 1, n);
                ep.tree_done = 1;
            }
        }
    }
    ep_finish(pg, &ep);
}

pr_status render_html(const pr_report *r, FILE *out)
{
    char *md = NULL;
    size_t mdlen = 0;
    FILE *mem = open_memstream(&md, &mdlen);
    if (mem == NULL)
        return PR_ERR_NOMEM;
    render_md(r, mem);
    if (fclose(mem) != 0 || md == NULL) {
        free(md);
        return PR_ERR_NOMEM;
    }

    cmark_node *doc;
    cmark_parser *p = pr__md_parser(md, mdlen, &doc);
    free(md);
    if (p == NULL)
        return PR_ERR_NOMEM;

    page pg;
    memset(&pg, 0, sizeof pg);
    pg.r = r;
    pg.attr = pr_report_attribution(r);
    svg_palette_init(&pg.pal, pg.attr);
    pg.min_share = r->opts.tree_min_share > 0 ? r->opts.tree_min_share : 0.01;
    char *html = NULL;
    if (doc != NULL && mb_open(&pg.nav) != NULL) {
        arrange(&pg, doc);
        /* CMARK_OPT_DEFAULT is safe mode: raw HTML in the text is not
         * passed through, so names from profiles cannot inject markup;
         * only our custom blocks are written as they are. */
        if (!pg.nomem)
            html = cmark_render_html(doc, CMARK_OPT_DEFAULT,
                                     cmark_parser_get_syntax_extensions(p));
    }
    if (pg.nav.f != NULL)
        fclose(pg.nav.f);
    if (doc != NULL)
        cmark_node_free(doc);
    cmark_parser_free(p);
    free(pg.slugs.seen);
    if (html == NULL) {
        free(pg.nav.buf);
        return PR_ERR_NOMEM;
    }

    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta http-equiv=\"Content-Security-Policy\" content=\""
          "default-src 'none'; style-src 'unsafe-inline'; "
          "script-src '" SCRIPT_SHA256 "'; img-src data:\">"
          "<meta name=\"viewport\" content=\"width=device-width,"
          "initial-scale=1\"><meta name=\"color-scheme\" "
          "content=\"light dark\"><title>profreport", out);
    if (r->opts.ninputs > 0) {
        fputs(": ", out);
        pr__inputs_text(r, esc_html, out);
    }
    fputs("</title><style>", out);
    fputs(pr__css, out);
    fputs("</style></head><body>\n<nav aria-label=\"Sections\">", out);
    if (pg.nav.buf != NULL)
        fputs(pg.nav.buf, out);
    fputs("</nav>\n<main>\n", out);
    fputs(html, out);
    fputs("<footer>profreport " PR_VERSION_STRING "</footer>\n</main>\n"
          "<script>", out);
    fputs(SCRIPT, out);
    fputs("</script>\n</body></html>\n", out);
    free(html);
    free(pg.nav.buf);
    return PR_OK;
}
