"""Database and retention-policy statements compared with the reference
InfluxDB 1.x: the same statements, in order, against both servers."""
import time

import pytest

STATEMENTS = [
    "SHOW DATABASES",
    "CREATE DATABASE db1",
    "CREATE DATABASE db1",
    "CREATE DATABASE \"db 2\"",
    "CREATE DATABASE db3 WITH DURATION 2d REPLICATION 1 SHARD DURATION 1h NAME short",
    "CREATE DATABASE db4 WITH DURATION 1h",
    "CREATE DATABASE db5 WITH NAME only_name",
    "CREATE DATABASE db6 WITH SHARD DURATION 2h",
    "CREATE DATABASE db7 WITH DURATION 30m",
    "CREATE DATABASE db1 WITH DURATION 1h",
    "CREATE DATABASE db3 WITH DURATION 2d REPLICATION 1 SHARD DURATION 1h NAME short",
    "SHOW DATABASES",
    "SHOW RETENTION POLICIES ON db1",
    "SHOW RETENTION POLICIES ON db3",
    "SHOW RETENTION POLICIES ON db4",
    "SHOW RETENTION POLICIES ON db5",
    "SHOW RETENTION POLICIES ON db6",
    "SHOW RETENTION POLICIES ON \"db 2\"",
    "SHOW RETENTION POLICIES ON nope",
    "SHOW RETENTION POLICIES",
    "CREATE RETENTION POLICY rp1 ON db1 DURATION 1d REPLICATION 1",
    "CREATE RETENTION POLICY rp1 ON db1 DURATION 1d REPLICATION 1",
    "CREATE RETENTION POLICY rp1 ON db1 DURATION 2d REPLICATION 1",
    "CREATE RETENTION POLICY rp2 ON db1 DURATION 52w REPLICATION 2 SHARD DURATION 1d DEFAULT",
    "CREATE RETENTION POLICY rp3 ON db1 DURATION INF REPLICATION 1",
    "CREATE RETENTION POLICY rp4 ON db1 DURATION 30m REPLICATION 1",
    "CREATE RETENTION POLICY rp5 ON db1 DURATION 1h REPLICATION 1 SHARD DURATION 2h",
    "CREATE RETENTION POLICY rp6 ON db1 DURATION 1h REPLICATION 0",
    "CREATE RETENTION POLICY rp7 ON nope DURATION 1h REPLICATION 1",
    "CREATE RETENTION POLICY rp8 ON db1 DURATION 100d REPLICATION 1",
    "CREATE RETENTION POLICY rp9 ON db1 DURATION 1500h REPLICATION 1 SHARD DURATION 10m",
    "SHOW RETENTION POLICIES ON db1",
    "ALTER RETENTION POLICY rp1 ON db1 DURATION 3d",
    "ALTER RETENTION POLICY rp1 ON db1 REPLICATION 3 SHARD DURATION 2h",
    "ALTER RETENTION POLICY rp1 ON db1 DEFAULT",
    "ALTER RETENTION POLICY nope ON db1 DURATION 3d",
    "ALTER RETENTION POLICY rp1 ON nope DURATION 3d",
    "ALTER RETENTION POLICY rp1 ON db1 DURATION 10m",
    "ALTER RETENTION POLICY rp1 ON db1 SHARD DURATION 1000h",
    "SHOW RETENTION POLICIES ON db1",
    "DROP RETENTION POLICY rp2 ON db1",
    "DROP RETENTION POLICY rp2 ON db1",
    "DROP RETENTION POLICY rp1 ON db1",
    "DROP RETENTION POLICY x ON nope",
    "SHOW RETENTION POLICIES ON db1",
    "CREATE RETENTION POLICY rp2 ON db1 DURATION 1d REPLICATION 1",
    "SHOW RETENTION POLICIES ON db1",
    "DROP DATABASE db4",
    "DROP DATABASE db4",
    "DROP DATABASE nope",
    "SHOW DATABASES",
    "CREATE DATABASE db4",
    "SHOW DATABASES",
    "SHOW RETENTION POLICIES ON db4",
    "SHOW DATABASES; SHOW RETENTION POLICIES ON db1",
    "SHOW RETENTION POLICIES ON nope; SHOW DATABASES",
    "SHOW DATABASES; SHOW RETENTION POLICIES ON nope",
    "SHOW DATABASES; SHOW RETENTION POLICIES ON nope; SHOW DATABASES",
    # parse errors
    "",
    ";",
    "SHOW",
    "SHOW DATABASE",
    "CREATE DATABASE",
    "CREATE DATABASE db1 WITH",
    "CREATE DATABASE db1 WITH DURATION",
    "CREATE DATABASE db1 WITH DURATION 1x",
    "CREATE DATABASE db1 WITH DURATION 0",
    "CREATE DATABASE db1 WITH REPLICATION 0",
    "CREATE RETENTION POLICY rp ON db1",
    "CREATE RETENTION POLICY rp ON db1 DURATION 1h",
    "CREATE RETENTION POLICY rp ON db1 REPLICATION 1 DURATION 1h",
    "ALTER RETENTION POLICY rp1 ON db1",
    "DROP RETENTION POLICY rp1",
    "DROP",
    "SELEKT 1",
    "SHOW DATABASES extra",
    "SHOW DATABASES;;SHOW DATABASES",
    "CREATE DATABASE 'quoted'",
    "CREATE DATABASE \"unterminated",
    "show databases",
    "-- just a comment",
    "SHOW DATABASES -- trailing comment",
    "/* block */ SHOW DATABASES",
]


def reset(ep):
    r = ep.query("SHOW DATABASES").json()
    for row in r["results"][0].get("series", [{}])[0].get("values", []):
        ep.query("DROP DATABASE \"%s\"" % row[0])


def test_ddl_sequence_matches_influxd(server, influxd):
    reset(influxd)
    reset(server)
    failures = []
    for q in STATEMENTS:
        for method in ("POST",):
            ref = influxd.query(q, method=method)
            sut = server.query(q, method=method)
            if (ref.status, ref.json()) != (sut.status, sut.json()):
                failures.append("%s %r\n   influxd: %d %s\n   ours:    %d %s" % (
                    method, q, ref.status, ref.text.strip(), sut.status, sut.text.strip()))
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("q", ["CREATE DATABASE ro1", "DROP DATABASE ro1", "SHOW DATABASES",
                               "CREATE RETENTION POLICY r ON ro2 DURATION 1h REPLICATION 1"])
def test_get_warns_about_read_only_context(server, influxd, q):
    for ep in (server, influxd):
        reset(ep)
        ep.query("CREATE DATABASE ro2")
    ref = influxd.query(q, method="GET")
    sut = server.query(q, method="GET")
    assert (sut.status, sut.json()) == (ref.status, ref.json())


def test_ddl_survives_restart(make_server):
    s = make_server()
    for q in ["CREATE DATABASE a", "CREATE DATABASE b WITH DURATION 2d NAME two",
              "CREATE RETENTION POLICY r1 ON a DURATION 1d REPLICATION 1 DEFAULT", "CREATE DATABASE c",
              "DROP DATABASE c"]:
        assert s.query(q).status == 200
    before = [s.query(q).json() for q in ("SHOW DATABASES", "SHOW RETENTION POLICIES ON a",
                                           "SHOW RETENTION POLICIES ON b")]
    s.stop()
    s.start()
    after = [s.query(q).json() for q in ("SHOW DATABASES", "SHOW RETENTION POLICIES ON a",
                                          "SHOW RETENTION POLICIES ON b")]
    assert before == after
    # the default policy is where writes without rp go (a recent point: r1 keeps one day)
    now = time.time_ns()
    assert s.write("a", "m v=1 %d" % now).status == 204
    assert s.export("a", "r1") == ["m v=1 %d" % now]


def test_dropped_database_data_does_not_come_back(make_server):
    s = make_server()
    assert s.query("CREATE DATABASE gone").status == 200
    assert s.write("gone", "m v=1 1").status == 204
    assert s.query("DROP DATABASE gone").status == 200
    assert s.query("CREATE DATABASE gone").status == 200
    assert s.export("gone") == []
    assert s.write("gone", "m v=2i 2").status == 204  # the old field type went with the database
    s.kill9()
    s.start()
    assert s.export("gone") == ["m v=2i 2"]
