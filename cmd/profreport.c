/* profreport - command line: parse options, call the library, print
 * errors, map statuses to exit codes. No logic of its own lives here. */
#define _POSIX_C_SOURCE 200809L
#include "profreport.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <unistd.h>

enum exit_code {
    EXIT_OK = 0,
    EXIT_REGRESSION = 1,
    EXIT_USAGE = 2,
    EXIT_NO_INPUT = 3,
    EXIT_OUTPUT = 4,
    EXIT_INTERNAL = 5,
};

static const char USAGE[] =
    "usage: profreport [OPTIONS] PATH...\n"
    "       profreport diff [OPTIONS] BASE NEW\n"
    "       profreport diff [OPTIONS] --baseline FILE.csv NEW\n"
    "       profreport merge -o ALL.state A.state B.state...\n"
    "\n"
    "Reads Python cProfile/profile stats files (werkzeug ProfilerMiddleware\n"
    "directories, *.prof and *.prof.gz, walked recursively) and reports where\n"
    "the time goes, merged exactly as pstats.Stats(*files) merges them.\n"
    "\n"
    "Output:\n"
    "  -f, --format FMT      text (the default when stdout is a terminal:\n"
    "                        one screen, fitted to COLUMNS, coloured unless\n"
    "                        NO_COLOR is set), md (the default otherwise),\n"
    "                        csv, html, json (the whole report), collapsed\n"
    "                        (folded stacks), callgrind, speedscope or pprof\n"
    "  -t, --table TABLE     for csv: functions (default), edges, endpoints,\n"
    "                        requests, modules, callers, findings,\n"
    "                        outliers (slow versus typical requests,\n"
    "                        below), request-modules (a diff baseline that\n"
    "                        can blame); for collapsed: endpoints (default:\n"
    "                        stacks under their endpoint) or all\n"
    "  -o, --output FILE     write to FILE (atomically: a temporary file is\n"
    "                        renamed into place); '-' or none is stdout\n"
    "  -n, --top N           rows in top-N tables (default 20)\n"
    "      --sort KEY        endpoint order: total (default), p95, mean,\n"
    "                        count, max\n"
    "      --csv-raw         write CSV cells starting with = + - @ as they\n"
    "                        are (default: prefixed with ' so spreadsheets\n"
    "                        show them as text, not formulas)\n"
    "      --bucket DUR      latency-over-time bucket (e.g. 30s, 5m, 1h,\n"
    "                        1d); default: 1 s to 1 d, 6 to 48 buckets\n"
    "      --source-url T    html: link the app's own functions to their\n"
    "                        source: T is an http(s) URL with {path},\n"
    "                        {line} and {commit}\n"
    "      --commit REV      what {commit} stands for in --source-url\n"
    "Requests:\n"
    "      --name-format FMT werkzeug filename_format the files were written\n"
    "                        with, e.g. '{method}.{path}.{elapsed:.3f}ms.\n"
    "                        {time:.6f}.prof' (default: werkzeug's)\n"
    "      --group-by KEY    endpoint (view function; default) or path\n"
    "                        (method + URL pattern)\n"
    ;

/* Split in two: ISO C guarantees string literals of 4095 bytes only. */
static const char USAGE2[] =
    "Modules:\n"
    "      --app-root DIR    the application's root (default: the common\n"
    "                        directory of its files)\n"
    "      --module-map P=N  files matching glob P belong to module N\n"
    "                        (repeatable; first match wins)\n"
    "      --module-depth N  name sub-modules to depth N (flask_session.\n"
    "                        sessions is depth 2; default 1)\n"
    "      --builtins MODE   caller (default: charge built-ins and the\n"
    "                        standard library to the module that called\n"
    "                        them) or separate\n"
    "      --tree-min PCT    hide call-tree paths under PCT % (default 1)\n"
    "      --outliers        add to the Markdown report the modules and\n"
    "                        functions over-represented in each endpoint's\n"
    "                        slowest 10 % of requests (re-reads their files)\n"
    "Filters (requests outside them are left out of every table):\n"
    "      --since TIME      ISO 8601 (UTC unless an offset is given), Unix\n"
    "      --until TIME      seconds, or a duration before now: 90m, 24h, 7d\n"
    "      --method M        only this HTTP method\n"
    "      --endpoint GLOB   only endpoints matching GLOB (name or label)\n"
    "      --path GLOB       only paths (as in file names) matching GLOB\n"
    "      --min-ms N        only requests of at least N ms wall time\n"
    "Incremental runs (cron):\n"
    "      --state FILE      keep what was read in FILE and read only new\n"
    "                        files next time; --since also drops older data\n"
    "                        from FILE. Not with --method, --path or\n"
    "                        --min-ms. A bad FILE is reported and ignored.\n"
    "      --state-bucket D  time granularity kept in FILE (default 1h):\n"
    "                        --since/--until select whole buckets; an\n"
    "                        existing FILE keeps its own (a different D\n"
    "                        is a usage error)\n"
    "      --state-wait S    wait up to S seconds (default 300) for another\n"
    "                        run using FILE to finish, then exit 4\n"
    "      --trust-after D   a known file that was D old (default 10m) when\n"
    "                        read is trusted to be written once: later\n"
    "                        runs know it by path and inode, unstat'ed,\n"
    "                        and miss a rewrite in place; 'never' stats\n"
    "                        every known file\n"
    "Inputs may also be state files (from --state or merge).\n"
    "Diff (profreport diff; BASE and NEW are directories, archives or files):\n"
    "      --fail-on RULE    exit 1 when an endpoint is significantly slower\n"
    "                        and crosses RULE, e.g. 'p95>+20%' or\n"
    "                        'mean>+10ms' (repeatable; metrics p50, p95,\n"
    "                        p99, mean, max)\n"
    "      --alpha A         significance level of the per-endpoint test\n"
    "                        (Mann-Whitney U, Holm-corrected; default 0.01;\n"
    "                        1 turns the test off)\n"
    "      --min-requests N  rules apply to endpoints with at least N\n"
    "                        requests on both sides (default 5)\n"
    "      --baseline FILE   compare with a saved '-f csv -t requests'\n"
    "                        (tested) or '-t endpoints' (summaries only)\n"
    "Other:\n"
    "  -j, --threads N       worker threads (default: number of CPUs)\n"
    "  -q, --quiet           no progress line, no skipped files on stderr\n"
    "      --progress        show the progress line even when stderr is not\n"
    "                        a terminal (default: only on a terminal)\n"
    "  -h, --help            show this help\n"
    "  -V, --version         show the version\n"
    "\n"
    "Exit status: 0 when at least one profile was read (files that could\n"
    "not be read are listed with their reason and skipped); 1 when diff\n"
    "--fail-on found a regression; 2 for a usage error; 3 when no profile\n"
    "could be read; 4 when the output could not be written; 5 out of\n"
    "memory; 130/143 interrupted by SIGINT/SIGTERM.\n";

/* The temporary output file, unlinked by the signal handler so an
 * interrupted run leaves neither half a report nor litter. */
static volatile sig_atomic_t have_temp;
static char temp_path[PATH_MAX + 32];

static void on_signal(int sig)
{
    if (have_temp)
        unlink(temp_path);
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Holds SIGINT and SIGTERM (the previous mask goes to *old when not
 * NULL): they are delivered when the mask is restored, or discarded at
 * exit. */
static void hold_signals(sigset_t *old)
{
    sigset_t block;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, old);
}

typedef struct options {
    int diff;                 /* the diff subcommand */
    pr_rule rules[32];
    size_t nrules;
    size_t min_requests;
    const char *baseline;
    pr_diff_options diff_opts;
    int outliers;             /* --outliers */
    int progress;             /* --progress: even when not a terminal */
    int merge;                /* the merge subcommand */
    const char *state;        /* --state FILE */
    double state_wait;        /* --state-wait: seconds to wait for the lock */
    struct timespec started;
    int progress_shown;
    pr_format format;
    pr_table table;
    const char *output;
    int quiet;
    const char *name_format;
    pr_agg_options agg;
    pr_report_options report;
} options;

static void on_skip(void *ctx, const char *path, const pr_error *err)
{
    const options *o = ctx;
    if (o->quiet)
        return;
    if (err->offset != PR_NO_OFFSET)
        fprintf(stderr, "profreport: %s: skipped: %s (at byte %llu)\n", path,
                err->msg, (unsigned long long)err->offset);
    else
        fprintf(stderr, "profreport: %s: skipped: %s\n", path, err->msg);
}

/* "1234/6000 files, 85 MB/s, 12 s left" on one line of stderr. */
static void on_progress(void *ctx, size_t done, size_t total,
                        uint64_t bytes_done, uint64_t bytes_total)
{
    options *o = ctx;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double t = (double)(now.tv_sec - o->started.tv_sec) +
               (double)(now.tv_nsec - o->started.tv_nsec) / 1e9;
    if (done >= total) {
        if (o->progress_shown)
            fputs("\r\033[K", stderr);
        o->progress_shown = 0;
        return;
    }
    if (t < 0.5)
        return; /* short runs stay quiet */
    double rate = t > 0 ? (double)bytes_done / t : 0;
    double left = rate > 0 ? (double)(bytes_total - bytes_done) / rate : 0;
    fprintf(stderr, "\rprofreport: %zu/%zu files, %.0f MB/s, %.0f s left\033[K",
            done, total, rate / 1e6, left);
    fflush(stderr);
    o->progress_shown = 1;
}

static int parse_count(const char *s, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < 1 || v > max)
        return -1;
    *out = v;
    return 0;
}

static int usage_error(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("profreport: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("\nTry 'profreport --help'.\n", stderr);
    return EXIT_USAGE;
}

/* Slow versus typical requests: the -t outliers table, or the Markdown
 * section --outliers appends to the report. */
static pr_status render_outliers(const pr_report *rep, pr_format fmt,
                                 FILE *fp, pr_error *err)
{
    /* The report made it already when asked to (or when cheap). */
    const pr_outliers *have = pr_report_outliers(rep);
    pr_outliers *ol = NULL;
    if (have == NULL) {
        pr_status st = pr_outliers_build(rep, 0, &ol);
        if (st != PR_OK) {
            snprintf(err->msg, sizeof err->msg, "%s", pr_strerror(st));
            err->code = st;
            return st;
        }
        have = ol;
    }
    pr_status st = pr_outliers_render(have, fmt, fp, err);
    pr_outliers_free(ol);
    return st;
}

/* Which table -f/-t write: the library knows each format's tables. */
static int output_table(options *o, int table_given)
{
    pr_error err;
    if (pr_output_table(o->format, o->diff, table_given, &o->table, &err) !=
        PR_OK)
        return usage_error("%s", err.msg);
    return -1;
}

/* Renders the report, or the diff when rep is NULL. */
static pr_status render(const options *o, const pr_report *rep,
                        const pr_diff *d, FILE *fp, pr_error *err)
{
    if (rep == NULL)
        return pr_diff_render(d, o->format, o->table, fp, err);
    if (o->table == PR_TABLE_OUTLIERS)
        return render_outliers(rep, PR_FORMAT_CSV, fp, err);
    if (o->table == PR_TABLE_REQUEST_MODULES)
        return pr_render_request_modules(rep, fp, err);
    pr_status st = pr_render(rep, o->format, o->table, fp, err);
    if (st == PR_OK && o->outliers)
        st = render_outliers(rep, PR_FORMAT_MD, fp, err);
    return st;
}

static int write_output(const options *o, const pr_report *rep,
                        const pr_diff *d)
{
    pr_error err;
    if (o->output == NULL || strcmp(o->output, "-") == 0) {
        if (render(o, rep, d, stdout, &err) != PR_OK) {
            fprintf(stderr, "profreport: %s\n", err.msg);
            return err.code == PR_ERR_USAGE ? EXIT_USAGE : EXIT_OUTPUT;
        }
        return EXIT_OK;
    }
    pr_outfile *f;
    FILE *fp;
    if (pr_outfile_open(o->output, &f, &fp, &err) != PR_OK) {
        fprintf(stderr, "profreport: %s: %s\n", o->output, err.msg);
        return EXIT_OUTPUT;
    }
    /* No temporary file when writing through to a device or FIFO. */
    if (pr_outfile_temp_path(f) != NULL) {
        snprintf(temp_path, sizeof temp_path, "%s", pr_outfile_temp_path(f));
        have_temp = 1;
    }
    pr_status st = render(o, rep, d, fp, &err);
    if (st != PR_OK) {
        have_temp = 0;
        pr_outfile_abort(f);
        fprintf(stderr, "profreport: %s: %s\n", o->output, err.msg);
        return st == PR_ERR_USAGE ? EXIT_USAGE : EXIT_OUTPUT;
    }
    /* Past the rename the run is done: a signal then would exit 130 with
     * the new report in place. Held until exit, 130/143 always means
     * that the previous report is intact. */
    hold_signals(NULL);
    st = pr_outfile_commit(f, &err);
    have_temp = 0;
    if (st != PR_OK) {
        fprintf(stderr, "profreport: %s: %s\n", o->output, err.msg);
        return EXIT_OUTPUT;
    }
    return EXIT_OK;
}

enum long_only {
    OPT_SORT = 256,
    OPT_BUCKET,
    OPT_NAME_FORMAT,
    OPT_GROUP_BY,
    OPT_SINCE,
    OPT_UNTIL,
    OPT_METHOD,
    OPT_ENDPOINT,
    OPT_PATH,
    OPT_MIN_MS,
    OPT_APP_ROOT,
    OPT_MODULE_MAP,
    OPT_MODULE_DEPTH,
    OPT_BUILTINS,
    OPT_TREE_MIN,
    OPT_FAIL_ON,
    OPT_MIN_REQUESTS,
    OPT_BASELINE,
    OPT_PROGRESS,
    OPT_STATE,
    OPT_STATE_BUCKET,
    OPT_CSV_RAW,
    OPT_ALPHA,
    OPT_OUTLIERS,
    OPT_STATE_WAIT,
    OPT_TRUST_AFTER,
    OPT_SOURCE_URL,
    OPT_COMMIT,
};

/* --module-map values, kept for the report options. */
static const char *module_maps[256];

/* The terminal's width: COLUMNS (what shells export and what a user
 * sets to override), else the terminal's own, else 0 (the library's
 * default). */
static int terminal_width(void)
{
    const char *e = getenv("COLUMNS");
    long v;
    if (e != NULL && parse_count(e, 10000, &v) == 0)
        return (int)v;
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 &&
        ws.ws_col > 0)
        return ws.ws_col;
    return 0;
}

/* Without -f: the one-screen text report for a person at a terminal,
 * Markdown for a pipe or a file (what scripts have always read). A
 * diff, --outliers (a Markdown section) and -t keep Markdown. Colour
 * only on a terminal, and never with NO_COLOR (no-color.org). */
static void default_format(options *o, int table_given)
{
    int to_stdout = o->output == NULL || strcmp(o->output, "-") == 0;
    if (o->diff || o->merge || o->outliers || table_given || !to_stdout ||
        !isatty(STDOUT_FILENO))
        return;
    o->format = PR_FORMAT_TEXT;
}

static void text_options(options *o)
{
    const char *no_colour = getenv("NO_COLOR");
    int to_stdout = o->output == NULL || strcmp(o->output, "-") == 0;
    o->report.text_width = terminal_width();
    o->report.text_colour = to_stdout && isatty(STDOUT_FILENO) &&
                            (no_colour == NULL || no_colour[0] == '\0');
}

/* Fills o from argv; returns -1 to go on, or an exit status. */
static int parse_args(int argc, char **argv, options *o)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"table", required_argument, NULL, 't'},
        {"output", required_argument, NULL, 'o'},
        {"top", required_argument, NULL, 'n'},
        {"threads", required_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"sort", required_argument, NULL, OPT_SORT},
        {"bucket", required_argument, NULL, OPT_BUCKET},
        {"name-format", required_argument, NULL, OPT_NAME_FORMAT},
        {"group-by", required_argument, NULL, OPT_GROUP_BY},
        {"since", required_argument, NULL, OPT_SINCE},
        {"until", required_argument, NULL, OPT_UNTIL},
        {"method", required_argument, NULL, OPT_METHOD},
        {"endpoint", required_argument, NULL, OPT_ENDPOINT},
        {"path", required_argument, NULL, OPT_PATH},
        {"min-ms", required_argument, NULL, OPT_MIN_MS},
        {"app-root", required_argument, NULL, OPT_APP_ROOT},
        {"module-map", required_argument, NULL, OPT_MODULE_MAP},
        {"module-depth", required_argument, NULL, OPT_MODULE_DEPTH},
        {"builtins", required_argument, NULL, OPT_BUILTINS},
        {"tree-min", required_argument, NULL, OPT_TREE_MIN},
        {"fail-on", required_argument, NULL, OPT_FAIL_ON},
        {"min-requests", required_argument, NULL, OPT_MIN_REQUESTS},
        {"baseline", required_argument, NULL, OPT_BASELINE},
        {"alpha", required_argument, NULL, OPT_ALPHA},
        {"outliers", no_argument, NULL, OPT_OUTLIERS},
        {"progress", no_argument, NULL, OPT_PROGRESS},
        {"state", required_argument, NULL, OPT_STATE},
        {"state-bucket", required_argument, NULL, OPT_STATE_BUCKET},
        {"csv-raw", no_argument, NULL, OPT_CSV_RAW},
        {"state-wait", required_argument, NULL, OPT_STATE_WAIT},
        {"trust-after", required_argument, NULL, OPT_TRUST_AFTER},
        {"source-url", required_argument, NULL, OPT_SOURCE_URL},
        {"commit", required_argument, NULL, OPT_COMMIT},
        {NULL, 0, NULL, 0},
    };
    int table_given = 0, format_given = 0;
    double now = (double)time(NULL);
    long v;
    int c;
    while ((c = getopt_long(argc, argv, "f:t:o:n:j:qhV", longopts, NULL)) !=
           -1) {
        switch (c) {
        case 'f':
            if (pr_format_parse(optarg, &o->format) != 0)
                return usage_error("unknown format '%s' (text, md, csv, "
                                   "html, json, collapsed, callgrind, "
                                   "speedscope, pprof)", optarg);
            format_given = 1;
            break;
        case 't':
            if (pr_table_parse(optarg, &o->table) != 0)
                return usage_error("unknown table '%s' (functions, edges, "
                                   "endpoints, requests, modules, callers, findings)", optarg);
            table_given = 1;
            break;
        case 'o':
            if (optarg[0] == '\0')
                return usage_error("%s", "-o needs a file name ('-' is "
                                         "stdout)");
            o->output = optarg;
            break;
        case 'n':
            if (parse_count(optarg, 1000000, &v) != 0)
                return usage_error("--top needs a positive number, not '%s'",
                                   optarg);
            o->report.top = (size_t)v;
            break;
        case 'j':
            if (parse_count(optarg, 64, &v) != 0)
                return usage_error("--threads needs 1 to 64, not '%s'", optarg);
            o->agg.threads = (int)v;
            break;
        case 'q': o->quiet = 1; break;
        case 'h':
            fputs(USAGE, stdout);
            fputs(USAGE2, stdout);
            return EXIT_OK;
        case 'V': puts("profreport " PR_VERSION_STRING); return EXIT_OK;
        case OPT_SORT:
            if (pr_sort_parse(optarg, &o->report.sort) != 0)
                return usage_error("unknown --sort '%s' (total, p95, mean, "
                                   "count, max)", optarg);
            break;
        case OPT_BUCKET:
            if (pr_duration_parse(optarg, &o->report.bucket_s) != 0)
                return usage_error("--bucket needs a duration such as 5m, "
                                   "1h or 1d, not '%s'", optarg);
            break;
        case OPT_NAME_FORMAT: o->name_format = optarg; break;
        case OPT_GROUP_BY:
            if (strcmp(optarg, "endpoint") == 0)
                o->agg.group_by = PR_GROUP_ENDPOINT;
            else if (strcmp(optarg, "path") == 0)
                o->agg.group_by = PR_GROUP_PATH;
            else
                return usage_error("unknown --group-by '%s' (endpoint, path)",
                                   optarg);
            break;
        case OPT_SINCE:
        case OPT_UNTIL:
            if (pr_time_parse(optarg, now, c == OPT_SINCE ? &o->agg.since
                                                          : &o->agg.until) != 0)
                return usage_error("cannot read the time '%s' (ISO 8601, Unix "
                                   "seconds, or a duration like 24h, from "
                                   "1970 to 9999)", optarg);
            /* 0 means "no limit" to the library; no request is older. */
            if (c == OPT_UNTIL && o->agg.until <= 0)
                return usage_error("--until '%s' is not after 1970-01-01: no "
                                   "request could pass", optarg);
            break;
        case OPT_METHOD: o->agg.method = optarg; break;
        case OPT_ENDPOINT: o->report.endpoint_glob = optarg; break;
        case OPT_PATH: o->agg.path_glob = optarg; break;
        case OPT_MIN_MS: {
            char *end;
            o->agg.min_ms = strtod(optarg, &end);
            if (end == optarg || *end != '\0' || !(o->agg.min_ms >= 0))
                return usage_error("--min-ms needs a number, not '%s'", optarg);
            break;
        }
        case OPT_APP_ROOT: o->report.app_root = optarg; break;
        case OPT_MODULE_MAP:
            if (strchr(optarg, '=') == NULL || optarg[0] == '=')
                return usage_error("--module-map needs PATTERN=NAME, not '%s'",
                                   optarg);
            if (o->report.nmodule_map >= sizeof module_maps / sizeof *module_maps)
                return usage_error("%s", "too many --module-map options");
            module_maps[o->report.nmodule_map++] = optarg;
            o->report.module_map = module_maps;
            break;
        case OPT_MODULE_DEPTH:
            if (parse_count(optarg, 16, &v) != 0)
                return usage_error("--module-depth needs 1 to 16, not '%s'",
                                   optarg);
            o->report.module_depth = (int)v;
            break;
        case OPT_BUILTINS:
            if (strcmp(optarg, "caller") == 0)
                o->report.builtins_separate = 0;
            else if (strcmp(optarg, "separate") == 0)
                o->report.builtins_separate = 1;
            else
                return usage_error("unknown --builtins '%s' (caller, separate)",
                                   optarg);
            break;
        case OPT_TREE_MIN: {
            char *end;
            double pc = strtod(optarg, &end);
            if (end == optarg || *end != '\0' || !(pc > 0 && pc <= 100))
                return usage_error("--tree-min needs a percentage in (0, 100], "
                                   "not '%s'", optarg);
            o->report.tree_min_share = pc / 100;
            break;
        }
        case OPT_FAIL_ON:
            if (!o->diff)
                return usage_error("%s", "--fail-on belongs to 'profreport "
                                         "diff'");
            if (o->nrules >= sizeof o->rules / sizeof o->rules[0] ||
                pr_rule_parse(optarg, &o->rules[o->nrules]) != 0)
                return usage_error("--fail-on needs METRIC>+N%% or "
                                   "METRIC>+Nms (p50, p95, p99, mean, max), "
                                   "not '%s'", optarg);
            o->nrules++;
            break;
        case OPT_MIN_REQUESTS:
            if (parse_count(optarg, 1000000000, &v) != 0)
                return usage_error("--min-requests needs a positive number, "
                                   "not '%s'", optarg);
            o->min_requests = (size_t)v;
            break;
        case OPT_PROGRESS: o->progress = 1; break;
        case OPT_STATE:
            if (optarg[0] == '\0')
                return usage_error("%s", "--state needs a file name");
            o->state = optarg;
            break;
        case OPT_STATE_WAIT: {
            char *end;
            o->state_wait = strtod(optarg, &end);
            if (end == optarg || *end != '\0' ||
                !(o->state_wait >= 0 && o->state_wait <= 86400))
                return usage_error("--state-wait needs 0 to 86400 seconds, "
                                   "not '%s'", optarg);
            break;
        }
        case OPT_CSV_RAW: o->report.csv_raw = 1; break;
        case OPT_SOURCE_URL:
            if (strncmp(optarg, "https://", 8) != 0 &&
                strncmp(optarg, "http://", 7) != 0)
                return usage_error("--source-url needs an http(s) URL "
                                   "template, not '%s'", optarg);
            o->report.source_url = optarg;
            break;
        case OPT_COMMIT: o->report.source_commit = optarg; break;
        case OPT_TRUST_AFTER:
            if (strcmp(optarg, "never") == 0)
                o->agg.trust_after_s = -1;
            else if (pr_duration_parse(optarg, &o->agg.trust_after_s) != 0 ||
                     !(o->agg.trust_after_s > 0))
                return usage_error("--trust-after needs a duration such as "
                                   "10m, or never, not '%s'", optarg);
            break;
        case OPT_STATE_BUCKET:
            if (pr_duration_parse(optarg, &o->agg.bucket_s) != 0)
                return usage_error("--state-bucket needs a duration such as "
                                   "1h, not '%s'", optarg);
            break;
        case OPT_OUTLIERS:
            o->outliers = 1;
            o->report.outliers = 1;
            break;
        case OPT_ALPHA: {
            if (!o->diff)
                return usage_error("%s", "--alpha belongs to 'profreport "
                                         "diff'");
            char *end;
            double a = strtod(optarg, &end);
            if (end == optarg || *end != '\0' || !(a > 0 && a <= 1))
                return usage_error("--alpha needs a level in (0, 1], such "
                                   "as 0.01, not '%s'", optarg);
            o->diff_opts.alpha = a;
            break;
        }
        case OPT_BASELINE:
            if (!o->diff)
                return usage_error("%s", "--baseline belongs to 'profreport "
                                         "diff'");
            o->baseline = optarg;
            break;
        default: fputs("Try 'profreport --help'.\n", stderr); return EXIT_USAGE;
        }
    }
    o->report.since = o->agg.since;
    o->report.until = o->agg.until;
    if (!format_given)
        default_format(o, table_given);
    if (o->format == PR_FORMAT_TEXT)
        text_options(o);
    if (o->state != NULL) {
        pr_error err;
        if (o->diff)
            return usage_error("%s", "diff cannot keep a --state: BASE and "
                                     "NEW would be mixed in one file "
                                     "(compare two states as BASE and NEW "
                                     "instead)");
        if (pr_state_options(&o->agg, &o->report, &err) != PR_OK)
            return usage_error("%s", err.msg);
    }
    if (o->merge) {
        if (o->output == NULL || strcmp(o->output, "-") == 0)
            return usage_error("%s", "merge needs -o OUT.state");
        if (argc - optind < 1)
            return usage_error("%s", "merge needs state files to merge");
        return -1;
    }
    if (o->diff) {
        int want = o->baseline ? 1 : 2;
        if (o->outliers)
            return usage_error("%s", "--outliers belongs to the report, "
                                     "not to diff");
        if (argc - optind != want)
            return usage_error("%s", o->baseline
                                         ? "diff --baseline takes one input: NEW"
                                         : "diff takes two inputs: BASE NEW");
        return output_table(o, table_given);
    }
    if (optind >= argc)
        return usage_error("%s", "no input: give profile files or directories");
    if (o->outliers && o->format != PR_FORMAT_MD)
        return usage_error("%s", "--outliers adds a Markdown section; for "
                                 "CSV use -t outliers");
    return output_table(o, table_given);
}

/* When the report is made: now, or SOURCE_DATE_EPOCH (Unix seconds, the
 * reproducible-builds convention) so that output can be byte-stable.
 * Returns -1 when SOURCE_DATE_EPOCH is set but not such a number. */
static double report_time(void)
{
    const char *e = getenv("SOURCE_DATE_EPOCH");
    if (e == NULL || *e == '\0')
        return (double)time(NULL);
    char *end;
    errno = 0;
    long long v = strtoll(e, &end, 10);
    if (errno != 0 || *end != '\0' || v <= 0 || e[0] == '-' || e[0] == '+')
        return -1;
    return (double)v;
}

/* Reads paths into a report; prints what went wrong and returns an exit
 * status, or -1 with *out set. */
static int build_report(const options *o, const char *const *paths, size_t n,
                        pr_report **out)
{
    pr_agg *agg;
    if (pr_agg_new(&o->agg, &agg) != PR_OK) {
        fputs("profreport: out of memory\n", stderr);
        return EXIT_INTERNAL;
    }
    pr_error err, ignored;
    pr_status st = PR_OK;
    if (o->state == NULL) {
        st = pr_agg_add_paths(agg, paths, n);
    } else {
        st = pr_agg_update_state(agg, o->state, paths, n, o->report.since,
                                 o->state_wait, &ignored, &err);
        if (ignored.code != PR_OK)
            fprintf(stderr, "profreport: %s: state ignored, reading every "
                            "file: %s\n", o->state, ignored.msg);
        if (st != PR_OK && st != PR_ERR_NOMEM) {
            fprintf(stderr, "profreport: %s: %s\n", o->state, err.msg);
            pr_agg_free(agg);
            return st == PR_ERR_NOT_FILE || st == PR_ERR_MISMATCH
                       ? EXIT_USAGE
                       : EXIT_OUTPUT;
        }
    }
    if (st != PR_OK) {
        fprintf(stderr, "profreport: %s\n", pr_strerror(st));
        pr_agg_free(agg);
        return EXIT_INTERNAL;
    }
    if (pr_agg_files_read(agg) == 0) {
        if (pr_agg_files_filtered(agg) > 0)
            fprintf(stderr, "profreport: no request passed the filters "
                            "(%zu left out, %zu skipped)\n",
                    pr_agg_files_filtered(agg), pr_agg_files_skipped(agg));
        else
            fprintf(stderr, "profreport: no profile could be read (%zu "
                            "skipped)\n", pr_agg_files_skipped(agg));
        pr_agg_free(agg);
        return EXIT_NO_INPUT;
    }
    pr_report_options ro = o->report;
    ro.inputs = paths;
    ro.ninputs = n;
    /* What the output does not show is not built (not for a diff,
     * which compares whole reports). */
    ro.no_edges = !o->diff && !pr_output_uses_edges(o->format, o->table);
    ro.no_attribution =
        !o->diff && !o->outliers &&
        !pr_output_uses_attribution(o->format, o->table);
    if ((ro.generated_at = report_time()) < 0) {
        pr_agg_free(agg);
        return usage_error("%s", "SOURCE_DATE_EPOCH must be Unix seconds");
    }
    pr_agg_compact(agg);
    st = pr_report_build(agg, &ro, out);
    pr_agg_free(agg);
    if (st != PR_OK) {
        fprintf(stderr, "profreport: %s\n", pr_strerror(st));
        return EXIT_INTERNAL;
    }
    pr_summary sum;
    pr_report_summary(*out, &sum);
    if (sum.files == 0) { /* --endpoint or a state's window left nothing */
        fprintf(stderr, "profreport: no request passed the filters (%zu "
                        "left out)\n", sum.filtered);
        pr_report_free(*out);
        *out = NULL;
        return EXIT_NO_INPUT;
    }
    return -1;
}

/* profreport merge: states from several hosts into one. Any input that
 * cannot be read fails the merge: a fleet report must not silently miss
 * a host. */
static int run_merge(const options *o, char **inputs, size_t n)
{
    pr_agg *agg;
    if (pr_agg_new(&o->agg, &agg) != PR_OK) {
        fputs("profreport: out of memory\n", stderr);
        return EXIT_INTERNAL;
    }
    pr_error err;
    pr_lock *lock;
    pr_status st = pr_state_lock(o->output, o->state_wait, &lock, &err);
    if (st != PR_OK) {
        fprintf(stderr, "profreport: %s: %s\n", o->output, err.msg);
        pr_agg_free(agg);
        return st == PR_ERR_NOT_FILE ? EXIT_USAGE : EXIT_OUTPUT;
    }
    for (size_t i = 0; i < n; i++) {
        st = pr_agg_load_state(agg, inputs[i], &err);
        if (st != PR_OK) {
            fprintf(stderr, "profreport: %s: %s\n", inputs[i], err.msg);
            pr_state_unlock(lock);
            pr_agg_free(agg);
            return st == PR_ERR_NOMEM ? EXIT_INTERNAL : EXIT_NO_INPUT;
        }
    }
    st = pr_agg_save_state(agg, o->output, &err);
    pr_state_unlock(lock);
    pr_agg_free(agg);
    if (st != PR_OK) {
        fprintf(stderr, "profreport: %s: %s\n", o->output, err.msg);
        return EXIT_OUTPUT;
    }
    return EXIT_OK;
}

/* profreport diff: both sides' reports, the comparison, the rules. */
static int run_diff(options *o, char **inputs)
{
    pr_report *base = NULL, *cur = NULL;
    pr_diff *d = NULL;
    pr_error err;
    int rc;
    if (!o->baseline &&
        (rc = build_report(o, (const char *const *)inputs, 1, &base)) >= 0)
        return rc;
    const char *const *newp = (const char *const *)inputs + (o->baseline ? 0 : 1);
    if ((rc = build_report(o, newp, 1, &cur)) >= 0) {
        pr_report_free(base);
        return rc;
    }
    pr_status st = o->baseline
                       ? pr_diff_compare_baseline(o->baseline, cur,
                                                  &o->diff_opts, &d, &err)
                       : pr_diff_compare(base, cur, &o->diff_opts, &d);
    pr_report_free(base);
    pr_report_free(cur);
    if (st != PR_OK) {
        if (o->baseline)
            fprintf(stderr, "profreport: %s: %s\n", o->baseline, err.msg);
        else
            fprintf(stderr, "profreport: %s\n", pr_strerror(st));
        return st == PR_ERR_NOMEM ? EXIT_INTERNAL : EXIT_NO_INPUT;
    }
    size_t failing = pr_diff_check(d, o->rules, o->nrules, o->min_requests);
    rc = write_output(o, NULL, d);
    pr_diff_free(d);
    if (rc == EXIT_OK && failing > 0) {
        fprintf(stderr, "profreport: %zu endpoint%s crossed --fail-on\n",
                failing, failing == 1 ? "" : "s");
        rc = EXIT_REGRESSION;
    }
    return rc;
}

int main(int argc, char **argv)
{
    options o;
    memset(&o, 0, sizeof o);
    o.format = PR_FORMAT_MD;
    o.table = PR_TABLE_ALL;
    o.state_wait = 300;
    if (argc > 1 && strcmp(argv[1], "diff") == 0) {
        o.diff = 1;
        argv++;
        argc--;
    } else if (argc > 1 && strcmp(argv[1], "merge") == 0) {
        o.merge = 1;
        argv++;
        argc--;
    }
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
#ifdef M_MMAP_THRESHOLD
    /* Blocks of 1 MiB or more get pages of their own, given back when
     * freed. glibc's default threshold rises to 32 MiB as big blocks are
     * freed, after which a huge profile's scratch arrays, once freed,
     * stay resident in the heap: the 127 MB profile's Markdown report
     * peaks at 394 MiB without this line and 350 MiB with it (the same
     * build otherwise; no difference in time). */
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif

    pr_name_format *names = NULL;
    pr_error err;
    if (o.name_format != NULL &&
        pr_name_format_compile(o.name_format, &names, &err) != PR_OK)
        return usage_error("--name-format: %s (at character %llu)", err.msg,
                           (unsigned long long)err.offset);

    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    o.agg.on_skip = on_skip;
    o.agg.skip_ctx = &o;
    if (!o.quiet && (o.progress || isatty(STDERR_FILENO))) {
        clock_gettime(CLOCK_MONOTONIC, &o.started);
        o.agg.on_progress = on_progress;
        o.agg.progress_ctx = &o;
    }
    o.agg.names = names;
    if (o.merge) {
        rc = run_merge(&o, argv + optind, (size_t)(argc - optind));
    } else if (o.diff) {
        rc = run_diff(&o, argv + optind);
    } else {
        pr_report *rep;
        rc = build_report(&o, (const char *const *)argv + optind,
                          (size_t)(argc - optind), &rep);
        if (rc < 0) {
            rc = write_output(&o, rep, NULL);
            pr_report_free(rep);
        }
    }
    pr_name_format_free(names);
    return rc;
}
