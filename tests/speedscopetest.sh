#!/bin/sh
# speedscopetest.sh - `-f speedscope` opened by the speedscope app itself
# (npm package `speedscope`, installed once into
# ${PROFREPORT_CACHE:-~/.cache/profreport}/npm) in headless Chromium, by
# tests/speedscopetest.py. Environment: PROFREPORT (the binary), PYTHON,
# CHROMIUM (the browser; browsertest installs Debian's chromium).
set -eu
cd "$(dirname "$0")/.."
P=${PROFREPORT:-build/profreport}
PY=${PYTHON:-/usr/bin/python3}
SPEEDSCOPE_VERSION=1.25.0
CACHE=${PROFREPORT_CACHE:-$HOME/.cache/profreport}/npm
CHROME=$(command -v "${CHROMIUM:-chromium}" || command -v chromium-browser) || {
    echo "speedscopetest needs Chromium (make test-deps)" >&2
    exit 1
}
# npm: Debian's, installed when there is none (a machine may have Node's
# own npm instead, which Debian's package would conflict with).
if ! command -v npm > /dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm > /dev/null
    else
        echo "speedscopetest needs npm: sudo apt-get install npm" >&2
        exit 1
    fi
fi
APP=$CACHE/node_modules/speedscope/dist/release
if [ ! -f "$APP/index.html" ] || ! grep -q "\"version\": \"$SPEEDSCOPE_VERSION\"" \
        "$CACHE/node_modules/speedscope/package.json"; then
    mkdir -p "$CACHE"
    npm install --silent --no-audit --no-fund --prefix "$CACHE" \
        "speedscope@$SPEEDSCOPE_VERSION"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/site" "$tmp/profile"
cp -R "$APP"/. "$tmp/site/"
"$P" -q -f speedscope -o "$tmp/site/run.speedscope.json" examples/profiles
n=$(( $("$P" -q -f csv -t endpoints examples/profiles | tail -n +2 | wc -l) + 1 ))
if "$PY" tests/speedscopetest.py --chrome "$CHROME" --profile "$tmp/profile" \
    --dir "$tmp/site" --file run.speedscope.json --expect-profiles "$n" \
    --expect-name "profreport" --log "$tmp/chromium.log"; then
    echo "speedscopetest: passed"
else
    echo "--- last lines of the Chromium log:"
    tail -20 "$tmp/chromium.log"
    exit 1
fi
