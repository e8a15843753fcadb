#!/usr/bin/python3
"""Write a werkzeug profile directory whose names try to break the reports.

Usage:
    /usr/bin/python3 tests/gen/make_hostile.py OUTDIR

A small Flask app, wrapped in werkzeug's ProfilerMiddleware(profile_dir=
OUTDIR), serves a few requests through app.test_client(), so every file is
a real cProfile dump written by werkzeug with its default file name. What
is hostile is the names the profiles and files carry:

  - function names (code objects renamed with code.replace, since no
    identifier can hold these): <script>alert(1)</script>, an <img> with
    onerror, quotes and ampersands, Markdown that would make a link or an
    image to a remote URL if it were not escaped, template syntax, pipes
    and stars that would break a table;
  - file names given to compile(): <script>alert(1)</script>.py, one with a
    quote and an ampersand, one with an undecodable byte (a lone surrogate,
    which marshal writes as CPython's surrogate escape) and a right-to-left
    override;
  - request paths, which werkzeug puts into the file names: <, >, ", ', &,
    |, * and spaces (everything a Linux file name may hold but '/').

The committed tests/data/hostile/ was made with:
    rm -rf tests/data/hostile
    /usr/bin/python3 tests/gen/make_hostile.py tests/data/hostile
"""
import os
import sys

from flask import Flask
from werkzeug.middleware.profiler import ProfilerMiddleware

SCRIPT = "<script>alert(1)</script>"

# name -> file the function is compiled as coming from
HELPERS = [
    ('<img src=x onerror="alert(2)">', "/srv/app/views/" + SCRIPT + ".py"),
    ("a&b\"c'd|e*f", "/srv/app/views/" + SCRIPT + ".py"),
    ("![x](http://127.0.0.1:9/md-image.png)", "/srv/app/md&\"quote\".py"),
    ("[click](https://evil.example/) **bold** `code`",
     "/srv/app/md&\"quote\".py"),
    ("{{7*7}} ${7*7} </title></svg><svg onload=alert(3)>",
     "/srv/app/caf\udcff\u202etxt.py"),
    ("| --- | table | breaker |", "/srv/app/caf\udcff\u202etxt.py"),
]


def compiled(name, filename, body, env, args=""):
    """A function compiled as if from `filename`, renamed to `name`."""
    src = "def f(%s):\n" % args + "".join("    " + line + "\n" for line in body)
    code = compile(src, filename, "exec")
    ns = dict(env)
    exec(code, ns)
    f = ns["f"]
    f.__code__ = f.__code__.replace(co_name=name, co_qualname=name)
    f.__name__ = f.__qualname__ = name
    return f


def make_app():
    env = {}
    helpers = []
    for i, (name, filename) in enumerate(HELPERS):
        # Enough work that each helper shows in the tables and the tree.
        helpers.append(compiled(name, filename, [
            "s = 0",
            "for i in range(%d):" % (20000 + 5000 * i),
            "    s += i * i",
            "return s"], env))
    env["helpers"] = helpers
    view = compiled(SCRIPT, "/srv/app/" + SCRIPT + ".py", [
        "return str(sum(h() for h in helpers))"], env)
    env["view"] = view
    # An entity that must show as the five characters "&amp;", not "&".
    by_path = compiled(SCRIPT + "&amp;", "/srv/app/routes.py",
                       ["return view()"], env, args="p")
    app = Flask(__name__)
    app.add_url_rule("/", endpoint="root", view_func=view)
    app.add_url_rule("/<path:p>", endpoint="by_path", view_func=by_path)
    return app


PATHS = [
    "/",
    "/" + SCRIPT,
    '/search/<img src=x onerror="alert(5)">',
    "/a&b\"c'd|e*f g",
    "/**bold**|[x](http:..evil.example)",
]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    app = make_app()
    app.wsgi_app = ProfilerMiddleware(app.wsgi_app, profile_dir=out,
                                      stream=None)
    client = app.test_client()
    for path in PATHS:
        r = client.get(path)
        assert r.status_code == 200, (path, r.status_code)
    names = sorted(os.listdir(out))
    print("%d files in %s" % (len(names), out))
    for n in names:
        print("  " + n)


if __name__ == "__main__":
    main()
