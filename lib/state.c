/* state.c - an aggregate saved to one file and read back, for cron runs
 * that parse only new files and for merging hosts' results.
 *
 * File: a 40-byte header, then the payload compressed with zlib.
 *   0  "PRSTATE\n"           magic
 *   8  u32 version (3)       1 and 2 are read too; others are refused
 *  12  u32 flags (0)
 *  16  u64 payload bytes     uncompressed
 *  24  u64 compressed bytes  must equal the rest of the file
 *  32  u32 CRC-32            of the compressed bytes
 *  36  u32 CRC-32            of bytes 0..35
 * All integers little-endian; doubles as IEEE-754 bits; var = unsigned
 * LEB128 (at most 10 bytes). The payload:
 *   f64 bucket_s
 *   u32 n, n x key          functions       key = str file, i64 line, str name
 *   u32 n, n x key          endpoints       str = u32 length, bytes
 *   u32 n, n x cell         cell = u32 endpoint, i64 bucket,
 *                               u32 n, n x (u32 fid, i64 cc, i64 nc, f64 tt, f64 ct),
 *                               u32 n, n x (u32 caller, u32 callee, i64 nc,
 *                                           i64 cc, f64 tt, f64 ct, u8 count_only)
 *   u32 n, n x request
 * Version 3 request, written and read as a stream (the payload is never
 * whole in memory), about 70 bytes before compression:
 *   var shared, var n, n bytes  path: its first `shared` bytes are the
 *                               previous request's, then n bytes of its own
 *   var method, var url         strings by number, in order of first use:
 *                               the next number is followed by var length,
 *                               bytes (the new string)
 *   var endpoint, var size, i64 mtime_ns,
 *   f64 profiled_s, f64 total_tt, f64 wall_ms, f64 time,
 *   u8 flags                    bit 0 named, bits 1-2 where the wall time
 *                               came from, bit 3 trusted (written once:
 *                               see agg.h), bit 4 where is the hash of
 *                               the path (not written), bit 5 where is 0
 *   [u64 where], u64 fp, var ino
 * Versions 1 and 2 (read only; the payload is inflated whole):
 *   request = str path, str method, str url, u32 endpoint, u64 size,
 *             i64 mtime_ns, f64 profiled_s, f64 total_tt, f64 wall_ms,
 *             f64 time, u8 flags (bits 0-2 as above),
 *             u64 where, u64 fp   (version 2: identity)
 * Reading checks every count against the bytes left and every index
 * against its table, like the marshal reader; errors give the offset in
 * the payload.
 */
#define _POSIX_C_SOURCE 200809L
#include "agg.h"
#include "status.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define MAGIC "PRSTATE\n"
enum { VERSION = 3, HEADER = 40 };
/* zlib level of the stream: 1 deflates a state of 1,000,000 requests
 * several times faster than 6, for a file a fifth larger. */
enum { ZLEVEL = 1, WINDOW = 1 << 18 };
enum {
    F_NAMED = 1,
    F_TRUSTED = 1 << 3,
    F_WHERE_PATH = 1 << 4,
    F_WHERE_NONE = 1 << 5
};
#define MAX_PAYLOAD (1ULL << 32)

/* ---- writing ----------------------------------------------------------- */

/* Bytes to a memory buffer (the header), or through deflate to a file
 * (the payload): then p is a staging buffer, drained when full. */
typedef struct wbuf {
    unsigned char *p;
    size_t len, cap;
    int failed;         /* out of memory, or the stream failed */
    z_stream *z;
    FILE *fp;
    unsigned char *zout; /* deflate's output, WINDOW bytes */
    uint64_t raw, zlen;
    uint32_t crc;
    int zerr;           /* zlib error, or 0 */
} wbuf;

/* Deflates src[0..n) (flush: Z_NO_FLUSH or Z_FINISH) into the file. */
static void deflate_out(wbuf *b, const unsigned char *src, size_t n, int flush)
{
    z_stream *z = b->z;
    z->next_in = (unsigned char *)src;
    z->avail_in = (uInt)n;
    b->raw += n;
    for (;;) {
        z->next_out = b->zout;
        z->avail_out = WINDOW;
        int r = deflate(z, flush);
        size_t got = WINDOW - z->avail_out;
        if (r == Z_STREAM_ERROR || (r == Z_BUF_ERROR && got == 0 &&
                                    (flush == Z_FINISH || z->avail_in > 0))) {
            b->failed = 1;
            b->zerr = r;
            return;
        }
        if (got > 0) {
            b->crc = (uint32_t)crc32(b->crc, b->zout, (uInt)got);
            b->zlen += got;
            fwrite(b->zout, 1, got, b->fp);
        }
        if (flush == Z_FINISH ? r == Z_STREAM_END
                              : z->avail_in == 0 && z->avail_out > 0)
            return;
    }
}

static void put(wbuf *b, const void *src, size_t n)
{
    if (b->failed)
        return;
    if (b->z != NULL) {
        if (b->len + n > b->cap) {
            deflate_out(b, b->p, b->len, Z_NO_FLUSH);
            b->len = 0;
            if (n > b->cap) {
                deflate_out(b, src, n, Z_NO_FLUSH);
                return;
            }
        }
        memcpy(b->p + b->len, src, n);
        b->len += n;
        return;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 1 << 16;
        while (cap < b->len + n)
            cap *= 2;
        unsigned char *p = realloc(b->p, cap);
        if (p == NULL) {
            b->failed = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, src, n);
    b->len += n;
}

static void put_u64(wbuf *b, uint64_t v)
{
    unsigned char x[8];
    for (int i = 0; i < 8; i++)
        x[i] = (unsigned char)(v >> (8 * i));
    put(b, x, 8);
}

static void put_u32(wbuf *b, uint32_t v)
{
    unsigned char x[4];
    for (int i = 0; i < 4; i++)
        x[i] = (unsigned char)(v >> (8 * i));
    put(b, x, 4);
}

static void put_var(wbuf *b, uint64_t v)
{
    unsigned char x[10];
    size_t n = 0;
    while (v >= 0x80) {
        x[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    x[n++] = (unsigned char)v;
    put(b, x, n);
}

static void put_f64(wbuf *b, double d)
{
    uint64_t v;
    memcpy(&v, &d, 8);
    put_u64(b, v);
}

static void put_str(wbuf *b, const char *s, size_t n)
{
    put_u32(b, (uint32_t)n);
    put(b, s, n);
}

static void put_key(wbuf *b, const pr_func_key *k)
{
    put_str(b, k->file.ptr, k->file.len);
    put_u64(b, (uint64_t)k->line);
    put_str(b, k->name.ptr, k->name.len);
}

/* Method and URL strings by number, in order of first use. */
typedef struct strnums {
    u64map map;         /* hash -> number */
    const char **v;
    size_t n, cap;
} strnums;

static void put_strnum(wbuf *b, strnums *t, const char *s)
{
    size_t len = strlen(s);
    uint64_t h = pr__hash(s, len, 0x6d657468) >> 1;
    uint32_t i = u64map_find(&t->map, h);
    if (i != UINT32_MAX && strcmp(t->v[i], s) == 0) {
        put_var(b, i);
        return;
    }
    /* New (or a hash that collides: then the string gets a second
     * number, which costs bytes, not correctness). */
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        const char **v = realloc(t->v, cap * sizeof *v);
        if (v == NULL) {
            b->failed = 1;
            return;
        }
        t->v = v;
        t->cap = cap;
    }
    if (i == UINT32_MAX &&
        u64map_get(&t->map, h, 1, (uint32_t)t->n, NULL) == UINT32_MAX) {
        b->failed = 1;
        return;
    }
    put_var(b, t->n);
    t->v[t->n++] = s;
    put_var(b, len);
    put(b, s, len);
}

/* Whether q is written once by now (see agg.h): it was, or this run
 * read or stat'ed it and its mtime was trust_ns old then (-1: trust
 * nothing). */
static int trusted(const request *q, int64_t checked_ns, int64_t trust_ns)
{
    if (trust_ns < 0)
        return 0;
    if (q->trusted)
        return 1;
    return q->checked && q->ino != 0 && q->mtime_ns < checked_ns - trust_ns;
}

/* Little-endian and LEB128 encoders into a record being built. */
static unsigned char *enc_u64(unsigned char *x, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        *x++ = (unsigned char)(v >> (8 * i));
    return x;
}

static unsigned char *enc_f64(unsigned char *x, double d)
{
    uint64_t v;
    memcpy(&v, &d, 8);
    return enc_u64(x, v);
}

static unsigned char *enc_var(unsigned char *x, uint64_t v)
{
    while (v >= 0x80) {
        *x++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *x++ = (unsigned char)v;
    return x;
}

static void put_requests(wbuf *b, const shard *m, int64_t checked_ns,
                         int64_t trust_ns)
{
    strnums t;
    memset(&t, 0, sizeof t);
    put_u32(b, (uint32_t)m->nreq);
    const char *prev = "";
    size_t prevlen = 0;
    for (size_t i = 0; i < m->nreq && !b->failed; i++) {
        const request *q = &m->req[i];
        size_t len = strlen(q->path), shared = 0;
        while (shared < len && shared < prevlen &&
               q->path[shared] == prev[shared])
            shared++;
        unsigned char rec[128], *x = rec;
        x = enc_var(x, shared);
        x = enc_var(x, len - shared);
        put(b, rec, (size_t)(x - rec));
        put(b, q->path + shared, len - shared);
        put_strnum(b, &t, q->method);
        put_strnum(b, &t, q->url);
        unsigned flags = (q->named != 0) | (q->wall_source & 3) << 1;
        if (trusted(q, checked_ns, trust_ns))
            flags |= F_TRUSTED;
        if (q->where == 0)
            flags |= F_WHERE_NONE;
        else if (q->where == pr__path_hash(q->path))
            flags |= F_WHERE_PATH;
        x = rec; /* at most 10 + 10 + 8 + 32 + 1 + 8 + 8 + 10 bytes */
        x = enc_var(x, q->group);
        x = enc_var(x, q->size);
        x = enc_u64(x, (uint64_t)q->mtime_ns);
        x = enc_f64(x, q->profiled_s);
        x = enc_f64(x, q->total_tt);
        x = enc_f64(x, q->wall_ms);
        x = enc_f64(x, q->time);
        *x++ = (unsigned char)flags;
        if (!(flags & (F_WHERE_NONE | F_WHERE_PATH)))
            x = enc_u64(x, q->where);
        x = enc_u64(x, q->fp);
        x = enc_var(x, q->ino);
        put(b, rec, (size_t)(x - rec));
        prev = q->path;
        prevlen = len;
    }
    u64map_free(&t.map);
    free(t.v);
}

static void payload(wbuf *b, const pr_agg *agg)
{
    const shard *m = &agg->main;
    put_f64(b, agg->bucket_s);
    put_u32(b, (uint32_t)m->funcs.n);
    for (size_t i = 0; i < m->funcs.n; i++)
        put_key(b, &m->funcs.keys[i]);
    put_u32(b, (uint32_t)m->group_keys.n);
    for (size_t i = 0; i < m->group_keys.n; i++)
        put_key(b, &m->group_keys.keys[i]);
    put_u32(b, (uint32_t)m->ncells);
    for (size_t c = 0; c < m->ncells; c++) {
        const cell *cl = &m->cells[c];
        put_u32(b, cl->group);
        put_u64(b, (uint64_t)cl->bucket);
        put_u32(b, (uint32_t)cl->t.nf);
        for (size_t i = 0; i < cl->t.nf; i++) {
            const func_stat *f = &cl->t.f[i];
            put_u32(b, f->fid);
            put_u64(b, (uint64_t)f->cc);
            put_u64(b, (uint64_t)f->nc);
            put_f64(b, f->tt);
            put_f64(b, f->ct);
        }
        put_u32(b, (uint32_t)cl->t.ne);
        for (size_t i = 0; i < cl->t.ne; i++) {
            const edge_stat *e = &cl->t.e[i];
            put_u32(b, e->caller);
            put_u32(b, e->callee);
            put_u64(b, (uint64_t)e->nc);
            put_u64(b, (uint64_t)e->cc);
            put_f64(b, e->tt);
            put_f64(b, e->ct);
            put(b, &e->count_only, 1);
        }
    }
    put_requests(b, m, agg->checked_ns, pr__trust_after_ns(&agg->opts));
}

/* The header of a payload of raw bytes, deflated to zlen bytes of CRC
 * crc, into h (40 bytes). */
static void header(unsigned char *h, uint64_t raw, uint64_t zlen, uint32_t crc)
{
    wbuf b = {0};
    put(&b, MAGIC, 8);
    put_u32(&b, VERSION);
    put_u32(&b, 0);
    put_u64(&b, raw);
    put_u64(&b, zlen);
    put_u32(&b, crc);
    if (!b.failed)
        put_u32(&b, (uint32_t)crc32(0, b.p, 36));
    if (b.failed)
        memset(h, 0, HEADER);
    else
        memcpy(h, b.p, HEADER);
    free(b.p);
}

pr_status pr_agg_save_state(const pr_agg *agg, const char *path, pr_error *err)
{
    if (agg == NULL || path == NULL)
        return pr__fail(err, PR_ERR_USAGE, PR_NO_OFFSET, "NULL argument");
    /* Never through to a FIFO or device, as a report may be: a state is
     * read back, and a FIFO would block the run. */
    struct stat sb;
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
        return pr__fail(err, PR_ERR_NOT_FILE, PR_NO_OFFSET,
                        "not a regular file: a state is written to a "
                        "regular file only");
    z_stream z;
    memset(&z, 0, sizeof z);
    wbuf b = {0};
    b.cap = WINDOW;
    b.p = malloc(WINDOW);
    b.zout = malloc(WINDOW);
    int zr = b.p != NULL && b.zout != NULL ? deflateInit(&z, ZLEVEL)
                                           : Z_MEM_ERROR;
    if (zr != Z_OK) {
        free(b.p);
        free(b.zout);
        return pr__fail(err, PR_ERR_NOMEM, PR_NO_OFFSET, "out of memory");
    }
    /* Through a temporary file renamed into place: a run killed at any
     * point leaves the previous state whole. The payload is deflated
     * straight into it after a blank header, written last. */
    pr_outfile *f;
    pr_status st = pr_outfile_open(path, &f, &b.fp, err);
    if (st == PR_OK) {
        unsigned char h[HEADER];
        memset(h, 0, sizeof h);
        fwrite(h, 1, HEADER, b.fp);
        b.z = &z;
        payload(&b, agg);
        if (!b.failed)
            deflate_out(&b, b.p, b.len, Z_FINISH);
        if (b.failed) {
            pr_outfile_abort(f);
            st = b.zerr != 0 ? pr__fail(err, PR_ERR_ZLIB, PR_NO_OFFSET,
                                        "compression failed (zlib error %d)",
                                        b.zerr)
                             : pr__fail(err, PR_ERR_NOMEM, PR_NO_OFFSET,
                                        "out of memory");
        } else {
            header(h, b.raw, b.zlen, b.crc);
            if (fseek(b.fp, 0, SEEK_SET) != 0 ||
                fwrite(h, 1, HEADER, b.fp) != HEADER) {
                int e = errno;
                pr_outfile_abort(f);
                st = pr__fail(err, PR_ERR_IO, PR_NO_OFFSET,
                              "cannot write the state's header: %s",
                              strerror(e));
            } else {
                st = pr_outfile_commit(f, err);
            }
        }
    }
    deflateEnd(&z);
    free(b.p);
    free(b.zout);
    return st;
}

/* ---- reading ----------------------------------------------------------- */

/* A cursor over the payload: the whole of it in p (versions 1 and 2), or
 * a window that z inflates into as the reader needs (version 3). Offsets
 * in errors are the payload's: base + pos. */
typedef struct rcur {
    const unsigned char *p;
    size_t len, pos;
    uint64_t base;      /* payload offset of p[0] */
    uint64_t total;     /* payload bytes, from the header */
    z_stream *z;        /* NULL: p is the whole payload */
    unsigned char *win;
    size_t cap;
    int zerr;           /* inflate failed */
    char *scratch;      /* a key's file name while its name is read */
    size_t scap;
    pr_error *err;
    pr_status st;
} rcur;

static uint64_t here(const rcur *c)
{
    return c->base + c->pos;
}

/* Inflates until the window holds n unread bytes or the stream ends. */
static void refill(rcur *c, size_t n)
{
    size_t rest = c->len - c->pos;
    if (c->pos > 0) {
        memmove(c->win, c->win + c->pos, rest);
        c->base += c->pos;
        c->pos = 0;
        c->len = rest;
    }
    if (n > c->cap) {
        unsigned char *w = realloc(c->win, n);
        if (w == NULL) {
            c->st = PR_ERR_NOMEM;
            return;
        }
        c->win = w;
        c->cap = n;
    }
    c->p = c->win;
    while (c->len < n && c->zerr == 0) {
        c->z->next_out = c->win + c->len;
        c->z->avail_out = (uInt)(c->cap - c->len);
        int r = inflate(c->z, Z_NO_FLUSH);
        c->len = c->cap - c->z->avail_out;
        if (r == Z_STREAM_END)
            break;
        if (r != Z_OK)
            c->zerr = r == Z_MEM_ERROR ? -1 : 1;
    }
}

static int need(rcur *c, size_t n, const char *what)
{
    if (c->st != PR_OK)
        return 0;
    if (c->len - c->pos < n && c->z != NULL)
        refill(c, n);
    if (c->st == PR_ERR_NOMEM || c->zerr < 0) {
        c->st = PR_ERR_NOMEM;
        return 0;
    }
    if (c->len - c->pos < n) {
        c->st = c->zerr != 0
                    ? pr__fail(c->err, PR_ERR_GZIP, here(c) + (c->len - c->pos),
                               "state payload does not decompress")
                    : pr__fail(c->err, PR_ERR_TRUNCATED, here(c),
                               "state payload truncated: expected %s", what);
        return 0;
    }
    return 1;
}

/* Payload bytes not read yet (as the header says, for a stream). */
static uint64_t left(const rcur *c)
{
    if (c->z == NULL)
        return c->len - c->pos;
    return here(c) < c->total ? c->total - here(c) : 0;
}

static uint64_t get_u64(rcur *c, const char *what)
{
    if (!need(c, 8, what))
        return 0;
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)c->p[c->pos + i] << (8 * i);
    c->pos += 8;
    return v;
}

static uint32_t get_u32(rcur *c, const char *what)
{
    if (!need(c, 4, what))
        return 0;
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)c->p[c->pos + i] << (8 * i);
    c->pos += 4;
    return v;
}

static uint64_t get_var(rcur *c, const char *what)
{
    uint64_t at = here(c), v = 0;
    for (int i = 0; i < 10; i++) {
        if (!need(c, 1, what))
            return 0;
        unsigned char x = c->p[c->pos++];
        if (i == 9 && x > 1)
            break;
        v |= (uint64_t)(x & 0x7f) << (7 * i);
        if (!(x & 0x80))
            return v;
    }
    c->st = pr__fail(c->err, PR_ERR_BAD_VALUE, at,
                     "state: %s is not a number of 64 bits", what);
    return 0;
}

static double get_f64(rcur *c, const char *what)
{
    uint64_t v = get_u64(c, what);
    double d;
    memcpy(&d, &v, 8);
    if (c->st == PR_OK && !isfinite(d))
        c->st = pr__fail(c->err, PR_ERR_BAD_VALUE, here(c) - 8,
                         "state: %s is not a finite number", what);
    return d;
}

static uint8_t get_u8(rcur *c, const char *what)
{
    if (!need(c, 1, what))
        return 0;
    return c->p[c->pos++];
}

/* A count of items of at least `unit` bytes each, checked against what
 * is left, so a corrupt count cannot make us allocate without bound. */
static uint32_t get_count(rcur *c, size_t unit, const char *what)
{
    uint64_t at = here(c);
    uint32_t n = get_u32(c, what);
    if (c->st == PR_OK && (uint64_t)n * unit > left(c))
        c->st = pr__fail(c->err, PR_ERR_BAD_LENGTH, at,
                         "state: %s count %u does not fit the %llu bytes left",
                         what, n, (unsigned long long)left(c));
    return c->st == PR_OK ? n : 0;
}

/* n bytes, valid until the next read of a stream. */
static const unsigned char *get_bytes(rcur *c, uint64_t n, const char *what)
{
    if (c->st == PR_OK && n > left(c)) {
        c->st = pr__fail(c->err, PR_ERR_BAD_LENGTH, here(c),
                         "state: %s of %llu bytes does not fit the %llu "
                         "bytes left", what, (unsigned long long)n,
                         (unsigned long long)left(c));
        return NULL;
    }
    if (!need(c, (size_t)n, what))
        return NULL;
    const unsigned char *p = c->p + c->pos;
    c->pos += (size_t)n;
    return p;
}

static pr_str get_str(rcur *c, const char *what)
{
    pr_str s = {"", 0};
    uint32_t n = get_count(c, 1, what);
    const unsigned char *p = c->st == PR_OK ? get_bytes(c, n, what) : NULL;
    if (p != NULL) {
        s.ptr = (const char *)p;
        s.len = n;
    }
    return s;
}

static pr_func_key get_key(rcur *c)
{
    pr_func_key k = {{"", 0}, 0, {"", 0}};
    k.file = get_str(c, "file name");
    if (c->z != NULL && c->st == PR_OK) {
        /* the window may move while the name is read */
        if (k.file.len + 1 > c->scap) {
            char *p = realloc(c->scratch, k.file.len + 1);
            if (p == NULL) {
                c->st = PR_ERR_NOMEM;
                return k;
            }
            c->scratch = p;
            c->scap = k.file.len + 1;
        }
        if (k.file.len > 0)
            memcpy(c->scratch, k.file.ptr, k.file.len);
        k.file.ptr = c->scratch;
    }
    k.line = (int64_t)get_u64(c, "line");
    k.name = get_str(c, "function name");
    return k;
}

static int has_nul(pr_str s)
{
    return s.len > 0 && memchr(s.ptr, '\0', s.len) != NULL;
}

/* A table of n keys interned into tab; the ids, or NULL (c->st says). */
static uint32_t *read_keys(rcur *c, functab *tab, uint32_t n)
{
    if (c->st != PR_OK)
        return NULL;
    uint32_t *ids = malloc((n ? n : 1) * sizeof *ids);
    if (ids == NULL) {
        c->st = PR_ERR_NOMEM;
        return NULL;
    }
    for (uint32_t i = 0; i < n && c->st == PR_OK; i++) {
        pr_func_key k = get_key(c);
        if (c->st == PR_OK && (ids[i] = functab_intern(tab, &k)) == UINT32_MAX)
            c->st = PR_ERR_NOMEM;
    }
    return ids;
}

/* What the cells and requests refer to: function and endpoint ids. */
typedef struct ids {
    uint32_t *f, *g;
    uint32_t nf, ng;
} ids;

/* One cell's function stats into t. */
static void read_funcs(rcur *c, ftable *t, const ids *id)
{
    uint32_t n = get_count(c, 36, "function stats");
    for (uint32_t k = 0; k < n && c->st == PR_OK; k++) {
        uint64_t at = here(c);
        uint32_t fid = get_u32(c, "function id");
        int64_t cc = (int64_t)get_u64(c, "cc");
        int64_t ncalls = (int64_t)get_u64(c, "nc");
        double tt = get_f64(c, "tt"), ct = get_f64(c, "ct");
        if (c->st != PR_OK)
            return;
        if (fid >= id->nf || cc < 0 || ncalls < 0) {
            c->st = pr__fail(c->err, PR_ERR_BAD_REF, at,
                             "state: bad function stats");
            return;
        }
        if (ftable_add_func(t, id->f[fid], cc, ncalls, tt, ct) != PR_OK)
            c->st = PR_ERR_NOMEM;
    }
}

/* One cell's caller edges into t. */
static void read_edges(rcur *c, ftable *t, const ids *id)
{
    uint32_t ne = get_count(c, 41, "edge");
    for (uint32_t k = 0; k < ne && c->st == PR_OK; k++) {
        uint64_t at = here(c);
        uint32_t a = get_u32(c, "caller"), b = get_u32(c, "callee");
        int64_t enc = (int64_t)get_u64(c, "nc");
        int64_t ecc = (int64_t)get_u64(c, "cc");
        double tt = get_f64(c, "tt"), ct = get_f64(c, "ct");
        uint8_t only = get_u8(c, "count_only");
        if (c->st != PR_OK)
            return;
        if (a >= id->nf || b >= id->nf || enc < 0 || ecc < 0 || only > 1) {
            c->st = pr__fail(c->err, PR_ERR_BAD_REF, at, "state: bad edge");
            return;
        }
        if (ftable_add_edge(t, id->f[a], id->f[b], enc, ecc, tt, ct, only) !=
            PR_OK)
            c->st = PR_ERR_NOMEM;
    }
}

/* The cells: an endpoint and bucket each, with their tables. */
static void read_cells(rcur *c, shard *s, const ids *id)
{
    uint32_t nc = get_count(c, 20, "cell");
    for (uint32_t i = 0; i < nc && c->st == PR_OK; i++) {
        uint64_t at = here(c);
        uint32_t g = get_u32(c, "cell endpoint");
        int64_t bucket = (int64_t)get_u64(c, "cell bucket");
        if (c->st != PR_OK)
            return;
        if (g >= id->ng) {
            c->st = pr__fail(c->err, PR_ERR_BAD_REF, at,
                             "state: cell of unknown endpoint %u", g);
            return;
        }
        ftable *t = pr__cell(s, id->g[g], bucket);
        if (t == NULL) {
            c->st = PR_ERR_NOMEM;
            return;
        }
        read_funcs(c, t, id);
        read_edges(c, t, id);
    }
}

/* The requests, numbered from base_order in the run's input order. */
static void read_requests(rcur *c, shard *s, const ids *id,
                          size_t base_order, uint32_t version)
{
    uint32_t nr = get_count(c, version >= 2 ? 81 : 65, "request");
    for (uint32_t i = 0; i < nr && c->st == PR_OK; i++) {
        uint64_t at = here(c);
        pr_str path = get_str(c, "path"), method = get_str(c, "method"),
               url = get_str(c, "url");
        request r;
        memset(&r, 0, sizeof r);
        uint32_t g = get_u32(c, "request endpoint");
        r.size = get_u64(c, "size");
        r.mtime_ns = (int64_t)get_u64(c, "mtime");
        r.profiled_s = get_f64(c, "profiled time");
        r.total_tt = get_f64(c, "total time");
        r.wall_ms = get_f64(c, "wall time");
        r.time = get_f64(c, "time");
        unsigned flags = get_u8(c, "named");
        r.named = flags & 1;
        r.wall_source = (pr__wall_source)(flags >> 1 & 3);
        if (!r.named && r.wall_source == PR__WALL_NAME)
            r.wall_source = PR__WALL_UNNAMED;
        if (version >= 2) {
            r.where = get_u64(c, "where");
            r.fp = get_u64(c, "fingerprint");
        }
        if (c->st != PR_OK)
            return;
        if (g >= id->ng || path.len == 0 || has_nul(path) ||
            has_nul(method) || has_nul(url) || !pr__time_ok(r.time) ||
            !(r.wall_ms >= 0)) {
            c->st = pr__fail(c->err, PR_ERR_BAD_REF, at, "state: bad request");
            return;
        }
        r.group = id->g[g];
        r.order = pr__order32(base_order + i);
        if (pr__request_strings(&r, path, method, url) != 0) {
            c->st = PR_ERR_NOMEM;
            return;
        }
        if (pr__add_request(s, &r) != PR_OK) {
            free(r.path);
            c->st = PR_ERR_NOMEM;
        }
    }
}

/* The method and URL strings of version 3 requests, by number: copies
 * in the shard's string arena, shared by the requests. */
typedef struct strtab {
    const char **v;
    size_t n, cap;
} strtab;

static const char *get_strnum(rcur *c, strtab *t, arena *a, const char *what)
{
    uint64_t at = here(c);
    uint64_t i = get_var(c, what);
    if (c->st != PR_OK)
        return NULL;
    if (i < t->n)
        return t->v[i];
    if (i > t->n) {
        c->st = pr__fail(c->err, PR_ERR_BAD_REF, at,
                         "state: %s string %llu of %zu", what,
                         (unsigned long long)i, t->n);
        return NULL;
    }
    uint64_t n = get_var(c, what);
    const unsigned char *b = c->st == PR_OK ? get_bytes(c, n, what) : NULL;
    if (b == NULL)
        return NULL;
    if (memchr(b, '\0', (size_t)n) != NULL) {
        c->st = pr__fail(c->err, PR_ERR_BAD_REF, at, "state: NUL in a %s",
                         what);
        return NULL;
    }
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        const char **v = realloc(t->v, cap * sizeof *v);
        if (v == NULL) {
            c->st = PR_ERR_NOMEM;
            return NULL;
        }
        t->v = v;
        t->cap = cap;
    }
    char *copy = arena_strndup(a, (const char *)b, (size_t)n);
    if (copy == NULL) {
        c->st = PR_ERR_NOMEM;
        return NULL;
    }
    return t->v[t->n++] = copy;
}

/* Version 3 requests (see the top of the file), numbered from
 * base_order. Their strings go to the shard's arena: no allocation of
 * their own. */
static void read_requests_v3(rcur *c, shard *s, const ids *id,
                             size_t base_order)
{
    uint32_t nr = get_count(c, 56, "request");
    strtab t = {NULL, 0, 0};
    arena *pool = nr > 0 ? pr__shard_strings(s) : NULL;
    if (nr > 0 && pool == NULL)
        c->st = PR_ERR_NOMEM;
    if (c->st == PR_OK && nr > s->capreq - s->nreq) {
        /* all at once: growing by doubling would copy them each time */
        request *v = realloc(s->req, (s->nreq + nr) * sizeof *v);
        if (v == NULL) {
            c->st = PR_ERR_NOMEM;
            return;
        }
        s->req = v;
        s->capreq = s->nreq + nr;
    }
    char *path = NULL, *block = NULL;
    size_t plen = 0, pcap = 0, bleft = 0;
    for (uint32_t i = 0; i < nr && c->st == PR_OK; i++) {
        uint64_t at = here(c);
        uint64_t shared = get_var(c, "path");
        uint64_t n = get_var(c, "path");
        if (c->st == PR_OK && shared > plen) {
            c->st = pr__fail(c->err, PR_ERR_BAD_REF, at, "state: a path "
                             "shares %llu bytes with one of %zu",
                             (unsigned long long)shared, plen);
            break;
        }
        const unsigned char *b = c->st == PR_OK ? get_bytes(c, n, "path")
                                                : NULL;
        if (b == NULL)
            break;
        if (shared + n + 1 > pcap) {
            size_t cap = (size_t)(shared + n + 1) * 2;
            char *np = realloc(path, cap);
            if (np == NULL) {
                c->st = PR_ERR_NOMEM;
                break;
            }
            path = np;
            pcap = cap;
        }
        memcpy(path + shared, b, (size_t)n);
        plen = (size_t)(shared + n);
        path[plen] = '\0';
        request r;
        memset(&r, 0, sizeof r);
        r.method = get_strnum(c, &t, pool, "method");
        r.url = get_strnum(c, &t, pool, "url");
        uint64_t g = get_var(c, "request endpoint");
        r.size = get_var(c, "size");
        r.mtime_ns = (int64_t)get_u64(c, "mtime");
        r.profiled_s = get_f64(c, "profiled time");
        r.total_tt = get_f64(c, "total time");
        r.wall_ms = get_f64(c, "wall time");
        r.time = get_f64(c, "time");
        unsigned flags = get_u8(c, "flags");
        r.named = flags & F_NAMED;
        r.wall_source = (pr__wall_source)(flags >> 1 & 3);
        if (!r.named && r.wall_source == PR__WALL_NAME)
            r.wall_source = PR__WALL_UNNAMED;
        r.trusted = (flags & F_TRUSTED) != 0;
        if (!(flags & (F_WHERE_PATH | F_WHERE_NONE)))
            r.where = get_u64(c, "where");
        r.fp = get_u64(c, "fingerprint");
        r.ino = get_var(c, "inode");
        if (c->st != PR_OK)
            break;
        if (g >= id->ng || plen == 0 || memchr(path, '\0', plen) != NULL ||
            flags >> 6 != 0 ||
            (flags & F_WHERE_PATH && flags & F_WHERE_NONE) ||
            !pr__time_ok(r.time) || !(r.wall_ms >= 0)) {
            c->st = pr__fail(c->err, PR_ERR_BAD_REF, at, "state: bad request");
            break;
        }
        if (flags & F_WHERE_PATH)
            r.where = pr__path_hash(path);
        r.group = id->g[g];
        r.order = pr__order32(base_order + i);
        r.pooled = 1;
        /* Paths packed end to end in blocks of the pool: the arena's
         * 16-byte alignment would cost 8 bytes a request. */
        if (plen + 1 > bleft) {
            bleft = plen + 1 > 65536 ? plen + 1 : 65536;
            if ((block = arena_alloc(pool, bleft)) == NULL) {
                c->st = PR_ERR_NOMEM;
                break;
            }
        }
        memcpy(block, path, plen + 1);
        r.path = block;
        block += plen + 1;
        bleft -= plen + 1;
        if (pr__add_request(s, &r) != PR_OK)
            c->st = PR_ERR_NOMEM;
    }
    free(t.v);
    free(path);
}

/* The payload, in the order save wrote it: bucket size, function keys,
 * endpoint keys, cells, requests, and nothing after. */
static pr_status read_payload(rcur *c, shard *s, double *bucket_s,
                              size_t base_order, uint32_t version)
{
    ids id = {NULL, NULL, 0, 0};
    *bucket_s = get_f64(c, "bucket size");
    if (c->st == PR_OK && *bucket_s != 0 && !(*bucket_s >= 1e-6))
        c->st = pr__fail(c->err, PR_ERR_BAD_VALUE, 0, "state: bad bucket size");
    id.nf = get_count(c, 16, "function");
    id.f = read_keys(c, &s->funcs, id.nf);
    id.ng = get_count(c, 16, "endpoint");
    id.g = read_keys(c, &s->group_keys, id.ng);
    read_cells(c, s, &id);
    if (version >= 3)
        read_requests_v3(c, s, &id, base_order);
    else
        read_requests(c, s, &id, base_order, version);
    /* Nothing after the end, whatever the header said. */
    if (c->st == PR_OK && c->z != NULL && c->len == c->pos)
        refill(c, 1);
    if (c->st == PR_OK && c->z != NULL && c->z->avail_in != 0)
        c->st = pr__fail(c->err, PR_ERR_BAD_STATE, here(c), "state: "
                         "%u bytes after the end of the compressed payload",
                         c->z->avail_in);
    if (c->st == PR_OK && (c->pos != c->len || here(c) != c->total))
        c->st = pr__fail(c->err, PR_ERR_BAD_STATE, here(c),
                         "state: the payload ends at %llu, its header says "
                         "%llu", (unsigned long long)(c->base + c->len),
                         (unsigned long long)c->total);
    free(id.f);
    free(id.g);
    if (c->st == PR_ERR_NOMEM)
        pr__fail(c->err, PR_ERR_NOMEM, here(c), "out of memory");
    return c->st;
}

/* Requests of a state being loaded that the aggregate has counted
 * already (same fingerprint): all of them, and the state adds nothing
 * (tmp->known = tmp->nreq); none, and it merges; some, and it cannot be
 * merged without counting those twice, since its function tables hold
 * them summed with the others. */
static pr_status check_overlap(const pr_agg *agg, shard *tmp, pr_error *err)
{
    const shard *m = &agg->main;
    if (m->nreq == 0 || tmp->nreq == 0)
        return PR_OK;
    u64map have;
    memset(&have, 0, sizeof have);
    for (size_t i = 0; i < m->nreq; i++)
        if (m->req[i].fp != 0 &&
            u64map_get(&have, m->req[i].fp >> 1, 1, 0, NULL) == UINT32_MAX) {
            u64map_free(&have);
            return pr__fail(err, PR_ERR_NOMEM, PR_NO_OFFSET, "out of memory");
        }
    size_t dup = 0;
    for (size_t i = 0; i < tmp->nreq; i++)
        dup += tmp->req[i].fp != 0 &&
               u64map_find(&have, tmp->req[i].fp >> 1) != UINT32_MAX;
    u64map_free(&have);
    tmp->known = dup;
    if (dup > 0 && dup < tmp->nreq)
        return pr__fail(err, PR_ERR_MISMATCH, PR_NO_OFFSET,
                        "%zu of its %zu requests are counted already (from "
                        "another input); merging it would count them twice",
                        dup, tmp->nreq);
    return PR_OK;
}

static uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static int shard_empty(const shard *s)
{
    return s->funcs.n == 0 && s->group_keys.n == 0 && s->ncells == 0 &&
           s->nreq == 0 && s->nskips == 0 && s->filtered == 0 &&
           s->known == 0;
}

int pr__is_state(const void *buf, size_t len)
{
    return len >= 8 && memcmp(buf, MAGIC, 8) == 0;
}

pr_status pr_agg_load_state_buffer(pr_agg *agg, const void *buf, size_t len,
                                   pr_error *err)
{
    const unsigned char *p = buf;
    if (agg == NULL || (buf == NULL && len > 0))
        return pr__fail(err, PR_ERR_USAGE, PR_NO_OFFSET, "NULL argument");
    if (len < HEADER || !pr__is_state(p, len))
        return pr__fail(err, PR_ERR_BAD_STATE, 0, "not a profreport state "
                        "file (no PRSTATE header)");
    if (le32(p + 36) != (uint32_t)crc32(0, p, 36))
        return pr__fail(err, PR_ERR_BAD_STATE, 36, "state header checksum "
                        "mismatch (corrupt file)");
    uint32_t version = le32(p + 8);
    if (version < 1 || version > VERSION)
        return pr__fail(err, PR_ERR_VERSION, 8, "state version %u; this "
                        "profreport reads versions 1 to %d", version, VERSION);
    uint64_t raw = le64(p + 16), zlen = le64(p + 24);
    if (zlen != len - HEADER)
        return pr__fail(err, PR_ERR_TRUNCATED, len, "state file is %zu bytes, "
                        "its header says %llu", len,
                        (unsigned long long)(zlen + HEADER));
    if (le32(p + 32) != (uint32_t)crc32(0, p + HEADER, (uInt)zlen))
        return pr__fail(err, PR_ERR_BAD_STATE, HEADER, "state checksum "
                        "mismatch (corrupt file)");
    /* zlib cannot expand more than about 1032:1. */
    if (raw > MAX_PAYLOAD || raw > zlen * 1032 + 64)
        return pr__fail(err, PR_ERR_BAD_LENGTH, 16, "state payload size %llu "
                        "is impossible", (unsigned long long)raw);
    rcur c;
    memset(&c, 0, sizeof c);
    c.err = err;
    c.total = raw;
    z_stream z;
    memset(&z, 0, sizeof z);
    unsigned char *out = NULL;
    if (version >= 3) {
        /* Inflated as it is read, through a window. */
        c.z = &z;
        z.next_in = (unsigned char *)p + HEADER;
        z.avail_in = (uInt)zlen;
        c.cap = WINDOW;
        if ((c.win = malloc(WINDOW)) == NULL || inflateInit(&z) != Z_OK) {
            free(c.win);
            return pr__fail(err, PR_ERR_NOMEM, PR_NO_OFFSET, "out of memory");
        }
        c.p = c.win;
    } else {
        out = malloc(raw ? raw : 1);
        if (out == NULL)
            return pr__fail(err, PR_ERR_NOMEM, PR_NO_OFFSET, "out of memory");
        uLongf got = (uLongf)raw;
        if (uncompress(out, &got, p + HEADER, (uLong)zlen) != Z_OK ||
            got != raw) {
            free(out);
            return pr__fail(err, PR_ERR_GZIP, HEADER, "state payload does "
                            "not decompress");
        }
        c.p = out;
        c.len = raw;
    }
    shard tmp;
    pr__shard_init(&tmp);
    double bucket_s;
    pr_status st = read_payload(&c, &tmp, &bucket_s, agg->inputs, version);
    if (c.z != NULL)
        inflateEnd(&z);
    free(c.win);
    free(c.scratch);
    if (st == PR_OK)
        st = check_overlap(agg, &tmp, err);
    if (st == PR_OK && agg->main.nreq > 0 && bucket_s != agg->bucket_s)
        st = pr__fail(err, PR_ERR_MISMATCH, 40, "state buckets of %g s do "
                      "not match this run's %g s", bucket_s, agg->bucket_s);
    if (st == PR_OK && tmp.nreq > 0 && tmp.known == tmp.nreq) {
        /* Every request of it is counted already: merged, it would count
         * them twice. Nothing to add. */
    } else if (st == PR_OK && shard_empty(&agg->main)) {
        /* The first state of a run: taken as it is, ids and all, rather
         * than copied (which would hold its requests twice). */
        agg->bucket_s = bucket_s;
        agg->inputs += tmp.nreq;
        shard t = agg->main;
        agg->main = tmp;
        tmp = t;
    } else if (st == PR_OK) {
        agg->bucket_s = bucket_s;
        agg->inputs += tmp.nreq;
        st = pr__shard_merge(&agg->main, &tmp);
        if (st != PR_OK)
            pr__fail(err, st, PR_NO_OFFSET, "out of memory");
    }
    pr__shard_free(&tmp);
    free(out);
    return st;
}

pr_status pr_agg_load_state(pr_agg *agg, const char *path, pr_error *err)
{
    /* O_NONBLOCK: a FIFO must not hang the run waiting for a writer. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return pr__fail(err, PR_ERR_IO, PR_NO_OFFSET, "cannot open: %s",
                        strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return pr__fail(err, PR_ERR_NOT_FILE, PR_NO_OFFSET,
                        "not a regular file (a state is one)");
    }
    FILE *f = fdopen(fd, "rb");
    if (f == NULL) {
        close(fd);
        return pr__fail(err, PR_ERR_NOMEM, PR_NO_OFFSET, "out of memory");
    }
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0;
    /* One read for the whole file, whose size fstat gave (plus a byte to
     * see its end); growing by doubling only if it grew meanwhile. */
    if (sb.st_size > 0 && (uint64_t)sb.st_size < MAX_PAYLOAD) {
        cap = (size_t)sb.st_size + 1;
        if ((buf = malloc(cap)) == NULL) {
            fclose(f);
            return pr__fail(err, PR_ERR_NOMEM, PR_NO_OFFSET, "out of memory");
        }
    }
    pr_status st = PR_OK;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 1 << 16;
            if (cap > 2 * MAX_PAYLOAD) {
                st = pr__fail(err, PR_ERR_TOO_BIG, len, "state file too big");
                break;
            }
            unsigned char *nb = realloc(buf, cap);
            if (nb == NULL) {
                st = pr__fail(err, PR_ERR_NOMEM, len, "out of memory");
                break;
            }
            buf = nb;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f))
                st = pr__fail(err, PR_ERR_IO, len, "read failed");
            break;
        }
    }
    fclose(f);
    if (st == PR_OK)
        st = pr_agg_load_state_buffer(agg, buf, len, err);
    free(buf);
    return st;
}

/* Drops what lies wholly before `before` (Unix seconds): cells of older
 * buckets and their requests. Files rotated away keep counting until
 * then. */
pr_status pr_agg_prune(pr_agg *agg, double before)
{
    if (agg == NULL || agg->bucket_s <= 0)
        return PR_OK;
    shard *m = &agg->main;
    double bs = agg->bucket_s;
    size_t keep = 0;
    for (size_t i = 0; i < m->ncells; i++) {
        if (((double)m->cells[i].bucket + 1) * bs <= before)
            ftable_free(&m->cells[i].t);
        else
            m->cells[keep++] = m->cells[i];
    }
    m->ncells = keep;
    if (pr__cell_reindex(m) != PR_OK)
        return PR_ERR_NOMEM;
    keep = 0;
    for (size_t i = 0; i < m->nreq; i++) {
        request *q = &m->req[i];
        if (((double)pr__bucket_of(q->time, bs) + 1) * bs <= before) {
            if (!q->pooled)
                free(q->path);
        }
        else
            m->req[keep++] = *q;
    }
    m->nreq = keep;
    return PR_OK;
}
