/* render_speedscope.c - speedscope's file format (-f speedscope,
 * https://www.speedscope.app/file-format-schema.json), written with
 * jansson: one "sampled" profile for the whole run, then one per
 * endpoint in report order, weights in microseconds of own time. pstats
 * keeps no stacks: the stacks are rebuilt from caller edges (the
 * report's call trees, lib/stacks.h), and the file's "exporter" says so.
 * Frames are the report's functions (in key order), then the frame for
 * time the cut-off (--tree-min) hid. */
#include "render.h"
#include "stacks.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define EXPORTER "profreport " PR_VERSION_STRING \
    " (stacks rebuilt from pstats caller edges)"
#define HIDDEN_FRAME "[below --tree-min]"

typedef struct sw {
    const pr_report *r;
    json_t *frames;     /* shared frames */
    json_t *samples, *weights;
    pr__rounder round;
    int nomem;
} sw;

static void add(sw *w, json_t *arr, json_t *v)
{
    if (json_array_append_new(arr, v) != 0)
        w->nomem = 1;
}

static void set(sw *w, json_t *obj, const char *key, json_t *v)
{
    if (json_object_set_new(obj, key, v) != 0)
        w->nomem = 1;
}

/* Names from a profile that are not UTF-8 (Python 2) are replaced by
 * what they can be shown as; jansson refuses them. */
static json_t *text(const char *p, size_t n)
{
    json_t *s = json_stringn(p != NULL ? p : "", p != NULL ? n : 0);
    return s != NULL ? s : json_string("?");
}

static json_t *frame(const pr_func_key *k)
{
    json_t *f = json_object();
    if (f == NULL)
        return NULL;
    int bad = json_object_set_new(f, "name", text(k->name.ptr, k->name.len));
    bad |= json_object_set_new(f, "file", text(k->file.ptr, k->file.len));
    if (k->line > 0)
        bad |= json_object_set_new(f, "line", json_integer(k->line));
    if (bad) {
        json_decref(f);
        return NULL;
    }
    return f;
}

/* The frame of a tree node: the index of its function in the report's
 * functions (sorted by key), or a frame appended for a key not there. */
static size_t frame_of(sw *w, const pr_func_key *k)
{
    size_t i = pr__report_func(w->r, k);
    if (i != SIZE_MAX)
        return i;
    add(w, w->frames, frame(k));
    return json_array_size(w->frames) - 1;
}

static int sample(void *ctx, const pr_tree *t, const size_t *path,
                  size_t len, int hidden, double weight_s)
{
    sw *w = ctx;
    long long us = pr__round_next(&w->round, weight_s * 1e6);
    if (us <= 0)
        return 0;
    json_t *stack = json_array();
    for (size_t i = 0; i < len; i++)
        add(w, stack, json_integer(
                          (json_int_t)frame_of(w, &t->nodes[path[i]].key)));
    if (hidden)
        add(w, stack, json_integer((json_int_t)w->r->nfuncs));
    add(w, w->samples, stack);
    add(w, w->weights, json_integer(us));
    return w->nomem;
}

static json_t *profile(sw *w, const char *name, const pr_tree *t)
{
    json_t *p = json_object();
    w->samples = json_array();
    w->weights = json_array();
    w->round = (pr__rounder){0, 0};
    set(w, p, "type", json_string("sampled"));
    set(w, p, "name", text(name, strlen(name)));
    set(w, p, "unit", json_string("microseconds"));
    if (pr__tree_stacks(t, sample, w) != 0)
        w->nomem = 1;
    set(w, p, "startValue", json_integer(0));
    set(w, p, "endValue", json_integer(w->round.emitted));
    set(w, p, "samples", w->samples);
    set(w, p, "weights", w->weights);
    return p;
}

pr_status pr__render_speedscope(const pr_report *r, pr_table table,
                                FILE *out, pr_error *err)
{
    (void)table;
    (void)err;
    sw w = {r, json_array(), NULL, NULL, {0, 0}, 0};
    json_t *root = json_object();
    json_t *profiles = json_array();
    for (size_t i = 0; i < r->nfuncs; i++)
        add(&w, w.frames, frame(&r->funcs[i].key));
    json_t *hidden = json_object();
    set(&w, hidden, "name", json_string(HIDDEN_FRAME));
    add(&w, w.frames, hidden);
    set(&w, root, "$schema",
        json_string("https://www.speedscope.app/file-format-schema.json"));
    set(&w, root, "exporter", json_string(EXPORTER));
    set(&w, root, "name", json_string("profreport: own time on call "
                                      "stacks rebuilt from caller edges"));
    set(&w, root, "activeProfileIndex", json_integer(0));
    add(&w, profiles, profile(&w, "all requests", &r->attr.tree));
    for (size_t i = 0; i < r->nendpoints; i++)
        add(&w, profiles, profile(&w, r->endpoints[i].label,
                                  &r->endpoints[i].attr.tree));
    json_t *shared = json_object();
    set(&w, shared, "frames", w.frames);
    set(&w, root, "shared", shared);
    set(&w, root, "profiles", profiles);
    pr_status st = PR_OK;
    if (w.nomem || root == NULL)
        st = PR_ERR_NOMEM;
    else if (json_dumpf(root, out, JSON_COMPACT) != 0)
        st = ferror(out) ? PR_OK : PR_ERR_NOMEM; /* pr_render says why */
    else
        fputc('\n', out);
    json_decref(root);
    return st;
}
