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
    put_le32(buf + 8, 3);
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

/* ---- the incremental-run protocol (lib/incremental.c) ------------------ */

Test(state, options_a_state_implies)
{
    pr_agg_options ao;
    pr_report_options ro;
    memset(&ao, 0, sizeof ao);
    memset(&ro, 0, sizeof ro);
    ao.since = 100;
    ao.until = 200;
    pr_error err;
    cr_assert_eq(pr_state_options(&ao, &ro, &err), PR_OK);
    cr_assert(ro.since == 100 && ro.until == 200, "window moves to the report");
    cr_assert(ao.since == 0 && ao.until == 0);
    cr_assert_eq(ao.skip_known, 1);
    cr_assert(ao.bucket_s == 0, "left to the state's own, else the default");
    ao.bucket_s = 60;
    cr_assert_eq(pr_state_options(&ao, NULL, &err), PR_OK);
    cr_assert(ao.bucket_s == 60, "a bucket size given is kept");
    ao.method = "GET";
    tu_assert_err(pr_state_options(&ao, &ro, &err), err, PR_ERR_USAGE,
                  PR_NO_OFFSET);
    cr_assert(strstr(err.msg, "--method") != NULL, "%s", err.msg);
    cr_assert_eq(pr_state_options(NULL, &ro, &err), PR_ERR_USAGE);
}

static pr_agg *state_agg(void)
{
    pr_agg_options ao;
    memset(&ao, 0, sizeof ao);
    ao.threads = 1;
    pr_error err;
    cr_assert_eq(pr_state_options(&ao, NULL, &err), PR_OK);
    pr_agg *agg = NULL;
    cr_assert_eq(pr_agg_new(&ao, &agg), PR_OK);
    return agg;
}

/* First run writes the state; the second reads no file again; a corrupt
 * state is ignored (and said so), every file read, and replaced. */
Test(state, update_protocol)
{
    char *dir = tu_mkdtemp();
    char *path = tu_path(dir, "run.state");
    const char *in = WERKZEUG;
    pr_error ign, err;

    pr_agg *agg = state_agg();
    cr_assert_eq(pr_agg_update_state(agg, path, &in, 1, 0, 5, &ign, &err),
                 PR_OK, "%s", err.msg);
    cr_assert_eq(ign.code, PR_OK, "no state yet is not an error");
    size_t files = pr_agg_files_read(agg);
    cr_assert_gt(files, 0);
    pr_agg_free(agg);

    agg = state_agg();
    cr_assert_eq(pr_agg_update_state(agg, path, &in, 1, 0, 5, &ign, &err),
                 PR_OK, "%s", err.msg);
    cr_assert_eq(ign.code, PR_OK);
    cr_assert_eq(pr_agg_files_read(agg), files, "known files are not re-read");
    pr_agg_free(agg);

    size_t len;
    unsigned char *buf = tu_read_file(path, &len);
    buf[len - 1] ^= 0xff;
    tu_write_file(path, buf, len);
    free(buf);
    agg = state_agg();
    cr_assert_eq(pr_agg_update_state(agg, path, &in, 1, 0, 5, &ign, &err),
                 PR_OK, "%s", err.msg);
    cr_assert_eq(ign.code, PR_ERR_BAD_STATE, "%s", ign.msg);
    cr_assert_eq(pr_agg_files_read(agg), files, "every file read again");
    pr_agg_free(agg);
    agg = state_agg();
    cr_assert_eq(pr_agg_load_state(agg, path, &err), PR_OK, "replaced: %s",
                 err.msg);
    pr_agg_free(agg);

    cr_assert_eq(pr_agg_update_state(NULL, path, &in, 1, 0, 5, NULL, &err),
                 PR_ERR_USAGE);
    tu_rm_rf(dir);
    free(path);
    free(dir);
}
