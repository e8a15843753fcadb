/* funckey.c - questions about a pstats function key (funckey.h). */
#include "funckey.h"

#include <string.h>

static int cmp_str(pr_str a, pr_str b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n ? memcmp(a.ptr, b.ptr, n) : 0;
    if (c != 0)
        return c;
    return (a.len > b.len) - (a.len < b.len);
}

int pr__key_cmp(const pr_func_key *a, const pr_func_key *b)
{
    int c = cmp_str(a->file, b->file);
    if (c != 0)
        return c;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    return cmp_str(a->name, b->name);
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

void pr__func_anchor(const pr_func_key *k, char *buf, size_t cap)
{
    uint64_t h = 0xcbf29ce484222325ull;
    long long line = (long long)k->line;
    h = fnv(h, k->file.ptr, k->file.len);
    h = fnv(h, "\0", 1);
    h = fnv(h, &line, sizeof line);
    h = fnv(h, k->name.ptr, k->name.len);
    snprintf(buf, cap, "fn-%016llx", (unsigned long long)h);
}

int pr__is_builtin(const pr_func_key *k)
{
    return k->line == 0 &&
           (k->file.len == 0 || (k->file.len == 1 && k->file.ptr[0] == '~'));
}

void pr__func_label(const pr_func_key *k,
                    void (*put)(FILE *, const char *, size_t), FILE *out)
{
    const pr_str *f = &k->file, *n = &k->name;
    /* pstats (func_std_string) braces only cProfile's ('~', 0) keys. */
    if (pr__is_builtin(k) && f->len == 1) {
        if (n->len >= 2 && n->ptr[0] == '<' && n->ptr[n->len - 1] == '>') {
            put(out, "{", 1);
            put(out, n->ptr + 1, n->len - 2);
            put(out, "}", 1);
        } else {
            put(out, n->ptr, n->len);
        }
        return;
    }
    char line[32];
    int ln = snprintf(line, sizeof line, ":%lld(", (long long)k->line);
    put(out, f->ptr, f->len);
    put(out, line, (size_t)ln);
    put(out, n->ptr, n->len);
    put(out, ")", 1);
}


