/* test_findings.c - the report's opening sentences (lib/findings.c).
 *
 *  - The seed incident (../examples/profiles: 28 werkzeug profiles of a
 *    Flask shop whose sessions Flask-Session keeps in mongomock): the
 *    first finding must blame mongomock, entered from flask_session's
 *    save_session and open_session, with the shares pstats gives. The
 *    figures below were printed by
 *        /usr/bin/python3 examples/seed/truth.py examples/profiles
 *    (sum of the cumtimes on the caller edges from flask_session/
 *    sessions.py into mongomock, over the sum of werkzeug runapp's
 *    cumtime).
 *  - data/werkzeug (a Flask app with no dominant library): whatever the
 *    findings say, each module they blame must really hold that share.
 *  - A synthetic latency step built from copies of one werkzeug profile
 *    renamed with chosen times and elapsed milliseconds.
 */
#include "testutil.h"

#include <math.h>

#define SEED_DIR "../examples/profiles"
#define WZ_DIR "data/werkzeug"

/* BUG (reported in test_endpoint.c and test_report.c): lib/aggregate.c
 * run_list() calls qsort(m->skips, 0, ...) with m->skips == NULL when no
 * input was skipped, and UBSan aborts. Until it is fixed, report_of()
 * adds one missing file after the inputs so that one input is skipped;
 * that adds the "could not be read" finding at the end (SKIP_FINDINGS).
 * Set WALK_OK to 1 once fixed. */
#define WALK_OK 0
#define SKIP_FINDINGS (WALK_OK ? 0u : 1u)

static pr_report *report_of(const char *dir, const pr_report_options *o,
                            size_t want_files)
{
    pr_agg *agg = NULL;
    cr_assert_eq(pr_agg_new(NULL, &agg), PR_OK);
    const char *paths[2] = {dir, "data/no-such-file.prof"};
    cr_assert_eq(pr_agg_add_paths(agg, paths, WALK_OK ? 1 : 2), PR_OK);
    cr_assert_eq(pr_agg_files_read(agg), want_files);
    cr_assert_eq(pr_agg_files_skipped(agg), SKIP_FINDINGS);
    pr_report *r = NULL;
    cr_assert_eq(pr_report_build(agg, o, &r), PR_OK);
    pr_agg_free(agg);
    return r;
}

static void log_findings(const pr_finding *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cr_log_info("finding %zu (#%s): %s", i + 1, f[i].anchor, f[i].text);
}

#define expect_has(text, needle)                                             \
    cr_expect_not_null(strstr((text), (needle)), "\"%s\" not in: %s",        \
                       (needle), (text))

static const pr_module_row *mod_row(const pr_attribution *a, const char *name)
{
    for (size_t i = 0; i < a->nmodules; i++)
        if (strcmp(a->modules[i].name, name) == 0)
            return &a->modules[i];
    return NULL;
}

static const pr_entry_point_row *entry_row(const pr_attribution *a,
                                           const char *module,
                                           const char *from)
{
    for (size_t i = 0; i < a->nentries; i++)
        if (strcmp(a->entries[i].module, module) == 0 &&
            strcmp(a->entries[i].entered_from, from) == 0)
            return &a->entries[i];
    return NULL;
}

/* A share as findings.c and the tables print it: one decimal. */
static void pct_text(double share, char *buf, size_t cap)
{
    snprintf(buf, cap, "%.1f%%", share * 100);
}

/* ---- the seed incident --------------------------------------------------- */

/* examples/seed/truth.py on examples/profiles. */
#define SEED_FILES 28
#define SEED_TOTAL 79.162085   /* sum of runapp cumtime */
#define SEED_DB 79.036478      /* into mongomock from flask_session */
#define SEED_SAVE 41.502044    /* save_session -> _update, 28 calls */
#define SEED_OPEN 37.534433    /* open_session -> find_one, 25 calls */

static const struct {
    const char *view;
    size_t requests;
    double total, db;
} SEED_EP[] = {
    {"index", 12, 26.329797, 26.270584},
    {"product", 8, 20.286188, 20.259616},
    {"search", 3, 12.159555, 12.136540},
    {"cart_add", 3, 10.978410, 10.966476},
    {"cart", 2, 9.408135, 9.403261},
};

Test(findings, seed_first_finding_blames_mongomock)
{
    pr_report *r = report_of(SEED_DIR, NULL, SEED_FILES);
    const pr_finding *f;
    size_t n = pr_report_findings(r, &f);
    log_findings(f, n);
    cr_assert_geq(n, 1);
    cr_expect_str_eq(f[0].section, "modules");
    cr_expect_eq(f[0].kind, PR_FINDING_MODULE);
    cr_expect_null(f[0].endpoint);
    cr_expect_str_eq(f[0].subject, "mongomock");
    /* own time 99.85 %; pstats' inclusive 99.84 % bounds it within the
     * estimate bound (0.1 point) */
    cr_expect(fabs(f[0].share - SEED_DB / SEED_TOTAL) < 1e-3, "share %.5f",
              f[0].share);
    /* the cost per request: own time over the 28 requests */
    cr_expect(fabs(f[0].per_request_ms -
                   f[0].share * pr_report_attribution(r)->total_s * 1000 /
                       SEED_FILES) < 1e-6);
    cr_expect_eq(strncmp(f[0].text,
                         "99.8% of all request time (2.82 s per request) is "
                         "spent in mongomock's own code",
                         f[0].lead_len), 0, "%s", f[0].text);
    cr_expect_eq(f[0].lead_len, strlen("99.8% of all request time (2.82 s "
                                       "per request) is spent in mongomock's "
                                       "own code"));
    /* plain words: no Markdown */
    cr_expect_null(strpbrk(f[0].text, "*\\[]"), "%s", f[0].text);
    /* pstats: 52.43 % and 47.41 %, one decimal as in the tables */
    expect_has(f[0].text, "entered from flask_session/sessions.py: "
                          "save_session 52.4%, open_session 47.4%");
    /* exact figures are not hedged */
    cr_expect_null(strstr(f[0].text, "bout"), "%s", f[0].text);
    cr_expect_not(f[0].estimated);
    /* per endpoint 99.78 % (index) to 99.95 % (cart) */
    expect_has(f[0].text, "it is the top module of every endpoint "
                          "(99.8% to 99.9% each)");
    /* Nothing else stands out: no endpoint takes 40 % (index has 33 %),
     * every endpoint's top module is the overall one, no endpoint has the
     * 5 requests a p95 comparison needs but index and product (the
     * costliest is the slowest of those), and three one-minute buckets
     * are too few for a latency step. */
    cr_expect_eq(n, 1 + SKIP_FINDINGS);
    pr_report_free(r);
}

/* The numbers behind the sentence, against pstats' truth. */
Test(findings, seed_figures_match_pstats)
{
    pr_report *r = report_of(SEED_DIR, NULL, SEED_FILES);
    const pr_attribution *a = pr_report_attribution(r);
    const pr_module_row *m = mod_row(a, "mongomock");
    cr_assert_not_null(m);
    cr_expect_eq(m->kind, PR_MOD_LIBRARY);
    cr_expect_not(m->estimated);
    cr_expect_not(m->self_estimated);
    /* own time: mongomock's code and the standard library and built-ins
     * it calls; mongomock calls no other library, so it is its inclusive
     * time to the estimate bound of shared standard-library chains */
    cr_expect(fabs(m->self_s - SEED_DB) < 1e-3 * SEED_TOTAL,
              "mongomock own %.6f s", m->self_s);
    /* cumtimes on the same edges, summed: equal to rounding */
    cr_expect(m->inclusive_s >= SEED_DB - 2e-6, "mongomock %.6f s",
              m->inclusive_s);
    cr_expect(fabs(a->total_s - SEED_TOTAL) < 0.01, "total %.6f",
              a->total_s);
    const pr_entry_point_row *save =
        entry_row(a, "mongomock", "flask_session/sessions.py:save_session");
    const pr_entry_point_row *open =
        entry_row(a, "mongomock", "flask_session/sessions.py:open_session");
    cr_assert_not_null(save);
    cr_assert_not_null(open);
    cr_expect(fabs(save->inclusive_s - SEED_SAVE) < 2e-6, "save %.6f",
              save->inclusive_s);
    cr_expect(fabs(open->inclusive_s - SEED_OPEN) < 2e-6, "open %.6f",
              open->inclusive_s);
    cr_expect_eq(save->calls, 28);
    cr_expect_eq(open->calls, 25);
    cr_expect(fabs(save->share - SEED_SAVE / SEED_TOTAL) < 1e-4);
    cr_expect(fabs(open->share - SEED_OPEN / SEED_TOTAL) < 1e-4);
    cr_expect_str_eq(save->caller_module, "flask_session");
    cr_expect_str_eq(save->chain,
                     "mongomock <- flask_session <- flask <- werkzeug");
    cr_expect_null(save->via_callers);
    pr_report_free(r);
}

Test(findings, seed_every_endpoint_matches_pstats)
{
    pr_report *r = report_of(SEED_DIR, NULL, SEED_FILES);
    const pr_endpoint_row *ep;
    size_t ne = pr_report_endpoints(r, &ep);
    cr_assert_eq(ne, sizeof SEED_EP / sizeof SEED_EP[0]);
    for (size_t i = 0; i < ne; i++) {
        size_t k = 0;
        while (k < ne && !tu_str_is(ep[i].view.name, SEED_EP[k].view))
            k++;
        cr_assert_lt(k, ne, "unexpected endpoint %s", ep[i].label);
        cr_expect_eq(ep[i].requests, SEED_EP[k].requests, "%s",
                     ep[i].label);
        const pr_module_row *m = mod_row(&ep[i].attr, "mongomock");
        cr_assert_not_null(m, "%s: no mongomock", ep[i].label);
        cr_expect_str_eq(ep[i].attr.modules[0].name, "mongomock");
        cr_expect(fabs(m->self_share - SEED_EP[k].db / SEED_EP[k].total)
                      < 1e-3,
                  "%s: share %.5f, pstats %.5f", ep[i].label,
                  m->self_share, SEED_EP[k].db / SEED_EP[k].total);
    }
    pr_report_free(r);
}

/* ---- every claim holds ---------------------------------------------------- */

static const pr_attribution *scope_of(const pr_report *r, const pr_finding *f)
{
    if (f->endpoint == NULL)
        return pr_report_attribution(r);
    const pr_endpoint_row *ep;
    size_t ne = pr_report_endpoints(r, &ep);
    for (size_t e = 0; e < ne; e++)
        if (strcmp(ep[e].label, f->endpoint) == 0)
            return &ep[e].attr;
    cr_assert_fail("finding for unknown endpoint %s", f->endpoint);
    return NULL;
}

/* Every module finding names a module of its scope by own time: the
 * first of its scope (or the second or third, for the next ones), with the
 * share it has there, printed as the tables print it, "about" exactly
 * when it is an estimate, and a cost per request that is that share of
 * the scope's time per request. Every share is in [0, 1]. Returns how
 * many module findings there were. */
static size_t check_claims(const pr_report *r)
{
    const pr_finding *f;
    size_t n = pr_report_findings(r, &f);
    size_t claims = 0;
    for (size_t i = 0; i < n; i++) {
        cr_expect(f[i].share <= 1.0, "%s", f[i].text);
        cr_expect_null(strpbrk(f[i].text, "*\\[]`"), "markup: %s", f[i].text);
        if (f[i].kind != PR_FINDING_MODULE)
            continue;
        const pr_attribution *a = scope_of(r, &f[i]);
        const pr_module_row *m = mod_row(a, f[i].subject);
        cr_assert_not_null(m, "finding names no module: %s", f[i].text);
        claims++;
        cr_expect(m - a->modules < 3,
                  "%s is not the top module of its scope: %s", m->name,
                  f[i].text);
        cr_expect_eq(f[i].share, m->self_share);
        cr_expect(f[i].share >= 0 && f[i].share <= 1);
        char p[16];
        pct_text(m->self_share, p, sizeof p);
        expect_has(f[i].text, p);
        cr_expect_eq(f[i].estimated, m->self_estimated);
        if (m->self_estimated)
            cr_expect(strstr(f[i].text, "bout ") != NULL,
                      "an estimate stated as exact: %s", f[i].text);
    }
    return claims;
}

/* The identifiers a finding names are marked, inside its text, so that
 * Markdown can set them as code; the subject of a module finding is one
 * of them. */
Test(findings, identifiers_are_marked)
{
    pr_report *r = report_of(WZ_DIR, NULL, 34);
    const pr_finding *f;
    size_t n = pr_report_findings(r, &f);
    size_t modules = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(f[i].text), last = 0;
        int subject = 0;
        for (size_t k = 0; k < f[i].nidents; k++) {
            const pr_span *s = &f[i].idents[k];
            cr_assert(s->len > 0 && s->off + s->len <= len, "%s", f[i].text);
            cr_expect_geq(s->off, last, "spans in order: %s", f[i].text);
            last = s->off + s->len;
            subject |= s->len == strlen(f[i].subject) &&
                       memcmp(f[i].text + s->off, f[i].subject, s->len) == 0;
        }
        if (f[i].kind == PR_FINDING_MODULE) {
            modules++;
            cr_expect(subject, "subject %s not marked in: %s", f[i].subject,
                      f[i].text);
        }
    }
    cr_expect_gt(modules, 0);
    pr_report_free(r);
}

Test(findings, seed_claims_hold)
{
    pr_report *r = report_of(SEED_DIR, NULL, SEED_FILES);
    cr_expect_eq(check_claims(r), 1);
    pr_report_free(r);
}

/* data/werkzeug: 34 requests of the Flask app in gen/flask_app.py. Time
 * is spread: jinja2 (templates compiled and rendered) holds the most own
 * time, the sqlalchemy report endpoint's own time is mostly sqlalchemy,
 * and the app's views themselves do little. The findings blame by own
 * time: never the app (which sits above everything on the stack) and
 * never the frameworks around every request for what they call. */
Test(findings, werkzeug_claims_hold)
{
    pr_report *r = report_of(WZ_DIR, NULL, 34);
    const pr_finding *f;
    size_t n = pr_report_findings(r, &f);
    log_findings(f, n);
    cr_expect_geq(check_claims(r), 2);
    const pr_attribution *a = pr_report_attribution(r);
    cr_assert_geq(n, 1);
    cr_expect_str_eq(f[0].section, "modules");
    cr_expect_str_eq(f[0].subject, "jinja2");
    cr_expect_str_eq(a->modules[0].name, "jinja2");
    const pr_module_row *app = mod_row(a, "flask_app");
    cr_assert_not_null(app);
    cr_expect_eq(app->kind, PR_MOD_APP);
    /* the app's inclusive time is large, its own time small */
    cr_expect_gt(app->inclusive_share, 0.5);
    cr_expect_lt(app->self_share, 0.2);
    for (size_t i = 0; i < n; i++)
        cr_expect_str_neq(f[i].subject, "flask_app", "%s", f[i].text);
    /* the report endpoint is sqlalchemy's */
    int found = 0;
    for (size_t i = 0; i < n; i++)
        if (f[i].endpoint != NULL && strstr(f[i].endpoint, "report (") ==
                                         f[i].endpoint) {
            cr_expect_str_eq(f[i].subject, "sqlalchemy");
            found = 1;
        }
    cr_expect(found, "no finding for the report endpoint");
    /* own shares are a partition of each scope */
    const pr_endpoint_row *ep;
    size_t ne = pr_report_endpoints(r, &ep);
    for (size_t e = 0; e <= ne; e++) {
        const pr_attribution *s = e < ne ? &ep[e].attr : a;
        double sum = 0;
        for (size_t m = 0; m < s->nmodules; m++) {
            cr_expect(s->modules[m].self_share >= 0 &&
                      s->modules[m].self_share <= 1);
            cr_expect(s->modules[m].inclusive_share >= 0 &&
                      s->modules[m].inclusive_share <= 1);
            sum += s->modules[m].self_share;
        }
        cr_expect(fabs(sum - 1) < 1e-5, "own shares sum to %.6f", sum);
    }
    pr_report_free(r);
}

/* ---- latency over time ---------------------------------------------------- */

/* A profile that measured 0.75 ms: every name below claims at least 1 ms,
 * so each name's time stands (a name under the profile's own time would
 * be rejected for the profiled time). */
#define STEP_SRC WZ_DIR "/GET.api.items.3.1ms.1795610533.prof"
#define T0 1795610400.0 /* 2026-11-25T12:40:00Z, a whole minute */

/* A directory of copies of one werkzeug profile, nb one-minute buckets of
 * three requests each; bucket b's requests took ms[b] - 1, ms[b], ms[b] + 1
 * milliseconds (p50 = ms[b]). */
static char *step_dir(const int *ms, size_t nb)
{
    char *dir = tu_mkdtemp();
    for (size_t b = 0; b < nb; b++)
        for (int j = 0; j < 3; j++) {
            char name[96];
            snprintf(name, sizeof name, "GET.api.items.%dms.%.0f.prof",
                     ms[b] - 1 + j, T0 + 60.0 * (double)b + 10.0 * j);
            char *to = tu_path(dir, name);
            tu_copy_file(STEP_SRC, to);
            free(to);
        }
    return dir;
}

static const pr_finding *latency_finding(const pr_report *r)
{
    const pr_finding *f;
    size_t n = pr_report_findings(r, &f);
    log_findings(f, n);
    for (size_t i = 0; i < n; i++)
        if (f[i].kind == PR_FINDING_STEP)
            return &f[i];
    return NULL;
}

static pr_report *step_report(const int *ms, size_t nb, char **dir)
{
    *dir = step_dir(ms, nb);
    pr_report_options o;
    memset(&o, 0, sizeof o);
    o.bucket_s = 60;
    pr_report *r = report_of(*dir, &o, 3 * nb);
    const pr_bucket_row *b;
    double bs;
    cr_assert_eq(pr_report_buckets(r, &b, &bs), nb);
    cr_assert_eq(bs, 60.0);
    for (size_t i = 0; i < nb; i++) {
        cr_assert_eq(b[i].start, T0 + 60.0 * (double)i);
        cr_assert_eq(b[i].requests, 3);
        cr_assert_eq(b[i].p50_ms, ms[i], "bucket %zu p50 %.0f", i,
                     b[i].p50_ms);
    }
    return r;
}

/* 8 minutes at 5 ms, then 4 minutes at 50 ms. */
static const int STEP_MS[12] = {5, 5, 5, 5, 5, 5, 5, 5, 50, 50, 50, 50};

Test(findings, latency_step_found)
{
    char *dir;
    pr_report *r = step_report(STEP_MS, 12, &dir);
    const pr_finding *lf = latency_finding(r);
    cr_assert_not_null(lf, "no latency finding");
    expect_has(lf->text, "Latency rose from 2026-11-25T12:");
    expect_has(lf->text, "the median request went from 5 ms to 50 ms "
                         "(10.0x; 24 requests before, 12 after; the median "
                         "rose by ");
    /* how sure: the test and the correction for choosing the step */
    expect_has(lf->text, "Mann-Whitney p < 0.0001, corrected for the 9 "
                         "places a step could be");
    cr_expect_str_eq(lf->section, "latency-over-time");
    pr_report_free(r);
    tu_rm_rf(dir);
    free(dir);
}

/* BUG: the step is dated too early: "Latency rose from 12:45" (bucket 5)
 * for a step at 12:48 (bucket 8). regression_finding() takes the first
 * split k with the highest ratio median(p50 of buckets k..n) /
 * median(p50 of buckets 0..k); the median after k is already the slow
 * value as soon as slow buckets are the majority after k, so with s slow
 * buckets every split from the step minus s - 1 on ties, and the first
 * (earliest) one wins: the finding is s - 1 buckets early whenever the
 * slow part lasts longer than one bucket. */
Test(findings, latency_step_dated)
{
    char *dir;
    pr_report *r = step_report(STEP_MS, 12, &dir);
    const pr_finding *lf = latency_finding(r);
    cr_assert_not_null(lf, "no latency finding");
    cr_expect_str_eq(lf->subject, "2026-11-25T12:48:00Z");
    pr_report_free(r);
    tu_rm_rf(dir);
    free(dir);
    /* the same with the slow part longer than the fast one */
    static const int late[12] = {5, 5, 5, 5, 50, 50, 50, 50, 50, 50, 50, 50};
    r = step_report(late, 12, &dir);
    lf = latency_finding(r);
    cr_assert_not_null(lf, "no latency finding");
    cr_expect_str_eq(lf->subject, "2026-11-25T12:44:00Z");
    pr_report_free(r);
    tu_rm_rf(dir);
    free(dir);
}

/* No step: flat latency, a rise under 1.5x, a rise of less than 5 ms,
 * or fewer than 4 buckets. */
Test(findings, latency_no_step)
{
    static const int flat[8] = {20, 20, 20, 20, 20, 20, 20, 20};
    static const int mild[8] = {20, 20, 20, 20, 28, 28, 28, 28};
    static const int tiny[8] = {2, 2, 2, 2, 6, 6, 6, 6};
    static const int few[3] = {5, 50, 50};
    /* one slow minute at the end: a 2x split, but six requests after it
     * are not told apart from noise once the choice of split is paid for */
    static const int one[12] = {20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20,
                                60};
    static const struct {
        const int *ms;
        size_t nb;
        const char *what;
    } cases[] = {
        {flat, 8, "flat"},
        {mild, 8, "1.4x"},
        {tiny, 8, "3x but 4 ms"},
        {few, 3, "3 buckets"},
        {one, 12, "one slow bucket"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *dir;
        pr_report *r = step_report(cases[i].ms, cases[i].nb, &dir);
        const pr_finding *lf = latency_finding(r);
        cr_expect_null(lf, "%s: %s", cases[i].what, lf ? lf->text : "");
        pr_report_free(r);
        tu_rm_rf(dir);
        free(dir);
    }
}

/* ---- slow versus typical requests ----------------------------------------- */

/* tests/data/truth/tail-cpython3.11: 32 requests of lookup, every 8th a
 * cache miss that scans with mongomock (tests/gen/layersapp.py). A
 * slow_requests finding names a module that pr_outliers found
 * significant, at least twice as present in the endpoint's slowest
 * requests, with the cost per request the row gives; asked not to
 * compare (outliers = -1), the report makes neither. */
Test(findings, slow_requests_come_from_the_test)
{
    pr_report_options o;
    memset(&o, 0, sizeof o);
    o.outliers = 1;
    pr_agg *agg = NULL;
    cr_assert_eq(pr_agg_new(NULL, &agg), PR_OK);
    const char *paths[1] = {"data/truth/tail-cpython3.11"};
    cr_assert_eq(pr_agg_add_paths(agg, paths, 1), PR_OK);
    pr_report *r = NULL;
    cr_assert_eq(pr_report_build(agg, &o, &r), PR_OK);
    const pr_outliers *ol = pr_report_outliers(r);
    cr_assert_not_null(ol);
    const pr_outlier_row *rows;
    size_t nrows = pr_outliers_rows(ol, &rows);
    const pr_finding *f;
    size_t n = pr_report_findings(r, &f);
    log_findings(f, n);
    size_t made = 0;
    for (size_t i = 0; i < n; i++) {
        if (f[i].kind != PR_FINDING_SLOW_REQUESTS)
            continue;
        made++;
        const pr_outlier_row *hit = NULL;
        for (size_t k = 0; k < nrows && hit == NULL; k++)
            if (!rows[k].is_function &&
                strcmp(rows[k].endpoint, f[i].endpoint) == 0 &&
                strcmp(rows[k].name, f[i].subject) == 0)
                hit = &rows[k];
        cr_assert_not_null(hit, "%s", f[i].text);
        cr_expect_geq(hit->ratio, 2.0);
        cr_expect_lt(hit->p, 0.01);
        cr_expect(fabs(f[i].per_request_ms - (hit->slow_ms - hit->typical_ms))
                      < 1e-9);
        expect_has(f[i].text, "Mann-Whitney p");
    }
    /* the misses' scans: lookup's slowest requests name mongomock */
    cr_expect_gt(made, 0);
    pr_report_free(r);
    o.outliers = -1;
    cr_assert_eq(pr_report_build(agg, &o, &r), PR_OK);
    cr_expect_null(pr_report_outliers(r));
    n = pr_report_findings(r, &f);
    for (size_t i = 0; i < n; i++)
        cr_expect_neq(f[i].kind, PR_FINDING_SLOW_REQUESTS);
    pr_report_free(r);
    pr_agg_free(agg);
}
