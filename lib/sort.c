/* sort.c - ranking by value, the same way everywhere. */
#include "sort.h"

#include <string.h>

int pr__cmp_ranked(const void *a, const void *b)
{
    const pr__ranked *x = a, *y = b;
    if (x->v != y->v)
        return x->v > y->v ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

void pr__sort_mostly_sorted(void *base, size_t n, size_t size,
                            int (*cmp)(const void *, const void *))
{
    char *v = base;
    size_t k = 1;
    while (k < n && cmp(v + (k - 1) * size, v + k * size) <= 0)
        k++;
    if (k >= n)
        return;
    size_t t = n - k;
    pr__qsort(v + k * size, t, size, cmp);
    if (cmp(v + (k - 1) * size, v + k * size) <= 0)
        return;
    char *tail = malloc(t * size);
    if (tail == NULL) { /* no buffer: the slow way */
        pr__qsort(v, n, size, cmp);
        return;
    }
    memcpy(tail, v + k * size, t * size);
    /* From the back: the larger of the two runs' last elements goes
     * last; equal ones keep the prefix's first, as a stable merge. */
    size_t i = k, j = t, out = n;
    while (j > 0) {
        if (i > 0 && cmp(v + (i - 1) * size, tail + (j - 1) * size) > 0)
            memcpy(v + --out * size, v + --i * size, size);
        else
            memcpy(v + --out * size, tail + --j * size, size);
    }
    free(tail);
}

int pr__rank_desc(const double *v, size_t n, size_t *out)
{
    pr__ranked *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (tmp == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        tmp[i].v = v[i];
        tmp[i].i = i;
    }
    pr__qsort(tmp, n, sizeof *tmp, pr__cmp_ranked);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[i].i;
    free(tmp);
    return 0;
}
