/* The write buffer as a set of memtables: one active (receiving writes) and
 * a queue of frozen ones (waiting for, or being written by, the flush).
 *
 * Two locks order everything that moves points between the buffer and
 * Parquet files:
 *   - the order lock: held by ingest around WAL append + insert into the
 *     active memtable, by freeze (so a frozen memtable holds exactly the
 *     WAL records <= its upto_seq) and by DROP;
 *   - the visibility lock (rwlock, writers preferred): readers take it
 *     shared while they collect a snapshot (memtables + registered files);
 *     the flush takes it exclusively to register a memtable's files and
 *     retire that memtable in one step, so a reader sees every point
 *     exactly once: in the memtable, or in a file, never both or neither.
 * Lock order: order lock, then visibility lock, then a memtable's own lock. */
#ifndef HB_APP_MEMSET_H
#define HB_APP_MEMSET_H

#include <stddef.h>
#include <stdint.h>

#include "app/memtable.h"
#include "base/err.h"

typedef struct hb_memset hb_memset;

/* Returns a new set with an empty active memtable (caller frees with
 * hb_memset_free), or NULL when out of memory. */
hb_memset *hb_memset_new(void);
void hb_memset_free(hb_memset *ms);

void hb_memset_lock_order(hb_memset *ms);
void hb_memset_unlock_order(hb_memset *ms);
void hb_memset_rdlock(hb_memset *ms);   /* visibility, shared */
void hb_memset_wrlock(hb_memset *ms);   /* visibility, exclusive */
void hb_memset_unlock(hb_memset *ms);

/* The active memtable; valid while the caller holds the order lock. */
hb_memtable *hb_memset_active(hb_memset *ms);

/* Move the active memtable to the end of the frozen queue, recording that
 * it holds the WAL records <= upto_seq, and start a new active one. Caller
 * holds the order lock (upto_seq must be read under it). Returns 1 when
 * something was frozen, 0 when the active memtable was empty (nothing
 * done), HB_ENOMEM. */
int hb_memset_freeze_locked(hb_memset *ms, uint64_t upto_seq);

/* The oldest frozen memtable: 1 with *mt (one reference, caller unrefs)
 * and *upto_seq set, 0 when the queue is empty. */
int hb_memset_oldest_frozen(hb_memset *ms, hb_memtable **mt, uint64_t *upto_seq);

/* Remove mt from the frozen queue (its points are now in registered
 * files). Caller holds the visibility lock exclusively. */
void hb_memset_retire_locked(hb_memset *ms, hb_memtable *mt);

/* References to every memtable, oldest first, active last, into out (room
 * for cap); returns how many (never more than cap; call with the
 * visibility lock held so the set is consistent with the file registry).
 * The caller unrefs each. */
size_t hb_memset_refs_locked(hb_memset *ms, hb_memtable **out, size_t cap);
/* Upper bound for cap above. */
size_t hb_memset_count(hb_memset *ms);

/* Drop the tables of db (rp NULL = every policy) from every memtable.
 * Caller holds the order lock and the visibility lock exclusively. */
void hb_memset_drop_locked(hb_memset *ms, const char *db, const char *rp);

/* DELETE / DROP: hb_memtable_delete on every memtable. Caller holds the
 * order lock and the visibility lock exclusively. Returns rows removed. */
size_t hb_memset_delete_locked(hb_memset *ms, const char *db, const char *meas, int (*want)(void *ctx, hb_slice key),
                               void *ctx, int64_t tmin, int64_t tmax);

/* Bytes held by all memtables, by the active one, and the frozen count. */
size_t hb_memset_bytes(hb_memset *ms);
size_t hb_memset_active_bytes(hb_memset *ms);
size_t hb_memset_frozen_count(hb_memset *ms);

#endif
