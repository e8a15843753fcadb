#!/bin/bash
# scale.sh - profreport at scale: a directory of 200,000 profiles (hard
# links to the committed werkzeug fixtures, so it costs no disk), one
# 100 MB profile (a stats dict written by Python's marshal with 400,000
# distinct functions), 10,000 to 100,000 distinct endpoints, call chains
# of 10,000 and 50,000 functions (bench/gen_scale.py), and a cron run
# with --state: a state that knows 1,000,000 requests, and 1,000 new
# files (wall, user and system CPU, peak RSS, and whether issue 16's
# targets are met). Prints wall time, peak RSS and open descriptors. Data is cached
# outside the repository. SCALE_PARTS picks parts: files, big, endpoints,
# chains, state. Env: SCALE_N (200000), STATE_N (1000000), STATE_NEW (1000).
set -euo pipefail
cd "$(dirname "$0")/.."
P=${PROFREPORT:-build/profreport}
cache=${PROFREPORT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/profreport}
N=${SCALE_N:-200000}
PARTS=${SCALE_PARTS:-files big endpoints chains state}
want() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
# links OUT N [FIRST]: N hard links to the werkzeug fixtures under OUT,
# 5,000 a directory, numbered from FIRST (names differ, so a state does
# not take them for requests it counted); os.link in one process: a fork
# per link would take minutes.
links() {
    rm -rf "$1.tmp" && mkdir -p "$1.tmp"
    /usr/bin/python3 - "$1.tmp" "$2" "${3:-0}" tests/data/werkzeug/*.prof <<'PY'
import os, sys
out, n, first, srcs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
for i in range(first, first + n):
    sub = os.path.join(out, "d%d" % (i // 5000))
    if i == first or i % 5000 == 0:
        os.makedirs(sub, exist_ok=True)
    src = srcs[i % len(srcs)]
    base = os.path.basename(src)[:-len(".prof")]
    os.link(src, os.path.join(sub, "%s.%d.prof" % (base, i)))
PY
    rm -rf "$1" && mv "$1.tmp" "$1"
}
dir=$cache/scale-$N
if want files && [ "$(find "$dir" -name '*.prof' 2>/dev/null | wc -l)" -lt "$N" ]; then
    links "$dir" "$N"
fi
big=$cache/big-100mb.prof
if want big && [ ! -s "$big" ]; then
    /usr/bin/python3 - "$big" <<'PY'
import marshal, sys
stats = {}
n = 400000
for i in range(n):
    key = ("/srv/app/pkg%d/module_%d.py" % (i % 50, i % 5000), i % 9000 + 1, "function_%d" % i)
    callers = {}
    for j in range(1, 4):
        c = (i * 7 + j) % n
        ck = ("/srv/app/pkg%d/module_%d.py" % (c % 50, c % 5000), c % 9000 + 1, "function_%d" % c)
        callers[ck] = (j, j, 1e-6 * j, 2e-6 * j)
    stats[key] = (3, 3, 3e-6, 9e-6, callers)
with open(sys.argv[1] + ".tmp", "wb") as f:
    marshal.dump(stats, f)
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
PY
fi
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
run() { # label args...
    local label=$1
    shift
    /usr/bin/time -f "%e %M" -o "$cache/time.out" "$P" -q "$@" > /dev/null
    read -r s kb < "$cache/time.out"
    printf '%-44s %7.2f s  peak RSS %6.1f MB\n' "$label" "$s" "$(echo "$kb / 1024" | bc -l)"
}
if want files; then
    echo "$(find "$dir" -name '*.prof' | wc -l) files in $dir ($(du -sh --apparent-size "$dir" | cut -f1) apparent)"
    run "200,000 profiles, CSV functions" -f csv "$dir"
    run "200,000 profiles, Markdown report" "$dir"
    run "34 profiles (the same functions), Markdown" tests/data/werkzeug
fi
if want big; then
    echo "$(du -h --apparent-size "$big" | cut -f1) single profile: $big"
    size=$(stat -c %s "$big")
    # Every report format, the whole report in each but CSV's functions.
    for fmt in csv md html json; do
        case $fmt in
        csv) what="CSV functions" ;;
        md) what="Markdown report" ;;
        html) what="HTML report" ;;
        json) what="JSON, the whole report" ;;
        esac
        run "127 MB profile, $what" -f $fmt "$big"
        read -r _ kb < "$cache/time.out"
        echo "  target: at most 3x the file ($((size * 3 / 1048576)) MB): $(awk -v k="$kb" -v s="$size" \
            'BEGIN { r = k * 1024 / s; printf "%.2fx, %s", r, r <= 3 ? "met" : "MISSED" }')"
    done
fi
# Distinct endpoints (a crawler's 404s, slug URLs without Flask views):
# time and memory must grow as n log n at most. A quadratic step shows
# as a 4x endpoints costing far more than 4x.
if want endpoints; then
    for n in 10000 40000 100000; do
        [ -d "$cache/i12/ep-$n" ] || { mkdir -p "$cache/i12"; /usr/bin/python3 bench/gen_scale.py endpoints "$cache/i12/ep-$n" $n; }
        run "$n endpoints, Markdown report" "$cache/i12/ep-$n"
    done
fi
# One profile whose call graph is a chain of functions in distinct
# packages (module attribution and findings walk it).
if want chains; then
    for n in 10000 50000; do
        [ -s "$cache/i12/chain-$n.prof" ] || { mkdir -p "$cache/i12"; /usr/bin/python3 bench/gen_scale.py chain "$cache/i12/chain-$n.prof" $n; }
        run "chain of $n functions, Markdown report" "$cache/i12/chain-$n.prof"
    done
fi
if want state; then
    # A cron run: the state knows STATE_N requests (built once, cached),
    # STATE_NEW files are new. Each run starts from a copy of the state.
    # The state is kept per format version: a state of an older version
    # is converted once by a run over the known files (which reads none
    # of them), so the runs timed are the steady state of a cron job.
    SN=${STATE_N:-1000000}
    NEW=${STATE_NEW:-1000}
    sdir=$cache/state-$SN
    [ "$(find "$sdir/known" -name '*.prof' 2>/dev/null | wc -l)" -ge "$SN" ] ||
        { mkdir -p "$sdir" && rm -f "$sdir"/known*.state && links "$sdir/known" "$SN"; }
    [ "$(find "$sdir/fresh" -name '*.prof' 2>/dev/null | wc -l)" -ge "$NEW" ] ||
        links "$sdir/fresh" "$NEW" "$SN"
    if [ ! -s "$sdir/known.state" ]; then
        run "state of $SN requests, first run" \
            --state "$sdir/known.state.tmp" -f csv -t endpoints "$sdir/known"
        mv "$sdir/known.state.tmp" "$sdir/known.state"
    fi
    v=$(od -An -tu4 -j8 -N4 "$sdir/known.state" | tr -d ' ')
    st=$sdir/known.state
    if [ "$v" != 3 ]; then
        st=$sdir/known.v3.state
        if [ ! -s "$st" ]; then
            cp "$sdir/known.state" "$st.tmp"
            run "state of version $v converted to version 3" \
                --state "$st.tmp" -f csv -t endpoints "$sdir/known"
            mv "$st.tmp" "$st"
        fi
    fi
    echo "state: $(du -h "$st" | cut -f1) for $SN requests ($st)"
    for fmt in "-f csv -t endpoints" ""; do
        cp "$st" "$cache/cron.state"
        # shellcheck disable=SC2086
        /usr/bin/time -f "%e %U %S %M" -o "$cache/time.out" "$P" -q \
            --state "$cache/cron.state" $fmt "$sdir/known" "$sdir/fresh" > /dev/null
        read -r s u k kb < "$cache/time.out"
        mb=$(echo "$kb / 1024" | bc -l)
        met() { [ "$(echo "$1" | bc -l)" = 1 ] && echo met || echo MISSED; }
        printf '%-44s %7.2f s wall, %.2f s user, %.2f s sys, peak RSS %6.1f MB\n' \
            "cron: $SN known + $NEW new${fmt:+ ($fmt)}" "$s" "$u" "$k" "$mb"
        printf '  target: under 2 s wall: %s; under 300 MB: %s (load %s)\n' \
            "$(met "$s < 2")" "$(met "$mb < 300")" "$(cut -d' ' -f1-3 /proc/loadavg)"
    done
    rm -f "$cache/cron.state" "$cache/cron.state.lock"
fi
fds=$(ulimit -n)
echo "open files limit: $fds (profreport keeps one descriptor per worker open)"
