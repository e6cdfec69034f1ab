/* Every stored point of a database as line protocol, read from the Parquet
 * files and the write buffer together (one snapshot): policies and
 * measurements by name, series in key order, points in time order, points
 * written twice for the same series and time merged as a query sees them.
 * Behind GET /debug/export, and how tests check what is stored.
 *
 * raw lists each source (file, then buffer table) on its own without
 * merging them, so a test can prove that no point is stored twice. */
#ifndef HB_APP_EXPORT_H
#define HB_APP_EXPORT_H

#include "app/store.h"
#include "base/buf.h"

/* Append the lines to out. rp NULL = every policy. */
int hb_export_lines(hb_store *st, const char *db, const char *rp, int raw, hb_buf *out, hb_err *err);

#endif
