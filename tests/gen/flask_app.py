"""A small but real Flask shop used to produce werkzeug profile directories.

Needs Debian's python3-flask (2.2) and python3-flask-sqlalchemy (3.0); run
with /usr/bin/python3.  create_app() builds a fresh app; make_werkzeug_dir.py
wraps its wsgi_app in werkzeug's ProfilerMiddleware and drives requests.

Routes (the work per route differs on purpose, so latencies differ):
  GET  /                        jinja template, product cards via macros
  GET  /product/<int:pid>       template with macros, sorting for "related"
  GET  /user/<name>             small string work, jsonify
  GET  /api/items/<int:i>       blueprint route, json.dumps of i*40 records
  GET  /api/search?q=...        blueprint route, filter + sort
  GET/POST /orders/             flask.views.MethodView (list / create)
  GET/PUT/DELETE /orders/<id>   same MethodView
  POST /cart                    JSON body, totals, 201
  GET  /report                  flask_sqlalchemy (sqlite in memory) + template
  GET  /dashboard/<category>    several ORM queries + an UPDATE/commit,
                                statistics, csv export, big template
                                (only requested by the "heavy" mix)
  GET  /static/<file>           Flask's own static route (tests/gen/static)
  anything else                 404 (Flask's NotFound handling)
All data is built from a fixed seed, so the same request does the same work.

create_app(heavy=True) adds what real apps run on every request: a signed
cookie session (itsdangerous) updated in before_request and an
after_request hook setting headers; profiles then grow to the 50-100 KB of
real Flask apps.  The committed tests/data/werkzeug/ uses heavy=False.
"""
import csv
import datetime
import hashlib
import io
import json
import os
import random
import statistics
import time

from flask import (Blueprint, Flask, abort, g, jsonify, render_template,
                   request, session, url_for)
from flask.views import MethodView
from flask_sqlalchemy import SQLAlchemy

HERE = os.path.dirname(os.path.abspath(__file__))

CATEGORIES = ["books", "garden", "kitchen", "toys", "tools", "music"]
TAGS = ["new", "sale", "eco", "best seller", "limited", "gift idea"]
WORDS = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do "
         "eiusmod tempor incididunt ut labore et dolore magna aliqua").split()

db = SQLAlchemy()


class Item(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(80), nullable=False)
    category = db.Column(db.String(20), nullable=False, index=True)
    cents = db.Column(db.Integer, nullable=False)
    sold = db.Column(db.Integer, nullable=False)


class Product(object):
    def __init__(self, pid, rng):
        self.id = pid
        self.name = "%s %s %d" % (rng.choice(WORDS).title(),
                                  rng.choice(WORDS), pid)
        self.description = " ".join(rng.choice(WORDS) for _ in range(15))
        self.cents = rng.randrange(199, 99999)
        self.category = rng.choice(CATEGORIES)
        self.tags = rng.sample(TAGS, rng.randrange(0, 4))

    def similarity(self, other):
        shared = len(set(self.tags) & set(other.tags))
        same_cat = 2 if self.category == other.category else 0
        return shared + same_cat - abs(self.cents - other.cents) / 100000.0

    def as_dict(self):
        return {"id": self.id, "name": self.name, "cents": self.cents,
                "category": self.category, "tags": sorted(self.tags)}


def make_catalog(n=120, seed=1234):
    rng = random.Random(seed)
    return [Product(i, rng) for i in range(1, n + 1)]


CATALOG = make_catalog()
BY_ID = dict((p.id, p) for p in CATALOG)
NAV = [("Home", "/"), ("Report", "/report"), ("Orders", "/orders/")]

api = Blueprint("api", __name__, url_prefix="/api")


@api.route("/items/<int:i>")
def items(i):
    # json work grows with i
    records = [CATALOG[k % len(CATALOG)].as_dict() for k in range(i * 40)]
    body = json.dumps({"count": len(records), "items": records},
                      sort_keys=True)
    return api_response(body)


@api.route("/search")
def search():
    q = request.args.get("q", "").lower()
    hits = [p for p in CATALOG if q in p.name.lower() or q in p.description]
    hits.sort(key=lambda p: (-p.cents, p.id))
    return jsonify(query=q, hits=[p.as_dict() for p in hits[:20]])


def api_response(body):
    from flask import current_app
    return current_app.response_class(body, mimetype="application/json")


class OrderAPI(MethodView):
    """Class-based view: an in-memory order book."""

    orders = {}

    def get(self, oid=None):
        if oid is None:
            rows = sorted(self.orders.values(), key=lambda o: o["id"])
            return jsonify(orders=rows)
        if oid not in self.orders:
            abort(404)
        return jsonify(self.orders[oid])

    def post(self):
        data = request.get_json(force=True, silent=True) or {}
        oid = len(self.orders) + 1
        lines = data.get("lines", [])
        total = sum(BY_ID[pid].cents * qty for pid, qty in lines
                    if pid in BY_ID)
        self.orders[oid] = {"id": oid, "lines": lines, "total": total}
        return jsonify(self.orders[oid]), 201

    def put(self, oid):
        data = request.get_json(force=True, silent=True) or {}
        order = self.orders.setdefault(oid, {"id": oid, "lines": [],
                                             "total": 0})
        order["lines"] = data.get("lines", order["lines"])
        order["total"] = sum(BY_ID[pid].cents * qty
                             for pid, qty in order["lines"] if pid in BY_ID)
        return jsonify(order)

    def delete(self, oid):
        self.orders.pop(oid, None)
        return "", 204


def seed_db(n=300, seed=99):
    rng = random.Random(seed)
    for i in range(1, n + 1):
        db.session.add(Item(id=i, name="item-%d" % i,
                            category=rng.choice(CATEGORIES),
                            cents=rng.randrange(100, 50000),
                            sold=rng.randrange(0, 500)))
    db.session.commit()


def dashboard_view(category):
    if category not in CATEGORIES:
        abort(404)
    q = Item.query.filter(Item.category == category)
    items = q.order_by(Item.sold.desc(), Item.id).limit(40).all()
    sold = [it.sold for it in q.all()]
    revenue = (db.session.query(db.func.sum(Item.cents * Item.sold))
               .filter(Item.category == category).scalar() or 0)
    # a write, as real dashboards record views
    first = items[0] if items else None
    if first is not None:
        first.sold += 1
        db.session.commit()
    stats = {
        "items": len(sold),
        "median_sold": statistics.median(sold) if sold else 0,
        "mean_sold": round(statistics.mean(sold), 2) if sold else 0,
        "stdev_sold": round(statistics.pstdev(sold), 2) if sold else 0,
        "revenue_eur": "%.2f" % (revenue / 100.0),
    }
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["id", "name", "cents", "sold"])
    for it in items:
        w.writerow([it.id, it.name, it.cents, it.sold])
    picks = [p for p in CATALOG if p.category == category][:12]
    generated = datetime.datetime(2024, 1, 1) + datetime.timedelta(
        minutes=len(sold))
    return render_template("dashboard.html", category=category, stats=stats,
                           items=items, picks=picks, nav=NAV,
                           csv_preview=buf.getvalue()[:2000],
                           generated=generated.isoformat(),
                           visits=session.get("visits", 0))


def add_heavy_hooks(app):
    app.secret_key = "profreport-test-secret"

    @app.before_request
    def count_visit():
        g.request_id = hashlib.sha256(
            request.path.encode("utf-8")).hexdigest()[:16]
        session["visits"] = session.get("visits", 0) + 1
        session["last"] = request.path

    @app.after_request
    def add_headers(resp):
        resp.headers["X-Request-Id"] = g.get("request_id", "-")
        resp.headers["X-Visits"] = str(session.get("visits", 0))
        resp.set_cookie("seen", "1", max_age=3600, samesite="Lax")
        return resp


def create_app(heavy=False, slow_product_ms=0):
    app = Flask(__name__,
                static_folder=os.path.join(HERE, "static"),
                template_folder=os.path.join(HERE, "templates"))
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
    db.init_app(app)
    app.register_blueprint(api)
    order_view = OrderAPI.as_view("orders")
    app.add_url_rule("/orders/", view_func=order_view,
                     methods=["GET", "POST"])
    app.add_url_rule("/orders/<int:oid>", view_func=order_view,
                     methods=["GET", "PUT", "DELETE"])

    app.add_url_rule("/dashboard/<category>", view_func=dashboard_view)
    if heavy:
        add_heavy_hooks(app)

    @app.route("/")
    def index():
        featured = CATALOG[:60]
        return render_template("index.html", products=featured, nav=NAV)

    @app.route("/product/<int:pid>")
    def product(pid):
        p = BY_ID.get(pid)
        if p is None:
            abort(404)
        if slow_product_ms:  # a deliberate regression, for diff tests
            time.sleep(slow_product_ms / 1000.0)
        # related products: more candidates (and more sorting) for larger ids
        candidates = CATALOG[: 20 + pid % 100] * 3
        related = sorted((c for c in candidates if c.id != pid),
                         key=lambda c: -p.similarity(c))[: 4 + pid % 16]
        digest = hashlib.sha1(p.description.encode("utf-8")).hexdigest()
        specs = [("id", p.id), ("category", p.category), ("sku", digest[:12])]
        specs += [("spec %d" % k, WORDS[(pid + k) % len(WORDS)])
                  for k in range(pid % 12)]
        return render_template("product.html", product=p, related=related,
                               specs=specs, nav=NAV)

    @app.route("/user/<name>")
    def user(name):
        initials = "".join(w[0] for w in name.split("-") if w).upper()
        return jsonify(name=name, initials=initials,
                       profile=url_for("user", name=name))

    @app.route("/cart", methods=["POST"])
    def cart():
        data = request.get_json(force=True, silent=True) or {}
        lines = [(BY_ID[pid], qty) for pid, qty in data.get("lines", [])
                 if pid in BY_ID]
        subtotal = sum(p.cents * qty for p, qty in lines)
        shipping = 0 if subtotal > 5000 else 499
        return jsonify(items=len(lines), subtotal=subtotal,
                       shipping=shipping, total=subtotal + shipping), 201

    @app.route("/report")
    def report():
        rows = (db.session.query(Item.category,
                                 db.func.count(Item.id),
                                 db.func.sum(Item.cents * Item.sold))
                .group_by(Item.category).order_by(Item.category).all())
        top = (Item.query.order_by(Item.sold.desc(), Item.id)
               .limit(request.args.get("top", 15, type=int)).all())
        return render_template("report.html", by_category=rows, top=top,
                               nav=NAV)

    with app.app_context():
        db.create_all()
        seed_db()
    return app
