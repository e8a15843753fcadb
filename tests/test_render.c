/* test_render.c - renderers and escaping.
 *
 * Golden files: the Markdown report and the CSV tables for one fixed
 * input are compared byte for byte with tests/data/golden/. After an
 * intended change to the output, regenerate them with
 *
 *     make build/san/unit && (cd tests && PROFREPORT_REGEN=1 \
 *         ../build/san/unit --filter 'render/golden_*')
 *
 * (or simply `PROFREPORT_REGEN=1 make unit`), then review the diff with
 * `git diff tests/data/golden` and commit it with the change. With
 * PROFREPORT_REGEN=1 the golden tests write the files instead of
 * comparing them, and pass.
 *
 * The fixed input: tests/data/valid/cpython311.prof and
 * mixed_callers_py311.prof (cProfile and profile.py callers in one file),
 * copied into a fresh directory with fixed modification times, plus a
 * truncated file and a missing one, so the skipped-files table is in the
 * report too. Paths are relative to that directory, so the output does not
 * depend on where the tests run.
 */
#include "testutil.h"

#include "escape.h"
#include "render.h"
#include "profile.pb-c.h"

#include <math.h>
#include <zlib.h>

#include <fcntl.h>
#include <sys/stat.h>

/* ---- helpers ------------------------------------------------------------ */

typedef struct membuf {
    char *p;
    size_t len;
    FILE *f;
} membuf;

static void mb_open(membuf *m)
{
    m->p = NULL;
    m->len = 0;
    m->f = open_memstream(&m->p, &m->len);
    cr_assert_not_null(m->f);
}

static void mb_close(membuf *m)
{
    cr_assert_eq(fclose(m->f), 0);
    m->f = NULL;
}

/* What an escaping function writes for the given bytes, malloc'd. */
static char *escaped(void (*fn)(FILE *, const char *, size_t), const char *s,
                     size_t n)
{
    membuf m;
    mb_open(&m);
    fn(m.f, s, n);
    mb_close(&m);
    return m.p;
}

static void md_is(const char *in, const char *want)
{
    char *got = escaped(esc_md, in, strlen(in));
    cr_assert_str_eq(got, want, "esc_md(\"%s\")", in);
    free(got);
}

static void csv_raw(FILE *f, const char *s, size_t n) { esc_csv(f, s, n, 0); }
static void csv_guarded(FILE *f, const char *s, size_t n) { esc_csv(f, s, n, 1); }

static void csv_is(const char *in, const char *want)
{
    char *got = escaped(csv_raw, in, strlen(in));
    cr_assert_str_eq(got, want, "esc_csv(\"%s\")", in);
    free(got);
}

static void guarded_is(const char *in, const char *want)
{
    char *got = escaped(csv_guarded, in, strlen(in));
    cr_assert_str_eq(got, want, "esc_csv guarded(\"%s\")", in);
    free(got);
}

/* Spreadsheet formulas from hostile names are shown as text. */
Test(render, esc_csv_guards_formulas)
{
    guarded_is("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"");
    guarded_is("+1", "'+1");
    guarded_is("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0");
    guarded_is("@SUM(A1)", "'@SUM(A1)");
    guarded_is("\tx", "'\tx");
    guarded_is("plain", "plain");
    guarded_is("a=b", "a=b");
    guarded_is("", "");
    csv_is("=1+1", "=1+1"); /* --csv-raw */
}

/* ---- escaping ----------------------------------------------------------- */

Test(render, esc_md_markdown_punctuation)
{
    md_is("__init__", "\\_\\_init\\_\\_");
    md_is("a|b", "a\\|b");
    md_is("*bold* and `code`", "\\*bold\\* and \\`code\\`");
    md_is("<script>alert(1)</script>", "\\<script\\>alert(1)\\</script\\>");
    md_is("[x](http://e)", "\\[x\\](http://e)");
    md_is("a\\b ~c~ &amp;", "a\\\\b \\~c\\~ \\&amp;");
    md_is("file.py:10(f)", "file.py:10(f)");
    md_is("", "");
}

Test(render, esc_md_line_breaks_and_bytes)
{
    /* a line break would end the table row */
    md_is("a\nb\r\nc\td", "a b  c d");
    /* other control characters and non-UTF-8 bytes as \xNN, with the
     * backslash itself escaped for Markdown */
    md_is("a\x01" "b", "a\\\\x01b");
    md_is("\x7f", "\\\\x7f");
    md_is("caf\xe9", "caf\\\\xe9");             /* Latin-1, not UTF-8 */
    md_is("caf\xc3\xa9", "caf\xc3\xa9");        /* UTF-8 passes */
    md_is("\xf0\x9f\x90\x8d", "\xf0\x9f\x90\x8d"); /* 4-byte UTF-8 */
    /* a surrogate escape (U+DCFF, CPython's way of holding byte 0xFF)
     * stands for that one byte */
    md_is("/tmp/\xed\xb3\xbf-bad.py", "/tmp/\\\\xff-bad.py");
    /* other surrogates and overlong forms are not UTF-8 either */
    md_is("\xed\xa0\x80", "\\\\xed\\\\xa0\\\\x80");
    md_is("\xc0\xaf", "\\\\xc0\\\\xaf");
    /* a sequence cut at the end */
    md_is("x\xe2\x82", "x\\\\xe2\\\\x82");
    /* embedded NUL */
    char *got = escaped(esc_md, "a\0b", 3);
    cr_assert_str_eq(got, "a\\\\x00b");
    free(got);
}

Test(render, esc_csv_quotes_only_when_needed)
{
    csv_is("plain", "plain");
    csv_is("<method 'get' of 'dict' objects>", "<method 'get' of 'dict' objects>");
    csv_is("a,b", "\"a,b\"");
    csv_is("say \"hi\"", "\"say \"\"hi\"\"\"");
    csv_is("line\nbreak", "\"line\nbreak\"");
    csv_is("cr\r", "\"cr\r\"");
    csv_is(" lead", "\" lead\"");
    csv_is("trail ", "\"trail \"");
    csv_is("", "");
    csv_is("caf\xc3\xa9", "caf\xc3\xa9");
}

static void label_is(const char *file, int64_t line, const char *name,
                     const char *want)
{
    pr_func_key k = {{file, strlen(file)}, line, {name, strlen(name)}};
    membuf m;
    mb_open(&m);
    pr__func_label(&k, esc_plain, m.f);
    mb_close(&m);
    cr_assert_str_eq(m.p, want);
    free(m.p);
}

Test(render, function_labels_as_pstats_prints_them)
{
    /* pstats' func_std_string */
    label_is("a.py", 3, "f", "a.py:3(f)");
    label_is("~", 0, "<built-in method builtins.len>",
             "{built-in method builtins.len}");
    label_is("~", 0, "<method 'get' of 'dict' objects>",
             "{method 'get' of 'dict' objects}");
    label_is("", 0, "len", ":0(len)"); /* profile.py built-ins */
    label_is("profile", 0, "profiler", "profile:0(profiler)");
    label_is("~", 0, "plain", "plain");
}

/* ---- a report over hand-made names -------------------------------------- */

/* {(file, 1, name): (1, 1, 0.5, 0.5, {})} with file and name as `u`. */
static unsigned char *one_function(const char *file, const char *name,
                                   size_t *len)
{
    size_t fl = strlen(file), nl = strlen(name);
    size_t n = 1 + 2 + 5 + fl + 5 + 5 + nl + 2 + 5 + 5 + 9 + 9 + 2 + 1;
    unsigned char *b = malloc(n), *p = b;
    cr_assert_not_null(b);
    *p++ = 0xfb;
    *p++ = 0x29;
    *p++ = 3;
    *p++ = 'u';
    uint32_t l32 = (uint32_t)fl;
    memcpy(p, &l32, 4); /* little-endian host */
    p += 4;
    memcpy(p, file, fl);
    p += fl;
    memcpy(p, "\xe9\x01\x00\x00\x00", 5);
    p += 5;
    *p++ = 'u';
    l32 = (uint32_t)nl;
    memcpy(p, &l32, 4);
    p += 4;
    memcpy(p, name, nl);
    p += nl;
    memcpy(p, "\x29\x05\xe9\x01\x00\x00\x00\xe9\x01\x00\x00\x00", 12);
    p += 12;
    memcpy(p, "\x67\x00\x00\x00\x00\x00\x00\xe0\x3f", 9);
    p += 9;
    memcpy(p, "\x67\x00\x00\x00\x00\x00\x00\xe0\x3f", 9);
    p += 9;
    memcpy(p, "\x7b\x30\x30", 3);
    p += 3;
    *len = (size_t)(p - b);
    cr_assert_leq(*len, n);
    return b;
}

/* Renders a report over one file holding one function. */
static char *render_one(const char *file, const char *name, pr_format fmt,
                        pr_table table)
{
    char *dir = tu_mkdtemp();
    char *path = tu_path(dir, "evil.prof");
    size_t len;
    unsigned char *b = one_function(file, name, &len);
    tu_write_file(path, b, len);
    pr_agg_options o = {.threads = 1};
    pr_agg *agg = NULL;
    cr_assert_eq(pr_agg_new(&o, &agg), PR_OK);
    const char *paths[] = {path};
    cr_assert_eq(pr_agg_add_paths(agg, paths, 1), PR_OK);
    cr_assert_eq(pr_agg_files_read(agg), 1);
    pr_report *r = NULL;
    cr_assert_eq(pr_report_build(agg, NULL, &r), PR_OK);
    membuf m;
    mb_open(&m);
    pr_error err;
    cr_assert_eq(pr_render(r, fmt, table, m.f, &err), PR_OK, "%s", err.msg);
    mb_close(&m);
    pr_report_free(r);
    pr_agg_free(agg);
    tu_rm_rf(dir);
    free(b);
    free(path);
    free(dir);
    return m.p;
}

/* The Markdown with fenced code blocks (~~~~ or ```) blanked out: inside
 * them text is literal and is rightly not backslash-escaped. */
static void drop_fences(char *md)
{
    int in = 0;
    for (char *line = md; *line;) {
        char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        int fence = strncmp(line, "~~~", 3) == 0 || strncmp(line, "```", 3) == 0;
        if (fence)
            in = !in;
        if (in || fence)
            memset(line, ' ', n);
        if (!nl)
            break;
        line = nl + 1;
    }
}

/* The Markdown with code spans blanked out: inside them text is literal,
 * and cmark shows it as text (the HTML tests check what it renders). */
static void drop_code_spans(char *md)
{
    for (char *p = md; *p;) {
        if (*p != '`') {
            p++;
            continue;
        }
        size_t n = strspn(p, "`");
        char *end = p + n;
        for (;;) {
            end = strchr(end, '`');
            if (end == NULL)
                return;
            size_t m = strspn(end, "`");
            if (m == n)
                break;
            end += m;
        }
        memset(p, ' ', (size_t)(end + n - p));
        p = end + n;
    }
}

/* Identifiers are code spans (issue 13, item 10): the raw Markdown reads
 * as the name does, and nothing in a name is markup. */
Test(render, markdown_shows_function_names_as_code)
{
    const char *name = "<script>alert('x')</script>|*__init__*";
    char *md = render_one("evil.py", name, PR_FORMAT_MD, PR_TABLE_ALL);
    cr_assert_not_null(strstr(md, "| `evil.py:1(<script>alert('x')</script>"
                                  "\\|*__init__*)` |"),
                       "code span label missing:\n%s", md);
    drop_fences(md);
    drop_code_spans(md);
    cr_assert_null(strstr(md, "<script>"), "raw <script> outside code");
    cr_assert_null(strstr(md, "__init__"), "raw __init__ outside code");
    cr_assert_null(strstr(md, "(<"), "raw < outside code");
    free(md);
    md = render_one("multi\nline.py", "f", PR_FORMAT_MD, PR_TABLE_ALL);
    /* (also inside code blocks: a newline there could close the fence) */
    cr_assert_null(strstr(md, "multi\nline"), "a newline inside a cell");
    cr_assert_not_null(strstr(md, "`multi line.py:1(f)`"));
    free(md);
}

/* A backtick in a name takes a longer fence, and a | in a table cell
 * stays in its cell: cmark-gfm renders both as the name. */
Test(render, code_spans_hold_backticks_and_pipes)
{
    char *s = escaped(esc_code, "a`b", 3);
    cr_assert_str_eq(s, "``a`b``");
    free(s);
    s = escaped(esc_code, "`x", 2);
    cr_assert_str_eq(s, "`` `x ``");
    free(s);
    s = escaped(esc_code, " x ", 3);
    cr_assert_str_eq(s, "`  x  `");
    free(s);
    s = escaped(esc_code_cell, "a|b", 3);
    cr_assert_str_eq(s, "`a\\|b`");
    free(s);
    s = escaped(esc_code, "a|b", 3);
    cr_assert_str_eq(s, "`a|b`");
    free(s);
    s = escaped(esc_code, "", 0);
    cr_assert_str_eq(s, "");
    free(s);
    s = escaped(esc_code, "caf\xff", 4);
    cr_assert_str_eq(s, "`caf\\xff`");
    free(s);
    char *html = render_one("t.py", "x``|`y", PR_FORMAT_HTML, PR_TABLE_ALL);
    cr_assert_not_null(strstr(html, "><code>t.py:1(x``|`y)</code></td>"),
                       "%s", strstr(html, "t.py:1") ? strstr(html, "t.py:1")
                                                   : html);
    free(html);
}

Test(render, csv_quotes_function_names)
{
    char *csv = render_one("a,b.py", "say \"hi\"\nthere", PR_FORMAT_CSV,
                           PR_TABLE_FUNCTIONS);
    cr_assert_not_null(strstr(csv, "\n\"a,b.py\",1,\"say \"\"hi\"\"\nthere\",1,1,"),
                       "CSV row not quoted as expected:\n%s", csv);
    free(csv);
}

/* Names with the separators of the line formats, and bytes that are not
 * UTF-8: every export stays one record per line, and the JSON ones stay
 * JSON. */
Test(render, exports_keep_hostile_names_in_their_place)
{
    const char *name = "a;b\nc \xff\"q\" 7";
    char *s = render_one("x;y.py", name, PR_FORMAT_COLLAPSED, PR_TABLE_ALL);
    cr_assert_str_eq(s, "x,y.py:1(a,b c \xff\"q\" 7) 500000\n");
    free(s);
    s = render_one("x;y.py", name, PR_FORMAT_CALLGRIND, PR_TABLE_ALL);
    cr_assert_not_null(strstr(s, "\nfl=x;y.py\nfn=a;b c \xff\"q\" 7:1\n1 500000\n"),
                       "%s", s);
    free(s);
    s = render_one("x;y.py", name, PR_FORMAT_JSON, PR_TABLE_ALL);
    /* Not UTF-8: shown as the other outputs show it (line break as a
     * space, the byte as \xff). */
    cr_assert_not_null(strstr(s, "\"name\":\"a;b c \\\\xff\\\"q\\\" 7\""), "%s", s);
    free(s);
    s = render_one("x;y.py", name, PR_FORMAT_SPEEDSCOPE, PR_TABLE_ALL);
    cr_assert_not_null(strstr(s, "\"weights\":[500000]"), "%s", s);
    free(s);
}

/* ---- format and table names, usage errors ------------------------------- */

Test(render, format_and_table_names)
{
    pr_format f;
    pr_table t;
    cr_assert_eq(pr_format_parse("md", &f), 0);
    cr_assert_eq(f, PR_FORMAT_MD);
    cr_assert_eq(pr_format_parse("markdown", &f), 0);
    cr_assert_eq(f, PR_FORMAT_MD);
    cr_assert_eq(pr_format_parse("csv", &f), 0);
    cr_assert_eq(f, PR_FORMAT_CSV);
    cr_assert_eq(pr_format_parse("CSV2", &f), -1);
    cr_assert_eq(pr_format_parse(NULL, &f), -1);
    cr_assert_eq(pr_table_parse("functions", &t), 0);
    cr_assert_eq(t, PR_TABLE_FUNCTIONS);
    cr_assert_eq(pr_table_parse("edges", &t), 0);
    cr_assert_eq(t, PR_TABLE_EDGES);
    cr_assert_eq(pr_table_parse("all", &t), 0);
    cr_assert_eq(t, PR_TABLE_ALL);
    cr_assert_eq(pr_table_parse("nope", &t), -1);
    cr_assert_eq(pr_table_parse(NULL, &t), -1);
}

Test(render, usage_errors)
{
    pr_agg *agg = NULL;
    cr_assert_eq(pr_agg_new(NULL, &agg), PR_OK);
    pr_report *r = NULL;
    cr_assert_eq(pr_report_build(agg, NULL, &r), PR_OK);
    membuf m;
    mb_open(&m);
    pr_error err;
    tu_assert_err(pr_render(r, PR_FORMAT_MD, PR_TABLE_FUNCTIONS, m.f, &err), err,
                  PR_ERR_USAGE, PR_NO_OFFSET);
    tu_assert_err(pr_render(r, PR_FORMAT_CSV, PR_TABLE_ALL, m.f, &err), err,
                  PR_ERR_USAGE, PR_NO_OFFSET);
    tu_assert_err(pr_render(NULL, PR_FORMAT_MD, PR_TABLE_ALL, m.f, &err), err,
                  PR_ERR_USAGE, PR_NO_OFFSET);
    tu_assert_err(pr_render(r, PR_FORMAT_MD, PR_TABLE_ALL, NULL, &err), err,
                  PR_ERR_USAGE, PR_NO_OFFSET);
    tu_assert_err(pr_render(r, (pr_format)99, PR_TABLE_ALL, m.f, &err), err,
                  PR_ERR_USAGE, PR_NO_OFFSET);
    mb_close(&m);
    free(m.p);
    cr_assert_eq(pr_report_build(NULL, NULL, &r), PR_ERR_USAGE);
    pr_report_free(r);
    pr_report_free(NULL);
    pr_agg_free(agg);
}

Test(render, write_failure_is_an_io_error)
{
    pr_agg *agg = NULL;
    cr_assert_eq(pr_agg_new(NULL, &agg), PR_OK);
    pr_report *r = NULL;
    cr_assert_eq(pr_report_build(agg, NULL, &r), PR_OK);
    FILE *full = fopen("/dev/full", "w");
    if (full != NULL) {
        pr_error err;
        tu_assert_err(pr_render(r, PR_FORMAT_MD, PR_TABLE_ALL, full, &err),
                      err, PR_ERR_IO, PR_NO_OFFSET);
        fclose(full);
    }
    pr_report_free(r);
    pr_agg_free(agg);
}

/* ---- golden files ------------------------------------------------------- */

typedef struct golden_case {
    const char *file; /* under tests/data/golden/ */
    pr_format fmt;
    pr_table table;
} golden_case;

static const golden_case GOLDEN[] = {
    {"report.md", PR_FORMAT_MD, PR_TABLE_ALL},
    {"functions.csv", PR_FORMAT_CSV, PR_TABLE_FUNCTIONS},
    {"edges.csv", PR_FORMAT_CSV, PR_TABLE_EDGES},
    {"report.json", PR_FORMAT_JSON, PR_TABLE_ALL},
    {"stacks.collapsed", PR_FORMAT_COLLAPSED, PR_TABLE_ALL},
    {"callgrind.out", PR_FORMAT_CALLGRIND, PR_TABLE_ALL},
    {"speedscope.json", PR_FORMAT_SPEEDSCOPE, PR_TABLE_ALL},
};

static void set_mtime(const char *path, time_t t)
{
    struct timespec ts[2] = {{t, 0}, {t, 0}};
    cr_assert_eq(utimensat(AT_FDCWD, path, ts, 0), 0, "utimensat %s", path);
}

/* Builds the golden input in a fresh directory (returned in *tmp, and
 * made the working directory) from the fixtures under `base` (the tests/
 * directory), and returns the report. */
static pr_report *golden_report(const char *base, int threads, char **tmp)
{
    char *src311 = tu_path(base, "data/valid/cpython311.prof");
    char *srcmix = tu_path(base, "data/valid/mixed_callers_py311.prof");
    *tmp = tu_mkdtemp();
    cr_assert_eq(chdir(*tmp), 0);
    tu_copy_file(src311, "cpython311.prof");
    tu_copy_file(srcmix, "mixed_callers_py311.prof");
    set_mtime("cpython311.prof", 1700000000);
    set_mtime("mixed_callers_py311.prof", 1700000060);
    size_t len;
    unsigned char *b = tu_read_file("cpython311.prof", &len);
    tu_write_file("broken.prof", b, 100); /* cut inside an entry */
    free(b);
    free(src311);
    free(srcmix);

    pr_agg_options o = {.threads = threads};
    pr_agg *agg = NULL;
    cr_assert_eq(pr_agg_new(&o, &agg), PR_OK);
    const char *paths[] = {"cpython311.prof", "mixed_callers_py311.prof",
                           "broken.prof", "missing.prof"};
    cr_assert_eq(pr_agg_add_paths(agg, paths, 4), PR_OK);
    cr_assert_eq(pr_agg_files_read(agg), 2);
    cr_assert_eq(pr_agg_files_skipped(agg), 2);
    /* The header names the inputs and a fixed time of making (what
     * SOURCE_DATE_EPOCH gives the command line), so the file is stable;
     * the report copies the inputs, so they may go first. */
    pr_report_options ro;
    memset(&ro, 0, sizeof ro);
    char **inputs = calloc(4, sizeof *inputs);
    cr_assert_not_null(inputs);
    for (size_t i = 0; i < 4; i++)
        inputs[i] = strdup(paths[i]);
    ro.inputs = (const char *const *)inputs;
    ro.ninputs = 4;
    ro.generated_at = 1796169600; /* 2026-12-02T00:00:00Z */
    pr_report *r = NULL;
    cr_assert_eq(pr_report_build(agg, &ro, &r), PR_OK);
    for (size_t i = 0; i < 4; i++)
        free(inputs[i]);
    free(inputs);
    pr_agg_free(agg);
    cr_assert_eq(chdir(base), 0);
    return r;
}

static char *render_to_string(const pr_report *r, const golden_case *g,
                              size_t *len)
{
    membuf m;
    mb_open(&m);
    pr_error err;
    cr_assert_eq(pr_render(r, g->fmt, g->table, m.f, &err), PR_OK, "%s: %s",
                 g->file, err.msg);
    mb_close(&m);
    *len = m.len;
    return m.p;
}

/* Line number (1-based) of the first difference. */
static size_t first_diff_line(const char *a, size_t an, const char *b,
                              size_t bn)
{
    size_t line = 1;
    for (size_t i = 0; i < an && i < bn; i++) {
        if (a[i] != b[i])
            return line;
        if (a[i] == '\n')
            line++;
    }
    return line;
}

static void golden(const golden_case *g)
{
    char base[4096];
    cr_assert_not_null(getcwd(base, sizeof base));
    char *golden_dir = tu_path(base, "data/golden");
    char *tmp;
    pr_report *r = golden_report(base, 1, &tmp);
    size_t len;
    char *out = render_to_string(r, g, &len);
    char *path = tu_path(golden_dir, g->file);
    const char *regen = getenv("PROFREPORT_REGEN");
    if (regen != NULL && strcmp(regen, "1") == 0) {
        tu_write_file(path, out, len);
        cr_log_warn("PROFREPORT_REGEN=1: wrote %s", path);
    } else {
        cr_assert_eq(access(path, R_OK), 0,
                     "%s missing: run with PROFREPORT_REGEN=1 (see the top "
                     "of tests/test_render.c)", path);
        size_t glen;
        char *want = (char *)tu_read_file(path, &glen);
        if (glen != len || memcmp(want, out, len) != 0) {
            /* keep what we got, for a diff against the golden file */
            const char *t = getenv("TMPDIR");
            char actual[4096];
            snprintf(actual, sizeof actual, "%s/profreport-%s.actual",
                     t && *t ? t : "/tmp", g->file);
            tu_write_file(actual, out, len);
            cr_assert_fail("%s differs from the golden file at line %zu (got "
                           "%zu bytes, want %zu); got: %s; if the change is "
                           "intended, regenerate (see the top of "
                           "tests/test_render.c)",
                           g->file, first_diff_line(want, glen, out, len), len,
                           glen, actual);
        }
        free(want);
    }
    /* the same input read with two threads renders the same bytes */
    char *tmp2;
    pr_report *r2 = golden_report(base, 2, &tmp2);
    size_t len2;
    char *out2 = render_to_string(r2, g, &len2);
    cr_assert(len2 == len && memcmp(out, out2, len) == 0,
              "%s: 1 and 2 threads render differently", g->file);
    pr_report_free(r2);
    tu_rm_rf(tmp2);
    free(tmp2);
    free(out2);
    pr_report_free(r);
    tu_rm_rf(tmp);
    free(tmp);
    free(path);
    free(out);
    free(golden_dir);
}

/* -f pprof: gzip bytes depend on zlib's version, so no golden file: the
 * profile is read back with zlib and protobuf-c instead. */
Test(render, pprof_reads_back)
{
    char base[4096];
    cr_assert_not_null(getcwd(base, sizeof base));
    char *tmp;
    pr_report *r = golden_report(base, 1, &tmp);
    membuf m;
    mb_open(&m);
    pr_error err;
    cr_assert_eq(pr_render(r, PR_FORMAT_PPROF, PR_TABLE_ALL, m.f, &err), PR_OK,
                 "%s", err.msg);
    mb_close(&m);
    cr_assert(m.len > 18 && (unsigned char)m.p[0] == 0x1f &&
              (unsigned char)m.p[1] == 0x8b, "not gzip");
    size_t cap = 1 << 20, n = 0;
    unsigned char *raw = malloc(cap);
    cr_assert_not_null(raw);
    z_stream z;
    memset(&z, 0, sizeof z);
    cr_assert_eq(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = (unsigned char *)m.p;
    z.avail_in = (uInt)m.len;
    z.next_out = raw;
    z.avail_out = (uInt)cap;
    cr_assert_eq(inflate(&z, Z_FINISH), Z_STREAM_END);
    n = cap - z.avail_out;
    inflateEnd(&z);
    Profreport__Pprof__Profile *p =
        profreport__pprof__profile__unpack(NULL, n, raw);
    cr_assert_not_null(p, "not a profile.proto");
    cr_assert_str_eq(p->string_table[0], "");
    cr_assert_eq(p->n_sample_type, 1);
    cr_assert_str_eq(p->string_table[p->sample_type[0]->unit], "microseconds");
    pr_summary sum;
    pr_report_summary(r, &sum);
    long long total = 0;
    for (size_t i = 0; i < p->n_sample; i++) {
        const Profreport__Pprof__Sample *s = p->sample[i];
        cr_assert_eq(s->n_value, 1);
        cr_assert_gt(s->value[0], 0);
        total += s->value[0];
        cr_assert_eq(s->n_label, 2);
        cr_assert_str_eq(p->string_table[s->label[0]->key], "endpoint");
        cr_assert_str_eq(p->string_table[s->label[1]->key], "method");
        for (size_t k = 0; k < s->n_location_id; k++)
            cr_assert(s->location_id[k] >= 1 &&
                      s->location_id[k] <= p->n_location);
    }
    cr_assert_eq(total, llround(sum.total_tt * 1e6));
    profreport__pprof__profile__free_unpacked(p, NULL);
    free(raw);
    free(m.p);
    pr_report_free(r);
    tu_rm_rf(tmp);
    free(tmp);
}

Test(render, golden_report_md) { golden(&GOLDEN[0]); }
Test(render, golden_functions_csv) { golden(&GOLDEN[1]); }
Test(render, golden_edges_csv) { golden(&GOLDEN[2]); }

/* ---- the terminal report (-f text) -------------------------------------- */

/* A name with an escape sequence cannot drive the terminal: it is shown
 * as \x1b, and no colour is written unless the options ask for it. */
Test(render, text_shows_control_bytes_and_no_colour)
{
    char *t = render_one("evil.py", "\x1b[31mred\x1b]0;title\x07",
                         PR_FORMAT_TEXT, PR_TABLE_ALL);
    cr_assert_null(strchr(t, '\x1b'), "an escape byte reached the text:\n%s",
                   t);
    cr_assert_null(strchr(t, '\x07'), "a BEL reached the text");
    cr_assert_not_null(strstr(t, "\\x1b[31mred"), "%s", t);
    free(t);
}

/* The seed example at 60 and 100 columns: no line wider than asked
 * (in code points), the endpoint table and the culprit on screen,
 * colour only with text_colour. */
static char *text_of(const char *dir, int width, int colour)
{
    pr_agg_options ao = {.threads = 1};
    pr_agg *agg = NULL;
    cr_assert_eq(pr_agg_new(&ao, &agg), PR_OK);
    cr_assert_eq(pr_agg_add_paths(agg, &dir, 1), PR_OK);
    pr_report_options ro;
    memset(&ro, 0, sizeof ro);
    ro.inputs = &dir;
    ro.ninputs = 1;
    ro.text_width = width;
    ro.text_colour = colour;
    pr_report *r = NULL;
    cr_assert_eq(pr_report_build(agg, &ro, &r), PR_OK);
    pr_agg_free(agg);
    membuf m;
    mb_open(&m);
    pr_error err;
    cr_assert_eq(pr_render(r, PR_FORMAT_TEXT, PR_TABLE_ALL, m.f, &err), PR_OK,
                 "%s", err.msg);
    mb_close(&m);
    pr_report_free(r);
    return m.p;
}

Test(render, text_fits_the_width)
{
    static const int widths[] = {40, 60, 100, 160};
    for (size_t k = 0; k < sizeof widths / sizeof widths[0]; k++) {
        char *t = text_of("../examples/profiles", widths[k], 0);
        size_t lines = 0;
        for (char *line = t; *line; lines++) {
            char *nl = strchr(line, '\n');
            cr_assert_not_null(nl, "the text ends with a newline");
            size_t cols = 0;
            for (char *c = line; c < nl; c++)
                cols += ((unsigned char)*c & 0xC0) != 0x80;
            cr_assert_leq(cols, (size_t)widths[k], "%zu columns at %d: %.*s",
                          cols, widths[k], (int)(nl - line), line);
            line = nl + 1;
        }
        cr_assert_leq(lines, 40, "%zu lines at %d columns", lines, widths[k]);
        cr_assert_not_null(strstr(t, "mongomock"));
        cr_assert_not_null(strstr(t, "cart_add (app.py:156)"),
                           "endpoint labels are not escaped:\n%s", t);
        cr_assert_null(strchr(t, '\\'), "a backslash in:\n%s", t);
        cr_assert_null(strchr(t, '\x1b'), "colour without text_colour");
        free(t);
    }
    char *t = text_of("../examples/profiles", 0, 1);
    cr_assert_not_null(strstr(t, "\x1b[1m"), "no colour with text_colour");
    free(t);
}

/* werkzeug's file-name paths shown as the URLs they were. */
static char *url_of(const char *dotted)
{
    membuf m;
    mb_open(&m);
    pr__url_path(dotted, esc_md, m.f);
    mb_close(&m);
    return m.p;
}

Test(render, paths_as_urls_and_files_relative_to_the_input)
{
    static const char *const cases[][2] = {
        {"root", "/"}, {"report.sales", "/report/sales"},
        {"product.147", "/product/147"}, {"", ""}, {"a_b", "/a\\_b"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *u = url_of(cases[i][0]);
        cr_assert_str_eq(u, cases[i][1], "%s", cases[i][0]);
        free(u);
    }
    const char *dir = "data/werkzeug/";
    pr_report *r = NULL;
    pr_agg_options ao = {.threads = 1};
    pr_agg *agg = NULL;
    cr_assert_eq(pr_agg_new(&ao, &agg), PR_OK);
    cr_assert_eq(pr_agg_add_paths(agg, &dir, 1), PR_OK);
    pr_report_options ro;
    memset(&ro, 0, sizeof ro);
    ro.inputs = &dir;
    ro.ninputs = 1;
    cr_assert_eq(pr_report_build(agg, &ro, &r), PR_OK);
    pr_agg_free(agg);
    cr_assert_str_eq(pr__rel_file(r, "data/werkzeug/GET.root.5ms.1.prof"),
                     "GET.root.5ms.1.prof");
    cr_assert_str_eq(pr__rel_file(r, "data/werkzeug2/x.prof"),
                     "data/werkzeug2/x.prof");
    const pr_request_row *q;
    cr_assert_gt(pr_report_requests(r, &q, NULL), 1);
    cr_assert_null(strchr(pr__rel_file(r, q[0].file), '/'), "%s",
                   q[0].file);
    cr_assert_str_eq(pr__rel_file(r, "other/x.prof"), "other/x.prof");
    pr_report_free(r);
}
Test(render, golden_report_json) { golden(&GOLDEN[3]); }
Test(render, golden_stacks_collapsed) { golden(&GOLDEN[4]); }
Test(render, golden_callgrind) { golden(&GOLDEN[5]); }
Test(render, golden_speedscope) { golden(&GOLDEN[6]); }
