/* marshal.c - Python marshal decoder for stats files.
 *
 * Accepts the union of what CPython 2.x/3.x and PyPy3 write (marshal
 * versions 0-5): see shared docs pstats-format.md, section 2. One cursor,
 * every read through a checked helper, every length checked against the
 * bytes that remain before anything is allocated.
 */
#include "marshal.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FLAG_REF 0x80

/* Work allowed per file, in objects read and code layouts tried: a file
 * read once reads at most one object per byte, and real files try a
 * wrong code layout only a few times. Hostile nesting of code objects
 * would otherwise re-read the same bytes 4^depth times (a 3.5 KB file
 * the fuzzer found took 27 ms, 1.2 s under ASan). Code objects nest
 * (consts) only a few levels deep. */
enum { WORK_PER_BYTE = 4, WORK_BASE = 4096, MAX_CODE_DEPTH = 64 };


void mdecoder_init(mdecoder *d)
{
    memset(d, 0, sizeof *d);
    arena_init(&d->arena);
    arena_init(&d->keep);
}

void mdecoder_free(mdecoder *d)
{
    arena_free(&d->arena);
    arena_free(&d->keep);
    free(d->refs);
    free(d->interned);
    free(d->stack);
    memset(d, 0, sizeof *d);
}

static int grow(mval ***v, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 256;
    while (ncap < need)
        ncap *= 2;
    mval **nv = realloc(*v, ncap * sizeof **v);
    if (nv == NULL)
        return -1;
    *v = nv;
    *cap = ncap;
    return 0;
}

static pr_status push(mval ***v, size_t *n, size_t *cap, mval *x,
                      pr_error *err, uint64_t off)
{
    if (grow(v, cap, *n + 1) != 0)
        return pr__fail(err, PR_ERR_NOMEM, off, "out of memory");
    (*v)[(*n)++] = x;
    return PR_OK;
}

/* ---- checked reads ---------------------------------------------------- */

static size_t left(const mdecoder *d) { return d->len - d->pos; }

static pr_status need(mdecoder *d, size_t n, const char *what, pr_error *err)
{
    if (left(d) < n)
        return pr__fail(err, PR_ERR_TRUNCATED, d->pos,
                        "truncated: expected %s (%zu bytes), %zu left", what,
                        n, left(d));
    return PR_OK;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static pr_status rd_i32(mdecoder *d, int32_t *v, const char *what,
                        pr_error *err)
{
    pr_status st = need(d, 4, what, err);
    if (st != PR_OK)
        return st;
    *v = (int32_t)le32(d->buf + d->pos);
    d->pos += 4;
    return PR_OK;
}

/* A length or count: int32 in 0..0x7FFFFFFF that also fits the input,
 * given each unit takes at least `unit` bytes. */
static pr_status rd_len(mdecoder *d, size_t *n, size_t unit, const char *what,
                        pr_error *err)
{
    uint64_t at = d->pos;
    int32_t v;
    pr_status st = rd_i32(d, &v, what, err);
    if (st != PR_OK)
        return st;
    if (v < 0)
        return pr__fail(err, PR_ERR_BAD_LENGTH, at, "negative %s: %ld", what,
                        (long)v);
    if ((uint64_t)v * unit > left(d))
        return pr__fail(err, PR_ERR_BAD_LENGTH, at,
                        "%s of %ld does not fit in the %zu bytes left", what,
                        (long)v, left(d));
    *n = (size_t)v;
    return PR_OK;
}

/* Where a node goes: one a reference may name must outlive the streaming
 * reader's rewinds of d->arena. */
static arena *arena_for(mdecoder *d, int flag)
{
    return flag || d->keep_depth > 0 ? &d->keep : &d->arena;
}

static mval *new_val(arena *a, mkind kind, uint64_t off,
                     pr_error *err)
{
    mval *v = arena_alloc(a, sizeof *v);
    if (v == NULL) {
        pr__fail(err, PR_ERR_NOMEM, off, "out of memory");
        return NULL;
    }
    memset(v, 0, sizeof *v);
    v->kind = (uint8_t)kind;
    v->done = 1;
    v->off = off;
    return v;
}

/* ---- scalars ----------------------------------------------------------- */

/* `l`: 15-bit digits, least significant first, sign in the count. */
static pr_status rd_long(mdecoder *d, int64_t *out, pr_error *err)
{
    uint64_t at = d->pos;
    int32_t n;
    pr_status st = rd_i32(d, &n, "long digit count", err);
    if (st != PR_OK)
        return st;
    if (n == INT32_MIN)
        return pr__fail(err, PR_ERR_BAD_LENGTH, at, "bad long digit count");
    size_t nd = (size_t)(n < 0 ? -n : n);
    if (nd > left(d) / 2)
        return pr__fail(err, PR_ERR_BAD_LENGTH, at,
                        "long of %zu digits does not fit in the %zu bytes left",
                        nd, left(d));
    uint64_t mag = 0;
    for (size_t i = 0; i < nd; i++) {
        const unsigned char *p = d->buf + d->pos + 2 * i;
        unsigned dig = (unsigned)p[0] | (unsigned)p[1] << 8;
        if (dig > 0x7FFF)
            return pr__fail(err, PR_ERR_BAD_VALUE, d->pos + 2 * i,
                            "long digit out of range");
        if (i == nd - 1 && dig == 0)
            return pr__fail(err, PR_ERR_BAD_VALUE, d->pos + 2 * i,
                            "long with a zero top digit");
        if (dig == 0)
            continue; /* and no shift by 64 or more bits */
        if (15 * i >= 63)
            return pr__fail(err, PR_ERR_BAD_VALUE, at,
                            "integer does not fit in 64 bits");
        uint64_t add = (uint64_t)dig << (15 * i);
        if (15 * i + 15 > 63 && (add >> (15 * i)) != dig)
            return pr__fail(err, PR_ERR_BAD_VALUE, at,
                            "integer does not fit in 64 bits");
        mag |= add;
    }
    d->pos += 2 * nd;
    if (mag > (uint64_t)INT64_MAX + (n < 0 ? 1u : 0u))
        return pr__fail(err, PR_ERR_BAD_VALUE, at,
                        "integer does not fit in 64 bits");
    *out = n < 0 ? (int64_t)(0 - mag) : (int64_t)mag;
    return PR_OK;
}

/* `f`: text float, uint8 length. Parsed by hand-off to strtod on a
 * NUL-terminated copy; the library never calls setlocale, so '.' holds. */
static pr_status rd_text_float(mdecoder *d, double *out, pr_error *err)
{
    uint64_t at = d->pos;
    pr_status st = need(d, 1, "float text length", err);
    if (st != PR_OK)
        return st;
    size_t n = d->buf[d->pos++];
    if ((st = need(d, n, "float text", err)) != PR_OK)
        return st;
    char tmp[256];
    memcpy(tmp, d->buf + d->pos, n);
    tmp[n] = '\0';
    char *end;
    *out = strtod(tmp, &end);
    if (n == 0 || *end != '\0')
        return pr__fail(err, PR_ERR_BAD_VALUE, at, "bad float text");
    d->pos += n;
    return PR_OK;
}

/* Whether n bytes at p are ASCII (then Latin-1 text is used in place). */
static int ascii(const unsigned char *p, size_t n)
{
    uint64_t any = 0, w;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        memcpy(&w, p + i, 8);
        any |= w;
    }
    for (; i < n; i++)
        any |= p[i];
    return (any & 0x8080808080808080ULL) == 0;
}

/* a/A/z/Z: one byte per code point (Latin-1). ASCII is used in place;
 * bytes >= 0x80 are re-encoded as UTF-8 so every MV_STR is UTF-8. */
static pr_status latin1_str(mdecoder *d, arena *a, mval *v, size_t n,
                            pr_error *err)
{
    const unsigned char *p = d->buf + d->pos;
    size_t high = 0, i;
    if (!ascii(p, n)) /* names are: no need to count */
        for (i = 0; i < n; i++)
            high += p[i] >> 7;
    if (high == 0) {
        v->u.s.ptr = (const char *)p;
        v->u.s.len = n;
        return PR_OK;
    }
    unsigned char *q = arena_alloc(a, n + high);
    if (q == NULL)
        return pr__fail(err, PR_ERR_NOMEM, v->off, "out of memory");
    size_t j = 0;
    for (i = 0; i < n; i++) {
        if (p[i] < 0x80) {
            q[j++] = p[i];
        } else {
            q[j++] = (unsigned char)(0xC0 | p[i] >> 6);
            q[j++] = (unsigned char)(0x80 | (p[i] & 0x3F));
        }
    }
    v->u.s.ptr = (const char *)q;
    v->u.s.len = j;
    return PR_OK;
}

/* ---- objects ----------------------------------------------------------- */

static pr_status rd_obj(mdecoder *d, int depth, mval **out, pr_error *err);

/* Reserves a ref slot for a flagged container before its children. */
static pr_status reserve(mdecoder *d, int flag, mval *v, pr_error *err)
{
    if (!flag)
        return PR_OK;
    return push(&d->refs, &d->nrefs, &d->caprefs, v, err, v->off);
}

/* Reads n items into v, allocated in a; inside a flagged container
 * (flag) everything goes to d->keep. */
static pr_status rd_seq(mdecoder *d, int depth, mval *v, size_t n, arena *a,
                        int flag, pr_error *err)
{
    v->done = 0;
    v->n = (uint32_t)n;
    v->u.items = NULL;
    if (n > 0) {
        v->u.items = arena_alloc(a, n * sizeof *v->u.items);
        if (v->u.items == NULL)
            return pr__fail(err, PR_ERR_NOMEM, v->off, "out of memory");
    }
    if (flag)
        d->keep_depth++;
    for (size_t i = 0; i < n; i++) {
        /* References are most items of a function key. */
        if (depth < PR_MAX_DEPTH && pr__md_fast_ref(d, &v->u.items[i]))
            continue;
        pr_status st = rd_obj(d, depth + 1, &v->u.items[i], err);
        if (st != PR_OK)
            return st;
        if (v->u.items[i] == NULL)
            return pr__fail(err, PR_ERR_BAD_TYPE, d->pos - 1,
                            "expected an object, found the NULL marker '0'");
    }
    if (flag)
        d->keep_depth--;
    v->done = 1;
    return PR_OK;
}

static pr_status rd_dict(mdecoder *d, int depth, mval *v, arena *a, int flag,
                         pr_error *err)
{
    size_t base = d->nstack;
    v->done = 0;
    if (flag)
        d->keep_depth++;
    for (;;) {
        mval *k, *x;
        pr_status st = rd_obj(d, depth + 1, &k, err);
        if (st != PR_OK)
            return st;
        if (k == NULL)
            break;
        uint64_t voff = d->pos;
        if ((st = rd_obj(d, depth + 1, &x, err)) != PR_OK)
            return st;
        if (x == NULL)
            return pr__fail(err, PR_ERR_BAD_TYPE, voff,
                            "expected a dict value, found the NULL marker '0'");
        if ((st = push(&d->stack, &d->nstack, &d->capstack, k, err, voff)) ||
            (st = push(&d->stack, &d->nstack, &d->capstack, x, err, voff)))
            return st;
    }
    if (flag)
        d->keep_depth--;
    size_t nitems = d->nstack - base;
    if (nitems / 2 > UINT32_MAX)
        return pr__fail(err, PR_ERR_BAD_LENGTH, v->off, "dict too large");
    v->n = (uint32_t)(nitems / 2);
    v->u.items = NULL;
    if (nitems > 0) {
        v->u.items = arena_alloc(a, nitems * sizeof *v->u.items);
        if (v->u.items == NULL)
            return pr__fail(err, PR_ERR_NOMEM, v->off, "out of memory");
        memcpy(v->u.items, d->stack + base, nitems * sizeof *v->u.items);
    }
    d->nstack = base;
    v->done = 1;
    return PR_OK;
}

/* Code object layouts (pstats-format.md 2.9). `kinds` gives, per object
 * field, what it must be: b = bytes, t = tuple, s = str or bytes. */
typedef struct code_layout {
    int nints;         /* int32 fields before the objects */
    const char *kinds; /* object fields before firstlineno */
    int file_idx, name_idx;
    const char *trail; /* object fields after firstlineno */
} code_layout;

static const code_layout LAYOUTS[] = {
    {5, "btttbsss", 5, 6, "bb"}, /* CPython 3.11 - 3.14 */
    {6, "btttttss", 6, 7, "b"},  /* CPython 3.8 - 3.10, PyPy3 */
    {5, "btttttss", 6, 7, "b"},  /* CPython 3.0 - 3.7 */
    {4, "btttttss", 6, 7, "b"},  /* CPython 2.x */
};
enum { NLAYOUTS = sizeof LAYOUTS / sizeof LAYOUTS[0] };

static int kind_ok(char want, const mval *v)
{
    switch (want) {
    case 'b': return v->kind == MV_BYTES || v->kind == MV_STR;
    case 't': return v->kind == MV_TUPLE;
    default: return v->kind == MV_STR || v->kind == MV_BYTES;
    }
}

static pr_status try_layout(mdecoder *d, int depth, const code_layout *L,
                            mval *v, arena *a, pr_error *err)
{
    pr_status st;
    int32_t ignored, line;
    mval *f[8] = {0};
    for (int i = 0; i < L->nints; i++)
        if ((st = rd_i32(d, &ignored, "code object header", err)) != PR_OK)
            return st;
    for (size_t i = 0; L->kinds[i]; i++) {
        uint64_t at = d->pos;
        if ((st = rd_obj(d, depth + 1, &f[i], err)) != PR_OK)
            return st;
        if (f[i] == NULL || !kind_ok(L->kinds[i], f[i]))
            return pr__fail(err, PR_ERR_BAD_TYPE, at,
                            "code object field %zu has the wrong type", i);
    }
    if ((st = rd_i32(d, &line, "code object firstlineno", err)) != PR_OK)
        return st;
    for (const char *t = L->trail; *t; t++) {
        mval *x;
        uint64_t at = d->pos;
        if ((st = rd_obj(d, depth + 1, &x, err)) != PR_OK)
            return st;
        if (x == NULL || !kind_ok(*t, x))
            return pr__fail(err, PR_ERR_BAD_TYPE, at,
                            "code object trailer has the wrong type");
    }
    const mval *file = f[L->file_idx], *name = f[L->name_idx];
    /* pstats shows repr(code): keep the name, file and line; drop the
     * address, which differs between runs. */
    size_t cap = name->u.s.len + file->u.s.len + 64;
    char *s = arena_alloc(a, cap);
    if (s == NULL)
        return pr__fail(err, PR_ERR_NOMEM, v->off, "out of memory");
    int n = snprintf(s, cap, "<code object %.*s, file \"%.*s\", line %ld>",
                     (int)name->u.s.len, name->u.s.ptr, (int)file->u.s.len,
                     file->u.s.ptr, (long)line);
    v->u.code.name.ptr = s;
    v->u.code.name.len = n < 0 ? 0 : (size_t)n;
    v->u.code.file = file->u.s;
    v->u.code.line = line;
    return PR_OK;
}

static pr_status too_complex(const mdecoder *d, uint64_t at, pr_error *err)
{
    return pr__fail(err, PR_ERR_TOO_DEEP, at,
                    "code objects too complex to decode (more than %d "
                    "objects read per byte of the %zu)",
                    WORK_PER_BYTE, d->len);
}

static pr_status rd_code(mdecoder *d, int depth, mval *v, arena *a, int flag,
                         pr_error *err)
{
    if (d->code_depth >= MAX_CODE_DEPTH)
        return pr__fail(err, PR_ERR_TOO_DEEP, v->off,
                        "code objects nested more than %d deep",
                        MAX_CODE_DEPTH);
    pr_status st = reserve(d, flag, v, err);
    if (st != PR_OK)
        return st;
    v->done = 0;
    size_t pos = d->pos, nrefs = d->nrefs, nint = d->ninterned;
    size_t nstack = d->nstack;
    int keep_depth = d->keep_depth;
    arena_mark mark = arena_get_mark(&d->arena);
    arena_mark kmark = arena_get_mark(&d->keep);
    if (flag)
        d->keep_depth++;
    pr_error best = {PR_ERR_BAD_TYPE, v->off, "code object of no known layout"};
    d->code_depth++;
    for (int k = 0; k < NLAYOUTS; k++) {
        int li = (d->last_layout + k) % NLAYOUTS;
        if (d->budget == 0) {
            d->code_depth--;
            return too_complex(d, v->off, err);
        }
        d->budget--;
        pr_error e;
        st = try_layout(d, depth, &LAYOUTS[li], v, a, &e);
        if (st == PR_OK) {
            d->last_layout = li;
            d->code_depth--;
            d->keep_depth = keep_depth;
            v->done = 1;
            return PR_OK;
        }
        if (st == PR_ERR_NOMEM || st == PR_ERR_TOO_DEEP) {
            d->code_depth--;
            if (err)
                *err = e;
            return st;
        }
        /* Report the layout that read furthest; at a tie, a truncation
         * (the file simply ends) over a type mismatch. */
        if (e.offset != PR_NO_OFFSET &&
            (e.offset > best.offset ||
             (e.offset == best.offset && (e.code == PR_ERR_TRUNCATED ||
                                          best.code != PR_ERR_TRUNCATED))))
            best = e;
        d->pos = pos;
        d->nrefs = nrefs;
        d->ninterned = nint;
        d->nstack = nstack;
        d->keep_depth = keep_depth + (flag != 0);
        arena_rewind(&d->arena, mark);
        arena_rewind(&d->keep, kmark);
    }
    d->code_depth--;
    d->keep_depth = keep_depth;
    if (err)
        *err = best;
    return best.code;
}

/* What every object costs before its type byte is looked at: a level of
 * depth, a unit of the work budget, and that byte. */
static pr_status start_obj(mdecoder *d, int depth, pr_error *err)
{
    if (depth > PR_MAX_DEPTH)
        return pr__fail(err, PR_ERR_TOO_DEEP, d->pos,
                        "objects nested more than %d deep", PR_MAX_DEPTH);
    if (d->budget == 0)
        return too_complex(d, d->pos, err);
    d->budget--;
    if (left(d) == 0)
        return pr__fail(err, PR_ERR_TRUNCATED, d->pos,
                        "truncated: expected a type byte");
    return PR_OK;
}

/* The object a reference `r` names (its type byte at `at` is read). */
static pr_status rd_ref(mdecoder *d, uint64_t at, mval **out, pr_error *err)
{
    int32_t i32;
    pr_status st = rd_i32(d, &i32, "reference index", err);
    if (st != PR_OK)
        return st;
    if (i32 < 0 || (size_t)i32 >= d->nrefs)
        return pr__fail(err, PR_ERR_BAD_REF, at,
                        "reference %ld to an unknown object (%zu known)",
                        (long)i32, d->nrefs);
    if (!d->refs[i32]->done)
        return pr__fail(err, PR_ERR_BAD_REF, at,
                        "reference %ld to an unfinished container (cycle)",
                        (long)i32);
    *out = d->refs[i32];
    return PR_OK;
}

static pr_status rd_obj(mdecoder *d, int depth, mval **out, pr_error *err)
{
    pr_status st = start_obj(d, depth, err);
    if (st != PR_OK)
        return st;
    uint64_t at = d->pos;
    int byte = d->buf[d->pos++];
    int flag = byte & FLAG_REF;
    int code = byte & 0x7F;
    /* Python 2's interned strings are named later too, by index. */
    arena *A = arena_for(d, flag || code == 't');
    mval *v = NULL;
    size_t n;
    int32_t i32;

    switch (code) {
    case '0':
        *out = NULL;
        return PR_OK;
    case 'N':
    case 'T':
    case 'F':
    case '.':
    case 'S':
        /* A node of its own (not a shared singleton) so that an error
         * about it can say where it is. */
        if ((v = new_val(A, code == 'N' ? MV_NONE
                            : code == '.' || code == 'S' ? MV_OTHER
                                                         : MV_BOOL,
                         at, err)) == NULL)
            return PR_ERR_NOMEM;
        v->u.i = code == 'T';
        *out = v;
        return PR_OK;
    case 'r':
        return rd_ref(d, at, out, err);
    case 'R':
        if ((st = rd_i32(d, &i32, "interned string index", err)) != PR_OK)
            return st;
        if (i32 < 0 || (size_t)i32 >= d->ninterned)
            return pr__fail(err, PR_ERR_BAD_REF, at,
                            "interned string %ld unknown (%zu known)",
                            (long)i32, d->ninterned);
        *out = d->interned[i32];
        return PR_OK;
    case '(':
    case ')':
    case '[':
    case '<':
    case '>':
        if ((v = new_val(A, code == '[' ? MV_LIST
                            : code == '<' || code == '>' ? MV_SET
                                                         : MV_TUPLE,
                         at, err)) == NULL)
            return PR_ERR_NOMEM;
        if ((st = reserve(d, flag, v, err)) != PR_OK)
            return st;
        if (code == ')') {
            if ((st = need(d, 1, "small tuple size", err)) != PR_OK)
                return st;
            n = d->buf[d->pos++];
            if (n > left(d))
                return pr__fail(err, PR_ERR_BAD_LENGTH, at + 1,
                                "tuple of %zu items does not fit in the %zu "
                                "bytes left", n, left(d));
        } else if ((st = rd_len(d, &n, 1, "container size", err)) != PR_OK) {
            return st;
        }
        if ((st = rd_seq(d, depth, v, n, A, flag, err)) != PR_OK)
            return st;
        *out = v;
        return PR_OK;
    case ':': /* slice (version >= 5): three objects */
        if ((v = new_val(A, MV_OTHER, at, err)) == NULL)
            return PR_ERR_NOMEM;
        if ((st = reserve(d, flag, v, err)) != PR_OK ||
            (st = rd_seq(d, depth, v, 3, A, flag, err)) != PR_OK)
            return st;
        v->kind = MV_OTHER;
        *out = v;
        return PR_OK;
    case '{':
        if ((v = new_val(A, MV_DICT, at, err)) == NULL)
            return PR_ERR_NOMEM;
        if ((st = reserve(d, flag, v, err)) != PR_OK ||
            (st = rd_dict(d, depth, v, A, flag, err)) != PR_OK)
            return st;
        *out = v;
        return PR_OK;
    case 'c':
        if ((v = new_val(A, MV_CODE, at, err)) == NULL)
            return PR_ERR_NOMEM;
        if ((st = rd_code(d, depth, v, A, flag, err)) != PR_OK)
            return st;
        *out = v;
        return PR_OK;
    default:
        break;
    }

    /* Scalars: decode, then take a ref slot if flagged. */
    if ((v = new_val(A, MV_INT, at, err)) == NULL)
        return PR_ERR_NOMEM;
    switch (code) {
    case 'i':
        if ((st = rd_i32(d, &i32, "int32", err)) != PR_OK)
            return st;
        v->u.i = i32;
        break;
    case 'I':
        if ((st = need(d, 8, "int64", err)) != PR_OK)
            return st;
        v->u.i = (int64_t)((uint64_t)le32(d->buf + d->pos) |
                           (uint64_t)le32(d->buf + d->pos + 4) << 32);
        d->pos += 8;
        break;
    case 'l':
        if ((st = rd_long(d, &v->u.i, err)) != PR_OK)
            return st;
        break;
    case 'g': {
        if ((st = need(d, 8, "binary float", err)) != PR_OK)
            return st;
        uint64_t bits = (uint64_t)le32(d->buf + d->pos) |
                        (uint64_t)le32(d->buf + d->pos + 4) << 32;
        memcpy(&v->u.f, &bits, sizeof v->u.f);
        d->pos += 8;
        v->kind = MV_FLOAT;
        break;
    }
    case 'f':
        if ((st = rd_text_float(d, &v->u.f, err)) != PR_OK)
            return st;
        v->kind = MV_FLOAT;
        break;
    case 'y': /* binary complex */
        if ((st = need(d, 16, "binary complex", err)) != PR_OK)
            return st;
        d->pos += 16;
        v->kind = MV_OTHER;
        break;
    case 'x': /* text complex: two text floats */
        for (int k = 0; k < 2; k++) {
            double ignored;
            if ((st = rd_text_float(d, &ignored, err)) != PR_OK)
                return st;
        }
        v->kind = MV_OTHER;
        break;
    case 'u':
    case 't':
    case 's':
    case 'a':
    case 'A':
        if ((st = rd_len(d, &n, 1, "string length", err)) != PR_OK)
            return st;
        goto string;
    case 'z':
    case 'Z':
        if ((st = need(d, 1, "short string length", err)) != PR_OK)
            return st;
        n = d->buf[d->pos++];
        if ((st = need(d, n, "short string", err)) != PR_OK)
            return st;
    string:
        v->kind = code == 's' ? MV_BYTES : MV_STR;
        if (code == 'a' || code == 'A' || code == 'z' || code == 'Z') {
            if ((st = latin1_str(d, A, v, n, err)) != PR_OK)
                return st;
        } else {
            v->u.s.ptr = (const char *)d->buf + d->pos;
            v->u.s.len = n;
        }
        d->pos += n;
        if (code == 't' &&
            (st = push(&d->interned, &d->ninterned, &d->capinterned, v, err,
                       at)) != PR_OK)
            return st;
        break;
    case '?':
        return pr__fail(err, PR_ERR_BAD_TYPE, at,
                        "unmarshallable-object marker '?' (a failed dump)");
    default:
        if (code >= 0x20 && code < 0x7F)
            return pr__fail(err, PR_ERR_BAD_TYPE, at,
                            "unknown marshal type code '%c' (0x%02x)", code,
                            byte);
        return pr__fail(err, PR_ERR_BAD_TYPE, at,
                        "unknown marshal type code 0x%02x", byte);
    }
    if (flag && (st = push(&d->refs, &d->nrefs, &d->caprefs, v, err, at)) !=
                    PR_OK)
        return st;
    *out = v;
    return PR_OK;
}

unsigned long mdecode_budget(size_t len)
{
    if (len > (ULONG_MAX - WORK_BASE) / WORK_PER_BYTE)
        return ULONG_MAX;
    return WORK_PER_BYTE * (unsigned long)len + WORK_BASE;
}

void pr__md_begin(mdecoder *d, const void *buf, size_t len)
{
    arena_reset(&d->arena);
    arena_reset(&d->keep);
    d->nrefs = d->ninterned = d->nstack = 0;
    d->buf = buf;
    d->len = len;
    d->pos = 0;
    d->code_depth = 0;
    d->keep_depth = 0;
    d->budget = mdecode_budget(len);
}

pr_status pr__md_obj(mdecoder *d, int depth, mval **out, pr_error *err)
{
    return rd_obj(d, depth, out, err);
}

pr_status pr__md_head(mdecoder *d, int depth, int want, mval **root_node,
                      int *code, size_t *n, pr_error *err)
{
    *code = 0;
    pr_status st = start_obj(d, depth, err);
    if (st != PR_OK)
        return st;
    uint64_t at = d->pos;
    int byte = d->buf[at], c = byte & 0x7F, flag = byte & FLAG_REF;
    int tuple = c == '(' || c == ')';
    if (!(want == '(' ? tuple : c == '{') || (flag && root_node == NULL)) {
        d->budget++; /* pr__md_obj will count it */
        return PR_OK;
    }
    d->pos++;
    if (flag) {
        mval *v = new_val(&d->keep, tuple ? MV_TUPLE : MV_DICT, at, err);
        if (v == NULL)
            return PR_ERR_NOMEM;
        v->done = 0;
        if ((st = reserve(d, flag, v, err)) != PR_OK)
            return st;
        *root_node = v;
    }
    if (c == ')') {
        if ((st = need(d, 1, "small tuple size", err)) != PR_OK)
            return st;
        *n = d->buf[d->pos++];
        if (*n > left(d))
            return pr__fail(err, PR_ERR_BAD_LENGTH, at + 1,
                            "tuple of %zu items does not fit in the %zu "
                            "bytes left", *n, left(d));
    } else if (c == '(') {
        if ((st = rd_len(d, n, 1, "container size", err)) != PR_OK)
            return st;
    }
    *code = want;
    return PR_OK;
}

/* The length of the object at offset p when it is a leaf pr__md_key
 * decodes itself: a reference to a finished object named before p, an
 * int32, or text used in place; 0 for anything else. */
static size_t key_leaf(const mdecoder *d, size_t p)
{
    size_t left = d->len - p;
    const unsigned char *b = d->buf + p;
    if (left < 2)
        return 0;
    int c = b[0] & 0x7F;
    uint32_t i;
    size_t n;
    switch (c) {
    case 'r':
        if (left < 5 || b[0] != 'r')
            return 0;
        i = le32(b + 1);
        return i < d->nrefs && d->refs[i]->done ? 5 : 0;
    case 'i':
        return left >= 5 ? 5 : 0;
    case 'z':
    case 'Z':
        n = b[1];
        return n <= left - 2 && ascii(b + 2, n) ? 2 + n : 0;
    case 'u':
    case 'a':
    case 'A':
        if (left < 5 || le32(b + 1) > left - 5)
            return 0;
        n = le32(b + 1);
        return c == 'u' || ascii(b + 5, n) ? 5 + n : 0;
    default:
        return 0;
    }
}

pr_status pr__md_key(mdecoder *d, int depth, mval **out, pr_error *err)
{
    size_t p = d->pos, len[3], q = p + 2;
    if (p < d->len && d->buf[p] == '0' && d->budget > 0 &&
        depth <= PR_MAX_DEPTH) { /* the end of a dict */
        d->budget--;
        d->pos++;
        *out = NULL;
        return PR_OK;
    }
    if (depth >= PR_MAX_DEPTH || d->budget < 4 || d->len - p < 2 ||
        (d->buf[p] & 0x7F) != ')' || d->buf[p + 1] != 3)
        return rd_obj(d, depth, out, err);
    for (int i = 0; i < 3; q += len[i++])
        if ((len[i] = key_leaf(d, q)) == 0)
            return rd_obj(d, depth, out, err);
    /* What rd_obj would do: the tuple, its reference slot, its items. */
    pr_status st;
    int flag = d->buf[p] & FLAG_REF;
    arena *A = arena_for(d, flag);
    mval *v = new_val(A, MV_TUPLE, p, err);
    if (v == NULL)
        return PR_ERR_NOMEM;
    if ((st = reserve(d, flag, v, err)) != PR_OK)
        return st;
    v->n = 3;
    if ((v->u.items = arena_alloc(A, 3 * sizeof *v->u.items)) == NULL)
        return pr__fail(err, PR_ERR_NOMEM, p, "out of memory");
    if (flag)
        d->keep_depth++;
    q = p + 2;
    for (int i = 0; i < 3; q += len[i++]) {
        const unsigned char *b = d->buf + q;
        int cflag = b[0] & FLAG_REF, c = b[0] & 0x7F;
        mval *x;
        if (c == 'r') {
            x = d->refs[le32(b + 1)];
        } else {
            x = new_val(arena_for(d, cflag), c == 'i' ? MV_INT : MV_STR, q,
                        err);
            if (x == NULL)
                return PR_ERR_NOMEM;
            if (c == 'i') {
                x->u.i = (int32_t)le32(b + 1);
            } else {
                size_t head = c == 'z' || c == 'Z' ? 2 : 5;
                x->u.s.ptr = (const char *)b + head;
                x->u.s.len = len[i] - head;
            }
            if (cflag && (st = push(&d->refs, &d->nrefs, &d->caprefs, x, err,
                                    q)) != PR_OK)
                return st;
        }
        v->u.items[i] = x;
    }
    if (flag)
        d->keep_depth--;
    d->budget -= 4;
    d->pos = q;
    *out = v;
    return PR_OK;
}

pr_status pr__md_scalar(mdecoder *d, int depth, mval *tmp, mval **out,
                        pr_error *err)
{
    pr_status st = start_obj(d, depth, err);
    if (st != PR_OK)
        return st;
    uint64_t at = d->pos;
    const unsigned char *p = d->buf + at;
    switch (p[0]) {
    case 'i':
        if (left(d) < 5)
            break;
        memset(tmp, 0, sizeof *tmp);
        tmp->kind = MV_INT;
        tmp->done = 1;
        tmp->off = at;
        tmp->u.i = (int32_t)le32(p + 1);
        d->pos += 5;
        *out = tmp;
        return PR_OK;
    case 'g': {
        if (left(d) < 9)
            break;
        memset(tmp, 0, sizeof *tmp);
        tmp->kind = MV_FLOAT;
        tmp->done = 1;
        tmp->off = at;
        uint64_t bits = (uint64_t)le32(p + 1) | (uint64_t)le32(p + 5) << 32;
        memcpy(&tmp->u.f, &bits, sizeof tmp->u.f);
        d->pos += 9;
        *out = tmp;
        return PR_OK;
    }
    case 'r':
        d->pos++;
        return rd_ref(d, at, out, err);
    default:
        break;
    }
    d->budget++; /* rd_obj counts it */
    return rd_obj(d, depth, out, err);
}

pr_status mdecode(mdecoder *d, const void *buf, size_t len, mval **out,
                  size_t *end, pr_error *err)
{
    *out = NULL;
    pr__md_begin(d, buf, len);
    if (len == 0)
        return pr__fail(err, PR_ERR_EMPTY, 0, "empty file");
    mval *root;
    pr_status st = rd_obj(d, 0, &root, err);
    if (st != PR_OK)
        return st;
    if (root == NULL)
        return pr__fail(err, PR_ERR_BAD_TYPE, 0,
                        "expected an object, found the NULL marker '0'");
    *out = root;
    if (end != NULL)
        *end = d->pos;
    return PR_OK;
}
