#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "domain/influxql/normalize.h"

static void check_redact(const char *in, const char *want)
{
    hb_buf b;
    hb_buf_init(&b, 0);
    assert_int_equal(hb_iql_redact(in, strlen(in), &b), 0);
    assert_string_equal(hb_buf_cstr(&b), want);
    hb_buf_free(&b);
}

static void check_norm(const char *in, const char *want)
{
    hb_buf b;
    hb_buf_init(&b, 0);
    assert_int_equal(hb_iql_normalize(in, strlen(in), &b), 0);
    assert_string_equal(hb_buf_cstr(&b), want);
    hb_buf_free(&b);
}

static void redacts_passwords(void **state)
{
    check_redact("CREATE USER bob WITH PASSWORD 'secret'", "CREATE USER bob WITH PASSWORD [REDACTED]");
    check_redact("create user \"bob\" with password 's3\\'cr;et' with all privileges",
                 "create user \"bob\" with password [REDACTED] with all privileges");
    check_redact("SET PASSWORD FOR bob = 'x'", "SET PASSWORD FOR bob = [REDACTED]");
    check_redact("SET PASSWORD FOR \"password\" = 'x'; SELECT 'a' FROM m",
                 "SET PASSWORD FOR \"password\" = [REDACTED]; SELECT 'a' FROM m");
    /* an unterminated literal is cut too */
    check_redact("CREATE USER u WITH PASSWORD 'half", "CREATE USER u WITH PASSWORD [REDACTED]");
    /* the word inside strings, identifiers or comments does not count */
    check_redact("SELECT * FROM m WHERE a = 'password' AND b = 'c'", "SELECT * FROM m WHERE a = 'password' AND b = 'c'");
    check_redact("SELECT \"password\" FROM m WHERE t = 'v'", "SELECT \"password\" FROM m WHERE t = 'v'");
    check_redact("-- password\nSELECT 'v' FROM m", "-- password\nSELECT 'v' FROM m");
    /* a bound parameter named $password is not the keyword */
    check_redact("SELECT * FROM m WHERE x = $password AND y = 'k'", "SELECT * FROM m WHERE x = $password AND y = 'k'");
    /* every statement of a request */
    check_redact("CREATE USER a WITH PASSWORD 'p1';CREATE USER b WITH PASSWORD 'p2'",
                 "CREATE USER a WITH PASSWORD [REDACTED];CREATE USER b WITH PASSWORD [REDACTED]");
    check_redact("", "");
}

static void normalizes_literals(void **state)
{
    check_norm("SELECT mean(v) FROM cpu WHERE host = 'a' AND time > now() - 1h GROUP BY time(10m)",
               "SELECT mean(v) FROM cpu WHERE host = ? AND time > now() - ? GROUP BY time(?)");
    check_norm("  SELECT  *\n\tFROM \"my m\"  WHERE v > 1.5 AND d < 5ms LIMIT 10  ", "SELECT * FROM \"my m\" WHERE v > ? AND d < ? LIMIT ?");
    check_norm("select * from m where v > .5 -- comment\n and x = 3", "select * from m where v > ? and x = ?");
    check_norm("CREATE USER u WITH PASSWORD 'secret'", "CREATE USER u WITH PASSWORD ?");
    check_norm("SELECT * FROM m WHERE h =~ /web.*/ AND w = $w", "SELECT * FROM m WHERE h =~ /web.*/ AND w = $w");
    check_norm("SELECT cpu2 FROM m2 /* c */ WHERE a_1 = 2", "SELECT cpu2 FROM m2 WHERE a_1 = ?");
    check_norm("", "");
}

static void same_shape_same_digest(void **state)
{
    hb_buf a, b;
    hb_buf_init(&a, 0);
    hb_buf_init(&b, 0);
    const char *q1 = "SELECT v FROM m WHERE h = 'a'", *q2 = "SELECT v  FROM m WHERE h = 'bbb'";
    hb_iql_normalize(q1, strlen(q1), &a);
    hb_iql_normalize(q2, strlen(q2), &b);
    char d1[17], d2[17], d3[17];
    hb_iql_digest(a.data, a.len, d1);
    hb_iql_digest(b.data, b.len, d2);
    hb_iql_digest("SELECT w FROM m", 15, d3);
    assert_string_equal(d1, d2);
    assert_string_not_equal(d1, d3);
    assert_int_equal(strlen(d1), 16);
    hb_buf_free(&a);
    hb_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(redacts_passwords),
        cmocka_unit_test(normalizes_literals),
        cmocka_unit_test(same_shape_same_digest),
    };
    return cmocka_run_group_tests_name("domain/influxql/normalize", tests, NULL, NULL);
}
