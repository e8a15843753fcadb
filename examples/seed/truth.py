#!/usr/bin/python3
"""Ground truth for the seed incident, computed with pstats alone.

Usage:
    /usr/bin/python3 examples/seed/truth.py [DIR]    (default examples/profiles)

Loads every *.prof file in DIR (sorted by name) with pstats and reports:

  total     the request time: cumtime of werkzeug's ProfilerMiddleware root,
            werkzeug/middleware/profiler.py:runapp, summed over the files
            (one file = one request).
  db calls  every caller edge whose caller is a function of
            flask_session/sessions.py and whose callee is a function of the
            database package (mongomock, or pymongo if it were the real
            driver): ncalls and cumtime as pstats records them on that edge,
            i.e. stats[callee][4][caller] = (cc, nc, tt, ct).  Summed per
            calling function (open_session, save_session) and per callee.
  share     db cumtime / total.

Both per request group (the view function that flask's dispatch_request
called, i.e. the endpoint) and for the whole directory.  These are the
numbers profreport's Findings must reproduce.
"""
import glob
import os
import pstats
import sys

DB_PACKAGES = ("mongomock", "pymongo")
FROM_FILE = "flask_session/sessions.py"


def package_of(filename):
    """Top-level package directory of a module path, e.g. 'mongomock'."""
    parts = filename.replace("\\", "/").split("/")
    for marker in ("dist-packages", "site-packages"):
        if marker in parts:
            i = parts.index(marker)
            return parts[i + 1] if i + 1 < len(parts) else ""
    return ""


def label(func):
    filename, line, name = func
    short = filename.split("dist-packages/")[-1]
    return "%s:%d(%s)" % (short, line, name)


def analyse(path):
    st = pstats.Stats(path).stats
    roots = [f for f in st if f[2] == "runapp"
             and f[0].endswith("werkzeug/middleware/profiler.py")]
    if len(roots) != 1:
        sys.exit("%s: expected one werkzeug runapp root, found %d"
                 % (path, len(roots)))
    total = st[roots[0]][3]
    view = "?"
    for func, (_, _, _, _, callers) in st.items():
        if func[0].endswith("examples/seed/app.py") and any(
                c[2] == "dispatch_request" and c[0].endswith("flask/app.py")
                for c in callers):
            view = func[2]
    edges = {}   # (caller, callee) -> [ncalls, cumtime]
    for callee, (_, _, _, _, callers) in st.items():
        if package_of(callee[0]) not in DB_PACKAGES:
            continue
        for caller, (_, nc, _, ct) in callers.items():
            if caller[0].endswith(FROM_FILE):
                e = edges.setdefault((caller, callee), [0, 0.0])
                e[0] += nc
                e[1] += ct
    return view, total, edges


def main():
    d = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "profiles")
    files = sorted(glob.glob(os.path.join(d, "*.prof")))
    if not files:
        sys.exit("no .prof files in %s" % d)

    groups = {}      # view -> [requests, total, db, [shares]]
    all_edges = {}
    total = db = 0.0
    for f in files:
        view, t, edges = analyse(f)
        e_db = sum(ct for _, ct in edges.values())
        g = groups.setdefault(view, [0, 0.0, 0.0, []])
        g[0] += 1
        g[1] += t
        g[2] += e_db
        g[3].append(e_db / t)
        total += t
        db += e_db
        for k, (nc, ct) in edges.items():
            a = all_edges.setdefault(k, [0, 0.0])
            a[0] += nc
            a[1] += ct

    print("%d request files in %s" % (len(files), os.path.normpath(d)))
    print("total request time (sum of runapp cumtime): %.6f s" % total)
    print("time in %s entered from %s: %.6f s = %.2f%%"
          % ("/".join(DB_PACKAGES), FROM_FILE, db, 100 * db / total))
    print()
    print("by calling function (caller -> db callee: ncalls, cumtime, "
          "share of total):")
    by_caller = {}
    for (caller, callee), (nc, ct) in sorted(all_edges.items()):
        c = by_caller.setdefault(caller, [0, 0.0])
        c[0] += nc
        c[1] += ct
    for caller, (nc, ct) in sorted(by_caller.items(), key=lambda x: -x[1][1]):
        print("  %-48s %5d calls %11.6f s %6.2f%%"
              % (label(caller), nc, ct, 100 * ct / total))
        for (cr, callee), (enc, ect) in sorted(all_edges.items(),
                                               key=lambda x: -x[1][1]):
            if cr == caller:
                print("    -> %-44s %5d calls %11.6f s %6.2f%%"
                      % (label(callee), enc, ect, 100 * ect / total))
    print()
    print("by endpoint (view): requests, request time, db time, share "
          "(overall, min..max per request):")
    for view, (n, t, e_db, shares) in sorted(groups.items(),
                                             key=lambda x: -x[1][1]):
        print("  %-10s %3d  %10.6f s  %10.6f s  %6.2f%%  (%.2f..%.2f%%)"
              % (view, n, t, e_db, 100 * e_db / t,
                 100 * min(shares), 100 * max(shares)))


if __name__ == "__main__":
    main()
