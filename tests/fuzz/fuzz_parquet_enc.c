/* libFuzzer target: every Parquet value decoder must reject or accept any
 * bytes without crashing, reading out of bounds or leaking; whatever it
 * accepts must survive a re-encode/decode round trip unchanged.
 *
 * Input: byte 0 picks the decoder (low 3 bits) and flags (bit 3: length
 * prefix for RLE); byte 1 the bit width / dictionary size; bytes 2-3 the
 * expected value count (LE, < 4096); the rest is the encoded data. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/parquet_enc.h"

#define MAXN 4096

static void check_rle_u32(const uint32_t *v, size_t n, int w)
{
    hb_buf b;
    hb_err e;
    hb_buf_init(&b, 0);
    uint32_t *o = malloc(n * 4 + 4);
    if (o && hb_pq_rle_encode_u32(&b, v, n, w, 1, &e) == 0) {
        if (hb_pq_rle_decode_u32(b.data, b.len, w, 1, o, n, NULL, &e) != 0 || memcmp(v, o, n * 4) != 0)
            abort();
    }
    free(o);
    hb_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    int sel = data[0] & 7, flag = (data[0] >> 3) & 1, p1 = data[1];
    size_t n = (size_t)(data[2] | data[3] << 8) % MAXN;
    const uint8_t *d = data + 4;
    size_t len = size - 4;
    hb_err e;
    size_t used = 0;
    static uint64_t out[MAXN], again[MAXN];
    static hb_slice sl[MAXN];
    switch (sel) {
    case 0: {   /* RLE hybrid into u32 */
        int w = p1 % 33;
        if (hb_pq_rle_decode_u32(d, len, w, flag, (uint32_t *)out, n, &used, &e) == 0) {
            if (used > len)
                abort();
            check_rle_u32((const uint32_t *)out, n, w);
        }
        break;
    }
    case 1: {   /* RLE hybrid into u8 (levels, booleans) */
        int w = p1 % 9;
        if (hb_pq_rle_decode_u8(d, len, w, flag, (uint8_t *)out, n, &used, &e) == 0 && used > len)
            abort();
        break;
    }
    case 2:     /* dictionary indices */
        if (hb_pq_dict_idx_decode(d, len, (uint32_t *)out, n, (uint32_t)p1 * 3, &used, &e) == 0) {
            for (size_t i = 0; i < n; i++)
                if (((uint32_t *)out)[i] >= (uint32_t)p1 * 3)
                    abort();
        }
        break;
    case 3:
    case 4: {   /* DELTA_BINARY_PACKED, count from the header */
        uint64_t cnt;
        if (hb_pq_delta_count(d, len, &cnt, &e) != 0 || cnt > MAXN)
            break;
        n = (size_t)cnt;
        hb_buf b;
        hb_buf_init(&b, 0);
        if (sel == 3 && hb_pq_delta_decode_i64(d, len, (int64_t *)out, n, &used, &e) == 0) {
            if (used > len || hb_pq_delta_encode_i64(&b, (int64_t *)out, n, &e) != 0 ||
                hb_pq_delta_decode_i64(b.data, b.len, (int64_t *)again, n, NULL, &e) != 0 ||
                memcmp(out, again, n * 8) != 0)
                abort();
        }
        if (sel == 4 && hb_pq_delta_decode_i32(d, len, (int32_t *)out, n, &used, &e) == 0) {
            if (used > len || hb_pq_delta_encode_i32(&b, (int32_t *)out, n, &e) != 0 ||
                hb_pq_delta_decode_i32(b.data, b.len, (int32_t *)again, n, NULL, &e) != 0 ||
                memcmp(out, again, n * 4) != 0)
                abort();
        }
        hb_buf_free(&b);
        break;
    }
    case 5:
        if (hb_pq_plain_get_bytes(d, len, sl, n, &used, &e) == 0) {
            for (size_t i = 0; i < n; i++)
                if (sl[i].p < (const char *)d || sl[i].p + sl[i].n > (const char *)d + len)
                    abort();
        }
        break;
    case 6:
        hb_pq_plain_get_bool(d, len, (uint8_t *)out, n, &used, &e);
        break;
    default:
        hb_pq_plain_get_i64(d, len, (int64_t *)out, n, &used, &e);
        hb_pq_plain_get_i32(d, len, (int32_t *)out, n, &used, &e);
        break;
    }
    return 0;
}
