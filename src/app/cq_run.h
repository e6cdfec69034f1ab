/* Running one continuous-query window through the query path: the stored
 * CREATE CONTINUOUS QUERY text is parsed, its SELECT gets the window as its
 * time range the way influxd's SetTimeRange does it (every comparison
 * whose left side is `time` and every call in the WHERE become true and
 * are folded away, then `time >= start AND time < end` is ANDed on), and
 * it runs as SELECT ... INTO with the CQ's database as the default
 * (app/select_into.h: the normal durable write path). */
#ifndef HB_APP_CQ_RUN_H
#define HB_APP_CQ_RUN_H

#include "app/cq_scheduler.h"

struct hb_services;

/* An hb_cq_run_fn; ctx is the server's hb_services. */
int hb_cq_run_select(void *ctx, const hb_cq_def *def, int64_t start, int64_t end, int64_t now, uint64_t *written,
                     hb_err *err);

/* The WHERE of s replaced by its non-time terms AND [start, end), in a. */
int hb_cq_set_time_range(hb_iql_select *s, int64_t start, int64_t end, hb_arena *a, hb_err *err);

#endif
