/* render.h - renderers: each walks a pr_report and writes one format. */
#ifndef PR_RENDER_H
#define PR_RENDER_H

#include "report.h"

void render_md(const pr_report *r, FILE *out);
pr_status render_csv(const pr_report *r, pr_table table, FILE *out);
pr_status render_html(const pr_report *r, FILE *out);

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

/* The reports' stylesheet (render_html.c). */
extern const char pr__css[];

/* A duration for people: "4.2 ms", "840 ms", "7.42 s", "312 s". */
void pr__fmt_ms(FILE *out, double ms);

/* A bucket width: "250 ms", "30 s", "15 min", "1 h", "1 d"; other
 * lengths as "%g s". */
void pr__fmt_span(FILE *out, double s);

/* The inputs the report was asked to read, as given: "a, b and c", or
 * the first three "and N more"; each written through `put` (an
 * escaper). Nothing when the options named none. */
void pr__inputs_text(const pr_report *r,
                     void (*put)(FILE *, const char *, size_t), FILE *out);

/* "2026-11-25T12:00:00Z" into buf (>= 21 bytes). */
void pr__iso_time(double unix_s, char *buf, size_t n);

#endif
