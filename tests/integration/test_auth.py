"""Authentication and authorization with HYPERBYTEDB__AUTH__ENABLED=true.
Expected texts, statuses and headers are influxd 1.6.7's with
auth-enabled = true (checked side by side)."""
import base64
import json
import shutil
import tempfile
import urllib.parse

import pytest

from conftest import Server, request

AUTH = {"HYPERBYTEDB__AUTH__ENABLED": "true"}


def basic(user, pw):
    return {"Authorization": "Basic " + base64.b64encode(("%s:%s" % (user, pw)).encode()).decode()}


def q(srv, text, headers=None, method="POST", **params):
    p = {"q": text}
    p.update(params)
    if method == "GET":
        return srv.get("/query", p, headers)
    h = {"Content-Type": "application/x-www-form-urlencoded"}
    h.update(headers or {})
    return srv.post("/query", None, urllib.parse.urlencode(p).encode(), h)


ROOT = basic("root", "s3cret")
BOB = basic("bob", "pw")   # READ on db1, WRITE on db2
EVE = basic("eve", "pw")   # no privileges


def header(r, name):
    for k, v in r.headers.items():
        if k.lower() == name.lower():
            return v
    return None


def assert_401(r, msg):
    assert r.status == 401, r
    assert r.json() == {"error": msg}
    assert header(r, "WWW-Authenticate") == 'Basic realm="InfluxDB"'
    assert header(r, "X-Influxdb-Error") is None


def assert_403(r, msg):
    assert r.status == 403, r
    assert r.json() == {"error": msg}
    assert header(r, "X-Influxdb-Error") == msg.rstrip()


@pytest.fixture(scope="module")
def srv():
    d = tempfile.mkdtemp(prefix="hbauth-")
    s = Server(d, dict(AUTH, HYPERBYTEDB__AUTH__FAILED_LOGIN_BURST="1000")).start()
    # bootstrap: before any user exists only CREATE USER ... WITH ALL PRIVILEGES passes
    assert_403(q(s, "SHOW DATABASES"),
               "error authorizing query: create admin user first or disable authentication")
    assert_403(q(s, "CREATE USER bob WITH PASSWORD 'pw'"),
               "error authorizing query: create admin user first or disable authentication")
    r = s.write("db1", "m v=1")
    assert r.status == 404 and r.json() == {"error": 'database not found: "db1"'}
    r = q(s, "CREATE USER root WITH PASSWORD 's3cret' WITH ALL PRIVILEGES")
    assert r.status == 200 and r.json() == {"results": [{"statement_id": 0}]}
    r = q(s, "CREATE DATABASE db1; CREATE DATABASE db2; CREATE DATABASE db3; "
             "CREATE USER bob WITH PASSWORD 'pw'; CREATE USER eve WITH PASSWORD 'pw'; "
             "GRANT READ ON db1 TO bob; GRANT WRITE ON db2 TO bob", ROOT)
    assert r.status == 200 and all("error" not in x for x in r.json()["results"]), r
    for db in ("db1", "db2", "db3"):
        assert s.write(db, "m,t=a v=1 1672531200000000000", basic("root", "s3cret")).status == 204
    yield s
    s.stop()
    shutil.rmtree(d, ignore_errors=True)


def test_open_endpoints(srv):
    assert srv.get("/ping").status == 204
    assert srv.get("/health").status == 200


def test_unauthenticated_requests_are_refused(srv):
    cases = [("GET", "/query", {"q": "SHOW DATABASES"}), ("POST", "/query", {"q": "SELECT * FROM m", "db": "db1"}),
             ("POST", "/write", {"db": "db1"}), ("GET", "/debug/export", {"db": "db1"}), ("GET", "/query", None),
             ("GET", "/metrics", None), ("GET", "/api/v1/statements", None)]
    for method, path, params in cases:
        r = srv.get(path, params) if method == "GET" else srv.post(path, params, b"m v=1")
        assert_401(r, "unable to parse authentication credentials")


def test_credential_sources(srv):
    ok = {"results": [{"statement_id": 0, "series": [{"name": "databases", "columns": ["name"],
                                                       "values": [["db1"], ["db2"]]}]}]}
    assert q(srv, "SHOW DATABASES", BOB).json() == ok
    assert q(srv, "SHOW DATABASES", {"Authorization": "basic " + BOB["Authorization"][6:]}).json() == ok
    assert q(srv, "SHOW DATABASES", {"Authorization": "Token bob:pw"}).json() == ok
    assert q(srv, "SHOW DATABASES", method="GET", u="bob", p="pw").json() == ok
    assert q(srv, "SHOW DATABASES", u="bob", p="pw").json() == ok   # form body
    # u/p first: a wrong p fails even with a good Authorization header
    assert_401(q(srv, "SHOW DATABASES", BOB, method="GET", u="bob", p="bad"), "authorization failed")
    assert_401(q(srv, "SHOW DATABASES", basic("bob", "bad")), "authorization failed")
    assert_401(q(srv, "SHOW DATABASES", basic("nobody", "pw")), "authorization failed")
    assert_401(q(srv, "SHOW DATABASES", {"Authorization": "Token bob:bad"}), "authorization failed")
    assert_401(q(srv, "SHOW DATABASES", basic("", "pw")), "username required")
    assert_401(q(srv, "SHOW DATABASES", {"Authorization": "Bearer abc"}), "bearer auth disabld")


def test_malformed_authorization_headers(srv):
    bad = ["Basic !!!", "Basic " + base64.b64encode(b"bobpw").decode(),   # no colon
           "Basic Ym9iOnB3=", "Basic Ym9i OnB3", "Basic", "Basic ",
           "Token bobpw", "Digest x", "Basic " + "A" * 100000,
           "Basic " + base64.b64encode(b"bob:pw").decode() + "==",
           "Basic " + base64.b64encode(b"bob\x00:pw").decode()]
    for h in bad:
        r = q(srv, "SHOW DATABASES", {"Authorization": h})
        assert r.status in (400, 401, 431), (h[:40], r)
        if r.status == 401:
            assert r.json() == {"error": "unable to parse authentication credentials"}, h[:40]
    # the server is still fine
    assert q(srv, "SHOW USERS", ROOT).status == 200


def test_statement_privileges(srv):
    ns = "error authorizing query: bob not authorized to execute statement "
    refused = {
        "SELECT * FROM db2..m": "'SELECT * FROM db2..m', requires READ on db2",
        "SELECT * FROM db1..m, db3..m": "'SELECT * FROM db1..m, db3..m', requires READ on db3",
        "SELECT * FROM (SELECT * FROM db3.autogen.m)":
            "'SELECT * FROM (SELECT * FROM db3.autogen.m)', requires READ on db3",
        "SELECT * FROM (SELECT * FROM (SELECT v FROM db3..m))":
            "'SELECT * FROM (SELECT * FROM (SELECT v FROM db3..m))', requires READ on db3",
        "SELECT * INTO db1..x FROM m": "'SELECT * INTO db1..x FROM m', requires WRITE on db1",
        "SELECT * INTO db3..x FROM m": "'SELECT * INTO db3..x FROM m', requires WRITE on db3",
        "SHOW RETENTION POLICIES ON db3": "'SHOW RETENTION POLICIES ON db3', requires READ on db3",
        "SHOW MEASUREMENTS ON db3": "'SHOW MEASUREMENTS ON db3', requires READ on db3",
        "SHOW TAG KEYS ON db3": "'SHOW TAG KEYS ON db3', requires READ on db3",
        "SHOW FIELD KEYS ON db3": "'SHOW FIELD KEYS ON db3', requires READ on db3",
        "SHOW SERIES ON db3": "'SHOW SERIES ON db3', requires READ on db3",
        "SHOW SERIES CARDINALITY ON db3": "'SHOW SERIES CARDINALITY ON db3', requires READ on db3",
        "DELETE FROM m": "'DELETE FROM m', requires WRITE on db1",
        "DROP SERIES FROM m": "'DROP SERIES FROM m', requires WRITE on db1",
        "SHOW MEASUREMENTS; DROP SERIES FROM m": "'DROP SERIES FROM m', requires WRITE on db1",
    }
    admin = ["CREATE DATABASE x", "DROP DATABASE db1", "CREATE RETENTION POLICY r ON db1 DURATION 1d REPLICATION 1",
             "ALTER RETENTION POLICY autogen ON db1 DURATION 1d", "DROP RETENTION POLICY autogen ON db1",
             "DROP MEASUREMENT m", "SHOW USERS", "SHOW GRANTS FOR bob",
             "DROP USER eve", "GRANT ALL PRIVILEGES ON db1 TO bob", "GRANT ALL PRIVILEGES TO bob",
             "REVOKE READ ON db1 FROM bob", "REVOKE ALL PRIVILEGES FROM root", "KILL QUERY 1",
             "SHOW STATS", "SHOW DIAGNOSTICS", "SHOW SHARDS"]
    for text, msg in refused.items():
        assert_403(q(srv, text, BOB, db="db1"), ns + msg)
    for text in admin:
        assert_403(q(srv, text, BOB, db="db1"), ns + "'%s', requires admin privilege" % text)
    assert_403(q(srv, "CREATE USER x WITH PASSWORD 'y'", BOB),
               ns + "'CREATE USER x WITH PASSWORD [REDACTED]', requires admin privilege")
    assert_403(q(srv, "SET PASSWORD FOR bob = 'x'", BOB),
               ns + "'SET PASSWORD FOR bob = [REDACTED]', requires admin privilege")
    # no db parameter: the privilege is asked on the empty name
    assert_403(q(srv, "SELECT * FROM m", BOB), ns + "'SELECT * FROM m', requires READ on ")
    # refused before anything runs: the statement before the refused one did not run either
    q(srv, "DROP SERIES FROM m", ROOT, db="db3")
    # allowed
    for text in ("SELECT * FROM m", "SELECT * FROM db1..m", "SELECT * FROM (SELECT * FROM db1..m)",
                 "SHOW MEASUREMENTS", "SHOW RETENTION POLICIES", "SHOW TAG KEYS", "SHOW FIELD KEYS"):
        r = q(srv, text, BOB, db="db1")
        assert r.status == 200 and "error" not in r.json()["results"][0], (text, r)
    r = q(srv, "SELECT * INTO db2..copy FROM db1..m", BOB, db="db1")
    assert r.status == 200 and r.json()["results"][0]["series"][0]["values"][0][1] == 1, r
    # chunked answers are checked the same way
    r = q(srv, "SELECT * FROM db3..m", BOB, method="GET", chunked="true")
    assert_403(r, ns + "'SELECT * FROM db3..m', requires READ on db3")
    # a user without privileges
    r = q(srv, "SELECT * FROM m", EVE, db="db1")
    assert_403(r, "error authorizing query: eve not authorized to execute statement "
                  "'SELECT * FROM m', requires READ on db1")
    assert q(srv, "SHOW DATABASES", EVE).json() == {
        "results": [{"statement_id": 0, "series": [{"name": "databases", "columns": ["name"]}]}]}


def test_bound_parameters_cannot_inject(srv):
    params = json.dumps({"v": "1; DROP DATABASE db1", "m": {"identifier": "m; DROP DATABASE db1"}})
    r = q(srv, "SELECT * FROM m WHERE t = $v", BOB, db="db1", params=params)
    assert r.status == 200 and r.json() == {"results": [{"statement_id": 0}]}
    r = q(srv, "SELECT * FROM $m", BOB, db="db1", params=params)
    assert r.status == 200 and r.json() == {"results": [{"statement_id": 0}]}
    r = q(srv, "SELECT * FROM $m", BOB, db="db1", params=json.dumps({"m": {"identifier": "db3..m"}}))
    assert r.status == 200   # an identifier names a measurement "db3..m" in db1, never another database
    assert "db1" in [v[0] for v in q(srv, "SHOW DATABASES", ROOT).json()["results"][0]["series"][0]["values"]]


def test_write_privileges(srv):
    r = srv.write("db1", "m v=2", BOB)
    assert_403(r, '"bob" user is not authorized to write to database "db1"')
    assert srv.write("db2", "m v=2", BOB).status == 204
    assert_403(srv.write("db3", "m v=2", EVE), '"eve" user is not authorized to write to database "db3"')
    r = srv.write("nodb", "m v=2", BOB)
    assert r.status == 404 and r.json() == {"error": 'database not found: "nodb"'}
    assert_401(srv.write("db2", "m v=2", basic("bob", "bad")), "authorization failed")


def test_admin_endpoints(srv):
    for path, params in (("/debug/export", {"db": "db1"}), ("/metrics", None), ("/api/v1/statements", None)):
        assert srv.get(path, params, BOB).status == 403, path
        assert srv.get(path, params, ROOT).status == 200, path
    assert request(srv.base, "DELETE", "/api/v1/statements", headers=BOB).status == 403
    assert request(srv.base, "DELETE", "/api/v1/statements", headers=ROOT).status == 204


def test_password_change_and_drop_take_effect(srv):
    assert q(srv, "CREATE USER tmp WITH PASSWORD 'a'; GRANT READ ON db1 TO tmp", ROOT).status == 200
    tmp = basic("tmp", "a")
    assert q(srv, "SHOW DATABASES", tmp).status == 200   # now cached
    assert q(srv, "SET PASSWORD FOR tmp = 'b'", ROOT).status == 200
    assert_401(q(srv, "SHOW DATABASES", tmp), "authorization failed")
    assert q(srv, "SHOW DATABASES", basic("tmp", "b")).status == 200
    assert q(srv, "DROP USER tmp", ROOT).status == 200
    assert_401(q(srv, "SHOW DATABASES", basic("tmp", "b")), "authorization failed")


def test_users_survive_restart(make_server):
    s = make_server(AUTH)
    assert q(s, "CREATE USER root WITH PASSWORD 'r' WITH ALL PRIVILEGES; CREATE DATABASE d; "
                "CREATE USER u WITH PASSWORD 'p'; GRANT WRITE ON d TO u").status == 200
    s.stop()
    s.start()
    assert_401(q(s, "SHOW USERS"), "unable to parse authentication credentials")
    r = q(s, "SHOW USERS; SHOW GRANTS FOR u", basic("root", "r"))
    assert r.json() == {"results": [
        {"statement_id": 0, "series": [{"columns": ["user", "admin"], "values": [["root", True], ["u", False]]}]},
        {"statement_id": 1, "series": [{"columns": ["database", "privilege"], "values": [["d", "WRITE"]]}]}]}
    assert s.write("d", "m v=1", basic("u", "p")).status == 204
    s.stop()
    s.start()
    # no password in plaintext anywhere in the metadata store
    import subprocess
    out = subprocess.run(["grep", "-r", "-l", "-a", "'p'", s.data_dir], capture_output=True)
    assert b"meta" not in out.stdout


def test_brute_force_is_slowed(make_server):
    s = make_server(dict(AUTH, HYPERBYTEDB__AUTH__FAILED_LOGIN_BURST="3",
                         HYPERBYTEDB__AUTH__FAILED_LOGIN_REFILL_SECS="3600"))
    assert q(s, "CREATE USER root WITH PASSWORD 'r' WITH ALL PRIVILEGES").status == 200
    for _ in range(3):
        assert_401(q(s, "SHOW USERS", basic("root", "guess")), "authorization failed")
    r = q(s, "SHOW USERS", basic("root", "guess"))
    assert r.status == 429 and int(header(r, "Retry-After")) > 0
    assert r.json() == {"error": "too many failed authentication attempts, retry later"}
    # even the right password waits: guessing cannot go on
    assert q(s, "SHOW USERS", basic("root", "r")).status == 429
    assert s.write("x", "m v=1", basic("root", "r")).status == 429
    assert s.get("/ping").status == 204
