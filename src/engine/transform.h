/* Transformations of one series' sequence of (time, value), as InfluxDB
 * 1.x's stream reducers compute them (query/functions.go): derivative,
 * non_negative_derivative, difference, non_negative_difference,
 * moving_average, cumulative_sum, elapsed. Pure arithmetic, no I/O: the
 * caller feeds the points of one series in output order (time ascending,
 * or descending for ORDER BY time DESC) and gets at most one point back
 * per point fed. Memory: O(1), moving_average O(N). */
#ifndef HB_ENGINE_TRANSFORM_H
#define HB_ENGINE_TRANSFORM_H

#include <stddef.h>
#include <stdint.h>

#include "app/result.h"

typedef enum {
    HB_TF_DERIVATIVE, HB_TF_NN_DERIVATIVE, HB_TF_DIFFERENCE, HB_TF_NN_DIFFERENCE, HB_TF_MOVING_AVERAGE,
    HB_TF_CUMULATIVE_SUM, HB_TF_ELAPSED,
} hb_tf_kind;

typedef struct hb_tf {
    hb_tf_kind kind;
    int64_t unit;               /* derivative, elapsed: ns per unit (> 0) */
    int ascending;              /* derivative: the time order of the input */
    int has_prev;               /* a previous point (derivative, difference, elapsed) */
    int64_t pt;
    hb_value pv;
    double *buf;                /* moving_average: the window (float inputs) */
    int64_t *ibuf;              /* moving_average: the window (integer inputs) */
    size_t n, len, pos;         /* window size, points in it, next slot */
    double fsum;                /* moving_average, cumulative_sum of floats */
    int64_t isum;               /* integers (Go's int64 arithmetic: wraps) */
    uint64_t usum;              /* unsigned */
} hb_tf;

/* n: moving_average's window (> 1), else ignored. HB_ENOMEM. */
int hb_tf_init(hb_tf *tf, hb_tf_kind kind, int64_t unit, size_t n, int ascending);
void hb_tf_free(hb_tf *tf);
/* Feed the point (t, v), v not null: 1 with the output point in *ot, *ov,
 * 0 when this point gives none. Values that are not numbers (strings,
 * booleans) count only for elapsed(); the others skip them. */
int hb_tf_push(hb_tf *tf, int64_t t, hb_value v, int64_t *ot, hb_value *ov);

#endif
