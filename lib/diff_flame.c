/* diff_flame.c - the differential flame graph (diff_flame.h): NEW's
 * call tree of one endpoint drawn top-down like the report's icicle,
 * each box filled by the change per request of its path: red slower,
 * blue faster, grey when the function's change is not significant, a
 * dashed outline for paths BASE does not have. */
#include "diff_flame.h"
#include "escape.h"
#include "render.h"
#include "sort.h"
#include "stattest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define W 1000.0
#define ROW 18.0
#define MAX_BOXES 400

static uint64_t mix(uint64_t h, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
    return (h ^ 0xff) * 1099511628211ULL;
}

/* A path: its parent's hash and this frame's file and name. */
static uint64_t frame(uint64_t parent, const pr_func_key *k)
{
    return mix(mix(parent, k->file.ptr, k->file.len), k->name.ptr,
               k->name.len);
}

typedef struct hashed {
    uint64_t h;
    double s;
} hashed;

static int cmp_hashed(const void *a, const void *b)
{
    const hashed *x = a, *y = b;
    return (x->h > y->h) - (x->h < y->h);
}

/* Path hashes of a tree's nodes into h[0..n). */
static void hashes(const pr_tree *t, uint64_t *h)
{
    for (size_t i = 0; i < t->nnodes; i++) {
        size_t up = t->nodes[i].parent;
        h[i] = frame(up < i ? h[up] : 1469598103934665603ULL,
                     &t->nodes[i].key);
    }
}

static double lookup(const hashed *v, size_t n, uint64_t h)
{
    size_t lo = 0, hi = n;
    double s = -1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid].h < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* the same path twice (a tree cut at recursion): add them */
    for (; lo < n && v[lo].h == h; lo++)
        s = (s < 0 ? 0 : s) + v[lo].s;
    return s;
}

typedef struct ranked {
    double p;
    size_t i;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->p != y->p)
        return x->p < y->p ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* Benjamini-Hochberg adjusted p-values, in place. */
static int bh(double *p, size_t n)
{
    ranked *r = malloc((n + 1) * sizeof *r);
    if (r == NULL)
        return -1;
    for (size_t i = 0; i < n; i++)
        r[i] = (ranked){p[i], i};
    pr__qsort(r, n, sizeof *r, cmp_ranked);
    double run = 1;
    for (size_t k = n; k-- > 0;) {
        double v = r[k].p * (double)n / (double)(k + 1);
        if (v < run)
            run = v;
        p[r[k].i] = run;
    }
    free(r);
    return 0;
}

/* Significance of each function's inclusive time per request. */
static int significant(const pr_report *cur, const pr_tree *t,
                       const pr__reqtimes *b, const pr__reqtimes *c,
                       double alpha, int *sig)
{
    size_t n = t->nnodes;
    double *p = malloc((n + 1) * sizeof *p);
    double *x = malloc((b->nreq + 1) * sizeof *x);
    double *y = malloc((c->nreq + 1) * sizeof *y);
    int bad = p == NULL || x == NULL || y == NULL;
    char name[1024];
    for (size_t i = 0; i < n && !bad; i++) {
        pr__reqtimes_fname(cur, &t->nodes[i].key, name, sizeof name);
        size_t ib = pr__reqtimes_find(b, name), ic = pr__reqtimes_find(c, name);
        for (size_t r = 0; r < b->nreq; r++)
            x[r] = ib == SIZE_MAX ? 0 : b->s[ib * b->nreq + r];
        for (size_t r = 0; r < c->nreq; r++)
            y[r] = ic == SIZE_MAX ? 0 : c->s[ic * c->nreq + r];
        pr__mwu m;
        bad = pr__mwu_test(x, b->nreq, y, c->nreq, &m) != 0;
        p[i] = m.p;
    }
    /* Benjamini-Hochberg across the boxes: a map of hundreds of boxes
     * where Holm would grey everything but the largest changes; at most
     * a fraction alpha of the coloured boxes are expected to be noise */
    if (!bad)
        bad = bh(p, n) != 0;
    for (size_t i = 0; i < n && !bad; i++)
        sig[i] = p[i] <= alpha;
    free(p);
    free(x);
    free(y);
    return bad ? -1 : 0;
}

int pr__dflame_build(arena *a, const pr_report *base, size_t brow,
                     const pr_report *cur, size_t crow,
                     const pr__reqtimes *ct_b, const pr__reqtimes *ct_c,
                     double alpha, pr__dflame *out)
{
    memset(out, 0, sizeof *out);
    const pr_endpoint_row *be, *ce;
    pr_report_endpoints(base, &be);
    pr_report_endpoints(cur, &ce);
    const pr_tree *tb = &be[brow].attr.tree, *tc = &ce[crow].attr.tree;
    double nb = be[brow].requests ? (double)be[brow].requests : 1;
    double nc = ce[crow].requests ? (double)ce[crow].requests : 1;
    uint64_t *hb = malloc((tb->nnodes + 1) * sizeof *hb);
    uint64_t *hc = malloc((tc->nnodes + 1) * sizeof *hc);
    hashed *vb = malloc((tb->nnodes + 1) * sizeof *vb);
    hashed *vc = malloc((tc->nnodes + 1) * sizeof *vc);
    int *sig = calloc(tc->nnodes + 1, sizeof *sig);
    out->nodes = arena_alloc(a, (tc->nnodes + 1) * sizeof *out->nodes);
    int bad = hb == NULL || hc == NULL || vb == NULL || vc == NULL ||
              sig == NULL || out->nodes == NULL;
    if (!bad) {
        hashes(tb, hb);
        hashes(tc, hc);
        for (size_t i = 0; i < tb->nnodes; i++)
            vb[i] = (hashed){hb[i], tb->nodes[i].time_s};
        for (size_t i = 0; i < tc->nnodes; i++)
            vc[i] = (hashed){hc[i], tc->nodes[i].time_s};
        pr__qsort(vb, tb->nnodes, sizeof *vb, cmp_hashed);
        pr__qsort(vc, tc->nnodes, sizeof *vc, cmp_hashed);
        bad = significant(cur, tc, ct_b, ct_c, alpha, sig) != 0;
    }
    for (size_t i = 0; i < tc->nnodes && !bad; i++) {
        const pr_tree_node *d = &tc->nodes[i];
        pr__dflame_node *o = &out->nodes[i];
        double bs = lookup(vb, tb->nnodes, hc[i]);
        o->depth = d->depth;
        o->parent = d->parent;
        o->cur_ms = d->time_s / nc * 1000;
        o->base_ms = bs < 0 ? -1 : bs / nb * 1000;
        o->sig = sig[i];
        o->name = arena_strdup(a, d->label ? d->label : "");
        char where[1200];
        snprintf(where, sizeof where, "%.*s:%lld, %s",
                 (int)(d->key.file.len < 1000 ? d->key.file.len : 1000),
                 d->key.file.ptr, (long long)d->key.line,
                 d->module ? d->module : "?");
        o->where = arena_strdup(a, where);
        bad = o->name == NULL || o->where == NULL;
        if (d->parent == SIZE_MAX)
            out->cur_total_ms += o->cur_ms;
    }
    for (size_t i = 0; i < tb->nnodes && !bad; i++) {
        const pr_tree_node *d = &tb->nodes[i];
        if (d->parent == SIZE_MAX)
            out->base_total_ms += d->time_s / nb * 1000;
        /* top-most BASE paths that NEW lacks */
        int parent_there = d->parent == SIZE_MAX ||
                           lookup(vc, tc->nnodes, hb[d->parent]) >= 0;
        if (parent_there && lookup(vc, tc->nnodes, hb[i]) < 0) {
            out->base_only++;
            out->base_only_ms += d->time_s / nb * 1000;
        }
    }
    out->endpoint = bad ? NULL : arena_strdup(a, ce[crow].label);
    bad = bad || out->endpoint == NULL;
    out->n = bad ? 0 : tc->nnodes;
    free(hb);
    free(hc);
    free(vb);
    free(vc);
    free(sig);
    return bad ? -1 : 0;
}

/* Change of a box in ms per request; normalised scales BASE to NEW's
 * total first. */
static double delta(const pr__dflame *f, const pr__dflame_node *d, int norm)
{
    double scale = norm && f->base_total_ms > 0
                       ? f->cur_total_ms / f->base_total_ms : 1;
    return d->cur_ms - (d->base_ms < 0 ? 0 : d->base_ms * scale);
}

static void fill(FILE *out, double dl, double maxabs, int sig)
{
    if (!sig) {
        fputs("#c8c8c8", out);
        return;
    }
    double k = maxabs > 0 ? fabs(dl) / maxabs : 0;
    k = k > 1 ? 1 : k;
    int lo = (int)(235 - 175 * k); /* 235: faint, 60: strong */
    if (dl >= 0)
        fprintf(out, "rgb(235,%d,%d)", lo, lo);
    else
        fprintf(out, "rgb(%d,%d,235)", lo, lo);
}

void pr__dflame_svg(FILE *out, const pr__dflame *f, int normalised)
{
    size_t n = f->n;
    double total = f->cur_total_ms > 0 ? f->cur_total_ms : 1;
    double *x = malloc((n + 1) * sizeof *x), *w = malloc((n + 1) * sizeof *w);
    double *next = malloc((n + 1) * sizeof *next);
    unsigned char *on = calloc(n + 1, 1);
    if (x == NULL || w == NULL || next == NULL || on == NULL) {
        free(x);
        free(w);
        free(next);
        free(on);
        fputs("<p>(out of memory drawing the flame graph)</p>", out);
        return;
    }
    /* the report's icicle layout: children from the parent's left edge,
     * never past its right edge */
    double root_x = 0, maxabs = 0;
    size_t drawn = 0, maxdepth = 0;
    for (size_t i = 0; i < n; i++) {
        const pr__dflame_node *d = &f->nodes[i];
        size_t up = d->parent;
        double want = d->cur_ms > 0 ? d->cur_ms / total * W : 0;
        double *at = up < i ? &next[up] : &root_x;
        double end = up < i ? x[up] + w[up] : W;
        x[i] = *at;
        w[i] = want < end - x[i] ? want : end - x[i] > 0 ? end - x[i] : 0;
        *at += w[i];
        next[i] = x[i];
        on[i] = (up >= i || on[up]) && w[i] >= 1 && drawn < MAX_BOXES;
        if (on[i]) {
            drawn++;
            if (d->depth > maxdepth)
                maxdepth = d->depth;
            if (d->sig && fabs(delta(f, d, normalised)) > maxabs)
                maxabs = fabs(delta(f, d, normalised));
        }
    }
    double h = (double)(maxdepth + 1) * ROW;
    fprintf(out, "<svg class=\"icicle dflame\" role=\"img\" aria-label=\""
                 "Differential flame graph\" viewBox=\"0 0 %.0f %.0f\" "
                 "width=\"%.0f\" height=\"%.0f\">",
            W, h, W, h);
    for (size_t i = 0; i < n; i++) {
        if (!on[i])
            continue;
        const pr__dflame_node *d = &f->nodes[i];
        double dl = delta(f, d, normalised);
        double y = (double)d->depth * ROW;
        fputs("<g><title>", out);
        esc_html(out, d->name, strlen(d->name));
        fputc('\n', out);
        esc_html(out, d->where, strlen(d->where));
        fprintf(out, "\nNEW %.3f ms per request, ", d->cur_ms);
        if (d->base_ms < 0)
            fputs("only in NEW", out);
        else
            fprintf(out, "BASE %.3f, change %+.3f ms%s", d->base_ms, dl,
                    normalised ? " (BASE scaled to NEW's total)" : "");
        fputs(d->sig ? "; significant" : "; not significant", out);
        fprintf(out, "</title><rect x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" "
                     "height=\"%.0f\" fill=\"",
                x[i], y, w[i], ROW - 1);
        fill(out, dl, maxabs, d->sig);
        fputs(d->base_ms < 0 ? "\" stroke=\"#000\" stroke-dasharray=\"3 2\"/>"
                             : "\"/>", out);
        size_t fit = w[i] > 6 ? (size_t)((w[i] - 6) / 6.6) : 0;
        if (fit >= 3) {
            size_t len = strlen(d->name);
            fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#000\">",
                    x[i] + 3, y + 12.5);
            if (len > fit) {
                esc_html(out, d->name, fit - 1);
                fputs("\xe2\x80\xa6", out);
            } else {
                esc_html(out, d->name, len);
            }
            fputs("</text>", out);
        }
        fputs("</g>", out);
    }
    fputs("</svg>", out);
    free(x);
    free(w);
    free(next);
    free(on);
}
