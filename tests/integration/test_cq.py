"""Continuous queries on a real server: a CQ with a short interval
downsamples points written just ahead of the clock, the windows it runs
(read from the log) tile the time line, and after a restart the windows
that ended while the server was down are computed by the first run, none
twice. The statements themselves are compared with influxd in
tests/conformance/cases/cq.case."""
import datetime
import math
import re
import time

from test_storage import wait_for

S = 10**9
IV = 2  # GROUP BY time(2s)
CQ = ("CREATE CONTINUOUS QUERY c ON cqdb BEGIN SELECT count(v) AS n, sum(v) AS s INTO down "
      "FROM cpu GROUP BY time(2s), host END")
WINDOW = re.compile(r"continuous query c on cqdb: window (\S+) to (\S+), (\d+) points written")


def bucket_after(seconds_ahead):
    """Start (ns) of a 2 s bucket beginning at least seconds_ahead from now."""
    t = math.ceil(time.time() + seconds_ahead)
    t += (-t) % IV
    return t * S


def write_bucket(s, start, values):
    lines = []
    for host, vs in values.items():
        for i, v in enumerate(vs):
            lines.append("cpu,host=%s v=%s %d" % (host, v, start + i * (S // 10)))
    r = s.write("cqdb", "\n".join(lines))
    assert r.status == 204, r


def rows_at(s, start):
    r = s.query("SELECT n, s FROM down WHERE time = %d GROUP BY host" % start, db="cqdb")
    assert r.status == 200, r
    series = r.json()["results"][0].get("series", [])
    return {x["tags"]["host"]: x["values"][0][1:] for x in series}


def windows(s):
    return [m.groups() for m in WINDOW.finditer(s.read_log())]


def ns(rfc3339):
    d = datetime.datetime.strptime(rfc3339.rstrip("Z").split(".")[0], "%Y-%m-%dT%H:%M:%S")
    return int(d.replace(tzinfo=datetime.timezone.utc).timestamp()) * S


def assert_tiled(ws):
    """Each window starts where the one before ended: nothing skipped, nothing twice."""
    assert ws, "no window ran"
    for (_, end, _), (start, _, _) in zip(ws, ws[1:]):
        assert start == end, ws


def test_cq_downsamples_and_catches_up_after_restart(make_server):
    s = make_server(env={"HYPERBYTEDB__CONTINUOUS_QUERIES__RUN_INTERVAL_SECS": "1"})
    assert s.query("CREATE DATABASE cqdb").status == 200
    assert s.query(CQ).status == 200

    b1 = bucket_after(3)
    write_bucket(s, b1, {"a": [1, 2, 3, 4, 5], "b": [10, 20, 30]})
    assert wait_for(lambda: rows_at(s, b1), timeout=60, what="the first window") == \
        {"a": [5, 15.0], "b": [3, 60.0]}

    # points for a bucket that ends while the server is down
    b2 = bucket_after(1) + 2 * IV * S
    write_bucket(s, b2, {"a": [7, 8]})
    assert s.stop() == 0
    wait_for(lambda: time.time() * S > b2 + 3 * IV * S, timeout=60, what="the bucket to end")
    s.start()
    assert wait_for(lambda: rows_at(s, b2), timeout=60, what="the missed window") == {"a": [2, 15.0]}

    # and the schedule goes on after the restart
    b3 = bucket_after(3)
    write_bucket(s, b3, {"b": [1.5]})
    assert wait_for(lambda: rows_at(s, b3), timeout=60, what="a window after the restart") == {"b": [1, 1.5]}
    assert rows_at(s, b1) == {"a": [5, 15.0], "b": [3, 60.0]}

    ws = windows(s)
    assert_tiled(ws)
    # the first run after the restart covered every interval missed at once
    catch_up = [w for w in ws if ns(w[0]) <= b2 < ns(w[1])]
    assert len(catch_up) == 1 and ns(catch_up[0][1]) - ns(catch_up[0][0]) > IV * S, catch_up
    assert s.query("DROP CONTINUOUS QUERY c ON cqdb").status == 200
    r = s.query("SHOW CONTINUOUS QUERIES")
    assert r.json()["results"][0]["series"] == [{"name": "cqdb", "columns": ["name", "query"]}]


def test_cq_survives_kill9_and_drop_database(make_server):
    s = make_server(env={"HYPERBYTEDB__CONTINUOUS_QUERIES__RUN_INTERVAL_SECS": "1"})
    assert s.query("CREATE DATABASE cqdb").status == 200
    assert s.query(CQ).status == 200
    b1 = bucket_after(3)
    write_bucket(s, b1, {"a": [1, 1]})
    wait_for(lambda: rows_at(s, b1), timeout=60, what="the first window")
    s.kill9()
    s.start()
    r = s.query("SHOW CONTINUOUS QUERIES")
    assert r.json()["results"][0]["series"][0]["values"][0][0] == "c"
    b2 = bucket_after(3)
    write_bucket(s, b2, {"a": [2, 2, 2]})
    assert wait_for(lambda: rows_at(s, b2), timeout=60, what="a window after kill -9") == {"a": [3, 6.0]}
    # nothing skipped (a kill between a run's points and its state repeats that window once)
    ws = windows(s)
    for (_, end, _), (start, _, _) in zip(ws, ws[1:]):
        assert ns(start) <= ns(end), ws
    assert s.query("DROP DATABASE cqdb").status == 200
    assert s.query("CREATE DATABASE cqdb").status == 200
    r = s.query("SHOW CONTINUOUS QUERIES")
    assert r.json()["results"][0]["series"] == [{"name": "cqdb", "columns": ["name", "query"]}]
