/* Tombstones: the store (keys and values survive a reopen, coverage rules,
 * scan masks, garbage collection) and DELETE / DROP over the memory
 * adapters: the buffer loses its points at once, files are masked until
 * compaction rewrites them, points written afterwards stay, WAL replay
 * skips what was deleted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/meta_memory.h"
#include "adapters/storage_memory.h"
#include "adapters/wal_memory.h"
#include "app/catalog.h"
#include "app/compact.h"
#include "app/delete.h"
#include "app/export.h"
#include "app/flush.h"
#include "app/ingest.h"
#include "app/store.h"
#include "app/tombstone.h"
#include "domain/influxql/parser.h"
#include "domain/storage_layout.h"

#define H HB_HOUR_NS
#define T0 (INT64_C(1700000000) * 1000000000 / H * H)
#define S INT64_C(1000000000)

static hb_file_entry file(const char *meas, int64_t lo, int64_t hi, uint64_t seq, uint64_t tomb)
{
    return (hb_file_entry){ .path = "p", .db = "db", .rp = "autogen", .measurement = (char *)meas,
                            .min_time = lo, .max_time = hi, .seq = seq, .tomb = tomb };
}

static void store_persists_and_covers(void **state)
{
    (void)state;
    hb_meta_port meta;
    hb_err err;
    hb_tombs *t;
    assert_int_equal(hb_meta_memory_open(&meta, &err), 0);
    assert_int_equal(hb_tombs_open(&meta, &t, &err), 0);
    char *keys[] = { "cpu,host=a", "cpu,host=b\\,c" };
    uint64_t id1, id2;
    assert_int_equal(hb_tombs_add(t, "db", "cpu", 10, 20, 7, keys, 2, NULL, &id1, &err), 0);
    assert_int_equal(hb_tombs_add(t, "db", "m:x", INT64_MIN, INT64_MAX, 9, NULL, 0, NULL, &id2, &err), 0);
    assert_true(id2 > id1);
    hb_tombs_close(t);

    assert_int_equal(hb_tombs_open(&meta, &t, &err), 0);
    assert_int_equal(hb_tombs_count(t), 2);
    hb_tomb_view v;
    assert_int_equal(hb_tombs_view(t, "db", &v, &err), 0);
    assert_int_equal(v.n, 2);
    const hb_tomb *a = v.v[0], *b = v.v[1];
    assert_int_equal(a->id, id1);
    assert_int_equal(a->seq, 7);
    assert_int_equal(a->tmin, 10);
    assert_int_equal(a->tmax, 20);
    assert_false(a->all);
    assert_string_equal(b->meas, "m:x");
    assert_true(b->all);
    assert_true(hb_tomb_has_series(a, (hb_slice){ "cpu,host=b\\,c", 13 }));
    assert_false(hb_tomb_has_series(a, (hb_slice){ "cpu,host=c", 10 }));

    /* coverage: measurement, time overlap, seq (older data only), marker */
    hb_file_entry f = file("cpu", 0, 15, 7, 0);
    assert_true(hb_tomb_covers_file(a, &f));
    f = file("cpu", 0, 15, 8, 0);   /* written after the DELETE */
    assert_false(hb_tomb_covers_file(a, &f));
    f = file("cpu", 21, 30, 1, 0);  /* outside the time range */
    assert_false(hb_tomb_covers_file(a, &f));
    f = file("mem", 0, 30, 1, 0);
    assert_false(hb_tomb_covers_file(a, &f));
    f = file("cpu", 0, 30, 1, id1); /* rewritten by a compaction that applied it */
    assert_false(hb_tomb_covers_file(a, &f));

    /* WAL replay rule */
    assert_true(hb_tomb_deletes(a, "cpu", (hb_slice){ "cpu,host=a", 10 }, 15, 7));
    assert_false(hb_tomb_deletes(a, "cpu", (hb_slice){ "cpu,host=a", 10 }, 15, 8));
    assert_false(hb_tomb_deletes(a, "cpu", (hb_slice){ "cpu,host=a", 10 }, 21, 3));

    /* the mask: holes merged, NULL when nothing covers the file */
    uint64_t id3;
    assert_int_equal(hb_tombs_add(t, "db", "cpu", 18, 40, 9, keys, 1, NULL, &id3, &err), 0);
    hb_tomb_view_release(&v);
    assert_int_equal(hb_tombs_view(t, "db", &v, &err), 0);
    f = file("cpu", 0, 100, 5, 0);
    hb_scan_mask *m = hb_tomb_mask_new(&v, &f);
    assert_non_null(m);
    int64_t lo[4], hi[4];
    assert_int_equal(m->holes(m->ctx, (hb_slice){ "cpu,host=a", 10 }, lo, hi, m->max_holes), 1);
    assert_int_equal(lo[0], 10);
    assert_int_equal(hi[0], 40);
    assert_int_equal(m->holes(m->ctx, (hb_slice){ "cpu,host=b\\,c", 13 }, lo, hi, m->max_holes), 1);
    assert_int_equal(hi[0], 20);
    assert_int_equal(m->holes(m->ctx, (hb_slice){ "cpu,host=z", 10 }, lo, hi, m->max_holes), 0);
    hb_tomb_mask_free(m);
    f = file("cpu", 50, 100, 5, 0);
    assert_null(hb_tomb_mask_new(&v, &f));

    /* gc: kept while a file or the WAL may hold its rows */
    hb_file_entry files[1] = { file("cpu", 0, 15, 7, 0) };
    /* m:x (no file) and id3 (the file misses its time range) go */
    assert_int_equal(hb_tombs_gc(t, files, 1, 100, &err), 2);
    assert_int_equal(hb_tombs_count(t), 1);
    assert_int_equal(hb_tombs_gc(t, NULL, 0, 6, &err), 0);      /* id1 (seq 7) waits for the WAL */
    assert_int_equal(hb_tombs_count(t), 1);
    assert_int_equal(hb_tombs_gc(t, NULL, 0, 7, &err), 1);
    assert_int_equal(hb_tombs_count(t), 0);
    /* the view still holds its tombstones */
    assert_int_equal(v.n, 3);
    assert_string_equal(v.v[0]->meas, "cpu");
    hb_tomb_view_release(&v);
    hb_tombs_close(t);
    /* and ids are not reused after a restart */
    assert_int_equal(hb_tombs_open(&meta, &t, &err), 0);
    assert_int_equal(hb_tombs_count(t), 0);
    uint64_t id4;
    assert_int_equal(hb_tombs_add(t, "db", "cpu", 0, 1, 1, NULL, 0, NULL, &id4, &err), 0);
    assert_true(id4 > id3);
    hb_tombs_close(t);
    meta.close(meta.self);
}

/* ---- the services ---- */

typedef struct fixture {
    hb_meta_port meta;
    hb_wal_port wal;
    hb_storage_port storage;
    hb_catalog *cat;
    hb_registry *reg;
    hb_tombs *tombs;
    hb_memset *ms;
    hb_store store;
    hb_clock_virtual clock;
    hb_ingest ing;
    hb_flusher flusher;
    hb_compactor compactor;
} fixture;

static uint64_t wal_seq(void *ctx)
{
    hb_wal_port *w = ctx;
    return w->last_seq(w->self);
}

static void open_services(fixture *f)
{
    hb_err err;
    assert_int_equal(hb_catalog_open(&f->meta, &f->cat, &err), 0);
    hb_catalog_set_wal_seq_source(f->cat, wal_seq, &f->wal);
    assert_int_equal(hb_registry_open(&f->meta, &f->reg, &err), 0);
    assert_int_equal(hb_tombs_open(&f->meta, &f->tombs, &err), 0);
    f->ms = hb_memset_new();
    assert_int_equal(hb_store_init(&f->store, f->cat, f->ms, f->reg, &f->storage, &err), 0);
    f->store.tombs = f->tombs;
    hb_ingest_limits lim = { .memtable_max_bytes = 64 << 20 };
    hb_ingest_init(&f->ing, f->cat, &f->wal, f->ms, hb_clock_virtual_port(&f->clock), &lim);
    f->ing.tombs = f->tombs;
    hb_pq_writer_opts pq;
    hb_pq_writer_opts_default(&pq);
    pq.row_group_rows = 4;
    hb_flusher_init(&f->flusher, &f->store, &f->wal, hb_clock_virtual_port(&f->clock), &pq);
    hb_compactor_init(&f->compactor, &f->store, &pq, 2);
}

static void close_services(fixture *f)
{
    hb_compactor_destroy(&f->compactor);
    hb_flusher_destroy(&f->flusher);
    hb_ingest_destroy(&f->ing);
    hb_store_destroy(&f->store);
    hb_memset_free(f->ms);
    hb_tombs_close(f->tombs);
    hb_registry_close(f->reg);
    hb_catalog_close(f->cat);
}

static int setup(void **state)
{
    static fixture f;
    memset(&f, 0, sizeof f);
    hb_err err;
    assert_int_equal(hb_meta_memory_open(&f.meta, &err), 0);
    assert_int_equal(hb_wal_memory_open(NULL, &f.wal, &err), 0);
    assert_int_equal(hb_storage_memory_open(&f.storage, &err), 0);
    f.clock.now = T0 + 10 * H;
    open_services(&f);
    assert_int_equal(hb_catalog_create_database(f.cat, "db", NULL, &err), 0);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    close_services(f);
    f->storage.close(f->storage.self);
    f->wal.close(f->wal.self);
    f->meta.close(f->meta.self);
    return 0;
}

static void write_ok(fixture *f, const char *body)
{
    hb_write_req req = { "db", NULL, NULL, body, strlen(body) };
    hb_write_res res;
    hb_buf_init(&res.error, 0);
    hb_ingest_write(&f->ing, &req, &res);
    if (res.status != 204)
        fail_msg("write: %d %s", res.status, hb_buf_cstr(&res.error));
    hb_buf_free(&res.error);
}

static int run(fixture *f, const char *q, hb_err *err)
{
    hb_arena a;
    hb_arena_init(&a, 4096, 0);
    hb_iql_query *query;
    hb_iql_params params = { NULL, 0 };
    int rc = hb_influxql_parse(q, strlen(q), &params, &a, &query, err);
    assert_int_equal(rc, 0);
    hb_delete_env env = { &f->store, &f->wal, T0 + 10 * H };
    rc = hb_delete_exec(&env, query->stmts[0], "db", err);
    hb_arena_free(&a);
    return rc;
}

static void run_ok(fixture *f, const char *q)
{
    hb_err err;
    if (run(f, q, &err))
        fail_msg("%s: %s", q, err.msg);
}

static char *export(fixture *f, int raw)
{
    hb_buf b;
    hb_buf_init(&b, 0);
    hb_err err;
    if (hb_export_lines(&f->store, "db", NULL, raw, &b, &err))
        fail_msg("export: %s", err.msg);
    char *s = strdup(hb_buf_cstr(&b));
    hb_buf_free(&b);
    return s;
}

static size_t nlines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static size_t series_count(fixture *f, const char *meas)
{
    uint64_t n;
    hb_err err;
    assert_int_equal(hb_catalog_count_series(f->cat, "db", meas, &n, &err), 0);
    return (size_t)n;
}

/* 3 hosts x 10 minutes of cpu in the first hour, 2 points of mem. */
static void write_world(fixture *f)
{
    char body[4096];
    size_t len = 0;
    for (int h = 0; h < 3; h++)
        for (int i = 0; i < 10; i++)
            len += (size_t)snprintf(body + len, sizeof body - len, "cpu,host=h%d v=%d %lld\n", h, h * 100 + i,
                                    (long long)(T0 + i * 60 * S));
    len += (size_t)snprintf(body + len, sizeof body - len, "mem,host=h0 free=1i %lld\nmem,host=h1 free=2i %lld\n",
                            (long long)T0, (long long)T0);
    write_ok(f, body);
}

static int has_line(const char *exp, const char *needle) { return strstr(exp, needle) != NULL; }

static void delete_in_buffer_and_files(void **state)
{
    fixture *f = *state;
    hb_err err;
    write_world(f);
    assert_int_equal(hb_flush_now(&f->flusher, &err), 0);   /* files */
    char line[128];
    /* the same series again in the buffer, an hour later */
    snprintf(line, sizeof line, "cpu,host=h0 v=999 %lld\ncpu,host=h1 v=998 %lld\n", (long long)(T0 + H),
             (long long)(T0 + H));
    write_ok(f, line);
    char *before = export(f, 0);
    assert_int_equal(nlines(before), 34);
    free(before);

    /* DELETE of h0 in [T0 + 2m, T0 + 1h]: 8 file rows and the buffered one */
    char q[256];
    snprintf(q, sizeof q, "DELETE FROM cpu WHERE host = 'h0' AND time >= %lld AND time <= %lld",
             (long long)(T0 + 2 * 60 * S), (long long)(T0 + H));
    run_ok(f, q);
    char *after = export(f, 0), *raw = export(f, 1);
    assert_int_equal(nlines(after), 34 - 9);
    assert_int_equal(nlines(raw), 34 - 9);   /* each source masked on its own */
    snprintf(line, sizeof line, "cpu,host=h0 v=1 %lld", (long long)(T0 + 60 * S));
    assert_true(has_line(after, line));
    snprintf(line, sizeof line, "cpu,host=h0 v=2 %lld", (long long)(T0 + 2 * 60 * S));
    assert_false(has_line(after, line));
    assert_false(has_line(after, "v=999"));
    assert_true(has_line(after, "v=998"));
    free(after);
    free(raw);
    assert_int_equal(series_count(f, "cpu"), 3);   /* h0 keeps two points */
    assert_int_equal(hb_tombs_count(f->tombs), 1);

    /* written again after the DELETE, at a deleted time: visible */
    snprintf(line, sizeof line, "cpu,host=h0 v=5000 %lld\n", (long long)(T0 + 5 * 60 * S));
    write_ok(f, line);
    after = export(f, 0);
    assert_int_equal(nlines(after), 26);
    assert_true(has_line(after, "v=5000"));
    free(after);

    /* compaction rewrites the file (alone in its hour) and drops the
     * tombstone once the buffer is flushed too */
    assert_int_equal(hb_flush_now(&f->flusher, &err), 0);
    assert_int_equal(hb_compact_now(&f->compactor, &err), 0);
    assert_int_equal(hb_tombs_count(f->tombs), 0);
    after = export(f, 0);
    raw = export(f, 1);
    assert_int_equal(nlines(after), 26);
    assert_true(has_line(after, "v=5000"));
    assert_int_equal(nlines(raw), 26);   /* no tombstone left: the files themselves */
    free(after);
    free(raw);
}

static void drop_series_and_measurement(void **state)
{
    fixture *f = *state;
    hb_err err;
    write_world(f);
    assert_int_equal(hb_flush_now(&f->flusher, &err), 0);
    run_ok(f, "DROP SERIES FROM cpu WHERE host = 'h1'");
    assert_int_equal(series_count(f, "cpu"), 2);
    char *e = export(f, 0);
    assert_int_equal(nlines(e), 22);
    assert_false(has_line(e, "host=h1 v="));
    free(e);
    /* a field in the WHERE: influxd's error, nothing deleted */
    assert_int_not_equal(run(f, "DROP SERIES FROM cpu WHERE v > 1", &err), 0);
    assert_string_equal(err.msg, "fields not supported in WHERE clause during deletion");
    assert_int_not_equal(run(f, "DROP SERIES FROM cpu WHERE time > 0", &err), 0);
    assert_string_equal(err.msg, "DROP SERIES doesn't support time in WHERE clause");
    run_ok(f, "DROP MEASUREMENT mem");
    char **names;
    size_t n;
    assert_int_equal(hb_catalog_list_measurements(f->cat, "db", &names, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_string_equal(names[0], "cpu");
    hb_strv_free(names, n);
    e = export(f, 0);
    assert_int_equal(nlines(e), 20);
    free(e);
    /* DELETE of every remaining series over all time drops the measurement */
    run_ok(f, "DELETE FROM /c.u/");
    assert_int_equal(series_count(f, "cpu"), 0);
    e = export(f, 0);
    assert_int_equal(nlines(e), 0);
    free(e);
    assert_int_equal(hb_compact_now(&f->compactor, &err), 0);
    assert_int_equal(hb_tombs_count(f->tombs), 0);
    hb_file_entry *files;
    assert_int_equal(hb_registry_files_of(f->reg, "db", NULL, &files, &n, &err), 0);
    assert_int_equal(n, 0);   /* every row deleted: the files went */
    hb_file_entries_free(files, n);
}

static void replay_skips_deleted_points(void **state)
{
    fixture *f = *state;
    hb_err err;
    write_world(f);   /* only in the WAL and the buffer */
    run_ok(f, "DELETE FROM cpu WHERE host =~ /h[01]/");
    char line[128];
    snprintf(line, sizeof line, "cpu,host=h0 v=77 %lld\n", (long long)T0);
    write_ok(f, line);   /* after the DELETE: survives the replay */
    char *before = export(f, 0);
    assert_int_equal(nlines(before), 10 + 2 + 1);
    /* "restart": new services over the same metadata and WAL */
    close_services(f);
    open_services(f);
    uint64_t records, points;
    assert_int_equal(hb_ingest_replay(&f->ing, hb_registry_flushed_seq(f->reg), &records, &points, &err), 0);
    char *after = export(f, 0);
    assert_string_equal(after, before);
    assert_true(has_line(after, "v=77"));
    free(before);
    free(after);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(store_persists_and_covers),
        cmocka_unit_test_setup_teardown(delete_in_buffer_and_files, setup, teardown),
        cmocka_unit_test_setup_teardown(drop_series_and_measurement, setup, teardown),
        cmocka_unit_test_setup_teardown(replay_skips_deleted_points, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
