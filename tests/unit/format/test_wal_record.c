#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "format/wal_record.h"

static hb_slice S(const char *s) { return hb_slice_c(s); }

static void round_trip(void **state)
{
    hb_tag tags_a[2] = { { S("host"), S("a") }, { S("region"), S("eu west") } };
    hb_tag tags_b[1] = { { S("host"), S("b") } };
    hb_field f1[5] = {
        { S("f"), HB_FT_FLOAT, { .f = -1.5 } },
        { S("i"), HB_FT_INTEGER, { .i = INT64_MIN } },
        { S("u"), HB_FT_UNSIGNED, { .u = UINT64_MAX } },
        { S("s"), HB_FT_STRING, { .s = { "he\"llo\0x", 8 } } },
        { S("b"), HB_FT_BOOLEAN, { .b = 1 } },
    };
    hb_field f2[1] = { { S("f"), HB_FT_FLOAT, { .f = NAN } } };
    hb_point pts[3] = {
        { S("cpu"), S("cpu,host=a,region=eu\\ west"), tags_a, 2, 5, f1, INT64_MAX, 7 },
        { S("cpu"), S("cpu,host=b"), tags_b, 1, 1, f2, INT64_MIN, 9 },
        { S("cpu"), S("cpu,host=a,region=eu\\ west"), tags_a, 2, 1, f2, 0, 7 },
    };
    hb_buf b;
    hb_buf_init(&b, 0);
    hb_err err;
    assert_int_equal(hb_wal_record_encode(&b, "db", "rp", pts, 3, &err), 0);

    hb_arena a;
    hb_arena_init(&a, 0, 0);
    hb_wal_batch out;
    assert_int_equal(hb_wal_record_decode(b.data, b.len, &a, &out, &err), 0);
    assert_int_equal(out.db.n, 2);
    assert_memory_equal(out.db.p, "db", 2);
    assert_memory_equal(out.rp.p, "rp", 2);
    assert_int_equal(out.npoints, 3);
    for (int i = 0; i < 3; i++) {
        hb_point *p = &out.points[i];
        assert_true(hb_slice_eq(p->series_key, pts[i].series_key));
        assert_true(hb_slice_eq(p->measurement, pts[i].measurement));
        assert_int_equal(p->ntags, pts[i].ntags);
        for (uint32_t t = 0; t < p->ntags; t++) {
            assert_true(hb_slice_eq(p->tags[t].key, pts[i].tags[t].key));
            assert_true(hb_slice_eq(p->tags[t].val, pts[i].tags[t].val));
        }
        assert_int_equal(p->time, pts[i].time);
        assert_int_equal(p->nfields, pts[i].nfields);
    }
    hb_point *p = &out.points[0];
    assert_true(p->fields[0].v.f == -1.5);
    assert_int_equal(p->fields[1].v.i, INT64_MIN);
    assert_true(p->fields[2].v.u == UINT64_MAX);
    assert_int_equal(p->fields[3].v.s.n, 8);
    assert_memory_equal(p->fields[3].v.s.p, "he\"llo\0x", 8);
    assert_int_equal(p->fields[4].v.b, 1);
    assert_true(isnan(out.points[1].fields[0].v.f));

    /* every truncation and every single-byte change is either rejected or decodes safely */
    for (size_t n = 0; n < b.len; n++) {
        hb_arena_reset(&a);
        assert_int_not_equal(hb_wal_record_decode(b.data, n, &a, &out, &err), 0);
    }
    for (size_t i = 0; i < b.len; i++) {
        char saved = b.data[i];
        b.data[i] = (char)(saved ^ 0x5a);
        hb_arena_reset(&a);
        (void)hb_wal_record_decode(b.data, b.len, &a, &out, &err);
        b.data[i] = saved;
    }
    hb_arena_free(&a);
    hb_buf_free(&b);
}

static void shares_series_and_keys(void **state)
{
    /* 1000 points of one series: the series key is stored once */
    hb_field f = { S("usage_user"), HB_FT_INTEGER, { .i = 5 } };
    hb_point pts[1000];
    for (int i = 0; i < 1000; i++)
        pts[i] = (hb_point){ S("cpu"), S("cpu,hostname=host_0,region=eu-west-1"), NULL, 0, 1, &f,
                             1451606400000000000LL + i * 10000000000LL, 1 };
    hb_buf b;
    hb_buf_init(&b, 0);
    hb_err err;
    assert_int_equal(hb_wal_record_encode(&b, "benchmark", "autogen", pts, 1000, &err), 0);
    assert_true(b.len < 1000 * 12);
    hb_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(shares_series_and_keys),
    };
    return cmocka_run_group_tests_name("format/wal_record", tests, NULL, NULL);
}
