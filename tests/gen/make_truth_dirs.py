#!/usr/bin/python3
"""Write a werkzeug profile directory of tests/gen/layersapp.py and its truth.

Usage (any Python 3.8+ that can import Debian's Flask, e.g.
PYTHONPATH=/usr/lib/python3/dist-packages /usr/bin/pypy3 ...):

    PYTHON tests/gen/make_truth_dirs.py OUTDIR TRUTH.json
        [--requests N] [--seed S] [--decimal] [--not-found K] [--tail]
        [--gzip]

Serves layersapp (see its docstring) behind the real
werkzeug.middleware.profiler.ProfilerMiddleware(profile_dir=OUTDIR,
stream=None) through app.test_client() and writes TRUTH.json:

  per file (werkzeug's own name for it):
    method, path, elapsed_ms, time   the values werkzeug formatted the name
                                     from (recorded by a str subclass whose
                                     format() werkzeug calls; the name is
                                     still werkzeug's str.format)
    endpoint, endpoint_label         the view (null for a 404) and its label
                                     as profreport shows it, name (file:line)
    profiled_s                       cumtime of werkzeug's runapp, by pstats
    measured                         view_s, db_s, engine_s, filters_s:
                                     time.perf_counter inside the request
    own_s                            own time per module from the measured
                                     durations (see layersapp.py)
    pstats_own_s                     own time per module by pstats alone
                                     (reference_own(): an independent
                                     estimate, also for flask, werkzeug...)
  and modules: which module is the app, the database client, the template
  engine.

Requests: N (default 24): /ping, /report, then drawn with
random.Random(S) (default 11), about half /report, the rest /ping; with
--decimal also /balance/<n> and /v1.2/items/<n> (once each first, then
40 % and 30 %; /report 10 %) and werkzeug's filename_format
"{method}.{path}.{elapsed:.3f}ms.{time:.6f}.prof".  K (default 0) requests
for a page that does not exist are mixed in.  With --tail: /ping,
/report, then N /lookup/<k> of which every 8th misses the cache (a
mongomock scan): the slow-versus-typical test's truth.  --gzip
compresses each profile afterwards (NAME.prof.gz, the key in the truth;
profreport reads them as they are).  Two requests that get the
same name overwrite each other, as in production; the truth keeps the
request whose profile is on disk.

Before writing, the truth is checked against the profiles: per request,
pstats_own_s of the app must agree with the measured figure within 1 ms +
5 %, and the sum of the database client's and the template engine's within
2 ms + 5 % (pstats_own_s splits standard-library time that both call by
the edges' cumulative times, an estimate that a garbage collection pause
can skew by a few ms between the two).  A run that fails this (a busy
machine, a pause between a function's call and its first statement, where
the view cannot measure it) is removed and made again, up to 5 times.
OUTDIR must not hold .prof files already.

The committed directories are made by tests/gen/make_truth_fixtures.sh.
"""
import argparse
import gzip
import json
import os
import platform
import pstats
import random
import sys
import sysconfig
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True

from werkzeug.middleware.profiler import ProfilerMiddleware  # noqa: E402

import layersapp  # noqa: E402

DECIMAL_FORMAT = "{method}.{path}.{elapsed:.3f}ms.{time:.6f}.prof"
DEFAULT_FORMAT = "{method}.{path}.{elapsed:.0f}ms.{time:.0f}.prof"
ATTEMPTS = 5
MODULES = {"app": "layersapp", "db": "mongomock", "engine": "jinja2"}


class RecordingFormat(str):
    """A filename_format that remembers what werkzeug formats it with.

    ProfilerMiddleware calls self._filename_format.format(method=...,
    path=..., elapsed=..., time=...) when the format is not callable; a str
    subclass is not, so werkzeug's own values pass through here."""

    def __new__(cls, fmt):
        obj = str.__new__(cls, fmt)
        obj.calls = []
        return obj

    def format(self, *args, **kw):
        name = str.format(self, *args, **kw)
        self.calls.append(dict(kw, name=name))
        return name


def requests_for(rng, n, decimal, not_found, tail=False):
    """/ping first (its lazy import), one of each route, then at random."""
    out = ["/ping", "/report"]
    if tail:  # every 8th a miss: k % 8 == 0
        out += ["/lookup/%d" % (8 * rng.randrange(1, 125) + (i % 8 != 3) *
                                rng.randrange(1, 8)) for i in range(n)]
        n = len(out)
    if decimal:
        out += ["/balance/%d" % rng.randrange(1, 40),
                "/v1.2/items/%d" % rng.randrange(1, 120)]
    while len(out) < n:
        x = rng.random()
        if decimal and x < 0.4:
            out.append("/balance/%d" % rng.randrange(1, 40))
        elif decimal and x < 0.7:
            out.append("/v1.2/items/%d" % rng.randrange(1, 120))
        elif x < (0.8 if decimal else 0.5):
            out.append("/report")
        else:
            out.append("/ping")
    for k in range(not_found):
        out.insert(rng.randrange(1, len(out)), "/no/such/page-%d" % k)
    return out


def is_app(filename):
    return os.path.abspath(filename) == os.path.abspath(layersapp.__file__)


def pstats_figures(path):
    """profiled_s (runapp cumtime) and reference_own() of one profile."""
    st = pstats.Stats(path).stats
    roots = [f for f in st if f[2] == "runapp"
             and f[0].endswith("werkzeug/middleware/profiler.py")]
    if len(roots) != 1:
        sys.exit("%s: expected one werkzeug runapp, found %d"
                 % (path, len(roots)))
    return st[roots[0]][3], reference_own(st)


STDLIB_DIRS = tuple(os.path.realpath(p) + os.sep for p in {
    sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"]})
PSEUDO_STDLIB = ("<frozen ", "<builtin>/", "<string>")


def module_of(filename):
    """The module a function's own time belongs to; None for built-ins and
    standard-library code (charged to their callers)."""
    if filename == "~" or filename.startswith(PSEUDO_STDLIB):
        return None
    if filename == "<template>":
        return MODULES["engine"]  # jinja2's compiled template code
    if is_app(filename):
        return MODULES["app"]
    parts = filename.split("/")
    for marker in ("dist-packages", "site-packages"):
        if marker in parts:
            top = parts[parts.index(marker) + 1]
            return top[:-3] if top.endswith(".py") else top
    if os.path.realpath(filename).startswith(STDLIB_DIRS):
        return None
    return "?" + filename


def reference_own(st):
    """Own time per module by pstats alone, built-ins and standard-library
    code charged to their callers: a charged function's tottime goes to
    each direct caller by that edge's tottime (exact, as cProfile records
    it); where that caller is charged too, on to its callers in proportion
    to their edges' cumtime (an estimate, solved as a fixed point so that
    recursion in the standard library is no problem)."""
    mod = {f: module_of(f[0]) for f in st}
    charged = [f for f in st if mod[f] is None]
    share = {f: {} for f in charged}  # owner module -> fraction
    for _ in range(100):
        for f in charged:
            callers = {c: e for c, e in st[f][4].items()
                       if c != f and isinstance(e, tuple)}
            total = sum(e[3] for e in callers.values())
            out = {}
            for c, e in callers.items():
                w = e[3] / total if total > 0 else 1.0 / len(callers)
                src = {mod[c]: 1.0} if mod[c] is not None else share[c]
                for m, x in src.items():
                    out[m] = out.get(m, 0.0) + w * x
            share[f] = out
    own = {}
    for f, (_, _, tt, _, callers) in st.items():
        if mod[f] is not None:
            own[mod[f]] = own.get(mod[f], 0.0) + tt
            continue
        for c, e in callers.items():
            if not isinstance(e, tuple):
                continue
            src = {mod[c]: 1.0} if mod[c] is not None else share[c]
            for m, x in src.items():
                own[m] = own.get(m, 0.0) + e[2] * x
    return own


def view_label(app, endpoint):
    code = app.view_functions[endpoint].__code__
    return "%s (%s:%d)" % (endpoint, os.path.basename(code.co_filename),
                           code.co_firstlineno)


def own_times(m):
    return {
        MODULES["app"]: m["view_s"] - m["db_s"] - m["engine_s"]
        + m["filters_s"],
        MODULES["db"]: m["db_s"],
        MODULES["engine"]: m["engine_s"] - m["filters_s"],
    }


def run(args):
    fmt = RecordingFormat(DECIMAL_FORMAT if args.decimal else DEFAULT_FORMAT)
    app = layersapp.create_app()
    app.wsgi_app = ProfilerMiddleware(app.wsgi_app, profile_dir=args.outdir,
                                      stream=None, filename_format=fmt)
    client = app.test_client()
    # Warm up outside the profiler: mongomock's first query, jinja2's
    # imports (but not /ping: its first request imports inside the view).
    with app.test_client() as warm:
        plain = app.wsgi_app
        app.wsgi_app = plain._app
        for p in ("/report", "/balance/1", "/v1.2/items/1", "/lookup/8"):
            warm.get(p).close()
        app.wsgi_app = plain

    rng = random.Random(args.seed)
    files = {}
    bad = []
    for path in requests_for(rng, args.requests, args.decimal,
                             args.not_found, args.tail):
        layersapp.LAST.clear()
        resp = client.get(path)
        status = resp.status_code
        resp.close()
        rec = fmt.calls[-1]
        measured = dict(layersapp.LAST)
        endpoint = measured.pop("endpoint", None)
        prof = os.path.join(args.outdir, rec["name"])
        profiled, ref = pstats_figures(prof)
        entry = {
            "method": rec["method"],
            "path": rec["path"],
            "url": path,
            "status": status,
            "elapsed_ms": rec["elapsed"],
            "time": rec["time"],
            "endpoint": endpoint,
            "endpoint_label": view_label(app, endpoint) if endpoint else None,
            "profiled_s": profiled,
            "pstats_own_s": ref,
        }
        if endpoint:
            entry["measured"] = measured
            entry["own_s"] = own_times(measured)
            checks = [("app " + MODULES["app"], 0.001, 0.05),
                      ("libraries", 0.002, 0.05)]
            for what, abs_tol, rel_tol in checks:
                mods = ([MODULES["app"]] if what.startswith("app")
                        else [MODULES["db"], MODULES["engine"]])
                want = sum(entry["own_s"][m] for m in mods)
                got = sum(ref.get(m, 0.0) for m in mods)
                if abs(got - want) > abs_tol + rel_tol * want:
                    bad.append("%s: %s own %.6f s measured, %.6f s by "
                               "pstats" % (rec["name"], what, want, got))
        elif status != 404:
            sys.exit("%s: no view ran but status %d" % (path, status))
        files[rec["name"]] = entry  # a later request with the name wins
    return fmt, files, bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("outdir")
    ap.add_argument("truth")
    ap.add_argument("--requests", type=int, default=24)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--decimal", action="store_true",
                    help="name files with %s" % DECIMAL_FORMAT)
    ap.add_argument("--not-found", type=int, default=0, metavar="K")
    ap.add_argument("--gzip", action="store_true",
                    help="compress the profiles (.prof.gz)")
    ap.add_argument("--tail", action="store_true",
                    help="N requests of /lookup, every 8th a cache miss")
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    if any(f.endswith(".prof") for f in os.listdir(args.outdir)):
        sys.exit("%s already holds .prof files; remove them first"
                 % args.outdir)
    warnings.simplefilter("ignore", DeprecationWarning)

    for attempt in range(1, ATTEMPTS + 1):
        fmt, files, bad = run(args)
        on_disk = sorted(f for f in os.listdir(args.outdir)
                         if f.endswith(".prof"))
        if on_disk != sorted(files):
            sys.exit("files on disk and recorded names differ")
        if not bad:
            break
        for f in on_disk:
            os.unlink(os.path.join(args.outdir, f))
        sys.stderr.write("attempt %d: the measured truth does not match the "
                         "profiles:\n  %s\n" % (attempt, "\n  ".join(bad)))
    else:
        sys.exit("giving up after %d attempts" % ATTEMPTS)

    if args.gzip:
        for name in list(files):
            src = os.path.join(args.outdir, name)
            with open(src, "rb") as f:
                data = f.read()
            with open(src + ".gz", "wb") as raw:
                with gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                                   mtime=0) as z:
                    z.write(data)
            os.unlink(src)
            files[name + ".gz"] = files.pop(name)
    truth = {
        "generator": "tests/gen/make_truth_dirs.py",
        "python": "%s %s" % (platform.python_implementation(),
                             platform.python_version()),
        "name_format": str(fmt),
        "modules": MODULES,
        "requests_sent": len(fmt.calls),
        "tail": args.tail,
        "files": files,
    }
    tmp = args.truth + ".tmp.%d" % os.getpid()
    with open(tmp, "w") as f:
        json.dump(truth, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, args.truth)
    print("%s: %s, %d requests, %d files, %d bytes" % (
        args.outdir, truth["python"], len(fmt.calls), len(files),
        sum(os.path.getsize(os.path.join(args.outdir, n)) for n in files)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
