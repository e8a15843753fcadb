#!/bin/sh
# symbols.sh [LIB.a] - the built library exports the public API only: every
# global symbol it defines is a function declared PR_API in
# include/profreport.h, and every such function is defined.
set -eu
lib=${1:-build/libprofreport.a}
hdr=$(dirname "$0")/../include/profreport.h
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nm -g --defined-only "$lib" | awk 'NF == 3 { print $3 }' | sort > "$tmp/defined"
sed -n '/^PR_API$/{n;p}' "$hdr" | sed -n 's/.*[ *]\(pr_[a-z0-9_]*\)(.*/\1/p' |
    sort > "$tmp/declared"
fail=0
if [ ! -s "$tmp/declared" ]; then
    echo "symbols: no PR_API declarations found in $hdr" >&2
    exit 1
fi
extra=$(comm -23 "$tmp/defined" "$tmp/declared")
missing=$(comm -13 "$tmp/defined" "$tmp/declared")
if [ -n "$extra" ]; then
    echo "symbols: $lib exports names that are not PR_API:" $extra >&2
    fail=1
fi
if [ -n "$missing" ]; then
    echo "symbols: PR_API functions $lib does not export:" $missing >&2
    fail=1
fi
[ "$fail" = 0 ] && echo "symbols: $(wc -l < "$tmp/defined") exported, all PR_API"
exit "$fail"
