/* table.h - the aggregate's tables: interned strings, function keys, and
 * per-function and per-edge statistics summed exactly as pstats.Stats.add
 * sums them (pstats-format.md 3.6). */
#ifndef PR_TABLE_H
#define PR_TABLE_H

#include "arena.h"
#include "profreport.h"

#include <stdint.h>

uint64_t pr__hash(const void *p, size_t n, uint64_t seed);
/* A function key's hash from its parts' hashes (pr__hash with seed 0), so
 * a reader that meets the same file name a thousand times hashes it once. */
uint64_t pr__key_hash(uint64_t file_hash, int64_t line, uint64_t name_hash);

/* u64 -> u32 open-addressing map; UINT64_MAX is reserved as "empty".
 * A key and its value share a slot: one cache miss per lookup, not two. */
typedef struct u64slot {
    uint64_t key;
    uint32_t val;
} u64slot;

typedef struct u64map {
    u64slot *slots;
    size_t n, cap; /* cap is a power of two */
} u64map;

void u64map_free(u64map *m);
/* Empties the map, keeping its memory. */
void u64map_clear(u64map *m);
/* Finds key; when absent and `insert` is set, adds it with value `val`.
 * Returns the slot's value, or UINT32_MAX when absent (or no memory). */
uint32_t u64map_get(u64map *m, uint64_t key, int insert, uint32_t val,
                    int *added);
/* key's value, or UINT32_MAX when absent. */
uint32_t u64map_find(const u64map *m, uint64_t key);

/* Pointer to key's value, adding it with `init` when absent; NULL when
 * out of memory. Valid until the next insertion. */
uint32_t *u64map_ref(u64map *m, uint64_t key, uint32_t init);

/* Function keys interned by value. Strings are copied once into an arena
 * and live as long as the table. Ids are dense from 0. */
typedef struct functab {
    arena strings;
    pr_func_key *keys;
    uint64_t *hashes;
    size_t n, cap;
    uint32_t *slots; /* open addressing over ids; UINT32_MAX = empty */
    size_t nslots;
} functab;

void functab_init(functab *t);
void functab_free(functab *t);
/* Id of key, adding it if new; UINT32_MAX when out of memory. */
uint32_t functab_intern(functab *t, const pr_func_key *key);
/* Frees the index that interning uses; the next intern builds it again. */
void functab_drop_index(functab *t);
/* The same, given the key's pr__key_hash. */
uint32_t functab_intern_h(functab *t, const pr_func_key *key, uint64_t h);

/* Statistics of functions and caller edges, keyed by function id. */
typedef struct func_stat {
    uint32_t fid;
    int64_t cc, nc;
    double tt, ct;
} func_stat;

typedef struct edge_stat {
    uint32_t caller, callee;
    int64_t nc, cc;
    double tt, ct;
    uint8_t count_only; /* every contribution was a profile.py count */
} edge_stat;

typedef struct ftable {
    u64map fmap; /* fid -> index in f */
    func_stat *f;
    size_t nf, capf;
    u64map emap; /* caller << 32 | callee -> index in e */
    edge_stat *e;
    size_t ne, cape;
} ftable;

/* Counts are summed saturating, here and wherever they are added up: a
 * (corrupt or hostile) state or profile cannot overflow them, which would
 * be undefined. Real counts are far below 2^63. */
int64_t pr__sat_add(int64_t a, int64_t b);
/* Times too: a sum of finite times stops at the largest double instead of
 * reaching infinity, which a state file could not hold (its reader takes
 * finite numbers only). */
double pr__fsat_add(double a, double b);

void ftable_free(ftable *t);
/* Frees the maps that adding looks rows up in (a third of a big table);
 * the arrays stay, and the next add builds the maps again. */
void ftable_drop_index(ftable *t);
/* Adds one function's numbers (pstats add_func_stats). */
pr_status ftable_add_func(ftable *t, uint32_t fid, int64_t cc, int64_t nc,
                          double tt, double ct);
/* Adds one caller edge (pstats add_callers). */
pr_status ftable_add_edge(ftable *t, uint32_t caller, uint32_t callee,
                          int64_t nc, int64_t cc, double tt, double ct,
                          int count_only);
/* dst += src, where src's ids map to dst's through remap (NULL: same). */
pr_status ftable_merge(ftable *dst, const ftable *src, const uint32_t *remap);

#endif
