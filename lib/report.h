/* report.h - the read-only report the renderers walk. */
#ifndef PR_REPORT_H
#define PR_REPORT_H

#include "arena.h"
#include "profreport.h"

typedef struct report_skip {
    const char *path;
    pr_error err;
} report_skip;

struct pr_report {
    pr_report_options opts;
    pr_summary sum;
    arena strings;        /* copies of every string the report shows */
    struct pr__pool **pools; /* or the aggregate's pools it points into */
    size_t npools;
    pr_func_row *funcs;   /* all endpoints merged, sorted by key */
    size_t nfuncs;
    size_t *by_tt;        /* indexes into funcs, tottime descending */
    size_t *by_ct;        /* indexes into funcs, cumtime descending */
    pr_edge_row *edges;   /* sorted by (callee, caller) */
    pr_func_key *keys;    /* by function id: the keys edges point to */
    size_t nedges;
    pr_endpoint_row *endpoints;
    size_t nendpoints;
    /* The endpoints each function was called in (indexes into endpoints,
     * ascending): func_eps[func_ep_at[i] .. func_ep_at[i + 1]) for
     * funcs[i]; 4 bytes a pair. Both NULL when the run has more than
     * UINT32_MAX endpoints. For the HTML report's endpoint filter. */
    uint32_t *func_eps;
    size_t *func_ep_at; /* nfuncs + 1 */
    pr_request_row *requests;
    size_t nrequests;
    size_t *slowest;      /* indexes into requests, wall time descending */
    pr_bucket_row *buckets;
    size_t nbuckets;
    double bucket_s;
    report_skip *skips;
    size_t nskips;
    char app_root[1024];  /* directory prefix module names are relative to */
    pr_attribution attr;  /* the whole run */
    pr_finding *findings;
    size_t nfindings;
    pr_outliers *outliers; /* slow versus typical, or NULL */
    size_t file_dir_len;  /* bytes of the directory all request files
                             share, up to its '/' (pr__rel_file) */
};

/* Writes the findings (lib/findings.c) once everything else is built. */
int pr__findings(pr_report *r);

/* Nearest-rank percentile p (0 < p <= 100) of sorted values v[0..n). */
double pr__percentile(const double *v, size_t n, double p);

/* Whether a request's profiled time (its root's cumtime, microseconds)
 * is a finer reading of its wall time: the name's whole milliseconds
 * agree with it within their rounding. Under PyPy the profiler sees a
 * fraction of the request (2 ms of 15), and then only the wall time is
 * its latency. */
static inline int pr__profiled_is_latency(double wall_ms, double prof_ms)
{
    return prof_ms > 0 && wall_ms - prof_ms < 1.0 && prof_ms - wall_ms < 1.0;
}

/* A request's latency at the finest reading there is: its profiled
 * time where that is a reading of its wall time, else the wall time. */
static inline double pr__latency_ms(double wall_ms, double prof_ms)
{
    return pr__profiled_is_latency(wall_ms, prof_ms) ? prof_ms : wall_ms;
}

#endif
