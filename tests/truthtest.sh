#!/bin/bash
# truthtest.sh - profreport against measured truth: for every directory in
# tests/data/truth/ (werkzeug profiles of tests/gen/layersapp.py written by
# tests/gen/make_truth_fixtures.sh) run tests/truthcheck.py with the truth
# measured while it was written: findings, module own shares and request
# names/wall times. Prints truthcheck's lines and one summary line per
# directory; exits 1 when a check failed.
set -u
cd "$(dirname "$0")/.."
export PROFREPORT=${PROFREPORT:-build/profreport}
PYTHON=${PYTHON:-/usr/bin/python3}
T=tests/data/truth
pass=0 fail=0
for truth in "$T"/*.json; do
    d=${truth%.json}
    if [ ! -d "$d" ]; then
        echo "FAIL $truth: no directory $d"
        fail=$((fail + 1))
        continue
    fi
    echo "== $d"
    if "$PYTHON" tests/truthcheck.py "$d" "$truth"; then
        echo "PASS $d"
        pass=$((pass + 1))
    else
        echo "FAIL $d"
        fail=$((fail + 1))
    fi
done
echo "truthtest: $pass directories passed, $fail failed"
[ "$fail" = 0 ]
