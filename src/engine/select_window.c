/* GROUP BY time windows with tz(): the arithmetic of influxd 1.x
 * (query.IteratorOptions.Window and the fill iterator's walk), so that
 * buckets and filled rows land where InfluxDB puts them.
 *
 * A window is found by truncating t + zone offset (the offset at t) to
 * the interval, i.e. in local time. The start is then corrected by the
 * difference between that offset and the one at the start, unless the
 * difference is not smaller than the interval: a 1d window that crosses
 * a DST change starts at local midnight (23 or 25 hours long), a 1h
 * window does not move. The fill walk steps by the interval and applies
 * the same kind of correction when the offset changes under it. Go's
 * int64 arithmetic wraps; so does this (through uint64).
 *
 * Near an offset change windows can overlap or leave gaps: after clocks
 * go back, the 2h window of 00:00Z in Europe/Oslo on 2023-10-29 is
 * [00:00Z, 03:00Z) and that of 01:00Z [01:00Z, 03:00Z). Which one a point
 * lands in then depends on the points before it (select_agg_tz.c). */
#include "engine/select_internal.h"

#define NS 1000000000LL

static int64_t wrap_add(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a + (uint64_t)b);
}

int64_t sel_zone_ns(const sel_plan *p, int64_t t)
{
    return p->tz ? (int64_t)hb_tz_offset_ns(p->tz, t) * NS : 0;
}

static int64_t abs64(int64_t v)
{
    return v < 0 ? -v : v;
}

/* Go's Window: [*start, *end) of the window holding t; end only when
 * asked for (it costs two more zone lookups). */
static void window(const sel_plan *p, int64_t t, int64_t *start, int64_t *end)
{
    int64_t dur = p->interval;
    t = wrap_add(t, -p->offset);
    int64_t zone = sel_zone_ns(p, t);
    int64_t dt = wrap_add(t, zone) % dur;
    if (dt < 0)
        dt += dur;
    int64_t st = SEL_MIN_TIME + dt >= t ? SEL_MIN_TIME : t - dt;
    /* the offset at the start may differ from the one at t (the window
     * began before a DST change): move the start by the difference */
    int64_t o = zone - sel_zone_ns(p, st);
    if (o != 0 && abs64(o) < dur)
        st = wrap_add(st, o);
    *start = wrap_add(st, p->offset);
    if (!end)
        return;
    int64_t rest = dur - dt;
    int64_t en = SEL_MAX_TIME - rest <= t ? SEL_MAX_TIME : t + rest;
    int64_t eoff = sel_zone_ns(p, en);
    o = zone - eoff;
    if (o != 0 && abs64(o) < dur) {
        /* clocks going back add time to this window; clocks going forward
         * take it away only if the change happens inside the window */
        if (o > 0 || sel_zone_ns(p, wrap_add(en, o)) == eoff)
            en = wrap_add(en, o);
    }
    *end = wrap_add(en, p->offset);
}

int64_t sel_window_tz(const sel_plan *p, int64_t t)
{
    int64_t start;
    window(p, t, &start, NULL);
    return start;
}

void sel_window_span(const sel_plan *p, int64_t t, int64_t *start, int64_t *end)
{
    window(p, t, start, end);
}

int sel_window_next(const sel_plan *p, int64_t *w, int64_t *woff, int down)
{
    if (down ? *w < SEL_MIN_TIME + p->interval : *w > SEL_MAX_TIME - p->interval)
        return 1;
    *w += down ? -p->interval : p->interval;
    if (!p->tz)
        return 0;
    /* the offset just before the new window: if it changed while
     * stepping, local time moved and so does the window */
    int64_t off = sel_zone_ns(p, *w - 1);
    if (off != *woff) {
        int64_t diff = *woff - off;
        if (abs64(diff) < p->interval)
            *w = wrap_add(*w, diff);
        *woff = off;
    }
    return 0;
}
