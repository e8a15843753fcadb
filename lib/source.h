/* source.h - where profiles come from: file reading (with gunzip) and
 * directory walks. Knows nothing of marshal or reports. */
#ifndef PR_SOURCE_H
#define PR_SOURCE_H

#include "profreport.h"

#include <stddef.h>
#include <stdint.h>

/* Memory for file buffers shared by all worker threads: every rbuf that
 * points to one counts its capacity in `used`, and growing past `limit`
 * fails the file (PR_ERR_TOO_BIG) instead of the machine. */
typedef struct src_budget {
    _Atomic uint64_t used;
    uint64_t limit;
} src_budget;

/* A growable byte buffer, reused across files by one worker. */
typedef struct rbuf {
    unsigned char *p;
    size_t len, cap;
    src_budget *budget; /* NULL: not counted */
} rbuf;

void rbuf_free(rbuf *b);
/* Frees a buffer grown past 64 MiB by one big file, so what it holds
 * returns to the budget before the next file. */
void rbuf_trim(rbuf *b);

/* Decompressed bytes per compressed byte beyond the first 16 MiB: real
 * profiles compress about 5:1 to 20:1; zlib's ceiling is 1032:1. */
#define SRC_MAX_RATIO 100
#define SRC_RATIO_FREE (16u << 20)

/* Facts about a file, taken from the descriptor that was read. */
typedef struct src_stat {
    uint64_t size;      /* bytes on disk */
    int64_t mtime_ns;   /* modification time, ns since the epoch (saturated) */
    double mtime_s;     /* the same in seconds, which do not saturate */
    uint64_t ino;       /* inode number */
} src_stat;

/* Reads the regular file at path whole, without blocking on FIFOs or
 * devices, then gunzips it when it starts with the gzip magic. *data and
 * *len point into raw or dec. `max` bounds the decoded size. */
pr_status src_load(const char *path, uint64_t max, rbuf *raw, rbuf *dec,
                   const unsigned char **data, size_t *len, src_stat *st,
                   pr_error *err);

/* Gunzips (all members of) a gzip stream into dec, at most max bytes and
 * at most SRC_MAX_RATIO times the input beyond SRC_RATIO_FREE; fails at
 * the first decompressed byte when it cannot start a stats dict. */
pr_status src_gunzip(const unsigned char *in, size_t inlen, uint64_t max,
                     rbuf *dec, pr_error *err);

/* One input found by a walk; failed is set (with err) when the walk
 * itself could not use it (unreadable directory, symlink loop). */
typedef struct src_file {
    char *path;
    int failed;
    int archive;  /* .tar, .tar.gz, .tgz, .zip: read entries with libarchive */
    uint64_t size; /* when found, for progress */
    int64_t mtime_ns;
    pr_error err;
} src_file;

/* Reads an archive's entries one after another; for each regular entry
 * named *.prof or *.prof.gz, `fn` gets its name and (gunzipped) bytes, or
 * the error that kept them from being read. Returns PR_OK at the end of
 * the archive, or the error that stopped reading it (in err). A nonzero
 * return of fn (out of memory) stops the walk and is returned. */
typedef pr_status (*src_entry_fn)(void *ctx, const char *name, size_t index,
                                  const unsigned char *data, size_t len,
                                  const pr_error *err);
pr_status src_archive(const char *path, uint64_t max, rbuf *raw, rbuf *dec,
                      src_entry_fn fn, void *ctx, pr_error *err);

typedef struct src_list {
    src_file *v;
    size_t n, cap;
} src_list;

/* What a walk asks about each regular file it finds (not archives),
 * before listing it. `canon` is its canonical path (what realpath
 * gives), or NULL when the walk did not build it (a symlink, a file
 * system without d_type): the callee resolves it then.
 * trusted(): asked first, before any stat, with the inode number the
 *            directory gives (canon never NULL here); nonzero leaves the
 *            file out unstat'ed. May be NULL.
 * known():   asked once the file is stat'ed; nonzero leaves it out. */
typedef struct src_filter {
    int (*trusted)(void *ctx, const char *canon, uint64_t ino);
    int (*known)(void *ctx, const char *path, const char *canon,
                 uint64_t size, int64_t mtime_ns, uint64_t ino);
    void *ctx;
    /* Both may be called from two threads at once: a root with many
     * directories is then walked by two (the list's order is the same). */
    int thread_safe;
} src_filter;

/* Appends the files named by paths: directories walked recursively, in
 * name order, for "*.prof" and "*.prof.gz"; anything else taken as is.
 * filter may be NULL. A directory's entries are stat'ed through its
 * descriptor and their canonical paths built from its own, so a walk
 * costs one fstatat per entry and no realpath but for symlinks. */
pr_status src_walk(src_list *list, const char *const *paths, size_t n,
                   const src_filter *filter);
void src_list_free(src_list *list);

#endif
