#!/usr/bin/python3
"""Write a werkzeug ProfilerMiddleware profile directory from a real Flask app.

Usage:
    /usr/bin/python3 tests/gen/make_werkzeug_dir.py OUTDIR [N]
        [--seed S] [--mix light|heavy] [--min-files M]

Wraps tests/gen/flask_app.py's app.wsgi_app in
werkzeug.middleware.profiler.ProfilerMiddleware(app.wsgi_app,
profile_dir=OUTDIR, stream=None) and sends N requests (default 40) through
app.test_client(), chosen with random.Random(seed) (default seed 40).  The
files are written by werkzeug itself with its default name format
"{method}.{path}.{elapsed:.0f}ms.{time:.0f}.prof".

The first requests visit every route kind once (index, product, user incl.
a non-ASCII and a dotted name, blueprint items/search, MethodView GET/POST/
PUT/DELETE, POST /cart, sqlalchemy report, static files, HEAD, 404), then
the rest are drawn at random with the weights of --mix:
  light  (default) cheap-to-moderate mix: small files, for committed data
  heavy  create_app(heavy=True) (signed cookie session + after_request
         hook on every request) and more template/sqlalchemy/json work,
         incl. /dashboard/<category>: files of ~50-100 KB like profiles of
         real Flask apps (for bench/gen_bench.sh)

As in production, two requests with the same method, path, rounded ms and
second overwrite each other, so a directory may hold fewer than N files.
With --min-files M, requests continue (same random stream) until OUTDIR
holds at least M .prof files.  Prints the number of requests sent and of
files present.  Files already in OUTDIR are kept (werkzeug just adds more).

The committed tests/data/werkzeug/ was made with:
    rm -rf tests/data/werkzeug
    /usr/bin/python3 tests/gen/make_werkzeug_dir.py tests/data/werkzeug 40
(40 requests -> 34 files, ~1.3 MB; names carry the generation time).
"""
import argparse
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from werkzeug.middleware.profiler import ProfilerMiddleware  # noqa: E402

import flask_app  # noqa: E402

NAMES = ["alice", "bob", "carol-ann", "dave", "eve-marie", "a.b",
         u"jos\u00e9"]


def fixed_tour():
    """One request of every kind, so even a small directory covers them."""
    return [
        ("GET", "/", {}),
        ("GET", "/product/7", {}),
        ("GET", "/user/alice", {}),
        ("GET", u"/user/jos\u00e9", {}),
        ("GET", "/user/a.b", {}),
        ("GET", "/api/items/3", {}),
        ("GET", "/api/search", {"query_string": {"q": "lorem"}}),
        ("POST", "/orders/", {"json": {"lines": [[1, 2], [5, 1]]}}),
        ("GET", "/orders/", {}),
        ("GET", "/orders/1", {}),
        ("PUT", "/orders/1", {"json": {"lines": [[3, 1]]}}),
        ("DELETE", "/orders/1", {}),
        ("POST", "/cart", {"json": {"lines": [[2, 1], [9, 3]]}}),
        ("GET", "/report", {}),
        ("GET", "/static/style.css", {}),
        ("GET", "/static/app.js", {}),
        ("HEAD", "/", {}),
        ("GET", "/no/such/page", {}),
    ]


def random_request(rng, mix):
    heavy = mix == "heavy"
    kinds = [
        # (weight light, weight heavy, kind)
        (10, 14, "index"),
        (20, 26, "product"),
        (10, 4, "user"),
        (10, 12, "items"),
        (5, 6, "search"),
        (8, 4, "orders"),
        (6, 4, "cart"),
        (6, 18, "report"),
        (8, 2, "static"),
        (5, 2, "notfound"),
        (0, 14, "dashboard"),
    ]
    total = sum(k[1 if heavy else 0] for k in kinds)
    x = rng.uniform(0, total)
    for k in kinds:
        x -= k[1 if heavy else 0]
        if x <= 0:
            kind = k[2]
            break
    else:
        kind = kinds[-1][2]

    if kind == "index":
        return ("GET", "/", {})
    if kind == "product":
        return ("GET", "/product/%d" % rng.randrange(1, 125), {})  # >120: 404
    if kind == "user":
        return ("GET", "/user/%s" % rng.choice(NAMES), {})
    if kind == "items":
        n = rng.randrange(1, 60 if heavy else 25)
        return ("GET", "/api/items/%d" % n, {})
    if kind == "search":
        return ("GET", "/api/search",
                {"query_string": {"q": rng.choice(flask_app.WORDS)}})
    if kind == "orders":
        method = rng.choice(["GET", "GET", "POST", "PUT", "DELETE"])
        lines = [[rng.randrange(1, 121), rng.randrange(1, 4)]
                 for _ in range(rng.randrange(1, 6))]
        if method == "POST":
            return ("POST", "/orders/", {"json": {"lines": lines}})
        oid = rng.randrange(1, 6)
        if method == "PUT":
            return ("PUT", "/orders/%d" % oid, {"json": {"lines": lines}})
        if method == "DELETE":
            return ("DELETE", "/orders/%d" % oid, {})
        return ("GET", rng.choice(["/orders/", "/orders/%d" % oid]), {})
    if kind == "cart":
        lines = [[rng.randrange(1, 130), rng.randrange(1, 4)]
                 for _ in range(rng.randrange(1, 8))]
        return ("POST", "/cart", {"json": {"lines": lines}})
    if kind == "report":
        top = rng.randrange(5, 60 if heavy else 20)
        return ("GET", "/report", {"query_string": {"top": top}})
    if kind == "static":
        return ("GET", rng.choice(["/static/style.css", "/static/app.js"]),
                {})
    if kind == "dashboard":
        return ("GET", "/dashboard/%s" % rng.choice(flask_app.CATEGORIES), {})
    return ("GET", "/missing/page-%d" % rng.randrange(1000), {})


def count_profiles(outdir):
    return sum(1 for n in os.listdir(outdir) if n.endswith(".prof"))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("outdir")
    ap.add_argument("n", nargs="?", type=int, default=40,
                    help="number of requests (default 40)")
    ap.add_argument("--seed", type=int, default=40)
    ap.add_argument("--mix", choices=["light", "heavy"], default="light")
    ap.add_argument("--slow-product-ms", type=int, default=0,
                    help="make the product view sleep this long (a "
                         "deliberate regression for diff tests)")
    ap.add_argument("--min-files", type=int, default=0,
                    help="keep sending requests until OUTDIR has this many")
    args = ap.parse_args(argv)

    os.makedirs(args.outdir, exist_ok=True)
    app = flask_app.create_app(heavy=args.mix == "heavy",
                               slow_product_ms=args.slow_product_ms)
    app.wsgi_app = ProfilerMiddleware(app.wsgi_app,
                                      profile_dir=args.outdir, stream=None)
    client = app.test_client()
    rng = random.Random(args.seed)
    tour = fixed_tour()

    sent = 0
    while sent < args.n or (args.min_files and
                            count_profiles(args.outdir) < args.min_files):
        if sent < len(tour):
            method, path, kw = tour[sent]
        else:
            method, path, kw = random_request(rng, args.mix)
        resp = client.open(path, method=method, **kw)
        resp.close()
        sent += 1
        if args.min_files and sent % 500 == 0:
            sys.stderr.write("%d requests, %d files\n"
                             % (sent, count_profiles(args.outdir)))
    print("requests=%d files=%d dir=%s"
          % (sent, count_profiles(args.outdir), args.outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
