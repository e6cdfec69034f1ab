#!/bin/sh
# Start a throwaway reference InfluxDB 1.x (`influxd`, Debian package
# `influxdb`) on loopback, for side-by-side benchmarks and comparisons.
#
#   usage: bench/influxd_ref.sh DIR HTTP_PORT RPC_PORT
#
# Writes DIR/influxdb.conf (meta, data and wal under DIR; HTTP and RPC bound
# to 127.0.0.1; WAL fsync on every write; inmem index; reporting, retention,
# shard precreation, monitor store, subscriber and continuous queries off; log
# level warn), starts `influxd run` in the background with its output in
# DIR/influxd.log, waits up to 10 s for GET /ping to answer, and prints the
# PID of influxd on stdout.  On failure it kills influxd, prints the log's
# tail on stderr and exits 1.  Stop it with `kill PID` (SIGTERM).
set -eu

if [ $# -ne 3 ]; then
    echo "usage: $0 DIR HTTP_PORT RPC_PORT" >&2
    exit 2
fi
dir=$1; http=$2; rpc=$3

command -v influxd >/dev/null 2>&1 || { echo "influxd is not on PATH (Debian package: influxdb)" >&2; exit 1; }

mkdir -p "$dir"
cat >"$dir/influxdb.conf" <<CONF
reporting-enabled = false
bind-address = "127.0.0.1:$rpc"

[meta]
  dir = "$dir/meta"
  logging-enabled = false

[data]
  dir = "$dir/data"
  wal-dir = "$dir/wal"
  wal-fsync-delay = "0s"
  index-version = "inmem"
  query-log-enabled = false
  trace-logging-enabled = false

[coordinator]
  query-timeout = "0s"
  log-queries-after = "0s"

[retention]
  enabled = false

[shard-precreation]
  enabled = false

[monitor]
  store-enabled = false

[subscriber]
  enabled = false

[http]
  enabled = true
  bind-address = "127.0.0.1:$http"
  auth-enabled = false
  log-enabled = false
  write-tracing = false
  flux-enabled = false

[logging]
  level = "warn"
  suppress-logo = true

[continuous_queries]
  enabled = false
CONF

influxd run -config "$dir/influxdb.conf" >"$dir/influxd.log" 2>&1 </dev/null &
pid=$!

ping() {
    if command -v curl >/dev/null 2>&1; then
        curl -fs -o /dev/null --max-time 1 "http://127.0.0.1:$http/ping"
    else
        /usr/bin/python3 -c "import sys, urllib.request
try:
    sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:$http/ping', timeout=1).status == 204 else 1)
except Exception:
    sys.exit(1)"
    fi
}

i=0
while [ $i -lt 100 ]; do
    if ping; then
        echo "$pid"
        exit 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
    i=$((i + 1))
done

echo "influxd did not answer /ping on 127.0.0.1:$http within 10 s; log $dir/influxd.log:" >&2
tail -n 20 "$dir/influxd.log" >&2 || true
kill "$pid" 2>/dev/null || true
exit 1
