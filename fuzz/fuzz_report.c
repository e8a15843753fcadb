/* fuzz_report.c - libFuzzer target for what is built from a profile.
 *
 * Each input is a .prof file's bytes, added with pr_agg_add_buffer (which
 * also gunzips, and reads the werkzeug name) twice to one aggregate, as
 * the files of a directory are. When that reads, a report is built from
 * it: endpoints, modules, entry points and the call tree come from the
 * input's entries and caller edges, and rendered in one of the nine
 * formats (and for CSV one of its tables), chosen by the input's last
 * two bytes, to /dev/null. fuzz_profile.c fuzzes the reader alone,
 * three times faster. (Rendering was added after a profile whose
 * tottime is infinite in ms made the HTML latency axis loop for ever:
 * tests/data/fuzz/profile-no-callers.prof.)
 *
 * The aggregate is made fresh for each input rather than kept between
 * inputs: memory that grows from one input to the next makes libFuzzer
 * run a full LeakSanitizer scan after every input (about 30 inputs a
 * second instead of hundreds) until it gives up on leak detection
 * altogether, and a crash that depends on earlier inputs would not
 * reproduce from the one input libFuzzer saves.
 *
 * Seeds: fuzz/seeds.sh. Run: make fuzz (see fuzz/README.md).
 */
#include "fuzz.h"

/* The input is added as two requests, one named as werkzeug names them
 * and one not: the second merges into what the first one left, as the
 * files of a directory do. */
static const char *const NAMES[] = {
    "GET.api.items.3.1ms.1795610533.prof",
    "not-a-werkzeug-name.prof",
};
enum { ADDS = sizeof NAMES / sizeof *NAMES };

/* One format (and for CSV one table) per input, from its last bytes. */
static void render(const pr_report *r, const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (sink == NULL && (sink = fopen("/dev/null", "w")) == NULL)
        abort();
    unsigned a = size > 0 ? data[size - 1] : 0;
    unsigned b = size > 1 ? data[size - 2] : 0;
    pr_format fmt = (pr_format)(a % 9);
    pr_table table = PR_TABLE_ALL;
    int given = fmt == PR_FORMAT_CSV && b % 8 != 0;
    if (given)
        table = (pr_table)(b % 8); /* functions .. findings */
    pr_error err;
    FUZZ_CHECK(pr_output_table(fmt, 0, given, &table, &err) == PR_OK,
               "every format writes a report");
    pr_status st = pr_render(r, fmt, table, sink, &err);
    FUZZ_CHECK(st == PR_OK || st == PR_ERR_NOMEM,
               "a report renders unless memory runs out");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* One thread, and a gzip bomb stops at 4 MiB instead of 1 GiB. */
    pr_agg_options o = {.threads = 1, .max_file_size = 4u << 20};
    pr_agg *agg = NULL;
    if (pr_agg_new(&o, &agg) != PR_OK)
        abort();
    for (size_t i = 0; i < ADDS; i++) {
        if (pr_agg_add_buffer(agg, NAMES[i], data, size) != PR_OK)
            break;
        FUZZ_CHECK(pr_agg_files_read(agg) + pr_agg_files_skipped(agg) == i + 1,
                   "an added buffer is read or skipped");
        /* Skipped once, skipped again: the same bytes fail the same way,
         * and decoding them once more would only slow the target. */
        if (pr_agg_files_read(agg) == 0)
            break;
        /* As the command does before a report; the next add builds the
         * dropped indexes again. */
        pr_agg_compact(agg);
    }
    if (pr_agg_files_read(agg) > 0) {
        pr_report *r = NULL;
        pr_status st = pr_report_build(agg, NULL, &r);
        FUZZ_CHECK(st == PR_OK || st == PR_ERR_NOMEM,
                   "a report builds unless memory runs out");
        if (st == PR_OK)
            render(r, data, size);
        pr_report_free(r);
    }
    pr_agg_free(agg);
    return 0;
}
