/* test_pypath.c - where a Python file lives (lib/pypath.c) and the
 * function-key questions (lib/funckey.c), each answered in one place. */
#include "testutil.h"
#include "funckey.h"
#include "pypath.h"

static const char *after(const char *(*fn)(const char *, size_t),
                         const char *f)
{
    const char *p = fn(f, strlen(f));
    return p != NULL ? p : "(none)";
}

Test(pypath, packages_innermost_wins)
{
    cr_assert_str_eq(after(pr__packages_dir, "/venv/lib/python3.11/"
                                             "site-packages/flask/app.py"),
                     "flask/app.py");
    cr_assert_str_eq(after(pr__packages_dir, "/usr/lib/python3/"
                                             "dist-packages/pymongo/x.py"),
                     "pymongo/x.py");
    /* A dist-packages directory inside a site-packages one: the inner
     * one names the package (report.c once took the last marker kind). */
    cr_assert_str_eq(after(pr__packages_dir, "/a/dist-packages/b/"
                                             "site-packages/c/d.py"),
                     "c/d.py");
    cr_assert_str_eq(after(pr__packages_dir, "/srv/app/views.py"), "(none)");
}

Test(pypath, stdlib)
{
    cr_assert_str_eq(after(pr__stdlib_dir, "/usr/lib/python3.11/json/"
                                           "decoder.py"),
                     "json/decoder.py");
    cr_assert_str_eq(after(pr__stdlib_dir, "/usr/lib/pypy3/lib-python/3/"
                                           "json/decoder.py"),
                     "json/decoder.py");
    cr_assert_str_eq(after(pr__stdlib_dir, "/srv/lib/pythonic/x.py"),
                     "(none)");
}

static pr_func_key key(const char *file, int64_t line, const char *name)
{
    pr_func_key k = {{file, strlen(file)}, line, {name, strlen(name)}};
    return k;
}

static void put_raw(FILE *f, const char *p, size_t n) { fwrite(p, 1, n, f); }

static char *label(pr_func_key k)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    pr__func_label(&k, put_raw, f);
    fclose(f);
    return buf;
}

Test(funckey, builtins_and_labels)
{
    pr_func_key cprof = key("~", 0, "<built-in method time.sleep>");
    pr_func_key prof = key("", 0, "sleep");
    pr_func_key py = key("app.py", 12, "index");
    cr_assert(pr__is_builtin(&cprof));
    cr_assert(pr__is_builtin(&prof), "profile.py's built-ins too");
    cr_assert(!pr__is_builtin(&py));
    pr_func_key tilde_line = key("~", 3, "x");
    cr_assert(!pr__is_builtin(&tilde_line));
    /* Labels as pstats writes them: braces for cProfile's form only. */
    char *l = label(cprof);
    cr_assert_str_eq(l, "{built-in method time.sleep}");
    free(l);
    l = label(prof);
    cr_assert_str_eq(l, ":0(sleep)");
    free(l);
    l = label(py);
    cr_assert_str_eq(l, "app.py:12(index)");
    free(l);
    pr_func_key same = key("app.py", 12, "index");
    pr_func_key other = key("app.py", 13, "index");
    cr_assert(pr__key_eq(&py, &same));
    cr_assert(!pr__key_eq(&py, &other));
    cr_assert(pr__key_eq(&prof, &prof), "empty file compares");
}
