"""/query response formats compared with the reference InfluxDB 1.x byte for
byte: JSON, pretty JSON, CSV (Accept: application/csv, text/csv),
MessagePack (Accept: application/x-msgpack), chunked answers, epoch, async,
request errors, for the statements both servers run end to end (SHOW
DATABASES, SHOW RETENTION POLICIES, DDL). SELECT-shaped answers are checked
against recorded influxd bytes in tests/unit/http/test_query_encode.c."""
import urllib.parse

import pytest

from conftest import request

SETUP = [
    "CREATE DATABASE fmt1",
    "CREATE DATABASE \"fmt two\"",
    "CREATE DATABASE \"x,y\"",
    "CREATE RETENTION POLICY r2 ON fmt1 DURATION 1d REPLICATION 1",
]

QUERIES = [
    "SHOW DATABASES",
    "SHOW DATABASES; SHOW DATABASES",
    "SHOW RETENTION POLICIES ON nope",
    "SHOW DATABASES; SHOW RETENTION POLICIES ON nope",
    "CREATE DATABASE fmt1",
    "CREATE DATABASE fmt1; SHOW DATABASES",
    ";",
    "SELEKT",
    "SHOW DATABASES extra",
]

# SHOW RETENTION POLICIES in CSV: influxd's csvFormatter has no case for Go's
# int (replicaN) and leaves the previous text of that column ("replicaN").
RP_QUERIES = ["SHOW RETENTION POLICIES ON fmt1", "SHOW RETENTION POLICIES"]

# After a failing statement influxd sends the error, then "not executed"
# once per following statement minus one, all with the failing id; a
# chunked answer shows them all. Our query service keeps only the last.
ERROR_STREAM = ["SHOW RETENTION POLICIES ON nope; SHOW DATABASES",
                "SHOW DATABASES; SHOW RETENTION POLICIES ON nope; SHOW DATABASES; SHOW DATABASES"]

ACCEPTS = [None, "application/json", "application/csv", "text/csv", "application/x-msgpack",
           "text/csv, */*", "TEXT/CSV"]

OPTIONS = [{}, {"pretty": "true"}, {"epoch": "s"}, {"epoch": "x"}, {"chunked": "true"},
           {"chunked": "true", "chunk_size": "1"}, {"chunked": "true", "pretty": "true"},
           {"chunked": "1"}, {"async": "true"}]


def ask(ep, method, params, accept, form=False):
    headers = {"Accept": accept} if accept else {}
    if method == "GET":
        return request(ep.base, "GET", "/query", params, None, headers)
    if form:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        return request(ep.base, "POST", "/query", None, urllib.parse.urlencode(params).encode(), headers)
    return request(ep.base, "POST", "/query", params, b"", headers)


def answer(r):
    return (r.status, r.headers.get("Content-Type"), r.headers.get("X-Influxdb-Error"), r.body)


def reset(ep):
    r = ep.query("SHOW DATABASES").json()
    for row in r["results"][0].get("series", [{}])[0].get("values", []):
        ep.query("DROP DATABASE \"%s\"" % row[0].replace('"', '\\"'))
    for q in SETUP:
        assert ep.query(q).status == 200


@pytest.fixture
def both(server, influxd):
    reset(influxd)
    reset(server)
    return server, influxd


def compare(both, queries, accepts, options, methods=("POST", "GET")):
    server, influxd = both
    failures = []
    for q in queries:
        for accept in accepts:
            for opt in options:
                for method in methods:
                    p = {"q": q}
                    p.update(opt)
                    ref, sut = ask(influxd, method, p, accept), ask(server, method, p, accept)
                    if answer(ref) != answer(sut):
                        failures.append("%s %r Accept=%s %s\n   influxd: %r\n   ours:    %r" % (
                            method, q, accept, opt, answer(ref), answer(sut)))
    return failures


def test_formats_match_influxd(both):
    failures = compare(both, QUERIES, ACCEPTS, OPTIONS)
    assert not failures, "\n".join(failures[:20]) + "\n(%d differences)" % len(failures)


def test_retention_policies_match_influxd_except_csv(both):
    accepts = [a for a in ACCEPTS if a not in ("application/csv", "text/csv")]
    failures = compare(both, RP_QUERIES, accepts, OPTIONS)
    assert not failures, "\n".join(failures[:20])


@pytest.mark.xfail(strict=True, reason="CSV of Go int values (replicaN) needs a value kind for it in app/result.h")
def test_retention_policies_csv(both):
    failures = compare(both, RP_QUERIES, ["application/csv"], [{}], methods=("POST",))
    assert not failures, "\n".join(failures)


def test_error_stream_unchunked(both):
    failures = compare(both, ERROR_STREAM, ACCEPTS, [o for o in OPTIONS if o.get("chunked") != "true"])
    assert not failures, "\n".join(failures[:20])


@pytest.mark.xfail(strict=True, reason="the query service keeps only the last result of a failed statement")
def test_error_stream_chunked(both):
    failures = compare(both, ERROR_STREAM, [None], [{"chunked": "true"}], methods=("POST",))
    assert not failures, "\n".join(failures)


def test_parameters_from_form_body(both):
    """epoch, chunked and chunk_size are read from a form body too; pretty only from the URL."""
    server, influxd = both
    failures = []
    for extra in ({"epoch": "s"}, {"chunked": "true", "chunk_size": "1"}, {"pretty": "true"},
                  {"chunked": "true", "chunk_size": "+1"}, {"chunked": "true", "chunk_size": " 1"}):
        for accept in (None, "application/csv"):
            p = {"q": "SHOW DATABASES; SHOW DATABASES"}
            p.update(extra)
            ref, sut = ask(influxd, "POST", p, accept, form=True), ask(server, "POST", p, accept, form=True)
            if answer(ref) != answer(sut):
                failures.append("%s %s\n   influxd: %r\n   ours:    %r" % (extra, accept, answer(ref), answer(sut)))
    assert not failures, "\n".join(failures)


def test_missing_q_in_every_format(both):
    server, influxd = both
    for accept in ACCEPTS:
        for opt in ({}, {"pretty": "true"}):
            ref, sut = ask(influxd, "GET", opt, accept), ask(server, "GET", opt, accept)
            assert answer(sut) == answer(ref), (accept, opt)


SELECT_DATA = (
    'cpu,host=a,region=us-west f=1.5,i=3i,s="he said \\"hi\\", ok\\\\",b=true 1000000000\n'
    'cpu,host=a,region=us-west f=0.1,i=-7i 1500000001\n'
    'cpu,host=b,region=us\\ east f=1e21,b=false,s="x,y" 2000000000\n'
    'cpu,host=b,region=us\\ east f=1e-7,i=9223372036854775807i 2500000000\n'
    'neg f=1 -1500000000\nneg f=2 -1\nneg f=3 -3600000000001\nneg f=4 0\n')

SELECTS = ["SELECT * FROM cpu", "SELECT * FROM cpu GROUP BY host", "SELECT f FROM neg",
           "SELECT f FROM cpu WHERE time > 100s", "SELECT * FROM cpu; SELECT f FROM neg",
           "SELECT f FROM nothing; SELECT f FROM neg"]


def test_select_answers_match_influxd(both):
    """SELECT output cut into chunks like influxd's emitter, in every format
    (one tag per series: MessagePack writes tags in Go's random map order)."""
    server, influxd = both
    for ep in (server, influxd):
        assert ep.write("fmt1", SELECT_DATA).status == 204
    probe = server.query("SELECT f FROM neg", db="fmt1").json()
    if "not implemented" in probe["results"][0].get("error", ""):
        pytest.skip("SELECT is not implemented in this build")
    failures = []
    for q in SELECTS:
        for accept in (None, "application/csv", "application/x-msgpack"):
            for opt in OPTIONS + [{"epoch": "h"}, {"epoch": "s", "chunked": "true", "chunk_size": "3"}]:
                p = {"q": q, "db": "fmt1"}
                p.update(opt)
                ref, sut = ask(influxd, "GET", p, accept), ask(server, "GET", p, accept)
                if answer(ref) != answer(sut):
                    failures.append("%r Accept=%s %s\n   influxd: %r\n   ours:    %r" % (
                        q, accept, opt, answer(ref), answer(sut)))
    assert not failures, "\n".join(failures[:10]) + "\n(%d differences)" % len(failures)
