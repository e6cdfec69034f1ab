#include "app/flush_build.h"

#include <stdlib.h>
#include <string.h>

#include "base/hashmap.h"
#include "domain/storage_layout.h"

/* One output row: a (series, time) with the buffer rows that hold it. */
typedef struct record {
    int64_t hour, time;
    uint32_t series;        /* position in the key-sorted series list */
    uint32_t first, last;   /* range in that series' sorted row order */
    size_t seq;             /* emission order: series key, then time */
} record;

static int cmp_series(const void *a, const void *b)
{
    const hb_mt_series *x = *(const hb_mt_series *const *)a, *y = *(const hb_mt_series *const *)b;
    size_t n = x->key.n < y->key.n ? x->key.n : y->key.n;
    int c = memcmp(x->key.p, y->key.p, n);
    return c ? c : (x->key.n > y->key.n) - (x->key.n < y->key.n);
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

static int cmp_record(const void *a, const void *b)
{
    const record *x = a, *y = b;
    if (x->hour != y->hour)
        return x->hour < y->hour ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

static int cmp_cstr(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static size_t value_size(hb_ftype t)
{
    return t == HB_FT_BOOLEAN ? 1 : t == HB_FT_STRING ? sizeof(hb_slice) : 8;
}

int hb_flush_build(const hb_mt_table *t, hb_arena *arena, hb_flush_batch_fn fn, void *ctx, hb_err *err)
{
    int rc = HB_OK;
    hb_mt_series **ser = NULL;
    uint32_t **order = NULL;
    record *recs = NULL;
    const char **tagnames = NULL;
    uint32_t *fieldpos = NULL;
    int32_t *tagidx = NULL;
    hb_strmap tagset;
    hb_strmap_init(&tagset);
    size_t ns = t->nseries;

    /* series by key; each series' rows by time */
    ser = malloc((ns ? ns : 1) * sizeof *ser);
    order = calloc(ns ? ns : 1, sizeof *order);
    if (!ser || !order)
        goto nomem;
    if (ns)
        memcpy(ser, t->series, ns * sizeof *ser);
    qsort(ser, ns, sizeof *ser, cmp_series);
    size_t nrec_max = 0;
    for (size_t i = 0; i < ns; i++) {
        const hb_mt_series *s = ser[i];
        order[i] = malloc((s->nrows ? s->nrows : 1) * sizeof *order[i]);
        if (!order[i])
            goto nomem;
        for (size_t r = 0; r < s->nrows; r++)
            order[i][r] = (uint32_t)r;
        if (!s->sorted)
            qsort_r(order[i], s->nrows, sizeof *order[i], cmp_row, s->times);
        nrec_max += s->nrows;
        for (uint32_t k = 0; k < s->ntags; k++)
            if (hb_strmap_put(&tagset, s->tags[k].key.p, s->tags[k].key.n, (void *)1))
                goto nomem;
    }

    /* one record per (series, time) */
    recs = malloc((nrec_max ? nrec_max : 1) * sizeof *recs);
    if (!recs)
        goto nomem;
    size_t nrec = 0;
    for (size_t i = 0; i < ns; i++) {
        const hb_mt_series *s = ser[i];
        for (size_t r = 0; r < s->nrows;) {
            size_t e = r;
            int64_t tm = s->times[order[i][r]];
            while (e + 1 < s->nrows && s->times[order[i][e + 1]] == tm)
                e++;
            recs[nrec] = (record){ hb_layout_hour(tm), tm, (uint32_t)i, (uint32_t)r, (uint32_t)e, nrec };
            nrec++;
            r = e + 1;
        }
    }
    qsort(recs, nrec, sizeof *recs, cmp_record);

    /* columns: time, tags by name, fields by name */
    size_t ntags = tagset.count, nfields = t->nfields;
    tagnames = calloc(ntags ? ntags : 1, sizeof *tagnames);
    fieldpos = malloc((nfields ? nfields : 1) * sizeof *fieldpos);
    if (!tagnames || !fieldpos)
        goto nomem;
    size_t k = 0;
    for (size_t i = 0; i < tagset.cap; i++) {
        hb_strmap_slot *sl = &tagset.slots[i];
        if (hb_strmap_live(sl) && !(tagnames[k++] = strndup(sl->key, sl->klen)))
            goto nomem;
    }
    qsort(tagnames, ntags, sizeof *tagnames, cmp_cstr);
    /* where each series keeps each tag column's value (-1: it has no such tag) */
    tagidx = malloc((ns * ntags + 1) * sizeof *tagidx);
    if (!tagidx)
        goto nomem;
    for (size_t i = 0; i < ns; i++)
        for (size_t c = 0; c < ntags; c++) {
            int32_t g = -1;
            size_t klen = strlen(tagnames[c]);
            for (uint32_t q = 0; q < ser[i]->ntags && g < 0; q++)
                if (ser[i]->tags[q].key.n == klen && memcmp(ser[i]->tags[q].key.p, tagnames[c], klen) == 0)
                    g = (int32_t)q;
            tagidx[i * ntags + c] = g;
        }
    for (uint32_t f = 0; f < nfields; f++)
        fieldpos[f] = f;
    for (size_t a = 1; a < nfields; a++)  /* insertion sort by name: few fields */
        for (size_t b = a; b > 0 && strcmp(t->field_names[fieldpos[b - 1]], t->field_names[fieldpos[b]]) > 0; b--) {
            uint32_t tmp = fieldpos[b];
            fieldpos[b] = fieldpos[b - 1];
            fieldpos[b - 1] = tmp;
        }
    size_t ncols = 1 + ntags + nfields;

    for (size_t i = 0; i < nrec;) {
        size_t end = i;
        while (end < nrec && recs[end].hour == recs[i].hour)
            end++;
        size_t n = end - i;
        hb_flush_batch batch, *b = &batch;
        memset(b, 0, sizeof *b);
        b->hour = recs[i].hour;
        b->nrows = n;
        b->ncols = ncols;
        b->cols = hb_arena_alloc(arena, ncols * sizeof *b->cols);
        b->vecs = hb_arena_calloc(arena, ncols * sizeof *b->vecs);
        /* value arrays are not zeroed: null rows' entries are never read */
        int64_t *times = hb_arena_alloc(arena, n * sizeof *times);
        if (!b->cols || !b->vecs || !times)
            goto nomem;
        b->cols[0] = (hb_pq_coldef){ "time", HB_PQ_TIME, HB_FT_INTEGER };
        b->vecs[0].values = times;
        b->min_time = recs[i].time;
        b->max_time = recs[i].time;
        for (size_t r = 0; r < n; r++) {
            times[r] = recs[i + r].time;
            if (times[r] < b->min_time)
                b->min_time = times[r];
            if (times[r] > b->max_time)
                b->max_time = times[r];
        }
        /* tags */
        for (size_t c = 0; c < ntags; c++) {
            hb_slice *vals = hb_arena_alloc(arena, n * sizeof *vals);
            uint8_t *valid = hb_arena_calloc(arena, (n + 7) / 8);
            if (!vals || !valid)
                goto nomem;
            for (size_t r = 0; r < n; r++) {
                uint32_t si = recs[i + r].series;
                int32_t g = tagidx[(size_t)si * ntags + c];
                if (g >= 0) {
                    vals[r] = ser[si]->tags[g].val;
                    valid[r >> 3] |= (uint8_t)(1u << (r & 7));
                }
            }
            b->cols[1 + c] = (hb_pq_coldef){ tagnames[c], HB_PQ_TAG, HB_FT_STRING };
            b->vecs[1 + c] = (hb_pq_colvec){ valid, vals };
        }
        /* fields: the last write of each field among a (series, time)'s rows */
        for (size_t f = 0; f < nfields; f++) {
            uint32_t c = fieldpos[f];
            hb_ftype ty = t->field_types[c];
            size_t vs = value_size(ty);
            char *vals = hb_arena_alloc(arena, n * vs);
            uint8_t *valid = hb_arena_calloc(arena, (n + 7) / 8);
            if (!vals || !valid)
                goto nomem;
            for (size_t r = 0; r < n; r++) {
                const record *rec = &recs[i + r];
                const hb_mt_series *s = ser[rec->series];
                if (c >= s->ncols)
                    continue;
                const hb_mt_column *col = &s->cols[c];
                for (uint32_t q = rec->last + 1; q-- > rec->first;) {
                    uint32_t row = order[rec->series][q];
                    if (!hb_mt_valid(col, row))
                        continue;
                    memcpy(vals + r * vs, (const char *)col->vals + (size_t)row * vs, vs);
                    valid[r >> 3] |= (uint8_t)(1u << (r & 7));
                    break;
                }
            }
            b->cols[1 + ntags + f] = (hb_pq_coldef){ t->field_names[c], HB_PQ_FIELD, ty };
            b->vecs[1 + ntags + f] = (hb_pq_colvec){ valid, vals };
        }
        rc = fn(ctx, b, err);
        hb_arena_reset(arena);
        if (rc)
            goto out;
        i = end;
    }
    goto out;
nomem:
    rc = hb_err_set(err, HB_ENOMEM, "out of memory preparing %s for flush", t->measurement);
out:
    if (order)
        for (size_t i = 0; i < ns; i++)
            free(order[i]);
    free(order);
    free(ser);
    free(recs);
    free(fieldpos);
    free(tagidx);
    for (size_t i = 0; tagnames && i < tagset.count; i++)
        free((char *)tagnames[i]);
    free(tagnames);
    hb_strmap_free(&tagset);
    return rc;
}
