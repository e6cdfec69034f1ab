/* The in-memory write buffer: every acknowledged point not yet in Parquet.
 *
 * Columnar, per (db, rp, measurement) table, per series: a time column and
 * one column per field (values + validity bitmap), in arrival order. Scans
 * (the query engine, flush) read a table under the read lock; inserts take
 * the write lock. Memory use is tracked so /write can refuse with 503 when
 * the buffer is full instead of growing without bound. */
#ifndef HB_APP_MEMTABLE_H
#define HB_APP_MEMTABLE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "base/hashmap.h"
#include "domain/point.h"

typedef struct hb_mt_column {
    uint8_t *valid;     /* bit r set: row r has a value */
    void *vals;         /* double | int64_t | uint64_t | uint8_t (bool) | hb_slice (string), by table field type */
} hb_mt_column;

typedef struct hb_mt_series {
    uint64_t id;
    hb_slice key;       /* canonical series key (owned) */
    hb_tag *tags;       /* owned, sorted by key */
    uint32_t ntags;
    size_t nrows, cap;
    int64_t *times;
    hb_mt_column *cols; /* [ncols], indexed like the table's fields */
    uint32_t ncols;
    int sorted;         /* times are non-decreasing */
} hb_mt_series;

typedef struct hb_mt_table {
    char *db, *rp, *measurement;
    char **field_names; /* [nfields], in first-seen order */
    hb_ftype *field_types;
    uint32_t nfields, fields_cap;
    hb_mt_series **series; /* [nseries], in first-seen order */
    size_t nseries, series_cap;
    hb_u64map index;    /* series id -> hb_mt_series * */
    hb_strmap field_index; /* field name -> position + 1 */
    hb_arena strings;   /* string field values and series keys/tags */
    size_t rows;
    size_t bytes;       /* approximate heap bytes held by this table */
} hb_mt_table;

typedef struct hb_memtable hb_memtable;

/* Returns a new empty memtable holding one reference owned by the caller
 * (release with hb_memtable_unref, or hb_memtable_free when unshared). */
hb_memtable *hb_memtable_new(void);
void hb_memtable_free(hb_memtable *m);
/* Reference counting, for readers that keep a frozen memtable alive while
 * the flush retires it. ref returns m; the last unref frees. NULL: no-op. */
hb_memtable *hb_memtable_ref(hb_memtable *m);
void hb_memtable_unref(hb_memtable *m);

/* Append points (series_id set, field types already admitted by the catalog).
 * Never fails for being full: callers check hb_memtable_bytes first. */
int hb_memtable_insert(hb_memtable *m, const char *db, const char *rp, const hb_point *pts, size_t n, hb_err *err);

/* Approximate bytes held. */
size_t hb_memtable_bytes(hb_memtable *m);
size_t hb_memtable_rows(hb_memtable *m);

/* Read access: visit every table (db/rp may be NULL = any) under the read
 * lock. fn returns non-zero to stop; that value is returned. */
typedef int (*hb_mt_table_fn)(void *ctx, const hb_mt_table *t);
int hb_memtable_scan(hb_memtable *m, const char *db, const char *rp, hb_mt_table_fn fn, void *ctx);

/* The same, for callers that hold the read lock across several calls. */
void hb_memtable_rdlock(hb_memtable *m);
void hb_memtable_unlock(hb_memtable *m);
int hb_memtable_scan_locked(hb_memtable *m, const char *db, const char *rp, hb_mt_table_fn fn, void *ctx);

/* Drop every table of a database (DROP DATABASE) or of one rp. */
void hb_memtable_drop(hb_memtable *m, const char *db, const char *rp);

/* DELETE / DROP: remove the rows of measurement meas of db (every
 * policy) whose series want() accepts (called with the series key) and
 * whose time is in [tmin, tmax]; series left without rows go, and tables
 * left without series. Returns the rows removed. Takes the write lock. */
size_t hb_memtable_delete(hb_memtable *m, const char *db, const char *meas, int (*want)(void *ctx, hb_slice key),
                          void *ctx, int64_t tmin, int64_t tmax);

static inline int hb_mt_valid(const hb_mt_column *c, size_t row)
{
    return c->valid && (c->valid[row >> 3] >> (row & 7)) & 1;
}

#endif
