/* InfluxQL parser: expressions (binary operators by precedence, unary
 * expressions, calls, variable references, regexes). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

#include "domain/influxql/duration.h"
#include "domain/influxql/format.h"
#include "domain/influxql/parser_internal.h"
#include "domain/influxql/regex.h"

hb_iql_expr *p_new_expr(P *p, hb_iql_expr_kind kind)
{
    hb_iql_expr *e = p_alloc(p, sizeof *e);
    if (e) {
        e->kind = kind;
        e->depth = 1;
    }
    return e;
}

int p_check_depth(P *p, hb_iql_expr *e, hb_iql_pos pos)
{
    if (e->depth > HB_IQL_MAX_EXPR_DEPTH)
        return hb_err_set(p->err, HB_ELIMIT,
                          "expression nests too deeply (more than %d levels) at line %d, char %d",
                          HB_IQL_MAX_EXPR_DEPTH, pos.line + 1, pos.col + 1);
    return 0;
}

static uint32_t max_u32(uint32_t a, uint32_t b)
{
    return a > b ? a : b;
}

static void bin_depth(hb_iql_expr *e)
{
    e->depth = 1 + max_u32(e->u.bin.lhs->depth, e->u.bin.rhs->depth);
}

static int unary(P *p, hb_iql_expr **out);

/* ---- identifiers and references --------------------------------------- */

int p_segmented_idents(P *p, p_vec *out)
{
    hb_iql_str *slot;
    hb_iql_str id;
    int rc = p_ident(p, &id);
    if (rc)
        return rc;
    if (!(slot = p_vec_push(p, out, sizeof *slot)))
        return p_nomem(p);
    *slot = id;
    for (;;) {
        hb_iql_token t = p_scan(p);
        if (t.tok != HB_IQL_DOT) {
            p_unscan(p);
            break;
        }
        int32_t ch = p_peek_rune(p);
        if (ch == '/' || ch == ':')
            break;
        if (ch == '.') {
            if (!(slot = p_vec_push(p, out, sizeof *slot)))
                return p_nomem(p);
            slot->p = "";
            slot->n = 0;
            continue;
        }
        if ((rc = p_ident(p, &id)))
            return rc;
        if (!(slot = p_vec_push(p, out, sizeof *slot)))
            return p_nomem(p);
        *slot = id;
    }
    if (out->n > 3) {
        hb_buf b;
        hb_buf_init(&b, 0);
        hb_iql_fmt_ident_segments(&b, out->items, out->n);
        hb_iql_pos zero = {0, 0};
        rc = p_msg_at(p, zero, "too many segments in %s", hb_buf_cstr(&b));
        hb_buf_free(&b);
        return rc;
    }
    return 0;
}

static int varref(P *p, hb_iql_expr **out)
{
    hb_iql_str local[4];
    p_vec segs = {local, 0, 4}; /* grows into the arena only for > 4 */
    int rc = p_segmented_idents(p, &segs);
    if (rc)
        return rc;
    hb_iql_dtype dt = HB_IQL_DT_UNKNOWN;
    hb_iql_token t = p_scan(p);
    if (t.tok == HB_IQL_DOUBLECOLON) {
        t = p_scan(p);
        if (t.tok == HB_IQL_IDENT) {
            static const struct {
                const char *s;
                hb_iql_dtype t;
            } types[] = {{"float", HB_IQL_DT_FLOAT},   {"integer", HB_IQL_DT_INTEGER},
                         {"unsigned", HB_IQL_DT_UNSIGNED}, {"string", HB_IQL_DT_STRING},
                         {"boolean", HB_IQL_DT_BOOLEAN}};
            for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
                if (t.lit.n == strlen(types[i].s) && strncasecmp(t.lit.p, types[i].s, t.lit.n) == 0)
                    dt = types[i].t;
            }
            if (dt == HB_IQL_DT_UNKNOWN)
                return p_expected(p, &t, "float, integer, unsigned, string, boolean, field, tag");
        } else if (t.tok == HB_IQL_FIELD) {
            dt = HB_IQL_DT_ANYFIELD;
        } else if (t.tok == HB_IQL_TAG) {
            dt = HB_IQL_DT_TAG;
        } else {
            return p_expected(p, &t, "float, integer, string, boolean, field, tag");
        }
    } else {
        p_unscan(p);
    }
    hb_iql_str *s = segs.items;
    hb_iql_expr *e = p_new_expr(p, HB_IQL_EXPR_VARREF);
    if (!e)
        return p_nomem(p);
    e->u.ref.type = dt;
    if (segs.n == 1) { /* the usual case: the token's copy is the name */
        e->u.ref.name = s[0];
        *out = e;
        return 0;
    }
    size_t len = 0;
    for (size_t i = 0; i < segs.n; i++)
        len += s[i].n + (i ? 1 : 0);
    char *name = p_alloc(p, len + 1);
    if (!name)
        return p_nomem(p);
    size_t off = 0;
    for (size_t i = 0; i < segs.n; i++) {
        if (i)
            name[off++] = '.';
        memcpy(name + off, s[i].p, s[i].n);
        off += s[i].n;
    }
    name[off] = '\0';
    e->u.ref.name.p = name;
    e->u.ref.name.n = len;
    *out = e;
    return 0;
}

/* ---- regex ------------------------------------------------------------- */

static int regex_node(P *p, const hb_iql_token *t, hb_iql_expr **out)
{
    char msg[sizeof p->err->msg];
    if (hb_iql_regex_check(t->lit.p, t->lit.n, msg, sizeof msg))
        return p_msg_at(p, t->pos, "%s", msg);
    hb_iql_expr *e = p_new_expr(p, HB_IQL_EXPR_REGEX);
    if (!e)
        return p_nomem(p);
    e->u.regex = t->lit;
    *out = e;
    return 0;
}

int p_regex(P *p, hb_iql_expr **out)
{
    *out = NULL;
    int32_t next = p_peek_rune(p);
    if (hb_iql_is_ws(next))
        p_consume_ws(p);
    next = p_peek_rune(p);
    if (next == '$') {
        hb_iql_token t = p_scan(p);
        p_unscan(p);
        if (t.tok != HB_IQL_REGEX)
            return 0;
    } else if (next != '/') {
        return 0;
    }
    hb_iql_token t = p_scan_regex(p);
    if (t.tok == HB_IQL_BADESCAPE)
        return p_msg_at(p, t.pos, "bad escape: %s", t.lit.p);
    if (t.tok == HB_IQL_BADREGEX)
        return p_msg_at(p, t.pos, "bad regex: %s", t.lit.p);
    if (t.tok != HB_IQL_REGEX)
        return p_expected(p, &t, "regex");
    return regex_node(p, &t, out);
}

/* ---- calls ------------------------------------------------------------- */

static int push_arg(P *p, p_vec *args, hb_iql_expr *e)
{
    hb_iql_expr **slot = p_vec_push(p, args, sizeof *slot);
    if (!slot)
        return p_nomem(p);
    *slot = e;
    return 0;
}

static int call(P *p, const char *name, size_t n, hb_iql_pos pos, hb_iql_expr **out)
{
    int rc = p_enter(p, pos);
    if (rc)
        return rc;
    hb_iql_expr *e = p_new_expr(p, HB_IQL_EXPR_CALL);
    char *lname = p_alloc(p, n + 1);
    if (!e || !lname) {
        rc = p_nomem(p);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        lname[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    e->u.call.name.p = lname;
    e->u.call.name.n = n;

    p_vec args = {0};
    hb_iql_expr *arg = NULL;
    if ((rc = p_regex(p, &arg)))
        goto out;
    if (arg) {
        if ((rc = push_arg(p, &args, arg)))
            goto out;
    } else {
        hb_iql_token t = p_scan(p);
        if (t.tok == HB_IQL_RPAREN) {
            *out = e;
            goto out;
        }
        p_unscan(p);
        if ((rc = p_expr(p, &arg)) || (rc = push_arg(p, &args, arg)))
            goto out;
    }
    for (;;) {
        hb_iql_token t = p_scan_ign(p);
        if (t.tok != HB_IQL_COMMA) {
            p_unscan(p);
            break;
        }
        if ((rc = p_regex(p, &arg)))
            goto out;
        if (!arg && (rc = p_expr(p, &arg)))
            goto out;
        if ((rc = push_arg(p, &args, arg)))
            goto out;
    }
    hb_iql_token t = p_scan(p);
    if (t.tok != HB_IQL_RPAREN) {
        rc = p_expected(p, &t, ")");
        goto out;
    }
    e->u.call.args = args.items;
    e->u.call.nargs = args.n;
    for (size_t i = 0; i < args.n; i++)
        e->depth = max_u32(e->depth, 1 + e->u.call.args[i]->depth);
    if ((rc = p_check_depth(p, e, pos)))
        goto out;
    *out = e;
out:
    p_leave(p);
    return rc;
}

/* ---- literals ---------------------------------------------------------- */

static int number_lit(P *p, const hb_iql_token *t, hb_iql_expr **out)
{
    errno = 0;
    double v = strtod(t->lit.p, NULL);
    if (isinf(v))
        return p_msg_at(p, t->pos, "unable to parse number");
    hb_iql_expr *e = p_new_expr(p, HB_IQL_EXPR_NUMBER);
    if (!e)
        return p_nomem(p);
    e->u.f = v;
    *out = e;
    return 0;
}

static int integer_lit(P *p, const hb_iql_token *t, hb_iql_expr **out)
{
    int64_t i;
    uint64_t u;
    hb_iql_expr *e;
    if (hb_iql_go_parse_int(t->lit.p, t->lit.n, &i) == 0) {
        if (!(e = p_new_expr(p, HB_IQL_EXPR_INTEGER)))
            return p_nomem(p);
        e->u.i = i;
    } else if (hb_iql_go_parse_uint(t->lit.p, t->lit.n, &u) == 0) {
        if (!(e = p_new_expr(p, HB_IQL_EXPR_UNSIGNED)))
            return p_nomem(p);
        e->u.u = u;
    } else {
        return p_msg_at(p, t->pos, "unable to parse integer");
    }
    *out = e;
    return 0;
}

static int signed_unary(P *p, hb_iql_tok sign, hb_iql_expr **out)
{
    hb_iql_token t0 = p_scan_ign(p);
    switch (t0.tok) {
    case HB_IQL_NUMBER:
    case HB_IQL_INTEGER:
    case HB_IQL_DURATIONVAL:
    case HB_IQL_LPAREN:
    case HB_IQL_IDENT:
        break;
    default:
        return p_expected(p, &t0, "identifier, number, duration, (");
    }
    p_unscan(p);
    int rc = p_enter(p, t0.pos);
    if (rc)
        return rc;
    hb_iql_expr *e = NULL;
    if ((rc = unary(p, &e)))
        goto out;
    int neg = sign == HB_IQL_SUB;
    switch (e->kind) {
    case HB_IQL_EXPR_NUMBER:
        e->u.f *= neg ? -1.0 : 1.0;
        break;
    case HB_IQL_EXPR_INTEGER:
    case HB_IQL_EXPR_DURATION:
        if (neg)
            e->u.i = (int64_t)(0 - (uint64_t)e->u.i);
        break;
    case HB_IQL_EXPR_UNSIGNED:
        if (neg) {
            if (e->u.u == (uint64_t)INT64_MAX + 1) {
                e->kind = HB_IQL_EXPR_INTEGER;
                e->u.i = INT64_MIN;
            } else {
                rc = p_plain(p, "constant -%" PRIu64 " underflows int64", e->u.u);
                goto out;
            }
        }
        break;
    default: {
        /* VarRef, Call, ParenExpr: multiply by +1 / -1 */
        hb_iql_expr *m = p_new_expr(p, HB_IQL_EXPR_BINARY);
        hb_iql_expr *k = p_new_expr(p, HB_IQL_EXPR_INTEGER);
        if (!m || !k) {
            rc = p_nomem(p);
            goto out;
        }
        k->u.i = neg ? -1 : 1;
        m->u.bin.op = HB_IQL_MUL;
        m->u.bin.lhs = k;
        m->u.bin.rhs = e;
        bin_depth(m);
        if ((rc = p_check_depth(p, m, t0.pos)))
            goto out;
        e = m;
        break;
    }
    }
    *out = e;
out:
    p_leave(p);
    return rc;
}

static int unary(P *p, hb_iql_expr **out)
{
    int rc;
    hb_iql_token t = p_scan_ign(p);
    if (t.tok == HB_IQL_LPAREN) {
        if ((rc = p_enter(p, t.pos)))
            return rc;
        hb_iql_expr *inner = NULL;
        if ((rc = p_expr(p, &inner)))
            goto paren_out;
        hb_iql_token r = p_scan_ign(p);
        if (r.tok != HB_IQL_RPAREN) {
            rc = p_expected(p, &r, ")");
            goto paren_out;
        }
        hb_iql_expr *e = p_new_expr(p, HB_IQL_EXPR_PAREN);
        if (!e) {
            rc = p_nomem(p);
            goto paren_out;
        }
        e->u.paren = inner;
        e->depth = inner->depth + 1;
        if ((rc = p_check_depth(p, e, t.pos)))
            goto paren_out;
        *out = e;
    paren_out:
        p_leave(p);
        return rc;
    }
    p_unscan(p);

    t = p_scan_ign(p);
    hb_iql_expr *e;
    switch (t.tok) {
    case HB_IQL_IDENT: {
        hb_iql_token t0 = p_scan(p);
        if (t0.tok == HB_IQL_LPAREN)
            return call(p, t.lit.p, t.lit.n, t.pos, out);
        p_unscan(p);
        p_unscan(p);
        return varref(p, out);
    }
    case HB_IQL_DISTINCT: {
        hb_iql_token t0 = p_scan(p);
        if (t0.tok == HB_IQL_LPAREN)
            return call(p, "distinct", 8, t.pos, out);
        if (t0.tok == HB_IQL_WS) {
            hb_iql_token t1 = p_scan_ign(p);
            if (t1.tok != HB_IQL_IDENT)
                return p_expected(p, &t1, "identifier");
            if (!(e = p_new_expr(p, HB_IQL_EXPR_DISTINCT)))
                return p_nomem(p);
            e->u.distinct = t1.lit;
            *out = e;
            return 0;
        }
        return p_expected(p, &t0, "(, identifier");
    }
    case HB_IQL_STRING:
        if (!(e = p_new_expr(p, HB_IQL_EXPR_STRING)))
            return p_nomem(p);
        e->u.str = t.lit;
        *out = e;
        return 0;
    case HB_IQL_NUMBER:
        return number_lit(p, &t, out);
    case HB_IQL_INTEGER:
        return integer_lit(p, &t, out);
    case HB_IQL_TRUE:
    case HB_IQL_FALSE:
        if (!(e = p_new_expr(p, HB_IQL_EXPR_BOOLEAN)))
            return p_nomem(p);
        e->u.b = t.tok == HB_IQL_TRUE;
        *out = e;
        return 0;
    case HB_IQL_DURATIONVAL: {
        char msg[160];
        int64_t d;
        if (hb_iql_duration_parse(t.lit.p, t.lit.n, &d, msg, sizeof msg))
            return p_plain(p, "%s", msg);
        if (!(e = p_new_expr(p, HB_IQL_EXPR_DURATION)))
            return p_nomem(p);
        e->u.i = d;
        *out = e;
        return 0;
    }
    case HB_IQL_MUL: {
        if (!(e = p_new_expr(p, HB_IQL_EXPR_WILDCARD)))
            return p_nomem(p);
        hb_iql_token t0 = p_scan(p);
        if (t0.tok == HB_IQL_DOUBLECOLON) {
            hb_iql_token t1 = p_scan(p);
            if (t1.tok == HB_IQL_FIELD)
                e->u.wildcard = HB_IQL_DT_ANYFIELD;
            else if (t1.tok == HB_IQL_TAG)
                e->u.wildcard = HB_IQL_DT_TAG;
            else
                return p_expected(p, &t1, "field, tag");
        } else {
            p_unscan(p);
        }
        *out = e;
        return 0;
    }
    case HB_IQL_REGEX:
        return regex_node(p, &t, out);
    case HB_IQL_BOUNDPARAM: {
        const char *k = t.lit.p;
        size_t kn = t.lit.n;
        if (kn > 0 && k[0] == '$') {
            k++;
            kn--;
        }
        if (kn == 0)
            return p_plain(p, "empty bound parameter");
        for (size_t i = p->nparams; i-- > 0;) {
            if (p->params[i].name.n == kn && memcmp(p->params[i].name.p, k, kn) == 0)
                return p_plain(p, "%s", p->params[i].lit.p);
        }
        return p_plain(p, "missing parameter: %s", k);
    }
    case HB_IQL_ADD:
    case HB_IQL_SUB:
        return signed_unary(p, t.tok, out);
    default:
        return p_expected(p, &t, "identifier, string, number, bool");
    }
}

/* ---- binary expressions ------------------------------------------------ */

int p_expr(P *p, hb_iql_expr **out)
{
    hb_iql_expr root = {.kind = HB_IQL_EXPR_BINARY};
    int rc = unary(p, &root.u.bin.rhs);
    if (rc)
        return rc;
    for (;;) {
        hb_iql_token op = p_scan_ign(p);
        if (!hb_iql_tok_is_operator(op.tok)) {
            p_unscan(p);
            *out = root.u.bin.rhs;
            return 0;
        }
        hb_iql_expr *rhs = NULL;
        if (op.tok == HB_IQL_EQREGEX || op.tok == HB_IQL_NEQREGEX) {
            if ((rc = p_regex(p, &rhs)))
                return rc;
            if (!rhs) {
                hb_iql_token t = p_scan_ign(p);
                return p_expected(p, &t, "regex");
            }
        } else if ((rc = unary(p, &rhs))) {
            return rc;
        }
        /* Descend the right spine while the operator there binds looser. */
        hb_iql_expr *path[8];
        int np = 0;
        hb_iql_expr *node = &root;
        for (;;) {
            hb_iql_expr *r = node->u.bin.rhs;
            if (r->kind != HB_IQL_EXPR_BINARY ||
                hb_iql_precedence(r->u.bin.op) >= hb_iql_precedence(op.tok) || np == 8)
                break;
            path[np++] = r;
            node = r;
        }
        hb_iql_expr *b = p_new_expr(p, HB_IQL_EXPR_BINARY);
        if (!b)
            return p_nomem(p);
        b->u.bin.op = op.tok;
        b->u.bin.lhs = node->u.bin.rhs;
        b->u.bin.rhs = rhs;
        bin_depth(b);
        node->u.bin.rhs = b;
        if ((rc = p_check_depth(p, b, op.pos)))
            return rc;
        while (np-- > 0) {
            bin_depth(path[np]);
            if ((rc = p_check_depth(p, path[np], op.pos)))
                return rc;
        }
    }
}
