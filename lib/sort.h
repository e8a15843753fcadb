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

/* base[0..n) sorted by cmp, cheaply when most of it is in order already
 * (a cron run: a state's requests, then a few new ones): the longest
 * sorted prefix stays, the rest is sorted and merged in from the back
 * through a buffer the size of the rest. Out of memory for that buffer,
 * it sorts the whole array. */
void pr__sort_mostly_sorted(void *base, size_t n, size_t size,
                            int (*cmp)(const void *, const void *));

/* Sorting by a value, descending, with the original index as the
 * tie-break so output never depends on hash or thread order. qsort has no
 * context argument, so the value travels with the index. */
typedef struct pr__ranked {
    double v;
    size_t i;
} pr__ranked;

int pr__cmp_ranked(const void *a, const void *b);

/* out[k] = index of the k-th largest v[i]; -1 when out of memory. */
int pr__rank_desc(const double *v, size_t n, size_t *out);

#endif
