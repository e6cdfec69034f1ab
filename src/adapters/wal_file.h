/* WalPort over segment files in one directory (format: format/wal_segment.c).
 *
 * Files: {first_seq:020}.wal segments, plus LOCK (held with flock while
 * open, so two processes never share a WAL). The newest segment is the
 * active one: appends write() to it, so a record survives kill -9 as soon as
 * append returns. Durability against power loss follows the fsync mode:
 *   always   wait_durable group-commits: one waiter fdatasyncs for everyone
 *            waiting, the others sleep until it is done;
 *   interval a background thread fdatasyncs every fsync_interval_ms and
 *            wait_durable returns at once;
 *   never    only rotation, sync and close fdatasync.
 * A segment is rotated (fdatasynced, closed, a new one created and the
 * directory fsynced) when a record would take it past segment_bytes, or on
 * rotate(). release() deletes whole non-active segments.
 *
 * Sequence numbers continue across restarts without any extra file: the
 * active segment is never deleted and its name and header carry its first
 * sequence number, so the next sequence number is that plus its records.
 *
 * Open scans every segment in order and checks checksums and sequence
 * continuity. A torn tail of the newest segment with records (an append
 * interrupted by a crash) is truncated and logged as a warning; so is what
 * a crash in the middle of a rotation leaves (details at "open: scan and
 * recover" in wal_file.c). Anything else (a bad record followed by valid
 * ones, a torn record in an older segment, a missing segment) refuses to
 * open with HB_ECORRUPT naming the file and offset, before changing
 * anything: acknowledged data is never dropped silently.
 *
 * After a failed write or fsync the WAL refuses every further append and
 * wait_durable with HB_EIO (page-cache state is unknown after a failed
 * fsync); restart to recover. */
#ifndef HB_ADAPTERS_WAL_FILE_H
#define HB_ADAPTERS_WAL_FILE_H

#include <stdint.h>

#include "app/config.h"   /* hb_fsync_mode */
#include "base/metric.h"
#include "base/err.h"
#include "ports/wal_port.h"

#define HB_WAL_FILE_DEFAULT_SEGMENT_BYTES (64ull << 20)
#define HB_WAL_FILE_DEFAULT_MAX_RECORD    (64ull << 20)
#define HB_WAL_FILE_DEFAULT_INTERVAL_MS   100

typedef struct hb_wal_file_opts {
    const char *dir;            /* created (with parents) if missing */
    hb_fsync_mode fsync;        /* HB_FSYNC_ALWAYS (0, default) | HB_FSYNC_INTERVAL | HB_FSYNC_NEVER */
    int fsync_interval_ms;      /* interval mode; 0 = 100 */
    uint64_t segment_bytes;     /* rotate before a record would exceed it; 0 = 64 MiB; min 4 KiB.
                                   A record larger than this gets a segment of its own. */
    uint64_t max_record_bytes;  /* append of a longer record fails with HB_ELIMIT; 0 = 64 MiB;
                                   at most HB_WAL_REC_MAX_LEN (1 GiB) */
    /* Tests only (leave NULL): called instead of fdatasync (data_only = 1)
     * or fsync (0) on segment files and the directory; returns 0 or -1 with
     * errno set. Lets tests slow syncs down or make them fail. */
    int (*sync_fn)(void *ctx, int fd, int data_only);
    void *sync_ctx;
    /* Optional metrics (must outlive the WAL): every fsync's latency and
     * the bytes of every appended record. */
    hb_histogram *fsync_hist;
    hb_counter *bytes_written;
} hb_wal_file_opts;

/* Open (or create) the WAL in opts->dir and fill *out. On success the
 * caller owns the WAL and frees it with out->close(out->self). */
int hb_wal_file_open(const hb_wal_file_opts *opts, hb_wal_port *out, hb_err *err);

typedef struct hb_wal_file_stats {
    uint64_t appends;          /* successful appends since open */
    uint64_t fsyncs;           /* fdatasync calls on segment files (group commits, ticks, rotations, sync) */
    uint64_t group_syncs;      /* of those, made by a wait_durable leader in mode "always" */
    uint64_t dir_fsyncs;       /* fsyncs of the directory */
    uint64_t rotations;        /* segments started since open */
    uint64_t segments;         /* segment files held now */
    uint64_t truncated_bytes;  /* torn-tail bytes cut off at open */
} hb_wal_file_stats;

/* Counters of a port returned by hb_wal_file_open (no other port). */
void hb_wal_file_get_stats(const hb_wal_port *port, hb_wal_file_stats *out);

#endif
