/* Continuous queries: their definitions and run state in the metadata
 * store, and the statements CREATE CONTINUOUS QUERY, DROP CONTINUOUS QUERY
 * and SHOW CONTINUOUS QUERIES, answered as influxd 1.6 answers them.
 *
 * Keys (seed §8; components escaped as app/meta_key.h, the name last):
 *
 *   cq:{db}:{name}     the definition, JSON:
 *       {"name":"cq1","database":"db0","id":3,
 *        "query_text":"CREATE CONTINUOUS QUERY cq1 ON db0 BEGIN ... END",
 *        "resample_every_ns":0,"resample_for_ns":0,
 *        "created_at":"2026-11-24T12:00:00Z"}
 *     query_text is the statement as influxd stores and lists it: every
 *     measurement (FROM, INTO, subqueries) qualified with its database and
 *     retention policy. The scheduler re-parses it; the other members are
 *     informative. id (from cq_next_id) orders a database's CQs by creation
 *     and tells a CQ from an earlier namesake.
 *   cqrun:{db}:{name}  the scheduler's state, JSON:
 *       {"id":3,"last_run":1700000060000000000,
 *        "window_start":1700000000000000000,"window_end":1700000060000000000}
 *     last_run is influxd's in-memory "last run" (app/cq_window.h), kept
 *     here so a restart continues the schedule; the window is the last one
 *     computed (absent when the run had nothing to compute). A state whose id
 *     differs from the definition's belongs to a dropped namesake and is
 *     ignored.
 *   cq_next_id         next definition id, decimal
 *
 * DROP DATABASE deletes the database's "cq:" and "cqrun:" keys in its own
 * batch (app/catalog.c). Writes are synced. Thread-safe (one mutex). */
#ifndef HB_APP_CQ_H
#define HB_APP_CQ_H

#include <stdint.h>

#include "app/catalog.h"
#include "app/cq_window.h"
#include "app/result.h"
#include "base/arena.h"
#include "base/err.h"
#include "domain/influxql/ast.h"
#include "ports/meta_port.h"

typedef struct hb_cq_store hb_cq_store;

typedef struct hb_cq_def {
    char *db, *name, *query;   /* malloc'd */
    uint64_t id;
} hb_cq_def;

/* meta and cat must outlive the store. */
int hb_cq_store_open(hb_meta_port *meta, hb_catalog *cat, hb_cq_store **out, hb_err *err);
void hb_cq_store_close(hb_cq_store *cs);

/* Every CQ of every existing database: databases in creation order, each
 * database's CQs in creation order. Free with hb_cq_defs_free. */
int hb_cq_list(hb_cq_store *cs, hb_cq_def **out, size_t *n, hb_err *err);
void hb_cq_defs_free(hb_cq_def *v, size_t n);

/* The persisted run state of def (has_run 0 when none). */
int hb_cq_state_get(hb_cq_store *cs, const hb_cq_def *def, hb_cq_state *st, hb_err *err);
/* Persist st (and the window, when has_window) if def still exists with
 * the same id; a dropped CQ is left alone (HB_OK). */
int hb_cq_state_put(hb_cq_store *cs, const hb_cq_def *def, const hb_cq_state *st, int has_window, int64_t start,
                    int64_t end, hb_err *err);

/* CREATE CONTINUOUS QUERY: st's SELECT is normalized in place (arena a
 * holds the new names) as influxd's statement normalizer does (default
 * database: the db parameter, else the CQ's; default policy: the rp
 * parameter, else the database's default), then every policy named must
 * exist, then the database; the same name with the same text is
 * accepted, another text is "continuous query already exists". *text_out
 * (may be NULL) gets the stored text in a. now: created_at. */
int hb_cq_create(hb_cq_store *cs, hb_iql_stmt *st, const char *default_db, const char *default_rp, hb_arena *a,
                 int64_t now, const char **text_out, hb_err *err);
/* DROP CONTINUOUS QUERY: a missing CQ or database is not an error (influxd 1.6). */
int hb_cq_drop(hb_cq_store *cs, const char *db, const char *name, hb_err *err);
/* SHOW CONTINUOUS QUERIES: one series per database (also without CQs),
 * columns name and query. */
int hb_cq_show(hb_cq_store *cs, hb_query_result *res, hb_stmt_result *sr, hb_err *err);

#endif
