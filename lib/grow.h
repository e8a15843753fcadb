/* grow.h - the one growth rule for lib/'s arrays (grow.c). */
#ifndef PR_GROW_H
#define PR_GROW_H

#include <stddef.h>

/* Room for element n of an array v of *cap elements of `size` bytes:
 * returns v when n < *cap, else v reallocated to twice *cap (`first`
 * when *cap is 0) with *cap updated. NULL, with v and *cap untouched,
 * when memory runs out or the size would overflow. */
void *pr__grow(void *v, size_t *cap, size_t n, size_t size, size_t first);

#endif
