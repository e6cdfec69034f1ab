#!/usr/bin/python3
"""Records the reference InfluxDB 1.x's /query answers that
test_query_encode.c compares our encoders with, byte for byte.

Starts a private influxd (Debian's influxdb 1.6.7) in a temporary
directory, writes the data set below, asks the queries below and prints a C
header of string literals:

    /usr/bin/python3 tests/unit/http/record_influxd_answers.py > tests/unit/http/influxd_answers.h

The unit test builds the same results by hand (hb_query_result values), so
the data here and the values there must stay in step."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

CONF = """reporting-enabled = false
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
[retention]
  enabled = false
[shard-precreation]
  enabled = false
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:{http}"
  log-enabled = false
[logging]
  level = "warn"
[continuous_queries]
  enabled = false
"""

# Line protocol written to database f (in this order, one request per group).
DATA = [
    # floats, integers, strings with escapes, booleans, missing fields (null)
    b'cpu,host=a,region=us-west f=1.5,i=3i,s="he said \\"hi\\", ok\\\\",b=true 1000000000\n'
    b'cpu,host=a,region=us-west f=0.1,i=-7i 1500000001\n'
    b'cpu,host=b,region=us\\ east f=1e21,b=false,s="x,y" 2000000000\n'
    b'cpu,host=b,region=us\\ east f=1e-7,i=9223372036854775807i 2500000000\n',
    # negative times (epoch truncation)
    b'neg f=1 -1500000000\nneg f=2 -1\nneg f=3 -3600000000001\nneg f=4 0\n',
    # tags needing escapes in the CSV tags column; the last line is refused
    # (field type conflict) but still adds the tag key t to the index
    b'w,k\\=x=a\\,b\\=c\\ d v=1 1\nw v=2 2\nw,k\\=x=\xc3\xa9" v=3 3\nw,k\\=x=z,t=\\"q v="s" 4\n',
    # strings that CSV quotes (or not)
    b'str s=" lead" 1\nstr s="\ttab" 2\nstr s="\\\\." 3\nstr s="multi\nline" 4\nstr s="" 5\n'
    b'str s="a\\"" 6\nstr s="cr\\rx" 7\nstr s=" nbsp" 8\nstr s="tail " 9\nstr s="<&>" 10\nstr s="\\\\.x" 11\n',
    b'str2 s="\xc2\xa0nbsp" 1\nstr2 s="\rcr" 2\nstr2 s="a\rb" 3\nstr2 s="\xe3\x80\x80ideo" 4\n'
    b'str2 s="\xc2\x85nel" 5\nstr2 s="\x0bvt" 6\nstr2 s="\xffbad" 7\n',
    # log(-1, 2) is NaN (null), log(0, 2) is -Inf (Go's JSON encoder fails)
    b'nan v=-1 1\nnan v=0 2\nnan v=4 3\n',
    # MessagePack integer widths
    b''.join(b'ints v=%di %d\n' % (v, i + 1) for i, v in enumerate(
        [127, 128, 255, 256, 32767, 32768, 2147483648, -32, -33, -128, -129, -32769, -2147483649])),
    # more than 10000 rows in one series: "partial":true even without chunking
    b''.join(b'big,t=%s v=%di %d\n' % (b'a' if i < 10001 else b'b', i, i) for i in range(10002)),
]

# (macro, method, query, Accept, extra parameters)
CASES = [
    ("CPU_JSON", "POST", "SELECT * FROM cpu GROUP BY host", None, {}),
    ("CPU_PRETTY", "POST", "SELECT * FROM cpu GROUP BY host", None, {"pretty": "true"}),
    ("CPU_EPOCH_MS", "POST", "SELECT * FROM cpu GROUP BY host", None, {"epoch": "ms"}),
    ("CPU_CSV", "POST", "SELECT * FROM cpu GROUP BY host", "application/csv", {}),
    ("CPU_CSV_ALL", "POST", "SELECT * FROM cpu GROUP BY *", "application/csv", {}),
    ("CPU_MSGPACK", "POST", "SELECT * FROM cpu GROUP BY host", "application/x-msgpack", {}),
    ("CPU_CHUNK1", "POST", "SELECT f FROM cpu GROUP BY host", None, {"chunked": "true", "chunk_size": "1"}),
    ("CPU_CHUNK1_CSV", "POST", "SELECT f FROM cpu GROUP BY host", "application/csv",
     {"chunked": "true", "chunk_size": "1"}),
    ("CPU_CHUNK1_MSGPACK", "POST", "SELECT f FROM cpu GROUP BY host", "application/x-msgpack",
     {"chunked": "true", "chunk_size": "1"}),
    ("CPU_CHUNK3", "POST", "SELECT f FROM cpu", None, {"chunked": "true", "chunk_size": "3"}),
    ("CPU_CHUNK3_PRETTY", "POST", "SELECT f FROM cpu", None, {"chunked": "true", "chunk_size": "3", "pretty": "true"}),
    ("STR_JSON", "POST", "SELECT * FROM str; SELECT * FROM str2", None, {}),
    ("STR_CSV", "POST", "SELECT * FROM str; SELECT * FROM str2", "application/csv", {}),
    ("W_JSON", "POST", "SELECT * FROM w GROUP BY *", None, {}),
    ("W_CSV", "POST", "SELECT * FROM w GROUP BY *", "application/csv", {}),
    ("INTS_MSGPACK", "POST", "SELECT v FROM ints", "application/x-msgpack", {"epoch": "ns"}),
    ("INF_JSON", "POST", "SELECT log(v, 2) FROM nan", None, {}),
    ("INF_CHUNK", "POST", "SELECT log(v, 2) FROM nan", None, {"chunked": "true", "chunk_size": "1"}),
    ("INF_CSV", "POST", "SELECT log(v, 2) FROM nan", "application/csv", {}),
    ("INTO_JSON", "GET", "SELECT f INTO cpu2 FROM cpu GROUP BY *", None, {}),
    ("INTO_MSGPACK", "GET", "SELECT f INTO cpu2 FROM cpu GROUP BY *", "application/x-msgpack", {}),
    ("INTO_CSV", "GET", "SELECT f INTO cpu2 FROM cpu GROUP BY *", "application/csv", {}),
    ("WARN_JSON", "GET", "CREATE DATABASE j; SHOW DATABASES; CREATE DATABASE k", None, {}),
    ("WARN_CHUNKED", "GET", "CREATE DATABASE j; SHOW DATABASES; CREATE DATABASE k", None, {"chunked": "true"}),
    ("WARN_MSGPACK", "GET", "CREATE DATABASE j; SHOW DATABASES; CREATE DATABASE k", "application/x-msgpack", {}),
    ("ERRS_JSON", "POST", "SHOW DATABASES; SHOW RETENTION POLICIES ON nope; SHOW DATABASES; SHOW DATABASES", None, {}),
    ("ERRS_CHUNKED", "POST", "SHOW DATABASES; SHOW RETENTION POLICIES ON nope; SHOW DATABASES; SHOW DATABASES",
     None, {"chunked": "true"}),
    ("ERRS_MSGPACK", "POST", "SHOW DATABASES; SHOW RETENTION POLICIES ON nope; SHOW DATABASES; SHOW DATABASES",
     "application/x-msgpack", {}),
    ("ERRS_MSGPACK_CHUNKED", "POST",
     "SHOW DATABASES; SHOW RETENTION POLICIES ON nope; SHOW DATABASES; SHOW DATABASES", "application/x-msgpack",
     {"chunked": "true"}),
    ("ERRS_CSV", "POST", "SHOW DATABASES; SHOW RETENTION POLICIES ON nope; SHOW DATABASES; SHOW DATABASES",
     "application/csv", {"chunked": "true"}),
    ("MULTI_CSV", "POST", "SELECT * FROM str2; SELECT * FROM nothing; SELECT v FROM w GROUP BY k; SHOW DATABASES",
     "application/csv", {}),
    ("PARSE_ERR_JSON", "POST", 'SELECT * FROM "a', None, {}),
    ("PARSE_ERR_PRETTY", "POST", 'SELECT * FROM "a', None, {"pretty": "true"}),
    ("PARSE_ERR_CSV", "POST", 'SELECT * FROM "a', "text/csv", {}),
    ("PARSE_ERR_MSGPACK", "POST", 'SELECT * FROM "a', "application/x-msgpack", {}),
    ("EMPTY_PRETTY", "POST", "SELECT * FROM nothing", None, {"pretty": "true"}),
    ("NOSTMT_JSON", "POST", ";", None, {}),
    ("NOSTMT_PRETTY", "POST", ";", None, {"pretty": "true"}),
    ("NOSTMT_CHUNKED", "POST", ";", None, {"chunked": "true"}),
    ("NOSTMT_CSV", "POST", ";", "application/csv", {}),
    ("NOSTMT_MSGPACK", "POST", ";", "application/x-msgpack", {}),
    ("NOSTMT_MSGPACK_CHUNKED", "POST", ";", "application/x-msgpack", {"chunked": "true"}),
]
for fmt, acc in (("JSON", None), ("CSV", "application/csv"), ("MSGPACK", "application/x-msgpack")):
    for ep in ("", "u", "ms", "s", "m", "h", "ns", "x"):
        CASES.append(("NEG_%s%s" % (fmt, "_" + ep.upper() if ep else ""), "POST", "SELECT f FROM neg", acc,
                      {"epoch": ep} if ep else {}))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(base, method, path, params, body=None, accept=None):
    url = base + path + "?" + urllib.parse.urlencode(params)
    req = urllib.request.Request(url, data=body, method=method, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.read()
    except urllib.error.HTTPError as e:
        return e.read()


def c_literal(b):
    """C string literal lines for the bytes b (split after newlines)."""
    lines, cur, prev_hex = [], '"', False
    for ch in b:
        s = None
        if ch == 0x22:
            s = '\\"'
        elif ch == 0x5c:
            s = '\\\\'
        elif ch == 0x0a:
            s = '\\n'
        elif 0x20 <= ch < 0x7f:
            s = chr(ch)
            if prev_hex and s in "0123456789abcdefABCDEF":
                s = '""' + s
        else:
            cur += '\\x%02x' % ch
            prev_hex = True
            if len(cur) > 96:
                lines.append(cur + '"')
                cur, prev_hex = '"', False
            continue
        prev_hex = False
        cur += s
        if ch == 0x0a or len(cur) > 96:
            lines.append(cur + '"')
            cur = '"'
    if cur != '"' or not lines:
        lines.append(cur + '"')
    return " \\\n    ".join(lines)


def main():
    d = tempfile.mkdtemp(prefix="hbrec-")
    http, rpc = free_port(), free_port()
    with open(os.path.join(d, "influxdb.conf"), "w") as f:
        f.write(CONF.format(dir=d, http=http, rpc=rpc))
    proc = subprocess.Popen(["influxd", "run", "-config", os.path.join(d, "influxdb.conf")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = "http://127.0.0.1:%d" % http
    try:
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(base + "/ping", timeout=2)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
        request(base, "POST", "/query", {"q": "CREATE DATABASE f"})
        for body in DATA:
            request(base, "POST", "/write", {"db": "f"}, body)
        out = ["/* Generated by tests/unit/http/record_influxd_answers.py from influxd %s:"
               % subprocess.run(["influxd", "version"], capture_output=True, text=True).stdout.strip(),
               " * the reference's /query answers, byte for byte. Do not edit. */",
               "#ifndef HB_TEST_INFLUXD_ANSWERS_H", "#define HB_TEST_INFLUXD_ANSWERS_H", ""]
        for name, method, q, accept, extra in CASES:
            params = {"db": "f", "q": q}
            params.update(extra)
            body = request(base, method, "/query", params, None, accept)
            out.append("/* %s %s%s%s */" % (method, q, " Accept: " + accept if accept else "",
                                            "".join(" %s=%s" % kv for kv in extra.items())))
            out.append("#define %s \\\n    %s\n" % (name, c_literal(body)))
        big = request(base, "POST", "/query", {"db": "f", "q": "SELECT v FROM big GROUP BY t"})
        out.append("/* POST SELECT v FROM big GROUP BY t: its length, first 200 and last 400 bytes */")
        out.append("#define BIG_LEN %d" % len(big))
        out.append("#define BIG_HEAD \\\n    %s\n" % c_literal(big[:200]))
        out.append("#define BIG_TAIL \\\n    %s\n" % c_literal(big[-400:]))
        out.append("#endif")
        sys.stdout.write("\n".join(out) + "\n")
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
