/* The technical-analysis transformations (engine/transform_ta.h), against
 * values worked out by hand from influxd 1.6's formulas. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>

#include "base/err.h"
#include "engine/transform_ta.h"

/* Feed n values; the outputs go to out; returns how many. */
static size_t run(hb_ta_kind k, int64_t period, int64_t hold, hb_ta_warm warm, const double *v, size_t n,
                  double *out)
{
    hb_ta ta;
    assert_int_equal(hb_ta_init(&ta, k, period, hold, warm), HB_OK);
    size_t w = 0;
    for (size_t i = 0; i < n; i++)
        w += (size_t)hb_ta_push(&ta, v[i], &out[w]);
    hb_ta_free(&ta);
    return w;
}

#define NEAR(a, b) assert_true(fabs((a) - (double)(b)) <= 1e-12 * fmax(1, fabs((double)(b))))

static void ema_warmups(void **state)
{
    (void)state;
    double out[8];
    /* exponential warm-up: the 2nd value weighs 2/3 (alpha 2/(n+1)), then
     * alpha 2/(2+1); the default hold (period-1) skips the first value */
    double v[] = { 1, 3, 5 };
    size_t n = run(HB_TA_EMA, 2, -1, HB_TA_WARM_EXPONENTIAL, v, 3, out);
    assert_int_equal(n, 2);
    NEAR(out[0], 7.0 / 3);
    NEAR(out[1], 37.0 / 9);
    /* simple warm-up: running means until 3 values, then alpha 1/2 */
    double s[] = { 2, 4, 6, 8 };
    n = run(HB_TA_EMA, 3, -1, HB_TA_WARM_SIMPLE, s, 4, out);
    assert_int_equal(n, 2);
    NEAR(out[0], 4);
    NEAR(out[1], 6);
    /* hold 0: every value answers, the first is itself */
    n = run(HB_TA_EMA, 3, 0, HB_TA_WARM_SIMPLE, s, 4, out);
    assert_int_equal(n, 4);
    NEAR(out[0], 2);
    NEAR(out[1], 3);
}

static void dema_tema_simple(void **state)
{
    (void)state;
    double out[8];
    /* e1: 2, 3 (warmed), then (6-3)*2/3+3 = 5; e2 fed once e1 warmed: 3,
     * then (3+5)/2 = 4; DEMA = 2*e1 - e2; default hold 2(p-1) = 2 */
    double v[] = { 2, 4, 6 };
    size_t n = run(HB_TA_DEMA, 2, -1, HB_TA_WARM_SIMPLE, v, 3, out);
    assert_int_equal(n, 1);
    NEAR(out[0], 6);
    n = run(HB_TA_DEMA, 2, 0, HB_TA_WARM_SIMPLE, v, 3, out);
    assert_int_equal(n, 3);
    NEAR(out[0], 2);   /* e2 not fed: reads as e1 */
    NEAR(out[1], 3);
    /* a constant series: every average is the constant, TEMA too */
    double c[] = { 4, 4, 4, 4, 4, 4, 4 };
    n = run(HB_TA_TEMA, 2, -1, HB_TA_WARM_SIMPLE, c, 7, out);
    assert_int_equal(n, 4);   /* hold 3(p-1) = 3 */
    NEAR(out[3], 4);
}

static void rsi_and_cmo(void **state)
{
    (void)state;
    double out[8];
    /* period 1: averages of period 2, alpha 1; the previous value starts at 0 */
    double v[] = { 2, 1, 3 };
    size_t n = run(HB_TA_RSI, 1, 0, HB_TA_WARM_EXPONENTIAL, v, 3, out);
    assert_int_equal(n, 3);
    NEAR(out[0], 100);   /* no fall: up/down is infinite */
    NEAR(out[1], 50);    /* warm-up alpha 2/3: up = down = 2/3 */
    NEAR(out[2], 100);
    /* 0/0 is NaN (a null in the answer) */
    double z[] = { 0, 0 };
    n = run(HB_TA_RSI, 1, 0, HB_TA_WARM_EXPONENTIAL, z, 2, out);
    assert_int_equal(n, 2);
    assert_true(isnan(out[1]));
    n = run(HB_TA_CMO, 1, 0, HB_TA_WARM_SIMPLE, v, 3, out);
    assert_int_equal(n, 3);
    NEAR(out[1], 100.0 / 3);   /* simple warm-up: up (2+0)/2 = 1, down (0+1)/2 */
    /* plain CMO(3): sums of rises and falls, the leaving change
     * subtracted after the output (so it spans 3 changes) */
    double c[] = { 1, 2, 4, 3, 5 };
    n = run(HB_TA_CMO, 3, -1, HB_TA_WARM_NONE, c, 5, out);
    assert_int_equal(n, 3);   /* hold p-1 = 2 */
    NEAR(out[0], 100);
    NEAR(out[1], 50);
    NEAR(out[2], 60);
    hb_ta ta;
    assert_int_equal(hb_ta_init(&ta, HB_TA_CMO, 1, -1, HB_TA_WARM_NONE), HB_EINVAL);
    hb_ta_free(&ta);
}

static void kaufman(void **state)
{
    (void)state;
    double out[8];
    /* KER(2): the window starts as zeros; |v - v[2 ago]| / noise */
    double v[] = { 1, 3, 2, 2 };
    size_t n = run(HB_TA_KER, 2, 0, HB_TA_WARM_EXPONENTIAL, v, 4, out);
    assert_int_equal(n, 4);
    NEAR(out[0], 1);
    NEAR(out[1], 1);
    NEAR(out[2], 1.0 / 3);
    NEAR(out[3], 1);
    /* KAMA(2): sc = (er*56/93 + 2/31)^2, er = 1 gives (2/3)^2; before the
     * KER warmed the average restarts from the previous value */
    n = run(HB_TA_KAMA, 2, -1, HB_TA_WARM_EXPONENTIAL, v, 4, out);
    assert_int_equal(n, 2);
    double k = 3 - (74.0 / 279) * (74.0 / 279);
    NEAR(out[0], k);
    NEAR(out[1], k + 4.0 / 9 * (2 - k));
    hb_ta ta;
    assert_int_equal(hb_ta_init(&ta, HB_TA_KER, HB_TA_MAX_WINDOW + 1, -1, HB_TA_WARM_EXPONENTIAL), HB_EINVAL);
    hb_ta_free(&ta);
}

static void trix(void **state)
{
    (void)state;
    double out[8];
    /* period 1: each average is the value; the change in percent from a
     * previous triple average starting at 0 (infinite: dropped) */
    double v[] = { 2, 3, 6 };
    size_t n = run(HB_TA_TRIX, 1, 0, HB_TA_WARM_EXPONENTIAL, v, 3, out);
    assert_int_equal(n, 2);
    NEAR(out[0], 50);
    NEAR(out[1], 100);
    double z[] = { 0 };
    n = run(HB_TA_TRIX, 1, 0, HB_TA_WARM_EXPONENTIAL, z, 1, out);
    assert_int_equal(n, 1);
    assert_true(isnan(out[0]));   /* 0/0 is kept (a null) */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ema_warmups),
        cmocka_unit_test(dema_tema_simple),
        cmocka_unit_test(rsi_and_cmo),
        cmocka_unit_test(kaufman),
        cmocka_unit_test(trix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
