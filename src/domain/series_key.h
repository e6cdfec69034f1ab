/* Canonical series keys, escaped the way InfluxDB 1.x escapes them.
 *
 *   measurement[,tag_key=tag_value...]      tags sorted bytewise by key
 *
 * The measurement has ',' and ' ' escaped with a backslash; tag keys and
 * values have ',', ' ' and '=' escaped. Nothing else is escaped (a backslash
 * stays a single backslash): this is the text InfluxDB shows in SHOW SERIES
 * and what it uses as the series identity. Inputs are unescaped names (as
 * in hb_point); the caller passes tags already sorted and unique. */
#ifndef HB_DOMAIN_SERIES_KEY_H
#define HB_DOMAIN_SERIES_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "domain/point.h"

/* Bytes needed for the escaped key (no NUL). */
size_t hb_series_key_len(hb_slice measurement, const hb_tag *tags, uint32_t ntags);

/* Write the escaped key to dst (room for hb_series_key_len bytes); returns
 * the end of what was written. */
char *hb_series_key_write(char *dst, hb_slice measurement, const hb_tag *tags, uint32_t ntags);

/* Append the escaped key to b; HB_ELIMIT/HB_ENOMEM from the buffer. */
int hb_series_key_append(hb_buf *b, hb_slice measurement, const hb_tag *tags, uint32_t ntags);

/* Escaped forms of single names (appended to b). */
int hb_escape_measurement(hb_buf *b, hb_slice s);   /* ',' ' '     */
int hb_escape_tag(hb_buf *b, hb_slice s);           /* ',' ' ' '=' */

#endif
