/* RLE / bit-packed hybrid encoding (Parquet encoding RLE = 3) and
 * dictionary-index data (RLE_DICTIONARY = 8 data pages).
 *
 * Byte layout, for a bit width w known to both sides (Encodings.md):
 *
 *   [u32 LE length]            only where the page kind requires it (data page
 *                              v1 levels, RLE booleans): byte length of the runs
 *   run*                       until the expected number of values is decoded
 *   run := bit-packed | rle
 *   bit-packed := uleb128(groups << 1 | 1)  then groups * w bytes: groups*8
 *                 values packed LSB first (see parquet_enc_bitpack.c); the
 *                 last group may hold padding values past the end
 *   rle        := uleb128(count << 1)  then the repeated value in
 *                 ceil(w / 8) bytes, little-endian
 *   counts are 1 .. 2^31-1 values.
 *
 * Dictionary-index data: u8 bit width (<= 32), then runs as above, no length.
 *
 * Encoder policy: 8 or more equal consecutive values become an RLE run;
 * everything else is bit-packed in groups of 8 (a literal stretch is topped
 * up to a multiple of 8 with values from the following run when that run
 * stays >= 8 long). Only the final group is padded (with zero bits). */
#include "format/parquet_enc.h"

#include <string.h>

#define AI static inline __attribute__((always_inline))

#define MAX_RUN ((size_t)0x7fffffff)       /* values per run */
#define MAX_GROUPS (MAX_RUN / 8)           /* groups per bit-packed run */

static uint8_t *room(hb_buf *out, size_t n, int *rc)
{
    *rc = hb_buf_reserve(out, n);
    return *rc ? NULL : (uint8_t *)out->data + out->len;
}

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

AI uint32_t val_at(const void *v, int esz, size_t i)
{
    return esz == 1 ? ((const uint8_t *)v)[i] : ((const uint32_t *)v)[i];
}

static int emit_rle(hb_buf *out, uint32_t val, size_t count, int w)
{
    size_t vb = ((size_t)w + 7) / 8;
    while (count) {
        size_t c = count > MAX_RUN ? MAX_RUN : count;
        int rc;
        uint8_t *p = room(out, 10 + vb, &rc);
        if (!p)
            return rc;
        size_t k = put_uleb(p, (uint64_t)c << 1);
        for (size_t b = 0; b < vb; b++)
            p[k++] = (uint8_t)(val >> (8 * b));
        out->len += k;
        count -= c;
    }
    return HB_OK;
}

/* Bit-pack v[0..count) (count need not be a multiple of 8: the last group is
 * zero-padded). */
static int emit_packed(hb_buf *out, const void *v, int esz, size_t count, int w)
{
    uint32_t tmp[256];
    while (count) {
        size_t groups = (count + 7) / 8;
        if (groups > MAX_GROUPS)
            groups = MAX_GROUPS;
        size_t c = groups * 8 < count ? groups * 8 : count;
        int rc;
        uint8_t *p = room(out, 10 + groups * (size_t)w, &rc);
        if (!p)
            return rc;
        p += put_uleb(p, (uint64_t)groups << 1 | 1);
        size_t done = 0;
        if (esz == 4) {
            size_t full = c / 8;
            hb_pq_pack_u32((const uint32_t *)v, p, full, w);
            done = full * 8;
        }
        while (done < c) {
            size_t k = c - done > 256 ? 256 : c - done;
            size_t k8 = (k + 7) / 8;
            for (size_t i = 0; i < k; i++)
                tmp[i] = val_at(v, esz, done + i);
            for (size_t i = k; i < k8 * 8; i++)
                tmp[i] = 0;
            hb_pq_pack_u32(tmp, p + done / 8 * (size_t)w, k8, w);
            done += k;
        }
        out->len = (size_t)(p - (uint8_t *)out->data) + groups * (size_t)w;
        out->data[out->len] = '\0';
        v = (const char *)v + c * (size_t)esz;
        count -= c;
    }
    return HB_OK;
}

AI int rle_encode_core(hb_buf *out, const void *v, int esz, size_t n, int w, int len_prefix, hb_err *err)
{
    int maxw = esz == 1 ? 8 : 32;
    if (w < 0 || w > maxw)
        return hb_err_set(err, HB_EINVAL, "RLE encoding: bit width %d out of range 0..%d", w, maxw);
    if (w < 32) {
        uint32_t any = 0;
        for (size_t i = 0; i < n; i++)
            any |= val_at(v, esz, i);
        if (any >> w) {
            for (size_t i = 0; i < n; i++)
                if (val_at(v, esz, i) >> w)
                    return hb_err_set(err, HB_EINVAL, "RLE encoding: value %u at index %zu does not fit %d bits",
                                      (unsigned)val_at(v, esz, i), i, w);
        }
    }
    size_t start = out->len;
    int rc;
    if (len_prefix && (rc = hb_buf_put_u32le(out, 0)))
        goto fail;
    size_t i = 0, lit = 0;
    while (i < n) {
        uint32_t x = val_at(v, esz, i);
        size_t j = i + 1;
        while (j < n && val_at(v, esz, j) == x)
            j++;
        size_t r = j - i;
        if (r >= 8) {
            size_t l = i - lit;
            if (l % 8) {
                size_t pad = 8 - l % 8;
                if (r - pad < 8) {   /* too short once topped up: stays literal */
                    i = j;
                    continue;
                }
                i += pad;
                r -= pad;
            }
            if (i > lit && (rc = emit_packed(out, (const char *)v + lit * (size_t)esz, esz, i - lit, w)))
                goto fail;
            if ((rc = emit_rle(out, x, r, w)))
                goto fail;
            lit = j;
        }
        i = j;
    }
    if (n > lit && (rc = emit_packed(out, (const char *)v + lit * (size_t)esz, esz, n - lit, w)))
        goto fail;
    if (len_prefix) {
        size_t body = out->len - start - 4;
        if (body > UINT32_MAX) {
            rc = HB_ELIMIT;
            goto fail;
        }
        uint8_t *p = (uint8_t *)out->data + start;
        for (int b = 0; b < 4; b++)
            p[b] = (uint8_t)(body >> (8 * b));
    }
    return HB_OK;
fail:
    out->len = start;
    if (out->data)
        out->data[start] = '\0';
    return hb_err_set(err, rc, "RLE encoding: %s", hb_strerror(rc));
}

int hb_pq_rle_encode_u32(hb_buf *out, const uint32_t *v, size_t n, int bit_width, int len_prefix, hb_err *err)
{
    return rle_encode_core(out, v, 4, n, bit_width, len_prefix, err);
}

int hb_pq_rle_encode_u8(hb_buf *out, const uint8_t *v, size_t n, int bit_width, int len_prefix, hb_err *err)
{
    return rle_encode_core(out, v, 1, n, bit_width, len_prefix, err);
}

/* ---- decoding ---- */

AI void unpack_n(const uint8_t *in, void *out, int esz, size_t n32, int w)
{
    if (esz == 1)
        hb_pq_unpack_u8(in, (uint8_t *)out, n32, w);
    else
        hb_pq_unpack_u32(in, (uint32_t *)out, n32, w);
}

/* Unpack take values of width w from p[0..avail) (already checked to hold
 * ceil(take*w/8) bytes) into out. */
AI void unpack_run(const uint8_t *p, size_t avail, void *out, int esz, size_t take, int w)
{
    size_t chunk = 4 * (size_t)w;   /* bytes per 32 values */
    size_t k = take / 32;
    if (k && avail < k * chunk + 8)
        k = avail >= 8 ? (avail - 8) / chunk : 0;
    if (k)
        unpack_n(p, out, esz, k, w);
    size_t done = k * 32;
    while (done < take) {
        uint8_t in[4 * 32 + 8];
        uint32_t tmp32[32];
        uint8_t tmp8[32];
        size_t r = take - done > 32 ? 32 : take - done;
        size_t nb = (r * (size_t)w + 7) / 8;
        memset(in, 0, sizeof in);
        memcpy(in, p + done / 8 * (size_t)w, nb);
        if (esz == 1) {
            hb_pq_unpack_u8(in, tmp8, 1, w);
            memcpy((uint8_t *)out + done, tmp8, r);
        } else {
            hb_pq_unpack_u32(in, tmp32, 1, w);
            memcpy((uint32_t *)out + done, tmp32, r * 4);
        }
        done += r;
    }
}

/* off0: where p sits in the caller's range, for error offsets. */
AI int rle_decode_core(const uint8_t *p, size_t len, int w, int len_prefix, void *out, int esz, size_t n,
                       size_t *used, size_t off0, hb_err *err)
{
    int maxw = esz == 1 ? 8 : 32;
    if (w < 0 || w > maxw)
        return hb_err_set(err, HB_EINVAL, "RLE decoding: bit width %d out of range 0..%d", w, maxw);
    size_t base = off0;
    if (len_prefix) {
        if (len < 4)
            return hb_err_set(err, HB_ECORRUPT, "RLE data: %zu bytes, too short for the 4-byte length at byte %zu",
                              len, off0);
        uint32_t l = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        if (l > len - 4)
            return hb_err_set(err, HB_ECORRUPT, "RLE data: length %u at byte %zu exceeds the %zu bytes that follow",
                              (unsigned)l, off0, len - 4);
        base = off0 + 4;
        p += 4;
        len = l;
    }
    const size_t vb = ((size_t)w + 7) / 8;
    size_t pos = 0, got = 0;
    while (got < n) {
        if (pos >= len)
            return hb_err_set(err, HB_ECORRUPT, "RLE data ends at byte %zu after %zu of %zu values", base + pos,
                              got, n);
        size_t hpos = pos;
        uint64_t h = 0;
        for (int shift = 0;; shift += 7) {
            if (pos >= len)
                return hb_err_set(err, HB_ECORRUPT, "RLE data: run header at byte %zu is truncated", base + hpos);
            if (shift > 28)
                return hb_err_set(err, HB_ECORRUPT, "RLE data: run header at byte %zu is longer than 5 bytes",
                                  base + hpos);
            uint8_t c = p[pos++];
            h |= (uint64_t)(c & 0x7f) << shift;
            if (!(c & 0x80))
                break;
        }
        if (h > UINT32_MAX)
            return hb_err_set(err, HB_ECORRUPT, "RLE data: run header at byte %zu exceeds 2^32-1", base + hpos);
        size_t left = n - got;
        size_t avail = len - pos;
        if (h & 1) {
            uint64_t count = (h >> 1) * 8;
            size_t take = count < left ? (size_t)count : left;
            uint64_t full = (h >> 1) * (uint64_t)w;
            if (w && take > avail / w * 8 + 8)   /* cheap overflow guard before multiplying */
                goto short_run;
            size_t need = (take * (size_t)w + 7) / 8;
            if (need > avail)
                goto short_run;
            if (w == 0) {
                memset((char *)out + got * (size_t)esz, 0, take * (size_t)esz);
            } else {
                unpack_run(p + pos, avail, (char *)out + got * (size_t)esz, esz, take, w);
            }
            got += take;
            pos += full <= avail ? (size_t)full : need;
            continue;
        short_run:
            return hb_err_set(err, HB_ECORRUPT,
                              "RLE data: bit-packed run of %llu values at byte %zu needs %llu bytes, %zu left",
                              (unsigned long long)count, base + hpos, (unsigned long long)full, avail);
        } else {
            uint64_t count = h >> 1;
            if (vb > avail)
                return hb_err_set(err, HB_ECORRUPT, "RLE data: run value at byte %zu is truncated", base + pos);
            uint32_t x = 0;
            for (size_t b = 0; b < vb; b++)
                x |= (uint32_t)p[pos + b] << (8 * b);
            if (w < 32 && (x >> w))
                return hb_err_set(err, HB_ECORRUPT, "RLE data: run value %u at byte %zu does not fit bit width %d",
                                  (unsigned)x, base + pos, w);
            pos += vb;
            size_t take = count < left ? (size_t)count : left;
            if (esz == 1) {
                memset((uint8_t *)out + got, (int)x, take);
            } else {
                uint32_t *o = (uint32_t *)out + got;
                for (size_t i = 0; i < take; i++)
                    o[i] = x;
            }
            got += take;
        }
    }
    if (used)
        *used = len_prefix ? 4 + len : pos;
    return HB_OK;
}

int hb_pq_rle_decode_u32(const void *data, size_t len, int bit_width, int len_prefix, uint32_t *out, size_t n,
                         size_t *used, hb_err *err)
{
    return rle_decode_core(data, len, bit_width, len_prefix, out, 4, n, used, 0, err);
}

int hb_pq_rle_decode_u8(const void *data, size_t len, int bit_width, int len_prefix, uint8_t *out, size_t n,
                        size_t *used, hb_err *err)
{
    return rle_decode_core(data, len, bit_width, len_prefix, out, 1, n, used, 0, err);
}

int hb_pq_dict_idx_encode(hb_buf *out, const uint32_t *idx, size_t n, uint32_t dict_count, hb_err *err)
{
    int w = dict_count ? hb_pq_bit_width(dict_count - 1) : 0;
    for (size_t i = 0; i < n; i++)
        if (idx[i] >= dict_count)
            return hb_err_set(err, HB_EINVAL, "dictionary index %u at %zu is not below the dictionary size %u",
                              (unsigned)idx[i], i, (unsigned)dict_count);
    size_t start = out->len;
    int rc = hb_buf_put_u8(out, (uint8_t)w);
    if (rc)
        return hb_err_set(err, rc, "dictionary indices: %s", hb_strerror(rc));
    rc = hb_pq_rle_encode_u32(out, idx, n, w, 0, err);
    if (rc) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
    }
    return rc;
}

int hb_pq_dict_idx_decode(const void *data, size_t len, uint32_t *out, size_t n, uint32_t dict_count, size_t *used,
                          hb_err *err)
{
    const uint8_t *p = data;
    if (n == 0) {
        if (used)
            *used = len ? 1 : 0;
        return HB_OK;
    }
    if (len < 1)
        return hb_err_set(err, HB_ECORRUPT, "dictionary indices: missing bit width at byte 0");
    int w = p[0];
    if (w > 32)
        return hb_err_set(err, HB_ECORRUPT, "dictionary indices: bit width %d at byte 0 is above 32", w);
    size_t u = 0;
    int rc = rle_decode_core(p + 1, len - 1, w, 0, out, 4, n, &u, 1, err);
    if (rc)
        return rc;
    uint32_t mx = 0;
    for (size_t i = 0; i < n; i++)
        mx = out[i] > mx ? out[i] : mx;
    if (mx >= dict_count) {
        for (size_t i = 0; i < n; i++)
            if (out[i] >= dict_count)
                return hb_err_set(err, HB_ECORRUPT,
                                  "dictionary indices: index %u of value %zu is not below the dictionary size %u",
                                  (unsigned)out[i], i, (unsigned)dict_count);
    }
    if (used)
        *used = 1 + u;
    return HB_OK;
}
