#!/usr/bin/python3
"""Reproduce the seed incident as a werkzeug ProfilerMiddleware directory.

Usage:
    /usr/bin/python3 examples/seed/make_profiles.py OUTDIR
        [--stale N] [--requests R] [--users U] [--seed S]

1. Builds examples/seed/app.py's shop on a mongomock.MongoClient(), warms
   it with one unprofiled visit per route (templates compiled, as on a
   server that has been up for weeks), and fills its Flask-Session
   collection (shop.sessions) with N stale session documents (default
   150000): expired sessions of past visitors that nothing ever deletes -
   Flask-Session only removes an expired session when that same browser
   comes back.  mongomock has no indexes and scans the whole collection in
   pure Python (~5 us a document under the profiler), so with the default
   each find_one and each upsert takes ~0.7 s on an idle machine and a
   request 1.5-3 s instead of 1-2 ms: the session store dominates every
   request, as the real find_one on 1.8 million documents did.
2. Wraps app.wsgi_app in
       werkzeug.middleware.profiler.ProfilerMiddleware(
           app.wsgi_app, profile_dir=OUTDIR, stream=None)
   so werkzeug itself writes one cProfile file per request, named with its
   default format "{method}.{path}.{elapsed:.0f}ms.{time:.0f}.prof".
3. Sends R requests (default 28, ~48 KB of profile each: the committed
   directory stays under 1.5 MB) through app.test_client(): U browsers
   (default 3), each a test client with its own cookie jar, so a browser's
   session persists across its requests.  Each browser starts on "/"; the
   rest are drawn with random.Random(S) (default seed 1808) from a mix of
   /, /product/<id>, /search?q=, /cart and POST /cart/add.

OUTDIR is created if needed and must not already hold .prof files (delete
it first to regenerate).  Prints one line per request and a summary.  A run
with the defaults takes about 1-1.5 min (1 CPU-minute; profile times are
wall clock, so a busy machine gives slower requests).
"""
import argparse
import datetime
import os
import pickle
import random
import sys
import time
import uuid
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import mongomock  # noqa: E402
from werkzeug.middleware.profiler import ProfilerMiddleware  # noqa: E402

import app as shop  # noqa: E402

DB, COLLECTION, PREFIX = "shop", "sessions", "session:"


def fill_stale_sessions(coll, n, rng):
    """Insert n expired session documents shaped like Flask-Session's own."""
    now = datetime.datetime.utcnow()
    batch = []
    for i in range(n):
        sid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        data = {"_permanent": True, "views": rng.randrange(1, 40)}
        if rng.random() < 0.4:
            data["recent"] = [rng.randrange(1, 241) for _ in range(3)]
        if rng.random() < 0.1:
            data["cart"] = {str(rng.randrange(1, 241)): rng.randrange(1, 4)}
        batch.append({
            "id": PREFIX + sid,
            "val": pickle.dumps(data),
            # Expired between 1 and 400 days ago (31-day sessions).
            "expiration": now - datetime.timedelta(
                days=rng.randrange(1, 400), seconds=rng.randrange(86400)),
        })
        if len(batch) == 5000 or i == n - 1:
            coll.insert_many(batch)
            batch = []


def draw_request(rng):
    kind = rng.choices(["index", "product", "search", "cart", "add"],
                       weights=[22, 36, 14, 12, 16])[0]
    if kind == "index":
        return "GET", "/", {}
    if kind == "product":
        return "GET", "/product/%d" % rng.randrange(1, 241), {}
    if kind == "search":
        q = " ".join(rng.sample(shop.WORDS, rng.randrange(1, 3)))
        return "GET", "/search", {"query_string": {"q": q}}
    if kind == "cart":
        return "GET", "/cart", {}
    return "POST", "/cart/add", {"data": {"pid": str(rng.randrange(1, 241)),
                                          "qty": str(rng.randrange(1, 4))}}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("outdir")
    ap.add_argument("--stale", type=int, default=150000, metavar="N",
                    help="stale session documents to pre-fill (150000)")
    ap.add_argument("--requests", type=int, default=28, metavar="R",
                    help="requests to send (28)")
    ap.add_argument("--users", type=int, default=3, metavar="U",
                    help="browsers, each with its own cookie jar (3)")
    ap.add_argument("--seed", type=int, default=1808, metavar="S")
    args = ap.parse_args()
    if args.requests < 1 or args.users < 1 or args.stale < 0:
        ap.error("--requests and --users must be >= 1, --stale >= 0")

    os.makedirs(args.outdir, exist_ok=True)
    if any(f.endswith(".prof") for f in os.listdir(args.outdir)):
        sys.exit("make_profiles.py: %s already holds .prof files; "
                 "remove them first" % args.outdir)

    # Flask 2.2 warns that Flask-Session 0.3.2 uses app.session_cookie_name.
    warnings.simplefilter("ignore", DeprecationWarning)
    rng = random.Random(args.seed)

    client = mongomock.MongoClient()
    app = shop.create_app(client, db=DB, collection=COLLECTION)
    # A server that has been up for weeks: templates compiled, imports done.
    # Warm it with one unprofiled visit per route before the incident.
    warm = app.test_client()
    for path in ("/", "/product/1", "/search?q=lorem", "/cart"):
        warm.get(path)
    warm.post("/cart/add", data={"pid": "1", "qty": "1"})

    t0 = time.perf_counter()
    fill_stale_sessions(client[DB][COLLECTION], args.stale, rng)
    t_fill = time.perf_counter() - t0
    print("filled %s.%s with %d stale sessions in %.1f s"
          % (DB, COLLECTION, args.stale, t_fill))

    app.wsgi_app = ProfilerMiddleware(app.wsgi_app, profile_dir=args.outdir,
                                      stream=None)
    browsers = [app.test_client() for _ in range(args.users)]
    started = [False] * args.users

    t1 = time.perf_counter()
    for i in range(args.requests):
        # Let every browser land on the front page first (no cookie yet).
        u = i if i < args.users else rng.randrange(args.users)
        method, path, kw = (("GET", "/", {}) if not started[u]
                            else draw_request(rng))
        started[u] = True
        t = time.perf_counter()
        resp = browsers[u].open(path, method=method, **kw)
        ms = (time.perf_counter() - t) * 1000
        if resp.status_code >= 400:
            sys.exit("make_profiles.py: %s %s -> %s"
                     % (method, path, resp.status))
        print("%3d  user %d  %-4s %-16s %d %8.0f ms  %s"
              % (i + 1, u, method, path, resp.status_code, ms,
                 kw.get("query_string", kw.get("data", ""))))
    t_req = time.perf_counter() - t1

    files = sorted(f for f in os.listdir(args.outdir) if f.endswith(".prof"))
    size = sum(os.path.getsize(os.path.join(args.outdir, f)) for f in files)
    print("%d requests in %.1f s (%.0f ms each), %d files, %.0f KB in %s"
          % (args.requests, t_req, t_req * 1000 / args.requests, len(files),
             size / 1024, args.outdir))
    print("sessions collection now holds %d documents"
          % client[DB][COLLECTION].count_documents({}))


if __name__ == "__main__":
    main()
