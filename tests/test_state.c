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
    put_le32(buf + 8, 4);
    put_le32(buf + 36, (uint32_t)crc32(0, buf, 36));
    load_fails(buf, len, PR_ERR_VERSION, 8);
    free(buf);
}

/* A state written today is of version 3. */
Test(state, writes_version_3)
{
    size_t len;
    unsigned char *buf = saved_state(&len);
    cr_assert_eq(buf[8], 3);
    cr_assert_eq(buf[9] | buf[10] | buf[11], 0);
    free(buf);
}

/* A state of version 2 (tests/data/state/README) is still read. */
Test(state, version_2_still_read)
{
    size_t len;
    unsigned char *buf = tu_read_file("data/state/werkzeug-v2.state", &len);
    cr_assert_eq(buf[8], 2, "the fixture is of version 2");
    pr_agg *agg = agg_of(0, 0);
    pr_error err;
    cr_assert_eq(pr_agg_load_state_buffer(agg, buf, len, &err), PR_OK, "%s",
                 err.msg);
    cr_assert_eq(pr_agg_files_read(agg), 3);
    pr_agg_free(agg);
    free(buf);
}

static void put_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* A saved state with its payload (inflated, then changed by edit and
 * deflated again) under a header whose sizes and checksums are right:
 * only the payload's own checks can find what is wrong. */
static unsigned char *repacked(size_t *len, size_t *rawlen,
                               void (*edit)(unsigned char *raw, size_t *n))
{
    size_t n;
    unsigned char *buf = saved_state(&n);
    uLongf raw = 0;
    for (int i = 0; i < 8; i++)
        raw |= (uLongf)buf[16 + i] << (8 * i);
    unsigned char *p = malloc(raw + 16);
    uLongf got = raw;
    cr_assert_eq(uncompress(p, &got, buf + 40, (uLong)(n - 40)), Z_OK);
    cr_assert_eq(got, raw);
    *rawlen = raw;
    size_t m = raw;
    edit(p, &m);
    uLongf zlen = compressBound((uLong)m);
    unsigned char *out = malloc(40 + zlen);
    memcpy(out, buf, 40);
    cr_assert_eq(compress2(out + 40, &zlen, p, (uLong)m, 1), Z_OK);
    put_le64(out + 16, m);
    put_le64(out + 24, zlen);
    put_le32(out + 32, (uint32_t)crc32(0, out + 40, (uInt)zlen));
    put_le32(out + 36, (uint32_t)crc32(0, out, 36));
    *len = 40 + zlen;
    free(p);
    free(buf);
    return out;
}

static void drop_last_byte(unsigned char *raw, size_t *n)
{
    (void)raw;
    (*n)--;
}

static void add_a_byte(unsigned char *raw, size_t *n)
{
    raw[(*n)++] = 0;
}

/* The last field of the last request is its inode number, one byte
 * (0x00 is not a continued number): without it the payload ends inside
 * that request, and the error says where. */
Test(state, v3_payload_truncated_has_offset)
{
    size_t len, raw;
    unsigned char *buf = repacked(&len, &raw, drop_last_byte);
    load_fails(buf, len, PR_ERR_TRUNCATED, raw - 1);
    free(buf);
}

Test(state, v3_payload_with_bytes_after_the_end)
{
    size_t len, raw;
    unsigned char *buf = repacked(&len, &raw, add_a_byte);
    load_fails(buf, len, PR_ERR_BAD_STATE, raw);
    free(buf);
}

/* A header that says fewer payload bytes than the stream inflates to. */
Test(state, v3_payload_longer_than_its_header_says)
{
    size_t len;
    unsigned char *buf = saved_state(&len);
    uint64_t raw = 0;
    for (int i = 0; i < 8; i++)
        raw |= (uint64_t)buf[16 + i] << (8 * i);
    put_le64(buf + 16, raw - 1);
    put_le32(buf + 36, (uint32_t)crc32(0, buf, 36));
    pr_agg *agg = agg_of(3600, 0);
    pr_error err;
    cr_assert_neq(pr_agg_load_state_buffer(agg, buf, len, &err), PR_OK);
    cr_assert_leq(err.offset, raw, "offset %llu",
                  (unsigned long long)err.offset);
    cr_assert_eq(pr_agg_files_read(agg), 0);
    pr_agg_free(agg);
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
