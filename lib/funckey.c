/* funckey.c - questions about a pstats function key (funckey.h). */
#include "funckey.h"

#include <string.h>

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
