/* reqtime.c - per-request own time per module or function (reqtime.h). */
#define _POSIX_C_SOURCE 200809L
#include "reqtime.h"
#include "funckey.h"
#include "escape.h"
#include "modules.h"
#include "sort.h"
#include "status.h"

#include <errno.h>

#include <stdlib.h>
#include <string.h>

typedef struct triple {
    uint32_t id;
    uint32_t req;
    double s;
} triple;

/* Names interned to ids with an open-addressing table. */
typedef struct interner {
    arena *a;
    const char **names;
    size_t n, cap;
    uint32_t *slot;   /* id + 1, 0 = empty */
    size_t nslot;
} interner;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static int grow_slots(interner *t)
{
    size_t ns = t->nslot ? t->nslot * 2 : 256;
    uint32_t *slot = calloc(ns, sizeof *slot);
    if (slot == NULL)
        return -1;
    for (size_t i = 0; i < t->n; i++) {
        size_t h = (size_t)hash_str(t->names[i]) & (ns - 1);
        while (slot[h])
            h = (h + 1) & (ns - 1);
        slot[h] = (uint32_t)i + 1;
    }
    free(t->slot);
    t->slot = slot;
    t->nslot = ns;
    return 0;
}

static uint32_t intern(interner *t, const char *s)
{
    if ((t->n + 1) * 2 > t->nslot && grow_slots(t) != 0)
        return UINT32_MAX;
    size_t h = (size_t)hash_str(s) & (t->nslot - 1);
    while (t->slot[h]) {
        uint32_t id = t->slot[h] - 1;
        if (strcmp(t->names[id], s) == 0)
            return id;
        h = (h + 1) & (t->nslot - 1);
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        const char **v = realloc(t->names, cap * sizeof *v);
        if (v == NULL)
            return UINT32_MAX;
        t->names = v;
        t->cap = cap;
    }
    char *copy = arena_strdup(t->a, s);
    if (copy == NULL)
        return UINT32_MAX;
    t->names[t->n] = copy;
    t->slot[h] = (uint32_t)t->n + 1;
    return (uint32_t)t->n++;
}

typedef struct acc {
    interner names;
    triple *v;
    size_t n, cap;
} acc;

static int add(acc *c, const char *name, uint32_t req, double s)
{
    uint32_t id = intern(&c->names, name);
    if (id == UINT32_MAX)
        return -1;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 1024;
        triple *v = realloc(c->v, cap * sizeof *v);
        if (v == NULL)
            return -1;
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n++] = (triple){id, req, s};
    return 0;
}

/* "sqlalchemy/orm/query.py" from a site-packages path, "shop/views.py"
 * under the app root, "sqlite3/__init__.py" in the standard library. */
static void short_file(const char *root, pr_str f, const char **p,
                       size_t *n)
{
    static const char *const marks[] = {"site-packages/", "dist-packages/"};
    *p = f.ptr;
    *n = f.len;
    for (size_t m = 0; m < 2; m++) {
        size_t ml = strlen(marks[m]);
        for (size_t i = f.len; i >= ml && i > 0; i--)
            if (memcmp(f.ptr + i - ml, marks[m], ml) == 0) {
                *p = f.ptr + i;
                *n = f.len - i;
                return;
            }
    }
    size_t rl = strlen(root);
    if (rl > 0 && f.len > rl && memcmp(f.ptr, root, rl) == 0) {
        *p = f.ptr + rl;
        *n = f.len - rl;
        return;
    }
    const char *lib = NULL;
    for (size_t i = 0; i + 11 <= f.len; i++)
        if (memcmp(f.ptr + i, "/lib/python", 11) == 0)
            lib = f.ptr + i + 11;
    if (lib != NULL) {
        const char *end = f.ptr + f.len;
        const char *slash = memchr(lib, '/', (size_t)(end - lib));
        if (slash != NULL) {
            *p = slash + 1;
            *n = (size_t)(end - slash - 1);
        }
    }
}

int pr__reqtimes_fname(const pr_report *r, const pr_func_key *k, char *buf,
                       size_t cap)
{
    const char *p;
    size_t n;
    if (pr__is_builtin(k))
        return snprintf(buf, cap, "%.*s", (int)k->name.len, k->name.ptr);
    short_file(r->app_root, k->file, &p, &n);
    return snprintf(buf, cap, "%.*s:%lld(%.*s)", (int)n, p,
                    (long long)k->line, (int)k->name.len, k->name.ptr);
}

typedef struct own_ctx {
    acc *c;
    uint32_t req;
} own_ctx;

static int add_own(void *ctx, const char *module, double own_s)
{
    own_ctx *o = ctx;
    return own_s > 0 ? add(o->c, module, o->req, own_s) : 0;
}

/* One request's own times into c: per module as the report attributes
 * them (pr__profile_own), per function its tottime or cumtime. */
static int add_profile(const pr_report *r, const pr_profile *pf,
                       uint32_t req, int by, acc *c)
{
    if (by == 0) {
        mod_config mc = {&r->opts, r->app_root};
        own_ctx o = {c, req};
        return pr__profile_own(&mc, pf, add_own, &o) == PR_OK ? 0 : -1;
    }
    char name[1024];
    for (size_t i = 0; i < pr_profile_count(pf); i++) {
        const pr_entry *e = pr_profile_entry(pf, i);
        double t = by == 2 ? e->ct : e->tt;
        if (!(t > 0))
            continue;
        pr__reqtimes_fname(r, &e->key, name, sizeof name);
        if (add(c, name, req, t) != 0)
            return -1;
    }
    return 0;
}

typedef struct named_id {
    const char *name;
    uint32_t id;
} named_id;

static int cmp_named_id(const void *a, const void *b)
{
    return strcmp(((const named_id *)a)->name, ((const named_id *)b)->name);
}

/* Names sorted, values into the name x request matrix; frees the
 * accumulator's arrays (not its strings, which belong to out). */
static int finish(acc *c, pr__reqtimes *out)
{
    size_t nreq = out->nreq;
    out->nnames = c->names.n;
    named_id *order = malloc((c->names.n + 1) * sizeof *order);
    uint32_t *rank = malloc((c->names.n + 1) * sizeof *rank);
    out->names = malloc((c->names.n + 1) * sizeof *out->names);
    out->s = calloc(c->names.n * nreq + 1, sizeof *out->s);
    if (order == NULL || rank == NULL || out->names == NULL ||
        out->s == NULL) {
        free(order);
        free(rank);
        return -1;
    }
    for (uint32_t i = 0; i < c->names.n; i++)
        order[i] = (named_id){c->names.names[i], i};
    pr__qsort(order, c->names.n, sizeof *order, cmp_named_id);
    for (uint32_t i = 0; i < c->names.n; i++) {
        rank[order[i].id] = i;
        out->names[i] = order[i].name;
    }
    for (size_t k = 0; k < c->n; k++)
        out->s[(size_t)rank[c->v[k].id] * nreq + c->v[k].req] += c->v[k].s;
    free(order);
    free(rank);
    free(c->v);
    free(c->names.names);
    free(c->names.slot);
    memset(c, 0, sizeof *c);
    return 0;
}

/* What an accumulator holds before finish() hands it over. */
static void acc_free(acc *c)
{
    free(c->v);
    free(c->names.names);
    free(c->names.slot);
}

pr_status pr__reqtimes_load(const pr_report *r, const size_t *idx, size_t n,
                            int by, pr__reqtimes *out)
{
    memset(out, 0, sizeof *out);
    arena_init(&out->strings);
    acc c;
    memset(&c, 0, sizeof c);
    c.names.a = &out->strings;
    const pr_request_row *rows;
    size_t nrows = pr_report_requests(r, &rows, NULL);
    uint32_t nreq = 0;
    if ((out->read = malloc((n + 1) * sizeof *out->read)) == NULL)
        goto nomem;
    for (size_t i = 0; i < n; i++) {
        if (idx[i] >= nrows)
            continue;
        pr_profile *pf;
        if (pr_profile_load(rows[idx[i]].file, &pf, NULL) != PR_OK)
            continue; /* gone, or inside an archive: left out */
        int bad = add_profile(r, pf, nreq, by, &c);
        pr_profile_free(pf);
        if (bad)
            goto nomem;
        out->read[nreq++] = idx[i];
    }
    out->nreq = nreq;
    if (finish(&c, out) != 0)
        goto nomem;
    return PR_OK;
nomem:
    acc_free(&c);
    pr__reqtimes_free(out);
    return PR_ERR_NOMEM;
}

pr_status pr__reqtimes_from(const char *const *names, const uint32_t *req,
                            const double *sec, size_t n, size_t nreq,
                            pr__reqtimes *out)
{
    memset(out, 0, sizeof *out);
    arena_init(&out->strings);
    acc c;
    memset(&c, 0, sizeof c);
    c.names.a = &out->strings;
    for (size_t i = 0; i < n; i++)
        if (req[i] < nreq && add(&c, names[i], req[i], sec[i]) != 0)
            goto nomem;
    out->nreq = nreq;
    if (finish(&c, out) != 0)
        goto nomem;
    return PR_OK;
nomem:
    acc_free(&c);
    pr__reqtimes_free(out);
    return PR_ERR_NOMEM;
}

void pr__reqtimes_free(pr__reqtimes *t)
{
    if (t == NULL)
        return;
    free(t->names);
    free(t->s);
    free(t->read);
    arena_free(&t->strings);
    memset(t, 0, sizeof *t);
}

size_t pr__reqtimes_find(const pr__reqtimes *t, const char *name)
{
    size_t lo = 0, hi = t->nnames;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(t->names[mid], name);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return SIZE_MAX;
}

/* ---- the -t request-modules table -------------------------------------- */

pr_status pr_render_request_modules(const pr_report *r, FILE *out,
                                    pr_error *err)
{
    if (r == NULL || out == NULL)
        return pr__fail(err, PR_ERR_USAGE, PR_NO_OFFSET, "NULL argument");
    const pr_request_row *rq;
    const pr_endpoint_row *eps;
    size_t nr = pr_report_requests(r, &rq, NULL);
    size_t ne = pr_report_endpoints(r, &eps);
    size_t *idx = malloc((nr + 1) * sizeof *idx);
    unsigned char *done = calloc(nr + 1, 1);
    if (idx == NULL || done == NULL) {
        free(idx);
        free(done);
        return pr__fail(err, PR_ERR_NOMEM, PR_NO_OFFSET, "out of memory");
    }
    int guard = !r->opts.csv_raw;
    fputs("file,endpoint,wall_ms,profiled_ms,module,own_ms\n", out);
    pr_status st = PR_OK;
    for (size_t e = 0; e < ne && st == PR_OK; e++) {
        size_t n = 0;
        for (size_t i = 0; i < nr; i++)
            if (rq[i].endpoint == e)
                idx[n++] = i;
        pr__reqtimes t;
        if ((st = pr__reqtimes_load(r, idx, n, 0, &t)) != PR_OK)
            break;
        for (size_t k = 0; k < t.nreq; k++) {
            const pr_request_row *q = &rq[t.read[k]];
            done[t.read[k]] = 1;
            for (size_t m = 0; m < t.nnames; m++) {
                double s = t.s[m * t.nreq + k];
                if (!(s > 0))
                    continue;
                esc_csv(out, q->file, strlen(q->file), guard);
                fputc(',', out);
                esc_csv(out, eps[e].label, strlen(eps[e].label), guard);
                fprintf(out, ",%.3f,%.3f,", q->wall_ms, q->profiled_ms);
                esc_csv(out, t.names[m], strlen(t.names[m]), guard);
                fprintf(out, ",%.6f\n", s * 1000);
            }
        }
        pr__reqtimes_free(&t);
    }
    /* requests whose files could not be read: their wall times still
     * count for the test, with no module row */
    for (size_t i = 0; i < nr && st == PR_OK; i++) {
        if (done[i] || rq[i].endpoint >= ne)
            continue;
        esc_csv(out, rq[i].file, strlen(rq[i].file), guard);
        fputc(',', out);
        const char *l = eps[rq[i].endpoint].label;
        esc_csv(out, l, strlen(l), guard);
        fprintf(out, ",%.3f,%.3f,,\n", rq[i].wall_ms, rq[i].profiled_ms);
    }
    free(idx);
    free(done);
    if (st != PR_OK)
        return pr__fail(err, st, PR_NO_OFFSET, "out of memory");
    if (fflush(out) != 0 || ferror(out))
        return pr__fail(err, PR_ERR_IO, PR_NO_OFFSET, "write failed: %s",
                        strerror(errno));
    return PR_OK;
}
