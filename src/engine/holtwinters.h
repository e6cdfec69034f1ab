/* holt_winters() and holt_winters_with_fit(): the Holt-Winters damped
 * method as influxd 1.6 runs it (query/functions.go's reducer with its
 * Nelder-Mead optimizer), so that forecasts match its answers to the last
 * bits. Pure arithmetic, no I/O.
 *
 * Input: one series' aggregate values under GROUP BY time (nulls left
 * out), time ascending. Memory: O(number of intervals + h). */
#ifndef HB_ENGINE_HOLTWINTERS_H
#define HB_ENGINE_HOLTWINTERS_H

#include <stddef.h>
#include <stdint.h>

/* Largest number of intervals (fitted span + h) a forecast may cover. */
#define HB_HW_MAX_POINTS ((size_t)1 << 24)

/* Fit the n points (t[i], v[i]) spaced by `interval` ns (> 0) and forecast
 * h values (seasonal with period m when m >= 2). The output points (time
 * ascending) go to *ot, *ov (malloc'd, the caller frees both; NULL when
 * *on is 0): the h forecasts after the last point, or with with_fit the
 * fitted values from the first point on followed by the forecasts.
 * HB_EINVAL (span over HB_HW_MAX_POINTS), HB_ENOMEM. */
int hb_hw_forecast(const int64_t *t, const double *v, size_t n, int64_t h, int64_t m, int with_fit,
                   int64_t interval, int64_t **ot, double **ov, size_t *on);

/* Go's math.Pow(x, k) for an integer k >= 1 (repeated squaring of the
 * mantissa: not always glibc's pow() to the last bit). */
double hb_hw_go_pow(double x, int64_t k);

#endif
