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

#endif
