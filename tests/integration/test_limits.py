"""Caps on network input: body size, gzip bombs, line length, points per request."""
import gzip
import json
import os
import subprocess
import time


def create(ep, db):
    assert ep.query("CREATE DATABASE %s" % db).status == 200


def test_oversized_body_matches_influxd(server, influxd, tmp_path):
    """Both servers default to a 25,000,000-byte cap (InfluxDB's max-body-size).
    influxd answers before reading the body and resets the connection, which
    urllib reports as an error, so curl (which reads early answers) asks."""
    body = tmp_path / "big.txt"
    body.write_bytes(b"m v=1 1\n" * (26 * 1000 * 1000 // 8))
    answers = []
    for ep in (server, influxd):
        ep.query("CREATE DATABASE big")
        out = subprocess.run(["curl", "-s", "-o", "-", "-w", "\n%{http_code}", "-XPOST", ep.base + "/write?db=big",
                              "--data-binary", "@" + str(body)], capture_output=True, text=True, timeout=120)
        text, _, code = out.stdout.rpartition("\n")
        answers.append((code, json.loads(text)))
    assert answers[0] == answers[1] == ("413", {"error": "Request Entity Too Large"})


def test_oversized_body_is_413(make_server):
    s = make_server(env={"HYPERBYTEDB__SERVER__MAX_BODY_SIZE_BYTES": "2000"})
    create(s, "lim")
    r = s.write("lim", b"m v=1 1\n" * 300)
    assert r.status == 413
    assert r.json() == {"error": "Request Entity Too Large"}
    assert s.write("lim", b"m v=1 1\n").status == 204
    assert s.get("/ping").status == 204


def test_gzip_bomb_is_413(make_server):
    s = make_server(env={"HYPERBYTEDB__SERVER__MAX_BODY_SIZE_BYTES": "1000000"})
    create(s, "bomb")
    bomb = gzip.compress(b"m v=1 1\n" * (20 * 1000 * 1000 // 8), 9)  # 20 MB inflated, ~20 KB sent
    assert len(bomb) < 1000000
    r = s.write("bomb", bomb, headers={"Content-Encoding": "gzip"})
    assert r.status == 413
    assert r.json() == {"error": "Request Entity Too Large"}
    assert s.export("bomb") == []


def test_corrupt_gzip_is_400(server):
    create(server, "cg")
    body = gzip.compress(b"m v=1 1\n" * 100)
    bad = bytearray(body)
    bad[len(bad) // 2] ^= 0xFF
    r = server.write("cg", bytes(bad), headers={"Content-Encoding": "gzip"})
    assert r.status == 400
    assert "error" in r.json()


def test_line_too_long_is_413(make_server):
    s = make_server(env={"HYPERBYTEDB__SERVER__MAX_LINE_BYTES": "100"})
    create(s, "ll")
    r = s.write("ll", "m v=\"%s\" 1" % ("x" * 200))
    assert r.status == 413
    assert "line" in r.json()["error"]
    assert s.export("ll") == []
    assert s.write("ll", "m v=1 1").status == 204


def test_too_many_points_is_413(make_server):
    s = make_server(env={"HYPERBYTEDB__SERVER__MAX_POINTS_PER_REQUEST": "10"})
    create(s, "tm")
    r = s.write("tm", "".join("m v=%d %d\n" % (i, i) for i in range(11)))
    assert r.status == 413
    assert "points" in r.json()["error"]
    assert s.export("tm") == []
    assert s.write("tm", "".join("m v=%d %d\n" % (i, i) for i in range(10))).status == 204


def test_full_write_buffer_is_503_with_retry_after(make_server):
    """When the flush cannot drain the buffer (here: the database's data
    directory is blocked by a file, as a full or broken disk would), writes
    get 503 + Retry-After instead of growing memory; once the flush works
    again they are accepted and nothing acknowledged is lost."""
    s = make_server(env={"HYPERBYTEDB__FLUSH__MEMTABLE_MAX_BYTES": "200000",
                         "HYPERBYTEDB__FLUSH__INTERVAL_SECS": "1"})
    create(s, "full")
    blocker = os.path.join(s.data_dir, "storage", "data", "full")
    with open(blocker, "w") as f:
        f.write("not a directory")
    statuses = []
    for k in range(50):
        r = s.write("full", "".join("m,h=%d v=%d %d\n" % (i % 50, i, k * 10000 + i) for i in range(1000)))
        statuses.append(r.status)
        if r.status == 503:
            assert r.headers["Retry-After"] == "1"
            assert "error" in r.json()
            break
    assert statuses[-1] == 503 and all(st == 204 for st in statuses[:-1])
    acked = 1000 * (len(statuses) - 1)
    os.remove(blocker)
    deadline = time.time() + 20
    while time.time() < deadline:
        r = s.write("full", "m,h=x v=1 999999999")
        if r.status == 204:
            break
        time.sleep(0.2)
    assert r.status == 204
    assert len(s.export("full")) == acked + 1
