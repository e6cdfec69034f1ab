/* The server's metrics: one hb_metrics per server (hangs off hb_services),
 * updated with relaxed atomics from the write, query, WAL, flush,
 * compaction, retention and HTTP paths, and rendered for GET /metrics in
 * the Prometheus text format. Names are hyperbytedb_*. */
#ifndef HB_APP_METRICS_H
#define HB_APP_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/metric.h"

/* Why a /write was refused (label kind of hyperbytedb_write_errors_total). */
typedef enum {
    HB_WERR_PARSE = 0,         /* unable to parse (400, also partial writes) */
    HB_WERR_FIELD_TYPE,        /* field type conflict (400) */
    HB_WERR_DB_NOT_FOUND,      /* 404 */
    HB_WERR_BAD_REQUEST,       /* other 400s: no db, bad precision, ... */
    HB_WERR_TOO_LARGE,         /* 413 */
    HB_WERR_UNAVAILABLE,       /* 503: write buffer full */
    HB_WERR_INTERNAL,          /* 500 */
    HB_WERR_N
} hb_write_err_kind;

typedef struct hb_metrics {
    hb_counter write_requests, points_ingested, bytes_ingested;
    hb_counter write_errors[HB_WERR_N];
    hb_counter query_requests, query_statements, query_errors;
    hb_histogram query_duration;     /* per statement */
    hb_counter wal_bytes;
    hb_histogram wal_fsync;
    hb_histogram flush_duration, compaction_duration;
    hb_counter flush_failures, compaction_failures, retention_runs, retention_deletions;
    hb_counter http_requests, http_connections_total;
    _Atomic int64_t http_connections;
    int64_t started_mono_ns;
} hb_metrics;

/* What is read from the services at scrape time. */
typedef struct hb_metrics_db {
    char *db;
    uint64_t files, bytes;
} hb_metrics_db;

typedef struct hb_metrics_gauges {
    uint64_t memtable_bytes;
    uint64_t memtables_frozen;
    uint64_t flushes, flush_points, flush_files, flush_bytes;
    uint64_t compactions, compaction_merges, compaction_files_in;
    uint64_t wal_segments;
    int64_t running_queries;
    const hb_metrics_db *dbs;   /* sorted by db */
    size_t ndbs;
} hb_metrics_gauges;

void hb_metrics_init(hb_metrics *m);
/* The write outcome of one /write: status 204 or the error status and text. */
void hb_metrics_write_done(hb_metrics *m, int status, const char *error, uint64_t points, uint64_t bytes);
hb_write_err_kind hb_metrics_write_kind(int status, const char *error);
const char *hb_metrics_write_kind_name(hb_write_err_kind k);
/* The whole exposition: counters, histograms and g. */
int hb_metrics_render(const hb_metrics *m, const hb_metrics_gauges *g, hb_buf *out);

/* Reads the gauges from the services and renders (metrics_scrape.c). */
struct hb_services;
int hb_metrics_scrape(struct hb_services *svc, hb_buf *out);

#endif
