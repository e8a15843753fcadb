/* render_json.c - the whole report as one JSON document (-f json),
 * written with jansson, so that no escaping is ours. The schema is
 * documented in docs/json-schema.md; SCHEMA_VERSION changes whenever a
 * field changes meaning or goes away (adding a field does not).
 *
 * The document is streamed: the long arrays (endpoints, entry points,
 * call-tree nodes, requests, functions, edges) are written an element at
 * a time, each element built by jansson and dumped as it would be inside
 * the whole tree, so the bytes are those of json_dumpf on the whole
 * document, without holding it (a 127 MB profile's report is 1.2 GB of
 * JSON, and a jansson tree of it 7 GB). */
#define _POSIX_C_SOURCE 200809L
#include "escape.h"
#include "render.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { SCHEMA_VERSION = 1 };

/* Out of memory anywhere sets `nomem`; building goes on with NULLs, which
 * jansson's *_new setters refuse without leaking, and the caller checks
 * once at the end. */
typedef struct jw {
    const pr_report *r;
    int nomem;
} jw;

static void set(jw *w, json_t *obj, const char *key, json_t *v)
{
    if (json_object_set_new(obj, key, v) != 0)
        w->nomem = 1;
}

static void push(jw *w, json_t *arr, json_t *v)
{
    if (json_array_append_new(arr, v) != 0)
        w->nomem = 1;
}

/* A string from a profile: its bytes when they are UTF-8, else as the
 * other renderers show them (bytes that are not UTF-8 as \xNN). */
static json_t *bytes(jw *w, const char *p, size_t n)
{
    json_t *s = json_stringn(p != NULL ? p : "", p != NULL ? n : 0);
    if (s != NULL)
        return s;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (m == NULL) {
        w->nomem = 1;
        return NULL;
    }
    esc_plain(m, p, n);
    if (fclose(m) != 0) {
        free(buf);
        w->nomem = 1;
        return NULL;
    }
    s = json_stringn(buf, len);
    free(buf);
    return s;
}

static json_t *str(jw *w, const char *s)
{
    return s != NULL ? bytes(w, s, strlen(s)) : json_null();
}

/* A number, or null for what JSON cannot hold (NaN, infinities). */
static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* Shares and costs that are negative when they do not apply. */
static json_t *opt_num(double v) { return v >= 0 ? num(v) : json_null(); }

/* ---- the streaming writer ----------------------------------------------
 * Writes what json_dumpf(JSON_INDENT(1) | JSON_COMPACT) writes for the
 * same tree: a container's members each on a line of their own, indented
 * one space per level, "[]" and "{}" when empty. */

enum { DUMP_FLAGS = JSON_INDENT(1) | JSON_COMPACT | JSON_REAL_PRECISION(17) };
enum { MAX_DEPTH = 8 };

typedef struct js {
    jw *w;
    FILE *out;
    size_t depth;            /* containers open */
    size_t count[MAX_DEPTH]; /* members written in each */
} js;

static void newline(js *s, size_t depth)
{
    fputc('\n', s->out);
    for (size_t i = 0; i < depth; i++)
        fputc(' ', s->out);
}

/* Before a member of the innermost container: a comma after the one
 * before, and its line. */
static void member(js *s)
{
    if (s->count[s->depth - 1]++ > 0)
        fputc(',', s->out);
    newline(s, s->depth);
}

/* v (taken) as written at the current depth: jansson's own dump, every
 * line after the first indented by the depth (strings hold no newline:
 * jansson escapes it). */
static void put(js *s, json_t *v)
{
    if (v == NULL) {
        s->w->nomem = 1;
        return;
    }
    char *buf = json_dumps(v, DUMP_FLAGS | JSON_ENCODE_ANY);
    json_decref(v);
    if (buf == NULL) {
        s->w->nomem = 1;
        return;
    }
    for (const char *p = buf, *nl; *p != '\0'; p = nl + 1) {
        if ((nl = strchr(p, '\n')) == NULL) {
            fputs(p, s->out);
            break;
        }
        fwrite(p, 1, (size_t)(nl - p), s->out);
        newline(s, s->depth);
    }
    free(buf);
}

static void open_c(js *s, char brace)
{
    fputc(brace, s->out);
    s->count[s->depth++] = 0;
}

static void close_c(js *s, char brace)
{
    if (s->count[--s->depth] > 0)
        newline(s, s->depth);
    fputc(brace, s->out);
}

/* "key": in the innermost object; its value follows. */
static void key(js *s, const char *k)
{
    member(s);
    put(s, json_string(k));
    fputc(':', s->out);
}

static void field(js *s, const char *k, json_t *v)
{
    key(s, k);
    put(s, v);
}

/* An element of the innermost array. */
static void element(js *s, json_t *v)
{
    member(s);
    put(s, v);
}

/* "key": [...] in the innermost object, an element per row of
 * rows[0..n) (each `size` bytes), built by item. */
static void array(js *s, const char *k, const void *rows, size_t n,
                  size_t size, json_t *(*item)(jw *, const void *))
{
    key(s, k);
    open_c(s, '[');
    for (size_t i = 0; i < n && !s->w->nomem; i++)
        element(s, item(s->w, (const char *)rows + i * size));
    close_c(s, ']');
}

/* Every member of obj (taken), in order, into the innermost object. */
static void members(js *s, json_t *obj)
{
    if (obj == NULL) {
        s->w->nomem = 1;
        return;
    }
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        field(s, k, json_incref(v));
    }
    json_decref(obj);
}

static json_t *label(jw *w, const pr_func_key *k)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (m == NULL) {
        w->nomem = 1;
        return NULL;
    }
    pr__func_label(k, esc_plain, m);
    if (fclose(m) != 0) {
        free(buf);
        w->nomem = 1;
        return NULL;
    }
    json_t *s = bytes(w, buf, len);
    free(buf);
    return s;
}

/* file, line, name and pstats' label of a key, into obj. */
static void key_fields(jw *w, json_t *obj, const pr_func_key *k)
{
    set(w, obj, "file", bytes(w, k->file.ptr, k->file.len));
    set(w, obj, "line", json_integer(k->line));
    set(w, obj, "name", bytes(w, k->name.ptr, k->name.len));
    set(w, obj, "label", label(w, k));
}

static json_t *key_obj(jw *w, const pr_func_key *k)
{
    json_t *o = json_object();
    key_fields(w, o, k);
    return o;
}

static json_t *func(jw *w, const void *row)
{
    const pr_func_row *f = row;
    json_t *o = key_obj(w, &f->key);
    set(w, o, "ncalls", json_integer(f->nc));
    set(w, o, "primcalls", json_integer(f->cc));
    set(w, o, "tottime", num(f->tt));
    set(w, o, "cumtime", num(f->ct));
    return o;
}

static json_t *time_or_null(double unix_s)
{
    return unix_s != 0 ? num(unix_s) : json_null();
}

/* ---- sections --------------------------------------------------------- */

static json_t *summary(jw *w)
{
    const pr_report *r = w->r;
    json_t *o = json_object();
    set(w, o, "files", json_integer((json_int_t)r->sum.files));
    set(w, o, "skipped", json_integer((json_int_t)r->sum.skipped));
    set(w, o, "filtered", json_integer((json_int_t)r->sum.filtered));
    set(w, o, "functions", json_integer((json_int_t)r->sum.functions));
    set(w, o, "total_calls", json_integer(r->sum.total_calls));
    set(w, o, "primitive_calls", json_integer(r->sum.primitive_calls));
    set(w, o, "total_tt", num(r->sum.total_tt));
    set(w, o, "profiled_s", num(r->sum.profiled_s));
    set(w, o, "first_time", time_or_null(r->sum.first_time));
    set(w, o, "last_time", time_or_null(r->sum.last_time));
    set(w, o, "wall_from_profile",
        json_integer((json_int_t)r->sum.wall_from_profile));
    set(w, o, "wall_contradicted",
        json_integer((json_int_t)r->sum.wall_contradicted));
    set(w, o, "app_root", str(w, r->app_root));
    return o;
}

static json_t *findings(jw *w)
{
    const pr_report *r = w->r;
    json_t *a = json_array();
    for (size_t i = 0; i < r->nfindings; i++) {
        const pr_finding *f = &r->findings[i];
        json_t *o = json_object();
        set(w, o, "rank", json_integer((json_int_t)(i + 1)));
        set(w, o, "kind", json_string(pr_finding_kind_name(f->kind)));
        set(w, o, "scope", json_string(f->endpoint != NULL ? "endpoint"
                                                           : "all"));
        set(w, o, "endpoint", str(w, f->endpoint));
        set(w, o, "subject", str(w, f->subject));
        set(w, o, "share", opt_num(f->share));
        set(w, o, "per_request_ms", opt_num(f->per_request_ms));
        set(w, o, "estimated", json_boolean(f->estimated));
        set(w, o, "section", str(w, f->section));
        set(w, o, "headline", bytes(w, f->text, f->lead_len));
        set(w, o, "text", str(w, f->text));
        push(w, a, o);
    }
    return a;
}

static json_t *modules(jw *w, const pr_attribution *at)
{
    json_t *a = json_array();
    for (size_t i = 0; i < at->nmodules; i++) {
        const pr_module_row *m = &at->modules[i];
        json_t *o = json_object();
        set(w, o, "name", str(w, m->name));
        set(w, o, "kind", json_string(pr_module_kind_name(m->kind)));
        set(w, o, "own_s", num(m->self_s));
        set(w, o, "own_share", num(m->self_share));
        set(w, o, "own_estimated", json_boolean(m->self_estimated));
        set(w, o, "inclusive_s", num(m->inclusive_s));
        set(w, o, "inclusive_share", num(m->inclusive_share));
        set(w, o, "inclusive_estimated", json_boolean(m->estimated));
        set(w, o, "calls", json_integer(m->calls));
        json_t *top = json_array();
        for (size_t k = 0; k < m->ntop; k++) {
            const pr_func_share *f = &m->top[k];
            json_t *fo = key_obj(w, &f->key);
            set(w, fo, "short_label", str(w, f->label));
            set(w, fo, "own_s", num(f->own_s));
            set(w, fo, "share", num(f->share));
            set(w, fo, "estimated", json_boolean(f->estimated));
            push(w, top, fo);
        }
        set(w, o, "top_functions", top);
        push(w, a, o);
    }
    return a;
}

static json_t *entry_point(jw *w, const void *row)
{
    const pr_entry_point_row *e = row;
    json_t *o = json_object();
    set(w, o, "module", str(w, e->module));
    set(w, o, "entered_from", str(w, e->entered_from));
    set(w, o, "caller_module", str(w, e->caller_module));
    set(w, o, "inclusive_s", num(e->inclusive_s));
    set(w, o, "share", num(e->share));
    set(w, o, "calls", json_integer(e->calls));
    set(w, o, "estimated", json_boolean(e->estimated));
    set(w, o, "chain", str(w, e->chain));
    set(w, o, "via_callers", str(w, e->via_callers));
    return o;
}

static json_t *tree_node(jw *w, const void *row)
{
    const pr_tree_node *n = row;
    json_t *no = key_obj(w, &n->key);
    set(w, no, "short_label", str(w, n->label));
    set(w, no, "module", str(w, n->module));
    set(w, no, "kind", json_string(pr_module_kind_name(n->kind)));
    set(w, no, "depth", json_integer((json_int_t)n->depth));
    set(w, no, "parent", n->parent == SIZE_MAX
                             ? json_null()
                             : json_integer((json_int_t)n->parent));
    set(w, no, "time_s", num(n->time_s));
    set(w, no, "own_s", num(n->self_s));
    return no;
}

/* The value of an "attribution" key. */
static void attribution(js *s, const pr_attribution *at)
{
    jw *w = s->w;
    open_c(s, '{');
    field(s, "total_s", num(at->total_s));
    field(s, "modules", modules(w, at));
    array(s, "entry_points", at->entries, at->nentries, sizeof *at->entries,
          entry_point);
    key(s, "call_tree");
    open_c(s, '{');
    field(s, "total_s", num(at->tree.total_s));
    field(s, "hidden_nodes", json_integer((json_int_t)at->tree.hidden_nodes));
    array(s, "nodes", at->tree.nodes, at->tree.nnodes,
          sizeof *at->tree.nodes, tree_node);
    close_c(s, '}');
    close_c(s, '}');
}

static json_t *func_list(jw *w, const pr_func_row *rows, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        push(w, a, func(w, &rows[i]));
    return a;
}

/* An endpoint's fields before its attribution. */
static json_t *endpoint(jw *w, size_t i)
{
    const pr_endpoint_row *e = &w->r->endpoints[i];
    json_t *o = json_object();
    set(w, o, "index", json_integer((json_int_t)i));
    set(w, o, "label", str(w, e->label));
    /* Keyed by URL: no view function. */
    set(w, o, "view", e->view.line < 0 ? json_null()
                                       : key_obj(w, &e->view));
    set(w, o, "method", str(w, e->method));
    set(w, o, "requests", json_integer((json_int_t)e->requests));
    set(w, o, "total_ms", num(e->total_ms));
    set(w, o, "share", num(e->share));
    set(w, o, "mean_ms", num(e->mean_ms));
    set(w, o, "p50_ms", num(e->p50_ms));
    set(w, o, "p90_ms", num(e->p90_ms));
    set(w, o, "p95_ms", num(e->p95_ms));
    set(w, o, "p99_ms", num(e->p99_ms));
    set(w, o, "max_ms", num(e->max_ms));
    set(w, o, "slowest_file", str(w, e->slowest_file));
    json_t *ex = json_array();
    for (size_t k = 0; k < e->nexamples; k++)
        push(w, ex, str(w, e->examples[k]));
    set(w, o, "examples", ex);
    set(w, o, "functions", json_integer((json_int_t)e->nfuncs));
    set(w, o, "top_tottime", func_list(w, e->funcs_tt, e->nfuncs_top));
    set(w, o, "top_cumtime", func_list(w, e->funcs_ct, e->nfuncs_top));
    return o;
}

static void endpoints(js *s)
{
    const pr_report *r = s->w->r;
    key(s, "endpoints");
    open_c(s, '[');
    for (size_t i = 0; i < r->nendpoints && !s->w->nomem; i++) {
        member(s);
        open_c(s, '{');
        members(s, endpoint(s->w, i));
        key(s, "attribution");
        attribution(s, &r->endpoints[i].attr);
        close_c(s, '}');
    }
    close_c(s, ']');
}

static json_t *request(jw *w, const void *row)
{
    const pr_request_row *q = row;
    json_t *o = json_object();
    set(w, o, "file", str(w, q->file));
    set(w, o, "method", str(w, q->method));
    set(w, o, "path", str(w, q->path));
    set(w, o, "endpoint", json_integer((json_int_t)q->endpoint));
    set(w, o, "wall_ms", num(q->wall_ms));
    set(w, o, "profiled_ms", num(q->profiled_ms));
    set(w, o, "time", num(q->time));
    set(w, o, "named", json_boolean(q->named));
    set(w, o, "wall_source", json_string(q->wall_source == PR_WALL_NAME
                                             ? "name"
                                             : "profile"));
    return o;
}

static json_t *buckets(jw *w)
{
    const pr_report *r = w->r;
    json_t *o = json_object();
    set(w, o, "width_s", num(r->bucket_s));
    json_t *a = json_array();
    for (size_t i = 0; i < r->nbuckets; i++) {
        const pr_bucket_row *b = &r->buckets[i];
        json_t *bo = json_object();
        set(w, bo, "start", num(b->start));
        set(w, bo, "from", num(b->from));
        set(w, bo, "to", num(b->to));
        set(w, bo, "requests", json_integer((json_int_t)b->requests));
        set(w, bo, "p50_ms", num(b->p50_ms));
        set(w, bo, "p95_ms", num(b->p95_ms));
        set(w, bo, "max_ms", num(b->max_ms));
        push(w, a, bo);
    }
    set(w, o, "rows", a);
    return o;
}

static json_t *edge(jw *w, const void *row)
{
    const pr_edge_row *e = row;
    json_t *o = json_object();
    set(w, o, "callee", key_obj(w, e->callee));
    set(w, o, "caller", key_obj(w, e->caller));
    set(w, o, "nc", json_integer(e->nc));
    set(w, o, "cc", json_integer(e->cc));
    /* profile.py keeps call counts only. */
    set(w, o, "tt", e->count_only ? json_null() : num(e->tt));
    set(w, o, "ct", e->count_only ? json_null() : num(e->ct));
    return o;
}

static json_t *skipped(jw *w)
{
    const pr_report *r = w->r;
    json_t *a = json_array();
    for (size_t i = 0; i < r->nskips; i++) {
        const report_skip *k = &r->skips[i];
        json_t *o = json_object();
        set(w, o, "path", str(w, k->path));
        set(w, o, "status", json_string(pr_strerror(k->err.code)));
        set(w, o, "offset", k->err.offset == PR_NO_OFFSET
                                ? json_null()
                                : json_integer((json_int_t)k->err.offset));
        set(w, o, "message", str(w, k->err.msg));
        push(w, a, o);
    }
    return a;
}

static void header(jw *w, json_t *root)
{
    const pr_report *r = w->r;
    set(w, root, "schema_version", json_integer(SCHEMA_VERSION));
    json_t *gen = json_object();
    set(w, gen, "name", json_string("profreport"));
    set(w, gen, "version", json_string(PR_VERSION_STRING));
    set(w, root, "generator", gen);
    set(w, root, "generated_at", time_or_null(r->opts.generated_at));
    json_t *in = json_array();
    for (size_t i = 0; i < r->opts.ninputs; i++)
        push(w, in, str(w, r->opts.inputs[i]));
    set(w, root, "inputs", in);
}

pr_status pr__render_json(const pr_report *r, pr_table table, FILE *out,
                          pr_error *err)
{
    (void)table;
    (void)err;
    jw w = {r, 0};
    js s = {&w, out, 0, {0}};
    open_c(&s, '{');
    json_t *head = json_object();
    header(&w, head);
    members(&s, head);
    field(&s, "summary", summary(&w));
    field(&s, "findings", findings(&w));
    endpoints(&s);
    array(&s, "requests", r->requests, r->nrequests, sizeof *r->requests,
          request);
    field(&s, "buckets", buckets(&w));
    key(&s, "attribution");
    attribution(&s, &r->attr);
    /* Functions in pstats' key order (as -f csv -t functions, which
     * sorts by tottime instead). */
    array(&s, "functions", r->funcs, r->nfuncs, sizeof *r->funcs, func);
    array(&s, "edges", r->edges, r->nedges, sizeof *r->edges, edge);
    field(&s, "skipped", skipped(&w));
    close_c(&s, '}');
    fputc('\n', out);
    /* A failed write is pr_render's to report, with its errno. */
    return w.nomem ? PR_ERR_NOMEM : PR_OK;
}
