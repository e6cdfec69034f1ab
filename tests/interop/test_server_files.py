"""DuckDB reads the Parquet files the server itself writes (flush and
compaction), value for value: all five field types, missing fields (nulls),
series without tags, names that need escaping, unicode, a field named like a
tag.

The server (build/hyperbytedb) runs with a 1 s flush and compaction
interval; the test writes in several requests so that hours get more than
one file and are compacted, stops the server cleanly, then reads every file
under its data directory with DuckDB and compares the union of the rows with
what was written."""
import glob
import json
import math
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.path.join(ROOT, "build", "hyperbytedb")
NPM_DIR = os.path.join(ROOT, "build", "npm")
DUMP = os.path.join(ROOT, "tests", "interop", "duckdb_dump.mjs")

H = 3600 * 10**9
BASE = 1700000000 // 3600 * 3600 * 10**9


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(port, method, path, params, body=None):
    url = "http://127.0.0.1:%d%s?%s" % (port, path, urllib.parse.urlencode(params))
    req = urllib.request.Request(url, data=body, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def lp_escape(s, chars):
    for c in chars:
        s = s.replace(c, "\\" + c)
    return s


def make_points():
    """[(measurement, {tag: value}, time_ns, {field: (type, value)})], unique series+time."""
    pts = []
    for i in range(60):
        t = BASE + i * 2 * 60 * 10**9 + i * 1000   # 2 hours, whole microseconds
        tags = {"host": "h%d" % (i % 3), "dc a": "zone=%d é" % (i % 2)} if i % 7 else {}
        fields = {
            "f": ("float", [1.5, -0.0, 1e300, -2.25e-308, 3.0][i % 5] * (i + 1)),
            "i": ("int", [0, -9223372036854775808, 9223372036854775807, 42][i % 4]),
            "u": ("uint", [0, 18446744073709551615, 7][i % 3]),
            "s": ("str", ['', 'quote " and \\ back', 'ünïcödé ✓', 'x' * 300][i % 4]),
            "b": ("bool", i % 2 == 0),
        }
        # some points lack some fields: nulls in the file
        if i % 5 == 1:
            del fields["u"]
        if i % 6 == 2:
            del fields["s"], fields["b"]
        pts.append(("cpu ✓,x", tags, t, fields))
        if i % 4 == 0:
            # a field named like a tag (InfluxDB allows it): "host::field" on disk
            pts.append(("mem", {"host": "h%d" % (i % 3)}, t, {"free": ("int", i), "host": ("str", "f%d" % i)}))
    return pts


def to_line(p):
    meas, tags, t, fields = p
    out = lp_escape(meas, ", ")
    for k in sorted(tags):
        out += "," + lp_escape(k, ",= ") + "=" + lp_escape(tags[k], ",= ")
    fs = []
    for k, (typ, v) in sorted(fields.items()):
        if typ == "float":
            txt = repr(float(v))
        elif typ == "int":
            txt = "%di" % v
        elif typ == "uint":
            txt = "%du" % v
        elif typ == "bool":
            txt = "true" if v else "false"
        else:
            txt = '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        fs.append(lp_escape(k, ",= ") + "=" + txt)
    return "%s %s %d" % (out, ",".join(fs), t)


@pytest.fixture(scope="module")
def server_files():
    d = tempfile.mkdtemp(prefix="hbinterop-srv-")
    port = free_port()
    env = dict(os.environ, HYPERBYTEDB__SERVER__PORT=str(port), HYPERBYTEDB__STORAGE__DIR=d + "/storage",
               HYPERBYTEDB__FLUSH__INTERVAL_SECS="1", HYPERBYTEDB__COMPACTION__INTERVAL_SECS="1",
               HYPERBYTEDB__LOGGING__LEVEL="warn")
    proc = subprocess.Popen([BINARY, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                if call(port, "GET", "/ping", {})[0] == 204:
                    break
            except OSError:
                time.sleep(0.05)
        assert call(port, "POST", "/query", {"q": "CREATE DATABASE interop"})[0] == 200
        pts = make_points()
        third = len(pts) // 3
        for k in range(3):   # three flushes: hours get several files, then compaction merges them
            chunk = pts[k * third:] if k == 2 else pts[k * third:(k + 1) * third]
            st, body = call(port, "POST", "/write", {"db": "interop"}, "\n".join(map(to_line, chunk)).encode())
            assert st == 204, body
            time.sleep(1.5)
        time.sleep(2.5)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        yield d, pts
    finally:
        if proc.poll() is None:
            proc.kill()
        subprocess.run(["rm", "-rf", d])


def duckdb(path):
    out = subprocess.run(["node", DUMP, path, "--no-metadata"], cwd=NPM_DIR, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def norm_want(typ, v):
    """A written value in duckdb_dump.mjs's encoding."""
    if typ == "float":
        if v == 0 and math.copysign(1, v) < 0:
            return "-0"
        return v
    if typ in ("int", "uint"):
        return str(v)
    return v


def test_duckdb_reads_every_point_the_server_stored(server_files):
    d, pts = server_files
    files = sorted(glob.glob(os.path.join(d, "storage", "data", "**", "*.parquet"), recursive=True))
    assert files, "the server wrote no Parquet file"
    # the measurement "cpu ✓,x" lives under an escaped directory name
    assert any("/cpu%20%E2%9C%93%2Cx/" in f for f in files), files
    got = {}
    for f in files:
        meas = urllib.parse.unquote(f.split("/data/interop/autogen/")[1].split("/")[0])
        dump = duckdb(f)
        names = [c["name"] for c in dump["columns"]]
        assert names[0] == "time"
        for row in dump["rows"]:
            rec = dict(zip(names, row))
            tv = rec.pop("time")
            t = int(tv["us"]) if "us" in tv else int(tv["ns"]) // 1000
            key = (meas, tuple(sorted((k, v) for k, v in rec.items() if k in ("host", "dc a") and v is not None)),
                   t)
            assert key not in got, "point stored twice: %r" % (key,)
            got[key] = {k.replace("::field", ""): v for k, v in rec.items()
                        if k not in ("host", "dc a") and v is not None}
    want = {}
    for meas, tags, t, fields in pts:
        want[(meas, tuple(sorted(tags.items())), t // 1000)] = {k: norm_want(typ, v)
                                                                for k, (typ, v) in fields.items()}
    assert set(got) == set(want)
    bad = []
    for key, wf in want.items():
        gf = got[key]
        if set(gf) != set(wf):
            bad.append((key, gf, wf))
            continue
        for k, wv in wf.items():
            gv = gf[k]
            same = (float(gv) == float(wv) and math.copysign(1, float(gv)) == math.copysign(1, float(wv))
                    if isinstance(wv, float) else gv == wv)
            if not same:
                bad.append((key, k, gv, wv))
    assert not bad, "%d points differ, first: %r" % (len(bad), bad[:3])
    # compaction ran: one file per hour bucket of each measurement
    hours = {f.rsplit("_", 1)[0] for f in files}
    assert len(files) == len(hours), files
