/* integral(): the area under a field's points by the trapezium rule, in
 * the call's unit (default 1s), as influxd's integral reducers compute it.
 *
 * Without GROUP BY time every bucket is integrated on its own. With it,
 * influxd streams a group's points through one reducer in time order and
 * cuts the area at window edges: the segment that crosses an edge is split
 * at the edge by linear interpolation, its first part closing the earlier
 * window and the rest opening the window of the next point (even across
 * empty windows); a window's value is emitted when a later point arrives,
 * and the last window's only at the end unless its last point lies exactly
 * on its start (then it has no value). Integer fields keep one quirk of
 * influxd's integer reducer: after an edge, the next segment averages the
 * interpolated value with the previous point's value instead of the new
 * point's. Points with the same time replace each other without area. */
#include <stdlib.h>

#include "engine/select_agg_internal.h"

/* s's points in time order, ties in arrival order; caller frees; NULL when
 * out of memory. */
static sel_row_ref *by_time(const agg_state *s)
{
    sel_row_ref *v = malloc((s->nv ? s->nv : 1) * sizeof *v);
    if (!v)
        return NULL;
    for (size_t i = 0; i < s->nv; i++)
        v[i] = (sel_row_ref){ s->ts[i], i };
    qsort(v, s->nv, sizeof *v, sel_cmp_row_ref);
    return v;
}

hb_value agg_integral(const agg_col *c, const agg_state *s)
{
    if (s->windowed)
        return s->windowed == 2 ? (hb_value){ .kind = HB_V_FLOAT, .v.f = s->fsum } : (hb_value){ .kind = HB_V_NULL };
    sel_row_ref *v = by_time(s);
    if (!v)
        return (hb_value){ .kind = HB_V_NULL };
    double area = 0;
    for (size_t k = 1; k < s->nv; k++) {
        double dt = (double)(v[k].t - v[k - 1].t) / (double)c->unit;
        area += 0.5 * (agg_num(&s->vals[v[k].i]) + agg_num(&s->vals[v[k - 1].i])) * dt;
    }
    free(v);
    return (hb_value){ .kind = HB_V_FLOAT, .v.f = area };
}

/* influxd's linearFloat: the value at time w on the line through the two points */
static double linear(int64_t w, int64_t t0, int64_t t1, double v0, double v1)
{
    double m = (v1 - v0) / (double)(t1 - t0);
    return m * (double)(w - t0) + v0;
}

int agg_integral_windows(const sel_plan *p, const agg_col *c, size_t col, agg_bucket *const *list, size_t nb)
{
    int have = 0, is_float = 1;
    int64_t pt = 0, wend = 0;
    double pv = 0, sum = 0, unit = (double)c->unit;
    agg_state *cur = NULL;
    for (size_t k = 0; k < nb; k++) {
        agg_state *s = &list[k]->st[col];
        if (!s->n)
            continue;
        is_float = s->kind != HB_V_INT && s->kind != HB_V_UINT;
        sel_row_ref *v = by_time(s);
        if (!v)
            return HB_ENOMEM;
        for (size_t j = 0; j < s->nv; j++) {
            int64_t t = v[j].t;
            double x = agg_num(&s->vals[v[j].i]);
            if (!have) {
                have = 1;
                pt = t, pv = x;
                cur = s;
                wend = list[k]->start + p->interval;
                continue;
            }
            if (t == pt) {
                pv = x;
                continue;
            }
            double use = x;
            if (t >= wend) {
                if (pt != wend) {
                    double at = linear(wend, pt, t, pv, x);
                    sum += 0.5 * (at + pv) * ((double)(wend - pt) / unit);
                    if (is_float)
                        pv = at;
                    else
                        use = at;   /* influxd's integer reducer: see the top */
                    pt = wend;
                }
                cur->fsum = sum;
                cur->windowed = 2;
                cur = s;
                wend = list[k]->start + p->interval;
                sum = 0;
            }
            sum += 0.5 * (use + pv) * ((double)(t - pt) / unit);
            pt = t, pv = x;
        }
        free(v);
    }
    if (have && pt != wend - p->interval) {   /* the last window, unless its last point is its start */
        cur->fsum = sum;
        cur->windowed = 2;
    }
    for (size_t k = 0; k < nb; k++) {
        agg_state *s = &list[k]->st[col];
        if (s->n && s->windowed != 2)
            s->n = 0;   /* no value: filled like an empty window */
        if (s->n)
            s->windowed = 2;
    }
    return HB_OK;
}
