#!/bin/sh
# usage: run-fuzz.sh SECONDS FUZZER...
# Runs each libFuzzer binary for SECONDS from a scratch copy of its seed
# corpus (tests/fuzz/corpus/NAME, NAME = binary name without "fuzz_"), so
# the seeds in the repository are never modified. Fails on any crash.
set -eu
secs=$1
shift
status=0
for bin in "$@"; do
    name=$(basename "$bin")
    work="build/fuzz/$name.corpus"
    mkdir -p "$work"
    seeds="tests/fuzz/corpus/${name#fuzz_}"
    [ -d "$seeds" ] && cp -n "$seeds"/* "$work"/ 2>/dev/null || true
    echo "fuzz: $name for ${secs}s"
    if "$bin" -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="build/fuzz/$name-" "$work" >"build/fuzz/$name.log" 2>&1; then
        tail -n 1 "build/fuzz/$name.log"
    else
        status=1
        echo "fuzz: $name FAILED; see build/fuzz/$name.log"
        tail -n 40 "build/fuzz/$name.log"
    fi
done
exit $status
