/* fuzz_profile.c - libFuzzer target for the stats-file reader.
 *
 * Each input is a .prof file's bytes, parsed with pr_profile_parse, whose
 * result is walked so that ASan sees every string and caller it hands
 * out. An input that starts with the gzip magic is also added with
 * pr_agg_add_buffer, which gunzips it (stopping a gzip bomb at 4 MiB) and
 * parses what comes out. One decode per input: this is the target that
 * runs tens of millions of inputs; fuzz_report.c takes the same inputs on
 * to the aggregate and the report.
 *
 * Seeds: fuzz/seeds.sh. Run: make fuzz (see fuzz/README.md).
 */
#include "fuzz.h"

static int inside(const void *p, const uint8_t *data, size_t size)
{
    uintptr_t b = (uintptr_t)p, d = (uintptr_t)data;
    return size > 0 && b >= d && b - d < size;
}

/* Reads every byte the profile points to; a string that points into the
 * input would break "does not point into buf". */
static size_t walk_key(const pr_func_key *k, const uint8_t *data, size_t size)
{
    size_t sum = 0;
    FUZZ_CHECK(k->file.ptr != NULL || k->file.len == 0, "file is a string");
    FUZZ_CHECK(k->name.ptr != NULL || k->name.len == 0, "name is a string");
    FUZZ_CHECK(!inside(k->file.ptr, data, size), "key does not point into buf");
    FUZZ_CHECK(!inside(k->name.ptr, data, size), "key does not point into buf");
    for (size_t i = 0; i < k->file.len; i++)
        sum += (unsigned char)k->file.ptr[i];
    for (size_t i = 0; i < k->name.len; i++)
        sum += (unsigned char)k->name.ptr[i];
    return sum;
}

static void walk(const pr_profile *p, const uint8_t *data, size_t size)
{
    volatile size_t sink = 0;
    size_t n = pr_profile_count(p);
    for (size_t i = 0; i < n; i++) {
        const pr_entry *e = pr_profile_entry(p, i);
        FUZZ_CHECK(e != NULL, "entries 0..count-1 exist");
        sink += walk_key(&e->key, data, size);
        FUZZ_CHECK(e->ncallers == 0 || e->callers != NULL, "callers exist");
        for (size_t k = 0; k < e->ncallers; k++)
            sink += walk_key(&e->callers[k].key, data, size) +
                    (size_t)e->callers[k].count_only;
    }
    FUZZ_CHECK(pr_profile_entry(p, n) == NULL, "no entry past the end");
    FUZZ_CHECK(pr_profile_trailing_bytes(p) <= size, "trailing bytes fit");
    (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    pr_profile *p = (pr_profile *)&p; /* must be set either way */
    pr_error err;
    memset(&err, 0, sizeof err);
    pr_status st = pr_profile_parse(data, size, &p, &err);
    if (st == PR_OK) {
        FUZZ_CHECK(p != NULL, "a profile on success");
        walk(p, data, size);
        pr_profile_free(p);
    } else {
        FUZZ_CHECK(p == NULL, "*out is NULL on failure");
        fuzz_check_error(st, &err, size);
    }
    if (size >= 2 && data[0] == 0x1f && data[1] == 0x8b) {
        pr_agg_options o = {.threads = 1, .max_file_size = 4u << 20};
        pr_agg *agg = NULL;
        if (pr_agg_new(&o, &agg) != PR_OK)
            abort();
        st = pr_agg_add_buffer(agg, "x.prof.gz", data, size);
        FUZZ_CHECK(st == PR_OK || st == PR_ERR_NOMEM,
                   "a buffer is added unless memory runs out");
        FUZZ_CHECK(st != PR_OK ||
                       pr_agg_files_read(agg) + pr_agg_files_skipped(agg) == 1,
                   "an added buffer is read or skipped");
        pr_agg_free(agg);
    }
    return 0;
}
