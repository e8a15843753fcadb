/* known.c - the files an aggregate has counted, as an incremental run
 * asks about them: by where they are (the hash of the canonical path),
 * then by size and mtime (what a stat says) or, for trusted requests, by
 * inode (what a directory listing says, without a stat).
 *
 * One open-addressing table from `where` to the newest request at that
 * path, the others at the same path chained behind it: 12 bytes a slot
 * and 4 a request, sized once for all the requests of a state. */
#include "agg.h"
#include "known.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define END UINT32_MAX

void pr__known_init(pr__known *k, shard *m)
{
    memset(k, 0, sizeof *k);
    k->m = m;
    pthread_mutex_init(&k->lock, NULL);
}

void pr__known_free(pr__known *k)
{
    free(k->slots);
    free(k->next);
    pthread_mutex_destroy(&k->lock);
    memset(k, 0, sizeof *k);
}

/* After the request pr__known_trusted found last, in this thread (a
 * guess, checked against the table's size before use). */
static _Thread_local size_t hint;

/* The key a request is found by: its where, or for requests of version
 * 1 states (where unknown) the hash of the path as given. */
static uint64_t key_of(const request *q)
{
    return q->where ? q->where : pr__path_hash(q->path);
}

static size_t slot_of(const pr__known *k, uint64_t key)
{
    size_t mask = k->cap - 1;
    size_t s = (size_t)((key * 0x9e3779b97f4a7c15ULL) >> 20) & mask;
    while (k->slots[s].key != 0 && k->slots[s].key != key)
        s = (s + 1) & mask;
    return s;
}

static int grow(pr__known *k, size_t want)
{
    size_t cap = k->cap ? k->cap : 1024;
    while (cap / 2 < want)
        cap *= 2;
    if (cap == k->cap)
        return 0;
    pr__known old = *k;
    k->slots = calloc(cap, sizeof *k->slots);
    if (k->slots == NULL) {
        k->slots = old.slots;
        return -1;
    }
    k->cap = cap;
    for (size_t i = 0; i < old.cap; i++)
        if (old.slots[i].key != 0)
            k->slots[slot_of(k, old.slots[i].key)] = old.slots[i];
    free(old.slots);
    return 0;
}

pr_status pr__known_update(pr__known *k)
{
    size_t n = k->m->nreq;
    if (n <= k->done)
        return PR_OK;
    if (n >= END)
        return PR_ERR_TOO_BIG;
    uint32_t *next = realloc(k->next, n * sizeof *next);
    if (next == NULL)
        return PR_ERR_NOMEM;
    k->next = next;
    if (grow(k, n) != 0)
        return PR_ERR_NOMEM;
    for (; k->done < n; k->done++) {
        uint64_t key = key_of(&k->m->req[k->done]);
        size_t s = slot_of(k, key);
        next[k->done] = k->slots[s].key != 0 ? k->slots[s].req : END;
        k->slots[s].key = key;
        k->slots[s].req = (uint32_t)k->done;
    }
    return PR_OK;
}

/* The first request at key (END: none); the others follow in next. */
static uint32_t first(const pr__known *k, uint64_t key)
{
    if (k->cap == 0)
        return END;
    size_t s = slot_of(k, key);
    return k->slots[s].key == key ? k->slots[s].req : END;
}

int pr__known_trusted(void *ctx, const char *canon, uint64_t ino)
{
    const pr__known *k = ctx;
    if (ino == 0)
        return 0;
    uint64_t where = pr__path_hash(canon);
    /* A walk meets the files of a directory in the order the state's
     * requests have them (both sorted by name): the next few requests
     * after the last one found are tried first, read in sequence,
     * before the table (a cache miss or two a lookup). */
    for (size_t j = hint; j < k->done && j < hint + 8; j++) {
        const request *q = &k->m->req[j];
        if (q->where == where && q->trusted && q->ino == ino) {
            hint = j + 1;
            return 1;
        }
    }
    for (uint32_t i = first(k, where); i != END; i = k->next[i]) {
        const request *q = &k->m->req[i];
        if (q->trusted && q->ino == ino && q->where == where) {
            hint = (size_t)i + 1;
            return 1;
        }
    }
    return 0;
}

/* The request at key with this size and mtime, or END. */
static uint32_t find(const pr__known *k, uint64_t key, uint64_t size,
                     int64_t mtime_ns)
{
    for (uint32_t i = first(k, key); i != END; i = k->next[i]) {
        const request *q = &k->m->req[i];
        if (q->size == size && q->mtime_ns == mtime_ns)
            return i;
    }
    return END;
}

int pr__known_has(void *ctx, const char *path, const char *canon,
                  uint64_t size, int64_t mtime_ns, uint64_t ino)
{
    pr__known *k = ctx;
    if (k->done == 0)
        return 0;
    uint64_t where = canon != NULL ? pr__path_hash(canon) : pr__where(path);
    pthread_mutex_lock(&k->lock);
    uint32_t i = find(k, where, size, mtime_ns);
    if (i == END)
        i = find(k, pr__path_hash(path), size, mtime_ns);
    if (i != END) {
        request *q = &k->m->req[i];
        if (q->where == 0) /* a version 1 state's, found by its path */
            q->where = where;
        if (ino != 0 && q->where == where) {
            q->ino = ino;
            q->checked = 1;
        }
    }
    pthread_mutex_unlock(&k->lock);
    return i != END;
}
