/* arena.c - chunked bump allocator. One arena per parse, reset per file,
 * so a directory of a million files costs one file's worth of memory. */
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct arena_chunk {
    arena_chunk *next;
    size_t size;
    _Alignas(16) unsigned char data[];
};

enum { ARENA_MIN_CHUNK = 64 * 1024 };

void arena_init(arena *a)
{
    a->head = NULL;
    a->used = 0;
}

void *arena_alloc(arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (n == 0 || n > SIZE_MAX / 4)
        return NULL;
    if (a->head == NULL || a->head->size - a->used < n) {
        size_t size = ARENA_MIN_CHUNK;
        if (a->head != NULL && a->head->size * 2 > size)
            size = a->head->size * 2;
        if (size < n)
            size = n;
        arena_chunk *c = malloc(sizeof *c + size);
        if (c == NULL)
            return NULL;
        c->next = a->head;
        c->size = size;
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
        free(a->head);
        a->head = next;
    }
    a->used = m.used;
}

void arena_reset(arena *a)
{
    if (a->head == NULL)
        return;
    /* The newest chunk is the largest: keep it, free the rest. */
    arena_chunk *keep = a->head;
    arena_chunk *c = keep->next;
    while (c != NULL) {
        arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    keep->next = NULL;
    a->used = 0;
}

void arena_free(arena *a)
{
    arena_mark none = {NULL, 0};
    arena_rewind(a, none);
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
