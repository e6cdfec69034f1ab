/* Parquet file writer: how HyperbyteDB lays out its Parquet files.
 *
 * One file holds rows of one measurement, sorted by series key, then time.
 * Everything follows apache/parquet-format (parquet.thrift, Encodings.md);
 * any Parquet reader (DuckDB, pyarrow, ClickHouse) reads these files.
 *
 * File
 *   0        4 bytes   "PAR1"
 *   4        row group 0, row group 1, ...  (none for an empty file)
 *            FileMetaData, Thrift compact protocol (parquet_meta.c)
 *   end-8    u32 LE    length of the FileMetaData in bytes
 *   end-4    4 bytes   "PAR1"
 *
 * Row group: opts.row_group_rows rows (default 65,536; the last one holds the
 * rest), one column chunk per column, back to back in schema order. Rows are
 * cut into row groups only by count, in the order they were appended.
 *
 * Column chunk: [dictionary page] data page+. Only string columns (tags and
 * string fields) that used their dictionary in this row group have a
 * dictionary page; it comes first.
 *
 * Page: a PageHeader (Thrift compact, never compressed) followed by exactly
 * compressed_page_size body bytes. The body is the codec's output over the
 * uncompressed_page_size bytes of the page:
 *   ZSTD (codec 6, default; level opts.zstd_level, default 1): one zstd frame
 *        per page, with the content size in the frame header;
 *   UNCOMPRESSED (codec 0): the bytes themselves.
 * No CRC is written.
 *
 * Dictionary page: PageHeader{type DICTIONARY_PAGE(2), dictionary_page_header
 *   {num_values = entries, encoding PLAIN(0)}}; body: the entries in first-seen
 *   order, PLAIN BYTE_ARRAY (u32 LE length, bytes).
 *
 * Data page (v1): PageHeader{type DATA_PAGE(0), data_page_header{num_values =
 *   rows in the page, nulls included; encoding (below);
 *   definition_level_encoding RLE(3); repetition_level_encoding RLE(3);
 *   statistics}}; body (before compression):
 *   - OPTIONAL columns: definition levels, one per row: u32 LE byte length,
 *     then the RLE/bit-packed hybrid with bit width 1 (1 = value, 0 = null);
 *   - the REQUIRED time column has no definition levels; the schema is flat,
 *     so no column has repetition levels;
 *   - the non-null values of the page's rows in the page's encoding:
 *       time, INTEGER, UNSIGNED  DELTA_BINARY_PACKED(5) (block 128, 4 miniblocks;
 *                                UNSIGNED as the same 64 bits)
 *       FLOAT                    PLAIN(0): 8-byte LE IEEE-754 doubles
 *       BOOLEAN                  PLAIN(0): 1 bit per value, LSB first
 *       tags, STRING fields      RLE_DICTIONARY(8): 1 byte bit width, then the
 *                                indices in the RLE/bit-packed hybrid; once the
 *                                dictionary page body would pass
 *                                opts.dict_max_bytes (default 1 MiB) the rest of
 *                                the column chunk's values are PLAIN(0) BYTE_ARRAY
 *                                in pages of their own
 *     An all-null page of a string column is PLAIN with no values.
 * Page size: at most opts.page_rows rows (default 4096), and a target of
 * opts.page_bytes (default 1 MiB) of uncompressed values: INT64/DOUBLE
 * columns take min(page_rows, page_bytes / 8) rows per page, BOOLEAN
 * min(page_rows, page_bytes); a string page is cut before the row that
 * follows once it holds page_rows rows or its values reach page_bytes (4
 * bytes per dictionary index, 4 + length per PLAIN string), and always where
 * the dictionary fallback starts. So all columns of a row group share page
 * boundaries unless a string page is cut early by bytes: a reader after a
 * few rows decodes only the pages holding them.
 *
 * Statistics (Statistics struct) in every ColumnMetaData, and in every
 * DataPageHeader with opts.page_stats (off by default: readers prune by
 * chunk statistics, and with small pages the page copies cost ~7% of a
 * file): null_count, min_value and max_value (omitted when the page
 * or chunk has no non-null value, or only NaNs). Bounds are PLAIN bytes of one
 * value (BYTE_ARRAY without its length prefix, BOOLEAN one byte 0/1), in the
 * column's type-defined order: INT64 signed; UNSIGNED (INT64 annotated
 * INTEGER(64, false)/UINT_64) unsigned; DOUBLE numeric with NaN left out, a
 * zero minimum written as -0.0 and a zero maximum as +0.0; strings unsigned
 * bytewise; false < true. The deprecated min/max fields are never written.
 * FileMetaData.column_orders is TypeDefinedOrder for every column.
 *
 * Schema (FileMetaData.schema): root "schema" with num_children = columns, then
 * one SchemaElement per column in column order:
 *   time            INT64 REQUIRED, logicalType TIMESTAMP(isAdjustedToUTC=true,
 *                   NANOS), no converted_type (none exists for NANOS)
 *   tag, STRING     BYTE_ARRAY OPTIONAL, logicalType STRING, converted UTF8
 *   FLOAT           DOUBLE OPTIONAL
 *   INTEGER         INT64 OPTIONAL, logicalType INTEGER(64, signed), converted INT_64
 *   UNSIGNED        INT64 OPTIONAL, logicalType INTEGER(64, unsigned), converted UINT_64
 *   BOOLEAN         BOOLEAN OPTIONAL
 *
 * FileMetaData: version 1, num_rows, row_groups, created_by (opts.created_by,
 * default "hyperbytedb"), column_orders, key_value_metadata:
 *   "hyperbytedb.measurement"  opts.measurement (left out when NULL)
 *   "hyperbytedb.tags"         tag column names in column order joined by ',',
 *                              each ',' and '\' in a name preceded by '\'
 *   "hyperbytedb.fields"       only when a field has the name of a tag (InfluxDB
 *                              allows it): that field's column is named
 *                              "{name}::field" ("::field" repeated until unique)
 *                              and this lists every field column's real name,
 *                              in column order, escaped as above
 *   "hyperbytedb.sort"         "series,time"
 *   "hyperbytedb.format"       "1"
 * RowGroup: columns, total_byte_size (sum of the chunks'
 *   total_uncompressed_size), num_rows, sorting_columns (the tag columns in
 *   ascending name order - the series key order - then time; all ascending,
 *   nulls first), file_offset (first page of the row group),
 *   total_compressed_size (sum of the chunks' total_compressed_size).
 * ColumnChunk: file_offset = offset of the chunk's first page, meta_data.
 * ColumnMetaData: type, encodings (every encoding used by the chunk's pages:
 *   RLE for definition levels of OPTIONAL columns, PLAIN for a dictionary
 *   page, value encodings; ascending), path_in_schema {name}, codec,
 *   num_values (rows, nulls included), total_uncompressed_size and
 *   total_compressed_size (page headers included), data_page_offset,
 *   dictionary_page_offset (when there is one), statistics.
 *
 * Memory: one row group of rows is buffered (values copied densely, strings
 * as dictionary indices or PLAIN bytes), then encoded column by column and
 * streamed to the StoragePort writer; nothing is visible until finish. */
#include "format/parquet_writer_int.h"

#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#define OUT_FLUSH_BYTES (1u << 20)
#define MAX_ROW_GROUP_ROWS ((size_t)1 << 30)

void hb_pq_writer_opts_default(hb_pq_writer_opts *o)
{
    memset(o, 0, sizeof *o);
    o->codec = HB_PQ_CODEC_ZSTD;
    o->zstd_level = 1;
    o->row_group_rows = HB_PQ_DEFAULT_ROW_GROUP_ROWS;
    o->page_bytes = HB_PQ_DEFAULT_PAGE_BYTES;
    o->page_rows = HB_PQ_DEFAULT_PAGE_ROWS;
    o->dict_max_bytes = HB_PQ_DEFAULT_DICT_MAX_BYTES;
}

/* ---- output ---- */

int hb_pqw_out_flush(hb_pq_writer *w, hb_err *err)
{
    if (!w->out.len)
        return HB_OK;
    int rc = w->st->writer_write(w->sw, w->out.data, w->out.len, err);
    hb_buf_reset(&w->out);
    return rc;
}

int hb_pqw_out(hb_pq_writer *w, const void *p, size_t n, hb_err *err)
{
    int rc;
    if (n >= OUT_FLUSH_BYTES) {
        if ((rc = hb_pqw_out_flush(w, err)) || (rc = w->st->writer_write(w->sw, p, n, err)))
            return rc;
    } else {
        if ((rc = hb_buf_append(&w->out, p, n)))
            return hb_err_set(err, rc, "parquet writer %s: output buffer: %s", w->key, hb_strerror(rc));
        if (w->out.len >= OUT_FLUSH_BYTES && (rc = hb_pqw_out_flush(w, err)))
            return rc;
    }
    w->pos += n;
    return HB_OK;
}

/* ---- open / abort ---- */

static void free_writer(hb_pq_writer *w)
{
    for (size_t i = 0; i < w->ncols; i++) {
        hb_pqw_col *c = &w->cols[i];
        free(c->def);
        free(c->vals);
        free(c->seen);
        hb_pq_dict_bytes_free(&c->dict);
        hb_buf_free(&c->plain);
        hb_pq_stats_free(&c->pstats);
        hb_pq_stats_free(&c->cstats);
    }
    free(w->cols);
    free(w->rgs);
    hb_buf_free(&w->out);
    hb_buf_free(&w->body);
    hb_buf_free(&w->zbody);
    hb_buf_free(&w->hdr);
    if (w->zctx)
        ZSTD_freeCCtx(w->zctx);
    hb_arena_free(&w->arena);
    free(w->key);
    free(w);
}

void hb_pq_writer_abort(hb_pq_writer *w)
{
    if (!w)
        return;
    if (w->sw)
        w->st->writer_abort(w->sw);
    free_writer(w);
}

static int check_cols(const hb_pq_coldef *cols, size_t ncols, hb_err *err)
{
    if (!cols || ncols < 1)
        return hb_err_set(err, HB_EINVAL, "parquet writer: no columns (the time column is required)");
    if (ncols > INT32_MAX - 1)
        return hb_err_set(err, HB_EINVAL, "parquet writer: too many columns (%zu)", ncols);
    for (size_t i = 0; i < ncols; i++) {
        const hb_pq_coldef *c = &cols[i];
        if (!c->name || !c->name[0])
            return hb_err_set(err, HB_EINVAL, "parquet writer: column %zu has no name", i);
        if (c->role == HB_PQ_TIME) {
            if (i != 0)
                return hb_err_set(err, HB_EINVAL,
                                  "parquet writer: time column \"%s\" at position %zu: it must be the only one and first",
                                  c->name, i);
            if (c->type != HB_FT_INTEGER)
                return hb_err_set(err, HB_EINVAL, "parquet writer: time column \"%s\" must have type integer", c->name);
        } else if (i == 0) {
            return hb_err_set(err, HB_EINVAL, "parquet writer: first column \"%s\" is not the time column", c->name);
        } else if (c->role == HB_PQ_TAG) {
            if (c->type != HB_FT_STRING)
                return hb_err_set(err, HB_EINVAL, "parquet writer: tag column \"%s\" must have type string", c->name);
        } else if (c->role == HB_PQ_FIELD) {
            if ((unsigned)c->type >= HB_FT_COUNT)
                return hb_err_set(err, HB_EINVAL, "parquet writer: field column \"%s\" has invalid type %d", c->name,
                                  (int)c->type);
        } else {
            return hb_err_set(err, HB_EINVAL, "parquet writer: column \"%s\" has invalid role %d", c->name,
                              (int)c->role);
        }
        /* InfluxDB allows a field named like a tag of its measurement: that
         * one pair may share a name (the field column is renamed on disk) */
        for (size_t j = 0; j < i; j++)
            if (strcmp(cols[j].name, c->name) == 0 &&
                !((cols[j].role == HB_PQ_TAG && c->role == HB_PQ_FIELD) ||
                  (cols[j].role == HB_PQ_FIELD && c->role == HB_PQ_TAG)))
                return hb_err_set(err, HB_EINVAL, "parquet writer: duplicate column name \"%s\"", c->name);
    }
    return HB_OK;
}

/* Copy of s owned by arena a (NULL for NULL or out of memory). */
static char *arena_strdup(hb_arena *a, const char *s)
{
    return s ? hb_arena_strndup(a, s, strlen(s)) : NULL;
}

static int cmp_tag_names(const void *a, const void *b, void *ctx)
{
    const hb_pqw_col *cols = ctx;
    const hb_pq_sorting_column *x = a, *y = b;
    return strcmp(cols[x->column_idx].name, cols[y->column_idx].name);
}

/* 1 if a column other than w->cols[self] has physical name name. */
static int phys_taken(const hb_pq_writer *w, size_t self, const char *name)
{
    for (size_t i = 0; i < w->ncols; i++)
        if (i != self && w->cols[i].path && !strcmp(w->cols[i].path[0], name))
            return 1;
    return 0;
}

/* A field named like a tag gets the column name "{name}::field" on disk
 * ("::field" repeated until unique); "hyperbytedb.fields" then records the
 * field names so readers map them back. */
static int rename_shadowed_fields(hb_pq_writer *w, hb_err *err)
{
    for (size_t i = 0; i < w->ncols; i++) {
        hb_pqw_col *c = &w->cols[i];
        if (c->role != HB_PQ_FIELD || !phys_taken(w, i, c->path[0]))
            continue;
        hb_buf b;
        hb_buf_init(&b, 0);
        int rc = hb_buf_puts(&b, c->name);
        do
            rc = rc ? rc : hb_buf_puts(&b, "::field");
        while (!rc && phys_taken(w, i, hb_buf_cstr(&b)));
        c->path[0] = rc ? NULL : arena_strdup(&w->arena, hb_buf_cstr(&b));
        hb_buf_free(&b);
        if (!c->path[0])
            return hb_err_set(err, HB_ENOMEM, "parquet writer: out of memory");
        w->renamed_fields = 1;
    }
    return HB_OK;
}

/* Insertion sort (few tags) by name: qsort_r is not C11. */
static void sort_tags(hb_pq_sorting_column *s, size_t n, const hb_pqw_col *cols)
{
    for (size_t i = 1; i < n; i++) {
        hb_pq_sorting_column t = s[i];
        size_t j = i;
        while (j > 0 && cmp_tag_names(&s[j - 1], &t, (void *)cols) > 0) {
            s[j] = s[j - 1];
            j--;
        }
        s[j] = t;
    }
}

int hb_pq_writer_open(hb_storage_port *st, const char *key, const hb_pq_coldef *cols, size_t ncols,
                      const hb_pq_writer_opts *opts, hb_pq_writer **out, hb_err *err)
{
    *out = NULL;
    int rc = check_cols(cols, ncols, err);
    if (rc)
        return rc;
    hb_pq_writer_opts o;
    hb_pq_writer_opts_default(&o);
    if (opts) {
        if (opts->codec != HB_PQ_CODEC_ZSTD && opts->codec != HB_PQ_CODEC_UNCOMPRESSED)
            return hb_err_set(err, HB_EINVAL, "parquet writer: unsupported codec %d", (int)opts->codec);
        if (opts->row_group_rows > MAX_ROW_GROUP_ROWS)
            return hb_err_set(err, HB_EINVAL, "parquet writer: row_group_rows %zu above %zu", opts->row_group_rows,
                              MAX_ROW_GROUP_ROWS);
        if (opts->zstd_level < 0 || opts->zstd_level > ZSTD_maxCLevel())
            return hb_err_set(err, HB_EINVAL, "parquet writer: zstd level %d outside 1..%d", opts->zstd_level,
                              ZSTD_maxCLevel());
        o.codec = opts->codec;
        if (opts->zstd_level)
            o.zstd_level = opts->zstd_level;
        if (opts->row_group_rows)
            o.row_group_rows = opts->row_group_rows;
        if (opts->page_bytes)
            o.page_bytes = opts->page_bytes;
        if (opts->page_rows)
            o.page_rows = opts->page_rows;
        o.page_stats = opts->page_stats;
        if (opts->dict_max_bytes)
            o.dict_max_bytes = opts->dict_max_bytes;
        o.measurement = opts->measurement;
        o.created_by = opts->created_by;
    }
    hb_pq_writer *w = calloc(1, sizeof *w);
    if (!w)
        return hb_err_set(err, HB_ENOMEM, "parquet writer: out of memory");
    hb_arena_init(&w->arena, 16384, 0);
    hb_buf_init(&w->out, 0);
    hb_buf_init(&w->body, 0);
    hb_buf_init(&w->zbody, 0);
    hb_buf_init(&w->hdr, 0);
    w->st = st;
    w->key = strdup(key ? key : "");
    w->cols = calloc(ncols, sizeof *w->cols);
    if (!w->key || !w->cols) {
        rc = hb_err_set(err, HB_ENOMEM, "parquet writer: out of memory");
        goto out;
    }
    w->ncols = ncols;
    w->opts = o;
    w->opts.measurement = arena_strdup(&w->arena, o.measurement);
    w->opts.created_by = arena_strdup(&w->arena, o.created_by ? o.created_by : "hyperbytedb");
    if ((o.measurement && !w->opts.measurement) || !w->opts.created_by) {
        rc = hb_err_set(err, HB_ENOMEM, "parquet writer: out of memory");
        goto out;
    }
    size_t ntags = 0;
    for (size_t i = 0; i < ncols; i++) {
        hb_pqw_col *c = &w->cols[i];
        c->role = cols[i].role;
        c->type = cols[i].type;
        c->name = arena_strdup(&w->arena, cols[i].name);
        c->path = hb_arena_alloc(&w->arena, sizeof *c->path);
        if (!c->name || !c->path) {
            rc = hb_err_set(err, HB_ENOMEM, "parquet writer: out of memory");
            goto out;
        }
        c->path[0] = c->name;
        c->optional = c->role != HB_PQ_TIME;
        ntags += c->role == HB_PQ_TAG;
        switch (c->type) {
        case HB_FT_FLOAT: c->ptype = HB_PQ_DOUBLE; c->order = HB_PQ_ORD_F64; break;
        case HB_FT_INTEGER: c->ptype = HB_PQ_INT64; c->order = HB_PQ_ORD_I64; break;
        case HB_FT_UNSIGNED: c->ptype = HB_PQ_INT64; c->order = HB_PQ_ORD_U64; break;
        case HB_FT_STRING: c->ptype = HB_PQ_BYTE_ARRAY; c->order = HB_PQ_ORD_BYTES; break;
        case HB_FT_BOOLEAN: c->ptype = HB_PQ_BOOLEAN; c->order = HB_PQ_ORD_BOOL; break;
        }
        hb_pq_dict_bytes_init(&c->dict, o.dict_max_bytes);
        hb_buf_init(&c->plain, 0);
    }
    if ((rc = rename_shadowed_fields(w, err)))
        goto out;
    for (size_t i = 0; i < ncols; i++) {
        hb_pqw_col *c = &w->cols[i];
        hb_pq_stats_init(&c->pstats, c->order);
        hb_pq_stats_init(&c->cstats, c->order);
    }
    w->nsorting = ntags + 1;
    w->sorting = hb_arena_calloc(&w->arena, w->nsorting * sizeof *w->sorting);
    if (!w->sorting) {
        rc = hb_err_set(err, HB_ENOMEM, "parquet writer: out of memory");
        goto out;
    }
    size_t k = 0;
    for (size_t i = 0; i < ncols; i++)
        if (w->cols[i].role == HB_PQ_TAG)
            w->sorting[k++] = (hb_pq_sorting_column){ .column_idx = (int32_t)i, .nulls_first = true };
    sort_tags(w->sorting, ntags, w->cols);
    w->sorting[k] = (hb_pq_sorting_column){ .column_idx = 0, .nulls_first = true };
    if (o.codec == HB_PQ_CODEC_ZSTD && !(w->zctx = ZSTD_createCCtx())) {
        rc = hb_err_set(err, HB_ENOMEM, "parquet writer: out of memory (zstd context)");
        goto out;
    }
    if ((rc = st->writer_open(st->self, key, &w->sw, err)))
        goto out;
    if ((rc = hb_pqw_out(w, "PAR1", 4, err)))
        goto out;
    *out = w;
    return HB_OK;
out:
    hb_pq_writer_abort(w);
    return rc;
}

/* ---- append ---- */

static int grow_col(hb_pq_writer *w, hb_pqw_col *c, size_t need, hb_err *err)
{
    if (need <= c->cap)
        return HB_OK;
    size_t ncap = c->cap ? c->cap : 1024;
    while (ncap < need)
        ncap *= 2;
    if (ncap > w->opts.row_group_rows)
        ncap = w->opts.row_group_rows;
    size_t vsz = c->ptype == HB_PQ_BOOLEAN ? 1 : c->ptype == HB_PQ_BYTE_ARRAY ? 4 : 8;
    void *nv = realloc(c->vals, ncap * vsz);
    if (nv)
        c->vals = nv;
    if (nv && c->optional) {
        uint8_t *nd = realloc(c->def, ncap);
        if (!nd)
            nv = NULL;
        else
            c->def = nd;
    }
    if (!nv)
        return hb_err_set(err, HB_ENOMEM, "parquet writer %s: column \"%s\": out of memory", w->key, c->name);
    c->cap = ncap;
    return HB_OK;
}

/* Buffer rows [off, off+n) of one string column. */
static int buffer_strings(hb_pq_writer *w, hb_pqw_col *c, const hb_pq_colvec *cv, size_t off, size_t n,
                          hb_err *err)
{
    const hb_slice *v = cv->values;
    uint32_t *idx = c->vals;
    uint8_t *def = c->def + w->rg_rows;
    int rc;
    for (size_t i = 0; i < n; i++) {
        int ok = hb_pq_valid(cv->valid, off + i);
        def[i] = (uint8_t)ok;
        if (!ok)
            continue;
        hb_slice s = v[off + i];
        if (s.n > UINT32_MAX)
            return hb_err_set(err, HB_EINVAL, "parquet writer %s: column \"%s\": string of %zu bytes is above 2^32-1",
                              w->key, c->name, s.n);
        if (!c->fallback) {
            if (c->has_last) {
                hb_slice l = hb_pq_dict_bytes_get(&c->dict, c->last_idx);
                if (l.n == s.n && (s.n == 0 || memcmp(l.p, s.p, s.n) == 0)) {
                    idx[c->nvals++] = c->last_idx;
                    continue;
                }
            }
            uint32_t e;
            hb_err e2;
            rc = hb_pq_dict_bytes_add(&c->dict, s.n ? s.p : "", s.n, &e, &e2);
            if (rc == HB_OK) {
                c->has_last = true;
                c->last_idx = e;
                idx[c->nvals++] = e;
                continue;
            }
            if (rc != HB_ELIMIT)
                return hb_err_set(err, rc, "parquet writer %s: column \"%s\": %s", w->key, c->name, e2.msg);
            c->fallback = true;
            c->dict_vals = c->nvals;
        }
        if ((rc = hb_buf_put_u32le(&c->plain, (uint32_t)s.n)) || (rc = hb_buf_append(&c->plain, s.n ? s.p : "", s.n)))
            return hb_err_set(err, rc, "parquet writer %s: column \"%s\": %s", w->key, c->name, hb_strerror(rc));
        c->nvals++;
    }
    return HB_OK;
}

/* Buffer rows [off, off+n) of column c. */
static int buffer_col(hb_pq_writer *w, hb_pqw_col *c, const hb_pq_colvec *cv, size_t off, size_t n, hb_err *err)
{
    int rc = grow_col(w, c, w->rg_rows + n, err);
    if (rc)
        return rc;
    if (c->ptype == HB_PQ_BYTE_ARRAY)
        return buffer_strings(w, c, cv, off, n, err);
    size_t vsz = c->ptype == HB_PQ_BOOLEAN ? 1 : 8;
    const uint8_t *src = (const uint8_t *)cv->values + off * vsz;
    uint8_t *dst = (uint8_t *)c->vals + c->nvals * vsz;
    if (!cv->valid || !c->optional) {   /* the time column was checked: all valid */
        if (c->optional)
            memset(c->def + w->rg_rows, 1, n);
        memcpy(dst, src, n * vsz);
        c->nvals += n;
        return HB_OK;
    }
    uint8_t *def = c->def + w->rg_rows;
    size_t k = 0;
    if (vsz == 8) {
        for (size_t i = 0; i < n; i++) {
            int ok = hb_pq_valid(cv->valid, off + i);
            def[i] = (uint8_t)ok;
            memcpy(dst + k * 8, src + i * 8, 8);
            k += (size_t)ok;
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            int ok = hb_pq_valid(cv->valid, off + i);
            def[i] = (uint8_t)ok;
            dst[k] = src[i] != 0;
            k += (size_t)ok;
        }
    }
    c->nvals += k;
    return HB_OK;
}

static int write_row_group(hb_pq_writer *w, hb_err *err)
{
    size_t rows = w->rg_rows;
    int rc;
    if (w->nrgs == w->rgs_cap) {
        size_t ncap = w->rgs_cap ? w->rgs_cap * 2 : 8;
        hb_pq_row_group *n = realloc(w->rgs, ncap * sizeof *n);
        if (!n)
            return hb_err_set(err, HB_ENOMEM, "parquet writer %s: out of memory", w->key);
        w->rgs = n;
        w->rgs_cap = ncap;
    }
    hb_pq_column_chunk *cc = hb_arena_calloc(&w->arena, w->ncols * sizeof *cc);
    if (!cc)
        return hb_err_set(err, HB_ENOMEM, "parquet writer %s: out of memory", w->key);
    hb_pq_row_group *rg = &w->rgs[w->nrgs];
    memset(rg, 0, sizeof *rg);
    rg->has_file_offset = true;
    rg->file_offset = (int64_t)w->pos;
    for (size_t i = 0; i < w->ncols; i++) {
        hb_pqw_col *c = &w->cols[i];
        if ((rc = hb_pqw_write_chunk(w, c, rows, &cc[i], err)))
            return rc;
        rg->total_byte_size += cc[i].meta_data->total_uncompressed_size;
        rg->total_compressed_size += cc[i].meta_data->total_compressed_size;
        c->nvals = 0;
        c->fallback = false;
        c->dict_vals = 0;
        c->has_last = false;
        hb_pq_dict_bytes_reset(&c->dict);
        hb_buf_reset(&c->plain);
    }
    rg->columns = cc;
    rg->n_columns = w->ncols;
    rg->num_rows = (int64_t)rows;
    rg->sorting_columns = w->sorting;
    rg->n_sorting_columns = w->nsorting;
    rg->has_total_compressed_size = true;
    if (w->nrgs <= INT16_MAX) {
        rg->has_ordinal = true;
        rg->ordinal = (int16_t)w->nrgs;
    }
    w->nrgs++;
    w->rg_rows = 0;
    return HB_OK;
}

int hb_pq_writer_append(hb_pq_writer *w, const hb_pq_colvec *cols, size_t nrows, hb_err *err)
{
    if (w->failed)
        return hb_err_set(err, HB_EINVAL, "parquet writer %s: an earlier error stopped this writer", w->key);
    if (!nrows)
        return HB_OK;
    /* time: every row valid (checked before anything is buffered) */
    const uint8_t *tv = cols[0].valid;
    if (tv) {
        for (size_t i = 0; i < nrows; i++)
            if (!hb_pq_valid(tv, i))
                return hb_err_set(err, HB_EINVAL, "parquet writer %s: time column \"%s\": row %zu has no time",
                                  w->key, w->cols[0].name, i);
    }
    const int64_t *t = cols[0].values;
    int64_t mn = t[0], mx = t[0];
    for (size_t i = 1; i < nrows; i++) {
        mn = t[i] < mn ? t[i] : mn;
        mx = t[i] > mx ? t[i] : mx;
    }
    int rc = HB_OK;
    size_t done = 0;
    while (done < nrows) {
        size_t take = w->opts.row_group_rows - w->rg_rows;
        if (take > nrows - done)
            take = nrows - done;
        for (size_t i = 0; i < w->ncols; i++)
            if ((rc = buffer_col(w, &w->cols[i], &cols[i], done, take, err)))
                goto out;
        w->rg_rows += take;
        done += take;
        if (w->rg_rows == w->opts.row_group_rows && (rc = write_row_group(w, err)))
            goto out;
    }
    if (!w->rows || mn < w->min_time)
        w->min_time = mn;
    if (!w->rows || mx > w->max_time)
        w->max_time = mx;
    w->rows += nrows;
out:
    if (rc)
        w->failed = true;
    return rc;
}

/* ---- finish ---- */

/* "a,b" from the names of the role's columns, ',' and '\' escaped with '\'. */
static int names_value(hb_pq_writer *w, hb_pq_role role, hb_buf *b)
{
    int rc = HB_OK, first = 1;
    for (size_t i = 0; i < w->ncols && !rc; i++) {
        if (w->cols[i].role != role)
            continue;
        if (!first)
            rc = hb_buf_putc(b, ',');
        first = 0;
        for (const char *p = w->cols[i].name; *p && !rc; p++) {
            if (*p == ',' || *p == '\\')
                rc = hb_buf_putc(b, '\\');
            if (!rc)
                rc = hb_buf_putc(b, *p);
        }
    }
    return rc ? rc : hb_buf_append(b, "", 0);
}

static void schema_element(const hb_pqw_col *c, hb_pq_schema_element *e)
{
    memset(e, 0, sizeof *e);
    e->name = c->path[0];   /* the name on disk (see rename_shadowed_fields) */
    e->has_type = true;
    e->type = c->ptype;
    e->has_repetition_type = true;
    e->repetition_type = c->optional ? HB_PQ_OPTIONAL : HB_PQ_REQUIRED;
    if (c->role == HB_PQ_TIME) {
        e->logical_type = (hb_pq_logical_type){ .kind = HB_PQ_LT_TIMESTAMP, .is_adjusted_to_utc = true,
                                                .unit = HB_PQ_NANOS };
        return;
    }
    switch (c->type) {
    case HB_FT_STRING:
        e->logical_type.kind = HB_PQ_LT_STRING;
        e->has_converted_type = true;
        e->converted_type = HB_PQ_CT_UTF8;
        break;
    case HB_FT_INTEGER:
    case HB_FT_UNSIGNED: {
        bool sgn = c->type == HB_FT_INTEGER;
        e->logical_type = (hb_pq_logical_type){ .kind = HB_PQ_LT_INTEGER, .bit_width = 64, .is_signed = sgn };
        e->has_converted_type = true;
        e->converted_type = sgn ? HB_PQ_CT_INT_64 : HB_PQ_CT_UINT_64;
        break;
    }
    default:
        break;
    }
}

static int write_footer(hb_pq_writer *w, hb_err *err)
{
    hb_pq_schema_element *schema = calloc(w->ncols + 1, sizeof *schema);
    int32_t *orders = calloc(w->ncols, sizeof *orders);
    hb_buf tags, fields, foot;
    hb_buf_init(&tags, 0);
    hb_buf_init(&fields, 0);
    hb_buf_init(&foot, 0);
    int rc;
    if (!schema || !orders || names_value(w, HB_PQ_TAG, &tags) ||
        (w->renamed_fields && names_value(w, HB_PQ_FIELD, &fields))) {
        rc = hb_err_set(err, HB_ENOMEM, "parquet writer %s: out of memory", w->key);
        goto out;
    }
    schema[0].name = "schema";
    schema[0].has_num_children = true;
    schema[0].num_children = (int32_t)w->ncols;
    for (size_t i = 0; i < w->ncols; i++) {
        schema_element(&w->cols[i], &schema[i + 1]);
        orders[i] = HB_PQ_ORDER_TYPE_DEFINED;
    }
    hb_pq_key_value kv[5];
    size_t nkv = 0;
    if (w->opts.measurement)
        kv[nkv++] = (hb_pq_key_value){ "hyperbytedb.measurement", w->opts.measurement };
    kv[nkv++] = (hb_pq_key_value){ "hyperbytedb.tags", hb_buf_cstr(&tags) };
    if (w->renamed_fields)
        kv[nkv++] = (hb_pq_key_value){ "hyperbytedb.fields", hb_buf_cstr(&fields) };
    kv[nkv++] = (hb_pq_key_value){ "hyperbytedb.sort", "series,time" };
    kv[nkv++] = (hb_pq_key_value){ "hyperbytedb.format", "1" };
    hb_pq_file_meta m = {
        .version = 1,
        .schema = schema,
        .n_schema = w->ncols + 1,
        .num_rows = (int64_t)w->rows,
        .row_groups = w->rgs,
        .n_row_groups = w->nrgs,
        .key_value_metadata = kv,
        .n_key_value_metadata = nkv,
        .created_by = w->opts.created_by,
        .column_orders = orders,
        .n_column_orders = w->ncols,
    };
    if ((rc = hb_pq_file_meta_encode(&foot, &m, err)))
        goto out;
    if (foot.len > UINT32_MAX) {
        rc = hb_err_set(err, HB_ELIMIT, "parquet writer %s: footer of %zu bytes is too large", w->key, foot.len);
        goto out;
    }
    if ((rc = hb_buf_put_u32le(&foot, (uint32_t)foot.len)) || (rc = hb_buf_append(&foot, "PAR1", 4))) {
        rc = hb_err_set(err, rc, "parquet writer %s: footer: %s", w->key, hb_strerror(rc));
        goto out;
    }
    rc = hb_pqw_out(w, foot.data, foot.len, err);
out:
    free(schema);
    free(orders);
    hb_buf_free(&tags);
    hb_buf_free(&fields);
    hb_buf_free(&foot);
    return rc;
}

int hb_pq_writer_finish(hb_pq_writer *w, hb_pq_file_info *info, hb_err *err)
{
    int rc;
    if (w->failed) {
        rc = hb_err_set(err, HB_EINVAL, "parquet writer %s: an earlier error stopped this writer", w->key);
        goto out;
    }
    if (w->rg_rows && (rc = write_row_group(w, err)))
        goto out;
    if ((rc = write_footer(w, err)) || (rc = hb_pqw_out_flush(w, err)))
        goto out;
    rc = w->st->writer_commit(w->sw, err);
    w->sw = NULL;   /* commit frees it, also on failure */
    if (rc)
        goto out;
    if (info) {
        info->rows = w->rows;
        info->bytes = w->pos;
        info->min_time = w->rows ? w->min_time : 0;
        info->max_time = w->rows ? w->max_time : 0;
        info->row_groups = (uint32_t)w->nrgs;
    }
out:
    hb_pq_writer_abort(w);
    return rc;
}
