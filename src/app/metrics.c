/* Server metrics and their exposition (see metrics.h). */
#include "app/metrics.h"

#include <stdio.h>
#include <string.h>

#include "base/err.h"

static const char *const werr_names[HB_WERR_N] = {
    "parse", "field_type_conflict", "database_not_found", "bad_request", "too_large", "unavailable", "internal",
};

void hb_metrics_init(hb_metrics *m)
{
    memset(m, 0, sizeof *m);
    m->started_mono_ns = hb_mono_ns();
}

const char *hb_metrics_write_kind_name(hb_write_err_kind k) { return (unsigned)k < HB_WERR_N ? werr_names[k] : "?"; }

hb_write_err_kind hb_metrics_write_kind(int status, const char *error)
{
    if (!error)
        error = "";
    switch (status) {
    case 404: return HB_WERR_DB_NOT_FOUND;
    case 413: return HB_WERR_TOO_LARGE;
    case 503: return HB_WERR_UNAVAILABLE;
    case 400:
        if (strstr(error, "field type conflict"))
            return HB_WERR_FIELD_TYPE;
        if (strstr(error, "unable to parse"))
            return HB_WERR_PARSE;
        return HB_WERR_BAD_REQUEST;
    default:
        return status >= 500 ? HB_WERR_INTERNAL : HB_WERR_BAD_REQUEST;
    }
}

void hb_metrics_write_done(hb_metrics *m, int status, const char *error, uint64_t points, uint64_t bytes)
{
    hb_counter_add(&m->write_requests, 1);
    hb_counter_add(&m->bytes_ingested, bytes);
    if (points)
        hb_counter_add(&m->points_ingested, points);
    if (status != 204)
        hb_counter_add(&m->write_errors[hb_metrics_write_kind(status, error)], 1);
}

/* one counter or gauge: its HELP/TYPE head and its sample */
#define SCALAR(type, name, help, value)                                                                          \
    do {                                                                                                         \
        if (rc == HB_OK)                                                                                         \
            rc = hb_metric_head(out, name, type, help);                                                          \
        if (rc == HB_OK)                                                                                         \
            rc = hb_metric_sample(out, name, NULL, value);                                                       \
    } while (0)
#define C(name, help, value) SCALAR("counter", name, help, value)
#define G(name, help, value) SCALAR("gauge", name, help, value)
#define H(name, help, h)                                                                                         \
    do {                                                                                                         \
        if (rc == HB_OK)                                                                                         \
            rc = hb_metric_head(out, name, "histogram", help);                                                   \
        if (rc == HB_OK)                                                                                         \
            rc = hb_metric_hist(out, name, NULL, h);                                                             \
    } while (0)

/* A gauge with one sample per database (label db): its files, or bytes. */
static int per_db(hb_buf *out, const char *name, const char *help, const hb_metrics_gauges *g, int bytes)
{
    int rc = hb_metric_head(out, name, "gauge", help);
    for (size_t i = 0; i < g->ndbs && rc == HB_OK; i++) {
        hb_buf lb;
        hb_buf_init(&lb, 0);
        rc = hb_buf_puts(&lb, "db=");
        if (rc == HB_OK)
            rc = hb_metric_label_value(&lb, g->dbs[i].db);
        if (rc == HB_OK)
            rc = hb_metric_sample(out, name, hb_buf_cstr(&lb), bytes ? g->dbs[i].bytes : g->dbs[i].files);
        hb_buf_free(&lb);
    }
    return rc;
}

int hb_metrics_render(const hb_metrics *m, const hb_metrics_gauges *g, hb_buf *out)
{
    int rc = HB_OK;
    /* writes */
    C("hyperbytedb_write_requests_total", "Write requests received (/write).", hb_counter_get(&m->write_requests));
    C("hyperbytedb_ingestion_points_total", "Points ingested (stored by /write).", hb_counter_get(&m->points_ingested));
    C("hyperbytedb_ingestion_bytes_total", "Line protocol bytes received by /write (after gzip inflation).",
      hb_counter_get(&m->bytes_ingested));
    if (rc == HB_OK)
        rc = hb_metric_head(out, "hyperbytedb_write_errors_total", "counter",
                            "Write requests answered with an error, by kind.");
    for (int k = 0; k < HB_WERR_N && rc == HB_OK; k++) {
        char lb[64];
        snprintf(lb, sizeof lb, "kind=\"%s\"", werr_names[k]);
        rc = hb_metric_sample(out, "hyperbytedb_write_errors_total", lb, hb_counter_get(&m->write_errors[k]));
    }
    /* queries */
    C("hyperbytedb_query_requests_total", "Query requests received (/query).", hb_counter_get(&m->query_requests));
    C("hyperbytedb_query_statements_total", "InfluxQL statements executed.", hb_counter_get(&m->query_statements));
    C("hyperbytedb_query_errors_total", "Failed queries (request errors and statement errors).",
      hb_counter_get(&m->query_errors));
    H("hyperbytedb_query_duration_seconds", "Statement execution time.", &m->query_duration);
    G("hyperbytedb_queries_running", "Statements running now (SHOW QUERIES).", (uint64_t)g->running_queries);
    /* WAL */
    C("hyperbytedb_wal_bytes_written_total", "Bytes appended to the write-ahead log.", hb_counter_get(&m->wal_bytes));
    H("hyperbytedb_wal_fsync_duration_seconds", "Write-ahead log fsync latency.", &m->wal_fsync);
    G("hyperbytedb_wal_segments", "Write-ahead log segment files held.", g->wal_segments);
    /* write buffer, flush, compaction, retention */
    G("hyperbytedb_memtable_bytes", "Bytes held in the in-memory write buffer (active and frozen).",
      g->memtable_bytes);
    G("hyperbytedb_memtables_frozen", "Frozen write buffers waiting for flush.", g->memtables_frozen);
    C("hyperbytedb_flush_total", "Flushes of a write buffer to Parquet.", g->flushes);
    C("hyperbytedb_flush_failures_total", "Flush runs that failed (retried at the next interval).",
      hb_counter_get(&m->flush_failures));
    C("hyperbytedb_flush_points_total", "Points flushed to Parquet.", g->flush_points);
    C("hyperbytedb_flush_files_total", "Parquet files written by flushes.", g->flush_files);
    C("hyperbytedb_flush_bytes_total", "Parquet bytes written by flushes.", g->flush_bytes);
    H("hyperbytedb_flush_duration_seconds", "Flush run duration.", &m->flush_duration);
    C("hyperbytedb_compaction_total", "Compaction runs.", g->compactions);
    C("hyperbytedb_compaction_merges_total", "Groups of files merged into one by compaction.", g->compaction_merges);
    C("hyperbytedb_compaction_files_in_total", "Files merged away by compaction.", g->compaction_files_in);
    C("hyperbytedb_compaction_failures_total", "Compaction runs that failed.", hb_counter_get(&m->compaction_failures));
    H("hyperbytedb_compaction_duration_seconds", "Compaction run duration.", &m->compaction_duration);
    C("hyperbytedb_retention_runs_total", "Retention checks run.", hb_counter_get(&m->retention_runs));
    C("hyperbytedb_retention_deletions_total", "Parquet files deleted by retention.",
      hb_counter_get(&m->retention_deletions));
    /* storage per database */
    if (rc == HB_OK)
        rc = per_db(out, "hyperbytedb_storage_files", "Parquet files on disk, per database.", g, 0);
    if (rc == HB_OK)
        rc = per_db(out, "hyperbytedb_storage_bytes", "Parquet bytes on disk, per database.", g, 1);
    /* HTTP */
    C("hyperbytedb_http_requests_total", "HTTP requests answered.", hb_counter_get(&m->http_requests));
    C("hyperbytedb_http_connections_total", "HTTP connections accepted.", hb_counter_get(&m->http_connections_total));
    int64_t cur = atomic_load_explicit(&((hb_metrics *)m)->http_connections, memory_order_relaxed);
    G("hyperbytedb_http_connections", "HTTP connections open now.", (uint64_t)(cur > 0 ? cur : 0));
    if (rc == HB_OK)
        rc = hb_metric_head(out, "hyperbytedb_uptime_seconds", "gauge", "Seconds since the server started.");
    if (rc == HB_OK)
        rc = hb_metric_sample_f(out, "hyperbytedb_uptime_seconds", NULL,
                                (double)(hb_mono_ns() - m->started_mono_ns) / 1e9);
    return rc;
}
