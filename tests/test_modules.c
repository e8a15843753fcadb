/* test_modules.c - where the time goes, by module (lib/modules.c).
 *
 * Two halves:
 *  - classification (mod_classify, mod_app_root) of file names as real
 *    interpreters write them: Debian's python3 packages, pyenv, a
 *    virtualenv, PyPy in its old and new layouts, frozen modules, C
 *    built-ins, the application's own files, --module-map;
 *  - attribution (pr_report_attribution) on profiles of the package tree
 *    in gen/modfix/, whose functions sleep known times, written by
 *    gen/make_module_fixtures.py into data/modules/. The time per module
 *    is known by design (checked within 5 %, as the issue asks); where
 *    pstats gives a figure exactly (built-in time split by caller edge,
 *    inclusive time of a module entered once), the generator wrote it to
 *    data/modules/EXPECTED.tsv and it must match to rounding.
 *
 * Regenerate the fixtures (all together, with EXPECTED.tsv) with
 *     /usr/bin/python3 tests/gen/make_module_fixtures.py
 */
#include "testutil.h"

#include "modules.h"

#include <math.h>

#define MOD_DIR "data/modules/"
#define WZ_DIR "data/werkzeug"

/* ---- classification helpers ------------------------------------------ */

typedef struct cl_case {
    const char *file;
    int64_t line;
    const char *name;
    const char *want;
    pr_module_kind kind;
} cl_case;

static const char *kind_name(pr_module_kind k)
{
    return pr_module_kind_name(k);
}

/* Classifies (file, line, name) with depth, app root and module map. */
static pr_module_kind classify(const char *file, int64_t line,
                               const char *name, const char *root, int depth,
                               const char *const *map, size_t nmap, char *buf,
                               size_t cap)
{
    pr_report_options o;
    memset(&o, 0, sizeof o);
    o.module_depth = depth;
    o.module_map = map;
    o.nmodule_map = nmap;
    mod_config c = {&o, root};
    pr_func_key k = {{file, strlen(file)}, line, {name, strlen(name)}};
    return mod_classify(&c, &k, buf, cap);
}

static void check_cases(const cl_case *cs, size_t n, const char *root,
                        int depth)
{
    for (size_t i = 0; i < n; i++) {
        char buf[512];
        pr_module_kind k = classify(cs[i].file, cs[i].line, cs[i].name, root,
                                    depth, NULL, 0, buf, sizeof buf);
        cr_expect_str_eq(buf, cs[i].want, "%s (%s) depth %d: module \"%s\", "
                                          "expected \"%s\"",
                         cs[i].file, cs[i].name, depth, buf, cs[i].want);
        cr_expect_eq(k, cs[i].kind, "%s (%s) depth %d: kind %s, expected %s",
                     cs[i].file, cs[i].name, depth, kind_name(k),
                     kind_name(cs[i].kind));
    }
}

#define NCASES(a) (sizeof(a) / sizeof((a)[0]))

/* ---- classification: interpreters' own layouts ------------------------- */

/* Paths from data/werkzeug/ (Debian 12: python3-flask & co. and 3.11). */
Test(classify, debian_dist_packages)
{
    static const cl_case d1[] = {
        {"/usr/lib/python3/dist-packages/flask/app.py", 1478, "wsgi_app",
         "flask", PR_MOD_LIBRARY},
        {"/usr/lib/python3/dist-packages/werkzeug/middleware/profiler.py", 112,
         "runapp", "werkzeug", PR_MOD_LIBRARY},
        {"/usr/lib/python3/dist-packages/sqlalchemy/dialects/sqlite/base.py",
         1, "f", "sqlalchemy", PR_MOD_LIBRARY},
        {"/usr/lib/python3/dist-packages/markupsafe/__init__.py", 1, "escape",
         "markupsafe", PR_MOD_LIBRARY},
        {"/usr/lib/python3/dist-packages/_distutils_hack/__init__.py", 1, "f",
         "_distutils_hack", PR_MOD_LIBRARY},
        /* pip install on Debian: /usr/local/lib/python3.X/dist-packages */
        {"/usr/local/lib/python3.11/dist-packages/requests/api.py", 59, "get",
         "requests", PR_MOD_LIBRARY},
    };
    check_cases(d1, NCASES(d1), "", 0);
    static const cl_case d2[] = {
        {"/usr/lib/python3/dist-packages/flask/app.py", 1478, "wsgi_app",
         "flask.app", PR_MOD_LIBRARY},
        {"/usr/lib/python3/dist-packages/werkzeug/middleware/profiler.py", 112,
         "runapp", "werkzeug.middleware", PR_MOD_LIBRARY},
        {"/usr/lib/python3/dist-packages/sqlalchemy/dialects/sqlite/base.py",
         1, "f", "sqlalchemy.dialects", PR_MOD_LIBRARY},
    };
    check_cases(d2, NCASES(d2), "", 2);
}

Test(classify, debian_stdlib)
{
    static const cl_case d1[] = {
        {"/usr/lib/python3.11/json/encoder.py", 205, "iterencode", "json",
         PR_MOD_STDLIB},
        {"/usr/lib/python3.11/functools.py", 981, "__get__", "functools",
         PR_MOD_STDLIB},
        {"/usr/lib/python3.11/collections/__init__.py", 1, "f", "collections",
         PR_MOD_STDLIB},
        {"/usr/lib/python3.11/email/_parseaddr.py", 1, "f", "email",
         PR_MOD_STDLIB},
        /* Fedora and RHEL: lib64 */
        {"/usr/lib64/python3.11/json/encoder.py", 205, "iterencode", "json",
         PR_MOD_STDLIB},
        /* Python 2.7, as in data/valid/cpython27.prof's interpreter */
        {"/usr/lib/python2.7/json/encoder.py", 1, "f", "json", PR_MOD_STDLIB},
    };
    check_cases(d1, NCASES(d1), "", 0);
    static const cl_case d2[] = {
        {"/usr/lib/python3.11/json/encoder.py", 205, "iterencode",
         "json.encoder", PR_MOD_STDLIB},
        {"/usr/lib/python3.11/re/_parser.py", 1, "f", "re._parser",
         PR_MOD_STDLIB},
        /* a single-file stdlib module has nothing below it */
        {"/usr/lib/python3.11/functools.py", 981, "__get__", "functools",
         PR_MOD_STDLIB},
    };
    check_cases(d2, NCASES(d2), "", 2);
}

Test(classify, pyenv)
{
    static const cl_case d1[] = {
        {"/root/.pyenv/versions/3.12.1/lib/python3.12/site-packages/x/y.py", 3,
         "f", "x", PR_MOD_LIBRARY},
        {"/root/.pyenv/versions/3.12.1/lib/python3.12/asyncio/events.py", 80,
         "_run", "asyncio", PR_MOD_STDLIB},
        /* from data/valid/dash_m_cprofile_py311.prof */
        {"/root/.pyenv/versions/3.11.7/lib/python3.11/functools.py", 1, "f",
         "functools", PR_MOD_STDLIB},
        {"/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/"
         "_distutils_hack/__init__.py",
         1, "f", "_distutils_hack", PR_MOD_LIBRARY},
        {"/root/.pyenv/versions/2.7.18/lib/python2.7/json/decoder.py", 1, "f",
         "json", PR_MOD_STDLIB},
    };
    check_cases(d1, NCASES(d1), "", 0);
    static const cl_case d2[] = {
        {"/root/.pyenv/versions/3.12.1/lib/python3.12/site-packages/x/y.py", 3,
         "f", "x.y", PR_MOD_LIBRARY},
        {"/root/.pyenv/versions/3.12.1/lib/python3.12/asyncio/events.py", 80,
         "_run", "asyncio.events", PR_MOD_STDLIB},
    };
    check_cases(d2, NCASES(d2), "", 2);
}

Test(classify, virtualenv)
{
    static const cl_case d1[] = {
        {"/home/u/venv/lib/python3.11/site-packages/requests/api.py", 59,
         "get", "requests", PR_MOD_LIBRARY},
        {"/home/u/venv/lib64/python3.11/site-packages/requests/sessions.py", 1,
         "f", "requests", PR_MOD_LIBRARY},
        /* the venv's app next to it is not the standard library */
        {"/home/u/venv/lib/python/helpers.py", 1, "f", "helpers",
         PR_MOD_APP},
    };
    check_cases(d1, NCASES(d1), "", 0);
}

/* PyPy 3.8 and later use CPython's layout: Debian 12's pypy3 puts its
 * standard library in /usr/lib/pypy3.9 (dpkg -L pypy3-lib) and its
 * packages in /usr/local/lib/pypy3.9/dist-packages; portable builds have
 * <base>/lib/pypy3.9. */
Test(classify, pypy_new_layout)
{
    static const cl_case d1[] = {
        {"/usr/lib/pypy3.9/functools.py", 1, "f", "functools", PR_MOD_STDLIB},
        {"/usr/lib/pypy3.9/json/decoder.py", 1, "f", "json", PR_MOD_STDLIB},
        {"/opt/pypy3.9-v7.3.11-linux64/lib/pypy3.9/json/decoder.py", 1, "f",
         "json", PR_MOD_STDLIB},
        {"/usr/local/lib/pypy3.9/dist-packages/requests/api.py", 1, "f",
         "requests", PR_MOD_LIBRARY},
        {"/usr/lib/pypy3/dist-packages/six.py", 1, "f", "six",
         PR_MOD_LIBRARY},
    };
    check_cases(d1, NCASES(d1), "", 0);
}

/* PyPy 3.7 and earlier: <base>/lib-python/3/ holds CPython's library and
 * <base>/lib_pypy/ PyPy's own pure-Python modules (Fedora's
 * /usr/lib64/pypy3.7, Debian 10/11's /usr/lib/pypy3, portable builds). */
Test(classify, pypy_old_layout)
{
    static const cl_case d1[] = {
        {"/usr/lib64/pypy3.7/lib-python/3/json/decoder.py", 1, "f", "json",
         PR_MOD_STDLIB},
        {"/opt/pypy3.7-v7.3.3-linux64/lib-python/3/functools.py", 1, "f",
         "functools", PR_MOD_STDLIB},
        {"/usr/lib64/pypy3.7/site-packages/requests/api.py", 1, "f",
         "requests", PR_MOD_LIBRARY},
    };
    check_cases(d1, NCASES(d1), "", 0);
}

/* BUG: under /usr/lib/pypy3/ the "/lib/pypy" mark matches first ("/lib/
 * pypy" + "3" + "/"), so lib-python/3/json/decoder.py is module
 * "lib-python" instead of json. */
Test(classify, pypy_old_layout_debian)
{
    static const cl_case d1[] = {
        {"/usr/lib/pypy3/lib-python/3/json/decoder.py", 1, "f", "json",
         PR_MOD_STDLIB},
        {"/usr/lib/pypy3/lib-python/3/functools.py", 1, "f", "functools",
         PR_MOD_STDLIB},
    };
    check_cases(d1, NCASES(d1), "", 0);
}

/* BUG: PyPy's directory is lib_pypy (underscore); stdlib_dir() looks for
 * "/lib-pypy/", so these are taken for application files. */
Test(classify, pypy_lib_pypy)
{
    static const cl_case d1[] = {
        {"/opt/pypy3.7-v7.3.3-linux64/lib_pypy/_functools.py", 1, "f",
         "_functools", PR_MOD_STDLIB},
        {"/usr/lib64/pypy3.7/lib_pypy/_structseq.py", 1, "f", "_structseq",
         PR_MOD_STDLIB},
    };
    check_cases(d1, NCASES(d1), "/srv/app/", 0);
}

Test(classify, frozen)
{
    static const cl_case d1[] = {
        {"<frozen importlib._bootstrap>", 1165, "_find_and_load", "importlib",
         PR_MOD_STDLIB},
        {"<frozen importlib._bootstrap_external>", 1, "f", "importlib",
         PR_MOD_STDLIB},
        {"<frozen os>", 674, "__getitem__", "os", PR_MOD_STDLIB},
        {"<frozen zipimport>", 1, "f", "zipimport", PR_MOD_STDLIB},
        {"<frozen _collections_abc>", 1, "f", "_collections_abc",
         PR_MOD_STDLIB},
    };
    check_cases(d1, NCASES(d1), "", 0);
    static const cl_case d2[] = {
        {"<frozen importlib._bootstrap>", 1165, "_find_and_load",
         "importlib._bootstrap", PR_MOD_STDLIB},
        {"<frozen importlib._bootstrap_external>", 1, "f",
         "importlib._bootstrap_external", PR_MOD_STDLIB},
        {"<frozen os>", 674, "__getitem__", "os", PR_MOD_STDLIB},
    };
    check_cases(d2, NCASES(d2), "", 2);
}

/* cProfile's built-ins ('~', 0, label) by the owner in the label;
 * profile.py's ('', 0, name) and its synthetic ('profile', 0, ...). */
Test(classify, builtins)
{
    static const cl_case d1[] = {
        {"~", 0, "<built-in method time.sleep>", "time", PR_MOD_BUILTIN},
        {"~", 0, "<built-in method builtins.len>", "builtins",
         PR_MOD_BUILTIN},
        {"~", 0, "<built-in method posix.stat>", "posix", PR_MOD_BUILTIN},
        {"~", 0, "<method 'append' of 'list' objects>", "builtins",
         PR_MOD_BUILTIN},
        {"~", 0, "<method 'get' of 'dict' objects>", "builtins",
         PR_MOD_BUILTIN},
        /* Python <= 3.6 and PyPy */
        {"~", 0, "<built-in function len>", "builtins", PR_MOD_BUILTIN},
        {"~", 0, "<built-in method __new__ of type object at 0x7f00>",
         "builtins", PR_MOD_BUILTIN},
        /* profile.py (data/valid/profile_py311.prof) */
        {"", 0, "len", "builtins", PR_MOD_BUILTIN},
        {"profile", 0, "profiler", "(profiler)", PR_MOD_BUILTIN},
        {"profile", 0, "<function main at 0x7f3770676520>", "(profiler)",
         PR_MOD_BUILTIN},
    };
    check_cases(d1, NCASES(d1), "/srv/app/", 0);
    /* depth does not split built-ins */
    check_cases(d1, NCASES(d1), "/srv/app/", 3);
}

/* The application's files are named relative to the app root. */
Test(classify, app_files)
{
    static const cl_case d1[] = {
        {"/srv/shop/views.py", 10, "index", "views", PR_MOD_APP},
        {"/srv/shop/shop/models/user.py", 10, "load", "shop", PR_MOD_APP},
        {"/srv/shop/pkg/__init__.py", 1, "f", "pkg", PR_MOD_APP},
        {"/srv/shop/templates/index.html", 1, "root", "templates",
         PR_MOD_APP},
        /* generated code: the standard library's works for its callers;
         * other pseudo-files keep their name (the attribution gives one
         * named after a library in the profile to that library) */
        {"<string>", 1, "<module>", "<string>", PR_MOD_STDLIB},
        {"<werkzeug routing>", 1, "<builder:'/p/<pid>'>",
         "<werkzeug routing>", PR_MOD_APP},
        /* compiled templates are the app's */
        {"<template>", 1, "root", "templates", PR_MOD_APP},
        /* PyPy's frozen and built-in modules */
        {"<builtin>/frozen importlib._bootstrap_external", 1, "f",
         "importlib", PR_MOD_STDLIB},
        {"<builtin>/frozen _structseq", 1, "f", "_structseq", PR_MOD_STDLIB},
    };
    check_cases(d1, NCASES(d1), "/srv/shop/", 1);
    static const cl_case d2[] = {
        {"/srv/shop/views.py", 10, "index", "views", PR_MOD_APP},
        {"/srv/shop/shop/models/user.py", 10, "load", "shop.models",
         PR_MOD_APP},
        {"/srv/shop/shop/models/__init__.py", 1, "f", "shop.models",
         PR_MOD_APP},
        {"/srv/shop/pkg/__init__.py", 1, "f", "pkg", PR_MOD_APP},
        {"/srv/shop/templates/index.html", 1, "root", "templates.index",
         PR_MOD_APP},
    };
    check_cases(d2, NCASES(d2), "/srv/shop/", 2);
    /* No root known: a file is named by itself. */
    static const cl_case none[] = {
        {"/srv/x/y.py", 1, "f", "y", PR_MOD_APP},
    };
    check_cases(none, NCASES(none), "", 1);
}

/* Single-file modules straight in site-packages (six.py) and __init__.py
 * at depth 2 name the package, never "six.six" or "pkg.__init__". */
Test(classify, single_files_and_init)
{
    static const cl_case d2[] = {
        {"/usr/lib/python3/dist-packages/six.py", 1, "f", "six",
         PR_MOD_LIBRARY},
        {"/home/u/venv/lib/python3.11/site-packages/typing_extensions.py", 1,
         "f", "typing_extensions", PR_MOD_LIBRARY},
        {"/usr/lib/python3/dist-packages/flask/__init__.py", 1, "f", "flask",
         PR_MOD_LIBRARY},
        {"/usr/lib/python3/dist-packages/flask/json/__init__.py", 1, "f",
         "flask.json", PR_MOD_LIBRARY},
        {"/usr/lib/python3/dist-packages/flask/json/provider.py", 1, "f",
         "flask.json", PR_MOD_LIBRARY},
        {"/usr/lib/python3.11/collections/__init__.py", 1, "f", "collections",
         PR_MOD_STDLIB},
        {"/usr/lib/python3.11/encodings/__init__.py", 1, "f", "encodings",
         PR_MOD_STDLIB},
    };
    check_cases(d2, NCASES(d2), "", 2);
    static const cl_case d1[] = {
        {"/usr/lib/python3/dist-packages/six.py", 1, "f", "six",
         PR_MOD_LIBRARY},
        {"/usr/lib/python3/dist-packages/flask/json/__init__.py", 1, "f",
         "flask", PR_MOD_LIBRARY},
    };
    check_cases(d1, NCASES(d1), "", 1);
    static const cl_case d3[] = {
        {"/usr/lib/python3/dist-packages/flask/json/__init__.py", 1, "f",
         "flask.json", PR_MOD_LIBRARY},
        {"/usr/lib/python3/dist-packages/flask/json/provider.py", 1, "f",
         "flask.json.provider", PR_MOD_LIBRARY},
    };
    check_cases(d3, NCASES(d3), "", 3);
}

/* --module-map: first matching pattern wins, on the whole file name; the
 * kind still says where the file lives. */
Test(classify, module_map)
{
    static const char *const map[] = {
        "*/flask_session/*=sessions",
        "/srv/shop/legacy/*=legacy",
        "no equals sign is ignored",
        "*/dist-packages/*=everything-else",
    };
    char buf[512];
    pr_module_kind k;
    k = classify("/usr/lib/python3/dist-packages/flask_session/sessions.py",
                 392, "open_session", "/srv/shop/", 1, map, 4, buf,
                 sizeof buf);
    cr_expect_str_eq(buf, "sessions");
    cr_expect_eq(k, PR_MOD_LIBRARY, "kind %s", kind_name(k));
    k = classify("/srv/shop/legacy/old/views.py", 1, "f", "/srv/shop/", 1,
                 map, 4, buf, sizeof buf);
    cr_expect_str_eq(buf, "legacy");
    cr_expect_eq(k, PR_MOD_APP, "kind %s", kind_name(k));
    k = classify("/usr/lib/python3/dist-packages/flask/app.py", 1, "f",
                 "/srv/shop/", 1, map, 4, buf, sizeof buf);
    cr_expect_str_eq(buf, "everything-else");
    cr_expect_eq(k, PR_MOD_LIBRARY, "kind %s", kind_name(k));
    /* no pattern matches: the usual rules */
    k = classify("/srv/shop/views.py", 1, "f", "/srv/shop/", 1, map, 4, buf,
                 sizeof buf);
    cr_expect_str_eq(buf, "views");
    cr_expect_eq(k, PR_MOD_APP, "kind %s", kind_name(k));
    k = classify("/usr/lib/python3.11/json/encoder.py", 1, "f", "/srv/shop/",
                 1, map, 4, buf, sizeof buf);
    cr_expect_str_eq(buf, "json");
    cr_expect_eq(k, PR_MOD_STDLIB, "kind %s", kind_name(k));
    /* the map is applied before any other rule, the depth after it never */
    k = classify("/usr/lib/python3/dist-packages/flask_session/sessions.py",
                 392, "open_session", "/srv/shop/", 3, map, 4, buf,
                 sizeof buf);
    cr_expect_str_eq(buf, "sessions");
}

/* A name longer than the buffer is cut, NUL-terminated, never overrun. */
Test(classify, small_buffer)
{
    char buf[8];
    memset(buf, 'x', sizeof buf);
    classify("/usr/lib/python3/dist-packages/sqlalchemy/orm/query.py", 1, "f",
             "", 2, NULL, 0, buf, sizeof buf);
    cr_assert_eq(buf[sizeof buf - 1], '\0');
    cr_expect_str_eq(buf, "sqlalch");
}

/* ---- classification of every key in the committed profiles ------------- */

/* The function keys of every file in dir (interned by value, no repeats). */
static pr_func_key *keys_of_dir(const char *dir, size_t *n,
                                pr_profile ***profs, size_t *nprofs)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "opendir %s", dir);
    size_t cap = 1024, np = 0, capp = 64;
    pr_func_key *keys = malloc(cap * sizeof *keys);
    pr_profile **ps = malloc(capp * sizeof *ps);
    cr_assert(keys && ps);
    *n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        if (len < 5 || strcmp(de->d_name + len - 5, ".prof") != 0)
            continue;
        char *path = tu_path(dir, de->d_name);
        pr_profile *p = NULL;
        pr_error err;
        cr_assert_eq(pr_profile_load(path, &p, &err), PR_OK, "%s: %s", path,
                     err.msg);
        free(path);
        if (np == capp) {
            capp *= 2;
            ps = realloc(ps, capp * sizeof *ps);
            cr_assert_not_null(ps);
        }
        ps[np++] = p;
        for (size_t i = 0; i < pr_profile_count(p); i++) {
            if (*n == cap) {
                cap *= 2;
                keys = realloc(keys, cap * sizeof *keys);
                cr_assert_not_null(keys);
            }
            keys[(*n)++] = pr_profile_entry(p, i)->key;
        }
    }
    closedir(d);
    *profs = ps;
    *nprofs = np;
    return keys;
}

static int str_starts(pr_str s, const char *p)
{
    size_t n = strlen(p);
    return s.len >= n && memcmp(s.ptr, p, n) == 0;
}

static int str_has(pr_str s, const char *p)
{
    size_t n = strlen(p);
    for (size_t i = 0; i + n <= s.len; i++)
        if (memcmp(s.ptr + i, p, n) == 0)
            return 1;
    return 0;
}

static int str_ends(pr_str s, const char *p)
{
    size_t n = strlen(p);
    return s.len >= n && memcmp(s.ptr + s.len - n, p, n) == 0;
}

/* Every key of the werkzeug profiles (Debian 12's Flask stack) lands
 * where its path says, by an oracle written from the path shapes alone. */
Test(classify, every_werkzeug_key)
{
    size_t n, np;
    pr_profile **ps;
    pr_func_key *keys = keys_of_dir(WZ_DIR, &n, &ps, &np);
    cr_assert_gt(n, 1000);
    char root[1024];
    mod_app_root(keys, n, root, sizeof root);
    /* The app is tests/gen/flask_app.py and its templates/ directory. */
    cr_assert(strlen(root) > 10 && strcmp(root + strlen(root) - 10,
                                          "tests/gen/") == 0,
              "app root \"%s\"", root);
    pr_report_options o;
    memset(&o, 0, sizeof o);
    mod_config c = {&o, root};
    size_t seen[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        const pr_func_key *k = &keys[i];
        char buf[512], want[512];
        pr_module_kind kind = mod_classify(&c, k, buf, sizeof buf);
        pr_module_kind wkind;
        const char *dp = "/usr/lib/python3/dist-packages/";
        const char *sl = "/usr/lib/python3.11/";
        if (tu_str_is(k->file, "~")) {
            /* "<built-in method time.sleep>" -> time; "<method 'get' of
             * 'dict' objects>", "<built-in method builtins.len>" and the
             * like -> builtins */
            wkind = PR_MOD_BUILTIN;
            snprintf(want, sizeof want, "builtins");
            const char *bm = "<built-in method ";
            if (str_starts(k->name, bm)) {
                const char *s = k->name.ptr + strlen(bm);
                size_t rest = k->name.len - strlen(bm), m = 0;
                while (m < rest && s[m] != '.' && s[m] != ' ' && s[m] != '>')
                    m++;
                if (m < rest && s[m] == '.')
                    snprintf(want, sizeof want, "%.*s", (int)m, s);
            }
        } else if (str_starts(k->file, dp) || str_starts(k->file, sl)) {
            wkind = str_starts(k->file, dp) ? PR_MOD_LIBRARY : PR_MOD_STDLIB;
            size_t off = strlen(str_starts(k->file, dp) ? dp : sl);
            const char *s = k->file.ptr + off;
            size_t m = 0;
            while (off + m < k->file.len && s[m] != '/' && s[m] != '.')
                m++;
            snprintf(want, sizeof want, "%.*s", (int)m, s);
        } else if (str_starts(k->file, "<frozen ")) {
            wkind = PR_MOD_STDLIB;
            const char *s = k->file.ptr + 8;
            size_t m = 0;
            while (8 + m < k->file.len && s[m] != '.' && s[m] != '>')
                m++;
            snprintf(want, sizeof want, "%.*s", (int)m, s);
        } else if (tu_str_is(k->file, "<string>")) {
            wkind = PR_MOD_STDLIB;
            snprintf(want, sizeof want, "<string>");
        } else if (k->file.len > 0 && k->file.ptr[0] == '<') {
            wkind = PR_MOD_APP;
            snprintf(want, sizeof want, "%.*s", (int)k->file.len,
                     k->file.ptr);
        } else if (str_ends(k->file, "tests/gen/flask_app.py")) {
            wkind = PR_MOD_APP;
            snprintf(want, sizeof want, "flask_app");
        } else if (str_starts(k->file, root) &&
                   str_has(k->file, "/templates/")) {
            wkind = PR_MOD_APP;
            snprintf(want, sizeof want, "templates");
        } else {
            cr_assert_fail("unexpected file %.*s", (int)k->file.len,
                           k->file.ptr);
        }
        cr_expect_str_eq(buf, want, "%.*s: \"%s\", expected \"%s\"",
                         (int)k->file.len, k->file.ptr, buf, want);
        cr_expect_eq(kind, wkind, "%.*s: %s, expected %s", (int)k->file.len,
                     k->file.ptr, kind_name(kind), kind_name(wkind));
        seen[kind]++;
    }
    for (int i = 0; i < 4; i++)
        cr_expect_gt(seen[i], 0, "no %s keys", kind_name((pr_module_kind)i));
    free(keys);
    for (size_t i = 0; i < np; i++)
        pr_profile_free(ps[i]);
    free(ps);
}

/* python -m cProfile under pyenv (data/valid/dash_m_cprofile_py311.prof):
 * the script is recorded as typed, relative; frozen importlib, pyenv's
 * stdlib and its site-packages around it. */
Test(classify, pyenv_fixture)
{
    pr_profile *p = NULL;
    pr_error err;
    cr_assert_eq(pr_profile_load(TU_VALID "dash_m_cprofile_py311.prof", &p,
                                 &err),
                 PR_OK, "%s", err.msg);
    size_t n = pr_profile_count(p);
    pr_func_key *keys = malloc(n * sizeof *keys);
    cr_assert_not_null(keys);
    for (size_t i = 0; i < n; i++)
        keys[i] = pr_profile_entry(p, i)->key;
    char root[1024];
    mod_app_root(keys, n, root, sizeof root);
    cr_expect_str_eq(root, "tests/gen/");
    pr_report_options o;
    memset(&o, 0, sizeof o);
    mod_config c = {&o, root};
    int found[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        char buf[512];
        pr_module_kind kind = mod_classify(&c, &keys[i], buf, sizeof buf);
        if (tu_str_is(keys[i].file, "tests/gen/workload.py")) {
            cr_expect_str_eq(buf, "workload");
            cr_expect_eq(kind, PR_MOD_APP);
            found[0] = 1;
        } else if (str_ends(keys[i].file, "/lib/python3.11/functools.py")) {
            cr_expect_str_eq(buf, "functools");
            cr_expect_eq(kind, PR_MOD_STDLIB);
            found[1] = 1;
        } else if (str_ends(keys[i].file,
                            "site-packages/_distutils_hack/__init__.py")) {
            cr_expect_str_eq(buf, "_distutils_hack");
            cr_expect_eq(kind, PR_MOD_LIBRARY);
            found[2] = 1;
        } else if (tu_str_is(keys[i].file, "<frozen importlib._bootstrap>")) {
            cr_expect_str_eq(buf, "importlib");
            cr_expect_eq(kind, PR_MOD_STDLIB);
            found[3] = 1;
        }
    }
    for (int i = 0; i < 4; i++)
        cr_expect(found[i], "path shape %d not in the fixture", i);
    free(keys);
    pr_profile_free(p);
}

Test(classify, app_root)
{
    char root[64];
    pr_func_key k[] = {
        {{"/srv/shop/views.py", 18}, 1, {"f", 1}},
        {{"~", 1}, 0, {"<built-in method time.sleep>", 28}},
        {{"/usr/lib/python3/dist-packages/flask/app.py", 44}, 1, {"f", 1}},
        {{"/usr/lib/python3.11/json/encoder.py", 35}, 1, {"f", 1}},
        {{"<frozen os>", 11}, 1, {"f", 1}},
        {{"<string>", 8}, 1, {"f", 1}},
        {{"/srv/shop/shop/models/user.py", 29}, 1, {"f", 1}},
        {{"/srv/shopfront/x.py", 19}, 1, {"f", 1}},
    };
    mod_app_root(k, 7, root, sizeof root);
    cr_expect_str_eq(root, "/srv/shop/");
    /* a sibling directory sharing a prefix is not inside /srv/shop/ */
    mod_app_root(k, 8, root, sizeof root);
    cr_expect_str_eq(root, "/srv/");
    /* one app file: its directory */
    mod_app_root(k + 6, 1, root, sizeof root);
    cr_expect_str_eq(root, "/srv/shop/shop/models/");
    /* no app file at all */
    mod_app_root(k + 1, 5, root, sizeof root);
    cr_expect_str_eq(root, "");
    /* a root that does not fit is no root */
    char tiny[4];
    mod_app_root(k, 1, tiny, sizeof tiny);
    cr_expect_str_eq(tiny, "");
}

/* ---- attribution on designed profiles ---------------------------------- */

/* BUG (reported in test_endpoint.c and test_report.c): lib/aggregate.c
 * run_list() calls qsort(m->skips, 0, ...) with m->skips == NULL when no
 * input was skipped, and UBSan aborts. Until it is fixed, report_of()
 * adds one missing file after the fixtures so that one input is skipped.
 * Set WALK_OK to 1 once fixed. */
#define WALK_OK 0
#define MISSING "data/no-such-file.prof"

/* A report of the given files (relative to tests/). */
static pr_report *report_of(const char *const *paths, size_t n,
                            const pr_report_options *o)
{
    pr_agg *agg = NULL;
    pr_agg_options ao;
    memset(&ao, 0, sizeof ao);
    ao.threads = 1;
    cr_assert_eq(pr_agg_new(&ao, &agg), PR_OK);
    const char *all[8];
    cr_assert_lt(n, 8);
    memcpy(all, paths, n * sizeof *paths);
    all[n] = MISSING;
    cr_assert_eq(pr_agg_add_paths(agg, all, WALK_OK ? n : n + 1), PR_OK);
    cr_assert_eq(pr_agg_files_skipped(agg), WALK_OK ? 0u : 1u,
                 "a fixture could not be read");
    if (n == 1 && strstr(paths[0], ".prof") != NULL)
        cr_assert_eq(pr_agg_files_read(agg), 1);
    pr_report *r = NULL;
    cr_assert_eq(pr_report_build(agg, o, &r), PR_OK);
    pr_agg_free(agg);
    return r;
}

static pr_report *report_of1(const char *fixture, int separate, int depth)
{
    pr_report_options o;
    memset(&o, 0, sizeof o);
    o.builtins_separate = separate;
    o.module_depth = depth;
    const char *path[1] = {fixture};
    return report_of(path, 1, &o);
}

static const pr_module_row *mod_row(const pr_attribution *a, const char *name)
{
    for (size_t i = 0; i < a->nmodules; i++)
        if (strcmp(a->modules[i].name, name) == 0)
            return &a->modules[i];
    return NULL;
}

static const pr_module_row *need_mod(const pr_attribution *a,
                                     const char *name)
{
    const pr_module_row *m = mod_row(a, name);
    if (m == NULL) {
        for (size_t i = 0; i < a->nmodules; i++)
            cr_log_error("module %s (%s)", a->modules[i].name,
                         kind_name(a->modules[i].kind));
        cr_assert_fail("no module \"%s\"", name);
    }
    return m;
}

/* The entry point into `module` from a place ending in `from`. */
static const pr_entry_point_row *entry_row(const pr_attribution *a,
                                           const char *module,
                                           const char *from)
{
    for (size_t i = 0; i < a->nentries; i++) {
        const pr_entry_point_row *e = &a->entries[i];
        size_t fl = strlen(e->entered_from), wl = strlen(from);
        if (strcmp(e->module, module) == 0 && fl >= wl &&
            strcmp(e->entered_from + fl - wl, from) == 0)
            return e;
    }
    for (size_t i = 0; i < a->nentries; i++)
        cr_log_error("entry %s from %s", a->entries[i].module,
                     a->entries[i].entered_from);
    cr_assert_fail("no entry into %s from %s", module, from);
    return NULL;
}

/* Within 5 % of the designed truth, as the issue asks. */
#define expect_design(got, want, what)                                       \
    cr_expect(fabs((got) - (want)) <= 0.05 * (want),                         \
              "%s: %.6f s, designed %.3f s (%.1f%% off)", (what), (got),     \
              (want), 100 * ((got) - (want)) / (want))

/* A figure of data/modules/EXPECTED.tsv (pstats' view of the fixture). */
static double expected(const char *fixture, const char *quantity,
                       const char *module)
{
    size_t len;
    unsigned char *text = tu_read_file(MOD_DIR "EXPECTED.tsv", &len);
    char *s = realloc(text, len + 1);
    cr_assert_not_null(s);
    s[len] = '\0';
    double v = NAN;
    for (char *line = s; line != NULL && *line != '\0' && isnan(v);) {
        char *nl = strchr(line, '\n');
        if (nl != NULL)
            *nl = '\0';
        char f[64], q[16], m[64];
        double x;
        if (line[0] != '#' &&
            sscanf(line, "%63[^\t]\t%15[^\t]\t%63[^\t]\t%lf", f, q, m, &x) ==
                4 &&
            strcmp(f, fixture) == 0 && strcmp(q, quantity) == 0 &&
            strcmp(m, module) == 0)
            v = x;
        line = nl != NULL ? nl + 1 : NULL;
    }
    free(s);
    cr_assert(!isnan(v), "EXPECTED.tsv has no %s %s %s", fixture, quantity,
              module);
    return v;
}

/* Sums of the same numbers in another order: 1e-9 relative. */
#define expect_exact(got, want, what)                                        \
    cr_expect(tu_close((got), (want), 1e-9), "%s: %.12f s, pstats %.12f s",  \
              (what), (got), (want))

/* Self time is a partition of pstats' total time. */
static void expect_partition(const pr_attribution *a)
{
    double sum = 0;
    for (size_t i = 0; i < a->nmodules; i++) {
        const pr_module_row *m = &a->modules[i];
        sum += m->self_s;
        cr_expect_geq(m->self_s, 0, "%s self %g", m->name, m->self_s);
        cr_expect_geq(m->inclusive_s, m->self_s, "%s: inclusive %g < self %g",
                      m->name, m->inclusive_s, m->self_s);
        cr_expect_leq(m->inclusive_share, 1.0, "%s", m->name);
        cr_expect_leq(m->self_share, 1.0, "%s", m->name);
        if (i > 0)
            cr_expect_geq(a->modules[i - 1].self_s, m->self_s,
                          "modules not sorted by own time");
    }
    cr_expect(tu_close(sum, a->total_s, 1e-9),
              "sum of self %.12f != total %.12f", sum, a->total_s);
}

/* Designed app: views.handle sleeps 0.02, dbdriver.connect 0.03,
 * orm.query.run 0.05, dbdriver.execute 3 x 0.10. Built-ins (time.sleep)
 * are charged to the module that called them. */
#define D_VIEWS_SELF 0.02
#define D_ORM_SELF 0.05
#define D_DB_SELF 0.33
#define D_VIEWS_INCL 0.40
#define D_ORM_INCL 0.35
#define D_DB_INCL 0.33

Test(attribution, designed_known_times)
{
    pr_report *r = report_of1(MOD_DIR "designed.prof", 0, 0);
    const pr_attribution *a = pr_report_attribution(r);
    const pr_module_row *v = need_mod(a, "views"), *o = need_mod(a, "orm"),
                        *d = need_mod(a, "dbdriver");
    cr_expect_eq(v->kind, PR_MOD_APP);
    cr_expect_eq(o->kind, PR_MOD_LIBRARY);
    cr_expect_eq(d->kind, PR_MOD_LIBRARY);
    expect_design(v->self_s, D_VIEWS_SELF, "views self");
    expect_design(o->self_s, D_ORM_SELF, "orm self");
    expect_design(d->self_s, D_DB_SELF, "dbdriver self");
    expect_design(v->inclusive_s, D_VIEWS_INCL, "views inclusive");
    expect_design(o->inclusive_s, D_ORM_INCL, "orm inclusive");
    expect_design(d->inclusive_s, D_DB_INCL, "dbdriver inclusive");
    /* time.sleep's time is in its callers' modules: no "time" module */
    cr_expect_null(mod_row(a, "time"), "time.sleep shown as its own module");
    /* calls in from other modules: connect once, execute 3 times */
    cr_expect_eq(d->calls, 4);
    cr_expect_eq(o->calls, 1);
    /* a chain without re-entry is exact */
    cr_expect_not(v->estimated);
    cr_expect_not(o->estimated);
    cr_expect_not(d->estimated);
    /* ordered by own time, shares of the total */
    cr_expect_str_eq(a->modules[0].name, "dbdriver");
    cr_expect_str_eq(a->modules[1].name, "orm");
    cr_expect_str_eq(a->modules[2].name, "views");
    expect_design(d->inclusive_share * a->total_s, D_DB_INCL,
                  "dbdriver share x total");
    expect_partition(a);
    pr_report_free(r);
}

/* Exact figures of the designed run agree with pstats to rounding. */
Test(attribution, designed_matches_pstats)
{
    pr_report *r = report_of1(MOD_DIR "designed.prof", 0, 0);
    const pr_attribution *a = pr_report_attribution(r);
    const char *names[] = {"views", "orm", "dbdriver"};
    for (int i = 0; i < 3; i++) {
        const pr_module_row *m = need_mod(a, names[i]);
        expect_exact(m->self_s, expected("designed.prof", "self", names[i]),
                     names[i]);
        expect_exact(m->inclusive_s,
                     expected("designed.prof", "incl", names[i]), names[i]);
    }
    pr_report_free(r);
}

Test(attribution, designed_entry_points)
{
    pr_report *r = report_of1(MOD_DIR "designed.prof", 0, 0);
    const pr_attribution *a = pr_report_attribution(r);
    const pr_entry_point_row *e =
        entry_row(a, "dbdriver", "orm/query.py:run");
    cr_expect_eq(e->calls, 3);
    expect_design(e->inclusive_s, 0.30, "dbdriver from orm.run");
    cr_expect_str_eq(e->caller_module, "orm");
    cr_expect_str_eq(e->chain, "dbdriver <- orm <- views");
    cr_expect_not(e->estimated);
    e = entry_row(a, "dbdriver", "views.py:handle");
    cr_expect_eq(e->calls, 1);
    expect_design(e->inclusive_s, 0.03, "dbdriver from views.handle");
    cr_expect_str_eq(e->chain, "dbdriver <- views");
    e = entry_row(a, "orm", "views.py:handle");
    cr_expect_eq(e->calls, 1);
    expect_design(e->inclusive_s, D_ORM_INCL, "orm from views.handle");
    cr_expect_str_eq(a->entries[0].module, "orm");
    pr_report_free(r);
}

/* --builtins-separate: time.sleep becomes module "time" and takes all the
 * sleeping; the Python modules keep only their own tottime. */
Test(attribution, designed_builtins_separate)
{
    pr_report *r = report_of1(MOD_DIR "designed.prof", 1, 0);
    const pr_attribution *a = pr_report_attribution(r);
    const pr_module_row *t = need_mod(a, "time");
    cr_expect_eq(t->kind, PR_MOD_BUILTIN);
    expect_design(t->self_s, D_VIEWS_SELF + D_ORM_SELF + D_DB_SELF,
                  "time self");
    expect_exact(t->self_s, expected("designed.prof", "builtin", "time"),
                 "time self");
    const char *names[] = {"views", "orm", "dbdriver"};
    for (int i = 0; i < 3; i++) {
        const pr_module_row *m = need_mod(a, names[i]);
        expect_exact(m->self_s, expected("designed.prof", "own", names[i]),
                     names[i]);
        cr_expect_lt(m->self_s, 0.005, "%s keeps sleep time", names[i]);
    }
    /* inclusive times do not depend on where built-ins are shown */
    expect_design(need_mod(a, "dbdriver")->inclusive_s, D_DB_INCL,
                  "dbdriver inclusive");
    expect_design(need_mod(a, "orm")->inclusive_s, D_ORM_INCL,
                  "orm inclusive");
    expect_partition(a);
    pr_report_free(r);
}

/* --module-depth 2: orm/query.py is orm.query; dbdriver/__init__.py stays
 * dbdriver. */
Test(attribution, designed_depth2)
{
    pr_report *r = report_of1(MOD_DIR "designed.prof", 0, 2);
    const pr_attribution *a = pr_report_attribution(r);
    expect_design(need_mod(a, "orm.query")->inclusive_s, D_ORM_INCL,
                  "orm.query inclusive");
    expect_design(need_mod(a, "dbdriver")->self_s, D_DB_SELF,
                  "dbdriver self");
    cr_expect_null(mod_row(a, "orm"));
    cr_expect_null(mod_row(a, "dbdriver.__init__"));
    pr_report_free(r);
}

/* a.a1 (0.02) -> b.b1 (0.04) -> a.a2 (0.06) -> b.b2 (0.08). b is entered
 * twice but the second entry runs inside the first: b's inclusive time is
 * b1's 0.18 s, not 0.18 + 0.08 = 0.26 s, the sum of the entering edges. */
#define R_A_SELF 0.08
#define R_B_SELF 0.12
#define R_A_INCL 0.20
#define R_B_INCL 0.18

Test(attribution, reentry_counts_inner_entry_once)
{
    pr_report *r = report_of1(MOD_DIR "reentry.prof", 0, 0);
    const pr_attribution *a = pr_report_attribution(r);
    const pr_module_row *ma = need_mod(a, "a"), *mb = need_mod(a, "b");
    cr_expect_eq(ma->kind, PR_MOD_APP);
    expect_design(ma->self_s, R_A_SELF, "a self");
    expect_design(mb->self_s, R_B_SELF, "b self");
    expect_design(ma->inclusive_s, R_A_INCL, "a inclusive");
    expect_design(mb->inclusive_s, R_B_INCL, "b inclusive");
    expect_exact(ma->self_s, expected("reentry.prof", "self", "a"), "a self");
    expect_exact(mb->self_s, expected("reentry.prof", "self", "b"), "b self");
    /* Re-entry was possible (a2 runs while b is active, b2 while a is):
     * both figures come from the rebuilt tree and say so. */
    cr_expect(ma->estimated, "a not flagged estimated");
    cr_expect(mb->estimated, "b not flagged estimated");
    cr_expect_eq(mb->calls, 2);
    cr_expect_eq(ma->calls, 1);
    /* a1 cannot run while b is active: that entry point is exact */
    const pr_entry_point_row *e = entry_row(a, "b", "a.py:a1");
    cr_expect_not(e->estimated);
    expect_exact(e->inclusive_s, expected("reentry.prof", "incl", "b"),
                 "b entered from a1");
    expect_partition(a);
    pr_report_free(r);
}

/* The same two functions re-entered, from the profile's root: f(2)
 * (0.02) -> g(2) (0.05) -> f(1) (0.02) -> g(1) (0.05), run as
 * werkzeug's ProfilerMiddleware runs its app, with Profile.runcall. */
Test(attribution, recursion_self_and_flags)
{
    pr_report *r = report_of1(MOD_DIR "recursion.prof", 0, 0);
    const pr_attribution *a = pr_report_attribution(r);
    const pr_module_row *ma = need_mod(a, "a"), *mb = need_mod(a, "b");
    expect_design(ma->self_s, 0.04, "a self");
    expect_design(mb->self_s, 0.10, "b self");
    expect_exact(ma->self_s, expected("recursion.prof", "self", "a"),
                 "a self");
    expect_exact(mb->self_s, expected("recursion.prof", "self", "b"),
                 "b self");
    cr_expect(ma->estimated, "a not flagged estimated");
    cr_expect(mb->estimated, "b not flagged estimated");
    expect_partition(a);
    pr_report_free(r);
}

/* BUG: a and b come out at their self times (0.040 s and 0.100 s instead
 * of 0.14 s and 0.12 s), and the call tree is empty. The profile's root f
 * is also called from g, so it has a caller edge; build_tree() and the
 * exact sum in mod_attribute() take as roots only functions without any
 * caller edge (in_start[i] == in_start[i + 1]), so there is no root at
 * all (only the profiler's own disable call), the tree is empty and
 * every estimate is 0, clamped up to self time. pstats has what is
 * needed: f's nc (2) exceeds the calls on its caller edges (1), so one
 * call came from outside the profile, with f's cumtime (outermost
 * activations only) as its time. */
Test(attribution, recursion_inclusive)
{
    pr_report *r = report_of1(MOD_DIR "recursion.prof", 0, 0);
    const pr_attribution *a = pr_report_attribution(r);
    const pr_module_row *ma = need_mod(a, "a"), *mb = need_mod(a, "b");
    expect_design(ma->inclusive_s, 0.14, "a inclusive");
    expect_design(mb->inclusive_s, 0.12, "b inclusive");
    expect_exact(ma->inclusive_s, expected("recursion.prof", "incl", "a"),
                 "a inclusive");
    expect_exact(mb->inclusive_s, expected("recursion.prof", "incl", "b"),
                 "b inclusive");
    cr_expect_gt(a->tree.nnodes, 0, "empty call tree");
    pr_report_free(r);
}

/* The call tree of the re-entry run follows the stacks. */
Test(attribution, reentry_tree)
{
    pr_report *r = report_of1(MOD_DIR "reentry.prof", 0, 0);
    const pr_tree *t = &pr_report_attribution(r)->tree;
    static const char *const fn[] = {"a1", "b1", "a2", "b2"};
    static const char *const mod[] = {"a", "b", "a", "b"};
    size_t at = 0;
    for (int i = 0; i < 4; i++) {
        while (at < t->nnodes && !tu_str_is(t->nodes[at].key.name, fn[i]))
            at++;
        cr_assert_lt(at, t->nnodes, "no node %s", fn[i]);
        cr_expect_eq(t->nodes[at].depth, (size_t)i, "%s depth %zu", fn[i],
                     t->nodes[at].depth);
        cr_expect_str_eq(t->nodes[at].module, mod[i]);
    }
    pr_report_free(r);
}

/* Built-ins called from two modules with different loads: each module's
 * self time is its own tottime plus exactly the tottime cProfile recorded
 * on its own edges into the built-ins (pstats, in EXPECTED.tsv). */
Test(attribution, builtin_split_exact)
{
    pr_report *r = report_of1(MOD_DIR "split.prof", 0, 0);
    const pr_attribution *a = pr_report_attribution(r);
    const char *names[] = {"report", "heavy"};
    for (int i = 0; i < 2; i++) {
        const pr_module_row *m = need_mod(a, names[i]);
        double own = expected("split.prof", "own", names[i]);
        double edges = expected("split.prof", "edges", names[i]);
        cr_expect_gt(edges, own, "%s: the built-ins should dominate",
                     names[i]);
        expect_exact(m->self_s, own + edges, names[i]);
    }
    cr_expect_eq(need_mod(a, "heavy")->kind, PR_MOD_LIBRARY);
    /* the loads differ by far more than the timer's noise */
    cr_expect_gt(need_mod(a, "heavy")->self_s,
                 5 * need_mod(a, "report")->self_s);
    cr_expect_null(mod_row(a, "builtins"));
    cr_expect_null(mod_row(a, "time"));
    expect_partition(a);
    pr_report_free(r);
}

Test(attribution, builtin_split_separate)
{
    pr_report *r = report_of1(MOD_DIR "split.prof", 1, 0);
    const pr_attribution *a = pr_report_attribution(r);
    expect_exact(need_mod(a, "report")->self_s,
                 expected("split.prof", "own", "report"), "report");
    expect_exact(need_mod(a, "heavy")->self_s,
                 expected("split.prof", "own", "heavy"), "heavy");
    const pr_module_row *t = need_mod(a, "time");
    cr_expect_eq(t->kind, PR_MOD_BUILTIN);
    expect_exact(t->self_s, expected("split.prof", "builtin", "time"), "time");
    cr_expect_eq(need_mod(a, "builtins")->kind, PR_MOD_BUILTIN);
    expect_partition(a);
    pr_report_free(r);
}

/* A module entered through a built-in's callback: report calls
 * sorted(keys, key=heavy.slowkey) (30 calls into heavy, each waiting in
 * util), then heavy.sort_once, whose own sorted call is the heavier one.
 * heavy's inclusive time is sort_once's plus slowkey's, and it is entered
 * 31 times; the figure must be right or flagged as an estimate. */
/* BUG: heavy is reported exact (estimated = 0) at sort_once's time only,
 * 0.061 s of the 0.095 s truth (-36 %), with calls = 1 instead of 31.
 * sorted is a built-in charged to its callers, so as a caller it acts in
 * the module of its heaviest caller (effective_modules(): heavy, via
 * sort_once); the edge sorted -> slowkey then looks internal to heavy and
 * is no entry at all. effective_modules() does set eff_est for sorted
 * (its callers are in two modules), but that flag is only read for edges
 * that cross modules (en->dirty |= eff_est[fa]), never for this one. */
Test(attribution, builtin_callback_entry)
{
    pr_report *r = report_of1(MOD_DIR "callback.prof", 0, 0);
    const pr_attribution *a = pr_report_attribution(r);
    const pr_module_row *h = need_mod(a, "heavy");
    double truth = expected("callback.prof", "incl", "heavy");
    cr_expect(h->estimated || tu_close(h->inclusive_s, truth, 0.05),
              "heavy inclusive %.6f s, truth %.6f s, estimated %d",
              h->inclusive_s, truth, h->estimated);
    /* Calls in are counted on edges: exact only when not estimated. */
    cr_expect(h->estimated || h->calls == 31, "calls into heavy %lld",
              (long long)h->calls);
    pr_report_free(r);
}

/* Self times stay exact in the callback run. */
Test(attribution, builtin_callback_self)
{
    pr_report *r = report_of1(MOD_DIR "callback.prof", 0, 0);
    const pr_attribution *a = pr_report_attribution(r);
    expect_exact(need_mod(a, "heavy")->self_s,
                 expected("callback.prof", "self", "heavy"), "heavy");
    expect_exact(need_mod(a, "report")->self_s,
                 expected("callback.prof", "self", "report"), "report");
    expect_partition(a);
    pr_report_free(r);
}

/* Every fixture together: modules add up across files. */
Test(attribution, fixtures_merged)
{
    const char *paths[] = {MOD_DIR "designed.prof", MOD_DIR "designed.prof"};
    pr_report_options o;
    memset(&o, 0, sizeof o);
    pr_report *r = report_of(paths, 2, &o);
    const pr_attribution *a = pr_report_attribution(r);
    expect_design(need_mod(a, "dbdriver")->self_s, 2 * D_DB_SELF,
                  "dbdriver self, twice");
    expect_design(need_mod(a, "orm")->inclusive_s, 2 * D_ORM_INCL,
                  "orm inclusive, twice");
    cr_expect_eq(need_mod(a, "dbdriver")->calls, 8);
    expect_partition(a);
    pr_report_free(r);
}

/* The real Flask profiles: the partition holds, the profiler's module is
 * the root, every module row is sane. */
Test(attribution, werkzeug_invariants)
{
    const char *paths[] = {WZ_DIR};
    pr_report_options o;
    memset(&o, 0, sizeof o);
    pr_report *r = report_of(paths, 1, &o);
    const pr_attribution *a = pr_report_attribution(r);
    expect_partition(a);
    /* the profiler's module holds the root: everything is inside it */
    cr_expect_gt(need_mod(a, "werkzeug")->inclusive_share, 0.99);
    for (size_t i = 0; i < a->nmodules; i++)
        cr_expect_leq(a->modules[i].inclusive_share,
                      need_mod(a, "werkzeug")->inclusive_share);
    cr_expect_str_eq(need_mod(a, "flask_app")->name, "flask_app");
    cr_expect_eq(need_mod(a, "flask_app")->kind, PR_MOD_APP);
    cr_expect_eq(need_mod(a, "templates")->kind, PR_MOD_APP);
    /* the standard library works for its callers: no module of its own */
    cr_expect_null(mod_row(a, "json"), "json shown as a module");
    /* werkzeug's generated routing code is werkzeug's */
    cr_expect_null(mod_row(a, "<werkzeug routing>"));
    cr_expect_eq(need_mod(a, "jinja2")->kind, PR_MOD_LIBRARY);
    cr_expect_null(mod_row(a, "builtins"), "built-ins charged to callers");
    /* the tree starts at the root with 100 % of its share */
    cr_assert_gt(a->tree.nnodes, 0);
    cr_expect_eq(a->tree.nodes[0].depth, 0);
    cr_expect_str_eq(a->tree.nodes[0].module, "werkzeug");
    for (size_t i = 0; i < a->nentries; i++) {
        const pr_entry_point_row *e = &a->entries[i];
        cr_expect_str_neq(e->module, e->caller_module, "%s", e->module);
        cr_expect_leq(e->share, 1.0);
        cr_expect_not_null(e->chain);
    }
    /* per endpoint too */
    const pr_endpoint_row *ep;
    size_t ne = pr_report_endpoints(r, &ep);
    cr_assert_gt(ne, 1);
    for (size_t i = 0; i < ne; i++)
        expect_partition(&ep[i].attr);
    pr_report_free(r);
}
