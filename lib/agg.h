/* agg.h - internal view of an aggregate, for the report builder. */
#ifndef PR_AGG_H
#define PR_AGG_H

#include "arena.h"
#include "reqname.h"
#include "source.h"

#include <pthread.h>
#include <stdatomic.h>
#include "table.h"

/* One profile file = one request. `path` owns one block holding the
 * file path, the method and the URL path, each NUL-terminated; method and
 * url point into it ("" when the file name did not say). */
typedef struct request {
    char *path;
    const char *method;
    const char *url;
    uint64_t size;
    int64_t mtime_ns;
    double profiled_s;  /* the request root's cumtime, else sum of tottime */
    double total_tt;    /* pstats' total: sum of tottime */
    double wall_ms;     /* from the file name, else profiled_s * 1000 */
    double time;        /* Unix seconds: from the file name, else mtime */
    /* Identity, so that no request is counted twice in a state (0 when
     * unknown: states of version 1, runs without a state):
     * where = hash of the file's canonical path (realpath), for skipping
     *         known files without reading them;
     * fp    = hash of the file's own base name (without .gz) and its
     *         decompressed bytes: the same request in a renamed
     *         directory, a gzip copy, an archive or another state. */
    uint64_t where, fp;
    /* Write-once trust, so a cron run need not stat every known file:
     * ino     = the file's inode number when read or last stat'ed (0:
     *           unknown: archive entries, states before version 3);
     * checked = read or stat'ed by this run (not saved);
     * trusted = its mtime was more than PR__TRUST_AFTER_S before a run
     *           that read or stat'ed it: a werkzeug file that old is never
     *           rewritten, so it is known by canonical path and inode
     *           alone;
     * pooled  = path, method and url live in the shard's string arena
     *           (requests loaded from a state), not in a block of their
     *           own. */
    uint64_t ino;
    uint32_t order;     /* position among all inputs, for stable output
                         * (saturates: past 4 G inputs ties keep their
                         * archive order) */
    uint32_t group;     /* endpoint: id in shard.group_keys */
    uint32_t sub;       /* entry number inside an archive (an archive of
                           4 G entries would take days to read) */
    /* 112 bytes a request on LP64, a million of them in a cron state */
    unsigned named : 1;       /* the file name matched the name format */
    unsigned wall_source : 2; /* pr__wall_source: why wall_ms is what it is */
    unsigned checked : 1, trusted : 1, pooled : 1; /* see ino above */
} request;

/* A request's input position as stored (request.order). */
static inline uint32_t pr__order32(size_t order)
{
    return order < UINT32_MAX ? (uint32_t)order : UINT32_MAX;
}

/* See request.trusted and pr_agg_options.trust_after_s: werkzeug names
 * a file by the second it was written, and rewrites it only for a
 * request that ends in that same second; the default 600 s leaves room
 * for slow dumps and clock skew. The window in nanoseconds, or -1 for
 * never. */
static inline int64_t pr__trust_after_ns(const pr_agg_options *o)
{
    double s = o->trust_after_s == 0 ? PR_DEFAULT_TRUST_AFTER_S
                                     : o->trust_after_s;
    if (s < 0)
        return -1;
    return s < 9.2e9 ? (int64_t)(s * 1e9) : INT64_MAX;
}

typedef struct skip {
    char *path;
    size_t order, sub;
    pr_error err;
} skip;

typedef struct cell {
    uint32_t group;
    int64_t bucket;     /* floor(time / bucket_s), or 0 */
    ftable t;
} cell;

/* A partial aggregate: each worker thread fills its own, and they are
 * merged in a fixed order so results do not depend on scheduling. */
typedef struct shard {
    functab funcs;
    /* Endpoints are keyed like functions: the view's (file, line, name),
     * or ("", -1, "METHOD url.<int>") for a URL pattern. */
    functab group_keys;
    /* Function tables per (endpoint, time bucket); a single bucket (0)
     * per endpoint unless the aggregate keeps buckets for a state file. */
    cell *cells;
    size_t ncells, capcells;
    u64map cellmap;     /* hash of (group, bucket), probed -> cell index */
    size_t filtered;
    size_t known;       /* requests left out as counted already (states) */
    request *req;
    size_t nreq, capreq;
    skip *skips;
    size_t nskips, capskips;
    /* Strings of pooled requests, in pools shared with the reports
     * built from them (pr__pool). */
    struct pr__pool **pools;
    size_t npools;
} shard;

/* An arena of request strings, counted: a report built from the
 * requests points into it instead of copying a million paths, and the
 * last of the shard and the reports to let go frees it. */
typedef struct pr__pool {
    arena a;
    _Atomic long refs;
} pr__pool;

/* The arena new pooled strings of s go to; NULL: no memory. */
arena *pr__shard_strings(shard *s);
/* Another reference to p. */
pr__pool *pr__pool_retain(pr__pool *p);
/* Drops a reference; the last frees the pool. NULL is ignored. */
void pr__pool_release(pr__pool *p);

struct pr_agg {
    pr_agg_options opts;
    double bucket_s;    /* > 0: cells per time bucket (state files) */
    const pr_name_format *names;
    pr_name_format *own_names; /* the default, when opts gave none */
    shard main;
    size_t inputs; /* files seen by earlier add calls, for ordering */
    src_budget budget; /* file buffers of all worker threads together */
    /* With skip_known: fingerprints of the requests counted, so a file
     * seen before under another name or form is not counted again. */
    pthread_mutex_t fp_lock;
    u64map fps;
    int64_t checked_ns; /* when the last pr_agg_add_paths began (checked
                           requests were read or stat'ed after it) */
};

/* Fingerprint of a request (never 0): its base name without directory
 * or ".gz", and its decompressed bytes. */
uint64_t pr__request_fp(const char *name, const void *data, size_t len);
/* Hash of a path's canonical form (never 0); of the path itself when it
 * cannot be resolved. */
uint64_t pr__where(const char *path);
/* The same hash of a path taken as it is (pr__where without realpath). */
uint64_t pr__path_hash(const char *path);

/* The cell of (group, bucket), created on first use; NULL: no memory. */
ftable *pr__cell(shard *s, uint32_t group, int64_t bucket);
/* Rebuilds the cell index after cells were removed. */
pr_status pr__cell_reindex(shard *s);

/* dst += src (functions, endpoints, cells, requests and skips move). */
pr_status pr__shard_merge(shard *dst, shard *src);
void pr__shard_init(shard *s);
/* Whether buf starts like a state file (state.c). */
int pr__is_state(const void *buf, size_t len);
void pr__shard_free(shard *s);
pr_status pr__add_request(shard *s, const request *r);

/* Sets r->path, r->method and r->url to copies of the three strings, in
 * one block owned by r->path (freed with it). -1: no memory. */
int pr__request_strings(request *r, pr_str path, pr_str method, pr_str url);

#endif
