/* reqname.c - what a profile's file name says about its request.
 *
 * werkzeug's ProfilerMiddleware names each file with a str.format
 * template, by default "{method}.{path}.{elapsed:.0f}ms.{time:.0f}.prof"
 * (older releases: "%s.%s.%06dms.%d.prof", the same shape zero-padded).
 * A template is compiled into literal and field tokens and matched with
 * backtracking; {path} may contain dots, so it is tried longest first,
 * which is how werkzeug's own names read (pstats-format.md 4.2).
 *
 * Some names read more than one way: "GET.balance.5.785ms..." is
 * /balance/5 in 785 ms or /balance in 5.785 ms. Every reading is
 * enumerated, and the profile inside the file is the witness: its own
 * measured time cannot exceed the request's wall time, so the reading
 * whose wall time is at least that (give or take the printed precision),
 * and closest to it, is the true one.
 */
#include "reqname.h"
#include "status.h"

#include <ctype.h>
#include <math.h>
#include <stdint.h>
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

/* {elapsed} without a spec: werkzeug's .0f, and the decimals of a
 * customised "{elapsed:.3f}ms" (the profile then says which reading). */
static const char DEFAULT_FORMAT[] = "{method}.{path}.{elapsed}ms.{time}.prof";

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

/* Every reading of a name: a depth-first walk over the template that
 * records each complete match, in the order the first match used to be
 * found ({method} and {path} longest first, a number with its fraction
 * before the number without), so readings[0] is the old single answer. */
typedef struct walk {
    const pr_name_format *f;
    pr__name_reading *out;
    size_t max, n;
    pr_name_fields cur;
    double tol_ms;
} walk;

/* Half a unit of the last printed digit: str.format rounds. A zero-padded
 * integer is werkzeug's old "%06d", which truncates: a whole unit. */
static double elapsed_tolerance(const char *s, size_t n)
{
    size_t dot = 0;
    while (dot < n && s[dot] != '.')
        dot++;
    double unit = 1;
    for (size_t i = dot + 1; i < n; i++)
        unit /= 10;
    int padded = dot > 1 && s[0] == '0';
    return padded ? unit : unit / 2;
}

static void walk_from(walk *w, size_t k, const char *s, size_t n)
{
    if (w->n >= w->max)
        return;
    if (k == w->f->n) {
        if (n == 0) {
            w->out[w->n].fields = w->cur;
            w->out[w->n].tol_ms = w->tol_ms;
            w->n++;
        }
        return;
    }
    const tok *t = &w->f->t[k];
    switch (t->kind) {
    case TOK_LIT:
        if (n >= t->len && memcmp(s, t->lit, t->len) == 0)
            walk_from(w, k + 1, s + t->len, n - t->len);
        return;
    case TOK_METHOD: {
        /* An HTTP token: letters, digits, '-' and '_', no dots. */
        size_t i = 0;
        while (i < n && (isalnum((unsigned char)s[i]) || s[i] == '-' ||
                         s[i] == '_'))
            i++;
        for (; i > 0 && w->n < w->max; i--) {
            w->cur.method.ptr = s;
            w->cur.method.len = i;
            w->cur.has_method = 1;
            walk_from(w, k + 1, s + i, n - i);
        }
        memset(&w->cur.method, 0, sizeof w->cur.method);
        w->cur.has_method = 0;
        return;
    }
    case TOK_PATH:
        for (size_t i = n; i > 0 && w->n < w->max; i--) {
            w->cur.path.ptr = s;
            w->cur.path.len = i;
            w->cur.has_path = 1;
            walk_from(w, k + 1, s + i, n - i);
        }
        memset(&w->cur.path, 0, sizeof w->cur.path);
        w->cur.has_path = 0;
        return;
    case TOK_ELAPSED:
    case TOK_TIME: {
        /* With an optional fraction, "5.785" is also "5" then ".785". */
        size_t len[2] = {number_len(s, n, t->decimals), 0};
        if (t->decimals < 0 && len[0] > 0)
            len[1] = number_len(s, n, 0);
        for (size_t a = 0; a < 2 && len[a] > 0; a++) {
            if (a == 1 && len[1] == len[0])
                break;
            size_t i = len[a];
            if (t->kind == TOK_ELAPSED) {
                w->cur.elapsed_ms = to_double(s, i);
                w->cur.has_elapsed = 1;
                w->tol_ms = elapsed_tolerance(s, i);
            } else {
                w->cur.time = to_double(s, i);
                w->cur.has_time = 1;
            }
            walk_from(w, k + 1, s + i, n - i);
        }
        if (t->kind == TOK_ELAPSED) {
            w->cur.elapsed_ms = 0;
            w->cur.has_elapsed = 0;
            w->tol_ms = 0;
        } else {
            w->cur.time = 0;
            w->cur.has_time = 0;
        }
        return;
    }
    }
}

size_t pr__name_parse_all(const pr_name_format *f, const char *name,
                          pr__name_reading *out, size_t max)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    size_t n = strlen(base);
    /* Backtracking is quadratic in the name; real names are < 256. */
    if (n > 1024 || max == 0)
        return 0;
    if (!f->ends_gz && n > 3 && strcmp(base + n - 3, ".gz") == 0)
        n -= 3;
    walk w;
    memset(&w, 0, sizeof w);
    w.f = f;
    w.out = out;
    w.max = max;
    walk_from(&w, 0, base, n);
    return w.n;
}

/* How far above the profiled time a reading still counts as close. */
#define CLOSE_RATIO 1.05
#define CLOSE_MS 0.5

pr__wall_source pr__name_parse_witness(const pr_name_format *f,
                                       const char *name, double profiled_ms,
                                       pr_name_fields *out)
{
    pr__name_reading r[PR__NAME_MAX_READINGS];
    size_t n = pr__name_parse_all(f, name, r, PR__NAME_MAX_READINGS);
    memset(out, 0, sizeof *out);
    if (n == 0)
        return PR__WALL_UNNAMED;
    size_t first = SIZE_MAX, best = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        const pr_name_fields *c = &r[i].fields;
        if (!c->has_elapsed)
            continue;
        /* Rounding may print a little under the truth; a clock's step
         * between two readings is far below the epsilon. */
        double slack = r[i].tol_ms + 1e-6 + profiled_ms * 1e-9;
        if (c->elapsed_ms < profiled_ms - slack)
            continue;
        if (first == SIZE_MAX)
            first = i;
        /* Close: CPython's profile measures the request to within a few
         * hundredths of a ms. PyPy's can measure far less (2 ms of 20):
         * there a reading is not close, and the template's first reading
         * stands ("GET.page.28.32ms" is /page/28 in 32 ms, not /page in
         * 28.32 ms, although 28.32 is nearer to 2). */
        if (c->elapsed_ms > profiled_ms * CLOSE_RATIO + CLOSE_MS + slack)
            continue;
        if (best == SIZE_MAX ||
            fabs(c->elapsed_ms - profiled_ms) <
                fabs(r[best].fields.elapsed_ms - profiled_ms))
            best = i;
    }
    if (best == SIZE_MAX)
        best = first;
    if (best != SIZE_MAX) {
        *out = r[best].fields;
        return PR__WALL_NAME;
    }
    *out = r[0].fields;
    return out->has_elapsed ? PR__WALL_REJECTED : PR__WALL_NO_ELAPSED;
}

int pr_name_parse(const pr_name_format *f, const char *name,
                  pr_name_fields *out)
{
    pr__name_reading r;
    memset(out, 0, sizeof *out);
    if (pr__name_parse_all(f, name, &r, 1) == 0)
        return 0;
    *out = r.fields;
    return 1;
}
