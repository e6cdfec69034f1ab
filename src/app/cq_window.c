#include "app/cq_window.h"

#include <string.h>

__extension__ typedef __int128 i128;

/* Nanoseconds from 0001-01-01T00:00:00Z (Go's zero time) to the Unix epoch. */
#define GO_ZERO_TO_UNIX_NS ((i128)62135596800LL * 1000000000LL)

int64_t hb_cq_go_truncate(int64_t t, int64_t d)
{
    if (d <= 0)
        return t;
    i128 abs = (i128)t + GO_ZERO_TO_UNIX_NS;
    i128 r = abs % d;
    if (r < 0)
        r += d;
    return (int64_t)((i128)t - r);
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
    const int64_t iv = r->interval, off = r->offset;
    int64_t every = r->every ? r->every : iv;
    int64_t next_run;
    if (!st->has_run)
        next_run = now;
    else if (st->last_run + every <= now)
        next_run = st->last_run + every;
    else
        return 0;
    st->last_run = hb_cq_go_truncate(now - off, every) + off;
    st->has_run = 1;

    int64_t span = iv;
    if (r->for_)
        span = r->for_;
    else if (iv < every)
        span = every;
    if (iv < every)
        every = iv;
    int64_t s = hb_cq_go_truncate(next_run + iv - span - off - 1, iv) + off;
    int64_t e = hb_cq_go_truncate(now + iv - every - off, iv) + off;
    if (e <= s)
        return 1;
    /* the catch-up cap: at most HB_CQ_MAX_CATCHUP_INTERVALS intervals
     * beyond the span a run normally covers */
    int64_t span_iv = (span + iv - 1) / iv;
    i128 lim = (i128)e -
                                 (i128)(HB_CQ_MAX_CATCHUP_INTERVALS + span_iv) * iv;
    if ((i128)s < lim) {
        if (skipped_before)
            *skipped_before = (int64_t)lim;
        s = (int64_t)lim;
    }
    *start = s;
    *end = e;
    *run = 1;
    return 1;
}
