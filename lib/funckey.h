/* funckey.h - questions about a pstats function key, answered once. */
#ifndef PR_FUNCKEY_H
#define PR_FUNCKEY_H

#include "profreport.h"

#include <stdio.h>
#include <string.h>

/* A C function: cProfile keys them ('~', 0, '<built-in ...>'),
 * profile.py ('', 0, name). */
int pr__is_builtin(const pr_func_key *k);

/* Same file, line and name (byte for byte). Inline: the hash tables'
 * hot path. */
static inline int pr__key_eq(const pr_func_key *a, const pr_func_key *b)
{
    return a->line == b->line && a->file.len == b->file.len &&
           a->name.len == b->name.len &&
           (a->file.len == 0 ||
            memcmp(a->file.ptr, b->file.ptr, a->file.len) == 0) &&
           (a->name.len == 0 ||
            memcmp(a->name.ptr, b->name.ptr, a->name.len) == 0);
}

/* The report's order of keys: file, line, name, bytes compared. */
int pr__key_cmp(const pr_func_key *a, const pr_func_key *b);

/* pstats' way of naming a function: file:line(name), or {label} for
 * built-ins keyed ('~', 0, '<label>') (only cProfile's form: pstats
 * writes profile.py's ('', 0, name) as ":0(name)"). Writes through
 * `put`, an escaping function of escape.h or fwrite-like. */
void pr__func_label(const pr_func_key *k,
                    void (*put)(FILE *, const char *, size_t), FILE *out);

#endif
