/* html_page.c - Markdown to HTML with cmark-gfm (the table extension,
 * safe mode: raw HTML from the input is not passed through), shared by
 * the report, and a plain self-contained page for documents without
 * charts, such as `profreport diff -f html`. */
#include "render.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm.h>
#include <stdlib.h>
#include <string.h>

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
    fputs(pr__css, out); /* the report's stylesheet: one look */
    fputs("</style></head><body>\n", out);
    fputs(body, out);
    if (after != NULL)
        after(ctx, out);
    fputs("</body></html>\n", out);
    free(body);
    return PR_OK;
}
