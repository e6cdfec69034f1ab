/* WalPort in memory: the semantics of adapters/wal_file.h without files,
 * for unit tests and the deterministic simulator.
 *
 * Same sequence numbering, same segment accounting (a segment is "rotated"
 * when a record would take it past segment_bytes or on rotate(); release
 * frees whole non-active segments; disk_bytes counts the bytes the file
 * adapter would hold: a 32-byte header per segment, 16 + len per record),
 * same HB_ELIMIT for oversized records. Every append is immediately
 * "durable": wait_durable and sync return at once. No background threads. */
#ifndef HB_ADAPTERS_WAL_MEMORY_H
#define HB_ADAPTERS_WAL_MEMORY_H

#include <stdint.h>

#include "base/err.h"
#include "ports/wal_port.h"

typedef struct hb_wal_memory_opts {
    uint64_t segment_bytes;     /* 0 = 64 MiB */
    uint64_t max_record_bytes;  /* 0 = 64 MiB; at most 1 GiB */
} hb_wal_memory_opts;

/* opts may be NULL (defaults). On success the caller owns the WAL and frees
 * it with out->close(out->self). */
int hb_wal_memory_open(const hb_wal_memory_opts *opts, hb_wal_port *out, hb_err *err);

typedef struct hb_wal_memory_stats {
    uint64_t appends;    /* successful appends */
    uint64_t records;    /* records held now */
    uint64_t segments;   /* segments held now (including the active one) */
    uint64_t rotations;  /* segments started */
} hb_wal_memory_stats;

/* Counters of a port returned by hb_wal_memory_open (no other port). */
void hb_wal_memory_get_stats(const hb_wal_port *port, hb_wal_memory_stats *out);

#endif
