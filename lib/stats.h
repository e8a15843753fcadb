/* stats.h - turns a decoded marshal tree into pstats entries.
 *
 * A stats view holds pr_entry/pr_caller records whose strings point into
 * the decoder's input and arena: valid until the next decode. The
 * aggregator consumes views directly; pr_profile copies one out.
 */
#ifndef PR_STATS_H
#define PR_STATS_H

#include "marshal.h"
#include "table.h"

typedef struct sview {
    pr_entry *entries;
    size_t *first;      /* per entry: index of its first caller */
    size_t n, cap;
    u64map keys;        /* key hash -> entry, for duplicate keys */
    pr_caller *callers;
    size_t ncallers, capcallers;
    size_t skipped_keys;
    uint64_t trailing;
} sview;

void sview_init(sview *v);
void sview_free(sview *v);

/* Decodes buf with d and validates the pstats shape into v (reused). */
pr_status sview_parse(sview *v, mdecoder *d, const void *buf, size_t len,
                      pr_error *err);

#endif
