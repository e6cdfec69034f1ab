/* The Authorization header parser (http/auth.h) on influxd's accepted and
 * refused forms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "http/auth.h"

static hb_auth_scheme parse(const char *h, const char **u, const char **p)
{
    static char buf[8192];
    return hb_auth_parse_header(h, buf, sizeof buf, u, p);
}

static void accepted_forms(void **state)
{
    (void)state;
    const char *u, *p;
    assert_int_equal(parse("Basic cm9vdDp4", &u, &p), HB_AUTH_USERPASS);   /* root:x */
    assert_string_equal(u, "root");
    assert_string_equal(p, "x");
    assert_int_equal(parse("basic cm9vdDp4", &u, &p), HB_AUTH_USERPASS);
    assert_int_equal(parse("Basic cm9vdDp4Onk=", &u, &p), HB_AUTH_USERPASS);   /* root:x:y */
    assert_string_equal(u, "root");
    assert_string_equal(p, "x:y");
    assert_int_equal(parse("Basic Ong=", &u, &p), HB_AUTH_USERPASS);   /* ":x": empty user, refused later */
    assert_string_equal(u, "");
    assert_int_equal(parse("Token bob:pw", &u, &p), HB_AUTH_USERPASS);
    assert_string_equal(u, "bob");
    assert_string_equal(p, "pw");
    assert_int_equal(parse("Bearer abc", &u, &p), HB_AUTH_BEARER);
}

static void refused_forms(void **state)
{
    (void)state;
    const char *u, *p;
    static const char *const bad[] = {
        "Basic !!!", "Basic cm9vdHg=", /* no colon */ "Basic cm9vdDp4=", "Basic", "Basic ", "Basic  cm9vdDp4",
        "Token bobpw", "token bob:pw", "Digest x", "Bearer a b", "", "Basic AG9vdDp4", /* NUL in the user */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(parse(bad[i], &u, &p), HB_AUTH_NONE);
        assert_null(u);
    }
    assert_int_equal(parse(NULL, &u, &p), HB_AUTH_NONE);
    static char huge[HB_AUTH_MAX_HEADER + 16];
    memcpy(huge, "Token ", 6);
    memset(huge + 6, 'a', sizeof huge - 8);
    huge[20] = ':';
    assert_int_equal(parse(huge, &u, &p), HB_AUTH_NONE);
    /* a buffer too small for the header is refused, never overrun */
    char small[4];
    assert_int_equal(hb_auth_parse_header("Token a:b", small, sizeof small, &u, &p), HB_AUTH_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accepted_forms),
        cmocka_unit_test(refused_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
