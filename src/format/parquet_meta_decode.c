/* Parquet metadata decoder: Thrift compact FileMetaData and PageHeader to
 * the structs of parquet_meta.h, allocated from an arena.
 *
 * Hostile input: every list count is checked by the Thrift reader against
 * the bytes left (each element needs at least one byte) before the array
 * is allocated, so memory is bounded by the input size times the largest
 * struct, and by the arena's cap; nesting is capped by the reader. Fields
 * we don't know are skipped whatever their type; a known field with the
 * wrong wire type, or a missing required field, is HB_ECORRUPT naming
 * Struct.field and the byte offset. Bytes after the FileMetaData struct are
 * allowed (encrypted files with a plaintext footer append a signature).
 * Deviation: ColumnChunk.file_offset (required, default 0, deprecated)
 * reads as 0 when missing. Semantic checks (offsets inside the file, the
 * schema tree's shape) belong to the file reader. */
#include "format/parquet_meta.h"

#include "format/thrift_compact.h"

#include <stdio.h>
#include <string.h>

#define PQ_MAX_PAGE_HEADER ((size_t)16 << 20)

typedef struct dec {
    hb_tc_reader r;
    hb_arena *a;
    hb_err *err;
    bool annotated;   /* the innermost field name is already in the message */
    int arc;          /* error of the last failed alloc() */
} dec;

/* Add " (in Struct.field)" to a reader error, once (innermost wins). */
static int ctx(dec *d, int rc, const char *field)
{
    if (rc && !d->annotated && d->err) {
        size_t n = strlen(d->err->msg);
        snprintf(d->err->msg + n, sizeof d->err->msg - n, " (in %s)", field);
        d->annotated = true;
    }
    return rc;
}

static int want(dec *d, int t, int expect, const char *field)
{
    if (t == expect)
        return HB_OK;
    d->annotated = true;
    return hb_tc_corrupt(&d->r, "%s has wire type %d, expected %d", field, t, expect);
}

static int missing(dec *d, const char *field)
{
    d->annotated = true;
    return hb_tc_corrupt(&d->r, "required field %s is missing", field);
}

static int rd_i32(dec *d, int t, int32_t *v, const char *field)
{
    int rc = want(d, t, HB_TC_I32, field);
    return rc ? rc : ctx(d, hb_tc_read_i32(&d->r, v), field);
}

static int rd_i64(dec *d, int t, int64_t *v, const char *field)
{
    int rc = want(d, t, HB_TC_I64, field);
    return rc ? rc : ctx(d, hb_tc_read_i64(&d->r, v), field);
}

static int rd_bool(dec *d, int t, bool *v, const char *field)
{
    int rc = want(d, t, HB_TC_BOOL, field);
    return rc ? rc : ctx(d, hb_tc_read_bool(&d->r, v), field);
}

/* Allocation failures are the arena's cap (or malloc): HB_ELIMIT. */
static void *alloc(dec *d, size_t n, size_t size, const char *what)
{
    if (size && n > SIZE_MAX / size) {
        d->arc = hb_tc_corrupt(&d->r, "%s: %zu elements overflow", what, n);
        d->annotated = true;
        return NULL;
    }
    size_t bytes = n * size;
    void *p = hb_arena_calloc(d->a, bytes ? bytes : 1);
    if (!p) {
        d->arc = hb_err_set(d->err, HB_ELIMIT, "%s at byte %zu: cannot allocate %zu bytes for %s (memory cap)",
                            d->r.what, hb_tc_offset(&d->r), n * size, what);
        d->annotated = true;
    }
    return p;
}

static int rd_bin(dec *d, int t, hb_pq_bin *out, const char *field)
{
    int rc = want(d, t, HB_TC_BINARY, field);
    if (rc)
        return rc;
    const uint8_t *p;
    size_t n;
    rc = ctx(d, hb_tc_read_binary(&d->r, &p, &n), field);
    if (rc)
        return rc;
    uint8_t *copy = alloc(d, n, 1, field);
    if (!copy)
        return d->arc;
    memcpy(copy, p, n);
    out->data = copy;
    out->len = n;
    return HB_OK;
}

static int rd_str(dec *d, int t, const char **out, const char *field)
{
    int rc = want(d, t, HB_TC_BINARY, field);
    if (rc)
        return rc;
    const uint8_t *p;
    size_t n;
    rc = ctx(d, hb_tc_read_binary(&d->r, &p, &n), field);
    if (rc)
        return rc;
    char *s = hb_arena_strndup(d->a, (const char *)p, n);
    if (!s) {
        d->annotated = true;
        return hb_err_set(d->err, HB_ELIMIT, "%s at byte %zu: cannot allocate %zu bytes for %s (memory cap)",
                          d->r.what, hb_tc_offset(&d->r), n + 1, field);
    }
    *out = s;
    return HB_OK;
}

/* A list field: checks the wire and element types, returns the count. */
static int rd_list(dec *d, int t, int elem, size_t *n, const char *field)
{
    int rc = want(d, t, HB_TC_LIST, field);
    if (rc)
        return rc;
    int et;
    rc = ctx(d, hb_tc_read_list_begin(&d->r, &et, n), field);
    if (rc)
        return rc;
    if (et != elem) {
        d->annotated = true;
        return hb_tc_corrupt(&d->r, "%s is a list of wire type %d, expected %d", field, et, elem);
    }
    return HB_OK;
}

static int skip(dec *d, int t) { return hb_tc_skip(&d->r, t); }

/* Loop over the fields of a struct: FIELD_LOOP { switch (fid) ... } END */
#define FIELDS_BEGIN(d, rc, t, fid)                              \
    if ((rc = hb_tc_read_struct_begin(&(d)->r)))                 \
        goto out;                                                \
    for (;;) {                                                   \
        if ((rc = hb_tc_read_field(&(d)->r, &t, &fid)))          \
            goto out;                                            \
        if (t == HB_TC_STOP)                                     \
            break;
#define FIELDS_END(d, rc)                                        \
    if (rc)                                                      \
        goto out;                                                \
    }                                                            \
    if ((rc = hb_tc_read_struct_end(&(d)->r)))                   \
        goto out;

static int dec_key_value(dec *d, hb_pq_key_value *kv)
{
    int rc, t;
    int16_t fid;
    bool has_key = false;
    FIELDS_BEGIN(d, rc, t, fid)
        switch (fid) {
        case 1: rc = rd_str(d, t, &kv->key, "KeyValue.key"); has_key = true; break;
        case 2: rc = rd_str(d, t, &kv->value, "KeyValue.value"); break;
        default: rc = skip(d, t); break;
        }
    FIELDS_END(d, rc)
    if (!has_key)
        rc = missing(d, "KeyValue.key");
out:
    return rc;
}

static int dec_key_values(dec *d, int t, hb_pq_key_value **out, size_t *nout, const char *field)
{
    size_t n;
    int rc = rd_list(d, t, HB_TC_STRUCT, &n, field);
    if (rc)
        return rc;
    hb_pq_key_value *kv = alloc(d, n, sizeof *kv, field);
    if (!kv)
        return d->arc;
    for (size_t i = 0; i < n; i++)
        if ((rc = dec_key_value(d, &kv[i])))
            return ctx(d, rc, field);
    *out = n ? kv : NULL;
    *nout = n;
    return HB_OK;
}

static int dec_statistics(dec *d, int t, hb_pq_statistics **out, const char *field)
{
    int rc = want(d, t, HB_TC_STRUCT, field);
    if (rc)
        return rc;
    hb_pq_statistics *s = alloc(d, 1, sizeof *s, field);
    if (!s)
        return d->arc;
    int16_t fid;
    FIELDS_BEGIN(d, rc, t, fid)
        switch (fid) {
        case 1: rc = rd_bin(d, t, &s->max, "Statistics.max"); break;
        case 2: rc = rd_bin(d, t, &s->min, "Statistics.min"); break;
        case 3: rc = rd_i64(d, t, &s->null_count, "Statistics.null_count"); s->has_null_count = true; break;
        case 4:
            rc = rd_i64(d, t, &s->distinct_count, "Statistics.distinct_count");
            s->has_distinct_count = true;
            break;
        case 5: rc = rd_bin(d, t, &s->max_value, "Statistics.max_value"); break;
        case 6: rc = rd_bin(d, t, &s->min_value, "Statistics.min_value"); break;
        case 7:
            rc = rd_bool(d, t, &s->is_max_value_exact, "Statistics.is_max_value_exact");
            s->has_is_max_value_exact = true;
            break;
        case 8:
            rc = rd_bool(d, t, &s->is_min_value_exact, "Statistics.is_min_value_exact");
            s->has_is_min_value_exact = true;
            break;
        case 9: rc = rd_i64(d, t, &s->nan_count, "Statistics.nan_count"); s->has_nan_count = true; break;
        default: rc = skip(d, t); break;
        }
    FIELDS_END(d, rc)
    *out = s;
out:
    return ctx(d, rc, field);
}

/* A union whose members are all empty structs (TimeUnit, ColumnOrder, the
 * simple LogicalTypes): the member id, contents skipped. 0 if empty. */
static int dec_marker_union(dec *d, int t, int32_t *kind, const char *field)
{
    int rc = want(d, t, HB_TC_STRUCT, field);
    if (rc)
        return rc;
    int16_t fid;
    *kind = 0;
    FIELDS_BEGIN(d, rc, t, fid)
        if (t != HB_TC_STRUCT) {
            d->annotated = true;
            rc = hb_tc_corrupt(&d->r, "%s member %d has wire type %d, expected a struct", field, fid, t);
        } else {
            *kind = fid;
            rc = skip(d, t);
        }
    FIELDS_END(d, rc)
out:
    return ctx(d, rc, field);
}

static int dec_time_type(dec *d, hb_pq_logical_type *lt, const char *name)
{
    int rc, t;
    int16_t fid;
    bool has_utc = false, has_unit = false;
    FIELDS_BEGIN(d, rc, t, fid)
        switch (fid) {
        case 1: rc = rd_bool(d, t, &lt->is_adjusted_to_utc, "isAdjustedToUTC"); has_utc = true; break;
        case 2: {
            int32_t u;
            rc = dec_marker_union(d, t, &u, "TimeUnit");
            lt->unit = u;
            has_unit = true;
            break;
        }
        default: rc = skip(d, t); break;
        }
    FIELDS_END(d, rc)
    if (!has_utc || !has_unit) {
        char f[64];
        snprintf(f, sizeof f, "%s.%s", name, has_utc ? "unit" : "isAdjustedToUTC");
        rc = missing(d, f);
    }
out:
    return rc;
}

static int dec_logical_type(dec *d, int t, hb_pq_logical_type *lt)
{
    int rc = want(d, t, HB_TC_STRUCT, "SchemaElement.logicalType");
    if (rc)
        return rc;
    int16_t fid;
    memset(lt, 0, sizeof *lt);
    FIELDS_BEGIN(d, rc, t, fid)
        if (t != HB_TC_STRUCT) {
            d->annotated = true;
            rc = hb_tc_corrupt(&d->r, "LogicalType member %d has wire type %d, expected a struct", fid, t);
            goto out;
        }
        if (fid <= 0) {
            rc = skip(d, t);   /* not a member id: ignore */
        } else if ((lt->kind = fid) == HB_PQ_LT_TIME || fid == HB_PQ_LT_TIMESTAMP) {
            rc = dec_time_type(d, lt, fid == HB_PQ_LT_TIME ? "TimeType" : "TimestampType");
        } else if (fid == HB_PQ_LT_INTEGER) {
            int16_t f2;
            int t2;
            bool has_w = false, has_s = false;
            FIELDS_BEGIN(d, rc, t2, f2)
                if (f2 == 1) {
                    rc = want(d, t2, HB_TC_I8, "IntType.bitWidth");
                    if (!rc)
                        rc = ctx(d, hb_tc_read_i8(&d->r, &lt->bit_width), "IntType.bitWidth");
                    has_w = true;
                } else if (f2 == 2) {
                    rc = rd_bool(d, t2, &lt->is_signed, "IntType.isSigned");
                    has_s = true;
                } else {
                    rc = skip(d, t2);
                }
            FIELDS_END(d, rc)
            if (!has_w || !has_s)
                rc = missing(d, has_w ? "IntType.isSigned" : "IntType.bitWidth");
        } else if (fid == HB_PQ_LT_DECIMAL) {
            int16_t f2;
            int t2;
            bool has_sc = false, has_pr = false;
            FIELDS_BEGIN(d, rc, t2, f2)
                if (f2 == 1) {
                    rc = rd_i32(d, t2, &lt->scale, "DecimalType.scale");
                    has_sc = true;
                } else if (f2 == 2) {
                    rc = rd_i32(d, t2, &lt->precision, "DecimalType.precision");
                    has_pr = true;
                } else {
                    rc = skip(d, t2);
                }
            FIELDS_END(d, rc)
            if (!has_sc || !has_pr)
                rc = missing(d, has_sc ? "DecimalType.precision" : "DecimalType.scale");
        } else {
            rc = skip(d, t);   /* empty marker struct, or a type we don't know */
        }
    FIELDS_END(d, rc)
out:
    return ctx(d, rc, "SchemaElement.logicalType");
}

static int dec_schema_element(dec *d, hb_pq_schema_element *s)
{
    int rc, t;
    int16_t fid;
    FIELDS_BEGIN(d, rc, t, fid)
        switch (fid) {
        case 1: rc = rd_i32(d, t, &s->type, "SchemaElement.type"); s->has_type = true; break;
        case 2:
            rc = rd_i32(d, t, &s->type_length, "SchemaElement.type_length");
            s->has_type_length = true;
            break;
        case 3:
            rc = rd_i32(d, t, &s->repetition_type, "SchemaElement.repetition_type");
            s->has_repetition_type = true;
            break;
        case 4: rc = rd_str(d, t, &s->name, "SchemaElement.name"); break;
        case 5:
            rc = rd_i32(d, t, &s->num_children, "SchemaElement.num_children");
            s->has_num_children = true;
            break;
        case 6:
            rc = rd_i32(d, t, &s->converted_type, "SchemaElement.converted_type");
            s->has_converted_type = true;
            break;
        case 7: rc = rd_i32(d, t, &s->scale, "SchemaElement.scale"); s->has_scale = true; break;
        case 8: rc = rd_i32(d, t, &s->precision, "SchemaElement.precision"); s->has_precision = true; break;
        case 9: rc = rd_i32(d, t, &s->field_id, "SchemaElement.field_id"); s->has_field_id = true; break;
        case 10: rc = dec_logical_type(d, t, &s->logical_type); break;
        default: rc = skip(d, t); break;
        }
    FIELDS_END(d, rc)
    if (!s->name)
        rc = missing(d, "SchemaElement.name");
out:
    return rc;
}

enum { CM_TYPE = 1, CM_ENC = 2, CM_PATH = 4, CM_CODEC = 8, CM_NV = 16, CM_TUS = 32, CM_TCS = 64, CM_DPO = 128 };

static int dec_column_meta(dec *d, int t, hb_pq_column_meta **out)
{
    int rc = want(d, t, HB_TC_STRUCT, "ColumnChunk.meta_data");
    if (rc)
        return rc;
    hb_pq_column_meta *c = alloc(d, 1, sizeof *c, "ColumnMetaData");
    if (!c)
        return d->arc;
    unsigned seen = 0;
    int16_t fid;
    size_t n;
    FIELDS_BEGIN(d, rc, t, fid)
        switch (fid) {
        case 1: rc = rd_i32(d, t, &c->type, "ColumnMetaData.type"); seen |= CM_TYPE; break;
        case 2:
            if ((rc = rd_list(d, t, HB_TC_I32, &n, "ColumnMetaData.encodings")))
                break;
            if (!(c->encodings = alloc(d, n, sizeof *c->encodings, "ColumnMetaData.encodings"))) {
                rc = d->arc;
                break;
            }
            c->n_encodings = n;
            for (size_t i = 0; i < n && !rc; i++)
                rc = ctx(d, hb_tc_read_i32(&d->r, &c->encodings[i]), "ColumnMetaData.encodings");
            seen |= CM_ENC;
            break;
        case 3:
            if ((rc = rd_list(d, t, HB_TC_BINARY, &n, "ColumnMetaData.path_in_schema")))
                break;
            if (!(c->path_in_schema = alloc(d, n, sizeof *c->path_in_schema, "ColumnMetaData.path_in_schema"))) {
                rc = d->arc;
                break;
            }
            c->n_path = n;
            for (size_t i = 0; i < n && !rc; i++)
                rc = rd_str(d, HB_TC_BINARY, &c->path_in_schema[i], "ColumnMetaData.path_in_schema");
            seen |= CM_PATH;
            break;
        case 4: rc = rd_i32(d, t, &c->codec, "ColumnMetaData.codec"); seen |= CM_CODEC; break;
        case 5: rc = rd_i64(d, t, &c->num_values, "ColumnMetaData.num_values"); seen |= CM_NV; break;
        case 6:
            rc = rd_i64(d, t, &c->total_uncompressed_size, "ColumnMetaData.total_uncompressed_size");
            seen |= CM_TUS;
            break;
        case 7:
            rc = rd_i64(d, t, &c->total_compressed_size, "ColumnMetaData.total_compressed_size");
            seen |= CM_TCS;
            break;
        case 8:
            rc = dec_key_values(d, t, &c->key_value_metadata, &c->n_key_value_metadata,
                                "ColumnMetaData.key_value_metadata");
            break;
        case 9: rc = rd_i64(d, t, &c->data_page_offset, "ColumnMetaData.data_page_offset"); seen |= CM_DPO; break;
        case 10:
            rc = rd_i64(d, t, &c->index_page_offset, "ColumnMetaData.index_page_offset");
            c->has_index_page_offset = true;
            break;
        case 11:
            rc = rd_i64(d, t, &c->dictionary_page_offset, "ColumnMetaData.dictionary_page_offset");
            c->has_dictionary_page_offset = true;
            break;
        case 12: rc = dec_statistics(d, t, &c->statistics, "ColumnMetaData.statistics"); break;
        case 14:
            rc = rd_i64(d, t, &c->bloom_filter_offset, "ColumnMetaData.bloom_filter_offset");
            c->has_bloom_filter_offset = true;
            break;
        case 15:
            rc = rd_i32(d, t, &c->bloom_filter_length, "ColumnMetaData.bloom_filter_length");
            c->has_bloom_filter_length = true;
            break;
        default: rc = skip(d, t); break;
        }
    FIELDS_END(d, rc)
    static const char *const names[] = { "type", "encodings", "path_in_schema", "codec", "num_values",
                                         "total_uncompressed_size", "total_compressed_size",
                                         "data_page_offset" };
    for (int i = 0; i < 8; i++) {
        if (!(seen & (1u << i))) {
            char f[64];
            snprintf(f, sizeof f, "ColumnMetaData.%s", names[i]);
            rc = missing(d, f);
            goto out;
        }
    }
    *out = c;
out:
    return rc;
}

static int dec_column_chunk(dec *d, hb_pq_column_chunk *c)
{
    int rc, t;
    int16_t fid;
    FIELDS_BEGIN(d, rc, t, fid)
        switch (fid) {
        case 1: rc = rd_str(d, t, &c->file_path, "ColumnChunk.file_path"); break;
        case 2: rc = rd_i64(d, t, &c->file_offset, "ColumnChunk.file_offset"); break;
        case 3: rc = dec_column_meta(d, t, &c->meta_data); break;
        case 4:
            rc = rd_i64(d, t, &c->offset_index_offset, "ColumnChunk.offset_index_offset");
            c->has_offset_index_offset = true;
            break;
        case 5:
            rc = rd_i32(d, t, &c->offset_index_length, "ColumnChunk.offset_index_length");
            c->has_offset_index_length = true;
            break;
        case 6:
            rc = rd_i64(d, t, &c->column_index_offset, "ColumnChunk.column_index_offset");
            c->has_column_index_offset = true;
            break;
        case 7:
            rc = rd_i32(d, t, &c->column_index_length, "ColumnChunk.column_index_length");
            c->has_column_index_length = true;
            break;
        default: rc = skip(d, t); break;
        }
    FIELDS_END(d, rc)
out:
    return rc;
}

static int dec_sorting_column(dec *d, hb_pq_sorting_column *s)
{
    int rc, t;
    int16_t fid;
    unsigned seen = 0;
    FIELDS_BEGIN(d, rc, t, fid)
        switch (fid) {
        case 1: rc = rd_i32(d, t, &s->column_idx, "SortingColumn.column_idx"); seen |= 1; break;
        case 2: rc = rd_bool(d, t, &s->descending, "SortingColumn.descending"); seen |= 2; break;
        case 3: rc = rd_bool(d, t, &s->nulls_first, "SortingColumn.nulls_first"); seen |= 4; break;
        default: rc = skip(d, t); break;
        }
    FIELDS_END(d, rc)
    if (seen != 7)
        rc = missing(d, !(seen & 1) ? "SortingColumn.column_idx"
                        : !(seen & 2) ? "SortingColumn.descending" : "SortingColumn.nulls_first");
out:
    return rc;
}

static int dec_row_group(dec *d, hb_pq_row_group *g)
{
    int rc, t;
    int16_t fid;
    size_t n;
    unsigned seen = 0;
    FIELDS_BEGIN(d, rc, t, fid)
        switch (fid) {
        case 1:
            if ((rc = rd_list(d, t, HB_TC_STRUCT, &n, "RowGroup.columns")))
                break;
            if (!(g->columns = alloc(d, n, sizeof *g->columns, "RowGroup.columns"))) {
                rc = d->arc;
                break;
            }
            g->n_columns = n;
            for (size_t i = 0; i < n && !rc; i++)
                rc = ctx(d, dec_column_chunk(d, &g->columns[i]), "RowGroup.columns");
            seen |= 1;
            break;
        case 2: rc = rd_i64(d, t, &g->total_byte_size, "RowGroup.total_byte_size"); seen |= 2; break;
        case 3: rc = rd_i64(d, t, &g->num_rows, "RowGroup.num_rows"); seen |= 4; break;
        case 4:
            if ((rc = rd_list(d, t, HB_TC_STRUCT, &n, "RowGroup.sorting_columns")))
                break;
            if (!(g->sorting_columns = alloc(d, n, sizeof *g->sorting_columns, "RowGroup.sorting_columns"))) {
                rc = d->arc;
                break;
            }
            g->n_sorting_columns = n;
            for (size_t i = 0; i < n && !rc; i++)
                rc = ctx(d, dec_sorting_column(d, &g->sorting_columns[i]), "RowGroup.sorting_columns");
            if (!n)
                g->sorting_columns = NULL;
            break;
        case 5: rc = rd_i64(d, t, &g->file_offset, "RowGroup.file_offset"); g->has_file_offset = true; break;
        case 6:
            rc = rd_i64(d, t, &g->total_compressed_size, "RowGroup.total_compressed_size");
            g->has_total_compressed_size = true;
            break;
        case 7:
            rc = want(d, t, HB_TC_I16, "RowGroup.ordinal");
            if (!rc)
                rc = ctx(d, hb_tc_read_i16(&d->r, &g->ordinal), "RowGroup.ordinal");
            g->has_ordinal = true;
            break;
        default: rc = skip(d, t); break;
        }
    FIELDS_END(d, rc)
    if (seen != 7)
        rc = missing(d, !(seen & 1) ? "RowGroup.columns"
                        : !(seen & 2) ? "RowGroup.total_byte_size" : "RowGroup.num_rows");
out:
    return rc;
}

static int dec_init(dec *d, const void *data, size_t len, size_t base, hb_arena *arena,
                    const char *what, hb_err *err)
{
    d->a = arena;
    d->err = err;
    d->annotated = false;
    d->arc = HB_ELIMIT;
    return hb_tc_reader_init(&d->r, data, len, base, 0, what, err);
}

int hb_pq_file_meta_decode(const void *data, size_t len, size_t base, hb_arena *arena,
                           hb_pq_file_meta *m, hb_err *err)
{
    dec d;
    int rc, t;
    int16_t fid;
    size_t n;
    unsigned seen = 0;
    memset(m, 0, sizeof *m);
    if ((rc = dec_init(&d, data, len, base, arena, "parquet footer", err)))
        return rc;
    FIELDS_BEGIN(&d, rc, t, fid)
        switch (fid) {
        case 1: rc = rd_i32(&d, t, &m->version, "FileMetaData.version"); seen |= 1; break;
        case 2:
            if ((rc = rd_list(&d, t, HB_TC_STRUCT, &n, "FileMetaData.schema")))
                break;
            if (!(m->schema = alloc(&d, n, sizeof *m->schema, "FileMetaData.schema"))) {
                rc = d.arc;
                break;
            }
            m->n_schema = n;
            for (size_t i = 0; i < n && !rc; i++)
                rc = ctx(&d, dec_schema_element(&d, &m->schema[i]), "FileMetaData.schema");
            seen |= 2;
            break;
        case 3: rc = rd_i64(&d, t, &m->num_rows, "FileMetaData.num_rows"); seen |= 4; break;
        case 4:
            if ((rc = rd_list(&d, t, HB_TC_STRUCT, &n, "FileMetaData.row_groups")))
                break;
            if (!(m->row_groups = alloc(&d, n, sizeof *m->row_groups, "FileMetaData.row_groups"))) {
                rc = d.arc;
                break;
            }
            m->n_row_groups = n;
            for (size_t i = 0; i < n && !rc; i++)
                rc = ctx(&d, dec_row_group(&d, &m->row_groups[i]), "FileMetaData.row_groups");
            seen |= 8;
            break;
        case 5:
            rc = dec_key_values(&d, t, &m->key_value_metadata, &m->n_key_value_metadata,
                                "FileMetaData.key_value_metadata");
            break;
        case 6: rc = rd_str(&d, t, &m->created_by, "FileMetaData.created_by"); break;
        case 7:
            if ((rc = rd_list(&d, t, HB_TC_STRUCT, &n, "FileMetaData.column_orders")))
                break;
            if (!(m->column_orders = alloc(&d, n, sizeof *m->column_orders, "FileMetaData.column_orders"))) {
                rc = d.arc;
                break;
            }
            m->n_column_orders = n;
            for (size_t i = 0; i < n && !rc; i++)
                rc = dec_marker_union(&d, HB_TC_STRUCT, &m->column_orders[i], "FileMetaData.column_orders");
            if (!n)
                m->column_orders = NULL;
            break;
        default: rc = skip(&d, t); break;
        }
    FIELDS_END(&d, rc)
    if (seen != 15)
        rc = missing(&d, !(seen & 1) ? "FileMetaData.version"
                         : !(seen & 2) ? "FileMetaData.schema"
                         : !(seen & 4) ? "FileMetaData.num_rows" : "FileMetaData.row_groups");
out:
    return rc;
}

static int dec_data_page_header(dec *d, int t, hb_pq_data_page_header **out)
{
    int rc = want(d, t, HB_TC_STRUCT, "PageHeader.data_page_header");
    if (rc)
        return rc;
    hb_pq_data_page_header *h = alloc(d, 1, sizeof *h, "DataPageHeader");
    if (!h)
        return d->arc;
    int16_t fid;
    unsigned seen = 0;
    FIELDS_BEGIN(d, rc, t, fid)
        switch (fid) {
        case 1: rc = rd_i32(d, t, &h->num_values, "DataPageHeader.num_values"); seen |= 1; break;
        case 2: rc = rd_i32(d, t, &h->encoding, "DataPageHeader.encoding"); seen |= 2; break;
        case 3:
            rc = rd_i32(d, t, &h->definition_level_encoding, "DataPageHeader.definition_level_encoding");
            seen |= 4;
            break;
        case 4:
            rc = rd_i32(d, t, &h->repetition_level_encoding, "DataPageHeader.repetition_level_encoding");
            seen |= 8;
            break;
        case 5: rc = dec_statistics(d, t, &h->statistics, "DataPageHeader.statistics"); break;
        default: rc = skip(d, t); break;
        }
    FIELDS_END(d, rc)
    if (seen != 15)
        rc = missing(d, !(seen & 1) ? "DataPageHeader.num_values"
                        : !(seen & 2) ? "DataPageHeader.encoding"
                        : !(seen & 4) ? "DataPageHeader.definition_level_encoding"
                                      : "DataPageHeader.repetition_level_encoding");
    else
        *out = h;
out:
    return rc;
}

static int dec_dict_page_header(dec *d, int t, hb_pq_dictionary_page_header **out)
{
    int rc = want(d, t, HB_TC_STRUCT, "PageHeader.dictionary_page_header");
    if (rc)
        return rc;
    hb_pq_dictionary_page_header *h = alloc(d, 1, sizeof *h, "DictionaryPageHeader");
    if (!h)
        return d->arc;
    int16_t fid;
    unsigned seen = 0;
    FIELDS_BEGIN(d, rc, t, fid)
        switch (fid) {
        case 1: rc = rd_i32(d, t, &h->num_values, "DictionaryPageHeader.num_values"); seen |= 1; break;
        case 2: rc = rd_i32(d, t, &h->encoding, "DictionaryPageHeader.encoding"); seen |= 2; break;
        case 3:
            rc = rd_bool(d, t, &h->is_sorted, "DictionaryPageHeader.is_sorted");
            h->has_is_sorted = true;
            break;
        default: rc = skip(d, t); break;
        }
    FIELDS_END(d, rc)
    if (seen != 3)
        rc = missing(d, !(seen & 1) ? "DictionaryPageHeader.num_values" : "DictionaryPageHeader.encoding");
    else
        *out = h;
out:
    return rc;
}

static int dec_data_page_header_v2(dec *d, int t, hb_pq_data_page_header_v2 **out)
{
    static const char *const names[] = {
        "DataPageHeaderV2.num_values", "DataPageHeaderV2.num_nulls", "DataPageHeaderV2.num_rows",
        "DataPageHeaderV2.encoding", "DataPageHeaderV2.definition_levels_byte_length",
        "DataPageHeaderV2.repetition_levels_byte_length",
    };
    int rc = want(d, t, HB_TC_STRUCT, "PageHeader.data_page_header_v2");
    if (rc)
        return rc;
    hb_pq_data_page_header_v2 *h = alloc(d, 1, sizeof *h, "DataPageHeaderV2");
    if (!h)
        return d->arc;
    int32_t *req[] = { &h->num_values, &h->num_nulls, &h->num_rows, &h->encoding,
                       &h->definition_levels_byte_length, &h->repetition_levels_byte_length };
    int16_t fid;
    unsigned seen = 0;
    FIELDS_BEGIN(d, rc, t, fid)
        if (fid >= 1 && fid <= 6) {
            rc = rd_i32(d, t, req[fid - 1], names[fid - 1]);
            seen |= 1u << (fid - 1);
        } else if (fid == 7) {
            rc = rd_bool(d, t, &h->is_compressed, "DataPageHeaderV2.is_compressed");
            h->has_is_compressed = true;
        } else if (fid == 8) {
            rc = dec_statistics(d, t, &h->statistics, "DataPageHeaderV2.statistics");
        } else {
            rc = skip(d, t);
        }
    FIELDS_END(d, rc)
    for (int i = 0; i < 6; i++)
        if (!(seen & (1u << i))) {
            rc = missing(d, names[i]);
            goto out;
        }
    *out = h;
out:
    return rc;
}

int hb_pq_page_header_decode(const void *data, size_t len, size_t base, hb_arena *arena,
                             hb_pq_page_header *h, size_t *consumed, hb_err *err)
{
    dec d;
    int rc, t;
    int16_t fid;
    unsigned seen = 0;
    memset(h, 0, sizeof *h);
    *consumed = 0;
    /* a header is small; look at no more than the cap of a long chunk */
    if ((rc = dec_init(&d, data, len < PQ_MAX_PAGE_HEADER ? len : PQ_MAX_PAGE_HEADER, base, arena,
                       "page header", err)))
        return rc;
    FIELDS_BEGIN(&d, rc, t, fid)
        switch (fid) {
        case 1: rc = rd_i32(&d, t, &h->type, "PageHeader.type"); seen |= 1; break;
        case 2: rc = rd_i32(&d, t, &h->uncompressed_page_size, "PageHeader.uncompressed_page_size"); seen |= 2; break;
        case 3: rc = rd_i32(&d, t, &h->compressed_page_size, "PageHeader.compressed_page_size"); seen |= 4; break;
        case 4: rc = rd_i32(&d, t, &h->crc, "PageHeader.crc"); h->has_crc = true; break;
        case 5: rc = dec_data_page_header(&d, t, &h->data_page_header); break;
        case 7: rc = dec_dict_page_header(&d, t, &h->dictionary_page_header); break;
        case 8: rc = dec_data_page_header_v2(&d, t, &h->data_page_header_v2); break;
        default: rc = skip(&d, t); break;
        }
    FIELDS_END(&d, rc)
    if (seen != 7)
        rc = missing(&d, !(seen & 1) ? "PageHeader.type"
                         : !(seen & 2) ? "PageHeader.uncompressed_page_size" : "PageHeader.compressed_page_size");
    else
        *consumed = d.r.pos;
out:
    return rc;
}
