/* test_svg.c - the charts of the HTML report (lib/svg.c) and esc_html.
 *
 * Golden files: each chart of a small fixed input is compared byte for
 * byte with data/golden/svg/NAME.svg. After an intended change, look at
 * the new output and regenerate them with
 *
 *     PROFREPORT_REGEN=1 make unit
 *
 * (the tests then write the golden files instead of comparing). A
 * mismatch leaves the output next to the golden file as NAME.svg.actual.
 */
#include "testutil.h"

#include "escape.h"
#include "svg.h"

#include <math.h>

#define GOLDEN "data/golden/svg/"

/* ---- helpers ----------------------------------------------------------- */

typedef struct capture {
    char *buf;
    size_t len;
    FILE *f;
} capture;

static FILE *cap_open(capture *c)
{
    c->buf = NULL;
    c->len = 0;
    c->f = open_memstream(&c->buf, &c->len);
    cr_assert_not_null(c->f);
    return c->f;
}

/* Closes the stream; the text stays in c->buf (NUL-terminated). */
static const char *cap_close(capture *c)
{
    cr_assert_eq(fclose(c->f), 0);
    c->f = NULL;
    return c->buf;
}

static void golden(const char *name, const char *got, size_t len)
{
    char path[256], actual[280];
    snprintf(path, sizeof path, GOLDEN "%s.svg", name);
    snprintf(actual, sizeof actual, "%s.actual", path);
    const char *regen = getenv("PROFREPORT_REGEN");
    if (regen != NULL && *regen != '\0' && strcmp(regen, "0") != 0) {
        mkdir("data/golden", 0777);
        mkdir(GOLDEN, 0777);
        tu_write_file(path, got, len);
        unlink(actual);
        return;
    }
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "no golden file %s: run PROFREPORT_REGEN=1 make unit",
                       path);
    fclose(f);
    size_t n;
    unsigned char *want = tu_read_file(path, &n);
    size_t i = 0;
    while (i < n && i < len && want[i] == (unsigned char)got[i])
        i++;
    if (i != n || n != len)
        tu_write_file(actual, got, len);
    else
        unlink(actual);
    cr_assert(i == n && n == len,
              "%s differs at byte %zu (golden %zu bytes, output %zu); "
              "output written to %s", path, i, n, len, actual);
    free(want);
}

static size_t count(const char *hay, const char *needle)
{
    size_t k = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        k++;
    return k;
}

/* Every width="..." and x="..." of a <rect> is >= 0 and x + width stays
 * within the `width` units of the chart. */
static void assert_rects_within(const char *svg, double width)
{
    for (const char *p = svg; (p = strstr(p, "<rect")) != NULL; p++) {
        const char *x = strstr(p, " x=\""), *w = strstr(p, " width=\"");
        const char *end = strchr(p, '>');
        cr_assert(end != NULL && w != NULL && w < end, "rect without width");
        double wv = strtod(w + 8, NULL);
        double xv = x != NULL && x < end ? strtod(x + 4, NULL) : 0;
        cr_assert(wv >= 0 && xv >= 0, "negative rect: %.40s", p);
        cr_assert(xv + wv <= width + 0.11, "rect past the edge: %.60s", p);
    }
}

static void assert_rects_inside(const char *svg)
{
    assert_rects_within(svg, 1000);
}

static pr_func_key key(const char *file, int64_t line, const char *name)
{
    pr_func_key k = {{file, strlen(file)}, line, {name, strlen(name)}};
    return k;
}

/* ---- esc_html ---------------------------------------------------------- */

static char *esc(const char *s, size_t n)
{
    capture c;
    esc_html(cap_open(&c), s, n);
    cap_close(&c);
    return c.buf;
}

Test(esc_html, markup_becomes_text)
{
    const char *in = "<script>alert(\"x\")&'</script>";
    char *got = esc(in, strlen(in));
    cr_assert_str_eq(got, "&lt;script&gt;alert(&quot;x&quot;)&amp;&#39;"
                          "&lt;/script&gt;");
    free(got);
}

Test(esc_html, entities_stay_literal)
{
    char *got = esc("&amp;", 5);
    cr_assert_str_eq(got, "&amp;amp;");
    free(got);
}

Test(esc_html, bytes_that_are_not_utf8_shown_like_markdown)
{
    /* \xff alone; a surrogate escape of 0xff (CPython's surrogatepass of
     * U+DCFF); a control byte; a line break; valid UTF-8 kept. */
    const char in[] = "a\xff" "b\xed\xb3\xbf" "c\x01" "d\ne\xc3\xa9";
    char *got = esc(in, sizeof in - 1);
    cr_assert_str_eq(got, "a\\xffb\\xffc\\x01d e\xc3\xa9");
    free(got);
}

Test(esc_html, nul_bytes_do_not_end_the_text)
{
    char *got = esc("a\0<", 3);
    cr_assert_str_eq(got, "a\\x00&lt;");
    free(got);
}

/* ---- fixtures ---------------------------------------------------------- */

static const pr_module_row MODS[] = {
    {"flask", PR_MOD_LIBRARY, 0.010, 0.100, 0.10, 1.00, 12, 1, 0, NULL, 0},
    {"<app & co>", PR_MOD_APP, 0.050, 0.090, 0.50, 0.90, 3, 0, 0, NULL, 0},
    {"sqlalchemy", PR_MOD_LIBRARY, 0.030, 0.030, 0.30, 0.30, 40, 0, 0, NULL, 0},
    {"json", PR_MOD_STDLIB, 0.010, 0.010, 0.10, 0.10, 2, 0, 0, NULL, 0},
};

/* A call tree: a root, two children, grandchildren; one box with a
 * hostile name, one built-in, one too small to draw, and two children
 * whose times add up to more than their parent's (the estimate can). */
static const pr_tree_node NODES[] = {
    {.key = {{"app.py", 6}, 10, {"handle", 6}}, .module = "flask", .kind = PR_MOD_LIBRARY,
     .depth = 0, .parent = SIZE_MAX, .time_s = 0.100, .self_s = 0.005},
    {.key = {{"app.py", 6}, 20, {"<script>alert(1)</script>", 25}}, .module = "<app & co>", .kind = PR_MOD_APP,
     .depth = 1, .parent = 0, .time_s = 0.060, .self_s = 0.010},
    {.key = {{"orm.py", 6}, 30, {"query", 5}}, .module = "sqlalchemy", .kind = PR_MOD_LIBRARY,
     .depth = 2, .parent = 1, .time_s = 0.030, .self_s = 0.030},
    {.key = {{"~", 1}, 0, {"<built-in method json.dumps>", 28}}, .module = "json", .kind = PR_MOD_STDLIB,
     .depth = 2, .parent = 1, .time_s = 0.010, .self_s = 0.010},
    {.key = {{"app.py", 6}, 40, {"tiny", 4}}, .module = "<app & co>", .kind = PR_MOD_APP,
     .depth = 2, .parent = 1, .time_s = 0.00005, .self_s = 0.00005},
    {.key = {{"app.py", 6}, 50, {"render", 6}}, .module = "<app & co>", .kind = PR_MOD_APP,
     .depth = 1, .parent = 0, .time_s = 0.030, .self_s = 0.010},
    {.key = {{"tpl.py", 6}, 60, {"a_function_with_a_long_name_that_is_cut", 39}}, .module = "<app & co>", .kind = PR_MOD_APP,
     .depth = 2, .parent = 5, .time_s = 0.025, .self_s = 0.025},
    {.key = {{"tpl.py", 6}, 70, {"overflow", 8}}, .module = "<app & co>", .kind = PR_MOD_APP,
     .depth = 2, .parent = 5, .time_s = 0.020, .self_s = 0.020},
};

static pr_attribution attribution(void)
{
    pr_attribution a;
    memset(&a, 0, sizeof a);
    a.modules = MODS;
    a.nmodules = 4;
    a.tree.nodes = NODES;
    a.tree.nnodes = sizeof NODES / sizeof NODES[0];
    a.tree.hidden_nodes = 3;
    a.tree.total_s = 0.100;
    a.total_s = 0.100;
    return a;
}

static void endpoints(pr_endpoint_row e[3])
{
    memset(e, 0, 3 * sizeof *e);
    e[0].label = "index (app.py:10)";
    e[0].requests = 12;
    e[0].total_ms = 600;
    e[0].share = 0.6;
    e[0].mean_ms = 50;
    e[0].p50_ms = 40;
    e[0].p95_ms = 90;
    e[0].max_ms = 120;
    e[1].label = "<b>\"report\" & co</b> (a_very_long_file_name_in_a_deep_package.py:1)";
    e[1].requests = 1;
    e[1].total_ms = 300;
    e[1].share = 0.3;
    e[1].mean_ms = e[1].p50_ms = e[1].p95_ms = e[1].max_ms = 300;
    e[2].label = "GET static.<path>";
    e[2].requests = 5;
    e[2].total_ms = 100;
    e[2].share = 0.1;
    e[2].mean_ms = 20;
    e[2].p50_ms = 10;
    e[2].p95_ms = 60;
    e[2].max_ms = 61;
    pr_attribution a = attribution();
    e[0].attr = a;
    e[1].attr = a;
    e[1].attr.nmodules = 2; /* self times add up to less than the total */
}

/* ---- golden charts ----------------------------------------------------- */

Test(svg, endpoints_golden)
{
    pr_endpoint_row e[3];
    endpoints(e);
    capture c;
    svg_endpoints(cap_open(&c), e, 3, 0, SVG_WIDE);
    const char *s = cap_close(&c);
    cr_assert_eq(count(s, "<svg"), 1);
    cr_assert_eq(count(s, "<script"), 0);
    cr_assert(strstr(s, "&lt;b&gt;&quot;report&quot; &amp; co&lt;/b&gt;") != NULL);
    assert_rects_inside(s);
    golden("endpoints", c.buf, c.len);
    free(c.buf);
}

Test(svg, endpoints_more_rows_than_drawn)
{
    pr_endpoint_row e[3];
    endpoints(e);
    capture c;
    svg_endpoints(cap_open(&c), e, 3, 2, SVG_WIDE);
    const char *s = cap_close(&c);
    cr_assert(strstr(s, "1 more endpoint in the table below") != NULL);
    cr_assert(strstr(s, "static.") == NULL, "the third row is not drawn");
    free(c.buf);
}

Test(svg, latency_golden)
{
    /* Buckets of a minute with a gap of three empty ones: the lines
     * break there, and the lone last bucket is a dot. The capture starts
     * half-way through the first bucket and ends 20 s into the last:
     * their bars span only that. */
    const double t0 = 1795610520;
    pr_bucket_row b[] = {
        {t0, 5, 20, 80, 90, 60, t0 + 30, t0 + 60},
        {t0 + 60, 12, 25, 120, 200, 60, t0 + 60, t0 + 120},
        {t0 + 120, 3, 15, 40, 41, 60, t0 + 120, t0 + 180},
        {t0 + 300, 8, 30, 70, 75, 60, t0 + 300, t0 + 320},
    };
    capture c;
    svg_latency(cap_open(&c), b, 4, 60, SVG_WIDE);
    const char *s = cap_close(&c);
    cr_assert_eq(count(s, "<polyline class=\"l50\""), 1);
    cr_assert_eq(count(s, "<circle class=\"d50\""), 1);
    cr_assert(strstr(s, "requests per 1 min bucket") != NULL);
    cr_assert(strstr(s, "2026-11-25T12:42:30Z (30.00 s of a 1 min bucket)") !=
              NULL);
    cr_assert(strstr(s, "(20.00 s of a 1 min bucket)") != NULL);
    /* The axis is the capture, 12:42:30 to 12:47:20: the first bar starts
     * at the plot's left edge (x 64), and 290 s fill 872 px, so a whole
     * minute is 180.4 px wide (less the 1 px gap between bars). */
    cr_assert(strstr(s, "<rect class=\"bar\" x=\"64.0\"") != NULL);
    cr_assert(strstr(s, "width=\"179.4\"") != NULL);
    assert_rects_inside(s);
    golden("latency", c.buf, c.len);
    free(c.buf);
}

Test(svg, latency_more_buckets_than_pixels)
{
    enum { N = 5000 };
    pr_bucket_row *b = calloc(N, sizeof *b);
    cr_assert_not_null(b);
    for (size_t i = 0; i < N; i++) {
        b[i].start = 1795610520 + (double)i;
        b[i].requests = 1 + i % 7;
        b[i].p50_ms = b[i].p95_ms = b[i].max_ms = (double)(i % 100);
    }
    capture c;
    svg_latency(cap_open(&c), b, N, 1, SVG_WIDE);
    const char *s = cap_close(&c);
    cr_assert(strstr(s, "summed per pixel") != NULL);
    cr_assert_leq(count(s, "<rect class=\"bar\""), 1 + 873,
                  "one bar per pixel column at most");
    cr_assert_lt(c.len, 300000);
    assert_rects_inside(s);
    free(c.buf);
    free(b);
}

Test(svg, latency_empty)
{
    capture c;
    svg_latency(cap_open(&c), NULL, 0, 60, SVG_WIDE);
    const char *s = cap_close(&c);
    cr_assert(strstr(s, "no requests with a time") != NULL);
    free(c.buf);
}

Test(svg, modules_golden)
{
    pr_attribution a = attribution();
    svg_palette pal;
    svg_palette_init(&pal, &a);
    capture c;
    svg_modules(cap_open(&c), &a, &pal, 3, SVG_WIDE);
    const char *s = cap_close(&c);
    cr_assert(strstr(s, "1 other module<") != NULL);
    cr_assert(strstr(s, "&lt;app &amp; co&gt;") != NULL);
    cr_assert(strstr(s, "\xE2\x89\x88" "100.0%") != NULL, "estimate marked");
    assert_rects_inside(s);
    golden("modules", c.buf, c.len);
    free(c.buf);
}

Test(svg, module_mix_golden)
{
    pr_endpoint_row e[3];
    endpoints(e);
    svg_palette pal;
    svg_palette_init(&pal, &e[0].attr);
    capture c;
    svg_module_mix(cap_open(&c), e, 3, 0, &pal, SVG_WIDE);
    const char *s = cap_close(&c);
    cr_assert(strstr(s, "no profiled time") != NULL, "third endpoint empty");
    assert_rects_inside(s);
    golden("mix", c.buf, c.len);
    free(c.buf);
}

Test(svg, icicle_golden)
{
    pr_attribution a = attribution();
    svg_palette pal;
    svg_palette_init(&pal, &a);
    capture c;
    svg_icicle_info info;
    cr_assert_eq(svg_icicle(cap_open(&c), &a.tree, &pal, 0.01, 0, SVG_WIDE, &info), PR_OK);
    const char *s = cap_close(&c);
    /* "tiny" is under 1 %: hidden, with the tree's own 3. */
    cr_assert_eq(info.drawn, 7);
    cr_assert_eq(info.hidden, 1 + 3);
    cr_assert_eq(count(s, "<rect"), 7);
    cr_assert(strstr(s, ">tiny<") == NULL);
    cr_assert(strstr(s, "<title>&lt;script&gt;alert(1)&lt;/script&gt;\n"
                        "app.py:20\n&lt;app &amp; co&gt; (app)\n") != NULL);
    cr_assert(strstr(s, "{built-in method json.dumps}") != NULL);
    cr_assert(strstr(s, "a_function_with_a_long\xE2\x80\xA6") != NULL ||
                  strstr(s, "\xE2\x80\xA6</text>") != NULL,
              "long names are cut with an ellipsis");
    cr_assert_eq(count(s, "<script"), 0);
    assert_rects_inside(s);
    golden("icicle", c.buf, c.len);
    free(c.buf);
}

Test(svg, icicle_children_never_past_their_parent)
{
    pr_attribution a = attribution();
    svg_palette pal;
    svg_palette_init(&pal, &a);
    capture c;
    cr_assert_eq(svg_icicle(cap_open(&c), &a.tree, &pal, 0, 0, SVG_WIDE, NULL), PR_OK);
    const char *s = cap_close(&c);
    /* render (x 600, width 300) has children of 250 and 200: the second
     * is cut to the 50 left. */
    cr_assert(strstr(s, "<rect x=\"600.0\" y=\"18\" width=\"300.0\"") != NULL);
    cr_assert(strstr(s, "<rect x=\"850.0\" y=\"36\" width=\"50.0\"") != NULL);
    free(c.buf);
}

Test(svg, icicle_box_limit_keeps_size_bounded)
{
    /* A root with 200 children of 0.5 % each, each with 4 children of
     * 0.12 %: 1001 nodes, all over the one-pixel (1/1000) cut-off... */
    enum { KIDS = 200, GRAND = 4, N = 1 + KIDS * (1 + GRAND) };
    pr_tree_node *n = calloc(N, sizeof *n);
    cr_assert_not_null(n);
    size_t k = 0;
    n[k++] = (pr_tree_node){.key = key("r.py", 1, "root"), .module = "m",
                            .parent = SIZE_MAX, .time_s = 1.0};
    for (size_t i = 0; i < KIDS; i++) {
        size_t parent = k;
        n[k++] = (pr_tree_node){.key = key("c.py", (int64_t)i, "child"),
                                .module = "m", .depth = 1, .parent = 0,
                                .time_s = 0.005};
        for (size_t j = 0; j < GRAND; j++)
            n[k++] = (pr_tree_node){.key = key("g.py", (int64_t)j, "grand"),
                                    .module = "m", .depth = 2,
                                    .parent = parent, .time_s = 0.0012};
    }
    pr_tree t = {n, N, 0, 1.0};
    svg_palette pal;
    svg_palette_init(&pal, NULL);
    capture c;
    svg_icicle_info info;
    /* ...so with no cut-off of its own, all are drawn... */
    cr_assert_eq(svg_icicle(cap_open(&c), &t, &pal, 0, 0, SVG_WIDE, &info), PR_OK);
    cap_close(&c);
    cr_assert_eq(info.drawn, N);
    cr_assert_eq(info.hidden, 0);
    free(c.buf);
    /* ...and with at most 500 boxes, a whole level goes: the root and
     * its 200 children stay, every grandchild is hidden and counted. */
    cr_assert_eq(svg_icicle(cap_open(&c), &t, &pal, 0, 500, SVG_WIDE, &info), PR_OK);
    const char *s = cap_close(&c);
    cr_assert_eq(info.drawn, 1 + KIDS);
    cr_assert_eq(info.hidden, (size_t)KIDS * GRAND);
    cr_assert_eq(count(s, "<rect"), 1 + KIDS);
    cr_assert_gt(info.min_share, 0.0012);
    free(c.buf);
    free(n);
}

Test(svg, icicle_empty_tree)
{
    pr_tree t = {NULL, 0, 5, 0};
    svg_palette pal;
    svg_palette_init(&pal, NULL);
    capture c;
    svg_icicle_info info;
    cr_assert_eq(svg_icicle(cap_open(&c), &t, &pal, 0.01, 0, SVG_WIDE, &info), PR_OK);
    const char *s = cap_close(&c);
    cr_assert(strstr(s, "no call tree") != NULL);
    cr_assert_eq(info.drawn, 0);
    cr_assert_eq(info.hidden, 5);
    free(c.buf);
}

Test(svg, palette_by_attribution_order)
{
    pr_attribution a = attribution();
    svg_palette pal;
    svg_palette_init(&pal, &a);
    cr_assert_eq(svg_color(&pal, "flask"), 0);
    cr_assert_eq(svg_color(&pal, "json"), 3);
    cr_assert_eq(svg_color(&pal, "unknown"), SVG_NCOLORS - 1);
    cr_assert_eq(svg_color(&pal, NULL), SVG_NCOLORS - 1);
}

/* ---- narrow layouts ---------------------------------------------------- */

/* A phone's chart: 360 units wide, marked "narrow", drawn within them. */
static void assert_narrow(const char *svg, const char *kind)
{
    char open[64];
    snprintf(open, sizeof open, "<svg class=\"chart %s narrow\" viewBox=\"0 0 "
                                "360 ", kind);
    cr_assert_eq(strncmp(svg, open, strlen(open)), 0, "%.80s", svg);
    cr_assert_eq(count(svg, "<svg"), 1);
    assert_rects_within(svg, 360);
}

Test(svg, narrow_endpoints_label_above_the_bar)
{
    pr_endpoint_row e[3];
    endpoints(e);
    capture c;
    cr_assert_eq(svg_endpoints(cap_open(&c), e, 3, 2, SVG_NARROW), PR_OK);
    const char *s = cap_close(&c);
    assert_narrow(s, "endpoints");
    /* The first row: its name starts the line, its bar is under it. */
    static const char LBL[] = "<text class=\"lbl\" x=\"0\" y=\"";
    static const char BAR[] = "<rect class=\"bar\" x=\"0\" y=\"";
    const char *g = strstr(s, "<g>");
    cr_assert_not_null(g);
    const char *y = strstr(g, LBL), *bar = strstr(g, BAR);
    cr_assert(y != NULL && bar != NULL);
    cr_assert_eq(strncmp(strchr(y + sizeof LBL - 1, '>'),
                         ">index (app.py:10)</text>", 25), 0, "%.80s", y);
    cr_assert_lt(strtod(y + sizeof LBL - 1, NULL) + 4,
                 strtod(bar + sizeof BAR - 1, NULL), "name above the bar");
    cr_assert(strstr(s, "1 more endpoint in the table below") != NULL);
    golden("endpoints-narrow", c.buf, c.len);
    free(c.buf);
}

Test(svg, narrow_latency_modules_mix_icicle)
{
    pr_bucket_row b[3];
    memset(b, 0, sizeof b);
    for (int i = 0; i < 3; i++) {
        b[i].start = 1764000000 + 60.0 * i;
        b[i].requests = (size_t)(3 + i);
        b[i].p50_ms = 10.0 * (i + 1);
        b[i].p95_ms = 25.0 * (i + 1);
        b[i].max_ms = 30.0 * (i + 1);
    }
    capture c;
    cr_assert_eq(svg_latency(cap_open(&c), b, 3, 60, SVG_NARROW), PR_OK);
    assert_narrow(cap_close(&c), "latency");
    golden("latency-narrow", c.buf, c.len);
    free(c.buf);

    pr_attribution a = attribution();
    svg_palette pal;
    svg_palette_init(&pal, &a);
    cr_assert_eq(svg_modules(cap_open(&c), &a, &pal, 3, SVG_NARROW), PR_OK);
    assert_narrow(cap_close(&c), "modules");
    cr_assert(strstr(c.buf, "1 other module<") != NULL);
    golden("modules-narrow", c.buf, c.len);
    free(c.buf);

    pr_endpoint_row e[3];
    endpoints(e);
    cr_assert_eq(svg_module_mix(cap_open(&c), e, 3, 0, &pal, SVG_NARROW),
                 PR_OK);
    assert_narrow(cap_close(&c), "mix");
    golden("mix-narrow", c.buf, c.len);
    free(c.buf);

    svg_icicle_info info;
    cr_assert_eq(svg_icicle(cap_open(&c), &a.tree, &pal, 0.01, 0, SVG_NARROW,
                            &info), PR_OK);
    assert_narrow(cap_close(&c), "icicle");
    /* The root spans the chart; its children keep their shares of it. */
    cr_assert(strstr(c.buf, "<rect x=\"0.0\" y=\"0\" width=\"360.0\"") != NULL);
    cr_assert(strstr(c.buf, "<rect x=\"216.0\" y=\"18\" width=\"108.0\"") !=
              NULL, "render: 30 %% of 360 from 60 %%");
    golden("icicle-narrow", c.buf, c.len);
    free(c.buf);
}

/* No attribute holds nan or inf (titles may: they say what the data
 * is). */
static void assert_finite_coordinates(const char *s)
{
    const char *bad[] = {"=\"nan", "=\"-nan", "=\"inf", "=\"-inf", " nan,",
                         " inf,", ",nan", ",inf"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert_null(strstr(s, bad[i]), "%s in the chart", bad[i]);
}

/* Times no profile can hold any more (the parser refuses a function
 * time over 31 years) still reach the charts from a corrupt state file:
 * a 5.6e306 s time made the latency axis step towards an infinite top
 * for ever. Every chart ends, stays small, and places nothing at NaN. */
Test(svg, absurd_times_end_and_stay_bounded, .timeout = 10)
{
    pr_endpoint_row e[3];
    endpoints(e);
    e[0].total_ms = e[0].max_ms = e[0].p95_ms = INFINITY;
    e[1].total_ms = e[1].max_ms = 5.6e306;
    e[2].p50_ms = NAN;
    const double t0 = 1795610520;
    pr_bucket_row b[] = {
        {t0, 5, 20, 5.6e306, INFINITY, 60, t0, t0 + 60},
        {t0 + 60, 12, NAN, 120, 200, 60, t0 + 60, t0 + 120},
    };
    for (int narrow = 0; narrow <= 1; narrow++) {
        svg_size size = narrow ? SVG_NARROW : SVG_WIDE;
        capture c;
        cr_assert_eq(svg_endpoints(cap_open(&c), e, 3, 0, size), PR_OK);
        const char *s = cap_close(&c);
        cr_assert_lt(c.len, 64 * 1024, "endpoints chart of %zu bytes", c.len);
        assert_finite_coordinates(s);
        free(c.buf);
        cr_assert_eq(svg_latency(cap_open(&c), b, 2, 60, size), PR_OK);
        s = cap_close(&c);
        cr_assert_lt(c.len, 64 * 1024, "latency chart of %zu bytes", c.len);
        assert_finite_coordinates(s);
        free(c.buf);
    }
}
