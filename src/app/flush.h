/* The flush service: write buffer -> Parquet files -> file registry ->
 * WAL release.
 *
 * One flush: freeze the active memtable (it then holds exactly the WAL
 * records <= S), write one file per (db, rp, measurement, hour) from it
 * (flush_build.h: sorted by series key, then time, duplicates merged), each
 * published atomically through the StoragePort; then, under the visibility
 * lock, register all of them together with "flushed up to S" in one synced
 * metadata batch and retire the memtable, so a reader sees each point in
 * exactly one place; finally release the WAL up to S.
 *
 * A crash before the registry batch leaves unregistered files (removed at
 * the next start) and the WAL intact (replayed); after it, replay skips
 * the records <= S. Points of a policy dropped meanwhile are not
 * registered; hours wholly older than their policy's retention are not
 * written. */
#ifndef HB_APP_FLUSH_H
#define HB_APP_FLUSH_H

#include <pthread.h>
#include <stdint.h>

#include "app/store.h"
#include "format/parquet_writer.h"
#include "ports/clock_port.h"
#include "ports/wal_port.h"

typedef struct hb_flush_stats {
    uint64_t flushes, files, rows, bytes, failures;
} hb_flush_stats;

typedef struct hb_flusher {
    hb_store *store;
    hb_wal_port *wal;
    hb_clock_port clock;
    hb_pq_writer_opts pq;
    pthread_mutex_t run_lock;   /* one flush at a time */
    pthread_mutex_t stats_lock;
    hb_flush_stats stats;
} hb_flusher;

/* pq NULL = writer defaults. Everything borrowed must outlive the flusher. */
void hb_flusher_init(hb_flusher *f, hb_store *store, hb_wal_port *wal, hb_clock_port clock,
                     const hb_pq_writer_opts *pq);
void hb_flusher_destroy(hb_flusher *f);

/* Freeze the active memtable (when it holds anything) and flush every
 * frozen memtable, oldest first. On error the failed memtable stays queued
 * (its points stay visible and in the WAL) for the next attempt. */
int hb_flush_now(hb_flusher *f, hb_err *err);

void hb_flusher_stats(hb_flusher *f, hb_flush_stats *out);

#endif
