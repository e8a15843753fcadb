/* render_pprof.c - pprof's profile format (-f pprof): a gzip-compressed
 * profile.proto (proto/profile.proto, encoded by the protobuf-c code the
 * Makefile generates from it), read by go tool pprof, Grafana Pyroscope
 * and Parca. One value per sample, own time in microseconds; the samples
 * are the stacks of each endpoint's call tree, labelled `endpoint` (its
 * label) and `method`, so `go tool pprof -tagfocus endpoint=search`
 * keeps one endpoint. pstats keeps no stacks: they are rebuilt from
 * caller edges (lib/stacks.h), and the profile's comments say so.
 * Functions are the report's (in key order, ids from 1), then any key a
 * tree has that the report lacks, then the frame for time the cut-off
 * (--tree-min) hid; each has one location, on its `def` line. */
#define _POSIX_C_SOURCE 200809L
#include "arena.h"
#include "escape.h"
#include "grow.h"
#include "render.h"
#include "stacks.h"

#include "profile.pb-c.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define HIDDEN_FRAME "[below --tree-min]"

typedef Profreport__Pprof__Profile Profile;
typedef Profreport__Pprof__Sample Sample;
typedef Profreport__Pprof__Label Label;
typedef Profreport__Pprof__Location Location;
typedef Profreport__Pprof__Line Line;
typedef Profreport__Pprof__Function Function;
typedef Profreport__Pprof__ValueType ValueType;

/* Everything is allocated in `a` and released at once; the arrays the
 * profile points to grow with pr__grow and are freed at the end. */
typedef struct pw {
    const pr_report *r;
    arena a;
    char **strs;
    size_t nstrs, capstrs;
    Sample **samples;
    size_t nsamples, capsamples;
    Function **funcs;
    size_t nfuncs, capfuncs;
    Location **locs;
    size_t nlocs, caplocs;
    uint64_t hidden_id;
    Label *labels;        /* endpoint and method of the current endpoint */
    pr__rounder round;
    int nomem;
} pw;

/* Appends s[0..n), as it is, to the string table; returns its index. */
static int64_t intern(pw *w, const char *s, size_t n)
{
    char *copy = arena_strndup(&w->a, s, n);
    /* pr__grow may have moved the array even when the copy failed. */
    char **v = pr__grow(w->strs, &w->capstrs, w->nstrs, sizeof *v, 256);
    if (v != NULL)
        w->strs = v;
    if (copy == NULL || v == NULL) {
        w->nomem = 1;
        return 0;
    }
    w->strs[w->nstrs] = copy;
    return (int64_t)w->nstrs++;
}

/* Appends a string as escape.h's esc_plain shows it (bytes that are not
 * UTF-8 and control characters as \xNN) and returns its index. */
static int64_t str(pw *w, const char *p, size_t n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (m == NULL) {
        w->nomem = 1;
        return 0;
    }
    esc_plain(m, p, n);
    int64_t i = 0;
    if (fclose(m) == 0)
        i = intern(w, buf, len);
    else
        w->nomem = 1;
    free(buf);
    return i;
}

static int64_t cstr(pw *w, const char *s) { return str(w, s, strlen(s)); }

/* A function and its location, both with id = number of functions. */
static uint64_t add_func(pw *w, int64_t name, int64_t label, int64_t file,
                         int64_t line)
{
    Function *f = arena_alloc(&w->a, sizeof *f);
    Location *l = arena_alloc(&w->a, sizeof *l);
    Line *ln = arena_alloc(&w->a, sizeof *ln);
    Line **lines = arena_alloc(&w->a, sizeof *lines);
    Function **fv = pr__grow(w->funcs, &w->capfuncs, w->nfuncs, sizeof *fv,
                             256);
    if (fv != NULL)
        w->funcs = fv;
    Location **lv = pr__grow(w->locs, &w->caplocs, w->nlocs, sizeof *lv,
                             256);
    if (lv != NULL)
        w->locs = lv;
    if (f == NULL || l == NULL || ln == NULL || lines == NULL || fv == NULL ||
        lv == NULL) {
        w->nomem = 1;
        return 1;
    }
    uint64_t id = w->nfuncs + 1;
    *f = (Function)PROFREPORT__PPROF__FUNCTION__INIT;
    f->id = id;
    f->name = name;
    f->system_name = label;
    f->filename = file;
    f->start_line = line;
    *ln = (Line)PROFREPORT__PPROF__LINE__INIT;
    ln->function_id = id;
    ln->line = line;
    lines[0] = ln;
    *l = (Location)PROFREPORT__PPROF__LOCATION__INIT;
    l->id = id;
    l->n_line = 1;
    l->line = lines;
    w->funcs[w->nfuncs++] = f;
    w->locs[w->nlocs++] = l;
    return id;
}

static int64_t label_str(pw *w, const pr_func_key *k)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (m == NULL) {
        w->nomem = 1;
        return 0;
    }
    pr__func_label(k, esc_plain, m); /* escaped as it is written */
    int64_t i = 0;
    if (fclose(m) == 0)
        i = intern(w, buf, len);
    else
        w->nomem = 1;
    free(buf);
    return i;
}

/* Functions of one file follow each other (key order): its name is
 * stored once. */
static uint64_t key_func(pw *w, const pr_func_key *k, const pr_func_key *prev,
                         int64_t *file)
{
    if (prev == NULL || prev->file.len != k->file.len ||
        (k->file.len > 0 &&
         memcmp(prev->file.ptr, k->file.ptr, k->file.len) != 0))
        *file = str(w, k->file.ptr, k->file.len);
    return add_func(w, str(w, k->name.ptr, k->name.len), label_str(w, k),
                    *file, k->line);
}

static uint64_t loc_of(pw *w, const pr_func_key *k)
{
    size_t i = pr__report_func(w->r, k);
    if (i != SIZE_MAX)
        return i + 1;
    int64_t file = 0;
    return key_func(w, k, NULL, &file);
}

static int sample(void *ctx, const pr_tree *t, const size_t *path,
                  size_t len, int hidden, double weight_s)
{
    pw *w = ctx;
    long long us = pr__round_next(&w->round, weight_s * 1e6);
    if (us <= 0)
        return 0;
    size_t n = len + (hidden != 0);
    Sample *s = arena_alloc(&w->a, sizeof *s);
    uint64_t *ids = arena_alloc(&w->a, (n ? n : 1) * sizeof *ids);
    int64_t *value = arena_alloc(&w->a, sizeof *value);
    Label **labels = arena_alloc(&w->a, 2 * sizeof *labels);
    Sample **v = pr__grow(w->samples, &w->capsamples, w->nsamples, sizeof *v,
                          1024);
    if (v != NULL)
        w->samples = v;
    if (s == NULL || ids == NULL || value == NULL || labels == NULL ||
        v == NULL) {
        w->nomem = 1;
        return 1;
    }
    /* Leaf first. */
    size_t k = 0;
    if (hidden)
        ids[k++] = w->hidden_id;
    for (size_t i = len; i-- > 0;)
        ids[k++] = loc_of(w, &t->nodes[path[i]].key);
    *value = us;
    labels[0] = &w->labels[0];
    labels[1] = &w->labels[1];
    *s = (Sample)PROFREPORT__PPROF__SAMPLE__INIT;
    s->n_location_id = n;
    s->location_id = ids;
    s->n_value = 1;
    s->value = value;
    s->n_label = 2;
    s->label = labels;
    w->samples[w->nsamples++] = s;
    return w->nomem;
}

/* The profile's functions and samples into w; 0, or -1 (out of
 * memory). */
static int build(pw *w, Profile *p, ValueType *vt, int64_t *comments)
{
    const pr_report *r = w->r;
    if (cstr(w, "") != 0)
        return -1;
    int64_t file = 0;
    for (size_t i = 0; i < r->nfuncs && !w->nomem; i++)
        key_func(w, &r->funcs[i].key, i > 0 ? &r->funcs[i - 1].key : NULL,
                 &file);
    int64_t hidden = cstr(w, HIDDEN_FRAME);
    w->hidden_id = add_func(w, hidden, hidden, 0, 0);
    *vt = (ValueType)PROFREPORT__PPROF__VALUE_TYPE__INIT;
    vt->type = cstr(w, "time");
    vt->unit = cstr(w, "microseconds");
    comments[0] = cstr(w, "profreport " PR_VERSION_STRING ": own time from "
                          "Python cProfile stats");
    comments[1] = cstr(w, "stacks rebuilt from pstats caller edges, not "
                          "sampled: " HIDDEN_FRAME " is time under the "
                          "call-tree cut-off");
    int64_t k_ep = cstr(w, "endpoint"), k_method = cstr(w, "method");
    for (size_t i = 0; i < r->nendpoints && !w->nomem; i++) {
        const pr_endpoint_row *e = &r->endpoints[i];
        Label *l = arena_alloc(&w->a, 2 * sizeof *l);
        if (l == NULL)
            return -1;
        l[0] = (Label)PROFREPORT__PPROF__LABEL__INIT;
        l[0].key = k_ep;
        l[0].str = cstr(w, e->label);
        l[1] = (Label)PROFREPORT__PPROF__LABEL__INIT;
        l[1].key = k_method;
        l[1].str = cstr(w, e->method);
        w->labels = l;
        if (pr__tree_stacks(&e->attr.tree, sample, w) != 0)
            return -1;
    }
    if (w->nomem)
        return -1;
    p->n_sample_type = 1;
    p->n_sample = w->nsamples;
    p->sample = w->samples;
    p->n_location = w->nlocs;
    p->location = w->locs;
    p->n_function = w->nfuncs;
    p->function = w->funcs;
    p->n_string_table = w->nstrs;
    p->string_table = w->strs;
    p->n_comment = 2;
    p->comment = comments;
    if (r->sum.first_time > 0) {
        p->time_nanos = (int64_t)(r->sum.first_time * 1e9);
        p->duration_nanos =
            (int64_t)((r->sum.last_time - r->sum.first_time) * 1e9);
    }
    return 0;
}

/* buf[0..n) gzip-compressed to out. */
static pr_status gzip_to(const uint8_t *buf, size_t n, FILE *out)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    /* 15 + 16: a gzip header and trailer, as pprof expects. */
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        return PR_ERR_ZLIB;
    unsigned char chunk[16384] = {0}; /* (written by deflate) */
    int rc;
    size_t left = n;
    z.next_in = (Bytef *)(uintptr_t)buf;
    do {
        uInt step = left > 1u << 30 ? 1u << 30 : (uInt)left;
        z.avail_in = step;
        left -= step;
        int flush = left == 0 ? Z_FINISH : Z_NO_FLUSH;
        do {
            z.next_out = chunk;
            z.avail_out = sizeof chunk;
            rc = deflate(&z, flush);
            if (rc == Z_STREAM_ERROR) {
                deflateEnd(&z);
                return PR_ERR_ZLIB;
            }
            fwrite(chunk, 1, sizeof chunk - z.avail_out, out);
        } while (z.avail_out == 0);
    } while (left > 0);
    deflateEnd(&z);
    return rc == Z_STREAM_END ? PR_OK : PR_ERR_ZLIB;
}

pr_status pr__render_pprof(const pr_report *r, pr_table table, FILE *out,
                           pr_error *err)
{
    (void)table;
    (void)err;
    pw w;
    memset(&w, 0, sizeof w);
    w.r = r;
    arena_init(&w.a);
    Profile p = PROFREPORT__PPROF__PROFILE__INIT;
    ValueType vt;
    ValueType *vts[1] = {&vt};
    int64_t comments[2];
    p.sample_type = vts;
    pr_status st = PR_ERR_NOMEM;
    if (build(&w, &p, &vt, comments) == 0) {
        size_t n = profreport__pprof__profile__get_packed_size(&p);
        uint8_t *buf = malloc(n ? n : 1);
        if (buf != NULL) {
            profreport__pprof__profile__pack(&p, buf);
            st = gzip_to(buf, n, out);
            free(buf);
        }
    }
    free(w.strs);
    free(w.samples);
    free(w.funcs);
    free(w.locs);
    arena_free(&w.a);
    return st;
}
