/* test_timeparse.c - --since/--until times and --bucket durations:
 * ISO 8601 (UTC unless an offset says otherwise), Unix seconds, and
 * durations counted back from a fixed `now`. */
#include "testutil.h"

/* A fixed "now" so relative times are exact: 2027-01-15T08:00:00Z. */
#define NOW 1800000000.0

/* Unix seconds of a UTC civil time, computed independently of timegm
 * (Howard Hinnant's days_from_civil). */
static double civil(int y, int m, int d, int hh, int mm, int ss)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153L * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    long days = era * 146097 + doe - 719468;
    return (double)days * 86400.0 + hh * 3600.0 + mm * 60.0 + ss;
}

static void expect_time(const char *s, double want)
{
    double got = -12345;
    cr_assert_eq(pr_time_parse(s, NOW, &got), 0, "\"%s\" was refused", s);
    cr_assert_float_eq(got, want, 1e-6, "\"%s\": %.6f, want %.6f", s, got,
                       want);
}

static void expect_time_rejected(const char *s)
{
    double got = -12345;
    cr_assert_eq(pr_time_parse(s, NOW, &got), -1, "\"%s\" accepted as %.6f",
                 s ? s : "(null)", got);
}

static void expect_duration(const char *s, double want)
{
    double got = -12345;
    cr_assert_eq(pr_duration_parse(s, &got), 0, "\"%s\" was refused", s);
    cr_assert_float_eq(got, want, 1e-9, "\"%s\": %.9g, want %.9g", s, got,
                       want);
}

static void expect_duration_rejected(const char *s)
{
    double got = -12345;
    cr_assert_eq(pr_duration_parse(s, &got), -1, "\"%s\" accepted as %.9g",
                 s ? s : "(null)", got);
}

Test(timeparse, civil_helper_agrees_with_known_epochs)
{
    /* Values from Python's calendar.timegm. */
    cr_assert_eq(civil(1970, 1, 1, 0, 0, 0), 0.0);
    cr_assert_eq(civil(2026, 11, 25, 0, 0, 0), 1795564800.0);
    cr_assert_eq(civil(2000, 2, 29, 12, 0, 0), 951825600.0);
    cr_assert_eq(civil(2024, 12, 31, 23, 59, 59), 1735689599.0);
    cr_assert_eq(civil(2027, 1, 15, 8, 0, 0), NOW);
}

/* ---- ISO 8601 ----------------------------------------------------------- */

Test(timeparse, iso_date_only_is_midnight_utc)
{
    expect_time("2026-11-25", 1795564800.0);
    expect_time("1970-01-01", 0.0);
    expect_time("2000-02-29", civil(2000, 2, 29, 0, 0, 0)); /* leap year */
    expect_time("2024-12-31", civil(2024, 12, 31, 0, 0, 0));
}

Test(timeparse, iso_every_month_and_leap_years)
{
    /* The first and last day of every month over two centuries. */
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    char s[64];
    for (int y = 1970; y <= 2170; y++)
        for (int m = 1; m <= 12; m++) {
            int last = mdays[m - 1];
            if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
                last = 29;
            snprintf(s, sizeof s, "%04d-%02d-01", y, m);
            expect_time(s, civil(y, m, 1, 0, 0, 0));
            snprintf(s, sizeof s, "%04d-%02d-%02dT23:59:59Z", y, m, last);
            expect_time(s, civil(y, m, last, 23, 59, 59));
        }
}

Test(timeparse, iso_with_time_t_and_space)
{
    expect_time("2026-11-25T10:00", 1795600800.0);
    expect_time("2026-11-25 10:00", 1795600800.0);
    expect_time("2026-11-25T10:00:30", 1795600830.0);
    expect_time("2026-11-25 10:00:30", 1795600830.0);
    expect_time("2026-11-25T00:00", 1795564800.0);
    expect_time("2026-11-25T23:59:59", civil(2026, 11, 25, 23, 59, 59));
}

Test(timeparse, iso_fractional_seconds)
{
    expect_time("2026-11-25T10:00:30.25", 1795600830.25);
    expect_time("2026-11-25T10:00:30.5Z", 1795600830.5);
    expect_time("2026-11-25T10:00:30.123456", 1795600830.123456);
    expect_time("2026-11-25 10:00:30.000001+00:00", 1795600830.000001);
}

Test(timeparse, iso_zulu_and_offsets)
{
    expect_time("2026-11-25T10:00Z", 1795600800.0);
    expect_time("2026-11-25T10:00:30Z", 1795600830.0);
    expect_time("2026-11-25Z", 1795564800.0);
    /* 10:00 at +02:00 is 08:00 UTC; at -05:30 it is 15:30 UTC. */
    expect_time("2026-11-25T10:00+02:00", 1795600800.0 - 7200);
    expect_time("2026-11-25T10:00:30+02:00", 1795600830.0 - 7200);
    expect_time("2026-11-25T10:00-05:30", 1795600800.0 + 19800);
    expect_time("2026-11-25 10:00:00-05:30", 1795600800.0 + 19800);
    expect_time("2026-11-25T10:00:00.5+02:00", 1795600800.5 - 7200);
    expect_time("2026-11-25T10:00+00:00", 1795600800.0);
    expect_time("2026-11-25T10:00-00:00", 1795600800.0);
    /* An offset moves the date across midnight too. */
    expect_time("2026-11-25T01:00+02:00", civil(2026, 11, 24, 23, 0, 0));
}

/* ---- Unix seconds and durations before now ----------------------------- */

Test(timeparse, unix_seconds)
{
    expect_time("1700000000", 1700000000.0);
    expect_time("1795610533", 1795610533.0);
    expect_time("1700000000.5", 1700000000.5);
    expect_time("0", 0.0);
    /* A bare number is a time, never a duration, whatever its size. */
    expect_time("60", 60.0);
}

Test(timeparse, durations_before_now)
{
    expect_time("90m", NOW - 90 * 60);
    expect_time("24h", NOW - 24 * 3600);
    expect_time("7d", NOW - 7 * 86400);
    expect_time("2w", NOW - 14 * 86400);
    expect_time("30s", NOW - 30);
    expect_time("1.5h", NOW - 5400);

    /* Before 1970 is out of range (issue 12): refused, not negative. */
    double got;
    cr_assert_eq(pr_time_parse("1h", 0.0, &got), -1);
    cr_assert_eq(pr_time_parse("1h", 3600.0, &got), 0);
    cr_assert_float_eq(got, 0.0, 1e-9, "relative to now = 3600");
}

Test(timeparse, rejects)
{
    static const char *const bad[] = {
        "",
        "garbage",
        "yesterday",
        "2026-13-01",         /* month 13 */
        "2026-00-10",         /* month 0 */
        "2026-11-00",         /* day 0 */
        "2026-11-32",         /* day 32 */
        "2026-11-25T24:00",   /* hour 24 */
        "2026-11-25T10:60",   /* minute 60 */
        "2026-11-25T10:00:61",
        "2026-11-25T10",      /* minutes are required */
        "2026-11-25T",
        "2026-11-25T10:00:",
        "2026-11-25T10:00:00.",
        "2026-11-25X",
        "2026-11-25t10:00",   /* lower-case separators are not ISO */
        "2026-11-25T10:00z",
        "2026-11-25T10:00+0200", /* basic-format offset */
        "2026-11-25T10:00+02",
        "2026-11-25T10:00+02:00x",
        "2026-1-5",
        "26-11-25",
        "2026/11/25",
        "-5m",
        "+5m",
        "0h",
        "5x",
        "h",
        " 1700000000",
        "1700000000 ",
        "5 m",
        "nan",
        "inf",
        "1e999",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_time_rejected(bad[i]);
    expect_time_rejected(NULL);
}

Test(timeparse, rejected_input_leaves_out_alone)
{
    double got = 42;
    cr_assert_eq(pr_time_parse("2026-13-01", NOW, &got), -1);
    cr_assert_eq(got, 42);
    cr_assert_eq(pr_duration_parse("5x", &got), -1);
    cr_assert_eq(got, 42);
}

/* An impossible calendar date is refused, not normalised as timegm would
 * ("2026-02-30" was once taken as 2026-03-02, "2026-02-29" as 03-01). */
Test(timeparse, rejects_impossible_dates)
{
    expect_time_rejected("2026-02-30");
    expect_time_rejected("2026-02-29");
    expect_time_rejected("2026-04-31");
    expect_time_rejected("1900-02-29T00:00Z");
}

/* The fraction of a second is digits only: strtod's exponent once made
 * "2026-11-25T10:00:00.5e3" 10:08:20 (+500 s). */
Test(timeparse, rejects_exponent_in_fraction)
{
    expect_time_rejected("2026-11-25T10:00:00.5e3");
    expect_time_rejected("2026-11-25T10:00:00.1E1Z");
}

/* Offsets are range-checked as the time itself is: hours 00-23, minutes
 * 00-59 ("+24:00" and "+02:60" were once accepted). */
Test(timeparse, rejects_out_of_range_offsets)
{
    expect_time_rejected("2026-11-25T10:00+24:00");
    expect_time_rejected("2026-11-25T10:00+02:60");
    expect_time_rejected("2026-11-25T10:00-99:99");
}

/* Only decimal numbers are documented: strtod's C hexadecimal once made
 * "0x10" Unix second 16 (or 16 s) and "0x1p4h" 16 hours. */
Test(timeparse, rejects_hex_numbers)
{
    expect_time_rejected("0x10");
    expect_duration_rejected("0x10");
    expect_duration_rejected("0x1p4h");
}

/* ---- pr_duration_parse -------------------------------------------------- */

Test(timeparse, durations)
{
    expect_duration("15m", 900);
    expect_duration("1h", 3600);
    expect_duration("1d", 86400);
    expect_duration("2w", 1209600);
    expect_duration("30s", 30);
    expect_duration("90", 90); /* plain seconds */
    expect_duration("1.5h", 5400);
    expect_duration("0.25s", 0.25);
    expect_duration("3600", 3600);
}

Test(timeparse, durations_rejected)
{
    static const char *const bad[] = {
        "", "0", "0s", "0.0h", "-1h", "+1h", ".5h", "h", "1hh", "1 h", " 1h",
        "1h ", "1H", "1y", "1ms", "1e999", "nan", "inf", "abc",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_duration_rejected(bad[i]);
    expect_duration_rejected(NULL);
}

/* Times before 1970 or after 9999 are refused rather than taken: the
 * library reads 0 as "no limit", so --until 1969-12-31 or --until 3000w
 * used to select everything (issue 12). */
Test(timeparse, out_of_range_times_rejected)
{
    expect_time("0", 0);
    expect_time("1970-01-01", 0);
    expect_time("9999-12-31T23:59:59Z", civil(9999, 12, 31, 23, 59, 59));
    expect_time_rejected("1969-12-31");
    expect_time_rejected("1970-01-01T00:00:00+00:01");
    expect_time_rejected("3000w");   /* 1800000000 - 1814400000 < 0 */
    expect_time_rejected("99999999999999");
    expect_time_rejected("9999-12-31T23:59:59-00:01");
}

/* Buckets from a microsecond to a millennium: below, floor(t / bucket)
 * would not fit an int64 for times up to 9999. */
Test(timeparse, durations_out_of_range_rejected)
{
    double d = 0;
    cr_assert_eq(pr_duration_parse("0.000001", &d), 0);
    cr_assert_eq(pr_duration_parse("0.0000001", &d), -1);
    cr_assert_eq(pr_duration_parse("52000w", &d), 0);
    cr_assert_eq(pr_duration_parse("53000w", &d), -1);
}
