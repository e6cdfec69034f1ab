/* The series index of a Parquet file: for every row group, its runs of
 * rows of one series (files are sorted by series key, then time), each with
 * its series key, its tag values and its first and last time.
 *
 * Built once per file, the first time a scan opens it, by decoding the time
 * and tag columns of every row group, and kept with the reader (so it lives
 * in the footer cache as long as the reader does). Scans then know, without
 * decoding anything, which rows belong to which series and which series a
 * row group holds: a tag-only WHERE picks rows before a single value is
 * decoded, tag columns are never decoded again, and a run entirely outside
 * the time range is dropped from its bounds.
 *
 * The build also checks the order the merge relies on (series keys
 * increasing, times strictly increasing within a series, across row groups
 * too, no null time): a file breaking it is HB_ECORRUPT naming the file, the
 * row group and the row. */
#ifndef HB_ENGINE_FILE_INDEX_H
#define HB_ENGINE_FILE_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "format/parquet_reader.h"

typedef struct hb_fidx_run {
    uint32_t start, end;        /* rows [start, end) of the row group */
    int64_t tmin, tmax;         /* times of rows start and end - 1 */
    hb_slice key;               /* series key */
    const hb_slice *tagv;       /* [ntags] tag values by slot; .p NULL = the series has no such tag */
} hb_fidx_run;

typedef struct hb_fidx_rg {
    const hb_fidx_run *runs;
    size_t nruns;
} hb_fidx_rg;

typedef struct hb_fidx {
    char *measurement;          /* the keys' measurement */
    size_t ntags;               /* tag columns of the file */
    const uint32_t *tagcol;     /* [ntags] reader column of each slot, slots in tag name order */
    const hb_fidx_rg *rgs;      /* [row groups] */
    size_t nrg;
    hb_arena arena;             /* everything above */
    size_t ncols;               /* columns of the file */
    void **sums;                /* [nrg * ncols] run summaries (run_summary.h), built lazily,
                                   read and published atomically */
} hb_fidx;

/* The index of r (measurement: the name its series keys start with),
 * built on the first call. *out is owned by r: valid while the caller holds
 * its reference to r. A reader indexed under another measurement name is
 * HB_EINVAL. */
int hb_fidx_get(hb_pq_reader *r, const char *measurement, const hb_fidx **out, hb_err *err);

#endif
