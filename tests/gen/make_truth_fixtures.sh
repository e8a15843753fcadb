#!/usr/bin/env bash
# Write the measured-truth fixtures in tests/data/truth/ (checked by
# tests/truthtest.sh): werkzeug profile directories of tests/gen/layersapp.py,
# each with the truth tests/gen/make_truth_dirs.py measured while writing it.
#
# Usage: tests/gen/make_truth_fixtures.sh [OUTDIR]   (default tests/data/truth)
#
#   layers-cpython3.11   Debian's python3, werkzeug's default name format
#   layers-pypy3.9       Debian's pypy3, default name format
#   decimal-cpython3.11  Debian's python3, "{elapsed:.3f}ms.{time:.6f}"
#                        names and routes with digits and dots in the path
#   tail-cpython3.11     Debian's python3: 32 /lookup requests, every 8th
#                        a cache miss that scans with mongomock (the slow
#                        versus typical test), gzip-compressed
#   layers-cpython3.X    pyenv's CPython 3.8, 3.9, 3.10, 3.12, 3.13: /ping
#                        and /report (3.11 is Debian's above)
# Every directory has one request for a page that does not exist (a 404).
#
# All need Debian's python3-flask, python3-mongomock and python3-jinja2;
# PyPy and pyenv's interpreters find them through PYTHONPATH. An
# interpreter that is not installed is skipped with a message. Each
# directory is rewritten whole (times differ on every run).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
OUT="${1:-tests/data/truth}"
GEN=tests/gen/make_truth_dirs.py
DIST=/usr/lib/python3/dist-packages
PYENV=/root/.pyenv/versions
mkdir -p "$OUT"

make_dir() {  # make_dir NAME INTERP ARGS...: OUT/NAME/ and OUT/NAME.json
    local name=$1 interp=$2
    shift 2
    if [[ ! -x "$interp" ]]; then
        echo "skip $name: $interp not found" >&2
        return 0
    fi
    rm -rf "${OUT:?}/$name" "$OUT/$name.json"
    PYTHONPATH=$DIST "$interp" "$GEN" "$OUT/$name" "$OUT/$name.json" "$@"
}

make_dir layers-cpython3.11 /usr/bin/python3 --requests 8 --not-found 1
make_dir layers-pypy3.9 /usr/bin/pypy3 --requests 6 --not-found 1
make_dir tail-cpython3.11 /usr/bin/python3 --tail --requests 32 \
    --not-found 1 --gzip
make_dir decimal-cpython3.11 /usr/bin/python3 --decimal --requests 14 \
    --not-found 1
for v in 3.8.18 3.9.18 3.10.13 3.12.1 3.13.0; do
    make_dir "layers-cpython${v%.*}" "$PYENV/$v/bin/python" --requests 2 \
        --not-found 1
done
du -sh "$OUT"
