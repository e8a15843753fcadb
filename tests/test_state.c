/* test_state.c - state files (lib/state.c): each way a state can be
 * refused has its own status and offset, distinct from a bad profile's
 * PR_ERR_NOT_STATS. */
#include "testutil.h"

#include <zlib.h>

#define WERKZEUG "data/werkzeug"

static pr_agg *agg_of(double bucket_s, int with_requests)
{
    pr_agg_options o;
    memset(&o, 0, sizeof o);
    o.threads = 1;
    o.bucket_s = bucket_s;
    pr_agg *agg = NULL;
    cr_assert_eq(pr_agg_new(&o, &agg), PR_OK);
    if (with_requests) {
        const char *dir = WERKZEUG;
        cr_assert_eq(pr_agg_add_paths(agg, &dir, 1), PR_OK);
        cr_assert_gt(pr_agg_files_read(agg), 0);
    }
    return agg;
}

/* A real state file of the werkzeug fixtures, bucketed by the hour. */
static unsigned char *saved_state(size_t *len)
{
    pr_agg *agg = agg_of(3600, 1);
    char *dir = tu_mkdtemp();
    char *path = tu_path(dir, "s.state");
    pr_error err;
    cr_assert_eq(pr_agg_save_state(agg, path, &err), PR_OK, "%s", err.msg);
    unsigned char *buf = tu_read_file(path, len);
    cr_assert_gt(*len, 40);
    pr_agg_free(agg);
    tu_rm_rf(dir);
    free(path);
    free(dir);
    return buf;
}

static void put_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void load_fails(const unsigned char *buf, size_t len, pr_status want,
                       uint64_t offset)
{
    pr_agg *agg = agg_of(3600, 0);
    pr_error err;
    tu_assert_err(pr_agg_load_state_buffer(agg, buf, len, &err), err, want,
                  offset);
    cr_assert_eq(pr_agg_files_read(agg), 0, "the aggregate is unchanged");
    pr_agg_free(agg);
}

Test(state, round_trip_loads)
{
    size_t len;
    unsigned char *buf = saved_state(&len);
    pr_agg *agg = agg_of(3600, 0);
    pr_error err;
    cr_assert_eq(pr_agg_load_state_buffer(agg, buf, len, &err), PR_OK, "%s",
                 err.msg);
    cr_assert_gt(pr_agg_files_read(agg), 0);
    pr_agg_free(agg);
    free(buf);
}

Test(state, not_a_state_file)
{
    static const char text[] = "this is a text file and no state at all, "
                               "whatever its name says";
    load_fails((const unsigned char *)text, sizeof text - 1, PR_ERR_BAD_STATE,
               0);
}

Test(state, header_checksum)
{
    size_t len;
    unsigned char *buf = saved_state(&len);
    buf[20] ^= 0x40; /* the payload size, covered by the header CRC */
    load_fails(buf, len, PR_ERR_BAD_STATE, 36);
    free(buf);
}

Test(state, payload_checksum)
{
    size_t len;
    unsigned char *buf = saved_state(&len);
    buf[len / 2] ^= 0x01;
    load_fails(buf, len, PR_ERR_BAD_STATE, 40);
    free(buf);
}

/* A state from a later profreport: a consistent header, another version. */
Test(state, other_version)
{
    size_t len;
    unsigned char *buf = saved_state(&len);
    put_le32(buf + 8, 2);
    put_le32(buf + 36, (uint32_t)crc32(0, buf, 36));
    load_fails(buf, len, PR_ERR_VERSION, 8);
    free(buf);
}

/* Hourly buckets into an aggregate of minute buckets that has requests. */
Test(state, bucket_mismatch)
{
    size_t len;
    unsigned char *buf = saved_state(&len);
    pr_agg *agg = agg_of(60, 1);
    size_t before = pr_agg_files_read(agg);
    pr_error err;
    tu_assert_err(pr_agg_load_state_buffer(agg, buf, len, &err), err,
                  PR_ERR_MISMATCH, 40);
    cr_assert_eq(pr_agg_files_read(agg), before);
    pr_agg_free(agg);
    free(buf);
}

Test(state, truncated)
{
    size_t len;
    unsigned char *buf = saved_state(&len);
    load_fails(buf, len - 1, PR_ERR_TRUNCATED, len - 1);
    free(buf);
}
