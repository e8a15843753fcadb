/* sort.c - ranking by value, the same way everywhere. */
#include "sort.h"

int pr__cmp_ranked(const void *a, const void *b)
{
    const pr__ranked *x = a, *y = b;
    if (x->v != y->v)
        return x->v > y->v ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
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
