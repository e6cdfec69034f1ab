/* Building a file's series index (engine/file_index.h).
 *
 * Per row group: decode the time column and every tag column into a
 * scratch arena, mark the rows whose tag values differ from the previous
 * row's (dictionary-decoded strings share pointers, so equal values are
 * usually equal pointers), cut the row group into runs there, build each
 * run's key and copy its tag values into the index arena (a value equal to
 * the previous run's, by pointer, is shared instead of copied). */
#include "engine/file_index.h"

#include <stdlib.h>
#include <string.h>

#include "domain/point.h"
#include "domain/series_key.h"
#include "engine/run_summary.h"

typedef struct build {
    const hb_pq_reader *r;
    hb_fidx *ix;
    hb_arena tmp;               /* one row group's decoded columns */
    hb_pq_colvec *vec;          /* [ntags] decoded tag columns */
    const hb_slice **prev_src;  /* [ntags] previous run's decoded slice (for sharing) */
    const hb_slice **prev_copy; /* [ntags] and its copy */
    hb_tag *tagbuf;             /* [ntags] */
    hb_slice lastkey;
    int64_t lasttime;
    int has_last;
    hb_err *err;
} build;

static int corrupt(build *b, size_t rg, size_t row, const char *what)
{
    return hb_err_set(b->err, HB_ECORRUPT, "parquet file %s, row group %zu, row %zu: %s", hb_pq_reader_key(b->r),
                      rg, row, what);
}

static int oom(build *b)
{
    return hb_err_set(b->err, HB_ENOMEM, "out of memory indexing %s", hb_pq_reader_key(b->r));
}

static int keycmp(hb_slice a, hb_slice b)
{
    size_t n = a.n < b.n ? a.n : b.n;
    int c = n ? memcmp(a.p, b.p, n) : 0;
    return c ? c : (a.n > b.n) - (a.n < b.n);
}

static inline hb_slice cstr_slice(const char *s) { return (hb_slice){ s, strlen(s) }; }

static inline int slice_same(const hb_slice *x, const hb_slice *y)
{
    return x->n == y->n && (x->p == y->p || x->n == 0 || memcmp(x->p, y->p, x->n) == 0);
}

/* chg[r] |= row r's value of v differs from row r-1's. */
static void mark_changes(const hb_pq_colvec *v, size_t n, uint8_t *chg)
{
    const hb_slice *vals = v->values;
    if (!v->valid) {
        for (size_t r = 1; r < n; r++)
            chg[r] |= !slice_same(&vals[r], &vals[r - 1]);
        return;
    }
    for (size_t r = 1; r < n; r++) {
        int a = hb_pq_valid(v->valid, r), c = hb_pq_valid(v->valid, r - 1);
        chg[r] |= a != c || (a && !slice_same(&vals[r], &vals[r - 1]));
    }
}

/* The run starting at row a: tag values (copied or shared) and key. */
static int fill_run(build *b, size_t a, hb_fidx_run *run)
{
    hb_fidx *ix = b->ix;
    hb_slice *tv = hb_arena_alloc(&ix->arena, (ix->ntags ? ix->ntags : 1) * sizeof *tv);
    if (!tv)
        return oom(b);
    uint32_t nt = 0;
    for (size_t k = 0; k < ix->ntags; k++) {
        const hb_pq_colvec *v = &b->vec[k];
        tv[k] = (hb_slice){ NULL, 0 };
        if (!hb_pq_valid(v->valid, a))
            continue;
        const hb_slice *src = &((const hb_slice *)v->values)[a];
        if (b->prev_src[k] && slice_same(b->prev_src[k], src)) {
            tv[k] = *b->prev_copy[k];
        } else if (src->n == 0) {
            tv[k] = (hb_slice){ "", 0 };
        } else {
            char *p = hb_arena_alloc(&ix->arena, src->n);
            if (!p)
                return oom(b);
            memcpy(p, src->p, src->n);
            tv[k] = (hb_slice){ p, src->n };
        }
        b->prev_src[k] = src;
        b->prev_copy[k] = &tv[k];
        b->tagbuf[nt++] = (hb_tag){ cstr_slice(hb_pq_reader_col(b->r, ix->tagcol[k])->name), tv[k] };
    }
    hb_slice m = cstr_slice(ix->measurement);
    size_t len = hb_series_key_len(m, b->tagbuf, nt);
    char *kp = hb_arena_alloc(&ix->arena, len ? len : 1);
    if (!kp)
        return oom(b);
    hb_series_key_write(kp, m, b->tagbuf, nt);
    run->key = (hb_slice){ kp, len };
    run->tagv = tv;
    return HB_OK;
}

static int index_rg(build *b, size_t rg, hb_fidx_rg *out)
{
    hb_fidx *ix = b->ix;
    size_t n = (size_t)hb_pq_reader_rg_rows(b->r, rg);
    out->runs = NULL;
    out->nruns = 0;
    if (n == 0)
        return HB_OK;
    if (n > UINT32_MAX)
        return corrupt(b, rg, 0, "row group too large");
    hb_arena_reset(&b->tmp);
    hb_pq_colvec tvec;
    int rc = hb_pq_reader_read(b->r, rg, (size_t)hb_pq_reader_time_col(b->r), &b->tmp, &tvec, b->err);
    if (rc)
        return rc;
    for (size_t i = 0; tvec.valid && i < n; i++)
        if (!hb_pq_valid(tvec.valid, i))
            return corrupt(b, rg, i, "null time");
    const int64_t *t = tvec.values;
    for (size_t k = 0; k < ix->ntags; k++) {
        if ((rc = hb_pq_reader_read(b->r, rg, ix->tagcol[k], &b->tmp, &b->vec[k], b->err)))
            return rc;
        b->prev_src[k] = NULL;   /* the previous row group's slices are gone */
    }
    uint8_t *chg = hb_arena_calloc(&b->tmp, n);
    if (!chg)
        return oom(b);
    chg[0] = 1;
    for (size_t k = 0; k < ix->ntags; k++)
        mark_changes(&b->vec[k], n, chg);
    size_t nr = 0;
    for (size_t r = 0; r < n; r++)
        nr += chg[r];
    hb_fidx_run *runs = hb_arena_alloc(&ix->arena, nr * sizeof *runs);
    if (!runs)
        return oom(b);
    size_t i = 0;
    for (size_t a = 0; a < n; i++) {
        const uint8_t *nx = a + 1 < n ? memchr(chg + a + 1, 1, n - a - 1) : NULL;
        size_t e = nx ? (size_t)(nx - chg) : n;
        for (size_t r = a + 1; r < e; r++)
            if (t[r] <= t[r - 1])
                return corrupt(b, rg, r, t[r] == t[r - 1] ? "two rows of one series with the same time"
                                                          : "rows of a series not sorted by time");
        hb_fidx_run *run = &runs[i];
        if ((rc = fill_run(b, a, run)))
            return rc;
        if (b->has_last) {
            int c = keycmp(b->lastkey, run->key);
            if (c > 0 || (c == 0 && (a > 0 || b->lasttime >= t[a])))
                return corrupt(b, rg, a, a > 0 ? "rows not sorted by series key"
                                               : "rows not sorted by series key and time across row groups");
        }
        run->start = (uint32_t)a;
        run->end = (uint32_t)e;
        run->tmin = t[a];
        run->tmax = t[e - 1];
        b->lastkey = run->key;
        b->lasttime = t[e - 1];
        b->has_last = 1;
        a = e;
    }
    out->runs = runs;
    out->nruns = nr;
    return HB_OK;
}

static void fidx_free(void *p)
{
    hb_fidx *ix = p;
    if (!ix)
        return;
    hb_run_sums_free_all(ix);
    free(ix->sums);
    hb_arena_free(&ix->arena);
    free(ix);
}

static int cmp_tagslot(const void *a, const void *b, void *r)
{
    const char *x = hb_pq_reader_col(r, *(const uint32_t *)a)->name;
    const char *y = hb_pq_reader_col(r, *(const uint32_t *)b)->name;
    return strcmp(x, y);
}

static int fidx_build(const hb_pq_reader *r, void *ctx, void **out, hb_err *err)
{
    const char *measurement = ctx;
    if (hb_pq_reader_time_col(r) < 0)
        return hb_err_set(err, HB_EUNSUPP, "parquet file %s has no time column", hb_pq_reader_key(r));
    hb_fidx *ix = calloc(1, sizeof *ix);
    if (!ix)
        return hb_err_set(err, HB_ENOMEM, "out of memory indexing %s", hb_pq_reader_key(r));
    hb_arena_init(&ix->arena, 16 * 1024, 0);
    build b = { .r = r, .ix = ix, .err = err };
    hb_arena_init(&b.tmp, 256 * 1024, 0);
    int rc;
    size_t nc = hb_pq_reader_ncols(r);
    uint32_t *tc = hb_arena_alloc(&ix->arena, (nc ? nc : 1) * sizeof *tc);
    ix->measurement = hb_arena_strndup(&ix->arena, measurement, strlen(measurement));
    if (!tc || !ix->measurement) {
        rc = oom(&b);
        goto fail;
    }
    for (size_t c = 0; c < nc; c++)
        if (hb_pq_reader_col(r, c)->role == HB_PQ_TAG)
            tc[ix->ntags++] = (uint32_t)c;
    qsort_r(tc, ix->ntags, sizeof *tc, cmp_tagslot, (void *)r);
    ix->tagcol = tc;
    size_t k = ix->ntags ? ix->ntags : 1;
    b.vec = calloc(k, sizeof *b.vec);
    b.prev_src = calloc(k, sizeof *b.prev_src);
    b.prev_copy = calloc(k, sizeof *b.prev_copy);
    b.tagbuf = calloc(k, sizeof *b.tagbuf);
    ix->nrg = hb_pq_reader_row_groups(r);
    hb_fidx_rg *rgs = hb_arena_alloc(&ix->arena, (ix->nrg ? ix->nrg : 1) * sizeof *rgs);
    if (!b.vec || !b.prev_src || !b.prev_copy || !b.tagbuf || !rgs) {
        rc = oom(&b);
        goto fail;
    }
    ix->rgs = rgs;
    ix->ncols = nc;
    if (!(ix->sums = calloc(ix->nrg * nc > 0 ? ix->nrg * nc : 1, sizeof *ix->sums))) {
        rc = oom(&b);
        goto fail;
    }
    for (size_t rg = 0; rg < ix->nrg; rg++)
        if ((rc = index_rg(&b, rg, &rgs[rg])))
            goto fail;
    rc = HB_OK;
    *out = ix;
    ix = NULL;
fail:
    fidx_free(ix);
    hb_arena_free(&b.tmp);
    free(b.vec);
    free(b.prev_src);
    free(b.prev_copy);
    free(b.tagbuf);
    return rc;
}

int hb_fidx_get(hb_pq_reader *r, const char *measurement, const hb_fidx **out, hb_err *err)
{
    void *p = NULL;
    int rc = hb_pq_reader_aux(r, fidx_build, (void *)measurement, fidx_free, &p, err);
    if (rc)
        return rc;
    const hb_fidx *ix = p;
    if (strcmp(ix->measurement, measurement) != 0)
        return hb_err_set(err, HB_EINVAL, "parquet file %s holds measurement '%s', not '%s'", hb_pq_reader_key(r),
                          ix->measurement, measurement);
    *out = ix;
    return HB_OK;
}
