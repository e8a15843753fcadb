/* arena.c - chunked bump allocator. One arena per parse, reset per file,
 * so a directory of a million files costs one file's worth of memory. */
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { ARENA_MIN_CHUNK = 64 * 1024 };

void arena_init(arena *a)
{
    a->head = NULL;
    a->used = 0;
    a->spare = NULL;
}

static void free_chunks(arena_chunk *c)
{
    while (c != NULL) {
        arena_chunk *next = c->next;
        free(c);
        c = next;
    }
}

/* A chunk of at least n bytes: a spare one if the first fits, else a new
 * one twice the size of the current (ARENA_MIN_CHUNK at least). */
static arena_chunk *new_chunk(arena *a, size_t n)
{
    arena_chunk *c = a->spare;
    if (c != NULL && c->size >= n) {
        a->spare = c->next;
        return c;
    }
    size_t size = ARENA_MIN_CHUNK;
    if (a->head != NULL && a->head->size * 2 > size)
        size = a->head->size * 2;
    if (size < n)
        size = n;
    if ((c = malloc(sizeof *c + size)) != NULL)
        c->size = size;
    return c;
}

#ifdef PR_FAULT_INJECTION
/* Test builds only (-DPR_FAULT_INJECTION, the sanitizer build): the
 * fail_at-th arena allocation after arming fails, so tests/test_oom.c can
 * reach each out-of-memory path behind an arena. Release builds have no
 * such state. */
long pr__arena_fail_at, pr__arena_count;
#endif

void *pr__arena_alloc_slow(arena *a, size_t n)
{
#ifdef PR_FAULT_INJECTION
    if (pr__arena_fail_at > 0 && ++pr__arena_count == pr__arena_fail_at)
        return NULL;
#endif
    n = (n + 15) & ~(size_t)15;
    if (n == 0 || n > SIZE_MAX / 4)
        return NULL;
    if (a->head == NULL || a->head->size - a->used < n) {
        arena_chunk *c = new_chunk(a, n);
        if (c == NULL)
            return NULL;
        c->next = a->head;
        a->head = c;
        a->used = 0;
    }
    void *p = a->head->data + a->used;
    a->used += n;
    return p;
}

arena_mark arena_get_mark(const arena *a)
{
    arena_mark m = {a->head, a->used};
    return m;
}

void arena_rewind(arena *a, arena_mark m)
{
    while (a->head != m.head) {
        arena_chunk *next = a->head->next;
        a->head->next = a->spare;
        a->spare = a->head;
        a->head = next;
    }
    a->used = m.used;
}

void arena_reset(arena *a)
{
    /* Keep the largest chunk, in use or spare; free the rest. */
    arena_chunk *keep = NULL;
    arena_chunk *lists[2] = {a->head, a->spare};
    for (int i = 0; i < 2; i++) {
        for (arena_chunk *c = lists[i]; c != NULL;) {
            arena_chunk *next = c->next;
            if (keep == NULL || c->size > keep->size) {
                free(keep);
                keep = c;
            } else {
                free(c);
            }
            c = next;
        }
    }
    if (keep != NULL)
        keep->next = NULL;
    a->head = keep;
    a->used = 0;
    a->spare = NULL;
}

void arena_free(arena *a)
{
    free_chunks(a->head);
    free_chunks(a->spare);
    arena_init(a);
}

size_t arena_bytes(const arena *a)
{
    size_t n = 0;
    for (const arena_chunk *c = a->head; c != NULL; c = c->next)
        n += c->size;
    for (const arena_chunk *c = a->spare; c != NULL; c = c->next)
        n += c->size;
    return n;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    if (p != NULL) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

char *arena_strdup(arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

int arena_copy_str(arena *a, pr_str *s)
{
    if (s->len == 0) {
        s->ptr = "";
        return 0;
    }
    char *p = arena_strndup(a, s->ptr, s->len);
    if (p == NULL)
        return -1;
    s->ptr = p;
    return 0;
}

int arena_copy_key(arena *a, pr_func_key *k)
{
    return arena_copy_str(a, &k->file) || arena_copy_str(a, &k->name);
}

