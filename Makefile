# HyperbyteDB build.  `make` builds build/hyperbytedb; `make test` runs every suite;
# `make run` starts a server on 127.0.0.1:8086 with data in ./hyperbytedb-data.
#
# Sources are discovered: every src/**/*.c except src/main/main.c goes into
# build/libhb.a; every tests/unit/**/test_*.c becomes one cmocka executable.

CC       ?= gcc
BUILD    ?= build
OPT      ?= -O2
SAN      ?=
WERROR   ?= -Werror
CFLAGS   := -std=c11 -D_GNU_SOURCE $(OPT) -g -fno-omit-frame-pointer -Wall -Wextra $(WERROR) \
            -Wshadow -Wno-unused-parameter -Wno-format-truncation -Isrc -pthread -MMD -MP $(SAN) $(EXTRA_CFLAGS)
LDFLAGS  := -pthread $(SAN) $(EXTRA_LDFLAGS)
LIBS     := -lmicrohttpd -lrocksdb -lzstd -lz -ljansson -lpcre2-8 -lxxhash -largon2 -lm
TESTLIBS := -lcmocka
PYTHON   := /usr/bin/python3

SRC      := $(shell find src -name '*.c' | sort)
MAIN_SRC := src/main/main.c
LIB_SRC  := $(filter-out $(MAIN_SRC),$(SRC))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
MAIN_OBJ := $(MAIN_SRC:%.c=$(BUILD)/obj/%.o)
LIB      := $(BUILD)/libhb.a
BIN      := $(BUILD)/hyperbytedb

UNIT_SRC := $(shell find tests/unit -name 'test_*.c' 2>/dev/null | sort)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
BENCH_SRC := $(shell find bench -name '*.c' 2>/dev/null | sort)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

.PHONY: all deps run test unit integration conformance conformance-record interop asan asan-unit asan-integration fuzz fuzz-build bench clean

all: $(BIN)

deps:
	@scripts/install-deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BIN): $(MAIN_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(MAIN_OBJ) $(LIB) $(LIBS)

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit -o $@ $< $(LIB) $(LIBS) $(TESTLIBS) $(LDFLAGS)

$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LIBS) $(LDFLAGS)

run: deps $(BIN)
	./$(BIN) serve

# Every suite: unit (cmocka), integration (pytest against the real binary
# and the reference influxd), conformance (answers recorded from influxd),
# interop (DuckDB reads our Parquet files), the
# unit and black-box suites again under ASan+UBSan, and a
# short run of every fuzz target (make fuzz runs them for 60 s each).
FUZZ_SMOKE_SECONDS ?= 10
test: deps
	$(MAKE) all unit
	$(MAKE) integration
	$(MAKE) conformance
	$(MAKE) interop
	$(MAKE) asan-unit
	$(MAKE) asan-integration
	$(MAKE) fuzz FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS)

unit: $(UNIT_BIN)
	@scripts/run-unit.sh $(UNIT_BIN)

integration: $(BIN)
	HB_BINARY=$(abspath $(BIN)) $(PYTHON) -m pytest -q tests/integration

# Conformance: every tests/conformance/cases/*.case replayed against the
# server and compared with the golden answers recorded from influxd 1.6.7;
# steps not matching yet are listed in tests/conformance/expected_failures.txt.
conformance: $(BIN)
	HB_BINARY=$(abspath $(BIN)) $(PYTHON) -m pytest -q tests/conformance

# Re-records tests/conformance/golden/*.json from a throwaway influxd.
conformance-record:
	$(PYTHON) tests/conformance/record.py

asan:
	$(MAKE) BUILD=build/asan OPT=-O1 SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" all

asan-unit:
	$(MAKE) BUILD=build/asan OPT=-O1 SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" unit

# The black-box suite against the server built with ASan+UBSan: a memory
# error or a leak at shutdown makes the server exit non-zero.
asan-integration: asan
	HB_BINARY=$(abspath build/asan/hyperbytedb) $(PYTHON) -m pytest -q tests/integration

# libFuzzer targets (clang, ASan+UBSan): each tests/fuzz/fuzz_*.c runs
# FUZZ_SECONDS seconds from its seed corpus in tests/fuzz/corpus/NAME.
FUZZ_SECONDS ?= 60
FUZZ_SRC := $(shell find tests/fuzz -maxdepth 1 -name 'fuzz_*.c' 2>/dev/null | sort)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined

fuzz-build:
	$(MAKE) BUILD=build/fuzz CC=clang OPT=-O1 WERROR= EXTRA_CFLAGS=-Wno-unknown-warning-option \
		SAN="-fsanitize=fuzzer-no-link $(FUZZ_SAN)" build/fuzz/libhb.a
	$(MAKE) CC=clang $(FUZZ_BIN)

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c build/fuzz/libhb.a
	clang -std=c11 -D_GNU_SOURCE -g -O1 -Isrc -pthread -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $< build/fuzz/libhb.a $(LIBS)

fuzz: fuzz-build
	@scripts/run-fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

# Interop: DuckDB (from npm, tests only) reads the Parquet files we write.
DUCKDB_NODE_VERSION ?= 1.5.6-r.1
$(BUILD)/tests/interop/%: tests/interop/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LIBS) $(LDFLAGS)

interop: $(BUILD)/tests/interop/write_fixtures
	@test -d build/npm/node_modules/@duckdb/node-api || \
		npm install --silent --no-audit --no-fund --prefix build/npm @duckdb/node-api@$(DUCKDB_NODE_VERSION)
	$(PYTHON) -m pytest -q tests/interop

bench: deps $(BIN) $(BENCH_BIN)
	$(PYTHON) bench/run.py

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(MAIN_OBJ:.o=.d)
