#!/bin/sh
# Runs every unit test binary given; prints each one's cmocka output and a
# closing "N passed, N failed" over the binaries.
passed=0; failed=0; failures=""
for t in "$@"; do
    if "$t"; then passed=$((passed + 1)); else failed=$((failed + 1)); failures="$failures $t"; fi
done
echo "unit suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || { echo "failed:$failures"; exit 1; }
