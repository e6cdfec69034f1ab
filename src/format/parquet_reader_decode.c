/* Parquet reader: decoding one column chunk into the column model.
 *
 * A chunk is read with one ranged read, then walked page by page:
 *   PageHeader (Thrift compact) | page body (compressed_page_size bytes)
 * Page kinds:
 *   DICTIONARY_PAGE  at most one, before any data page; PLAIN values
 *   DATA_PAGE (v1)   body = codec( [u32 LE len | def levels RLE] values )
 *   DATA_PAGE_V2     body = rep levels | def levels (both RLE, uncompressed,
 *                    sizes in the header) | codec(values) (is_compressed)
 *   INDEX_PAGE / unknown kinds are skipped.
 * Definition levels have bit width 1 (flat OPTIONAL columns); values are
 * stored for the non-null rows only and expanded in place to row positions
 * (null rows zeroed). Value counts of data pages must add up to the row
 * group's rows. Numeric values decode straight into the output array;
 * strings are slices into a copy of the page (or dictionary) bytes in the
 * caller's arena. Temporary buffers (decompressed page, levels, indices) are
 * malloc'd per call, bounded by HB_PQ_MAX_PAGE and the row count. */
#include "format/parquet_reader_internal.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <zstd.h>

#include "format/parquet_enc.h"

typedef struct scratch {
    void *p;
    size_t cap;
} scratch;

typedef struct dctx {
    const hb_pq_reader *r;
    const hb_pq_colinfo *inf;
    const char *col;
    size_t rg;
    int32_t codec;
    uint64_t n;            /* rows */
    uint64_t done;         /* rows decoded */
    size_t esz;            /* output element size */
    uint8_t *vals;         /* output values */
    uint8_t *valid;        /* NULL until the first null */
    hb_arena *arena;
    hb_err *err;
    uint64_t page_off;     /* file offset of the current page header */
    ZSTD_DCtx *zd;
    scratch page, defs, idx;   /* moved in from and back to the thread's tl_state */
    void *dict;            /* dictionary entries in output form, NULL = none */
    uint32_t dict_n;
} dctx;

/* Per-thread decoding state kept between calls: a zstd context and the
 * scratch buffers (chunk bytes, decompressed page, levels, indices), so a
 * query decoding thousands of small pages does not allocate for each. */
typedef struct tl_state {
    ZSTD_DCtx *zd;
    scratch chunk, page, defs, idx;
} tl_state;

static pthread_key_t tl_key;
static pthread_once_t tl_once = PTHREAD_ONCE_INIT;

static void tl_free(void *p)
{
    tl_state *t = p;
    if (!t)
        return;
    ZSTD_freeDCtx(t->zd);
    free(t->chunk.p);
    free(t->page.p);
    free(t->defs.p);
    free(t->idx.p);
    free(t);
}

static void tl_init(void) { (void)pthread_key_create(&tl_key, tl_free); }

/* This thread's state, NULL when out of memory. */
static tl_state *tl_get(void)
{
    pthread_once(&tl_once, tl_init);
    tl_state *t = pthread_getspecific(tl_key);
    if (!t && (t = calloc(1, sizeof *t)) && pthread_setspecific(tl_key, t)) {
        free(t);
        t = NULL;
    }
    return t;
}

/* Scratch larger than this is given back after the call instead of kept. */
#define TL_KEEP_MAX ((size_t)8 << 20)

static void tl_trim(scratch *s)
{
    if (s->cap > TL_KEEP_MAX) {
        free(s->p);
        s->p = NULL;
        s->cap = 0;
    }
}

static void *grow(scratch *s, size_t n)
{
    if (n > s->cap) {
        void *p = realloc(s->p, n);
        if (!p)
            return NULL;
        s->p = p;
        s->cap = n;
    }
    return s->p;
}

/* Fail with context: key, row group, column, page offset, and the inner
 * message already in d->err (when inner) or the formatted text. */
static int fail(dctx *d, int rc, int inner, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int fail(dctx *d, int rc, int inner, const char *fmt, ...)
{
    char what[sizeof d->err->msg];
    if (inner && d->err) {
        memcpy(what, d->err->msg, sizeof what);
    } else {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(what, sizeof what, fmt, ap);
        va_end(ap);
    }
    if (rc == HB_ELIMIT)
        rc = HB_ECORRUPT;
    return hb_err_set(d->err, rc, "parquet file %s: row group %zu column '%s', page at byte %" PRIu64 ": %s",
                      d->r->key, d->rg, d->col, d->page_off, what);
}

static int oom(dctx *d)
{
    return hb_err_set(d->err, HB_ENOMEM, "parquet file %s: out of memory decoding column '%s' (row group %zu)",
                      d->r->key, d->col, d->rg);
}

/* Decompress src[0..n) to exactly len bytes; *out = result (src itself
 * when uncompressed). */
static int decompress(dctx *d, const uint8_t *src, size_t n, size_t len, const uint8_t **out)
{
    if (d->codec == HB_PQ_UNCOMPRESSED) {
        if (n != len)
            return fail(d, HB_ECORRUPT, 0, "uncompressed page of %zu bytes claims %zu", n, len);
        *out = src;
        return 0;
    }
    uint8_t *dst = grow(&d->page, len + 8);
    if (!dst)
        return oom(d);
    int rc;
    switch (d->codec) {
    case HB_PQ_ZSTD: {
        unsigned long long fs = ZSTD_getFrameContentSize(src, n);
        if (fs == ZSTD_CONTENTSIZE_ERROR)
            return fail(d, HB_ECORRUPT, 0, "not a zstd frame");
        if (fs != ZSTD_CONTENTSIZE_UNKNOWN && fs != len)
            return fail(d, HB_ECORRUPT, 0, "zstd frame holds %llu bytes, the header says %zu", fs, len);
        if (!d->zd && !(d->zd = ZSTD_createDCtx()))
            return oom(d);
        size_t got = ZSTD_decompressDCtx(d->zd, dst, len, src, n);
        if (ZSTD_isError(got))
            return fail(d, HB_ECORRUPT, 0, "zstd: %s", ZSTD_getErrorName(got));
        if (got != len)
            return fail(d, HB_ECORRUPT, 0, "zstd page decompressed to %zu bytes, the header says %zu", got, len);
        break;
    }
    case HB_PQ_SNAPPY:
        if ((rc = hb_pq_snappy_decompress(src, n, dst, len, d->err)))
            return fail(d, rc, 1, "%s", "");
        break;
    case HB_PQ_GZIP:
        if ((rc = hb_pq_gzip_decompress(src, n, dst, len, d->err)))
            return fail(d, rc, 1, "%s", "");
        break;
    default:
        return fail(d, HB_EUNSUPP, 0, "compression codec %d is not supported", (int)d->codec);
    }
    *out = dst;
    return 0;
}

/* In-place widening of n 4-byte values at p into 8-byte values (backwards:
 * element k is read before any write can reach it). */
static void widen32(void *p, size_t n, int phys, int is_unsigned)
{
    uint8_t *b = p;
    for (size_t k = n; k-- > 0;) {
        uint32_t u;
        memcpy(&u, b + 4 * k, 4);
        if (phys == HB_PQ_FLOAT) {
            float f;
            memcpy(&f, &u, 4);
            double v = f;
            memcpy(b + 8 * k, &v, 8);
        } else {
            int64_t v = is_unsigned ? (int64_t)u : (int64_t)(int32_t)u;
            memcpy(b + 8 * k, &v, 8);
        }
    }
}

static void scale_ts(int64_t *v, size_t n, int64_t mul)
{
    for (size_t i = 0; i < n; i++) {
        int64_t o;
        if (__builtin_mul_overflow(v[i], mul, &o))
            o = v[i] < 0 ? INT64_MIN : INT64_MAX;
        v[i] = o;
    }
}

/* PLAIN values of count cnt from p[0..len) into dst (output form). */
static int decode_plain(dctx *d, const uint8_t *p, size_t len, void *dst, size_t cnt)
{
    int rc = 0;
    size_t used;
    switch (d->inf->phys) {
    case HB_PQ_BOOLEAN:
        rc = hb_pq_plain_get_bool(p, len, dst, cnt, &used, d->err);
        break;
    case HB_PQ_INT32:
    case HB_PQ_FLOAT:
        if (!(rc = hb_pq_plain_get_i32(p, len, dst, cnt, &used, d->err)))
            widen32(dst, cnt, d->inf->phys, d->inf->is_unsigned);
        break;
    case HB_PQ_INT64:
        if (!(rc = hb_pq_plain_get_i64(p, len, dst, cnt, &used, d->err)) && d->inf->ts_mul != 1)
            scale_ts(dst, cnt, d->inf->ts_mul);
        break;
    case HB_PQ_DOUBLE:
        rc = hb_pq_plain_get_double(p, len, dst, cnt, &used, d->err);
        break;
    case HB_PQ_BYTE_ARRAY: {
        /* strings must live in the arena: copy the bytes, slice the copy */
        uint8_t *copy = hb_arena_alloc(d->arena, len ? len : 1);
        if (!copy)
            return oom(d);
        memcpy(copy, p, len);
        rc = hb_pq_plain_get_bytes(copy, len, dst, cnt, &used, d->err);
        break;
    }
    default:
        return fail(d, HB_EUNSUPP, 0, "physical type %d", (int)d->inf->phys);
    }
    return rc ? fail(d, rc, 1, "%s", "") : 0;
}

static int decode_dict_page(dctx *d, const hb_pq_page_header *h, const uint8_t *body)
{
    const hb_pq_dictionary_page_header *dh = h->dictionary_page_header;
    if (!dh)
        return fail(d, HB_ECORRUPT, 0, "dictionary page without its header");
    if (d->dict || d->done)
        return fail(d, HB_ECORRUPT, 0, "dictionary page after the first page of the chunk");
    if (dh->encoding != HB_PQ_ENC_PLAIN && dh->encoding != HB_PQ_ENC_PLAIN_DICTIONARY)
        return fail(d, HB_EUNSUPP, 0, "dictionary page encoding %d", (int)dh->encoding);
    size_t usz = (size_t)h->uncompressed_page_size;
    const uint8_t *p;
    int rc = decompress(d, body, (size_t)h->compressed_page_size, usz, &p);
    if (rc)
        return rc;
    /* each entry takes at least 1 bit (BOOLEAN) or 4 bytes */
    uint64_t maxn = d->inf->phys == HB_PQ_BOOLEAN ? (uint64_t)usz * 8 : usz / 4;
    if (dh->num_values < 0 || (uint64_t)dh->num_values > maxn)
        return fail(d, HB_ECORRUPT, 0, "dictionary of %d entries in %zu bytes", (int)dh->num_values, usz);
    size_t cnt = (size_t)dh->num_values;
    void *dict = hb_arena_alloc(d->arena, (cnt ? cnt : 1) * d->esz);
    if (!dict)
        return oom(d);
    if ((rc = decode_plain(d, p, usz, dict, cnt)))
        return rc;
    d->dict = dict;
    d->dict_n = (uint32_t)cnt;
    return 0;
}

static int decode_dict_idx(dctx *d, const uint8_t *p, size_t len, void *dst, size_t cnt)
{
    if (!d->dict)
        return fail(d, HB_ECORRUPT, 0, "dictionary-encoded page without a dictionary page");
    uint32_t *idx = grow(&d->idx, cnt * 4 + 4);
    if (!idx)
        return oom(d);
    int rc = hb_pq_dict_idx_decode(p, len, idx, cnt, d->dict_n, NULL, d->err);
    if (rc)
        return fail(d, rc, 1, "%s", "");
    switch (d->esz) {
    case 8: {
        const uint64_t *dv = d->dict;
        uint64_t *o = dst;
        for (size_t i = 0; i < cnt; i++)
            o[i] = dv[idx[i]];
        break;
    }
    case 1: {
        const uint8_t *dv = d->dict;
        uint8_t *o = dst;
        for (size_t i = 0; i < cnt; i++)
            o[i] = dv[idx[i]];
        break;
    }
    default: {
        const hb_slice *dv = d->dict;
        hb_slice *o = dst;
        for (size_t i = 0; i < cnt; i++)
            o[i] = dv[idx[i]];
        break;
    }
    }
    return 0;
}

static int decode_delta_len_bytes(dctx *d, const uint8_t *p, size_t len, hb_slice *dst, size_t cnt)
{
    int32_t *lens = grow(&d->idx, cnt * 4 + 4);
    if (!lens)
        return oom(d);
    size_t used;
    int rc = hb_pq_delta_decode_i32(p, len, lens, cnt, &used, d->err);
    if (rc)
        return fail(d, rc, 1, "%s", "");
    size_t rest = len - used;
    char *copy = hb_arena_alloc(d->arena, rest ? rest : 1);
    if (!copy)
        return oom(d);
    memcpy(copy, p + used, rest);
    size_t at = 0;
    for (size_t i = 0; i < cnt; i++) {
        if (lens[i] < 0 || (size_t)lens[i] > rest - at)
            return fail(d, HB_ECORRUPT, 0, "DELTA_LENGTH_BYTE_ARRAY value %zu of %d bytes past the page end", i,
                        (int)lens[i]);
        dst[i] = (hb_slice){copy + at, (size_t)lens[i]};
        at += (size_t)lens[i];
    }
    return 0;
}

static int decode_bss(dctx *d, const uint8_t *p, size_t len, void *dst, size_t cnt)
{
    int ph = d->inf->phys;
    size_t k = ph == HB_PQ_INT32 || ph == HB_PQ_FLOAT ? 4 : ph == HB_PQ_INT64 || ph == HB_PQ_DOUBLE ? 8 : 0;
    if (!k)
        return fail(d, HB_EUNSUPP, 0, "BYTE_STREAM_SPLIT for physical type %d", ph);
    if (len != k * cnt)
        return fail(d, HB_ECORRUPT, 0, "BYTE_STREAM_SPLIT data of %zu bytes for %zu values", len, cnt);
    uint8_t *o = dst;
    for (size_t s = 0; s < k; s++) {
        const uint8_t *in = p + s * cnt;
        for (size_t i = 0; i < cnt; i++)
            o[i * k + s] = in[i];
    }
    if (k == 4)
        widen32(dst, cnt, ph, d->inf->is_unsigned);
    else if (ph == HB_PQ_INT64 && d->inf->ts_mul != 1)
        scale_ts(dst, cnt, d->inf->ts_mul);
    return 0;
}

/* Decode cnt non-null values in encoding enc from p[0..len) to dst. */
static int decode_values(dctx *d, int32_t enc, const uint8_t *p, size_t len, void *dst, size_t cnt)
{
    int rc;
    size_t used;
    int ph = d->inf->phys;
    switch (enc) {
    case HB_PQ_ENC_PLAIN:
        return decode_plain(d, p, len, dst, cnt);
    case HB_PQ_ENC_PLAIN_DICTIONARY:
    case HB_PQ_ENC_RLE_DICTIONARY:
        return decode_dict_idx(d, p, len, dst, cnt);
    case HB_PQ_ENC_DELTA_BINARY_PACKED:
        if (ph == HB_PQ_INT64) {
            if ((rc = hb_pq_delta_decode_i64(p, len, dst, cnt, &used, d->err)))
                return fail(d, rc, 1, "%s", "");
            if (d->inf->ts_mul != 1)
                scale_ts(dst, cnt, d->inf->ts_mul);
            return 0;
        }
        if (ph == HB_PQ_INT32) {
            if ((rc = hb_pq_delta_decode_i32(p, len, dst, cnt, &used, d->err)))
                return fail(d, rc, 1, "%s", "");
            widen32(dst, cnt, ph, d->inf->is_unsigned);
            return 0;
        }
        break;
    case HB_PQ_ENC_DELTA_LENGTH_BYTE_ARRAY:
        if (ph == HB_PQ_BYTE_ARRAY)
            return decode_delta_len_bytes(d, p, len, dst, cnt);
        break;
    case HB_PQ_ENC_BYTE_STREAM_SPLIT:
        return decode_bss(d, p, len, dst, cnt);
    case HB_PQ_ENC_RLE:
        if (ph == HB_PQ_BOOLEAN) {
            if ((rc = hb_pq_rle_decode_u8(p, len, 1, 1, dst, cnt, &used, d->err)))
                return fail(d, rc, 1, "%s", "");
            return 0;
        }
        break;
    default:
        break;
    }
    return fail(d, HB_EUNSUPP, 0, "encoding %d is not supported for physical type %d", (int)enc, ph);
}

/* Values of one data page: nv rows, defs (NULL = all present) with nnz
 * present; values p[0..len) in encoding enc. */
static int page_values(dctx *d, int32_t enc, const uint8_t *p, size_t len, size_t nv, const uint8_t *defs,
                       size_t nnz)
{
    uint8_t *dst = d->vals + d->done * d->esz;
    int rc;
    if (nnz && (rc = decode_values(d, enc, p, len, dst, nnz)))
        return rc;
    if (nnz < nv) {
        if (!d->valid) {
            size_t nb = (size_t)((d->n + 7) / 8);
            if (!(d->valid = hb_arena_alloc(d->arena, nb)))
                return oom(d);
            memset(d->valid, 0xff, nb);
            if (d->n & 7)
                d->valid[nb - 1] = (uint8_t)((1u << (d->n & 7)) - 1);
        }
        size_t esz = d->esz, j = nnz;
        for (size_t i = nv; i-- > 0;) {
            uint8_t *to = dst + i * esz;
            if (defs[i]) {
                j--;
                if (j != i)
                    memcpy(to, dst + j * esz, esz);
            } else {
                memset(to, 0, esz);
                uint64_t row = d->done + i;
                d->valid[row >> 3] &= (uint8_t) ~(1u << (row & 7));
            }
        }
    }
    d->done += nv;
    return 0;
}

static size_t count_ones(const uint8_t *v, size_t n)
{
    size_t c = 0, i = 0;
    for (; i + 8 <= n; i += 8) {   /* levels are 0 or 1: eight bytes add up in one word */
        uint64_t w;
        memcpy(&w, v + i, 8);
        c += (size_t)((w * 0x0101010101010101ull) >> 56);
    }
    for (; i < n; i++)
        c += v[i];
    return c;
}

/* Whether definition levels p[0..len) (RLE hybrid, bit width 1) are one
 * run of nv ones, the shape of every page without nulls: then they need no
 * expanding or counting. */
static int levels_all_present(const uint8_t *p, size_t len, size_t nv)
{
    uint64_t h = 0;
    size_t i = 0;
    for (int shift = 0; i < len && shift < 35; shift += 7) {
        h |= (uint64_t)(p[i] & 0x7f) << shift;
        if (!(p[i++] & 0x80))
            return !(h & 1) && (h >> 1) == nv && i + 1 == len && p[i] == 1;
    }
    return 0;
}

static int decode_v1(dctx *d, const hb_pq_page_header *h, const uint8_t *body)
{
    const hb_pq_data_page_header *dp = h->data_page_header;
    if (!dp)
        return fail(d, HB_ECORRUPT, 0, "data page without its header");
    if (dp->num_values < 0 || (uint64_t)dp->num_values > d->n - d->done)
        return fail(d, HB_ECORRUPT, 0, "page of %d values, %" PRIu64 " rows left in the row group",
                    (int)dp->num_values, d->n - d->done);
    size_t nv = (size_t)dp->num_values, len = (size_t)h->uncompressed_page_size;
    const uint8_t *p;
    int rc = decompress(d, body, (size_t)h->compressed_page_size, len, &p);
    if (rc)
        return rc;
    const uint8_t *defs = NULL;
    size_t nnz = nv;
    if (d->inf->max_def) {
        if (dp->definition_level_encoding != HB_PQ_ENC_RLE)
            return fail(d, HB_EUNSUPP, 0, "definition level encoding %d", (int)dp->definition_level_encoding);
        uint32_t ll;
        if (len >= 4 && (memcpy(&ll, p, 4), ll <= len - 4) && levels_all_present(p + 4, ll, nv)) {
            p += 4 + (size_t)ll;
            len -= 4 + (size_t)ll;
            return page_values(d, dp->encoding, p, len, nv, NULL, nv);
        }
        uint8_t *dv = grow(&d->defs, nv + 1);
        if (!dv)
            return oom(d);
        size_t used;
        if ((rc = hb_pq_rle_decode_u8(p, len, 1, 1, dv, nv, &used, d->err)))
            return fail(d, rc, 1, "%s", "");
        p += used;
        len -= used;
        nnz = count_ones(dv, nv);
        defs = dv;
    }
    return page_values(d, dp->encoding, p, len, nv, defs, nnz);
}

static int decode_v2(dctx *d, const hb_pq_page_header *h, const uint8_t *body)
{
    const hb_pq_data_page_header_v2 *dp = h->data_page_header_v2;
    if (!dp)
        return fail(d, HB_ECORRUPT, 0, "data page v2 without its header");
    if (dp->num_values < 0 || (uint64_t)dp->num_values > d->n - d->done)
        return fail(d, HB_ECORRUPT, 0, "page of %d values, %" PRIu64 " rows left in the row group",
                    (int)dp->num_values, d->n - d->done);
    int64_t rl = dp->repetition_levels_byte_length, dl = dp->definition_levels_byte_length;
    int64_t csz = h->compressed_page_size, usz = h->uncompressed_page_size;
    if (rl < 0 || dl < 0 || rl + dl > csz || rl + dl > usz)
        return fail(d, HB_ECORRUPT, 0, "level lengths %" PRId64 " + %" PRId64 " exceed the page (%" PRId64 " bytes)", rl,
                    dl, csz);
    size_t nv = (size_t)dp->num_values;
    const uint8_t *defs = NULL;
    size_t nnz = nv;
    int rc;
    if (d->inf->max_def && levels_all_present(body + rl, (size_t)dl, nv)) {
        nnz = nv;
    } else if (d->inf->max_def) {
        uint8_t *dv = grow(&d->defs, nv + 1);
        if (!dv)
            return oom(d);
        if ((rc = hb_pq_rle_decode_u8(body + rl, (size_t)dl, 1, 0, dv, nv, NULL, d->err)))
            return fail(d, rc, 1, "%s", "");
        nnz = count_ones(dv, nv);
        defs = dv;
    }
    if (dp->num_nulls != (int64_t)(nv - nnz))
        return fail(d, HB_ECORRUPT, 0, "header says %d nulls, the levels %zu", (int)dp->num_nulls, nv - nnz);
    const uint8_t *vp = body + rl + dl;
    size_t vc = (size_t)(csz - rl - dl), vu = (size_t)(usz - rl - dl);
    int compressed = !dp->has_is_compressed || dp->is_compressed;
    if (compressed) {
        if ((rc = decompress(d, vp, vc, vu, &vp)))
            return rc;
    } else {
        vu = vc;
    }
    return page_values(d, dp->encoding, vp, vu, nv, defs, nnz);
}

/* Rows of a data page from its header without decoding it; -1 for other
 * page kinds or a header without its data page part. */
static int64_t page_rows(const hb_pq_page_header *h)
{
    if (h->type == HB_PQ_DATA_PAGE && h->data_page_header)
        return h->data_page_header->num_values;
    if (h->type == HB_PQ_DATA_PAGE_V2 && h->data_page_header_v2)
        return h->data_page_header_v2->num_values;
    return -1;
}

/* Whether rows [a, b) meet one of want[*k..n) (sorted, disjoint); *k moves
 * past ranges ending at or before a (pages come in row order). */
static int rows_wanted(const hb_pq_rowrange *want, size_t n, size_t *k, uint64_t a, uint64_t b)
{
    while (*k < n && want[*k].hi <= a)
        (*k)++;
    return *k < n && want[*k].lo < b;
}

static int read_chunk(const hb_pq_reader *r, size_t rg, size_t col, const hb_pq_rowrange *want, size_t nwant,
                      hb_arena *arena, hb_pq_colvec *out, hb_err *err)
{
    out->valid = NULL;
    out->values = NULL;
    if (rg >= r->meta.n_row_groups || col >= r->ncols)
        return hb_err_set(err, HB_EINVAL, "parquet file %s: no column %zu in row group %zu", r->key, col, rg);
    const hb_pq_column_meta *cm = r->meta.row_groups[rg].columns[col].meta_data;
    uint64_t off = r->chunk_off[rg * r->ncols + col], clen = r->chunk_len[rg * r->ncols + col];
    dctx d = {
        .r = r, .inf = &r->info[col], .col = r->cols[col].name, .rg = rg, .codec = cm->codec,
        .n = (uint64_t)r->meta.row_groups[rg].num_rows, .arena = arena, .err = err, .page_off = off,
    };
    tl_state *tl = tl_get();
    if (!tl)
        return oom(&d);
    /* borrow the thread's buffers for this call; given back at out */
    d.zd = tl->zd;
    d.page = tl->page;
    d.defs = tl->defs;
    d.idx = tl->idx;
    int rc;
    uint8_t *buf = NULL;
    size_t kw = 0;
    hb_arena ha;
    hb_arena_init(&ha, 4096, (size_t)16 << 20);
    if (d.codec != HB_PQ_UNCOMPRESSED && d.codec != HB_PQ_ZSTD && d.codec != HB_PQ_SNAPPY && d.codec != HB_PQ_GZIP) {
        rc = fail(&d, HB_EUNSUPP, 0, "compression codec %d is not supported", (int)d.codec);
        goto out;
    }
    switch (d.inf->phys) {
    case HB_PQ_BOOLEAN: d.esz = 1; break;
    case HB_PQ_BYTE_ARRAY: d.esz = sizeof(hb_slice); break;
    default: d.esz = 8; break;
    }
    if (!(d.vals = hb_arena_alloc(arena, d.n ? d.n * d.esz : 1))) {
        rc = oom(&d);
        goto out;
    }
    if (clen > SIZE_MAX - 8 || !(buf = grow(&tl->chunk, clen + 8))) {
        rc = oom(&d);
        goto out;
    }
    if ((rc = hb_pq_reader_pread(r, off, buf, clen, err)))
        goto out;
    size_t pos = 0;
    while (d.done < d.n) {
        if (pos >= clen) {
            d.page_off = off + pos;
            rc = fail(&d, HB_ECORRUPT, 0, "column chunk ends after %" PRIu64 " of %" PRIu64 " values", d.done, d.n);
            goto out;
        }
        hb_arena_reset(&ha);
        d.page_off = off + pos;
        hb_pq_page_header h;
        size_t hl;
        if ((rc = hb_pq_page_header_decode(buf + pos, clen - pos, off + pos, &ha, &h, &hl, err))) {
            rc = fail(&d, rc, 1, "%s", "");
            goto out;
        }
        pos += hl;
        if (h.compressed_page_size < 0 || (size_t)h.compressed_page_size > clen - pos ||
            (size_t)h.compressed_page_size > HB_PQ_MAX_PAGE || h.uncompressed_page_size < 0 ||
            (size_t)h.uncompressed_page_size > HB_PQ_MAX_PAGE) {
            rc = fail(&d, HB_ECORRUPT, 0,
                      "page sizes %d (compressed) / %d (uncompressed) exceed the column chunk (%zu bytes left) or "
                      "the page limit",
                      (int)h.compressed_page_size, (int)h.uncompressed_page_size, (size_t)(clen - pos));
            goto out;
        }
        const uint8_t *body = buf + pos;
        pos += (size_t)h.compressed_page_size;
        int64_t pr = page_rows(&h);
        if (nwant && pr >= 0) {
            if ((uint64_t)pr > d.n - d.done) {
                rc = fail(&d, HB_ECORRUPT, 0, "page of %" PRId64 " values, %" PRIu64 " rows left in the row group",
                          pr, d.n - d.done);
                goto out;
            }
            if (!rows_wanted(want, nwant, &kw, d.done, d.done + (uint64_t)pr)) {
                d.done += (uint64_t)pr;   /* skipped: its rows stay unspecified */
                continue;
            }
        }
        switch (h.type) {
        case HB_PQ_DICTIONARY_PAGE:
            rc = decode_dict_page(&d, &h, body);
            break;
        case HB_PQ_DATA_PAGE:
            rc = decode_v1(&d, &h, body);
            break;
        case HB_PQ_DATA_PAGE_V2:
            rc = decode_v2(&d, &h, body);
            break;
        default:
            rc = 0;   /* index pages and unknown kinds */
            break;
        }
        if (rc)
            goto out;
    }
    out->values = d.vals;
    out->valid = d.valid;
    rc = 0;
out:
    tl->zd = d.zd;
    tl->page = d.page;
    tl->defs = d.defs;
    tl->idx = d.idx;
    tl_trim(&tl->chunk);
    tl_trim(&tl->page);
    tl_trim(&tl->defs);
    tl_trim(&tl->idx);
    hb_arena_free(&ha);
    return rc;
}

int hb_pq_reader_read(const hb_pq_reader *r, size_t rg, size_t col, hb_arena *arena, hb_pq_colvec *out,
                      hb_err *err)
{
    return read_chunk(r, rg, col, NULL, 0, arena, out, err);
}

int hb_pq_reader_read_rows(const hb_pq_reader *r, size_t rg, size_t col, const hb_pq_rowrange *want, size_t nwant,
                           hb_arena *arena, hb_pq_colvec *out, hb_err *err)
{
    return read_chunk(r, rg, col, want, nwant, arena, out, err);
}
