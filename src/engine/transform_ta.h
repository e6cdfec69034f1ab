/* The technical-analysis transformations of one series' values, as
 * influxd 1.6 computes them (its query reducers over a port of the "gota"
 * indicators): exponential_moving_average, double_ and
 * triple_exponential_moving_average, triple_exponential_derivative,
 * relative_strength_index, chande_momentum_oscillator,
 * kaufmans_efficiency_ratio, kaufmans_adaptive_moving_average.
 *
 * The caller feeds the numeric values of one output series in output
 * order (the point's own time is its output time); every value fed may
 * give one float. Memory: O(1), O(period) for the Kaufman functions and
 * chande_momentum_oscillator without a warmup type. */
#ifndef HB_ENGINE_TRANSFORM_TA_H
#define HB_ENGINE_TRANSFORM_TA_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    HB_TA_EMA, HB_TA_DEMA, HB_TA_TEMA, HB_TA_TRIX, HB_TA_RSI, HB_TA_CMO, HB_TA_KER, HB_TA_KAMA,
} hb_ta_kind;

typedef enum {
    HB_TA_WARM_EXPONENTIAL,     /* the default */
    HB_TA_WARM_SIMPLE,
    HB_TA_WARM_NONE,            /* chande_momentum_oscillator only: the plain CMO */
} hb_ta_warm;

/* Largest period the windowed forms (Kaufman, plain CMO) accept: their
 * window is allocated up front. */
#define HB_TA_MAX_WINDOW ((int64_t)1 << 24)

/* One exponential moving average with its warm-up. */
typedef struct hb_ta_ema {
    int64_t period;
    int64_t count;              /* values seen, up to period */
    double last;
    double alpha;
    int simple;                 /* warm up with the simple average */
} hb_ta_ema;

typedef struct hb_ta {
    hb_ta_kind kind;
    hb_ta_warm warm;
    uint32_t hold;              /* values fed before the first output */
    uint32_t count;             /* values fed (Go's uint32: wraps) */
    hb_ta_ema e1, e2, e3;       /* the EMA family; RSI, smoothed CMO: up, down */
    double lastv;               /* RSI, smoothed CMO: previous value; TRIX: previous triple average */
    int trix_warm;              /* TRIX: outputs after the third average warmed (to 2) */
    double *price, *diff;       /* Kaufman, plain CMO: the window (ring) */
    size_t win;                 /* its size */
    size_t idx;                 /* newest slot */
    int64_t wcount;             /* values seen, up to the warm count */
    double noise;               /* KER: sum of the window's absolute changes */
    double up, down;            /* plain CMO: sums of the window's rises, falls */
    double kama;                /* KAMA: the average */
} hb_ta;

/* period >= 1; hold: the first output comes after hold + 1 values, -1 for
 * the function's warm-up count (influxd's default). HB_EINVAL (plain CMO
 * with period 1, window over HB_TA_MAX_WINDOW), HB_ENOMEM. */
int hb_ta_init(hb_ta *ta, hb_ta_kind kind, int64_t period, int64_t hold, hb_ta_warm warm);
void hb_ta_free(hb_ta *ta);
/* Feed v: 1 with the output in *out (NaN where influxd's answer is a
 * null), 0 when this value gives none. */
int hb_ta_push(hb_ta *ta, double v, double *out);

#endif
