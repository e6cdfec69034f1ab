/* Parquet file reader: footer validation, the column model of
 * parquet_columns.h, statistics for pruning, and bulk decoding of column
 * chunks. Reads HyperbyteDB's own files and any flat Parquet file using the
 * same encodings.
 *
 * Supported: flat schemas (root + REQUIRED/OPTIONAL leaves); physical
 * BOOLEAN, INT32, INT64, FLOAT, DOUBLE, BYTE_ARRAY; data pages v1 and v2,
 * one dictionary page per chunk (PLAIN), data pages PLAIN, RLE_DICTIONARY /
 * PLAIN_DICTIONARY, DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY,
 * BYTE_STREAM_SPLIT, RLE (booleans), mixed dictionary and PLAIN pages in one
 * chunk (dictionary fallback); codecs UNCOMPRESSED, ZSTD, SNAPPY, GZIP.
 * Unsupported (HB_EUNSUPP naming the column): FIXED_LEN_BYTE_ARRAY, INT96,
 * DECIMAL, nested or repeated columns, other encodings and codecs.
 *
 * Mapping to the column model: role TIME for the first INT64 TIMESTAMP
 * column (MILLIS / MICROS scaled to nanoseconds on read, saturating; the
 * same for other TIMESTAMP columns, which are INTEGER fields); role TAG for
 * BYTE_ARRAY columns named in key-value "hyperbytedb.tags" (comma
 * separated, ',' and '\' escaped by '\'); FIELD otherwise. When key-value
 * "hyperbytedb.fields" is present it gives the field columns' names (in
 * column order, escaped the same way): a field named like a tag is stored
 * as "{name}::field" and read back under its own name. Types: INT64 /
 * INT32 signed -> INTEGER, unsigned (INTEGER(n,false), UINT_n) -> UNSIGNED,
 * DOUBLE / FLOAT -> FLOAT, BYTE_ARRAY -> STRING, BOOLEAN -> BOOLEAN.
 *
 * Hostile input: every offset and length from the file is checked against
 * the file size and the column chunk's range; a page is at most
 * HB_PQ_MAX_PAGE bytes (compressed and uncompressed); a row group at most
 * HB_PQ_MAX_RG_ROWS rows; page value counts must add up to the row group's
 * rows exactly; a decompressed page must have exactly the header's size.
 * Corruption is HB_ECORRUPT with the object key, the column and the byte
 * offset in the file.
 *
 * Threads: an open reader is immutable; any number of threads may call the
 * query and read functions on it at once. Readers are reference counted
 * (hb_pq_reader_close drops one reference) so the footer cache can share them. */
#ifndef HB_FORMAT_PARQUET_READER_H
#define HB_FORMAT_PARQUET_READER_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "format/parquet_columns.h"
#include "format/parquet_meta.h"
#include "ports/storage_port.h"

#define HB_PQ_MAX_PAGE ((size_t)256 << 20)
#define HB_PQ_MAX_FOOTER ((size_t)64 << 20)
#define HB_PQ_MAX_RG_ROWS ((uint64_t)1 << 27)
#define HB_PQ_TAGS_KEY "hyperbytedb.tags"
#define HB_PQ_FIELDS_KEY "hyperbytedb.fields"

typedef struct hb_pq_reader hb_pq_reader;

/* Column-chunk statistics. min/max are valid when has_minmax: .i for TIME
 * and INTEGER (nanoseconds for time), .u for UNSIGNED, .d for FLOAT, .b for
 * BOOLEAN (0/1), smin/smax for STRING (slices into the reader's metadata,
 * valid while the reader is open). */
typedef struct hb_pq_colstats {
    int has_minmax;
    int has_null_count;
    uint64_t null_count;
    union { int64_t i; uint64_t u; double d; int b; } min, max;
    hb_slice smin, smax;
} hb_pq_colstats;

/* Read and validate the footer of key (see above). *out holds one reference
 * owned by the caller: release it with hb_pq_reader_close. st must outlive
 * the reader. */
int hb_pq_reader_open(hb_storage_port *st, const char *key, hb_pq_reader **out, hb_err *err);
/* Drop one reference; the last one frees the reader. NULL is a no-op. */
void hb_pq_reader_close(hb_pq_reader *r);

/* Object key (owned by the reader) and file size. */
const char *hb_pq_reader_key(const hb_pq_reader *r);
uint64_t hb_pq_reader_file_size(const hb_pq_reader *r);
/* The decoded footer, owned by the reader. */
const hb_pq_file_meta *hb_pq_reader_meta(const hb_pq_reader *r);

size_t hb_pq_reader_ncols(const hb_pq_reader *r);
/* Column i (< ncols), owned by the reader. */
const hb_pq_coldef *hb_pq_reader_col(const hb_pq_reader *r, size_t i);
/* Index of the column named name, or -1. A field may share its name with a
 * tag (InfluxDB allows it): find_col returns the first, find_col_role the
 * one with that role. */
int hb_pq_reader_find_col(const hb_pq_reader *r, const char *name);
int hb_pq_reader_find_col_role(const hb_pq_reader *r, const char *name, hb_pq_role role);
/* Index of the TIME column, or -1 when the file has none. */
int hb_pq_reader_time_col(const hb_pq_reader *r);
/* Value of key-value metadata key (owned by the reader), or NULL. */
const char *hb_pq_reader_kv(const hb_pq_reader *r, const char *key);
uint64_t hb_pq_reader_rows(const hb_pq_reader *r);
size_t hb_pq_reader_row_groups(const hb_pq_reader *r);
uint64_t hb_pq_reader_rg_rows(const hb_pq_reader *r, size_t rg);

/* Statistics of one column chunk; 0, or HB_EINVAL for an index out of
 * range. Absent statistics give has_minmax = has_null_count = 0. */
int hb_pq_reader_stats(const hb_pq_reader *r, size_t rg, size_t col, hb_pq_colstats *out);
/* Time range of row group rg from the time column's statistics: 0, or
 * HB_ENOTFOUND when there is no time column or no statistics. */
int hb_pq_reader_rg_time_range(const hb_pq_reader *r, size_t rg, int64_t *min, int64_t *max);

/* Decode column chunk (rg, col) into arrays allocated from arena (values
 * and valid as in parquet_columns.h, n = hb_pq_reader_rg_rows; strings point
 * into arena memory). Everything in *out lives as long as the arena.
 * Temporary buffers are freed before returning. HB_ECORRUPT (key, column,
 * offset), HB_EUNSUPP, HB_EIO from storage, HB_ENOMEM when the arena is full. */
int hb_pq_reader_read(const hb_pq_reader *r, size_t rg, size_t col, hb_arena *arena, hb_pq_colvec *out,
                      hb_err *err);

/* A half-open row range [lo, hi) of a row group. */
typedef struct hb_pq_rowrange {
    uint64_t lo, hi;
} hb_pq_rowrange;

/* Like hb_pq_reader_read, but data pages holding none of the rows of
 * want[0..nwant) (sorted by lo, disjoint) are skipped without being
 * decompressed: the values and validity of rows outside every range are
 * unspecified. nwant 0 = every row (hb_pq_reader_read). */
int hb_pq_reader_read_rows(const hb_pq_reader *r, size_t rg, size_t col, const hb_pq_rowrange *want, size_t nwant,
                           hb_arena *arena, hb_pq_colvec *out, hb_err *err);

/* Data derived from a file once and kept with its reader (the query
 * engine's series index): the first call builds it with build(r, ctx) (under the
 * reader's lock, so one thread builds while others wait); later calls
 * return the same pointer, valid while the caller holds its reference.
 * free_fn releases it with the reader. A failed build is not kept (the next
 * call tries again). One kind of derived data per reader. */
typedef int (*hb_pq_aux_build_fn)(const hb_pq_reader *r, void *ctx, void **out, hb_err *err);
int hb_pq_reader_aux(hb_pq_reader *r, hb_pq_aux_build_fn build, void *ctx, void (*free_fn)(void *), void **out,
                     hb_err *err);

/* ---- footer cache ----------------------------------------------------------
 * A small thread-safe LRU of open readers keyed by (storage port, key, file
 * size): re-opening a cached file costs one size() call instead of reading
 * and decoding the footer. A replaced object with a new size is re-read. */
typedef struct hb_pq_footer_cache hb_pq_footer_cache;

/* Caller owns the cache (hb_pq_footer_cache_free); NULL when out of memory. */
hb_pq_footer_cache *hb_pq_footer_cache_new(size_t max_entries);
/* Drop the cache's references; readers still held by callers stay valid. */
void hb_pq_footer_cache_free(hb_pq_footer_cache *c);
/* Like hb_pq_reader_open through the cache: *out holds one reference owned
 * by the caller, released with hb_pq_footer_cache_release (or
 * hb_pq_reader_close). */
int hb_pq_footer_cache_open(hb_pq_footer_cache *c, hb_storage_port *st, const char *key, hb_pq_reader **out,
                            hb_err *err);
void hb_pq_footer_cache_release(hb_pq_footer_cache *c, hb_pq_reader *r);
/* Forget key (after it was deleted or replaced). */
void hb_pq_footer_cache_forget(hb_pq_footer_cache *c, hb_storage_port *st, const char *key);
/* Counters for tests and metrics. */
void hb_pq_footer_cache_stats(hb_pq_footer_cache *c, uint64_t *hits, uint64_t *misses, size_t *entries);

#endif
