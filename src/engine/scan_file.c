/* Parquet file sources of a scan (see scan.c for the merge).
 *
 * A file source reads its file through the file's series index
 * (file_index.h: per row group, the runs of rows of each series with their
 * key, tag values and time bounds, built once per file). Loading a row
 * group:
 *   1. skip it when its time statistics miss [tmin, tmax];
 *   2. pick the index runs that may hold rows in [tmin, tmax] and, with a
 *      series filter, that the filter wants: no value is decoded for this;
 *   3. decode the time column and the projected field columns, only the
 *      pages holding picked rows, each column into its own arena, on the
 *      scan's workers when there is enough to decode (arenas reset first:
 *      the previous row group's strings die here, hence the block cut in
 *      scan.c). An arena is sized from the footer for the largest row
 *      group, so its one block is reused by every load;
 *   4. cut runs that straddle tmin or tmax down to their rows inside (a
 *      binary search: times are sorted within a series).
 * With a per-series limit (scan.h series_limit) the time range of each
 * series is narrowed further by its cutoff, computed from the index runs of
 * all files when the scan opens.
 * Tag columns are never decoded by a scan: their values come from the
 * index runs. Runs of rows are copied column by column (memcpy of values,
 * bitmap copy of validity; tag values repeated). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/workers.h"
#include "engine/file_index.h"
#include "engine/run_summary.h"
#include "engine/scan_internal.h"
#include "format/parquet_writer.h"

#define FILE_ARENA_BLOCK ((size_t)16 << 10)   /* per column, at least */
#define FILE_ARENA_MAX_HINT ((uint64_t)1 << 30)

/* Arena bytes column j of the largest row group of the file will need
 * (values, validity, string bytes), from the footer; 0 when implausible (the
 * arena then grows as needed). */
static size_t col_bytes(const hb_scan *s, const scan_src *src, size_t j)
{
    const hb_pq_file_meta *m = hb_pq_reader_meta(src->reader);
    uint64_t best = 0;
    for (size_t rg = 0; rg < src->nrg; rg++) {
        uint64_t n = hb_pq_reader_rg_rows(src->reader, rg), b = 256;
        b += n * s->out.esz[j] + (n + 7) / 8 + 64;
        const hb_pq_column_meta *cm = m->row_groups[rg].columns[src->map[j]].meta_data;
        if (s->cols[j].type == HB_FT_STRING && cm && cm->total_uncompressed_size > 0)
            b += cm->total_uncompressed_size < (int64_t)FILE_ARENA_MAX_HINT ? (uint64_t)cm->total_uncompressed_size
                                                                            : FILE_ARENA_MAX_HINT;
        if (b > best)
            best = b;
    }
    best += best / 8;
    return best > FILE_ARENA_MAX_HINT ? 0 : (size_t)best;
}

/* Whether output column j is decoded from the file (time and fields; tags
 * come from the index). */
static int decoded(const hb_scan *s, const scan_src *src, size_t j)
{
    return src->map[j] >= 0 && !(j >= 1 && j <= s->ntags);
}

int scan_file_init(hb_scan *s, scan_src *src, hb_err *err)
{
    hb_pq_reader *r = src->reader;
    int tc = hb_pq_reader_time_col(r);
    if (tc < 0)
        return hb_err_set(err, HB_EUNSUPP, "parquet file %s has no time column", hb_pq_reader_key(r));
    int rc = hb_fidx_get(r, s->meas.p, &src->ix, err);
    if (rc)
        return rc;
    src->map = malloc(s->ncols * sizeof *src->map);
    src->vec = calloc(s->ncols, sizeof *src->vec);
    src->tagslot = malloc(s->ncols * sizeof *src->tagslot);
    src->ftags = calloc(s->ncols + 1, sizeof *src->ftags);
    src->rgsums = calloc(s->ncols, sizeof *src->rgsums);
    if (!src->map || !src->vec || !src->tagslot || !src->ftags || !src->rgsums)
        return hb_err_set(err, HB_ENOMEM, "out of memory opening a scan of %s", hb_pq_reader_key(r));
    src->map[0] = tc;
    src->tagslot[0] = -1;
    src->nrg = hb_pq_reader_row_groups(r);
    for (size_t j = 1; j < s->ncols; j++) {
        int tag = j <= s->ntags;
        src->map[j] = hb_pq_reader_find_col_role(r, s->cols[j].name, tag ? HB_PQ_TAG : HB_PQ_FIELD);
        src->tagslot[j] = -1;
        for (size_t k = 0; tag && src->map[j] >= 0 && k < src->ix->ntags; k++)
            if (src->ix->tagcol[k] == (uint32_t)src->map[j])
                src->tagslot[j] = (int32_t)k;
    }
    if (src->mask) {
        src->hlo = malloc(src->mask->max_holes * sizeof *src->hlo);
        src->hhi = malloc(src->mask->max_holes * sizeof *src->hhi);
        if (!src->hlo || !src->hhi)
            return hb_err_set(err, HB_ENOMEM, "out of memory opening a scan of %s", hb_pq_reader_key(r));
    }
    if (!(src->carena = calloc(s->ncols, sizeof *src->carena)))
        return hb_err_set(err, HB_ENOMEM, "out of memory opening a scan of %s", hb_pq_reader_key(r));
    src->ncarena = s->ncols;
    for (size_t j = 0; j < s->ncols; j++) {
        src->ndecoded += (size_t)decoded(s, src, j);
        size_t est = decoded(s, src, j) ? col_bytes(s, src, j) : 0;
        hb_arena_init(&src->carena[j], est > FILE_ARENA_BLOCK ? est : FILE_ARENA_BLOCK, 0);
    }
    src->state = SRC_PENDING;
    return HB_OK;
}

void scan_file_free(scan_src *src)
{
    free(src->map);
    free(src->vec);
    free(src->tagslot);
    free(src->ftags);
    free(src->rgsums);
    free(src->segs);
    free(src->ranges);
    free(src->hlo);
    free(src->hhi);
    for (size_t j = 0; src->carena && j < src->ncarena; j++)
        hb_arena_free(&src->carena[j]);
    free(src->carena);
}

/* Whether the series filter wants the series of run. */
static int run_wanted(const hb_scan *s, scan_src *src, const hb_fidx_run *run)
{
    for (size_t j = 1; j <= s->ntags; j++)
        src->ftags[j] = src->tagslot[j] >= 0 ? run->tagv[src->tagslot[j]] : (hb_slice){ NULL, 0 };
    return s->filter(s->filter_ctx, src->ftags);
}

static int grow_segs(scan_src *src, size_t want)
{
    if (want <= src->segcap)
        return HB_OK;
    size_t nc = src->segcap ? src->segcap : 64;
    while (nc < want)
        nc *= 2;
    scan_seg *ns = realloc(src->segs, nc * sizeof *ns);
    if (!ns)
        return HB_ENOMEM;
    src->segs = ns;
    hb_pq_rowrange *nr = realloc(src->ranges, nc * sizeof *nr);
    if (!nr)
        return HB_ENOMEM;
    src->ranges = nr;
    src->segcap = nc;
    return HB_OK;
}

int scan_file_cutoffs(hb_scan *s, const scan_src *src, hb_arena *arena, hb_err *err)
{
    const hb_fidx *ix = src->ix;
    uint64_t k = s->series_limit;
    for (size_t rg = 0; rg < ix->nrg; rg++)
        for (size_t i = 0; i < ix->rgs[rg].nruns; i++) {
            const hb_fidx_run *run = &ix->rgs[rg].runs[i];
            if (run->end - run->start < k || run->tmin < s->tmin || run->tmax > s->tmax)
                continue;
            /* the run alone holds k distinct times at or after (before)
             * this one: with k = 1 its last (first) time, else its first
             * (last), as the times in between are not known undecoded */
            int64_t c = s->series_last ? (k == 1 ? run->tmax : run->tmin) : (k == 1 ? run->tmin : run->tmax);
            int64_t *have = hb_strmap_get(&s->cutoff, run->key.p, run->key.n);
            if (have) {
                if (s->series_last ? c > *have : c < *have)
                    *have = c;
                continue;
            }
            int64_t *v = hb_arena_alloc(arena, sizeof *v);
            if (!v || hb_strmap_put(&s->cutoff, run->key.p, run->key.n, v))
                return hb_err_set(err, HB_ENOMEM, "out of memory scanning %s", hb_pq_reader_key(src->reader));
            *v = c;
        }
    return HB_OK;
}

int scan_file_time_range(const scan_src *src, int64_t *lo, int64_t *hi)
{
    int any = 0;
    for (size_t rg = 0; rg < src->ix->nrg; rg++) {
        const hb_fidx_rg *ir = &src->ix->rgs[rg];
        for (size_t i = 0; i < ir->nruns; i++) {
            if (!any || ir->runs[i].tmin < *lo)
                *lo = ir->runs[i].tmin;
            if (!any || ir->runs[i].tmax > *hi)
                *hi = ir->runs[i].tmax;
            any = 1;
        }
    }
    return any;
}

/* The summaries of row group rg's field columns into src->rgsums (scan.h
 * hb_scan_summaries); 1 when every column of the file has them. */
static int rg_summaries(const hb_scan *s, scan_src *src, size_t rg)
{
    if (!s->sums || !s->sums->on || src->mask)
        return 0;
    int all = 1;
    for (size_t j = 1 + s->ntags; j < s->ncols; j++) {
        src->rgsums[j] = src->map[j] >= 0 ? hb_run_sums(src->ix, rg, (size_t)src->map[j]) : NULL;
        if (src->map[j] >= 0 && !src->rgsums[j])
            all = 0;
    }
    return all;
}

/* Pick the runs of row group rg to read into src->segs; 1 when any. */
static int pick_runs(const hb_scan *s, scan_src *src, size_t rg, hb_err *err)
{
    const hb_fidx_rg *ir = &src->ix->rgs[rg];
    int all = rg_summaries(s, src, rg);
    int whole = all && s->sums->one_bucket && src->exclusive && !s->series_limit;
    int prune = s->sums && s->sums->on && s->sums->run_filter && src->exclusive && !src->mask;
    src->nseg = 0;
    if (grow_segs(src, ir->nruns))
        return hb_err_set(err, HB_ENOMEM, "out of memory scanning %s", hb_pq_reader_key(src->reader));
    for (size_t i = 0; i < ir->nruns; i++) {
        const hb_fidx_run *run = &ir->runs[i];
        int64_t lo = s->tmin, hi = s->tmax;
        if (s->series_limit) {
            const int64_t *cut = hb_strmap_get(&s->cutoff, run->key.p, run->key.n);
            if (cut && s->series_last && *cut > lo)
                lo = *cut;
            else if (cut && !s->series_last && *cut < hi)
                hi = *cut;
        }
        if (run->tmax < lo || run->tmin > hi)
            continue;
        if (s->filter && !run_wanted(s, src, run))
            continue;
        if (prune && !s->sums->run_filter(s->sums->ctx, src->rgsums, i)) {
            src->stats.runs_pruned++;
            continue;
        }
        scan_seg sg = { run->start, run->end, run->key, run->tagv, lo, hi, (uint32_t)i, 0 };
        size_t nh = src->mask ? src->mask->holes(src->mask->ctx, run->key, src->hlo, src->hhi, src->mask->max_holes) : 0;
        if (nh) {   /* deleted rows: the pieces of [lo, hi] between the holes (sorted, disjoint) */
            if (grow_segs(src, src->nseg + nh + 1 + (ir->nruns - i)))
                return hb_err_set(err, HB_ENOMEM, "out of memory scanning %s", hb_pq_reader_key(src->reader));
            int64_t at = lo;
            int done = 0;
            for (size_t h = 0; h < nh && !done; h++) {
                if (src->hlo[h] > at) {
                    int64_t end = src->hlo[h] - 1 < hi ? src->hlo[h] - 1 : hi;
                    if (end >= at && run->tmax >= at && run->tmin <= end) {
                        sg.tlo = at;
                        sg.thi = end;
                        src->segs[src->nseg++] = sg;
                    }
                }
                if (src->hhi[h] >= hi)
                    done = 1;
                else if (src->hhi[h] + 1 > at)
                    at = src->hhi[h] + 1;
            }
            if (!done && at <= hi && run->tmax >= at && run->tmin <= hi) {
                sg.tlo = at;
                sg.thi = hi;
                src->segs[src->nseg++] = sg;
            }
            continue;
        }
        if (whole && run->tmin >= lo && run->tmax <= hi && s->sums->one_bucket(s->sums->ctx, run->tmin, run->tmax)) {
            sg.sum = 1;
            sg.tlo = run->tmin;
            sg.thi = run->tmax;
        }
        src->segs[src->nseg++] = sg;
    }
    return src->nseg > 0;
}

/* Column j's arena emptied for a new row group. hb_arena_reset keeps only
 * the first block: when the last row group needed more, start over with
 * one block that holds it all, so that row groups reuse the same memory
 * instead of freeing and faulting in fresh pages for every load (fresh
 * memory is expensive: page faults cost more than the decoding on some
 * VMs). */
static void reset_arena(hb_arena *a)
{
    if (a->total > a->block_size) {
        size_t want = a->total + a->total / 8;
        hb_arena_free(a);
        hb_arena_init(a, want, 0);
    } else {
        hb_arena_reset(a);
    }
}

typedef struct col_job {
    const hb_scan *s;
    scan_src *src;
    size_t rg, nr;
    const size_t *cols;        /* output columns to decode */
    int *rc;                   /* per column */
    hb_err *errs;
} col_job;

static void decode_col(void *ctx, size_t i)
{
    col_job *jb = ctx;
    scan_src *src = jb->src;
    size_t j = jb->cols[i];
    reset_arena(&src->carena[j]);
    jb->rc[i] = hb_pq_reader_read_rows(src->reader, jb->rg, (size_t)src->map[j], src->ranges, jb->nr,
                                       &src->carena[j], &src->vec[j], &jb->errs[i]);
}

/* Whether decoding row group rg should build run summaries: some numeric
 * field column lacks them and the row group may have them. */
static int wants_build(const hb_scan *s, const scan_src *src, size_t rg)
{
    if (!s->sums || !s->sums->on || src->mask || !hb_run_sums_wanted(src->ix, rg))
        return 0;
    for (size_t j = 1 + s->ntags; j < s->ncols; j++) {
        hb_ftype t = s->cols[j].type;
        if (src->map[j] >= 0 && (t == HB_FT_FLOAT || t == HB_FT_INTEGER || t == HB_FT_UNSIGNED) &&
            !hb_run_sums(src->ix, rg, (size_t)src->map[j]))
            return 1;
    }
    return 0;
}

/* Whether the rows to decode, ranges[0..nr), touch at least half of the
 * row group's data pages (taken as the writer's default size): only
 * then is decoding all of it, to build run summaries, worth its cost (a
 * narrow time range in a big row group reads its few pages and builds
 * nothing; every series' last row, or a few series of many, touch most). */
static int mostly_touched(const scan_src *src, size_t rg, size_t nr)
{
    const uint64_t page = HB_PQ_DEFAULT_PAGE_ROWS;
    uint64_t n = hb_pq_reader_rg_rows(src->reader, rg), total = (n + page - 1) / page, touched = 0, last = UINT64_MAX;
    if (nr == 0)
        return 1;
    for (size_t i = 0; i < nr; i++) {
        uint64_t a = src->ranges[i].lo / page, b = (src->ranges[i].hi - 1) / page;
        if (a == last)
            a++;
        if (a <= b)
            touched += b - a + 1;
        last = b;
    }
    return touched * 2 >= total;
}

/* Which row of seg sg alone is wanted: its run's last (its wanted times
 * start at the run's last time) or first (they end at the run's first
 * time); -1 when it may be more. */
static int64_t single_row(const scan_src *src, size_t rg, const scan_seg *sg)
{
    const hb_fidx_run *run = &src->ix->rgs[rg].runs[sg->run];
    if (sg->tlo == run->tmax)
        return run->end - 1;
    if (sg->thi == run->tmin)
        return run->start;
    return -1;
}

/* When every picked run wants one row only, its first or its last, and
 * every field column has run summaries: fill the columns of those rows from
 * the summaries instead of decoding pages (1), else 0 (nothing changed).
 * The per-series limit of LIMIT 1 queries (last point of every series). */
static int rows_from_summaries(const hb_scan *s, scan_src *src, size_t rg, hb_err *err)
{
    if (!s->sums || !s->sums->on || !s->series_limit || !src->nseg || src->mask)
        return 0;
    for (size_t g = 0; g < src->nseg; g++)
        if (src->segs[g].sum || single_row(src, rg, &src->segs[g]) < 0)
            return 0;
    for (size_t j = 1 + s->ntags; j < s->ncols; j++) {
        src->rgsums[j] = src->map[j] >= 0 ? hb_run_sums(src->ix, rg, (size_t)src->map[j]) : NULL;
        if (src->map[j] >= 0 && !src->rgsums[j])
            return 0;
    }
    size_t n = (size_t)hb_pq_reader_rg_rows(src->reader, rg);
    for (size_t j = 0; j < s->ncols; j++) {
        src->vec[j] = (hb_pq_colvec){ NULL, NULL };
        if (!decoded(s, src, j))
            continue;
        reset_arena(&src->carena[j]);
        /* only the wanted rows are written: the rest stays unspecified,
         * as after a read that skipped pages */
        void *vals = hb_arena_alloc(&src->carena[j], n * s->out.esz[j]);
        uint8_t *valid = j ? hb_arena_calloc(&src->carena[j], (n + 7) / 8) : NULL;
        if (!vals || (j && !valid))
            return hb_err_set(err, HB_ENOMEM, "out of memory scanning %s", hb_pq_reader_key(src->reader));
        src->vec[j] = (hb_pq_colvec){ valid, vals };
    }
    int64_t *t = (int64_t *)src->vec[0].values;
    for (size_t g = 0; g < src->nseg; g++) {
        scan_seg *sg = &src->segs[g];
        const hb_fidx_run *run = &src->ix->rgs[rg].runs[sg->run];
        size_t r = (size_t)single_row(src, rg, sg);
        int last = r + 1 == run->end;
        t[r] = last ? run->tmax : run->tmin;
        sg->start = (uint32_t)r;
        sg->end = (uint32_t)r + 1;
        for (size_t j = 1 + s->ntags; j < s->ncols; j++) {
            const hb_run_sum *rs = src->rgsums[j] ? &src->rgsums[j][sg->run] : NULL;
            if (!rs || !rs->count || (last ? rs->last_row : rs->first_row) != r)
                continue;   /* null in this row */
            ((hb_num *)src->vec[j].values)[r] = last ? rs->last : rs->first;
            scan_bit_set((uint8_t *)src->vec[j].valid, r);
        }
    }
    src->times = t;
    src->stats.summary_runs += src->nseg;
    return 1;
}

/* Decode the time and field columns of row group rg, only the pages holding
 * the picked runs' rows (all of them when building run summaries; none for
 * runs answered from summaries); on the scan's workers when there is
 * enough. */
static int decode_picked(const hb_scan *s, scan_src *src, size_t rg, hb_err *err)
{
    size_t nr = 0, rows = 0;
    for (size_t g = 0; g < src->nseg; g++) {
        const scan_seg *sg = &src->segs[g];
        if (sg->sum)
            continue;
        rows += sg->end - sg->start;
        if (nr && src->ranges[nr - 1].hi >= sg->start) {   /* >: pieces of one run (mask holes) */
            if (sg->end > src->ranges[nr - 1].hi)
                src->ranges[nr - 1].hi = sg->end;
        } else {
            src->ranges[nr++] = (hb_pq_rowrange){ sg->start, sg->end };
        }
    }
    for (size_t j = 0; j < s->ncols; j++)
        src->vec[j] = (hb_pq_colvec){ NULL, NULL };
    src->times = NULL;
    if (!rows)
        return HB_OK;   /* every run from summaries */
    int build = wants_build(s, src, rg) && mostly_touched(src, rg, nr);
    if (!build) {
        int rc = rows_from_summaries(s, src, rg, err);
        if (rc)
            return rc < 0 ? rc : HB_OK;
    }
    if (build || (nr == 1 && src->ranges[0].lo == 0 && src->ranges[0].hi == hb_pq_reader_rg_rows(src->reader, rg)))
        nr = 0;   /* every row */
    size_t cols[s->ncols], nc = 0;
    for (size_t j = 0; j < s->ncols; j++)
        if (decoded(s, src, j))
            cols[nc++] = j;
    int rcs[nc ? nc : 1];
    hb_err *errs = malloc((nc ? nc : 1) * sizeof *errs);
    if (!errs)
        return hb_err_set(err, HB_ENOMEM, "out of memory scanning %s", hb_pq_reader_key(src->reader));
    col_job jb = { s, src, rg, nr, cols, rcs, errs };
    if (s->workers && nc > 1 && rows * nc >= s->par_min)
        hb_workers_run(s->workers, nc, decode_col, &jb);
    else
        for (size_t i = 0; i < nc; i++)
            decode_col(&jb, i);
    int rc = HB_OK;
    for (size_t i = 0; i < nc && !rc; i++)
        if ((rc = rcs[i]))
            hb_err_set(err, rc, "%s", errs[i].msg);
    free(errs);
    src->times = src->vec[0].values;
    for (size_t j = 1 + s->ntags; build && !rc && j < s->ncols; j++)
        if (src->vec[j].values)
            hb_run_sums_build(src->ix, rg, (size_t)src->map[j], s->cols[j].type, &src->vec[j], src->times);
    return rc;
}

/* Cut the picked runs to their rows inside [tmin, tmax]; drop empty ones. */
static void trim_runs(const hb_scan *s, scan_src *src)
{
    size_t k = 0;
    for (size_t g = 0; g < src->nseg; g++) {
        scan_seg sg = src->segs[g];
        const int64_t *t = src->times;
        if (sg.sum) {
            src->stats.rows_in += sg.end - sg.start;
            src->segs[k++] = sg;
            continue;
        }
        if (t[sg.start] < sg.tlo)
            sg.start = (uint32_t)scan_lower_bound(t, sg.start, sg.end, sg.tlo);
        if (sg.start < sg.end && t[sg.end - 1] > sg.thi)
            sg.end = (uint32_t)scan_lower_bound(t, sg.start, sg.end, sg.thi + 1);
        if (sg.start < sg.end) {
            src->stats.rows_in += sg.end - sg.start;
            src->segs[k++] = sg;
        }
    }
    src->nseg = k;
}

static void set_head(scan_src *src)
{
    const scan_seg *sg = &src->segs[src->si];
    src->hkey = sg->key;
    src->htime = sg->sum ? sg->tlo : src->times[src->pos];
}

uint64_t scan_file_pick(const hb_scan *s, scan_src *src, hb_err *err)
{
    if (src->picked)
        return src->work;
    hb_pq_reader *r = src->reader;
    while (src->rg < src->nrg) {
        size_t rg = src->rg++;
        int64_t lo, hi;
        if (hb_pq_reader_rg_time_range(r, rg, &lo, &hi) == HB_OK && (hi < s->tmin || lo > s->tmax)) {
            src->stats.row_groups_skipped++;
            continue;
        }
        int rc = pick_runs(s, src, rg, err);
        if (rc < 0) {
            src->load_rc = rc;
            return 0;
        }
        if (rc == 0) {
            src->stats.row_groups_skipped++;
            continue;
        }
        uint64_t rows = 0;
        for (size_t g = 0; g < src->nseg; g++)
            rows += src->segs[g].sum ? 0 : src->segs[g].end - src->segs[g].start;
        src->picked = 1;
        src->pick_rg = rg;
        src->work = rows * src->ndecoded;
        return src->work;
    }
    return 0;
}

int scan_file_load(const hb_scan *s, scan_src *src, hb_err *err)
{
    int rc;
    for (;;) {
        if (!src->picked) {
            src->load_rc = 0;
            scan_file_pick(s, src, err);
            if (src->load_rc)
                return src->load_rc;
            if (!src->picked)
                break;
        }
        src->picked = 0;
        if ((rc = decode_picked(s, src, src->pick_rg, err)))
            return rc;
        trim_runs(s, src);
        src->stats.row_groups_read++;
        if (src->nseg) {
            src->si = 0;
            src->pos = src->segs[0].start;
            set_head(src);
            src->state = SRC_READY;
            return HB_OK;
        }
    }
    src->state = SRC_DONE;
    return HB_OK;
}

/* Rows [r0, r0+cnt) of the row group (all of segment sg) to the end of the
 * block. */
static void copy_rows(hb_scan *s, const scan_src *src, const scan_seg *sg, size_t r0, size_t cnt)
{
    scan_out *o = &s->out;
    size_t d = o->n;
    for (size_t j = 0; j < s->ncols; j++) {
        if (j >= 1 && j <= s->ntags) {
            int32_t slot = src->tagslot[j];
            if (slot < 0 || !sg->tagv[slot].p)
                continue;
            hb_slice *dst = (hb_slice *)o->vals[j] + d;
            size_t nt = s->sparse_tags ? 1 : cnt;   /* scan.h sparse_tags: the first row says it */
            for (size_t i = 0; i < nt; i++)
                dst[i] = sg->tagv[slot];
            scan_bits_set(o->valid[j], d, nt);
            continue;
        }
        const hb_pq_colvec *v = &src->vec[j];
        if (!v->values)
            continue;
        size_t es = o->esz[j];
        memcpy((char *)o->vals[j] + d * es, (const char *)v->values + r0 * es, cnt * es);
        if (j)
            scan_bits_copy(o->valid[j], d, v->valid, r0, cnt);
    }
    hb_slice *k = o->keys + d;
    for (size_t i = 0; i < cnt; i++)
        k[i] = sg->key;
    o->n += cnt;
}

size_t scan_file_run(hb_scan *s, scan_src *src, const scan_src *bound, size_t space)
{
    size_t done = 0;
    while (done < space) {
        const scan_seg *sg = &src->segs[src->si];
        if (sg->sum)
            break;   /* the merge hands it on as a summary row */
        size_t lim = sg->end;
        if (bound) {
            int c = scan_keycmp(sg->key, bound->hkey);
            if (c > 0)
                break;
            if (c == 0)
                lim = scan_lower_bound(src->times, src->pos, sg->end, bound->htime);
        }
        size_t cnt = lim - src->pos;
        if (cnt > space - done)
            cnt = space - done;
        if (!cnt)
            break;
        copy_rows(s, src, sg, src->pos, cnt);
        done += cnt;
        src->pos += (uint32_t)cnt;
        if (src->pos < sg->end)
            break;
        if (++src->si == src->nseg) {
            src->state = SRC_PENDING;
            return done;
        }
        src->pos = src->segs[src->si].start;
    }
    set_head(src);
    return done;
}

const void *scan_file_value(const hb_scan *s, const scan_src *src, size_t col)
{
    if (col >= 1 && col <= s->ntags) {
        int32_t slot = src->tagslot[col];
        const hb_slice *v = slot >= 0 ? &src->segs[src->si].tagv[slot] : NULL;
        return v && v->p ? v : NULL;
    }
    const hb_pq_colvec *v = &src->vec[col];
    if (!v->values || !hb_pq_valid(v->valid, src->pos))
        return NULL;
    return (const char *)v->values + (size_t)src->pos * s->out.esz[col];
}

void scan_file_advance(scan_src *src)
{
    if (++src->pos == src->segs[src->si].end) {
        if (++src->si == src->nseg) {
            src->state = SRC_PENDING;
            return;
        }
        src->pos = src->segs[src->si].start;
    }
    set_head(src);
}

void scan_file_sum_row(hb_scan *s, scan_src *src)
{
    scan_out *o = &s->out;
    const scan_seg *sg = &src->segs[src->si];
    size_t d = o->n;
    ((int64_t *)o->vals[0])[d] = sg->tlo;
    o->keys[d] = sg->key;
    const hb_run_sum **row = o->sums + d * s->ncols;
    row[0] = NULL;
    for (size_t j = 1; j < s->ncols; j++) {
        row[j] = NULL;
        if (j > s->ntags) {
            if (src->rgsums[j])
                row[j] = &src->rgsums[j][sg->run];
            continue;
        }
        int32_t slot = src->tagslot[j];
        if (slot >= 0 && sg->tagv[slot].p) {
            ((hb_slice *)o->vals[j])[d] = sg->tagv[slot];
            scan_bit_set(o->valid[j], d);
        }
    }
    o->n++;
    src->stats.summary_runs++;
    if (++src->si == src->nseg) {
        src->state = SRC_PENDING;
        return;
    }
    src->pos = src->segs[src->si].start;
    set_head(src);
}
