/* Conditions of the SHOW statements: InfluxDB 1.6's rewrites of them
 * (influxql's ConditionExpr, Reduce and RewriteExpr, the query rewriter's
 * source conditions), building new nodes in the scratch arena: the AST is
 * never modified. Their evaluation is in show_match.c. */
#include "engine/show_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "domain/influxql/format.h"
#include "engine/timeexpr.h"

/* ---- nodes --------------------------------------------------------------- */

static hb_iql_expr *node(sh_ctx *x, hb_iql_expr_kind k)
{
    hb_iql_expr *e = hb_arena_calloc(&x->a, sizeof *e);
    if (e) {
        e->kind = k;
        e->depth = 1;
    }
    return e;
}

hb_iql_expr *sh_binary(sh_ctx *x, hb_iql_tok op, hb_iql_expr *lhs, hb_iql_expr *rhs)
{
    hb_iql_expr *e = lhs && rhs ? node(x, HB_IQL_EXPR_BINARY) : NULL;
    if (e) {
        e->u.bin.op = op;
        e->u.bin.lhs = lhs;
        e->u.bin.rhs = rhs;
        e->depth = 1 + (lhs->depth > rhs->depth ? lhs->depth : rhs->depth);
    }
    return e;
}

hb_iql_expr *sh_paren(sh_ctx *x, hb_iql_expr *in)
{
    hb_iql_expr *e = in ? node(x, HB_IQL_EXPR_PAREN) : NULL;
    if (e) {
        e->u.paren = in;
        e->depth = in->depth + 1;
    }
    return e;
}

hb_iql_expr *sh_ref(sh_ctx *x, const char *name)
{
    hb_iql_expr *e = node(x, HB_IQL_EXPR_VARREF);
    if (e) {
        e->u.ref.name.p = name;
        e->u.ref.name.n = strlen(name);
    }
    return e;
}

hb_iql_expr *sh_string(sh_ctx *x, const char *s, size_t n)
{
    hb_iql_expr *e = node(x, HB_IQL_EXPR_STRING);
    if (e) {
        e->u.str.p = s;
        e->u.str.n = n;
    }
    return e;
}

static hb_iql_expr *boolean(sh_ctx *x, int v)
{
    hb_iql_expr *e = node(x, HB_IQL_EXPR_BOOLEAN);
    if (e)
        e->u.b = v != 0;
    return e;
}

/* ---- small predicates ------------------------------------------------------ */

static int str_is(hb_iql_str s, const char *lit) { return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0; }

int sh_is_system_name(const char *s, size_t n)
{
    static const char *const names[] = { "_fieldKeys", "_measurements", "_name", "_series",
                                         "_tagKey",    "_tagKeys",      "_tags" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strlen(names[i]) == n && memcmp(names[i], s, n) == 0)
            return 1;
    return 0;
}

static int is_time_ref(const hb_iql_expr *e)
{
    return e && e->kind == HB_IQL_EXPR_VARREF && e->u.ref.name.n == 4 && strncasecmp(e->u.ref.name.p, "time", 4) == 0;
}

static int is_cmp_op(hb_iql_tok op)
{
    return op == HB_IQL_EQ || op == HB_IQL_NEQ || op == HB_IQL_EQREGEX || op == HB_IQL_NEQREGEX;
}

static int is_bool(const hb_iql_expr *e, int v) { return e && e->kind == HB_IQL_EXPR_BOOLEAN && e->u.b == (v != 0); }

int sh_has_time(const hb_iql_expr *e)
{
    if (!e)
        return 0;
    if (e->kind == HB_IQL_EXPR_PAREN)
        return sh_has_time(e->u.paren);
    if (e->kind != HB_IQL_EXPR_BINARY)
        return 0;
    if (e->u.bin.op == HB_IQL_AND || e->u.bin.op == HB_IQL_OR)
        return sh_has_time(e->u.bin.lhs) || sh_has_time(e->u.bin.rhs);
    return is_time_ref(e->u.bin.lhs);
}

/* ---- errors ---------------------------------------------------------------- */

static int formatted(sh_ctx *x, const char *prefix, const hb_iql_expr *e)
{
    hb_buf b;
    hb_buf_init(&b, 4096);
    hb_buf_puts(&b, prefix);
    hb_iql_format_expr(&b, e);
    int rc = hb_err_set(x->err, HB_EINVAL, "%s", hb_buf_cstr(&b));
    hb_buf_free(&b);
    return rc;
}

int sh_err_invalid_condition(sh_ctx *x, const hb_iql_expr *e)
{
    return formatted(x, "invalid condition expression: ", e);
}

/* Go's %#v of a Go string (strconv.Quote for the usual characters). */
static void go_quote(hb_buf *b, hb_iql_str s)
{
    hb_buf_putc(b, '"');
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c == '"' || c == '\\') {
            hb_buf_putc(b, '\\');
            hb_buf_putc(b, (char)c);
        } else if (c == '\n') {
            hb_buf_puts(b, "\\n");
        } else if (c == '\t') {
            hb_buf_puts(b, "\\t");
        } else if (c == '\r') {
            hb_buf_puts(b, "\\r");
        } else if (c < 0x20 || c == 0x7f) {
            hb_buf_printf(b, "\\x%02x", c);
        } else {
            hb_buf_putc(b, (char)c);
        }
    }
    hb_buf_putc(b, '"');
}

int sh_err_gosyntax(sh_ctx *x, const hb_iql_expr *e)
{
    hb_buf b;
    hb_buf_init(&b, 4096);
    char num[64];
    switch (e->kind) {
    case HB_IQL_EXPR_BOOLEAN:
        hb_buf_printf(&b, "&influxql.BooleanLiteral{Val:%s}", e->u.b ? "true" : "false");
        break;
    case HB_IQL_EXPR_VARREF:
        hb_buf_puts(&b, "&influxql.VarRef{Val:");
        go_quote(&b, e->u.ref.name);
        hb_buf_printf(&b, ", Type:%d}", (int)e->u.ref.type);
        break;
    case HB_IQL_EXPR_STRING:
        hb_buf_puts(&b, "&influxql.StringLiteral{Val:");
        go_quote(&b, e->u.str);
        hb_buf_puts(&b, "}");
        break;
    case HB_IQL_EXPR_INTEGER:
        hb_buf_printf(&b, "&influxql.IntegerLiteral{Val:%lld}", (long long)e->u.i);
        break;
    case HB_IQL_EXPR_NUMBER:
        hb_iql_format_float_v(e->u.f, num, sizeof num);
        hb_buf_printf(&b, "&influxql.NumberLiteral{Val:%s}", num);
        break;
    default:
        hb_buf_free(&b);
        return sh_err_invalid_condition(x, e);
    }
    int rc = hb_err_set(x->err, HB_EINVAL, "%s", hb_buf_cstr(&b));
    hb_buf_free(&b);
    return rc;
}

/* Go type name of a node in "time and *influxql.X are not compatible". */
static const char *go_type(const hb_iql_expr *e)
{
    switch (e->kind) {
    case HB_IQL_EXPR_VARREF: return "VarRef";
    case HB_IQL_EXPR_CALL: return "Call";
    case HB_IQL_EXPR_BINARY: return "BinaryExpr";
    case HB_IQL_EXPR_PAREN: return "ParenExpr";
    case HB_IQL_EXPR_DISTINCT: return "Distinct";
    case HB_IQL_EXPR_WILDCARD: return "Wildcard";
    case HB_IQL_EXPR_REGEX: return "RegexLiteral";
    case HB_IQL_EXPR_STRING: return "StringLiteral";
    case HB_IQL_EXPR_INTEGER: return "IntegerLiteral";
    case HB_IQL_EXPR_UNSIGNED: return "UnsignedLiteral";
    case HB_IQL_EXPR_NUMBER: return "NumberLiteral";
    case HB_IQL_EXPR_BOOLEAN: return "BooleanLiteral";
    case HB_IQL_EXPR_DURATION: return "DurationLiteral";
    case HB_IQL_EXPR_LIST: return "ListLiteral";
    case HB_IQL_EXPR_TIME: return "TimeLiteral";
    default: return "NilLiteral";
    }
}

/* ---- sources ------------------------------------------------------------- */

int sh_sources_cond(sh_ctx *x, const hb_iql_source *src, size_t n, hb_iql_expr *cond, hb_iql_expr **out)
{
    hb_iql_expr *scond = NULL;
    for (size_t i = 0; i < n; i++) {
        const hb_iql_measurement *m = &src[i].m;
        hb_iql_expr *e;
        if (src[i].kind != HB_IQL_SRC_MEASUREMENT)
            continue;
        if (m->regex)
            e = sh_binary(x, HB_IQL_EQREGEX, sh_ref(x, "_name"), m->regex);
        else if (m->name.n)
            e = sh_binary(x, HB_IQL_EQ, sh_ref(x, "_name"), sh_string(x, m->name.p, m->name.n));
        else
            continue;
        if (!e || (scond && !(e = sh_binary(x, HB_IQL_OR, scond, e))))
            return sh_nomem(x);
        scond = e;
    }
    if (cond && scond) {
        if (!(*out = sh_binary(x, HB_IQL_AND, sh_paren(x, scond), sh_paren(x, cond))))
            return sh_nomem(x);
    } else {
        *out = cond ? cond : scond;
    }
    return HB_OK;
}

int sh_with_key_cond(sh_ctx *x, const hb_iql_show *sh, hb_iql_expr **out)
{
    const hb_iql_expr *k = sh->tag_key_expr;
    hb_iql_expr *e = NULL;
    if (k && k->kind == HB_IQL_EXPR_LIST) {
        for (size_t i = 0; i < k->u.list.n; i++) {
            hb_iql_expr *t =
                sh_binary(x, HB_IQL_EQ, sh_ref(x, "_tagKey"), sh_string(x, k->u.list.vals[i].p, k->u.list.vals[i].n));
            if (!t || (e && !(t = sh_binary(x, HB_IQL_OR, e, t))))
                return sh_nomem(x);
            e = t;
        }
    } else if (k && !(e = sh_binary(x, sh->tag_key_op, sh_ref(x, "_tagKey"), (hb_iql_expr *)k))) {
        return sh_nomem(x);
    }
    *out = e;
    return HB_OK;
}

/* ---- reduce (the constant folding influxql applies to conditions) -------- */

static hb_iql_expr *reduce(sh_ctx *x, hb_iql_expr *e);

static hb_iql_expr *reduce_binary(sh_ctx *x, hb_iql_expr *e)
{
    hb_iql_tok op = e->u.bin.op;
    hb_iql_expr *l = reduce(x, e->u.bin.lhs), *r = reduce(x, e->u.bin.rhs);
    if (!l || !r)
        return NULL;
    if (op == HB_IQL_AND) {
        if (is_bool(l, 0) || is_bool(r, 0))
            return boolean(x, 0);
        if (is_bool(l, 1))
            return r;
        if (is_bool(r, 1))
            return l;
    } else if (op == HB_IQL_OR) {
        if (is_bool(l, 1) || is_bool(r, 1))
            return boolean(x, 1);
        if (is_bool(l, 0))
            return r;
        if (is_bool(r, 0))
            return l;
    }
    if (l->kind == HB_IQL_EXPR_BOOLEAN && r->kind == HB_IQL_EXPR_BOOLEAN) {
        switch (op) {
        case HB_IQL_EQ: return boolean(x, l->u.b == r->u.b);
        case HB_IQL_NEQ: return boolean(x, l->u.b != r->u.b);
        default: break;
        }
    }
    if (l->kind == HB_IQL_EXPR_STRING && r->kind == HB_IQL_EXPR_STRING) {
        int eq = l->u.str.n == r->u.str.n && memcmp(l->u.str.p, r->u.str.p, l->u.str.n) == 0;
        if (op == HB_IQL_EQ || op == HB_IQL_NEQ)
            return boolean(x, op == HB_IQL_EQ ? eq : !eq);
        if (op == HB_IQL_ADD) {
            char *s = hb_arena_alloc(&x->a, l->u.str.n + r->u.str.n + 1);
            if (!s)
                return NULL;
            memcpy(s, l->u.str.p, l->u.str.n);
            memcpy(s + l->u.str.n, r->u.str.p, r->u.str.n);
            s[l->u.str.n + r->u.str.n] = '\0';
            return sh_string(x, s, l->u.str.n + r->u.str.n);
        }
    }
    if (l->kind == HB_IQL_EXPR_INTEGER && r->kind == HB_IQL_EXPR_INTEGER) {
        int64_t a = l->u.i, b = r->u.i;
        switch (op) {
        case HB_IQL_EQ: return boolean(x, a == b);
        case HB_IQL_NEQ: return boolean(x, a != b);
        case HB_IQL_LT: return boolean(x, a < b);
        case HB_IQL_LTE: return boolean(x, a <= b);
        case HB_IQL_GT: return boolean(x, a > b);
        case HB_IQL_GTE: return boolean(x, a >= b);
        default: break;
        }
    }
    if (l == e->u.bin.lhs && r == e->u.bin.rhs)
        return e;
    return sh_binary(x, op, l, r);
}

static hb_iql_expr *reduce(sh_ctx *x, hb_iql_expr *e)
{
    if (!e)
        return NULL;
    if (e->kind == HB_IQL_EXPR_BINARY)
        return reduce_binary(x, e);
    if (e->kind == HB_IQL_EXPR_PAREN) {
        hb_iql_expr *in = reduce(x, e->u.paren);
        if (!in || in->kind != HB_IQL_EXPR_BINARY)
            return in;
        return in == e->u.paren ? e : sh_paren(x, in);
    }
    return e;
}

/* ---- ConditionExpr -------------------------------------------------------- */

typedef struct trange {
    int64_t min, max;
    int has_min, has_max;
} trange;

static int is_date_like(hb_iql_str s)
{
    if (s.n < 10)
        return 0;
    for (int i = 0; i < 10; i++) {
        int digit = s.p[i] >= '0' && s.p[i] <= '9';
        if ((i == 4 || i == 7) ? s.p[i] != '-' : !digit)
            return 0;
    }
    return 1;
}

/* The time an expression stands for (now(), literals, +/- durations). */
static int time_value(sh_ctx *x, const hb_iql_expr *e, int64_t *out)
{
    switch (e->kind) {
    case HB_IQL_EXPR_INTEGER:
    case HB_IQL_EXPR_DURATION:
    case HB_IQL_EXPR_TIME:
        *out = e->u.i;
        return HB_OK;
    case HB_IQL_EXPR_NUMBER:
        *out = (int64_t)e->u.f;
        return HB_OK;
    case HB_IQL_EXPR_PAREN:
        return time_value(x, e->u.paren, out);
    case HB_IQL_EXPR_STRING:
        if (!is_date_like(e->u.str))
            break;
        if (hb_time_parse(e->u.str.p, e->u.str.n, out))
            return hb_err_set(x->err, HB_EINVAL, "invalid timestamp string");
        return HB_OK;
    case HB_IQL_EXPR_CALL:
        if (str_is(e->u.call.name, "now") && e->u.call.nargs == 0) {
            *out = x->now;
            return HB_OK;
        }
        break;
    case HB_IQL_EXPR_BINARY:
        if (e->u.bin.op == HB_IQL_ADD || e->u.bin.op == HB_IQL_SUB) {
            int64_t a, b;
            hb_err save = *x->err;
            if (time_value(x, e->u.bin.lhs, &a) == HB_OK && time_value(x, e->u.bin.rhs, &b) == HB_OK) {
                *out = e->u.bin.op == HB_IQL_ADD ? a + b : a - b;
                return HB_OK;
            }
            *x->err = save;
        }
        break;
    default:
        break;
    }
    return hb_err_set(x->err, HB_EINVAL, "invalid operation: time and *influxql.%s are not compatible", go_type(e));
}

static int time_range(sh_ctx *x, hb_iql_tok op, const hb_iql_expr *v, trange *tr)
{
    int64_t t;
    int rc = time_value(x, v, &t);
    if (rc)
        return rc;
    trange r = { 0, 0, 0, 0 };
    switch (op) {
    case HB_IQL_GT: r.min = t + 1, r.has_min = 1; break;
    case HB_IQL_GTE: r.min = t, r.has_min = 1; break;
    case HB_IQL_LT: r.max = t - 1, r.has_max = 1; break;
    case HB_IQL_LTE: r.max = t, r.has_max = 1; break;
    case HB_IQL_EQ: r.min = r.max = t, r.has_min = r.has_max = 1; break;
    default: return hb_err_set(x->err, HB_EINVAL, "invalid time comparison operator: %s", hb_iql_tok_name(op));
    }
    if (r.has_min && (!tr->has_min || r.min > tr->min))
        tr->min = r.min, tr->has_min = 1;
    if (r.has_max && (!tr->has_max || r.max < tr->max))
        tr->max = r.max, tr->has_max = 1;
    return HB_OK;
}

static hb_iql_tok swap_op(hb_iql_tok op)
{
    switch (op) {
    case HB_IQL_GT: return HB_IQL_LT;
    case HB_IQL_LT: return HB_IQL_GT;
    case HB_IQL_GTE: return HB_IQL_LTE;
    case HB_IQL_LTE: return HB_IQL_GTE;
    default: return op;
    }
}

static int cond_rec(sh_ctx *x, hb_iql_expr *e, hb_iql_expr **out, trange *tr)
{
    *out = NULL;
    if (!e)
        return HB_OK;
    int rc;
    switch (e->kind) {
    case HB_IQL_EXPR_BINARY: {
        hb_iql_tok op = e->u.bin.op;
        if (op == HB_IQL_AND || op == HB_IQL_OR) {
            hb_iql_expr *l, *r;
            if ((rc = cond_rec(x, e->u.bin.lhs, &l, tr)) || (rc = cond_rec(x, e->u.bin.rhs, &r, tr)))
                return rc;
            if (!r || !l) {
                *out = r ? r : l;
                return HB_OK;
            }
            *out = reduce(x, l == e->u.bin.lhs && r == e->u.bin.rhs ? e : sh_binary(x, op, l, r));
            return *out ? HB_OK : sh_nomem(x);
        }
        if (is_time_ref(e->u.bin.lhs))
            return time_range(x, op, e->u.bin.rhs, tr);
        if (is_time_ref(e->u.bin.rhs))
            return time_range(x, swap_op(op), e->u.bin.lhs, tr);
        *out = reduce(x, e);
        return *out ? HB_OK : sh_nomem(x);
    }
    case HB_IQL_EXPR_PAREN: {
        hb_iql_expr *in;
        if ((rc = cond_rec(x, e->u.paren, &in, tr)) || !in)
            return rc;
        *out = reduce(x, in == e->u.paren ? e : sh_paren(x, in));
        return *out ? HB_OK : sh_nomem(x);
    }
    case HB_IQL_EXPR_BOOLEAN:
        *out = e;
        return HB_OK;
    default:
        return sh_err_invalid_condition(x, e);
    }
}

int sh_condition_expr(sh_ctx *x, const hb_iql_expr *cond, hb_iql_expr **out, int64_t *tmin, int64_t *tmax)
{
    trange tr = { 0, 0, 0, 0 };
    hb_iql_expr *e;
    int rc = cond_rec(x, (hb_iql_expr *)cond, &e, &tr);
    if (rc)
        return rc;
    if (e && e->kind == HB_IQL_EXPR_PAREN)
        e = e->u.paren;
    if (is_bool(e, 1))
        e = NULL;
    *out = e;
    *tmin = tr.has_min ? tr.min : INT64_MIN;
    *tmax = tr.has_max ? tr.max : INT64_MAX;
    return HB_OK;
}

/* ---- RewriteExpr ------------------------------------------------------------ */

static hb_iql_expr *strip_fn(const hb_iql_expr *e, int mode)
{
    if (e->kind != HB_IQL_EXPR_BINARY || !is_cmp_op(e->u.bin.op))
        return (hb_iql_expr *)e;
    const hb_iql_expr *l = e->u.bin.lhs;
    int ref = l->kind == HB_IQL_EXPR_VARREF;
    if (mode == SH_KEEP_NAME)
        return ref && str_is(l->u.ref.name, "_name") ? (hb_iql_expr *)e : NULL;
    if (mode == SH_DROP_SYSTEM_BUT_NAME)
        return ref && !str_is(l->u.ref.name, "_name") && sh_is_system_name(l->u.ref.name.p, l->u.ref.name.n)
                   ? NULL
                   : (hb_iql_expr *)e;
    if (!ref)
        return NULL;
    return sh_is_system_name(l->u.ref.name.p, l->u.ref.name.n) ? NULL : (hb_iql_expr *)e;
}

static hb_iql_expr *strip_rec(sh_ctx *x, const hb_iql_expr *e, int mode, int *oom)
{
    hb_iql_expr *res = (hb_iql_expr *)e;
    if (e->kind == HB_IQL_EXPR_BINARY) {
        hb_iql_expr *l = strip_rec(x, e->u.bin.lhs, mode, oom), *r = strip_rec(x, e->u.bin.rhs, mode, oom);
        if (!l && !r)
            return NULL;
        if (!r)
            res = l;
        else if (!l)
            res = r;
        else if (l != e->u.bin.lhs || r != e->u.bin.rhs)
            res = sh_binary(x, e->u.bin.op, l, r);
    } else if (e->kind == HB_IQL_EXPR_PAREN) {
        hb_iql_expr *in = strip_rec(x, e->u.paren, mode, oom);
        if (!in)
            return NULL;
        if (in != e->u.paren)
            res = sh_paren(x, in);
    }
    if (!res) {
        *oom = 1;
        return NULL;
    }
    return strip_fn(res, mode);
}

hb_iql_expr *sh_strip(sh_ctx *x, const hb_iql_expr *e, int mode)
{
    int oom = 0;
    hb_iql_expr *r = e ? strip_rec(x, e, mode, &oom) : NULL;
    if (oom) {
        sh_nomem(x);
        return NULL;
    }
    return r;
}

