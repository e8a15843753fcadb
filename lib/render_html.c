/* render_html.c - one self-contained HTML file: the Markdown report
 * rendered by cmark-gfm (tables extension), so HTML and Markdown never say
 * different things, inside a page with inline CSS. No external request of
 * any kind. */
#define _POSIX_C_SOURCE 200809L
#include "render.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <stdlib.h>
#include <string.h>

static const char CSS[] =
    "body{font:15px/1.5 system-ui,sans-serif;max-width:1200px;margin:0 auto;"
    "padding:1em;color:#1b1f24;background:#fff}"
    "table{border-collapse:collapse;margin:.5em 0;font-size:13px;"
    "display:block;overflow-x:auto}"
    "th,td{border:1px solid #d0d7de;padding:2px 8px}"
    "td{font-variant-numeric:tabular-nums}"
    "code{font-size:90%}"
    "@media (prefers-color-scheme:dark){body{background:#0d1117;color:#e6edf3}"
    "th,td{border-color:#30363d}a{color:#58a6ff}}"
    "@media print{body{max-width:none}a{color:inherit}}";

/* Renders `md` (NUL-terminated) to an HTML fragment; NULL on failure. */
static char *markdown_to_html(const char *md)
{
    cmark_gfm_core_extensions_ensure_registered();
    cmark_parser *p = cmark_parser_new(CMARK_OPT_DEFAULT);
    cmark_syntax_extension *table = cmark_find_syntax_extension("table");
    if (p == NULL || table == NULL) {
        if (p != NULL)
            cmark_parser_free(p);
        return NULL;
    }
    cmark_parser_attach_syntax_extension(p, table);
    cmark_parser_feed(p, md, strlen(md));
    cmark_node *doc = cmark_parser_finish(p);
    char *html = NULL;
    if (doc != NULL) {
        /* CMARK_OPT_DEFAULT is safe mode: raw HTML in the input is not
         * passed through, so names from profiles cannot inject markup. */
        html = cmark_render_html(doc, CMARK_OPT_DEFAULT,
                                 cmark_parser_get_syntax_extensions(p));
        cmark_node_free(doc);
    }
    cmark_parser_free(p);
    return html;
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
    char *body = markdown_to_html(md);
    free(md);
    if (body == NULL)
        return PR_ERR_NOMEM;
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width,"
          "initial-scale=1\"><title>profreport</title>"
          "<style>", out);
    fputs(CSS, out);
    fputs("</style></head><body>\n", out);
    fputs(body, out);
    fputs("</body></html>\n", out);
    free(body);
    return PR_OK;
}
