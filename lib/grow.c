/* grow.c - growable arrays (grow.h). */
#include "grow.h"

#include <stdint.h>
#include <stdlib.h>

void *pr__grow(void *v, size_t *cap, size_t n, size_t size, size_t first)
{
    if (n < *cap)
        return v;
    size_t nc = *cap ? *cap * 2 : (first ? first : 1);
    if (nc <= n)
        nc = n + 1;
    if (size == 0 || nc > SIZE_MAX / size)
        return NULL;
    void *p = realloc(v, nc * size);
    if (p != NULL)
        *cap = nc;
    return p;
}
