"""Acknowledged writes survive kill -9, restarts replay the WAL exactly once,
a torn WAL tail is truncated and logged, corruption stops start-up."""
import glob
import os
import random
import threading
import time

from conftest import request


def lines_for(writer, batch, n):
    # every point unique: series by writer, timestamp by batch and index
    return "".join("dur,w=%d v=%di,b=%di %d\n" % (writer, i, batch, batch * 100000 + i) for i in range(n))


def run_writers(server, db, acked, stop, round_no, nwriters=4, per_batch=200):
    def worker(w):
        b = 0
        while not stop.is_set():
            body = lines_for(w, b, per_batch)
            try:
                r = request(server.base, "POST", "/write", {"db": db}, body.encode(), timeout=10)
            except OSError:
                return  # the server died under us
            if r.status == 204:
                acked.append((w, b))
            b += 1
    ts = [threading.Thread(target=worker, args=(round_no * 1000 + w,)) for w in range(nwriters)]
    for t in ts:
        t.start()
    return ts


def check_exactly_once(lines, acked, per_batch):
    seen = {}
    for ln in lines:
        seen[ln] = seen.get(ln, 0) + 1
    dups = [ln for ln, c in seen.items() if c > 1]
    assert not dups, "duplicated points after replay: %r" % dups[:5]
    batches = {}
    for ln in lines:
        series, fields, ts = ln.split(" ")
        w = int(series.split("=")[1])
        b = int(ts) // 100000
        batches[(w, b)] = batches.get((w, b), 0) + 1
    for wb in acked:
        assert batches.get(wb) == per_batch, "acknowledged batch %r lost (%r of %d points)" % (
            wb, batches.get(wb), per_batch)
    # a write request is one WAL record: all of its points or none
    assert all(c == per_batch for c in batches.values())


def test_kill9_loses_no_acknowledged_write(make_server):
    random.seed(os.getpid())
    s = make_server()
    assert s.query("CREATE DATABASE dur").status == 200
    acked = []
    for rnd in range(3):
        stop = threading.Event()
        threads = run_writers(s, "dur", acked, stop, rnd)
        time.sleep(random.uniform(0.3, 1.2))
        s.kill9()
        stop.set()
        for t in threads:
            t.join()
        s.start()
        check_exactly_once(s.export("dur"), acked, 200)
    assert len(acked) > 10, "the writers did not get going"
    s.stop()


def test_sigterm_is_graceful_and_restart_replays(make_server):
    s = make_server()
    assert s.query("CREATE DATABASE g").status == 200
    assert s.write("g", "m,t=a v=1 1\nm,t=b v=2,w=2i 2\n").status == 204
    assert s.stop() == 0
    assert "shut down cleanly" in s.read_log()
    s.start()
    assert s.export("g") == ["m,t=a v=1 1", "m,t=b v=2,w=2i 2"]
    # field types survive the restart
    r = s.write("g", "m v=1i 3")
    assert r.status == 400 and "already exists as type float" in r.json()["error"]
    s.stop()
    s.start()
    assert s.export("g") == ["m,t=a v=1 1", "m,t=b v=2,w=2i 2"]


def wal_files(s):
    return sorted(glob.glob(os.path.join(s.data_dir, "storage", "wal", "*.wal")))


def test_torn_tail_is_truncated_and_logged(make_server):
    s = make_server()
    assert s.query("CREATE DATABASE t").status == 200
    for i in range(5):
        assert s.write("t", "m v=%d %d" % (i, i)).status == 204
    s.kill9()
    seg = wal_files(s)[-1]
    with open(seg, "ab") as f:
        f.write(b"\x40\x00\x00\x00\xde\xad")  # a record header cut short
    s.start()
    assert len(s.export("t")) == 5
    log = s.read_log()
    assert "torn" in log.lower() or "truncat" in log.lower()
    assert os.path.basename(seg) in log
    assert s.write("t", "m v=9 9").status == 204
    s.stop()
    s.start()
    assert len(s.export("t")) == 6


def test_corruption_in_the_middle_stops_startup(make_server):
    s = make_server()
    assert s.query("CREATE DATABASE c").status == 200
    for i in range(20):
        assert s.write("c", "m v=%d %d" % (i, i)).status == 204
    s.stop()
    seg = wal_files(s)[-1]
    size = os.path.getsize(seg)
    with open(seg, "r+b") as f:
        f.seek(size // 2)
        b = f.read(1)
        f.seek(size // 2)
        f.write(bytes([b[0] ^ 0xFF]))
    s.start(wait=False)
    rc = s.proc.wait(20)
    assert rc != 0
    log = s.read_log()
    assert os.path.basename(seg) in log and "offset" in log


def test_concurrent_writers(server):
    assert server.query("CREATE DATABASE cw").status == 200
    errors = []

    def worker(w):
        for b in range(20):
            r = server.write("cw", lines_for(w, b, 100))
            if r.status != 204:
                errors.append(r)
    ts = [threading.Thread(target=worker, args=(w,)) for w in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errors
    lines = server.export("cw")
    assert len(lines) == 8 * 20 * 100
    assert len(set(lines)) == len(lines)
