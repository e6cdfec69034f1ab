/* The Parquet file registry: which data files exist, what they hold.
 *
 * One metadata entry per file (seed §8, "pq:" keys), written in the same
 * synced batch as the change that needs it: a flush registers its new file,
 * a compaction swaps its inputs for its output in one batch, DROP removes a
 * database's or policy's entries. A file on storage without an entry is an
 * orphan (a crashed flush or compaction) and may be deleted; an entry is
 * only ever added after its file was published.
 *
 * Key:   pq:{db}:{rp}:{measurement}:{min_time}:{id}
 *        (db, rp, measurement escaped with meta_key.h; min_time and id as 16
 *        hex digits, min_time with its sign bit flipped so keys sort by time)
 * Value: {"path":"db/rp/m/2024-01-15/10.parquet","min_time":N,"max_time":N,
 *         "rows":N,"bytes":N,"seq":N[,"tomb":N]}
 *        seq: the highest WAL sequence number whose points the file holds
 *        (a compacted file: the highest of its inputs). Newer data has a
 *        higher seq, so when two files hold the same (series, time) the
 *        one with the higher seq (then the higher id) wins.
 *        tomb (absent = 0): the highest tombstone id whose deletions the
 *        file's writer (a compaction) applied; tombstones with a higher id
 *        and seq >= the file's seq still mask it (app/tombstone.h).
 * Plus "pq_next_id" -> the next file id (decimal), never reused, and
 * "pq_flushed_seq" -> every WAL record <= this is in registered files
 * (decimal; written in the same batch as the flush's files, so WAL replay
 * after a crash skips exactly what was flushed).
 *
 * Everything is also held in memory, per (db, rp, measurement) sorted by
 * min_time, for query planning. Thread-safe. */
#ifndef HB_APP_FILE_REGISTRY_H
#define HB_APP_FILE_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "ports/meta_port.h"

typedef struct hb_file_entry {
    char *path;                 /* storage key */
    char *db, *rp, *measurement;
    int64_t min_time, max_time; /* inclusive */
    uint64_t rows, bytes;
    uint64_t id;                /* unique, from hb_registry_next_id */
    uint64_t seq;               /* newest WAL record in the file (see above) */
    uint64_t tomb;              /* highest tombstone id applied when it was written (app/tombstone.h) */
} hb_file_entry;

typedef struct hb_registry hb_registry;

/* Loads every "pq:" entry. kv must outlive the registry. */
int hb_registry_open(hb_meta_port *kv, hb_registry **out, hb_err *err);
void hb_registry_close(hb_registry *r);

/* A fresh file id (never returned twice, also across restarts). */
uint64_t hb_registry_next_id(hb_registry *r);

/* Atomically register add[] and unregister remove[] (matched by db, rp,
 * measurement, min_time and id) in one synced metadata batch; flushed_seq
 * > 0 also records it as the new "pq_flushed_seq". */
int hb_registry_commit(hb_registry *r, const hb_file_entry *add, size_t nadd, const hb_file_entry *remove,
                       size_t nremove, uint64_t flushed_seq, hb_err *err);

/* The last committed flushed_seq (0 when nothing was ever flushed). */
uint64_t hb_registry_flushed_seq(hb_registry *r);

/* Copies of the files of one measurement whose [min_time, max_time]
 * overlaps [tmin, tmax], by min_time. Free with hb_file_entries_free. */
int hb_registry_files(hb_registry *r, const char *db, const char *rp, const char *meas, int64_t tmin, int64_t tmax,
                      hb_file_entry **out, size_t *n, hb_err *err);

/* Copies of every file of a database (rp NULL) or of one policy. */
int hb_registry_files_of(hb_registry *r, const char *db, const char *rp, hb_file_entry **out, size_t *n, hb_err *err);

/* Copies of every registered file, grouped by (db, rp, measurement) and
 * by min_time within a group. */
int hb_registry_all(hb_registry *r, hb_file_entry **out, size_t *n, hb_err *err);

/* 1 if path is a registered file. */
int hb_registry_has_path(hb_registry *r, const char *path);

void hb_file_entries_free(hb_file_entry *v, size_t n);

/* qsort order of hb_file_entry by (seq, id): older data first, the merge
 * priority of files holding the same points. */
int hb_file_entry_cmp_seq(const void *a, const void *b);

#endif
