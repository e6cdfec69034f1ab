/* Continuous queries: when a CQ runs and which time range it covers.
 *
 * Pure arithmetic, no I/O, so the rules can be tested without a server.
 * They follow influxd 1.x (services/continuous_querier) exactly:
 *
 *   I = the GROUP BY time interval, O = its offset (influxql's
 *   GroupByOffset: the offset duration % I, negative if written negative),
 *   E = RESAMPLE EVERY, or I;
 *   F = RESAMPLE FOR, or I (E when E > I and FOR is not given);
 *   E' = min(E, I).
 *   trunc(t, d) is Go's time.Truncate: t rounded down to a multiple of d
 *   counted from January 1 of year 1 (not from 1970: the two agree for
 *   intervals dividing a day, but 7d windows start on Mondays while GROUP
 *   BY time(7d) buckets start on Thursdays, exactly as in influxd).
 *
 * State: last_run (the aligned time of the last run) and has_run.
 * At each check at time now:
 *   - due when !has_run (next_run = now) or last_run + E <= now
 *     (next_run = last_run + E); otherwise nothing happens;
 *   - when due, last_run becomes trunc(now - O, E) + O and has_run 1;
 *   - the window is [start, end) with
 *       start = trunc(next_run + I - F - O - 1ns, I) + O
 *       end   = trunc(now + I - E' - O, I) + O
 *     and the CQ runs only if end > start.
 * So a CQ without RESAMPLE runs once per interval, just after the
 * boundary, over the interval that just ended; with RESAMPLE EVERY e FOR f
 * it runs every e and recomputes the intervals of the last f. A run that
 * comes late (the scheduler was busy or the server down) covers every
 * interval since the previous one in one statement. */
#ifndef HB_APP_CQ_WINDOW_H
#define HB_APP_CQ_WINDOW_H

#include <stdint.h>

#include "domain/influxql/ast.h"

typedef struct hb_cq_rule {
    int64_t interval;   /* I > 0; 0: the CQ has no GROUP BY time and never runs (as influxd) */
    int64_t offset;     /* O */
    int64_t every;      /* RESAMPLE EVERY, 0 = not given */
    int64_t for_;       /* RESAMPLE FOR, 0 = not given */
} hb_cq_rule;

typedef struct hb_cq_state {
    int has_run;
    int64_t last_run;
} hb_cq_state;

/* At most this many GROUP BY intervals (beyond the RESAMPLE FOR span) are
 * caught up by one run after the scheduler was stopped for a long time;
 * older windows are skipped (and logged). */
#define HB_CQ_MAX_CATCHUP_INTERVALS 1000

/* Go's time.Truncate on a Unix-nanosecond time (d <= 0: t). */
int64_t hb_cq_go_truncate(int64_t t, int64_t d);

/* The rule of a CQ's SELECT and RESAMPLE options. */
void hb_cq_rule_of(const hb_iql_select *s, int64_t every, int64_t for_, hb_cq_rule *out);

/* The check at time now (see above). Returns 1 when due: *st is advanced
 * and, if the window is not empty, *start and *end are set and *run is 1
 * (*run 0: due but nothing to compute). Returns 0 when not due (*st
 * unchanged). *skipped_before (may be NULL) is set to the window start the
 * catch-up cap cut off, or INT64_MIN when nothing was cut. */
int hb_cq_window_next(const hb_cq_rule *r, hb_cq_state *st, int64_t now, int64_t *start, int64_t *end, int *run,
                      int64_t *skipped_before);

#endif
