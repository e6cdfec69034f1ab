/* app/metrics.c, app/statements.c, app/running.c */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <string.h>

#include "app/metrics.h"
#include "app/running.h"
#include "app/statements.h"

static void write_kinds(void **state)
{
    assert_int_equal(hb_metrics_write_kind(400, "unable to parse 'x': missing fields"), HB_WERR_PARSE);
    assert_int_equal(hb_metrics_write_kind(400, "partial write: field type conflict: input field \"v\""),
                     HB_WERR_FIELD_TYPE);
    assert_int_equal(hb_metrics_write_kind(404, "database not found: \"x\""), HB_WERR_DB_NOT_FOUND);
    assert_int_equal(hb_metrics_write_kind(400, "database is required"), HB_WERR_BAD_REQUEST);
    assert_int_equal(hb_metrics_write_kind(413, ""), HB_WERR_TOO_LARGE);
    assert_int_equal(hb_metrics_write_kind(503, NULL), HB_WERR_UNAVAILABLE);
    assert_int_equal(hb_metrics_write_kind(500, "x"), HB_WERR_INTERNAL);
}

static void render_registry(void **state)
{
    hb_metrics m;
    hb_metrics_init(&m);
    hb_metrics_write_done(&m, 204, NULL, 3, 100);
    hb_metrics_write_done(&m, 400, "unable to parse", 0, 10);
    hb_hist_observe_ns(&m.query_duration, 2000000);
    hb_metrics_db dbs[] = { { "a\"b", 2, 300 }, { "z", 0, 0 } };
    hb_metrics_gauges g = { .memtable_bytes = 1234, .dbs = dbs, .ndbs = 2 };
    hb_buf b;
    hb_buf_init(&b, 0);
    assert_int_equal(hb_metrics_render(&m, &g, &b), 0);
    const char *t = hb_buf_cstr(&b);
    assert_non_null(strstr(t, "\nhyperbytedb_write_requests_total 2\n"));
    assert_non_null(strstr(t, "\nhyperbytedb_ingestion_points_total 3\n"));
    assert_non_null(strstr(t, "\nhyperbytedb_ingestion_bytes_total 110\n"));
    assert_non_null(strstr(t, "\nhyperbytedb_write_errors_total{kind=\"parse\"} 1\n"));
    assert_non_null(strstr(t, "\nhyperbytedb_write_errors_total{kind=\"internal\"} 0\n"));
    assert_non_null(strstr(t, "\nhyperbytedb_query_duration_seconds_bucket{le=\"0.0025\"} 1\n"));
    assert_non_null(strstr(t, "\nhyperbytedb_memtable_bytes 1234\n"));
    assert_non_null(strstr(t, "\nhyperbytedb_storage_files{db=\"a\\\"b\"} 2\n"));
    assert_non_null(strstr(t, "\nhyperbytedb_storage_bytes{db=\"z\"} 0\n"));
    assert_non_null(strstr(t, "# TYPE hyperbytedb_flush_duration_seconds histogram\n"));
    /* every sample line belongs to a family announced before it */
    hb_buf_free(&b);
}

static json_t *stmts_json(hb_statements *s, hb_stmt_sort sort, size_t limit)
{
    hb_buf b;
    hb_buf_init(&b, 0);
    assert_int_equal(hb_statements_json(s, sort, limit, &b), 0);
    json_error_t je;
    json_t *j = json_loads(hb_buf_cstr(&b), 0, &je);
    assert_non_null(j);
    hb_buf_free(&b);
    return j;
}

static void statement_summary(void **state)
{
    hb_statements *s;
    assert_int_equal(hb_statements_new(2, &s), 0);
    const char *a1 = "SELECT v FROM m WHERE h = 'a'", *a2 = "SELECT v FROM m WHERE h = 'b'";
    const char *b = "SHOW DATABASES", *c = "CREATE USER u WITH PASSWORD 'pw'";
    hb_statements_record(s, a1, strlen(a1), 1000000, 5, 0, 100);
    hb_statements_record(s, a2, strlen(a2), 3000000, 7, 1, 200);
    hb_statements_record(s, b, strlen(b), 10000000, 1, 0, 300);
    json_t *j = stmts_json(s, HB_STMT_SORT_COUNT, 0);
    json_t *v = json_object_get(j, "statements");
    assert_int_equal(json_array_size(v), 2);
    json_t *e = json_array_get(v, 0);
    assert_string_equal(json_string_value(json_object_get(e, "query")), "SELECT v FROM m WHERE h = ?");
    assert_int_equal(json_integer_value(json_object_get(e, "count")), 2);
    assert_int_equal(json_integer_value(json_object_get(e, "errors")), 1);
    assert_int_equal(json_integer_value(json_object_get(e, "rows")), 12);
    assert_true(json_real_value(json_object_get(e, "total_time_ms")) == 4.0);
    assert_true(json_real_value(json_object_get(e, "min_time_ms")) == 1.0);
    assert_true(json_real_value(json_object_get(e, "max_time_ms")) == 3.0);
    assert_true(json_real_value(json_object_get(e, "avg_time_ms")) == 2.0);
    assert_int_equal(strlen(json_string_value(json_object_get(e, "digest"))), 16);
    json_decref(j);
    /* by total time SHOW DATABASES comes first; limit 1 */
    j = stmts_json(s, HB_STMT_SORT_TOTAL_TIME, 1);
    v = json_object_get(j, "statements");
    assert_int_equal(json_array_size(v), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(v, 0), "query")), "SHOW DATABASES");
    assert_int_equal(json_integer_value(json_object_get(j, "entries")), 2);
    json_decref(j);
    /* full: the entry seen least recently (the SELECT, last at 200) is replaced */
    hb_statements_record(s, c, strlen(c), 1, 0, 0, 400);
    j = stmts_json(s, HB_STMT_SORT_LAST_SEEN, 0);
    v = json_object_get(j, "statements");
    assert_int_equal(json_array_size(v), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(v, 0), "query")),
                        "CREATE USER u WITH PASSWORD ?");
    assert_string_equal(json_string_value(json_object_get(json_array_get(v, 1), "query")), "SHOW DATABASES");
    json_decref(j);
    hb_statements_reset(s);
    assert_int_equal(hb_statements_count(s), 0);
    hb_stmt_sort so;
    assert_int_equal(hb_statements_sort_parse("avg_time", &so), 0);
    assert_int_equal(so, HB_STMT_SORT_AVG_TIME);
    assert_int_not_equal(hb_statements_sort_parse("nope", &so), 0);
    hb_statements_free(s);
}

static void running_queries(void **state)
{
    hb_running *r;
    assert_int_equal(hb_running_new(&r), 0);
    hb_running_task *t1, *t2;
    assert_int_equal(hb_running_attach(r, "SELECT 1", "db", &t1), 0);
    assert_int_equal(hb_running_attach(r, "SHOW QUERIES", NULL, &t2), 0);
    assert_int_equal(hb_running_qid(t1), 1);
    assert_int_equal(hb_running_qid(t2), 2);
    assert_int_equal(hb_running_kill(r, 1), 0);
    assert_int_equal(atomic_load(hb_running_kill_flag(t1)), 1);
    assert_int_equal(atomic_load(hb_running_kill_flag(t2)), 0);
    assert_int_equal(hb_running_kill(r, 99), HB_ENOTFOUND);
    hb_running_info *v;
    size_t n;
    assert_int_equal(hb_running_list(r, &v, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].query, "SELECT 1");
    assert_string_equal(v[0].db, "db");
    assert_int_equal(v[0].killed, 1);
    assert_string_equal(v[1].db, "");
    hb_running_info_free(v, n);
    hb_running_detach(r, t1);
    assert_int_equal(hb_running_count(r), 1);
    assert_int_equal(hb_running_kill(r, 1), HB_ENOTFOUND);
    hb_running_detach(r, t2);
    assert_int_equal(hb_running_count(r), 0);
    hb_running_task *t3;
    assert_int_equal(hb_running_attach(r, "x", "", &t3), 0);
    assert_int_equal(hb_running_qid(t3), 3);   /* ids are not reused */
    hb_running_free(r);   /* frees t3 too */
}

static void durations_like_influxd(void **state)
{
    char d[32];
    hb_running_format_duration(81000, d);
    assert_string_equal(d, "81\xc2\xb5s");
    hb_running_format_duration(999, d);
    assert_string_equal(d, "999ns");
    hb_running_format_duration(2500000000LL, d);
    assert_string_equal(d, "2s");
    hb_running_format_duration(3 * 60000000000LL + 5, d);
    assert_string_equal(d, "3m");
    hb_running_format_duration(12000000, d);
    assert_string_equal(d, "12ms");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(write_kinds),
        cmocka_unit_test(render_registry),
        cmocka_unit_test(statement_summary),
        cmocka_unit_test(running_queries),
        cmocka_unit_test(durations_like_influxd),
    };
    return cmocka_run_group_tests_name("app/observability", tests, NULL, NULL);
}
