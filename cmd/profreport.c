/* profreport - command line: parse options, call the library, print
 * errors, map statuses to exit codes. No logic of its own lives here. */
#define _POSIX_C_SOURCE 200809L
#include "profreport.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum exit_code {
    EXIT_OK = 0,
    EXIT_USAGE = 2,
    EXIT_NO_INPUT = 3,
    EXIT_OUTPUT = 4,
    EXIT_INTERNAL = 5,
};

static const char USAGE[] =
    "usage: profreport [OPTIONS] PATH...\n"
    "\n"
    "Reads Python cProfile/profile stats files (werkzeug ProfilerMiddleware\n"
    "directories, *.prof and *.prof.gz, walked recursively) and reports where\n"
    "the time goes, merged exactly as pstats.Stats(*files) merges them.\n"
    "\n"
    "  -f, --format FMT    md (default) or csv\n"
    "  -t, --table TABLE   for csv: functions (default) or edges\n"
    "  -o, --output FILE   write to FILE (atomically: a temporary file is\n"
    "                      renamed into place); '-' or none is stdout\n"
    "  -n, --top N         rows in the top-N tables (default 20)\n"
    "  -j, --threads N     worker threads (default: number of CPUs)\n"
    "  -q, --quiet         do not list skipped files on stderr\n"
    "  -h, --help          show this help\n"
    "  -V, --version       show the version\n"
    "\n"
    "Exit status: 0 when at least one profile was read (files that could\n"
    "not be read are listed with their reason and skipped); 2 for a usage\n"
    "error; 3 when no profile could be read; 4 when the output could not\n"
    "be written; 5 out of memory; 130/143 interrupted by SIGINT/SIGTERM.\n";

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

typedef struct options {
    pr_format format;
    pr_table table;
    const char *output;
    size_t top;
    int threads;
    int quiet;
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

static int write_report(const pr_report *rep, const options *o)
{
    pr_error err;
    if (o->output == NULL || strcmp(o->output, "-") == 0) {
        if (pr_render(rep, o->format, o->table, stdout, &err) != PR_OK) {
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
    snprintf(temp_path, sizeof temp_path, "%s", pr_outfile_temp_path(f));
    have_temp = 1;
    pr_status st = pr_render(rep, o->format, o->table, fp, &err);
    if (st != PR_OK) {
        have_temp = 0;
        pr_outfile_abort(f);
        fprintf(stderr, "profreport: %s: %s\n", o->output, err.msg);
        return st == PR_ERR_USAGE ? EXIT_USAGE : EXIT_OUTPUT;
    }
    st = pr_outfile_commit(f, &err);
    have_temp = 0;
    if (st != PR_OK) {
        fprintf(stderr, "profreport: %s: %s\n", o->output, err.msg);
        return EXIT_OUTPUT;
    }
    return EXIT_OK;
}

int main(int argc, char **argv)
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
        {NULL, 0, NULL, 0},
    };
    options o = {PR_FORMAT_MD, PR_TABLE_ALL, NULL, 20, 0, 0};
    int table_given = 0;
    long v;
    int c;
    while ((c = getopt_long(argc, argv, "f:t:o:n:j:qhV", longopts, NULL)) !=
           -1) {
        switch (c) {
        case 'f':
            if (pr_format_parse(optarg, &o.format) != 0)
                return usage_error("unknown format '%s' (md, csv)", optarg);
            break;
        case 't':
            if (pr_table_parse(optarg, &o.table) != 0)
                return usage_error("unknown table '%s' (functions, edges)", optarg);
            table_given = 1;
            break;
        case 'o': o.output = optarg; break;
        case 'n':
            if (parse_count(optarg, 1000000, &v) != 0)
                return usage_error("--top needs a positive number, not '%s'",
                                   optarg);
            o.top = (size_t)v;
            break;
        case 'j':
            if (parse_count(optarg, 64, &v) != 0)
                return usage_error("--threads needs 1 to 64, not '%s'", optarg);
            o.threads = (int)v;
            break;
        case 'q': o.quiet = 1; break;
        case 'h': fputs(USAGE, stdout); return EXIT_OK;
        case 'V': puts("profreport " PR_VERSION_STRING); return EXIT_OK;
        default: fputs("Try 'profreport --help'.\n", stderr); return EXIT_USAGE;
        }
    }
    if (optind >= argc)
        return usage_error("%s", "no input: give profile files or directories");
    if (o.format == PR_FORMAT_CSV && !table_given)
        o.table = PR_TABLE_FUNCTIONS;
    if (o.format == PR_FORMAT_MD && table_given)
        return usage_error("%s", "-t selects a CSV table; the Markdown "
                                 "report has them all");

    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);

    pr_agg_options ao = {o.threads, 0, on_skip, &o};
    pr_agg *agg;
    if (pr_agg_new(&ao, &agg) != PR_OK) {
        fputs("profreport: out of memory\n", stderr);
        return EXIT_INTERNAL;
    }
    pr_status st = pr_agg_add_paths(agg, (const char *const *)argv + optind,
                                    (size_t)(argc - optind));
    if (st != PR_OK) {
        fprintf(stderr, "profreport: %s\n", pr_strerror(st));
        pr_agg_free(agg);
        return EXIT_INTERNAL;
    }
    if (pr_agg_files_read(agg) == 0) {
        fprintf(stderr, "profreport: no profile could be read (%zu skipped)\n",
                pr_agg_files_skipped(agg));
        pr_agg_free(agg);
        return EXIT_NO_INPUT;
    }
    pr_report_options ro = {o.top};
    pr_report *rep;
    st = pr_report_build(agg, &ro, &rep);
    pr_agg_free(agg);
    if (st != PR_OK) {
        fprintf(stderr, "profreport: %s\n", pr_strerror(st));
        return EXIT_INTERNAL;
    }
    int rc = write_report(rep, &o);
    pr_report_free(rep);
    return rc;
}
