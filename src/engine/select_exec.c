/* SELECT execution: the entry point, the scan driver shared by raw and
 * aggregate queries, raw rows, and the final ordering and limits. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/select_internal.h"

/* ---- the scan driver ---- */

typedef struct series_filter_ctx {
    sel_plan *p;
    const sel_filter *f; /* NULL until the names are bound */
    const int *gcol;     /* p->only_gkey: scan column per group tag; NULL until known */
} series_filter_ctx;

/* 1 when the series' group tags give p->only_gkey (NUL after each value). */
static int in_only_group(const sel_plan *p, const int *gcol, const hb_slice *tagvals)
{
    const char *k = p->only_gkey, *end = k + p->only_gklen;
    for (size_t g = 0; g < p->ngtags; g++) {
        hb_slice v = gcol[g] >= 0 && tagvals[gcol[g]].p ? tagvals[gcol[g]] : (hb_slice){ "", 0 };
        if ((size_t)(end - k) < v.n + 1 || memcmp(k, v.p, v.n) || k[v.n])
            return 0;
        k += v.n + 1;
    }
    return k == end;
}

/* engine/scan.h series filter: the WHERE's tag-only terms skip whole
 * series before their field columns are decoded. */
static int want_series(void *ctx, const hb_slice *tagvals)
{
    series_filter_ctx *fc = ctx;
    if (fc->gcol && !in_only_group(fc->p, fc->gcol, tagvals))
        return 0;
    if (!fc->f)
        return 1;
    sel_row r = { .p = fc->p, .tagvals = tagvals };
    return sel_filter_series(fc->f, &r);
}

static int same_key(hb_slice a, hb_slice b)
{
    return a.n == b.n && (a.p == b.p || memcmp(a.p, b.p, a.n) == 0);
}

int sel_check_budget(const sel_plan *p, hb_err *err)
{
    const hb_select_env *env = p->env;
    if (env->max_memory && p->mem > env->max_memory)
        return hb_err_set(err, HB_ELIMIT,
                          "query memory limit exceeded: the answer needs more than %llu bytes "
                          "(server.query_max_memory_bytes); narrow the time range, add a LIMIT or aggregate",
                          (unsigned long long)env->max_memory);
    if ((env->cancel && atomic_load(env->cancel)) || (env->kill && atomic_load(env->kill)))
        return hb_err_set(err, HB_ECLOSED, "%s", HB_SELECT_CANCEL_MSG);
    if (env->deadline_ns) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        if ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec > env->deadline_ns)
            return hb_err_set(err, HB_ELIMIT, "%s", HB_SELECT_TIMEOUT_MSG);
    }
    return HB_OK;
}

/* 1 when e names a field of m anywhere. */
static int reads_field(const sel_meas *m, const hb_iql_expr *e)
{
    switch (e->kind) {
    case HB_IQL_EXPR_VARREF:
        for (size_t i = 0; i < m->nfields; i++) {
            const char *f = m->fields[i].name;
            if (strlen(f) == e->u.ref.name.n && !memcmp(f, e->u.ref.name.p, e->u.ref.name.n))
                return 1;
        }
        return 0;
    case HB_IQL_EXPR_BINARY: return reads_field(m, e->u.bin.lhs) || reads_field(m, e->u.bin.rhs);
    case HB_IQL_EXPR_PAREN: return reads_field(m, e->u.paren);
    case HB_IQL_EXPR_CALL:
        for (size_t i = 0; i < e->u.call.nargs; i++)
            if (reads_field(m, e->u.call.args[i]))
                return 1;
        return 0;
    default: return 0;
    }
}

/* Rows per series a raw query with LIMIT can return (OFFSET + LIMIT),
 * when the scan may stop short of the rest: every field is read and every
 * column is a plain name (so each stored row is an output row) and the
 * WHERE reads no field (so none is filtered out). 0 = every row. */
static uint64_t raw_series_limit(const sel_plan *p, const sel_meas *m, size_t nfields_read)
{
    const hb_iql_select *s = p->s;
    if (p->aggregate || s->limit <= 0 || nfields_read != m->nfields || (p->cond && reads_field(m, p->cond)))
        return 0;
    for (size_t i = 0; i < p->ncols; i++)
        if (p->cols[i].expr->kind != HB_IQL_EXPR_VARREF)
            return 0;
    return (uint64_t)s->limit + (uint64_t)(s->offset > 0 ? s->offset : 0);
}

int sel_snapshot(sel_plan *p, const sel_meas *m, hb_err *err)
{
    hb_store *st = p->env->store;
    /* one snapshot per database and policy for the whole statement: every
     * measurement is read at the same moment, the registry copied once */
    if (!p->snap_db || strcmp(p->snap_db, m->db) || strcmp(p->snap_rp, m->rp)) {
        if (p->snap_db)
            hb_store_release(st, &p->snap);
        p->snap_db = NULL;
        int rc = hb_store_snapshot(st, m->db, m->rp, &p->snap, err);
        if (rc)
            return rc;
        p->snap_db = m->db;
        p->snap_rp = m->rp;
    }
    return HB_OK;
}

/* The group key of the series whose row r of blk starts: its tags into
 * tagvals (by scan column), the values of the GROUP BY tags into gkey. */
static void enter_series(const sel_plan *p, const hb_pq_coldef *cols, size_t ncols, const int *gcol,
                         const hb_scan_block *blk, size_t r, hb_slice *tagvals, hb_buf *gkey)
{
    for (size_t c = 1; c < ncols; c++) {
        if (cols[c].role != HB_PQ_TAG)
            continue;
        if (hb_pq_valid(blk->vecs[c].valid, r)) {
            hb_slice s = ((const hb_slice *)blk->vecs[c].values)[r];
            tagvals[c] = s.p ? s : (hb_slice){ "", 0 };
        } else {
            tagvals[c] = (hb_slice){ NULL, 0 };
        }
    }
    hb_buf_reset(gkey);
    for (size_t g = 0; g < p->ngtags; g++) {
        if (gcol[g] >= 0 && tagvals[gcol[g]].p)
            hb_buf_append(gkey, tagvals[gcol[g]].p, tagvals[gcol[g]].n);
        hb_buf_putc(gkey, '\0');
    }
}

/* What the scan's run-summary callbacks (scan.h hb_scan_summaries) see. */
typedef struct sum_gate {
    const sel_sum_hooks *h;
    void *ctx;
    const sel_filter *filt;
} sum_gate;

static int gate_one_bucket(void *ctx, int64_t tmin, int64_t tmax)
{
    const sum_gate *g = ctx;
    return g->h->one_bucket(g->ctx, tmin, tmax);
}

static int gate_run_filter(void *ctx, const struct hb_run_sum *const *sums, size_t run)
{
    const sum_gate *g = ctx;
    return sel_filter_run_may_match(g->filt, sums, run);
}

int sel_scan_measurement(sel_plan *p, const sel_meas *m, sel_row_fn fn, sel_run_fn runfn, const sel_sum_hooks *sums,
                         void *ctx, hb_err *err)
{
    hb_store *st = p->env->store;
    int rc;
    /* a subquery's answer is its own only source: no snapshot, no locks */
    static const hb_snapshot no_snap;
    hb_scan_source vsrc = { .kind = HB_SCAN_MEMTABLE, .table = m->virt };
    if (!m->virt && (rc = sel_snapshot(p, m, err)))
        return rc;
    const hb_snapshot *snap = m->virt ? &no_snap : &p->snap;
    hb_scan_source *src = NULL;
    size_t nsrc = 0;
    hb_scan *sc = NULL;
    hb_buf gkey;
    hb_buf_init(&gkey, 0);
    hb_slice *tagvals = NULL;
    int *gcol = NULL;
    sel_filter filt;
    int have_filter = 0;
    for (size_t i = 0; i < snap->nmemtables; i++)
        hb_memtable_rdlock(snap->memtables[i]);
    /* data is read within [p->tmin, p->tmax], or the narrower data range
     * of a transformation's inner statement (sel_plan.data_clip) */
    int64_t dmin = p->data_clip && p->data_tmin > p->tmin ? p->data_tmin : p->tmin;
    int64_t dmax = p->data_clip && p->data_tmax < p->tmax ? p->data_tmax : p->tmax;
    if (!m->virt && (rc = hb_store_sources(st, snap, m->db, m->rp, m->name, dmin, dmax, &src, &nsrc, err)))
        goto out;
    size_t nf = 0;
    const char **fields = sel_plan_fields(p, m, &nf);
    if (!fields) {
        rc = hb_err_set(err, HB_ENOMEM, "out of memory");
        goto out;
    }
    series_filter_ctx fctx = { .p = p };
    sum_gate gate = { sums, ctx, &filt };
    hb_scan_summaries ssum = { .on = 0, .ctx = &gate };   /* set up once the WHERE is split */
    /* a subquery's rows are not cut by the time range again: it ran within
     * it, and its window starts may precede it (influxd keeps those rows) */
    hb_scan_opts so = { .tmin = m->virt ? INT64_MIN : dmin, .tmax = m->virt ? INT64_MAX : dmax,
                        .fields = fields, .nfields = nf, .block_rows = 4096,
                        .series_filter = p->cond || p->only_gkey ? want_series : NULL, .series_ctx = &fctx,
                        .series_limit = raw_series_limit(p, m, nf), .series_last = p->desc,
                        .workers = p->env->workers, .sparse_tags = 1, .summaries = &ssum };
    if ((rc = m->virt ? hb_scan_open(&vsrc, 1, m->name, &so, &sc, err) : hb_scan_open(src, nsrc, m->name, &so, &sc, err)))
        goto out;
    const hb_pq_coldef *cols = hb_scan_cols(sc);
    size_t ncols = hb_scan_ncols(sc);
    if ((rc = sel_plan_bind(p, m, cols, ncols, err)))
        goto out;
    tagvals = calloc(ncols, sizeof *tagvals);
    gcol = malloc((p->ngtags + 1) * sizeof *gcol);
    if (!tagvals || !gcol) {
        rc = hb_err_set(err, HB_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t g = 0; g < p->ngtags; g++) {
        gcol[g] = -1;
        for (size_t c = 1; c < ncols; c++)
            if (cols[c].role == HB_PQ_TAG && !strcmp(cols[c].name, p->gtags[g]))
                gcol[g] = (int)c;
    }
    if ((rc = sel_filter_build(p, &filt, err)))
        goto out;
    have_filter = 1;
    fctx.f = &filt;
    if (p->only_gkey)
        fctx.gcol = gcol;
    /* rows come a run of one series at a time unless a term needs each row */
    int by_runs = runfn && filt.nr == 0 && filt.nv == 0;
    /* Run summaries, switched on before the first block (the scan reads
     * them at each load): aggregates take whole runs from them; block
     * terms skip runs none of whose rows can hold; raw LIMIT queries read
     * a run's first or last row from them. Any of these also builds them. */
    int whole = sums && by_runs && sums->ready(ctx);
    ssum.one_bucket = whole ? gate_one_bucket : NULL;
    ssum.run_filter = filt.nv ? gate_run_filter : NULL;
    ssum.on = whole || so.series_limit > 0 || filt.nv > 0;
    hb_scan_block blk;
    hb_slice prev = { NULL, 0 };
    int have_prev = 0, series_ok = 1;
    while ((rc = hb_scan_next(sc, &blk, err)) == 1) {
        if ((rc = sel_check_budget(p, err)))
            goto out;
        const int64_t *times = blk.vecs[0].values;
        sel_row row = { .p = p, .blk = &blk, .tagvals = tagvals };
        const uint8_t *mask;
        if ((rc = sel_filter_block(&filt, &blk, &mask))) {
            rc = hb_err_set(err, rc, "out of memory");
            goto out;
        }
        if (blk.sums) {
            /* whole runs: every row is a series' run with its tags */
            for (size_t r = 0; r < blk.nrows; r++) {
                enter_series(p, cols, ncols, gcol, &blk, r, tagvals, &gkey);
                row.r = r;
                row.time = times[r];
                if (filt.ns && !sel_filter_series(&filt, &row))
                    continue;
                if ((rc = sums->fn(ctx, &row, blk.sums + r * ncols, gkey.data ? gkey.data : "", gkey.len, err)))
                    goto out;
            }
            have_prev = 0;
            continue;
        }
        for (size_t r = 0; r < blk.nrows; r++) {
            if (!have_prev || !same_key(prev, blk.keys[r])) {
                /* a new series: its tags and its group */
                enter_series(p, cols, ncols, gcol, &blk, r, tagvals, &gkey);
                prev = blk.keys[r];
                have_prev = 1;
                series_ok = 1;
                if (filt.ns) {
                    sel_row srow = { .p = p, .blk = &blk, .r = r, .time = times[r], .tagvals = tagvals };
                    series_ok = sel_filter_series(&filt, &srow);
                }
                if (p->only_gkey && (gkey.len != p->only_gklen || memcmp(gkey.data, p->only_gkey, gkey.len)))
                    series_ok = 0;
            } else {
                prev = blk.keys[r];   /* tag strings live as long as the scan: nothing to refresh */
            }
            if (!series_ok)
                continue;
            row.r = r;
            row.time = times[r];
            if (by_runs) {
                /* the rest of this series in the block, at once */
                size_t e = r + 1;
                for (; e < blk.nrows; e++) {
                    /* rows of one series from different files carry
                     * different copies of its key: compare bytes once */
                    if (blk.keys[e].p != prev.p) {
                        if (!same_key(prev, blk.keys[e]))
                            break;
                        prev = blk.keys[e];
                    }
                }
                if ((rc = runfn(ctx, &row, r, e, gkey.data ? gkey.data : "", gkey.len, err)))
                    goto out;
                r = e - 1;
                continue;
            }
            if (mask && !mask[r])
                continue;
            if (filt.nr && !sel_filter_row(&filt, &row))
                continue;
            if ((rc = fn(ctx, &row, gkey.data ? gkey.data : "", gkey.len, err)))
                goto out;
        }
    }
out:
    hb_scan_close(sc);
    if (have_filter)
        sel_filter_free(&filt);
    free(tagvals);
    free(gcol);
    hb_buf_free(&gkey);
    if (src)
        hb_store_sources_release(st, src, nsrc);
    for (size_t i = 0; i < snap->nmemtables; i++)
        hb_memtable_unlock(snap->memtables[i]);
    return rc < 0 ? rc : HB_OK;
}

int sel_group_tags(sel_plan *p, const char *gkey, size_t gklen, hb_kv **out, size_t *n)
{
    *n = p->ngtags;
    *out = NULL;
    if (!p->ngtags)
        return HB_OK;
    hb_kv *kv = hb_arena_alloc(p->a, p->ngtags * sizeof *kv);
    if (!kv)
        return HB_ENOMEM;
    const char *s = gkey, *end = gkey + gklen;
    for (size_t g = 0; g < p->ngtags; g++) {
        const char *z = memchr(s, '\0', (size_t)(end - s));
        size_t len = z ? (size_t)(z - s) : (size_t)(end - s);
        kv[g].key = p->gtags[g];
        kv[g].val = hb_arena_strndup(p->a, s, len);
        if (!kv[g].val)
            return HB_ENOMEM;
        s = z ? z + 1 : end;
    }
    *out = kv;
    return HB_OK;
}

/* ---- output: order, limits, series ---- */

static int cmp_series(const void *a, const void *b)
{
    const sel_out_series *x = a, *y = b;
    int c = strcmp(x->m->name, y->m->name);
    if (c)
        return c;
    if ((c = strcmp(x->gkey, y->gkey)))
        return c;
    return (x->m > y->m) - (x->m < y->m);   /* FROM order (p->meas) */
}

int sel_cmp_row_ref(const void *a, const void *b)
{
    const sel_row_ref *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* b's rows merged into a's (room for both there): see sel_emit. HB_ENOMEM. */
static int merge_rows(sel_out_series *a, const sel_out_series *b, size_t width)
{
    size_t na = a->nrows, nb = b->nrows;
    hb_value *copy = malloc((na ? na : 1) * width * sizeof *copy);
    if (!copy)
        return HB_ENOMEM;
    memcpy(copy, a->rows, na * width * sizeof *copy);
    size_t i = 0, j = 0, k = 0;
    while (i < na || j < nb) {
        int take_a = j == nb || (i < na && copy[i * width].v.i <= b->rows[j * width].v.i);
        const hb_value *src = take_a ? &copy[i++ * width] : &b->rows[j++ * width];
        memcpy(&a->rows[k++ * width], src, width * sizeof *src);
    }
    a->nrows = na + nb;
    free(copy);
    return HB_OK;
}

static void reverse_refs(sel_row_ref *v, size_t n)
{
    for (size_t r = 0; r < n / 2; r++) {
        sel_row_ref t = v[r];
        v[r] = v[n - 1 - r];
        v[n - 1 - r] = t;
    }
}

/* A column returns several points per window (top, bottom, sample). */
static int window_points_ascend(const sel_plan *p)
{
    for (size_t i = 0; p->aggregate && i < p->ncols; i++) {
        const hb_iql_expr *e = sel_unparen(p->cols[i].expr);
        if (e->kind == HB_IQL_EXPR_CALL && (!strcmp(e->u.call.name.p, "top") || !strcmp(e->u.call.name.p, "bottom") ||
                                            !strcmp(e->u.call.name.p, "sample")))
            return 1;
    }
    return 0;
}

int sel_emit(sel_plan *p, sel_out_series *v, size_t n, hb_query_result *res, hb_stmt_result *sr, hb_err *err)
{
    const hb_iql_select *s = p->s;
    if (n > 1)
        qsort(v, n, sizeof *v, cmp_series);
    size_t width = 1 + p->ncols;
    const char **colnames = hb_arena_alloc(p->a, width * sizeof *colnames);
    if (!colnames)
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    colnames[0] = "time";
    for (size_t i = 0; i < p->ncols; i++)
        colnames[i + 1] = p->cols[i].name;
    /* one output series per name and group: rows of several measurements of
     * one name (FROM cpu, db1..cpu; FROM cpu, cpu) go together, in FROM
     * order at equal times */
    for (size_t i = 1, w = 0; i < n; i++) {
        if (!v[i].nrows)
            continue;
        if (!v[w].nrows || strcmp(v[w].m->name, v[i].m->name) || strcmp(v[w].gkey, v[i].gkey)) {
            w = i;
            continue;
        }
        if (v[w].nrows + v[i].nrows > v[w].cap) {
            size_t nc = v[w].nrows + v[i].nrows;
            hb_value *nv = realloc(v[w].rows, nc * width * sizeof *nv);
            if (!nv)
                return hb_err_set(err, HB_ENOMEM, "out of memory");
            v[w].rows = nv;
            v[w].cap = nc;
        }
        if (v[w].m->virt && v[i].m->virt) {
            /* two subqueries' rows (each kept in its order): merged as
             * influxd merges its inputs, the earlier head time first, the
             * earlier source at equal times */
            if (merge_rows(&v[w], &v[i], width))
                return hb_err_set(err, HB_ENOMEM, "out of memory");
        } else {
            memcpy(&v[w].rows[v[w].nrows * width], v[i].rows, v[i].nrows * width * sizeof *v[i].rows);
            v[w].nrows += v[i].nrows;
        }
        v[i].nrows = 0;
    }
    /* series with no row do not appear; SOFFSET/SLIMIT count the rest */
    size_t kept = 0;
    for (size_t i = 0; i < n; i++)
        if (v[i].nrows) {   /* swap, not copy: the caller frees every entry's rows */
            sel_out_series t = v[kept];
            v[kept++] = v[i];
            v[i] = t;
        }
    n = kept;
    if (p->capture) {   /* an inner statement of a transformation: its series go to the caller */
        sel_out_series *cv = malloc((n ? n : 1) * sizeof *cv);
        if (!cv)
            return hb_err_set(err, HB_ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
            cv[i] = v[i];
            v[i].rows = NULL;
            v[i].nrows = 0;
        }
        *p->capture = cv;
        *p->ncapture = n;
        return HB_OK;
    }
    size_t first = 0, last = n;
    if (p->desc) {
        for (size_t i = 0; i < n / 2; i++) {
            sel_out_series t = v[i];
            v[i] = v[n - 1 - i];
            v[n - 1 - i] = t;
        }
    }
    if (s->soffset > 0)
        first = (size_t)s->soffset < n ? (size_t)s->soffset : n;
    /* SOFFSET without SLIMIT selects no series: influxd's LimitTagSets takes
     * a[soffset:soffset+0] */
    if (s->soffset > 0 && s->slimit <= 0)
        first = n;
    if (s->slimit > 0 && first + (size_t)s->slimit < last)
        last = first + (size_t)s->slimit;
    for (size_t k = first; k < last; k++) {
        sel_out_series *o = &v[k];
        sel_row_ref *order = malloc(o->nrows * sizeof *order);
        if (!order)
            return hb_err_set(err, HB_ENOMEM, "out of memory");
        for (size_t r = 0; r < o->nrows; r++)
            order[r] = (sel_row_ref){ o->rows[r * width].v.i, r };
        /* rows from a subquery keep its order (its series one after the
         * other), as influxd passes them through; the others go by time */
        if (!(o->m && o->m->virt))
            qsort(order, o->nrows, sizeof *order, sel_cmp_row_ref);
        if (p->desc) {
            reverse_refs(order, o->nrows);
            /* top(), bottom() and sample() return each window's points by
             * time even under ORDER BY time DESC: only the windows go
             * backwards (influxd sorts each window's points ascending) */
            if (window_points_ascend(p))
                for (size_t r = 0, e; r < o->nrows; r = e) {
                    int64_t w = p->interval ? sel_window(p, order[r].t) : 0;
                    for (e = r + 1; e < o->nrows && (p->interval ? sel_window(p, order[e].t) : 0) == w; e++)
                        ;
                    reverse_refs(order + r, e - r);
                }
        }
        size_t r0 = s->offset > 0 ? (size_t)s->offset : 0, r1 = o->nrows;
        if (r0 > r1)
            r0 = r1;
        if (s->limit > 0 && r0 + (size_t)s->limit < r1)
            r1 = r0 + (size_t)s->limit;
        /* a raw query with OFFSET and no LIMIT returns one row per series:
         * influxd's storage-level limit iterator stops after OFFSET + LIMIT
         * + 1 points, the query-level one then skips OFFSET of them */
        if (s->offset > 0 && s->limit <= 0 && !p->aggregate && r0 < r1)
            r1 = r0 + 1;
        if (r0 == r1) {
            free(order);
            continue;
        }
        hb_series_out *so = hb_result_add_series(res, sr, o->m->name, colnames, width);
        if (!so) {
            free(order);
            return hb_err_set(err, HB_ENOMEM, "out of memory");
        }
        /* the series outlives the plan: tags go to the result's arena */
        if (o->ntags) {
            hb_kv *kv = hb_arena_alloc(&res->arena, o->ntags * sizeof *kv);
            if (!kv) {
                free(order);
                return hb_err_set(err, HB_ENOMEM, "out of memory");
            }
            for (size_t t = 0; t < o->ntags; t++) {
                kv[t].key = hb_result_strdup(res, o->tags[t].key);
                kv[t].val = hb_result_strdup(res, o->tags[t].val);
            }
            so->tags = kv;
            so->ntags = o->ntags;
        }
        /* the rows move to the answer: as they are when already in order
         * (the common case), else copied once into an array of their size */
        int identity = r0 == 0 && r1 == o->nrows;
        for (size_t r = r0; r < r1 && identity; r++)
            identity = order[r].i == r;
        if (identity) {
            hb_result_take_rows(so, o->rows, o->nrows);
            o->rows = NULL;
            o->nrows = o->cap = 0;
        } else {
            hb_value *rows = malloc((r1 - r0) * width * sizeof *rows);
            if (!rows) {
                free(order);
                return hb_err_set(err, HB_ENOMEM, "out of memory");
            }
            for (size_t r = r0; r < r1; r++)
                memcpy(&rows[(r - r0) * width], &o->rows[order[r].i * width], width * sizeof *rows);
            hb_result_take_rows(so, rows, r1 - r0);
        }
        free(order);
    }
    return HB_OK;
}

/* ---- raw queries ---- */


/* Adds the scan columns of the fields e reads to x->fcols (room for one
 * per field of the measurement). */
static void field_refs(sel_raw *x, const hb_iql_expr *e)
{
    switch (e->kind) {
    case HB_IQL_EXPR_VARREF: {
        const sel_bind *b = hb_u64map_get(&x->p->binds, (uint64_t)(uintptr_t)e);
        if (!b || b->kind != BIND_FIELD)
            return;
        /* a cast the stored type cannot take reads nothing (msg::integer) */
        int num = b->type == HB_FT_FLOAT || b->type == HB_FT_INTEGER || b->type == HB_FT_UNSIGNED;
        hb_iql_dtype t = e->u.ref.type;
        if (((t == HB_IQL_DT_FLOAT || t == HB_IQL_DT_INTEGER || t == HB_IQL_DT_UNSIGNED) && !num) ||
            (t == HB_IQL_DT_STRING && b->type != HB_FT_STRING) || (t == HB_IQL_DT_BOOLEAN && b->type != HB_FT_BOOLEAN))
            return;
        for (size_t i = 0; i < x->nfcols; i++)
            if (x->fcols[i] == b->col)
                return;
        if (x->nfcols < x->m->nfields)
            x->fcols[x->nfcols++] = b->col;
        return;
    }
    case HB_IQL_EXPR_BINARY:
        field_refs(x, e->u.bin.lhs);
        field_refs(x, e->u.bin.rhs);
        return;
    case HB_IQL_EXPR_PAREN: field_refs(x, e->u.paren); return;
    case HB_IQL_EXPR_CALL:
        for (size_t i = 0; i < e->u.call.nargs; i++)
            field_refs(x, e->u.call.args[i]);
        return;
    default: return;
    }
}

static sel_out_series *group_series(sel_raw *x, const char *gkey, size_t gklen, hb_err *err)
{
    uintptr_t idx = (uintptr_t)hb_strmap_get(&x->groups, gkey, gklen);
    if (idx)
        return &x->out[idx - 1];
    if (x->nout == x->capout) {
        size_t nc = x->capout ? x->capout * 2 : 16;
        sel_out_series *nv = realloc(x->out, nc * sizeof *nv);
        if (!nv)
            return NULL;
        x->out = nv;
        x->capout = nc;
    }
    sel_out_series *o = &x->out[x->nout];
    memset(o, 0, sizeof *o);
    o->m = x->m;
    char *k = hb_arena_alloc(x->p->a, gklen + 1);
    if (!k)
        return NULL;
    memcpy(k, gkey, gklen);
    k[gklen] = '\0';
    /* NUL separators inside the key: compare with them as low bytes */
    for (size_t i = 0; i < gklen; i++)
        if (!k[i])
            k[i] = '\x01';
    o->gkey = k;
    if (sel_group_tags(x->p, gkey, gklen, &o->tags, &o->ntags))
        return NULL;
    if (hb_strmap_put(&x->groups, gkey, gklen, (void *)(uintptr_t)(x->nout + 1)))
        return NULL;
    x->nout++;
    (void)err;
    return o;
}

/* Keep the first (desc: last) keep rows of o in (time, arrival) order,
 * in that order. */
static int trim_rows(sel_out_series *o, size_t width, size_t keep, int desc)
{
    sel_row_ref *ord = malloc(o->nrows * sizeof *ord);
    hb_value *nv = malloc((keep + 1) * width * sizeof *nv);
    if (!ord || !nv) {
        free(ord);
        free(nv);
        return HB_ENOMEM;
    }
    for (size_t r = 0; r < o->nrows; r++)
        ord[r] = (sel_row_ref){ o->rows[r * width].v.i, r };
    qsort(ord, o->nrows, sizeof *ord, sel_cmp_row_ref);
    size_t from = desc ? o->nrows - keep : 0;
    for (size_t k = 0; k < keep; k++)
        memcpy(&nv[k * width], &o->rows[ord[from + k].i * width], width * sizeof *nv);
    free(ord);
    free(o->rows);
    o->rows = nv;
    o->nrows = keep;
    o->cap = keep + 1;
    return HB_OK;
}

static hb_value keep_value(hb_arena *a, hb_value v)
{
    if (v.kind == HB_V_STR) {
        char *s = hb_arena_strndup(a, v.v.s.p, v.v.s.n);
        v.v.s.p = s ? s : "";
        if (!s)
            v.v.s.n = 0;
    }
    return v;
}

int sel_raw_row(void *ctx, const sel_row *row, const char *gkey, size_t gklen, hb_err *err)
{
    sel_raw *x = ctx;
    sel_plan *p = x->p;
    size_t width = 1 + p->ncols;
    hb_value vals[width];
    int any = 0;
    if (!x->bound) {   /* the scan bound the names just before the first row */
        x->nfcols = 0;
        for (size_t i = 0; i < p->ncols; i++)
            field_refs(x, p->cols[i].expr);
        if (!x->cbind && !(x->cbind = hb_arena_alloc(p->a, (p->ncols + 1) * sizeof *x->cbind)))
            return hb_err_set(err, HB_ENOMEM, "out of memory");
        for (size_t i = 0; i < p->ncols; i++) {   /* SELECT *: the bindings once, not per cell */
            const hb_iql_expr *e = p->cols[i].expr;
            x->cbind[i] = e->kind == HB_IQL_EXPR_VARREF ? hb_u64map_get(&p->binds, (uint64_t)(uintptr_t)e) : NULL;
        }
        x->bound = 1;
    }
    /* a point is a row when one of the fields the columns read has a value
     * there (InfluxDB's auxiliary iterator), even if every expression over
     * them is null (usage + nosuch, asin(2)) */
    for (size_t i = 0; i < x->nfcols && !any; i++)
        any = hb_pq_valid(row->blk->vecs[x->fcols[i]].valid, row->r);
    if (!any)
        return HB_OK;
    vals[0] = (hb_value){ .kind = HB_V_TIME, .v.i = row->time };
    for (size_t i = 0; i < p->ncols; i++) {
        const sel_bind *b = x->cbind[i];
        hb_value *v = &vals[i + 1];
        if (b && b->kind == BIND_FIELD && p->cols[i].expr->u.ref.type == HB_IQL_DT_UNKNOWN &&
            b->type != HB_FT_STRING && b->type != HB_FT_BOOLEAN) {
            /* the common SELECT * cell, read in place */
            const hb_pq_colvec *cv = &row->blk->vecs[b->col];
            if (!hb_pq_valid(cv->valid, row->r))
                *v = (hb_value){ .kind = HB_V_NULL };
            else if (b->type == HB_FT_FLOAT)
                *v = (hb_value){ .kind = HB_V_FLOAT, .v.f = ((const double *)cv->values)[row->r] };
            else if (b->type == HB_FT_INTEGER)
                *v = (hb_value){ .kind = HB_V_INT, .v.i = ((const int64_t *)cv->values)[row->r] };
            else
                *v = (hb_value){ .kind = HB_V_UINT, .v.u = ((const uint64_t *)cv->values)[row->r] };
        } else {
            *v = b ? sel_ref(row, p->cols[i].expr, b) : sel_eval(row, p->cols[i].expr);
        }
    }
    sel_out_series *o = group_series(x, gkey, gklen, err);
    if (!o)
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    if (o->nrows == o->cap) {
        size_t nc = o->cap ? o->cap * 2 : 64;
        hb_value *nv = realloc(o->rows, nc * width * sizeof *nv);
        if (!nv)
            return hb_err_set(err, HB_ENOMEM, "out of memory");
        p->mem += (nc - o->cap) * width * sizeof *nv;
        o->rows = nv;
        o->cap = nc;
    }
    hb_value *dst = &o->rows[o->nrows * width];
    const hb_value *last = o->nrows ? dst - width : NULL;
    for (size_t i = 0; i < width; i++) {
        /* a string equal to the previous row's (a tag of the same series)
         * shares its copy instead of taking another */
        if (last && vals[i].kind == HB_V_STR && last[i].kind == HB_V_STR && last[i].v.s.n == vals[i].v.s.n &&
            memcmp(last[i].v.s.p, vals[i].v.s.p, vals[i].v.s.n) == 0)
            dst[i] = last[i];
        else {
            dst[i] = keep_value(x->strs, vals[i]);
            if (vals[i].kind == HB_V_STR)
                p->mem += vals[i].v.s.n;
        }
    }
    o->nrows++;
    /* with LIMIT only OFFSET + LIMIT rows per series can be returned: keep
     * that many (the earliest, or the latest for ORDER BY time DESC) */
    size_t keep = p->s->limit > 0 ? (size_t)p->s->limit + (size_t)(p->s->offset > 0 ? p->s->offset : 0) : 0;
    if (keep && !x->m->virt && o->nrows >= 2 * keep + 64) {
        size_t before = o->cap;
        if (trim_rows(o, width, keep, p->desc))
            return hb_err_set(err, HB_ENOMEM, "out of memory");
        p->mem -= (before - o->cap) * width * sizeof(hb_value);
    }
    return HB_OK;
}

int sel_exec_raw(sel_plan *p, hb_query_result *res, hb_stmt_result *sr, hb_err *err)
{
    sel_out_series *all = NULL;
    size_t nall = 0, capall = 0;
    int rc = HB_OK;
    for (size_t i = 0; !rc && i < p->nmeas; i++) {
        sel_raw x = { .p = p, .strs = &res->arena, .m = &p->meas[i] };
        if (!(x.fcols = hb_arena_alloc(p->a, (p->meas[i].nfields + 1) * sizeof *x.fcols))) {
            rc = hb_err_set(err, HB_ENOMEM, "out of memory");
            break;
        }
        hb_strmap_init(&x.groups);
        /* which columns come from fields is known once bound: bind first */
        rc = sel_scan_measurement(p, &p->meas[i], sel_raw_row, NULL, NULL, &x, err);
        hb_strmap_free(&x.groups);
        if (!rc && x.nout) {
            if (nall + x.nout > capall) {
                size_t nc = (nall + x.nout) * 2;
                sel_out_series *nv = realloc(all, nc * sizeof *nv);
                if (!nv)
                    rc = hb_err_set(err, HB_ENOMEM, "out of memory");
                else {
                    all = nv;
                    capall = nc;
                }
            }
            if (!rc) {
                memcpy(all + nall, x.out, x.nout * sizeof *all);
                nall += x.nout;
                x.nout = 0;
            }
        }
        for (size_t k = 0; k < x.nout; k++)
            free(x.out[k].rows);
        free(x.out);
    }
    if (!rc)
        rc = sel_emit(p, all, nall, res, sr, err);
    for (size_t k = 0; k < nall; k++)
        free(all[k].rows);
    free(all);
    return rc;
}

/* ---- entry ---- */

int hb_select_exec(const hb_select_env *env, const hb_iql_select *s, hb_query_result *res, hb_stmt_result *sr,
                   hb_err *err)
{
    hb_arena a;
    hb_arena_init(&a, 64 * 1024, 0);
    sel_plan p = { .env = env, .s = s, .a = &a };
    hb_u64map_init(&p.binds);
    int rc = sel_plan_build(&p, err);
    sr->tz = p.tz;   /* the encoder writes the times in tz()'s zone */
    if (!rc && p.ncols && sel_join_needed(&p))
        rc = sel_exec_joined(&p, res, sr, err);
    else if (!rc && p.ncols && !p.aggregate && env->sink)
        rc = sel_exec_raw_stream(&p, err);   /* 1: not a shape it streams */
    else if (!rc && p.ncols)
        rc = p.aggregate ? sel_exec_agg(&p, res, sr, err) : 1;
    if (rc == 1)
        rc = sel_exec_raw(&p, res, sr, err);
    for (size_t i = 0; i < p.nmeas; i++) {
        hb_field_info_free(p.meas[i].fields, p.meas[i].nfields);
        hb_strv_free(p.meas[i].tags, p.meas[i].ntags);
    }
    if (p.snap_db)
        hb_store_release(env->store, &p.snap);
    for (size_t i = 0; i < p.nsubq; i++)
        hb_memtable_free(p.subq[i]);
    hb_u64map_free(&p.binds);
    hb_arena_free(&a);
    return rc;
}
