/* Transformations in SELECT (derivative, difference, moving_average,
 * cumulative_sum, elapsed and their non_negative forms; the
 * technical-analysis functions of engine/transform_ta.h; holt_winters of
 * engine/holtwinters.h), as influxd 1.x answers them.
 *
 * influxd builds one iterator per call: a transformation reads its
 * argument (a raw field, an aggregate under GROUP BY time, or another
 * transformation) as one stream per output series (measurement and group:
 * the points of all its series merged by time) and emits its points; the
 * columns are then joined by time. This file holds the functions, their
 * argument checks and the application of one call to captured series;
 * engine/select_join.c runs the inner statements and joins them.
 *
 * influxd's details kept: under GROUP BY time the argument is read from
 * one interval before the range (ORDER BY time DESC: after it) for every
 * function but cumulative_sum, so the first window in range has a
 * previous one; windows without a value (fill(null)) are skipped, other
 * fill() values take part; the unit of derivative() defaults to the GROUP
 * BY interval (1s on raw fields), elapsed()'s to 1ns. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/influxql/duration.h"
#include "engine/holtwinters.h"
#include "engine/select_internal.h"
#include "engine/transform.h"
#include "engine/transform_ta.h"

/* kind of a technical-analysis function: TF_TA + hb_ta_kind */
#define TF_TA 100
/* holt_winters, holt_winters_with_fit */
#define TF_HW 200
#define TF_HW_FIT 201

typedef struct tf_name {
    const char *n;
    int kind;       /* hb_tf_kind, TF_TA + hb_ta_kind, TF_HW or TF_HW_FIT */
    int extra;      /* reads one interval more under GROUP BY time */
} tf_name;

static const tf_name k_names[] = {
    { "derivative", HB_TF_DERIVATIVE, 1 },
    { "non_negative_derivative", HB_TF_NN_DERIVATIVE, 1 },
    { "difference", HB_TF_DIFFERENCE, 1 },
    { "non_negative_difference", HB_TF_NN_DIFFERENCE, 1 },
    { "moving_average", HB_TF_MOVING_AVERAGE, 1 },
    { "cumulative_sum", HB_TF_CUMULATIVE_SUM, 0 },
    { "elapsed", HB_TF_ELAPSED, 1 },
    { "exponential_moving_average", TF_TA + HB_TA_EMA, 1 },
    { "double_exponential_moving_average", TF_TA + HB_TA_DEMA, 1 },
    { "triple_exponential_moving_average", TF_TA + HB_TA_TEMA, 1 },
    { "relative_strength_index", TF_TA + HB_TA_RSI, 1 },
    { "triple_exponential_derivative", TF_TA + HB_TA_TRIX, 1 },
    { "kaufmans_efficiency_ratio", TF_TA + HB_TA_KER, 1 },
    { "kaufmans_adaptive_moving_average", TF_TA + HB_TA_KAMA, 1 },
    { "chande_momentum_oscillator", TF_TA + HB_TA_CMO, 1 },
    { "holt_winters", TF_HW, 0 },
    { "holt_winters_with_fit", TF_HW_FIT, 0 },
};

static const tf_name *tf_lookup(const char *n)
{
    for (size_t i = 0; i < sizeof k_names / sizeof k_names[0]; i++)
        if (!strcmp(n, k_names[i].n))
            return &k_names[i];
    return NULL;
}

int sel_tf_is(const char *name) { return tf_lookup(name) != NULL; }

/* Go's %T of an influxql expression, for influxd's messages. */
static const char *go_type(const hb_iql_expr *e)
{
    switch (e->kind) {
    case HB_IQL_EXPR_VARREF: return "*influxql.VarRef";
    case HB_IQL_EXPR_CALL: return "*influxql.Call";
    case HB_IQL_EXPR_BINARY: return "*influxql.BinaryExpr";
    case HB_IQL_EXPR_PAREN: return "*influxql.ParenExpr";
    case HB_IQL_EXPR_DISTINCT: return "*influxql.Distinct";
    case HB_IQL_EXPR_WILDCARD: return "*influxql.Wildcard";
    case HB_IQL_EXPR_REGEX: return "*influxql.RegexLiteral";
    case HB_IQL_EXPR_STRING: return "*influxql.StringLiteral";
    case HB_IQL_EXPR_INTEGER: return "*influxql.IntegerLiteral";
    case HB_IQL_EXPR_UNSIGNED: return "*influxql.UnsignedLiteral";
    case HB_IQL_EXPR_NUMBER: return "*influxql.NumberLiteral";
    case HB_IQL_EXPR_BOOLEAN: return "*influxql.BooleanLiteral";
    case HB_IQL_EXPR_DURATION: return "*influxql.DurationLiteral";
    case HB_IQL_EXPR_TIME: return "*influxql.TimeLiteral";
    default: return "*influxql.NilLiteral";
    }
}

static int check_duration(const char *what, const hb_iql_expr *a, hb_err *err)
{
    if (a->kind != HB_IQL_EXPR_DURATION)
        return hb_err_set(err, HB_EINVAL, "second argument to %s must be a duration, got %s", what, go_type(a));
    if (a->u.i <= 0) {
        char d[64];
        hb_iql_duration_format(a->u.i, d);
        return hb_err_set(err, HB_EINVAL, "duration argument must be positive, got %s", d);
    }
    return HB_OK;
}

/* The argument: an aggregate under GROUP BY time, else a field (InfluxDB's
 * compileDerivative and friends). */
static int check_arg0(const char *n, const hb_iql_expr *a, int64_t interval, hb_err *err)
{
    if (a->kind == HB_IQL_EXPR_CALL) {
        if (!interval)
            return hb_err_set(err, HB_EINVAL, "%s aggregate requires a GROUP BY interval", n);
        return HB_OK;
    }
    if (interval)
        return hb_err_set(err, HB_EINVAL, "aggregate function required inside the call to %s", n);
    if (a->kind != HB_IQL_EXPR_VARREF && a->kind != HB_IQL_EXPR_WILDCARD && a->kind != HB_IQL_EXPR_REGEX)
        return hb_err_set(err, HB_EINVAL, "expected field argument in %s()", n);
    return HB_OK;
}

static int check_hold(const char *n, const hb_iql_expr *const *args, size_t na, int ted, hb_err *err)
{
    if (na < 3)
        return HB_OK;
    const hb_iql_expr *h = args[2];
    if (h->kind != HB_IQL_EXPR_INTEGER)
        return hb_err_set(err, HB_EINVAL, "%s hold period must be an integer", n);
    if (ted && h->u.i < 1 && h->u.i != -1)
        return hb_err_set(err, HB_EINVAL, "%s hold period must be greater than or equal to 1", n);
    if (h->u.i < 0 && h->u.i != -1)
        return hb_err_set(err, HB_EINVAL, "%s hold period must be greater than or equal to 0", n);
    return HB_OK;
}

static int check_period(const char *n, const hb_iql_expr *const *args, hb_err *err)
{
    if (args[1]->kind != HB_IQL_EXPR_INTEGER)
        return hb_err_set(err, HB_EINVAL, "%s period must be an integer", n);
    if (args[1]->u.i < 1)
        return hb_err_set(err, HB_EINVAL, "%s period must be greater than or equal to 1", n);
    return HB_OK;
}

int sel_tf_check(const sel_plan *p, const hb_iql_expr *e, hb_err *err)
{
    const char *n = e->u.call.name.p;
    const hb_iql_expr *const *args = (const hb_iql_expr *const *)e->u.call.args;
    size_t na = e->u.call.nargs;
    int ok = 1;
    const char *msg = NULL;
    int64_t interval = hb_iql_group_by_interval(p->s, &ok, &msg);
    if (!ok || interval < 0)
        interval = 0;
    int rc;
    if (!strcmp(n, "derivative") || !strcmp(n, "non_negative_derivative") || !strcmp(n, "elapsed")) {
        if (na < 1 || na > 2)
            return hb_err_set(err, HB_EINVAL,
                              "invalid number of arguments for %s, expected at least 1 but no more than 2, got %zu", n,
                              na);
        if (na == 2 && (rc = check_duration(n, args[1], err)))
            return rc;
        return check_arg0(n, args[0], interval, err);
    }
    if (!strcmp(n, "difference") || !strcmp(n, "non_negative_difference") || !strcmp(n, "cumulative_sum")) {
        if (na != 1)
            return hb_err_set(err, HB_EINVAL, "invalid number of arguments for %s, expected 1, got %zu", n, na);
        return check_arg0(n, args[0], interval, err);
    }
    if (!strcmp(n, "moving_average")) {
        if (na != 2)
            return hb_err_set(err, HB_EINVAL, "invalid number of arguments for moving_average, expected 2, got %zu", na);
        if (args[1]->kind != HB_IQL_EXPR_INTEGER)
            return hb_err_set(err, HB_EINVAL, "second argument for moving_average must be an integer, got %s",
                              go_type(args[1]));
        if (args[1]->u.i <= 1)
            return hb_err_set(err, HB_EINVAL, "moving_average window must be greater than 1, got %lld",
                              (long long)args[1]->u.i);
        return check_arg0(n, args[0], interval, err);
    }
    if (!strcmp(n, "kaufmans_efficiency_ratio") || !strcmp(n, "kaufmans_adaptive_moving_average")) {
        if (na < 2 || na > 3)
            return hb_err_set(err, HB_EINVAL,
                              "invalid number of arguments for %s, expected at least 2 but no more than 3, got %zu", n,
                              na);
        if ((rc = check_period(n, args, err)) || (rc = check_hold(n, args, na, 0, err)))
            return rc;
        return check_arg0(n, args[0], interval, err);
    }
    if (!strcmp(n, "chande_momentum_oscillator")) {
        if (na < 2 || na > 4)
            return hb_err_set(err, HB_EINVAL,
                              "invalid number of arguments for %s, expected at least 2 but no more than 4, got %zu", n,
                              na);
        if ((rc = check_period(n, args, err)) || (rc = check_hold(n, args, na, 0, err)))
            return rc;
        if (na == 4) {
            const hb_iql_expr *w = args[3];
            if (w->kind != HB_IQL_EXPR_STRING)
                return hb_err_set(err, HB_EINVAL, "%s warmup type must be a string", n);
            if (strcmp(w->u.str.p, "none") && strcmp(w->u.str.p, "exponential") && strcmp(w->u.str.p, "simple"))
                return hb_err_set(err, HB_EINVAL, "%s warmup type must be one of: 'none' 'exponential' 'simple'", n);
        }
        return check_arg0(n, args[0], interval, err);
    }
    if (!strcmp(n, "holt_winters") || !strcmp(n, "holt_winters_with_fit")) {
        if (na != 3)
            return hb_err_set(err, HB_EINVAL, "invalid number of arguments for %s, expected 3, got %zu", n, na);
        if (args[1]->kind != HB_IQL_EXPR_INTEGER)
            return hb_err_set(err, HB_EINVAL, "expected integer argument as second arg in %s", n);
        if (args[1]->u.i <= 0)
            return hb_err_set(err, HB_EINVAL, "second arg to %s must be greater than 0, got %lld", n,
                              (long long)args[1]->u.i);
        if (args[2]->kind != HB_IQL_EXPR_INTEGER)
            return hb_err_set(err, HB_EINVAL, "expected integer argument as third arg in %s", n);
        if (args[2]->u.i < 0)
            return hb_err_set(err, HB_EINVAL, "third arg to %s cannot be negative, got %lld", n,
                              (long long)args[2]->u.i);
        if (args[0]->kind != HB_IQL_EXPR_CALL)
            return hb_err_set(err, HB_EINVAL, "must use aggregate function with %s", n);
        if (!interval)
            return hb_err_set(err, HB_EINVAL, "%s aggregate requires a GROUP BY interval", n);
        return HB_OK;
    }
    /* the exponential family */
    if (na < 2 || na > 4)
        return hb_err_set(err, HB_EINVAL,
                          "invalid number of arguments for %s, expected at least 2 but no more than 4, got %zu", n, na);
    if ((rc = check_period(n, args, err)) ||
        (rc = check_hold(n, args, na, !strcmp(n, "triple_exponential_derivative"), err)))
        return rc;
    if (na == 4) {
        const hb_iql_expr *w = args[3];
        if (w->kind != HB_IQL_EXPR_STRING)
            return hb_err_set(err, HB_EINVAL, "%s warmup type must be a string", n);
        if (strcmp(w->u.str.p, "exponential") && strcmp(w->u.str.p, "simple"))
            return hb_err_set(err, HB_EINVAL, "%s warmup type must be one of: 'exponential' 'simple'", n);
    }
    return check_arg0(n, args[0], interval, err);
}

/* ---- execution ---- */

int sel_tf_contains(const hb_iql_expr *e)
{
    switch (e->kind) {
    case HB_IQL_EXPR_CALL:
        if (sel_tf_is(e->u.call.name.p))
            return 1;
        for (size_t i = 0; i < e->u.call.nargs; i++)
            if (sel_tf_contains(e->u.call.args[i]))
                return 1;
        return 0;
    case HB_IQL_EXPR_BINARY: return sel_tf_contains(e->u.bin.lhs) || sel_tf_contains(e->u.bin.rhs);
    case HB_IQL_EXPR_PAREN: return sel_tf_contains(e->u.paren);
    default: return 0;
    }
}

/* The technical-analysis form of sel_tf_apply: every numeric value is fed,
 * same-time points included (influxd's reducers do not skip them); a NaN
 * output (0/0 in RSI, CMO, TRIX) is a null, as influxd answers it. */
static int apply_ta(const sel_plan *p, const hb_iql_expr *e, hb_ta_kind kind, sel_part *t, hb_err *err)
{
    const hb_iql_expr *const *args = (const hb_iql_expr *const *)e->u.call.args;
    size_t na = e->u.call.nargs;
    int64_t period = args[1]->u.i, hold = na >= 3 ? args[2]->u.i : -1;
    hb_ta_warm warm = kind == HB_TA_CMO ? HB_TA_WARM_NONE : HB_TA_WARM_EXPONENTIAL;
    if (na >= 4)
        warm = !strcmp(args[3]->u.str.p, "simple") ? HB_TA_WARM_SIMPLE
             : !strcmp(args[3]->u.str.p, "none") ? HB_TA_WARM_NONE : HB_TA_WARM_EXPONENTIAL;
    for (size_t k = 0; k < t->n; k++) {
        sel_out_series *o = &t->v[k];
        if (!o->nrows)
            continue;
        hb_ta ta;
        int rc = hb_ta_init(&ta, kind, period, hold, warm);
        if (rc == HB_ENOMEM)
            return hb_err_set(err, HB_ENOMEM, "out of memory");
        if (rc) {
            /* influxd indexes an empty window here and answers with a panic */
            if (kind == HB_TA_CMO && period == 1)
                return hb_err_set(err, HB_EINVAL, "runtime error: index out of range [1] with length 0");
            return hb_err_set(err, HB_EINVAL, "%s period %lld is too large", e->u.call.name.p, (long long)period);
        }
        size_t w = 0;
        for (size_t j = 0; j < o->nrows; j++) {
            size_t r = p->desc ? o->nrows - 1 - j : j;
            hb_value v = o->rows[r * 2 + 1];
            double x, y;
            if (v.kind == HB_V_FLOAT)
                x = v.v.f;
            else if (v.kind == HB_V_INT)
                x = (double)v.v.i;
            else if (v.kind == HB_V_UINT)
                x = (double)v.v.u;
            else
                continue;
            if (!hb_ta_push(&ta, x, &y))
                continue;
            size_t at = p->desc ? o->nrows - 1 - w : w;   /* as in sel_tf_apply */
            o->rows[at * 2] = o->rows[r * 2];
            o->rows[at * 2 + 1] = isnan(y) ? (hb_value){ .kind = HB_V_NULL } : (hb_value){ .kind = HB_V_FLOAT, .v.f = y };
            w++;
        }
        hb_ta_free(&ta);
        if (p->desc && w)
            memmove(o->rows, &o->rows[(o->nrows - w) * 2], w * 2 * sizeof *o->rows);
        o->nrows = w;
    }
    return HB_OK;
}

/* holt_winters over each series of t (one aggregate column, nulls left
 * out); the rows are replaced by the forecast. influxd reads the series
 * in output order: descending, its first point is after its last and it
 * answers nothing. */
static int apply_hw(const sel_plan *p, const hb_iql_expr *e, int fit, sel_part *t, hb_err *err)
{
    int64_t h = e->u.call.args[1]->u.i, m = e->u.call.args[2]->u.i;
    for (size_t k = 0; k < t->n; k++) {
        sel_out_series *o = &t->v[k];
        size_t n = 0;
        int64_t *ts = malloc((o->nrows + 1) * sizeof *ts);
        double *vs = malloc((o->nrows + 1) * sizeof *vs);
        if (!ts || !vs) {
            free(ts);
            free(vs);
            return hb_err_set(err, HB_ENOMEM, "out of memory");
        }
        for (size_t r = 0; r < o->nrows; r++) {
            hb_value v = o->rows[r * 2 + 1];
            if (v.kind != HB_V_FLOAT && v.kind != HB_V_INT && v.kind != HB_V_UINT)
                continue;
            ts[n] = o->rows[r * 2].v.i;
            vs[n++] = v.kind == HB_V_FLOAT ? v.v.f : v.kind == HB_V_INT ? (double)v.v.i : (double)v.v.u;
        }
        int64_t *ot = NULL;
        double *ov = NULL;
        size_t on = 0;
        int rc = p->desc ? HB_OK : hb_hw_forecast(ts, vs, n, h, m, fit, p->interval, &ot, &ov, &on);
        free(ts);
        free(vs);
        hb_value *rows = on ? malloc(on * 2 * sizeof *rows) : NULL;
        if (rc || (on && !rows)) {
            free(ot);
            free(ov);
            free(rows);
            if (rc == HB_EINVAL)
                return hb_err_set(err, HB_EINVAL, "%s: the forecast spans more than %zu intervals", e->u.call.name.p,
                                  (size_t)HB_HW_MAX_POINTS);
            return hb_err_set(err, HB_ENOMEM, "out of memory");
        }
        for (size_t i = 0; i < on; i++) {
            rows[i * 2] = (hb_value){ .kind = HB_V_TIME, .v.i = ot[i] };
            rows[i * 2 + 1] = (hb_value){ .kind = HB_V_FLOAT, .v.f = ov[i] };
        }
        free(ot);
        free(ov);
        free(o->rows);
        o->rows = rows;
        o->nrows = o->cap = on;
    }
    return HB_OK;
}

/* Feed each series of t (one value column) through the transformation of
 * call e, in output order; the rows are replaced by its output, ascending. */
int sel_tf_apply(const sel_plan *p, const hb_iql_expr *e, sel_part *t, hb_err *err)
{
    const tf_name *nm = tf_lookup(e->u.call.name.p);
    if (nm->kind == TF_HW || nm->kind == TF_HW_FIT)
        return apply_hw(p, e, nm->kind == TF_HW_FIT, t, err);
    if (nm->kind >= TF_TA)
        return apply_ta(p, e, (hb_ta_kind)(nm->kind - TF_TA), t, err);
    int64_t unit = nm->kind == HB_TF_ELAPSED ? 1 : p->interval ? p->interval : 1000000000;
    size_t n = 0;
    if (e->u.call.nargs == 2 && e->u.call.args[1]->kind == HB_IQL_EXPR_DURATION)
        unit = e->u.call.args[1]->u.i;
    if (nm->kind == HB_TF_MOVING_AVERAGE)
        n = (size_t)e->u.call.args[1]->u.i;
    for (size_t k = 0; k < t->n; k++) {
        sel_out_series *o = &t->v[k];
        hb_tf tf;
        if (hb_tf_init(&tf, (hb_tf_kind)nm->kind, unit, n, !p->desc))
            return hb_err_set(err, HB_ENOMEM, "out of memory");
        size_t w = 0;
        for (size_t j = 0; j < o->nrows; j++) {
            size_t r = p->desc ? o->nrows - 1 - j : j;
            hb_value v = o->rows[r * 2 + 1];
            int64_t ot;
            hb_value ov;
            if (v.kind == HB_V_NULL || !hb_tf_push(&tf, o->rows[r * 2].v.i, v, &ot, &ov))
                continue;
            /* outputs never outrun the inputs: write over consumed rows
             * (descending: from the end, reversed afterwards) */
            size_t at = p->desc ? o->nrows - 1 - w : w;
            o->rows[at * 2] = (hb_value){ .kind = HB_V_TIME, .v.i = ot };
            o->rows[at * 2 + 1] = ov;
            w++;
        }
        hb_tf_free(&tf);
        if (p->desc && w)
            memmove(o->rows, &o->rows[(o->nrows - w) * 2], w * 2 * sizeof *o->rows);
        o->nrows = w;
    }
    return HB_OK;
}

/* influxd builds no transformation over a raw string or boolean field
 * (elapsed() takes any): its error names the iterator it got. */
int sel_tf_check_input(const sel_plan *p, const hb_iql_expr *call, const hb_iql_expr *a0, hb_err *err)
{
    const tf_name *nm = tf_lookup(call->u.call.name.p);
    if (nm->kind == HB_TF_ELAPSED || a0->kind != HB_IQL_EXPR_VARREF)
        return HB_OK;
    for (size_t m = 0; m < p->nmeas; m++)
        for (size_t f = 0; f < p->meas[m].nfields; f++) {
            const hb_field_info *fi = &p->meas[m].fields[f];
            if (strcmp(fi->name, a0->u.ref.name.p))
                continue;
            if (fi->type != HB_FT_STRING && fi->type != HB_FT_BOOLEAN)
                return HB_OK;
            char ta[64];
            const char *what = nm->kind == HB_TF_DERIVATIVE || nm->kind == HB_TF_NN_DERIVATIVE ? "derivative"
                             : nm->kind == HB_TF_DIFFERENCE || nm->kind == HB_TF_NN_DIFFERENCE ? "difference"
                             : nm->kind == HB_TF_MOVING_AVERAGE ? "moving average" : "cumulative sum";
            if (nm->kind >= TF_TA) {   /* the function's name, blanks for underscores */
                snprintf(ta, sizeof ta, "%s", nm->n);
                for (char *c = ta; *c; c++)
                    if (*c == '_')
                        *c = ' ';
                what = ta;
            }
            return hb_err_set(err, HB_EINVAL, "unsupported %s iterator type: *query.%sInterruptIterator", what,
                              fi->type == HB_FT_STRING ? "string" : "boolean");
        }
    return HB_OK;
}

/* influxd builds each call's iterator with its range widened by one
 * interval (ORDER BY time DESC: its end), over the range its caller was
 * given: a chain of calls widens once per derivative-like call. */
int sel_tf_chain_extra(const hb_iql_expr *call)
{
    int widening = 0;
    for (const hb_iql_expr *e = call; e->kind == HB_IQL_EXPR_CALL && sel_tf_is(e->u.call.name.p);
         e = sel_unparen(e->u.call.args[0]))
        widening += tf_lookup(e->u.call.name.p)->extra;
    return widening;
}

static int64_t expr_data_extra(const hb_iql_expr *e)
{
    e = sel_unparen(e);
    if (e->kind == HB_IQL_EXPR_BINARY) {
        int64_t a = expr_data_extra(e->u.bin.lhs), b = expr_data_extra(e->u.bin.rhs);
        return a > b ? a : b;
    }
    if (e->kind != HB_IQL_EXPR_CALL)
        return 0;
    int64_t x = 0;
    const tf_name *nm = tf_lookup(e->u.call.name.p);
    if (nm && nm->extra) {
        x = 1;
        /* moving_average(f, N) and the technical-analysis functions'
         * period: influxd's compiler keeps the largest */
        if ((nm->kind == HB_TF_MOVING_AVERAGE || nm->kind >= TF_TA) && e->u.call.nargs >= 2 &&
            e->u.call.args[1]->kind == HB_IQL_EXPR_INTEGER && e->u.call.args[1]->u.i > x)
            x = e->u.call.args[1]->u.i;
    }
    for (size_t i = 0; i < e->u.call.nargs; i++) {
        int64_t a = expr_data_extra(e->u.call.args[i]);
        if (a > x)
            x = a;
    }
    return x;
}

int64_t sel_tf_data_extra(const sel_plan *p)
{
    int64_t x = 0;
    for (size_t i = 0; i < p->ncols; i++) {
        int64_t a = expr_data_extra(p->cols[i].expr);
        if (a > x)
            x = a;
    }
    return x;
}
