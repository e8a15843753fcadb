#!/bin/sh
# run_unit.sh UNIT - runs the Criterion suite from tests/. Criterion's
# process spawner (boxfort) sometimes fails to start the suite at all
# ("Could not spawn test instance: Protocol error") when other Criterion
# runs share the machine; that is not a test result, so the run is
# retried (twice at most). Test failures are never retried.
set -u
cd "$(dirname "$0")"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for try in 1 2 3; do
    ASAN_OPTIONS=detect_leaks=1 "$1" --jobs 2 > "$log" 2>&1
    rc=$?
    if grep -q "Could not spawn test instance" "$log" && ! grep -q "Synthesis:" "$log"; then
        echo "run_unit: Criterion could not start (try $try), retrying" >&2
        sleep 2
        continue
    fi
    break
done
cat "$log"
exit $rc
