"""A small Flask shop with server-side sessions in MongoDB (the seed incident).

Sessions are stored by Flask-Session 0.3.2's MongoDBSessionInterface
(SESSION_TYPE='mongodb') in the collection shop.sessions.  The MongoDB client
is a mongomock.MongoClient(), an in-process stand-in for pymongo, so the
example needs no server: python3-flask, python3-flask-session and
python3-mongomock from Debian 12, run with /usr/bin/python3.

Every request touches the session (a before_request hook counts page views),
so each request costs Flask-Session one find_one() in open_session (when the
browser sends a session cookie) and one upsert in save_session.  The views
themselves do a little real work and take a few milliseconds.

Routes:
  GET  /                    front page: template with featured products
  GET  /product/<int:pid>   product page, "recently viewed" kept in session
  GET  /search?q=...        JSON: matching products, sorted by relevance
  GET  /cart                cart page rendered from the session
  POST /cart/add            form pid, qty: add to the cart in the session
"""
import random

import mongomock
from flask import (Flask, abort, jsonify, redirect, render_template, request,
                   session, url_for)
from flask_session import Session
from jinja2 import DictLoader

CATEGORIES = ["books", "garden", "kitchen", "toys", "tools", "music"]
WORDS = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do "
         "eiusmod tempor incididunt ut labore et dolore magna aliqua").split()


def make_catalog(n=240, seed=7):
    rng = random.Random(seed)
    return [{
        "id": i,
        "name": " ".join(rng.choice(WORDS) for _ in range(3)).title(),
        "category": rng.choice(CATEGORIES),
        "cents": rng.randrange(199, 19999),
        "stock": rng.randrange(0, 50),
        "blurb": " ".join(rng.choice(WORDS) for _ in range(24)),
    } for i in range(1, n + 1)]


CATALOG = make_catalog()
BY_ID = {p["id"]: p for p in CATALOG}

# Templates are kept as strings (a DictLoader) so the example is one file;
# Jinja compiles each once and caches it, as with templates/ on disk.
LAYOUT = """<!doctype html>
<html><head><title>{{ title }} - Seed Shop</title></head>
<body><header><a href="{{ url_for('index') }}">Seed Shop</a>
 | <a href="{{ url_for('cart') }}">cart ({{ session.get('cart', {}).values()|sum }})</a>
 | page views this session: {{ session.views }}</header>
<main>{% block main %}{% endblock %}</main></body></html>"""

INDEX = """{% extends "layout.html" %}{% block main %}<h1>Featured</h1>
{% for cat, items in groups %}<section><h2>{{ cat|title }}</h2><ul>
{% for p in items %}<li><a href="{{ url_for('product', pid=p.id) }}">{{ p.name }}</a>
 {{ "%.2f"|format(p.cents / 100) }} EUR{% if p.stock < 5 %} (only {{ p.stock }} left){% endif %}</li>
{% endfor %}</ul></section>{% endfor %}{% endblock %}"""

PRODUCT = """{% extends "layout.html" %}{% block main %}<h1>{{ p.name }}</h1><p>{{ p.blurb|capitalize }}.</p>
<p>{{ "%.2f"|format(p.cents / 100) }} EUR, {{ p.stock }} in stock</p>
<form method="post" action="{{ url_for('cart_add') }}">
<input type="hidden" name="pid" value="{{ p.id }}">
<input name="qty" value="1"><button>Add to cart</button></form>
<h2>Related</h2><ul>{% for r in related %}
<li><a href="{{ url_for('product', pid=r.id) }}">{{ r.name }}</a></li>{% endfor %}</ul>
<h2>Recently viewed</h2><ul>{% for r in recent %}<li>{{ r.name }}</li>{% endfor %}</ul>
{% endblock %}"""

CART = """{% extends "layout.html" %}{% block main %}<h1>Your cart</h1><table>
{% for line in lines %}<tr><td>{{ line.p.name }}</td><td>{{ line.qty }}</td>
<td>{{ "%.2f"|format(line.total / 100) }}</td></tr>{% endfor %}
</table><p>Total: {{ "%.2f"|format(total / 100) }} EUR</p>{% endblock %}"""

TEMPLATES = {"layout.html": LAYOUT, "index.html": INDEX,
             "product.html": PRODUCT, "cart.html": CART}


def create_app(mongo_client=None, db="shop", collection="sessions"):
    """Build the app; sessions go to mongo_client[db][collection]."""
    if mongo_client is None:
        mongo_client = mongomock.MongoClient()
    enable_legacy_collection_api()

    app = Flask(__name__)
    app.config.update(
        SECRET_KEY="seed-incident-not-a-secret",
        SESSION_TYPE="mongodb",
        SESSION_MONGODB=mongo_client,
        SESSION_MONGODB_DB=db,
        SESSION_MONGODB_COLLECT=collection,
        SESSION_KEY_PREFIX="session:",
        SESSION_PERMANENT=True,
    )
    app.jinja_loader = DictLoader(TEMPLATES)
    Session(app)

    @app.before_request
    def count_view():
        # What many apps do on every request; it makes every response
        # write the session back (save_session -> store.update).
        session["views"] = session.get("views", 0) + 1

    @app.route("/")
    def index():
        featured = sorted(CATALOG, key=lambda p: (-p["stock"], p["id"]))[:36]
        groups = {}
        for p in featured:
            groups.setdefault(p["category"], []).append(p)
        return render_template("index.html", title="Home",
                               groups=sorted(groups.items()))

    @app.route("/product/<int:pid>")
    def product(pid):
        p = BY_ID.get(pid)
        if p is None:
            abort(404)
        related = sorted((q for q in CATALOG
                          if q["category"] == p["category"] and q is not p),
                         key=lambda q: abs(q["cents"] - p["cents"]))[:6]
        recent = [r for r in session.get("recent", []) if r != pid]
        session["recent"] = [pid] + recent[:4]
        return render_template("product.html", title=p["name"], p=p,
                               related=related,
                               recent=[BY_ID[r] for r in recent[:4]])

    @app.route("/search")
    def search():
        words = request.args.get("q", "").lower().split()
        hits = []
        for p in CATALOG:
            text = (p["name"] + " " + p["blurb"]).lower()
            score = sum(text.count(w) for w in words)
            if score:
                hits.append((score, p))
        hits.sort(key=lambda h: (-h[0], h[1]["id"]))
        session["last_search"] = " ".join(words)
        return jsonify(query=words, count=len(hits), results=[
            {"id": p["id"], "name": p["name"], "score": s,
             "price": p["cents"] / 100,
             "url": url_for("product", pid=p["id"])} for s, p in hits[:20]])

    @app.route("/cart")
    def cart():
        lines = []
        for pid, qty in sorted(session.get("cart", {}).items()):
            p = BY_ID[int(pid)]
            lines.append({"p": p, "qty": qty, "total": qty * p["cents"]})
        return render_template("cart.html", title="Cart", lines=lines,
                               total=sum(line["total"] for line in lines))

    @app.route("/cart/add", methods=["POST"])
    def cart_add():
        pid = request.form.get("pid", type=int)
        qty = request.form.get("qty", 1, type=int)
        if pid not in BY_ID or not 1 <= qty <= 20:
            abort(400)
        cart = dict(session.get("cart", {}))
        cart[str(pid)] = cart.get(str(pid), 0) + qty
        session["cart"] = cart
        return redirect(url_for("cart"))

    return app


def enable_legacy_collection_api():
    """Give mongomock's Collection the pymongo 3 methods Flask-Session uses.

    Flask-Session 0.3.2 calls store.find_one(), store.update(spec, doc,
    upsert) and store.remove(spec): update() and remove() are pymongo 3 API.
    mongomock defines them only when it finds pymongo < 4 installed; with no
    pymongo at all (Debian's python3-mongomock alone) it emulates pymongo 4
    and Collection.update resolves to a sub-collection named "update", which
    is not callable.  Bind the names to mongomock's own implementations of
    those legacy calls (_update, _delete) - no wrapper function, so in a
    profile flask_session/sessions.py calls straight into mongomock, as it
    would call pymongo.
    """
    coll = mongomock.collection.Collection
    if "update" not in vars(coll):
        coll.update = coll._update      # (spec, document, upsert=False, ...)
    if "remove" not in vars(coll):
        coll.remove = coll._delete      # (filter, ...)


if __name__ == "__main__":
    create_app().run(debug=True)
