#include "main/bootstrap.h"

#include "app/running.h"
#include "app/statements.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "adapters/meta_rocksdb.h"
#include "adapters/storage_local.h"
#include "adapters/wal_file.h"
#include "app/cq_run.h"
#include "app/query_service.h"
#include "app/users.h"
#include "app/retention.h"
#include "base/log.h"
#include "base/workers.h"
#include "engine/run_summary.h"

/* mkdir -p */
static int make_dirs(const char *path, hb_err *err)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) && errno != EEXIST)
            return hb_err_set(err, HB_EIO, "cannot create directory %s: %s", tmp, strerror(errno));
        *p = '/';
    }
    if (mkdir(tmp, 0755) && errno != EEXIST)
        return hb_err_set(err, HB_EIO, "cannot create directory %s: %s", tmp, strerror(errno));
    return HB_OK;
}

static int lock_dir(hb_server *s, hb_err *err)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/LOCK", s->config.storage.dir);
    s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (s->lock_fd < 0)
        return hb_err_set(err, HB_EIO, "cannot open %s: %s", path, strerror(errno));
    if (flock(s->lock_fd, LOCK_EX | LOCK_NB)) {
        close(s->lock_fd);
        s->lock_fd = -1;
        return hb_err_set(err, HB_EBUSY, "%s is in use by another hyperbytedb process", s->config.storage.dir);
    }
    return HB_OK;
}

static uint64_t wal_last_seq(void *ctx)
{
    hb_wal_port *w = ctx;
    return w->last_seq(w->self);
}

static void flush_tick(void *ctx)
{
    hb_services *svc = ctx;
    hb_err err;
    int64_t t0 = hb_mono_ns();
    if (hb_flush_now(&svc->flusher, &err)) {
        hb_counter_add(&svc->metrics.flush_failures, 1);
        hb_log_error("flush failed (retried at the next interval): %s", err.msg);
    }
    hb_hist_observe_ns(&svc->metrics.flush_duration, (uint64_t)(hb_mono_ns() - t0));
}

static void compact_tick(void *ctx)
{
    hb_services *svc = ctx;
    hb_err err;
    int64_t t0 = hb_mono_ns();
    if (hb_compact_now(&svc->compactor, &err)) {
        hb_counter_add(&svc->metrics.compaction_failures, 1);
        hb_log_error("compaction failed (retried at the next interval): %s", err.msg);
    }
    hb_hist_observe_ns(&svc->metrics.compaction_duration, (uint64_t)(hb_mono_ns() - t0));
}

static void retention_tick(void *ctx)
{
    hb_services *svc = ctx;
    hb_err err;
    uint64_t removed = 0;
    if (hb_retention_run(&svc->store, svc->clock.now_ns(svc->clock.self), &removed, &err))
        hb_log_error("retention check failed (retried at the next interval): %s", err.msg);
    hb_counter_add(&svc->metrics.retention_runs, 1);
    hb_counter_add(&svc->metrics.retention_deletions, removed);
}

static void cq_tick(void *ctx)
{
    hb_services *svc = ctx;
    hb_err err;
    if (hb_cq_scheduler_tick(&svc->cq_sched, NULL, &err))
        hb_log_error("continuous queries: check failed (retried at the next interval): %s", err.msg);
}

static void want_flush(void *ctx)
{
    hb_services *svc = ctx;
    hb_ticker_kick(&svc->flush_ticker);
}

static unsigned http_threads(const hb_config *c)
{
    if (c->server.http_threads > 0)
        return (unsigned)c->server.http_threads;
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    n = n > 0 ? 2 * n : 4;
    return (unsigned)(n < 4 ? 4 : n);
}

/* Open Parquet readers keep their file open (one descriptor per cached
 * footer, up to 1024) next to the HTTP connections: use the hard limit on
 * open files, as databases do, rather than a soft default of 1024. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rlim_t was = rl.rlim_cur;
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) == 0)
            hb_log_debug("open files limit raised from %llu to %llu", (unsigned long long)was,
                         (unsigned long long)rl.rlim_max);
    }
}

int hb_server_start(hb_server *s, const hb_config *cfg, hb_err *err)
{
    int rc;
    raise_fd_limit();
    memset(s, 0, sizeof *s);
    s->lock_fd = -1;
    s->config = *cfg;
    const hb_config *c = &s->config;
    hb_services *svc = &s->svc;
    svc->config = c;
    svc->clock = hb_clock_system();
    hb_metrics_init(&svc->metrics);
    svc->started_ns = svc->clock.now_ns(svc->clock.self);

    if ((rc = make_dirs(c->storage.dir, err)) || (rc = make_dirs(c->storage.wal_dir, err)) ||
        (rc = make_dirs(c->storage.meta_dir, err)) || (rc = make_dirs(c->storage.data_dir, err)))
        goto fail;
    if ((rc = lock_dir(s, err)))
        goto fail;

    if ((rc = hb_meta_rocksdb_open(c->storage.meta_dir, &svc->meta, err)))
        goto fail;
    s->meta_open = 1;
    if ((rc = hb_catalog_open(&svc->meta, &svc->catalog, err)))
        goto fail;
    if ((rc = hb_users_open(&svc->meta, c->auth.cache_secs, &svc->users, err)))
        goto fail;

    hb_wal_file_opts wo = {
        .dir = c->storage.wal_dir,
        .fsync = c->storage.wal_fsync,
        .fsync_interval_ms = c->storage.wal_fsync_interval_ms,
        .segment_bytes = c->storage.wal_segment_bytes,
        .max_record_bytes = 0,
        .fsync_hist = &svc->metrics.wal_fsync,
        .bytes_written = &svc->metrics.wal_bytes,
    };
    if ((rc = hb_wal_file_open(&wo, &svc->wal, err)))
        goto fail;
    s->wal_open = 1;
    hb_catalog_set_wal_seq_source(svc->catalog, wal_last_seq, &svc->wal);

    if ((rc = hb_storage_local_open(c->storage.data_dir, &svc->storage, err)))
        goto fail;
    s->storage_open = 1;
    if ((rc = hb_registry_open(&svc->meta, &svc->registry, err)))
        goto fail;
    if ((rc = hb_tombs_open(&svc->meta, &svc->tombs, err)))
        goto fail;
    if ((rc = hb_cq_store_open(&svc->meta, svc->catalog, &svc->cqs, err)))
        goto fail;
    svc->memset = hb_memset_new();
    if (!svc->memset) {
        rc = hb_err_set(err, HB_ENOMEM, "out of memory");
        goto fail;
    }
    if ((rc = hb_store_init(&svc->store, svc->catalog, svc->memset, svc->registry, &svc->storage, err)))
        goto fail;
    s->store_open = 1;
    svc->store.tombs = svc->tombs;
    uint64_t orphans = 0;
    if ((rc = hb_store_remove_orphans(&svc->store, &orphans, err)))
        goto fail;
    if (orphans)
        hb_log_info("removed %llu leftover data files of interrupted flushes or compactions",
                    (unsigned long long)orphans);

    hb_ingest_limits lim = {
        .max_points_per_request = c->server.max_points_per_request,
        .max_line_bytes = c->server.max_line_bytes,
        .memtable_max_bytes = c->flush.memtable_max_bytes,
        .flush_trigger_bytes = c->flush.trigger_bytes < c->flush.memtable_max_bytes / 2
                                   ? c->flush.trigger_bytes
                                   : c->flush.memtable_max_bytes / 2,
    };
    hb_ingest_init(&svc->ingest, svc->catalog, &svc->wal, svc->memset, svc->clock, &lim);
    svc->ingest.want_flush = want_flush;
    svc->ingest.want_flush_ctx = svc;
    svc->ingest.tombs = svc->tombs;
    s->ingest_open = 1;

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint64_t records = 0, points = 0, flushed = hb_registry_flushed_seq(svc->registry);
    if ((rc = hb_ingest_replay(&svc->ingest, flushed, &records, &points, err)))
        goto fail;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    hb_log_info("WAL replay: %llu records, %llu points in %.3f s (records up to %llu are in Parquet files)",
                (unsigned long long)records, (unsigned long long)points,
                (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, (unsigned long long)flushed);

    hb_pq_writer_opts pq;
    hb_pq_writer_opts_default(&pq);
    pq.zstd_level = c->flush.zstd_level;
    pq.row_group_rows = c->flush.row_group_rows;
    hb_flusher_init(&svc->flusher, &svc->store, &svc->wal, svc->clock, &pq);
    s->flusher_open = 1;
    hb_compactor_init(&svc->compactor, &svc->store, &pq, c->compaction.min_files);
    s->compactor_open = 1;
    if (hb_ticker_start(&svc->flush_ticker, (int64_t)c->flush.interval_secs * 1000, flush_tick, svc) ||
        (c->compaction.enabled &&
         hb_ticker_start(&svc->compact_ticker, (int64_t)c->compaction.interval_secs * 1000, compact_tick, svc)) ||
        hb_ticker_start(&svc->retention_ticker, (int64_t)c->retention.check_interval_secs * 1000, retention_tick,
                        svc)) {
        rc = hb_err_set(err, HB_EIO, "cannot start the background services");
        goto fail;
    }
    /* expired files go at once, not after the first interval */
    retention_tick(svc);

    /* query scans lend their decoding to the other cores: one pool thread
     * per core beyond the request's own */
    hb_run_sum_set_budget(c->server.query_summary_cache_bytes);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (!(svc->workers = hb_workers_new(ncpu > 1 ? (size_t)ncpu - 1 : 0))) {
        rc = hb_err_set(err, HB_ENOMEM, "cannot start the query worker threads");
        goto fail;
    }
    if (hb_running_new(&svc->running) ||
        (c->statement_summary.enabled &&
         hb_statements_new((size_t)c->statement_summary.max_entries, &svc->statements))) {
        rc = hb_err_set(err, HB_ENOMEM, "out of memory");
        goto fail;
    }
    if ((rc = hb_query_service_new(svc, &svc->query, err)))
        goto fail;
    hb_cq_scheduler_init(&svc->cq_sched, svc->cqs, svc->clock, hb_cq_run_select, svc);
    if (c->continuous_queries.enabled &&
        hb_ticker_start(&svc->cq_ticker, (int64_t)c->continuous_queries.run_interval_secs * 1000, cq_tick, svc)) {
        rc = hb_err_set(err, HB_EIO, "cannot start the continuous query service");
        goto fail;
    }

    hb_http_opts ho = {
        .bind_address = c->server.bind_address,
        .port = c->server.port,
        .max_body_bytes = c->server.max_body_size_bytes,
        .threads = http_threads(c),
        .max_connections = (unsigned)c->server.max_connections,
        .auth_enabled = c->auth.enabled,
        .failed_login_burst = c->auth.failed_login_burst,
        .failed_login_refill_secs = c->auth.failed_login_refill_secs,
    };
    if ((rc = hb_http_start(&ho, svc, &s->http, err)))
        goto fail;
    hb_log_info("HyperbyteDB %s listening on %s:%d (data in %s)", HB_VERSION, c->server.bind_address,
                c->server.port, c->storage.dir);
    return HB_OK;
fail:
    hb_server_stop(s);
    return rc;
}

void hb_server_stop(hb_server *s)
{
    hb_services *svc = &s->svc;
    if (s->http) {
        hb_http_stop(s->http, 10000);
        s->http = NULL;
        hb_log_info("shutdown: HTTP stopped");
    }
    hb_ticker_stop(&svc->cq_ticker);   /* its runs use the query path */
    hb_cq_scheduler_destroy(&svc->cq_sched);
    if (svc->query) {
        hb_query_service_free(svc->query);
        svc->query = NULL;
    }
    hb_workers_free(svc->workers);
    svc->workers = NULL;
    hb_statements_free(svc->statements);
    svc->statements = NULL;
    hb_running_free(svc->running);
    svc->running = NULL;
    hb_ticker_stop(&svc->retention_ticker);
    hb_ticker_stop(&svc->compact_ticker);
    hb_ticker_stop(&svc->flush_ticker);
    hb_log_info("shutdown: background services stopped");
    if (s->compactor_open) {
        hb_compactor_destroy(&svc->compactor);
        s->compactor_open = 0;
    }
    if (s->flusher_open) {
        /* everything buffered goes to Parquet, so a restart replays nothing */
        hb_err err;
        if (hb_flush_now(&svc->flusher, &err))
            hb_log_error("final flush failed (the WAL keeps the points): %s", err.msg);
        hb_log_info("shutdown: final flush done");
        hb_flusher_destroy(&svc->flusher);
        s->flusher_open = 0;
    }
    if (s->wal_open) {
        hb_err err;
        if (svc->wal.sync(svc->wal.self, &err))
            hb_log_error("WAL sync at shutdown failed: %s", err.msg);
        svc->wal.close(svc->wal.self);
        s->wal_open = 0;
    }
    if (s->ingest_open) {
        hb_ingest_destroy(&svc->ingest);
        s->ingest_open = 0;
    }
    if (s->store_open) {
        hb_store_destroy(&svc->store);
        s->store_open = 0;
    }
    hb_memset_free(svc->memset);
    svc->memset = NULL;
    hb_registry_close(svc->registry);
    svc->registry = NULL;
    hb_tombs_close(svc->tombs);
    svc->tombs = NULL;
    hb_cq_store_close(svc->cqs);
    svc->cqs = NULL;
    if (s->storage_open) {
        svc->storage.close(svc->storage.self);
        s->storage_open = 0;
    }
    hb_users_free(svc->users);
    svc->users = NULL;
    if (svc->catalog) {
        hb_catalog_close(svc->catalog);
        svc->catalog = NULL;
    }
    if (s->meta_open) {
        svc->meta.close(svc->meta.self);
        s->meta_open = 0;
    }
    if (s->lock_fd >= 0) {
        close(s->lock_fd);
        s->lock_fd = -1;
    }
}
