/* aggregate.c - read many profiles in parallel and merge them like
 * pstats.Stats(*files) does. Memory grows with distinct functions and
 * edges; per file only a small request record is kept. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* realpath */
#include "sort.h"
#include "agg.h"
#include "known.h"
#include "endpoint.h"
#include "grow.h"
#include "input.h"
#include "source.h"
#include "stats.h"
#include "status.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { MAX_THREADS = 64 };
#define DEFAULT_MAX_FILE (1ULL << 30)
/* File buffers of all threads together: two files at the largest, so the
 * number of CPUs does not multiply what a hostile input can take. */
#define DEFAULT_BUDGET (4ULL << 30)

static pr_status add_skip(shard *s, const char *path, size_t order,
                          size_t sub, const pr_error *err)
{
    skip *v = pr__grow(s->skips, &s->capskips, s->nskips, sizeof *v, 16);
    if (v == NULL)
        return PR_ERR_NOMEM;
    s->skips = v;
    char *p = strdup(path);
    if (p == NULL)
        return PR_ERR_NOMEM;
    skip *k = &s->skips[s->nskips++];
    k->path = p;
    k->order = order;
    k->sub = sub;
    k->err = *err;
    return PR_OK;
}

/* The table of endpoint `key` in time bucket `bucket`; *id is the
 * endpoint's id. */
static ftable *group_for(shard *s, const pr_func_key *key, int64_t bucket,
                         uint32_t *id)
{
    uint32_t g = functab_intern(&s->group_keys, key);
    if (g == UINT32_MAX)
        return NULL;
    *id = g;
    return pr__cell(s, g, bucket);
}

static int ends_with(pr_str s, const char *suffix)
{
    size_t n = strlen(suffix);
    return s.len >= n && memcmp(s.ptr + s.len - n, suffix, n) == 0;
}

/* werkzeug's ProfilerMiddleware roots each request at its `runapp`
 * closure (pstats-format.md 4.1); its cumtime is the profiled time. */
static int is_request_root(const sview *v, const sentry *e)
{
    const pr_func_key *k = sview_key(v, e->key);
    return e->ncallers == 0 && k->name.len == 6 &&
           memcmp(k->name.ptr, "runapp", 6) == 0 &&
           ends_with(k->file, "profiler.py");
}

/* The profiled time of a request: its root's cumtime, else (no werkzeug
 * root) pstats' total, the sum of tottime. */
static void profiled_time(const sview *v, request *r)
{
    double root_ct = -1;
    r->total_tt = 0;
    for (size_t i = 0; i < v->n; i++) {
        r->total_tt = pr__fsat_add(r->total_tt, v->entries[i].tt);
        if (root_ct < 0 && is_request_root(v, &v->entries[i]))
            root_ct = v->entries[i].ct;
    }
    r->profiled_s = root_ct >= 0 ? root_ct : r->total_tt;
}

/* The shard's id of the view's key k: looked up once per file. */
static uint32_t fid_of(shard *s, sview *v, uint32_t k)
{
    uint32_t *fid = &v->scratch[k];
    if (*fid == UINT32_MAX)
        *fid = functab_intern_h(&s->funcs, &v->keys[k].key, v->keys[k].hash);
    return *fid;
}

/* Interns every key the view's entries and callers use (v->scratch),
 * so that the view no longer needs the bytes its key strings point
 * into. */
static pr_status intern_view(shard *s, sview *v)
{
    memset(v->scratch, 0xff, v->nkeys * sizeof *v->scratch);
    for (size_t i = 0; i < v->n; i++) {
        const sentry *e = &v->entries[i];
        if (fid_of(s, v, e->key) == UINT32_MAX)
            return PR_ERR_NOMEM;
        for (size_t j = 0; j < e->ncallers; j++)
            if (fid_of(s, v, v->callers[e->first + j].key) == UINT32_MAX)
                return PR_ERR_NOMEM;
    }
    return PR_OK;
}

/* Adds one parsed profile to an endpoint's function and edge tables;
 * interned says intern_view has run. */
static pr_status add_view(shard *s, ftable *t, sview *v, int interned)
{
    pr_status st;
    if (!interned)
        memset(v->scratch, 0xff, v->nkeys * sizeof *v->scratch);
    for (size_t i = 0; i < v->n; i++) {
        const sentry *e = &v->entries[i];
        uint32_t fid = fid_of(s, v, e->key);
        if (fid == UINT32_MAX)
            return PR_ERR_NOMEM;
        if ((st = ftable_add_func(t, fid, e->cc, e->nc, e->tt, e->ct)))
            return st;
        for (size_t j = 0; j < e->ncallers; j++) {
            const scaller *c = &v->callers[e->first + j];
            uint32_t cid = fid_of(s, v, c->key);
            if (cid == UINT32_MAX)
                return PR_ERR_NOMEM;
            if ((st = ftable_add_edge(t, cid, fid, c->nc, c->cc, c->tt, c->ct,
                                      c->count_only)))
                return st;
        }
    }
    return PR_OK;
}

/* Shared progress counters; worker 0 (the calling thread) reports. */
typedef struct progress {
    atomic_size_t files;
    atomic_uint_fast64_t bytes;
    size_t total;
    uint64_t total_bytes;
    struct timespec last;
} progress;

/* Per-thread scratch, reused for every file the thread reads. */
typedef struct worker {
    progress *prog;
    pr_agg *agg;
    const src_list *list;
    size_t first, step, base_order;
    shard out;
    mdecoder dec;
    sview view;
    rbuf raw, unz;
    char label[8192];  /* endpoint label scratch */
    pr_status status; /* PR_ERR_NOMEM stops the worker */
} worker;

/* Endpoint key for a request: the view function when Flask dispatched to
 * one (and grouping by endpoint), else method + URL pattern. */
static pr_func_key endpoint_key(worker *w, sview *v,
                                const pr_name_fields *nf)
{
    pr_func_key k;
    const pr_func_key *view = NULL;
    if (w->agg->opts.group_by == PR_GROUP_ENDPOINT)
        view = ep_find_view(v);
    if (view != NULL)
        return *view;
    size_t n;
    if (nf->has_path) {
        n = (size_t)snprintf(w->label, sizeof w->label, "%.*s ",
                             nf->has_method ? (int)nf->method.len : 1,
                             nf->has_method ? nf->method.ptr : "?");
        if (n >= sizeof w->label)
            n = sizeof w->label - 1;
        n += ep_normalize_path(nf->path, w->label + n, sizeof w->label - n);
    } else {
        n = (size_t)snprintf(w->label, sizeof w->label, "(name not parsed)");
    }
    k.file.ptr = "";
    k.file.len = 0;
    k.line = -1;
    k.name.ptr = w->label;
    k.name.len = n;
    return k;
}

static int glob_match(const char *glob, const char *s, size_t n)
{
    char buf[8192];
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return fnmatch(glob, buf, 0) == 0;
}

/* Whether the request passes the --method/--path/--min-ms and time-window
 * filters (--endpoint applies to whole endpoints, when reporting). */
static int keep(const pr_agg_options *o, const request *r,
                const pr_name_fields *nf)
{
    if (o->method != NULL &&
        (!nf->has_method || strlen(o->method) != nf->method.len ||
         strncasecmp(o->method, nf->method.ptr, nf->method.len) != 0))
        return 0;
    if (o->path_glob != NULL &&
        (!nf->has_path || !glob_match(o->path_glob, nf->path.ptr, nf->path.len)))
        return 0;
    if (o->min_ms > 0 && r->wall_ms < o->min_ms)
        return 0;
    if (o->since > 0 && r->time < o->since)
        return 0;
    if (o->until > 0 && r->time >= o->until)
        return 0;
    return 1;
}

uint64_t pr__request_fp(const char *name, const void *data, size_t len)
{
    const char *b = strrchr(name, '/');
    b = b ? b + 1 : name;
    size_t n = strlen(b);
    if (n > 3 && strcmp(b + n - 3, ".gz") == 0)
        n -= 3;
    return pr__hash(data, len, pr__hash(b, n, 0x66696c65)) | 1;
}

uint64_t pr__path_hash(const char *path)
{
    return pr__hash(path, strlen(path), 0x77686572) | 1;
}

uint64_t pr__where(const char *path)
{
    char *real = realpath(path, NULL);
    uint64_t h = pr__path_hash(real != NULL ? real : path);
    free(real);
    return h;
}

/* Whether a request with fingerprint fp was counted already; if not, it
 * is now. Shared by the worker threads. */
static int seen_before(pr_agg *agg, uint64_t fp, int *nomem)
{
    pthread_mutex_lock(&agg->fp_lock);
    int added = 0;
    uint32_t r = u64map_get(&agg->fps, fp >> 1, 1, 0, &added);
    pthread_mutex_unlock(&agg->fp_lock);
    *nomem = r == UINT32_MAX;
    return !added;
}

/* `name` is what the report shows; `base` is the file's own name, which
 * method, path, duration and time are read from (an archive entry's name,
 * not the archive's). */
/* A profile at least this big gives its buffers back before its
 * tables are built: the file and the tables need not fit at once. */
#define RELEASE_EARLY (16u << 20)

static pr_status process(worker *w, const char *name, const char *base,
                         size_t order, size_t sub, const unsigned char *data,
                         size_t len, const src_stat *sst)
{
    pr_error err;
    const pr__reader *rd = pr__profile_reader_for(data, len);
    pr_status st = rd->parse(&w->view, &w->dec, data, len, &err);
    if (st == PR_OK && w->view.n == 0)
        st = pr__fail(&err, PR_ERR_NOT_STATS, 0,
                      "no functions in the stats dict (pstats refuses it)");
    if (st == PR_ERR_NOMEM)
        return st;
    if (st != PR_OK)
        return add_skip(&w->out, name, order, sub, &err);
    request r;
    memset(&r, 0, sizeof r);
    r.order = pr__order32(order);
    r.sub = sub;
    r.size = sst->size;
    r.mtime_ns = sst->mtime_ns;
    profiled_time(&w->view, &r);
    pr_name_fields nf;
    r.wall_source = pr__name_parse_witness(w->agg->names, base,
                                           r.profiled_s * 1000.0, &nf);
    r.named = r.wall_source != PR__WALL_UNNAMED;
    /* A duration in a name beyond any real one (over a century of wall
     * time) is not believed, nor a time after the year 9999. */
    if (r.wall_source == PR__WALL_NAME &&
        !(nf.elapsed_ms >= 0 && nf.elapsed_ms <= 3.2e12))
        r.wall_source = PR__WALL_REJECTED;
    r.wall_ms = r.wall_source == PR__WALL_NAME ? nf.elapsed_ms
                                               : r.profiled_s * 1000.0;
    r.time = nf.has_time && pr__time_ok(nf.time)
                 ? nf.time : pr__time_clamp(sst->mtime_s);
    pr_func_key ep = endpoint_key(w, &w->view, &nf);
    if (!keep(&w->agg->opts, &r, &nf)) {
        w->out.filtered++;
        return PR_OK;
    }
    if (w->agg->opts.skip_known) {
        /* In a state, a request is counted once whatever it is called. */
        int nomem;
        r.fp = pr__request_fp(base, data, len);
        if (seen_before(w->agg, r.fp, &nomem)) {
            w->out.known++;
            return PR_OK;
        }
        if (nomem)
            return PR_ERR_NOMEM;
        if (sub == 0) {
            r.where = pr__where(name);
            r.ino = sst->ino;
            r.checked = 1;
        }
    }
    int64_t bucket = pr__bucket_of(r.time, w->agg->bucket_s);
    ftable *t = group_for(&w->out, &ep, bucket, &r.group);
    if (t == NULL)
        return PR_ERR_NOMEM;
    /* A big file's bytes go before its tables grow (a 127 MB profile:
     * 400 -> 280 MB at the peak); an archive entry's stay with the
     * archive. The view's keys point into them until interned. */
    int early = sub == 0 && len >= RELEASE_EARLY;
    if (early) {
        if ((st = intern_view(&w->out, &w->view)) != PR_OK)
            return st;
        rbuf_free(&w->raw); /* data is not read past this point */
        rbuf_free(&w->unz);
    }
    if ((st = add_view(&w->out, t, &w->view, early)) != PR_OK)
        return st;
    pr_str path = {name, strlen(name)};
    pr_str method = {nf.method.ptr, nf.has_method ? nf.method.len : 0};
    pr_str url = {nf.path.ptr, nf.has_path ? nf.path.len : 0};
    if (pr__request_strings(&r, path, method, url) != 0)
        return PR_ERR_NOMEM;
    if ((st = pr__add_request(&w->out, &r)) != PR_OK) {
        free(r.path);
        return st;
    }
    return PR_OK;
}

/* One archive entry: named "ARCHIVE:ENTRY", processed like a file. */
typedef struct entry_ctx {
    worker *w;
    const src_file *f;
    size_t order;
    src_stat sst;
    char *name;
    size_t cap;
} entry_ctx;

static pr_status on_entry(void *p, const char *entry, size_t index,
                          const unsigned char *data, size_t len,
                          const pr_error *err)
{
    entry_ctx *c = p;
    size_t need = strlen(c->f->path) + strlen(entry) + 2;
    if (need > c->cap) {
        char *n = realloc(c->name, need);
        if (n == NULL)
            return PR_ERR_NOMEM;
        c->name = n;
        c->cap = need;
    }
    snprintf(c->name, need, "%s:%s", c->f->path, entry);
    if (err != NULL)
        return add_skip(&c->w->out, c->name, c->order, index + 1, err);
    src_stat sst = {len, c->sst.mtime_ns, c->sst.mtime_s, 0};
    return process(c->w, c->name, entry, c->order, index + 1, data, len,
                   &sst);
}

static pr_status process_archive(worker *w, const src_file *f, size_t order)
{
    entry_ctx c = {w, f, order, {0, 0, 0, 0}, NULL, 0};
    pr_error err;
    pr_status st = src_archive(f->path, w->agg->opts.max_file_size, &w->raw,
                               &w->unz, on_entry, &c, &err);
    free(c.name);
    if (st == PR_ERR_NOMEM)
        return st;
    if (st != PR_OK) /* entries read so far count; the archive is reported */
        return add_skip(&w->out, f->path, order, 0, &err);
    return PR_OK;
}

static void *work(void *arg)
{
    worker *w = arg;
    uint64_t max = w->agg->opts.max_file_size;
    for (size_t i = w->first; i < w->list->n; i += w->step) {
        const src_file *f = &w->list->v[i];
        size_t order = w->base_order + i;
        pr_status st;
        if (f->failed) {
            st = add_skip(&w->out, f->path, order, 0, &f->err);
        } else if (f->archive) {
            st = process_archive(w, f, order);
        } else {
            const unsigned char *data;
            size_t len;
            src_stat sst;
            pr_error err;
            st = src_load(f->path, max, &w->raw, &w->unz, &data, &len, &sst,
                          &err);
            if (st == PR_OK)
                st = process(w, f->path, f->path, order, 0, data, len, &sst);
            else if (st != PR_ERR_NOMEM)
                st = add_skip(&w->out, f->path, order, 0, &err);
        }
        rbuf_trim(&w->raw);
        rbuf_trim(&w->unz);
        if (st != PR_OK) {
            w->status = st;
            break;
        }
        progress *pg = w->prog;
        atomic_fetch_add(&pg->files, 1);
        atomic_fetch_add(&pg->bytes, f->size);
        if (w->first == 0 && w->agg->opts.on_progress != NULL) {
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            double dt = (double)(now.tv_sec - pg->last.tv_sec) +
                        (double)(now.tv_nsec - pg->last.tv_nsec) / 1e9;
            if (dt >= 0.1) {
                pg->last = now;
                w->agg->opts.on_progress(w->agg->opts.progress_ctx,
                                         atomic_load(&pg->files), pg->total,
                                         atomic_load(&pg->bytes),
                                         pg->total_bytes);
            }
        }
    }
    return NULL;
}

static int shard_empty(const shard *s)
{
    return s->funcs.n == 0 && s->group_keys.n == 0 && s->ncells == 0 &&
           s->nreq == 0 && s->nskips == 0 && s->filtered == 0 &&
           s->known == 0;
}

static int cmp_pos(size_t o1, size_t s1, size_t o2, size_t s2)
{
    if (o1 != o2)
        return (o1 > o2) - (o1 < o2);
    return (s1 > s2) - (s1 < s2);
}

static int cmp_req(const void *a, const void *b)
{
    const request *x = a, *y = b;
    return cmp_pos(x->order, x->sub, y->order, y->sub);
}

static int cmp_skip(const void *a, const void *b)
{
    const skip *x = a, *y = b;
    return cmp_pos(x->order, x->sub, y->order, y->sub);
}

/* Requests in input order. Those of a state come first and in order
 * already, and a run adds a few after them. */
static void sort_requests(shard *m)
{
    pr__sort_mostly_sorted(m->req, m->nreq, sizeof *m->req, cmp_req);
}

/* ---- public API ------------------------------------------------------ */

pr_status pr_agg_new(const pr_agg_options *opts, pr_agg **out)
{
    if (out == NULL)
        return PR_ERR_USAGE;
    *out = NULL;
    pr_agg *a = calloc(1, sizeof *a);
    if (a == NULL)
        return PR_ERR_NOMEM;
    if (opts != NULL)
        a->opts = *opts;
    if (a->opts.max_file_size == 0)
        a->opts.max_file_size = DEFAULT_MAX_FILE;
    atomic_init(&a->budget.used, 0);
    a->budget.limit = a->opts.memory_budget ? a->opts.memory_budget
                                            : DEFAULT_BUDGET;
    /* One file at its largest, raw and decompressed, always fits. */
    if (a->budget.limit < 2 * a->opts.max_file_size + (128u << 10))
        a->budget.limit = 2 * a->opts.max_file_size + (128u << 10);
    if (a->opts.threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        a->opts.threads = n > 0 ? (int)n : 1;
    }
    if (a->opts.threads > MAX_THREADS)
        a->opts.threads = MAX_THREADS;
    pr__shard_init(&a->main);
    pthread_mutex_init(&a->fp_lock, NULL);
    a->bucket_s = a->opts.bucket_s > 0 ? a->opts.bucket_s : 0;
    a->names = a->opts.names;
    if (a->names == NULL) {
        pr_name_format *f;
        if (pr_name_format_compile(NULL, &f, NULL) != PR_OK) {
            pr_agg_free(a);
            return PR_ERR_NOMEM;
        }
        a->names = a->own_names = f;
    }
    *out = a;
    return PR_OK;
}

void pr_agg_compact(pr_agg *agg)
{
    if (agg == NULL)
        return;
    functab_drop_index(&agg->main.funcs);
    for (size_t i = 0; i < agg->main.ncells; i++)
        ftable_drop_index(&agg->main.cells[i].t);
}

void pr_agg_free(pr_agg *agg)
{
    if (agg == NULL)
        return;
    pr_name_format_free(agg->own_names);
    pr__shard_free(&agg->main);
    u64map_free(&agg->fps);
    pthread_mutex_destroy(&agg->fp_lock);
    free(agg);
}

/* Reads the listed files; then reports the skips from index first_skip
 * on (earlier ones were reported by earlier calls). */
static pr_status run_list(pr_agg *agg, const src_list *list, size_t first_skip)
{
    size_t nthreads = (size_t)agg->opts.threads;
    if (nthreads > list->n)
        nthreads = list->n ? list->n : 1;
    worker *ws = calloc(nthreads, sizeof *ws);
    if (ws == NULL)
        return PR_ERR_NOMEM;
    pthread_t tids[MAX_THREADS];
    size_t started = 0;
    pr_status st = PR_OK;
    size_t old_skips = first_skip;
    progress prog;
    atomic_init(&prog.files, 0);
    atomic_init(&prog.bytes, 0);
    prog.total = list->n;
    prog.total_bytes = 0;
    for (size_t i = 0; i < list->n; i++)
        prog.total_bytes += list->v[i].size;
    clock_gettime(CLOCK_MONOTONIC, &prog.last);
    for (size_t i = 0; i < nthreads; i++) {
        worker *w = &ws[i];
        w->agg = agg;
        w->list = list;
        w->first = i;
        w->step = nthreads;
        w->base_order = agg->inputs;
        w->prog = &prog;
        w->raw.budget = w->unz.budget = &agg->budget;
        pr__shard_init(&w->out);
        mdecoder_init(&w->dec);
        sview_init(&w->view);
    }
    /* The calling thread is worker 0; the others get threads. */
    for (size_t i = 1; i < nthreads; i++) {
        if (pthread_create(&tids[i], NULL, work, &ws[i]) != 0)
            break;
        started = i;
    }
    work(&ws[0]);
    for (size_t i = 1; i <= started; i++)
        pthread_join(tids[i], NULL);
    if (agg->opts.on_progress != NULL)
        agg->opts.on_progress(agg->opts.progress_ctx, list->n, list->n,
                              prog.total_bytes, prog.total_bytes);
    /* Threads that could not start: do their share here. */
    for (size_t i = started + 1; i < nthreads; i++)
        work(&ws[i]);
    for (size_t i = 0; i < nthreads; i++) {
        /* The buffers of a big profile go before its tables are merged. */
        mdecoder_free(&ws[i].dec);
        sview_free(&ws[i].view);
        rbuf_free(&ws[i].raw);
        rbuf_free(&ws[i].unz);
        if (st == PR_OK)
            st = ws[i].status;
        if (st == PR_OK && shard_empty(&agg->main)) {
            /* Merging into nothing gives the worker's shard as it is
             * (ids in the same order; its sums began at 0 too): take it
             * rather than hold two copies of its tables. */
            shard t = agg->main;
            agg->main = ws[i].out;
            ws[i].out = t;
        } else if (st == PR_OK) {
            st = pr__shard_merge(&agg->main, &ws[i].out);
        }
        pr__shard_free(&ws[i].out);
    }
    free(ws);
    agg->inputs += list->n;
    shard *m = &agg->main;
    sort_requests(m);
    pr__qsort(m->skips, m->nskips, sizeof *m->skips, cmp_skip);
    if (agg->opts.on_skip != NULL)
        for (size_t i = old_skips; i < m->nskips; i++)
            agg->opts.on_skip(agg->opts.skip_ctx, m->skips[i].path,
                              &m->skips[i].err);
    return st;
}

/* Whether an input is a state file: a regular file whose first bytes
 * say so. Opened without blocking, so a FIFO cannot hang the run. */
static int state_file(const char *path)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct stat sb;
    char head[PR__PROBE_BYTES];
    ssize_t n = 0;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode))
        n = read(fd, head, sizeof head);
    close(fd);
    return n > 0 && pr__reader_for(head, (size_t)n)->parse == NULL;
}

/* Removes from the list the files already in the aggregate, found by
 * canonical path (so ./dir, dir// and links find them), size and mtime:
 * they are not read again. Files known under another path (a renamed
 * directory, a gzip copy, an archive) are read, and left out by their
 * fingerprint (process). The walk leaves out most of them already;
 * this finds those walked before a state input was loaded. */
static void drop_known(pr__known *k, src_list *list)
{
    size_t keep = 0;
    for (size_t i = 0; i < list->n; i++) {
        src_file *f = &list->v[i];
        if (!f->failed && !f->archive &&
            pr__known_has(k, f->path, NULL, f->size, f->mtime_ns, 0))
            free(f->path);
        else
            list->v[keep++] = *f;
    }
    list->n = keep;
}

/* The fingerprints of the requests in the aggregate, for process(). */
static pr_status known_fps(pr_agg *agg)
{
    u64map_clear(&agg->fps);
    for (size_t i = 0; i < agg->main.nreq; i++)
        if (agg->main.req[i].fp != 0 &&
            u64map_get(&agg->fps, agg->main.req[i].fp >> 1, 1, 0, NULL) ==
                UINT32_MAX)
            return PR_ERR_NOMEM;
    return PR_OK;
}

pr_status pr_agg_add_paths(pr_agg *agg, const char *const *paths, size_t n)
{
    if (agg == NULL || (paths == NULL && n > 0))
        return PR_ERR_USAGE;
    src_list list;
    memset(&list, 0, sizeof list);
    pr__known known;
    pr__known_init(&known, &agg->main);
    /* the walk may use a second thread only when the run may */
    src_filter filter = {pr__trust_after_ns(&agg->opts) < 0
                             ? NULL
                             : pr__known_trusted,
                         pr__known_has, &known, agg->opts.threads > 1};
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    agg->checked_ns = pr__ns_of((int64_t)now.tv_sec, now.tv_nsec);
    int incremental = agg->opts.skip_known;
    size_t loaded = 0; /* states loaded after files were listed */
    pr_status st = incremental ? pr__known_update(&known) : PR_OK;
    size_t first_skip = agg->main.nskips;
    for (size_t i = 0; i < n && st == PR_OK; i++) {
        if (!state_file(paths[i])) {
            st = src_walk(&list, paths + i, 1, incremental ? &filter : NULL);
            continue;
        }
        pr_error err;
        st = pr_agg_load_state(agg, paths[i], &err);
        /* A state that cannot be read is a skipped input, reported
         * with the others after the run. */
        if (st != PR_OK && st != PR_ERR_NOMEM)
            st = add_skip(&agg->main, paths[i], agg->inputs++, 0, &err);
        if (st == PR_OK && incremental) {
            loaded += list.n > 0;
            st = pr__known_update(&known);
        }
    }
    if (st == PR_OK && incremental && loaded > 0)
        drop_known(&known, &list);
    pr__known_free(&known);
    if (st == PR_OK && incremental)
        st = known_fps(agg);
    if (st == PR_OK)
        st = run_list(agg, &list, first_skip);
    src_list_free(&list);
    /* 32 MB for a state of 1,000,000 requests, not needed by a report:
     * pr_agg_add_buffer builds it again if it needs it. */
    u64map_free(&agg->fps);
    return st;
}

pr_status pr_agg_add_buffer(pr_agg *agg, const char *name, const void *buf,
                            size_t len)
{
    if (agg == NULL || name == NULL || (buf == NULL && len > 0))
        return PR_ERR_USAGE;
    worker w;
    memset(&w, 0, sizeof w);
    w.agg = agg;
    w.unz.budget = &agg->budget;
    pr__shard_init(&w.out);
    mdecoder_init(&w.dec);
    sview_init(&w.view);
    src_stat sst = {len, 0, 0, 0};
    const unsigned char *data = buf;
    pr_error err;
    pr_status st = PR_OK;
    if (len >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
        st = src_gunzip(data, len, agg->opts.max_file_size, &w.unz, &err);
        if (st == PR_OK) {
            data = w.unz.p;
            len = w.unz.len;
        } else if (st != PR_ERR_NOMEM) {
            st = add_skip(&w.out, name, agg->inputs, 0, &err);
            len = 0;
            data = NULL;
        }
    }
    if (st == PR_OK && data != NULL && agg->opts.skip_known &&
        agg->fps.n == 0 && agg->main.nreq > 0)
        st = known_fps(agg);
    if (st == PR_OK && data != NULL)
        st = process(&w, name, name, agg->inputs, 0, data, len, &sst);
    size_t old_skips = agg->main.nskips;
    if (st == PR_OK)
        st = pr__shard_merge(&agg->main, &w.out);
    agg->inputs++;
    if (st == PR_OK && agg->opts.on_skip != NULL)
        for (size_t i = old_skips; i < agg->main.nskips; i++)
            agg->opts.on_skip(agg->opts.skip_ctx, agg->main.skips[i].path,
                              &agg->main.skips[i].err);
    pr__shard_free(&w.out);
    mdecoder_free(&w.dec);
    sview_free(&w.view);
    rbuf_free(&w.unz);
    return st;
}

double pr_agg_bucket_s(const pr_agg *agg)
{
    return agg ? agg->bucket_s : 0;
}

size_t pr_agg_files_read(const pr_agg *agg)
{
    return agg ? agg->main.nreq : 0;
}

size_t pr_agg_files_skipped(const pr_agg *agg)
{
    return agg ? agg->main.nskips : 0;
}

size_t pr_agg_files_filtered(const pr_agg *agg)
{
    return agg ? agg->main.filtered : 0;
}

const char *pr_agg_skipped(const pr_agg *agg, size_t i, pr_error *err)
{
    if (agg == NULL || i >= agg->main.nskips)
        return NULL;
    if (err != NULL)
        *err = agg->main.skips[i].err;
    return agg->main.skips[i].path;
}
