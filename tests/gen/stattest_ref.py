#!/usr/bin/python3
"""Reference values for tests/test_stattest.c, from first principles.

Only the standard library: the exact Mann-Whitney p-value by enumerating
every way to split the pooled sample (itertools.combinations), the normal
approximation with tie and continuity corrections from its formula, and
Holm's adjustment from its definition. It shares no code with
lib/stattest.c (which counts orderings with a recursion instead of
enumerating them). Run it and compare with the constants in the test:

    /usr/bin/python3 tests/gen/stattest_ref.py
"""
import itertools
import math


def u_of_y(x, y):
    """Pairs (x_i, y_j) with y_j > x_i, ties counting 1/2."""
    return sum(1.0 if b > a else 0.5 if b == a else 0.0
               for a in x for b in y)


def exact_p(x, y):
    pooled = list(x) + list(y)
    u = u_of_y(x, y)
    le = ge = total = 0
    for idx in itertools.combinations(range(len(pooled)), len(y)):
        ys = [pooled[i] for i in idx]
        xs = [pooled[i] for i in range(len(pooled)) if i not in idx]
        v = u_of_y(xs, ys)
        total += 1
        le += v <= u
        ge += v >= u
    return u, min(1.0, 2 * min(le, ge) / total)


def normal_p(x, y):
    nx, ny = len(x), len(y)
    n = nx + ny
    u = u_of_y(x, y)
    counts = {}
    for v in list(x) + list(y):
        counts[v] = counts.get(v, 0) + 1
    ties = sum(t ** 3 - t for t in counts.values())
    var = nx * ny / 12.0 * ((n + 1) - ties / (n * (n - 1)))
    if var <= 0:
        return u, 1.0
    z = max(abs(u - nx * ny / 2.0) - 0.5, 0) / math.sqrt(var)
    return u, math.erfc(z / math.sqrt(2))


def holm(p):
    order = sorted(range(len(p)), key=lambda i: (p[i], i))
    adj = [0.0] * len(p)
    run = 0.0
    for k, i in enumerate(order):
        run = max(run, min(1.0, (len(p) - k) * p[i]))
        adj[i] = run
    return adj


CASES_EXACT = [
    # scipy.stats.mannwhitneyu's documented example: p = 0.1111
    ([20, 11, 17, 12], [19, 22, 16, 29, 24]),
    ([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]),
    ([3.1, 4.7, 2.2, 5.0, 1.9, 6.4], [5.5, 7.1, 6.9, 8.0, 4.9, 9.3, 7.7]),
    ([10, 20, 30], [15, 25, 35, 45]),
]
CASES_NORMAL = [
    # ms-rounded latencies: ties everywhere
    ([3, 3, 4, 4, 4, 5, 5, 6, 7, 9], [4, 5, 5, 6, 6, 6, 7, 8, 8, 12]),
    ([0, 0, 0, 0, 0, 0], [900, 900, 900, 900, 900, 900]),
    ([1, 1, 2, 2, 2], [1, 2, 2, 2, 3]),
]

if __name__ == "__main__":
    for x, y in CASES_EXACT:
        u, p = exact_p(x, y)
        print("exact  x=%s y=%s U=%g p=%.12g" % (x, y, u, p))
    for x, y in CASES_NORMAL:
        u, p = normal_p(x, y)
        print("normal x=%s y=%s U=%g p=%.12g" % (x, y, u, p))
    p = [0.01, 0.04, 0.03, 0.005, 0.5]
    print("holm %s -> %s" % (p, ["%.12g" % v for v in holm(p)]))
    for alpha in (0.05, 0.01, 0.001):
        n = 2
        while 2 / math.comb(2 * n, n) > alpha:
            n += 1
        print("min n for alpha %g: %d" % (alpha, n))
