/* svg.c - the HTML report's charts as inline SVG (see svg.h).
 *
 * Every chart is drawn for its natural size, 1000 user units wide or,
 * for a phone, 360 (svg_size); text is 12 px (11 px monospace in the
 * icicle, 11 px ticks), so labels can be cut to fit by counting
 * characters instead of measuring them. */
#define _POSIX_C_SOURCE 200809L
#include "svg.h"
#include "escape.h"
#include "fmt.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define W 1000.0 /* SVG_WIDE */
#define NW 360.0 /* SVG_NARROW */

/* ---- small helpers ---------------------------------------------------- */

static void text(FILE *out, const char *s) { esc_html(out, s, strlen(s)); }

/* Characters (code points) in s[0..n). */
static size_t nchars(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* s[0..n) cut to at most max characters, the last one an ellipsis when
 * something was cut. Writes nothing when max < 2. */
static void text_fit(FILE *out, const char *s, size_t n, size_t max)
{
    if (max < 2)
        return;
    if (nchars(s, n) <= max) {
        esc_html(out, s, n);
        return;
    }
    size_t i = 0, c = 0;
    while (i < n && c < max - 1) {
        i++;
        while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
            i++;
        c++;
    }
    esc_html(out, s, i);
    fputs("\xE2\x80\xA6", out); /* U+2026 */
}

/* A time in ms as a sentence says it: "0.4 ms", "35 ms", "7.42 s". */
/* An axis tick: "0", "2.5 ms", "20 ms", "1.5 s". */
static void fmt_tick_ms(FILE *out, double ms)
{
    if (ms == 0)
        fputs("0", out);
    else if (ms < 1000)
        fprintf(out, "%g ms", ms);
    else
        fprintf(out, "%g s", ms / 1000);
}

/* The smallest 1, 2 or 5 times a power of ten that is >= x (x > 0). */
static double nice_step(double x)
{
    if (!(x > 0) || !isfinite(x))
        return 1;
    double e = pow(10, floor(log10(x)));
    double f = x / e;
    double n = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
    return n * e;
}

/* Where v lies on an axis to top, in [0, 1]: a corrupt profile's times
 * can be infinite, and NaN or inf is no SVG coordinate. */
static double frac(double v, double top)
{
    double f = v / top;
    return f > 0 ? (f < 1 ? f : 1) : 0;
}

/* A share as a percentage for display: NaN (inf / inf) shows as 0. */
static double pct(double share)
{
    return share > 0 ? (share < 1 ? share * 100 : 100) : 0;
}

/* Axis maximum for data up to max with about `ticks` steps: *step set. */
static double nice_max(double max, int ticks, double *step)
{
    /* a corrupt profile can hold times near DBL_MAX: the axis stays
     * finite, so that its ticks can be counted */
    if (!(max <= 1e300))
        max = 1e300;
    *step = nice_step(max / ticks);
    double top = ceil(max / *step - 1e-9) * *step;
    return top > 0 ? top : *step;
}

static void svg_open(FILE *out, const char *cls, svg_size size, double h,
                     const char *label)
{
    double w = size == SVG_NARROW ? NW : W;
    fprintf(out,
            "<svg class=\"chart %s%s\" viewBox=\"0 0 %.0f %.0f\" "
            "width=\"%.0f\" height=\"%.0f\" role=\"img\" "
            "aria-label=\"%s\">",
            cls, size == SVG_NARROW ? " narrow" : "", w, h, w, h, label);
}

static void legend_swatch(FILE *out, double x, double y, const char *cls)
{
    fprintf(out, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"10\" "
                 "height=\"10\"/>", cls, x, y - 9);
}

/* ---- palette ---------------------------------------------------------- */

void svg_palette_init(svg_palette *p, const pr_attribution *a)
{
    p->n = 0;
    for (size_t i = 0; a != NULL && i < a->nmodules && p->n < SVG_NCOLORS - 1;
         i++)
        if (a->modules[i].name != NULL)
            p->names[p->n++] = a->modules[i].name;
}

int svg_color(const svg_palette *p, const char *module)
{
    for (size_t i = 0; module != NULL && i < p->n; i++)
        if (strcmp(p->names[i], module) == 0)
            return (int)i;
    return SVG_NCOLORS - 1;
}

/* ---- endpoints -------------------------------------------------------- */

#define ROW 22.0
#define TOP 28.0

/* An endpoint's numbers as a tooltip. */
static void endpoint_title(FILE *out, const pr_endpoint_row *e,
                           const char *label)
{
    fputs("<title>", out);
    text(out, label);
    fprintf(out, "\n%zu request%s, total ", e->requests,
            e->requests == 1 ? "" : "s");
    pr__fmt_ms(out, e->total_ms);
    fprintf(out, " (%.1f%%)\nmean ", pct(e->share));
    pr__fmt_ms(out, e->mean_ms);
    fputs(", p50 ", out);
    pr__fmt_ms(out, e->p50_ms);
    fputs(", p95 ", out);
    pr__fmt_ms(out, e->p95_ms);
    fputs(", max ", out);
    pr__fmt_ms(out, e->max_ms);
    fputs("</title>", out);
}

/* p50 (dot) to max (tick) with p95 (bar) on a scale from x0 (0 ms) to
 * x1 (top ms), 12 units tall from y. */
static void latency_marks(FILE *out, const pr_endpoint_row *e, double x0,
                          double x1, double top, double y)
{
    double x50 = x0 + frac(e->p50_ms, top) * (x1 - x0);
    double x95 = x0 + frac(e->p95_ms, top) * (x1 - x0);
    double xmx = x0 + frac(e->max_ms, top) * (x1 - x0);
    fprintf(out, "<line class=\"range\" x1=\"%.1f\" y1=\"%.1f\" "
                 "x2=\"%.1f\" y2=\"%.1f\"/>", x50, y + 6, xmx, y + 6);
    fprintf(out, "<rect class=\"pmax\" x=\"%.1f\" y=\"%.1f\" "
                 "width=\"1.5\" height=\"12\"/>", xmx - 0.75, y);
    fprintf(out, "<rect class=\"p95\" x=\"%.1f\" y=\"%.1f\" width=\"3\" "
                 "height=\"12\"/>", x95 - 1.5, y);
    fprintf(out, "<circle class=\"p50\" cx=\"%.1f\" cy=\"%.1f\" "
                 "r=\"3.5\"/>", x50, y + 6);
}

/* The legend of latency_marks, its first mark at x. */
static void latency_legend(FILE *out, double x, double y)
{
    fprintf(out, "<circle class=\"p50\" cx=\"%.1f\" cy=\"%.0f\" r=\"3.5\"/>"
                 "<text class=\"lbl\" x=\"%.1f\" y=\"%.0f\">p50</text>"
                 "<rect class=\"p95\" x=\"%.1f\" y=\"%.0f\" width=\"3\" "
                 "height=\"12\"/>"
                 "<text class=\"lbl\" x=\"%.1f\" y=\"%.0f\">p95</text>"
                 "<rect class=\"pmax\" x=\"%.1f\" y=\"%.0f\" width=\"1.5\" "
                 "height=\"12\"/>"
                 "<text class=\"lbl\" x=\"%.1f\" y=\"%.0f\">max</text>",
            x, y - 4, x + 7, y, x + 40, y - 10, x + 47, y, x + 82, y - 10,
            x + 88, y);
}

/* The latency scale: grid lines from y0 to y1 and ticks under them. */
static void latency_axis(FILE *out, double x0, double x1, double top,
                         double step, double y0, double y1)
{
    /* counted, not stepped: v += step never reaches a huge top */
    long n = lround(top / step);
    n = n < 1 ? 1 : n > 50 ? 50 : n;
    for (long k = 0; k <= n; k++) {
        double v = top * (double)k / (double)n;
        double x = x0 + v / top * (x1 - x0);
        fprintf(out, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" "
                     "x2=\"%.1f\" y2=\"%.1f\"/>", x, y0, x, y1);
        fprintf(out, "<text class=\"tick\" x=\"%.1f\" y=\"%.1f\" "
                     "text-anchor=\"middle\">", x, y1 + 16);
        fmt_tick_ms(out, v);
        fputs("</text>", out);
    }
}

/* The largest total and the largest max latency of rows[0..m). */
static void endpoint_maxima(const pr_endpoint_row *rows, size_t m,
                            double *tmax, double *lmax)
{
    *tmax = *lmax = 0;
    for (size_t i = 0; i < m; i++) {
        if (rows[i].total_ms > *tmax)
            *tmax = rows[i].total_ms;
        if (rows[i].max_ms > *lmax)
            *lmax = rows[i].max_ms;
    }
}

/* For a phone: each endpoint on two lines, its name and total above, its
 * total-time bar and latency marks below, side by side. */
static pr_status endpoints_narrow(FILE *out, const pr_endpoint_row *rows,
                                  size_t n, size_t m)
{
    const double RH = 38, T = 40, BW = 150, LX0 = 176, LX1 = 334;
    double tmax, lmax;
    endpoint_maxima(rows, m, &tmax, &lmax);
    double step, ltop = nice_max(lmax, 2, &step);
    double yb = T + (double)m * RH;
    svg_open(out, "endpoints", SVG_NARROW, yb + 26 + (m < n ? 18 : 0),
             "Endpoints: total time and latency");
    fputs("<text class=\"lbl\" x=\"0\" y=\"30\">total time</text>", out);
    fprintf(out, "<text class=\"lbl\" x=\"%.0f\" y=\"14\">latency per "
                 "request:</text>", LX0);
    latency_legend(out, LX0 + 4, 30);
    latency_axis(out, LX0, LX1, ltop, step, T - 4, yb);
    for (size_t i = 0; i < m; i++) {
        const pr_endpoint_row *e = &rows[i];
        double y = T + (double)i * RH;
        const char *label = e->label != NULL ? e->label : "";
        fputs("<g>", out);
        endpoint_title(out, e, label);
        /* The name gets the line but for its total, at ~7.4 units a
         * character of 12 px text. */
        char ms[64], val[96];
        pr__fmt_ms_buf(ms, sizeof ms, e->total_ms);
        snprintf(val, sizeof val, "%s \xC2\xB7 %.1f%%", ms, pct(e->share));
        double room = (NW - 12) / 7.4 - (double)nchars(val, strlen(val));
        fprintf(out, "<text class=\"lbl\" x=\"0\" y=\"%.1f\">", y + 12);
        text_fit(out, label, strlen(label), room > 4 ? (size_t)room : 4);
        fprintf(out, "</text><text class=\"val\" x=\"%.0f\" y=\"%.1f\" "
                     "text-anchor=\"end\">%s</text>", NW, y + 12, val);
        fprintf(out, "<rect class=\"bar\" x=\"0\" y=\"%.1f\" "
                     "width=\"%.1f\" height=\"12\"/>", y + 18,
                frac(e->total_ms, tmax) * BW);
        latency_marks(out, e, LX0, LX1, ltop, y + 18);
        fputs("</g>", out);
    }
    if (m < n)
        fprintf(out, "<text class=\"lbl\" x=\"0\" y=\"%.1f\">%zu more "
                     "endpoint%s in the table below</text>", yb + 36,
                n - m, n - m == 1 ? "" : "s");
    fputs("</svg>", out);
    return PR_OK;
}

pr_status svg_endpoints(FILE *out, const pr_endpoint_row *rows, size_t n,
                        size_t max_rows, svg_size size)
{
    size_t m = max_rows != 0 && n > max_rows ? max_rows : n;
    if (size == SVG_NARROW)
        return endpoints_narrow(out, rows, n, m);
    /* Columns: labels end at LX, total bars from BX (BW long, value
     * after), latency scale from LX0 to LX1. */
    const double LX = 296, BX = 304, BW = 190, LX0 = 630, LX1 = 980;
    double tmax, lmax;
    endpoint_maxima(rows, m, &tmax, &lmax);
    double step, ltop = nice_max(lmax, 4, &step);
    double h = TOP + (double)m * ROW + 26 + (m < n ? 18 : 0);
    svg_open(out, "endpoints", SVG_WIDE, h,
             "Endpoints: total time and latency");
    fprintf(out, "<text class=\"lbl\" x=\"%.0f\" y=\"14\">total time "
                 "(share of all requests)</text>", BX);
    fprintf(out, "<text class=\"lbl\" x=\"%.0f\" y=\"14\">latency per "
                 "request:</text>", LX0);
    latency_legend(out, LX0 + 142, 14);
    double yb = TOP + (double)m * ROW;
    latency_axis(out, LX0, LX1, ltop, step, TOP - 4, yb);
    for (size_t i = 0; i < m; i++) {
        const pr_endpoint_row *e = &rows[i];
        double y = TOP + (double)i * ROW;
        const char *label = e->label != NULL ? e->label : "";
        fputs("<g>", out);
        endpoint_title(out, e, label);
        fprintf(out, "<text class=\"lbl\" x=\"%.0f\" y=\"%.1f\" "
                     "text-anchor=\"end\">", LX, y + 15);
        text_fit(out, label, strlen(label), 42);
        fputs("</text>", out);
        double bw = frac(e->total_ms, tmax) * BW;
        fprintf(out, "<rect class=\"bar\" x=\"%.0f\" y=\"%.1f\" "
                     "width=\"%.1f\" height=\"14\"/>", BX, y + 4, bw);
        fprintf(out, "<text class=\"val\" x=\"%.1f\" y=\"%.1f\">", BX + bw + 4,
                y + 15);
        pr__fmt_ms(out, e->total_ms);
        fprintf(out, " \xC2\xB7 %.1f%%</text>", pct(e->share));
        latency_marks(out, e, LX0, LX1, ltop, y + 5);
        fputs("</g>", out);
    }
    if (m < n)
        fprintf(out, "<text class=\"lbl\" x=\"%.0f\" y=\"%.1f\">%zu more "
                     "endpoint%s in the table below</text>", BX, yb + 36,
                n - m, n - m == 1 ? "" : "s");
    fputs("</svg>", out);
    return PR_OK;
}

/* ---- latency over time ------------------------------------------------ */

typedef struct column {
    double x, w;      /* pixels from the plot's left edge */
    size_t requests;  /* summed */
    double p50, p95, max;
    size_t first, nb; /* buckets rows[first .. first + nb) */
    int gap;          /* not adjacent to the previous column */
} column;

static void time_label(FILE *out, double t, double span)
{
    time_t s = (time_t)floor(t);
    struct tm tm;
    char buf[32];
    size_t ok = 0;
    if (gmtime_r(&s, &tm) != NULL) {
        if (span < 600)
            ok = strftime(buf, sizeof buf, "%H:%M:%S", &tm);
        else if (span <= 2 * 86400)
            ok = strftime(buf, sizeof buf, "%H:%M", &tm);
        else
            ok = strftime(buf, sizeof buf, "%m-%d %H:%M", &tm);
    }
    if (ok == 0)
        snprintf(buf, sizeof buf, "%.0f", t);
    fputs(buf, out);
}

/* One line (p50 or p95) through the columns' centres, broken at gaps; a
 * point with no neighbour is a dot. */
static void latency_line(FILE *out, const column *c, size_t nc, int p95,
                         double X0, double Y1, double PH, double ltop)
{
    const char *cls = p95 ? "l95" : "l50";
    for (size_t i = 0; i < nc;) {
        size_t j = i + 1;
        while (j < nc && !c[j].gap)
            j++;
        if (j - i == 1) {
            double v = p95 ? c[i].p95 : c[i].p50;
            fprintf(out, "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" "
                         "r=\"2\"/>", p95 ? "d95" : "d50", X0 + c[i].x + c[i].w / 2,
                    Y1 - frac(v, ltop) * PH);
        } else {
            fprintf(out, "<polyline class=\"%s\" points=\"", cls);
            for (size_t k = i; k < j; k++) {
                double v = p95 ? c[k].p95 : c[k].p50;
                fprintf(out, "%s%.1f,%.1f", k > i ? " " : "",
                        X0 + c[k].x + c[k].w / 2, Y1 - frac(v, ltop) * PH);
            }
            fputs("\"/>", out);
        }
        i = j;
    }
}

/* The part of a bucket with data; a row built without from/to (to == 0)
 * is the whole bucket. */
static double bucket_from(const pr_bucket_row *b)
{
    return b->to > 0 ? b->from : b->start;
}

static double bucket_to(const pr_bucket_row *b, double bucket_s)
{
    return b->to > 0 ? b->to : b->start + bucket_s;
}

pr_status svg_latency(FILE *out, const pr_bucket_row *rows, size_t n,
                      double bucket_s, svg_size size)
{
    /* A phone's plot is narrower, its legend on two lines. */
    const int nar = size == SVG_NARROW;
    const double X0 = nar ? 34 : 64, X1 = nar ? 314 : 936;
    const double Y0 = nar ? 48 : 30, Y1 = Y0 + 190, H = Y1 + 42;
    const double PW = X1 - X0, PH = Y1 - Y0;
    /* Memory first, so that running out writes nothing. */
    column *c = n > 0 && rows != NULL ? calloc(n, sizeof *c) : NULL;
    if (n > 0 && rows != NULL && c == NULL)
        return PR_ERR_NOMEM;
    svg_open(out, "latency", size, H, "Requests and latency over time");
    if (n == 0 || rows == NULL) {
        fprintf(out, "<text class=\"lbl\" x=\"%.0f\" y=\"%.0f\" "
                     "text-anchor=\"middle\">no requests with a time</text>"
                     "</svg>", (nar ? NW : W) / 2, H / 2 - 1);
        return PR_OK;
    }
    if (!(bucket_s > 0))
        bucket_s = 1;
    /* The axis spans the capture: each bar only the part of its bucket
     * with data, so a partial first or last bucket is not drawn over
     * time nobody measured. */
    double t0 = bucket_from(&rows[0]), span = bucket_to(&rows[n - 1], bucket_s) - t0;
    if (!(span > 0))
        span = bucket_s;
    double sx = PW / span;
    int per_pixel = (double)n > PW;
    size_t nc = 0;
    for (size_t i = 0; i < n; i++) {
        const pr_bucket_row *b = &rows[i];
        double x = (bucket_from(b) - t0) * sx;
        int adjacent = i > 0 && b->start - rows[i - 1].start < bucket_s * 1.5;
        if (per_pixel && nc > 0 && floor(x) == c[nc - 1].x) {
            column *k = &c[nc - 1];
            k->requests += b->requests;
            k->p50 = b->p50_ms > k->p50 ? b->p50_ms : k->p50;
            k->p95 = b->p95_ms > k->p95 ? b->p95_ms : k->p95;
            k->max = b->max_ms > k->max ? b->max_ms : k->max;
            k->nb++;
            continue;
        }
        column *k = &c[nc++];
        k->x = per_pixel ? floor(x) : x;
        k->w = per_pixel ? 1 : (bucket_to(b, bucket_s) - bucket_from(b)) * sx;
        if (!per_pixel && k->w < 2) { /* requests at one instant show */
            k->w = 2;
            if (k->x + k->w > PW)
                k->x = PW - k->w;
        }
        k->requests = b->requests;
        k->p50 = b->p50_ms;
        k->p95 = b->p95_ms;
        k->max = b->max_ms;
        k->first = i;
        k->nb = 1;
        k->gap = i > 0 && !adjacent;
    }
    size_t rmax = 0;
    double lmax = 0;
    for (size_t i = 0; i < nc; i++) {
        if (c[i].requests > rmax)
            rmax = c[i].requests;
        if (c[i].p95 > lmax)
            lmax = c[i].p95;
    }
    double rstep, rtop = nice_max((double)rmax, 4, &rstep);
    if (rstep < 1) { /* no half requests on the axis */
        rstep = 1;
        rtop = ceil(rtop);
    }
    double lstep, ltop = nice_max(lmax, 4, &lstep);
    /* Legend: one line over the plot, or two from the left edge. */
    const double LX = nar ? 0 : X0, L2 = nar ? 0 : X0 + 400;
    const double LY = nar ? 34 : 16;
    legend_swatch(out, LX, 16, "bar");
    fprintf(out, "<text class=\"lbl\" x=\"%.0f\" y=\"16\">requests per ",
            LX + 14);
    pr__fmt_span(out, bucket_s);
    /* A phone's lines are short: "(left)", not "(left scale)". */
    const char *scale = nar ? "" : " scale";
    fprintf(out, " bucket%s (left%s)</text>",
            per_pixel ? ", summed per pixel" : "", scale);
    fprintf(out, "<line class=\"l50\" x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" "
                 "y2=\"%.0f\"/><text class=\"lbl\" x=\"%.0f\" y=\"%.0f\">p50"
                 "</text>", L2, LY - 4, L2 + 18, LY - 4, L2 + 22, LY);
    fprintf(out, "<line class=\"l95\" x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" "
                 "y2=\"%.0f\"/><text class=\"lbl\" x=\"%.0f\" y=\"%.0f\">p95 "
                 "latency%s (right%s)</text>", L2 + 60, LY - 4, L2 + 78,
            LY - 4, L2 + 82, LY, per_pixel ? ", highest per pixel" : "",
            scale);
    /* Grid: the request scale's steps; both axes share the lines. */
    int steps = (int)lround(rtop / rstep);
    for (int s = 0; s <= steps; s++) {
        double y = Y1 - (double)s / steps * PH;
        fprintf(out, "<line class=\"grid\" x1=\"%.0f\" y1=\"%.1f\" "
                     "x2=\"%.0f\" y2=\"%.1f\"/>", X0, y, X1, y);
        fprintf(out, "<text class=\"tick\" x=\"%.0f\" y=\"%.1f\" "
                     "text-anchor=\"end\">%g</text>", X0 - 6, y + 4,
                rstep * s);
        fprintf(out, "<text class=\"tick\" x=\"%.0f\" y=\"%.1f\">", X1 + 6,
                y + 4);
        fmt_tick_ms(out, ltop * s / steps);
        fputs("</text>", out);
    }
    for (int s = 0; s <= 4; s += nar ? 2 : 1) { /* three on a phone */
        double x = X0 + PW * s / 4;
        fprintf(out, "<text class=\"tick\" x=\"%.1f\" y=\"%.0f\" "
                     "text-anchor=\"%s\">", x, Y1 + 18,
                s == 0 ? "start" : s == 4 ? "end" : "middle");
        time_label(out, t0 + span * s / 4, span);
        fputs("</text>", out);
    }
    char day[32];
    pr__iso_time(t0, day, sizeof day);
    day[10] = '\0';
    fprintf(out, "<text class=\"tick\" x=\"%.0f\" y=\"%.0f\">UTC, from %s"
                 "</text>", X0, Y1 + 36, day);
    /* Bars, each with its numbers as a tooltip. */
    for (size_t i = 0; i < nc; i++) {
        const column *k = &c[i];
        double bh = frac((double)k->requests, rtop) * PH;
        double bw = k->w > 2 ? k->w - 1 : k->w;
        const pr_bucket_row *b = &rows[k->first];
        char when[32];
        pr__iso_time(bucket_from(b), when, sizeof when);
        fprintf(out, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" "
                     "width=\"%.1f\" height=\"%.1f\"><title>%s",
                X0 + k->x, Y1 - bh, bw, bh, when);
        if (k->nb > 1) {
            fprintf(out, " (%zu buckets)", k->nb);
        } else if (bucket_to(b, bucket_s) - bucket_from(b) < bucket_s - 1e-9) {
            fputs(" (", out);
            pr__fmt_ms(out, (bucket_to(b, bucket_s) - bucket_from(b)) * 1000);
            fputs(" of a ", out);
            pr__fmt_span(out, bucket_s);
            fputs(" bucket)", out);
        }
        fprintf(out, ": %zu request%s\np50 ", k->requests,
                k->requests == 1 ? "" : "s");
        pr__fmt_ms(out, k->p50);
        fputs(", p95 ", out);
        pr__fmt_ms(out, k->p95);
        fputs(", max ", out);
        pr__fmt_ms(out, k->max);
        fputs("</title></rect>", out);
    }
    latency_line(out, c, nc, 0, X0, Y1, PH, ltop);
    latency_line(out, c, nc, 1, X0, Y1, PH, ltop);
    fputs("</svg>", out);
    free(c);
    return PR_OK;
}

/* ---- modules ---------------------------------------------------------- */

static void module_title(FILE *out, const pr_module_row *m)
{
    fputs("<title>", out);
    text(out, m->name != NULL ? m->name : "");
    fprintf(out, " (%s)\nown ", pr_module_kind_name(m->kind));
    pr__fmt_ms(out, m->self_s * 1000);
    fprintf(out, " (%.1f%%), inclusive %s", pct(m->self_share),
            m->estimated ? "about " : "");
    pr__fmt_ms(out, m->inclusive_s * 1000);
    fprintf(out, " (%.1f%%)", pct(m->inclusive_share));
    if (m->calls > 0)
        fprintf(out, "\n%lld call%s from other modules", (long long)m->calls,
                m->calls == 1 ? "" : "s");
    fputs("</title>", out);
}

/* A module's inclusive (light) and own (solid) bars, shares of a scale
 * whose `top` is bw units long from x. */
static void module_bars(FILE *out, int col, double incl, double self,
                        double top, double x, double bw, double y, double h)
{
    if (incl > 0 && top > 0)
        fprintf(out, "<rect class=\"c%d inc\" x=\"%.0f\" y=\"%.1f\" "
                     "width=\"%.1f\" height=\"%.0f\"/>", col, x, y,
                frac(incl, top) * bw, h);
    fprintf(out, "<rect class=\"c%d\" x=\"%.0f\" y=\"%.1f\" "
                 "width=\"%.1f\" height=\"%.0f\"/>", col, x, y,
            frac(self, top) * bw, h);
}

pr_status svg_modules(FILE *out, const pr_attribution *a,
                      const svg_palette *pal, size_t max_rows, svg_size size)
{
    size_t n = a != NULL ? a->nmodules : 0;
    size_t m = max_rows != 0 && n > max_rows ? max_rows : n;
    int other = m < n;
    /* Wide: name, bars and values side by side in one row. Narrow: the
     * name and the shares on one line, the bars under them. */
    const int nar = size == SVG_NARROW;
    const double LX = 236, BX = nar ? 0 : 244, BW = nar ? 340 : 500;
    const double VX = 760, IX = 880, RH = nar ? 36 : ROW, T = nar ? 40 : TOP;
    double smax = 0;
    for (size_t i = 0; i < m; i++) {
        const pr_module_row *r = &a->modules[i];
        double s = r->inclusive_share > r->self_share ? r->inclusive_share
                                                      : r->self_share;
        if (s > smax)
            smax = s;
    }
    double other_s = 0, other_share = 0;
    for (size_t i = m; i < n; i++) {
        other_s += a->modules[i].self_s;
        other_share += a->modules[i].self_share;
    }
    if (other && other_share > smax)
        smax = other_share;
    double step, top = nice_max(smax * 100, 4, &step) / 100;
    step /= 100;
    size_t rows = m + (size_t)other;
    double yb = T + (double)rows * RH;
    svg_open(out, "modules", size, yb + 26, "Time by module");
    legend_swatch(out, BX, 14, "c0");
    fprintf(out, "<text class=\"lbl\" x=\"%.0f\" y=\"14\">own time</text>",
            BX + 14);
    legend_swatch(out, BX + 90, 14, "c0 inc");
    if (nar)
        fprintf(out, "<text class=\"lbl\" x=\"%.0f\" y=\"14\">inclusive"
                     "</text><text class=\"lbl\" x=\"%.0f\" y=\"14\" "
                     "text-anchor=\"end\">own / inclusive</text>",
                BX + 104, NW);
    else
        fprintf(out, "<text class=\"lbl\" x=\"%.0f\" y=\"14\">inclusive: "
                     "from entering the module until leaving it</text>"
                     "<text class=\"lbl\" x=\"%.0f\" y=\"14\">own</text>"
                     "<text class=\"lbl\" x=\"%.0f\" y=\"14\">inclusive"
                     "</text>", BX + 104, VX, IX);
    for (int s = 0; top > 0 && s <= (int)lround(top / step); s++) {
        double x = BX + s * step / top * BW;
        /* A phone's first tick is at the chart's edge. */
        fprintf(out, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" "
                     "x2=\"%.1f\" y2=\"%.1f\"/><text class=\"tick\" "
                     "x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\">%g%%"
                     "</text>", x, T - 4, x, yb, x, yb + 16,
                nar && s == 0 ? "start" : "middle", s * step * 100);
    }
    for (size_t i = 0; i < rows; i++) {
        double y = T + (double)i * RH;
        double self, incl = 0, self_share, incl_share = 0;
        int col = SVG_NCOLORS - 1, est = 0;
        fputs("<g>", out);
        if (i < m) {
            const pr_module_row *r = &a->modules[i];
            module_title(out, r);
            col = svg_color(pal, r->name);
            self = r->self_s;
            incl = r->inclusive_s;
            self_share = r->self_share;
            incl_share = r->inclusive_share;
            est = r->estimated;
            const char *name = r->name != NULL ? r->name : "";
            if (nar)
                fprintf(out, "<text class=\"lbl\" x=\"0\" y=\"%.1f\">",
                        y + 12);
            else
                fprintf(out, "<text class=\"lbl\" x=\"%.0f\" y=\"%.1f\" "
                             "text-anchor=\"end\">", LX, y + 15);
            text_fit(out, name, strlen(name), nar ? 26 : 32);
            fprintf(out, " <tspan class=\"kind\">%s</tspan></text>",
                    pr_module_kind_name(r->kind));
        } else {
            self = other_s;
            self_share = other_share;
            fprintf(out, "<title>%zu smaller modules: own ", n - m);
            pr__fmt_ms(out, self * 1000);
            fprintf(out, "</title><text class=\"lbl\" x=\"%.0f\" y=\"%.1f\" "
                         "text-anchor=\"%s\">%zu other module%s</text>",
                    nar ? 0 : LX, y + (nar ? 12 : 15), nar ? "start" : "end",
                    n - m, n - m == 1 ? "" : "s");
        }
        if (nar) {
            module_bars(out, col, incl_share, self_share, top, BX, BW, y + 18,
                        12);
            fprintf(out, "<text class=\"val\" x=\"%.0f\" y=\"%.1f\" "
                         "text-anchor=\"end\">%.1f%%", NW, y + 12,
                    pct(self_share));
            if (i < m)
                fprintf(out, " / %s%.1f%%", est ? "\xE2\x89\x88" : "",
                        pct(incl_share));
            fputs("</text></g>", out);
            continue;
        }
        module_bars(out, col, incl_share, self_share, top, BX, BW, y + 4, 14);
        fprintf(out, "<text class=\"val\" x=\"%.0f\" y=\"%.1f\">%.1f%% ",
                VX, y + 15, pct(self_share));
        pr__fmt_ms(out, self * 1000);
        fputs("</text>", out);
        if (i < m) {
            fprintf(out, "<text class=\"val\" x=\"%.0f\" y=\"%.1f\">%s%.1f%% ",
                    IX, y + 15, est ? "\xE2\x89\x88" : "", pct(incl_share));
            pr__fmt_ms(out, incl * 1000);
            fputs("</text>", out);
        }
        fputs("</g>", out);
    }
    fputs("</svg>", out);
    return PR_OK;
}

/* ---- module mix per endpoint ------------------------------------------ */

pr_status svg_module_mix(FILE *out, const pr_endpoint_row *rows, size_t n,
                         size_t max_rows, const svg_palette *pal,
                         svg_size size)
{
    size_t m = max_rows != 0 && n > max_rows ? max_rows : n;
    /* Wide: name, bar and total in one row. Narrow: name and total on
     * one line, the bar under them, as wide as the chart. */
    const int nar = size == SVG_NARROW;
    const double LX = 296, BX = nar ? 0 : 304, BW = nar ? NW : 600, VX = 912;
    const double RH = nar ? 36 : ROW, WIDTH = nar ? NW : W;
    /* Legend: the palette's modules, wrapped; at most ~7.4 px a
     * character of 12 px text. */
    double lx = BX, ly = 14;
    int used[SVG_NCOLORS] = {0};
    for (size_t i = 0; i < m; i++)
        for (size_t k = 0; k < rows[i].attr.nmodules; k++)
            used[svg_color(pal, rows[i].attr.modules[k].name)] = 1;
    char *legend = NULL;
    size_t legend_len = 0;
    FILE *lg = open_memstream(&legend, &legend_len);
    for (int c = 0; lg != NULL && c < SVG_NCOLORS; c++) {
        if (!used[c])
            continue;
        const char *name = c < (int)pal->n ? pal->names[c] : "other";
        size_t len = nchars(name, strlen(name));
        if (len > 24)
            len = 24;
        double w = 14 + 7.4 * (double)len + 14;
        if (lx + w > WIDTH && lx > BX) {
            lx = BX;
            ly += 16;
        }
        char cls[16];
        snprintf(cls, sizeof cls, "c%d", c);
        legend_swatch(lg, lx, ly, cls);
        fprintf(lg, "<text class=\"lbl\" x=\"%.1f\" y=\"%.0f\">", lx + 14, ly);
        text_fit(lg, name, strlen(name), 24);
        fputs("</text>", lg);
        lx += w;
    }
    if (lg != NULL)
        fclose(lg);
    double top = ly + 14;
    double yb = top + (double)m * RH;
    svg_open(out, "mix", size, yb + 8 + (m < n ? 18 : 0),
             "Own time by module, per endpoint");
    if (legend != NULL)
        fwrite(legend, 1, legend_len, out);
    free(legend);
    for (size_t i = 0; i < m; i++) {
        const pr_endpoint_row *e = &rows[i];
        const pr_attribution *a = &e->attr;
        double y = top + (double)i * RH;
        const char *label = e->label != NULL ? e->label : "";
        fputs("<g><title>", out);
        text(out, label);
        fputs("</title>", out);
        if (nar)
            fprintf(out, "<text class=\"lbl\" x=\"0\" y=\"%.1f\">", y + 12);
        else
            fprintf(out, "<text class=\"lbl\" x=\"%.0f\" y=\"%.1f\" "
                         "text-anchor=\"end\">", LX, y + 15);
        text_fit(out, label, strlen(label), nar ? 36 : 42);
        fputs("</text>", out);
        /* The bar's top and the values' baseline. */
        const double by = nar ? y + 18 : y + 4, vy = nar ? y + 12 : y + 15;
        double sum = 0;
        for (size_t k = 0; k < a->nmodules; k++)
            sum += a->modules[k].self_s;
        double total = a->total_s > sum ? a->total_s : sum;
        if (!(total > 0)) {
            fprintf(out, "<text class=\"val\" x=\"%.0f\" y=\"%.1f\">no "
                         "profiled time</text></g>", BX, nar ? y + 29 : y + 15);
            continue;
        }
        /* Palette modules in attribution order, then the rest as one. */
        double x = BX, rest = 0;
        for (size_t k = 0; k < a->nmodules; k++) {
            const pr_module_row *r = &a->modules[k];
            int c = svg_color(pal, r->name);
            if (c == SVG_NCOLORS - 1) {
                rest += r->self_s;
                continue;
            }
            double w = r->self_s / total * BW;
            fprintf(out, "<rect class=\"c%d\" x=\"%.1f\" y=\"%.1f\" "
                         "width=\"%.1f\" height=\"%d\"><title>", c, x, by,
                    w, nar ? 12 : 14);
            text(out, r->name);
            fputs(": ", out);
            pr__fmt_ms(out, r->self_s * 1000);
            fprintf(out, " own (%.1f%%)</title></rect>",
                    r->self_s / total * 100);
            x += w;
        }
        if (rest > 0) {
            double w = rest / total * BW;
            fprintf(out, "<rect class=\"c%d\" x=\"%.1f\" y=\"%.1f\" "
                         "width=\"%.1f\" height=\"%d\"><title>other modules: ",
                    SVG_NCOLORS - 1, x, by, w, nar ? 12 : 14);
            pr__fmt_ms(out, rest * 1000);
            fprintf(out, " own (%.1f%%)</title></rect>", rest / total * 100);
        }
        if (nar)
            fprintf(out, "<text class=\"val\" x=\"%.0f\" y=\"%.1f\" "
                         "text-anchor=\"end\">", NW, vy);
        else
            fprintf(out, "<text class=\"val\" x=\"%.0f\" y=\"%.1f\">", VX,
                    vy);
        pr__fmt_ms(out, total * 1000);
        fputs("</text></g>", out);
    }
    if (m < n)
        fprintf(out, "<text class=\"lbl\" x=\"%.0f\" y=\"%.1f\">%zu more "
                     "endpoint%s not drawn</text>", BX, yb + 18, n - m,
                n - m == 1 ? "" : "s");
    fputs("</svg>", out);
    return PR_OK;
}

/* ---- icicle ----------------------------------------------------------- */

#define IROW 18.0

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x < y) - (x > y);
}


/* The name a box shows: the function's name, or pstats' {label} for a
 * built-in. First line of the tooltip too (the zoom script reads it). */
static void box_name(FILE *out, const pr_func_key *k, size_t max)
{
    const char *p = k->name.ptr != NULL ? k->name.ptr : "";
    size_t n = k->name.len;
    if (pr__is_builtin(k) && n >= 2 && p[0] == '<' && p[n - 1] == '>') {
        if (max == SIZE_MAX) {
            fputc('{', out);
            esc_html(out, p + 1, n - 2);
            fputc('}', out);
        } else if (max >= 4) {
            fputc('{', out);
            text_fit(out, p + 1, n - 2, max - 2);
            fputc('}', out);
        }
        return;
    }
    if (max == SIZE_MAX)
        esc_html(out, p, n);
    else
        text_fit(out, p, n, max);
}

pr_status svg_icicle(FILE *out, const pr_tree *t, const svg_palette *pal,
                     double min_share, size_t max_boxes,
                     svg_size size, svg_icicle_info *info)
{
    const double WD = size == SVG_NARROW ? NW : W;
    size_t nn = t != NULL ? t->nnodes : 0;
    double total = t != NULL ? t->total_s : 0;
    double roots = 0;
    for (size_t i = 0; i < nn; i++)
        if (t->nodes[i].parent == SIZE_MAX)
            roots += t->nodes[i].time_s;
    if (roots > total)
        total = roots;
    size_t cap = nn ? nn : 1;
    double *x = malloc(cap * sizeof *x), *w = malloc(cap * sizeof *w);
    double *next = malloc(cap * sizeof *next);
    unsigned char *on = calloc(cap, 1);
    double *v = NULL;
    if (x == NULL || w == NULL || next == NULL || on == NULL)
        goto nomem;
    /* Layout: children side by side from their parent's left edge, each
     * as wide as its time but never past its parent's right edge (the
     * split of a function's time among callers is an estimate, so
     * children may add up to more than their parent). */
    double root_x = 0;
    for (size_t i = 0; i < nn; i++) {
        const pr_tree_node *d = &t->nodes[i];
        double want = total > 0 && d->time_s > 0 ? d->time_s / total * WD : 0;
        size_t up = d->parent;
        double *fill = up < i ? &next[up] : &root_x;
        double end = up < i ? x[up] + w[up] : WD;
        x[i] = *fill;
        w[i] = want < end - x[i] ? want : end - x[i] > 0 ? end - x[i] : 0;
        *fill += w[i];
        next[i] = x[i];
    }
    /* Which boxes are drawn: at least `cut` of the width, parent drawn.
     * When too many, raise the cut to the max_boxes-th widest box; a box
     * is never wider than its parent, so that keeps whole paths. */
    double cut = min_share > 1 / WD ? min_share : 1 / WD;
    size_t drawn = 0;
    for (int pass = 0; pass < 2; pass++) {
        drawn = 0;
        for (size_t i = 0; i < nn; i++) {
            size_t up = t->nodes[i].parent;
            on[i] = (up >= i || on[up]) && w[i] > 0 && w[i] / WD >= cut;
            drawn += on[i];
        }
        if (pass == 1 || max_boxes == 0 || drawn <= max_boxes)
            break;
        if ((v = malloc(drawn * sizeof *v)) == NULL)
            goto nomem;
        size_t k = 0;
        for (size_t i = 0; i < nn; i++)
            if (on[i])
                v[k++] = w[i];
        qsort(v, k, sizeof *v, cmp_desc);
        /* Strictly above the (max_boxes + 1)-th width: ties cannot
         * push the count over. */
        cut = nextafter(v[max_boxes] / WD, INFINITY);
        free(v);
        v = NULL;
    }
    size_t maxdepth = 0;
    for (size_t i = 0; i < nn; i++)
        if (on[i] && t->nodes[i].depth > maxdepth)
            maxdepth = t->nodes[i].depth;
    double h = drawn > 0 ? (double)(maxdepth + 1) * IROW : IROW;
    svg_open(out, "icicle", size, h, "Call tree");
    for (size_t i = 0; i < nn; i++) {
        if (!on[i])
            continue;
        const pr_tree_node *d = &t->nodes[i];
        double y = (double)d->depth * IROW;
        char id[24];
        pr__func_anchor(&d->key, id, sizeof id);
        fprintf(out, "<g class=\"c%d\" data-fn=\"%s\"><title>",
                svg_color(pal, d->module), id);
        box_name(out, &d->key, SIZE_MAX);
        if (!pr__is_builtin(&d->key)) {
            fputc('\n', out);
            esc_html(out, d->key.file.ptr, d->key.file.len);
            fprintf(out, ":%lld", (long long)d->key.line);
        }
        if (d->module != NULL) {
            fputc('\n', out);
            text(out, d->module);
            fprintf(out, " (%s)", pr_module_kind_name(d->kind));
        }
        fputc('\n', out);
        pr__fmt_ms(out, d->time_s * 1000);
        fprintf(out, " (%.1f%%), self ", d->time_s / total * 100);
        pr__fmt_ms(out, d->self_s * 1000);
        fprintf(out, "</title><rect x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" "
                     "height=\"%.0f\"/>", x[i], y, w[i], IROW - 1);
        /* 11 px monospace: 6.6 px a character, 3 px padding each side. */
        size_t fit = w[i] > 6 ? (size_t)((w[i] - 6) / 6.6) : 0;
        if (fit >= 3) {
            /* Name, time and share when they fit, as SnakeViz and tuna
             * label boxes; else the name, cut to the box. */
            char when[96], ms[64];
            pr__fmt_ms_buf(ms, sizeof ms, d->time_s * 1000);
            snprintf(when, sizeof when, " %s (%.1f%%)", ms,
                     total > 0 ? d->time_s / total * 100 : 0);
            size_t name = 0;
            for (size_t k = 0; k < d->key.name.len; k++)
                name += ((unsigned char)d->key.name.ptr[k] & 0xC0) != 0x80;
            int with_time = name + strlen(when) <= fit;
            if (!with_time && name + 1 + strlen(ms) <= fit) {
                snprintf(when, sizeof when, " %s", ms);
                with_time = 1;
            }
            fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">", x[i] + 3, y + 12.5);
            box_name(out, &d->key, fit);
            if (with_time)
                fputs(when, out);
            fputs("</text>", out);
        }
        fputs("</g>", out);
    }
    if (drawn == 0)
        fputs("<text class=\"lbl\" x=\"4\" y=\"13\">no call tree</text>", out);
    fputs("</svg>", out);
    if (info != NULL) {
        info->drawn = drawn;
        info->hidden = nn - drawn + (t != NULL ? t->hidden_nodes : 0);
        info->min_share = cut;
    }
    free(x);
    free(w);
    free(next);
    free(on);
    return PR_OK;
nomem:
    free(x);
    free(w);
    free(next);
    free(on);
    free(v);
    return PR_ERR_NOMEM;
}
