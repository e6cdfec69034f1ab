/* The metadata catalog: databases, retention policies, measurement schemas
 * (tag keys; field types per retention policy), tag values and the series
 * index (with the policies each series was written into).
 *
 * All of it is held in memory for the hot paths (write admission, SHOW) and
 * written through to a MetaPort (RocksDB on the server) with the seed §8 key
 * schema and JSON values, so it survives restarts. Every function is
 * thread-safe (one rwlock: readers in parallel, changes serialized).
 * Error texts are InfluxDB 1.x's, because they reach clients verbatim. */
#ifndef HB_APP_CATALOG_H
#define HB_APP_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "domain/point.h"
#include "ports/meta_port.h"

typedef struct hb_catalog hb_catalog;

typedef struct hb_rp_info {
    char *name;
    int64_t duration_ns;        /* 0 = infinite */
    int64_t shard_duration_ns;  /* shard group duration */
    int replication;
    int is_default;
    uint64_t wal_floor;         /* WAL sequence number when the policy was created */
} hb_rp_info;

/* For CREATE/ALTER RETENTION POLICY and CREATE DATABASE ... WITH:
 * only the parts with has_* set are given. */
typedef struct hb_rp_spec {
    const char *name;           /* NULL in CREATE DATABASE WITH without NAME -> "autogen" */
    int has_duration;
    int64_t duration_ns;
    int has_replication;
    int replication;
    int has_shard_duration;
    int64_t shard_duration_ns;
    int make_default;
} hb_rp_spec;

/* Loads everything under kv into memory. kv must outlive the catalog. */
int hb_catalog_open(hb_meta_port *kv, hb_catalog **out, hb_err *err);
void hb_catalog_close(hb_catalog *c);

/* --- databases and retention policies (InfluxQL DDL semantics) --- */
/* rp == NULL: default policy "autogen", infinite. Idempotent when it exists
 * with the same policy; a conflicting policy is an error. */
int hb_catalog_create_database(hb_catalog *c, const char *name, const hb_rp_spec *rp, hb_err *err);
/* Dropping a missing database is not an error (InfluxDB). Removes its
 * policies, measurements, tag values and series. */
int hb_catalog_drop_database(hb_catalog *c, const char *name, hb_err *err);
int hb_catalog_has_database(hb_catalog *c, const char *name);
/* In creation order. *names is a malloc'd array of malloc'd strings: free with hb_strv_free. */
int hb_catalog_list_databases(hb_catalog *c, char ***names, size_t *n, hb_err *err);
void hb_strv_free(char **v, size_t n);

int hb_catalog_create_rp(hb_catalog *c, const char *db, const hb_rp_spec *spec, hb_err *err);
int hb_catalog_alter_rp(hb_catalog *c, const char *db, const hb_rp_spec *spec, hb_err *err);
int hb_catalog_drop_rp(hb_catalog *c, const char *db, const char *rp, hb_err *err);
/* In creation order; free with hb_rp_info_free. HB_ENOTFOUND if db is missing. */
int hb_catalog_list_rps(hb_catalog *c, const char *db, hb_rp_info **out, size_t *n, hb_err *err);
void hb_rp_info_free(hb_rp_info *v, size_t n);
/* rp NULL or "" -> the database's default policy. Copies the name into out.
 * HB_ENOTFOUND with InfluxDB's text ("retention policy not found: x"). */
int hb_catalog_resolve_rp(hb_catalog *c, const char *db, const char *rp, char *out, size_t outcap, hb_err *err);

/* WAL records of a policy with sequence numbers <= its floor predate the
 * policy (they belong to a dropped namesake) and are skipped at replay. The
 * catalog asks fn for the current WAL sequence whenever it creates a policy. */
void hb_catalog_set_wal_seq_source(hb_catalog *c, uint64_t (*fn)(void *ctx), void *ctx);
/* HB_ENOTFOUND when the database or policy does not exist. */
int hb_catalog_rp_wal_floor(hb_catalog *c, const char *db, const char *rp, uint64_t *floor);
/* The policy's duration (0 = infinite); HB_ENOTFOUND when it does not exist. */
int hb_catalog_rp_duration(hb_catalog *c, const char *db, const char *rp, int64_t *duration_ns);

/* --- write admission --- */
typedef struct hb_admit_result {
    size_t accepted;     /* points kept: compacted to the front of pts, order kept */
    size_t dropped;      /* points dropped for a field type conflict */
    char reason[512];    /* the first conflict, InfluxDB's text:
                            field type conflict: input field "f" on measurement "m" is type integer, already exists as type float */
} hb_admit_result;

/* For each point written into policy rp (an existing policy's name): check
 * every field's type against the measurement's field set in that policy
 * (types registered by earlier requests or earlier points of this batch;
 * other policies do not matter, as InfluxDB checks per shard); a point with
 * any conflicting field is dropped whole. New measurements, fields, tag
 * keys, tag values, series and the policy's series are registered durably
 * (one synced metadata batch) before returning, and each kept point gets its
 * series_id. Returns an error only for storage failures (nothing is admitted
 * then). */
int hb_catalog_admit(hb_catalog *c, const char *db, const char *rp, hb_point *pts, size_t n, hb_admit_result *res,
                     hb_err *err);

/* --- schema reads (for SHOW and the query engine) --- */
typedef struct hb_field_info {
    char *name;
    hb_ftype type;
} hb_field_info;

/* Sorted by name. Free the arrays with hb_strv_free / hb_field_info_free.
 * Measurements, tag keys, tag values and series are the database's (InfluxDB's
 * index is per database); fields are per retention policy (its field sets
 * are per shard): list_rp_fields gives the fields written into policy rp
 * (NULL or "": the default policy), list_fields the default policy's. */
int hb_catalog_list_measurements(hb_catalog *c, const char *db, char ***names, size_t *n, hb_err *err);
int hb_catalog_list_fields(hb_catalog *c, const char *db, const char *meas, hb_field_info **out, size_t *n, hb_err *err);
int hb_catalog_list_rp_fields(hb_catalog *c, const char *db, const char *rp, const char *meas, hb_field_info **out,
                              size_t *n, hb_err *err);
void hb_field_info_free(hb_field_info *v, size_t n);
int hb_catalog_list_tag_keys(hb_catalog *c, const char *db, const char *meas, char ***keys, size_t *n, hb_err *err);
int hb_catalog_list_tag_values(hb_catalog *c, const char *db, const char *meas, const char *key, char ***vals, size_t *n, hb_err *err);
/* Series keys (canonical escaped form) of a measurement, sorted bytewise. */
int hb_catalog_list_series(hb_catalog *c, const char *db, const char *meas, char ***keys, size_t *n, hb_err *err);

/* Visits the series of db (meas NULL) or of one measurement, in no
 * particular order, without copying: fn gets the series' measurement
 * (unescaped), its canonical key and its id, valid during the call only.
 * Runs under the catalog's read lock: fn must be quick and must not call the
 * catalog. A non-zero return from fn stops the walk and is returned.
 * HB_ENOTFOUND ("database not found: x") for a missing database; an unknown
 * measurement has no series. */
typedef int (*hb_series_visit_fn)(void *ctx, const char *meas, size_t meas_len, const char *key, size_t key_len,
                                  uint64_t id);
int hb_catalog_foreach_series(hb_catalog *c, const char *db, const char *meas, hb_series_visit_fn fn, void *ctx,
                              hb_err *err);
/* The same, only the series written into policy rp (rp NULL: all). */
int hb_catalog_foreach_rp_series(hb_catalog *c, const char *db, const char *rp, const char *meas,
                                 hb_series_visit_fn fn, void *ctx, hb_err *err);
/* Number of series of db (meas NULL) or of one measurement (0 if unknown). */
int hb_catalog_count_series(hb_catalog *c, const char *db, const char *meas, uint64_t *n, hb_err *err);
/* 1 if the measurement's tag key has the value, 0 if the key exists without
 * it, HB_ENOTFOUND if the database, measurement or key does not exist. */
int hb_catalog_tag_value_exists(hb_catalog *c, const char *db, const char *meas, const char *key, const char *val,
                                size_t vlen);
/* Visits the values of a measurement's tag key (no order, no copies, read
 * lock held as for hb_catalog_foreach_series). Nothing for an unknown
 * measurement or key; HB_ENOTFOUND for a missing database. */
int hb_catalog_foreach_tag_value(hb_catalog *c, const char *db, const char *meas, const char *key,
                                 int (*fn)(void *ctx, const char *val, size_t len), void *ctx, hb_err *err);
/* --- DROP SERIES / DROP MEASUREMENT / DELETE --- */
/* Removes the series keys[0..n) (canonical keys; unknown ones and those of
 * other measurements are ignored) of measurement meas, the tag values and
 * tag keys no remaining series of it uses, and the measurement itself with
 * its field sets once no series of it remains (drop_meas: always). One
 * synced metadata batch. Nothing for a missing database or measurement. */
int hb_catalog_drop_series(hb_catalog *c, const char *db, const char *meas, char *const *keys, size_t n,
                           int drop_meas, hb_err *err);

/* Series id of a canonical series key; HB_ENOTFOUND if unknown. */
int hb_catalog_series_id(hb_catalog *c, const char *db, const char *series_key, size_t len, uint64_t *id);

#endif
