/* fmt.h - numbers and times for people (fmt.c). */
#ifndef PR_FMT_H
#define PR_FMT_H

#include <stddef.h>
#include <stdio.h>

/* A duration for people: "4.2 ms", "840 ms", "7.42 s", "312 s". */
void pr__fmt_ms(FILE *out, double ms);

/* The same into buf (64 bytes is always enough). */
void pr__fmt_ms_buf(char *buf, size_t n, double ms);

/* A bucket width: "250 ms", "30 s", "15 min", "1 h", "1 d"; other
 * lengths as "%g s". */
void pr__fmt_span(FILE *out, double s);

/* "2026-11-25T12:00:00Z" into buf (>= 21 bytes). */
void pr__iso_time(double unix_s, char *buf, size_t n);

#endif
