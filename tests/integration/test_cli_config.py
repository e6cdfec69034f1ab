"""The binary's command line and configuration handling."""
import os
import subprocess

from conftest import BINARY, ROOT


def run(*args, env=None):
    e = {k: v for k, v in os.environ.items() if not k.startswith("HYPERBYTEDB__")}
    e.update(env or {})
    return subprocess.run([BINARY, *args], capture_output=True, text=True, env=e, timeout=30)


def test_version():
    r = run("version")
    assert r.returncode == 0
    assert r.stdout.startswith("HyperbyteDB ")


def test_help():
    r = run("--help")
    assert r.returncode == 0
    assert "usage: hyperbytedb" in r.stdout and "HYPERBYTEDB__" in r.stdout


def test_unknown_argument():
    r = run("frobnicate")
    assert r.returncode == 2 and "frobnicate" in r.stderr


def test_unknown_config_key_stops_startup(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[server]\nprot = 1\n")
    r = run("-c", str(cfg))
    assert r.returncode != 0
    assert "prot" in r.stderr and "c.toml:2" in r.stderr


def test_bad_toml_names_the_line(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("# ok\n[server]\nport = \n")
    r = run("-c", str(cfg))
    assert r.returncode != 0 and "c.toml:3" in r.stderr


def test_unknown_env_key_stops_startup(tmp_path):
    r = run(env={"HYPERBYTEDB__SERVER__PROT": "1", "HYPERBYTEDB__STORAGE__DIR": str(tmp_path)})
    assert r.returncode != 0 and "HYPERBYTEDB__SERVER__PROT" in r.stderr


def test_missing_config_file(tmp_path):
    r = run("-c", str(tmp_path / "missing.toml"))
    assert r.returncode != 0 and "missing.toml" in r.stderr


def test_config_file_and_env_precedence(make_server, tmp_path, data_dir):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[server]\nport = 1\nbind_address = "127.0.0.1"\n[logging]\nlevel = "debug"\n')
    # the file sets port 1; the harness's env override (a free port) wins
    s = make_server(config=str(cfg))
    assert s.get("/ping").status == 204


def test_example_config_is_valid(make_server):
    s = make_server(config=os.path.join(ROOT, "hyperbytedb.example.toml"))
    assert s.get("/ping").status == 204


def test_second_server_on_same_dir_refused(make_server):
    a = make_server()
    b = make_server(start=False)
    b.start(wait=False)
    assert b.proc.wait(20) != 0
    assert "in use" in b.read_log()
    assert a.get("/ping").status == 204


def test_second_server_on_same_port_refused(make_server, tmp_path):
    """As influxd: a port in use stops start-up with a clear error (a second
    server must never share the first one's connections)."""
    a = make_server()
    b = make_server(env={"HYPERBYTEDB__SERVER__PORT": str(a.port),
                         "HYPERBYTEDB__STORAGE__DIR": str(tmp_path / "other")}, start=False)
    b.start(wait=False)
    assert b.proc.wait(20) != 0
    assert "cannot listen on 127.0.0.1:%d" % a.port in b.read_log()
    assert a.get("/ping").status == 204


def test_inspect_parquet():
    fixture = os.path.join(ROOT, "tests", "unit", "format", "data", "duck_zstd.parquet")
    r = run("inspect", fixture)
    assert r.returncode == 0, r.stderr
    assert "rows:        280" in r.stdout
    assert "row group 0: 280 rows" in r.stdout
    assert "host" in r.stdout and "ZSTD" in r.stdout


def test_inspect_refuses_non_parquet(tmp_path):
    f = tmp_path / "x.parquet"
    f.write_text("not parquet at all")
    r = run("inspect", str(f))
    assert r.returncode == 1
    assert "x.parquet" in r.stderr and "magic" in r.stderr
