"""Black-box test harness: starts the real build/hyperbytedb on a free port
with a temporary data directory, and (once per session) the reference
InfluxDB 1.x from Debian's influxdb package, so answers can be compared."""
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

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("HB_BINARY", os.path.join(ROOT, "build", "hyperbytedb"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Response:
    def __init__(self, status, body, headers):
        self.status, self.body, self.headers = status, body, headers

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        import json
        return json.loads(self.body)

    def __repr__(self):
        return "Response(%d, %r)" % (self.status, self.body[:300])


def request(base, method, path, params=None, body=None, headers=None, timeout=60):
    url = base + path
    if params:
        url += "?" + urllib.parse.urlencode(params)
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return Response(r.status, r.read(), dict(r.headers))
    except urllib.error.HTTPError as e:
        return Response(e.code, e.read(), dict(e.headers))


class Endpoint:
    """Anything answering the InfluxDB 1.x HTTP API."""

    def __init__(self, base):
        self.base = base

    def get(self, path, params=None, headers=None):
        return request(self.base, "GET", path, params, None, headers)

    def post(self, path, params=None, body=b"", headers=None):
        if isinstance(body, str):
            body = body.encode()
        return request(self.base, "POST", path, params, body, headers)

    def write(self, db, body, headers=None, **params):
        p = {"db": db} if db is not None else {}
        p.update(params)
        return self.post("/write", p, body, headers)

    def query(self, q, method="POST", **params):
        p = {"q": q}
        p.update(params)
        if method == "GET":
            return self.get("/query", p)
        body = urllib.parse.urlencode(p).encode()
        return self.post("/query", None, body, {"Content-Type": "application/x-www-form-urlencoded"})


class Server(Endpoint):
    """A HyperbyteDB process. Extra config through env overrides."""

    def __init__(self, data_dir, env=None, config=None):
        self.port = free_port()
        super().__init__("http://127.0.0.1:%d" % self.port)
        self.data_dir = data_dir
        self.env = dict(env or {})
        self.config = config
        self.proc = None
        self.log_path = os.path.join(data_dir, "server.log")

    def environment(self):
        e = {k: v for k, v in os.environ.items() if not k.startswith("HYPERBYTEDB__")}
        e.update({
            "HYPERBYTEDB__SERVER__PORT": str(self.port),
            "HYPERBYTEDB__SERVER__BIND_ADDRESS": "127.0.0.1",
            "HYPERBYTEDB__STORAGE__DIR": os.path.join(self.data_dir, "storage"),
            "HYPERBYTEDB__LOGGING__LEVEL": "info",
        })
        e.update(self.env)
        return e

    def start(self, wait=True):
        args = [BINARY]
        if self.config:
            args += ["-c", self.config]
        args.append("serve")
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, env=self.environment(), stdout=self.log, stderr=subprocess.STDOUT)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("server exited with %d:\n%s" % (self.proc.returncode, self.read_log()))
            try:
                if request(self.base, "GET", "/ping", timeout=2).status == 204:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("server did not answer /ping:\n" + self.read_log())

    def read_log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if not self.proc or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("the server did not exit within %d s of signal %d; its log ends:\n%s"
                                 % (timeout, sig, self.read_log()[-3000:]))
        finally:
            self.log.close()
        return self.proc.returncode

    def kill9(self):
        return self.stop(signal.SIGKILL)

    def export(self, db, rp=None):
        p = {"db": db}
        if rp:
            p["rp"] = rp
        r = self.get("/debug/export", p)
        assert r.status == 200, r
        return [ln for ln in r.text.split("\n") if ln]


@pytest.fixture
def data_dir():
    d = tempfile.mkdtemp(prefix="hbtest-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def server(data_dir):
    s = Server(data_dir).start()
    yield s
    s.stop()


@pytest.fixture
def make_server(data_dir):
    """Factory for tests that restart servers or need special configuration."""
    made = []

    def make(env=None, config=None, start=True):
        s = Server(data_dir, env, config)
        made.append(s)
        return s.start() if start else s

    yield make
    for s in made:
        if s.proc and s.proc.poll() is None:
            s.proc.kill()
            s.proc.wait()


INFLUXD_CONF = """reporting-enabled = false
bind-address = "127.0.0.1:{rpc}"
[meta]
  dir = "{dir}/meta"
  logging-enabled = false
[data]
  dir = "{dir}/data"
  wal-dir = "{dir}/wal"
  query-log-enabled = false
  wal-fsync-delay = "0s"
  index-version = "inmem"
[coordinator]
  query-timeout = "0s"
[retention]
  enabled = false
[shard-precreation]
  enabled = false
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:{http}"
  auth-enabled = false
  log-enabled = false
  flux-enabled = false
[logging]
  level = "warn"
[subscriber]
  enabled = false
[continuous_queries]
  enabled = false
"""


@pytest.fixture(scope="session")
def influxd():
    """The reference InfluxDB 1.x, one per test session."""
    exe = shutil.which("influxd")
    assert exe, "influxd (Debian package influxdb) is required: run scripts/install-deps.sh"
    d = tempfile.mkdtemp(prefix="hbref-")
    http, rpc = free_port(), free_port()
    with open(os.path.join(d, "influxdb.conf"), "w") as f:
        f.write(INFLUXD_CONF.format(dir=d, http=http, rpc=rpc))
    log = open(os.path.join(d, "log"), "wb")
    proc = subprocess.Popen([exe, "run", "-config", os.path.join(d, "influxdb.conf")], stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)
    ep = Endpoint("http://127.0.0.1:%d" % http)
    deadline = time.time() + 30
    while True:
        try:
            if request(ep.base, "GET", "/ping", timeout=2).status == 204:
                break
        except OSError:
            pass
        if time.time() > deadline or proc.poll() is not None:
            proc.kill()
            raise RuntimeError("influxd did not start: " + open(os.path.join(d, "log")).read())
        time.sleep(0.1)
    yield ep
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
    shutil.rmtree(d, ignore_errors=True)
