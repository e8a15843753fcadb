/* reqname.c - what a profile's file name says about its request.
 *
 * werkzeug's ProfilerMiddleware names each file with a str.format
 * template, by default "{method}.{path}.{elapsed:.0f}ms.{time:.0f}.prof"
 * (older releases: "%s.%s.%06dms.%d.prof", the same shape zero-padded).
 * A template is compiled into literal and field tokens and matched with
 * backtracking; {path} may contain dots, so it is tried longest first,
 * which is how werkzeug's own names read (pstats-format.md 4.2).
 */
#include "reqname.h"
#include "status.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

enum tok_kind { TOK_LIT, TOK_METHOD, TOK_PATH, TOK_ELAPSED, TOK_TIME };

typedef struct tok {
    enum tok_kind kind;
    char *lit;     /* TOK_LIT */
    size_t len;
    int decimals;  /* numbers: -1 any (optional fraction), 0 none, N exact */
} tok;

struct pr_name_format {
    tok *t;
    size_t n;
    int ends_gz;   /* the template itself ends in .gz */
};

static const char DEFAULT_FORMAT[] =
    "{method}.{path}.{elapsed:.0f}ms.{time}.prof";

void pr_name_format_free(pr_name_format *f)
{
    if (f == NULL)
        return;
    for (size_t i = 0; i < f->n; i++)
        free(f->t[i].lit);
    free(f->t);
    free(f);
}

/* "{elapsed:.3f}" -> 3; "{elapsed:06d}", "{elapsed:.0f}", "{elapsed:d}"
 * -> 0; "{time}" with no spec -> -1 (digits, optional fraction). */
static int spec_decimals(const char *spec, size_t n, int *out)
{
    if (n == 0) {
        *out = -1;
        return 0;
    }
    size_t i = 0;
    while (i < n && (isdigit((unsigned char)spec[i]) || spec[i] == '0'))
        i++; /* width / zero padding: digits stay digits */
    if (i < n && spec[i] == '.') {
        i++;
        int d = 0;
        if (i >= n || !isdigit((unsigned char)spec[i]))
            return -1;
        while (i < n && isdigit((unsigned char)spec[i])) {
            d = d * 10 + (spec[i] - '0');
            if (d > 30)
                return -1;
            i++;
        }
        if (i + 1 != n || (spec[i] != 'f' && spec[i] != 'F'))
            return -1;
        *out = d;
        return 0;
    }
    if (i + 1 == n && spec[i] == 'd') {
        *out = 0;
        return 0;
    }
    if (i == n) {
        *out = -1;
        return 0;
    }
    return -1;
}

static int add_tok(pr_name_format *f, tok t)
{
    tok *v = realloc(f->t, (f->n + 1) * sizeof *v);
    if (v == NULL)
        return -1;
    f->t = v;
    f->t[f->n++] = t;
    return 0;
}

pr_status pr_name_format_compile(const char *fmt, pr_name_format **out,
                                 pr_error *err)
{
    *out = NULL;
    if (fmt == NULL)
        fmt = DEFAULT_FORMAT;
    pr_name_format *f = calloc(1, sizeof *f);
    if (f == NULL)
        return pr__fail(err, PR_ERR_NOMEM, PR_NO_OFFSET, "out of memory");
    size_t i = 0, n = strlen(fmt);
    char *lit = malloc(n + 1);
    size_t nlit = 0;
    if (lit == NULL)
        goto nomem;
    while (i <= n) {
        int flush = i == n || (fmt[i] == '{' && !(i + 1 < n && fmt[i + 1] == '{'));
        if (flush && nlit > 0) {
            tok t = {TOK_LIT, NULL, nlit, 0};
            if ((t.lit = malloc(nlit)) == NULL)
                goto nomem;
            memcpy(t.lit, lit, nlit);
            if (add_tok(f, t) != 0) {
                free(t.lit);
                goto nomem;
            }
            nlit = 0;
        }
        if (i == n)
            break;
        if ((fmt[i] == '{' && i + 1 < n && fmt[i + 1] == '{') ||
            (fmt[i] == '}' && i + 1 < n && fmt[i + 1] == '}')) {
            lit[nlit++] = fmt[i];
            i += 2;
            continue;
        }
        if (fmt[i] == '}') {
            free(lit);
            pr_name_format_free(f);
            return pr__fail(err, PR_ERR_USAGE, i,
                            "name format: single '}' (write '}}')");
        }
        if (fmt[i] != '{') {
            lit[nlit++] = fmt[i++];
            continue;
        }
        const char *close = strchr(fmt + i, '}');
        if (close == NULL) {
            free(lit);
            pr_name_format_free(f);
            return pr__fail(err, PR_ERR_USAGE, i, "name format: unclosed '{'");
        }
        const char *name = fmt + i + 1;
        size_t len = (size_t)(close - name);
        const char *colon = memchr(name, ':', len);
        size_t nlen = colon ? (size_t)(colon - name) : len;
        tok t = {TOK_LIT, NULL, 0, 0};
        if (nlen == 6 && memcmp(name, "method", 6) == 0)
            t.kind = TOK_METHOD;
        else if (nlen == 4 && memcmp(name, "path", 4) == 0)
            t.kind = TOK_PATH;
        else if (nlen == 7 && memcmp(name, "elapsed", 7) == 0)
            t.kind = TOK_ELAPSED;
        else if (nlen == 4 && memcmp(name, "time", 4) == 0)
            t.kind = TOK_TIME;
        else {
            free(lit);
            pr_name_format_free(f);
            return pr__fail(err, PR_ERR_USAGE, i,
                            "name format: unknown field '%.*s' (use method, "
                            "path, elapsed, time)", (int)nlen, name);
        }
        if (t.kind == TOK_ELAPSED || t.kind == TOK_TIME) {
            const char *spec = colon ? colon + 1 : name + len;
            if (spec_decimals(spec, (size_t)(close - spec), &t.decimals) != 0) {
                free(lit);
                pr_name_format_free(f);
                return pr__fail(err, PR_ERR_USAGE, i,
                                "name format: unsupported number format in "
                                "'%.*s'", (int)len + 2, name - 1);
            }
        }
        /* Each field at most once: {method} and {path} match variable
         * lengths, and several of them would make matching backtrack
         * exponentially. */
        for (size_t k = 0; k < f->n; k++)
            if (f->t[k].kind == t.kind) {
                free(lit);
                pr_name_format_free(f);
                return pr__fail(err, PR_ERR_USAGE, i,
                                "name format: field '%.*s' given twice",
                                (int)nlen, name);
            }
        if (add_tok(f, t) != 0)
            goto nomem;
        i = (size_t)(close - fmt) + 1;
    }
    free(lit);
    f->ends_gz = n >= 3 && strcmp(fmt + n - 3, ".gz") == 0;
    *out = f;
    return PR_OK;
nomem:
    free(lit);
    pr_name_format_free(f);
    return pr__fail(err, PR_ERR_NOMEM, PR_NO_OFFSET, "out of memory");
}

/* Length of a number at s: digits, then a fraction as `decimals` says. */
static size_t number_len(const char *s, size_t n, int decimals)
{
    size_t i = 0;
    while (i < n && isdigit((unsigned char)s[i]))
        i++;
    if (i == 0)
        return 0;
    if (decimals == 0)
        return i;
    if (i < n && s[i] == '.') {
        size_t j = i + 1;
        while (j < n && isdigit((unsigned char)s[j]))
            j++;
        if (decimals < 0 && j > i + 1)
            return j;
        if (decimals > 0 && j - i - 1 == (size_t)decimals)
            return j;
    }
    return decimals > 0 ? 0 : i;
}

static double to_double(const char *s, size_t n)
{
    char buf[64];
    if (n >= sizeof buf)
        n = sizeof buf - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    return strtod(buf, NULL);
}

static int match(const pr_name_format *f, size_t k, const char *s, size_t n,
                 pr_name_fields *out)
{
    if (k == f->n)
        return n == 0;
    const tok *t = &f->t[k];
    switch (t->kind) {
    case TOK_LIT:
        return n >= t->len && memcmp(s, t->lit, t->len) == 0 &&
               match(f, k + 1, s + t->len, n - t->len, out);
    case TOK_METHOD: {
        /* An HTTP token: letters, digits, '-' and '_', no dots. */
        size_t i = 0;
        while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '-' ||
                         s[i] == '_'))
            i++;
        for (; i > 0; i--)
            if (match(f, k + 1, s + i, n - i, out)) {
                out->method.ptr = s;
                out->method.len = i;
                out->has_method = 1;
                return 1;
            }
        return 0;
    }
    case TOK_PATH:
        for (size_t i = n; i > 0; i--)
            if (match(f, k + 1, s + i, n - i, out)) {
                out->path.ptr = s;
                out->path.len = i;
                out->has_path = 1;
                return 1;
            }
        return 0;
    case TOK_ELAPSED:
    case TOK_TIME: {
        size_t i = number_len(s, n, t->decimals);
        if (i == 0 || !match(f, k + 1, s + i, n - i, out))
            return 0;
        if (t->kind == TOK_ELAPSED) {
            out->elapsed_ms = to_double(s, i);
            out->has_elapsed = 1;
        } else {
            out->time = to_double(s, i);
            out->has_time = 1;
        }
        return 1;
    }
    }
    return 0;
}

int pr_name_parse(const pr_name_format *f, const char *name,
                  pr_name_fields *out)
{
    memset(out, 0, sizeof *out);
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    size_t n = strlen(base);
    /* Backtracking is quadratic in the name; real names are < 256. */
    if (n > 1024)
        return 0;
    if (!f->ends_gz && n > 3 && strcmp(base + n - 3, ".gz") == 0)
        n -= 3;
    if (!match(f, 0, base, n, out)) {
        memset(out, 0, sizeof *out);
        return 0;
    }
    return 1;
}
