/* Continuous-query windows (app/cq_window.h): Go's Truncate, and which
 * windows a CQ computes when checked every second (or minute) on a clock
 * that only moves when told, for the plain form, GROUP BY offsets (also
 * negative), RESAMPLE EVERY shorter and longer than the interval, RESAMPLE
 * FOR, a late run after downtime and the catch-up cap. Expected values
 * are worked out by hand from influxd's rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "app/cq_window.h"

#define S INT64_C(1000000000)
#define M (60 * S)
#define H (60 * M)
#define D (24 * H)
/* 2023-11-14T22:00:00Z: a whole hour */
#define T0 (INT64_C(1699999200) * S)

typedef struct win {
    int64_t at, start, end;
} win;

/* Checks r every step from now0 (exclusive of now0 + span); fills w. */
static size_t simulate(const hb_cq_rule *r, hb_cq_state *st, int64_t now0, int64_t step, int64_t span, win *w,
                       size_t cap)
{
    size_t n = 0;
    for (int64_t now = now0; now < now0 + span; now += step) {
        int64_t s = 0, e = 0, cut;
        int run = 0;
        if (hb_cq_window_next(r, st, now, &s, &e, &run, &cut) && run) {
            assert_true(n < cap);
            assert_int_equal(cut, INT64_MIN);
            w[n++] = (win){ now, s, e };
        }
    }
    return n;
}

static void go_truncate(void **state)
{
    (void)state;
    assert_int_equal(hb_cq_go_truncate(T0, H), T0);
    assert_int_equal(hb_cq_go_truncate(T0 + 1, H), T0);
    assert_int_equal(hb_cq_go_truncate(T0 - 1, H), T0 - H);
    assert_int_equal(hb_cq_go_truncate(T0 + 90 * M, D), hb_cq_go_truncate(T0, D));
    assert_int_equal(hb_cq_go_truncate(-1, H), -H);
    /* 1970-01-08 was a Thursday; Go counts weeks from Monday 0001-01-01 */
    assert_int_equal(hb_cq_go_truncate(7 * D, 7 * D), 4 * D);
    assert_int_equal(hb_cq_go_truncate(4 * D, 7 * D), 4 * D);
    assert_int_equal(hb_cq_go_truncate(4 * D - 1, 7 * D), -3 * D);
    assert_int_equal(hb_cq_go_truncate(T0 + 7, 0), T0 + 7);
}

/* GROUP BY time(1m): one run just after each boundary, over the minute
 * that ended, none at the first check (mid-minute). */
static void plain_interval(void **state)
{
    (void)state;
    hb_cq_rule r = { .interval = M };
    hb_cq_state st = { 0 };
    win w[32];
    size_t n = simulate(&r, &st, T0 + S / 2, S, 10 * M, w, 32);
    assert_int_equal(n, 9);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(w[i].start, T0 + (int64_t)i * M);
        assert_int_equal(w[i].end, T0 + (int64_t)(i + 1) * M);
        assert_int_equal(w[i].at, w[i].end + S / 2);   /* the first check after the boundary */
    }
    assert_int_equal(st.last_run, T0 + 9 * M);
}

/* time(1h, 15m): runs at :15 over [h:15, h+1:15); time(1h, -15m) at :45. */
static void offsets(void **state)
{
    (void)state;
    hb_cq_rule r = { .interval = H, .offset = 15 * M };
    hb_cq_state st = { 0 };
    win w[16];
    size_t n = simulate(&r, &st, T0, M, 5 * H, w, 16);
    assert_int_equal(n, 5);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(w[i].start, T0 - 45 * M + (int64_t)i * H);
        assert_int_equal(w[i].end, T0 + 15 * M + (int64_t)i * H);
        assert_int_equal(w[i].at, w[i].end);
    }
    hb_cq_rule neg = { .interval = H, .offset = -15 * M };
    memset(&st, 0, sizeof st);
    n = simulate(&neg, &st, T0, M, 3 * H, w, 16);
    assert_int_equal(n, 3);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(w[i].start, T0 - 15 * M + (int64_t)i * H);
        assert_int_equal(w[i].end, T0 + 45 * M + (int64_t)i * H);
    }
}

/* RESAMPLE EVERY 30s FOR 2m, time(1m): a run every 30 s; at a boundary
 * over the two minutes that ended, halfway over the previous minute and
 * the one in progress. Every minute is computed four times. */
static void resample_every_for(void **state)
{
    (void)state;
    hb_cq_rule r = { .interval = M, .every = 30 * S, .for_ = 2 * M };
    hb_cq_state st = { 0 };
    win w[32];
    size_t n = simulate(&r, &st, T0 + S / 2, S, 5 * M, w, 32);
    assert_int_equal(n, 10);
    /* first check (no last run): [T0-1m, T0) */
    assert_int_equal(w[0].at, T0 + S / 2);
    assert_int_equal(w[0].start, T0 - M);
    assert_int_equal(w[0].end, T0);
    for (size_t i = 1; i < n; i++) {
        int64_t due = T0 + (int64_t)i * 30 * S;
        assert_int_equal(w[i].at, due + S / 2);
        if (i % 2 == 0) {   /* on a boundary */
            assert_int_equal(w[i].start, due - 2 * M);
            assert_int_equal(w[i].end, due);
        } else {            /* halfway */
            assert_int_equal(w[i].start, due - 30 * S - M);
            assert_int_equal(w[i].end, due + 30 * S);
        }
    }
    /* minute [T0+1m, T0+2m) is recomputed by 4 runs */
    int cover = 0;
    for (size_t i = 0; i < n; i++)
        cover += w[i].start <= T0 + M && w[i].end >= T0 + 2 * M;
    assert_int_equal(cover, 4);
}

/* RESAMPLE EVERY 20s over time(10s): every 20 s over the 20 s that ended
 * (FOR defaults to EVERY when EVERY is longer). RESAMPLE FOR 40s alone:
 * every interval over the last 40 s (so each interval twice). */
static void resample_every_longer_and_for_only(void **state)
{
    (void)state;
    hb_cq_rule r = { .interval = 10 * S, .every = 20 * S };
    hb_cq_state st = { 0 };
    win w[32];
    size_t n = simulate(&r, &st, T0 + S / 2, S, 2 * M, w, 32);
    assert_int_equal(n, 6);
    assert_int_equal(w[0].start, T0 - 10 * S);
    assert_int_equal(w[0].end, T0);
    for (size_t i = 1; i < n; i++) {
        assert_int_equal(w[i].start, T0 + (int64_t)(i - 1) * 20 * S);
        assert_int_equal(w[i].end, T0 + (int64_t)i * 20 * S);
    }
    hb_cq_rule f = { .interval = 20 * S, .for_ = 40 * S };
    memset(&st, 0, sizeof st);
    n = simulate(&f, &st, T0 + S / 2, S, 2 * M, w, 32);
    assert_int_equal(n, 6);
    /* the first check (no last run) already finds [T0-20s, T0) ended */
    assert_int_equal(w[0].start, T0 - 20 * S);
    assert_int_equal(w[0].end, T0);
    for (size_t i = 1; i < n; i++) {
        assert_int_equal(w[i].end, T0 + (int64_t)i * 20 * S);
        assert_int_equal(w[i].start, w[i].end - 40 * S);
    }
}

/* A check long after the last run covers every missed interval in one
 * window; past the cap, the oldest are cut and reported. */
static void late_run_and_cap(void **state)
{
    (void)state;
    hb_cq_rule r = { .interval = M };
    hb_cq_state st = { 1, T0 };
    int64_t s, e, cut;
    int run;
    assert_int_equal(hb_cq_window_next(&r, &st, T0 + 10 * M + S / 2, &s, &e, &run, &cut), 1);
    assert_int_equal(run, 1);
    assert_int_equal(s, T0);
    assert_int_equal(e, T0 + 10 * M);
    assert_int_equal(cut, INT64_MIN);
    assert_int_equal(st.last_run, T0 + 10 * M);
    /* not due again before the next boundary */
    assert_int_equal(hb_cq_window_next(&r, &st, T0 + 10 * M + 59 * S, &s, &e, &run, &cut), 0);

    hb_cq_state old = { 1, T0 };
    int64_t now = T0 + 5000 * M + S;
    assert_int_equal(hb_cq_window_next(&r, &old, now, &s, &e, &run, &cut), 1);
    assert_int_equal(run, 1);
    assert_int_equal(e, T0 + 5000 * M);
    assert_int_equal(s, e - (HB_CQ_MAX_CATCHUP_INTERVALS + 1) * M);
    assert_int_equal(cut, s);
}

/* No GROUP BY time: never due (influxd skips such CQs). */
static void no_interval(void **state)
{
    (void)state;
    hb_cq_rule r = { 0 };
    hb_cq_state st = { 0 };
    int64_t s, e, cut;
    int run;
    assert_int_equal(hb_cq_window_next(&r, &st, T0, &s, &e, &run, &cut), 0);
    assert_int_equal(st.has_run, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(go_truncate),
        cmocka_unit_test(plain_interval),
        cmocka_unit_test(offsets),
        cmocka_unit_test(resample_every_for),
        cmocka_unit_test(resample_every_longer_and_for_only),
        cmocka_unit_test(late_run_and_cap),
        cmocka_unit_test(no_interval),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
