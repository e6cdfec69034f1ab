"""Chunked /query answers streamed while the query runs: the documents
equal the buffered answer cut as influxd's emitter cuts it (pieces of
chunk_size rows per series, "partial" flags), over rows in Parquet files
and in the buffer, with the raw executor working in time slices (a small
server.query_max_memory_bytes makes the slices a thousand rows or so);
a raw SELECT * the memory cap refuses unchunked is answered in full when
chunked; a client that goes away stops its query."""
import glob
import json
import os
import socket
import time
import urllib.parse

FAST = {"HYPERBYTEDB__FLUSH__INTERVAL_SECS": "1", "HYPERBYTEDB__COMPACTION__INTERVAL_SECS": "3600"}
T0 = 1672531200 * 10**9


def data_files(s):
    return glob.glob(os.path.join(s.data_dir, "storage", "data", "**", "*.parquet"), recursive=True)


def docs(r):
    assert r.status == 200, r
    return [json.loads(ln) for ln in r.text.split("\n") if ln]


def split(full, chunk_size):
    """The buffered (non-chunked) answer cut as influxd's emitter cuts
    SELECT output in a chunked answer (what hb_qenc_split writes)."""
    out = []
    for st in full.get("results", []):
        series = st.get("series", [])
        if "error" in st or not series:
            out.append({"results": [st]})
            continue
        for k, s in enumerate(series):
            assert not s.get("partial"), "series of more than 10000 rows: keep tests below that"
            vals = s.get("values", [])
            for i in range(0, max(len(vals), 1), chunk_size):
                piece = {key: v for key, v in s.items() if key != "values"}
                piece["values"] = vals[i:i + chunk_size]
                more_rows = i + chunk_size < len(vals)
                if more_rows:
                    piece["partial"] = True
                res = {"statement_id": st["statement_id"], "series": [piece]}
                if more_rows or k + 1 < len(series):
                    res["partial"] = True
                out.append({"results": [res]})
    return out


def load(s):
    assert s.query("CREATE DATABASE st").status == 200

    def batch(start, n):
        lines = []
        for i in range(start, start + n):
            h = i % 5
            msg = ',msg="m%d"' % i if i % 3 == 0 else ""
            lines.append("cpu,host=h%d,region=r%d usage=%d.25,idle=%di%s %d"
                         % (h, h % 2, i % 97, i, msg, T0 + i * 10**9))
            if i % 4 == 0:
                lines.append("mem,host=h%d free=%di %d" % (h % 2, i, T0 + i * 10**9))
        return "\n".join(lines) + "\n"

    assert s.write("st", batch(0, 5000)).status == 204
    deadline = time.time() + 20
    while not data_files(s) and time.time() < deadline:
        time.sleep(0.1)
    assert data_files(s), "the first batch was not flushed"
    # the rest stays in the buffer: a later flush does not change answers
    assert s.write("st", batch(5000, 3000)).status == 204


QUERIES = [
    "SELECT * FROM cpu",
    "SELECT usage, idle FROM cpu GROUP BY host",
    "SELECT * FROM cpu GROUP BY region ORDER BY time DESC",
    "SELECT usage FROM cpu GROUP BY host LIMIT 1500 OFFSET 10",
    "SELECT usage FROM cpu GROUP BY host ORDER BY time DESC LIMIT 700",
    "SELECT usage, msg FROM cpu GROUP BY host SLIMIT 2 SOFFSET 1",
    "SELECT usage FROM cpu GROUP BY * ORDER BY time DESC SLIMIT 3",
    "SELECT usage FROM cpu WHERE host = 'h1' OR host = 'h3' ORDER BY time DESC LIMIT 2500",
    "SELECT usage FROM cpu WHERE usage > 50 GROUP BY region",
    "SELECT usage FROM cpu OFFSET 5",
    "SELECT usage * 2, msg FROM cpu WHERE time >= '2023-01-01T00:20:00Z' AND time < '2023-01-01T01:50:00Z'",
    "SELECT * FROM /.*/ ORDER BY time DESC",
    "SELECT free FROM mem, cpu GROUP BY host",
    "SELECT usage FROM cpu GROUP BY host; SELECT free FROM mem; "
    "SELECT mean(usage) FROM cpu WHERE time < '2023-01-01T03:00:00Z' GROUP BY time(20m), host; SELECT usage FROM cpu ORDER BY time DESC LIMIT 3",
    "SELECT nosuch FROM cpu; SELECT * FROM nosuchmeas",
]


def test_chunked_equals_buffered_split(make_server):
    s = make_server(env=dict(FAST, HYPERBYTEDB__SERVER__QUERY_MAX_MEMORY_BYTES="3000000"))
    load(s)
    rows = 0
    for q in QUERIES:
        full = s.query(q, db="st")
        assert full.status == 200, full
        fj = full.json()
        assert "error" not in full.text, (q, full.text[:300])
        rows += sum(len(x.get("values", [])) for st in fj["results"] for x in st.get("series", []))
        for cs in (1000, 7, None):
            params = {"db": "st", "chunked": "true"}
            if cs:
                params["chunk_size"] = str(cs)
            got = docs(s.query(q, **params))
            want = split(fj, cs or 10000)
            assert got == want, "%s chunk_size=%s\n got=%s\nwant=%s" % (q, cs, str(got)[:1500], str(want)[:1500])
    assert rows > 50000   # the queries did stream thousands of rows


def test_chunked_select_beyond_memory_cap(make_server):
    s = make_server(env={"HYPERBYTEDB__SERVER__QUERY_MAX_MEMORY_BYTES": "1000000"})
    assert s.query("CREATE DATABASE cap").status == 200
    n = 40000
    lines = "".join("m,host=h%d a=%d,b=%d.5,c=\"s%d\" %d\n" % (i % 7, i, i, i, T0 + i * 10**9) for i in range(n))
    assert s.write("cap", lines).status == 204
    r = s.query("SELECT * FROM m", db="cap")
    assert "query memory limit exceeded" in r.json()["results"][0]["error"], r.text[:300]
    for q, groups in (("SELECT * FROM m", 1), ("SELECT * FROM m GROUP BY host ORDER BY time DESC", 7)):
        got = docs(s.query(q, db="cap", chunked="true", chunk_size="5000"))
        seen, last, names = 0, None, []
        for d in got:
            res = d["results"][0]
            assert "error" not in res, res
            (ser,) = res["series"]
            assert len(ser["values"]) <= 5000
            key = json.dumps(ser.get("tags"))
            if not names or names[-1] != key:
                names.append(key)
                last = None
            for v in ser["values"]:
                assert last is None or (v[0] > last if groups == 1 else v[0] < last), (q, v[0], last)
                last = v[0]
                seen += 1
        assert seen == n and len(names) == groups, (q, seen, names)


def test_client_leaving_stops_the_query(make_server):
    """A client that reads the first document of a long chunked answer and
    hangs up: the server goes on answering, and stops cleanly (a producer
    still waiting for that client would hold the shutdown)."""
    s = make_server(env={"HYPERBYTEDB__SERVER__QUERY_MAX_MEMORY_BYTES": "1000000"})
    assert s.query("CREATE DATABASE gone").status == 200
    n = 60000
    lines = "".join("m,host=h%d a=%d %d\n" % (i % 3, i, T0 + i * 10**9) for i in range(n))
    assert s.write("gone", lines).status == 204
    q = urllib.parse.urlencode({"db": "gone", "chunked": "true", "chunk_size": "100", "q": "SELECT * FROM m"})
    for _ in range(3):
        c = socket.create_connection(("127.0.0.1", s.port))
        c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        c.sendall(("GET /query?%s HTTP/1.1\r\nHost: x\r\n\r\n" % q).encode())
        got = b""
        while b"\n" not in got.split(b"\r\n\r\n", 1)[-1]:
            chunk = c.recv(4096)
            assert chunk, got
            got += chunk
        head = got.split(b"\r\n\r\n", 1)[0].lower()
        assert b"transfer-encoding: chunked" in head, head
        c.close()
    r = s.query("SELECT count(a) FROM m", db="gone")
    assert r.json()["results"][0]["series"][0]["values"][0][1] == n
    assert s.stop() == 0
