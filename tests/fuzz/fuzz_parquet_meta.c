/* libFuzzer target: Parquet footer (FileMetaData) and page header decoding
 * must never crash, leak, read out of bounds or allocate without bound,
 * whatever the bytes. Whatever decodes and can be encoded again must be
 * stable: encode(decode(encode(x))) == encode(x). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "format/parquet_meta.h"

#define ARENA_CAP ((size_t)64 << 20)

static void check_file_meta(const hb_pq_file_meta *m, hb_arena *a)
{
    hb_err e;
    hb_buf b1, b2;
    hb_buf_init(&b1, 0);
    hb_buf_init(&b2, 0);
    if (hb_pq_file_meta_encode(&b1, m, &e) == 0) {
        hb_pq_file_meta m2;
        if (hb_pq_file_meta_decode(b1.data, b1.len, 0, a, &m2, &e) != 0)
            __builtin_trap();   /* our own encoding must decode */
        if (hb_pq_file_meta_encode(&b2, &m2, &e) != 0 || b1.len != b2.len || memcmp(b1.data, b2.data, b1.len))
            __builtin_trap();
    }
    hb_buf_free(&b1);
    hb_buf_free(&b2);
}

static void check_page_header(const hb_pq_page_header *h, hb_arena *a)
{
    hb_err e;
    hb_buf b1, b2;
    hb_buf_init(&b1, 0);
    hb_buf_init(&b2, 0);
    if (hb_pq_page_header_encode(&b1, h, &e) == 0) {
        hb_pq_page_header h2;
        size_t used;
        if (hb_pq_page_header_decode(b1.data, b1.len, 0, a, &h2, &used, &e) != 0 || used != b1.len)
            __builtin_trap();
        if (hb_pq_page_header_encode(&b2, &h2, &e) != 0 || b1.len != b2.len || memcmp(b1.data, b2.data, b1.len))
            __builtin_trap();
    }
    hb_buf_free(&b1);
    hb_buf_free(&b2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    hb_arena a;
    hb_arena_init(&a, 0, ARENA_CAP);
    hb_err e;

    hb_pq_file_meta m;
    if (hb_pq_file_meta_decode(data, n, 0, &a, &m, &e) == 0)
        check_file_meta(&m, &a);
    hb_arena_reset(&a);

    hb_pq_page_header h;
    size_t used;
    if (hb_pq_page_header_decode(data, n, 0, &a, &h, &used, &e) == 0) {
        if (used > n)
            __builtin_trap();
        check_page_header(&h, &a);
    }
    hb_arena_free(&a);
    return 0;
}
