/* diff_flame.h - the differential flame graph of `diff -f html`: NEW's
 * call tree of an endpoint, each box coloured by the change per request
 * of its path against BASE. Internal to diff.c. */
#ifndef PR_DIFF_FLAME_H
#define PR_DIFF_FLAME_H

#include "arena.h"
#include "report.h"
#include "reqtime.h"

#include <stdio.h>

typedef struct pr__dflame_node {
    const char *name;   /* box label: function name or {built-in} */
    const char *where;  /* "file:line, module" for the tooltip */
    size_t depth, parent; /* parent SIZE_MAX for a root */
    double cur_ms;      /* NEW: time along this path per request */
    double base_ms;     /* BASE, same path (file and name per frame, line
                         * left out: views move); < 0 only in NEW */
    int sig;            /* the function's inclusive time per request
                         * changed significantly (Mann-Whitney, Holm) */
} pr__dflame_node;

typedef struct pr__dflame {
    const char *endpoint;
    pr__dflame_node *nodes;
    size_t n;
    double cur_total_ms, base_total_ms; /* per request, the roots */
    size_t base_only;   /* BASE paths (top-most) missing from NEW */
    double base_only_ms;
} pr__dflame;

/* Builds the graph of NEW's endpoint `crow` against BASE's `brow`, in
 * arena a. ct_b, ct_c: inclusive time per function per request of the
 * two sides (pr__reqtimes_load with by = 2). Returns 0 or -1 (memory). */
int pr__dflame_build(arena *a, const pr_report *base, size_t brow,
                     const pr_report *cur, size_t crow,
                     const pr__reqtimes *ct_b, const pr__reqtimes *ct_c,
                     double alpha, pr__dflame *out);

/* One <svg>: normalised = 0 colours by the change in ms per request;
 * 1 scales BASE to NEW's total first, so only the shape shows. */
void pr__dflame_svg(FILE *out, const pr__dflame *f, int normalised);

#endif
