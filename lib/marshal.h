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
    uint32_t n;    /* tuple/list/set: items; dict: pairs */
    uint64_t off;  /* offset of the type byte */
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
    arena arena;
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

#endif
