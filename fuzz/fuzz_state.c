/* fuzz_state.c - libFuzzer target for the state-file reader.
 *
 * An input that starts with the state magic "PRSTATE\n" is a whole state
 * file and goes to pr_agg_load_state_buffer as it is: this fuzzes the
 * header checks. Mutations of a real file almost never keep both CRC-32s
 * right, though, so any other input is taken as an uncompressed payload
 * and wrapped in a valid header (zlib-compressed, both checksums set, as
 * lib/state.c writes it): this fuzzes the payload reader behind them.
 *
 * Each input is loaded into a fresh aggregate. When it loads, it is
 * loaded a second time (merging a state with itself) and a report is
 * built and rendered to /dev/null, as `profreport STATE` does (in one
 * format per input: CSV, Markdown or HTML by the input's length), then buckets are pruned and the report built again: a state that
 * the reader accepts must be one the rest of the library can take.
 *
 * Seeds: fuzz/seeds.sh. Run: make fuzz (see fuzz/README.md).
 */
#include "fuzz.h"

#include <zlib.h>

enum { HEADER = 40 };

static void le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* The state file lib/state.c would write around this payload. */
static unsigned char *wrap(const uint8_t *payload, size_t n, size_t *len)
{
    uLongf zlen = compressBound((uLong)n);
    unsigned char *f = malloc(HEADER + zlen);
    if (f == NULL || compress2(f + HEADER, &zlen, payload, (uLong)n, 1) != Z_OK)
        abort();
    memcpy(f, "PRSTATE\n", 8);
    le32(f + 8, 1);
    le32(f + 12, 0);
    le64(f + 16, n);
    le64(f + 24, zlen);
    le32(f + 32, (uint32_t)crc32(0, f + HEADER, (uInt)zlen));
    le32(f + 36, (uint32_t)crc32(0, f, 36));
    *len = HEADER + zlen;
    return f;
}

static FILE *devnull;

/* Builds a report and renders it in one format: `render` 1 CSV (every
 * table), 2 Markdown, 3 HTML, 0 none. One format per input, chosen by the
 * input, keeps the target fast enough for tens of millions of inputs;
 * libFuzzer's mutations reach all three. */
static void report(const pr_agg *agg, int render)
{
    pr_report *r = (pr_report *)&r;
    pr_report_options o = {.top = 5};
    pr_status st = pr_report_build(agg, &o, &r);
    if (st != PR_OK) {
        FUZZ_CHECK(st == PR_ERR_NOMEM, "a report builds unless memory runs out");
        return;
    }
    FUZZ_CHECK(r != NULL, "a report on success");
    pr_summary s;
    pr_report_summary(r, &s);
    FUZZ_CHECK(s.files <= pr_agg_files_read(agg), "summary counts the reads");
    pr_error err;
    for (int t = PR_TABLE_FUNCTIONS; render == 1 && t <= PR_TABLE_CALLERS; t++)
        FUZZ_CHECK(pr_render(r, PR_FORMAT_CSV, (pr_table)t, devnull, &err) ==
                       PR_OK,
                   "every CSV table renders");
    if (render == 2)
        FUZZ_CHECK(pr_render(r, PR_FORMAT_MD, PR_TABLE_ALL, devnull, &err) ==
                       PR_OK,
                   "the Markdown report renders");
    if (render == 3)
        FUZZ_CHECK(pr_render(r, PR_FORMAT_HTML, PR_TABLE_ALL, devnull, &err) ==
                       PR_OK,
                   "the HTML report renders");
    pr_report_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (devnull == NULL && (devnull = fopen("/dev/null", "w")) == NULL)
        abort();
    const uint8_t *file = data;
    size_t len = size;
    uint64_t bound = size; /* error offsets: in the file or the payload */
    unsigned char *wrapped = NULL;
    if (size >= 8 && memcmp(data, "PRSTATE\n", 8) == 0) {
        if (size >= 24) {
            uint64_t raw = 0;
            for (int i = 0; i < 8; i++)
                raw |= (uint64_t)data[16 + i] << (8 * i);
            if (raw > bound)
                bound = raw;
        }
    } else {
        file = wrapped = wrap(data, size, &len);
        bound = len > size ? len : size;
    }

    pr_agg_options o = {.threads = 1};
    pr_agg *agg = NULL;
    if (pr_agg_new(&o, &agg) != PR_OK)
        abort();
    pr_error err;
    memset(&err, 0, sizeof err);
    pr_status st = pr_agg_load_state_buffer(agg, file, len, &err);
    if (st != PR_OK) {
        fuzz_check_error(st, &err, bound);
        FUZZ_CHECK(pr_agg_files_read(agg) == 0,
                   "a failed load leaves the aggregate unchanged");
    } else {
        /* Loaded again, a state's requests with fingerprints are known
         * already (README "From cron"): all of them, and it adds nothing;
         * none (version 1), and it adds them all; some, and it is
         * refused, as merging would count those twice. */
        size_t once = pr_agg_files_read(agg);
        st = pr_agg_load_state_buffer(agg, file, len, &err);
        FUZZ_CHECK(st == PR_OK || st == PR_ERR_NOMEM || st == PR_ERR_MISMATCH,
                   "a state that loaded once loads twice, or is refused "
                   "as partly counted");
        if (st == PR_OK)
            FUZZ_CHECK(pr_agg_files_read(agg) == 2 * once ||
                           pr_agg_files_read(agg) == once,
                       "a merge adds all the requests or none");
        else if (st == PR_ERR_MISMATCH)
            FUZZ_CHECK(pr_agg_files_read(agg) == once,
                       "a refused merge leaves the aggregate unchanged");
        report(agg, 1 + (int)(size % 3));
        if (pr_agg_prune(agg, 1795610533.0) == PR_OK)
            report(agg, 0);
    }
    pr_agg_free(agg);
    free(wrapped);
    return 0;
}
