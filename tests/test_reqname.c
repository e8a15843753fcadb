/* test_reqname.c - what a profile's file name says about its request:
 * werkzeug's default names (current, zero-padded, fractional time,
 * dotted paths, .gz), custom filename_format templates, and templates the
 * compiler must refuse with the offset of the culprit. */
#include "testutil.h"
#include "reqname.h"

#include <math.h>

/* A compiled template; fails the test when it does not compile. */
static pr_name_format *compile_ok(const char *fmt)
{
    pr_name_format *f = NULL;
    pr_error err;
    memset(&err, 0, sizeof err);
    pr_status st = pr_name_format_compile(fmt, &f, &err);
    cr_assert_eq(st, PR_OK, "compile \"%s\": %s (%s)", fmt ? fmt : "(default)",
                 tu_status_name(st), err.msg);
    cr_assert_not_null(f);
    return f;
}

/* Shows a pr_str in assertion messages. */
#define STR_ARGS(s) (int)(s).len, (s).ptr ? (s).ptr : ""

/* Expected fields; NULL / NAN for "the name does not carry it". */
typedef struct want {
    const char *method;
    const char *path;
    double elapsed_ms;
    double time;
} want;

static void expect_match(const pr_name_format *f, const char *name, want w)
{
    pr_name_fields nf;
    cr_assert_eq(pr_name_parse(f, name, &nf), 1, "\"%s\" did not match", name);
    if (w.method != NULL) {
        cr_assert(nf.has_method, "%s: no method", name);
        cr_assert(tu_str_is(nf.method, w.method), "%s: method \"%.*s\", want \"%s\"",
                  name, STR_ARGS(nf.method), w.method);
    } else {
        cr_assert(!nf.has_method, "%s: unexpected method", name);
    }
    if (w.path != NULL) {
        cr_assert(nf.has_path, "%s: no path", name);
        cr_assert(tu_str_is(nf.path, w.path), "%s: path \"%.*s\", want \"%s\"",
                  name, STR_ARGS(nf.path), w.path);
    } else {
        cr_assert(!nf.has_path, "%s: unexpected path", name);
    }
    if (!isnan(w.elapsed_ms)) {
        cr_assert(nf.has_elapsed, "%s: no elapsed", name);
        cr_assert_float_eq(nf.elapsed_ms, w.elapsed_ms, 1e-9,
                           "%s: elapsed %.9g, want %.9g", name, nf.elapsed_ms,
                           w.elapsed_ms);
    } else {
        cr_assert(!nf.has_elapsed, "%s: unexpected elapsed", name);
    }
    if (!isnan(w.time)) {
        cr_assert(nf.has_time, "%s: no time", name);
        /* 1e-6 s: a fractional epoch keeps ~7 decimals in a double. */
        cr_assert_float_eq(nf.time, w.time, 1e-6, "%s: time %.9f, want %.9f",
                           name, nf.time, w.time);
    } else {
        cr_assert(!nf.has_time, "%s: unexpected time", name);
    }
}

static void expect_no_match(const pr_name_format *f, const char *name)
{
    pr_name_fields nf;
    memset(&nf, 0xab, sizeof nf); /* must be cleared on a miss too */
    cr_assert_eq(pr_name_parse(f, name, &nf), 0, "\"%s\" matched", name);
    cr_assert(!nf.has_method && !nf.has_path && !nf.has_elapsed &&
                  !nf.has_time,
              "\"%s\": fields left set after a miss", name);
}

/* ---- werkzeug's default names ----------------------------------------- */

Test(reqname, default_current_werkzeug)
{
    pr_name_format *f = compile_ok(NULL);
    expect_match(f, "GET.product.2334.87ms.1795608675.prof",
                 (want){"GET", "product.2334", 87, 1795608675});
    expect_match(f, "GET.root.13ms.1700000001.prof",
                 (want){"GET", "root", 13, 1700000001});
    expect_match(f, "POST.cart.0ms.1795610533.prof",
                 (want){"POST", "cart", 0, 1795610533});
    /* Any token is a method (WebDAV, lower case). */
    expect_match(f, "PROPFIND.dav.files.5ms.1700000000.prof",
                 (want){"PROPFIND", "dav.files", 5, 1700000000});
    expect_match(f, "get.x.1ms.1700000000.prof",
                 (want){"get", "x", 1, 1700000000});
    pr_name_format_free(f);
}

Test(reqname, default_reads_old_zero_padded_names)
{
    /* werkzeug 0.9-0.14: '%s.%s.%06dms.%d.prof' */
    pr_name_format *f = compile_ok(NULL);
    expect_match(f, "GET.users.001928ms.1439448963.prof",
                 (want){"GET", "users", 1928, 1439448963});
    expect_match(f, "GET.root.000000ms.1439448963.prof",
                 (want){"GET", "root", 0, 1439448963});
    expect_match(f, "GET.report.1234567ms.1439448963.prof",
                 (want){"GET", "report", 1234567, 1439448963});
    pr_name_format_free(f);
}

Test(reqname, default_path_with_dots_is_everything_in_between)
{
    pr_name_format *f = compile_ok(NULL);
    expect_match(f, "GET.static.css.bootstrap.min.css.8191ms.1610040075.prof",
                 (want){"GET", "static.css.bootstrap.min.css", 8191,
                        1610040075});
    /* Path segments that look like the numbers around them. */
    expect_match(f, "GET.api.v2.12.34ms.1700000000.prof",
                 (want){"GET", "api.v2.12", 34, 1700000000});
    expect_match(f, "GET.a.5ms.b.7ms.1700000000.prof",
                 (want){"GET", "a.5ms.b", 7, 1700000000});
    /* Latin-1 decoded PATH_INFO re-encoded as UTF-8 (/user/jos\u00e9). */
    expect_match(f, "GET.user.jos\xc3\x83\xc2\xa9.1ms.1795610533.prof",
                 (want){"GET", "user.jos\xc3\x83\xc2\xa9", 1, 1795610533});
    /* Spaces survive percent-decoding. */
    expect_match(f, "GET.my file.2ms.1700000000.prof",
                 (want){"GET", "my file", 2, 1700000000});
    pr_name_format_free(f);
}

Test(reqname, default_gz_suffix_is_ignored)
{
    pr_name_format *f = compile_ok(NULL);
    expect_match(f, "GET.root.13ms.1700000001.prof.gz",
                 (want){"GET", "root", 13, 1700000001});
    expect_match(f, "GET.static.app.js.1ms.1795610533.prof.gz",
                 (want){"GET", "static.app.js", 1, 1795610533});
    /* Only one .gz is ignored, and only at the end. */
    expect_no_match(f, "GET.root.13ms.1700000001.prof.gz.gz");
    expect_no_match(f, "GET.root.13ms.1700000001.gz");
    pr_name_format_free(f);
}

Test(reqname, default_fractional_time)
{
    /* A filename_format with {time} (no spec) writes str(float). */
    pr_name_format *f = compile_ok(NULL);
    expect_match(f, "GET.a.12ms.1700000000.123456.prof",
                 (want){"GET", "a", 12, 1700000000.123456});
    expect_match(f, "GET.a.b.12ms.1700000000.5.prof",
                 (want){"GET", "a.b", 12, 1700000000.5});
    pr_name_format_free(f);
}

Test(reqname, default_directory_prefix_is_ignored)
{
    pr_name_format *f = compile_ok(NULL);
    const char *name = "/var/tmp/prof.d/2026.11/GET.root.13ms.1700000001.prof";
    expect_match(f, name, (want){"GET", "root", 13, 1700000001});
    expect_match(f, "data/werkzeug/GET.product.7.8ms.1795610533.prof",
                 (want){"GET", "product.7", 8, 1795610533});

    /* The fields point into the base name of the string given. */
    pr_name_fields nf;
    cr_assert_eq(pr_name_parse(f, name, &nf), 1);
    const char *base = strrchr(name, '/') + 1;
    cr_assert_eq(nf.method.ptr, base);
    cr_assert_eq(nf.path.ptr, base + 4);

    /* A directory that would match on its own does not make a match. */
    expect_no_match(f, "GET.root.13ms.1700000001.prof/notes.txt");
    expect_no_match(f, "GET.root.13ms.1700000001.prof/");
    pr_name_format_free(f);
}

Test(reqname, default_names_that_do_not_match)
{
    pr_name_format *f = compile_ok(NULL);
    static const char *const names[] = {
        "",
        "notes.txt",
        "cpython311.prof",
        "GET.root.prof",
        "GET.root.13.1700000001.prof",       /* no "ms" */
        "GET.root.13ms.prof",                /* no time */
        "GET.13ms.1700000001.prof",          /* no path */
        "GET..13ms.1700000001.prof",         /* empty path */
        ".root.13ms.1700000001.prof",        /* no method */
        "GET.root.-13ms.1700000001.prof",    /* negative */
        "GET.root.ms.1700000001.prof",       /* no digits */
        "GET.root.13ms.1700000001.prof.bak", /* not the last part */
        "GET.root.13ms.1700000001.pro",
        "GET.root.13ms.1700000001.PROF",
        "GET.root.13ms.1700000001",
        "GET.root.13ms.1700000001..prof",
        "GET.root.13ms.1700000001.5e3.prof",
        "G@T.root.13ms.1700000001.prof", /* not an HTTP token */
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        expect_no_match(f, names[i]);
    pr_name_format_free(f);
}

/* A werkzeug name whose {path} makes it exactly n bytes long. */
static char *name_of_length(size_t n)
{
    static const char head[] = "GET.", tail[] = ".5ms.1700000000.prof";
    size_t fixed = strlen(head) + strlen(tail);
    cr_assert_gt(n, fixed);
    char *s = malloc(n + 1);
    cr_assert_not_null(s);
    strcpy(s, head);
    memset(s + strlen(head), 'p', n - fixed);
    strcpy(s + n - strlen(tail), tail);
    return s;
}

Test(reqname, very_long_name_is_refused)
{
    /* Matching backtracks, quadratically in the name: past 1,024 bytes
     * (four times NAME_MAX) a name is refused rather than explored. */
    pr_name_format *f = compile_ok(NULL);
    char *name = name_of_length(1024);
    char *path = strndup(name + 4, 1024 - strlen("GET..5ms.1700000000.prof"));
    cr_assert_not_null(path);
    expect_match(f, name, (want){"GET", path, 5, 1700000000});
    free(path);
    free(name);
    name = name_of_length(1025);
    expect_no_match(f, name);
    free(name);
    name = malloc(100001);
    cr_assert_not_null(name);
    memset(name, '1', 100000);
    name[100000] = '\0';
    expect_no_match(f, name);
    free(name);
    pr_name_format_free(f);
}

/* ---- custom filename_format templates --------------------------------- */

Test(reqname, custom_fixed_decimals)
{
    pr_name_format *f =
        compile_ok("{method}.{path}.{elapsed:.3f}ms.{time:.6f}.prof");
    expect_match(f, "GET.api.v1.users.12.345ms.1700000000.123456.prof",
                 (want){"GET", "api.v1.users", 12.345, 1700000000.123456});
    expect_match(f, "POST.root.0.500ms.1700000000.000001.prof",
                 (want){"POST", "root", 0.5, 1700000000.000001});
    /* .3f always writes three decimals, .6f six. */
    expect_no_match(f, "GET.x.12.34ms.1700000000.123456.prof");
    expect_no_match(f, "GET.x.12ms.1700000000.123456.prof");
    expect_no_match(f, "GET.x.12.345ms.1700000000.prof");
    expect_no_match(f, "GET.x.12.345ms.1700000000.1234567.prof");
    pr_name_format_free(f);
}

Test(reqname, custom_order_and_separators)
{
    pr_name_format *f = compile_ok("{time:.0f}-{method}-{path}.prof");
    expect_match(f, "1700000000-GET-api.items.3.prof",
                 (want){"GET", "api.items.3", NAN, 1700000000});
    expect_match(f, "1795610533-DELETE-orders.1.prof",
                 (want){"DELETE", "orders.1", NAN, 1795610533});
    expect_no_match(f, "GET.api.items.3.1ms.1700000000.prof");
    expect_no_match(f, "1700000000.5-GET-x.prof");
    pr_name_format_free(f);

    f = compile_ok("{method}_{path}_{elapsed:.0f}");
    expect_match(f, "POST_cart_12", (want){"POST", "cart", 12, NAN});
    expect_match(f, "/tmp/GET_a.b_7", (want){"GET", "a.b", 7, NAN});
    expect_no_match(f, "POST_cart_12.prof");
    pr_name_format_free(f);

    /* werkzeug 0.15.0's broken default, which works with ints. */
    f = compile_ok("{method}.{path}.{elapsed:06d}ms.{time:d}.prof");
    expect_match(f, "GET.users.001928ms.1439448963.prof",
                 (want){"GET", "users", 1928, 1439448963});
    pr_name_format_free(f);

    /* Only some fields: the others stay unset. */
    f = compile_ok("req-{elapsed:.0f}.prof");
    expect_match(f, "req-250.prof", (want){NULL, NULL, 250, NAN});
    pr_name_format_free(f);

    /* No fields at all: a literal name. */
    f = compile_ok("profile.prof");
    expect_match(f, "profile.prof", (want){NULL, NULL, NAN, NAN});
    expect_no_match(f, "profile2.prof");
    pr_name_format_free(f);
}

Test(reqname, custom_time_without_spec_and_empty_spec)
{
    pr_name_format *f = compile_ok("{time:}.{method}.prof");
    expect_match(f, "1700000000.25.GET.prof",
                 (want){"GET", NULL, NAN, 1700000000.25});
    expect_match(f, "1700000000.GET.prof",
                 (want){"GET", NULL, NAN, 1700000000});
    pr_name_format_free(f);
}

Test(reqname, custom_literal_braces)
{
    pr_name_format *f = compile_ok("{{{method}}}.{path}.prof");
    expect_match(f, "{GET}.root.prof", (want){"GET", "root", NAN, NAN});
    expect_no_match(f, "GET.root.prof");
    expect_no_match(f, "{{GET}}.root.prof");
    pr_name_format_free(f);

    /* "{{method}}" is the text {method}, not a field. */
    f = compile_ok("x{{method}}.{time:d}.prof");
    expect_match(f, "x{method}.1700000000.prof",
                 (want){NULL, NULL, NAN, 1700000000});
    expect_no_match(f, "xGET.1700000000.prof");
    pr_name_format_free(f);
}

Test(reqname, custom_gz_in_template_is_literal)
{
    pr_name_format *f = compile_ok("{method}.{path}.prof.gz");
    expect_match(f, "GET.a.b.prof.gz", (want){"GET", "a.b", NAN, NAN});
    /* The template asks for .gz, so it is not optional. */
    expect_no_match(f, "GET.a.b.prof");
    pr_name_format_free(f);
}

/* ---- templates that do not compile ------------------------------------ */

static void expect_bad_format(const char *fmt, uint64_t offset)
{
    static char sentinel;
    pr_name_format *f = (pr_name_format *)&sentinel; /* must become NULL */
    pr_error err;
    memset(&err, 0, sizeof err);
    pr_status st = pr_name_format_compile(fmt, &f, &err);
    cr_assert_null(f, "\"%s\": *out not NULL after failure", fmt);
    tu_assert_err(st, err, PR_ERR_USAGE, offset);
    cr_assert_neq(err.msg[0], '\0', "\"%s\": empty message", fmt);
    /* err may be NULL: the status alone still says it failed. */
    cr_assert_eq(pr_name_format_compile(fmt, &f, NULL), PR_ERR_USAGE);
    cr_assert_null(f);
}

Test(reqname, bad_format_unknown_field)
{
    expect_bad_format("{method}.{verb}.prof", 9);
    expect_bad_format("{host}.prof", 0);
    expect_bad_format("{}.prof", 0);        /* positional: werkzeug has none */
    expect_bad_format("{0}.prof", 0);
    expect_bad_format("{method!r}.prof", 0); /* conversions unsupported */
    expect_bad_format("a.{Method}", 2);     /* names are case-sensitive */
}

Test(reqname, bad_format_number_spec)
{
    expect_bad_format("{elapsed:.3e}ms.prof", 0);
    expect_bad_format("{method}.{elapsed:x}ms", 9);
    expect_bad_format("{time:.f}.prof", 0);
    expect_bad_format("{time:.}.prof", 0);
    expect_bad_format("ab{time:.3fx}.prof", 2);
    expect_bad_format("{elapsed:>8}", 0);
}

Test(reqname, bad_format_braces)
{
    expect_bad_format("{method}.{path", 9);
    expect_bad_format("{", 0);
    expect_bad_format("abc{", 3);
    expect_bad_format("a}b", 1);
    expect_bad_format("{method}}.prof", 8);
    expect_bad_format("x}", 1);
}

/* ---- names that read more than one way: the profile as witness -------- */

Test(reqname, default_reads_a_decimal_elapsed_both_ways)
{
    /* werkzeug with filename_format "...{elapsed:.3f}ms.{time:.6f}...":
     * /balance in 5.785 ms, or /balance/5 in 785 ms. */
    pr_name_format *f = compile_ok(NULL);
    pr__name_reading r[PR__NAME_MAX_READINGS];
    const char *name = "GET.balance.5.785ms.1796161715.890332.prof";
    size_t n = pr__name_parse_all(f, name, r, PR__NAME_MAX_READINGS);
    cr_assert_eq(n, 2, "%zu readings", n);
    cr_assert(tu_str_is(r[0].fields.path, "balance.5"));
    cr_assert_float_eq(r[0].fields.elapsed_ms, 785, 1e-9);
    cr_assert_float_eq(r[0].tol_ms, 0.5, 1e-12);
    cr_assert(tu_str_is(r[1].fields.path, "balance"));
    cr_assert_float_eq(r[1].fields.elapsed_ms, 5.785, 1e-9);
    cr_assert_float_eq(r[1].tol_ms, 0.0005, 1e-12);
    for (size_t i = 0; i < n; i++)
        cr_assert_float_eq(r[i].fields.time, 1796161715.890332, 1e-6);
    /* pr_name_parse keeps its answer: the first reading. */
    expect_match(f, name, (want){"GET", "balance.5", 785, 1796161715.890332});
    pr_name_format_free(f);
}

static void expect_witness(const pr_name_format *f, const char *name,
                           double profiled_ms, pr__wall_source src,
                           const char *path, double elapsed_ms)
{
    pr_name_fields nf;
    memset(&nf, 0x5a, sizeof nf);
    pr__wall_source got = pr__name_parse_witness(f, name, profiled_ms, &nf);
    cr_assert_eq(got, src, "%s at %.4f ms: source %d, want %d", name,
                 profiled_ms, (int)got, (int)src);
    if (path == NULL) {
        cr_assert(!nf.has_path && !nf.has_elapsed && !nf.has_method,
                  "%s: fields left set", name);
        return;
    }
    cr_assert(tu_str_is(nf.path, path), "%s at %.4f ms: path \"%.*s\", want %s",
              name, profiled_ms, STR_ARGS(nf.path), path);
    if (!isnan(elapsed_ms))
        cr_assert_float_eq(nf.elapsed_ms, elapsed_ms, 1e-9, "%s: elapsed %g",
                           name, nf.elapsed_ms);
}

Test(reqname, the_profile_picks_the_reading)
{
    pr_name_format *f = compile_ok(NULL);
    const char *name = "GET.balance.5.785ms.1796161715.890332.prof";
    /* The file: the profile measured 5.774 ms. */
    expect_witness(f, name, 5.774, PR__WALL_NAME, "balance", 5.785);
    /* The same name from /balance/5 served in 785 ms. */
    expect_witness(f, name, 780.2, PR__WALL_NAME, "balance.5", 785);
    /* Both agree: the closer one. */
    expect_witness(f, "GET.product.2334.87ms.1795608675.prof", 86.6,
                   PR__WALL_NAME, "product.2334", 87);
    expect_witness(f, "GET.api.v2.12.34ms.1700000000.prof", 12.2,
                   PR__WALL_NAME, "api.v2", 12.34);
    expect_witness(f, "GET.api.v2.12.34ms.1700000000.prof", 33.9,
                   PR__WALL_NAME, "api.v2.12", 34);
    /* PyPy's profile may measure far less than the wall time (2.5 ms of
     * 32): no reading is close, and the template's first one stands, as
     * werkzeug's default .0f writes it. Only a close reading overrides
     * it. */
    expect_witness(f, "GET.no.such.page.28.32ms.1796164458.prof", 2.476,
                   PR__WALL_NAME, "no.such.page.28", 32);
    expect_witness(f, "GET.no.such.page.4.21ms.1796164458.prof", 2.961,
                   PR__WALL_NAME, "no.such.page.4", 21);
    expect_witness(f, "GET.no.such.page.4.21ms.1796164458.prof", 4.1,
                   PR__WALL_NAME, "no.such.page", 4.21);
    /* None agrees: the first reading's path, and the caller times it by
     * the profile. */
    expect_witness(f, name, 800, PR__WALL_REJECTED, "balance.5", NAN);
    /* No match at all. */
    expect_witness(f, "cpython311.prof", 5, PR__WALL_UNNAMED, NULL, NAN);
    pr_name_format_free(f);
}

Test(reqname, witness_tolerance_is_the_printed_precision)
{
    pr_name_format *f = compile_ok(NULL);
    /* .0f rounds: "6ms" is anything from 5.5 ms. */
    expect_witness(f, "GET.x.6ms.1700000000.prof", 6.4, PR__WALL_NAME, "x", 6);
    expect_witness(f, "GET.x.6ms.1700000000.prof", 6.5 + 1e-3,
                   PR__WALL_REJECTED, "x", NAN);
    /* werkzeug's old "%06d" truncates: "000006ms" is up to 6.999... */
    expect_witness(f, "GET.x.000006ms.1700000000.prof", 6.9, PR__WALL_NAME,
                   "x", 6);
    expect_witness(f, "GET.x.000006ms.1700000000.prof", 7.01,
                   PR__WALL_REJECTED, "x", NAN);
    pr_name_format_free(f);
    f = compile_ok("{method}.{path}.{elapsed:.3f}ms.{time:.6f}.prof");
    const char *name = "GET.a.5.770ms.1700000000.000001.prof";
    expect_witness(f, name, 5.7704, PR__WALL_NAME, "a", 5.77);
    expect_witness(f, name, 5.7710, PR__WALL_REJECTED, "a", NAN);
    pr_name_format_free(f);
    /* A template without {elapsed} gives no wall time to check. */
    f = compile_ok("{method}.{path}.{time}.prof");
    expect_witness(f, "GET.a.b.1700000000.prof", 3, PR__WALL_NO_ELAPSED,
                   "a.b", NAN);
    pr_name_format_free(f);
}

Test(reqname, readings_are_bounded)
{
    /* {path} then {method} with no separator: one reading per split. */
    pr_name_format *f = compile_ok("{path}{method}.prof");
    pr__name_reading r[PR__NAME_MAX_READINGS];
    const char *name = "abcdefghijklmnopqrstuvwxyz.prof";
    size_t n = pr__name_parse_all(f, name, r, PR__NAME_MAX_READINGS);
    cr_assert_eq(n, PR__NAME_MAX_READINGS);
    cr_assert(tu_str_is(r[0].fields.path, "abcdefghijklmnopqrstuvwxy"));
    cr_assert(tu_str_is(r[0].fields.method, "z"));
    cr_assert_eq(pr__name_parse_all(f, name, r, 3), 3);
    cr_assert_eq(pr__name_parse_all(f, name, r, 0), 0);
    pr_name_format_free(f);
}
