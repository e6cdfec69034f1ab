#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "base/fmt.h"

static void check_float(double f, const char *want)
{
    char buf[32];
    hb_fmt_float_json(f, buf);
    assert_string_equal(buf, want);
}

/* Expected texts are what Go's encoding/json writes for these float64s. */
static void floats_like_go(void **state)
{
    check_float(0, "0");
    check_float(1, "1");
    check_float(-1, "-1");
    check_float(0.1, "0.1");
    check_float(1.5, "1.5");
    check_float(100, "100");
    check_float(123456789, "123456789");
    check_float(0.000001, "0.000001");
    check_float(0.0000001, "1e-7");
    check_float(1e-10, "1e-10");
    check_float(1.5e-7, "1.5e-7");
    check_float(1e20, "100000000000000000000");
    check_float(1e21, "1e+21");
    check_float(1.2345e22, "1.2345e+22");
    check_float(0.1 + 0.2, "0.30000000000000004");
    check_float(1.0 / 3, "0.3333333333333333");
    check_float(2.0 / 3, "0.6666666666666666");
    check_float(123.456, "123.456");
    check_float(-0.5, "-0.5");
    check_float(1.7976931348623157e308, "1.7976931348623157e+308");
    check_float(5e-324, "5e-324");
    check_float(9007199254740993.0, "9007199254740992");
    check_float(42.0000001, "42.0000001");
}

static void check_time(int64_t ns, const char *want)
{
    char buf[40];
    hb_fmt_rfc3339nano(ns, buf);
    assert_string_equal(buf, want);
}

static void rfc3339nano_like_go(void **state)
{
    check_time(0, "1970-01-01T00:00:00Z");
    check_time(1, "1970-01-01T00:00:00.000000001Z");
    check_time(1000, "1970-01-01T00:00:00.000001Z");
    check_time(1500000000, "1970-01-01T00:00:01.5Z");
    check_time(1451606400000000000LL, "2016-01-01T00:00:00Z");
    check_time(1700000000123456789LL, "2023-11-14T22:13:20.123456789Z");
    check_time(-1, "1969-12-31T23:59:59.999999999Z");
    check_time(-86400000000000LL, "1969-12-31T00:00:00Z");
    check_time(951782400000000000LL, "2000-02-29T00:00:00Z");
    check_time(INT64_MAX, "2262-04-11T23:47:16.854775807Z");
    check_time(INT64_MIN, "1677-09-21T00:12:43.145224192Z");
}

static void check_time_off(int64_t ns, int32_t off, const char *want)
{
    char buf[40];
    assert_int_equal(hb_fmt_rfc3339nano_off(ns, off, buf), strlen(want));
    assert_string_equal(buf, want);
}

/* Go's t.In(loc).Format(time.RFC3339Nano) */
static void rfc3339nano_in_zones(void **state)
{
    check_time_off(1679792400000000000LL, 7200, "2023-03-26T03:00:00+02:00");
    check_time_off(1679792399000000000LL, 3600, "2023-03-26T01:59:59+01:00");
    check_time_off(1679770800500000000LL, 19800, "2023-03-26T00:30:00.5+05:30");
    check_time_off(1679770800000000000LL, -12600, "2023-03-25T15:30:00-03:30");
    check_time_off(1679770800000000000LL, 0, "2023-03-25T19:00:00Z");
    check_time_off(-1, 3600, "1970-01-01T00:59:59.999999999+01:00");
    /* seconds of an offset are not shown; under a minute west is +00:00 */
    check_time_off(0, 3208, "1970-01-01T00:53:28+00:53");
    check_time_off(0, -30, "1969-12-31T23:59:30+00:00");
    check_time_off(INT64_MAX, 50400, "2262-04-12T13:47:16.854775807+14:00");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(floats_like_go),
        cmocka_unit_test(rfc3339nano_like_go),
        cmocka_unit_test(rfc3339nano_in_zones),
    };
    return cmocka_run_group_tests_name("base/fmt", tests, NULL, NULL);
}
