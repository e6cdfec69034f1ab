/* Parquet metadata encoder: FileMetaData and PageHeader to Thrift compact.
 * Field ids and structure follow parquet.thrift (see parquet_meta.h for
 * what is covered). Fields are written in ascending id order, optional
 * ones only when present; the decoder is in parquet_meta_decode.c. */
#include "format/parquet_meta.h"

#include "format/thrift_compact.h"

#include <string.h>

typedef struct enc {
    hb_tc_writer w;
    hb_err *err;
    int bad;         /* HB_EINVAL already reported */
} enc;

static int invalid(enc *e, const char *what)
{
    if (!e->bad)
        hb_err_set(e->err, HB_EINVAL, "parquet metadata: cannot encode: %s", what);
    e->bad = 1;
    return HB_EINVAL;
}

static int finish(enc *e, const char *what)
{
    if (e->bad)
        return HB_EINVAL;
    int rc = hb_tc_writer_status(&e->w);
    if (rc)
        return hb_err_set(e->err, rc, "parquet metadata: encoding %s failed: %s", what, hb_strerror(rc));
    return HB_OK;
}

static void truncate_to(hb_buf *b, size_t len)
{
    b->len = len;
    if (b->data)
        b->data[len] = '\0';
}

static int list_begin(enc *e, int16_t fid, int elem_type, size_t n, const char *what)
{
    if (n > INT32_MAX)
        return invalid(e, what);
    hb_tc_field_begin(&e->w, HB_TC_LIST, fid);
    return hb_tc_list_begin(&e->w, elem_type, n);
}

static void str_field(enc *e, int16_t fid, const char *s, const char *what)
{
    if (!s) {
        invalid(e, what);
        return;
    }
    hb_tc_field_string(&e->w, fid, s);
}

static void bin_field(enc *e, int16_t fid, const hb_pq_bin *b)
{
    if (b->data)
        hb_tc_field_binary(&e->w, fid, b->data, b->len);
}

static void enc_key_values(enc *e, int16_t fid, const hb_pq_key_value *kv, size_t n)
{
    if (!n)
        return;
    if (!kv) {
        invalid(e, "key_value_metadata is NULL with a count");
        return;
    }
    list_begin(e, fid, HB_TC_STRUCT, n, "too many key/value pairs");
    for (size_t i = 0; i < n; i++) {
        hb_tc_struct_begin(&e->w);
        str_field(e, 1, kv[i].key, "KeyValue.key is NULL");
        if (kv[i].value)
            hb_tc_field_string(&e->w, 2, kv[i].value);
        hb_tc_struct_end(&e->w);
    }
}

static void enc_statistics(enc *e, int16_t fid, const hb_pq_statistics *s)
{
    if (!s)
        return;
    hb_tc_field_begin(&e->w, HB_TC_STRUCT, fid);
    hb_tc_struct_begin(&e->w);
    bin_field(e, 1, &s->max);
    bin_field(e, 2, &s->min);
    if (s->has_null_count)
        hb_tc_field_i64(&e->w, 3, s->null_count);
    if (s->has_distinct_count)
        hb_tc_field_i64(&e->w, 4, s->distinct_count);
    bin_field(e, 5, &s->max_value);
    bin_field(e, 6, &s->min_value);
    if (s->has_is_max_value_exact)
        hb_tc_field_bool(&e->w, 7, s->is_max_value_exact);
    if (s->has_is_min_value_exact)
        hb_tc_field_bool(&e->w, 8, s->is_min_value_exact);
    if (s->has_nan_count)
        hb_tc_field_i64(&e->w, 9, s->nan_count);
    hb_tc_struct_end(&e->w);
}

/* An empty struct as the value of field fid (union members, markers). */
static void empty_struct_field(enc *e, int16_t fid)
{
    hb_tc_field_begin(&e->w, HB_TC_STRUCT, fid);
    hb_tc_struct_begin(&e->w);
    hb_tc_struct_end(&e->w);
}

static void enc_logical_type(enc *e, const hb_pq_logical_type *lt)
{
    if (lt->kind == HB_PQ_LT_NONE)
        return;
    hb_tc_field_begin(&e->w, HB_TC_STRUCT, 10);
    hb_tc_struct_begin(&e->w);
    switch (lt->kind) {
    case HB_PQ_LT_STRING: case HB_PQ_LT_MAP: case HB_PQ_LT_LIST: case HB_PQ_LT_ENUM:
    case HB_PQ_LT_DATE: case HB_PQ_LT_UNKNOWN: case HB_PQ_LT_JSON: case HB_PQ_LT_BSON:
    case HB_PQ_LT_UUID: case HB_PQ_LT_FLOAT16:
        empty_struct_field(e, (int16_t)lt->kind);
        break;
    case HB_PQ_LT_DECIMAL:
        hb_tc_field_begin(&e->w, HB_TC_STRUCT, HB_PQ_LT_DECIMAL);
        hb_tc_struct_begin(&e->w);
        hb_tc_field_i32(&e->w, 1, lt->scale);
        hb_tc_field_i32(&e->w, 2, lt->precision);
        hb_tc_struct_end(&e->w);
        break;
    case HB_PQ_LT_TIME:
    case HB_PQ_LT_TIMESTAMP:
        if (lt->unit < HB_PQ_MILLIS || lt->unit > HB_PQ_NANOS) {
            invalid(e, "time unit is not MILLIS, MICROS or NANOS");
            break;
        }
        hb_tc_field_begin(&e->w, HB_TC_STRUCT, (int16_t)lt->kind);
        hb_tc_struct_begin(&e->w);
        hb_tc_field_bool(&e->w, 1, lt->is_adjusted_to_utc);
        hb_tc_field_begin(&e->w, HB_TC_STRUCT, 2);   /* TimeUnit union */
        hb_tc_struct_begin(&e->w);
        empty_struct_field(e, (int16_t)lt->unit);
        hb_tc_struct_end(&e->w);
        hb_tc_struct_end(&e->w);
        break;
    case HB_PQ_LT_INTEGER:
        hb_tc_field_begin(&e->w, HB_TC_STRUCT, HB_PQ_LT_INTEGER);
        hb_tc_struct_begin(&e->w);
        hb_tc_field_i8(&e->w, 1, lt->bit_width);
        hb_tc_field_bool(&e->w, 2, lt->is_signed);
        hb_tc_struct_end(&e->w);
        break;
    default:
        invalid(e, "logical type not writable");
        break;
    }
    hb_tc_struct_end(&e->w);
}

static void enc_schema_element(enc *e, const hb_pq_schema_element *s)
{
    hb_tc_struct_begin(&e->w);
    if (s->has_type)
        hb_tc_field_i32(&e->w, 1, s->type);
    if (s->has_type_length)
        hb_tc_field_i32(&e->w, 2, s->type_length);
    if (s->has_repetition_type)
        hb_tc_field_i32(&e->w, 3, s->repetition_type);
    str_field(e, 4, s->name, "SchemaElement.name is NULL");
    if (s->has_num_children)
        hb_tc_field_i32(&e->w, 5, s->num_children);
    if (s->has_converted_type)
        hb_tc_field_i32(&e->w, 6, s->converted_type);
    if (s->has_scale)
        hb_tc_field_i32(&e->w, 7, s->scale);
    if (s->has_precision)
        hb_tc_field_i32(&e->w, 8, s->precision);
    if (s->has_field_id)
        hb_tc_field_i32(&e->w, 9, s->field_id);
    enc_logical_type(e, &s->logical_type);
    hb_tc_struct_end(&e->w);
}

static void enc_column_meta(enc *e, const hb_pq_column_meta *c)
{
    hb_tc_field_begin(&e->w, HB_TC_STRUCT, 3);
    hb_tc_struct_begin(&e->w);
    hb_tc_field_i32(&e->w, 1, c->type);
    if (c->n_encodings && !c->encodings)
        invalid(e, "ColumnMetaData.encodings is NULL with a count");
    else {
        list_begin(e, 2, HB_TC_I32, c->n_encodings, "too many encodings");
        for (size_t i = 0; i < c->n_encodings; i++)
            hb_tc_write_i32(&e->w, c->encodings[i]);
    }
    if (c->n_path && !c->path_in_schema)
        invalid(e, "ColumnMetaData.path_in_schema is NULL with a count");
    else {
        list_begin(e, 3, HB_TC_BINARY, c->n_path, "path_in_schema too long");
        for (size_t i = 0; i < c->n_path; i++) {
            if (!c->path_in_schema[i])
                invalid(e, "ColumnMetaData.path_in_schema has a NULL element");
            else
                hb_tc_write_string(&e->w, c->path_in_schema[i]);
        }
    }
    hb_tc_field_i32(&e->w, 4, c->codec);
    hb_tc_field_i64(&e->w, 5, c->num_values);
    hb_tc_field_i64(&e->w, 6, c->total_uncompressed_size);
    hb_tc_field_i64(&e->w, 7, c->total_compressed_size);
    enc_key_values(e, 8, c->key_value_metadata, c->n_key_value_metadata);
    hb_tc_field_i64(&e->w, 9, c->data_page_offset);
    if (c->has_index_page_offset)
        hb_tc_field_i64(&e->w, 10, c->index_page_offset);
    if (c->has_dictionary_page_offset)
        hb_tc_field_i64(&e->w, 11, c->dictionary_page_offset);
    enc_statistics(e, 12, c->statistics);
    if (c->has_bloom_filter_offset)
        hb_tc_field_i64(&e->w, 14, c->bloom_filter_offset);
    if (c->has_bloom_filter_length)
        hb_tc_field_i32(&e->w, 15, c->bloom_filter_length);
    hb_tc_struct_end(&e->w);
}

static void enc_column_chunk(enc *e, const hb_pq_column_chunk *c)
{
    hb_tc_struct_begin(&e->w);
    if (c->file_path)
        hb_tc_field_string(&e->w, 1, c->file_path);
    hb_tc_field_i64(&e->w, 2, c->file_offset);
    if (c->meta_data)
        enc_column_meta(e, c->meta_data);
    if (c->has_offset_index_offset)
        hb_tc_field_i64(&e->w, 4, c->offset_index_offset);
    if (c->has_offset_index_length)
        hb_tc_field_i32(&e->w, 5, c->offset_index_length);
    if (c->has_column_index_offset)
        hb_tc_field_i64(&e->w, 6, c->column_index_offset);
    if (c->has_column_index_length)
        hb_tc_field_i32(&e->w, 7, c->column_index_length);
    hb_tc_struct_end(&e->w);
}

static void enc_row_group(enc *e, const hb_pq_row_group *g)
{
    hb_tc_struct_begin(&e->w);
    if (g->n_columns && !g->columns)
        invalid(e, "RowGroup.columns is NULL with a count");
    else {
        list_begin(e, 1, HB_TC_STRUCT, g->n_columns, "too many columns");
        for (size_t i = 0; i < g->n_columns; i++)
            enc_column_chunk(e, &g->columns[i]);
    }
    hb_tc_field_i64(&e->w, 2, g->total_byte_size);
    hb_tc_field_i64(&e->w, 3, g->num_rows);
    if (g->n_sorting_columns) {
        if (!g->sorting_columns)
            invalid(e, "RowGroup.sorting_columns is NULL with a count");
        else {
            list_begin(e, 4, HB_TC_STRUCT, g->n_sorting_columns, "too many sorting columns");
            for (size_t i = 0; i < g->n_sorting_columns; i++) {
                const hb_pq_sorting_column *s = &g->sorting_columns[i];
                hb_tc_struct_begin(&e->w);
                hb_tc_field_i32(&e->w, 1, s->column_idx);
                hb_tc_field_bool(&e->w, 2, s->descending);
                hb_tc_field_bool(&e->w, 3, s->nulls_first);
                hb_tc_struct_end(&e->w);
            }
        }
    }
    if (g->has_file_offset)
        hb_tc_field_i64(&e->w, 5, g->file_offset);
    if (g->has_total_compressed_size)
        hb_tc_field_i64(&e->w, 6, g->total_compressed_size);
    if (g->has_ordinal)
        hb_tc_field_i16(&e->w, 7, g->ordinal);
    hb_tc_struct_end(&e->w);
}

int hb_pq_file_meta_encode(hb_buf *out, const hb_pq_file_meta *m, hb_err *err)
{
    enc e = { .err = err };
    hb_tc_writer_init(&e.w, out);
    size_t start = out->len;

    hb_tc_struct_begin(&e.w);
    hb_tc_field_i32(&e.w, 1, m->version);
    if (m->n_schema && !m->schema)
        invalid(&e, "FileMetaData.schema is NULL with a count");
    else {
        list_begin(&e, 2, HB_TC_STRUCT, m->n_schema, "too many schema elements");
        for (size_t i = 0; i < m->n_schema; i++)
            enc_schema_element(&e, &m->schema[i]);
    }
    hb_tc_field_i64(&e.w, 3, m->num_rows);
    if (m->n_row_groups && !m->row_groups)
        invalid(&e, "FileMetaData.row_groups is NULL with a count");
    else {
        list_begin(&e, 4, HB_TC_STRUCT, m->n_row_groups, "too many row groups");
        for (size_t i = 0; i < m->n_row_groups; i++)
            enc_row_group(&e, &m->row_groups[i]);
    }
    enc_key_values(&e, 5, m->key_value_metadata, m->n_key_value_metadata);
    if (m->created_by)
        hb_tc_field_string(&e.w, 6, m->created_by);
    if (m->n_column_orders) {
        if (!m->column_orders)
            invalid(&e, "FileMetaData.column_orders is NULL with a count");
        else {
            list_begin(&e, 7, HB_TC_STRUCT, m->n_column_orders, "too many column orders");
            for (size_t i = 0; i < m->n_column_orders; i++) {
                int32_t k = m->column_orders[i];
                if (k < HB_PQ_ORDER_TYPE_DEFINED || k > HB_PQ_ORDER_INT96_TIMESTAMP) {
                    invalid(&e, "unknown column order");
                    break;
                }
                hb_tc_struct_begin(&e.w);     /* ColumnOrder union */
                empty_struct_field(&e, (int16_t)k);
                hb_tc_struct_end(&e.w);
            }
        }
    }
    hb_tc_struct_end(&e.w);

    int rc = finish(&e, "FileMetaData");
    if (rc)
        truncate_to(out, start);   /* leave no half-written struct behind */
    return rc;
}

int hb_pq_page_header_encode(hb_buf *out, const hb_pq_page_header *h, hb_err *err)
{
    enc e = { .err = err };
    hb_tc_writer_init(&e.w, out);
    size_t start = out->len;

    hb_tc_struct_begin(&e.w);
    hb_tc_field_i32(&e.w, 1, h->type);
    hb_tc_field_i32(&e.w, 2, h->uncompressed_page_size);
    hb_tc_field_i32(&e.w, 3, h->compressed_page_size);
    if (h->has_crc)
        hb_tc_field_i32(&e.w, 4, h->crc);
    if (h->data_page_header) {
        const hb_pq_data_page_header *d = h->data_page_header;
        hb_tc_field_begin(&e.w, HB_TC_STRUCT, 5);
        hb_tc_struct_begin(&e.w);
        hb_tc_field_i32(&e.w, 1, d->num_values);
        hb_tc_field_i32(&e.w, 2, d->encoding);
        hb_tc_field_i32(&e.w, 3, d->definition_level_encoding);
        hb_tc_field_i32(&e.w, 4, d->repetition_level_encoding);
        enc_statistics(&e, 5, d->statistics);
        hb_tc_struct_end(&e.w);
    }
    if (h->dictionary_page_header) {
        const hb_pq_dictionary_page_header *d = h->dictionary_page_header;
        hb_tc_field_begin(&e.w, HB_TC_STRUCT, 7);
        hb_tc_struct_begin(&e.w);
        hb_tc_field_i32(&e.w, 1, d->num_values);
        hb_tc_field_i32(&e.w, 2, d->encoding);
        if (d->has_is_sorted)
            hb_tc_field_bool(&e.w, 3, d->is_sorted);
        hb_tc_struct_end(&e.w);
    }
    if (h->data_page_header_v2) {
        const hb_pq_data_page_header_v2 *d = h->data_page_header_v2;
        hb_tc_field_begin(&e.w, HB_TC_STRUCT, 8);
        hb_tc_struct_begin(&e.w);
        hb_tc_field_i32(&e.w, 1, d->num_values);
        hb_tc_field_i32(&e.w, 2, d->num_nulls);
        hb_tc_field_i32(&e.w, 3, d->num_rows);
        hb_tc_field_i32(&e.w, 4, d->encoding);
        hb_tc_field_i32(&e.w, 5, d->definition_levels_byte_length);
        hb_tc_field_i32(&e.w, 6, d->repetition_levels_byte_length);
        if (d->has_is_compressed)
            hb_tc_field_bool(&e.w, 7, d->is_compressed);
        enc_statistics(&e, 8, d->statistics);
        hb_tc_struct_end(&e.w);
    }
    hb_tc_struct_end(&e.w);

    int rc = finish(&e, "PageHeader");
    if (rc)
        truncate_to(out, start);
    return rc;
}
