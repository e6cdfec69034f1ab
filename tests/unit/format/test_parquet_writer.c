/* Parquet writer: files written into the memory StoragePort, checked by
 * decoding the footer, every page header and every page body (zstd first)
 * with the parquet_meta / parquet_enc decoders: schema, metadata, row groups,
 * pages, encodings, statistics, values, nulls, extremes, dictionary
 * fallback, input checks, abort. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "adapters/storage_memory.h"
#include "format/parquet_enc.h"
#include "format/parquet_meta.h"
#include "format/parquet_writer.h"

/* ---- reading back ---- */

typedef struct file {
    uint8_t *data;
    size_t len;
    hb_arena arena;
    hb_pq_file_meta meta;
} file;

static void file_load(hb_storage_port *st, const char *key, file *f)
{
    hb_err err;
    uint64_t size;
    assert_int_equal(st->size(st->self, key, &size, &err), 0);
    f->len = (size_t)size;
    f->data = malloc(f->len);
    assert_non_null(f->data);
    assert_int_equal(st->read(st->self, key, 0, f->data, f->len, &err), 0);
    assert_true(f->len >= 12);
    assert_memory_equal(f->data, "PAR1", 4);
    assert_memory_equal(f->data + f->len - 4, "PAR1", 4);
    uint32_t flen;
    memcpy(&flen, f->data + f->len - 8, 4);
    assert_true(flen <= f->len - 12);
    hb_arena_init(&f->arena, 65536, 0);
    size_t base = f->len - 8 - flen;
    int rc = hb_pq_file_meta_decode(f->data + base, flen, base, &f->arena, &f->meta, &err);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, 0);
}

static void file_free(file *f)
{
    free(f->data);
    hb_arena_free(&f->arena);
}

/* One column chunk decoded: per row valid + value, and its page headers. */
typedef struct rcol {
    size_t n;
    uint8_t *valid;
    int64_t *i;
    double *d;
    uint8_t *b;
    hb_slice *s;
    hb_pq_page_header pages[256];
    size_t npages, ndict;
    uint32_t page_encs;       /* data page value encodings seen */
    size_t dict_entries;
} rcol;

/* Decode the body of page ph at p into uncompressed bytes (arena). */
static const uint8_t *page_body(file *f, int codec, const hb_pq_page_header *ph, const uint8_t *p)
{
    if (codec == HB_PQ_UNCOMPRESSED) {
        assert_int_equal(ph->compressed_page_size, ph->uncompressed_page_size);
        return p;
    }
    assert_int_equal(codec, HB_PQ_ZSTD);
    uint8_t *o = hb_arena_alloc(&f->arena, (size_t)ph->uncompressed_page_size + 1);
    assert_non_null(o);
    size_t r = ZSTD_decompress(o, (size_t)ph->uncompressed_page_size + 1, p, (size_t)ph->compressed_page_size);
    assert_false(ZSTD_isError(r));
    assert_int_equal(r, (size_t)ph->uncompressed_page_size);
    return o;
}

static void read_chunk(file *f, size_t rgi, size_t ci, rcol *rc_)
{
    hb_err err;
    memset(rc_, 0, sizeof *rc_);
    const hb_pq_row_group *rg = &f->meta.row_groups[rgi];
    const hb_pq_column_meta *m = rg->columns[ci].meta_data;
    const hb_pq_schema_element *se = &f->meta.schema[ci + 1];
    bool optional = se->repetition_type == HB_PQ_OPTIONAL;
    size_t n = (size_t)m->num_values;
    assert_int_equal(m->num_values, rg->num_rows);
    rc_->n = n;
    rc_->valid = hb_arena_calloc(&f->arena, n + 1);
    rc_->i = hb_arena_calloc(&f->arena, (n + 1) * 8);
    rc_->d = (double *)rc_->i;
    rc_->b = hb_arena_calloc(&f->arena, n + 1);
    rc_->s = hb_arena_calloc(&f->arena, (n + 1) * sizeof(hb_slice));
    int64_t start = m->has_dictionary_page_offset ? m->dictionary_page_offset : m->data_page_offset;
    assert_int_equal(rg->columns[ci].file_offset, start);
    int64_t pos = start, end = start + m->total_compressed_size;
    int64_t unc = 0;
    hb_slice *dict = NULL;
    size_t ndict = 0, row = 0;
    uint8_t *lev = hb_arena_alloc(&f->arena, n + 1);
    uint32_t *idx = hb_arena_alloc(&f->arena, (n + 1) * 4);
    while (pos < end) {
        assert_true(rc_->npages < 256);
        hb_pq_page_header *ph = &rc_->pages[rc_->npages++];
        size_t used;
        int rc = hb_pq_page_header_decode(f->data + pos, (size_t)(end - pos), (size_t)pos, &f->arena, ph, &used, &err);
        assert_int_equal(rc, 0);
        const uint8_t *body = page_body(f, m->codec, ph, f->data + pos + used);
        size_t blen = (size_t)ph->uncompressed_page_size;
        unc += (int64_t)(used + blen);
        pos += (int64_t)used + ph->compressed_page_size;
        if (ph->type == HB_PQ_DICTIONARY_PAGE) {
            assert_int_equal(rc_->npages, 1);
            assert_true(m->has_dictionary_page_offset);
            assert_int_equal(ph->dictionary_page_header->encoding, HB_PQ_ENC_PLAIN);
            ndict = (size_t)ph->dictionary_page_header->num_values;
            dict = hb_arena_alloc(&f->arena, (ndict + 1) * sizeof *dict);
            assert_int_equal(hb_pq_plain_get_bytes(body, blen, dict, ndict, &used, &err), 0);
            assert_int_equal(used, blen);
            rc_->ndict++;
            rc_->dict_entries = ndict;
            continue;
        }
        assert_int_equal(ph->type, HB_PQ_DATA_PAGE);
        const hb_pq_data_page_header *dp = ph->data_page_header;
        assert_non_null(dp);
        if (rc_->npages == 1 + rc_->ndict)
            assert_int_equal(pos - (int64_t)used - ph->compressed_page_size, m->data_page_offset);
        assert_int_equal(dp->definition_level_encoding, HB_PQ_ENC_RLE);
        assert_int_equal(dp->repetition_level_encoding, HB_PQ_ENC_RLE);
        size_t nv = (size_t)dp->num_values, off = 0;
        assert_true(row + nv <= n);
        if (optional) {
            assert_int_equal(hb_pq_rle_decode_u8(body, blen, 1, 1, lev, nv, &used, &err), 0);
            off = used;
        } else {
            memset(lev, 1, nv);
        }
        size_t k = 0;
        for (size_t r = 0; r < nv; r++)
            k += lev[r];
        rc_->page_encs |= 1u << dp->encoding;
        const uint8_t *vp = body + off;
        size_t vl = blen - off;
        /* decode k dense values into slots of the page's first k rows, then spread */
        int rr = 0;
        switch (dp->encoding) {
        case HB_PQ_ENC_DELTA_BINARY_PACKED:
            assert_int_equal(se->type, HB_PQ_INT64);
            rr = hb_pq_delta_decode_i64(vp, vl, rc_->i + row, k, &used, &err);
            break;
        case HB_PQ_ENC_PLAIN:
            if (se->type == HB_PQ_DOUBLE)
                rr = hb_pq_plain_get_double(vp, vl, rc_->d + row, k, &used, &err);
            else if (se->type == HB_PQ_BOOLEAN)
                rr = hb_pq_plain_get_bool(vp, vl, rc_->b + row, k, &used, &err);
            else if (se->type == HB_PQ_BYTE_ARRAY)
                rr = hb_pq_plain_get_bytes(vp, vl, rc_->s + row, k, &used, &err);
            else
                fail();
            break;
        case HB_PQ_ENC_RLE_DICTIONARY:
            assert_non_null(dict);
            rr = hb_pq_dict_idx_decode(vp, vl, idx, k, (uint32_t)ndict, &used, &err);
            for (size_t j = 0; j < k && !rr; j++)
                rc_->s[row + j] = dict[idx[j]];
            break;
        default:
            fail();
        }
        if (rr)
            fprintf(stderr, "%s\n", err.msg);
        assert_int_equal(rr, 0);
        assert_int_equal(used, vl);
        /* spread dense values to rows, back to front */
        size_t j = k;
        for (size_t r = nv; r-- > 0;) {
            rc_->valid[row + r] = lev[r];
            if (!lev[r])
                continue;
            j--;
            rc_->i[row + r] = rc_->i[row + j];
            rc_->b[row + r] = rc_->b[row + j];
            rc_->s[row + r] = rc_->s[row + j];
        }
        row += nv;
    }
    assert_int_equal(pos, end);
    assert_int_equal(row, n);
    assert_int_equal(unc, m->total_uncompressed_size);
}

/* ---- writing ---- */

static hb_pq_writer_opts opts_with(hb_pq_codec codec, size_t rg_rows)
{
    hb_pq_writer_opts o;
    hb_pq_writer_opts_default(&o);
    o.codec = codec;
    o.row_group_rows = rg_rows;
    o.page_rows = (size_t)1 << 30;   /* pages cut by bytes only (test_page_rows: by rows) */
    o.page_stats = 1;
    o.measurement = "cpu";
    o.created_by = "hyperbytedb test";
    return o;
}

static const hb_pq_coldef ALL_COLS[] = {
    { "time", HB_PQ_TIME, HB_FT_INTEGER },
    { "host", HB_PQ_TAG, HB_FT_STRING },
    { "dc", HB_PQ_TAG, HB_FT_STRING },
    { "f", HB_PQ_FIELD, HB_FT_FLOAT },
    { "i", HB_PQ_FIELD, HB_FT_INTEGER },
    { "u", HB_PQ_FIELD, HB_FT_UNSIGNED },
    { "s", HB_PQ_FIELD, HB_FT_STRING },
    { "b", HB_PQ_FIELD, HB_FT_BOOLEAN },
};
#define NALL (sizeof ALL_COLS / sizeof ALL_COLS[0])

/* Generated input for ALL_COLS: row r; nulls in every field at r % 5 == col. */
typedef struct gen {
    size_t n;
    int64_t *t, *i;
    uint64_t *u;
    double *f;
    uint8_t *b;
    hb_slice *host, *dc, *s;
    char (*sbuf)[24];
    uint8_t *valid[NALL];
} gen;

static const char *HOSTS[] = { "host_0", "host_1", "host_2" };

static void gen_make(gen *g, size_t n)
{
    memset(g, 0, sizeof *g);
    g->n = n;
    g->t = calloc(n, 8);
    g->i = calloc(n, 8);
    g->u = calloc(n, 8);
    g->f = calloc(n, 8);
    g->b = calloc(n, 1);
    g->host = calloc(n, sizeof(hb_slice));
    g->dc = calloc(n, sizeof(hb_slice));
    g->s = calloc(n, sizeof(hb_slice));
    g->sbuf = calloc(n, 24);
    for (size_t c = 1; c < NALL; c++)
        g->valid[c] = calloc(n / 8 + 1, 1);
    for (size_t r = 0; r < n; r++) {
        size_t series = r * 3 / n;
        g->t[r] = 1700000000000000000LL + (int64_t)(r % (n / 3 + 1)) * 10000000000LL;
        g->host[r] = hb_slice_c(HOSTS[series]);
        g->dc[r] = hb_slice_c(r % 2 ? "eu" : "us");
        g->f[r] = (double)r * 0.5 - 100;
        g->i[r] = (int64_t)r * 7 - 3000;
        g->u[r] = (uint64_t)r * 1000003u;
        g->b[r] = (uint8_t)(r % 3 == 0);
        snprintf(g->sbuf[r], 24, "v%zu", r % 17);
        g->s[r] = hb_slice_c(g->sbuf[r]);
        for (size_t c = 1; c < NALL; c++) {
            bool null = c >= 3 && r % 5 == c - 3;
            if (c == 2 && r % 11 == 0)
                null = true;
            if (!null)
                g->valid[c][r / 8] |= (uint8_t)(1u << (r % 8));
        }
    }
}

static void gen_free(gen *g)
{
    free(g->t);
    free(g->i);
    free(g->u);
    free(g->f);
    free(g->b);
    free(g->host);
    free(g->dc);
    free(g->s);
    free(g->sbuf);
    for (size_t c = 1; c < NALL; c++)
        free(g->valid[c]);
}

/* colvecs for rows [off, ...): valid bitmaps need byte alignment, so off % 8 == 0 */
static void gen_vecs(const gen *g, size_t off, hb_pq_colvec *v)
{
    assert_int_equal(off % 8, 0);
    v[0] = (hb_pq_colvec){ NULL, g->t + off };
    v[1] = (hb_pq_colvec){ g->valid[1] + off / 8, g->host + off };
    v[2] = (hb_pq_colvec){ g->valid[2] + off / 8, g->dc + off };
    v[3] = (hb_pq_colvec){ g->valid[3] + off / 8, g->f + off };
    v[4] = (hb_pq_colvec){ g->valid[4] + off / 8, g->i + off };
    v[5] = (hb_pq_colvec){ g->valid[5] + off / 8, g->u + off };
    v[6] = (hb_pq_colvec){ g->valid[6] + off / 8, g->s + off };
    v[7] = (hb_pq_colvec){ g->valid[7] + off / 8, g->b + off };
}

static void write_gen(hb_storage_port *st, const char *key, const gen *g, const hb_pq_writer_opts *o, size_t batch,
                      hb_pq_file_info *info)
{
    hb_err err;
    hb_pq_writer *w;
    assert_int_equal(hb_pq_writer_open(st, key, ALL_COLS, NALL, o, &w, &err), 0);
    for (size_t off = 0; off < g->n; off += batch) {
        hb_pq_colvec v[NALL];
        gen_vecs(g, off, v);
        size_t k = g->n - off < batch ? g->n - off : batch;
        int rc = hb_pq_writer_append(w, v, k, &err);
        if (rc)
            fprintf(stderr, "%s\n", err.msg);
        assert_int_equal(rc, 0);
    }
    int rc = hb_pq_writer_finish(w, info, &err);
    if (rc)
        fprintf(stderr, "%s\n", err.msg);
    assert_int_equal(rc, 0);
}

static const char *kv_get(const hb_pq_file_meta *m, const char *key)
{
    for (size_t i = 0; i < m->n_key_value_metadata; i++)
        if (strcmp(m->key_value_metadata[i].key, key) == 0)
            return m->key_value_metadata[i].value;
    return NULL;
}

static bool has_enc(const hb_pq_column_meta *m, int e)
{
    for (size_t i = 0; i < m->n_encodings; i++)
        if (m->encodings[i] == e)
            return true;
    return false;
}

static int64_t bin_i64(hb_pq_bin b)
{
    assert_non_null(b.data);
    assert_int_equal(b.len, 8);
    int64_t v;
    memcpy(&v, b.data, 8);
    return v;
}

static double bin_f64(hb_pq_bin b)
{
    assert_non_null(b.data);
    assert_int_equal(b.len, 8);
    double v;
    memcpy(&v, b.data, 8);
    return v;
}

static void assert_bin_str(hb_pq_bin b, const char *s)
{
    assert_non_null(b.data);
    assert_int_equal(b.len, strlen(s));
    assert_memory_equal(b.data, s, b.len);
}

/* Every value of every row group of a gen-written file equals the input. */
static void check_gen_values(file *f, const gen *g)
{
    size_t row = 0;
    for (size_t rgi = 0; rgi < f->meta.n_row_groups; rgi++) {
        size_t n = (size_t)f->meta.row_groups[rgi].num_rows;
        for (size_t ci = 0; ci < NALL; ci++) {
            rcol rc;
            read_chunk(f, rgi, ci, &rc);
            for (size_t r = 0; r < n; r++) {
                size_t gr = row + r;
                bool valid = ci == 0 || ((g->valid[ci][gr / 8] >> (gr % 8)) & 1);
                assert_int_equal(rc.valid[r], valid);
                if (!valid)
                    continue;
                switch (ci) {
                case 0: assert_int_equal(rc.i[r], g->t[gr]); break;
                case 1: assert_true(hb_slice_eq(rc.s[r], g->host[gr])); break;
                case 2: assert_true(hb_slice_eq(rc.s[r], g->dc[gr])); break;
                case 3: assert_true(rc.d[r] == g->f[gr]); break;
                case 4: assert_int_equal(rc.i[r], g->i[gr]); break;
                case 5: assert_int_equal((uint64_t)rc.i[r], g->u[gr]); break;
                case 6: assert_true(hb_slice_eq(rc.s[r], g->s[gr])); break;
                case 7: assert_int_equal(rc.b[r], g->b[gr]); break;
                }
            }
        }
        row += n;
    }
    assert_int_equal(row, g->n);
}

/* ---- tests ---- */

static void test_all_types(void **state)
{
    hb_err err;
    hb_storage_port st;
    assert_int_equal(hb_storage_memory_open(&st, &err), 0);
    gen g;
    gen_make(&g, 1000);
    hb_pq_writer_opts o = opts_with(HB_PQ_CODEC_ZSTD, 65536);
    hb_pq_file_info info;
    write_gen(&st, "db/rp/cpu/2024-01-01/00.parquet", &g, &o, 1000, &info);
    assert_int_equal(info.rows, 1000);
    assert_int_equal(info.row_groups, 1);
    assert_int_equal(info.min_time, 1700000000000000000LL);
    assert_int_equal(info.max_time, 1700000000000000000LL + 333 * 10000000000LL);

    file f;
    file_load(&st, "db/rp/cpu/2024-01-01/00.parquet", &f);
    assert_int_equal(info.bytes, f.len);
    const hb_pq_file_meta *m = &f.meta;
    assert_int_equal(m->version, 1);
    assert_int_equal(m->num_rows, 1000);
    assert_string_equal(m->created_by, "hyperbytedb test");
    /* schema */
    assert_int_equal(m->n_schema, NALL + 1);
    assert_string_equal(m->schema[0].name, "schema");
    assert_int_equal(m->schema[0].num_children, NALL);
    assert_false(m->schema[0].has_type);
    const hb_pq_schema_element *s = m->schema + 1;
    for (size_t i = 0; i < NALL; i++)
        assert_string_equal(s[i].name, ALL_COLS[i].name);
    assert_int_equal(s[0].type, HB_PQ_INT64);
    assert_int_equal(s[0].repetition_type, HB_PQ_REQUIRED);
    assert_int_equal(s[0].logical_type.kind, HB_PQ_LT_TIMESTAMP);
    assert_true(s[0].logical_type.is_adjusted_to_utc);
    assert_int_equal(s[0].logical_type.unit, HB_PQ_NANOS);
    assert_false(s[0].has_converted_type);
    for (int i = 1; i <= 2; i++) {
        assert_int_equal(s[i].type, HB_PQ_BYTE_ARRAY);
        assert_int_equal(s[i].repetition_type, HB_PQ_OPTIONAL);
        assert_int_equal(s[i].logical_type.kind, HB_PQ_LT_STRING);
        assert_int_equal(s[i].converted_type, HB_PQ_CT_UTF8);
    }
    assert_int_equal(s[3].type, HB_PQ_DOUBLE);
    assert_int_equal(s[3].logical_type.kind, HB_PQ_LT_NONE);
    assert_int_equal(s[4].type, HB_PQ_INT64);
    assert_int_equal(s[4].logical_type.kind, HB_PQ_LT_INTEGER);
    assert_int_equal(s[4].logical_type.bit_width, 64);
    assert_true(s[4].logical_type.is_signed);
    assert_int_equal(s[4].converted_type, HB_PQ_CT_INT_64);
    assert_int_equal(s[5].type, HB_PQ_INT64);
    assert_int_equal(s[5].logical_type.kind, HB_PQ_LT_INTEGER);
    assert_false(s[5].logical_type.is_signed);
    assert_int_equal(s[5].converted_type, HB_PQ_CT_UINT_64);
    assert_int_equal(s[6].type, HB_PQ_BYTE_ARRAY);
    assert_int_equal(s[6].converted_type, HB_PQ_CT_UTF8);
    assert_int_equal(s[7].type, HB_PQ_BOOLEAN);
    for (size_t i = 1; i < NALL; i++)
        assert_int_equal(s[i].repetition_type, HB_PQ_OPTIONAL);
    /* column orders, key-value metadata */
    assert_int_equal(m->n_column_orders, NALL);
    for (size_t i = 0; i < NALL; i++)
        assert_int_equal(m->column_orders[i], HB_PQ_ORDER_TYPE_DEFINED);
    assert_string_equal(kv_get(m, "hyperbytedb.measurement"), "cpu");
    assert_string_equal(kv_get(m, "hyperbytedb.tags"), "host,dc");
    assert_string_equal(kv_get(m, "hyperbytedb.sort"), "series,time");
    assert_string_equal(kv_get(m, "hyperbytedb.format"), "1");
    /* row group */
    assert_int_equal(m->n_row_groups, 1);
    const hb_pq_row_group *rg = &m->row_groups[0];
    assert_int_equal(rg->num_rows, 1000);
    assert_int_equal(rg->n_columns, NALL);
    assert_true(rg->has_file_offset);
    assert_int_equal(rg->file_offset, 4);
    int64_t tc = 0, tu = 0;
    for (size_t i = 0; i < NALL; i++) {
        const hb_pq_column_meta *cm = rg->columns[i].meta_data;
        tc += cm->total_compressed_size;
        tu += cm->total_uncompressed_size;
        assert_int_equal(cm->codec, HB_PQ_ZSTD);
        assert_int_equal(cm->n_path, 1);
        assert_string_equal(cm->path_in_schema[0], ALL_COLS[i].name);
        assert_int_equal(cm->type, s[i].type);
        assert_int_equal(cm->num_values, 1000);
        assert_non_null(cm->statistics);
        assert_true(cm->statistics->has_null_count);
        if (i + 1 < NALL)   /* chunks back to back */
            assert_int_equal(rg->columns[i].file_offset + cm->total_compressed_size,
                             rg->columns[i + 1].file_offset);
    }
    assert_int_equal(rg->total_compressed_size, tc);
    assert_int_equal(rg->total_byte_size, tu);
    /* sorting columns: tags by name (dc, host), then time */
    assert_int_equal(rg->n_sorting_columns, 3);
    assert_int_equal(rg->sorting_columns[0].column_idx, 2);
    assert_int_equal(rg->sorting_columns[1].column_idx, 1);
    assert_int_equal(rg->sorting_columns[2].column_idx, 0);
    for (int i = 0; i < 3; i++) {
        assert_false(rg->sorting_columns[i].descending);
        assert_true(rg->sorting_columns[i].nulls_first);
    }
    /* encodings */
    const hb_pq_column_meta *cm[NALL];
    for (size_t i = 0; i < NALL; i++)
        cm[i] = rg->columns[i].meta_data;
    assert_int_equal(cm[0]->n_encodings, 1);
    assert_int_equal(cm[0]->encodings[0], HB_PQ_ENC_DELTA_BINARY_PACKED);
    for (int i = 1; i <= 2; i++) {
        assert_true(has_enc(cm[i], HB_PQ_ENC_RLE_DICTIONARY));
        assert_true(has_enc(cm[i], HB_PQ_ENC_PLAIN));
        assert_true(has_enc(cm[i], HB_PQ_ENC_RLE));
        assert_int_equal(cm[i]->n_encodings, 3);
        assert_true(cm[i]->has_dictionary_page_offset);
        assert_true(cm[i]->dictionary_page_offset < cm[i]->data_page_offset);
    }
    assert_true(has_enc(cm[3], HB_PQ_ENC_PLAIN) && has_enc(cm[3], HB_PQ_ENC_RLE) && cm[3]->n_encodings == 2);
    assert_true(has_enc(cm[4], HB_PQ_ENC_DELTA_BINARY_PACKED) && has_enc(cm[4], HB_PQ_ENC_RLE));
    assert_true(has_enc(cm[5], HB_PQ_ENC_DELTA_BINARY_PACKED) && has_enc(cm[5], HB_PQ_ENC_RLE));
    assert_true(has_enc(cm[6], HB_PQ_ENC_RLE_DICTIONARY));
    assert_true(has_enc(cm[7], HB_PQ_ENC_PLAIN) && cm[7]->n_encodings == 2);
    for (int i = 3; i < (int)NALL; i++)
        assert_int_equal(cm[i]->has_dictionary_page_offset, i == 6);
    /* chunk statistics */
    assert_int_equal(cm[0]->statistics->null_count, 0);
    assert_int_equal(bin_i64(cm[0]->statistics->min_value), info.min_time);
    assert_int_equal(bin_i64(cm[0]->statistics->max_value), info.max_time);
    assert_bin_str(cm[1]->statistics->min_value, "host_0");
    assert_bin_str(cm[1]->statistics->max_value, "host_2");
    assert_int_equal(cm[1]->statistics->null_count, 0);
    assert_bin_str(cm[2]->statistics->min_value, "eu");
    assert_bin_str(cm[2]->statistics->max_value, "us");
    assert_int_equal(cm[2]->statistics->null_count, 91);   /* r % 11 == 0 */
    for (int i = 3; i < (int)NALL; i++)
        assert_int_equal(cm[i]->statistics->null_count, 200);
    /* f: r*0.5-100, null at r%5==0: min r=1, max r=999 */
    assert_true(bin_f64(cm[3]->statistics->min_value) == 0.5 - 100);
    assert_true(bin_f64(cm[3]->statistics->max_value) == 999 * 0.5 - 100);
    /* i: r*7-3000, null at r%5==1: min r=0, max r=999 */
    assert_int_equal(bin_i64(cm[4]->statistics->min_value), -3000);
    assert_int_equal(bin_i64(cm[4]->statistics->max_value), 999 * 7 - 3000);
    /* u: null at r%5==2 */
    assert_int_equal(bin_i64(cm[5]->statistics->min_value), 0);
    assert_int_equal(bin_i64(cm[5]->statistics->max_value), 999 * 1000003);
    assert_bin_str(cm[6]->statistics->min_value, "v0");
    assert_bin_str(cm[6]->statistics->max_value, "v9");
    assert_int_equal(cm[7]->statistics->min_value.len, 1);
    assert_int_equal(cm[7]->statistics->min_value.data[0], 0);
    assert_int_equal(cm[7]->statistics->max_value.data[0], 1);

    /* pages: one dictionary page where dictionary-encoded, one data page each,
     * page statistics equal to the chunk's */
    for (size_t i = 0; i < NALL; i++) {
        rcol rc;
        read_chunk(&f, 0, i, &rc);
        assert_int_equal(rc.npages, 1 + rc.ndict);
        const hb_pq_statistics *ps = rc.pages[rc.ndict].data_page_header->statistics;
        assert_non_null(ps);
        assert_int_equal(ps->null_count, cm[i]->statistics->null_count);
        assert_int_equal(ps->min_value.len, cm[i]->statistics->min_value.len);
        assert_memory_equal(ps->min_value.data, cm[i]->statistics->min_value.data, ps->min_value.len);
        assert_memory_equal(ps->max_value.data, cm[i]->statistics->max_value.data, ps->max_value.len);
        assert_int_equal(rc.pages[rc.ndict].data_page_header->num_values, 1000);
    }
    check_gen_values(&f, &g);
    file_free(&f);
    gen_free(&g);
    st.close(st.self);
}

static void test_row_groups(void **state)
{
    hb_err err;
    hb_storage_port st;
    assert_int_equal(hb_storage_memory_open(&st, &err), 0);
    gen g;
    gen_make(&g, 1050);
    for (int codec = 0; codec < 2; codec++) {
        hb_pq_writer_opts o = opts_with(codec ? HB_PQ_CODEC_ZSTD : HB_PQ_CODEC_UNCOMPRESSED, 100);
        hb_pq_file_info info;
        write_gen(&st, "k.parquet", &g, &o, 56, &info);   /* batches straddle row groups */
        assert_int_equal(info.row_groups, 11);
        assert_int_equal(info.rows, 1050);
        file f;
        file_load(&st, "k.parquet", &f);
        assert_int_equal(f.meta.n_row_groups, 11);
        assert_int_equal(f.meta.num_rows, 1050);
        int64_t expect_off = 4;
        for (size_t i = 0; i < 11; i++) {
            const hb_pq_row_group *rg = &f.meta.row_groups[i];
            assert_int_equal(rg->num_rows, i < 10 ? 100 : 50);
            assert_int_equal(rg->file_offset, expect_off);
            assert_int_equal(rg->columns[0].file_offset, expect_off);
            assert_int_equal(rg->columns[0].meta_data->codec, codec ? HB_PQ_ZSTD : HB_PQ_UNCOMPRESSED);
            if (!codec)
                assert_int_equal(rg->total_compressed_size, rg->total_byte_size);
            expect_off += rg->total_compressed_size;
            /* time statistics per row group */
            const hb_pq_statistics *ts = rg->columns[0].meta_data->statistics;
            int64_t mn = INT64_MAX, mx = INT64_MIN;
            for (size_t r = i * 100; r < i * 100 + (size_t)rg->num_rows; r++) {
                mn = g.t[r] < mn ? g.t[r] : mn;
                mx = g.t[r] > mx ? g.t[r] : mx;
            }
            assert_int_equal(bin_i64(ts->min_value), mn);
            assert_int_equal(bin_i64(ts->max_value), mx);
        }
        check_gen_values(&f, &g);
        file_free(&f);
    }
    gen_free(&g);
    st.close(st.self);
}

static void test_small_pages(void **state)
{
    hb_err err;
    hb_storage_port st;
    assert_int_equal(hb_storage_memory_open(&st, &err), 0);
    gen g;
    gen_make(&g, 5000);
    hb_pq_writer_opts o = opts_with(HB_PQ_CODEC_ZSTD, 65536);
    o.page_bytes = 8 * 512;   /* 512 INT64 values, 1024 dictionary indices per page */
    write_gen(&st, "p.parquet", &g, &o, 5000, NULL);
    file f;
    file_load(&st, "p.parquet", &f);
    rcol rc;
    read_chunk(&f, 0, 0, &rc);
    assert_int_equal(rc.npages, 10);   /* ceil(5000 / 512) */
    for (size_t p = 0; p < rc.npages; p++) {
        const hb_pq_data_page_header *dp = rc.pages[p].data_page_header;
        size_t r0 = p * 512, r1 = r0 + (size_t)dp->num_values;
        assert_int_equal(dp->num_values, p < 9 ? 512 : 5000 - 9 * 512);
        int64_t mn = INT64_MAX, mx = INT64_MIN;
        for (size_t r = r0; r < r1; r++) {
            mn = g.t[r] < mn ? g.t[r] : mn;
            mx = g.t[r] > mx ? g.t[r] : mx;
        }
        assert_int_equal(bin_i64(dp->statistics->min_value), mn);
        assert_int_equal(bin_i64(dp->statistics->max_value), mx);
        assert_int_equal(dp->statistics->null_count, 0);
    }
    read_chunk(&f, 0, 1, &rc);   /* host: dictionary + ceil(5000/1024) pages */
    assert_int_equal(rc.ndict, 1);
    assert_int_equal(rc.npages, 1 + 5);
    read_chunk(&f, 0, 4, &rc);   /* i: 1 in 5 null, pages by rows */
    int64_t nulls = 0;
    for (size_t p = 0; p < rc.npages; p++)
        nulls += rc.pages[p].data_page_header->statistics->null_count;
    assert_int_equal(nulls, 1000);
    check_gen_values(&f, &g);
    file_free(&f);
    gen_free(&g);
    st.close(st.self);
}

/* The default options: pages of at most 4096 rows in every column, cut at
 * the same rows (a reader skipping pages skips the same rows everywhere),
 * null and string columns included; statistics in the chunk metadata
 * only. */
static void test_page_rows(void **state)
{
    hb_err err;
    hb_storage_port st;
    assert_int_equal(hb_storage_memory_open(&st, &err), 0);
    gen g;
    gen_make(&g, 10000);
    hb_pq_writer_opts o;
    hb_pq_writer_opts_default(&o);
    assert_int_equal(o.page_rows, 4096);
    assert_int_equal(o.page_stats, 0);
    write_gen(&st, "r.parquet", &g, &o, 10000, NULL);
    file f;
    file_load(&st, "r.parquet", &f);
    for (size_t i = 0; i < NALL; i++) {
        rcol rc;
        read_chunk(&f, 0, i, &rc);
        assert_int_equal(rc.npages, rc.ndict + 3);
        for (size_t p = rc.ndict; p < rc.npages; p++) {
            const hb_pq_data_page_header *dp = rc.pages[p].data_page_header;
            assert_int_equal(dp->num_values, p - rc.ndict < 2 ? 4096 : 10000 - 2 * 4096);
            assert_null(dp->statistics);
        }
    }
    check_gen_values(&f, &g);
    file_free(&f);
    gen_free(&g);
    st.close(st.self);
}

/* A column of distinct strings passes the dictionary cap: the rest of the
 * chunk is PLAIN, in pages of its own; the next row group starts over. */
static void test_dict_fallback(void **state)
{
    hb_err err;
    hb_storage_port st;
    assert_int_equal(hb_storage_memory_open(&st, &err), 0);
    static const hb_pq_coldef cols[] = {
        { "time", HB_PQ_TIME, HB_FT_INTEGER },
        { "id", HB_PQ_FIELD, HB_FT_STRING },
    };
    size_t n = 150000;   /* 2 row groups: 65536 + 65536 + 18928 */
    int64_t *t = malloc(n * 8);
    hb_slice *v = malloc(n * sizeof *v);
    char *buf = malloc(n * 32);
    uint8_t *valid = calloc(n / 8 + 1, 1);
    for (size_t r = 0; r < n; r++) {
        t[r] = (int64_t)r;
        snprintf(buf + r * 32, 32, "%026zu", r * 7919 % n);   /* 26 bytes, distinct */
        v[r] = (hb_slice){ buf + r * 32, 26 };
        if (r % 100 != 7)
            valid[r / 8] |= (uint8_t)(1u << (r % 8));
    }
    hb_pq_writer_opts o = opts_with(HB_PQ_CODEC_ZSTD, 65536);
    hb_pq_writer *w;
    assert_int_equal(hb_pq_writer_open(&st, "d.parquet", cols, 2, &o, &w, &err), 0);
    for (size_t off = 0; off < n; off += 40000) {
        hb_pq_colvec cv[2] = { { NULL, t + off }, { valid + off / 8, v + off } };
        assert_int_equal(hb_pq_writer_append(w, cv, n - off < 40000 ? n - off : 40000, &err), 0);
    }
    assert_int_equal(hb_pq_writer_finish(w, NULL, &err), 0);
    file f;
    file_load(&st, "d.parquet", &f);
    assert_int_equal(f.meta.n_row_groups, 3);
    size_t row = 0;
    for (size_t rgi = 0; rgi < 3; rgi++) {
        const hb_pq_column_meta *cm = f.meta.row_groups[rgi].columns[1].meta_data;
        rcol rc;
        read_chunk(&f, rgi, 1, &rc);
        /* 1 MiB / 30 bytes per entry = 34952 entries; the last row group
         * (18928 rows, 189 null) fits */
        assert_int_equal(rc.ndict, 1);
        assert_int_equal(rc.dict_entries, rgi < 2 ? (1u << 20) / 30 : 18928 - 189);
        assert_true(rc.page_encs & (1u << HB_PQ_ENC_RLE_DICTIONARY));
        assert_int_equal((rc.page_encs & (1u << HB_PQ_ENC_PLAIN)) != 0, rgi < 2);
        assert_true(has_enc(cm, HB_PQ_ENC_PLAIN) && has_enc(cm, HB_PQ_ENC_RLE) &&
                    has_enc(cm, HB_PQ_ENC_RLE_DICTIONARY));
        /* dictionary body within the cap */
        assert_true(rc.pages[0].uncompressed_page_size <= (1 << 20));
        /* no page mixes: each data page is one encoding; the fallback page
         * starts right after the last dictionary-encoded value */
        char mn[32] = "~", mx[32] = "";
        size_t nulls = 0;
        for (size_t r = 0; r < rc.n; r++) {
            size_t gr = row + r;
            assert_int_equal(rc.valid[r], gr % 100 != 7);
            if (!rc.valid[r]) {
                nulls++;
                continue;
            }
            assert_true(hb_slice_eq(rc.s[r], v[gr]));
            if (memcmp(v[gr].p, mn, 26) < 0 || mn[0] == '~')
                memcpy(mn, v[gr].p, 26), mn[26] = 0;
            if (memcmp(v[gr].p, mx, 26) > 0 || !mx[0])
                memcpy(mx, v[gr].p, 26), mx[26] = 0;
        }
        assert_bin_str(cm->statistics->min_value, mn);
        assert_bin_str(cm->statistics->max_value, mx);
        assert_int_equal(cm->statistics->null_count, nulls);
        row += rc.n;
    }
    file_free(&f);
    free(t);
    free(v);
    free(buf);
    free(valid);
    st.close(st.self);
}

/* A tiny dictionary cap: fallback page boundaries and the exact split. */
static void test_dict_fallback_small(void **state)
{
    hb_err err;
    hb_storage_port st;
    assert_int_equal(hb_storage_memory_open(&st, &err), 0);
    static const hb_pq_coldef cols[] = {
        { "time", HB_PQ_TIME, HB_FT_INTEGER },
        { "tag", HB_PQ_TAG, HB_FT_STRING },
    };
    enum { N = 100 };
    int64_t t[N];
    hb_slice v[N];
    char buf[N][8];
    for (int r = 0; r < N; r++) {
        t[r] = r;
        snprintf(buf[r], 8, "s%03d", r / 2);   /* pairs: the run reuse path */
        v[r] = hb_slice_c(buf[r]);
    }
    hb_pq_writer_opts o = opts_with(HB_PQ_CODEC_UNCOMPRESSED, 65536);
    o.dict_max_bytes = 80;   /* 10 entries of 4 + 4 bytes */
    hb_pq_writer *w;
    assert_int_equal(hb_pq_writer_open(&st, "s.parquet", cols, 2, &o, &w, &err), 0);
    hb_pq_colvec cv[2] = { { NULL, t }, { NULL, v } };
    assert_int_equal(hb_pq_writer_append(w, cv, N, &err), 0);
    assert_int_equal(hb_pq_writer_finish(w, NULL, &err), 0);
    file f;
    file_load(&st, "s.parquet", &f);
    rcol rc;
    read_chunk(&f, 0, 1, &rc);
    assert_int_equal(rc.ndict, 1);
    assert_int_equal(rc.dict_entries, 10);
    assert_int_equal(rc.npages, 3);
    assert_int_equal(rc.pages[1].data_page_header->encoding, HB_PQ_ENC_RLE_DICTIONARY);
    assert_int_equal(rc.pages[1].data_page_header->num_values, 20);
    assert_bin_str(rc.pages[1].data_page_header->statistics->min_value, "s000");
    assert_bin_str(rc.pages[1].data_page_header->statistics->max_value, "s009");
    assert_int_equal(rc.pages[2].data_page_header->encoding, HB_PQ_ENC_PLAIN);
    assert_int_equal(rc.pages[2].data_page_header->num_values, 80);
    assert_bin_str(rc.pages[2].data_page_header->statistics->min_value, "s010");
    assert_bin_str(rc.pages[2].data_page_header->statistics->max_value, "s049");
    for (int r = 0; r < N; r++)
        assert_true(hb_slice_eq(rc.s[r], v[r]));
    file_free(&f);
    st.close(st.self);
}

/* Extremes: INT64_MIN/MAX times and integers, UINT64_MAX (unsigned order),
 * NaN/±Inf/-0.0, empty strings, a column that is all null. */
static void test_extremes(void **state)
{
    hb_err err;
    hb_storage_port st;
    assert_int_equal(hb_storage_memory_open(&st, &err), 0);
    static const hb_pq_coldef cols[] = {
        { "time", HB_PQ_TIME, HB_FT_INTEGER },
        { "i", HB_PQ_FIELD, HB_FT_INTEGER },
        { "u", HB_PQ_FIELD, HB_FT_UNSIGNED },
        { "f", HB_PQ_FIELD, HB_FT_FLOAT },
        { "s", HB_PQ_FIELD, HB_FT_STRING },
        { "b", HB_PQ_FIELD, HB_FT_BOOLEAN },
        { "nothing", HB_PQ_FIELD, HB_FT_FLOAT },
        { "nostr", HB_PQ_FIELD, HB_FT_STRING },
        { "nan", HB_PQ_FIELD, HB_FT_FLOAT },
    };
    enum { N = 6, NC = 9 };
    int64_t t[N] = { INT64_MIN, -1, 0, 1, INT64_MAX - 1, INT64_MAX };
    int64_t iv[N] = { INT64_MAX, INT64_MIN, 0, -1, 1, INT64_MIN };
    uint64_t uv[N] = { UINT64_MAX, 0, 1, (uint64_t)INT64_MAX + 1, 5, UINT64_MAX - 1 };
    double fv[N] = { NAN, INFINITY, -INFINITY, -0.0, 0.0, 1e308 };
    hb_slice sv[N] = { { "", 0 }, { "\xff", 1 }, { "a", 1 }, { "", 0 }, { "\xc3\xbc", 2 }, { "a\0b", 3 } };
    uint8_t bv[N] = { 1, 1, 1, 1, 1, 1 };
    double nanv[N] = { NAN, NAN, NAN, NAN, NAN, NAN };
    uint8_t none = 0, all = 0x3f;
    hb_pq_writer_opts o = opts_with(HB_PQ_CODEC_ZSTD, 65536);
    hb_pq_writer *w;
    assert_int_equal(hb_pq_writer_open(&st, "x.parquet", cols, NC, &o, &w, &err), 0);
    hb_pq_colvec cv[NC] = { { NULL, t }, { &all, iv }, { NULL, uv }, { NULL, fv }, { NULL, sv },
                            { NULL, bv }, { &none, fv }, { &none, sv }, { NULL, nanv } };
    assert_int_equal(hb_pq_writer_append(w, cv, N, &err), 0);
    hb_pq_file_info info;
    assert_int_equal(hb_pq_writer_finish(w, &info, &err), 0);
    assert_int_equal(info.min_time, INT64_MIN);
    assert_int_equal(info.max_time, INT64_MAX);
    file f;
    file_load(&st, "x.parquet", &f);
    const hb_pq_row_group *rg = &f.meta.row_groups[0];
    rcol rc;
    read_chunk(&f, 0, 0, &rc);
    assert_memory_equal(rc.i, t, sizeof t);
    const hb_pq_statistics *s = rg->columns[0].meta_data->statistics;
    assert_int_equal(bin_i64(s->min_value), INT64_MIN);
    assert_int_equal(bin_i64(s->max_value), INT64_MAX);
    read_chunk(&f, 0, 1, &rc);
    assert_memory_equal(rc.i, iv, sizeof iv);
    s = rg->columns[1].meta_data->statistics;
    assert_int_equal(bin_i64(s->min_value), INT64_MIN);
    assert_int_equal(bin_i64(s->max_value), INT64_MAX);
    read_chunk(&f, 0, 2, &rc);
    assert_memory_equal(rc.i, uv, sizeof uv);
    s = rg->columns[2].meta_data->statistics;
    assert_int_equal((uint64_t)bin_i64(s->min_value), 0);
    assert_int_equal((uint64_t)bin_i64(s->max_value), UINT64_MAX);
    read_chunk(&f, 0, 3, &rc);
    assert_true(isnan(rc.d[0]));
    assert_true(rc.d[1] == INFINITY && rc.d[2] == -INFINITY && rc.d[5] == 1e308);
    assert_true(rc.d[3] == 0 && signbit(rc.d[3]) && rc.d[4] == 0 && !signbit(rc.d[4]));
    s = rg->columns[3].meta_data->statistics;
    assert_true(bin_f64(s->min_value) == -INFINITY);
    assert_true(bin_f64(s->max_value) == INFINITY);
    assert_int_equal(s->null_count, 0);
    read_chunk(&f, 0, 4, &rc);
    for (int r = 0; r < N; r++)
        assert_true(hb_slice_eq(rc.s[r], sv[r]));
    s = rg->columns[4].meta_data->statistics;
    assert_non_null(s->min_value.data);
    assert_int_equal(s->min_value.len, 0);   /* "" */
    assert_int_equal(s->max_value.len, 1);
    assert_int_equal(s->max_value.data[0], 0xff);   /* unsigned bytewise */
    read_chunk(&f, 0, 5, &rc);
    s = rg->columns[5].meta_data->statistics;
    assert_int_equal(s->min_value.data[0], 1);
    assert_int_equal(s->max_value.data[0], 1);
    for (int c = 6; c <= 7; c++) {   /* all null */
        read_chunk(&f, 0, (size_t)c, &rc);
        for (int r = 0; r < N; r++)
            assert_int_equal(rc.valid[r], 0);
        s = rg->columns[c].meta_data->statistics;
        assert_int_equal(s->null_count, N);
        assert_null(s->min_value.data);
        assert_null(s->max_value.data);
        assert_false(rg->columns[c].meta_data->has_dictionary_page_offset);
    }
    read_chunk(&f, 0, 8, &rc);   /* only NaN: no bounds */
    for (int r = 0; r < N; r++)
        assert_true(isnan(rc.d[r]));
    s = rg->columns[8].meta_data->statistics;
    assert_int_equal(s->null_count, 0);
    assert_null(s->min_value.data);
    file_free(&f);
    st.close(st.self);
}

static void test_names_escaped(void **state)
{
    hb_err err;
    hb_storage_port st;
    assert_int_equal(hb_storage_memory_open(&st, &err), 0);
    static const hb_pq_coldef cols[] = {
        { "time", HB_PQ_TIME, HB_FT_INTEGER },
        { "zz", HB_PQ_TAG, HB_FT_STRING },
        { "a,b", HB_PQ_TAG, HB_FT_STRING },
        { "value", HB_PQ_FIELD, HB_FT_FLOAT },
        { "c\\d", HB_PQ_TAG, HB_FT_STRING },
        { "h\xc3\xa9llo w\xc3\xb6rld", HB_PQ_TAG, HB_FT_STRING },
    };
    hb_pq_writer_opts o = opts_with(HB_PQ_CODEC_ZSTD, 65536);
    o.measurement = "m\xc3\xa9s, ure";
    hb_pq_writer *w;
    assert_int_equal(hb_pq_writer_open(&st, "n.parquet", cols, 6, &o, &w, &err), 0);
    assert_int_equal(hb_pq_writer_finish(w, NULL, &err), 0);   /* empty file */
    file f;
    file_load(&st, "n.parquet", &f);
    assert_int_equal(f.meta.n_row_groups, 0);
    assert_int_equal(f.meta.num_rows, 0);
    assert_string_equal(kv_get(&f.meta, "hyperbytedb.measurement"), "m\xc3\xa9s, ure");
    assert_string_equal(kv_get(&f.meta, "hyperbytedb.tags"), "zz,a\\,b,c\\\\d,h\xc3\xa9llo w\xc3\xb6rld");
    assert_string_equal(f.meta.schema[6].name, "h\xc3\xa9llo w\xc3\xb6rld");
    file_free(&f);

    /* sorting columns: tag names in byte order, then time */
    int64_t t = 5;
    double d = 1;
    hb_slice s = hb_slice_c("x");
    hb_pq_colvec cv[6] = { { NULL, &t }, { NULL, &s }, { NULL, &s }, { NULL, &d }, { NULL, &s }, { NULL, &s } };
    o.measurement = NULL;
    assert_int_equal(hb_pq_writer_open(&st, "n.parquet", cols, 6, &o, &w, &err), 0);
    assert_int_equal(hb_pq_writer_append(w, cv, 1, &err), 0);
    assert_int_equal(hb_pq_writer_finish(w, NULL, &err), 0);
    file_load(&st, "n.parquet", &f);
    assert_null(kv_get(&f.meta, "hyperbytedb.measurement"));
    const hb_pq_row_group *rg = &f.meta.row_groups[0];
    assert_int_equal(rg->n_sorting_columns, 5);
    int want[5] = { 2, 4, 5, 1, 0 };   /* "a,b" < "c\d" < "héllo" < "zz", time */
    for (int i = 0; i < 5; i++)
        assert_int_equal(rg->sorting_columns[i].column_idx, want[i]);
    /* a single-entry dictionary: bit width 0 indices */
    rcol rc;
    read_chunk(&f, 0, 1, &rc);
    assert_int_equal(rc.dict_entries, 1);
    assert_true(hb_slice_eq(rc.s[0], s));
    file_free(&f);
    st.close(st.self);
}

static void test_invalid(void **state)
{
    hb_err err;
    hb_storage_port st;
    assert_int_equal(hb_storage_memory_open(&st, &err), 0);
    hb_pq_writer *w = (hb_pq_writer *)&st;
    static const hb_pq_coldef no_time[] = { { "host", HB_PQ_TAG, HB_FT_STRING } };
    static const hb_pq_coldef time_second[] = { { "v", HB_PQ_FIELD, HB_FT_FLOAT }, { "time", HB_PQ_TIME, HB_FT_INTEGER } };
    static const hb_pq_coldef two_times[] = { { "time", HB_PQ_TIME, HB_FT_INTEGER }, { "t2", HB_PQ_TIME, HB_FT_INTEGER } };
    /* (a tag and a field may share a name: test_parquet_roundtrip.c) */
    static const hb_pq_coldef dup[] = { { "time", HB_PQ_TIME, HB_FT_INTEGER }, { "a", HB_PQ_TAG, HB_FT_STRING },
                                        { "a", HB_PQ_TAG, HB_FT_STRING } };
    static const hb_pq_coldef tag_int[] = { { "time", HB_PQ_TIME, HB_FT_INTEGER }, { "a", HB_PQ_TAG, HB_FT_INTEGER } };
    static const hb_pq_coldef time_float[] = { { "time", HB_PQ_TIME, HB_FT_FLOAT } };
    static const hb_pq_coldef bad_type[] = { { "time", HB_PQ_TIME, HB_FT_INTEGER }, { "a", HB_PQ_FIELD, (hb_ftype)9 } };
    static const hb_pq_coldef bad_role[] = { { "time", HB_PQ_TIME, HB_FT_INTEGER }, { "a", (hb_pq_role)7, HB_FT_FLOAT } };
    static const hb_pq_coldef no_name[] = { { "time", HB_PQ_TIME, HB_FT_INTEGER }, { "", HB_PQ_FIELD, HB_FT_FLOAT } };
    struct { const hb_pq_coldef *c; size_t n; const char *msg; } cases[] = {
        { no_time, 0, "no columns" },
        { no_time, 1, "not the time column" },
        { time_second, 2, "not the time column" },
        { two_times, 2, "must be the only one and first" },
        { dup, 3, "duplicate column name \"a\"" },
        { tag_int, 2, "tag column \"a\" must have type string" },
        { time_float, 1, "must have type integer" },
        { bad_type, 2, "invalid type 9" },
        { bad_role, 2, "invalid role 7" },
        { no_name, 2, "has no name" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(hb_pq_writer_open(&st, "bad.parquet", cases[i].c, cases[i].n, NULL, &w, &err), HB_EINVAL);
        assert_null(w);
        if (!strstr(err.msg, cases[i].msg))
            fail_msg("case %zu: %s", i, err.msg);
    }
    static const hb_pq_coldef ok[] = { { "time", HB_PQ_TIME, HB_FT_INTEGER }, { "v", HB_PQ_FIELD, HB_FT_FLOAT } };
    hb_pq_writer_opts o;
    hb_pq_writer_opts_default(&o);
    o.codec = (hb_pq_codec)1;   /* SNAPPY: not supported */
    assert_int_equal(hb_pq_writer_open(&st, "bad.parquet", ok, 2, &o, &w, &err), HB_EINVAL);
    hb_pq_writer_opts_default(&o);
    o.row_group_rows = (size_t)1 << 31;
    assert_int_equal(hb_pq_writer_open(&st, "bad.parquet", ok, 2, &o, &w, &err), HB_EINVAL);
    assert_int_equal(hb_pq_writer_open(&st, "/bad", ok, 2, NULL, &w, &err), HB_EINVAL);   /* key */

    /* a row without time: HB_EINVAL, nothing appended, the writer goes on */
    assert_int_equal(hb_pq_writer_open(&st, "t.parquet", ok, 2, NULL, &w, &err), 0);
    int64_t t[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
    double v[9] = { 0 };
    uint8_t tv[2] = { 0xff, 0x00 };
    hb_pq_colvec cv[2] = { { tv, t }, { NULL, v } };
    assert_int_equal(hb_pq_writer_append(w, cv, 9, &err), HB_EINVAL);
    assert_non_null(strstr(err.msg, "row 8 has no time"));
    assert_int_equal(hb_pq_writer_append(w, cv, 8, &err), 0);
    hb_pq_file_info info;
    assert_int_equal(hb_pq_writer_finish(w, &info, &err), 0);
    assert_int_equal(info.rows, 8);
    assert_int_equal(info.min_time, 1);
    assert_int_equal(info.max_time, 8);
    st.close(st.self);
}

static int count_obj(void *ctx, const char *key, uint64_t size)
{
    (*(int *)ctx)++;
    return 0;
}

static void test_abort(void **state)
{
    hb_err err;
    hb_storage_port st;
    assert_int_equal(hb_storage_memory_open(&st, &err), 0);
    gen g;
    gen_make(&g, 3000);
    hb_pq_writer_opts o = opts_with(HB_PQ_CODEC_ZSTD, 1000);
    hb_pq_writer *w;
    assert_int_equal(hb_pq_writer_open(&st, "a/b.parquet", ALL_COLS, NALL, &o, &w, &err), 0);
    hb_pq_colvec v[NALL];
    gen_vecs(&g, 0, v);
    assert_int_equal(hb_pq_writer_append(w, v, 2500, &err), 0);   /* two row groups streamed */
    hb_pq_writer_abort(w);
    uint64_t size;
    assert_int_equal(st.size(st.self, "a/b.parquet", &size, &err), HB_ENOTFOUND);
    int n = 0;
    assert_int_equal(st.list(st.self, "", count_obj, &n, &err), 0);
    assert_int_equal(n, 0);
    hb_pq_writer_abort(NULL);
    /* an existing object stays as it was */
    assert_int_equal(st.put(st.self, "a/b.parquet", "old", 3, &err), 0);
    assert_int_equal(hb_pq_writer_open(&st, "a/b.parquet", ALL_COLS, NALL, &o, &w, &err), 0);
    assert_int_equal(hb_pq_writer_append(w, v, 2500, &err), 0);
    hb_pq_writer_abort(w);
    assert_int_equal(st.size(st.self, "a/b.parquet", &size, &err), 0);
    assert_int_equal(size, 3);
    gen_free(&g);
    st.close(st.self);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_types),
        cmocka_unit_test(test_row_groups),
        cmocka_unit_test(test_small_pages),
        cmocka_unit_test(test_page_rows),
        cmocka_unit_test(test_dict_fallback),
        cmocka_unit_test(test_dict_fallback_small),
        cmocka_unit_test(test_extremes),
        cmocka_unit_test(test_names_escaped),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_abort),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
