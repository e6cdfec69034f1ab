/* The compaction service: the files of one hour bucket of a measurement
 * merged into one.
 *
 * Each flush writes a file per (db, rp, measurement, hour) it has points
 * for, so a busy hour collects many small files. A run picks every hour
 * bucket holding at least min_files files and merges them with the scan's
 * streaming k-way merge (engine/scan.h: one row group per input in memory;
 * rows by series key then time; the same (series, time) in two files
 * merged field by field, the newer file winning). The output is published
 * under a fresh name, then, under the visibility lock, registered while the
 * inputs are unregistered in one metadata batch, provided every input is
 * still registered (a DROP or retention may have removed them meanwhile).
 * The inputs are deleted once no snapshot that could read them is open.
 *
 * A crash before the batch leaves an unregistered output (removed at the
 * next start) and the inputs untouched; after it, the inputs are
 * unregistered orphans, removed at the next start. The output keeps the
 * highest seq of its inputs, so it still loses to newer flushes of the
 * same hour. */
#ifndef HB_APP_COMPACT_H
#define HB_APP_COMPACT_H

#include <pthread.h>
#include <stdint.h>

#include "app/store.h"
#include "format/parquet_writer.h"

typedef struct hb_compact_stats {
    uint64_t runs, merges, files_in, rows_out, bytes_in, bytes_out, failures;
} hb_compact_stats;

typedef struct hb_compactor {
    hb_store *store;
    hb_pq_writer_opts pq;
    int min_files;              /* >= 2 */
    pthread_mutex_t run_lock;
    pthread_mutex_t stats_lock;
    hb_compact_stats stats;
} hb_compactor;

void hb_compactor_init(hb_compactor *c, hb_store *store, const hb_pq_writer_opts *pq, int min_files);
void hb_compactor_destroy(hb_compactor *c);

/* Merge every bucket that qualifies. A bucket that fails is logged and
 * left as it was; the first error is returned after the others ran. */
int hb_compact_now(hb_compactor *c, hb_err *err);

void hb_compactor_stats(hb_compactor *c, hb_compact_stats *out);

#endif
