/* InfluxQL parser: AST of the DDL statements (databases, retention
 * policies), multi-statement queries, bind parameters, input caps, and the
 * statement printer (checked against texts InfluxDB printed). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/influxql/duration.h"
#include "domain/influxql/format.h"
#include "domain/influxql/parser.h"

static hb_arena arena;

static int setup(void **state)
{
    (void)state;
    hb_arena_init(&arena, 0, 0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hb_arena_free(&arena);
    return 0;
}

static hb_iql_query *parse_ok(const char *q)
{
    hb_iql_query *query = NULL;
    hb_err err;
    int rc = hb_influxql_parse(q, strlen(q), NULL, &arena, &query, &err);
    if (rc)
        fprintf(stderr, "unexpected error for %s: %s\n", q, err.msg);
    assert_int_equal(rc, 0);
    assert_non_null(query);
    return query;
}

static hb_iql_stmt *parse_one(const char *q)
{
    hb_iql_query *query = parse_ok(q);
    assert_int_equal(query->nstmts, 1);
    return query->stmts[0];
}

static void parse_err(const char *q, int code, const char *msg)
{
    hb_iql_query *query = (hb_iql_query *)1;
    hb_err err;
    int rc = hb_influxql_parse(q, strlen(q), NULL, &arena, &query, &err);
    assert_int_equal(rc, code);
    assert_null(query);
    assert_string_equal(err.msg, msg);
}

static void assert_str(hb_iql_str s, const char *want)
{
    assert_int_equal(s.n, strlen(want));
    assert_string_equal(s.p, want);
}

/* ---- databases ---------------------------------------------------------- */

static void test_create_database(void **state)
{
    (void)state;
    hb_iql_stmt *st = parse_one("CREATE DATABASE mydb");
    assert_int_equal(st->kind, HB_IQL_STMT_CREATE_DATABASE);
    assert_str(st->u.create_db.name, "mydb");
    assert_false(st->u.create_db.rp_create);

    st = parse_one("create database \"my \\\"db\\\"\"");
    assert_str(st->u.create_db.name, "my \"db\"");

    st = parse_one("CREATE DATABASE db WITH DURATION 1d REPLICATION 3 SHARD DURATION 1h NAME rp1");
    const hb_iql_create_database *c = &st->u.create_db;
    assert_true(c->rp_create);
    assert_true(c->has_duration);
    assert_int_equal(c->duration, HB_IQL_NS_PER_DAY);
    assert_true(c->has_replication);
    assert_int_equal(c->replication, 3);
    assert_int_equal(c->shard_duration, HB_IQL_NS_PER_HOUR);
    assert_str(c->rp_name, "rp1");

    st = parse_one("CREATE DATABASE db WITH DURATION INF");
    assert_true(st->u.create_db.has_duration);
    assert_int_equal(st->u.create_db.duration, 0);
    assert_false(st->u.create_db.has_replication);

    st = parse_one("CREATE DATABASE db WITH NAME \"r p\"");
    assert_true(st->u.create_db.rp_create);
    assert_false(st->u.create_db.has_duration);
    assert_str(st->u.create_db.rp_name, "r p");

    st = parse_one("CREATE DATABASE db WITH SHARD DURATION 30m");
    assert_int_equal(st->u.create_db.shard_duration, 30 * HB_IQL_NS_PER_MIN);
}

static void test_create_database_errors(void **state)
{
    (void)state;
    /* each text verified against InfluxDB 1.x */
    parse_err("CREATE DATABASE", HB_EPARSE, "found EOF, expected identifier at line 1, char 17");
    parse_err("CREATE", HB_EPARSE,
              "found EOF, expected CONTINUOUS, DATABASE, USER, RETENTION, SUBSCRIPTION at line 1, char 8");
    parse_err("CREATE DATABASE 'db'", HB_EPARSE, "found db, expected identifier at line 1, char 16");
    parse_err("CREATE DATABASE 1", HB_EPARSE, "found 1, expected identifier at line 1, char 17");
    parse_err("CREATE DATABASE \"ab", HB_EPARSE, "found ab, expected identifier at line 1, char 16");
    parse_err("CREATE DATABASE x WITH", HB_EPARSE,
              "found EOF, expected DURATION, NAME, REPLICATION, SHARD at line 1, char 24");
    parse_err("CREATE DATABASE x WITH DURATION", HB_EPARSE,
              "found EOF, expected duration at line 1, char 33");
    parse_err("CREATE DATABASE x WITH DURATION 0", HB_EPARSE,
              "found 0, expected duration at line 1, char 33");
    parse_err("CREATE DATABASE x WITH DURATION 1x", HB_EPARSE, "invalid duration at line 1, char 33");
    parse_err("CREATE DATABASE x WITH DURATION 1H", HB_EPARSE, "invalid duration at line 1, char 33");
    parse_err("CREATE DATABASE x WITH DURATION -1h", HB_EPARSE,
              "found -, expected duration at line 1, char 33");
    parse_err("CREATE DATABASE x WITH DURATION 1.5h", HB_EPARSE,
              "found 1.5, expected duration at line 1, char 33");
    parse_err("CREATE DATABASE x WITH DURATION 3000000h", HB_EPARSE,
              "overflowed duration 3000000h: choose a smaller duration or INF at line 1, char 33");
    parse_err("CREATE DATABASE x WITH DURATION 99999999999999999999h", HB_EPARSE,
              "invalid duration at line 1, char 33");
    parse_err("CREATE DATABASE x WITH DURATION 1h REPLICATION", HB_EPARSE,
              "found EOF, expected integer at line 1, char 48");
    parse_err("CREATE DATABASE x WITH DURATION 1h REPLICATION 0", HB_EPARSE,
              "invalid value 0: must be 1 <= n <= 2147483647 at line 1, char 48");
    parse_err("CREATE DATABASE x WITH DURATION 1h REPLICATION 1.5", HB_EPARSE,
              "found 1.5, expected integer at line 1, char 48");
    parse_err("CREATE DATABASE x WITH DURATION 1h REPLICATION 1 SHARD", HB_EPARSE,
              "found EOF, expected DURATION at line 1, char 56");
    parse_err("CREATE DATABASE x WITH NAME foo DURATION 1h", HB_EPARSE,
              "found DURATION, expected ; at line 1, char 33");
    parse_err("CREATE DATABASE x y", HB_EPARSE, "found y, expected ; at line 1, char 19");
    parse_err("CREATE DATABASE x CREATE DATABASE y", HB_EPARSE,
              "found CREATE, expected ; at line 1, char 19");
}

static void test_drop_show_database(void **state)
{
    (void)state;
    hb_iql_stmt *st = parse_one("DROP DATABASE \"db 1\"");
    assert_int_equal(st->kind, HB_IQL_STMT_DROP_DATABASE);
    assert_str(st->u.name, "db 1");
    st = parse_one("SHOW DATABASES");
    assert_int_equal(st->kind, HB_IQL_STMT_SHOW_DATABASES);
    parse_err("DROP DATABASE", HB_EPARSE, "found EOF, expected identifier at line 1, char 15");
    parse_err("DROP", HB_EPARSE,
              "found EOF, expected CONTINUOUS, DATABASE, MEASUREMENT, RETENTION, SERIES, SHARD, "
              "SUBSCRIPTION, USER at line 1, char 6");
    parse_err("SHOW", HB_EPARSE,
              "found EOF, expected CONTINUOUS, DATABASES, DIAGNOSTICS, FIELD, GRANTS, MEASUREMENT, "
              "MEASUREMENTS, QUERIES, RETENTION, SERIES, SHARD, SHARDS, STATS, SUBSCRIPTIONS, TAG, "
              "USERS at line 1, char 6");
    parse_err("FOO", HB_EPARSE,
              "found FOO, expected SELECT, DELETE, SHOW, CREATE, DROP, EXPLAIN, GRANT, REVOKE, ALTER, "
              "SET, KILL at line 1, char 1");
}

/* ---- retention policies ------------------------------------------------ */

static void test_create_rp(void **state)
{
    (void)state;
    hb_iql_stmt *st = parse_one("CREATE RETENTION POLICY rp1 ON db1 DURATION 1h REPLICATION 2");
    assert_int_equal(st->kind, HB_IQL_STMT_CREATE_RETENTION_POLICY);
    const hb_iql_create_rp *c = &st->u.create_rp;
    assert_str(c->name, "rp1");
    assert_str(c->database, "db1");
    assert_int_equal(c->duration, HB_IQL_NS_PER_HOUR);
    assert_int_equal(c->replication, 2);
    assert_int_equal(c->shard_duration, 0);
    assert_false(c->is_default);

    st = parse_one("CREATE RETENTION POLICY \"rp 1\" ON db1 DURATION INF REPLICATION 1 SHARD DURATION 2w DEFAULT");
    c = &st->u.create_rp;
    assert_int_equal(c->duration, 0);
    assert_int_equal(c->shard_duration, 2 * HB_IQL_NS_PER_WEEK);
    assert_true(c->is_default);

    parse_err("CREATE RETENTION POLICY rp1 ON db1", HB_EPARSE,
              "found EOF, expected DURATION at line 1, char 36");
    parse_err("CREATE RETENTION POLICY rp1 ON db1 DURATION 1h", HB_EPARSE,
              "found EOF, expected REPLICATION at line 1, char 47");
    parse_err("CREATE RETENTION POLICY rp1 ON db1 DURATION 1h REPLICATION 0", HB_EPARSE,
              "invalid value 0: must be 1 <= n <= 2147483647 at line 1, char 60");
    parse_err("CREATE RETENTION POLICY rp1 ON db1 DURATION 1h REPLICATION 1 SHARD DURATION INF",
              HB_EPARSE, "invalid duration INF for shard duration at line 1, char 77");
    parse_err("CREATE RETENTION POLICY rp1 ON db1 REPLICATION 1 DURATION 1h", HB_EPARSE,
              "found REPLICATION, expected DURATION at line 1, char 36");
    parse_err("CREATE RETENTION POLICY rp1 ON db1 DURATION 1h REPLICATION 1 DEFAULT SHARD DURATION 30m",
              HB_EPARSE, "found SHARD, expected ; at line 1, char 70");
}

static void test_alter_rp(void **state)
{
    (void)state;
    hb_iql_stmt *st = parse_one("ALTER RETENTION POLICY rp1 ON db1 DEFAULT REPLICATION 2 SHARD DURATION 1h DURATION 2h");
    assert_int_equal(st->kind, HB_IQL_STMT_ALTER_RETENTION_POLICY);
    const hb_iql_alter_rp *a = &st->u.alter_rp;
    assert_str(a->name, "rp1");
    assert_str(a->database, "db1");
    assert_true(a->is_default);
    assert_true(a->has_replication);
    assert_int_equal(a->replication, 2);
    assert_true(a->has_shard_duration);
    assert_int_equal(a->shard_duration, HB_IQL_NS_PER_HOUR);
    assert_true(a->has_duration);
    assert_int_equal(a->duration, 2 * HB_IQL_NS_PER_HOUR);

    st = parse_one("ALTER RETENTION POLICY DEFAULT ON db1 DURATION INF");
    assert_str(st->u.alter_rp.name, "default");
    assert_true(st->u.alter_rp.has_duration);
    assert_int_equal(st->u.alter_rp.duration, 0);
    assert_false(st->u.alter_rp.has_replication);

    parse_err("ALTER RETENTION POLICY rp1 ON db1", HB_EPARSE,
              "found EOF, expected DURATION, REPLICATION, SHARD, DEFAULT at line 1, char 35");
    parse_err("ALTER RETENTION POLICY rp1 ON db1 REPLICATION 1 REPLICATION 2", HB_EPARSE,
              "found duplicate REPLICATION option at line 1, char 49");
    parse_err("ALTER RETENTION POLICY rp1 ON db1 DURATION 15251w", HB_EPARSE,
              "overflowed duration 15251w: choose a smaller duration or INF at line 1, char 44");
    parse_err("ALTER RETENTION POLICY rp1 ON db1 SHARD DURATION INF", HB_EPARSE,
              "invalid duration INF for shard duration at line 1, char 50");
    parse_err("ALTER RETENTION POLICY rp1 ON db1 DURATION 2h FOO", HB_EPARSE,
              "found FOO, expected ; at line 1, char 47");
    parse_err("ALTER", HB_EPARSE, "found EOF, expected RETENTION at line 1, char 7");
}

static void test_drop_show_rp(void **state)
{
    (void)state;
    hb_iql_stmt *st = parse_one("DROP RETENTION POLICY rp1 ON db1");
    assert_int_equal(st->kind, HB_IQL_STMT_DROP_RETENTION_POLICY);
    assert_str(st->u.on.name, "rp1");
    assert_str(st->u.on.database, "db1");
    st = parse_one("SHOW RETENTION POLICIES");
    assert_int_equal(st->kind, HB_IQL_STMT_SHOW_RETENTION_POLICIES);
    assert_int_equal(st->u.database.n, 0);
    st = parse_one("show retention policies on \"db 1\"");
    assert_str(st->u.database, "db 1");
    parse_err("DROP RETENTION POLICY rp1", HB_EPARSE, "found EOF, expected ON at line 1, char 27");
    parse_err("SHOW RETENTION", HB_EPARSE, "found EOF, expected POLICIES at line 1, char 16");
    parse_err("SHOW RETENTION POLICIES ON", HB_EPARSE,
              "found EOF, expected identifier at line 1, char 28");
    parse_err("SHOW RETENTION POLICIES db1", HB_EPARSE, "found db1, expected ; at line 1, char 25");
}

/* ---- queries, comments, trimming ---------------------------------------- */

static void test_multi_statement(void **state)
{
    (void)state;
    hb_iql_query *q = parse_ok("");
    assert_int_equal(q->nstmts, 0);
    q = parse_ok(";;");
    assert_int_equal(q->nstmts, 0);
    q = parse_ok("-- just a comment");
    assert_int_equal(q->nstmts, 0);
    q = parse_ok("CREATE DATABASE a;;DROP DATABASE b; /* c */ SHOW DATABASES;\n-- end");
    assert_int_equal(q->nstmts, 3);
    assert_int_equal(q->stmts[0]->kind, HB_IQL_STMT_CREATE_DATABASE);
    assert_int_equal(q->stmts[1]->kind, HB_IQL_STMT_DROP_DATABASE);
    assert_int_equal(q->stmts[2]->kind, HB_IQL_STMT_SHOW_DATABASES);
    parse_err("CREATE DATABASE a /* open", HB_EPARSE, "found ILLEGAL, expected ; at line 1, char 19");
    parse_err("SELECT", HB_EPARSE, "found EOF, expected identifier, string, number, bool at line 1, char 8");
    parse_err("CREATE DATABASE\n\n  x y", HB_EPARSE, "found y, expected ; at line 3, char 5");
}

static void test_trim_space(void **state)
{
    (void)state;
    const char *q = " \t\n\r\v\f CREATE DATABASE x \xc2\xa0\xe3\x80\x80\n";
    size_t n = strlen(q);
    hb_iql_trim_space(&q, &n);
    assert_int_equal(n, strlen("CREATE DATABASE x"));
    assert_memory_equal(q, "CREATE DATABASE x", n);
    q = "   ";
    n = 3;
    hb_iql_trim_space(&q, &n);
    assert_int_equal(n, 0);
    q = "x\xff";
    n = 2;
    hb_iql_trim_space(&q, &n);
    assert_int_equal(n, 2);
}

/* ---- bind parameters ----------------------------------------------------- */

static int parse_params(const char *q, const hb_iql_param *p, size_t n, hb_iql_query **out, hb_err *err)
{
    hb_iql_params params = {p, n};
    return hb_influxql_parse(q, strlen(q), &params, &arena, out, err);
}

#define PARAM_S(nm, t, str) {nm, sizeof(nm) - 1, t, str, sizeof(str) - 1, 0, 0, 0}

static void test_bind_params(void **state)
{
    (void)state;
    hb_iql_query *q;
    hb_err err;
    const hb_iql_param p[] = {
        PARAM_S("db", HB_IQL_PARAM_IDENT, "mydb"),
        PARAM_S("s", HB_IQL_PARAM_STRING, "it's"),
        {"i", 1, HB_IQL_PARAM_INTEGER, NULL, 0, -5, 0, 0},
        {"f", 1, HB_IQL_PARAM_FLOAT, NULL, 0, 0, 2.5, 0},
        {"b", 1, HB_IQL_PARAM_BOOLEAN, NULL, 0, 0, 0, 1},
        PARAM_S("d", HB_IQL_PARAM_DURATION, "90m"),
        PARAM_S("re", HB_IQL_PARAM_REGEX, "^a.*"),
        PARAM_S("bad", HB_IQL_PARAM_ERROR, "unable to bind parameter with type <nil>"),
        {"big", 3, HB_IQL_PARAM_FLOAT, NULL, 0, 0, 1e21, 0},
    };
    const size_t np = sizeof p / sizeof p[0];

    assert_int_equal(parse_params("CREATE DATABASE $db WITH DURATION $d", p, np, &q, &err), 0);
    assert_str(q->stmts[0]->u.create_db.name, "mydb");
    assert_int_equal(q->stmts[0]->u.create_db.duration, 90 * HB_IQL_NS_PER_MIN);

    assert_int_equal(parse_params("SELECT v FROM m WHERE a = $s AND b = $i AND c = $f AND d = $b AND e =~ $re",
                                  p, np, &q, &err), 0);
    hb_buf b;
    hb_buf_init(&b, 0);
    assert_int_equal(hb_iql_format_stmt(&b, q->stmts[0]), 0);
    assert_string_equal(hb_buf_cstr(&b),
                        "SELECT v FROM m WHERE a = 'it\\'s' AND b = -5 AND c = 2.500 AND d = true AND e =~ /^a.*/");
    hb_buf_free(&b);

    /* a string is never an identifier, however it is spelled */
    assert_int_equal(parse_params("CREATE DATABASE $s", p, np, &q, &err), HB_EPARSE);
    assert_string_equal(err.msg, "found it's, expected identifier at line 1, char 17");
    assert_int_equal(parse_params("CREATE DATABASE $f", p, np, &q, &err), HB_EPARSE);
    assert_string_equal(err.msg, "found 2.5, expected identifier at line 1, char 17");
    assert_int_equal(parse_params("CREATE DATABASE $big", p, np, &q, &err), HB_EPARSE);
    assert_string_equal(err.msg, "found 1000000000000000000000, expected identifier at line 1, char 17");
    assert_int_equal(parse_params("SELECT v FROM m WHERE a = $bad", p, np, &q, &err), HB_EPARSE);
    assert_string_equal(err.msg, "missing parameter: unable to bind parameter with type <nil>");
    assert_int_equal(parse_params("SELECT v FROM m WHERE a = $nope", p, np, &q, &err), HB_EPARSE);
    assert_string_equal(err.msg, "missing parameter: nope");
    assert_int_equal(parse_params("SELECT v FROM m WHERE a = $", p, np, &q, &err), HB_EPARSE);
    assert_string_equal(err.msg, "empty bound parameter");
    assert_int_equal(parse_params("SELECT v FROM m WHERE a =~ $s", p, np, &q, &err), HB_EPARSE);
    assert_string_equal(err.msg, "found it's, expected regex at line 1, char 28");
    assert_int_equal(parse_params("CREATE DATABASE x WITH DURATION 1h REPLICATION $i", p, np, &q, &err), HB_EPARSE);
    assert_string_equal(err.msg, "invalid value -5: must be 1 <= n <= 2147483647 at line 1, char 48");
    assert_int_equal(parse_params("SELECT * FROM m LIMIT $i", p, np, &q, &err), HB_EPARSE);
    assert_string_equal(err.msg, "LIMIT must be >= 0 at line 1, char 23");
    /* params are case-sensitive */
    assert_int_equal(parse_params("SELECT v FROM m WHERE a = $S", p, np, &q, &err), HB_EPARSE);
    assert_string_equal(err.msg, "missing parameter: S");
}

/* ---- caps ------------------------------------------------------------------ */

static void test_limits(void **state)
{
    (void)state;
    hb_iql_query *q;
    hb_err err;
    size_t big = HB_IQL_MAX_QUERY_BYTES + 1;
    char *s = malloc(big + 1);
    assert_non_null(s);
    memset(s, ' ', big);
    s[big] = '\0';
    assert_int_equal(hb_influxql_parse(s, big, NULL, &arena, &q, &err), HB_ELIMIT);
    assert_null(q);

    /* deep parentheses: refused before the stack is at risk */
    size_t depth = 100000;
    char *d = malloc(depth * 2 + 64);
    assert_non_null(d);
    strcpy(d, "SELECT ");
    size_t n = strlen(d);
    memset(d + n, '(', depth);
    n += depth;
    d[n++] = 'x';
    memset(d + n, ')', depth);
    n += depth;
    strcpy(d + n, " FROM m");
    assert_int_equal(hb_influxql_parse(d, strlen(d), NULL, &arena, &q, &err), HB_ELIMIT);
    assert_string_equal(err.msg, "query nests too deeply (more than 100 levels) at line 1, char 108");

    /* 60 nested calls are fine */
    strcpy(d, "SELECT ");
    for (int i = 0; i < 60; i++)
        strcat(d, "f(");
    strcat(d, "x");
    for (int i = 0; i < 60; i++)
        strcat(d, ")");
    strcat(d, " FROM m");
    assert_int_equal(hb_influxql_parse(d, strlen(d), NULL, &arena, &q, &err), 0);

    /* a long flat chain a + a + ... makes a deep tree: capped too */
    n = 0;
    n += (size_t)sprintf(d + n, "SELECT a");
    for (int i = 0; i < 2000; i++)
        n += (size_t)sprintf(d + n, " + a");
    sprintf(d + n, " FROM m");
    assert_int_equal(hb_influxql_parse(d, strlen(d), NULL, &arena, &q, &err), HB_ELIMIT);
    assert_non_null(strstr(err.msg, "expression nests too deeply (more than 1000 levels)"));
    /* ... while long OR chains of realistic size are fine */
    n = (size_t)sprintf(d, "SELECT v FROM m WHERE h = 'a'");
    for (int i = 0; i < 900; i++)
        n += (size_t)sprintf(d + n, " OR h = 'x%d'", i);
    assert_int_equal(hb_influxql_parse(d, strlen(d), NULL, &arena, &q, &err), 0);
    free(d);
    free(s);

    /* an arena cap turns into ENOMEM, never a crash */
    hb_arena small;
    hb_arena_init(&small, 1024, 2048);
    const char *long_q = "SELECT a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t FROM m WHERE a = 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'";
    assert_int_equal(hb_influxql_parse(long_q, strlen(long_q), NULL, &small, &q, &err), HB_ENOMEM);
    assert_null(q);
    hb_arena_free(&small);
}

/* ---- printer --------------------------------------------------------------- */

/* (input, text InfluxDB printed for it): the GET /query "read only context"
 * warning for DDL, SHOW CONTINUOUS QUERIES for CQs. */
static const struct {
    const char *q, *want;
} printed[] = {
    {"CREATE DATABASE \"fmt db\" WITH DURATION 2d REPLICATION 1 SHARD DURATION 1h NAME \"r p\"", "CREATE DATABASE \"fmt db\" WITH DURATION 48h0m0s REPLICATION 1 SHARD DURATION 1h0m0s NAME \"r p\""},
    {"CREATE DATABASE fmt2 WITH DURATION INF", "CREATE DATABASE fmt2 WITH DURATION 0s"},
    {"CREATE DATABASE fmt3 WITH NAME x", "CREATE DATABASE fmt3 WITH NAME x"},
    {"CREATE DATABASE \"select\"", "CREATE DATABASE \"select\""},
    {"CREATE DATABASE fmt4 WITH DURATION 90m SHARD DURATION 30m", "CREATE DATABASE fmt4 WITH DURATION 1h30m0s SHARD DURATION 30m0s"},
    {"CREATE RETENTION POLICY \"r\" ON fmtdb DURATION 90m REPLICATION 1 SHARD DURATION 30m DEFAULT", "CREATE RETENTION POLICY r ON fmtdb DURATION 90m REPLICATION 1 SHARD DURATION 30m DEFAULT"},
    {"CREATE RETENTION POLICY r5 ON fmtdb DURATION INF REPLICATION 1", "CREATE RETENTION POLICY r5 ON fmtdb DURATION 0s REPLICATION 1"},
    {"CREATE RETENTION POLICY r3 ON fmtdb DURATION 1w REPLICATION 1 SHARD DURATION 1d", "CREATE RETENTION POLICY r3 ON fmtdb DURATION 1w REPLICATION 1 SHARD DURATION 1d"},
    {"ALTER RETENTION POLICY r5 ON fmtdb DEFAULT SHARD DURATION 2h DURATION 5h REPLICATION 1", "ALTER RETENTION POLICY r5 ON fmtdb DURATION 5h REPLICATION 1 SHARD DURATION 2h DEFAULT"},
    {"ALTER RETENTION POLICY r5 ON fmtdb DURATION 36h", "ALTER RETENTION POLICY r5 ON fmtdb DURATION 36h"},
    {"ALTER RETENTION POLICY r2 ON fmtdb DEFAULT", "ALTER RETENTION POLICY r2 ON fmtdb DEFAULT"},
    {"DROP RETENTION POLICY r3 ON fmtdb", "DROP RETENTION POLICY r3 ON fmtdb"},
    {"CREATE USER \"bo b\" WITH PASSWORD 'x'", "CREATE USER \"bo b\" WITH PASSWORD [REDACTED]"},
    {"CREATE USER admin1 WITH PASSWORD 'x' WITH ALL PRIVILEGES", "CREATE USER admin1 WITH PASSWORD [REDACTED] WITH ALL PRIVILEGES"},
    {"SET PASSWORD FOR \"bo b\" = 'y'", "SET PASSWORD FOR \"bo b\" = [REDACTED]"},
    {"GRANT READ ON fmtdb TO \"bo b\"", "GRANT READ ON fmtdb TO \"bo b\""},
    {"GRANT ALL PRIVILEGES ON fmtdb TO \"bo b\"", "GRANT ALL PRIVILEGES ON fmtdb TO \"bo b\""},
    {"REVOKE WRITE ON fmtdb FROM \"bo b\"", "REVOKE WRITE ON fmtdb FROM \"bo b\""},
    {"GRANT ALL TO \"bo b\"", "GRANT ALL PRIVILEGES TO \"bo b\""},
    {"REVOKE ALL PRIVILEGES FROM \"bo b\"", "REVOKE ALL PRIVILEGES FROM \"bo b\""},
    {"DROP USER \"bo b\"", "DROP USER \"bo b\""},
    {"DROP USER admin1", "DROP USER admin1"},
    {"DROP MEASUREMENT \"m 1\"", "DROP MEASUREMENT \"m 1\""},
    {"DROP SERIES FROM cpu, \"m 2\" WHERE host = 'a' AND \"reg ion\" =~ /x\\/y/", "DROP SERIES FROM cpu, \"m 2\" WHERE host = 'a' AND \"reg ion\" =~ /x\\/y/"},
    {"DROP SHARD 12345", "DROP SHARD 12345"},
    {"CREATE SUBSCRIPTION \"s 1\" ON fmtdb.autogen DESTINATIONS ANY 'udp://h:1', 'udp://h:2'", "CREATE SUBSCRIPTION \"s 1\" ON fmtdb.autogen DESTINATIONS ANY 'udp://h:1', 'udp://h:2'"},
    {"DROP SUBSCRIPTION \"s 1\" ON fmtdb.autogen", "DROP SUBSCRIPTION \"s 1\" ON fmtdb.autogen"},
    {"DROP DATABASE fmt2", "DROP DATABASE fmt2"},
    {"DROP DATABASE fmt3", "DROP DATABASE fmt3"},
    {"DROP DATABASE fmt4", "DROP DATABASE fmt4"},
    {"DROP DATABASE \"fmt db\"", "DROP DATABASE \"fmt db\""},
    {"DROP DATABASE \"select\"", "DROP DATABASE \"select\""},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT mean(value) INTO fmtdb.r2.cpu_1h FROM fmtdb.r2.cpu GROUP BY time(1h) END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT mean(value) INTO fmtdb.r2.cpu_1h FROM fmtdb.r2.cpu GROUP BY time(1h) END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT mean(value) AS m, max(\"v a\") INTO fmtdb.r2.\"m y\" FROM fmtdb.r2.cpu, fmtdb.r2./mem.*/, db0.autogen.disk WHERE host = 'a\\'b' AND time > now() - 1d GROUP BY time(1h, 15m), host, /reg/ fill(none) END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT mean(value) AS m, max(\"v a\") INTO fmtdb.r2.\"m y\" FROM fmtdb.r2.cpu, fmtdb.r2./mem.*/, db0.autogen.disk WHERE host = 'a\\'b' AND time > now() - 1d GROUP BY time(1h, 15m), host, /reg/ fill(none) END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT mean(*) INTO fmtdb.r2.:MEASUREMENT FROM fmtdb.r2./.*/ GROUP BY time(30m) fill(linear) END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT mean(*) INTO fmtdb.r2.:MEASUREMENT FROM fmtdb.r2./.*/ GROUP BY time(30m) fill(linear) END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT count(v) INTO fmtdb.r2.x FROM fmtdb.r2.cpu GROUP BY time(1h) fill(-1) END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT count(v) INTO fmtdb.r2.x FROM fmtdb.r2.cpu GROUP BY time(1h) fill(-1) END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT count(v) INTO fmtdb.r2.x FROM fmtdb.r2.cpu GROUP BY time(1h) fill(1.5) END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT count(v) INTO fmtdb.r2.x FROM fmtdb.r2.cpu GROUP BY time(1h) fill(1.5) END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT count(v) INTO fmtdb.r2.x FROM fmtdb.r2.cpu GROUP BY time(1h) fill(0.00001) END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT count(v) INTO fmtdb.r2.x FROM fmtdb.r2.cpu GROUP BY time(1h) fill(1e-05) END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT count(v) INTO fmtdb.r2.x FROM fmtdb.r2.cpu GROUP BY time(1h) fill(123456.0) END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT count(v) INTO fmtdb.r2.x FROM fmtdb.r2.cpu GROUP BY time(1h) fill(123456) END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT count(v) INTO fmtdb.r2.x FROM fmtdb.r2.cpu GROUP BY time(1h) fill(1234567.5) END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT count(v) INTO fmtdb.r2.x FROM fmtdb.r2.cpu GROUP BY time(1h) fill(1.2345675e+06) END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT count(v) INTO fmtdb.r2.x FROM fmtdb.r2.cpu GROUP BY time(1h) fill(previous) LIMIT 5 OFFSET 2 SLIMIT 3 SOFFSET 1 END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT count(v) INTO fmtdb.r2.x FROM fmtdb.r2.cpu GROUP BY time(1h) fill(previous) LIMIT 5 OFFSET 2 SLIMIT 3 SOFFSET 1 END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT percentile(v, 95.5), top(v, host, 3), derivative(mean(v), 1s) / 2 INTO fmtdb.r2.x FROM fmtdb.r2.cpu GROUP BY time(1h) tz('America/Chicago') END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT percentile(v, 95.500), top(v, host, 3), derivative(mean(v), 1s) / 2 INTO fmtdb.r2.x FROM fmtdb.r2.cpu GROUP BY time(1h) TZ('America/Chicago') END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT mean(v) * -1, -mean(v), (mean(a) + mean(b)) / 2.0 INTO fmtdb.r2.x FROM fmtdb.r2.cpu WHERE a::tag = 'x' AND b::field > 1.25 OR c != true GROUP BY time(1h) END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT mean(v) * -1, -1 * mean(v), (mean(a) + mean(b)) / 2.000 INTO fmtdb.r2.x FROM fmtdb.r2.cpu WHERE a::tag = 'x' AND b::field > 1.250 OR c != true GROUP BY time(1h) END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT v::float, w::integer, *::tag, x::unsigned, y::string, z::boolean INTO fmtdb.r2.x FROM fmtdb.r2.cpu WHERE t =~ /^a.*$/ AND u !~ /b\\/c/ END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT v::float, w::integer, *::tag, x::unsigned, y::string, z::boolean INTO fmtdb.r2.x FROM fmtdb.r2.cpu WHERE t =~ /^a.*$/ AND u !~ /b\\/c/ END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT \"select\", \"a b\", \"\303\251\", \"x\\\"y\" INTO fmtdb.r2.\"into\" FROM fmtdb.r2.\"from\" END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT \"select\", \"a b\", \"\303\251\", \"x\\\"y\" INTO fmtdb.r2.\"into\" FROM fmtdb.r2.\"from\" END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT v INTO fmtdb.r2.x FROM fmtdb.r2.cpu WHERE time >= '2020-01-01' AND time < 1577836800000000000 AND d = 10u AND e = 1500ms AND f = 3ns AND g = 2w AND h = 36h END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT v INTO fmtdb.r2.x FROM fmtdb.r2.cpu WHERE time >= '2020-01-01' AND time < 1577836800000000000 AND d = 10u AND e = 1500ms AND f = 3ns AND g = 2w AND h = 36h END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT v INTO fmtdb.r2.x FROM fmtdb.r2.cpu ORDER BY time DESC END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT v INTO fmtdb.r2.x FROM fmtdb.r2.cpu ORDER BY time DESC END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT v INTO fmtdb.r2.x FROM fmtdb.r2.cpu ORDER BY ASC END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT v INTO fmtdb.r2.x FROM fmtdb.r2.cpu ORDER BY ASC END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT v INTO fmtdb.r2.x FROM fmtdb.r2.cpu WHERE s = 'new\\nline' AND t = 'back\\\\slash' AND u = 'quote\\'s' AND w = 'dq\"' END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT v INTO fmtdb.r2.x FROM fmtdb.r2.cpu WHERE s = 'new\\nline' AND t = 'back\\\\slash' AND u = 'quote\\'s' AND w = 'dq\"' END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT v INTO fmtdb.r2.x FROM fmtdb.r2.cpu WHERE a = 9223372036854775808 AND b = -9223372036854775808 AND c = 1.0 AND d = -0.5 AND e = .25 END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT v INTO fmtdb.r2.x FROM fmtdb.r2.cpu WHERE a = 9223372036854775808 AND b = -9223372036854775808 AND c = 1.000 AND d = -0.500 AND e = 0.250 END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT mean(v) INTO fmtdb.r2.x FROM (SELECT max(v) AS v FROM fmtdb.r2.cpu GROUP BY time(1m)) GROUP BY time(1h) END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT mean(v) INTO fmtdb.r2.x FROM (SELECT max(v) AS v FROM fmtdb.r2.cpu GROUP BY time(1m)) GROUP BY time(1h) END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT distinct(v) INTO fmtdb.r2.x FROM fmtdb.r2.cpu GROUP BY time(1h) END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT distinct(v) INTO fmtdb.r2.x FROM fmtdb.r2.cpu GROUP BY time(1h) END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT count(distinct(v)) INTO fmtdb.r2.x FROM fmtdb.r2.cpu GROUP BY time(1h) END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT count(distinct(v)) INTO fmtdb.r2.x FROM fmtdb.r2.cpu GROUP BY time(1h) END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT v INTO fmtdb.r2.x FROM fmtdb.r2.cpu WHERE a & 1 = 1 OR b | 2 ^ 3 % 4 = 0 END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT v INTO fmtdb.r2.x FROM fmtdb.r2.cpu WHERE a & 1 = 1 OR b | 2 ^ 3 % 4 = 0 END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT v INTO fmtdb.r2.x FROM fmtdb.r2.cpu WHERE (a = 1 OR b = 2) AND ((c)) END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT v INTO fmtdb.r2.x FROM fmtdb.r2.cpu WHERE (a = 1 OR b = 2) AND ((c)) END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT count(/x/), mean(/y.*/) INTO fmtdb.r2.x FROM fmtdb.r2.cpu GROUP BY time(1h) END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT count(/x/), mean(/y.*/) INTO fmtdb.r2.x FROM fmtdb.r2.cpu GROUP BY time(1h) END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT /x/ INTO fmtdb.r2.x FROM fmtdb.r2.cpu END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT /x/ INTO fmtdb.r2.x FROM fmtdb.r2.cpu END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT * INTO fmtdb.r2.x FROM fmtdb.r2.cpu GROUP BY * END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT * INTO fmtdb.r2.x FROM fmtdb.r2.cpu GROUP BY * END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT \"time\" INTO fmtdb.r2.x FROM fmtdb.r2.cpu END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT time INTO fmtdb.r2.x FROM fmtdb.r2.cpu END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT v AS \"AS\", w AS \"a-b\", x AS y INTO fmtdb.r2.x FROM fmtdb.r2.cpu END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT v AS \"AS\", w AS \"a-b\", x AS y INTO fmtdb.r2.x FROM fmtdb.r2.cpu END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT mean(v) INTO fmtdb.r2.x FROM fmtdb.r2.cpu WHERE true GROUP BY time(1h) fill(null) END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT mean(v) INTO fmtdb.r2.x FROM fmtdb.r2.cpu WHERE true GROUP BY time(1h) END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT DISTINCT v INTO fmtdb.r2.x FROM fmtdb.r2.cpu END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT DISTINCT v INTO fmtdb.r2.x FROM fmtdb.r2.cpu END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT v INTO fmtdb.r2.x FROM fmtdb.r2.cpu WHERE v = 'a' AND \"host name\" = 'b' AND time > now() - 1h30m END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT v INTO fmtdb.r2.x FROM fmtdb.r2.cpu WHERE v = 'a' AND \"host name\" = 'b' AND time > now() - 90m END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT v INTO fmtdb.r2.x FROM fmtdb.r2.cpu WHERE x = 1.23456 AND y = 12345678901234.5 AND z = 0.0005 END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT v INTO fmtdb.r2.x FROM fmtdb.r2.cpu WHERE x = 1.235 AND y = 12345678901234.500 AND z = 0.001 END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT sample(v, 3), holt_winters(mean(v), 10, 4) INTO fmtdb.r2.x FROM fmtdb.r2.cpu GROUP BY time(1h) END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT sample(v, 3), holt_winters(mean(v), 10, 4) INTO fmtdb.r2.x FROM fmtdb.r2.cpu GROUP BY time(1h) END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT v INTO fmtdb.r2.x FROM fmtdb.r2.cpu WHERE host = '' AND \"\" = 'x' END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT v INTO fmtdb.r2.x FROM fmtdb.r2.cpu WHERE host = '' AND \"\" = 'x' END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT v INTO fmtdb.r2.x FROM fmtdb.r2.cpu tz('UTC') END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT v INTO fmtdb.r2.x FROM fmtdb.r2.cpu TZ('UTC') END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT v INTO fmtdb.r2.x FROM fmtdb.r2.cpu tz('') END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb BEGIN SELECT v INTO fmtdb.r2.x FROM fmtdb.r2.cpu TZ('UTC') END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb RESAMPLE EVERY 2h FOR 4h BEGIN SELECT mean(v) INTO fmtdb.r2.x FROM fmtdb.r2.cpu GROUP BY time(1h) END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb RESAMPLE EVERY 2h FOR 4h BEGIN SELECT mean(v) INTO fmtdb.r2.x FROM fmtdb.r2.cpu GROUP BY time(1h) END"},
    {"CREATE CONTINUOUS QUERY fmtcq ON fmtdb RESAMPLE FOR 90m BEGIN SELECT mean(v) INTO fmtdb.r2.x FROM fmtdb.r2.cpu GROUP BY time(1h) END", "CREATE CONTINUOUS QUERY fmtcq ON fmtdb RESAMPLE FOR 90m BEGIN SELECT mean(v) INTO fmtdb.r2.x FROM fmtdb.r2.cpu GROUP BY time(1h) END"},
};

static void test_printer(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof printed / sizeof printed[0]; i++) {
        hb_iql_stmt *st = parse_one(printed[i].q);
        hb_buf b;
        hb_buf_init(&b, 0);
        assert_int_equal(hb_iql_format_stmt(&b, st), 0);
        if (strcmp(hb_buf_cstr(&b), printed[i].want) != 0)
            fprintf(stderr, "input: %s\n  want: %s\n  got:  %s\n", printed[i].q, printed[i].want,
                    hb_buf_cstr(&b));
        assert_string_equal(hb_buf_cstr(&b), printed[i].want);
        hb_buf_free(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_database_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drop_show_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_rp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_alter_rp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drop_show_rp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_multi_statement, setup, teardown),
        cmocka_unit_test(test_trim_space),
        cmocka_unit_test_setup_teardown(test_bind_params, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_printer, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
