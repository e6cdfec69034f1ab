#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "app/memtable.h"

static hb_slice S(const char *s) { return hb_slice_c(s); }

typedef struct {
    int tables;
    size_t rows;
    const hb_mt_table *last;
} count_ctx;

static int count(void *ctx, const hb_mt_table *t)
{
    count_ctx *c = ctx;
    c->tables++;
    c->rows += t->rows;
    c->last = t;
    return 0;
}

static void insert_and_scan(void **state)
{
    hb_memtable *m = hb_memtable_new();
    hb_tag ta[1] = { { S("host"), S("a") } };
    hb_field fa[2] = { { S("v"), HB_FT_FLOAT, { .f = 1.5 } }, { S("s"), HB_FT_STRING, { .s = { "xy", 2 } } } };
    hb_field fb[1] = { { S("w"), HB_FT_INTEGER, { .i = 7 } } };
    hb_point pts[3] = {
        { S("cpu"), S("cpu,host=a"), ta, 1, 2, fa, 20, 1 },
        { S("cpu"), S("cpu,host=a"), ta, 1, 1, fb, 10, 1 },  /* out of order, new field */
        { S("mem"), S("mem"), NULL, 0, 1, fb, 5, 2 },
    };
    hb_err err;
    assert_int_equal(hb_memtable_insert(m, "db", "autogen", pts, 3, &err), 0);
    assert_int_equal(hb_memtable_rows(m), 3);
    assert_true(hb_memtable_bytes(m) > 0);

    count_ctx c = { 0 };
    hb_memtable_scan(m, "db", NULL, count, &c);
    assert_int_equal(c.tables, 2);
    assert_int_equal(c.rows, 3);

    hb_memtable_rdlock(m);
    count_ctx c2 = { 0 };
    hb_memtable_scan_locked(m, "db", "autogen", count, &c2);
    hb_memtable_unlock(m);
    assert_int_equal(c2.tables, 2);
    hb_memtable_scan(m, "other", NULL, count, &c);
    assert_int_equal(c.tables, 2); /* nothing in db "other" */
    hb_memtable_free(m);
}

static const hb_mt_table *found;
static int find_cpu(void *ctx, const hb_mt_table *t)
{
    if (strcmp(t->measurement, "cpu") == 0)
        found = t;
    return 0;
}

static void columns_and_validity(void **state)
{
    hb_memtable *m = hb_memtable_new();
    hb_tag ta[1] = { { S("host"), S("a") } };
    hb_field fa[2] = { { S("v"), HB_FT_FLOAT, { .f = 1.5 } }, { S("s"), HB_FT_STRING, { .s = { "xy", 2 } } } };
    hb_field fb[1] = { { S("w"), HB_FT_INTEGER, { .i = 7 } } };
    hb_err err;
    /* many rows to cross growth boundaries; fields alternate */
    for (int i = 0; i < 1000; i++) {
        hb_point p = { S("cpu"), S("cpu,host=a"), ta, 1, i % 2 ? 1 : 2, i % 2 ? fb : fa, 1000 - i, 1 };
        assert_int_equal(hb_memtable_insert(m, "db", "rp", &p, 1, &err), 0);
    }
    found = NULL;
    hb_memtable_scan(m, "db", "rp", find_cpu, NULL);
    assert_non_null(found);
    assert_int_equal(found->nfields, 3);
    assert_int_equal(found->nseries, 1);
    const hb_mt_series *s = found->series[0];
    assert_int_equal(s->nrows, 1000);
    assert_int_equal(s->sorted, 0);
    assert_string_equal(found->field_names[0], "v");
    assert_int_equal(found->field_types[2], HB_FT_INTEGER);
    for (size_t r = 0; r < 1000; r++) {
        assert_int_equal(s->times[r], 1000 - (int64_t)r);
        assert_int_equal(hb_mt_valid(&s->cols[0], r), r % 2 == 0);
        assert_int_equal(hb_mt_valid(&s->cols[2], r), r % 2 == 1);
        if (r % 2 == 0) {
            assert_true(((double *)s->cols[0].vals)[r] == 1.5);
            hb_slice sv = ((hb_slice *)s->cols[1].vals)[r];
            assert_int_equal(sv.n, 2);
            assert_memory_equal(sv.p, "xy", 2);
        } else {
            assert_int_equal(((int64_t *)s->cols[2].vals)[r], 7);
        }
    }
    size_t before = hb_memtable_bytes(m);
    hb_memtable_drop(m, "db", NULL);
    assert_int_equal(hb_memtable_rows(m), 0);
    assert_true(hb_memtable_bytes(m) < before);
    assert_int_equal(hb_memtable_bytes(m), 0);
    hb_memtable_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(insert_and_scan),
        cmocka_unit_test(columns_and_validity),
    };
    return cmocka_run_group_tests_name("app/memtable", tests, NULL, NULL);
}
