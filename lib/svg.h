/* svg.h - the HTML report's charts, drawn as inline SVG.
 *
 * Each svg_* function writes one complete <svg> element to `out` and
 * nothing else: no script, no style sheet, no URL. Sizes are CSS pixels at
 * natural size. Every chart has two layouts (svg_size): a wide one for a
 * desktop and a narrow one for a phone, where labels go above their bars
 * instead of beside them; the page holds both and shows one by a CSS
 * media query, so a phone reads the charts without a script and without
 * scrolling sideways. Colours are CSS classes the page's style sheet defines (.c0 ..
 * .c11 for modules; .ax, .lbl, .bar ... for furniture), so dark mode and
 * print can change them. Every string that comes from a profile goes
 * through esc_html, in text and in <title> tooltips alike.
 *
 * Output is a pure function of the arguments (coordinates printed with one
 * decimal), which is what the golden tests in tests/test_svg.c rely on.
 * Each returns PR_OK, or PR_ERR_NOMEM having written nothing.
 */
#ifndef PR_SVG_H
#define PR_SVG_H

#include "profreport.h"

#include <stdio.h>

/* SVG_WIDE charts are 1000 units wide and carry no class of their own;
 * SVG_NARROW ones are 360 wide (a 390 px phone less the page's margins,
 * so their text stays 11 to 12 px on screen) and have the class
 * "narrow". */
typedef enum svg_size { SVG_WIDE = 0, SVG_NARROW = 1 } svg_size;

/* Module colours: .c0 .. .c10 for the biggest modules, .c11 for the rest. */
#define SVG_NCOLORS 12

typedef struct svg_palette {
    const char *names[SVG_NCOLORS - 1]; /* borrowed from the attribution */
    size_t n;
} svg_palette;

/* Gives the modules of `a` (by inclusive time, as the attribution lists
 * them) the colours in order, so a module has the same colour in every
 * chart of the page. a NULL or empty: everything is .c11. */
void svg_palette_init(svg_palette *p, const pr_attribution *a);

/* The colour class number of a module name (NULL: SVG_NCOLORS - 1). */
int svg_color(const svg_palette *p, const char *module);

/* One bar per endpoint of its total time and, on a second scale, the
 * request latencies: p50 (dot), p95 (bar) and max (tick), rows[0..n) in
 * the order given (the endpoint table's). Draws at most max_rows rows
 * (0: all) and says how many more there were. */
pr_status svg_endpoints(FILE *out, const pr_endpoint_row *rows, size_t n,
                        size_t max_rows, svg_size size);

/* Requests per time bucket (bars, left scale) with p50 and p95 lines
 * (right scale); empty buckets break the lines. The time axis is the
 * capture, and each bar spans only the part of its bucket the capture
 * covers (pr_bucket_row from/to), its tooltip saying how much. More
 * buckets than pixel columns are drawn per column: requests summed, the
 * highest p50 and p95 of the column. */
pr_status svg_latency(FILE *out, const pr_bucket_row *rows, size_t n,
                      double bucket_s, svg_size size);

/* Where the time goes: per module, inclusive time (light bar) over self
 * time (solid bar), shares of a->total_s. At most max_rows modules (0:
 * all); the self time of the rest is one "other" row. */
pr_status svg_modules(FILE *out, const pr_attribution *a,
                      const svg_palette *pal, size_t max_rows, svg_size size);

/* Self time by module per endpoint: one 100 % stacked bar per endpoint,
 * rows[0..n) in the order given, at most max_rows rows (0: all). */
pr_status svg_module_mix(FILE *out, const pr_endpoint_row *rows, size_t n,
                         size_t max_rows, const svg_palette *pal,
                         svg_size size);

/* What the icicle drew and what it left out. */
typedef struct svg_icicle_info {
    size_t drawn;     /* boxes in the SVG */
    size_t hidden;    /* tree nodes not drawn, plus t->hidden_nodes */
    double min_share; /* the smallest share a drawn box may have */
} svg_icicle_info;

/* A flame graph drawn top-down (an icicle) of the call tree: one box per
 * node, as wide as its time, coloured by module, with the full name,
 * file:line, module and times in a <title> tooltip. Boxes under
 * `min_share` of t->total_s (or one unit of the width, if larger) are hidden
 * with everything below them; when more than max_boxes (0: no limit)
 * would remain, the cut-off rises until they fit. `info` may be NULL.
 * Returns PR_OK, or PR_ERR_NOMEM when memory ran out (nothing was
 * written). */
pr_status svg_icicle(FILE *out, const pr_tree *t, const svg_palette *pal,
                     double min_share, size_t max_boxes,
                     svg_size size, svg_icicle_info *info);

#endif
