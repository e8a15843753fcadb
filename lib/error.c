/* error.c - one switch of static strings for every status, and
 * pr__fail, which every part of lib/ uses to fill a pr_error: a leaf, so
 * that reporting an error links nothing else. */
#include "status.h"

#include <stdarg.h>
#include <stdio.h>

const char *pr_strerror(pr_status code)
{
    switch (code) {
    case PR_OK: return "success";
    case PR_ERR_NOMEM: return "out of memory";
    case PR_ERR_IO: return "input/output error";
    case PR_ERR_EMPTY: return "empty file";
    case PR_ERR_TRUNCATED: return "truncated input";
    case PR_ERR_BAD_TYPE: return "unknown or misplaced marshal type";
    case PR_ERR_BAD_LENGTH: return "bad length or count";
    case PR_ERR_BAD_REF: return "bad reference";
    case PR_ERR_TOO_DEEP: return "nesting too deep";
    case PR_ERR_NOT_STATS: return "not a pstats stats dict";
    case PR_ERR_BAD_VALUE: return "number out of range";
    case PR_ERR_GZIP: return "corrupt gzip data";
    case PR_ERR_TOO_BIG: return "input too large";
    case PR_ERR_NOT_FILE: return "not a regular file";
    case PR_ERR_LOOP: return "symbolic link loop";
    case PR_ERR_USAGE: return "invalid argument";
    case PR_ERR_NO_INPUT: return "no profile could be read";
    case PR_ERR_BAD_STATE: return "not a state file, or a corrupt one";
    case PR_ERR_VERSION: return "state file of another version";
    case PR_ERR_MISMATCH: return "state time buckets do not match";
    case PR_ERR_BAD_ARCHIVE: return "corrupt or unsupported archive";
    case PR_ERR_ZLIB: return "zlib failed";
    case PR_ERR_BAD_CSV: return "malformed CSV";
    case PR_ERR_LOCKED: return "in use by another run";
    }
    return "unknown status";
}

pr_status pr__fail(pr_error *err, pr_status code, uint64_t offset,
                   const char *fmt, ...)
{
    if (err != NULL) {
        err->code = code;
        err->offset = offset;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}
