#!/usr/bin/env bash
# Generate the small committed .prof fixtures in tests/data/valid/.
#
# Usage: tests/gen/make_fixtures.sh [--force] [OUTDIR]
#   OUTDIR   default: tests/data/valid (relative to the repo root)
#   --force  regenerate files that already exist (default: keep them, so a
#            re-run only fills in missing fixtures and the committed bytes
#            do not churn; times differ on every run).
#
# Every fixture is the workload in tests/gen/workload.py profiled by a
# different producer/interpreter (see the table below).  Interpreters that are
# not installed are skipped with a message; everything else is an error.
# Each file is written to a temp name first and renamed, so an interrupted run
# never leaves a partial fixture behind.
#
# The script runs from the repo root and passes the workload as the relative
# path tests/gen/workload.py: Python <= 3.8 records it as typed, 3.9+ records
# the absolute path for `python script.py`, and -m profile/-m cProfile keep
# the relative path (see docs/pstats-format.md 5).
set -euo pipefail

FORCE=0
if [[ "${1:-}" == "--force" ]]; then FORCE=1; shift; fi

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
OUT="${1:-tests/data/valid}"
mkdir -p "$OUT"
WL=tests/gen/workload.py
PYENV=/root/.pyenv/versions
DEBPY=/usr/bin/python3
PYPY=/usr/bin/pypy3

py() {  # py VERSION -> path of the pyenv interpreter (may not exist)
    echo "$PYENV/$1/bin/python"
}

have() {
    if [[ -x "$1" ]]; then return 0; fi
    echo "skip: interpreter $1 not found" >&2
    return 1
}

need() {  # need FILE: return 0 if FILE must be (re)generated
    if [[ $FORCE == 0 && -s "$OUT/$1" ]]; then
        echo "keep $OUT/$1"
        return 1
    fi
    return 0
}

done_file() {  # done_file NAME: move NAME.tmp into place
    mv -f "$OUT/$1.tmp" "$OUT/$1"
    echo "wrote $OUT/$1 ($(stat -c %s "$OUT/$1") bytes)"
}

# workload under cProfile (runcall(main) + dump_stats)
cprof() {  # cprof NAME INTERP
    need "$1" || return 0
    have "$2" || return 0
    "$2" "$WL" "$OUT/$1.tmp"
    done_file "$1"
}

# workload under pure-Python profile.Profile (callers are ints)
pyprof() {  # pyprof NAME INTERP
    need "$1" || return 0
    have "$2" || return 0
    "$2" "$WL" "$OUT/$1.tmp" --profile-py
    done_file "$1"
}

# python -m profile|cProfile -o OUT workload.py
dash_m() {  # dash_m NAME INTERP MODULE
    need "$1" || return 0
    have "$2" || return 0
    "$2" -m "$3" -o "$OUT/$1.tmp" "$WL" >/dev/null
    done_file "$1"
}

# --- cProfile, one per interpreter --------------------------------------
cprof cpython27.prof  "$(py 2.7.18)"
cprof cpython36.prof  "$(py 3.6.15)"
cprof cpython37.prof  "$(py 3.7.16)"
cprof cpython38.prof  "$(py 3.8.18)"
cprof cpython39.prof  "$(py 3.9.18)"
cprof cpython310.prof "$(py 3.10.13)"
cprof cpython311.prof "$(py 3.11.7)"
cprof cpython312.prof "$(py 3.12.1)"
cprof cpython313.prof "$(py 3.13.0)"
cprof debian311.prof  "$DEBPY"
cprof pypy39.prof     "$PYPY"

# --- profile.py ---------------------------------------------------------
pyprof profile_py311.prof   "$(py 3.11.7)"
pyprof profile_py27.prof    "$(py 2.7.18)"
pyprof pypy39_profile.prof  "$PYPY"

# --- -m profile (code objects in keys) / -m cProfile ----------------------
dash_m dash_m_profile_py311.prof  "$(py 3.11.7)" profile
dash_m dash_m_profile_py38.prof   "$(py 3.8.18)" profile
dash_m dash_m_profile_py27.prof   "$(py 2.7.18)" profile
dash_m dash_m_cprofile_py311.prof "$(py 3.11.7)" cProfile

# --- derived files, written by Debian python3 ---------------------------
if have "$DEBPY"; then
    if [[ -s "$OUT/cpython311.prof" ]]; then
        # marshal_vN.prof: the cpython311 stats dict re-dumped at version N
        for v in 0 1 2 3 4; do
            f="marshal_v$v.prof"
            need "$f" || continue
            "$DEBPY" - "$OUT/cpython311.prof" "$OUT/$f.tmp" "$v" <<'EOF'
import marshal, pstats, sys
st = pstats.Stats(sys.argv[1]).stats
with open(sys.argv[2], "wb") as f:
    marshal.dump(st, f, int(sys.argv[3]))
EOF
            done_file "$f"
        done
        # cpython311.prof.gz: deterministic gzip (-n: no name/mtime)
        if need cpython311.prof.gz; then
            gzip -9 -n -c "$OUT/cpython311.prof" >"$OUT/cpython311.prof.gz.tmp"
            done_file cpython311.prof.gz
        fi
    else
        echo "skip: marshal_v*.prof, cpython311.prof.gz need $OUT/cpython311.prof" >&2
    fi

    # merged_py311.prof: pstats.Stats(a, b).dump_stats() of two fresh runs
    if need merged_py311.prof; then
        TMPD="$(mktemp -d)"
        trap 'rm -rf "$TMPD"' EXIT
        "$DEBPY" "$WL" "$TMPD/a.prof"
        "$DEBPY" "$WL" "$TMPD/b.prof"
        "$DEBPY" -c 'import pstats, sys; pstats.Stats(sys.argv[1], sys.argv[2]).dump_stats(sys.argv[3])' \
            "$TMPD/a.prof" "$TMPD/b.prof" "$OUT/merged_py311.prof.tmp"
        done_file merged_py311.prof
    fi

    # mixed_callers_py311.prof: cProfile workload merged with a profile.py run
    # of disjoint code, so one file holds both tuple- and int-form callers
    # (format doc 3.6 / 6.15).
    if need mixed_callers_py311.prof; then
        TMPD2="$(mktemp -d)"
        "$DEBPY" "$WL" "$TMPD2/a.prof"
        "$DEBPY" - "$TMPD2/a.prof" "$TMPD2/b.prof" "$OUT/mixed_callers_py311.prof.tmp" <<'EOF'
import profile, pstats, sys
src = ("def leaf(n):\n    return n + len([n])\n"
       "def root():\n    return sum(leaf(i) for i in range(50))\n")
ns = {}
exec(compile(src, "<mixed-profile-py>", "exec"), ns)
p = profile.Profile()
p.runcall(ns["root"])
p.dump_stats(sys.argv[2])
pstats.Stats(sys.argv[1], sys.argv[2]).dump_stats(sys.argv[3])
EOF
        rm -rf "$TMPD2"
        done_file mixed_callers_py311.prof
    fi
fi

echo "total: $(du -sb "$OUT" | cut -f1) bytes in $(ls "$OUT" | wc -l) files"
