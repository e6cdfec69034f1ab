#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <zlib.h>

#include "http/encode.h"
#include "http/http.h"
#include "http/inflate.h"

static void check_json(const char *in, size_t n, const char *want)
{
    hb_buf b;
    hb_buf_init(&b, 0);
    assert_int_equal(hb_json_str(&b, in, n), 0);
    assert_string_equal(hb_buf_cstr(&b), want);
    hb_buf_free(&b);
}

/* Expected texts are Go encoding/json's. */
static void json_strings_like_go(void **state)
{
    check_json("plain", 5, "\"plain\"");
    check_json("q\"b\\", 4, "\"q\\\"b\\\\\"");
    check_json("a\nb\rc\td", 7, "\"a\\nb\\rc\\td\"");
    check_json("<&>", 3, "\"\\u003c\\u0026\\u003e\"");
    check_json("\x01\x1f", 2, "\"\\u0001\\u001f\"");
    check_json("\xc3\xa9", 2, "\"\xc3\xa9\"");
    check_json("\xe2\x80\xa8", 3, "\"\\u2028\"");
    check_json("\xff", 1, "\"\\ufffd\"");
    check_json("\xc3", 1, "\"\\ufffd\"");
    check_json("\xed\xa0\x80", 3, "\"\\ufffd\\ufffd\\ufffd\"");
    check_json("a\0b", 3, "\"a\\u0000b\"");
}

static void pretty_like_go(void **state)
{
    const char *in = "{\"results\":[{\"statement_id\":0,\"series\":[{\"columns\":[\"a\"],\"values\":[[1,\"x,y:\"]]}],\"e\":[]}]}\n";
    hb_buf b;
    hb_buf_init(&b, 0);
    hb_json_indent(in, strlen(in), &b);
    assert_string_equal(hb_buf_cstr(&b),
                        "{\n    \"results\": [\n        {\n            \"statement_id\": 0,\n            \"series\": [\n"
                        "                {\n                    \"columns\": [\n                        \"a\"\n"
                        "                    ],\n                    \"values\": [\n                        [\n"
                        "                            1,\n                            \"x,y:\"\n                        ]\n"
                        "                    ]\n                }\n            ],\n            \"e\": []\n        }\n"
                        "    ]\n}\n");
    hb_buf_free(&b);
}

static size_t gz(const void *in, size_t n, unsigned char *out, size_t cap)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    zs.next_in = (unsigned char *)in;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    deflate(&zs, Z_FINISH);
    size_t len = cap - zs.avail_out;
    deflateEnd(&zs);
    return len;
}

static void gunzip_caps_and_errors(void **state)
{
    static char plain[100000];
    memset(plain, 'a', sizeof plain);
    static unsigned char z[200000];
    size_t zn = gz(plain, sizeof plain, z, sizeof z);
    hb_err err;
    hb_buf out;

    hb_buf_init(&out, sizeof plain);  /* exactly fits */
    assert_int_equal(hb_gunzip(z, zn, &out, &err), 0);
    assert_int_equal(out.len, sizeof plain);
    hb_buf_free(&out);

    hb_buf_init(&out, sizeof plain - 1);  /* one byte short: a bomb */
    assert_int_equal(hb_gunzip(z, zn, &out, &err), HB_ELIMIT);
    hb_buf_free(&out);

    hb_buf_init(&out, 0);
    assert_int_equal(hb_gunzip(z, zn / 2, &out, &err), HB_EPARSE);
    assert_string_equal(err.msg, "unexpected EOF");
    hb_buf_free(&out);

    hb_buf_init(&out, 0);
    assert_int_equal(hb_gunzip("m v=1 1\n", 8, &out, &err), HB_EPARSE);
    hb_buf_free(&out);
    hb_buf_init(&out, 0);
    assert_int_equal(hb_gunzip("not gzip at all", 15, &out, &err), HB_EPARSE);
    assert_string_equal(err.msg, "gzip: invalid header");
    hb_buf_free(&out);

    /* two concatenated members inflate as one body */
    static unsigned char two[400000];
    size_t n1 = gz("ab", 2, two, sizeof two);
    size_t n2 = gz("cd", 2, two + n1, sizeof two - n1);
    hb_buf_init(&out, 100);
    assert_int_equal(hb_gunzip(two, n1 + n2, &out, &err), 0);
    assert_string_equal(hb_buf_cstr(&out), "abcd");
    hb_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_strings_like_go),
        cmocka_unit_test(pretty_like_go),
        cmocka_unit_test(gunzip_caps_and_errors),
    };
    return cmocka_run_group_tests_name("http/json_inflate", tests, NULL, NULL);
}
