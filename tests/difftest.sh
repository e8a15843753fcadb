#!/bin/bash
# difftest.sh - differential test: profreport's merged functions and caller
# edges must equal what Python's own pstats computes for the same files
# (counts exactly, times within 1e-9 relative). tests/pstats_ref.py is the
# reference; it must run under an interpreter that can load the files, so
# Python 2 and `python -m profile` (code objects) fixtures use the matching
# pyenv interpreter when there is one, and are skipped otherwise.
set -u
cd "$(dirname "$0")/.."
PROFREPORT=${PROFREPORT:-build/profreport}
PYTHON=${PYTHON:-/usr/bin/python3}
PYENV_ROOT=${PYENV_ROOT:-$(pyenv root 2>/dev/null || echo /root/.pyenv)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0 skip=0

check() { # name python inputs...
    local name=$1 py=$2
    shift 2
    if [ ! -x "$py" ]; then
        echo "SKIP $name: no $py"
        skip=$((skip + 1))
        return
    fi
    local ok=1
    for table in functions:3 edges:6; do
        local t=${table%%:*} k=${table##*:}
        local mode=$t
        [ "$t" = edges ] && mode=callers
        "$PROFREPORT" -q -f csv -t "$t" "$@" > "$tmp/a.csv" 2>/dev/null || { echo "  profreport failed"; ok=0; }
        "$py" tests/pstats_ref.py "$mode" "$@" > "$tmp/b.csv" 2>/dev/null || { echo "  pstats_ref failed"; ok=0; }
        "$PYTHON" tests/csvcompare.py "$k" "$tmp/a.csv" "$tmp/b.csv" || ok=0
    done
    if [ $ok = 1 ]; then
        echo "PASS $name"
        pass=$((pass + 1))
    else
        echo "FAIL $name"
        fail=$((fail + 1))
    fi
}

V=tests/data/valid
py3_files=()
for f in $V/*.prof $V/*.prof.gz; do
    case $(basename "$f") in
        *py27*|cpython27*|dash_m_profile_py38*) ;;
        # profile.py files have int callers: pstats cannot merge them with
        # cProfile tuples for the same edge, so they are checked alone.
        *profile_py*|pypy39_profile*|mixed_callers*) check "$(basename "$f")" "$PYTHON" "$f" ;;
        *) py3_files+=("$f"); check "$(basename "$f")" "$PYTHON" "$f" ;;
    esac
done
check "all cProfile Python 3 fixtures merged" "$PYTHON" "${py3_files[@]}"
check "werkzeug directory (Flask app)" "$PYTHON" tests/data/werkzeug
check "werkzeug directory twice + fixtures" "$PYTHON" tests/data/werkzeug tests/data/werkzeug "${py3_files[@]}"
py27=$PYENV_ROOT/versions/2.7.18/bin/python
for f in $V/cpython27.prof $V/profile_py27.prof $V/dash_m_profile_py27.prof; do
    check "$(basename "$f") (Python 2.7 pstats)" "$py27" "$f"
done
check "dash_m_profile_py38.prof (Python 3.8 pstats)" "$PYENV_ROOT/versions/3.8.18/bin/python" $V/dash_m_profile_py38.prof
# A profile of 16 MiB or more gives its file buffer back before its
# tables are built (lib/aggregate.c, RELEASE_EARLY): a real cProfile dump
# of 20 MB (tests/gen/make_big_profile.py, made once into the cache),
# alone and merged after the Flask directory.
cache=${PROFREPORT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/profreport}
big=$cache/big-real/big-150000.prof
if [ ! -s "$big" ]; then
    mkdir -p "$cache/big-real"
    "$PYTHON" tests/gen/make_big_profile.py "$big" > /dev/null
fi
if [ "$(stat -c %s "$big" 2>/dev/null || echo 0)" -ge $((16 << 20)) ]; then
    check "a 20 MB profile (its buffer released before its tables)" "$PYTHON" "$big"
    check "the werkzeug directory, then the 20 MB profile" "$PYTHON" tests/data/werkzeug "$big"
else
    echo "FAIL the big profile: $big is missing or under 16 MiB"
    fail=$((fail + 1))
fi
for d in "${PROFREPORT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/profreport}"/bench-werkzeug; do
    [ -d "$d" ] && [ -n "${DIFFTEST_BENCH:-}" ] && check "bench directory" "$PYTHON" "$d"
done
echo "difftest: $pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
