/* holt_winters (engine/holtwinters.h): the shape of the answer worked out
 * by hand (how many points, at which times, when none), Go's integer
 * power, and two forecasts as influxd 1.6.7 answered them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include "base/err.h"
#include "engine/holtwinters.h"

#define S 1000000000LL
#define T0 (1672531200LL * S)

static void go_pow(void **state)
{
    (void)state;
    assert_true(hb_hw_go_pow(0.5, 10) == 1.0 / 1024);
    assert_true(hb_hw_go_pow(0.3, 2) == 0.3 * 0.3);
    assert_true(hb_hw_go_pow(0.7, 1) == 0.7);
    assert_true(hb_hw_go_pow(0, 5) == 0);
    assert_true(hb_hw_go_pow(1, 12345) == 1);
    /* underflows to 0 through the overflow guard, no loop to the end */
    assert_true(hb_hw_go_pow(0.5, (int64_t)1 << 40) == 0);
}

static void no_answer(void **state)
{
    (void)state;
    int64_t t[] = { T0, T0 + 30 * S, T0 + 60 * S };
    double v[] = { 1, 2, 3 };
    int64_t *ot;
    double *ov;
    size_t on;
    assert_int_equal(hb_hw_forecast(t, v, 1, 3, 0, 0, 30 * S, &ot, &ov, &on), HB_OK);
    assert_int_equal(on, 0);   /* one point */
    assert_int_equal(hb_hw_forecast(t, v, 3, 3, 4, 0, 30 * S, &ot, &ov, &on), HB_OK);
    assert_int_equal(on, 0);   /* fewer points than a season */
    assert_int_equal(hb_hw_forecast(t, v, 3, 0, 0, 0, 30 * S, &ot, &ov, &on), HB_OK);
    assert_int_equal(on, 0);   /* no horizon */
    int64_t same[] = { T0, T0 + 10 * S };   /* both round to T0: no span */
    assert_int_equal(hb_hw_forecast(same, v, 2, 3, 0, 0, 30 * S, &ot, &ov, &on), HB_OK);
    assert_int_equal(on, 0);
    assert_null(ot);
    assert_int_equal(hb_hw_forecast(t, v, 3, (int64_t)HB_HW_MAX_POINTS, 0, 0, 30 * S, &ot, &ov, &on), HB_EINVAL);
}

/* mean(f) of host a in transform.case's main data, 30 s windows */
static const int64_t k_t[] = { T0, T0 + 30 * S, T0 + 60 * S, T0 + 120 * S, T0 + 180 * S, T0 + 210 * S, T0 + 270 * S };
static const double k_v[] = { 2, 4.125, 6.75, 10.166666666666666, 11, 14.75, 20 };

static void near(double a, double b) { assert_true(fabs(a - b) <= 1e-12 * fabs(b)); }

static void forecast_times(void **state)
{
    (void)state;
    int64_t *ot;
    double *ov;
    size_t on;
    assert_int_equal(hb_hw_forecast(k_t, k_v, 7, 3, 0, 0, 30 * S, &ot, &ov, &on), HB_OK);
    /* h forecasts, one interval apart after the last point */
    assert_int_equal(on, 3);
    for (size_t i = 0; i < 3; i++)
        assert_true(ot[i] == T0 + 270 * S + (int64_t)(i + 1) * 30 * S);
    /* as influxd 1.6.7 answered (conformance transform:main:q212) */
    near(ov[0], 23.55835985262305);
    near(ov[1], 28.12547089450841);
    near(ov[2], 33.802979947377004);
    free(ot);
    free(ov);
    /* with the fit: every interval from the first point on, the empty
     * ones (01:30, 02:30, 04:00) included, then the forecasts */
    assert_int_equal(hb_hw_forecast(k_t, k_v, 7, 2, 2, 1, 30 * S, &ot, &ov, &on), HB_OK);
    assert_int_equal(on, 10 + 2);
    for (size_t i = 0; i < on; i++)
        assert_true(ot[i] == T0 + (int64_t)i * 30 * S);
    near(ov[0], 2);   /* the first value is the data's */
    near(ov[3], 6.997436686851253);   /* transform:main:q213 */
    near(ov[11], 27.79485447004873);
    free(ot);
    free(ov);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(go_pow),
        cmocka_unit_test(no_answer),
        cmocka_unit_test(forecast_times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
