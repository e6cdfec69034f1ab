/* Parquet metadata: round trips of every struct with optional fields
 * present and absent, exact bytes of a few encodings, files from newer
 * writers (unknown fields, unknown logical types), hostile footers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "format/parquet_meta.h"
#include "format/thrift_compact.h"

/* ---- deep equality ---- */

static void eq_str(const char *a, const char *b)
{
    if (!a || !b)
        assert_true(a == b);
    else
        assert_string_equal(a, b);
}

static void eq_bin(const hb_pq_bin *a, const hb_pq_bin *b)
{
    assert_int_equal(a->data != NULL, b->data != NULL);
    assert_int_equal(a->len, b->len);
    if (a->len)
        assert_memory_equal(a->data, b->data, a->len);
}

static void eq_kv(const hb_pq_key_value *a, size_t na, const hb_pq_key_value *b, size_t nb)
{
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        eq_str(a[i].key, b[i].key);
        eq_str(a[i].value, b[i].value);
    }
}

static void eq_stats(const hb_pq_statistics *a, const hb_pq_statistics *b)
{
    assert_int_equal(a != NULL, b != NULL);
    if (!a)
        return;
    eq_bin(&a->max, &b->max);
    eq_bin(&a->min, &b->min);
    eq_bin(&a->max_value, &b->max_value);
    eq_bin(&a->min_value, &b->min_value);
    assert_int_equal(a->has_null_count, b->has_null_count);
    assert_int_equal(a->has_distinct_count, b->has_distinct_count);
    assert_int_equal(a->has_nan_count, b->has_nan_count);
    if (a->has_null_count)
        assert_int_equal(a->null_count, b->null_count);
    if (a->has_distinct_count)
        assert_int_equal(a->distinct_count, b->distinct_count);
    if (a->has_nan_count)
        assert_int_equal(a->nan_count, b->nan_count);
    assert_int_equal(a->has_is_max_value_exact, b->has_is_max_value_exact);
    assert_int_equal(a->has_is_min_value_exact, b->has_is_min_value_exact);
    if (a->has_is_max_value_exact)
        assert_int_equal(a->is_max_value_exact, b->is_max_value_exact);
    if (a->has_is_min_value_exact)
        assert_int_equal(a->is_min_value_exact, b->is_min_value_exact);
}

static void eq_schema(const hb_pq_schema_element *a, const hb_pq_schema_element *b)
{
    eq_str(a->name, b->name);
#define OPT(f)                                          \
    assert_int_equal(a->has_##f, b->has_##f);           \
    if (a->has_##f)                                     \
        assert_int_equal(a->f, b->f);
    OPT(type) OPT(type_length) OPT(repetition_type) OPT(num_children)
    OPT(converted_type) OPT(scale) OPT(precision) OPT(field_id)
#undef OPT
    const hb_pq_logical_type *x = &a->logical_type, *y = &b->logical_type;
    assert_int_equal(x->kind, y->kind);
    if (x->kind == HB_PQ_LT_TIME || x->kind == HB_PQ_LT_TIMESTAMP) {
        assert_int_equal(x->is_adjusted_to_utc, y->is_adjusted_to_utc);
        assert_int_equal(x->unit, y->unit);
    } else if (x->kind == HB_PQ_LT_INTEGER) {
        assert_int_equal(x->bit_width, y->bit_width);
        assert_int_equal(x->is_signed, y->is_signed);
    } else if (x->kind == HB_PQ_LT_DECIMAL) {
        assert_int_equal(x->scale, y->scale);
        assert_int_equal(x->precision, y->precision);
    }
}

static void eq_colmeta(const hb_pq_column_meta *a, const hb_pq_column_meta *b)
{
    assert_int_equal(a != NULL, b != NULL);
    if (!a)
        return;
    assert_int_equal(a->type, b->type);
    assert_int_equal(a->n_encodings, b->n_encodings);
    for (size_t i = 0; i < a->n_encodings; i++)
        assert_int_equal(a->encodings[i], b->encodings[i]);
    assert_int_equal(a->n_path, b->n_path);
    for (size_t i = 0; i < a->n_path; i++)
        eq_str(a->path_in_schema[i], b->path_in_schema[i]);
    assert_int_equal(a->codec, b->codec);
    assert_int_equal(a->num_values, b->num_values);
    assert_int_equal(a->total_uncompressed_size, b->total_uncompressed_size);
    assert_int_equal(a->total_compressed_size, b->total_compressed_size);
    eq_kv(a->key_value_metadata, a->n_key_value_metadata, b->key_value_metadata, b->n_key_value_metadata);
    assert_int_equal(a->data_page_offset, b->data_page_offset);
#define OPT(f)                                          \
    assert_int_equal(a->has_##f, b->has_##f);           \
    if (a->has_##f)                                     \
        assert_int_equal(a->f, b->f);
    OPT(index_page_offset) OPT(dictionary_page_offset) OPT(bloom_filter_offset) OPT(bloom_filter_length)
#undef OPT
    eq_stats(a->statistics, b->statistics);
}

static void eq_file_meta(const hb_pq_file_meta *a, const hb_pq_file_meta *b)
{
    assert_int_equal(a->version, b->version);
    assert_int_equal(a->num_rows, b->num_rows);
    assert_int_equal(a->n_schema, b->n_schema);
    for (size_t i = 0; i < a->n_schema; i++)
        eq_schema(&a->schema[i], &b->schema[i]);
    assert_int_equal(a->n_row_groups, b->n_row_groups);
    for (size_t g = 0; g < a->n_row_groups; g++) {
        const hb_pq_row_group *x = &a->row_groups[g], *y = &b->row_groups[g];
        assert_int_equal(x->n_columns, y->n_columns);
        for (size_t c = 0; c < x->n_columns; c++) {
            const hb_pq_column_chunk *p = &x->columns[c], *q = &y->columns[c];
            eq_str(p->file_path, q->file_path);
            assert_int_equal(p->file_offset, q->file_offset);
            eq_colmeta(p->meta_data, q->meta_data);
#define OPT(f)                                          \
    assert_int_equal(p->has_##f, q->has_##f);           \
    if (p->has_##f)                                     \
        assert_int_equal(p->f, q->f);
            OPT(offset_index_offset) OPT(offset_index_length) OPT(column_index_offset) OPT(column_index_length)
#undef OPT
        }
        assert_int_equal(x->total_byte_size, y->total_byte_size);
        assert_int_equal(x->num_rows, y->num_rows);
        assert_int_equal(x->n_sorting_columns, y->n_sorting_columns);
        for (size_t i = 0; i < x->n_sorting_columns; i++) {
            assert_int_equal(x->sorting_columns[i].column_idx, y->sorting_columns[i].column_idx);
            assert_int_equal(x->sorting_columns[i].descending, y->sorting_columns[i].descending);
            assert_int_equal(x->sorting_columns[i].nulls_first, y->sorting_columns[i].nulls_first);
        }
        assert_int_equal(x->has_file_offset, y->has_file_offset);
        assert_int_equal(x->has_total_compressed_size, y->has_total_compressed_size);
        assert_int_equal(x->has_ordinal, y->has_ordinal);
        if (x->has_file_offset)
            assert_int_equal(x->file_offset, y->file_offset);
        if (x->has_total_compressed_size)
            assert_int_equal(x->total_compressed_size, y->total_compressed_size);
        if (x->has_ordinal)
            assert_int_equal(x->ordinal, y->ordinal);
    }
    eq_kv(a->key_value_metadata, a->n_key_value_metadata, b->key_value_metadata, b->n_key_value_metadata);
    eq_str(a->created_by, b->created_by);
    assert_int_equal(a->n_column_orders, b->n_column_orders);
    for (size_t i = 0; i < a->n_column_orders; i++)
        assert_int_equal(a->column_orders[i], b->column_orders[i]);
}

static void eq_page_header(const hb_pq_page_header *a, const hb_pq_page_header *b)
{
    assert_int_equal(a->type, b->type);
    assert_int_equal(a->uncompressed_page_size, b->uncompressed_page_size);
    assert_int_equal(a->compressed_page_size, b->compressed_page_size);
    assert_int_equal(a->has_crc, b->has_crc);
    if (a->has_crc)
        assert_int_equal(a->crc, b->crc);
    assert_int_equal(a->data_page_header != NULL, b->data_page_header != NULL);
    if (a->data_page_header) {
        const hb_pq_data_page_header *x = a->data_page_header, *y = b->data_page_header;
        assert_int_equal(x->num_values, y->num_values);
        assert_int_equal(x->encoding, y->encoding);
        assert_int_equal(x->definition_level_encoding, y->definition_level_encoding);
        assert_int_equal(x->repetition_level_encoding, y->repetition_level_encoding);
        eq_stats(x->statistics, y->statistics);
    }
    assert_int_equal(a->dictionary_page_header != NULL, b->dictionary_page_header != NULL);
    if (a->dictionary_page_header) {
        const hb_pq_dictionary_page_header *x = a->dictionary_page_header, *y = b->dictionary_page_header;
        assert_int_equal(x->num_values, y->num_values);
        assert_int_equal(x->encoding, y->encoding);
        assert_int_equal(x->has_is_sorted, y->has_is_sorted);
        if (x->has_is_sorted)
            assert_int_equal(x->is_sorted, y->is_sorted);
    }
    assert_int_equal(a->data_page_header_v2 != NULL, b->data_page_header_v2 != NULL);
    if (a->data_page_header_v2) {
        const hb_pq_data_page_header_v2 *x = a->data_page_header_v2, *y = b->data_page_header_v2;
        assert_int_equal(x->num_values, y->num_values);
        assert_int_equal(x->num_nulls, y->num_nulls);
        assert_int_equal(x->num_rows, y->num_rows);
        assert_int_equal(x->encoding, y->encoding);
        assert_int_equal(x->definition_levels_byte_length, y->definition_levels_byte_length);
        assert_int_equal(x->repetition_levels_byte_length, y->repetition_levels_byte_length);
        assert_int_equal(x->has_is_compressed, y->has_is_compressed);
        if (x->has_is_compressed)
            assert_int_equal(x->is_compressed, y->is_compressed);
        eq_stats(x->statistics, y->statistics);
    }
}

/* ---- fixtures ---- */

static hb_pq_statistics full_stats = {
    .max = { (const uint8_t *)"zz", 2 }, .min = { (const uint8_t *)"", 0 },
    .has_null_count = true, .null_count = 5, .has_distinct_count = true, .distinct_count = 77,
    .has_nan_count = true, .nan_count = 0,
    .max_value = { (const uint8_t *)"\xff\x00\x01", 3 }, .min_value = { (const uint8_t *)"a", 1 },
    .has_is_max_value_exact = true, .is_max_value_exact = true,
    .has_is_min_value_exact = true, .is_min_value_exact = false,
};

/* Everything present, several of each. */
static void full_file_meta(hb_pq_file_meta *m)
{
    static hb_pq_schema_element schema[8] = {
        { .name = "schema", .has_num_children = true, .num_children = 7 },
        { .name = "time", .has_type = true, .type = HB_PQ_INT64, .has_repetition_type = true,
          .repetition_type = HB_PQ_REQUIRED,
          .logical_type = { .kind = HB_PQ_LT_TIMESTAMP, .is_adjusted_to_utc = true, .unit = HB_PQ_NANOS } },
        { .name = "host", .has_type = true, .type = HB_PQ_BYTE_ARRAY, .has_repetition_type = true,
          .repetition_type = HB_PQ_OPTIONAL, .has_converted_type = true, .converted_type = HB_PQ_CT_UTF8,
          .logical_type = { .kind = HB_PQ_LT_STRING } },
        { .name = "u", .has_type = true, .type = HB_PQ_INT64, .has_repetition_type = true,
          .repetition_type = HB_PQ_OPTIONAL, .has_converted_type = true, .converted_type = HB_PQ_CT_UINT_64,
          .logical_type = { .kind = HB_PQ_LT_INTEGER, .bit_width = 64, .is_signed = false } },
        { .name = "ms", .has_type = true, .type = HB_PQ_INT64, .has_repetition_type = true,
          .repetition_type = HB_PQ_OPTIONAL, .has_field_id = true, .field_id = -3,
          .logical_type = { .kind = HB_PQ_LT_TIME, .is_adjusted_to_utc = false, .unit = HB_PQ_MICROS } },
        { .name = "d", .has_type = true, .type = HB_PQ_FIXED_LEN_BYTE_ARRAY, .has_type_length = true,
          .type_length = 16, .has_repetition_type = true, .repetition_type = HB_PQ_OPTIONAL,
          .has_converted_type = true, .converted_type = HB_PQ_CT_DECIMAL, .has_scale = true, .scale = 2,
          .has_precision = true, .precision = 30,
          .logical_type = { .kind = HB_PQ_LT_DECIMAL, .scale = 2, .precision = 30 } },
        { .name = "old", .has_type = true, .type = HB_PQ_INT64, .has_repetition_type = true,
          .repetition_type = HB_PQ_REQUIRED,
          .logical_type = { .kind = HB_PQ_LT_TIMESTAMP, .is_adjusted_to_utc = false, .unit = HB_PQ_MILLIS } },
        { .name = "", .has_type = true, .type = HB_PQ_BOOLEAN, .has_repetition_type = true,
          .repetition_type = HB_PQ_REPEATED, .logical_type = { .kind = HB_PQ_LT_JSON } },
    };
    static int32_t encs[3] = { HB_PQ_ENC_PLAIN, HB_PQ_ENC_RLE, HB_PQ_ENC_RLE_DICTIONARY };
    static const char *path1[] = { "time" };
    static const char *path2[] = { "a", "b", "c" };
    static hb_pq_key_value ckv[2] = { { "k", "v" }, { "only key", NULL } };
    static hb_pq_column_meta cm[2] = {
        { .type = HB_PQ_INT64, .encodings = encs, .n_encodings = 1, .path_in_schema = path1, .n_path = 1,
          .codec = HB_PQ_ZSTD, .num_values = 65536, .total_uncompressed_size = 524288,
          .total_compressed_size = 1234, .data_page_offset = 4 },
        { .type = HB_PQ_BYTE_ARRAY, .encodings = encs, .n_encodings = 3, .path_in_schema = path2, .n_path = 3,
          .codec = HB_PQ_UNCOMPRESSED, .num_values = INT64_MAX, .total_uncompressed_size = -1,
          .total_compressed_size = 0, .key_value_metadata = ckv, .n_key_value_metadata = 2,
          .data_page_offset = 5000000000LL, .has_index_page_offset = true, .index_page_offset = 17,
          .has_dictionary_page_offset = true, .dictionary_page_offset = 4900000000LL,
          .has_bloom_filter_offset = true, .bloom_filter_offset = 99, .has_bloom_filter_length = true,
          .bloom_filter_length = 1024, .statistics = &full_stats },
    };
    static hb_pq_column_chunk cols[2] = {
        { .file_offset = 0, .meta_data = &cm[0] },
        { .file_path = "other.parquet", .file_offset = 123, .meta_data = &cm[1],
          .has_offset_index_offset = true, .offset_index_offset = 1000, .has_offset_index_length = true,
          .offset_index_length = 20, .has_column_index_offset = true, .column_index_offset = 2000,
          .has_column_index_length = true, .column_index_length = 30 },
    };
    static hb_pq_column_chunk bare_col = { .file_offset = 7 };   /* no meta_data */
    static hb_pq_sorting_column sc[2] = { { 1, false, true }, { 0, true, false } };
    static hb_pq_row_group rgs[3] = {
        { .columns = cols, .n_columns = 2, .total_byte_size = 999, .num_rows = 65536, .sorting_columns = sc,
          .n_sorting_columns = 2, .has_file_offset = true, .file_offset = 4, .has_total_compressed_size = true,
          .total_compressed_size = 500, .has_ordinal = true, .ordinal = 0 },
        { .columns = &bare_col, .n_columns = 1, .total_byte_size = 1, .num_rows = 1, .has_ordinal = true,
          .ordinal = -32768 },
        { .columns = NULL, .n_columns = 0, .total_byte_size = 0, .num_rows = 0 },
    };
    static hb_pq_key_value kv[2] = { { "hyperbytedb.version", "1" }, { "ARROW:schema", "" } };
    static int32_t orders[3] = { HB_PQ_ORDER_TYPE_DEFINED, HB_PQ_ORDER_IEEE754_TOTAL, HB_PQ_ORDER_INT96_TIMESTAMP };
    *m = (hb_pq_file_meta){
        .version = 1, .schema = schema, .n_schema = 8, .num_rows = 65537, .row_groups = rgs, .n_row_groups = 3,
        .key_value_metadata = kv, .n_key_value_metadata = 2, .created_by = "hyperbytedb version 0.1",
        .column_orders = orders, .n_column_orders = 3,
    };
}

static void roundtrip_file_meta(const hb_pq_file_meta *m, hb_buf *enc)
{
    hb_err e;
    hb_buf_init(enc, 0);
    if (hb_pq_file_meta_encode(enc, m, &e)) {
        print_error("%s\n", e.msg);
        fail();
    }
    hb_arena a;
    hb_arena_init(&a, 0, 0);
    hb_pq_file_meta d;
    if (hb_pq_file_meta_decode(enc->data, enc->len, 0, &a, &d, &e)) {
        print_error("%s\n", e.msg);
        fail();
    }
    eq_file_meta(m, &d);
    /* re-encoding the decoded struct gives the same bytes */
    hb_buf again;
    hb_buf_init(&again, 0);
    assert_int_equal(hb_pq_file_meta_encode(&again, &d, &e), 0);
    assert_int_equal(again.len, enc->len);
    assert_memory_equal(again.data, enc->data, enc->len);
    hb_buf_free(&again);
    hb_arena_free(&a);
}

/* ---- round trips ---- */

static void test_file_meta_full(void **state)
{
    hb_pq_file_meta m;
    full_file_meta(&m);
    hb_buf b;
    roundtrip_file_meta(&m, &b);
    hb_buf_free(&b);
}

static void test_file_meta_minimal(void **state)
{
    /* every optional field absent, empty required lists */
    hb_pq_file_meta m = { .version = 2, .num_rows = 0 };
    hb_buf b;
    roundtrip_file_meta(&m, &b);
    /* 15 04: version 2; 19 0c: empty schema list; 16 00: num_rows 0;
     * 19 0c: empty row groups; 00 stop */
    static const uint8_t want[] = { 0x15, 0x04, 0x19, 0x0c, 0x16, 0x00, 0x19, 0x0c, 0x00 };
    assert_int_equal(b.len, sizeof want);
    assert_memory_equal(b.data, want, sizeof want);
    hb_buf_free(&b);

    /* one bare schema element and a bare column chunk / column meta */
    hb_pq_schema_element s = { .name = "x" };
    static const char *path[] = { "x" };
    hb_pq_column_meta cm = { .type = HB_PQ_DOUBLE, .path_in_schema = path, .n_path = 1 };
    hb_pq_statistics empty_stats = { 0 };
    cm.statistics = &empty_stats;
    hb_pq_column_chunk cc = { .meta_data = &cm };
    hb_pq_row_group rg = { .columns = &cc, .n_columns = 1 };
    m = (hb_pq_file_meta){ .version = 1, .schema = &s, .n_schema = 1, .row_groups = &rg, .n_row_groups = 1 };
    roundtrip_file_meta(&m, &b);
    hb_buf_free(&b);
}

static void test_page_headers(void **state)
{
    hb_pq_data_page_header dp = { .num_values = 3, .encoding = HB_PQ_ENC_PLAIN,
                                  .definition_level_encoding = HB_PQ_ENC_RLE,
                                  .repetition_level_encoding = HB_PQ_ENC_RLE };
    hb_pq_data_page_header dps = dp;
    dps.statistics = &full_stats;
    hb_pq_dictionary_page_header dict = { .num_values = 10, .encoding = HB_PQ_ENC_PLAIN };
    hb_pq_dictionary_page_header dict_sorted = { .num_values = 10, .encoding = HB_PQ_ENC_PLAIN_DICTIONARY,
                                                 .has_is_sorted = true, .is_sorted = true };
    hb_pq_data_page_header_v2 v2 = { .num_values = 100, .num_nulls = 3, .num_rows = 90,
                                     .encoding = HB_PQ_ENC_DELTA_BINARY_PACKED,
                                     .definition_levels_byte_length = 7, .repetition_levels_byte_length = 0 };
    hb_pq_data_page_header_v2 v2full = v2;
    v2full.has_is_compressed = true;
    v2full.is_compressed = false;
    v2full.statistics = &full_stats;
    hb_pq_page_header hs[] = {
        { .type = HB_PQ_DATA_PAGE, .uncompressed_page_size = 24, .compressed_page_size = 24, .data_page_header = &dp },
        { .type = HB_PQ_DATA_PAGE, .uncompressed_page_size = 1 << 20, .compressed_page_size = 5,
          .has_crc = true, .crc = -123456789, .data_page_header = &dps },
        { .type = HB_PQ_DICTIONARY_PAGE, .uncompressed_page_size = 80, .compressed_page_size = 80,
          .dictionary_page_header = &dict },
        { .type = HB_PQ_DICTIONARY_PAGE, .uncompressed_page_size = 80, .compressed_page_size = 60,
          .has_crc = true, .crc = 0, .dictionary_page_header = &dict_sorted },
        { .type = HB_PQ_DATA_PAGE_V2, .uncompressed_page_size = 800, .compressed_page_size = 300,
          .data_page_header_v2 = &v2 },
        { .type = HB_PQ_DATA_PAGE_V2, .uncompressed_page_size = 800, .compressed_page_size = 800,
          .data_page_header_v2 = &v2full },
        { .type = HB_PQ_INDEX_PAGE, .uncompressed_page_size = 0, .compressed_page_size = 0 },
    };
    for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++) {
        hb_buf b;
        hb_buf_init(&b, 0);
        hb_err e;
        assert_int_equal(hb_pq_page_header_encode(&b, &hs[i], &e), 0);
        size_t hlen = b.len;
        hb_buf_append(&b, "PAGEBODY", 8);   /* a page body follows the header */
        hb_arena a;
        hb_arena_init(&a, 0, 0);
        hb_pq_page_header d;
        size_t used;
        if (hb_pq_page_header_decode(b.data, b.len, 0, &a, &d, &used, &e)) {
            print_error("%s\n", e.msg);
            fail();
        }
        assert_int_equal(used, hlen);
        eq_page_header(&hs[i], &d);
        hb_arena_free(&a);
        hb_buf_free(&b);
    }
}

/* ---- exact bytes ---- */

static void test_exact_bytes(void **state)
{
    /* PageHeader{type 0, sizes 24/24, DataPageHeader{3, PLAIN, RLE, RLE}} */
    hb_pq_data_page_header dp = { 3, HB_PQ_ENC_PLAIN, HB_PQ_ENC_RLE, HB_PQ_ENC_RLE, NULL };
    hb_pq_page_header h = { .type = 0, .uncompressed_page_size = 24, .compressed_page_size = 24,
                            .data_page_header = &dp };
    hb_buf b;
    hb_buf_init(&b, 0);
    hb_err e;
    assert_int_equal(hb_pq_page_header_encode(&b, &h, &e), 0);
    static const uint8_t want_ph[] = {
        0x15, 0x00,             /* 1: i32 0 */
        0x15, 0x30,             /* 2: i32 24 (zz 48) */
        0x15, 0x30,             /* 3: i32 24 */
        0x2c,                   /* 5: struct (delta 2) */
        0x15, 0x06, 0x15, 0x00, 0x15, 0x06, 0x15, 0x06, 0x00,
        0x00,
    };
    assert_int_equal(b.len, sizeof want_ph);
    assert_memory_equal(b.data, want_ph, sizeof want_ph);
    hb_buf_free(&b);

    /* SchemaElement{INT64, REQUIRED, "t", TIMESTAMP(UTC, NANOS)} inside a
     * FileMetaData, and a dictionary page header with is_sorted false */
    hb_pq_schema_element s = { .name = "t", .has_type = true, .type = HB_PQ_INT64,
                               .has_repetition_type = true, .repetition_type = HB_PQ_REQUIRED,
                               .logical_type = { .kind = HB_PQ_LT_TIMESTAMP, .is_adjusted_to_utc = true,
                                                 .unit = HB_PQ_NANOS } };
    hb_pq_file_meta m = { .version = 1, .schema = &s, .n_schema = 1, .num_rows = -1 };
    hb_buf_init(&b, 0);
    assert_int_equal(hb_pq_file_meta_encode(&b, &m, &e), 0);
    static const uint8_t want_fm[] = {
        0x15, 0x02,             /* version 1 */
        0x19, 0x1c,             /* schema: list of 1 struct */
        0x15, 0x04,             /* type INT64 */
        0x25, 0x00,             /* 3 (delta 2): repetition REQUIRED */
        0x18, 0x01, 't',        /* name */
        0x6c,                   /* 10: logicalType (delta 6, struct) */
        0x8c,                   /* union member 8 TIMESTAMP */
        0x11,                   /* isAdjustedToUTC true */
        0x1c,                   /* unit: TimeUnit */
        0x3c, 0x00,             /* member 3 NANOS: empty struct */
        0x00, 0x00, 0x00, 0x00, /* end TimeUnit, TimestampType, LogicalType, SchemaElement */
        0x16, 0x01,             /* num_rows -1 */
        0x19, 0x0c,             /* row_groups: empty */
        0x00,
    };
    assert_int_equal(b.len, sizeof want_fm);
    assert_memory_equal(b.data, want_fm, sizeof want_fm);
    hb_buf_free(&b);

    hb_pq_dictionary_page_header dict = { 2, HB_PQ_ENC_PLAIN, true, false };
    hb_pq_page_header hd = { .type = HB_PQ_DICTIONARY_PAGE, .uncompressed_page_size = 1,
                             .compressed_page_size = 1, .dictionary_page_header = &dict };
    hb_buf_init(&b, 0);
    assert_int_equal(hb_pq_page_header_encode(&b, &hd, &e), 0);
    static const uint8_t want_dict[] = { 0x15, 0x04, 0x15, 0x02, 0x15, 0x02, 0x4c, 0x15, 0x04, 0x15, 0x00,
                                         0x12, 0x00, 0x00 };
    assert_int_equal(b.len, sizeof want_dict);
    assert_memory_equal(b.data, want_dict, sizeof want_dict);
    hb_buf_free(&b);
}

/* ---- files from newer writers ---- */

static void test_unknown_fields_skipped(void **state)
{
    hb_buf b;
    hb_buf_init(&b, 0);
    hb_tc_writer w;
    hb_tc_writer_init(&w, &b);
    hb_tc_struct_begin(&w);                      /* FileMetaData */
    hb_tc_field_i32(&w, 1, 1);
    hb_tc_field_begin(&w, HB_TC_LIST, 2);
    hb_tc_list_begin(&w, HB_TC_STRUCT, 2);
    hb_tc_struct_begin(&w);                      /* root */
    hb_tc_field_string(&w, 4, "root");
    hb_tc_field_i32(&w, 5, 1);
    hb_tc_struct_end(&w);
    hb_tc_struct_begin(&w);                      /* leaf with a VARIANT logical type */
    hb_tc_field_i32(&w, 1, HB_PQ_BYTE_ARRAY);
    hb_tc_field_string(&w, 4, "v");
    hb_tc_field_begin(&w, HB_TC_STRUCT, 10);
    hb_tc_struct_begin(&w);
    hb_tc_field_begin(&w, HB_TC_STRUCT, 16);     /* VariantType{1: i8} */
    hb_tc_struct_begin(&w);
    hb_tc_field_i8(&w, 1, 1);
    hb_tc_struct_end(&w);
    hb_tc_struct_end(&w);
    hb_tc_field_i32(&w, 11, 4);                  /* vector_length */
    hb_tc_field_double(&w, 30, 1.5);             /* from the future */
    hb_tc_struct_end(&w);
    hb_tc_field_i64(&w, 3, 10);
    hb_tc_field_begin(&w, HB_TC_LIST, 4);
    hb_tc_list_begin(&w, HB_TC_STRUCT, 1);
    hb_tc_struct_begin(&w);                      /* RowGroup */
    hb_tc_field_begin(&w, HB_TC_LIST, 1);
    hb_tc_list_begin(&w, HB_TC_STRUCT, 1);
    hb_tc_struct_begin(&w);                      /* ColumnChunk */
    hb_tc_field_i64(&w, 2, 0);
    hb_tc_field_begin(&w, HB_TC_STRUCT, 3);
    hb_tc_struct_begin(&w);                      /* ColumnMetaData */
    hb_tc_field_i32(&w, 1, HB_PQ_BYTE_ARRAY);
    hb_tc_field_begin(&w, HB_TC_LIST, 2);
    hb_tc_list_begin(&w, HB_TC_I32, 1);
    hb_tc_write_i32(&w, 0);
    hb_tc_field_begin(&w, HB_TC_LIST, 3);
    hb_tc_list_begin(&w, HB_TC_BINARY, 1);
    hb_tc_write_string(&w, "v");
    hb_tc_field_i32(&w, 4, 0);
    hb_tc_field_i64(&w, 5, 10);
    hb_tc_field_i64(&w, 6, 100);
    hb_tc_field_i64(&w, 7, 100);
    hb_tc_field_i64(&w, 9, 4);
    hb_tc_field_begin(&w, HB_TC_LIST, 13);       /* encoding_stats: list<PageEncodingStats> */
    hb_tc_list_begin(&w, HB_TC_STRUCT, 2);
    for (int i = 0; i < 2; i++) {
        hb_tc_struct_begin(&w);
        hb_tc_field_i32(&w, 1, 0);
        hb_tc_field_i32(&w, 2, 0);
        hb_tc_field_i32(&w, 3, 1);
        hb_tc_struct_end(&w);
    }
    hb_tc_field_begin(&w, HB_TC_STRUCT, 16);     /* size_statistics */
    hb_tc_struct_begin(&w);
    hb_tc_field_i64(&w, 1, 40);
    hb_tc_field_begin(&w, HB_TC_LIST, 3);
    hb_tc_list_begin(&w, HB_TC_I64, 2);
    hb_tc_write_i64(&w, 1);
    hb_tc_write_i64(&w, 9);
    hb_tc_struct_end(&w);
    hb_tc_field_bool(&w, 18, true);              /* unknown bool */
    hb_tc_struct_end(&w);
    hb_tc_field_binary(&w, 9, "secret", 6);      /* encrypted_column_metadata */
    hb_tc_struct_end(&w);
    hb_tc_field_i64(&w, 2, 100);
    hb_tc_field_i64(&w, 3, 10);
    hb_tc_field_i16(&w, 7, 0);
    hb_tc_field_begin(&w, HB_TC_MAP, 20);        /* a map nobody defined */
    hb_buf_put_u8(&b, 0x01);
    hb_buf_put_u8(&b, (HB_TC_I32 << 4) | HB_TC_STRUCT);
    hb_tc_write_i32(&w, 5);
    hb_tc_struct_begin(&w);
    hb_tc_field_begin(&w, HB_TC_UUID, 1);
    hb_buf_append(&b, "0123456789abcdef", 16);
    hb_tc_struct_end(&w);
    hb_tc_struct_end(&w);
    hb_tc_field_string(&w, 6, "future writer");
    hb_tc_field_begin(&w, HB_TC_STRUCT, 8);      /* encryption_algorithm */
    hb_tc_struct_begin(&w);
    hb_tc_field_begin(&w, HB_TC_STRUCT, 1);
    hb_tc_struct_begin(&w);
    hb_tc_field_binary(&w, 1, "aad", 3);
    hb_tc_field_bool(&w, 3, false);
    hb_tc_struct_end(&w);
    hb_tc_struct_end(&w);
    hb_tc_field_begin(&w, HB_TC_SET, 300);
    hb_tc_list_begin(&w, HB_TC_DOUBLE, 1);
    hb_tc_write_double(&w, 0.5);
    hb_tc_struct_end(&w);
    assert_int_equal(hb_tc_writer_status(&w), 0);
    /* the signature of a plaintext-footer encrypted file follows */
    hb_buf_append(&b, "nonce+tag", 9);

    hb_arena a;
    hb_arena_init(&a, 0, 0);
    hb_pq_file_meta m;
    hb_err e;
    if (hb_pq_file_meta_decode(b.data, b.len, 0, &a, &m, &e)) {
        print_error("%s\n", e.msg);
        fail();
    }
    assert_int_equal(m.n_schema, 2);
    assert_string_equal(m.schema[1].name, "v");
    assert_int_equal(m.schema[1].logical_type.kind, 16);   /* unknown kind, reported by id */
    assert_int_equal(m.num_rows, 10);
    assert_int_equal(m.n_row_groups, 1);
    assert_int_equal(m.row_groups[0].n_columns, 1);
    const hb_pq_column_meta *cm = m.row_groups[0].columns[0].meta_data;
    assert_non_null(cm);
    assert_string_equal(cm->path_in_schema[0], "v");
    assert_int_equal(cm->data_page_offset, 4);
    assert_null(cm->statistics);
    assert_true(m.row_groups[0].has_ordinal);
    assert_string_equal(m.created_by, "future writer");

    /* an unknown logical type cannot be written back */
    hb_buf out;
    hb_buf_init(&out, 0);
    assert_int_equal(hb_pq_file_meta_encode(&out, &m, &e), HB_EINVAL);
    assert_int_equal(out.len, 0);
    hb_buf_free(&out);
    hb_arena_free(&a);
    hb_buf_free(&b);
}

/* ---- hostile footers ---- */

static void test_truncated_everywhere(void **state)
{
    hb_pq_file_meta m;
    full_file_meta(&m);
    hb_buf b;
    hb_buf_init(&b, 0);
    hb_err e;
    assert_int_equal(hb_pq_file_meta_encode(&b, &m, &e), 0);
    hb_arena a;
    hb_arena_init(&a, 4096, 0);
    for (size_t cut = 0; cut < b.len; cut++) {
        hb_pq_file_meta d;
        hb_err_clear(&e);
        int rc = hb_pq_file_meta_decode(b.data, cut, 4, &a, &d, &e);
        if (rc != HB_ECORRUPT || !strstr(e.msg, "parquet footer at byte ")) {
            print_error("cut %zu: rc %d '%s'\n", cut, rc, e.msg);
            fail();
        }
        hb_arena_reset(&a);
    }

    hb_pq_data_page_header_v2 v2 = { 1, 2, 3, 4, 5, 6, true, true, &full_stats };
    hb_pq_page_header h = { .type = HB_PQ_DATA_PAGE_V2, .uncompressed_page_size = 9, .compressed_page_size = 9,
                            .has_crc = true, .crc = 77, .data_page_header_v2 = &v2 };
    hb_buf_reset(&b);
    assert_int_equal(hb_pq_page_header_encode(&b, &h, &e), 0);
    for (size_t cut = 0; cut < b.len; cut++) {
        hb_pq_page_header d;
        size_t used = 99;
        int rc = hb_pq_page_header_decode(b.data, cut, 0, &a, &d, &used, &e);
        assert_int_equal(rc, HB_ECORRUPT);
        assert_int_equal(used, 0);
        assert_non_null(strstr(e.msg, "page header at byte "));
        hb_arena_reset(&a);
    }
    hb_arena_free(&a);
    hb_buf_free(&b);
}

static int decode_msg(const void *p, size_t n, size_t base, hb_err *e)
{
    hb_arena a;
    hb_arena_init(&a, 0, 1 << 20);
    hb_pq_file_meta m;
    int rc = hb_pq_file_meta_decode(p, n, base, &a, &m, e);
    hb_arena_free(&a);
    return rc;
}

#define EXPECT_CORRUPT(bytes, needle)                                           \
    do {                                                                        \
        hb_err e_;                                                              \
        int rc_ = decode_msg((bytes), sizeof(bytes), 1000, &e_);                \
        if (rc_ != HB_ECORRUPT || !strstr(e_.msg, (needle))) {                  \
            print_error("rc %d '%s', want '%s'\n", rc_, rc_ ? e_.msg : "", (needle)); \
            fail();                                                             \
        }                                                                       \
    } while (0)

static void test_hostile_footers(void **state)
{
    /* schema list claiming 2^31-1 elements */
    static const uint8_t huge[] = { 0x15, 0x02, 0x19, 0xfc, 0xff, 0xff, 0xff, 0xff, 0x07, 0x00, 0x00 };
    EXPECT_CORRUPT(huge, "parquet footer at byte 1003: list of 2147483647 elements exceeds the limit");
    EXPECT_CORRUPT(huge, "(in FileMetaData.schema)");
    /* 5000 elements in 3 bytes */
    static const uint8_t many[] = { 0x15, 0x02, 0x19, 0xfc, 0x88, 0x27, 0x00, 0x00, 0x00 };
    EXPECT_CORRUPT(many, "list of 5000 elements but only 3 bytes left (in FileMetaData.schema)");
    /* a string whose length runs past the end */
    static const uint8_t name[] = { 0x15, 0x02, 0x19, 0x1c, 0x48, 0xff, 0x01, 'a', 0x00, 0x00 };
    EXPECT_CORRUPT(name, "binary of 255 bytes but only 3 left (in SchemaElement.name)");
    /* missing required fields */
    static const uint8_t nonum[] = { 0x15, 0x02, 0x19, 0x0c, 0x29, 0x0c, 0x00 };
    EXPECT_CORRUPT(nonum, "required field FileMetaData.num_rows is missing");
    static const uint8_t noname[] = { 0x15, 0x02, 0x19, 0x1c, 0x15, 0x04, 0x00, 0x16, 0x00, 0x19, 0x0c, 0x00 };
    EXPECT_CORRUPT(noname, "required field SchemaElement.name is missing");
    static const uint8_t empty[] = { 0x00 };
    EXPECT_CORRUPT(empty, "required field FileMetaData.version is missing");
    /* a known field with the wrong wire type */
    static const uint8_t wrong[] = { 0x18, 0x01, 'x', 0x00 };
    EXPECT_CORRUPT(wrong, "FileMetaData.version has wire type 8, expected 5");
    static const uint8_t wrong_list[] = { 0x15, 0x02, 0x19, 0x15, 0x00 };
    EXPECT_CORRUPT(wrong_list, "FileMetaData.schema is a list of wire type 5, expected 12");
    /* nothing at all */
    EXPECT_CORRUPT(((uint8_t[]){ 0x15 }), "truncated i32 varint (in FileMetaData.version)");

    /* deep nesting in an unknown field */
    uint8_t deep[4000];
    size_t k = 0;
    deep[k++] = 0x15;
    deep[k++] = 0x02;
    deep[k++] = 0x0c;   /* long form: field 100, struct */
    deep[k++] = 0xc8;
    deep[k++] = 0x01;
    while (k < 2000)
        deep[k++] = 0x1c;
    while (k < sizeof deep)
        deep[k++] = 0x00;
    EXPECT_CORRUPT(deep, "nesting deeper than 32 levels");

    /* deep nesting of lists in an unknown field */
    uint8_t lists[3000];
    k = 0;
    lists[k++] = 0x09;   /* long form: list field 99 */
    lists[k++] = 0xc6;
    lists[k++] = 0x01;   /* field 99 */
    while (k < 2000)
        lists[k++] = 0x19;
    while (k < sizeof lists)
        lists[k++] = 0x00;
    EXPECT_CORRUPT(lists, "nesting deeper than 32 levels");
}

static void test_arena_cap(void **state)
{
    /* 4000 small key/value structs fit in the input but not in a 16 KiB arena:
     * a clear HB_ELIMIT, not a crash */
    hb_buf b;
    hb_buf_init(&b, 0);
    hb_tc_writer w;
    hb_tc_writer_init(&w, &b);
    hb_tc_struct_begin(&w);
    hb_tc_field_begin(&w, HB_TC_LIST, 5);
    hb_tc_list_begin(&w, HB_TC_STRUCT, 4000);
    for (int i = 0; i < 4000; i++) {
        hb_tc_struct_begin(&w);
        hb_tc_field_string(&w, 1, "k");
        hb_tc_struct_end(&w);
    }
    hb_tc_struct_end(&w);
    assert_int_equal(hb_tc_writer_status(&w), 0);
    hb_arena a;
    hb_arena_init(&a, 4096, 16384);
    hb_pq_file_meta m;
    hb_err e;
    assert_int_equal(hb_pq_file_meta_decode(b.data, b.len, 0, &a, &m, &e), HB_ELIMIT);
    assert_non_null(strstr(e.msg, "FileMetaData.key_value_metadata (memory cap)"));
    hb_arena_free(&a);
    hb_buf_free(&b);
}

static void test_encode_invalid(void **state)
{
    hb_buf b;
    hb_buf_init(&b, 0);
    hb_buf_append(&b, "keep", 4);
    hb_err e;
    hb_pq_schema_element s = { .name = NULL };
    hb_pq_file_meta m = { .version = 1, .schema = &s, .n_schema = 1 };
    assert_int_equal(hb_pq_file_meta_encode(&b, &m, &e), HB_EINVAL);
    assert_non_null(strstr(e.msg, "SchemaElement.name is NULL"));
    assert_int_equal(b.len, 4);   /* nothing half-written left behind */

    s.name = "x";
    s.logical_type.kind = HB_PQ_LT_TIMESTAMP;
    s.logical_type.unit = 9;
    assert_int_equal(hb_pq_file_meta_encode(&b, &m, &e), HB_EINVAL);
    assert_int_equal(b.len, 4);

    s.logical_type.kind = 0;
    m.n_row_groups = 1;   /* row_groups NULL */
    assert_int_equal(hb_pq_file_meta_encode(&b, &m, &e), HB_EINVAL);

    hb_buf capped;
    hb_buf_init(&capped, 10);
    m.n_row_groups = 0;
    m.created_by = "a long created_by string";
    assert_int_equal(hb_pq_file_meta_encode(&capped, &m, &e), HB_ELIMIT);
    hb_buf_free(&capped);
    hb_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_meta_full),
        cmocka_unit_test(test_file_meta_minimal),
        cmocka_unit_test(test_page_headers),
        cmocka_unit_test(test_exact_bytes),
        cmocka_unit_test(test_unknown_fields_skipped),
        cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_hostile_footers),
        cmocka_unit_test(test_arena_cap),
        cmocka_unit_test(test_encode_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
