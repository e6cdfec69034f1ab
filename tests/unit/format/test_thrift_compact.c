/* Thrift compact protocol: exact bytes from the spec, reader round trips,
 * skipping unknown fields of every type, and hostile input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "format/thrift_compact.h"

/* ---- helpers ---- */

static void expect_bytes(const hb_buf *b, const uint8_t *want, size_t n)
{
    if (b->len != n || memcmp(b->data, want, n) != 0) {
        print_error("got %zu bytes:", b->len);
        for (size_t i = 0; i < b->len; i++)
            print_error(" %02x", (uint8_t)b->data[i]);
        print_error("\nwant %zu bytes:", n);
        for (size_t i = 0; i < n; i++)
            print_error(" %02x", want[i]);
        print_error("\n");
        fail();
    }
}
#define EXPECT_BYTES(b, ...)                                        \
    do {                                                            \
        static const uint8_t want_[] = { __VA_ARGS__ };             \
        expect_bytes((b), want_, sizeof want_);                     \
    } while (0)

static void reader(hb_tc_reader *r, const void *p, size_t n, hb_err *e)
{
    assert_int_equal(hb_tc_reader_init(r, p, n, 0, 0, "test", e), 0);
}

/* ---- exact encodings ---- */

static void test_field_header_short_and_long(void **state)
{
    hb_buf b;
    hb_buf_init(&b, 0);
    hb_tc_writer w;
    hb_tc_writer_init(&w, &b);
    hb_tc_struct_begin(&w);
    hb_tc_field_i32(&w, 1, 0);     /* delta 1: 0x15 */
    hb_tc_field_i32(&w, 16, 1);    /* delta 15: short form 0xf5 */
    hb_tc_field_i32(&w, 32, -1);   /* delta 16: long form 0x05, zz(32) = 64 */
    hb_tc_field_i32(&w, 2, 2);     /* decreasing: long form, zz(2) = 4 */
    hb_tc_field_i64(&w, 300, 3);   /* long form, zz(300) = 600 = 0xd8 0x04 */
    hb_tc_field_i32(&w, -1, 0);    /* negative id: long form, zz(-1) = 1 */
    hb_tc_struct_end(&w);
    assert_int_equal(hb_tc_writer_status(&w), 0);
    EXPECT_BYTES(&b, 0x15, 0x00, 0xf5, 0x02, 0x05, 0x40, 0x01, 0x05, 0x04, 0x04, 0x06, 0xd8, 0x04, 0x06,
                 0x05, 0x01, 0x00, 0x00);

    hb_err e;
    hb_tc_reader r;
    reader(&r, b.data, b.len, &e);
    assert_int_equal(hb_tc_read_struct_begin(&r), 0);
    static const int16_t ids[] = { 1, 16, 32, 2, 300, -1 };
    static const int64_t vals[] = { 0, 1, -1, 2, 3, 0 };
    for (int i = 0; i < 6; i++) {
        int t;
        int16_t fid;
        assert_int_equal(hb_tc_read_field(&r, &t, &fid), 0);
        assert_int_equal(fid, ids[i]);
        if (i == 4) {
            int64_t v;
            assert_int_equal(t, HB_TC_I64);
            assert_int_equal(hb_tc_read_i64(&r, &v), 0);
            assert_int_equal(v, vals[i]);
        } else {
            int32_t v;
            assert_int_equal(t, HB_TC_I32);
            assert_int_equal(hb_tc_read_i32(&r, &v), 0);
            assert_int_equal(v, vals[i]);
        }
    }
    int t;
    int16_t fid;
    assert_int_equal(hb_tc_read_field(&r, &t, &fid), 0);
    assert_int_equal(t, HB_TC_STOP);
    assert_int_equal(hb_tc_read_struct_end(&r), 0);
    assert_int_equal(hb_tc_remaining(&r), 0);
    hb_buf_free(&b);
}

static void test_zigzag_varints(void **state)
{
    hb_buf b;
    hb_buf_init(&b, 0);
    hb_tc_writer w;
    hb_tc_writer_init(&w, &b);
    hb_tc_write_i32(&w, 0);          /* 00 */
    hb_tc_write_i32(&w, -1);         /* 01 */
    hb_tc_write_i32(&w, 1);          /* 02 */
    hb_tc_write_i32(&w, -64);        /* 7f */
    hb_tc_write_i32(&w, 64);         /* 80 01 */
    hb_tc_write_i32(&w, -25200);     /* zz = 50399 = df 89 03 (the spec's example) */
    hb_tc_write_i32(&w, INT32_MIN);  /* zz = 0xffffffff: ff ff ff ff 0f */
    hb_tc_write_i32(&w, INT32_MAX);  /* zz = 0xfffffffe: fe ff ff ff 0f */
    hb_tc_write_i64(&w, INT64_MIN);  /* ff x9 01 */
    hb_tc_write_i16(&w, -32768);     /* zz = 65535: ff ff 03 */
    hb_tc_write_i8(&w, -1);          /* ff */
    hb_tc_write_double(&w, 1.0);     /* 00 00 00 00 00 00 f0 3f */
    hb_tc_write_binary(&w, "abc", 3);
    hb_tc_write_bool(&w, true);
    hb_tc_write_bool(&w, false);
    assert_int_equal(hb_tc_writer_status(&w), 0);
    EXPECT_BYTES(&b, 0x00, 0x01, 0x02, 0x7f, 0x80, 0x01, 0xdf, 0x89, 0x03, 0xff, 0xff, 0xff, 0xff, 0x0f,
                 0xfe, 0xff, 0xff, 0xff, 0x0f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
                 0xff, 0xff, 0x03, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf0, 0x3f, 0x03, 'a', 'b', 'c',
                 0x01, 0x00);

    hb_err e;
    hb_tc_reader r;
    reader(&r, b.data, b.len, &e);
    static const int32_t i32s[] = { 0, -1, 1, -64, 64, -25200, INT32_MIN, INT32_MAX };
    for (size_t i = 0; i < 8; i++) {
        int32_t v;
        assert_int_equal(hb_tc_read_i32(&r, &v), 0);
        assert_int_equal(v, i32s[i]);
    }
    int64_t v64;
    assert_int_equal(hb_tc_read_i64(&r, &v64), 0);
    assert_true(v64 == INT64_MIN);
    int16_t v16;
    assert_int_equal(hb_tc_read_i16(&r, &v16), 0);
    assert_int_equal(v16, -32768);
    int8_t v8;
    assert_int_equal(hb_tc_read_i8(&r, &v8), 0);
    assert_int_equal(v8, -1);
    double d;
    assert_int_equal(hb_tc_read_double(&r, &d), 0);
    assert_true(d == 1.0);
    const uint8_t *p;
    size_t n;
    assert_int_equal(hb_tc_read_binary(&r, &p, &n), 0);
    assert_int_equal(n, 3);
    assert_memory_equal(p, "abc", 3);
    bool bv;
    assert_int_equal(hb_tc_read_bool(&r, &bv), 0);
    assert_true(bv);
    assert_int_equal(hb_tc_read_bool(&r, &bv), 0);
    assert_false(bv);
    assert_int_equal(hb_tc_remaining(&r), 0);
    hb_buf_free(&b);
}

static void test_bool_fields(void **state)
{
    hb_buf b;
    hb_buf_init(&b, 0);
    hb_tc_writer w;
    hb_tc_writer_init(&w, &b);
    hb_tc_struct_begin(&w);
    hb_tc_field_bool(&w, 1, true);    /* 0x11 */
    hb_tc_field_bool(&w, 2, false);   /* 0x12 */
    hb_tc_field_bool(&w, 40, true);   /* long form: 0x01, zz(40) = 80 */
    hb_tc_struct_end(&w);
    assert_int_equal(hb_tc_writer_status(&w), 0);
    EXPECT_BYTES(&b, 0x11, 0x12, 0x01, 0x50, 0x00);

    hb_err e;
    hb_tc_reader r;
    reader(&r, b.data, b.len, &e);
    assert_int_equal(hb_tc_read_struct_begin(&r), 0);
    static const bool want[] = { true, false, true };
    static const int16_t ids[] = { 1, 2, 40 };
    for (int i = 0; i < 3; i++) {
        int t;
        int16_t fid;
        bool v;
        assert_int_equal(hb_tc_read_field(&r, &t, &fid), 0);
        assert_int_equal(t, HB_TC_BOOL);
        assert_int_equal(fid, ids[i]);
        assert_int_equal(hb_tc_read_bool(&r, &v), 0);
        assert_int_equal(v, want[i]);
    }
    hb_buf_free(&b);
}

static void test_list_headers(void **state)
{
    hb_buf b;
    hb_buf_init(&b, 0);
    hb_tc_writer w;
    hb_tc_writer_init(&w, &b);
    hb_tc_list_begin(&w, HB_TC_I32, 0);      /* 05 */
    hb_tc_list_begin(&w, HB_TC_I32, 3);      /* 35 */
    for (int i = 0; i < 3; i++)
        hb_tc_write_i32(&w, i);
    hb_tc_list_begin(&w, HB_TC_BINARY, 14);  /* e8: last short size */
    for (int i = 0; i < 14; i++)
        hb_tc_write_binary(&w, "", 0);
    hb_tc_list_begin(&w, HB_TC_I8, 15);      /* f3 0f: first long size */
    for (int i = 0; i < 15; i++)
        hb_tc_write_i8(&w, (int8_t)i);
    hb_tc_list_begin(&w, HB_TC_STRUCT, 200); /* fc c8 01 */
    for (int i = 0; i < 200; i++) {
        hb_tc_struct_begin(&w);
        hb_tc_struct_end(&w);
    }
    hb_tc_list_begin(&w, HB_TC_BOOL, 2);     /* 22: bool elements use type 2 */
    hb_tc_write_bool(&w, true);
    hb_tc_write_bool(&w, false);
    assert_int_equal(hb_tc_writer_status(&w), 0);

    const uint8_t *d = (const uint8_t *)b.data;
    assert_int_equal(d[0], 0x05);
    assert_int_equal(d[1], 0x35);
    assert_int_equal(d[5], 0xe8);
    assert_int_equal(d[20], 0xf3);
    assert_int_equal(d[21], 0x0f);
    assert_int_equal(d[37], 0xfc);
    assert_int_equal(d[38], 0xc8);
    assert_int_equal(d[39], 0x01);
    assert_int_equal(d[240], 0x22);
    assert_int_equal(d[241], 0x01);
    assert_int_equal(d[242], 0x00);
    assert_int_equal(b.len, 243);

    hb_err e;
    hb_tc_reader r;
    reader(&r, b.data, b.len, &e);
    static const int types[] = { HB_TC_I32, HB_TC_I32, HB_TC_BINARY, HB_TC_I8, HB_TC_STRUCT, HB_TC_BOOL };
    static const size_t counts[] = { 0, 3, 14, 15, 200, 2 };
    for (int i = 0; i < 6; i++) {
        int t;
        size_t n;
        assert_int_equal(hb_tc_read_list_begin(&r, &t, &n), 0);
        assert_int_equal(t, types[i]);
        assert_int_equal(n, counts[i]);
        for (size_t k = 0; k < n; k++)
            assert_int_equal(hb_tc_skip(&r, t), 0);
    }
    assert_int_equal(hb_tc_remaining(&r), 0);

    /* a bool list written with element type 1 by another implementation */
    static const uint8_t other[] = { 0x21, 0x01, 0x00 };
    reader(&r, other, sizeof other, &e);
    int t;
    size_t n;
    bool v;
    assert_int_equal(hb_tc_read_list_begin(&r, &t, &n), 0);
    assert_int_equal(t, HB_TC_BOOL);
    assert_int_equal(n, 2);
    assert_int_equal(hb_tc_read_bool(&r, &v), 0);
    assert_true(v);
    assert_int_equal(hb_tc_read_bool(&r, &v), 0);
    assert_false(v);
    hb_buf_free(&b);
}

/* ---- skipping unknown fields ---- */

/* A struct with field 1 = i32 7, then unknown fields of every type, then
 * field 2000 = string "end". */
static void write_everything(hb_buf *b)
{
    hb_tc_writer w;
    hb_tc_writer_init(&w, b);
    hb_tc_struct_begin(&w);
    hb_tc_field_i32(&w, 1, 7);
    hb_tc_field_bool(&w, 2, true);
    hb_tc_field_bool(&w, 3, false);
    hb_tc_field_i8(&w, 4, -5);
    hb_tc_field_i16(&w, 5, -300);
    hb_tc_field_i32(&w, 6, 123456);
    hb_tc_field_i64(&w, 7, -1234567890123LL);
    hb_tc_field_double(&w, 8, 3.5);
    hb_tc_field_binary(&w, 9, "xyz", 3);
    hb_tc_field_begin(&w, HB_TC_LIST, 10);     /* list<i64>, long header */
    hb_tc_list_begin(&w, HB_TC_I64, 20);
    for (int i = 0; i < 20; i++)
        hb_tc_write_i64(&w, -i * 1000);
    hb_tc_field_begin(&w, HB_TC_SET, 11);      /* set<string> */
    hb_tc_list_begin(&w, HB_TC_BINARY, 2);
    hb_tc_write_string(&w, "a");
    hb_tc_write_string(&w, "bc");
    hb_tc_field_begin(&w, HB_TC_MAP, 12);      /* empty map */
    hb_buf_put_u8(b, 0x00);
    hb_tc_field_begin(&w, HB_TC_MAP, 13);      /* map<string, list<bool>> of 2 */
    hb_buf_put_u8(b, 0x02);
    hb_buf_put_u8(b, (HB_TC_BINARY << 4) | HB_TC_LIST);
    for (int i = 0; i < 2; i++) {
        hb_tc_write_string(&w, i ? "k2" : "k1");
        hb_tc_list_begin(&w, HB_TC_BOOL, 3);
        hb_tc_write_bool(&w, true);
        hb_tc_write_bool(&w, false);
        hb_tc_write_bool(&w, true);
    }
    hb_tc_field_begin(&w, HB_TC_STRUCT, 14);   /* struct nested 3 deep */
    hb_tc_struct_begin(&w);
    hb_tc_field_bool(&w, 1, true);
    hb_tc_field_begin(&w, HB_TC_STRUCT, 2);
    hb_tc_struct_begin(&w);
    hb_tc_field_begin(&w, HB_TC_STRUCT, 100);
    hb_tc_struct_begin(&w);
    hb_tc_field_double(&w, 1, -0.0);
    hb_tc_struct_end(&w);
    hb_tc_field_bool(&w, 101, false);
    hb_tc_struct_end(&w);
    hb_tc_struct_end(&w);
    hb_tc_field_begin(&w, HB_TC_LIST, 15);     /* list<struct> */
    hb_tc_list_begin(&w, HB_TC_STRUCT, 2);
    for (int i = 0; i < 2; i++) {
        hb_tc_struct_begin(&w);
        hb_tc_field_i32(&w, 1, i);
        hb_tc_field_bool(&w, 2, i == 1);
        hb_tc_struct_end(&w);
    }
    hb_tc_field_begin(&w, HB_TC_LIST, 16);     /* list<list<double>> */
    hb_tc_list_begin(&w, HB_TC_LIST, 2);
    hb_tc_list_begin(&w, HB_TC_DOUBLE, 1);
    hb_tc_write_double(&w, 2.0);
    hb_tc_list_begin(&w, HB_TC_DOUBLE, 0);
    hb_tc_field_begin(&w, HB_TC_UUID, 17);     /* uuid: 16 raw bytes */
    for (int i = 0; i < 16; i++)
        hb_buf_put_u8(b, (uint8_t)i);
    hb_tc_field_string(&w, 2000, "end");
    hb_tc_struct_end(&w);
    assert_int_equal(hb_tc_writer_status(&w), 0);
}

static void test_skip_every_type(void **state)
{
    hb_buf b;
    hb_buf_init(&b, 0);
    write_everything(&b);

    /* as a reader that knows only fields 1 and 2000 */
    hb_err e;
    hb_tc_reader r;
    reader(&r, b.data, b.len, &e);
    assert_int_equal(hb_tc_read_struct_begin(&r), 0);
    int32_t one = 0;
    const uint8_t *end = NULL;
    size_t endn = 0;
    int skipped = 0;
    for (;;) {
        int t;
        int16_t fid;
        assert_int_equal(hb_tc_read_field(&r, &t, &fid), 0);
        if (t == HB_TC_STOP)
            break;
        if (fid == 1) {
            assert_int_equal(hb_tc_read_i32(&r, &one), 0);
        } else if (fid == 2000) {
            assert_int_equal(t, HB_TC_BINARY);
            assert_int_equal(hb_tc_read_binary(&r, &end, &endn), 0);
        } else {
            assert_int_equal(hb_tc_skip(&r, t), 0);
            skipped++;
        }
    }
    assert_int_equal(hb_tc_read_struct_end(&r), 0);
    assert_int_equal(one, 7);
    assert_int_equal(endn, 3);
    assert_memory_equal(end, "end", 3);
    assert_int_equal(skipped, 16);
    assert_int_equal(hb_tc_remaining(&r), 0);

    /* the whole thing skipped as one struct */
    reader(&r, b.data, b.len, &e);
    assert_int_equal(hb_tc_skip(&r, HB_TC_STRUCT), 0);
    assert_int_equal(hb_tc_remaining(&r), 0);
    assert_int_equal(r.depth, 0);
    hb_buf_free(&b);
}

/* ---- hostile input ---- */

static void test_truncated_everywhere(void **state)
{
    hb_buf b;
    hb_buf_init(&b, 0);
    write_everything(&b);
    for (size_t cut = 0; cut < b.len; cut++) {
        hb_err e;
        hb_err_clear(&e);
        hb_tc_reader r;
        reader(&r, b.data, cut, &e);
        int rc = hb_tc_skip(&r, HB_TC_STRUCT);
        assert_int_equal(rc, HB_ECORRUPT);
        assert_int_equal(e.code, HB_ECORRUPT);
        assert_non_null(strstr(e.msg, "test at byte "));
    }
    hb_buf_free(&b);
}

static void expect_corrupt(const void *p, size_t n, int type, const char *needle)
{
    hb_err e;
    hb_tc_reader r;
    reader(&r, p, n, &e);
    int rc = hb_tc_skip(&r, type);
    if (rc != HB_ECORRUPT || !strstr(e.msg, needle)) {
        print_error("rc %d msg '%s', want '%s'\n", rc, rc ? e.msg : "", needle);
        fail();
    }
}

static void test_absurd_lengths(void **state)
{
    /* list<i32> claiming 2^31-1 elements */
    static const uint8_t l1[] = { 0xf5, 0xff, 0xff, 0xff, 0xff, 0x07, 0x00 };
    expect_corrupt(l1, sizeof l1, HB_TC_LIST, "list of 2147483647 elements exceeds the limit of 16777216");
    /* list<i32> of 1000 elements in 1 byte */
    static const uint8_t l0[] = { 0xf5, 0xe8, 0x07, 0x00 };
    expect_corrupt(l0, sizeof l0, HB_TC_LIST, "list of 1000 elements but only 1 bytes left");
    /* list size with bit 31 set */
    static const uint8_t l2[] = { 0xf5, 0xff, 0xff, 0xff, 0xff, 0x0f };
    expect_corrupt(l2, sizeof l2, HB_TC_LIST, "negative list size");
    /* list size varint over 32 bits */
    static const uint8_t l3[] = { 0xf5, 0xff, 0xff, 0xff, 0xff, 0x1f };
    expect_corrupt(l3, sizeof l3, HB_TC_LIST, "overflows 32 bits");
    /* list of doubles: 2 elements need 16 bytes */
    static const uint8_t l4[] = { 0x27, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3 };
    expect_corrupt(l4, sizeof l4, HB_TC_LIST, "list of 2 elements but only 11 bytes left");
    /* binary longer than the input */
    static const uint8_t b1[] = { 0x80, 0x80, 0x80, 0x80, 0x07, 'a' };
    expect_corrupt(b1, sizeof b1, HB_TC_BINARY, "binary of 1879048192 bytes but only 1 left");
    /* map of huge size */
    static const uint8_t m1[] = { 0xff, 0xff, 0xff, 0xff, 0x07, 0x55, 0x00 };
    expect_corrupt(m1, sizeof m1, HB_TC_MAP, "map of 2147483647 entries");
    /* map with bad types */
    static const uint8_t m2[] = { 0x01, 0xe5, 0x00 };
    expect_corrupt(m2, sizeof m2, HB_TC_MAP, "unknown key/value types");
    /* varint of 11 bytes */
    static const uint8_t v1[] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01 };
    expect_corrupt(v1, sizeof v1, HB_TC_I64, "longer than 10 bytes");
    /* 10-byte varint with more than bit 63 */
    static const uint8_t v2[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x03 };
    expect_corrupt(v2, sizeof v2, HB_TC_I64, "overflows 64 bits");
    /* i16 out of range */
    static const uint8_t v3[] = { 0x80, 0x80, 0x04 };
    expect_corrupt(v3, sizeof v3, HB_TC_I16, "i16 value");
    /* field of unknown type 14 */
    static const uint8_t f1[] = { 0x1e, 0x00 };
    expect_corrupt(f1, sizeof f1, HB_TC_STRUCT, "unknown field type 14");
    /* list of unknown element type */
    static const uint8_t f2[] = { 0x1f, 0x00 };
    expect_corrupt(f2, sizeof f2, HB_TC_LIST, "unknown element type 15");
    /* field id beyond int16 by delta */
    static const uint8_t f3[] = { 0x05, 0xfc, 0xff, 0x03, 0x00, 0x25, 0x00, 0x00 };
    expect_corrupt(f3, sizeof f3, HB_TC_STRUCT, "field id 32768 out of range");
    /* bool element not 0/1/2 */
    static const uint8_t f4[] = { 0x12, 0x07 };
    expect_corrupt(f4, sizeof f4, HB_TC_LIST, "bool element");

    /* list cap below the byte check */
    static const uint8_t big[64] = { 0xf3, 0x28 };  /* 40 i8 */
    hb_err e;
    hb_tc_reader r;
    reader(&r, big, sizeof big, &e);
    r.max_list = 10;
    int t;
    size_t n;
    assert_int_equal(hb_tc_read_list_begin(&r, &t, &n), HB_ECORRUPT);
    assert_non_null(strstr(e.msg, "exceeds the limit of 10"));
}

static void test_deep_nesting(void **state)
{
    /* 1000 nested structs: field 1 of type struct, again and again */
    uint8_t deep[2000];
    for (int i = 0; i < 1000; i++)
        deep[i] = 0x1c;
    memset(deep + 1000, 0, 1000);
    expect_corrupt(deep, sizeof deep, HB_TC_STRUCT, "nesting deeper than 32 levels");

    /* 1000 nested lists of lists */
    uint8_t lists[1001];
    for (int i = 0; i < 1000; i++)
        lists[i] = 0x19;
    lists[1000] = 0x05;
    expect_corrupt(lists, sizeof lists, HB_TC_LIST, "nesting deeper than 32 levels");

    /* alternating list<struct{1: list<struct...>}> */
    uint8_t alt[3000];
    size_t k = 0;
    for (int i = 0; i < 500; i++) {
        alt[k++] = 0x1c;   /* list of 1 struct */
        alt[k++] = 0x19;   /* field 1: list */
    }
    while (k < sizeof alt)
        alt[k++] = 0;
    expect_corrupt(alt, sizeof alt, HB_TC_LIST, "nesting deeper than 32 levels");

    /* maps of maps */
    uint8_t maps[2000];
    k = 0;
    for (int i = 0; i < 600; i++) {
        maps[k++] = 0x01;
        maps[k++] = (HB_TC_I8 << 4) | HB_TC_MAP;
        maps[k++] = 0x00;   /* the key */
    }
    while (k < sizeof maps)
        maps[k++] = 0;
    expect_corrupt(maps, sizeof maps, HB_TC_MAP, "nesting deeper than 32 levels");

    /* exactly at the limit is fine: 31 structs inside the outer one */
    uint8_t ok[64];
    k = 0;
    for (int i = 0; i < 31; i++)
        ok[k++] = 0x1c;
    for (int i = 0; i < 32; i++)
        ok[k++] = 0x00;
    hb_err e;
    hb_tc_reader r;
    reader(&r, ok, k, &e);
    assert_int_equal(hb_tc_skip(&r, HB_TC_STRUCT), 0);
    assert_int_equal(hb_tc_remaining(&r), 0);
}

static void test_input_cap(void **state)
{
    static const uint8_t d[100];
    hb_err e;
    hb_tc_reader r;
    assert_int_equal(hb_tc_reader_init(&r, d, sizeof d, 500, 50, "footer", &e), HB_ELIMIT);
    assert_non_null(strstr(e.msg, "footer at byte 500: 100 bytes exceed the limit of 50"));
    /* base offsets show in messages */
    static const uint8_t t[] = { 0x15 };
    assert_int_equal(hb_tc_reader_init(&r, t, sizeof t, 1000, 0, "footer", &e), 0);
    assert_int_equal(hb_tc_skip(&r, HB_TC_STRUCT), HB_ECORRUPT);
    assert_non_null(strstr(e.msg, "footer at byte 1001: truncated i32 varint"));
}

static void test_writer_errors(void **state)
{
    hb_buf b;
    hb_buf_init(&b, 8);   /* tiny cap */
    hb_tc_writer w;
    hb_tc_writer_init(&w, &b);
    hb_tc_struct_begin(&w);
    hb_tc_field_binary(&w, 1, "0123456789", 10);
    hb_tc_field_i32(&w, 2, 1);
    hb_tc_struct_end(&w);
    assert_int_equal(hb_tc_writer_status(&w), HB_ELIMIT);
    hb_buf_free(&b);

    hb_buf_init(&b, 0);
    hb_tc_writer_init(&w, &b);
    assert_int_equal(hb_tc_struct_end(&w), HB_EINVAL);   /* no struct open */
    hb_tc_writer_init(&w, &b);
    hb_tc_struct_begin(&w);
    assert_int_equal(hb_tc_field_begin(&w, HB_TC_BOOL, 1), HB_EINVAL);
    hb_tc_writer_init(&w, &b);
    hb_tc_struct_begin(&w);
    assert_int_equal(hb_tc_writer_status(&w), HB_EINVAL);   /* unbalanced */
    hb_tc_writer_init(&w, &b);
    for (int i = 0; i < HB_TC_MAX_DEPTH; i++)
        assert_int_equal(hb_tc_struct_begin(&w), 0);
    assert_int_equal(hb_tc_struct_begin(&w), HB_EINVAL);
    hb_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_field_header_short_and_long),
        cmocka_unit_test(test_zigzag_varints),
        cmocka_unit_test(test_bool_fields),
        cmocka_unit_test(test_list_headers),
        cmocka_unit_test(test_skip_every_type),
        cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_absurd_lengths),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_input_cap),
        cmocka_unit_test(test_writer_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
