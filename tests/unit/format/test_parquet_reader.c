/* Parquet reader: files built by hand (page by page with the existing
 * encoders) in the memory StoragePort: every type, nulls, dictionary +
 * PLAIN fallback in one chunk, DELTA, BYTE_STREAM_SPLIT, RLE booleans, v1
 * and v2 pages, zstd / snappy / uncompressed, several row groups, MILLIS and
 * MICROS timestamps, statistics; corrupt files (HB_ECORRUPT naming the key);
 * the footer cache; DuckDB-written fixtures in tests/unit/format/data/.
 * Set HB_PQ_SEED_DIR=dir to dump every built file (fuzz seeds). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "adapters/storage_memory.h"
#include "format/parquet_enc.h"
#include "format/parquet_meta.h"
#include "format/parquet_reader.h"

/* ---- file builder ---- */

#define MAXC 16
#define MAXRG 4

typedef struct tb {
    hb_buf f;
    hb_pq_schema_element schema[MAXC + 1];
    hb_pq_row_group rgs[MAXRG];
    hb_pq_column_chunk cc[MAXRG][MAXC];
    hb_pq_column_meta cm[MAXRG][MAXC];
    hb_pq_statistics st[MAXRG][MAXC];
    hb_pq_key_value kv[4];
    size_t ncols, nrg, nkv;
    int32_t codec;      /* for pages being added */
    size_t chunk_start, chunk_uncomp;
    int64_t chunk_dict_off;
    int64_t chunk_data_off;
} tb;

static void tb_init(tb *t)
{
    memset(t, 0, sizeof *t);
    hb_buf_init(&t->f, 0);
    assert_int_equal(hb_buf_append(&t->f, "PAR1", 4), 0);
    t->schema[0].name = "schema";
    t->schema[0].has_num_children = true;
}

static hb_pq_schema_element *tb_col(tb *t, const char *name, int32_t phys, int optional)
{
    hb_pq_schema_element *e = &t->schema[++t->ncols];
    e->name = name;
    e->has_type = true;
    e->type = phys;
    e->has_repetition_type = true;
    e->repetition_type = optional ? HB_PQ_OPTIONAL : HB_PQ_REQUIRED;
    t->schema[0].num_children = (int32_t)t->ncols;
    return e;
}

static void tb_kv(tb *t, const char *k, const char *v)
{
    t->kv[t->nkv].key = k;
    t->kv[t->nkv++].value = v;
}

static void tb_chunk_begin(tb *t, int32_t codec)
{
    t->codec = codec;
    t->chunk_start = t->f.len;
    t->chunk_uncomp = 0;
    t->chunk_dict_off = -1;
    t->chunk_data_off = -1;
}

static void compress_into(hb_buf *out, int32_t codec, const void *p, size_t n)
{
    if (codec == HB_PQ_ZSTD) {
        size_t cap = ZSTD_compressBound(n);
        assert_int_equal(hb_buf_reserve(out, cap), 0);
        size_t z = ZSTD_compress(out->data + out->len, cap, p, n, 1);
        assert_false(ZSTD_isError(z));
        out->len += z;
    } else if (codec == HB_PQ_SNAPPY) {
        /* valid snappy: length varint, then literals of <= 60 bytes */
        assert_int_equal(hb_buf_put_uvarint(out, n), 0);
        const uint8_t *b = p;
        for (size_t i = 0; i < n;) {
            size_t k = n - i < 60 ? n - i : 60;
            assert_int_equal(hb_buf_put_u8(out, (uint8_t)((k - 1) << 2)), 0);
            assert_int_equal(hb_buf_append(out, b + i, k), 0);
            i += k;
        }
    } else {
        assert_int_equal(hb_buf_append(out, p, n), 0);
    }
}

/* Append a page: header h (sizes filled here) then body (compressed with
 * t->codec from `levels` (kept uncompressed, v2) + `data`). */
static void tb_page(tb *t, hb_pq_page_header *h, const hb_buf *levels, const hb_buf *data, int compress_levels)
{
    hb_buf body, hdr;
    hb_buf_init(&body, 0);
    hb_buf_init(&hdr, 0);
    size_t ulen = (levels ? levels->len : 0) + data->len;
    if (compress_levels) {
        hb_buf all;
        hb_buf_init(&all, 0);
        if (levels)
            assert_int_equal(hb_buf_append(&all, levels->data, levels->len), 0);
        assert_int_equal(hb_buf_append(&all, data->data, data->len), 0);
        compress_into(&body, t->codec, all.data, all.len);
        hb_buf_free(&all);
    } else {
        if (levels)
            assert_int_equal(hb_buf_append(&body, levels->data, levels->len), 0);
        int comp = !h->data_page_header_v2 || !h->data_page_header_v2->has_is_compressed ||
                   h->data_page_header_v2->is_compressed;
        compress_into(&body, comp ? t->codec : HB_PQ_UNCOMPRESSED, data->data, data->len);
    }
    h->uncompressed_page_size = (int32_t)ulen;
    h->compressed_page_size = (int32_t)body.len;
    hb_err e;
    assert_int_equal(hb_pq_page_header_encode(&hdr, h, &e), 0);
    if (h->type == HB_PQ_DICTIONARY_PAGE)
        t->chunk_dict_off = (int64_t)t->f.len;
    else if (t->chunk_data_off < 0)
        t->chunk_data_off = (int64_t)t->f.len;
    assert_int_equal(hb_buf_append(&t->f, hdr.data, hdr.len), 0);
    assert_int_equal(hb_buf_append(&t->f, body.data, body.len), 0);
    t->chunk_uncomp += hdr.len + ulen;
    hb_buf_free(&body);
    hb_buf_free(&hdr);
}

/* Data page v1 of nv rows: defs (NULL = required column) and values. */
static void tb_v1(tb *t, int32_t enc, const uint8_t *defs, size_t nv, const hb_buf *vals)
{
    hb_buf lv;
    hb_err e;
    hb_buf_init(&lv, 0);
    if (defs)
        assert_int_equal(hb_pq_rle_encode_u8(&lv, defs, nv, 1, 1, &e), 0);
    hb_pq_data_page_header dp = { .num_values = (int32_t)nv, .encoding = enc,
                                  .definition_level_encoding = HB_PQ_ENC_RLE,
                                  .repetition_level_encoding = HB_PQ_ENC_RLE };
    hb_pq_page_header h = { .type = HB_PQ_DATA_PAGE, .data_page_header = &dp };
    tb_page(t, &h, &lv, vals, 1);
    hb_buf_free(&lv);
}

static void tb_v2(tb *t, int32_t enc, const uint8_t *defs, size_t nv, const hb_buf *vals, int compressed)
{
    hb_buf lv;
    hb_err e;
    hb_buf_init(&lv, 0);
    size_t nulls = 0;
    if (defs) {
        assert_int_equal(hb_pq_rle_encode_u8(&lv, defs, nv, 1, 0, &e), 0);
        for (size_t i = 0; i < nv; i++)
            nulls += !defs[i];
    }
    hb_pq_data_page_header_v2 dp = { .num_values = (int32_t)nv, .num_nulls = (int32_t)nulls,
                                     .num_rows = (int32_t)nv, .encoding = enc,
                                     .definition_levels_byte_length = (int32_t)lv.len,
                                     .has_is_compressed = true, .is_compressed = compressed != 0 };
    hb_pq_page_header h = { .type = HB_PQ_DATA_PAGE_V2, .data_page_header_v2 = &dp };
    tb_page(t, &h, &lv, vals, 0);
    hb_buf_free(&lv);
}

static void tb_dict(tb *t, size_t n, const hb_buf *vals)
{
    hb_pq_dictionary_page_header dp = { .num_values = (int32_t)n, .encoding = HB_PQ_ENC_PLAIN };
    hb_pq_page_header h = { .type = HB_PQ_DICTIONARY_PAGE, .dictionary_page_header = &dp };
    tb_page(t, &h, NULL, vals, 1);
}

static void tb_chunk_end(tb *t, size_t rg, size_t col, int64_t nvalues)
{
    hb_pq_column_meta *m = &t->cm[rg][col];
    m->type = t->schema[col + 1].type;
    m->codec = t->codec;
    m->num_values = nvalues;
    m->total_compressed_size = (int64_t)(t->f.len - t->chunk_start);
    m->total_uncompressed_size = (int64_t)t->chunk_uncomp;
    m->data_page_offset = t->chunk_data_off;
    if (t->chunk_dict_off >= 0) {
        m->has_dictionary_page_offset = true;
        m->dictionary_page_offset = t->chunk_dict_off;
    }
    static const char *path[1];
    path[0] = t->schema[col + 1].name;
    m->path_in_schema = (const char **)path;   /* encoded before the next call */
    m->n_path = 1;
    static int32_t encs[] = { HB_PQ_ENC_PLAIN, HB_PQ_ENC_RLE };
    m->encodings = encs;
    m->n_encodings = 2;
    t->cc[rg][col].meta_data = m;
}

/* Statistics for chunk (rg, col): raw min/max bytes (PLAIN). */
static void tb_stats(tb *t, size_t rg, size_t col, const void *mn, size_t nmn, const void *mx, size_t nmx,
                     int64_t nulls)
{
    hb_pq_statistics *s = &t->st[rg][col];
    s->min_value = (hb_pq_bin){ mn, nmn };
    s->max_value = (hb_pq_bin){ mx, nmx };
    s->has_null_count = true;
    s->null_count = nulls;
    t->cm[rg][col].statistics = s;
}

static void tb_rg(tb *t, size_t rg, int64_t rows)
{
    t->rgs[rg].columns = t->cc[rg];
    t->rgs[rg].n_columns = t->ncols;
    t->rgs[rg].num_rows = rows;
    if (rg + 1 > t->nrg)
        t->nrg = rg + 1;
}

/* Footer and magic; the file bytes stay in t->f. */
static void tb_finish(tb *t)
{
    hb_pq_file_meta m = { .version = 1, .schema = t->schema, .n_schema = t->ncols + 1,
                          .row_groups = t->rgs, .n_row_groups = t->nrg,
                          .key_value_metadata = t->kv, .n_key_value_metadata = t->nkv,
                          .created_by = "test_parquet_reader" };
    for (size_t i = 0; i < t->nrg; i++)
        m.num_rows += t->rgs[i].num_rows;
    for (size_t g = 0; g < t->nrg; g++)   /* path_in_schema of every chunk */
        for (size_t c = 0; c < t->ncols; c++)
            if (t->cm[g][c].n_path)
                t->cm[g][c].path_in_schema = &t->schema[c + 1].name;
    hb_err e;
    size_t start = t->f.len;
    assert_int_equal(hb_pq_file_meta_encode(&t->f, &m, &e), 0);
    assert_int_equal(hb_buf_put_u32le(&t->f, (uint32_t)(t->f.len - start)), 0);
    assert_int_equal(hb_buf_append(&t->f, "PAR1", 4), 0);
}

static void put_file(hb_storage_port *st, const char *key, const void *p, size_t n)
{
    hb_err e;
    assert_int_equal(st->put(st->self, key, p, n, &e), 0);
    const char *dir = getenv("HB_PQ_SEED_DIR");
    if (dir) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, key);
        for (char *c = path + strlen(dir) + 1; *c; c++)
            if (*c == '/')
                *c = '_';
        FILE *f = fopen(path, "wb");
        if (f) {
            fwrite(p, 1, n, f);
            fclose(f);
        }
    }
}

static hb_storage_port mem_store(void)
{
    hb_storage_port st;
    hb_err e;
    assert_int_equal(hb_storage_memory_open(&st, &e), 0);
    return st;
}

/* ---- value helpers ---- */

static void enc_i64(hb_buf *b, const int64_t *v, size_t n)
{
    hb_err e;
    assert_int_equal(hb_pq_plain_put_i64(b, v, n, &e), 0);
}

static void enc_strs(hb_buf *b, const char **v, size_t n)
{
    hb_err e;
    hb_slice s[64];
    for (size_t i = 0; i < n; i++)
        s[i] = (hb_slice){ v[i], strlen(v[i]) };
    assert_int_equal(hb_pq_plain_put_bytes(b, s, n, &e), 0);
}

static void check_str(const hb_pq_colvec *cv, size_t i, const char *want)
{
    const hb_slice *s = cv->values;
    if (!want) {
        assert_false(hb_pq_valid(cv->valid, i));
        assert_int_equal(s[i].n, 0);
        return;
    }
    assert_true(hb_pq_valid(cv->valid, i));
    assert_int_equal(s[i].n, strlen(want));
    assert_memory_equal(s[i].p, want, s[i].n);
}

static void read_ok(hb_pq_reader *r, size_t rg, size_t col, hb_arena *a, hb_pq_colvec *cv)
{
    hb_err e;
    int rc = hb_pq_reader_read(r, rg, col, a, cv, &e);
    if (rc)
        fail_msg("read rg %zu col %zu: %s", rg, col, e.msg);
}

/* ---- a file with every type over two row groups ----
 * rg0: v1 pages, uncompressed, PLAIN; rg1: v2 pages, zstd; nulls in the
 * optional columns. Columns: time, host (tag), i, u, f, s, b. */
#define NR0 10
#define NR1 7
static const char *hosts[] = { "a", "b", "a,b\\c" };

static void build_all_types(tb *t, int32_t codec1)
{
    tb_init(t);
    hb_pq_schema_element *e = tb_col(t, "time", HB_PQ_INT64, 0);
    e->logical_type = (hb_pq_logical_type){ .kind = HB_PQ_LT_TIMESTAMP, .is_adjusted_to_utc = true,
                                            .unit = HB_PQ_NANOS };
    e = tb_col(t, "host", HB_PQ_BYTE_ARRAY, 1);
    e->logical_type.kind = HB_PQ_LT_STRING;
    tb_col(t, "i", HB_PQ_INT64, 1);
    e = tb_col(t, "u", HB_PQ_INT64, 1);
    e->logical_type = (hb_pq_logical_type){ .kind = HB_PQ_LT_INTEGER, .bit_width = 64, .is_signed = false };
    tb_col(t, "f", HB_PQ_DOUBLE, 1);
    e = tb_col(t, "s", HB_PQ_BYTE_ARRAY, 1);
    e->logical_type.kind = HB_PQ_LT_STRING;
    tb_col(t, "b", HB_PQ_BOOLEAN, 1);
    e = tb_col(t, "weird,name", HB_PQ_BYTE_ARRAY, 1);   /* tag with an escaped comma */
    tb_kv(t, "hyperbytedb.tags", "host,weird\\,name");
    tb_kv(t, "hyperbytedb.measurement", "cpu");

    hb_err er;
    for (size_t g = 0; g < 2; g++) {
        size_t n = g ? NR1 : NR0;
        int v2 = g == 1;
        int32_t codec = g ? codec1 : HB_PQ_UNCOMPRESSED;
        int64_t tv[16];
        uint8_t defs[16], nn = 0;
        for (size_t i = 0; i < n; i++)
            tv[i] = 1000 * (int64_t)(g * 100 + i);
        /* time */
        hb_buf b;
        hb_buf_init(&b, 0);
        tb_chunk_begin(t, codec);
        enc_i64(&b, tv, n);
        if (v2)
            tb_v2(t, HB_PQ_ENC_PLAIN, NULL, n, &b, 1);
        else
            tb_v1(t, HB_PQ_ENC_PLAIN, NULL, n, &b);
        tb_chunk_end(t, g, 0, (int64_t)n);
        static int64_t tmin[2], tmax[2];
        tmin[g] = tv[0];
        tmax[g] = tv[n - 1];
        tb_stats(t, g, 0, &tmin[g], 8, &tmax[g], 8, 0);
        /* host: dictionary */
        hb_buf_reset(&b);
        tb_chunk_begin(t, codec);
        enc_strs(&b, hosts, 3);
        tb_dict(t, 3, &b);
        hb_buf_reset(&b);
        uint32_t idx[16];
        nn = 0;
        for (size_t i = 0; i < n; i++) {
            defs[i] = i % 4 != 3;
            if (defs[i])
                idx[nn++] = (uint32_t)(i % 3);
        }
        assert_int_equal(hb_pq_dict_idx_encode(&b, idx, nn, 3, &er), 0);
        if (v2)
            tb_v2(t, HB_PQ_ENC_RLE_DICTIONARY, defs, n, &b, 1);
        else
            tb_v1(t, HB_PQ_ENC_RLE_DICTIONARY, defs, n, &b);
        tb_chunk_end(t, g, 1, (int64_t)n);
        tb_stats(t, g, 1, "a", 1, "b", 1, (int64_t)(n - nn));
        /* i, u: ints with every third null */
        for (size_t c = 2; c <= 3; c++) {
            int64_t iv[16];
            nn = 0;
            for (size_t i = 0; i < n; i++) {
                defs[i] = i % 3 != 1;
                if (defs[i])
                    iv[nn++] = c == 2 ? -(int64_t)i * 7 : (int64_t)(UINT64_MAX - i);
            }
            hb_buf_reset(&b);
            tb_chunk_begin(t, codec);
            enc_i64(&b, iv, nn);
            if (v2)
                tb_v2(t, HB_PQ_ENC_PLAIN, defs, n, &b, 1);
            else
                tb_v1(t, HB_PQ_ENC_PLAIN, defs, n, &b);
            tb_chunk_end(t, g, c, (int64_t)n);
        }
        static uint64_t umin = UINT64_MAX - 9, umax = UINT64_MAX;
        tb_stats(t, g, 3, &umin, 8, &umax, 8, 3);
        /* f: all present but one */
        double fv[16];
        nn = 0;
        for (size_t i = 0; i < n; i++) {
            defs[i] = i != 2;
            if (defs[i])
                fv[nn++] = (double)i + 0.5;
        }
        hb_buf_reset(&b);
        tb_chunk_begin(t, codec);
        assert_int_equal(hb_pq_plain_put_double(&b, fv, nn, &er), 0);
        if (v2)
            tb_v2(t, HB_PQ_ENC_PLAIN, defs, n, &b, 0);   /* v2 with is_compressed = false */
        else
            tb_v1(t, HB_PQ_ENC_PLAIN, defs, n, &b);
        tb_chunk_end(t, g, 4, (int64_t)n);
        static double fmin = 0.5, fmax = 9.5;
        tb_stats(t, g, 4, &fmin, 8, &fmax, 8, 1);
        /* s: PLAIN strings, all null in rg1 */
        const char *sv[16];
        char sbuf[16][8];
        nn = 0;
        for (size_t i = 0; i < n; i++) {
            defs[i] = !g && i % 2 == 0;
            snprintf(sbuf[i], sizeof sbuf[i], "s%zu", i);
            if (defs[i])
                sv[nn++] = sbuf[i];
        }
        hb_buf_reset(&b);
        tb_chunk_begin(t, codec);
        enc_strs(&b, sv, nn);
        if (v2)
            tb_v2(t, HB_PQ_ENC_PLAIN, defs, n, &b, 1);
        else
            tb_v1(t, HB_PQ_ENC_PLAIN, defs, n, &b);
        tb_chunk_end(t, g, 5, (int64_t)n);
        /* b: booleans, PLAIN in rg0, RLE in rg1, no nulls */
        uint8_t bv[16];
        for (size_t i = 0; i < n; i++) {
            defs[i] = 1;
            bv[i] = (uint8_t)(i % 3 == 0);
        }
        hb_buf_reset(&b);
        tb_chunk_begin(t, codec);
        if (v2) {
            assert_int_equal(hb_pq_rle_encode_u8(&b, bv, n, 1, 1, &er), 0);
            tb_v2(t, HB_PQ_ENC_RLE, defs, n, &b, 1);
        } else {
            assert_int_equal(hb_pq_plain_put_bool(&b, bv, n, &er), 0);
            tb_v1(t, HB_PQ_ENC_PLAIN, defs, n, &b);
        }
        tb_chunk_end(t, g, 6, (int64_t)n);
        /* weird,name: all "x" */
        const char *xs[16];
        for (size_t i = 0; i < n; i++)
            xs[i] = "x";
        hb_buf_reset(&b);
        tb_chunk_begin(t, codec);
        enc_strs(&b, xs, n);
        tb_v1(t, HB_PQ_ENC_PLAIN, defs, n, &b);
        tb_chunk_end(t, g, 7, (int64_t)n);
        hb_buf_free(&b);
        tb_rg(t, g, (int64_t)n);
    }
    tb_finish(t);
}

static void check_all_types(hb_pq_reader *r)
{
    assert_int_equal(hb_pq_reader_ncols(r), 8);
    assert_int_equal(hb_pq_reader_rows(r), NR0 + NR1);
    assert_int_equal(hb_pq_reader_row_groups(r), 2);
    assert_int_equal(hb_pq_reader_rg_rows(r, 1), NR1);
    assert_string_equal(hb_pq_reader_kv(r, "hyperbytedb.measurement"), "cpu");
    assert_null(hb_pq_reader_kv(r, "nope"));
    static const struct { const char *n; hb_pq_role role; hb_ftype type; } want[] = {
        { "time", HB_PQ_TIME, HB_FT_INTEGER }, { "host", HB_PQ_TAG, HB_FT_STRING },
        { "i", HB_PQ_FIELD, HB_FT_INTEGER }, { "u", HB_PQ_FIELD, HB_FT_UNSIGNED },
        { "f", HB_PQ_FIELD, HB_FT_FLOAT }, { "s", HB_PQ_FIELD, HB_FT_STRING },
        { "b", HB_PQ_FIELD, HB_FT_BOOLEAN }, { "weird,name", HB_PQ_TAG, HB_FT_STRING },
    };
    for (size_t c = 0; c < 8; c++) {
        const hb_pq_coldef *d = hb_pq_reader_col(r, c);
        assert_string_equal(d->name, want[c].n);
        assert_int_equal(d->role, want[c].role);
        assert_int_equal(d->type, want[c].type);
        assert_int_equal(hb_pq_reader_find_col(r, want[c].n), (int)c);
    }
    assert_int_equal(hb_pq_reader_find_col(r, "zz"), -1);
    assert_int_equal(hb_pq_reader_time_col(r), 0);

    hb_arena a;
    hb_arena_init(&a, 0, 0);
    for (size_t g = 0; g < 2; g++) {
        size_t n = g ? NR1 : NR0;
        hb_pq_colvec cv;
        read_ok(r, g, 0, &a, &cv);
        assert_null(cv.valid);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(((const int64_t *)cv.values)[i], 1000 * (int64_t)(g * 100 + i));
        int64_t mn, mx;
        assert_int_equal(hb_pq_reader_rg_time_range(r, g, &mn, &mx), 0);
        assert_int_equal(mn, 1000 * (int64_t)(g * 100));
        assert_int_equal(mx, 1000 * (int64_t)(g * 100 + n - 1));

        read_ok(r, g, 1, &a, &cv);
        assert_non_null(cv.valid);
        for (size_t i = 0; i < n; i++)
            check_str(&cv, i, i % 4 == 3 ? NULL : hosts[i % 3]);
        hb_pq_colstats s;
        assert_int_equal(hb_pq_reader_stats(r, g, 1, &s), 0);
        assert_true(s.has_minmax);
        assert_int_equal(s.smin.n, 1);
        assert_memory_equal(s.smax.p, "b", 1);

        read_ok(r, g, 2, &a, &cv);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(hb_pq_valid(cv.valid, i), i % 3 != 1);
            assert_int_equal(((const int64_t *)cv.values)[i], i % 3 != 1 ? -(int64_t)i * 7 : 0);
        }
        read_ok(r, g, 3, &a, &cv);
        for (size_t i = 0; i < n; i++)
            assert_true(((const uint64_t *)cv.values)[i] == (i % 3 != 1 ? UINT64_MAX - i : 0));
        assert_int_equal(hb_pq_reader_stats(r, g, 3, &s), 0);
        assert_true(s.has_minmax && s.max.u == UINT64_MAX && s.min.u == UINT64_MAX - 9);
        assert_true(s.has_null_count && s.null_count == 3);

        read_ok(r, g, 4, &a, &cv);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(hb_pq_valid(cv.valid, i), i != 2);
            assert_true(((const double *)cv.values)[i] == (i != 2 ? (double)i + 0.5 : 0.0));
        }
        assert_int_equal(hb_pq_reader_stats(r, g, 4, &s), 0);
        assert_true(s.has_minmax && s.min.d == 0.5 && s.max.d == 9.5);

        read_ok(r, g, 5, &a, &cv);
        for (size_t i = 0; i < n; i++) {
            char sb[8];
            snprintf(sb, sizeof sb, "s%zu", i);
            check_str(&cv, i, !g && i % 2 == 0 ? sb : NULL);
        }
        assert_int_equal(hb_pq_reader_stats(r, g, 5, &s), 0);
        assert_false(s.has_minmax);

        read_ok(r, g, 6, &a, &cv);
        assert_null(cv.valid);
        for (size_t i = 0; i < n; i++)
            assert_int_equal(((const uint8_t *)cv.values)[i], i % 3 == 0);
        read_ok(r, g, 7, &a, &cv);
        for (size_t i = 0; i < n; i++)
            check_str(&cv, i, "x");
    }
    hb_arena_free(&a);
}

static void all_types(void **state)
{
    int32_t codecs[] = { HB_PQ_UNCOMPRESSED, HB_PQ_ZSTD, HB_PQ_SNAPPY };
    for (size_t k = 0; k < 3; k++) {
        hb_storage_port st = mem_store();
        tb t;
        build_all_types(&t, codecs[k]);
        char key[64];
        snprintf(key, sizeof key, "db/rp/cpu/all_%d.parquet", (int)codecs[k]);
        put_file(&st, key, t.f.data, t.f.len);
        hb_pq_reader *r;
        hb_err e;
        int rc = hb_pq_reader_open(&st, key, &r, &e);
        if (rc)
            fail_msg("open: %s", e.msg);
        check_all_types(r);
        hb_pq_reader_close(r);
        hb_buf_free(&t.f);
        st.close(st.self);
    }
}

/* One string chunk: dictionary page, RLE_DICTIONARY page, PLAIN fallback
 * page, PLAIN_DICTIONARY page; one INT64 chunk: dictionary + DELTA pages;
 * INT32 DELTA + PLAIN, FLOAT BYTE_STREAM_SPLIT + PLAIN. */
static void dict_fallback_delta(void **state)
{
    hb_storage_port st = mem_store();
    tb t;
    tb_init(&t);
    tb_col(&t, "s", HB_PQ_BYTE_ARRAY, 1);
    tb_col(&t, "i", HB_PQ_INT64, 0);
    hb_pq_schema_element *e32 = tb_col(&t, "i32", HB_PQ_INT32, 1);
    (void)e32;
    tb_col(&t, "fl", HB_PQ_FLOAT, 0);
    hb_pq_schema_element *u32 = tb_col(&t, "u32", HB_PQ_INT32, 0);
    u32->has_converted_type = true;
    u32->converted_type = HB_PQ_CT_UINT_32;
    hb_err er;
    hb_buf b;
    hb_buf_init(&b, 0);
    const size_t N = 300;

    tb_chunk_begin(&t, HB_PQ_ZSTD);
    const char *dv[] = { "alpha", "beta", "gamma" };
    enc_strs(&b, dv, 3);
    tb_dict(&t, 3, &b);
    uint32_t idx[100];
    uint8_t defs[100];
    for (size_t i = 0; i < 100; i++) {
        idx[i] = (uint32_t)(i % 3);
        defs[i] = 1;
    }
    hb_buf_reset(&b);
    assert_int_equal(hb_pq_dict_idx_encode(&b, idx, 100, 3, &er), 0);
    tb_v1(&t, HB_PQ_ENC_RLE_DICTIONARY, defs, 100, &b);
    /* PLAIN fallback page with a null */
    const char *pv[99];
    char pb[99][12];
    for (size_t i = 0; i < 100; i++)
        defs[i] = i != 50;
    for (size_t i = 0, k = 0; i < 100; i++)
        if (defs[i]) {
            snprintf(pb[k], sizeof pb[k], "plain%zu", i);
            pv[k] = pb[k];
            k++;
        }
    hb_buf_reset(&b);
    enc_strs(&b, pv, 64);
    hb_buf tail;
    hb_buf_init(&tail, 0);
    enc_strs(&tail, pv + 64, 35);
    assert_int_equal(hb_buf_append(&b, tail.data, tail.len), 0);
    hb_buf_free(&tail);
    tb_v2(&t, HB_PQ_ENC_PLAIN, defs, 100, &b, 1);
    for (size_t i = 0; i < 100; i++)
        defs[i] = 1;
    hb_buf_reset(&b);
    assert_int_equal(hb_pq_dict_idx_encode(&b, idx, 100, 3, &er), 0);
    tb_v1(&t, HB_PQ_ENC_PLAIN_DICTIONARY, defs, 100, &b);
    tb_chunk_end(&t, 0, 0, (int64_t)N);

    /* INT64: dictionary page + index page, then DELTA pages */
    int64_t iv[300];
    for (size_t i = 0; i < N; i++)
        iv[i] = i < 100 ? (int64_t)(i % 5) * 1000000007LL : (int64_t)(i * i) - 5000;
    tb_chunk_begin(&t, HB_PQ_UNCOMPRESSED);
    int64_t dict5[5];
    for (int i = 0; i < 5; i++)
        dict5[i] = i * 1000000007LL;
    hb_buf_reset(&b);
    enc_i64(&b, dict5, 5);
    tb_dict(&t, 5, &b);
    for (size_t i = 0; i < 100; i++)
        idx[i] = (uint32_t)(i % 5);
    hb_buf_reset(&b);
    assert_int_equal(hb_pq_dict_idx_encode(&b, idx, 100, 5, &er), 0);
    tb_v1(&t, HB_PQ_ENC_RLE_DICTIONARY, NULL, 100, &b);
    hb_buf_reset(&b);
    assert_int_equal(hb_pq_delta_encode_i64(&b, iv + 100, 150, &er), 0);
    tb_v1(&t, HB_PQ_ENC_DELTA_BINARY_PACKED, NULL, 150, &b);
    hb_buf_reset(&b);
    assert_int_equal(hb_pq_delta_encode_i64(&b, iv + 250, 50, &er), 0);
    tb_v2(&t, HB_PQ_ENC_DELTA_BINARY_PACKED, NULL, 50, &b, 1);
    tb_chunk_end(&t, 0, 1, (int64_t)N);

    /* INT32 optional: DELTA then PLAIN, nulls every 7th */
    int32_t v32[300];
    uint8_t d300[300];
    size_t nn1 = 0, nn2 = 0;
    for (size_t i = 0; i < N; i++) {
        d300[i] = i % 7 != 0;
        if (!d300[i])
            continue;
        v32[nn1 + nn2] = (int32_t)(i * 3) - 400;
        if (i < 200)
            nn1++;
        else
            nn2++;
    }
    tb_chunk_begin(&t, HB_PQ_ZSTD);
    hb_buf_reset(&b);
    assert_int_equal(hb_pq_delta_encode_i32(&b, v32, nn1, &er), 0);
    tb_v1(&t, HB_PQ_ENC_DELTA_BINARY_PACKED, d300, 200, &b);
    hb_buf_reset(&b);
    assert_int_equal(hb_pq_plain_put_i32(&b, v32 + nn1, nn2, &er), 0);
    tb_v2(&t, HB_PQ_ENC_PLAIN, d300 + 200, 100, &b, 1);
    tb_chunk_end(&t, 0, 2, (int64_t)N);

    /* FLOAT: BYTE_STREAM_SPLIT then PLAIN */
    float fv[300];
    for (size_t i = 0; i < N; i++)
        fv[i] = (float)i * 0.25f - 3.0f;
    tb_chunk_begin(&t, HB_PQ_UNCOMPRESSED);
    hb_buf_reset(&b);
    assert_int_equal(hb_buf_reserve(&b, 4 * 150), 0);
    for (size_t s = 0; s < 4; s++)
        for (size_t i = 0; i < 150; i++)
            b.data[s * 150 + i] = ((const char *)&fv[i])[s];
    b.len = 600;
    tb_v1(&t, HB_PQ_ENC_BYTE_STREAM_SPLIT, NULL, 150, &b);
    hb_buf_reset(&b);
    assert_int_equal(hb_buf_append(&b, fv + 150, 4 * 150), 0);
    tb_v1(&t, HB_PQ_ENC_PLAIN, NULL, 150, &b);
    tb_chunk_end(&t, 0, 3, (int64_t)N);

    /* UINT_32 */
    int32_t uv[300];
    for (size_t i = 0; i < N; i++)
        uv[i] = (int32_t)(0xFFFFFF00u + (uint32_t)i);
    tb_chunk_begin(&t, HB_PQ_UNCOMPRESSED);
    hb_buf_reset(&b);
    assert_int_equal(hb_pq_plain_put_i32(&b, uv, N, &er), 0);
    tb_v1(&t, HB_PQ_ENC_PLAIN, NULL, N, &b);
    tb_chunk_end(&t, 0, 4, (int64_t)N);
    hb_buf_free(&b);
    tb_rg(&t, 0, (int64_t)N);
    tb_finish(&t);
    put_file(&st, "dict.parquet", t.f.data, t.f.len);

    hb_pq_reader *r;
    hb_err e;
    int rc = hb_pq_reader_open(&st, "dict.parquet", &r, &e);
    if (rc)
        fail_msg("open: %s", e.msg);
    assert_int_equal(hb_pq_reader_time_col(r), -1);
    assert_int_equal(hb_pq_reader_col(r, 0)->role, HB_PQ_FIELD);
    assert_int_equal(hb_pq_reader_col(r, 2)->type, HB_FT_INTEGER);
    assert_int_equal(hb_pq_reader_col(r, 3)->type, HB_FT_FLOAT);
    assert_int_equal(hb_pq_reader_col(r, 4)->type, HB_FT_UNSIGNED);
    hb_arena a;
    hb_arena_init(&a, 0, 0);
    hb_pq_colvec cv;
    read_ok(r, 0, 0, &a, &cv);
    for (size_t i = 0; i < N; i++) {
        char want[16];
        if (i < 100 || i >= 200)
            check_str(&cv, i, dv[(i - (i >= 200 ? 200 : 0)) % 3]);
        else if (i == 150)
            check_str(&cv, i, NULL);
        else {
            snprintf(want, sizeof want, "plain%zu", i - 100);
            check_str(&cv, i, want);
        }
    }
    read_ok(r, 0, 1, &a, &cv);
    assert_memory_equal(cv.values, iv, N * 8);
    read_ok(r, 0, 2, &a, &cv);
    for (size_t i = 0, k = 0; i < N; i++) {
        assert_int_equal(hb_pq_valid(cv.valid, i), i % 7 != 0);
        assert_int_equal(((const int64_t *)cv.values)[i], i % 7 ? (int64_t)v32[k++] : 0);
    }
    read_ok(r, 0, 3, &a, &cv);
    for (size_t i = 0; i < N; i++)
        assert_true(((const double *)cv.values)[i] == (double)fv[i]);
    read_ok(r, 0, 4, &a, &cv);
    for (size_t i = 0; i < N; i++)
        assert_true(((const uint64_t *)cv.values)[i] == (uint32_t)(0xFFFFFF00u + i));
    hb_arena_free(&a);
    hb_pq_reader_close(r);
    hb_buf_free(&t.f);
    st.close(st.self);
}

/* MILLIS (logical), MICROS (converted type), NANOS columns; first is TIME. */
static void timestamp_units(void **state)
{
    hb_storage_port st = mem_store();
    tb t;
    tb_init(&t);
    hb_pq_schema_element *e = tb_col(&t, "ms", HB_PQ_INT64, 0);
    e->logical_type = (hb_pq_logical_type){ .kind = HB_PQ_LT_TIMESTAMP, .unit = HB_PQ_MILLIS };
    e = tb_col(&t, "us", HB_PQ_INT64, 1);
    e->has_converted_type = true;
    e->converted_type = HB_PQ_CT_TIMESTAMP_MICROS;
    int64_t v[4] = { 1, -2, 1700000000000LL, INT64_MAX / 10 };
    hb_buf b;
    hb_buf_init(&b, 0);
    for (size_t c = 0; c < 2; c++) {
        tb_chunk_begin(&t, HB_PQ_UNCOMPRESSED);
        hb_buf_reset(&b);
        enc_i64(&b, v, 4);
        tb_v1(&t, HB_PQ_ENC_PLAIN, c ? (const uint8_t *)"\1\1\1\1" : NULL, 4, &b);
        tb_chunk_end(&t, 0, c, 4);
    }
    tb_stats(&t, 0, 0, &v[1], 8, &v[2], 8, 0);
    hb_buf_free(&b);
    tb_rg(&t, 0, 4);
    tb_finish(&t);
    put_file(&st, "ts.parquet", t.f.data, t.f.len);
    hb_pq_reader *r;
    hb_err er;
    assert_int_equal(hb_pq_reader_open(&st, "ts.parquet", &r, &er), 0);
    assert_int_equal(hb_pq_reader_time_col(r), 0);
    assert_int_equal(hb_pq_reader_col(r, 1)->role, HB_PQ_FIELD);
    hb_arena a;
    hb_arena_init(&a, 0, 0);
    hb_pq_colvec cv;
    read_ok(r, 0, 0, &a, &cv);
    const int64_t *o = cv.values;
    assert_int_equal(o[0], 1000000);
    assert_int_equal(o[1], -2000000);
    assert_int_equal(o[2], 1700000000000LL * 1000000);
    assert_int_equal(o[3], INT64_MAX);   /* saturated */
    read_ok(r, 0, 1, &a, &cv);
    o = cv.values;
    assert_null(cv.valid);
    assert_int_equal(o[2], 1700000000000LL * 1000);
    int64_t mn, mx;
    assert_int_equal(hb_pq_reader_rg_time_range(r, 0, &mn, &mx), 0);
    assert_int_equal(mn, -2000000);
    assert_int_equal(mx, 1700000000000LL * 1000000);
    hb_arena_free(&a);
    hb_pq_reader_close(r);
    hb_buf_free(&t.f);
    st.close(st.self);
}

static void unsupported_types(void **state)
{
    hb_storage_port st = mem_store();
    tb t;
    tb_init(&t);
    hb_pq_schema_element *e = tb_col(&t, "fixed_col", HB_PQ_FIXED_LEN_BYTE_ARRAY, 0);
    e->has_type_length = true;
    e->type_length = 4;
    tb_finish(&t);
    put_file(&st, "fixed.parquet", t.f.data, t.f.len);
    hb_pq_reader *r;
    hb_err er;
    assert_int_equal(hb_pq_reader_open(&st, "fixed.parquet", &r, &er), HB_EUNSUPP);
    assert_non_null(strstr(er.msg, "fixed_col"));
    hb_buf_free(&t.f);
    st.close(st.self);
}

/* ---- corrupt files ---- */

static int open_read_all(hb_storage_port *st, const char *key, hb_err *e)
{
    hb_pq_reader *r;
    int rc = hb_pq_reader_open(st, key, &r, e);
    if (rc)
        return rc;
    hb_arena a;
    hb_arena_init(&a, 0, (size_t)64 << 20);
    for (size_t g = 0; g < hb_pq_reader_row_groups(r) && !rc; g++)
        for (size_t c = 0; c < hb_pq_reader_ncols(r) && !rc; c++) {
            hb_pq_colvec cv;
            rc = hb_pq_reader_read(r, g, c, &a, &cv, e);
        }
    hb_arena_free(&a);
    hb_pq_reader_close(r);
    return rc;
}

static void expect_corrupt(hb_storage_port *st, const char *key, const void *p, size_t n, const char *needle)
{
    hb_err e;
    hb_err_clear(&e);
    put_file(st, key, p, n);
    int rc = open_read_all(st, key, &e);
    if (rc != HB_ECORRUPT)
        fail_msg("%s: expected HB_ECORRUPT, got %d (%s)", key, rc, e.msg);
    assert_non_null(strstr(e.msg, key));
    assert_non_null(strstr(e.msg, "byte"));
    if (needle && !strstr(e.msg, needle))
        fail_msg("%s: message lacks '%s': %s", key, needle, e.msg);
}

/* Offset of the first page header of chunk (0, col) of the built file. */
static size_t chunk0(const tb *t, size_t col)
{
    const hb_pq_column_meta *m = &t->cm[0][col];
    return (size_t)(m->has_dictionary_page_offset ? m->dictionary_page_offset : m->data_page_offset);
}

static void corrupt_files(void **state)
{
    hb_storage_port st = mem_store();
    tb t;
    build_all_types(&t, HB_PQ_ZSTD);
    const uint8_t *f = (const uint8_t *)t.f.data;
    size_t n = t.f.len;
    uint8_t *c = malloc(n);
    assert_non_null(c);

    expect_corrupt(&st, "c/short.parquet", f, 7, "too short");
    expect_corrupt(&st, "c/truncated.parquet", f, n - 3, "magic");
    memcpy(c, f, n);
    c[0] = 'X';
    expect_corrupt(&st, "c/head.parquet", c, n, "magic");
    memcpy(c, f, n);
    c[n - 1] = 'X';
    expect_corrupt(&st, "c/tail.parquet", c, n, "magic");
    memcpy(c, f, n);
    c[n - 8] = 0xff;
    c[n - 7] = 0xff;
    expect_corrupt(&st, "c/footlen.parquet", c, n, "footer length");
    /* footer cut: drop bytes from its start (length still says more) */
    memcpy(c, f, n);
    uint32_t fl = (uint32_t)f[n - 8] | (uint32_t)f[n - 7] << 8 | (uint32_t)f[n - 6] << 16;
    uint32_t fl2 = fl - 10;
    memcpy(c + n - 8, &fl2, 4);
    expect_corrupt(&st, "c/footer_garbled.parquet", c, n, NULL);
    /* chunk offset outside the file */
    {
        tb t2;   /* rebuild the footer with a bad offset */
        build_all_types(&t2, HB_PQ_UNCOMPRESSED);
        t2.cm[1][2].data_page_offset = (int64_t)t2.f.len + 100;
        /* strip old footer: find its start */
        size_t len2 = t2.f.len;
        uint32_t ofl = (uint32_t)(uint8_t)t2.f.data[len2 - 8] | (uint32_t)(uint8_t)t2.f.data[len2 - 7] << 8 |
                       (uint32_t)(uint8_t)t2.f.data[len2 - 6] << 16;
        t2.f.len = len2 - 8 - ofl;
        tb_finish(&t2);
        expect_corrupt(&st, "c/chunk_off.parquet", t2.f.data, t2.f.len, "outside");
        hb_buf_free(&t2.f);
    }
    /* page header cut: a data page header replaced by garbage */
    size_t p0 = chunk0(&t, 2);   /* column i, row group 0: v1 uncompressed */
    memcpy(c, f, n);
    memset(c + p0, 0xff, 3);
    expect_corrupt(&st, "c/pagehdr.parquet", c, n, "column 'i'");
    /* page size beyond the chunk: bump compressed_page_size (field 3, i32 zigzag varint) */
    {
        hb_pq_page_header h;
        hb_arena ha;
        hb_arena_init(&ha, 0, 0);
        size_t used;
        hb_err e;
        assert_int_equal(hb_pq_page_header_decode(f + p0, n - p0, 0, &ha, &h, &used, &e), 0);
        h.compressed_page_size += 1000;
        hb_buf hb;
        hb_buf_init(&hb, 0);
        assert_int_equal(hb_pq_page_header_encode(&hb, &h, &e), 0);
        /* same length header (varint of a bigger value may be longer: then skip) */
        if (hb.len == used) {
            memcpy(c, f, n);
            memcpy(c + p0, hb.data, hb.len);
            expect_corrupt(&st, "c/pagesize.parquet", c, n, "exceed");
        }
        hb_buf_free(&hb);
        hb_arena_free(&ha);
    }
    /* wrong decompressed size: column i of row group 1 (zstd v2 page) */
    {
        size_t p1 = (size_t)t.cm[1][2].data_page_offset;
        hb_pq_page_header h;
        hb_arena ha;
        hb_arena_init(&ha, 0, 0);
        size_t used;
        hb_err e;
        assert_int_equal(hb_pq_page_header_decode(f + p1, n - p1, 0, &ha, &h, &used, &e), 0);
        h.uncompressed_page_size += 1;
        hb_buf hb;
        hb_buf_init(&hb, 0);
        assert_int_equal(hb_pq_page_header_encode(&hb, &h, &e), 0);
        assert_int_equal(hb.len, used);
        memcpy(c, f, n);
        memcpy(c + p1, hb.data, hb.len);
        expect_corrupt(&st, "c/zsize.parquet", c, n, "zstd");
        hb_buf_free(&hb);
        hb_arena_free(&ha);
    }
    /* zstd body damaged */
    {
        size_t p1 = (size_t)t.cm[1][0].data_page_offset;
        hb_pq_page_header h;
        hb_arena ha;
        hb_arena_init(&ha, 0, 0);
        size_t used;
        hb_err e;
        assert_int_equal(hb_pq_page_header_decode(f + p1, n - p1, 0, &ha, &h, &used, &e), 0);
        memcpy(c, f, n);
        for (int32_t k = 4; k < h.compressed_page_size; k++)
            c[p1 + used + (size_t)k] ^= 0x5a;
        expect_corrupt(&st, "c/zbody.parquet", c, n, "zstd");
        hb_arena_free(&ha);
    }
    free(c);
    hb_buf_free(&t.f);

    /* dictionary index out of range: a 2-entry dictionary, index 2 used */
    {
        tb t3;
        tb_init(&t3);
        tb_col(&t3, "s", HB_PQ_BYTE_ARRAY, 0);
        hb_buf b;
        hb_buf_init(&b, 0);
        tb_chunk_begin(&t3, HB_PQ_UNCOMPRESSED);
        const char *dv[] = { "x", "y" };
        enc_strs(&b, dv, 2);
        tb_dict(&t3, 2, &b);
        hb_buf_reset(&b);
        uint32_t idx[8] = { 0, 1, 2, 0, 1, 0, 1, 0 };
        hb_err er;
        assert_int_equal(hb_pq_dict_idx_encode(&b, idx, 8, 4, &er), 0);
        tb_v1(&t3, HB_PQ_ENC_RLE_DICTIONARY, NULL, 8, &b);
        tb_chunk_end(&t3, 0, 0, 8);
        tb_rg(&t3, 0, 8);
        tb_finish(&t3);
        expect_corrupt(&st, "c/dictidx.parquet", t3.f.data, t3.f.len, "column 's'");
        hb_buf_free(&t3.f);
        /* too few values in the chunk */
        tb_init(&t3);
        tb_col(&t3, "v", HB_PQ_INT64, 0);
        tb_chunk_begin(&t3, HB_PQ_UNCOMPRESSED);
        int64_t v[3] = { 1, 2, 3 };
        hb_buf_reset(&b);
        enc_i64(&b, v, 3);
        tb_v1(&t3, HB_PQ_ENC_PLAIN, NULL, 3, &b);
        tb_chunk_end(&t3, 0, 0, 5);
        tb_rg(&t3, 0, 5);
        tb_finish(&t3);
        expect_corrupt(&st, "c/short_chunk.parquet", t3.f.data, t3.f.len, "chunk ends");
        hb_buf_free(&t3.f);
        /* more values in a page than rows */
        tb_init(&t3);
        tb_col(&t3, "v", HB_PQ_INT64, 0);
        tb_chunk_begin(&t3, HB_PQ_UNCOMPRESSED);
        tb_v1(&t3, HB_PQ_ENC_PLAIN, NULL, 3, &b);
        tb_chunk_end(&t3, 0, 0, 2);
        tb_rg(&t3, 0, 2);
        tb_finish(&t3);
        expect_corrupt(&st, "c/page_rows.parquet", t3.f.data, t3.f.len, "rows left");
        hb_buf_free(&t3.f);
        hb_buf_free(&b);
    }
    st.close(st.self);
}

/* Every truncation and many single-byte corruptions: never a crash. */
static void corrupt_exhaustive(void **state)
{
    hb_storage_port st = mem_store();
    tb t;
    build_all_types(&t, HB_PQ_ZSTD);
    size_t n = t.f.len;
    uint8_t *c = malloc(n);
    hb_err e;
    for (size_t cut = 0; cut < n; cut++) {
        assert_int_equal(st.put(st.self, "cut.parquet", t.f.data, cut, &e), 0);
        int rc = open_read_all(&st, "cut.parquet", &e);
        assert_true(rc == HB_ECORRUPT || rc == HB_EUNSUPP);
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(c, t.f.data, n);
        c[i] ^= (uint8_t)(0x01 << (i % 8)) | 0x80;
        assert_int_equal(st.put(st.self, "flip.parquet", c, n, &e), 0);
        int rc = open_read_all(&st, "flip.parquet", &e);
        if (rc && rc != HB_ECORRUPT && rc != HB_EUNSUPP && rc != HB_ENOMEM)
            fail_msg("byte %zu: rc %d %s", i, rc, e.msg);
        if (rc && rc != HB_ENOMEM)
            assert_non_null(strstr(e.msg, "flip.parquet"));
    }
    free(c);
    hb_buf_free(&t.f);
    st.close(st.self);
}

/* ---- footer cache ---- */

static void footer_cache(void **state)
{
    hb_storage_port st = mem_store();
    tb t;
    build_all_types(&t, HB_PQ_ZSTD);
    hb_err e;
    char key[32];
    for (int i = 0; i < 3; i++) {
        snprintf(key, sizeof key, "f%d.parquet", i);
        assert_int_equal(st.put(st.self, key, t.f.data, t.f.len, &e), 0);
    }
    hb_pq_footer_cache *c = hb_pq_footer_cache_new(2);
    assert_non_null(c);
    hb_pq_reader *r0, *r1, *r2, *r0b;
    assert_int_equal(hb_pq_footer_cache_open(c, &st, "f0.parquet", &r0, &e), 0);
    assert_int_equal(hb_pq_footer_cache_open(c, &st, "f0.parquet", &r0b, &e), 0);
    assert_ptr_equal(r0, r0b);
    uint64_t hits, misses;
    size_t ents;
    hb_pq_footer_cache_stats(c, &hits, &misses, &ents);
    assert_int_equal(hits, 1);
    assert_int_equal(misses, 1);
    assert_int_equal(hb_pq_footer_cache_open(c, &st, "f1.parquet", &r1, &e), 0);
    assert_int_equal(hb_pq_footer_cache_open(c, &st, "f2.parquet", &r2, &e), 0);   /* evicts f0 */
    hb_pq_footer_cache_stats(c, &hits, &misses, &ents);
    assert_int_equal(ents, 2);
    check_all_types(r0);   /* still valid: we hold references */
    hb_pq_footer_cache_release(c, r0);
    hb_pq_footer_cache_release(c, r0b);
    /* replaced object with a new size is re-read */
    tb t2;
    build_all_types(&t2, HB_PQ_UNCOMPRESSED);
    assert_int_equal(st.put(st.self, "f1.parquet", t2.f.data, t2.f.len, &e), 0);
    hb_pq_reader *r1b;
    assert_int_equal(hb_pq_footer_cache_open(c, &st, "f1.parquet", &r1b, &e), 0);
    assert_ptr_not_equal(r1, r1b);
    assert_int_equal(hb_pq_reader_file_size(r1b), t2.f.len);
    check_all_types(r1b);
    hb_pq_footer_cache_forget(c, &st, "f2.parquet");
    /* missing object */
    hb_pq_reader *rx;
    assert_int_equal(hb_pq_footer_cache_open(c, &st, "nope.parquet", &rx, &e), HB_ENOTFOUND);
    hb_pq_footer_cache_free(c);
    check_all_types(r2);   /* outlives the cache */
    hb_pq_footer_cache_release(NULL, r1);
    hb_pq_footer_cache_release(NULL, r1b);
    hb_pq_footer_cache_release(NULL, r2);
    hb_buf_free(&t.f);
    hb_buf_free(&t2.f);
    st.close(st.self);
}

/* Threads opening, reading and releasing through one small cache. */
typedef struct cache_thr {
    hb_pq_footer_cache *c;
    hb_storage_port *st;
    int seed, failures;
} cache_thr;

static void *cache_worker(void *arg)
{
    cache_thr *w = arg;
    hb_arena a;
    hb_arena_init(&a, 0, 0);
    for (int i = 0; i < 300; i++) {
        char key[32];
        snprintf(key, sizeof key, "f%d.parquet", (i * 7 + w->seed) % 5);
        hb_pq_reader *r;
        hb_err e;
        if (hb_pq_footer_cache_open(w->c, w->st, key, &r, &e)) {
            w->failures++;
            continue;
        }
        hb_pq_colvec cv;
        if (hb_pq_reader_read(r, (size_t)i % 2, (size_t)i % 8, &a, &cv, &e))
            w->failures++;
        hb_arena_reset(&a);
        hb_pq_footer_cache_release(w->c, r);
    }
    hb_arena_free(&a);
    return NULL;
}

static void footer_cache_threads(void **state)
{
    hb_storage_port st = mem_store();
    tb t;
    build_all_types(&t, HB_PQ_ZSTD);
    hb_err e;
    for (int i = 0; i < 5; i++) {
        char key[32];
        snprintf(key, sizeof key, "f%d.parquet", i);
        assert_int_equal(st.put(st.self, key, t.f.data, t.f.len, &e), 0);
    }
    hb_pq_footer_cache *c = hb_pq_footer_cache_new(3);
    pthread_t th[4];
    cache_thr w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (cache_thr){ c, &st, i, 0 };
        assert_int_equal(pthread_create(&th[i], NULL, cache_worker, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].failures, 0);
    }
    uint64_t hits, misses;
    size_t n;
    hb_pq_footer_cache_stats(c, &hits, &misses, &n);
    assert_int_equal(hits + misses, 1200);
    assert_true(n <= 3);
    hb_pq_footer_cache_free(c);
    hb_buf_free(&t.f);
    st.close(st.self);
}

/* ---- DuckDB-written fixtures (tests/unit/format/data/) ----
 * Generated by DuckDB 1.x (node-api) from
 *   SELECT TIMESTAMP_NS '2023-11-14 22:13:20' + i s AS time, host VARCHAR,
 *          a INTEGER, b BIGINT, c UBIGINT, d DOUBLE, s VARCHAR, e BOOLEAN,
 *          tms TIMESTAMP_MS, tus TIMESTAMP  FROM range(0, 280)
 * with NULLs on a pattern (see duck_check), as zstd, snappy, gzip,
 * uncompressed (row groups of 100) and PARQUET_VERSION V2 (row groups of
 * 200: data page v2, DELTA / BYTE_STREAM_SPLIT / DELTA_LENGTH encodings). */
#define DUCK_ROWS 280

static void duck_check(const char *file)
{
    char path[256];
    snprintf(path, sizeof path, "tests/unit/format/data/%s", file);
    FILE *fp = fopen(path, "rb");
    if (!fp)
        fail_msg("cannot open %s (run from the repo root)", path);
    static char data[1 << 16];
    size_t n = fread(data, 1, sizeof data, fp);
    fclose(fp);
    hb_storage_port st = mem_store();
    hb_err e;
    assert_int_equal(st.put(st.self, file, data, n, &e), 0);
    hb_pq_reader *r;
    if (hb_pq_reader_open(&st, file, &r, &e))
        fail_msg("%s: %s", file, e.msg);
    assert_int_equal(hb_pq_reader_rows(r), DUCK_ROWS);
    static const char *names[] = { "time", "host", "a", "b", "c", "d", "s", "e", "tms", "tus" };
    static const hb_ftype types[] = { HB_FT_INTEGER, HB_FT_STRING, HB_FT_INTEGER, HB_FT_INTEGER, HB_FT_UNSIGNED,
                                      HB_FT_FLOAT, HB_FT_STRING, HB_FT_BOOLEAN, HB_FT_INTEGER, HB_FT_INTEGER };
    assert_int_equal(hb_pq_reader_ncols(r), 10);
    for (size_t c = 0; c < 10; c++) {
        assert_string_equal(hb_pq_reader_col(r, c)->name, names[c]);
        assert_int_equal(hb_pq_reader_col(r, c)->type, types[c]);
        assert_int_equal(hb_pq_reader_col(r, c)->role, c ? HB_PQ_FIELD : HB_PQ_TIME);
    }
    hb_arena a;
    hb_arena_init(&a, 0, 0);
    const int64_t t0 = 1700000000LL;
    size_t base = 0;
    for (size_t g = 0; g < hb_pq_reader_row_groups(r); g++) {
        size_t rows = (size_t)hb_pq_reader_rg_rows(r, g);
        hb_pq_colvec cv[10];
        for (size_t c = 0; c < 10; c++)
            read_ok(r, g, c, &a, &cv[c]);
        int64_t tmin, tmax;
        if (hb_pq_reader_rg_time_range(r, g, &tmin, &tmax) == 0) {
            assert_int_equal(tmin, (t0 + (int64_t)base) * 1000000000LL);
            assert_int_equal(tmax, (t0 + (int64_t)(base + rows - 1)) * 1000000000LL);
        }
        for (size_t k = 0; k < rows; k++) {
            int64_t i = (int64_t)(base + k);
            char sb[32];
            assert_true(hb_pq_valid(cv[0].valid, k));
            assert_int_equal(((const int64_t *)cv[0].values)[k], (t0 + i) * 1000000000LL);
            snprintf(sb, sizeof sb, "host_%d", (int)(i % 10));
            check_str(&cv[1], k, i % 17 == 2 ? NULL : sb);
            assert_int_equal(hb_pq_valid(cv[2].valid, k), i % 5 != 0);
            if (i % 5)
                assert_int_equal(((const int64_t *)cv[2].values)[k], i * 3 - 1000);
            assert_int_equal(hb_pq_valid(cv[3].valid, k), i % 7 != 3);
            if (i % 7 != 3)
                assert_int_equal(((const int64_t *)cv[3].values)[k], i * i * 1000003 - 7);
            assert_int_equal(hb_pq_valid(cv[4].valid, k), i % 11 != 0);
            if (i % 11)
                assert_true(((const uint64_t *)cv[4].values)[k] == UINT64_MAX - (uint64_t)i);
            assert_int_equal(hb_pq_valid(cv[5].valid, k), i % 13 != 1);
            if (i % 13 != 1)
                assert_true(((const double *)cv[5].values)[k] == (double)i / 4.0);
            snprintf(sb, sizeof sb, "val%d", (int)(i * 7919));
            check_str(&cv[6], k, i % 23 == 4 ? NULL : sb);
            assert_int_equal(hb_pq_valid(cv[7].valid, k), i % 19 != 5);
            if (i % 19 != 5)
                assert_int_equal(((const uint8_t *)cv[7].values)[k], i % 3 == 0);
            assert_int_equal(((const int64_t *)cv[8].values)[k], (t0 * 1000 + i) * 1000000LL);
            assert_int_equal(((const int64_t *)cv[9].values)[k], (t0 * 1000000 + i) * 1000LL);
        }
        base += rows;
        hb_arena_reset(&a);
    }
    assert_int_equal(base, DUCK_ROWS);
    hb_arena_free(&a);
    hb_pq_reader_close(r);
    st.close(st.self);
}

static void duck_zstd(void **state) { duck_check("duck_zstd.parquet"); }
static void duck_uncomp(void **state) { duck_check("duck_uncomp.parquet"); }
static void duck_snappy(void **state) { duck_check("duck_snappy.parquet"); }
static void duck_gzip(void **state) { duck_check("duck_gzip.parquet"); }
static void duck_v2(void **state) { duck_check("duck_v2.parquet"); }
#define DUCKDB_TESTS                                                                                             \
    cmocka_unit_test(duck_zstd), cmocka_unit_test(duck_uncomp), cmocka_unit_test(duck_snappy),                 \
        cmocka_unit_test(duck_gzip), cmocka_unit_test(duck_v2),

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(all_types),
        cmocka_unit_test(dict_fallback_delta),
        cmocka_unit_test(timestamp_units),
        cmocka_unit_test(unsupported_types),
        cmocka_unit_test(corrupt_files),
        cmocka_unit_test(corrupt_exhaustive),
        cmocka_unit_test(footer_cache),
        cmocka_unit_test(footer_cache_threads),
        DUCKDB_TESTS
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
