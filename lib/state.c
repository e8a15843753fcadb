/* state.c - an aggregate saved to one file and read back, for cron runs
 * that parse only new files and for merging hosts' results.
 *
 * File: a 40-byte header, then the payload compressed with zlib.
 *   0  "PRSTATE\n"           magic
 *   8  u32 version (2)       1 is read too; others are refused
 *  12  u32 flags (0)
 *  16  u64 payload bytes     uncompressed
 *  24  u64 compressed bytes  must equal the rest of the file
 *  32  u32 CRC-32            of the compressed bytes
 *  36  u32 CRC-32            of bytes 0..35
 * All integers little-endian; doubles as IEEE-754 bits. The payload:
 *   f64 bucket_s
 *   u32 n, n x key          functions       key = str file, i64 line, str name
 *   u32 n, n x key          endpoints       str = u32 length, bytes
 *   u32 n, n x cell         cell = u32 endpoint, i64 bucket,
 *                               u32 n, n x (u32 fid, i64 cc, i64 nc, f64 tt, f64 ct),
 *                               u32 n, n x (u32 caller, u32 callee, i64 nc,
 *                                           i64 cc, f64 tt, f64 ct, u8 count_only)
 *   u32 n, n x request      request = str path, str method, str url,
 *                               u32 endpoint, u64 size, i64 mtime_ns,
 *                               f64 profiled_s, f64 total_tt, f64 wall_ms,
 *                               f64 time, u8 flags (bit 0 named,
 *                               bits 1-2 where the wall time came from),
 *                               u64 where, u64 fp   (version 2: identity)
 * Reading checks every count against the bytes left and every index
 * against its table, like the marshal reader.
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
enum { VERSION = 2, HEADER = 40 };
#define MAX_PAYLOAD (1ULL << 32)

/* ---- writing ----------------------------------------------------------- */

typedef struct wbuf {
    unsigned char *p;
    size_t len, cap;
    int failed;
} wbuf;

static void put(wbuf *b, const void *src, size_t n)
{
    if (b->failed)
        return;
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
    put_u32(b, (uint32_t)m->nreq);
    for (size_t i = 0; i < m->nreq; i++) {
        const request *q = &m->req[i];
        put_str(b, q->path, strlen(q->path));
        put_str(b, q->method, strlen(q->method));
        put_str(b, q->url, strlen(q->url));
        put_u32(b, q->group);
        put_u64(b, q->size);
        put_u64(b, (uint64_t)q->mtime_ns);
        put_f64(b, q->profiled_s);
        put_f64(b, q->total_tt);
        put_f64(b, q->wall_ms);
        put_f64(b, q->time);
        /* Bit 0: named; bits 1-2: the wall time's source (0 in states
         * written before it was kept: the name's, when named). */
        unsigned char named = (unsigned char)((q->named != 0) |
                                              (q->wall_source & 3) << 1);
        put(b, &named, 1);
        put_u64(b, q->where);
        put_u64(b, q->fp);
    }
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
    wbuf raw = {0};
    payload(&raw, agg);
    if (raw.failed) {
        free(raw.p);
        return pr__fail(err, PR_ERR_NOMEM, PR_NO_OFFSET, "out of memory");
    }
    uLongf zlen = compressBound((uLong)raw.len);
    unsigned char *z = malloc(zlen);
    if (z == NULL || compress2(z, &zlen, raw.p, (uLong)raw.len, 6) != Z_OK) {
        free(z);
        free(raw.p);
        return pr__fail(err, PR_ERR_NOMEM, PR_NO_OFFSET,
                        "compression failed");
    }
    wbuf h = {0};
    put(&h, MAGIC, 8);
    put_u32(&h, VERSION);
    put_u32(&h, 0);
    put_u64(&h, raw.len);
    put_u64(&h, zlen);
    put_u32(&h, (uint32_t)crc32(0, z, (uInt)zlen));
    if (!h.failed)
        put_u32(&h, (uint32_t)crc32(0, h.p, 36));
    free(raw.p);
    if (h.failed) {
        free(z);
        free(h.p);
        return pr__fail(err, PR_ERR_NOMEM, PR_NO_OFFSET, "out of memory");
    }
    /* Through a temporary file renamed into place: a run killed at any
     * point leaves the previous state whole. */
    pr_outfile *f;
    FILE *fp;
    pr_status st = pr_outfile_open(path, &f, &fp, err);
    if (st == PR_OK) {
        fwrite(h.p, 1, h.len, fp);
        fwrite(z, 1, zlen, fp);
        st = pr_outfile_commit(f, err);
    }
    free(z);
    free(h.p);
    return st;
}

/* ---- reading ----------------------------------------------------------- */

typedef struct rcur {
    const unsigned char *p;
    size_t len, pos;
    pr_error *err;
    pr_status st;
} rcur;

static int need(rcur *c, size_t n, const char *what)
{
    if (c->st != PR_OK)
        return 0;
    if (c->len - c->pos < n) {
        c->st = pr__fail(c->err, PR_ERR_TRUNCATED, c->pos,
                         "state payload truncated: expected %s", what);
        return 0;
    }
    return 1;
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

static double get_f64(rcur *c, const char *what)
{
    uint64_t v = get_u64(c, what);
    double d;
    memcpy(&d, &v, 8);
    if (c->st == PR_OK && !isfinite(d))
        c->st = pr__fail(c->err, PR_ERR_BAD_VALUE, c->pos - 8,
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
    size_t at = c->pos;
    uint32_t n = get_u32(c, what);
    if (c->st == PR_OK && (uint64_t)n * unit > c->len - c->pos)
        c->st = pr__fail(c->err, PR_ERR_BAD_LENGTH, at,
                         "state: %s count %u does not fit the %zu bytes left",
                         what, n, c->len - c->pos);
    return c->st == PR_OK ? n : 0;
}

static pr_str get_str(rcur *c, const char *what)
{
    pr_str s = {"", 0};
    uint32_t n = get_count(c, 1, what);
    if (c->st == PR_OK && need(c, n, what)) {
        s.ptr = (const char *)c->p + c->pos;
        s.len = n;
        c->pos += n;
    }
    return s;
}

static pr_func_key get_key(rcur *c)
{
    pr_func_key k;
    k.file = get_str(c, "file name");
    k.line = (int64_t)get_u64(c, "line");
    k.name = get_str(c, "function name");
    return k;
}

static int has_nul(pr_str s)
{
    return s.len > 0 && memchr(s.ptr, '\0', s.len) != NULL;
}

static pr_status read_payload(rcur *c, shard *s, double *bucket_s,
                              size_t base_order, uint32_t version)
{
    uint32_t *fids = NULL, *gids = NULL;
    *bucket_s = get_f64(c, "bucket size");
    if (c->st == PR_OK && *bucket_s != 0 && !(*bucket_s >= 1e-6))
        c->st = pr__fail(c->err, PR_ERR_BAD_VALUE, 0, "state: bad bucket size");
    uint32_t nf = get_count(c, 16, "function");
    if (c->st == PR_OK &&
        (fids = malloc((nf ? nf : 1) * sizeof *fids)) == NULL)
        c->st = PR_ERR_NOMEM;
    for (uint32_t i = 0; i < nf && c->st == PR_OK; i++) {
        pr_func_key k = get_key(c);
        if (c->st == PR_OK &&
            (fids[i] = functab_intern(&s->funcs, &k)) == UINT32_MAX)
            c->st = PR_ERR_NOMEM;
    }
    uint32_t ng = get_count(c, 16, "endpoint");
    if (c->st == PR_OK &&
        (gids = malloc((ng ? ng : 1) * sizeof *gids)) == NULL)
        c->st = PR_ERR_NOMEM;
    for (uint32_t i = 0; i < ng && c->st == PR_OK; i++) {
        pr_func_key k = get_key(c);
        if (c->st == PR_OK &&
            (gids[i] = functab_intern(&s->group_keys, &k)) == UINT32_MAX)
            c->st = PR_ERR_NOMEM;
    }
    uint32_t nc = get_count(c, 20, "cell");
    for (uint32_t i = 0; i < nc && c->st == PR_OK; i++) {
        size_t at = c->pos;
        uint32_t g = get_u32(c, "cell endpoint");
        int64_t bucket = (int64_t)get_u64(c, "cell bucket");
        if (c->st == PR_OK && g >= ng) {
            c->st = pr__fail(c->err, PR_ERR_BAD_REF, at,
                             "state: cell of unknown endpoint %u", g);
            break;
        }
        ftable *t = c->st == PR_OK ? pr__cell(s, gids[g], bucket) : NULL;
        if (c->st == PR_OK && t == NULL)
            c->st = PR_ERR_NOMEM;
        uint32_t n = get_count(c, 36, "function stats");
        for (uint32_t k = 0; k < n && c->st == PR_OK; k++) {
            size_t fat = c->pos;
            uint32_t fid = get_u32(c, "function id");
            int64_t cc = (int64_t)get_u64(c, "cc");
            int64_t ncalls = (int64_t)get_u64(c, "nc");
            double tt = get_f64(c, "tt"), ct = get_f64(c, "ct");
            if (c->st != PR_OK)
                break;
            if (fid >= nf || cc < 0 || ncalls < 0) {
                c->st = pr__fail(c->err, PR_ERR_BAD_REF, fat,
                                 "state: bad function stats");
                break;
            }
            if (ftable_add_func(t, fids[fid], cc, ncalls, tt, ct) != PR_OK)
                c->st = PR_ERR_NOMEM;
        }
        uint32_t ne = get_count(c, 41, "edge");
        for (uint32_t k = 0; k < ne && c->st == PR_OK; k++) {
            size_t eat = c->pos;
            uint32_t a = get_u32(c, "caller"), b = get_u32(c, "callee");
            int64_t enc = (int64_t)get_u64(c, "nc");
            int64_t ecc = (int64_t)get_u64(c, "cc");
            double tt = get_f64(c, "tt"), ct = get_f64(c, "ct");
            uint8_t only = get_u8(c, "count_only");
            if (c->st != PR_OK)
                break;
            if (a >= nf || b >= nf || enc < 0 || ecc < 0 || only > 1) {
                c->st = pr__fail(c->err, PR_ERR_BAD_REF, eat,
                                 "state: bad edge");
                break;
            }
            if (ftable_add_edge(t, fids[a], fids[b], enc, ecc, tt, ct, only) !=
                PR_OK)
                c->st = PR_ERR_NOMEM;
        }
    }
    uint32_t nr = get_count(c, version >= 2 ? 81 : 65, "request");
    for (uint32_t i = 0; i < nr && c->st == PR_OK; i++) {
        size_t at = c->pos;
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
            break;
        if (g >= ng || path.len == 0 || has_nul(path) || has_nul(method) ||
            has_nul(url) || !pr__time_ok(r.time) || !(r.wall_ms >= 0)) {
            c->st = pr__fail(c->err, PR_ERR_BAD_REF, at, "state: bad request");
            break;
        }
        r.group = gids[g];
        r.order = base_order + i;
        char *b = malloc(path.len + method.len + url.len + 3);
        if (b == NULL) {
            c->st = PR_ERR_NOMEM;
            break;
        }
        memcpy(b, path.ptr, path.len);
        b[path.len] = '\0';
        char *mth = b + path.len + 1;
        memcpy(mth, method.ptr, method.len);
        mth[method.len] = '\0';
        char *u = mth + method.len + 1;
        memcpy(u, url.ptr, url.len);
        u[url.len] = '\0';
        r.path = b;
        r.method = mth;
        r.url = u;
        if (pr__add_request(s, &r) != PR_OK) {
            free(b);
            c->st = PR_ERR_NOMEM;
        }
    }
    if (c->st == PR_OK && c->pos != c->len)
        c->st = pr__fail(c->err, PR_ERR_NOT_STATS, c->pos,
                         "state: %zu bytes after the end", c->len - c->pos);
    free(fids);
    free(gids);
    if (c->st == PR_ERR_NOMEM)
        pr__fail(c->err, PR_ERR_NOMEM, c->pos, "out of memory");
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
        return pr__fail(err, PR_ERR_NOT_STATS, PR_NO_OFFSET,
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
        return pr__fail(err, PR_ERR_NOT_STATS, 0, "not a profreport state "
                        "file (no PRSTATE header)");
    if (le32(p + 36) != (uint32_t)crc32(0, p, 36))
        return pr__fail(err, PR_ERR_NOT_STATS, 36, "state header checksum "
                        "mismatch (corrupt file)");
    uint32_t version = le32(p + 8);
    if (version != 1 && version != VERSION)
        return pr__fail(err, PR_ERR_NOT_STATS, 8, "state version %u; this "
                        "profreport reads versions 1 to %d", version, VERSION);
    uint64_t raw = le64(p + 16), zlen = le64(p + 24);
    if (zlen != len - HEADER)
        return pr__fail(err, PR_ERR_TRUNCATED, len, "state file is %zu bytes, "
                        "its header says %llu", len,
                        (unsigned long long)(zlen + HEADER));
    if (le32(p + 32) != (uint32_t)crc32(0, p + HEADER, (uInt)zlen))
        return pr__fail(err, PR_ERR_NOT_STATS, HEADER, "state checksum "
                        "mismatch (corrupt file)");
    /* zlib cannot expand more than about 1032:1. */
    if (raw > MAX_PAYLOAD || raw > zlen * 1032 + 64)
        return pr__fail(err, PR_ERR_BAD_LENGTH, 16, "state payload size %llu "
                        "is impossible", (unsigned long long)raw);
    unsigned char *out = malloc(raw ? raw : 1);
    if (out == NULL)
        return pr__fail(err, PR_ERR_NOMEM, PR_NO_OFFSET, "out of memory");
    uLongf got = (uLongf)raw;
    if (uncompress(out, &got, p + HEADER, (uLong)zlen) != Z_OK || got != raw) {
        free(out);
        return pr__fail(err, PR_ERR_GZIP, HEADER, "state payload does not "
                        "decompress");
    }
    shard tmp;
    pr__shard_init(&tmp);
    rcur c = {out, raw, 0, err, PR_OK};
    double bucket_s;
    pr_status st = read_payload(&c, &tmp, &bucket_s, agg->inputs, version);
    if (st == PR_OK)
        st = check_overlap(agg, &tmp, err);
    if (st == PR_OK && agg->main.nreq > 0 && bucket_s != agg->bucket_s)
        st = pr__fail(err, PR_ERR_NOT_STATS, 40, "state buckets of %g s do "
                      "not match this run's %g s", bucket_s, agg->bucket_s);
    if (st == PR_OK && tmp.nreq > 0 && tmp.known == tmp.nreq) {
        /* Every request of it is counted already: merged, it would count
         * them twice. Nothing to add. */
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
    pr_status st = PR_OK;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 1 << 16;
            if (cap > MAX_PAYLOAD) {
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
        if (((double)pr__bucket_of(q->time, bs) + 1) * bs <= before)
            free(q->path);
        else
            m->req[keep++] = *q;
    }
    m->nreq = keep;
    return PR_OK;
}
