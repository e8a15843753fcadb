"""Two MethodViews whose `get` methods share a name and a file: pstats
keys them ("api.py", line, "get"), so only the line tells them apart."""
import time

from flask import jsonify
from flask.views import MethodView


class ItemA(MethodView):
    def get(self, i):
        return jsonify(kind="a", i=i, squares=[k * k for k in range(200)])


class ItemB(MethodView):
    slow = False

    def get(self, i):
        if self.slow:
            time.sleep(0.1)
        return jsonify(kind="b", i=i, cubes=[k ** 3 for k in range(200)])


def register(app, slow_b=False):
    app.add_url_rule("/api/a/<int:i>", view_func=ItemA.as_view("item_a"))
    b = type("ItemB", (ItemB,), {"slow": slow_b})
    app.add_url_rule("/api/b/<int:i>", view_func=b.as_view("item_b"))
