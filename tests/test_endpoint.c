/* test_endpoint.c - which view served a request, and URL-pattern keys.
 *
 * The profiles in data/werkzeug/ were written by werkzeug's own
 * ProfilerMiddleware around the Flask app in gen/flask_app.py (see
 * gen/make_werkzeug_dir.py), so what is expected of every file below
 * comes from that app's routes: the view that serves the URL, at the line
 * CPython records for it (a decorated function's code starts at its first
 * decorator).
 */
#include "testutil.h"

#include "endpoint.h"
#include "stats.h"

#define WZ_DIR "data/werkzeug"
#define WZ_FILES 34

/* Views of gen/flask_app.py as the profiles name them. */
#define APP_FILE "tests/gen/flask_app.py"
#define SCAFFOLD_FILE "/flask/scaffold.py"

typedef struct wz_expect {
    const char *file;    /* base name in data/werkzeug/ */
    const char *view;    /* view function, or NULL: no view (404) */
    const char *vfile;   /* suffix of the view's file */
    int line;
    const char *by_path; /* endpoint key with PR_GROUP_PATH */
} wz_expect;

static const wz_expect WZ[WZ_FILES] = {
    /* MethodView OrderAPI: grouped by the method function it dispatched to */
    {"DELETE.orders.1.0ms.1795610533.prof", "delete", APP_FILE, 146,
     "DELETE orders.<int>"},
    {"GET.orders.0ms.1795610533.prof", "get", APP_FILE, 120, "GET orders"},
    {"GET.orders.1.0ms.1795610533.prof", "get", APP_FILE, 120,
     "GET orders.<int>"},
    {"POST.orders.1ms.1795610533.prof", "post", APP_FILE, 128, "POST orders"},
    {"PUT.orders.1.0ms.1795610533.prof", "put", APP_FILE, 137,
     "PUT orders.<int>"},
    /* blueprint "api" */
    {"GET.api.items.10.1ms.1795610533.prof", "items", APP_FILE, 93,
     "GET api.items.<int>"},
    {"GET.api.items.17.2ms.1795610533.prof", "items", APP_FILE, 93,
     "GET api.items.<int>"},
    {"GET.api.items.2.0ms.1795610533.prof", "items", APP_FILE, 93,
     "GET api.items.<int>"},
    {"GET.api.items.24.3ms.1795610533.prof", "items", APP_FILE, 93,
     "GET api.items.<int>"},
    {"GET.api.items.3.1ms.1795610533.prof", "items", APP_FILE, 93,
     "GET api.items.<int>"},
    {"GET.api.search.0ms.1795610533.prof", "search", APP_FILE, 102,
     "GET api.search"},
    {"GET.api.search.3ms.1795610533.prof", "search", APP_FILE, 102,
     "GET api.search"},
    /* 404 raised by routing: no view ran */
    {"GET.missing.page-148.0ms.1795610533.prof", NULL, NULL, -1,
     "GET missing.page-148"},
    {"GET.no.such.page.1ms.1795610533.prof", NULL, NULL, -1,
     "GET no.such.page"},
    /* /product/<int:pid>; 124 is past the catalog: abort(404) in the view */
    {"GET.product.124.0ms.1795610533.prof", "product", APP_FILE, 237,
     "GET product.<int>"},
    {"GET.product.33.1ms.1795610533.prof", "product", APP_FILE, 237,
     "GET product.<int>"},
    {"GET.product.7.8ms.1795610533.prof", "product", APP_FILE, 237,
     "GET product.<int>"},
    {"GET.product.78.3ms.1795610533.prof", "product", APP_FILE, 237,
     "GET product.<int>"},
    {"GET.product.83.2ms.1795610533.prof", "product", APP_FILE, 237,
     "GET product.<int>"},
    {"GET.product.91.3ms.1795610533.prof", "product", APP_FILE, 237,
     "GET product.<int>"},
    {"GET.report.15ms.1795610533.prof", "report", APP_FILE, 269, "GET report"},
    {"GET.report.2ms.1795610533.prof", "report", APP_FILE, 269, "GET report"},
    {"GET.report.4ms.1795610533.prof", "report", APP_FILE, 269, "GET report"},
    {"GET.root.25ms.1795610533.prof", "index", APP_FILE, 232, "GET root"},
    {"GET.root.5ms.1795610533.prof", "index", APP_FILE, 232, "GET root"},
    /* Flask's own static route: a lambda in flask/app.py around this */
    {"GET.static.app.js.1ms.1795610533.prof", "send_static_file",
     SCAFFOLD_FILE, 317, "GET static.app.js"},
    {"GET.static.style.css.1ms.1795610533.prof", "send_static_file",
     SCAFFOLD_FILE, 317, "GET static.style.css"},
    {"GET.static.style.css.6ms.1795610533.prof", "send_static_file",
     SCAFFOLD_FILE, 317, "GET static.style.css"},
    {"GET.user.a.b.0ms.1795610533.prof", "user", APP_FILE, 253,
     "GET user.a.b"},
    {"GET.user.alice.1ms.1795610533.prof", "user", APP_FILE, 253,
     "GET user.alice"},
    {"GET.user.jos\xc3\x83\xc2\xa9.1ms.1795610533.prof", "user", APP_FILE, 253,
     "GET user.jos\xc3\x83\xc2\xa9"},
    {"HEAD.root.5ms.1795610533.prof", "index", APP_FILE, 232, "HEAD root"},
    {"POST.cart.0ms.1795610533.prof", "cart", APP_FILE, 259, "POST cart"},
    {"POST.cart.1ms.1795610533.prof", "cart", APP_FILE, 259, "POST cart"},
};

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static const wz_expect *expect_for(const char *path)
{
    const char *b = base_name(path);
    for (size_t i = 0; i < WZ_FILES; i++)
        if (strcmp(WZ[i].file, b) == 0)
            return &WZ[i];
    cr_assert_fail("no expectation for %s", path);
    return NULL;
}

static int ends_with(pr_str s, const char *suffix)
{
    size_t n = strlen(suffix);
    return s.len >= n && memcmp(s.ptr + s.len - n, suffix, n) == 0;
}

static pr_str cstr(const char *s)
{
    pr_str r = {s, strlen(s)};
    return r;
}

/* ---- ep_normalize_path -------------------------------------------------- */

static void expect_norm(const char *path, const char *want)
{
    char out[256];
    size_t n = ep_normalize_path(cstr(path), out, sizeof out);
    cr_assert_str_eq(out, want, "\"%s\" -> \"%s\", want \"%s\"", path, out,
                     want);
    cr_assert_eq(n, strlen(want), "\"%s\": returned %zu", path, n);
}

Test(endpoint, normalize_numbers)
{
    expect_norm("product.2334", "product.<int>");
    expect_norm("api.items.17", "api.items.<int>");
    expect_norm("orders.1", "orders.<int>");
    expect_norm("2026", "<int>");
    expect_norm("1.2.3", "<int>.<int>.<int>");
    expect_norm("a.0.b", "a.<int>.b");
    /* Numbers inside a segment are part of a name, not an id. */
    expect_norm("api.v2.users", "api.v2.users");
    expect_norm("missing.page-148", "missing.page-148");
    expect_norm("report2024", "report2024");
}

Test(endpoint, normalize_uuids)
{
    expect_norm("user.123e4567-e89b-12d3-a456-426614174000",
                "user.<uuid>");
    expect_norm("user.123E4567-E89B-12D3-A456-426614174000.avatar",
                "user.<uuid>.avatar");
    /* Misplaced dashes or a wrong length: not a UUID. */
    expect_norm("x.123e4567e-89b-12d3-a456-426614174000",
                "x.123e4567e-89b-12d3-a456-426614174000");
    expect_norm("x.123e4567-e89b-12d3-a456-42661417400",
                "x.123e4567-e89b-12d3-a456-42661417400");
    expect_norm("x.g23e4567-e89b-12d3-a456-426614174000",
                "x.g23e4567-e89b-12d3-a456-426614174000");
}

Test(endpoint, normalize_long_hex)
{
    expect_norm("commit.9fceb02d0ae598e95dc970b74767f19372d61af8",
                "commit.<hex>");
    expect_norm("blob.a1b2c3d4", "blob.<hex>");       /* 8 is long enough */
    expect_norm("blob.A1B2C3D4E5", "blob.<hex>");
    expect_norm("blob.a1b2c3d", "blob.a1b2c3d");      /* 7 is not */
    expect_norm("page.deadbeef", "page.deadbeef");    /* a word, no digit */
    expect_norm("page.facade", "page.facade");
    expect_norm("x.a1b2c3d4g", "x.a1b2c3d4g");        /* not all hex */
}

Test(endpoint, normalize_mixed)
{
    expect_norm("shop.42.item.7f3a9c2e1b.img.3",
                "shop.<int>.item.<hex>.img.<int>");
    expect_norm("t.550e8400-e29b-41d4-a716-446655440000.v.12.c.0123abcd9",
                "t.<uuid>.v.<int>.c.<hex>");
    /* Names are left as they are, dots, bytes and all. */
    expect_norm("root", "root");
    expect_norm("static.css.bootstrap.min.css", "static.css.bootstrap.min.css");
    expect_norm("user.jos\xc3\x83\xc2\xa9", "user.jos\xc3\x83\xc2\xa9");
    expect_norm("a..1", "a..<int>");
    expect_norm("a.", "a.");
    expect_norm(".5", ".<int>");
    expect_norm("", "");
}

Test(endpoint, normalize_truncates_to_cap)
{
    char out[16];
    memset(out, 'X', sizeof out);
    size_t n = ep_normalize_path(cstr("product.2334"), out, 10);
    cr_assert_eq(n, 9);
    cr_assert_str_eq(out, "product.<");
    cr_assert_eq(out[10], 'X', "wrote past cap");

    memset(out, 'X', sizeof out);
    cr_assert_eq(ep_normalize_path(cstr("product.2334"), out, 1), 0);
    cr_assert_eq(out[0], '\0');
    cr_assert_eq(out[1], 'X');

    memset(out, 'X', sizeof out);
    cr_assert_eq(ep_normalize_path(cstr("product.2334"), out, 0), 0);
    cr_assert_eq(out[0], 'X', "cap 0 must write nothing");

    /* Exactly enough room. */
    n = ep_normalize_path(cstr("product.2334"), out, sizeof "product.<int>");
    cr_assert_eq(n, strlen("product.<int>"));
    cr_assert_str_eq(out, "product.<int>");
}

/* ---- ep_find_view on one real profile ------------------------------------ */

/* Finds the view in data/werkzeug/<name> with the same decoder and stats
 * view the aggregator uses, and checks it while the view is alive. */
static void with_view(const char *name,
                      void (*check)(const pr_func_key *view,
                                    const wz_expect *w))
{
    char *path = tu_path(WZ_DIR, name);
    size_t len;
    unsigned char *buf = tu_read_file(path, &len);
    mdecoder d;
    sview v;
    mdecoder_init(&d);
    sview_init(&v);
    pr_error err;
    pr_status st = sview_parse(&v, &d, buf, len, &err);
    cr_assert_eq(st, PR_OK, "%s: %s (%s)", path, tu_status_name(st), err.msg);
    check(ep_find_view(&v), expect_for(name));
    sview_free(&v);
    mdecoder_free(&d);
    free(buf);
    free(path);
}

static void check_view(const pr_func_key *view, const wz_expect *w)
{
    if (w->view == NULL) {
        cr_assert_null(view, "%s: found view %.*s, want none", w->file,
                       (int)(view ? view->name.len : 0),
                       view ? view->name.ptr : "");
        return;
    }
    cr_assert_not_null(view, "%s: no view found, want %s", w->file, w->view);
    cr_assert(tu_str_is(view->name, w->view), "%s: view %.*s, want %s",
              w->file, (int)view->name.len, view->name.ptr, w->view);
    cr_assert(ends_with(view->file, w->vfile), "%s: view file %.*s",
              w->file, (int)view->file.len, view->file.ptr);
    cr_assert_eq(view->line, w->line, "%s: view line %lld, want %d",
                 w->file, (long long)view->line, w->line);
}

Test(endpoint, find_view_in_every_werkzeug_file)
{
    for (size_t i = 0; i < WZ_FILES; i++)
        with_view(WZ[i].file, check_view);
}

Test(endpoint, find_view_none_outside_flask)
{
    /* A plain cProfile run: no flask/app.py dispatch_request. */
    size_t len;
    unsigned char *buf = tu_read_file(TU_VALID "cpython311.prof", &len);
    mdecoder d;
    sview v;
    mdecoder_init(&d);
    sview_init(&v);
    pr_error err;
    cr_assert_eq(sview_parse(&v, &d, buf, len, &err), PR_OK, "%s", err.msg);
    cr_assert_null(ep_find_view(&v));
    sview_free(&v);
    mdecoder_free(&d);
    free(buf);
}

/* ---- grouping a whole directory ------------------------------------------ */

/* Adds a directory; nothing in data/werkzeug is unreadable. */
static void add_dir(pr_agg *agg, const char *dir)
{
    size_t before = pr_agg_files_skipped(agg);
    cr_assert_eq(pr_agg_add_paths(agg, &dir, 1), PR_OK);
    cr_assert_eq(pr_agg_files_skipped(agg), before, "%s: skipped a file", dir);
}

static pr_report *report_of_dir(pr_group_by group_by, pr_agg **agg_out)
{
    pr_agg_options o;
    memset(&o, 0, sizeof o);
    o.group_by = group_by;
    o.threads = 3; /* several workers: results must not depend on it */
    pr_agg *agg = NULL;
    cr_assert_eq(pr_agg_new(&o, &agg), PR_OK);
    add_dir(agg, WZ_DIR);
    cr_assert_eq(pr_agg_files_read(agg), WZ_FILES);
    cr_assert_eq(pr_agg_files_skipped(agg), 0);
    cr_assert_eq(pr_agg_files_filtered(agg), 0);
    pr_report *r = NULL;
    cr_assert_eq(pr_report_build(agg, NULL, &r), PR_OK);
    if (agg_out != NULL)
        *agg_out = agg;
    else
        pr_agg_free(agg);
    return r;
}

/* The endpoint whose view is named `name` (by URL: whose label is). */
static const pr_endpoint_row *endpoint_named(const pr_report *r,
                                             const char *name)
{
    const pr_endpoint_row *eps;
    size_t n = pr_report_endpoints(r, &eps);
    const pr_endpoint_row *found = NULL;
    for (size_t i = 0; i < n; i++)
        if (tu_str_is(eps[i].view.name, name)) {
            cr_assert_null(found, "two endpoints named %s", name);
            found = &eps[i];
        }
    cr_assert_not_null(found, "no endpoint named %s", name);
    return found;
}

static int has_example(const pr_endpoint_row *e, const char *path)
{
    for (size_t i = 0; i < e->nexamples; i++)
        if (strcmp(e->examples[i], path) == 0)
            return 1;
    return 0;
}

Test(endpoint, every_request_grouped_by_its_view)
{
    pr_report *r = report_of_dir(PR_GROUP_ENDPOINT, NULL);
    const pr_request_row *rq;
    const pr_endpoint_row *eps;
    size_t nreq = pr_report_requests(r, &rq, NULL);
    size_t nep = pr_report_endpoints(r, &eps);
    cr_assert_eq(nreq, WZ_FILES);
    /* 11 views in the app, the static route, two 404 URLs. */
    cr_assert_eq(nep, 14, "%zu endpoints", nep);
    for (size_t i = 0; i < nreq; i++) {
        const wz_expect *w = expect_for(rq[i].file);
        cr_assert_lt(rq[i].endpoint, nep);
        const pr_endpoint_row *e = &eps[rq[i].endpoint];
        if (w->view != NULL) {
            cr_assert(tu_str_is(e->view.name, w->view),
                      "%s: endpoint %s, want view %s", w->file, e->label,
                      w->view);
            cr_assert(ends_with(e->view.file, w->vfile), "%s: %s", w->file,
                      e->label);
            cr_assert_eq(e->view.line, w->line, "%s: %s", w->file, e->label);
        } else {
            cr_assert_eq(e->view.line, -1, "%s: %s", w->file, e->label);
            cr_assert_eq(e->view.file.len, 0, "%s: %s", w->file, e->label);
            cr_assert(tu_str_is(e->view.name, w->by_path),
                      "%s: endpoint %s, want %s", w->file, e->label,
                      w->by_path);
        }
    }
    /* Every endpoint has exactly as many requests as the table gives it. */
    size_t sum = 0;
    for (size_t k = 0; k < nep; k++) {
        size_t want = 0;
        for (size_t i = 0; i < WZ_FILES; i++) {
            const char *key = WZ[i].view ? WZ[i].view : WZ[i].by_path;
            want += tu_str_is(eps[k].view.name, key);
        }
        cr_assert_eq(eps[k].requests, want, "%s: %zu requests, want %zu",
                     eps[k].label, eps[k].requests, want);
        sum += eps[k].requests;
    }
    cr_assert_eq(sum, WZ_FILES);
    pr_report_free(r);
}

Test(endpoint, product_is_one_endpoint)
{
    pr_report *r = report_of_dir(PR_GROUP_ENDPOINT, NULL);
    const pr_endpoint_row *e = endpoint_named(r, "product");
    cr_assert_eq(e->requests, 6);
    cr_assert_eq(e->view.line, 237);
    cr_assert(ends_with(e->view.file, APP_FILE));
    cr_assert_str_eq(e->label, "product (flask_app.py:237)");
    cr_assert_str_eq(e->method, "GET");
    /* Up to three distinct example paths, in input (sorted name) order. */
    cr_assert_eq(e->nexamples, 3);
    cr_assert_str_eq(e->examples[0], "product.124");
    cr_assert_str_eq(e->examples[1], "product.33");
    cr_assert_str_eq(e->examples[2], "product.7");
    cr_assert_str_eq(base_name(e->slowest_file),
                     "GET.product.7.8ms.1795610533.prof");
    cr_assert_gt(e->nfuncs, 0);
    pr_report_free(r);
}

Test(endpoint, static_files_under_send_static_file)
{
    pr_report *r = report_of_dir(PR_GROUP_ENDPOINT, NULL);
    const pr_endpoint_row *e = endpoint_named(r, "send_static_file");
    cr_assert_eq(e->requests, 3);
    cr_assert_eq(e->view.line, 317);
    cr_assert(ends_with(e->view.file, SCAFFOLD_FILE));
    /* Installed packages are labelled from the package directory. */
    cr_assert_str_eq(e->label, "send_static_file (flask/scaffold.py:317)");
    cr_assert_eq(e->nexamples, 2);
    cr_assert(has_example(e, "static.app.js"));
    cr_assert(has_example(e, "static.style.css"));
    pr_report_free(r);
}

Test(endpoint, not_found_keyed_by_method_and_url)
{
    pr_report *r = report_of_dir(PR_GROUP_ENDPOINT, NULL);
    static const char *const keys[] = {"GET no.such.page",
                                       "GET missing.page-148"};
    for (size_t i = 0; i < 2; i++) {
        const pr_endpoint_row *e = endpoint_named(r, keys[i]);
        cr_assert_eq(e->requests, 1);
        cr_assert_eq(e->view.line, -1);
        cr_assert_eq(e->view.file.len, 0);
        cr_assert_str_eq(e->label, keys[i]);
        cr_assert_str_eq(e->method, "GET");
    }
    pr_report_free(r);
}

Test(endpoint, method_view_grouped_by_method_function)
{
    pr_report *r = report_of_dir(PR_GROUP_ENDPOINT, NULL);
    static const struct {
        const char *name, *label, *method;
        size_t requests;
    } mv[] = {
        {"get", "get (flask_app.py:120)", "GET", 2},
        {"post", "post (flask_app.py:128)", "POST", 1},
        {"put", "put (flask_app.py:137)", "PUT", 1},
        {"delete", "delete (flask_app.py:146)", "DELETE", 1},
    };
    for (size_t i = 0; i < 4; i++) {
        const pr_endpoint_row *e = endpoint_named(r, mv[i].name);
        cr_assert_str_eq(e->label, mv[i].label);
        cr_assert_str_eq(e->method, mv[i].method);
        cr_assert_eq(e->requests, mv[i].requests, "%s", e->label);
    }
    /* GET /orders/ and GET /orders/1 both ran OrderAPI.get. */
    const pr_endpoint_row *get = endpoint_named(r, "get");
    cr_assert_eq(get->nexamples, 2);
    cr_assert(has_example(get, "orders"));
    cr_assert(has_example(get, "orders.1"));
    /* The as_view closure that wraps them is never an endpoint. */
    const pr_endpoint_row *eps;
    size_t n = pr_report_endpoints(r, &eps);
    for (size_t i = 0; i < n; i++)
        cr_assert(!tu_str_is(eps[i].view.name, "view") &&
                      !tu_str_is(eps[i].view.name, "dispatch_request") &&
                      !tu_str_is(eps[i].view.name, "<lambda>"),
                  "plumbing as endpoint: %s", eps[i].label);
    pr_report_free(r);
}

Test(endpoint, one_view_for_several_methods)
{
    /* GET / and HEAD / both ran index(). */
    pr_report *r = report_of_dir(PR_GROUP_ENDPOINT, NULL);
    const pr_endpoint_row *e = endpoint_named(r, "index");
    cr_assert_eq(e->requests, 3);
    cr_assert_str_eq(e->method, "*");
    cr_assert_eq(e->nexamples, 1);
    cr_assert_str_eq(e->examples[0], "root");
    pr_report_free(r);
}

Test(endpoint, group_by_path_keys_every_endpoint_by_url)
{
    pr_report *r = report_of_dir(PR_GROUP_PATH, NULL);
    const pr_request_row *rq;
    const pr_endpoint_row *eps;
    size_t nreq = pr_report_requests(r, &rq, NULL);
    size_t nep = pr_report_endpoints(r, &eps);
    cr_assert_eq(nreq, WZ_FILES);
    for (size_t k = 0; k < nep; k++) {
        cr_assert_eq(eps[k].view.line, -1, "%s", eps[k].label);
        cr_assert_eq(eps[k].view.file.len, 0, "%s", eps[k].label);
        cr_assert(tu_str_is(eps[k].view.name, eps[k].label), "%s",
                  eps[k].label);
    }
    for (size_t i = 0; i < nreq; i++) {
        const wz_expect *w = expect_for(rq[i].file);
        cr_assert_str_eq(eps[rq[i].endpoint].label, w->by_path, "%s",
                         w->file);
    }
    /* Distinct keys of the table, with their request counts. */
    size_t distinct = 0;
    for (size_t i = 0; i < WZ_FILES; i++) {
        int seen = 0;
        for (size_t j = 0; j < i; j++)
            seen |= strcmp(WZ[j].by_path, WZ[i].by_path) == 0;
        distinct += !seen;
    }
    cr_assert_eq(nep, distinct, "%zu endpoints, want %zu", nep, distinct);
    cr_assert_eq(nep, 19);
    cr_assert_eq(endpoint_named(r, "GET product.<int>")->requests, 6);
    cr_assert_eq(endpoint_named(r, "GET api.items.<int>")->requests, 5);
    cr_assert_eq(endpoint_named(r, "GET static.style.css")->requests, 2);
    cr_assert_eq(endpoint_named(r, "GET root")->requests, 2);
    cr_assert_eq(endpoint_named(r, "HEAD root")->requests, 1);
    cr_assert_eq(endpoint_named(r, "GET orders")->requests, 1);
    cr_assert_eq(endpoint_named(r, "GET orders.<int>")->requests, 1);
    pr_report_free(r);
}

Test(endpoint, request_rows_from_names_and_stats)
{
    pr_report *r = report_of_dir(PR_GROUP_ENDPOINT, NULL);
    const pr_request_row *rq;
    size_t n = pr_report_requests(r, &rq, NULL);
    cr_assert_eq(n, WZ_FILES);
    for (size_t i = 0; i < n; i++) {
        const wz_expect *w = expect_for(rq[i].file);
        /* Input order is the sorted directory listing. */
        if (i > 0)
            cr_assert_lt(strcmp(base_name(rq[i - 1].file),
                                base_name(rq[i].file)),
                         0);
        cr_assert_eq(rq[i].named, 1, "%s", w->file);
        cr_assert_float_eq(rq[i].time, 1795610533.0, 1e-9, "%s", w->file);
        /* method.path. as at the start of the name */
        size_t ml = strlen(rq[i].method), pl = strlen(rq[i].path);
        cr_assert(ml > 0 && pl > 0, "%s", w->file);
        cr_assert(strncmp(w->file, rq[i].method, ml) == 0 &&
                      w->file[ml] == '.' &&
                      strncmp(w->file + ml + 1, rq[i].path, pl) == 0 &&
                      w->file[ml + 1 + pl] == '.',
                  "%s: method \"%s\" path \"%s\"", w->file, rq[i].method,
                  rq[i].path);
        /* Profiled time = cumtime of werkzeug's runapp root in that file. */
        pr_profile *p = NULL;
        pr_error err;
        cr_assert_eq(pr_profile_load(rq[i].file, &p, &err), PR_OK, "%s",
                     err.msg);
        const pr_entry *root = NULL;
        for (size_t k = 0; k < pr_profile_count(p); k++) {
            const pr_entry *e = pr_profile_entry(p, k);
            if (e->ncallers == 0 && tu_str_is(e->key.name, "runapp") &&
                ends_with(e->key.file, "werkzeug/middleware/profiler.py"))
                root = e;
        }
        cr_assert_not_null(root, "%s: no runapp root", w->file);
        cr_assert(tu_close(rq[i].profiled_ms, root->ct * 1000.0, 1e-12),
                  "%s: profiled %.6f ms, runapp ct %.6f ms", w->file,
                  rq[i].profiled_ms, root->ct * 1000.0);
        /* The name's elapsed also covers joining the body: never less than
         * the profiled time, rounded to whole ms by werkzeug. */
        cr_assert_geq(rq[i].wall_ms + 0.5, rq[i].profiled_ms, "%s", w->file);
        pr_profile_free(p);
    }
    pr_report_free(r);
}

static void expect_same_endpoints(const pr_report *a, const pr_report *b)
{
    const pr_endpoint_row *ea, *eb;
    size_t na = pr_report_endpoints(a, &ea), nb = pr_report_endpoints(b, &eb);
    cr_assert_eq(na, nb);
    for (size_t i = 0; i < na; i++) {
        cr_assert_str_eq(ea[i].label, eb[i].label);
        cr_assert_eq(ea[i].requests, eb[i].requests, "%s", ea[i].label);
        cr_assert_eq(ea[i].total_ms, eb[i].total_ms, "%s", ea[i].label);
        cr_assert_eq(ea[i].p95_ms, eb[i].p95_ms, "%s", ea[i].label);
    }
    const pr_request_row *ra, *rb;
    size_t n = pr_report_requests(a, &ra, NULL);
    cr_assert_eq(pr_report_requests(b, &rb, NULL), n);
    for (size_t i = 0; i < n; i++) {
        cr_assert_str_eq(ra[i].file, rb[i].file);
        cr_assert_eq(ra[i].endpoint, rb[i].endpoint, "%s", ra[i].file);
    }
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static pr_report *report_of_walk(int threads)
{
    pr_agg_options o;
    memset(&o, 0, sizeof o);
    o.threads = threads;
    pr_agg *agg = NULL;
    cr_assert_eq(pr_agg_new(&o, &agg), PR_OK);
    const char *dir = WZ_DIR;
    cr_assert_eq(pr_agg_add_paths(agg, &dir, 1), PR_OK);
    cr_assert_eq(pr_agg_files_read(agg), WZ_FILES);
    cr_assert_eq(pr_agg_files_skipped(agg), 0);
    pr_report *r = NULL;
    cr_assert_eq(pr_report_build(agg, NULL, &r), PR_OK);
    pr_agg_free(agg);
    return r;
}

Test(endpoint, same_grouping_with_one_thread)
{
    /* Grouping must not depend on how files were spread over workers. */
    pr_report *a = report_of_dir(PR_GROUP_ENDPOINT, NULL); /* 3 threads */
    pr_agg_options o;
    memset(&o, 0, sizeof o);
    o.threads = 1;
    pr_agg *agg = NULL;
    cr_assert_eq(pr_agg_new(&o, &agg), PR_OK);
    add_dir(agg, WZ_DIR);
    pr_report *b = NULL;
    cr_assert_eq(pr_report_build(agg, NULL, &b), PR_OK);
    pr_agg_free(agg);
    expect_same_endpoints(a, b);
    pr_report_free(a);
    pr_report_free(b);
}

/* A walk with nothing skipped was once a NULL qsort under UBSan
 * (lib/aggregate.c run_list(), m->skips == NULL): the same grouping with
 * one worker and three. */
Test(endpoint, walk_without_skips)
{
    pr_report *want = report_of_dir(PR_GROUP_ENDPOINT, NULL);
    pr_report *one = report_of_walk(1), *three = report_of_walk(3);
    expect_same_endpoints(want, one);
    expect_same_endpoints(want, three);
    pr_report_free(want);
    pr_report_free(one);
    pr_report_free(three);
}

/* Every file of data/werkzeug added with pr_agg_add_buffer(agg, path,
 * bytes, len) gives the same requests and endpoints as walking the
 * directory (pr_agg_add_buffer once left its worker's aggregate NULL and
 * crashed on any valid profile). */
Test(endpoint, add_buffer_like_walk)
{
    pr_report *want = report_of_dir(PR_GROUP_ENDPOINT, NULL);
    pr_agg_options o;
    memset(&o, 0, sizeof o);
    pr_agg *agg = NULL;
    cr_assert_eq(pr_agg_new(&o, &agg), PR_OK);
    const char *names[WZ_FILES]; /* in the walk's order */
    for (size_t i = 0; i < WZ_FILES; i++)
        names[i] = WZ[i].file;
    qsort(names, WZ_FILES, sizeof names[0], cmp_cstr);
    for (size_t i = 0; i < WZ_FILES; i++) {
        char *path = tu_path(WZ_DIR, names[i]);
        size_t len;
        unsigned char *buf = tu_read_file(path, &len);
        cr_assert_eq(pr_agg_add_buffer(agg, path, buf, len), PR_OK);
        free(buf);
        free(path);
    }
    cr_assert_eq(pr_agg_files_read(agg), WZ_FILES);
    cr_assert_eq(pr_agg_files_skipped(agg), 0);
    pr_report *got = NULL;
    cr_assert_eq(pr_report_build(agg, NULL, &got), PR_OK);
    pr_agg_free(agg);
    expect_same_endpoints(want, got);
    pr_report_free(want);
    pr_report_free(got);
}

Test(endpoint, aggregate_may_be_freed_before_the_report)
{
    pr_agg *agg = NULL;
    pr_report *r = report_of_dir(PR_GROUP_ENDPOINT, &agg);
    pr_agg_free(agg);
    /* Everything the report shows was copied out of the aggregate. */
    const pr_endpoint_row *e = endpoint_named(r, "product");
    cr_assert_str_eq(e->label, "product (flask_app.py:237)");
    cr_assert(ends_with(e->view.file, APP_FILE));
    cr_assert_str_eq(e->examples[0], "product.124");
    const pr_request_row *rq;
    cr_assert_eq(pr_report_requests(r, &rq, NULL), WZ_FILES);
    cr_assert_str_eq(rq[0].method, "DELETE");
    pr_report_free(r);
}

/* ---- PyPy: a view is the app's own code -------------------------------- */

#define PYPY_DIR "data/pypy-flask"

/* tests/data/pypy-flask (tests/gen/make_pypy_dir.py, Debian's pypy3 and
 * python3-flask): dispatch_request calls functools.partial.__call__
 * (/usr/lib/pypy3.9/functools.py, Python code under PyPy) for longer
 * than the views run. The views are index and hello; the 404s have
 * none. */
Test(endpoint, pypy_stdlib_helper_is_never_the_view)
{
    DIR *d = opendir(PYPY_DIR);
    cr_assert_not_null(d);
    size_t seen = 0, views = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char *path = tu_path(PYPY_DIR, de->d_name);
        size_t len;
        unsigned char *buf = tu_read_file(path, &len);
        mdecoder dec;
        sview v;
        mdecoder_init(&dec);
        sview_init(&v);
        pr_error err;
        cr_assert_eq(sview_parse(&v, &dec, buf, len, &err), PR_OK, "%s: %s",
                     path, err.msg);
        /* The profile does hold the stdlib callee that used to win. */
        int partial = 0;
        for (size_t i = 0; i < v.n; i++)
            for (size_t j = 0; j < v.entries[i].ncallers; j++)
                partial |=
                    ends_with(sview_key(&v, v.entries[i].key)->file,
                              "pypy3.9/functools.py") &&
                    tu_str_is(sview_key(&v, v.callers[v.entries[i].first + j]
                                                .key)->name,
                              "dispatch_request");
        cr_assert(partial, "%s: no functools callee of dispatch_request",
                  path);
        const pr_func_key *view = ep_find_view(&v);
        const char *want = strncmp(de->d_name, "GET.root.", 9) == 0 ? "index"
                           : strncmp(de->d_name, "GET.hello.", 10) == 0
                               ? "hello"
                               : NULL;
        if (want == NULL) {
            cr_assert_null(view, "%s: view %.*s for a 404", path,
                           (int)(view ? view->name.len : 0),
                           view ? view->name.ptr : "");
        } else {
            cr_assert_not_null(view, "%s: no view", path);
            cr_assert(tu_str_is(view->name, want), "%s: view %.*s", path,
                      (int)view->name.len, view->name.ptr);
            cr_assert(ends_with(view->file, "make_pypy_dir.py"));
            views++;
        }
        seen++;
        sview_free(&v);
        mdecoder_free(&dec);
        free(buf);
        free(path);
    }
    closedir(d);
    cr_assert_eq(seen, 4);
    cr_assert_eq(views, 2);
    /* In the report: two views, two URL patterns, nothing else. */
    pr_agg *agg = NULL;
    cr_assert_eq(pr_agg_new(NULL, &agg), PR_OK);
    add_dir(agg, PYPY_DIR);
    pr_report *r = NULL;
    cr_assert_eq(pr_report_build(agg, NULL, &r), PR_OK);
    const pr_endpoint_row *e;
    size_t n = pr_report_endpoints(r, &e);
    cr_assert_eq(n, 4);
    static const char *const labels[] = {
        "index (make_pypy_dir.py:31)", "hello (make_pypy_dir.py:36)",
        "GET no.such.page", "GET missing.<int>"};
    for (size_t k = 0; k < 4; k++) {
        int found = 0;
        for (size_t i = 0; i < n; i++)
            found |= strcmp(e[i].label, labels[k]) == 0;
        cr_assert(found, "no endpoint %s", labels[k]);
    }
    pr_report_free(r);
    pr_agg_free(agg);
}
