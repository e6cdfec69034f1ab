/* InfluxDB line protocol parser.
 *
 *   measurement[,tag_key=tag_value...] field_key=field_value[,...] [timestamp]
 *
 * Behaviour, accepted syntax and error texts follow InfluxDB 1.x exactly
 * (models/points.go): a client must not see a difference. Lines that fail
 * are reported and skipped; valid lines are returned (partial writes). */
#ifndef HB_DOMAIN_LINEPROTO_H
#define HB_DOMAIN_LINEPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "domain/point.h"

typedef struct hb_lp_opts {
    int64_t precision_ns;   /* nanoseconds per timestamp unit: 1, 1000, 1e6, 1e9, 60e9, 3600e9 */
    int64_t default_time;   /* ns; used for lines without a timestamp (the receive time) */
    size_t max_line_bytes;  /* 0 = no cap; a longer line -> HB_ELIMIT */
    size_t max_points;      /* 0 = no cap; more points -> HB_ELIMIT */
} hb_lp_opts;

typedef struct hb_lp_result {
    hb_point *points;       /* arena-owned, in input order */
    size_t npoints;
    size_t nfailed;         /* lines that failed to parse */
    hb_buf errors;          /* InfluxDB's text for the failed lines, e.g.
                               unable to parse 'cpu value=': missing field value
                               (several joined by '\n'); caller frees with hb_buf_free */
} hb_lp_result;

/* Parse body[0..len). Strings in the points point into body or the arena.
 * Returns HB_OK (parse errors are in res), HB_ELIMIT when a cap is exceeded
 * (err says which), HB_ENOMEM. */
int hb_lp_parse(const char *body, size_t len, const hb_lp_opts *opts, hb_arena *arena, hb_lp_result *res,
                hb_err *err);

/* Nanoseconds per unit for a /write precision parameter ("" and "n"/"ns" ->
 * 1, "u"/"µ" -> 1000, "ms", "s", "m", "h"). HB_EINVAL for anything else. */
int hb_lp_precision(const char *s, int64_t *ns_per_unit);

#endif
