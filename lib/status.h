/* status.h - filling a pr_error, shared by every parser in lib/. */
#ifndef PR_STATUS_H
#define PR_STATUS_H

#include "profreport.h"

/* Fills err (may be NULL) with code, offset and a printf-style message;
 * returns code. Shared by every parser in lib/. */
pr_status pr__fail(pr_error *err, pr_status code, uint64_t offset,
                   const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Times are Unix seconds in [0, PR__TIME_MAX] (9999-12-31T23:59:59Z):
 * every time read from a name, an mtime or a state is checked against
 * this range before it is used, so no later conversion can overflow. */
#define PR__TIME_MAX 253402300799.0

/* Whether t is a usable time (finite, in range). */
int pr__time_ok(double t);
/* t clamped into [0, PR__TIME_MAX]; NaN gives 0. */
double pr__time_clamp(double t);
/* floor(t / bs) for a usable time and a bucket of at least 1 us, clamped
 * to the int64 range for anything else (bs <= 0 gives 0). */
int64_t pr__bucket_of(double t, double bs);
/* sec * 1e9 + nsec, saturated instead of overflowing (mtimes after 2262
 * or before 1677 do not fit in int64 nanoseconds). */
int64_t pr__ns_of(int64_t sec, long nsec);

#endif
