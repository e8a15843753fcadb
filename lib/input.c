/* input.c - the input table (input.h). */
#include "input.h"
#include "agg.h"

static int any(const void *head, size_t n)
{
    (void)head;
    (void)n;
    return 1;
}

static const pr__reader READERS[] = {
    {"state", pr__is_state, NULL},
    {"pstats", any, sview_parse}, /* marshal has no magic: last */
};

enum { NREADERS = sizeof READERS / sizeof READERS[0] };

const pr__reader *pr__reader_for(const void *head, size_t n)
{
    for (size_t i = 0; i + 1 < NREADERS; i++)
        if (READERS[i].probe(head, n))
            return &READERS[i];
    return &READERS[NREADERS - 1];
}

const pr__reader *pr__profile_reader_for(const void *head, size_t n)
{
    for (size_t i = 0; i + 1 < NREADERS; i++)
        if (READERS[i].parse != NULL && READERS[i].probe(head, n))
            return &READERS[i];
    return &READERS[NREADERS - 1];
}
