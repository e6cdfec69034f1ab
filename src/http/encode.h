/* Encoders for query results: InfluxDB's JSON (compact or pretty). */
#ifndef HB_HTTP_ENCODE_H
#define HB_HTTP_ENCODE_H

#include <stdint.h>

#include "app/result.h"
#include "base/buf.h"

/* epoch_ns: 0 = times as RFC3339Nano strings, else ns per unit (1, 1000, ...). */
int hb_encode_json(const hb_query_result *r, int64_t epoch_ns, int pretty, hb_buf *out);

/* Nanoseconds per unit for the /query epoch parameter (n/ns, u/µ, ms, s, m, h). */
int hb_epoch_unit(const char *s, int64_t *ns);

/* Re-indent compact JSON the way Go's json.MarshalIndent(v, "", "    ") does. */
int hb_json_indent(const char *in, size_t n, hb_buf *out);

#endif
