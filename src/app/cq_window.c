#include "app/cq_window.h"

#include <string.h>

__extension__ typedef __int128 i128;

/* Nanoseconds from 0001-01-01T00:00:00Z (Go's zero time) to the Unix epoch. */
#define GO_ZERO_TO_UNIX_NS ((i128)62135596800LL * 1000000000LL)

/* Go's Truncate on a wide value (no overflow for any int64 inputs). */
static i128 trunc128(i128 t, int64_t d)
{
    if (d <= 0)
        return t;
    i128 r = (t + GO_ZERO_TO_UNIX_NS) % d;
    if (r < 0)
        r += d;
    return t - r;
}

static int64_t clamp64(i128 v)
{
    return v > INT64_MAX ? INT64_MAX : v < INT64_MIN ? INT64_MIN : (int64_t)v;
}

int64_t hb_cq_go_truncate(int64_t t, int64_t d)
{
    return clamp64(trunc128(t, d));
}

void hb_cq_rule_of(const hb_iql_select *s, int64_t every, int64_t for_, hb_cq_rule *out)
{
    memset(out, 0, sizeof *out);
    out->every = every > 0 ? every : 0;
    out->for_ = for_ > 0 ? for_ : 0;
    int ok = 1;
    const char *why = NULL;
    int64_t iv = hb_iql_group_by_interval(s, &ok, &why);
    if (!ok || iv <= 0)
        return;
    out->interval = iv;
    for (size_t i = 0; i < s->ndimensions; i++) {
        const hb_iql_expr *d = s->dimensions[i];
        if (d->kind != HB_IQL_EXPR_CALL || strcmp(d->u.call.name.p, "time") != 0 || d->u.call.nargs != 2)
            continue;
        const hb_iql_expr *o = d->u.call.args[1];
        if (o->kind == HB_IQL_EXPR_DURATION || o->kind == HB_IQL_EXPR_INTEGER)
            out->offset = o->u.i % iv;
        break;
    }
}

int hb_cq_window_next(const hb_cq_rule *r, hb_cq_state *st, int64_t now, int64_t *start, int64_t *end, int *run,
                      int64_t *skipped_before)
{
    *run = 0;
    if (skipped_before)
        *skipped_before = INT64_MIN;
    if (r->interval <= 0)
        return 0;
    /* all in 128 bits: durations near the int64 limits must not overflow */
    const i128 iv = r->interval, off = r->offset;
    i128 every = r->every > 0 ? r->every : iv;
    i128 next_run;
    if (!st->has_run)
        next_run = now;
    else if ((i128)st->last_run + every <= now)
        next_run = (i128)st->last_run + every;
    else
        return 0;
    st->last_run = clamp64(trunc128((i128)now - off, clamp64(every)) + off);
    st->has_run = 1;

    i128 span = iv;
    if (r->for_ > 0)
        span = r->for_;
    else if (iv < every)
        span = every;
    if (iv < every)
        every = iv;
    i128 s = trunc128(next_run + iv - span - off - 1, r->interval) + off;
    i128 e = trunc128((i128)now + iv - every - off, r->interval) + off;
    if (e <= s)
        return 1;
    /* the catch-up cap: at most HB_CQ_MAX_CATCHUP_INTERVALS intervals
     * beyond the span a run normally covers */
    i128 lim = e - (HB_CQ_MAX_CATCHUP_INTERVALS + (span + iv - 1) / iv) * iv;
    if (s < lim) {
        if (skipped_before)
            *skipped_before = clamp64(lim);
        s = lim;
    }
    *start = clamp64(s);
    *end = clamp64(e);
    if (*end <= *start)
        return 1;
    *run = 1;
    return 1;
}
