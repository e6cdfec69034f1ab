#!/usr/bin/python3
"""`make bench`: HyperbyteDB side by side with the reference InfluxDB 1.x.

    /usr/bin/python3 bench/run.py [--hosts 100] [--hours 12] [--workers 2]
                                  [--batch 10000] [--only hyperbytedb|influxd]

For each server (build/hyperbytedb, and `influxd` when it is on PATH) in the
same run: start it fresh on a free loopback port with its data in a new temp
dir, run every per-server section (SERVER_SECTIONS), stop it with SIGTERM and
delete the temp dir.  Then run the global sections (GLOBAL_SECTIONS: the C
parse microbenchmark), print a summary with the ratios against influxd and the
targets, and write everything to build/bench-results.json.

Exit status: 0, unless a server failed to start (or died) or a write was not
answered 204.  Misses against the performance targets are informational.

Adding a benchmark: write `def section_x(server, ctx) -> dict` and append
("x", "running"|"stopped", section_x) to SERVER_SECTIONS ("stopped" sections
run after the clean shutdown, before the temp dir is deleted; e.g. bytes on
disk), or `def global_x(ctx) -> dict` to GLOBAL_SECTIONS; then add lines to
summarize() if it should appear in the table.  A section raises BenchFailure
for a failure that must make the run exit non-zero.

Standard library only.
"""
import argparse
import ctypes
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True   # no bench/__pycache__ in the work tree
import tsbs_data  # noqa: E402

BUILD = os.path.join(ROOT, "build")
HB_BIN = os.path.join(BUILD, "hyperbytedb")
PARSE_BIN = os.path.join(BUILD, "bench", "bench_parse")
FLUSH_BIN = os.path.join(BUILD, "bench", "bench_flush")
CACHE_DIR = os.path.join(BUILD, "bench-cache")
RESULTS = os.path.join(BUILD, "bench-results.json")
INFLUXD_SCRIPT = os.path.join(HERE, "influxd_ref.sh")
DB = "benchmark"

START_TIMEOUT = 10.0     # s for /ping to answer
STOP_TIMEOUT = 60.0      # s after SIGTERM before SIGKILL
HTTP_TIMEOUT = 600.0     # s per request

TARGET_INGEST = 4.0      # HyperbyteDB rows/s >= 4 x influxd
TARGET_RSS = 0.5         # HyperbyteDB peak RSS <= 0.5 x influxd
TARGET_PARSE = 500.0     # MB/s per core


class BenchFailure(Exception):
    """A failure that makes the run exit non-zero (server start, writes)."""


class Interrupted(BaseException):
    """SIGTERM to the driver: unwind like KeyboardInterrupt."""


def log(msg=""):
    print(msg, flush=True)


# ---------------------------------------------------------------- processes

def become_subreaper():
    """Make orphaned descendants (influxd, once its launcher script exits)
    our children, so we can wait for them and they never linger as zombies."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0   # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_status(pid):
    """Fields of /proc/PID/status ({} if gone); sizes stay as 'NNN kB' text."""
    try:
        with open("/proc/%d/status" % pid) as f:
            return dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
    except OSError:
        return {}


def proc_kb(pid, key):
    v = proc_status(pid).get(key)
    return int(v.split()[0]) * 1024 if v else None


def proc_cpu_seconds(pid):
    """utime + stime of PID (all threads), in seconds; None if gone."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def alive(pid):
    """True while PID runs (a zombie counts as exited; reaps it if ours)."""
    try:
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    except ChildProcessError:
        pass
    st = proc_status(pid).get("State", "")
    return bool(st) and not st.startswith(("Z", "X"))


def wait_exit(pid, timeout):
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


def dir_bytes(path):
    total = 0
    for dp, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(dp, f)).st_blocks * 512
            except OSError:
                pass
    return total


def tail(path, n=20):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:]).rstrip() or "(nothing)"
    except OSError:
        return "(no output file)"


# ------------------------------------------------------------------ servers

class Server:
    """One throwaway server on 127.0.0.1:port with its data in a temp dir.

    start() -> ping -> sections -> stop() -> cleanup(); cleanup() is safe to
    call at any point (kills the process if it still runs)."""

    name = "?"

    def __init__(self):
        self.port = None
        self.pid = None
        self.dir = None
        self.log_path = None
        self.version = None
        self.proc = None
        self.pgid = None     # own session/process group: killpg reaps strays

    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def _launch(self):
        raise NotImplementedError

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="hb-bench-%s-" % self.name)
        self.port = free_port()
        self._launch()
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.ping():
                return
            if not alive(self.pid):
                raise BenchFailure("%s exited during start-up; its output:\n%s"
                                   % (self.name, tail(self.log_path)))
            if time.monotonic() >= deadline:
                raise BenchFailure("%s did not answer GET /ping on %s within %.0f s; its output:\n%s"
                                   % (self.name, self.url(), START_TIMEOUT, tail(self.log_path)))
            time.sleep(0.05)

    def ping(self):
        try:
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=1)
            c.request("GET", "/ping")
            r = c.getresponse()
            r.read()
            c.close()
            if r.status == 204:
                self.version = r.getheader("X-Influxdb-Version") or self.version
                return True
        except (OSError, http.client.HTTPException):
            pass
        return False

    def connect(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=HTTP_TIMEOUT)

    def query_raw(self, q, db=None, method="GET", conn=None):
        """(status, body bytes) of /query?q=...: what latencies are timed on
        (decoding the JSON is the client's work, not the server's)."""
        params = {"q": q}
        if db:
            params["db"] = db
        c = conn or self.connect()
        try:
            c.request(method, "/query?" + urllib.parse.urlencode(params))
            r = c.getresponse()
            body = r.read()
        finally:
            if conn is None:
                c.close()
        return r.status, body

    def query(self, q, db=None, method="GET", conn=None):
        """(status, parsed JSON or raw text) of /query?q=..."""
        status, body = self.query_raw(q, db=db, method=method, conn=conn)
        try:
            return status, json.loads(body)
        except ValueError:
            return status, body.decode(errors="replace")

    def peak_rss(self):
        return proc_kb(self.pid, "VmHWM")

    def stop(self):
        """SIGTERM and wait; returns the seconds to exit (SIGKILL and None if
        it did not exit within STOP_TIMEOUT)."""
        if self.pid is None or not alive(self.pid):
            return None
        t = time.perf_counter()
        os.kill(self.pid, signal.SIGTERM)
        if wait_exit(self.pid, STOP_TIMEOUT):
            self.pid = None
            return time.perf_counter() - t
        self.kill()
        return None

    def kill(self):
        """SIGKILL the server and anything left in its process group."""
        if self.pid is not None and alive(self.pid):
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            wait_exit(self.pid, 10)
        self.pid = None
        if self.pgid is not None:
            try:
                os.killpg(self.pgid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.pgid = None

    def cleanup(self):
        self.kill()
        if self.proc is not None:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None


class HyperbyteDB(Server):
    name = "hyperbytedb"

    def __init__(self, binary):
        super().__init__()
        self.binary = binary

    def _launch(self):
        if not (os.path.isfile(self.binary) and os.access(self.binary, os.X_OK)):
            raise BenchFailure("%s not found or not executable (run `make` first)" % self.binary)
        env = dict(os.environ)
        env.update({
            "HYPERBYTEDB__SERVER__BIND_ADDRESS": "127.0.0.1",
            "HYPERBYTEDB__SERVER__PORT": str(self.port),
            "HYPERBYTEDB__STORAGE__DIR": os.path.join(self.dir, "storage"),
            "HYPERBYTEDB__LOGGING__LEVEL": "warn",
            # compact within seconds, as influxd is told to below
            "HYPERBYTEDB__COMPACTION__INTERVAL_SECS": "2",
        })
        self.log_path = os.path.join(self.dir, "hyperbytedb.log")
        with open(self.log_path, "wb") as lf:
            self.proc = subprocess.Popen([self.binary, "serve"], env=env, cwd=self.dir,
                                         stdin=subprocess.DEVNULL, stdout=lf, stderr=lf,
                                         start_new_session=True)
        self.pid = self.pgid = self.proc.pid


class Influxd(Server):
    name = "influxd"

    def _launch(self):
        rpc = free_port()
        while rpc == self.port:
            rpc = free_port()
        data = os.path.join(self.dir, "influxd")
        self.log_path = os.path.join(data, "influxd.log")
        # The script backgrounds influxd and exits once /ping answers; as a
        # subreaper we adopt influxd.  Own session, so ^C reaches only us, and
        # influxd stays in the script's process group: cleanup() can kill it
        # even when we are interrupted before learning its pid.
        env = dict(os.environ)
        # write cold shards as fully compacted TSM within seconds instead of
        # after influxd's defaults (10 min snapshot, 4 h full compaction)
        env.update({"INFLUXDB_DATA_CACHE_SNAPSHOT_WRITE_COLD_DURATION": "1s",
                    "INFLUXDB_DATA_COMPACT_FULL_WRITE_COLD_DURATION": "2s"})
        self.proc = subprocess.Popen(["/bin/sh", INFLUXD_SCRIPT, data, str(self.port), str(rpc)],
                                     env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.pgid = self.proc.pid
        try:
            out, err = self.proc.communicate(timeout=START_TIMEOUT + 20)
        except subprocess.TimeoutExpired:
            raise BenchFailure("bench/influxd_ref.sh did not finish within %.0f s"
                               % (START_TIMEOUT + 20))
        if self.proc.returncode != 0 or not out.strip().isdigit():
            raise BenchFailure("influxd did not start:\n%s" % (err.strip() or out.strip()))
        self.pid = int(out.strip())


# ----------------------------------------------------------------- sections

def query_error(body):
    """The error text of a /query answer, or None."""
    if not isinstance(body, dict):
        return "not JSON: %s" % str(body)[:200]
    if "error" in body:
        return body["error"]
    for r in body.get("results", []):
        if "error" in r:
            return r["error"]
    return None


def section_ingest(server, ctx):
    """TSBS devops cpu-only load: W workers, keep-alive, gzipped batches."""
    ds = ctx["data"]
    st, body = server.query("CREATE DATABASE %s" % DB, method="POST")
    if st != 200 or query_error(body):
        raise BenchFailure("CREATE DATABASE %s answered %d: %s" % (DB, st, str(body)[:300]))

    bodies = ds.bodies
    path = "/write?db=%s&consistency=all" % DB   # what TSBS sends
    headers = {"Content-Encoding": "gzip", "Content-Type": "application/octet-stream"}
    lock = threading.Lock()
    nxt = [0]
    errors = []          # (batch index, status or None, text)
    workers = ctx["args"].workers
    start = threading.Barrier(workers + 1)

    def worker():
        conn = server.connect()
        try:
            conn.connect()          # not timed; a failure shows up on the first request
        except OSError:
            pass
        start.wait(timeout=60)
        while True:
            with lock:
                i = nxt[0]
                nxt[0] += 1
            if i >= len(bodies):
                break
            try:
                conn.request("POST", path, body=bodies[i], headers=headers)
                r = conn.getresponse()
                txt = r.read()
                if r.status != 204:
                    with lock:
                        errors.append((i, r.status, txt[:300].decode(errors="replace")))
            except (OSError, http.client.HTTPException) as e:
                with lock:
                    errors.append((i, None, "%s: %s" % (type(e).__name__, e)))
                conn.close()   # http.client reopens on the next request
        conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(workers)]
    for t in threads:
        t.start()
    cpu0 = proc_cpu_seconds(server.pid)
    ccpu0 = time.process_time()
    start.wait(timeout=60)
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    ccpu = time.process_time() - ccpu0
    cpu1 = proc_cpu_seconds(server.pid)
    peak = server.peak_rss()
    rss = proc_kb(server.pid, "VmRSS")
    server_alive = alive(server.pid)

    res = {
        "rows": ds.rows, "values": ds.values, "batches": len(bodies),
        "line_protocol_bytes": ds.raw_bytes, "gzip_bytes": ds.gzip_bytes,
        "wall_s": wall, "rows_per_s": ds.rows / wall, "values_per_s": ds.values / wall,
        "peak_rss_bytes": peak, "rss_after_load_bytes": rss,
        "server_cpu_s": (cpu1 - cpu0) if cpu0 is not None and cpu1 is not None else None,
        "client_cpu_s": ccpu,
        "non_204": len(errors),
        "first_error": None,
    }
    log("  loaded %d rows (%d values) in %.2f s: %.0f rows/s, %.0f values/s"
        % (ds.rows, ds.values, wall, res["rows_per_s"], res["values_per_s"]))
    log("  peak RSS (VmHWM) %s, RSS after load %s; server CPU %s, client CPU %.2f s"
        % (mb(peak), mb(rss), fmt(res["server_cpu_s"], "%.1f s"), ccpu))
    if errors:
        errors.sort()
        i, st, txt = errors[0]
        res["first_error"] = {"batch": i, "status": st, "body": txt}
        log("  FAIL: %d of %d writes not answered 204; first: batch %d -> %s %s"
            % (len(errors), len(bodies), i, st if st is not None else "no answer", txt))
    else:
        log("  all %d writes answered 204" % len(bodies))
    if not server_alive:
        raise BenchFailure("%s died during the load; its output:\n%s" % (server.name, tail(server.log_path)))

    # Informational: the rows are there (read-after-write).
    try:
        st, body = server.query("SELECT count(usage_user) FROM cpu", db=DB)
        err = query_error(body)
        if st != 200 or err:
            raise ValueError("HTTP %d: %s" % (st, err))
        n = body["results"][0]["series"][0]["values"][0][1]
        res["count_usage_user"] = n
        log("  SELECT count(usage_user): %d%s" % (n, "" if n == ds.rows else
                                                   "  WARN: expected %d" % ds.rows))
    except Exception as e:  # noqa: BLE001 -- informational only
        res["count_usage_user"] = None
        log("  SELECT count(usage_user): no usable answer (%s)" % str(e)[:200])

    if errors:
        ctx["failures"].append("%s: %d writes not answered 204" % (server.name, len(errors)))
    return res


def file_bytes(root, suffixes):
    """Apparent size of the files under root whose names end with one of suffixes."""
    total, n = 0, 0
    for dp, _, files in os.walk(root):
        for f in files:
            if f.endswith(suffixes):
                try:
                    total += os.lstat(os.path.join(dp, f)).st_size
                    n += 1
                except OSError:
                    pass
    return total, n


def hb_settled(root):
    """HyperbyteDB: the WAL holds no points and every hour has one file."""
    wal = os.path.join(root, "storage", "wal")
    wal_bytes = sum(os.path.getsize(os.path.join(wal, f)) for f in os.listdir(wal)) if os.path.isdir(wal) else 0
    data = os.path.join(root, "storage", "data")
    per_dir = {}
    for dp, _, files in os.walk(data):
        pq = [f for f in files if f.endswith(".parquet")]
        if pq:
            for f in pq:
                per_dir.setdefault((dp, f.split("_")[0]), 0)
                per_dir[(dp, f.split("_")[0])] += 1
    return bool(per_dir) and wal_bytes < 64 * 1024 and all(v == 1 for v in per_dir.values())


def influxd_settled(root):
    """influxd: the WAL is empty and every shard is one fully compacted TSM file."""
    wal_bytes, _ = file_bytes(os.path.join(root, "influxd", "wal"), (".wal",))
    shards = {}
    for dp, _, files in os.walk(os.path.join(root, "influxd", "data")):
        tsm = [f for f in files if f.endswith(".tsm")]
        tmp = [f for f in files if f.endswith(".tmp")]
        if tsm or tmp:
            shards[dp] = (len(tsm), len(tmp))
    return bool(shards) and wal_bytes == 0 and all(t == 1 and k == 0 for t, k in shards.values())


def section_disk(server, ctx):
    """Bytes on disk once flush and compaction have finished (both servers
    are told to compact cold data within seconds; see the launchers)."""
    settled = hb_settled if server.name == "hyperbytedb" else influxd_settled
    t0 = time.perf_counter()
    deadline = t0 + 300
    last, stable_since = None, None
    while time.perf_counter() < deadline:
        ok = settled(server.dir)
        size = dir_bytes(server.dir)
        if ok and size == last:
            if stable_since is None:
                stable_since = time.perf_counter()
            elif time.perf_counter() - stable_since >= 3:
                break
        else:
            stable_since = None
        last = size
        time.sleep(0.5)
    waited = time.perf_counter() - t0
    if server.name == "hyperbytedb":
        data, nfiles = file_bytes(os.path.join(server.dir, "storage", "data"), (".parquet",))
    else:
        data, nfiles = file_bytes(os.path.join(server.dir, "influxd", "data"), (".tsm", ".tsi", ".idx"))
    total = dir_bytes(server.dir)
    values = ctx["data"].values
    res = {"settled": settled(server.dir), "settle_s": waited, "data_bytes": data, "data_files": nfiles,
           "dir_bytes": total, "bytes_per_value": data / values, "peak_rss_bytes": server.peak_rss()}
    log("  on disk after flush + compaction (%.1f s to settle%s): %s in %d data files = %.3f bytes/value;"
        " whole data dir %s" % (waited, "" if res["settled"] else ", NOT settled", mb(data), nfiles,
                                res["bytes_per_value"], mb(total)))
    return res


def canonical(doc):
    """An answer in a form two servers can be compared by: floats to 10
    significant digits, rows with equal timestamps sorted (their order
    between series is not specified; docs/compatibility.md)."""
    def norm(x):
        if isinstance(x, float):
            return float("%.10g" % x)
        if isinstance(x, list):
            return [norm(v) for v in x]
        if isinstance(x, dict):
            return {k: norm(v) for k, v in x.items()}
        return x
    doc = norm(doc)
    for res in doc.get("results", []) if isinstance(doc, dict) else []:
        for ser in res.get("series") or []:
            vals = ser.get("values") or []
            out, i = [], 0
            while i < len(vals):
                j = i
                while j < len(vals) and vals[j][0] == vals[i][0]:
                    j += 1
                out += sorted(vals[i:j], key=json.dumps)
                i = j
            ser["values"] = out
    return json.dumps(doc, sort_keys=True)


def section_queries(server, ctx):
    """The TSBS query types on the loaded data: per query one warm-up and
    RUNS timed runs on one keep-alive connection (request sent to body read,
    as a client sees it; decoding the JSON is not timed); median latency
    per type, and every answer kept (canonically) to compare the servers."""
    runs = 3
    qs = ctx["queries"]
    conn = server.connect()
    res = {}
    for qtype, qlist in qs.items():
        lat, answers, errors = [], [], 0
        for q in qlist:
            st, body = server.query(q, db=DB, conn=conn)
            if st != 200 or query_error(body):
                errors += 1
            answers.append(canonical(body) if isinstance(body, dict) else str(body))
            for _ in range(runs):
                t = time.perf_counter()
                server.query_raw(q, db=DB, conn=conn)
                lat.append(time.perf_counter() - t)
        lat.sort()
        res[qtype] = {"median_ms": lat[len(lat) // 2] * 1000, "errors": errors, "answers": answers}
        log("  %-24s median %9.2f ms%s" % (qtype, res[qtype]["median_ms"],
                                           "  (%d errors)" % errors if errors else ""))
    conn.close()
    return res


def extra_queries(hosts, hours, per_type=5):
    """Query shapes beyond TSBS's, on the same data, timed like them: a
    transformation over an aggregate (each host's per-minute derivative of
    its mean, over one hour) and a subquery two levels deep (the hourly
    maximum of each host's 10-minute means, then averaged over the hosts of
    each hour)."""
    import random
    r = random.Random(tsbs_data.SEED + 2)
    span = min(4, hours) * 3600
    out = {"subquery-2level": [], "derivative-agg": []}
    for _ in range(per_type):
        s = tsbs_data.T0 + r.randrange(max(1, hours * 3600 - 3600))
        out["derivative-agg"].append(
            "SELECT derivative(mean(usage_user), 1m) FROM cpu WHERE time >= '%s' AND time < '%s' "
            "GROUP BY time(1m), hostname" % (tsbs_data._rfc(s), tsbs_data._rfc(s + 3600)))
    for _ in range(per_type):
        s = tsbs_data.T0 + r.randrange(max(1, hours * 3600 - span))
        w = "time >= '%s' AND time < '%s'" % (tsbs_data._rfc(s), tsbs_data._rfc(s + span))
        out["subquery-2level"].append(
            "SELECT mean(m) FROM (SELECT max(a) AS m FROM (SELECT mean(usage_user) AS a FROM cpu WHERE %s "
            "GROUP BY time(10m), hostname) WHERE %s GROUP BY time(1h), hostname) WHERE %s GROUP BY time(1h)"
            % (w, w, w))
    return out


SERVER_SECTIONS = [
    ("ingest", "running", section_ingest),
    ("disk", "running", section_disk),
    ("queries", "running", section_queries),
]


def global_parse(ctx):
    """The C line-protocol parse microbenchmark, if built."""
    if not os.access(PARSE_BIN, os.X_OK):
        log("parse: %s not built; skipped" % os.path.relpath(PARSE_BIN, ROOT))
        return {"status": "skipped"}
    try:
        r = subprocess.run([PARSE_BIN], cwd=ROOT, capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        log("parse: %s timed out" % PARSE_BIN)
        return {"status": "failed", "error": "timeout"}
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("parse:")]
    out = lines or r.stdout.strip().splitlines()[-1:] or ["(no output)"]
    for ln in out:
        log(ln)
    res = {"status": "ok" if r.returncode == 0 else "failed", "exit": r.returncode,
           "output": r.stdout.strip()[-2000:], "mb_per_s": None}
    if r.returncode != 0:
        log("parse: WARN: exit status %d; stderr: %s" % (r.returncode, r.stderr.strip()[-500:]))
    m = re.search(r"parse:\s*([0-9.]+)\s*MB/s", "\n".join(lines))
    if m:
        res["mb_per_s"] = float(m.group(1))
    return res


def global_flush(ctx):
    """The C flush microbenchmark (memtable -> sorted batches -> Parquet files), if built."""
    if not os.access(FLUSH_BIN, os.X_OK):
        log("flush: %s not built; skipped" % os.path.relpath(FLUSH_BIN, ROOT))
        return {"status": "skipped"}
    try:
        r = subprocess.run([FLUSH_BIN], cwd=ROOT, capture_output=True, text=True, timeout=900)
    except subprocess.TimeoutExpired:
        log("flush: %s timed out" % FLUSH_BIN)
        return {"status": "failed", "error": "timeout"}
    lines = [ln for ln in r.stdout.splitlines() if ln.startswith("flush:")]
    for ln in lines or ["(no output)"]:
        log(ln)
    res = {"status": "ok" if r.returncode == 0 else "failed", "exit": r.returncode, "rows_per_s": None,
           "bytes_per_value": None}
    m = re.search(r"flush:\s*([0-9.]+)\s*rows/s,\s*([0-9.]+)\s*bytes/value", "\n".join(lines))
    if m:
        res["rows_per_s"], res["bytes_per_value"] = float(m.group(1)), float(m.group(2))
    return res


GLOBAL_SECTIONS = [
    ("parse", global_parse),
    ("flush", global_flush),
]


# ---------------------------------------------------------------- the run

def mb(n):
    return "n/a" if n is None else "%.1f MB" % (n / 1048576)


def fmt(v, f):
    return "n/a" if v is None else f % v


def run_server(server, ctx):
    """Start, run the sections, stop, clean up; results dict for the server."""
    res = {"status": "ok"}
    log()
    log("== %s" % server.name)
    try:
        t = time.perf_counter()
        server.start()
        res["start_s"] = time.perf_counter() - t
        res["version"] = server.version
        res["port"] = server.port
        log("  up on %s (pid %d, version %s) in %.2f s"
            % (server.url(), server.pid, server.version, res["start_s"]))
        for name, phase, fn in SERVER_SECTIONS:
            if phase == "running":
                res[name] = fn(server, ctx)
        shutdown = server.stop()
        res["shutdown_s"] = shutdown
        if shutdown is None:
            log("  WARN: did not exit within %.0f s of SIGTERM; killed" % STOP_TIMEOUT)
        else:
            log("  shutdown (SIGTERM to exit): %.2f s" % shutdown)
        for name, phase, fn in SERVER_SECTIONS:
            if phase == "stopped":
                res[name] = fn(server, ctx)
    except BenchFailure as e:
        res["status"] = "failed"
        res["error"] = str(e)
        ctx["failures"].append("%s: %s" % (server.name, str(e).splitlines()[0]))
        log("  FAIL: %s" % e)
    finally:
        server.cleanup()
    return res


def ratio(a, b):
    return a / b if a is not None and b else None


def target_line(label, value, ok_fn, goal):
    if value is None:
        log("  n/a   %-44s (%s)" % (label, goal))
        return None
    ok = ok_fn(value)
    log("  %-5s %-44s %s" % ("PASS" if ok else "MISS", label + ": %.2f" % value, "(" + goal + ")"))
    return ok


def summarize(ctx, results):
    servers = results["servers"]
    log()
    log("== summary: TSBS devops cpu-only, %d hosts x %d h = %d rows, batch %d, %d workers, gzip 1"
        % (ctx["args"].hosts, ctx["args"].hours, ctx["data"].rows, ctx["args"].batch,
           ctx["args"].workers))
    hdr = "%-12s %12s %13s %9s %12s %8s %11s" % ("server", "rows/s", "values/s", "wall s",
                                                   "peak RSS", "non-204", "shutdown s")
    log(hdr)
    log("-" * len(hdr))
    for name, r in servers.items():
        ing = r.get("ingest")
        if r["status"] != "ok" or not ing:
            log("%-12s %s" % (name, r["status"] + (": " + r["error"].splitlines()[0]
                                                   if r.get("error") else "")))
            continue
        log("%-12s %12.0f %13.0f %9.2f %12s %8d %11s%s" % (
            name, ing["rows_per_s"], ing["values_per_s"], ing["wall_s"], mb(ing["peak_rss_bytes"]),
            ing["non_204"], fmt(r.get("shutdown_s"), "%.2f"),
            "  (writes failed: not comparable)" if ing["non_204"] else ""))
    parse = results.get("parse") or {}
    if parse.get("mb_per_s") is not None:
        log("parse microbenchmark: %.0f MB/s" % parse["mb_per_s"])
    flush = results.get("flush") or {}
    if flush.get("rows_per_s") is not None:
        log("flush microbenchmark: %.0f rows/s (one core), %.3f bytes/value in Parquet"
            % (flush["rows_per_s"], flush["bytes_per_value"]))
    for name, r in servers.items():
        d = r.get("disk")
        if d:
            log("on disk %-12s %.3f bytes/value (%s in %d files; whole dir %s; settled in %.1f s%s)" % (
                name, d["bytes_per_value"], mb(d["data_bytes"]), d["data_files"], mb(d["dir_bytes"]),
                d["settle_s"], "" if d["settled"] else ", NOT settled"))

    def ing(name, key):
        """A figure of a server's load, None unless every write got 204."""
        r = servers.get(name)
        if not r or r["status"] != "ok" or "ingest" not in r or r["ingest"]["non_204"]:
            return None
        return r["ingest"].get(key)

    rows_ratio = ratio(ing("hyperbytedb", "rows_per_s"), ing("influxd", "rows_per_s"))
    rss_ratio = ratio(ing("influxd", "peak_rss_bytes"), ing("hyperbytedb", "peak_rss_bytes"))

    def disk(name):
        d = (servers.get(name) or {}).get("disk") or {}
        return d.get("bytes_per_value") if d.get("settled") else None
    hb_bpv = disk("hyperbytedb")
    disk_ratio = ratio(disk("influxd"), hb_bpv)
    results["ratios"] = {"rows_per_s_hyperbytedb_over_influxd": rows_ratio,
                         "peak_rss_influxd_over_hyperbytedb": rss_ratio,
                         "bytes_per_value_influxd_over_hyperbytedb": disk_ratio}
    hq = (servers.get("hyperbytedb") or {}).get("queries") or {}
    iq = (servers.get("influxd") or {}).get("queries") or {}
    qratios = {}
    if hq:
        log()
        log("%-24s %12s %12s %8s %10s" % ("TSBS query", "HyperbyteDB", "influxd", "ratio", "answers"))
        for qtype, h in hq.items():
            i = iq.get(qtype)
            same_n = sum(1 for a, b in zip(h["answers"], i["answers"]) if a == b) if i else 0
            ratio_q = i["median_ms"] / h["median_ms"] if i and h["median_ms"] else None
            qratios[qtype] = {"ratio": ratio_q, "identical": same_n, "queries": len(h["answers"])}
            log("%-24s %9.2f ms %9s ms %8s %10s" % (
                qtype, h["median_ms"], "%.2f" % i["median_ms"] if i else "n/a",
                "%.1fx" % ratio_q if ratio_q else "n/a",
                "%d/%d same" % (same_n, len(h["answers"])) if i else "n/a"))
    results["query_ratios"] = qratios
    log()
    log("ratios and targets (informational):")
    results["targets"] = {
        "ingest_4x": target_line("ingest rows/s HyperbyteDB/influxd", rows_ratio,
                                 lambda v: v >= TARGET_INGEST, "target >= %.0fx" % TARGET_INGEST),
        "rss_half": target_line("peak RSS influxd/HyperbyteDB", rss_ratio,
                                lambda v: v >= 1 / TARGET_RSS,
                                "target HyperbyteDB <= %.1fx influxd, i.e. >= %.0f"
                                % (TARGET_RSS, 1 / TARGET_RSS)),
        "parse_500": target_line("parse MB/s per core", parse.get("mb_per_s"),
                                 lambda v: v >= TARGET_PARSE, "target >= %.0f" % TARGET_PARSE),
        "parquet_bytes_per_value": target_line("bytes/value on disk after compaction", hb_bpv,
                                               lambda v: v <= 0.6, "target <= 0.6"),
        "disk_vs_influxd": target_line("bytes on disk influxd/HyperbyteDB", disk_ratio,
                                       lambda v: v >= 1.0, "target >= 1"),
        "flush_rows_per_s": target_line("flush rows/s (one core)", flush.get("rows_per_s"),
                                        lambda v: v >= 1e6, "target >= 1M"),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--hosts", type=int, default=100, help="TSBS scale: hosts (default 100)")
    ap.add_argument("--hours", type=int, default=12, help="hours of data at 10 s (default 12)")
    ap.add_argument("--workers", type=int, default=2, help="client connections (default 2)")
    ap.add_argument("--batch", type=int, default=10000, help="lines per write (default 10000)")
    ap.add_argument("--only", choices=["hyperbytedb", "influxd"], help="run one server only")
    ap.add_argument("--binary", default=HB_BIN, help="HyperbyteDB binary (default build/hyperbytedb)")
    ap.add_argument("--results", default=RESULTS, help="JSON output (default build/bench-results.json)")
    args = ap.parse_args()
    if min(args.hosts, args.hours, args.workers, args.batch) < 1:
        ap.error("--hosts, --hours, --workers and --batch must be >= 1")

    def on_term(signum, frame):
        raise Interrupted()
    signal.signal(signal.SIGTERM, on_term)
    become_subreaper()

    queries = tsbs_data.queries(args.hosts, args.hours, per_type=5)
    queries.update(extra_queries(args.hosts, args.hours, per_type=5))
    ctx = {"args": args, "failures": [], "queries": queries}
    results = {
        "benchmark": "tsbs-devops-cpu-only",
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"cpus": os.cpu_count(), "kernel": platform.release(),
                    "python": platform.python_version()},
        "params": {"hosts": args.hosts, "hours": args.hours, "workers": args.workers,
                   "batch": args.batch, "gzip_level": 1, "db": DB},
        "servers": {},
    }

    log("HyperbyteDB bench: TSBS devops cpu-only ingest, %d hosts x %d h, batch %d, %d workers"
        % (args.hosts, args.hours, args.batch, args.workers))
    ctx["data"] = tsbs_data.load(CACHE_DIR, args.hosts, args.hours, args.batch, 1, log=log)
    results["params"].update(rows=ctx["data"].rows, values=ctx["data"].values,
                             line_protocol_bytes=ctx["data"].raw_bytes,
                             gzip_bytes=ctx["data"].gzip_bytes)

    servers = []
    if args.only in (None, "hyperbytedb"):
        servers.append(HyperbyteDB(args.binary))
    if args.only == "influxd" or (args.only is None and shutil.which("influxd")):
        servers.append(Influxd())
    elif args.only is None:
        log("influxd is not on PATH (Debian package influxdb): no side-by-side figures")

    current = None
    try:
        for s in servers:
            current = s
            results["servers"][s.name] = run_server(s, ctx)
        current = None
        log()
        for name, fn in GLOBAL_SECTIONS:
            results[name] = fn(ctx)
        summarize(ctx, results)
    except (KeyboardInterrupt, Interrupted):
        log("\ninterrupted; stopping servers")
        if current is not None:
            current.cleanup()
        return 130
    finally:
        for s in servers:
            s.cleanup()

    results["failures"] = ctx["failures"]
    results["ok"] = not ctx["failures"]
    for r in results["servers"].values():   # the answers were only kept for the comparison
        for q in (r.get("queries") or {}).values():
            q.pop("answers", None)
    try:
        os.makedirs(os.path.dirname(os.path.abspath(args.results)), exist_ok=True)
        with open(args.results, "w") as f:
            json.dump(results, f, indent=2, sort_keys=True)
            f.write("\n")
        log()
        log("results written to %s" % args.results)
    except OSError as e:
        log("could not write %s: %s" % (args.results, e))
    if ctx["failures"]:
        log("FAILED: " + "; ".join(ctx["failures"]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
