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


def test_run_path_matches_row_path(make_server):
    """Aggregates over plain fields are computed a run of rows at a time; a
    WHERE that also names a field (here always true) takes the row-by-row
    path. Both must give the same answers, to the last bit, over data
    spread across files and the buffer, with nulls, ties and overwrites."""
    import random
    rng = random.Random(7)
    s = make_server(env=FAST)
    assert s.query("CREATE DATABASE runs").status == 200
    t0 = 1672531200 * 10**9

    def batch(n):
        lines = []
        for _ in range(n):
            host = "h%d" % rng.randrange(6)
            t = t0 + rng.randrange(3 * 3600) * 10**9
            fields = []
            if rng.random() < 0.8:
                fields.append("f=%s" % rng.choice(["0", "-0", "1.5", "2.25", "1e300", "-7.125",
                                                   repr(rng.uniform(-100, 100))]))
            if rng.random() < 0.8:
                fields.append("i=%di" % rng.choice([0, 5, -5, 2**62, -2**62, rng.randrange(-1000, 1000)]))
            if not fields:
                fields.append("other=1")
            tags = "" if host == "h5" else ",dc=%s" % rng.choice(["x", "y"])
            lines.append("m,host=%s%s %s %d" % (host, tags, ",".join(fields), t))
        return "\n".join(lines) + "\n"

    assert s.write("runs", batch(3000)).status == 204
    deadline = time.time() + 20
    while not data_files(s) and time.time() < deadline:
        time.sleep(0.1)
    assert data_files(s)
    assert s.write("runs", batch(1000)).status == 204   # in the buffer, some overwriting flushed points
    calls = ("count(f), sum(f), mean(f), min(f), max(f), first(f), last(f), "
             "count(i), sum(i), mean(i), min(i), max(i), first(i), last(i), max(f) * 2")
    shapes = [
        "SELECT %s FROM m" % calls,
        "SELECT %s FROM m GROUP BY host" % calls,
        "SELECT %s FROM m WHERE time >= '2023-01-01T00:20:00Z' AND time < '2023-01-01T02:00:00Z' "
        "GROUP BY time(7m)" % calls,
        "SELECT %s FROM m WHERE time >= '2023-01-01T00:00:00Z' AND time < '2023-01-01T03:00:00Z' "
        "GROUP BY time(10m, 3m), dc fill(none)" % calls,
        "SELECT %s FROM m WHERE host = 'h1' OR dc = 'y' GROUP BY *" % calls,
    ]
    for q in shapes:
        where = "(f <> 12345.5 OR host =~ /.*/)"
        if " WHERE " in q:
            slow = q.replace(" WHERE ", " WHERE %s AND (" % where, 1).replace(" GROUP BY", ") GROUP BY", 1)
        else:
            slow = q.replace(" FROM m", " FROM m WHERE %s" % where, 1)
        fast_ans, slow_ans = s.query(q, db="runs"), s.query(slow, db="runs")
        assert fast_ans.status == 200 and "error" not in fast_ans.text, fast_ans.text
        assert fast_ans.json() == slow_ans.json(), "%s\n run=%s\n row=%s" % (q, fast_ans.text, slow_ans.text)
    # a comparison of a numeric field with a number is evaluated over whole
    # blocks; inside an OR it is evaluated row by row: the same rows
    for term in ["f > 1.5", "f = 0", "f <= -7.125", "i <= 5", "i > 2.5", "i != 5", "5 < i", "i >= 4611686018427387904",
                 "f < 3 AND i > 0", "-5 = i"]:
        for sel in ["SELECT * FROM m WHERE %s", "SELECT f, i FROM m WHERE host = 'h2' AND %s",
                    # an upper time bound: without one the windows run to now(),
                    # and a pair of queries straddling a 20-minute mark differs
                    "SELECT count(f), max(i) FROM m WHERE %s AND time < '2023-01-01T03:00:00Z' "
                    "GROUP BY time(20m), host"]:
            q = sel % term
            slow = sel % ("(%s OR f = 12345.5)" % term)
            a, b = s.query(q, db="runs"), s.query(slow, db="runs")
            assert a.status == 200 and "error" not in a.text, a.text
            assert a.json() == b.json(), "%s\n block=%s\n row=%s" % (q, a.text[:2000], b.text[:2000])
    # raw queries with LIMIT read only the rows the files prove can be among
    # each series' first (last) LIMIT + OFFSET: the same answers as a WHERE
    # naming a field (always true here), which reads every row
    for sel in ["SELECT * FROM m GROUP BY host ORDER BY time DESC LIMIT 1",
                "SELECT * FROM m GROUP BY * ORDER BY time DESC LIMIT 3 OFFSET 2",
                "SELECT * FROM m ORDER BY time DESC LIMIT 5",
                "SELECT * FROM m GROUP BY host LIMIT 2",
                "SELECT * FROM m GROUP BY dc LIMIT 1 OFFSET 1",
                "SELECT f, i, other, host FROM m WHERE host = 'h3' GROUP BY * ORDER BY time DESC LIMIT 4",
                "SELECT * FROM m WHERE time < '2023-01-01T01:30:00Z' GROUP BY host ORDER BY time DESC LIMIT 1 "
                "SLIMIT 3",
                "SELECT f FROM m GROUP BY host ORDER BY time DESC LIMIT 1"]:
        where = "(f <> 12345.5 OR host =~ /.*/)"
        slow = (sel.replace(" WHERE ", " WHERE %s AND " % where, 1) if " WHERE " in sel
                else sel.replace(" FROM m", " FROM m WHERE %s" % where, 1))
        a, b = s.query(sel, db="runs"), s.query(slow, db="runs")
        assert a.status == 200 and "error" not in a.text, a.text
        assert a.json() == b.json(), "%s\n limited=%s\n full=%s" % (sel, a.text[:2000], b.text[:2000])


def test_run_summaries_match_row_path(make_server):
    """Once a file's columns were decoded, aggregates over runs of a series
    that lie whole in one bucket (count, sum and mean of integers, min,
    max, first, last) and last-point queries come from run summaries
    without decoding. Each query runs twice (the first builds them, the
    second uses them) and must equal the row-by-row path (a WHERE naming a
    field, always true) to the last bit: ties, nulls, integer sums that
    wrap, runs cut by bucket edges and by the time range, and one hour
    overlapped by points still in the buffer (never summarized)."""
    import random
    rng = random.Random(11)
    s = make_server(env=FAST)
    assert s.query("CREATE DATABASE sums").status == 200
    t0 = 1672531200 * 10**9
    lines = []
    for h in range(5):
        for k in range(3 * 3600 // 20):   # 3 hours, every 20 s: 180 rows per series and hour
            fields = []
            if rng.random() < 0.9:
                fields.append("f=%s" % rng.choice(["1.5", "-2", "0", repr(rng.uniform(-50, 50))]))
            if rng.random() < 0.9:
                fields.append("i=%di" % rng.choice([3, -3, 2**62, rng.randrange(-100, 100)]))
            if rng.random() < 0.5:
                fields.append("u=%du" % rng.randrange(0, 2**63))
            if rng.random() < 0.95:   # level p: one band of values per series and hour
                p = 100 * ((h + k // 180) % 3) + k % 10
                fields.append("p=%di,q=%r" % (p, p / 7.0))
            if not fields:
                fields.append("s=\"x\"")
            lines.append("m,host=h%d,dc=%s %s %d" % (h, "xy"[h % 2], ",".join(fields), t0 + k * 20 * 10**9))
    assert s.write("sums", "\n".join(lines) + "\n").status == 204
    deadline = time.time() + 20
    while len(data_files(s)) < 3 and time.time() < deadline:
        time.sleep(0.1)
    assert len(data_files(s)) >= 3
    time.sleep(1.5)   # the flush is done with the buffer

    calls = "count(f), min(f), max(f), first(f), last(f), count(i), sum(i), mean(i), min(i), max(i), " \
            "first(i), last(i), sum(u), mean(u), max(u), first(u)"
    shapes = [
        "SELECT %s FROM m" % calls,
        "SELECT %s FROM m GROUP BY host" % calls,
        "SELECT %s FROM m WHERE time >= '2023-01-01T00:00:00Z' AND time < '2023-01-01T03:00:00Z' "
        "GROUP BY time(1h), host" % calls,
        "SELECT %s FROM m WHERE time >= '2023-01-01T00:10:00Z' AND time < '2023-01-01T02:50:00Z' "
        "GROUP BY time(1h), dc fill(none)" % calls,
        "SELECT %s FROM m WHERE time >= '2023-01-01T00:00:00Z' AND time < '2023-01-01T03:00:00Z' "
        "GROUP BY time(25m)" % calls,
        "SELECT %s FROM m WHERE (host = 'h1' OR dc = 'y') AND time < '2023-01-01T04:00:00Z' "
        "GROUP BY time(2h), *" % calls,
        "SELECT max(i) FROM m WHERE host =~ /h[0-2]/ AND time >= '2023-01-01T00:00:00Z' "
        "AND time < '2023-01-01T03:00:00Z' GROUP BY time(1h)",
        "SELECT mean(f), max(i) FROM m GROUP BY host",   # a float mean: no summaries for this one
    ]
    lastpoint = ["SELECT * FROM m GROUP BY host ORDER BY time DESC LIMIT 1",
                 "SELECT * FROM m GROUP BY * LIMIT 1",
                 "SELECT i, u FROM m GROUP BY host ORDER BY time DESC LIMIT 1"]
    # `field op number` terms: runs whose summaries rule them out are skipped.
    # GROUP BY time queries here have an upper time bound: without one their
    # windows run to now(), and the two answers compared differ by a window
    # whenever the queries straddle a window edge of the wall clock.
    filtered = ["SELECT * FROM m WHERE %s", "SELECT p, i FROM m WHERE host = 'h2' AND %s",
                "SELECT count(f), max(p), last(q) FROM m WHERE %s AND time < '2023-01-01T03:00:00Z' "
                "GROUP BY time(1h), host",
                "SELECT * FROM m WHERE %s AND time >= '2023-01-01T00:30:00Z' AND time < '2023-01-01T02:10:00Z'"]
    terms = ["p > 150", "p >= 209", "p < 100", "p <= 9", "p = 105", "p != 5", "q > 20.5", "q <= 1", "p > 150.5",
             "p < 99.5", "150 < p", "q = 15", "i > 90", "p > 150 AND q < 30", "u > 9000000000000000000"]
    where = "(f <> 12345.5 OR host =~ /.*/)"

    def slow_of(q):
        if " WHERE " in q:
            return q.replace(" WHERE ", " WHERE %s AND (" % where, 1).replace(" GROUP BY", ") GROUP BY", 1)
        return q.replace(" FROM m", " FROM m WHERE %s" % where, 1)

    def check():
        for q in shapes + lastpoint:
            slow = s.query(slow_of(q), db="sums")
            assert slow.status == 200 and "error" not in slow.text, slow.text
            for _ in range(2):
                fast = s.query(q, db="sums")
                assert fast.json() == slow.json(), "%s\n sums=%s\n rows=%s" % (q, fast.text[:3000], slow.text[:3000])
        for sel in filtered:
            for term in terms:
                q, slow = sel % term, sel % ("(%s OR f = 12345.5)" % term)   # inside an OR: row by row
                ref = s.query(slow, db="sums")
                assert ref.status == 200 and "error" not in ref.text, ref.text
                for _ in range(2):
                    got = s.query(q, db="sums")
                    assert got.json() == ref.json(), "%s\n pruned=%s\n rows=%s" % (q, got.text[:2000], ref.text[:2000])
    check()
    # points of the last hour in the buffer: that file is merged, not summarized
    assert s.write("sums", "m,host=h2,dc=x i=7i,f=1 %d\nm,host=h9,dc=x i=1i %d\n" % (
        t0 + 2 * 3600 * 10**9 + 40 * 10**9, t0 + 2 * 3600 * 10**9)).status == 204
    check()


def test_query_memory_cap(make_server):
    """A statement that would hold more than server.query_max_memory_bytes
    fails with a clear error (the request and the server go on); LIMIT and
    aggregates stay within it."""
    s = make_server(env={"HYPERBYTEDB__SERVER__QUERY_MAX_MEMORY_BYTES": "1000000"})
    assert s.query("CREATE DATABASE cap").status == 200
    t0 = 1672531200 * 10**9
    lines = "".join("m,host=h%d a=%d,b=%d.5,c=\"s%d\" %d\n" % (i % 7, i, i, i, t0 + i * 10**9)
                    for i in range(20000))
    assert s.write("cap", lines).status == 204
    r = s.query("SELECT * FROM m", db="cap")
    assert r.status == 200
    res = r.json()["results"]
    assert "query memory limit exceeded" in res[0]["error"], r.text
    assert "server.query_max_memory_bytes" in res[0]["error"]
    r = s.query("SELECT * FROM m LIMIT 3", db="cap")
    assert r.json()["results"][0]["series"][0]["values"][2][1] == 2, r.text
    r = s.query("SELECT count(a), median(b) FROM m GROUP BY host", db="cap")
    assert "error" not in r.text and len(r.json()["results"][0]["series"]) == 7, r.text[:500]
    assert s.query("SELECT count(a) FROM m", db="cap").json()["results"][0]["series"][0]["values"][0][1] == 20000


def test_subquery_holds_only_the_columns_the_outer_statement_reads(make_server):
    """An inner statement computes and holds only the columns its outer
    statement reads: with the memory cap between the two sizes, the inner
    answer of every column fails and the one of the read column fits."""
    s = make_server(env={"HYPERBYTEDB__SERVER__QUERY_MAX_MEMORY_BYTES": "2000000"})
    assert s.query("CREATE DATABASE sq").status == 200
    t0 = 1672531200 * 10**9
    nf, n = 16, 12000
    lines = "".join("m,host=h%d %s %d\n" % (i % 3, ",".join("f%d=%d.5" % (k, i + k) for k in range(nf)),
                                           t0 + i * 10**9) for i in range(n))
    assert s.write("sq", lines).status == 204
    every = ", ".join("f%d" % k for k in range(nf))
    r = s.query("SELECT count(f3) FROM (SELECT * FROM m)", db="sq")
    assert "query memory limit exceeded" in json.dumps(r.json()), r.text[:300]
    for q in ("SELECT count(f3) FROM (SELECT %s FROM m)" % every,
              "SELECT count(f3) FROM (SELECT %s FROM m) WHERE f3 > 0" % every,
              "SELECT count(x) FROM (SELECT f0 AS y, f3 AS x, %s FROM m)" % ", ".join("f%d" % k for k in range(4, nf))):
        r = s.query(q, db="sq")
        assert r.json()["results"][0]["series"][0]["values"][0][1] == n, (q, r.text[:300])
    # the outer WHERE and GROUP BY read columns too: they stay
    r = s.query("SELECT count(f3) FROM (SELECT f3, f5, host FROM m) WHERE f5 < 100.5", db="sq")
    assert r.json()["results"][0]["series"][0]["values"][0][1] == 95, r.text[:300]
