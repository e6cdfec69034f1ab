/* Reducers of aggregate SELECTs: parsing the calls (InfluxDB's argument
 * rules and errors), feeding values, and each function's result, with
 * InfluxDB 1.x's semantics (integer sums stay integers, mean/median/stddev
 * are floats, selectors keep the selected point's time and other columns,
 * percentile() out of range selects nothing). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/influxql/duration.h"
#include "engine/select_agg_internal.h"

static int parse_fn(const char *name, agg_fn *fn, int *selector)
{
    static const struct { const char *n; agg_fn f; int sel; } t[] = {
        { "count", FN_COUNT, 0 }, { "sum", FN_SUM, 0 }, { "mean", FN_MEAN, 0 }, { "min", FN_MIN, 1 },
        { "max", FN_MAX, 1 }, { "first", FN_FIRST, 1 }, { "last", FN_LAST, 1 }, { "spread", FN_SPREAD, 0 },
        { "stddev", FN_STDDEV, 0 }, { "median", FN_MEDIAN, 0 }, { "mode", FN_MODE, 0 },
        { "percentile", FN_PERCENTILE, 1 }, { "distinct", FN_DISTINCT, 0 }, { "top", FN_TOP, 1 },
        { "bottom", FN_BOTTOM, 1 }, { "integral", FN_INTEGRAL, 0 }, { "sample", FN_SAMPLE, 1 },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(name, t[i].n)) {
            *fn = t[i].f;
            *selector = t[i].sel;
            return 1;
        }
    return 0;
}

static int parse_call(const hb_iql_expr *e, agg_col *c, hb_err *err)
{
    const char *name = e->u.call.name.p;
    if (!parse_fn(name, &c->fn, &c->selector))
        return hb_err_set(err, HB_EUNSUPP, "function %s() is not implemented yet", name);
    if (e->u.call.nargs < 1)
        return hb_err_set(err, HB_EINVAL, "invalid number of arguments for %s, expected 1, got 0", name);
    c->arg = e->u.call.args[0];
    if (c->fn == FN_COUNT && c->arg->kind == HB_IQL_EXPR_CALL && !strcmp(c->arg->u.call.name.p, "distinct") &&
        c->arg->u.call.nargs == 1) {
        c->fn = FN_COUNT_DISTINCT;
        c->arg = c->arg->u.call.args[0];
    } else if (c->arg->kind == HB_IQL_EXPR_DISTINCT) {
        return hb_err_set(err, HB_EUNSUPP, "DISTINCT without parentheses is not implemented yet");
    }
    if (c->fn == FN_PERCENTILE) {
        if (e->u.call.nargs != 2)
            return hb_err_set(err, HB_EINVAL, "invalid number of arguments for percentile, expected 2, got %zu",
                              e->u.call.nargs);
        const hb_iql_expr *a = e->u.call.args[1];
        c->pct = a->kind == HB_IQL_EXPR_INTEGER ? (double)a->u.i : a->kind == HB_IQL_EXPR_NUMBER ? a->u.f : -1;
    }
    if (c->fn == FN_INTEGRAL) {
        c->unit = 1000000000;
        if (e->u.call.nargs > 2)
            return hb_err_set(err, HB_EINVAL, "invalid number of arguments for integral, expected 1-2, got %zu",
                              e->u.call.nargs);
        if (e->u.call.nargs == 2) {
            const hb_iql_expr *u = e->u.call.args[1];
            if (u->kind != HB_IQL_EXPR_DURATION)
                return hb_err_set(err, HB_EINVAL, "second argument to integral must be a duration");
            if (u->u.i <= 0) {
                char d[64];
                hb_iql_duration_format(u->u.i, d);
                return hb_err_set(err, HB_EINVAL, "duration argument must be positive, got %s", d);
            }
            c->unit = u->u.i;
        }
    }
    if (c->fn == FN_SAMPLE)   /* the arguments were checked by the planner */
        c->limit = e->u.call.nargs == 2 && e->u.call.args[1]->kind == HB_IQL_EXPR_INTEGER ? e->u.call.args[1]->u.i : 1;
    if (c->fn == FN_TOP || c->fn == FN_BOTTOM) {
        if (e->u.call.nargs < 2)
            return hb_err_set(err, HB_EINVAL, "invalid number of arguments for %s, expected at least 2, got %zu", name,
                              e->u.call.nargs);
        const hb_iql_expr *n = e->u.call.args[e->u.call.nargs - 1];
        if (n->kind != HB_IQL_EXPR_INTEGER)
            return hb_err_set(err, HB_EINVAL, "expected integer as last argument in %s(), found %s", name,
                              n->kind == HB_IQL_EXPR_NUMBER ? "float" : "other");
        if (n->u.i < 1)
            return hb_err_set(err, HB_EINVAL, "limit (%lld) in %s function must be at least 1", (long long)n->u.i,
                              name);
        if (c->arg->kind != HB_IQL_EXPR_VARREF)
            return hb_err_set(err, HB_EINVAL, "expected first argument to be a field in %s(), found %s", name,
                              c->arg->kind == HB_IQL_EXPR_WILDCARD ? "*" : "other");
        c->limit = n->u.i;
        c->tagargs = (const hb_iql_expr *const *)e->u.call.args + 1;
        c->ntagargs = e->u.call.nargs - 2;
    }
    c->call = e;
    return HB_OK;
}

int agg_is_call(const hb_iql_expr *e)
{
    size_t lo, hi;
    return e->kind == HB_IQL_EXPR_CALL && !sel_math_fn(e->u.call.name.p, &lo, &hi);
}

/* Hidden columns for the aggregate calls inside an expression column. */
static int add_hidden(const hb_iql_expr *e, agg_col *out, size_t *n, size_t cap, hb_err *err)
{
    if (agg_is_call(e)) {
        if (*n == cap)
            return hb_err_set(err, HB_ELIMIT, "too many functions in one statement");
        memset(&out[*n], 0, sizeof out[*n]);
        int rc = parse_call(e, &out[*n], err);
        (*n)++;
        return rc;
    }
    switch (e->kind) {
    case HB_IQL_EXPR_BINARY: {
        int rc = add_hidden(e->u.bin.lhs, out, n, cap, err);
        return rc ? rc : add_hidden(e->u.bin.rhs, out, n, cap, err);
    }
    case HB_IQL_EXPR_PAREN:
        return add_hidden(e->u.paren, out, n, cap, err);
    case HB_IQL_EXPR_CALL:
        for (size_t i = 0; i < e->u.call.nargs; i++) {
            int rc = add_hidden(e->u.call.args[i], out, n, cap, err);
            if (rc)
                return rc;
        }
        return HB_OK;
    default:
        return HB_OK;
    }
}

/* Hidden auxiliary columns for the names read outside any call in an
 * expression column (`max(usage) - usage`): their values at the selected
 * point. */
static int add_bare_refs(const hb_iql_expr *e, agg_col *out, size_t *n, size_t cap, size_t *nref, hb_err *err)
{
    if (agg_is_call(e))
        return HB_OK;
    switch (e->kind) {
    case HB_IQL_EXPR_VARREF:
        if (*n == cap)
            return hb_err_set(err, HB_ELIMIT, "too many functions in one statement");
        memset(&out[*n], 0, sizeof out[*n]);
        out[*n].aux = 1;
        out[*n].arg = e;
        (*n)++;
        (*nref)++;
        return HB_OK;
    case HB_IQL_EXPR_BINARY: {
        int rc = add_bare_refs(e->u.bin.lhs, out, n, cap, nref, err);
        return rc ? rc : add_bare_refs(e->u.bin.rhs, out, n, cap, nref, err);
    }
    case HB_IQL_EXPR_PAREN:
        return add_bare_refs(e->u.paren, out, n, cap, nref, err);
    case HB_IQL_EXPR_CALL:   /* math over the names */
        for (size_t i = 0; i < e->u.call.nargs; i++) {
            int rc = add_bare_refs(e->u.call.args[i], out, n, cap, nref, err);
            if (rc)
                return rc;
        }
        return HB_OK;
    default:
        return HB_OK;
    }
}

static int contains_agg(const hb_iql_expr *e)
{
    if (agg_is_call(e))
        return 1;
    switch (e->kind) {
    case HB_IQL_EXPR_BINARY: return contains_agg(e->u.bin.lhs) || contains_agg(e->u.bin.rhs);
    case HB_IQL_EXPR_PAREN: return contains_agg(e->u.paren);
    case HB_IQL_EXPR_CALL:
        for (size_t i = 0; i < e->u.call.nargs; i++)
            if (contains_agg(e->u.call.args[i]))
                return 1;
        return 0;
    default: return 0;
    }
}

int agg_plan_cols(sel_plan *p, agg_col *out, int *selc, size_t *naux, size_t *ntot, hb_err *err)
{
    size_t nh = p->ncols;
    for (size_t i = 0; i < p->ncols; i++) {
        const hb_iql_expr *e = p->cols[i].expr;
        while (e->kind == HB_IQL_EXPR_PAREN)
            e = e->u.paren;
        if (e->kind != HB_IQL_EXPR_CALL && contains_agg(e)) {
            out[i].expr = 1;
            out[i].arg = p->cols[i].expr;
            int rc = add_hidden(e, out, &nh, p->ncols + MAX_HIDDEN, err);
            if (rc)
                return rc;
        } else if (e->kind == HB_IQL_EXPR_CALL && !agg_is_call(e) && contains_agg(e)) {
            out[i].expr = 1;   /* round(mean(x)) */
            out[i].arg = p->cols[i].expr;
            int rc = add_hidden(e, out, &nh, p->ncols + MAX_HIDDEN, err);
            if (rc)
                return rc;
        }
    }
    /* names outside calls in expression columns: the selected point's */
    size_t first_hidden_aux = nh, nref = 0;
    for (size_t i = 0; i < p->ncols; i++) {
        if (!out[i].expr)
            continue;
        int rc = add_bare_refs(p->cols[i].expr, out, &nh, p->ncols + MAX_HIDDEN, &nref, err);
        if (rc)
            return rc;
    }
    *ntot = nh;
    size_t ncalls = 0, nsel = 0;
    *selc = -1;
    *naux = nref;
    if (nref) {
        /* allowed with exactly one call in the statement, a selector */
        size_t ncall_h = 0, nsel_h = 0;
        int hs = -1;
        for (size_t j = p->ncols; j < first_hidden_aux; j++) {
            ncall_h++;
            if (out[j].selector) {
                nsel_h++;
                hs = (int)j;
            }
        }
        for (size_t i = 0; i < p->ncols; i++) {   /* other columns may be names, not calls */
            const hb_iql_expr *e = p->cols[i].expr;
            while (e->kind == HB_IQL_EXPR_PAREN)
                e = e->u.paren;
            if (!out[i].expr && e->kind == HB_IQL_EXPR_CALL && agg_is_call(e))
                ncall_h++;
        }
        if (ncall_h != 1 || nsel_h != 1)
            return hb_err_set(err, HB_EINVAL, "mixing aggregate and non-aggregate queries is not supported");
        *selc = hs;
    }
    for (size_t i = 0; i < p->ncols; i++) {
        const hb_iql_expr *e = p->cols[i].expr;
        while (e->kind == HB_IQL_EXPR_PAREN)
            e = e->u.paren;
        if (out[i].expr) {
            ncalls++;
            continue;
        }
        if (e->kind != HB_IQL_EXPR_CALL || !agg_is_call(e)) {   /* a field, a tag, or math over them */
            out[i].aux = 1;
            out[i].arg = p->cols[i].expr;
            (*naux)++;
            continue;
        }
        agg_col *c = &out[i];
        ncalls++;
        int rc = parse_call(e, c, err);
        if (rc)
            return rc;
        if (c->fn == FN_DISTINCT && c->arg->kind != HB_IQL_EXPR_VARREF)
            return hb_err_set(err, HB_EINVAL, "expected field argument in distinct()");
        if (c->fn == FN_DISTINCT && p->ncols > 1)
            return hb_err_set(err, HB_EINVAL,
                              "aggregate function distinct() cannot be combined with other functions or fields");
        if (c->selector) {
            nsel++;
            *selc = (int)i;
        }
        if (c->fn == FN_TOP || c->fn == FN_BOTTOM)
            for (size_t k = 0; k < p->ncols; k++)
                if (k != i && p->cols[k].is_call)
                    return hb_err_set(err, HB_EINVAL, "selector function %s() cannot be combined with other functions",
                                      e->u.call.name.p);
    }
    if (nref) {
        return HB_OK;
    } else if (*naux) {
        if (nsel > 1)
            return hb_err_set(err, HB_EINVAL, "mixing multiple selector functions with tags or fields is not supported");
        if (ncalls != nsel || nsel != 1)
            return hb_err_set(err, HB_EINVAL, "mixing aggregate and non-aggregate queries is not supported");
    } else {
        *selc = -1;
    }
    return HB_OK;
}

static int push_val(agg_state *s, hb_value v, int64_t t)
{
    if (s->nv == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 16;
        hb_value *nv = realloc(s->vals, nc * sizeof *nv);
        if (!nv)
            return HB_ENOMEM;
        s->vals = nv;
        int64_t *nt = realloc(s->ts, nc * sizeof *nt);
        if (!nt)
            return HB_ENOMEM;
        s->ts = nt;
        s->cap = nc;
    }
    s->vals[s->nv] = v;
    s->ts[s->nv++] = t;
    return HB_OK;
}

double agg_num(const hb_value *v)
{
    return v->kind == HB_V_FLOAT ? v->v.f : v->kind == HB_V_INT ? (double)v->v.i : (double)v->v.u;
}

int agg_vcmp(const hb_value *a, const hb_value *b)
{
    int ok;
    return sel_compare(a, b, &ok);
}

static int reduce_value(agg_ctx *x, const agg_col *c, agg_state *s, hb_value v, int64_t t);

/* The selected point changed: remember the other columns' values there. */
static int capture_aux(agg_ctx *x, agg_state *s, const sel_row *row)
{
    sel_plan *p = x->p;
    if (!s->auxv && !(s->auxv = hb_arena_calloc(p->a, x->ntot * sizeof *s->auxv)))
        return HB_ENOMEM;
    for (size_t i = 0; i < x->ntot; i++) {
        if (!x->cols[i].aux)
            continue;
        hb_value v = sel_eval(row, x->cols[i].arg);
        if (v.kind == HB_V_STR) {
            char *c = hb_arena_strndup(&x->res->arena, v.v.s.p, v.v.s.n);
            if (!c)
                return HB_ENOMEM;
            v.v.s.p = c;
        }
        s->auxv[i] = v;
    }
    return HB_OK;
}

static int reduce_point(agg_ctx *x, const agg_col *c, agg_state *s, hb_value v, int64_t t, const sel_row *row);

/* Room in pauxv (each point's other columns) for as many points as vals
 * holds. */
static int grow_pauxv(agg_state *s)
{
    if (s->pcap >= s->cap)
        return HB_OK;
    hb_value **np = realloc(s->pauxv, s->cap * sizeof *np);
    if (!np)
        return HB_ENOMEM;
    s->pauxv = np;
    s->pcap = s->cap;
    return HB_OK;
}

/* sample(): a uniform random number below n (splitmix64, per thread,
 * seeded once from the clock: which points a sample holds is random, as in
 * influxd) */
static uint64_t sample_below(uint64_t n)
{
    static __thread uint64_t st;
    if (!st) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        st = ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec) | 1;
    }
    uint64_t z = (st += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    z ^= z >> 31;
    return z % n;
}

/* sample(): reservoir sampling (Algorithm R) of the bucket's points: the
 * first N are kept, the k-th later one replaces a random kept one with
 * probability N/k. Memory O(N) per bucket. */
static int reduce_sample(agg_ctx *x, const agg_col *c, agg_state *s, hb_value v, int64_t t, const sel_row *row)
{
    if (s->n == 0)
        s->kind = v.kind;
    if (s->nv < (size_t)c->limit)
        return reduce_point(x, c, s, v, t, row);
    uint64_t k = sample_below(s->n + 1);
    if (k >= (uint64_t)c->limit) {
        s->n++;
        return HB_OK;
    }
    int rc = reduce_point(x, c, s, v, t, row);   /* appended last: move it into slot k */
    if (rc)
        return rc;
    s->nv--;
    s->vals[k] = s->vals[s->nv];
    s->ts[k] = s->ts[s->nv];
    s->pauxv[k] = s->pauxv[s->nv];
    return HB_OK;
}

int agg_reduce(agg_ctx *x, const agg_col *c, agg_state *s, hb_value v, int64_t t, const sel_row *row)
{
    if (c->fn == FN_SAMPLE)
        return reduce_sample(x, c, s, v, t, row);
    if (c->fn == FN_TOP || c->fn == FN_BOTTOM) {
        if (s->n == 0)
            s->kind = v.kind;
        return reduce_point(x, c, s, v, t, row);
    }
    int64_t before = s->n ? s->sel_t : 0;
    hb_value before_v = s->sel;
    int rc = reduce_value(x, c, s, v, t);
    if (rc || !x->naux || (int)(c - x->cols) != x->sel_col)
        return rc;
    if (c->fn == FN_PERCENTILE) {
        /* the selected point is known only at the end: keep every point's
         * other columns, agg_finish() picks the selected one's */
        if (!s->nv)
            return HB_OK;
        if (grow_pauxv(s))
            return HB_ENOMEM;
        s->auxv = NULL;
        if ((rc = capture_aux(x, s, row)))
            return rc;
        s->pauxv[s->nv - 1] = s->auxv;
        return HB_OK;
    }
    /* selectors: did this point become the selected one? */
    if (s->n == 1 || s->sel_t != before || memcmp(&s->sel, &before_v, sizeof before_v) != 0)
        return capture_aux(x, s, row);
    return HB_OK;
}

static int reduce_value(agg_ctx *x, const agg_col *c, agg_state *s, hb_value v, int64_t t)
{
    if (s->n == 0)
        s->kind = v.kind;
    s->n++;
    switch (c->fn) {
    case FN_COUNT:
        return HB_OK;
    case FN_SUM:
    case FN_MEAN:
        if (v.kind == HB_V_INT)
            s->wsum += v.v.i;
        else if (v.kind == HB_V_UINT)
            s->wsum += v.v.u;
        else
            s->fsum += agg_num(&v);
        return HB_OK;
    case FN_MIN:
    case FN_MAX: {
        if (s->n == 1) {
            s->sel = v;
            s->sel_t = t;
            return HB_OK;
        }
        int c2 = agg_vcmp(&v, &s->sel);
        if ((c->fn == FN_MIN ? c2 < 0 : c2 > 0) || (c2 == 0 && t < s->sel_t)) {
            s->sel = v;
            s->sel_t = t;
        }
        return HB_OK;
    }
    case FN_FIRST:
        if (s->n == 1 || t < s->sel_t || (t == s->sel_t && agg_tie_wins(FN_FIRST, &v, &s->sel))) {
            s->sel = v;
            s->sel_t = t;
        }
        return HB_OK;
    case FN_LAST:
        if (s->n == 1 || t > s->sel_t || (t == s->sel_t && agg_tie_wins(FN_LAST, &v, &s->sel))) {
            s->sel = v;
            s->sel_t = t;
        }
        return HB_OK;
    case FN_SPREAD:
        if (s->n == 1 || agg_vcmp(&v, &s->lo) < 0)
            s->lo = v;
        if (s->n == 1 || agg_vcmp(&v, &s->hi) > 0)
            s->hi = v;
        return HB_OK;
    default:
        if (v.kind == HB_V_STR) {   /* strings outlive the block: copy */
            char *p = hb_arena_strndup(&x->res->arena, v.v.s.p, v.v.s.n);
            if (!p)
                return HB_ENOMEM;
            v.v.s.p = p;
            x->p->mem += v.v.s.n;
        }
        x->p->mem += sizeof(hb_value) + sizeof(int64_t);
        return push_val(s, v, t);
    }
}

/* top(), bottom(): every point with the values of the other columns there. */
static int reduce_point(agg_ctx *x, const agg_col *c, agg_state *s, hb_value v, int64_t t, const sel_row *row)
{
    s->n++;
    size_t at = s->nv;
    if (push_val(s, v, t))
        return HB_ENOMEM;
    x->p->mem += sizeof(hb_value) + sizeof(int64_t) + sizeof(hb_value *);
    if (grow_pauxv(s))
        return HB_ENOMEM;
    sel_plan *p = x->p;
    size_t na = p->ncols + c->ntagargs;
    hb_value *a = hb_arena_calloc(p->a, (na + 1) * sizeof *a);
    if (!a)
        return HB_ENOMEM;
    for (size_t i = 0; i < na; i++) {
        const hb_iql_expr *e = i < p->ncols ? (x->cols[i].aux ? x->cols[i].arg : NULL) : c->tagargs[i - p->ncols];
        if (!e)
            continue;
        hb_value w = sel_eval(row, e);
        if (w.kind == HB_V_STR) {
            char *cp = hb_arena_strndup(&x->res->arena, w.v.s.p, w.v.s.n);
            if (!cp)
                return HB_ENOMEM;
            w.v.s.p = cp;
        }
        a[i] = w;
    }
    s->pauxv[at] = a;
    return HB_OK;
}

/* ---- finishing a reducer ---- */

static int cmp_value(const void *a, const void *b) { return agg_vcmp(a, b); }

hb_value agg_finish(const agg_col *c, agg_state *s, int64_t *sel_time)
{
    hb_value v = { .kind = HB_V_NULL };
    if (c->fn == FN_COUNT)
        return (hb_value){ .kind = HB_V_INT, .v.i = (int64_t)s->n };
    if (!s->n)
        return v;
    switch (c->fn) {
    case FN_SUM:
        if (s->kind == HB_V_INT)
            return (hb_value){ .kind = HB_V_INT, .v.i = (int64_t)(uint64_t)s->wsum };
        if (s->kind == HB_V_UINT)
            return (hb_value){ .kind = HB_V_UINT, .v.u = (uint64_t)s->wsum };
        return (hb_value){ .kind = HB_V_FLOAT, .v.f = s->fsum };
    case FN_MEAN:
        if (s->kind == HB_V_INT || s->kind == HB_V_UINT)
            return (hb_value){ .kind = HB_V_FLOAT, .v.f = (double)s->wsum / (double)s->n };
        return (hb_value){ .kind = HB_V_FLOAT, .v.f = s->fsum / (double)s->n };
    case FN_MIN:
    case FN_MAX:
    case FN_FIRST:
    case FN_LAST:
        *sel_time = s->sel_t;
        return s->sel;
    case FN_SPREAD:
        if (s->kind == HB_V_INT)
            return (hb_value){ .kind = HB_V_INT, .v.i = s->hi.v.i - s->lo.v.i };
        if (s->kind == HB_V_UINT)
            return (hb_value){ .kind = HB_V_UINT, .v.u = s->hi.v.u - s->lo.v.u };
        return (hb_value){ .kind = HB_V_FLOAT, .v.f = agg_num(&s->hi) - agg_num(&s->lo) };
    case FN_STDDEV: {
        if (s->nv < 2)
            return v;
        double mean = 0;
        for (size_t i = 0; i < s->nv; i++)
            mean += agg_num(&s->vals[i]);
        mean /= (double)s->nv;
        double var = 0;
        for (size_t i = 0; i < s->nv; i++)
            var += (agg_num(&s->vals[i]) - mean) * (agg_num(&s->vals[i]) - mean);
        return (hb_value){ .kind = HB_V_FLOAT, .v.f = sqrt(var / (double)(s->nv - 1)) };
    }
    case FN_MEDIAN: {
        qsort(s->vals, s->nv, sizeof *s->vals, cmp_value);
        size_t n = s->nv;
        if (n % 2)
            return (hb_value){ .kind = HB_V_FLOAT, .v.f = agg_num(&s->vals[n / 2]) };
        return (hb_value){ .kind = HB_V_FLOAT, .v.f = agg_num(&s->vals[n / 2 - 1]) +
                                                      (agg_num(&s->vals[n / 2]) - agg_num(&s->vals[n / 2 - 1])) / 2 };
    }
    case FN_MODE: {
        qsort(s->vals, s->nv, sizeof *s->vals, cmp_value);
        size_t best = 0, bestn = 0;
        for (size_t i = 0; i < s->nv;) {
            size_t j = i;
            while (j < s->nv && agg_vcmp(&s->vals[i], &s->vals[j]) == 0)
                j++;
            if (j - i > bestn) {
                bestn = j - i;
                best = i;
            }
            i = j;
        }
        return s->vals[best];
    }
    case FN_PERCENTILE: {
        /* sort with times so the selected point's time comes along */
        size_t n = s->nv;
        size_t *idx = malloc(n * sizeof *idx);
        if (!idx)
            return v;
        for (size_t i = 0; i < n; i++)
            idx[i] = i;
        for (size_t i = 1; i < n; i++) {   /* insertion sort: stable, ties by time order of arrival */
            size_t k = idx[i], j = i;
            while (j > 0 && agg_vcmp(&s->vals[idx[j - 1]], &s->vals[k]) > 0) {
                idx[j] = idx[j - 1];
                j--;
            }
            idx[j] = k;
        }
        long i = (long)floor((double)n * c->pct / 100.0 + 0.5) - 1;
        if (i < 0) {
            free(idx);
            return v;
        }
        if ((size_t)i >= n)
            i = (long)n - 1;
        v = s->vals[idx[i]];
        *sel_time = s->ts[idx[i]];
        if (s->pauxv)
            s->auxv = s->pauxv[idx[i]];
        free(idx);
        return v;
    }
    case FN_INTEGRAL:
        return agg_integral(c, s);
    case FN_COUNT_DISTINCT: {
        qsort(s->vals, s->nv, sizeof *s->vals, cmp_value);
        int64_t k = 0;
        for (size_t i = 0; i < s->nv; i++)
            k += i == 0 || agg_vcmp(&s->vals[i - 1], &s->vals[i]) != 0;
        return (hb_value){ .kind = HB_V_INT, .v.i = k };
    }
    default:
        return v;
    }
}
