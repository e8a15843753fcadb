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

void pr__shard_free(shard *s)
{
    functab_free(&s->funcs);
    functab_free(&s->group_keys);
    for (size_t i = 0; i < s->ncells; i++)
        ftable_free(&s->cells[i].t);
    free(s->cells);
    u64map_free(&s->cellmap);
    for (size_t i = 0; i < s->nreq; i++)
        free(s->req[i].path);
    free(s->req);
    for (size_t i = 0; i < s->nskips; i++)
        free(s->skips[i].path);
    free(s->skips);
    memset(s, 0, sizeof *s);
}

pr_status pr__add_request(shard *s, const request *r)
{
    request *v = pr__grow(s->req, &s->capreq, s->nreq, sizeof *v, 256);
    if (v == NULL)
        return PR_ERR_NOMEM;
    s->req = v;
    s->req[s->nreq++] = *r;
    return PR_OK;
}

ftable *pr__cell(shard *s, uint32_t group, int64_t bucket)
{
    cell *v = pr__grow(s->cells, &s->capcells, s->ncells, sizeof *v, 16);
    if (v == NULL)
        return NULL;
    s->cells = v;
    uint64_t key = (uint64_t)group << 32 | (uint32_t)bucket;
    int added;
    uint32_t i = u64map_get(&s->cellmap, key, 1, (uint32_t)s->ncells, &added);
    if (i == UINT32_MAX)
        return NULL;
    if (added) {
        cell *c = &s->cells[s->ncells++];
        memset(c, 0, sizeof *c);
        c->group = group;
        c->bucket = bucket;
    }
    return &s->cells[i].t;
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
        skip *v = pr__grow(dst->skips, &dst->capskips, dst->nskips,
                           sizeof *v, 16);
        if (v == NULL)
            return PR_ERR_NOMEM;
        dst->skips = v;
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
