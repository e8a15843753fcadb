#!/bin/sh
# browsertest.sh - the HTML report in a real browser (headless Chromium).
#
# Renders three reports (the demo in examples/profiles, the committed
# werkzeug directory, and tests/data/hostile whose names try to inject
# markup) and has tests/browsertest.py load each one over the DevTools
# protocol: no console error, no network request but the file itself, SVG
# charts present and non-empty (with scripts off too), hostile names shown
# as text, the optional script working (zoom, search, sort, filters by
# text, module and endpoint, the sandwich), page heights at 1280 and 390
# px, and on a phone every chart fitting the screen with legible text. Screenshots of the demo
# report go to build/artifacts/ (report.png at 1280 px, report-phone.png,
# report-dark.png, report-sandwich.png); they are build output; the
# committed ones in examples/screenshots/ are one screen of each, made
# by SCREENS=examples/screenshots make browsertest.
#
# Installs Debian's chromium with apt-get when it is missing (as root;
# otherwise prints the command and fails). Environment: PROFREPORT (the
# binary, default build/profreport), PYTHON, CHROMIUM (the browser).
set -eu
cd "$(dirname "$0")/.."
P=${PROFREPORT:-build/profreport}
PY=${PYTHON:-/usr/bin/python3}
ART=build/artifacts

find_chromium() {
    for c in ${CHROMIUM:-} chromium chromium-browser; do
        if command -v "$c" > /dev/null 2>&1; then
            command -v "$c"
            return 0
        fi
    done
    return 1
}

if ! CHROME=$(find_chromium); then
    if [ "$(id -u)" = 0 ]; then
        echo "browsertest: installing chromium"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq || true
        apt-get install -y -qq --no-install-recommends chromium > /dev/null
        CHROME=$(find_chromium)
    else
        echo "browsertest needs Chromium. Run:" >&2
        echo "    sudo apt-get install chromium" >&2
        exit 1
    fi
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$ART" "$tmp/profile"

"$P" -q -f html -o "$tmp/report.html" examples/profiles
"$P" -q -f html -o "$tmp/werkzeug.html" tests/data/werkzeug
"$P" -q -f html -o "$tmp/hostile.html" tests/data/hostile
echo "report sizes: $(wc -c < "$tmp/report.html") (demo)," \
    "$(wc -c < "$tmp/werkzeug.html") (werkzeug)," \
    "$(wc -c < "$tmp/hostile.html") (hostile) bytes"

# Chromium's own chatter (dbus, GPU) goes to a log, shown on failure.
S='<script>alert(1)</script>'
if "$PY" tests/browsertest.py --chrome "$CHROME" \
    --profile "$tmp/profile" --shots "$ART" --log "$tmp/chromium.log" \
    ${SCREENS:+--screens "$SCREENS"} \
    --explore report \
    --expect-charts report:endpoints,latency,modules,mix,icicle \
    --expect-charts werkzeug:endpoints,modules,mix,icicle \
    --expect-text "hostile:$S&amp; (routes.py:1)" \
    --expect-text "hostile:$S ($S.py:1)" \
    --expect-text 'hostile:<img src=x onerror="alert(2)">' \
    --expect-text 'hostile:![x](http://127.0.0.1:9/md-image.png)' \
    --expect-text 'hostile:| --- | table | breaker |' \
    --expect-text "hostile:a&b\"c'd|e*f g" \
    --expect-text 'hostile:caf\xff' \
    --expect-svg-text "hostile:$S&amp;" \
    --expect-svg-text 'hostile:{{7*7}} ${7*7} </title></svg><svg onload=alert(3)>' \
    --expect-svg-text 'hostile:md&"quote".py' \
    report="$tmp/report.html" werkzeug="$tmp/werkzeug.html" \
    hostile="$tmp/hostile.html"; then
    echo "screenshots: $ART/report.png $ART/report-phone.png $ART/report-dark.png $ART/report-sandwich.png"
else
    echo "--- last lines of the Chromium log:"
    tail -20 "$tmp/chromium.log"
    exit 1
fi
