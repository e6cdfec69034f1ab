/* Expression evaluation for SELECT: field values, tag values, casts,
 * arithmetic with InfluxDB 1.x's type rules, comparisons and regexes for
 * WHERE.
 *
 * Arithmetic (as influxd answers): integer + - * integer is an integer
 * (wrapping on overflow); / is always a float division; dividing by zero
 * gives 0; integer % 0 gives 0, float % 0 gives null; a null operand gives
 * null; mixed integer and float operands are floats. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "domain/influxql/regex.h"
#include "engine/select_internal.h"

/* ---- regexes: a small per-thread cache keyed by pattern text ---- */

#define RX_CACHE 64

typedef struct rx_ent {
    char *pattern;
    pcre2_code *code;
    pcre2_match_data *md;
} rx_ent;

static __thread rx_ent rx_cache[RX_CACHE];
static __thread size_t rx_n;
static pthread_key_t rx_key;   /* its destructor empties a thread's cache when the thread ends */
static pthread_once_t rx_once = PTHREAD_ONCE_INIT;

static void rx_thread_end(void *unused)
{
    (void)unused;
    sel_regex_cache_free();
}

static void rx_key_init(void) { pthread_key_create(&rx_key, rx_thread_end); }

void sel_regex_cache_free(void)
{
    for (size_t i = 0; i < rx_n; i++) {
        free(rx_cache[i].pattern);
        pcre2_match_data_free(rx_cache[i].md);
        pcre2_code_free(rx_cache[i].code);
    }
    rx_n = 0;
}

static rx_ent *rx_get(const char *p, size_t n)
{
    for (size_t i = 0; i < rx_n; i++)
        if (strlen(rx_cache[i].pattern) == n && !memcmp(rx_cache[i].pattern, p, n))
            return &rx_cache[i];
    if (rx_n == RX_CACHE)
        sel_regex_cache_free();
    if (rx_n == 0) {
        pthread_once(&rx_once, rx_key_init);
        pthread_setspecific(rx_key, (void *)1);
    }
    char msg[256];
    pcre2_code *code = hb_iql_regex_compile(p, n, msg, sizeof msg);   /* the parser validated it */
    if (!code)
        return NULL;
    rx_ent *e = &rx_cache[rx_n];
    e->pattern = malloc(n + 1);
    e->md = pcre2_match_data_create_from_pattern(code, NULL);
    if (!e->pattern || !e->md) {
        free(e->pattern);
        pcre2_match_data_free(e->md);
        pcre2_code_free(code);
        return NULL;
    }
    memcpy(e->pattern, p, n);
    e->pattern[n] = '\0';
    e->code = code;
    rx_n++;
    return e;
}

int sel_regex_match(const hb_iql_expr *re, const char *s, size_t n)
{
    rx_ent *e = rx_get(re->u.regex.p, re->u.regex.n);
    if (!e)
        return 0;
    return pcre2_match(e->code, (PCRE2_SPTR)s, n, 0, 0, e->md, NULL) >= 0;
}

/* ---- values ---- */

hb_value sel_cell(const hb_scan_block *blk, const hb_pq_coldef *col, size_t c, size_t r)
{
    hb_value v = { .kind = HB_V_NULL };
    const hb_pq_colvec *cv = &blk->vecs[c];
    if (!hb_pq_valid(cv->valid, r))
        return v;
    switch (col->type) {
    case HB_FT_FLOAT: v.kind = HB_V_FLOAT; v.v.f = ((const double *)cv->values)[r]; break;
    case HB_FT_INTEGER: v.kind = HB_V_INT; v.v.i = ((const int64_t *)cv->values)[r]; break;
    case HB_FT_UNSIGNED: v.kind = HB_V_UINT; v.v.u = ((const uint64_t *)cv->values)[r]; break;
    case HB_FT_BOOLEAN: v.kind = HB_V_BOOL; v.v.b = ((const uint8_t *)cv->values)[r] != 0; break;
    case HB_FT_STRING: {
        hb_slice s = ((const hb_slice *)cv->values)[r];
        v.kind = HB_V_STR;
        v.v.s.p = s.p;
        v.v.s.n = s.n;
        break;
    }
    }
    return v;
}

static hb_value null_value(void) { return (hb_value){ .kind = HB_V_NULL }; }

/* A VarRef with a cast: numbers convert between float, integer and
 * unsigned; anything else of the wrong type is null. */
static hb_value cast(hb_value v, hb_iql_dtype t)
{
    if (v.kind == HB_V_NULL)
        return v;
    switch (t) {
    case HB_IQL_DT_FLOAT:
        if (v.kind == HB_V_INT)
            return (hb_value){ .kind = HB_V_FLOAT, .v.f = (double)v.v.i };
        if (v.kind == HB_V_UINT)
            return (hb_value){ .kind = HB_V_FLOAT, .v.f = (double)v.v.u };
        return v.kind == HB_V_FLOAT ? v : null_value();
    case HB_IQL_DT_INTEGER:
        if (v.kind == HB_V_FLOAT)
            return (hb_value){ .kind = HB_V_INT, .v.i = (int64_t)v.v.f };
        if (v.kind == HB_V_UINT)
            return (hb_value){ .kind = HB_V_INT, .v.i = (int64_t)v.v.u };
        return v.kind == HB_V_INT ? v : null_value();
    case HB_IQL_DT_UNSIGNED:
        if (v.kind == HB_V_FLOAT)
            return (hb_value){ .kind = HB_V_UINT, .v.u = (uint64_t)v.v.f };
        if (v.kind == HB_V_INT)
            return (hb_value){ .kind = HB_V_UINT, .v.u = (uint64_t)v.v.i };
        return v.kind == HB_V_UINT ? v : null_value();
    case HB_IQL_DT_STRING:
        return v.kind == HB_V_STR ? v : null_value();
    case HB_IQL_DT_BOOLEAN:
        return v.kind == HB_V_BOOL ? v : null_value();
    default:
        return v;
    }
}

static hb_value ref_value(const sel_row *row, const hb_iql_expr *e)
{
    const sel_bind *b = hb_u64map_get((hb_u64map *)&row->p->binds, (uint64_t)(uintptr_t)e);
    return sel_ref(row, e, b);
}

hb_value sel_ref(const sel_row *row, const hb_iql_expr *e, const sel_bind *b)
{
    if (!b)
        return null_value();
    switch (b->kind) {
    case BIND_TIME:
        return (hb_value){ .kind = HB_V_TIME, .v.i = row->time };
    case BIND_TAG: {
        hb_slice s = row->tagvals[b->col];
        if (!s.p)
            return null_value();
        return (hb_value){ .kind = HB_V_STR, .v.s = { s.p, s.n } };
    }
    case BIND_FIELD: {
        hb_pq_coldef c = { NULL, HB_PQ_FIELD, b->type };
        return cast(sel_cell(row->blk, &c, (size_t)b->col, row->r), e->u.ref.type);
    }
    default:
        return null_value();
    }
}

static double as_float(const hb_value *v)
{
    switch (v->kind) {
    case HB_V_FLOAT: return v->v.f;
    case HB_V_INT: return (double)v->v.i;
    case HB_V_UINT: return (double)v->v.u;
    default: return 0;
    }
}

static int is_num(const hb_value *v) { return v->kind == HB_V_FLOAT || v->kind == HB_V_INT || v->kind == HB_V_UINT; }

hb_value sel_arith(hb_iql_tok op, hb_value a, hb_value b)
{
    if (a.kind == HB_V_NULL || b.kind == HB_V_NULL)
        return null_value();
    if (a.kind == HB_V_BOOL && b.kind == HB_V_BOOL) {
        switch (op) {
        case HB_IQL_BITWISE_AND: return (hb_value){ .kind = HB_V_BOOL, .v.b = a.v.b && b.v.b };
        case HB_IQL_BITWISE_OR: return (hb_value){ .kind = HB_V_BOOL, .v.b = a.v.b || b.v.b };
        case HB_IQL_BITWISE_XOR: return (hb_value){ .kind = HB_V_BOOL, .v.b = a.v.b != b.v.b };
        default: return null_value();
        }
    }
    if (!is_num(&a) || !is_num(&b))
        return null_value();
    if (a.kind == HB_V_INT && b.kind == HB_V_INT) {
        uint64_t x = (uint64_t)a.v.i, y = (uint64_t)b.v.i;
        switch (op) {
        case HB_IQL_ADD: return (hb_value){ .kind = HB_V_INT, .v.i = (int64_t)(x + y) };
        case HB_IQL_SUB: return (hb_value){ .kind = HB_V_INT, .v.i = (int64_t)(x - y) };
        case HB_IQL_MUL: return (hb_value){ .kind = HB_V_INT, .v.i = (int64_t)(x * y) };
        case HB_IQL_DIV:
            return (hb_value){ .kind = HB_V_FLOAT, .v.f = b.v.i == 0 ? 0 : (double)a.v.i / (double)b.v.i };
        case HB_IQL_MOD:
            if (b.v.i == 0 || (b.v.i == -1))
                return (hb_value){ .kind = HB_V_INT, .v.i = 0 };
            return (hb_value){ .kind = HB_V_INT, .v.i = a.v.i % b.v.i };
        case HB_IQL_BITWISE_AND: return (hb_value){ .kind = HB_V_INT, .v.i = a.v.i & b.v.i };
        case HB_IQL_BITWISE_OR: return (hb_value){ .kind = HB_V_INT, .v.i = a.v.i | b.v.i };
        case HB_IQL_BITWISE_XOR: return (hb_value){ .kind = HB_V_INT, .v.i = a.v.i ^ b.v.i };
        default: return null_value();
        }
    }
    if (a.kind == HB_V_UINT && b.kind == HB_V_UINT) {
        uint64_t x = a.v.u, y = b.v.u;
        switch (op) {
        case HB_IQL_ADD: return (hb_value){ .kind = HB_V_UINT, .v.u = x + y };
        case HB_IQL_SUB: return (hb_value){ .kind = HB_V_UINT, .v.u = x - y };
        case HB_IQL_MUL: return (hb_value){ .kind = HB_V_UINT, .v.u = x * y };
        case HB_IQL_DIV: return (hb_value){ .kind = HB_V_FLOAT, .v.f = y == 0 ? 0 : (double)x / (double)y };
        case HB_IQL_MOD: return (hb_value){ .kind = HB_V_UINT, .v.u = y == 0 ? 0 : x % y };
        default: return null_value();
        }
    }
    double x = as_float(&a), y = as_float(&b);
    switch (op) {
    case HB_IQL_ADD: return (hb_value){ .kind = HB_V_FLOAT, .v.f = x + y };
    case HB_IQL_SUB: return (hb_value){ .kind = HB_V_FLOAT, .v.f = x - y };
    case HB_IQL_MUL: return (hb_value){ .kind = HB_V_FLOAT, .v.f = x * y };
    case HB_IQL_DIV: return (hb_value){ .kind = HB_V_FLOAT, .v.f = y == 0 ? 0 : x / y };
    case HB_IQL_MOD:
        if (y == 0)
            return null_value();
        return (hb_value){ .kind = HB_V_FLOAT, .v.f = fmod(x, y) };
    default: return null_value();
    }
}

static hb_value literal(const hb_iql_expr *e)
{
    switch (e->kind) {
    case HB_IQL_EXPR_INTEGER: return (hb_value){ .kind = HB_V_INT, .v.i = e->u.i };
    case HB_IQL_EXPR_UNSIGNED: return (hb_value){ .kind = HB_V_UINT, .v.u = e->u.u };
    case HB_IQL_EXPR_NUMBER: return (hb_value){ .kind = HB_V_FLOAT, .v.f = e->u.f };
    case HB_IQL_EXPR_BOOLEAN: return (hb_value){ .kind = HB_V_BOOL, .v.b = e->u.b };
    case HB_IQL_EXPR_STRING: return (hb_value){ .kind = HB_V_STR, .v.s = { e->u.str.p, e->u.str.n } };
    case HB_IQL_EXPR_DURATION:
    case HB_IQL_EXPR_TIME: return (hb_value){ .kind = HB_V_INT, .v.i = e->u.i };
    default: return null_value();
    }
}

int sel_math_fn(const char *name, size_t *min_args, size_t *max_args)
{
    static const struct { const char *n; size_t lo, hi; } t[] = {
        { "abs", 1, 1 }, { "sin", 1, 1 }, { "cos", 1, 1 }, { "tan", 1, 1 }, { "asin", 1, 1 }, { "acos", 1, 1 },
        { "atan", 1, 1 }, { "atan2", 2, 2 }, { "exp", 1, 1 }, { "ln", 1, 1 }, { "log", 2, 2 }, { "log2", 1, 1 },
        { "log10", 1, 1 }, { "sqrt", 1, 1 }, { "pow", 2, 2 }, { "floor", 1, 1 }, { "ceil", 1, 1 },
        { "round", 1, 1 },
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(name, t[i].n)) {
            *min_args = t[i].lo;
            *max_args = t[i].hi;
            return 1;
        }
    return 0;
}

int sel_known_fn(const char *name)
{
    static const char *const known[] = {
        "count", "distinct", "integral", "mean", "median", "mode", "spread", "stddev", "sum", "bottom", "first",
        "last", "max", "min", "percentile", "sample", "top", "cumulative_sum", "derivative", "difference",
        "elapsed", "moving_average", "non_negative_derivative", "non_negative_difference", "holt_winters",
        "holt_winters_with_fit", "chande_momentum_oscillator", "exponential_moving_average",
        "double_exponential_moving_average", "kaufmans_efficiency_ratio", "kaufmans_adaptive_moving_average",
        "triple_exponential_moving_average", "triple_exponential_derivative", "relative_strength_index",
    };
    size_t lo, hi;
    if (sel_math_fn(name, &lo, &hi))
        return 1;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (!strcmp(name, known[i]))
            return 1;
    return 0;
}

static hb_value fval(double f)
{
    if (isnan(f) || isinf(f))
        return null_value();
    return (hb_value){ .kind = HB_V_FLOAT, .v.f = f };
}

/* Go's math.Round: half away from zero */
static double go_round(double x) { return round(x); }

static hb_value math_call(const sel_row *row, const hb_iql_expr *e)
{
    if (!e->u.call.nargs)
        return null_value();   /* now() outside a time condition, a call without arguments */
    hb_value args[2] = { sel_eval(row, e->u.call.args[0]), { .kind = HB_V_NULL } };
    if (e->u.call.nargs == 2)
        args[1] = sel_eval(row, e->u.call.args[1]);
    return sel_math_apply(e->u.call.name.p, args, e->u.call.nargs);
}

hb_value sel_math_apply(const char *n, const hb_value *args, size_t nargs)
{
    hb_value a = args[0];
    if (!is_num(&a))
        return null_value();
    if (!strcmp(n, "abs")) {
        if (a.kind == HB_V_INT)
            return (hb_value){ .kind = HB_V_INT, .v.i = a.v.i < 0 ? (int64_t)(0 - (uint64_t)a.v.i) : a.v.i };
        if (a.kind == HB_V_UINT)
            return a;
        return fval(fabs(a.v.f));
    }
    if (!strcmp(n, "floor") || !strcmp(n, "ceil") || !strcmp(n, "round")) {
        if (a.kind != HB_V_FLOAT)
            return a;
        double f = !strcmp(n, "floor") ? floor(a.v.f) : !strcmp(n, "ceil") ? ceil(a.v.f) : go_round(a.v.f);
        return fval(f);
    }
    double x = as_float(&a);
    if (nargs == 2) {
        hb_value b = args[1];
        if (!is_num(&b))
            return null_value();
        double y = as_float(&b);
        if (!strcmp(n, "pow"))
            return fval(pow(x, y));
        if (!strcmp(n, "log"))
            return fval(log(x) / log(y));
        if (!strcmp(n, "atan2"))
            return fval(atan2(x, y));
        return null_value();
    }
    if (!strcmp(n, "sin")) return fval(sin(x));
    if (!strcmp(n, "cos")) return fval(cos(x));
    if (!strcmp(n, "tan")) return fval(tan(x));
    if (!strcmp(n, "asin")) return fval(asin(x));
    if (!strcmp(n, "acos")) return fval(acos(x));
    if (!strcmp(n, "atan")) return fval(atan(x));
    if (!strcmp(n, "exp")) return fval(exp(x));
    if (!strcmp(n, "ln")) return fval(log(x));
    if (!strcmp(n, "log2")) return fval(log2(x));
    if (!strcmp(n, "log10")) return fval(log10(x));
    if (!strcmp(n, "sqrt")) return fval(sqrt(x));
    return null_value();
}

hb_value sel_eval(const sel_row *row, const hb_iql_expr *e)
{
    switch (e->kind) {
    case HB_IQL_EXPR_CALL:
        return math_call(row, e);
    case HB_IQL_EXPR_VARREF:
        return ref_value(row, e);
    case HB_IQL_EXPR_PAREN:
        return sel_eval(row, e->u.paren);
    case HB_IQL_EXPR_BINARY:
        return sel_arith(e->u.bin.op, sel_eval(row, e->u.bin.lhs), sel_eval(row, e->u.bin.rhs));
    default:
        return literal(e);
    }
}

/* ---- conditions ---- */

int sel_compare(const hb_value *a, const hb_value *b, int *ok)
{
    *ok = 1;
    if (is_num(a) && is_num(b)) {
        if (a->kind == HB_V_INT && b->kind == HB_V_INT)
            return (a->v.i > b->v.i) - (a->v.i < b->v.i);
        if (a->kind == HB_V_UINT && b->kind == HB_V_UINT)
            return (a->v.u > b->v.u) - (a->v.u < b->v.u);
        double x = as_float(a), y = as_float(b);
        return (x > y) - (x < y);
    }
    if (a->kind == HB_V_TIME && (b->kind == HB_V_TIME || b->kind == HB_V_INT))
        return (a->v.i > b->v.i) - (a->v.i < b->v.i);
    if (a->kind == HB_V_STR && b->kind == HB_V_STR) {
        size_t n = a->v.s.n < b->v.s.n ? a->v.s.n : b->v.s.n;
        int c = n ? memcmp(a->v.s.p, b->v.s.p, n) : 0;
        return c ? (c > 0) - (c < 0) : (a->v.s.n > b->v.s.n) - (a->v.s.n < b->v.s.n);
    }
    if (a->kind == HB_V_BOOL && b->kind == HB_V_BOOL)
        return a->v.b - b->v.b;
    *ok = 0;
    return 0;
}

const hb_iql_expr *sel_unparen(const hb_iql_expr *e)
{
    while (e->kind == HB_IQL_EXPR_PAREN)
        e = e->u.paren;
    return e;
}

/* Tags compare as strings and an absent tag is ""; fields that are null
 * fail every comparison. */
static int call_over_expr(const hb_iql_expr *e)
{
    switch (e->kind) {
    case HB_IQL_EXPR_CALL:
        for (size_t i = 0; i < e->u.call.nargs; i++) {
            hb_iql_expr_kind k = sel_unparen(e->u.call.args[i])->kind;
            if (k == HB_IQL_EXPR_BINARY || k == HB_IQL_EXPR_CALL)
                return 1;
        }
        return 0;
    case HB_IQL_EXPR_BINARY: return call_over_expr(e->u.bin.lhs) || call_over_expr(e->u.bin.rhs);
    case HB_IQL_EXPR_PAREN: return call_over_expr(e->u.paren);
    default: return 0;
    }
}

int sel_cond(const sel_row *row, const hb_iql_expr *e)
{
    e = sel_unparen(e);
    if (e->kind == HB_IQL_EXPR_BOOLEAN)
        return e->u.b;
    if (e->kind != HB_IQL_EXPR_BINARY)
        return 0;
    hb_iql_tok op = e->u.bin.op;
    if (op == HB_IQL_AND)
        return sel_cond(row, e->u.bin.lhs) && sel_cond(row, e->u.bin.rhs);
    if (op == HB_IQL_OR)
        return sel_cond(row, e->u.bin.lhs) || sel_cond(row, e->u.bin.rhs);
    const hb_iql_expr *l = sel_unparen(e->u.bin.lhs), *r = sel_unparen(e->u.bin.rhs);
    if (op == HB_IQL_EQREGEX || op == HB_IQL_NEQREGEX) {
        const hb_iql_expr *re = r->kind == HB_IQL_EXPR_REGEX ? r : l->kind == HB_IQL_EXPR_REGEX ? l : NULL;
        const hb_iql_expr *other = re == r ? l : r;
        if (!re)
            return 0;
        hb_value v = sel_eval(row, other);
        const sel_bind *b = other->kind == HB_IQL_EXPR_VARREF
                                ? hb_u64map_get((hb_u64map *)&row->p->binds, (uint64_t)(uintptr_t)other)
                                : NULL;
        if (v.kind == HB_V_NULL && b && b->kind == BIND_TAG)
            v = (hb_value){ .kind = HB_V_STR, .v.s = { "", 0 } };
        if (v.kind != HB_V_STR)
            return 0;
        int m = sel_regex_match(re, v.v.s.p, v.v.s.n);
        return op == HB_IQL_EQREGEX ? m : !m;
    }
    /* influxd's condition evaluator reads function calls whose arguments
     * are names or literals only (`abs(usage) > 3`); a call over an
     * expression (`abs(usage - 50) < 3`) is null there: no row holds */
    if (call_over_expr(l) || call_over_expr(r))
        return 0;
    hb_value a = sel_eval(row, l), b = sel_eval(row, r);
    /* an absent tag (or a name that is neither field nor tag) reads as "" */
    const sel_bind *bl = l->kind == HB_IQL_EXPR_VARREF
                             ? hb_u64map_get((hb_u64map *)&row->p->binds, (uint64_t)(uintptr_t)l)
                             : NULL;
    const sel_bind *br = r->kind == HB_IQL_EXPR_VARREF
                             ? hb_u64map_get((hb_u64map *)&row->p->binds, (uint64_t)(uintptr_t)r)
                             : NULL;
    /* a name that is no field of the measurement is a tag, maybe absent */
    int ltag = bl && (bl->kind == BIND_TAG || (bl->kind == BIND_NONE && r->kind == HB_IQL_EXPR_STRING));
    int rtag = br && (br->kind == BIND_TAG || (br->kind == BIND_NONE && l->kind == HB_IQL_EXPR_STRING));
    /* influxd filters series on tag comparisons with a string literal
     * only: tag against tag, or against a number, matches nothing */
    if ((ltag && r->kind != HB_IQL_EXPR_STRING) || (rtag && l->kind != HB_IQL_EXPR_STRING))
        return 0;
    if (a.kind == HB_V_NULL && ltag)
        a = (hb_value){ .kind = HB_V_STR, .v.s = { "", 0 } };
    if (b.kind == HB_V_NULL && rtag)
        b = (hb_value){ .kind = HB_V_STR, .v.s = { "", 0 } };
    if (a.kind == HB_V_NULL || b.kind == HB_V_NULL)
        return 0;
    int ok, c = sel_compare(&a, &b, &ok);
    if (!ok)
        return op == HB_IQL_NEQ;
    /* strings and booleans only compare for (in)equality */
    if ((a.kind == HB_V_STR || a.kind == HB_V_BOOL) && op != HB_IQL_EQ && op != HB_IQL_NEQ)
        return 0;
    switch (op) {
    case HB_IQL_EQ: return c == 0;
    case HB_IQL_NEQ: return c != 0;
    case HB_IQL_LT: return c < 0;
    case HB_IQL_LTE: return c <= 0;
    case HB_IQL_GT: return c > 0;
    case HB_IQL_GTE: return c >= 0;
    default: return 0;
    }
}
