/* report.c - build a read-only, sorted report from an aggregate. The
 * renderers only walk it: they never re-parse or re-aggregate. */
#define _GNU_SOURCE /* qsort_r */
#include "sort.h"
#include "stacks.h"
#include "report.h"
#include "agg.h"
#include "funckey.h"
#include "modules.h"
#include "pypath.h"
#include "status.h"
#include "funckey.h"

#include <stdio.h>

#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_rows(const void *a, const void *b)
{
    return pr__key_cmp(&((const pr_func_row *)a)->key,
                   &((const pr_func_row *)b)->key);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double pr__percentile(const double *v, size_t n, double p)
{
    if (n == 0)
        return 0;
    /* p * n first: 7 / 100.0 * 100 is 7.000000000000001. */
    double r = ceil(p * (double)n / 100.0);
    size_t k = r < 1 ? 1 : (size_t)r;
    return v[(k > n ? n : k) - 1];
}

/* Function rows of one table, sorted by key, with copied strings. */
static pr_func_row *func_rows(const pr_func_key *keys, const ftable *t)
{
    pr_func_row *rows = calloc(t->nf ? t->nf : 1, sizeof *rows);
    if (rows == NULL)
        return NULL;
    for (size_t i = 0; i < t->nf; i++) {
        const func_stat *f = &t->f[i];
        rows[i].key = keys[f->fid];
        rows[i].nc = f->nc;
        rows[i].cc = f->cc;
        rows[i].tt = f->tt;
        rows[i].ct = f->ct;
    }
    pr__qsort(rows, t->nf, sizeof *rows, cmp_rows);
    return rows;
}

/* Top n rows of `rows` by tt (by_ct = 0) or ct, copied into the arena. */
static pr_func_row *top_rows(arena *a, const pr_func_row *rows, size_t n,
                             size_t top, int by_ct)
{
    size_t k = n < top ? n : top;
    double *v = calloc(n ? n : 1, sizeof *v);
    size_t *idx = malloc((n ? n : 1) * sizeof *idx);
    pr_func_row *out = arena_alloc(a, (k ? k : 1) * sizeof *out);
    if (v == NULL || idx == NULL || out == NULL) {
        free(v);
        free(idx);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        v[i] = by_ct ? rows[i].ct : rows[i].tt;
    int bad = pr__rank_desc(v, n, idx) != 0;
    for (size_t i = 0; !bad && i < k; i++)
        out[i] = rows[idx[i]];
    free(v);
    free(idx);
    return bad ? NULL : out;
}

/* ---- endpoint labels ------------------------------------------------- */

/* Length of the directory prefix (through '/') shared by a and b. */
static size_t common_dir(pr_str a, pr_str b)
{
    size_t n = a.len < b.len ? a.len : b.len, last = 0;
    for (size_t i = 0; i < n && a.ptr[i] == b.ptr[i]; i++)
        if (a.ptr[i] == '/')
            last = i + 1;
    return last;
}

static const char *make_label(arena *a, const pr_func_key *k, size_t strip)
{
    size_t need = k->name.len + k->file.len + 48;
    char *s = arena_alloc(a, need);
    if (s == NULL)
        return NULL;
    if (k->line < 0) { /* keyed by URL pattern */
        snprintf(s, need, "%.*s", (int)k->name.len, k->name.ptr);
        return s;
    }
    const char *f = pr__packages_dir(k->file.ptr, k->file.len);
    size_t flen = f != NULL ? k->file.len - (size_t)(f - k->file.ptr) : 0;
    if (f == NULL) {
        f = k->file.ptr + strip;
        flen = k->file.len - strip;
    }
    snprintf(s, need, "%.*s (%.*s:%lld)", (int)k->name.len, k->name.ptr,
             (int)flen, f, (long long)k->line);
    return s;
}

/* What the report is built from: the requests and per-endpoint tables of
 * the aggregate that fall in the time window (whole buckets, for an
 * aggregate that keeps them), requests sorted by file path so that a
 * report does not depend on thread or incremental-run order. */
typedef struct view {
    const shard *m;
    const request **req;
    size_t nreq;
    ftable *gt;   /* per endpoint id: merged cells, when there are several */
    const ftable **table; /* per endpoint id: its table (a cell or gt) */
    size_t ng;
    size_t strip; /* common directory of the app's view files */
    /* The one endpoint whose table holds every function and edge of the
     * view (a single endpoint, as in one huge profile), or SIZE_MAX. Its
     * table is the run's, used as it is rather than copied, and its
     * function rows and attribution are the run's too: computing them
     * again would give the same bytes at twice the memory. */
    size_t only;
    /* Function keys by id, their strings copied into the report once:
     * rows of every endpoint point to them rather than copying them per
     * endpoint (which cost endpoints x functions in memory). The report's
     * (r->keys): edges point into them. */
    const pr_func_key *keys;
} view;

/* Length of the common directory of the view files (outside site- and
 * dist-packages) of the endpoints with requests: labels drop it. */
static size_t label_strip(const shard *m, const uint8_t *used)
{
    size_t strip = 0;
    int first = 1;
    pr_str base = {"", 0};
    for (size_t g = 0; g < m->group_keys.n; g++) {
        const pr_func_key *k = &m->group_keys.keys[g];
        if (k->line < 0 || !used[g] || !pr__app_file(k))
            continue;
        if (first) {
            base = k->file;
            for (size_t i = 0; i < base.len; i++)
                if (base.ptr[i] == '/')
                    strip = i + 1;
            first = 0;
        } else {
            size_t c = common_dir(base, k->file);
            if (c < strip)
                strip = c;
        }
    }
    return strip;
}

/* --endpoint GLOB, against the label the report shows or the bare name. */
static int endpoint_wanted(const pr_func_key *k, size_t strip,
                           const char *glob)
{
    if (glob == NULL)
        return 1;
    arena tmp;
    arena_init(&tmp);
    const char *label = make_label(&tmp, k, strip);
    char name[1024];
    snprintf(name, sizeof name, "%.*s", (int)k->name.len, k->name.ptr);
    int ok = (label != NULL && fnmatch(glob, label, 0) == 0) ||
             fnmatch(glob, name, 0) == 0;
    arena_free(&tmp);
    return ok;
}

static int cmp_req_path(const void *a, const void *b)
{
    const request *x = *(const request *const *)a;
    const request *y = *(const request *const *)b;
    int c = strcmp(x->path, y->path);
    if (c != 0)
        return c;
    if (x->order != y->order)
        return (x->order > y->order) - (x->order < y->order);
    return (x->sub > y->sub) - (x->sub < y->sub);
}

/* Whether bucket b of size bs overlaps [since, until) (0 = open). */
static int in_window(int64_t b, double bs, double since, double until)
{
    if (bs <= 0)
        return 1;
    double start = (double)b * bs, end = start + bs;
    return (since <= 0 || end > since) && (until <= 0 || start < until);
}

static int view_build(view *v, const pr_agg *agg, const pr_report_options *o)
{
    const shard *m = &agg->main;
    double bs = agg->bucket_s;
    memset(v, 0, sizeof *v);
    v->m = m;
    v->ng = m->group_keys.n;
    v->req = malloc((m->nreq ? m->nreq : 1) * sizeof *v->req);
    v->gt = calloc(v->ng ? v->ng : 1, sizeof *v->gt);
    v->table = calloc(v->ng ? v->ng : 1, sizeof *v->table);
    if (v->req == NULL || v->gt == NULL || v->table == NULL)
        return -1;
    uint8_t *used = calloc(v->ng ? v->ng : 1, 1);
    if (used == NULL)
        return -1;
    for (size_t i = 0; i < m->nreq; i++) {
        const request *q = &m->req[i];
        int64_t b = pr__bucket_of(q->time, bs);
        if (in_window(b, bs, o->since, o->until))
            used[q->group] = 1;
    }
    v->strip = label_strip(m, used);
    for (size_t g = 0; g < v->ng; g++)
        if (used[g] && !endpoint_wanted(&m->group_keys.keys[g], v->strip,
                                        o->endpoint_glob))
            used[g] = 0;
    for (size_t i = 0; i < m->nreq; i++) {
        const request *q = &m->req[i];
        int64_t b = pr__bucket_of(q->time, bs);
        if (used[q->group] && in_window(b, bs, o->since, o->until))
            v->req[v->nreq++] = q;
    }
    pr__sort_mostly_sorted(v->req, v->nreq, sizeof *v->req, cmp_req_path);
    /* An endpoint with one cell in the window (always, without time
     * buckets) uses it as it is: copying it would double the memory. */
    size_t *ncell = calloc(v->ng ? v->ng : 1, sizeof *ncell);
    int bad = ncell == NULL;
    for (size_t c = 0; c < m->ncells && !bad; c++) {
        const cell *cl = &m->cells[c];
        if (used[cl->group] && in_window(cl->bucket, bs, o->since, o->until))
            ncell[cl->group]++;
    }
    for (size_t c = 0; c < m->ncells && !bad; c++) {
        const cell *cl = &m->cells[c];
        if (!used[cl->group] || !in_window(cl->bucket, bs, o->since, o->until))
            continue;
        if (ncell[cl->group] == 1)
            v->table[cl->group] = &cl->t;
        else {
            bad = ftable_merge(&v->gt[cl->group], &cl->t, NULL) != PR_OK;
            v->table[cl->group] = &v->gt[cl->group];
        }
    }
    for (size_t g = 0; g < v->ng && !bad; g++)
        if (v->table[g] == NULL)
            v->table[g] = &v->gt[g]; /* empty */
    v->only = SIZE_MAX;
    for (size_t g = 0; g < v->ng && !bad; g++) {
        if (v->table[g]->nf == 0 && v->table[g]->ne == 0)
            continue;
        if (v->only != SIZE_MAX) {
            v->only = SIZE_MAX;
            break;
        }
        v->only = g;
    }
    free(ncell);
    free(used);
    return bad ? -1 : 0;
}

static void view_free(view *v)
{
    for (size_t g = 0; g < v->ng && v->gt != NULL; g++)
        ftable_free(&v->gt[g]);
    free(v->gt);
    free(v->table);
    free(v->req);
}

/* ---- endpoints ------------------------------------------------------- */

typedef struct ep_acc {
    double *walls;
    size_t n;
    double total, max;
    size_t slowest;      /* request index */
    const char *method;  /* NULL: none yet; "*" once they differ */
    const char *examples[3]; /* the first distinct URL paths */
    size_t nexamples;
} ep_acc;

/* Endpoint order: sort value descending, then label, then position, so
 * output never depends on hash or thread order. */
typedef struct ep_rank {
    double v;
    const char *label;
    size_t i;
} ep_rank;

static int cmp_ep_rank(const void *a, const void *b)
{
    const ep_rank *x = a, *y = b;
    if (x->v != y->v)
        return x->v > y->v ? -1 : 1;
    int c = strcmp(x->label, y->label);
    if (c != 0)
        return c;
    return (x->i > y->i) - (x->i < y->i);
}

static double sort_value(const pr_endpoint_row *e, pr_sort s)
{
    switch (s) {
    case PR_SORT_P95: return e->p95_ms;
    case PR_SORT_MEAN: return e->mean_ms;
    case PR_SORT_COUNT: return (double)e->requests;
    case PR_SORT_MAX: return e->max_ms;
    default: return e->total_ms;
    }
}

static void acc_free(ep_acc *acc, size_t ng)
{
    for (size_t g = 0; acc != NULL && g < ng; g++)
        free(acc[g].walls);
    free(acc);
}

/* Step 1: the requests of the view per group, in one pass: wall times,
 * total, the slowest, the method, and up to three distinct example
 * paths in request order (found here, not by scanning every request per
 * endpoint). NULL when out of memory. */
static ep_acc *accumulate(const view *vw, double *all_total)
{
    size_t ng = vw->ng;
    ep_acc *acc = calloc(ng ? ng : 1, sizeof *acc);
    size_t *count = calloc(ng ? ng : 1, sizeof *count);
    int bad = acc == NULL || count == NULL;
    for (size_t i = 0; !bad && i < vw->nreq; i++)
        count[vw->req[i]->group]++;
    for (size_t g = 0; g < ng && !bad; g++)
        bad = (acc[g].walls = malloc((count[g] ? count[g] : 1) *
                                     sizeof *acc[g].walls)) == NULL;
    free(count);
    if (bad) {
        acc_free(acc, ng);
        return NULL;
    }
    *all_total = 0;
    for (size_t i = 0; i < vw->nreq; i++) {
        const request *q = vw->req[i];
        ep_acc *e = &acc[q->group];
        if (e->n == 0 || q->wall_ms > e->max) {
            e->max = q->wall_ms;
            e->slowest = i;
        }
        e->walls[e->n++] = q->wall_ms;
        e->total += q->wall_ms;
        *all_total += q->wall_ms;
        if (e->method == NULL)
            e->method = q->method;
        else if (strcmp(e->method, q->method) != 0)
            e->method = "*";
        if (e->nexamples < 3 && q->url[0] != '\0') {
            int dup = 0;
            for (size_t k = 0; k < e->nexamples; k++)
                dup |= strcmp(e->examples[k], q->url) == 0;
            if (!dup)
                e->examples[e->nexamples++] = q->url;
        }
    }
    return acc;
}

/* Step 2: the row of group g: names, latency figures, examples, top
 * functions and module attribution. */
static int fill_endpoint(pr_report *r, const view *vw, size_t g, ep_acc *a,
                         double all_total, const mod_config *mc,
                         pr_endpoint_row *e)
{
    const shard *m = vw->m;
    e->view = m->group_keys.keys[g];
    if (arena_copy_key(&r->strings, &e->view) ||
        (e->label = make_label(&r->strings, &e->view, vw->strip)) == NULL ||
        (e->method = arena_strdup(&r->strings, a->method)) == NULL ||
        (e->slowest_file = arena_strdup(&r->strings,
                                        vw->req[a->slowest]->path)) == NULL)
        return -1;
    if (e->method[0] == '\0')
        e->method = "?";
    pr__qsort(a->walls, a->n, sizeof *a->walls, cmp_double);
    e->requests = a->n;
    e->total_ms = a->total;
    e->share = all_total > 0 ? a->total / all_total : 0;
    e->mean_ms = a->total / (double)a->n;
    e->p50_ms = pr__percentile(a->walls, a->n, 50);
    e->p90_ms = pr__percentile(a->walls, a->n, 90);
    e->p95_ms = pr__percentile(a->walls, a->n, 95);
    e->p99_ms = pr__percentile(a->walls, a->n, 99);
    e->max_ms = a->walls[a->n - 1];
    for (size_t k = 0; k < a->nexamples; k++) {
        /* Counted only once copied: no NULL example on the way out. */
        const char *copy = arena_strdup(&r->strings, a->examples[k]);
        if (copy == NULL)
            return -1;
        e->examples[e->nexamples++] = copy;
    }
    const ftable *t = vw->table[g];
    int lone = g == vw->only;
    pr_func_row *rows = lone ? r->funcs : func_rows(vw->keys, t);
    if (rows == NULL)
        return -1;
    e->nfuncs = t->nf;
    e->nfuncs_top = t->nf < r->opts.top ? t->nf : r->opts.top;
    e->funcs_tt = top_rows(&r->strings, rows, t->nf, r->opts.top, 0);
    e->funcs_ct = top_rows(&r->strings, rows, t->nf, r->opts.top, 1);
    if (!lone)
        free(rows);
    if (e->funcs_tt == NULL || e->funcs_ct == NULL)
        return -1;
    if (lone) { /* the same table, the same strings' arena: shared */
        e->attr = r->attr;
        return 0;
    }
    if (r->opts.no_attribution)
        return 0;
    return mod_attribute(mc, &m->funcs, t, &r->strings, &e->attr) != PR_OK
               ? -1
               : 0;
}

/* Step 3: rows[0..n) into r->endpoints in the order the options ask for
 * (ties by label, then position); ep_of_group[g], an index into rows,
 * becomes one into r->endpoints. */
static int place_endpoints(pr_report *r, const pr_endpoint_row *rows,
                           size_t n, size_t *ep_of_group, size_t ng)
{
    ep_rank *order = malloc((n ? n : 1) * sizeof *order);
    size_t *pos = malloc((n ? n : 1) * sizeof *pos);
    r->endpoints = calloc(n ? n : 1, sizeof *r->endpoints);
    if (order == NULL || pos == NULL || r->endpoints == NULL) {
        free(order);
        free(pos);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        order[i].v = sort_value(&rows[i], r->opts.sort);
        order[i].label = rows[i].label;
        order[i].i = i;
    }
    pr__qsort(order, n, sizeof *order, cmp_ep_rank);
    for (size_t i = 0; i < n; i++) {
        r->endpoints[i] = rows[order[i].i];
        pos[order[i].i] = i;
    }
    for (size_t g = 0; g < ng; g++)
        if (ep_of_group[g] != SIZE_MAX)
            ep_of_group[g] = pos[ep_of_group[g]];
    r->nendpoints = n;
    free(order);
    free(pos);
    return 0;
}

/* Which endpoints called each function (report.h: func_eps), from the
 * endpoints' own tables while the view still has them. */
static int build_func_endpoints(pr_report *r, const view *vw,
                                const size_t *ep_of_group)
{
    size_t ng = vw->ng, ne = r->nendpoints;
    if (ne > UINT32_MAX)
        return 0;
    size_t *group = malloc((ne ? ne : 1) * sizeof *group); /* of endpoint */
    size_t *at = calloc(r->nfuncs + 1, sizeof *at);
    size_t *fill = calloc(r->nfuncs + 1, sizeof *fill);
    int bad = group == NULL || at == NULL || fill == NULL;
    for (size_t g = 0; g < ng && !bad; g++)
        if (ep_of_group[g] != SIZE_MAX)
            group[ep_of_group[g]] = g;
    /* Two passes over every (endpoint, function): count, then place, in
     * endpoint order, so each list comes out ascending. */
    for (int pass = 0; pass < 2 && !bad; pass++) {
        for (size_t e = 0; e < ne; e++) {
            const ftable *t = vw->table[group[e]];
            for (size_t k = 0; k < t->nf; k++) {
                size_t i = pr__report_func(r, &vw->keys[t->f[k].fid]);
                if (i == SIZE_MAX)
                    continue;
                if (pass == 0)
                    at[i + 1]++;
                else
                    r->func_eps[fill[i]++] = (uint32_t)e;
            }
        }
        if (pass == 0) {
            for (size_t i = 0; i < r->nfuncs; i++)
                at[i + 1] += at[i];
            memcpy(fill, at, r->nfuncs * sizeof *fill);
            r->func_eps = malloc((at[r->nfuncs] ? at[r->nfuncs] : 1) *
                                 sizeof *r->func_eps);
            bad = r->func_eps == NULL;
        }
    }
    free(group);
    free(fill);
    if (bad) {
        free(at);
        return -1;
    }
    r->func_ep_at = at;
    return 0;
}

static int build_endpoints(pr_report *r, const view *vw, size_t *ep_of_group,
                           const mod_config *mc)
{
    size_t ng = vw->ng, n = 0;
    double all_total;
    ep_acc *acc = accumulate(vw, &all_total);
    pr_endpoint_row *rows = calloc(ng ? ng : 1, sizeof *rows);
    int bad = acc == NULL || rows == NULL;
    for (size_t g = 0; g < ng && !bad; g++) {
        ep_of_group[g] = SIZE_MAX;
        if (acc[g].n == 0)
            continue; /* every request of it was filtered out */
        bad = fill_endpoint(r, vw, g, &acc[g], all_total, mc, &rows[n]) != 0;
        ep_of_group[g] = n++;
    }
    if (!bad)
        bad = place_endpoints(r, rows, n, ep_of_group, ng) != 0;
    acc_free(acc, ng);
    free(rows);
    return bad ? -1 : 0;
}

/* ---- requests and time buckets ---------------------------------------- */

static int cmp_slower(const void *a, const void *b, void *rows)
{
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    const pr_request_row *v = rows;
    pr__ranked x = {v[i].wall_ms, i}, y = {v[j].wall_ms, j};
    return pr__cmp_ranked(&x, &y);
}

static int build_requests(pr_report *r, const view *vw,
                          const size_t *ep_of_group, const shard *m)
{
    size_t n = vw->nreq;
    /* The strings of pooled requests stay where they are: the report
     * holds their pools as long as it lives. */
    if (m->npools > 0) {
        if ((r->pools = malloc(m->npools * sizeof *r->pools)) == NULL)
            return -1;
        for (size_t i = 0; i < m->npools; i++)
            r->pools[i] = pr__pool_retain(m->pools[i]);
        r->npools = m->npools;
    }
    r->requests = calloc(n ? n : 1, sizeof *r->requests);
    r->slowest = calloc(n ? n : 1, sizeof *r->slowest);
    if (r->requests == NULL || r->slowest == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const request *q = vw->req[i];
        pr_request_row *row = &r->requests[i];
        if (q->pooled) { /* a state's: shared, not copied (see below) */
            row->file = q->path;
            row->method = q->method;
            row->path = q->url;
        } else if ((row->file = arena_strdup(&r->strings, q->path)) == NULL ||
                   (row->method = arena_strdup(&r->strings, q->method)) ==
                       NULL ||
                   (row->path = arena_strdup(&r->strings, q->url)) == NULL) {
            return -1;
        }
        row->endpoint = ep_of_group[q->group];
        row->wall_ms = q->wall_ms;
        row->profiled_ms = q->profiled_s * 1000.0;
        row->time = q->time;
        row->named = q->named;
        row->wall_source = q->wall_source == PR__WALL_NAME ? PR_WALL_NAME
                                                           : PR_WALL_PROFILE;
        r->slowest[i] = i;
    }
    r->nrequests = n;
    /* The indexes sorted in place, as pr__rank_desc would rank the wall
     * times (descending, index as tie-break) but without its copies:
     * 40 bytes a request less at the report's peak. */
    if (n > 1)
        qsort_r(r->slowest, n, sizeof *r->slowest, cmp_slower, r->requests);
    return 0;
}

/* Nice bucket widths, 1 s to 1 d: a clock's divisions. */
static const double BUCKET_LADDER[] = {
    1,    2,    5,     10,    15,    30,           /* seconds */
    60,   120,  300,   600,   900,   1800,         /* minutes */
    3600, 7200, 10800, 21600, 43200, 86400,        /* hours, a day */
};
enum { MIN_BUCKETS = 6, MAX_BUCKETS = 48, REQUESTS_PER_BUCKET = 4 };

/* The narrowest nice width that cuts the span into at most `most`
 * buckets: one per REQUESTS_PER_BUCKET requests, so that a bucket's
 * percentiles mean something, but from MIN_BUCKETS to MAX_BUCKETS. The
 * ladder's steps are at most 2.5x, so a long enough span gets between
 * most / 2.5 and most buckets; a short one a bucket per second. Spans
 * the ladder cannot cover get whole days. */
static double choose_bucket(double span, size_t requests)
{
    size_t most = requests / REQUESTS_PER_BUCKET;
    most = most < MIN_BUCKETS ? MIN_BUCKETS
                              : most > MAX_BUCKETS ? MAX_BUCKETS : most;
    for (size_t i = 0; i < sizeof BUCKET_LADDER / sizeof BUCKET_LADDER[0];
         i++)
        if (span / BUCKET_LADDER[i] <= (double)most)
            return BUCKET_LADDER[i];
    return 86400 * ceil(span / 86400 / (double)most);
}

static int build_buckets(pr_report *r)
{
    size_t n = r->nrequests;
    if (n == 0)
        return 0;
    double first = r->sum.first_time, last = r->sum.last_time;
    /* Under PR_MIN_BUCKET_SPAN there is no "over time" to show: no
     * buckets, and the renderers say why. --bucket still has its way. */
    if (r->opts.bucket_s <= 0 && last - first < PR_MIN_BUCKET_SPAN)
        return 0;
    r->bucket_s = r->opts.bucket_s > 0 ? r->opts.bucket_s
                                       : choose_bucket(last - first, n);
    pr__ranked *v = malloc(n * sizeof *v);
    double *walls = malloc(n * sizeof *walls);
    r->buckets = calloc(n, sizeof *r->buckets);
    if (v == NULL || walls == NULL || r->buckets == NULL) {
        free(v);
        free(walls);
        return -1;
    }
    /* Sort requests by bucket start (ascending), then walk the runs. */
    for (size_t i = 0; i < n; i++) {
        v[i].v = -floor(r->requests[i].time / r->bucket_s) * r->bucket_s;
        v[i].i = i;
    }
    pr__qsort(v, n, sizeof *v, pr__cmp_ranked); /* descending -start = ascending */
    size_t nb = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && v[j].v == v[i].v) {
            walls[j - i] = r->requests[v[j].i].wall_ms;
            j++;
        }
        size_t k = j - i;
        pr__qsort(walls, k, sizeof *walls, cmp_double);
        pr_bucket_row *b = &r->buckets[nb++];
        b->start = -v[i].v;
        b->width_s = r->bucket_s;
        /* The part of the bucket inside the capture: the first and the
         * last bucket may hold data for only part of their width. */
        b->from = b->start > first ? b->start : first;
        b->to = b->start + r->bucket_s < last ? b->start + r->bucket_s : last;
        b->requests = k;
        b->p50_ms = pr__percentile(walls, k, 50);
        b->p95_ms = pr__percentile(walls, k, 95);
        b->max_ms = walls[k - 1];
        i = j;
    }
    r->nbuckets = nb;
    free(v);
    free(walls);
    return 0;
}

/* ---- the whole report ------------------------------------------------- */

/* The inputs the header names, copied: the caller's array is borrowed
 * only for the call. */
static int copy_inputs(pr_report *r)
{
    const char *const *src = r->opts.inputs;
    size_t n = src != NULL ? r->opts.ninputs : 0;
    r->opts.inputs = NULL;
    r->opts.ninputs = 0;
    if (n == 0)
        return 0;
    const char **v = arena_alloc(&r->strings, n * sizeof *v);
    if (v == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const char *in = src[i];
        if ((v[i] = arena_strdup(&r->strings, in ? in : "")) == NULL)
            return -1;
    }
    r->opts.inputs = v;
    r->opts.ninputs = n;
    return 0;
}

/* The --module-map patterns, copied: renderers classify functions
 * again (the HTML report's table of every function) after the caller's
 * array is gone. */
static int copy_module_map(pr_report *r)
{
    size_t n = r->opts.module_map != NULL ? r->opts.nmodule_map : 0;
    const char *const *src = r->opts.module_map;
    r->opts.module_map = NULL;
    r->opts.nmodule_map = 0;
    if (n == 0)
        return 0;
    const char **v = arena_alloc(&r->strings, n * sizeof *v);
    if (v == NULL)
        return -1;
    for (size_t i = 0; i < n; i++)
        if ((v[i] = arena_strdup(&r->strings, src[i] ? src[i] : "")) == NULL)
            return -1;
    r->opts.module_map = v;
    r->opts.nmodule_map = n;
    return 0;
}

/* The directory every request's file is in (up to its '/', or an
 * archive's ':'), so renderers can show file names relative to it: the
 * same whether the requests were read from their directory or from a
 * state file. */
static void set_file_dir(pr_report *r)
{
    size_t len = 0;
    for (size_t i = 0; i < r->nrequests; i++) {
        const char *f = r->requests[i].file;
        if (i == 0) {
            len = strlen(f);
            continue;
        }
        size_t k = 0;
        while (k < len && f[k] == r->requests[0].file[k])
            k++;
        len = k;
    }
    /* Back to the last separator inside the common part. */
    const char *f0 = r->nrequests > 0 ? r->requests[0].file : "";
    while (len > 0 && f0[len - 1] != '/' && f0[len - 1] != ':')
        len--;
    r->file_dir_len = len;
}

/* --source-url and --commit, kept for the HTML renderer. */
static int copy_source(pr_report *r)
{
    const char **f[] = {&r->opts.source_url, &r->opts.source_commit};
    for (size_t i = 0; i < 2; i++)
        if (*f[i] != NULL && (*f[i] = arena_strdup(&r->strings, *f[i])) == NULL)
            return -1;
    return 0;
}

/* The function keys of the run, copied once into the report: every
 * row (functions, edges, endpoints' top functions) points at these. */
static pr_func_key *copy_keys(pr_report *r, const shard *m)
{
    pr_func_key *keys = malloc((m->funcs.n ? m->funcs.n : 1) * sizeof *keys);
    for (size_t i = 0; keys != NULL && i < m->funcs.n; i++) {
        keys[i] = m->funcs.keys[i];
        if (arena_copy_key(&r->strings, &keys[i])) {
            free(keys);
            return NULL;
        }
    }
    return keys;
}

/* The merged functions of the run, ranked by tottime and cumtime, and
 * the call totals of the summary. */
static int build_functions(pr_report *r, const pr_func_key *keys,
                           const ftable *all)
{
    size_t n = all->nf;
    r->by_tt = calloc(n ? n : 1, sizeof *r->by_tt);
    r->by_ct = calloc(n ? n : 1, sizeof *r->by_ct);
    if (!r->by_tt || !r->by_ct || (r->funcs = func_rows(keys, all)) == NULL)
        return -1;
    r->nfuncs = n;
    pr_summary *s = &r->sum;
    double *v = calloc(n ? n : 1, sizeof *v);
    if (v == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        s->total_calls = pr__sat_add(s->total_calls, r->funcs[i].nc);
        s->primitive_calls = pr__sat_add(s->primitive_calls, r->funcs[i].cc);
        s->total_tt += r->funcs[i].tt;
        v[i] = r->funcs[i].tt;
    }
    int bad = pr__rank_desc(v, n, r->by_tt);
    for (size_t i = 0; i < n; i++)
        v[i] = r->funcs[i].ct;
    bad |= pr__rank_desc(v, n, r->by_ct);
    free(v);
    return bad ? -1 : 0;
}

static int cmp_key_ptr(const void *a, const void *b)
{
    return pr__key_cmp(*(const pr_func_key *const *)a,
                       *(const pr_func_key *const *)b);
}

/* Stable counting sort of edge indexes from[0..n) by the rank of one end
 * (callee or caller) into to[]; count has nk + 1 zeroed slots. */
static void by_rank(const ftable *all, const uint32_t *rank, int callee,
                    const uint32_t *from, uint32_t *to, size_t *count,
                    size_t nk)
{
    for (size_t i = 0; i < all->ne; i++) {
        const edge_stat *e = &all->e[from ? from[i] : i];
        count[rank[callee ? e->callee : e->caller] + 1]++;
    }
    for (size_t k = 0; k < nk; k++)
        count[k + 1] += count[k];
    for (size_t i = 0; i < all->ne; i++) {
        uint32_t j = from ? from[i] : (uint32_t)i;
        const edge_stat *e = &all->e[j];
        to[count[rank[callee ? e->callee : e->caller]]++] = j;
    }
}

/* The merged caller edges, sorted by (callee, caller): functions are
 * ranked by key once, and the edges placed by two counting sorts (by
 * caller, then stably by callee), not compared a million times. */
static int build_edges(pr_report *r, const pr_func_key *keys, size_t nk,
                       const ftable *all)
{
    size_t ne = all->ne;
    const pr_func_key **order = malloc((nk ? nk : 1) * sizeof *order);
    uint32_t *rank = malloc((nk ? nk : 1) * sizeof *rank);
    size_t *count = calloc(nk + 1, sizeof *count);
    uint32_t *a = malloc((ne ? ne : 1) * sizeof *a);
    uint32_t *b = malloc((ne ? ne : 1) * sizeof *b);
    int rc = -1;
    if (!order || !rank || !count || !a || !b)
        goto done;
    for (size_t k = 0; k < nk; k++)
        order[k] = &keys[k];
    pr__qsort(order, nk, sizeof *order, cmp_key_ptr);
    for (size_t k = 0; k < nk; k++)
        rank[order[k] - keys] = (uint32_t)k;
    free(order);
    order = NULL;
    by_rank(all, rank, 0, NULL, a, count, nk);
    memset(count, 0, (nk + 1) * sizeof *count);
    by_rank(all, rank, 1, a, b, count, nk);
    free(a);
    a = NULL;
    if ((r->edges = calloc(ne ? ne : 1, sizeof *r->edges)) == NULL)
        goto done;
    for (size_t i = 0; i < ne; i++) {
        const edge_stat *e = &all->e[b[i]];
        pr_edge_row *row = &r->edges[i];
        row->callee = &keys[e->callee];
        row->caller = &keys[e->caller];
        row->nc = e->nc;
        row->cc = e->cc;
        row->tt = e->tt;
        row->ct = e->ct;
        row->count_only = e->count_only;
    }
    r->nedges = ne;
    rc = 0;
done:
    free(order);
    free(rank);
    free(count);
    free(a);
    free(b);
    return rc;
}

/* The application's root: as given (with a trailing '/'), else found. */
static void set_app_root(pr_report *r, const shard *m)
{
    if (r->opts.app_root != NULL) {
        size_t len = strlen(r->opts.app_root);
        snprintf(r->app_root, sizeof r->app_root, "%s%s", r->opts.app_root,
                 len > 0 && r->opts.app_root[len - 1] != '/' ? "/" : "");
    } else {
        mod_app_root(m->funcs.keys, m->funcs.n, r->app_root,
                     sizeof r->app_root);
    }
}

/* Files, skips, where wall times came from, and the time the requests
 * in the window cover. */
static void summarize_requests(pr_report *r, const shard *m, const view *vw)
{
    pr_summary *s = &r->sum;
    s->files = vw->nreq;
    s->skipped = m->nskips;
    s->filtered = m->filtered + (m->nreq - vw->nreq);
    s->functions = r->nfuncs;
    for (size_t i = 0; i < vw->nreq; i++) {
        const request *q = vw->req[i];
        s->profiled_s += q->profiled_s;
        s->wall_from_profile += q->wall_source != PR__WALL_NAME;
        s->wall_contradicted += q->wall_source == PR__WALL_REJECTED;
        if (i == 0 || q->time < s->first_time)
            s->first_time = q->time;
        if (i == 0 || q->time > s->last_time)
            s->last_time = q->time;
    }
}

static int copy_skips(pr_report *r, const shard *m)
{
    r->skips = calloc(m->nskips ? m->nskips : 1, sizeof *r->skips);
    if (r->skips == NULL)
        return -1;
    for (size_t i = 0; i < m->nskips; i++) {
        r->skips[i].err = m->skips[i].err;
        if ((r->skips[i].path = arena_strdup(&r->strings, m->skips[i].path)) ==
            NULL)
            return -1;
    }
    r->nskips = m->nskips;
    return 0;
}

/* Slow versus typical re-reads files: by default only while that stays
 * cheap. Per endpoint it reads up to 200 requests above p90 and 200
 * between p25 and p75, for endpoints of 30 requests or more. */
static int outliers_wanted(const pr_report *r)
{
    if (r->opts.outliers != 0)
        return r->opts.outliers > 0;
    size_t files = 0;
    for (size_t i = 0; i < r->nendpoints; i++) {
        size_t n = r->endpoints[i].requests;
        if (n < 30)
            continue;
        size_t slow = n / 10 + 1, typical = n / 2 + 1;
        files += (slow < 200 ? slow : 200) + (typical < 200 ? typical : 200);
    }
    return files > 0 && files <= PR_OUTLIERS_AUTO_FILES;
}

/* The steps, in order: the view of the aggregate in the time window; the
 * run's functions and edges; its module attribution; the endpoints,
 * requests and time buckets; the skipped files; and the findings drawn
 * from all of them. */
pr_status pr_report_build(const pr_agg *agg, const pr_report_options *opts,
                          pr_report **out)
{
    if (agg == NULL || out == NULL)
        return PR_ERR_USAGE;
    *out = NULL;
    pr_report *r = calloc(1, sizeof *r);
    if (r == NULL)
        return PR_ERR_NOMEM;
    arena_init(&r->strings);
    if (opts != NULL)
        r->opts = *opts;
    if (r->opts.top == 0)
        r->opts.top = 20;
    if (copy_inputs(r) != 0 || copy_module_map(r) != 0 ||
        copy_source(r) != 0) {
        pr_report_free(r);
        return PR_ERR_NOMEM;
    }
    const shard *m = &agg->main;
    pr_status failure = PR_ERR_NOMEM; /* what a `goto fail` returns */
    /* The whole run's table is the sum of the endpoints' tables. */
    ftable all;
    memset(&all, 0, sizeof all);
    view vw;
    size_t *ep_of_group = NULL;
    if (view_build(&vw, agg, &r->opts) != 0)
        goto fail;
    ep_of_group = malloc((vw.ng ? vw.ng : 1) * sizeof *ep_of_group);
    if (ep_of_group == NULL)
        goto fail;
    const ftable *run = &all;
    if (vw.only != SIZE_MAX)
        run = vw.table[vw.only];
    for (size_t g = 0; g < vw.ng && run == &all; g++)
        if (ftable_merge(&all, vw.table[g], NULL) != PR_OK)
            goto fail;
    if ((vw.keys = r->keys = copy_keys(r, m)) == NULL ||
        build_functions(r, vw.keys, run) != 0)
        goto fail;
    set_app_root(r, m);
    mod_config mc = {&r->opts, r->app_root};
    if (!r->opts.no_attribution &&
        (failure = mod_attribute(&mc, &m->funcs, run, &r->strings,
                                 &r->attr)) != PR_OK)
        goto fail;
    failure = PR_ERR_NOMEM;
    /* The edge rows (the report's largest part) once the attribution's
     * working memory is gone, so that the two do not add up. */
    if (!r->opts.no_edges && build_edges(r, vw.keys, m->funcs.n, run) != 0)
        goto fail;
    ftable_free(&all);
    summarize_requests(r, m, &vw);
    if (build_endpoints(r, &vw, ep_of_group, &mc) != 0 ||
        build_func_endpoints(r, &vw, ep_of_group) != 0 ||
        build_requests(r, &vw, ep_of_group, &agg->main) != 0 ||
        build_buckets(r) != 0)
        goto fail;
    free(ep_of_group);
    ep_of_group = NULL;
    view_free(&vw);
    memset(&vw, 0, sizeof vw);
    set_file_dir(r);
    if (copy_skips(r, m) != 0)
        goto fail;
    if (!r->opts.no_attribution && outliers_wanted(r) &&
        (failure = pr_outliers_build(r, 0, &r->outliers)) != PR_OK)
        goto fail;
    failure = PR_ERR_NOMEM;
    if (!r->opts.no_attribution && pr__findings(r) != 0)
        goto fail;
    *out = r;
    return PR_OK;
fail:
    ftable_free(&all);
    free(ep_of_group);
    view_free(&vw);
    pr_report_free(r);
    return failure;
}

void pr_report_summary(const pr_report *r, pr_summary *out)
{
    if (r != NULL && out != NULL)
        *out = r->sum;
}

size_t pr_report_functions(const pr_report *r, const pr_func_row **rows)
{
    if (r == NULL)
        return 0;
    if (rows != NULL)
        *rows = r->funcs;
    return r->nfuncs;
}

size_t pr_report_edges(const pr_report *r, const pr_edge_row **rows)
{
    if (r == NULL)
        return 0;
    if (rows != NULL)
        *rows = r->edges;
    return r->nedges;
}

size_t pr_report_endpoints(const pr_report *r, const pr_endpoint_row **rows)
{
    if (r == NULL)
        return 0;
    if (rows != NULL)
        *rows = r->endpoints;
    return r->nendpoints;
}

size_t pr_report_requests(const pr_report *r, const pr_request_row **rows,
                          const size_t **slowest)
{
    if (r == NULL)
        return 0;
    if (rows != NULL)
        *rows = r->requests;
    if (slowest != NULL)
        *slowest = r->slowest;
    return r->nrequests;
}

size_t pr_report_buckets(const pr_report *r, const pr_bucket_row **rows,
                         double *bucket_s)
{
    if (r == NULL)
        return 0;
    if (rows != NULL)
        *rows = r->buckets;
    if (bucket_s != NULL)
        *bucket_s = r->bucket_s;
    return r->nbuckets;
}

const pr_outliers *pr_report_outliers(const pr_report *r)
{
    return r ? r->outliers : NULL;
}

const pr_attribution *pr_report_attribution(const pr_report *r)
{
    return r ? &r->attr : NULL;
}

size_t pr_report_findings(const pr_report *r, const pr_finding **rows)
{
    if (r == NULL)
        return 0;
    if (rows != NULL)
        *rows = r->findings;
    return r->nfindings;
}

const char *pr_module_kind_name(pr_module_kind k)
{
    switch (k) {
    case PR_MOD_APP: return "app";
    case PR_MOD_LIBRARY: return "library";
    case PR_MOD_STDLIB: return "stdlib";
    case PR_MOD_BUILTIN: return "builtin";
    }
    return "unknown";
}

void pr_report_free(pr_report *r)
{
    if (r == NULL)
        return;
    free(r->findings);
    pr_outliers_free(r->outliers);
    arena_free(&r->strings);
    for (size_t i = 0; i < r->npools; i++)
        pr__pool_release(r->pools[i]);
    free(r->pools);
    free(r->funcs);
    free(r->by_tt);
    free(r->by_ct);
    free(r->edges);
    free(r->keys);
    free(r->endpoints);
    free(r->func_eps);
    free(r->func_ep_at);
    free(r->requests);
    free(r->slowest);
    free(r->buckets);
    free(r->skips);
    free(r);
}
