/* Retention: each policy's duration enforced on the Parquet files.
 *
 * Every check_interval_secs, for every policy with a finite duration, the
 * files whose newest point is older than now - duration are unregistered
 * (under the visibility lock, so no snapshot sees half) and deleted once no
 * open snapshot uses them. Hours already past retention are not written by
 * the flush either. Files holding both older and newer points stay until
 * their newest point expires; readers apply the policy's time floor
 * themselves (hb_retention_floor), so a query never returns a point older
 * than its policy allows. */
#ifndef HB_APP_RETENTION_H
#define HB_APP_RETENTION_H

#include <stdint.h>

#include "app/store.h"
#include "ports/clock_port.h"

/* Unregister and retire every expired file at time now. *removed (may be
 * NULL) counts the files. */
int hb_retention_run(hb_store *st, int64_t now, uint64_t *removed, hb_err *err);

/* The oldest time a reader may return from db.rp at time now: now -
 * duration, or INT64_MIN for an infinite (or missing) policy. */
int64_t hb_retention_floor(hb_catalog *cat, const char *db, const char *rp, int64_t now);

#endif
