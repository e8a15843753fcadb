/* render.h - renderers: each walks a pr_report and writes one format. */
#ifndef PR_RENDER_H
#define PR_RENDER_H

#include "fmt.h"
#include "report.h"

/* ---- the renderer table (render.c) ----------------------------------
 *
 * Every output format is one entry of a table: its names, the tables it
 * can write (a bit per pr_table) with the one it writes when none is
 * asked for, and callbacks for a report and for a diff. pr_render,
 * pr_diff_render, pr_format_parse and pr_output_table only look formats up
 * here. A new format is one file with its callbacks plus one entry in
 * RENDERERS[] in render.c (and a pr_format value appended to the public
 * enum).
 *
 * Callbacks write to `out` and return PR_OK, or the status of what
 * failed (PR_ERR_NOMEM...); they may leave err unset, and the caller then
 * fills it from pr_strerror. Write errors are checked once by the
 * caller (fflush + ferror), so a callback need not test each write. */
#define PR__TABLE_BIT(t) (1u << (unsigned)(t))

typedef struct pr_diff pr_diff;

typedef struct pr__renderer {
    const char *name;      /* for -f: "md" */
    const char *alias;     /* another name, or NULL: "markdown" */
    pr_format format;
    unsigned tables;       /* PR__TABLE_BIT of each table `report` writes */
    pr_table default_table;
    const char *tables_hint; /* usage message for a table not in `tables` */
    pr_status (*report)(const pr_report *r, pr_table table, FILE *out,
                        pr_error *err);
    /* NULL when the format has no diff. */
    unsigned diff_tables;
    pr_table diff_default_table;
    const char *diff_tables_hint;
    pr_status (*diff)(const pr_diff *d, pr_table table, FILE *out,
                      pr_error *err);
} pr__renderer;

/* The entry for a format, or NULL. */
const pr__renderer *pr__renderer_find(pr_format fmt);

/* Report renderers (one file each). */
pr_status pr__render_md(const pr_report *r, pr_table table, FILE *out,
                        pr_error *err);
pr_status pr__render_csv(const pr_report *r, pr_table table, FILE *out,
                         pr_error *err);
pr_status pr__render_html(const pr_report *r, pr_table table, FILE *out,
                          pr_error *err);
pr_status pr__render_text(const pr_report *r, pr_table table, FILE *out,
                          pr_error *err);
pr_status pr__render_json(const pr_report *r, pr_table table, FILE *out,
                          pr_error *err);
pr_status pr__render_collapsed(const pr_report *r, pr_table table, FILE *out,
                               pr_error *err);
pr_status pr__render_callgrind(const pr_report *r, pr_table table, FILE *out,
                               pr_error *err);
pr_status pr__render_speedscope(const pr_report *r, pr_table table,
                                FILE *out, pr_error *err);
pr_status pr__render_pprof(const pr_report *r, pr_table table, FILE *out,
                           pr_error *err);

/* Diff renderers (diff.c). */
pr_status pr__diff_md(const pr_diff *d, pr_table table, FILE *out,
                      pr_error *err);
pr_status pr__diff_csv(const pr_diff *d, pr_table table, FILE *out,
                       pr_error *err);
pr_status pr__diff_html(const pr_diff *d, pr_table table, FILE *out,
                        pr_error *err);

/* ---- Markdown sections, located by structure ------------------------
 *
 * The Markdown renderer calls `mark` right before it writes the block a
 * section or an endpoint's part starts with (its heading, or the
 * paragraph that introduces a table), so that a renderer built on the
 * Markdown (the HTML page) knows where each part is without reading the
 * text: the HTML renderer records the byte offset of each mark and finds
 * the cmark node that starts on that line. `index` is the endpoint's
 * index for the PR__MD_EP_* marks, else 0. */
typedef enum pr__md_part {
    PR__MD_ENDPOINTS,    /* "## Endpoints" */
    PR__MD_LATENCY,      /* "## Latency over time" */
    PR__MD_MODULES,      /* "## Modules" */
    PR__MD_CALL_TREE,    /* "## Call tree" (of the whole run) */
    PR__MD_DETAILS,      /* "## Endpoint details" */
    PR__MD_EP,           /* an endpoint's "### " heading in the details */
    PR__MD_EP_MODULES,   /* the paragraph before its module table */
    PR__MD_EP_CALL_TREE  /* the paragraph before its call tree */
} pr__md_part;

typedef struct pr__md_hooks {
    void (*mark)(void *ctx, pr__md_part part, size_t index);
    void *ctx;
} pr__md_hooks;

/* The Markdown report; hooks may be NULL. */
pr_status pr__render_md_hooked(const pr_report *r, FILE *out,
                               const pr__md_hooks *hooks);

/* A Markdown document as a self-contained HTML page (html_page.c).
 * `title` is a constant, never text from a profile. */
pr_status pr__html_page(const char *md, const char *title, FILE *out);
/* The same, with `after` writing HTML (charts the Markdown cannot carry:
 * cmark's safe mode drops raw HTML) after the body. */
pr_status pr__html_page_with(const char *md, const char *title,
                             void (*after)(void *ctx, FILE *out), void *ctx,
                             FILE *out);

/* Parses Markdown with the GFM table extension: returns the parser (to
 * render with and then free) and the document in *doc, or NULL. */
typedef struct cmark_parser cmark_parser;
typedef struct cmark_node cmark_node;
cmark_parser *pr__md_parser(const char *md, size_t len, cmark_node **doc);

/* The HTML report's "All functions" section (html_explore.c): every
 * function, sortable and filterable with the page's script, and each
 * one's callers and callees with edge times, shown by :target. Lists
 * at most max_funcs functions (0: PR__HTML_MAX_FUNCS), those with the
 * most own time, and says how many it left out and where they are. */
enum { PR__HTML_MAX_FUNCS = 3000 };
pr_status pr__html_functions(const pr_report *r, size_t max_funcs,
                             FILE *out);

/* The reports' stylesheet (html_page.c). */
void pr__put_css(FILE *out);

/* The inputs the report was asked to read, as given: "a, b and c", or
 * the first three "and N more"; each written through `put` (an
 * escaper). Nothing when the options named none. */
void pr__inputs_text(const pr_report *r,
                     void (*put)(FILE *, const char *, size_t), FILE *out);

/* A request path as the URL it was: werkzeug's file names write
 * "/report/sales" as "report.sales" and "/" as "root" (a dot inside a
 * segment cannot be told from a slash; it is shown as one). */
void pr__url_path(const char *dotted,
                  void (*put)(FILE *, const char *, size_t), FILE *out);

/* A request's file name relative to the directory all the report's
 * request files share ("GET.root.12ms.1795611412.prof" when they are
 * all in examples/profiles/), the same whether they were read from
 * there or from a state file; as it is when outside that directory. */
const char *pr__rel_file(const pr_report *r, const char *file);

#endif
