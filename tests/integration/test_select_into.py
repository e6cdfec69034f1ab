"""SELECT ... INTO: answers compared with influxd, points written through
the ordinary write path (durable at the answer, visible at once, type
checks, write limits), large results written in batches while they stream.
The recorded answers of every form are in tests/conformance/cases/into.case."""
import json

DATA = "\n".join([
    "cpu,host=a,region=us v=1.5,i=3i,s=\"x\",b=true 1672531200000000000",
    "cpu,host=b,region=eu v=2.5,i=4i 1672531210000000000",
    "cpu,host=a,region=us v=3.5 1672531260000000000",
    "mem,host=a free=10i 1672531200000000000",
    "mem free=30i 1672531300000000000",
])

STATEMENTS = [
    "SELECT * INTO raw FROM cpu",
    "SELECT * FROM raw",
    "SELECT * INTO bytags FROM cpu GROUP BY *",
    "SELECT * FROM bytags GROUP BY *",
    "SHOW FIELD KEYS FROM bytags",
    "SELECT mean(v), count(i) INTO agg FROM cpu WHERE time >= '2023-01-01T00:00:00Z' "
    "AND time < '2023-01-01T00:05:00Z' GROUP BY time(1m)",
    "SELECT * FROM agg",
    "SELECT mean(v) INTO prev FROM cpu WHERE time >= '2022-12-31T23:58:00Z' "
    "AND time < '2023-01-01T00:05:00Z' GROUP BY time(1m) fill(previous)",
    "SELECT * FROM prev",
    "SELECT free INTO {db}.autogen.:MEASUREMENT FROM mem, cpu GROUP BY host",
    "SHOW SERIES",
    "SELECT top(v, host, 1) INTO t FROM cpu",
    "SHOW SERIES FROM t",
    "SELECT v AS i INTO raw FROM cpu",
    "SELECT * INTO nope..x FROM cpu",
    "SELECT * INTO {db}.nope.x FROM cpu",
]


def test_into_matches_influxd(server, influxd):
    for ep in (server, influxd):
        ep.query("DROP DATABASE intocmp")
        assert ep.query("CREATE DATABASE intocmp").status == 200
        assert ep.write("intocmp", DATA).status == 204
    for q in STATEMENTS:
        q = q.replace("{db}", "intocmp")
        ours, ref = server.query(q, db="intocmp"), influxd.query(q, db="intocmp")
        assert (ours.status, ours.json()) == (ref.status, ref.json()), q
    # GET: influxd's warning names the normalized statement
    q = "SELECT v INTO viaget FROM /c/"
    ours, ref = server.query(q, "GET", db="intocmp"), influxd.query(q, "GET", db="intocmp")
    assert ours.json() == ref.json()
    assert "SELECT v INTO intocmp.autogen.viaget FROM intocmp.autogen./c/" in ours.text


def written(r):
    assert r.status == 200, r
    res = r.json()["results"][0]
    assert "error" not in res, res
    s = res["series"][0]
    assert s["name"] == "result" and s["columns"] == ["time", "written"], s
    return s["values"][0][1]


def test_into_survives_kill9_right_after_the_answer(make_server):
    s = make_server()
    assert s.query("CREATE DATABASE k").status == 200
    assert s.query("CREATE RETENTION POLICY two ON k DURATION 0s REPLICATION 1").status == 200
    lines = ["m,host=h%d v=%d.5,n=%di %d" % (i % 7, i, i, 1672531200000000000 + i * 1000000000)
             for i in range(500)]
    assert s.write("k", "\n".join(lines)).status == 204
    assert written(s.query("SELECT * INTO two.copy FROM m GROUP BY *", db="k")) == 500
    assert written(s.query("SELECT sum(n) INTO sums FROM m WHERE time >= 1672531200000000000 "
                           "AND time < 1672531800000000000 GROUP BY time(1m), host", db="k")) == 63
    s.kill9()
    s.start()
    copy = s.export("k", "two")
    assert len(copy) == 500, copy[:5]
    assert "copy,host=h3 n=3i,v=3.5 1672531203000000000" in copy
    r = s.query("SELECT count(sum), sum(sum) FROM sums", db="k")
    assert r.json()["results"][0]["series"][0]["values"][0][1:] == [63, sum(range(500))]
    # the types were registered per policy: integers stayed integers
    r = s.query("SHOW FIELD KEYS FROM two.copy", db="k")
    assert r.json()["results"][0]["series"][0]["values"] == [["n", "integer"], ["v", "float"]]
    r = s.write("k", "copy,host=h0 n=1.5 1", rp="two")
    assert r.status == 400 and "already exists as type integer" in r.json()["error"]


def test_into_is_visible_at_once_and_counts_as_a_write(server):
    assert server.query("CREATE DATABASE vis").status == 200
    assert server.write("vis", "m v=1 1\nm v=2 2").status == 204
    r = server.query("SELECT v INTO m2 FROM m; SELECT sum(v) FROM m2; SHOW MEASUREMENTS", db="vis")
    res = r.json()["results"]
    assert res[0]["series"][0]["values"] == [["1970-01-01T00:00:00Z", 2]]
    assert res[1]["series"][0]["values"] == [["1970-01-01T00:00:00Z", 3]]
    assert res[2]["series"][0]["values"] == [["m"], ["m2"]]
    assert server.export("vis") == ["m v=1 1", "m v=2 2", "m2 v=1 1", "m2 v=2 2"]


def test_into_writes_in_batches_under_the_points_per_request_cap(make_server):
    # a single write of every point would be refused (413): batches are not
    s = make_server(env={"HYPERBYTEDB__SERVER__MAX_POINTS_PER_REQUEST": "1000"})
    assert s.query("CREATE DATABASE big").status == 200
    for b in range(5):
        body = "\n".join("src,g=%d v=%di %d" % (i % 3, i, i) for i in range(b * 1000, (b + 1) * 1000))
        assert s.write("big", body).status == 204
    assert written(s.query("SELECT v INTO dst FROM src GROUP BY g", db="big")) == 5000
    r = s.query("SELECT count(v), sum(v) FROM dst", db="big")
    assert r.json()["results"][0]["series"][0]["values"][0][1:] == [5000, sum(range(5000))]


def test_into_streams_a_raw_result_larger_than_query_memory(make_server):
    s = make_server(env={"HYPERBYTEDB__SERVER__QUERY_MAX_MEMORY_BYTES": "1000000"})
    assert s.query("CREATE DATABASE st").status == 200
    for b in range(6):
        body = "\n".join("src,h=x%d a=%d,b=%di,c=\"s%d\" %d" % (i % 5, i, i, i, 1672531200000000000 + i * 1000000)
                         for i in range(b * 10000, (b + 1) * 10000))
        assert s.write("st", body).status == 204
    # the plain SELECT holds everything and hits the limit ...
    r = s.query("SELECT * FROM src", db="st")
    assert "query memory limit exceeded" in json.dumps(r.json()), r
    # ... INTO writes the rows slice by slice
    assert written(s.query("SELECT * INTO dst FROM src", db="st")) == 60000
    r = s.query("SELECT count(a), count(b), count(c), count(h), sum(b) FROM dst", db="st")
    assert r.json()["results"][0]["series"][0]["values"][0][1:] == [60000] * 4 + [sum(range(60000))]


def test_into_conflict_keeps_earlier_batches_and_valid_points(make_server):
    s = make_server(env={"HYPERBYTEDB__SERVER__MAX_POINTS_PER_REQUEST": "100"})
    assert s.query("CREATE DATABASE pc").status == 200
    assert s.write("pc", "dst x=1i 0").status == 204
    lines = ["src y=%d %d" % (i, i) if i < 150 else "src x=%d.5,y=%d %d" % (i, i, i) for i in range(1, 301)]
    for b in range(0, 300, 100):
        assert s.write("pc", "\n".join(lines[b:b + 100])).status == 204
    r = s.query("SELECT x, y INTO dst FROM src", db="pc")
    assert r.json()["results"][0]["error"] == ("partial write: field type conflict: input field \"x\" on measurement "
                                                "\"dst\" is type float, already exists as type integer dropped=51")
    # batches of 100 points: rows 1-100 whole, of 101-200 the 49 without x; the rest never written
    r = s.query("SELECT count(y), max(y) FROM dst", db="pc")
    assert r.json()["results"][0]["series"][0]["values"][0][1:] == [149, 149]
