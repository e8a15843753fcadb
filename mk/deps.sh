#!/bin/sh
# deps.sh PACKAGE... - make sure Debian packages are installed.
# As root, installs the missing ones with apt-get; otherwise prints the one
# apt-get line to run and fails, so `make` stops with a clear instruction.
# `make -j` can run several of these at once (deps, test-deps, fuzz-deps):
# as root they take turns on a lock, and each looks again once it has it,
# so only one apt-get runs and none fails on dpkg's lock.
set -eu
missing_packages() {
    missing=""
    for p in "$@"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            missing="$missing $p"
        fi
    done
}
missing_packages "$@"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v flock > /dev/null; then
    exec 9> /tmp/profreport-deps.lock
    flock 9
    missing_packages "$@"
    [ -z "$missing" ] && exit 0
fi
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
