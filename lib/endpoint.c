/* endpoint.c - which view served a request, and URL-pattern grouping.
 *
 * In a Flask profile the view is the function that Flask's
 * dispatch_request (flask/app.py) calls. Among its callees the one with
 * the most cumulative time on that edge is the view; the others are
 * plumbing (ensure_sync, LocalProxy access, raise_routing_exception for a
 * 404, which is why a 404 has no view).
 *
 * A view is the application's own code. Under PyPy, functools.partial is
 * Python code (/usr/lib/pypy3.9/functools.py) that dispatch_request calls
 * through werkzeug's LocalProxy, often for longer than the view runs, and
 * a 404 has nothing else: a callee in the standard library, a library or
 * a pseudo-file (<frozen ...>, <builtin>/frozen ...) is never the view.
 * The exceptions are Flask's own wrappers, looked through below.
 */
#include "endpoint.h"
#include "modules.h"
#include "funckey.h"

#include <ctype.h>
#include <string.h>

static int ends_with(pr_str s, const char *suffix)
{
    size_t n = strlen(suffix);
    return s.len >= n && memcmp(s.ptr + s.len - n, suffix, n) == 0;
}

static int name_is(pr_str s, const char *name)
{
    size_t n = strlen(name);
    return s.len == n && memcmp(s.ptr, name, n) == 0;
}


static int contains(pr_str s, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= s.len; i++)
        if (memcmp(s.ptr + i, needle, n) == 0)
            return 1;
    return 0;
}

/* Framework plumbing that dispatch_request also calls: never a view. */
static int plumbing(const pr_func_key *k)
{
    return pr__is_builtin(k) || contains(k->file, "/werkzeug/") ||
           (ends_with(k->file, "flask/app.py") && !name_is(k->name, "<lambda>"));
}

/* The application's own code, as the module attribution classifies it
 * (with no --module-map: a view's file says what it is), and a real
 * file: a pseudo-file holds no view. */
static int app_code(const pr_func_key *k)
{
    if (k->file.len == 0 || k->file.ptr[0] == '<')
        return 0;
    static const pr_report_options none;
    mod_config c = {&none, ""};
    char module[256];
    return mod_classify(&c, k, module, sizeof module) == PR_MOD_APP;
}

/* Flask's wrappers around a view: the static route's lambda in
 * flask/app.py, and View.as_view's closure in flask/views.py. */
static int flask_wrapper(const pr_func_key *k)
{
    return (ends_with(k->file, "flask/app.py") && name_is(k->name, "<lambda>")) ||
           ends_with(k->file, "flask/views.py");
}

static int view_or_wrapper(const pr_func_key *k)
{
    return app_code(k) || flask_wrapper(k);
}

static int any_callee(const pr_func_key *k)
{
    (void)k;
    return 1;
}

/* The callee of (a function in caller_file named caller_name) with the
 * most cumulative time on its edge, among those `accept` takes, skipping
 * plumbing. The callers are looked for among the file's distinct keys
 * once, not edge by edge. */
static const pr_func_key *callee_of(sview *v, const char *caller_file,
                                    const char *caller_name,
                                    int (*accept)(const pr_func_key *))
{
    uint32_t *is_caller = v->scratch;
    for (size_t i = 0; i < v->nkeys; i++) {
        const pr_func_key *k = sview_key(v, (uint32_t)i);
        is_caller[i] = name_is(k->name, caller_name) &&
                       ends_with(k->file, caller_file);
    }
    const pr_func_key *best = NULL;
    double best_w = -1;
    for (size_t i = 0; i < v->n; i++) {
        const sentry *e = &v->entries[i];
        const pr_func_key *key = sview_key(v, e->key);
        for (size_t j = 0; j < e->ncallers; j++) {
            const scaller *c = &v->callers[e->first + j];
            if (!is_caller[c->key])
                continue;
            if (plumbing(key) || !accept(key))
                break;
            /* profile.py edges carry no time: use the callee's. */
            double w = c->count_only ? e->ct : c->ct;
            if (w > best_w) {
                best = key;
                best_w = w;
            }
        }
    }
    return best;
}

const pr_func_key *ep_find_view(sview *v)
{
    const pr_func_key *e =
        callee_of(v, "flask/app.py", "dispatch_request", view_or_wrapper);
    if (e == NULL || !flask_wrapper(e))
        return e;
    /* The static route's view is a lambda in flask/app.py that calls
     * Flask's send_static_file, the static endpoint's view. Class-based
     * views go through View.as_view's `view` closure to
     * View.dispatch_request and on to the method (MethodView), or to a
     * dispatch_request of the app's own. Report what they wrap, or no
     * view at all. */
    if (ends_with(e->file, "flask/app.py"))
        return callee_of(v, "flask/app.py", "<lambda>", any_callee);
    const pr_func_key *inner =
        callee_of(v, "flask/views.py", "dispatch_request", app_code);
    return inner != NULL ? inner
                         : callee_of(v, "flask/views.py", "view", app_code);
}

static int all_of(const char *s, size_t n, int (*pred)(int))
{
    for (size_t i = 0; i < n; i++)
        if (!pred((unsigned char)s[i]))
            return 0;
    return n > 0;
}

static int is_uuid(const char *s, size_t n)
{
    if (n != 36)
        return 0;
    for (size_t i = 0; i < n; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
            return 0;
    }
    return 1;
}

static int has_digit(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (isdigit((unsigned char)s[i]))
            return 1;
    return 0;
}

size_t ep_normalize_path(pr_str path, char *out, size_t cap)
{
    size_t o = 0;
    size_t i = 0;
    if (cap == 0)
        return 0;
    while (i <= path.len) {
        size_t j = i;
        while (j < path.len && path.ptr[j] != '.')
            j++;
        const char *seg = path.ptr + i;
        size_t n = j - i;
        const char *rep = NULL;
        if (all_of(seg, n, isdigit))
            rep = "<int>";
        else if (is_uuid(seg, n))
            rep = "<uuid>";
        else if (n >= 8 && all_of(seg, n, isxdigit) && has_digit(seg, n))
            rep = "<hex>";
        const char *src = rep ? rep : seg;
        size_t len = rep ? strlen(rep) : n;
        for (size_t k = 0; k < len && o + 1 < cap; k++)
            out[o++] = src[k];
        if (j < path.len && o + 1 < cap)
            out[o++] = '.';
        i = j + 1;
    }
    out[o] = '\0';
    return o;
}
