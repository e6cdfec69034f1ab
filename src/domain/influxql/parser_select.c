/* InfluxQL parser: SELECT and its clauses (fields, INTO, FROM, WHERE,
 * GROUP BY, fill, ORDER BY, LIMIT/OFFSET/SLIMIT/SOFFSET, tz), the SHOW
 * statements built from the same clauses, DELETE and DROP SERIES. */
#include <string.h>
#include <strings.h>

#include "base/tzdb.h"
#include "domain/influxql/parser_internal.h"

/* ---- fields -------------------------------------------------------------- */

/* InfluxDB's validateField walk: the last comparison/logical operator found
 * in pre-order, not descending below a match. */
static void find_bad_op(const hb_iql_expr *e, hb_iql_tok *bad)
{
    if (!e)
        return;
    switch (e->kind) {
    case HB_IQL_EXPR_BINARY:
        switch (e->u.bin.op) {
        case HB_IQL_EQ: case HB_IQL_NEQ: case HB_IQL_EQREGEX: case HB_IQL_NEQREGEX:
        case HB_IQL_LT: case HB_IQL_LTE: case HB_IQL_GT: case HB_IQL_GTE:
        case HB_IQL_AND: case HB_IQL_OR:
            *bad = e->u.bin.op;
            return;
        default:
            break;
        }
        find_bad_op(e->u.bin.lhs, bad);
        find_bad_op(e->u.bin.rhs, bad);
        return;
    case HB_IQL_EXPR_CALL:
        for (size_t i = 0; i < e->u.call.nargs; i++)
            find_bad_op(e->u.call.args[i], bad);
        return;
    case HB_IQL_EXPR_PAREN:
        find_bad_op(e->u.paren, bad);
        return;
    default:
        return;
    }
}

static int alias(P *p, hb_iql_str *out)
{
    hb_iql_token t = p_scan_ign(p);
    if (t.tok != HB_IQL_AS) {
        p_unscan(p);
        return 0;
    }
    return p_ident(p, out);
}

static int field(P *p, hb_iql_field *f)
{
    int rc = p_regex(p, &f->expr);
    if (rc)
        return rc;
    if (!f->expr) {
        hb_iql_token t = p_scan_ign(p);
        p_unscan(p);
        if ((rc = p_expr(p, &f->expr)))
            return rc;
        hb_iql_tok bad = HB_IQL_ILLEGAL;
        find_bad_op(f->expr, &bad);
        if (bad != HB_IQL_ILLEGAL)
            return p_plain(p,
                           "invalid operator %s in SELECT clause at line %d, char %d; operator is "
                           "intended for WHERE clause",
                           hb_iql_tok_name(bad), t.pos.line + 1, t.pos.col + 1);
    }
    if ((rc = alias(p, &f->alias)))
        return rc;
    p_consume_ws(p);
    return 0;
}

static int fields(P *p, hb_iql_select *s)
{
    p_vec v = {0};
    for (;;) {
        hb_iql_field *f = p_vec_push(p, &v, sizeof *f);
        if (!f)
            return p_nomem(p);
        int rc = field(p, f);
        if (rc)
            return rc;
        hb_iql_token t = p_scan(p);
        if (t.tok != HB_IQL_COMMA) {
            p_unscan(p);
            break;
        }
    }
    s->fields = v.items;
    s->nfields = v.n;
    return 0;
}

/* ---- INTO, FROM ---------------------------------------------------------- */

static int target(P *p, p_target tr, hb_iql_measurement **out)
{
    *out = NULL;
    hb_iql_token t = p_scan_ign(p);
    if (t.tok != HB_IQL_INTO) {
        if (tr == P_TARGET_REQUIRED)
            return p_expected(p, &t, "INTO");
        p_unscan(p);
        return 0;
    }
    hb_iql_str local[4];
    p_vec segs = {local, 0, 4};
    int rc = p_segmented_idents(p, &segs);
    if (rc)
        return rc;
    if (segs.n < 3 && p_peek_rune(p) == ':') {
        static const hb_iql_tok colon_meas[] = {HB_IQL_COLON, HB_IQL_MEASUREMENT};
        if ((rc = p_parse_tokens(p, colon_meas, 2)))
            return rc;
        hb_iql_str *slot = p_vec_push(p, &segs, sizeof *slot);
        if (!slot)
            return p_nomem(p);
        slot->p = "";
        slot->n = 0;
    }
    hb_iql_measurement *m = p_alloc(p, sizeof *m);
    if (!m)
        return p_nomem(p);
    hb_iql_str *s = segs.items;
    m->is_target = true;
    m->database.p = m->rp.p = m->name.p = "";
    if (segs.n == 1) {
        m->name = s[0];
    } else if (segs.n == 2) {
        m->rp = s[0];
        m->name = s[1];
    } else {
        m->database = s[0];
        m->rp = s[1];
        m->name = s[2];
    }
    *out = m;
    return 0;
}

int p_source(P *p, bool subqueries, hb_iql_source *out)
{
    static const hb_iql_str empty = {"", 0};
    out->kind = HB_IQL_SRC_MEASUREMENT;
    out->m.database = out->m.rp = out->m.name = empty;
    int rc = p_regex(p, &out->m.regex);
    if (rc || out->m.regex)
        return rc;
    if (subqueries) {
        hb_iql_token t = p_scan_ign(p);
        if (t.tok == HB_IQL_LPAREN) {
            static const hb_iql_tok sel = HB_IQL_SELECT, rparen = HB_IQL_RPAREN;
            if ((rc = p_enter(p, t.pos)))
                return rc;
            out->kind = HB_IQL_SRC_SUBQUERY;
            if (!(rc = p_parse_tokens(p, &sel, 1)) &&
                !(rc = p_select(p, P_TARGET_SUBQUERY, &out->subquery)))
                rc = p_parse_tokens(p, &rparen, 1);
            p_leave(p);
            return rc;
        }
        p_unscan(p);
    }
    hb_iql_str local[4];
    p_vec segs = {local, 0, 4};
    if ((rc = p_segmented_idents(p, &segs)))
        return rc;
    hb_iql_str *s = segs.items;
    if (segs.n == 3) {
        out->m.database = s[0];
        out->m.rp = s[1];
        out->m.name = s[2];
        return 0;
    }
    if ((rc = p_regex(p, &out->m.regex)))
        return rc;
    if (segs.n == 1) {
        if (out->m.regex)
            out->m.rp = s[0];
        else
            out->m.name = s[0];
    } else {
        if (out->m.regex) {
            out->m.database = s[0];
            out->m.rp = s[1];
        } else {
            out->m.rp = s[0];
            out->m.name = s[1];
        }
    }
    return 0;
}

int p_sources(P *p, bool subqueries, hb_iql_source **out, size_t *n)
{
    p_vec v = {0};
    for (;;) {
        hb_iql_source *src = p_vec_push(p, &v, sizeof *src);
        if (!src)
            return p_nomem(p);
        int rc = p_source(p, subqueries, src);
        if (rc)
            return rc;
        hb_iql_token t = p_scan_ign(p);
        if (t.tok != HB_IQL_COMMA) {
            p_unscan(p);
            break;
        }
    }
    *out = v.items;
    *n = v.n;
    return 0;
}

/* ---- WHERE, GROUP BY, fill, ORDER BY, tz ------------------------------ */

int p_condition(P *p, hb_iql_expr **out)
{
    *out = NULL;
    hb_iql_token t = p_scan_ign(p);
    if (t.tok != HB_IQL_WHERE) {
        p_unscan(p);
        return 0;
    }
    return p_expr(p, out);
}

int p_dimensions(P *p, hb_iql_expr ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    hb_iql_token t = p_scan_ign(p);
    if (t.tok != HB_IQL_GROUP) {
        p_unscan(p);
        return 0;
    }
    t = p_scan_ign(p);
    if (t.tok != HB_IQL_BY)
        return p_expected(p, &t, "BY");
    p_vec v = {0};
    for (;;) {
        hb_iql_expr **slot = p_vec_push(p, &v, sizeof *slot);
        if (!slot)
            return p_nomem(p);
        int rc = p_regex(p, slot);
        if (rc)
            return rc;
        if (!*slot) {
            if ((rc = p_expr(p, slot)))
                return rc;
            p_consume_ws(p);
        }
        t = p_scan(p);
        if (t.tok != HB_IQL_COMMA) {
            p_unscan(p);
            break;
        }
    }
    *out = v.items;
    *n = v.n;
    return 0;
}

/* fill(...) and tz(...) are recognised by their identifier. */
static int peek_ident_is(P *p, const char *name)
{
    hb_iql_token t = p_scan_ign(p);
    p_unscan(p);
    return t.tok == HB_IQL_IDENT && t.lit.n == strlen(name) && strncasecmp(t.lit.p, name, t.lit.n) == 0;
}

static int is_ref(const hb_iql_expr *e, const char *name)
{
    return e->kind == HB_IQL_EXPR_VARREF && e->u.ref.type == HB_IQL_DT_UNKNOWN &&
           e->u.ref.name.n == strlen(name) && memcmp(e->u.ref.name.p, name, e->u.ref.name.n) == 0;
}

static int fill(P *p, hb_iql_select *s)
{
    if (!peek_ident_is(p, "fill"))
        return 0;
    hb_iql_expr *e = NULL;
    int rc = p_expr(p, &e);
    if (rc)
        return rc;
    if (e->kind != HB_IQL_EXPR_CALL)
        return p_plain(p, "fill must be a function call");
    if (e->u.call.nargs != 1)
        return p_plain(p, "fill requires an argument, e.g.: 0, null, none, previous, linear");
    const hb_iql_expr *a = e->u.call.args[0];
    if (is_ref(a, "null")) {
        s->fill = HB_IQL_FILL_NULL;
    } else if (is_ref(a, "none")) {
        s->fill = HB_IQL_FILL_NONE;
    } else if (is_ref(a, "previous")) {
        s->fill = HB_IQL_FILL_PREVIOUS;
    } else if (is_ref(a, "linear")) {
        s->fill = HB_IQL_FILL_LINEAR;
    } else if (a->kind == HB_IQL_EXPR_INTEGER) {
        s->fill = HB_IQL_FILL_NUMBER;
        s->fill_is_int = true;
        s->fill_int = a->u.i;
    } else if (a->kind == HB_IQL_EXPR_NUMBER) {
        s->fill = HB_IQL_FILL_NUMBER;
        s->fill_float = a->u.f;
    } else {
        return p_plain(p, "expected number argument in fill()");
    }
    return 0;
}

static int location(P *p, hb_iql_select *s)
{
    if (!peek_ident_is(p, "tz"))
        return 0;
    hb_iql_expr *e = NULL;
    int rc = p_expr(p, &e);
    if (rc)
        return rc;
    if (e->kind != HB_IQL_EXPR_CALL)
        return p_plain(p, "tz must be a function call");
    if (e->u.call.nargs != 1)
        return p_plain(p, "tz requires exactly one argument");
    const hb_iql_expr *a = e->u.call.args[0];
    if (a->kind != HB_IQL_EXPR_STRING)
        return p_plain(p, "expected string argument in tz()");
    /* every failure reads the same, as influxql hides LoadLocation's error */
    hb_err terr;
    int trc = hb_tz_load(a->u.str.p, a->u.str.n, &s->loc, &terr);
    if (trc == HB_ENOMEM)
        return p_nomem(p);
    if (trc)
        return p_plain(p, "unable to find time zone %s", a->u.str.p);
    s->tz = a->u.str;
    s->has_tz = true;
    return 0;
}

static int sort_field(P *p, hb_iql_sort_field *f)
{
    int rc = p_ident(p, &f->name);
    if (rc)
        return rc;
    hb_iql_token t = p_scan_ign(p);
    if (t.tok != HB_IQL_ASC && t.tok != HB_IQL_DESC) {
        p_unscan(p);
        t.tok = HB_IQL_ASC;
    }
    f->ascending = t.tok == HB_IQL_ASC;
    return 0;
}

int p_order_by(P *p, hb_iql_sort_field **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    hb_iql_token t = p_scan_ign(p);
    if (t.tok != HB_IQL_ORDER) {
        p_unscan(p);
        return 0;
    }
    t = p_scan_ign(p);
    if (t.tok != HB_IQL_BY)
        return p_expected(p, &t, "BY");

    p_vec v = {0};
    hb_iql_sort_field *f = p_vec_push(p, &v, sizeof *f);
    if (!f)
        return p_nomem(p);
    int rc;
    t = p_scan_ign(p);
    switch (t.tok) {
    case HB_IQL_ASC:
    case HB_IQL_DESC:
        f->name.p = "";
        f->ascending = t.tok == HB_IQL_ASC;
        break;
    case HB_IQL_IDENT:
        p_unscan(p);
        if ((rc = sort_field(p, f)))
            return rc;
        if (!(t.lit.n == 4 && memcmp(t.lit.p, "time", 4) == 0))
            return p_plain(p, "only ORDER BY time supported at this time");
        break;
    default:
        return p_expected(p, &t, "identifier, ASC, DESC");
    }
    for (;;) {
        t = p_scan_ign(p);
        if (t.tok != HB_IQL_COMMA) {
            p_unscan(p);
            break;
        }
        if (!(f = p_vec_push(p, &v, sizeof *f)))
            return p_nomem(p);
        if ((rc = sort_field(p, f)))
            return rc;
    }
    if (v.n > 1)
        return p_plain(p, "only ORDER BY time supported at this time");
    *out = v.items;
    *n = v.n;
    return 0;
}

static bool has_call(const hb_iql_expr *e)
{
    if (!e)
        return false;
    switch (e->kind) {
    case HB_IQL_EXPR_CALL:
        return true;
    case HB_IQL_EXPR_BINARY:
        return has_call(e->u.bin.lhs) || has_call(e->u.bin.rhs);
    case HB_IQL_EXPR_PAREN:
        return has_call(e->u.paren);
    default:
        return false;
    }
}

bool hb_iql_fields_have_call(const hb_iql_field *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (has_call(f[i].expr))
            return true;
    return false;
}

int p_select(P *p, p_target tr, hb_iql_select **out)
{
    hb_iql_select *s = p_alloc(p, sizeof *s);
    if (!s)
        return p_nomem(p);
    *out = s;
    s->tz.p = "";
    int rc;
    if ((rc = fields(p, s)) || (rc = target(p, tr, &s->target)))
        return rc;
    hb_iql_token t = p_scan_ign(p);
    if (t.tok != HB_IQL_FROM)
        return p_expected(p, &t, "FROM");
    if ((rc = p_sources(p, true, &s->sources, &s->nsources)) ||
        (rc = p_condition(p, &s->condition)) ||
        (rc = p_dimensions(p, &s->dimensions, &s->ndimensions)) || (rc = fill(p, s)) ||
        (rc = p_order_by(p, &s->sort, &s->nsort)) || (rc = p_optional_int(p, HB_IQL_LIMIT, &s->limit)) ||
        (rc = p_optional_int(p, HB_IQL_OFFSET, &s->offset)) ||
        (rc = p_optional_int(p, HB_IQL_SLIMIT, &s->slimit)) ||
        (rc = p_optional_int(p, HB_IQL_SOFFSET, &s->soffset)) || (rc = location(p, s)))
        return rc;
    s->is_raw = !hb_iql_fields_have_call(s->fields, s->nfields);
    return 0;
}

/* ---- SHOW ... with clauses --------------------------------------------- */

static int on_clause(P *p, hb_iql_show *sh)
{
    hb_iql_token t = p_scan_ign(p);
    if (t.tok == HB_IQL_ON)
        return p_ident(p, &sh->database);
    p_unscan(p);
    return 0;
}

static int from_clause(P *p, hb_iql_show *sh)
{
    hb_iql_token t = p_scan_ign(p);
    if (t.tok == HB_IQL_FROM)
        return p_sources(p, false, &sh->sources, &sh->nsources);
    p_unscan(p);
    return 0;
}

static int tag_key_expr(P *p, hb_iql_show *sh)
{
    static const hb_iql_tok with_key[] = {HB_IQL_WITH, HB_IQL_KEY};
    int rc = p_parse_tokens(p, with_key, 2);
    if (rc)
        return rc;
    hb_iql_token t = p_scan_ign(p);
    hb_iql_expr *e;
    if (t.tok == HB_IQL_IN) {
        t = p_scan_ign(p);
        if (t.tok != HB_IQL_LPAREN)
            return p_expected(p, &t, "(");
        p_vec keys = {0};
        if ((rc = p_ident_list(p, &keys)))
            return rc;
        t = p_scan_ign(p);
        if (t.tok != HB_IQL_RPAREN)
            return p_expected(p, &t, ")");
        if (!(e = p_new_expr(p, HB_IQL_EXPR_LIST)))
            return p_nomem(p);
        e->u.list.vals = keys.items;
        e->u.list.n = keys.n;
        sh->tag_key_op = HB_IQL_IN;
    } else if (t.tok == HB_IQL_EQ || t.tok == HB_IQL_NEQ) {
        hb_iql_str id;
        if ((rc = p_ident(p, &id)))
            return rc;
        if (!(e = p_new_expr(p, HB_IQL_EXPR_STRING)))
            return p_nomem(p);
        e->u.str = id;
        sh->tag_key_op = t.tok;
    } else if (t.tok == HB_IQL_EQREGEX || t.tok == HB_IQL_NEQREGEX) {
        hb_iql_tok op = t.tok;
        if ((rc = p_regex(p, &e)))
            return rc;
        if (!e) {
            t = p_scan_ign(p);
            return p_expected(p, &t, "regex");
        }
        sh->tag_key_op = op;
    } else {
        return p_expected(p, &t, "IN, =, =~");
    }
    sh->tag_key_expr = e;
    return 0;
}

/* [EXACT] CARDINALITY for SHOW TAG KEY / FIELD KEY (KEY already read). */
static int key_cardinality(P *p, hb_iql_show *sh)
{
    hb_iql_token t = p_scan_ign(p);
    const char *expected = "EXACT, CARDINALITY";
    if (t.tok == HB_IQL_EXACT) {
        sh->exact = true;
        expected = "CARDINALITY";
    } else {
        p_unscan(p);
    }
    t = p_scan_ign(p);
    if (t.tok != HB_IQL_CARDINALITY)
        return p_expected(p, &t, expected);
    return 0;
}

/* ON, FROM, [WITH KEY], WHERE, GROUP BY, LIMIT, OFFSET of the cardinality forms. */
static int cardinality_clauses(P *p, hb_iql_show *sh, int with_key)
{
    int rc;
    if ((rc = on_clause(p, sh)) || (rc = from_clause(p, sh)))
        return rc;
    if (with_key && (rc = tag_key_expr(p, sh)))
        return rc;
    if ((rc = p_condition(p, &sh->condition)) ||
        (rc = p_dimensions(p, &sh->dimensions, &sh->ndimensions)) ||
        (rc = p_optional_int(p, HB_IQL_LIMIT, &sh->limit)) ||
        (rc = p_optional_int(p, HB_IQL_OFFSET, &sh->offset)))
        return rc;
    return 0;
}

static int limit_offset(P *p, hb_iql_show *sh)
{
    int rc;
    if ((rc = p_optional_int(p, HB_IQL_LIMIT, &sh->limit)) ||
        (rc = p_optional_int(p, HB_IQL_OFFSET, &sh->offset)))
        return rc;
    return 0;
}

static int show_measurements(P *p, hb_iql_show *sh)
{
    int rc = on_clause(p, sh);
    if (rc)
        return rc;
    hb_iql_token t = p_scan_ign(p);
    if (t.tok == HB_IQL_WITH) {
        static const hb_iql_tok meas = HB_IQL_MEASUREMENT;
        if ((rc = p_parse_tokens(p, &meas, 1)))
            return rc;
        t = p_scan_ign(p);
        if (t.tok != HB_IQL_EQ && t.tok != HB_IQL_EQREGEX)
            return p_expected(p, &t, "=, =~");
        if (!(sh->with_measurement = p_alloc(p, sizeof *sh->with_measurement)))
            return p_nomem(p);
        if ((rc = p_source(p, false, sh->with_measurement)))
            return rc;
    } else {
        p_unscan(p);
    }
    if ((rc = p_condition(p, &sh->condition)) || (rc = p_order_by(p, &sh->sort, &sh->nsort)))
        return rc;
    return limit_offset(p, sh);
}

int p_show_clauses(P *p, hb_iql_stmt *st)
{
    hb_iql_show *sh = &st->u.show;
    sh->database.p = "";
    int rc;
    hb_iql_token t;
    switch (st->kind) {
    case HB_IQL_STMT_SHOW_MEASUREMENTS:
        return show_measurements(p, sh);
    case HB_IQL_STMT_SHOW_MEASUREMENT_CARDINALITY:
        if (sh->exact) {
            t = p_scan_ign(p);
            if (t.tok != HB_IQL_CARDINALITY)
                return p_expected(p, &t, "CARDINALITY");
        }
        return cardinality_clauses(p, sh, 0);
    case HB_IQL_STMT_SHOW_SERIES:
        t = p_scan_ign(p);
        if (t.tok == HB_IQL_EXACT)
            sh->exact = true;
        else
            p_unscan(p);
        t = p_scan_ign(p);
        if (t.tok == HB_IQL_CARDINALITY) {
            st->kind = HB_IQL_STMT_SHOW_SERIES_CARDINALITY;
            return cardinality_clauses(p, sh, 0);
        }
        p_unscan(p);
        sh->exact = false;
        if ((rc = on_clause(p, sh)) || (rc = from_clause(p, sh)) ||
            (rc = p_condition(p, &sh->condition)) || (rc = p_order_by(p, &sh->sort, &sh->nsort)))
            return rc;
        return limit_offset(p, sh);
    case HB_IQL_STMT_SHOW_TAG_KEY_CARDINALITY:
    case HB_IQL_STMT_SHOW_FIELD_KEY_CARDINALITY:
        if ((rc = key_cardinality(p, sh)))
            return rc;
        return cardinality_clauses(p, sh, 0);
    case HB_IQL_STMT_SHOW_TAG_KEYS:
        if ((rc = on_clause(p, sh)) || (rc = from_clause(p, sh)) ||
            (rc = p_condition(p, &sh->condition)) || (rc = p_order_by(p, &sh->sort, &sh->nsort)) ||
            (rc = limit_offset(p, sh)) || (rc = p_optional_int(p, HB_IQL_SLIMIT, &sh->slimit)) ||
            (rc = p_optional_int(p, HB_IQL_SOFFSET, &sh->soffset)))
            return rc;
        return 0;
    case HB_IQL_STMT_SHOW_TAG_VALUES:
        t = p_scan_ign(p);
        if (t.tok == HB_IQL_EXACT || t.tok == HB_IQL_CARDINALITY) {
            st->kind = HB_IQL_STMT_SHOW_TAG_VALUES_CARDINALITY;
            if (t.tok == HB_IQL_EXACT) {
                sh->exact = true;
                t = p_scan_ign(p);
                if (t.tok != HB_IQL_CARDINALITY)
                    return p_expected(p, &t, "CARDINALITY");
            }
            return cardinality_clauses(p, sh, 1);
        }
        p_unscan(p);
        if ((rc = on_clause(p, sh)) || (rc = from_clause(p, sh)) || (rc = tag_key_expr(p, sh)) ||
            (rc = p_condition(p, &sh->condition)) || (rc = p_order_by(p, &sh->sort, &sh->nsort)))
            return rc;
        return limit_offset(p, sh);
    case HB_IQL_STMT_SHOW_FIELD_KEYS:
        if ((rc = on_clause(p, sh)) || (rc = from_clause(p, sh)) ||
            (rc = p_order_by(p, &sh->sort, &sh->nsort)))
            return rc;
        return limit_offset(p, sh);
    default:
        return 0;
    }
}

/* ---- DELETE, DROP SERIES ---------------------------------------------- */

int p_delete(P *p, hb_iql_stmt *st)
{
    hb_iql_delete *d = &st->u.del;
    int rc;
    hb_iql_token first = p_scan_ign(p);
    if (first.tok == HB_IQL_FROM) {
        if ((rc = p_sources(p, false, &d->sources, &d->nsources)))
            return rc;
        const char *bad = NULL;
        for (size_t i = 0; i < d->nsources; i++) {
            const hb_iql_measurement *m = &d->sources[i].m;
            if (d->sources[i].kind != HB_IQL_SRC_MEASUREMENT)
                continue;
            if (m->database.n)
                bad = "database not supported";
            if (m->rp.n)
                bad = "retention policy not supported";
        }
        if (bad) {
            hb_iql_pos zero = {0, 0};
            return p_msg_at(p, zero, "%s", bad);
        }
    } else {
        p_unscan(p);
    }
    if ((rc = p_condition(p, &d->condition)))
        return rc;
    if (!d->condition && !d->sources)
        return p_expected(p, &first, "FROM, WHERE");
    return 0;
}
