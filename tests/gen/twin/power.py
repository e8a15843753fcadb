#!/usr/bin/python3
"""How many requests per endpoint the diff test needs to see a change.

Usage: /usr/bin/python3 tests/gen/twin/power.py REQUESTS.csv... [--trials T]

Takes the real per-request profiled times of each endpoint from
`profreport -f csv -t requests` files (A/A runs of the twin app; the
diff tests profiled times, as both sides have them), and for n requests
a side and a slowdown of 10, 20 and 50 %: draws BASE and NEW from those
times (with replacement), multiplies NEW by 1 + change, and runs the same
two-sided Mann-Whitney test as profreport (normal approximation with tie
correction, tests/gen/stattest_ref.py) at alpha 0.01. Prints, per
endpoint and change, the power at each n and the smallest n that
detects the change in at least 80 % of trials. Fixed seed.
"""
import csv
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from stattest_ref import normal_p  # noqa: E402

NS = [5, 10, 20, 30, 50, 100, 200, 400]
CHANGES = [0.10, 0.20, 0.50]


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    trials = 200
    if "--trials" in sys.argv:
        trials = int(sys.argv[sys.argv.index("--trials") + 1])
    times = {}
    for path in args:
        with open(path) as f:
            for row in csv.DictReader(f):
                times.setdefault(row["endpoint"], []).append(
                    float(row["profiled_ms"]))
    rng = random.Random(14)
    print("| endpoint | median ms | change | " +
          " | ".join("n=%d" % n for n in NS) + " | n for 80 % |")
    print("|:---|---:|---:|" + "---:|" * len(NS) + "---:|")
    for ep in sorted(times):
        v = times[ep]
        if len(v) < 20 * len(args):  # a stray endpoint, not a route
            continue
        med = sorted(v)[len(v) // 2]
        for ch in CHANGES:
            powers = []
            for n in NS:
                hits = 0
                for _ in range(trials):
                    x = [rng.choice(v) for _ in range(n)]
                    y = [rng.choice(v) * (1 + ch) for _ in range(n)]
                    u, p = normal_p(x, y)
                    hits += p <= 0.01 and u > n * n / 2
                powers.append(hits / trials)
            need = next((n for n, pw in zip(NS, powers) if pw >= 0.8), None)
            print("| %s | %.1f | +%d %% | %s | %s |" % (
                ep, med, round(ch * 100),
                " | ".join("%.0f %%" % (p * 100) for p in powers),
                need if need else "> %d" % NS[-1]))


if __name__ == "__main__":
    main()
