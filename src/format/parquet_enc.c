/* PLAIN encoding (Parquet encoding 0), dictionary builders and column
 * statistics. RLE is in parquet_enc_rle.c, DELTA_BINARY_PACKED in
 * parquet_enc_delta.c.
 *
 * PLAIN byte layout (Encodings.md), values back to back, no header:
 *   BOOLEAN     1 bit per value, LSB first within each byte (value i is bit
 *               i % 8 of byte i / 8), last byte zero-padded: ceil(n/8) bytes
 *   INT32       4 bytes little-endian two's complement
 *   INT64       8 bytes little-endian two's complement
 *   DOUBLE      8 bytes IEEE-754 binary64, little-endian
 *   BYTE_ARRAY  u32 LE length, then that many bytes
 *
 * A dictionary page body is the PLAIN encoding of the entries in index order
 * (hb_pq_dict_bytes keeps exactly that in its page buffer).
 *
 * Statistics min_value/max_value are the PLAIN bytes of one value, without
 * the length prefix for BYTE_ARRAY; a BOOLEAN is one byte 0/1. Orders follow
 * parquet.thrift ColumnOrder TYPE_ORDER: signed INT64, unsigned for UINT_64,
 * DOUBLE with NaN left out of min/max (counted in nan_count) and a zero
 * minimum written as -0.0, a zero maximum as +0.0; BYTE_ARRAY unsigned
 * lexicographic; false < true. */
#include "format/parquet_enc.h"

#include "base/hashmap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "PLAIN fixed-width codecs assume a little-endian host"
#endif

static int enc_fail(hb_err *err, int rc, const char *what)
{
    return hb_err_set(err, rc, "PLAIN %s encoding: %s", what, hb_strerror(rc));
}

/* ---- PLAIN encoders ---- */

int hb_pq_plain_put_bool(hb_buf *out, const uint8_t *v, size_t n, hb_err *err)
{
    size_t nb = n / 8 + (n % 8 != 0);
    int rc = hb_buf_reserve(out, nb);
    if (rc)
        return enc_fail(err, rc, "BOOLEAN");
    uint8_t *p = (uint8_t *)out->data + out->len;
    size_t i = 0;
    for (size_t b = 0; b < n / 8; b++, i += 8) {
        uint8_t x = 0;
        for (int j = 0; j < 8; j++)
            x |= (uint8_t)((v[i + j] != 0) << j);
        p[b] = x;
    }
    if (i < n) {
        uint8_t x = 0;
        for (int j = 0; i + (size_t)j < n; j++)
            x |= (uint8_t)((v[i + (size_t)j] != 0) << j);
        p[n / 8] = x;
    }
    out->len += nb;
    out->data[out->len] = '\0';
    return HB_OK;
}

static int put_fixed(hb_buf *out, const void *v, size_t n, size_t size, hb_err *err, const char *what)
{
    if (n > SIZE_MAX / 16)
        return enc_fail(err, HB_ELIMIT, what);
    int rc = hb_buf_append(out, v, n * size);
    return rc ? enc_fail(err, rc, what) : HB_OK;
}

int hb_pq_plain_put_i32(hb_buf *out, const int32_t *v, size_t n, hb_err *err)
{
    return put_fixed(out, v, n, 4, err, "INT32");
}

int hb_pq_plain_put_i64(hb_buf *out, const int64_t *v, size_t n, hb_err *err)
{
    return put_fixed(out, v, n, 8, err, "INT64");
}

int hb_pq_plain_put_double(hb_buf *out, const double *v, size_t n, hb_err *err)
{
    return put_fixed(out, v, n, 8, err, "DOUBLE");
}

int hb_pq_plain_put_bytes(hb_buf *out, const hb_slice *v, size_t n, hb_err *err)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (v[i].n > UINT32_MAX)
            return hb_err_set(err, HB_EINVAL, "PLAIN BYTE_ARRAY encoding: value %zu is %zu bytes, above 2^32-1", i,
                              v[i].n);
        if (v[i].n + 4 > SIZE_MAX / 2 - total)
            return enc_fail(err, HB_ELIMIT, "BYTE_ARRAY");
        total += v[i].n + 4;
    }
    int rc = hb_buf_reserve(out, total);
    if (rc)
        return enc_fail(err, rc, "BYTE_ARRAY");
    uint8_t *p = (uint8_t *)out->data + out->len;
    for (size_t i = 0; i < n; i++) {
        uint32_t l = (uint32_t)v[i].n;
        memcpy(p, &l, 4);
        if (l)
            memcpy(p + 4, v[i].p, l);
        p += 4 + (size_t)l;
    }
    out->len += total;
    out->data[out->len] = '\0';
    return HB_OK;
}

/* ---- PLAIN decoders ---- */

int hb_pq_plain_get_bool(const void *data, size_t len, uint8_t *out, size_t n, size_t *used, hb_err *err)
{
    const uint8_t *p = data;
    size_t nb = n / 8 + (n % 8 != 0);
    if (nb > len)
        return hb_err_set(err, HB_ECORRUPT, "PLAIN BOOLEAN: %zu values need %zu bytes, %zu present at byte 0", n, nb,
                          len);
    for (size_t b = 0; b < n / 8; b++) {
        uint64_t x = p[b];
        x = (x | (x << 28)) & 0x0000000F0000000FULL;
        x = (x | (x << 14)) & 0x0003000300030003ULL;
        x = (x | (x << 7)) & 0x0101010101010101ULL;
        memcpy(out + 8 * b, &x, 8);
    }
    for (size_t i = n / 8 * 8; i < n; i++)
        out[i] = (p[i / 8] >> (i % 8)) & 1;
    if (used)
        *used = nb;
    return HB_OK;
}

static int get_fixed(const void *data, size_t len, void *out, size_t n, size_t size, size_t *used, hb_err *err,
                     const char *what)
{
    if (n > len / size)
        return hb_err_set(err, HB_ECORRUPT, "PLAIN %s: %zu values need %zu bytes, %zu present at byte 0", what, n,
                          n > SIZE_MAX / size ? SIZE_MAX : n * size, len);
    if (n)
        memcpy(out, data, n * size);
    if (used)
        *used = n * size;
    return HB_OK;
}

int hb_pq_plain_get_i32(const void *data, size_t len, int32_t *out, size_t n, size_t *used, hb_err *err)
{
    return get_fixed(data, len, out, n, 4, used, err, "INT32");
}

int hb_pq_plain_get_i64(const void *data, size_t len, int64_t *out, size_t n, size_t *used, hb_err *err)
{
    return get_fixed(data, len, out, n, 8, used, err, "INT64");
}

int hb_pq_plain_get_double(const void *data, size_t len, double *out, size_t n, size_t *used, hb_err *err)
{
    return get_fixed(data, len, out, n, 8, used, err, "DOUBLE");
}

int hb_pq_plain_get_bytes(const void *data, size_t len, hb_slice *out, size_t n, size_t *used, hb_err *err)
{
    const uint8_t *p = data;
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        if (len - pos < 4)
            return hb_err_set(err, HB_ECORRUPT, "PLAIN BYTE_ARRAY: length of value %zu of %zu at byte %zu is truncated",
                              i, n, pos);
        uint32_t l;
        memcpy(&l, p + pos, 4);
        if (l > len - pos - 4)
            return hb_err_set(err, HB_ECORRUPT,
                              "PLAIN BYTE_ARRAY: value %zu at byte %zu is %u bytes long, only %zu bytes left", i, pos,
                              (unsigned)l, len - pos - 4);
        out[i].p = (const char *)p + pos + 4;
        out[i].n = l;
        pos += 4 + (size_t)l;
    }
    if (used)
        *used = pos;
    return HB_OK;
}

/* ---- BYTE_ARRAY dictionary ---- */

void hb_pq_dict_bytes_init(hb_pq_dict_bytes *d, size_t byte_limit)
{
    memset(d, 0, sizeof *d);
    hb_buf_init(&d->page, 0);
    d->byte_limit = byte_limit;
}

void hb_pq_dict_bytes_free(hb_pq_dict_bytes *d)
{
    hb_buf_free(&d->page);
    free(d->offs);
    free(d->hashes);
    free(d->slots);
    size_t lim = d->byte_limit;
    memset(d, 0, sizeof *d);
    d->byte_limit = lim;
}

void hb_pq_dict_bytes_reset(hb_pq_dict_bytes *d)
{
    hb_buf_reset(&d->page);
    if (d->slots)
        memset(d->slots, 0, d->scap * sizeof *d->slots);
    d->count = 0;
}

hb_slice hb_pq_dict_bytes_get(const hb_pq_dict_bytes *d, uint32_t i)
{
    const char *e = d->page.data + d->offs[i];
    uint32_t l;
    memcpy(&l, e, 4);
    return (hb_slice){ e + 4, l };
}

static int dict_bytes_grow(hb_pq_dict_bytes *d)
{
    size_t ncap = d->scap ? d->scap * 2 : 64;
    uint32_t *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return HB_ENOMEM;
    for (size_t e = 0; e < d->count; e++) {
        size_t i = (size_t)d->hashes[e] & (ncap - 1);
        while (ns[i])
            i = (i + 1) & (ncap - 1);
        ns[i] = (uint32_t)e + 1;
    }
    free(d->slots);
    d->slots = ns;
    d->scap = ncap;
    return HB_OK;
}

int hb_pq_dict_bytes_add(hb_pq_dict_bytes *d, const void *p, size_t n, uint32_t *idx, hb_err *err)
{
    int rc;
    if ((d->count + 1) * 2 > d->scap && (rc = dict_bytes_grow(d)))
        return hb_err_set(err, rc, "dictionary: %s", hb_strerror(rc));
    uint64_t h = hb_hash64(p, n);
    size_t mask = d->scap - 1, i = (size_t)h & mask;
    while (d->slots[i]) {
        uint32_t e = d->slots[i] - 1;
        if (d->hashes[e] == h) {
            hb_slice s = hb_pq_dict_bytes_get(d, e);
            if (s.n == n && (n == 0 || memcmp(s.p, p, n) == 0)) {
                *idx = e;
                return HB_OK;
            }
        }
        i = (i + 1) & mask;
    }
    if (n > UINT32_MAX)
        return hb_err_set(err, HB_EINVAL, "dictionary: value of %zu bytes is above 2^32-1", n);
    if (d->count >= 0x7fffffff || d->page.len + 4 + n > UINT32_MAX ||
        (d->byte_limit && d->page.len + 4 + n > d->byte_limit))
        return hb_err_set(err, HB_ELIMIT, "dictionary full: %zu entries, %zu bytes (limit %zu)", d->count,
                          d->page.len, d->byte_limit);
    if (d->count == d->ecap) {
        size_t ncap = d->ecap ? d->ecap * 2 : 64;
        uint32_t *no = realloc(d->offs, ncap * sizeof *no);
        if (!no)
            return hb_err_set(err, HB_ENOMEM, "dictionary: out of memory");
        d->offs = no;
        uint64_t *nh = realloc(d->hashes, ncap * sizeof *nh);
        if (!nh)
            return hb_err_set(err, HB_ENOMEM, "dictionary: out of memory");
        d->hashes = nh;
        d->ecap = ncap;
    }
    size_t off = d->page.len;
    if ((rc = hb_buf_put_u32le(&d->page, (uint32_t)n)) || (rc = hb_buf_append(&d->page, p, n))) {
        d->page.len = off;
        return hb_err_set(err, rc, "dictionary: %s", hb_strerror(rc));
    }
    d->offs[d->count] = (uint32_t)off;
    d->hashes[d->count] = h;
    d->slots[i] = (uint32_t)d->count + 1;
    *idx = (uint32_t)d->count++;
    return HB_OK;
}

/* ---- INT64 / DOUBLE dictionary ---- */

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

void hb_pq_dict_u64_init(hb_pq_dict_u64 *d, size_t byte_limit)
{
    memset(d, 0, sizeof *d);
    d->byte_limit = byte_limit;
}

void hb_pq_dict_u64_free(hb_pq_dict_u64 *d)
{
    free(d->vals);
    free(d->slots);
    size_t lim = d->byte_limit;
    memset(d, 0, sizeof *d);
    d->byte_limit = lim;
}

void hb_pq_dict_u64_reset(hb_pq_dict_u64 *d)
{
    if (d->slots)
        memset(d->slots, 0, d->scap * sizeof *d->slots);
    d->count = 0;
}

int hb_pq_dict_u64_add(hb_pq_dict_u64 *d, uint64_t bits, uint32_t *idx, hb_err *err)
{
    if ((d->count + 1) * 2 > d->scap) {
        size_t ncap = d->scap ? d->scap * 2 : 64;
        uint32_t *ns = calloc(ncap, sizeof *ns);
        if (!ns)
            return hb_err_set(err, HB_ENOMEM, "dictionary: out of memory");
        for (size_t e = 0; e < d->count; e++) {
            size_t i = (size_t)mix64(d->vals[e]) & (ncap - 1);
            while (ns[i])
                i = (i + 1) & (ncap - 1);
            ns[i] = (uint32_t)e + 1;
        }
        free(d->slots);
        d->slots = ns;
        d->scap = ncap;
    }
    size_t mask = d->scap - 1, i = (size_t)mix64(bits) & mask;
    while (d->slots[i]) {
        uint32_t e = d->slots[i] - 1;
        if (d->vals[e] == bits) {
            *idx = e;
            return HB_OK;
        }
        i = (i + 1) & mask;
    }
    if (d->count >= 0x7fffffff || (d->byte_limit && (d->count + 1) * 8 > d->byte_limit))
        return hb_err_set(err, HB_ELIMIT, "dictionary full: %zu entries (limit %zu bytes)", d->count, d->byte_limit);
    if (d->count == d->ecap) {
        size_t ncap = d->ecap ? d->ecap * 2 : 64;
        uint64_t *nv = realloc(d->vals, ncap * sizeof *nv);
        if (!nv)
            return hb_err_set(err, HB_ENOMEM, "dictionary: out of memory");
        d->vals = nv;
        d->ecap = ncap;
    }
    d->vals[d->count] = bits;
    d->slots[i] = (uint32_t)d->count + 1;
    *idx = (uint32_t)d->count++;
    return HB_OK;
}

/* ---- statistics ---- */

void hb_pq_stats_init(hb_pq_stats *s, hb_pq_order order)
{
    memset(s, 0, sizeof *s);
    s->order = order;
    hb_buf_init(&s->bmin, 0);
    hb_buf_init(&s->bmax, 0);
}

void hb_pq_stats_free(hb_pq_stats *s)
{
    hb_buf_free(&s->bmin);
    hb_buf_free(&s->bmax);
    hb_pq_stats_init(s, s->order);
}

void hb_pq_stats_reset(hb_pq_stats *s)
{
    hb_buf_reset(&s->bmin);
    hb_buf_reset(&s->bmax);
    s->null_count = s->value_count = s->nan_count = 0;
    s->has_minmax = 0;
    s->min.u = s->max.u = 0;
}

void hb_pq_stats_i64(hb_pq_stats *s, const int64_t *v, size_t n)
{
    if (!n)
        return;
    s->value_count += n;
    if (s->order == HB_PQ_ORD_U64) {
        const uint64_t *u = (const uint64_t *)v;
        uint64_t mn = s->has_minmax ? s->min.u : u[0], mx = s->has_minmax ? s->max.u : u[0];
        for (size_t i = 0; i < n; i++) {
            mn = u[i] < mn ? u[i] : mn;
            mx = u[i] > mx ? u[i] : mx;
        }
        s->min.u = mn;
        s->max.u = mx;
    } else {
        int64_t mn = s->has_minmax ? s->min.i : v[0], mx = s->has_minmax ? s->max.i : v[0];
        for (size_t i = 0; i < n; i++) {
            mn = v[i] < mn ? v[i] : mn;
            mx = v[i] > mx ? v[i] : mx;
        }
        s->min.i = mn;
        s->max.i = mx;
    }
    s->has_minmax = 1;
}

static void f64_zero_fix(hb_pq_stats *s)
{
    if (s->min.d == 0)
        s->min.d = -0.0;
    if (s->max.d == 0)
        s->max.d = 0.0;
}

void hb_pq_stats_f64(hb_pq_stats *s, const double *v, size_t n)
{
    s->value_count += n;
    int has = s->has_minmax;
    double mn = s->min.d, mx = s->max.d;
    for (size_t i = 0; i < n; i++) {
        double x = v[i];
        if (isnan(x)) {
            s->nan_count++;
            continue;
        }
        if (!has) {
            mn = mx = x;
            has = 1;
        }
        mn = x < mn ? x : mn;
        mx = x > mx ? x : mx;
    }
    if (has) {
        s->has_minmax = 1;
        s->min.d = mn;
        s->max.d = mx;
        f64_zero_fix(s);
    }
}

void hb_pq_stats_bool(hb_pq_stats *s, const uint8_t *v, size_t n)
{
    if (!n)
        return;
    s->value_count += n;
    uint64_t any_t = 0, any_f = 0;
    for (size_t i = 0; i < n; i++) {
        any_t |= v[i] != 0;
        any_f |= v[i] == 0;
    }
    uint64_t mn = any_f ? 0 : 1, mx = any_t ? 1 : 0;
    if (s->has_minmax) {
        mn = mn < s->min.u ? mn : s->min.u;
        mx = mx > s->max.u ? mx : s->max.u;
    }
    s->min.u = mn;
    s->max.u = mx;
    s->has_minmax = 1;
}

static int bytes_cmp(const void *a, size_t an, const void *b, size_t bn)
{
    size_t m = an < bn ? an : bn;
    int c = m ? memcmp(a, b, m) : 0;
    if (c)
        return c;
    return an < bn ? -1 : an > bn;
}

static int set_buf(hb_buf *b, const void *p, size_t n)
{
    hb_buf_reset(b);
    return hb_buf_append(b, n ? p : "", n);
}

static int bytes_fold(hb_pq_stats *s, const void *mnp, size_t mnn, const void *mxp, size_t mxn)
{
    int rc;
    if (!s->has_minmax || bytes_cmp(mnp, mnn, s->bmin.data, s->bmin.len) < 0)
        if ((rc = set_buf(&s->bmin, mnp, mnn)))
            return rc;
    if (!s->has_minmax || bytes_cmp(mxp, mxn, s->bmax.data, s->bmax.len) > 0)
        if ((rc = set_buf(&s->bmax, mxp, mxn)))
            return rc;
    s->has_minmax = 1;
    return HB_OK;
}

int hb_pq_stats_bytes(hb_pq_stats *s, const hb_slice *v, size_t n)
{
    if (!n)
        return HB_OK;
    size_t mn = 0, mx = 0;
    for (size_t i = 1; i < n; i++) {
        if (bytes_cmp(v[i].p, v[i].n, v[mn].p, v[mn].n) < 0)
            mn = i;
        if (bytes_cmp(v[i].p, v[i].n, v[mx].p, v[mx].n) > 0)
            mx = i;
    }
    s->value_count += n;
    return bytes_fold(s, v[mn].p, v[mn].n, v[mx].p, v[mx].n);
}

int hb_pq_stats_merge(hb_pq_stats *dst, const hb_pq_stats *src)
{
    if (dst->order != src->order)
        return HB_EINVAL;
    dst->null_count += src->null_count;
    dst->value_count += src->value_count;
    dst->nan_count += src->nan_count;
    if (!src->has_minmax)
        return HB_OK;
    if (!dst->has_minmax) {
        if (src->order == HB_PQ_ORD_BYTES)
            return bytes_fold(dst, src->bmin.data, src->bmin.len, src->bmax.data, src->bmax.len);
        dst->min = src->min;
        dst->max = src->max;
        dst->has_minmax = 1;
        return HB_OK;
    }
    switch (src->order) {
    case HB_PQ_ORD_I64:
        dst->min.i = src->min.i < dst->min.i ? src->min.i : dst->min.i;
        dst->max.i = src->max.i > dst->max.i ? src->max.i : dst->max.i;
        break;
    case HB_PQ_ORD_U64:
    case HB_PQ_ORD_BOOL:
        dst->min.u = src->min.u < dst->min.u ? src->min.u : dst->min.u;
        dst->max.u = src->max.u > dst->max.u ? src->max.u : dst->max.u;
        break;
    case HB_PQ_ORD_F64:
        dst->min.d = src->min.d < dst->min.d ? src->min.d : dst->min.d;
        dst->max.d = src->max.d > dst->max.d ? src->max.d : dst->max.d;
        f64_zero_fix(dst);
        break;
    case HB_PQ_ORD_BYTES:
        return bytes_fold(dst, src->bmin.data, src->bmin.len, src->bmax.data, src->bmax.len);
    }
    return HB_OK;
}

static int stat_bytes(const hb_pq_stats *s, int want_max, uint8_t tmp[8], const void **p, size_t *n)
{
    if (!s->has_minmax)
        return HB_ENOTFOUND;
    const hb_buf *b = want_max ? &s->bmax : &s->bmin;
    uint64_t u = want_max ? s->max.u : s->min.u;
    switch (s->order) {
    case HB_PQ_ORD_BYTES:
        *p = hb_buf_cstr(b);
        *n = b->len;
        return HB_OK;
    case HB_PQ_ORD_BOOL:
        tmp[0] = (uint8_t)u;
        *p = tmp;
        *n = 1;
        return HB_OK;
    default:   /* the union's 8 bytes are the value's bits for every 64-bit order */
        for (int i = 0; i < 8; i++)
            tmp[i] = (uint8_t)(u >> (8 * i));
        *p = tmp;
        *n = 8;
        return HB_OK;
    }
}

int hb_pq_stats_min_bytes(const hb_pq_stats *s, uint8_t tmp[8], const void **p, size_t *n)
{
    return stat_bytes(s, 0, tmp, p, n);
}

int hb_pq_stats_max_bytes(const hb_pq_stats *s, uint8_t tmp[8], const void **p, size_t *n)
{
    return stat_bytes(s, 1, tmp, p, n);
}
