"""Write a werkzeug profile directory from a Flask app running on PyPy.

Usage (Debian's pypy3 runs Debian's python3-flask):
    PYTHONPATH=/usr/lib/python3/dist-packages pypy3 \\
        tests/gen/make_pypy_dir.py OUTDIR

A two-view Flask app behind werkzeug's real ProfilerMiddleware (default
file names) gets four requests: GET /, GET /hello/ann and two URLs that
are not routed (404). Under PyPy, functools.partial is Python code in
/usr/lib/pypy3.9/functools.py, and Flask's dispatch_request calls it
(through werkzeug's LocalProxy) for longer than these views run; a 404
calls it and no view at all. profreport once made every request of such
a directory an endpoint "__call__ (usr/lib/pypy3.9/functools.py:300)".

Prints the interpreter and the files written. The committed
tests/data/pypy-flask/ was made with:
    rm -rf tests/data/pypy-flask
    PYTHONPATH=/usr/lib/python3/dist-packages pypy3 \\
        tests/gen/make_pypy_dir.py tests/data/pypy-flask
"""
import os
import platform
import sys

from flask import Flask
from werkzeug.middleware.profiler import ProfilerMiddleware

app = Flask(__name__)


@app.route("/")
def index():
    return "index"


@app.route("/hello/<name>")
def hello(name):
    return "hello " + name


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    if platform.python_implementation() != "PyPy":
        sys.exit("run this with pypy3 (see the usage above)")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    app.wsgi_app = ProfilerMiddleware(app.wsgi_app, stream=None,
                                      profile_dir=out)
    client = app.test_client()
    for path, status in (("/", 200), ("/hello/ann", 200),
                         ("/no/such/page", 404), ("/missing/7", 404)):
        assert client.get(path).status_code == status, path
    print(sys.executable, platform.python_version())
    for name in sorted(os.listdir(out)):
        print(os.path.join(out, name))


if __name__ == "__main__":
    main()
