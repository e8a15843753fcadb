/* test_diff.c - diff verdicts, endpoint identity and --fail-on rules on
 * real directories written by the twin app (tests/gen/twin/): in
 * data/twin-views the view api.ItemB.get (api.py:17) is 100 ms slower in
 * NEW, and api.ItemA.get (api.py:10), a method of the same name in the
 * same file, is unchanged. */
#include "testutil.h"

#define VIEWS "data/twin-views/"

static pr_report *report_of(const char *dir)
{
    pr_agg_options ao;
    memset(&ao, 0, sizeof ao);
    ao.threads = 1;
    pr_agg *agg;
    cr_assert_eq(pr_agg_new(&ao, &agg), PR_OK);
    const char *paths[] = {dir};
    cr_assert_eq(pr_agg_add_paths(agg, paths, 1), PR_OK);
    cr_assert_gt(pr_agg_files_read(agg), 0, "%s has profiles", dir);
    pr_report *r;
    cr_assert_eq(pr_report_build(agg, NULL, &r), PR_OK);
    pr_agg_free(agg);
    return r;
}

static const pr_diff_endpoint *find(const pr_diff *d, const char *label)
{
    const pr_diff_endpoint *e;
    size_t n = pr_diff_endpoints(d, &e);
    for (size_t i = 0; i < n; i++)
        if (strcmp(e[i].label, label) == 0)
            return &e[i];
    return NULL;
}

static pr_diff *views_diff(double alpha)
{
    pr_report *b = report_of(VIEWS "base"), *c = report_of(VIEWS "new");
    pr_diff_options o = {alpha};
    pr_diff *d;
    cr_assert_eq(pr_diff_compare(b, c, &o, &d), PR_OK);
    pr_report_free(b);
    pr_report_free(c);
    return d;
}

/* Issue 14 item 1: two views named get in api.py were one diff row, and
 * the slowdown of one of them disappeared. */
Test(diff, same_name_same_file_two_views)
{
    pr_diff *d = views_diff(0);
    cr_expect_eq(pr_diff_endpoints(d, NULL), 2);
    const pr_diff_endpoint *a = find(d, "get (api.py:10)");
    const pr_diff_endpoint *b = find(d, "get (api.py:17)");
    cr_assert(a != NULL && b != NULL, "both views have a row");
    cr_expect_eq(a->base.requests, 8);
    cr_expect_eq(b->cur.requests, 8);
    cr_expect_eq(b->verdict, PR_VERDICT_SLOWER);
    cr_expect_eq(a->verdict, PR_VERDICT_SAME, "ItemA: %s",
                 pr_verdict_name(a->verdict));
    cr_expect_gt(b->mean.lo, 90, "the interval of the mean change is "
                                 "above 90 ms: [%g, %g]", b->mean.lo,
                 b->mean.hi);
    pr_rule r;
    cr_assert_eq(pr_rule_parse("mean>+50ms", &r), 0);
    cr_expect_eq(pr_diff_check(d, &r, 1, 5), 1);
    cr_expect(b->failed != NULL && a->failed == NULL);
    /* which code: the module api (ItemB's file), through time.sleep */
    cr_assert_gt(b->nblame, 0);
    cr_expect_str_eq(b->blame[0].name, "api");
    cr_expect_gt(b->blame[0].cur_ms - b->blame[0].base_ms, 90);
    int sleep = 0;
    for (size_t k = 0; k < b->nblame; k++)
        sleep |= b->blame[k].is_function &&
                 strstr(b->blame[k].name, "time.sleep") != NULL;
    cr_expect(sleep, "time.sleep named among the functions");
    pr_diff_free(d);
}

Test(diff, rules_need_significance)
{
    /* alpha 1 tests nothing: ItemA's noise then crosses a tiny rule;
     * at the default alpha it does not */
    pr_rule r;
    cr_assert_eq(pr_rule_parse("mean>+0.1ms", &r), 0);
    pr_diff *d = views_diff(0);
    pr_diff_check(d, &r, 1, 5);
    cr_expect_null(find(d, "get (api.py:10)")->failed);
    pr_diff_free(d);
}

static char *write_tmp(const char *dir, const char *name, const char *text)
{
    char *p = tu_path(dir, name);
    tu_write_file(p, text, strlen(text));
    return p;
}

/* A -t requests baseline from the real BASE, labels edited as given. */
static char *requests_baseline(const char *dir, const char *from_a,
                               const char *to_a, const char *from_b,
                               const char *to_b)
{
    pr_report *b = report_of(VIEWS "base");
    char *path = tu_path(dir, "requests.csv");
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    const pr_request_row *rq;
    const pr_endpoint_row *ep;
    size_t n = pr_report_requests(b, &rq, NULL);
    pr_report_endpoints(b, &ep);
    fputs("file,method,path,endpoint,wall_ms,profiled_ms,timestamp\n", f);
    for (size_t i = 0; i < n; i++) {
        const char *l = ep[rq[i].endpoint].label;
        if (strcmp(l, from_a) == 0)
            l = to_a;
        else if (strcmp(l, from_b) == 0)
            l = to_b;
        fprintf(f, "x,GET,p,\"%s\",%.3f,%.3f,0\n", l, rq[i].wall_ms,
                rq[i].profiled_ms);
    }
    fclose(f);
    pr_report_free(b);
    return path;
}

Test(diff, baseline_of_requests_is_tested)
{
    char *dir = tu_mkdtemp();
    char *csv = requests_baseline(dir, "", "", "", "");
    pr_report *c = report_of(VIEWS "new");
    pr_diff *d;
    pr_error err;
    cr_assert_eq(pr_diff_compare_baseline(csv, c, NULL, &d, &err), PR_OK,
                 "%s", err.msg);
    const pr_diff_endpoint *b = find(d, "get (api.py:17)");
    cr_assert_not_null(b);
    cr_expect_not_null(b->base.ms);
    cr_expect_eq(b->verdict, PR_VERDICT_SLOWER);
    cr_expect_eq(find(d, "get (api.py:10)")->verdict, PR_VERDICT_SAME);
    pr_diff_free(d);
    pr_report_free(c);
    free(csv);
    tu_rm_rf(dir);
    free(dir);
}

Test(diff, moved_views_match_in_line_order)
{
    char *dir = tu_mkdtemp();
    /* code added above both views: 10 -> 14, 17 -> 21 in BASE's eyes */
    char *csv = requests_baseline(dir, "get (api.py:10)", "get (api.py:6)",
                                  "get (api.py:17)", "get (api.py:13)");
    pr_report *c = report_of(VIEWS "new");
    pr_diff *d;
    cr_assert_eq(pr_diff_compare_baseline(csv, c, NULL, &d, NULL), PR_OK);
    cr_expect_eq(pr_diff_endpoints(d, NULL), 2, "matched, not new + gone");
    cr_expect_eq(find(d, "get (api.py:17)")->verdict, PR_VERDICT_SLOWER);
    cr_expect_eq(find(d, "get (api.py:10)")->verdict, PR_VERDICT_SAME);
    pr_diff_free(d);
    free(csv);
    /* one get in BASE (moved), two in NEW: ambiguous, so no pairing is
     * guessed (ItemB's get was a post in BASE) */
    csv = requests_baseline(dir, "get (api.py:10)", "get (api.py:6)",
                            "get (api.py:17)", "post (api.py:17)");
    cr_assert_eq(pr_diff_compare_baseline(csv, c, NULL, &d, NULL), PR_OK);
    cr_expect_eq(pr_diff_endpoints(d, NULL), 4);
    cr_expect_eq(find(d, "get (api.py:10)")->verdict, PR_VERDICT_ONE_SIDE);
    cr_expect_eq(find(d, "get (api.py:17)")->verdict, PR_VERDICT_ONE_SIDE);
    pr_diff_free(d);
    free(csv);
    pr_report_free(c);
    tu_rm_rf(dir);
    free(dir);
}

/* Issue 14 item 2: a percentage rule never fired from a 0 ms base. */
Test(diff, zero_ms_base)
{
    char *dir = tu_mkdtemp();
    char text[4096] = "endpoint,wall_ms\n";
    for (int i = 0; i < 8; i++)
        strcat(text, "get (api.py:17),0\n");
    char *csv = write_tmp(dir, "zero.csv", text);
    pr_report *c = report_of(VIEWS "new");
    pr_diff *d;
    cr_assert_eq(pr_diff_compare_baseline(csv, c, NULL, &d, NULL), PR_OK);
    pr_rule r;
    cr_assert_eq(pr_rule_parse("p95>+20%", &r), 0);
    cr_expect_eq(pr_diff_check(d, &r, 1, 5), 1);
    cr_expect_not_null(find(d, "get (api.py:17)")->failed);
    pr_diff_free(d);
    pr_report_free(c);
    free(csv);
    tu_rm_rf(dir);
    free(dir);
}

Test(diff, summary_baseline_is_untested)
{
    char *dir = tu_mkdtemp();
    pr_report *b = report_of(VIEWS "base"), *c = report_of(VIEWS "new");
    char *csv = tu_path(dir, "endpoints.csv");
    FILE *f = fopen(csv, "w");
    cr_assert_eq(pr_render(b, PR_FORMAT_CSV, PR_TABLE_ENDPOINTS, f, NULL),
                 PR_OK);
    fclose(f);
    pr_diff *d;
    cr_assert_eq(pr_diff_compare_baseline(csv, c, NULL, &d, NULL), PR_OK);
    const pr_diff_endpoint *e = find(d, "get (api.py:17)");
    cr_assert_not_null(e);
    cr_expect_eq(e->verdict, PR_VERDICT_UNTESTED);
    cr_expect_null(e->base.ms);
    pr_rule r;
    cr_assert_eq(pr_rule_parse("mean>+50ms", &r), 0);
    cr_expect_eq(pr_diff_check(d, &r, 1, 5), 1, "the threshold decides");
    char *md = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&md, &len);
    cr_assert_eq(pr_diff_render(d, PR_FORMAT_MD, PR_TABLE_ALL, m, NULL),
                 PR_OK);
    fclose(m);
    cr_expect_not_null(strstr(md, "significance cannot be tested"));
    free(md);
    pr_diff_free(d);
    pr_report_free(b);
    pr_report_free(c);
    free(csv);
    tu_rm_rf(dir);
    free(dir);
}

Test(diff, bad_baseline_names_row)
{
    char *dir = tu_mkdtemp();
    char *csv = write_tmp(dir, "bad.csv", "endpoint,wall_ms\nx,1\ny,abc\n");
    pr_report *c = report_of(VIEWS "new");
    pr_diff *d;
    pr_error err;
    cr_expect_eq(pr_diff_compare_baseline(csv, c, NULL, &d, &err),
                 PR_ERR_BAD_CSV);
    cr_expect_null(d);
    cr_expect_not_null(strstr(err.msg, "row 2: 'wall_ms'"), "%s", err.msg);
    pr_report_free(c);
    free(csv);
    tu_rm_rf(dir);
    free(dir);
}

/* A -t request-modules baseline keeps own time per module: the diff
 * names the module that moved without BASE's files. */
Test(diff, baseline_of_request_modules_blames)
{
    char *dir = tu_mkdtemp();
    char *csv = tu_path(dir, "mods.csv");
    pr_report *b = report_of(VIEWS "base"), *c = report_of(VIEWS "new");
    FILE *f = fopen(csv, "w");
    cr_assert_not_null(f);
    cr_assert_eq(pr_render_request_modules(b, f, NULL), PR_OK);
    fclose(f);
    pr_diff *d;
    pr_error err;
    cr_assert_eq(pr_diff_compare_baseline(csv, c, NULL, &d, &err), PR_OK,
                 "%s", err.msg);
    const pr_diff_endpoint *e = find(d, "get (api.py:17)");
    cr_assert_not_null(e);
    cr_expect_eq(e->base.requests, 8);
    cr_expect_eq(e->verdict, PR_VERDICT_SLOWER);
    cr_assert_gt(e->nblame, 0);
    cr_expect_str_eq(e->blame[0].name, "api");
    cr_expect_eq(e->blame[0].is_function, 0);
    for (size_t k = 0; k < e->nblame; k++)
        cr_expect_eq(e->blame[k].is_function, 0, "no functions from a "
                                                 "baseline");
    pr_diff_free(d);
    pr_report_free(b);
    pr_report_free(c);
    free(csv);
    tu_rm_rf(dir);
    free(dir);
}

/* ---- a malformed baseline CSV is PR_ERR_BAD_CSV with the row's
 * position, not a stats error ---------------------------------------- */

static void baseline_fails(const char *csv, uint64_t offset)
{
    pr_report *cur = tu_report_of("data/werkzeug", 0);
    char *dir = tu_mkdtemp();
    char *path = tu_path(dir, "base.csv");
    tu_write_file(path, csv, strlen(csv));
    pr_diff *d = (pr_diff *)&d;
    pr_error err;
    tu_assert_err(pr_diff_from_baseline(path, cur, &d, &err), err,
                  PR_ERR_BAD_CSV, offset);
    cr_assert_null(d);
    tu_rm_rf(dir);
    free(path);
    free(dir);
    pr_report_free(cur);
}

Test(diff, baseline_without_a_column)
{
    baseline_fails("endpoint,requests\nx,1\n", 0);
}

Test(diff, baseline_with_a_word_for_a_number)
{
    baseline_fails("endpoint,requests,mean_ms,p50_ms,p95_ms,p99_ms,max_ms\n"
                   "index,3,1.0,1.0,many,1.0,1.0\n",
                   0);
}

Test(diff, baseline_empty)
{
    baseline_fails("", 0);
}
