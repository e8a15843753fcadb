"""The twin shop: one Flask app factory, built twice in one process.

make_app(variant) returns a Flask app with its own in-memory sqlite
database (flask_sqlalchemy) filled from a fixed seed, so every app built
does the same work for the same request. Variants:
  "A"      the control
  "B"      one extra query in the search view (a heavier aggregate over
           the items table): search gets ~30 % slower, nothing else does
  "views"  ItemB.get (api.py) does a 100 ms sleep, ItemA.get does not:
           two MethodViews whose `get` share one name and one file
Routes:
  GET /search/<int:q>     two ORM queries, json (the one variant B grows)
  GET /product/<int:pid>  a template with a loop
  GET /category/<int:c>   bimodal: every third category is heavy
  GET /ping/<int:i>       sub-millisecond: werkzeug names it 0ms
  GET /api/a/<int:i>      api.ItemA.get
  GET /api/b/<int:i>      api.ItemB.get
"""
import random

from flask import Flask, jsonify, render_template_string
from flask_sqlalchemy import SQLAlchemy

import api

CATS = ["books", "garden", "kitchen", "toys", "tools", "music", "games",
        "paper"]

PAGE = """<html><body><h1>{{ p.name }}</h1><ul>
{% for r in related %}<li>{{ r.name }} - {{ "%.2f"|format(r.cents / 100) }}
</li>{% endfor %}</ul></body></html>"""


def make_app(variant="A"):
    app = Flask("shop_" + variant)
    app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite://"
    app.config["SQLALCHEMY_TRACK_MODIFICATIONS"] = False
    db = SQLAlchemy(app)

    class Item(db.Model):
        id = db.Column(db.Integer, primary_key=True)
        name = db.Column(db.String(80), nullable=False)
        category = db.Column(db.String(20), nullable=False, index=True)
        cents = db.Column(db.Integer, nullable=False)
        sold = db.Column(db.Integer, nullable=False)

    rng = random.Random(14)
    with app.app_context():
        db.create_all()
        db.session.add_all(
            Item(name="item %d" % i, category=rng.choice(CATS),
                 cents=rng.randint(100, 20000), sold=rng.randint(0, 500))
            for i in range(3000))
        db.session.commit()

    @app.route("/search/<int:q>")
    def search(q):
        cat = CATS[q % len(CATS)]
        hits = (Item.query.filter_by(category=cat)
                .order_by(Item.sold.desc()).limit(40).all())
        cheap = Item.query.filter(Item.cents < 2000).count()
        extra = None
        if variant == "B":
            # the one extra query: best sellers by category
            extra = (db.session.query(Item.category,
                                      db.func.sum(Item.sold))
                     .filter(Item.cents > 500)
                     .group_by(Item.category).all())
        return jsonify(q=q, cheap=cheap, extra=len(extra or ()),
                       hits=[{"id": h.id, "name": h.name, "cents": h.cents}
                             for h in hits])

    @app.route("/product/<int:pid>")
    def product(pid):
        p = Item.query.get(1 + pid % 3000)
        related = Item.query.filter_by(category=p.category).limit(30).all()
        related.sort(key=lambda r: (abs(r.cents - p.cents), r.id))
        return render_template_string(PAGE, p=p, related=related)

    @app.route("/category/<int:c>")
    def category(c):
        cat = CATS[c % len(CATS)]
        rows = Item.query.filter_by(category=cat).all()
        if c % 3 == 0:  # the heavy third: a full scan and a sort
            every = Item.query.all()
            every.sort(key=lambda r: (r.sold * 7919 + r.cents) % 1000)
            rows = rows + every[:100]
        total = sum(r.cents for r in rows)
        return jsonify(category=cat, n=len(rows), total=total)

    @app.route("/ping/<int:i>")
    def ping(i):
        return "pong %d" % i

    api.register(app, slow_b=(variant == "views"))
    return app
