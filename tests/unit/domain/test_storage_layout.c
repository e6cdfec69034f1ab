#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "domain/storage_layout.h"

static void hours(void **state)
{
    assert_int_equal(hb_layout_hour(0), 0);
    assert_int_equal(hb_layout_hour(HB_HOUR_NS - 1), 0);
    assert_int_equal(hb_layout_hour(HB_HOUR_NS), HB_HOUR_NS);
    assert_int_equal(hb_layout_hour(-1), -HB_HOUR_NS);
    assert_int_equal(hb_layout_hour(-HB_HOUR_NS), -HB_HOUR_NS);
    assert_int_equal(hb_layout_hour(1705312800000000000LL + 5), 1705312800000000000LL);
}

static void check_key(const char *db, const char *rp, const char *m, int64_t hour, uint64_t id, const char *want)
{
    hb_buf b;
    hb_buf_init(&b, 0);
    assert_int_equal(hb_layout_file_key(&b, db, rp, m, strlen(m), hour, id), 0);
    assert_string_equal(hb_buf_cstr(&b), want);
    hb_layout_parsed p;
    hb_err err;
    assert_int_equal(hb_layout_parse_key(b.data, &p, &err), 0);
    assert_string_equal(hb_buf_cstr(&p.db), db);
    assert_string_equal(hb_buf_cstr(&p.rp), rp);
    assert_string_equal(hb_buf_cstr(&p.measurement), m);
    assert_int_equal(p.hour_ns, hour);
    assert_int_equal(p.id, id);
    hb_layout_parsed_free(&p);
    hb_buf_free(&b);
}

static void keys(void **state)
{
    check_key("mydb", "autogen", "cpu", 1705312800000000000LL, 0, "mydb/autogen/cpu/2024-01-15/10.parquet");
    check_key("mydb", "autogen", "cpu", 1705312800000000000LL, 7, "mydb/autogen/cpu/2024-01-15/10_7.parquet");
    check_key("db", "rp", "m", 0, 0, "db/rp/m/1970-01-01/00.parquet");
    check_key("db", "rp", "m", -HB_HOUR_NS, 0, "db/rp/m/1969-12-31/23.parquet");
    /* hostile and unusual names stay inside one segment, reversibly */
    check_key("../etc", "a/b", "..", 0, 0, "%2E.%2Fetc/a%2Fb/%2E./1970-01-01/00.parquet");
    check_key("100%", "r p", "\xc3\xa9t\xc3\xa9", 0, 0, "100%25/r%20p/%C3%A9t%C3%A9/1970-01-01/00.parquet");
    check_key("", "rp", ".hidden", 0, 0, "%/rp/%2Ehidden/1970-01-01/00.parquet");
    check_key("db", "rp", "m", hb_layout_hour(INT64_MIN + 1), 0, "db/rp/m/1677-09-21/00.parquet");
    check_key("db", "rp", "m", hb_layout_hour(INT64_MAX), 0, "db/rp/m/2262-04-11/23.parquet");
}

static void bad_keys(void **state)
{
    const char *bad[] = { "db/rp/m/2024-01-15/10", "db/rp/m/2024-01-15/24.parquet", "db/rp/m/2024-13-01/10.parquet",
                          "db/rp/2024-01-15/10.parquet", "db/rp/m/x/2024-01-15/10.parquet",
                          "db/rp/m/2024-01-15/10_0.parquet", "d%2/rp/m/2024-01-15/10.parquet",
                          "d b/rp/m/2024-01-15/10.parquet", "db/rp/m/2024-01-15/10.parquet.tmp" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hb_layout_parsed p;
        hb_err err;
        assert_int_equal(hb_layout_parse_key(bad[i], &p, &err), HB_EINVAL);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hours),
        cmocka_unit_test(keys),
        cmocka_unit_test(bad_keys),
    };
    return cmocka_run_group_tests_name("domain/storage_layout", tests, NULL, NULL);
}
