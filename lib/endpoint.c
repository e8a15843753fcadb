/* endpoint.c - which view served a request, and URL-pattern grouping.
 *
 * In a Flask profile the view is the function that Flask's
 * dispatch_request (flask/app.py) calls. Among its callees the one with
 * the most cumulative time on that edge is the view; the others are
 * plumbing (ensure_sync, LocalProxy access, raise_routing_exception for a
 * 404, which is why a 404 has no view).
 */
#include "endpoint.h"

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

static int is_builtin(const pr_func_key *k)
{
    return k->line == 0 && (k->file.len == 0 || name_is(k->file, "~"));
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
    return is_builtin(k) || contains(k->file, "/werkzeug/") ||
           (ends_with(k->file, "flask/app.py") && !name_is(k->name, "<lambda>"));
}

/* The callee of (a function in caller_file named caller_name) with the
 * most cumulative time on its edge, skipping plumbing. The callers are
 * looked for among the file's distinct keys once, not edge by edge. */
static const pr_func_key *callee_of(sview *v, const char *caller_file,
                                    const char *caller_name)
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
            if (plumbing(key))
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
    const pr_func_key *e = callee_of(v, "flask/app.py", "dispatch_request");
    if (e == NULL)
        return NULL;
    /* The static route's view is a lambda in flask/app.py that calls
     * send_static_file; class-based views go through View.as_view's
     * `view` closure to View.dispatch_request. Report what they wrap. */
    const pr_func_key *inner = NULL;
    if (ends_with(e->file, "flask/app.py"))
        inner = callee_of(v, "flask/app.py", "<lambda>");
    else if (ends_with(e->file, "flask/views.py"))
        inner = callee_of(v, "flask/views.py", "dispatch_request");
    return inner != NULL ? inner : e;
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
