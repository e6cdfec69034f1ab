/* Parquet value encodings (from the Apache Parquet specification, Encodings.md):
 *   PLAIN                    BOOLEAN, INT32, INT64, DOUBLE, BYTE_ARRAY
 *   RLE / bit-packed hybrid  definition levels, dictionary indices, RLE booleans
 *   DELTA_BINARY_PACKED      INT32, INT64
 * plus the helpers the column writer needs: dictionary builders and min/max
 * statistics. Byte layouts are summarised at the top of each .c file:
 *   parquet_enc.c          PLAIN, dictionaries, statistics
 *   parquet_enc_rle.c      RLE / bit-packed hybrid
 *   parquet_enc_delta.c    DELTA_BINARY_PACKED
 *   parquet_enc_bitpack.c  shared bit-packing kernels (LSB-first)
 *
 * Encoders append to an hb_buf (HB_ELIMIT when its cap is hit, HB_EINVAL for a
 * value that cannot be represented). Decoders read data[0..len) into caller
 * arrays of a known count n, never read outside the range, never allocate,
 * and return HB_ECORRUPT naming what was wrong and at which byte offset
 * (relative to data) on malformed input. On success *used (if non-NULL) is
 * the number of bytes the encoded values occupied. */
#ifndef HB_FORMAT_PARQUET_ENC_H
#define HB_FORMAT_PARQUET_ENC_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "domain/point.h"   /* hb_slice */

/* Number of bits needed to store v (0 for 0). */
static inline int hb_pq_bit_width(uint64_t v) { return v ? 64 - __builtin_clzll(v) : 0; }

/* ---- PLAIN ---------------------------------------------------------------- */
/* Booleans are one uint8_t per value (any non-zero is true). */
int hb_pq_plain_put_bool(hb_buf *out, const uint8_t *v, size_t n, hb_err *err);
int hb_pq_plain_put_i32(hb_buf *out, const int32_t *v, size_t n, hb_err *err);
int hb_pq_plain_put_i64(hb_buf *out, const int64_t *v, size_t n, hb_err *err);
int hb_pq_plain_put_double(hb_buf *out, const double *v, size_t n, hb_err *err);
/* HB_EINVAL when a value is longer than 2^32-1 bytes. */
int hb_pq_plain_put_bytes(hb_buf *out, const hb_slice *v, size_t n, hb_err *err);

/* Decoded booleans are 0 or 1. */
int hb_pq_plain_get_bool(const void *data, size_t len, uint8_t *out, size_t n, size_t *used, hb_err *err);
int hb_pq_plain_get_i32(const void *data, size_t len, int32_t *out, size_t n, size_t *used, hb_err *err);
int hb_pq_plain_get_i64(const void *data, size_t len, int64_t *out, size_t n, size_t *used, hb_err *err);
int hb_pq_plain_get_double(const void *data, size_t len, double *out, size_t n, size_t *used, hb_err *err);
/* out[i] are slices into data: data must outlive them. */
int hb_pq_plain_get_bytes(const void *data, size_t len, hb_slice *out, size_t n, size_t *used, hb_err *err);

/* ---- RLE / bit-packed hybrid ---------------------------------------------- */
/* Encode n values of bit_width (0..32; u8 variant 0..8) as RLE runs (for 8 or
 * more equal values) and bit-packed groups of 8. With len_prefix the 4-byte
 * little-endian length of the encoded data comes first (data page v1 levels,
 * RLE booleans). HB_EINVAL when a value does not fit bit_width. */
int hb_pq_rle_encode_u32(hb_buf *out, const uint32_t *v, size_t n, int bit_width, int len_prefix, hb_err *err);
int hb_pq_rle_encode_u8(hb_buf *out, const uint8_t *v, size_t n, int bit_width, int len_prefix, hb_err *err);

/* Decode exactly n values. Runs may extend past n (the rest is ignored); a
 * stream ending before n values is HB_ECORRUPT, as is an RLE value wider than
 * bit_width. With len_prefix, *used = 4 + the prefixed length. */
int hb_pq_rle_decode_u32(const void *data, size_t len, int bit_width, int len_prefix, uint32_t *out, size_t n,
                         size_t *used, hb_err *err);
int hb_pq_rle_decode_u8(const void *data, size_t len, int bit_width, int len_prefix, uint8_t *out, size_t n,
                        size_t *used, hb_err *err);

/* Dictionary-index data (RLE_DICTIONARY data page): 1 byte bit width, then the
 * hybrid encoding without length prefix. The encoder uses the width of
 * dict_count-1; the decoder checks the width (<= 32) and every index < dict_count. */
int hb_pq_dict_idx_encode(hb_buf *out, const uint32_t *idx, size_t n, uint32_t dict_count, hb_err *err);
int hb_pq_dict_idx_decode(const void *data, size_t len, uint32_t *out, size_t n, uint32_t dict_count, size_t *used,
                          hb_err *err);

/* ---- DELTA_BINARY_PACKED -------------------------------------------------- */
/* Block size 128, 4 miniblocks of 32. Full range, deltas wrap (two's complement). */
int hb_pq_delta_encode_i64(hb_buf *out, const int64_t *v, size_t n, hb_err *err);
int hb_pq_delta_encode_i32(hb_buf *out, const int32_t *v, size_t n, hb_err *err);
/* Read the header's total value count (to size arrays when it is not known). */
int hb_pq_delta_count(const void *data, size_t len, uint64_t *count, hb_err *err);
/* Decode exactly n values: the header's total count must equal n. Miniblock
 * bit widths must be <= 64 (<= 32 for INT32). */
int hb_pq_delta_decode_i64(const void *data, size_t len, int64_t *out, size_t n, size_t *used, hb_err *err);
int hb_pq_delta_decode_i32(const void *data, size_t len, int32_t *out, size_t n, size_t *used, hb_err *err);

/* ---- Dictionary builders -------------------------------------------------- */
/* BYTE_ARRAY dictionary: maps each distinct value to an index in first-seen
 * order and keeps the PLAIN-encoded dictionary page body. add returns
 * HB_ELIMIT (dictionary unchanged) when a new value would make the page body
 * larger than byte_limit or the entry count exceed 2^31: the writer then falls
 * back to PLAIN. Not thread-safe. */
typedef struct hb_pq_dict_bytes {
    hb_buf page;          /* PLAIN page body: (u32 LE length, bytes) per entry */
    uint32_t *offs;       /* entry i starts at page.data + offs[i] (its length prefix) */
    uint64_t *hashes;     /* hash of entry i */
    uint32_t *slots;      /* open addressing: entry index + 1, 0 = empty */
    size_t count, ecap, scap;
    size_t byte_limit;
} hb_pq_dict_bytes;

void hb_pq_dict_bytes_init(hb_pq_dict_bytes *d, size_t byte_limit);
void hb_pq_dict_bytes_free(hb_pq_dict_bytes *d);
void hb_pq_dict_bytes_reset(hb_pq_dict_bytes *d);   /* empty, keep memory */
int hb_pq_dict_bytes_add(hb_pq_dict_bytes *d, const void *p, size_t n, uint32_t *idx, hb_err *err);
/* Entry i as a slice into the builder's page (valid until the next add/reset). */
hb_slice hb_pq_dict_bytes_get(const hb_pq_dict_bytes *d, uint32_t i);

/* INT64 / DOUBLE dictionary keyed by the 64-bit pattern (a DOUBLE is its bits,
 * so -0.0/+0.0 and NaN payloads stay distinct). vals[] in index order is the
 * PLAIN page (write it with hb_pq_plain_put_i64). Limit: count * 8 bytes. */
typedef struct hb_pq_dict_u64 {
    uint64_t *vals;       /* entry i */
    uint32_t *slots;      /* entry index + 1, 0 = empty */
    size_t count, ecap, scap;
    size_t byte_limit;
} hb_pq_dict_u64;

void hb_pq_dict_u64_init(hb_pq_dict_u64 *d, size_t byte_limit);
void hb_pq_dict_u64_free(hb_pq_dict_u64 *d);
void hb_pq_dict_u64_reset(hb_pq_dict_u64 *d);
int hb_pq_dict_u64_add(hb_pq_dict_u64 *d, uint64_t bits, uint32_t *idx, hb_err *err);

/* ---- Statistics ----------------------------------------------------------- */
typedef enum hb_pq_order {
    HB_PQ_ORD_I64,    /* INT64, signed */
    HB_PQ_ORD_U64,    /* INT64 annotated UINT_64: unsigned order */
    HB_PQ_ORD_F64,    /* DOUBLE: NaN ignored (counted), min zero -> -0.0, max zero -> +0.0 */
    HB_PQ_ORD_BYTES,  /* BYTE_ARRAY: unsigned bytewise, shorter prefix first */
    HB_PQ_ORD_BOOL,   /* false < true */
} hb_pq_order;

typedef struct hb_pq_stats {
    hb_pq_order order;
    uint64_t null_count;
    uint64_t value_count;   /* non-null values seen (NaNs included) */
    uint64_t nan_count;     /* DOUBLE only */
    int has_minmax;         /* 0 until a non-null, non-NaN value was seen */
    union { int64_t i; uint64_t u; double d; } min, max;  /* BOOL uses .u (0/1) */
    hb_buf bmin, bmax;      /* BYTE_ARRAY min/max copies (owned) */
} hb_pq_stats;

void hb_pq_stats_init(hb_pq_stats *s, hb_pq_order order);
void hb_pq_stats_free(hb_pq_stats *s);
void hb_pq_stats_reset(hb_pq_stats *s);
static inline void hb_pq_stats_nulls(hb_pq_stats *s, uint64_t n) { s->null_count += n; }
void hb_pq_stats_i64(hb_pq_stats *s, const int64_t *v, size_t n);    /* I64 or U64 order */
void hb_pq_stats_f64(hb_pq_stats *s, const double *v, size_t n);
void hb_pq_stats_bool(hb_pq_stats *s, const uint8_t *v, size_t n);
int hb_pq_stats_bytes(hb_pq_stats *s, const hb_slice *v, size_t n);  /* HB_ENOMEM */
/* Fold src into dst (same order): page statistics into chunk statistics. */
int hb_pq_stats_merge(hb_pq_stats *dst, const hb_pq_stats *src);
/* min/max as Statistics.min_value/max_value bytes (PLAIN, no length prefix
 * for BYTE_ARRAY). tmp (8 bytes) backs fixed-width values; the returned
 * pointer is into tmp or the stats. Returns 0, or HB_ENOTFOUND without min/max. */
int hb_pq_stats_min_bytes(const hb_pq_stats *s, uint8_t tmp[8], const void **p, size_t *n);
int hb_pq_stats_max_bytes(const hb_pq_stats *s, uint8_t tmp[8], const void **p, size_t *n);

/* ---- Bit-packing kernels (shared by RLE and DELTA; LSB first) -------------- */
/* Unpack n32*32 values of width w. Reads up to n32*4*w + 8 bytes from in:
 * the caller guarantees 8 readable bytes past the packed data. */
void hb_pq_unpack_u8(const uint8_t *in, uint8_t *out, size_t n32, int w);     /* w 0..8 */
void hb_pq_unpack_u32(const uint8_t *in, uint32_t *out, size_t n32, int w);   /* w 0..32 */
void hb_pq_unpack_u64(const uint8_t *in, uint64_t *out, size_t n32, int w);   /* w 0..64 */
/* Pack n8*8 values of width w (high bits must be zero) into exactly n8*w bytes. */
void hb_pq_pack_u32(const uint32_t *in, uint8_t *out, size_t n8, int w);      /* w 0..32 */
void hb_pq_pack_u64(const uint64_t *in, uint8_t *out, size_t n8, int w);      /* w 0..64 */

#endif
