/* InfluxQL parser: AST of SELECT (fields, INTO, FROM, WHERE, GROUP BY,
 * fill, ORDER BY, limits, tz) and of the other statement kinds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
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

static hb_iql_stmt *one(const char *q)
{
    hb_iql_query *query = NULL;
    hb_err err;
    int rc = hb_influxql_parse(q, strlen(q), NULL, &arena, &query, &err);
    if (rc)
        fail_msg("%s: %s", q, err.msg);
    assert_int_equal(query->nstmts, 1);
    return query->stmts[0];
}

static hb_iql_select *sel(const char *q)
{
    hb_iql_stmt *st = one(q);
    assert_int_equal(st->kind, HB_IQL_STMT_SELECT);
    return st->u.select;
}

static void assert_str(hb_iql_str s, const char *want)
{
    assert_int_equal(s.n, strlen(want));
    assert_string_equal(s.p, want);
}

/* Expression in InfluxDB's printed form. */
static const char *expr_text(const hb_iql_expr *e)
{
    static char out[512];
    hb_buf b;
    hb_buf_init(&b, 0);
    assert_int_equal(hb_iql_format_expr(&b, e), 0);
    snprintf(out, sizeof out, "%s", hb_buf_cstr(&b));
    hb_buf_free(&b);
    return out;
}

static hb_iql_expr *expr(const char *q)
{
    hb_iql_expr *e = NULL;
    hb_err err;
    int rc = hb_influxql_parse_expr(q, strlen(q), NULL, &arena, &e, &err);
    if (rc)
        fail_msg("%s: %s", q, err.msg);
    return e;
}

static void test_fields(void **state)
{
    (void)state;
    hb_iql_select *s = sel("SELECT *, *::tag, count(/cpu.*/), mean(\"v a\") AS m, v::float, DISTINCT host FROM cpu");
    assert_int_equal(s->nfields, 6);
    assert_int_equal(s->fields[0].expr->kind, HB_IQL_EXPR_WILDCARD);
    assert_int_equal(s->fields[0].expr->u.wildcard, HB_IQL_DT_UNKNOWN);
    assert_int_equal(s->fields[1].expr->u.wildcard, HB_IQL_DT_TAG);
    const hb_iql_expr *c = s->fields[2].expr;
    assert_int_equal(c->kind, HB_IQL_EXPR_CALL);
    assert_str(c->u.call.name, "count");
    assert_int_equal(c->u.call.nargs, 1);
    assert_int_equal(c->u.call.args[0]->kind, HB_IQL_EXPR_REGEX);
    assert_str(c->u.call.args[0]->u.regex, "cpu.*");
    assert_str(s->fields[3].alias, "m");
    assert_str(s->fields[3].expr->u.call.args[0]->u.ref.name, "v a");
    assert_int_equal(s->fields[4].expr->u.ref.type, HB_IQL_DT_FLOAT);
    assert_int_equal(s->fields[5].expr->kind, HB_IQL_EXPR_DISTINCT);
    assert_str(s->fields[5].expr->u.distinct, "host");
    assert_false(s->is_raw);
    assert_string_equal(hb_iql_field_name(&s->fields[2], &arena), "count");
    assert_string_equal(hb_iql_field_name(&s->fields[3], &arena), "m");

    s = sel("SELECT a + b * c, (a + b) * c, MEAN(x) - min(y) FROM cpu");
    assert_true(!s->is_raw);
    assert_str(s->fields[2].expr->u.bin.lhs->u.call.name, "mean");
    assert_string_equal(hb_iql_field_name(&s->fields[0], &arena), "a_b_c");
    assert_string_equal(hb_iql_field_name(&s->fields[2], &arena), "mean_min");
    s = sel("SELECT a, b FROM cpu");
    assert_true(s->is_raw);
}

static void test_expressions(void **state)
{
    (void)state;
    hb_iql_expr *e = expr("a + b * c");
    assert_int_equal(e->u.bin.op, HB_IQL_ADD);
    assert_int_equal(e->u.bin.rhs->u.bin.op, HB_IQL_MUL);
    e = expr("a * b + c");
    assert_int_equal(e->u.bin.op, HB_IQL_ADD);
    assert_int_equal(e->u.bin.lhs->u.bin.op, HB_IQL_MUL);
    e = expr("a - b - c");
    assert_int_equal(e->u.bin.op, HB_IQL_SUB);
    assert_int_equal(e->u.bin.lhs->u.bin.op, HB_IQL_SUB);
    assert_int_equal(e->depth, 3);
    e = expr("a = 1 OR b = 2 AND c =~ /x/");
    assert_int_equal(e->u.bin.op, HB_IQL_OR);
    assert_int_equal(e->u.bin.rhs->u.bin.op, HB_IQL_AND);
    assert_int_equal(e->u.bin.rhs->u.bin.rhs->u.bin.rhs->kind, HB_IQL_EXPR_REGEX);

    e = expr("-1");
    assert_int_equal(e->kind, HB_IQL_EXPR_INTEGER);
    assert_int_equal(e->u.i, -1);
    e = expr("-9223372036854775808");
    assert_int_equal(e->kind, HB_IQL_EXPR_INTEGER);
    assert_true(e->u.i == INT64_MIN);
    e = expr("9223372036854775808");
    assert_int_equal(e->kind, HB_IQL_EXPR_UNSIGNED);
    assert_true(e->u.u == (uint64_t)INT64_MAX + 1);
    e = expr("-1.5");
    assert_int_equal(e->kind, HB_IQL_EXPR_NUMBER);
    assert_true(e->u.f == -1.5);
    e = expr("-10s");
    assert_int_equal(e->kind, HB_IQL_EXPR_DURATION);
    assert_int_equal(e->u.i, -10 * HB_IQL_NS_PER_S);
    e = expr("-x");
    assert_string_equal(expr_text(e), "-1 * x");
    e = expr("now() - 1h");
    assert_string_equal(expr_text(e), "now() - 1h");
    e = expr("'it''s'");
    assert_int_equal(e->kind, HB_IQL_EXPR_STRING);
    e = expr("true");
    assert_true(e->u.b);
    e = expr("\"db\".\"rp\".m");
    assert_str(e->u.ref.name, "db.rp.m");
    e = expr("x::tag");
    assert_int_equal(e->u.ref.type, HB_IQL_DT_TAG);
    e = expr("x::field");
    assert_int_equal(e->u.ref.type, HB_IQL_DT_ANYFIELD);
    e = expr("f()");
    assert_int_equal(e->u.call.nargs, 0);
    e = expr("percentile(x, 95)");
    assert_int_equal(e->u.call.nargs, 2);
}

static void test_into_from(void **state)
{
    (void)state;
    hb_iql_select *s = sel("SELECT v INTO db.rp.m FROM db.rp.cpu, db..mem, rp.disk, /net.*/, rp./x/, db.rp./y/");
    assert_non_null(s->target);
    assert_str(s->target->database, "db");
    assert_str(s->target->rp, "rp");
    assert_str(s->target->name, "m");
    assert_true(s->target->is_target);
    assert_int_equal(s->nsources, 6);
    assert_str(s->sources[0].m.database, "db");
    assert_str(s->sources[0].m.rp, "rp");
    assert_str(s->sources[0].m.name, "cpu");
    assert_str(s->sources[1].m.database, "db");
    assert_str(s->sources[1].m.rp, "");
    assert_str(s->sources[1].m.name, "mem");
    assert_str(s->sources[2].m.database, "");
    assert_str(s->sources[2].m.rp, "rp");
    assert_int_equal(s->sources[3].m.regex->kind, HB_IQL_EXPR_REGEX);
    assert_str(s->sources[3].m.regex->u.regex, "net.*");
    assert_str(s->sources[4].m.rp, "rp");
    assert_str(s->sources[4].m.regex->u.regex, "x");
    assert_str(s->sources[5].m.database, "db");
    assert_str(s->sources[5].m.rp, "rp");

    s = sel("SELECT * INTO db..:MEASUREMENT FROM /.*/");
    assert_str(s->target->database, "db");
    assert_str(s->target->name, "");
    s = sel("SELECT * INTO rp.m FROM cpu");
    assert_str(s->target->rp, "rp");
    assert_str(s->target->name, "m");

    s = sel("SELECT max(m) FROM (SELECT mean(v) AS m FROM cpu GROUP BY time(1m)) WHERE time > 0");
    assert_int_equal(s->sources[0].kind, HB_IQL_SRC_SUBQUERY);
    assert_int_equal(s->sources[0].subquery->ndimensions, 1);
    assert_non_null(s->condition);
}

static void test_clauses(void **state)
{
    (void)state;
    hb_iql_select *s = sel("SELECT mean(v) FROM cpu WHERE host = 'a' AND time > now() - 1h "
                           "GROUP BY time(10m, 1m), host, /reg/, * fill(-1) ORDER BY time DESC "
                           "LIMIT 10 OFFSET 5 SLIMIT 3 SOFFSET 2 tz('Europe/Paris')");
    assert_int_equal(s->condition->u.bin.op, HB_IQL_AND);
    assert_int_equal(s->ndimensions, 4);
    assert_str(s->dimensions[0]->u.call.name, "time");
    assert_int_equal(s->dimensions[0]->u.call.nargs, 2);
    assert_str(s->dimensions[1]->u.ref.name, "host");
    assert_int_equal(s->dimensions[2]->kind, HB_IQL_EXPR_REGEX);
    assert_int_equal(s->dimensions[3]->kind, HB_IQL_EXPR_WILDCARD);
    int ok;
    const char *msg;
    assert_int_equal(hb_iql_group_by_interval(s, &ok, &msg), 10 * HB_IQL_NS_PER_MIN);
    assert_true(ok);
    assert_int_equal(s->fill, HB_IQL_FILL_NUMBER);
    assert_true(s->fill_is_int);
    assert_int_equal(s->fill_int, -1);
    assert_int_equal(s->nsort, 1);
    assert_str(s->sort[0].name, "time");
    assert_false(s->sort[0].ascending);
    assert_int_equal(s->limit, 10);
    assert_int_equal(s->offset, 5);
    assert_int_equal(s->slimit, 3);
    assert_int_equal(s->soffset, 2);
    assert_true(s->has_tz);
    assert_str(s->tz, "Europe/Paris");

    assert_int_equal(sel("SELECT v FROM m fill(none)")->fill, HB_IQL_FILL_NONE);
    assert_int_equal(sel("SELECT v FROM m fill(previous)")->fill, HB_IQL_FILL_PREVIOUS);
    assert_int_equal(sel("SELECT v FROM m fill(linear)")->fill, HB_IQL_FILL_LINEAR);
    assert_int_equal(sel("SELECT v FROM m fill(null)")->fill, HB_IQL_FILL_NULL);
    s = sel("SELECT v FROM m fill(2.5)");
    assert_false(s->fill_is_int);
    assert_true(s->fill_float == 2.5);
    s = sel("SELECT v FROM m ORDER BY ASC");
    assert_str(s->sort[0].name, "");
    assert_true(s->sort[0].ascending);
    s = sel("SELECT v FROM m LIMIT 99999999999999999999");
    assert_true(s->limit == INT64_MAX);

    s = sel("SELECT mean(v) FROM m GROUP BY time(x)");
    assert_int_equal(hb_iql_group_by_interval(s, &ok, &msg), 0);
    assert_false(ok);
    assert_string_equal(msg, "time dimension must have duration argument");
}

static void test_show(void **state)
{
    (void)state;
    hb_iql_stmt *st = one("SHOW MEASUREMENTS ON db WITH MEASUREMENT =~ /cpu.*/ WHERE a = 'b' LIMIT 5 OFFSET 1");
    assert_int_equal(st->kind, HB_IQL_STMT_SHOW_MEASUREMENTS);
    assert_str(st->u.show.database, "db");
    assert_str(st->u.show.with_measurement->m.regex->u.regex, "cpu.*");
    assert_int_equal(st->u.show.limit, 5);

    st = one("SHOW TAG VALUES FROM cpu WITH KEY IN (host, region) WHERE a = 'b'");
    assert_int_equal(st->kind, HB_IQL_STMT_SHOW_TAG_VALUES);
    assert_int_equal(st->u.show.tag_key_op, HB_IQL_IN);
    assert_int_equal(st->u.show.tag_key_expr->kind, HB_IQL_EXPR_LIST);
    assert_int_equal(st->u.show.tag_key_expr->u.list.n, 2);
    assert_str(st->u.show.tag_key_expr->u.list.vals[1], "region");
    st = one("SHOW TAG VALUES WITH KEY = \"host\"");
    assert_int_equal(st->u.show.tag_key_op, HB_IQL_EQ);
    assert_str(st->u.show.tag_key_expr->u.str, "host");
    st = one("SHOW TAG VALUES WITH KEY !~ /h/");
    assert_int_equal(st->u.show.tag_key_op, HB_IQL_NEQREGEX);

    static const struct {
        const char *q;
        hb_iql_stmt_kind kind;
        bool exact;
    } kinds[] = {
        {"SHOW SERIES", HB_IQL_STMT_SHOW_SERIES, false},
        {"SHOW SERIES EXACT FROM cpu", HB_IQL_STMT_SHOW_SERIES, false},
        {"SHOW SERIES CARDINALITY", HB_IQL_STMT_SHOW_SERIES_CARDINALITY, false},
        {"SHOW SERIES EXACT CARDINALITY GROUP BY host", HB_IQL_STMT_SHOW_SERIES_CARDINALITY, true},
        {"SHOW MEASUREMENT CARDINALITY", HB_IQL_STMT_SHOW_MEASUREMENT_CARDINALITY, false},
        {"SHOW MEASUREMENT EXACT CARDINALITY", HB_IQL_STMT_SHOW_MEASUREMENT_CARDINALITY, true},
        {"SHOW TAG KEYS FROM cpu SLIMIT 1", HB_IQL_STMT_SHOW_TAG_KEYS, false},
        {"SHOW TAG KEY CARDINALITY", HB_IQL_STMT_SHOW_TAG_KEY_CARDINALITY, false},
        {"SHOW TAG KEY EXACT CARDINALITY", HB_IQL_STMT_SHOW_TAG_KEY_CARDINALITY, true},
        {"SHOW TAG VALUES CARDINALITY WITH KEY = host", HB_IQL_STMT_SHOW_TAG_VALUES_CARDINALITY, false},
        {"SHOW TAG VALUES EXACT CARDINALITY WITH KEY = host", HB_IQL_STMT_SHOW_TAG_VALUES_CARDINALITY, true},
        {"SHOW FIELD KEYS FROM cpu", HB_IQL_STMT_SHOW_FIELD_KEYS, false},
        {"SHOW FIELD KEY CARDINALITY", HB_IQL_STMT_SHOW_FIELD_KEY_CARDINALITY, false},
        {"SHOW FIELD KEY EXACT CARDINALITY", HB_IQL_STMT_SHOW_FIELD_KEY_CARDINALITY, true},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        st = one(kinds[i].q);
        assert_int_equal(st->kind, kinds[i].kind);
        assert_int_equal(st->u.show.exact, kinds[i].exact);
    }
}

static void test_other_statements(void **state)
{
    (void)state;
    static const struct {
        const char *q;
        hb_iql_stmt_kind kind;
    } kinds[] = {
        {"DELETE FROM cpu WHERE time < 0", HB_IQL_STMT_DELETE_SERIES},
        {"DROP SERIES FROM cpu", HB_IQL_STMT_DROP_SERIES},
        {"DROP MEASUREMENT cpu", HB_IQL_STMT_DROP_MEASUREMENT},
        {"DROP SHARD 7", HB_IQL_STMT_DROP_SHARD},
        {"SHOW QUERIES", HB_IQL_STMT_SHOW_QUERIES},
        {"KILL QUERY 3 ON \"h:8088\"", HB_IQL_STMT_KILL_QUERY},
        {"CREATE USER u WITH PASSWORD 'p'", HB_IQL_STMT_CREATE_USER},
        {"DROP USER u", HB_IQL_STMT_DROP_USER},
        {"SET PASSWORD FOR u = 'p'", HB_IQL_STMT_SET_PASSWORD},
        {"SHOW USERS", HB_IQL_STMT_SHOW_USERS},
        {"GRANT READ ON db TO u", HB_IQL_STMT_GRANT},
        {"GRANT ALL TO u", HB_IQL_STMT_GRANT_ADMIN},
        {"REVOKE WRITE ON db FROM u", HB_IQL_STMT_REVOKE},
        {"REVOKE ALL PRIVILEGES FROM u", HB_IQL_STMT_REVOKE_ADMIN},
        {"SHOW GRANTS FOR u", HB_IQL_STMT_SHOW_GRANTS},
        {"DROP CONTINUOUS QUERY cq ON db", HB_IQL_STMT_DROP_CONTINUOUS_QUERY},
        {"SHOW CONTINUOUS QUERIES", HB_IQL_STMT_SHOW_CONTINUOUS_QUERIES},
        {"SHOW STATS FOR 'httpd'", HB_IQL_STMT_SHOW_STATS},
        {"SHOW DIAGNOSTICS", HB_IQL_STMT_SHOW_DIAGNOSTICS},
        {"SHOW SHARDS", HB_IQL_STMT_SHOW_SHARDS},
        {"SHOW SHARD GROUPS", HB_IQL_STMT_SHOW_SHARD_GROUPS},
        {"SHOW SUBSCRIPTIONS", HB_IQL_STMT_SHOW_SUBSCRIPTIONS},
        {"CREATE SUBSCRIPTION s ON db.rp DESTINATIONS ALL 'udp://a:1'", HB_IQL_STMT_CREATE_SUBSCRIPTION},
        {"DROP SUBSCRIPTION s ON db.rp", HB_IQL_STMT_DROP_SUBSCRIPTION},
        {"EXPLAIN ANALYZE SELECT * FROM cpu", HB_IQL_STMT_EXPLAIN},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        hb_iql_stmt *st = one(kinds[i].q);
        assert_int_equal(st->kind, kinds[i].kind);
        assert_string_not_equal(hb_iql_stmt_kind_name(st->kind), "UNKNOWN");
    }

    hb_iql_stmt *st = one("KILL QUERY 3 ON \"h:8088\"");
    assert_int_equal(st->u.kill.id, 3);
    assert_str(st->u.kill.host, "h:8088");
    st = one("GRANT WRITE ON db TO u");
    assert_int_equal(st->u.user.privilege, HB_IQL_PRIV_WRITE);
    assert_str(st->u.user.database, "db");
    assert_str(st->u.user.name, "u");
    st = one("CREATE USER u WITH PASSWORD 'p' WITH ALL PRIVILEGES");
    assert_str(st->u.user.password, "p");
    assert_true(st->u.user.admin);
    st = one("CREATE SUBSCRIPTION s ON db.rp DESTINATIONS ANY 'udp://a:1', 'udp://b:2'");
    assert_str(st->u.sub.mode, "ANY");
    assert_int_equal(st->u.sub.ndestinations, 2);
    assert_str(st->u.sub.destinations[1], "udp://b:2");
    st = one("EXPLAIN SELECT * FROM cpu");
    assert_false(st->u.explain.analyze);
    assert_non_null(st->u.explain.select);
    st = one("CREATE CONTINUOUS QUERY cq ON db RESAMPLE EVERY 1m FOR 2h BEGIN "
             "SELECT mean(v) INTO m2 FROM m GROUP BY time(1h) END");
    assert_int_equal(st->kind, HB_IQL_STMT_CREATE_CONTINUOUS_QUERY);
    assert_int_equal(st->u.cq.resample_every, HB_IQL_NS_PER_MIN);
    assert_int_equal(st->u.cq.resample_for, 2 * HB_IQL_NS_PER_HOUR);
    assert_str(st->u.cq.select->target->name, "m2");
    st = one("DELETE WHERE host = 'a'");
    assert_null(st->u.del.sources);
    assert_non_null(st->u.del.condition);
    st = one("DROP SHARD 18446744073709551615");
    assert_true(st->u.shard_id == UINT64_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expressions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_into_from, setup, teardown),
        cmocka_unit_test_setup_teardown(test_clauses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_show, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_statements, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
