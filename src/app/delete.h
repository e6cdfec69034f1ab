/* DELETE, DROP SERIES and DROP MEASUREMENT, as InfluxDB 1.6 runs them
 * (coordinator/statement_executor.go, tsdb/store.go DeleteSeries and
 * DeleteMeasurement).
 *
 * Each statement, per measurement it names (FROM names or regexes; none =
 * every measurement of the database):
 *   1. picks the series its WHERE selects, from the catalog (tags only: a
 *      field in the WHERE is InfluxDB's "fields not supported in WHERE
 *      clause during deletion"; DELETE takes a time range from it too);
 *   2. under the order lock (no write is between WAL append and buffer
 *      insert) and the visibility lock: writes a tombstone with the WAL's
 *      last sequence number, durably (app/tombstone.h), then removes the
 *      matching points from every memtable. Files keep their rows until
 *      compaction rewrites them; readers mask them from now on;
 *   3. updates the index (catalog) as influxd does: DROP MEASUREMENT drops
 *      the measurement, DROP SERIES the series (and the measurement when
 *      none is left), DELETE the series that have no point left in any
 *      policy.
 * A crash after 2 keeps the deletion (the tombstone masks files and WAL
 * replay); one between 2 and 3 leaves the series listed by SHOW until the
 * statement is run again. */
#ifndef HB_APP_DELETE_H
#define HB_APP_DELETE_H

#include <stdint.h>

#include "app/store.h"
#include "base/err.h"
#include "domain/influxql/ast.h"
#include "ports/wal_port.h"

typedef struct hb_delete_env {
    hb_store *store;           /* with its tombstone set */
    hb_wal_port *wal;
    int64_t now;               /* now() of the statement */
} hb_delete_env;

/* Runs st (DELETE, DROP SERIES or DROP MEASUREMENT) against database db
 * (the request's; NULL = none). Errors carry InfluxDB's texts. */
int hb_delete_exec(const hb_delete_env *env, const hb_iql_stmt *st, const char *db, hb_err *err);

#endif
