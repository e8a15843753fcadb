#!/usr/bin/python3
"""Write a pair of werkzeug profile directories from twin Flask apps.

Usage:
    /usr/bin/python3 tests/gen/twin/run_twin.py OUTDIR [--variant A|B|views]
        [--requests N] [--seed S] [--routes R,R,...] [--gzip]

One process builds the control app (shop.make_app("A")) and the twin
(shop.make_app(VARIANT)), each wrapped in werkzeug's ProfilerMiddleware
writing to its own directory, OUTDIR/base and OUTDIR/new, with werkzeug's
default file names. Every request is sent to both apps, in an order drawn
per request (so neither side always runs first and warm), with the same
method and path: the same requests under the same conditions. N requests
per route (default 30); routes default to search, product, category and
ping. With --variant A the pair is A/A (nothing changed); B adds one query
to the search view; views makes api.ItemB.get 100 ms slower (routes
api_a, api_b). --gzip compresses the files (profreport reads .prof.gz)
for committed fixtures.

Paths carry a running number so that no two requests get the same file
name (werkzeug's names have millisecond and second resolution and would
overwrite each other).
"""
import argparse
import gzip
import os
import random
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from werkzeug.middleware.profiler import ProfilerMiddleware  # noqa: E402

import shop  # noqa: E402

ROUTES = {
    "search": "/search/%d",
    "product": "/product/%d",
    "category": "/category/%d",
    "ping": "/ping/%d",
    "api_a": "/api/a/%d",
    "api_b": "/api/b/%d",
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--variant", default="A", choices=["A", "B", "views"])
    ap.add_argument("--requests", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--routes", default="search,product,category,ping")
    ap.add_argument("--gzip", action="store_true")
    a = ap.parse_args()
    routes = a.routes.split(",")
    dirs = [os.path.join(a.out, "base"), os.path.join(a.out, "new")]
    for d in dirs:
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    apps = [shop.make_app("A"), shop.make_app(a.variant)]
    clients = []
    for app, d in zip(apps, dirs):
        app.wsgi_app = ProfilerMiddleware(app.wsgi_app, profile_dir=d,
                                          stream=None)
        clients.append(app.test_client())
    rng = random.Random(a.seed)
    work = [r for r in routes for _ in range(a.requests)]
    rng.shuffle(work)
    for n, r in enumerate(work):
        path = ROUTES[r] % (n * 7 + rng.randrange(7))
        order = [0, 1] if rng.random() < 0.5 else [1, 0]
        for k in order:
            resp = clients[k].get(path)
            if resp.status_code != 200:
                sys.exit("%s: HTTP %d" % (path, resp.status_code))
    if a.gzip:
        for d in dirs:
            for f in os.listdir(d):
                p = os.path.join(d, f)
                with open(p, "rb") as src, \
                        gzip.GzipFile(p + ".gz", "wb", 9, mtime=0) as dst:
                    shutil.copyfileobj(src, dst)
                os.unlink(p)
    for d in dirs:
        print("%s: %d files" % (d, len(os.listdir(d))))


if __name__ == "__main__":
    main()
