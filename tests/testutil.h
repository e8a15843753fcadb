/* testutil.h - small helpers shared by the Criterion unit tests.
 *
 * Include this first in every test file: it sets the feature macros the
 * POSIX helpers below need (the tests build with -std=c11). Everything is
 * `static inline` so each test file gets its own copy without unused-
 * function warnings. Helpers that allocate return memory the caller frees
 * with free(); on an I/O failure they fail the current test.
 *
 * Tests run from the tests/ directory (see `make unit`), so fixtures are
 * named relative to it: "data/valid/cpython311.prof".
 */
#ifndef PR_TESTUTIL_H
#define PR_TESTUTIL_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif

#include "profreport.h"

#include <criterion/criterion.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TU_VALID "data/valid/"

/* ---- bytes ------------------------------------------------------------- */

/* Reads a whole file; fails the test when it cannot. */
static inline unsigned char *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    unsigned char *p = malloc(cap);
    cr_assert_not_null(p);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            p = realloc(p, cap);
            cr_assert_not_null(p);
        }
        size_t r = fread(p + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    cr_assert(!ferror(f), "cannot read %s", path);
    fclose(f);
    *len = n;
    return p;
}

/* Writes len bytes to path (created or truncated). */
static inline void tu_write_file(const char *path, const void *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot create %s: %s", path, strerror(errno));
    cr_assert_eq(fwrite(buf, 1, len, f), len, "cannot write %s", path);
    cr_assert_eq(fclose(f), 0, "cannot close %s", path);
}

static inline int tu_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Marshal bytes from hex text such as "a9 02 da 01 61 | 72 01000000".
 * Spaces, newlines and '|' separate nothing and are ignored, so vectors
 * can be copied from pstats-format.md and split up with comments in C
 * string concatenation. The result is exactly *len bytes (malloc'd, at
 * least 1 byte so it is never NULL). */
static inline unsigned char *tu_hex(const char *hex, size_t *len)
{
    size_t cap = strlen(hex) / 2 + 1, n = 0;
    unsigned char *p = malloc(cap);
    cr_assert_not_null(p);
    int hi = -1;
    for (const char *s = hex; *s; s++) {
        if (*s == ' ' || *s == '\n' || *s == '\t' || *s == '|')
            continue;
        int v = tu_hexval((unsigned char)*s);
        cr_assert(v >= 0, "bad hex digit '%c' in \"%s\"", *s, hex);
        if (hi < 0) {
            hi = v;
        } else {
            p[n++] = (unsigned char)(hi << 4 | v);
            hi = -1;
        }
    }
    cr_assert(hi < 0, "odd number of hex digits in \"%s\"", hex);
    *len = n;
    return p;
}

/* ---- strings and keys -------------------------------------------------- */

static inline int tu_str_is(pr_str s, const char *want)
{
    size_t n = strlen(want);
    return s.len == n && (n == 0 || memcmp(s.ptr, want, n) == 0);
}

/* The entry with key (file, line, name), or NULL. */
static inline const pr_entry *tu_find_entry(const pr_profile *p,
                                            const char *file, int64_t line,
                                            const char *name)
{
    for (size_t i = 0; i < pr_profile_count(p); i++) {
        const pr_entry *e = pr_profile_entry(p, i);
        if (e->key.line == line && tu_str_is(e->key.file, file) &&
            tu_str_is(e->key.name, name))
            return e;
    }
    return NULL;
}

/* The caller of e with key (file, line, name), or NULL. */
static inline const pr_caller *tu_find_caller(const pr_entry *e,
                                              const char *file, int64_t line,
                                              const char *name)
{
    for (size_t i = 0; i < e->ncallers; i++) {
        const pr_caller *c = &e->callers[i];
        if (c->key.line == line && tu_str_is(c->key.file, file) &&
            tu_str_is(c->key.name, name))
            return c;
    }
    return NULL;
}

/* |a - b| <= rel * max(|a|, |b|): times summed in a different order. */
static inline int tu_close(double a, double b, double rel)
{
    double m = a < 0 ? -a : a, mb = b < 0 ? -b : b;
    if (mb > m)
        m = mb;
    double d = a - b;
    if (d < 0)
        d = -d;
    return d <= rel * m;
}

/* ---- statuses ---------------------------------------------------------- */

static const char *const TU_STATUS_NAMES[] = {
    "PR_OK",            "PR_ERR_NOMEM",     "PR_ERR_IO",
    "PR_ERR_EMPTY",     "PR_ERR_TRUNCATED", "PR_ERR_BAD_TYPE",
    "PR_ERR_BAD_LENGTH", "PR_ERR_BAD_REF",  "PR_ERR_TOO_DEEP",
    "PR_ERR_NOT_STATS", "PR_ERR_BAD_VALUE", "PR_ERR_GZIP",
    "PR_ERR_TOO_BIG",   "PR_ERR_NOT_FILE",  "PR_ERR_LOOP",
    "PR_ERR_USAGE",     "PR_ERR_NO_INPUT",  "PR_ERR_BAD_STATE",
    "PR_ERR_VERSION",   "PR_ERR_MISMATCH",  "PR_ERR_BAD_ARCHIVE",
    "PR_ERR_ZLIB",      "PR_ERR_BAD_CSV"};
enum { TU_NSTATUS = sizeof TU_STATUS_NAMES / sizeof TU_STATUS_NAMES[0] };

static inline const char *tu_status_name(pr_status st)
{
    return (unsigned)st < TU_NSTATUS ? TU_STATUS_NAMES[st] : "(unknown)";
}

/* Status from its enum name ("PR_ERR_TRUNCATED"); -1 when unknown. */
static inline int tu_status_parse(const char *name)
{
    for (int i = 0; i < TU_NSTATUS; i++)
        if (strcmp(TU_STATUS_NAMES[i], name) == 0)
            return i;
    return -1;
}

/* Asserts status and offset of a failure, with both names in the message. */
#define tu_assert_err(st, err, want_code, want_off)                          \
    do {                                                                     \
        pr_status tu_st_ = (st);                                             \
        cr_assert_eq(tu_st_, (want_code), "status %s, expected %s (%s)",     \
                     tu_status_name(tu_st_), tu_status_name(want_code),      \
                     (err).msg);                                             \
        cr_assert_eq((err).code, (want_code), "err.code %s, expected %s",    \
                     tu_status_name((err).code), tu_status_name(want_code)); \
        cr_assert_eq((err).offset, (uint64_t)(want_off),                     \
                     "offset %llu, expected %llu (%s)",                      \
                     (unsigned long long)(err).offset,                       \
                     (unsigned long long)(want_off), (err).msg);             \
    } while (0)

/* ---- files and directories --------------------------------------------- */

/* "a" + "/" + "b", malloc'd. */
static inline char *tu_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + 1 + strlen(name) + 1;
    char *p = malloc(n);
    cr_assert_not_null(p);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* A fresh empty directory under $TMPDIR (or /tmp), malloc'd. */
static inline char *tu_mkdtemp(void)
{
    const char *base = getenv("TMPDIR");
    char *t = tu_path(base && *base ? base : "/tmp", "profreport-test.XXXXXX");
    cr_assert_not_null(mkdtemp(t), "mkdtemp: %s", strerror(errno));
    return t;
}

/* Removes path and, for a directory, everything under it. Symlinks are
 * removed, never followed; permissions are restored so that chmod 000
 * entries can go too. Errors are ignored: this is cleanup. */
static inline void tu_rm_rf(const char *path)
{
    struct stat sb;
    if (lstat(path, &sb) != 0)
        return;
    if (S_ISDIR(sb.st_mode)) {
        chmod(path, 0700);
        DIR *d = opendir(path);
        if (d != NULL) {
            struct dirent *de;
            while ((de = readdir(d)) != NULL) {
                if (strcmp(de->d_name, ".") == 0 ||
                    strcmp(de->d_name, "..") == 0)
                    continue;
                char *sub = tu_path(path, de->d_name);
                tu_rm_rf(sub);
                free(sub);
            }
            closedir(d);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* Copies a file, keeping nothing but the bytes. */
static inline void tu_copy_file(const char *from, const char *to)
{
    size_t n;
    unsigned char *b = tu_read_file(from, &n);
    tu_write_file(to, b, n);
    free(b);
}

/* The report of one directory (top rows; 0 = the default), read with
 * one thread. */
static inline pr_report *tu_report_of(const char *dir, size_t top)
{
    pr_agg_options ao;
    memset(&ao, 0, sizeof ao);
    ao.threads = 1;
    pr_agg *agg = NULL;
    cr_assert_eq(pr_agg_new(&ao, &agg), PR_OK);
    cr_assert_eq(pr_agg_add_paths(agg, &dir, 1), PR_OK);
    pr_report_options ro;
    memset(&ro, 0, sizeof ro);
    ro.top = top;
    pr_report *r = NULL;
    cr_assert_eq(pr_report_build(agg, &ro, &r), PR_OK);
    pr_agg_free(agg);
    return r;
}

/* Seconds on a monotonic clock, for "must fail fast" checks. */
static inline double tu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
