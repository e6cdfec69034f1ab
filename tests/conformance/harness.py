"""Conformance suite machinery shared by record.py, test_conformance.py and
update_expected.py: the case-file parser, the HTTP client that replays one
step, the golden-file format, the answer comparison, and launchers for the
reference influxd and for build/hyperbytedb.

Case files (tests/conformance/cases/*.case, UTF-8) hold cases:

  @name NAME                     starts a case; every case runs on a fresh
                                 server state (the runner drops every
                                 database before it)
  @write db=D [precision=P] [rp=R]
  line protocol ...              the body: every line up to the next '@' line
                                 (trailing empty lines removed)
  @query [db=D] [rp=R] [epoch=E] [chunked] [chunk_size=N] [csv] [pretty]
         [method=POST] [params=JSON] [status] [noorder]
  QUERY                          exactly one line (may hold several ';'
                                 separated statements)
  @sleep S                       wait S seconds
  # comment                      ignored outside write bodies

Options are separated by blanks; their values are percent-decoded
(db=n%20db names the database "n db"; a params JSON object may spell a
blank as %20).  method defaults to GET; with POST, q, db, rp and params go
in a form body, while epoch, pretty and chunked/chunk_size stay in the URL
as clients send them.  'status' compares only the status and whether an
error is present; 'noorder' compares series and rows as multisets.

Step ids, used in golden files and in expected_failures.txt:
  FILE:CASE:qN   the N-th @query of the case (1-based)
  FILE:CASE:wN   the N-th @write of the case (1-based)
where FILE is the case file name without '.case'.
"""
import hashlib
import http.client
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CASES_DIR = os.path.join(HERE, "cases")
GOLDEN_DIR = os.path.join(HERE, "golden")
EXPECTED_FILE = os.path.join(HERE, "expected_failures.txt")

# Response headers recorded in goldens and compared on replay.
HEADERS = ("Content-Type", "X-Influxdb-Error")

KNOWN_OPTS = {
    "write": {"db", "precision", "rp"},
    "query": {"db", "rp", "epoch", "chunked", "chunk_size", "csv", "pretty", "method",
              "params", "status", "noorder"},
}


class CaseError(Exception):
    pass


# ---------------------------------------------------------------- parsing

def case_files(names=None):
    """Paths of the case files, sorted; names restricts to those base names
    (with or without '.case')."""
    files = sorted(f for f in os.listdir(CASES_DIR) if f.endswith(".case"))
    if names:
        want = {n[:-5] if n.endswith(".case") else os.path.basename(n) for n in names}
        want = {w[:-5] if w.endswith(".case") else w for w in want}
        missing = want - {f[:-5] for f in files}
        if missing:
            raise CaseError("no such case file: %s" % ", ".join(sorted(missing)))
        files = [f for f in files if f[:-5] in want]
    return [os.path.join(CASES_DIR, f) for f in files]


def file_key(path):
    return os.path.basename(path)[:-5] if path.endswith(".case") else os.path.basename(path)


def parse_cases(path):
    """[{name, steps: [{kind, id, opts, payload, line}]}] for one case file."""
    key = file_key(path)
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    cases, cur, names = [], None, set()
    counters = {}

    def where(n):
        return "%s:%d" % (os.path.basename(path), n)

    def new(name, n):
        if not name or any(c in name for c in " :\t"):
            raise CaseError("%s: case name %r must be non-empty without blanks or ':'" % (where(n), name))
        if name in names:
            raise CaseError("%s: duplicate case name %r" % (where(n), name))
        names.add(name)
        counters.clear()
        c = {"name": name, "steps": []}
        cases.append(c)
        return c

    i = 0
    while i < len(lines):
        ln = lines[i]
        i += 1
        lineno = i
        if not ln.startswith("@"):
            if ln.strip() and not ln.startswith("#"):
                raise CaseError("%s: text outside a step: %r" % (where(lineno), ln[:80]))
            continue
        parts = ln[1:].split()
        kind, opts = (parts[0] if parts else ""), {}
        for p in parts[1:]:
            k, eq, v = p.partition("=")
            opts[k] = urllib.parse.unquote(v) if eq else True
        if kind == "name":
            cur = new(" ".join(parts[1:]), lineno)
            continue
        if kind not in ("write", "query", "sleep"):
            raise CaseError("%s: unknown directive @%s" % (where(lineno), kind))
        if cur is None:
            raise CaseError("%s: step before the first @name" % where(lineno))
        if kind in KNOWN_OPTS:
            bad = set(opts) - KNOWN_OPTS[kind]
            if bad:
                raise CaseError("%s: unknown option(s) %s" % (where(lineno), ", ".join(sorted(bad))))
        if kind == "write":
            body = []
            while i < len(lines) and not lines[i].startswith("@"):
                body.append(lines[i])
                i += 1
            while body and body[-1] == "":
                body.pop()
            payload = "\n".join(body)
        elif kind == "query":
            while i < len(lines) and (lines[i].strip() == "" or lines[i].startswith("#")):
                i += 1
            if i >= len(lines) or lines[i].startswith("@"):
                raise CaseError("%s: @query without a query line" % where(lineno))
            payload = lines[i]
            i += 1
            if "params" in opts:
                try:
                    json.loads(opts["params"])
                except ValueError:
                    pass  # deliberately broken params are allowed
        else:
            try:
                payload = float(parts[1])
            except (IndexError, ValueError):
                raise CaseError("%s: @sleep needs seconds" % where(lineno))
        if kind == "sleep":
            sid = None
        else:
            c = kind[0]
            counters[c] = counters.get(c, 0) + 1
            sid = "%s:%s:%s%d" % (key, cur["name"], c, counters[c])
        cur["steps"].append({"kind": kind, "id": sid, "opts": opts, "payload": payload, "line": lineno})
    return cases


# ---------------------------------------------------------------- HTTP

def request(base, method, path, params=None, body=None, headers=None, timeout=60):
    """(status, body bytes, headers); status -1 when there is no answer."""
    url = base + path
    if params:
        url += "?" + urllib.parse.urlencode(params)
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read(), r.headers
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers
    except (OSError, http.client.HTTPException) as e:  # refused, reset, timeout
        return -1, ("%s: %s" % (type(e).__name__, e)).encode(), {}


def run_step(base, step):
    """Sends one @write or @query; returns {status, headers, body(str)}."""
    opts, payload = step["opts"], step["payload"]
    if step["kind"] == "write":
        params = {"db": opts.get("db", "")}
        for k in ("precision", "rp"):
            if k in opts:
                params[k] = opts[k]
        st, body, hdr = request(base, "POST", "/write", params, payload.encode("utf-8"))
    else:
        form = {"q": payload}
        url = {}
        if opts.get("db"):
            form["db"] = opts["db"]
        if "rp" in opts:
            form["rp"] = opts["rp"]
        if "params" in opts:
            form["params"] = opts["params"]
        if "epoch" in opts:
            url["epoch"] = opts["epoch"]
        if "pretty" in opts:
            url["pretty"] = "true"
        if "chunked" in opts:
            url["chunked"] = "true"
        if "chunk_size" in opts:
            url["chunk_size"] = opts["chunk_size"]
        headers = {"Accept": "application/csv"} if "csv" in opts else {}
        if opts.get("method", "GET").upper() == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            st, body, hdr = request(base, "POST", "/query", url, urllib.parse.urlencode(form).encode(), headers)
        else:
            url.update(form)
            st, body, hdr = request(base, "GET", "/query", url, None, headers)
    rec = {"status": st, "headers": {}, "body": body.decode("utf-8", "replace")}
    for h in HEADERS:
        v = hdr.get(h) if hdr else None
        if v is not None:
            rec["headers"][h] = v
    return rec


def reset(base):
    """Drops every database, so the next case starts from nothing."""
    st, body, _ = request(base, "POST", "/query", {"q": "SHOW DATABASES"})
    if st != 200:
        raise RuntimeError("SHOW DATABASES answered %d: %s" % (st, body[:300]))
    doc = json.loads(body)
    names = []
    for s in doc["results"][0].get("series", []):
        names += [row[0] for row in s.get("values") or []]
    for n in names:
        q = 'DROP DATABASE "%s"' % n.replace("\\", "\\\\").replace('"', '\\"')
        st, body, _ = request(base, "POST", "/query", {"q": q})
        if st != 200 or b'"error"' in body:
            raise RuntimeError("%s answered %d: %s" % (q, st, body[:300]))


def run_file(base, path, only_cases=None):
    """Runs every case of a file; yields (case, step, answer)."""
    for case in parse_cases(path):
        if only_cases and case["name"] not in only_cases:
            continue
        reset(base)
        for step in case["steps"]:
            if step["kind"] == "sleep":
                time.sleep(step["payload"])
                continue
            yield case, step, run_step(base, step)


# ---------------------------------------------------------------- goldens

def golden_path(case_path):
    return os.path.join(GOLDEN_DIR, file_key(case_path) + ".json")


def load_golden(case_path):
    with open(golden_path(case_path), encoding="utf-8") as f:
        doc = json.load(f)
    return {s["id"]: s for s in doc["steps"]}


def describe(step):
    d = {"id": step["id"], "kind": step["kind"]}
    if step["kind"] == "write":
        d["request"] = dict(step["opts"], body_sha1=hashlib.sha1(step["payload"].encode("utf-8")).hexdigest())
    else:
        d["request"] = dict(step["opts"], q=step["payload"])
    return d


# ---------------------------------------------------------------- comparison

def num_close(a, b):
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    if a == b:
        return True
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b))


def same(a, b):
    """Structural JSON equality: object key order free, array order fixed,
    numbers equal (integers exactly, otherwise to 1e-9 relative)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return num_close(a, b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) == type(b) and a == b


def unordered(doc):
    """For 'noorder': series and rows sorted into a canonical order."""
    if not isinstance(doc, dict):
        return doc
    for res in doc.get("results", []) or []:
        if not isinstance(res, dict):
            continue
        for s in res.get("series", []) or []:
            if isinstance(s, dict) and isinstance(s.get("values"), list):
                s["values"] = sorted(s["values"], key=lambda r: json.dumps(r, sort_keys=True))
        if isinstance(res.get("series"), list):
            res["series"].sort(key=lambda s: json.dumps(s, sort_keys=True))
    return doc


def json_stream(text):
    """A chunked answer is several JSON documents, one per line."""
    dec, out, pos = json.JSONDecoder(), [], 0
    text = text.strip()
    while pos < len(text):
        doc, end = dec.raw_decode(text, pos)
        out.append(doc)
        pos = end
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


def has_error(docs):
    def walk(x):
        if isinstance(x, dict):
            return "error" in x or any(walk(v) for v in x.values())
        if isinstance(x, list):
            return any(walk(v) for v in x)
        return False
    return walk(docs)


def compare(step, want, got):
    """None when got matches the golden answer want, else a short reason."""
    opts = step["opts"]
    if want["status"] != got["status"]:
        return "status %s, expected %s" % (got["status"], want["status"])
    for h in HEADERS:
        if want["headers"].get(h) != got["headers"].get(h):
            return "header %s: %r, expected %r" % (h, got["headers"].get(h), want["headers"].get(h))
    wb, gb = want["body"], got["body"]
    if wb == gb:
        return None
    if "status" in opts:
        try:
            ok = has_error(json_stream(wb)) == has_error(json_stream(gb))
        except ValueError:
            ok = wb.strip() == gb.strip()
        return None if ok else "error presence differs"
    if "csv" in opts or "pretty" in opts:
        return None if wb.strip() == gb.strip() else "body text differs"
    if not wb.strip() and not gb.strip():
        return None
    try:
        wd = json_stream(wb)
    except ValueError:
        return None if wb.strip() == gb.strip() else "body text differs"
    try:
        gd = json_stream(gb)
    except ValueError as e:
        return "body is not JSON (%s)" % e
    if "noorder" in opts:
        wd, gd = [unordered(d) for d in wd], [unordered(d) for d in gd]
    if len(wd) != len(gd):
        return "%d JSON documents (chunks), expected %d" % (len(gd), len(wd))
    for n, (w, g) in enumerate(zip(wd, gd)):
        if not same(w, g):
            # Rows of one output series with the same timestamp (points of
            # different series) come out of influxd in the order its
            # internal merge happens to produce, which depends on the
            # number of CPUs; HyperbyteDB orders them by series key
            # (docs/compatibility.md). Only such permutations are accepted:
            # any other difference, or a LIMIT that cuts a run differently,
            # still fails.
            if same(tie_sorted(w), tie_sorted(g)):
                continue
            return "body differs" if len(wd) == 1 else "chunk %d differs" % (n + 1)
    return None


def tie_sorted(doc):
    """A copy of doc where each run of rows with the same time is sorted
    (the tie order of rows from different series is not compared)."""
    doc = json.loads(json.dumps(doc))
    for res in doc.get("results", []) if isinstance(doc, dict) else []:
        for s in (res.get("series") or []) if isinstance(res, dict) else []:
            vals = s.get("values") if isinstance(s, dict) else None
            if not isinstance(vals, list) or not vals or not all(isinstance(r, list) and r for r in vals):
                continue
            out, i = [], 0
            while i < len(vals):
                j = i
                while j < len(vals) and vals[j][0] == vals[i][0]:
                    j += 1
                out += sorted(vals[i:j], key=lambda r: json.dumps(r))
                i = j
            s["values"] = out
    return doc


def clip(s, n=1500):
    s = s.rstrip("\n")
    return s if len(s) <= n else s[:n] + "... (%d more characters)" % (len(s) - n)


def report(step, want, got, why):
    q = step["payload"] if step["kind"] == "query" else step["payload"][:300]
    return "\n".join([
        "MISMATCH %s (line %d): %s" % (step["id"], step["line"], why),
        "  %s %s" % (step["kind"], " ".join(k if v is True else "%s=%s" % (k, v) for k, v in step["opts"].items())),
        "  " + clip(q, 600).replace("\n", "\n  "),
        "  expected %d %s" % (want["status"], clip(want["body"])),
        "  got      %d %s" % (got["status"], clip(got["body"])),
    ])


# ---------------------------------------------------------------- expected failures

def load_expected(path=EXPECTED_FILE):
    ids = []
    if not os.path.exists(path):
        return ids
    with open(path, encoding="utf-8") as f:
        for ln in f:
            ln = ln.strip()
            if ln and not ln.startswith("#"):
                ids.append(ln)
    return ids


EXPECTED_HEADER = """\
# Conformance steps (FILE:CASE:qN / FILE:CASE:wN, see tests/conformance/README.md)
# whose answer from build/hyperbytedb does not match the golden answer recorded
# from InfluxDB 1.6.7 yet.
#
# The rule is strict both ways: `make conformance` fails when a step NOT listed
# here mismatches, and also when a step listed here MATCHES (remove it: the list
# only shrinks and is never stale).  After engine work, regenerate it with
#   /usr/bin/python3 tests/conformance/update_expected.py
# and review the diff: lines may only disappear.
"""


def write_expected(ids, path=EXPECTED_FILE):
    with open(path, "w", encoding="utf-8") as f:
        f.write(EXPECTED_HEADER)
        for i in ids:
            f.write(i + "\n")


def all_step_ids(paths=None):
    ids = []
    for p in paths or case_files():
        for c in parse_cases(p):
            ids += [s["id"] for s in c["steps"] if s["id"]]
    return ids


# ---------------------------------------------------------------- servers

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ping(base, proc, timeout, logpath):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            break
        try:
            if request(base, "GET", "/ping", timeout=2)[0] == 204:
                return
        except OSError:
            pass
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    with open(logpath, "rb") as f:
        tail = f.read()[-3000:].decode("utf-8", "replace")
    raise RuntimeError("%s did not answer /ping:\n%s" % (base, tail))


# Deterministic reference: no retention enforcement, no shard precreation,
# no _internal database, no continuous queries, no query timeout or limits.
INFLUXD_CONF = """\
reporting-enabled = false
bind-address = "127.0.0.1:{rpc}"
[meta]
  dir = "{dir}/meta"
  logging-enabled = false
[data]
  dir = "{dir}/data"
  wal-dir = "{dir}/wal"
  wal-fsync-delay = "0s"
  index-version = "inmem"
  query-log-enabled = false
  trace-logging-enabled = false
  max-series-per-database = 0
  max-values-per-tag = 0
[coordinator]
  query-timeout = "0s"
  log-queries-after = "0s"
  max-select-point = 0
  max-select-series = 0
  max-select-buckets = 0
[retention]
  enabled = false
[shard-precreation]
  enabled = false
[monitor]
  store-enabled = false
[subscriber]
  enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:{http}"
  auth-enabled = false
  log-enabled = false
  write-tracing = false
  flux-enabled = false
  max-row-limit = 0
  max-connection-limit = 0
[logging]
  level = "warn"
  suppress-logo = true
[continuous_queries]
  enabled = false
"""


class Proc:
    """A server process on loopback with a throwaway directory."""

    def __init__(self, kind, binary=None):
        self.kind = kind
        self.dir = tempfile.mkdtemp(prefix="hbconf-%s-" % kind)
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.log = os.path.join(self.dir, "server.log")
        self.binary = binary
        self.proc = None

    def start(self):
        logf = open(self.log, "wb")
        if self.kind == "influxd":
            exe = self.binary or shutil.which("influxd")
            if not exe:
                raise RuntimeError("influxd (Debian package influxdb) is required: run scripts/install-deps.sh")
            conf = os.path.join(self.dir, "influxdb.conf")
            with open(conf, "w") as f:
                f.write(INFLUXD_CONF.format(dir=self.dir, http=self.port, rpc=free_port()))
            args, env = [exe, "run", "-config", conf], dict(os.environ, TZ="UTC")
        else:
            exe = self.binary or os.environ.get("HB_BINARY") or os.path.join(ROOT, "build", "hyperbytedb")
            args = [exe, "serve"]
            env = {k: v for k, v in os.environ.items() if not k.startswith("HYPERBYTEDB__")}
            env.update({
                "HYPERBYTEDB__SERVER__PORT": str(self.port),
                "HYPERBYTEDB__SERVER__BIND_ADDRESS": "127.0.0.1",
                "HYPERBYTEDB__STORAGE__DIR": os.path.join(self.dir, "storage"),
                "HYPERBYTEDB__LOGGING__LEVEL": "warn",
            })
        self.proc = subprocess.Popen(args, env=env, stdout=logf, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        logf.close()
        wait_ping(self.base, self.proc, 30, self.log)
        return self

    def stop(self):
        rc = None
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            rc = self.proc.returncode
        return rc

    def read_log(self):
        try:
            with open(self.log, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)
