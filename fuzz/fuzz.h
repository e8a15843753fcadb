/* fuzz.h - what the libFuzzer targets in fuzz/ share.
 *
 * A target fails (and libFuzzer saves the input) on a sanitizer report,
 * and also when the library breaks a promise of include/profreport.h:
 * FUZZ_CHECK names the promise and aborts.
 */
#ifndef PROFREPORT_FUZZ_H
#define PROFREPORT_FUZZ_H

#include <profreport.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A UBSan report stops the run, as -fno-sanitize-recover would, yet can
 * be suppressed (UBSAN_OPTIONS=suppressions=FILE) to fuzz on past a bug
 * that is already reported: the targets are built recoverable. */
const char *__ubsan_default_options(void);
const char *__ubsan_default_options(void)
{
    return "halt_on_error=1:print_stacktrace=1";
}

#define FUZZ_CHECK(cond, what)                                              \
    do {                                                                    \
        if (!(cond)) {                                                      \
            fprintf(stderr, "%s:%d: broken promise: %s (%s)\n", __FILE__,   \
                    __LINE__, what, #cond);                                 \
            abort();                                                        \
        }                                                                   \
    } while (0)

/* A failing call leaves a pr_error that says what and where: the same
 * code, an offset inside the input (or none), a terminated message. */
static inline void fuzz_check_error(pr_status st, const pr_error *err,
                                    uint64_t input_len)
{
    FUZZ_CHECK(st != PR_OK, "checked only after a failure");
    FUZZ_CHECK(err->code == st, "err.code is the status returned");
    FUZZ_CHECK(err->offset == PR_NO_OFFSET || err->offset <= input_len,
               "err.offset lies inside the input");
    FUZZ_CHECK(memchr(err->msg, '\0', sizeof err->msg) != NULL,
               "err.msg is NUL-terminated");
    FUZZ_CHECK(err->msg[0] != '\0', "err.msg says what went wrong");
}

/* A copy of bytes as a C string in a buffer of exactly that size, so
 * that ASan sees a read past its terminator. */
static inline char *fuzz_strndup(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s == NULL)
        abort();
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

#endif
