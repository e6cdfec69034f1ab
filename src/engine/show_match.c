/* Evaluation of the SHOW statements' conditions, the way InfluxDB 1.6's
 * index does it (tsdb/index.go, tsdb/index/inmem, influxql's EvalBool).
 * Three evaluations exist there and here:
 *
 *   - measurement level (SHOW MEASUREMENTS, and the `_name` part of the
 *     others): `tag = 'v'` keeps measurements that have the key and the
 *     value, `tag != 'v'` those that have the key but not the value, regexes
 *     likewise with "some value matches"; measurements without the key never
 *     match. AND/OR intersect/unite, other operators are errors.
 *   - series level (SERIES, TAG KEYS/VALUES filters, cardinalities): a tag
 *     the series lacks compares as ""; `_name` is the measurement; a
 *     comparison whose variable is a field, or whose value is not a string,
 *     a regex or a tag, keeps every series (InfluxDB leaves it to a query
 *     engine these statements do not run).
 *   - EvalBool over one series' tags plus `_tagKey` (what SHOW TAG VALUES
 *     CARDINALITY counts): a missing tag is nil, every comparison with nil
 *     is false.
 */
#include "engine/show_internal.h"

#include "domain/influxql/regex.h"

#include <stdlib.h>
#include <string.h>

static int str_is(hb_iql_str s, const char *lit) { return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0; }

static int is_cmp_op(hb_iql_tok op)
{
    return op == HB_IQL_EQ || op == HB_IQL_NEQ || op == HB_IQL_EQREGEX || op == HB_IQL_NEQREGEX;
}

/* ---- regexes ------------------------------------------------------------------- */

struct sh_regex {
    const hb_iql_expr *node;
    pcre2_code *code;
    pcre2_match_data *md;
    sh_regex *next;
};

static sh_regex *regex_get(sh_ctx *x, const hb_iql_expr *re)
{
    for (sh_regex *r = x->rx; r; r = r->next)
        if (r->node == re)
            return r;
    sh_regex *r = calloc(1, sizeof *r);
    if (!r) {
        sh_nomem(x);
        return NULL;
    }
    char msg[256];
    if (!(r->code = hb_iql_regex_compile(re->u.regex.p, re->u.regex.n, msg, sizeof msg))) {
        hb_err_set(x->err, HB_EINVAL, "error parsing regexp: %s: `%.*s`", msg, (int)re->u.regex.n, re->u.regex.p);
        free(r);
        return NULL;
    }
    if (!(r->md = pcre2_match_data_create_from_pattern(r->code, NULL))) {
        pcre2_code_free(r->code);
        free(r);
        sh_nomem(x);
        return NULL;
    }
    r->node = re;
    r->next = x->rx;
    x->rx = r;
    return r;
}

int sh_regex_match(sh_ctx *x, const hb_iql_expr *re, const char *s, size_t n)
{
    sh_regex *r = regex_get(x, re);
    if (!r)
        return x->err->code ? x->err->code : HB_ENOMEM;
    int m = pcre2_match(r->code, (PCRE2_SPTR)(s ? s : ""), n, 0, 0, r->md, NULL);
    return m >= 0;
}

void sh_regex_free_all(sh_ctx *x)
{
    while (x->rx) {
        sh_regex *r = x->rx;
        x->rx = r->next;
        pcre2_match_data_free(r->md);
        pcre2_code_free(r->code);
        free(r);
    }
}

/* ---- measurement level ------------------------------------------------------ */

typedef struct any_ctx {
    sh_ctx *x;
    const hb_iql_expr *re;
    int hit, rc;
} any_ctx;

static int any_value_matches(void *ctx, const char *val, size_t len)
{
    any_ctx *a = ctx;
    int m = sh_regex_match(a->x, a->re, val, len);
    if (m < 0) {
        a->rc = m;
        return 1;
    }
    a->hit = m;
    return m;
}

/* measurementNamesByTagFilter */
static int meas_by_tag(sh_ctx *x, sh_db *db, hb_iql_tok op, hb_iql_str key, const hb_iql_expr *rhs, uint8_t *set)
{
    int want = op == HB_IQL_EQ || op == HB_IQL_EQREGEX;
    char *k = sh_strdup(x, key.p, key.n);
    if (!k)
        return HB_ENOMEM;
    if (rhs->kind == HB_IQL_EXPR_REGEX && !regex_get(x, rhs))
        return x->err->code ? x->err->code : HB_ENOMEM;
    for (size_t i = 0; i < db->nmeas; i++) {
        sh_meas *m = &db->meas[i];
        int rc = sh_meas_load_keys(x, m);
        if (rc)
            return rc;
        if (sh_meas_key_index(m, key.p, key.n) < 0)
            continue;
        int match;
        if (rhs->kind == HB_IQL_EXPR_STRING) {
            match = hb_catalog_tag_value_exists(x->cat, db->name, m->name, k, rhs->u.str.p, rhs->u.str.n) == 1;
        } else {
            any_ctx a = { x, rhs, 0, 0 };
            rc = hb_catalog_foreach_tag_value(x->cat, db->name, m->name, k, any_value_matches, &a, x->err);
            if (a.rc)
                return a.rc;
            if (rc < 0)
                return rc;
            match = a.hit;
        }
        if (match == want)
            set[i] = 1;
    }
    return HB_OK;
}

static int mbe(sh_ctx *x, sh_db *db, const hb_iql_expr *e, uint8_t *set)
{
    switch (e->kind) {
    case HB_IQL_EXPR_PAREN:
        return mbe(x, db, e->u.paren, set);
    case HB_IQL_EXPR_BINARY:
        break;
    default:
        return sh_err_gosyntax(x, e);
    }
    hb_iql_tok op = e->u.bin.op;
    const hb_iql_expr *l = e->u.bin.lhs, *r = e->u.bin.rhs;
    if (op == HB_IQL_AND || op == HB_IQL_OR) {
        uint8_t *rs = hb_arena_calloc(&x->a, db->nmeas + 1);
        if (!rs)
            return sh_nomem(x);
        int rc = mbe(x, db, l, set);
        if (rc || (rc = mbe(x, db, r, rs)))
            return rc;
        for (size_t i = 0; i < db->nmeas; i++)
            set[i] = op == HB_IQL_OR ? (set[i] | rs[i]) : (set[i] & rs[i]);
        return HB_OK;
    }
    if (!is_cmp_op(op))
        return hb_err_set(x->err, HB_EINVAL, "invalid tag comparison operator");
    const char *ops = hb_iql_tok_name(op);
    if (l->kind != HB_IQL_EXPR_VARREF)
        return hb_err_set(x->err, HB_EINVAL, "left side of '%s' must be a tag key", ops);
    int regex = op == HB_IQL_EQREGEX || op == HB_IQL_NEQREGEX;
    if (regex && r->kind != HB_IQL_EXPR_REGEX)
        return hb_err_set(x->err, HB_EINVAL, "right side of '%s' must be a regular expression", ops);
    if (!regex && r->kind != HB_IQL_EXPR_STRING)
        return hb_err_set(x->err, HB_EINVAL, "right side of '%s' must be a tag value string", ops);
    hb_iql_str key = l->u.ref.name;
    if (str_is(key, "_name")) {
        for (size_t i = 0; i < db->nmeas; i++) {
            const sh_meas *m = &db->meas[i];
            int match;
            if (regex) {
                match = sh_regex_match(x, r, m->name, m->nlen);
                if (match < 0)
                    return match;
            } else {
                match = m->nlen == r->u.str.n && memcmp(m->name, r->u.str.p, m->nlen) == 0;
            }
            if (match == (op == HB_IQL_EQ || op == HB_IQL_EQREGEX))
                set[i] = 1;
        }
        return HB_OK;
    }
    if (sh_is_system_name(key.p, key.n))
        return HB_OK;
    return meas_by_tag(x, db, op, key, r, set);
}

int sh_meas_by_expr(sh_ctx *x, sh_db *db, const hb_iql_expr *expr, uint8_t *set)
{
    memset(set, expr ? 0 : 1, db->nmeas);
    return expr ? mbe(x, db, expr, set) : HB_OK;
}

/* ---- series level ------------------------------------------------------------ */

/* A variable InfluxDB treats as a field (then the comparison keeps every series). */
static int field_like(sh_ctx *x, sh_meas *m, const hb_iql_expr *ref, hb_iql_dtype keytype)
{
    if (str_is(ref->u.ref.name, "_name"))
        return 0;
    hb_iql_dtype t = ref->u.ref.type;
    if (keytype == HB_IQL_DT_ANYFIELD || (t != HB_IQL_DT_TAG && t != HB_IQL_DT_UNKNOWN))
        return 1;
    return t == HB_IQL_DT_UNKNOWN ? sh_meas_has_field(x, m, ref->u.ref.name.p, ref->u.ref.name.n) : 0;
}

static int tag_value(sh_ctx *x, sh_series *s, hb_iql_str key, hb_slice *v)
{
    int rc = sh_series_tag(x, s, key.p, key.n, v);
    if (rc <= 0)
        *v = (hb_slice){ "", 0 };
    return rc;
}

static int binary_match(sh_ctx *x, sh_meas *m, sh_series *s, const hb_iql_expr *e)
{
    hb_iql_tok op = e->u.bin.op;
    const hb_iql_expr *key = e->u.bin.lhs, *val = e->u.bin.rhs;
    if (key->kind == HB_IQL_EXPR_BINARY || val->kind == HB_IQL_EXPR_BINARY)
        return 1;
    if (key->kind != HB_IQL_EXPR_VARREF) {
        if (val->kind != HB_IQL_EXPR_VARREF)
            return 1;
        const hb_iql_expr *t = key;
        key = val;
        val = t;
    }
    int rc = field_like(x, m, key, HB_IQL_DT_UNKNOWN);
    if (rc)
        return rc < 0 ? rc : 1;
    if (val->kind == HB_IQL_EXPR_VARREF && (rc = field_like(x, m, val, key->u.ref.type)))
        return rc < 0 ? rc : 1;
    int is_name = str_is(key->u.ref.name, "_name");
    hb_slice v = { "", 0 };
    switch (val->kind) {
    case HB_IQL_EXPR_STRING: {
        if (is_name) {
            int eq = m->nlen == val->u.str.n && memcmp(m->name, val->u.str.p, m->nlen) == 0;
            return (op == HB_IQL_EQ && eq) || (op == HB_IQL_NEQ && !eq);
        }
        if ((rc = tag_value(x, s, key->u.ref.name, &v)) < 0)
            return rc;
        int eq = v.n == val->u.str.n && (v.n == 0 || memcmp(v.p, val->u.str.p, v.n) == 0);
        return op == HB_IQL_EQ ? eq : !eq;
    }
    case HB_IQL_EXPR_REGEX: {
        if (is_name) {
            int mt = sh_regex_match(x, val, m->name, m->nlen);
            if (mt < 0)
                return mt;
            return (op == HB_IQL_EQREGEX && mt) || (op == HB_IQL_NEQREGEX && !mt);
        }
        if ((rc = tag_value(x, s, key->u.ref.name, &v)) < 0)
            return rc;
        int mt = sh_regex_match(x, val, v.p, v.n);
        if (mt < 0)
            return mt;
        return op == HB_IQL_EQREGEX ? mt : !mt;
    }
    case HB_IQL_EXPR_VARREF: {
        int a = tag_value(x, s, key->u.ref.name, &v);
        if (a < 0)
            return a;
        int b = tag_value(x, s, val->u.ref.name, &v);
        if (b < 0)
            return b;
        return op == HB_IQL_EQ ? a && b : a && !b;
    }
    default:
        return 1;
    }
}

int sh_series_match(sh_ctx *x, sh_meas *m, sh_series *s, const hb_iql_expr *e)
{
    if (!e)
        return 1;
    switch (e->kind) {
    case HB_IQL_EXPR_PAREN:
        return sh_series_match(x, m, s, e->u.paren);
    case HB_IQL_EXPR_BOOLEAN:
        return e->u.b;
    case HB_IQL_EXPR_BINARY:
        break;
    default:
        return 0;
    }
    hb_iql_tok op = e->u.bin.op;
    if (op == HB_IQL_AND || op == HB_IQL_OR) {
        int l = sh_series_match(x, m, s, e->u.bin.lhs);
        if (l < 0 || (op == HB_IQL_AND && !l) || (op == HB_IQL_OR && l))
            return l;
        return sh_series_match(x, m, s, e->u.bin.rhs);
    }
    return binary_match(x, m, s, e);
}

int sh_meas_prefilter(sh_ctx *x, const sh_meas *m, const hb_iql_expr *e)
{
    if (!e)
        return SH_ALL;
    switch (e->kind) {
    case HB_IQL_EXPR_PAREN:
        return sh_meas_prefilter(x, m, e->u.paren);
    case HB_IQL_EXPR_BOOLEAN:
        return e->u.b ? SH_ALL : SH_NO;
    case HB_IQL_EXPR_BINARY:
        break;
    default:
        return SH_MAYBE;
    }
    hb_iql_tok op = e->u.bin.op;
    if (op == HB_IQL_AND || op == HB_IQL_OR) {
        int a = sh_meas_prefilter(x, m, e->u.bin.lhs), b = sh_meas_prefilter(x, m, e->u.bin.rhs);
        if (a < 0 || b < 0)
            return a < 0 ? a : b;
        if (op == HB_IQL_AND)
            return a == SH_NO || b == SH_NO ? SH_NO : a == SH_ALL && b == SH_ALL ? SH_ALL : SH_MAYBE;
        return a == SH_ALL || b == SH_ALL ? SH_ALL : a == SH_NO && b == SH_NO ? SH_NO : SH_MAYBE;
    }
    const hb_iql_expr *l = e->u.bin.lhs, *r = e->u.bin.rhs;
    if (l->kind != HB_IQL_EXPR_VARREF || !str_is(l->u.ref.name, "_name") ||
        (r->kind != HB_IQL_EXPR_STRING && r->kind != HB_IQL_EXPR_REGEX))
        return SH_MAYBE;
    int mt = binary_match(x, (sh_meas *)m, NULL, e);
    return mt < 0 ? mt : mt ? SH_ALL : SH_NO;
}

/* ---- tag keys wanted (_tagKey) ------------------------------------------------ */

int sh_tagkeys_by_expr(sh_ctx *x, sh_meas *m, const hb_iql_expr *e, uint8_t *set, int *nil)
{
    int rc = sh_meas_load_keys(x, m);
    if (rc)
        return rc;
    *nil = 0;
    if (!e) {
        memset(set, 1, m->nkeys);
        return HB_OK;
    }
    memset(set, 0, m->nkeys);
    switch (e->kind) {
    case HB_IQL_EXPR_PAREN:
        return sh_tagkeys_by_expr(x, m, e->u.paren, set, nil);
    case HB_IQL_EXPR_BINARY:
        break;
    default:
        return sh_err_gosyntax(x, e);
    }
    hb_iql_tok op = e->u.bin.op;
    const hb_iql_expr *l = e->u.bin.lhs, *r = e->u.bin.rhs;
    if (op == HB_IQL_AND || op == HB_IQL_OR) {
        uint8_t *rs = hb_arena_calloc(&x->a, m->nkeys + 1);
        int lnil, rnil;
        if (!rs)
            return sh_nomem(x);
        if ((rc = sh_tagkeys_by_expr(x, m, l, set, &lnil)) || (rc = sh_tagkeys_by_expr(x, m, r, rs, &rnil)))
            return rc;
        if (lnil && rnil) {
            *nil = 1;
        } else if (lnil) {
            memcpy(set, rs, m->nkeys);
        } else if (!rnil) {
            for (size_t i = 0; i < m->nkeys; i++)
                set[i] = op == HB_IQL_OR ? (set[i] | rs[i]) : (set[i] & rs[i]);
        }
        return HB_OK;
    }
    if (!is_cmp_op(op))
        return hb_err_set(x->err, HB_EINVAL, "invalid operator");
    const char *ops = hb_iql_tok_name(op);
    if (l->kind != HB_IQL_EXPR_VARREF)
        return hb_err_set(x->err, HB_EINVAL, "left side of '%s' must be a tag key", ops);
    if (!str_is(l->u.ref.name, "_tagKey")) {
        *nil = 1;
        return HB_OK;
    }
    int regex = op == HB_IQL_EQREGEX || op == HB_IQL_NEQREGEX;
    if (regex && r->kind != HB_IQL_EXPR_REGEX)
        return hb_err_set(x->err, HB_EINVAL, "right side of '%s' must be a regular expression", ops);
    if (!regex && r->kind != HB_IQL_EXPR_STRING)
        return hb_err_set(x->err, HB_EINVAL, "right side of '%s' must be a tag value string", ops);
    for (size_t i = 0; i < m->nkeys; i++) {
        const char *k = m->keys[i];
        size_t kl = strlen(k);
        int mt;
        if (regex) {
            if ((mt = sh_regex_match(x, r, k, kl)) < 0)
                return mt;
        } else {
            mt = kl == r->u.str.n && memcmp(k, r->u.str.p, kl) == 0;
        }
        set[i] = (op == HB_IQL_EQ || op == HB_IQL_EQREGEX) ? mt : !mt;
    }
    return HB_OK;
}

/* ---- EvalBool --------------------------------------------------------------- */

enum { V_NIL, V_BOOL, V_STR, V_REGEX, V_OTHER };

typedef struct val {
    int kind;
    int b;
    hb_slice s;
    const hb_iql_expr *re;
} val;

static int eval(sh_ctx *x, sh_series *s, const hb_slice *tagkey, const hb_iql_expr *e, val *out)
{
    memset(out, 0, sizeof *out);
    int rc;
    switch (e->kind) {
    case HB_IQL_EXPR_VARREF:
        if (str_is(e->u.ref.name, "_tagKey")) {
            out->kind = V_STR;
            out->s = *tagkey;
            return HB_OK;
        }
        if ((rc = sh_series_tag(x, s, e->u.ref.name.p, e->u.ref.name.n, &out->s)) < 0)
            return rc;
        out->kind = rc ? V_STR : V_NIL;
        return HB_OK;
    case HB_IQL_EXPR_STRING:
        out->kind = V_STR;
        out->s = (hb_slice){ e->u.str.p, e->u.str.n };
        return HB_OK;
    case HB_IQL_EXPR_REGEX:
        out->kind = V_REGEX;
        out->re = e;
        return HB_OK;
    case HB_IQL_EXPR_BOOLEAN:
        out->kind = V_BOOL;
        out->b = e->u.b;
        return HB_OK;
    case HB_IQL_EXPR_PAREN:
        return eval(x, s, tagkey, e->u.paren, out);
    case HB_IQL_EXPR_BINARY:
        break;
    default:
        out->kind = V_OTHER;
        return HB_OK;
    }
    hb_iql_tok op = e->u.bin.op;
    val l, r;
    if ((rc = eval(x, s, tagkey, e->u.bin.lhs, &l)) || (rc = eval(x, s, tagkey, e->u.bin.rhs, &r)))
        return rc;
    if (l.kind == V_NIL && r.kind == V_BOOL)
        l.kind = V_BOOL, l.b = 0;
    else if (r.kind == V_NIL && l.kind == V_BOOL)
        r.kind = V_BOOL, r.b = 0;
    if (l.kind == V_BOOL) {
        int ok = r.kind == V_BOOL;
        switch (op) {
        case HB_IQL_AND: *out = (val){ V_BOOL, ok && l.b && r.b, { NULL, 0 }, NULL }; return HB_OK;
        case HB_IQL_OR: *out = (val){ V_BOOL, ok && (l.b || r.b), { NULL, 0 }, NULL }; return HB_OK;
        case HB_IQL_EQ: *out = (val){ V_BOOL, ok && l.b == r.b, { NULL, 0 }, NULL }; return HB_OK;
        case HB_IQL_NEQ: *out = (val){ V_BOOL, ok && l.b != r.b, { NULL, 0 }, NULL }; return HB_OK;
        default: break;
        }
    } else if (l.kind == V_STR) {
        int b = -1;
        if (op == HB_IQL_EQ || op == HB_IQL_NEQ) {
            int eq = r.kind == V_STR && l.s.n == r.s.n && (l.s.n == 0 || memcmp(l.s.p, r.s.p, l.s.n) == 0);
            b = r.kind == V_STR && (op == HB_IQL_EQ ? eq : !eq);
        } else if (op == HB_IQL_EQREGEX || op == HB_IQL_NEQREGEX) {
            if (r.kind != V_REGEX) {
                b = 0;
            } else {
                int mt = sh_regex_match(x, r.re, l.s.p, l.s.n);
                if (mt < 0)
                    return mt;
                b = op == HB_IQL_EQREGEX ? mt : !mt;
            }
        }
        if (b >= 0) {
            *out = (val){ V_BOOL, b, { NULL, 0 }, NULL };
            return HB_OK;
        }
    }
    /* not comparable: the comparison operators say false, the rest nil */
    if (is_cmp_op(op) || op == HB_IQL_LT || op == HB_IQL_LTE || op == HB_IQL_GT || op == HB_IQL_GTE)
        *out = (val){ V_BOOL, 0, { NULL, 0 }, NULL };
    return HB_OK;
}

int sh_eval_tags(sh_ctx *x, sh_series *s, const hb_slice *tagkey, const hb_iql_expr *expr)
{
    if (!expr)
        return 1;
    val v;
    int rc = eval(x, s, tagkey, expr, &v);
    if (rc)
        return rc;
    return v.kind == V_BOOL && v.b;
}
