/* Run summaries: for one numeric field column of one row group of a
 * Parquet file, the count, exact sum, first, last, min and max (with their
 * times) of every run of the file's series index (file_index.h: the rows of
 * one series in that row group).
 *
 * They let an aggregate query answer count, sum, mean (integers), min,
 * max, first and last over a run that lies whole in one time bucket, and a
 * raw query read the first or last row of a run, without decoding a page.
 *
 * Built lazily: the first scan that decodes a whole column chunk of an
 * eligible row group (runs of RUN_SUMMARY_MIN_ROWS rows on average, so that
 * summaries stay small next to the data) computes them and publishes them
 * on the file's index, where they live as long as the index (the footer
 * cache's reader). All summaries of all files together are held to a
 * process-wide budget (hb_run_sum_set_budget); past it none are built and
 * queries decode as before. Nothing is written to disk: files stay plain
 * Parquet. */
#ifndef HB_ENGINE_RUN_SUMMARY_H
#define HB_ENGINE_RUN_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "domain/point.h"
#include "engine/file_index.h"
#include "format/parquet_columns.h"

/* Runs shorter than this on average: no summaries for the row group
 * (hb_run_sum_set_min_rows changes it, for tests). */
#define RUN_SUMMARY_MIN_ROWS 64

typedef union hb_num {
    double f;          /* FLOAT */
    int64_t i;         /* INTEGER */
    uint64_t u;        /* UNSIGNED */
} hb_num;

typedef struct hb_run_sum {
    uint32_t count;                     /* non-null values in the run */
    uint32_t last_row;                  /* row (in the row group) of the last non-null value */
    uint32_t first_row;                 /* ... and of the first one */
    int64_t tfirst, tlast, tmin, tmax;  /* times of first, last, min and max; min and max
                                           are the earliest of equal values */
    hb_num first, last, min, max;       /* valid when count > 0 */
    __extension__ __int128 wsum;        /* INTEGER, UNSIGNED: the exact sum */
} hb_run_sum;

/* The summaries of reader column col of row group rg, one per index run
 * (ix->rgs[rg].runs order), or NULL when not built. Valid as long as ix. */
const hb_run_sum *hb_run_sums(const hb_fidx *ix, size_t rg, size_t col);

/* Whether row group rg may get summaries (long enough runs) and the budget
 * has room for one more column of it. */
int hb_run_sums_wanted(const hb_fidx *ix, size_t rg);

/* Compute and publish the summaries of reader column col (type: FLOAT,
 * INTEGER or UNSIGNED) of row group rg from its fully decoded values v and
 * times t. A concurrent build of the same column wins or loses as a whole;
 * nothing happens over budget or out of memory (summaries are an
 * optimisation). */
void hb_run_sums_build(const hb_fidx *ix, size_t rg, size_t col, hb_ftype type, const hb_pq_colvec *v,
                       const int64_t *t);

/* Release every summary of ix (the index is being freed). */
void hb_run_sums_free_all(hb_fidx *ix);

/* Bytes all summaries together may hold (default 256 MiB; 0 = none built),
 * and how many they hold now. */
void hb_run_sum_set_budget(uint64_t bytes);
void hb_run_sum_set_min_rows(uint32_t rows);
uint64_t hb_run_sum_bytes(void);

#endif
