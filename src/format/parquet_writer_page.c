/* Column chunks and pages of the Parquet writer: turns one column's buffered
 * row group into [dictionary page] data page+ and its ColumnMetaData. The
 * byte layout is documented at the top of parquet_writer.c. */
#include "format/parquet_writer_int.h"

#include <stdlib.h>
#include <string.h>
#include <zstd.h>

enum { KIND_NATIVE, KIND_DICT, KIND_PLAIN_BYTES };

/* What one chunk accumulates while its pages are written. */
typedef struct chunk_acc {
    int64_t unc, comp;        /* header + body sizes */
    int64_t dict_off, data_off;
    bool has_dict, has_data;
    uint32_t enc_mask;        /* bit e set: encoding e used */
} chunk_acc;

static int fail(hb_pq_writer *w, hb_err *err, int rc, const char *col, const char *what)
{
    return hb_err_set(err, rc, "parquet writer %s: column \"%s\": %s: %s", w->key, col, what, hb_strerror(rc));
}

/* Compress w->body (per opts.codec), write header + body, account sizes. */
static int emit_page(hb_pq_writer *w, hb_pqw_col *c, hb_pq_page_header *ph, chunk_acc *ch, hb_err *err)
{
    const void *body = w->body.data ? w->body.data : "";
    size_t blen = w->body.len;
    int rc;
    if (blen > INT32_MAX)
        return hb_err_set(err, HB_ELIMIT, "parquet writer %s: column \"%s\": page of %zu bytes is above 2^31-1",
                          w->key, c->name, blen);
    if (w->opts.codec == HB_PQ_CODEC_ZSTD) {
        size_t bound = ZSTD_compressBound(blen);
        hb_buf_reset(&w->zbody);
        if ((rc = hb_buf_reserve(&w->zbody, bound)))
            return fail(w, err, rc, c->name, "compression buffer");
        size_t z = ZSTD_compressCCtx(w->zctx, w->zbody.data, bound, body, blen, w->opts.zstd_level);
        if (ZSTD_isError(z))
            return hb_err_set(err, HB_EIO, "parquet writer %s: column \"%s\": zstd: %s", w->key, c->name,
                              ZSTD_getErrorName(z));
        if (z > INT32_MAX)
            return hb_err_set(err, HB_ELIMIT, "parquet writer %s: column \"%s\": compressed page too large", w->key,
                              c->name);
        w->zbody.len = z;
        body = w->zbody.data;
        ph->compressed_page_size = (int32_t)z;
    } else {
        ph->compressed_page_size = (int32_t)blen;
    }
    ph->uncompressed_page_size = (int32_t)blen;
    hb_buf_reset(&w->hdr);
    if ((rc = hb_pq_page_header_encode(&w->hdr, ph, err)))
        return rc;
    if ((rc = hb_pqw_out(w, w->hdr.data, w->hdr.len, err)) ||
        (rc = hb_pqw_out(w, body, (size_t)ph->compressed_page_size, err)))
        return rc;
    ch->unc += (int64_t)(w->hdr.len + blen);
    ch->comp += (int64_t)(w->hdr.len + (size_t)ph->compressed_page_size);
    w->page_no++;
    return HB_OK;
}

/* Fold the distinct dictionary entries of idx[0..n) into s. */
static int stats_dict(hb_pqw_col *c, hb_pq_stats *s, const uint32_t *idx, size_t n, uint32_t stamp)
{
    uint64_t vc = s->value_count;
    uint32_t prev = UINT32_MAX;
    for (size_t i = 0; i < n; i++) {
        uint32_t e = idx[i];
        if (e == prev || c->seen[e] == stamp)
            continue;
        prev = e;
        c->seen[e] = stamp;
        hb_slice v = hb_pq_dict_bytes_get(&c->dict, e);
        if (hb_pq_stats_bytes(s, &v, 1))
            return HB_ENOMEM;
    }
    s->value_count = vc + n;
    return HB_OK;
}

/* Fold n PLAIN BYTE_ARRAY values starting at p into s. */
static int stats_plain(hb_pq_stats *s, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t l;
        memcpy(&l, p, 4);
        hb_slice v = { p + 4, l };
        if (hb_pq_stats_bytes(s, &v, 1))
            return HB_ENOMEM;
        p += 4 + (size_t)l;
    }
    return HB_OK;
}

/* Statistics struct for a header from s; tmp/tmp2 back fixed-width bounds. */
static hb_pq_statistics to_statistics(const hb_pq_stats *s, uint8_t tmp[8], uint8_t tmp2[8])
{
    hb_pq_statistics r;
    memset(&r, 0, sizeof r);
    r.has_null_count = true;
    r.null_count = (int64_t)s->null_count;
    const void *p;
    size_t n;
    if (hb_pq_stats_min_bytes(s, tmp, &p, &n) == HB_OK)
        r.min_value = (hb_pq_bin){ p, n };
    if (hb_pq_stats_max_bytes(s, tmp2, &p, &n) == HB_OK)
        r.max_value = (hb_pq_bin){ p, n };
    return r;
}

/* One data page: rows [r0, r1), non-null values [v0, v1); for
 * KIND_PLAIN_BYTES the values are plain.data[b0, b1). */
static int data_page(hb_pq_writer *w, hb_pqw_col *c, chunk_acc *ch, size_t r0, size_t r1, size_t v0, size_t v1,
                     int kind, size_t b0, size_t b1, hb_err *err)
{
    size_t nv = v1 - v0, nrows = r1 - r0;
    hb_pq_stats *ps = &c->pstats;
    int rc = HB_OK;
    int32_t enc = HB_PQ_ENC_PLAIN;
    hb_buf_reset(&w->body);
    hb_pq_stats_reset(ps);
    hb_pq_stats_nulls(ps, nrows - nv);
    if (c->optional && (rc = hb_pq_rle_encode_u8(&w->body, c->def + r0, nrows, 1, 1, err)))
        return rc;
    if (kind == KIND_DICT) {
        const uint32_t *idx = (const uint32_t *)c->vals + v0;
        enc = HB_PQ_ENC_RLE_DICTIONARY;
        if ((rc = hb_pq_dict_idx_encode(&w->body, idx, nv, (uint32_t)c->dict.count, err)))
            return rc;
        if (stats_dict(c, ps, idx, nv, w->page_no + 1))
            return fail(w, err, HB_ENOMEM, c->name, "statistics");
    } else if (kind == KIND_PLAIN_BYTES) {
        if ((rc = hb_buf_append(&w->body, c->plain.data + b0, b1 - b0)))
            return fail(w, err, rc, c->name, "page");
        if (stats_plain(ps, c->plain.data + b0, nv))
            return fail(w, err, HB_ENOMEM, c->name, "statistics");
    } else {
        switch (c->ptype) {
        case HB_PQ_INT64: {
            const int64_t *v = (const int64_t *)c->vals + v0;
            enc = HB_PQ_ENC_DELTA_BINARY_PACKED;
            rc = hb_pq_delta_encode_i64(&w->body, v, nv, err);
            hb_pq_stats_i64(ps, v, nv);
            break;
        }
        case HB_PQ_DOUBLE: {
            const double *v = (const double *)c->vals + v0;
            rc = hb_pq_plain_put_double(&w->body, v, nv, err);
            hb_pq_stats_f64(ps, v, nv);
            break;
        }
        case HB_PQ_BOOLEAN: {
            const uint8_t *v = (const uint8_t *)c->vals + v0;
            rc = hb_pq_plain_put_bool(&w->body, v, nv, err);
            hb_pq_stats_bool(ps, v, nv);
            break;
        }
        default:   /* a string column without values (all null) */
            break;
        }
        if (rc)
            return rc;
    }
    if (hb_pq_stats_merge(&c->cstats, ps))
        return fail(w, err, HB_ENOMEM, c->name, "statistics");

    uint8_t t1[8], t2[8];
    hb_pq_statistics stats = to_statistics(ps, t1, t2);
    hb_pq_data_page_header dph = {
        .num_values = (int32_t)nrows,
        .encoding = enc,
        .definition_level_encoding = HB_PQ_ENC_RLE,
        .repetition_level_encoding = HB_PQ_ENC_RLE,
        .statistics = w->opts.page_stats ? &stats : NULL,
    };
    hb_pq_page_header ph = { .type = HB_PQ_DATA_PAGE, .data_page_header = &dph };
    if (!ch->has_data) {
        ch->has_data = true;
        ch->data_off = (int64_t)w->pos;
    }
    ch->enc_mask |= 1u << enc;
    if (c->optional)
        ch->enc_mask |= 1u << HB_PQ_ENC_RLE;
    return emit_page(w, c, &ph, ch, err);
}

static int dict_page(hb_pq_writer *w, hb_pqw_col *c, chunk_acc *ch, hb_err *err)
{
    int rc;
    hb_buf_reset(&w->body);
    if ((rc = hb_buf_append(&w->body, c->dict.page.data, c->dict.page.len)))
        return fail(w, err, rc, c->name, "dictionary page");
    hb_pq_dictionary_page_header dh = { .num_values = (int32_t)c->dict.count, .encoding = HB_PQ_ENC_PLAIN };
    hb_pq_page_header ph = { .type = HB_PQ_DICTIONARY_PAGE, .dictionary_page_header = &dh };
    ch->has_dict = true;
    ch->dict_off = (int64_t)w->pos;
    ch->enc_mask |= 1u << HB_PQ_ENC_PLAIN;
    /* stamps of this chunk's pages start above any stamp left in seen[] */
    if (c->seen_cap < c->dict.count) {
        size_t ncap = c->dict.count * 2;
        uint32_t *ns = realloc(c->seen, ncap * sizeof *ns);
        if (!ns)
            return fail(w, err, HB_ENOMEM, c->name, "statistics");
        c->seen = ns;
        c->seen_cap = ncap;
    }
    memset(c->seen, 0, c->dict.count * sizeof *c->seen);
    return emit_page(w, c, &ph, ch, err);
}

static inline size_t count_ones(const uint8_t *d, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += d[i];
    return k;
}

static int string_pages(hb_pq_writer *w, hb_pqw_col *c, chunk_acc *ch, size_t rows, hb_err *err)
{
    size_t dv = c->fallback ? c->dict_vals : c->nvals;
    size_t r0 = 0, v0 = 0, b0 = 0, v = 0, b = 0, est = 0;
    int kind = -1;   /* kind of the current page's values; -1 none yet */
    int rc;
    for (size_t r = 0; r < rows; r++) {
        if (r - r0 >= w->opts.page_rows) {
            /* a page of nulls only: dictionary-encoded (no indices) while
             * the chunk's dictionary values continue after it */
            int pk = kind >= 0 ? kind : v < dv ? KIND_DICT : KIND_NATIVE;
            if ((rc = data_page(w, c, ch, r0, r, v0, v, pk, b0, b, err)))
                return rc;
            r0 = r;
            v0 = v;
            b0 = b;
            est = 0;
            kind = -1;
        }
        if (!c->def[r])
            continue;
        int k = v < dv ? KIND_DICT : KIND_PLAIN_BYTES;
        if (kind >= 0 && (k != kind || est >= w->opts.page_bytes)) {
            if ((rc = data_page(w, c, ch, r0, r, v0, v, kind, b0, b, err)))
                return rc;
            r0 = r;
            v0 = v;
            b0 = b;
            est = 0;
        }
        kind = k;
        if (k == KIND_DICT) {
            est += 4;
        } else {
            uint32_t l;
            memcpy(&l, c->plain.data + b, 4);
            b += 4 + (size_t)l;
            est += 4 + (size_t)l;
        }
        v++;
    }
    if (kind < 0)
        kind = KIND_NATIVE;   /* every row null: an empty PLAIN page */
    return data_page(w, c, ch, r0, rows, v0, v, kind, b0, b, err);
}

static int fixed_pages(hb_pq_writer *w, hb_pqw_col *c, chunk_acc *ch, size_t rows, hb_err *err)
{
    size_t width = c->ptype == HB_PQ_BOOLEAN ? 1 : 8;
    size_t per = w->opts.page_bytes / width;
    if (per > w->opts.page_rows)
        per = w->opts.page_rows;
    if (per < 1)
        per = 1;
    size_t v0 = 0;
    int rc;
    for (size_t r0 = 0; r0 < rows;) {
        size_t r1 = rows - r0 < per ? rows : r0 + per;
        size_t nv = c->optional ? count_ones(c->def + r0, r1 - r0) : r1 - r0;
        if ((rc = data_page(w, c, ch, r0, r1, v0, v0 + nv, KIND_NATIVE, 0, 0, err)))
            return rc;
        v0 += nv;
        r0 = r1;
    }
    return HB_OK;
}

/* Copy of a statistics bound into the arena. */
static int keep_bin(hb_pq_writer *w, hb_pq_bin *b)
{
    if (!b->data)
        return HB_OK;
    uint8_t *p = hb_arena_alloc(&w->arena, b->len ? b->len : 1);
    if (!p)
        return HB_ENOMEM;
    if (b->len)
        memcpy(p, b->data, b->len);
    b->data = p;
    return HB_OK;
}

int hb_pqw_write_chunk(hb_pq_writer *w, hb_pqw_col *c, size_t rows, hb_pq_column_chunk *cc, hb_err *err)
{
    chunk_acc ch;
    memset(&ch, 0, sizeof ch);
    hb_pq_stats_reset(&c->cstats);
    int rc;
    bool is_str = c->ptype == HB_PQ_BYTE_ARRAY;
    size_t ndict = c->fallback ? c->dict_vals : c->nvals;
    if (is_str && c->dict.count > 0 && ndict > 0 && (rc = dict_page(w, c, &ch, err)))
        return rc;
    rc = is_str ? string_pages(w, c, &ch, rows, err) : fixed_pages(w, c, &ch, rows, err);
    if (rc)
        return rc;

    hb_pq_column_meta *m = hb_arena_calloc(&w->arena, sizeof *m);
    hb_pq_statistics *s = hb_arena_calloc(&w->arena, sizeof *s);
    int32_t *encs = hb_arena_alloc(&w->arena, 32 * sizeof *encs);
    if (!m || !s || !encs)
        return fail(w, err, HB_ENOMEM, c->name, "metadata");
    uint8_t t1[8], t2[8];
    *s = to_statistics(&c->cstats, t1, t2);
    if (keep_bin(w, &s->min_value) || keep_bin(w, &s->max_value))
        return fail(w, err, HB_ENOMEM, c->name, "metadata");
    size_t ne = 0;
    for (int e = 0; e < 32; e++)
        if (ch.enc_mask & (1u << e))
            encs[ne++] = e;
    m->type = c->ptype;
    m->encodings = encs;
    m->n_encodings = ne;
    m->path_in_schema = c->path;
    m->n_path = 1;
    m->codec = (int32_t)w->opts.codec;
    m->num_values = (int64_t)rows;
    m->total_uncompressed_size = ch.unc;
    m->total_compressed_size = ch.comp;
    m->data_page_offset = ch.data_off;
    m->has_dictionary_page_offset = ch.has_dict;
    m->dictionary_page_offset = ch.dict_off;
    m->statistics = s;
    memset(cc, 0, sizeof *cc);
    cc->file_offset = ch.has_dict ? ch.dict_off : ch.data_off;
    cc->meta_data = m;
    return HB_OK;
}
