#!/usr/bin/env bash
# Build (once) the benchmark corpus: a directory of >= N real werkzeug
# ProfilerMiddleware profiles from tests/gen/flask_app.py.
#
# Usage: bench/gen_bench.sh [N]          (default N=6000)
# Output dir: ${PROFREPORT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/profreport}/bench-werkzeug/
# Env: PYTHON (default /usr/bin/python3, needs Debian's python3-flask and
#      python3-flask-sqlalchemy), BENCH_SEED (default 6000).
#
# Idempotent: if the directory already holds >= N .prof files nothing is
# generated.  Otherwise a fresh corpus is written into a temp dir next to it
# and renamed into place at the end, so an interrupted run never leaves a
# half-built corpus under the final name.  The "heavy" request mix (signed
# cookie session on every request, sqlalchemy dashboards, big templates)
# gives files of ~50-100 KB like real Flask apps; ~2-3 minutes for 6000.
# Prints the file count, total size and average file size.
set -euo pipefail

N="${1:-6000}"
if ! [[ "$N" =~ ^[0-9]+$ ]] || (( N < 1 )); then
    echo "usage: $0 [N]   (N = minimum number of profile files)" >&2
    exit 2
fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-/usr/bin/python3}"
SEED="${BENCH_SEED:-6000}"
CACHE="${PROFREPORT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/profreport}"
DEST="$CACHE/bench-werkzeug"

count() { find "$1" -maxdepth 1 -type f -name '*.prof' | wc -l; }

report() {
    local files bytes
    files=$(count "$DEST")
    bytes=$(find "$DEST" -maxdepth 1 -type f -name '*.prof' -printf '%s\n' |
            awk '{s += $1} END {print s + 0}')
    awk -v f="$files" -v b="$bytes" -v d="$DEST" 'BEGIN {
        printf "%s: %d files, %.1f MB, average %.1f KB\n",
               d, f, b / 1048576, (f ? b / f / 1024 : 0) }'
}

if [[ -d "$DEST" ]] && (( $(count "$DEST") >= N )); then
    echo "up to date (>= $N files)"
    report
    exit 0
fi

mkdir -p "$CACHE"
TMP="$(mktemp -d "$CACHE/.bench-werkzeug.tmp.XXXXXX")"
OLD=""
cleanup() { rm -rf "$TMP" ${OLD:+"$OLD"}; }
trap cleanup EXIT

echo "generating >= $N profiles into $TMP (seed $SEED)..."
"$PYTHON" "$ROOT/tests/gen/make_werkzeug_dir.py" "$TMP" "$N" \
    --mix heavy --seed "$SEED" --min-files "$N"

if [[ -e "$DEST" ]]; then
    OLD="$CACHE/.bench-werkzeug.old.$$"
    mv "$DEST" "$OLD"
fi
mv "$TMP" "$DEST"
report
