#!/bin/bash
# faulttest.sh - hostile inputs and faults around the run: nothing lost,
# nothing half-written under a final name, a clear status, bounded time.
set -u
cd "$(dirname "$0")/.."
P=${PROFREPORT:-build/profreport}
W=tests/data/werkzeug
tmp=$(mktemp -d)
cleanup() { umount "$tmp/full" 2>/dev/null; chmod -R u+rwx "$tmp" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
pass=0 fail=0 skip=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
no() { echo "FAIL $1"; fail=$((fail + 1)); }
skipped() { echo "SKIP $1"; skip=$((skip + 1)); }
one=$W/$(ls $W | head -1)

# A 2 GB sparse file named like a profile: rejected at its first byte,
# at once, without reading 2 GB.
mkdir "$tmp/sparse"
cp "$one" "$tmp/sparse/"
truncate -s 2G "$tmp/sparse/GET.big.1ms.1700000000.prof"
start=$(date +%s%N)
timeout 20 "$P" "$tmp/sparse" > /dev/null 2> "$tmp/err"
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ $rc = 0 ] && grep -q "big.1ms.1700000000.prof: skipped: file is 2147483648 bytes, over the limit" "$tmp/err" \
    && ok "2 GB sparse file rejected in ${ms} ms" || no "2 GB sparse file (exit $rc, ${ms} ms)"

# Bombs (issue 12, item 3), each with its peak RSS: a sparse file that
# starts like a profile, gzip of zeros, gzip of '{' and 256 MiB of zeros.
# None may be read or inflated whole (before: 1 GiB each, per thread).
rss() { # label limit_mb file...: run, check peak RSS and the message
    local label=$1 limit=$2 want=$3
    shift 3
    /usr/bin/time -f %M -o "$tmp/rss" "$P" "$@" > /dev/null 2> "$tmp/err"
    local kb=$(tail -1 "$tmp/rss")
    if [ "$kb" -lt $((limit * 1024)) ] && grep -q "$want" "$tmp/err"; then
        ok "$label: refused, peak RSS $((kb / 1024)) MB"
    else
        no "$label: peak RSS $((kb / 1024)) MB (limit $limit MB)"; head -3 "$tmp/err"
    fi
}
mkdir "$tmp/bomb"
printf '{' > "$tmp/bomb/GET.sparse.1ms.1700000000.prof"
truncate -s 2G "$tmp/bomb/GET.sparse.1ms.1700000000.prof"
rss "2 GB sparse file starting with {" 200 "over the limit" "$tmp/bomb/GET.sparse.1ms.1700000000.prof"
head -c 256M /dev/zero | gzip -1 > "$tmp/bomb/GET.zeros.1ms.1700000000.prof.gz"
rss "gzip of 256 MiB of zeros" 200 "first decompressed byte 0x00" "$tmp/bomb/GET.zeros.1ms.1700000000.prof.gz"
{ printf '{'; head -c 256M /dev/zero; } | gzip -1 > "$tmp/bomb/GET.brace.1ms.1700000000.prof.gz"
rss "gzip of { and 256 MiB of zeros" 200 "decompresses to over 100 times" "$tmp/bomb/GET.brace.1ms.1700000000.prof.gz"
for i in 1 2 3 4; do cp "$tmp/bomb/GET.brace.1ms.1700000000.prof.gz" "$tmp/bomb/GET.b$i.1ms.1700000000.prof.gz"; done
rss "five such bombs on four threads" 500 "decompresses to over 100 times" -j4 "$tmp/bomb"
rm -rf "$tmp/bomb"

# A 10-byte file claiming a 2^31-1 byte string.
printf '\xfb\x75\xff\xff\xff\x7f\x61\x62\x63\x64' > "$tmp/len.prof"
"$P" "$tmp/len.prof" > /dev/null 2> "$tmp/err"
[ $? = 3 ] && grep -q "string length of 2147483647 does not fit in the 4 bytes left (at byte 2)" "$tmp/err" \
    && ok "huge length in a tiny file" || { no "huge length in a tiny file"; cat "$tmp/err"; }

# Nesting a million levels deep: an error, not a stack overflow.
/usr/bin/python3 -c 'import sys; sys.stdout.buffer.write(b"\xfb" + b"\x29\x01" * 1000000)' > "$tmp/deep.prof"
timeout 20 "$P" "$tmp/deep.prof" > /dev/null 2> "$tmp/err"
[ $? = 3 ] && grep -q "nested more than 1000 deep" "$tmp/err" && ok "nesting 1,000,000 deep" || no "nesting 1,000,000 deep"

# Very long and non-UTF-8 file names are read and shown escaped.
mkdir "$tmp/names"
long=$(printf 'a%.0s' $(seq 1 225))
cp "$one" "$tmp/names/GET.$long.1ms.1700000000.prof"
cp "$one" "$tmp/names/GET.caf$(printf '\xe9').2ms.1700000000.prof"
"$P" -q "$tmp/names" > "$tmp/out.md" 2>/dev/null
[ $? = 0 ] && grep -q '2 profiles' "$tmp/out.md" && ok "long and non-UTF-8 names read" || no "long and non-UTF-8 names read"
# (in a code span, where a backslash is literal: one of them)
grep -q '`[^`]*caf\\xe9' "$tmp/out.md" && ok "non-UTF-8 byte shown as \\xe9" || no "non-UTF-8 byte shown as \\xe9"

# A file that shrinks while being read (a web server truncating it):
# the reader sees fewer bytes and reports a truncated profile.
mkdir "$tmp/grow"
for i in $(seq 1 40); do cp "$one" "$tmp/grow/GET.f$i.1ms.1700000000.prof"; done
( for i in $(seq 1 40); do : > "$tmp/grow/GET.f$i.1ms.1700000000.prof"; done ) &
timeout 20 "$P" -q -f csv -t requests "$tmp/grow" > "$tmp/r.csv"
rc=$?
wait
[ $rc = 0 ] || [ $rc = 3 ] && ok "files truncated during the run: exit $rc, no crash" || no "files truncated during the run (exit $rc)"

# Files that grow while being read (a server still writing them): read to
# the end as it is then (bounded by the 1 GiB limit), never a hang; the
# bytes past the stats dict are trailing data pstats would ignore too.
mkdir "$tmp/longer"
for i in $(seq 1 40); do cp "$one" "$tmp/longer/GET.g$i.1ms.1700000000.prof"; done
( for k in 1 2 3; do for i in $(seq 1 40); do
      cat "$one" >> "$tmp/longer/GET.g$i.1ms.1700000000.prof"; done; done ) &
timeout 20 "$P" -f csv -t requests "$tmp/longer" > "$tmp/r.csv" 2> "$tmp/err"
rc=$?
wait
n=$(($(wc -l < "$tmp/r.csv") - 1 + $(grep -c "skipped:" "$tmp/err")))
[ $rc = 0 ] && [ $n = 40 ] && ok "files growing during the run: all 40 read or reported" \
    || no "files growing during the run (exit $rc, $n of 40)"

# Unreadable files and directories, as an unprivileged user (root reads
# everything).
if command -v setpriv > /dev/null && [ "$(id -u)" = 0 ]; then
    mkdir -p "$tmp/perm/closed"
    cp "$one" "$tmp/perm/"
    cp "$one" "$tmp/perm/closed/"
    cp "$one" "$tmp/perm/GET.secret.1ms.1700000000.prof"
    chmod 000 "$tmp/perm/GET.secret.1ms.1700000000.prof" "$tmp/perm/closed"
    chmod 755 "$tmp"
    setpriv --reuid=65534 --regid=65534 --clear-groups "$P" "$tmp/perm" > "$tmp/out.md" 2> "$tmp/err"
    rc=$?
    [ $rc = 0 ] && grep -q "secret.1ms.1700000000.prof: skipped: cannot open: Permission denied" "$tmp/err" \
        && grep -q "closed: skipped: cannot open directory: Permission denied" "$tmp/err" \
        && grep -q "1 profile," "$tmp/out.md" && ok "unreadable file and directory reported" \
        || { no "unreadable file and directory (exit $rc)"; cat "$tmp/err"; }
    chmod 755 "$tmp/perm/closed"
else
    skipped "unreadable files (needs root and setpriv)"
fi

# stdout closed early: the reader of the pipe went away. profreport dies
# of SIGPIPE like cat does, silently, with no output file to damage.
"$P" $W $W $W | head -c 10 > /dev/null
rc=${PIPESTATUS[0]}
[ $rc = 141 ] || [ $rc = 0 ] && ok "stdout closed early (exit $rc)" || no "stdout closed early (exit $rc)"

# A full disk: exit 4, no file under the final name, no temporary file,
# the previous report intact.
mkdir "$tmp/full"
if mount -t tmpfs -o size=64k tmpfs "$tmp/full" 2>/dev/null; then
    echo previous > "$tmp/full/r.md"
    "$P" -o "$tmp/full/r.md" $W 2> "$tmp/err"
    rc=$?
    [ $rc = 4 ] && ok "full disk: exit 4" || no "full disk: exit $rc"
    [ "$(cat "$tmp/full/r.md")" = previous ] && ok "full disk: previous report intact" || no "full disk: previous report intact"
    [ "$(ls "$tmp/full")" = r.md ] && ok "full disk: no temporary file left" || no "full disk: left $(ls "$tmp/full")"
    "$P" --state "$tmp/full/s.state" -o /dev/null $W 2> "$tmp/err"
    rc=$?
    [ $rc = 4 ] && [ ! -e "$tmp/full/s.state" ] && ok "full disk: state not written, exit 4" || no "full disk state (exit $rc)"
    umount "$tmp/full"
else
    skipped "full disk (cannot mount a tmpfs here)"
fi

# SIGINT and SIGTERM in the middle of a run: the previous report and
# state stay intact, the status says which signal, no temporary file.
# 60 copies of the fixtures under other names (hard links): one
# directory given 30 times is read once, and a run that ends before the
# signal tests nothing; at least one delay per signal must interrupt.
# The links are to a copy: cleanup's chmod -R would reach the
# repository's fixtures through links to them.
mkdir "$tmp/bigin" "$tmp/bigsrc"
cp "$W"/*.prof "$tmp/bigsrc/"
for i in $(seq 1 60); do
    mkdir "$tmp/bigin/d$i"
    for f in "$tmp/bigsrc"/*.prof; do
        b=$(basename "$f" .prof)
        ln "$f" "$tmp/bigin/d$i/$b.$i.prof" 2>/dev/null || cp "$f" "$tmp/bigin/d$i/$b.$i.prof"
    done
done
big=("$tmp/bigin")
mkdir "$tmp/sig"
"$P" -q --state "$tmp/sig/s.state" -o "$tmp/sig/r.md" $W
cp "$tmp/sig/r.md" "$tmp/r.before"
cp "$tmp/sig/s.state" "$tmp/s.before"
for sig in INT TERM; do
    hit=0
    for delay in 0.1 0.3 0.6; do
        "$P" -q -j1 -o "$tmp/sig/r.md" "${big[@]}" &
        pid=$!
        sleep $delay
        kill -$sig $pid 2>/dev/null
        wait $pid
        rc=$?
        want=$([ $sig = INT ] && echo 130 || echo 143)
        if [ $rc = 0 ]; then
            ok "SIG$sig after ${delay}s: the run had finished (exit 0)"
            cp "$tmp/r.before" "$tmp/sig/r.md"
            continue
        fi
        hit=$((hit + 1))
        [ $rc = $want ] && ok "SIG$sig after ${delay}s: exit $rc" || no "SIG$sig after ${delay}s: exit $rc, want $want"
        cmp -s "$tmp/sig/r.md" "$tmp/r.before" && ok "SIG$sig: previous report intact" || no "SIG$sig: previous report intact"
        [ "$(ls "$tmp/sig" | grep -c tmp)" = 0 ] && ok "SIG$sig: no temporary file" || no "SIG$sig: temporary file left"
    done
    [ $hit -gt 0 ] && ok "SIG$sig interrupted a run ($hit of 3)" || no "SIG$sig never came before the run ended"
done
"$P" -q "$tmp/sig/s.state" > /dev/null && ok "state still readable after signals" || no "state still readable after signals"

# No input can make profreport write anywhere but -o and --state: a
# profile named like a path, and names with ../, change nothing else.
mkdir "$tmp/esc" "$tmp/esc/in"
cp "$one" "$tmp/esc/in/GET....etc.passwd.1ms.1700000000.prof"
before=$(find "$tmp/esc" | sort)
"$P" -q -o "$tmp/esc/r.md" "$tmp/esc/in"
after=$(find "$tmp/esc" | sort | grep -v '/r.md$')
[ "$before" = "$after" ] && ok "writes only the output path" || no "writes only the output path"

# Outputs that are not regular files (issue 12, item 2): a device or a
# FIFO is written through and stays what it was, a symlink stays a link
# and its target gets the report, /dev/stdout is stdout.
mkdir "$tmp/out"
if [ "$(id -u)" = 0 ] && mknod "$tmp/out/null" c 1 3 2>/dev/null; then
    "$P" -q -o "$tmp/out/null" $W; rc=$?
    [ $rc = 0 ] && [ -c "$tmp/out/null" ] && ok "-o onto a character device: written through, still a device" \
        || no "-o onto a character device (exit $rc, $(stat -c %F "$tmp/out/null"))"
    "$P" -q --state "$tmp/out/null" $W > /dev/null 2> "$tmp/err"; rc=$?
    [ $rc = 2 ] && [ -c "$tmp/out/null" ] && grep -q "not a regular file" "$tmp/err" \
        && ok "--state onto a device: refused (exit 2), still a device" || no "--state onto a device (exit $rc)"
else
    skipped "-o onto a character device (needs root for mknod)"
fi
mkfifo "$tmp/out/fifo"
timeout 20 cat "$tmp/out/fifo" > "$tmp/out/fromfifo" &
reader=$!
timeout 20 "$P" -q -o "$tmp/out/fifo" $W; rc=$?
wait $reader
[ $rc = 0 ] && [ -p "$tmp/out/fifo" ] && grep -q '^## Endpoints' "$tmp/out/fromfifo" \
    && ok "-o onto a FIFO: the reader gets the report, still a FIFO" || no "-o onto a FIFO (exit $rc)"
timeout 20 "$P" -q --state "$tmp/out/fifo" $W > /dev/null 2> "$tmp/err"; rc=$?
[ $rc = 2 ] && [ -p "$tmp/out/fifo" ] && ok "--state FIFO: refused at once (exit 2)" || no "--state FIFO (exit $rc)"
"$P" -q --state "$tmp/out/s.state" $W > /dev/null
timeout 20 "$P" merge -o "$tmp/out/m.state" "$tmp/out/s.state" "$tmp/out/fifo" 2> "$tmp/err"; rc=$?
[ $rc = 3 ] && grep -q "not a regular file" "$tmp/err" && ok "merge of a FIFO: refused at once (exit 3)" || no "merge of a FIFO (exit $rc)"
# /dev/stdout is a link to /proc/self/fd/1; a link of our own to the same
# place tests it without risking the machine's /dev/stdout.
ln -s /proc/self/fd/1 "$tmp/out/stdout"
n=$("$P" -q -o "$tmp/out/stdout" $W | grep -c '^## Endpoints')
[ "$n" = 1 ] && [ -L "$tmp/out/stdout" ] && ok "-o /dev/stdout into a pipe prints the report" || no "-o /dev/stdout into a pipe ($n)"
rm -f "$tmp/out/stdout"; ln -s /proc/self/fd/1 "$tmp/out/stdout"
"$P" -q -o "$tmp/out/stdout" $W > "$tmp/out/redirected"
grep -q '^## Endpoints' "$tmp/out/redirected" && [ -L "$tmp/out/stdout" ] && ok "-o /dev/stdout redirected to a file" || no "-o /dev/stdout redirected to a file"
echo old > "$tmp/out/target.md"
ln -s target.md "$tmp/out/link.md"
"$P" -q -o "$tmp/out/link.md" $W
[ -L "$tmp/out/link.md" ] && grep -q '^## Endpoints' "$tmp/out/target.md" \
    && ok "-o onto a symlink: the link stays, its target gets the report" || no "-o onto a symlink"
"$P" -q --state "$tmp/out/slink" $W > /dev/null 2>&1 || true
rm -f "$tmp/out/slink"; ln -s s.state "$tmp/out/slink"
"$P" -q --state "$tmp/out/slink" $W > /dev/null
[ -L "$tmp/out/slink" ] && "$P" -q "$tmp/out/s.state" > /dev/null && ok "--state through a symlink: link kept, target updated" \
    || no "--state through a symlink"
ln -s nowhere.md "$tmp/out/dangling.md"
"$P" -q -o "$tmp/out/dangling.md" $W 2> "$tmp/err"; rc=$?
[ $rc = 4 ] && [ -L "$tmp/out/dangling.md" ] && grep -q "symbolic link to a missing file" "$tmp/err" \
    && ok "-o onto a dangling symlink: refused (exit 4)" || no "-o onto a dangling symlink (exit $rc)"
[ "$(ls "$tmp/out" | grep -c '\.tmp\.')" = 0 ] && ok "no temporary files left by these outputs" || no "temporary files left: $(ls "$tmp/out")"

# An existing report or state keeps its mode (and owner, as root); a new
# one follows the umask (issue 12, item 8).
"$P" -q -o "$tmp/out/private.md" $W
"$P" -q --state "$tmp/out/private.state" $W > /dev/null
chmod 600 "$tmp/out/private.md" "$tmp/out/private.state"
"$P" -q -o "$tmp/out/private.md" $W
"$P" -q --state "$tmp/out/private.state" $W > /dev/null
[ "$(stat -c %a "$tmp/out/private.md")" = 600 ] && ok "a 0600 report stays 0600" || no "a 0600 report became $(stat -c %a "$tmp/out/private.md")"
[ "$(stat -c %a "$tmp/out/private.state")" = 600 ] && ok "a 0600 state stays 0600" || no "a 0600 state became $(stat -c %a "$tmp/out/private.state")"
(umask 027; "$P" -q -o "$tmp/out/new.md" $W)
[ "$(stat -c %a "$tmp/out/new.md")" = 640 ] && ok "a new report follows the umask (027: 640)" || no "a new report is $(stat -c %a "$tmp/out/new.md")"
if [ "$(id -u)" = 0 ]; then
    chown 65534:65534 "$tmp/out/private.md"
    "$P" -q -o "$tmp/out/private.md" $W
    [ "$(stat -c %u:%g "$tmp/out/private.md")" = 65534:65534 ] && ok "the report's owner is kept (as root)" \
        || no "the report's owner became $(stat -c %u:%g "$tmp/out/private.md")"
else
    skipped "owner kept (needs root)"
fi

# State files under concurrent runs and a kill (issue 12, items 5 and 6):
# six runs at once on one state, one of them killed with SIGKILL while it
# may hold the lock (the kernel releases a flock with its process). The
# others finish; a last run over every input leaves each request counted
# exactly once, though the inputs overlap by path, symlink and archive.
mkdir "$tmp/cs"
files=($(ls $W))
for i in "${!files[@]}"; do mkdir -p "$tmp/cs/p$((i % 6))"; cp "$W/${files[$i]}" "$tmp/cs/p$((i % 6))/"; done
pids=()
for j in 0 1 2 3 4 5; do
    "$P" -q -j1 --state "$tmp/cs/s" "$tmp/cs/p$j" "$tmp/cs/p$j" > /dev/null 2>&1 &
    pids+=($!)
done
sleep 0.2
kill -KILL "${pids[2]}" 2>/dev/null
bad=0
for j in 0 1 3 4 5; do wait "${pids[$j]}" || bad=1; done
wait "${pids[2]}" 2>/dev/null
ln -s p1 "$tmp/cs/link1"
(cd "$tmp/cs/p3" && tar cf ../p3.tar *.prof)
timeout 60 "$P" -q --state "$tmp/cs/s" "$tmp/cs"/p? "$tmp/cs/link1" "$tmp/cs/p3.tar" "$tmp/cs/./p4//" > /dev/null 2>&1
n=$("$P" -q -f csv -t requests "$tmp/cs/s" | tail -n +2 | wc -l)
[ $bad = 0 ] && [ "$n" = "${#files[@]}" ] && ok "six runs on one state, one killed: every request once ($n)" \
    || no "six runs on one state, one killed: $n of ${#files[@]} (a run failed: $bad)"

# 100,000 distinct endpoints (issue 12, item 4) in bounded CPU time: the
# release build took 36 s of CPU here (79 s wall in the issue) while
# building endpoints was quadratic, and about 7 s now. The limit bounds
# the work done; no wall-clock time is asserted.
R=${PROFREPORT_RELEASE:-build/profreport}
if [ -x "$R" ]; then
    cache=${PROFREPORT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/profreport}/i12
    mkdir -p "$cache"
    [ -d "$cache/ep-100000" ] || /usr/bin/python3 bench/gen_scale.py endpoints "$cache/ep-100000" 100000
    (ulimit -t 20; "$R" -q -f csv -t endpoints "$cache/ep-100000" > "$tmp/ep.csv" 2>/dev/null)
    rc=$?
    n=$(($(wc -l < "$tmp/ep.csv") - 1))
    [ $rc = 0 ] && [ $n = 100000 ] && ok "100,000 endpoints within 20 s of CPU" || no "100,000 endpoints (exit $rc, $n rows)"
else
    skipped "100,000 endpoints (no release build at $R)"
fi

echo "faulttest: $pass passed, $fail failed, $skip skipped"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
