/* error.c - one switch of static strings for every status. */
#include "profreport.h"

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
    case PR_ERR_LOCKED: return "in use by another run";
    }
    return "unknown status";
}
