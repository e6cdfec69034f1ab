/* Parquet file writer: columns in (parquet_columns.h), one Parquet file out,
 * streamed through a StoragePort writer and published atomically.
 *
 * The byte layout HyperbyteDB writes is documented at the top of
 * parquet_writer.c. In short: data pages v1, ZSTD (or uncompressed) page
 * bodies, time and integers DELTA_BINARY_PACKED, strings RLE_DICTIONARY with
 * PLAIN fallback, doubles and booleans PLAIN, page and column-chunk
 * statistics, and these key-value metadata entries in the footer:
 *   "hyperbytedb.measurement"  the measurement name (when opts->measurement set)
 *   "hyperbytedb.tags"         tag column names in column order, joined by ','
 *                              with ',' and '\' escaped by a '\'
 *   "hyperbytedb.sort"         "series,time": rows sorted by series key, then time
 *   "hyperbytedb.format"       "1"
 *
 * A writer is used by one thread at a time. After any error from append or
 * finish the writer is failed: only hb_pq_writer_abort may follow. */
#ifndef HB_FORMAT_PARQUET_WRITER_H
#define HB_FORMAT_PARQUET_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "format/parquet_columns.h"
#include "ports/storage_port.h"

/* parquet.thrift CompressionCodec numbers (the same values as enum
 * hb_pq_codec in parquet_meta.h: HB_PQ_UNCOMPRESSED, HB_PQ_ZSTD). */
typedef enum {
    HB_PQ_CODEC_UNCOMPRESSED = 0,
    HB_PQ_CODEC_ZSTD = 6,
} hb_pq_codec;

typedef struct hb_pq_writer_opts {
    hb_pq_codec codec;              /* default ZSTD */
    int zstd_level;             /* default 1; 0 = 1 */
    size_t row_group_rows;      /* default 65536; 0 = default; at most 2^30 */
    size_t page_bytes;          /* target uncompressed data page size; default (and 0) 1 MiB */
    size_t page_rows;           /* at most this many rows per data page; default (and 0) 4096 */
    int page_stats;             /* statistics in every data page header too; default 0 (chunk only) */
    size_t dict_max_bytes;      /* dictionary page cap before falling back to PLAIN; default (and 0) 1 MiB */
    const char *measurement;    /* "hyperbytedb.measurement"; NULL = entry left out */
    const char *created_by;     /* FileMetaData.created_by; NULL = "hyperbytedb" */
} hb_pq_writer_opts;

#define HB_PQ_DEFAULT_ROW_GROUP_ROWS 65536u
#define HB_PQ_DEFAULT_PAGE_BYTES (1u << 20)
/* Small enough that a reader wanting a few series of a row group decodes a
 * fraction of it (pages are skipped whole), large enough that per-page
 * headers and compression frames cost about 2% of a file (TSBS data: 8192
 * rows and page statistics 2.50 MB, 4096 rows without them 2.55 MB, 2048
 * 2.72 MB, 1024 2.98 MB). */
#define HB_PQ_DEFAULT_PAGE_ROWS 4096u
#define HB_PQ_DEFAULT_DICT_MAX_BYTES (1u << 20)

typedef struct hb_pq_file_info {
    uint64_t rows;              /* rows written */
    uint64_t bytes;             /* file size */
    int64_t min_time, max_time; /* 0, 0 for an empty file */
    uint32_t row_groups;
} hb_pq_file_info;

typedef struct hb_pq_writer hb_pq_writer;

/* Fill *o with the defaults (ZSTD level 1, 65536-row groups, 1 MiB / 4096-row pages and
 * dictionaries, no measurement). */
void hb_pq_writer_opts_default(hb_pq_writer_opts *o);

/* Validate the columns (ncols >= 1; exactly one HB_PQ_TIME column, first, type
 * HB_FT_INTEGER; tags HB_FT_STRING; fields any hb_ftype; names non-empty and
 * distinct) and start writing key through st->writer_open: nothing is visible
 * under key until finish succeeds. cols and opts are copied (names included).
 * opts NULL = defaults. On success *out is a writer owned by the caller:
 * hb_pq_writer_finish or hb_pq_writer_abort frees it. */
int hb_pq_writer_open(hb_storage_port *st, const char *key, const hb_pq_coldef *cols, size_t ncols,
                      const hb_pq_writer_opts *opts, hb_pq_writer **out, hb_err *err);

/* Append nrows rows: cols[i] holds the values of column i (in the order given
 * to open). Values are copied; the caller's arrays may be reused on return.
 * Rows are buffered and written a row group at a time, so memory stays
 * bounded by one row group. The time column must have every row valid
 * (HB_EINVAL otherwise, with nothing appended). */
int hb_pq_writer_append(hb_pq_writer *w, const hb_pq_colvec *cols, size_t nrows, hb_err *err);

/* Write the last row group and the footer, publish the object and free w
 * (also on failure: the object is then not published). info may be NULL. */
int hb_pq_writer_finish(hb_pq_writer *w, hb_pq_file_info *info, hb_err *err);

/* Discard everything written (no object appears) and free w. NULL is a no-op. */
void hb_pq_writer_abort(hb_pq_writer *w);

#endif
