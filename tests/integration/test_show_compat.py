"""SHOW MEASUREMENTS / TAG KEYS / TAG VALUES / FIELD KEYS / SERIES and the
CARDINALITY statements compared with the reference InfluxDB 1.x: the same
writes to both servers, then the same statements, same status and JSON.

Not compared (documented in engine/show.h): time conditions that exclude
every shard group of the reference (e.g. `time > now() - 1h` over old data:
influxd answers nothing, we answer as if the range overlapped), and sources
naming a non-default retention policy (the catalog keeps series per
database, influxd per shard)."""
import pytest

D, E, O = "show_d", "show_e", "show_o"

DATA = {
    D: "\n".join([
        'cpu,host=a,region=us v=1,s="x" 1000000000',
        'cpu,host=b,region=eu v=2 1000000000',
        'mem,host=a free=3i,ok=true 1000000000',
        'disk,path=/x,host=c used=1 1000000000',
        'weird\\ m\\,x,t\\ k=v\\=1\\,2 f=1 1000',
    ]),
    E: "cpu,host=z v=1 1000000000",
    # orders: "host" < "host2" unescaped, "a" < "a b" < "a!" by name
    O: "\n".join([
        "a,host=x f=1 1", "a,host2=y f=1 1", "a,host=x,z=1 f=1 1", "a,host=x\\ y f=1 1",
        "a,host=x\\,y f=1 1", "a,host=x0 f=1 1", "a!,k=v f=1 1", "a\\ b,k=v f=1 1", "a f=1 1",
        "A,k=v f=1 1", "a,hos=q f=1 1",
    ]),
}

# (default db, statement); {d} {e} {o} are the databases above
CASES = [(D, q) for q in """
SHOW MEASUREMENTS
SHOW MEASUREMENTS LIMIT 2 OFFSET 1
SHOW MEASUREMENTS OFFSET 100
SHOW MEASUREMENTS WITH MEASUREMENT = cpu
SHOW MEASUREMENTS WITH MEASUREMENT =~ /m/
SHOW MEASUREMENTS WITH MEASUREMENT = nope
SHOW MEASUREMENTS WITH MEASUREMENT = "weird m,x"
SHOW MEASUREMENTS WITH MEASUREMENT = /cpu|mem/
SHOW MEASUREMENTS WHERE host='a'
SHOW MEASUREMENTS WITH MEASUREMENT =~ /m/ WHERE host='a'
SHOW MEASUREMENTS WHERE host=~/./
SHOW MEASUREMENTS WHERE host!~/./
SHOW MEASUREMENTS WHERE host!='a'
SHOW MEASUREMENTS WHERE host <> 'a'
SHOW MEASUREMENTS WHERE host='a' AND region='eu'
SHOW MEASUREMENTS WHERE (host='a' OR path='/x') AND region =~ /u/
SHOW MEASUREMENTS WHERE region = ''
SHOW MEASUREMENTS WHERE host = 'a' OR _name = 'disk'
SHOW MEASUREMENTS WHERE _name !~ /c/
SHOW MEASUREMENTS WHERE _tagKey = 'host'
SHOW MEASUREMENTS WHERE s = 'x'
SHOW MEASUREMENTS WHERE v > 1
SHOW MEASUREMENTS WHERE host = 1
SHOW MEASUREMENTS WHERE 'a' = host
SHOW MEASUREMENTS WHERE host = region
SHOW MEASUREMENTS WHERE true
SHOW MEASUREMENTS WHERE host
SHOW MEASUREMENTS WHERE time > 0
SHOW MEASUREMENTS ON nope
SHOW MEASUREMENTS ON {e}
SHOW MEASUREMENTS ORDER BY ASC
SHOW TAG KEYS
SHOW TAG KEYS ON {e}
SHOW TAG KEYS ON nope
SHOW TAG KEYS FROM cpu, mem
SHOW TAG KEYS FROM /^w/
SHOW TAG KEYS FROM nope
SHOW TAG KEYS FROM {e}..disk
SHOW TAG KEYS LIMIT 1 OFFSET 1
SHOW TAG KEYS SLIMIT 1 SOFFSET 1
SHOW TAG KEYS WHERE host='a'
SHOW TAG KEYS WHERE host!='a'
SHOW TAG KEYS WHERE region = 'us' OR path = '/x'
SHOW TAG KEYS WHERE host = 1
SHOW TAG KEYS WHERE 'a' = host
SHOW TAG KEYS WHERE host = region
SHOW TAG KEYS WHERE s = 'x'
SHOW TAG KEYS WHERE true
SHOW TAG KEYS WHERE false
SHOW TAG KEYS WHERE host
SHOW TAG KEYS WHERE _name =~ /c/
SHOW TAG KEYS WHERE _tagKey = 'host'
SHOW TAG KEYS WHERE host = 'x' + ' y'
SHOW TAG KEYS WHERE host::tag = 'a'
SHOW TAG KEYS WHERE host::field = 'a'
SHOW TAG KEYS WHERE time > 0 AND time < 5
SHOW TAG KEYS WHERE time > 5 AND time < 3
SHOW TAG KEYS WHERE time > 0 OR region='us'
SHOW TAG KEYS WHERE time != 0
SHOW TAG KEYS WHERE time > 'abc'
SHOW TAG KEYS WHERE v > 1
SHOW TAG KEYS ON nope WHERE time != 0
SHOW TAG VALUES WITH KEY = host
SHOW TAG VALUES ON {e} WITH KEY = host
SHOW TAG VALUES ON nope WITH KEY = host
SHOW TAG VALUES WITH KEY IN (host, region)
SHOW TAG VALUES WITH KEY IN (host, nokey)
SHOW TAG VALUES WITH KEY != host
SHOW TAG VALUES WITH KEY =~ /h|p/
SHOW TAG VALUES WITH KEY !~ /h/
SHOW TAG VALUES WITH KEY = nokey
SHOW TAG VALUES WITH KEY = "t k"
SHOW TAG VALUES WITH KEY IN (host, region) LIMIT 1 OFFSET 1
SHOW TAG VALUES WITH KEY IN (host, region) OFFSET 1
SHOW TAG VALUES WITH KEY = host WHERE region = 'us'
SHOW TAG VALUES WITH KEY = host WHERE host != 'a'
SHOW TAG VALUES WITH KEY = host WHERE region !~ /u/
SHOW TAG VALUES FROM cpu, /^m/ WITH KEY = host
SHOW TAG VALUES FROM "weird m,x" WITH KEY = "t k"
SHOW TAG VALUES WITH KEY = host WHERE 'a' = host
SHOW TAG VALUES WITH KEY = host WHERE host = region
SHOW TAG VALUES WITH KEY = host WHERE s = 'x'
SHOW TAG VALUES WITH KEY = host WHERE false
SHOW TAG VALUES WITH KEY = host WHERE _tagKey = 'region'
SHOW TAG VALUES WITH KEY = host WHERE host::field = 'a'
SHOW TAG VALUES WITH KEY = host WHERE time > 0 OR region='us'
SHOW TAG VALUES WITH KEY = host WHERE v > 1
SHOW TAG VALUES WITH KEY = "t k" WHERE "t k" =~ /=/
SHOW FIELD KEYS
SHOW FIELD KEYS ON {e}
SHOW FIELD KEYS ON nope
SHOW FIELD KEYS FROM cpu, mem
SHOW FIELD KEYS FROM /u/
SHOW FIELD KEYS FROM nope
SHOW FIELD KEYS FROM "weird m,x"
SHOW FIELD KEYS LIMIT 1 OFFSET 1
SHOW FIELD KEYS FROM {e}..cpu
SHOW FIELD KEYS FROM {e}.autogen.cpu
SHOW FIELD KEYS FROM {d}.nope.cpu
SHOW FIELD KEYS FROM nope..cpu
SHOW FIELD KEYS ON {e} FROM {d}..disk
SHOW SERIES
SHOW SERIES ON {e}
SHOW SERIES ON nope
SHOW SERIES LIMIT 2 OFFSET 3
SHOW SERIES OFFSET 100
SHOW SERIES FROM mem,cpu
SHOW SERIES FROM /m/
SHOW SERIES FROM "weird m,x"
SHOW SERIES FROM {d}..cpu, {e}..cpu
SHOW SERIES ON {e} FROM {d}..disk, {e}..cpu
SHOW SERIES FROM {d}.nope.cpu
SHOW SERIES FROM nope..cpu
SHOW SERIES FROM nope..cpu, {d}.nope.cpu
SHOW SERIES WHERE host='a'
SHOW SERIES WHERE host!='a'
SHOW SERIES WHERE host=~/a|c/
SHOW SERIES WHERE host!~/a/
SHOW SERIES WHERE region<>'us'
SHOW SERIES WHERE (host='a' OR path='/x') AND region='us'
SHOW SERIES WHERE host = 'a' AND host = 'b'
SHOW SERIES WHERE nokey = ''
SHOW SERIES WHERE region = ''
SHOW SERIES WHERE region != ''
SHOW SERIES WHERE "t k" =~ /\\d/
SHOW SERIES WHERE host = 1
SHOW SERIES WHERE 'a' = host
SHOW SERIES WHERE host = region
SHOW SERIES WHERE host != region
SHOW SERIES WHERE s = 'x'
SHOW SERIES WHERE true
SHOW SERIES WHERE false
SHOW SERIES WHERE host
SHOW SERIES WHERE _name != 'cpu'
SHOW SERIES WHERE _tagKey = 'host'
SHOW SERIES WHERE host = 'a' + 'b'
SHOW SERIES WHERE v > 1
SHOW SERIES WHERE time > 0 AND host = 'b'
SHOW SERIES WHERE time > 5 AND time < 3
SHOW SERIES ON nope WHERE host
SHOW SERIES ORDER BY time DESC
SHOW MEASUREMENT CARDINALITY
SHOW MEASUREMENT EXACT CARDINALITY
SHOW MEASUREMENT CARDINALITY ON nope
SHOW MEASUREMENT EXACT CARDINALITY ON nope
SHOW MEASUREMENT CARDINALITY WHERE host='a'
SHOW MEASUREMENT CARDINALITY FROM /c|m/
SHOW MEASUREMENT EXACT CARDINALITY WHERE host = 'zzz'
SHOW MEASUREMENT EXACT CARDINALITY GROUP BY host
SHOW MEASUREMENT CARDINALITY OFFSET 1
SHOW MEASUREMENT CARDINALITY WHERE time > 0
SHOW SERIES CARDINALITY
SHOW SERIES EXACT CARDINALITY
SHOW SERIES CARDINALITY ON nope
SHOW SERIES EXACT CARDINALITY ON nope
SHOW SERIES CARDINALITY FROM cpu
SHOW SERIES CARDINALITY WHERE host='a'
SHOW SERIES EXACT CARDINALITY WHERE host != 'a'
SHOW SERIES EXACT CARDINALITY GROUP BY host, region
SHOW SERIES EXACT CARDINALITY GROUP BY *
SHOW SERIES EXACT CARDINALITY GROUP BY /o/
SHOW SERIES EXACT CARDINALITY GROUP BY nokey
SHOW SERIES EXACT CARDINALITY FROM /^(cpu|mem)$/ WHERE host = 'a' GROUP BY host
SHOW SERIES EXACT CARDINALITY LIMIT 1
SHOW SERIES EXACT CARDINALITY OFFSET 1
SHOW SERIES CARDINALITY WHERE time > 0
SHOW SERIES EXACT CARDINALITY ON {e} FROM {d}..disk
SHOW SERIES EXACT CARDINALITY FROM {d}.nope.cpu
SHOW TAG KEY CARDINALITY
SHOW TAG KEY EXACT CARDINALITY
SHOW TAG KEY CARDINALITY ON nope
SHOW TAG KEY CARDINALITY WHERE host = 'a'
SHOW TAG KEY CARDINALITY GROUP BY region
SHOW TAG KEY CARDINALITY WHERE time > 0
SHOW TAG VALUES CARDINALITY WITH KEY = host
SHOW TAG VALUES EXACT CARDINALITY WITH KEY IN (host, region)
SHOW TAG VALUES CARDINALITY ON nope WITH KEY = host
SHOW TAG VALUES CARDINALITY WITH KEY =~ /./ WHERE host != 'a'
SHOW TAG VALUES CARDINALITY WITH KEY = region WHERE host != 'a'
SHOW TAG VALUES CARDINALITY WITH KEY = host WHERE region = 'us' OR host = 'c'
SHOW TAG VALUES CARDINALITY WITH KEY IN (host, path) GROUP BY region
SHOW TAG VALUES CARDINALITY WITH KEY = host WHERE time > 0
SHOW TAG VALUES CARDINALITY WITH KEY = nokey
SHOW FIELD KEY CARDINALITY
SHOW FIELD KEY EXACT CARDINALITY
SHOW FIELD KEY CARDINALITY ON nope
SHOW FIELD KEY CARDINALITY FROM cpu
SHOW FIELD KEY CARDINALITY WHERE host = 'a'
SHOW FIELD KEY CARDINALITY GROUP BY host
SHOW FIELD KEY CARDINALITY WHERE time > 0
SHOW SERIES; SHOW TAG KEYS ON nope
SHOW TAG KEYS ON nope; SHOW SERIES
SHOW MEASUREMENTS; SHOW SERIES FROM cpu; SHOW FIELD KEYS FROM mem
""".strip().split("\n")] + [(O, q) for q in """
SHOW SERIES
SHOW SERIES WHERE time > 0
SHOW MEASUREMENTS
SHOW TAG KEYS
SHOW TAG VALUES WITH KEY =~ /.*/
SHOW SERIES WHERE host =~ /x/
SHOW SERIES WHERE host =~ /^$/
SHOW SERIES WHERE host !~ /x|^$/
SHOW SERIES WHERE host =~ /(?i)X$/
SHOW SERIES EXACT CARDINALITY GROUP BY *
""".strip().split("\n")] + [(None, q) for q in """
SHOW MEASUREMENTS
SHOW MEASUREMENTS ON {d}
SHOW MEASUREMENTS WHERE time > 0
SHOW TAG KEYS
SHOW TAG KEYS ON {d} FROM cpu
SHOW TAG KEYS FROM {d}..disk
SHOW TAG VALUES WITH KEY=host
SHOW TAG VALUES ON {d} FROM cpu WITH KEY=host
SHOW FIELD KEYS
SHOW FIELD KEYS FROM {d}..disk
SHOW SERIES
SHOW SERIES ON {d} FROM cpu
SHOW SERIES FROM {d}..disk
SHOW SERIES WHERE host
SHOW MEASUREMENT CARDINALITY
SHOW SERIES CARDINALITY
SHOW SERIES EXACT CARDINALITY
SHOW SERIES EXACT CARDINALITY ON {d}
SHOW TAG KEY CARDINALITY
SHOW TAG VALUES CARDINALITY WITH KEY = host
SHOW FIELD KEY EXACT CARDINALITY ON {d}
""".strip().split("\n")]


def fresh(ep, db, body=None):
    ep.query('DROP DATABASE "%s"' % db)
    ep.query('CREATE DATABASE "%s"' % db)
    if body:
        r = ep.write(db, body)
        assert r.status == 204, r


@pytest.fixture
def sut(server):
    """Our server, once SHOW is wired into the query service."""
    r = server.query("SHOW MEASUREMENTS ON _internal_probe")
    if "is not implemented yet" in r.text:
        pytest.skip("SHOW statements are not wired into the query service yet")
    return server


def load(ep):
    for db, body in DATA.items():
        fresh(ep, db, body)
    fresh(ep, "show_empty")


def compare(influxd, sut, cases, **params):
    failures = []
    for db, q in cases:
        q = q.format(d=D, e=E, o=O)
        extra = dict(params)
        if db:
            extra["db"] = db
        ref = influxd.query(q, **extra)
        got = sut.query(q, **extra)
        if (ref.status, ref.json()) != (got.status, got.json()):
            failures.append("db=%s %r\n   influxd: %d %s\n   ours:    %d %s" % (
                db, q, ref.status, ref.text.strip()[:1500], got.status, got.text.strip()[:1500]))
    assert not failures, "%d of %d differ:\n%s" % (len(failures), len(cases), "\n".join(failures))


def test_show_statements_match_influxd(sut, influxd):
    load(influxd)
    load(sut)
    compare(influxd, sut, CASES)


def test_show_on_an_empty_database(sut, influxd):
    load(influxd)
    load(sut)
    compare(influxd, sut, [("show_empty", q) for q in [
        "SHOW MEASUREMENTS", "SHOW TAG KEYS", "SHOW TAG VALUES WITH KEY = host", "SHOW FIELD KEYS",
        "SHOW SERIES", "SHOW SERIES CARDINALITY", "SHOW MEASUREMENT CARDINALITY", "SHOW SERIES EXACT CARDINALITY",
        "SHOW MEASUREMENT EXACT CARDINALITY", "SHOW TAG KEY CARDINALITY", "SHOW FIELD KEY CARDINALITY",
        "SHOW TAG VALUES CARDINALITY WITH KEY = host"]])


def test_show_with_bound_parameters(sut, influxd):
    load(influxd)
    load(sut)
    compare(influxd, sut, [(D, "SHOW SERIES WHERE host = $h")], params='{"h":"a"}')
    compare(influxd, sut, [(D, "SHOW TAG VALUES WITH KEY = $k")], params='{"k":{"identifier":"host"}}')
    compare(influxd, sut, [(D, "SHOW MEASUREMENTS WITH MEASUREMENT =~ $r")], params='{"r":{"regex":"^c"}}')


def test_show_get_and_post_answer_alike(sut, influxd):
    load(influxd)
    load(sut)
    for method in ("GET", "POST"):
        compare(influxd, sut, [(D, "SHOW TAG KEYS"), (D, "SHOW SERIES CARDINALITY")], method=method)


def test_show_survives_restart(make_server):
    s = make_server()
    if "is not implemented yet" in s.query("SHOW MEASUREMENTS ON x").text:
        pytest.skip("SHOW statements are not wired into the query service yet")
    load(s)
    qs = ["SHOW SERIES", "SHOW TAG VALUES WITH KEY =~ /./", "SHOW FIELD KEYS", "SHOW SERIES EXACT CARDINALITY",
          "SHOW MEASUREMENTS WHERE host = 'a'"]
    before = [s.query(q, db=D).json() for q in qs]
    s.kill9()
    s.start()
    assert [s.query(q, db=D).json() for q in qs] == before


BIG = 10005


def test_show_series_over_ten_thousand_rows(sut, influxd):
    body = "\n".join("big,h=h%05d v=1 1" % i for i in range(BIG))
    for ep in (influxd, sut):
        load(ep)
        fresh(ep, "show_big", body)
    cases = [("show_big", "SHOW SERIES"), ("show_big", "SHOW TAG VALUES WITH KEY = h"),
             ("show_big", "SHOW SERIES EXACT CARDINALITY GROUP BY h LIMIT 1")]
    compare(influxd, sut, cases)
    for q in ("SHOW SERIES LIMIT 3", "SHOW TAG KEYS", "SHOW FIELD KEYS", "SHOW MEASUREMENTS"):
        ref = influxd.get("/query", {"db": D, "q": q, "chunked": "true", "chunk_size": "2"})
        got = sut.get("/query", {"db": D, "q": q, "chunked": "true", "chunk_size": "2"})
        assert (got.status, got.text) == (ref.status, ref.text)
