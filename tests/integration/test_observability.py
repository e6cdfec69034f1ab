"""Observability: GET /metrics (checked by promtool), request ids and the
per-request log line (text and JSON), the statement summary at
/api/v1/statements, SHOW QUERIES / KILL QUERY, SHOW STATS, SHOW DIAGNOSTICS,
and passwords never appearing in logs or summaries."""
import json
import re
import shutil
import subprocess
import threading
import time

import pytest

from conftest import request

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$")


def scrape(server):
    r = server.get("/metrics")
    assert r.status == 200, r
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return r.text


def samples(text):
    """{'name{labels}': float} of every sample line."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, "not a sample line: %r" % line
        out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return out


def wait_for(cond, what, timeout=60):
    """Polls cond() until it is true (the timeout only guards against a hang)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("gave up waiting for " + what)


def promtool_check(text):
    exe = shutil.which("promtool")
    assert exe, "promtool (Debian package prometheus) is required: run scripts/install-deps.sh"
    p = subprocess.run([exe, "check", "metrics"], input=text.encode(), capture_output=True, timeout=60)
    assert p.returncode == 0, (p.stdout + p.stderr).decode()


# ---- /metrics ----

def test_metrics_move_with_writes_and_queries(server):
    before = samples(scrape(server))
    assert server.query("CREATE DATABASE m1").status == 200
    assert server.write("m1", "cpu,host=a v=1\ncpu,host=b v=2\ncpu,host=c v=3").status == 204
    assert server.write("m1", "cpu,host=a v=\"s\"").status == 400          # field type conflict
    assert server.write("m1", "cpu,host=a").status == 400                  # unable to parse
    assert server.write("nodb", "cpu v=1").status == 404                   # database not found
    assert server.query("SELECT v FROM cpu", db="m1").status == 200
    assert server.query("SELECT FROM").status == 400                       # parse error
    r = server.query("SELECT v FROM nosuch.autogen.cpu")
    text = scrape(server)
    after = samples(text)

    def delta(k):
        return after.get(k, 0) - before.get(k, 0)

    assert delta("hyperbytedb_write_requests_total") == 4
    assert delta("hyperbytedb_ingestion_points_total") == 3
    assert delta("hyperbytedb_ingestion_bytes_total") == len("cpu,host=a v=1\ncpu,host=b v=2\ncpu,host=c v=3") + \
        len("cpu,host=a v=\"s\"") + len("cpu,host=a") + len("cpu v=1")
    assert delta('hyperbytedb_write_errors_total{kind="field_type_conflict"}') == 1
    assert delta('hyperbytedb_write_errors_total{kind="parse"}') == 1
    assert delta('hyperbytedb_write_errors_total{kind="database_not_found"}') == 1
    assert delta('hyperbytedb_write_errors_total{kind="too_large"}') == 0
    assert delta("hyperbytedb_query_requests_total") == 4
    assert delta("hyperbytedb_query_statements_total") == 3
    assert delta("hyperbytedb_query_errors_total") == (2 if "error" in r.text else 1)
    assert delta("hyperbytedb_query_duration_seconds_count") == 3
    assert after['hyperbytedb_query_duration_seconds_bucket{le="+Inf"}'] == \
        after["hyperbytedb_query_duration_seconds_count"]
    assert delta("hyperbytedb_wal_bytes_written_total") > 0
    assert delta("hyperbytedb_wal_fsync_duration_seconds_count") >= 1
    assert after["hyperbytedb_memtable_bytes"] > 0
    assert after['hyperbytedb_storage_files{db="m1"}'] == 0
    assert after["hyperbytedb_http_connections"] >= 1
    assert after["hyperbytedb_http_connections_total"] >= 1
    # a request is counted once its answer went out: the last ones may lag
    wait_for(lambda: samples(scrape(server))["hyperbytedb_http_requests_total"] -
             before["hyperbytedb_http_requests_total"] >= 9, "the requests counted")
    for name in ("hyperbytedb_flush_duration_seconds", "hyperbytedb_compaction_duration_seconds",
                 "hyperbytedb_wal_fsync_duration_seconds", "hyperbytedb_query_duration_seconds"):
        assert "# TYPE %s histogram" % name in text
    for name in ("hyperbytedb_flush_total", "hyperbytedb_compaction_total", "hyperbytedb_retention_deletions_total",
                 "hyperbytedb_flush_points_total"):
        assert "# TYPE %s counter" % name in text
    promtool_check(text)


def test_metrics_flush_compaction_and_files_per_db(make_server):
    s = make_server(env={"HYPERBYTEDB__FLUSH__INTERVAL_SECS": "1", "HYPERBYTEDB__COMPACTION__INTERVAL_SECS": "1"})
    s.query("CREATE DATABASE f1")
    s.query("CREATE DATABASE f2")
    # two flushes of the same hour: two files, merged by compaction
    assert s.write("f1", "m v=1 1600000000000000000").status == 204
    wait_for(lambda: samples(scrape(s)).get("hyperbytedb_flush_points_total", 0) >= 1, "the first flush")
    assert s.write("f1", "m v=2 1600000001000000000").status == 204
    wait_for(lambda: samples(scrape(s)).get("hyperbytedb_flush_points_total", 0) >= 2, "the second flush")
    wait_for(lambda: samples(scrape(s)).get("hyperbytedb_compaction_merges_total", 0) >= 1, "a compaction")
    text = scrape(s)
    m = samples(text)
    assert m['hyperbytedb_storage_files{db="f1"}'] == 1
    assert m['hyperbytedb_storage_bytes{db="f1"}'] > 0
    assert m['hyperbytedb_storage_files{db="f2"}'] == 0
    assert m["hyperbytedb_flush_total"] >= 2
    assert m["hyperbytedb_flush_duration_seconds_count"] >= 2
    assert m["hyperbytedb_compaction_duration_seconds_count"] >= 1
    assert m["hyperbytedb_compaction_files_in_total"] >= 2
    promtool_check(text)


def test_promtool_rejects_a_broken_exposition():
    # the check itself can fail: a counter family without its TYPE name
    with pytest.raises(AssertionError):
        promtool_check("# TYPE x counter\nx{a=\"b\" 1\n")


# ---- request ids and the request log ----

def test_request_id_from_the_client_as_influxd(server, influxd):
    for ep in (server, influxd):
        r = ep.get("/ping", headers={"X-Request-Id": "abc-123"})
        assert r.headers["X-Request-Id"] == r.headers["Request-Id"] == "abc-123"
        r = ep.get("/ping", headers={"Request-Id": "zzz"})
        assert r.headers["X-Request-Id"] == r.headers["Request-Id"] == "zzz"
        # X-Request-Id wins over Request-Id
        r = ep.get("/ping", headers={"Request-Id": "one", "X-Request-Id": "two"})
        assert r.headers["Request-Id"] == "two"
    # ours are capped: a longer one is replaced by a fresh UUID
    r = server.get("/ping", headers={"X-Request-Id": "x" * 200})
    assert UUID.match(r.headers["Request-Id"])
    assert UUID.match(server.get("/ping").headers["X-Request-Id"])


def log_lines_with(server, needle):
    return wait_for(lambda: [ln for ln in server.read_log().splitlines() if needle in ln], "a log line with " + needle)


def test_request_log_line_text(server):
    server.query("CREATE DATABASE rl")
    server.write("rl", "m v=1", headers={"X-Request-Id": "req-text-1"}, u="bob", p="hunter2")
    line = log_lines_with(server, "req-text-1")[0]
    assert "[req-text-1] http request" in line
    for part in ("method=POST", "path=/write", "status=204", "bytes=0", "duration_ms="):
        assert part in line, line
    r = server.get("/nosuch", headers={"X-Request-Id": "req-text-2"})
    line = log_lines_with(server, "req-text-2")[0]
    assert "status=404" in line and "path=/nosuch" in line and ("bytes=%d" % len(r.body)) in line
    assert "hunter2" not in server.read_log()


def test_request_log_line_json(make_server):
    s = make_server(env={"HYPERBYTEDB__LOGGING__FORMAT": "json"})
    s.get("/query", {"q": "SHOW DATABASES"}, headers={"X-Request-Id": "req-json-1"})
    line = log_lines_with(s, "req-json-1")[0]
    ev = json.loads(line)
    assert ev["request_id"] == "req-json-1"
    assert ev["msg"] == "http request"
    assert ev["method"] == "GET" and ev["path"] == "/query" and ev["status"] == 200
    assert ev["bytes"] > 0 and ev["duration_ms"] >= 0 and ev["level"] == "info" and ev["completed"] is True
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", ev["ts"])
    # every line of the log is one JSON object
    for ln in s.read_log().splitlines():
        json.loads(ln)


def test_log_level_error_drops_request_lines(make_server):
    s = make_server(env={"HYPERBYTEDB__LOGGING__LEVEL": "error"})
    s.get("/ping", headers={"X-Request-Id": "quiet-1"})
    s.stop()
    assert "quiet-1" not in s.read_log()


def test_passwords_never_logged_or_summarized(make_server):
    s = make_server(env={"HYPERBYTEDB__LOGGING__LEVEL": "debug"})
    s.query("CREATE USER bob WITH PASSWORD 'hunter2'")
    s.query("SET PASSWORD FOR bob = 'hunter3'")
    s.query("CREATE USER eve WITH PASSWORD 'hunter4")        # unterminated: a parse error
    summary = s.get("/api/v1/statements").text
    log = s.read_log()
    for secret in ("hunter2", "hunter3", "hunter4"):
        assert secret not in summary
        assert secret not in log
    assert "CREATE USER bob WITH PASSWORD [REDACTED]" in log
    assert "SET PASSWORD FOR bob = [REDACTED]" in log


# ---- /api/v1/statements ----

def statements(server, **params):
    r = server.get("/api/v1/statements", params)
    assert r.status == 200, r
    return r.json()


def test_statement_summary_sort_limit_reset(server):
    server.query("CREATE DATABASE st")
    server.write("st", "m,h=a v=1 1000000000\nm,h=b v=2 2000000000")
    assert request(server.base, "DELETE", "/api/v1/statements").status == 204
    for h in ("a", "b", "c"):
        server.query("SELECT v FROM m WHERE h = '%s'" % h, db="st")
    server.query("SELECT * FROM m", db="st")
    server.query("SELECT * FROM nosuchdb..m")
    doc = statements(server, sort="count")
    assert doc["max_entries"] == 1000
    top = doc["statements"][0]
    assert top["query"] == "SELECT v FROM m WHERE h = ?"
    assert top["count"] == 3 and top["rows"] == 2 and top["errors"] == 0
    assert re.match(r"^[0-9a-f]{16}$", top["digest"])
    for k in ("total_time_ms", "min_time_ms", "max_time_ms", "avg_time_ms"):
        assert isinstance(top[k], (int, float))
    assert top["min_time_ms"] <= top["avg_time_ms"] <= top["max_time_ms"] <= top["total_time_ms"]
    assert re.match(r"^\d{4}-\d\d-\d\dT", top["last_seen"])
    by_rows = statements(server, sort="rows", limit=1)["statements"]
    assert len(by_rows) == 1 and by_rows[0]["query"] == "SELECT * FROM m" and by_rows[0]["rows"] == 2
    errs = statements(server, sort="errors")["statements"]
    assert errs[0]["errors"] == 1
    for sort in ("total_time", "avg_time", "max_time", "last_seen"):
        assert len(statements(server, sort=sort)["statements"]) == 3
    assert server.get("/api/v1/statements", {"sort": "bogus"}).status == 400
    assert server.get("/api/v1/statements", {"limit": "-1"}).status == 400
    assert request(server.base, "DELETE", "/api/v1/statements").status == 204
    assert statements(server)["statements"] == []


def test_statement_summary_bounded_and_disabled(make_server):
    s = make_server(env={"HYPERBYTEDB__STATEMENT_SUMMARY__MAX_ENTRIES": "2"})
    for q in ("SHOW DATABASES", "SHOW USERS", "SHOW DIAGNOSTICS FOR 'build'"):
        s.query(q)
    doc = statements(s)
    assert doc["entries"] == 2 and len(doc["statements"]) == 2
    s.stop()
    off = make_server(env={"HYPERBYTEDB__STATEMENT_SUMMARY__ENABLED": "false"})
    assert off.get("/api/v1/statements").status == 404


# ---- SHOW QUERIES / KILL QUERY ----

def test_show_queries_shape_like_influxd(server, influxd):
    ours = server.query("SHOW QUERIES").json()["results"][0]["series"][0]
    ref = influxd.query("SHOW QUERIES").json()["results"][0]["series"][0]
    assert ours["columns"] == ref["columns"] == ["qid", "query", "database", "duration", "status"]
    assert set(ours) == set(ref)
    row = ours["values"][-1]
    assert row[1] == "SHOW QUERIES" and row[2] == "" and row[4] == "running"
    assert isinstance(row[0], int)
    assert re.match(r"^\d+(ns|µs|ms|s|m|h|d)$", row[3])
    for ep in (server, influxd):
        assert ep.query("KILL QUERY 987654").json() == \
            {"results": [{"statement_id": 0, "error": "no such query id: 987654"}]}


def test_kill_query_stops_a_running_select(server):
    server.query("CREATE DATABASE kq")
    lines = "\n".join("m,h=h%d v=%d %d" % (i % 10, i, 1600000000000000000 + i * 1000000000) for i in range(50000))
    assert server.write("kq", lines).status == 204
    n = 5000   # many slow statements: far longer than the polling below needs
    q = ";".join(["SELECT median(v) FROM m"] * n)
    out = {}

    def run():
        out["r"] = server.query(q, db="kq")

    t = threading.Thread(target=run)
    t.start()
    try:
        def running():
            vals = server.query("SHOW QUERIES").json()["results"][0]["series"][0]["values"]
            return [v for v in vals if v[1].startswith("SELECT median(v) FROM m;\nSELECT")]
        row = wait_for(running, "the slow query in SHOW QUERIES")[0]
        assert row[2] == "kq" and row[4] == "running"
        assert server.query("KILL QUERY %d" % row[0]).json() == {"results": [{"statement_id": 0}]}
    finally:
        t.join(300)
    assert not t.is_alive()
    res = out["r"].json()["results"]
    assert len(res) < n
    assert res[-1]["error"] == "query interrupted"
    assert all("error" not in r for r in res[:-1])
    # gone from the registry
    vals = server.query("SHOW QUERIES").json()["results"][0]["series"][0]["values"]
    assert [v[1] for v in vals] == ["SHOW QUERIES"]
    assert server.query("KILL QUERY %d" % row[0]).json()["results"][0]["error"] == "no such query id: %d" % row[0]


# ---- SHOW STATS / SHOW DIAGNOSTICS ----

def series_of(ep, q):
    res = ep.query(q).json()["results"][0]
    return {s["name"]: s for s in res.get("series", [])}


def test_show_stats_shape(server, influxd):
    server.query("CREATE DATABASE ss")
    server.write("ss", "m v=1\nm v=2")
    ours, ref = series_of(server, "SHOW STATS"), series_of(influxd, "SHOW STATS")
    for name in ("runtime", "queryExecutor", "write", "httpd"):
        assert name in ours and name in ref
    for name in ("wal", "flush", "compaction", "retention"):
        assert name in ours
    for s in ours.values():
        assert s["columns"] == sorted(s["columns"])
        assert len(s["values"]) == 1 and len(s["values"][0]) == len(s["columns"])
        assert all(isinstance(v, int) for v in s["values"][0])
    # httpd is tagged with its bind address, as influxd's
    assert set(ours["httpd"]["tags"]) == set(ref["httpd"]["tags"]) == {"bind"}
    assert ours["httpd"]["tags"]["bind"] == "127.0.0.1:%d" % server.port
    w = dict(zip(ours["write"]["columns"], ours["write"]["values"][0]))
    assert w["pointReq"] == 2 and w["req"] == 1 and w["writeOk"] == 1
    only = series_of(server, "SHOW STATS FOR 'httpd'")
    assert list(only) == ["httpd"] == list(series_of(influxd, "SHOW STATS FOR 'httpd'"))
    for ep in (server, influxd):
        assert ep.query("SHOW STATS FOR 'nosuch'").json() == {"results": [{"statement_id": 0}]}


def test_show_diagnostics_shape(server, influxd):
    ours, ref = series_of(server, "SHOW DIAGNOSTICS"), series_of(influxd, "SHOW DIAGNOSTICS")
    for name in ("build", "config", "network", "runtime", "system"):
        assert name in ours and name in ref
    assert list(ours) == sorted(ours)
    assert ours["build"]["columns"] == ref["build"]["columns"] == ["Branch", "Build Time", "Commit", "Version"]
    assert ours["system"]["columns"] == ref["system"]["columns"] == ["PID", "currentTime", "started", "uptime"]
    assert ours["network"]["columns"] == ref["network"]["columns"] == ["hostname"]
    assert ours["config"]["columns"] == ref["config"]["columns"]
    sysrow = dict(zip(ours["system"]["columns"], ours["system"]["values"][0]))
    assert sysrow["PID"] == server.proc.pid
    assert re.match(r"^[0-9.hms]+s$", sysrow["uptime"])
    cfg = dict(zip(ours["config-data"]["columns"], ours["config-data"]["values"][0]))
    assert cfg["dir"].endswith("storage")
    for s in ours.values():
        assert s["columns"] == sorted(s["columns"])
    assert list(series_of(server, "SHOW DIAGNOSTICS FOR 'build'")) == ["build"]
    for ep in (server, influxd):
        assert ep.query("SHOW DIAGNOSTICS FOR 'nosuch'").json() == {"results": [{"statement_id": 0}]}


def test_kill_query_stops_a_streamed_select_waiting_for_its_client(server):
    """A chunked answer whose client does not read: the query waits for room
    in its queue; KILL QUERY still ends it, and the client then reads the
    statement's error at the end of the stream."""
    import socket
    import urllib.parse
    server.query("CREATE DATABASE kc")
    lines = "\n".join("m,h=h%d v=%d,s=\"%s\" %d" % (i % 10, i, "x" * 40, 1600000000000000000 + i * 1000000000)
                      for i in range(60000))
    assert server.write("kc", lines).status == 204
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", server.port))
    # ten statements of 4.5 MB each: far more than the stream's queue and
    # the socket buffers hold, so the query ends up waiting for the client
    q = urllib.parse.urlencode({"db": "kc", "q": ";".join(["SELECT * FROM m"] * 10), "chunked": "true",
                                "chunk_size": "100"})
    sock.sendall(("GET /query?%s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % q).encode())
    try:
        def stuck():
            vals = server.query("SHOW QUERIES").json()["results"][0]["series"][0]["values"]
            return [v for v in vals if v[1].startswith("SELECT * FROM m;\n")]
        row = wait_for(stuck, "the streamed query in SHOW QUERIES")[0]
        assert server.query("KILL QUERY %d" % row[0]).json() == {"results": [{"statement_id": 0}]}
        # it ends without the client reading anything
        wait_for(lambda: not stuck(), "the killed query to end")
        data = b""
        while True:
            b = sock.recv(65536)
            if not b:
                break
            data += b
    finally:
        sock.close()
    assert data.startswith(b"HTTP/1.1 200")
    assert b'"error":"query interrupted"' in data
    assert b'"statement_id":9' not in data
