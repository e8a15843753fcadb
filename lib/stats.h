/* stats.h - reads the pstats dict straight off the marshal stream.
 *
 * A stats view holds one file's functions as compact records: each
 * distinct function key of the file once (keys, with its hash), and per
 * function and per caller edge only the key's index among them. Strings
 * point into the input buffer, the decoder's arenas or the view's own
 * arena: valid until the next parse. The aggregator consumes views
 * directly; pr_profile copies one out.
 */
#ifndef PR_STATS_H
#define PR_STATS_H

#include "marshal.h"
#include "table.h"

/* A distinct function key of one file. */
typedef struct skey {
    pr_func_key key;
    uint64_t hash;      /* pr__key_hash */
} skey;

/* One function: pstats' (cc, nc, tt, ct) and its callers. */
typedef struct sentry {
    uint32_t key;       /* index in sview.keys */
    uint32_t ncallers;
    size_t first;       /* its callers: sview.callers[first ..] */
    int64_t cc, nc;
    double tt, ct;
} sentry;

/* One caller edge into an entry. */
typedef struct scaller {
    uint32_t key;       /* the caller: index in sview.keys */
    uint8_t count_only; /* profile.py: a call count only, tt = ct = 0 */
    int64_t nc, cc;
    double tt, ct;
} scaller;

typedef struct sview {
    skey *keys;
    size_t nkeys, capkeys;
    uint32_t *slots;    /* open addressing over keys by content */
    size_t nslots;
    uint32_t *entry_of; /* per key: its entry, for a key written twice */
    uint32_t *scratch;  /* per key: free for the view's users (endpoint.c) */
    sentry *entries;
    size_t n, cap;
    scaller *callers;
    size_t ncallers, capcallers;
    size_t skipped_keys;
    uint64_t trailing;
    arena strings;      /* key strings that would not outlive the parse */
    /* Per parse. */
    mdecoder *d;
    pr_error shape;     /* the first error in the pstats shape */
    int bad;
} sview;

void sview_init(sview *v);
void sview_free(sview *v);

/* Decodes buf with d and validates the pstats shape into v (reused).
 * Errors are those of decoding the whole object first and checking its
 * shape after: a broken marshal stream anywhere wins over a wrong shape
 * before it. */
pr_status sview_parse(sview *v, mdecoder *d, const void *buf, size_t len,
                      pr_error *err);

static inline const pr_func_key *sview_key(const sview *v, uint32_t key)
{
    return &v->keys[key].key;
}

#endif
