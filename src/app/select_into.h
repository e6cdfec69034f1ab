/* SELECT ... INTO: runs the SELECT and writes its rows back as points,
 * answering as InfluxDB 1.x does (coordinator's executeSelectStatement and
 * writeInto):
 *
 *  - the target is normalized like any measurement of the statement, before
 *    the sources: no database anywhere is "database name required", an
 *    unknown one "database not found: NAME"; its policy defaults to the
 *    rp parameter, then the database's default. An unknown policy is only
 *    noticed when points are written ("retention policy not found: NAME");
 *  - fill(null) (also the implicit one) becomes fill(none): empty buckets
 *    would give points without fields;
 *  - every output row is one point: measurement = the target's name, or
 *    the row's measurement for :MEASUREMENT; the series' GROUP BY tags are
 *    its tags (empty values left out); every other column but "time" is a
 *    field (so tags selected without GROUP BY become fields), nulls and NaN
 *    left out; a row without any field, with an infinite value or a series
 *    key longer than InfluxDB's limit is dropped and not counted;
 *  - points go through the ordinary write path (hb_ingest_write_points:
 *    admission with type checks per policy, WAL, buffer, fsync wait), in
 *    batches of at most 10,000 points (InfluxDB's buffered writer) and the
 *    server's max_points_per_request, while the SELECT streams its rows;
 *    the first failing batch (a field type conflict: "partial write: ...",
 *    an expired policy's points, an unknown policy) ends the statement
 *    with that error, what earlier batches and that batch's valid points
 *    wrote stays written;
 *  - the answer is one series "result", columns time and written, one row
 *    (epoch 0, points written); on GET it carries InfluxDB's read-only
 *    warning with the normalized statement. */
#ifndef HB_APP_SELECT_INTO_H
#define HB_APP_SELECT_INTO_H

#include "app/catalog.h"
#include "app/ingest.h"
#include "app/result.h"
#include "base/err.h"
#include "domain/influxql/ast.h"
#include "engine/select.h"

/* Points per write batch, as InfluxDB's BufferedPointsWriter. */
#define HB_INTO_BATCH_POINTS 10000

/* Runs s (which has a target) with env (its sink is not used) and writes
 * its rows through ingest; fills sr with the answer. read_only: the
 * request was a GET (adds the warning). */
int hb_select_into_exec(hb_ingest *ingest, hb_catalog *cat, const hb_select_env *env, const hb_iql_select *s,
                        int read_only, hb_query_result *res, hb_stmt_result *sr, hb_err *err);

#endif
