/* Server configuration: defaults < TOML file < HYPERBYTEDB__SECTION__KEY env.
 *
 * Every key a user may set is listed in one table in config.c (name, type,
 * offset, bounds); unknown sections or keys stop start-up naming them.
 * hyperbytedb.example.toml documents every key. */
#ifndef HB_APP_CONFIG_H
#define HB_APP_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef enum { HB_FSYNC_ALWAYS = 0, HB_FSYNC_INTERVAL, HB_FSYNC_NEVER } hb_fsync_mode;

typedef struct hb_config {
    struct {
        char bind_address[256];        /* "127.0.0.1" */
        int port;                      /* 8086 */
        uint64_t max_body_size_bytes;  /* 25,000,000 (InfluxDB's default); after gzip inflation too */
        uint64_t max_points_per_request; /* 0 = unlimited; default 1,000,000 */
        uint64_t max_line_bytes;       /* default 1 MiB */
        int query_timeout_secs;        /* 0 = none; default 0 */
        uint64_t query_max_memory_bytes; /* per statement (rows, aggregate states); 0 = none; default 2 GiB */
        uint64_t query_summary_cache_bytes; /* run summaries of all files (engine/run_summary.h); 0 = none;
                                               default 256 MiB */
        int http_threads;              /* 0 = auto (2 x cores, min 4) */
        uint64_t max_connections;      /* default 1024 */
    } server;
    struct {
        char dir[1024];                /* "./hyperbytedb-data" */
        char wal_dir[1024];            /* "" = {dir}/wal */
        char meta_dir[1024];           /* "" = {dir}/meta */
        char data_dir[1024];           /* "" = {dir}/data */
        hb_fsync_mode wal_fsync;       /* "always" | "interval" | "never"; default always */
        int wal_fsync_interval_ms;     /* for "interval"; default 100 */
        uint64_t wal_segment_bytes;    /* default 64 MiB */
    } storage;
    struct {
        int interval_secs;             /* 10 */
        uint64_t memtable_max_bytes;   /* 256 MiB: writes get 503 beyond it */
        uint64_t trigger_bytes;        /* 64 MiB: an active buffer this big is flushed early */
        int zstd_level;                /* 1 (Parquet pages; also compaction output) */
        uint64_t row_group_rows;       /* 65536 */
    } flush;
    struct {
        int interval_secs;             /* 30 */
        int min_files;                 /* 2: an hour with this many files is merged */
        int enabled;                   /* true */
    } compaction;
    struct {
        int check_interval_secs;       /* 1800 */
    } retention;
    struct {
        int enabled;                   /* true */
        int run_interval_secs;         /* 1: how often the scheduler looks for due windows */
    } continuous_queries;
    struct {
        int enabled;                   /* false */
        int cache_secs;                /* 60: successful password checks remembered */
        int failed_login_burst;        /* 10: failed logins per address before throttling */
        int failed_login_refill_secs;  /* 6: one more attempt allowed every N seconds */
    } auth;
    struct {
        char level[16];                /* "info" */
        char format[16];               /* "text" */
    } logging;
    struct {
        int enabled;                   /* true */
        uint64_t max_entries;          /* 1000 */
    } statement_summary;
} hb_config;

/* Fill cfg with the defaults. */
void hb_config_defaults(hb_config *cfg);

/* defaults, then the TOML file at path (may be NULL), then environ overrides.
 * envp is a NULL-terminated "KEY=VALUE" array (pass environ). Derived paths
 * (wal_dir etc. under dir) are resolved at the end. On error, err names the
 * file and line, or the env variable, or the unknown key. */
int hb_config_load(hb_config *cfg, const char *path, char *const *envp, hb_err *err);

/* Set one key from text, as the env override does: section "server", key
 * "port", value "8087". Used by tests and the env layer. */
int hb_config_set(hb_config *cfg, const char *section, const char *key, const char *value, hb_err *err);

/* "always" | "interval" | "never" (static string; "unknown" for other values). */
const char *hb_fsync_mode_name(hb_fsync_mode m);

#endif
