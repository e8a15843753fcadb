/* endpoint.h - the view that served a request, and URL-pattern keys. */
#ifndef PR_ENDPOINT_H
#define PR_ENDPOINT_H

#include "stats.h"

/* The key of the view function Flask dispatched to, or NULL (not Flask,
 * or a routing error such as 404 raised before any view); it points into
 * v. Uses v->scratch. */
const pr_func_key *ep_find_view(sview *v);

/* Writes path (werkzeug's dotted form) with numeric, UUID and long hex
 * segments replaced by <int>, <uuid>, <hex>; NUL-terminated, truncated to
 * cap. Returns the length written. */
size_t ep_normalize_path(pr_str path, char *out, size_t cap);

#endif
