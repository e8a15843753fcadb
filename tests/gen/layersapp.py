"""A Flask app in layers whose own times per module are measured.

Used by tests/gen/make_truth_dirs.py behind werkzeug's ProfilerMiddleware.
Needs Debian's python3-flask, python3-mongomock and jinja2 (found through
PYTHONPATH=/usr/lib/python3/dist-packages by the pyenv CPythons and PyPy).

Routes (endpoint = view function):
  GET /report            `report`: ~40 ms of the view's own work
                         (time.sleep), then the database client (mongomock:
                         count_documents + find over a collection, ~30 ms),
                         then the template engine (jinja2: a template
                         compiled from source on every request and
                         rendered, ~10 ms) whose template calls the app's
                         filter `money` twice (~5 ms each)
  GET /ping              `ping`: ~5 ms of the view's own work (the first
                         one also imports colorsys)
  GET /balance/<int:n>   `balance`: 2-9 ms of own work (depends on n)
  GET /v1.2/items/<int:n> `items`: ~2 ms own work + one mongomock find_one
  GET /lookup/<int:k>    `lookup`: a cache in front of the database. A hit
                         (k % 8 != 0) is ~2 ms of the view's own work; a
                         miss (k % 8 == 0) also scans the collection with
                         mongomock (count_documents + a sorted find, ~15
                         ms): the endpoint's slowest requests spend their
                         extra time in mongomock
  anything else          404, no view

Every view measures, with time.perf_counter inside the request, what it
really spent (not the nominal sleeps) and leaves it in LAST:

  view_s     the whole view function
  db_s       the calls into mongomock
  engine_s   the calls into jinja2 (compile + render)
  filters_s  the app's filter callbacks made by the template during those

so that own time per module is, per request:
  app (layersapp)  view_s - db_s - engine_s + filters_s
  mongomock        db_s
  jinja2           engine_s - filters_s   (incl. the compiled template's
                   own code, whose functions have the file name <template>)
Built-ins and standard-library code count for the module that calls them.
Everything outside the view (Flask, werkzeug) is the rest of the profile.
"""
import time

import jinja2
import mongomock
from flask import Flask

# Set by the views for the request being served; the driver reads it
# after the request (outside the profiled code).
LAST = {}

_FILTER_S = [0.0]

TEMPLATE = """<!doctype html>
<html><head><title>{{ title }}</title></head><body>
<h1>{{ title }}</h1>
<p>Total: {{ total|money }}</p>
<p>Average: {{ average|money }}</p>
{% macro row(d, i) -%}
<tr class="{{ 'odd' if i is odd else 'even' }}"><td>{{ d.name }}</td><td>{{ d.kind }}</td>
<td>{{ d.n }}</td><td>{% if d.n > 500 %}big{% elif d.n > 100 %}mid{% else %}small{% endif %}</td></tr>
{%- endmacro %}
<table>{% for d in docs %}{{ row(d, loop.index) }}{% endfor %}</table>
{% for section in sections %}
<h2>{{ section.title|upper }}</h2>
{% if section.rows %}<ul>{% for it in section.rows %}
<li>{{ it.label|default('-') }} {{ it.value|round(2) }}
{% if it.value > 10 %}<b>high</b>{% elif it.value > 5 %}<i>mid</i>{% else %}low{% endif %}
{% for tag in it.tags|sort %}<span>{{ tag|title }}</span>{% endfor %}</li>
{% endfor %}</ul>{% else %}<p>none</p>{% endif %}
{% set count = section.rows|length %}
<p>{{ count }} items{% if count != 1 %}s{% endif %} in {{ section.title }}</p>
{% endfor %}
</body></html>
"""

KINDS = ["invoice", "refund", "credit", "fee"]


def money(value):
    """The app's own filter, called back from the template."""
    t0 = time.perf_counter()
    time.sleep(0.005)
    out = "%.2f EUR" % (value / 100.0)
    _FILTER_S[0] += time.perf_counter() - t0
    return out


def make_db(n_docs):
    client = mongomock.MongoClient()
    coll = client.ledger.entries
    coll.insert_many([{"name": "entry-%d" % i, "kind": KINDS[i % 4],
                       "n": (i * 37) % 1000, "cents": (i * 7919) % 100000}
                      for i in range(n_docs)])
    return coll


def create_app(n_docs=300, report_sleep=0.040):
    app = Flask(__name__)
    coll = make_db(n_docs)

    def record(endpoint, view_s, db_s=0.0, engine_s=0.0, filters_s=0.0):
        LAST.clear()
        LAST.update(endpoint=endpoint, view_s=view_s, db_s=db_s,
                    engine_s=engine_s, filters_s=filters_s)

    @app.route("/report")
    def report():
        t0 = time.perf_counter()
        time.sleep(report_sleep)  # the view's own work

        t1 = time.perf_counter()
        count = coll.count_documents({"kind": "invoice"})
        docs = list(coll.find({"n": {"$gt": 100}}).sort("n", -1).limit(20))
        t2 = time.perf_counter()
        db_s = t2 - t1

        total = sum(d["cents"] for d in docs)
        sections = [{"title": k, "rows": [
            {"label": d["name"], "value": d["n"] / 97.0,
             "tags": [k, d["kind"]]} for d in docs if d["kind"] == k]}
            for k in KINDS]
        _FILTER_S[0] = 0.0
        t3 = time.perf_counter()
        env = jinja2.Environment()
        env.filters["money"] = money
        tmpl = env.from_string(TEMPLATE)  # compiled on every request
        body = tmpl.render(title="Ledger", total=total,
                           average=total / max(len(docs), 1),
                           docs=docs, sections=sections,
                           invoices=count)
        t4 = time.perf_counter()
        engine_s = t4 - t3
        filters_s = _FILTER_S[0]
        record("report", t4 - t0, db_s, engine_s, filters_s)
        return body

    @app.route("/ping")
    def ping():
        t0 = time.perf_counter()
        # A lazy import, as real views do: the first /ping imports colorsys
        # (standard library) inside the request, so that profile shows the
        # import machinery (PyPy: "<builtin>/frozen importlib...").
        import colorsys
        time.sleep(0.005)
        hue = colorsys.rgb_to_hsv(0.2, 0.4, 0.4)[0]
        record("ping", time.perf_counter() - t0)
        return "pong %.3f" % hue

    @app.route("/balance/<int:account>")
    def balance(account):
        t0 = time.perf_counter()
        time.sleep(0.002 + (account % 8) / 1000.0)
        body = "account %d: %d" % (account, account * 37 % 1000)
        record("balance", time.perf_counter() - t0)
        return body

    @app.route("/v1.2/items/<int:item>")
    def items(item):
        t0 = time.perf_counter()
        time.sleep(0.002)
        t1 = time.perf_counter()
        doc = coll.find_one({"name": "entry-%d" % item})
        db_s = time.perf_counter() - t1
        body = "%s %s" % (item, doc["kind"] if doc else "-")
        record("items", time.perf_counter() - t0, db_s)
        return body

    @app.route("/lookup/<int:key>")
    def lookup(key):
        t0 = time.perf_counter()
        time.sleep(0.002)
        db_s = 0.0
        if key % 8 == 0:  # a cache miss
            t1 = time.perf_counter()
            n = coll.count_documents({"n": {"$gt": key % 500}})
            docs = list(coll.find({"kind": KINDS[key % 4]}).sort("n", -1))
            db_s = time.perf_counter() - t1
            body = "%d: %d of %d" % (key, len(docs), n)
        else:
            body = "%d: cached" % key
        record("lookup", time.perf_counter() - t0, db_s)
        return body

    return app
