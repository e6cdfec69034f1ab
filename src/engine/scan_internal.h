/* Private state of a scan (engine/scan.h), shared by scan.c (columns, the
 * merge, blocks), scan_file.c (Parquet sources) and scan_memtable.c
 * (write-buffer sources). Not for use outside src/engine. */
#ifndef HB_ENGINE_SCAN_INTERNAL_H
#define HB_ENGINE_SCAN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/hashmap.h"
#include "engine/scan.h"

/* Where a source stands:
 *   READY    it has a head row (hkey, htime) and sits in the merge heap;
 *   PENDING  a file source whose loaded row group is used up: its next row
 *            is unknown until the next row group is loaded (which resets its
 *            arena, hence the block cut described in scan.c);
 *   DONE     no more rows. */
typedef enum { SRC_PENDING = 0, SRC_READY, SRC_DONE } scan_src_state;

/* One series' rows inside a loaded row group of a file: rows [start, end)
 * (after the time filter); key and tag values from the file index (they
 * live as long as the reader). */
typedef struct scan_seg {
    uint32_t start, end;
    hb_slice key;
    const hb_slice *tagv;      /* FILE: tag values by index slot (file_index.h) */
    int64_t tlo, thi;          /* FILE: the rows wanted: times in [tlo, thi]; with sum, the
                                  run's first and last time */
    uint32_t run;              /* FILE: the run's position in its index row group */
    int sum;                   /* FILE: answered from run summaries: never decoded */
} scan_seg;

typedef struct scan_src {
    hb_scan_kind kind;
    uint32_t idx;              /* position in the source array: the priority */
    scan_src_state state;
    int in_block;              /* rows of the current output block point into this source */
    hb_slice hkey;             /* head row, valid when READY */
    int64_t htime;
    int32_t *map;              /* [ncols] FILE: reader column per output column;
                                  MEMTABLE: table field position per field column; -1 = none */

    /* FILE */
    hb_pq_reader *reader;
    const hb_scan_mask *mask;  /* deleted rows (scan.h), NULL = none */
    int64_t *hlo, *hhi;        /* [mask->max_holes] scratch for mask->holes */
    hb_arena *carena;          /* [ncols] the loaded row group's columns, one arena each so that
                                  columns can be decoded on several threads; reset by each load */
    size_t ncarena;
    size_t rg, nrg;            /* next row group to look at, row groups in the file */
    const int64_t *times;      /* the loaded row group's times */
    hb_pq_colvec *vec;         /* [ncols] loaded time and field columns; values NULL = not loaded */
    const struct hb_fidx *ix;  /* the file's series index (owned by the reader) */
    int32_t *tagslot;          /* [ncols] index slot of each output tag column; -1 = none */
    scan_seg *segs;
    size_t nseg, segcap, si;   /* segments of the loaded row group, the current one */
    hb_pq_rowrange *ranges;    /* [segcap] rows to decode */
    hb_slice *ftags;           /* [ncols] the tag values handed to the series filter */
    hb_scan_stats stats;       /* this source's counts (loads may run on other threads) */
    int load_rc;               /* a parallel load's result and error */
    hb_err load_err;
    int picked;                /* segs hold the runs of row group pick_rg, not decoded yet */
    size_t pick_rg;
    uint64_t work;             /* values the picked row group will decode */
    size_t ndecoded;           /* columns decoded from the file (time and fields) */
    uint32_t pos;              /* current row of the loaded row group */
    int exclusive;             /* no other source's time range overlaps this file's */
    const struct hb_run_sum **rgsums; /* [ncols] the loaded row group's summaries per column */

    /* MEMTABLE */
    const hb_mt_table *table;
    hb_mt_series **ser;        /* the table's series sorted by key */
    size_t nser, ser_i;        /* count, current */
    uint32_t *rows;            /* current series: row indices in the time range, by time (stable) */
    size_t rows_cap;
    uint32_t *grp;             /* [ng + 1] group starts in rows[] (when grouped) */
    size_t grp_cap, ng, g;     /* groups (output rows) of the series, the current one */
    int grouped;               /* the series has rows with equal times: groups are grp[] ranges;
                                  otherwise group g is rows[g] alone */
    int32_t *tagpos;           /* [ntags] current series' tag index per tag column, -1 = none */
} scan_src;

/* The block being filled. */
typedef struct scan_out {
    size_t cap, n;             /* block_rows, rows filled */
    void **vals;               /* [ncols] */
    uint8_t **valid;           /* [ncols], [0] NULL */
    uint8_t *esz;              /* [ncols] bytes per value */
    hb_slice *keys;            /* [cap] */
    const struct hb_run_sum **sums; /* [cap * ncols] with summary blocks */
    int summary;               /* the block being filled holds summary rows */
} scan_out;

struct hb_scan {
    hb_slice meas;             /* measurement (copy in names) */
    int64_t tmin, tmax;
    int (*filter)(void *ctx, const hb_slice *tagvals);   /* opts->series_filter */
    void *filter_ctx;
    hb_slice *ftags;           /* [ncols] scratch: the tag values handed to filter (memtables) */
    struct hb_workers *workers; /* opts->workers: loads files in parallel */
    uint64_t par_min;          /* opts->parallel_min_values, defaulted */
    int sparse_tags;           /* opts->sparse_tags */
    const hb_scan_summaries *sums; /* opts->summaries */
    size_t ncols, ntags;       /* column 0 time, 1..ntags tags, then fields */
    hb_pq_coldef *cols;
    hb_slice *colname;         /* [ncols] names as slices */
    hb_arena names;            /* column names, measurement */
    hb_strmap tagmap;          /* tag name -> output column (1..ntags) */
    hb_pq_colvec *vecs;        /* [ncols] what blocks expose (points at out) */
    scan_out out;
    scan_src *src;
    size_t nsrc;
    scan_src **heap;           /* READY sources, min-heap on (hkey, htime, idx) */
    size_t nheap;
    scan_src **pending;        /* PENDING sources */
    size_t npending;
    scan_src **dups;           /* scratch for merging equal rows */
    uint64_t series_limit;     /* opts->series_limit, series_last */
    int series_last;
    hb_strmap cutoff;          /* series key -> int64_t *: with series_limit, the time
                                  before (after) which a series' rows are not needed */
    hb_scan_stats stats;
    int failed;                /* error code once a call failed */
    hb_err fail;
    int finished;
    int excl_done;             /* scan_src.exclusive worked out (first hb_scan_next) */
};

/* ---- helpers shared by the source files ---- */

static inline int scan_keycmp(hb_slice a, hb_slice b)
{
    if (a.p == b.p)
        return (a.n > b.n) - (a.n < b.n);
    size_t n = a.n < b.n ? a.n : b.n;
    int c = n ? memcmp(a.p, b.p, n) : 0;
    return c ? c : (a.n > b.n) - (a.n < b.n);
}

static inline void scan_bit_set(uint8_t *v, size_t i) { v[i >> 3] |= (uint8_t)(1u << (i & 7)); }

/* Set bits [d, d+n) of dst. */
static inline void scan_bits_set(uint8_t *dst, size_t d, size_t n)
{
    while (n && (d & 7)) {
        scan_bit_set(dst, d++);
        n--;
    }
    if (n >= 8) {
        memset(dst + (d >> 3), 0xff, n >> 3);
        d += n & ~(size_t)7;
        n &= 7;
    }
    while (n--)
        scan_bit_set(dst, d++);
}

/* OR bits [s, s+n) of src (NULL = all set) into dst at [d, d+n); dst's
 * bits there are zero. */
static inline void scan_bits_copy(uint8_t *dst, size_t d, const uint8_t *src, size_t s, size_t n)
{
    if (!src) {
        scan_bits_set(dst, d, n);
        return;
    }
    while (n && (d & 7)) {
        if ((src[s >> 3] >> (s & 7)) & 1)
            scan_bit_set(dst, d);
        d++, s++, n--;
    }
    unsigned sh = (unsigned)(s & 7);
    const uint8_t *sp = src + (s >> 3);
    uint8_t *dp = dst + (d >> 3);
    size_t nb = n >> 3;
    if (sh == 0) {
        memcpy(dp, sp, nb);
    } else {
        /* byte i of the output spans source bytes i and i+1, both inside
         * the bitmap because all 8 bits are < s + n */
        for (size_t i = 0; i < nb; i++)
            dp[i] = (uint8_t)((sp[i] >> sh) | (sp[i + 1] << (8 - sh)));
    }
    d += nb * 8, s += nb * 8, n &= 7;
    while (n--) {
        if ((src[s >> 3] >> (s & 7)) & 1)
            scan_bit_set(dst, d);
        d++, s++;
    }
}

static inline size_t scan_esz(hb_ftype t)
{
    return t == HB_FT_BOOLEAN ? 1 : t == HB_FT_STRING ? sizeof(hb_slice) : 8;
}

/* First position p in [lo, hi) with times[p] >= t (times sorted there), or hi;
 * gallops from lo since runs between other sources' rows are often short. */
static inline size_t scan_lower_bound(const int64_t *times, size_t lo, size_t hi, int64_t t)
{
    size_t step = 1, a = lo;
    while (a < hi && times[a] < t) {  /* gallop: times[a] < t */
        lo = a + 1;
        a = lo + step - 1;
        step *= 2;
    }
    if (a > hi)
        a = hi;
    while (lo < a) {  /* times[lo-1] < t, answer in [lo, a] */
        size_t mid = lo + (a - lo) / 2;
        if (times[mid] < t)
            lo = mid + 1;
        else
            a = mid;
    }
    return lo;
}

/* ---- file sources (scan_file.c) ---- */
int scan_file_init(hb_scan *s, scan_src *src, hb_err *err);
/* With series_limit: fold src's runs into s->cutoff (arena: the values). */
int scan_file_cutoffs(hb_scan *s, const scan_src *src, hb_arena *arena, hb_err *err);
/* Load the next row group holding rows in the time range: READY or DONE.
 * Reads s without changing it: loads of different sources may run at once. */
int scan_file_load(const hb_scan *s, scan_src *src, hb_err *err);
/* The first half of a load: find the next row group with wanted runs
 * (from the index, nothing decoded) and return the values decoding it will
 * take, 0 when the file has no more (load_rc set on error). A following
 * scan_file_load decodes what was picked. */
uint64_t scan_file_pick(const hb_scan *s, scan_src *src, hb_err *err);
/* Copy rows to the block while they sort before bound (NULL = no bound), at
 * most space rows; at least one row when READY. Leaves READY or PENDING. */
size_t scan_file_run(hb_scan *s, scan_src *src, const scan_src *bound, size_t space);
/* Value of output column col (>= 1) in the head row, or NULL when null.
 * Points into the loaded row group (the source's column arenas): valid until the
 * source loads its next row group. */
const void *scan_file_value(const hb_scan *s, const scan_src *src, size_t col);
/* Move past the head row; READY, or PENDING at the end of the row group. */
void scan_file_advance(scan_src *src);
/* Whether the head is a summarized run (scan_seg.sum). */
static inline int scan_file_head_sum(const scan_src *src)
{
    return src->kind == HB_SCAN_FILE && src->segs[src->si].sum;
}
/* The head summarized run as one summary row of the block; then move past
 * it (READY or PENDING). */
void scan_file_sum_row(hb_scan *s, scan_src *src);
/* The first and last time of the file's rows (from its index); 0 when it
 * has none. */
int scan_file_time_range(const scan_src *src, int64_t *lo, int64_t *hi);
void scan_file_free(scan_src *src);

/* ---- memtable sources (scan_memtable.c) ---- */
int scan_mt_init(hb_scan *s, scan_src *src, hb_err *err);
/* The first and last time of the table's rows; 0 when it has none. */
int scan_mt_time_range(const scan_src *src, int64_t *lo, int64_t *hi);
/* Enter the first series (READY or DONE). */
int scan_mt_start(hb_scan *s, scan_src *src, hb_err *err);
/* As scan_file_run; may enter the next series (which can fail: < 0). */
int scan_mt_run(hb_scan *s, scan_src *src, const scan_src *bound, size_t space, size_t *copied, hb_err *err);
/* As scan_file_value, for the head group (the latest arrival with a value
 * wins). Points into the memtable table: valid while the table is. */
const void *scan_mt_value(const hb_scan *s, const scan_src *src, size_t col);
/* Move past the head group, entering the next series when needed. */
int scan_mt_advance(hb_scan *s, scan_src *src, hb_err *err);
void scan_mt_free(scan_src *src);

#endif
