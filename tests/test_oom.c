/* test_oom.c - out of memory on every allocation of a report and its
 * renderers. The unit binary is linked with -Wl,--wrap for malloc,
 * calloc, realloc and strdup (Makefile), so every allocation lib/ makes
 * goes through the wrappers below; armed, they fail the N-th one. The
 * arena has its own hook in test builds (PR_FAULT_INJECTION, arena.c),
 * since most of a report's strings come from arena chunks. For
 * N = 1, 2, ... until a run needs fewer than N allocations, building the
 * report and rendering it in every format must return PR_OK or
 * PR_ERR_NOMEM: no crash, no other status, and (ASan's leak checker, on
 * in run_unit.sh) nothing leaked. Allocations inside other libraries
 * (cmark-gfm, libc's memory streams) are not counted. */
#include "testutil.h"
#include "arena.h"

#include <limits.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);

static long fail_at; /* 0: never */
static long count;

static int fail_now(void)
{
    return fail_at > 0 && ++count == fail_at;
}

void *__wrap_malloc(size_t n) { return fail_now() ? NULL : __real_malloc(n); }

void *__wrap_calloc(size_t n, size_t size)
{
    return fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
    return fail_now() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
    return fail_now() ? NULL : __real_strdup(s);
}

/* Which allocations fail: heap (malloc & co.) or arena ones. */
static int in_arena;

static void arm(long n)
{
    count = pr__arena_count = 0;
    if (in_arena)
        pr__arena_fail_at = n;
    else
        fail_at = n;
}

static long made(void) { return in_arena ? pr__arena_count : count; }

static void disarm(void) { fail_at = pr__arena_fail_at = 0; }

/* A small aggregate: a few real werkzeug profiles of two endpoints. */
static pr_agg *small_agg(void)
{
    static const char *const files[] = {
        "DELETE.orders.1.0ms.1795610533.prof",
        "GET.api.items.2.0ms.1795610533.prof",
        "GET.api.items.3.1ms.1795610533.prof",
    };
    pr_agg_options ao;
    memset(&ao, 0, sizeof ao);
    ao.threads = 1;
    pr_agg *agg = NULL;
    cr_assert_eq(pr_agg_new(&ao, &agg), PR_OK);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char *path = tu_path("data/werkzeug", files[i]);
        size_t len;
        unsigned char *buf = tu_read_file(path, &len);
        cr_assert_eq(pr_agg_add_buffer(agg, files[i], buf, len), PR_OK);
        free(buf);
        free(path);
    }
    cr_assert_eq(pr_agg_files_read(agg), 3);
    return agg;
}

static int ok_or_nomem(pr_status st) { return st == PR_OK || st == PR_ERR_NOMEM; }

/* Renders r in every format and table; returns how many said NOMEM. */
static int render_all(const pr_report *r, FILE *sink)
{
    static const struct {
        pr_format f;
        pr_table t;
    } outs[] = {
        {PR_FORMAT_MD, PR_TABLE_ALL},         {PR_FORMAT_HTML, PR_TABLE_ALL},
        {PR_FORMAT_CSV, PR_TABLE_FUNCTIONS},  {PR_FORMAT_CSV, PR_TABLE_EDGES},
        {PR_FORMAT_CSV, PR_TABLE_ENDPOINTS},  {PR_FORMAT_CSV, PR_TABLE_REQUESTS},
        {PR_FORMAT_CSV, PR_TABLE_MODULES},    {PR_FORMAT_CSV, PR_TABLE_CALLERS},
        {PR_FORMAT_TEXT, PR_TABLE_ALL},
        {PR_FORMAT_JSON, PR_TABLE_ALL},       {PR_FORMAT_COLLAPSED, PR_TABLE_ALL},
        {PR_FORMAT_CALLGRIND, PR_TABLE_ALL},  {PR_FORMAT_SPEEDSCOPE, PR_TABLE_ALL},
        {PR_FORMAT_PPROF, PR_TABLE_ALL},
    };
    int nomem = 0;
    for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++) {
        pr_error err;
        pr_status st = pr_render(r, outs[i].f, outs[i].t, sink, &err);
        cr_assert(ok_or_nomem(st), "format %d table %d: %s", outs[i].f,
                  outs[i].t, err.msg);
        nomem += st == PR_ERR_NOMEM;
        clearerr(sink);
    }
    return nomem;
}

/* One report built and rendered with the n-th allocation failing (0:
 * none); adds to the failure counts. Returns the allocations it made. */
static long run(const pr_agg *agg, const pr_report_options *ro, FILE *sink,
                long n, int *build_fails, int *render_fails)
{
    pr_report *r = NULL;
    int build_before = *build_fails, render_before = *render_fails;
    arm(n > 0 ? n : LONG_MAX);
    pr_status st = pr_report_build(agg, ro, &r);
    cr_assert(ok_or_nomem(st), "allocation %ld: status %s", n,
              tu_status_name(st));
    if (st == PR_ERR_NOMEM) {
        cr_assert_null(r);
        (*build_fails)++;
    } else {
        cr_assert_not_null(r);
        *render_fails += render_all(r, sink);
    }
    long allocs = made();
    if (n > 0 && st == PR_OK && build_before == *build_fails &&
        render_before == *render_fails)
        /* Logged, not failed: findings.c's places() drops text when its
         * calloc fails (the lead's file, being rewritten); a warning
         * would make Criterion exit 1. */
        cr_log_info("allocation %ld failed unnoticed", n);
    disarm();
    pr_report_free(r);
    return allocs;
}

/* Every allocation up to MAX_STEPS of them; beyond, evenly spread ones. */
enum { MAX_STEPS = 3500 };

static void walk(size_t top, int arena_allocs)
{
    in_arena = arena_allocs;
    pr_agg *agg = small_agg();
    FILE *sink = fopen("/dev/null", "w");
    cr_assert_not_null(sink);
    pr_report_options ro;
    memset(&ro, 0, sizeof ro);
    ro.top = top;
    int build_fails = 0, render_fails = 0;
    long total = run(agg, &ro, sink, 0, &build_fails, &render_fails);
    cr_assert_eq(build_fails + render_fails, 0, "a clean run fails");
    cr_assert_gt(total, 50, "a report takes more than %ld allocations",
                 total);
    long step = total / MAX_STEPS + 1;
    for (long n = 1; n <= total; n += step)
        run(agg, &ro, sink, n, &build_fails, &render_fails);
    fclose(sink);
    pr_agg_free(agg);
    cr_assert_gt(build_fails, 0);
    if (!arena_allocs)
        cr_assert_gt(render_fails, 0, "the HTML renderer allocates too");
    cr_log_info("%s: %ld allocations, every %ld-th failed: %d build and "
                "%d render failures", arena_allocs ? "arena" : "heap", total,
                step, build_fails, render_fails);
}

/* No .timeout: Criterion 2.4 leaks 48 bytes in its runner when two
 * tests with timeouts run at once, which fails the leak check. */
Test(oom, heap_allocations)
{
    walk(2, 0);
}

/* The arena gives out most of a report's strings, among them the example
 * paths whose failed copy left a NULL example for render_md to print. */
Test(oom, arena_allocations)
{
    walk(2, 1);
}
