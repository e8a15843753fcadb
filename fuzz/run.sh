#!/bin/sh
# run.sh TARGET... - run the libFuzzer targets built in build/fuzz/ (make
# fuzz-build), each on its corpus $FUZZ_CACHE/TARGET (fuzz/seeds.sh) for
# $FUZZ_TIME seconds (0: no limit), with a -max_len that fits its input:
# profiles (profile, report) 64 KiB, state files 16 KiB (one to a few requests; bigger
# ones made the target 20 times slower), file names 512 bytes, CSV 16 KiB.
# $FUZZ_RUNS > 0 stops a target after that many executions in all.
# $FUZZ_JOBS > 1 runs that many libFuzzer processes on the same corpus
# (-jobs, one per core), each doing its share of FUZZ_RUNS; the table adds
# up their executions and speeds. $FUZZ_ARGS goes to every run. Crashes,
# leaks and timeouts are saved as build/fuzz/artifacts/TARGET-crash-<sha1>
# (...), logs as build/fuzz/logs/TARGET.log; a table of the figures ends
# the run.
#
# First each target replays tests/data/fuzz/TARGET-*, what the fuzzers
# found before: clang's UBSan flags some of them where GCC's, which
# `make test` uses, does not (NULL + 0, a double cast out of range).
# Exits 1 when a replay fails or a target found something.
#
# FUZZ_SKIP_KNOWN=1 fuzzes on past bugs that are reported but not fixed
# yet: UBSan then reads fuzz/known-bugs.supp.
set -u
cd "$(dirname "$0")/.."
: "${FUZZ_TIME:=60}" "${FUZZ_ARGS:=}" "${FUZZ_RUNS:=0}" "${FUZZ_JOBS:=1}"
CACHE=${FUZZ_CACHE:-${PROFREPORT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/profreport}/fuzz}
[ $# -gt 0 ] || set -- profile name state baseline report
mkdir -p build/fuzz/artifacts build/fuzz/logs "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
if [ "${FUZZ_SKIP_KNOWN:-0}" = 1 ]; then
    UBSAN_OPTIONS="suppressions=$PWD/fuzz/known-bugs.supp${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
    export UBSAN_OPTIONS FUZZ_SKIP_KNOWN
    echo "run.sh: FUZZ_SKIP_KNOWN=1: not stopping on the bugs in fuzz/known-bugs.supp"
fi
status=0
table="target      executions  seconds  exec/s  corpus  found"
for t in "$@"; do
    case $t in
    profile | report) max=65536 ;;
    state) max=16384 ;;
    name) max=512 ;;
    baseline) max=16384 ;;
    *) echo "run.sh: unknown target $t" >&2; exit 2 ;;
    esac
    mkdir -p "$CACHE/$t"
    dict=
    [ -f "fuzz/$t.dict" ] && dict=-dict=$PWD/fuzz/$t.dict
    log=build/fuzz/logs/$t.log
    before=$(ls build/fuzz/artifacts | grep -c "^$t-" || true)
    # fuzz_report replays what fuzz_profile found: the same kind of input.
    kind=$t
    [ "$t" = report ] && kind=profile
    replay=$(ls tests/data/fuzz/"$kind"-* 2> /dev/null)
    if [ -n "$replay" ]; then
        # shellcheck disable=SC2086 # one argument per file
        if build/fuzz/fuzz_$t -timeout=10 $replay > build/fuzz/logs/$t-replay.log 2>&1; then
            echo "== fuzz_$t: $(echo "$replay" | wc -l) regression inputs pass"
        else
            echo "== fuzz_$t: a regression input fails: build/fuzz/logs/$t-replay.log"
            status=1
        fi
    fi
    start=$(date +%s)
    echo "== fuzz_$t: corpus $CACHE/$t, log $log, $FUZZ_JOBS job(s)"
    runs=
    [ "$FUZZ_RUNS" -gt 0 ] && runs=-runs=$(((FUZZ_RUNS + FUZZ_JOBS - 1) / FUZZ_JOBS))
    jobs=
    jobdir=$PWD/build/fuzz/logs/$t-jobs
    rm -rf "$jobdir"
    mkdir -p "$jobdir"
    [ "$FUZZ_JOBS" -gt 1 ] && jobs="-jobs=$FUZZ_JOBS -workers=$FUZZ_JOBS"
    # Absolute paths: with -jobs libFuzzer writes fuzz-N.log into the
    # current directory, so the targets run in $jobdir.
    # shellcheck disable=SC2086 # FUZZ_ARGS, dict, runs, jobs: lists of flags
    { (cd "$jobdir" && "$OLDPWD/build/fuzz/fuzz_$t" "$CACHE/$t" -max_len=$max \
          -max_total_time="$FUZZ_TIME" -timeout=10 -rss_limit_mb=2048 \
          -print_final_stats=1 -artifact_prefix="$OLDPWD/build/fuzz/artifacts/$t-" \
          $dict $runs $jobs $FUZZ_ARGS)
      echo $? > build/fuzz/logs/$t.rc; } 2>&1 | tee "$log" | grep -E \
        --line-buffered '^(#[0-9]+.*(pulse|DONE)|==[0-9]+==ERROR|SUMMARY|.*broken promise|Done)'
    # With -jobs, libFuzzer copies each job's fuzz-N.log (and its
    # stat:: block) to its output as the job ends; $jobdir shows progress.
    rc=$(cat build/fuzz/logs/$t.rc)
    secs=$(($(date +%s) - start))
    # One stat:: block per process: add them up.
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
        awk '{ n += $1 } END { if (NR) print n }')
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" |
        awk '{ n += $1 } END { if (NR) print n }')
    files=$(ls "$CACHE/$t" | wc -l)
    found=$(($(ls build/fuzz/artifacts | grep -c "^$t-" || true) - before))
    [ "$rc" = 0 ] && [ "$found" = 0 ] || status=1
    table="$table
$(printf '%-10s %11s %8s %7s %7s  %s' "$t" "${runs:-?}" "$secs" "${speed:-?}" \
        "$files" "$([ "$rc" = 0 ] && echo "$found" || echo "$found (exit $rc)")")"
done
echo
echo "$table"
[ $status = 0 ] || echo "run.sh: see build/fuzz/artifacts/ and build/fuzz/logs/" >&2
exit $status
