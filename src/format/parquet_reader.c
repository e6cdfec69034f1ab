/* Parquet reader: footer, schema mapping, statistics and the footer cache.
 * Column chunk decoding is in parquet_reader_decode.c, codecs in
 * parquet_reader_codec.c.
 *
 * File layout (parquet-format README):
 *   "PAR1" | column chunks (pages) ... | FileMetaData (Thrift compact) |
 *   u32 LE footer length | "PAR1"
 * Checks at open: size >= 12, magic at both ends ("PARE", an encrypted
 * footer, is HB_EUNSUPP), 0 < footer length <= size - 12 (and <=
 * HB_PQ_MAX_FOOTER), FileMetaData decodes, schema = root whose num_children
 * equals the leaf count followed by leaves with a physical type, row groups
 * have one chunk per leaf with ColumnMetaData of the leaf's type, rows per
 * row group within 0..HB_PQ_MAX_RG_ROWS adding up to num_rows, and every
 * chunk [start, start + total_compressed_size) inside [4, footer start),
 * start being dictionary_page_offset when set (> 0) and below
 * data_page_offset, else data_page_offset. */
#include "format/parquet_reader_internal.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int corrupt(const char *key, hb_err *err, uint64_t off, const char *what)
{
    return hb_err_set(err, HB_ECORRUPT, "parquet file %s: %s (at byte %" PRIu64 ")", key, what, off);
}

/* ---- column mapping ---- */

static int is_ts(const hb_pq_schema_element *el, int64_t *mul)
{
    const hb_pq_logical_type *lt = &el->logical_type;
    if (lt->kind == HB_PQ_LT_TIMESTAMP) {
        *mul = lt->unit == HB_PQ_MILLIS ? 1000000 : lt->unit == HB_PQ_MICROS ? 1000 : 1;
        return 1;
    }
    if (lt->kind == HB_PQ_LT_NONE && el->has_converted_type) {
        if (el->converted_type == HB_PQ_CT_TIMESTAMP_MILLIS) {
            *mul = 1000000;
            return 1;
        }
        if (el->converted_type == HB_PQ_CT_TIMESTAMP_MICROS) {
            *mul = 1000;
            return 1;
        }
    }
    return 0;
}

static int is_unsigned(const hb_pq_schema_element *el)
{
    const hb_pq_logical_type *lt = &el->logical_type;
    if (lt->kind == HB_PQ_LT_INTEGER)
        return !lt->is_signed;
    if (lt->kind == HB_PQ_LT_NONE && el->has_converted_type)
        return el->converted_type >= HB_PQ_CT_UINT_8 && el->converted_type <= HB_PQ_CT_UINT_64;
    return 0;
}

static int map_col(hb_pq_reader *r, size_t i, hb_err *err)
{
    const hb_pq_schema_element *el = &r->meta.schema[i + 1];
    hb_pq_coldef *c = &r->cols[i];
    hb_pq_colinfo *inf = &r->info[i];
    c->name = el->name;
    c->role = HB_PQ_FIELD;
    inf->el = el;
    inf->phys = el->type;
    inf->ts_mul = 1;
    int rep = el->has_repetition_type ? el->repetition_type : HB_PQ_REQUIRED;
    if (rep == HB_PQ_OPTIONAL)
        inf->max_def = 1;
    else if (rep != HB_PQ_REQUIRED)
        return hb_err_set(err, HB_EUNSUPP, "parquet file %s: column '%s' is repeated (nested data is not supported)",
                          r->key, el->name);
    int lk = el->logical_type.kind;
    if (lk == HB_PQ_LT_DECIMAL || (lk == HB_PQ_LT_NONE && el->has_converted_type &&
                                   el->converted_type == HB_PQ_CT_DECIMAL))
        goto unsupp;
    switch (el->type) {
    case HB_PQ_BOOLEAN:
        c->type = HB_FT_BOOLEAN;
        return 0;
    case HB_PQ_INT32:
        inf->is_unsigned = is_unsigned(el);
        c->type = inf->is_unsigned ? HB_FT_UNSIGNED : HB_FT_INTEGER;
        return 0;
    case HB_PQ_INT64: {
        int64_t mul;
        if (is_ts(el, &mul)) {
            inf->ts_mul = mul;
            c->type = HB_FT_INTEGER;
            if (r->time_col < 0) {
                r->time_col = (int)i;
                c->role = HB_PQ_TIME;
            }
            return 0;
        }
        inf->is_unsigned = is_unsigned(el);
        c->type = inf->is_unsigned ? HB_FT_UNSIGNED : HB_FT_INTEGER;
        return 0;
    }
    case HB_PQ_FLOAT:
    case HB_PQ_DOUBLE:
        c->type = HB_FT_FLOAT;
        return 0;
    case HB_PQ_BYTE_ARRAY:
        c->type = HB_FT_STRING;
        return 0;
    default:
        break;
    }
unsupp:
    return hb_err_set(err, HB_EUNSUPP, "parquet file %s: column '%s' has an unsupported type (physical %d, logical %d)",
                      r->key, el->name, (int)el->type, lk);
}

/* Split a "hyperbytedb.tags"/"hyperbytedb.fields" list (names joined by
 * ',', with ',' and '\' escaped by '\') into NUL-terminated names in the
 * reader's arena; *out[i] are the names, *n their count. */
static int split_names(hb_pq_reader *r, const char *list, char ***out, size_t *n, hb_err *err)
{
    size_t len = strlen(list), cap = 1, k = 0, cnt = 0;
    for (size_t i = 0; i < len; i++)
        cap += list[i] == ',';
    char *buf = hb_arena_alloc(&r->arena, len + 1);
    char **names = hb_arena_alloc(&r->arena, cap * sizeof *names);
    if (!buf || !names)
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    char *name = buf;
    for (size_t i = 0; i <= len; i++) {
        char ch = list[i];
        if (ch == '\\' && i + 1 < len) {
            name[k++] = list[++i];
            continue;
        }
        if (ch != ',' && ch != '\0') {
            name[k++] = ch;
            continue;
        }
        name[k] = '\0';
        names[cnt++] = name;
        name += k + 1;
        k = 0;
    }
    *out = names;
    *n = cnt;
    return HB_OK;
}

/* Mark the BYTE_ARRAY columns named in the tags list as TAG. */
static int mark_tags(hb_pq_reader *r, const char *list, hb_err *err)
{
    char **names;
    size_t n;
    int rc = split_names(r, list, &names, &n, err);
    for (size_t i = 0; !rc && i < n; i++) {
        int c = hb_pq_reader_find_col(r, names[i]);
        if (c >= 0 && r->info[c].phys == HB_PQ_BYTE_ARRAY && r->cols[c].role == HB_PQ_FIELD)
            r->cols[c].role = HB_PQ_TAG;
    }
    return rc;
}

/* "hyperbytedb.fields" (parquet_writer.h): the real names of the field
 * columns, in column order, when one was renamed on disk. */
static int name_fields(hb_pq_reader *r, const char *list, uint64_t at, hb_err *err)
{
    char **names;
    size_t n, col = 0;
    int rc = split_names(r, list, &names, &n, err);
    for (size_t i = 0; !rc && i < n; i++) {
        while (col < r->ncols && r->cols[col].role != HB_PQ_FIELD)
            col++;
        if (col == r->ncols)
            return corrupt(r->key, err, at, "hyperbytedb.fields names more fields than the file has");
        r->cols[col++].name = names[i];
    }
    while (!rc && col < r->ncols && r->cols[col].role != HB_PQ_FIELD)
        col++;
    if (!rc && col != r->ncols)
        return corrupt(r->key, err, at, "hyperbytedb.fields names fewer fields than the file has");
    return rc;
}

static int check_row_groups(hb_pq_reader *r, uint64_t data_end, hb_err *err)
{
    const hb_pq_file_meta *m = &r->meta;
    char what[256];
    size_t nchunks = m->n_row_groups * r->ncols;
    if (m->n_row_groups && r->ncols > SIZE_MAX / 8 / m->n_row_groups)
        return corrupt(r->key, err, data_end, "too many column chunks");
    r->chunk_off = hb_arena_alloc(&r->arena, nchunks * 8 + 8);
    r->chunk_len = hb_arena_alloc(&r->arena, nchunks * 8 + 8);
    if (!r->chunk_off || !r->chunk_len)
        return hb_err_set(err, HB_ENOMEM, "parquet file %s: out of memory for the footer", r->key);
    uint64_t total = 0;
    for (size_t g = 0; g < m->n_row_groups; g++) {
        const hb_pq_row_group *rg = &m->row_groups[g];
        if (rg->n_columns != r->ncols) {
            snprintf(what, sizeof what, "row group %zu has %zu column chunks, the schema %zu columns", g,
                     rg->n_columns, r->ncols);
            return corrupt(r->key, err, data_end, what);
        }
        if (rg->num_rows < 0 || (uint64_t)rg->num_rows > HB_PQ_MAX_RG_ROWS) {
            snprintf(what, sizeof what, "row group %zu has %" PRId64 " rows (limit %" PRIu64 ")", g, rg->num_rows,
                     HB_PQ_MAX_RG_ROWS);
            return corrupt(r->key, err, data_end, what);
        }
        total += (uint64_t)rg->num_rows;
        for (size_t c = 0; c < r->ncols; c++) {
            const hb_pq_column_chunk *cc = &rg->columns[c];
            const hb_pq_column_meta *cm = cc->meta_data;
            const char *cn = r->cols[c].name;
            if (cc->file_path)
                return hb_err_set(err, HB_EUNSUPP, "parquet file %s: column '%s' row group %zu is in another file (%s)",
                                  r->key, cn, g, cc->file_path);
            if (!cm) {
                snprintf(what, sizeof what, "column '%s' row group %zu has no ColumnMetaData", cn, g);
                return corrupt(r->key, err, data_end, what);
            }
            if (cm->type != r->info[c].phys) {
                snprintf(what, sizeof what, "column '%s' row group %zu has type %d, the schema %d", cn, g,
                         (int)cm->type, (int)r->info[c].phys);
                return corrupt(r->key, err, data_end, what);
            }
            int64_t start = cm->data_page_offset;
            if (cm->has_dictionary_page_offset && cm->dictionary_page_offset > 0 &&
                cm->dictionary_page_offset < start)
                start = cm->dictionary_page_offset;
            int64_t len = cm->total_compressed_size;
            if (start < 4 || len < 0 || (uint64_t)start > data_end || (uint64_t)len > data_end - (uint64_t)start) {
                snprintf(what, sizeof what,
                         "column '%s' row group %zu: chunk at %" PRId64 " size %" PRId64
                         " outside the data region [4, %" PRIu64 ")",
                         cn, g, start, len, data_end);
                return corrupt(r->key, err, data_end, what);
            }
            r->chunk_off[g * r->ncols + c] = (uint64_t)start;
            r->chunk_len[g * r->ncols + c] = (uint64_t)len;
        }
    }
    if (m->num_rows < 0 || total != (uint64_t)m->num_rows) {
        snprintf(what, sizeof what, "num_rows %" PRId64 " but the row groups hold %" PRIu64, m->num_rows, total);
        return corrupt(r->key, err, data_end, what);
    }
    return 0;
}

int hb_pq_reader_pread(const hb_pq_reader *r, uint64_t off, void *buf, size_t len, hb_err *err)
{
    if (r->obj)
        return r->st->read_object(r->obj, off, buf, len, err);
    return r->st->read(r->st->self, r->key, off, buf, len, err);
}

static void reader_free(hb_pq_reader *r)
{
    if (r->obj)
        r->st->close_object(r->obj);
    pthread_mutex_destroy(&r->aux_mu);
    hb_arena_free(&r->arena);
    free(r);
}

static int open_sized(hb_storage_port *st, const char *key, uint64_t size, hb_pq_reader **out, hb_err *err)
{
    *out = NULL;
    int rc;
    uint8_t *footer = NULL;
    hb_pq_reader *r = calloc(1, sizeof *r);
    if (!r)
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    atomic_init(&r->refs, 1);
    pthread_mutex_init(&r->aux_mu, NULL);
    r->st = st;
    r->size = size;
    r->time_col = -1;
    hb_arena_init(&r->arena, 16 * 1024, 0);
    size_t klen = strlen(key);
    r->key = hb_arena_strndup(&r->arena, key, klen);
    if (!r->key) {
        rc = hb_err_set(err, HB_ENOMEM, "out of memory");
        goto out;
    }
    key = r->key;
    /* the reader keeps the object open for its reads (a local file: no
     * path lookup per column chunk) */
    if (st->open_object && (rc = st->open_object(st->self, key, &r->obj, err)))
        goto out;
    if (size < 12) {
        rc = corrupt(key, err, size, "file too short for a Parquet file");
        goto out;
    }
    uint8_t head[4], tail[8];
    if ((rc = hb_pq_reader_pread(r, 0, head, 4, err)) || (rc = hb_pq_reader_pread(r, size - 8, tail, 8, err)))
        goto out;
    if (memcmp(head, "PAR1", 4)) {
        rc = corrupt(key, err, 0, "bad magic at the start (not a Parquet file)");
        goto out;
    }
    if (!memcmp(tail + 4, "PARE", 4)) {
        rc = hb_err_set(err, HB_EUNSUPP, "parquet file %s: encrypted footers are not supported", key);
        goto out;
    }
    if (memcmp(tail + 4, "PAR1", 4)) {
        rc = corrupt(key, err, size - 4, "bad magic at the end (truncated or not a Parquet file)");
        goto out;
    }
    uint64_t flen = (uint64_t)tail[0] | (uint64_t)tail[1] << 8 | (uint64_t)tail[2] << 16 | (uint64_t)tail[3] << 24;
    if (flen == 0 || flen > size - 12 || flen > HB_PQ_MAX_FOOTER) {
        char what[128];
        snprintf(what, sizeof what, "footer length %" PRIu64 " does not fit the file of %" PRIu64 " bytes", flen, size);
        rc = corrupt(key, err, size - 8, what);
        goto out;
    }
    uint64_t fstart = size - 8 - flen;
    footer = malloc(flen);
    if (!footer) {
        rc = hb_err_set(err, HB_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = hb_pq_reader_pread(r, fstart, footer, flen, err)))
        goto out;
    /* decoded metadata is bounded by a multiple of its encoding */
    r->arena.max = r->arena.total + 64 * flen + (1u << 20);
    if ((rc = hb_pq_file_meta_decode(footer, flen, fstart, &r->arena, &r->meta, err))) {
        if (rc == HB_ECORRUPT || rc == HB_ELIMIT) {
            char inner[sizeof err->msg];
            memcpy(inner, err->msg, sizeof inner);
            rc = hb_err_set(err, HB_ECORRUPT, "parquet file %s: bad footer: %s", key, inner);
        }
        goto out;
    }
    r->arena.max = 0;
    const hb_pq_file_meta *m = &r->meta;
    if (m->n_schema < 1 || !m->schema[0].has_num_children || m->schema[0].num_children < 0 ||
        (size_t)m->schema[0].num_children != m->n_schema - 1) {
        for (size_t i = 1; i < m->n_schema; i++)
            if (m->schema[i].has_num_children && m->schema[i].num_children > 0) {
                rc = hb_err_set(err, HB_EUNSUPP, "parquet file %s: column '%s' is nested (not supported)", key,
                                m->schema[i].name);
                goto out;
            }
        rc = corrupt(key, err, fstart, "schema root does not list its columns");
        goto out;
    }
    r->ncols = m->n_schema - 1;
    r->cols = hb_arena_calloc(&r->arena, r->ncols * sizeof *r->cols + 1);
    r->info = hb_arena_calloc(&r->arena, r->ncols * sizeof *r->info + 1);
    if (!r->cols || !r->info) {
        rc = hb_err_set(err, HB_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < r->ncols; i++) {
        const hb_pq_schema_element *el = &m->schema[i + 1];
        if (el->has_num_children && el->num_children > 0) {
            rc = hb_err_set(err, HB_EUNSUPP, "parquet file %s: column '%s' is nested (not supported)", key, el->name);
            goto out;
        }
        if (!el->has_type) {
            char what[128];
            snprintf(what, sizeof what, "column '%.60s' has no type", el->name);
            rc = corrupt(key, err, fstart, what);
            goto out;
        }
        if ((rc = map_col(r, i, err)))
            goto out;
    }
    const char *tags = hb_pq_reader_kv(r, HB_PQ_TAGS_KEY);
    if (tags && (rc = mark_tags(r, tags, err)))
        goto out;
    const char *fields = hb_pq_reader_kv(r, HB_PQ_FIELDS_KEY);
    if (fields && (rc = name_fields(r, fields, fstart, err)))
        goto out;
    if ((rc = check_row_groups(r, fstart, err)))
        goto out;
    *out = r;
    r = NULL;
    rc = 0;
out:
    free(footer);
    if (r)
        reader_free(r);
    return rc;
}

int hb_pq_reader_open(hb_storage_port *st, const char *key, hb_pq_reader **out, hb_err *err)
{
    uint64_t size;
    *out = NULL;
    int rc = st->size(st->self, key, &size, err);
    if (rc)
        return rc;
    return open_sized(st, key, size, out, err);
}

void hb_pq_reader_close(hb_pq_reader *r)
{
    if (!r || atomic_fetch_sub(&r->refs, 1) != 1)
        return;
    if (r->aux && r->aux_free)
        r->aux_free(r->aux);
    reader_free(r);
}

int hb_pq_reader_aux(hb_pq_reader *r, hb_pq_aux_build_fn build, void *ctx, void (*free_fn)(void *), void **out,
                     hb_err *err)
{
    int rc = HB_OK;
    pthread_mutex_lock(&r->aux_mu);
    if (!r->aux) {
        void *p = NULL;
        if ((rc = build(r, ctx, &p, err)) == HB_OK) {
            r->aux = p;
            r->aux_free = free_fn;
        }
    }
    *out = r->aux;
    pthread_mutex_unlock(&r->aux_mu);
    return rc;
}

const char *hb_pq_reader_key(const hb_pq_reader *r) { return r->key; }
uint64_t hb_pq_reader_file_size(const hb_pq_reader *r) { return r->size; }
const hb_pq_file_meta *hb_pq_reader_meta(const hb_pq_reader *r) { return &r->meta; }
size_t hb_pq_reader_ncols(const hb_pq_reader *r) { return r->ncols; }
int hb_pq_reader_time_col(const hb_pq_reader *r) { return r->time_col; }
uint64_t hb_pq_reader_rows(const hb_pq_reader *r) { return (uint64_t)r->meta.num_rows; }
size_t hb_pq_reader_row_groups(const hb_pq_reader *r) { return r->meta.n_row_groups; }

const hb_pq_coldef *hb_pq_reader_col(const hb_pq_reader *r, size_t i)
{
    return i < r->ncols ? &r->cols[i] : NULL;
}

int hb_pq_reader_find_col(const hb_pq_reader *r, const char *name)
{
    for (size_t i = 0; i < r->ncols && i < INT32_MAX; i++)
        if (!strcmp(r->cols[i].name, name))
            return (int)i;
    return -1;
}

int hb_pq_reader_find_col_role(const hb_pq_reader *r, const char *name, hb_pq_role role)
{
    for (size_t i = 0; i < r->ncols && i < INT32_MAX; i++)
        if (r->cols[i].role == role && !strcmp(r->cols[i].name, name))
            return (int)i;
    return -1;
}

const char *hb_pq_reader_kv(const hb_pq_reader *r, const char *key)
{
    for (size_t i = 0; i < r->meta.n_key_value_metadata; i++)
        if (!strcmp(r->meta.key_value_metadata[i].key, key))
            return r->meta.key_value_metadata[i].value;
    return NULL;
}

uint64_t hb_pq_reader_rg_rows(const hb_pq_reader *r, size_t rg)
{
    return rg < r->meta.n_row_groups ? (uint64_t)r->meta.row_groups[rg].num_rows : 0;
}

/* ---- statistics ---- */

static int64_t scale_sat(int64_t v, int64_t mul)
{
    int64_t o;
    if (__builtin_mul_overflow(v, mul, &o))
        return v < 0 ? INT64_MIN : INT64_MAX;
    return o;
}

/* Decode one PLAIN statistics value of column info into *v; 0 if unusable. */
static int stat_val(const hb_pq_colinfo *inf, const hb_pq_bin *b, int64_t *i, double *d)
{
    const uint8_t *p = b->data;
    switch (inf->phys) {
    case HB_PQ_BOOLEAN:
        if (b->len < 1)
            return 0;
        *i = p[0] != 0;
        return 1;
    case HB_PQ_INT32: {
        if (b->len != 4)
            return 0;
        uint32_t u;
        memcpy(&u, p, 4);
        *i = inf->is_unsigned ? (int64_t)u : (int64_t)(int32_t)u;
        return 1;
    }
    case HB_PQ_INT64:
        if (b->len != 8)
            return 0;
        memcpy(i, p, 8);
        if (inf->ts_mul != 1)
            *i = scale_sat(*i, inf->ts_mul);
        return 1;
    case HB_PQ_FLOAT: {
        if (b->len != 4)
            return 0;
        float f;
        memcpy(&f, p, 4);
        *d = f;
        return *d == *d;
    }
    case HB_PQ_DOUBLE:
        if (b->len != 8)
            return 0;
        memcpy(d, p, 8);
        return *d == *d;
    default:
        return 0;
    }
}

int hb_pq_reader_stats(const hb_pq_reader *r, size_t rg, size_t col, hb_pq_colstats *out)
{
    memset(out, 0, sizeof *out);
    if (rg >= r->meta.n_row_groups || col >= r->ncols)
        return HB_EINVAL;
    const hb_pq_column_meta *cm = r->meta.row_groups[rg].columns[col].meta_data;
    const hb_pq_statistics *s = cm ? cm->statistics : NULL;
    if (!s)
        return 0;
    if (s->has_null_count && s->null_count >= 0) {
        out->has_null_count = 1;
        out->null_count = (uint64_t)s->null_count;
    }
    const hb_pq_colinfo *inf = &r->info[col];
    hb_pq_bin mn = s->min_value, mx = s->max_value;
    if (!mn.data || !mx.data) {
        /* deprecated min/max are signed-order: usable for signed types only */
        int signed_ok = inf->phys == HB_PQ_BOOLEAN || inf->phys == HB_PQ_FLOAT || inf->phys == HB_PQ_DOUBLE ||
                        ((inf->phys == HB_PQ_INT32 || inf->phys == HB_PQ_INT64) && !inf->is_unsigned);
        if (!signed_ok || !s->min.data || !s->max.data)
            return 0;
        mn = s->min;
        mx = s->max;
    }
    if (col < r->meta.n_column_orders && r->meta.column_orders[col] != HB_PQ_ORDER_TYPE_DEFINED &&
        r->meta.column_orders[col] != HB_PQ_ORDER_IEEE754_TOTAL)
        return 0;
    if (inf->phys == HB_PQ_BYTE_ARRAY) {
        out->smin = (hb_slice){(const char *)mn.data, mn.len};
        out->smax = (hb_slice){(const char *)mx.data, mx.len};
        out->has_minmax = 1;
        return 0;
    }
    int64_t a = 0, b = 0;
    double da = 0, db = 0;
    if (!stat_val(inf, &mn, &a, &da) || !stat_val(inf, &mx, &b, &db))
        return 0;
    switch (r->cols[col].type) {
    case HB_FT_FLOAT:
        out->min.d = da;
        out->max.d = db;
        break;
    case HB_FT_UNSIGNED:
        out->min.u = (uint64_t)a;
        out->max.u = (uint64_t)b;
        break;
    case HB_FT_BOOLEAN:
        out->min.b = (int)a;
        out->max.b = (int)b;
        break;
    default:
        out->min.i = a;
        out->max.i = b;
        break;
    }
    out->has_minmax = 1;
    return 0;
}

int hb_pq_reader_rg_time_range(const hb_pq_reader *r, size_t rg, int64_t *min, int64_t *max)
{
    hb_pq_colstats s;
    if (r->time_col < 0 || hb_pq_reader_stats(r, rg, (size_t)r->time_col, &s) || !s.has_minmax)
        return HB_ENOTFOUND;
    *min = s.min.i;
    *max = s.max.i;
    return 0;
}

/* ---- footer cache ----
 * A doubly linked list in LRU order (head = most recent) under one mutex;
 * lookups are linear: the cache is small (tens to a few thousand entries)
 * next to the I/O it saves. Each entry holds one reference to its reader. */
typedef struct fc_entry {
    struct fc_entry *prev, *next;
    hb_storage_port *st;
    char *key;
    uint64_t size;
    hb_pq_reader *r;
} fc_entry;

struct hb_pq_footer_cache {
    pthread_mutex_t mu;
    fc_entry *head, *tail;
    size_t n, max;
    uint64_t hits, misses;
};

hb_pq_footer_cache *hb_pq_footer_cache_new(size_t max_entries)
{
    hb_pq_footer_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    pthread_mutex_init(&c->mu, NULL);
    c->max = max_entries ? max_entries : 1;
    return c;
}

static void fc_unlink(hb_pq_footer_cache *c, fc_entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        c->head = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        c->tail = e->prev;
    e->prev = e->next = NULL;
    c->n--;
}

static void fc_push_front(hb_pq_footer_cache *c, fc_entry *e)
{
    e->prev = NULL;
    e->next = c->head;
    if (c->head)
        c->head->prev = e;
    c->head = e;
    if (!c->tail)
        c->tail = e;
    c->n++;
}

static void fc_drop(fc_entry *e)
{
    hb_pq_reader_close(e->r);
    free(e->key);
    free(e);
}

static fc_entry *fc_find(hb_pq_footer_cache *c, hb_storage_port *st, const char *key)
{
    for (fc_entry *e = c->head; e; e = e->next)
        if (e->st == st && !strcmp(e->key, key))
            return e;
    return NULL;
}

void hb_pq_footer_cache_free(hb_pq_footer_cache *c)
{
    if (!c)
        return;
    fc_entry *e = c->head;
    while (e) {
        fc_entry *next = e->next;
        fc_drop(e);
        e = next;
    }
    pthread_mutex_destroy(&c->mu);
    free(c);
}

int hb_pq_footer_cache_open(hb_pq_footer_cache *c, hb_storage_port *st, const char *key, hb_pq_reader **out,
                            hb_err *err)
{
    uint64_t size;
    *out = NULL;
    int rc = st->size(st->self, key, &size, err);
    if (rc)
        return rc;
    fc_entry *stale = NULL;
    pthread_mutex_lock(&c->mu);
    fc_entry *e = fc_find(c, st, key);
    if (e && e->size == size) {
        fc_unlink(c, e);
        fc_push_front(c, e);
        atomic_fetch_add(&e->r->refs, 1);
        *out = e->r;
        c->hits++;
        pthread_mutex_unlock(&c->mu);
        return 0;
    }
    if (e) {   /* replaced object: forget the old footer */
        fc_unlink(c, e);
        stale = e;
    }
    c->misses++;
    pthread_mutex_unlock(&c->mu);
    if (stale)
        fc_drop(stale);

    hb_pq_reader *r;
    if ((rc = open_sized(st, key, size, &r, err)))
        return rc;
    fc_entry *ne = calloc(1, sizeof *ne);
    char *kc = strdup(key);
    if (!ne || !kc) {   /* still usable, just not cached */
        free(ne);
        free(kc);
        *out = r;
        return 0;
    }
    ne->st = st;
    ne->key = kc;
    ne->size = size;
    ne->r = r;
    atomic_fetch_add(&r->refs, 1);   /* the cache's reference */
    fc_entry *evict = NULL, *dup = NULL;
    pthread_mutex_lock(&c->mu);
    if ((dup = fc_find(c, st, key)))   /* raced with another opener: keep the newest */
        fc_unlink(c, dup);
    fc_push_front(c, ne);
    while (c->n > c->max) {
        fc_entry *t = c->tail;
        fc_unlink(c, t);
        t->next = evict;
        evict = t;
    }
    pthread_mutex_unlock(&c->mu);
    if (dup)
        fc_drop(dup);
    while (evict) {
        fc_entry *next = evict->next;
        fc_drop(evict);
        evict = next;
    }
    *out = r;
    return 0;
}

void hb_pq_footer_cache_release(hb_pq_footer_cache *c, hb_pq_reader *r)
{
    (void)c;
    hb_pq_reader_close(r);
}

void hb_pq_footer_cache_forget(hb_pq_footer_cache *c, hb_storage_port *st, const char *key)
{
    pthread_mutex_lock(&c->mu);
    fc_entry *e = fc_find(c, st, key);
    if (e)
        fc_unlink(c, e);
    pthread_mutex_unlock(&c->mu);
    if (e)
        fc_drop(e);
}

void hb_pq_footer_cache_stats(hb_pq_footer_cache *c, uint64_t *hits, uint64_t *misses, size_t *entries)
{
    pthread_mutex_lock(&c->mu);
    if (hits)
        *hits = c->hits;
    if (misses)
        *misses = c->misses;
    if (entries)
        *entries = c->n;
    pthread_mutex_unlock(&c->mu);
}
