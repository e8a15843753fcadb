/* fmt.c - numbers and times for people, shared by the renderers, the
 * charts and the findings: a leaf with no other dependency in lib/. */
#define _POSIX_C_SOURCE 200809L
#include "fmt.h"

#include <math.h>
#include <time.h>

void pr__iso_time(double unix_s, char *buf, size_t n)
{
    time_t t = (time_t)floor(unix_s);
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, n, "%.0f", unix_s);
}

void pr__fmt_ms_buf(char *buf, size_t n, double ms)
{
    if (ms < 10)
        snprintf(buf, n, "%.1f ms", ms);
    else if (ms < 1000)
        snprintf(buf, n, "%.0f ms", ms);
    else if (ms < 100000)
        snprintf(buf, n, "%.2f s", ms / 1000);
    else
        snprintf(buf, n, "%.0f s", ms / 1000);
}

void pr__fmt_ms(FILE *out, double ms)
{
    char buf[64];
    pr__fmt_ms_buf(buf, sizeof buf, ms);
    fputs(buf, out);
}

void pr__fmt_span(FILE *out, double s)
{
    if (s >= 86400 && fmod(s, 86400) == 0)
        fprintf(out, "%g d", s / 86400);
    else if (s >= 3600 && fmod(s, 3600) == 0)
        fprintf(out, "%g h", s / 3600);
    else if (s >= 60 && fmod(s, 60) == 0)
        fprintf(out, "%g min", s / 60);
    else if (s >= 1)
        fprintf(out, "%g s", s);
    else
        fprintf(out, "%g ms", s * 1000);
}
