/* source.c - reading profile files and walking directories.
 *
 * Files are read with read(2) into a reused buffer rather than mmap'd: a
 * web server may truncate a file while we read it, which would turn an
 * mmap access into SIGBUS; read just returns fewer bytes.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE
#define _GNU_SOURCE /* newlocale, uselocale */
#include "sort.h"
#include "source.h"
#include "status.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <archive.h>
#include <archive_entry.h>
#include <strings.h>
#include <zlib.h>

void rbuf_free(rbuf *b)
{
    if (b->budget != NULL)
        atomic_fetch_sub(&b->budget->used, (uint64_t)b->cap);
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

void rbuf_trim(rbuf *b)
{
    if (b->cap > (64u << 20))
        rbuf_free(b);
}

/* 0, or -1 out of memory, or -2 over the shared budget. */
static int rbuf_reserve(rbuf *b, size_t need)
{
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64 * 1024;
    while (cap < need) {
        if (cap > SIZE_MAX / 2)
            return -1;
        cap *= 2;
    }
    uint64_t more = (uint64_t)(cap - b->cap);
    if (b->budget != NULL &&
        atomic_fetch_add(&b->budget->used, more) + more > b->budget->limit) {
        atomic_fetch_sub(&b->budget->used, more);
        return -2;
    }
    unsigned char *p = realloc(b->p, cap);
    if (p == NULL) {
        if (b->budget != NULL)
            atomic_fetch_sub(&b->budget->used, more);
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

/* The failure of rbuf_reserve's result r, at offset `at`. */
static pr_status reserve_fail(pr_error *err, int r, uint64_t at,
                              const rbuf *b)
{
    if (r == -2)
        return pr__fail(err, PR_ERR_TOO_BIG, at,
                        "over the memory budget of %llu bytes that all "
                        "threads share for file buffers (fewer threads, -j, "
                        "leave more to each)",
                        (unsigned long long)b->budget->limit);
    return pr__fail(err, PR_ERR_NOMEM, at, "out of memory");
}

/* Whether the first byte of a profile can start one: a marshal dict,
 * with or without the reference flag. */
static int stats_start(unsigned char c)
{
    return c == '{' || c == ('{' | 0x80);
}

pr_status src_gunzip(const unsigned char *in, size_t inlen, uint64_t max,
                     rbuf *dec, pr_error *err)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    int zr = inflateInit2(&z, 16 + MAX_WBITS);
    if (zr == Z_MEM_ERROR)
        return pr__fail(err, PR_ERR_NOMEM, 0, "out of memory");
    if (zr != Z_OK)
        return pr__fail(err, PR_ERR_ZLIB, 0, "zlib could not start "
                        "(error %d)", zr);
    dec->len = 0;
    z.next_in = (unsigned char *)in;
    pr_status st = PR_OK;
    size_t done_in = 0;
    for (;;) {
        int rr;
        if (dec->len == dec->cap &&
            (rr = rbuf_reserve(dec, dec->cap + 1)) != 0) {
            st = reserve_fail(err, rr, done_in, dec);
            break;
        }
        /* zlib counts in uInt: feed at most 1 GiB per call. */
        size_t in_left = inlen - done_in - z.avail_in;
        if (z.avail_in == 0 && in_left > 0)
            z.avail_in = (uInt)(in_left > (1u << 30) ? (1u << 30) : in_left);
        size_t room = dec->cap - dec->len;
        z.next_out = dec->p + dec->len;
        z.avail_out = (uInt)(room > (1u << 30) ? (1u << 30) : room);
        uInt before_in = z.avail_in, before_out = z.avail_out;
        int r = inflate(&z, Z_NO_FLUSH);
        done_in += before_in - z.avail_in;
        dec->len += before_out - z.avail_out;
        /* Checked as soon as there is a byte, as for a file that is not
         * compressed: a gzip of zeros fails here, not 1 GiB later. */
        if (dec->len > 0 && !stats_start(dec->p[0])) {
            st = pr__fail(err, PR_ERR_NOT_STATS, 0,
                          "not a stats file: first decompressed byte 0x%02x, "
                          "expected a dict ('{', 0x7b or 0xfb)", dec->p[0]);
            break;
        }
        if (dec->len > max) {
            st = pr__fail(err, PR_ERR_TOO_BIG, done_in,
                          "decompressed size exceeds the limit of %llu bytes",
                          (unsigned long long)max);
            break;
        }
        if (dec->len > SRC_RATIO_FREE &&
            (dec->len - SRC_RATIO_FREE) / SRC_MAX_RATIO > done_in) {
            st = pr__fail(err, PR_ERR_TOO_BIG, done_in,
                          "decompresses to over %d times its size (a "
                          "decompression bomb?)", SRC_MAX_RATIO);
            break;
        }
        if (r == Z_STREAM_END) {
            /* Zero bytes after a member are padding (tape blocks, some
             * uploaders), which gzip and Python's gzip module skip. */
            size_t rest = done_in;
            while (rest < inlen && in[rest] == 0)
                rest++;
            if (rest == inlen)
                break;
            /* Concatenated members (gzip -c a b) decode as one stream. */
            if (inflateReset(&z) == Z_OK)
                continue;
            break;
        }
        if (r == Z_BUF_ERROR && z.avail_in == 0 && done_in == inlen) {
            st = pr__fail(err, PR_ERR_GZIP, done_in,
                          "truncated gzip stream");
            break;
        }
        if (r == Z_MEM_ERROR) {
            st = pr__fail(err, PR_ERR_NOMEM, done_in, "out of memory");
            break;
        }
        if (r != Z_OK && r != Z_BUF_ERROR) {
            st = pr__fail(err, PR_ERR_GZIP, done_in, "corrupt gzip data: %s",
                          z.msg ? z.msg : "inflate failed");
            break;
        }
    }
    inflateEnd(&z);
    return st;
}

static pr_status io_fail(pr_error *err, const char *what, int e)
{
    return pr__fail(err, PR_ERR_IO, PR_NO_OFFSET, "%s: %s", what, strerror(e));
}

pr_status src_load(const char *path, uint64_t max, rbuf *raw, rbuf *dec,
                   const unsigned char **data, size_t *len, src_stat *sst,
                   pr_error *err)
{
    /* O_NONBLOCK: opening a FIFO must not wait for a writer. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return io_fail(err, "cannot open", errno);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return io_fail(err, "cannot stat", e);
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return pr__fail(err, PR_ERR_NOT_FILE, PR_NO_OFFSET,
                        "is a directory");
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return pr__fail(err, PR_ERR_NOT_FILE, PR_NO_OFFSET,
                        "not a regular file (FIFO, socket or device)");
    }
    sst->size = (uint64_t)st.st_size;
    /* A file already over the limit (a 2 GB sparse file that starts like
     * a profile) is refused before a byte is read. */
    if ((uint64_t)st.st_size > max) {
        close(fd);
        return pr__fail(err, PR_ERR_TOO_BIG, max,
                        "file is %llu bytes, over the limit of %llu",
                        (unsigned long long)st.st_size,
                        (unsigned long long)max);
    }
    sst->mtime_ns = pr__ns_of((int64_t)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    sst->mtime_s = (double)st.st_mtim.tv_sec + (double)st.st_mtim.tv_nsec / 1e9;
    sst->ino = (uint64_t)st.st_ino;
    raw->len = 0;
    pr_status result = PR_OK;
    for (;;) {
        /* Read until EOF, not st_size: the file may be growing. */
        int rr;
        if (raw->len == raw->cap &&
            (rr = rbuf_reserve(raw, raw->cap + 1)) != 0) {
            result = reserve_fail(err, rr, raw->len, raw);
            break;
        }
        size_t room = raw->cap - raw->len;
        ssize_t r = read(fd, raw->p + raw->len, room);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            result = io_fail(err, "read failed", errno);
            break;
        }
        if (r == 0)
            break;
        if (raw->len == 0 && raw->p[0] != '{' && raw->p[0] != ('{' | 0x80) &&
            raw->p[0] != 0x1f) {
            /* Not a stats file: say so without reading the rest (a
             * 2 GB sparse file of zeros fails here, at once). */
            result = pr__fail(err, PR_ERR_NOT_STATS, 0,
                              "not a stats file: first byte 0x%02x, expected "
                              "a dict ('{', 0x7b or 0xfb) or gzip (0x1f)",
                              raw->p[0]);
            break;
        }
        raw->len += (size_t)r;
        if (raw->len > max) {
            result = pr__fail(err, PR_ERR_TOO_BIG, max,
                              "file exceeds the limit of %llu bytes",
                              (unsigned long long)max);
            break;
        }
    }
    close(fd);
    if (result != PR_OK)
        return result;
    if (raw->len >= 2 && raw->p[0] == 0x1f && raw->p[1] == 0x8b) {
        if ((result = src_gunzip(raw->p, raw->len, max, dec, err)) != PR_OK)
            return result;
        *data = dec->p;
        *len = dec->len;
        return PR_OK;
    }
    *data = raw->p;
    *len = raw->len;
    return PR_OK;
}

/* ---- directory walk ------------------------------------------------- */

static pr_status list_add(src_list *l, const char *path, const pr_error *e)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        src_file *v = realloc(l->v, cap * sizeof *v);
        if (v == NULL)
            return PR_ERR_NOMEM;
        l->v = v;
        l->cap = cap;
    }
    src_file *f = &l->v[l->n];
    memset(f, 0, sizeof *f);
    if ((f->path = strdup(path)) == NULL)
        return PR_ERR_NOMEM;
    if (e != NULL) {
        f->failed = 1;
        f->err = *e;
    }
    l->n++;
    return PR_OK;
}

static pr_status list_fail(src_list *l, const char *path, pr_status code,
                           const char *detail)
{
    pr_error e;
    pr__fail(&e, code, PR_NO_OFFSET, "%s", detail);
    return list_add(l, path, &e);
}

static pr_status list_fail_errno(src_list *l, const char *path,
                                 const char *what, int e)
{
    char msg[160];
    snprintf(msg, sizeof msg, "%s: %s", what, strerror(e));
    return list_fail(l, path, PR_ERR_IO, msg);
}

static int ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcasecmp(s + n - m, suffix) == 0;
}

static int is_archive_name(const char *name)
{
    return ends_with_ci(name, ".tar") || ends_with_ci(name, ".tar.gz") ||
           ends_with_ci(name, ".tgz") || ends_with_ci(name, ".zip");
}

static int wanted(const char *name)
{
    size_t n = strlen(name);
    return (n > 5 && strcmp(name + n - 5, ".prof") == 0) ||
           (n > 8 && strcmp(name + n - 8, ".prof.gz") == 0);
}

/* A directory entry: its name and, once stat'ed, what it is. */
typedef struct dentry {
    char *name;
    uint64_t ino;       /* d_ino */
    unsigned char type; /* d_type: DT_REG and DT_DIR are never symlinks */
    int skip;           /* a regular file known without a stat, or of no
                           interest: not stat'ed */
    int err;            /* errno of fstatat, or 0 */
    int dangling;       /* err set and the entry itself exists */
    struct stat *sb;    /* its stat, once taken */
} dentry;

static int cmp_names(const void *a, const void *b)
{
    return strcmp(((const dentry *)a)->name, ((const dentry *)b)->name);
}

/* Directories on the path from the walk's root: a directory met again
 * while it is its own ancestor is a symlink loop. */
typedef struct dir_id {
    dev_t dev;
    ino_t ino;
} dir_id;

enum { MAX_WALK_DEPTH = 256 };

/* What a walk carries down: the filter, and a buffer for canonical
 * paths (a directory's, then one entry's after it). */
typedef struct walker {
    src_list *l;
    const src_filter *filter;
    char *canon;
    size_t cap;
} walker;

/* dir + "/" + name into w->canon, the canonical path of an entry of the
 * directory whose canonical path is dir; NULL when out of memory. */
static const char *canon_join(walker *w, const char *dir, const char *name)
{
    size_t d = strlen(dir), n = strlen(name);
    int slash = !(d == 1 && dir[0] == '/');
    if (d + slash + n + 1 > w->cap) {
        size_t cap = (d + slash + n + 1) * 2;
        char *p = realloc(w->canon, cap);
        if (p == NULL)
            return NULL;
        w->canon = p;
        w->cap = cap;
    }
    memcpy(w->canon, dir, d);
    if (slash)
        w->canon[d] = '/';
    memcpy(w->canon + d + slash, name, n + 1);
    return w->canon;
}

/* A file found: listed, unless the filter knows it. `canon` (its
 * canonical path) may be NULL: the filter resolves it then. */
static pr_status found(walker *w, const char *path, const char *canon,
                       const struct stat *sb)
{
    uint64_t size = (uint64_t)sb->st_size;
    int64_t mtime_ns = pr__ns_of((int64_t)sb->st_mtim.tv_sec,
                                 sb->st_mtim.tv_nsec);
    if (w->filter != NULL &&
        w->filter->known(w->filter->ctx, path, canon, size, mtime_ns,
                         (uint64_t)sb->st_ino))
        return PR_OK;
    pr_status st = list_add(w->l, path, NULL); /* FIFOs etc. fail at load */
    if (st == PR_OK) {
        w->l->v[w->l->n - 1].size = size;
        w->l->v[w->l->n - 1].mtime_ns = mtime_ns;
    }
    return st;
}

/* The entries of dir (canonical path canon, or NULL), sorted by name
 * and stat'ed through the directory's descriptor, which is closed again
 * before the walk goes deeper: a walk holds one descriptor whatever the
 * depth. Regular files of no interest, and those the filter trusts, are
 * not stat'ed. */
static pr_status read_dir(walker *w, const char *dir, const char *canon,
                          dentry **out, size_t *nout, struct stat **sbout)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (d == NULL) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return list_fail_errno(w->l, dir, "cannot open directory", e);
    }
    dentry *v = NULL;
    size_t n = 0, cap = 0;
    pr_status st = PR_OK;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            dentry *nv = realloc(v, cap * sizeof *nv);
            if (nv == NULL) {
                st = PR_ERR_NOMEM;
                break;
            }
            v = nv;
        }
        if ((v[n].name = strdup(de->d_name)) == NULL) {
            st = PR_ERR_NOMEM;
            break;
        }
        v[n].type = de->d_type;
        v[n].ino = (uint64_t)de->d_ino;
        v[n].skip = 0;
        n++;
    }
    /* Sorted before the stat, while the entries are small. */
    if (st == PR_OK)
        pr__qsort(v, n, sizeof *v, cmp_names);
    struct stat *sbs = st == PR_OK ? malloc((n ? n : 1) * sizeof *sbs) : NULL;
    if (st == PR_OK && sbs == NULL)
        st = PR_ERR_NOMEM;
    const src_filter *f = w->filter;
    for (size_t i = 0; i < n && st == PR_OK; i++) {
        dentry *e = &v[i];
        if (e->type == DT_REG && !wanted(e->name)) {
            e->skip = 1;
            continue;
        }
        if (e->type == DT_REG && canon != NULL && f != NULL &&
            f->trusted != NULL) {
            const char *c = canon_join(w, canon, e->name);
            if (c == NULL) {
                st = PR_ERR_NOMEM;
                break;
            }
            if ((e->skip = f->trusted(f->ctx, c, e->ino)) != 0)
                continue;
        }
        e->sb = &sbs[i];
        e->err = fstatat(fd, e->name, e->sb, 0) != 0 ? errno : 0;
        struct stat lsb;
        e->dangling = e->err != 0 &&
                      fstatat(fd, e->name, &lsb, AT_SYMLINK_NOFOLLOW) == 0;
    }
    closedir(d);
    *out = v;
    *nout = n;
    *sbout = sbs;
    return st;
}

static pr_status walk_dir(walker *w, const char *dir, const char *canon,
                          dir_id *stack, int depth);

/* One entry of dir (canonical path canon, or NULL): a file found, a
 * directory walked, or an error listed. */
static pr_status walk_entry(walker *w, const char *dir, const char *canon,
                            const dentry *e, dir_id *stack, int depth)
{
    src_list *l = w->l;
    size_t dlen = strlen(dir);
    int slash = dlen > 0 && dir[dlen - 1] == '/';
    size_t plen = dlen + 1 + strlen(e->name) + 1;
    char *path = malloc(plen);
    if (path == NULL)
        return PR_ERR_NOMEM;
    snprintf(path, plen, "%s%s%s", dir, slash ? "" : "/", e->name);
    /* A directory or a regular file that is not a symlink is its
     * directory's canonical path plus its name; anything else is
     * resolved (realpath) when needed. */
    pr_status st = PR_OK;
    const char *ecanon = NULL;
    if (canon != NULL && (e->type == DT_REG || e->type == DT_DIR) &&
        (ecanon = canon_join(w, canon, e->name)) == NULL)
        st = PR_ERR_NOMEM;
    if (st != PR_OK) {
    } else if (e->err != 0) {
        if (e->err == ELOOP)
            st = list_fail(l, path, PR_ERR_LOOP, "symbolic link loop");
        else if (wanted(e->name) || !e->dangling)
            st = list_fail_errno(l, path, "cannot stat", e->err);
        /* else: a dangling symlink of no interest */
    } else if (S_ISDIR(e->sb->st_mode)) {
        int loop = 0;
        for (int k = 0; k < depth + 1; k++)
            if (stack[k].dev == e->sb->st_dev && stack[k].ino == e->sb->st_ino)
                loop = 1;
        if (loop) {
            st = list_fail(l, path, PR_ERR_LOOP,
                           "symbolic link loop: directory is its own "
                           "ancestor");
        } else {
            stack[depth + 1].dev = e->sb->st_dev;
            stack[depth + 1].ino = e->sb->st_ino;
            char *sub = ecanon != NULL ? strdup(ecanon) : realpath(path, NULL);
            if (sub == NULL && ecanon != NULL)
                st = PR_ERR_NOMEM;
            else
                st = walk_dir(w, path, sub, stack, depth + 1);
            free(sub);
        }
    } else if (wanted(e->name)) {
        st = found(w, path, ecanon, e->sb);
    }
    free(path);
    return st;
}

/* The second half of a root's entries, walked by a thread of its own
 * into a list of its own, appended to the first half's after. */
typedef struct half {
    walker w;
    src_list list;
    const char *dir, *canon;
    const dentry *v;
    size_t from, to;
    dir_id stack[MAX_WALK_DEPTH + 1];
    pr_status st;
} half;

static void *walk_half(void *arg)
{
    half *h = arg;
    for (size_t i = h->from; i < h->to && h->st == PR_OK; i++)
        if (!h->v[i].skip)
            h->st = walk_entry(&h->w, h->dir, h->canon, &h->v[i], h->stack, 0);
    return NULL;
}

/* Appends b's entries to a (b is emptied). */
static pr_status list_append(src_list *a, src_list *b)
{
    if (a->n + b->n > a->cap) {
        src_file *v = realloc(a->v, (a->n + b->n) * sizeof *v);
        if (v == NULL)
            return PR_ERR_NOMEM;
        a->v = v;
        a->cap = a->n + b->n;
    }
    if (b->n > 0)
        memcpy(a->v + a->n, b->v, b->n * sizeof *b->v);
    a->n += b->n;
    free(b->v);
    memset(b, 0, sizeof *b);
    return PR_OK;
}

/* Directories under a root from which its entries are walked by two
 * threads (a cron run's tree of 200 directories of 5,000 files: reading
 * the directories is most of its walk). */
enum { PARALLEL_MIN_DIRS = 8 };

/* Walks dir, whose canonical path is canon (NULL: not known; entries
 * are then resolved one by one, by the filter). */
static pr_status walk_dir(walker *w, const char *dir, const char *canon,
                          dir_id *stack, int depth)
{
    src_list *l = w->l;
    if (depth >= MAX_WALK_DEPTH)
        return list_fail(l, dir, PR_ERR_TOO_DEEP,
                         "directories nested more than 256 deep");
    dentry *v = NULL;
    size_t n = 0;
    struct stat *sbs = NULL;
    pr_status st = read_dir(w, dir, canon, &v, &n, &sbs);
    size_t split = n, ndirs = 0;
    for (size_t i = 0; i < n && st == PR_OK && depth == 0 &&
                       w->filter != NULL && w->filter->thread_safe;
         i++)
        ndirs += !v[i].skip && v[i].err == 0 && S_ISDIR(v[i].sb->st_mode);
    half *h = NULL;
    pthread_t t;
    if (st == PR_OK && ndirs >= PARALLEL_MIN_DIRS &&
        (h = calloc(1, sizeof *h)) != NULL) {
        /* the second half of the directories, with what lies between */
        size_t seen = 0;
        for (split = 0; split < n; split++) {
            const dentry *e = &v[split];
            if (!e->skip && e->err == 0 && S_ISDIR(e->sb->st_mode) &&
                seen++ == ndirs / 2)
                break;
        }
        h->w.l = &h->list;
        h->w.filter = w->filter;
        h->dir = dir;
        h->canon = canon;
        h->v = v;
        h->from = split;
        h->to = n;
        h->stack[0] = stack[0];
        if (pthread_create(&t, NULL, walk_half, h) != 0) {
            free(h);
            h = NULL;
            split = n;
        }
    }
    for (size_t i = 0; i < split && st == PR_OK; i++)
        if (!v[i].skip)
            st = walk_entry(w, dir, canon, &v[i], stack, depth);
    if (h != NULL) {
        pthread_join(t, NULL);
        if (st == PR_OK)
            st = h->st;
        if (st == PR_OK)
            st = list_append(l, &h->list);
        src_list_free(&h->list);
        free(h->w.canon);
        free(h);
    }
    for (size_t i = 0; i < n; i++)
        free(v[i].name);
    free(v);
    free(sbs);
    return st;
}

pr_status src_walk(src_list *list, const char *const *paths, size_t n,
                   const src_filter *filter)
{
    walker w = {list, filter, NULL, 0};
    pr_status st = PR_OK;
    for (size_t i = 0; i < n && st == PR_OK; i++) {
        struct stat sb;
        if (stat(paths[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
            dir_id stack[MAX_WALK_DEPTH + 1];
            stack[0].dev = sb.st_dev;
            stack[0].ino = sb.st_ino;
            char *canon = realpath(paths[i], NULL);
            st = walk_dir(&w, paths[i], canon, stack, 0);
            free(canon);
        } else if (!is_archive_name(paths[i]) && stat(paths[i], &sb) == 0 &&
                   S_ISREG(sb.st_mode)) {
            st = found(&w, paths[i], NULL, &sb);
        } else {
            st = list_add(list, paths[i], NULL); /* load reports errors */
            if (st == PR_OK && is_archive_name(paths[i]))
                list->v[list->n - 1].archive = 1;
            if (st == PR_OK && stat(paths[i], &sb) == 0 &&
                S_ISREG(sb.st_mode)) {
                list->v[list->n - 1].size = (uint64_t)sb.st_size;
                list->v[list->n - 1].mtime_ns =
                    pr__ns_of((int64_t)sb.st_mtim.tv_sec, sb.st_mtim.tv_nsec);
            }
        }
    }
    free(w.canon);
    return st;
}

void src_list_free(src_list *list)
{
    for (size_t i = 0; i < list->n; i++)
        free(list->v[i].path);
    free(list->v);
    memset(list, 0, sizeof *list);
}

/* ---- archives -------------------------------------------------------- */

static pr_status read_archive(const char *path, uint64_t max, rbuf *raw,
                              rbuf *dec, src_entry_fn fn, void *ctx,
                              pr_error *err);

pr_status src_archive(const char *path, uint64_t max, rbuf *raw, rbuf *dec,
                      src_entry_fn fn, void *ctx, pr_error *err)
{
    /* libarchive converts entry names to the current locale's charset and
     * gives NULL when it cannot; in the C locale that is every non-ASCII
     * name. Use a UTF-8 locale for this thread only (uselocale), leaving
     * the process's locale alone. */
    locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    locale_t old = utf8 != (locale_t)0 ? uselocale(utf8) : (locale_t)0;
    pr_status st = read_archive(path, max, raw, dec, fn, ctx, err);
    if (utf8 != (locale_t)0) {
        uselocale(old);
        freelocale(utf8);
    }
    return st;
}

static pr_status read_archive(const char *path, uint64_t max, rbuf *raw,
                              rbuf *dec, src_entry_fn fn, void *ctx,
                              pr_error *err)
{
    struct archive *a = archive_read_new();
    if (a == NULL)
        return pr__fail(err, PR_ERR_NOMEM, PR_NO_OFFSET, "out of memory");
    archive_read_support_filter_all(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_gnutar(a);
    archive_read_support_format_zip(a);
    pr_status st = PR_OK;
    if (archive_read_open_filename(a, path, 64 * 1024) != ARCHIVE_OK) {
        /* A system error (ENOENT, EACCES ...) is I/O; not knowing the
         * format, or a corrupt first header, is the archive's fault. */
        int e = archive_errno(a);
        pr_status code = e == ENOENT || e == EACCES || e == EPERM ||
                                 e == EIO || e == EISDIR || e == ENOTDIR ||
                                 e == ELOOP || e == EMFILE || e == ENFILE
                             ? PR_ERR_IO
                         : e == ENOMEM ? PR_ERR_NOMEM
                                       : PR_ERR_BAD_ARCHIVE;
        st = pr__fail(err, code, PR_NO_OFFSET, "cannot open archive: %s",
                      archive_error_string(a) ? archive_error_string(a)
                                              : "unknown error");
        archive_read_free(a);
        return st;
    }
    struct archive_entry *e;
    size_t index = 0;
    for (;;) {
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            st = pr__fail(err, PR_ERR_BAD_ARCHIVE,
                          (uint64_t)archive_filter_bytes(a, -1),
                          "corrupt archive: %s",
                          archive_error_string(a) ? archive_error_string(a)
                                                  : "unreadable header");
            break;
        }
        const char *name = archive_entry_pathname(e);
        if (name == NULL)
            name = archive_entry_pathname_utf8(e);
        if (archive_entry_filetype(e) != AE_IFREG)
            continue;
        if (name == NULL) { /* say so rather than drop the entry */
            pr_error ne;
            pr__fail(&ne, PR_ERR_BAD_ARCHIVE, PR_NO_OFFSET,
                     "entry name cannot be decoded");
            if (fn(ctx, "(undecodable name)", index++, NULL, 0, &ne) != PR_OK) {
                st = pr__fail(err, PR_ERR_NOMEM, PR_NO_OFFSET, "out of memory");
                break;
            }
            continue;
        }
        if (!wanted(name))
            continue;
        size_t me = index++;
        pr_error eerr;
        pr_status est = PR_OK;
        raw->len = 0;
        for (;;) {
            int rr;
            if (raw->len == raw->cap &&
                (rr = rbuf_reserve(raw, raw->cap + 1)) != 0) {
                est = reserve_fail(&eerr, rr, raw->len, raw);
                break;
            }
            la_ssize_t got = archive_read_data(a, raw->p + raw->len,
                                               raw->cap - raw->len);
            if (got < 0) {
                est = pr__fail(&eerr, PR_ERR_TRUNCATED, raw->len,
                               "archive entry unreadable: %s",
                               archive_error_string(a) ? archive_error_string(a)
                                                       : "read failed");
                break;
            }
            if (got == 0)
                break;
            if (raw->len == 0 && !stats_start(raw->p[0]) && raw->p[0] != 0x1f) {
                est = pr__fail(&eerr, PR_ERR_NOT_STATS, 0,
                               "not a stats file: first byte 0x%02x, expected "
                               "a dict ('{', 0x7b or 0xfb) or gzip (0x1f)",
                               raw->p[0]);
                break;
            }
            raw->len += (size_t)got;
            if (raw->len > max) {
                est = pr__fail(&eerr, PR_ERR_TOO_BIG, max,
                               "entry exceeds the limit of %llu bytes",
                               (unsigned long long)max);
                break;
            }
        }
        if (est == PR_ERR_NOMEM) {
            st = est;
            if (err)
                *err = eerr;
            break;
        }
        const unsigned char *data = raw->p;
        size_t len = raw->len;
        if (est == PR_OK && len >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
            est = src_gunzip(data, len, max, dec, &eerr);
            data = dec->p;
            len = dec->len;
        }
        pr_status cr = fn(ctx, name, me, data, len, est == PR_OK ? NULL : &eerr);
        if (cr != PR_OK) {
            st = pr__fail(err, cr, PR_NO_OFFSET, "out of memory");
            break;
        }
        if (est == PR_ERR_TRUNCATED) { /* the stream is broken: stop */
            st = pr__fail(err, PR_ERR_TRUNCATED, PR_NO_OFFSET,
                          "archive ends inside entry %s", name);
            break;
        }
    }
    archive_read_free(a);
    return st;
}
