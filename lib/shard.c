/* shard.c - the shard: functions, endpoint tables per time bucket,
 * requests and skips, as one worker (or a loaded state, or the whole
 * aggregate) holds them. Its primitives are shared by aggregate.c and
 * state.c, which need nothing else of each other's. */
#include "agg.h"
#include "grow.h"

#include <stdlib.h>
#include <string.h>

void pr__shard_init(shard *s)
{
    memset(s, 0, sizeof *s);
    functab_init(&s->funcs);
    functab_init(&s->group_keys);
}

arena *pr__shard_strings(shard *s)
{
    if (s->npools == 0) {
        pr__pool **v = malloc(sizeof *v);
        pr__pool *p = malloc(sizeof *p);
        if (v == NULL || p == NULL) {
            free(v);
            free(p);
            return NULL;
        }
        arena_init(&p->a);
        atomic_init(&p->refs, 1);
        v[0] = p;
        s->pools = v;
        s->npools = 1;
    }
    return &s->pools[s->npools - 1]->a;
}

pr__pool *pr__pool_retain(pr__pool *p)
{
    atomic_fetch_add(&p->refs, 1);
    return p;
}

void pr__pool_release(pr__pool *p)
{
    if (p != NULL && atomic_fetch_sub(&p->refs, 1) == 1) {
        arena_free(&p->a);
        free(p);
    }
}

void pr__shard_free(shard *s)
{
    functab_free(&s->funcs);
    functab_free(&s->group_keys);
    for (size_t i = 0; i < s->ncells; i++)
        ftable_free(&s->cells[i].t);
    free(s->cells);
    u64map_free(&s->cellmap);
    for (size_t i = 0; i < s->nreq; i++)
        if (!s->req[i].pooled)
            free(s->req[i].path);
    free(s->req);
    for (size_t i = 0; i < s->npools; i++)
        pr__pool_release(s->pools[i]);
    free(s->pools);
    for (size_t i = 0; i < s->nskips; i++)
        free(s->skips[i].path);
    free(s->skips);
    memset(s, 0, sizeof *s);
}

pr_status pr__add_request(shard *s, const request *r)
{
    if (s->nreq == s->capreq) {
        size_t cap = s->capreq ? s->capreq * 2 : 256;
        request *v = realloc(s->req, cap * sizeof *v);
        if (v == NULL)
            return PR_ERR_NOMEM;
        s->req = v;
        s->capreq = cap;
    }
    s->req[s->nreq++] = *r;
    return PR_OK;
}

/* Cells are found by a hash of (group, bucket) in full, probing past
 * other cells on collision: a key packed into 64 bits would have cut the
 * bucket to 32, so buckets 2^32 apart (49.7 days at 1 ms) were one. */
static uint64_t cell_hash(uint32_t group, int64_t bucket)
{
    uint64_t k[2] = {group, (uint64_t)bucket};
    return pr__hash(k, sizeof k, 0x63656c6c) >> 1; /* never UINT64_MAX */
}

/* Index of the cell (group, bucket), or of the free slot where it would
 * go (*slot). */
static uint32_t cell_find(const shard *s, uint32_t group, int64_t bucket,
                          uint64_t *slot)
{
    const uint64_t mask = ~(uint64_t)0 >> 1;
    for (uint64_t probe = cell_hash(group, bucket);; probe = (probe + 1) & mask) {
        uint32_t i = u64map_find(&s->cellmap, probe);
        if (i == UINT32_MAX || (s->cells[i].group == group &&
                                s->cells[i].bucket == bucket)) {
            *slot = probe;
            return i;
        }
    }
}

pr_status pr__cell_reindex(shard *s)
{
    u64map_free(&s->cellmap);
    for (size_t i = 0; i < s->ncells; i++) {
        uint64_t slot;
        cell_find(s, s->cells[i].group, s->cells[i].bucket, &slot);
        if (u64map_get(&s->cellmap, slot, 1, (uint32_t)i, NULL) == UINT32_MAX)
            return PR_ERR_NOMEM;
    }
    return PR_OK;
}

ftable *pr__cell(shard *s, uint32_t group, int64_t bucket)
{
    if (s->ncells == s->capcells) {
        size_t cap = s->capcells ? s->capcells * 2 : 16;
        cell *v = realloc(s->cells, cap * sizeof *v);
        if (v == NULL)
            return NULL;
        s->cells = v;
        s->capcells = cap;
    }
    uint64_t slot;
    uint32_t i = cell_find(s, group, bucket, &slot);
    if (i != UINT32_MAX)
        return &s->cells[i].t;
    i = (uint32_t)s->ncells;
    if (u64map_get(&s->cellmap, slot, 1, i, NULL) == UINT32_MAX)
        return NULL;
    cell *c = &s->cells[s->ncells++];
    memset(c, 0, sizeof *c);
    c->group = group;
    c->bucket = bucket;
    return &c->t;
}

pr_status pr__shard_merge(shard *dst, shard *src)
{
    pr_status st = PR_OK;
    size_t nf = src->funcs.n, ng = src->group_keys.n;
    uint32_t *remap = malloc((nf ? nf : 1) * sizeof *remap);
    uint32_t *gmap = malloc((ng ? ng : 1) * sizeof *gmap);
    if (remap == NULL || gmap == NULL) {
        free(remap);
        free(gmap);
        return PR_ERR_NOMEM;
    }
    for (size_t i = 0; i < nf && st == PR_OK; i++)
        if ((remap[i] = functab_intern(&dst->funcs, &src->funcs.keys[i])) ==
            UINT32_MAX)
            st = PR_ERR_NOMEM;
    for (size_t g = 0; g < ng && st == PR_OK; g++)
        if ((gmap[g] = functab_intern(&dst->group_keys,
                                      &src->group_keys.keys[g])) == UINT32_MAX)
            st = PR_ERR_NOMEM;
    for (size_t c = 0; c < src->ncells && st == PR_OK; c++) {
        const cell *sc = &src->cells[c];
        ftable *t = pr__cell(dst, gmap[sc->group], sc->bucket);
        st = t == NULL ? PR_ERR_NOMEM : ftable_merge(t, &sc->t, remap);
    }
    free(remap);
    dst->filtered += src->filtered;
    src->filtered = 0;
    dst->known += src->known;
    src->known = 0;
    /* String pools first, so that no request moves without its pool. */
    if (st == PR_OK && src->npools > 0) {
        pr__pool **v = realloc(dst->pools,
                               (dst->npools + src->npools) * sizeof *v);
        if (v == NULL) {
            st = PR_ERR_NOMEM;
        } else {
            /* dst's newest pool stays last: it is the one that grows */
            memmove(v + src->npools, v, dst->npools * sizeof *v);
            memcpy(v, src->pools, src->npools * sizeof *v);
            dst->pools = v;
            dst->npools += src->npools;
            free(src->pools);
            src->pools = NULL;
            src->npools = 0;
        }
    }
    /* Requests and skips move over; their strings change owner. */
    for (size_t i = 0; i < src->nreq && st == PR_OK; i++) {
        request r = src->req[i];
        r.group = gmap[r.group];
        if ((st = pr__add_request(dst, &r)) != PR_OK)
            break;
        src->req[i].path = NULL;
    }
    free(gmap);
    if (st != PR_OK)
        return st;
    src->nreq = 0;
    for (size_t i = 0; i < src->nskips; i++) {
        if (dst->nskips == dst->capskips) {
            size_t cap = dst->capskips ? dst->capskips * 2 : 16;
            skip *v = realloc(dst->skips, cap * sizeof *v);
            if (v == NULL)
                return PR_ERR_NOMEM;
            dst->skips = v;
            dst->capskips = cap;
        }
        dst->skips[dst->nskips++] = src->skips[i];
        src->skips[i].path = NULL;
    }
    src->nskips = 0;
    return PR_OK;
}
int pr__request_strings(request *r, pr_str path, pr_str method, pr_str url)
{
    char *b = malloc(path.len + method.len + url.len + 3);
    if (b == NULL)
        return -1;
    char *m = b + path.len + 1, *u = m + method.len + 1;
    memcpy(b, path.ptr, path.len);
    b[path.len] = '\0';
    if (method.len > 0)
        memcpy(m, method.ptr, method.len);
    m[method.len] = '\0';
    if (url.len > 0)
        memcpy(u, url.ptr, url.len);
    u[url.len] = '\0';
    r->path = b;
    r->method = m;
    r->url = u;
    return 0;
}
