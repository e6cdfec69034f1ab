/* InfluxDB line protocol parser.
 *
 *   measurement[,tag_key=tag_value...] field_key=field_value[,...] [timestamp]
 *
 * Behaviour, accepted syntax and error texts follow InfluxDB 1.x exactly
 * (models/points.go): a client must not see a difference. Lines that fail
 * are reported and skipped; valid lines are returned (partial writes).
 *
 * What InfluxDB 1.x does that callers must know (verified against 1.6.7):
 *  - A line ends at '\n' unless a backslash escapes it or it is inside a
 *    quoted string field. A '\r' before that '\n' is dropped (CRLF line
 *    endings work; InfluxDB 1.x fails such lines with "invalid number",
 *    see docs/compatibility.md). Blank lines and lines whose first non-blank byte is
 *    '#' are skipped; leading ' ', '\t' and NUL bytes are ignored.
 *  - The 'u' (unsigned) suffix is rejected ("invalid number") unless
 *    opts->allow_unsigned is set (InfluxDB's optional uint64 build).
 *  - A field key repeated in one line: the last value wins (kept at the
 *    position of the first occurrence). InfluxDB still checks every
 *    occurrence's type against the schema, so replaced occurrences of a
 *    different type are listed in res->fdups for the ingest layer.
 *  - Lines without a timestamp get default_time truncated to the precision.
 *  - Fields named "time" and tags keyed "time" are returned as parsed: the
 *    ingest layer applies InfluxDB's rules for them.
 * Strings in points may be shared: points of one series share one tags
 * array and one series key. Treat everything returned as read-only. */
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
    int allow_unsigned;     /* 0: "1u" is "invalid number" (stock InfluxDB 1.x); 1: uint64 fields */
    size_t max_error_bytes; /* cap on res->errors; 0 = HB_LP_DEFAULT_MAX_ERROR_BYTES. Messages
                               that do not fit are left out (nfailed still counts them) */
} hb_lp_opts;

#define HB_LP_DEFAULT_MAX_ERROR_BYTES ((size_t)8 << 20)
/* InfluxDB's MaxKeyLength: series key, and series key + 4 + field key. */
#define HB_LP_MAX_KEY_LENGTH 65535

/* An earlier occurrence of a field key repeated within one line, whose type
 * differs from the occurrence that replaced it (see above). */
typedef struct hb_lp_fdup {
    size_t point;           /* index into res->points */
    hb_slice key;           /* unescaped */
    hb_ftype type;
} hb_lp_fdup;

typedef struct hb_lp_result {
    hb_point *points;       /* arena-owned, in input order */
    size_t npoints;
    size_t nfailed;         /* lines that failed to parse */
    hb_buf errors;          /* InfluxDB's text for the failed lines, e.g.
                               unable to parse 'cpu value=': missing field value
                               (several joined by '\n'); caller frees with hb_buf_free */
    hb_lp_fdup *fdups;      /* arena-owned; usually NULL */
    size_t nfdups;
} hb_lp_result;

/* Parse body[0..len). Strings in the points point into body or the arena.
 * Returns HB_OK (parse errors are in res), HB_ELIMIT when a cap is exceeded
 * (err says which; also when the arena's cap is reached), HB_ENOMEM.
 * res is always initialised (also on failure, holding what was parsed so
 * far): the caller always calls hb_buf_free(&res->errors). */
int hb_lp_parse(const char *body, size_t len, const hb_lp_opts *opts, hb_arena *arena, hb_lp_result *res,
                hb_err *err);

/* Nanoseconds per unit for a /write precision parameter, as InfluxDB 1.8
 * reads it: "" / "n" / "ns" -> 1, "u" (or "µ") -> 1000, "ms", "s", "m", "h".
 * HB_EINVAL for anything else (InfluxDB 1.8 answers 400; 1.6 silently
 * used nanoseconds, which mis-scales timestamps). */
int hb_lp_precision(const char *s, int64_t *ns_per_unit);

#endif
