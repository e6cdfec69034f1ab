#!/bin/sh
# Installs the Debian packages HyperbyteDB needs to build, run and test.
# Idempotent: does nothing when everything is already installed.
# Uses sudo when not root; runs apt-get update only when a package is missing.
set -eu

# prometheus: its promtool checks our /metrics exposition (tests only).
# tzdata: the zones InfluxQL's tz('...') reads from /usr/share/zoneinfo.
PKGS="gcc make pkg-config clang libclang-rt-14-dev
libmicrohttpd-dev librocksdb-dev libzstd-dev zlib1g-dev libjansson-dev libpcre2-dev libxxhash-dev
libargon2-dev libcmocka-dev python3 python3-pytest curl
tzdata
influxdb influxdb-client
prometheus"

# Node.js and npm (interop tests read our Parquet files with DuckDB from
# npm): Debian's packages, unless the machine already has its own node.
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || PKGS="$PKGS nodejs npm"

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "install-deps: not root and no sudo; install:$missing" >&2; exit 1; }
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
# The packaged influxd and prometheus services must not hold ports 8086 and
# 9090 on machines that start services.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    $SUDO systemctl disable --now influxdb >/dev/null 2>&1 || true
    $SUDO systemctl disable --now prometheus prometheus-node-exporter >/dev/null 2>&1 || true
elif command -v service >/dev/null 2>&1; then
    $SUDO service prometheus stop >/dev/null 2>&1 || true
    $SUDO service prometheus-node-exporter stop >/dev/null 2>&1 || true
fi
