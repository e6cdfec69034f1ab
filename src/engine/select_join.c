/* Statements whose calls run as separate streams joined by time, as
 * influxd builds one iterator per call and zips them:
 *   - transformations (derivative(), difference(), ..., holt_winters()),
 *     nested ones (derivative(difference(mean(f)))) included;
 *   - expressions over them (derivative(mean(f)) * 8,
 *     difference(max(a)) - difference(max(b)), abs(derivative(f)));
 *   - sample() next to other calls (sample(f, 5), sample(g, 5), mean(h)):
 *     each sample keeps its own points.
 *
 * Each such call (a "job") runs as its own inner statement with its
 * argument as the only column and no LIMIT/OFFSET; its series are captured
 * before output (sel_plan.capture) and fed through the transformation
 * (sel_tf_apply, innermost first). The remaining calls and columns run
 * together as one more inner statement. The captured series are joined
 * per (measurement, group) by time: rows at the same time pair up in
 * order. Calls that sit inside an expression write to hidden slots after
 * the output columns; the expression is then evaluated per row from them.
 * The joined series are emitted with the statement's ORDER BY, LIMIT and
 * OFFSET (sel_emit).
 *
 * influxd's details kept: under GROUP BY time the argument's windows
 * start intervals before the range (ORDER BY time DESC: end after it), so
 * the first window in range has a previous one: one interval per
 * derivative-like call of a chain (sel_tf_chain_extra), while data is read
 * over no more than the statement's largest need (sel_tf_data_extra).
 * Windows between the two are filled as fill() says (fill(0) makes them
 * zeros, count() gives 0), as influxd's shard range cuts its iterators. */
#include <stdlib.h>
#include <string.h>

#include "engine/select_internal.h"

/* A field or tag outside any aggregate (InfluxDB's auxiliary fields). */
static int has_aux(const hb_iql_expr *e)
{
    size_t lo, hi;
    switch (e->kind) {
    case HB_IQL_EXPR_VARREF:
    case HB_IQL_EXPR_WILDCARD:
    case HB_IQL_EXPR_REGEX: return 1;
    case HB_IQL_EXPR_CALL:
        if (!sel_math_fn(e->u.call.name.p, &lo, &hi))
            return 0;
        for (size_t i = 0; i < e->u.call.nargs; i++)
            if (has_aux(e->u.call.args[i]))
                return 1;
        return 0;
    case HB_IQL_EXPR_BINARY: return has_aux(e->u.bin.lhs) || has_aux(e->u.bin.rhs);
    case HB_IQL_EXPR_PAREN: return has_aux(e->u.paren);
    default: return 0;
    }
}

static int is_sample(const hb_iql_expr *e)
{
    e = sel_unparen(e);
    return e->kind == HB_IQL_EXPR_CALL && !strcmp(e->u.call.name.p, "sample");
}

/* sample() next to other calls, and no bare field or tag (those keep
 * influxd's own errors on the aggregate path). */
static int split_samples(const sel_plan *p)
{
    size_t ncalls = 0, nsample = 0;
    for (size_t i = 0; i < p->ncols; i++) {
        if (has_aux(p->cols[i].expr))
            return 0;
        ncalls += p->cols[i].is_call;
        nsample += is_sample(p->cols[i].expr);
    }
    return nsample && ncalls > 1;
}

int sel_join_needed(const sel_plan *p)
{
    for (size_t i = 0; i < p->ncols; i++)
        if (sel_tf_contains(p->cols[i].expr))
            return 1;
    return split_samples(p);
}

static void part_free(sel_part *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i].rows);
    free(t->v);
    t->v = NULL;
    t->n = 0;
}

/* Rows of o sorted by time (stable), in place. */
static int sort_rows(sel_out_series *o, size_t width)
{
    if (o->nrows < 2)
        return HB_OK;
    sel_row_ref *ix = malloc(o->nrows * sizeof *ix);
    hb_value *nr = malloc(o->nrows * width * sizeof *nr);
    if (!ix || !nr) {
        free(ix);
        free(nr);
        return HB_ENOMEM;
    }
    for (size_t r = 0; r < o->nrows; r++)
        ix[r] = (sel_row_ref){ o->rows[r * width].v.i, r };
    qsort(ix, o->nrows, sizeof *ix, sel_cmp_row_ref);
    for (size_t r = 0; r < o->nrows; r++)
        memcpy(&nr[r * width], &o->rows[ix[r].i * width], width * sizeof *nr);
    free(ix);
    free(o->rows);
    o->rows = nr;
    o->cap = o->nrows;
    return HB_OK;
}

/* The range [*lo, *hi] widened by n intervals before it (ORDER BY time
 * DESC: after it). */
static void widen(const sel_plan *p, int64_t n, int64_t *lo, int64_t *hi, int *has_lo, int *has_hi)
{
    int64_t span = n * p->interval;
    if (span <= 0)
        return;
    if (!p->desc) {
        if (*has_lo && *lo > SEL_MIN_TIME + span)
            *lo -= span;
    } else {
        int64_t top = *has_hi ? *hi : p->env->now;
        *hi = top <= SEL_MAX_TIME - span ? top + span : SEL_MAX_TIME;
        *has_hi = 1;
    }
}

/* Run p with its columns replaced by cols[0..ncols) (aggregate or raw),
 * its windows widened by `extra` intervals and its data read over
 * `data_extra` of them, no LIMIT/OFFSET, and capture its series, rows
 * sorted by time. */
static int run_inner(sel_plan *p, sel_col *cols, size_t ncols, int64_t extra, int64_t data_extra,
                     hb_query_result *res, hb_stmt_result *sr, sel_part *out, hb_err *err)
{
    sel_plan saved = *p;
    hb_iql_select s2 = *p->s;
    s2.limit = s2.offset = s2.slimit = s2.soffset = 0;
    p->s = &s2;
    p->cols = cols;
    p->ncols = ncols;
    p->aggregate = 0;
    p->joined_calls = 1;
    for (size_t i = 0; i < ncols; i++)
        if (cols[i].is_call)
            p->aggregate = 1;
    if (data_extra < extra) {
        int has_lo = p->has_tmin, has_hi = p->has_tmax;
        p->data_clip = 1;
        p->data_tmin = p->tmin;
        p->data_tmax = p->tmax;
        widen(p, data_extra, &p->data_tmin, &p->data_tmax, &has_lo, &has_hi);
    }
    widen(p, extra, &p->tmin, &p->tmax, &p->has_tmin, &p->has_tmax);
    p->capture = &out->v;
    p->ncapture = &out->n;
    int rc = p->aggregate ? sel_exec_agg(p, res, sr, err) : sel_exec_raw(p, res, sr, err);
    /* keep what the run changed in the shared state (snapshot, bindings, memory) */
    p->s = saved.s;
    p->cols = saved.cols;
    p->ncols = saved.ncols;
    p->aggregate = saved.aggregate;
    p->joined_calls = saved.joined_calls;
    p->data_clip = saved.data_clip;
    p->tmin = saved.tmin;
    p->tmax = saved.tmax;
    p->has_tmin = saved.has_tmin;
    p->has_tmax = saved.has_tmax;
    p->capture = NULL;
    p->ncapture = NULL;
    out->width = 1 + ncols;
    for (size_t i = 0; !rc && i < out->n; i++)
        if (sort_rows(&out->v[i], out->width))
            rc = hb_err_set(err, HB_ENOMEM, "out of memory");
    return rc;
}

/* One call run on its own: a transformation (chain) or a sample(). */
typedef struct join_job {
    const hb_iql_expr *call;
    sel_col base;               /* the column it came from (its flags) */
    size_t slot;                /* output column, or hidden slot >= ncols */
    sel_part part;
} join_job;

/* A call inside an expression column, and the slot holding its value. */
typedef struct join_term {
    const hb_iql_expr *expr;
    size_t slot;
} join_term;

typedef struct join_plan {
    sel_plan *p;
    join_job *jobs;
    size_t njobs;
    sel_col *plain;             /* columns run together as one more inner statement */
    size_t *plain_slot;
    size_t nplain;
    join_term *terms;
    size_t nterms;
    size_t nslots;              /* output columns + hidden slots */
    int64_t data_extra;         /* sel_tf_data_extra */
} join_plan;

/* The transformation chain call: every call inside it a transformation
 * over the next, down to a field or an aggregate. */
static int check_chain(const sel_plan *p, const hb_iql_expr *call, hb_err *err)
{
    for (;;) {
        const hb_iql_expr *a0 = sel_unparen(call->u.call.args[0]);
        if (!sel_tf_contains(a0))
            return sel_tf_check_input(p, call, a0, err);
        if (a0->kind == HB_IQL_EXPR_CALL && !sel_tf_is(a0->u.call.name.p))
            return hb_err_set(err, HB_EINVAL, "unsupported call: %s", a0->u.call.name.p);   /* influxd's text */
        if (a0->kind != HB_IQL_EXPR_CALL)   /* refused by sel_tf_check before this */
            return hb_err_set(err, HB_EINVAL, "aggregate function required inside the call to %s",
                              call->u.call.name.p);
        call = a0;
    }
}

/* Calls in e: with the columns, a bound on the jobs, plain columns and
 * terms a statement can plan (the arrays are sized once). */
static size_t count_calls(const hb_iql_expr *e)
{
    switch (e->kind) {
    case HB_IQL_EXPR_CALL: {
        size_t n = 1;
        for (size_t i = 0; i < e->u.call.nargs; i++)
            n += count_calls(e->u.call.args[i]);
        return n;
    }
    case HB_IQL_EXPR_BINARY: return count_calls(e->u.bin.lhs) + count_calls(e->u.bin.rhs);
    case HB_IQL_EXPR_PAREN: return count_calls(e->u.paren);
    default: return 0;
    }
}

static int add_job(join_plan *j, const hb_iql_expr *call, sel_col base, size_t slot, hb_err *err)
{
    int rc;
    if (sel_tf_is(call->u.call.name.p) && (rc = check_chain(j->p, call, err)))
        return rc;
    j->jobs[j->njobs].call = call;
    j->jobs[j->njobs].base = base;
    j->jobs[j->njobs].slot = slot;
    j->njobs++;
    return HB_OK;
}

static void add_plain(join_plan *j, sel_col c, size_t slot)
{
    j->plain[j->nplain] = c;
    j->plain_slot[j->nplain++] = slot;
}

/* The calls of expression column e (column base) to hidden slots:
 * transformations run as jobs, other aggregates with the plain columns. */
static int plan_terms(join_plan *j, const hb_iql_expr *e, sel_col base, hb_err *err)
{
    size_t lo, hi;
    e = sel_unparen(e);
    if (e->kind == HB_IQL_EXPR_BINARY) {
        int rc = plan_terms(j, e->u.bin.lhs, base, err);
        return rc ? rc : plan_terms(j, e->u.bin.rhs, base, err);
    }
    if (e->kind != HB_IQL_EXPR_CALL)
        return HB_OK;   /* a literal */
    if (sel_math_fn(e->u.call.name.p, &lo, &hi)) {
        for (size_t i = 0; i < e->u.call.nargs; i++) {
            int rc = plan_terms(j, e->u.call.args[i], base, err);
            if (rc)
                return rc;
        }
        return HB_OK;
    }
    size_t slot = j->nslots++;
    j->terms[j->nterms++] = (join_term){ e, slot };
    if (sel_tf_is(e->u.call.name.p))
        return add_job(j, e, base, slot, err);
    sel_col c = base;
    c.name = "";
    c.expr = (hb_iql_expr *)e;
    c.is_call = 1;
    add_plain(j, c, slot);
    return HB_OK;
}

/* An expression column's value in a joined row (its calls in hidden slots). */
static hb_value eval_row(const join_plan *j, const hb_iql_expr *e, const hb_value *row)
{
    size_t lo, hi;
    e = sel_unparen(e);
    for (size_t k = 0; k < j->nterms; k++)
        if (j->terms[k].expr == e)
            return row[1 + j->terms[k].slot];
    switch (e->kind) {
    case HB_IQL_EXPR_BINARY:
        return sel_arith(e->u.bin.op, eval_row(j, e->u.bin.lhs, row), eval_row(j, e->u.bin.rhs, row));
    case HB_IQL_EXPR_CALL: {
        hb_value args[2] = { { .kind = HB_V_NULL }, { .kind = HB_V_NULL } };
        if (!sel_math_fn(e->u.call.name.p, &lo, &hi))
            return args[0];
        for (size_t i = 0; i < e->u.call.nargs && i < 2; i++)
            args[i] = eval_row(j, e->u.call.args[i], row);
        return sel_math_apply(e->u.call.name.p, args, e->u.call.nargs);
    }
    default:
        return sel_eval(NULL, e);   /* literals only: no row needed */
    }
}

/* Plan every column: its own job, a plain column, or an expression whose
 * calls go to hidden slots. */
static int plan_columns(join_plan *j, hb_err *err)
{
    sel_plan *p = j->p;
    int samples = split_samples(p);
    j->nslots = p->ncols;
    for (size_t i = 0; i < p->ncols; i++) {
        const hb_iql_expr *e = sel_unparen(p->cols[i].expr);
        int rc = HB_OK;
        if (e->kind == HB_IQL_EXPR_CALL && (sel_tf_is(e->u.call.name.p) || (samples && is_sample(e))))
            rc = add_job(j, e, p->cols[i], i, err);
        else if (sel_tf_contains(e))
            rc = plan_terms(j, e, p->cols[i], err);
        else
            add_plain(j, p->cols[i], i);
        if (rc)
            return rc;
    }
    return HB_OK;
}

/* Run job's call: the innermost argument as an inner statement, then
 * each transformation of the chain from the inside out. */
static int run_job(join_plan *j, join_job *job, hb_query_result *res, hb_stmt_result *sr, hb_err *err)
{
    sel_plan *p = j->p;
    const hb_iql_expr *chain[64];
    size_t n = 0;
    const hb_iql_expr *e = job->call;
    if (!sel_tf_is(e->u.call.name.p)) {   /* sample(): the call itself */
        sel_col c = job->base;
        c.expr = (hb_iql_expr *)e;
        return run_inner(p, &c, 1, 0, 0, res, sr, &job->part, err);
    }
    for (; e->kind == HB_IQL_EXPR_CALL && sel_tf_is(e->u.call.name.p); e = sel_unparen(e->u.call.args[0])) {
        if (n == sizeof chain / sizeof chain[0])
            return hb_err_set(err, HB_ELIMIT, "transformations nested more than %zu deep", n);
        chain[n++] = e;
    }
    size_t lo, hi;
    sel_col c = job->base;
    c.expr = (hb_iql_expr *)e;
    c.is_call = e->kind == HB_IQL_EXPR_CALL && !sel_math_fn(e->u.call.name.p, &lo, &hi);
    int64_t extra = sel_tf_chain_extra(job->call);
    int rc = run_inner(p, &c, 1, extra, extra < j->data_extra ? extra : j->data_extra, res, sr, &job->part, err);
    while (!rc && n)
        rc = sel_tf_apply(p, chain[--n], &job->part, err);
    return rc;
}

static int same_series(const sel_out_series *a, const sel_out_series *b)
{
    return !strcmp(a->m->name, b->m->name) && !strcmp(a->gkey, b->gkey);
}

/* A slot whose call has no point at the row's time: a null told apart
 * from a null value by its payload (fill(N) fills only these). */
#define JOIN_ABSENT 0x4a4f494e41425354LL
static hb_value absent(void) { return (hb_value){ .kind = HB_V_NULL, .v.i = JOIN_ABSENT }; }
static int is_absent(const hb_value *v) { return v->kind == HB_V_NULL && v->v.i == JOIN_ABSENT; }

/* Merge the rows of src (time + ncol values, to slots slot[]) into the
 * joined series o by time; rows at equal times pair up in order. */
static int merge_into(sel_out_series *o, size_t width, const sel_out_series *src, size_t sw, const size_t *slot,
                      size_t ncol)
{
    hb_value *nr = malloc((o->nrows + src->nrows) * width * sizeof *nr);
    if (!nr)
        return HB_ENOMEM;
    size_t a = 0, b = 0, w = 0;
    while (a < o->nrows || b < src->nrows) {
        hb_value *row = &nr[w * width];
        int64_t ta = a < o->nrows ? o->rows[a * width].v.i : 0, tb = b < src->nrows ? src->rows[b * sw].v.i : 0;
        int take_a = a < o->nrows && (b >= src->nrows || ta <= tb);
        int take_b = b < src->nrows && (a >= o->nrows || tb <= ta);
        if (take_a)
            memcpy(row, &o->rows[a++ * width], width * sizeof *row);
        else
            for (size_t c = 0; c < width; c++)
                row[c] = absent();
        if (take_b) {
            row[0] = src->rows[b * sw];
            for (size_t c = 0; c < ncol; c++) {
                hb_value x = src->rows[b * sw + 1 + c];
                row[1 + slot[c]] = x.kind == HB_V_NULL ? (hb_value){ .kind = HB_V_NULL } : x;
            }
            b++;
        }
        w++;
    }
    free(o->rows);
    o->rows = nr;
    o->nrows = o->cap = w;
    return HB_OK;
}

/* Join one part's series into v by (measurement, group). */
static int join_part(sel_out_series **v, size_t *n, size_t *cap, size_t width, const sel_part *part,
                     const size_t *slot, size_t ncol)
{
    for (size_t k = 0; k < part->n; k++) {
        const sel_out_series *src = &part->v[k];
        if (!src->nrows)
            continue;
        size_t d = 0;
        while (d < *n && !same_series(&(*v)[d], src))
            d++;
        if (d == *n) {
            if (*n == *cap) {
                size_t nc = *cap ? *cap * 2 : 8;
                sel_out_series *nv = realloc(*v, nc * sizeof *nv);
                if (!nv)
                    return HB_ENOMEM;
                *v = nv;
                *cap = nc;
            }
            sel_out_series *o = &(*v)[(*n)++];
            memset(o, 0, sizeof *o);
            o->m = src->m;
            o->gkey = src->gkey;
            o->tags = src->tags;
            o->ntags = src->ntags;
        }
        if (merge_into(&(*v)[d], width, src, part->width, slot, ncol))
            return HB_ENOMEM;
    }
    return HB_OK;
}

/* Evaluate the expression columns from the hidden slots and drop them:
 * rows shrink from 1 + nslots to 1 + ncols values. With fill(N), a call
 * that has no point at a row's time takes N (influxd fills the joined
 * row before evaluating it). */
static void finish_rows(const join_plan *j, sel_out_series *v, size_t n)
{
    const sel_plan *p = j->p;
    const hb_iql_select *st = p->s;
    size_t from = 1 + j->nslots, to = 1 + p->ncols;
    hb_value fillv = st->fill_is_int ? (hb_value){ .kind = HB_V_INT, .v.i = st->fill_int }
                                     : (hb_value){ .kind = HB_V_FLOAT, .v.f = st->fill_float };
    for (size_t s = 0; s < n; s++) {
        sel_out_series *o = &v[s];
        for (size_t r = 0; r < o->nrows; r++) {
            hb_value *row = &o->rows[r * from];
            for (size_t c = 0; st->fill == HB_IQL_FILL_NUMBER && p->interval && c < j->nslots; c++)
                if (is_absent(&row[1 + c]))
                    row[1 + c] = fillv;
            for (size_t i = 0; i < p->ncols && j->nterms; i++) {
                const hb_iql_expr *e = sel_unparen(p->cols[i].expr);
                if (sel_tf_contains(e) && !(e->kind == HB_IQL_EXPR_CALL && sel_tf_is(e->u.call.name.p)))
                    row[1 + i] = eval_row(j, e, row);
            }
            memmove(&o->rows[r * to], row, to * sizeof *row);
        }
    }
}

int sel_exec_joined(sel_plan *p, hb_query_result *res, hb_stmt_result *sr, hb_err *err)
{
    int aux = 0;
    for (size_t i = 0; i < p->ncols; i++)
        aux |= has_aux(p->cols[i].expr);
    if (aux)
        return hb_err_set(err, HB_EINVAL, "mixing aggregate and non-aggregate queries is not supported");
    join_plan j = { .p = p, .data_extra = sel_tf_data_extra(p) };
    size_t cap = p->ncols;
    for (size_t i = 0; i < p->ncols; i++)
        cap += count_calls(p->cols[i].expr);
    j.jobs = calloc(cap, sizeof *j.jobs);
    j.plain = malloc(cap * sizeof *j.plain);
    j.plain_slot = malloc(cap * sizeof *j.plain_slot);
    j.terms = malloc(cap * sizeof *j.terms);
    sel_out_series *v = NULL;
    size_t nv = 0, capv = 0;
    sel_part plain = { 0 };
    int rc = !j.jobs || !j.plain || !j.plain_slot || !j.terms ? hb_err_set(err, HB_ENOMEM, "out of memory")
                                                               : plan_columns(&j, err);
    for (size_t k = 0; !rc && k < j.njobs; k++)
        rc = run_job(&j, &j.jobs[k], res, sr, err);
    if (!rc && j.nplain)
        rc = run_inner(p, j.plain, j.nplain, 0, 0, res, sr, &plain, err);
    size_t width = 1 + j.nslots;
    for (size_t k = 0; !rc && k < j.njobs; k++)
        if (join_part(&v, &nv, &capv, width, &j.jobs[k].part, &j.jobs[k].slot, 1))
            rc = hb_err_set(err, HB_ENOMEM, "out of memory");
    if (!rc && j.nplain && join_part(&v, &nv, &capv, width, &plain, j.plain_slot, j.nplain))
        rc = hb_err_set(err, HB_ENOMEM, "out of memory");
    if (!rc) {
        finish_rows(&j, v, nv);
        rc = sel_emit(p, v, nv, res, sr, err);
    }
    for (size_t i = 0; i < nv; i++)
        free(v[i].rows);
    free(v);
    part_free(&plain);
    for (size_t k = 0; j.jobs && k < j.njobs; k++)
        part_free(&j.jobs[k].part);
    free(j.jobs);
    free(j.plain);
    free(j.plain_slot);
    free(j.terms);
    return rc;
}
