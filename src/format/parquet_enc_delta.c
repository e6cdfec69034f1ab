/* DELTA_BINARY_PACKED (Parquet encoding 5) for INT32 and INT64.
 *
 * Byte layout (Encodings.md, "Delta Encoding"); uleb = unsigned LEB128,
 * zz = zigzag then uleb:
 *
 *   header:  uleb block_size        multiple of 128            (we write 128)
 *            uleb miniblocks         block_size / miniblocks is a multiple of 32  (we write 4)
 *            uleb total_count        number of values
 *            zz   first_value
 *   block*:  one per block_size deltas, total_count - 1 deltas in all (so no
 *            block at all for 0 or 1 values)
 *            zz   min_delta          minimum of the block's deltas
 *            u8   bit_width[miniblocks]
 *            miniblock*: (block_size / miniblocks) values of (delta - min_delta)
 *                        bit-packed LSB first in bit_width bits each, i.e.
 *                        values * bit_width / 8 bytes
 *
 * In the last block only the miniblocks holding values have bodies; the last
 * body is padded to a full miniblock (we pad with zero bits; readers accept
 * anything). Widths of absent miniblocks are present (we write 0; readers
 * accept anything). Deltas and their sums wrap in two's complement of the
 * physical type, so all arithmetic here is unsigned: INT64 deltas span 64
 * bits, INT32 deltas 32 bits (a writer must not use more bits than the type). */
#include "format/parquet_enc.h"

#include <string.h>

#define AI static inline __attribute__((always_inline))

#define BLOCK 128
#define MINIS 4
#define MINI (BLOCK / MINIS)
#define MAX_BLOCK_SIZE ((uint64_t)1 << 24)  /* sanity cap when decoding */

static size_t put_uleb(uint8_t *p, uint64_t v)
{
    size_t k = 0;
    while (v >= 0x80) {
        p[k++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[k++] = (uint8_t)v;
    return k;
}

AI uint64_t zz_enc(uint64_t u) { return (u << 1) ^ (0 - (u >> 63)); }
AI uint64_t zz_dec(uint64_t z) { return (z >> 1) ^ (0 - (z & 1)); }

/* 0 ok, -1 truncated, -2 longer than 10 bytes / above 2^64-1. */
static int get_uleb(const uint8_t *p, size_t len, size_t *pos, uint64_t *v)
{
    uint64_t r = 0;
    size_t i = *pos;
    for (int shift = 0;; shift += 7) {
        if (i >= len)
            return -1;
        uint8_t c = p[i++];
        if (shift == 63 && (c & 0x7e))
            return -2;
        r |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            break;
        if (shift == 63)
            return -2;
    }
    *pos = i;
    *v = r;
    return 0;
}

/* Encode n values given as unsigned bit patterns of width 32 or 64. */
AI int delta_encode_core(hb_buf *out, const void *vals, int is32, size_t n, hb_err *err)
{
    const uint32_t *v32 = vals;
    const uint64_t *v64 = vals;
    size_t start = out->len;
    int rc = hb_buf_reserve(out, 40);
    if (rc)
        goto fail;
    uint8_t *p = (uint8_t *)out->data + out->len;
    size_t k = 0;
    k += put_uleb(p + k, BLOCK);
    k += put_uleb(p + k, MINIS);
    k += put_uleb(p + k, n);
    uint64_t first = n == 0 ? 0 : is32 ? (uint64_t)(int64_t)(int32_t)v32[0] : v64[0];
    k += put_uleb(p + k, zz_enc(first));
    out->len += k;

    uint64_t prev = first;
    uint64_t d[BLOCK];
    uint32_t d32[BLOCK];
    for (size_t i = 1; i < n;) {
        size_t cnt = n - i < BLOCK ? n - i : BLOCK;
        uint64_t minv;
        if (is32) {
            uint32_t pv = (uint32_t)prev;
            int32_t mn = INT32_MAX;
            for (size_t j = 0; j < cnt; j++) {
                uint32_t x = v32[i + j];
                d32[j] = x - pv;
                pv = x;
                mn = (int32_t)d32[j] < mn ? (int32_t)d32[j] : mn;
            }
            prev = pv;
            for (size_t j = 0; j < cnt; j++)
                d32[j] -= (uint32_t)mn;
            for (size_t j = cnt; j < BLOCK; j++)
                d32[j] = 0;
            minv = (uint64_t)(int64_t)mn;
        } else {
            uint64_t pv = prev;
            int64_t mn = INT64_MAX;
            for (size_t j = 0; j < cnt; j++) {
                uint64_t x = v64[i + j];
                d[j] = x - pv;
                pv = x;
                mn = (int64_t)d[j] < mn ? (int64_t)d[j] : mn;
            }
            prev = pv;
            for (size_t j = 0; j < cnt; j++)
                d[j] -= (uint64_t)mn;
            for (size_t j = cnt; j < BLOCK; j++)
                d[j] = 0;
            minv = (uint64_t)mn;
        }
        if ((rc = hb_buf_reserve(out, 10 + MINIS + BLOCK * 8)))
            goto fail;
        p = (uint8_t *)out->data + out->len;
        k = put_uleb(p, zz_enc(minv));
        uint8_t *wp = p + k;
        k += MINIS;
        for (int m = 0; m < MINIS; m++) {
            if ((size_t)m * MINI >= cnt) {
                wp[m] = 0;
                continue;
            }
            uint64_t any = 0;
            if (is32) {
                for (int j = 0; j < MINI; j++)
                    any |= d32[m * MINI + j];
            } else {
                for (int j = 0; j < MINI; j++)
                    any |= d[m * MINI + j];
            }
            int w = hb_pq_bit_width(any);
            wp[m] = (uint8_t)w;
            if (is32)
                hb_pq_pack_u32(d32 + m * MINI, p + k, MINI / 8, w);
            else
                hb_pq_pack_u64(d + m * MINI, p + k, MINI / 8, w);
            k += (size_t)MINI * (size_t)w / 8;
        }
        out->len += k;
        i += cnt;
    }
    out->data[out->len] = '\0';
    return HB_OK;
fail:
    out->len = start;
    if (out->data)
        out->data[start] = '\0';
    return hb_err_set(err, rc, "DELTA_BINARY_PACKED encoding: %s", hb_strerror(rc));
}

int hb_pq_delta_encode_i64(hb_buf *out, const int64_t *v, size_t n, hb_err *err)
{
    return delta_encode_core(out, v, 0, n, err);
}

int hb_pq_delta_encode_i32(hb_buf *out, const int32_t *v, size_t n, hb_err *err)
{
    return delta_encode_core(out, v, 1, n, err);
}

/* ---- decoding ---- */

typedef struct {
    uint64_t block_size, minis, total, first;
    size_t pos;   /* first byte after the header */
} delta_hdr;

static int uleb_err(int r, const char *what, size_t at, hb_err *err)
{
    return hb_err_set(err, HB_ECORRUPT, "DELTA_BINARY_PACKED: %s at byte %zu is %s", what, at,
                      r == -1 ? "truncated" : "longer than 10 bytes");
}

static int read_header(const uint8_t *p, size_t len, delta_hdr *h, hb_err *err)
{
    size_t pos = 0, at;
    int r;
    at = pos;
    if ((r = get_uleb(p, len, &pos, &h->block_size)))
        return uleb_err(r, "block size", at, err);
    if (h->block_size == 0 || h->block_size % 128 || h->block_size > MAX_BLOCK_SIZE)
        return hb_err_set(err, HB_ECORRUPT,
                          "DELTA_BINARY_PACKED: block size %llu at byte %zu is not a positive multiple of 128",
                          (unsigned long long)h->block_size, at);
    at = pos;
    if ((r = get_uleb(p, len, &pos, &h->minis)))
        return uleb_err(r, "miniblock count", at, err);
    if (h->minis == 0 || h->block_size % h->minis || (h->block_size / h->minis) % 32)
        return hb_err_set(err, HB_ECORRUPT,
                          "DELTA_BINARY_PACKED: miniblock count %llu at byte %zu does not split block size %llu "
                          "into multiples of 32",
                          (unsigned long long)h->minis, at, (unsigned long long)h->block_size);
    at = pos;
    if ((r = get_uleb(p, len, &pos, &h->total)))
        return uleb_err(r, "value count", at, err);
    at = pos;
    uint64_t z;
    if ((r = get_uleb(p, len, &pos, &z)))
        return uleb_err(r, "first value", at, err);
    h->first = zz_dec(z);
    h->pos = pos;
    return HB_OK;
}

int hb_pq_delta_count(const void *data, size_t len, uint64_t *count, hb_err *err)
{
    delta_hdr h;
    int rc = read_header(data, len, &h, err);
    if (rc == 0)
        *count = h.total;
    return rc;
}

AI int delta_decode_core(const uint8_t *p, size_t len, void *outv, int is32, size_t n, size_t *used, hb_err *err)
{
    delta_hdr h;
    int rc = read_header(p, len, &h, err);
    if (rc)
        return rc;
    if (h.total != n)
        return hb_err_set(err, HB_ECORRUPT, "DELTA_BINARY_PACKED: header at byte 0 holds %llu values, expected %zu",
                          (unsigned long long)h.total, n);
    uint32_t *o32 = outv;
    uint64_t *o64 = outv;
    size_t pos = h.pos;
    if (n == 0)
        goto done;
    if (is32)
        o32[0] = (uint32_t)h.first;
    else
        o64[0] = h.first;
    const int maxw = is32 ? 32 : 64;
    const size_t per = (size_t)(h.block_size / h.minis);
    uint64_t prev = h.first;
    size_t got = 1;
    while (got < n) {
        size_t at = pos;
        uint64_t z;
        int r = get_uleb(p, len, &pos, &z);
        if (r)
            return uleb_err(r, "block min delta", at, err);
        uint64_t mind = zz_dec(z);
        if (h.minis > len - pos)
            return hb_err_set(err, HB_ECORRUPT,
                              "DELTA_BINARY_PACKED: %llu miniblock bit widths at byte %zu exceed the %zu bytes left",
                              (unsigned long long)h.minis, pos, len - pos);
        const uint8_t *wp = p + pos;
        size_t wpos = pos;
        pos += (size_t)h.minis;
        for (size_t m = 0; m < h.minis && got < n; m++) {
            int w = wp[m];
            if (w > maxw)
                return hb_err_set(err, HB_ECORRUPT, "DELTA_BINARY_PACKED: miniblock bit width %d at byte %zu is above %d",
                                  w, wpos + m, maxw);
            size_t bytes = per / 8 * (size_t)w;
            if (bytes > len - pos)
                return hb_err_set(err, HB_ECORRUPT,
                                  "DELTA_BINARY_PACKED: miniblock at byte %zu needs %zu bytes, %zu left", pos, bytes,
                                  len - pos);
            size_t take = n - got < per ? n - got : per;
            const uint8_t *src = p + pos;
            size_t c = 0;
            /* whole 32-value chunks straight into the output, while 8 bytes of slack remain */
            if (w) {
                size_t k = take / 32;
                size_t chunk = 4 * (size_t)w;
                if (k && (size_t)(src - p) + k * chunk + 8 > len) {
                    size_t room = len - (size_t)(src - p);
                    k = room >= 8 ? (room - 8) / chunk : 0;
                }
                if (k) {
                    if (is32)
                        hb_pq_unpack_u32(src, o32 + got, k, w);
                    else
                        hb_pq_unpack_u64(src, o64 + got, k, w);
                }
                c = k * 32;
                while (c < take) {
                    uint8_t in[4 * 64 + 8];
                    size_t rr = take - c > 32 ? 32 : take - c;
                    memset(in, 0, sizeof in);
                    memcpy(in, src + c / 8 * (size_t)w, (rr * (size_t)w + 7) / 8);
                    if (is32) {
                        uint32_t t[32];
                        hb_pq_unpack_u32(in, t, 1, w);
                        memcpy(o32 + got + c, t, rr * 4);
                    } else {
                        uint64_t t[32];
                        hb_pq_unpack_u64(in, t, 1, w);
                        memcpy(o64 + got + c, t, rr * 8);
                    }
                    c += rr;
                }
                if (is32) {
                    uint32_t pv = (uint32_t)prev, md = (uint32_t)mind;
                    uint32_t *o = o32 + got;
                    for (size_t j = 0; j < take; j++)
                        o[j] = pv += md + o[j];
                    prev = pv;
                } else {
                    uint64_t pv = prev;
                    uint64_t *o = o64 + got;
                    for (size_t j = 0; j < take; j++)
                        o[j] = pv += mind + o[j];
                    prev = pv;
                }
            } else if (is32) {
                uint32_t pv = (uint32_t)prev, md = (uint32_t)mind;
                uint32_t *o = o32 + got;
                for (size_t j = 0; j < take; j++)
                    o[j] = pv += md;
                prev = pv;
            } else {
                uint64_t pv = prev;
                uint64_t *o = o64 + got;
                for (size_t j = 0; j < take; j++)
                    o[j] = pv += mind;
                prev = pv;
            }
            got += take;
            pos += bytes;
        }
    }
done:
    if (used)
        *used = pos;
    return HB_OK;
}

int hb_pq_delta_decode_i64(const void *data, size_t len, int64_t *out, size_t n, size_t *used, hb_err *err)
{
    return delta_decode_core(data, len, out, 0, n, used, err);
}

int hb_pq_delta_decode_i32(const void *data, size_t len, int32_t *out, size_t n, size_t *used, hb_err *err)
{
    return delta_decode_core(data, len, out, 1, n, used, err);
}
