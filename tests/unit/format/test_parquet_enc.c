#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/parquet_enc.h"

/* ---- helpers ---- */

typedef struct { uint64_t s; } rng;
static uint64_t rnd(rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}
static uint64_t rndn(rng *r, uint64_t n) { return n ? rnd(r) % n : 0; }
static uint64_t mask_w(int w) { return w >= 64 ? ~0ULL : (1ULL << w) - 1; }

/* Exact-size heap copy so ASan catches any read past the range. */
static uint8_t *dup_exact(const void *p, size_t n)
{
    uint8_t *c = malloc(n ? n : 1);
    assert_non_null(c);
    if (n)
        memcpy(c, p, n);
    return c;
}

static void expect_bytes(const hb_buf *b, const uint8_t *want, size_t n)
{
    assert_int_equal(b->len, n);
    assert_memory_equal(b->data, want, n);
}

/* ---- bit-packing kernels ---- */

static void spec_bitpack_example(void **state)
{
    /* Encodings.md: 0..7 in width 3 -> 10001000 11000110 11111010 */
    uint32_t v[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
    uint8_t out[3];
    hb_pq_pack_u32(v, out, 1, 3);
    uint8_t want[3] = { 0x88, 0xC6, 0xFA };
    assert_memory_equal(out, want, 3);

    uint8_t in[12 + 8] = { 0 };
    for (int k = 0; k < 4; k++)
        memcpy(in + 3 * k, want, 3);
    uint32_t got[32];
    hb_pq_unpack_u32(in, got, 1, 3);
    for (int i = 0; i < 32; i++)
        assert_int_equal(got[i], i % 8);
    uint8_t got8[32];
    hb_pq_unpack_u8(in, got8, 1, 3);
    for (int i = 0; i < 32; i++)
        assert_int_equal(got8[i], i % 8);
}

static void bitpack_all_widths(void **state)
{
    rng r = { 1 };
    for (int w = 0; w <= 64; w++) {
        uint64_t v[64], back[64];
        uint8_t buf[64 * 8 + 8];
        for (int i = 0; i < 64; i++)
            v[i] = rnd(&r) & mask_w(w);
        memset(buf, 0xEE, sizeof buf);
        hb_pq_pack_u64(v, buf, 8, w);
        for (size_t i = 0; i < 8 * (size_t)w; i++) /* bit i of the stream is bit i%w of value i/w */
            assert_int_equal((buf[i / 8] >> (i % 8)) & 1, (v[i / (size_t)w] >> (i % (size_t)w)) & 1);
        hb_pq_unpack_u64(buf, back, 2, w);
        assert_memory_equal(v, back, sizeof v);
        if (w <= 32) {
            uint32_t v32[64], b32[64];
            uint8_t buf2[64 * 4 + 8];
            for (int i = 0; i < 64; i++)
                v32[i] = (uint32_t)v[i];
            hb_pq_pack_u32(v32, buf2, 8, w);
            assert_memory_equal(buf, buf2, 8 * (size_t)w);
            hb_pq_unpack_u32(buf2, b32, 2, w);
            assert_memory_equal(v32, b32, sizeof v32);
        }
        if (w <= 8) {
            uint8_t b8[64];
            hb_pq_unpack_u8(buf, b8, 2, w);
            for (int i = 0; i < 64; i++)
                assert_int_equal(b8[i], v[i]);
        }
    }
}

/* ---- PLAIN ---- */

static void plain_exact_and_roundtrip(void **state)
{
    hb_buf b;
    hb_buf_init(&b, 0);
    hb_err err;
    uint8_t bools[10] = { 1, 0, 1, 1, 0, 0, 0, 1, 0, 7 };
    assert_int_equal(hb_pq_plain_put_bool(&b, bools, 10, &err), 0);
    expect_bytes(&b, (const uint8_t[]){ 0x8D, 0x02 }, 2);
    uint8_t bb[10];
    size_t used;
    assert_int_equal(hb_pq_plain_get_bool(b.data, b.len, bb, 10, &used, &err), 0);
    assert_int_equal(used, 2);
    for (int i = 0; i < 10; i++)
        assert_int_equal(bb[i], bools[i] != 0);
    assert_int_equal(hb_pq_plain_get_bool(b.data, 1, bb, 10, NULL, &err), HB_ECORRUPT);

    hb_buf_reset(&b);
    int32_t i32[2] = { 1, -2 };
    assert_int_equal(hb_pq_plain_put_i32(&b, i32, 2, &err), 0);
    expect_bytes(&b, (const uint8_t[]){ 1, 0, 0, 0, 0xFE, 0xFF, 0xFF, 0xFF }, 8);
    hb_buf_reset(&b);
    int64_t i64[1] = { INT64_MIN };
    assert_int_equal(hb_pq_plain_put_i64(&b, i64, 1, &err), 0);
    expect_bytes(&b, (const uint8_t[]){ 0, 0, 0, 0, 0, 0, 0, 0x80 }, 8);
    hb_buf_reset(&b);
    double d[1] = { 1.0 };
    assert_int_equal(hb_pq_plain_put_double(&b, d, 1, &err), 0);
    expect_bytes(&b, (const uint8_t[]){ 0, 0, 0, 0, 0, 0, 0xF0, 0x3F }, 8);
    hb_buf_reset(&b);
    hb_slice s[3] = { { "ab", 2 }, { "", 0 }, { "\0x", 2 } };
    assert_int_equal(hb_pq_plain_put_bytes(&b, s, 3, &err), 0);
    expect_bytes(&b, (const uint8_t[]){ 2, 0, 0, 0, 'a', 'b', 0, 0, 0, 0, 2, 0, 0, 0, 0, 'x' }, 16);
    hb_slice back[3];
    assert_int_equal(hb_pq_plain_get_bytes(b.data, b.len, back, 3, &used, &err), 0);
    assert_int_equal(used, 16);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(back[i].n, s[i].n);
        assert_memory_equal(back[i].p, s[i].p, s[i].n);
    }
    /* every cut point of the byte arrays fails cleanly */
    for (size_t cut = 0; cut < b.len; cut++) {
        uint8_t *c = dup_exact(b.data, cut);
        assert_int_equal(hb_pq_plain_get_bytes(c, cut, back, 3, NULL, &err), HB_ECORRUPT);
        free(c);
    }
    /* a length beyond the data */
    uint8_t bad[6] = { 0xFF, 0xFF, 0xFF, 0xFF, 'a', 'b' };
    assert_int_equal(hb_pq_plain_get_bytes(bad, 6, back, 1, NULL, &err), HB_ECORRUPT);
    assert_non_null(strstr(err.msg, "byte 0"));

    /* random round trips of every fixed type */
    rng r = { 7 };
    for (int it = 0; it < 20; it++) {
        size_t n = rndn(&r, 70001);
        int64_t *v = malloc(n * 8 + 8), *o = malloc(n * 8 + 8);
        uint8_t *bv = malloc(n + 1), *bo = malloc(n + 1);
        for (size_t i = 0; i < n; i++) {
            v[i] = (int64_t)rnd(&r);
            bv[i] = (uint8_t)(rnd(&r) & 1);
        }
        hb_buf_reset(&b);
        assert_int_equal(hb_pq_plain_put_i64(&b, v, n, &err), 0);
        assert_int_equal(hb_pq_plain_get_i64(b.data, b.len, o, n, &used, &err), 0);
        assert_int_equal(used, n * 8);
        assert_memory_equal(v, o, n * 8);
        if (n)
            assert_int_equal(hb_pq_plain_get_i64(b.data, b.len - 1, o, n, NULL, &err), HB_ECORRUPT);
        hb_buf_reset(&b);
        assert_int_equal(hb_pq_plain_put_i32(&b, (int32_t *)v, n, &err), 0);
        assert_int_equal(hb_pq_plain_get_i32(b.data, b.len, (int32_t *)o, n, NULL, &err), 0);
        assert_memory_equal(v, o, n * 4);
        hb_buf_reset(&b);
        assert_int_equal(hb_pq_plain_put_double(&b, (double *)v, n, &err), 0);
        assert_int_equal(hb_pq_plain_get_double(b.data, b.len, (double *)o, n, NULL, &err), 0);
        assert_memory_equal(v, o, n * 8);
        hb_buf_reset(&b);
        assert_int_equal(hb_pq_plain_put_bool(&b, bv, n, &err), 0);
        assert_int_equal(b.len, (n + 7) / 8);
        assert_int_equal(hb_pq_plain_get_bool(b.data, b.len, bo, n, NULL, &err), 0);
        assert_memory_equal(bv, bo, n);
        free(v);
        free(o);
        free(bv);
        free(bo);
    }
    hb_buf_free(&b);
}

/* ---- RLE / bit-packed hybrid ---- */

static void rle_exact(void **state)
{
    hb_buf b;
    hb_buf_init(&b, 0);
    hb_err err;
    /* 0..7 in width 3: one bit-packed group */
    uint32_t a[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };
    assert_int_equal(hb_pq_rle_encode_u32(&b, a, 8, 3, 0, &err), 0);
    expect_bytes(&b, (const uint8_t[]){ 0x03, 0x88, 0xC6, 0xFA }, 4);

    /* ten 5s, width 3, with the v1 length prefix: one RLE run */
    hb_buf_reset(&b);
    uint32_t c[10] = { 5, 5, 5, 5, 5, 5, 5, 5, 5, 5 };
    assert_int_equal(hb_pq_rle_encode_u32(&b, c, 10, 3, 1, &err), 0);
    expect_bytes(&b, (const uint8_t[]){ 0x02, 0, 0, 0, 0x14, 0x05 }, 6);

    /* 1,2,3 then twenty 4s: literal topped up to 8 with five 4s, then RLE 15 */
    hb_buf_reset(&b);
    uint32_t m[23] = { 1, 2, 3 };
    for (int i = 3; i < 23; i++)
        m[i] = 4;
    assert_int_equal(hb_pq_rle_encode_u32(&b, m, 23, 3, 0, &err), 0);
    expect_bytes(&b, (const uint8_t[]){ 0x03, 0xD1, 0x48, 0x92, 0x1E, 0x04 }, 6);
    uint32_t back[23];
    size_t used;
    assert_int_equal(hb_pq_rle_decode_u32(b.data, b.len, 3, 0, back, 23, &used, &err), 0);
    assert_int_equal(used, 6);
    assert_memory_equal(back, m, sizeof m);

    /* width 0: runs with no value bytes */
    hb_buf_reset(&b);
    uint8_t z[100] = { 0 };
    assert_int_equal(hb_pq_rle_encode_u8(&b, z, 100, 0, 0, &err), 0);
    expect_bytes(&b, (const uint8_t[]){ 0xC8, 0x01 }, 2);
    uint8_t zb[100];
    memset(zb, 9, sizeof zb);
    assert_int_equal(hb_pq_rle_decode_u8(b.data, b.len, 0, 0, zb, 100, NULL, &err), 0);
    assert_memory_equal(zb, z, 100);

    /* width 32 RLE value takes 4 bytes; 3 values bit-packed with padding */
    hb_buf_reset(&b);
    uint32_t big[3] = { 0xFFFFFFFFu, 1, 0x80000000u };
    assert_int_equal(hb_pq_rle_encode_u32(&b, big, 3, 32, 0, &err), 0);
    assert_int_equal(b.len, 1 + 32);
    assert_int_equal((uint8_t)b.data[0], 0x03);
    uint32_t bb[3];
    assert_int_equal(hb_pq_rle_decode_u32(b.data, b.len, 32, 0, bb, 3, NULL, &err), 0);
    assert_memory_equal(bb, big, sizeof big);

    /* value too wide for the width is refused by the encoder */
    uint32_t wide[1] = { 8 };
    assert_int_equal(hb_pq_rle_encode_u32(&b, wide, 1, 3, 0, &err), HB_EINVAL);
    hb_buf_free(&b);
}

static void rle_decode_hand_made(void **state)
{
    hb_err err;
    uint8_t out8[20];
    /* RLE run of 3 ones then bit-packed group (width 1) 0b10100101 -> 1,0,1,0,0,1,0,1 */
    const uint8_t s1[] = { 0x06, 0x01, 0x03, 0xA5 };
    assert_int_equal(hb_pq_rle_decode_u8(s1, sizeof s1, 1, 0, out8, 11, NULL, &err), 0);
    const uint8_t w1[11] = { 1, 1, 1, 1, 0, 1, 0, 0, 1, 0, 1 };
    assert_memory_equal(out8, w1, 11);
    /* asking for more values than present */
    assert_int_equal(hb_pq_rle_decode_u8(s1, sizeof s1, 1, 0, out8, 12, NULL, &err), HB_ECORRUPT);
    assert_non_null(strstr(err.msg, "byte 4"));
    /* RLE value 2 does not fit width 1 */
    const uint8_t s2[] = { 0x06, 0x02 };
    assert_int_equal(hb_pq_rle_decode_u8(s2, sizeof s2, 1, 0, out8, 3, NULL, &err), HB_ECORRUPT);
    assert_non_null(strstr(err.msg, "byte 1"));
    /* over-long run header */
    const uint8_t s3[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 };
    assert_int_equal(hb_pq_rle_decode_u8(s3, sizeof s3, 1, 0, out8, 3, NULL, &err), HB_ECORRUPT);
    /* bit-packed run longer than the data */
    const uint8_t s4[] = { 0x05, 0xFF };
    assert_int_equal(hb_pq_rle_decode_u8(s4, sizeof s4, 1, 0, out8, 16, NULL, &err), HB_ECORRUPT);
    /* length prefix larger than the data */
    const uint8_t s5[] = { 0x09, 0, 0, 0, 0x06, 0x01 };
    assert_int_equal(hb_pq_rle_decode_u8(s5, sizeof s5, 1, 1, out8, 3, NULL, &err), HB_ECORRUPT);
    /* prefix bounds the data: the decoder must not read past it */
    const uint8_t s6[] = { 0x01, 0, 0, 0, 0x06, 0x01 };
    assert_int_equal(hb_pq_rle_decode_u8(s6, sizeof s6, 1, 1, out8, 3, NULL, &err), HB_ECORRUPT);
    size_t used;
    const uint8_t s7[] = { 0x02, 0, 0, 0, 0x06, 0x01, 0xAA };
    assert_int_equal(hb_pq_rle_decode_u8(s7, sizeof s7, 1, 1, out8, 3, &used, &err), 0);
    assert_int_equal(used, 6);
    /* a run longer than needed is clipped */
    const uint8_t s8[] = { 0xFE, 0x01, 0x01 };
    assert_int_equal(hb_pq_rle_decode_u8(s8, sizeof s8, 1, 0, out8, 5, &used, &err), 0);
    assert_int_equal(used, 3);
    /* bad widths are invalid arguments */
    assert_int_equal(hb_pq_rle_decode_u8(s8, sizeof s8, 9, 0, out8, 5, NULL, &err), HB_EINVAL);
    uint32_t o32[4];
    assert_int_equal(hb_pq_rle_decode_u32(s8, sizeof s8, 33, 0, o32, 4, NULL, &err), HB_EINVAL);
}

enum { D_CONST, D_RUNS, D_RANDOM, D_SPARSE, D_MIXED, D_NDIST };

static void fill_levels(rng *r, uint32_t *v, size_t n, int w, int dist)
{
    uint64_t mk = mask_w(w);
    uint32_t c = (uint32_t)(rnd(r) & mk);
    for (size_t i = 0; i < n;) {
        switch (dist) {
        case D_CONST:
            v[i++] = c;
            break;
        case D_RUNS: {
            size_t len = 1 + rndn(r, rndn(r, 3) ? 12 : 300);
            uint32_t x = (uint32_t)(rnd(r) & mk);
            for (size_t k = 0; k < len && i < n; k++)
                v[i++] = x;
            break;
        }
        case D_RANDOM:
            v[i++] = (uint32_t)(rnd(r) & mk);
            break;
        case D_SPARSE:
            v[i++] = rndn(r, 50) ? c : (uint32_t)(rnd(r) & mk);
            break;
        default: {
            int sub = (int)rndn(r, 4);
            size_t len = 1 + rndn(r, 40);
            for (size_t k = 0; k < len && i < n; k++, i++)
                v[i] = sub == 0 ? c : sub == 1 ? (uint32_t)(rnd(r) & mk) : (uint32_t)(i / 9) & (uint32_t)mk;
        }
        }
    }
}

static void rle_roundtrip_property(void **state)
{
    rng r = { 42 };
    hb_buf b;
    hb_buf_init(&b, 0);
    hb_err err;
    for (int it = 0; it < 260; it++) {
        int w = it < 33 ? it : (int)rndn(&r, 33);
        int dist = (int)rndn(&r, D_NDIST);
        size_t n = it % 5 == 0 ? rndn(&r, 70001) : rndn(&r, 2000);
        int prefix = (int)(rnd(&r) & 1);
        uint32_t *v = malloc(n * 4 + 4), *o = malloc(n * 4 + 4);
        fill_levels(&r, v, n, w, dist);
        hb_buf_reset(&b);
        assert_int_equal(hb_pq_rle_encode_u32(&b, v, n, w, prefix, &err), 0);
        uint8_t *c = dup_exact(b.data, b.len);
        size_t used = 0;
        assert_int_equal(hb_pq_rle_decode_u32(c, b.len, w, prefix, o, n, &used, &err), 0);
        assert_int_equal(used, b.len);
        assert_memory_equal(v, o, n * 4);
        if (dist == D_CONST && n >= 8 && w > 0)   /* a constant page is one short RLE run */
            assert_true(b.len <= (size_t)(prefix ? 4 : 0) + 5 + 4 * ((size_t)(w + 7) / 8));
        if (w <= 8) {
            uint8_t *v8 = malloc(n + 1), *o8 = malloc(n + 1);
            for (size_t i = 0; i < n; i++)
                v8[i] = (uint8_t)v[i];
            hb_buf bb;
            hb_buf_init(&bb, 0);
            assert_int_equal(hb_pq_rle_encode_u8(&bb, v8, n, w, prefix, &err), 0);
            assert_int_equal(bb.len, b.len);
            assert_memory_equal(bb.data, b.data, b.len);
            assert_int_equal(hb_pq_rle_decode_u8(c, b.len, w, prefix, o8, n, NULL, &err), 0);
            assert_memory_equal(v8, o8, n);
            hb_buf_free(&bb);
            free(v8);
            free(o8);
        }
        free(c);
        free(v);
        free(o);
    }
    hb_buf_free(&b);
}

static void rle_truncation_every_cut(void **state)
{
    rng r = { 5 };
    hb_buf b;
    hb_buf_init(&b, 0);
    hb_err err;
    for (int it = 0; it < 24; it++) {
        int w = (int)rndn(&r, 33);
        size_t n = 1 + rndn(&r, 300);
        int prefix = it & 1;
        uint32_t v[300], o[300];
        fill_levels(&r, v, n, w, D_MIXED);
        hb_buf_reset(&b);
        assert_int_equal(hb_pq_rle_encode_u32(&b, v, n, w, prefix, &err), 0);
        /* the last group's padding bytes are not needed to decode n values:
         * with k >= 1 real values in it, w - ceil(k*w/8) bytes at most */
        size_t slack = (size_t)w - ((size_t)w + 7) / 8;
        for (size_t cut = 0; cut < b.len; cut++) {
            uint8_t *c = dup_exact(b.data, cut);
            int rc = hb_pq_rle_decode_u32(c, cut, w, prefix, o, n, NULL, &err);
            if (prefix || cut + slack < b.len || w == 0) {
                if (rc != HB_ECORRUPT && !(w == 0 && rc == 0))
                    fail_msg("cut %zu of %zu (w %d, n %zu, slack %zu) gave %d", cut, b.len, w, n, slack, rc);
                if (rc == 0)
                    assert_memory_equal(v, o, n * 4);
            } else {
                assert_true(rc == HB_ECORRUPT || (rc == 0 && memcmp(v, o, n * 4) == 0));
            }
            free(c);
        }
    }
    hb_buf_free(&b);
}

static void dict_indices(void **state)
{
    hb_buf b;
    hb_buf_init(&b, 0);
    hb_err err;
    uint32_t idx[20], back[20];
    for (int i = 0; i < 20; i++)
        idx[i] = (uint32_t)(i % 5);
    assert_int_equal(hb_pq_dict_idx_encode(&b, idx, 20, 5, &err), 0);
    assert_int_equal((uint8_t)b.data[0], 3);
    size_t used;
    assert_int_equal(hb_pq_dict_idx_decode(b.data, b.len, back, 20, 5, &used, &err), 0);
    assert_int_equal(used, b.len);
    assert_memory_equal(idx, back, sizeof idx);
    /* index beyond a smaller dictionary is corrupt */
    assert_int_equal(hb_pq_dict_idx_decode(b.data, b.len, back, 20, 4, NULL, &err), HB_ECORRUPT);
    assert_non_null(strstr(err.msg, "index 4"));
    /* encoder refuses an index out of range */
    assert_int_equal(hb_pq_dict_idx_encode(&b, idx, 20, 3, &err), HB_EINVAL);
    /* a one-entry dictionary: width 0, one RLE run */
    hb_buf_reset(&b);
    uint32_t zeros[20] = { 0 };
    assert_int_equal(hb_pq_dict_idx_encode(&b, zeros, 20, 1, &err), 0);
    expect_bytes(&b, (const uint8_t[]){ 0x00, 0x28 }, 2);
    assert_int_equal(hb_pq_dict_idx_decode(b.data, b.len, back, 20, 1, NULL, &err), 0);
    assert_memory_equal(back, zeros, sizeof zeros);
    /* width byte above 32 */
    const uint8_t badw[] = { 33, 0x02, 0 };
    assert_int_equal(hb_pq_dict_idx_decode(badw, sizeof badw, back, 1, 10, NULL, &err), HB_ECORRUPT);
    assert_non_null(strstr(err.msg, "byte 0"));
    /* errors inside the runs count the width byte */
    const uint8_t trunc[] = { 3, 0x03, 0x88 };
    assert_int_equal(hb_pq_dict_idx_decode(trunc, sizeof trunc, back, 8, 10, NULL, &err), HB_ECORRUPT);
    assert_non_null(strstr(err.msg, "byte 1"));
    assert_int_equal(hb_pq_dict_idx_decode(trunc, 0, back, 8, 10, NULL, &err), HB_ECORRUPT);
    hb_buf_free(&b);
}

/* ---- DELTA_BINARY_PACKED ---- */

static void delta_spec_examples(void **state)
{
    hb_buf b;
    hb_buf_init(&b, 0);
    hb_err err;
    /* Example 1 of Encodings.md with our block of 128 / 4 miniblocks */
    int64_t e1[5] = { 1, 2, 3, 4, 5 };
    assert_int_equal(hb_pq_delta_encode_i64(&b, e1, 5, &err), 0);
    const uint8_t w1[] = { 0x80, 0x01, 0x04, 0x05, 0x02, /* block */ 0x02, 0, 0, 0, 0 };
    expect_bytes(&b, w1, sizeof w1);
    int64_t o[8];
    size_t used;
    assert_int_equal(hb_pq_delta_decode_i64(b.data, b.len, o, 5, &used, &err), 0);
    assert_int_equal(used, sizeof w1);
    assert_memory_equal(o, e1, sizeof e1);

    /* Example 2: 7,5,3,1,2,3,4,5 -> min delta -2, width 2, 0,0,0,3,3,3,3 */
    hb_buf_reset(&b);
    int64_t e2[8] = { 7, 5, 3, 1, 2, 3, 4, 5 };
    assert_int_equal(hb_pq_delta_encode_i64(&b, e2, 8, &err), 0);
    const uint8_t w2[] = { 0x80, 0x01, 0x04, 0x08, 0x0E, /* block */ 0x03, 0x02, 0, 0, 0,
                           0xC0, 0x3F, 0, 0, 0, 0, 0, 0 };
    expect_bytes(&b, w2, sizeof w2);
    assert_int_equal(hb_pq_delta_decode_i64(b.data, b.len, o, 8, &used, &err), 0);
    assert_int_equal(used, sizeof w2);
    assert_memory_equal(o, e2, sizeof e2);
    int32_t o32[8];
    hb_buf_reset(&b);
    int32_t e2_32[8] = { 7, 5, 3, 1, 2, 3, 4, 5 };
    assert_int_equal(hb_pq_delta_encode_i32(&b, e2_32, 8, &err), 0);
    expect_bytes(&b, w2, sizeof w2);
    assert_int_equal(hb_pq_delta_decode_i32(b.data, b.len, o32, 8, NULL, &err), 0);
    assert_memory_equal(o32, e2_32, sizeof e2_32);

    /* readers accept arbitrary padding bits and widths of absent miniblocks */
    uint8_t w2x[sizeof w2];
    memcpy(w2x, w2, sizeof w2);
    w2x[7] = w2x[8] = w2x[9] = 0xFF;
    for (size_t i = 12; i < sizeof w2x; i++)
        w2x[i] = 0xFF;
    w2x[11] |= 0xC0;   /* value 7 is padding */
    assert_int_equal(hb_pq_delta_decode_i64(w2x, sizeof w2x, o, 8, NULL, &err), 0);
    assert_memory_equal(o, e2, sizeof e2);

    /* the spec's literal examples use block size 8, which is invalid in real files */
    const uint8_t spec8[] = { 0x08, 0x01, 0x05, 0x02, 0x02, 0x00 };
    assert_int_equal(hb_pq_delta_decode_i64(spec8, sizeof spec8, o, 5, NULL, &err), HB_ECORRUPT);
    assert_non_null(strstr(err.msg, "block size 8"));

    /* 0 and 1 values: header only */
    hb_buf_reset(&b);
    assert_int_equal(hb_pq_delta_encode_i64(&b, e1, 0, &err), 0);
    expect_bytes(&b, (const uint8_t[]){ 0x80, 0x01, 0x04, 0x00, 0x00 }, 5);
    assert_int_equal(hb_pq_delta_decode_i64(b.data, b.len, o, 0, &used, &err), 0);
    hb_buf_reset(&b);
    int64_t one[1] = { -3 };
    assert_int_equal(hb_pq_delta_encode_i64(&b, one, 1, &err), 0);
    expect_bytes(&b, (const uint8_t[]){ 0x80, 0x01, 0x04, 0x01, 0x05 }, 5);
    assert_int_equal(hb_pq_delta_decode_i64(b.data, b.len, o, 1, &used, &err), 0);
    assert_int_equal(o[0], -3);

    /* count mismatch, width above 64, width above 32 for INT32 */
    assert_int_equal(hb_pq_delta_decode_i64(w2, sizeof w2, o, 7, NULL, &err), HB_ECORRUPT);
    memcpy(w2x, w2, sizeof w2);
    w2x[6] = 65;
    assert_int_equal(hb_pq_delta_decode_i64(w2x, sizeof w2x, o, 8, NULL, &err), HB_ECORRUPT);
    assert_non_null(strstr(err.msg, "byte 6"));
    w2x[6] = 33;
    assert_int_equal(hb_pq_delta_decode_i32(w2x, sizeof w2x, o32, 8, NULL, &err), HB_ECORRUPT);
    /* miniblock count not giving multiples of 32 */
    memcpy(w2x, w2, sizeof w2);
    w2x[2] = 0x03;
    assert_int_equal(hb_pq_delta_decode_i64(w2x, sizeof w2x, o, 8, NULL, &err), HB_ECORRUPT);
    /* header varints: overlong */
    const uint8_t longv[] = { 0x80, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 };
    assert_int_equal(hb_pq_delta_decode_i64(longv, sizeof longv, o, 0, NULL, &err), HB_ECORRUPT);
    uint64_t cnt = 0;
    assert_int_equal(hb_pq_delta_count(w2, sizeof w2, &cnt, &err), 0);
    assert_int_equal(cnt, 8);
    hb_buf_free(&b);
}

enum { T_TS, T_TS_JITTER, T_CONST, T_SMALL, T_RANDOM, T_EXTREMES, T_WIDTH, T_WALK, T_NKIND };

static void fill_i64(rng *r, int64_t *v, size_t n, int kind)
{
    uint64_t t = 1451606400000000000ULL + rndn(r, 1000000);
    int w = (int)rndn(r, 65);
    for (size_t i = 0; i < n; i++) {
        switch (kind) {
        case T_TS: v[i] = (int64_t)(t + i * 10000000000ULL); break;
        case T_TS_JITTER: t += 10000000000ULL + rndn(r, 1000); v[i] = (int64_t)t; break;
        case T_CONST: v[i] = (int64_t)t; break;
        case T_SMALL: v[i] = (int64_t)rndn(r, 101); break;
        case T_RANDOM: v[i] = (int64_t)rnd(r); break;
        case T_EXTREMES: {
            static const int64_t ex[] = { INT64_MIN, INT64_MAX, 0, -1, 1, INT64_MIN + 1, INT64_MAX - 1 };
            v[i] = ex[rndn(r, 7)];
            break;
        }
        case T_WIDTH: v[i] = (int64_t)(rnd(r) & mask_w(w)); break;
        default: t += (uint64_t)(int64_t)(rndn(r, 21) - 10); v[i] = (int64_t)t; break;
        }
    }
}

static void delta_roundtrip_property(void **state)
{
    rng r = { 99 };
    hb_buf b;
    hb_buf_init(&b, 0);
    hb_err err;
    for (int it = 0; it < 200; it++) {
        int kind = it < T_NKIND ? it : (int)rndn(&r, T_NKIND);
        size_t n = it % 4 == 0 ? rndn(&r, 70001) : rndn(&r, 1500);
        int64_t *v = malloc(n * 8 + 8), *o = malloc(n * 8 + 8);
        fill_i64(&r, v, n, kind);
        hb_buf_reset(&b);
        assert_int_equal(hb_pq_delta_encode_i64(&b, v, n, &err), 0);
        uint8_t *c = dup_exact(b.data, b.len);
        size_t used = 0;
        assert_int_equal(hb_pq_delta_decode_i64(c, b.len, o, n, &used, &err), 0);
        assert_int_equal(used, b.len);
        assert_memory_equal(v, o, n * 8);
        if (kind == T_TS && n > 1000)   /* evenly spaced timestamps: ~6 bytes per 128 values */
            assert_true(b.len < n / 128 * 10 + 64);
        free(c);

        int32_t *v32 = (int32_t *)v, *o32 = (int32_t *)o;
        for (size_t i = 0; i < n; i++)
            v32[i] = (int32_t)(uint32_t)(uint64_t)v[i];
        hb_buf_reset(&b);
        assert_int_equal(hb_pq_delta_encode_i32(&b, v32, n, &err), 0);
        c = dup_exact(b.data, b.len);
        assert_int_equal(hb_pq_delta_decode_i32(c, b.len, o32, n, &used, &err), 0);
        assert_int_equal(used, b.len);
        assert_memory_equal(v32, o32, n * 4);
        free(c);
        free(v);
        free(o);
    }
    hb_buf_free(&b);
}

static void delta_overflow_cases(void **state)
{
    hb_buf b;
    hb_buf_init(&b, 0);
    hb_err err;
    int64_t v[300], o[300];
    for (int i = 0; i < 300; i++)
        v[i] = i % 2 ? INT64_MAX : INT64_MIN;   /* deltas of +-(2^64-1): wrap */
    assert_int_equal(hb_pq_delta_encode_i64(&b, v, 300, &err), 0);
    assert_int_equal(hb_pq_delta_decode_i64(b.data, b.len, o, 300, NULL, &err), 0);
    assert_memory_equal(v, o, sizeof v);
    int32_t v32[300], o32[300];
    for (int i = 0; i < 300; i++)
        v32[i] = i % 3 ? INT32_MAX : INT32_MIN;
    hb_buf_reset(&b);
    assert_int_equal(hb_pq_delta_encode_i32(&b, v32, 300, &err), 0);
    /* all miniblock widths of an INT32 stream are <= 32 */
    assert_int_equal(hb_pq_delta_decode_i32(b.data, b.len, o32, 300, NULL, &err), 0);
    assert_memory_equal(v32, o32, sizeof v32);
    hb_buf_free(&b);
}

static void delta_truncation_every_cut(void **state)
{
    rng r = { 3 };
    hb_buf b;
    hb_buf_init(&b, 0);
    hb_err err;
    for (int it = 0; it < 16; it++) {
        size_t n = rndn(&r, 400);
        int64_t v[400], o[400];
        fill_i64(&r, v, n, it % T_NKIND);
        hb_buf_reset(&b);
        assert_int_equal(hb_pq_delta_encode_i64(&b, v, n, &err), 0);
        for (size_t cut = 0; cut < b.len; cut++) {
            uint8_t *c = dup_exact(b.data, cut);
            int rc = hb_pq_delta_decode_i64(c, cut, o, n, NULL, &err);
            if (rc != HB_ECORRUPT)
                fail_msg("cut %zu of %zu gave %d", cut, b.len, rc);
            free(c);
        }
    }
    hb_buf_free(&b);
}

/* Random bytes through every decoder: errors are fine, crashes are not. */
static void decoders_on_garbage(void **state)
{
    rng r = { 11 };
    hb_err err;
    static uint64_t out[4096];
    static hb_slice sl[512];
    for (int it = 0; it < 20000; it++) {
        size_t len = rndn(&r, 64);
        uint8_t tmp[64];
        for (size_t i = 0; i < len; i++)
            tmp[i] = (uint8_t)(rndn(&r, 3) ? rnd(&r) : rnd(&r) & 0x83);
        if (len >= 3 && rndn(&r, 2)) {  /* plausible delta header */
            tmp[0] = 0x80;
            tmp[1] = 0x01;
            tmp[2] = 0x04;
        }
        uint8_t *c = dup_exact(tmp, len);
        size_t n = rndn(&r, 512);
        int w = (int)rndn(&r, 34);
        hb_pq_rle_decode_u32(c, len, w, (int)(it & 1), (uint32_t *)out, n, NULL, &err);
        hb_pq_rle_decode_u8(c, len, w & 7, (int)(it & 1), (uint8_t *)out, n, NULL, &err);
        hb_pq_dict_idx_decode(c, len, (uint32_t *)out, n, (uint32_t)rndn(&r, 100), NULL, &err);
        uint64_t cnt;
        if (hb_pq_delta_count(c, len, &cnt, &err) == 0 && cnt <= 4096) {
            hb_pq_delta_decode_i64(c, len, (int64_t *)out, (size_t)cnt, NULL, &err);
            hb_pq_delta_decode_i32(c, len, (int32_t *)out, (size_t)cnt, NULL, &err);
        }
        hb_pq_plain_get_bytes(c, len, sl, n, NULL, &err);
        hb_pq_plain_get_bool(c, len, (uint8_t *)out, n, NULL, &err);
        free(c);
    }
}

/* ---- dictionaries ---- */

static void dict_bytes_builder(void **state)
{
    hb_pq_dict_bytes d;
    hb_pq_dict_bytes_init(&d, 0);
    hb_err err;
    uint32_t idx;
    char key[32];
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 5000; i++) {
            int n = snprintf(key, sizeof key, "host_%d", i);
            assert_int_equal(hb_pq_dict_bytes_add(&d, key, (size_t)n, &idx, &err), 0);
            assert_int_equal(idx, i);
        }
    assert_int_equal(d.count, 5000);
    assert_int_equal(hb_pq_dict_bytes_add(&d, "", 0, &idx, &err), 0);
    assert_int_equal(idx, 5000);
    hb_slice s = hb_pq_dict_bytes_get(&d, 42);
    assert_int_equal(s.n, 7);
    assert_memory_equal(s.p, "host_42", 7);
    /* the page is the PLAIN encoding of the entries */
    hb_slice *all = malloc(d.count * sizeof *all);
    assert_int_equal(hb_pq_plain_get_bytes(d.page.data, d.page.len, all, d.count, NULL, &err), 0);
    assert_memory_equal(all[4999].p, "host_4999", 9);
    free(all);
    hb_pq_dict_bytes_free(&d);

    /* limit: 3 entries of 1 byte = 15 bytes; a 4th new value does not fit */
    hb_pq_dict_bytes_init(&d, 15);
    assert_int_equal(hb_pq_dict_bytes_add(&d, "a", 1, &idx, &err), 0);
    assert_int_equal(hb_pq_dict_bytes_add(&d, "b", 1, &idx, &err), 0);
    assert_int_equal(hb_pq_dict_bytes_add(&d, "c", 1, &idx, &err), 0);
    assert_int_equal(hb_pq_dict_bytes_add(&d, "d", 1, &idx, &err), HB_ELIMIT);
    assert_int_equal(hb_pq_dict_bytes_add(&d, "b", 1, &idx, &err), 0);   /* known values still map */
    assert_int_equal(idx, 1);
    assert_int_equal(d.count, 3);
    assert_int_equal(d.page.len, 15);
    hb_pq_dict_bytes_reset(&d);
    assert_int_equal(hb_pq_dict_bytes_add(&d, "d", 1, &idx, &err), 0);
    assert_int_equal(idx, 0);
    hb_pq_dict_bytes_free(&d);
}

static void dict_u64_builder(void **state)
{
    hb_pq_dict_u64 d;
    hb_pq_dict_u64_init(&d, 0);
    hb_err err;
    uint32_t idx;
    double pz = 0.0, nz = -0.0;
    uint64_t bp, bn;
    memcpy(&bp, &pz, 8);
    memcpy(&bn, &nz, 8);
    assert_int_equal(hb_pq_dict_u64_add(&d, bp, &idx, &err), 0);
    assert_int_equal(idx, 0);
    assert_int_equal(hb_pq_dict_u64_add(&d, bn, &idx, &err), 0);
    assert_int_equal(idx, 1);
    for (uint64_t i = 0; i < 3000; i++) {
        assert_int_equal(hb_pq_dict_u64_add(&d, i * 0x100000000ULL + 5, &idx, &err), 0);
        assert_int_equal(idx, i + 2);
    }
    assert_int_equal(hb_pq_dict_u64_add(&d, 5, &idx, &err), 0);
    assert_int_equal(idx, 2);
    assert_int_equal(d.vals[2], 5);
    hb_pq_dict_u64_free(&d);
    hb_pq_dict_u64_init(&d, 16);
    assert_int_equal(hb_pq_dict_u64_add(&d, 1, &idx, &err), 0);
    assert_int_equal(hb_pq_dict_u64_add(&d, 2, &idx, &err), 0);
    assert_int_equal(hb_pq_dict_u64_add(&d, 3, &idx, &err), HB_ELIMIT);
    hb_pq_dict_u64_free(&d);
}

/* ---- statistics ---- */

static void stats_all(void **state)
{
    hb_pq_stats s;
    uint8_t tmp[8];
    const void *p;
    size_t n;

    hb_pq_stats_init(&s, HB_PQ_ORD_I64);
    assert_int_equal(hb_pq_stats_min_bytes(&s, tmp, &p, &n), HB_ENOTFOUND);
    int64_t iv[4] = { 5, INT64_MIN, INT64_MAX, -1 };
    hb_pq_stats_i64(&s, iv, 4);
    hb_pq_stats_nulls(&s, 3);
    assert_true(s.min.i == INT64_MIN && s.max.i == INT64_MAX);
    assert_int_equal(s.null_count, 3);
    assert_int_equal(s.value_count, 4);
    assert_int_equal(hb_pq_stats_min_bytes(&s, tmp, &p, &n), 0);
    assert_int_equal(n, 8);
    assert_memory_equal(p, ((const uint8_t[]){ 0, 0, 0, 0, 0, 0, 0, 0x80 }), 8);
    hb_pq_stats_free(&s);

    hb_pq_stats_init(&s, HB_PQ_ORD_U64);
    int64_t uv[3] = { 5, -1 /* UINT64_MAX */, 3 };
    hb_pq_stats_i64(&s, uv, 3);
    assert_true(s.min.u == 3 && s.max.u == UINT64_MAX);
    hb_pq_stats_free(&s);

    hb_pq_stats_init(&s, HB_PQ_ORD_F64);
    double dv[5] = { NAN, 0.0, 2.5, NAN, 1.0 };
    hb_pq_stats_f64(&s, dv, 5);
    assert_int_equal(s.nan_count, 2);
    assert_true(s.min.d == 0 && signbit(s.min.d));   /* zero min written as -0.0 */
    assert_true(s.max.d == 2.5);
    hb_pq_stats_reset(&s);
    double dz[2] = { -3.0, -0.0 };
    hb_pq_stats_f64(&s, dz, 2);
    assert_true(s.max.d == 0 && !signbit(s.max.d));  /* zero max written as +0.0 */
    assert_int_equal(hb_pq_stats_max_bytes(&s, tmp, &p, &n), 0);
    assert_memory_equal(p, ((const uint8_t[]){ 0, 0, 0, 0, 0, 0, 0, 0 }), 8);
    hb_pq_stats_reset(&s);
    double dn[2] = { NAN, NAN };
    hb_pq_stats_f64(&s, dn, 2);
    assert_int_equal(s.has_minmax, 0);   /* all NaN: no min/max */
    hb_pq_stats_free(&s);

    hb_pq_stats_init(&s, HB_PQ_ORD_BYTES);
    hb_slice bv[5] = { { "b", 1 }, { "\xff", 1 }, { "ab", 2 }, { "a", 1 }, { "abc", 3 } };
    assert_int_equal(hb_pq_stats_bytes(&s, bv, 5), 0);
    assert_int_equal(hb_pq_stats_min_bytes(&s, tmp, &p, &n), 0);
    assert_int_equal(n, 1);
    assert_memory_equal(p, "a", 1);
    assert_int_equal(hb_pq_stats_max_bytes(&s, tmp, &p, &n), 0);
    assert_int_equal(n, 1);
    assert_memory_equal(p, "\xff", 1);   /* unsigned: 0xFF sorts last */
    hb_pq_stats page;
    hb_pq_stats_init(&page, HB_PQ_ORD_BYTES);
    hb_slice e[1] = { { "", 0 } };
    assert_int_equal(hb_pq_stats_bytes(&page, e, 1), 0);
    hb_pq_stats_nulls(&page, 2);
    assert_int_equal(hb_pq_stats_merge(&s, &page), 0);
    assert_int_equal(hb_pq_stats_min_bytes(&s, tmp, &p, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(s.null_count, 2);
    assert_int_equal(s.value_count, 6);
    hb_pq_stats_free(&page);
    hb_pq_stats_free(&s);

    hb_pq_stats_init(&s, HB_PQ_ORD_BOOL);
    uint8_t t1[2] = { 1, 1 };
    hb_pq_stats_bool(&s, t1, 2);
    assert_true(s.min.u == 1 && s.max.u == 1);
    uint8_t f1[1] = { 0 };
    hb_pq_stats_bool(&s, f1, 1);
    assert_true(s.min.u == 0 && s.max.u == 1);
    assert_int_equal(hb_pq_stats_max_bytes(&s, tmp, &p, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(((const uint8_t *)p)[0], 1);
    hb_pq_stats_free(&s);

    /* merge of numeric page stats, and order mismatch */
    hb_pq_stats a, c;
    hb_pq_stats_init(&a, HB_PQ_ORD_F64);
    hb_pq_stats_init(&c, HB_PQ_ORD_F64);
    double d1[1] = { 4.0 }, d2[2] = { -0.0, 9.0 };
    hb_pq_stats_f64(&a, d1, 1);
    hb_pq_stats_f64(&c, d2, 2);
    assert_int_equal(hb_pq_stats_merge(&a, &c), 0);
    assert_true(a.min.d == 0 && signbit(a.min.d) && a.max.d == 9.0);
    hb_pq_stats i;
    hb_pq_stats_init(&i, HB_PQ_ORD_I64);
    assert_int_equal(hb_pq_stats_merge(&a, &i), HB_EINVAL);
    hb_pq_stats_free(&a);
    hb_pq_stats_free(&c);
    hb_pq_stats_free(&i);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(spec_bitpack_example),
        cmocka_unit_test(bitpack_all_widths),
        cmocka_unit_test(plain_exact_and_roundtrip),
        cmocka_unit_test(rle_exact),
        cmocka_unit_test(rle_decode_hand_made),
        cmocka_unit_test(rle_roundtrip_property),
        cmocka_unit_test(rle_truncation_every_cut),
        cmocka_unit_test(dict_indices),
        cmocka_unit_test(delta_spec_examples),
        cmocka_unit_test(delta_roundtrip_property),
        cmocka_unit_test(delta_overflow_cases),
        cmocka_unit_test(delta_truncation_every_cut),
        cmocka_unit_test(decoders_on_garbage),
        cmocka_unit_test(dict_bytes_builder),
        cmocka_unit_test(dict_u64_builder),
        cmocka_unit_test(stats_all),
    };
    return cmocka_run_group_tests_name("format/parquet_enc", tests, NULL, NULL);
}
