/* holt_winters(): see holtwinters.h.
 *
 * The method, as influxd 1.6's reducer runs it:
 * - The points' times are rounded to the interval (half an interval rounds
 *   down); a point in the same interval as the previous one is dropped,
 *   missing intervals are NaN. No answer with fewer than 2 points, fewer
 *   than m points when seasonal, or a span under one interval.
 * - Start values: level l0 = y0/2 (seasonal: the mean of the first season,
 *   NaNs counted as 0), trend b0 = (y1 - y0)/2 (seasonal: the mean change
 *   between the first two seasons over m^2), seasonal factors y[i]/l0.
 * - The parameters alpha, beta, gamma, phi start from each point of the
 *   grid {0.3, 0.7}^4; from each, Nelder-Mead (reflection 1, contraction
 *   0.5, expansion 2, at most 1000 iterations, stop when the standard
 *   deviation of the simplex's values is under 1e-4, a regular simplex of
 *   scale 1 around the start) minimises the sum of squared errors of the
 *   fit over the parameter vector (alpha, beta, gamma, phi, l0, b0,
 *   s[0..m)). The first lowest minimum wins.
 * - The fit clamps alpha, beta, gamma and phi to [0, 1] and rotates the
 *   seasonal factors through the parameter vector it is given, in place:
 *   the optimizer's vertices change when they are evaluated, and that is
 *   part of the answer. Each step feeds the previous *fitted* value back
 *   as the observation (influxd's recurrence never reads y past y0):
 *     l = a*(y/s_m) + (1-a)*(l' + phi*b'),  b = beta*(l-l') + (1-beta)*phi*b',
 *     s = g*(y/(l' + phi*b')) + (1-g)*s_m,  y = (l + phiH*b) * s_mh,
 *   phiH growing by phi^t after each step. A NaN in the fit where the
 *   data has a value makes the error infinite.
 * - Output: the forecasts after the last point's time (h intervals), or
 *   with_fit every fitted value from the first point's time on; NaNs are
 *   left out. */
#include "engine/holtwinters.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"

#define HW_WEIGHT 0.5
#define HW_EPSILON 1.0e-4
#define HW_GUESS_LOWER 0.3
#define HW_GUESS_UPPER 1.0
#define HW_GUESS_STEP 0.4
#define NM_MAX_ITER 1000
#define NM_ALPHA 1.0
#define NM_BETA 0.5
#define NM_GAMMA 2.0

double hb_hw_go_pow(double x, int64_t k)
{
    if (x == 1 || k == 0)
        return 1;
    if (k == 1)
        return x;
    if (isnan(x))
        return x;
    if (x == 0)
        return (k & 1) ? x : 0;
    if (isinf(x))
        return x > 0 || !(k & 1) ? INFINITY : -INFINITY;
    double a1 = 1.0;
    int ae = 0;
    int xe;
    double x1 = frexp(x, &xe);
    for (int64_t i = k; i != 0; i >>= 1) {
        if (xe < -(1 << 12) || (1 << 12) < xe) {
            /* catastrophic overflow: ldexp handles it */
            ae += xe;
            break;
        }
        if (i & 1) {
            a1 *= x1;
            ae += xe;
        }
        x1 *= x1;
        xe *= 2;   /* Go shifts; a negative left shift is undefined in C */
        if (x1 < .5) {
            x1 += x1;
            xe--;
        }
    }
    return ldexp(a1, ae);
}

typedef struct hw {
    const double *y;
    size_t ny;
    int seasonal;
    double *fc;     /* the fit (ny + h values) */
} hw;

/* The fit of params (clamped and its seasonal factors rotated in place)
 * over ny + h steps, into hw->fc. */
static void forecast(hw *w, size_t h, double *params, size_t np)
{
    for (int i = 0; i < 4; i++) {
        if (params[i] > 1)
            params[i] = 1;
        if (params[i] < 0)
            params[i] = 0;
    }
    double yT = w->y[0], phi = params[3], phiH = phi, lT = params[4], bT = params[5];
    double *seas = params + 6;
    size_t m = 0, so = 0;
    if (w->seasonal) {
        m = np - 6;
        if (m == 1)
            seas[0] = 1;
        so = m - 1;
    }
    w->fc[0] = yT;
    size_t l = w->ny;
    double stm = 1.0, stmh = 1.0;
    double alpha = params[0], beta = params[1], gamma = params[2];
    for (size_t t = 1; t < l + h; t++) {
        if (w->seasonal) {
            size_t hm = t % m;
            stm = seas[(t - m + so) % m];
            stmh = seas[(t - m + hm + so) % m];
        }
        double lTp = lT, bTp = bT;
        lT = alpha * (yT / stm) + (1 - alpha) * (lTp + phi * bTp);
        bT = beta * (lT - lTp) + (1 - beta) * phi * bTp;
        double sT = gamma * (yT / (lTp + phi * bTp)) + (1 - gamma) * stm;
        yT = (lT + phiH * bT) * stmh;
        phiH += hb_hw_go_pow(phi, (int64_t)t);
        if (w->seasonal) {
            seas[(t + so) % m] = sT;
            so++;
        }
        w->fc[t] = yT;
    }
}

static double sse(hw *w, double *params, size_t np)
{
    double s = 0.0;
    forecast(w, 0, params, np);
    for (size_t i = 0; i < w->ny; i++) {
        if (isnan(w->y[i]))
            continue;
        if (isnan(w->fc[i]))
            return INFINITY;
        double d = w->fc[i] - w->y[i];
        s += d * d;
    }
    return s;
}

/* Nelder-Mead from start (np values; scale 1): the minimum in *fmin, its
 * vertex copied to best. scratch: (np + 1) * np + np + 1 + 4 * np doubles. */
static void optimize(hw *w, const double *start, size_t n, double *scratch, double *fmin, double *best)
{
    double *v = scratch, *f = v + (n + 1) * n, *vr = f + n + 1, *ve = vr + n, *vc = ve + n, *vm = vc + n;
#define V(i, j) v[(size_t)(i) * n + (j)]
    double dn = (double)n;
    double pn = 1.0 * (sqrt((double)(n + 1)) - 1 + dn) / (dn * sqrt(2));
    double qn = 1.0 * (sqrt((double)(n + 1)) - 1) / (dn * sqrt(2));
    for (size_t i = 0; i < n; i++)
        V(0, i) = start[i];
    for (size_t i = 1; i <= n; i++)
        for (size_t j = 0; j < n; j++)
            V(i, j) = (i - 1 == j ? pn : qn) + start[j];
    for (size_t j = 0; j <= n; j++)
        f[j] = sse(w, &V(j, 0), n);
    for (int itr = 1; itr <= NM_MAX_ITER; itr++) {
        size_t vg = 0, vs = 0;
        for (size_t i = 0; i <= n; i++) {
            if (f[i] > f[vg])
                vg = i;
            if (f[i] < f[vs])
                vs = i;
        }
        size_t vh = vs;
        for (size_t i = 0; i <= n; i++)
            if (f[i] > f[vh] && f[i] < f[vg])
                vh = i;
        for (size_t i = 0; i < n; i++) {
            double cent = 0.0;
            for (size_t k = 0; k <= n; k++)
                if (k != vg)
                    cent += V(k, i);
            vm[i] = cent / dn;
        }
        for (size_t i = 0; i < n; i++)
            vr[i] = vm[i] + NM_ALPHA * (vm[i] - V(vg, i));
        double fr = sse(w, vr, n);   /* changes vr (see the top) */
        if (fr < f[vh] && fr >= f[vs]) {
            memcpy(&V(vg, 0), vr, n * sizeof *vr);
            f[vg] = fr;
        }
        if (fr < f[vs]) {
            for (size_t i = 0; i < n; i++)
                ve[i] = vm[i] + NM_GAMMA * (vr[i] - vm[i]);
            double fe = sse(w, ve, n);
            if (fe < fr) {
                memcpy(&V(vg, 0), ve, n * sizeof *ve);
                f[vg] = fe;
            } else {
                memcpy(&V(vg, 0), vr, n * sizeof *vr);
                f[vg] = fr;
            }
        }
        if (fr >= f[vh]) {
            if (fr < f[vg] && fr >= f[vh])
                for (size_t i = 0; i < n; i++)   /* outside contraction */
                    vc[i] = vm[i] + NM_BETA * (vr[i] - vm[i]);
            else
                for (size_t i = 0; i < n; i++)   /* inside contraction */
                    vc[i] = vm[i] - NM_BETA * (vm[i] - V(vg, i));
            double fc = sse(w, vc, n);
            if (fc < f[vg]) {
                memcpy(&V(vg, 0), vc, n * sizeof *vc);
                f[vg] = fc;
            } else {
                /* shrink toward the best vertex */
                for (size_t row = 0; row <= n; row++)
                    if (row != vs)
                        for (size_t i = 0; i < n; i++)
                            V(row, i) = V(vs, i) + (V(row, i) - V(vs, i)) / 2.0;
                f[vg] = sse(w, &V(vg, 0), n);
                f[vh] = sse(w, &V(vh, 0), n);
            }
        }
        double fsum = 0.0;
        for (size_t i = 0; i <= n; i++)
            fsum += f[i];
        double favg = fsum / (double)(n + 1), s = 0.0;
        for (size_t i = 0; i <= n; i++)
            s += (f[i] - favg) * (f[i] - favg) / dn;   /* Go's Pow(x, 2): x*x to the bit */
        s = sqrt(s);
        if (s < HW_EPSILON)
            break;
    }
    size_t vs = 0;
    for (size_t i = 0; i <= n; i++)
        if (f[i] < f[vs])
            vs = i;
    memcpy(best, &V(vs, 0), n * sizeof *best);
    *fmin = sse(w, &V(vs, 0), n);
#undef V
}

/* Go's integer division and remainder truncate toward zero, as C's. */
static int64_t round_time(int64_t t, int64_t interval)
{
    int64_t rem = t % interval;
    if (rem > interval / 2)
        return (t / interval + 1) * interval;
    return (t / interval) * interval;
}

int hb_hw_forecast(const int64_t *t, const double *v, size_t n, int64_t h, int64_t m, int with_fit,
                   int64_t interval, int64_t **ot, double **ov, size_t *on)
{
    int rc = HB_OK;
    double *y = NULL, *params = NULL, *best = NULL, *cand = NULL, *scratch = NULL;
    hw w = { 0 };
    *ot = NULL;
    *ov = NULL;
    *on = 0;
    int seasonal = m >= 2;
    if (n < 2 || (seasonal && (int64_t)n < m) || h <= 0 || interval <= 0)
        return HB_OK;
    int64_t start = round_time(t[0], interval), stop = round_time(t[n - 1], interval);
    int64_t count = (stop - start) / interval;
    if (count <= 0)
        return HB_OK;
    if ((uint64_t)count >= HB_HW_MAX_POINTS || (uint64_t)h >= HB_HW_MAX_POINTS - (uint64_t)count - 1)
        return HB_EINVAL;
    /* the intervals from the first point's to the last's, NaN where empty */
    y = malloc(((size_t)count + 1) * sizeof *y);
    if (!y)
        goto nomem;
    size_t ny = 0;
    y[ny++] = v[0];
    int64_t tt = start;
    for (size_t i = 1; i < n; i++) {
        int64_t r = round_time(t[i], interval);
        if (r <= tt)
            continue;   /* same interval as the previous point */
        tt += interval;
        while (r != tt) {
            y[ny++] = NAN;
            tt += interval;
        }
        y[ny++] = v[i];
    }
    size_t sm = seasonal ? (size_t)m : 0;
    if (seasonal && ny < sm) {
        /* influxd would index past its data here; never happens for one
         * point per interval (ny >= n >= m) */
        rc = HB_OK;
        goto out;
    }
    double l0 = 0.0, b0 = 0.0;
    if (seasonal) {
        for (size_t i = 0; i < sm; i++)
            if (!isnan(y[i]))
                l0 += (1 / (double)m) * y[i];
        for (size_t i = 0; i < sm && sm + i < ny; i++)
            if (!isnan(y[i]) && !isnan(y[sm + i]))
                b0 += 1 / (double)(m * m) * (y[sm + i] - y[i]);
    } else {
        l0 += HW_WEIGHT * y[0];
        if (!isnan(y[1]))
            b0 = HW_WEIGHT * (y[1] - y[0]);
    }
    size_t np = 6 + sm;
    params = calloc(np, sizeof *params);
    best = malloc(np * sizeof *best);
    cand = malloc(np * sizeof *cand);
    scratch = malloc(((np + 1) * np + np + 1 + 4 * np) * sizeof *scratch);
    w.fc = malloc((ny + (size_t)h) * sizeof *w.fc);
    if (!params || !best || !cand || !scratch || !w.fc)
        goto nomem;
    w.y = y;
    w.ny = ny;
    w.seasonal = seasonal;
    params[4] = l0;
    params[5] = b0;
    for (size_t i = 0; i < sm; i++)
        params[6 + i] = isnan(y[i]) ? 0 : y[i] / l0;
    double min_sse = INFINITY;
    int have = 0;
    for (double a = HW_GUESS_LOWER; a < HW_GUESS_UPPER; a += HW_GUESS_STEP)
        for (double b = HW_GUESS_LOWER; b < HW_GUESS_UPPER; b += HW_GUESS_STEP)
            for (double g = HW_GUESS_LOWER; g < HW_GUESS_UPPER; g += HW_GUESS_STEP)
                for (double p = HW_GUESS_LOWER; p < HW_GUESS_UPPER; p += HW_GUESS_STEP) {
                    params[0] = a;
                    params[1] = b;
                    params[2] = g;
                    params[3] = p;
                    double fmin;
                    optimize(&w, params, np, scratch, &fmin, cand);
                    if (fmin < min_sse || !have) {
                        min_sse = fmin;
                        memcpy(best, cand, np * sizeof *best);
                        have = 1;
                    }
                }
    forecast(&w, (size_t)h, best, np);
    size_t from = with_fit ? 0 : ny, total = ny + (size_t)h;
    *ot = malloc((total - from) * sizeof **ot);
    *ov = malloc((total - from) * sizeof **ov);
    if (!*ot || !*ov)
        goto nomem;
    for (size_t i = from; i < total; i++) {
        if (isnan(w.fc[i]))
            continue;
        /* with_fit counts from the first point's own time, the forecast
         * from the last point's, as influxd does */
        (*ot)[*on] = with_fit ? t[0] + interval * (int64_t)i : t[n - 1] + interval * (int64_t)(i - ny + 1);
        (*ov)[*on] = w.fc[i];
        (*on)++;
    }
    goto out;
nomem:
    rc = HB_ENOMEM;
out:
    if (rc || !*on) {
        free(*ot);
        free(*ov);
        *ot = NULL;
        *ov = NULL;
        *on = 0;
    }
    free(y);
    free(params);
    free(best);
    free(cand);
    free(scratch);
    free(w.fc);
    return rc;
}
