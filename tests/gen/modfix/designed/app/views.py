"""The view of the designed app: 0.02 s of its own, then the database."""
import time

import dbdriver
import orm.query


def handle():
    time.sleep(0.02)
    conn = dbdriver.connect()      # 0.03 s in dbdriver
    return orm.query.run(conn)     # 0.05 s in orm + 3 x 0.10 s in dbdriver
