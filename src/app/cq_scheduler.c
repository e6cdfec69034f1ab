#include "app/cq_scheduler.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/fmt.h"
#include "base/log.h"
#include "domain/influxql/parser.h"

void hb_cq_scheduler_init(hb_cq_scheduler *s, hb_cq_store *store, hb_clock_port clock, hb_cq_run_fn run, void *ctx)
{
    memset(s, 0, sizeof *s);
    s->store = store;
    s->clock = clock;
    s->run = run;
    s->run_ctx = ctx;
}

void hb_cq_scheduler_destroy(hb_cq_scheduler *s)
{
    free(s->holds);
    s->holds = NULL;
    s->nholds = s->holds_cap = 0;
}

static hb_cq_hold *find_hold(hb_cq_scheduler *s, uint64_t id)
{
    for (size_t i = 0; i < s->nholds; i++)
        if (s->holds[i].id == id)
            return &s->holds[i];
    return NULL;
}

static void set_hold(hb_cq_scheduler *s, uint64_t id, int64_t until)
{
    hb_cq_hold *h = find_hold(s, id);
    if (!h) {
        if (s->nholds == s->holds_cap) {
            size_t nc = s->holds_cap ? 2 * s->holds_cap : 8;
            hb_cq_hold *nh = realloc(s->holds, nc * sizeof *nh);
            if (!nh)
                return;   /* then it is simply retried at the next check */
            s->holds = nh;
            s->holds_cap = nc;
        }
        h = &s->holds[s->nholds++];
        h->id = id;
    }
    h->until = until;
}

static void clear_hold(hb_cq_scheduler *s, uint64_t id)
{
    hb_cq_hold *h = find_hold(s, id);
    if (h)
        *h = s->holds[--s->nholds];
}

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The window rule of a stored CQ text; interval 0 when it has none. */
static int rule_of(const hb_cq_def *d, hb_cq_rule *r, hb_err *err)
{
    hb_arena a;
    hb_arena_init(&a, 4096, 16u << 20);
    hb_iql_query *q = NULL;
    int rc = hb_influxql_parse(d->query, strlen(d->query), NULL, &a, &q, err);
    if (!rc && (q->nstmts != 1 || q->stmts[0]->kind != HB_IQL_STMT_CREATE_CONTINUOUS_QUERY))
        rc = hb_err_set(err, HB_ECORRUPT, "not a continuous query");
    if (!rc) {
        const hb_iql_cq *cq = &q->stmts[0]->u.cq;
        hb_cq_rule_of(cq->select, cq->resample_every, cq->resample_for, r);
    }
    hb_arena_free(&a);
    return rc;
}

/* One CQ at time now; 1 when it ran. */
static int check_one(hb_cq_scheduler *s, const hb_cq_def *d, int64_t now)
{
    hb_err err;
    hb_cq_rule r;
    if (rule_of(d, &r, &err)) {
        hb_log_error("continuous query %s on %s: stored text does not parse: %s", d->name, d->db, err.msg);
        return 0;
    }
    hb_cq_hold *h = find_hold(s, d->id);
    if (h && now < h->until)
        return 0;
    hb_cq_state st;
    if (hb_cq_state_get(s->store, d, &st, &err)) {
        hb_log_error("continuous query %s on %s: cannot read its state: %s", d->name, d->db, err.msg);
        return 0;
    }
    int64_t start = 0, end = 0, cut = INT64_MIN;
    int run = 0;
    if (!hb_cq_window_next(&r, &st, now, &start, &end, &run, &cut))
        return 0;
    char a[40], b[40];
    if (!run) {   /* due but nothing ended yet: remember the schedule */
        if (hb_cq_state_put(s->store, d, &st, 0, 0, 0, &err))
            hb_log_error("continuous query %s on %s: cannot save its state: %s", d->name, d->db, err.msg);
        return 0;
    }
    if (cut != INT64_MIN) {
        hb_fmt_rfc3339nano(cut, a);
        hb_log_warn("continuous query %s on %s: windows before %s are not computed (more than %d intervals late)",
                    d->name, d->db, a, HB_CQ_MAX_CATCHUP_INTERVALS);
    }
    hb_fmt_rfc3339nano(start, a);
    hb_fmt_rfc3339nano(end, b);
    uint64_t written = 0;
    int64_t t0 = mono_ns();
    int rc = s->run(s->run_ctx, d, start, end, now, &written, &err);
    double ms = (double)(mono_ns() - t0) / 1e6;
    if (rc) {
        s->failures++;
        int64_t every = r.every ? r.every : r.interval;
        set_hold(s, d->id, st.last_run + every);
        hb_log_error("continuous query %s on %s: window %s to %s failed after %.3f ms (retried at the next "
                     "interval): %s",
                     d->name, d->db, a, b, ms, err.msg);
        return 0;
    }
    s->runs++;
    clear_hold(s, d->id);
    hb_log_info("continuous query %s on %s: window %s to %s, %llu points written in %.3f ms", d->name, d->db, a, b,
                (unsigned long long)written, ms);
    if (hb_cq_state_put(s->store, d, &st, 1, start, end, &err)) {
        /* the stored state still names the previous window: computed
         * again (with the ones ended since) at the next boundary */
        set_hold(s, d->id, st.last_run + (r.every ? r.every : r.interval));
        hb_log_error("continuous query %s on %s: cannot save its state (the window is computed again): %s",
                     d->name, d->db, err.msg);
    }
    return 1;
}

int hb_cq_scheduler_tick(hb_cq_scheduler *s, unsigned *ran, hb_err *err)
{
    hb_cq_def *defs = NULL;
    size_t n = 0;
    unsigned count = 0;
    if (ran)
        *ran = 0;
    int rc = hb_cq_list(s->store, &defs, &n, err);
    if (rc)
        return rc;
    int64_t now = s->clock.now_ns(s->clock.self);
    for (size_t i = 0; i < n; i++)
        count += (unsigned)check_one(s, &defs[i], now);
    /* forget holds of CQs that are gone */
    for (size_t k = 0; k < s->nholds;) {
        int live = 0;
        for (size_t i = 0; i < n && !live; i++)
            live = defs[i].id == s->holds[k].id;
        if (live)
            k++;
        else
            s->holds[k] = s->holds[--s->nholds];
    }
    hb_cq_defs_free(defs, n);
    if (ran)
        *ran = count;
    return HB_OK;
}
