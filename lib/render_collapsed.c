/* render_collapsed.c - folded stacks, "a;b;c N", one line per path of the
 * call tree with time of its own (-f collapsed), the input of
 * flamegraph.pl, inferno, speedscope and Pyroscope's ingest. N is own
 * time in microseconds, rounded so that the lines add up to the rounded
 * total. The stacks are rebuilt from caller edges (lib/stacks.h); the
 * format has no comments, so the README says so. Time the tree's cut-off
 * (--tree-min) hid under a frame is a child frame HIDDEN_FRAME. */
#include "render.h"
#include "stacks.h"

#include <string.h>

#define HIDDEN_FRAME "[below --tree-min]"

typedef struct cw {
    FILE *out;
    const char *endpoint; /* the root frame, or NULL for the whole run */
    pr__rounder round;
} cw;

/* A frame name: ';' separates frames and a line ends the record, so
 * both become ',' and ' '; bytes are otherwise kept as they are. */
static void frame(FILE *out, const char *s)
{
    for (; *s != '\0'; s++) {
        char c = *s;
        if (c == ';')
            c = ',';
        else if (c == '\n' || c == '\r' || c == '\t')
            c = ' ';
        fputc(c, out);
    }
}

static int line(void *ctx, const pr_tree *t, const size_t *path, size_t len,
                int hidden, double weight_s)
{
    cw *w = ctx;
    long long us = pr__round_next(&w->round, weight_s * 1e6);
    if (us <= 0)
        return 0;
    const char *sep = "";
    if (w->endpoint != NULL) {
        frame(w->out, w->endpoint);
        sep = ";";
    }
    for (size_t i = 0; i < len; i++) {
        fputs(sep, w->out);
        frame(w->out, t->nodes[path[i]].label);
        sep = ";";
    }
    if (hidden) {
        fputs(sep, w->out);
        fputs(HIDDEN_FRAME, w->out);
    }
    fprintf(w->out, " %lld\n", us);
    return 0;
}

pr_status pr__render_collapsed(const pr_report *r, pr_table table, FILE *out,
                               pr_error *err)
{
    (void)err;
    cw w = {out, NULL, {0, 0}};
    if (table == PR_TABLE_ALL)
        return pr__tree_stacks(&r->attr.tree, line, &w) == 0 ? PR_OK
                                                             : PR_ERR_NOMEM;
    for (size_t i = 0; i < r->nendpoints; i++) {
        w.endpoint = r->endpoints[i].label;
        if (pr__tree_stacks(&r->endpoints[i].attr.tree, line, &w) != 0)
            return PR_ERR_NOMEM;
    }
    return PR_OK;
}
