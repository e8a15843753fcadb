"""Compare profreport's CSV with pstats_ref.py's: same rows (as keys),
integer columns exactly, float columns within a relative tolerance.

usage: csvcompare.py KEYCOLS ACTUAL.csv EXPECTED.csv
  KEYCOLS  number of leading columns that form the row key (3 for
           functions, 6 for edges); the others are compared as numbers.
Rows are matched by key, so row order does not matter. Exit 1 on any
difference, printing the first few.
"""
import csv
import math
import sys

REL = 1e-9


def load(path, nkey):
    with open(path, newline="", encoding="utf-8", errors="surrogateescape") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise SystemExit("%s: empty (no header)" % path)
    header, body = rows[0], rows[1:]
    out = {}
    for r in body:
        key = tuple(r[:nkey])
        if key in out:
            raise SystemExit("%s: duplicate row %r" % (path, key))
        out[key] = r[nkey:]
    return header, out


def same(a, b):
    if a == b:
        return True
    if a == "" or b == "":
        return False
    try:
        x, y = int(a), int(b)
        return x == y
    except ValueError:
        pass
    x, y = float(a), float(b)
    return math.isclose(x, y, rel_tol=REL, abs_tol=1e-15)


def main():
    nkey = int(sys.argv[1])
    ha, a = load(sys.argv[2], nkey)
    hb, b = load(sys.argv[3], nkey)
    problems = []
    if ha != hb:
        problems.append("headers differ: %r vs %r" % (ha, hb))
    for k in sorted(set(a) | set(b)):
        if k not in a:
            problems.append("missing in profreport: %r" % (k,))
        elif k not in b:
            problems.append("not in pstats: %r" % (k,))
        else:
            for name, x, y in zip(ha[nkey:], a[k], b[k]):
                if not same(x, y):
                    problems.append("%r %s: profreport %s, pstats %s" % (k, name, x, y))
    for p in problems[:10]:
        print("  " + p)
    if problems:
        print("  (%d differences, %d vs %d rows)" % (len(problems), len(a), len(b)))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
