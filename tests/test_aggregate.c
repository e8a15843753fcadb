/* test_aggregate.c - pr_agg: reading many files, walking directories,
 * skipping what cannot be read, and merging like pstats.Stats.add.
 *
 * Reference totals are pstats' own, obtained while writing this test by
 * merging the same files with /usr/bin/python3 (from the repo root):
 *   import pstats, glob; f = sorted(glob.glob("tests/data/werkzeug/" + "*.prof"))
 *   s = pstats.Stats(f[0]); [s.add(x) for x in f[1:]]
 *   print(len(s.stats), s.total_calls, s.prim_calls, s.total_tt)
 * For tests/data/valid (which no single interpreter can load whole) the
 * totals are the sums of the per-file pstats totals in test_profile.c.
 */
#include "testutil.h"

#include "funckey.h"

#include <fcntl.h>
#include <math.h>
#include <sys/types.h>

#define WERKZEUG "data/werkzeug"
#define VALID "data/valid"

/* ---- helpers ------------------------------------------------------------ */

typedef struct skiplog {
    size_t n;
    char path[8][512];
    pr_error err[8];
} skiplog;

static void log_skip(void *ctx, const char *path, const pr_error *err)
{
    skiplog *l = ctx;
    if (l->n < 8) {
        snprintf(l->path[l->n], sizeof l->path[0], "%s", path);
        l->err[l->n] = *err;
    }
    l->n++;
}

static pr_agg *agg_new_opts(pr_agg_options o, skiplog *log)
{
    if (log != NULL) {
        o.on_skip = log_skip;
        o.skip_ctx = log;
    }
    pr_agg *agg = NULL;
    cr_assert_eq(pr_agg_new(&o, &agg), PR_OK);
    cr_assert_not_null(agg);
    if (log != NULL)
        memset(log, 0, sizeof *log);
    return agg;
}

static pr_agg *agg_new(int threads, skiplog *log)
{
    pr_agg_options o = {.threads = threads};
    return agg_new_opts(o, log);
}

static void add(pr_agg *agg, const char *const *paths, size_t n)
{
    cr_assert_eq(pr_agg_add_paths(agg, paths, n), PR_OK);
}

static pr_report *report(const pr_agg *agg)
{
    pr_report *r = NULL;
    cr_assert_eq(pr_report_build(agg, NULL, &r), PR_OK);
    cr_assert_not_null(r);
    return r;
}

/* Totals over the functions of a report. */
typedef struct totals {
    size_t functions;
    int64_t nc, cc;
    double tt;
} totals;

static totals sum_rows(const pr_report *r)
{
    totals t = {0, 0, 0, 0};
    const pr_func_row *rows;
    size_t n = pr_report_functions(r, &rows);
    for (size_t i = 0; i < n; i++) {
        t.functions++;
        t.nc += rows[i].nc;
        t.cc += rows[i].cc;
        t.tt += rows[i].tt;
    }
    return t;
}

static int key_eq(const pr_func_key *a, const pr_func_key *b)
{
    return a->line == b->line && a->file.len == b->file.len &&
           a->name.len == b->name.len &&
           memcmp(a->file.ptr, b->file.ptr, a->file.len) == 0 &&
           memcmp(a->name.ptr, b->name.ptr, a->name.len) == 0;
}

/* Same function rows (keys in the same order); counts equal; times equal
 * times `factor` within `rel`. */
static void same_rows(const pr_report *a, const pr_report *b, int64_t factor,
                      double rel, const char *what)
{
    const pr_func_row *x, *y;
    size_t n = pr_report_functions(a, &x), m = pr_report_functions(b, &y);
    cr_assert_eq(n, m, "%s: %zu vs %zu functions", what, n, m);
    for (size_t i = 0; i < n; i++) {
        cr_assert(key_eq(&x[i].key, &y[i].key), "%s: row %zu: %.*s vs %.*s",
                  what, i, (int)x[i].key.name.len, x[i].key.name.ptr,
                  (int)y[i].key.name.len, y[i].key.name.ptr);
        cr_assert_eq(x[i].nc * factor, y[i].nc, "%s: %.*s nc", what,
                     (int)x[i].key.name.len, x[i].key.name.ptr);
        cr_assert_eq(x[i].cc * factor, y[i].cc, "%s: %.*s cc", what,
                     (int)x[i].key.name.len, x[i].key.name.ptr);
        cr_assert(tu_close(x[i].tt * (double)factor, y[i].tt, rel),
                  "%s: %.*s tt %.17g vs %.17g", what, (int)x[i].key.name.len,
                  x[i].key.name.ptr, x[i].tt, y[i].tt);
        cr_assert(tu_close(x[i].ct * (double)factor, y[i].ct, rel),
                  "%s: %.*s ct %.17g vs %.17g", what, (int)x[i].key.name.len,
                  x[i].key.name.ptr, x[i].ct, y[i].ct);
    }
}

static void same_edges(const pr_report *a, const pr_report *b, const char *what)
{
    const pr_edge_row *x, *y;
    size_t n = pr_report_edges(a, &x), m = pr_report_edges(b, &y);
    cr_assert_eq(n, m, "%s: %zu vs %zu edges", what, n, m);
    for (size_t i = 0; i < n; i++) {
        cr_assert(key_eq(x[i].callee, y[i].callee) &&
                      key_eq(x[i].caller, y[i].caller),
                  "%s: edge %zu differs", what, i);
        cr_assert(x[i].nc == y[i].nc && x[i].cc == y[i].cc &&
                      x[i].count_only == y[i].count_only,
                  "%s: edge %zu counts", what, i);
        cr_assert(tu_close(x[i].tt, y[i].tt, 1e-12) &&
                      tu_close(x[i].ct, y[i].ct, 1e-12),
                  "%s: edge %zu times", what, i);
    }
}

/* ---- whole directories ------------------------------------------------- */

Test(aggregate, werkzeug_directory_matches_pstats)
{
    pr_agg *agg = agg_new(2, NULL);
    const char *paths[] = {WERKZEUG};
    add(agg, paths, 1);
    cr_assert_eq(pr_agg_files_read(agg), 34);
    cr_assert_eq(pr_agg_files_skipped(agg), 0);
    pr_report *r = report(agg);
    totals t = sum_rows(r);
    /* pstats over the 34 files: 1439 functions, 172746 calls (164225
     * primitive) in 0.09739777800000002 s */
    cr_assert_eq(t.functions, 1439);
    cr_assert_eq(t.nc, 172746);
    cr_assert_eq(t.cc, 164225);
    cr_assert(tu_close(t.tt, 0.09739777800000002, 1e-9), "tt %.17g", t.tt);
    /* werkzeug's request root: pstats (34, 34, 0.0002654900000000001,
     * 0.09761334) */
    const pr_func_row *rows;
    size_t n = pr_report_functions(r, &rows);
    const pr_func_row *root = NULL;
    for (size_t i = 0; i < n; i++)
        if (tu_str_is(rows[i].key.name, "runapp"))
            root = &rows[i];
    cr_assert_not_null(root);
    cr_assert(tu_str_is(root->key.file,
                        "/usr/lib/python3/dist-packages/werkzeug/middleware/"
                        "profiler.py"));
    cr_assert_eq(root->key.line, 102);
    cr_assert_eq(root->nc, 34);
    cr_assert_eq(root->cc, 34);
    cr_assert(tu_close(root->tt, 0.0002654900000000001, 1e-12));
    cr_assert(tu_close(root->ct, 0.09761334, 1e-12));
    /* pstats: 2882 caller edges in the merged callers dicts */
    const pr_edge_row *edges;
    size_t ne = pr_report_edges(r, &edges);
    cr_assert_eq(ne, 2882);
    /* Sorted by (callee, caller), each pair once. */
    for (size_t i = 1; i < ne; i++) {
        int c = pr__key_cmp(edges[i - 1].callee, edges[i].callee);
        cr_assert(c < 0 || (c == 0 && pr__key_cmp(edges[i - 1].caller,
                                                   edges[i].caller) < 0),
                  "edge %zu out of order", i);
    }
    pr_report_free(r);
    pr_agg_free(agg);
}

Test(aggregate, valid_directory_every_producer)
{
    skiplog log;
    pr_agg *agg = agg_new(2, &log);
    const char *paths[] = {VALID};
    add(agg, paths, 1);
    /* 26 fixtures (25 *.prof + 1 *.prof.gz), Python 2 to 3.13 and PyPy */
    cr_assert_eq(pr_agg_files_read(agg), 26);
    cr_assert_eq(pr_agg_files_skipped(agg), 0, "%s",
                 log.n ? log.err[0].msg : "");
    cr_assert_eq(log.n, 0);
    pr_report *r = report(agg);
    totals t = sum_rows(r);
    /* sums of the per-file pstats totals (see test_profile.c) */
    cr_assert_eq(t.nc, 27981);
    cr_assert_eq(t.cc, 24897);
    pr_summary s;
    pr_report_summary(r, &s);
    cr_assert_eq(s.files, 26);
    cr_assert_eq(s.total_calls, 27981 + 0);
    pr_report_free(r);
    pr_agg_free(agg);
}

Test(aggregate, one_thread_and_two_threads_agree)
{
    const char *paths[] = {WERKZEUG, VALID};
    pr_agg *a1 = agg_new(1, NULL), *a2 = agg_new(2, NULL), *a8 = agg_new(8, NULL);
    add(a1, paths, 2);
    add(a2, paths, 2);
    add(a8, paths, 2);
    cr_assert_eq(pr_agg_files_read(a1), pr_agg_files_read(a2));
    cr_assert_eq(pr_agg_files_read(a1), pr_agg_files_read(a8));
    pr_report *r1 = report(a1), *r2 = report(a2), *r8 = report(a8);
    same_rows(r1, r2, 1, 1e-12, "threads 1 vs 2");
    same_rows(r1, r8, 1, 1e-12, "threads 1 vs 8");
    same_edges(r1, r2, "threads 1 vs 2");
    same_edges(r1, r8, "threads 1 vs 8");
    pr_report_free(r1);
    pr_report_free(r2);
    pr_report_free(r8);
    pr_agg_free(a1);
    pr_agg_free(a2);
    pr_agg_free(a8);
}

/* pr_agg_compact drops the indexes that adding uses: reports are the
 * same, and files added afterwards find their functions and edges again
 * (rows are not duplicated, sums go on). */
Test(aggregate, compact_keeps_reports_and_later_adds)
{
    /* The same endpoints twice: the second add must find every row. */
    const char *first[] = {WERKZEUG, VALID}, *second[] = {WERKZEUG};
    pr_agg *whole = agg_new(2, NULL), *split = agg_new(2, NULL);
    add(whole, first, 2);
    add(whole, second, 1);
    add(split, first, 2);
    pr_report *before = report(split);
    pr_agg_compact(split);
    pr_report *after = report(split);
    same_rows(before, after, 1, 0, "compacted");
    same_edges(before, after, "compacted");
    const pr_attribution *x = pr_report_attribution(before),
                         *y = pr_report_attribution(after);
    cr_assert_eq(x->nmodules, y->nmodules);
    cr_assert_eq(x->nentries, y->nentries);
    for (size_t i = 0; i < x->nentries; i++)
        cr_assert(strcmp(x->entries[i].entered_from,
                         y->entries[i].entered_from) == 0 &&
                      x->entries[i].inclusive_s == y->entries[i].inclusive_s,
                  "entry %zu", i);
    add(split, second, 1);
    pr_agg_compact(split);
    pr_agg_compact(split); /* twice is harmless */
    pr_report *w = report(whole), *s2 = report(split);
    same_rows(w, s2, 1, 1e-12, "compacted between adds");
    same_edges(w, s2, "compacted between adds");
    /* One endpoint: its report reads the aggregate's own table, so a row
     * added twice after compacting would show twice. */
    const char *one[] = {VALID "/cpython311.prof"};
    pr_agg *a1 = agg_new(1, NULL), *a2 = agg_new(1, NULL);
    add(a1, one, 1);
    add(a1, one, 1);
    add(a2, one, 1);
    pr_agg_compact(a2);
    add(a2, one, 1);
    pr_report *r1 = report(a1), *r2 = report(a2);
    same_rows(r1, r2, 1, 1e-15, "one endpoint, compacted between adds");
    same_edges(r1, r2, "one endpoint, compacted between adds");
    pr_report_free(r1);
    pr_report_free(r2);
    pr_agg_free(a1);
    pr_agg_free(a2);
    pr_report_free(before);
    pr_report_free(after);
    pr_report_free(w);
    pr_report_free(s2);
    pr_agg_free(whole);
    pr_agg_free(split);
    pr_agg_compact(NULL);
}

Test(aggregate, a_file_added_twice_counts_twice)
{
    const char *once[] = {VALID "/cpython311.prof"};
    const char *twice[] = {VALID "/cpython311.prof", VALID "/cpython311.prof"};
    pr_agg *a = agg_new(2, NULL), *b = agg_new(2, NULL), *c = agg_new(1, NULL);
    add(a, once, 1);
    add(b, twice, 2);
    add(c, once, 1); /* and in two calls */
    add(c, once, 1);
    cr_assert_eq(pr_agg_files_read(b), 2);
    cr_assert_eq(pr_agg_files_read(c), 2);
    pr_report *ra = report(a), *rb = report(b), *rc = report(c);
    same_rows(ra, rb, 2, 1e-15, "once vs twice");
    same_rows(ra, rc, 2, 1e-15, "once vs two calls");
    /* pstats: cpython311 has 32 functions, 1006 calls (892 primitive) */
    totals t = sum_rows(rb);
    cr_assert_eq(t.functions, 32);
    cr_assert_eq(t.nc, 2 * 1006);
    cr_assert_eq(t.cc, 2 * 892);
    pr_report_free(ra);
    pr_report_free(rb);
    pr_report_free(rc);
    pr_agg_free(a);
    pr_agg_free(b);
    pr_agg_free(c);
}

Test(aggregate, encodings_merge_into_the_same_functions)
{
    /* cpython311.prof, its .gz and its re-dumps at marshal v0..v4 are one
     * stats dict written six ways: merged, every function has 7x. */
    const char *one[] = {VALID "/cpython311.prof"};
    const char *all[] = {VALID "/cpython311.prof", VALID "/cpython311.prof.gz",
                         VALID "/marshal_v0.prof", VALID "/marshal_v1.prof",
                         VALID "/marshal_v2.prof", VALID "/marshal_v3.prof",
                         VALID "/marshal_v4.prof"};
    pr_agg *a = agg_new(2, NULL), *b = agg_new(2, NULL);
    add(a, one, 1);
    add(b, all, 7);
    pr_report *ra = report(a), *rb = report(b);
    same_rows(ra, rb, 7, 1e-15, "one vs seven encodings");
    pr_report_free(ra);
    pr_report_free(rb);
    pr_agg_free(a);
    pr_agg_free(b);
}

/* ---- skipping --------------------------------------------------------- */

Test(aggregate, one_corrupt_file_among_good_ones)
{
    char *dir = tu_mkdtemp();
    static const char *const good[] = {
        "DELETE.orders.1.0ms.1795610533.prof",
        "GET.api.items.10.1ms.1795610533.prof",
        "GET.api.items.17.2ms.1795610533.prof"};
    for (int i = 0; i < 3; i++) {
        char *from = tu_path(WERKZEUG, good[i]), *to = tu_path(dir, good[i]);
        tu_copy_file(from, to);
        free(from);
        free(to);
    }
    /* a werkzeug file cut while being written: the dict's first key is
     * complete, its value tuple's first field is not */
    size_t len;
    char *src = tu_path(WERKZEUG, good[0]);
    unsigned char *buf = tu_read_file(src, &len);
    char *bad = tu_path(dir, "GET.broken.1ms.1795610533.prof");
    cr_assert_eq(buf[0], 0xfb);
    tu_write_file(bad, buf, 2); /* fb + the key's type byte */
    /* not *.prof: ignored by the walk */
    char *txt = tu_path(dir, "notes.txt");
    tu_write_file(txt, buf, len);

    skiplog log;
    pr_agg *agg = agg_new(2, &log);
    const char *paths[] = {dir};
    add(agg, paths, 1);
    cr_assert_eq(pr_agg_files_read(agg), 3);
    cr_assert_eq(pr_agg_files_skipped(agg), 1);
    cr_assert_eq(log.n, 1, "on_skip called %zu times", log.n);
    cr_assert_str_eq(log.path[0], bad);
    cr_assert_eq(log.err[0].code, PR_ERR_TRUNCATED, "%s",
                 tu_status_name(log.err[0].code));
    /* the key tuple starts at 1 and its count byte is missing */
    cr_assert_eq(log.err[0].offset, 2, "%llu",
                 (unsigned long long)log.err[0].offset);
    pr_error err;
    const char *p = pr_agg_skipped(agg, 0, &err);
    cr_assert_not_null(p);
    cr_assert_str_eq(p, bad);
    cr_assert_eq(err.code, PR_ERR_TRUNCATED);

    /* the rest is aggregated exactly as the three good files alone
     * (pstats over them: 161 functions, 4440 calls, 4420 primitive) */
    pr_report *r = report(agg);
    totals t = sum_rows(r);
    cr_assert_eq(t.functions, 161);
    cr_assert_eq(t.nc, 4440);
    cr_assert_eq(t.cc, 4420);
    cr_assert(tu_close(t.tt, 0.0030100859999999986, 1e-12), "tt %.17g", t.tt);
    pr_report_free(r);
    pr_agg_free(agg);
    tu_rm_rf(dir);
    free(txt);
    free(bad);
    free(buf);
    free(src);
    free(dir);
}

Test(aggregate, explicit_paths_read_whatever_their_name)
{
    char *dir = tu_mkdtemp();
    char *txt = tu_path(dir, "notes.txt");
    tu_copy_file(VALID "/cpython311.prof", txt);
    pr_agg *agg = agg_new(1, NULL);
    const char *paths[] = {txt};
    add(agg, paths, 1);
    cr_assert_eq(pr_agg_files_read(agg), 1);
    pr_agg_free(agg);
    tu_rm_rf(dir);
    free(txt);
    free(dir);
}

Test(aggregate, skips_reported_in_input_order)
{
    char *dir = tu_mkdtemp();
    char *a = tu_path(dir, "a.prof"), *b = tu_path(dir, "b.prof"),
         *c = tu_path(dir, "c.prof");
    tu_write_file(a, "\xfb\x29", 2);          /* truncated */
    tu_copy_file(VALID "/cpython311.prof", b); /* good */
    tu_write_file(c, "", 0);                   /* empty */
    skiplog log;
    pr_agg *agg = agg_new(2, &log);
    const char *paths[] = {c, dir, "data/no-such-file.prof"};
    add(agg, paths, 3);
    cr_assert_eq(pr_agg_files_read(agg), 1);
    cr_assert_eq(log.n, 4);
    cr_assert_str_eq(log.path[0], c);
    cr_assert_eq(log.err[0].code, PR_ERR_EMPTY);
    cr_assert_eq(log.err[0].offset, 0);
    cr_assert_str_eq(log.path[1], a);
    cr_assert_eq(log.err[1].code, PR_ERR_TRUNCATED);
    cr_assert_eq(log.err[1].offset, 2);
    cr_assert_str_eq(log.path[2], c); /* c again, found by the walk */
    cr_assert_str_eq(log.path[3], "data/no-such-file.prof");
    cr_assert_eq(log.err[3].code, PR_ERR_IO);
    cr_assert_eq(log.err[3].offset, PR_NO_OFFSET);
    /* the same order through pr_agg_skipped */
    for (size_t i = 0; i < 4; i++) {
        pr_error err;
        const char *p = pr_agg_skipped(agg, i, &err);
        cr_assert_not_null(p);
        cr_assert_str_eq(p, log.path[i]);
        cr_assert_eq(err.code, log.err[i].code);
    }
    cr_assert_null(pr_agg_skipped(agg, 4, NULL));
    pr_agg_free(agg);
    tu_rm_rf(dir);
    free(a);
    free(b);
    free(c);
    free(dir);
}

Test(aggregate, fifo_in_a_directory_is_skipped, .timeout = 20)
{
    char *dir = tu_mkdtemp();
    char *fifo = tu_path(dir, "pipe.prof");
    cr_assert_eq(mkfifo(fifo, 0600), 0, "mkfifo: %s", strerror(errno));
    char *good = tu_path(dir, "good.prof");
    tu_copy_file(VALID "/cpython311.prof", good);
    skiplog log;
    pr_agg *agg = agg_new(2, &log);
    const char *paths[] = {dir};
    add(agg, paths, 1);
    cr_assert_eq(pr_agg_files_read(agg), 1);
    cr_assert_eq(log.n, 1);
    cr_assert_str_eq(log.path[0], fifo);
    cr_assert_eq(log.err[0].code, PR_ERR_NOT_FILE, "%s: %s",
                 tu_status_name(log.err[0].code), log.err[0].msg);
    cr_assert_eq(log.err[0].offset, PR_NO_OFFSET);
    pr_agg_free(agg);
    tu_rm_rf(dir);
    free(good);
    free(fifo);
    free(dir);
}

/* A FIFO named directly: pr_agg_add_paths first checks whether a path is a
 * saved state, and that check once opened it with a blocking fopen and
 * hung (fixed in 814c32b). */
Test(aggregate, fifo_named_directly_is_skipped, .timeout = 20)
{
    char *dir = tu_mkdtemp();
    char *fifo = tu_path(dir, "pipe.prof");
    cr_assert_eq(mkfifo(fifo, 0600), 0, "mkfifo: %s", strerror(errno));
    skiplog log;
    pr_agg *agg = agg_new(2, &log);
    const char *paths[] = {VALID "/cpython311.prof", fifo};
    add(agg, paths, 2);
    cr_assert_eq(pr_agg_files_read(agg), 1);
    cr_assert_eq(log.n, 1);
    cr_assert_str_eq(log.path[0], fifo);
    cr_assert_eq(log.err[0].code, PR_ERR_NOT_FILE);
    cr_assert_eq(log.err[0].offset, PR_NO_OFFSET);
    pr_agg_free(agg);
    tu_rm_rf(dir);
    free(fifo);
    free(dir);
}

Test(aggregate, symlink_loops_reported)
{
    char *dir = tu_mkdtemp();
    char *sub = tu_path(dir, "sub");
    cr_assert_eq(mkdir(sub, 0700), 0);
    char *up = tu_path(sub, "up");       /* sub/up -> .. : an ancestor */
    cr_assert_eq(symlink("..", up), 0);
    char *self = tu_path(dir, "self.prof"); /* self.prof -> self.prof */
    cr_assert_eq(symlink("self.prof", self), 0);
    char *good = tu_path(sub, "good.prof");
    tu_copy_file(VALID "/cpython311.prof", good);
    skiplog log;
    pr_agg *agg = agg_new(2, &log);
    const char *paths[] = {dir};
    add(agg, paths, 1);
    /* the walk is not fooled into reading good.prof again via sub/up */
    cr_assert_eq(pr_agg_files_read(agg), 1);
    cr_assert_eq(log.n, 2, "%zu skips", log.n);
    int seen_up = 0, seen_self = 0;
    for (size_t i = 0; i < log.n && i < 8; i++) {
        cr_assert_eq(log.err[i].code, PR_ERR_LOOP, "%s: %s", log.path[i],
                     tu_status_name(log.err[i].code));
        seen_up += strcmp(log.path[i], up) == 0;
        seen_self += strcmp(log.path[i], self) == 0;
    }
    cr_assert(seen_up == 1 && seen_self == 1, "%s, %s", log.path[0],
              log.path[1]);
    pr_agg_free(agg);
    tu_rm_rf(dir);
    free(good);
    free(self);
    free(up);
    free(sub);
    free(dir);
}

Test(aggregate, unreadable_file)
{
    char *dir = tu_mkdtemp();
    char *f = tu_path(dir, "locked.prof");
    tu_copy_file(VALID "/cpython311.prof", f);
    cr_assert_eq(chmod(f, 0), 0);
    int readable = access(f, R_OK) == 0; /* root reads it anyway */
    skiplog log;
    pr_agg *agg = agg_new(1, &log);
    const char *paths[] = {dir};
    add(agg, paths, 1);
    if (readable) {
        cr_assert_eq(pr_agg_files_read(agg), 1);
        cr_assert_eq(log.n, 0);
    } else {
        cr_assert_eq(pr_agg_files_read(agg), 0);
        cr_assert_eq(log.n, 1);
        cr_assert_str_eq(log.path[0], f);
        cr_assert_eq(log.err[0].code, PR_ERR_IO);
        cr_assert_eq(log.err[0].offset, PR_NO_OFFSET);
    }
    pr_agg_free(agg);
    tu_rm_rf(dir);
    free(f);
    free(dir);
}

Test(aggregate, directory_named_prof_is_walked)
{
    char *dir = tu_mkdtemp();
    char *x = tu_path(dir, "x.prof");
    cr_assert_eq(mkdir(x, 0700), 0);
    char *inner = tu_path(x, "inner.prof");
    tu_copy_file(VALID "/cpython311.prof", inner);
    char *gz = tu_path(x, "y.prof.gz");
    tu_copy_file(VALID "/cpython311.prof.gz", gz);
    skiplog log;
    pr_agg *agg = agg_new(2, &log);
    const char *paths[] = {dir, x};
    add(agg, paths, 2);
    cr_assert_eq(log.n, 0, "%s: %s", log.n ? log.path[0] : "",
                 log.n ? log.err[0].msg : "");
    cr_assert_eq(pr_agg_files_read(agg), 4);
    pr_agg_free(agg);
    tu_rm_rf(dir);
    free(gz);
    free(inner);
    free(x);
    free(dir);
}

Test(aggregate, max_file_size)
{
    pr_agg_options o = {.threads = 1, .max_file_size = 100};
    skiplog log;
    pr_agg *agg = agg_new_opts(o, &log);
    const char *paths[] = {VALID "/cpython311.prof", VALID "/cpython311.prof.gz"};
    add(agg, paths, 2);
    cr_assert_eq(log.n, 2);
    cr_assert_eq(log.err[0].code, PR_ERR_TOO_BIG);
    cr_assert_eq(log.err[0].offset, 100);
    cr_assert_eq(log.err[1].code, PR_ERR_TOO_BIG);
    pr_agg_free(agg);
}

Test(aggregate, add_buffer_that_cannot_be_read)
{
    skiplog log;
    pr_agg *agg = agg_new(1, &log);
    cr_assert_eq(pr_agg_add_buffer(agg, "mem-empty", "", 0), PR_OK);
    cr_assert_eq(pr_agg_add_buffer(agg, "mem-trunc", "\xfb\x29\x01\x4e", 4), PR_OK);
    cr_assert_eq(pr_agg_add_buffer(agg, "mem-gz", "\x1f\x8b\x08", 3), PR_OK);
    cr_assert_eq(pr_agg_add_buffer(agg, "mem-emptydict", "\xfb\x30", 2), PR_OK);
    cr_assert_eq(log.n, 4);
    cr_assert_str_eq(log.path[0], "mem-empty");
    cr_assert_eq(log.err[0].code, PR_ERR_EMPTY);
    cr_assert_str_eq(log.path[1], "mem-trunc");
    cr_assert_eq(log.err[1].code, PR_ERR_TRUNCATED);
    cr_assert_eq(log.err[1].offset, 4); /* (None,) is a key; no value */
    cr_assert_str_eq(log.path[2], "mem-gz");
    cr_assert_eq(log.err[2].code, PR_ERR_GZIP);
    /* an empty stats dict is valid marshal, but pstats refuses it */
    cr_assert_str_eq(log.path[3], "mem-emptydict");
    cr_assert_eq(log.err[3].code, PR_ERR_NOT_STATS);
    cr_assert_eq(pr_agg_files_read(agg), 0);
    cr_assert_eq(pr_agg_files_skipped(agg), 4);
    pr_agg_free(agg);
}

/* An archive libarchive cannot read is PR_ERR_BAD_ARCHIVE (it was
 * PR_ERR_IO, like a file that cannot be opened); a missing one stays I/O. */
Test(aggregate, unreadable_archive_is_bad_archive)
{
    char *dir = tu_mkdtemp();
    char *bad = tu_path(dir, "bad.tar");
    char *gone = tu_path(dir, "gone.tar");
    char text[3000];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = "not an archive\n"[i % 15];
    tu_write_file(bad, text, sizeof text);
    skiplog log;
    pr_agg *agg = agg_new(1, &log);
    const char *paths[] = {bad, gone};
    add(agg, paths, 2);
    cr_assert_eq(log.n, 2);
    cr_assert_eq(log.err[0].code, PR_ERR_BAD_ARCHIVE, "%s", log.err[0].msg);
    cr_assert_eq(log.err[1].code, PR_ERR_IO, "%s", log.err[1].msg);
    pr_agg_free(agg);
    tu_rm_rf(dir);
    free(bad);
    free(gone);
    free(dir);
}

Test(aggregate, usage_errors)
{
    pr_agg *agg = NULL;
    pr_agg_options o;
    memset(&o, 0, sizeof o);
    cr_assert_eq(pr_agg_new(&o, NULL), PR_ERR_USAGE); /* crashed before */
    cr_assert_eq(pr_agg_new(NULL, NULL), PR_ERR_USAGE);
    cr_assert_eq(pr_agg_new(NULL, &agg), PR_OK);
    const char *paths[] = {VALID};
    cr_assert_eq(pr_agg_add_paths(NULL, paths, 1), PR_ERR_USAGE);
    cr_assert_eq(pr_agg_add_paths(agg, NULL, 1), PR_ERR_USAGE);
    cr_assert_eq(pr_agg_add_buffer(NULL, "x", "", 0), PR_ERR_USAGE);
    cr_assert_eq(pr_agg_add_buffer(agg, NULL, "", 0), PR_ERR_USAGE);
    cr_assert_eq(pr_agg_add_buffer(agg, "x", NULL, 3), PR_ERR_USAGE);
    cr_assert_eq(pr_agg_files_read(agg), 0);
    cr_assert_eq(pr_agg_files_skipped(agg), 0);
    cr_assert_null(pr_agg_skipped(agg, 0, NULL));
    pr_agg_free(agg);
    pr_agg_free(NULL);
    cr_assert_eq(pr_agg_files_read(NULL), 0);
    cr_assert_null(pr_agg_skipped(NULL, 0, NULL));
}

/* ---- edge cases once broken -------------------------------------------- */

/* These failed under UBSan before 5f8794e: qsort(NULL, 0, ...) on the
 * request / skip arrays when nothing was read or skipped, and on the name
 * list of an empty directory; pr_agg_add_buffer never set its worker's
 * aggregate, so any valid buffer crashed. */

Test(aggregate, nothing_skipped)
{
    pr_agg *agg = NULL;
    cr_assert_eq(pr_agg_new(NULL, &agg), PR_OK);
    const char *paths[] = {WERKZEUG};
    cr_assert_eq(pr_agg_add_paths(agg, paths, 1), PR_OK);
    cr_assert_eq(pr_agg_files_read(agg), 34);
    cr_assert_eq(pr_agg_files_skipped(agg), 0);
    pr_agg_free(agg);
}

Test(aggregate, nothing_read)
{
    pr_agg *agg = NULL;
    cr_assert_eq(pr_agg_new(NULL, &agg), PR_OK);
    const char *paths[] = {"data/invalid"};
    cr_assert_eq(pr_agg_add_paths(agg, paths, 1), PR_OK);
    cr_assert_eq(pr_agg_files_read(agg), 0);
    cr_assert_geq(pr_agg_files_skipped(agg), 40);
    pr_report *r = report(agg);
    pr_report_free(r);
    pr_agg_free(agg);
}

Test(aggregate, empty_directory_and_empty_list)
{
    char *dir = tu_mkdtemp();
    pr_agg *agg = agg_new(1, NULL);
    const char *paths[] = {dir};
    cr_assert_eq(pr_agg_add_paths(agg, paths, 1), PR_OK);
    cr_assert_eq(pr_agg_add_paths(agg, paths, 0), PR_OK);
    cr_assert_eq(pr_agg_files_read(agg), 0);
    cr_assert_eq(pr_agg_files_skipped(agg), 0);
    pr_report *r = report(agg);
    const pr_func_row *rows;
    cr_assert_eq(pr_report_functions(r, &rows), 0);
    pr_report_free(r);
    pr_agg_free(agg);
    tu_rm_rf(dir);
    free(dir);
}

Test(aggregate, add_buffer_valid_profile)
{
    size_t len;
    unsigned char *buf = tu_read_file(VALID "/cpython311.prof", &len);
    pr_agg *a = agg_new(1, NULL), *b = agg_new(1, NULL);
    cr_assert_eq(pr_agg_add_buffer(a, "cpython311.prof", buf, len), PR_OK);
    const char *paths[] = {VALID "/cpython311.prof"};
    add(b, paths, 1);
    cr_assert_eq(pr_agg_files_read(a), 1);
    pr_report *ra = report(a), *rb = report(b);
    same_rows(ra, rb, 1, 0, "buffer vs file");
    same_edges(ra, rb, "buffer vs file");
    pr_report_free(ra);
    pr_report_free(rb);
    /* a gzip'd buffer is gunzipped first; and the aggregate does not keep
     * pointers into the caller's buffers */
    size_t zlen;
    unsigned char *z = tu_read_file(VALID "/cpython311.prof.gz", &zlen);
    cr_assert_eq(pr_agg_add_buffer(a, "cpython311.prof.gz", z, zlen), PR_OK);
    memset(buf, 0, len);
    memset(z, 0, zlen);
    free(z);
    free(buf);
    cr_assert_eq(pr_agg_files_read(a), 2);
    add(b, paths, 1);
    ra = report(a);
    rb = report(b);
    same_rows(ra, rb, 1, 0, "buffers vs files");
    pr_report_free(ra);
    pr_report_free(rb);
    pr_agg_free(a);
    pr_agg_free(b);
}

/* ---- wall times read with the profile as witness ----------------------- */

#define DECIMAL "data/decimal"

/* tests/data/decimal was written by werkzeug with "{method}.{path}.
 * {elapsed:.3f}ms.{time:.6f}.prof" for paths ending in digits. Read with
 * the default template, every name reads two ways; the reading the
 * profile witnesses must be the one that template (unambiguous) gives. */
Test(aggregate, decimal_elapsed_read_with_the_profile_as_witness)
{
    pr_agg *agg = agg_new(1, NULL);
    const char *paths[] = {DECIMAL};
    add(agg, paths, 1);
    pr_report *r = report(agg);
    pr_name_format *exact = NULL;
    cr_assert_eq(pr_name_format_compile(
                     "{method}.{path}.{elapsed:.3f}ms.{time:.6f}.prof",
                     &exact, NULL), PR_OK);
    const pr_request_row *q;
    size_t n = pr_report_requests(r, &q, NULL);
    const pr_endpoint_row *eps;
    pr_report_endpoints(r, &eps);
    cr_assert_eq(n, 6);
    for (size_t i = 0; i < n; i++) {
        pr_name_fields nf;
        cr_assert_eq(pr_name_parse(exact, q[i].file, &nf), 1, "%s", q[i].file);
        cr_assert(tu_str_is(nf.path, q[i].path), "%s: path %s", q[i].file,
                  q[i].path);
        cr_assert_float_eq(q[i].wall_ms, nf.elapsed_ms, 1e-9, "%s: wall %g",
                           q[i].file, q[i].wall_ms);
        cr_assert_eq(q[i].wall_source, PR_WALL_NAME, "%s", q[i].file);
        cr_assert(q[i].wall_ms >= q[i].profiled_ms, "%s", q[i].file);
        /* The view agrees with the path: balance() serves /balance. */
        const char *view = eps[q[i].endpoint].label;
        cr_assert_eq(strncmp(view, "balance ", 8) == 0,
                     strcmp(q[i].path, "balance") == 0, "%s: %s", q[i].file,
                     view);
    }
    pr_summary s;
    pr_report_summary(r, &s);
    cr_assert_eq(s.wall_from_profile, 0);
    cr_assert_eq(s.wall_contradicted, 0);
    pr_name_format_free(exact);
    pr_report_free(r);
    pr_agg_free(agg);
}

/* A real profile under names that say more, less or nothing. */
static pr_report *one_named(const char *file, const char *name)
{
    size_t len;
    unsigned char *buf = tu_read_file(file, &len);
    pr_agg *agg = agg_new(1, NULL);
    cr_assert_eq(pr_agg_add_buffer(agg, name, buf, len), PR_OK);
    free(buf);
    pr_report *r = report(agg);
    pr_agg_free(agg);
    return r;
}

/* The first file of `dir` whose name starts with `prefix`. */
static char *first_file(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    char *found = NULL;
    struct dirent *e;
    while ((e = readdir(d)) != NULL && found == NULL)
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
            found = tu_path(dir, e->d_name);
    closedir(d);
    cr_assert_not_null(found, "no %s* in %s", prefix, dir);
    return found;
}

Test(aggregate, wall_time_under_the_profiled_time_is_not_taken)
{
    /* /balance/7 slept 780 ms. Named as werkzeug's default .0f writes it
     * ("balance.7.781ms"), it reads /balance/7 in 781 ms, not /balance in
     * 7.781 ms: the profile measured 780. */
    char *slow = first_file(DECIMAL, "GET.balance.7.");
    pr_report *r = one_named(slow, "x");
    const pr_request_row *q;
    cr_assert_eq(pr_report_requests(r, &q, NULL), 1);
    double profiled = q[0].profiled_ms;
    cr_assert_eq(q[0].wall_source, PR_WALL_PROFILE); /* unnamed */
    cr_assert_float_eq(q[0].wall_ms, profiled, 1e-9);
    pr_report_free(r);
    char name[128];
    snprintf(name, sizeof name, "GET.balance.7.%.0fms.1796163093.prof",
             ceil(profiled));
    r = one_named(slow, name);
    pr_report_requests(r, &q, NULL);
    cr_assert_str_eq(q[0].path, "balance.7");
    cr_assert_float_eq(q[0].wall_ms, ceil(profiled), 1e-9);
    cr_assert_eq(q[0].wall_source, PR_WALL_NAME);
    pr_report_free(r);
    /* A name that claims less than the profile measured: the profiled
     * time stands in, and the summary counts it. */
    snprintf(name, sizeof name, "GET.balance.7.%.0fms.1796163093.prof",
             floor(profiled / 2));
    r = one_named(slow, name);
    pr_report_requests(r, &q, NULL);
    cr_assert_str_eq(q[0].path, "balance.7");
    cr_assert_float_eq(q[0].wall_ms, profiled, 1e-9);
    cr_assert_eq(q[0].wall_source, PR_WALL_PROFILE);
    pr_summary s;
    pr_report_summary(r, &s);
    cr_assert_eq(s.wall_from_profile, 1);
    cr_assert_eq(s.wall_contradicted, 1);
    pr_report_free(r);
    free(slow);
}
/* File buffers of all threads share one budget (issue 12): eight threads
 * each holding a buffer of 128 KiB or more cannot all fit in 640 KiB (the
 * least for 256 KiB files), so some files
 * are skipped as over the budget, reported, and the rest read; one
 * thread fits. Buffers are kept until the end of a run, so the sum does
 * not depend on scheduling. */
Test(aggregate, threads_share_one_memory_budget)
{
    static const char *const dir[] = {WERKZEUG};
    skiplog log;
    pr_agg_options o = {.threads = 8, .max_file_size = 256 << 10,
                        .memory_budget = 1};
    pr_agg *agg = agg_new_opts(o, &log);
    add(agg, dir, 1);
    size_t read = pr_agg_files_read(agg), skipped = pr_agg_files_skipped(agg);
    cr_assert_eq(read + skipped, 34);
    cr_assert_gt(skipped, 0, "8 threads x 128 KiB fit a 640 KiB budget?");
    cr_assert_gt(read, 0);
    pr_error err;
    cr_assert_not_null(pr_agg_skipped(agg, 0, &err));
    cr_assert_eq(err.code, PR_ERR_TOO_BIG);
    cr_assert(strstr(err.msg, "memory budget") != NULL, "%s", err.msg);
    pr_agg_free(agg);

    o.threads = 1;
    agg = agg_new_opts(o, &log);
    add(agg, dir, 1);
    cr_assert_eq(pr_agg_files_read(agg), 34);
    cr_assert_eq(pr_agg_files_skipped(agg), 0);
    pr_agg_free(agg);
}
