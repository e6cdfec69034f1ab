/* Flush, compaction, retention, DROP and snapshots over the memory
 * adapters: every point stays visible exactly once while it moves from the
 * write buffer to Parquet files and between files. */
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
#include "app/export.h"
#include "app/flush.h"
#include "app/ingest.h"
#include "app/retention.h"
#include "app/store.h"
#include "domain/storage_layout.h"

#define H HB_HOUR_NS
#define T0 (INT64_C(1700000000) * 1000000000 / H * H)   /* an hour boundary */

typedef struct fixture {
    hb_meta_port meta;
    hb_wal_port wal;
    hb_storage_port storage;
    hb_catalog *cat;
    hb_registry *reg;
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
    f->ms = hb_memset_new();
    assert_non_null(f->ms);
    assert_int_equal(hb_store_init(&f->store, f->cat, f->ms, f->reg, &f->storage, &err), 0);
    hb_ingest_limits lim = { .memtable_max_bytes = 64 << 20 };
    hb_ingest_init(&f->ing, f->cat, &f->wal, f->ms, hb_clock_virtual_port(&f->clock), &lim);
    hb_pq_writer_opts pq;
    hb_pq_writer_opts_default(&pq);
    pq.row_group_rows = 5;  /* many row groups even for small tests */
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

static void write_ok(fixture *f, const char *db, const char *body)
{
    hb_write_req req = { db, NULL, NULL, body, strlen(body) };
    hb_write_res res;
    hb_buf_init(&res.error, 0);
    hb_ingest_write(&f->ing, &req, &res);
    if (res.status != 204)
        fail_msg("write: %d %s", res.status, hb_buf_cstr(&res.error));
    hb_buf_free(&res.error);
}

/* The export of db (merged unless raw); the caller frees. */
static char *export(fixture *f, const char *db, int raw)
{
    hb_buf b;
    hb_buf_init(&b, 0);
    hb_err err;
    if (hb_export_lines(&f->store, db, NULL, raw, &b, &err))
        fail_msg("export: %s", err.msg);
    char *s = strdup(hb_buf_cstr(&b));
    hb_buf_free(&b);
    return s;
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

typedef struct keys {
    size_t n;
    char k[64][160];
} keys;

static int note_key(void *ctx, const char *key, uint64_t size)
{
    keys *k = ctx;
    if (k->n < 64)
        snprintf(k->k[k->n++], sizeof k->k[0], "%s", key);
    return 0;
}

static size_t stored_files(fixture *f)
{
    keys k = { 0 };
    hb_err err;
    assert_int_equal(f->storage.list(f->storage.self, "", note_key, &k, &err), 0);
    return k.n;
}

static size_t registered_files(fixture *f, const char *db)
{
    hb_file_entry *v;
    size_t n;
    hb_err err;
    assert_int_equal(hb_registry_files_of(f->reg, db, NULL, &v, &n, &err), 0);
    hb_file_entries_free(v, n);
    return n;
}

static char *lines(int64_t base, int n, const char *meas)
{
    char *b = malloc((size_t)n * 96 + 1);
    b[0] = '\0';
    size_t len = 0;
    for (int i = 0; i < n; i++)
        len += (size_t)sprintf(b + len, "%s,host=h%d,dc=d%d v=%d,s=\"x%d\" %lld\n", meas, i % 3, i % 2, i, i,
                               (long long)(base + (int64_t)i * 60000000000LL));
    return b;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* s with its lines sorted (raw exports list sources one after another). */
static char *sorted_lines(const char *s)
{
    size_t n = count_lines(s), k = 0, len = strlen(s);
    char *copy = strdup(s), **v = calloc(n + 1, sizeof *v), *out = malloc(len + 1);
    for (char *p = copy; *p;) {
        char *nl = strchr(p, '\n');
        *nl = '\0';
        v[k++] = p;
        p = nl + 1;
    }
    qsort(v, k, sizeof *v, cmp_str);
    out[0] = '\0';
    for (size_t i = 0; i < k; i++)
        strcat(strcat(out, v[i]), "\n");
    free(v);
    free(copy);
    return out;
}

static void flush_moves_points_exactly_once(void **state)
{
    fixture *f = *state;
    hb_err err;
    char *a = lines(T0, 90, "cpu"), *b = lines(T0 + 2 * H, 10, "mem");
    write_ok(f, "db", a);
    write_ok(f, "db", b);
    char *before = export(f, "db", 0);
    assert_int_equal(count_lines(before), 100);
    assert_int_equal(registered_files(f, "db"), 0);

    uint64_t last = f->wal.last_seq(f->wal.self);
    assert_int_equal(hb_flush_now(&f->flusher, &err), 0);
    /* cpu spans two hours (90 minutes), mem one */
    assert_int_equal(registered_files(f, "db"), 3);
    assert_int_equal(stored_files(f), 3);
    assert_int_equal(hb_registry_flushed_seq(f->reg), last);
    assert_int_equal(hb_memtable_rows(hb_memset_active(f->ms)), 0);
    assert_int_equal(hb_memset_frozen_count(f->ms), 0);
    char *after = export(f, "db", 0), *raw = export(f, "db", 1);
    assert_string_equal(before, after);
    char *sb = sorted_lines(before), *sr = sorted_lines(raw);
    assert_string_equal(sb, sr);   /* files hold disjoint hours: nothing twice */
    free(sb);
    free(sr);

    /* a restart replays nothing that is already in files */
    close_services(f);
    open_services(f);
    uint64_t recs = 0, pts = 0;
    assert_int_equal(hb_ingest_replay(&f->ing, hb_registry_flushed_seq(f->reg), &recs, &pts, &err), 0);
    assert_int_equal(pts, 0);
    char *again = export(f, "db", 0);
    assert_string_equal(before, again);

    /* nothing to flush: no new file */
    assert_int_equal(hb_flush_now(&f->flusher, &err), 0);
    assert_int_equal(registered_files(f, "db"), 3);
    free(a), free(b), free(before), free(after), free(raw), free(again);
}

static void compaction_merges_hours_last_write_wins(void **state)
{
    fixture *f = *state;
    hb_err err;
    /* three flushes into the same hour; the same series and time written
     * again with one field changed and one added */
    write_ok(f, "db", "cpu,host=a v=1,w=10i 1000\ncpu,host=b v=2 2000\n");
    assert_int_equal(hb_flush_now(&f->flusher, &err), 0);
    write_ok(f, "db", "cpu,host=a v=5 1000\ncpu,host=c v=3 3000\n");
    assert_int_equal(hb_flush_now(&f->flusher, &err), 0);
    write_ok(f, "db", "cpu,host=a s=\"z\" 1000\ncpu v=4 500\n");
    assert_int_equal(hb_flush_now(&f->flusher, &err), 0);
    write_ok(f, "db", "cpu,host=a w=11i 1000\n");   /* still in the buffer: newest of all */
    assert_int_equal(registered_files(f, "db"), 3);
    const char *want = "cpu v=4 500\n"
                       "cpu,host=a s=\"z\",v=5,w=11i 1000\n"
                       "cpu,host=b v=2 2000\n"
                       "cpu,host=c v=3 3000\n";
    char *before = export(f, "db", 0);
    assert_string_equal(before, want);

    /* a snapshot taken before the compaction keeps the inputs readable */
    hb_snapshot snap;
    assert_int_equal(hb_store_snapshot(&f->store, "db", NULL, &snap, &err), 0);
    assert_int_equal(snap.nfiles, 3);
    assert_int_equal(hb_compact_now(&f->compactor, &err), 0);
    assert_int_equal(registered_files(f, "db"), 1);
    assert_int_equal(stored_files(f), 4);   /* inputs wait for the snapshot */
    hb_store_release(&f->store, &snap);
    assert_int_equal(stored_files(f), 1);
    char *after = export(f, "db", 0);
    assert_string_equal(after, want);

    /* the compacted file still loses to a later flush of the same hour */
    assert_int_equal(hb_flush_now(&f->flusher, &err), 0);
    write_ok(f, "db", "cpu,host=b v=20 2000\n");
    assert_int_equal(hb_flush_now(&f->flusher, &err), 0);
    assert_int_equal(hb_compact_now(&f->compactor, &err), 0);
    assert_int_equal(registered_files(f, "db"), 1);
    char *last = export(f, "db", 0);
    assert_string_equal(last, "cpu v=4 500\n"
                              "cpu,host=a s=\"z\",v=5,w=11i 1000\n"
                              "cpu,host=b v=20 2000\n"
                              "cpu,host=c v=3 3000\n");
    hb_compact_stats cs;
    hb_compactor_stats(&f->compactor, &cs);
    assert_int_equal(cs.merges, 2);
    free(before), free(after), free(last);
}

static void drop_removes_files_after_readers(void **state)
{
    fixture *f = *state;
    hb_err err;
    assert_int_equal(hb_catalog_create_database(f->cat, "other", NULL, &err), 0);
    write_ok(f, "db", "cpu v=1 1\n");
    write_ok(f, "other", "cpu v=2 2\n");
    assert_int_equal(hb_flush_now(&f->flusher, &err), 0);
    write_ok(f, "db", "cpu v=3 3\n");
    assert_int_equal(stored_files(f), 2);
    hb_snapshot snap;
    assert_int_equal(hb_store_snapshot(&f->store, "db", NULL, &snap, &err), 0);
    assert_int_equal(hb_store_drop(&f->store, "db", NULL, &err), 0);
    assert_int_equal(registered_files(f, "db"), 0);
    assert_int_equal(stored_files(f), 2);   /* the snapshot still reads it */
    hb_store_release(&f->store, &snap);
    assert_int_equal(stored_files(f), 1);
    assert_int_equal(hb_store_drop(&f->store, "db", NULL, &err), 0);   /* as InfluxDB: no error */

    /* re-created: empty, and the old buffered point does not come back */
    assert_int_equal(hb_catalog_create_database(f->cat, "db", NULL, &err), 0);
    char *e = export(f, "db", 1);
    assert_string_equal(e, "");
    write_ok(f, "db", "cpu v=9 9\n");
    assert_int_equal(hb_flush_now(&f->flusher, &err), 0);
    free(e);
    e = export(f, "db", 1);
    assert_string_equal(e, "cpu v=9 9\n");
    free(e);
    e = export(f, "other", 1);
    assert_string_equal(e, "cpu v=2 2\n");
    free(e);

    /* DROP RETENTION POLICY takes only its own files */
    hb_rp_spec spec = { .name = "short", .has_duration = 1, .duration_ns = 0 };
    assert_int_equal(hb_catalog_create_rp(f->cat, "other", &spec, &err), 0);
    hb_write_req req = { "other", "short", NULL, "cpu v=7 7\n", 10 };
    hb_write_res res;
    hb_buf_init(&res.error, 0);
    hb_ingest_write(&f->ing, &req, &res);
    assert_int_equal(res.status, 204);
    hb_buf_free(&res.error);
    assert_int_equal(hb_flush_now(&f->flusher, &err), 0);
    assert_int_equal(registered_files(f, "other"), 2);
    if (hb_store_drop(&f->store, "other", "short", &err))
        fail_msg("drop: %s", err.msg);
    assert_int_equal(registered_files(f, "other"), 1);
    e = export(f, "other", 1);
    assert_string_equal(e, "cpu v=2 2\n");
    free(e);
}

static void retention_on_a_virtual_clock(void **state)
{
    fixture *f = *state;
    hb_err err;
    hb_rp_spec spec = { .name = "day", .has_duration = 1, .duration_ns = 24 * H, .make_default = 1 };
    assert_int_equal(hb_catalog_create_rp(f->cat, "db", &spec, &err), 0);
    f->clock.now = T0 + 28 * H;   /* at write time the policy keeps T0+4h and later */
    char body[256];
    snprintf(body, sizeof body, "m v=1 %lld\nm v=2 %lld\nm v=3 %lld\n", (long long)(T0 + 5 * H + 1),
             (long long)(T0 + 6 * H + 1), (long long)(T0 + 27 * H));
    write_ok(f, "db", body);
    /* older than the policy at write time: dropped as InfluxDB does */
    snprintf(body, sizeof body, "m v=0 %lld\n", (long long)(T0 + 3 * H));
    hb_write_req req = { "db", NULL, NULL, body, strlen(body) };
    hb_write_res res;
    hb_buf_init(&res.error, 0);
    hb_ingest_write(&f->ing, &req, &res);
    assert_int_equal(res.status, 400);
    assert_string_equal(hb_buf_cstr(&res.error), "partial write: points beyond retention policy dropped=1");
    hb_buf_free(&res.error);
    f->clock.now = T0 + 30 * H;   /* the policy keeps T0+6h and later */
    /* T0+5h's hour is already past the policy at flush time: not written */
    assert_int_equal(hb_flush_now(&f->flusher, &err), 0);
    assert_int_equal(registered_files(f, "db"), 2);
    assert_int_equal(hb_retention_floor(f->cat, "db", "day", f->clock.now), T0 + 6 * H);
    assert_int_equal(hb_retention_floor(f->cat, "db", "autogen", f->clock.now), INT64_MIN);

    uint64_t removed = 0;
    assert_int_equal(hb_retention_run(&f->store, f->clock.now, &removed, &err), 0);
    assert_int_equal(removed, 0);   /* T0+6h+1 is still inside */
    f->clock.now = T0 + 31 * H;
    assert_int_equal(hb_retention_run(&f->store, f->clock.now, &removed, &err), 0);
    assert_int_equal(removed, 1);
    char *e = export(f, "db", 0);
    snprintf(body, sizeof body, "m v=3 %lld\n", (long long)(T0 + 27 * H));
    assert_string_equal(e, body);
    free(e);
    f->clock.now = T0 + 60 * H;
    assert_int_equal(hb_retention_run(&f->store, f->clock.now, &removed, &err), 0);
    assert_int_equal(removed, 1);
    assert_int_equal(stored_files(f), 0);
}

static void orphans_removed_at_start(void **state)
{
    fixture *f = *state;
    hb_err err;
    write_ok(f, "db", "cpu v=1 1\n");
    assert_int_equal(hb_flush_now(&f->flusher, &err), 0);
    /* what a crashed flush or compaction leaves: an unregistered file */
    assert_int_equal(f->storage.put(f->storage.self, "db/autogen/cpu/1970-01-01/00_999.parquet", "PAR1", 4, &err), 0);
    assert_int_equal(f->storage.put(f->storage.self, "README.txt", "x", 1, &err), 0);
    uint64_t removed = 0;
    assert_int_equal(hb_store_remove_orphans(&f->store, &removed, &err), 0);
    assert_int_equal(removed, 1);
    assert_int_equal(stored_files(f), 2);   /* the registered file and the non-Parquet one */
    char *e = export(f, "db", 0);
    assert_string_equal(e, "cpu v=1 1\n");
    free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(flush_moves_points_exactly_once, setup, teardown),
        cmocka_unit_test_setup_teardown(compaction_merges_hours_last_write_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(drop_removes_files_after_readers, setup, teardown),
        cmocka_unit_test_setup_teardown(retention_on_a_virtual_clock, setup, teardown),
        cmocka_unit_test_setup_teardown(orphans_removed_at_start, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
