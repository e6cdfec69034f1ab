/* Technical-analysis transformations: see transform_ta.h.
 *
 * The formulas, as influxd 1.6's reducers compute them (every quirk kept,
 * since the answers must match to the last bits):
 * - EMA(p): alpha = 2/(p+1); the first value is itself; until p values
 *   were seen the warm-up applies: 'exponential' uses alpha = 2/(n+1) for
 *   the n-th value, 'simple' the running mean. Then
 *   avg = (v - avg) * alpha + avg.
 * - DEMA = 2*e1 - e2, TEMA = 3*e1 - 3*e2 + e3, each e(k+1) the EMA of
 *   e(k); with the 'simple' warm-up e(k+1) is only fed once e(k) warmed
 *   (before that it reads as e(k)).
 * - TRIX: the triple EMA's change in percent, ((x / x_prev) - 1) * 100,
 *   x_prev starting at 0 (the first output is infinite or NaN: held back).
 * - RSI(p): EMAs of period p+1 with alpha 1/p over the rises and the falls
 *   (the previous value starts at 0), 100 - 100/(1 + up/down).
 * - CMO(p) with a warmup type: the same averages, 100*(up-down)/(up+down);
 *   without ('none', the default): sums of the rises and falls over a
 *   window of p-1 changes, kept by adding and subtracting (influxd indexes
 *   an empty window for p = 1 and fails).
 * - KER(p): |v - v[p ago]| / (sum of the last p absolute changes), the
 *   window starting as zeros, 0 when either is 0.
 * - KAMA(p): sc = (ker * (2/3 - 2/31) + 2/31)^2, kama += sc * (v - kama);
 *   until the KER warmed, kama restarts from the previous value.
 * - Outputs start after `hold` values: by default the warm-up count
 *   (EMA p-1, DEMA/TEMA p-1 or 2(p-1)/3(p-1) with 'simple', TRIX p or
 *   3(p-1)+1, RSI and smoothed CMO p, plain CMO p-1, KER and KAMA p);
 *   TRIX, KER and KAMA drop infinite outputs. */
#include "engine/transform_ta.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

static void ema_init(hb_ta_ema *e, int64_t period, int simple)
{
    e->period = period;
    e->count = 0;
    e->last = 0;
    e->alpha = 2 / (double)(period + 1);
    e->simple = simple;
}

static int ema_warmed(const hb_ta_ema *e) { return e->count == e->period; }

static double ema_add(hb_ta_ema *e, double v)
{
    double avg;
    if (e->count == 0)
        avg = v;
    else if (!ema_warmed(e)) {
        if (e->simple)
            avg = (e->last * (double)e->count + v) / (double)(e->count + 1);
        else
            avg = (v - e->last) * (2 / (double)(e->count + 2)) + e->last;
    } else
        avg = (v - e->last) * e->alpha + e->last;
    e->last = avg;
    if (e->count < e->period)
        e->count++;
    return avg;
}

/* The warm-up count influxd holds back by default. */
static int64_t warm_count(const hb_ta *ta, int64_t p)
{
    int simple = ta->warm == HB_TA_WARM_SIMPLE;
    switch (ta->kind) {
    case HB_TA_EMA: return p - 1;
    case HB_TA_DEMA: return simple ? 2 * (p - 1) : p - 1;
    case HB_TA_TEMA: return simple ? 3 * (p - 1) : p - 1;
    case HB_TA_TRIX: return simple ? 3 * (p - 1) + 1 : p;
    case HB_TA_RSI: return p;
    case HB_TA_CMO: return ta->warm == HB_TA_WARM_NONE ? p - 1 : p;
    default: return p;   /* KER, KAMA */
    }
}

int hb_ta_init(hb_ta *ta, hb_ta_kind kind, int64_t period, int64_t hold, hb_ta_warm warm)
{
    memset(ta, 0, sizeof *ta);
    ta->kind = kind;
    ta->warm = warm;
    if (period < 1)
        return HB_EINVAL;
    int simple = warm == HB_TA_WARM_SIMPLE;
    if (kind == HB_TA_RSI || (kind == HB_TA_CMO && warm != HB_TA_WARM_NONE)) {
        ema_init(&ta->e1, period + 1, simple);
        ta->e1.alpha = 1 / (double)period;
        ta->e2 = ta->e1;
    } else {
        ema_init(&ta->e1, period, simple);
        ema_init(&ta->e2, period, simple);
        ema_init(&ta->e3, period, simple);
    }
    if (kind == HB_TA_KER || kind == HB_TA_KAMA || (kind == HB_TA_CMO && warm == HB_TA_WARM_NONE)) {
        int64_t n = kind == HB_TA_CMO ? period - 1 : period;
        if (n < 1 || n > HB_TA_MAX_WINDOW)
            return HB_EINVAL;
        ta->win = (size_t)n;
        ta->price = calloc(ta->win, sizeof *ta->price);
        ta->diff = calloc(ta->win, sizeof *ta->diff);
        if (!ta->price || !ta->diff) {
            hb_ta_free(ta);
            return HB_ENOMEM;
        }
    }
    /* Go converts the hold period to uint32 */
    ta->hold = (uint32_t)(hold == -1 ? warm_count(ta, period) : hold);
    return HB_OK;
}

void hb_ta_free(hb_ta *ta)
{
    free(ta->price);
    free(ta->diff);
    ta->price = ta->diff = NULL;
}

/* The next slot of the ring: the oldest value's. */
static size_t ring_next(const hb_ta *ta) { return ta->idx + 1 >= ta->win ? 0 : ta->idx + 1; }

static double ker_add(hb_ta *ta, double v)
{
    size_t old = ring_next(ta);
    double signal = fabs(v - ta->price[old]);
    double d = fabs(v - ta->price[ta->idx]);
    ta->noise -= ta->diff[old];
    ta->noise += d;
    ta->idx = old;
    ta->price[old] = v;
    ta->diff[old] = d;
    if (ta->wcount != (int64_t)ta->win + 1)
        ta->wcount++;
    if (signal == 0 || ta->noise == 0)
        return 0;
    return signal / ta->noise;
}

static double cmo_add(hb_ta *ta, double v)
{
    size_t old = ring_next(ta);
    double d = 0;
    if (ta->wcount != 0) {
        d = v - ta->price[ta->idx];
        if (d > 0)
            ta->up += d;
        else if (d < 0)
            ta->down -= d;
    }
    double out = 0;
    if (ta->up != 0 || ta->down != 0)
        out = 100.0 * ((ta->up - ta->down) / (ta->up + ta->down));
    /* the change leaving the window; kept by subtraction as influxd does
     * (rounding creeps in, and must creep in the same way) */
    double od = ta->diff[old];
    if (od > 0)
        ta->up -= od;
    else if (od < 0)
        ta->down += od;
    ta->price[old] = v;
    ta->diff[old] = d;
    ta->idx = old;
    if (ta->wcount != (int64_t)ta->win + 2)
        ta->wcount++;
    return out;
}

/* RSI and the smoothed CMO: the averages of the rises and the falls. */
static void updown_add(hb_ta *ta, double v)
{
    double up = 0, down = 0;
    if (v > ta->lastv)
        up = v - ta->lastv;
    else if (v < ta->lastv)
        down = ta->lastv - v;
    ema_add(&ta->e1, up);
    ema_add(&ta->e2, down);
    ta->lastv = v;
}

int hb_ta_push(hb_ta *ta, double v, double *out)
{
    int exp_warm = !ta->e1.simple;
    double r;
    switch (ta->kind) {
    case HB_TA_EMA:
        r = ema_add(&ta->e1, v);
        break;
    case HB_TA_DEMA: {
        double a1 = ema_add(&ta->e1, v);
        double a2 = ema_warmed(&ta->e1) || exp_warm ? ema_add(&ta->e2, a1) : a1;
        r = 2 * a1 - a2;
        break;
    }
    case HB_TA_TEMA: {
        double a1 = ema_add(&ta->e1, v);
        double a2 = ema_warmed(&ta->e1) || exp_warm ? ema_add(&ta->e2, a1) : a1;
        double a3 = ema_warmed(&ta->e2) || exp_warm ? ema_add(&ta->e3, a2) : a2;
        r = 3 * a1 - 3 * a2 + a3;
        break;
    }
    case HB_TA_TRIX: {
        double cur = ema_add(&ta->e1, v);
        if (ema_warmed(&ta->e1) || exp_warm) {
            cur = ema_add(&ta->e2, cur);
            if (ema_warmed(&ta->e2) || exp_warm)
                cur = ema_add(&ta->e3, cur);
        }
        r = ((cur / ta->lastv) - 1) * 100;
        ta->lastv = cur;
        if (ta->trix_warm != 2 && ema_warmed(&ta->e3))
            ta->trix_warm++;
        break;
    }
    case HB_TA_RSI:
        updown_add(ta, v);
        r = 100 - (100 / (1 + ta->e1.last / ta->e2.last));
        break;
    case HB_TA_CMO:
        if (ta->warm == HB_TA_WARM_NONE)
            r = cmo_add(ta, v);
        else {
            updown_add(ta, v);
            r = 100.0 * ((ta->e1.last - ta->e2.last) / (ta->e1.last + ta->e2.last));
        }
        break;
    case HB_TA_KER:
        r = ker_add(ta, v);
        break;
    default: {   /* KAMA */
        if (ta->wcount != (int64_t)ta->win + 1)
            ta->kama = ta->price[ta->idx];   /* not warmed: restart from the previous value */
        double er = ker_add(ta, v);
        /* 2/3 - 2/31 = 56/93: Go folds the constant exactly, then rounds */
        double x = er * (56.0 / 93.0) + 2.0 / 31.0;
        double sc = x * x;
        ta->kama = ta->kama + sc * (v - ta->kama);
        r = ta->kama;
        break;
    }
    }
    ta->count++;
    if (ta->count <= ta->hold)
        return 0;
    if (isinf(r) && (ta->kind == HB_TA_TRIX || ta->kind == HB_TA_KER || ta->kind == HB_TA_KAMA))
        return 0;
    *out = r;
    return 1;
}
