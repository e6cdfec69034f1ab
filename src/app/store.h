/* The data store: the write buffer (memset) and the Parquet files (file
 * registry + StoragePort) seen together, as every reader and background
 * service needs them.
 *
 * Snapshots: a reader takes a snapshot (references to the memtables and
 * copies of the registry entries, collected under the visibility lock, see
 * memset.h) and reads from it at leisure; every point is in exactly one of
 * them. Files a snapshot lists stay on storage until it is released: a
 * compaction, retention or DROP that unregisters files hands them to
 * hb_store_retire_files, which deletes them only when no snapshot taken
 * before the unregistering is still open (epochs: each retirement closes an
 * epoch; a snapshot pins the epoch it started in).
 *
 * A crash loses the list of files waiting for deletion; they are then
 * orphans (on storage, not registered) and hb_store_remove_orphans, run at
 * start-up before any writer, deletes them. */
#ifndef HB_APP_STORE_H
#define HB_APP_STORE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "app/catalog.h"
#include "app/file_registry.h"
#include "app/memset.h"
#include "app/tombstone.h"
#include "base/err.h"
#include "format/parquet_reader.h"
#include "ports/storage_port.h"

struct hb_scan_source;

typedef struct hb_store_pending hb_store_pending;

typedef struct hb_store {
    hb_catalog *catalog;
    hb_memset *memset;
    hb_registry *registry;
    hb_storage_port *storage;
    hb_pq_footer_cache *footers;
    pthread_mutex_t gc_lock;
    uint64_t epoch;                 /* current epoch (guarded by gc_lock) */
    uint64_t *pins;                 /* epochs pinned by open snapshots (multiset) */
    size_t npins, pins_cap;
    hb_store_pending *pending;      /* retired files waiting for old snapshots */
    uint64_t files_deleted;         /* counters (gc_lock) */
    hb_tombs *tombs;                /* DELETE/DROP tombstones; NULL = none (set once before use) */
} hb_store;

typedef struct hb_snapshot {
    hb_memtable **memtables;        /* oldest first, active last; one reference each */
    size_t nmemtables;
    hb_file_entry *files;           /* registered files of the database (policy), by (seq, id) */
    size_t nfiles;
    uint64_t pin;
    hb_tomb_view tombs;             /* the database's tombstones when the snapshot was taken */
} hb_snapshot;

/* Everything is borrowed and must outlive the store. */
int hb_store_init(hb_store *s, hb_catalog *cat, hb_memset *ms, hb_registry *reg, hb_storage_port *st, hb_err *err);
/* Deletes what can be deleted and frees the rest of the pending list (a
 * restart finds those as orphans). */
void hb_store_destroy(hb_store *s);

/* A snapshot of database db (rp NULL = every policy). Release with
 * hb_store_release. */
int hb_store_snapshot(hb_store *s, const char *db, const char *rp, hb_snapshot *out, hb_err *err);
void hb_store_release(hb_store *s, hb_snapshot *snap);

/* The scan sources (engine/scan.h) of measurement meas of db.rp in snap,
 * in merge priority order: its registered files overlapping [tmin, tmax]
 * by (seq, id), opened through the footer cache (with the scan mask of the
 * snapshot's tombstones covering them, if any), then its tables in the
 * buffer, oldest memtable first. The caller holds every snapshot
 * memtable's read lock while it uses them. *src (caller frees with
 * hb_store_sources_release) holds *n entries. */
int hb_store_sources(hb_store *s, const hb_snapshot *snap, const char *db, const char *rp, const char *meas,
                     int64_t tmin, int64_t tmax, struct hb_scan_source **src, size_t *n, hb_err *err);
void hb_store_sources_release(hb_store *s, struct hb_scan_source *src, size_t n);

/* Files just unregistered: delete each once no older snapshot can read it.
 * Call right after the registry commit that removed them (still under the
 * visibility lock when the commit was made under it). Copies the keys. */
void hb_store_retire_files(hb_store *s, const hb_file_entry *files, size_t n);
/* Delete every retired file no open snapshot can see; returns how many. */
size_t hb_store_collect(hb_store *s);

/* DROP DATABASE (rp NULL) / DROP RETENTION POLICY: the catalog change,
 * the buffered points and the registered files, in one step no writer or
 * reader can see half of; the files are deleted once unused. */
int hb_store_drop(hb_store *s, const char *db, const char *rp, hb_err *err);

/* Start-up: remove leftovers of interrupted writes and every Parquet file
 * on storage that is not registered. Run before any flush or compaction. */
int hb_store_remove_orphans(hb_store *s, uint64_t *removed, hb_err *err);

#endif
