"""SELECT over points spread across Parquet files and the write buffer,
compared with influxd: the same writes (some points written twice with
other fields), a flush in between on our side, the same answers."""
import glob
import json
import os
import time

import pytest

FAST = {"HYPERBYTEDB__FLUSH__INTERVAL_SECS": "1", "HYPERBYTEDB__COMPACTION__INTERVAL_SECS": "1"}

FIRST = """cpu,host=a,region=east usage=10.5,idle=80i 1672531200000000000
cpu,host=a,region=east usage=12.25,idle=78i 1672531800000000000
cpu,host=b,region=east usage=50,idle=40i 1672531200000000000
cpu,host=b,region=east usage=48.5,idle=41i,msg="x" 1672535400000000000
mem,host=a free=1000i 1672531200000000000
"""
# the same series and times again: one field changed, one added (last write wins, fields merged)
SECOND = """cpu,host=a,region=east usage=99 1672531800000000000
cpu,host=b,region=east ok=true 1672531200000000000
cpu,host=c,region=west usage=5,idle=95i 1672533600000000000
mem,host=a free=900i 1672538400000000000
"""

QUERIES = [
    "SELECT * FROM cpu",
    "SELECT usage, idle FROM cpu WHERE host = 'a'",
    "SELECT count(usage), sum(idle), max(usage), min(usage) FROM cpu",
    "SELECT mean(usage) FROM cpu GROUP BY host",
    "SELECT last(usage), first(idle) FROM cpu GROUP BY host",
    "SELECT count(*) FROM cpu WHERE time >= '2023-01-01T00:00:00Z' AND time < '2023-01-01T02:00:00Z' "
    "GROUP BY time(30m) fill(0)",
    "SELECT * FROM mem",
    "SELECT free FROM mem WHERE time > '2023-01-01T00:30:00Z'",
    "SHOW SERIES",
    "SHOW FIELD KEYS",
]


def data_files(s):
    return glob.glob(os.path.join(s.data_dir, "storage", "data", "**", "*.parquet"), recursive=True)


def test_answers_span_files_and_buffer(make_server, influxd):
    s = make_server(env=FAST)
    for ep in (s, influxd):
        ep.query("DROP DATABASE sel")
        assert ep.query("CREATE DATABASE sel").status == 200
        assert ep.write("sel", FIRST).status == 204
    deadline = time.time() + 20
    while not data_files(s) and time.time() < deadline:
        time.sleep(0.1)
    assert data_files(s), "the first batch was not flushed"
    for ep in (s, influxd):
        assert ep.write("sel", SECOND).status == 204
    for q in QUERIES:
        ref = influxd.query(q, db="sel")
        got = s.query(q, db="sel")
        assert got.status == ref.status, q
        assert got.json() == ref.json(), "%s\n ours=%s\n ref =%s" % (q, got.text, ref.text)
    # and the same once everything is in files and compacted
    time.sleep(3)
    for q in QUERIES:
        assert s.query(q, db="sel").json() == influxd.query(q, db="sel").json(), q
