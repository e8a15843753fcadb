/* arena.h - bump allocator for per-file parse state, released at once. */
#ifndef PR_ARENA_H
#define PR_ARENA_H

#include "profreport.h"

#include <stddef.h>

typedef struct arena_chunk arena_chunk;
struct arena_chunk {
    arena_chunk *next;
    size_t size;
    _Alignas(16) unsigned char data[];
};

typedef struct arena {
    arena_chunk *head;  /* current chunk; older chunks follow ->next */
    size_t used;        /* bytes used in head */
    arena_chunk *spare; /* chunks a rewind gave back, reused before malloc */
} arena;

/* A position to roll back to (for backtracking parsers). */
typedef struct arena_mark {
    arena_chunk *head;
    size_t used;
} arena_mark;

void arena_init(arena *a);
#ifdef PR_FAULT_INJECTION
extern long pr__arena_fail_at, pr__arena_count; /* see arena.c */
#endif

void *pr__arena_alloc_slow(arena *a, size_t n);

/* 16-byte aligned; NULL when out of memory or n is absurd. Inline: the
 * marshal decoder allocates a node per object. Test builds with fault
 * injection take the counted path every time. */
static inline void *arena_alloc(arena *a, size_t n)
{
#ifndef PR_FAULT_INJECTION
    size_t r = (n + 15) & ~(size_t)15;
    if (a->head != NULL && r != 0 && r <= a->head->size - a->used) {
        void *p = a->head->data + a->used;
        a->used += r;
        return p;
    }
#endif
    return pr__arena_alloc_slow(a, n);
}
arena_mark arena_get_mark(const arena *a);
/* Back to m. The chunks after m are kept for the next allocations: a
 * parser that backtracks over a chunk boundary again and again must not
 * cost a malloc and a free (an mmap and munmap, for big chunks) per try. */
void arena_rewind(arena *a, arena_mark m);
/* Drops everything but keeps the largest chunk (in use or spare). */
void arena_reset(arena *a);
void arena_free(arena *a);
/* Bytes held in chunks, in use or spare (for tests of memory bounds). */
size_t arena_bytes(const arena *a);

/* Copies into the arena, NUL-terminated; NULL when out of memory. */
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_strdup(arena *a, const char *s);
/* Points s (or both strings of k) at arena copies; -1 out of memory. */
int arena_copy_str(arena *a, pr_str *s);
int arena_copy_key(arena *a, pr_func_key *k);

#endif
