/* Transformations of one series' (time, value) sequence: see transform.h.
 *
 * The rules, as influxd 1.x's reducers apply them:
 * - derivative, difference: a point at the same time as the previous one
 *   (points of several series merged into one group) is skipped; the
 *   first point gives nothing; the output has the later point's time.
 *   derivative = (v - v_prev) / ((t - t_prev) / unit), always a float,
 *   the elapsed time negated for descending input; the non_negative forms
 *   drop negative changes. difference keeps the input's type (integers
 *   wrap as Go's int64 does).
 * - moving_average(N): the mean of the last N points, from the N-th on; a
 *   float sum kept by adding the new and subtracting the dropped value
 *   (integers: an int64 sum).
 * - cumulative_sum: the running sum, one point per point (same-time points
 *   are not skipped), in the input's type.
 * - elapsed: (t - t_prev) / unit as an integer (Go's division truncates
 *   toward zero), for values of any type; same-time points give 0. */
#include "engine/transform.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"

int hb_tf_init(hb_tf *tf, hb_tf_kind kind, int64_t unit, size_t n, int ascending)
{
    memset(tf, 0, sizeof *tf);
    tf->kind = kind;
    tf->unit = unit > 0 ? unit : 1;
    tf->ascending = ascending;
    if (kind == HB_TF_MOVING_AVERAGE) {
        tf->n = n > 1 ? n : 2;
        tf->buf = calloc(tf->n, sizeof *tf->buf);
        tf->ibuf = calloc(tf->n, sizeof *tf->ibuf);
        if (!tf->buf || !tf->ibuf) {
            hb_tf_free(tf);
            return HB_ENOMEM;
        }
    }
    return HB_OK;
}

void hb_tf_free(hb_tf *tf)
{
    free(tf->buf);
    free(tf->ibuf);
    tf->buf = NULL;
    tf->ibuf = NULL;
}

static int is_num(const hb_value *v)
{
    return v->kind == HB_V_FLOAT || v->kind == HB_V_INT || v->kind == HB_V_UINT;
}

static double num(const hb_value *v)
{
    return v->kind == HB_V_FLOAT ? v->v.f : v->kind == HB_V_INT ? (double)v->v.i : (double)v->v.u;
}

static hb_value fv(double f) { return (hb_value){ .kind = HB_V_FLOAT, .v.f = f }; }

/* curr - prev as influxd's typed reducers compute it, as a float */
static double diff_of(const hb_value *c, const hb_value *p)
{
    if (c->kind == HB_V_INT && p->kind == HB_V_INT)
        return (double)(int64_t)((uint64_t)c->v.i - (uint64_t)p->v.i);
    if (c->kind == HB_V_UINT && p->kind == HB_V_UINT)
        return c->v.u > p->v.u ? (double)(c->v.u - p->v.u) : -(double)(p->v.u - c->v.u);
    return num(c) - num(p);
}

static int push_pair(hb_tf *tf, int64_t t, hb_value v, int64_t *ot, hb_value *ov)
{
    if (tf->has_prev && tf->pt == t && tf->kind != HB_TF_ELAPSED)
        return 0;   /* does not advance the stream */
    int had = tf->has_prev;
    int64_t pt = tf->pt;
    hb_value pv = tf->pv;
    tf->has_prev = 1;
    tf->pt = t;
    tf->pv = v;
    if (!had)
        return 0;
    *ot = t;
    switch (tf->kind) {
    case HB_TF_ELAPSED: {
        int64_t d = (int64_t)((uint64_t)t - (uint64_t)pt);
        *ov = (hb_value){ .kind = HB_V_INT, .v.i = d / tf->unit };
        return 1;
    }
    case HB_TF_DERIVATIVE:
    case HB_TF_NN_DERIVATIVE: {
        double d = diff_of(&v, &pv);
        int64_t el = (int64_t)((uint64_t)t - (uint64_t)pt);
        if (!tf->ascending)
            el = (int64_t)(0 - (uint64_t)el);
        if (tf->kind == HB_TF_NN_DERIVATIVE && d < 0)
            return 0;
        *ov = fv(d / ((double)el / (double)tf->unit));
        return 1;
    }
    default: {   /* difference */
        if (v.kind == HB_V_INT && pv.kind == HB_V_INT) {
            int64_t d = (int64_t)((uint64_t)v.v.i - (uint64_t)pv.v.i);
            if (tf->kind == HB_TF_NN_DIFFERENCE && d < 0)
                return 0;
            *ov = (hb_value){ .kind = HB_V_INT, .v.i = d };
        } else if (v.kind == HB_V_UINT && pv.kind == HB_V_UINT) {
            if (tf->kind == HB_TF_NN_DIFFERENCE && v.v.u < pv.v.u)
                return 0;
            *ov = (hb_value){ .kind = HB_V_UINT, .v.u = v.v.u - pv.v.u };
        } else {
            double d = num(&v) - num(&pv);
            if (tf->kind == HB_TF_NN_DIFFERENCE && d < 0)
                return 0;
            *ov = fv(d);
        }
        return 1;
    }
    }
}

int hb_tf_push(hb_tf *tf, int64_t t, hb_value v, int64_t *ot, hb_value *ov)
{
    if (tf->kind == HB_TF_ELAPSED)
        return push_pair(tf, t, v, ot, ov);
    if (!is_num(&v))
        return 0;
    switch (tf->kind) {
    case HB_TF_MOVING_AVERAGE:
        if (v.kind == HB_V_FLOAT) {
            if (tf->len == tf->n)
                tf->fsum -= tf->buf[tf->pos];
            else
                tf->len++;
            tf->buf[tf->pos] = v.v.f;
            tf->fsum += v.v.f;
        } else {
            int64_t i = v.kind == HB_V_INT ? v.v.i : (int64_t)v.v.u;
            if (tf->len == tf->n)
                tf->isum = (int64_t)((uint64_t)tf->isum - (uint64_t)tf->ibuf[tf->pos]);
            else
                tf->len++;
            tf->ibuf[tf->pos] = i;
            tf->isum = (int64_t)((uint64_t)tf->isum + (uint64_t)i);
        }
        tf->pos = (tf->pos + 1) % tf->n;
        if (tf->len < tf->n)
            return 0;
        *ot = t;
        *ov = fv(v.kind == HB_V_FLOAT ? tf->fsum / (double)tf->len : (double)tf->isum / (double)tf->len);
        return 1;
    case HB_TF_CUMULATIVE_SUM:
        *ot = t;
        if (v.kind == HB_V_INT) {
            tf->isum = (int64_t)((uint64_t)tf->isum + (uint64_t)v.v.i);
            *ov = (hb_value){ .kind = HB_V_INT, .v.i = tf->isum };
        } else if (v.kind == HB_V_UINT) {
            tf->usum += v.v.u;
            *ov = (hb_value){ .kind = HB_V_UINT, .v.u = tf->usum };
        } else {
            tf->fsum += v.v.f;
            *ov = fv(tf->fsum);
        }
        return 1;
    default:
        return push_pair(tf, t, v, ot, ov);
    }
}
