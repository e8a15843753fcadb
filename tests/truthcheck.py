#!/usr/bin/python3
"""Check profreport's findings, modules and requests against measured truth.

Usage:
    PROFREPORT=build/profreport tests/truthcheck.py DIR TRUTH.json
    tests/truthcheck.py --show DIR TRUTH.json

DIR is a werkzeug profile directory written by tests/gen/make_truth_dirs.py
and TRUTH.json what that script measured while writing it (see its
docstring).  Runs `$PROFREPORT --quiet --csv-raw -f csv -t TABLE DIR` for
the tables requests, modules and findings (and requests again with
--name-format set to the format the files were written with) and checks:

requests  every file is a request of the truth with its method, path and
          endpoint (a 404 is never labelled as a function), profiled_ms as
          pstats gives it, and wall_ms as werkzeug's own elapsed in the
          name (wall_source `name`) or the profiled time (`profile`); for
          names written with {elapsed:.3f} whose true reading agrees with
          the profile, the name's reading must be the one taken.
modules   per scope (`all`, one per endpoint): the own shares of the app,
          the database client and the template engine within 0.03 of the
          measured truth, and of every other module holding 1 % or more
          within 0.03 of pstats (reference_own in make_truth_dirs.py);
          own_s / scope's total own time = own_share; own shares sum to 1
          (+-0.001); every share in [0, 1].
findings  every share in [0, 1]; texts free of Markdown; per scope, the
          first `module` finding names the module holding the most own
          time (or one within 0.03 of it), and every `module` finding's
          share is within 0.03 and per_request_ms within 10 % (or 1 ms) of
          the truth; `endpoint_*` findings' per_request_ms lies within the
          endpoint's request times and endpoint_total's share is within
          0.03 of the endpoint's part of all request wall time (as the
          endpoints table has it); there is a
          module finding for `all`.

Prints one line per check (PASS/FAIL) and `N passed, M failed`; exits 1
when a check failed, 2 on a usage error.  With --show, prints the truth's
own shares per scope instead and runs nothing.  Standard library only.
"""
import csv
import pstats
import io
import gzip
import json
import marshal
import math
import os
import re
import subprocess
import sys

SHARE_TOL = 0.03
SUM_TOL = 0.001
FUNCTION_LABEL = re.compile(r"\(.*\.py:\d+\)\s*$")

REQUESTS_COLS = ["file", "method", "path", "endpoint", "wall_ms",
                 "profiled_ms", "wall_source"]
MODULES_COLS = ["scope", "endpoint", "module", "kind", "own_s", "own_share",
                "inclusive_s", "inclusive_share", "calls", "estimated"]
FINDINGS_COLS = ["rank", "scope", "endpoint", "kind", "subject", "share",
                 "per_request_ms", "text"]


class Checks(object):
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what, detail=""):
        if ok:
            self.passed += 1
            print("PASS %s" % what)
        else:
            self.failed += 1
            print("FAIL %s%s" % (what, ": " + detail if detail else ""))
        return ok


def run_table(prog, d, table, extra=()):
    """Rows of one CSV table, or (None, why) when profreport fails."""
    cmd = [prog, "--quiet", "--csv-raw", "-f", "csv", "-t", table]
    cmd += list(extra) + [d]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as e:
        return None, None, "cannot run %s: %s" % (prog, e)
    if p.returncode != 0:
        err = p.stderr.decode("utf-8", "replace").strip().splitlines()
        return None, None, "exit %d: %s" % (p.returncode,
                                            err[0] if err else "")
    r = csv.DictReader(io.StringIO(p.stdout.decode("utf-8")))
    return r.fieldnames or [], list(r), None


def have_columns(c, what, header, rows, want, err, core=None):
    """Check the header; go on with the rows when at least the core
    columns (default: all) are there, so that a table that lacks one new
    column still gets its other figures checked."""
    if err is not None:
        c.check(False, "%s: table read" % what, err)
        return False
    missing = [k for k in want if k not in header]
    c.check(not missing, "%s: columns %s" % (what, ",".join(want)),
            "missing " + ",".join(missing) if missing else "")
    return all(k in header for k in (core or want))


def num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def load_stats(path):
    """pstats.Stats of a profile, also of a gzip-compressed one."""
    if not path.endswith(".gz"):
        return pstats.Stats(path)
    st = pstats.Stats()
    with gzip.open(path, "rb") as f:
        st.stats = marshal.load(f)
    st.get_top_level_stats()
    return st


class Truth(object):
    def __init__(self, path):
        with open(path) as f:
            t = json.load(f)
        self.files = t["files"]
        d = os.path.dirname(os.path.abspath(path))
        d = os.path.join(d, os.path.basename(path)[:-len(".json")])
        self.total_tt = dict((n, load_stats(os.path.join(d, n)).total_tt)
                             for n in self.files)
        self.modules = t["modules"]
        self.name_format = t["name_format"]
        self.decimal = "{elapsed:.3f}" in self.name_format
        self.tail = t.get("tail", False)
        # scope -> list of file names; scope "all" and endpoint labels
        self.scopes = {"all": sorted(self.files)}
        for name, e in sorted(self.files.items()):
            if e["endpoint_label"]:
                self.scopes.setdefault(e["endpoint_label"], []).append(name)

    def profiled(self, scope):
        return sum(self.files[n]["profiled_s"] for n in self.scopes[scope])

    def own_total(self, scope):
        """pstats' total for the scope (the sum of tottimes, as
        pstats.Stats(file).total_tt): what own times partition, profiler
        overhead such as 3.12's profiler.disable included."""
        return sum(self.total_tt[n] for n in self.scopes[scope])

    def wall_ms(self, scope):
        return sum(self.files[n]["elapsed_ms"] for n in self.scopes[scope])

    def own(self, scope, module):
        """Own seconds of a module in a scope: measured for the designed
        modules, pstats' reference figure for the others."""
        key = "own_s" if module in self.modules.values() else "pstats_own_s"
        return sum(self.files[n].get(key, {}).get(module, 0.0)
                   for n in self.scopes[scope])

    def shares(self, scope):
        total = self.own_total(scope)
        mods = set(self.modules.values())
        for n in self.scopes[scope]:
            mods.update(self.files[n]["pstats_own_s"])
        return dict((m, self.own(scope, m) / total) for m in mods)

    def walls_ms(self, scope):
        out = []
        for n in self.scopes[scope]:
            e = self.files[n]
            out += [e["elapsed_ms"], e["profiled_s"] * 1000.0]
        return out


def name_elapsed(truth, e):
    """The elapsed time as the name spells it, in ms."""
    fmt = "%.3f" if truth.decimal else "%.0f"
    return float(fmt % e["elapsed_ms"])


def check_requests(c, prog, d, truth, extra, tag):
    header, rows, err = run_table(prog, d, "requests", extra)
    what = "requests%s" % tag
    if not have_columns(c, what, header, rows, REQUESTS_COLS, err,
                        REQUESTS_COLS[:-1]):
        return
    seen = set()
    for row in rows:
        name = os.path.basename(row["file"])
        e = truth.files.get(name)
        if not c.check(e is not None, "%s %s: in the truth" % (what, name)):
            continue
        seen.add(name)
        got = (row["method"], row["path"])
        want = (e["method"], e["path"])
        c.check(got == want, "%s %s: method and path" % (what, name),
                "%s %s, true %s %s" % (got + want))
        label = row["endpoint"]
        if e["endpoint_label"]:
            c.check(label == e["endpoint_label"],
                    "%s %s: endpoint" % (what, name),
                    "%r, true %r" % (label, e["endpoint_label"]))
        else:
            c.check(not FUNCTION_LABEL.search(label),
                    "%s %s: no view, not labelled as a function"
                    % (what, name), "labelled %r" % label)
        prof_ms = e["profiled_s"] * 1000.0
        pm = num(row["profiled_ms"])
        c.check(pm is not None and abs(pm - prof_ms) <= 0.0006,
                "%s %s: profiled_ms" % (what, name),
                "%s, pstats %.6f" % (row["profiled_ms"], prof_ms))
        wall = num(row["wall_ms"])
        src = row.get("wall_source", "")
        from_name = name_elapsed(truth, e)
        must_name = truth.decimal and from_name >= prof_ms
        if must_name:
            ok = (src == "name" and wall is not None
                  and abs(wall - from_name) <= 0.0010001)
        elif src == "name":
            ok = wall is not None and abs(wall - from_name) <= 0.0010001
        else:
            ok = (src == "profile" and wall is not None
                  and abs(wall - prof_ms) <= 0.0010001)
        c.check(ok, "%s %s: wall_ms" % (what, name),
                "%s (%s); name says %.3f, profiled %.3f%s"
                % (row["wall_ms"], src, from_name, prof_ms,
                   ", the name's reading agrees" if must_name else ""))
    missing = sorted(set(truth.files) - seen)
    c.check(not missing, "%s: every file is a request" % what,
            "missing " + " ".join(missing[:5]))


def check_modules(c, prog, d, truth):
    header, rows, err = run_table(prog, d, "modules")
    if not have_columns(c, "modules", header, rows, MODULES_COLS, err):
        return
    blocks = {}
    for row in rows:
        key = "all" if row["scope"] == "all" else row["endpoint"]
        blocks.setdefault(key, []).append(row)
    c.check("all" in blocks, "modules: scope all present",
            "scopes: %s" % ", ".join(sorted(blocks)))
    for key, block in sorted(blocks.items()):
        bad = [r["module"] for r in block
               if not all(num(r[k]) is not None and -1e-9 <= num(r[k])
                          <= 1 + 1e-9
                          for k in ("own_share", "inclusive_share"))]
        c.check(not bad, "modules %s: every share in [0, 1]" % key,
                "out of range or empty: %s" % ", ".join(bad))
        total = sum(num(r["own_share"]) or 0.0 for r in block)
        c.check(abs(total - 1.0) <= SUM_TOL,
                "modules %s: own shares sum to 1" % key, "%.6f" % total)
    for scope in sorted(truth.scopes):
        block = blocks.get(scope)
        if not c.check(block is not None, "modules %s: scope present"
                       % scope, "scopes: %s" % ", ".join(sorted(blocks))):
            continue
        # The base of every share is the scope's total own time (the sum
        # of tottimes, pstats' total), which own times partition; the
        # requests' root cumtimes differ from it by the timer's
        # granularity (under PyPy by up to ~1 %).
        base = sum(num(r["own_s"]) or 0.0 for r in block)
        c.check(abs(base - truth.own_total(scope))
                <= 1e-6 * max(1.0, truth.own_total(scope)),
                "modules %s: total own time is pstats' total" % scope,
                "%.9f s vs pstats %.9f s" % (base, truth.own_total(scope)))
        by_mod = dict((r["module"], r) for r in block)
        for m, r in sorted(by_mod.items()):
            own_s, share = num(r["own_s"]), num(r["own_share"])
            c.check(own_s is not None and share is not None and base > 0
                    and abs(own_s / base - share) <= SUM_TOL,
                    "modules %s %s: own_s / total own time = own_share"
                    % (scope, m), "%s s / %.6f s vs %s"
                    % (r["own_s"], base, r["own_share"]))
        shares = truth.shares(scope)
        designed = set(truth.modules.values())
        for m, want in sorted(shares.items()):
            if m not in designed and want < 0.01:
                continue
            r = by_mod.get(m)
            got = num(r["own_share"]) if r else 0.0
            c.check(got is not None and abs(got - want) <= SHARE_TOL,
                    "modules %s %s: own share (%s)"
                    % (scope, m, "measured" if m in designed else "pstats"),
                    "%s, truth %.4f" % (r["own_share"] if r else "no row",
                                        want))


def check_findings(c, prog, d, truth):
    header, rows, err = run_table(prog, d, "findings")
    if not have_columns(c, "findings", header, rows, FINDINGS_COLS, err):
        return
    rows.sort(key=lambda r: num(r["rank"]) or 0)
    first_module = {}
    for row in rows:
        tag = "findings #%s (%s %s)" % (row["rank"], row["kind"],
                                        row["subject"])
        share = num(row["share"])
        c.check(row["share"] == "" or (share is not None
                                       and 0.0 <= share <= 1.0),
                "%s: share in [0, 1]" % tag, row["share"])
        c.check(row["text"].strip() != ""
                and not re.search(r"\*\*|`|\]\(|^#|\|", row["text"]),
                "%s: text in plain words" % tag, repr(row["text"]))
        if row["scope"] == "all":
            scope = "all"
        elif row["scope"] == "endpoint":
            scope = row["endpoint"]
        else:
            c.check(False, "%s: scope all or endpoint" % tag, row["scope"])
            continue
        if row["kind"].startswith("endpoint_"):
            check_endpoint_finding(c, tag, row, share, truth)
            continue
        if scope not in truth.scopes:
            continue  # e.g. the 404 requests' group: no truth to check
        n = len(truth.scopes[scope])
        if row["kind"] == "module":
            shares = truth.shares(scope)
            subject = row["subject"]
            want = shares.get(subject, 0.0)
            if scope not in first_module:
                first_module[scope] = row
                top = max(shares.items(), key=lambda x: x[1])
                c.check(want >= top[1] - SHARE_TOL,
                        "%s: names the module with the most own time in %s"
                        % (tag, scope), "%s holds %.4f, %s %.4f"
                        % (subject, want, top[0], top[1]))
            c.check(share is not None and abs(share - want) <= SHARE_TOL,
                    "%s: share" % tag, "%s, truth %.4f" % (row["share"],
                                                           want))
            ms = num(row["per_request_ms"])
            want_ms = truth.own(scope, subject) / n * 1000.0
            c.check(ms is not None
                    and abs(ms - want_ms) <= max(0.1 * want_ms, 1.0),
                    "%s: per_request_ms" % tag, "%s, truth %.3f"
                    % (row["per_request_ms"], want_ms))
    c.check("all" in first_module, "findings: a module finding for all")


def check_endpoint_finding(c, tag, row, share, truth):
    """endpoint_latency / endpoint_total: the cost per request lies within
    the endpoint's request times; endpoint_total's share is the
    endpoint's part of all request wall time."""
    ep = row["endpoint"] or row["subject"]
    if ep not in truth.scopes or ep == "all":
        return
    ms = num(row["per_request_ms"])
    walls = truth.walls_ms(ep)
    c.check(ms is not None and min(walls) - 1.0 <= ms <= max(walls) + 1.0,
            "%s: per_request_ms within the endpoint's requests" % tag,
            "%s, requests %.3f..%.3f ms" % (row["per_request_ms"],
                                            min(walls), max(walls)))
    if row["kind"] == "endpoint_total":
        want = truth.wall_ms(ep) / truth.wall_ms("all")
        c.check(share is not None and abs(share - want) <= SHARE_TOL,
                "%s: share of all request wall time" % tag,
                "%s, truth %.4f" % (row["share"], want))


OUTLIERS_COLS = ["endpoint", "name", "kind", "slow_requests",
                 "typical_requests", "slow_ms", "typical_ms", "ratio",
                 "p_value"]
OUTLIER_MIN = 30  # requests an endpoint needs (pr_outliers' default)


def groups(truth, scope):
    """The slow (above p90) and typical (p25 to p75) requests of a scope by
    profiled time, nearest-rank percentiles, as profreport ranks them."""
    names = sorted(truth.scopes[scope],
                   key=lambda n: truth.files[n]["profiled_s"])
    v = [truth.files[n]["profiled_s"] for n in names]
    n = len(v)

    def at(p):
        return v[int(math.ceil(p * n)) - 1]
    p25, p75, p90 = at(0.25), at(0.75), at(0.90)
    slow = [m for m, x in zip(names, v) if x > p90]
    typical = [m for m, x in zip(names, v) if p25 <= x <= p75]
    return slow, typical


def own_ms(truth, names, module):
    """Mean own ms per request of a module over some requests: measured
    for the designed modules, pstats' reference for the others."""
    key = "own_s" if module in truth.modules.values() else "pstats_own_s"
    return 1000.0 * sum(truth.files[n].get(key, {}).get(module, 0.0)
                        for n in names) / len(names)


def check_outliers(c, prog, d, truth):
    """Slow versus typical requests: the groups are the truth's, every
    module named moved by what the truth says, and a designed tail (a
    cache miss that scans with mongomock) is named, also as a finding."""
    header, rows, err = run_table(prog, d, "outliers")
    if not have_columns(c, "outliers", header, rows, OUTLIERS_COLS, err):
        return
    named = set()
    for row in rows:
        scope = row["endpoint"]
        tag = "outliers %s %s" % (scope, row["name"])
        if not c.check(scope in truth.scopes
                       and len(truth.scopes[scope]) >= OUTLIER_MIN,
                       "%s: an endpoint with %d requests or more"
                       % (tag, OUTLIER_MIN)):
            continue
        slow, typical = groups(truth, scope)
        c.check((num(row["slow_requests"]), num(row["typical_requests"]))
                == (len(slow), len(typical)), "%s: the groups" % tag,
                "%s and %s, truth %d and %d" % (
                    row["slow_requests"], row["typical_requests"],
                    len(slow), len(typical)))
        if row["kind"] != "module":
            continue
        named.add((scope, row["name"]))
        for col, grp in (("slow_ms", slow), ("typical_ms", typical)):
            got, want = num(row[col]), own_ms(truth, grp, row["name"])
            c.check(got is not None
                    and abs(got - want) <= 1.0 + 0.1 * want,
                    "%s: %s" % (tag, col), "%s, truth %.3f" % (row[col],
                                                                 want))
    if not truth.tail:
        return
    db = truth.modules["db"]
    scope = [s for s in truth.scopes if s.startswith("lookup ")]
    if not c.check(len(scope) == 1, "truth: one lookup endpoint"):
        return
    scope = scope[0]
    c.check((scope, db) in named, "outliers: %s's slowest requests name %s"
            % (scope, db), "named: %s" % sorted(named))
    header, rows, err = run_table(prog, d, "findings")
    if err is not None:
        return
    slow, typical = groups(truth, scope)
    want = own_ms(truth, slow, db) - own_ms(truth, typical, db)
    hit = [r for r in rows if r["kind"] == "slow_requests"
           and r["endpoint"] == scope and r["subject"] == db]
    c.check(len(hit) == 1, "findings: a slow_requests finding names %s "
            "in %s" % (db, scope))
    for r in hit:
        ms = num(r["per_request_ms"])
        c.check(ms is not None and abs(ms - want) <= 1.0 + 0.1 * want,
                "findings slow_requests %s: per_request_ms" % db,
                "%s, truth %.3f" % (r["per_request_ms"], want))


def show(truth):
    """Print the truth's own shares per scope (--show)."""
    for scope in sorted(truth.scopes, key=lambda s: (s != "all", s)):
        n = len(truth.scopes[scope])
        shares = sorted(truth.shares(scope).items(), key=lambda x: -x[1])
        print("%s: %d requests, profiled %.3f ms" % (
            scope, n, truth.profiled(scope) * 1000.0))
        for m, x in shares:
            if x >= 0.001:
                print("  %-12s %6.2f %%  %9.3f ms/request  (%s)" % (
                    m, 100.0 * x, truth.own(scope, m) / n * 1000.0,
                    "measured" if m in truth.modules.values() else "pstats"))


def main(argv):
    args = [a for a in argv[1:] if a != "--show"]
    if len(args) != 2:
        sys.stderr.write("usage: truthcheck.py [--show] DIR TRUTH.json\n")
        return 2
    d, truth_path = args
    prog = os.environ.get("PROFREPORT", "build/profreport")
    truth = Truth(truth_path)
    if "--show" in argv:
        show(truth)
        return 0
    c = Checks()
    on_disk = sorted(n for n in os.listdir(d)
                     if n.endswith((".prof", ".prof.gz")))
    c.check(on_disk == sorted(truth.files),
            "truth: one entry per file of %s" % d)
    check_requests(c, prog, d, truth, (), "")
    check_requests(c, prog, d, truth, ("--name-format", truth.name_format),
                   " --name-format")
    check_modules(c, prog, d, truth)
    check_findings(c, prog, d, truth)
    check_outliers(c, prog, d, truth)
    print("%d passed, %d failed" % (c.passed, c.failed))
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
