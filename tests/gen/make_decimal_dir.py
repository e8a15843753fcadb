#!/usr/bin/python3
"""Write a profile directory whose names read more than one way.

Usage:
    /usr/bin/python3 tests/gen/make_decimal_dir.py OUTDIR

A small Flask app behind werkzeug's real ProfilerMiddleware with the common
customisation

    filename_format="{method}.{path}.{elapsed:.3f}ms.{time:.6f}.prof"

Its paths end in digits, so werkzeug's names can be read two ways under
the default template (digits and dots on both sides of the path):

    GET /balance      ~5 ms   GET.balance.5.412ms.T.prof
                              (/balance/5 in 412 ms, or /balance in 5.412)
    GET /balance/5    ~12 ms  GET.balance.5.12.345ms.T.prof
                              (/balance/5/12 in 345 ms, or /balance/5 ...)
    GET /balance/7    ~780 ms GET.balance.7.780.412ms.T.prof
                              (renamed in the tests to what the default
                              "{elapsed:.0f}" would write: 780ms)

The profile inside each file says which reading is true. Two requests of
each, in this order; a 1 s pause between the two rounds keeps the names
distinct. Prints the files written. The committed tests/data/decimal/ was
made with:
    rm -rf tests/data/decimal
    /usr/bin/python3 tests/gen/make_decimal_dir.py tests/data/decimal
"""
import os
import sys
import time

from flask import Flask
from werkzeug.middleware.profiler import ProfilerMiddleware

app = Flask(__name__)


@app.route("/balance")
def balance():
    time.sleep(0.005)
    return "balance"


@app.route("/balance/<int:n>")
def account(n):
    time.sleep(0.78 if n == 7 else 0.012)
    return "account %d" % n


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    app.wsgi_app = ProfilerMiddleware(
        app.wsgi_app, stream=None, profile_dir=out,
        filename_format="{method}.{path}.{elapsed:.3f}ms.{time:.6f}.prof")
    client = app.test_client()
    for rnd in range(2):
        for path in ("/balance", "/balance/5", "/balance/7"):
            assert client.get(path).status_code == 200
        if rnd == 0:
            time.sleep(1)
    for name in sorted(os.listdir(out)):
        print(os.path.join(out, name))


if __name__ == "__main__":
    main()
