#!/bin/bash
# clitest.sh - the command line as users meet it: exit codes, output
# files, errors on stderr, options. Each check prints PASS/FAIL.
set -u
cd "$(dirname "$0")/.."
P=${PROFREPORT:-build/profreport}
W=tests/data/werkzeug
V=tests/data/valid
tmp=$(mktemp -d)
trap 'chmod -R u+rwx "$tmp"; rm -rf "$tmp"' EXIT
pass=0 fail=0

ok() { echo "PASS $1"; pass=$((pass + 1)); }
no() { echo "FAIL $1"; fail=$((fail + 1)); }
expect_rc() { # name want cmd...
    local name=$1 want=$2
    shift 2
    "$@" > "$tmp/out" 2> "$tmp/err"
    local rc=$?
    if [ "$rc" = "$want" ]; then ok "$name"; else no "$name (exit $rc, want $want)"; cat "$tmp/err" | head -5; fi
}

expect_rc "help exits 0" 0 "$P" --help
grep -q -- "--since" "$tmp/out" && ok "help lists --since" || no "help lists --since"
grep -q '%%' "$tmp/out" && no "help shows a printf-escaped %%" || ok "help shows % as %"
# The man page and the README name every option of --help, and the man
# page formats without a groff warning.
missing=
for o in $(grep -oE -- "--[a-z][a-z-]+" "$tmp/out" | sort -u); do
    sed 's/\\-/-/g' man/profreport.1 | grep -q -- "$o" || missing="$missing man:$o"
    grep -q -- "$o" README.md || missing="$missing README:$o"
done
[ -z "$missing" ] && ok "man page and README name every option" || no "options not documented:$missing"
w=$(groff -man -Tutf8 -ww -z man/profreport.1 2>&1) # groff-base: make test-deps
[ $? = 0 ] && [ -z "$w" ] && ok "man page formats without warnings" || no "man page: $w"
expect_rc "version" 0 "$P" --version
expect_rc "no arguments is a usage error" 2 "$P"
expect_rc "unknown option" 2 "$P" --bogus $W
expect_rc "unknown format" 2 "$P" -f xml $W
expect_rc "unknown table" 2 "$P" -f csv -t nope $W
expect_rc "-t with md is a usage error" 2 "$P" -t functions $W
# diff --state would load the state into both sides and save the mix.
expect_rc "diff --state is a usage error" 2 "$P" diff --state "$tmp/diff.state" $W $W
[ ! -e "$tmp/diff.state" ] && ok "diff --state writes no state" || no "diff --state wrote a state"
expect_rc "bad --since" 2 "$P" --since yesterday-ish $W
expect_rc "bad --name-format" 2 "$P" --name-format '{bogus}.prof' $W
expect_rc "bad --top" 2 "$P" --top 0 $W
expect_rc "werkzeug directory" 0 "$P" $W
grep -q "^## Endpoints" "$tmp/out" && ok "report has endpoints" || no "report has endpoints"
grep -q "^## Top functions by self time" "$tmp/out" && ok "report has top functions" || no "report has top functions"
expect_rc "missing path: nothing read" 3 "$P" "$tmp/does-not-exist"
grep -q "does-not-exist: skipped: cannot open" "$tmp/err" && ok "missing path reported on stderr" || no "missing path reported on stderr"

# One bad file among good ones: reported (path, offset, reason), run goes on.
mkdir "$tmp/mixed"
cp $W/GET.report.15ms.1795610533.prof $W/GET.root.25ms.1795610533.prof "$tmp/mixed/"
head -c 100 $W/GET.root.5ms.1795610533.prof > "$tmp/mixed/GET.cut.1ms.1795610533.prof"
: > "$tmp/mixed/GET.empty.1ms.1795610533.prof"
expect_rc "corrupt files skipped, exit 0" 0 "$P" "$tmp/mixed"
grep -q "GET.cut.1ms.1795610533.prof: skipped: truncated.*(at byte 99)" "$tmp/err" && ok "truncation reported with offset" || no "truncation reported with offset"
grep -q "GET.empty.1ms.1795610533.prof: skipped: empty file (at byte 0)" "$tmp/err" && ok "empty file reported" || no "empty file reported"
grep -q "^## Skipped files" "$tmp/out" && ok "report lists skipped files" || no "report lists skipped files"
grep -q "2 profiles" "$tmp/out" && ok "report counts the good files" || no "report counts the good files"
expect_rc "--quiet silences skips" 0 "$P" -q "$tmp/mixed"
[ ! -s "$tmp/err" ] && ok "--quiet stderr empty" || no "--quiet stderr empty"
expect_rc "only bad files: exit 3" 3 "$P" "$tmp/mixed/GET.cut.1ms.1795610533.prof"

# Output file: written whole, through a temporary name.
expect_rc "-o writes the report" 0 "$P" -o "$tmp/r.md" $W
[ -s "$tmp/r.md" ] && [ ! -s "$tmp/out" ] && ok "-o file has the report, stdout empty" || no "-o file has the report"
ls "$tmp" | grep -q '\.tmp\.' && no "no temporary file left" || ok "no temporary file left"
echo old > "$tmp/keep.md"
expect_rc "output dir missing: exit 4" 4 "$P" -o "$tmp/nodir/r.md" $W
expect_rc "bad table keeps old output" 2 "$P" -f csv -t nope -o "$tmp/keep.md" $W
[ "$(cat "$tmp/keep.md")" = old ] && ok "old report intact" || no "old report intact"
if [ -w /dev/full ]; then
    expect_rc "full disk on stdout: exit 4" 4 sh -c "\"$P\" $W > /dev/full"
fi

# CSV tables and their exact headers.
for t in "functions:file,line,function,ncalls,primcalls,tottime,cumtime" \
         "endpoints:endpoint,method,requests,total_ms,share,mean_ms,p50_ms,p90_ms,p95_ms,p99_ms,max_ms,slowest_file" \
         "requests:file,method,path,endpoint,wall_ms,profiled_ms,timestamp" \
         "edges:file,line,function,caller_file,caller_line,caller_function,nc,cc,tt,ct"; do
    name=${t%%:*} header=${t#*:}
    "$P" -f csv -t "$name" $W > "$tmp/t.csv" 2>/dev/null
    [ "$(head -1 "$tmp/t.csv")" = "$header" ] && ok "csv $name header" || no "csv $name header"
done
n=$("$P" -f csv -t requests $W | tail -n +2 | wc -l)
[ "$n" = "$(ls $W | wc -l)" ] && ok "one requests row per file" || no "one requests row per file ($n)"

# Filters.
n=$("$P" -f csv -t requests --method POST $W | tail -n +2 | wc -l)
[ "$n" = "$(ls $W | grep -c '^POST')" ] && ok "--method POST" || no "--method POST ($n)"
n=$("$P" -f csv -t requests --path 'product.*' $W | tail -n +2 | wc -l)
[ "$n" = "$(ls $W | grep -c '^GET.product')" ] && ok "--path glob" || no "--path glob ($n)"
expect_rc "--since in the future filters all: exit 3" 3 "$P" --since 2099-01-01 $W
grep -q "no request passed the filters" "$tmp/err" && ok "filters explained" || no "filters explained"
n=$("$P" -f csv -t requests --min-ms 5 $W | tail -n +2 | wc -l)
want=$(ls $W | sed -n 's/.*\.\([0-9]*\)ms\..*/\1/p' | awk '$1 >= 5' | wc -l)
[ "$n" = "$want" ] && ok "--min-ms" || no "--min-ms ($n vs $want)"

# Directory walk: a FIFO, a loop, a directory named x.prof.
mkdir -p "$tmp/walk/sub.prof"
cp $V/cpython311.prof "$tmp/walk/sub.prof/a.prof"
mkfifo "$tmp/walk/fifo.prof"
ln -s .. "$tmp/walk/sub.prof/loop"
timeout 20 "$P" "$tmp/walk" > "$tmp/out" 2> "$tmp/err"
rc=$?
[ $rc = 0 ] && ok "walk with FIFO and loop exits 0" || no "walk with FIFO and loop (exit $rc)"
grep -q "fifo.prof: skipped: not a regular file" "$tmp/err" && ok "FIFO skipped" || no "FIFO skipped"
grep -q "loop: skipped: symbolic link loop" "$tmp/err" && ok "symlink loop reported" || no "symlink loop reported"
grep -q "1 profile," "$tmp/out" && ok "file inside x.prof directory read" || no "file inside x.prof directory read"

# The seed incident (examples/profiles, written by examples/seed): the
# first finding must name the session store's database package and
# flask_session's open_session and save_session, with their shares
# (pstats ground truth, examples/seed/truth.py: 99.84%, 47.41%, 52.43%).
"$P" examples/profiles > "$tmp/seed.md" 2>/dev/null
first=$(sed -n '/^## Findings/,/^## /p' "$tmp/seed.md" | grep -m1 '^1\. ')
case $first in
    *"99.8% of all request time is spent in mongomock"*"flask\_session/sessions.py: save\_session 52%, open\_session 47%; this holds for every endpoint"*)
        ok "seed finding names mongomock, open_session and save_session" ;;
    *) no "seed finding: $first" ;;
esac
for t in "modules:module,kind,self_s,inclusive_s,self_share,inclusive_share,calls,estimated" \
         "callers:module,entered_from,caller_module,inclusive_s,calls,estimated"; do
    name=${t%%:*} header=${t#*:}
    "$P" -f csv -t "$name" examples/profiles > "$tmp/t.csv" 2>/dev/null
    [ "$(head -1 "$tmp/t.csv")" = "$header" ] && ok "csv $name header" || no "csv $name header"
done
grep -q '^mongomock,flask_session/sessions.py:save_session,flask_session,41.50' <("$P" -f csv -t callers examples/profiles) \
    && ok "callers csv: save_session entry exact" || no "callers csv: save_session entry exact"

# Archives (.tar, .tar.gz, .tgz, .zip) are read without unpacking: the
# same functions as the directory; a truncated archive keeps what it had.
mkdir "$tmp/arch"
tar -C tests/data -cf "$tmp/arch/w.tar" werkzeug
tar -C tests/data -czf "$tmp/arch/w.tar.gz" werkzeug
cp "$tmp/arch/w.tar.gz" "$tmp/arch/w.tgz"
/usr/bin/python3 -c 'import sys, zipfile, os
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for n in sorted(os.listdir(sys.argv[2])):
        z.write(os.path.join(sys.argv[2], n), "w/" + n)' "$tmp/arch/w.zip" $W
"$P" -f csv -t functions $W > "$tmp/dir.csv"
for a in w.tar w.tar.gz w.tgz w.zip; do
    "$P" -f csv -t functions "$tmp/arch/$a" > "$tmp/a.csv" 2> "$tmp/err"
    /usr/bin/python3 tests/csvcompare.py 3 "$tmp/a.csv" "$tmp/dir.csv" > /dev/null \
        && ok "archive $a equals the directory" || { no "archive $a equals the directory"; head -3 "$tmp/err"; }
done
head -c 200000 "$tmp/arch/w.tar.gz" > "$tmp/arch/cut.tgz"
expect_rc "truncated archive: partial read, exit 0" 0 "$P" "$tmp/arch/cut.tgz"
grep -q "cut.tgz: skipped: archive ends inside entry" "$tmp/err" && ok "truncated archive reported" || no "truncated archive reported"
head -c 5000 /dev/urandom > "$tmp/arch/junk.zip"
expect_rc "garbage archive: exit 3" 3 "$P" "$tmp/arch/junk.zip"

# diff: tests/data/werkzeug-slow was written by the same app and request
# mix with the product view sleeping 40 ms more (make_werkzeug_dir.py
# --slow-product-ms 40): the gate must name product, exit 1, and pass
# when the rule is loose or the directories are the same.
S=tests/data/werkzeug-slow
expect_rc "diff: regression found, exit 1" 1 "$P" diff --fail-on 'mean>+25ms' --min-requests 3 $W $S
grep -q '^- product (flask\\_app.py:[0-9]*): p95' "$tmp/out" && ok "diff names the slower endpoint" || no "diff names the slower endpoint"
[ "$(grep -c '^- ' "$tmp/out")" = 1 ] && ok "diff names only it" || no "diff names only it: $(grep '^- ' "$tmp/out")"
grep -q "crossed --fail-on" "$tmp/err" && ok "diff says so on stderr" || no "diff says so on stderr"
expect_rc "diff: same directory, exit 0" 0 "$P" diff --fail-on 'p95>+1%' $W $W
expect_rc "diff: loose rule, exit 0" 0 "$P" diff --fail-on 'mean>+10000ms' $W $S
expect_rc "diff: min-requests above the counts, exit 0" 0 "$P" diff --fail-on 'mean>+25ms' --min-requests 100 $W $S
expect_rc "diff: bad rule is a usage error" 2 "$P" diff --fail-on 'p95>>1' $W $S
expect_rc "diff: one input is a usage error" 2 "$P" diff $W
"$P" -f csv -t endpoints -o "$tmp/base.csv" $W
expect_rc "diff --baseline CSV: regression found" 1 "$P" diff --baseline "$tmp/base.csv" --fail-on 'mean>+25ms' --min-requests 3 $S
grep -q '^- product' "$tmp/out" && ok "baseline diff names product" || no "baseline diff names product"
printf 'endpoint,requests\nx,1\n' > "$tmp/bad.csv"
expect_rc "diff --baseline with missing columns: exit 3" 3 "$P" diff --baseline "$tmp/bad.csv" $S
grep -q "no 'mean_ms' column" "$tmp/err" && ok "baseline error names the column" || no "baseline error names the column"
"$P" diff -f csv $W $S > "$tmp/d.csv" 2>/dev/null
[ "$(head -1 "$tmp/d.csv")" = "endpoint,base_requests,new_requests,base_p50_ms,new_p50_ms,base_p95_ms,new_p95_ms,base_mean_ms,new_mean_ms,failed" ] && ok "diff csv header" || no "diff csv header"
"$P" diff -f html -o "$tmp/d.html" $W $S 2>/dev/null && grep -q '<table>' "$tmp/d.html" && ok "diff html" || no "diff html"

# Progress: never on stderr when it is not a terminal (logs stay clean);
# --progress forces it, and the line is erased at the end.
"$P" $W > /dev/null 2> "$tmp/err"
[ ! -s "$tmp/err" ] && ok "no progress line when stderr is a file" || no "no progress line when stderr is a file"
"$P" --progress -j1 $W $W $W $W $W $W $W $W $W $W $W $W $W $W $W $W $W $W $W $W > /dev/null 2> "$tmp/err"
if grep -q 'files, .* MB/s' "$tmp/err"; then
    tail -c 4 "$tmp/err" | od -c | grep -q '033   \[   K' && ok "--progress line shown and erased" || no "--progress line erased"
else
    ok "--progress: run too short to show a line"
fi

# The documented fleet example runs and shows what it claims.
PROFREPORT=$P examples/fleet/run.sh > "$tmp/fleet.out" 2>&1
grep -q "merge order does not matter" "$tmp/fleet.out" && grep -q "fleet report = report over all files" "$tmp/fleet.out" \
    && ok "examples/fleet/run.sh" || { no "examples/fleet/run.sh"; cat "$tmp/fleet.out"; }
# The cron script and the CI gate, on this repository's data.
# It keeps the last 24 hours by the real clock: copies of $W named as if
# written in the last hour (one second apart, so no two names collide).
mkdir "$tmp/recent"
i=0
now=$(date +%s)
for f in $W/*.prof; do
    i=$((i + 1))
    cp "$f" "$tmp/recent/$(basename "$f" | sed -E "s/\.[0-9]+\.prof\$/.$((now - 3600 + i)).prof/")"
done
PROFREPORT=$P examples/cron/profreport-hourly.sh "$tmp/recent" "$tmp/hourly.html" > /dev/null 2>&1
[ -s "$tmp/hourly.html" ] && [ -s "$tmp/hourly.html.state" ] && ok "examples/cron script" || no "examples/cron script"
n=$("$P" -q -f csv -t requests "$tmp/hourly.html.state" | tail -n +2 | wc -l)
[ "$n" = "$(ls $W/*.prof | wc -l)" ] && ok "examples/cron state holds every recent request ($n)" || no "examples/cron state ($n)"
"$P" -q -f csv -t endpoints -o "$tmp/main.csv" $W
GITHUB_STEP_SUMMARY="$tmp/summary.md" PROFREPORT=$P examples/ci/profile-gate.sh "$tmp/main.csv" $W
[ $? = 0 ] && grep -q "^## Endpoints" "$tmp/summary.md" && ok "examples/ci gate passes on the same data" || no "examples/ci gate passes"
PROFREPORT=$P sh -c "examples/ci/profile-gate.sh '$tmp/main.csv' tests/data/werkzeug-slow > /dev/null 2>&1"
[ $? = 1 ] && ok "examples/ci gate fails on the slower data" || no "examples/ci gate fails on the slower data"

# What the fuzzers found (tests/data/fuzz/README): a clear status, no
# sanitizer report, no hang.
F=tests/data/fuzz
for f in $F/profile-no-callers.prof $F/profile-loose-caller.prof $F/state-1.state $F/state-2.state $F/state-3.state; do
    timeout 20 "$P" -q "$f" > /dev/null 2> "$tmp/err"
    rc=$?
    { [ $rc = 0 ] || [ $rc = 3 ]; } && ! grep -q "runtime error\|Sanitizer" "$tmp/err" \
        && ok "fuzz regression $(basename $f): exit $rc" || no "fuzz regression $(basename $f): exit $rc"
done
timeout 20 "$P" diff -q --baseline $F/baseline-huge-requests.csv $W > /dev/null 2> "$tmp/err"
[ $? = 3 ] && grep -q "requests out of range" "$tmp/err" && ok "fuzz regression: absurd baseline" || no "fuzz regression: absurd baseline"
# 3.5 KB that re-read itself thousands of times (27 ms a parse, 1.2 s
# under ASan): now refused as too complex.
"$P" $F/profile-code-backtracking.prof > /dev/null 2> "$tmp/err"
[ $? = 3 ] && grep -q "profile-code-backtracking.prof.*too complex" "$tmp/err" \
    && ok "fuzz regression: code-object backtracking refused" || no "fuzz regression: code-object backtracking"
fmt=$(tr '\0' '\n' < $F/name-backtracking.bin | head -1)
timeout 20 "$P" --name-format "$fmt" $W > /dev/null 2> "$tmp/err"
[ $? = 2 ] && grep -q "given twice" "$tmp/err" && ok "fuzz regression: format with repeated fields refused" || no "fuzz regression: repeated fields"

# Input is never modified.
sum1=$(cat $W/* | md5sum)
"$P" -o "$tmp/r2.md" $W 2>/dev/null
[ "$(cat $W/* | md5sum)" = "$sum1" ] && ok "input untouched" || no "input untouched"

echo "clitest: $pass passed, $fail failed"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
