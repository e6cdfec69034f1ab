/* InfluxQL durations: parsing duration literals ("1h30m", "10u", "2w") and
 * the two textual forms InfluxDB prints.
 *
 *   hb_iql_duration_format  InfluxQL's form, used when a statement is printed
 *                           back (CQ text, SHOW QUERIES): largest unit that
 *                           divides evenly: "0s", "1w", "36h", "90s", "500ms",
 *                           "10u", "3ns".
 *   hb_iql_duration_string  Go's time.Duration form, used in result values
 *                           (SHOW RETENTION POLICIES duration column, error
 *                           texts): "0s", "1h0m0s", "168h0m0s", "1m30s",
 *                           "500ms", "1.5s", "2µs", "-3ns". */
#ifndef HB_DOMAIN_INFLUXQL_DURATION_H
#define HB_DOMAIN_INFLUXQL_DURATION_H

#include <stddef.h>
#include <stdint.h>

#define HB_IQL_NS_PER_US   INT64_C(1000)
#define HB_IQL_NS_PER_MS   INT64_C(1000000)
#define HB_IQL_NS_PER_S    INT64_C(1000000000)
#define HB_IQL_NS_PER_MIN  (INT64_C(60) * HB_IQL_NS_PER_S)
#define HB_IQL_NS_PER_HOUR (INT64_C(60) * HB_IQL_NS_PER_MIN)
#define HB_IQL_NS_PER_DAY  (INT64_C(24) * HB_IQL_NS_PER_HOUR)
#define HB_IQL_NS_PER_WEEK (INT64_C(7) * HB_IQL_NS_PER_DAY)

/* Buffer size that fits any formatted duration, NUL included. */
#define HB_IQL_DURATION_BUFSZ 40

/* Parse an InfluxQL duration (optional leading '-', then one or more
 * <digits><unit> with units ns u µ ms s m h d w) into nanoseconds.
 * Returns 0, or HB_EPARSE with InfluxDB's message in msg:
 * "invalid duration" or "overflowed duration 3000000h: choose a smaller
 * duration or INF". Arithmetic wraps like Go's int64. */
int hb_iql_duration_parse(const char *s, size_t n, int64_t *out, char *msg, size_t msglen);

/* InfluxQL form into buf (>= HB_IQL_DURATION_BUFSZ); returns the length. */
size_t hb_iql_duration_format(int64_t d, char *buf);

/* Go time.Duration.String() form into buf (>= HB_IQL_DURATION_BUFSZ). */
size_t hb_iql_duration_string(int64_t d, char *buf);

#endif
