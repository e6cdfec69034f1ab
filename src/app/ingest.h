/* The write path: line protocol body -> parse -> catalog admission -> WAL ->
 * in-memory buffer, with InfluxDB 1.x's answers (status and error text).
 *
 * Ordering: the WAL append and the memtable insert happen under the
 * memset's order lock, so WAL order equals buffer order and a flush
 * hand-off at sequence S covers exactly the records <= S. The fsync wait
 * (group commit) happens outside that lock, so concurrent writers share
 * fsyncs. */
#ifndef HB_APP_INGEST_H
#define HB_APP_INGEST_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "app/catalog.h"
#include "app/memset.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"
#include "ports/clock_port.h"
#include "domain/point.h"
#include "ports/wal_port.h"

typedef struct hb_ingest_limits {
    size_t max_points_per_request;  /* 0 = unlimited */
    size_t max_line_bytes;          /* 0 = unlimited */
    size_t memtable_max_bytes;      /* 0 = unlimited: beyond it writes get 503 */
    size_t flush_trigger_bytes;     /* 0 = never: past it the active memtable asks for a flush */
} hb_ingest_limits;

typedef struct hb_ingest {
    hb_catalog *catalog;
    hb_wal_port *wal;
    hb_memset *memset;
    hb_clock_port clock;
    hb_ingest_limits limits;
    void (*want_flush)(void *ctx);  /* called (cheaply, maybe often) past flush_trigger_bytes */
    void *want_flush_ctx;
    struct hb_tombs *tombs;         /* optional: replay skips the points tombstones deleted */
} hb_ingest;

typedef struct hb_write_req {
    const char *db;          /* may be NULL or "" */
    const char *rp;          /* may be NULL or "" (default policy) */
    const char *precision;   /* may be NULL or "" (ns) */
    const char *body;
    size_t len;
} hb_write_req;

typedef struct hb_write_res {
    int status;              /* 204, 400, 404, 413, 500, 503 */
    hb_buf error;            /* the "error" text when status != 204 (caller frees) */
    size_t points_written;
    int retry_after_secs;    /* for 503 */
} hb_write_res;

int hb_ingest_init(hb_ingest *s, hb_catalog *cat, hb_wal_port *wal, hb_memset *ms, hb_clock_port clock,
                   const hb_ingest_limits *limits);
void hb_ingest_destroy(hb_ingest *s);

/* Handle one /write request. Always fills res (status + error text). */
void hb_ingest_write(hb_ingest *s, const hb_write_req *req, hb_write_res *res);

/* Write points built by the server itself (SELECT ... INTO) into db and
 * policy rpname (NULL or "": the default), exactly as a /write of the same
 * points: the same checks, admission, WAL record, buffer insert, fsync wait
 * and answer in res. Each point needs measurement, series_key, sorted unique
 * tags, at least one field and its time; points may be reordered and
 * rewritten (strings of rewritten fields come from arena). At most
 * limits.max_points_per_request points (413 otherwise). */
void hb_ingest_write_points(hb_ingest *s, const char *db, const char *rpname, hb_point *pts, size_t n,
                            hb_arena *arena, hb_write_res *res);

/* Replay the WAL records after flushed_seq (the earlier ones are in
 * registered Parquet files) into the active memtable at start-up,
 * re-admitting schemas. Returns the counts replayed. */
int hb_ingest_replay(hb_ingest *s, uint64_t flushed_seq, uint64_t *records, uint64_t *points, hb_err *err);

#endif
