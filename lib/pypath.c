/* pypath.c - where a Python file lives: under site-packages (a library)
 * or in the standard library. The one answer for modules.c and
 * report.c (pypath.h). */
#include "pypath.h"

#include <string.h>

/* Position just after "/site-packages/" or "/dist-packages/" (the last
 * one), or NULL. */
const char *pr__packages_dir(const char *f, size_t n)
{
    static const char *const marks[] = {"/site-packages/", "/dist-packages/"};
    const char *best = NULL;
    for (size_t m = 0; m < 2; m++) {
        size_t k = strlen(marks[m]);
        for (size_t i = 0; i + k <= n; i++)
            if (memcmp(f + i, marks[m], k) == 0 && (best == NULL ||
                                                     f + i + k > best))
                best = f + i + k;
    }
    return best;
}

/* Position after a standard-library directory: ".../lib/pythonX[.Y]/",
 * ".../lib/pypyX[.Y]/", ".../lib-python/X/", ".../lib_pypy/". When several
 * match (/usr/lib/pypy3/lib-python/3/json/...), the innermost wins. */
const char *pr__stdlib_dir(const char *f, size_t n)
{
    static const char *const marks[] = {"/lib/python", "/lib64/python",
                                        "/lib/pypy", "/lib-python/"};
    const char *best = NULL;
    for (size_t m = 0; m < 4; m++) {
        size_t k = strlen(marks[m]);
        for (size_t i = 0; i + k <= n; i++) {
            if (memcmp(f + i, marks[m], k) != 0)
                continue;
            size_t j = i + k;
            size_t d = j;
            while (j < n && ((f[j] >= '0' && f[j] <= '9') || f[j] == '.'))
                j++;
            if (j > d && j < n && f[j] == '/' && (best == NULL || f + j + 1 > best))
                best = f + j + 1;
        }
    }
    static const char *const plain[] = {"/lib_pypy/", "/lib-pypy/"};
    for (size_t m = 0; m < 2; m++) {
        size_t k = strlen(plain[m]);
        for (size_t i = 0; i + k <= n; i++)
            if (memcmp(f + i, plain[m], k) == 0 && (best == NULL || f + i + k > best))
                best = f + i + k;
    }
    return best;
}
