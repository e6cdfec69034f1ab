/* The in-memory column model shared by the Parquet writer and reader.
 *
 * A HyperbyteDB Parquet file (DESIGN.md, "Contracts") holds one measurement:
 *   time   INT64, logical TIMESTAMP(NANOS, isAdjustedToUTC=true), REQUIRED, first
 *   tags   BYTE_ARRAY, logical STRING, OPTIONAL (dictionary encoded)
 *   fields DOUBLE | INT64 | INT64 with logical INTEGER(64, unsigned) |
 *          BYTE_ARRAY STRING | BOOLEAN, OPTIONAL
 * Rows are sorted by series key, then time. Key-value metadata names the
 * measurement, the tag columns and the sort order (see parquet_writer.h). */
#ifndef HB_FORMAT_PARQUET_COLUMNS_H
#define HB_FORMAT_PARQUET_COLUMNS_H

#include <stddef.h>
#include <stdint.h>

#include "domain/point.h"

typedef enum hb_pq_role {
    HB_PQ_TIME = 0,
    HB_PQ_TAG,
    HB_PQ_FIELD,
} hb_pq_role;

typedef struct hb_pq_coldef {
    const char *name;
    hb_pq_role role;
    hb_ftype type;        /* time: HB_FT_INTEGER; tags: HB_FT_STRING; fields: the field type */
} hb_pq_coldef;

/* n values of one column. valid: bit i (LSB first in byte i/8) set when row
 * i has a value; NULL = every row has one (time must). values, by type:
 * INTEGER int64_t[], UNSIGNED uint64_t[], FLOAT double[], BOOLEAN uint8_t[]
 * (0/1), STRING hb_slice[]. Entries of null rows are ignored on write and
 * zeroed on read. */
typedef struct hb_pq_colvec {
    const uint8_t *valid;
    const void *values;
} hb_pq_colvec;

static inline int hb_pq_valid(const uint8_t *valid, size_t i)
{
    return !valid || ((valid[i >> 3] >> (i & 7)) & 1);
}

#endif
