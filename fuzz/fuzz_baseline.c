/* fuzz_baseline.c - libFuzzer target for the baseline CSV reader.
 *
 * pr_diff_from_baseline reads a path, so each input is written to one
 * memfd (a file in /tmp where memfd_create is missing), created once per
 * process and rewritten for every input, and read back through its
 * /proc/self/fd name. The current side is a real report, built once from
 * tests/data/werkzeug (PROFREPORT_FUZZ_DATA overrides the directory).
 * A baseline that reads is checked against --fail-on rules and rendered
 * to /dev/null, as `profreport diff --baseline` does (in one format per
 * input, Markdown, CSV or HTML, by its length).
 *
 * Seeds: fuzz/seeds.sh. Run: make fuzz (see fuzz/README.md).
 */
#define _GNU_SOURCE
#include "fuzz.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef FUZZ_DATA_DIR
#define FUZZ_DATA_DIR "tests/data"
#endif

static int fd = -1;
static char path[64];
static pr_report *cur;
static FILE *devnull;
static pr_rule rules[3];

static void remove_temp(void)
{
    unlink(path);
}

static void die(const char *what)
{
    fprintf(stderr, "fuzz_baseline: %s: %s\n", what, strerror(errno));
    abort();
}

static void setup(void)
{
#ifdef MFD_CLOEXEC
    fd = memfd_create("baseline.csv", MFD_CLOEXEC);
#endif
    if (fd >= 0) {
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    } else {
        snprintf(path, sizeof path, "/tmp/profreport-fuzz-XXXXXX");
        if ((fd = mkstemp(path)) < 0)
            die("mkstemp");
        atexit(remove_temp);
    }
    if ((devnull = fopen("/dev/null", "w")) == NULL)
        die("/dev/null");

    char dir[4096];
    const char *env = getenv("PROFREPORT_FUZZ_DATA");
    snprintf(dir, sizeof dir, "%s", env ? env : FUZZ_DATA_DIR "/werkzeug");
    const char *paths[] = {dir};
    pr_agg_options o = {.threads = 1};
    pr_agg *agg = NULL;
    if (pr_agg_new(&o, &agg) != PR_OK || pr_agg_add_paths(agg, paths, 1) ||
        pr_report_build(agg, NULL, &cur) != PR_OK)
        die("cannot build the current report");
    if (pr_agg_files_read(agg) == 0) {
        fprintf(stderr, "fuzz_baseline: no profiles in %s "
                        "(set PROFREPORT_FUZZ_DATA)\n", dir);
        abort();
    }
    pr_agg_free(agg);
    if (pr_rule_parse("p95>+20%", &rules[0]) || pr_rule_parse("mean>5ms", &rules[1]) ||
        pr_rule_parse("max>+0%", &rules[2]))
        abort();
}

static void put(const uint8_t *data, size_t size)
{
    if (ftruncate(fd, 0) != 0)
        die("ftruncate");
    size_t done = 0;
    while (done < size) {
        ssize_t n = pwrite(fd, data + done, size - done, (off_t)done);
        if (n <= 0)
            die("pwrite");
        done += (size_t)n;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (cur == NULL)
        setup();
    put(data, size);
    pr_diff *d = (pr_diff *)&d;
    pr_error err;
    memset(&err, 0, sizeof err);
    pr_status st = pr_diff_from_baseline(path, cur, &d, &err);
    if (st != PR_OK) {
        FUZZ_CHECK(d == NULL, "*out is NULL on failure");
        FUZZ_CHECK(st == PR_ERR_BAD_CSV || st == PR_ERR_NOMEM,
                   "a malformed baseline is PR_ERR_BAD_CSV");
        fuzz_check_error(st, &err, size);
        return 0;
    }
    FUZZ_CHECK(d != NULL, "a diff on success");
    const pr_diff_endpoint *eps;
    size_t n = pr_diff_endpoints(d, &eps);
    FUZZ_CHECK(n >= pr_report_endpoints(cur, NULL), "every current endpoint");
    volatile size_t sink = 0;
    for (size_t i = 0; i < n; i++)
        sink += strlen(eps[i].label);
    (void)sink;
    size_t failing = pr_diff_check(d, rules, 3, 1);
    FUZZ_CHECK(failing <= n, "at most every endpoint fails");
    /* One format per input, by its length: fast enough for tens of
     * millions of inputs, and libFuzzer's mutations reach all three. */
    static const pr_format formats[] = {PR_FORMAT_MD, PR_FORMAT_CSV,
                                        PR_FORMAT_HTML};
    pr_format f = formats[size % 3];
    FUZZ_CHECK(pr_diff_render(d, f, f == PR_FORMAT_CSV ? PR_TABLE_ENDPOINTS
                                                       : PR_TABLE_ALL,
                              devnull, &err) == PR_OK,
               "the diff renders");
    pr_diff_free(d);
    return 0;
}
