/* Bit-packing kernels shared by the RLE/bit-packed hybrid and
 * DELTA_BINARY_PACKED encodings.
 *
 * Layout (Encodings.md, "RLE/bit-packing hybrid", note 1): values of width w
 * are packed back to back starting at the least significant bit of the first
 * byte; a value's own bits keep their order (bit 0 of the value lands on the
 * lowest free bit). Eight values of width w take exactly w bytes. Example,
 * the numbers 0..7 in width 3:  10001000 11000110 11111010  (0x88 0xC6 0xFA).
 *
 * Every kernel is written once as an always-inlined function of the width and
 * instantiated per constant width through a switch, so shifts and masks are
 * immediates and the unrolled loops have no branches. Unpacking loads 8 bytes
 * at the byte holding a value's first bit (hence the 8 bytes of slack the
 * callers guarantee) and shifts; a width > 56 may need one more byte. */
#include "format/parquet_enc.h"

#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "parquet bit-packing kernels assume a little-endian host"
#endif

#define AI static inline __attribute__((always_inline))

AI uint64_t ld64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

AI void st64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

AI uint64_t mask_of(int w) { return w >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << w) - 1); }

/* Value i of a 32-value chunk of width w (w <= 64). */
AI uint64_t get_bits(const uint8_t *in, int i, int w)
{
    const int bit = i * w;
    const uint8_t *p = in + (bit >> 3);
    const int s = bit & 7;
    uint64_t v = ld64(p) >> s;
    if (s + w > 64)
        v |= (uint64_t)p[8] << (64 - s);
    return v & mask_of(w);
}

AI void unpack32_u32_w(const uint8_t *in, uint32_t *out, int w)
{
#pragma GCC unroll 32
    for (int i = 0; i < 32; i++)
        out[i] = (uint32_t)get_bits(in, i, w);
}

AI void unpack32_u64_w(const uint8_t *in, uint64_t *out, int w)
{
#pragma GCC unroll 32
    for (int i = 0; i < 32; i++)
        out[i] = get_bits(in, i, w);
}

AI void unpack32_u8_w(const uint8_t *in, uint8_t *out, int w)
{
    if (w == 1) {
        /* spread each input byte's 8 bits over 8 output bytes */
#pragma GCC unroll 4
        for (int b = 0; b < 4; b++) {
            uint64_t x = in[b];
            x = (x | (x << 28)) & 0x0000000F0000000FULL;
            x = (x | (x << 14)) & 0x0003000300030003ULL;
            x = (x | (x << 7)) & 0x0101010101010101ULL;
            st64(out + 8 * b, x);
        }
        return;
    }
#pragma GCC unroll 32
    for (int i = 0; i < 32; i++)
        out[i] = (uint8_t)get_bits(in, i, w);
}

#define REP8(M, b) M(b + 0) M(b + 1) M(b + 2) M(b + 3) M(b + 4) M(b + 5) M(b + 6) M(b + 7)

void hb_pq_unpack_u8(const uint8_t *in, uint8_t *out, size_t n32, int w)
{
    if (w == 0) {
        memset(out, 0, n32 * 32);
        return;
    }
    switch (w) {
#define C(W)                                                    \
    case W:                                                     \
        for (size_t k = 0; k < n32; k++)                        \
            unpack32_u8_w(in + k * 4 * (W), out + k * 32, (W)); \
        break;
        C(1) C(2) C(3) C(4) C(5) C(6) C(7) C(8)
#undef C
    default: break;
    }
}

void hb_pq_unpack_u32(const uint8_t *in, uint32_t *out, size_t n32, int w)
{
    if (w == 0) {
        memset(out, 0, n32 * 32 * sizeof *out);
        return;
    }
    switch (w) {
#define C(W)                                                     \
    case W:                                                      \
        for (size_t k = 0; k < n32; k++)                         \
            unpack32_u32_w(in + k * 4 * (W), out + k * 32, (W)); \
        break;
        REP8(C, 1) REP8(C, 9) REP8(C, 17) REP8(C, 25)
#undef C
    default: break;
    }
}

void hb_pq_unpack_u64(const uint8_t *in, uint64_t *out, size_t n32, int w)
{
    if (w == 0) {
        memset(out, 0, n32 * 32 * sizeof *out);
        return;
    }
    switch (w) {
#define C(W)                                                     \
    case W:                                                      \
        for (size_t k = 0; k < n32; k++)                         \
            unpack32_u64_w(in + k * 4 * (W), out + k * 32, (W)); \
        break;
        REP8(C, 1) REP8(C, 9) REP8(C, 17) REP8(C, 25) REP8(C, 33) REP8(C, 41) REP8(C, 49) REP8(C, 57)
#undef C
    default: break;
    }
}

/* Pack 8 values (each < 2^w) into exactly w bytes via a 64-bit accumulator;
 * with w constant every shift below is an immediate. */
AI void pack8_w(const uint64_t *in, uint8_t *out, int w)
{
    uint64_t acc = 0;
    int nb = 0;
#pragma GCC unroll 8
    for (int i = 0; i < 8; i++) {
        uint64_t x = in[i];
        acc |= x << nb;
        nb += w;
        if (nb >= 64) {
            st64(out, acc);
            out += 8;
            nb -= 64;
            acc = nb ? x >> (w - nb) : 0;
        }
    }
    if (nb)
        memcpy(out, &acc, (size_t)nb / 8);
}

AI void pack8_u32_w(const uint32_t *in, uint8_t *out, int w)
{
    uint64_t t[8];
#pragma GCC unroll 8
    for (int i = 0; i < 8; i++)
        t[i] = in[i];
    pack8_w(t, out, w);
}

void hb_pq_pack_u32(const uint32_t *in, uint8_t *out, size_t n8, int w)
{
    if (w == 0)
        return;
    switch (w) {
#define C(W)                                                 \
    case W:                                                  \
        for (size_t k = 0; k < n8; k++)                      \
            pack8_u32_w(in + k * 8, out + k * (W), (W));     \
        break;
        REP8(C, 1) REP8(C, 9) REP8(C, 17) REP8(C, 25)
#undef C
    default: break;
    }
}

void hb_pq_pack_u64(const uint64_t *in, uint8_t *out, size_t n8, int w)
{
    if (w == 0)
        return;
    switch (w) {
#define C(W)                                             \
    case W:                                              \
        for (size_t k = 0; k < n8; k++)                  \
            pack8_w(in + k * 8, out + k * (W), (W));     \
        break;
        REP8(C, 1) REP8(C, 9) REP8(C, 17) REP8(C, 25) REP8(C, 33) REP8(C, 41) REP8(C, 49) REP8(C, 57)
#undef C
    default: break;
    }
}
