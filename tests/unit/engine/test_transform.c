/* The transformations of one series (engine/transform.h), against values
 * worked out by hand from influxd's reducer rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "base/err.h"
#include "engine/transform.h"

#define S 1000000000LL

static hb_value F(double f) { return (hb_value){ .kind = HB_V_FLOAT, .v.f = f }; }
static hb_value I(int64_t i) { return (hb_value){ .kind = HB_V_INT, .v.i = i }; }

/* Feed n points; the outputs go to ot/ov; returns how many. */
static size_t run(hb_tf_kind k, int64_t unit, size_t win, int asc, const int64_t *t, const hb_value *v, size_t n,
                  int64_t *ot, hb_value *ov)
{
    hb_tf tf;
    assert_int_equal(hb_tf_init(&tf, k, unit, win, asc), HB_OK);
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        w += (size_t)hb_tf_push(&tf, t[i], v[i], &ot[w], &ov[w]);
    hb_tf_free(&tf);
    return w;
}

static void derivative_rules(void **state)
{
    (void)state;
    int64_t t[] = { 0, 10 * S, 10 * S, 20 * S, 40 * S };
    hb_value v[] = { F(1), F(3), F(100), F(2), F(6) };   /* the same-time point is skipped */
    int64_t ot[8];
    hb_value ov[8];
    size_t n = run(HB_TF_DERIVATIVE, S, 0, 1, t, v, 5, ot, ov);
    assert_int_equal(n, 3);
    assert_int_equal(ot[0], 10 * S);
    assert_true(ov[0].kind == HB_V_FLOAT && ov[0].v.f == 0.2);
    assert_true(ov[1].v.f == -0.1);
    assert_true(ov[2].v.f == 0.2);
    n = run(HB_TF_NN_DERIVATIVE, 10 * S, 0, 1, t, v, 5, ot, ov);
    assert_int_equal(n, 2);
    assert_true(ov[0].v.f == 2.0 && ov[1].v.f == 2.0);
    assert_int_equal(ot[1], 40 * S);
    /* descending input: influxd negates the elapsed time, so a series
     * rising in time gives a negative derivative read backwards */
    int64_t td[] = { 20 * S, 10 * S };
    hb_value vd[] = { F(5), F(1) };
    n = run(HB_TF_DERIVATIVE, S, 0, 0, td, vd, 2, ot, ov);
    assert_int_equal(n, 1);
    assert_true(ov[0].v.f == -0.4);
    assert_int_equal(ot[0], 10 * S);
}

static void difference_types(void **state)
{
    (void)state;
    int64_t t[] = { 1, 2, 3, 4 };
    hb_value v[] = { I(10), I(7), I(INT64_MIN), I(5) };
    int64_t ot[8];
    hb_value ov[8];
    size_t n = run(HB_TF_DIFFERENCE, 0, 0, 1, t, v, 4, ot, ov);
    assert_int_equal(n, 3);
    assert_true(ov[0].kind == HB_V_INT && ov[0].v.i == -3);
    assert_int_equal(ov[1].v.i, INT64_MAX - 6);   /* INT64_MIN - 7 wraps as Go's int64 does */
    n = run(HB_TF_NN_DIFFERENCE, 0, 0, 1, t, v, 4, ot, ov);
    assert_int_equal(n, 1);   /* only the wrapped INT64_MIN - 7 is positive */
    assert_int_equal(ot[0], 3);
    hb_value fv[] = { F(1.5), F(4), F(3), F(3) };
    n = run(HB_TF_DIFFERENCE, 0, 0, 1, t, fv, 4, ot, ov);
    assert_int_equal(n, 3);
    assert_true(ov[0].kind == HB_V_FLOAT && ov[0].v.f == 2.5 && ov[2].v.f == 0);
}

static void moving_average_window(void **state)
{
    (void)state;
    int64_t t[] = { 1, 2, 3, 4, 5 };
    hb_value v[] = { F(1), F(2), F(4), F(8), F(16) };
    int64_t ot[8];
    hb_value ov[8];
    size_t n = run(HB_TF_MOVING_AVERAGE, 0, 3, 1, t, v, 5, ot, ov);
    assert_int_equal(n, 3);
    assert_int_equal(ot[0], 3);
    assert_true(fabs(ov[0].v.f - 7.0 / 3) < 1e-15 && ov[1].v.f == 14.0 / 3 && ov[2].v.f == 28.0 / 3);
    hb_value iv[] = { I(1), I(2), I(4), I(8), I(16) };
    n = run(HB_TF_MOVING_AVERAGE, 0, 2, 1, t, iv, 5, ot, ov);
    assert_int_equal(n, 4);
    assert_true(ov[0].kind == HB_V_FLOAT && ov[0].v.f == 1.5 && ov[3].v.f == 12);
    /* same-time points are not skipped */
    int64_t ts[] = { 1, 1, 1 };
    n = run(HB_TF_MOVING_AVERAGE, 0, 2, 1, ts, v, 3, ot, ov);
    assert_int_equal(n, 2);
}

static void cumulative_and_elapsed(void **state)
{
    (void)state;
    int64_t t[] = { 0, 0, 5 * S, 12 * S };
    hb_value v[] = { I(1), I(2), I(3), I(4) };
    int64_t ot[8];
    hb_value ov[8];
    size_t n = run(HB_TF_CUMULATIVE_SUM, 0, 0, 1, t, v, 4, ot, ov);
    assert_int_equal(n, 4);
    assert_true(ov[0].kind == HB_V_INT && ov[0].v.i == 1 && ov[1].v.i == 3 && ov[3].v.i == 10);
    hb_value sv[] = { { .kind = HB_V_STR }, { .kind = HB_V_STR }, { .kind = HB_V_BOOL }, I(1) };
    n = run(HB_TF_ELAPSED, S, 0, 1, t, sv, 4, ot, ov);   /* any type; same time gives 0 */
    assert_int_equal(n, 3);
    assert_true(ov[0].kind == HB_V_INT && ov[0].v.i == 0 && ov[1].v.i == 5 && ov[2].v.i == 7);
    n = run(HB_TF_ELAPSED, 10 * S, 0, 1, t, sv, 4, ot, ov);   /* truncated */
    assert_true(ov[1].v.i == 0 && ov[2].v.i == 0);
    n = run(HB_TF_DERIVATIVE, S, 0, 1, t, sv, 4, ot, ov);   /* strings count for nothing else */
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(derivative_rules),
        cmocka_unit_test(difference_types),
        cmocka_unit_test(moving_average_window),
        cmocka_unit_test(cumulative_and_elapsed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
