#!/bin/sh
# deps.sh PACKAGE... - make sure Debian packages are installed.
# As root, installs the missing ones with apt-get; otherwise prints the one
# apt-get line to run and fails, so `make` stops with a clear instruction.
set -eu
missing=""
for p in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
    echo "deps: installing$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || true
    apt-get install -y -qq --no-install-recommends $missing
else
    echo "profreport needs Debian packages that are missing. Run:" >&2
    echo "    sudo apt-get install$missing" >&2
    exit 1
fi
