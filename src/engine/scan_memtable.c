/* Memtable (write buffer) sources of a scan (see scan.c for the merge).
 *
 * The table's series are visited in key order (a sorted copy of the series
 * array). Entering a series builds rows[]: the indices of its rows inside
 * [tmin, tmax] in time order (a binary search when the series is already
 * sorted, else a filter and a stable sort, so equal times keep arrival
 * order). Rows with equal times form one group, one output row, whose
 * fields come from the latest arrival that has them; grp[] holds the group
 * starts, only built when the series has such duplicates. Values are
 * gathered column by column for a run of groups; tag values are constant
 * per series. Nothing is copied out of the memtable: strings and keys in
 * blocks point into it. */
#include <stdlib.h>
#include <string.h>

#include "engine/scan_internal.h"

static int cmp_series(const void *a, const void *b)
{
    const hb_mt_series *x = *(const hb_mt_series *const *)a, *y = *(const hb_mt_series *const *)b;
    return scan_keycmp(x->key, y->key);
}

/* Rows of a series by time; equal times keep arrival order. */
static int cmp_row(const void *a, const void *b, void *times)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    int64_t tx = ((const int64_t *)times)[x], ty = ((const int64_t *)times)[y];
    if (tx != ty)
        return tx < ty ? -1 : 1;
    return (x > y) - (x < y);
}

static int nomem(const scan_src *src, hb_err *err)
{
    return hb_err_set(err, HB_ENOMEM, "out of memory scanning the write buffer of %s", src->table->measurement);
}

int scan_mt_init(hb_scan *s, scan_src *src, hb_err *err)
{
    const hb_mt_table *t = src->table;
    src->nser = t->nseries;
    src->ser = malloc((src->nser ? src->nser : 1) * sizeof *src->ser);
    src->map = malloc(s->ncols * sizeof *src->map);
    src->tagpos = malloc((s->ntags ? s->ntags : 1) * sizeof *src->tagpos);
    if (!src->ser || !src->map || !src->tagpos)
        return nomem(src, err);
    if (src->nser)
        memcpy(src->ser, t->series, src->nser * sizeof *src->ser);
    qsort(src->ser, src->nser, sizeof *src->ser, cmp_series);
    for (size_t j = 0; j < s->ncols; j++) {
        src->map[j] = -1;
        for (uint32_t f = 0; j > s->ntags && f < t->nfields; f++)
            if (strcmp(t->field_names[f], s->cols[j].name) == 0) {
                src->map[j] = (int32_t)f;
                break;
            }
    }
    return HB_OK;
}

int scan_mt_time_range(const scan_src *src, int64_t *lo, int64_t *hi)
{
    int any = 0;
    for (size_t i = 0; i < src->nser; i++) {
        const hb_mt_series *se = src->ser[i];
        if (!se->nrows)
            continue;
        int64_t a = se->times[0], b = se->times[se->nrows - 1];
        if (!se->sorted)   /* arrival order: look at every time */
            for (size_t r = 0; r < se->nrows; r++) {
                if (se->times[r] < a)
                    a = se->times[r];
                if (se->times[r] > b)
                    b = se->times[r];
            }
        if (!any || a < *lo)
            *lo = a;
        if (!any || b > *hi)
            *hi = b;
        any = 1;
    }
    return any;
}

void scan_mt_free(scan_src *src)
{
    free(src->ser);
    free(src->map);
    free(src->tagpos);
    free(src->rows);
    free(src->grp);
}

static inline size_t group_first(const scan_src *src, size_t g) { return src->grouped ? src->grp[g] : g; }

static inline int64_t group_time(const scan_src *src, const hb_mt_series *se, size_t g)
{
    return se->times[src->rows[group_first(src, g)]];
}

static void set_head(scan_src *src)
{
    const hb_mt_series *se = src->ser[src->ser_i];
    src->hkey = se->key;
    src->htime = group_time(src, se, src->g);
}

/* Enter series ser_i or the next one with rows in the time range. */
static int enter(hb_scan *s, scan_src *src, hb_err *err)
{
    for (; src->ser_i < src->nser; src->ser_i++) {
        const hb_mt_series *se = src->ser[src->ser_i];
        size_t n = se->nrows, m = 0;
        if (n == 0)
            continue;
        if (s->filter) {   /* the series' tags in output column order */
            for (size_t j = 1; j <= s->ntags; j++) {
                s->ftags[j] = (hb_slice){ NULL, 0 };
                for (uint32_t t = 0; t < se->ntags; t++)
                    if (se->tags[t].key.n == s->colname[j].n &&
                        memcmp(se->tags[t].key.p, s->colname[j].p, se->tags[t].key.n) == 0) {
                        s->ftags[j] = se->tags[t].val.p ? se->tags[t].val : (hb_slice){ "", 0 };
                        break;
                    }
            }
            if (!s->filter(s->filter_ctx, s->ftags))
                continue;
        }
        if (n > UINT32_MAX)
            return hb_err_set(err, HB_ELIMIT, "write buffer series %.*s has too many rows", (int)se->key.n, se->key.p);
        if (n > src->rows_cap) {
            uint32_t *nr = realloc(src->rows, n * sizeof *nr);
            if (!nr)
                return nomem(src, err);
            src->rows = nr;
            src->rows_cap = n;
        }
        /* the scan's range, narrowed by the series' cutoff (scan.h
         * series_limit) as in every file: a row left out anywhere must be
         * left out everywhere, or a row merged from fewer sources would
         * come out */
        int64_t tlo = s->tmin, thi = s->tmax;
        const int64_t *cut = s->series_limit ? hb_strmap_get(&s->cutoff, se->key.p, se->key.n) : NULL;
        if (cut && s->series_last && *cut > tlo)
            tlo = *cut;
        else if (cut && !s->series_last && *cut < thi)
            thi = *cut;
        if (se->sorted) {
            size_t lo = tlo == INT64_MIN ? 0 : scan_lower_bound(se->times, 0, n, tlo);
            size_t hi = thi == INT64_MAX ? n : scan_lower_bound(se->times, lo, n, thi + 1);
            for (size_t r = lo; r < hi; r++)
                src->rows[m++] = (uint32_t)r;
        } else {
            for (size_t r = 0; r < n; r++)
                if (se->times[r] >= tlo && se->times[r] <= thi)
                    src->rows[m++] = (uint32_t)r;
            qsort_r(src->rows, m, sizeof *src->rows, cmp_row, se->times);
        }
        if (m == 0)
            continue;
        src->grouped = 0;
        for (size_t p = 1; p < m && !src->grouped; p++)
            src->grouped = se->times[src->rows[p]] == se->times[src->rows[p - 1]];
        src->ng = m;
        if (src->grouped) {
            if (m + 1 > src->grp_cap) {
                uint32_t *ng = realloc(src->grp, (m + 1) * sizeof *ng);
                if (!ng)
                    return nomem(src, err);
                src->grp = ng;
                src->grp_cap = m + 1;
            }
            src->ng = 0;
            for (size_t p = 0; p < m; p++)
                if (p == 0 || se->times[src->rows[p]] != se->times[src->rows[p - 1]])
                    src->grp[src->ng++] = (uint32_t)p;
            src->grp[src->ng] = (uint32_t)m;
        }
        for (size_t j = 0; j < s->ntags; j++)
            src->tagpos[j] = -1;
        for (uint32_t q = 0; q < se->ntags; q++) {
            uintptr_t j = (uintptr_t)hb_strmap_get(&s->tagmap, se->tags[q].key.p, se->tags[q].key.n);
            if (j)
                src->tagpos[j - 1] = (int32_t)q;
        }
        s->stats.rows_in += m;
        src->g = 0;
        set_head(src);
        src->state = SRC_READY;
        return HB_OK;
    }
    src->state = SRC_DONE;
    return HB_OK;
}

int scan_mt_start(hb_scan *s, scan_src *src, hb_err *err)
{
    src->ser_i = 0;
    return enter(s, src, err);
}

int scan_mt_advance(hb_scan *s, scan_src *src, hb_err *err)
{
    if (++src->g < src->ng) {
        set_head(src);
        return HB_OK;
    }
    src->ser_i++;
    return enter(s, src, err);
}

/* First group in [lo, hi) whose time is >= t. */
static size_t group_lower_bound(const scan_src *src, const hb_mt_series *se, size_t lo, size_t hi, int64_t t)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (group_time(src, se, mid) < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static inline void copy_val(void *dst, size_t di, const void *src, size_t si, size_t es)
{
    switch (es) {
    case 1: ((uint8_t *)dst)[di] = ((const uint8_t *)src)[si]; break;
    case 8: ((uint64_t *)dst)[di] = ((const uint64_t *)src)[si]; break;
    default: ((hb_slice *)dst)[di] = ((const hb_slice *)src)[si]; break;
    }
}

/* Groups [g0, g0+cnt) of the current series to the end of the block. */
static void copy_groups(hb_scan *s, const scan_src *src, const hb_mt_series *se, size_t g0, size_t cnt)
{
    scan_out *o = &s->out;
    size_t d = o->n;
    int64_t *ot = (int64_t *)o->vals[0] + d;
    for (size_t i = 0; i < cnt; i++)
        ot[i] = group_time(src, se, g0 + i);
    for (size_t j = 1; j <= s->ntags; j++) {
        int32_t tp = src->tagpos[j - 1];
        if (tp < 0)
            continue;
        hb_slice *ov = (hb_slice *)o->vals[j] + d, v = se->tags[tp].val;
        size_t nt = s->sparse_tags ? 1 : cnt;   /* scan.h sparse_tags: the first row says it */
        for (size_t i = 0; i < nt; i++)
            ov[i] = v;
        scan_bits_set(o->valid[j], d, nt);
    }
    for (size_t j = s->ntags + 1; j < s->ncols; j++) {
        int32_t c = src->map[j];
        if (c < 0 || (uint32_t)c >= se->ncols || !se->cols[c].vals)
            continue;
        const hb_mt_column *col = &se->cols[c];
        size_t es = o->esz[j];
        void *ov = o->vals[j];
        uint8_t *valid = o->valid[j];
        if (!src->grouped) {
            for (size_t i = 0; i < cnt; i++) {
                uint32_t r = src->rows[g0 + i];
                if (hb_mt_valid(col, r)) {
                    copy_val(ov, d + i, col->vals, r, es);
                    scan_bit_set(valid, d + i);
                }
            }
            continue;
        }
        for (size_t i = 0; i < cnt; i++)
            for (size_t q = src->grp[g0 + i + 1]; q-- > src->grp[g0 + i];) {  /* latest arrival first */
                uint32_t r = src->rows[q];
                if (hb_mt_valid(col, r)) {
                    copy_val(ov, d + i, col->vals, r, es);
                    scan_bit_set(valid, d + i);
                    break;
                }
            }
    }
    hb_slice *k = o->keys + d;
    for (size_t i = 0; i < cnt; i++)
        k[i] = se->key;
    o->n += cnt;
}

int scan_mt_run(hb_scan *s, scan_src *src, const scan_src *bound, size_t space, size_t *copied, hb_err *err)
{
    size_t done = 0;
    int rc = HB_OK;
    while (done < space && src->state == SRC_READY) {
        const hb_mt_series *se = src->ser[src->ser_i];
        size_t lim = src->ng;
        if (bound) {
            int c = scan_keycmp(se->key, bound->hkey);
            if (c > 0)
                break;
            if (c == 0)
                lim = group_lower_bound(src, se, src->g, src->ng, bound->htime);
        }
        size_t cnt = lim - src->g;
        if (cnt > space - done)
            cnt = space - done;
        if (!cnt)
            break;
        copy_groups(s, src, se, src->g, cnt);
        done += cnt;
        src->g += cnt;
        if (src->g < src->ng)
            break;
        src->ser_i++;
        if ((rc = enter(s, src, err)))
            break;
    }
    if (src->state == SRC_READY && !rc)
        set_head(src);
    *copied = done;
    return rc;
}

const void *scan_mt_value(const hb_scan *s, const scan_src *src, size_t col)
{
    const hb_mt_series *se = src->ser[src->ser_i];
    if (col <= s->ntags) {
        int32_t tp = src->tagpos[col - 1];
        return tp < 0 ? NULL : &se->tags[tp].val;
    }
    int32_t c = src->map[col];
    if (c < 0 || (uint32_t)c >= se->ncols || !se->cols[c].vals)
        return NULL;
    const hb_mt_column *mc = &se->cols[c];
    size_t es = s->out.esz[col];
    size_t lo = group_first(src, src->g), hi = src->grouped ? src->grp[src->g + 1] : src->g + 1;
    for (size_t q = hi; q-- > lo;) {
        uint32_t r = src->rows[q];
        if (hb_mt_valid(mc, r))
            return (const char *)mc->vals + (size_t)r * es;
    }
    return NULL;
}
