/* The continuous-query scheduler: at each check (every
 * continuous_queries.run_interval_secs on a ticker, or hb_cq_scheduler_tick
 * from tests) it reads the clock, decides for every CQ whether a window has
 * ended (app/cq_window.h, influxd's rules) and runs it through a run
 * function (app/cq_run.h in the server, a fake in tests).
 *
 * State lives in the metadata store (app/cq.h, "cqrun:" keys), not in
 * memory as in influxd: a restart continues each CQ's schedule where it
 * stopped, so the windows missed while the server was down are computed by
 * the first run after it (up to HB_CQ_MAX_CATCHUP_INTERVALS intervals).
 * The state is written after the run succeeded: a crash between a run's
 * writes and its state repeats that window once after the restart, which
 * writes the same points again (same series and times: they overwrite).
 * A run that fails is logged and retried, over its window and those ended
 * since, when the next one is due; nothing is skipped. */
#ifndef HB_APP_CQ_SCHEDULER_H
#define HB_APP_CQ_SCHEDULER_H

#include <stdint.h>

#include "app/cq.h"
#include "ports/clock_port.h"

/* Runs def's SELECT ... INTO over [start, end) at time now; *written gets
 * the points written. 0 or a negative code with err set. */
typedef int (*hb_cq_run_fn)(void *ctx, const hb_cq_def *def, int64_t start, int64_t end, int64_t now,
                            uint64_t *written, hb_err *err);

typedef struct hb_cq_hold {
    uint64_t id;
    int64_t until;   /* a failed CQ is retried from this time on */
} hb_cq_hold;

typedef struct hb_cq_scheduler {
    hb_cq_store *store;
    hb_clock_port clock;
    hb_cq_run_fn run;
    void *run_ctx;
    hb_cq_hold *holds;   /* only the ticker's thread touches these */
    size_t nholds, holds_cap;
    uint64_t runs, failures;
} hb_cq_scheduler;

void hb_cq_scheduler_init(hb_cq_scheduler *s, hb_cq_store *store, hb_clock_port clock, hb_cq_run_fn run, void *ctx);
void hb_cq_scheduler_destroy(hb_cq_scheduler *s);

/* One check at the clock's current time. *ran (may be NULL) counts the
 * runs made. Errors of single CQs are logged, not returned. */
int hb_cq_scheduler_tick(hb_cq_scheduler *s, unsigned *ran, hb_err *err);

#endif
