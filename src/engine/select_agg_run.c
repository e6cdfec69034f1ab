/* Aggregates over a run of rows at once: the fast path of aggregate
 * SELECTs whose calls are all count, sum, mean, min, max, first or last of
 * a numeric field (the TSBS and Grafana shapes). A run is rows [a, e) of one
 * series in one time bucket, read straight from the scan block's typed
 * arrays instead of one hb_value per cell.
 *
 * The results are those of reduce_value() row by row, bit for bit: sums are
 * added into the state in row order (float addition is not associative),
 * and min/max keep the earliest of equal values, as the row path does. */
#include "engine/select_agg_internal.h"

static inline int valid_at(const uint8_t *valid, size_t r) { return !valid || ((valid[r >> 3] >> (r & 7)) & 1); }

size_t agg_span_count(const hb_pq_colvec *v, size_t a, size_t e, size_t *first)
{
    if (!v->valid) {
        *first = a;
        return e - a;
    }
    size_t n = 0;
    *first = e;
    for (size_t r = a; r < e; r++)
        if (valid_at(v->valid, r)) {
            if (!n)
                *first = r;
            n++;
        }
    return n;
}

static hb_value cell(hb_ftype type, const void *vals, size_t r)
{
    hb_value v;
    switch (type) {
    case HB_FT_FLOAT: v.kind = HB_V_FLOAT; v.v.f = ((const double *)vals)[r]; break;
    case HB_FT_UNSIGNED: v.kind = HB_V_UINT; v.v.u = ((const uint64_t *)vals)[r]; break;
    default: v.kind = HB_V_INT; v.v.i = ((const int64_t *)vals)[r]; break;
    }
    return v;
}

static void sums(agg_state *s, hb_ftype type, const hb_pq_colvec *v, size_t a, size_t e)
{
    const uint8_t *vd = v->valid;
    if (type == HB_FT_FLOAT) {
        const double *d = v->values;
        double f = s->fsum;
        for (size_t r = a; r < e; r++)
            if (valid_at(vd, r))
                f += d[r];
        s->fsum = f;
    } else if (type == HB_FT_UNSIGNED) {
        const uint64_t *u = v->values;
        __extension__ __int128 w = s->wsum;
        for (size_t r = a; r < e; r++)
            if (valid_at(vd, r))
                w += u[r];
        s->wsum = w;
    } else {
        const int64_t *i = v->values;
        __extension__ __int128 w = s->wsum;
        for (size_t r = a; r < e; r++)
            if (valid_at(vd, r))
                w += i[r];
        s->wsum = w;
    }
}

/* The row of the smallest (sign -1) or largest (sign 1) value in [a, e),
 * the earliest of equal ones; first is the first valid row. */
static size_t extreme(hb_ftype type, const hb_pq_colvec *v, size_t first, size_t e, int sign)
{
    const uint8_t *vd = v->valid;
    size_t best = first;
    if (type == HB_FT_FLOAT) {
        const double *d = v->values;
        for (size_t r = first + 1; r < e; r++)
            if (valid_at(vd, r) && (sign < 0 ? d[r] < d[best] : d[r] > d[best]))
                best = r;
    } else if (type == HB_FT_UNSIGNED) {
        const uint64_t *u = v->values;
        for (size_t r = first + 1; r < e; r++)
            if (valid_at(vd, r) && (sign < 0 ? u[r] < u[best] : u[r] > u[best]))
                best = r;
    } else {
        const int64_t *i = v->values;
        for (size_t r = first + 1; r < e; r++)
            if (valid_at(vd, r) && (sign < 0 ? i[r] < i[best] : i[r] > i[best]))
                best = r;
    }
    return best;
}

void agg_span(const agg_col *c, agg_state *s, hb_ftype type, const hb_pq_colvec *v, const int64_t *t, size_t a,
              size_t e, size_t n, size_t first)
{
    int fresh = s->n == 0;
    if (fresh)
        s->kind = type == HB_FT_FLOAT ? HB_V_FLOAT : type == HB_FT_UNSIGNED ? HB_V_UINT : HB_V_INT;
    s->n += n;
    switch (c->fn) {
    case FN_SUM:
    case FN_MEAN:
        sums(s, type, v, a, e);
        return;
    case FN_MIN:
    case FN_MAX: {
        size_t r = extreme(type, v, first, e, c->fn == FN_MIN ? -1 : 1);
        hb_value x = cell(type, v->values, r);
        int c2 = fresh ? 0 : agg_vcmp(&x, &s->sel);
        if (fresh || (c->fn == FN_MIN ? c2 < 0 : c2 > 0) || (c2 == 0 && t[r] < s->sel_t)) {
            s->sel = x;
            s->sel_t = t[r];
        }
        return;
    }
    case FN_FIRST: {
        hb_value x = cell(type, v->values, first);
        if (fresh || t[first] < s->sel_t || (t[first] == s->sel_t && agg_tie_wins(FN_FIRST, &x, &s->sel))) {
            s->sel = x;
            s->sel_t = t[first];
        }
        return;
    }
    case FN_LAST: {
        size_t r = e - 1;
        while (!valid_at(v->valid, r))
            r--;
        hb_value x = cell(type, v->values, r);
        if (fresh || t[r] > s->sel_t || (t[r] == s->sel_t && agg_tie_wins(FN_LAST, &x, &s->sel))) {
            s->sel = x;
            s->sel_t = t[r];
        }
        return;
    }
    default:   /* FN_COUNT */
        return;
    }
}

static hb_value num_value(hb_ftype type, hb_num n)
{
    hb_value v;
    switch (type) {
    case HB_FT_FLOAT: v.kind = HB_V_FLOAT; v.v.f = n.f; break;
    case HB_FT_UNSIGNED: v.kind = HB_V_UINT; v.v.u = n.u; break;
    default: v.kind = HB_V_INT; v.v.i = n.i; break;
    }
    return v;
}

void agg_sum_apply(const agg_col *c, agg_state *s, hb_ftype type, const hb_run_sum *rs)
{
    int fresh = s->n == 0;
    if (fresh)
        s->kind = type == HB_FT_FLOAT ? HB_V_FLOAT : type == HB_FT_UNSIGNED ? HB_V_UINT : HB_V_INT;
    s->n += rs->count;
    switch (c->fn) {
    case FN_SUM:
    case FN_MEAN:
        s->wsum += rs->wsum;   /* integers only (agg_sum_ok) */
        return;
    case FN_MIN:
    case FN_MAX: {
        int mn = c->fn == FN_MIN;
        hb_value x = num_value(type, mn ? rs->min : rs->max);
        int64_t t = mn ? rs->tmin : rs->tmax;
        int c2 = fresh ? 0 : agg_vcmp(&x, &s->sel);
        if (fresh || (mn ? c2 < 0 : c2 > 0) || (c2 == 0 && t < s->sel_t)) {
            s->sel = x;
            s->sel_t = t;
        }
        return;
    }
    case FN_FIRST: {
        hb_value x = num_value(type, rs->first);
        if (fresh || rs->tfirst < s->sel_t || (rs->tfirst == s->sel_t && agg_tie_wins(FN_FIRST, &x, &s->sel))) {
            s->sel = x;
            s->sel_t = rs->tfirst;
        }
        return;
    }
    case FN_LAST: {
        hb_value x = num_value(type, rs->last);
        if (fresh || rs->tlast > s->sel_t || (rs->tlast == s->sel_t && agg_tie_wins(FN_LAST, &x, &s->sel))) {
            s->sel = x;
            s->sel_t = rs->tlast;
        }
        return;
    }
    default:   /* FN_COUNT */
        return;
    }
}

int agg_sum_ok(const agg_col *c, const sel_bind *b)
{
    if (!agg_span_ok(c, b))
        return 0;
    if (c->fn == FN_COUNT)   /* only numeric columns have summaries: the scan checks */
        return 1;
    return !((c->fn == FN_SUM || c->fn == FN_MEAN) && b->type == HB_FT_FLOAT);
}

int agg_span_ok(const agg_col *c, const sel_bind *b)
{
    if (!b)
        return 0;
    if (c->fn == FN_COUNT)
        return 1;
    if (c->fn != FN_SUM && c->fn != FN_MEAN && c->fn != FN_MIN && c->fn != FN_MAX && c->fn != FN_FIRST &&
        c->fn != FN_LAST)
        return 0;
    return b->type == HB_FT_FLOAT || b->type == HB_FT_INTEGER || b->type == HB_FT_UNSIGNED;
}
