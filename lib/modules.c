/* modules.c - where the time goes, by module.
 *
 * pstats keeps, per function, its own totals and one record per caller
 * edge; it keeps no stacks. From that:
 *  - own time per module: a function's tottime belongs to its module,
 *    except that built-ins and the standard library work for their
 *    callers: their tottime is split over the callers by each caller
 *    edge's own tottime (cProfile records it per edge: exact), and
 *    through chains of them by the callers' cumulative times (an estimate
 *    with a bound; see owners() and charge());
 *  - time *entering* a module (inclusive time) is the sum of the
 *    cumulative times on the edges that cross into it from another
 *    module. That sum is exact when no such edge can run while the module
 *    is already on the stack, i.e. when the calling function is not
 *    reachable from the module through the call graph. Otherwise the
 *    figure is estimated from the call tree rebuilt from the edges, and
 *    flagged as such.
 */
#define _POSIX_C_SOURCE 200809L
#include "sort.h"
#include "modules.h"
#include "funckey.h"
#include "pypath.h"

#include <fnmatch.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { NAME_MAX_LEN = 512, TREE_BUDGET = 50000, CHAIN_MAX = 8 };
#define ESTIMATE_MIN_SHARE 1e-4

/* ---- classification -------------------------------------------------- */

static int has_prefix(const char *s, size_t n, const char *p)
{
    size_t m = strlen(p);
    return n >= m && memcmp(s, p, m) == 0;
}

/* "a/b/c.py" at depth d -> "a.b" (d = 2); __init__ and extensions go. */
static void dotted(const char *p, size_t n, int depth, char *buf, size_t cap)
{
    size_t o = 0;
    int parts = 0;
    size_t i = 0;
    while (i < n && parts < depth) {
        size_t j = i;
        while (j < n && p[j] != '/')
            j++;
        size_t len = j - i;
        const char *seg = p + i;
        if (j == n) { /* the file: drop the extension */
            const char *dot = memchr(seg, '.', len);
            if (dot != NULL)
                len = (size_t)(dot - seg);
            if (len == 8 && memcmp(seg, "__init__", 8) == 0)
                len = 0;
        }
        if (len > 0) {
            if (parts > 0 && o + 1 < cap)
                buf[o++] = '.';
            for (size_t k = 0; k < len && o + 1 < cap; k++)
                buf[o++] = seg[k];
            parts++;
        }
        i = j + 1;
    }
    if (o == 0 && cap > 1) {
        size_t len = n < cap - 1 ? n : cap - 1;
        memcpy(buf, p, len);
        o = len;
    }
    buf[o] = '\0';
}

/* "<template>" (jinja2's from_string) or a file that is not Python
 * source: .html, .jinja2, .j2, .txt ... compiled by a template engine. */
int pr__is_template_file(const char *f, size_t n)
{
    if (n == 10 && memcmp(f, "<template>", 10) == 0)
        return 1;
    if (n == 0 || f[0] == '<' || f[0] == '~')
        return 0;
    size_t i = n;
    while (i > 0 && f[i - 1] != '/' && f[i - 1] != '.')
        i--;
    if (i == 0 || f[i - 1] != '.')
        return 0; /* no extension: a script */
    static const char *const exts[] = {"html", "htm", "jinja", "jinja2",
                                       "j2", "txt", "xml", "svg", "tmpl",
                                       "mako", "jinja.html"};
    for (size_t e = 0; e < sizeof exts / sizeof exts[0]; e++)
        if (n - i == strlen(exts[e]) && memcmp(f + i, exts[e], n - i) == 0)
            return 1;
    return 0;
}


/* Owner of a built-in label: "<built-in method time.sleep>" -> "time". */
static void builtin_owner(const pr_func_key *k, char *buf, size_t cap)
{
    const char *n = k->name.ptr;
    size_t len = k->name.len;
    static const char *const pre[] = {"<built-in method ", "<built-in function "};
    for (size_t p = 0; p < 2; p++) {
        size_t m = strlen(pre[p]);
        if (len > m && memcmp(n, pre[p], m) == 0) {
            const char *s = n + m;
            size_t rest = len - m;
            const char *dot = memchr(s, '.', rest);
            const char *sp = memchr(s, ' ', rest);
            if (dot != NULL && (sp == NULL || dot < sp)) {
                snprintf(buf, cap, "%.*s", (int)(dot - s), s);
                return;
            }
        }
    }
    snprintf(buf, cap, "builtins");
}

/* Length of the first word of a "<...>" pseudo-file name. */
static size_t pseudo_word(const char *f, size_t n)
{
    size_t i = 1;
    while (i < n && ((f[i] >= 'a' && f[i] <= 'z') ||
                     (f[i] >= 'A' && f[i] <= 'Z') ||
                     (f[i] >= '0' && f[i] <= '9') || f[i] == '_'))
        i++;
    return i - 1;
}

/* Code compiled at run time, named "<...>": the standard library's
 * namedtuple and dataclass methods and exec'd text ("<string>"), the
 * interpreter's "<stdin>" and "<console>" work for their callers like
 * the standard library. Other names are whoever compiled them: the app,
 * unless a library of the same name is in the profile ("<werkzeug
 * routing>", "<attrs generated init ...>"; see classify_all()). */
static pr_module_kind generated_code(const char *f, size_t n, char *buf,
                                     size_t cap)
{
    size_t w = pseudo_word(f, n);
    static const char *const python[] = {"string", "stdin", "console",
                                         "module", "unknown", "fstring",
                                         "input", ""};
    snprintf(buf, cap, "%.*s", (int)n, f);
    for (size_t p = 0; p < sizeof python / sizeof python[0]; p++)
        if (w == strlen(python[p]) && memcmp(f + 1, python[p], w) == 0)
            return PR_MOD_STDLIB;
    return PR_MOD_APP;
}

pr_module_kind mod_classify(const mod_config *c, const pr_func_key *k,
                            char *buf, size_t cap)
{
    const pr_report_options *o = c->opts;
    int depth = o->module_depth > 0 ? o->module_depth : 1;
    const char *f = k->file.ptr;
    size_t n = k->file.len;
    char path[NAME_MAX_LEN];
    snprintf(path, sizeof path, "%.*s", (int)n, f);
    for (size_t i = 0; i < o->nmodule_map; i++) {
        const char *eq = strchr(o->module_map[i], '=');
        if (eq == NULL)
            continue;
        char pat[NAME_MAX_LEN];
        snprintf(pat, sizeof pat, "%.*s", (int)(eq - o->module_map[i]),
                 o->module_map[i]);
        if (fnmatch(pat, path, 0) == 0) {
            snprintf(buf, cap, "%s", eq + 1);
            return pr__packages_dir(f, n) ? PR_MOD_LIBRARY : PR_MOD_APP;
        }
    }
    if (pr__is_builtin(k)) {
        if (n == 0 && k->name.len > 0 && k->name.ptr[0] != '<')
            snprintf(buf, cap, "builtins"); /* profile.py: ('', 0, 'len') */
        else
            builtin_owner(k, buf, cap);
        return PR_MOD_BUILTIN;
    }
    if (n == 7 && memcmp(f, "profile", 7) == 0 && k->line == 0) {
        snprintf(buf, cap, "(profiler)"); /* profile.py's synthetic frames */
        return PR_MOD_BUILTIN;
    }
    const char *p;
    if ((p = pr__packages_dir(f, n)) != NULL) {
        dotted(p, n - (size_t)(p - f), depth, buf, cap);
        return PR_MOD_LIBRARY;
    }
    /* Frozen standard-library modules: CPython's "<frozen os>" and PyPy's
     * "<builtin>/frozen importlib._bootstrap_external", already dotted. */
    size_t skip = has_prefix(f, n, "<frozen ") ? 8
                  : has_prefix(f, n, "<builtin>/frozen ") ? 17 : 0;
    if (skip > 0) {
        size_t len = n > skip ? n - skip - (f[n - 1] == '>') : 0;
        char tmp[NAME_MAX_LEN];
        snprintf(tmp, sizeof tmp, "%.*s", (int)len, f + skip);
        for (char *t = tmp; *t; t++)
            if (*t == '.')
                *t = '/';
        strncat(tmp, ".py", sizeof tmp - strlen(tmp) - 1);
        dotted(tmp, strlen(tmp), depth, buf, cap);
        return PR_MOD_STDLIB;
    }
    if ((p = pr__stdlib_dir(f, n)) != NULL) {
        dotted(p, n - (size_t)(p - f), depth, buf, cap);
        return PR_MOD_STDLIB;
    }
    if (has_prefix(f, n, "<builtin>/")) { /* PyPy's other built-in files */
        snprintf(buf, cap, "%.*s", (int)(n - 10), f + 10);
        return PR_MOD_STDLIB;
    }
    if (pr__is_template_file(f, n)) {
        /* Compiled template code: jinja2's from_string ("<template>") or
         * a template file of the app. The app's authors wrote it; deeper
         * module levels name the template. */
        size_t b = n;
        while (b > 0 && f[b - 1] != '/')
            b--;
        const char *dot = memchr(f + b, '.', n - b);
        if (depth >= 2 && f[0] != '<' && dot != NULL)
            snprintf(buf, cap, "templates.%.*s", (int)(dot - (f + b)), f + b);
        else
            snprintf(buf, cap, "templates");
        return PR_MOD_APP;
    }
    if (n > 0 && f[0] == '<')
        return generated_code(f, n, buf, cap);
    size_t root = strlen(c->app_root);
    if (root > 0 && n > root && memcmp(f, c->app_root, root) == 0) {
        f += root;
        n -= root;
    } else if (root == 0 || n <= root) {
        const char *slash = NULL;
        for (size_t i = 0; i < n; i++)
            if (f[i] == '/')
                slash = f + i;
        if (slash != NULL && root == 0 && f[0] == '/') {
            /* no common root known: the file's own name */
            n -= (size_t)(slash + 1 - f);
            f = slash + 1;
        }
    }
    dotted(f, n, depth, buf, cap);
    return PR_MOD_APP;
}

/* A real file of the application: what its common root is made of
 * (pseudo-files, templates and everything classified otherwise are not). */
int pr__app_file(const pr_func_key *k)
{
    const char *f = k->file.ptr;
    size_t n = k->file.len;
    return !pr__is_builtin(k) && n > 0 && f[0] != '<' &&
           !(n == 7 && memcmp(f, "profile", 7) == 0) &&
           !pr__is_template_file(f, n) &&
           pr__packages_dir(f, n) == NULL && pr__stdlib_dir(f, n) == NULL;
}

void mod_app_root(const pr_func_key *keys, size_t n, char *buf, size_t cap)
{
    size_t len = 0;
    const pr_func_key *first = NULL;
    for (size_t i = 0; i < n; i++) {
        const pr_func_key *k = &keys[i];
        if (!pr__app_file(k))
            continue;
        if (first == NULL) {
            first = k;
            len = 0;
            for (size_t j = 0; j < k->file.len; j++)
                if (k->file.ptr[j] == '/')
                    len = j + 1;
            continue;
        }
        size_t m = len < k->file.len ? len : k->file.len, last = 0;
        for (size_t j = 0; j < m && k->file.ptr[j] == first->file.ptr[j]; j++)
            if (k->file.ptr[j] == '/')
                last = j + 1;
        len = last;
    }
    if (first == NULL || len >= cap)
        len = 0;
    if (cap > 0) {
        if (len > 0)
            memcpy(buf, first->file.ptr, len);
        buf[len] = '\0';
    }
}

/* ---- the attribution ------------------------------------------------- */

typedef struct module {
    char *name;
    pr_module_kind kind;
    double self, incl, incl_exact, incl_tree;
    double root;      /* time of its functions that nobody called */
    double split;     /* of self: what an estimated split charged to it */
    double unsure;    /* bound on entry time hidden behind shared built-ins */
    int64_t calls;
    int dirty; /* an entry edge into it may run while it is active */
} module;

typedef struct entry_acc {
    double ct, tree;
    int64_t calls;
    uint32_t mod;     /* module entered */
    uint32_t caller;  /* function index of the place it is entered from */
    uint8_t dirty;
    uint8_t via;      /* caller works for several modules (see owners()) */
} entry_acc;

typedef struct owner {
    uint32_t f; /* function index */
    double w;
} owner;

typedef struct ctx {
    const mod_config *c;
    const functab *names;
    const ftable *t;
    size_t nf;
    uint32_t *idx;       /* fid -> function index in t->f, or UINT32_MAX */
    uint32_t *fmod;      /* function index -> module (UINT32_MAX: charged to caller) */
    module *mods;
    size_t nmods, capmods;
    u64map modmap;       /* hash of name -> module id (chained by probing) */
    /* Edges by caller and by callee: index lists into t->e. */
    uint32_t *out_start, *out_list, *in_start, *in_list;
    uint32_t *out_to;    /* callee function index per out_list slot */
    uint32_t *eff;       /* function index -> effective module as a caller */
    uint8_t *eff_est;    /* that effective module was a guess */
    entry_acc *ent;
    size_t nent, capent;
    u64map entmap;
    /* tree, with each node's module id and function index alongside */
    pr_tree_node *tree;
    uint32_t *tmod, *tfun;
    size_t ntree, captree, hidden;
    uint32_t *path;      /* functions on the current path */
    uint32_t *scc;       /* function index -> strongly connected component */
    /* Owners: for a function charged to its callers (a built-in or the
     * standard library), the functions of other modules it works for,
     * with weights summing to 1 (see owners()). */
    uint32_t *cls;       /* function index -> module it is classified in */
    owner *pool;
    size_t npool, cappool;
    uint32_t *ostart, *olen;
    uint8_t *omulti;     /* owners span several modules (or came so) */
    double *inflow;      /* cumulative time on the calls into its group */
    double *own_fn;      /* own time per function, after charging */
    double *split_fn;    /* of it, what came through an estimated split */
    double total;
} ctx;

static uint32_t module_id(ctx *x, const char *name, pr_module_kind kind)
{
    uint64_t h = pr__hash(name, strlen(name), kind) & ~(uint64_t)0 >> 1;
    for (;; h = (h + 1) & (~(uint64_t)0 >> 1)) {
        uint32_t id = u64map_get(&x->modmap, h, 0, 0, NULL);
        if (id == UINT32_MAX)
            break;
        if (strcmp(x->mods[id].name, name) == 0 && x->mods[id].kind == kind)
            return id;
    }
    if (x->nmods == x->capmods) {
        size_t cap = x->capmods ? x->capmods * 2 : 64;
        module *v = realloc(x->mods, cap * sizeof *v);
        if (v == NULL)
            return UINT32_MAX;
        x->mods = v;
        x->capmods = cap;
    }
    char *copy = strdup(name);
    if (copy == NULL)
        return UINT32_MAX;
    uint32_t id = (uint32_t)x->nmods;
    if (u64map_get(&x->modmap, h, 1, id, NULL) == UINT32_MAX) {
        free(copy);
        return UINT32_MAX;
    }
    memset(&x->mods[id], 0, sizeof x->mods[id]);
    x->mods[id].name = copy;
    x->mods[id].kind = kind;
    x->nmods++;
    return id;
}

/* The id of a module by name (any kind), or UINT32_MAX. */
static uint32_t mod_by_name(ctx *x, const char *name)
{
    for (int kind = 0; kind <= PR_MOD_BUILTIN; kind++) {
        uint64_t h = pr__hash(name, strlen(name), (uint64_t)kind) &
                     ~(uint64_t)0 >> 1;
        for (;; h = (h + 1) & (~(uint64_t)0 >> 1)) {
            uint32_t id = u64map_get(&x->modmap, h, 0, 0, NULL);
            if (id == UINT32_MAX)
                break;
            if (strcmp(x->mods[id].name, name) == 0)
                return id;
        }
    }
    return UINT32_MAX;
}

/* The id of a module by name and kind, or UINT32_MAX. */
static uint32_t mod_by_name_kind(ctx *x, const char *name, pr_module_kind kind)
{
    uint64_t h = pr__hash(name, strlen(name), kind) & ~(uint64_t)0 >> 1;
    for (;; h = (h + 1) & (~(uint64_t)0 >> 1)) {
        uint32_t id = u64map_get(&x->modmap, h, 0, 0, NULL);
        if (id == UINT32_MAX)
            return UINT32_MAX;
        if (strcmp(x->mods[id].name, name) == 0 && x->mods[id].kind == kind)
            return id;
    }
}

/* Counting sort of edges by caller (out) or callee (in). */
static int adjacency(ctx *x)
{
    size_t nf = x->nf, ne = x->t->ne;
    x->out_start = calloc(nf + 1, sizeof *x->out_start);
    x->in_start = calloc(nf + 1, sizeof *x->in_start);
    x->out_list = malloc((ne ? ne : 1) * sizeof *x->out_list);
    x->in_list = malloc((ne ? ne : 1) * sizeof *x->in_list);
    uint32_t *fill = calloc(nf + 1, sizeof *fill);
    if (!x->out_start || !x->in_start || !x->out_list || !x->in_list || !fill) {
        free(fill);
        return -1;
    }
    for (size_t i = 0; i < ne; i++) {
        x->out_start[x->idx[x->t->e[i].caller] + 1]++;
        x->in_start[x->idx[x->t->e[i].callee] + 1]++;
    }
    for (size_t i = 0; i < nf; i++) {
        x->out_start[i + 1] += x->out_start[i];
        x->in_start[i + 1] += x->in_start[i];
    }
    for (size_t i = 0; i < ne; i++) {
        uint32_t a = x->idx[x->t->e[i].caller];
        x->out_list[x->out_start[a] + fill[a]++] = (uint32_t)i;
    }
    memset(fill, 0, (nf + 1) * sizeof *fill);
    for (size_t i = 0; i < ne; i++) {
        uint32_t b = x->idx[x->t->e[i].callee];
        x->in_list[x->in_start[b] + fill[b]++] = (uint32_t)i;
    }
    free(fill);
    /* Graph walks read callees in order: keep them in one array. */
    if ((x->out_to = malloc((ne ? ne : 1) * sizeof *x->out_to)) == NULL)
        return -1;
    for (size_t k = 0; k < ne; k++)
        x->out_to[k] = x->idx[x->t->e[x->out_list[k]].callee];
    return 0;
}

/* Marks with `stamp` every function reachable from mem[0..n), walking
 * only components numbered `floor` or more: Tarjan numbers a component
 * after every component it reaches, so a path to a function numbered t
 * never passes below t, and the walk stays as small as the question. */
static void reach(const ctx *x, const uint32_t *mem, size_t n, uint32_t floor,
                  uint32_t *seen, uint32_t stamp, uint32_t *stack)
{
    size_t sp = 0;
    for (size_t i = 0; i < n; i++)
        if (x->scc[mem[i]] >= floor && seen[mem[i]] != stamp) {
            seen[mem[i]] = stamp;
            stack[sp++] = mem[i];
        }
    while (sp > 0) {
        uint32_t f = stack[--sp];
        for (uint32_t k = x->out_start[f]; k < x->out_start[f + 1]; k++) {
            uint32_t g = x->out_to[k];
            if (seen[g] != stamp && x->scc[g] >= floor) {
                seen[g] = stamp;
                stack[sp++] = g;
            }
        }
    }
}

/* The module that a call into function index g lands in, given the
 * caller's effective module: built-ins charged to callers stay there. */
static uint32_t callee_module(const ctx *x, uint32_t g, uint32_t caller_mod)
{
    return x->fmod[g] == UINT32_MAX ? caller_mod : x->fmod[g];
}

static entry_acc *entry_for(ctx *x, uint32_t mod, uint32_t caller)
{
    uint64_t key = (uint64_t)mod << 32 | caller;
    if (x->nent == x->capent) {
        size_t cap = x->capent ? x->capent * 2 : 64;
        entry_acc *v = realloc(x->ent, cap * sizeof *v);
        if (v == NULL)
            return NULL;
        x->ent = v;
        x->capent = cap;
    }
    int added;
    uint32_t i = u64map_get(&x->entmap, key, 1, (uint32_t)x->nent, &added);
    if (i == UINT32_MAX)
        return NULL;
    if (added) {
        entry_acc z = {.mod = mod, .caller = caller};
        x->ent[x->nent++] = z;
    }
    return &x->ent[i];
}

/* Strongly connected components (Tarjan, without recursion: call graphs
 * can be deep) of the functions i with mask[i] set (mask NULL: all), over
 * the edges between them. comp[i] gets the component's number; a
 * component is numbered after every component it reaches, so callers
 * come after their callees. Returns the number of components, or
 * SIZE_MAX when out of memory. Unmasked functions get UINT32_MAX. */
static size_t tarjan(const ctx *x, const uint8_t *mask, uint32_t *comp)
{
    size_t nf = x->nf, cap = nf ? nf : 1;
    uint32_t *index = malloc(cap * sizeof *index);
    uint32_t *low = malloc(cap * sizeof *low);
    uint32_t *stack = malloc(cap * sizeof *stack);
    uint32_t *call = malloc(cap * sizeof *call); /* DFS frames */
    uint32_t *next = malloc(cap * sizeof *next); /* edge cursor */
    uint8_t *on = calloc(cap, 1);
    size_t ncomp = SIZE_MAX;
    if (!index || !low || !stack || !call || !next || !on)
        goto done;
    memset(index, 0xff, cap * sizeof *index);
    memset(comp, 0xff, cap * sizeof *comp);
    uint32_t counter = 0;
    ncomp = 0;
    size_t sp = 0;
    for (uint32_t root = 0; root < nf; root++) {
        if (index[root] != UINT32_MAX || (mask != NULL && !mask[root]))
            continue;
        size_t depth = 0;
        call[depth++] = root;
        index[root] = low[root] = counter++;
        next[root] = x->out_start[root];
        stack[sp++] = root;
        on[root] = 1;
        while (depth > 0) {
            uint32_t v = call[depth - 1];
            if (next[v] < x->out_start[v + 1]) {
                uint32_t w = x->out_to[next[v]++];
                if (mask != NULL && !mask[w])
                    continue;
                if (index[w] == UINT32_MAX) {
                    index[w] = low[w] = counter++;
                    next[w] = x->out_start[w];
                    stack[sp++] = w;
                    on[w] = 1;
                    call[depth++] = w;
                } else if (on[w] && index[w] < low[v]) {
                    low[v] = index[w];
                }
                continue;
            }
            if (low[v] == index[v]) {
                uint32_t w;
                do {
                    w = stack[--sp];
                    on[w] = 0;
                    comp[w] = (uint32_t)ncomp;
                } while (w != v);
                ncomp++;
            }
            depth--;
            if (depth > 0) {
                uint32_t u = call[depth - 1];
                if (low[v] < low[u])
                    low[u] = low[v];
            }
        }
    }
done:
    free(index), free(low), free(stack), free(call), free(next), free(on);
    return ncomp;
}

/* Components of the whole call graph: a caller X of f is reachable from
 * f exactly when X and f share a component, since X -> f closes the
 * cycle. */
static int components(ctx *x)
{
    x->scc = malloc((x->nf ? x->nf : 1) * sizeof *x->scc);
    return x->scc == NULL || tarjan(x, NULL, x->scc) == SIZE_MAX ? -1 : 0;
}

/* ---- own time: charging built-ins and the standard library ----------- */

enum { OWNERS_MAX = 128 };

static int cmp_owner(const void *a, const void *b)
{
    const owner *x = a, *y = b;
    if (x->w != y->w)
        return x->w > y->w ? -1 : 1;
    return (x->f > y->f) - (x->f < y->f);
}

static uint32_t owner_module(const ctx *x, uint32_t f)
{
    return x->fmod[f] != UINT32_MAX ? x->fmod[f] : x->cls[f];
}

/* Scratch for summing weighted owner lists: a dense weight per function
 * and the list of functions touched. */
typedef struct mix {
    double *w;
    uint32_t *touched;
    size_t n;
    int multi;
} mix;

static void mix_add(mix *m, uint32_t f, double w)
{
    if (m->w[f] == 0)
        m->touched[m->n++] = f;
    m->w[f] += w > 0 ? w : 1e-300; /* a zero weight still marks f */
}

/* What caller c stands for when it calls: itself, or its owners. */
static void mix_caller(const ctx *x, mix *m, uint32_t c, double w)
{
    if (x->fmod[c] != UINT32_MAX) {
        mix_add(m, c, w);
        return;
    }
    m->multi |= x->omulti[c];
    for (uint32_t k = 0; k < x->olen[c]; k++)
        mix_add(m, x->pool[x->ostart[c] + k].f, w * x->pool[x->ostart[c] + k].w);
}

/* Normalises the mix into the pool as the owners of every function in
 * members[0..nm), and clears the scratch. */
static int mix_store(ctx *x, mix *m, const uint32_t *members, size_t nm,
                     double inflow)
{
    size_t n = m->n;
    owner *tmp = malloc((n ? n : 1) * sizeof *tmp);
    if (tmp == NULL)
        return -1;
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        tmp[i].f = m->touched[i];
        tmp[i].w = m->w[m->touched[i]];
        sum += tmp[i].w;
        m->w[m->touched[i]] = 0;
    }
    pr__qsort(tmp, n, sizeof *tmp, cmp_owner);
    int multi = m->multi;
    if (n > OWNERS_MAX) { /* the long tail is folded into the heaviest */
        multi = 1;
        n = OWNERS_MAX;
    }
    for (size_t i = 1; i < n && !multi; i++)
        multi = owner_module(x, tmp[i].f) != owner_module(x, tmp[0].f);
    if (x->npool + n > x->cappool) {
        size_t cap = x->cappool ? x->cappool * 2 : 1024;
        while (cap < x->npool + n)
            cap *= 2;
        owner *v = realloc(x->pool, cap * sizeof *v);
        if (v == NULL) {
            free(tmp);
            return -1;
        }
        x->pool = v;
        x->cappool = cap;
    }
    double kept = 0;
    for (size_t i = 0; i < n; i++)
        kept += tmp[i].w;
    size_t at = x->npool;
    for (size_t i = 0; i < n; i++) {
        x->pool[at + i].f = tmp[i].f;
        x->pool[at + i].w = kept > 0 ? tmp[i].w / kept : 1.0 / (double)n;
    }
    (void)sum;
    x->npool += n;
    for (size_t i = 0; i < nm; i++) {
        x->ostart[members[i]] = (uint32_t)at;
        x->olen[members[i]] = (uint32_t)n;
        x->omulti[members[i]] = (uint8_t)multi;
        x->inflow[members[i]] = inflow;
    }
    m->n = 0;
    m->multi = 0;
    free(tmp);
    return 0;
}

/* The owners of every function charged to its callers. Such a function
 * works for whoever called it: its callers' own owners when they are
 * charged too (json.dumps -> encode -> a built-in), weighted by the
 * cumulative time on each caller edge. A group of them that call each
 * other (the standard library's recursion) shares one list, made from
 * the calls into the group. One that nobody called owns itself. Owners
 * are exact when a single one is found (or all are of one module for
 * module figures); a mix of several is an estimate, since pstats keeps
 * no stacks, and omulti says so. */
static int owners(ctx *x)
{
    size_t nf = x->nf, cap = nf ? nf : 1;
    uint8_t *mask = calloc(cap, 1);
    uint32_t *comp = malloc(cap * sizeof *comp);
    uint32_t *first = NULL, *members = NULL;
    mix m = {calloc(cap, sizeof *m.w), malloc(cap * sizeof *m.touched), 0, 0};
    x->ostart = calloc(cap, sizeof *x->ostart);
    x->olen = calloc(cap, sizeof *x->olen);
    x->omulti = calloc(cap, 1);
    x->inflow = calloc(cap, sizeof *x->inflow);
    int rc = -1;
    if (!mask || !comp || !m.w || !m.touched || !x->ostart || !x->olen ||
        !x->omulti || !x->inflow)
        goto done;
    for (size_t i = 0; i < nf; i++)
        mask[i] = x->fmod[i] == UINT32_MAX;
    size_t nc = tarjan(x, mask, comp);
    if (nc == SIZE_MAX)
        goto done;
    /* Members of each component, by counting sort. */
    first = calloc(nc + 1, sizeof *first);
    members = malloc(cap * sizeof *members);
    if (first == NULL || members == NULL)
        goto done;
    for (size_t i = 0; i < nf; i++)
        if (mask[i])
            first[comp[i] + 1]++;
    for (size_t c = 0; c < nc; c++)
        first[c + 1] += first[c];
    for (size_t i = 0; i < nf; i++)
        if (mask[i])
            members[first[comp[i]]++] = (uint32_t)i;
    for (size_t c = nc; c > 0; c--)
        first[c] = first[c - 1];
    first[0] = 0;
    /* Callers first: a component is numbered after those it reaches. */
    for (size_t c = nc; c-- > 0;) {
        const uint32_t *mem = members + first[c];
        size_t nm = first[c + 1] - first[c];
        double wsum = 0;
        for (int pass = 0; pass < 2; pass++) {
            /* By cumulative time on the edges; by calls if none has any. */
            for (size_t i = 0; i < nm; i++) {
                uint32_t f = mem[i];
                for (uint32_t k = x->in_start[f]; k < x->in_start[f + 1]; k++) {
                    const edge_stat *e = &x->t->e[x->in_list[k]];
                    uint32_t cf = x->idx[e->caller];
                    if (mask[cf] && comp[cf] == c)
                        continue; /* inside the group */
                    double w = pass == 0 ? e->ct : (double)e->nc;
                    if (pass == 0)
                        wsum += w;
                    else
                        mix_caller(x, &m, cf, w);
                }
            }
            if (pass == 0 && wsum > 0) {
                for (size_t i = 0; i < nm; i++) {
                    uint32_t f = mem[i];
                    for (uint32_t k = x->in_start[f]; k < x->in_start[f + 1];
                         k++) {
                        const edge_stat *e = &x->t->e[x->in_list[k]];
                        uint32_t cf = x->idx[e->caller];
                        if (!(mask[cf] && comp[cf] == c))
                            mix_caller(x, &m, cf, e->ct);
                    }
                }
                break;
            }
        }
        if (m.n == 0) { /* nobody called it: it owns itself */
            for (size_t i = 0; i < nm; i++) {
                mix_add(&m, mem[i], 1);
                if (mix_store(x, &m, mem + i, 1, 0) != 0)
                    goto done;
            }
            continue;
        }
        if (mix_store(x, &m, mem, nm, wsum > 0 ? wsum : INFINITY) != 0)
            goto done;
    }
    rc = 0;
done:
    free(mask);
    free(comp);
    free(first);
    free(members);
    free(m.w);
    free(m.touched);
    return rc;
}

/* Own time per function: its tottime if it has a module of its own;
 * otherwise its tottime goes to whoever called it, split by the
 * tottime cProfile recorded on each caller edge (exact), and through a
 * caller that is charged itself, by that caller's owners (an estimate
 * when there are several). Time no edge accounts for (calls from outside
 * the profile) goes by the function's own owners. The sum over all
 * functions is the sum of tottimes, exactly.
 *
 * How far off an estimated split can be: all that goes through a shared
 * caller c ran inside c, called from c's callers, so an owner's true part
 * of it is at least the whole less what its co-owners' calls into c
 * cumulatively took. split_fn adds up that bound, min(charged, the
 * others' inflow), per owner. */
static int charge(ctx *x)
{
    size_t nf = x->nf, cap = nf ? nf : 1;
    x->own_fn = calloc(cap, sizeof *x->own_fn);
    x->split_fn = calloc(cap, sizeof *x->split_fn);
    double *through = calloc(cap, sizeof *through);
    if (x->own_fn == NULL || x->split_fn == NULL || through == NULL) {
        free(through);
        return -1;
    }
    for (size_t i = 0; i < nf; i++) {
        const func_stat *s = &x->t->f[i];
        if (x->fmod[i] != UINT32_MAX) {
            x->own_fn[i] += s->tt;
            continue;
        }
        double given = 0;
        for (uint32_t k = x->in_start[i]; k < x->in_start[i + 1]; k++)
            given += x->t->e[x->in_list[k]].tt;
        /* Rounding in merged files can make the edges sum past tottime. */
        double scale = given > s->tt && given > 0 ? s->tt / given : 1;
        for (uint32_t k = x->in_start[i]; k < x->in_start[i + 1]; k++) {
            const edge_stat *e = &x->t->e[x->in_list[k]];
            uint32_t c = x->idx[e->caller];
            double t = e->tt * scale;
            if (x->fmod[c] != UINT32_MAX)
                x->own_fn[c] += t;
            else
                through[c] += t;
        }
        double rest = s->tt - given * scale;
        if (rest > 0)
            through[i] += rest;
    }
    for (size_t c = 0; c < nf; c++) {
        double t = through[c];
        if (t <= 0)
            continue;
        for (uint32_t j = 0; j < x->olen[c]; j++) {
            const owner *o = &x->pool[x->ostart[c] + j];
            x->own_fn[o->f] += t * o->w;
            if (x->olen[c] > 1) {
                double others = x->inflow[c] * (1 - o->w);
                x->split_fn[o->f] += t * o->w < others ? t * o->w : others;
            }
        }
        if (!x->omulti[c])
            continue;
        /* The same bound per module: owners in one module are one. */
        for (uint32_t j = 0; j < x->olen[c]; j++) {
            uint32_t m = owner_module(x, x->pool[x->ostart[c] + j].f);
            int seen = 0;
            double w = 0;
            for (uint32_t k = 0; k < x->olen[c]; k++) {
                uint32_t mk = owner_module(x, x->pool[x->ostart[c] + k].f);
                seen |= k < j && mk == m;
                if (mk == m)
                    w += x->pool[x->ostart[c] + k].w;
            }
            if (seen)
                continue;
            double others = x->inflow[c] * (1 - w);
            x->mods[m].split += t * w < others ? t * w : others;
        }
    }
    free(through);
    return 0;
}

/* The module a function acts in when it calls something: its own or, for
 * one charged to its callers, the module of its heaviest owner. */
static void effective_modules(ctx *x)
{
    for (size_t i = 0; i < x->nf; i++) {
        uint32_t f = (uint32_t)i;
        if (x->fmod[i] == UINT32_MAX && x->olen[i] > 0)
            f = x->pool[x->ostart[i]].f;
        x->eff[i] = owner_module(x, f);
        x->eff_est[i] = x->fmod[i] == UINT32_MAX && x->omulti[i];
    }
}

/* The Python function a call really came from: for a caller charged to
 * its callers, its heaviest owner. */
static uint32_t place_of(const ctx *x, uint32_t f)
{
    if (x->fmod[f] == UINT32_MAX && x->olen[f] > 0)
        return x->pool[x->ostart[f]].f;
    return f;
}

/* Time of f spent in calls from outside the profile (the function given
 * to runcall, werkzeug's runapp): all of its cumtime when nobody called
 * it; otherwise, when it has more calls than its caller edges account
 * for (a recursive root, f -> g -> f), its cumtime less what callers that
 * cannot run inside f (outside its component) spent calling it, since
 * cumtime counts outermost activations only. */
static double root_time(const ctx *x, uint32_t f)
{
    const func_stat *s = &x->t->f[f];
    if (x->in_start[f] == x->in_start[f + 1])
        return s->ct; /* no caller at all */
    int64_t via = 0;
    for (uint32_t k = x->in_start[f]; k < x->in_start[f + 1]; k++)
        via = pr__sat_add(via, x->t->e[x->in_list[k]].nc);
    if (s->nc <= via)
        return 0;
    double t = s->ct;
    for (uint32_t k = x->in_start[f]; k < x->in_start[f + 1]; k++) {
        const edge_stat *e = &x->t->e[x->in_list[k]];
        if (x->scc[x->idx[e->caller]] != x->scc[f])
            t -= e->ct;
    }
    return t > 0 ? t : 0;
}

/* ---- call tree ------------------------------------------------------- */

static int on_path(const ctx *x, size_t depth, uint32_t f)
{
    for (size_t i = 0; i < depth; i++)
        if (x->path[i] == f)
            return 1;
    return 0;
}

static int tree_add(ctx *x, uint32_t f, size_t depth, size_t parent,
                    double time, uint32_t mod)
{
    if (x->ntree >= TREE_BUDGET) {
        x->hidden++;
        return 0;
    }
    if (x->ntree == x->captree) {
        size_t cap = x->captree ? x->captree * 2 : 1024;
        pr_tree_node *v = realloc(x->tree, cap * sizeof *v);
        if (v == NULL)
            return -1;
        x->tree = v;
        uint32_t *m = realloc(x->tmod, cap * sizeof *m);
        if (m == NULL)
            return -1;
        x->tmod = m;
        uint32_t *fn = realloc(x->tfun, cap * sizeof *fn);
        if (fn == NULL)
            return -1;
        x->tfun = fn;
        x->captree = cap;
    }
    const func_stat *s = &x->t->f[f];
    size_t me = x->ntree++;
    pr_tree_node *n = &x->tree[me];
    memset(n, 0, sizeof *n);
    n->key = x->names->keys[s->fid];
    n->depth = depth;
    n->parent = parent;
    n->time_s = time;
    n->self_s = s->ct > 0 ? s->tt * (time / s->ct) : s->tt;
    if (n->self_s > time)
        n->self_s = time;
    x->tmod[me] = mod;
    x->tfun[me] = f;
    x->path[depth] = f;
    /* Children by edge, scaled by this path's share of f's time,
     * heaviest first. */
    double scale = s->ct > 0 ? time / s->ct : 0;
    uint32_t lo = x->out_start[f], hi = x->out_start[f + 1];
    size_t nk = hi - lo;
    double *w = malloc((nk ? nk : 1) * sizeof *w);
    size_t *order = malloc((nk ? nk : 1) * sizeof *order);
    int rc = w == NULL || order == NULL ? -1 : 0;
    for (size_t i = 0; rc == 0 && i < nk; i++)
        w[i] = x->t->e[x->out_list[lo + i]].ct;
    if (rc == 0 && pr__rank_desc(w, nk, order) != 0)
        rc = -1;
    free(w);
    for (size_t i = 0; i < nk && rc == 0; i++) {
        const edge_stat *e = &x->t->e[x->out_list[lo + order[i]]];
        uint32_t g = x->idx[e->callee];
        double ct = e->ct * scale;
        if (on_path(x, depth + 1, g))
            continue; /* recursion: cut */
        if (ct < x->total * ESTIMATE_MIN_SHARE || depth + 1 >= 256) {
            x->hidden++;
            continue;
        }
        rc = tree_add(x, g, depth + 1, me, ct, callee_module(x, g, mod));
    }
    free(order);
    return rc;
}

static int build_tree(ctx *x)
{
    x->path = malloc(257 * sizeof *x->path);
    if (x->path == NULL)
        return -1;
    /* Roots: functions called from outside the profile, heaviest
     * first. */
    size_t nroots = 0;
    uint32_t *roots = malloc((x->nf ? x->nf : 1) * sizeof *roots);
    double *rt = malloc((x->nf ? x->nf : 1) * sizeof *rt);
    if (roots == NULL || rt == NULL) {
        free(roots);
        free(rt);
        return -1;
    }
    for (size_t i = 0; i < x->nf; i++)
        if ((rt[i] = root_time(x, (uint32_t)i)) > 0 ||
            x->in_start[i] == x->in_start[i + 1])
            roots[nroots++] = (uint32_t)i;
    /* Heaviest first; ties in index order. */
    double *rw = malloc((nroots ? nroots : 1) * sizeof *rw);
    size_t *order = malloc((nroots ? nroots : 1) * sizeof *order);
    uint32_t *sorted = malloc((nroots ? nroots : 1) * sizeof *sorted);
    int rc = rw == NULL || order == NULL || sorted == NULL ? -1 : 0;
    for (size_t i = 0; rc == 0 && i < nroots; i++)
        rw[i] = rt[roots[i]];
    if (rc == 0 && pr__rank_desc(rw, nroots, order) != 0)
        rc = -1;
    for (size_t i = 0; rc == 0 && i < nroots; i++)
        sorted[i] = roots[order[i]];
    if (rc == 0)
        memcpy(roots, sorted, nroots * sizeof *roots);
    free(rw);
    free(order);
    free(sorted);
    for (size_t i = 0; i < nroots && rc == 0; i++) {
        uint32_t f = roots[i];
        if (rt[f] < x->total * ESTIMATE_MIN_SHARE) {
            x->hidden++;
            continue;
        }
        uint32_t m = x->fmod[f];
        if (m == UINT32_MAX) /* a built-in root, like profiler.disable */
            m = x->eff[f];
        rc = tree_add(x, f, 0, SIZE_MAX, rt[f], m);
    }
    free(rt);
    free(roots);
    return rc;
}

static int cmp_mod_own(const void *a, const void *b)
{
    const pr_module_row *x = a, *y = b;
    if (x->self_s != y->self_s)
        return x->self_s > y->self_s ? -1 : 1;
    if (x->inclusive_s != y->inclusive_s)
        return x->inclusive_s > y->inclusive_s ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int cmp_entry(const void *a, const void *b)
{
    const pr_entry_point_row *x = a, *y = b;
    if (x->inclusive_s != y->inclusive_s)
        return x->inclusive_s > y->inclusive_s ? -1 : 1;
    int c = strcmp(x->module, y->module);
    return c != 0 ? c : strcmp(x->entered_from, y->entered_from);
}

/* The file as shown in module terms: after site-packages or the
 * standard library directory, or relative to the app root. */
static pr_str short_file(const ctx *x, const pr_func_key *k)
{
    pr_str s = k->file;
    const char *p = pr__packages_dir(s.ptr, s.len);
    if (p == NULL)
        p = pr__stdlib_dir(s.ptr, s.len);
    size_t root = strlen(x->c->app_root);
    if (p == NULL && root > 0 && s.len > root &&
        memcmp(s.ptr, x->c->app_root, root) == 0)
        p = s.ptr + root;
    if (p != NULL) {
        s.len -= (size_t)(p - s.ptr);
        s.ptr = p;
    }
    return s;
}

/* "flask_session/sessions.py:open_session"; when the file has two
 * functions of that name (two classes' __init__), the line tells them
 * apart: "jinja2/lexer.py:__init__ (line 236)". */
static char *place_name(const ctx *x, arena *a, const pr_func_key *k,
                        int with_line)
{
    pr_str f = short_file(x, k);
    size_t cap = f.len + k->name.len + 40;
    char *s = arena_alloc(a, cap);
    if (s != NULL && with_line)
        snprintf(s, cap, "%.*s:%.*s (line %lld)", (int)f.len, f.ptr,
                 (int)k->name.len, k->name.ptr, (long long)k->line);
    else if (s != NULL)
        snprintf(s, cap, "%.*s:%.*s", (int)f.len, f.ptr, (int)k->name.len,
                 k->name.ptr);
    return s;
}

static uint64_t file_name_hash(const pr_func_key *k)
{
    return pr__hash(k->name.ptr, k->name.len,
                    pr__hash(k->file.ptr, k->file.len, 7)) >> 1;
}

/* "flask/app.py:2495(wsgi_app)", or "{built-in method ...}" like pstats. */
static char *node_label(const ctx *x, arena *a, const pr_func_key *k)
{
    size_t cap = k->file.len + k->name.len + 32;
    char *s = arena_alloc(a, cap);
    if (s == NULL)
        return NULL;
    if (pr__is_builtin(k) && k->file.len == 1 && k->name.len >= 2 &&
        k->name.ptr[0] == '<')
        snprintf(s, cap, "{%.*s}", (int)k->name.len - 2, k->name.ptr + 1);
    else if (pr__is_builtin(k))
        snprintf(s, cap, "%.*s", (int)k->name.len, k->name.ptr);
    else {
        pr_str f = short_file(x, k);
        snprintf(s, cap, "%.*s:%lld(%.*s)", (int)f.len, f.ptr,
                 (long long)k->line, (int)k->name.len, k->name.ptr);
    }
    return s;
}

/* What only steps 1 to 6 need: the edges by caller and callee, the
 * components, the walks' scratch, and the map of entries, freed before
 * the rows, which need memory of their own. */
static void drop_graph(ctx *x)
{
    uint32_t **v[] = {&x->out_start, &x->out_list, &x->out_to, &x->in_start,
                      &x->in_list, &x->scc, &x->path, &x->tfun};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        free(*v[i]);
        *v[i] = NULL;
    }
    free(x->inflow);
    x->inflow = NULL;
    u64map_free(&x->entmap);
}

static void ctx_free(ctx *x)
{
    free(x->idx);
    free(x->fmod);
    for (size_t i = 0; i < x->nmods; i++)
        free(x->mods[i].name);
    free(x->mods);
    u64map_free(&x->modmap);
    free(x->out_start);
    free(x->out_list);
    free(x->out_to);
    free(x->in_start);
    free(x->in_list);
    free(x->eff);
    free(x->eff_est);
    free(x->ent);
    u64map_free(&x->entmap);
    free(x->tree);
    free(x->tmod);
    free(x->tfun);
    free(x->path);
    free(x->scc);
    free(x->cls);
    free(x->pool);
    free(x->ostart);
    free(x->olen);
    free(x->omulti);
    free(x->inflow);
    free(x->own_fn);
    free(x->split_fn);
}

/* ---- the attribution, step by step ------------------------------------ */

/* Step 1: every function's module. Built-ins and the standard library
 * are charged to their callers (fmod UINT32_MAX) unless builtins_separate;
 * cls keeps the module they are classified in, for when nobody called
 * them. */
static int classify_all(ctx *x)
{
    const ftable *t = x->t;
    size_t nf = x->nf, cap = nf ? nf : 1;
    size_t nn = x->names->n ? x->names->n : 1;
    x->idx = malloc(nn * sizeof *x->idx);
    x->fmod = malloc(cap * sizeof *x->fmod);
    x->cls = malloc(cap * sizeof *x->cls);
    x->eff = malloc(cap * sizeof *x->eff);
    x->eff_est = calloc(cap, 1);
    if (!x->idx || !x->fmod || !x->cls || !x->eff || !x->eff_est)
        return -1;
    memset(x->idx, 0xff, nn * sizeof *x->idx);
    int separate = x->c->opts->builtins_separate;
    char buf[NAME_MAX_LEN];
    for (size_t i = 0; i < nf; i++) {
        const func_stat *s = &t->f[i];
        x->idx[s->fid] = (uint32_t)i;
        x->total += s->tt;
        const pr_func_key *k = &x->names->keys[s->fid];
        pr_module_kind kind = mod_classify(x->c, k, buf, sizeof buf);
        int charged = !separate && ((kind == PR_MOD_BUILTIN &&
                                     pr__is_builtin(k)) ||
                                    kind == PR_MOD_STDLIB);
        /* A charged built-in that nobody called (profiler.disable, called
         * by the profiler's C code) is shown as such. */
        if (charged && kind == PR_MOD_BUILTIN)
            snprintf(buf, sizeof buf, "(no caller)");
        if ((x->cls[i] = module_id(x, buf, kind)) == UINT32_MAX)
            return -1;
        x->fmod[i] = charged ? UINT32_MAX : x->cls[i];
    }
    /* Generated code named after a library that is in the profile
     * ("<werkzeug routing>") is that library's. */
    for (size_t i = 0; i < nf; i++) {
        const pr_func_key *k = &x->names->keys[t->f[i].fid];
        const char *f = k->file.ptr;
        size_t n = k->file.len;
        if (x->fmod[i] == UINT32_MAX || x->mods[x->fmod[i]].kind != PR_MOD_APP ||
            n < 3 || f[0] != '<' || pr__is_template_file(f, n))
            continue;
        size_t w = pseudo_word(f, n);
        if (w == 0 || w >= sizeof buf)
            continue;
        snprintf(buf, sizeof buf, "%.*s", (int)w, f + 1);
        uint32_t lib = mod_by_name_kind(x, buf, PR_MOD_LIBRARY);
        if (lib != UINT32_MAX)
            x->fmod[i] = x->cls[i] = lib;
    }
    return 0;
}
/* Step 2: own time per module, from own time per function (charge()). */
static void own_times(ctx *x)
{
    for (size_t i = 0; i < x->nf; i++) {
        module *md = &x->mods[owner_module(x, (uint32_t)i)];
        md->self += x->own_fn[i];
    }
}

/* Step 3: entries, the edges that cross into a module from another, and
 * the time of functions entered from outside the profile (roots). */
static int collect_entries(ctx *x)
{
    const ftable *t = x->t;
    for (size_t i = 0; i < t->ne; i++) {
        const edge_stat *e = &t->e[i];
        uint32_t fa = x->idx[e->caller], fb = x->idx[e->callee];
        if (x->fmod[fb] == UINT32_MAX)
            continue; /* charged to its caller: never an entry */
        uint32_t mb = x->fmod[fb];
        entry_acc *en;
        if (x->fmod[fa] == UINT32_MAX && x->omulti[fa]) {
            /* A built-in working for several modules called into mb
             * (next, map, sorted's key=): which of them made these calls
             * the data does not say. When mb is not among them, this
             * enters mb, and the entry is the built-in. When it is, the
             * calls may be mb's own: at most the others' part enters mb. */
            double own = 0;
            for (uint32_t j = 0; j < x->olen[fa]; j++)
                if (owner_module(x, x->pool[x->ostart[fa] + j].f) == mb)
                    own += x->pool[x->ostart[fa] + j].w;
            if (own > 0) {
                x->mods[mb].unsure += e->ct * (1 - own);
                continue;
            }
            if ((en = entry_for(x, mb, fa)) == NULL)
                return -1;
            en->via = 1;
        } else {
            if (x->eff[fa] == mb)
                continue;
            if ((en = entry_for(x, mb, place_of(x, fa))) == NULL)
                return -1;
        }
        en->ct += e->ct;
        en->calls = pr__sat_add(en->calls, e->nc);
        x->mods[mb].calls = pr__sat_add(x->mods[mb].calls, e->nc);
    }
    for (size_t i = 0; i < x->nf; i++) {
        double rt = x->fmod[i] != UINT32_MAX ? root_time(x, (uint32_t)i) : 0;
        if (rt > 0) { /* entered from outside the profile */
            module *md = &x->mods[x->fmod[i]];
            md->incl_exact += rt;
            md->root += rt;
            /* A recursive root's share is an estimate (cc-weighted). */
            if (x->in_start[i] != x->in_start[i + 1])
                md->dirty = 1;
        }
    }
    return 0;
}

/* Step 4: an entry edge is exact when its caller cannot run while the
 * module is active (is not reachable from it); a module with an entry
 * that is not is estimated from the call tree. Entries are grouped by
 * module (counting sort) so each module's reach is walked once. */
static int mark_exactness(ctx *x)
{
    size_t nf = x->nf, nm = x->nmods;
    uint32_t *seen = calloc(nf ? nf : 1, sizeof *seen);
    uint32_t *stack = malloc((nf ? nf : 1) * sizeof *stack);
    size_t *first = calloc(nm + 1, sizeof *first);
    size_t *byent = malloc((x->nent ? x->nent : 1) * sizeof *byent);
    size_t *ffirst = calloc(nm + 1, sizeof *ffirst);
    uint32_t *byfun = malloc((nf ? nf : 1) * sizeof *byfun);
    uint32_t *top = calloc(nm ? nm : 1, sizeof *top);
    int rc = -1;
    if (!seen || !stack || !first || !byent || !ffirst || !byfun || !top)
        goto done;
    /* Entries and functions grouped by module (counting sorts), and each
     * module's highest component number. */
    for (size_t k = 0; k < x->nent; k++)
        first[x->ent[k].mod + 1]++;
    for (size_t i = 0; i < nf; i++)
        if (x->fmod[i] != UINT32_MAX)
            ffirst[x->fmod[i] + 1]++;
    for (size_t m = 0; m < nm; m++) {
        first[m + 1] += first[m];
        ffirst[m + 1] += ffirst[m];
    }
    for (size_t k = 0; k < x->nent; k++)
        byent[first[x->ent[k].mod]++] = k;
    for (size_t i = 0; i < nf; i++)
        if (x->fmod[i] != UINT32_MAX) {
            uint32_t m = x->fmod[i];
            byfun[ffirst[m]++] = (uint32_t)i;
            if (x->scc[i] + 1 > top[m])
                top[m] = x->scc[i] + 1; /* 0: no function */
        }
    for (size_t m = nm; m > 0; m--) { /* back to starts */
        first[m] = first[m - 1];
        ffirst[m] = ffirst[m - 1];
    }
    first[0] = ffirst[0] = 0;
    /* Time that may enter through a shared built-in's callback makes the
     * figure an estimate, unless it is too small to change what is shown
     * (0.05 % of the module's time). */
    for (uint32_t m = 0; m < nm; m++)
        if (x->mods[m].unsure > 5e-4 * (x->mods[m].incl_exact +
                                        x->mods[m].self))
            x->mods[m].dirty = 1;
    for (uint32_t m = 0; m < nm; m++) {
        if (first[m] == first[m + 1])
            continue; /* never entered from another module */
        /* A caller numbered above all of m's functions cannot be reached
         * from them; only the others need the walk. */
        uint32_t floor = UINT32_MAX;
        for (size_t i = first[m]; i < first[m + 1]; i++) {
            uint32_t c = x->scc[x->ent[byent[i]].caller];
            if (c < top[m] && c < floor)
                floor = c;
        }
        if (floor != UINT32_MAX)
            reach(x, byfun + ffirst[m], ffirst[m + 1] - ffirst[m], floor,
                  seen, m + 1, stack);
        for (size_t i = first[m]; i < first[m + 1]; i++) {
            entry_acc *en = &x->ent[byent[i]];
            if (floor != UINT32_MAX && seen[en->caller] == m + 1)
                en->dirty = 1;
            x->mods[m].incl_exact += en->ct;
            x->mods[m].dirty |= en->dirty;
        }
    }
    rc = 0;
done:
    free(seen);
    free(stack);
    free(first);
    free(byent);
    free(ffirst);
    free(byfun);
    free(top);
    return rc;
}

/* Step 5: for estimated modules, inclusive time per module and per entry
 * from the call tree: a node in M with no ancestor in M enters M, from
 * the parent node's place. */
static int tree_estimates(ctx *x)
{
    int any = 0;
    for (size_t m = 0; m < x->nmods; m++)
        any |= x->mods[m].dirty;
    if (!any)
        return 0;
    for (size_t i = 0; i < x->ntree; i++) {
        uint32_t m = x->tmod[i];
        size_t p = x->tree[i].parent;
        int inside = 0;
        for (size_t q = p; q != SIZE_MAX; q = x->tree[q].parent)
            if (x->tmod[q] == m) {
                inside = 1;
                break;
            }
        if (inside)
            continue;
        x->mods[m].incl_tree += x->tree[i].time_s;
        if (p == SIZE_MAX)
            continue;
        uint32_t pf = x->tfun[p];
        int via = x->fmod[pf] == UINT32_MAX && x->omulti[pf];
        entry_acc *en = entry_for(x, m, via ? pf : place_of(x, pf));
        if (en == NULL)
            return -1;
        en->tree += x->tree[i].time_s;
        en->via |= via;
    }
    return 0;
}

static double share_of(double v, double total)
{
    double s = total > 0 ? v / total : 0;
    return s < 0 ? 0 : s > 1 ? 1 : s;
}

/* "views.py:report" for the app's and libraries' functions. */
static char *func_label(const ctx *x, arena *a, const pr_func_key *k)
{
    if (pr__is_builtin(k))
        return node_label(x, a, k);
    return place_name(x, a, k, 0);
}

/* Step 6: the module rows, by own time, each with its heaviest
 * functions. */
static int out_modules(ctx *x, arena *a, pr_attribution *out)
{
    size_t nm = x->nmods, nf = x->nf;
    pr_module_row *mods = arena_alloc(a, (nm ? nm : 1) * sizeof *mods);
    pr_func_share *tops = arena_alloc(a, (nm ? nm : 1) * 5 * sizeof *tops);
    double *v = malloc((nf ? nf : 1) * sizeof *v);
    size_t *order = malloc((nf ? nf : 1) * sizeof *order);
    uint32_t *row_of = malloc((nm ? nm : 1) * sizeof *row_of);
    int rc = -1;
    if (!mods || !tops || !v || !order || !row_of)
        goto done;
    size_t n = 0;
    for (size_t m = 0; m < nm; m++) {
        module *md = &x->mods[m];
        row_of[m] = UINT32_MAX;
        pr_module_row *r = &mods[n];
        memset(r, 0, sizeof *r);
        r->kind = md->kind;
        r->self_s = md->self;
        r->self_estimated = md->split > 1e-3 * x->total;
        r->estimated = md->dirty;
        r->inclusive_s = md->dirty ? md->incl_tree : md->incl_exact;
        if (r->inclusive_s < r->self_s)
            r->inclusive_s = r->self_s;
        r->calls = md->calls;
        /* The root's cumtime can exceed the sum of tottimes by timer
         * granularity: shares are capped at 1. */
        r->self_share = share_of(r->self_s, x->total);
        r->inclusive_share = share_of(r->inclusive_s, x->total);
        if (r->self_s == 0 && r->inclusive_s == 0 && r->calls == 0)
            continue;
        if ((r->name = arena_strdup(a, md->name)) == NULL)
            goto done;
        r->top = &tops[n * 5];
        row_of[m] = (uint32_t)n++;
    }
    /* Heaviest functions first, dealt to their modules, five each. */
    for (size_t i = 0; i < nf; i++)
        v[i] = x->own_fn[i];
    if (pr__rank_desc(v, nf, order) != 0)
        goto done;
    for (size_t k = 0; k < nf; k++) {
        uint32_t f = (uint32_t)order[k];
        if (x->own_fn[f] <= 0)
            break;
        uint32_t row = row_of[owner_module(x, f)];
        if (row == UINT32_MAX || mods[row].ntop >= 5)
            continue;
        pr_func_share *fs = &tops[row * 5 + mods[row].ntop];
        fs->key = x->names->keys[x->t->f[f].fid];
        if (arena_copy_key(a, &fs->key) != 0 ||
            (fs->label = func_label(x, a, &fs->key)) == NULL)
            goto done;
        fs->own_s = x->own_fn[f];
        fs->share = share_of(fs->own_s, x->total);
        fs->estimated = x->split_fn[f] > 1e-3 * x->total;
        mods[row].ntop++;
    }
    pr__qsort(mods, n, sizeof *mods, cmp_mod_own);
    out->modules = mods;
    out->nmodules = n;
    rc = 0;
done:
    free(v);
    free(order);
    free(row_of);
    return rc;
}

/* "flask, mongomock": the modules a shared built-in works for. */
static char *owner_modules(const ctx *x, arena *a, uint32_t f)
{
    const char *seen[4];
    size_t n = 0, len = 0;
    for (uint32_t j = 0; j < x->olen[f] && n < 4; j++) {
        const char *name = x->mods[owner_module(x, x->pool[x->ostart[f] + j].f)].name;
        int dup = 0;
        for (size_t i = 0; i < n; i++)
            dup |= strcmp(seen[i], name) == 0;
        if (!dup) {
            seen[n++] = name;
            len += strlen(name) + 2;
        }
    }
    char *s = arena_alloc(a, len + 8);
    if (s == NULL)
        return NULL;
    s[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            strcat(s, ", ");
        strcat(s, seen[i]);
    }
    if (n == 4)
        strcat(s, ", ...");
    return s;
}

/* Strings the entry rows share: one copy of each module's name and of
 * each caller's place, however many entries name them (a huge profile
 * has a million entries and a few hundred modules). */
typedef struct entry_names {
    const char **module;  /* per module id */
    const char **place;   /* per function index: place_name */
    const char **label;   /* per function index, for via: node_label */
    const char **owners;  /* per function index, for via: owner_modules */
} entry_names;

static const char *module_name(ctx *x, arena *a, entry_names *en, uint32_t m)
{
    if (en->module[m] == NULL)
        en->module[m] = arena_strdup(a, x->mods[m].name);
    return en->module[m];
}

/* The entry's time: from the call tree when the module was estimated
 * and this edge may run inside it; else the edge's own. */
static double entry_time(const ctx *x, const entry_acc *en)
{
    return en->dirty && x->mods[en->mod].dirty ? en->tree : en->ct;
}

static int entry_kept(const ctx *x, const entry_acc *en)
{
    return !(entry_time(x, en) <= 0 && en->calls == 0);
}

/* The names of the entries kept, each made once: a place per caller
 * (with its line when another function of that file has its name), or
 * a label and owners for a caller that works for several modules. */
static int entry_strings(ctx *x, arena *a, entry_names *names)
{
    const ftable *t = x->t;
    u64map same; /* how many functions share each (file, name) */
    memset(&same, 0, sizeof same);
    int rc = -1;
    for (size_t i = 0; i < x->nf; i++) {
        uint32_t *count = u64map_ref(&same, file_name_hash(
                              &x->names->keys[t->f[i].fid]), 0);
        if (count == NULL)
            goto done;
        (*count)++;
    }
    for (size_t k = 0; k < x->nent; k++) {
        const entry_acc *en = &x->ent[k];
        if (!entry_kept(x, en))
            continue;
        uint32_t c = en->caller;
        const pr_func_key *pk = &x->names->keys[t->f[c].fid];
        if (module_name(x, a, names, en->mod) == NULL)
            goto done;
        if (en->via) {
            if (names->label[c] == NULL &&
                (names->label[c] = node_label(x, a, pk)) == NULL)
                goto done;
            if (names->owners[c] == NULL &&
                (names->owners[c] = owner_modules(x, a, c)) == NULL)
                goto done;
        } else {
            if (names->place[c] == NULL &&
                (names->place[c] = place_name(
                     x, a, pk,
                     u64map_get(&same, file_name_hash(pk), 0, 0, NULL) >
                         1)) == NULL)
                goto done;
            if (module_name(x, a, names, x->eff[c]) == NULL)
                goto done;
        }
    }
    rc = 0;
done:
    u64map_free(&same);
    return rc;
}

/* Step 7: the entry points, heaviest first. A huge profile has a million:
 * their names are made first, and the accumulators go before the rows
 * are sorted, so that names, accumulators, rows and the sort's scratch
 * are never all held at once. */
static int out_entries(ctx *x, arena *a, pr_attribution *out)
{
    size_t ne = 0, nf = x->nf ? x->nf : 1;
    for (size_t k = 0; k < x->nent; k++)
        ne += entry_kept(x, &x->ent[k]);
    entry_names names;
    names.module = calloc(x->nmods ? x->nmods : 1, sizeof *names.module);
    names.place = calloc(nf, sizeof *names.place);
    names.label = calloc(nf, sizeof *names.label);
    names.owners = calloc(nf, sizeof *names.owners);
    pr_entry_point_row *ents = NULL;
    int rc = -1;
    if (!names.module || !names.place || !names.label || !names.owners ||
        entry_strings(x, a, &names) != 0 ||
        (ents = arena_alloc(a, (ne ? ne : 1) * sizeof *ents)) == NULL)
        goto done;
    ne = 0;
    for (size_t k = 0; k < x->nent; k++) {
        const entry_acc *en = &x->ent[k];
        if (!entry_kept(x, en))
            continue;
        pr_entry_point_row *r = &ents[ne++];
        memset(r, 0, sizeof *r);
        uint32_t c = en->caller;
        r->module = names.module[en->mod];
        if (en->via) {
            r->entered_from = names.label[c];
            r->via_callers = names.owners[c];
            r->caller_module = r->via_callers;
        } else {
            r->entered_from = names.place[c];
            r->caller_module = names.module[x->eff[c]];
        }
        r->estimated = en->dirty && x->mods[en->mod].dirty;
        r->inclusive_s = entry_time(x, en);
        r->share = share_of(r->inclusive_s, x->total);
        r->calls = en->calls;
    }
    free(x->ent);
    x->ent = NULL;
    x->nent = x->capent = 0;
    pr__qsort(ents, ne, sizeof *ents, cmp_entry);
    out->entries = ents;
    out->nentries = ne;
    rc = 0;
done:
    free(names.module);
    free(names.place);
    free(names.label);
    free(names.owners);
    return rc;
}

/* Step 8: chains, module <- caller module <- the heaviest entry's caller
 * module above it ..., stopping at a repeat, at a module entered mostly
 * as the profile's root (werkzeug's runapp), and at an entry through a
 * shared built-in (which caller made those calls is not known). */
static int out_chains(ctx *x, arena *a, pr_attribution *out)
{
    pr_entry_point_row *ents = (pr_entry_point_row *)out->entries;
    size_t ne = out->nentries;
    const pr_entry_point_row **up = calloc(x->nmods ? x->nmods : 1, sizeof *up);
    if (up == NULL)
        return -1;
    for (size_t k = 0; k < ne; k++) {
        uint32_t m = mod_by_name(x, ents[k].module);
        if (m != UINT32_MAX && up[m] == NULL)
            up[m] = &ents[k];
    }
    /* Past its first step a chain depends on names only: entries with
     * the same module and caller module share one string. */
    u64map seen;
    memset(&seen, 0, sizeof seen);
    const char **made = NULL;
    size_t nmade = 0, capmade = 0;
    int rc = -1;
    for (size_t k = 0; k < ne; k++) {
        uint64_t key = UINT64_MAX;
        if (ents[k].via_callers == NULL) {
            uint32_t m1 = mod_by_name(x, ents[k].module),
                     m2 = mod_by_name(x, ents[k].caller_module);
            if (m1 != UINT32_MAX && m2 != UINT32_MAX)
                key = (uint64_t)m1 << 32 | m2;
        }
        if (key != UINT64_MAX) {
            uint32_t i = u64map_find(&seen, key);
            if (i != UINT32_MAX) {
                ents[k].chain = made[i];
                continue;
            }
        }
        const char *seq[CHAIN_MAX];
        size_t ns = 0;
        seq[ns++] = ents[k].module;
        const pr_entry_point_row *at = &ents[k];
        while (ns < CHAIN_MAX && at != NULL) {
            const char *cur = at->via_callers != NULL ? at->entered_from
                                                      : at->caller_module;
            int rep = 0;
            for (size_t i = 0; i < ns; i++)
                rep |= strcmp(seq[i], cur) == 0;
            if (rep)
                break;
            seq[ns++] = cur;
            if (at->via_callers != NULL)
                break;
            uint32_t m = mod_by_name(x, cur);
            const pr_entry_point_row *via = m != UINT32_MAX ? up[m] : NULL;
            at = via != NULL && x->mods[m].root < via->inclusive_s ? via : NULL;
        }
        size_t len = 0;
        for (size_t i = 0; i < ns; i++)
            len += strlen(seq[i]) + 4;
        char *s = arena_alloc(a, len + 1);
        if (s == NULL)
            goto done;
        s[0] = '\0';
        for (size_t i = 0; i < ns; i++) {
            if (i > 0)
                strcat(s, " <- ");
            strcat(s, seq[i]);
        }
        ents[k].chain = s;
        if (key == UINT64_MAX)
            continue;
        if (nmade == capmade) {
            size_t cap = capmade ? capmade * 2 : 64;
            const char **v = realloc(made, cap * sizeof *v);
            if (v == NULL)
                goto done;
            made = v;
            capmade = cap;
        }
        if (u64map_get(&seen, key, 1, (uint32_t)nmade, NULL) == UINT32_MAX)
            goto done;
        made[nmade++] = s;
    }
    rc = 0;
done:
    free(up);
    free(made);
    u64map_free(&seen);
    return rc;
}

/* Step 9: the displayed tree, nodes at or above the cut-off, pre-order. */
static int out_tree(ctx *x, arena *a, pr_attribution *out)
{
    double cut = x->c->opts->tree_min_share > 0 ? x->c->opts->tree_min_share
                                                : 0.01;
    pr_tree_node *nodes = arena_alloc(a, (x->ntree ? x->ntree : 1) *
                                             sizeof *nodes);
    size_t *newidx = malloc((x->ntree ? x->ntree : 1) * sizeof *newidx);
    if (nodes == NULL || newidx == NULL) {
        free(newidx);
        return -1;
    }
    size_t nn = 0, hidden = x->hidden;
    for (size_t i = 0; i < x->ntree; i++) {
        pr_tree_node n = x->tree[i];
        size_t p = n.parent;
        newidx[i] = SIZE_MAX;
        if (n.time_s < cut * x->total ||
            (p != SIZE_MAX && newidx[p] == SIZE_MAX)) {
            hidden++;
            continue;
        }
        /* One base for every share: a root's cumtime can pass the total
         * of own times by the timer's granularity. */
        if (n.time_s > x->total)
            n.time_s = x->total;
        uint32_t m = x->tmod[i];
        n.module = m < x->nmods ? arena_strdup(a, x->mods[m].name) : "";
        n.kind = m < x->nmods ? x->mods[m].kind : PR_MOD_BUILTIN;
        n.label = node_label(x, a, &n.key);
        if (n.module == NULL || n.label == NULL ||
            arena_copy_key(a, &n.key) != 0) {
            free(newidx);
            return -1;
        }
        n.parent = p == SIZE_MAX ? SIZE_MAX : newidx[p];
        newidx[i] = nn;
        nodes[nn++] = n;
    }
    free(newidx);
    out->tree.nodes = nodes;
    out->tree.nnodes = nn;
    out->tree.hidden_nodes = hidden;
    out->tree.total_s = x->total;
    return 0;
}

static pr_status attribute(const mod_config *c, const functab *names,
                           const ftable *t, arena *a, pr_attribution *out)
{
    ctx x;
    memset(&x, 0, sizeof x);
    memset(out, 0, sizeof *out);
    x.c = c;
    x.names = names;
    x.t = t;
    x.nf = t->nf;
    pr_status st = PR_ERR_NOMEM;
    if (classify_all(&x) != 0)
        goto done;
    /* mod_attribute has made every edge's ends functions of this table;
     * an edge that is not would index past the arrays below. */
    for (size_t i = 0; i < t->ne; i++)
        if (x.idx[t->e[i].caller] == UINT32_MAX ||
            x.idx[t->e[i].callee] == UINT32_MAX) {
            st = PR_ERR_NOT_STATS;
            goto done;
        }
    if (adjacency(&x) != 0 || components(&x) != 0 || owners(&x) != 0 ||
        charge(&x) != 0)
        goto done;
    effective_modules(&x);
    own_times(&x);
    if (collect_entries(&x) != 0 || mark_exactness(&x) != 0 ||
        build_tree(&x) != 0 || tree_estimates(&x) != 0)
        goto done;
    /* The graph and the map of entries go before the rows. */
    drop_graph(&x);
    if (out_modules(&x, a, out) != 0 || out_entries(&x, a, out) != 0 ||
        out_chains(&x, a, out) != 0 || out_tree(&x, a, out) != 0)
        goto done;
    out->total_s = x.total;
    st = PR_OK;
done:
    ctx_free(&x);
    return st;
}

/* Whether some edge has an end that is not a function of t (1), or
 * memory ran out (-1). By marks over the names, not t's map: that map
 * may have been dropped (pr_agg_compact). */
static int has_loose_edges(const functab *names, const ftable *t)
{
    uint8_t *is_fn = calloc(names->n ? names->n : 1, 1);
    if (is_fn == NULL)
        return -1;
    for (size_t i = 0; i < t->nf; i++)
        is_fn[t->f[i].fid] = 1;
    int loose = 0;
    for (size_t i = 0; i < t->ne && !loose; i++)
        loose = !is_fn[t->e[i].caller] || !is_fn[t->e[i].callee];
    free(is_fn);
    return loose;
}

/* A stats dict may name a caller that has no entry of its own (pstats
 * takes such files; cProfile itself does not write them). The attribution
 * needs every edge's ends as functions: it runs on a copy of t where such
 * callers are functions with no time and no calls. t itself, and so the
 * function table that matches pstats, is left as it is. */
pr_status mod_attribute(const mod_config *c, const functab *names,
                        const ftable *t, arena *a, pr_attribution *out)
{
    int loose = has_loose_edges(names, t);
    if (loose < 0) {
        memset(out, 0, sizeof *out);
        return PR_ERR_NOMEM;
    }
    if (!loose)
        return attribute(c, names, t, a, out);
    ftable full;
    memset(&full, 0, sizeof full);
    pr_status st = ftable_merge(&full, t, NULL);
    for (size_t i = 0; i < t->ne && st == PR_OK; i++) {
        if ((st = ftable_add_func(&full, t->e[i].caller, 0, 0, 0, 0)) == PR_OK)
            st = ftable_add_func(&full, t->e[i].callee, 0, 0, 0, 0);
    }
    if (st == PR_OK)
        st = attribute(c, names, &full, a, out);
    else
        memset(out, 0, sizeof *out);
    ftable_free(&full);
    return st;
}

/* One profile on its own: the same attribution as a report's, so that a
 * request's own time per module is what the report would say for it. */
pr_status pr__profile_own(const mod_config *c, const pr_profile *p,
                          pr__own_fn fn, void *arg)
{
    functab names;
    ftable t;
    arena a;
    functab_init(&names);
    memset(&t, 0, sizeof t);
    arena_init(&a);
    pr_status st = PR_OK;
    for (size_t i = 0; i < pr_profile_count(p) && st == PR_OK; i++) {
        const pr_entry *e = pr_profile_entry(p, i);
        uint32_t fid = functab_intern(&names, &e->key);
        if (fid == UINT32_MAX) {
            st = PR_ERR_NOMEM;
            break;
        }
        st = ftable_add_func(&t, fid, e->cc, e->nc, e->tt, e->ct);
        for (size_t j = 0; j < e->ncallers && st == PR_OK; j++) {
            const pr_caller *cl = &e->callers[j];
            uint32_t cid = functab_intern(&names, &cl->key);
            st = cid == UINT32_MAX
                     ? PR_ERR_NOMEM
                     : ftable_add_edge(&t, cid, fid, cl->nc, cl->cc, cl->tt,
                                       cl->ct, cl->count_only);
        }
    }
    pr_attribution out;
    if (st == PR_OK)
        st = mod_attribute(c, &names, &t, &a, &out);
    for (size_t i = 0; st == PR_OK && i < out.nmodules; i++)
        if (fn(arg, out.modules[i].name, out.modules[i].self_s) != 0)
            st = PR_ERR_NOMEM;
    arena_free(&a);
    ftable_free(&t);
    functab_free(&names);
    return st;
}
