/* timeparse.c - times and durations as users type them on a command
 * line or in a crontab: ISO 8601, Unix seconds, "24h". */
#define _DEFAULT_SOURCE
#include "profreport.h"
#include "status.h"

#include <ctype.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A plain decimal number: digits, optionally '.' and digits (strtod would
 * also take hex, exponents, "inf"). Returns its length, 0 if none. */
static size_t decimal(const char *s, double *out)
{
    size_t i = 0;
    while (isdigit((unsigned char)s[i]))
        i++;
    if (i == 0)
        return 0;
    if (s[i] == '.') {
        size_t j = i + 1;
        while (isdigit((unsigned char)s[j]))
            j++;
        if (j == i + 1)
            return 0;
        i = j;
    }
    char buf[64];
    if (i >= sizeof buf)
        return 0;
    memcpy(buf, s, i);
    buf[i] = '\0';
    *out = strtod(buf, NULL);
    return i;
}

int pr_duration_parse(const char *s, double *out)
{
    if (s == NULL)
        return -1;
    double v;
    size_t n = decimal(s, &v);
    if (n == 0)
        return -1;
    const char *end = s + n;
    double unit = 1;
    switch (*end) {
    case '\0': unit = 1; break;
    case 's': unit = 1; end++; break;
    case 'm': unit = 60; end++; break;
    case 'h': unit = 3600; end++; break;
    case 'd': unit = 86400; end++; break;
    case 'w': unit = 604800; end++; break;
    default: return -1;
    }
    /* From a microsecond to a millennium: a bucket below that would
     * number more buckets than an int64 holds over the range of times. */
    if (*end != '\0' || !isfinite(v) || !(v * unit >= 1e-6) ||
        v * unit > 1000 * 31556952.0)
        return -1;
    *out = v * unit;
    return 0;
}

int pr__time_ok(double t)
{
    return t >= 0 && t <= PR__TIME_MAX;
}

double pr__time_clamp(double t)
{
    if (!(t >= 0))
        return 0;
    return t > PR__TIME_MAX ? PR__TIME_MAX : t;
}

int64_t pr__bucket_of(double t, double bs)
{
    if (!(bs > 0))
        return 0;
    double b = floor(pr__time_clamp(t) / bs);
    /* 2^63 is exact in a double; the int64 range ends just below it. */
    if (b >= 9223372036854775808.0)
        return INT64_MAX;
    return b >= 0 ? (int64_t)b : 0;
}

int64_t pr__ns_of(int64_t sec, long nsec)
{
    int64_t ns;
    if (__builtin_mul_overflow(sec, (int64_t)1000000000, &ns) ||
        __builtin_add_overflow(ns, (int64_t)nsec, &ns))
        return sec < 0 ? INT64_MIN : INT64_MAX;
    return ns;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]][Z|(+|-)HH:MM]; no offset means UTC. */
static int iso8601(const char *s, double *out)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int y, mo, d, h = 0, mi = 0, sec = 0;
    if (strlen(s) < 10 || digits(s, 4, &y) || s[4] != '-' ||
        digits(s + 5, 2, &mo) || s[7] != '-' || digits(s + 8, 2, &d))
        return -1;
    const char *p = s + 10;
    double frac = 0;
    if (*p == 'T' || *p == ' ') {
        p++;
        if (digits(p, 2, &h) || p[2] != ':' || digits(p + 3, 2, &mi))
            return -1;
        p += 5;
        if (*p == ':') {
            if (digits(p + 1, 2, &sec))
                return -1;
            p += 3;
            if (*p == '.') { /* fraction: digits only */
                const char *q = p + 1;
                while (isdigit((unsigned char)*q))
                    q++;
                if (q == p + 1)
                    return -1;
                char buf[32] = "0";
                size_t n = (size_t)(q - p);
                if (n >= sizeof buf - 1)
                    n = sizeof buf - 2;
                memcpy(buf + 1, p, n);
                buf[n + 1] = '\0';
                frac = strtod(buf, NULL);
                p = q;
            }
        }
    }
    long off = 0;
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) ||
            oh > 23 || om > 59)
            return -1;
        off = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
        p += 6;
    }
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (*p != '\0' || mo < 1 || mo > 12 || d < 1 ||
        d > mdays[mo - 1] + (mo == 2 && leap) || h > 23 || mi > 59 || sec > 60)
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    time_t t = timegm(&tm);
    *out = (double)t + frac - (double)off;
    return 0;
}

/* Times before 1970 or after 9999 are refused: no profile comes from
 * then, and a filter there would select nothing or everything. */
static int in_range(double t, double *out)
{
    if (!pr__time_ok(t))
        return -1;
    *out = t;
    return 0;
}

int pr_time_parse(const char *s, double now, double *out)
{
    if (s == NULL || *s == '\0')
        return -1;
    double t;
    if (iso8601(s, &t) == 0)
        return in_range(t, out);
    size_t n = decimal(s, &t);
    if (n > 0 && s[n] == '\0')
        return in_range(t, out); /* Unix seconds */
    double d;
    if (pr_duration_parse(s, &d) == 0)
        return in_range(now - d, out);
    return -1;
}
