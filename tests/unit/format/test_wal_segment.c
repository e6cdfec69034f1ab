/* WAL segment format: encoding, CRC combination, and the scanner's
 * clean / torn tail / corrupt-in-the-middle classification, on memory
 * buffers and on files (bounded window). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/crc32c.h"
#include "format/wal_segment.h"

static void fill(uint8_t *p, size_t len, uint64_t key)
{
    uint64_t x = key * 0x9E3779B97F4A7C15ull + 7;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = (uint8_t)x;
    }
}

/* Segment with records first_seq.. of lengths lens[]; offs[i] = offset of record i. */
static void build(hb_buf *b, uint64_t first_seq, const size_t *lens, int n, uint64_t *offs)
{
    hb_buf_init(b, 0);
    uint8_t h[HB_WAL_SEG_HDR_SIZE];
    hb_wal_seg_header_encode(h, first_seq, 0);
    assert_int_equal(hb_buf_append(b, h, sizeof h), HB_OK);
    for (int i = 0; i < n; i++) {
        uint8_t *p = malloc(lens[i] + 1);
        fill(p, lens[i], first_seq + (uint64_t)i);
        if (offs)
            offs[i] = b->len;
        assert_int_equal(hb_wal_rec_encode(b, first_seq + (uint64_t)i, p, lens[i]), HB_OK);
        free(p);
    }
}

typedef struct collect {
    uint64_t n, first, last;
    int check;
    int stop_at;
} collect;

static int collect_fn(void *ctx, uint64_t seq, const void *data, size_t len, hb_err *err)
{
    collect *c = ctx;
    if (c->n == 0)
        c->first = seq;
    else
        assert_int_equal(seq, c->last + 1);
    c->last = seq;
    c->n++;
    if (c->check) {
        uint8_t *want = malloc(len + 1);
        fill(want, len, seq);
        assert_memory_equal(want, data, len);
        free(want);
    }
    return c->stop_at && seq == (uint64_t)c->stop_at ? 7 : 0;
}

/* Write buf to a temp file and scan it through the fd reader. */
static int scan_file(const void *buf, size_t n, hb_wal_scan_result *res, collect *c, hb_err *e)
{
    char path[] = "/tmp/hb_walseg_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, buf, n), (ssize_t)n);
    int rc = hb_wal_seg_scan_fd(fd, n, path, c ? collect_fn : NULL, c, res, e);
    close(fd);
    unlink(path);
    return rc;
}

/* Scan both ways, assert identical results, return the buffer result. */
static hb_wal_scan_result scan_both(const void *buf, size_t n, uint64_t *records_seen)
{
    hb_wal_scan_result r1, r2;
    collect c1 = { 0 }, c2 = { 0 };
    c1.check = c2.check = 1;
    hb_err e;
    if (hb_wal_seg_scan_buf(buf, n, "mem", collect_fn, &c1, &r1, &e))
        fail_msg("scan_buf: %s", e.msg);
    if (scan_file(buf, n, &r2, &c2, &e))
        fail_msg("scan_fd: %s", e.msg);
    assert_int_equal(r1.status, r2.status);
    assert_int_equal(r1.first_seq, r2.first_seq);
    assert_int_equal(r1.next_seq, r2.next_seq);
    assert_int_equal(r1.records, r2.records);
    assert_int_equal(r1.end_off, r2.end_off);
    assert_int_equal(r1.bad_off, r2.bad_off);
    assert_int_equal(r1.next_valid_off, r2.next_valid_off);
    assert_int_equal(c1.n, r1.records);
    assert_int_equal(c2.n, r1.records);
    if (records_seen)
        *records_seen = c1.n;
    return r1;
}

static void test_crc_combine(void **state)
{
    static const size_t lens[] = { 0, 1, 3, 7, 8, 9, 15, 16, 100, 255, 4096, 65537, (1u << 20) + 3 };
    uint8_t *p = malloc((1u << 20) + 3);
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        fill(p, lens[i], i);
        for (uint64_t seq = 1; seq < UINT64_MAX / 3; seq = seq * 977 + 13) {
            hb_wal_rec_pre pre;
            hb_wal_rec_prepare(&pre, p, lens[i]);
            uint8_t h[HB_WAL_REC_HDR_SIZE];
            hb_wal_rec_header(h, seq, &pre);
            uint32_t crc = (uint32_t)h[4] | (uint32_t)h[5] << 8 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 24;
            assert_int_equal(crc, hb_wal_rec_crc(seq, p, lens[i]));
            /* and the direct definition: crc32c over seq (LE) then payload */
            uint32_t c = hb_crc32c(0, h + 8, 8);
            assert_int_equal(crc, hb_crc32c(c, p, lens[i]));
        }
    }
    free(p);
}

static void test_header(void **state)
{
    uint8_t h[HB_WAL_SEG_HDR_SIZE];
    uint64_t fs = 0;
    uint32_t fl = 99;
    hb_err e;
    hb_wal_seg_header_encode(h, 12345678901ull, 0);
    assert_memory_equal(h, "HBYTEWAL", 8);
    assert_int_equal(hb_wal_seg_header_decode(h, sizeof h, &fs, &fl, "x", &e), HB_OK);
    assert_int_equal(fs, 12345678901ull);
    assert_int_equal(fl, 0);
    assert_int_equal(hb_wal_seg_header_decode(h, 31, &fs, NULL, "seg.wal", &e), HB_ECORRUPT);
    assert_non_null(strstr(e.msg, "seg.wal"));
    uint8_t bad[HB_WAL_SEG_HDR_SIZE];
    memcpy(bad, h, sizeof h);
    bad[0] = 'X';
    assert_int_equal(hb_wal_seg_header_decode(bad, sizeof bad, &fs, NULL, "x", &e), HB_ECORRUPT);
    memcpy(bad, h, sizeof h);
    bad[17] ^= 1;
    assert_int_equal(hb_wal_seg_header_decode(bad, sizeof bad, &fs, NULL, "x", &e), HB_ECORRUPT);
    assert_non_null(strstr(e.msg, "checksum"));
    /* version 2 with a valid CRC: refused as unsupported */
    memcpy(bad, h, sizeof h);
    bad[8] = 2;
    uint32_t c = hb_crc32c(0, bad, 28);
    memcpy(bad + 28, &c, 4);   /* little-endian host */
    assert_int_equal(hb_wal_seg_header_decode(bad, sizeof bad, &fs, NULL, "x", &e), HB_EUNSUPP);
    hb_wal_seg_header_encode(bad, 0, 0);
    assert_int_equal(hb_wal_seg_header_decode(bad, sizeof bad, &fs, NULL, "x", &e), HB_ECORRUPT);
    /* the SEQ_GAP flag round-trips; unknown flag bits are refused */
    hb_wal_seg_header_encode(bad, 5, HB_WAL_SEG_FLAG_SEQ_GAP);
    assert_int_equal(hb_wal_seg_header_decode(bad, sizeof bad, &fs, &fl, "x", &e), HB_OK);
    assert_int_equal(fl, HB_WAL_SEG_FLAG_SEQ_GAP);
    hb_wal_seg_header_encode(bad, 5, 2);
    assert_int_equal(hb_wal_seg_header_decode(bad, sizeof bad, &fs, &fl, "x", &e), HB_EUNSUPP);
}

static void test_encode_layout(void **state)
{
    hb_buf b;
    hb_buf_init(&b, 0);
    assert_int_equal(hb_wal_rec_encode(&b, 0x0102030405060708ull, "abc", 3), HB_OK);
    assert_int_equal(b.len, 19);
    const uint8_t *p = (const uint8_t *)b.data;
    assert_int_equal(p[0], 3);
    assert_int_equal(p[1] | p[2] | p[3], 0);
    assert_int_equal(p[8], 0x08);
    assert_int_equal(p[15], 0x01);
    assert_memory_equal(p + 16, "abc", 3);
    /* over the format maximum: refused before reading the data */
    assert_int_equal(hb_wal_rec_encode(&b, 1, "x", (size_t)HB_WAL_REC_MAX_LEN + 1), HB_ELIMIT);
    assert_int_equal(b.len, 19);
    hb_buf_free(&b);
}

static void test_clean(void **state)
{
    size_t lens[50];
    for (int i = 0; i < 50; i++)
        lens[i] = (size_t)(i * 31 % 200);
    hb_buf b;
    build(&b, 1000, lens, 50, NULL);
    uint64_t seen;
    hb_wal_scan_result r = scan_both(b.data, b.len, &seen);
    assert_int_equal(r.status, HB_WAL_SCAN_CLEAN);
    assert_int_equal(r.first_seq, 1000);
    assert_int_equal(r.next_seq, 1050);
    assert_int_equal(r.records, 50);
    assert_int_equal(r.end_off, b.len);
    /* header only */
    r = scan_both(b.data, HB_WAL_SEG_HDR_SIZE, NULL);
    assert_int_equal(r.status, HB_WAL_SCAN_CLEAN);
    assert_int_equal(r.records, 0);
    assert_int_equal(r.next_seq, 1000);
    /* callback stops the scan with its code */
    collect c = { 0 };
    c.stop_at = 1010;
    hb_err e;
    assert_int_equal(hb_wal_seg_scan_buf(b.data, b.len, "m", collect_fn, &c, &r, &e), 7);
    assert_int_equal(c.n, 11);
    hb_buf_free(&b);
}

static void test_bad_header_scan(void **state)
{
    size_t lens[2] = { 5, 5 };
    hb_buf b;
    build(&b, 1, lens, 2, NULL);
    hb_err e;
    hb_wal_scan_result r;
    assert_int_equal(hb_wal_seg_scan_buf(b.data, 20, "short.wal", NULL, NULL, &r, &e), HB_ECORRUPT);
    assert_non_null(strstr(e.msg, "short.wal"));
    b.data[3] ^= 0x20;
    assert_int_equal(hb_wal_seg_scan_buf(b.data, b.len, "m", NULL, NULL, &r, &e), HB_ECORRUPT);
    assert_int_equal(scan_file(b.data, b.len, &r, NULL, &e), HB_ECORRUPT);
    hb_buf_free(&b);
}

/* Cutting the file anywhere inside the last record is a torn tail. */
static void test_torn_truncated(void **state)
{
    size_t lens[6] = { 10, 0, 300, 7, 64, 200 };
    uint64_t offs[6];
    hb_buf b;
    build(&b, 5, lens, 6, offs);
    for (size_t cut = offs[5] + 1; cut < b.len; cut++) {
        hb_wal_scan_result r;
        hb_err e;
        assert_int_equal(hb_wal_seg_scan_buf(b.data, cut, "m", NULL, NULL, &r, &e), HB_OK);
        assert_int_equal(r.status, HB_WAL_SCAN_TORN);
        assert_int_equal(r.bad_off, offs[5]);
        assert_int_equal(r.end_off, offs[5]);
        assert_int_equal(r.records, 5);
        assert_int_equal(r.next_seq, 10);
    }
    hb_wal_scan_result r = scan_both(b.data, offs[5] + 9, NULL);
    assert_int_equal(r.status, HB_WAL_SCAN_TORN);
    assert_non_null(strstr(r.reason, "incomplete record header"));
    r = scan_both(b.data, offs[5] + 40, NULL);
    assert_int_equal(r.status, HB_WAL_SCAN_TORN);
    assert_non_null(strstr(r.reason, "incomplete record"));
    hb_buf_free(&b);
}

static void test_torn_garbage_and_zeros(void **state)
{
    size_t lens[4] = { 100, 100, 100, 100 };
    uint64_t offs[4];
    hb_buf b;
    build(&b, 1, lens, 4, offs);
    size_t clean = b.len;
    /* garbage after the last record */
    uint8_t junk[5000];
    fill(junk, sizeof junk, 4242);
    hb_buf_append(&b, junk, sizeof junk);
    hb_wal_scan_result r = scan_both(b.data, b.len, NULL);
    assert_int_equal(r.status, HB_WAL_SCAN_TORN);
    assert_int_equal(r.end_off, clean);
    assert_int_equal(r.records, 4);
    /* zeros after the last record */
    b.len = clean;
    memset(junk, 0, sizeof junk);
    hb_buf_append(&b, junk, sizeof junk);
    r = scan_both(b.data, b.len, NULL);
    assert_int_equal(r.status, HB_WAL_SCAN_TORN);
    assert_int_equal(r.end_off, clean);
    /* one stray byte */
    b.len = clean + 1;
    r = scan_both(b.data, b.len, NULL);
    assert_int_equal(r.status, HB_WAL_SCAN_TORN);
    hb_buf_free(&b);
}

static void test_torn_bad_crc_last(void **state)
{
    size_t lens[4] = { 100, 100, 100, 100 };
    uint64_t offs[4];
    hb_buf b;
    build(&b, 1, lens, 4, offs);
    b.data[offs[3] + 16 + 50] ^= 0x01;
    hb_wal_scan_result r = scan_both(b.data, b.len, NULL);
    assert_int_equal(r.status, HB_WAL_SCAN_TORN);
    assert_int_equal(r.bad_off, offs[3]);
    assert_int_equal(r.records, 3);
    assert_non_null(strstr(r.reason, "checksum"));
    hb_buf_free(&b);
}

static void test_corrupt_middle(void **state)
{
    size_t lens[10];
    for (int i = 0; i < 10; i++)
        lens[i] = 100;
    uint64_t offs[10];
    hb_buf b;
    build(&b, 1, lens, 10, offs);
    /* a flipped payload byte in record 3 (seq 4) */
    b.data[offs[3] + 16 + 10] ^= 0x80;
    hb_wal_scan_result r = scan_both(b.data, b.len, NULL);
    assert_int_equal(r.status, HB_WAL_SCAN_CORRUPT);
    assert_int_equal(r.bad_off, offs[3]);
    assert_int_equal(r.next_valid_off, offs[4]);
    assert_int_equal(r.records, 3);
    assert_int_equal(r.next_seq, 4);
    b.data[offs[3] + 16 + 10] ^= 0x80;
    /* a damaged length field: the scanner still finds the valid records after it */
    b.data[offs[5] + 1] ^= 0x04;
    r = scan_both(b.data, b.len, NULL);
    assert_int_equal(r.status, HB_WAL_SCAN_CORRUPT);
    assert_int_equal(r.bad_off, offs[5]);
    assert_int_equal(r.next_valid_off, offs[6]);
    b.data[offs[5] + 1] ^= 0x04;
    /* damage in the second-to-last record with a good last record */
    b.data[offs[8] + 8] ^= 0x01;   /* its seq: CRC fails */
    r = scan_both(b.data, b.len, NULL);
    assert_int_equal(r.status, HB_WAL_SCAN_CORRUPT);
    assert_int_equal(r.next_valid_off, offs[9]);
    hb_buf_free(&b);
}

static void add_rec(hb_buf *b, uint64_t seq, size_t len)
{
    uint8_t p[64];
    fill(p, len, seq);
    assert_int_equal(hb_wal_rec_encode(b, seq, p, len), HB_OK);
}

static void test_wrong_seq(void **state)
{
    hb_buf b;
    hb_buf_init(&b, 0);
    uint8_t h[HB_WAL_SEG_HDR_SIZE];
    hb_wal_seg_header_encode(h, 1, 0);
    hb_buf_append(&b, h, sizeof h);
    add_rec(&b, 1, 10);
    add_rec(&b, 2, 20);
    size_t off = b.len;
    add_rec(&b, 4, 5);   /* seq 3 missing */
    hb_wal_scan_result r = scan_both(b.data, b.len, NULL);
    assert_int_equal(r.status, HB_WAL_SCAN_CORRUPT);
    assert_int_equal(r.bad_off, off);
    assert_int_equal(r.records, 2);
    assert_non_null(strstr(r.reason, "expected"));
    /* a duplicate is no better */
    b.len = off;
    add_rec(&b, 2, 20);
    r = scan_both(b.data, b.len, NULL);
    assert_int_equal(r.status, HB_WAL_SCAN_CORRUPT);
    hb_buf_free(&b);
}

/* Records larger than the reader's 1 MiB window, and many small ones
 * straddling window refills, through the fd reader. */
static void test_large_records_file(void **state)
{
    size_t lens[7] = { (3u << 20) + 5, 1, (1u << 20) - 16, (1u << 20), 0, (2u << 20) + 333, 17 };
    uint64_t offs[7];
    hb_buf b;
    build(&b, 77, lens, 7, offs);
    uint64_t seen;
    hb_wal_scan_result r = scan_both(b.data, b.len, &seen);
    assert_int_equal(r.status, HB_WAL_SCAN_CLEAN);
    assert_int_equal(seen, 7);
    /* big torn tail: last big record cut in half */
    r = scan_both(b.data, offs[5] + lens[5] / 2, NULL);
    assert_int_equal(r.status, HB_WAL_SCAN_TORN);
    assert_int_equal(r.end_off, offs[5]);
    /* corruption inside a big record followed by valid ones */
    b.data[offs[2] + 16 + 700000] ^= 1;
    r = scan_both(b.data, b.len, NULL);
    assert_int_equal(r.status, HB_WAL_SCAN_CORRUPT);
    assert_int_equal(r.bad_off, offs[2]);
    assert_int_equal(r.next_valid_off, offs[3]);
    hb_buf_free(&b);

    size_t many[5000];
    for (int i = 0; i < 5000; i++)
        many[i] = (size_t)(i * 7919 % 1000);
    build(&b, 1, many, 5000, NULL);
    r = scan_both(b.data, b.len, &seen);
    assert_int_equal(r.status, HB_WAL_SCAN_CLEAN);
    assert_int_equal(seen, 5000);
    hb_buf_free(&b);
}

/* Every single-byte corruption of a small segment is detected: never a
 * clean scan with wrong data. */
static void test_every_byte_flip(void **state)
{
    size_t lens[5] = { 3, 0, 20, 9, 1 };
    hb_buf b;
    build(&b, 9, lens, 5, NULL);
    for (size_t i = HB_WAL_SEG_HDR_SIZE; i < b.len; i++) {
        b.data[i] ^= 0x10;
        hb_wal_scan_result r;
        hb_err e;
        collect c = { 0 };
        c.check = 1;
        assert_int_equal(hb_wal_seg_scan_buf(b.data, b.len, "m", collect_fn, &c, &r, &e), HB_OK);
        assert_int_not_equal(r.status, HB_WAL_SCAN_CLEAN);
        b.data[i] ^= 0x10;
    }
    hb_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc_combine),
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_encode_layout),
        cmocka_unit_test(test_clean),
        cmocka_unit_test(test_bad_header_scan),
        cmocka_unit_test(test_torn_truncated),
        cmocka_unit_test(test_torn_garbage_and_zeros),
        cmocka_unit_test(test_torn_bad_crc_last),
        cmocka_unit_test(test_corrupt_middle),
        cmocka_unit_test(test_wrong_seq),
        cmocka_unit_test(test_large_records_file),
        cmocka_unit_test(test_every_byte_flip),
    };
    return cmocka_run_group_tests_name("wal_segment", tests, NULL, NULL);
}
