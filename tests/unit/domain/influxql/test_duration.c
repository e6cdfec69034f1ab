/* InfluxQL durations: literal parsing, InfluxQL's printed form and Go's
 * time.Duration form (used by SHOW RETENTION POLICIES). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "base/err.h"
#include "domain/influxql/duration.h"

static int64_t parse(const char *s)
{
    int64_t d = -1;
    char msg[128];
    int rc = hb_iql_duration_parse(s, strlen(s), &d, msg, sizeof msg);
    if (rc)
        fail_msg("%s: %s", s, msg);
    return d;
}

static void parse_fails(const char *s, const char *want)
{
    int64_t d;
    char msg[128];
    assert_int_equal(hb_iql_duration_parse(s, strlen(s), &d, msg, sizeof msg), HB_EPARSE);
    assert_string_equal(msg, want);
}

static void test_parse(void **state)
{
    (void)state;
    assert_int_equal(parse("10ns"), 10);
    assert_int_equal(parse("10u"), 10 * HB_IQL_NS_PER_US);
    assert_int_equal(parse("10\xc2\xb5"), 10 * HB_IQL_NS_PER_US);
    assert_int_equal(parse("15ms"), 15 * HB_IQL_NS_PER_MS);
    assert_int_equal(parse("100s"), 100 * HB_IQL_NS_PER_S);
    assert_int_equal(parse("2m"), 2 * HB_IQL_NS_PER_MIN);
    assert_int_equal(parse("2h"), 2 * HB_IQL_NS_PER_HOUR);
    assert_int_equal(parse("2d"), 2 * HB_IQL_NS_PER_DAY);
    assert_int_equal(parse("2w"), 2 * HB_IQL_NS_PER_WEEK);
    assert_int_equal(parse("1h30m"), HB_IQL_NS_PER_HOUR + 30 * HB_IQL_NS_PER_MIN);
    assert_int_equal(parse("30ms3000u"), 33 * HB_IQL_NS_PER_MS);
    assert_int_equal(parse("-5s"), -5 * HB_IQL_NS_PER_S);
    assert_int_equal(parse("-5m30s"), -(5 * HB_IQL_NS_PER_MIN + 30 * HB_IQL_NS_PER_S));
    assert_int_equal(parse("0s"), 0);
    assert_int_equal(parse("9223372036854775807ns"), INT64_MAX);

    parse_fails("", "invalid duration");
    parse_fails("3", "invalid duration");
    parse_fails("1000", "invalid duration");
    parse_fails("w", "invalid duration");
    parse_fails("ms", "invalid duration");
    parse_fails("1.2w", "invalid duration");
    parse_fails("10x", "invalid duration");
    parse_fails("10n", "invalid duration");
    parse_fails("1H", "invalid duration");
    parse_fails("9223372036854775808ns", "invalid duration");
    parse_fails("3000000h", "overflowed duration 3000000h: choose a smaller duration or INF");
    parse_fails("15251w", "overflowed duration 15251w: choose a smaller duration or INF");
}

static void check_format(int64_t d, const char *influxql, const char *go)
{
    char buf[HB_IQL_DURATION_BUFSZ];
    assert_int_equal(hb_iql_duration_format(d, buf), strlen(influxql));
    assert_string_equal(buf, influxql);
    assert_int_equal(hb_iql_duration_string(d, buf), strlen(go));
    assert_string_equal(buf, go);
}

static void test_format(void **state)
{
    (void)state;
    check_format(0, "0s", "0s");
    check_format(HB_IQL_NS_PER_HOUR, "1h", "1h0m0s");
    check_format(HB_IQL_NS_PER_WEEK, "1w", "168h0m0s");
    check_format(HB_IQL_NS_PER_DAY, "1d", "24h0m0s");
    check_format(90 * HB_IQL_NS_PER_S, "90s", "1m30s");
    check_format(90 * HB_IQL_NS_PER_MIN, "90m", "1h30m0s");
    check_format(500 * HB_IQL_NS_PER_MS, "500ms", "500ms");
    check_format(1500 * HB_IQL_NS_PER_MS, "1500ms", "1.5s");
    check_format(2 * HB_IQL_NS_PER_US, "2u", "2\xc2\xb5s");
    check_format(1500, "1500ns", "1.5\xc2\xb5s");
    check_format(3, "3ns", "3ns");
    check_format(-90 * HB_IQL_NS_PER_S, "-90s", "-1m30s");
    check_format(INT64_MAX, "9223372036854775807ns", "2562047h47m16.854775807s");
    check_format(INT64_MIN, "-9223372036854775808ns", "-2562047h47m16.854775808s");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
