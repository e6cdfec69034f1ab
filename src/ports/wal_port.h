/* WalPort: the durable, ordered log every acknowledged write goes through.
 *
 * Records are opaque byte strings; the WAL gives each a sequence number,
 * strictly increasing from 1, and keeps them until released. The ingest
 * service encodes points into records (domain/wal_record.h); the flush
 * service releases records once their points are in registered Parquet files.
 *
 * Durability contract of append: when it returns HB_OK the record survives a
 * crash of the process (kill -9). With fsync policy "always" it also survives
 * power loss, and concurrent appenders share one fsync (group commit).
 * All functions are thread-safe. */
#ifndef HB_PORTS_WAL_PORT_H
#define HB_PORTS_WAL_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef int (*hb_wal_replay_fn)(void *ctx, uint64_t seq, const void *data, size_t len, hb_err *err);

typedef struct hb_wal_port {
    void *self;
    /* Reserve a sequence number and write the record. The record is only
     * durable after wait_durable(seq) returns: callers that must do work
     * under their own lock between ordering and durability split the two.
     * Returns HB_ELIMIT if len exceeds the maximum record size. */
    int (*append)(void *self, const void *data, size_t len, uint64_t *seq_out, hb_err *err);
    /* Block until record seq is durable per the fsync policy (group commit). */
    int (*wait_durable)(void *self, uint64_t seq, hb_err *err);
    /* Call fn for every retained record with seq >= from_seq, in order.
     * A non-zero return from fn stops replay and is returned. */
    int (*replay)(void *self, uint64_t from_seq, hb_wal_replay_fn fn, void *ctx, hb_err *err);
    /* All records with seq <= upto are no longer needed: whole segments whose
     * records are all <= upto are deleted. */
    int (*release)(void *self, uint64_t upto, hb_err *err);
    /* Start a new segment (e.g. at a memtable hand-off), so that released
     * prefixes free whole files. */
    int (*rotate)(void *self, hb_err *err);
    /* Make every appended record durable now (shutdown, policy "never"). */
    int (*sync)(void *self, hb_err *err);
    /* Highest sequence number handed out so far (0 when empty). */
    uint64_t (*last_seq)(void *self);
    /* Bytes currently held in segment files. */
    uint64_t (*disk_bytes)(void *self);
    /* Sync and free. self is invalid afterwards. */
    void (*close)(void *self);
} hb_wal_port;

#endif
