/* test_marshal.c - the marshal decoder (lib/marshal.h) on hand-made bytes.
 *
 * Vectors come from shared docs pstats-format.md: section 7 (test
 * vectors) and the examples of section 2. Every error case asserts the
 * status and the byte offset in pr_error, as STYLE.md asks.
 *
 * Checks are small static functions grouped into a few Test()s: every
 * Criterion test is a fresh ASan process (~0.2 s), which would dominate
 * the suite's run time, and each failure message names its hex input.
 */
#include "testutil.h"

#include "marshal.h"

#include <math.h>

/* One decoder per test (Criterion runs each test in its own process). */
static struct {
    mdecoder d;
    unsigned char *buf;
    size_t len;
    mval *v;
    size_t end;
    pr_error err;
    pr_status st;
} T;

static void setup(void) { mdecoder_init(&T.d); }

static void teardown(void)
{
    mdecoder_free(&T.d);
    free(T.buf);
    T.buf = NULL;
}

TestSuite(marshal, .init = setup, .fini = teardown);

/* Decodes the bytes given in hex; the buffer lives until the next run. */
static pr_status run_bytes(unsigned char *buf, size_t len)
{
    free(T.buf);
    T.buf = buf;
    T.len = len;
    memset(&T.err, 0, sizeof T.err);
    T.err.offset = 424242; /* must be overwritten on failure */
    T.v = NULL;
    T.end = 0;
    T.st = mdecode(&T.d, T.buf, T.len, &T.v, &T.end, &T.err);
    return T.st;
}

static pr_status run(const char *hex)
{
    size_t len;
    unsigned char *b = tu_hex(hex, &len);
    return run_bytes(b, len);
}

/* Must decode and consume every byte. */
static mval *ok(const char *hex)
{
    pr_status st = run(hex);
    cr_assert_eq(st, PR_OK, "%s: %s, %s at %llu", hex, tu_status_name(st),
                 T.err.msg, (unsigned long long)T.err.offset);
    cr_assert_not_null(T.v);
    cr_assert_eq(T.end, T.len, "%s: stopped at %zu of %zu", hex, T.end, T.len);
    return T.v;
}

static void fails(const char *hex, pr_status code, uint64_t off)
{
    pr_status st = run(hex);
    cr_assert_null(T.v, "%s: *out must be NULL on failure", hex);
    tu_assert_err(st, T.err, code, off);
}

static void is_int(const mval *v, int64_t want)
{
    cr_assert_not_null(v);
    cr_assert_eq(v->kind, MV_INT, "kind %d, expected int", v->kind);
    cr_assert_eq(v->u.i, want, "value %lld, expected %lld", (long long)v->u.i,
                 (long long)want);
}

static void is_float(const mval *v, double want)
{
    cr_assert_not_null(v);
    cr_assert_eq(v->kind, MV_FLOAT, "kind %d, expected float", v->kind);
    cr_assert(v->u.f == want, "value %.17g, expected %.17g", v->u.f, want);
}

/* Text (or, with kind MV_BYTES, `s` bytes) with exactly these bytes. */
static void is_text(const mval *v, mkind kind, const char *want, size_t n)
{
    cr_assert_not_null(v);
    cr_assert_eq(v->kind, kind, "kind %d, expected %d", v->kind, kind);
    cr_assert_eq(v->u.s.len, n, "length %zu, expected %zu", v->u.s.len, n);
    cr_assert(n == 0 || memcmp(v->u.s.ptr, want, n) == 0,
              "bytes differ from \"%s\"", want);
}

static void is_str(const mval *v, const char *want)
{
    is_text(v, MV_STR, want, strlen(want));
}

static void is_tuple(const mval *v, uint32_t n)
{
    cr_assert_not_null(v);
    cr_assert_eq(v->kind, MV_TUPLE, "kind %d, expected tuple", v->kind);
    cr_assert_eq(v->n, n, "%u items, expected %u", v->n, n);
    cr_assert(v->done);
}

/* ==== pstats-format.md section 7, every vector ========================== */

static void vec_empty_dict_v0(void)
{
    mval *v = ok("7b 30");
    cr_assert_eq(v->kind, MV_DICT);
    cr_assert_eq(v->n, 0);
    cr_assert_eq(T.d.nrefs, 0, "unflagged dict takes no ref slot");
}

static void vec_empty_dict_v3_flagged(void)
{
    mval *v = ok("fb 30");
    cr_assert_eq(v->kind, MV_DICT);
    cr_assert_eq(v->n, 0);
    cr_assert_eq(T.d.nrefs, 1);
    cr_assert_eq(T.d.refs[0], v, "slot 0 is the dict");
}

static void vec_int32_max(void) { is_int(ok("69 ff ff ff 7f"), 2147483647); }

static void vec_long_2_31(void)
{
    is_int(ok("6c 03 00 00 00 00 00 00 00 02 00"), 2147483648LL);
}

static void vec_long_minus_2_31_minus_1(void)
{
    is_int(ok("6c fd ff ff ff 01 00 00 00 02 00"), -2147483649LL);
}

static void vec_py2_int64(void)
{
    is_int(ok("49 00 00 00 00 00 01 00 00"), 1099511627776LL);
}

static void vec_binary_float(void) { is_float(ok("67 00 00 00 00 00 00 f8 3f"), 1.5); }

static void vec_text_float(void) { is_float(ok("66 03 31 2e 35"), 1.5); }

static void vec_flagged_short_ascii(void)
{
    mval *v = ok("da 03 61 62 63");
    is_str(v, "abc");
    cr_assert_eq(T.d.nrefs, 1);
    cr_assert_eq(T.d.refs[0], v);
}

static void vec_utf8(void) { is_str(ok("75 02 00 00 00 c3 a9"), "\xc3\xa9"); }

static void vec_py2_interned(void)
{
    mval *v = ok("74 03 00 00 00 61 62 63");
    is_str(v, "abc");
    cr_assert_eq(T.d.ninterned, 1);
    cr_assert_eq(T.d.interned[0], v);
    cr_assert_eq(T.d.nrefs, 0, "the interned table is not the ref table");
}

static void vec_py2_interned_ref(void)
{
    mval *v = ok("28 02 00 00 00 74 03 00 00 00 61 62 63 52 00 00 00 00");
    is_tuple(v, 2);
    is_str(v->u.items[0], "abc");
    cr_assert_eq(v->u.items[1], v->u.items[0], "R 0 is table entry 0");
}

static void vec_ref_to_string(void)
{
    mval *v = ok("a9 02 da 01 61 72 01 00 00 00");
    is_tuple(v, 2);
    is_str(v->u.items[0], "a");
    cr_assert_eq(v->u.items[1], v->u.items[0]);
    cr_assert_eq(T.d.nrefs, 2);
    cr_assert_eq(T.d.refs[0], v, "tuple is slot 0");
    cr_assert_eq(T.d.refs[1], v->u.items[0], "'a' is slot 1");
}

static void vec_ref_to_inner_tuple(void)
{
    /* The inner tuple's slot (1) is reserved before its child int (2). */
    mval *v = ok("a9 02 a9 01 e9 01 00 00 00 72 01 00 00 00");
    is_tuple(v, 2);
    is_tuple(v->u.items[0], 1);
    is_int(v->u.items[0]->u.items[0], 1);
    cr_assert_eq(v->u.items[1], v->u.items[0], "r 1 is the inner tuple");
    cr_assert_eq(T.d.nrefs, 3);
    cr_assert_eq(T.d.refs[2], v->u.items[0]->u.items[0], "int 1 is slot 2");
}

static void vec_tuple_v0(void)
{
    mval *v = ok("28 01 00 00 00 75 01 00 00 00 61");
    is_tuple(v, 1);
    is_str(v->u.items[0], "a");
}

Test(marshal, section7_vectors)
{
    vec_empty_dict_v0();
    vec_empty_dict_v3_flagged();
    vec_int32_max();
    vec_long_2_31();
    vec_long_minus_2_31_minus_1();
    vec_py2_int64();
    vec_binary_float();
    vec_text_float();
    vec_flagged_short_ascii();
    vec_utf8();
    vec_py2_interned();
    vec_py2_interned_ref();
    vec_ref_to_string();
    vec_ref_to_inner_tuple();
    vec_tuple_v0();
}

/* ==== integers (2.3) ====================================================== */

static void int32_values(void)
{
    is_int(ok("69 01 00 00 00"), 1);
    is_int(ok("69 ff ff ff ff"), -1);
    is_int(ok("69 00 00 00 80"), INT32_MIN);
    is_int(ok("e9 00 00 00 00"), 0);
    cr_assert_eq(T.d.nrefs, 1, "flagged int takes a slot");
}

static void int64_values(void)
{
    is_int(ok("49 00 00 00 80 00 00 00 00"), 2147483648LL);
    is_int(ok("49 00 00 00 00 00 ff ff ff"), -1099511627776LL);
    is_int(ok("c9 ff ff ff ff ff ff ff 7f"), INT64_MAX);
    cr_assert_eq(T.d.nrefs, 1);
    is_int(ok("49 00 00 00 00 00 00 00 80"), INT64_MIN);
}

static void long_values(void)
{
    is_int(ok("6c 00 00 00 00"), 0); /* Python 2 0L */
    is_int(ok("6c 01 00 00 00 05 00"), 5);
    is_int(ok("6c ff ff ff ff 05 00"), -5);
    is_int(ok("6c 03 00 00 00 00 5e a0 65 02 00"), 3000000000LL);
    is_int(ok("ec 03 00 00 00 00 00 00 00 02 00"), 2147483648LL);
    cr_assert_eq(T.d.nrefs, 1, "flagged long takes a slot");
    /* 2^63 - 1: digits 7fff x4, then 7 (bits 60..62). */
    is_int(ok("6c 05 00 00 00 ff 7f ff 7f ff 7f ff 7f 07 00"), INT64_MAX);
    /* -2^63 is the one magnitude past INT64_MAX that fits. */
    is_int(ok("6c fb ff ff ff 00 00 00 00 00 00 00 00 08 00"), INT64_MIN);
}

static void integers(void)
{
    int32_values();
    int64_values();
    long_values();
}

static void long_overflow_past_int64(void)
{
    /* 2^63 */
    fails("6c 05 00 00 00 00 00 00 00 00 00 00 00 08 00", PR_ERR_BAD_VALUE, 1);
    /* 2^64: top digit's bits do not fit in 64 */
    fails("6c 05 00 00 00 00 00 00 00 00 00 00 00 10 00", PR_ERR_BAD_VALUE, 1);
    /* 2^75: a sixth digit */
    fails("6c 06 00 00 00 00 00 00 00 00 00 00 00 00 00 01 00",
          PR_ERR_BAD_VALUE, 1);
    /* 10^30, the example of pstats-format.md 2.3 */
    fails("6c 07 00 00 00 00 00 00 00 a9 37 a7 33 04 4d 93 65 27 03",
          PR_ERR_BAD_VALUE, 1);
    /* -(2^63 + 1) */
    fails("6c fb ff ff ff 01 00 00 00 00 00 00 00 08 00", PR_ERR_BAD_VALUE, 1);
}

/* BUG: lib/marshal.c rd_long computes `(uint64_t)dig << (15 * i)` for every
 * digit, including zero digits at i >= 5, where the shift count (75, 90,
 * ...) is >= 64: undefined behaviour, and UBSan aborts the process. The
 * overflow check just above only runs for non-zero digits. Input: 2^90 =
 * seven digits, six of them zero. Expected PR_ERR_BAD_VALUE at offset 1;
 * actual: UBSan "shift exponent 75 is too large for 64-bit type". */
Test(marshal, long_overflow_zero_digits_past_64_bits)
{
    fails("6c 07 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01 00",
          PR_ERR_BAD_VALUE, 1);
}

static void long_bad_digits(void)
{
    /* A digit with bit 15 set: offset of that digit. */
    fails("6c 01 00 00 00 00 80", PR_ERR_BAD_VALUE, 5);
    fails("6c 02 00 00 00 01 00 ff ff", PR_ERR_BAD_VALUE, 7);
    /* A zero top digit (CPython rejects it): offset of that digit. */
    fails("6c 02 00 00 00 01 00 00 00", PR_ERR_BAD_VALUE, 7);
    fails("6c fe ff ff ff 01 00 00 00", PR_ERR_BAD_VALUE, 7);
    fails("6c 01 00 00 00 00 00", PR_ERR_BAD_VALUE, 5);
    /* INT32_MIN digits is not a count */
    fails("6c 00 00 00 80", PR_ERR_BAD_LENGTH, 1);
}

/* ==== floats (2.4) ======================================================= */

static void binary_floats(void)
{
    is_float(ok("67 9a 99 99 99 99 99 b9 3f"), 0.1);
    mval *v = ok("67 00 00 00 00 00 00 f0 7f");
    cr_assert(isinf(v->u.f) && v->u.f > 0);
    v = ok("e7 00 00 00 00 00 00 f8 7f");
    cr_assert_eq(v->kind, MV_FLOAT);
    cr_assert(isnan(v->u.f));
    cr_assert_eq(T.d.nrefs, 1, "flagged float takes a slot");
    is_float(ok("67 00 00 00 00 00 00 00 80"), -0.0);
}

static void text_floats(void)
{
    /* CPython writes 17 digits, PyPy the shortest repr. */
    is_float(ok("66 13 30 2e 31 30 30 30 30 30 30 30 30 30 30 30 30 30 30 30 31"),
             0.1);
    is_float(ok("66 03 30 2e 31"), 0.1);
    is_float(ok("66 04 2d 32 65 33"), -2000.0);
    mval *v = ok("66 03 69 6e 66");
    cr_assert(isinf(v->u.f) && v->u.f > 0, "inf");
    v = ok("66 04 2d 69 6e 66");
    cr_assert(isinf(v->u.f) && v->u.f < 0, "-inf");
    v = ok("e6 03 6e 61 6e");
    cr_assert(isnan(v->u.f), "nan");
    cr_assert_eq(T.d.nrefs, 1);
}

static void floats(void)
{
    binary_floats();
    text_floats();
}

static void text_float_bad(void)
{
    /* Offset of the length byte, where the text starts. */
    fails("66 03 61 62 63", PR_ERR_BAD_VALUE, 1);
    fails("66 00", PR_ERR_BAD_VALUE, 1);
    fails("66 04 31 2e 35 78", PR_ERR_BAD_VALUE, 1);
}

Test(marshal, numbers)
{
    integers();
    long_overflow_past_int64();
    long_bad_digits();
    floats();
    text_float_bad();
}

/* ==== strings (2.5) ====================================================== */

static void string_codes(void)
{
    is_str(ok("75 03 00 00 00 61 62 63"), "abc");
    is_str(ok("f5 00 00 00 00"), "");
    is_str(ok("74 01 00 00 00 7e"), "~");
    is_text(ok("73 03 00 00 00 61 00 62"), MV_BYTES, "a\0b", 3);
    is_str(ok("61 03 00 00 00 61 62 63"), "abc");
    is_str(ok("41 03 00 00 00 61 62 63"), "abc");
    is_str(ok("7a 03 61 62 63"), "abc");
    is_str(ok("5a 03 61 62 63"), "abc");
    is_str(ok("da 00"), "");
    is_text(ok("75 03 00 00 00 61 00 62"), MV_STR, "a\0b", 3);
}

static void flagged_strings_take_slots(void)
{
    mval *v = ok("29 06 f5 01 00 00 00 61 f4 01 00 00 00 62 f3 01 00 00 00 63"
                 "   e1 01 00 00 00 64 c1 01 00 00 00 65 fa 01 66");
    is_tuple(v, 6);
    cr_assert_eq(T.d.nrefs, 6);
    for (int i = 0; i < 6; i++)
        cr_assert_eq(T.d.refs[i], v->u.items[i], "slot %d", i);
    cr_assert_eq(T.d.ninterned, 1, "only `t` feeds the interned table");
}

static void surrogatepass_bytes_kept(void)
{
    /* pstats-format.md 2.5: '/tmp/\udcff\udcfe-bad.py' */
    is_str(ok("f5 12 00 00 00 2f 74 6d 70 2f ed b3 bf ed b3 be 2d 62 61 64 2e"
              "70 79"),
           "/tmp/\xed\xb3\xbf\xed\xb3\xbe-bad.py");
}

static void strings(void)
{
    string_codes();
    flagged_strings_take_slots();
    surrogatepass_bytes_kept();
}

static void latin1_to_utf8(void)
{
    /* a/A/z/Z hold one byte per code point: bytes >= 0x80 are Latin-1. */
    is_str(ok("7a 02 e9 41"), "\xc3\xa9" "A");
    is_str(ok("5a 01 ff"), "\xc3\xbf");
    is_str(ok("61 03 00 00 00 80 62 a0"), "\xc2\x80" "b\xc2\xa0");
    is_str(ok("c1 01 00 00 00 c3"), "\xc3\x83");
    cr_assert_eq(T.d.nrefs, 1);
    /* `u` is UTF-8 already and `s` is raw bytes: both untouched. */
    is_str(ok("75 01 00 00 00 e9"), "\xe9");
    is_text(ok("73 01 00 00 00 e9"), MV_BYTES, "\xe9", 1);
}

static void py2_interned_table(void)
{
    /* Every `t` appends, also unreferenced ones; R indexes the table. */
    mval *v = ok("28 05 00 00 00"
                 "  74 01 00 00 00 7e"   /* table[0] '~' */
                 "  74 01 00 00 00 66"   /* table[1] 'f' */
                 "  73 01 00 00 00 67"   /* 's' is not interned */
                 "  52 01 00 00 00"      /* 'f' */
                 "  52 00 00 00 00");    /* '~' */
    is_tuple(v, 5);
    cr_assert_eq(T.d.ninterned, 2);
    cr_assert_eq(v->u.items[3], v->u.items[1]);
    cr_assert_eq(v->u.items[4], v->u.items[0]);
    is_str(v->u.items[4], "~");
}

Test(marshal, text)
{
    strings();
    latin1_to_utf8();
    py2_interned_table();
}

/* ==== containers and refs (2.6, 2.7) ===================================== */

static void tuples(void)
{
    is_tuple(ok("29 00"), 0);
    is_tuple(ok("28 00 00 00 00"), 0);
    mval *v = ok("28 03 00 00 00 4e 54 46");
    is_tuple(v, 3);
    cr_assert_eq(v->u.items[0]->kind, MV_NONE);
    cr_assert_eq(v->u.items[1]->kind, MV_BOOL);
    cr_assert_eq(v->u.items[1]->u.i, 1);
    cr_assert_eq(v->u.items[2]->kind, MV_BOOL);
    cr_assert_eq(v->u.items[2]->u.i, 0);
    v = ok("a8 01 00 00 00 29 00");
    is_tuple(v, 1);
    cr_assert_eq(T.d.refs[0], v);
}

static void dicts(void)
{
    mval *v = ok("7b 7a 01 61 e9 01 00 00 00 7a 01 62 7b 30 30");
    cr_assert_eq(v->kind, MV_DICT);
    cr_assert_eq(v->n, 2);
    is_str(v->u.items[0], "a");
    is_int(v->u.items[1], 1);
    is_str(v->u.items[2], "b");
    cr_assert_eq(v->u.items[3]->kind, MV_DICT);
    cr_assert_eq(v->u.items[3]->n, 0);
    cr_assert(v->done);
}

static void containers(void)
{
    tuples();
    dicts();
}

static void flag_on_singletons_takes_no_slot(void)
{
    /* 2.7 rule 5: the bit on 0 N T F . S is ignored, no slot. So the
     * flagged int is slot 0, and r 0 is that int. */
    mval *v = ok("29 07 ce d4 c6 ae d3 e9 05 00 00 00 72 00 00 00 00");
    cr_assert_eq(v->n, 7);
    cr_assert_eq(T.d.nrefs, 1);
    is_int(v->u.items[5], 5);
    cr_assert_eq(v->u.items[6], T.d.refs[0]);
    cr_assert_eq(v->u.items[0]->kind, MV_NONE);
    cr_assert_eq(v->u.items[3]->kind, MV_OTHER);
    /* ... and a flagged NULL still ends a dict. */
    v = ok("7b b0");
    cr_assert_eq(v->n, 0);
}

static void ref_to_finished_container(void)
{
    mval *v = ok("29 02 a9 00 72 00 00 00 00");
    is_tuple(v, 2);
    cr_assert_eq(v->u.items[1], v->u.items[0]);
    v = ok("29 02 fb 30 72 00 00 00 00");
    cr_assert_eq(v->u.items[1]->kind, MV_DICT);
}

static void container_slot_reserved_before_children(void)
{
    /* ((('a',),), r 1, r 2, r 3): slots in pre-order 0 1 2 3. */
    mval *v = ok("a9 04 a9 01 a9 01 da 01 61"
                 "   72 01 00 00 00 72 02 00 00 00 72 03 00 00 00");
    cr_assert_eq(T.d.nrefs, 4);
    mval *l1 = v->u.items[0], *l2 = l1->u.items[0], *s = l2->u.items[0];
    cr_assert_eq(v->u.items[1], l1);
    cr_assert_eq(v->u.items[2], l2);
    cr_assert_eq(v->u.items[3], s);
    /* A flagged dict reserves its slot before its keys. */
    v = ok("29 02 fb da 01 6b e9 07 00 00 00 30 72 02 00 00 00");
    is_int(v->u.items[1], 7);
}

static void decoder_reuse_resets_tables(void)
{
    ok("a9 02 da 01 61 72 01 00 00 00");
    cr_assert_eq(T.d.nrefs, 2);
    /* A ref valid in the previous buffer is unknown in the next. */
    fails("72 01 00 00 00", PR_ERR_BAD_REF, 0);
    ok("74 01 00 00 00 61");
    fails("52 00 00 00 00", PR_ERR_BAD_REF, 0);
}

static void trailing_bytes_reported_by_end(void)
{
    cr_assert_eq(run("e9 01 00 00 00 ff ff 30"), PR_OK);
    cr_assert_eq(T.end, 5);
    is_int(T.v, 1);
}

/* ==== codes found only inside code objects (2.2, 2.9) =================== */

static void code_only_types_standalone(void)
{
    mval *v = ok("5b 02 00 00 00 4e 54");
    cr_assert_eq(v->kind, MV_LIST);
    cr_assert_eq(v->n, 2);
    v = ok("3c 01 00 00 00 e9 01 00 00 00");
    cr_assert_eq(v->kind, MV_SET);
    cr_assert_eq(v->n, 1);
    v = ok("3e 00 00 00 00");
    cr_assert_eq(v->kind, MV_SET);
    cr_assert_eq(ok("79 00 00 00 00 00 00 f0 3f 00 00 00 00 00 00 00 40")->kind,
                 MV_OTHER);
    cr_assert_eq(ok("78 03 31 2e 30 04 2d 32 2e 30")->kind, MV_OTHER);
    cr_assert_eq(ok("2e")->kind, MV_OTHER);
    cr_assert_eq(ok("53")->kind, MV_OTHER);
    cr_assert_eq(ok("3a 4e e9 02 00 00 00 4e")->kind, MV_OTHER);
}

Test(marshal, containers_and_refs)
{
    containers();
    flag_on_singletons_takes_no_slot();
    ref_to_finished_container();
    container_slot_reserved_before_children();
    decoder_reuse_resets_tables();
    trailing_bytes_reported_by_end();
    code_only_types_standalone();
}

#define I32_0 " 00000000 "

/* CPython 3.11+ layout: 5 int32, then code, consts, names,
 * localsplusnames, localspluskinds, filename, name, qualname, firstlineno,
 * linetable, exceptiontable. consts holds every code that can only occur
 * inside a code object. */
#define CODE311                                                        \
    "e3" I32_0 I32_0 I32_0 I32_0 I32_0 /* slot 0, reserved first */   \
    "73 02000000 9700"                 /* co_code */                  \
    "29 08"                            /* consts */                   \
    "  5b 02000000 4e 54"              /* [None, True] */             \
    "  3c 01000000 e9 07000000"        /* {7}: the int is slot 1 */   \
    "  3e 00000000"                    /* frozenset() */              \
    "  79 000000000000f03f 0000000000000040" /* (1+2j) */            \
    "  78 03 312e30 03 322e30"         /* text complex */             \
    "  2e 53"                          /* Ellipsis, StopIteration */  \
    "  3a 4e 72 01000000 4e"           /* slice(None, r 1, None) */   \
    "29 00 29 00"                      /* names, localsplusnames */   \
    "73 00000000"                      /* localspluskinds */          \
    "fa 04 612e7079"                   /* filename 'a.py': slot 2 */  \
    "da 01 66"                         /* name 'f': slot 3 */         \
    "72 03000000"                      /* qualname: r 3 */            \
    "07000000"                         /* firstlineno 7 */            \
    "73 00000000 73 00000000"          /* linetable, exceptiontable */

static void is_code(const mval *v, const char *name, const char *file,
                    int64_t line)
{
    cr_assert_not_null(v);
    cr_assert_eq(v->kind, MV_CODE, "kind %d, expected code", v->kind);
    cr_assert(v->done);
    cr_assert(tu_str_is(v->u.code.name, name), "name \"%.*s\", expected \"%s\"",
              (int)v->u.code.name.len, v->u.code.name.ptr, name);
    cr_assert(tu_str_is(v->u.code.file, file), "file \"%.*s\"",
              (int)v->u.code.file.len, v->u.code.file.ptr);
    cr_assert_eq(v->u.code.line, line);
}

static void code_object_311_with_inner_codes(void)
{
    /* (code, r 0): the tuple is unflagged, the code object is slot 0. */
    mval *v = ok("29 02 " CODE311 " 72 00000000");
    is_tuple(v, 2);
    is_code(v->u.items[0], "<code object f, file \"a.py\", line 7>", "a.py", 7);
    cr_assert_eq(v->u.items[1], v->u.items[0]);
    cr_assert_eq(T.d.nrefs, 4);
}

/* CPython 3.8-3.10 and PyPy3: 6 int32, 8 objects, firstlineno, lnotab. */
#define CODE38                                                           \
    "e3" I32_0 I32_0 I32_0 I32_0 I32_0 I32_0                            \
    "73 01000000 64"            /* co_code */                           \
    "29 03 4e e9 01000000 3e 01000000 e9 02000000" /* consts */         \
    "29 00 29 00 29 00 29 00"   /* names varnames freevars cellvars */  \
    "fa 15 74657374732f67656e2f776f726b6c6f61642e7079"                  \
    "da 08 3c6d6f64756c653e"    /* '<module>' */                         \
    "02000000"                  /* firstlineno 2 */                     \
    "73 00000000"

/* CPython 3.0-3.7: 5 int32, 8 objects, firstlineno, lnotab. */
#define CODE37                                                           \
    "63" I32_0 I32_0 I32_0 I32_0 I32_0                                  \
    "73 01000000 64"                                                    \
    "28 01000000 4e"                                                    \
    "28 00000000 28 00000000 28 00000000 28 00000000"                   \
    "75 04000000 622e7079"      /* 'b.py' */                             \
    "75 01000000 67"            /* 'g' */                                \
    "03000000"                                                          \
    "73 00000000"

static void code_object_38(void)
{
    is_code(ok(CODE38),
            "<code object <module>, file \"tests/gen/workload.py\", line 2>",
            "tests/gen/workload.py", 2);
}

static void code_object_37(void)
{
    is_code(ok(CODE37), "<code object g, file \"b.py\", line 3>", "b.py", 3);
}

static void code_objects_older_layouts(void)
{
    code_object_38();
    code_object_37();
}

static void code_layouts_in_any_order(void)
{
    /* The decoder tries the last layout that matched first; a different
     * one must still be found, in the same decoder and in one buffer. */
    mval *v = ok("29 03 " CODE311 CODE38 CODE37);
    is_code(v->u.items[0], "<code object f, file \"a.py\", line 7>", "a.py", 7);
    is_code(v->u.items[1],
            "<code object <module>, file \"tests/gen/workload.py\", line 2>",
            "tests/gen/workload.py", 2);
    is_code(v->u.items[2], "<code object g, file \"b.py\", line 3>", "b.py", 3);
    v = ok(CODE37);
    is_code(v, "<code object g, file \"b.py\", line 3>", "b.py", 3);
}

static void code_object_py2_backtracking_restores_tables(void)
{
    /* A Python 2 code object (4 int32) whose co_code bytes hold a `t`
     * string and a flagged string. The 3.8 layout (6 int32) reads those
     * as its first two fields before failing, so the decoder must undo
     * both table pushes before it tries the Python 2 layout: afterwards
     * `R 1` must be the code's own interned name, and only 'C' is in the
     * ref table. */
    mval *v = ok("28 04000000"
                 "  74 01000000 7e"              /* interned[0] '~' */
                 "  fa 01 43"                    /* ref slot 0 'C' */
                 "  63 00000000 01000000 02000000 43000000"
                 "    73 0c000000 000000 74 01000000 41 fa 01 42"
                 "    28 01000000 4e"            /* consts */
                 "    28 00000000 28 00000000 28 00000000 28 00000000"
                 "    73 04000000 782e7079"      /* filename 'x.py' */
                 "    74 08000000 3c6d6f64756c653e" /* interned[1] */
                 "    16000000"                  /* firstlineno 22 */
                 "    73 00000000"               /* lnotab */
                 "  52 01000000");
    is_tuple(v, 4);
    is_code(v->u.items[2], "<code object <module>, file \"x.py\", line 22>",
            "x.py", 22);
    is_str(v->u.items[3], "<module>");
    cr_assert_eq(T.d.ninterned, 2);
    cr_assert_eq(T.d.nrefs, 1);
}

Test(marshal, code_object_layouts)
{
    code_object_311_with_inner_codes();
    code_objects_older_layouts();
    code_layouts_in_any_order();
    code_object_py2_backtracking_restores_tables();
}

static void code_object_of_no_layout(void)
{
    /* 20 zero bytes and None: no layout fits; the error that got furthest
     * wins. At offset 21 the 5-int layouts find None where bytes belong
     * while the 6-int layout runs out of input: at such a tie the file
     * is taken to be cut short (see invalid/truncated_code_object_...). */
    fails("e3" I32_0 I32_0 I32_0 I32_0 I32_0 "4e", PR_ERR_TRUNCATED, 21);
    /* With bytes to spare, the type mismatch is the error. */
    fails("e3" I32_0 I32_0 I32_0 I32_0 I32_0 "4e 4e 4e 4e 4e",
          PR_ERR_BAD_TYPE, 25);
}

static void code_object_ref_to_itself(void)
{
    /* consts = (r 0,) while code 0 is being read: a cycle. */
    fails("e3" I32_0 I32_0 I32_0 I32_0 I32_0 "73 00000000 29 01 72 00000000",
          PR_ERR_BAD_REF, 28);
}

static void code_objects_nested_too_deep(void)
{
    /* 65 code objects, each the only const of the one before: the 65th
     * (at 64 * 28) is past the code-object nesting limit of 64. */
    enum { DEPTH = 65 };
    static const char head[] = "e3" I32_0 I32_0 I32_0 I32_0 I32_0
                               "73 00000000 29 01";
    static const char tail[] = "29 00 29 00 73 00000000 7a 00 7a 00 7a 00"
                               I32_0 "73 00000000 73 00000000";
    size_t n = DEPTH * (sizeof head + sizeof tail) + 1;
    char *hex = malloc(n);
    cr_assert_not_null(hex);
    hex[0] = '\0';
    for (int i = 0; i < DEPTH; i++)
        strcat(hex, head);
    for (int i = 0; i < DEPTH; i++)
        strcat(hex, tail);
    fails(hex, PR_ERR_TOO_DEEP, 64 * 28);
    free(hex);
}

/* Objects read and layouts tried by the last run. */
static unsigned long work_done(void)
{
    return mdecode_budget(T.len) - T.d.budget;
}

/* DEPTH code objects, each the only constant of the one before, that
 * decode under both 5-int layouts but always fail at their trailer; the
 * innermost's constants are `inner` (hex). Every level re-reads the one
 * inside it under two layouts: 2^DEPTH reads of the innermost. */
static pr_status run_code_bomb(int depth, const char *inner)
{
    static const char head[] = "e3" I32_0 I32_0 I32_0 I32_0 I32_0
                               "73 00000000 29 01";
    static const char tail[] = "29 00 29 00 73 00000000 7a 00 7a 00 7a 00"
                               I32_0 "4e 4e";
    size_t n = (size_t)depth * (sizeof head + sizeof tail) + strlen(inner) + 1;
    char *hex = malloc(n);
    cr_assert_not_null(hex);
    hex[0] = '\0';
    for (int i = 0; i < depth; i++)
        strcat(hex, head);
    strcat(hex, inner);
    for (int i = 0; i < depth; i++)
        strcat(hex, tail);
    pr_status st = run(hex);
    free(hex);
    return st;
}

static void code_object_backtracking_is_bounded(void)
{
    /* 2^40 reads: it must give up, within the work allowed for its size. */
    pr_status st = run_code_bomb(40, "4e");
    cr_assert_eq(st, PR_ERR_TOO_DEEP, "%s: %s", tu_status_name(st), T.err.msg);
    cr_assert(strstr(T.err.msg, "too complex") != NULL, "%s", T.err.msg);
    cr_assert_leq(T.err.offset, T.len);
    cr_assert_eq(T.d.budget, 0);
}

static void code_object_backtracking_is_linear_in_bytes(void)
{
    /* 2^14 reads of an innermost tuple of 20,000 Nones: few attempts,
     * yet 3 * 10^8 objects read (seconds; minutes under ASan, and a
     * fuzzer found such a file). The work is bounded by the bytes, not
     * by the attempts: the file is refused as too complex. */
    enum { N = 20000 };
    char *inner = malloc(3 * N + 32);
    cr_assert_not_null(inner);
    sprintf(inner, "28 %02x %02x 00 00", N & 0xff, N >> 8);
    for (int i = 0; i < N; i++)
        strcat(inner + 14 + 3 * (size_t)i, " 4e");
    pr_status st = run_code_bomb(14, inner);
    free(inner);
    cr_assert_eq(st, PR_ERR_TOO_DEEP, "%s: %s", tu_status_name(st), T.err.msg);
    cr_assert(strstr(T.err.msg, "too complex") != NULL, "%s", T.err.msg);
    cr_assert_eq(work_done(), mdecode_budget(T.len));
}

Test(marshal, code_object_errors)
{
    code_object_of_no_layout();
    code_object_ref_to_itself();
    code_objects_nested_too_deep();
    code_object_backtracking_is_bounded();
    code_object_backtracking_is_linear_in_bytes();
}

/* ==== errors ============================================================= */

static void empty_input(void)
{
    cr_assert_eq(run_bytes(NULL, 0), PR_ERR_EMPTY);
    tu_assert_err(T.st, T.err, PR_ERR_EMPTY, 0);
    fails("", PR_ERR_EMPTY, 0);
}

static void null_marker(void)
{
    fails("30", PR_ERR_BAD_TYPE, 0);            /* as the whole object */
    fails("b0", PR_ERR_BAD_TYPE, 0);
    fails("29 02 4e 30", PR_ERR_BAD_TYPE, 3);   /* in a tuple */
    fails("28 01 00 00 00 30", PR_ERR_BAD_TYPE, 5);
    fails("5b 01 00 00 00 30", PR_ERR_BAD_TYPE, 5); /* in a list */
    fails("7b 7a 01 61 30", PR_ERR_BAD_TYPE, 4); /* as a dict value */
    fails("7b 7a 01 61 4e 7a 01 62 30 30", PR_ERR_BAD_TYPE, 8);
}

static void truncated_inside_every_kind(void)
{
    /* A missing type byte / fixed-size field: offset where it should be. */
    fails("29 02 69 01 00", PR_ERR_TRUNCATED, 3);
    fails("69", PR_ERR_TRUNCATED, 1);
    fails("69 01 00 00", PR_ERR_TRUNCATED, 1);
    fails("49 00 00 00 00 00 00 00", PR_ERR_TRUNCATED, 1);
    fails("6c 01 00", PR_ERR_TRUNCATED, 1);
    fails("67 00 00 00 00 00 00 f8", PR_ERR_TRUNCATED, 1);
    fails("66", PR_ERR_TRUNCATED, 1);
    fails("66 03 31 2e", PR_ERR_TRUNCATED, 2);
    fails("75 01 00", PR_ERR_TRUNCATED, 1);
    fails("73", PR_ERR_TRUNCATED, 1);
    fails("61 03 00 00", PR_ERR_TRUNCATED, 1);
    fails("da", PR_ERR_TRUNCATED, 1);
    fails("da 03 61 62", PR_ERR_TRUNCATED, 2);
    fails("29", PR_ERR_TRUNCATED, 1);
    fails("29 02 e9 01 00 00 00", PR_ERR_TRUNCATED, 7);
    fails("28 01 00", PR_ERR_TRUNCATED, 1);
    fails("28 02 00 00 00 69 01", PR_ERR_TRUNCATED, 6);
    fails("5b 02 00 00 00 69 01", PR_ERR_TRUNCATED, 6);
    fails("3c 01 00 00", PR_ERR_TRUNCATED, 1);
    fails("7b", PR_ERR_TRUNCATED, 1);
    fails("fb 7a 01 61", PR_ERR_TRUNCATED, 4);   /* value missing */
    fails("7b 7a 01 61 4e", PR_ERR_TRUNCATED, 5); /* '0' missing */
    fails("72 00 00", PR_ERR_TRUNCATED, 1);
    fails("52 00", PR_ERR_TRUNCATED, 1);
    fails("79 00 00 00 00 00 00 f0 3f 00 00", PR_ERR_TRUNCATED, 1);
    fails("78 03 31 2e 30", PR_ERR_TRUNCATED, 5);
    fails("3a 4e 4e", PR_ERR_TRUNCATED, 3);
    /* Inside a stats-shaped object: the callers dict of an entry. */
    fails("fb 29 03 7a 01 7e e9 00 00 00 00 7a 01 66"
          "   29 05 e9 01 00 00 00 e9 01 00 00 00 67 00 00 00 00 00 00 00 00"
          "   67 00 00 00 00 00 00 00 00 7b",
          PR_ERR_TRUNCATED, 45);
    /* Inside a code object: every layout runs out at the end. */
    fails("e3" I32_0 I32_0 I32_0 I32_0 I32_0 "73 00000000 29 00 29 00",
          PR_ERR_TRUNCATED, 30);
}

static void truncated_inside_a_payload(void)
{
    /* A declared length longer than what is left: for the int32 lengths
     * of strings and containers the decoder reports the length itself
     * (offset of the length field) as impossible, before allocating. */
    fails("75 05 00 00 00 61 62", PR_ERR_BAD_LENGTH, 1);
    fails("73 02 00 00 00 61", PR_ERR_BAD_LENGTH, 1);
    fails("28 03 00 00 00 4e 4e", PR_ERR_BAD_LENGTH, 1);
    fails("29 03 4e 4e", PR_ERR_BAD_LENGTH, 1);
    fails("6c 02 00 00 00 01 00", PR_ERR_BAD_LENGTH, 1);
}

static void unknown_type_codes(void)
{
    fails("01", PR_ERR_BAD_TYPE, 0);
    fails("ff", PR_ERR_BAD_TYPE, 0);
    fails("77", PR_ERR_BAD_TYPE, 0);  /* 'w' */
    fails("29 02 4e 77", PR_ERR_BAD_TYPE, 3);
    fails("7b 7a 01 61 01 30", PR_ERR_BAD_TYPE, 4);
    fails("7d 30", PR_ERR_BAD_TYPE, 0); /* '}' is no marshal code */
}

static void unmarshallable_marker(void)
{
    fails("3f", PR_ERR_BAD_TYPE, 0);
    fails("bf", PR_ERR_BAD_TYPE, 0);
    fails("29 02 4e 3f", PR_ERR_BAD_TYPE, 3);
    fails("fb 29 03 7a 01 7e e9 00 00 00 00 7a 01 66 3f", PR_ERR_BAD_TYPE, 14);
}

Test(marshal, errors_markers)
{
    empty_input();
    null_marker();
    unknown_type_codes();
    unmarshallable_marker();
}

static void negative_lengths(void)
{
    fails("75 ff ff ff ff", PR_ERR_BAD_LENGTH, 1);
    fails("73 00 00 00 80 61", PR_ERR_BAD_LENGTH, 1);
    fails("61 fe ff ff ff", PR_ERR_BAD_LENGTH, 1);
    fails("28 ff ff ff ff", PR_ERR_BAD_LENGTH, 1);
    fails("5b ff ff ff ff", PR_ERR_BAD_LENGTH, 1);
    fails("3c ff ff ff ff", PR_ERR_BAD_LENGTH, 1);
    fails("29 02 4e 75 ff ff ff ff", PR_ERR_BAD_LENGTH, 4);
}

static void huge_length_fails_fast(void)
{
    /* 0x7FFFFFFF in a 10-byte input: rejected at the length, having
     * read one object (the one whose length it is). */
    static const char *const in[] = {
        "75 ff ff ff 7f 61 62 63 64 65", "28 ff ff ff 7f 4e 4e 4e 4e 4e",
        "5b ff ff ff 7f 4e 4e 4e 4e 4e", "3e ff ff ff 7f 4e 4e 4e 4e 4e",
        "41 ff ff ff 7f 61 62 63 64 65", "6c ff ff ff 7f 01 00 01 00 01",
        "6c 01 00 00 80 01 00 01 00 01",
    };
    for (size_t i = 0; i < sizeof in / sizeof *in; i++) {
        fails(in[i], PR_ERR_BAD_LENGTH, 1);
        cr_assert_eq(work_done(), 1, "%s: %lu objects", in[i], work_done());
    }
}

Test(marshal, errors_truncation_and_lengths)
{
    truncated_inside_every_kind();
    truncated_inside_a_payload();
    negative_lengths();
    huge_length_fails_fast();
}

static void bad_refs(void)
{
    fails("72 00 00 00 00", PR_ERR_BAD_REF, 0);         /* table empty */
    fails("a9 02 4e 72 01 00 00 00", PR_ERR_BAD_REF, 3); /* 1 of 1 */
    fails("72 ff ff ff ff", PR_ERR_BAD_REF, 0);         /* negative */
    fails("a9 02 4e 72 00 00 00 80", PR_ERR_BAD_REF, 3);
    /* Cycles: a ref to a container still being read. */
    fails("a9 01 72 00 00 00 00", PR_ERR_BAD_REF, 2);
    fails("fb 7a 01 6b 72 00 00 00 00 30", PR_ERR_BAD_REF, 4);
    fails("fb 72 00 00 00 00 4e 30", PR_ERR_BAD_REF, 1); /* as a key */
    fails("db 01 00 00 00 72 00 00 00 00", PR_ERR_BAD_REF, 5);
    fails("29 01 a9 01 a9 01 72 01 00 00 00", PR_ERR_BAD_REF, 6);
}

static void bad_interned_refs(void)
{
    fails("52 00 00 00 00", PR_ERR_BAD_REF, 0);
    fails("28 02 00 00 00 74 01 00 00 00 61 52 01 00 00 00",
          PR_ERR_BAD_REF, 11);
    fails("28 02 00 00 00 74 01 00 00 00 61 52 ff ff ff ff",
          PR_ERR_BAD_REF, 11);
    /* FLAG_REF slots are not interned entries. */
    fails("29 02 da 01 61 52 00 00 00 00", PR_ERR_BAD_REF, 5);
}

Test(marshal, errors_refs)
{
    bad_refs();
    bad_interned_refs();
}

static unsigned char *repeat(const char *unit_hex, size_t times,
                             const char *end_hex, size_t *len)
{
    size_t ul, el;
    unsigned char *u = tu_hex(unit_hex, &ul), *e = tu_hex(end_hex, &el);
    unsigned char *b = malloc(ul * times + el);
    cr_assert_not_null(b);
    for (size_t i = 0; i < times; i++)
        memcpy(b + i * ul, u, ul);
    memcpy(b + ul * times, e, el);
    *len = ul * times + el;
    free(u);
    free(e);
    return b;
}

static void nesting_a_million_deep(void)
{
    size_t len;
    /* Each stops at depth 1001, having read only the objects above it. */
    /* Tuples: the object at depth 1001 starts at 2 * 1001. */
    unsigned char *b = repeat("29 01", 1000000, "4e", &len);
    tu_assert_err(run_bytes(b, len), T.err, PR_ERR_TOO_DEEP, 2002);
    cr_assert_eq(work_done(), PR_MAX_DEPTH + 1);
    b = repeat("a8 01 00 00 00", 1000000, "4e", &len);
    tu_assert_err(run_bytes(b, len), T.err, PR_ERR_TOO_DEEP, 5005);
    b = repeat("5b 01 00 00 00", 1000000, "4e", &len);
    tu_assert_err(run_bytes(b, len), T.err, PR_ERR_TOO_DEEP, 5005);
    /* Dicts {None: {None: ...}}: depth 1001 is the key at 2 * 1000 + 1. */
    b = repeat("7b 4e", 1000000, "4e", &len);
    tu_assert_err(run_bytes(b, len), T.err, PR_ERR_TOO_DEEP, 2001);
    cr_assert_leq(work_done(), 2 * (PR_MAX_DEPTH + 1));
}

static void nesting_at_the_limit_is_fine(void)
{
    size_t len;
    unsigned char *b = repeat("29 01", PR_MAX_DEPTH, "4e", &len);
    cr_assert_eq(run_bytes(b, len), PR_OK, "%s", T.err.msg);
    cr_assert_eq(T.end, len);
}

Test(marshal, nesting)
{
    nesting_a_million_deep();
    nesting_at_the_limit_is_fine();
}
