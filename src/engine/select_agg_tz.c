/* GROUP BY time with tz(): the windows of points near an offset change.
 *
 * influxd's reducer (query.floatReduceFloatIterator.reduce) takes the
 * window [start, end) of the first point it reads and adds every following
 * point of the group until one falls outside; that point opens the next
 * window. Far from an offset change every point's window is a cell of a
 * plain partition of time, so that is the same as "each point in its own
 * window" (what select_agg.c does). Around a change the windows computed
 * in local time overlap or leave gaps: after clocks go back, the
 * 90-minute window of 05:30Z on 2023-11-05 in America/New_York is
 * [05:30Z, 08:00Z) while that of 06:00Z is [04:00Z, 06:30Z), and 06:00Z
 * lands in the first one when 05:30Z has a point, in its own otherwise.
 *
 * influxd also reduces in levels: count, sum, mean, min, max, first and
 * last are reduced per series first, then the per-series results again
 * per group (their times are the window starts), and the interval
 * iterator finally moves each result to the start of its own window.
 * Other calls reduce the group's points once. ORDER BY time DESC reads
 * every level backwards. This file follows those rules:
 *
 *   zones   each change gets three intervals either side (a window spans
 *           less than two intervals and is only bent by a change less
 *           than an interval away), cut at cell boundaries and merged
 *           when they meet;
 *   collect before the main scan each zone is scanned once and each
 *           group notes (series, time) of its rows with a value;
 *   assign  the levels above give each noted point its window;
 *   lookup  the main scan finds a zone row's window by series and time.
 *
 * Approximations, all near an offset change only: influxd reduces each
 * column on its own (a row with a value in any column counts for all
 * here), a selector's result keeps the selected point's time between
 * levels (here the window start), and the group level reads the series
 * merged by window (here by time). */
#include <stdlib.h>
#include <string.h>

#include "engine/select_agg_internal.h"

#define NS 1000000000LL
#define MAX_ZONES 65536             /* offset changes followed in one statement */
#define MAX_ZONE_POINTS 10000000    /* times noted per group near changes */

static int64_t sat_add(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b)
        return INT64_MIN;
    return a + b;
}

static int64_t floor_sec(int64_t ns)
{
    int64_t s = ns / NS;
    return ns % NS < 0 ? s - 1 : s;
}

/* The zones around the offset changes that can touch [p->tmin, p->tmax]. */
static int find_zones(agg_ctx *x, hb_err *err)
{
    const sel_plan *p = x->p;
    int64_t margin = p->interval > INT64_MAX / 3 ? INT64_MAX : p->interval * 3;
    int64_t lo = sat_add(p->tmin, -margin), hi = sat_add(p->tmax, margin);
    int64_t sec = floor_sec(lo), last_sec = floor_sec(hi);
    size_t cap = 0;
    for (size_t i = 0; i < MAX_ZONES; i++) {
        int64_t ch = hb_tz_next_change(p->tz, sec);
        if (ch > last_sec || ch > INT64_MAX / NS)
            return HB_OK;
        int64_t t = ch * NS;
        int64_t from = sel_window(p, sat_add(t, -margin)), to = sel_window(p, sat_add(t, margin));
        if (to <= from)
            to = INT64_MAX;
        if (x->nzones && from <= x->zones[2 * x->nzones - 1]) {
            if (to > x->zones[2 * x->nzones - 1])
                x->zones[2 * x->nzones - 1] = to;   /* overlaps the previous zone: one zone */
        } else {
            if (x->nzones == cap) {
                size_t nc = cap ? cap * 2 : 8;
                int64_t *nv = realloc(x->zones, nc * 2 * sizeof *nv);
                if (!nv)
                    return hb_err_set(err, HB_ENOMEM, "out of memory");
                x->zones = nv;
                cap = nc;
            }
            x->zones[2 * x->nzones] = from;
            x->zones[2 * x->nzones + 1] = to;
            x->nzones++;
        }
        sec = ch;
    }
    /* more changes than any real zone has in int64 time: give up on the
     * zones, every point gets its own window */
    x->nzones = 0;
    return HB_OK;
}

/* The index of the zone holding t, or SIZE_MAX. */
static size_t zone_of(const agg_ctx *x, int64_t t)
{
    size_t lo = 0, hi = x->nzones;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t < x->zones[2 * mid])
            hi = mid;
        else if (t >= x->zones[2 * mid + 1])
            lo = mid + 1;
        else
            return mid;
    }
    return SIZE_MAX;
}

int agg_tz_in_zone(const agg_ctx *x, int64_t t)
{
    return zone_of(x, t) != SIZE_MAX;
}

int agg_tz_collect(agg_ctx *x, agg_group *g, uint64_t key, int64_t t, hb_err *err)
{
    if (g->nzt && g->zt[g->nzt - 1].key == key && g->zt[g->nzt - 1].t == t)
        return HB_OK;
    if (g->nzt == g->capzt) {
        if (g->capzt >= MAX_ZONE_POINTS)
            return hb_err_set(err, HB_ELIMIT, "too many points near time zone offset changes (more than %d)",
                              MAX_ZONE_POINTS);
        size_t nc = g->capzt ? g->capzt * 2 : 64;
        agg_tz_point *nv = realloc(g->zt, nc * sizeof *nv);
        if (!nv)
            return hb_err_set(err, HB_ENOMEM, "out of memory");
        g->zt = nv;
        g->capzt = nc;
    }
    g->zt[g->nzt++] = (agg_tz_point){ key, t, 0 };
    return HB_OK;
}

static int cmp_point(const void *a, const void *b)
{
    const agg_tz_point *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->t > y->t) - (x->t < y->t);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The reducer over times v[0..n) (ascending), read forwards or (down)
 * backwards: a time opens a window unless it falls in the open one or
 * the zone changed; out[i] = the start of v[i]'s window. */
static void reduce_windows(const agg_ctx *x, const int64_t *v, size_t n, int down, int64_t *out)
{
    int64_t start = 0, end = 0;
    size_t zprev = SIZE_MAX;
    for (size_t k = 0; k < n; k++) {
        size_t i = down ? n - 1 - k : k;
        size_t z = zone_of(x, v[i]);
        if (k == 0 || z != zprev || v[i] < start || v[i] >= end)
            sel_window_span(x->p, v[i], &start, &end);
        zprev = z;
        out[i] = start;
    }
}

/* Index of v in the ascending u[0..n) (present). */
static size_t find_i64(const int64_t *u, size_t n, int64_t v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (u[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Whether every call of the statement is one influxd reduces per series
 * first (query.exprIteratorBuilder.callIterator). */
static int per_series_first(const agg_ctx *x)
{
    for (size_t i = 0; i < x->ntot; i++) {
        const agg_col *c = &x->cols[i];
        if (c->aux || c->expr)
            continue;
        if (c->fn != FN_COUNT && c->fn != FN_SUM && c->fn != FN_MEAN && c->fn != FN_MIN && c->fn != FN_MAX &&
            c->fn != FN_FIRST && c->fn != FN_LAST)
            return 0;
    }
    return 1;
}

/* Give g's noted points their windows (see the top of the file). */
static int assign(agg_ctx *x, agg_group *g, int two_levels, hb_err *err)
{
    size_t n = g->nzt;
    if (!n)
        return HB_OK;
    qsort(g->zt, n, sizeof *g->zt, cmp_point);
    size_t k = 1;
    for (size_t i = 1; i < n; i++)
        if (g->zt[i].key != g->zt[k - 1].key || g->zt[i].t != g->zt[k - 1].t)
            g->zt[k++] = g->zt[i];
    g->nzt = n = k;
    int down = x->p->desc;
    int64_t *v = malloc(2 * n * sizeof *v);
    if (!v)
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    int64_t *w = v + n;
    size_t nu;
    if (two_levels) {
        /* each series (a run of one key) on its own, then the group over
         * the distinct window starts */
        for (size_t a = 0; a < n;) {
            size_t e = a;
            while (e < n && g->zt[e].key == g->zt[a].key) {
                v[e] = g->zt[e].t;
                e++;
            }
            reduce_windows(x, v + a, e - a, down, w + a);
            for (size_t i = a; i < e; i++)
                g->zt[i].s = w[i];
            a = e;
        }
        for (size_t i = 0; i < n; i++)
            v[i] = g->zt[i].s;
    } else {
        for (size_t i = 0; i < n; i++)
            v[i] = g->zt[i].t;
    }
    /* the group level over the distinct times in v */
    qsort(v, n, sizeof *v, cmp_i64);
    nu = n ? 1 : 0;
    for (size_t i = 1; i < n; i++)
        if (v[i] != v[nu - 1])
            v[nu++] = v[i];
    reduce_windows(x, v, nu, down, w);
    for (size_t i = 0; i < n; i++) {
        int64_t in = two_levels ? g->zt[i].s : g->zt[i].t;
        /* the interval iterator: the start of the result's own window */
        g->zt[i].s = sel_window(x->p, w[find_i64(v, nu, in)]);
    }
    free(v);
    return HB_OK;
}

int64_t agg_tz_bucket(const agg_ctx *x, const agg_group *g, uint64_t key, int64_t t)
{
    agg_tz_point want = { key, t, 0 };
    size_t lo = 0, hi = g->nzt;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_point(&g->zt[mid], &want) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < g->nzt && g->zt[lo].key == key && g->zt[lo].t == t)
        return g->zt[lo].s;
    return sel_window(x->p, t);
}

int agg_tz_prepare(agg_ctx *x, sel_row_fn fn, sel_run_fn runfn, hb_err *err)
{
    sel_plan *p = x->p;
    if (!p->tz || !p->interval)
        return HB_OK;
    int rc = find_zones(x, err);
    int64_t tmin = p->tmin, tmax = p->tmax;
    for (size_t i = 0; !rc && i < x->nzones; i++) {
        p->tmin = x->zones[2 * i] > tmin ? x->zones[2 * i] : tmin;
        p->tmax = x->zones[2 * i + 1] - 1 < tmax ? x->zones[2 * i + 1] - 1 : tmax;
        if (p->tmin > p->tmax)
            continue;
        x->collect = 1;
        x->bound = 0;   /* each scan binds the columns anew */
        rc = sel_scan_measurement(p, x->m, fn, runfn, NULL, x, err);
    }
    p->tmin = tmin;
    p->tmax = tmax;
    x->collect = 0;
    x->bound = 0;
    x->last_g = NULL;
    x->last_b = NULL;
    int two = per_series_first(x);
    for (size_t i = 0; !rc && i < x->ng; i++)
        rc = assign(x, x->gl[i], two, err);
    return rc;
}
