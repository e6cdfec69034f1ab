/* Continuous queries over the memory metadata store and a virtual clock:
 * the statements (normalization, errors, idempotent CREATE, SHOW order,
 * DROP and DROP DATABASE), the time range a run gets, and the scheduler:
 * which windows run as the clock advances, a restart after downtime
 * (nothing skipped, nothing repeated), a crash between a run's writes and
 * its state (the window runs once more, nothing skipped), a failed run
 * retried, RESAMPLE FOR recomputing windows, GROUP BY offsets. No test
 * sleeps: the clock moves only when the test moves it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/meta_memory.h"
#include "app/catalog.h"
#include "app/cq.h"
#include "app/cq_run.h"
#include "app/cq_scheduler.h"
#include "domain/influxql/format.h"
#include "domain/influxql/parser.h"

#define S INT64_C(1000000000)
#define M (60 * S)
#define H (60 * M)
#define T0 (INT64_C(1699999200) * S)   /* a whole hour */

/* ---- a metadata store whose commits can be made to fail (a crash before the write) ---- */
typedef struct failing_meta {
    hb_meta_port inner;
    int fail;
} failing_meta;

static failing_meta g_meta;

static int fm_get(void *self, const char *k, size_t kl, char **v, size_t *vl, hb_err *e)
{
    return g_meta.inner.get(g_meta.inner.self, k, kl, v, vl, e);
}
static int fm_scan(void *self, const char *p, size_t pl, hb_meta_scan_fn fn, void *ctx, hb_err *e)
{
    return g_meta.inner.scan(g_meta.inner.self, p, pl, fn, ctx, e);
}
static hb_meta_batch *fm_batch_new(void *self) { return g_meta.inner.batch_new(g_meta.inner.self); }
static int fm_commit(void *self, hb_meta_batch *b, int sync, hb_err *e)
{
    if (g_meta.fail) {
        g_meta.inner.batch_free(b);
        return hb_err_set(e, HB_EIO, "simulated crash");
    }
    return g_meta.inner.batch_commit(g_meta.inner.self, b, sync, e);
}

static hb_meta_port failing_port(void)
{
    hb_meta_port p = g_meta.inner;
    p.self = &g_meta;
    p.get = fm_get;
    p.scan = fm_scan;
    p.batch_new = fm_batch_new;
    p.batch_commit = fm_commit;
    return p;
}

/* ---- fixture: catalog + CQ store + scheduler with a recording run function ---- */
typedef struct run_rec {
    char name[32];
    int64_t start, end, at;
} run_rec;

typedef struct fx {
    hb_meta_port meta;
    hb_catalog *cat;
    hb_cq_store *cqs;
    hb_clock_virtual clock;
    hb_cq_scheduler sched;
    run_rec runs[512];
    size_t nruns;
    int fail_next;       /* the next run fails */
    int crash_after_next; /* the next run's state write fails (a crash after its writes) */
} fx;

static int fake_run(void *ctx, const hb_cq_def *def, int64_t start, int64_t end, int64_t now, uint64_t *written,
                    hb_err *err)
{
    fx *f = ctx;
    if (f->fail_next) {
        f->fail_next = 0;
        return hb_err_set(err, HB_EIO, "simulated failure");
    }
    assert_true(f->nruns < 512);
    run_rec *r = &f->runs[f->nruns++];
    snprintf(r->name, sizeof r->name, "%s", def->name);
    r->start = start;
    r->end = end;
    r->at = now;
    *written = 1;
    if (f->crash_after_next) {
        f->crash_after_next = 0;
        g_meta.fail = 1;
    }
    return HB_OK;
}

static void open_services(fx *f)
{
    hb_err err;
    f->meta = failing_port();
    assert_int_equal(hb_catalog_open(&f->meta, &f->cat, &err), HB_OK);
    assert_int_equal(hb_cq_store_open(&f->meta, f->cat, &f->cqs, &err), HB_OK);
    hb_cq_scheduler_init(&f->sched, f->cqs, hb_clock_virtual_port(&f->clock), fake_run, f);
}

/* a process restart: everything in memory is lost, the store stays */
static void restart(fx *f)
{
    hb_cq_scheduler_destroy(&f->sched);
    hb_cq_store_close(f->cqs);
    hb_catalog_close(f->cat);
    g_meta.fail = 0;
    open_services(f);
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    hb_err err;
    assert_int_equal(hb_meta_memory_open(&g_meta.inner, &err), HB_OK);
    g_meta.fail = 0;
    f->clock.now = T0 + S / 2;
    open_services(f);
    assert_int_equal(hb_catalog_create_database(f->cat, "db", NULL, &err), HB_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    hb_cq_scheduler_destroy(&f->sched);
    hb_cq_store_close(f->cqs);
    hb_catalog_close(f->cat);
    g_meta.inner.close(g_meta.inner.self);
    free(f);
    return 0;
}

/* CREATE CONTINUOUS QUERY text with db/rp parameters; returns the code, err text in msg. */
static int create(fx *f, const char *q, const char *db, const char *rp, char *msg, size_t cap)
{
    hb_arena a;
    hb_arena_init(&a, 4096, 0);
    hb_iql_query *query = NULL;
    hb_err err;
    hb_err_clear(&err);
    int rc = hb_influxql_parse(q, strlen(q), NULL, &a, &query, &err);
    assert_int_equal(rc, HB_OK);
    rc = hb_cq_create(f->cqs, query->stmts[0], db, rp, &a, f->clock.now, NULL, &err);
    if (msg)
        snprintf(msg, cap, "%s", rc ? err.msg : "");
    hb_arena_free(&a);
    return rc;
}

static void tick(fx *f)
{
    hb_err err;
    assert_int_equal(hb_cq_scheduler_tick(&f->sched, NULL, &err), HB_OK);
}

/* advance the clock in 1 s steps, checking at each */
static void run_for(fx *f, int64_t span)
{
    int64_t end = f->clock.now + span;
    while (f->clock.now < end) {
        tick(f);
        f->clock.now += S;
    }
}

/* the windows of CQ name, in run order, must tile [from, to) exactly:
 * no gap, no overlap */
static void assert_tiles(fx *f, const char *name, int64_t from, int64_t to)
{
    int64_t at = from;
    for (size_t i = 0; i < f->nruns; i++) {
        if (strcmp(f->runs[i].name, name))
            continue;
        assert_int_equal(f->runs[i].start, at);
        assert_true(f->runs[i].end > f->runs[i].start);
        at = f->runs[i].end;
    }
    assert_int_equal(at, to);
}

/* ---- statements ---- */
static void statements(void **state)
{
    fx *f = *state;
    char msg[256];
    hb_err err;
    const char *q1 = "CREATE CONTINUOUS QUERY c1 ON db BEGIN SELECT mean(v) INTO m FROM cpu GROUP BY time(1m) END";
    assert_int_equal(create(f, q1, NULL, NULL, msg, sizeof msg), HB_OK);
    assert_int_equal(create(f, q1, NULL, NULL, msg, sizeof msg), HB_OK);   /* same text: accepted */
    assert_int_equal(create(f, "CREATE CONTINUOUS QUERY c1 ON db BEGIN SELECT max(v) INTO m FROM cpu GROUP BY "
                               "time(1m) END", NULL, NULL, msg, sizeof msg),
                     HB_EEXISTS);
    assert_string_equal(msg, "continuous query already exists");
    assert_int_equal(create(f, "CREATE CONTINUOUS QUERY c2 ON nodb BEGIN SELECT max(v) INTO m FROM cpu GROUP BY "
                               "time(1m) END", NULL, NULL, msg, sizeof msg),
                     HB_ENOTFOUND);
    assert_string_equal(msg, "database not found: nodb");
    assert_int_equal(create(f, "CREATE CONTINUOUS QUERY c2 ON db BEGIN SELECT max(v) INTO db.nope.m FROM cpu GROUP "
                               "BY time(1m) END", NULL, NULL, msg, sizeof msg),
                     HB_ENOTFOUND);
    assert_string_equal(msg, "retention policy not found: db.nope");
    assert_int_equal(create(f, "CREATE CONTINUOUS QUERY c2 ON db BEGIN SELECT max(v) INTO m FROM cpu GROUP BY "
                               "time(1m) END", NULL, "zz", msg, sizeof msg),
                     HB_ENOTFOUND);
    assert_string_equal(msg, "retention policy not found: db.zz");
    assert_int_equal(hb_catalog_create_database(f->cat, "other", NULL, &err), HB_OK);
    /* the db parameter wins over ON db for unqualified measurements (influxd) */
    assert_int_equal(create(f, "CREATE CONTINUOUS QUERY \"b c\" ON db RESAMPLE EVERY 30s FOR 2m BEGIN SELECT "
                               "max(v) INTO m FROM cpu, (SELECT v FROM mem) GROUP BY time(1m), host END",
                            "other", NULL, msg, sizeof msg),
                     HB_OK);

    hb_query_result res;
    hb_query_result_init(&res);
    hb_stmt_result *sr = hb_result_add_stmt(&res, 0);
    assert_int_equal(hb_cq_show(f->cqs, &res, sr, &err), HB_OK);
    assert_int_equal(sr->nseries, 2);
    assert_string_equal(sr->series[0].name, "db");
    assert_int_equal(sr->series[0].nrows, 2);
    assert_string_equal(sr->series[0].values[0].v.s.p, "c1");   /* creation order */
    assert_string_equal(sr->series[0].values[1].v.s.p,
                        "CREATE CONTINUOUS QUERY c1 ON db BEGIN SELECT mean(v) INTO db.autogen.m FROM "
                        "db.autogen.cpu GROUP BY time(1m) END");
    assert_string_equal(sr->series[0].values[2].v.s.p, "b c");
    assert_string_equal(sr->series[0].values[3].v.s.p,
                        "CREATE CONTINUOUS QUERY \"b c\" ON db RESAMPLE EVERY 30s FOR 2m BEGIN SELECT max(v) INTO "
                        "other.autogen.m FROM other.autogen.cpu, (SELECT v FROM other.autogen.mem) GROUP BY "
                        "time(1m), host END");
    assert_string_equal(sr->series[1].name, "other");
    assert_int_equal(sr->series[1].nrows, 0);
    hb_query_result_free(&res);

    /* DROP: a missing one is fine; DROP DATABASE takes the database's CQs */
    assert_int_equal(hb_cq_drop(f->cqs, "db", "nope", &err), HB_OK);
    assert_int_equal(hb_cq_drop(f->cqs, "nodb", "c1", &err), HB_OK);
    assert_int_equal(hb_cq_drop(f->cqs, "db", "c1", &err), HB_OK);
    hb_cq_def *defs;
    size_t n;
    assert_int_equal(hb_cq_list(f->cqs, &defs, &n, &err), HB_OK);
    assert_int_equal(n, 1);
    assert_string_equal(defs[0].name, "b c");
    hb_cq_defs_free(defs, n);
    assert_int_equal(hb_catalog_drop_database(f->cat, "db", &err), HB_OK);
    assert_int_equal(hb_catalog_create_database(f->cat, "db", NULL, &err), HB_OK);
    assert_int_equal(hb_cq_list(f->cqs, &defs, &n, &err), HB_OK);
    assert_int_equal(n, 0);
    hb_cq_defs_free(defs, n);
}

/* ---- the time range of a run ---- */
static void check_range(const char *where, const char *want)
{
    char q[512];
    snprintf(q, sizeof q, "SELECT count(v) INTO x FROM cpu %s GROUP BY time(1m)", where);
    hb_arena a;
    hb_arena_init(&a, 4096, 0);
    hb_iql_query *query = NULL;
    hb_err err;
    assert_int_equal(hb_influxql_parse(q, strlen(q), NULL, &a, &query, &err), HB_OK);
    hb_iql_select *s = query->stmts[0]->u.select;
    assert_int_equal(hb_cq_set_time_range(s, 60, 120, &a, &err), HB_OK);
    hb_buf b;
    hb_buf_init(&b, 0);
    hb_iql_format_expr(&b, s->condition);
    assert_string_equal(hb_buf_cstr(&b), want);
    hb_buf_free(&b);
    hb_arena_free(&a);
}

static void time_range(void **state)
{
    (void)state;
    check_range("", "time >= 60 AND time < 120");
    check_range("WHERE host = 'a'", "host = 'a' AND time >= 60 AND time < 120");
    check_range("WHERE time > now() - 1h AND host = 'a'", "host = 'a' AND time >= 60 AND time < 120");
    check_range("WHERE (host = 'a' OR host = 'b') AND time < now()",
                "(host = 'a' OR host = 'b') AND time >= 60 AND time < 120");
    check_range("WHERE time > 0 OR host = 'a'", "time >= 60 AND time < 120");
    check_range("WHERE (time > 0)", "time >= 60 AND time < 120");
}

/* ---- the scheduler ---- */
static void runs_each_interval(void **state)
{
    fx *f = *state;
    assert_int_equal(create(f, "CREATE CONTINUOUS QUERY c ON db BEGIN SELECT count(v) INTO o FROM cpu GROUP BY "
                               "time(1m) END", NULL, NULL, NULL, 0),
                     HB_OK);
    run_for(f, 10 * M);   /* T0 + 0.5 s .. T0 + 10 m */
    assert_int_equal(f->nruns, 9);
    assert_tiles(f, "c", T0, T0 + 9 * M);
    for (size_t i = 0; i < f->nruns; i++)
        assert_int_equal(f->runs[i].at, f->runs[i].end + S / 2);   /* the first check after the boundary */
    /* dropped: no more runs */
    hb_err err;
    assert_int_equal(hb_cq_drop(f->cqs, "db", "c", &err), HB_OK);
    run_for(f, 3 * M);
    assert_int_equal(f->nruns, 9);
}

/* down for 30 minutes: the first check after the restart computes every
 * window missed, once; influxd would have skipped them */
static void restart_after_downtime(void **state)
{
    fx *f = *state;
    assert_int_equal(create(f, "CREATE CONTINUOUS QUERY c ON db BEGIN SELECT count(v) INTO o FROM cpu GROUP BY "
                               "time(1m) END", NULL, NULL, NULL, 0),
                     HB_OK);
    run_for(f, 3 * M + 30 * S);
    assert_int_equal(f->nruns, 3);
    restart(f);
    f->clock.now += 30 * M;
    run_for(f, 3 * M);
    assert_int_equal(f->nruns, 7);
    assert_int_equal(f->runs[3].start, T0 + 3 * M);
    assert_int_equal(f->runs[3].end, T0 + 33 * M);
    assert_tiles(f, "c", T0, T0 + 36 * M);

    /* a restart between two checks of the same interval runs nothing twice */
    restart(f);
    run_for(f, 30 * S);
    assert_int_equal(f->nruns, 7);
    run_for(f, M);
    assert_tiles(f, "c", T0, T0 + 37 * M);
}

/* killed after a run wrote its points but before its state was saved:
 * that window runs once more after the restart (writing the same points,
 * which overwrite), then the schedule goes on; nothing is skipped */
static void crash_between_run_and_state(void **state)
{
    fx *f = *state;
    assert_int_equal(create(f, "CREATE CONTINUOUS QUERY c ON db BEGIN SELECT count(v) INTO o FROM cpu GROUP BY "
                               "time(1m) END", NULL, NULL, NULL, 0),
                     HB_OK);
    run_for(f, 2 * M);
    assert_int_equal(f->nruns, 1);
    f->crash_after_next = 1;
    run_for(f, M);   /* [T0+1m, T0+2m) runs, its state is lost */
    assert_int_equal(f->nruns, 2);
    restart(f);
    f->clock.now += 10 * S;
    run_for(f, 2 * M);
    assert_int_equal(f->nruns, 5);
    assert_int_equal(f->runs[2].start, T0 + M);   /* the repeated window, now reaching the boundary passed */
    assert_int_equal(f->runs[2].end, T0 + 3 * M);
    assert_int_equal(f->runs[3].start, T0 + 3 * M);
    /* every minute is covered, the repeated one twice, no other twice */
    for (int64_t m = 0; m < 5; m++) {
        int cover = 0;
        for (size_t i = 0; i < f->nruns; i++)
            cover += f->runs[i].start <= T0 + m * M && f->runs[i].end >= T0 + (m + 1) * M;
        assert_int_equal(cover, m == 1 ? 2 : 1);
    }
}

/* a run that fails is retried at the next boundary over both windows */
static void failed_run_retried(void **state)
{
    fx *f = *state;
    assert_int_equal(create(f, "CREATE CONTINUOUS QUERY c ON db BEGIN SELECT count(v) INTO o FROM cpu GROUP BY "
                               "time(1m) END", NULL, NULL, NULL, 0),
                     HB_OK);
    run_for(f, 2 * M);
    f->fail_next = 1;
    run_for(f, M);
    assert_int_equal(f->nruns, 1);
    assert_int_equal(f->sched.failures, 1);
    run_for(f, M);
    assert_int_equal(f->nruns, 2);
    assert_int_equal(f->runs[1].start, T0 + M);
    assert_int_equal(f->runs[1].end, T0 + 3 * M);
    assert_tiles(f, "c", T0, T0 + 3 * M);
}

/* RESAMPLE EVERY 30s FOR 2m recomputes each minute several times;
 * GROUP BY time(1h, 15m) runs at a quarter past over the hour before */
static void resample_and_offset(void **state)
{
    fx *f = *state;
    assert_int_equal(create(f, "CREATE CONTINUOUS QUERY r ON db RESAMPLE EVERY 30s FOR 2m BEGIN SELECT count(v) "
                               "INTO o FROM cpu GROUP BY time(1m) END", NULL, NULL, NULL, 0),
                     HB_OK);
    assert_int_equal(create(f, "CREATE CONTINUOUS QUERY h ON db BEGIN SELECT count(v) INTO o FROM cpu GROUP BY "
                               "time(1h, 15m) END", NULL, NULL, NULL, 0),
                     HB_OK);
    run_for(f, 2 * H + 20 * M);
    size_t nh = 0, nr = 0;
    for (size_t i = 0; i < f->nruns; i++) {
        run_rec *r = &f->runs[i];
        if (!strcmp(r->name, "h")) {
            assert_int_equal(r->start, T0 - 45 * M + (int64_t)nh * H);
            assert_int_equal(r->end, T0 + 15 * M + (int64_t)nh * H);
            nh++;
        } else {   /* the first check (no last run) finds only [T0-1m, T0) ended */
            assert_true(r->end - r->start == (nr ? 2 * M : M));
            nr++;
        }
    }
    assert_int_equal(nh, 3);
    assert_int_equal(nr, (size_t)(2 * 60 + 20) * 2);
    /* minute [T0+10m, T0+11m) was computed by 4 runs */
    int cover = 0;
    for (size_t i = 0; i < f->nruns; i++)
        cover += !strcmp(f->runs[i].name, "r") && f->runs[i].start <= T0 + 10 * M && f->runs[i].end >= T0 + 11 * M;
    assert_int_equal(cover, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(statements, setup, teardown),
        cmocka_unit_test(time_range),
        cmocka_unit_test_setup_teardown(runs_each_interval, setup, teardown),
        cmocka_unit_test_setup_teardown(restart_after_downtime, setup, teardown),
        cmocka_unit_test_setup_teardown(crash_between_run_and_state, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_run_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(resample_and_offset, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
