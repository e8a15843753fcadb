/* reqname.h - file name templates (public API in profreport.h). */
#ifndef PR_REQNAME_H
#define PR_REQNAME_H

#include "profreport.h"

/* One way a file name matches its template; tol_ms is how far the
 * printed elapsed may lie under the true one (rounding, truncation). */
typedef struct pr__name_reading {
    pr_name_fields fields;
    double tol_ms;
} pr__name_reading;

/* Readings enumerated per name: more than a real name ever has, few
 * enough that a hostile one costs nothing. */
#define PR__NAME_MAX_READINGS 16

/* Every reading of the base name of `name` (a trailing ".gz" ignored as
 * in pr_name_parse), at most max, into out; out[0] is what pr_name_parse
 * answers. Returns how many. */
size_t pr__name_parse_all(const pr_name_format *f, const char *name,
                          pr__name_reading *out, size_t max);

/* Where a request's wall time comes from. */
typedef enum pr__wall_source {
    PR__WALL_NAME = 0,       /* a reading the profile agrees with */
    PR__WALL_UNNAMED = 1,    /* the name does not match the template */
    PR__WALL_NO_ELAPSED = 2, /* the template has no {elapsed} */
    PR__WALL_REJECTED = 3    /* every elapsed read is under the profile's */
} pr__wall_source;

/* Reads `name` with the profile as witness: of the readings whose
 * elapsed is at least profiled_ms (less the printed precision's
 * tolerance), the closest to it when one is close (at most 5 % + 0.5 ms
 * above), else the first (the profile measured much less than the wall
 * time, as PyPy's does, and cannot tell); out gets that reading's
 * fields. When
 * none agrees, out gets the first reading (PR__WALL_REJECTED or
 * PR__WALL_NO_ELAPSED) or is cleared (PR__WALL_UNNAMED), and the caller
 * uses the profiled time. */
pr__wall_source pr__name_parse_witness(const pr_name_format *f,
                                       const char *name, double profiled_ms,
                                       pr_name_fields *out);

#endif
