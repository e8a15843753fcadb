#!/usr/bin/python3
"""Write the module-attribution fixtures in tests/data/modules/.

Usage:
    /usr/bin/python3 tests/gen/make_module_fixtures.py [OUTDIR]
        (default OUTDIR: tests/data/modules next to this script's tests/)

Profiles, with cProfile, the package tree in tests/gen/modfix/ (see its
README.md), whose functions sleep known times:

  designed.prof   views.handle -> orm.query.run -> dbdriver.execute x3, and
                  handle -> dbdriver.connect: a chain without re-entry
  reentry.prof    a.a1 -> b.b1 -> a.a2 -> b.b2 (module re-entry, four
                  distinct functions)
  recursion.prof  a.f(2) -> b.g(2) -> a.f(1) -> b.g(1) (the same two
                  functions re-entered)
  split.prof      the built-ins sorted and time.sleep called from
                  report.py (light) and heavy.py (heavy)
  callback.prof   report.callback_main -> sorted(key=heavy.slowkey), a
                  built-in that enters heavy from report (slowkey waits in
                  util), then report -> heavy.sort_once -> sorted (the
                  heavier sorted)

and writes EXPECTED.tsv next to them: figures read with pstats from the
files just written, which tests/test_modules.c compares profreport with.
One line per figure, tab-separated:

    FIXTURE  QUANTITY  MODULE  SECONDS

  own     sum of the tottime of the module's own functions
  edges   sum of the tottime recorded on the caller edges from the module's
          functions into built-ins (cProfile's per-edge tottime): what
          profreport must add to the module's self time when built-ins are
          charged to their callers
  self    own + edges
  builtin total tottime of a built-in "module" (time.sleep -> time), what
          --builtins-separate must show as that module's self time
  incl    the module's inclusive time as the stacks define it (from entering
          the module until leaving it, re-entries once), read off pstats
          where the call structure makes that exact: the root's cumtime, or
          the cumtime on the one edge that first enters the module

Before writing, every figure is checked against the design (the sleeps):
a machine too busy to sleep on time fails the run (it retries 10 times)
instead of committing skewed fixtures.  Every run rewrites all files (times
differ on each run), each via a temporary name and a rename.
"""
import cProfile
import os
import pstats
import random
import sys

sys.dont_write_bytecode = True  # keep tests/gen/modfix/ free of __pycache__

HERE = os.path.dirname(os.path.abspath(__file__))
MODFIX = os.path.join(HERE, "modfix")

# Files of modfix/ -> the module profreport must find them in.
MODULE_OF = {
    "designed/app/views.py": "views",
    "designed/lib/site-packages/orm/query.py": "orm",
    "designed/lib/site-packages/dbdriver/__init__.py": "dbdriver",
    "reentry/a.py": "a",
    "reentry/b.py": "b",
    "split/app/report.py": "report",
    "split/lib/site-packages/heavy.py": "heavy",
    "split/lib/site-packages/util.py": "util",
}

# Known truth by design, seconds: (self, inclusive) per module, with
# built-ins (time.sleep) charged to their callers.  Mirrored in
# tests/test_modules.c.
DESIGN = {
    "designed.prof": {
        "views": (0.02, 0.40),
        "orm": (0.05, 0.35),
        "dbdriver": (0.33, 0.33),
    },
    "reentry.prof": {"a": (0.08, 0.20), "b": (0.12, 0.18)},
    "recursion.prof": {"a": (0.04, 0.14), "b": (0.10, 0.12)},
}
TOLERANCE = 0.02  # the fixtures must be closer to the design than the test's 5%


def import_from(*dirs):
    for d in dirs:
        p = os.path.join(MODFIX, d)
        if p not in sys.path:
            sys.path.insert(0, p)


def profile(path, func, *args):
    prof = cProfile.Profile()
    prof.runcall(func, *args)
    tmp = path + ".tmp.%d" % os.getpid()
    prof.dump_stats(tmp)
    return tmp


def module_of(filename):
    if filename == "~":
        return None
    rel = os.path.relpath(filename, MODFIX)
    if rel not in MODULE_OF:
        sys.exit("unexpected function file in a fixture: %s" % filename)
    return MODULE_OF[rel]


def figures(path):
    """Own, edges, builtin tottimes and pstats' view of every function."""
    st = pstats.Stats(path).stats
    own, edges, builtin = {}, {}, {}
    for func, (_, _, tt, _, callers) in st.items():
        m = module_of(func[0])
        if m is not None:
            own[m] = own.get(m, 0.0) + tt
            continue
        if func[2] == "<built-in method time.sleep>":
            builtin["time"] = builtin.get("time", 0.0) + tt
        for caller, (_, _, ett, _) in callers.items():
            cm = module_of(caller[0])
            if cm is not None:
                edges[cm] = edges.get(cm, 0.0) + ett
    return st, own, edges, builtin


def find(st, file_end, name):
    keys = [k for k in st if k[0].endswith(file_end) and k[2] == name]
    if len(keys) != 1:
        sys.exit("expected one %s:%s, found %d" % (file_end, name, len(keys)))
    return keys[0]


def edge_ct(st, caller, callee):
    return st[callee][4][caller][3]


def inclusive(name, st):
    """Inclusive time per module where pstats gives it exactly."""
    if name == "designed.prof":
        handle = find(st, "/views.py", "handle")
        run = find(st, "/orm/query.py", "run")
        connect = find(st, "/dbdriver/__init__.py", "connect")
        execute = find(st, "/dbdriver/__init__.py", "execute")
        return {
            "views": st[handle][3],
            "orm": edge_ct(st, handle, run),
            "dbdriver": edge_ct(st, handle, connect)
            + edge_ct(st, run, execute),
        }
    if name == "reentry.prof":
        a1 = find(st, "/a.py", "a1")
        b1 = find(st, "/b.py", "b1")
        # b is entered twice (a1 -> b1, a2 -> b2) but the second entry
        # runs inside the first: b's time is b1's.
        return {"a": st[a1][3], "b": edge_ct(st, a1, b1)}
    if name == "callback.prof":
        main = find(st, "/report.py", "callback_main")
        once = find(st, "/heavy.py", "sort_once")
        slowkey = find(st, "/heavy.py", "slowkey")
        srt = (("~", 0, "<built-in method builtins.sorted>"))
        # By design every slowkey call comes from main's own sorted call:
        # heavy is entered there and at sort_once.
        if edge_ct(st, once, srt) <= edge_ct(st, main, srt):
            return None  # the scenario needs heavy's sorted to weigh more
        return {"report": st[main][3],
                "heavy": edge_ct(st, main, once) + edge_ct(st, srt, slowkey)}
    if name == "recursion.prof":
        f = find(st, "/a.py", "f")
        g = find(st, "/b.py", "g")
        # cumtime counts the outermost activation only.
        return {"a": st[f][3], "b": st[g][3]}
    return {}


def check_design(name, own, edges, incl):
    bad = []
    for m, (want_self, want_incl) in DESIGN.get(name, {}).items():
        got_self = own.get(m, 0.0) + edges.get(m, 0.0)
        for what, got, want in (("self", got_self, want_self),
                                ("incl", incl[m], want_incl)):
            if abs(got - want) > TOLERANCE * want:
                bad.append("%s %s %s: %.6f, designed %.3f"
                           % (name, m, what, got, want))
    return bad


def make(outdir, name, func, *args):
    path = os.path.join(outdir, name)
    for attempt in range(10):
        tmp = profile(path, func, *args)
        st, own, edges, builtin = figures(tmp)
        incl = inclusive(name, st)
        if incl is None:
            bad = ["%s: not the designed call weights" % name]
        else:
            bad = check_design(name, own, edges, incl)
        if not bad:
            os.replace(tmp, path)
            return own, edges, builtin, incl
        os.unlink(tmp)
        print("retry %s: %s" % (name, "; ".join(bad)), file=sys.stderr)
    sys.exit("%s: the machine does not sleep on time" % name)


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        HERE, "..", "data", "modules")
    os.makedirs(outdir, exist_ok=True)

    import_from("designed/app", "designed/lib/site-packages", "reentry",
                "split/app", "split/lib/site-packages")
    import a
    import report
    import views

    rnd = random.Random(7)
    small = [rnd.random() for _ in range(20000)]
    big = [rnd.random() for _ in range(300000)]

    runs = [
        ("designed.prof", views.handle),
        ("reentry.prof", a.a1),
        ("recursion.prof", a.f, 2),
        ("split.prof", report.main, small, big),
        ("callback.prof", report.callback_main, small[:30], big),
    ]
    lines = []
    for name, func, *args in runs:
        own, edges, builtin, incl = make(outdir, name, func, *args)
        for m in sorted(own):
            e = edges.get(m, 0.0)
            lines.append((name, "own", m, own[m]))
            lines.append((name, "edges", m, e))
            lines.append((name, "self", m, own[m] + e))
        for m in sorted(builtin):
            lines.append((name, "builtin", m, builtin[m]))
        for m in sorted(incl):
            lines.append((name, "incl", m, incl[m]))

    path = os.path.join(outdir, "EXPECTED.tsv")
    tmp = path + ".tmp.%d" % os.getpid()
    with open(tmp, "w") as f:
        f.write("# Written by tests/gen/make_module_fixtures.py from pstats;"
                " do not edit.\n")
        f.write("# fixture\tquantity\tmodule\tseconds (see the script's"
                " docstring)\n")
        for name, q, m, v in lines:
            f.write("%s\t%s\t%s\t%.17g\n" % (name, q, m, v))
    os.replace(tmp, path)
    for name, *_ in runs:
        print("%s: %d bytes" % (name, os.path.getsize(
            os.path.join(outdir, name))))


if __name__ == "__main__":
    main()
