/* html_page.c - Markdown to HTML with cmark-gfm (the table extension,
 * safe mode: raw HTML from the input is not passed through), shared by
 * the report, and a plain self-contained page for documents without
 * charts, such as `profreport diff -f html`. */
#include "render.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <stdlib.h>
#include <string.h>

/* The stylesheet of every page profreport writes: the report and the
 * diff (render.h). */
static const char CSS_BASE[] =
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
    /* Each chart comes twice, wide and narrow (svg.h); a screen under
     * 800 px shows the narrow one, scaled to the width. */
    "svg.chart{display:block;width:1000px;max-width:100%;height:auto}"
    "svg.narrow,.fnfilter.narrow{display:none}"
    "svg.chart.narrow{width:100%;max-width:560px}"
    "@media screen and (max-width:800px){svg.chart{display:none}"
    "svg.chart.narrow{display:block}.fnfilter.wide{display:none}"
    ".fnfilter.narrow{display:flex}}"
    "svg text{font:12px system-ui,sans-serif;fill:var(--fg)}"
    "svg .tick,svg .kind{fill:var(--muted);font-size:11px}"
    "svg .val{font-variant-numeric:tabular-nums}"
    ".grid{stroke:var(--grid)}.range{stroke:var(--muted)}"
    ".bar{fill:var(--bar)}.p50,.d50{fill:var(--fg)}"
    ".p95,.d95{fill:var(--p95)}.pmax{fill:var(--muted)}"
    ".l50,.l95{fill:none;stroke-width:2}.l50{stroke:var(--fg)}"
    ".l95{stroke:var(--p95);stroke-dasharray:6 3}";

/* Colours, the flame graph, endpoint details, the function explorer
 * (ISO C promises string literals of 4095 bytes only). */
static const char CSS_EXPLORE[] =
    /* Module colours: Paul Tol's "light" scheme (told apart with any
     * colour vision, made for black text on top), then three Okabe-Ito
     * colours under white text; .c11 (every other module) is grey. */
    ":root{--c0:#77aadd;--c1:#ee8866;--c2:#44bb99;--c3:#eedd88;"
    "--c4:#ffaabb;--c5:#bbcc33;--c6:#99ddff;--c7:#aaaa00;--c8:#0072b2;"
    "--c9:#d55e00;--c10:#cc79a7;--c11:#dddddd}"
    ".c0{fill:var(--c0)}.c1{fill:var(--c1)}.c2{fill:var(--c2)}"
    ".c3{fill:var(--c3)}.c4{fill:var(--c4)}.c5{fill:var(--c5)}"
    ".c6{fill:var(--c6)}.c7{fill:var(--c7)}.c8{fill:var(--c8)}"
    ".c9{fill:var(--c9)}.c10{fill:var(--c10)}.c11{fill:var(--c11)}"
    /* The flame graph's legend: a swatch per module it shows. */
    "ul.legend{list-style:none;display:flex;flex-wrap:wrap;gap:2px 14px;"
    "padding:0;margin:.3em 0;font-size:13px}"
    "ul.legend i{display:inline-block;width:11px;height:11px;"
    "margin-right:4px;vertical-align:-1px;border-radius:2px}"
    ".s0{background:var(--c0)}.s1{background:var(--c1)}"
    ".s2{background:var(--c2)}.s3{background:var(--c3)}"
    ".s4{background:var(--c4)}.s5{background:var(--c5)}"
    ".s6{background:var(--c6)}.s7{background:var(--c7)}"
    ".s8{background:var(--c8)}.s9{background:var(--c9)}"
    ".s10{background:var(--c10)}.s11{background:var(--c11)}"
    "svg.icicle g.c8 text,svg.icicle g.c9 text{fill:#fff}"
    ".inc{fill-opacity:.35}"
    "svg.icicle rect{stroke:var(--bg);stroke-width:.5}"
    "svg.icicle text{font:11px ui-monospace,Menlo,Consolas,monospace;"
    "fill:#111;pointer-events:none}"
    "svg.icicle g:hover rect{stroke:var(--fg);stroke-width:1}"
    "svg.zoom g{cursor:pointer}"
    /* Endpoint details: one line each until opened. */
    "details.ep{border:1px solid var(--line);border-radius:6px;"
    "margin:.5em 0;padding:0 12px}"
    "details.ep>summary{cursor:pointer;padding:6px 0}"
    "details.ep>summary h3{display:inline;margin:0;font-size:1.05em}"
    "details.ep[open]>summary{border-bottom:1px solid var(--line);"
    "margin-bottom:.5em}"
    /* Times and file names in one line each. */
    "#slowest-requests td,#latency-over-time td:first-child"
    "{white-space:nowrap}"
    /* All functions: the table scrolls in its box, its head stays; a
     * function's callers and callees show when the address names them. */
    ".scroll{max-height:30em;overflow:auto;border:1px solid var(--line)}"
    ".scroll table{display:table;margin:0;overflow:visible}"
    ".scroll th{position:sticky;top:0;background:var(--bg)}"
    "table.funcs th{cursor:pointer;white-space:nowrap}"
    "table.funcs td:nth-child(n+3),table.edges td:nth-child(n+2)"
    "{text-align:right}"
    ".fnfilter{display:flex;flex-wrap:wrap;gap:8px;align-items:center;"
    "margin:.5em 0}.fnfilter input{flex:1 1 16em}"
    ".fnd{display:none}.fnd:target{display:block;border:2px solid "
    "var(--accent);border-radius:6px;padding:0 12px;margin:1em 0;"
    "scroll-margin-top:40px}"
    "table.edges caption{text-align:left;font-weight:600;padding:4px 0}"
    /* The note of functions left out; a function's sandwich (callers
     * above, callees below, bars as shares of its cumulative time). */
    ".cap{border-left:3px solid var(--accent);padding:2px 8px}"
    ".sandwich{margin:.5em 0 1em;font-size:13px}"
    ".swh{font-weight:600;margin:.5em 0 .1em}"
    ".sw{position:relative;margin:2px 0;background:var(--code)}"
    ".swbar{position:absolute;left:0;top:0;bottom:0;background:var(--bar);"
    "opacity:.55}.sw.self .swbar{background:var(--accent)}"
    ".swlbl{position:relative;display:block;padding:1px 6px;"
    "white-space:nowrap;overflow:hidden;text-overflow:ellipsis}"
    ".swv{font-variant-numeric:tabular-nums;color:var(--muted)}"
    ".fnd h3{overflow-wrap:anywhere}"
    "svg.icicle g.hit rect{stroke:var(--fg);stroke-width:2}"
    "svg.icicle.searching g:not(.hit){opacity:.35}"
    "@media (max-width:700px){body{font-size:14px}main{padding:0 10px 24px}"
    "nav{flex-wrap:nowrap;overflow-x:auto;scrollbar-width:none}}"
    "@media print{nav,.hint{display:none}body{font-size:10pt}"
    "section{content-visibility:visible}"
    "main{max-width:none;padding:0}figure{overflow:visible;"
    "break-inside:avoid}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    "a{color:inherit;text-decoration:none}table{display:table;"
    "font-size:8pt}pre{white-space:pre-wrap;font-size:8pt}"
    "h2,h3{break-after:avoid}}";

void pr__put_css(FILE *out)
{
    fputs(CSS_BASE, out);
    fputs(CSS_EXPLORE, out);
}

cmark_parser *pr__md_parser(const char *md, size_t len, cmark_node **doc)
{
    *doc = NULL;
    cmark_gfm_core_extensions_ensure_registered();
    cmark_parser *p = cmark_parser_new(CMARK_OPT_DEFAULT);
    cmark_syntax_extension *table = cmark_find_syntax_extension("table");
    if (p == NULL || table == NULL) {
        if (p != NULL)
            cmark_parser_free(p);
        return NULL;
    }
    cmark_parser_attach_syntax_extension(p, table);
    cmark_parser_feed(p, md, len);
    if ((*doc = cmark_parser_finish(p)) == NULL) {
        cmark_parser_free(p);
        return NULL;
    }
    return p;
}

pr_status pr__html_page(const char *md, const char *title, FILE *out)
{
    return pr__html_page_with(md, title, NULL, NULL, out);
}

pr_status pr__html_page_with(const char *md, const char *title,
                             void (*after)(void *ctx, FILE *out), void *ctx,
                             FILE *out)
{
    cmark_node *doc;
    cmark_parser *p = pr__md_parser(md, strlen(md), &doc);
    if (p == NULL)
        return PR_ERR_NOMEM;
    char *body = cmark_render_html(doc, CMARK_OPT_DEFAULT,
                                   cmark_parser_get_syntax_extensions(p));
    cmark_node_free(doc);
    cmark_parser_free(p);
    if (body == NULL)
        return PR_ERR_NOMEM;
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width,"
          "initial-scale=1\"><title>", out);
    fputs(title, out); /* a constant from the caller, never profile text */
    fputs("</title><style>", out);
    pr__put_css(out); /* the report's stylesheet: one look */
    fputs("</style></head><body>\n", out);
    fputs(body, out);
    if (after != NULL)
        after(ctx, out);
    fputs("</body></html>\n", out);
    free(body);
    return PR_OK;
}
