/* Tombstones: what DELETE, DROP SERIES and DROP MEASUREMENT removed and
 * compaction has not yet removed physically.
 *
 * A tombstone names a database, a measurement, either every series of it
 * or a list of series keys, an inclusive time range, and the WAL sequence
 * number `seq` that was the newest when the statement ran. It deletes a
 * row of those series and times held by
 *   - a WAL record with a sequence number <= seq (replay skips it), and
 *   - a registered Parquet file with file.seq <= seq that was not written
 *     after the tombstone existed (file.tomb < tombstone id: a compaction
 *     writes the highest tombstone id it applied into its output's entry).
 * Points written after the statement have higher sequence numbers and stay
 * visible, also at the same series and times (InfluxDB: a DELETE removes
 * what exists at that moment). The write buffer's matching points are
 * removed from the memtables by the statement itself.
 *
 * Metadata keys (the catalog's key schema comment, app/catalog.c):
 *   tomb:{db}:{meas}:{id}   the tombstone ({db}, {meas} escaped as meta_key.h,
 *                           {id} 16 hex digits); value, little-endian:
 *                             "HBT1", u64 seq, i64 tmin, i64 tmax,
 *                             u32 nseries (0xffffffff = every series),
 *                             then nseries times: u32 length, key bytes
 *   tomb_next_id            next tombstone id, decimal (ids start at 1)
 * A tombstone is dropped (one synced delete) once no registered file can
 * hold its rows any more and every WAL record <= its seq is in files
 * (pq_flushed_seq >= seq).
 *
 * Readers take a view (hb_tomb_view) with their snapshot, under the
 * visibility lock, so a tombstone a compaction drops meanwhile still masks
 * the files that snapshot lists. Thread-safe. */
#ifndef HB_APP_TOMBSTONE_H
#define HB_APP_TOMBSTONE_H

#include <stddef.h>
#include <stdint.h>

#include "app/file_registry.h"
#include "base/err.h"
#include "base/hashmap.h"
#include "domain/point.h"
#include "engine/scan.h"
#include "ports/meta_port.h"

typedef struct hb_tomb {
    int refs;                  /* atomic */
    uint64_t id, seq;
    char *db, *meas;
    int64_t tmin, tmax;        /* inclusive */
    int all;                   /* every series of the measurement */
    hb_strmap keys;            /* else: series key -> (void *)1 */
    size_t nkeys;
} hb_tomb;

typedef struct hb_tombs hb_tombs;

/* A reference-holding copy of the tombstones of one database. */
typedef struct hb_tomb_view {
    hb_tomb **v;
    size_t n;
} hb_tomb_view;

/* Loads every tombstone. kv must outlive the set. */
int hb_tombs_open(hb_meta_port *kv, hb_tombs **out, hb_err *err);
void hb_tombs_close(hb_tombs *t);

/* A new tombstone (keys NULL: every series), written durably (one synced
 * batch, together with the puts and deletes already in extra, if any;
 * extra is consumed) before it is added to the set; *id_out its id. */
int hb_tombs_add(hb_tombs *t, const char *db, const char *meas, int64_t tmin, int64_t tmax, uint64_t seq,
                 char *const *keys, size_t nkeys, hb_meta_batch *extra, uint64_t *id_out, hb_err *err);

/* The number of tombstones and the highest id ever handed out. */
size_t hb_tombs_count(hb_tombs *t);
uint64_t hb_tombs_max_id(hb_tombs *t);

/* The tombstones of db (NULL: all); empty when none. Release with
 * hb_tomb_view_release. */
int hb_tombs_view(hb_tombs *t, const char *db, hb_tomb_view *out, hb_err *err);
void hb_tomb_view_release(hb_tomb_view *v);

/* Whether tombstone tb deletes rows of file f (measurement, seq, tomb
 * marker and time range; not the series). */
int hb_tomb_covers_file(const hb_tomb *tb, const hb_file_entry *f);
/* Whether tb deletes series key's point at time ts of WAL record seq. */
int hb_tomb_deletes(const hb_tomb *tb, const char *meas, hb_slice key, int64_t ts, uint64_t seq);
/* Whether tb deletes some rows of series key (any time). */
int hb_tomb_has_series(const hb_tomb *tb, hb_slice key);

/* The scan mask (engine/scan.h) of file f under view v: NULL when no
 * tombstone of v covers it (nothing to pay), else owned by the caller
 * (hb_tomb_mask_free; keeps its own references). */
hb_scan_mask *hb_tomb_mask_new(const hb_tomb_view *v, const hb_file_entry *f);
void hb_tomb_mask_free(hb_scan_mask *m);

/* Drop the tombstones that nothing can hold rows of any more: no file of
 * files[0..n) (every registered file) is covered by it and flushed_seq >=
 * its seq. Synced metadata deletes; returns how many were dropped. Caller
 * holds the visibility lock exclusively (readers' views stay valid: they
 * hold references). */
size_t hb_tombs_gc(hb_tombs *t, const hb_file_entry *files, size_t n, uint64_t flushed_seq, hb_err *err);

#endif
