/* input.h - the input table: every kind of file profreport reads, with a
 * probe on its first bytes and what reading it means.
 *
 * A profile format fills a stats view (stats.h) from one input; the
 * aggregator takes it from there. A state file is not a profile: it is
 * merged whole by pr_agg_load_state, so its entry has no `parse`. A new
 * profile format is one file with a probe and a parse plus one entry in
 * READERS[] (input.c); inputs are probed in table order, the last entry
 * (pstats' marshal, which has no magic number) taking whatever is left. */
#ifndef PR_INPUT_H
#define PR_INPUT_H

#include "stats.h"

typedef struct pr__reader {
    const char *name;
    /* 1 when the input's first n bytes look like this format. */
    int (*probe)(const void *head, size_t n);
    /* Decodes one whole input into v; NULL for non-profile inputs. */
    pr_status (*parse)(sview *v, mdecoder *d, const void *buf, size_t len,
                       pr_error *err);
} pr__reader;

/* Bytes pr__reader_for needs to tell formats apart. */
enum { PR__PROBE_BYTES = 8 };

/* The reader for an input whose first bytes are head[0..n); never NULL. */
const pr__reader *pr__reader_for(const void *head, size_t n);

/* The same among profile readers only (those with a parse). */
const pr__reader *pr__profile_reader_for(const void *head, size_t n);

#endif
