"""DuckDB reads every Parquet file HyperbyteDB writes, value for value.

`make interop` builds tests/interop/write_fixtures.c, installs DuckDB's node
package from npm into build/npm, and runs this file. Each fixture
NAME.parquet comes with NAME.json: the rows it holds, in the value encoding
of duckdb_dump.mjs."""
import json
import math
import os
import subprocess
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WRITER = os.path.join(ROOT, "build", "tests", "interop", "write_fixtures")
NPM_DIR = os.path.join(ROOT, "build", "npm")
DUMP = os.path.join(ROOT, "tests", "interop", "duckdb_dump.mjs")
FIXTURES = ["zstd", "plain", "fallback", "one", "default"]


@pytest.fixture(scope="module")
def fixtures():
    d = tempfile.mkdtemp(prefix="hbinterop-")
    subprocess.run([WRITER, d], check=True, capture_output=True)
    yield d
    subprocess.run(["rm", "-rf", d])


def duckdb(path):
    out = subprocess.run(["node", DUMP, path], cwd=NPM_DIR, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def same_double(got, want):
    if isinstance(got, str) or isinstance(want, str):
        return got == want                      # "NaN", "Infinity", "-Infinity", "-0"
    return float(got) == float(want) and math.copysign(1, float(got)) == math.copysign(1, float(want))


@pytest.mark.parametrize("name", FIXTURES)
def test_duckdb_reads_every_value(fixtures, name):
    want = json.load(open(os.path.join(fixtures, name + ".json")))
    got = duckdb(os.path.join(fixtures, name + ".parquet"))
    names = [c["name"] for c in got["columns"]]
    types = [c["type"] for c in got["columns"]]
    assert names == want["columns"]
    assert types[1:] == ["VARCHAR", "VARCHAR", "VARCHAR", "DOUBLE", "BIGINT", "UBIGINT", "VARCHAR", "BOOLEAN",
                         "VARCHAR"]
    assert types[0].startswith("TIMESTAMP")
    assert len(got["rows"]) == len(want["rows"])
    bad = []
    for r, (g, w) in enumerate(zip(got["rows"], want["rows"])):
        for c, (gv, wv) in enumerate(zip(g, w)):
            if c == 0:
                # DuckDB reads TIMESTAMP(NANOS, UTC) as TIMESTAMPTZ, which holds
                # microseconds; TIMESTAMP_NS (if it reads it so) keeps them all
                ok = int(gv["us"]) == int(wv["ns"]) // 1000 if "us" in gv else gv == wv
            elif types[c] == "DOUBLE" and gv is not None and wv is not None:
                ok = same_double(gv, wv)
            else:
                ok = gv == wv
            if not ok:
                bad.append((r, names[c], gv, wv))
    assert not bad, "%d values differ, first: %r" % (len(bad), bad[:5])
    groups = {m["row_group_id"] for m in got["metadata"]}
    assert len(groups) == want["row_groups"]
    kv = {e["key"]: e["value"] for e in got["kv"]}
    assert kv["hyperbytedb.measurement"] == "cpu \u2713"
    assert kv["hyperbytedb.sort"] == "series,time"
