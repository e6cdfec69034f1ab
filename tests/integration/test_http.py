"""HTTP surface: /ping, /health, headers, unknown paths, methods, /query parameters."""
import json
import re
import urllib.parse

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def test_ping(server, influxd):
    for method in ("GET", "HEAD"):
        from conftest import request
        r = request(server.base, method, "/ping")
        ref = request(influxd.base, method, "/ping")
        assert r.status == ref.status == 204
        assert r.body == b""
        assert r.headers["X-Influxdb-Build"] == "OSS"
        assert r.headers["X-Influxdb-Version"]
        assert UUID.match(r.headers["Request-Id"])
        assert r.headers["X-Request-Id"] == r.headers["Request-Id"]


def test_request_ids_differ(server):
    ids = {server.get("/ping").headers["Request-Id"] for _ in range(20)}
    assert len(ids) == 20


def test_ping_verbose(server):
    # InfluxDB 1.7+ answers 200 with the version (Debian's 1.6.7 still 204s)
    r = server.get("/ping", {"verbose": "true"})
    assert r.status == 200
    assert set(r.json()) == {"version"}
    assert server.get("/ping", {"verbose": "false"}).status == 204


def test_health(server):
    r = server.get("/health")
    assert r.status == 200
    doc = r.json()
    assert doc["status"] == "pass" and doc["message"] == "ready for queries and writes"


def test_unknown_path_is_404_json(server):
    r = server.get("/nope")
    assert r.status == 404
    assert r.json() == {"error": "404 page not found"}
    assert UUID.match(r.headers["Request-Id"]) and r.headers["X-Influxdb-Version"]
    assert server.post("/write/extra", None, b"").status == 404


def test_method_not_allowed(server, influxd):
    for path in ("/write",):
        r, ref = server.get(path), influxd.get(path)
        assert r.status == ref.status == 405
        # influxd builds this header from a Go map: its order varies
        allowed = lambda h: sorted(m.strip() for m in h["Allow"].split(","))
        assert allowed(r.headers) == allowed(ref.headers)
    assert server.post("/ping", None, b"").status == 405


def test_query_missing_q(server, influxd):
    for ep in (server, influxd):
        r = ep.get("/query")
        assert r.status == 400
        assert r.json() == {"error": 'missing required parameter "q"'}
        assert r.headers["X-Influxdb-Error"] == 'missing required parameter "q"'
    r = server.post("/query", None, b"db=x", {"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 400 and r.json() == {"error": 'missing required parameter "q"'}


def test_query_get_and_form_post(server):
    r = server.query("CREATE DATABASE viaform")
    assert r.status == 200 and r.json() == {"results": [{"statement_id": 0}]}
    r = server.get("/query", {"q": "SHOW DATABASES"})
    assert r.status == 200
    names = [v[0] for v in r.json()["results"][0]["series"][0]["values"]]
    assert "viaform" in names
    # q in the URL of a POST works too
    r = server.post("/query?" + urllib.parse.urlencode({"q": "SHOW DATABASES"}), None, b"")
    assert r.status == 200 and "series" in r.json()["results"][0]


def test_bad_params_json(server, influxd):
    for ep in (server, influxd):
        r = ep.query("SHOW DATABASES", params="{bad")
        assert r.status == 400
        assert r.json()["error"].startswith("error parsing query parameters: ")


def test_pretty(server, influxd):
    for ep in (server, influxd):
        ep.query("CREATE DATABASE pretty1")
    a = server.query("SHOW RETENTION POLICIES ON pretty1", method="GET", pretty="true")
    b = influxd.query("SHOW RETENTION POLICIES ON pretty1", method="GET", pretty="true")
    assert a.status == b.status == 200
    assert a.text == b.text


def test_json_content_type(server):
    r = server.query("SHOW DATABASES")
    assert r.headers["Content-Type"] == "application/json"
    json.loads(r.body)
