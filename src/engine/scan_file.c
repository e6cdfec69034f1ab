/* Parquet file sources of a scan (see scan.c for the merge).
 *
 * A file source holds one row group at a time, decoded into its own arena:
 * the time column, every tag column of the file (the series key needs them
 * all) and the projected field columns. Loading a row group:
 *   1. skip row groups whose time statistics miss [tmin, tmax];
 *   2. decode the columns (arena reset first: the previous row group's
 *      strings and keys die here, hence the block cut in scan.c). The
 *      arena is sized from the footer for the largest row group, so its
 *      one block is reused by every load (fresh memory is expensive: page
 *      faults cost more than the decoding on some VMs);
 *   3. mark rows whose tag values differ from the previous row (column by
 *      column, comparing slices: dictionary-decoded strings share pointers,
 *      so equal values are usually equal pointers) and split the row group
 *      into series segments; build each segment's series key once;
 *   4. check the file's order (series keys increasing, times strictly
 *      increasing within a series, also across row groups): the merge
 *      relies on it, a file breaking it is HB_ECORRUPT;
 *   5. cut each segment down to its rows inside [tmin, tmax] (a binary
 *      search: times are sorted within a series).
 * Runs of rows are then copied column by column (memcpy of values, bitmap
 * copy of validity). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "domain/series_key.h"
#include "engine/scan_internal.h"

#define FILE_ARENA_BLOCK ((size_t)256 << 10)
#define FILE_ARENA_MAX_HINT ((uint64_t)1 << 30)

static int find_role(const hb_pq_reader *r, const char *name, hb_pq_role role)
{
    return hb_pq_reader_find_col_role(r, name, role);
}

/* Arena bytes the largest row group of the file will need (values,
 * validity, string bytes, the change marks, some keys), from the footer;
 * 0 when implausible (the arena then grows as needed). */
static size_t rg_bytes(const hb_scan *s, const scan_src *src)
{
    const hb_pq_file_meta *m = hb_pq_reader_meta(src->reader);
    uint64_t best = 0;
    for (size_t rg = 0; rg < src->nrg; rg++) {
        uint64_t n = hb_pq_reader_rg_rows(src->reader, rg), b = n + 4096;
        for (size_t j = 0; j < s->ncols; j++) {
            if (src->map[j] < 0)
                continue;
            b += n * s->out.esz[j] + (n + 7) / 8 + 64;
            const hb_pq_column_meta *cm = m->row_groups[rg].columns[src->map[j]].meta_data;
            if (s->cols[j].type == HB_FT_STRING && cm && cm->total_uncompressed_size > 0)
                b += cm->total_uncompressed_size < (int64_t)FILE_ARENA_MAX_HINT ? (uint64_t)cm->total_uncompressed_size
                                                                                : FILE_ARENA_MAX_HINT;
        }
        if (b > best)
            best = b;
    }
    best += best / 8;
    return best > FILE_ARENA_MAX_HINT ? 0 : (size_t)best;
}

int scan_file_init(hb_scan *s, scan_src *src, hb_err *err)
{
    const hb_pq_reader *r = src->reader;
    int tc = hb_pq_reader_time_col(r);
    if (tc < 0)
        return hb_err_set(err, HB_EUNSUPP, "parquet file %s has no time column", hb_pq_reader_key(r));
    src->map = malloc(s->ncols * sizeof *src->map);
    src->vec = calloc(s->ncols, sizeof *src->vec);
    src->tagcols = malloc((s->ntags ? s->ntags : 1) * sizeof *src->tagcols);
    src->tagbuf = malloc((s->ntags ? s->ntags : 1) * sizeof *src->tagbuf);
    if (!src->map || !src->vec || !src->tagcols || !src->tagbuf)
        return hb_err_set(err, HB_ENOMEM, "out of memory opening a scan of %s", hb_pq_reader_key(r));
    src->map[0] = tc;
    src->nrg = hb_pq_reader_row_groups(r);
    for (size_t j = 1; j < s->ncols; j++) {
        int tag = j <= s->ntags;
        src->map[j] = find_role(r, s->cols[j].name, tag ? HB_PQ_TAG : HB_PQ_FIELD);
        /* output tag columns are sorted by name, so these are too */
        if (tag && src->map[j] >= 0)
            src->tagcols[src->ntagcols++] = (uint32_t)j;
    }
    size_t est = rg_bytes(s, src);
    hb_arena_init(&src->arena, est > FILE_ARENA_BLOCK ? est : FILE_ARENA_BLOCK, 0);
    hb_buf_init(&src->lastkey, 0);
    src->state = SRC_PENDING;
    return HB_OK;
}

void scan_file_free(scan_src *src)
{
    free(src->map);
    free(src->vec);
    free(src->tagcols);
    free(src->tagbuf);
    free(src->segs);
    hb_arena_free(&src->arena);
    hb_buf_free(&src->lastkey);
}

static inline int slice_same(const hb_slice *x, const hb_slice *y)
{
    return x->n == y->n && (x->p == y->p || x->n == 0 || memcmp(x->p, y->p, x->n) == 0);
}

/* chg[r] |= row r's value of tag column v differs from row r-1's. */
static void mark_changes(const hb_pq_colvec *v, size_t n, uint8_t *chg)
{
    const hb_slice *vals = v->values;
    if (!v->valid) {
        for (size_t r = 1; r < n; r++)
            chg[r] |= !slice_same(&vals[r], &vals[r - 1]);
        return;
    }
    for (size_t r = 1; r < n; r++) {
        int a = hb_pq_valid(v->valid, r), b = hb_pq_valid(v->valid, r - 1);
        chg[r] |= a != b || (a && !slice_same(&vals[r], &vals[r - 1]));
    }
}

static int corrupt(const scan_src *src, size_t rg, size_t row, const char *what, hb_err *err)
{
    return hb_err_set(err, HB_ECORRUPT, "parquet file %s, row group %zu, row %zu: %s",
                      hb_pq_reader_key(src->reader), rg, row, what);
}

/* Series key of row r from its non-null tags (tag columns in name order),
 * in the source arena. */
static int row_key(hb_scan *s, scan_src *src, size_t r, hb_slice *out)
{
    uint32_t nt = 0;
    for (uint32_t k = 0; k < src->ntagcols; k++) {
        const hb_pq_colvec *v = &src->vec[src->tagcols[k]];
        if (hb_pq_valid(v->valid, r))
            src->tagbuf[nt++] = (hb_tag){ s->colname[src->tagcols[k]], ((const hb_slice *)v->values)[r] };
    }
    size_t len = hb_series_key_len(s->meas, src->tagbuf, nt);
    char *p = hb_arena_alloc(&src->arena, len ? len : 1);
    if (!p)
        return HB_ENOMEM;
    hb_series_key_write(p, s->meas, src->tagbuf, nt);
    *out = (hb_slice){ p, len };
    return HB_OK;
}

/* Split the loaded row group (n rows) into series segments, check the
 * order, apply the time filter (all_in: every row is in range). */
static int build_segments(hb_scan *s, scan_src *src, size_t rg, size_t n, int all_in, hb_err *err)
{
    const int64_t *t = src->times;
    uint8_t *chg = hb_arena_calloc(&src->arena, n);
    if (!chg)
        return hb_err_set(err, HB_ENOMEM, "out of memory scanning %s", hb_pq_reader_key(src->reader));
    chg[0] = 1;
    for (uint32_t k = 0; k < src->ntagcols; k++)
        mark_changes(&src->vec[src->tagcols[k]], n, chg);
    for (size_t r = 1; r < n; r++)
        if (!chg[r] && t[r] <= t[r - 1])
            return corrupt(src, rg, r, t[r] == t[r - 1] ? "two rows of one series with the same time"
                                                        : "rows of a series not sorted by time", err);
    src->nseg = 0;
    hb_slice prev = { NULL, 0 };
    for (size_t a = 0; a < n;) {
        const uint8_t *nx = a + 1 < n ? memchr(chg + a + 1, 1, n - a - 1) : NULL;
        size_t b = nx ? (size_t)(nx - chg) : n;
        hb_slice key;
        if (row_key(s, src, a, &key))
            return hb_err_set(err, HB_ENOMEM, "out of memory scanning %s", hb_pq_reader_key(src->reader));
        if (a > 0) {
            if (scan_keycmp(prev, key) >= 0)
                return corrupt(src, rg, a, "rows not sorted by series key", err);
        } else if (src->has_last) {
            int c = scan_keycmp((hb_slice){ src->lastkey.data, src->lastkey.len }, key);
            if (c > 0 || (c == 0 && src->lasttime >= t[0]))
                return corrupt(src, rg, 0, "rows not sorted by series key and time across row groups", err);
        }
        prev = key;
        size_t lo = a, hi = b;
        if (!all_in) {
            lo = s->tmin == INT64_MIN ? a : scan_lower_bound(t, a, b, s->tmin);
            hi = s->tmax == INT64_MAX ? b : scan_lower_bound(t, lo, b, s->tmax + 1);
        }
        if (lo < hi) {
            if (src->nseg == src->segcap) {
                size_t nc = src->segcap ? src->segcap * 2 : 64;
                scan_seg *ns = realloc(src->segs, nc * sizeof *ns);
                if (!ns)
                    return hb_err_set(err, HB_ENOMEM, "out of memory scanning %s", hb_pq_reader_key(src->reader));
                src->segs = ns;
                src->segcap = nc;
            }
            src->segs[src->nseg++] = (scan_seg){ (uint32_t)lo, (uint32_t)hi, key };
            s->stats.rows_in += hi - lo;
        }
        a = b;
    }
    hb_buf_reset(&src->lastkey);
    if (hb_buf_append(&src->lastkey, prev.p, prev.n))
        return hb_err_set(err, HB_ENOMEM, "out of memory scanning %s", hb_pq_reader_key(src->reader));
    src->lasttime = t[n - 1];
    src->has_last = 1;
    return HB_OK;
}

static void set_head(scan_src *src)
{
    src->hkey = src->segs[src->si].key;
    src->htime = src->times[src->pos];
}

int scan_file_load(hb_scan *s, scan_src *src, hb_err *err)
{
    hb_pq_reader *r = src->reader;
    int rc;
    while (src->rg < src->nrg) {
        size_t rg = src->rg++;
        int64_t lo, hi;
        int all_in = 0;
        if (hb_pq_reader_rg_time_range(r, rg, &lo, &hi) == HB_OK) {
            if (hi < s->tmin || lo > s->tmax) {
                s->stats.row_groups_skipped++;
                continue;
            }
            all_in = lo >= s->tmin && hi <= s->tmax;
        }
        size_t n = (size_t)hb_pq_reader_rg_rows(r, rg);
        if (n == 0)
            continue;
        /* hb_arena_reset keeps only the first block: when the last row
         * group needed more, start over with one block that holds it all,
         * so that row groups reuse the same memory instead of freeing and
         * faulting in fresh pages (or mmap/munmap) for every load */
        if (src->arena.total > src->arena.block_size) {
            size_t want = src->arena.total + src->arena.total / 8;
            hb_arena_free(&src->arena);
            hb_arena_init(&src->arena, want, 0);
        } else {
            hb_arena_reset(&src->arena);
        }
        src->nseg = 0;
        /* time and tags first: with a series filter the fields are only
         * decoded when some series of the row group is wanted */
        size_t first_field = s->filter ? 1 + s->ntags : s->ncols;
        for (size_t j = 0; j < s->ncols; j++) {
            src->vec[j] = (hb_pq_colvec){ NULL, NULL };
            if (src->map[j] < 0 || j >= first_field)
                continue;
            if ((rc = hb_pq_reader_read(r, rg, (size_t)src->map[j], &src->arena, &src->vec[j], err)))
                return rc;
        }
        const hb_pq_colvec *tv = &src->vec[0];
        for (size_t i = 0; tv->valid && i < n; i++)
            if (!hb_pq_valid(tv->valid, i))
                return corrupt(src, rg, i, "null time", err);
        src->times = tv->values;
        if ((rc = build_segments(s, src, rg, n, all_in, err)))
            return rc;
        if (s->filter && src->nseg) {
            size_t k = 0;
            for (size_t g = 0; g < src->nseg; g++) {
                size_t row = src->segs[g].start;
                for (size_t j = 1; j <= s->ntags; j++) {
                    const hb_pq_colvec *v = &src->vec[j];
                    s->ftags[j] = v->values && hb_pq_valid(v->valid, row) ? ((const hb_slice *)v->values)[row]
                                                                          : (hb_slice){ NULL, 0 };
                    if (s->ftags[j].n == 0 && v->values && hb_pq_valid(v->valid, row))
                        s->ftags[j].p = "";
                }
                if (s->filter(s->filter_ctx, s->ftags))
                    src->segs[k++] = src->segs[g];
            }
            src->nseg = k;
            if (!k) {
                s->stats.row_groups_skipped++;
                continue;
            }
            for (size_t j = first_field; j < s->ncols; j++)
                if (src->map[j] >= 0 &&
                    (rc = hb_pq_reader_read(r, rg, (size_t)src->map[j], &src->arena, &src->vec[j], err)))
                    return rc;
        }
        s->stats.row_groups_read++;
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

/* Rows [r0, r0+cnt) of the row group to the end of the block. */
static void copy_rows(hb_scan *s, const scan_src *src, size_t r0, size_t cnt, hb_slice key)
{
    scan_out *o = &s->out;
    size_t d = o->n;
    for (size_t j = 0; j < s->ncols; j++) {
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
        k[i] = key;
    o->n += cnt;
}

size_t scan_file_run(hb_scan *s, scan_src *src, const scan_src *bound, size_t space)
{
    size_t done = 0;
    while (done < space) {
        const scan_seg *sg = &src->segs[src->si];
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
        copy_rows(s, src, src->pos, cnt, sg->key);
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
