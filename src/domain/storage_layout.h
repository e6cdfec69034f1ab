/* Where Parquet files live: {db}/{rp}/{measurement}/{YYYY-MM-DD}/{HH}[_{id}].parquet
 * (object keys under storage.data_dir), one file per hour bucket.
 *
 * Names are user input, so each of db, rp and measurement is escaped into
 * one safe path segment: bytes outside [A-Za-z0-9_.-] (and a leading '.')
 * become %XX (uppercase hex), '%' included, so the mapping is reversible
 * and "..", "/" or NUL can never leave the data directory. Ordinary names
 * ("telegraf", "autogen", "cpu") are unchanged. */
#ifndef HB_DOMAIN_STORAGE_LAYOUT_H
#define HB_DOMAIN_STORAGE_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

#define HB_HOUR_NS INT64_C(3600000000000)

/* Start of the hour containing t (floor, also for times before 1970). */
int64_t hb_layout_hour(int64_t t);

/* Append name escaped as one segment. */
int hb_layout_escape(hb_buf *b, const char *name, size_t n);
/* Decode one escaped segment into out; HB_EINVAL if malformed. */
int hb_layout_unescape(const char *seg, size_t n, hb_buf *out);

/* "{db}/{rp}/{measurement}/" : the prefix of every file of a measurement. */
int hb_layout_measurement_prefix(hb_buf *b, const char *db, const char *rp, const char *meas, size_t meas_len);

/* The key of a file for the hour starting at hour_ns; id 0 = no suffix. */
int hb_layout_file_key(hb_buf *b, const char *db, const char *rp, const char *meas, size_t meas_len, int64_t hour_ns,
                       uint64_t id);

typedef struct hb_layout_parsed {
    hb_buf db, rp, measurement;   /* unescaped; caller frees with hb_layout_parsed_free */
    int64_t hour_ns;
    uint64_t id;
} hb_layout_parsed;

/* Parse a key made by hb_layout_file_key; HB_EINVAL for anything else. */
int hb_layout_parse_key(const char *key, hb_layout_parsed *out, hb_err *err);
void hb_layout_parsed_free(hb_layout_parsed *p);

#endif
