#!/bin/sh
# profile-gate.sh BASELINE.csv PROFILE_DIR
#
# A CI step: compare the profiles this test run produced (werkzeug's
# ProfilerMiddleware writing to PROFILE_DIR) with the endpoint table
# saved from the main branch, post the comparison as the job's summary,
# and fail when an endpoint's p95 grew by more than 20 % (endpoints with
# at least 5 requests on both sides).
#
# On GitHub Actions, $GITHUB_STEP_SUMMARY is the file whose Markdown is
# shown on the run's page; elsewhere the Markdown goes to stdout.
# To refresh the baseline on the main branch:
#   profreport -f csv -t endpoints -o BASELINE.csv PROFILE_DIR
set -eu
baseline=${1:?usage: profile-gate.sh BASELINE.csv PROFILE_DIR}
dir=${2:?usage: profile-gate.sh BASELINE.csv PROFILE_DIR}
PROFREPORT=${PROFREPORT:-profreport}
summary=${GITHUB_STEP_SUMMARY:-/dev/stdout}
status=0
"$PROFREPORT" diff --quiet --baseline "$baseline" --fail-on 'p95>+20%' \
    --min-requests 5 "$dir" >> "$summary" || status=$?
# 1: a regression (named in the summary); anything else: a broken run.
exit $status
