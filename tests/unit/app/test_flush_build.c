/* Memtable table -> per-hour, series-sorted, de-duplicated column batches;
 * and those batches written as Parquet and read back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "adapters/storage_memory.h"
#include "app/flush_build.h"
#include "domain/storage_layout.h"
#include "format/parquet_reader.h"
#include "format/parquet_writer.h"

static hb_slice S(const char *s) { return hb_slice_c(s); }

static const hb_mt_table *found;
static int find(void *ctx, const hb_mt_table *t)
{
    found = t;
    return 0;
}

static void insert(hb_memtable *m, const char *skey, hb_tag *tags, uint32_t ntags, uint64_t sid, hb_field *f,
                   uint32_t nf, int64_t time)
{
    hb_point p = { S("cpu"), S(skey), tags, ntags, nf, f, time, sid };
    hb_err err;
    assert_int_equal(hb_memtable_insert(m, "db", "rp", &p, 1, &err), 0);
}

#define H HB_HOUR_NS

/* Copies of what the callback saw (the batches' arrays die with the arena reset). */
typedef struct seen {
    hb_arena keep;
    hb_flush_batch b[8];
    size_t n;
} seen;

static int keep_batch(void *ctx, const hb_flush_batch *b, hb_err *err)
{
    seen *s = ctx;
    hb_flush_batch *c = &s->b[s->n++];
    *c = *b;
    c->cols = hb_arena_alloc(&s->keep, b->ncols * sizeof *c->cols);
    c->vecs = hb_arena_alloc(&s->keep, b->ncols * sizeof *c->vecs);
    for (size_t i = 0; i < b->ncols; i++) {
        c->cols[i] = b->cols[i];
        c->cols[i].name = hb_arena_strndup(&s->keep, b->cols[i].name, strlen(b->cols[i].name));
        size_t vs = b->cols[i].type == HB_FT_BOOLEAN ? 1 : b->cols[i].type == HB_FT_STRING ? sizeof(hb_slice) : 8;
        void *v = hb_arena_alloc(&s->keep, b->nrows * vs);
        memcpy(v, b->vecs[i].values, b->nrows * vs);
        uint8_t *valid = NULL;
        if (b->vecs[i].valid) {
            valid = hb_arena_alloc(&s->keep, (b->nrows + 7) / 8);
            memcpy(valid, b->vecs[i].valid, (b->nrows + 7) / 8);
        }
        c->vecs[i] = (hb_pq_colvec){ valid, v };
    }
    return 0;
}

static void sorted_merged_bucketed(void **state)
{
    hb_memtable *m = hb_memtable_new();
    hb_tag tb[2] = { { S("host"), S("b") }, { S("zone"), S("eu") } };
    hb_tag ta[1] = { { S("host"), S("a") } };
    hb_field v1 = { S("v"), HB_FT_FLOAT, { .f = 1.0 } }, v2 = { S("v"), HB_FT_FLOAT, { .f = 2.0 } };
    hb_field w7 = { S("w"), HB_FT_INTEGER, { .i = 7 } };
    hb_field s1 = { S("s"), HB_FT_STRING, { .s = { "x", 1 } } };
    hb_field both[2] = { { S("v"), HB_FT_FLOAT, { .f = 3.0 } }, { S("s"), HB_FT_STRING, { .s = { "y", 1 } } } };
    /* series b first in arrival, out of time order, with a duplicate at t=H+5 */
    insert(m, "cpu,host=b,zone=eu", tb, 2, 2, &v1, 1, H + 5);
    insert(m, "cpu,host=b,zone=eu", tb, 2, 2, &w7, 1, 10);
    insert(m, "cpu,host=b,zone=eu", tb, 2, 2, &v2, 1, H + 5);   /* overwrites v at H+5 */
    insert(m, "cpu,host=b,zone=eu", tb, 2, 2, &s1, 1, H + 5);   /* adds s at H+5 */
    insert(m, "cpu,host=a", ta, 1, 1, both, 2, 20);
    insert(m, "cpu,host=a", ta, 1, 1, &v1, 1, 15);
    found = NULL;
    hb_memtable_scan(m, "db", "rp", find, NULL);
    assert_non_null(found);

    hb_arena a;
    hb_arena_init(&a, 0, 0);
    seen sn;
    memset(&sn, 0, sizeof sn);
    hb_arena_init(&sn.keep, 0, 0);
    hb_err err;
    assert_int_equal(hb_flush_build(found, &a, keep_batch, &sn, &err), 0);
    hb_flush_batch *b = sn.b;
    size_t nb = sn.n;
    assert_int_equal(nb, 2);
    /* hour 0: a@15, a@20, b@10  (series key order, then time) */
    assert_int_equal(b[0].hour, 0);
    assert_int_equal(b[0].nrows, 3);
    assert_int_equal(b[0].min_time, 10);
    assert_int_equal(b[0].max_time, 20);
    assert_int_equal(b[0].ncols, 6);  /* time, host, zone, s, v, w */
    const char *names[6] = { "time", "host", "zone", "s", "v", "w" };
    for (int c = 0; c < 6; c++)
        assert_string_equal(b[0].cols[c].name, names[c]);
    const int64_t *t0 = b[0].vecs[0].values;
    assert_int_equal(t0[0], 15);
    assert_int_equal(t0[1], 20);
    assert_int_equal(t0[2], 10);
    const hb_slice *host = b[0].vecs[1].values;
    assert_true(hb_slice_eq(host[0], S("a")) && hb_slice_eq(host[2], S("b")));
    assert_false(hb_pq_valid(b[0].vecs[2].valid, 0));  /* series a has no zone */
    assert_true(hb_pq_valid(b[0].vecs[2].valid, 2));
    const double *v = b[0].vecs[4].values;
    assert_true(v[0] == 1.0 && v[1] == 3.0);
    assert_false(hb_pq_valid(b[0].vecs[4].valid, 2));
    assert_true(hb_pq_valid(b[0].vecs[5].valid, 2));
    assert_int_equal(((const int64_t *)b[0].vecs[5].values)[2], 7);
    /* hour 1: b@H+5 once, v=2 (last write) and s="x" (merged) */
    assert_int_equal(b[1].hour, H);
    assert_int_equal(b[1].nrows, 1);
    assert_true(((const double *)b[1].vecs[4].values)[0] == 2.0);
    assert_true(hb_slice_eq(((const hb_slice *)b[1].vecs[3].values)[0], S("x")));
    assert_false(hb_pq_valid(b[1].vecs[5].valid, 0));

    /* the batches are valid writer input, and read back the same */
    hb_storage_port st;
    assert_int_equal(hb_storage_memory_open(&st, &err), 0);
    for (size_t i = 0; i < nb; i++) {
        hb_buf key;
        hb_buf_init(&key, 0);
        assert_int_equal(hb_layout_file_key(&key, "db", "rp", "cpu", 3, b[i].hour, 0), 0);
        hb_pq_writer *w;
        assert_int_equal(hb_pq_writer_open(&st, key.data, b[i].cols, b[i].ncols, NULL, &w, &err), 0);
        assert_int_equal(hb_pq_writer_append(w, b[i].vecs, b[i].nrows, &err), 0);
        hb_pq_file_info info;
        assert_int_equal(hb_pq_writer_finish(w, &info, &err), 0);
        assert_int_equal(info.min_time, b[i].min_time);
        assert_int_equal(info.max_time, b[i].max_time);
        hb_pq_reader *r;
        assert_int_equal(hb_pq_reader_open(&st, key.data, &r, &err), 0);
        assert_int_equal(hb_pq_reader_rows(r), b[i].nrows);
        hb_pq_colvec got;
        assert_int_equal(hb_pq_reader_read(r, 0, 4, &a, &got, &err), 0);
        for (size_t k = 0; k < b[i].nrows; k++) {
            assert_int_equal(hb_pq_valid(got.valid, k), hb_pq_valid(b[i].vecs[4].valid, k));
            if (hb_pq_valid(got.valid, k))
                assert_true(((const double *)got.values)[k] == ((const double *)b[i].vecs[4].values)[k]);
        }
        hb_pq_reader_close(r);
        hb_buf_free(&key);
    }
    st.close(st.self);
    hb_arena_free(&a);
    hb_arena_free(&sn.keep);
    hb_memtable_free(m);
}

static void empty_table(void **state)
{
    hb_mt_table t;
    memset(&t, 0, sizeof t);
    t.measurement = "m";
    hb_arena a;
    hb_arena_init(&a, 0, 0);
    seen sn;
    memset(&sn, 0, sizeof sn);
    hb_arena_init(&sn.keep, 0, 0);
    hb_err err;
    assert_int_equal(hb_flush_build(&t, &a, keep_batch, &sn, &err), 0);
    assert_int_equal(sn.n, 0);
    hb_arena_free(&a);
    hb_arena_free(&sn.keep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sorted_merged_bucketed),
        cmocka_unit_test(empty_table),
    };
    return cmocka_run_group_tests_name("app/flush_build", tests, NULL, NULL);
}
