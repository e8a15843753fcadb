/* html_page.c - a Markdown document as one self-contained HTML page:
 * cmark-gfm with the table extension in safe mode (raw HTML from the
 * input is not passed through), inline CSS, no external request. Used
 * for pages without charts, such as `profreport diff -f html`. */
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
    "@media (prefers-color-scheme:dark){body{background:#0d1117;"
    "color:#e6edf3}th,td{border-color:#30363d}a{color:#58a6ff}}"
    "@media print{body{max-width:none}a{color:inherit}}";

pr_status pr__html_page(const char *md, const char *title, FILE *out)
{
    cmark_gfm_core_extensions_ensure_registered();
    cmark_parser *p = cmark_parser_new(CMARK_OPT_DEFAULT);
    cmark_syntax_extension *table = cmark_find_syntax_extension("table");
    if (p == NULL || table == NULL) {
        if (p != NULL)
            cmark_parser_free(p);
        return PR_ERR_NOMEM;
    }
    cmark_parser_attach_syntax_extension(p, table);
    cmark_parser_feed(p, md, strlen(md));
    cmark_node *doc = cmark_parser_finish(p);
    char *body = doc ? cmark_render_html(doc, CMARK_OPT_DEFAULT,
                                         cmark_parser_get_syntax_extensions(p))
                     : NULL;
    if (doc != NULL)
        cmark_node_free(doc);
    cmark_parser_free(p);
    if (body == NULL)
        return PR_ERR_NOMEM;
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
          "<meta name=\"viewport\" content=\"width=device-width,"
          "initial-scale=1\"><title>", out);
    fputs(title, out); /* a constant from the caller, never profile text */
    fputs("</title><style>", out);
    fputs(CSS, out);
    fputs("</style></head><body>\n", out);
    fputs(body, out);
    fputs("</body></html>\n", out);
    free(body);
    return PR_OK;
}
