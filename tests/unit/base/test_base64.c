#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "base/base64.h"
#include "base/err.h"

static int dec(const char *in, char *out, size_t cap, size_t *len)
{
    return hb_base64_decode(in, strlen(in), (unsigned char *)out, cap, len);
}

static void decodes_rfc4648_vectors(void **state)
{
    (void)state;
    static const char *const vec[][2] = {
        { "", "" },           { "Zg==", "f" },         { "Zm8=", "fo" },       { "Zm9v", "foo" },
        { "Zm9vYg==", "foob" }, { "Zm9vYmE=", "fooba" }, { "Zm9vYmFy", "foobar" }, { "cm9vdDp4", "root:x" },
        { "Ong=", ":x" },     { "+/+/", "\xfb\xff\xbf" },
    };
    for (size_t i = 0; i < sizeof vec / sizeof vec[0]; i++) {
        char out[16];
        size_t len = 99;
        assert_int_equal(dec(vec[i][0], out, sizeof out, &len), HB_OK);
        assert_int_equal(len, strlen(vec[i][1]));
        assert_memory_equal(out, vec[i][1], len);
    }
}

static void refuses_malformed(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "Zg",        /* no padding */
        "Zg=",       /* length not a multiple of 4 */
        "Z===",      /* three '=' */
        "=Zg=",      /* padding first */
        "Zg==Zg==",  /* padding in the middle */
        "Zm9v\n",    /* whitespace */
        "Zm 9",      /* blank */
        "Zm9-",      /* URL alphabet */
        "Zm9_",
        "!!!!",
        "Zh==",      /* non-zero unused bits */
        "Zm9=",
        "Zm\x80v",   /* high byte */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char out[16];
        size_t len = 99;
        assert_int_equal(dec(bad[i], out, sizeof out, &len), HB_EPARSE);
        assert_int_equal(len, 0);
    }
    /* an embedded NUL is not part of the alphabet */
    unsigned char out[8];
    size_t len;
    assert_int_equal(hb_base64_decode("Zm\0v", 4, out, sizeof out, &len), HB_EPARSE);
}

static void never_writes_past_cap(void **state)
{
    (void)state;
    char out[8];
    memset(out, 'X', sizeof out);
    size_t len;
    assert_int_equal(dec("Zm9vYmFy", out, 5, &len), HB_ELIMIT);
    assert_int_equal(out[5], 'X');
    assert_int_equal(dec("Zm9vYmFy", out, 6, &len), HB_OK);
    assert_int_equal(len, 6);
    assert_int_equal(HB_BASE64_DECODED_MAX(8), 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decodes_rfc4648_vectors),
        cmocka_unit_test(refuses_malformed),
        cmocka_unit_test(never_writes_past_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
