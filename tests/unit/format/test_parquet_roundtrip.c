/* Property test: random schemas and data written by the Parquet writer read
 * back identically by the reader (every type, nulls, empty strings,
 * extremes, dictionary fallback, many pages and row groups, both codecs). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/storage_memory.h"
#include "format/parquet_reader.h"
#include "format/parquet_writer.h"

static uint64_t rng_state;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

typedef struct column {
    hb_pq_coldef def;
    uint8_t *valid;
    void *values;
    char *strings;  /* backing store of string values */
} column;

static void fill(column *c, size_t n, int distinct)
{
    size_t vs = c->def.type == HB_FT_BOOLEAN ? 1 : c->def.type == HB_FT_STRING ? sizeof(hb_slice) : 8;
    c->values = calloc(n ? n : 1, vs);
    c->valid = calloc((n + 7) / 8 + 1, 1);
    c->strings = malloc(n * 24 + 1);
    int null_pct = c->def.role == HB_PQ_TIME ? 0 : (int)(rnd() % 3) * 30;  /* 0, 30 or 60% nulls */
    for (size_t i = 0; i < n; i++) {
        if ((int)(rnd() % 100) >= null_pct)
            c->valid[i >> 3] |= (uint8_t)(1u << (i & 7));
        else
            continue;
        uint64_t r = rnd();
        switch (c->def.type) {
        case HB_FT_INTEGER:
            if (c->def.role == HB_PQ_TIME)
                ((int64_t *)c->values)[i] = 1451606400000000000LL + (int64_t)i * 10000000000LL;
            else
                ((int64_t *)c->values)[i] = r % 7 == 0 ? INT64_MIN : r % 7 == 1 ? INT64_MAX : (int64_t)(r % 201) - 100;
            break;
        case HB_FT_UNSIGNED: ((uint64_t *)c->values)[i] = r % 5 == 0 ? UINT64_MAX : r % 1000; break;
        case HB_FT_FLOAT: {
            double d = (double)(int64_t)r / 1e9;
            if (r % 11 == 0)
                d = INFINITY;
            else if (r % 13 == 0)
                d = -0.0;
            ((double *)c->values)[i] = d;
            break;
        }
        case HB_FT_BOOLEAN: ((uint8_t *)c->values)[i] = (uint8_t)(r & 1); break;
        case HB_FT_STRING: {
            char *s = c->strings + i * 24;
            int len = (int)(r % 4 == 0 ? 0 : snprintf(s, 24, "v%llu\xc3\xa9", (unsigned long long)(r % (uint64_t)distinct)));
            ((hb_slice *)c->values)[i] = (hb_slice){ s, (size_t)len };
            break;
        }
        }
    }
}

static int same_value(const column *c, const hb_pq_colvec *got, size_t i)
{
    int a = hb_pq_valid(c->valid, i), b = hb_pq_valid(got->valid, i);
    if (a != b)
        return 0;
    if (!a)
        return 1;
    switch (c->def.type) {
    case HB_FT_INTEGER: return ((const int64_t *)c->values)[i] == ((const int64_t *)got->values)[i];
    case HB_FT_UNSIGNED: return ((const uint64_t *)c->values)[i] == ((const uint64_t *)got->values)[i];
    case HB_FT_FLOAT: return memcmp(&((const double *)c->values)[i], &((const double *)got->values)[i], 8) == 0;
    case HB_FT_BOOLEAN: return ((const uint8_t *)c->values)[i] == ((const uint8_t *)got->values)[i];
    case HB_FT_STRING: return hb_slice_eq(((const hb_slice *)c->values)[i], ((const hb_slice *)got->values)[i]);
    }
    return 0;
}

static void one_round(int round)
{
    static const hb_ftype field_types[] = { HB_FT_FLOAT, HB_FT_INTEGER, HB_FT_UNSIGNED, HB_FT_STRING, HB_FT_BOOLEAN };
    size_t ntags = rnd() % 4, nfields = 1 + rnd() % 6, ncols = 1 + ntags + nfields;
    size_t nrows = round == 0 ? 0 : rnd() % 5000;
    column cols[16];
    char names[16][16];
    memset(cols, 0, sizeof cols);
    cols[0].def = (hb_pq_coldef){ "time", HB_PQ_TIME, HB_FT_INTEGER };
    for (size_t i = 1; i < ncols; i++) {
        snprintf(names[i], sizeof names[i], i <= ntags ? "tag%zu" : "f%zu", i);
        cols[i].def.name = names[i];
        cols[i].def.role = i <= ntags ? HB_PQ_TAG : HB_PQ_FIELD;
        cols[i].def.type = i <= ntags ? HB_FT_STRING : field_types[rnd() % 5];
    }
    int distinct = rnd() % 2 ? 5 : 100000;  /* a huge distinct count forces dictionary fallback */
    for (size_t i = 0; i < ncols; i++)
        fill(&cols[i], nrows, distinct);

    hb_storage_port st;
    hb_err err;
    assert_int_equal(hb_storage_memory_open(&st, &err), 0);
    hb_pq_coldef defs[16];
    for (size_t i = 0; i < ncols; i++)
        defs[i] = cols[i].def;
    hb_pq_writer_opts o;
    hb_pq_writer_opts_default(&o);
    o.codec = rnd() % 2 ? HB_PQ_CODEC_ZSTD : HB_PQ_CODEC_UNCOMPRESSED;
    o.row_group_rows = 100 + rnd() % 2000;
    o.page_bytes = 256 + rnd() % 8192;
    o.page_rows = rnd() % 2 ? 0 : 16 + rnd() % 600;
    o.dict_max_bytes = 512 + rnd() % 4096;
    o.measurement = "m";
    hb_pq_writer *w;
    assert_int_equal(hb_pq_writer_open(&st, "db/rp/m/x.parquet", defs, ncols, &o, &w, &err), 0);
    /* append in uneven slices */
    size_t done = 0;
    while (done < nrows) {
        size_t k = 1 + rnd() % 700;
        if (k > nrows - done)
            k = nrows - done;
        hb_pq_colvec slice[16];
        for (size_t i = 0; i < ncols; i++) {
            /* a slice must start on a byte of the validity bitmap: copy it */
            uint8_t *v = calloc((k + 7) / 8 + 1, 1);
            for (size_t r = 0; r < k; r++)
                if (hb_pq_valid(cols[i].valid, done + r))
                    v[r >> 3] |= (uint8_t)(1u << (r & 7));
            size_t vs = cols[i].def.type == HB_FT_BOOLEAN ? 1 : cols[i].def.type == HB_FT_STRING ? sizeof(hb_slice) : 8;
            slice[i] = (hb_pq_colvec){ v, (const char *)cols[i].values + done * vs };
        }
        assert_int_equal(hb_pq_writer_append(w, slice, k, &err), 0);
        for (size_t i = 0; i < ncols; i++)
            free((void *)slice[i].valid);
        done += k;
    }
    hb_pq_file_info info;
    assert_int_equal(hb_pq_writer_finish(w, &info, &err), 0);
    assert_int_equal(info.rows, nrows);

    hb_pq_reader *r;
    if (hb_pq_reader_open(&st, "db/rp/m/x.parquet", &r, &err))
        fail_msg("round %d: open: %s", round, err.msg);
    assert_int_equal(hb_pq_reader_rows(r), nrows);
    assert_int_equal(hb_pq_reader_ncols(r), ncols);
    for (size_t i = 0; i < ncols; i++) {
        const hb_pq_coldef *d = hb_pq_reader_col(r, i);
        assert_string_equal(d->name, defs[i].name);
        assert_int_equal(d->role, defs[i].role);
        assert_int_equal(d->type, defs[i].type);
    }
    size_t base = 0;
    hb_arena a;
    hb_arena_init(&a, 1 << 16, 0);
    for (size_t g = 0; g < hb_pq_reader_row_groups(r); g++) {
        size_t rows = hb_pq_reader_rg_rows(r, g);
        for (size_t c = 0; c < ncols; c++) {
            hb_pq_colvec got;
            if (hb_pq_reader_read(r, g, c, &a, &got, &err))
                fail_msg("round %d: read rg %zu col %zu: %s", round, g, c, err.msg);
            for (size_t k = 0; k < rows; k++) {
                /* compare row base+k of the input with row k of the group */
                column one = cols[c];
                uint8_t bit = hb_pq_valid(cols[c].valid, base + k) ? 1 : 0;
                size_t vs = defs[c].type == HB_FT_BOOLEAN ? 1 : defs[c].type == HB_FT_STRING ? sizeof(hb_slice) : 8;
                one.valid = &bit;
                one.values = (char *)cols[c].values + (base + k) * vs;
                uint8_t gbit = hb_pq_valid(got.valid, k) ? 1 : 0;
                hb_pq_colvec g1 = { &gbit, (const char *)got.values + k * vs };
                if (!same_value(&one, &g1, 0))
                    fail_msg("round %d: rg %zu col %s row %zu differs", round, g, defs[c].name, base + k);
            }
        }
        /* the same through hb_pq_reader_read_rows with random row ranges:
         * rows inside a range read the same, pages outside are skipped */
        hb_pq_rowrange want[4];
        size_t nw = 0;
        for (uint64_t lo = rows ? rnd() % rows : 0; nw < 4 && lo < rows;) {
            uint64_t hi = lo + 1 + rnd() % 200;
            want[nw++] = (hb_pq_rowrange){ lo, hi < rows ? hi : rows };
            lo = hi + rnd() % 400;
        }
        for (size_t c = 0; nw && c < ncols; c++) {
            hb_pq_colvec got;
            if (hb_pq_reader_read_rows(r, g, c, want, nw, &a, &got, &err))
                fail_msg("round %d: read_rows rg %zu col %zu: %s", round, g, c, err.msg);
            size_t vs = defs[c].type == HB_FT_BOOLEAN ? 1 : defs[c].type == HB_FT_STRING ? sizeof(hb_slice) : 8;
            for (size_t q = 0; q < nw; q++)
                for (uint64_t k = want[q].lo; k < want[q].hi; k++) {
                    column one = cols[c];
                    uint8_t bit = hb_pq_valid(cols[c].valid, base + k) ? 1 : 0;
                    one.valid = &bit;
                    one.values = (char *)cols[c].values + (base + k) * vs;
                    uint8_t gbit = hb_pq_valid(got.valid, k) ? 1 : 0;
                    hb_pq_colvec g1 = { &gbit, (const char *)got.values + k * vs };
                    if (!same_value(&one, &g1, 0))
                        fail_msg("round %d: read_rows rg %zu col %s row %zu differs", round, g, defs[c].name,
                                 (size_t)(base + k));
                }
        }
        hb_arena_reset(&a);
        base += rows;
    }
    assert_int_equal(base, nrows);
    hb_arena_free(&a);
    hb_pq_reader_close(r);
    st.close(st.self);
    for (size_t i = 0; i < ncols; i++) {
        free(cols[i].valid);
        free(cols[i].values);
        free(cols[i].strings);
    }
}

static void random_round_trips(void **state)
{
    rng_state = 0x9E3779B97F4A7C15ull;
    for (int round = 0; round < 60; round++)
        one_round(round);
}

/* InfluxDB lets a field share its name with a tag: the file keeps both, the
 * field under "{name}::field" on disk, and reads them back under their names. */
static void field_named_like_a_tag(void **state)
{
    hb_storage_port st;
    hb_err err;
    assert_int_equal(hb_storage_memory_open(&st, &err), 0);
    hb_pq_coldef cols[] = {
        { "time", HB_PQ_TIME, HB_FT_INTEGER },
        { "a", HB_PQ_TAG, HB_FT_STRING },
        { "a", HB_PQ_FIELD, HB_FT_FLOAT },
        { "a::field", HB_PQ_FIELD, HB_FT_INTEGER },
    };
    int64_t t[2] = { 1, 2 };
    hb_slice tag[2] = { { "x", 1 }, { "y", 1 } };
    double f[2] = { 1.5, 2.5 };
    int64_t i[2] = { 7, 8 };
    hb_pq_colvec v[] = { { NULL, t }, { NULL, tag }, { NULL, f }, { NULL, i } };
    hb_pq_writer *w;
    assert_int_equal(hb_pq_writer_open(&st, "f.parquet", cols, 4, NULL, &w, &err), 0);
    assert_int_equal(hb_pq_writer_append(w, v, 2, &err), 0);
    assert_int_equal(hb_pq_writer_finish(w, NULL, &err), 0);

    hb_pq_reader *r;
    assert_int_equal(hb_pq_reader_open(&st, "f.parquet", &r, &err), 0);
    assert_int_equal(hb_pq_reader_ncols(r), 4);
    const hb_pq_file_meta *m = hb_pq_reader_meta(r);
    assert_string_equal(m->schema[2].name, "a");
    assert_string_equal(m->schema[3].name, "a::field::field");
    assert_string_equal(m->schema[4].name, "a::field");
    assert_string_equal(hb_pq_reader_kv(r, HB_PQ_FIELDS_KEY), "a,a::field");
    assert_string_equal(hb_pq_reader_col(r, 2)->name, "a");
    assert_int_equal(hb_pq_reader_col(r, 1)->role, HB_PQ_TAG);
    assert_int_equal(hb_pq_reader_col(r, 2)->role, HB_PQ_FIELD);
    assert_int_equal(hb_pq_reader_find_col_role(r, "a", HB_PQ_TAG), 1);
    assert_int_equal(hb_pq_reader_find_col_role(r, "a", HB_PQ_FIELD), 2);
    assert_int_equal(hb_pq_reader_find_col_role(r, "a::field", HB_PQ_FIELD), 3);
    hb_arena a;
    hb_arena_init(&a, 0, 0);
    hb_pq_colvec out;
    assert_int_equal(hb_pq_reader_read(r, 0, 2, &a, &out, &err), 0);
    assert_true(((const double *)out.values)[1] == 2.5);
    assert_int_equal(hb_pq_reader_read(r, 0, 3, &a, &out, &err), 0);
    assert_int_equal(((const int64_t *)out.values)[0], 7);
    hb_arena_free(&a);
    hb_pq_reader_close(r);

    /* files without the pair have no "hyperbytedb.fields"; a tag or field
     * named twice is still an error */
    hb_pq_coldef dup[] = { { "time", HB_PQ_TIME, HB_FT_INTEGER }, { "b", HB_PQ_FIELD, HB_FT_FLOAT },
                           { "b", HB_PQ_FIELD, HB_FT_INTEGER } };
    assert_int_equal(hb_pq_writer_open(&st, "g.parquet", dup, 3, NULL, &w, &err), HB_EINVAL);
    assert_int_equal(hb_pq_writer_open(&st, "g.parquet", cols, 2, NULL, &w, &err), 0);
    assert_int_equal(hb_pq_writer_append(w, v, 2, &err), 0);
    assert_int_equal(hb_pq_writer_finish(w, NULL, &err), 0);
    assert_int_equal(hb_pq_reader_open(&st, "g.parquet", &r, &err), 0);
    assert_null(hb_pq_reader_kv(r, HB_PQ_FIELDS_KEY));
    hb_pq_reader_close(r);
    st.close(st.self);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(random_round_trips),
        cmocka_unit_test(field_named_like_a_tag),
    };
    return cmocka_run_group_tests_name("format/parquet_roundtrip", tests, NULL, NULL);
}
