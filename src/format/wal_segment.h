/* WAL segment file format: header, record framing, and a streaming scanner
 * that tells a clean end from a torn tail from corruption in the middle.
 *
 * The byte-by-byte layout is documented at the top of wal_segment.c. This
 * module does no file management (naming, rotation, truncation): that is
 * adapters/wal_file.c. It reads either a memory buffer or a file descriptor
 * (with pread and a bounded window: a reader holds at most one record plus
 * a read chunk in memory). */
#ifndef HB_FORMAT_WAL_SEGMENT_H
#define HB_FORMAT_WAL_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

#define HB_WAL_SEG_MAGIC     "HBYTEWAL"   /* 8 bytes, no NUL on disk */
#define HB_WAL_SEG_VERSION   1u
#define HB_WAL_SEG_HDR_SIZE  32u
#define HB_WAL_REC_HDR_SIZE  16u
/* Hard format cap on one payload. A length field above it is never valid. */
#define HB_WAL_REC_MAX_LEN   (1u << 30)
/* Header flag: sequence numbers between the previous segment's last record
 * and this segment's first_seq were lost with an unsynced tail in a crash
 * (see adapters/wal_file.c); they must not be reused, and readers accept
 * the gap in front of this segment. */
#define HB_WAL_SEG_FLAG_SEQ_GAP 1u

/* ---- encoding ---------------------------------------------------------- */

/* Segment header for a segment whose first record will have first_seq (>= 1);
 * flags: 0 or HB_WAL_SEG_FLAG_SEQ_GAP. */
void hb_wal_seg_header_encode(uint8_t out[HB_WAL_SEG_HDR_SIZE], uint64_t first_seq, uint32_t flags);

/* Validate a segment header (n bytes available at p). On success stores the
 * first sequence number and the flags (flags may be NULL). HB_ECORRUPT (or
 * HB_EUNSUPP for a newer version or unknown flags) with a message naming
 * `name` otherwise. */
int hb_wal_seg_header_decode(const void *p, size_t n, uint64_t *first_seq, uint32_t *flags, const char *name,
                             hb_err *err);

/* CRC of a record: crc32c over seq (u64 LE) followed by the payload. */
uint32_t hb_wal_rec_crc(uint64_t seq, const void *data, size_t len);

/* Two-phase record header for writers that assign seq under a lock:
 * hb_wal_rec_prepare does all the O(len) work (payload CRC) without knowing
 * seq; hb_wal_rec_header then finishes the header in O(1) for a given seq
 * (CRC combination), so the payload is never copied or re-read under the
 * lock. len must be <= HB_WAL_REC_MAX_LEN. */
typedef struct hb_wal_rec_pre {
    uint32_t len;
    uint32_t payload_crc;  /* crc32c(payload) */
    uint32_t shift;        /* x^(8*len) mod P: moves the seq CRC past the payload */
} hb_wal_rec_pre;

void hb_wal_rec_prepare(hb_wal_rec_pre *pre, const void *data, size_t len);
void hb_wal_rec_header(uint8_t out[HB_WAL_REC_HDR_SIZE], uint64_t seq, const hb_wal_rec_pre *pre);

/* Append one complete framed record to out. HB_ELIMIT if len exceeds
 * HB_WAL_REC_MAX_LEN or out's cap. */
int hb_wal_rec_encode(hb_buf *out, uint64_t seq, const void *data, size_t len);

/* ---- scanning ---------------------------------------------------------- */

typedef enum {
    HB_WAL_SCAN_CLEAN = 0,  /* every byte after the header is a valid record */
    HB_WAL_SCAN_TORN,       /* a bad/incomplete record at bad_off and nothing valid after it */
    HB_WAL_SCAN_CORRUPT,    /* a bad record at bad_off followed by a valid record at next_valid_off,
                               or a valid record with the wrong sequence number */
} hb_wal_scan_status;

typedef struct hb_wal_scan_result {
    uint64_t first_seq;      /* from the header */
    uint32_t flags;          /* from the header */
    uint64_t next_seq;       /* seq after the last valid record (first_seq when none) */
    uint64_t records;        /* number of valid records */
    uint64_t end_off;        /* offset just past the last valid record: the clean length */
    hb_wal_scan_status status;
    uint64_t bad_off;        /* TORN / CORRUPT: offset of the first bad record (== end_off) */
    uint64_t next_valid_off; /* CORRUPT after a bad record: where valid data resumes */
    char reason[160];        /* TORN / CORRUPT: what was wrong with the record at bad_off */
} hb_wal_scan_result;

/* Streaming reader. Fields are private; allocate it anywhere. */
typedef struct hb_wal_seg_reader {
    const char *name;        /* borrowed: must outlive the reader (used in messages) */
    int fd;                  /* -1 for a memory source */
    const uint8_t *mem;      /* memory source (borrowed) */
    uint64_t size;           /* bytes of the source considered */
    uint64_t pos;            /* offset of the next record */
    uint8_t *win;            /* fd source: window buffer, owned */
    size_t win_cap;
    size_t win_len;
    uint64_t win_off;        /* file offset of win[0] */
    int done;
    hb_wal_scan_result res;
} hb_wal_seg_reader;

/* Open a reader over the first `size` bytes of fd (the fd stays the
 * caller's; the reader only preads) or over buf[0..n). Reads and validates
 * the header: HB_ECORRUPT if the source is shorter than a header or the
 * header is invalid, HB_EIO on read errors. The reader needs
 * hb_wal_seg_reader_close even after a failed open. */
int hb_wal_seg_reader_open_fd(hb_wal_seg_reader *r, int fd, uint64_t size, const char *name, hb_err *err);
int hb_wal_seg_reader_open_mem(hb_wal_seg_reader *r, const void *buf, size_t n, const char *name, hb_err *err);

/* Next record: returns 1 and sets seq/data/len (data points into the reader
 * or the memory source and is valid until the next call); 0 at the end of
 * the valid records (see hb_wal_seg_reader_result for clean / torn /
 * corrupt); negative HB_EIO / HB_ENOMEM with err filled. */
int hb_wal_seg_reader_next(hb_wal_seg_reader *r, uint64_t *seq, const void **data, size_t *len, hb_err *err);

/* Result so far; final once next returned 0. Owned by the reader. */
const hb_wal_scan_result *hb_wal_seg_reader_result(const hb_wal_seg_reader *r);

/* Frees the window. Does not close the fd. */
void hb_wal_seg_reader_close(hb_wal_seg_reader *r);

/* Whole-segment scans: call fn (may be NULL) for every valid record, fill
 * res, and return 0 whatever the status; HB_ECORRUPT for a bad header,
 * HB_EIO / HB_ENOMEM, or fn's non-zero return (which stops the scan). */
typedef int (*hb_wal_seg_scan_fn)(void *ctx, uint64_t seq, const void *data, size_t len, hb_err *err);
int hb_wal_seg_scan_buf(const void *buf, size_t n, const char *name, hb_wal_seg_scan_fn fn, void *ctx,
                        hb_wal_scan_result *res, hb_err *err);
int hb_wal_seg_scan_fd(int fd, uint64_t size, const char *name, hb_wal_seg_scan_fn fn, void *ctx,
                       hb_wal_scan_result *res, hb_err *err);

/* "clean" | "torn tail" | "corrupt". Static string. */
const char *hb_wal_scan_status_name(hb_wal_scan_status s);

#endif
