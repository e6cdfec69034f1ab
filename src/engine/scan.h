/* Reading one measurement from all its sources as one sorted, de-duplicated
 * stream of rows: the merge under compaction, /debug/export and the query
 * engine.
 *
 * Sources are Parquet files (rows sorted by series key, then time, no
 * duplicate (series, time) within a file) and memtable tables (rows in
 * arrival order per series, duplicates possible). The scan yields rows in
 * (series key, time) order, one row per (series, time): when several rows
 * share a series and a time they are merged field by field, the row from the
 * later source (position in the source array) winning, and within one
 * memtable table the later arrival winning; a field present in only one of
 * them is kept. This is InfluxDB's "last write wins, fields merged" rule.
 *
 * Output schema: time, then every tag column of any source sorted by name,
 * then every field column of any source sorted by name (or the projected
 * fields only). A series without a tag has a null there. A field with two
 * different types in two sources is an error (HB_ECORRUPT naming the field,
 * the two types and the two sources).
 *
 * Series key of a row: the canonical key of domain/series_key.h built from
 * the measurement and the row's non-null tags (memtable series carry theirs).
 *
 * Memory is bounded: a file source holds one decoded row group (only the
 * projected columns) at a time; row groups whose time statistics fall
 * outside [tmin, tmax] are not read. Output blocks hold at most
 * block_rows rows.
 *
 * Also worth knowing:
 *   - a file whose rows are not sorted, or that holds one (series, time)
 *     twice, is HB_ECORRUPT naming the file, row group and row;
 *   - with a projection, rows whose projected fields are all null are still
 *     returned (tag-only readers need them): callers drop them if they must;
 *     type conflicts are only checked for the projected fields;
 *   - a name that is a tag in one source and a field in another gives two
 *     output columns of that name, one per role;
 *   - after an error every further hb_scan_next returns the same error.
 * Threads: one scan is used by one thread at a time (it may lend work to
 * opts->workers internally). */
#ifndef HB_ENGINE_SCAN_H
#define HB_ENGINE_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "app/memtable.h"
#include "base/err.h"
#include "format/parquet_columns.h"
#include "format/parquet_reader.h"

typedef enum { HB_SCAN_FILE = 0, HB_SCAN_MEMTABLE } hb_scan_kind;

/* Rows of a file source that are deleted (DELETE / DROP tombstones not yet
 * compacted away, app/tombstone.h). holes(ctx, series key, lo, hi, cap)
 * writes the deleted time ranges of that series ([lo[i], hi[i]], inclusive,
 * at most cap = max_holes) and returns how many (0: nothing deleted). The
 * scan asks once per series run of a row group and never returns rows
 * inside a hole. A masked file answers nothing from run summaries (they
 * cover its deleted rows too) and its runs prove no per-series limit. */
typedef struct hb_scan_mask {
    size_t (*holes)(const void *ctx, hb_slice key, int64_t *lo, int64_t *hi, size_t cap);
    const void *ctx;
    size_t max_holes;
} hb_scan_mask;

typedef struct hb_scan_source {
    hb_scan_kind kind;
    /* FILE: an open reader; the caller keeps its reference for the scan's life */
    hb_pq_reader *reader;
    /* MEMTABLE: a table the caller keeps unchanged (read lock or a frozen
     * memtable) for the scan's life */
    const hb_mt_table *table;
    /* FILE, optional: its deleted rows (NULL: none, the usual case) */
    const hb_scan_mask *mask;
} hb_scan_source;

typedef struct hb_scan_opts {
    int64_t tmin, tmax;            /* inclusive; INT64_MIN, INT64_MAX = everything */
    const char *const *fields;     /* NULL = every field of any source */
    size_t nfields;                /* names not found in any source are left out */
    size_t block_rows;             /* 0 = 4096 */
    /* Optional: decides once per series, from its tag values (indexed
     * like the output columns, 1..ntags; .p NULL = the series has no such
     * tag), whether its rows are wanted (non-zero) or skipped. A file row
     * group none of whose series is wanted is not decoded beyond its time
     * and tag columns. */
    int (*series_filter)(void *ctx, const hb_slice *tagvals);
    void *series_ctx;
    /* Optional: only the first (series_last 0) or last (series_last 1)
     * series_limit merged rows of each series in [tmin, tmax] are needed.
     * The scan may then narrow the time range of a series, in every source
     * alike, to the part file runs prove holds them: a run of n >=
     * series_limit rows of the series, entirely inside [tmin, tmax], holds
     * that many distinct times itself. What it returns is still exact
     * (a subset of the full answer's rows, in order). */
    uint64_t series_limit;         /* 0 = every row */
    int series_last;
    /* Optional: files that need their next row group at the same moment
     * (at the start, every file) are loaded on these threads at once. The
     * series filter must then be safe to call from several threads. */
    struct hb_workers *workers;
    /* With workers: decode on several threads once this many values are
     * due at once (0 = 65536; below it waking a thread costs more than it
     * saves). */
    uint64_t parallel_min_values;
    /* Optional: tag columns hold values only where a series' rows start in
     * a block: at row 0 and wherever keys[r].p != keys[r-1].p; on other
     * rows they may be null (the series' tags are those of its first row).
     * Saves writing every tag of every row for readers that look at tags
     * once per series. Tag strings stay valid for the scan's life. */
    int sparse_tags;
    /* Optional: run summaries (run_summary.h), owned by the caller, read
     * at every row group load (so it may be switched on after hb_scan_open,
     * before the first hb_scan_next). */
    const struct hb_scan_summaries *summaries;
} hb_scan_opts;

struct hb_run_sum;

/* How a scan uses run summaries. With on, decoding a whole column chunk
 * of a row group that may have summaries builds them (the first time it
 * decodes the whole chunk for this). With run_filter too, a file run is
 * skipped, undecoded, when run_filter(ctx, sums, i) says none of its rows
 * can be wanted: sums[j] is column j's summary array for the row group
 * (NULL: not built, or no such column), i the run's position; only runs of
 * files no other source overlaps are asked (their rows are the merged
 * rows). With one_bucket too, the scan returns summary blocks
 * (hb_scan_block.sums) for file runs that:
 *   - lie whole inside [tmin, tmax] (and there is no series_limit),
 *   - have summaries for every projected field column,
 *   - come from a file whose time range overlaps no other source's (so no
 *     other source can hold rows of the run's series and times: nothing
 *     to merge), and
 *   - one_bucket(ctx, first time, last time) accepts (the caller's time
 *     buckets do not split them).
 * one_bucket may be called from several threads at once. */
typedef struct hb_scan_summaries {
    int on;
    int (*one_bucket)(void *ctx, int64_t tmin, int64_t tmax);
    int (*run_filter)(void *ctx, const struct hb_run_sum *const *sums, size_t run);
    void *ctx;
} hb_scan_summaries;

typedef struct hb_scan_block {
    size_t nrows;                  /* >= 1 */
    const hb_slice *keys;          /* [nrows] series key of each row */
    const hb_pq_colvec *vecs;      /* [ncols] column values (parquet_columns.h layout; time has valid NULL) */
    /* NULL in a block of rows. In a summary block (hb_scan_summaries),
     * row r stands for a whole run of rows of series keys[r]: vecs[0]
     * holds its first time, the tag columns its tags (on every row, also
     * with sparse_tags), and sums[r * ncols + j] summarizes field column j
     * over the run (NULL: the run has no such column); field columns of
     * vecs hold nothing. Summary rows come in the scan's order, where the
     * run's first row would be. */
    const struct hb_run_sum *const *sums;
} hb_scan_block;

typedef struct hb_scan hb_scan;

/* Open a scan over src[0..n) (n may be 0: an empty scan) of one measurement.
 * opts NULL = everything. On success *out is owned by the caller
 * (hb_scan_close). src is copied. */
int hb_scan_open(const hb_scan_source *src, size_t n, const char *measurement, const hb_scan_opts *opts,
                 hb_scan **out, hb_err *err);

/* The output columns (owned by the scan). */
size_t hb_scan_ncols(const hb_scan *s);
const hb_pq_coldef *hb_scan_cols(const hb_scan *s);

/* The next block of merged rows: 1 with *out filled (valid until the next
 * call or close), 0 at the end, negative on error (err set; the scan is
 * then finished). */
int hb_scan_next(hb_scan *s, hb_scan_block *out, hb_err *err);

typedef struct hb_scan_stats {
    uint64_t rows_in;              /* source rows read (after time filtering) */
    uint64_t rows_out;             /* merged rows returned */
    uint64_t row_groups_read, row_groups_skipped;
    uint64_t summary_runs;         /* runs answered from run summaries (summary rows, or a first or last
                                      row filled from them) */
    uint64_t runs_pruned;          /* runs run_filter ruled out */
} hb_scan_stats;
void hb_scan_get_stats(const hb_scan *s, hb_scan_stats *out);

void hb_scan_close(hb_scan *s);

#endif
