"""Field sets and series per retention policy (influxd keeps them per
shard): a field's type is checked per policy, SELECT * and SHOW FIELD KEYS
of a policy show only what was written into it, SHOW SERIES bounded by time
answers from the policy. The sets survive kill -9 (WAL replay) and a
restart after flushing (metadata store)."""
import glob
import os


def q(s, text, **params):
    r = s.query(text, db="d", **params)
    assert r.status == 200, r
    return r.json()["results"][0]


def values(result):
    return [[s.get("name")] + row for s in result.get("series", []) for row in s["values"]]


def check(s):
    assert values(q(s, "SHOW FIELD KEYS")) == [["m", "f", "float"]]
    assert values(q(s, "SHOW FIELD KEYS FROM two.m")) == [["m", "f", "integer"], ["m", "s", "string"]]
    assert values(q(s, "SHOW FIELD KEYS", rp="two")) == [["m", "f", "integer"], ["m", "s", "string"]]
    assert q(s, "SELECT * FROM two.m")["series"][0]["columns"] == ["time", "f", "h", "s"]
    assert q(s, "SELECT * FROM m")["series"][0]["columns"] == ["time", "f", "h"]
    assert values(q(s, "SHOW SERIES WHERE time > 0")) == [[None, "m,h=a"]]
    assert values(q(s, "SHOW SERIES FROM two.m WHERE time > 0")) == [[None, "m,h=b"]]
    assert values(q(s, "SHOW SERIES")) == [[None, "m,h=a"], [None, "m,h=b"]]
    # the type conflict check is still per policy after the restart
    r = s.write("d", "m,h=b f=1.5 1672531300", rp="two", precision="s")
    assert r.status == 400 and "already exists as type integer" in r.json()["error"], r
    r = s.write("d", "m,h=a f=2i 1672531300", precision="s")
    assert r.status == 400 and "already exists as type float" in r.json()["error"], r


def setup_data(s):
    assert s.query("CREATE DATABASE d").status == 200
    assert s.query("CREATE RETENTION POLICY two ON d DURATION INF REPLICATION 1").status == 200
    assert s.write("d", "m,h=a f=1.5 1672531200", precision="s").status == 204
    r = s.write("d", 'm,h=b f=2i,s="x" 1672531200', rp="two", precision="s")
    assert r.status == 204, r


def test_policy_field_sets_survive_kill9(make_server):
    s = make_server()
    setup_data(s)
    check(s)
    s.kill9()
    s.start()
    check(s)
    s.stop()


def test_policy_field_sets_survive_flush_and_restart(make_server):
    s = make_server(env={"HYPERBYTEDB__FLUSH__INTERVAL_SECS": "1"})
    setup_data(s)
    assert s.stop() == 0  # a clean stop flushes
    # both policies' points are in Parquet files now, not in the WAL
    assert glob.glob(os.path.join(s.data_dir, "storage", "data", "d", "two", "m", "*", "*.parquet"))
    assert glob.glob(os.path.join(s.data_dir, "storage", "data", "d", "autogen", "m", "*", "*.parquet"))
    s.start()
    check(s)
    assert s.query("DROP RETENTION POLICY two ON d").status == 200
    s.kill9()
    s.start()
    # the policy's set went with it: a namesake starts empty, any type is fine there
    assert s.query("CREATE RETENTION POLICY two ON d DURATION INF REPLICATION 1").status == 200
    assert values(q(s, "SHOW FIELD KEYS FROM two.m")) == []
    assert s.write("d", "m,h=b f=true 1672531200", rp="two", precision="s").status == 204
    assert values(q(s, "SHOW FIELD KEYS FROM two.m")) == [["m", "f", "boolean"]]
    assert values(q(s, "SHOW FIELD KEYS")) == [["m", "f", "float"]]
    s.stop()
