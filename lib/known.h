/* known.h - the files an aggregate has counted (known.c), for the walk
 * of an incremental run. */
#ifndef PR_KNOWN_H
#define PR_KNOWN_H

#include "agg.h"

typedef struct pr__known_slot {
    uint64_t key;   /* where; 0: empty */
    uint32_t req;   /* newest request there; older ones in next[] */
} pr__known_slot;

typedef struct pr__known {
    shard *m;
    size_t done;    /* m->req[0..done) are indexed */
    pr__known_slot *slots;
    size_t cap;     /* a power of two, at least twice done */
    uint32_t *next; /* per request: the next one at the same key */
    pthread_mutex_t lock; /* pr__known_has marks requests: two walking
                             threads may find the same one */
} pr__known;

void pr__known_init(pr__known *k, shard *m);
void pr__known_free(pr__known *k);
/* Indexes the requests added to m since the last call. */
pr_status pr__known_update(pr__known *k);
/* src_filter.trusted: a trusted request has this canonical path and
 * inode. Both may be called from several threads at once. */
int pr__known_trusted(void *ctx, const char *canon, uint64_t ino);
/* src_filter.known: a request has this canonical path (canon, or path
 * resolved; or path as given, for version 1 states), size and mtime. A
 * request found is marked checked, with the file's inode (ino 0: not
 * known), and given its where if it had none. */
int pr__known_has(void *ctx, const char *path, const char *canon,
                  uint64_t size, int64_t mtime_ns, uint64_t ino);

#endif
