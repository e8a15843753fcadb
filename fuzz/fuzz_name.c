/* fuzz_name.c - libFuzzer target for the werkzeug file-name parser.
 *
 * An input "FORMAT\0NAME" compiles FORMAT with pr_name_format_compile and
 * matches NAME (up to any further NUL) against it; an input without a NUL
 * is a NAME for werkzeug's default format. Every NAME is also matched
 * against the default format, as profreport does without --name-format.
 * The strings are copied into buffers of exactly their size so that a
 * read past a terminator is an ASan report.
 *
 * Seeds: fuzz/seeds.sh. Run: make fuzz (see fuzz/README.md).
 */
#include "fuzz.h"
#include "reqname.h"

#include <math.h>

static void check_fields(const pr_name_fields *f, const char *name)
{
    size_t n = strlen(name);
    if (f->has_method)
        FUZZ_CHECK(f->method.ptr >= name &&
                       f->method.ptr + f->method.len <= name + n,
                   "method points into the name");
    if (f->has_path)
        FUZZ_CHECK(f->path.ptr >= name && f->path.ptr + f->path.len <= name + n,
                   "path points into the name");
    volatile size_t sink = 0;
    for (size_t i = 0; f->has_method && i < f->method.len; i++)
        sink += (unsigned char)f->method.ptr[i];
    for (size_t i = 0; f->has_path && i < f->path.len; i++)
        sink += (unsigned char)f->path.ptr[i];
    (void)sink;
}

static void match(const pr_name_format *fmt, const char *name)
{
    pr_name_fields out;
    memset(&out, 0xA5, sizeof out); /* garbage the parser must overwrite */
    int r = pr_name_parse(fmt, name, &out);
    FUZZ_CHECK(r == 0 || r == 1, "pr_name_parse returns 1 or 0");
    if (r == 1)
        check_fields(&out, name);
    /* Every reading, chosen with a profile as witness. */
    static const double profiled[] = {0, 5.774, 780, 1e9};
    for (size_t i = 0; i < sizeof profiled / sizeof profiled[0]; i++) {
        memset(&out, 0xA5, sizeof out);
        pr__wall_source src = pr__name_parse_witness(fmt, name, profiled[i],
                                                     &out);
        FUZZ_CHECK((src == PR__WALL_UNNAMED) == (r == 0),
                   "the witness matches what pr_name_parse matches");
        if (src != PR__WALL_UNNAMED)
            check_fields(&out, name);
        FUZZ_CHECK(src != PR__WALL_NAME ||
                       out.elapsed_ms >= profiled[i] * (1 - 1e-9) - 1 - 1e-6,
                   "a wall time taken from the name is not under the profile's");
    }
}

static pr_name_format *default_format;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (default_format == NULL &&
        pr_name_format_compile(NULL, &default_format, NULL) != PR_OK)
        abort();
    const uint8_t *nul = memchr(data, '\0', size);
    char *fmt = NULL, *name;
    if (nul == NULL) {
        name = fuzz_strndup(data, size);
    } else {
        size_t flen = (size_t)(nul - data);
        fmt = fuzz_strndup(data, flen);
        const uint8_t *rest = nul + 1;
        size_t rlen = size - flen - 1;
        const uint8_t *end = memchr(rest, '\0', rlen);
        name = fuzz_strndup(rest, end ? (size_t)(end - rest) : rlen);
    }

    match(default_format, name);
    if (fmt != NULL) {
        pr_name_format *f = (pr_name_format *)&f; /* must be set either way */
        pr_error err;
        memset(&err, 0, sizeof err);
        pr_status st = pr_name_format_compile(fmt, &f, &err);
        if (st == PR_OK) {
            FUZZ_CHECK(f != NULL, "a format on success");
            match(f, name);
            pr_name_format_free(f);
        } else {
            FUZZ_CHECK(st == PR_ERR_USAGE || st == PR_ERR_NOMEM,
                       "a bad format is PR_ERR_USAGE");
            fuzz_check_error(st, &err, strlen(fmt));
        }
    }
    free(fmt);
    free(name);
    return 0;
}
