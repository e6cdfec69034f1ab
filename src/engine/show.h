/* The SHOW statements over the catalog, answered as InfluxDB 1.6.7 answers
 * them (index-version "inmem"): SHOW MEASUREMENTS, TAG KEYS, TAG VALUES,
 * FIELD KEYS, SERIES and the MEASUREMENT / SERIES / TAG KEY / TAG VALUES /
 * FIELD KEY [EXACT] CARDINALITY forms, with their ON, FROM, WITH, WHERE,
 * GROUP BY, LIMIT and OFFSET clauses.
 *
 * Semantics reproduced (checked side by side against influxd 1.6.7, see
 * tests/integration/test_show_compat.py):
 *   - SHOW MEASUREMENTS filters whole measurements (a tag comparison asks
 *     "does the measurement have such a value"), the other statements filter
 *     series (a missing tag compares as ""); `_name` names the measurement.
 *   - column names, series naming and order, LIMIT/OFFSET per measurement
 *     where InfluxDB applies them so, series keys in InfluxDB's order (name,
 *     then unescaped tag keys and values), errors with InfluxDB's texts.
 *   - time conditions: SHOW MEASUREMENTS and the cardinality forms refuse
 *     them with InfluxDB's errors (TAG VALUES CARDINALITY answers nothing);
 *     elsewhere they are taken out of the condition as InfluxDB does (even
 *     under OR), with its errors for malformed ones.
 *
 * Known differences, because the catalog keeps neither time nor retention
 * policy per series or field:
 *   - InfluxDB answers a time-bounded TAG KEYS / TAG VALUES from the shard
 *     groups overlapping the range (with the inmem index: the whole database
 *     as soon as one overlaps, nothing when none does), and a time-bounded
 *     SERIES from the series of those shards; here the range is not applied.
 *   - FIELD KEYS, SERIES with a time condition and the exact cardinalities
 *     read only the default (or named) retention policy's shards there; here
 *     series and fields are those of the whole database (the policy named by
 *     a source is checked to exist).
 */
#ifndef HB_ENGINE_SHOW_H
#define HB_ENGINE_SHOW_H

#include "app/catalog.h"
#include "app/result.h"
#include "base/err.h"
#include "domain/influxql/ast.h"

/* Executes a SHOW statement (other than DATABASES / RETENTION POLICIES,
 * which the query service already does) into sr. HB_EUNSUPP for kinds it
 * does not handle; other errors with InfluxDB's text in err. default_db is
 * the request's db parameter (NULL or "" = none). Everything added to sr is
 * allocated from res. */
int hb_show_exec(hb_catalog *cat, const hb_iql_stmt *st, const char *default_db, hb_query_result *res,
                 hb_stmt_result *sr, hb_err *err);
/* The same with the request's rp parameter (NULL or "" = none): the policy
 * of sources that name no database or policy, where the answer depends on
 * one (SHOW FIELD KEYS, SHOW SERIES bounded by time). */
int hb_show_exec_rp(hb_catalog *cat, const hb_iql_stmt *st, const char *default_db, const char *default_rp,
                    hb_query_result *res, hb_stmt_result *sr, hb_err *err);

/* True for the statement kinds hb_show_exec answers. */
int hb_show_handles(hb_iql_stmt_kind kind);

/* How influxd cuts the answer to a SHOW statement into results (what a
 * chunked response shows, and the "partial" of a non-chunked one):
 *   HB_SHOW_ONE_RESULT       everything in one result (MEASUREMENTS, the
 *                            MEASUREMENT/SERIES CARDINALITY estimates);
 *   HB_SHOW_RESULT_PER_SERIES one result per series, never partial (TAG KEYS,
 *                            TAG VALUES);
 *   HB_SHOW_EMITTER          through the SELECT emitter, like a SELECT:
 *                            chunk_size rows per result, a series of more
 *                            than 10000 rows "partial":true even when not
 *                            chunked (FIELD KEYS, SERIES, and the
 *                            cardinalities InfluxDB runs as SELECTs). */
typedef enum hb_show_shape {
    HB_SHOW_ONE_RESULT = 0,
    HB_SHOW_RESULT_PER_SERIES,
    HB_SHOW_EMITTER,
} hb_show_shape;
hb_show_shape hb_show_result_shape(const hb_iql_stmt *st);

#endif
