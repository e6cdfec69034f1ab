/* The payload of one WAL record: one accepted write request (db, rp, points).
 * Layout is documented at the top of wal_record.c. */
#ifndef HB_FORMAT_WAL_RECORD_H
#define HB_FORMAT_WAL_RECORD_H

#include <stddef.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "domain/point.h"

/* Append the encoding of (db, rp, pts[0..n)) to out. Points must have
 * series_id set (catalog admission), used to share series between points. */
int hb_wal_record_encode(hb_buf *out, const char *db, const char *rp, const hb_point *pts, size_t n, hb_err *err);

typedef struct hb_wal_batch {
    hb_slice db, rp;
    hb_point *points;   /* arena-owned; series_id is 0 (re-admitted on replay) */
    size_t npoints;
} hb_wal_batch;

/* Decode a record. Strings point into data or the arena; both must outlive
 * the batch. HB_ECORRUPT with the byte offset when the payload is malformed. */
int hb_wal_record_decode(const void *data, size_t len, hb_arena *arena, hb_wal_batch *out, hb_err *err);

#endif
