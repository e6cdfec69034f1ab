#!/bin/sh
# Builds each tests/fuzz/fuzz_*.c with clang (libFuzzer + ASan + UBSan) and
# runs it for $1 seconds (default 60) from its seed corpus.
set -eu
secs=${1:-60}
out=build/fuzz
mkdir -p "$out"
srcs=$(find src -name '*.c' ! -path 'src/main/*' | sort)
flags="-std=c11 -D_GNU_SOURCE -g -O1 -Isrc -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -pthread"
libs="-lmicrohttpd -lrocksdb -lzstd -lz -ljansson -lpcre2-8 -lxxhash -lm"
for f in tests/fuzz/fuzz_*.c; do
    [ -e "$f" ] || continue
    name=$(basename "$f" .c)
    echo "fuzz: building $name"
    # shellcheck disable=SC2086
    clang $flags -o "$out/$name" "$f" $srcs $libs
    corpus="$out/$name.corpus"
    mkdir -p "$corpus"
    seeds="tests/fuzz/corpus/${name#fuzz_}"
    [ -d "$seeds" ] && cp -n "$seeds"/* "$corpus"/ 2>/dev/null || true
    echo "fuzz: running $name for ${secs}s"
    "$out/$name" -max_total_time="$secs" -max_len=65536 -print_final_stats=1 "$corpus" 2>&1 | tail -n 15
done
