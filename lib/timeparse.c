/* timeparse.c - times and durations as users type them on a command
 * line or in a crontab: ISO 8601, Unix seconds, "24h". */
#define _DEFAULT_SOURCE
#include "profreport.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int pr_duration_parse(const char *s, double *out)
{
    if (s == NULL || !isdigit((unsigned char)s[0]))
        return -1;
    char *end;
    double v = strtod(s, &end);
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
    if (*end != '\0' || !isfinite(v) || v <= 0)
        return -1;
    *out = v * unit;
    return 0;
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
            if (*p == '.') {
                char *end;
                frac = strtod(p, &end);
                p = end;
            }
        }
    }
    long off = 0;
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om))
            return -1;
        off = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
        p += 6;
    }
    if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 ||
        mi > 59 || sec > 60)
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

int pr_time_parse(const char *s, double now, double *out)
{
    if (s == NULL || *s == '\0')
        return -1;
    if (iso8601(s, out) == 0)
        return 0;
    char *end;
    double v = strtod(s, &end);
    if (isdigit((unsigned char)s[0]) && *end == '\0' && isfinite(v)) {
        *out = v; /* Unix seconds */
        return 0;
    }
    double d;
    if (pr_duration_parse(s, &d) == 0) {
        *out = now - d;
        return 0;
    }
    return -1;
}
