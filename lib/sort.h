/* sort.h - qsort that accepts an empty array given as NULL (C's qsort
 * does not: passing NULL is undefined even with zero elements). */
#ifndef PR_SORT_H
#define PR_SORT_H

#include <stdlib.h>

static inline void pr__qsort(void *base, size_t n, size_t size,
                             int (*cmp)(const void *, const void *))
{
    if (n > 1)
        qsort(base, n, size, cmp);
}

#endif
