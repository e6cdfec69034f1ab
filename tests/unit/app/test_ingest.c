/* The write path over the memory adapters: InfluxDB's answers, partial
 * writes, conflicts, limits, and WAL replay into a fresh buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "adapters/meta_memory.h"
#include "adapters/wal_memory.h"
#include "app/catalog.h"
#include "app/ingest.h"

typedef struct fixture {
    hb_meta_port meta;
    hb_wal_port wal;
    hb_catalog *cat;
    hb_memset *ms;
    hb_clock_virtual clock;
    hb_ingest ing;
} fixture;

static int setup(void **state)
{
    static fixture f;
    memset(&f, 0, sizeof f);
    hb_err err;
    assert_int_equal(hb_meta_memory_open(&f.meta, &err), 0);
    assert_int_equal(hb_wal_memory_open(NULL, &f.wal, &err), 0);
    assert_int_equal(hb_catalog_open(&f.meta, &f.cat, &err), 0);
    assert_int_equal(hb_catalog_create_database(f.cat, "db", NULL, &err), 0);
    f.ms = hb_memset_new();
    f.clock.now = 1700000000000000000LL;
    hb_ingest_limits lim = { .max_points_per_request = 100, .max_line_bytes = 1000, .memtable_max_bytes = 1 << 20 };
    hb_ingest_init(&f.ing, f.cat, &f.wal, f.ms, hb_clock_virtual_port(&f.clock), &lim);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    hb_ingest_destroy(&f->ing);
    hb_memset_free(f->ms);
    hb_catalog_close(f->cat);
    f->wal.close(f->wal.self);
    f->meta.close(f->meta.self);
    return 0;
}

static int write(fixture *f, const char *db, const char *precision, const char *body, char *errbuf)
{
    hb_write_req req = { db, NULL, precision, body, strlen(body) };
    hb_write_res res;
    hb_buf_init(&res.error, 0);
    hb_ingest_write(&f->ing, &req, &res);
    strcpy(errbuf, hb_buf_cstr(&res.error));
    hb_buf_free(&res.error);
    return res.status;
}

static void answers(void **state)
{
    fixture *f = *state;
    char e[2048];
    assert_int_equal(write(f, "db", NULL, "m v=1 1\nm v=2 2", e), 204);
    assert_int_equal(hb_memtable_rows(hb_memset_active(f->ms)), 2);
    assert_int_equal(write(f, "", NULL, "m v=1", e), 400);
    assert_string_equal(e, "database is required");
    assert_int_equal(write(f, "nodb", NULL, "m v=1", e), 404);
    assert_string_equal(e, "database not found: \"nodb\"");
    assert_int_equal(write(f, "db", "x", "m v=1", e), 400);
    assert_string_equal(e, "invalid precision \"x\" (use n, u, ms, s, m or h)");
    assert_int_equal(write(f, "db", NULL, "", e), 204);
    assert_int_equal(write(f, "db", NULL, "m v=2i 3", e), 400);
    assert_string_equal(e, "partial write: field type conflict: input field \"v\" on measurement \"m\" is type "
                           "integer, already exists as type float dropped=1");
    assert_int_equal(write(f, "db", NULL, "m x", e), 400);
    assert_string_equal(e, "unable to parse 'm x': invalid field format");
    assert_int_equal(write(f, "db", NULL, "m v=3 3\nm x", e), 400);
    assert_string_equal(e, "partial write: unable to parse 'm x': invalid field format dropped=0");
    assert_int_equal(hb_memtable_rows(hb_memset_active(f->ms)), 3);
    /* a conflict is reported in preference to a parse error */
    assert_int_equal(write(f, "db", NULL, "m v=4 4\nm x\nm v=5i 5", e), 400);
    assert_string_equal(e, "partial write: field type conflict: input field \"v\" on measurement \"m\" is type "
                           "integer, already exists as type float dropped=1");
    assert_int_equal(hb_memtable_rows(hb_memset_active(f->ms)), 4);
}

static int64_t seen_times[4];
static int collect_times(void *ctx, const hb_mt_table *t)
{
    size_t k = 0;
    for (size_t i = 0; i < t->nseries; i++)
        for (size_t r = 0; r < t->series[i]->nrows && k < 4; r++)
            seen_times[k++] = t->series[i]->times[r];
    return 0;
}

static void precision_and_default_time(void **state)
{
    fixture *f = *state;
    char e[2048];
    assert_int_equal(write(f, "db", "s", "p v=1 2", e), 204);
    assert_int_equal(write(f, "db", NULL, "p v=1", e), 204);
    hb_arena a;
    hb_arena_init(&a, 0, 0);
    /* the WAL holds what the buffer holds: read the records back */
    uint64_t last = f->wal.last_seq(f->wal.self);
    assert_int_equal(last, 2);
    hb_memset *fresh = hb_memset_new();
    hb_memset *orig = f->ing.memset;
    f->ing.memset = fresh;
    uint64_t recs = 0, pts = 0;
    hb_err err;
    assert_int_equal(hb_ingest_replay(&f->ing, 0, &recs, &pts, &err), 0);
    assert_int_equal(recs, 2);
    assert_int_equal(pts, 2);
    assert_int_equal(hb_memtable_rows(hb_memset_active(fresh)), 2);
    hb_memtable_scan(hb_memset_active(fresh), "db", "autogen", collect_times, NULL);
    /* records up to a flushed sequence are not replayed */
    hb_memset *fresh2 = hb_memset_new();
    f->ing.memset = fresh2;
    assert_int_equal(hb_ingest_replay(&f->ing, 1, &recs, &pts, &err), 0);
    assert_int_equal(recs, 1);
    assert_int_equal(hb_memtable_rows(hb_memset_active(fresh2)), 1);
    hb_memset_free(fresh2);
    f->ing.memset = fresh;
    assert_int_equal(seen_times[0], 2000000000LL);          /* precision=s */
    assert_int_equal(seen_times[1], 1700000000000000000LL); /* receive time */
    f->ing.memset = orig;
    hb_memset_free(fresh);
    hb_arena_free(&a);
}

static void limits(void **state)
{
    fixture *f = *state;
    char e[2048];
    char body[4096] = "";
    for (int i = 0; i < 101; i++)
        sprintf(body + strlen(body), "l v=%d %d\n", i, i);
    assert_int_equal(write(f, "db", NULL, body, e), 413);
    assert_int_equal(hb_memtable_rows(hb_memset_active(f->ms)), 0);
    char line[1100];
    memset(line, 'x', sizeof line);
    memcpy(line, "l v=\"", 5);
    strcpy(line + 1090, "\" 1");
    assert_int_equal(write(f, "db", NULL, line, e), 413);
    assert_int_equal(hb_memtable_rows(hb_memset_active(f->ms)), 0);
}

static void buffer_full_is_503(void **state)
{
    fixture *f = *state;
    char e[2048];
    int st = 204, n = 0;
    while (st == 204 && n < 10000) {
        char body[2048] = "";
        for (int i = 0; i < 50; i++)
            sprintf(body + strlen(body), "full,h=%d v=%d %d\n", n * 50 + i, i, i);
        st = write(f, "db", NULL, body, e);
        n++;
    }
    assert_int_equal(st, 503);
    assert_true(hb_memset_bytes(f->ms) >= (1 << 20));
}

static uint64_t wal_seq(void *ctx)
{
    hb_wal_port *w = ctx;
    return w->last_seq(w->self);
}

/* Records written before a database was dropped and re-created do not come
 * back at replay: the new policy's WAL floor is above them. */
static void replay_skips_dropped_namesakes(void **state)
{
    fixture *f = *state;
    char e[2048];
    hb_err err;
    hb_catalog_set_wal_seq_source(f->cat, wal_seq, &f->wal);
    assert_int_equal(write(f, "db", NULL, "old v=1 1", e), 204);
    assert_int_equal(hb_catalog_drop_database(f->cat, "db", &err), 0);
    assert_int_equal(hb_catalog_create_database(f->cat, "db", NULL, &err), 0);
    uint64_t floor = 0;
    assert_int_equal(hb_catalog_rp_wal_floor(f->cat, "db", "autogen", &floor), 0);
    assert_int_equal(floor, 1);
    assert_int_equal(hb_catalog_rp_wal_floor(f->cat, "db", "nope", &floor), HB_ENOTFOUND);
    assert_int_equal(write(f, "db", NULL, "new v=1i 2", e), 204);  /* old schema went with the database */

    hb_memset *fresh = hb_memset_new();
    hb_memset *orig = f->ing.memset;
    f->ing.memset = fresh;
    uint64_t recs = 0, pts = 0;
    assert_int_equal(hb_ingest_replay(&f->ing, 0, &recs, &pts, &err), 0);
    assert_int_equal(recs, 1);
    assert_int_equal(pts, 1);
    f->ing.memset = orig;
    hb_memset_free(fresh);
}

/* Points built by the server (SELECT ... INTO) take the /write path:
 * the same checks, conflicts, limits, WAL records and buffer rows. */
static void write_points(void **state)
{
    fixture *f = *state;
    char e[2048];
    hb_arena a;
    hb_arena_init(&a, 0, 0);
    hb_tag tag = { hb_slice_c("host"), hb_slice_c("a") };
    hb_field fl[2] = { { .key = hb_slice_c("v"), .type = HB_FT_FLOAT, .v.f = 1.5 },
                       { .key = hb_slice_c("n"), .type = HB_FT_INTEGER, .v.i = 7 } };
    hb_point pts[3];
    for (int i = 0; i < 3; i++)
        pts[i] = (hb_point){ .measurement = hb_slice_c("m"), .series_key = hb_slice_c("m,host=a"), .tags = &tag,
                             .ntags = 1, .nfields = 2, .fields = fl, .time = i };
    uint64_t seq0 = f->wal.last_seq(f->wal.self);
    hb_write_res res;
    hb_buf_init(&res.error, 0);
    hb_ingest_write_points(&f->ing, "db", NULL, pts, 3, &a, &res);
    assert_int_equal(res.status, 204);
    assert_int_equal(res.points_written, 3);
    assert_int_equal(f->wal.last_seq(f->wal.self), seq0 + 1);   /* one WAL record */
    assert_int_equal(hb_memtable_rows(hb_memset_active(f->ms)), 3);
    /* a type conflict drops the point, keeps the others: InfluxDB's text */
    assert_int_equal(write(f, "db", NULL, "m,host=a v=1 10", e), 204);
    hb_field bad = { .key = hb_slice_c("n"), .type = HB_FT_FLOAT, .v.f = 2 };
    pts[1].fields = &bad;
    pts[1].nfields = 1;
    pts[0].time = pts[1].time = pts[2].time = 20;
    pts[2].time = 21;
    hb_ingest_write_points(&f->ing, "db", "", pts, 3, &a, &res);
    assert_int_equal(res.status, 400);
    assert_string_equal(hb_buf_cstr(&res.error), "partial write: field type conflict: input field \"n\" on "
                                                 "measurement \"m\" is type float, already exists as type "
                                                 "integer dropped=1");
    assert_int_equal(res.points_written, 2);
    /* unknown policy, too many points */
    hb_ingest_write_points(&f->ing, "db", "nope", pts, 1, &a, &res);
    assert_int_equal(res.status, 500);
    assert_string_equal(hb_buf_cstr(&res.error), "retention policy not found: nope");
    hb_point many[101];
    for (int i = 0; i < 101; i++)
        many[i] = pts[0];
    hb_ingest_write_points(&f->ing, "db", NULL, many, 101, &a, &res);
    assert_int_equal(res.status, 413);
    hb_buf_free(&res.error);
    hb_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(answers, setup, teardown),
        cmocka_unit_test_setup_teardown(write_points, setup, teardown),
        cmocka_unit_test_setup_teardown(precision_and_default_time, setup, teardown),
        cmocka_unit_test_setup_teardown(limits, setup, teardown),
        cmocka_unit_test_setup_teardown(buffer_full_is_503, setup, teardown),
        cmocka_unit_test_setup_teardown(replay_skips_dropped_namesakes, setup, teardown),
    };
    return cmocka_run_group_tests_name("app/ingest", tests, NULL, NULL);
}
