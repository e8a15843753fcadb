#!/bin/sh
# profile-gate.sh BASELINE.csv PROFILE_DIR
#
# A CI step: compare the profiles this test run produced (werkzeug's
# ProfilerMiddleware writing to PROFILE_DIR) with the per-request
# latencies saved from the main branch, post the comparison as the
# job's summary, and fail when an endpoint is significantly slower
# (Mann-Whitney U per endpoint, Holm-corrected, alpha 0.01) AND its p50
# or p95 grew by more than 20 % or its p95 by more than 30 ms.
# Unchanged builds pass: in 24 A/A comparisons of the twin app this gate
# never failed (README, "A CI gate that does not cry wolf").
#
# On GitHub Actions, $GITHUB_STEP_SUMMARY is the file whose Markdown is
# shown on the run's page; elsewhere the Markdown goes to stdout.
# To refresh the baseline on the main branch (per request its wall time,
# so the gate can test significance, and its own time per module, so it
# can say which module moved; about 1.5 KB a request):
#   profreport -f csv -t request-modules -o BASELINE.csv PROFILE_DIR
# '-t requests' (wall times only, about 100 bytes a request) tests but
# cannot blame; '-t endpoints' holds summaries only: the thresholds then
# decide alone, and the summary says so.
set -eu
baseline=${1:?usage: profile-gate.sh BASELINE.csv PROFILE_DIR}
dir=${2:?usage: profile-gate.sh BASELINE.csv PROFILE_DIR}
PROFREPORT=${PROFREPORT:-profreport}
summary=${GITHUB_STEP_SUMMARY:-/dev/stdout}
status=0
"$PROFREPORT" diff --quiet --baseline "$baseline" \
    --fail-on 'p50>+20%' --fail-on 'p95>+20%' --fail-on 'p95>+30ms' \
    "$dir" >> "$summary" || status=$?
# 1: a regression (named in the summary); anything else: a broken run.
exit $status
