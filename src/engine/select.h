/* SELECT: InfluxQL queries over the write buffer and the Parquet files,
 * answered as InfluxDB 1.x answers them.
 *
 * Execution in brief (details in select_*.c):
 *   plan    resolve FROM (databases, policies, measurements, regexes), the
 *           measurements' schemas, wildcards, column names, GROUP BY, and
 *           split WHERE into a time range and the rest;
 *   scan    per measurement, one snapshot of buffer + files, merged by
 *           engine/scan.h in (series key, time) order, only the columns
 *           the query names, files and row groups outside the time range
 *           never read;
 *   rows    raw queries evaluate the field expressions per row;
 *           aggregate queries feed per (group, time bucket) reducers;
 *   output  series by measurement then group tags, rows by time, fill,
 *           ORDER BY, LIMIT/OFFSET, SLIMIT/SOFFSET. */
#ifndef HB_ENGINE_SELECT_H
#define HB_ENGINE_SELECT_H

#include <stdatomic.h>
#include <stdint.h>

#include "app/catalog.h"
#include "app/result.h"
#include "app/store.h"
#include "base/err.h"
#include "domain/influxql/ast.h"

typedef struct hb_select_env {
    hb_store *store;
    hb_catalog *catalog;
    const char *default_db;     /* the db= parameter, may be NULL */
    const char *default_rp;     /* the rp= parameter, may be NULL */
    int64_t now;                /* now() for the whole statement, ns */
    struct hb_workers *workers; /* scans decode files in parallel here; NULL = one thread */
    int64_t deadline_ns;        /* CLOCK_MONOTONIC time the query must end by; 0 = none */
    uint64_t max_memory;        /* bytes a statement may hold (rows, aggregate states); 0 = no cap */
    /* A subquery's statement: its time range is cut to [within_min,
     * within_max], the outer statement's (engine/select_subquery.c). */
    int within;
    int64_t within_min, within_max;
    /* Optional: raw answers go here as they are produced, in time slices
     * small next to max_memory (sr then gets no series); aggregates and
     * the rare shapes the slicer does not take still fill sr. */
    const hb_row_sink *sink;
    const atomic_int *cancel;   /* optional: non-zero stops the statement (the client went away) */
    const atomic_int *kill;     /* optional: non-zero stops the statement (KILL QUERY) */
} hb_select_env;

/* InfluxDB's statement error once the query timeout passed. */
#define HB_SELECT_TIMEOUT_MSG "query-timeout limit exceeded"
/* The statement's error once env->cancel was set. */
#define HB_SELECT_CANCEL_MSG "query interrupted"


/* Run one SELECT into sr. Errors that InfluxDB reports per statement come
 * back as a negative code with its text in err; HB_EUNSUPP for parts not
 * implemented yet (subqueries, INTO, ...). */
int hb_select_exec(const hb_select_env *env, const hb_iql_select *s, hb_query_result *res, hb_stmt_result *sr,
                   hb_err *err);

#endif
