#!/bin/bash
# gate_eval.sh - measures the CI gate on the twin app (make gate-eval):
#   false-alarm rate: AA A/A pairs (default 24), nothing changed, through
#       the rules of examples/ci/profile-gate.sh; counts failed gates and
#       endpoints called slower;
#   detection: AB A/B pairs (default 10) at 30 and at 50 requests a
#       route, the search view with one extra query (p50 about +30 %);
#       counts gates that fail with search alone slower and sqlalchemy
#       blamed first;
#   requests needed: tests/gen/twin/power.py on the A/A latencies.
# Pairs are generated once into ${PROFREPORT_CACHE:-~/.cache/profreport}/i14
# (about 5 s each); later runs reuse them.
set -u
cd "$(dirname "$0")/.."
P=${PROFREPORT:-build/profreport}
PY=${PYTHON:-/usr/bin/python3}
C=${PROFREPORT_CACHE:-$HOME/.cache/profreport}/i14
AA=${AA:-24}
AB=${AB:-10}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pair() {
    if [ ! -f "$C/$1/done" ]; then
        mkdir -p "$C"
        "$PY" tests/gen/twin/run_twin.py "$C/$1" --variant "$2" --seed "$3" "${@:4}" > /dev/null \
            && touch "$C/$1/done" || { echo "gate_eval: cannot generate $1" >&2; exit 1; }
    fi
}
gate() {
    "$P" diff --quiet --fail-on 'p50>+20%' --fail-on 'p95>+20%' --fail-on 'p95>+30ms' "$@" 2>/dev/null
}
fails=0 slower=0 oldfails=0
for i in $(seq 1 "$AA"); do
    pair "aa-$i" A "$i"
    gate "$C/aa-$i/base" "$C/aa-$i/new" > /dev/null
    [ $? = 1 ] && fails=$((fails + 1))
    "$P" diff -q --alpha 1 --fail-on 'p95>+20%' --fail-on 'p50>+20%' "$C/aa-$i/base" "$C/aa-$i/new" > /dev/null 2>&1
    [ $? = 1 ] && oldfails=$((oldfails + 1))
    s=$("$P" diff -q -f csv "$C/aa-$i/base" "$C/aa-$i/new" | grep -c ',slower,')
    slower=$((slower + s))
    "$P" -q -f csv -t requests -o "$tmp/aa-$i.csv" "$C/aa-$i/base"
done
echo "A/A: $fails of $AA pairs failed the default gate; $slower endpoints called slower (of $((AA * 4)) tested)"
echo "A/A: the threshold-only rules p95>+20% p50>+20% (--alpha 1) failed $oldfails of $AA"
# ab_pairs PREFIX REQUESTS SEED0: AB A/B pairs with REQUESTS a route
ab_pairs() {
    local hit=0 alone=0 blamed=0 pv=
    for i in $(seq 1 "$AB"); do
        pair "$1-$i" B "$(($3 + i))" --requests "$2"
        gate "$C/$1-$i/base" "$C/$1-$i/new" > "$tmp/ab.md"
        [ $? = 1 ] && hit=$((hit + 1))
        "$P" diff -q -f csv "$C/$1-$i/base" "$C/$1-$i/new" > "$tmp/ab.csv"
        s=$(grep ',slower,' "$tmp/ab.csv" | cut -d, -f1 | tr '\n' ' ')
        [ "$s" = "search (shop.py:56) " ] && alone=$((alone + 1))
        pv="$pv $(grep '^search' "$tmp/ab.csv" | cut -d, -f12)"
        grep -q '^- \*\*search (shop.py:56)\*\*: slower.*; sqlalchemy +' "$tmp/ab.md" && blamed=$((blamed + 1))
    done
    echo "A/B, $2 requests a route: the gate failed $hit of $AB pairs; search alone slower in $alone; sqlalchemy named first in $blamed; search p-values:$pv"
}
ab_pairs ab 30 1000
ab_pairs ab50 50 5000
echo "load average while measuring: $(cut -d' ' -f1-3 /proc/loadavg)"
"$PY" tests/gen/twin/power.py "$tmp"/aa-*.csv
