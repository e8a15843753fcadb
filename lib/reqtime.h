/* reqtime.h - own time per module or function of single requests, read
 * back from each request's profile file. The aggregate keeps one merged
 * table per endpoint; tests that compare requests (diff blame, slow
 * versus typical) need the per-request figures, so they re-read only the
 * files they test. */
#ifndef PR_REQTIME_H
#define PR_REQTIME_H

#include "arena.h"
#include "report.h"

typedef struct pr__reqtimes {
    size_t nreq;      /* requests whose file could be read */
    size_t nnames;
    const char **names; /* ascending (strcmp), in `strings` */
    double *s;        /* s[name * nreq + request]: own seconds */
    size_t *read;     /* the requests read, as indexes given; NULL from
                       * pr__reqtimes_from */
    arena strings;
} pr__reqtimes;

/* Reads the files of r's requests idx[0..n) (indexes into
 * pr_report_requests) and sums own time per module (by=0, as the report
 * attributes it: pr__profile_own), own time per function (by=1, named by pr__reqtimes_fname)
 * or inclusive time (cumtime) per function (by=2). Files that cannot be read any more
 * (moved, or entries of an archive, or requests only in a state file)
 * are left out: out->nreq says how many were read. PR_OK or
 * PR_ERR_NOMEM. */
pr_status pr__reqtimes_load(const pr_report *r, const size_t *idx, size_t n,
                            int by, pr__reqtimes *out);
void pr__reqtimes_free(pr__reqtimes *t);

/* Builds out from rows (names[i], request req[i] < nreq, seconds sec[i])
 * already read, as from a baseline; rows of one name and request add
 * up. PR_OK or PR_ERR_NOMEM. */
pr_status pr__reqtimes_from(const char *const *names, const uint32_t *req,
                            const double *sec, size_t n, size_t nreq,
                            pr__reqtimes *out);

/* "file:line(name)" with the file shortened as in module names, or the
 * built-in's own name; snprintf's result. */
int pr__reqtimes_fname(const pr_report *r, const pr_func_key *k, char *buf,
                       size_t cap);

/* Index of `name` in t->names, or SIZE_MAX. */
size_t pr__reqtimes_find(const pr__reqtimes *t, const char *name);

#endif
