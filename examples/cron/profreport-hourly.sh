#!/bin/sh
# profreport-hourly.sh PROFILE_DIR REPORT.html [STATE]
#
# Refreshes an HTML report of the last 24 hours from a directory that
# werkzeug's ProfilerMiddleware keeps writing to. The state file makes
# each run parse only the files written since the previous one, and
# --since drops what is older than a day from it, so files that rotate
# away keep counting until they leave the window. The report and the
# state are both replaced atomically: a run killed by cron's next tick,
# a reboot or a full disk leaves the previous ones intact.
#
# Crontab line (every hour, at minute 7):
#   7 * * * * /usr/local/share/profreport/profreport-hourly.sh /var/log/myapp/profiles /var/www/reports/profile.html
set -eu
dir=${1:?usage: profreport-hourly.sh PROFILE_DIR REPORT.html [STATE]}
out=${2:?usage: profreport-hourly.sh PROFILE_DIR REPORT.html [STATE]}
state=${3:-$out.state}
PROFREPORT=${PROFREPORT:-profreport}
exec "$PROFREPORT" --quiet --state "$state" --since 24h -f html -o "$out" "$dir"
