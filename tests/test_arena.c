/* test_arena.c - the bump allocator (lib/arena.h): alignment, refusals,
 * and rewinds that reuse what they gave back. */
#include "testutil.h"

#include "arena.h"
#include "grow.h"

#include <stdint.h>

Test(arena, aligned_refuses_zero_and_absurd_sizes)
{
    arena a;
    arena_init(&a);
    for (size_t n = 1; n < 100; n++) {
        unsigned char *p = arena_alloc(&a, n);
        cr_assert_not_null(p);
        cr_assert_eq((uintptr_t)p % 16, 0, "%zu bytes at %p", n, (void *)p);
        memset(p, 0xab, n); /* ASan: all n bytes are ours */
    }
    cr_assert_null(arena_alloc(&a, 0));
    cr_assert_null(arena_alloc(&a, SIZE_MAX));
    cr_assert_null(arena_alloc(&a, SIZE_MAX / 2));
    /* bigger than any chunk so far: a chunk of its own */
    unsigned char *big = arena_alloc(&a, 1u << 20);
    cr_assert_not_null(big);
    memset(big, 0, 1u << 20);
    arena_free(&a);
    cr_assert_null(a.head);
    cr_assert_null(a.spare);
}

Test(arena, rewind_reuses_the_chunks_it_gave_back)
{
    /* A backtracking parser that rewinds over a chunk boundary again and
     * again (a code object tried under every layout) must get the same
     * memory back, not a malloc and a free per attempt: the marshal
     * fuzzer found a 3.5 KB file costing 4,000 chunks of 128 KB. */
    arena a;
    arena_init(&a);
    cr_assert_not_null(arena_alloc(&a, 64));
    arena_chunk *first = a.head;
    while (a.head == first) /* fill the first chunk */
        cr_assert_not_null(arena_alloc(&a, 64));
    arena_mark m = arena_get_mark(&a);
    void *p = NULL;
    for (int attempt = 0; attempt < 1000; attempt++) {
        /* more than the second chunk has left: a third chunk */
        void *q = arena_alloc(&a, 200000);
        cr_assert_not_null(q);
        cr_assert_neq(a.head, m.head);
        if (p == NULL)
            p = q;
        cr_assert_eq(q, p, "attempt %d got new memory", attempt);
        memset(q, attempt & 0xff, 200000);
        arena_rewind(&a, m);
        cr_assert_eq(a.head, m.head);
        cr_assert_eq(a.used, m.used);
        cr_assert_not_null(a.spare);
    }
    arena_free(&a);
}

Test(arena, reset_keeps_the_largest_chunk)
{
    arena a;
    arena_init(&a);
    arena_mark start = arena_get_mark(&a);
    for (int i = 0; i < 3; i++) {
        cr_assert_not_null(arena_alloc(&a, 100000));
        cr_assert_not_null(arena_alloc(&a, 300000));
        arena_rewind(&a, start);
    }
    cr_assert_null(a.head);
    cr_assert_not_null(a.spare);
    char *s = arena_strdup(&a, "kept");
    cr_assert_str_eq(s, "kept");
    arena_reset(&a);
    cr_assert_not_null(a.head, "a chunk is kept");
    cr_assert_null(a.spare);
    cr_assert_eq(a.used, 0);
    /* the one kept is the 300 KB one: a 300 KB request fits in it */
    arena_chunk *kept = a.head;
    cr_assert_not_null(arena_alloc(&a, 300000));
    cr_assert_eq(a.head, kept);
    arena_free(&a);
}

/* ---- pr__grow (lib/grow.c) ------------------------------------------- */

Test(grow, first_then_doubling_and_overflow)
{
    int *v = NULL;
    size_t cap = 0;
    for (size_t n = 0; n < 100; n++) {
        int *p = pr__grow(v, &cap, n, sizeof *v, 8);
        cr_assert_not_null(p);
        v = p;
        v[n] = (int)n;
        cr_assert_gt(cap, n);
    }
    cr_assert_eq(cap, 128, "8, 16, 32, 64, 128");
    for (size_t n = 0; n < 100; n++)
        cr_assert_eq(v[n], (int)n, "elements kept across growth");
    cr_assert_eq(pr__grow(v, &cap, 5, sizeof *v, 8), v, "room: no change");
    size_t big = SIZE_MAX / 2 + 1;
    cr_assert_null(pr__grow(v, &big, big, 4, 8), "size overflow");
    cr_assert_eq(big, SIZE_MAX / 2 + 1, "cap untouched on failure");
    free(v);
}
