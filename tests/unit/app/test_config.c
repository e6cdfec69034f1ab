/* Unit tests for the configuration loader: defaults, file, environment
 * overrides, unknown keys, bad values (exact messages), derived paths. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/config.h"

static char tmpdir[64];
static char cfgpath[128];
static char *const no_env[] = { NULL };

static int setup(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/hb_test_config_XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    snprintf(cfgpath, sizeof cfgpath, "%s/config.toml", tmpdir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(cfgpath);
    return rmdir(tmpdir);
}

static const char *write_cfg(const char *text)
{
    FILE *f = fopen(cfgpath, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
    return cfgpath;
}

/* Load text as the config file with env; expect failure code and message
 * (where "@" at the start stands for the file path). */
static void expect_load_err(const char *text, char *const *env, int code, const char *msg)
{
    hb_config cfg;
    hb_err e;
    char want[600];
    hb_err_clear(&e);
    int rc = hb_config_load(&cfg, text ? write_cfg(text) : NULL, env, &e);
    if (msg[0] == '@')
        snprintf(want, sizeof want, "%s%s", cfgpath, msg + 1);
    else
        snprintf(want, sizeof want, "%s", msg);
    if (rc != code)
        fail_msg("expected code %d, got %d (%s)", code, rc, e.msg);
    if (strcmp(e.msg, want) != 0)
        fail_msg("expected: %s\n     got: %s", want, e.msg);
}

static void load_ok(hb_config *cfg, const char *text, char *const *env)
{
    hb_err e;
    hb_err_clear(&e);
    int rc = hb_config_load(cfg, text ? write_cfg(text) : NULL, env, &e);
    if (rc)
        fail_msg("load failed %d: %s", rc, e.msg);
}

static void test_defaults(void **state)
{
    (void)state;
    hb_config cfg;
    hb_config_defaults(&cfg);
    assert_string_equal(cfg.server.bind_address, "127.0.0.1");
    assert_int_equal(cfg.server.port, 8086);
    assert_true(cfg.server.max_body_size_bytes == 25000000u);
    assert_true(cfg.server.max_points_per_request == 1000000);
    assert_true(cfg.server.max_line_bytes == 1024 * 1024);
    assert_int_equal(cfg.server.query_timeout_secs, 0);
    assert_true(cfg.server.query_max_memory_bytes == 2147483648ull);
    assert_true(cfg.server.query_summary_cache_bytes == 268435456ull);
    assert_int_equal(cfg.server.http_threads, 0);
    assert_true(cfg.server.max_connections == 1024);
    assert_string_equal(cfg.storage.dir, "./hyperbytedb-data");
    assert_string_equal(cfg.storage.wal_dir, "");
    assert_string_equal(cfg.storage.meta_dir, "");
    assert_string_equal(cfg.storage.data_dir, "");
    assert_int_equal(cfg.storage.wal_fsync, HB_FSYNC_ALWAYS);
    assert_int_equal(cfg.storage.wal_fsync_interval_ms, 100);
    assert_true(cfg.storage.wal_segment_bytes == 64u * 1024 * 1024);
    assert_int_equal(cfg.flush.interval_secs, 10);
    assert_true(cfg.flush.memtable_max_bytes == 256u * 1024 * 1024);
    assert_int_equal(cfg.compaction.interval_secs, 30);
    assert_int_equal(cfg.retention.check_interval_secs, 1800);
    assert_int_equal(cfg.continuous_queries.enabled, 1);
    assert_int_equal(cfg.continuous_queries.run_interval_secs, 1);
    assert_int_equal(cfg.auth.enabled, 0);
    assert_string_equal(cfg.logging.level, "info");
    assert_string_equal(cfg.logging.format, "text");
    assert_int_equal(cfg.statement_summary.enabled, 1);
    assert_int_equal(cfg.statement_summary.max_entries, 1000);

    /* no file, no env: defaults plus derived directories */
    hb_config l;
    load_ok(&l, NULL, no_env);
    assert_int_equal(l.server.port, 8086);
    assert_string_equal(l.storage.wal_dir, "./hyperbytedb-data/wal");
    assert_string_equal(l.storage.meta_dir, "./hyperbytedb-data/meta");
    assert_string_equal(l.storage.data_dir, "./hyperbytedb-data/data");
    strcpy(cfg.storage.wal_dir, l.storage.wal_dir);
    strcpy(cfg.storage.meta_dir, l.storage.meta_dir);
    strcpy(cfg.storage.data_dir, l.storage.data_dir);
    assert_memory_equal(&cfg, &l, sizeof cfg);

    /* envp may be NULL */
    hb_err e;
    assert_int_equal(hb_config_load(&l, NULL, NULL, &e), HB_OK);
    assert_int_equal(l.server.port, 8086);
}

static void test_file_overrides(void **state)
{
    (void)state;
    hb_config cfg;
    load_ok(&cfg,
            "# every key\n"
            "[server]\n"
            "bind_address = \"0.0.0.0\"\n"
            "port = 9999\n"
            "max_body_size_bytes = 1_048_576\n"
            "max_points_per_request = 0\n"
            "max_line_bytes = 65536\n"
            "query_timeout_secs = 30\n"
            "http_threads = 8\n"
            "max_connections = 50\n"
            "[storage]\n"
            "dir = \"/var/lib/hb\"\n"
            "wal_dir = \"/fast/wal\"\n"
            "meta_dir = \"/meta\"\n"
            "data_dir = 'relative/data'\n"
            "wal_fsync = \"interval\"\n"
            "wal_fsync_interval_ms = 250\n"
            "wal_segment_bytes = 0x100000\n"
            "[flush]\n"
            "interval_secs = 1\n"
            "memtable_max_bytes = 1024\n"
            "[compaction]\n"
            "interval_secs = 5\n"
            "[retention]\n"
            "check_interval_secs = 60\n"
            "[continuous_queries]\n"
            "enabled = false\n"
            "run_interval_secs = 10\n"
            "[auth]\n"
            "enabled = true\n"
            "[logging]\n"
            "level = \"debug\"\n"
            "format = \"json\"\n",
            no_env);
    assert_string_equal(cfg.server.bind_address, "0.0.0.0");
    assert_int_equal(cfg.server.port, 9999);
    assert_true(cfg.server.max_body_size_bytes == 1048576);
    assert_true(cfg.server.max_points_per_request == 0);
    assert_true(cfg.server.max_line_bytes == 65536);
    assert_int_equal(cfg.server.query_timeout_secs, 30);
    assert_int_equal(cfg.server.http_threads, 8);
    assert_true(cfg.server.max_connections == 50);
    assert_string_equal(cfg.storage.dir, "/var/lib/hb");
    assert_string_equal(cfg.storage.wal_dir, "/fast/wal");
    assert_string_equal(cfg.storage.meta_dir, "/meta");
    assert_string_equal(cfg.storage.data_dir, "relative/data");
    assert_int_equal(cfg.storage.wal_fsync, HB_FSYNC_INTERVAL);
    assert_int_equal(cfg.storage.wal_fsync_interval_ms, 250);
    assert_true(cfg.storage.wal_segment_bytes == 0x100000);
    assert_int_equal(cfg.flush.interval_secs, 1);
    assert_true(cfg.flush.memtable_max_bytes == 1024);
    assert_int_equal(cfg.compaction.interval_secs, 5);
    assert_int_equal(cfg.retention.check_interval_secs, 60);
    assert_int_equal(cfg.continuous_queries.enabled, 0);
    assert_int_equal(cfg.continuous_queries.run_interval_secs, 10);
    assert_int_equal(cfg.auth.enabled, 1);
    assert_string_equal(cfg.logging.level, "debug");
    assert_string_equal(cfg.logging.format, "json");
}

static void test_file_partial_and_toml_forms(void **state)
{
    (void)state;
    hb_config cfg;
    /* keys not in the file keep their defaults; dotted keys and inline tables work */
    load_ok(&cfg,
            "server.port = 8087\n"
            "storage = { dir = \"/data/\", wal_fsync = \"NEVER\" }\n"
            "[logging]\n"
            "level = \"Warning\"\n",
            no_env);
    assert_int_equal(cfg.server.port, 8087);
    assert_string_equal(cfg.server.bind_address, "127.0.0.1");
    assert_string_equal(cfg.storage.dir, "/data/");
    assert_int_equal(cfg.storage.wal_fsync, HB_FSYNC_NEVER);
    assert_string_equal(cfg.storage.wal_dir, "/data/wal"); /* no doubled slash */
    assert_string_equal(cfg.logging.level, "warn");        /* normalised */
    assert_int_equal(cfg.flush.interval_secs, 10);
    /* an empty file is all defaults */
    load_ok(&cfg, "", no_env);
    assert_int_equal(cfg.server.port, 8086);
}

static void test_env_overrides_file(void **state)
{
    (void)state;
    hb_config cfg;
    char *env[] = { "PATH=/usr/bin",
                    "HYPERBYTEDB__SERVER__PORT=8087",
                    "HYPERBYTEDB__storage__Wal_Fsync=never",
                    "HYPERBYTEDB__FLUSH__INTERVAL_SECS=1",
                    "HYPERBYTEDB__STORAGE__DIR=/var/lib/hyperbytedb",
                    "HYPERBYTEDB__AUTH__ENABLED=TRUE",
                    "HYPERBYTEDB__LOGGING__LEVEL=TRACE",
                    "HYPERBYTEDB__SERVER__MAX_POINTS_PER_REQUEST=18446744073709551615",
                    "HYPERBYTEDB_SINGLE_UNDERSCORE=ignored",
                    "hyperbytedb__server__port=1",
                    NULL };
    load_ok(&cfg,
            "[server]\nport = 9000\nbind_address = \"10.0.0.1\"\n"
            "[storage]\nwal_fsync = \"interval\"\n"
            "[flush]\ninterval_secs = 60\n",
            env);
    assert_int_equal(cfg.server.port, 8087);                /* env beats file */
    assert_string_equal(cfg.server.bind_address, "10.0.0.1"); /* file beats default */
    assert_int_equal(cfg.storage.wal_fsync, HB_FSYNC_NEVER);
    assert_int_equal(cfg.flush.interval_secs, 1);
    assert_string_equal(cfg.storage.dir, "/var/lib/hyperbytedb");
    assert_string_equal(cfg.storage.wal_dir, "/var/lib/hyperbytedb/wal");
    assert_string_equal(cfg.storage.meta_dir, "/var/lib/hyperbytedb/meta");
    assert_string_equal(cfg.storage.data_dir, "/var/lib/hyperbytedb/data");
    assert_int_equal(cfg.auth.enabled, 1);
    assert_string_equal(cfg.logging.level, "trace");
    assert_true(cfg.server.max_points_per_request == UINT64_MAX);

    /* env without a file; booleans in several spellings; empty string to a path key */
    const char *bools[][2] = { { "false", "0" }, { "1", "1" }, { "no", "0" }, { "on", "1" }, { "Off", "0" }, { "yes", "1" } };
    for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++) {
        char var[64];
        snprintf(var, sizeof var, "HYPERBYTEDB__AUTH__ENABLED=%s", bools[i][0]);
        char *env2[] = { var, "HYPERBYTEDB__STORAGE__WAL_DIR=", NULL };
        load_ok(&cfg, NULL, env2);
        assert_int_equal(cfg.auth.enabled, bools[i][1][0] - '0');
        assert_string_equal(cfg.storage.wal_dir, "./hyperbytedb-data/wal");
    }
}

static void test_unknown_in_file(void **state)
{
    (void)state;
    expect_load_err("[server]\n"
                    "port = 8086\n"
                    "\n"
                    "# comment\n"
                    "\n"
                    "bind_address = \"127.0.0.1\"\n"
                    "prot = 8087\n",
                    no_env, HB_EINVAL, "@:7: unknown key \"prot\" in [server] (did you mean \"port\"?)");
    expect_load_err("[server]\nquux = 1\n", no_env, HB_EINVAL, "@:2: unknown key \"quux\" in [server]");
    expect_load_err("[server]\nPort = 1\n", no_env, HB_EINVAL,
                    "@:2: unknown key \"Port\" in [server] (did you mean \"port\"?)");
    expect_load_err("[server]\nport = 1\n[server.tls]\nx = 1\n", no_env, HB_EINVAL,
                    "@:3: unknown key \"tls\" in [server]");
    expect_load_err("[storage]\n[servr]\nport = 1\n", no_env, HB_EINVAL,
                    "@:2: unknown section [servr] (did you mean [server]?)");
    expect_load_err("[cluster.peers]\n", no_env, HB_EINVAL, "@:1: unknown section [cluster]");
    expect_load_err("\n\nport = 8086\n", no_env, HB_EINVAL,
                    "@:3: unknown key \"port\" outside any section (settings go under [server], [storage], ...)");
    expect_load_err("server = 8086\n", no_env, HB_EINVAL, "@:1: \"server\" must be a section ([server]), got an integer");
    expect_load_err("[\"we\\u0001ird\"]\n", no_env, HB_EINVAL, "@:1: unknown section [we\\x01ird]");
}

static void test_unknown_in_env(void **state)
{
    (void)state;
    char *e1[] = { "HYPERBYTEDB__SERVER__PROT=8087", NULL };
    expect_load_err(NULL, e1, HB_EINVAL,
                    "environment HYPERBYTEDB__SERVER__PROT: unknown key \"prot\" in [server] (did you mean \"port\"?)");
    char *e2[] = { "HYPERBYTEDB__SERVR__PORT=8087", NULL };
    expect_load_err(NULL, e2, HB_EINVAL,
                    "environment HYPERBYTEDB__SERVR__PORT: unknown section [servr] (did you mean [server]?)");
    char *e3[] = { "HYPERBYTEDB__PORT=8087", NULL };
    expect_load_err(NULL, e3, HB_EINVAL,
                    "environment HYPERBYTEDB__PORT: expected HYPERBYTEDB__SECTION__KEY=value");
    char *e4[] = { "HYPERBYTEDB__SERVER__=1", NULL };
    expect_load_err(NULL, e4, HB_EINVAL,
                    "environment HYPERBYTEDB__SERVER__: expected HYPERBYTEDB__SECTION__KEY=value");
    char *e5[] = { "HYPERBYTEDB__SERVER__PORT__X=1", NULL };
    expect_load_err(NULL, e5, HB_EINVAL, "environment HYPERBYTEDB__SERVER__PORT__X: unknown key \"port__x\" in [server]");
    /* the env layer runs even when the file is fine; file errors come first */
    char *e6[] = { "HYPERBYTEDB__SERVER__PROT=1", NULL };
    expect_load_err("[server]\nprot = 1\n", e6, HB_EINVAL,
                    "@:2: unknown key \"prot\" in [server] (did you mean \"port\"?)");
}

static void test_bad_values_in_file(void **state)
{
    (void)state;
    expect_load_err("[server]\nport = \"8086\"\n", no_env, HB_EINVAL, "@:2: server.port must be an integer, got a string");
    expect_load_err("[server]\nport = 80.5\n", no_env, HB_EINVAL, "@:2: server.port must be an integer, got a float");
    expect_load_err("[server]\nport = 70000\n", no_env, HB_EINVAL, "@:2: server.port = 70000 is out of range (1..65535)");
    expect_load_err("[server]\nport = 0\n", no_env, HB_EINVAL, "@:2: server.port = 0 is out of range (1..65535)");
    expect_load_err("[server]\nport = -1\n", no_env, HB_EINVAL, "@:2: server.port = -1 is out of range (1..65535)");
    expect_load_err("[server]\nmax_body_size_bytes = -5\n", no_env, HB_EINVAL,
                    "@:2: server.max_body_size_bytes = -5 is out of range (1024..4294967296)");
    expect_load_err("[server]\nbind_address = 127\n", no_env, HB_EINVAL,
                    "@:2: server.bind_address must be a string, got an integer");
    expect_load_err("[server]\nbind_address = \"\"\n", no_env, HB_EINVAL, "@:2: server.bind_address must not be empty");
    expect_load_err("[server]\nbind_address = [\"a\"]\n", no_env, HB_EINVAL,
                    "@:2: server.bind_address must be a string, got an array");
    expect_load_err("[auth]\nenabled = \"true\"\n", no_env, HB_EINVAL,
                    "@:2: auth.enabled must be a boolean (true or false), got a string");
    expect_load_err("[auth]\nenabled = 1\n", no_env, HB_EINVAL,
                    "@:2: auth.enabled must be a boolean (true or false), got an integer");
    expect_load_err("[storage]\n\nwal_fsync = \"sometimes\"\n", no_env, HB_EINVAL,
                    "@:3: storage.wal_fsync = \"sometimes\" is not one of always, interval, never");
    expect_load_err("[storage]\nwal_fsync = true\n", no_env, HB_EINVAL,
                    "@:2: storage.wal_fsync must be a string, got a boolean");
    expect_load_err("[storage]\ndir = \"\"\n", no_env, HB_EINVAL, "@:2: storage.dir must not be empty");
    expect_load_err("[storage]\ndir = \"a\\u0000b\"\n", no_env, HB_EINVAL,
                    "@:2: storage.dir must not contain NUL characters");
    expect_load_err("[logging]\nlevel = \"verbose\"\n", no_env, HB_EINVAL,
                    "@:2: logging.level = \"verbose\" is not one of error, warn, info, debug, trace");
    expect_load_err("[logging]\nformat = \"xml\"\n", no_env, HB_EINVAL,
                    "@:2: logging.format = \"xml\" is not one of text, json");
    expect_load_err("[flush]\ninterval_secs = 0\n", no_env, HB_EINVAL,
                    "@:2: flush.interval_secs = 0 is out of range (1..31536000)");
    expect_load_err("[storage]\nwal_fsync_interval_ms = 60001\n", no_env, HB_EINVAL,
                    "@:2: storage.wal_fsync_interval_ms = 60001 is out of range (1..60000)");
    expect_load_err("[server]\nport = { a = 1 }\n", no_env, HB_EINVAL, "@:2: server.port must be an integer, got a table");
    /* a too-long string */
    char big[1200 + 64];
    memcpy(big, "[storage]\ndir = \"", 17);
    memset(big + 17, 'x', 1100);
    strcpy(big + 17 + 1100, "\"\n");
    expect_load_err(big, no_env, HB_EINVAL, "@:2: storage.dir is too long (1100 bytes, max 1023)");
    /* dir that fits but leaves no room for /wal */
    memcpy(big, "[storage]\ndir = \"", 17);
    memset(big + 17, 'y', 1020);
    strcpy(big + 17 + 1020, "\"\n");
    expect_load_err(big, no_env, HB_EINVAL, "storage.dir is too long to hold wal/ (max 1023 bytes in all)");
}

static void test_bad_values_in_env(void **state)
{
    (void)state;
    char *e1[] = { "HYPERBYTEDB__SERVER__PORT=abc", NULL };
    expect_load_err(NULL, e1, HB_EINVAL, "environment HYPERBYTEDB__SERVER__PORT: server.port must be an integer, got \"abc\"");
    char *e2[] = { "HYPERBYTEDB__SERVER__PORT=", NULL };
    expect_load_err(NULL, e2, HB_EINVAL, "environment HYPERBYTEDB__SERVER__PORT: server.port must be an integer, got \"\"");
    char *e3[] = { "HYPERBYTEDB__SERVER__PORT= 8086", NULL };
    expect_load_err(NULL, e3, HB_EINVAL, "environment HYPERBYTEDB__SERVER__PORT: server.port must be an integer, got \" 8086\"");
    char *e4[] = { "HYPERBYTEDB__SERVER__PORT=65536", NULL };
    expect_load_err(NULL, e4, HB_EINVAL, "environment HYPERBYTEDB__SERVER__PORT: server.port = 65536 is out of range (1..65535)");
    char *e5[] = { "HYPERBYTEDB__STORAGE__WAL_FSYNC=sometimes", NULL };
    expect_load_err(NULL, e5, HB_EINVAL,
                    "environment HYPERBYTEDB__STORAGE__WAL_FSYNC: storage.wal_fsync = \"sometimes\" is not one of always, interval, never");
    char *e6[] = { "HYPERBYTEDB__AUTH__ENABLED=maybe", NULL };
    expect_load_err(NULL, e6, HB_EINVAL,
                    "environment HYPERBYTEDB__AUTH__ENABLED: auth.enabled must be a boolean (true or false), got \"maybe\"");
    char *e7[] = { "HYPERBYTEDB__SERVER__MAX_LINE_BYTES=-1", NULL };
    expect_load_err(NULL, e7, HB_EINVAL,
                    "environment HYPERBYTEDB__SERVER__MAX_LINE_BYTES: server.max_line_bytes = -1 is out of range (64..1073741824)");
    char *e8[] = { "HYPERBYTEDB__SERVER__MAX_POINTS_PER_REQUEST=18446744073709551616", NULL };
    expect_load_err(NULL, e8, HB_EINVAL,
                    "environment HYPERBYTEDB__SERVER__MAX_POINTS_PER_REQUEST: server.max_points_per_request = 18446744073709551616 is out of range (0..18446744073709551615)");
    char *e9[] = { "HYPERBYTEDB__LOGGING__FORMAT=yaml", NULL };
    expect_load_err(NULL, e9, HB_EINVAL,
                    "environment HYPERBYTEDB__LOGGING__FORMAT: logging.format = \"yaml\" is not one of text, json");
    char *e10[] = { "HYPERBYTEDB__STORAGE__DIR=", NULL };
    expect_load_err(NULL, e10, HB_EINVAL, "environment HYPERBYTEDB__STORAGE__DIR: storage.dir must not be empty");
    char *e11[] = { "HYPERBYTEDB__SERVER__PORT=80x", NULL };
    expect_load_err(NULL, e11, HB_EINVAL, "environment HYPERBYTEDB__SERVER__PORT: server.port must be an integer, got \"80x\"");
}

static void test_file_errors(void **state)
{
    (void)state;
    /* TOML syntax errors keep their line numbers */
    expect_load_err("[server]\nport 8086\n", no_env, HB_EPARSE, "@:2: expected '=' after key \"port\", found '8'");
    expect_load_err("[server]\nport = 1\nport = 2\n", no_env, HB_EPARSE,
                    "@:3: duplicate key \"port\" (first defined on line 2)");
    /* missing file */
    hb_config cfg;
    hb_err e;
    char path[160], want[300];
    snprintf(path, sizeof path, "%s/nope.toml", tmpdir);
    assert_int_equal(hb_config_load(&cfg, path, no_env, &e), HB_EIO);
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", path);
    assert_string_equal(e.msg, want);
    /* files over 1 MiB are refused */
    size_t n = 1024 * 1024 + 1;
    char *big = malloc(n + 1);
    memset(big, '\n', n);
    big[n] = '\0';
    expect_load_err(big, no_env, HB_ELIMIT, "@: file is larger than 1048576 bytes");
    big[n - 1] = '\0'; /* exactly 1 MiB is fine */
    load_ok(&cfg, big, no_env);
    free(big);
}

static void test_derived_dirs(void **state)
{
    (void)state;
    hb_config cfg;
    load_ok(&cfg, "[storage]\ndir = \"/srv/hb\"\nmeta_dir = \"/other/meta\"\n", no_env);
    assert_string_equal(cfg.storage.wal_dir, "/srv/hb/wal");
    assert_string_equal(cfg.storage.meta_dir, "/other/meta");
    assert_string_equal(cfg.storage.data_dir, "/srv/hb/data");
    load_ok(&cfg, "[storage]\ndir = \"/\"\n", no_env);
    assert_string_equal(cfg.storage.wal_dir, "/wal");
    assert_string_equal(cfg.storage.data_dir, "/data");
    load_ok(&cfg, "[storage]\ndir = \"rel//\"\n", no_env);
    assert_string_equal(cfg.storage.meta_dir, "rel/meta");
    /* env dir is applied before deriving */
    char *env[] = { "HYPERBYTEDB__STORAGE__DIR=/env", "HYPERBYTEDB__STORAGE__DATA_DIR=/d", NULL };
    load_ok(&cfg, "[storage]\ndir = \"/file\"\n", env);
    assert_string_equal(cfg.storage.wal_dir, "/env/wal");
    assert_string_equal(cfg.storage.data_dir, "/d");
}

static void test_config_set(void **state)
{
    (void)state;
    hb_config cfg;
    hb_err e;
    hb_config_defaults(&cfg);
    assert_int_equal(hb_config_set(&cfg, "server", "port", "8087", &e), HB_OK);
    assert_int_equal(cfg.server.port, 8087);
    assert_int_equal(hb_config_set(&cfg, "SERVER", "Port", "+8088", &e), HB_OK);
    assert_int_equal(cfg.server.port, 8088);
    assert_int_equal(hb_config_set(&cfg, "storage", "wal_fsync", "Interval", &e), HB_OK);
    assert_int_equal(cfg.storage.wal_fsync, HB_FSYNC_INTERVAL);
    assert_int_equal(hb_config_set(&cfg, "logging", "level", "ERROR", &e), HB_OK);
    assert_string_equal(cfg.logging.level, "error");
    assert_int_equal(hb_config_set(&cfg, "statement_summary", "enabled", "false", &e), HB_OK);
    assert_int_equal(cfg.statement_summary.enabled, 0);
    assert_int_equal(hb_config_set(&cfg, "statement_summary", "max_entries", "5", &e), HB_OK);
    assert_int_equal(cfg.statement_summary.max_entries, 5);
    assert_int_equal(hb_config_set(&cfg, "statement_summary", "max_entries", "0", &e), HB_EINVAL);
    assert_int_equal(hb_config_set(&cfg, "server", "bind_address", "::1", &e), HB_OK);
    assert_string_equal(cfg.server.bind_address, "::1");
    assert_int_equal(hb_config_set(&cfg, "server", "prot", "1", &e), HB_EINVAL);
    assert_string_equal(e.msg, "unknown key \"prot\" in [server] (did you mean \"port\"?)");
    assert_int_equal(hb_config_set(&cfg, "nope", "port", "1", &e), HB_EINVAL);
    assert_string_equal(e.msg, "unknown section [nope]");
    assert_int_equal(hb_config_set(&cfg, "server", "port", "x", &e), HB_EINVAL);
    assert_string_equal(e.msg, "server.port must be an integer, got \"x\"");
    assert_int_equal(cfg.server.port, 8088); /* unchanged by a failed set */
    assert_string_equal(hb_fsync_mode_name(HB_FSYNC_ALWAYS), "always");
    assert_string_equal(hb_fsync_mode_name(HB_FSYNC_INTERVAL), "interval");
    assert_string_equal(hb_fsync_mode_name(HB_FSYNC_NEVER), "never");
    assert_string_equal(hb_fsync_mode_name((hb_fsync_mode)7), "unknown");
}

/* The example file at the repo root must load and equal the defaults. */
static void test_example_file(void **state)
{
    (void)state;
    const char *candidates[] = { "hyperbytedb.example.toml", "../hyperbytedb.example.toml",
                                 "../../hyperbytedb.example.toml", "../../../hyperbytedb.example.toml" };
    const char *path = NULL;
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++)
        if (access(candidates[i], R_OK) == 0) {
            path = candidates[i];
            break;
        }
    if (!path)
        skip();
    hb_config a, b;
    hb_err e;
    if (hb_config_load(&a, path, no_env, &e))
        fail_msg("%s", e.msg);
    assert_int_equal(hb_config_load(&b, NULL, no_env, &e), HB_OK);
    assert_memory_equal(&a, &b, sizeof a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_file_overrides),
        cmocka_unit_test(test_file_partial_and_toml_forms),
        cmocka_unit_test(test_env_overrides_file),
        cmocka_unit_test(test_unknown_in_file),
        cmocka_unit_test(test_unknown_in_env),
        cmocka_unit_test(test_bad_values_in_file),
        cmocka_unit_test(test_bad_values_in_env),
        cmocka_unit_test(test_file_errors),
        cmocka_unit_test(test_derived_dirs),
        cmocka_unit_test(test_config_set),
        cmocka_unit_test(test_example_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
