/* The WHERE clause (time range removed) of one measurement's scan, split
 * at its top-level ANDs into three kinds of terms:
 *   - terms reading only tags: decided once per series (and handed to the
 *     scan as its series filter, so unwanted series are never decoded);
 *   - `field op number` with a numeric field: evaluated over a whole block
 *     at once, on the typed column array, into a row mask;
 *   - everything else: evaluated row by row with sel_cond().
 * A row is wanted when every term holds: the same answer as sel_cond() on
 * the whole WHERE, which is an AND of them. The block comparisons follow
 * sel_compare(): integer against integer exactly, anything else as floats;
 * a null field fails every comparison. */
#include <stdlib.h>
#include <string.h>

#include "engine/run_summary.h"
#include "engine/select_internal.h"

static const sel_bind *bind_of(const sel_plan *p, const hb_iql_expr *e)
{
    return e->kind == HB_IQL_EXPR_VARREF ? hb_u64map_get((hb_u64map *)&p->binds, (uint64_t)(uintptr_t)e) : NULL;
}

/* 1 when e reads only tags (and literals): it can be decided once per series. */
int sel_tag_only(const sel_plan *p, const hb_iql_expr *e)
{
    switch (e->kind) {
    case HB_IQL_EXPR_VARREF: {
        const sel_bind *b = bind_of(p, e);
        return b && (b->kind == BIND_TAG || b->kind == BIND_NONE);
    }
    case HB_IQL_EXPR_BINARY: return sel_tag_only(p, e->u.bin.lhs) && sel_tag_only(p, e->u.bin.rhs);
    case HB_IQL_EXPR_PAREN: return sel_tag_only(p, e->u.paren);
    case HB_IQL_EXPR_CALL: return 0;
    default: return 1;
    }
}

/* e as `field op number` over a numeric field, or 0. */
static int as_vterm(const sel_plan *p, const hb_iql_expr *e, sel_vterm *out)
{
    memset(out, 0, sizeof *out);
    if (e->kind != HB_IQL_EXPR_BINARY)
        return 0;
    hb_iql_tok op = e->u.bin.op;
    if (op != HB_IQL_EQ && op != HB_IQL_NEQ && op != HB_IQL_LT && op != HB_IQL_LTE && op != HB_IQL_GT &&
        op != HB_IQL_GTE)
        return 0;
    const hb_iql_expr *l = sel_unparen(e->u.bin.lhs), *r = sel_unparen(e->u.bin.rhs);
    if (l->kind != HB_IQL_EXPR_VARREF) {
        const hb_iql_expr *t = l;
        l = r;
        r = t;
        op = hb_iql_tok_mirror(op);
    }
    if (l->kind != HB_IQL_EXPR_VARREF || l->u.ref.type != HB_IQL_DT_UNKNOWN)
        return 0;
    const sel_bind *b = bind_of(p, l);
    if (!b || b->kind != BIND_FIELD)
        return 0;
    if (b->type != HB_FT_FLOAT && b->type != HB_FT_INTEGER)
        return 0;
    if (r->kind == HB_IQL_EXPR_INTEGER && b->type == HB_FT_INTEGER) {
        out->is_int = 1;
        out->i = r->u.i;
    } else if (r->kind == HB_IQL_EXPR_INTEGER) {
        out->d = (double)r->u.i;
    } else if (r->kind == HB_IQL_EXPR_NUMBER) {
        out->d = r->u.f;
    } else {
        return 0;
    }
    out->col = b->col;
    out->type = b->type;
    out->op = op;
    return 1;
}

static int count_terms(const hb_iql_expr *e)
{
    e = sel_unparen(e);
    if (e->kind == HB_IQL_EXPR_BINARY && e->u.bin.op == HB_IQL_AND)
        return count_terms(e->u.bin.lhs) + count_terms(e->u.bin.rhs);
    return 1;
}

static void split(const sel_plan *p, const hb_iql_expr *e, sel_filter *f)
{
    e = sel_unparen(e);
    if (e->kind == HB_IQL_EXPR_BINARY && e->u.bin.op == HB_IQL_AND) {
        split(p, e->u.bin.lhs, f);
        split(p, e->u.bin.rhs, f);
        return;
    }
    if (sel_tag_only(p, e))
        f->series[f->ns++] = e;
    else if (as_vterm(p, e, &f->vt[f->nv]))
        f->nv++;
    else
        f->rows[f->nr++] = e;
}

int sel_filter_build(sel_plan *p, sel_filter *f, hb_err *err)
{
    memset(f, 0, sizeof *f);
    if (!p->cond)
        return HB_OK;
    size_t n = (size_t)count_terms(p->cond);
    f->series = hb_arena_alloc(p->a, n * sizeof *f->series);
    f->rows = hb_arena_alloc(p->a, n * sizeof *f->rows);
    f->vt = hb_arena_alloc(p->a, n * sizeof *f->vt);
    if (!f->series || !f->rows || !f->vt)
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    split(p, p->cond, f);
    return HB_OK;
}

void sel_filter_free(sel_filter *f) { free(f->mask); }

int sel_filter_series(const sel_filter *f, const sel_row *row)
{
    for (size_t i = 0; i < f->ns; i++)
        if (!sel_cond(row, f->series[i]))
            return 0;
    return 1;
}

int sel_filter_row(const sel_filter *f, const sel_row *row)
{
    for (size_t i = 0; i < f->nr; i++)
        if (!sel_cond(row, f->rows[i]))
            return 0;
    return 1;
}

#define CMP_LOOP(T, vals, lit)                                                                                        \
    do {                                                                                                              \
        const T *x_ = (const T *)(vals);                                                                              \
        switch (t->op) {                                                                                              \
        case HB_IQL_EQ: for (size_t r = 0; r < n; r++) m[r] &= x_[r] == (lit); break;                                \
        case HB_IQL_NEQ: for (size_t r = 0; r < n; r++) m[r] &= x_[r] != (lit); break;                               \
        case HB_IQL_LT: for (size_t r = 0; r < n; r++) m[r] &= x_[r] < (lit); break;                                 \
        case HB_IQL_LTE: for (size_t r = 0; r < n; r++) m[r] &= x_[r] <= (lit); break;                               \
        case HB_IQL_GT: for (size_t r = 0; r < n; r++) m[r] &= x_[r] > (lit); break;                                 \
        default: for (size_t r = 0; r < n; r++) m[r] &= x_[r] >= (lit); break;                                       \
        }                                                                                                             \
    } while (0)

static void eval_vterm(const sel_vterm *t, const hb_scan_block *blk, uint8_t *m)
{
    size_t n = blk->nrows;
    const hb_pq_colvec *v = &blk->vecs[t->col];
    if (t->type == HB_FT_FLOAT) {
        CMP_LOOP(double, v->values, t->d);
    } else if (t->is_int) {
        CMP_LOOP(int64_t, v->values, t->i);
    } else {
        const int64_t *x = v->values;
        for (size_t r = 0; r < n; r++) {   /* as sel_compare: both as floats */
            double d = (double)x[r];
            int c = (d > t->d) - (d < t->d);
            switch (t->op) {
            case HB_IQL_EQ: m[r] &= c == 0; break;
            case HB_IQL_NEQ: m[r] &= c != 0; break;
            case HB_IQL_LT: m[r] &= c < 0; break;
            case HB_IQL_LTE: m[r] &= c <= 0; break;
            case HB_IQL_GT: m[r] &= c > 0; break;
            default: m[r] &= c >= 0; break;
            }
        }
    }
    if (v->valid)
        for (size_t r = 0; r < n; r++)
            m[r] &= (v->valid[r >> 3] >> (r & 7)) & 1;
}

/* Whether some value in [lo, hi] can satisfy `x op c` (c3: lo and hi each
 * compared with c: -1, 0, 1). */
static int range_may(hb_iql_tok op, int clo, int chi)
{
    switch (op) {
    case HB_IQL_EQ: return clo <= 0 && chi >= 0;
    case HB_IQL_NEQ: return !(clo == 0 && chi == 0);
    case HB_IQL_LT: return clo < 0;
    case HB_IQL_LTE: return clo <= 0;
    case HB_IQL_GT: return chi > 0;
    default: return chi >= 0;
    }
}

static int cmp3d(double a, double b) { return (a > b) - (a < b); }
static int cmp3i(int64_t a, int64_t b) { return (a > b) - (a < b); }

int sel_filter_run_may_match(const sel_filter *f, const hb_run_sum *const *sums, size_t run)
{
    for (size_t i = 0; i < f->nv; i++) {
        const sel_vterm *t = &f->vt[i];
        if (!sums[t->col])
            continue;   /* no summary: cannot tell */
        const hb_run_sum *rs = &sums[t->col][run];
        if (!rs->count)
            return 0;   /* all null: a null fails every comparison */
        int lo, hi;
        if (t->type == HB_FT_FLOAT) {
            lo = cmp3d(rs->min.f, t->d), hi = cmp3d(rs->max.f, t->d);
        } else if (t->is_int) {
            lo = cmp3i(rs->min.i, t->i), hi = cmp3i(rs->max.i, t->i);
        } else {   /* as floats, like the block loop: (double) keeps the order */
            lo = cmp3d((double)rs->min.i, t->d), hi = cmp3d((double)rs->max.i, t->d);
        }
        if (!range_may(t->op, lo, hi))
            return 0;
    }
    return 1;
}

int sel_filter_block(sel_filter *f, const hb_scan_block *blk, const uint8_t **mask)
{
    *mask = NULL;
    if (!f->nv)
        return HB_OK;
    if (blk->nrows > f->mcap) {
        uint8_t *nm = realloc(f->mask, blk->nrows);
        if (!nm)
            return HB_ENOMEM;
        f->mask = nm;
        f->mcap = blk->nrows;
    }
    memset(f->mask, 1, blk->nrows);
    for (size_t i = 0; i < f->nv; i++)
        eval_vterm(&f->vt[i], blk, f->mask);
    *mask = f->mask;
    return HB_OK;
}
