/* Turning one memtable table into Parquet-ready columns: the row order and
 * duplicate semantics every data file has.
 *
 * For a (db, rp, measurement) table of the write buffer this produces one
 * batch per hour bucket, each with:
 *   - columns: time, then the tag keys of the table sorted by name, then the
 *     fields sorted by name (a series without a tag has nulls there);
 *   - rows sorted by series key, then time;
 *   - one row per (series, time): points written twice for the same series
 *     and timestamp are merged as InfluxDB does, field by field, the last
 *     write of each field winning (fields written only once are kept).
 * The flush service writes each batch as one file; the query engine uses
 * the same rules when it reads the buffer. */
#ifndef HB_APP_FLUSH_BUILD_H
#define HB_APP_FLUSH_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "app/memtable.h"
#include "base/arena.h"
#include "base/err.h"
#include "format/parquet_columns.h"

typedef struct hb_flush_batch {
    int64_t hour;               /* start of the hour bucket (storage_layout.h) */
    size_t ncols;
    hb_pq_coldef *cols;         /* names point into the memtable or the arena */
    hb_pq_colvec *vecs;         /* arena-owned arrays, nrows values each */
    size_t nrows;
    int64_t min_time, max_time;
} hb_flush_batch;

/* Called once per hour bucket, in hour order. A non-zero return stops the
 * build and is returned. */
typedef int (*hb_flush_batch_fn)(void *ctx, const hb_flush_batch *b, hb_err *err);

/* Build the batches of t one hour at a time and hand each to fn. A batch's
 * arrays live in arena, which is reset after each call, so memory stays at
 * one hour's worth; tag and string-field values point into the memtable,
 * which must not change meanwhile (flush a frozen memtable). */
int hb_flush_build(const hb_mt_table *t, hb_arena *arena, hb_flush_batch_fn fn, void *ctx, hb_err *err);

#endif
