"""Parquet storage through the real server: flush to files, compaction,
retention, DROP, orphans, and kill -9 at every step of a flush or a
compaction (crash points) and at random moments under load."""
import glob
import os
import random
import threading
import time

import pytest

from conftest import request
from test_durability import check_exactly_once, run_writers

FAST = {"HYPERBYTEDB__FLUSH__INTERVAL_SECS": "1", "HYPERBYTEDB__COMPACTION__INTERVAL_SECS": "1"}


def data_files(s, db=None):
    root = os.path.join(s.data_dir, "storage", "data")
    pattern = os.path.join(root, db or "*", "*", "*", "*", "*.parquet")
    return sorted(os.path.relpath(p, root) for p in glob.glob(pattern))


def temp_files(s):
    root = os.path.join(s.data_dir, "storage", "data")
    return [p for p in glob.glob(os.path.join(root, "**", ".*"), recursive=True)]


def wal_bytes(s):
    return sum(os.path.getsize(p) for p in glob.glob(os.path.join(s.data_dir, "storage", "wal", "*")))


def wait_for(cond, timeout=30, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what)


def raw_export(s, db):
    r = s.get("/debug/export", {"db": db, "raw": "true"})
    assert r.status == 200
    return [ln for ln in r.text.split("\n") if ln]


H = 3600 * 10**9
BASE = 1700000000 // 3600 * 3600 * 10**9


def mixed_body(n, base=BASE, tag="a"):
    out = []
    for i in range(n):
        out.append('cpu,host=h%d,dc=%s usage=%d.5,count=%di,big=%du,ok=%s,msg="m %d é" %d' % (
            i % 5, tag, i, i, 2**63 + i, "true" if i % 2 else "false", i, base + i * 10**9 * 60))
        out.append("mem,host=h%d free=%di %d" % (i % 3, i, base + i * 10**9 * 90))
    return "\n".join(out) + "\n"


def test_flush_writes_parquet_and_releases_the_wal(make_server):
    s = make_server(env=FAST)
    assert s.query("CREATE DATABASE st").status == 200
    assert s.write("st", mixed_body(200)).status == 204
    before = s.export("st")
    assert len(before) == 400
    # cpu spans 200 minutes (4 hours), mem 300 minutes (5 hours)
    files = wait_for(lambda: len(data_files(s, "st")) >= 9 and data_files(s, "st"), what="flushed files")
    assert all(f.startswith("st/autogen/") for f in files)
    assert any("/cpu/2023-11-14/" in f for f in files)
    assert s.export("st") == before
    assert sorted(raw_export(s, "st")) == sorted(before)
    wait_for(lambda: wal_bytes(s) < 4096, what="WAL released")
    # the restart reads the files, replays nothing
    assert s.stop() == 0
    s.start()
    assert s.export("st") == before
    assert "WAL replay: 0 records" in s.read_log()


def test_compaction_leaves_one_file_per_hour(make_server):
    s = make_server(env={"HYPERBYTEDB__FLUSH__INTERVAL_SECS": "1",
                         "HYPERBYTEDB__COMPACTION__INTERVAL_SECS": "3600"})
    assert s.query("CREATE DATABASE cp").status == 200
    for k in range(4):
        assert s.write("cp", mixed_body(30, tag="t%d" % k)).status == 204
        n = len(data_files(s, "cp"))
        wait_for(lambda: len(data_files(s, "cp")) > n, what="flush %d" % k)
    # the same point again, one field changed: the newest write wins
    assert s.write("cp", "mem,host=h0 free=-1i %d\n" % BASE).status == 204
    expected = s.export("cp")
    assert "mem,host=h0 free=-1i %d" % BASE in expected
    assert s.stop() == 0
    s.env.update({"HYPERBYTEDB__COMPACTION__INTERVAL_SECS": "1"})
    s.start()
    hours = lambda: {f.rsplit("_", 1)[0] for f in data_files(s, "cp")}
    wait_for(lambda: len(data_files(s, "cp")) == len(hours()), what="compaction")
    assert s.export("cp") == expected
    assert sorted(raw_export(s, "cp")) == sorted(expected)


def test_drop_database_and_policy_delete_their_files(make_server):
    s = make_server(env=FAST)
    for db in ("d1", "d2"):
        assert s.query("CREATE DATABASE %s" % db).status == 200
        assert s.write(db, mixed_body(10)).status == 204
    assert s.query('CREATE RETENTION POLICY "two" ON d2 DURATION 0s REPLICATION 1').status == 200
    r = request(s.base, "POST", "/write", {"db": "d2", "rp": "two"}, b"x v=1 1\n")
    assert r.status == 204
    wait_for(lambda: data_files(s, "d1") and any("/two/" in f for f in data_files(s, "d2")), what="flush")
    assert s.query("DROP DATABASE d1").status == 200
    wait_for(lambda: not data_files(s, "d1"), what="d1 files deleted")
    assert s.export("d1") == []
    assert s.query('DROP RETENTION POLICY "two" ON d2').status == 200
    wait_for(lambda: not any("/two/" in f for f in data_files(s, "d2")), what="policy files deleted")
    assert len(s.export("d2")) == 20
    # re-created: nothing comes back, also not after a restart
    assert s.query("CREATE DATABASE d1").status == 200
    assert s.stop() == 0
    s.start()
    assert s.export("d1") == []


def test_drop_and_recreate_while_flushing_compacting_and_reading(make_server):
    """DROP DATABASE / DROP RETENTION POLICY and their re-creation over and
    over while writers, readers, flushes and compactions (1 s intervals) run
    against the same databases: nothing of another database is lost, a
    re-created database starts empty, and SIGTERM stops the server cleanly."""
    random.seed(os.getpid())
    s = make_server(env=dict(FAST, HYPERBYTEDB__COMPACTION__MIN_FILES="2"))
    for db in ("steady", "churn"):
        assert s.query("CREATE DATABASE %s" % db).status == 200
    acked = []
    stop = threading.Event()
    threads = run_writers(s, "steady", acked, stop, 0, nwriters=2)

    def churn_writer():
        i = 0
        while not stop.is_set():
            for rp in ("autogen", "tmp"):
                body = "".join("c,k=%d v=%d %d\n" % (j % 7, j, BASE + (i * 50 + j) * 10**9) for j in range(50))
                request(s.base, "POST", "/write", {"db": "churn", "rp": rp}, body.encode())
            i += 1

    failures = []

    def reader():
        while not stop.is_set():
            for q in ("SELECT count(v) FROM c", "SELECT max(v) FROM c GROUP BY k", "SELECT * FROM c LIMIT 5"):
                r = s.query(q, db="churn")
                if r.status != 200:
                    failures.append(r)

    extra = [threading.Thread(target=f) for f in (churn_writer, reader)]
    for t in extra:
        t.start()
    try:
        for _ in range(12):
            time.sleep(random.uniform(0.2, 1.2))   # spans flushes and compactions
            assert s.query('CREATE RETENTION POLICY "tmp" ON churn DURATION 0s REPLICATION 1').status == 200
            time.sleep(random.uniform(0.0, 0.5))
            assert s.query('DROP RETENTION POLICY "tmp" ON churn').status == 200
            assert s.query("DROP DATABASE churn").status == 200
            assert s.query("CREATE DATABASE churn").status == 200
    finally:
        stop.set()
        for t in threads + extra:
            t.join()
    assert len(acked) > 10, "the writers did not get going"
    assert not failures, failures[:3]
    assert s.query("DROP DATABASE churn").status == 200
    assert s.query("CREATE DATABASE churn").status == 200
    assert s.write("churn", "m v=1 1\n").status == 204
    check_exactly_once(raw_export(s, "steady"), acked, 200)
    assert s.export("churn") == ["m v=1 1"]
    assert s.stop() == 0
    assert "shut down cleanly" in s.read_log()
    s.start()
    assert s.export("churn") == ["m v=1 1"]
    check_exactly_once(raw_export(s, "steady"), acked, 200)
    assert s.stop() == 0


def test_retention_deletes_expired_files(make_server):
    s = make_server(env=dict(FAST, HYPERBYTEDB__RETENTION__CHECK_INTERVAL_SECS="1"))
    assert s.query("CREATE DATABASE rt WITH DURATION 2h").status == 200
    now = time.time_ns()
    old = now - 100 * 60 * 10**9    # 100 minutes: another hour bucket than now
    assert s.write("rt", "m v=1 %d\nm v=2 %d\n" % (old, now)).status == 204
    wait_for(lambda: len(data_files(s, "rt")) == 2, what="flush")
    assert len(s.export("rt")) == 2
    # an expired point is refused at the door, as InfluxDB does
    r = s.write("rt", "m v=3 %d\n" % (now - 3 * H))
    assert r.status == 400 and r.json()["error"] == "partial write: points beyond retention policy dropped=1"
    # a shorter policy: the old point's file goes at the next check
    assert s.query('ALTER RETENTION POLICY "autogen" ON rt DURATION 1h').status == 200
    wait_for(lambda: len(data_files(s, "rt")) == 1, what="expired file deleted")
    assert s.export("rt") == ["m v=2 %d" % now]


def test_orphans_and_temp_files_removed_at_start(make_server):
    s = make_server(env=FAST)
    assert s.query("CREATE DATABASE orph").status == 200
    assert s.write("orph", "m v=1 1\n").status == 204
    wait_for(lambda: data_files(s, "orph"), what="flush")
    assert s.stop() == 0
    d = os.path.join(s.data_dir, "storage", "data", "orph", "autogen", "m", "1970-01-01")
    with open(os.path.join(d, "00_424242.parquet"), "wb") as f:
        f.write(b"PAR1 half a file")
    with open(os.path.join(d, ".00_5.parquet.tmp-abcdef"), "wb") as f:
        f.write(b"PAR1")
    s.start()
    assert data_files(s, "orph") == ["orph/autogen/m/1970-01-01/" + os.path.basename(
        [f for f in data_files(s, "orph")][0])]
    assert not temp_files(s)
    assert s.export("orph") == ["m v=1 1"]
    assert "removing unregistered data file" in s.read_log()


CRASH_POINTS = ["flush.before_register", "flush.after_register", "compact.before_commit", "compact.after_commit"]


@pytest.mark.parametrize("point", CRASH_POINTS)
def test_kill9_at_each_step_loses_nothing(make_server, point):
    """The process dies (SIGKILL) exactly at one step of a flush or a
    compaction; after a restart every acknowledged point is there once, and
    nothing is left on disk that no registry entry names."""
    env = dict(FAST, HYPERBYTEDB_CRASH_AT=point + (":2" if point.startswith("compact") else ""))
    s = make_server(env=env)
    assert s.query("CREATE DATABASE cr").status == 200
    acked = []
    for b in range(6):
        body = "".join("dur,w=%d v=%di,b=%di %d\n" % (1, i, b, b * 100000 + i) for i in range(50))
        try:
            r = request(s.base, "POST", "/write", {"db": "cr"}, body.encode(), timeout=10)
        except OSError:
            break
        if r.status == 204:
            acked.append((1, b))
        time.sleep(0.4)
    s.proc.wait(timeout=30)
    assert s.proc.returncode == -9, "the crash point %s was not reached" % point
    del s.env["HYPERBYTEDB_CRASH_AT"]
    s.start()
    check_exactly_once(raw_export(s, "cr"), acked, 50)
    assert not temp_files(s)
    time.sleep(2.5)   # let the restarted server flush and compact what it replayed
    check_exactly_once(raw_export(s, "cr"), acked, 50)
    assert s.stop() == 0
    s.start()
    check_exactly_once(raw_export(s, "cr"), acked, 50)


def test_kill9_under_load_with_flush_and_compaction(make_server):
    random.seed(os.getpid())
    s = make_server(env=FAST)
    assert s.query("CREATE DATABASE dur").status == 200
    acked = []
    for rnd in range(3):
        stop = threading.Event()
        threads = run_writers(s, "dur", acked, stop, rnd)
        time.sleep(random.uniform(1.0, 2.5))   # spans flushes and compactions
        s.kill9()
        stop.set()
        for t in threads:
            t.join()
        s.start()
        check_exactly_once(raw_export(s, "dur"), acked, 200)
    assert len(acked) > 10, "the writers did not get going"
    assert data_files(s, "dur"), "nothing was ever flushed"
    s.stop()


def test_field_named_like_a_tag_survives_flush_and_compaction(make_server, influxd):
    """InfluxDB accepts a field with the name of a tag; both stay readable
    after the points move to Parquet (the field column is stored as
    "a::field" there)."""
    s = make_server(env=FAST)
    body = "m,a=1 a=2,b=1 10\nm,b=x c=2 20\n"
    for ep in (s, influxd):
        ep.query("DROP DATABASE tf")
        assert ep.query("CREATE DATABASE tf").status == 200
        assert ep.write("tf", body).status == 204
    before = s.export("tf")
    assert before == ["m,a=1 a=2,b=1 10", "m,b=x c=2 20"]
    wait_for(lambda: data_files(s, "tf"), what="flush")
    assert s.write("tf", "m,a=1 a=3 10\n").status == 204
    wait_for(lambda: len(data_files(s, "tf")) == 2, what="second flush")
    wait_for(lambda: len(data_files(s, "tf")) == 1, what="compaction")
    assert s.export("tf") == ["m,a=1 a=3,b=1 10", "m,b=x c=2 20"]
