/* marshal.h - decoder for Python's marshal format, as found in .prof files.
 *
 * Decodes one object from (buf, len) into a tree of mval allocated in an
 * arena. Strings point into buf unless they had to be converted (Latin-1
 * `a`/`z` payloads with bytes >= 0x80, synthesized code-object names), so
 * buf must outlive the tree. Every read is bounds-checked; every failure
 * is a status with the offset and what was expected.
 */
#ifndef PR_MARSHAL_H
#define PR_MARSHAL_H

#include "arena.h"
#include "status.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef enum mkind {
    MV_NONE,
    MV_BOOL,
    MV_INT,
    MV_FLOAT,
    MV_STR,   /* text: u t a A z Z, and Python 2 interned t / R */
    MV_BYTES, /* s: Python 3 bytes, Python 2 str */
    MV_TUPLE,
    MV_LIST,
    MV_SET,
    MV_DICT,
    MV_CODE,
    MV_OTHER  /* complex, Ellipsis, StopIteration, slice */
} mkind;

typedef struct mval mval;
struct mval {
    uint8_t kind;
    uint8_t done;  /* containers: fully read (a ref to an unfinished one is a cycle) */
    uint8_t cached; /* h is set */
    uint32_t n;    /* tuple/list/set: items; dict: pairs */
    uint64_t off;  /* offset of the type byte */
    /* The reader's memo, computed once however often a marshal reference
     * names the node: a string's hash, a function key's id in its file. */
    uint64_t h;
    union {
        int64_t i;
        double f;
        pr_str s;
        mval **items;  /* dict: key at 2k, value at 2k + 1 */
        struct {
            pr_str name;     /* synthesized display name */
            pr_str file;
            int64_t line;
        } code;
    } u;
};

/* Reusable decoder state: keep one per thread and reuse it per file. */
typedef struct mdecoder {
    arena arena;        /* nodes nothing can refer back to */
    arena keep;         /* nodes a reference may name: flagged, and in flagged */
    int keep_depth;     /* > 0 while reading inside a flagged container */
    mval **refs;        /* FLAG_REF table (version >= 3) */
    size_t nrefs, caprefs;
    mval **interned;    /* Python 2 `t` table */
    size_t ninterned, capinterned;
    mval **stack;       /* scratch for dict items of unknown count */
    size_t nstack, capstack;
    /* Per-parse cursor. */
    const unsigned char *buf;
    size_t len, pos;
    int code_depth;
    int last_layout;    /* code layout that matched last: tried first */
    unsigned long budget; /* objects read and layouts tried: bounds work */
} mdecoder;

void mdecoder_init(mdecoder *d);
/* The work mdecode may do on len bytes (d->budget at its start), in
 * objects read and code layouts tried: linear in len. What is left of it
 * afterwards is in d->budget. */
unsigned long mdecode_budget(size_t len);
void mdecoder_free(mdecoder *d);

/* Decodes the object at the start of buf. On success *out is the root and
 * *end the offset just past it (trailing bytes are the caller's concern).
 * The tree lives until the next mdecode or mdecoder_free. */
pr_status mdecode(mdecoder *d, const void *buf, size_t len, mval **out,
                  size_t *end, pr_error *err);

/* ---- streaming ---------------------------------------------------------
 * A reader that knows the shape it expects (stats.c) walks the stream
 * itself and builds nodes only where it must: for objects a marshal
 * reference may name later, and for what it does not expect. Decoding
 * work, depth limits and errors are those of mdecode, object for object.
 *
 * Nodes of unflagged objects live in d->arena, which the reader may
 * rewind (arena_get_mark/arena_rewind) once it is done with them;
 * flagged ones, and everything inside them, live in d->keep until the
 * next pr__md_begin. */

/* Starts decoding buf: resets the cursor, tables, arenas and budget. */
void pr__md_begin(mdecoder *d, const void *buf, size_t len);

/* Reads one object at the cursor into a tree, as mdecode does at depth
 * `depth`; *out is NULL for the NULL marker '0'. */
pr_status pr__md_obj(mdecoder *d, int depth, mval **out, pr_error *err);

/* pr__md_obj, faster for what a function key usually is (a small tuple
 * of references, int32s and text used in place) and for the NULL marker
 * that ends a dict. */
pr_status pr__md_key(mdecoder *d, int depth, mval **out, pr_error *err);

/* Starts the object at the cursor as pr__md_obj would (depth, budget,
 * type byte). When it is an unflagged container of kind `want`, '(' for
 * a tuple or '{' for a dict, its header is consumed and *code = want:
 * *n items follow (tuple) or pairs up to the NULL marker (dict). With
 * root_node not NULL (the top-level object, which nothing can follow) a
 * flagged one is taken too, its reference slot holding *root_node,
 * unfinished so that a reference to it is a cycle. Anything else: *code
 * is 0 and nothing is consumed; read it with pr__md_obj. */
pr_status pr__md_head(mdecoder *d, int depth, int want, mval **root_node,
                      int *code, size_t *n, pr_error *err);

/* ---- fast paths ---------------------------------------------------------
 * For what cProfile writes most, at the streaming reader's shallow depths
 * (far below PR_MAX_DEPTH): each reads its object and returns 1, or
 * returns 0 having consumed nothing, and the general function above then
 * reads it (and says what is wrong with it, if anything). */

static inline int pr__md_fast_ok(const mdecoder *d, size_t n)
{
    return d->budget > 0 && d->len - d->pos >= n;
}

static inline uint32_t pr__md_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* `r`: a reference to a finished object. */
static inline int pr__md_fast_ref(mdecoder *d, mval **out)
{
    if (!pr__md_fast_ok(d, 5) || d->buf[d->pos] != 'r')
        return 0;
    uint32_t i = pr__md_le32(d->buf + d->pos + 1);
    if (i >= d->nrefs || !d->refs[i]->done)
        return 0;
    d->budget--;
    d->pos += 5;
    *out = d->refs[i];
    return 1;
}

/* An unflagged int32 or binary float into *tmp, or a reference. */
static inline int pr__md_fast_num(mdecoder *d, mval *tmp, mval **out)
{
    if (!pr__md_fast_ok(d, 9)) /* 'i' and 'r' need 5: the slow path */
        return 0;
    const unsigned char *p = d->buf + d->pos;
    if (p[0] == 'g') {
        uint64_t bits = pr__md_le32(p + 1) | (uint64_t)pr__md_le32(p + 5) << 32;
        tmp->kind = MV_FLOAT;
        memcpy(&tmp->u.f, &bits, sizeof tmp->u.f);
        d->pos += 9;
    } else if (p[0] == 'i') {
        tmp->kind = MV_INT;
        tmp->u.i = (int32_t)pr__md_le32(p + 1);
        d->pos += 5;
    } else {
        return pr__md_fast_ref(d, out);
    }
    tmp->off = (uint64_t)(p - d->buf);
    d->budget--;
    *out = tmp;
    return 1;
}

/* One number of a stats tuple at p (left bytes): an unflagged int32, an
 * unflagged binary float when `times`, or a reference to a finished int
 * (or float, for times) node. Its length, or 0. */
static inline size_t pr__md_fast_number(const mdecoder *d,
                                        const unsigned char *p, size_t left,
                                        int times, double *f, int64_t *i)
{
    if (left >= 9 && p[0] == 'g' && times) {
        uint64_t bits = pr__md_le32(p + 1) | (uint64_t)pr__md_le32(p + 5) << 32;
        memcpy(f, &bits, sizeof *f);
        return 9;
    }
    if (left >= 5 && p[0] == 'i') {
        *i = (int32_t)pr__md_le32(p + 1);
        *f = (double)*i;
        return 5;
    }
    if (left >= 5 && p[0] == 'r') {
        uint32_t r = pr__md_le32(p + 1);
        const mval *x = r < d->nrefs ? d->refs[r] : NULL;
        if (x == NULL || !x->done)
            return 0;
        if (x->kind == MV_INT) {
            *i = x->u.i;
            *f = (double)x->u.i;
            return 5;
        }
        if (x->kind == MV_FLOAT && times) {
            *f = x->u.f;
            return 5;
        }
    }
    return 0;
}

/* The four numbers of a stats tuple as cProfile writes them, two counts
 * and two times (unflagged or named by references: marshal writes a
 * small int once and refers to it after), into *a, *b, *x, *y with no
 * node at all; 1, or 0 having consumed nothing. */
static inline int pr__md_fast_counts(mdecoder *d, int64_t *a, int64_t *b,
                                     double *x, double *y)
{
    size_t left = d->len - d->pos, q = 0, k;
    const unsigned char *p = d->buf + d->pos;
    int64_t n[4];
    double t[4];
    if (d->budget < 4)
        return 0;
    for (int i = 0; i < 4; i++, q += k)
        if ((k = pr__md_fast_number(d, p + q, left - q, i >= 2, &t[i],
                                    &n[i])) == 0)
            return 0;
    *a = n[0];
    *b = n[1];
    *x = t[2];
    *y = t[3];
    d->budget -= 4;
    d->pos += q;
    return 1;
}

/* The header of an unflagged small tuple ')': *n items follow. */
static inline int pr__md_fast_tuple(mdecoder *d, size_t *n)
{
    if (!pr__md_fast_ok(d, 2) || d->buf[d->pos] != ')' ||
        d->buf[d->pos + 1] > d->len - d->pos - 2)
        return 0;
    *n = d->buf[d->pos + 1];
    d->budget--;
    d->pos += 2;
    return 1;
}

/* Reads one object at the cursor. An unflagged int32 or binary float is
 * decoded into *tmp, a reference resolves to its node, all without
 * allocating; anything else is pr__md_obj. */
pr_status pr__md_scalar(mdecoder *d, int depth, mval *tmp, mval **out,
                        pr_error *err);

#endif
