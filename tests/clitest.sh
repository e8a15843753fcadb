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
# The terminal report (-f text): the default on a terminal, Markdown
# through a pipe. Through a pseudo-terminal (script from bsdutils), the
# seed example's culprit and endpoint table are in the first 40 lines,
# with colour unless NO_COLOR is set, never a Markdown escape.
E=examples/profiles
tty_run() { # NO_COLOR-value COLUMNS -> $tmp/tty (CRs dropped)
    NO_COLOR=$1 COLUMNS=$2 script -qec "$P -q $E" /dev/null < /dev/null | tr -d '\r' > "$tmp/tty"
}
tty_run "" 100
head -40 "$tmp/tty" | sed 's/\x1b\[[0-9;]*m//g' > "$tmp/tty40"
grep -q "^Findings" "$tmp/tty40" && grep -q "spent in mongomock's own code" "$tmp/tty40" \
    && ok "terminal: the culprit finding in the first 40 lines" || { no "terminal: culprit finding"; head -20 "$tmp/tty"; }
grep -q "^endpoint  *method  *requests" "$tmp/tty40" && grep -q "^cart_add (app.py:156)  *POST  *3 " "$tmp/tty40" \
    && ok "terminal: the endpoint table in the first 40 lines" || no "terminal: endpoint table"
grep -q '\\' "$tmp/tty" && no "terminal: a backslash escape" || ok "terminal: no backslash escapes"
grep -q $'\x1b\\[1m' "$tmp/tty" && ok "terminal: colour on a terminal" || no "terminal: no colour on a terminal"
tail -1 "$tmp/tty40" | grep -q "Full report: profreport -f html -o report.html $E" \
    && ok "terminal: ends saying how to get the full report" || no "terminal: last line: $(tail -1 "$tmp/tty40")"
fits() { # FILE COLUMNS: every line (colour codes dropped) within COLUMNS code points
    sed 's/\x1b\[[0-9;]*m//g' "$1" | python3 -c 'import sys; sys.exit(any(len(l.rstrip("\n")) > int(sys.argv[1]) for l in sys.stdin))' "$2"
}
fits "$tmp/tty" 100 && ok "terminal: lines fit 100 columns" || no "terminal: a line wider than 100 columns"
tty_run 1 100
grep -q $'\x1b' "$tmp/tty" && no "terminal: colour despite NO_COLOR" || ok "terminal: NO_COLOR turns colour off"
tty_run "" 60
fits "$tmp/tty" 60 && ok "terminal: COLUMNS=60 fits 60 columns" || no "terminal: COLUMNS=60 overflows"
"$P" -q $E | head -1 | grep -q "^# profreport" && ok "pipe: Markdown stays the default" || no "pipe: default is not Markdown"
"$P" -q -f text $E > "$tmp/text"
grep -q $'\x1b' "$tmp/text" && no "pipe: -f text coloured" || ok "pipe: -f text has no colour"
grep -q '\\' "$tmp/text" && no "pipe: -f text has a backslash" || ok "pipe: -f text has no escapes"
expect_rc "diff -f text is a usage error" 2 "$P" diff -f text $W $W
grep -q "diff writes md, csv or html only (not text)" "$tmp/err" && ok "diff -f text says why" || no "diff -f text: $(cat "$tmp/err")"

expect_rc "--source-url must be http(s)" 2 "$P" --source-url 'javascript:alert(1)' $W
expect_rc "--source-url links app frames" 0 "$P" -f html --source-url 'https://example.org/blob/{commit}/{path}#L{line}' --commit abc $W
grep -q 'href="https://example.org/blob/abc/flask_app.py#L' "$tmp/out" && ok "--source-url: app frames linked" || no "--source-url: no link"

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
    # Every format says why, the JSON writers included ("input/output
    # error" before).
    for fmt in md text html json csv collapsed callgrind speedscope pprof; do
        "$P" -q -f $fmt $W > /dev/full 2> "$tmp/err"
        rc=$?
        [ $rc = 4 ] && grep -q "No space left on device" "$tmp/err" \
            && ok "full disk, -f $fmt: exit 4, says why" \
            || no "full disk, -f $fmt: exit $rc, $(cat "$tmp/err")"
    done
fi

# CSV tables and their exact headers.
for t in "functions:file,line,function,ncalls,primcalls,tottime,cumtime" \
         "endpoints:endpoint,method,requests,total_ms,share,mean_ms,p50_ms,p90_ms,p95_ms,p99_ms,max_ms,slowest_file" \
         "requests:file,method,path,endpoint,wall_ms,profiled_ms,timestamp,wall_source" \
         "edges:file,line,function,caller_file,caller_line,caller_function,nc,cc,tt,ct"; do
    name=${t%%:*} header=${t#*:}
    "$P" -f csv -t "$name" $W > "$tmp/t.csv" 2>/dev/null
    [ "$(head -1 "$tmp/t.csv")" = "$header" ] && ok "csv $name header" || no "csv $name header"
done
n=$("$P" -f csv -t requests $W | tail -n +2 | wc -l)
[ "$n" = "$(ls $W | wc -l)" ] && ok "one requests row per file" || no "one requests row per file ($n)"

# Names that read two ways (tests/data/decimal, werkzeug with
# "{elapsed:.3f}ms.{time:.6f}"): the profile inside says which, with or
# without --name-format; a name that claims less than its profile
# measured is timed by the profile, counted in the header and flagged.
D=tests/data/decimal
"$P" -f csv -t requests $D | tail -n +2 | cut -d, -f3,5,8 | sort > "$tmp/dec.csv"
"$P" -f csv -t requests --name-format '{method}.{path}.{elapsed:.3f}ms.{time:.6f}.prof' $D | tail -n +2 | cut -d, -f3,5,8 | sort > "$tmp/dec-exact.csv"
cmp -s "$tmp/dec.csv" "$tmp/dec-exact.csv" && [ "$(cut -d, -f1 "$tmp/dec.csv" | sort -u | tr '\n' ' ')" = "balance balance.5 balance.7 " ] \
    && ! grep -qv ',name$' "$tmp/dec.csv" && ok "decimal elapsed read with the profile as witness" || { no "decimal elapsed"; cat "$tmp/dec.csv"; }
mkdir "$tmp/liar"
cp "$(ls $D/GET.balance.7.* | head -1)" "$tmp/liar/GET.balance.7.5ms.1796163093.prof"
"$P" -f csv -t requests "$tmp/liar" | tail -1 | grep -q ',balance.7,.*,profile$' && ok "wall time under the profile's: wall_source profile" || no "wall_source profile"
"$P" "$tmp/liar" | grep -q '^- \*\*Wall time:\*\* .* 1 request timed by the profile instead (1 whose name gave less than the profile measured' \
    && ok "header counts wall times taken from the profile" || no "header counts wall times taken from the profile"
"$P" -q --state "$tmp/liar.state" "$tmp/liar" > /dev/null 2>&1
"$P" -f csv -t requests "$tmp/liar.state" | tail -1 | grep -q ',profile$' && ok "wall_source kept in a state file" || no "wall_source kept in a state file"

# The header names the inputs as given, the files read, when the report
# was made (SOURCE_DATE_EPOCH, for byte-stable output) and the version;
# the HTML title names the input.
SOURCE_DATE_EPOCH=1796169600 "$P" $D > "$tmp/hdr.md"
grep -q '^- \*\*Input:\*\* `tests/data/decimal`$' "$tmp/hdr.md" && grep -q '^- \*\*Read:\*\* 6 profiles' "$tmp/hdr.md" \
    && grep -q "^- \*\*Report:\*\* made 2026-12-02T00:00:00Z by profreport $("$P" --version | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -1)\$" "$tmp/hdr.md" \
    && ok "header names input, files, time and version" || { no "header names input, files, time and version"; head -8 "$tmp/hdr.md"; }
SOURCE_DATE_EPOCH=1796169600 "$P" $D > "$tmp/hdr2.md"
cmp -s "$tmp/hdr.md" "$tmp/hdr2.md" && ok "SOURCE_DATE_EPOCH makes the report byte-stable" || no "SOURCE_DATE_EPOCH: reports differ"
"$P" $D $W | grep -q '^- \*\*Inputs:\*\* `tests/data/decimal` and `tests/data/werkzeug`$' && ok "header names every input" || no "header names every input"
"$P" -f html $D | grep -q '<title>profreport: tests/data/decimal</title>' && ok "html title names the input" || no "html title names the input"
expect_rc "bad SOURCE_DATE_EPOCH is a usage error" 2 env SOURCE_DATE_EPOCH=soon "$P" $D

# Latency over time fits the capture: tests/data/decimal spans 2.6 s,
# too short to bucket, and says so; --bucket still cuts it; the seed
# incident (78 s, 28 requests) gets 15 s buckets, the first and last cut
# to the capture.
"$P" $D | sed -n '/^## Latency over time/,/^## /p' | grep -q '^The requests span 2.60 s, too short to cut into time buckets' \
    && ok "a capture too short to bucket says so" || no "a capture too short to bucket says so"
"$P" --bucket 1 $D | grep -q '^| 2026-12-01T22:11:32Z | 555 ms of 1 s | 2 |' && ok "--bucket cuts a short capture" || no "--bucket cuts a short capture"
"$P" --bucket 1d $D | grep -q '^All 6 requests fall in one bucket of 1 d' && ok "one bucket says so" || no "one bucket says so"
"$P" examples/profiles > "$tmp/seed-time.md"
grep -q '^| 2026-11-25T12:56:49Z | 11.00 s of 15 s | 5 |' "$tmp/seed-time.md" && grep -q '^| 2026-11-25T12:58:00Z | 7.00 s of 15 s | 4 |' "$tmp/seed-time.md" \
    && ok "buckets labelled with their start and the width they cover" || no "buckets labelled with start and width"

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
    *"99.8% of all request time (2.82 s per request) is spent in \`mongomock\`'s own code"*"\`flask_session/sessions.py\`: \`save_session\` 52.4%, \`open_session\` 47.4% (inclusive time); it is the top module of every endpoint"*)
        ok "seed finding names mongomock, open_session and save_session" ;;
    *) no "seed finding: $first" ;;
esac
for t in "modules:scope,endpoint,module,kind,own_s,own_share,own_estimated,inclusive_s,inclusive_share,estimated,calls" \
         "findings:rank,scope,endpoint,kind,subject,share,per_request_ms,estimated,text" \
         "callers:module,entered_from,caller_module,inclusive_s,calls,estimated"; do
    name=${t%%:*} header=${t#*:}
    "$P" -f csv -t "$name" examples/profiles > "$tmp/t.csv" 2>/dev/null
    [ "$(head -1 "$tmp/t.csv")" = "$header" ] && ok "csv $name header" || no "csv $name header"
done
grep -q '^mongomock,flask_session/sessions.py:save_session,flask_session,41.50' <("$P" -f csv -t callers examples/profiles) \
    && ok "callers csv: save_session entry exact" || no "callers csv: save_session entry exact"

# Times and names at the edges (issue 12, items 7 and 9).
expect_rc "-o '' is a usage error" 2 "$P" -o '' $W
expect_rc "--state '' is a usage error" 2 "$P" --state '' $W
for t in 0 1969-12-31 3000w 10000-01-01 99999999999999; do
    expect_rc "--until $t is a usage error, not 'no limit'" 2 "$P" --until "$t" $W
done
expect_rc "--since 0 still means from the start" 0 "$P" -q --since 0 $W
mkdir "$tmp/pad"
gzip -c $W/GET.root.25ms.1795610533.prof > "$tmp/pad/GET.root.25ms.1795610533.prof.gz"
head -c 1024 /dev/zero >> "$tmp/pad/GET.root.25ms.1795610533.prof.gz"
expect_rc "NUL-padded .gz read as gzip and Python read it" 0 "$P" -f csv "$tmp/pad"
"$P" -f csv $W/GET.root.25ms.1795610533.prof > "$tmp/plain.csv"
cmp -s "$tmp/out" "$tmp/plain.csv" && ok "NUL-padded .gz equals the plain file" || no "NUL-padded .gz equals the plain file"
# Far-out times: a name time past 9999 and an mtime past 2262 are range
# checked (UBSan aborts on the overflow they used to cause).
mkdir "$tmp/far"
cp $W/GET.root.25ms.1795610533.prof "$tmp/far/GET.a.1ms.99999999999999999999.prof"
cp $W/GET.root.25ms.1795610533.prof "$tmp/far/GET.b.1ms.prof"
touch -d @13000000000 "$tmp/far/GET.b.1ms.prof" # 2381: ext4 holds up to 2446
cp $W/GET.root.25ms.1795610533.prof "$tmp/far/GET.c.99999999999999999999999999ms.1795610533.prof"
expect_rc "far-out times: read, no overflow" 0 "$P" -f csv -t requests "$tmp/far"
grep -q 'GET.b.1ms.prof,.*,2381-' "$tmp/out" && ok "an mtime after 2262 is dated right" || { no "an mtime after 2262 is dated right"; grep GET.b "$tmp/out"; }
expect_rc "far-out times: state buckets of 1 ms" 0 "$P" -q --state "$tmp/far.state" --state-bucket 0.001 "$tmp/far"
expect_rc "far-out times: state read back" 0 "$P" -q "$tmp/far.state"
grep -q "state ignored" "$tmp/err" && no "far-out state rejected" || ok "far-out state not rejected"

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

# Entries at the top of an archive (tar cf x.tar *.prof, the usual CI
# artifact) are named by their own base name, not by the archive's:
# method, path, filters and diff see the same requests as the directory.
(cd $W && tar cf "$tmp/arch/flat.tar" *.prof)
S=tests/data/werkzeug-slow
(cd $S && tar cf "$tmp/arch/flatslow.tar" *.prof)
"$P" -q -f csv -t requests $W | cut -d, -f2,3 | sort > "$tmp/dir.req"
"$P" -q -f csv -t requests "$tmp/arch/flat.tar" | cut -d, -f2,3 | sort > "$tmp/flat.req"
cmp -s "$tmp/dir.req" "$tmp/flat.req" && ok "flat archive: method and path from the entry's name" \
    || { no "flat archive: method and path from the entry's name"; diff "$tmp/dir.req" "$tmp/flat.req" | head -3; }
expect_rc "flat archive: --method GET keeps the GET requests" 0 "$P" -q --method GET -f csv -t requests "$tmp/arch/flat.tar"
[ "$(tail -n +2 "$tmp/out" | wc -l)" = "$(grep -c '^GET,' "$tmp/dir.req")" ] && ok "flat archive: --method GET count" || no "flat archive: --method GET count"
expect_rc "flat archives: diff by path finds the regression" 1 "$P" diff --alpha 1 --group-by path --fail-on 'mean>+25ms' --min-requests 3 "$tmp/arch/flat.tar" "$tmp/arch/flatslow.tar"
grep -q '^- GET product.\\<int\\>: p95' "$tmp/out" && ok "flat archives: diff names the slower URL pattern" || no "flat archives: diff names the slower URL pattern"

# diff: tests/data/werkzeug-slow was written by the same app and request
# mix with the product view sleeping 40 ms more (make_werkzeug_dir.py
# --slow-product-ms 40). With 6 requests a side the test cannot call it
# significant at the default alpha; --alpha 1 turns the test off, and
# then the threshold alone must name product, exit 1, and pass when the
# rule is loose or the directories are the same.
S=tests/data/werkzeug-slow
expect_rc "diff: 6 requests a side, not significant: exit 0" 0 "$P" diff --fail-on 'mean>+25ms' --min-requests 3 $W $S
grep -q '| product (flask\\_app.py:[0-9]*) | 6 → 6 .* ~ (p=0' "$tmp/out" && ok "diff says ~ with the p-value" || no "diff says ~ with the p-value"
expect_rc "diff --alpha 1: regression found, exit 1" 1 "$P" diff --alpha 1 --fail-on 'mean>+25ms' --min-requests 3 $W $S
grep -q '^- product (flask\\_app.py:[0-9]*): p95' "$tmp/out" && ok "diff names the slower endpoint" || no "diff names the slower endpoint"
[ "$(grep -c '^- [^*]' "$tmp/out")" = 1 ] && ok "diff names only it" || no "diff names only it: $(grep '^- ' "$tmp/out")"
grep -q "crossed --fail-on" "$tmp/err" && ok "diff says so on stderr" || no "diff says so on stderr"
expect_rc "diff: same directory, exit 0" 0 "$P" diff --alpha 1 --fail-on 'p95>+1%' $W $W
expect_rc "diff: loose rule, exit 0" 0 "$P" diff --alpha 1 --fail-on 'mean>+10000ms' $W $S
expect_rc "diff: min-requests above the counts, exit 0" 0 "$P" diff --alpha 1 --fail-on 'mean>+25ms' --min-requests 100 $W $S
expect_rc "diff: bad rule is a usage error" 2 "$P" diff --fail-on 'p95>>1' $W $S
expect_rc "diff: bad --alpha is a usage error" 2 "$P" diff --alpha 0 $W $S
expect_rc "diff: one input is a usage error" 2 "$P" diff $W
# Issue 14 item 3: diff --state would mix BASE and NEW in one file.
expect_rc "diff --state is a usage error" 2 "$P" diff --state "$tmp/x.state" $W $S
grep -q "BASE and NEW would be mixed" "$tmp/err" && [ ! -e "$tmp/x.state" ] && ok "diff --state: said why, wrote nothing" || no "diff --state message"
"$P" -f csv -t endpoints -o "$tmp/base.csv" $W
expect_rc "diff --baseline summary CSV: threshold decides" 1 "$P" diff --baseline "$tmp/base.csv" --fail-on 'mean>+25ms' --min-requests 3 $S
grep -q '^- product' "$tmp/out" && ok "baseline diff names product" || no "baseline diff names product"
grep -q 'significance cannot be tested' "$tmp/out" && ok "summary baseline says it cannot test" || no "summary baseline says it cannot test"
printf 'endpoint,requests\nx,1\n' > "$tmp/bad.csv"
expect_rc "diff --baseline with missing columns: exit 3" 3 "$P" diff --baseline "$tmp/bad.csv" $S
grep -q "no 'mean_ms' column" "$tmp/err" && ok "baseline error names the column" || no "baseline error names the column"
"$P" diff -f csv $W $S > "$tmp/d.csv" 2>/dev/null
[ "$(head -1 "$tmp/d.csv")" = "endpoint,base_requests,new_requests,base_p50_ms,new_p50_ms,base_p95_ms,new_p95_ms,base_mean_ms,new_mean_ms,failed,verdict,p_value,p50_change_lo_ms,p50_change_hi_ms,p95_change_lo_ms,p95_change_hi_ms,mean_change_lo_ms,mean_change_hi_ms,blame,latency" ] && ok "diff csv header" || no "diff csv header"
"$P" diff -f html -o "$tmp/d.html" $W $S 2>/dev/null && grep -q '<table>' "$tmp/d.html" && ok "diff html" || no "diff html"

# Issue 14 item 1: tests/data/twin-views (tests/gen/twin/run_twin.py
# --variant views) has two MethodViews whose get share name and file;
# ItemB.get (api.py:17) is 100 ms slower in NEW. One row each; the slow
# one fails the gate, from directories and from both baseline kinds.
TV=tests/data/twin-views
expect_rc "item 1: same-named views, the slower one fails" 1 "$P" diff --fail-on 'mean>+50ms' $TV/base $TV/new
grep -q '^| get (api.py:10) | 8 → 8 ' "$tmp/out" && grep -q '^| get (api.py:17) | 8 → 8 .*slower' "$tmp/out" \
    && ok "item 1: two rows, the right one slower" || no "item 1: two rows"
grep -q '^- \*\*get (api.py:17)\*\*: slower.*; api +10[0-9] ms per request' "$tmp/out" && ok "item 1: blames module api first" || no "item 1: blames module api"
"$P" -q -f csv -t endpoints -o "$tmp/tv-sum.csv" $TV/base
expect_rc "item 1: with a summary baseline" 1 "$P" diff --baseline "$tmp/tv-sum.csv" --fail-on 'mean>+50ms' $TV/new
"$P" -q -f csv -t requests -o "$tmp/tv-req.csv" $TV/base
expect_rc "item 1: with a requests baseline" 1 "$P" diff --baseline "$tmp/tv-req.csv" --fail-on 'mean>+50ms' $TV/new
grep -q '^| get (api.py:17) | 8 → 8 .*slower (p[<=]0.00' "$tmp/out" && ok "requests baseline is tested" || no "requests baseline is tested"
grep -q 'Latencies are profiled times' "$tmp/out" && ok "requests baseline: profiled times compared" || no "requests baseline: profiled times compared"
# Names round to whole ms: the test ranks profiled times (microseconds)
# when both sides have them, and says so per endpoint in the CSV.
"$P" diff -q -f csv --baseline "$tmp/tv-req.csv" $TV/new > "$tmp/tv-d.csv"
[ "$(grep -c ',profiled$' "$tmp/tv-d.csv")" = 2 ] && ok "diff csv: latency profiled" || no "diff csv: latency profiled"
cut -d, -f1-5,7- "$tmp/tv-req.csv" > "$tmp/tv-wall.csv"
"$P" diff -q -f csv --baseline "$tmp/tv-wall.csv" $TV/new > "$tmp/tv-d.csv"
[ "$(grep -c ',wall$' "$tmp/tv-d.csv")" = 2 ] && ok "diff csv: a baseline without profiled_ms compares wall times" || no "diff csv: wall baseline"
# Under PyPy the profiler sees a fraction of a request (2 ms of 15): its
# profiled time is not its latency, and the diff keeps the wall times.
"$P" diff -q -f csv tests/data/pypy-flask tests/data/pypy-flask > "$tmp/pp-d.csv"
[ "$(tail -n +2 "$tmp/pp-d.csv" | grep -vc ',wall$')" = 0 ] && [ "$(wc -l < "$tmp/pp-d.csv")" -gt 1 ] \
    && ok "diff csv: PyPy's profiled times are not taken for latencies" || no "diff csv: PyPy latencies"
# One twin-ab request's name says 23 ms where its profile saw 16.6 ms (a
# pause outside the profiler): that request keeps its wall time.
"$P" diff -q -f csv tests/data/twin-ab/base tests/data/twin-ab/new > "$tmp/ab-d.csv"
grep -q '^search (shop.py:56),.*,mixed$' "$tmp/ab-d.csv" && grep -q '^ping (shop.py:91),.*,profiled$' "$tmp/ab-d.csv" \
    && ok "diff csv: a request whose name disagrees with its profile keeps its wall time" || no "diff csv: mixed latencies"
"$P" -q -f csv -t request-modules -o "$tmp/tv-mod.csv" $TV/base
[ "$(head -1 "$tmp/tv-mod.csv")" = "file,endpoint,wall_ms,profiled_ms,module,own_ms" ] && ok "request-modules csv header" || no "request-modules csv header"
expect_rc "item 1: with a request-modules baseline" 1 "$P" diff --baseline "$tmp/tv-mod.csv" --fail-on 'mean>+50ms' $TV/new
grep -q '^- \*\*get (api.py:17)\*\*: slower.*; api +10[0-9] ms per request' "$tmp/out" && ok "request-modules baseline blames module api" || no "request-modules baseline blames api"
printf 'file,endpoint,wall_ms,module,own_ms\na,x,1,m,1\nb,x,2,m,zz\n' > "$tmp/badmod.csv"
expect_rc "request-modules baseline: bad own_ms, exit 3" 3 "$P" diff --baseline "$tmp/badmod.csv" $TV/new
grep -q "row 2: 'own_ms' is not a number" "$tmp/err" && ok "request-modules baseline error names the row" || no "request-modules baseline error"
expect_rc "twin A: unchanged view passes a tight rule" 0 "$P" diff --baseline "$tmp/tv-req.csv" --fail-on 'mean>+0.5ms' --endpoint 'get (api.py:10)' $TV/new
# The HTML diff draws NEW's tree of the changed view coloured by change:
# its boxes on the slow path red, and the sleep only in NEW (dashed).
"$P" diff -q -f html -o "$tmp/tv.html" $TV/base $TV/new
grep -q '<h2 id="flame-graphs">' "$tmp/tv.html" && grep -q '<h3>get (api.py:17)</h3>' "$tmp/tv.html" \
    && ok "diff html: a differential flame graph of the slower view" || no "diff html: flame graph"
grep -q 'only in NEW; significant</title><rect[^>]*fill="rgb(235,[0-9]*,[0-9]*)" stroke="#000" stroke-dasharray' "$tmp/tv.html" \
    && ok "diff html: the new path, red and dashed" || no "diff html: new path marked"
! grep -q '<h3>get (api.py:10)</h3>' "$tmp/tv.html" && ok "diff html: no graph for the unchanged view" || no "diff html: unchanged view drawn"
# Issue 14 item 2: a 0 ms base (werkzeug rounds to 0ms in the name):
# BASE's ItemB requests renamed 0ms, NEW's 100 ms must fail p95>+20%.
mkdir -p "$tmp/zero"
for f in $TV/base/*; do
    cp "$f" "$tmp/zero/$(basename "$f" | sed -E 's/^(GET\.api\.b\.[0-9]+)\.[0-9]+ms/\1.0ms/')"
done
expect_rc "item 2: 0 ms base, percentage rule fires" 1 "$P" diff --fail-on 'p95>+20%' "$tmp/zero" $TV/new
grep -q '^| get (api.py:17) | 8 → 8 | 10[0-9] | +10[0-9] ' "$tmp/out" && ok "item 2: 0 ms base shown" || no "item 2: 0 ms base shown"
# ... and a baseline of wall times alone (no profiled_ms), 0 ms in BASE
"$P" -q -f csv -t requests "$tmp/zero" | cut -d, -f1-5,7- > "$tmp/zero.csv"
expect_rc "item 2: 0 ms wall baseline, percentage rule fires" 1 "$P" diff --fail-on 'p95>+20%' --baseline "$tmp/zero.csv" $TV/new
grep -q '^| get (api.py:17) | 8 → 8 | 10[0-9] | +10[0-9] \[' "$tmp/out" && ok "item 2: 0 ms wall base shown" || no "item 2: 0 ms wall base shown"

# Progress: never on stderr when it is not a terminal (logs stay clean);
# --progress forces it, and the line is erased at the end.
"$P" $W > /dev/null 2> "$tmp/err"
[ ! -s "$tmp/err" ] && ok "no progress line when stderr is a file" || no "no progress line when stderr is a file"
# 10,200 distinct files (hard links under other names: one directory
# given many times is read once), so that the run lasts past the 0.5 s
# before the line shows, also in a release build. The links are to a
# copy: the exit trap's chmod -R would reach the fixtures through them.
/usr/bin/python3 - "$W" "$tmp/many" <<'PY'
import os, shutil, sys
fixtures, out = sys.argv[1], sys.argv[2]
src = out + ".src"
os.makedirs(src)
names = sorted(n for n in os.listdir(fixtures) if n.endswith(".prof"))
for n in names:
    shutil.copyfile(os.path.join(fixtures, n), os.path.join(src, n))
for i in range(300):
    d = os.path.join(out, "d%d" % i)
    os.makedirs(d)
    for n in names:
        os.link(os.path.join(src, n), os.path.join(d, "%s.%d.prof" % (n[:-5], i)))
PY
"$P" --progress -j1 -f csv "$tmp/many" > /dev/null 2> "$tmp/err"
grep -q 'files, .* MB/s' "$tmp/err" && ok "--progress line shown" || no "--progress line shown"
tail -c 4 "$tmp/err" | od -c | grep -q '033   \[   K' && ok "--progress line erased" || no "--progress line erased"

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
"$P" -q -f csv -t requests -o "$tmp/main.csv" $TV/base
GITHUB_STEP_SUMMARY="$tmp/summary.md" PROFREPORT=$P examples/ci/profile-gate.sh "$tmp/main.csv" $TV/base
[ $? = 0 ] && grep -q "^## Endpoints" "$tmp/summary.md" && ok "examples/ci gate passes on the same data" || no "examples/ci gate passes"
PROFREPORT=$P sh -c "examples/ci/profile-gate.sh '$tmp/main.csv' $TV/new > '$tmp/gate.md' 2>/dev/null"
[ $? = 1 ] && grep -q 'get (api.py:17).*slower' "$tmp/gate.md" && ok "examples/ci gate fails on the slower view" || no "examples/ci gate fails on the slower view"

# examples/ci/example-summary.md is what the gate writes for the
# committed A/B pair (regenerate as its first lines say).
"$P" -q -f csv -t request-modules -o "$tmp/ab-main.csv" tests/data/twin-ab/base
PROFREPORT=$P sh examples/ci/profile-gate.sh "$tmp/ab-main.csv" tests/data/twin-ab/new > "$tmp/ab-summary.md" 2>/dev/null
[ $? = 1 ] && tail -n +6 examples/ci/example-summary.md | cmp -s - "$tmp/ab-summary.md" \
    && ok "examples/ci/example-summary.md is the gate's output" || { no "examples/ci/example-summary.md differs"; tail -n +6 examples/ci/example-summary.md | diff - "$tmp/ab-summary.md" | head -5; }

# What the fuzzers found (tests/data/fuzz/README): a clear status, no
# sanitizer report, no hang.
F=tests/data/fuzz
for f in $F/profile-no-callers.prof $F/profile-loose-caller.prof $F/state-1.state $F/state-2.state $F/state-3.state; do
    timeout 20 "$P" -q "$f" > /dev/null 2> "$tmp/err"
    rc=$?
    { [ $rc = 0 ] || [ $rc = 3 ]; } && ! grep -q "runtime error\|Sanitizer" "$tmp/err" \
        && ok "fuzz regression $(basename $f): exit $rc" || no "fuzz regression $(basename $f): exit $rc"
done
# ... in every output format: profile-no-callers.prof's tottime of
# 5.6e306 s made the HTML latency axis step v += step towards an
# infinite top, for ever, its memory growing (16.9 GB in 7 minutes).
for fmt in md text html json csv collapsed callgrind speedscope pprof; do
    timeout 30 "$P" -q -f "$fmt" -o "$tmp/fz.out" $F 2> "$tmp/err"
    rc=$?
    [ $rc = 0 ] && ! grep -q "runtime error\|Sanitizer" "$tmp/err" \
        && ok "fuzz regressions as $fmt: exit 0" || no "fuzz regressions as $fmt: exit $rc"
done
timeout 20 "$P" diff -q --baseline $F/baseline-huge-requests.csv $W > /dev/null 2> "$tmp/err"
[ $? = 3 ] && grep -q "requests out of range" "$tmp/err" && ok "fuzz regression: absurd baseline" || no "fuzz regression: absurd baseline"
# Times over 1e9 s are refused, with the offset and the reason.
"$P" $F/profile-no-callers.prof > /dev/null 2> "$tmp/err"
[ $? = 3 ] && grep -q "profile-no-callers.prof: skipped: time of 5.61779e+306 s is beyond any profile's (over 31 years) (at byte 14)" "$tmp/err" \
    && ok "fuzz regression: a 5.6e306 s time refused" || no "fuzz regression: huge time: $(cat "$tmp/err")"
# 3.5 KB that re-read itself thousands of times (27 ms a parse, 1.2 s
# under ASan): now refused as too complex.
"$P" $F/profile-code-backtracking.prof > /dev/null 2> "$tmp/err"
[ $? = 3 ] && grep -q "profile-code-backtracking.prof.*too complex" "$tmp/err" \
    && ok "fuzz regression: code-object backtracking refused" || no "fuzz regression: code-object backtracking"
fmt=$(tr '\0' '\n' < $F/name-backtracking.bin | head -1)
timeout 20 "$P" --name-format "$fmt" $W > /dev/null 2> "$tmp/err"
[ $? = 2 ] && grep -q "given twice" "$tmp/err" && ok "fuzz regression: format with repeated fields refused" || no "fuzz regression: repeated fields"

# Exports, each read by its consumer (jq, callgrind_annotate from
# valgrind: make test-deps), on the demo profiles: the totals must be
# the report's. The CSV functions table is the reference.
E=examples/profiles
csv_total=$("$P" -f csv -t functions $E | tail -n +2 | awk -F, '{s += $6} END {printf "%.6f", s}')
csv_funcs=$("$P" -f csv -t functions $E | tail -n +2 | wc -l)
total_us=$(awk -v t="$csv_total" 'BEGIN {printf "%.0f", t * 1e6}')
near() { awk -v a="$1" -v b="$2" -v e="$3" 'BEGIN {d = a - b; if (d < 0) d = -d; exit !(d <= e)}'; }
expect_rc "-f json" 0 "$P" -f json $E
cp "$tmp/out" "$tmp/r.json"
[ "$(jq .schema_version "$tmp/r.json")" = 1 ] && ok "json schema_version" || no "json schema_version"
[ "$(jq -r .generator.version "$tmp/r.json")" = "$("$P" --version | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -1)" ] \
    && ok "json generator version" || no "json generator version"
t=$(jq '[.functions[].tottime] | add' "$tmp/r.json")
s=$(jq '.summary.total_tt' "$tmp/r.json")
near "$t" "$s" 1e-6 && near "$s" "$csv_total" 1e-5 && ok "json: functions' tottime add up to the summary and the CSV ($s)" \
    || no "json totals: functions $t, summary $s, csv $csv_total"
[ "$(jq '.functions | length' "$tmp/r.json")" = "$csv_funcs" ] && ok "json: as many functions as the CSV" || no "json function count"
[ "$(jq -r '.findings[0].subject' "$tmp/r.json")" = mongomock ] && [ "$(jq -r '.findings[0].kind' "$tmp/r.json")" = module ] \
    && ok "json: first finding is mongomock" || no "json first finding: $(jq -c '.findings[0]' "$tmp/r.json")"
m=$(jq '[.attribution.modules[].own_s] | add' "$tmp/r.json")
near "$m" "$s" 1e-6 && ok "json: modules' own time adds up to the total" || no "json modules own $m vs $s"
[ "$(jq '[.endpoints[].requests] | add' "$tmp/r.json")" = "$(jq '.summary.files' "$tmp/r.json")" ] \
    && [ "$(jq '.requests | length' "$tmp/r.json")" = "$(ls $E | wc -l)" ] && ok "json: every request once" || no "json requests"
bad=$(jq '[.endpoints[] | (.attribution.total_s - ([.attribution.modules[].own_s] | add)) | fabs | select(. > 1e-6)] | length' "$tmp/r.json")
[ "$bad" = 0 ] && ok "json: each endpoint's modules add up to its total" || no "json endpoint modules ($bad off)"
jq -e '.edges[0].callee.label and .attribution.call_tree.nodes[0].parent == null and .attribution.entry_points[0].chain' "$tmp/r.json" > /dev/null \
    && ok "json: edges, call tree and entry points present" || no "json structure"
expect_rc "-t with json is a usage error" 2 "$P" -f json -t functions $E
expect_rc "diff has no json" 2 "$P" diff -f json $W $W

# Folded stacks: weights (us) add up to the total own time, whole run
# or per endpoint (each under its endpoint's frame).
"$P" -f collapsed $E > "$tmp/c.txt"
"$P" -f collapsed -t all $E > "$tmp/call.txt"
grep -qvE '^[^ ].* [0-9]+$' "$tmp/c.txt" "$tmp/call.txt" && no "collapsed: a line is not 'a;b;c N'" || ok "collapsed: lines are 'a;b;c N'"
for f in c call; do
    n=$(awk '{s += $NF} END {print s}' "$tmp/$f.txt")
    near "$n" "$total_us" 2 && ok "collapsed $f: weights add up to the total ($n us)" || no "collapsed $f: $n us, want $total_us"
done
[ "$(cut -d';' -f1 "$tmp/c.txt" | sort -u | wc -l)" = "$(jq '.endpoints | length' "$tmp/r.json")" ] \
    && ok "collapsed: one root frame per endpoint" || no "collapsed roots"
grep -q '^[^;]*app.py' "$tmp/call.txt" && no "collapsed -t all has endpoint roots" || ok "collapsed -t all: the run's own roots"
expect_rc "collapsed takes -t all or endpoints only" 2 "$P" -f collapsed -t functions $E

# callgrind: callgrind_annotate's program total is the total own time,
# and its inclusive view puts the request root at 100 %.
"$P" -f callgrind -o "$tmp/callgrind.out" $E
callgrind_annotate "$tmp/callgrind.out" > "$tmp/cga.txt" 2> "$tmp/cga.err"
n=$(grep 'PROGRAM TOTALS' "$tmp/cga.txt" | awk '{gsub(",", "", $1); print $1}')
near "${n:-0}" "$total_us" 1 && ok "callgrind_annotate total equals the report's ($n us)" || { no "callgrind_annotate total ${n:-none}, want $total_us"; head -3 "$tmp/cga.err"; }
top=$(jq -r '[.functions[]] | max_by(.tottime) | .name' "$tmp/r.json")
grep -A3 'file:function' "$tmp/cga.txt" | sed -n 3p | grep -q ":$top:" && ok "callgrind_annotate: heaviest function is pstats' ($top)" || no "callgrind heaviest: want $top"
callgrind_annotate --inclusive=yes "$tmp/callgrind.out" 2>/dev/null | grep -q '(100.0%).*profiler.py:runapp' \
    && ok "callgrind: inclusive cost of the request root is 100 %" || no "callgrind inclusive"

# speedscope: the whole run and each endpoint, weights adding up to
# each profile's endValue, the run's to the total own time.
"$P" -f speedscope $E > "$tmp/s.json"
[ "$(jq '.profiles | length' "$tmp/s.json")" = "$(( $(jq '.endpoints | length' "$tmp/r.json") + 1 ))" ] \
    && ok "speedscope: the run plus one profile per endpoint" || no "speedscope profile count"
jq -e '.["$schema"] == "https://www.speedscope.app/file-format-schema.json" and (.exporter | test("rebuilt"))
       and all(.profiles[]; .type == "sampled" and .unit == "microseconds" and ((.weights | add) == .endValue)
               and (.samples | length) == (.weights | length))' "$tmp/s.json" > /dev/null \
    && ok "speedscope: schema, exporter note, weights add up to endValue" || no "speedscope structure"
jq -e '(.shared.frames | length) as $n | all(.profiles[].samples[][]; . >= 0 and . < $n)' "$tmp/s.json" > /dev/null \
    && ok "speedscope: samples index frames" || no "speedscope frame indexes"
n=$(jq '.profiles[0].endValue' "$tmp/s.json")
e=$(jq '[.profiles[1:][].endValue] | add' "$tmp/s.json")
near "$n" "$total_us" 1 && near "$e" "$total_us" 2 && ok "speedscope: run and endpoints total the report's ($n us)" || no "speedscope totals $n, $e, want $total_us"

# pprof: go tool pprof (golang-go) reads the file offline; -raw lists
# every sample, whose values (us) add up to the total own time, and
# -tagfocus keeps one endpoint's samples.
"$P" -f pprof -o "$tmp/r.pb.gz" $E
gp() { HOME="$tmp" GOPROXY=off GOFLAGS= GOTOOLCHAIN=local go tool pprof "$@" 2> "$tmp/gp.err"; }
raw_sum() { awk '/^ *[0-9]+: [0-9 ]+$/ {s += $1} END {print s + 0}'; }
n=$(gp -raw "$tmp/r.pb.gz" | raw_sum)
near "$n" "$total_us" 1 && ok "go tool pprof: samples total the report's ($n us)" || { no "go tool pprof total $n, want $total_us"; head -3 "$tmp/gp.err"; }
gp -top "$tmp/r.pb.gz" | grep -q "of $(awk -v t="$total_us" 'BEGIN {printf "%.2fms", t / 1000}') total" \
    && ok "go tool pprof -top: the same total" || no "go tool pprof -top total"
want=$(jq '[.endpoints[] | select(.label | test("^search")) | .attribution.total_s] | add * 1e6 | round' "$tmp/r.json")
n=$(gp -raw -tagfocus endpoint=search "$tmp/r.pb.gz" | raw_sum)
near "$n" "$want" 2 && ok "go tool pprof -tagfocus endpoint=search: the endpoint's own time ($n us)" || no "tagfocus endpoint=search: $n, want $want"
gp -tags "$tmp/r.pb.gz" | grep -q 'POST' && ok "go tool pprof: samples labelled with the method" || no "pprof method label"
gp -raw "$tmp/r.pb.gz" | grep -q '^Comment: stacks rebuilt from pstats caller edges' && ok "pprof: the file says its stacks are rebuilt" || no "pprof comment"

# Input is never modified.
sum1=$(cat $W/* | md5sum)
"$P" -o "$tmp/r2.md" $W 2>/dev/null
[ "$(cat $W/* | md5sum)" = "$sum1" ] && ok "input untouched" || no "input untouched"

echo "clitest: $pass passed, $fail failed"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
