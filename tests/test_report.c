/* test_report.c - the request/endpoint half of a report: nearest-rank
 * percentiles, the endpoint table of data/werkzeug checked against numbers
 * this file works out from the file names alone, request and endpoint
 * ordering, the request filters of pr_agg_options, the endpoint glob of
 * pr_report_options, and time buckets.
 *
 * Latencies come from werkzeug's file names ("...8ms.1795610533.prof"),
 * so every expectation here is computed by parsing those names with the
 * small parser below, never by asking the library.
 */
#include "testutil.h"

#include "report.h"

#include <math.h>

#define WZ_DIR "data/werkzeug"
#define WZ_FILES 34

/* ---- expectations computed here ----------------------------------------- */

/* Nearest rank with integer arithmetic: rank = ceil(p * n / 100), >= 1. */
static double nearest_rank(const double *sorted, size_t n, int p)
{
    size_t rank = ((size_t)p * n + 99) / 100;
    if (rank < 1)
        rank = 1;
    return sorted[rank - 1];
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Reads "<anything>.<N>ms.<T>.prof" the way werkzeug writes it, from the
 * right: T is the time, N the elapsed milliseconds. Independent of
 * lib/reqname.c on purpose. */
static void name_numbers(const char *path, double *ms, double *time)
{
    const char *b = base_name(path);
    size_t n = strlen(b);
    cr_assert(n > 5 && strcmp(b + n - 5, ".prof") == 0, "%s", b);
    size_t end = n - 5, i = end;
    while (i > 0 && b[i - 1] != '.')
        i--;
    char num[64];
    cr_assert(i > 0 && end - i < sizeof num, "%s", b);
    memcpy(num, b + i, end - i);
    num[end - i] = '\0';
    *time = strtod(num, NULL);
    end = i - 1; /* at the '.' before T */
    cr_assert(end > 2 && b[end - 1] == 's' && b[end - 2] == 'm', "%s", b);
    end -= 2;
    i = end;
    while (i > 0 && b[i - 1] >= '0' && b[i - 1] <= '9')
        i--;
    cr_assert(i > 0 && i < end && b[i - 1] == '.', "%s", b);
    memcpy(num, b + i, end - i);
    num[end - i] = '\0';
    *ms = strtod(num, NULL);
}

static double name_ms(const char *path)
{
    double ms, t;
    name_numbers(path, &ms, &t);
    return ms;
}

/* What one endpoint's row must say, from its requests' names. */
typedef struct ep_want {
    size_t requests;
    double total, mean, p50, p90, p95, p99, max;
    const char *slowest; /* first in input order among the slowest */
} ep_want;

static ep_want want_for(const pr_request_row *rq, size_t nrq, size_t ep)
{
    ep_want w;
    memset(&w, 0, sizeof w);
    double v[256];
    for (size_t i = 0; i < nrq; i++) {
        if (rq[i].endpoint != ep)
            continue;
        double ms = name_ms(rq[i].file);
        cr_assert_lt(w.requests, sizeof v / sizeof v[0]);
        if (w.requests == 0 || ms > w.max) {
            w.max = ms;
            w.slowest = rq[i].file;
        }
        v[w.requests++] = ms;
        w.total += ms;
    }
    cr_assert_gt(w.requests, 0, "endpoint %zu has no request", ep);
    qsort(v, w.requests, sizeof v[0], cmp_dbl);
    w.mean = w.total / (double)w.requests;
    w.p50 = nearest_rank(v, w.requests, 50);
    w.p90 = nearest_rank(v, w.requests, 90);
    w.p95 = nearest_rank(v, w.requests, 95);
    w.p99 = nearest_rank(v, w.requests, 99);
    return w;
}

/* ---- building reports ---------------------------------------------------- */

/* Adds a directory; none of the inputs used here is unreadable. */
static void add_dir(pr_agg *agg, const char *dir)
{
    size_t before = pr_agg_files_skipped(agg);
    cr_assert_eq(pr_agg_add_paths(agg, &dir, 1), PR_OK);
    cr_assert_eq(pr_agg_files_skipped(agg), before, "%s: skipped a file", dir);
}

static pr_agg *agg_of(const char *dir, const pr_agg_options *o)
{
    pr_agg *agg = NULL;
    cr_assert_eq(pr_agg_new(o, &agg), PR_OK);
    add_dir(agg, dir);
    return agg;
}

static pr_report *report_of(const char *dir, const pr_agg_options *o,
                            const pr_report_options *ro)
{
    pr_agg *agg = agg_of(dir, o);
    pr_report *r = NULL;
    cr_assert_eq(pr_report_build(agg, ro, &r), PR_OK);
    pr_agg_free(agg);
    return r;
}

static pr_report *sorted_report(pr_sort sort)
{
    pr_report_options ro;
    memset(&ro, 0, sizeof ro);
    ro.sort = sort;
    return report_of(WZ_DIR, NULL, &ro);
}

/* ---- pr__percentile ------------------------------------------------------ */

static const int PCTS[] = {1, 5, 10, 20, 25, 33, 50, 66, 75, 80, 90, 95, 99, 100};
enum { NPCTS = sizeof PCTS / sizeof PCTS[0] };

static void expect_percentiles(const double *sorted, size_t n)
{
    for (size_t k = 0; k < NPCTS; k++) {
        double want = nearest_rank(sorted, n, PCTS[k]);
        double got = pr__percentile(sorted, n, PCTS[k]);
        cr_assert_eq(got, want, "n=%zu p=%d: %g, want %g", n, PCTS[k], got,
                     want);
    }
}

Test(report, percentile_small_lists)
{
    const double one[] = {42};
    expect_percentiles(one, 1);
    cr_assert_eq(pr__percentile(one, 1, 50), 42);
    cr_assert_eq(pr__percentile(one, 1, 100), 42);

    const double two[] = {1, 9};
    expect_percentiles(two, 2);
    cr_assert_eq(pr__percentile(two, 2, 50), 1); /* rank 1, not a mean */
    cr_assert_eq(pr__percentile(two, 2, 51), 9);
    cr_assert_eq(pr__percentile(two, 2, 95), 9);

    const double ten[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    expect_percentiles(ten, 10);
    cr_assert_eq(pr__percentile(ten, 10, 50), 5);
    cr_assert_eq(pr__percentile(ten, 10, 90), 9);
    cr_assert_eq(pr__percentile(ten, 10, 95), 10);
    cr_assert_eq(pr__percentile(ten, 10, 10), 1);
    cr_assert_eq(pr__percentile(ten, 10, 11), 2);
}

Test(report, percentile_100_and_101)
{
    double v[101];
    for (size_t i = 0; i < 101; i++)
        v[i] = (double)(i + 1) * 1.5; /* 1.5, 3, ..., 151.5 */
    expect_percentiles(v, 100);
    cr_assert_eq(pr__percentile(v, 100, 50), 75);   /* rank 50 */
    cr_assert_eq(pr__percentile(v, 100, 95), 142.5); /* rank 95 */
    cr_assert_eq(pr__percentile(v, 100, 99), 148.5); /* rank 99 */
    expect_percentiles(v, 101);
    cr_assert_eq(pr__percentile(v, 101, 50), 76.5);  /* rank 51 */
    cr_assert_eq(pr__percentile(v, 101, 95), 144);   /* rank 95.95 -> 96 */
    cr_assert_eq(pr__percentile(v, 101, 99), 150);   /* rank 99.99 -> 100 */
    cr_assert_eq(pr__percentile(v, 101, 100), 151.5);
}

Test(report, percentile_duplicates)
{
    const double d[] = {0, 0, 0, 1, 1, 1, 1, 5, 5, 250};
    expect_percentiles(d, 10);
    cr_assert_eq(pr__percentile(d, 10, 30), 0);
    cr_assert_eq(pr__percentile(d, 10, 31), 1);
    cr_assert_eq(pr__percentile(d, 10, 90), 5);
    cr_assert_eq(pr__percentile(d, 10, 91), 250);

    const double same[] = {7, 7, 7, 7, 7};
    expect_percentiles(same, 5);
}

Test(report, percentile_every_length_up_to_300)
{
    /* Pseudo-random values with many repeats: every prefix, sorted. */
    double v[300];
    unsigned x = 12345;
    for (size_t i = 0; i < 300; i++) {
        x = x * 1103515245u + 12345u;
        v[i] = (double)((x >> 16) % 40);
    }
    for (size_t n = 1; n <= 300; n++) {
        double w[300];
        memcpy(w, v, sizeof w);
        qsort(w, n, sizeof w[0], cmp_dbl);
        expect_percentiles(w, n);
    }
}

Test(report, percentile_edges)
{
    const double ten[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    cr_assert_eq(pr__percentile(ten, 0, 50), 0, "empty list");
    cr_assert_eq(pr__percentile(ten, 10, 0.1), 1, "tiny p: rank 1");
    cr_assert_eq(pr__percentile(ten, 10, 99.99), 10);
    cr_assert_eq(pr__percentile(ten, 10, 100), 10);
}

/* The rank is ceil(p * n / 100), worked out without p / 100.0: 7 / 100.0
 * * 100 is 7.000000000000001, which once made the rank 8 (likewise 14,
 * 28, 55, 56 with n = 100, or 14 with n = 50). */
Test(report, percentile_rank_is_exact)
{
    double v[100];
    for (size_t i = 0; i < 100; i++)
        v[i] = (double)(i + 1);
    cr_assert_eq(pr__percentile(v, 100, 7), 7);
    cr_assert_eq(pr__percentile(v, 100, 14), 14);
    cr_assert_eq(pr__percentile(v, 100, 28), 28);
    cr_assert_eq(pr__percentile(v, 100, 55), 55);
    cr_assert_eq(pr__percentile(v, 100, 56), 56);
    cr_assert_eq(pr__percentile(v, 50, 14), 7);
}

/* ---- the endpoint table of data/werkzeug --------------------------------- */

Test(report, name_parser_of_this_file)
{
    double ms, t;
    name_numbers("data/werkzeug/GET.product.7.8ms.1795610533.prof", &ms, &t);
    cr_assert_eq(ms, 8);
    cr_assert_eq(t, 1795610533);
    name_numbers("GET.users.001928ms.1439448963.prof", &ms, &t);
    cr_assert_eq(ms, 1928);
    cr_assert_eq(t, 1439448963);
}

Test(report, endpoint_numbers_match_file_names)
{
    pr_report *r = sorted_report(PR_SORT_TOTAL);
    const pr_request_row *rq;
    const pr_endpoint_row *eps;
    size_t nrq = pr_report_requests(r, &rq, NULL);
    size_t nep = pr_report_endpoints(r, &eps);
    cr_assert_eq(nrq, WZ_FILES);
    cr_assert_gt(nep, 1);

    double all = 0;
    for (size_t i = 0; i < nrq; i++) {
        all += name_ms(rq[i].file);
        cr_assert_eq(rq[i].wall_ms, name_ms(rq[i].file), "%s", rq[i].file);
    }
    double share = 0;
    size_t requests = 0;
    for (size_t k = 0; k < nep; k++) {
        const pr_endpoint_row *e = &eps[k];
        ep_want w = want_for(rq, nrq, k);
        cr_assert_eq(e->requests, w.requests, "%s", e->label);
        cr_assert_float_eq(e->total_ms, w.total, 1e-9, "%s", e->label);
        cr_assert_float_eq(e->mean_ms, w.mean, 1e-9, "%s", e->label);
        cr_assert_eq(e->p50_ms, w.p50, "%s: p50 %g, want %g", e->label,
                     e->p50_ms, w.p50);
        cr_assert_eq(e->p90_ms, w.p90, "%s: p90", e->label);
        cr_assert_eq(e->p95_ms, w.p95, "%s: p95 %g, want %g", e->label,
                     e->p95_ms, w.p95);
        cr_assert_eq(e->p99_ms, w.p99, "%s: p99", e->label);
        cr_assert_eq(e->max_ms, w.max, "%s: max", e->label);
        cr_assert_str_eq(e->slowest_file, w.slowest, "%s", e->label);
        cr_assert_float_eq(e->share, w.total / all, 1e-12, "%s", e->label);
        share += e->share;
        requests += e->requests;
    }
    cr_assert_float_eq(share, 1.0, 1e-12, "shares sum to %.15g", share);
    cr_assert_eq(requests, WZ_FILES);
    pr_report_free(r);
}

/* The endpoint row with view name (or URL key) `name`. */
static const pr_endpoint_row *endpoint_named(const pr_report *r,
                                             const char *name)
{
    const pr_endpoint_row *eps;
    size_t n = pr_report_endpoints(r, &eps);
    for (size_t i = 0; i < n; i++)
        if (tu_str_is(eps[i].view.name, name))
            return &eps[i];
    cr_assert_fail("no endpoint %s", name);
    return NULL;
}

Test(report, endpoint_numbers_by_hand)
{
    /* The same numbers worked out from `ls data/werkzeug`, for a reader. */
    pr_report *r = sorted_report(PR_SORT_TOTAL);
    /* product: 124.0ms 33.1ms 7.8ms 78.3ms 83.2ms 91.3ms -> 0 1 2 3 3 8 */
    const pr_endpoint_row *e = endpoint_named(r, "product");
    cr_assert_eq(e->requests, 6);
    cr_assert_eq(e->total_ms, 17);
    cr_assert_float_eq(e->mean_ms, 17.0 / 6, 1e-12);
    cr_assert_eq(e->p50_ms, 2); /* rank 3 */
    cr_assert_eq(e->p90_ms, 8); /* rank ceil(5.4) = 6 */
    cr_assert_eq(e->p95_ms, 8);
    cr_assert_eq(e->max_ms, 8);
    /* index: GET / 25ms and 5ms, HEAD / 5ms */
    e = endpoint_named(r, "index");
    cr_assert_eq(e->requests, 3);
    cr_assert_eq(e->total_ms, 35);
    cr_assert_eq(e->p50_ms, 5);
    cr_assert_eq(e->p95_ms, 25);
    cr_assert_str_eq(base_name(e->slowest_file),
                     "GET.root.25ms.1795610533.prof");
    /* items: 10.1ms 17.2ms 2.0ms 24.3ms 3.1ms -> 0 1 1 2 3 */
    e = endpoint_named(r, "items");
    cr_assert_eq(e->requests, 5);
    cr_assert_eq(e->total_ms, 7);
    cr_assert_eq(e->p50_ms, 1);
    cr_assert_eq(e->p95_ms, 3);
    /* user: a.b 0ms, alice 1ms, jos\u00e9 1ms: the first 1ms is slowest */
    e = endpoint_named(r, "user");
    cr_assert_eq(e->max_ms, 1);
    cr_assert_str_eq(base_name(e->slowest_file),
                     "GET.user.alice.1ms.1795610533.prof");
    /* all 34 names add up to 96 ms */
    double total = 0;
    const pr_endpoint_row *eps;
    size_t n = pr_report_endpoints(r, &eps);
    for (size_t i = 0; i < n; i++)
        total += eps[i].total_ms;
    cr_assert_eq(total, 96);
    cr_assert_float_eq(endpoint_named(r, "index")->share, 35.0 / 96, 1e-12);
    pr_report_free(r);
}

/* ---- ordering -------------------------------------------------------------- */

static double sort_key(const ep_want *w, pr_sort s)
{
    switch (s) {
    case PR_SORT_P95: return w->p95;
    case PR_SORT_MEAN: return w->mean;
    case PR_SORT_COUNT: return (double)w->requests;
    case PR_SORT_MAX: return w->max;
    case PR_SORT_TOTAL: break;
    }
    return w->total;
}

/* Rows must be in descending order of the sort key computed from the
 * names, ties broken by label (byte order). */
static void expect_endpoint_order(pr_sort s, const char *sname)
{
    pr_report *r = sorted_report(s);
    const pr_request_row *rq;
    const pr_endpoint_row *eps;
    size_t nrq = pr_report_requests(r, &rq, NULL);
    size_t nep = pr_report_endpoints(r, &eps);
    for (size_t k = 1; k < nep; k++) {
        ep_want a = want_for(rq, nrq, k - 1), b = want_for(rq, nrq, k);
        double va = sort_key(&a, s), vb = sort_key(&b, s);
        cr_assert(va > vb || (va == vb && strcmp(eps[k - 1].label,
                                                 eps[k].label) < 0),
                  "sort %s: \"%s\" (%g) before \"%s\" (%g)", sname,
                  eps[k - 1].label, va, eps[k].label, vb);
    }
    pr_report_free(r);
}

Test(report, endpoint_sort_options)
{
    expect_endpoint_order(PR_SORT_TOTAL, "total");
    expect_endpoint_order(PR_SORT_P95, "p95");
    expect_endpoint_order(PR_SORT_MEAN, "mean");
    expect_endpoint_order(PR_SORT_COUNT, "count");
    expect_endpoint_order(PR_SORT_MAX, "max");
}

static void expect_first(pr_sort s, const char *const *names, size_t n)
{
    pr_report *r = sorted_report(s);
    const pr_endpoint_row *eps;
    cr_assert_geq(pr_report_endpoints(r, &eps), n);
    for (size_t i = 0; i < n; i++)
        cr_assert(tu_str_is(eps[i].view.name, names[i]),
                  "sort %d row %zu: %s, want %s", (int)s, i, eps[i].label,
                  names[i]);
    pr_report_free(r);
}

Test(report, endpoint_sort_heads)
{
    /* total: index 35, report 21, product 17, static 8, items 7 */
    static const char *const total[] = {"index", "report", "product",
                                        "send_static_file", "items"};
    expect_first(PR_SORT_TOTAL, total, 5);
    /* p95: 25, 15, 8, 6, then items and search at 3 (label order) */
    static const char *const p95[] = {"index", "report", "product",
                                      "send_static_file", "items", "search"};
    expect_first(PR_SORT_P95, p95, 6);
    /* count: 6, 5, then four endpoints with 3 requests, by label */
    static const char *const count[] = {"product", "items", "index", "report",
                                        "send_static_file", "user"};
    expect_first(PR_SORT_COUNT, count, 6);
    /* mean: 35/3, 21/3, 17/6, 8/3, 3/2 (search), 7/5 (items) */
    static const char *const mean[] = {"index", "report", "product",
                                       "send_static_file", "search", "items"};
    expect_first(PR_SORT_MEAN, mean, 6);
    static const char *const max[] = {"index", "report", "product",
                                      "send_static_file"};
    expect_first(PR_SORT_MAX, max, 4);
}

Test(report, sort_names_parse)
{
    static const struct {
        const char *s;
        pr_sort v;
    } names[] = {{"total", PR_SORT_TOTAL}, {"p95", PR_SORT_P95},
                 {"mean", PR_SORT_MEAN},   {"count", PR_SORT_COUNT},
                 {"max", PR_SORT_MAX}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        pr_sort v = (pr_sort)-1;
        cr_assert_eq(pr_sort_parse(names[i].s, &v), 0, "%s", names[i].s);
        cr_assert_eq(v, names[i].v, "%s", names[i].s);
    }
    pr_sort v;
    cr_assert_eq(pr_sort_parse("p96", &v), -1);
    cr_assert_eq(pr_sort_parse("", &v), -1);
}

Test(report, requests_input_order_and_slowest)
{
    pr_report *r = sorted_report(PR_SORT_TOTAL);
    const pr_request_row *rq;
    const size_t *slowest;
    size_t n = pr_report_requests(r, &rq, &slowest);
    cr_assert_eq(n, WZ_FILES);
    cr_assert_not_null(slowest);
    for (size_t i = 1; i < n; i++)
        cr_assert_lt(strcmp(rq[i - 1].file, rq[i].file), 0,
                     "input order: %s before %s", rq[i - 1].file, rq[i].file);
    /* Slowest first; equal times keep input order. Worked out here with
     * a stable insertion sort over the names' milliseconds. */
    size_t want[WZ_FILES];
    for (size_t i = 0; i < n; i++) {
        size_t j = i;
        double ms = name_ms(rq[i].file);
        while (j > 0 && name_ms(rq[want[j - 1]].file) < ms) {
            want[j] = want[j - 1];
            j--;
        }
        want[j] = i;
    }
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(slowest[i], want[i], "slowest[%zu] = %s, want %s", i,
                     rq[slowest[i]].file, rq[want[i]].file);
    cr_assert_str_eq(base_name(rq[slowest[0]].file),
                     "GET.root.25ms.1795610533.prof");
    cr_assert_str_eq(base_name(rq[slowest[1]].file),
                     "GET.report.15ms.1795610533.prof");
    /* NULL for slowest is allowed. */
    cr_assert_eq(pr_report_requests(r, NULL, NULL), WZ_FILES);
    pr_report_free(r);
}

/* ---- filters and time buckets on renamed copies ---------------------------- */

/* Copies of real werkzeug profiles under new names, so that their times
 * fall in three hours. Each new elapsed time is at least what its profile
 * measured: a shorter one would be rejected (the profile is the witness).
 * Their ids are 0: "GET.product.0.30ms..." also reads /product in 0.30
 * ms, which the profiles (over 0.7 ms) rule out, where "product.2.30ms"
 * would read /product in 2.30 ms, closer to what they measured than 30. 1700000000 is 22:13:20 UTC: with 3600 s buckets
 * the three hours start at 1699999200, 1700002800 and 1700006400. */
typedef struct win_file {
    const char *from; /* in data/werkzeug */
    const char *method, *path;
    int ms;
    long time;
} win_file;

static const win_file WIN[] = {
    {"GET.product.7.8ms.1795610533.prof", "GET", "product.0", 10, 1700000000},
    {"GET.product.33.1ms.1795610533.prof", "GET", "product.0", 30, 1700000010},
    {"GET.root.5ms.1795610533.prof", "GET", "root", 20, 1700000020},
    {"GET.product.78.3ms.1795610533.prof", "GET", "product.0", 40, 1700003600},
    {"POST.cart.1ms.1795610533.prof", "POST", "cart", 5, 1700003610},
    {"GET.product.83.2ms.1795610533.prof", "GET", "product.0", 50, 1700003620},
    {"GET.root.25ms.1795610533.prof", "GET", "root", 60, 1700003630},
    {"GET.api.items.3.1ms.1795610533.prof", "GET", "api.items.0", 70,
     1700007200},
    {"GET.product.91.3ms.1795610533.prof", "GET", "product.0", 80, 1700007210},
};
enum { NWIN = sizeof WIN / sizeof WIN[0] };

static char *make_window_dir(void)
{
    char *dir = tu_mkdtemp();
    for (size_t i = 0; i < NWIN; i++) {
        char name[256];
        snprintf(name, sizeof name, "%s.%s.%dms.%ld.prof", WIN[i].method,
                 WIN[i].path, WIN[i].ms, WIN[i].time);
        char *from = tu_path(WZ_DIR, WIN[i].from), *to = tu_path(dir, name);
        tu_copy_file(from, to);
        free(from);
        free(to);
    }
    return dir;
}

/* Builds a report of the window dir with `o` and `ro` and checks that
 * the aggregate read exactly the files for which was_read(i) holds and the
 * report holds exactly those for which keep(i) holds. The aggregate's
 * filters (`o`) leave files out as filtered, never read; an endpoint glob
 * (`ro`) leaves out whole endpoints when the report is built, from files
 * the aggregate read. The report counts both as filtered. `labels`
 * (NULL-terminated, any order; NULL: not checked) are the labels
 * of the endpoints the report must show, and no other. */
static void expect_report_keeps(const pr_agg_options *o,
                                const pr_report_options *ro,
                                int (*was_read)(size_t i), int (*keep)(size_t i),
                                const char *const *labels, const char *what)
{
    char *dir = make_window_dir();
    pr_agg *agg = agg_of(dir, o);
    size_t want = 0, agg_read = 0;
    for (size_t i = 0; i < NWIN; i++) {
        cr_assert(!keep(i) || was_read(i), "%s: keeps %zu unread", what, i);
        want += keep(i) != 0;
        agg_read += was_read(i) != 0;
    }
    cr_assert_eq(pr_agg_files_read(agg), agg_read, "%s: read %zu, want %zu",
                 what, pr_agg_files_read(agg), agg_read);
    cr_assert_eq(pr_agg_files_filtered(agg), NWIN - agg_read, "%s: filtered",
                 what);
    pr_report *r = NULL;
    cr_assert_eq(pr_report_build(agg, ro, &r), PR_OK);
    pr_agg_free(agg);
    pr_summary s;
    pr_report_summary(r, &s);
    cr_assert_eq(s.files, want, "%s: %zu files, want %zu", what, s.files, want);
    cr_assert_eq(s.filtered, NWIN - want, "%s: %zu filtered, want %zu", what,
                 s.filtered, NWIN - want);
    cr_assert_eq(s.skipped, 0, "%s", what);
    /* The kept requests are exactly the expected ones, in name order. */
    const pr_request_row *rq;
    size_t n = pr_report_requests(r, &rq, NULL);
    cr_assert_eq(n, want, "%s: %zu requests, want %zu", what, n, want);
    for (size_t k = 0; k < n; k++) {
        double ms, t;
        name_numbers(rq[k].file, &ms, &t);
        int found = 0;
        for (size_t i = 0; i < NWIN; i++)
            if (WIN[i].time == (long)t && WIN[i].ms == (int)ms) {
                cr_assert(keep(i), "%s: %s kept", what, rq[k].file);
                found = 1;
            }
        cr_assert(found, "%s: unknown request %s", what, rq[k].file);
        cr_assert_eq(rq[k].time, t);
    }
    /* Endpoints and buckets are made of the kept requests only. */
    const pr_endpoint_row *eps;
    size_t nep = pr_report_endpoints(r, &eps), sum = 0;
    for (size_t k = 0; k < nep; k++) {
        cr_assert_gt(eps[k].requests, 0, "%s: %s is empty", what,
                     eps[k].label);
        sum += eps[k].requests;
    }
    cr_assert_eq(sum, want, "%s: endpoints hold %zu requests", what, sum);
    for (size_t k = 0; k < n; k++)
        cr_assert_lt(rq[k].endpoint, nep, "%s: %s", what, rq[k].file);
    const pr_bucket_row *b;
    size_t nb = pr_report_buckets(r, &b, NULL);
    sum = 0;
    for (size_t k = 0; k < nb; k++)
        sum += b[k].requests;
    if (nb == 0 && (ro == NULL || ro->bucket_s <= 0))
        cr_assert_lt(s.last_time - s.first_time, PR_MIN_BUCKET_SPAN,
                     "%s: no buckets", what); /* too short to bucket */
    else
        cr_assert_eq(sum, want, "%s: buckets hold %zu requests", what, sum);
    if (labels != NULL) {
        size_t nl = 0;
        for (; labels[nl] != NULL; nl++) {
            int found = 0;
            for (size_t k = 0; k < nep; k++)
                found |= strcmp(eps[k].label, labels[nl]) == 0;
            cr_assert(found, "%s: no endpoint \"%s\"", what, labels[nl]);
        }
        cr_assert_eq(nep, nl, "%s: %zu endpoints, want %zu", what, nep, nl);
    }
    pr_report_free(r);
    tu_rm_rf(dir);
    free(dir);
}

static int keep_all(size_t i)
{
    (void)i;
    return 1;
}
static int keep_since_h2(size_t i) { return WIN[i].time >= 1700003600; }
static int keep_until_h2(size_t i) { return WIN[i].time < 1700003600; }
static int keep_hour2(size_t i)
{
    return WIN[i].time >= 1700003600 && WIN[i].time < 1700007200;
}
static int keep_after_h2(size_t i) { return WIN[i].time > 1700003600; }
static int keep_min50(size_t i) { return WIN[i].ms >= 50; }
static int keep_post(size_t i) { return strcmp(WIN[i].method, "POST") == 0; }
static int keep_get(size_t i) { return strcmp(WIN[i].method, "GET") == 0; }
static int keep_product(size_t i)
{
    return strncmp(WIN[i].path, "product.", 8) == 0;
}
static int keep_product_since_h2(size_t i)
{
    return keep_product(i) && keep_since_h2(i);
}
static int keep_root(size_t i) { return strcmp(WIN[i].path, "root") == 0; }
static int keep_items(size_t i) { return strstr(WIN[i].path, "items") != NULL; }
static int keep_not_items(size_t i) { return !keep_items(i); }
static int keep_combo(size_t i)
{
    return keep_get(i) && keep_since_h2(i) && WIN[i].ms >= 45;
}

static pr_agg_options opts0(void)
{
    pr_agg_options o;
    memset(&o, 0, sizeof o);
    return o;
}

/* Filters of the aggregate. */
static void expect_kept(const pr_agg_options *o, int (*keep)(size_t i),
                        const char *what)
{
    expect_report_keeps(o, NULL, keep, keep, NULL, what);
}

/* An endpoint glob of the report, over an aggregate grouped by `by`. */
static void expect_glob_keeps(pr_group_by by, const char *glob,
                              int (*keep)(size_t i),
                              const char *const *labels)
{
    pr_agg_options o;
    memset(&o, 0, sizeof o);
    o.group_by = by;
    pr_report_options ro;
    memset(&ro, 0, sizeof ro);
    ro.endpoint_glob = glob;
    expect_report_keeps(&o, &ro, keep_all, keep, labels, glob);
}

Test(report, window_no_filter)
{
    pr_agg_options o = opts0();
    expect_kept(&o, keep_all, "no filter");
}

Test(report, window_since_until)
{
    pr_agg_options o = opts0();
    o.since = 1700003600; /* inclusive */
    expect_kept(&o, keep_since_h2, "since");
    o = opts0();
    o.until = 1700003600; /* exclusive */
    expect_kept(&o, keep_until_h2, "until");
    o = opts0();
    o.since = 1700003600;
    o.until = 1700007200;
    expect_kept(&o, keep_hour2, "since+until");
    o = opts0();
    o.since = 1700003601;
    expect_kept(&o, keep_after_h2, "since + 1 s");
}

Test(report, window_since_from_time_parse)
{
    /* The way the command line fills since/until. */
    pr_agg_options o = opts0();
    cr_assert_eq(pr_time_parse("2023-11-14T23:13:20Z", 0, &o.since), 0);
    cr_assert_eq(o.since, 1700003600);
    cr_assert_eq(pr_time_parse("2023-11-15T01:13:20+01:00", 0, &o.until), 0);
    cr_assert_eq(o.until, 1700007200);
    expect_kept(&o, keep_hour2, "ISO since+until");
    o = opts0();
    cr_assert_eq(pr_time_parse("2h", 1700007200, &o.since), 0);
    expect_kept(&o, keep_all, "2h before the last hour");
    cr_assert_eq(pr_time_parse("1h", 1700007200, &o.since), 0);
    expect_kept(&o, keep_since_h2, "1h before the last hour");
}

Test(report, window_min_ms)
{
    pr_agg_options o = opts0();
    o.min_ms = 50; /* at least: 50 itself is kept */
    expect_kept(&o, keep_min50, "min_ms 50");
}

Test(report, window_method)
{
    pr_agg_options o = opts0();
    o.method = "post"; /* case-insensitive */
    expect_kept(&o, keep_post, "method post");
    o.method = "GET";
    expect_kept(&o, keep_get, "method GET");
}

Test(report, window_path_glob)
{
    pr_agg_options o = opts0();
    o.path_glob = "product.*";
    expect_kept(&o, keep_product, "path product.*");
    o.path_glob = "root";
    expect_kept(&o, keep_root, "path root");
    o.path_glob = "*items*"; /* '*' spans dots: werkzeug paths are dotted */
    expect_kept(&o, keep_items, "path *items*");
}

/* Labels of the window dir's endpoints: the view files' common directory
 * (tests/gen/) is left out. */
#define L_PRODUCT "product (flask_app.py:237)"
#define L_INDEX "index (flask_app.py:232)"
#define L_CART "cart (flask_app.py:259)"
#define L_ITEMS "items (flask_app.py:93)"

static int keep_none(size_t i)
{
    (void)i;
    return 0;
}

Test(report, window_endpoint_glob)
{
    static const char *const product[] = {L_PRODUCT, NULL};
    static const char *const cart[] = {L_CART, NULL};
    static const char *const index[] = {L_INDEX, NULL};
    static const char *const all[] = {L_PRODUCT, L_INDEX, L_CART, L_ITEMS,
                                      NULL};
    static const char *const none[] = {NULL};
    /* the view's name */
    expect_glob_keeps(PR_GROUP_ENDPOINT, "product", keep_product, product);
    expect_glob_keeps(PR_GROUP_ENDPOINT, "index", keep_root, index);
    expect_glob_keeps(PR_GROUP_ENDPOINT, "*cart*", keep_post, cart);
    expect_glob_keeps(PR_GROUP_ENDPOINT, "*", keep_all, all);
    /* whole names only: neither a prefix nor the URL path */
    expect_glob_keeps(PR_GROUP_ENDPOINT, "prod", keep_none, none);
    expect_glob_keeps(PR_GROUP_ENDPOINT, "root", keep_none, none);
    /* the label is "name (file:line)" as shown, not the full path */
    expect_glob_keeps(PR_GROUP_ENDPOINT,
                      "product (*/tests/gen/flask_app.py:237)", keep_none,
                      none);
    /* Keyed by URL pattern, the label is "METHOD path.<int>". */
    static const char *const by_url[] = {"GET product.<int>", NULL};
    expect_glob_keeps(PR_GROUP_PATH, "GET product.<int>", keep_product, by_url);
    static const char *const get_root[] = {"GET root", NULL};
    expect_glob_keeps(PR_GROUP_PATH, "GET root", keep_root, get_root);
}

Test(report, window_endpoint_glob_on_label)
{
    static const char *const product[] = {L_PRODUCT, NULL};
    static const char *const not_items[] = {L_PRODUCT, L_INDEX, L_CART, NULL};
    expect_glob_keeps(PR_GROUP_ENDPOINT, L_PRODUCT, keep_product, product);
    /* product 237, index 232 and cart 259, but not items 93 */
    expect_glob_keeps(PR_GROUP_ENDPOINT, "*(flask_app.py:2[35]?)",
                      keep_not_items, not_items);
}

Test(report, endpoint_glob_on_installed_package_label)
{
    /* Views in site-packages are labelled from the package directory. */
    pr_report_options ro;
    memset(&ro, 0, sizeof ro);
    ro.endpoint_glob = "send_static_file (flask/scaffold.py:317)";
    pr_report *r = report_of(WZ_DIR, NULL, &ro);
    const pr_endpoint_row *e;
    cr_assert_eq(pr_report_endpoints(r, &e), 1);
    cr_assert_str_eq(e[0].label, ro.endpoint_glob);
    cr_assert_eq(e[0].requests, 3);
    cr_assert_eq(e[0].total_ms, 8); /* 1 + 1 + 6 */
    cr_assert_eq(e[0].share, 1);
    const pr_request_row *rq;
    cr_assert_eq(pr_report_requests(r, &rq, NULL), 3);
    for (size_t i = 0; i < 3; i++)
        cr_assert(strncmp(base_name(rq[i].file), "GET.static.", 11) == 0,
                  "%s", rq[i].file);
    pr_summary s;
    pr_report_summary(r, &s);
    cr_assert_eq(s.files, 3);
    cr_assert_eq(s.filtered, WZ_FILES - 3);
    pr_report_free(r);
}

Test(report, endpoint_glob_with_aggregate_filters)
{
    /* Both kinds of filter add up in pr_summary.filtered: since leaves
     * out 3 requests when reading, the glob 2 more products. */
    pr_agg_options o = opts0();
    o.since = 1700003600;
    pr_report_options ro;
    memset(&ro, 0, sizeof ro);
    ro.endpoint_glob = "product";
    static const char *const product[] = {L_PRODUCT, NULL};
    expect_report_keeps(&o, &ro, keep_since_h2, keep_product_since_h2,
                        product, "since + product");
}

Test(report, window_filters_combine)
{
    pr_agg_options o = opts0();
    o.method = "GET";
    o.since = 1700003600;
    o.min_ms = 45;
    expect_kept(&o, keep_combo, "GET since h2 >= 45 ms");
}

/* Buckets worked out here from WIN: start = floor(t / b) * b. */
static void expect_buckets(const pr_report *r, double b)
{
    const pr_bucket_row *rows;
    double used = 0;
    size_t n = pr_report_buckets(r, &rows, &used);
    cr_assert_eq(used, b);
    double starts[NWIN];
    size_t ns = 0;
    for (size_t i = 0; i < NWIN; i++) {
        double s = floor((double)WIN[i].time / b) * b;
        int seen = 0;
        for (size_t k = 0; k < ns; k++)
            seen |= starts[k] == s;
        if (!seen)
            starts[ns++] = s;
    }
    qsort(starts, ns, sizeof starts[0], cmp_dbl);
    cr_assert_eq(n, ns, "%zu buckets, want %zu", n, ns);
    for (size_t k = 0; k < ns; k++) {
        double v[NWIN];
        size_t m = 0;
        for (size_t i = 0; i < NWIN; i++)
            if (floor((double)WIN[i].time / b) * b == starts[k])
                v[m++] = WIN[i].ms;
        qsort(v, m, sizeof v[0], cmp_dbl);
        cr_assert_eq(rows[k].start, starts[k], "bucket %zu", k);
        cr_assert_eq(rows[k].requests, m, "bucket %zu", k);
        cr_assert_eq(rows[k].p50_ms, nearest_rank(v, m, 50), "bucket %zu", k);
        cr_assert_eq(rows[k].p95_ms, nearest_rank(v, m, 95), "bucket %zu", k);
        cr_assert_eq(rows[k].max_ms, v[m - 1], "bucket %zu", k);
    }
}

Test(report, buckets_hourly)
{
    char *dir = make_window_dir();
    pr_report_options ro;
    memset(&ro, 0, sizeof ro);
    ro.bucket_s = 3600;
    pr_report *r = report_of(dir, NULL, &ro);
    expect_buckets(r, 3600);
    /* The same, spelled out: [10 20 30], [5 40 50 60], [70 80]. */
    const pr_bucket_row *b;
    cr_assert_eq(pr_report_buckets(r, &b, NULL), 3);
    cr_assert_eq(b[0].start, 1699999200);
    cr_assert_eq(b[0].requests, 3);
    cr_assert_eq(b[0].p50_ms, 20);
    cr_assert_eq(b[0].p95_ms, 30);
    cr_assert_eq(b[1].start, 1700002800);
    cr_assert_eq(b[1].requests, 4);
    cr_assert_eq(b[1].p50_ms, 40);
    cr_assert_eq(b[1].p95_ms, 60);
    cr_assert_eq(b[1].max_ms, 60);
    cr_assert_eq(b[2].start, 1700006400);
    cr_assert_eq(b[2].requests, 2);
    cr_assert_eq(b[2].p50_ms, 70);
    cr_assert_eq(b[2].p95_ms, 80);
    pr_summary s;
    pr_report_summary(r, &s);
    cr_assert_eq(s.first_time, 1700000000);
    cr_assert_eq(s.last_time, 1700007210);
    pr_report_free(r);
    tu_rm_rf(dir);
    free(dir);
}

Test(report, buckets_other_sizes)
{
    char *dir = make_window_dir();
    static const double sizes[] = {60, 600, 7200, 86400};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        pr_report_options ro;
        memset(&ro, 0, sizeof ro);
        ro.bucket_s = sizes[i];
        pr_report *r = report_of(dir, NULL, &ro);
        expect_buckets(r, sizes[i]);
        pr_report_free(r);
    }
    tu_rm_rf(dir);
    free(dir);
}

Test(report, buckets_chosen_from_span)
{
    /* 7210 s of 9 requests: at most 6 buckets (one per 4 requests, 6 at
     * least), and 30 min is the narrowest nice width giving that (15 min
     * would give 9). */
    char *dir = make_window_dir();
    pr_report *r = report_of(dir, NULL, NULL);
    expect_buckets(r, 1800);
    pr_report_free(r);
    tu_rm_rf(dir);
    free(dir);
}

Test(report, buckets_follow_filters)
{
    char *dir = make_window_dir();
    pr_agg_options o = opts0();
    o.since = 1700003600;
    o.path_glob = "product.*";
    pr_report_options ro;
    memset(&ro, 0, sizeof ro);
    ro.bucket_s = 3600;
    pr_report *r = report_of(dir, &o, &ro);
    const pr_bucket_row *b;
    cr_assert_eq(pr_report_buckets(r, &b, NULL), 2);
    cr_assert_eq(b[0].start, 1700002800);
    cr_assert_eq(b[0].requests, 2); /* product 40 and 50 */
    cr_assert_eq(b[0].p50_ms, 40);
    cr_assert_eq(b[0].p95_ms, 50);
    cr_assert_eq(b[1].start, 1700006400);
    cr_assert_eq(b[1].requests, 1);
    cr_assert_eq(b[1].p50_ms, 80);
    const pr_endpoint_row *e;
    cr_assert_eq(pr_report_endpoints(r, &e), 1);
    cr_assert_str_eq(e[0].label, "product (flask_app.py:237)");
    cr_assert_eq(e[0].requests, 3);
    cr_assert_eq(e[0].total_ms, 170);
    cr_assert_eq(e[0].share, 1);
    pr_report_free(r);
    tu_rm_rf(dir);
    free(dir);
}

/* ---- nothing to report ---------------------------------------------------- */

/* Once a NULL qsort under UBSan (lib/aggregate.c run_list() with no
 * request kept). Every request is after `since`: 0 read, 9 filtered, a
 * report with no endpoint and no bucket. */
Test(report, filter_leaves_nothing)
{
    char *dir = make_window_dir();
    pr_agg_options o = opts0();
    o.since = 1800000000;
    pr_agg *agg = agg_of(dir, &o);
    cr_assert_eq(pr_agg_files_read(agg), 0);
    cr_assert_eq(pr_agg_files_filtered(agg), NWIN);
    pr_report *r = NULL;
    cr_assert_eq(pr_report_build(agg, NULL, &r), PR_OK);
    pr_agg_free(agg);
    cr_assert_eq(pr_report_endpoints(r, NULL), 0);
    cr_assert_eq(pr_report_buckets(r, NULL, NULL), 0);
    cr_assert_eq(pr_report_requests(r, NULL, NULL), 0);
    pr_summary s;
    pr_report_summary(r, &s);
    cr_assert_eq(s.files, 0);
    cr_assert_eq(s.filtered, NWIN);
    pr_report_free(r);
    tu_rm_rf(dir);
    free(dir);
}

/* Once a NULL qsort under UBSan (lib/source.c walk_dir() with no entry):
 * a fresh empty directory gives PR_OK, nothing read or skipped. */
Test(report, empty_directory)
{
    char *dir = tu_mkdtemp();
    pr_agg *agg = NULL;
    cr_assert_eq(pr_agg_new(NULL, &agg), PR_OK);
    const char *p = dir;
    cr_assert_eq(pr_agg_add_paths(agg, &p, 1), PR_OK);
    cr_assert_eq(pr_agg_files_read(agg), 0);
    cr_assert_eq(pr_agg_files_skipped(agg), 0);
    pr_agg_free(agg);
    tu_rm_rf(dir);
    free(dir);
}

/* Two functions called 7 * 2^60 times each, as a (hostile) file or state
 * can say: the summary's call counts saturate instead of overflowing
 * (fuzz_state found the overflow, tests/data/fuzz/state-3.state). */
Test(report, call_counts_saturate)
{
#define BIG_LONG " 6c 05000000 0000 0000 0000 0000 0700 " /* 7 << 60 */
#define MS " 67 fca9f1d24d62503f "                       /* 0.001 */
#define ENTRY(name)                                                        \
    " 29 03 7a 04 612e7079 69 01000000 7a 01 " name                       \
    " 29 05 " BIG_LONG BIG_LONG MS MS " 7b 30 "
    size_t len;
    unsigned char *buf = tu_hex("7b" ENTRY("66") ENTRY("67") "30", &len);
#undef ENTRY
#undef MS
#undef BIG_LONG
    pr_agg *agg = NULL;
    pr_agg_options o = {.threads = 1};
    cr_assert_eq(pr_agg_new(&o, &agg), PR_OK);
    cr_assert_eq(pr_agg_add_buffer(agg, "GET.big.1ms.1795610533.prof", buf, len),
                 PR_OK);
    cr_assert_eq(pr_agg_files_read(agg), 1, "the file reads");
    pr_report *r = NULL;
    cr_assert_eq(pr_report_build(agg, NULL, &r), PR_OK);
    pr_summary s;
    pr_report_summary(r, &s);
    cr_assert_eq(s.total_calls, INT64_MAX);
    cr_assert_eq(s.primitive_calls, INT64_MAX);
    pr_report_free(r);
    pr_agg_free(agg);
    free(buf);
}

/* A caller with no entry of its own, which pstats takes: the functions
 * and edges are pstats' (1 and 1) and the modules see the caller too
 * (fuzz_profile found the report failing on it, "out of memory"). */
Test(report, caller_without_entry)
{
    pr_agg *agg = NULL;
    pr_agg_options o = {.threads = 1};
    cr_assert_eq(pr_agg_new(&o, &agg), PR_OK);
    const char *paths[] = {"data/fuzz/profile-loose-caller.prof"};
    cr_assert_eq(pr_agg_add_paths(agg, paths, 1), PR_OK);
    cr_assert_eq(pr_agg_files_read(agg), 1);
    pr_report *r = NULL;
    cr_assert_eq(pr_report_build(agg, NULL, &r), PR_OK);
    const pr_func_row *f;
    cr_assert_eq(pr_report_functions(r, &f), 1);
    cr_assert(tu_str_is(f[0].key.name, "scaled"));
    const pr_edge_row *e;
    cr_assert_eq(pr_report_edges(r, &e), 1);
    cr_assert(tu_str_is(e[0].caller->name, "main"));
    cr_assert(tu_str_is(e[0].callee->name, "scaled"));
    pr_report_free(r);
    pr_agg_free(agg);
}

/* The same counts on caller edges into another module: the modules'
 * and entry points' call counts saturate too. */
Test(report, module_call_counts_saturate)
{
    /* A stats dict, marshal version 2 bytes: .../dist-packages/pkga/x.py
     * :1(f) called 7 << 60 times each by /srv/app/a.py:1(g) and :2(h),
     * which have entries of their own (every count 7 << 60). */
    size_t len;
    unsigned char *buf = tu_hex("7b29037a282f7573722f6c69622f707974686f6e332f646973742d7061636b616765732f706b67612f782e707969010000007a016629056c05000000000000000000000007006c050000000000000000000000070067fca9f1d24d62503f67fca9f1d24d62503f7b29037a0d2f7372762f6170702f612e707969010000007a016729046c05000000000000000000000007006c050000000000000000000000070067fca9f1d24d62503f67fca9f1d24d62503f29037a0d2f7372762f6170702f612e707969020000007a016829046c05000000000000000000000007006c050000000000000000000000070067fca9f1d24d62503f67fca9f1d24d62503f3029037a0d2f7372762f6170702f612e707969010000007a016729056c05000000000000000000000007006c050000000000000000000000070067fca9f1d24d62503f67fca9f1d24d62503f7b3029037a0d2f7372762f6170702f612e707969020000007a016829056c05000000000000000000000007006c050000000000000000000000070067fca9f1d24d62503f67fca9f1d24d62503f7b3030", &len);
    pr_agg *agg = NULL;
    pr_agg_options o = {.threads = 1};
    cr_assert_eq(pr_agg_new(&o, &agg), PR_OK);
    cr_assert_eq(pr_agg_add_buffer(agg, "GET.big.1ms.1795610533.prof", buf, len),
                 PR_OK);
    cr_assert_eq(pr_agg_files_read(agg), 1, "the file reads");
    pr_report *r = NULL;
    cr_assert_eq(pr_report_build(agg, NULL, &r), PR_OK);
    const pr_attribution *at = pr_report_attribution(r);
    int seen = 0;
    for (size_t i = 0; i < at->nmodules; i++)
        if (strcmp(at->modules[i].name, "pkga") == 0) {
            cr_assert_eq(at->modules[i].calls, INT64_MAX);
            seen = 1;
        }
    cr_assert(seen, "module pkga");
    cr_assert_gt(at->nentries, 0);
    for (size_t i = 0; i < at->nentries; i++)
        if (strcmp(at->entries[i].module, "pkga") == 0)
            cr_assert_geq(at->entries[i].calls, 0, "no wrap-around");
    pr_report_free(r);
    pr_agg_free(agg);
    free(buf);
}

/* ---- buckets that fit the capture ------------------------------------------ */

/* n copies of a real profile (0.75 ms measured, named 1 ms) at times
 * t0 + span * i / (n - 1), to the millisecond. */
#define T0_CAPTURE 1795610400.0 /* 12:40:00 UTC, a whole hour */
static char *capture_dir(size_t n, double span, double offset)
{
    char *dir = tu_mkdtemp();
    char *from = tu_path(WZ_DIR, "GET.api.items.3.1ms.1795610533.prof");
    for (size_t i = 0; i < n; i++) {
        char name[96];
        snprintf(name, sizeof name, "GET.api.items.%zums.%.3f.prof", 1 + i,
                 T0_CAPTURE + offset + span * (double)i / (double)(n - 1));
        char *to = tu_path(dir, name);
        tu_copy_file(from, to);
        free(to);
    }
    free(from);
    return dir;
}

/* Every bucket: its covered part lies inside the bucket and the capture,
 * is the whole bucket but for the first and last, and the requests add
 * up. */
static void expect_fitting_buckets(const pr_report *r, size_t n, double bs)
{
    const pr_bucket_row *b;
    double used;
    size_t nb = pr_report_buckets(r, &b, &used);
    cr_assert_eq(used, bs, "bucket %g s, want %g", used, bs);
    pr_summary s;
    pr_report_summary(r, &s);
    size_t sum = 0;
    for (size_t i = 0; i < nb; i++) {
        cr_assert_eq(b[i].width_s, bs);
        cr_assert_eq(fmod(b[i].start, bs), 0, "start %f", b[i].start);
        cr_assert(b[i].from >= b[i].start && b[i].to <= b[i].start + bs &&
                      b[i].from <= b[i].to, "bucket %zu [%f, %f]", i,
                  b[i].from, b[i].to);
        cr_assert(b[i].from >= s.first_time && b[i].to <= s.last_time);
        if (i > 0 && i + 1 < nb)
            cr_assert(b[i].from == b[i].start && b[i].to == b[i].start + bs);
        sum += b[i].requests;
    }
    cr_assert_eq(sum, n);
    cr_assert_eq(b[0].from, s.first_time);
    cr_assert_eq(b[nb - 1].to, s.last_time);
}

Test(report, buckets_fit_short_captures)
{
    /* The cases: a 10 s capture got two 60 s buckets, and a 37 s
     * one none. 48 requests over 10 s: at most 12 buckets, so 1 s. */
    static const struct {
        size_t n;
        double span, offset, want;
    } cases[] = {
        {48, 10, 0.5, 1},  /* 11 buckets, the first and last cut */
        {40, 37, 3, 5},    /* at most 10 buckets: 37 / 5 = 7.4 */
        {8, 37, 0, 10},    /* at most 6: 37 / 10 = 3.7 */
        {200, 600, 7, 15}, /* at most 48: 600 / 15 = 40 */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char *dir = capture_dir(cases[k].n, cases[k].span, cases[k].offset);
        pr_report *r = report_of(dir, NULL, NULL);
        expect_fitting_buckets(r, cases[k].n, cases[k].want);
        pr_report_free(r);
        tu_rm_rf(dir);
        free(dir);
    }
}

Test(report, buckets_none_for_a_capture_too_short)
{
    char *dir = capture_dir(8, 2.5, 0);
    pr_report *r = report_of(dir, NULL, NULL);
    double bs = -1;
    cr_assert_eq(pr_report_buckets(r, NULL, &bs), 0);
    cr_assert_eq(bs, 0);
    pr_report_free(r);
    /* --bucket still has its way. */
    pr_report_options ro;
    memset(&ro, 0, sizeof ro);
    ro.bucket_s = 1;
    r = report_of(dir, NULL, &ro);
    expect_fitting_buckets(r, 8, 1);
    cr_assert_eq(pr_report_buckets(r, NULL, NULL), 3);
    pr_report_free(r);
    tu_rm_rf(dir);
    free(dir);
}

/* One endpoint holding every function (one file, or one huge profile):
 * its table is the run's, so its function rows and attribution are the
 * run's, shared rather than computed twice (the 127 MB profile's report
 * needed 1,063 MB with the copies). Entry rows share one copy of each
 * module's name, and one chain per (module, caller module). */
Test(report, lone_endpoint_shares_the_runs_attribution)
{
    pr_agg_options o = {.threads = 1};
    pr_report *r = report_of(
        "data/werkzeug/GET.api.items.10.1ms.1795610533.prof", &o, NULL);
    const pr_endpoint_row *ep;
    cr_assert_eq(pr_report_endpoints(r, &ep), 1);
    const pr_attribution *a = pr_report_attribution(r);
    cr_assert_gt(a->nentries, 3, "a real request enters several modules");
    cr_assert_eq(ep[0].attr.entries, a->entries);
    cr_assert_eq(ep[0].attr.modules, a->modules);
    cr_assert_eq(ep[0].attr.tree.nodes, a->tree.nodes);
    size_t shared = 0;
    for (size_t i = 0; i < a->nentries; i++)
        for (size_t j = i + 1; j < a->nentries; j++) {
            const pr_entry_point_row *x = &a->entries[i], *y = &a->entries[j];
            if (strcmp(x->module, y->module) == 0) {
                cr_assert_eq(x->module, y->module, "one copy of '%s'",
                             x->module);
                shared++;
            }
            if (x->via_callers == NULL && y->via_callers == NULL &&
                strcmp(x->module, y->module) == 0 &&
                strcmp(x->caller_module, y->caller_module) == 0)
                cr_assert_eq(x->chain, y->chain);
        }
    cr_assert_gt(shared, 0, "some module is entered from two places");
    pr_report_free(r);
}

static char *render_to_string(const pr_report *r, pr_format f, pr_table t,
                              size_t *n)
{
    char *m = NULL;
    FILE *fp = open_memstream(&m, n);
    pr_error err;
    cr_assert_eq(pr_render(r, f, t, fp, &err), PR_OK);
    fclose(fp);
    return m;
}

/* no_edges leaves the edge rows out and nothing else: the Markdown
 * report is the same bytes. The outputs that show edges say so. */
Test(report, no_edges_leaves_out_only_the_edges)
{
    pr_agg_options o = {.threads = 1};
    pr_agg *agg = agg_of("data/werkzeug", &o);
    pr_report_options ro = {.generated_at = 1};
    pr_report *with = NULL, *without = NULL;
    cr_assert_eq(pr_report_build(agg, &ro, &with), PR_OK);
    ro.no_edges = 1;
    cr_assert_eq(pr_report_build(agg, &ro, &without), PR_OK);
    cr_assert_gt(pr_report_edges(with, NULL), 100);
    cr_assert_eq(pr_report_edges(without, NULL), 0);
    cr_assert_eq(pr_report_functions(with, NULL),
                 pr_report_functions(without, NULL));
    size_t n1, n2;
    char *m1 = render_to_string(with, PR_FORMAT_MD, PR_TABLE_ALL, &n1);
    char *m2 = render_to_string(without, PR_FORMAT_MD, PR_TABLE_ALL, &n2);
    cr_assert_gt(n1, 1000);
    cr_assert(n1 == n2 && memcmp(m1, m2, n1) == 0);
    free(m1);
    free(m2);
    cr_assert(pr_output_uses_edges(PR_FORMAT_CSV, PR_TABLE_EDGES));
    cr_assert(pr_output_uses_edges(PR_FORMAT_JSON, PR_TABLE_ALL));
    cr_assert(pr_output_uses_edges(PR_FORMAT_HTML, PR_TABLE_ALL));
    cr_assert(pr_output_uses_edges(PR_FORMAT_CALLGRIND, PR_TABLE_ALL));
    cr_assert(!pr_output_uses_edges(PR_FORMAT_CSV, PR_TABLE_FUNCTIONS));
    cr_assert(!pr_output_uses_edges(PR_FORMAT_MD, PR_TABLE_ALL));
    pr_report_free(with);
    pr_report_free(without);
    pr_agg_free(agg);
}

/* no_attribution leaves out the modules, findings and outliers and
 * nothing else: the four CSV tables that show none are the same bytes. */
Test(report, no_attribution_leaves_the_tables_as_they_are)
{
    pr_agg_options o = {.threads = 1};
    pr_agg *agg = agg_of("data/werkzeug", &o);
    pr_report_options ro = {.generated_at = 1};
    pr_report *with = NULL, *without = NULL;
    cr_assert_eq(pr_report_build(agg, &ro, &with), PR_OK);
    ro.no_attribution = 1;
    cr_assert_eq(pr_report_build(agg, &ro, &without), PR_OK);
    cr_assert_gt(pr_report_attribution(with)->nmodules, 3);
    cr_assert_gt(pr_report_findings(with, NULL), 0);
    cr_assert_eq(pr_report_attribution(without)->nmodules, 0);
    cr_assert_eq(pr_report_findings(without, NULL), 0);
    const pr_table tables[] = {PR_TABLE_FUNCTIONS, PR_TABLE_EDGES,
                               PR_TABLE_ENDPOINTS, PR_TABLE_REQUESTS};
    for (size_t i = 0; i < 4; i++) {
        size_t n1, n2;
        char *m1 = render_to_string(with, PR_FORMAT_CSV, tables[i], &n1);
        char *m2 = render_to_string(without, PR_FORMAT_CSV, tables[i], &n2);
        cr_assert_gt(n1, 100);
        cr_assert(n1 == n2 && memcmp(m1, m2, n1) == 0, "table %zu", i);
        free(m1);
        free(m2);
        cr_assert(!pr_output_uses_attribution(PR_FORMAT_CSV, tables[i]));
    }
    cr_assert(pr_output_uses_attribution(PR_FORMAT_CSV, PR_TABLE_MODULES));
    cr_assert(pr_output_uses_attribution(PR_FORMAT_CSV, PR_TABLE_FINDINGS));
    cr_assert(pr_output_uses_attribution(PR_FORMAT_MD, PR_TABLE_ALL));
    cr_assert(pr_output_uses_attribution(PR_FORMAT_COLLAPSED,
                                         PR_TABLE_ENDPOINTS));
    pr_report_free(with);
    pr_report_free(without);
    pr_agg_free(agg);
}
