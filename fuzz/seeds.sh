#!/bin/sh
# seeds.sh [TARGET...] - put seed inputs for the libFuzzer targets into
# their corpus directories, $FUZZ_CACHE/TARGET (default
# ${PROFREPORT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/profreport}/fuzz),
# outside the tree: corpora grow with every run and are not committed.
# TARGET: profile, name, state, baseline, report (default: all five).
#
# Seeds are the repository's real files, and state files and baseline
# CSVs written from them by $PROFREPORT (default build/profreport). Each
# is stored under the SHA-1 of its content, as libFuzzer names its own
# finds, so running this again adds nothing twice.
set -eu
cd "$(dirname "$0")/.."
P=${PROFREPORT:-build/profreport}
CACHE=${FUZZ_CACHE:-${PROFREPORT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/profreport}/fuzz}
PY=${PYTHON:-python3}
W=tests/data/werkzeug
[ $# -gt 0 ] || set -- profile name state baseline report
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# seed DIR MAXLEN FILE: copy FILE in unless it is longer than the
# target's -max_len (libFuzzer would only see its start).
seed() {
    [ -f "$3" ] || return 0
    [ "$(wc -c < "$3")" -le "$2" ] || return 0
    cp "$3" "$1/$(sha1sum < "$3" | cut -c1-40)"
}

# name_seed DIR FORMAT NAME: "FORMAT\0NAME", or NAME alone for FORMAT "".
name_seed() {
    if [ -z "$2" ]; then
        printf '%s' "$3" > "$tmp/n"
    else
        printf '%s\000%s' "$2" "$3" > "$tmp/n"
    fi
    seed "$1" 512 "$tmp/n"
}

# The smallest few request files of the werkzeug test directory.
small_werkzeug() {
    ls -S -r "$W" | head -n "$1"
}

need_profreport() {
    [ -x "$P" ] && return 0
    echo "seeds.sh: $P is missing (make build/profreport)" >&2
    exit 1
}

# fuzz_report takes the same inputs as fuzz_profile.
seeds_report() {
    seeds_profile report
}

seeds_profile() {
    d=$CACHE/${1:-profile}
    mkdir -p "$d"
    for f in tests/data/valid/*.prof tests/data/invalid/* tests/data/modules/*.prof \
             tests/data/hostile/*.prof; do
        case $f in */EXPECTED*) continue ;; esac
        seed "$d" 65536 "$f"
    done
    for f in $(small_werkzeug 6); do
        seed "$d" 65536 "$W/$f"
    done
    seed "$d" 65536 tests/data/valid/cpython311.prof.gz
}

seeds_name() {
    d=$CACHE/name
    mkdir -p "$d"
    ls "$W" tests/data/hostile tests/data/werkzeug-slow examples/profiles \
        > "$tmp/names"
    while IFS= read -r n; do
        case $n in *.prof) name_seed "$d" "" "$n" ;; esac
    done < "$tmp/names"
    head -n 8 "$tmp/names" | while IFS= read -r n; do
        name_seed "$d" "" "dir/sub/$n.gz"
    done
    # werkzeug's formats, old and new, with names they wrote
    name_seed "$d" '{method}.{path}.{elapsed:.0f}ms.{time:.0f}.prof' \
        GET.api.items.3.1ms.1795610533.prof
    name_seed "$d" '{method}.{path}.{elapsed:06d}ms.{time:d}.prof' \
        GET.api.items.3.000001ms.1795610533.prof
    name_seed "$d" '{method}.{path}.{elapsed:.3f}ms.{time:.6f}.prof' \
        GET.product.7.8.125ms.1795610533.512345.prof
    name_seed "$d" '{method}.{path}.{elapsed}ms.{time}.prof' \
        POST.cart.0.5ms.1795610533.25.prof
    name_seed "$d" '{method}.{path}.prof.gz' GET.root.prof.gz
    name_seed "$d" 'req-{elapsed:.0f}.prof' req-12.prof
    name_seed "$d" 'x{{method}}.{time:d}.prof' 'x{method}.1700000000.prof'
    name_seed "$d" '{time:d}-{method}-{path}.prof' 1700000000-GET-a.b.c.prof
    # formats that must be refused
    for f in '{method}.{path' '{host}.prof' '{elapsed:.3e}ms.prof' \
             '{method!r}.prof' '{elapsed:>8}' 'abc{' '}' '{0}.prof'; do
        name_seed "$d" "$f" GET.root.5ms.1795610533.prof
    done
}

# stdin: a state file; stdout: its payload (as fuzz_state reads inputs
# that do not start with the magic).
payload() {
    "$PY" -c 'import sys, zlib
d = sys.stdin.buffer.read()
sys.stdout.buffer.write(zlib.decompress(d[40:]))'
}

seeds_state() {
    need_profreport
    d=$CACHE/state
    mkdir -p "$d"
    set -- $(small_werkzeug 4)
    i=0
    for f in "$@"; do
        i=$((i + 1))
        "$P" -q --state "$tmp/one$i.state" "$W/$f" > /dev/null
        "$P" -q --state-bucket 5m --state "$tmp/b$i.state" "$W/$f" > /dev/null
    done
    "$P" -q --state "$tmp/two.state" "$W/$1" "$W/$2" > /dev/null
    "$P" -q --state-bucket 1m --state "$tmp/hostile.state" tests/data/hostile > /dev/null
    "$P" -q --state "$tmp/modules.state" tests/data/modules > /dev/null
    "$P" -q --state "$tmp/v27.state" tests/data/valid/cpython27.prof \
        tests/data/valid/dash_m_profile_py38.prof > /dev/null
    "$P" merge -o "$tmp/merged.state" "$tmp/one1.state" "$tmp/one2.state" \
        "$tmp/two.state"
    "$P" merge -o "$tmp/mergedb.state" "$tmp/b3.state" "$tmp/b4.state"
    # a state with nothing in it
    : > "$tmp/empty.prof"
    "$P" -q --state "$tmp/none.state" "$tmp/empty.prof" > /dev/null 2>&1 || true
    for s in "$tmp"/*.state; do
        seed "$d" 16384 "$s"
        if "$PY" -c '' 2> /dev/null; then
            payload < "$s" > "$s.payload"
            seed "$d" 16384 "$s.payload"
        fi
    done
}

seeds_baseline() {
    need_profreport
    d=$CACHE/baseline
    mkdir -p "$d"
    i=0
    for src in "$W" tests/data/werkzeug-slow tests/data/hostile tests/data/modules \
               examples/profiles "$W/$(small_werkzeug 1)"; do
        i=$((i + 1))
        "$P" -q -f csv -t endpoints "$src" > "$tmp/e$i.csv"
        "$P" -q -f csv -t endpoints --group-by path "$src" > "$tmp/p$i.csv"
        "$P" -q -f csv -t requests "$src" > "$tmp/r$i.csv" # tested baselines
        seed "$d" 16384 "$tmp/e$i.csv"
        seed "$d" 16384 "$tmp/p$i.csv"
        seed "$d" 16384 "$tmp/r$i.csv"
    done
    for f in tests/data/golden/*.csv; do
        seed "$d" 16384 "$f"
    done
}

for t in "$@"; do
    case $t in
    profile | name | state | baseline | report) "seeds_$t" ;;
    *) echo "seeds.sh: unknown target $t (profile, name, state, baseline, report)" >&2
       exit 2 ;;
    esac
    echo "seeds.sh: $t: $(ls "$CACHE/$t" | wc -l) files in $CACHE/$t"
done
