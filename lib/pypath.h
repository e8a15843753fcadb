/* pypath.h - where a Python file lives (pypath.c). */
#ifndef PR_PYPATH_H
#define PR_PYPATH_H

#include <stddef.h>

/* Position in f[0..n) just after the innermost "/site-packages/" or
 * "/dist-packages/", or NULL. */
const char *pr__packages_dir(const char *f, size_t n);

/* Position just after the innermost standard-library directory
 * (".../lib/pythonX[.Y]/", ".../lib/pypyX[.Y]/", ".../lib-python/X/",
 * ".../lib_pypy/"), or NULL. */
const char *pr__stdlib_dir(const char *f, size_t n);

#endif
