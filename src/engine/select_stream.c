/* Raw SELECT answers streamed to a row sink (hb_select_env.sink), holding
 * one time slice of rows at a time instead of the whole answer.
 *
 * Output order is measurement, then GROUP BY group, then time (reversed
 * with ORDER BY time DESC), while the scan yields rows by (series key,
 * time). So, per measurement:
 *  1. estimate: the rows each file row group (its row count and time
 *     statistics) and each buffered series (its row count and times)
 *     holds, spread evenly over its time span, summed into 1,024 buckets
 *     of the statement's time range;
 *  2. cut the range into slices of about SLICE_BYTES of rows each; a
 *     measurement that fits in one is read in one pass, all groups at
 *     once, exactly as the collecting executor reads it;
 *  3. otherwise, per group (GROUP BY tags: the groups the files' series
 *     indexes and the buffer's series name, in output order; without
 *     tags, the one group), per slice in time order: scan the slice (the
 *     group filter skips other series before decoding), sort it by time,
 *     hand the rows out, free them.
 * LIMIT/OFFSET count rows per group across slices (a group stops at
 * OFFSET + LIMIT), SLIMIT/SOFFSET count groups with rows across
 * measurements, as sel_emit does.
 *
 * Not taken (returns 1, the collecting executor answers): FROM naming two
 * measurements of one name (their rows merge into one series), SOFFSET
 * without SLIMIT (no series at all), and subqueries (their answer is in
 * memory already). */
#include <stdlib.h>
#include <string.h>

#include "engine/file_index.h"
#include "engine/select_internal.h"

#define NBUCKETS 1024
/* Bytes of rows one slice may hold: small next to the memory cap. */
#define SLICE_BYTES ((uint64_t)16 << 20)

typedef struct slice {
    int64_t lo, hi;              /* inclusive */
} slice;

typedef struct stream {
    sel_plan *p;
    const hb_row_sink *sink;
    const char **colnames;
    size_t width;
    size_t first, last;          /* SOFFSET/SLIMIT: series with rows in [first, last) go out */
    size_t nseries;              /* series with rows met so far */
    int done;                    /* past SLIMIT */
    size_t r0, r1;               /* OFFSET/LIMIT: rows [r0, r1) of each series go out */
    /* the group being streamed */
    const sel_meas *m;
    hb_kv *tags;
    size_t ntags;
    int counted, skip, open, full;
    size_t nrows;                /* rows of the group met so far (output order) */
    hb_value *sorted;            /* scratch: one slice of a group in output order */
    size_t sorted_cap;
} stream;

static void group_begin(stream *so, const sel_meas *m, hb_kv *tags, size_t ntags)
{
    so->m = m;
    so->tags = tags;
    so->ntags = ntags;
    so->counted = so->skip = so->open = so->full = 0;
    so->nrows = 0;
}

/* 1 when nothing more of the open group can go out. */
static int group_over(const stream *so) { return so->done || so->skip || so->full; }

/* Hands out the rows of o (one slice of the open group, scan order) in
 * output order, within OFFSET/LIMIT and SOFFSET/SLIMIT. */
static int group_rows(stream *so, const sel_out_series *o, hb_err *err)
{
    sel_plan *p = so->p;
    size_t w = so->width;
    if (!o->nrows || group_over(so))
        return HB_OK;
    if (!so->counted) {
        so->counted = 1;
        size_t idx = so->nseries++;
        if (idx >= so->last) {
            so->done = 1;
            return HB_OK;
        }
        if (idx < so->first) {
            so->skip = 1;
            return HB_OK;
        }
    }
    /* the rows of this slice that fall in [r0, r1) */
    size_t from = so->nrows, n = o->nrows;
    so->nrows += n;
    size_t a = so->r0 > from ? so->r0 - from : 0, b = n;
    if (so->r1 - from < b) {
        b = so->r1 - from;
        so->full = 1;
    }
    if (so->nrows >= so->r1)
        so->full = 1;
    if (a >= b)
        return HB_OK;
    sel_row_ref *ord = malloc(n * sizeof *ord);
    if (!ord)
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    for (size_t r = 0; r < n; r++)
        ord[r] = (sel_row_ref){ o->rows[r * w].v.i, r };
    qsort(ord, n, sizeof *ord, sel_cmp_row_ref);
    if (p->desc)
        for (size_t r = 0; r < n / 2; r++) {
            sel_row_ref t = ord[r];
            ord[r] = ord[n - 1 - r];
            ord[n - 1 - r] = t;
        }
    if (b - a > so->sorted_cap) {
        hb_value *nv = realloc(so->sorted, (b - a) * w * sizeof *nv);
        if (!nv) {
            free(ord);
            return hb_err_set(err, HB_ENOMEM, "out of memory");
        }
        so->sorted = nv;
        so->sorted_cap = b - a;
    }
    for (size_t r = a; r < b; r++)
        memcpy(&so->sorted[(r - a) * w], &o->rows[ord[r].i * w], w * sizeof *so->sorted);
    free(ord);
    int rc = HB_OK;
    if (!so->open) {
        hb_series_out hdr = { .name = so->m->name, .tags = so->tags, .ntags = so->ntags,
                              .columns = so->colnames, .ncols = w };
        rc = so->sink->series(so->sink->ctx, &hdr);
        so->open = 1;
    }
    if (!rc)
        rc = so->sink->rows(so->sink->ctx, so->sorted, b - a);
    if (rc)
        return hb_err_set(err, rc, "%s", rc == HB_ECLOSED ? HB_SELECT_CANCEL_MSG : "query output failed");
    return HB_OK;
}

/* ---- collecting one slice ---- */

static void raw_free(sel_raw *x)
{
    for (size_t k = 0; k < x->nout; k++)
        free(x->out[k].rows);
    free(x->out);
    x->out = NULL;
    x->nout = x->capout = 0;
    hb_strmap_free(&x->groups);
}

/* Rows of m in [lo, hi] (of the group p->only_gkey, if set) into x. */
static int collect(sel_plan *p, const sel_meas *m, int64_t lo, int64_t hi, hb_arena *strs, int *fcols, sel_raw *x,
                   hb_err *err)
{
    memset(x, 0, sizeof *x);
    x->p = p;
    x->strs = strs;
    x->m = m;
    x->fcols = fcols;
    hb_strmap_init(&x->groups);
    int64_t tmin = p->tmin, tmax = p->tmax;
    p->tmin = lo;
    p->tmax = hi;
    int rc = sel_scan_measurement(p, m, sel_raw_row, NULL, NULL, x, err);
    p->tmin = tmin;
    p->tmax = tmax;
    return rc;
}

static int cmp_out(const void *a, const void *b)
{
    const sel_out_series *x = a, *y = b;
    return strcmp(x->gkey, y->gkey);
}

/* ---- estimating rows over time, groups ---- */

typedef struct estimate {
    sel_plan *p;
    int64_t lo, hi;              /* the statement's range met with the data's */
    double *d;                   /* [NBUCKETS + 1] per-bucket rows, as differences */
    double total;
    hb_strmap groups;            /* group keys (NUL after each value) seen */
    int want_groups;
} estimate;

static int64_t bucket_lo(const estimate *e, size_t b)
{
    __int128 span = (__int128)e->hi - e->lo + 1;
    return (int64_t)(e->lo + span * (__int128)b / NBUCKETS);
}

static size_t bucket_of(const estimate *e, int64_t t)
{
    __int128 span = (__int128)e->hi - e->lo + 1;
    size_t b = (size_t)(((__int128)t - e->lo) * NBUCKETS / span);
    return b < NBUCKETS ? b : NBUCKETS - 1;
}

static void add_span(estimate *e, int64_t lo, int64_t hi, double rows)
{
    if (hi < e->lo || lo > e->hi || rows <= 0)
        return;
    double len = (double)hi - (double)lo + 1;
    if (lo < e->lo) {
        rows *= ((double)hi - (double)e->lo + 1) / len;
        lo = e->lo;
    }
    len = (double)hi - (double)lo + 1;
    if (hi > e->hi) {
        rows *= ((double)e->hi - (double)lo + 1) / len;
        hi = e->hi;
    }
    size_t b0 = bucket_of(e, lo), b1 = bucket_of(e, hi);
    double per = rows / (double)(b1 - b0 + 1);
    e->d[b0] += per;
    e->d[b1 + 1] -= per;
    e->total += rows;
}

static int add_group(estimate *e, const hb_slice *vals, hb_buf *k)
{
    hb_buf_reset(k);
    int rc = HB_OK;
    for (size_t g = 0; g < e->p->ngtags && !rc; g++) {
        if (vals[g].p)
            rc = hb_buf_append(k, vals[g].p, vals[g].n);
        if (!rc)
            rc = hb_buf_putc(k, '\0');
    }
    if (rc || hb_strmap_get(&e->groups, k->data ? k->data : "", k->len))
        return rc;
    return hb_strmap_put(&e->groups, k->data ? k->data : "", k->len, (void *)1);
}

/* The group of every series of a file (from its series index). */
static int file_groups(estimate *e, hb_pq_reader *r, const char *meas, hb_buf *k, hb_err *err)
{
    const hb_fidx *fx;
    int rc = hb_fidx_get(r, meas, &fx, err);
    if (rc)
        return rc;
    size_t ng = e->p->ngtags;
    int slot[ng ? ng : 1];
    for (size_t g = 0; g < ng; g++) {
        slot[g] = -1;
        for (size_t t = 0; t < fx->ntags; t++)
            if (!strcmp(hb_pq_reader_col(r, fx->tagcol[t])->name, e->p->gtags[g]))
                slot[g] = (int)t;
    }
    hb_slice vals[ng ? ng : 1];
    const hb_slice *prev = NULL;
    for (size_t rg = 0; rg < fx->nrg; rg++)
        for (size_t i = 0; i < fx->rgs[rg].nruns; i++) {
            const hb_fidx_run *run = &fx->rgs[rg].runs[i];
            if (prev == run->tagv)
                continue;
            prev = run->tagv;
            for (size_t g = 0; g < ng; g++)
                vals[g] = slot[g] >= 0 ? run->tagv[slot[g]] : (hb_slice){ NULL, 0 };
            if ((rc = add_group(e, vals, k)))
                return hb_err_set(err, rc, "out of memory");
        }
    return HB_OK;
}

static int table_groups(estimate *e, const hb_mt_series *s, hb_buf *k)
{
    size_t ng = e->p->ngtags;
    hb_slice vals[ng ? ng : 1];
    for (size_t g = 0; g < ng; g++) {
        vals[g] = (hb_slice){ NULL, 0 };
        size_t glen = strlen(e->p->gtags[g]);
        for (uint32_t t = 0; t < s->ntags; t++)
            if (s->tags[t].key.n == glen && !memcmp(s->tags[t].key.p, e->p->gtags[g], glen))
                vals[g] = s->tags[t].val;
    }
    return add_group(e, vals, k);
}

/* The data's time range and rows per bucket over the statement's range
 * (and, when e->want_groups, every group) from the sources. */
static int survey(estimate *e, const hb_scan_source *src, size_t nsrc, const char *meas, hb_err *err)
{
    int64_t dlo = INT64_MAX, dhi = INT64_MIN;
    for (size_t i = 0; i < nsrc; i++) {
        if (src[i].kind == HB_SCAN_FILE) {
            for (size_t rg = 0; rg < hb_pq_reader_row_groups(src[i].reader); rg++) {
                int64_t lo, hi;
                if (hb_pq_reader_rg_time_range(src[i].reader, rg, &lo, &hi))
                    continue;
                dlo = lo < dlo ? lo : dlo;
                dhi = hi > dhi ? hi : dhi;
            }
        } else {
            const hb_mt_table *t = src[i].table;
            for (size_t k = 0; k < t->nseries; k++) {
                const hb_mt_series *s = t->series[k];
                for (size_t r = 0; r < s->nrows; r++) {
                    dlo = s->times[r] < dlo ? s->times[r] : dlo;
                    dhi = s->times[r] > dhi ? s->times[r] : dhi;
                }
            }
        }
    }
    e->lo = dlo > e->p->tmin ? dlo : e->p->tmin;
    e->hi = dhi < e->p->tmax ? dhi : e->p->tmax;
    if (e->lo > e->hi)
        return HB_OK;   /* nothing in range */
    hb_buf k;
    hb_buf_init(&k, 0);
    int rc = HB_OK;
    for (size_t i = 0; i < nsrc && !rc; i++) {
        if (src[i].kind == HB_SCAN_FILE) {
            hb_pq_reader *r = src[i].reader;
            for (size_t rg = 0; rg < hb_pq_reader_row_groups(r); rg++) {
                int64_t lo, hi;
                if (!hb_pq_reader_rg_time_range(r, rg, &lo, &hi))
                    add_span(e, lo, hi, (double)hb_pq_reader_rg_rows(r, rg));
            }
            if (e->want_groups)
                rc = file_groups(e, r, meas, &k, err);
        } else {
            const hb_mt_table *t = src[i].table;
            for (size_t j = 0; j < t->nseries && !rc; j++) {
                const hb_mt_series *s = t->series[j];
                if (!s->nrows)
                    continue;
                int64_t lo = s->times[0], hi = s->times[0];
                for (size_t r = 1; r < s->nrows; r++) {
                    lo = s->times[r] < lo ? s->times[r] : lo;
                    hi = s->times[r] > hi ? s->times[r] : hi;
                }
                add_span(e, lo, hi, (double)s->nrows);
                if (e->want_groups && (rc = table_groups(e, s, &k)))
                    rc = hb_err_set(err, rc, "out of memory");
            }
        }
    }
    hb_buf_free(&k);
    return rc;
}

static int push_slice(slice **v, size_t *n, size_t *cap, int64_t lo, int64_t hi)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        slice *nv = realloc(*v, nc * sizeof *nv);
        if (!nv)
            return HB_ENOMEM;
        *v = nv;
        *cap = nc;
    }
    (*v)[(*n)++] = (slice){ lo, hi };
    return HB_OK;
}

/* Cuts [p->tmin, p->tmax] into slices of about target rows by e. */
static int cut_slices(const estimate *e, const sel_plan *p, double target, slice **out, size_t *n)
{
    slice *v = NULL;
    size_t ns = 0, cap = 0;
    int64_t start = p->tmin;
    double acc = 0, run = 0;
    int rc = HB_OK;
    for (size_t b = 0; b < NBUCKETS && !rc; b++) {
        run += e->d[b];
        double rows = run > 0 ? run : 0;
        int64_t blo = bucket_lo(e, b), bhi = b + 1 < NBUCKETS ? bucket_lo(e, b + 1) - 1 : e->hi;
        if (bhi < blo)
            continue;   /* a range narrower than the buckets */
        if (acc > 0 && acc + rows > target && blo > start) {
            rc = push_slice(&v, &ns, &cap, start, blo - 1);
            start = blo;
            acc = 0;
        }
        if (rows <= target) {
            acc += rows;
            continue;
        }
        /* a bucket over the target alone: equal parts of it */
        uint64_t width = (uint64_t)bhi - (uint64_t)start + 1;
        size_t parts = (size_t)(rows / target) + 1;
        if (width < parts)
            parts = (size_t)width;
        int64_t prev = start;
        for (size_t k = 1; k < parts && !rc; k++) {
            int64_t cut = (int64_t)(start + (__int128)width * (__int128)k / parts);
            if (cut <= prev)
                continue;
            rc = push_slice(&v, &ns, &cap, prev, cut - 1);
            prev = cut;
        }
        start = prev;
        acc = rows / (double)parts;
    }
    if (!rc)
        rc = push_slice(&v, &ns, &cap, start, p->tmax);
    if (rc) {
        free(v);
        return rc;
    }
    *out = v;
    *n = ns;
    return HB_OK;
}

/* Slices for m, and with want_groups its groups in output order (keys
 * with NUL separators; *ngroups 0 when none). */
static int plan_meas(sel_plan *p, const sel_meas *m, size_t width, int want_groups, slice **sl, size_t *nsl,
                     char ***groups, size_t **glens, size_t *ngroups, hb_err *err)
{
    hb_store *st = p->env->store;
    int rc = sel_snapshot(p, m, err);
    if (rc)
        return rc;
    const hb_snapshot *snap = &p->snap;
    hb_scan_source *src = NULL;
    size_t nsrc = 0;
    estimate e = { .p = p, .want_groups = want_groups };
    hb_strmap_init(&e.groups);
    e.d = calloc(NBUCKETS + 1, sizeof *e.d);
    *sl = NULL;
    *groups = NULL;
    *glens = NULL;
    *ngroups = 0;
    for (size_t i = 0; i < snap->nmemtables; i++)
        hb_memtable_rdlock(snap->memtables[i]);
    if (!e.d) {
        rc = hb_err_set(err, HB_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = hb_store_sources(st, snap, m->db, m->rp, m->name, p->tmin, p->tmax, &src, &nsrc, err)))
        goto out;
    if ((rc = survey(&e, src, nsrc, m->name, err)))
        goto out;
    /* a row costs its values, room to grow (x2) and some string bytes */
    uint64_t budget = SLICE_BYTES;
    if (p->env->max_memory && p->env->max_memory / 8 < budget)
        budget = p->env->max_memory / 8;
    double target = (double)budget / (double)(2 * width * sizeof(hb_value) + 32);
    if (target < 1024)
        target = 1024;
    if (e.lo > e.hi || e.total <= target) {
        *nsl = 1;
        if (!(*sl = malloc(sizeof **sl)))
            rc = hb_err_set(err, HB_ENOMEM, "out of memory");
        else
            (*sl)[0] = (slice){ p->tmin, p->tmax };
        goto out;
    }
    if ((rc = cut_slices(&e, p, target, sl, nsl))) {
        rc = hb_err_set(err, rc, "out of memory");
        goto out;
    }
    if (want_groups) {
        size_t n = e.groups.count, k = 0;
        char **v = calloc(n ? n : 1, sizeof *v);
        size_t *lens = calloc(n ? n : 1, sizeof *lens);
        if (!v || !lens) {
            free(v);
            free(lens);
            rc = hb_err_set(err, HB_ENOMEM, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < e.groups.cap; i++)
            if (hb_strmap_live(&e.groups.slots[i])) {
                const hb_strmap_slot *s = &e.groups.slots[i];
                v[k] = hb_arena_alloc(p->a, s->klen + 1);
                if (!v[k])
                    break;
                memcpy(v[k], s->key, s->klen);
                v[k][s->klen] = '\0';
                lens[k++] = s->klen;
            }
        *groups = v;
        *glens = lens;
        *ngroups = k;
        if (k < n)
            rc = hb_err_set(err, HB_ENOMEM, "out of memory");
    }
out:
    if (src)
        hb_store_sources_release(st, src, nsrc);
    for (size_t i = 0; i < snap->nmemtables; i++)
        hb_memtable_unlock(snap->memtables[i]);
    hb_strmap_free(&e.groups);
    free(e.d);
    return rc;
}

/* The order of output series: group keys compared with their NUL
 * separators as low bytes (as sel_emit sorts them). */
static int cmp_gkey(const char *a, size_t an, const char *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    for (size_t i = 0; i < n; i++) {
        unsigned ca = a[i] ? (unsigned char)a[i] : 1u, cb = b[i] ? (unsigned char)b[i] : 1u;
        if (ca != cb)
            return ca < cb ? -1 : 1;
    }
    return (an > bn) - (an < bn);
}

typedef struct gref {
    const char *k;
    size_t n;
} gref;

static int cmp_gref(const void *a, const void *b)
{
    const gref *x = a, *y = b;
    return cmp_gkey(x->k, x->n, y->k, y->n);
}

/* ---- per measurement ---- */

static int stream_meas(stream *so, const sel_meas *m, hb_err *err)
{
    sel_plan *p = so->p;
    slice *sl = NULL;
    size_t nsl = 0, ngroups = 0;
    char **groups = NULL;
    size_t *glens = NULL;
    gref *order = NULL;
    sel_raw x;
    memset(&x, 0, sizeof x);
    int have_x = 0;
    hb_arena strs;
    hb_arena_init(&strs, 64 * 1024, 0);
    uint64_t mem0 = p->mem;
    int *fcols = hb_arena_alloc(p->a, (m->nfields + 1) * sizeof *fcols);
    int rc = fcols ? HB_OK : hb_err_set(err, HB_ENOMEM, "out of memory");
    if (!rc)
        rc = plan_meas(p, m, so->width, p->ngtags > 0, &sl, &nsl, &groups, &glens, &ngroups, err);
    if (rc)
        goto out;
    if (nsl == 1) {
        /* one pass, every group at once */
        rc = collect(p, m, p->tmin, p->tmax, &strs, fcols, &x, err);
        have_x = 1;
        if (rc)
            goto out;
        if (x.nout > 1)
            qsort(x.out, x.nout, sizeof *x.out, cmp_out);
        for (size_t i = 0; i < x.nout && !so->done && !rc; i++) {
            sel_out_series *o = &x.out[p->desc ? x.nout - 1 - i : i];
            if (!o->nrows)
                continue;
            group_begin(so, m, o->tags, o->ntags);
            rc = group_rows(so, o, err);
        }
        goto out;
    }
    /* groups in output order: one without GROUP BY tags */
    size_t ng = p->ngtags ? ngroups : 1;
    if (!(order = malloc((ng ? ng : 1) * sizeof *order))) {
        rc = hb_err_set(err, HB_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t g = 0; g < ng; g++)
        order[g] = p->ngtags ? (gref){ groups[g], glens[g] } : (gref){ "", 0 };
    qsort(order, ng, sizeof *order, cmp_gref);
    for (size_t gi = 0; gi < ng && !so->done && !rc; gi++) {
        const gref *g = &order[p->desc ? ng - 1 - gi : gi];
        hb_kv *tags = NULL;
        size_t ntags = 0;
        if ((rc = sel_group_tags(p, g->k, g->n, &tags, &ntags))) {
            rc = hb_err_set(err, rc, "out of memory");
            break;
        }
        group_begin(so, m, tags, ntags);
        p->only_gkey = p->ngtags ? g->k : NULL;
        p->only_gklen = g->n;
        for (size_t si = 0; si < nsl && !group_over(so) && !rc; si++) {
            const slice *s = &sl[p->desc ? nsl - 1 - si : si];
            rc = collect(p, m, s->lo, s->hi, &strs, fcols, &x, err);
            have_x = 1;
            for (size_t k = 0; !rc && k < x.nout; k++)
                rc = group_rows(so, &x.out[k], err);
            raw_free(&x);
            have_x = 0;
            p->mem = mem0;
            hb_arena_reset(&strs);
            if (!rc)
                rc = sel_check_budget(p, err);
        }
        p->only_gkey = NULL;
        p->only_gklen = 0;
    }
out:
    if (have_x)
        raw_free(&x);
    p->mem = mem0;
    free(order);
    free(sl);
    free(groups);
    free(glens);
    hb_arena_free(&strs);
    return rc;
}

int sel_exec_raw_stream(sel_plan *p, hb_err *err)
{
    const hb_iql_select *s = p->s;
    for (size_t i = 1; i < p->nmeas; i++)
        if (!strcmp(p->meas[i - 1].name, p->meas[i].name))
            return 1;   /* rows of one name merge: the collecting executor */
    if (s->soffset > 0 && s->slimit <= 0)
        return 1;
    for (size_t i = 0; i < p->nmeas; i++)
        if (p->meas[i].virt)
            return 1;   /* a subquery's answer is in memory already */
    stream so = { .p = p, .sink = p->env->sink, .width = 1 + p->ncols, .last = SIZE_MAX, .r1 = SIZE_MAX };
    if (!(so.colnames = hb_arena_alloc(p->a, so.width * sizeof *so.colnames)))
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    so.colnames[0] = "time";
    for (size_t i = 0; i < p->ncols; i++)
        so.colnames[i + 1] = p->cols[i].name;
    so.first = s->soffset > 0 ? (size_t)s->soffset : 0;
    if (s->slimit > 0)
        so.last = so.first + (size_t)s->slimit;
    so.r0 = s->offset > 0 ? (size_t)s->offset : 0;
    if (s->limit > 0)
        so.r1 = so.r0 + (size_t)s->limit;
    /* OFFSET without LIMIT: one row per series (see sel_emit) */
    else if (s->offset > 0)
        so.r1 = so.r0 + 1;
    int rc = HB_OK;
    for (size_t i = 0; i < p->nmeas && !so.done && !rc; i++)
        rc = stream_meas(&so, &p->meas[p->desc ? p->nmeas - 1 - i : i], err);
    free(so.sorted);
    return rc;
}
