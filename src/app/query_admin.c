/* SHOW QUERIES, KILL QUERY, SHOW STATS, SHOW DIAGNOSTICS (see query_admin.h). */
#include "app/query_admin.h"

#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "adapters/wal_file.h"
#include "app/running.h"
#include "app/services.h"
#include "app/statements.h"
#include "http/http.h"

int hb_query_admin_handles(hb_iql_stmt_kind kind)
{
    return kind == HB_IQL_STMT_SHOW_QUERIES || kind == HB_IQL_STMT_KILL_QUERY || kind == HB_IQL_STMT_SHOW_STATS ||
           kind == HB_IQL_STMT_SHOW_DIAGNOSTICS;
}

/* ---- SHOW QUERIES / KILL QUERY ---- */
static int show_queries(hb_services *svc, hb_query_result *res, hb_stmt_result *sr, hb_err *err)
{
    hb_running_info *v = NULL;
    size_t n = 0;
    if (hb_running_list(svc->running, &v, &n))
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    static const char *const cols[] = { "qid", "query", "database", "duration", "status" };
    hb_series_out *s = hb_result_add_series(res, sr, NULL, cols, 5);
    for (size_t i = 0; s && i < n; i++) {
        hb_value *row = hb_result_add_row(res, s);
        if (!row) {
            s = NULL;
            break;
        }
        char d[32];
        hb_running_format_duration(v[i].duration_ns, d);
        row[0] = (hb_value){ .kind = HB_V_INT, .v.i = (int64_t)v[i].qid };
        row[1] = hb_value_str(res, v[i].query);
        row[2] = hb_value_str(res, v[i].db);
        row[3] = hb_value_str(res, d);
        row[4] = hb_value_str(res, v[i].killed ? "killed" : "running");
    }
    hb_running_info_free(v, n);
    return s ? HB_OK : hb_err_set(err, HB_ENOMEM, "out of memory");
}

static int kill_query(hb_services *svc, const hb_iql_stmt *st, hb_err *err)
{
    if (hb_running_kill(svc->running, st->u.kill.id))
        return hb_err_set(err, HB_ENOTFOUND, "no such query id: %" PRIu64, st->u.kill.id);
    return HB_OK;
}

/* ---- SHOW STATS / SHOW DIAGNOSTICS: a series per module ---- */
typedef struct col {
    const char *name;
    hb_value v;
} col;

/* Wanted when no module was named, or this one. */
static int wanted(const hb_iql_stmt *st, const char *module)
{
    return st->u.module.n == 0 || (strlen(module) == st->u.module.n && !memcmp(module, st->u.module.p, st->u.module.n));
}

static int add_module(hb_query_result *res, hb_stmt_result *sr, const char *name, const char *tagk, const char *tagv,
                      const col *c, size_t n)
{
    const char *names[32];
    for (size_t i = 0; i < n; i++)
        names[i] = c[i].name;
    hb_series_out *s = hb_result_add_series(res, sr, name, names, n);
    hb_value *row = s ? hb_result_add_row(res, s) : NULL;
    if (!row)
        return HB_ENOMEM;
    for (size_t i = 0; i < n; i++)
        row[i] = c[i].v;
    if (tagk) {
        hb_kv *kv = hb_arena_alloc(&res->arena, sizeof *kv);
        if (!kv)
            return HB_ENOMEM;
        kv->key = hb_result_strdup(res, tagk);
        kv->val = hb_result_strdup(res, tagv);
        s->tags = kv;
        s->ntags = 1;
    }
    return HB_OK;
}

#define I(x) ((hb_value){ .kind = HB_V_INT, .v.i = (int64_t)(x) })
#define B(x) ((hb_value){ .kind = HB_V_BOOL, .v.b = (x) != 0 })
#define S(x) hb_value_str(res, (x))

/* VmRSS and Threads from /proc/self/status (0 when unreadable). */
static void proc_status(int64_t *rss, int64_t *threads)
{
    *rss = *threads = 0;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        long long v;
        if (sscanf(line, "VmRSS: %lld kB", &v) == 1)
            *rss = v * 1024;
        else if (sscanf(line, "Threads: %lld", &v) == 1)
            *threads = v;
    }
    fclose(f);
}

static uint64_t hist_sum_ns(const hb_histogram *h) { return atomic_load(&((hb_histogram *)h)->sum_ns); }
static uint64_t hist_count(const hb_histogram *h) { return atomic_load(&((hb_histogram *)h)->count); }

static int show_stats(hb_services *svc, const hb_iql_stmt *st, hb_query_result *res, hb_stmt_result *sr, hb_err *err)
{
    const hb_metrics *m = &svc->metrics;
    int rc = HB_OK;
    uint64_t werr = 0;
    for (int k = 0; k < HB_WERR_N; k++)
        werr += hb_counter_get(&m->write_errors[k]);
    uint64_t wreq = hb_counter_get(&m->write_requests);
    if (wanted(st, "runtime")) {
        struct mallinfo2 mi = mallinfo2();
        int64_t rss, threads;
        proc_status(&rss, &threads);
        col c[] = { { "HeapAlloc", I(mi.uordblks) }, { "HeapIdle", I(mi.fordblks) },
                    { "HeapSys", I(mi.arena + mi.hblkhd) }, { "NumThreads", I(threads) }, { "RSS", I(rss) } };
        rc = add_module(res, sr, "runtime", NULL, NULL, c, sizeof c / sizeof c[0]);
    }
    if (rc == HB_OK && wanted(st, "queryExecutor")) {
        col c[] = { { "queriesActive", I(svc->running ? hb_running_count(svc->running) : 0) },
                    { "queriesExecuted", I(hb_counter_get(&m->query_statements)) },
                    { "queryDurationNs", I(hist_sum_ns(&m->query_duration)) },
                    { "queryErrors", I(hb_counter_get(&m->query_errors)) },
                    { "queryReq", I(hb_counter_get(&m->query_requests)) },
                    { "statementSummaryEntries", I(svc->statements ? hb_statements_count(svc->statements) : 0) } };
        rc = add_module(res, sr, "queryExecutor", NULL, NULL, c, sizeof c / sizeof c[0]);
    }
    if (rc == HB_OK && wanted(st, "write")) {
        col c[] = { { "pointReq", I(hb_counter_get(&m->points_ingested)) },
                    { "req", I(wreq) },
                    { "writeError", I(werr) },
                    { "writeOk", I(wreq - werr) } };
        rc = add_module(res, sr, "write", NULL, NULL, c, sizeof c / sizeof c[0]);
    }
    if (rc == HB_OK && wanted(st, "httpd")) {
        char bind[300];
        snprintf(bind, sizeof bind, "%s:%d", svc->config->server.bind_address, svc->config->server.port);
        col c[] = { { "connections", I(atomic_load(&((hb_metrics *)m)->http_connections)) },
                    { "connectionsTotal", I(hb_counter_get(&m->http_connections_total)) },
                    { "pointsWrittenOK", I(hb_counter_get(&m->points_ingested)) },
                    { "queryReq", I(hb_counter_get(&m->query_requests)) },
                    { "req", I(hb_counter_get(&m->http_requests)) },
                    { "writeReq", I(wreq) },
                    { "writeReqBytes", I(hb_counter_get(&m->bytes_ingested)) } };
        rc = add_module(res, sr, "httpd", "bind", bind, c, sizeof c / sizeof c[0]);
    }
    if (rc == HB_OK && wanted(st, "wal")) {
        hb_wal_file_stats ws;
        hb_wal_file_get_stats(&svc->wal, &ws);
        col c[] = { { "appends", I(ws.appends) },
                    { "bytesWritten", I(hb_counter_get(&m->wal_bytes)) },
                    { "fsyncDurationNs", I(hist_sum_ns(&m->wal_fsync)) },
                    { "fsyncs", I(hist_count(&m->wal_fsync)) },
                    { "segments", I(ws.segments) } };
        rc = add_module(res, sr, "wal", NULL, NULL, c, sizeof c / sizeof c[0]);
    }
    if (rc == HB_OK && wanted(st, "flush")) {
        hb_flush_stats fs;
        hb_flusher_stats(&svc->flusher, &fs);
        col c[] = { { "bytesWritten", I(fs.bytes) },
                    { "durationNs", I(hist_sum_ns(&m->flush_duration)) },
                    { "failures", I(fs.failures) },
                    { "filesWritten", I(fs.files) },
                    { "flushes", I(fs.flushes) },
                    { "memtableBytes", I(svc->memset ? hb_memset_bytes(svc->memset) : 0) },
                    { "pointsFlushed", I(fs.rows) } };
        rc = add_module(res, sr, "flush", NULL, NULL, c, sizeof c / sizeof c[0]);
    }
    if (rc == HB_OK && wanted(st, "compaction")) {
        hb_compact_stats cs;
        hb_compactor_stats(&svc->compactor, &cs);
        col c[] = { { "bytesIn", I(cs.bytes_in) },   { "bytesOut", I(cs.bytes_out) },
                    { "durationNs", I(hist_sum_ns(&m->compaction_duration)) },
                    { "failures", I(cs.failures) },  { "filesIn", I(cs.files_in) },
                    { "merges", I(cs.merges) },      { "runs", I(cs.runs) } };
        rc = add_module(res, sr, "compaction", NULL, NULL, c, sizeof c / sizeof c[0]);
    }
    if (rc == HB_OK && wanted(st, "retention")) {
        col c[] = { { "filesDeleted", I(hb_counter_get(&m->retention_deletions)) },
                    { "runs", I(hb_counter_get(&m->retention_runs)) } };
        rc = add_module(res, sr, "retention", NULL, NULL, c, sizeof c / sizeof c[0]);
    }
    return rc ? hb_err_set(err, rc, "out of memory") : HB_OK;
}

/* Go's time.Duration.String() for d >= 0: "11.817507796s", "1m2.5s", "1h0m0s". */
static void go_duration(int64_t ns, char *out, size_t cap)
{
    if (ns < 1000000000) {   /* influxd's uptime is never this small; keep it simple */
        snprintf(out, cap, "%.9gs", (double)ns / 1e9);
        return;
    }
    int64_t h = ns / 3600000000000LL, rem = ns % 3600000000000LL;
    int64_t m = rem / 60000000000LL;
    rem %= 60000000000LL;
    char sec[40];
    int64_t s = rem / 1000000000, frac = rem % 1000000000;
    if (frac) {
        snprintf(sec, sizeof sec, "%" PRId64 ".%09" PRId64, s, frac);
        size_t l = strlen(sec);
        while (sec[l - 1] == '0')
            sec[--l] = '\0';
    } else {
        snprintf(sec, sizeof sec, "%" PRId64, s);
    }
    if (h)
        snprintf(out, cap, "%" PRId64 "h%" PRId64 "m%ss", h, m, sec);
    else if (m)
        snprintf(out, cap, "%" PRId64 "m%ss", m, sec);
    else
        snprintf(out, cap, "%ss", sec);
}

/* RFC 3339 with nanoseconds, trailing zeros trimmed (Go's RFC3339Nano). */
static void rfc3339(int64_t ns, char *out, size_t cap)
{
    time_t sec = (time_t)(ns / 1000000000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    char frac[16] = "";
    if (ns % 1000000000) {
        snprintf(frac, sizeof frac, ".%09d", (int)(ns % 1000000000));
        size_t l = strlen(frac);
        while (frac[l - 1] == '0')
            frac[--l] = '\0';
    }
    snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d%sZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec, frac);
}

static int show_diagnostics(hb_services *svc, const hb_iql_stmt *st, hb_query_result *res, hb_stmt_result *sr,
                            hb_err *err)
{
    const hb_config *cfg = svc->config;
    int rc = HB_OK;
    if (wanted(st, "build")) {
        col c[] = { { "Branch", S("main") }, { "Build Time", S(__DATE__ " " __TIME__) }, { "Commit", S("") },
                    { "Version", S(HB_VERSION) } };
        rc = add_module(res, sr, "build", NULL, NULL, c, sizeof c / sizeof c[0]);
    }
    if (rc == HB_OK && wanted(st, "config")) {
        char bind[300];
        snprintf(bind, sizeof bind, "%s:%d", cfg->server.bind_address, cfg->server.port);
        col c[] = { { "bind-address", S(bind) }, { "reporting-enabled", B(0) } };
        rc = add_module(res, sr, "config", NULL, NULL, c, sizeof c / sizeof c[0]);
    }
    if (rc == HB_OK && wanted(st, "config-compaction")) {
        col c[] = { { "enabled", B(cfg->compaction.enabled) }, { "interval-secs", I(cfg->compaction.interval_secs) },
                    { "min-files", I(cfg->compaction.min_files) } };
        rc = add_module(res, sr, "config-compaction", NULL, NULL, c, sizeof c / sizeof c[0]);
    }
    if (rc == HB_OK && wanted(st, "config-data")) {
        col c[] = { { "data-dir", S(cfg->storage.data_dir) }, { "dir", S(cfg->storage.dir) },
                    { "meta-dir", S(cfg->storage.meta_dir) }, { "wal-dir", S(cfg->storage.wal_dir) },
                    { "wal-fsync", S(hb_fsync_mode_name(cfg->storage.wal_fsync)) },
                    { "wal-segment-bytes", I(cfg->storage.wal_segment_bytes) } };
        rc = add_module(res, sr, "config-data", NULL, NULL, c, sizeof c / sizeof c[0]);
    }
    if (rc == HB_OK && wanted(st, "config-flush")) {
        col c[] = { { "interval-secs", I(cfg->flush.interval_secs) },
                    { "memtable-max-bytes", I(cfg->flush.memtable_max_bytes) },
                    { "trigger-bytes", I(cfg->flush.trigger_bytes) } };
        rc = add_module(res, sr, "config-flush", NULL, NULL, c, sizeof c / sizeof c[0]);
    }
    if (rc == HB_OK && wanted(st, "config-httpd")) {
        char bind[300];
        snprintf(bind, sizeof bind, "%s:%d", cfg->server.bind_address, cfg->server.port);
        col c[] = { { "auth-enabled", B(cfg->auth.enabled) }, { "bind-address", S(bind) },
                    { "max-body-size", I(cfg->server.max_body_size_bytes) },
                    { "max-connection-limit", I(cfg->server.max_connections) },
                    { "query-timeout-secs", I(cfg->server.query_timeout_secs) } };
        rc = add_module(res, sr, "config-httpd", NULL, NULL, c, sizeof c / sizeof c[0]);
    }
    if (rc == HB_OK && wanted(st, "config-logging")) {
        col c[] = { { "format", S(cfg->logging.format) }, { "level", S(cfg->logging.level) } };
        rc = add_module(res, sr, "config-logging", NULL, NULL, c, sizeof c / sizeof c[0]);
    }
    if (rc == HB_OK && wanted(st, "config-retention")) {
        col c[] = { { "check-interval-secs", I(cfg->retention.check_interval_secs) }, { "enabled", B(1) } };
        rc = add_module(res, sr, "config-retention", NULL, NULL, c, sizeof c / sizeof c[0]);
    }
    if (rc == HB_OK && wanted(st, "config-statement-summary")) {
        col c[] = { { "enabled", B(cfg->statement_summary.enabled) },
                    { "max-entries", I(cfg->statement_summary.max_entries) } };
        rc = add_module(res, sr, "config-statement-summary", NULL, NULL, c, sizeof c / sizeof c[0]);
    }
    if (rc == HB_OK && wanted(st, "network")) {
        char host[256] = "";
        gethostname(host, sizeof host - 1);
        col c[] = { { "hostname", S(host) } };
        rc = add_module(res, sr, "network", NULL, NULL, c, sizeof c / sizeof c[0]);
    }
    if (rc == HB_OK && wanted(st, "runtime")) {
        struct utsname u;
        if (uname(&u) != 0)
            memset(&u, 0, sizeof u);
        char compiler[64];
#if defined(__clang__)
        snprintf(compiler, sizeof compiler, "clang %s", __clang_version__);
#elif defined(__GNUC__)
        snprintf(compiler, sizeof compiler, "gcc %d.%d.%d", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
#else
        snprintf(compiler, sizeof compiler, "cc");
#endif
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        col c[] = { { "ARCH", S(u.machine) }, { "CPUS", I(ncpu > 0 ? ncpu : 1) }, { "OS", S(u.sysname) },
                    { "compiler", S(compiler) } };
        rc = add_module(res, sr, "runtime", NULL, NULL, c, sizeof c / sizeof c[0]);
    }
    if (rc == HB_OK && wanted(st, "system")) {
        int64_t now = svc->clock.now_ns(svc->clock.self);
        char cur[64], started[64], up[64];
        rfc3339(now, cur, sizeof cur);
        rfc3339(svc->started_ns, started, sizeof started);
        go_duration(now - svc->started_ns, up, sizeof up);
        col c[] = { { "PID", I(getpid()) }, { "currentTime", S(cur) }, { "started", S(started) },
                    { "uptime", S(up) } };
        rc = add_module(res, sr, "system", NULL, NULL, c, sizeof c / sizeof c[0]);
    }
    return rc ? hb_err_set(err, rc, "out of memory") : HB_OK;
}

int hb_query_admin_exec(hb_services *svc, const hb_iql_stmt *st, hb_query_result *res, hb_stmt_result *sr,
                        hb_err *err)
{
    switch (st->kind) {
    case HB_IQL_STMT_SHOW_QUERIES: return show_queries(svc, res, sr, err);
    case HB_IQL_STMT_KILL_QUERY: return kill_query(svc, st, err);
    case HB_IQL_STMT_SHOW_STATS: return show_stats(svc, st, res, sr, err);
    case HB_IQL_STMT_SHOW_DIAGNOSTICS: return show_diagnostics(svc, st, res, sr, err);
    default: return hb_err_set(err, HB_EUNSUPP, "%s is not implemented yet", hb_iql_stmt_kind_name(st->kind));
    }
}
