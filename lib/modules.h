/* modules.h - attributing time to modules, entry points and a call tree,
 * from one merged function/edge table. */
#ifndef PR_MODULES_H
#define PR_MODULES_H

#include "arena.h"
#include "table.h"

/* What classification needs besides the key: options and the
 * application root (a directory prefix ending in '/', or ""). */
typedef struct mod_config {
    const pr_report_options *opts;
    const char *app_root;
} mod_config;

/* The common directory of the application's own files among keys[0..n):
 * files outside site-/dist-packages, the standard library and <...>
 * pseudo-files. Written to buf (ends in '/' or is ""). */
void mod_app_root(const pr_func_key *keys, size_t n, char *buf, size_t cap);

/* Module of one function, written to buf; returns its kind. */
pr_module_kind mod_classify(const mod_config *c, const pr_func_key *k,
                            char *buf, size_t cap);

/* Whether k is in a real file of the application (not a library, the
 * standard library, a built-in, a template or a "<...>" pseudo-file). */
int pr__app_file(const pr_func_key *k);

/* Whether file name f[0..n) is compiled template code ("<template>",
 * "templates/page.html") rather than Python source. */
int pr__is_template_file(const char *f, size_t n);

/* Fills *out (strings and arrays in `a`) for table t whose ids name
 * functions in `names`. `total_s` is the 100 % for shares. */
pr_status mod_attribute(const mod_config *c, const functab *names,
                        const ftable *t, arena *a, pr_attribution *out);

/* Calls fn(ctx, module, own seconds) for each module of profile p alone,
 * attributed as a report does (own time: see pr_module_row). fn returns
 * nonzero to fail with PR_ERR_NOMEM. */
typedef int (*pr__own_fn)(void *ctx, const char *module, double own_s);
pr_status pr__profile_own(const mod_config *c, const pr_profile *p,
                          pr__own_fn fn, void *ctx);

#endif
