/* Time in InfluxQL conditions: time literals and the time range of a WHERE
 * clause, as influxql.ConditionExpr splits it off.
 *
 * Literals: RFC3339 ("2023-01-01T00:00:00Z", fractions, offsets),
 * "2023-01-01 00:00:00[.fff]" and "2023-01-01" (UTC, or the statement's
 * tz() zone as Go's time.ParseInLocation reads them), integers and numbers
 * (nanoseconds), duration literals, now(), and sums/differences of those
 * with durations. */
#ifndef HB_ENGINE_TIMEEXPR_H
#define HB_ENGINE_TIMEEXPR_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/tzdb.h"
#include "domain/influxql/ast.h"

typedef struct hb_time_range {
    int has_min, has_max;
    int64_t min, max;       /* inclusive */
} hb_time_range;

/* Parse a time string; 0 and *ns, or HB_EPARSE. */
int hb_time_parse(const char *s, size_t n, int64_t *ns);
/* The same with a time that has no "Z" or offset read as wall-clock time
 * in zone tz (NULL = UTC). */
int hb_time_parse_in(const char *s, size_t n, const hb_tz *tz, int64_t *ns);

/* Value of a time expression (see above), strings read in tz: 0 and
 * *ns, or HB_EINVAL. */
int hb_time_value(const hb_iql_expr *e, int64_t now, const hb_tz *tz, int64_t *ns);

/* Split cond into the time range of its top-level AND-ed time comparisons
 * and the rest (*rest, NULL when nothing is left; nodes from arena).
 * Errors with InfluxDB's texts. */
int hb_time_condition(const hb_iql_expr *cond, int64_t now, const hb_tz *tz, hb_arena *arena, hb_iql_expr **rest,
                      hb_time_range *tr, hb_err *err);

#endif
