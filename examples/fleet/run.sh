#!/bin/sh
# run.sh - three hosts, three states, one fleet report (see README.md).
set -eu
cd "$(dirname "$0")/../.."
P=${PROFREPORT:-build/profreport}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Three "hosts", each with a third of the profiles.
i=0
for f in examples/profiles/*.prof; do
    host=host$((i % 3))
    mkdir -p "$work/$host"
    cp "$f" "$work/$host/"
    i=$((i + 1))
done

# Each host: reduce its own directory to a state (what cron would run).
for host in host0 host1 host2; do
    "$P" --quiet --state "$work/$host.state" -f csv -t endpoints \
        -o "$work/$host.csv" "$work/$host"
done

# The collector: merge in any grouping and order.
"$P" merge -o "$work/fleet.state" "$work/host0.state" "$work/host1.state" "$work/host2.state"
"$P" merge -o "$work/h12.state" "$work/host1.state" "$work/host2.state"
"$P" merge -o "$work/other.state" "$work/h12.state" "$work/host0.state"

"$P" --quiet -f csv -t endpoints "$work/fleet.state" > "$work/fleet.csv"
"$P" --quiet -f csv -t endpoints "$work/other.state" > "$work/other.csv"
"$P" --quiet -f csv -t endpoints examples/profiles > "$work/all.csv"
ls -l "$work"/*.state | awk '{print "state:", $5, "bytes", $NF}'
cmp "$work/fleet.csv" "$work/other.csv" && echo "merge order does not matter: same endpoint table"
# The same requests, read on the hosts instead of here: only the paths of
# the slowest files (the last column) differ.
cut -d, -f1-11 "$work/fleet.csv" > "$work/a"
cut -d, -f1-11 "$work/all.csv" > "$work/b"
cmp "$work/a" "$work/b" && echo "fleet report = report over all files"
"$P" --quiet "$work/fleet.state" | sed -n '/^## Findings/,/^## Endpoints/p'
