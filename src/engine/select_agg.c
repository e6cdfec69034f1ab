/* Aggregate SELECTs: reducers per (group, time bucket, column)
 * (select_reduce.c), then one row per bucket with fill, as InfluxDB 1.x
 * answers.
 *
 * Time of a row: the bucket start with GROUP BY time; otherwise the start
 * of the WHERE time range (1970-01-01 without a lower bound), except for a
 * query whose only call is a selector (first, last, min, max, percentile),
 * which returns the selected point's time. Buckets run from the range
 * start (or the first point's bucket without a lower bound) to the range
 * end (now() without an upper bound); empty ones are filled per fill():
 * null (count gives 0 with GROUP BY time), none, a number, previous,
 * linear. distinct(), top() and bottom() return several rows. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/select_agg_internal.h"

#define MAX_BUCKETS 1000000   /* a GROUP BY time answer of more buckets is refused (InfluxDB: max-select-buckets) */

static agg_group *get_group(agg_ctx *x, const char *gkey, size_t gklen)
{
    agg_group *g = hb_strmap_get(&x->groups, gkey, gklen);
    if (g)
        return g;
    if (x->ng == x->capg) {
        size_t nc = x->capg ? x->capg * 2 : 16;
        agg_group **nv = realloc(x->gl, nc * sizeof *nv);
        if (!nv)
            return NULL;
        x->gl = nv;
        x->capg = nc;
    }
    g = hb_arena_calloc(x->p->a, sizeof *g);
    char *k = hb_arena_alloc(x->p->a, gklen + 1);
    if (!g || !k)
        return NULL;
    memcpy(k, gkey, gklen);
    k[gklen] = '\0';
    g->m = x->m;
    g->gkey = k;
    g->gklen = gklen;
    hb_u64map_init(&g->buckets);
    if (hb_strmap_put(&x->groups, gkey, gklen, g))
        return NULL;
    x->gl[x->ng++] = g;
    return g;
}

static int64_t bucket_of(const sel_plan *p, int64_t t)
{
    return p->interval ? sel_window(p, t) : 0;
}

/* hb_u64map reserves the keys 0 and UINT64_MAX */
static uint64_t bucket_key(int64_t start)
{
    uint64_t k = (uint64_t)start ^ (UINT64_C(1) << 63);
    return k == 0 ? 1 : k == UINT64_MAX ? UINT64_MAX - 1 : k;
}

static agg_bucket *get_bucket(agg_ctx *x, agg_group *g, int64_t start)
{
    agg_bucket *b = hb_u64map_get(&g->buckets, bucket_key(start));
    if (b)
        return b;
    b = hb_arena_calloc(x->p->a, sizeof *b);
    agg_state *st = hb_arena_calloc(x->p->a, (x->ntot + 1) * sizeof *st);
    if (!b || !st)
        return NULL;
    b->start = start;
    b->st = st;
    x->p->mem += sizeof *b + (x->ntot + 1) * sizeof *st;
    if (g->nb == g->cap) {
        size_t nc = g->cap ? g->cap * 2 : 16;
        agg_bucket **nv = realloc(g->list, nc * sizeof *nv);
        if (!nv)
            return NULL;
        g->list = nv;
        g->cap = nc;
    }
    if (hb_u64map_put(&g->buckets, bucket_key(start), b))
        return NULL;
    g->list[g->nb++] = b;
    return b;
}

/* The bucket of g starting at bs, the previous lookup's when it is the
 * same (consecutive rows are mostly one series and bucket); NULL when out
 * of memory. */
static agg_bucket *bucket_at(agg_ctx *x, agg_group *g, int64_t bs)
{
    agg_bucket *b = x->last_b && x->last_b->start == bs ? x->last_b : get_bucket(x, g, bs);
    if (b)
        x->last_b = b;
    return b;
}

/* A value at t was reduced: the earliest such time opens the windows
 * without a lower time bound. */
static void note_seen(agg_ctx *x, int64_t t)
{
    if (!x->any || t < x->min_seen)
        x->min_seen = t;
    x->any = 1;
}

/* Which columns read a field straight from the block, and whether every
 * call can take the run path; the scan bound the names just before the
 * first row. */
static void bind_fast(agg_ctx *x)
{
    sel_plan *p = x->p;
    x->runs_ok = x->naux == 0;
    for (size_t i = 0; i < x->ntot; i++) {
        const hb_iql_expr *a = x->cols[i].arg;
        const sel_bind *bd = a && a->kind == HB_IQL_EXPR_VARREF ? hb_u64map_get(&p->binds, (uint64_t)(uintptr_t)a)
                                                                : NULL;
        x->fast[i] = bd && bd->kind == BIND_FIELD && a->u.ref.type == HB_IQL_DT_UNKNOWN ? bd : NULL;
        x->tagarg[i] = bd && bd->kind == BIND_TAG && !x->cols[i].aux && !x->cols[i].expr;
        if (!x->cols[i].aux && !x->cols[i].expr && !agg_span_ok(&x->cols[i], x->fast[i]))
            x->runs_ok = 0;
    }
    x->bound = 1;
}

/* The group of gkey, the previous row's when it is the same. */
static agg_group *group_of(agg_ctx *x, const char *gkey, size_t gklen)
{
    if (x->last_g && x->last_g->gklen == gklen && memcmp(x->last_g->gkey, gkey, gklen) == 0)
        return x->last_g;
    x->last_b = NULL;
    return x->last_g = get_group(x, gkey, gklen);
}

static int agg_row(void *ctx, const sel_row *row, const char *gkey, size_t gklen, hb_err *err)
{
    agg_ctx *x = ctx;
    sel_plan *p = x->p;
    agg_bucket *b = NULL;
    if (!x->bound)
        bind_fast(x);
    for (size_t i = 0; i < x->ntot; i++) {
        if (x->cols[i].aux || x->cols[i].expr || x->tagarg[i])
            continue;
        hb_value v;
        if (x->fast[i]) {   /* the common case: a field read straight from the block */
            hb_pq_coldef cd = { NULL, HB_PQ_FIELD, x->fast[i]->type };
            v = sel_cell(row->blk, &cd, (size_t)x->fast[i]->col, row->r);
        } else {
            v = sel_eval(row, x->cols[i].arg);
        }
        if (v.kind == HB_V_NULL)
            continue;
        if (!b) {
            /* consecutive rows are mostly the same series and bucket: reuse
             * the last lookups instead of hashing the group key every row */
            agg_group *g = group_of(x, gkey, gklen);
            int64_t bs;
            if (g && x->nzones && (x->collect || agg_tz_in_zone(x, row->time))) {
                /* near an offset change (select_agg_tz.c): the series matters */
                hb_slice k = row->blk->keys[row->r];
                uint64_t kh = hb_hash64(k.p, k.n);
                if (x->collect)
                    return agg_tz_collect(x, g, kh, row->time, err);   /* a pre-scan only notes it */
                bs = agg_tz_bucket(x, g, kh, row->time);
            } else {
                bs = bucket_of(p, row->time);
            }
            if (!g || !(b = bucket_at(x, g, bs)))
                return hb_err_set(err, HB_ENOMEM, "out of memory");
            note_seen(x, row->time);
        }
        if (agg_reduce(x, &x->cols[i], &b->st[i], v, row->time, row))
            return hb_err_set(err, HB_ENOMEM, "out of memory");
    }
    return HB_OK;
}

/* Rows [r0, r1) of one series: cut into time buckets, each bucket's rows
 * fed to every column at once (select_agg_run.c); row by row when some
 * column cannot. */
static int agg_run(void *ctx, const sel_row *row, size_t r0, size_t r1, const char *gkey, size_t gklen,
                   hb_err *err)
{
    agg_ctx *x = ctx;
    sel_plan *p = x->p;
    if (!x->bound)
        bind_fast(x);
    const hb_scan_block *blk = row->blk;
    const int64_t *t = blk->vecs[0].values;
    if (!x->runs_ok || x->collect) {
        sel_row one = *row;
        for (size_t r = r0; r < r1; r++) {
            one.r = r;
            one.time = t[r];
            int rc = agg_row(ctx, &one, gkey, gklen, err);
            if (rc)
                return rc;
        }
        return HB_OK;
    }
    agg_group *g = group_of(x, gkey, gklen);
    if (!g)
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    for (size_t a = r0; a < r1;) {
        int64_t bs = bucket_of(p, t[a]);
        size_t e = r1;
        if (p->interval && p->tz) {
            if (x->nzones && agg_tz_in_zone(x, t[a])) {
                /* near an offset change the window depends on the group's
                 * earlier points: the row path looks it up */
                sel_row one = *row;
                one.r = a;
                one.time = t[a];
                int rc = agg_row(ctx, &one, gkey, gklen, err);
                if (rc)
                    return rc;
                a++;
                continue;
            }
            e = a + 1;   /* local windows vary in length: compare each row's */
            while (e < r1 && !(x->nzones && agg_tz_in_zone(x, t[e])) && bucket_of(p, t[e]) == bs)
                e++;
        } else if (p->interval && bs <= INT64_MAX - p->interval) {
            e = a + 1;   /* times rise within a series: the bucket ends at the first later one */
            while (e < r1 && t[e] < bs + p->interval)
                e++;
        }
        agg_bucket *b = NULL;
        for (size_t i = 0; i < x->ntot; i++) {
            const agg_col *c = &x->cols[i];
            if (c->aux || c->expr)
                continue;
            const hb_pq_colvec *v = &blk->vecs[x->fast[i]->col];
            size_t first, n = agg_span_count(v, a, e, &first);
            if (!n)
                continue;
            if (!b && !(b = bucket_at(x, g, bs)))
                return hb_err_set(err, HB_ENOMEM, "out of memory");
            note_seen(x, t[first]);
            agg_span(c, &b->st[i], x->fast[i]->type, v, t, a, e, n, first);
        }
        a = e;
    }
    return HB_OK;
}

/* ---- whole runs from run summaries (engine/run_summary.h) ---- */

static int sums_ready(void *ctx)
{
    agg_ctx *x = ctx;
    if (!x->bound)
        bind_fast(x);
    if (!x->runs_ok || x->collect || x->p->tz)
        return 0;
    for (size_t i = 0; i < x->ntot; i++)
        if (!x->cols[i].aux && !x->cols[i].expr && !agg_sum_ok(&x->cols[i], x->fast[i]))
            return 0;
    return 1;
}

static int sums_one_bucket(void *ctx, int64_t tmin, int64_t tmax)
{
    const agg_ctx *x = ctx;
    return bucket_of(x->p, tmin) == bucket_of(x->p, tmax);
}

static int agg_sums(void *ctx, const sel_row *row, const hb_run_sum *const *sums, const char *gkey, size_t gklen,
                    hb_err *err)
{
    agg_ctx *x = ctx;
    agg_group *g = group_of(x, gkey, gklen);
    if (!g)
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    int64_t bs = bucket_of(x->p, row->time);
    agg_bucket *b = NULL;
    for (size_t i = 0; i < x->ntot; i++) {
        const agg_col *c = &x->cols[i];
        if (c->aux || c->expr)
            continue;
        const hb_run_sum *rs = sums[x->fast[i]->col];
        if (!rs || !rs->count)
            continue;
        if (!b && !(b = bucket_at(x, g, bs)))
            return hb_err_set(err, HB_ENOMEM, "out of memory");
        note_seen(x, rs->tfirst);
        agg_sum_apply(c, &b->st[i], x->fast[i]->type, rs);
    }
    return HB_OK;
}

static const sel_sum_hooks agg_sum_hooks = { sums_ready, sums_one_bucket, agg_sums };

/* An expression column's value in bucket b: its calls come from the
 * hidden columns. */
static hb_value eval_agg_expr(agg_ctx *x, agg_bucket *b, const hb_iql_expr *e, int *has_data)
{
    if (agg_is_call(e)) {
        for (size_t j = x->p->ncols; j < x->ntot; j++) {
            if (x->cols[j].call != e)
                continue;
            if (b && b->st[j].n) {
                int64_t t;
                *has_data = 1;
                return agg_finish(&x->cols[j], &b->st[j], &t);
            }
            if (x->cols[j].fn == FN_COUNT)
                return (hb_value){ .kind = HB_V_INT, .v.i = 0 };
            break;
        }
        return (hb_value){ .kind = HB_V_NULL };
    }
    switch (e->kind) {
    case HB_IQL_EXPR_PAREN:
        return eval_agg_expr(x, b, e->u.paren, has_data);
    case HB_IQL_EXPR_BINARY:
        return sel_arith(e->u.bin.op, eval_agg_expr(x, b, e->u.bin.lhs, has_data),
                         eval_agg_expr(x, b, e->u.bin.rhs, has_data));
    case HB_IQL_EXPR_CALL: {
        hb_value args[2] = { { .kind = HB_V_NULL }, { .kind = HB_V_NULL } };
        for (size_t i = 0; i < e->u.call.nargs && i < 2; i++)
            args[i] = eval_agg_expr(x, b, e->u.call.args[i], has_data);
        return sel_math_apply(e->u.call.name.p, args, e->u.call.nargs);
    }
    case HB_IQL_EXPR_VARREF:
        /* a name outside calls: its value at the selected point (a hidden
         * auxiliary column, agg_plan_cols) */
        for (size_t j = x->p->ncols; b && x->sel_col >= 0 && j < x->ntot; j++)
            if (x->cols[j].aux && x->cols[j].arg == e) {
                const agg_state *ss = &b->st[x->sel_col];
                return ss->n && ss->auxv ? ss->auxv[j] : (hb_value){ .kind = HB_V_NULL };
            }
        return (hb_value){ .kind = HB_V_NULL };
    default:
        return sel_eval(NULL, e);   /* literals only: no row needed */
    }
}

/* fill(N) as influxd's typed iterators give it: the type of the call's
 * result (kind: the result's kind where known, else the inputs'). */
static hb_value fill_number(const sel_plan *p, const agg_col *c, hb_vkind kind)
{
    const hb_iql_select *s = p->s;
    double f = s->fill_is_int ? (double)s->fill_int : s->fill_float;
    int64_t i = s->fill_is_int ? s->fill_int : (int64_t)s->fill_float;
    if (c->fn == FN_COUNT || c->fn == FN_COUNT_DISTINCT)
        return (hb_value){ .kind = HB_V_INT, .v.i = i };
    if (c->fn == FN_MEAN || c->fn == FN_MEDIAN || c->fn == FN_STDDEV || c->fn == FN_INTEGRAL)
        return (hb_value){ .kind = HB_V_FLOAT, .v.f = f };
    /* on a string or boolean result: Go's zero value (castToString,
     * castToBoolean fail) */
    if (kind == HB_V_STR || kind == HB_V_BOOL)
        return kind == HB_V_STR ? (hb_value){ .kind = HB_V_STR, .v.s = { "", 0 } }
                                : (hb_value){ .kind = HB_V_BOOL, .v.b = 0 };
    if (kind == HB_V_FLOAT || (kind == HB_V_NULL && !s->fill_is_int))
        return (hb_value){ .kind = HB_V_FLOAT, .v.f = f };
    return (hb_value){ .kind = HB_V_INT, .v.i = i };
}

static int cmp_bucket(const void *a, const void *b)
{
    const agg_bucket *x = *(agg_bucket *const *)a, *y = *(agg_bucket *const *)b;
    return (x->start > y->start) - (x->start < y->start);
}

typedef struct vt {
    hb_value v;
    int64_t t;
    size_t i;      /* arrival order */
} vt;

static int cmp_vt_value(const void *a, const void *b)
{
    const vt *x = a, *y = b;
    int c = agg_vcmp(&x->v, &y->v);
    if (c)
        return c;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

static int cmp_vt_time(const void *a, const void *b)
{
    const vt *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return (x->i > y->i) - (x->i < y->i);
}

static int push_row(sel_out_series *o, size_t width, hb_value **row)
{
    if (o->nrows == o->cap) {
        size_t nc = o->cap ? o->cap * 2 : 16;
        hb_value *nv = realloc(o->rows, nc * width * sizeof *nv);
        if (!nv)
            return HB_ENOMEM;
        o->rows = nv;
        o->cap = nc;
    }
    *row = &o->rows[o->nrows++ * width];
    return HB_OK;
}

/* distinct(): one row per distinct value, in the order each value first
 * appeared (by time), all with the bucket's time. */
static int emit_distinct(agg_ctx *x, agg_group *g, sel_out_series *o, hb_err *err)
{
    sel_plan *p = x->p;
    size_t width = 1 + p->ncols;
    for (size_t bi = 0; bi < g->nb; bi++) {
        agg_state *s = &g->list[bi]->st[0];
        if (!s->nv)
            continue;
        vt *v = malloc(s->nv * sizeof *v);
        if (!v)
            return hb_err_set(err, HB_ENOMEM, "out of memory");
        for (size_t i = 0; i < s->nv; i++)
            v[i] = (vt){ s->vals[i], s->ts[i], i };
        qsort(v, s->nv, sizeof *v, cmp_vt_value);
        size_t k = 0;
        for (size_t i = 0; i < s->nv; i++)
            if (i == 0 || agg_vcmp(&v[i].v, &v[k - 1].v) != 0)
                v[k++] = v[i];   /* the first appearance of each value */
        qsort(v, k, sizeof *v, cmp_vt_time);
        int64_t rt = p->interval ? g->list[bi]->start : (p->has_tmin ? p->tmin : 0);
        for (size_t i = 0; i < k; i++) {
            hb_value *row;
            if (push_row(o, width, &row)) {
                free(v);
                return hb_err_set(err, HB_ENOMEM, "out of memory");
            }
            row[0] = (hb_value){ .kind = HB_V_TIME, .v.i = rt };
            row[1] = v[i].v;
        }
        free(v);
    }
    return HB_OK;
}


/* qsort context (C11 has no qsort_r): per thread, set just before sorting */
static __thread int g_top;

static int cmp_top_rank(const void *a, const void *b, const agg_state *s)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    int c = agg_vcmp(&s->vals[x], &s->vals[y]);
    if (c)
        return g_top ? -c : c;
    if (s->ts[x] != s->ts[y])
        return s->ts[x] < s->ts[y] ? -1 : 1;
    return (x > y) - (x < y);
}

static __thread const agg_state *g_state;
static int cmp_rank(const void *a, const void *b) { return cmp_top_rank(a, b, g_state); }

static int cmp_out_time(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    const agg_state *s = g_state;
    if (s->ts[x] != s->ts[y])
        return s->ts[x] < s->ts[y] ? -1 : 1;
    int c = agg_vcmp(&s->vals[x], &s->vals[y]);
    return g_top ? -c : c;
}

/* top(), bottom(): the N best points (with tag arguments: the best point
 * of each distinct tag tuple first), returned by time with their own
 * timestamps. sample(): the points it holds, by time, then value (influxd's
 * sort of a sample). */
static int emit_top(agg_ctx *x, agg_group *g, size_t col, sel_out_series *o, hb_err *err)
{
    sel_plan *p = x->p;
    const agg_col *c = &x->cols[col];
    size_t width = 1 + p->ncols;
    for (size_t bi = 0; bi < g->nb; bi++) {
        agg_state *s = &g->list[bi]->st[col];
        if (!s->nv)
            continue;
        size_t *idx = malloc(s->nv * sizeof *idx);
        if (!idx)
            return hb_err_set(err, HB_ENOMEM, "out of memory");
        for (size_t i = 0; i < s->nv; i++)
            idx[i] = i;
        g_state = s;
        g_top = c->fn == FN_TOP;
        if (c->fn != FN_SAMPLE)   /* sample() keeps every point it holds */
            qsort(idx, s->nv, sizeof *idx, cmp_rank);
        size_t n = s->nv;
        if (c->ntagargs) {
            /* keep the best point of each tag tuple (the first in rank order) */
            size_t k = 0;
            for (size_t i = 0; i < n; i++) {
                int seen = 0;
                for (size_t j = 0; j < k && !seen; j++) {
                    seen = 1;
                    for (size_t t = 0; t < c->ntagargs && seen; t++) {
                        hb_value *u = &s->pauxv[idx[i]][p->ncols + t], *w = &s->pauxv[idx[j]][p->ncols + t];
                        int ok;
                        seen = u->kind == w->kind && (u->kind == HB_V_NULL || sel_compare(u, w, &ok) == 0);
                    }
                }
                if (!seen)
                    idx[k++] = idx[i];
            }
            n = k;
        }
        if ((int64_t)n > c->limit)
            n = (size_t)c->limit;
        qsort(idx, n, sizeof *idx, cmp_out_time);
        for (size_t i = 0; i < n; i++) {
            hb_value *row;
            if (push_row(o, width, &row)) {
                free(idx);
                return hb_err_set(err, HB_ENOMEM, "out of memory");
            }
            row[0] = (hb_value){ .kind = HB_V_TIME, .v.i = s->ts[idx[i]] };
            for (size_t k = 0; k < p->ncols; k++)
                row[k + 1] = k == col ? s->vals[idx[i]] : x->cols[k].aux ? s->pauxv[idx[i]][k]
                                                                          : (hb_value){ .kind = HB_V_NULL };
        }
        free(idx);
    }
    return HB_OK;
}

static int emit_group(agg_ctx *x, agg_group *g, sel_out_series *o, hb_err *err)
{
    sel_plan *p = x->p;
    size_t width = 1 + p->ncols;
    if (g->nb > 1)
        qsort(g->list, g->nb, sizeof *g->list, cmp_bucket);
    if (x->cols[0].fn == FN_DISTINCT && !x->cols[0].aux && !x->cols[0].expr)
        return emit_distinct(x, g, o, err);
    for (size_t i = 0; i < p->ncols; i++)
        if (!x->cols[i].aux && !x->cols[i].expr &&
            (x->cols[i].fn == FN_TOP || x->cols[i].fn == FN_BOTTOM || x->cols[i].fn == FN_SAMPLE))
            return emit_top(x, g, i, o, err);
    /* one selector (possibly with other columns) and no GROUP BY time: the
     * row has the selected point's time */
    size_t ncalls = 0, nsel = 0;
    for (size_t i = 0; i < p->ncols; i++) {
        ncalls += !x->cols[i].aux;
        nsel += !x->cols[i].aux && x->cols[i].selector;
    }
    /* an expression over the one selector and names (max(v) - v) keeps its point's time too */
    int hidden_selector = x->sel_col >= (int)p->ncols;
    int single_selector = ncalls == 1 && (nsel == 1 || hidden_selector) && !p->interval && !p->joined_calls;
    if (g->nb > 1)
        qsort(g->list, g->nb, sizeof *g->list, cmp_bucket);
    /* integral() streams over the windows (select_integral.c); when it is
     * the only function, influxd fills nothing: only windows it gave a
     * value come out, whatever fill() says */
    size_t nint = 0, nfn = 0;
    for (size_t i = 0; p->interval && i < x->ntot; i++) {
        if (x->cols[i].aux || x->cols[i].expr)
            continue;
        nfn++;
        if (x->cols[i].fn != FN_INTEGRAL)
            continue;
        nint++;
        if (agg_integral_windows(p, &x->cols[i], i, g->list, g->nb))
            return hb_err_set(err, HB_ENOMEM, "out of memory");
    }
    int only_integral = nint && nint == nfn;
    int64_t first = 0, last = 0, step = p->interval ? p->interval : 1;
    int fill_none = p->s->fill == HB_IQL_FILL_NONE || only_integral;
    if (p->interval) {
        first = bucket_of(p, p->has_tmin ? p->tmin : x->min_seen);
        last = bucket_of(p, p->has_tmax ? p->tmax : p->env->now);
        if (fill_none && g->nb) {
            /* only buckets with data */
            first = g->list[0]->start;
            last = g->list[g->nb - 1]->start;
        }
        if (last >= first && (last - first) / step + 1 > MAX_BUCKETS)
            return hb_err_set(err, HB_ELIMIT, "max-select-buckets limit exceeded: (%lld/%d)",
                              (long long)((last - first) / step + 1), MAX_BUCKETS);
    }
    hb_value *prev = calloc(width, sizeof *prev);
    int rc = prev ? HB_OK : hb_err_set(err, HB_ENOMEM, "out of memory");
    /* The rows, as influxd's fill iterator makes them: a walk w from the
     * first window, one step per row; the next bucket is the row (with
     * its own start) when it starts at or before w, else w is an empty
     * row. The walk ends after last once the buckets are used up; buckets
     * after last (only without an upper time bound) are left out. With
     * tz() and ORDER BY time DESC influxd walks down from last, which can
     * give other rows around a DST change: so does this (rows are put
     * back in ascending order, sel_emit reverses them). */
    size_t nb = g->nb, used = 0, row0 = o->nrows;
    if (p->interval && !fill_none)
        while (nb && g->list[nb - 1]->start > last)
            nb--;
    int down = p->interval && !fill_none && p->tz && p->desc;
    int64_t w = down ? last : first, woff = sel_zone_ns(p, w);
    for (int walk_end = 0; !rc && !walk_end;) {
        agg_bucket *b = NULL, *nx = used < nb ? g->list[down ? nb - 1 - used : used] : NULL;
        int64_t t = w;
        if (!p->interval) {
            b = nx;
            walk_end = 1;
        } else if (fill_none) {
            if (!nx)
                break;
            b = nx;
        } else if (nx && (down ? nx->start >= w : nx->start <= w)) {
            b = nx;
        } else if (!nx && (down ? w < first : w > last)) {
            break;
        }
        if (b && p->interval) {
            used++;
            t = b->start;
        }
        if (p->interval && !fill_none)
            walk_end = sel_window_next(p, &w, &woff, down);
        if (!b && fill_none)
            continue;
        if (only_integral) {   /* a window integral() gave no value: no row */
            int has = 0;
            for (size_t i = 0; b && i < x->ntot && !has; i++)
                has = !x->cols[i].aux && !x->cols[i].expr && b->st[i].n;
            if (!has)
                continue;
        }
        if (o->nrows == o->cap) {
            size_t nc = o->cap ? o->cap * 2 : 16;
            hb_value *nv = realloc(o->rows, nc * width * sizeof *nv);
            if (!nv) {
                rc = hb_err_set(err, HB_ENOMEM, "out of memory");
                break;
            }
            p->mem += (nc - o->cap) * width * sizeof *nv;
            o->rows = nv;
            o->cap = nc;
        }
        /* years of filled windows take a while: the statement budgets
         * (timeout, memory cap) are checked here too, not only per scan block */
        if ((o->nrows & 4095) == 4095 && (rc = sel_check_budget(p, err)))
            break;
        hb_value *row = &o->rows[o->nrows * width];
        int64_t rt = p->interval ? t : (p->has_tmin ? p->tmin : 0);
        int any = 0;
        for (size_t i = 0; i < p->ncols; i++) {
            int64_t st = rt;
            hb_value v = { .kind = HB_V_NULL };
            if (x->cols[i].aux) {
                agg_state *ss = b && x->sel_col >= 0 ? &b->st[x->sel_col] : NULL;
                if (ss && ss->pauxv && x->cols[x->sel_col].fn == FN_PERCENTILE && ss->n) {
                    int64_t ignored;   /* percentile() picks its point (and auxv) when finished */
                    agg_finish(&x->cols[x->sel_col], ss, &ignored);
                }
                row[i + 1] = ss && ss->auxv ? ss->auxv[i] : v;
                continue;
            }
            int expr_data = 0;
            if (x->cols[i].expr)
                v = eval_agg_expr(x, b, x->cols[i].arg, &expr_data);
            if (x->cols[i].expr && (expr_data || v.kind != HB_V_NULL))
                any = 1;
            else if (x->cols[i].expr)
                ;   /* empty bucket: filled below */
            else if (b && b->st[i].n)
                v = agg_finish(&x->cols[i], &b->st[i], &st);
            if (v.kind == HB_V_NULL && (x->cols[i].expr ? !expr_data : (!b || !b->st[i].n))) {
                switch (p->s->fill) {
                case HB_IQL_FILL_NULL:
                    /* count() of an empty window is 0 with GROUP BY time, else no value */
                    if (p->interval && !x->cols[i].expr &&
                        (x->cols[i].fn == FN_COUNT || x->cols[i].fn == FN_COUNT_DISTINCT))
                        v = (hb_value){ .kind = HB_V_INT, .v.i = 0 };
                    break;
                case HB_IQL_FILL_NUMBER: {
                    hb_vkind k = prev[i + 1].kind;
                    /* before the first value: the kind of the inputs (influxd's
                     * iterator is typed: fill(-1) over a float field is -1.0,
                     * which a transformation over it must see as a float) */
                    for (size_t j = 0; k == HB_V_NULL && !x->cols[i].expr && j < g->nb; j++)
                        if (g->list[j]->st[i].n) {
                            k = g->list[j]->st[i].kind;
                            break;
                        }
                    v = fill_number(p, &x->cols[i], k);
                    break;
                }
                case HB_IQL_FILL_PREVIOUS: break;   /* after the loop, in output order */
                default: break;
                }
            } else {
                any = 1;
            }
            if (x->cols[i].expr && hidden_selector && b && b->st[x->sel_col].n)
                st = b->st[x->sel_col].sel_t;
            if (single_selector && v.kind != HB_V_NULL)
                rt = st;
            row[i + 1] = v;
            if (v.kind != HB_V_NULL)
                prev[i + 1] = v;
        }
        row[0] = (hb_value){ .kind = HB_V_TIME, .v.i = rt };
        /* without GROUP BY time a reducer that selected nothing gives no row */
        int some = 0;   /* percentile() out of range emits no point at all; stddev() of one emits null */
        for (size_t i = 0; i < p->ncols; i++)
            some |= !x->cols[i].aux && (row[i + 1].kind != HB_V_NULL ||
                                        (b && !x->cols[i].expr && b->st[i].n && x->cols[i].fn != FN_PERCENTILE));
        if (p->interval || some)
            o->nrows++;
        (void)any;
    }
    for (size_t i = row0, j = o->nrows; down && i + 1 < j; i++, j--)
        for (size_t c = 0; c < width; c++) {
            hb_value tmp = o->rows[i * width + c];
            o->rows[i * width + c] = o->rows[(j - 1) * width + c];
            o->rows[(j - 1) * width + c] = tmp;
        }
    if (!rc && p->s->fill == HB_IQL_FILL_PREVIOUS) {
        /* in the order rows are returned: ORDER BY time DESC fills from the end */
        for (size_t i = 1; i < width; i++) {
            if (x->cols[i - 1].aux)
                continue;
            hb_value held = { .kind = HB_V_NULL };
            for (size_t k = 0; k < o->nrows; k++) {
                size_t r = p->desc ? o->nrows - 1 - k : k;
                hb_value *v = &o->rows[r * width + i];
                if (v->kind == HB_V_NULL)
                    *v = held;
                else
                    held = *v;
            }
        }
    }
    if (!rc && p->s->fill == HB_IQL_FILL_LINEAR) {
        /* interpolate runs of nulls between two values, per column */
        for (size_t i = 1; i < width; i++) {
            size_t lastv = SIZE_MAX;
            for (size_t r = 0; r < o->nrows; r++) {
                hb_value *v = &o->rows[r * width + i];
                if (v->kind == HB_V_NULL)
                    continue;
                if (lastv != SIZE_MAX && r > lastv + 1) {
                    hb_value *a = &o->rows[lastv * width + i];
                    int ints = a->kind == HB_V_INT && v->kind == HB_V_INT;
                    if ((a->kind == HB_V_FLOAT || a->kind == HB_V_INT) && (v->kind == HB_V_FLOAT || v->kind == HB_V_INT))
                        for (size_t k = lastv + 1; k < r; k++) {
                            double fa = agg_num(a), fb = agg_num(v);
                            double f = fa + (fb - fa) * (double)(k - lastv) / (double)(r - lastv);
                            o->rows[k * width + i] = ints ? (hb_value){ .kind = HB_V_INT, .v.i = (int64_t)f }
                                                          : (hb_value){ .kind = HB_V_FLOAT, .v.f = f };
                        }
                }
                lastv = r;
            }
        }
    }
    free(prev);
    return rc;
}

static int check_types(agg_ctx *x, const sel_meas *m, hb_err *err)
{
    /* InfluxDB refuses numeric reducers over strings and booleans */
    for (size_t i = 0; i < x->p->ncols; i++) {
        const agg_col *c = &x->cols[i];
        if (c->arg->kind != HB_IQL_EXPR_VARREF)
            continue;
        if (c->aux)
            continue;
        static const char *const names[] = { [FN_SUM] = "sum", [FN_MEAN] = "mean", [FN_SPREAD] = "spread",
                                             [FN_STDDEV] = "stddev", [FN_MEDIAN] = "median",
                                             [FN_PERCENTILE] = "percentile", [FN_MIN] = "min",
                                             [FN_MAX] = "max", [FN_TOP] = "top", [FN_BOTTOM] = "bottom",
                                             [FN_INTEGRAL] = "integral" };
        if (c->fn >= sizeof names / sizeof names[0] || !names[c->fn])
            continue;
        for (size_t f = 0; f < m->nfields; f++)
            if (!strcmp(m->fields[f].name, c->arg->u.ref.name.p) &&
                (m->fields[f].type == HB_FT_STRING ||
                 (m->fields[f].type == HB_FT_BOOLEAN && c->fn != FN_MIN && c->fn != FN_MAX)))
                return hb_err_set(err, HB_EINVAL, "unsupported %s iterator type: *query.%sInterruptIterator",
                                  names[c->fn], m->fields[f].type == HB_FT_STRING ? "string" : "boolean");
    }
    return HB_OK;
}

int sel_exec_agg(sel_plan *p, hb_query_result *res, hb_stmt_result *sr, hb_err *err)
{
    agg_col *cols = calloc(p->ncols + MAX_HIDDEN + 1, sizeof *cols);
    if (!cols)
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    int selc = -1;
    size_t naux = 0;
    size_t ntot = 0;
    const sel_bind **fast = calloc(p->ncols + MAX_HIDDEN + 1, sizeof *fast);
    unsigned char *tagarg = calloc(p->ncols + MAX_HIDDEN + 1, 1);
    int rc = fast && tagarg ? agg_plan_cols(p, cols, &selc, &naux, &ntot, err)
                            : hb_err_set(err, HB_ENOMEM, "out of memory");
    sel_out_series *out = NULL;
    size_t nout = 0, capout = 0;
    agg_ctx x;
    for (size_t mi = 0; !rc && mi < p->nmeas; mi++) {
        /* measurements of one name (FROM cpu, db1..cpu; FROM cpu, cpu) feed
         * the same groups, as influxd merges their iterators */
        int same = mi > 0 && !strcmp(p->meas[mi].name, p->meas[mi - 1].name);
        if (!same) {
            x = (agg_ctx){ .p = p, .res = res, .cols = cols, .sel_col = selc, .naux = naux, .ntot = ntot,
                           .fast = fast, .tagarg = tagarg };
            hb_strmap_init(&x.groups);
        }
        x.m = &p->meas[mi];
        x.bound = 0;
        x.last_g = NULL;
        x.last_b = NULL;
        rc = check_types(&x, x.m, err);
        if (!rc)
            rc = agg_tz_prepare(&x, agg_row, agg_run, err);
        if (!rc)
            rc = sel_scan_measurement(p, x.m, agg_row, agg_run, &agg_sum_hooks, &x, err);
        if (!rc && mi + 1 < p->nmeas && !strcmp(p->meas[mi + 1].name, x.m->name))
            continue;   /* more of this name to come */
        for (size_t gi = 0; !rc && gi < x.ng; gi++) {
            agg_group *g = x.gl[gi];
            if (nout == capout) {
                size_t nc = capout ? capout * 2 : 16;
                sel_out_series *nv = realloc(out, nc * sizeof *nv);
                if (!nv) {
                    rc = hb_err_set(err, HB_ENOMEM, "out of memory");
                    break;
                }
                out = nv;
                capout = nc;
            }
            sel_out_series *o = &out[nout++];
            memset(o, 0, sizeof *o);
            o->m = g->m;
            char *k = hb_arena_strndup(p->a, g->gkey, g->gklen);
            if (!k || sel_group_tags(p, g->gkey, g->gklen, &o->tags, &o->ntags)) {
                rc = hb_err_set(err, HB_ENOMEM, "out of memory");
                break;
            }
            for (size_t i = 0; i < g->gklen; i++)
                if (!k[i])
                    k[i] = '\x01';
            o->gkey = k;
            rc = emit_group(&x, g, o, err);
        }
        /* without GROUP BY time and without data InfluxDB still answers
         * count() with one row of 0 only when ... (no series at all here) */
        for (size_t gi = 0; gi < x.ng; gi++) {
            agg_group *g = x.gl[gi];
            for (size_t b = 0; b < g->nb; b++)
                for (size_t i = 0; i < x.ntot; i++) {
                    free(g->list[b]->st[i].pauxv);
                    free(g->list[b]->st[i].vals);
                    free(g->list[b]->st[i].ts);
                }
            free(g->zt);
            free(g->list);
            hb_u64map_free(&g->buckets);
        }
        free(x.gl);
        free(x.zones);
        hb_strmap_free(&x.groups);
    }
    if (!rc)
        rc = sel_emit(p, out, nout, res, sr, err);
    for (size_t i = 0; i < nout; i++)
        free(out[i].rows);
    free(out);
    free(cols);
    free(fast);
    free(tagarg);
    return rc;
}
