/* test_profile.c - one profile through the public API: pr_profile_parse and
 * pr_profile_load on the real fixtures of tests/data/valid/ and on
 * hand-made stats dicts of the wrong shape.
 *
 * Reference values below are what Python's pstats reports for the same
 * files, obtained while writing this test with, e.g.,
 *   /usr/bin/python3 -c 'import pstats; s = pstats.Stats("tests/data/valid/cpython311.prof");
 *       print(len(s.stats), s.total_calls, s.prim_calls, repr(s.total_tt));
 *       print(s.stats[("/work/main/tests/gen/workload.py", 30, "fact")])'
 * run from the repository root, with the interpreter that can load the
 * file: /usr/bin/python3 (3.11) for Python 3 files written at marshal
 * version <= 4, /root/.pyenv/versions/2.7.18/bin/python for the *27 files
 * and /root/.pyenv/versions/3.8.18/bin/python for dash_m_profile_py38
 * (code objects only load in the version that wrote them). They are
 * reference values, not results of the code under test.
 *
 * Checks are static functions grouped into a few Test()s, because every
 * Criterion test is a fresh ASan process (~0.2 s) and that dominated the
 * suite's run time.
 */
#include "testutil.h"

#include <math.h>

#define WL "/work/main/tests/gen/workload.py" /* as recorded by 3.9+ */

static pr_profile *load(const char *name)
{
    char *path = tu_path("data/valid", name);
    pr_profile *p = NULL;
    pr_error err;
    memset(&err, 0, sizeof err);
    pr_status st = pr_profile_load(path, &p, &err);
    cr_assert_eq(st, PR_OK, "%s: %s: %s at %llu", path, tu_status_name(st),
                 err.msg, (unsigned long long)err.offset);
    cr_assert_not_null(p);
    free(path);
    return p;
}

static const pr_entry *entry(const pr_profile *p, const char *file,
                             int64_t line, const char *name)
{
    const pr_entry *e = tu_find_entry(p, file, line, name);
    cr_assert_not_null(e, "no entry (%s, %lld, %s)", file, (long long)line,
                       name);
    return e;
}

static const pr_caller *caller(const pr_entry *e, const char *file,
                               int64_t line, const char *name)
{
    const pr_caller *c = tu_find_caller(e, file, line, name);
    cr_assert_not_null(c, "no caller (%s, %lld, %s) of %.*s", file,
                       (long long)line, name, (int)e->key.name.len,
                       e->key.name.ptr);
    return c;
}

static void check_entry(const pr_entry *e, int64_t cc, int64_t nc, double tt,
                        double ct, size_t ncallers)
{
    cr_assert_eq(e->cc, cc, "cc %lld, pstats %lld", (long long)e->cc,
                 (long long)cc);
    cr_assert_eq(e->nc, nc, "nc %lld, pstats %lld", (long long)e->nc,
                 (long long)nc);
    cr_assert(e->tt == tt, "tt %.17g, pstats %.17g", e->tt, tt);
    cr_assert(e->ct == ct, "ct %.17g, pstats %.17g", e->ct, ct);
    cr_assert_eq(e->ncallers, ncallers, "%zu callers, pstats %zu",
                 e->ncallers, ncallers);
}

static void check_caller(const pr_caller *c, int64_t nc, int64_t cc,
                         double tt, double ct, int count_only)
{
    cr_assert_eq(c->nc, nc, "nc %lld, pstats %lld", (long long)c->nc,
                 (long long)nc);
    cr_assert_eq(c->cc, cc, "cc %lld, pstats %lld", (long long)c->cc,
                 (long long)cc);
    cr_assert(c->tt == tt, "tt %.17g, pstats %.17g", c->tt, tt);
    cr_assert(c->ct == ct, "ct %.17g, pstats %.17g", c->ct, ct);
    cr_assert_eq(!!c->count_only, count_only);
}

/* ==== every fixture against pstats' headline numbers ===================== */

typedef struct fixture {
    const char *name;
    size_t entries;         /* len(Stats.stats) */
    int64_t total_calls;    /* Stats.total_calls = sum of nc */
    int64_t prim_calls;     /* Stats.prim_calls = sum of cc */
    double total_tt;        /* Stats.total_tt = sum of tt */
    size_t callers;         /* sum of len(callers) */
    size_t int_callers;     /* callers given as an int (profile.py) */
} fixture;

static const fixture FIXTURES[] = {
    {"cpython27.prof", 28, 983, 869, 0.0023209999999999997, 39, 0},
    {"cpython36.prof", 32, 1006, 892, 0.002680999999999999, 42, 0},
    {"cpython37.prof", 32, 1006, 892, 0.002634, 42, 0},
    {"cpython38.prof", 32, 1006, 892, 0.004594856, 42, 0},
    {"cpython39.prof", 32, 1006, 892, 0.0031884200000000004, 42, 0},
    {"cpython310.prof", 32, 1006, 892, 0.0032813949999999995, 42, 0},
    {"cpython311.prof", 32, 1006, 892, 0.003319968000000001, 42, 0},
    {"cpython311.prof.gz", 32, 1006, 892, 0.003319968000000001, 42, 0},
    {"cpython312.prof", 28, 976, 862, 0.0027190970000000006, 38, 0},
    {"cpython313.prof", 28, 976, 862, 0.002854982, 38, 0},
    {"debian311.prof", 32, 1006, 892, 0.0025212950000000002, 42, 0},
    {"pypy39.prof", 30, 976, 862, 0.002375369842473858, 38, 0},
    {"pypy39_profile.prof", 32, 977, 863, 0.013118805999999858, 41, 41},
    {"profile_py27.prof", 30, 984, 870, 0.00814200000000008, 42, 42},
    {"profile_py311.prof", 34, 1007, 893, 0.007874098000000246, 45, 45},
    {"dash_m_cprofile_py311.prof", 119, 1288, 1172, 0.004643459999999999, 156,
     0},
    {"dash_m_profile_py27.prof", 38, 998, 884, 0.008412000000000044, 50, 50},
    {"dash_m_profile_py38.prof", 116, 1276, 1160, 0.011216263999999858, 151,
     151},
    {"dash_m_profile_py311.prof", 121, 1289, 1173, 0.010353970999999976, 159,
     159},
    {"marshal_v0.prof", 32, 1006, 892, 0.003319968000000001, 42, 0},
    {"marshal_v1.prof", 32, 1006, 892, 0.003319968000000001, 42, 0},
    {"marshal_v2.prof", 32, 1006, 892, 0.003319968000000001, 42, 0},
    {"marshal_v3.prof", 32, 1006, 892, 0.003319968000000001, 42, 0},
    {"marshal_v4.prof", 32, 1006, 892, 0.003319968000000001, 42, 0},
    {"merged_py311.prof", 32, 2012, 1784, 0.005495202, 42, 0},
    {"mixed_callers_py311.prof", 40, 1161, 1047, 0.0036263579999999893, 49,
     7},
};

Test(profile, every_fixture_matches_pstats_totals)
{
    for (size_t f = 0; f < sizeof FIXTURES / sizeof FIXTURES[0]; f++) {
        const fixture *x = &FIXTURES[f];
        pr_profile *p = load(x->name);
        cr_assert_eq(pr_profile_count(p), x->entries, "%s: %zu entries",
                     x->name, pr_profile_count(p));
        cr_assert_eq(pr_profile_skipped_keys(p), 0, "%s", x->name);
        cr_assert_eq(pr_profile_trailing_bytes(p), 0, "%s", x->name);
        int64_t nc = 0, cc = 0;
        double tt = 0;
        size_t ncallers = 0, nint = 0;
        for (size_t i = 0; i < pr_profile_count(p); i++) {
            const pr_entry *e = pr_profile_entry(p, i);
            nc += e->nc;
            cc += e->cc;
            tt += e->tt;
            ncallers += e->ncallers;
            for (size_t j = 0; j < e->ncallers; j++)
                nint += e->callers[j].count_only != 0;
        }
        cr_assert_null(pr_profile_entry(p, pr_profile_count(p)));
        cr_assert_eq(nc, x->total_calls, "%s: total calls %lld", x->name,
                     (long long)nc);
        cr_assert_eq(cc, x->prim_calls, "%s: primitive calls %lld", x->name,
                     (long long)cc);
        /* Python 2 dicts iterate in hash order, so the sum's order (and
         * last bits) can differ from the file's order. */
        cr_assert(tu_close(tt, x->total_tt, 1e-12), "%s: total tt %.17g",
                  x->name, tt);
        cr_assert_eq(ncallers, x->callers, "%s: %zu callers", x->name,
                     ncallers);
        cr_assert_eq(nint, x->int_callers, "%s: %zu int callers", x->name,
                     nint);
        pr_profile_free(p);
    }
}

/* ==== concrete entries ===================================================== */

static void cpython311_entries(void)
{
    pr_profile *p = load("cpython311.prof");
    /* pstats: fact (6, 54, 1.5569e-05, 1.5569e-05), shown 54/6 */
    const pr_entry *e = entry(p, WL, 30, "fact");
    check_entry(e, 6, 54, 1.5569e-05, 1.5569e-05, 2);
    /* callers values are (nc, cc, tt, ct) */
    check_caller(caller(e, WL, 127, "main"), 6, 6, 2.814e-06, 1.5569e-05, 0);
    check_caller(caller(e, WL, 30, "fact"), 48, 6, 1.2755e-05, 1.2755e-05, 0);
    /* mutual recursion: even (12, 48, ...), odd -> even (42, 12, ...) */
    e = entry(p, WL, 36, "even");
    check_entry(e, 12, 48, 2.0997000000000002e-05, 2.9674e-05, 2);
    check_caller(caller(e, WL, 42, "odd"), 42, 12, 1.8695e-05, 2.5559e-05, 0);
    /* a root: no callers */
    e = entry(p, "~", 0, "<method 'disable' of '_lsprof.Profiler' objects>");
    check_entry(e, 1, 1, 5.41e-07, 5.41e-07, 0);
    e = entry(p, WL, 127, "main");
    check_entry(e, 1, 1, 0.00012516, 0.0033194270000000002, 0);
    /* '<workload-\u00fcnicode>', 1, 'funci\u00f3n_\u00e9t\u00e9' (UTF-8) */
    e = entry(p, "<workload-\xc3\xbcnicode>", 1, "funci\xc3\xb3n_\xc3\xa9t\xc3\xa9");
    check_entry(e, 12, 12, 8.523000000000001e-06, 1.2293e-05, 1);
    /* '<workload-\udcff-bad>': marshal's surrogatepass bytes ED B3 BF */
    e = entry(p, "<workload-\xed\xb3\xbf-bad>", 1, "surrogate_file");
    check_entry(e, 12, 12, 1.813e-06, 1.813e-06, 1);
    e = entry(p, "~", 0, "<method 'get' of 'dict' objects>");
    check_entry(e, 150, 150, 1.0224e-05, 1.0224e-05, 2);
    pr_profile_free(p);
}

static void pypy39_entries(void)
{
    pr_profile *p = load("pypy39.prof");
    const pr_entry *e = entry(p, WL, 30, "fact");
    check_entry(e, 6, 54, 3.0772335170894365e-05, 3.0772335170894365e-05, 2);
    check_caller(caller(e, WL, 127, "main"), 6, 6, 8.494446687798965e-06,
                 3.0772335170894365e-05, 0);
    check_caller(caller(e, WL, 30, "fact"), 48, 6, 2.22778884830954e-05,
                 2.22778884830954e-05, 0);
    pr_profile_free(p);
}

static void cpython27_entries(void)
{
    /* Python 2: s/t/R strings, relative path as typed. Values from
     * pstats under Python 2.7.18. */
    pr_profile *p = load("cpython27.prof");
    const pr_entry *e = entry(p, "tests/gen/workload.py", 30, "fact");
    check_entry(e, 6, 54, 1.4e-05, 1.4e-05, 2);
    check_caller(caller(e, "tests/gen/workload.py", 30, "fact"), 48, 6,
                 1.1e-05, 1.1e-05, 0);
    check_caller(caller(e, "tests/gen/workload.py", 127, "main"), 6, 6, 3e-06,
                 1.4e-05, 0);
    pr_profile_free(p);
}

static void profile_py_int_callers_are_count_only(void)
{
    pr_profile *p = load("profile_py311.prof");
    /* pstats: fact (6, 54, 0.00023304800000001347, ...), callers ints */
    const pr_entry *e = entry(p, WL, 30, "fact");
    check_entry(e, 6, 54, 0.00023304800000001347, 0.00023304800000001347, 2);
    check_caller(caller(e, WL, 30, "fact"), 48, 48, 0, 0, 1);
    check_caller(caller(e, WL, 127, "main"), 6, 6, 0, 0, 1);
    /* profile.py built-ins are ('', 0, name) */
    e = entry(p, "", 0, "len");
    check_entry(e, 25, 25, 4.920000000001312e-05, 4.920000000001312e-05, 1);
    check_caller(caller(e, WL, 127, "main"), 25, 25, 0, 0, 1);
    /* the synthetic root has int zeros: (0, 0, 0, 0, {}) */
    e = entry(p, "profile", 0, "profiler");
    check_entry(e, 0, 0, 0, 0, 0);
    e = entry(p, "profile", 0, "<function main at 0x7f3770676520>");
    check_entry(e, 1, 1, 3.480599999999834e-05, 0.007874098000000246, 1);
    check_caller(caller(e, "profile", 0, "profiler"), 1, 1, 0, 0, 1);
    pr_profile_free(p);
}

static void mixed_callers_decided_per_value(void)
{
    /* cProfile data merged with profile.py data: both caller forms. */
    pr_profile *p = load("mixed_callers_py311.prof");
    const pr_entry *e = entry(p, WL, 30, "fact");
    check_entry(e, 6, 54, 6.954400000000001e-05, 6.954400000000001e-05, 2);
    check_caller(caller(e, WL, 30, "fact"), 48, 6, 6.6486e-05, 6.6486e-05, 0);
    e = entry(p, "<mixed-profile-py>", 1, "leaf");
    check_entry(e, 50, 50, 0.00021710999999998565, 0.000319643999999987, 1);
    check_caller(caller(e, "<mixed-profile-py>", 4, "<genexpr>"), 50, 50, 0, 0,
                 1);
    pr_profile_free(p);
}

Test(profile, entries_match_pstats)
{
    cpython311_entries();
    pypy39_entries();
    cpython27_entries();
    profile_py_int_callers_are_count_only();
    mixed_callers_decided_per_value();
}

/* `python -m profile` keys hold code objects. pstats prints them as
 * repr(code), e.g. <code object <module> at 0x5306880, file
 * "tests/gen/workload.py", line 1>; profreport keeps everything but the
 * address, which differs between runs. */
static void check_dash_m(const char *name, int64_t line, double tt, double ct)
{
    pr_profile *p = load(name);
    char label[128];
    snprintf(label, sizeof label,
             "<code object <module>, file \"tests/gen/workload.py\", line %lld>",
             (long long)line);
    const pr_entry *e = entry(p, "profile", 0, label);
    check_entry(e, 1, 1, tt, ct, 1);
    check_caller(caller(e, "profile", 0, "profiler"), 1, 1, 0, 0, 1);
    pr_profile_free(p);
}

static void dash_m_profile_py311_code_object_name(void)
{
    check_dash_m("dash_m_profile_py311.prof", 1, 3.388300000001232e-05,
                 0.010353970999999976);
    /* The same code object is a caller key of ('', 0, 'exec'). */
    pr_profile *p = load("dash_m_profile_py311.prof");
    const pr_entry *e = entry(p, "", 0, "exec");
    check_entry(e, 1, 3, 2.279400000000653e-05, 0.010180755999999958, 2);
    check_caller(caller(e, "profile", 0,
                        "<code object <module>, file \"tests/gen/workload.py\", "
                        "line 1>"),
                 1, 1, 0, 0, 1);
    check_caller(caller(e, "tests/gen/workload.py", 1, "<module>"), 2, 2, 0, 0,
                 1);
    pr_profile_free(p);
}

static void dash_m_profile_py38_code_object_name(void)
{
    check_dash_m("dash_m_profile_py38.prof", 2, 9.672200000000741e-05,
                 0.011216263999999858);
}

static void dash_m_profile_py27_code_object_name(void)
{
    check_dash_m("dash_m_profile_py27.prof", 22, 6.30000000000075e-05,
                 0.008412000000000044);
}

Test(profile, dash_m_code_object_names)
{
    dash_m_profile_py311_code_object_name();
    dash_m_profile_py38_code_object_name();
    dash_m_profile_py27_code_object_name();
}

/* ==== encodings that must give identical entries ======================== */

static void same_profiles(const pr_profile *a, const pr_profile *b,
                          const char *what)
{
    cr_assert_eq(pr_profile_count(a), pr_profile_count(b), "%s", what);
    for (size_t i = 0; i < pr_profile_count(a); i++) {
        const pr_entry *x = pr_profile_entry(a, i);
        const pr_entry *y = NULL;
        for (size_t j = 0; j < pr_profile_count(b) && y == NULL; j++) {
            const pr_entry *c = pr_profile_entry(b, j);
            if (c->key.line == x->key.line &&
                c->key.file.len == x->key.file.len &&
                c->key.name.len == x->key.name.len &&
                memcmp(c->key.file.ptr, x->key.file.ptr, x->key.file.len) == 0 &&
                memcmp(c->key.name.ptr, x->key.name.ptr, x->key.name.len) == 0)
                y = c;
        }
        cr_assert_not_null(y, "%s: entry %.*s missing", what,
                           (int)x->key.name.len, x->key.name.ptr);
        cr_assert(x->cc == y->cc && x->nc == y->nc && x->tt == y->tt &&
                      x->ct == y->ct && x->ncallers == y->ncallers,
                  "%s: entry %.*s differs", what, (int)x->key.name.len,
                  x->key.name.ptr);
        for (size_t k = 0; k < x->ncallers; k++) {
            const pr_caller *c = &x->callers[k];
            char file[256], name[256];
            snprintf(file, sizeof file, "%.*s", (int)c->key.file.len,
                     c->key.file.ptr);
            snprintf(name, sizeof name, "%.*s", (int)c->key.name.len,
                     c->key.name.ptr);
            const pr_caller *d = tu_find_caller(y, file, c->key.line, name);
            cr_assert_not_null(d, "%s: caller %s missing", what, name);
            cr_assert(c->nc == d->nc && c->cc == d->cc && c->tt == d->tt &&
                          c->ct == d->ct && c->count_only == d->count_only,
                      "%s: caller %s differs", what, name);
        }
    }
}

Test(profile, marshal_versions_give_identical_entries)
{
    /* marshal_vN.prof: cpython311's stats dict re-dumped at version N
     * (v0/v1 text floats, v2 binary floats, v3 refs with `u` strings, v4
     * short strings and small tuples). */
    pr_profile *ref = load("cpython311.prof");
    static const char *const names[] = {"marshal_v0.prof", "marshal_v1.prof",
                                        "marshal_v2.prof", "marshal_v3.prof",
                                        "marshal_v4.prof", "cpython311.prof.gz"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        pr_profile *p = load(names[i]);
        same_profiles(ref, p, names[i]);
        same_profiles(p, ref, names[i]);
        pr_profile_free(p);
    }
    pr_profile_free(ref);
}

static void parse_equals_load_and_owns_its_strings(void)
{
    size_t len;
    unsigned char *buf = tu_read_file(TU_VALID "cpython311.prof", &len);
    pr_profile *p = NULL;
    pr_error err;
    cr_assert_eq(pr_profile_parse(buf, len, &p, &err), PR_OK, "%s", err.msg);
    /* The profile must not point into buf: scribble over it and free it
     * (ASan reports any later read of it). */
    memset(buf, 0x5a, len);
    free(buf);
    pr_profile *q = load("cpython311.prof");
    same_profiles(p, q, "parse vs load");
    pr_profile_free(q);
    pr_profile_free(p);
}

static void trailing_bytes_counted(void)
{
    size_t len;
    unsigned char *buf = tu_read_file(TU_VALID "cpython311.prof", &len);
    unsigned char *b2 = malloc(len + 7);
    cr_assert_not_null(b2);
    memcpy(b2, buf, len);
    memcpy(b2 + len, "garbage", 7);
    pr_profile *p = NULL;
    pr_error err;
    cr_assert_eq(pr_profile_parse(b2, len + 7, &p, &err), PR_OK, "%s", err.msg);
    cr_assert_eq(pr_profile_trailing_bytes(p), 7);
    cr_assert_eq(pr_profile_count(p), 32);
    pr_profile_free(p);
    free(b2);
    free(buf);
}

static void null_arguments(void)
{
    pr_profile *p = (pr_profile *)&p;
    pr_error err;
    tu_assert_err(pr_profile_parse(NULL, 0, &p, &err), err, PR_ERR_EMPTY, 0);
    cr_assert_null(p);
    tu_assert_err(pr_profile_parse(NULL, 5, &p, &err), err, PR_ERR_USAGE,
                  PR_NO_OFFSET);
    tu_assert_err(pr_profile_parse("\xfb\x30", 2, NULL, &err), err,
                  PR_ERR_USAGE, PR_NO_OFFSET);
    cr_assert_eq(pr_profile_parse("\xfb\x30", 2, &p, NULL), PR_OK);
    pr_profile_free(p);
    cr_assert_eq(pr_profile_parse("\xfb", 1, &p, NULL), PR_ERR_TRUNCATED);
    cr_assert_null(p);
    tu_assert_err(pr_profile_load(NULL, &p, &err), err, PR_ERR_USAGE,
                  PR_NO_OFFSET);
    pr_profile_free(NULL);
    cr_assert_eq(pr_profile_count(NULL), 0);
    cr_assert_null(pr_profile_entry(NULL, 0));
    cr_assert_eq(pr_profile_skipped_keys(NULL), 0);
    cr_assert_eq(pr_profile_trailing_bytes(NULL), 0);
}

static void load_missing_file(void)
{
    pr_profile *p = NULL;
    pr_error err;
    tu_assert_err(pr_profile_load("data/valid/no-such-file.prof", &p, &err),
                  err, PR_ERR_IO, PR_NO_OFFSET);
    cr_assert_null(p);
    cr_assert_not_null(strstr(err.msg, "No such file"), "%s", err.msg);
}

static void load_non_regular_files(void)
{
    pr_profile *p = NULL;
    pr_error err;
    tu_assert_err(pr_profile_load("data/valid", &p, &err), err,
                  PR_ERR_NOT_FILE, PR_NO_OFFSET);
    cr_assert_null(p);
    tu_assert_err(pr_profile_load("/dev/null", &p, &err), err,
                  PR_ERR_NOT_FILE, PR_NO_OFFSET);
    /* a FIFO with no writer: must not block */
    char *dir = tu_mkdtemp();
    char *fifo = tu_path(dir, "pipe.prof");
    cr_assert_eq(mkfifo(fifo, 0600), 0);
    tu_assert_err(pr_profile_load(fifo, &p, &err), err, PR_ERR_NOT_FILE,
                  PR_NO_OFFSET);
    cr_assert_null(p);
    tu_rm_rf(dir);
    free(fifo);
    free(dir);
}

static void strerror_for_every_status(void)
{
    for (int s = 0; s < TU_NSTATUS; s++) {
        const char *m = pr_strerror((pr_status)s);
        cr_assert_not_null(m);
        cr_assert_neq(strcmp(m, "unknown status"), 0, "status %d", s);
    }
    cr_assert_str_eq(pr_strerror(PR_OK), "success");
    cr_assert_str_eq(pr_strerror((pr_status)999), "unknown status");
}

Test(profile, api_edges, .timeout = 20)
{
    parse_equals_load_and_owns_its_strings();
    trailing_bytes_counted();
    null_arguments();
    load_missing_file();
    load_non_regular_files();
    strerror_for_every_status();
}

/* ==== hand-made stats dicts ============================================= */

/* Pieces of a stats dict, with their offsets when written after "fb":
 *   key ('a', 1, 'f')           offset 1..13
 *   entry tuple                 offset 14
 *     cc 16, nc 21, tt 26, ct 35, callers dict 44
 *       caller key              offset 45..57
 *       caller value            offset 58 */
#define KEY_A "29 03 7a 01 61 e9 01000000 7a 01 66 "
#define KEY_B "29 03 7a 01 61 e9 02000000 7a 01 67 "
#define I(x) "e9 " x " "
#define G_HALF "67 000000000000e03f "
#define G_ONE "67 000000000000f03f "
#define G_NAN "67 000000000000f87f "
#define G_INF "67 000000000000f07f "
#define G_NINF "67 000000000000f0ff "
#define ONE "01000000"
#define TWO "02000000"
#define MINUS1 "ffffffff"
#define ENTRY_HEAD "29 05 " I(ONE) I(TWO) G_HALF G_ONE
#define CALLER_OK "29 04 " I(ONE) I(ONE) G_HALF G_ONE

static pr_profile *P;
static pr_error E;

static void reset(void)
{
    P = NULL;
    memset(&E, 0, sizeof E);
}

static void drop(void) { pr_profile_free(P); }

TestSuite(shape, .init = reset, .fini = drop);

static pr_status parse_hex(const char *hex)
{
    size_t len;
    unsigned char *b = tu_hex(hex, &len);
    pr_profile_free(P);
    P = NULL;
    memset(&E, 0, sizeof E);
    pr_status st = pr_profile_parse(b, len, &P, &E);
    free(b);
    return st;
}

static void shape_fails(const char *hex, pr_status code, uint64_t off)
{
    pr_status st = parse_hex(hex);
    cr_assert_null(P);
    tu_assert_err(st, E, code, off);
}

static void shape_ok(const char *hex)
{
    pr_status st = parse_hex(hex);
    cr_assert_eq(st, PR_OK, "%s: %s at %llu", tu_status_name(st), E.msg,
                 (unsigned long long)E.offset);
    cr_assert_not_null(P);
}

static void minimal_valid(void)
{
    shape_ok("fb " KEY_A ENTRY_HEAD "7b " KEY_B CALLER_OK "30 30");
    cr_assert_eq(pr_profile_count(P), 1);
    const pr_entry *e = pr_profile_entry(P, 0);
    cr_assert(tu_str_is(e->key.file, "a") && tu_str_is(e->key.name, "f"));
    check_entry(e, 1, 2, 0.5, 1.0, 1);
    check_caller(&e->callers[0], 1, 1, 0.5, 1.0, 0);
    cr_assert(tu_str_is(e->callers[0].key.name, "g"));
}

static void empty_dict(void)
{
    shape_ok("fb 30");
    cr_assert_eq(pr_profile_count(P), 0);
    cr_assert_null(pr_profile_entry(P, 0));
    shape_ok("7b 30");
    cr_assert_eq(pr_profile_count(P), 0);
}

static void top_level_not_a_dict(void)
{
    shape_fails("29 00", PR_ERR_NOT_STATS, 0);
    shape_fails("e9 01000000", PR_ERR_NOT_STATS, 0);
    shape_fails("5b 00000000", PR_ERR_NOT_STATS, 0);
    shape_fails("da 03 616263", PR_ERR_NOT_STATS, 0);
    shape_fails("4e", PR_ERR_NOT_STATS, 0);
}

static void entry_value_of_wrong_shape(void)
{
    /* All at the entry value's offset, 14. */
    shape_fails("fb " KEY_A I(ONE) "30", PR_ERR_NOT_STATS, 14);
    shape_fails("fb " KEY_A "29 04 " I(ONE) I(ONE) G_HALF G_ONE "30",
                PR_ERR_NOT_STATS, 14);
    shape_fails("fb " KEY_A ENTRY_HEAD "29 00 30", PR_ERR_NOT_STATS, 14);
    shape_fails("fb " KEY_A "29 06 " I(ONE) I(TWO) G_HALF G_ONE "7b 30 4e 30",
                PR_ERR_NOT_STATS, 14);
    shape_fails("fb " KEY_A "29 05 " G_ONE I(ONE) G_HALF G_ONE "7b 30 30",
                PR_ERR_NOT_STATS, 14);
    shape_fails("fb " KEY_A "29 05 " I(ONE) I(ONE) "7a 01 78" G_ONE "7b 30 30",
                PR_ERR_NOT_STATS, 14);
    shape_fails("fb " KEY_A "5b 05000000 " I(ONE) I(TWO) G_HALF G_ONE
                "7b 30 30", PR_ERR_NOT_STATS, 14);
    /* the second entry's value: after "7b 30" at 44 and KEY_B at 46..58 */
    shape_fails("fb " KEY_A ENTRY_HEAD "7b 30 " KEY_B "7b 30 30",
                PR_ERR_NOT_STATS, 59);
}

/* BUG: lib/stats.c sview_parse reports a wrong-shape entry value at
 * x->off, but None/True/False (and '.', 'S') decode to shared static
 * mvals in lib/marshal.c whose `off` is 0. Input: {('a', 1, 'f'): None}
 * = fb 29 03 7a 01 61 e9 01 00 00 00 7a 01 66 4e 30. Expected
 * PR_ERR_NOT_STATS at offset 14 (the 'N'); actual offset 0. The same
 * happens for a None caller value (add_callers, x->off) and a None caller
 * key (k->off). */
Test(shape, singleton_value_offset)
{
    shape_fails("fb " KEY_A "4e 30", PR_ERR_NOT_STATS, 14);
    shape_fails("fb " KEY_A ENTRY_HEAD "7b " KEY_B "54 30 30",
                PR_ERR_NOT_STATS, 58);
    shape_fails("fb " KEY_A ENTRY_HEAD "7b 4e " CALLER_OK "30 30",
                PR_ERR_NOT_STATS, 45);
}

static void key_3tuple_of_wrong_types(void)
{
    /* At the key's offset, 1. */
    shape_fails("fb 29 03 " I(ONE) I(ONE) "7a 01 66 " ENTRY_HEAD "7b 30 30",
                PR_ERR_NOT_STATS, 1);
    shape_fails("fb 29 03 7a 01 61 7a 01 31 7a 01 66 " ENTRY_HEAD "7b 30 30",
                PR_ERR_NOT_STATS, 1);
    shape_fails("fb 29 03 7a 01 61 " I(ONE) I(TWO) ENTRY_HEAD "7b 30 30",
                PR_ERR_NOT_STATS, 1);
    shape_fails("fb 29 03 7a 01 61 " G_ONE "7a 01 66 " ENTRY_HEAD "7b 30 30",
                PR_ERR_NOT_STATS, 1);
    shape_fails("fb 29 03 7a 01 61 " I(ONE) "29 00 " ENTRY_HEAD "7b 30 30",
                PR_ERR_NOT_STATS, 1);
    /* a second, bad key after a good entry ("7b 30" at 44): at 46 */
    shape_fails("fb " KEY_A ENTRY_HEAD "7b 30 29 03 4e 4e 4e " ENTRY_HEAD
                "7b 30 30", PR_ERR_NOT_STATS, 46);
}

static void accepted_variants(void)
{
    /* Python 2 bytes strings, an `l` line number, `l` counts past int32,
     * an int time (profile.py zeros) and a negative time (a calibration
     * bias can make profile.py times negative). */
    shape_ok("fb 29 03 73 01000000 61 6c 01000000 0500 74 01000000 66"
             "   29 05 6c 03000000 0000 0000 0100"   /* cc 2^30 */
             "         6c 03000000 0000 0000 0200"   /* nc 2^31 */
             "         e9 00000000"                  /* tt int 0 */
             "         67 000000000000e0bf"          /* ct -0.5 */
             "         7b " KEY_B "6c 03000000 0000 0000 0400" /* 2^32 */
             "            " KEY_A "29 04 " I(ONE) I(ONE) I(TWO) I(TWO)
             "         30 30");
    cr_assert_eq(pr_profile_count(P), 1);
    const pr_entry *e = pr_profile_entry(P, 0);
    cr_assert(tu_str_is(e->key.file, "a") && tu_str_is(e->key.name, "f"));
    cr_assert_eq(e->key.line, 5);
    check_entry(e, 1073741824LL, 2147483648LL, 0.0, -0.5, 2);
    check_caller(&e->callers[0], 4294967296LL, 4294967296LL, 0, 0, 1);
    check_caller(&e->callers[1], 1, 1, 2.0, 2.0, 0);
}

static void non_function_keys_skipped(void)
{
    /* Python 3.15's sampling profiler adds ('__sampled__',): True. Other
     * keys that are not 3-tuples are skipped the same way. */
    shape_ok("fb 29 01 7a 0b 5f5f73616d706c65645f5f 54 "
             KEY_A ENTRY_HEAD "7b 30"
             "   4e 4e"                  /* None: None */
             "   29 04 4e 4e 4e 4e 54"   /* a 4-tuple key */
             " 30");
    cr_assert_eq(pr_profile_count(P), 1);
    cr_assert_eq(pr_profile_skipped_keys(P), 3);
    cr_assert(tu_str_is(pr_profile_entry(P, 0)->key.name, "f"));
    /* Only skipped keys: a valid, empty profile. */
    shape_ok("fb 29 01 7a 0b 5f5f73616d706c65645f5f 54 30");
    cr_assert_eq(pr_profile_count(P), 0);
    cr_assert_eq(pr_profile_skipped_keys(P), 1);
}

static void trailing_bytes(void)
{
    shape_ok("fb 30 00 01 02");
    cr_assert_eq(pr_profile_trailing_bytes(P), 3);
    shape_ok("fb 30 30");
    cr_assert_eq(pr_profile_trailing_bytes(P), 1);
    shape_ok("fb 30");
    cr_assert_eq(pr_profile_trailing_bytes(P), 0);
}

Test(shape, valid_shapes)
{
    minimal_valid();
    empty_dict();
    accepted_variants();
    non_function_keys_skipped();
    trailing_bytes();
}

static void negative_counts(void)
{
    /* At the offending entry (14) or caller value (58). */
    shape_fails("fb " KEY_A "29 05 " I(MINUS1) I(ONE) G_HALF G_ONE "7b 30 30",
                PR_ERR_BAD_VALUE, 14);
    shape_fails("fb " KEY_A "29 05 " I(ONE) I(MINUS1) G_HALF G_ONE "7b 30 30",
                PR_ERR_BAD_VALUE, 14);
    shape_fails("fb " KEY_A "29 05 6c ffffffff 0100 " I(ONE) G_HALF G_ONE
                "7b 30 30", PR_ERR_BAD_VALUE, 14);
    shape_fails("fb " KEY_A ENTRY_HEAD "7b " KEY_B I(MINUS1) "30 30",
                PR_ERR_BAD_VALUE, 58);
    shape_fails("fb " KEY_A ENTRY_HEAD "7b " KEY_B "29 04 " I(MINUS1) I(ONE)
                G_HALF G_ONE "30 30", PR_ERR_BAD_VALUE, 58);
    shape_fails("fb " KEY_A ENTRY_HEAD "7b " KEY_B "29 04 " I(ONE) I(MINUS1)
                G_HALF G_ONE "30 30", PR_ERR_BAD_VALUE, 58);
}

static void nan_and_inf_times(void)
{
    shape_fails("fb " KEY_A "29 05 " I(ONE) I(ONE) G_NAN G_ONE "7b 30 30",
                PR_ERR_BAD_VALUE, 14);
    shape_fails("fb " KEY_A "29 05 " I(ONE) I(ONE) G_HALF G_INF "7b 30 30",
                PR_ERR_BAD_VALUE, 14);
    shape_fails("fb " KEY_A "29 05 " I(ONE) I(ONE) G_NINF G_ONE "7b 30 30",
                PR_ERR_BAD_VALUE, 14);
    /* text floats (marshal v0/1) spell them out */
    shape_fails("fb " KEY_A "29 05 " I(ONE) I(ONE) "66 03 6e616e" G_ONE
                "7b 30 30", PR_ERR_BAD_VALUE, 14);
    shape_fails("fb " KEY_A "29 05 " I(ONE) I(ONE) G_ONE "66 03 696e66"
                "7b 30 30", PR_ERR_BAD_VALUE, 14);
    shape_fails("fb " KEY_A ENTRY_HEAD "7b " KEY_B "29 04 " I(ONE) I(ONE)
                G_NAN G_ONE "30 30", PR_ERR_BAD_VALUE, 58);
    shape_fails("fb " KEY_A ENTRY_HEAD "7b " KEY_B "29 04 " I(ONE) I(ONE)
                G_HALF G_INF "30 30", PR_ERR_BAD_VALUE, 58);
}

Test(shape, bad_numbers)
{
    negative_counts();
    nan_and_inf_times();
}

static void caller_value_of_wrong_shape(void)
{
    shape_fails("fb " KEY_A ENTRY_HEAD "7b " KEY_B "29 03 " I(ONE) I(ONE)
                G_HALF "30 30", PR_ERR_NOT_STATS, 58);
    shape_fails("fb " KEY_A ENTRY_HEAD "7b " KEY_B G_HALF "30 30",
                PR_ERR_NOT_STATS, 58);
    shape_fails("fb " KEY_A ENTRY_HEAD "7b " KEY_B "7a 01 31 30 30",
                PR_ERR_NOT_STATS, 58);
    shape_fails("fb " KEY_A ENTRY_HEAD "7b " KEY_B "29 04 " G_ONE I(ONE)
                G_HALF G_ONE "30 30", PR_ERR_NOT_STATS, 58);
    shape_fails("fb " KEY_A ENTRY_HEAD "7b " KEY_B "29 04 " I(ONE) I(ONE)
                "7a 01 31 " G_ONE "30 30", PR_ERR_NOT_STATS, 58);
    shape_fails("fb " KEY_A ENTRY_HEAD "7b " KEY_B "29 05 " I(ONE) I(ONE)
                G_HALF G_ONE "7b 30 30 30", PR_ERR_NOT_STATS, 58);
}

static void caller_key_of_wrong_shape(void)
{
    /* Unlike top-level keys, a callers key must be a function key. */
    shape_fails("fb " KEY_A ENTRY_HEAD "7b 7a 01 78 " CALLER_OK "30 30",
                PR_ERR_NOT_STATS, 45);
    shape_fails("fb " KEY_A ENTRY_HEAD "7b 29 02 7a 01 61 " I(ONE) CALLER_OK
                "30 30", PR_ERR_NOT_STATS, 45);
    shape_fails("fb " KEY_A ENTRY_HEAD "7b 29 03 7a 01 61 7a 01 61 7a 01 61 "
                CALLER_OK "30 30", PR_ERR_NOT_STATS, 45);
}

Test(shape, wrong_shapes)
{
    top_level_not_a_dict();
    entry_value_of_wrong_shape();
    key_3tuple_of_wrong_types();
    caller_value_of_wrong_shape();
    caller_key_of_wrong_shape();
}

/* BUG: a stats dict with the same key twice (hand-made or corrupt: no
 * profiler writes it) gives two pr_entry records for one function, so
 * pr_agg counts it twice. Python's marshal.loads inserts pairs in order
 * and keeps the last value (pstats-format.md 2.6), so pstats sees one
 * entry. Input: {('a',1,'f'): (1,2,0.5,1.0,{}), ('a',1,'f'):
 * (2,2,1.0,1.0,{})}. Expected: 1 entry, cc 2 (pstats:
 * marshal.loads(...) -> {('a', 1, 'f'): (2, 2, 1.0, 1.0, {})}); actual:
 * 2 entries (lib/stats.c sview_parse appends every pair). */
Test(shape, duplicate_key_keeps_last_value)
{
    shape_ok("fb " KEY_A ENTRY_HEAD "7b 30 " KEY_A "29 05 " I(TWO) I(TWO)
             G_ONE G_ONE "7b 30 30");
    cr_assert_eq(pr_profile_count(P), 1);
    cr_assert_eq(pr_profile_entry(P, 0)->cc, 2);
}
