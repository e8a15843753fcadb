/*
 * profreport.h - read Python cProfile/profile stats files, aggregate them
 * across requests, and render reports.
 *
 * This is the only public header of libprofreport.
 *
 * Ownership, once for the whole API: every object a function returns
 * through a `**out` argument or as a pointer is owned by the caller and is
 * released with the matching `pr_*_free`, which accepts NULL. Pointers
 * *into* an object (strings, entries, rows) stay valid until that object is
 * freed and must not be freed on their own. The library never prints,
 * never exits and never aborts: every failure is a pr_status, and where an
 * input is at fault a pr_error says which input, at which byte offset, and
 * what was expected there.
 */
#ifndef PROFREPORT_H
#define PROFREPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PR_VERSION_STRING "0.1.0"

/* Marks the public API. The library is built with hidden visibility, so
 * only these names are exported (and, in the static archive, only they
 * stay global after the partial link; see the Makefile). */
#if defined(__GNUC__) || defined(__clang__)
#define PR_API __attribute__((visibility("default")))
#else
#define PR_API
#endif

/* ------------------------------------------------------------------ */
/* Errors                                                             */
/* ------------------------------------------------------------------ */

/* Status codes. Values are part of the ABI: never renumber, only append. */
typedef enum pr_status {
    PR_OK = 0,
    PR_ERR_NOMEM = 1,        /* out of memory */
    PR_ERR_IO = 2,           /* open/read/write failed; msg has strerror */
    PR_ERR_EMPTY = 3,        /* zero-length input */
    PR_ERR_TRUNCATED = 4,    /* input ends inside an object */
    PR_ERR_BAD_TYPE = 5,     /* unknown or misplaced marshal type code */
    PR_ERR_BAD_LENGTH = 6,   /* negative or impossible length or count */
    PR_ERR_BAD_REF = 7,      /* reference to an unknown or unfinished object */
    PR_ERR_TOO_DEEP = 8,     /* nesting deeper than PR_MAX_DEPTH */
    PR_ERR_NOT_STATS = 9,    /* valid marshal, but not a pstats dict */
    PR_ERR_BAD_VALUE = 10,   /* a number out of range: NaN, overflow, < 0 */
    PR_ERR_GZIP = 11,        /* corrupt or truncated gzip stream */
    PR_ERR_TOO_BIG = 12,     /* input larger than the configured limit */
    PR_ERR_NOT_FILE = 13,    /* a FIFO, device or other non-regular file */
    PR_ERR_LOOP = 14,        /* symbolic link loop in a directory walk */
    PR_ERR_USAGE = 15,       /* invalid argument to a library function */
    PR_ERR_NO_INPUT = 16,    /* nothing could be read at all */
    PR_ERR_BAD_STATE = 17,   /* not a state file, or a corrupt one */
    PR_ERR_VERSION = 18,     /* a state file of another format version */
    PR_ERR_MISMATCH = 19,    /* a state whose time buckets differ from
                                the aggregate's */
    PR_ERR_BAD_ARCHIVE = 20, /* corrupt or unsupported tar/zip archive */
    PR_ERR_ZLIB = 21,        /* zlib failed (not corrupt data: GZIP) */
    PR_ERR_BAD_CSV = 22,     /* malformed baseline CSV */
    PR_ERR_LOCKED = 23       /* a state file is in use by another run */
} pr_status;

/* Where and why an input failed. `offset` is the byte offset in the
 * decoded (decompressed) stream, or PR_NO_OFFSET when there is none. */
#define PR_NO_OFFSET UINT64_MAX
typedef struct pr_error {
    pr_status code;
    uint64_t offset;
    char msg[200]; /* "expected ..." in words; always NUL-terminated */
} pr_error;

/* Static, never-NULL description of a status ("truncated input"). */
PR_API
const char *pr_strerror(pr_status code);

/* ------------------------------------------------------------------ */
/* One profile                                                        */
/* ------------------------------------------------------------------ */

/* Marshal nesting limit. Stats need depth 5; code objects a little more. */
#define PR_MAX_DEPTH 1000

/* A byte string. Not NUL-terminated; may contain NUL. Names are the bytes
 * found in the file: UTF-8 (with CPython's surrogatepass encoding of lone
 * surrogates) for Python 3, raw bytes for Python 2 `str`. */
typedef struct pr_str {
    const char *ptr;
    size_t len;
} pr_str;

/* A function as pstats keys it: (file, line, name). Built-ins have file
 * "~" (cProfile) or "" (profile.py) and line 0. A code-object name
 * (`python -m profile`) is given as `<code object N, file "F", line L>`. */
typedef struct pr_func_key {
    pr_str file;
    int64_t line;
    pr_str name;
} pr_func_key;

/* Calls into a function from one caller. cProfile records (nc, cc, tt, ct)
 * per caller; profile.py records only a call count, which is given in nc
 * and cc with count_only set and tt = ct = 0. */
typedef struct pr_caller {
    pr_func_key key;
    int64_t nc;
    int64_t cc;
    double tt;
    double ct;
    int count_only;
} pr_caller;

/* One function's statistics, as pstats holds them: cc primitive calls,
 * nc total calls, tt own time, ct cumulative time (seconds). */
typedef struct pr_entry {
    pr_func_key key;
    int64_t cc;
    int64_t nc;
    double tt;
    double ct;
    size_t ncallers;
    const pr_caller *callers;
} pr_entry;

typedef struct pr_profile pr_profile;

/* Parses one stats file held in memory (already decompressed). `buf` may
 * be NULL only when len is 0. On success *out holds a profile that does
 * not point into buf. On failure *out is NULL and err (if not NULL) says
 * where and why. Keys that are not function keys (e.g. 3.15's
 * ('__sampled__',)) are skipped and counted in pr_profile_skipped_keys. */
PR_API
pr_status pr_profile_parse(const void *buf, size_t len, pr_profile **out,
                           pr_error *err);

/* Reads and parses a file; a name ending in ".gz", or content starting with
 * the gzip magic, is decompressed with zlib first. */
PR_API
pr_status pr_profile_load(const char *path, pr_profile **out, pr_error *err);

PR_API
size_t pr_profile_count(const pr_profile *p);
PR_API
const pr_entry *pr_profile_entry(const pr_profile *p, size_t i);
PR_API
size_t pr_profile_skipped_keys(const pr_profile *p);
/* Bytes after the top-level object, ignored like Python does. */
PR_API
uint64_t pr_profile_trailing_bytes(const pr_profile *p);
PR_API
void pr_profile_free(pr_profile *p);

/* ------------------------------------------------------------------ */
/* What a file name says about its request                            */
/* ------------------------------------------------------------------ */

/* A compiled werkzeug-style name template: literal text and the fields
 * {method}, {path}, {elapsed[:spec]} (milliseconds), {time[:spec]} (Unix
 * seconds), where spec is a str.format number format such as .0f, .3f,
 * 06d or d. {{ and }} are literal braces. */
typedef struct pr_name_format pr_name_format;

/* fmt NULL compiles werkzeug's default, which also reads the older
 * zero-padded names, fractional times and a decimal elapsed:
 * "{method}.{path}.{elapsed}ms.{time}.prof". Fails with PR_ERR_USAGE
 * (err->offset = position in fmt) for an unknown field or spec. */
PR_API
pr_status pr_name_format_compile(const char *fmt, pr_name_format **out,
                                 pr_error *err);
PR_API
void pr_name_format_free(pr_name_format *f);

typedef struct pr_name_fields {
    pr_str method;      /* points into the name given to pr_name_parse */
    pr_str path;        /* as werkzeug wrote it: '/' turned into '.' */
    double elapsed_ms;
    double time;
    int has_method, has_path, has_elapsed, has_time;
} pr_name_fields;

/* Matches the base name of `name` (a trailing ".gz" is ignored unless the
 * format has it). Returns 1 and fills out on a match, else 0. A name that
 * reads more than one way gets its first reading ({path} longest); the
 * aggregate picks among them with the profile as witness (see
 * pr_wall_source). */
PR_API
int pr_name_parse(const pr_name_format *f, const char *name,
                  pr_name_fields *out);

/* ------------------------------------------------------------------ */
/* Aggregation over many files                                        */
/* ------------------------------------------------------------------ */

typedef struct pr_agg pr_agg;

/* Progress of a long run: files done of files found, and bytes read of
 * the bytes the files had when they were found. Called from the thread
 * that called pr_agg_add_paths, at most every 100 ms, and once at the
 * end with done == total. */
typedef void (*pr_progress_fn)(void *ctx, size_t done, size_t total,
                               uint64_t bytes_done, uint64_t bytes_total);

/* Called once per input that could not be read (from the thread that
 * called pr_agg_run, in input order). `path` is the file's path. */
typedef void (*pr_skip_fn)(void *ctx, const char *path, const pr_error *err);

typedef enum pr_group_by {
    PR_GROUP_ENDPOINT = 0, /* the view function, else method + URL pattern */
    PR_GROUP_PATH = 1      /* always method + URL pattern */
} pr_group_by;

/* Zero-initialise, then set what you need: every zero means "default" or
 * "no filter". Strings and the name format are borrowed for the life of
 * the aggregate. */
typedef struct pr_agg_options {
    int threads;            /* worker threads; 0 = number of online CPUs */
    uint64_t max_file_size; /* decoded bytes per file; 0 = 1 GiB */
    pr_skip_fn on_skip;     /* may be NULL */
    void *skip_ctx;
    pr_progress_fn on_progress; /* may be NULL */
    void *progress_ctx;
    const pr_name_format *names; /* NULL: werkzeug's default names */
    pr_group_by group_by;
    /* Filters: a request outside them is counted as filtered, not read. */
    const char *method;        /* exact, case-insensitive */
    const char *path_glob;     /* fnmatch on the path from the file name */
    double min_ms;             /* wall time at least this */
    double since, until;       /* Unix seconds; 0 = unbounded */
    /* For state files: keep function tables per time bucket of this many
     * seconds, so that a report can select a window and old buckets can
     * be pruned; 0 = one table per endpoint. */
    double bucket_s;
    /* Incremental runs (after pr_agg_load_state): skip files already in
     * the aggregate (same canonical path, size and mtime) without reading
     * them, and leave out any request already counted under another
     * name or form (same base name without .gz and same decompressed
     * bytes): each request is counted once. */
    int skip_known;
    /* Bytes of file buffers (raw and decompressed) that all worker
     * threads hold together; a file that would take more is skipped with
     * PR_ERR_TOO_BIG. 0 = 4 GiB; never less than twice max_file_size
     * plus 128 KiB, so that one file at its largest always fits. */
    uint64_t memory_budget;
    /* Incremental runs: a known file whose mtime was this many seconds
     * old when a run read or stat'ed it is trusted to be written once
     * (werkzeug's files are): later runs know it by canonical path and
     * inode without a stat, so a rewrite in place (same inode) is not
     * seen. 0 = PR_DEFAULT_TRUST_AFTER_S; negative = never: every known
     * file is stat'ed, and a state saved carries no trust. */
    double trust_after_s;
} pr_agg_options;

#define PR_DEFAULT_TRUST_AFTER_S 600

/* Creates an empty aggregate. opts may be NULL for defaults; out NULL
 * is PR_ERR_USAGE. */
PR_API
pr_status pr_agg_new(const pr_agg_options *opts, pr_agg **out);

/* Adds the files named by paths[0..n): directories are walked recursively
 * for `*.prof` and `*.prof.gz`; other paths are read whatever their name.
 * Every file that cannot be read is recorded as skipped (see
 * pr_agg_skipped) and the run goes on. Returns PR_OK unless memory ran out
 * or thread creation failed; an input that yields no profile is not a
 * failure of this call. May be called several times. */
PR_API
pr_status pr_agg_add_paths(pr_agg *agg, const char *const *paths, size_t n);

/* Adds one profile already in memory, as if read from `name`. */
PR_API
pr_status pr_agg_add_buffer(pr_agg *agg, const char *name, const void *buf,
                            size_t len);

/* Counts: profiles read (= requests kept), inputs skipped as unreadable,
 * and profiles read but left out by a filter. */
PR_API
size_t pr_agg_files_read(const pr_agg *agg);
PR_API
size_t pr_agg_files_skipped(const pr_agg *agg);
PR_API
size_t pr_agg_files_filtered(const pr_agg *agg);

/* ---- State files: an aggregate saved and read back ---------------- */

/* Writes the aggregate (functions, edges and requests per endpoint and
 * time bucket; not the skipped files, which are retried) to `path`:
 * versioned (version 3; versions 1 to 3 are read), checksummed,
 * zlib-compressed as it is written, replaced atomically (see
 * pr_outfile_open: mode and owner kept, a symlink's target replaced), so
 * a run killed at any point leaves the previous file usable. A `path`
 * that exists and is not a regular file fails with PR_ERR_NOT_FILE. */
PR_API
pr_status pr_agg_save_state(const pr_agg *agg, const char *path,
                            pr_error *err);

/* Adds a state file to the aggregate: loading several merges them, and
 * merging is associative and commutative (as sums are, up to rounding).
 * A missing, corrupt or incompatible file, or one that is not a regular
 * file (read without blocking), fails with a status and err; so does a
 * state that shares some but not all of its requests with the aggregate
 * (merging would count those twice). One whose requests are all in the
 * aggregate already adds nothing. On failure the aggregate is unchanged. pr_agg_add_paths also loads any input
 * file that is a state file. */
PR_API
pr_status pr_agg_load_state(pr_agg *agg, const char *path, pr_error *err);
PR_API
pr_status pr_agg_load_state_buffer(pr_agg *agg, const void *buf, size_t len,
                                   pr_error *err);

PR_API
/* The time bucket the aggregate keeps cells in (seconds; 0: none): the
 * options' bucket_s, or a loaded state's. */
PR_API
double pr_agg_bucket_s(const pr_agg *agg);

/* ---- Incremental runs: one state file kept across runs ------------ */

/* Makes options fit a run that keeps a state file: a state keeps whole
 * requests per time bucket, so the time window moves from the aggregate
 * (which would drop requests as they are read) to the report (which
 * selects buckets); files already in the state are skipped (skip_known);
 * bucket_s stays as given (0: the state's own, else
 * PR_DEFAULT_STATE_BUCKET_S; see pr_agg_update_state). ro may be NULL. Fails
 * with PR_ERR_USAGE (err says why) when ao filters what a state must
 * keep: method, path_glob or min_ms. */
#define PR_DEFAULT_STATE_BUCKET_S 3600.0
typedef struct pr_report_options pr_report_options; /* see Reports */
PR_API
pr_status pr_state_options(pr_agg_options *ao, pr_report_options *ro,
                           pr_error *err);

/* One incremental run: takes the state's lock (pr_state_lock, waiting
 * up to wait_s seconds), loads the state file `state` into agg when it
 * exists, adds paths[0..n) (as pr_agg_add_paths), drops buckets that end
 * before `prune_before` (0: none) and saves the state back (as
 * pr_agg_save_state, with SIGINT and SIGTERM held in the calling thread
 * meanwhile, so that an interrupt cannot leave the temporary file
 * behind; they are delivered right after), then releases the lock. agg
 * should come from options passed through pr_state_options: its bucket
 * size is the state's own, or the one the options give, which must then
 * match an existing state's (else PR_ERR_MISMATCH), or
 * PR_DEFAULT_STATE_BUCKET_S for a new state. A state that exists but
 * cannot be read is ignored, every file is read instead, and *ignored
 * (may be NULL) says why, with code PR_OK when the state was used or
 * absent. Returns PR_OK, or with err set: PR_ERR_LOCKED (another run
 * held the lock too long), PR_ERR_NOT_FILE (the state is not a regular
 * file), PR_ERR_MISMATCH, or the failure of adding, pruning (out of
 * memory) or saving. */
PR_API
pr_status pr_agg_update_state(pr_agg *agg, const char *state,
                              const char *const *paths, size_t n,
                              double prune_before, double wait_s,
                              pr_error *ignored, pr_error *err);

/* Drops time buckets (and their requests) that end at or before
 * `before` (Unix seconds). No effect without bucket_s. */
PR_API
pr_status pr_agg_prune(pr_agg *agg, double before);

/* The i-th skipped input: its path and error. NULL past the end. */
PR_API
const char *pr_agg_skipped(const pr_agg *agg, size_t i, pr_error *err);

/* Gives back the memory that only adding files needs: the hash indexes
 * of functions and calls, about a third of a big aggregate (52 of
 * 166 MiB for a profile of 400,000 functions and 1.2 million calls). Call it once the files are in, before
 * pr_report_build; the aggregate stays whole, and adding to it later
 * builds the indexes again. */
PR_API
void pr_agg_compact(pr_agg *agg);

PR_API
void pr_agg_free(pr_agg *agg);

/* ------------------------------------------------------------------ */
/* Reports                                                            */
/* ------------------------------------------------------------------ */

/* A read-only view of an aggregate, sorted for output. It copies what it
 * needs, so the aggregate may be freed first. */
typedef struct pr_report pr_report;

typedef enum pr_sort {
    PR_SORT_TOTAL = 0, /* the endpoint that costs the service most first */
    PR_SORT_P95 = 1,
    PR_SORT_MEAN = 2,
    PR_SORT_COUNT = 3,
    PR_SORT_MAX = 4
} pr_sort;

typedef struct pr_report_options {
    size_t top;        /* rows in "top N" tables; 0 = 20 */
    pr_sort sort;      /* order of the endpoint table */
    /* Latency-over-time bucket; 0 = the narrowest of 1, 2, 5, 10, 15,
     * 30 s, 1, 2, 5, 10, 15, 30 min, 1, 2, 3, 6, 12 h, 1 d (then whole
     * days) giving at most 48 buckets, and none for a capture shorter
     * than PR_MIN_BUCKET_SPAN. */
    double bucket_s;
    /* Module attribution. */
    const char *app_root;         /* NULL: common root of the app's files */
    const char *const *module_map; /* "PATTERN=NAME" (fnmatch on the file) */
    size_t nmodule_map;
    int module_depth;             /* 0 = 1: top-level package */
    int builtins_separate;        /* 0: built-ins charged to their caller */
    double tree_min_share;        /* call-tree cut-off; 0 = 0.01 (1 %) */
    /* Time window for an aggregate that keeps time buckets (state
     * files): whole buckets overlapping [since, until); 0 = open. */
    double since, until;
    /* Only endpoints whose label (as shown) or name matches (fnmatch). */
    const char *endpoint_glob;
    /* CSV cells starting with = + - @ are prefixed with ' so spreadsheets
     * do not run them as formulas; 1 writes them as they are. */
    int csv_raw;
    /* What the report says it read and when it was made, for its header
     * (Markdown, HTML) and the HTML title: the inputs as the user gave
     * them (NULL or 0: not said; the report copies them), and the time
     * in Unix seconds (0: not said; a command line takes time(NULL), or
     * SOURCE_DATE_EPOCH for reproducible output). */
    const char *const *inputs;
    size_t ninputs;
    double generated_at;
    /* Slow versus typical requests (pr_outliers_build), which re-reads
     * the profile files it compares: 0 = when that is at most
     * PR_OUTLIERS_AUTO_FILES files, 1 = always, -1 = never. What stands
     * out becomes a finding. */
    int outliers;
    /* The terminal report (PR_FORMAT_TEXT): the columns to fit it in
     * (0 = 100; below 40 counts as 40), and whether to colour it with
     * ANSI escapes. The library never looks at the terminal: a command
     * line decides both (isatty, COLUMNS, NO_COLOR). */
    int text_width;
    int text_colour;
    /* HTML: link the application's own functions (not libraries, the
     * standard library or templates) to their source. A URL template
     * starting with https:// or http:// (anything else is ignored), in
     * which {path} becomes the file relative to the application's root
     * (percent-encoded), {line} its line and {commit} source_commit
     * ("" when NULL): "https://github.com/org/app/blob/{commit}/{path}
     * #L{line}". Both are copied. */
    const char *source_url;
    const char *source_commit;
    /* 1: no caller-edge rows (pr_report_edges gives none), for an output
     * that shows none (see pr_output_uses_edges): a huge profile's report
     * is then smaller by about 120 bytes an edge. */
    int no_edges;
    /* 1: no module attribution, and so no findings and no outliers
     * (pr_report_attribution, the endpoints' attr and pr_report_findings
     * give none), for an output that shows none of them (see
     * pr_output_uses_attribution): the functions, edges, endpoints and
     * requests tables are the same, and cost less to build. */
    int no_attribution;
} pr_report_options;

/* One merged function, as pstats.Stats(*files) holds it. */
typedef struct pr_func_row {
    pr_func_key key;
    int64_t nc;
    int64_t cc;
    double tt;
    double ct;
} pr_func_row;

/* One merged caller edge: calls into `callee` made from `caller`.
 * count_only: every file gave only a call count (profile.py). The keys
 * belong to the report (one per function, however many edges name it:
 * a profile with a million edges would hold 80 MB of copies); two edges
 * name the same function exactly when their pointers are equal. */
typedef struct pr_edge_row {
    const pr_func_key *callee;
    const pr_func_key *caller;
    int64_t nc;
    int64_t cc;
    double tt;
    double ct;
    int count_only;
} pr_edge_row;

/* PR_OK, or PR_ERR_NOMEM when memory runs out. A caller that has no
 * entry of its own (pstats takes such files) is attributed to its module
 * like any function, with no time of its own. */
PR_API
pr_status pr_report_build(const pr_agg *agg, const pr_report_options *opts,
                          pr_report **out);

/* ---- Modules: where the time goes ----------------------------------- */

typedef enum pr_module_kind {
    PR_MOD_APP = 0,     /* the application's own files */
    PR_MOD_LIBRARY = 1, /* under site-packages or dist-packages */
    PR_MOD_STDLIB = 2,  /* the standard library, <frozen ...> included */
    PR_MOD_BUILTIN = 3  /* C functions ('~'), with builtins_separate */
} pr_module_kind;

/* A function's own time within a module (see pr_module_row). */
typedef struct pr_func_share {
    pr_func_key key;
    const char *label;  /* "views.py:report", relative like entered_from */
    double own_s, share; /* share of the scope's total own time */
    int estimated;      /* part of own_s came from an estimated split */
} pr_func_share;

/* Time per module.
 *
 * self_s is the module's OWN time: the tottime of its own functions plus
 * that of the built-ins and standard-library code they call (json,
 * re, socket ... work for whoever called them), never time in another
 * library or in app code it calls back. A built-in or standard-library
 * function called from several modules is split over them by the
 * tottime cProfile records on each caller edge (exact); through a chain
 * of such functions (json.dumps -> encode -> a built-in) by the
 * cumulative time of each caller, which is an estimate when the chain is
 * used by several modules: self_estimated is set when more than 0.1 % of
 * the scope's time was charged that way. Own times of all modules add up
 * to the scope's total own time (pstats' total), so self_share sums to 1.
 * With builtins_separate, built-ins and the standard library are modules
 * of their own instead.
 *
 * inclusive_s is the time from entering the module from outside until
 * leaving it, re-entries counted once, callees in other modules included;
 * it is exact unless `estimated`, when re-entry was possible (or a
 * built-in shared with other modules may have called into it) and the
 * figure comes from the reconstructed call tree; `calls` (calls into the
 * module from other modules, counted on the edges) is then an estimate
 * too. Every share is of the scope's total own time, within [0, 1].
 * `top` lists the module's heaviest functions by own time (up to 5). */
typedef struct pr_module_row {
    const char *name;
    pr_module_kind kind;
    double self_s, inclusive_s;
    double self_share, inclusive_share;
    int64_t calls;
    int estimated;
    int self_estimated;
    const pr_func_share *top;
    size_t ntop;
} pr_module_row;

/* A place where the program enters `module` from another module: the
 * calling function (`entered_from`, "flask_session/sessions.py:
 * open_session"), time spent inside per that place, and the chain of
 * module boundaries above it along the heaviest entries ("pymongo <-
 * flask_session <- flask"). */
typedef struct pr_entry_point_row {
    const char *module;
    const char *entered_from;
    const char *caller_module;
    double inclusive_s;
    double share;        /* of the scope's total own time, in [0, 1] */
    int64_t calls;
    int estimated;
    const char *chain;
    /* Entered through a built-in or standard-library function that works
     * for several modules (next, map, sorted's key=): `entered_from` is
     * that function, `via_callers` the modules that call it ("flask,
     * mongomock"), and the chain stops there: pstats keeps no stacks to
     * say which of them made these calls. NULL otherwise. */
    const char *via_callers;
} pr_entry_point_row;

/* The call tree reconstructed from caller edges, flattened in pre-order:
 * a node's children follow it with depth + 1. Time of a function with
 * several callers is split by the edges' own cumulative times; recursion
 * is cut where a function reappears on its own path; nodes under the
 * cut-off share are dropped (counted in hidden_nodes). */
typedef struct pr_tree_node {
    pr_func_key key;
    const char *label;  /* short: "flask/app.py:2495(wsgi_app)", "{...}" */
    const char *module;
    pr_module_kind kind;
    size_t depth;
    size_t parent;      /* index of the parent; SIZE_MAX for a root */
    double time_s;      /* cumulative time along this path */
    double self_s;      /* own time along this path */
} pr_tree_node;

typedef struct pr_tree {
    const pr_tree_node *nodes;
    size_t nnodes;
    size_t hidden_nodes;
    double total_s;     /* 100 % for shares */
} pr_tree;

/* Everything about where the time goes, for the run or one endpoint. */
typedef struct pr_attribution {
    const pr_module_row *modules;      /* by own time, descending */
    size_t nmodules;
    const pr_entry_point_row *entries; /* by inclusive time, descending */
    size_t nentries;
    pr_tree tree;
    double total_s;
} pr_attribution;

/* What a finding is about. Append-only. */
typedef enum pr_finding_kind {
    PR_FINDING_MODULE = 0,           /* subject: the module holding the time */
    PR_FINDING_ENDPOINT_TOTAL = 1,   /* subject: the costliest endpoint */
    PR_FINDING_ENDPOINT_LATENCY = 2, /* subject: the slowest endpoint (p95) */
    PR_FINDING_STEP = 3,             /* latency rose at a point in time */
    PR_FINDING_SKIPPED = 4,          /* files that could not be read */
    PR_FINDING_SLOW_REQUESTS = 5     /* subject: a module over-represented
                                        in an endpoint's slowest requests */
} pr_finding_kind;

/* One finding of the report, most important first: data first, and a
 * sentence in plain words (no markup) that each renderer dresses its own
 * way. `share` is in [0, 1]: for PR_FINDING_MODULE the subject's own time
 * over the scope's total own time (pstats' total: the "profiled time"),
 * for the endpoint kinds the endpoint's part of all request wall time;
 * negative when it does not apply. `per_request_ms` is what the subject
 * costs one request of the scope on average (negative: not applicable).
 * `lead_len` bytes at the start of `text` are its headline. `section`
 * names the part of the report it comes from ("modules", "endpoints",
 * "endpoint-details", "latency-over-time", "skipped-files"). */
/* A part of a finding's text: bytes [off, off + len). */
typedef struct pr_span {
    size_t off, len;
} pr_span;

typedef struct pr_finding {
    const char *text;
    const char *anchor;     /* = section, kept for older callers */
    const char *section;
    pr_finding_kind kind;
    const char *endpoint;   /* the scope: NULL for the whole run */
    const char *subject;    /* module, endpoint label, time, or "" */
    double share;
    double per_request_ms;
    size_t lead_len;
    int estimated;          /* share or cost rests on an estimate */
    /* Where the text names identifiers (modules, functions, endpoints,
     * files), in order, so a renderer can set them as code. */
    const pr_span *idents;
    size_t nidents;
} pr_finding;

/* "module", "endpoint_total", "endpoint_latency", "step", "skipped",
 * "slow_requests". */
PR_API
const char *pr_finding_kind_name(pr_finding_kind k);

/* One endpoint: requests grouped by the view that served them (or by
 * method + URL pattern). Latencies are the requests' wall times in ms;
 * percentiles use the nearest-rank method. `funcs_tt` and `funcs_ct` are
 * the endpoint's own top functions by tottime and cumtime (up to `top`). */
typedef struct pr_endpoint_row {
    const char *label;  /* "view (file.py:42)" or "GET product.<int>" */
    pr_func_key view;   /* file "" and line -1 when keyed by URL */
    const char *method; /* the only method seen, or "*" */
    size_t requests;
    double total_ms, share, mean_ms;
    double p50_ms, p90_ms, p95_ms, p99_ms, max_ms;
    const char *slowest_file;
    const char *examples[3]; /* distinct paths as in the file names */
    size_t nexamples;
    const pr_func_row *funcs_tt;
    const pr_func_row *funcs_ct;
    size_t nfuncs_top;  /* length of both lists */
    size_t nfuncs;      /* distinct functions seen in the endpoint */
    pr_attribution attr;
} pr_endpoint_row;

/* Where a request's wall time comes from. A file name can read more
 * than one way ("GET.balance.5.785ms..." is /balance/5 in 785 ms or
 * /balance in 5.785 ms); the reading whose elapsed time is at least the
 * profile's own measured time (less half a unit of its last printed
 * digit) and closest to it is taken, if it is close (within 5 % + 0.5
 * ms); else the first such reading, {path} longest (under PyPy a profile
 * can measure far less than the wall time). When no reading gives one, the
 * profiled time stands in: a wall time under what the profile measured
 * is never reported. */
typedef enum pr_wall_source {
    PR_WALL_NAME = 0,    /* the file name, witnessed by the profile */
    PR_WALL_PROFILE = 1  /* the profiled time: the name gave none, or
                          * only times shorter than the profile's */
} pr_wall_source;

/* One request (= one profile file), in input order. */
typedef struct pr_request_row {
    const char *file;
    const char *method;  /* "" when the file name did not say */
    const char *path;    /* werkzeug's dotted path, or "" */
    size_t endpoint;     /* index into pr_report_endpoints */
    double wall_ms;      /* from the file name, else the profiled time */
    double profiled_ms;  /* the request root's cumtime in the stats */
    double time;         /* Unix seconds: file name, else mtime */
    int named;           /* the file name matched the name format */
    pr_wall_source wall_source;
} pr_request_row;

/* Requests and latency per time bucket [start, start + width_s), start a
 * multiple of the width (Unix seconds, UTC). The capture runs from the
 * first request's time to the last's; [from, to] is the part of the
 * bucket inside it, so the first and last buckets may cover less than
 * their width (a rate or a bar drawn over the whole width would claim
 * time with no data). to == 0 in a row built by hand: the whole bucket. */
typedef struct pr_bucket_row {
    double start;
    size_t requests;
    double p50_ms, p95_ms, max_ms;
    double width_s;
    double from, to;
} pr_bucket_row;

/* Captures shorter than this many seconds are not cut into time buckets
 * unless a bucket size is asked for (pr_report_options.bucket_s). */
#define PR_MIN_BUCKET_SPAN 3.0

/* Files read, skipped, total calls, and time covered. Times are Unix
 * seconds; first/last are 0 when no request carried a time. */
typedef struct pr_summary {
    size_t files;
    size_t skipped;
    size_t filtered;        /* read, but outside --since/--method/... */
    size_t functions;
    int64_t total_calls;
    int64_t primitive_calls;
    double total_tt;        /* pstats' "in T seconds": sum of tottime */
    double profiled_s;      /* sum over requests of the profiled time */
    double first_time;
    double last_time;
    /* Requests whose wall time is their profiled time (wall_source
     * PR_WALL_PROFILE), and of those, the ones whose file name gave an
     * elapsed time shorter than the profile measured. */
    size_t wall_from_profile;
    size_t wall_contradicted;
} pr_summary;

PR_API
void pr_report_summary(const pr_report *r, pr_summary *out);

/* Functions sorted by key (file, line, name) in byte order. */
PR_API
size_t pr_report_functions(const pr_report *r, const pr_func_row **rows);

/* Modules, entry points and call tree of the whole run. */
PR_API
const pr_attribution *pr_report_attribution(const pr_report *r);

/* The findings, most important first. */
PR_API
size_t pr_report_findings(const pr_report *r, const pr_finding **rows);

/* "app", "library", "stdlib", "builtin". */
PR_API
const char *pr_module_kind_name(pr_module_kind k);

/* Endpoints in the order the options asked for. */
PR_API
size_t pr_report_endpoints(const pr_report *r, const pr_endpoint_row **rows);

/* Requests in input order; *slowest (may be NULL) gets indexes of the
 * requests by wall time, slowest first. */
PR_API
size_t pr_report_requests(const pr_report *r, const pr_request_row **rows,
                          const size_t **slowest);

/* Non-empty time buckets in time order, and the bucket size used (0
 * and no rows when the capture was too short to cut into buckets). */
PR_API
size_t pr_report_buckets(const pr_report *r, const pr_bucket_row **rows,
                         double *bucket_s);

/* Caller edges sorted by (callee key, caller key). */
PR_API
size_t pr_report_edges(const pr_report *r, const pr_edge_row **rows);

PR_API
void pr_report_free(pr_report *r);

/* ------------------------------------------------------------------ */
/* Rendering                                                          */
/* ------------------------------------------------------------------ */

typedef enum pr_format {
    PR_FORMAT_MD = 0,
    PR_FORMAT_CSV = 1,
    PR_FORMAT_HTML = 2,
    PR_FORMAT_TEXT = 3,       /* one screen for a terminal: the answer first */
    PR_FORMAT_JSON = 4,       /* the whole report, docs/json-schema.md */
    PR_FORMAT_COLLAPSED = 5,  /* folded stacks: per endpoint, or -t all */
    PR_FORMAT_CALLGRIND = 6,  /* pstats' functions and edges, exactly */
    PR_FORMAT_SPEEDSCOPE = 7, /* speedscope's JSON: the run, each endpoint */
    PR_FORMAT_PPROF = 8       /* gzipped profile.proto, samples labelled */
} pr_format;

/* Tables: all (Markdown only), functions (merged pstats entries), edges
 * (merged caller edges, as pstats' callers dicts). */
typedef enum pr_table {
    PR_TABLE_ALL = 0,
    PR_TABLE_FUNCTIONS = 1,
    PR_TABLE_EDGES = 2,
    PR_TABLE_ENDPOINTS = 3,
    PR_TABLE_REQUESTS = 4,
    PR_TABLE_MODULES = 5,
    PR_TABLE_CALLERS = 6,
    PR_TABLE_FINDINGS = 7,
    PR_TABLE_OUTLIERS = 8, /* pr_outliers_render; pr_render refuses it */
    PR_TABLE_REQUEST_MODULES = 9 /* pr_render_request_modules, likewise */
} pr_table;

/* Writes the report (or one table of it) to `out`. Fails with PR_ERR_IO
 * when a write fails, PR_ERR_USAGE for a table the format cannot show. */
PR_API
pr_status pr_render(const pr_report *r, pr_format fmt, pr_table table,
                    FILE *out, pr_error *err);

/* Names for command lines: "md" -> PR_FORMAT_MD, "functions" -> ...,
 * "p95" -> PR_SORT_P95. Return 0, or -1 for an unknown name. */
PR_API
int pr_format_parse(const char *s, pr_format *out);

/* The table a format writes. With table_given 0, sets *table to the
 * format's default for a report (diff 0) or a comparison (diff 1): the
 * whole report, or for CSV the functions table (a diff: endpoints), for
 * collapsed stacks the endpoints (each endpoint's stacks under a frame
 * naming it; PR_TABLE_ALL: the whole run). With table_given 1, checks
 * that the format can write *table alone (Markdown, HTML, JSON,
 * callgrind, speedscope and pprof always write everything, so they take
 * none) and fails with PR_ERR_USAGE and err->msg listing what it can
 * write. Only Markdown, CSV and HTML write a diff. */
PR_API
pr_status pr_output_table(pr_format fmt, int diff, int table_given,
                          pr_table *table, pr_error *err);

/* 1 when format fmt writing `table` of a report shows caller-edge rows
 * (CSV's edges table, HTML, JSON, callgrind), else 0: a report built
 * only for such an output may leave them out (no_edges). */
PR_API
int pr_output_uses_edges(pr_format fmt, pr_table table);

/* 1 when format fmt writing `table` of a report shows the module
 * attribution or what comes from it (modules, entry points, the call
 * tree and its stacks, findings, outliers): all but CSV's functions,
 * edges, endpoints and requests tables. Else a report built only for
 * that output may leave it out (no_attribution). */
PR_API
int pr_output_uses_attribution(pr_format fmt, pr_table table);
PR_API
int pr_table_parse(const char *s, pr_table *out);
PR_API
int pr_sort_parse(const char *s, pr_sort *out);

/* Parses a time for --since/--until: ISO 8601 UTC ("2026-11-25",
 * "2026-11-25T10:00", "...:SSZ", "+02:00" offsets), Unix seconds, or a
 * duration before `now` ("90m", "24h", "7d", "30s", "2w"). Returns 0 and
 * sets *out (Unix seconds), or -1, also for a time before 1970 or after
 * 9999 (which a filter would read as "no limit" or could not convert). */
PR_API
int pr_time_parse(const char *s, double now, double *out);

/* Parses a duration such as "15m", "1h", "1d" or plain seconds, from a
 * microsecond to a thousand years; -1 otherwise. */
PR_API
int pr_duration_parse(const char *s, double *out);

/* The CSV table `-t request-modules`, a diff baseline that keeps which
 * code each request ran: "file,endpoint,wall_ms,module,own_ms", one row
 * per request and module with own time (ms; built-ins charged as in the
 * report), read again from the requests' files; a request whose file
 * cannot be read any more has one row with module and own_ms empty. */
PR_API
pr_status pr_render_request_modules(const pr_report *r, FILE *out,
                                    pr_error *err);

/* ---- Slow versus typical requests ---------------------------------- */

/* A module or function over-represented in an endpoint's slowest
 * requests (wall time above p90) against its typical ones (p25 to p75):
 * own time per request compared with a Mann-Whitney U test, Holm-
 * corrected across the modules (or the 20 functions with the largest
 * excess) of the endpoint. */
typedef struct pr_outlier_row {
    const char *endpoint;   /* the endpoint's label */
    const char *name;       /* module, or "file:line(name)" */
    int is_function;
    size_t slow_n, typical_n; /* requests read in each group */
    double slow_ms, typical_ms; /* mean own time per request */
    double ratio;           /* slow_ms / typical_ms; INFINITY if 0 */
    double p;               /* adjusted p-value */
} pr_outlier_row;

typedef struct pr_outliers pr_outliers;

/* The most files a report re-reads for slow versus typical requests
 * unless asked to (pr_report_options.outliers). */
#define PR_OUTLIERS_AUTO_FILES 2000

/* The report's slow-versus-typical comparison, or NULL when it was not
 * made (see pr_report_options.outliers). Owned by the report. */
PR_API
const pr_outliers *pr_report_outliers(const pr_report *r);

/* For each endpoint of r with 30 requests or more, re-reads the profile
 * files of up to 200 slow and 200 typical requests (evenly spread) and
 * keeps the names significant at alpha (0: 0.01) whose excess is a tenth
 * of the endpoint's slow-minus-typical gap at least, largest first, at
 * most 5 modules and 5 functions an endpoint. Files that are gone (or in
 * archives or states) are left out. PR_OK, PR_ERR_USAGE (NULL) or
 * PR_ERR_NOMEM. */
PR_API
pr_status pr_outliers_build(const pr_report *r, double alpha,
                            pr_outliers **out);
/* Rows grouped by endpoint (report order), modules first. */
PR_API
size_t pr_outliers_rows(const pr_outliers *o, const pr_outlier_row **rows);
/* A Markdown section ("## Slow versus typical requests") or the CSV
 * table of `-t outliers`. */
PR_API
pr_status pr_outliers_render(const pr_outliers *o, pr_format fmt, FILE *out,
                             pr_error *err);
PR_API
void pr_outliers_free(pr_outliers *o);

/* ------------------------------------------------------------------ */
/* Comparing two runs                                                 */
/* ------------------------------------------------------------------ */

typedef struct pr_diff pr_diff;

/* What the test of one endpoint says. */
typedef enum pr_verdict {
    PR_VERDICT_ONE_SIDE = 0, /* on one side only: new or gone */
    PR_VERDICT_SAME = 1,     /* "~": no significant change at alpha */
    PR_VERDICT_SLOWER = 2,   /* significantly slower */
    PR_VERDICT_FASTER = 3,   /* significantly faster */
    PR_VERDICT_TOO_FEW = 4,  /* fewer requests on a side than min_n */
    PR_VERDICT_UNTESTED = 5  /* the baseline holds summaries only */
} pr_verdict;

/* "~", "slower", "faster", "too few requests", "not tested", "". */
PR_API
const char *pr_verdict_name(pr_verdict v);

/* One side of an endpoint comparison; requests == 0 when absent. `ms`
 * holds the requests' latencies in ascending order (profiled or wall
 * time: pr_diff_endpoint.latency says which), or is NULL when the side
 * came from a summary-only baseline; the figures are of the same
 * times. */
typedef struct pr_diff_side {
    size_t requests;
    double mean_ms, p50_ms, p95_ms, p99_ms, max_ms;
    const double *ms;
} pr_diff_side;

/* A change, new minus base (ms), with its 95 % bootstrap interval; lo
 * and hi equal the change when a side has no distribution or too few
 * requests to test, or when the diff's bootstrap budget (3e8 resampled
 * values, endpoints in NEW's order) is spent. */
typedef struct pr_diff_change {
    double delta, lo, hi;
} pr_diff_change;

/* A module or function whose own time per request changed significantly
 * inside one endpoint (Mann-Whitney U over the endpoint's requests,
 * Holm-corrected across the 8 modules, or the 20 functions, whose mean
 * moved most), by a tenth of the endpoint's change at least. */
typedef struct pr_diff_blame {
    const char *name;   /* module, or "file:line(name)" */
    int is_function;
    double base_ms, cur_ms; /* mean own time per request */
    double p;           /* adjusted p-value */
    const char *entered_from; /* module: NEW's main entry into it, or NULL */
} pr_diff_blame;

/* What an endpoint's latencies are. Werkzeug's file names round the
 * wall time to whole milliseconds, which ties most fast requests; the
 * request's profiled time (its root's cumulative time, microseconds) is
 * the same span measured inside the profiler when the two agree within
 * the name's rounding (under CPython they do; under PyPy the profiler
 * sees a fraction of the request, and a pause outside it can make them
 * differ). A diff takes each request's profiled time where it agrees
 * with the name and its wall time elsewhere, when both sides carry
 * profiled times (reports, and `-t requests` or `-t request-modules`
 * baselines written since they have `profiled_ms`); else wall times. */
typedef enum pr_latency {
    PR_LATENCY_WALL,     /* wall times only */
    PR_LATENCY_PROFILED, /* every request's profiled time */
    PR_LATENCY_MIXED     /* profiled times where they agree, else wall */
} pr_latency;

typedef struct pr_diff_endpoint {
    const char *label;
    pr_diff_side base, cur;
    pr_latency latency; /* the times in base and cur */
    const char *failed; /* NULL, or the --fail-on rule it crossed */
    pr_verdict verdict;
    double p;           /* Holm-adjusted across the tested endpoints */
    double p_raw;       /* this endpoint's own Mann-Whitney p-value */
    size_t min_n;       /* requests a side needs to be tested */
    pr_diff_change p50, p95, mean;
    const pr_diff_blame *blame; /* modules first, largest change first */
    size_t nblame;
} pr_diff_endpoint;

/* A module or function: seconds per request on each side. */
typedef struct pr_diff_row {
    const char *name;
    double base_s, cur_s;
} pr_diff_row;

/* Zero-initialise; zero means the default. */
typedef struct pr_diff_options {
    double alpha;       /* significance level; 0 = 0.01. 1 tests nothing:
                         * every change counts, as before tests existed */
} pr_diff_options;

/* Compares two reports. Endpoints are one endpoint when their labels
 * (view name, file and line) are equal, or, for those left over, when
 * name and file are equal and the pairing is unambiguous (a view that
 * moved a few lines). Each endpoint with requests on both sides is
 * tested (Mann-Whitney U on the latencies, Holm across endpoints) and
 * gets a verdict and bootstrap intervals; for those significantly slower
 * or faster the profile files of their requests are read again to test
 * own time per module and function (files no longer there are left out
 * of that test). Modules by name and functions by key (tottime per
 * request) are compared over the whole run too. Rows are sorted slower
 * first, most significant first. opts may be NULL. The diff copies what
 * it needs. */
PR_API
pr_status pr_diff_compare(const pr_report *base, const pr_report *cur,
                          const pr_diff_options *opts, pr_diff **out);
/* pr_diff_compare with default options. */
PR_API
pr_status pr_diff_build(const pr_report *base, const pr_report *cur,
                        pr_diff **out);

/* Like pr_diff_compare, with the base read from a CSV file (read with
 * libcsv): either `profreport -f csv -t requests` (per-request wall
 * times: endpoints are tested) or `-f csv -t endpoints` (summaries only:
 * endpoints get PR_VERDICT_UNTESTED). Only endpoints are compared. A
 * malformed file fails with PR_ERR_NOT_STATS and err names the row (the
 * header is row 0) and what was expected there. */
PR_API
pr_status pr_diff_compare_baseline(const char *csv_path, const pr_report *cur,
                                   const pr_diff_options *opts,
                                   pr_diff **out, pr_error *err);
PR_API
pr_status pr_diff_from_baseline(const char *csv_path, const pr_report *cur,
                                pr_diff **out, pr_error *err);

/* A --fail-on rule: METRIC>+N% or METRIC>+Nms (the + is optional),
 * METRIC one of p50, p95, p99, mean, max. */
typedef struct pr_rule {
    int metric;       /* internal code */
    double value;
    int percent;      /* value is a relative change in %, else ms */
    char text[48];    /* as given */
} pr_rule;

/* Returns 0 and fills *out, or -1 when s is not a rule. */
PR_API
int pr_rule_parse(const char *s, pr_rule *out);

/* Marks every endpoint with at least min_requests (0: the default,
 * PR_DEFAULT_MIN_REQUESTS) on both sides that is
 * significantly slower (or untested: a summary-only baseline) and whose
 * change crosses one of the rules; returns how many are marked. A
 * percentage rule counts any growth from a 0 ms base as crossing it. */
#define PR_DEFAULT_MIN_REQUESTS 5
PR_API
size_t pr_diff_check(pr_diff *d, const pr_rule *rules, size_t nrules,
                     size_t min_requests);

PR_API
size_t pr_diff_endpoints(const pr_diff *d, const pr_diff_endpoint **rows);
PR_API
size_t pr_diff_modules(const pr_diff *d, const pr_diff_row **rows);
PR_API
size_t pr_diff_functions(const pr_diff *d, const pr_diff_row **rows);

/* Markdown (fits a pull-request comment), CSV (-t endpoints, modules or
 * functions) or HTML. */
PR_API
pr_status pr_diff_render(const pr_diff *d, pr_format fmt, pr_table table,
                         FILE *out, pr_error *err);
PR_API
void pr_diff_free(pr_diff *d);

/* ------------------------------------------------------------------ */
/* Output files that appear whole or not at all                       */
/* ------------------------------------------------------------------ */

typedef struct pr_outfile pr_outfile;

/* Opens a temporary file next to `path` (same directory, so the final
 * rename is atomic) and returns a stream to write the content to. Nothing
 * exists under `path` until pr_outfile_commit, which gives the new file
 * the mode and (where permitted) the owner of the one it replaces; a new
 * file follows the umask. When `path` is a symlink, its target is
 * replaced the same way and the link stays. A character device, a FIFO
 * or this process's stdout (/dev/null, /dev/stdout) is written through,
 * not replaced: such output is not atomic (pr_outfile_temp_path gives
 * NULL). A directory, block device, socket or dangling symlink fails with
 * PR_ERR_NOT_FILE; an empty path with PR_ERR_USAGE. */
PR_API
pr_status pr_outfile_open(const char *path, pr_outfile **out, FILE **stream,
                          pr_error *err);

/* Flushes, syncs and renames the temporary file over `path`, then frees
 * `f`. On failure the temporary file is removed and `path` is untouched. */
PR_API
pr_status pr_outfile_commit(pr_outfile *f, pr_error *err);

/* Removes the temporary file and frees `f` (NULL is fine). */
PR_API
void pr_outfile_abort(pr_outfile *f);

/* Path of the temporary file, for a signal handler that must unlink it;
 * NULL when writing through. */
PR_API
const char *pr_outfile_temp_path(const pr_outfile *f);

/* ------------------------------------------------------------------ */
/* State files shared by runs                                         */
/* ------------------------------------------------------------------ */

typedef struct pr_lock pr_lock;

/* Takes an exclusive lock on the state file `path` (an flock on
 * "REALPATH.lock" beside it, created when missing and never removed),
 * waiting up to wait_s seconds for another run to release it. Hold it
 * from pr_agg_load_state to pr_agg_save_state. Fails with PR_ERR_LOCKED
 * when the wait ran out, PR_ERR_NOT_FILE when `path` exists and is not a
 * regular file, PR_ERR_IO when the lock file cannot be created. *out is
 * the caller's, released by pr_state_unlock. */
PR_API
pr_status pr_state_lock(const char *path, double wait_s, pr_lock **out,
                        pr_error *err);

/* Releases the lock (NULL is fine). A process that exits releases it
 * too. */
PR_API
void pr_state_unlock(pr_lock *l);

#ifdef __cplusplus
}
#endif
#endif /* PROFREPORT_H */
