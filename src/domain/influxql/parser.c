/* InfluxQL parser: entry points, token buffer, bind parameters, errors and
 * the small token-level helpers every statement uses. */
#include "domain/influxql/parser.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/influxql/duration.h"
#include "domain/influxql/format.h"
#include "domain/influxql/parser_internal.h"

/* ---- allocation --------------------------------------------------------- */

void *p_alloc(P *p, size_t n)
{
    void *m = hb_arena_calloc(p->arena, n);
    if (!m)
        p->oom = 1;
    return m;
}

void *p_vec_push(P *p, p_vec *v, size_t elsize)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 4;
        void *items = p_alloc(p, cap * elsize);
        if (!items)
            return NULL;
        if (v->n)
            memcpy(items, v->items, v->n * elsize);
        v->items = items;
        v->cap = cap;
    }
    void *slot = (char *)v->items + v->n * elsize;
    memset(slot, 0, elsize);
    v->n++;
    return slot;
}

int p_str(P *p, hb_iql_str *out, const char *s, size_t n)
{
    char *c = hb_arena_strndup(p->arena, s, n);
    if (!c) {
        p->oom = 1;
        return HB_ENOMEM;
    }
    out->p = c;
    out->n = n;
    return 0;
}

/* ---- errors ------------------------------------------------------------- */

int p_nomem(P *p)
{
    p->oom = 1;
    return hb_err_set(p->err, HB_ENOMEM, "out of memory while parsing query");
}

int p_expected(P *p, const hb_iql_token *t, const char *expected)
{
    const char *found = t->lit.n ? t->lit.p : hb_iql_tok_name(t->tok);
    return hb_err_set(p->err, HB_EPARSE, "found %s, expected %s at line %d, char %d", found, expected,
                      t->pos.line + 1, t->pos.col + 1);
}

int p_msg_at(P *p, hb_iql_pos pos, const char *fmt, ...)
{
    char msg[sizeof p->err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return hb_err_set(p->err, HB_EPARSE, "%s at line %d, char %d", msg, pos.line + 1, pos.col + 1);
}

int p_plain(P *p, const char *fmt, ...)
{
    char msg[sizeof p->err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return hb_err_set(p->err, HB_EPARSE, "%s", msg);
}

int p_enter(P *p, hb_iql_pos pos)
{
    if (++p->nesting > HB_IQL_MAX_NESTING) {
        p->nesting--;
        return hb_err_set(p->err, HB_ELIMIT,
                          "query nests too deeply (more than %d levels) at line %d, char %d",
                          HB_IQL_MAX_NESTING, pos.line + 1, pos.col + 1);
    }
    return 0;
}

void p_leave(P *p)
{
    p->nesting--;
}

/* ---- scanning ----------------------------------------------------------- */

static hb_iql_token buf_scan(P *p, int regex)
{
    if (p->tn > 0) {
        p->tn--;
        return p->ring[(p->ti - p->tn + 3) % 3];
    }
    p->ti = (p->ti + 1) % 3;
    hb_iql_token *t = &p->ring[p->ti];
    int rc = regex ? hb_iql_lexer_scan_regex(&p->lx, t) : hb_iql_lexer_scan(&p->lx, t);
    if (rc) {
        /* Out of memory: end the token stream; the caller reports ENOMEM. */
        p->oom = 1;
        t->tok = HB_IQL_EOF;
        t->lit.p = "";
        t->lit.n = 0;
    }
    return *t;
}

static void substitute(P *p, hb_iql_token *t)
{
    if (t->tok != HB_IQL_BOUNDPARAM || t->lit.n <= 1)
        return;
    const char *name = t->lit.p + 1;
    size_t n = t->lit.n - 1;
    for (size_t i = p->nparams; i-- > 0;) {
        if (p->params[i].name.n == n && memcmp(p->params[i].name.p, name, n) == 0) {
            t->tok = p->params[i].tok;
            t->lit = p->params[i].lit;
            return;
        }
    }
}

hb_iql_token p_scan(P *p)
{
    hb_iql_token t = buf_scan(p, 0);
    substitute(p, &t);
    return t;
}

hb_iql_token p_scan_regex(P *p)
{
    hb_iql_token t = buf_scan(p, 1);
    substitute(p, &t);
    return t;
}

hb_iql_token p_scan_ign(P *p)
{
    for (;;) {
        hb_iql_token t = p_scan(p);
        if (t.tok != HB_IQL_WS && t.tok != HB_IQL_COMMENT)
            return t;
    }
}

void p_unscan(P *p)
{
    p->tn++;
}

int32_t p_peek_rune(P *p)
{
    int32_t r = hb_iql_lexer_read(&p->lx, NULL);
    if (r != HB_IQL_EOF_RUNE)
        hb_iql_lexer_unread(&p->lx);
    return r;
}

void p_consume_ws(P *p)
{
    hb_iql_token t = p_scan(p);
    if (t.tok != HB_IQL_WS)
        p_unscan(p);
}

/* ---- token helpers ------------------------------------------------------ */

int p_parse_tokens(P *p, const hb_iql_tok *toks, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        hb_iql_token t = p_scan_ign(p);
        if (t.tok != toks[i])
            return p_expected(p, &t, hb_iql_tok_name(toks[i]));
    }
    return 0;
}

int p_ident(P *p, hb_iql_str *out)
{
    hb_iql_token t = p_scan_ign(p);
    if (t.tok != HB_IQL_IDENT)
        return p_expected(p, &t, "identifier");
    *out = t.lit;
    return 0;
}

int p_ident_list(P *p, p_vec *out)
{
    for (;;) {
        hb_iql_str s;
        int rc = p_ident(p, &s);
        if (rc)
            return rc;
        hb_iql_str *slot = p_vec_push(p, out, sizeof *slot);
        if (!slot)
            return p_nomem(p);
        *slot = s;
        hb_iql_token t = p_scan_ign(p);
        if (t.tok != HB_IQL_COMMA) {
            p_unscan(p);
            return 0;
        }
    }
}

int p_string(P *p, hb_iql_str *out)
{
    hb_iql_token t = p_scan_ign(p);
    if (t.tok != HB_IQL_STRING)
        return p_expected(p, &t, "string");
    *out = t.lit;
    return 0;
}

int p_string_list(P *p, p_vec *out)
{
    for (;;) {
        hb_iql_str s;
        int rc = p_string(p, &s);
        if (rc)
            return rc;
        hb_iql_str *slot = p_vec_push(p, out, sizeof *slot);
        if (!slot)
            return p_nomem(p);
        *slot = s;
        hb_iql_token t = p_scan_ign(p);
        if (t.tok != HB_IQL_COMMA) {
            p_unscan(p);
            return 0;
        }
    }
}

/* Go's strconv.ParseInt(s, 10, 64) / ParseUint: optional sign (ParseInt
 * only), then decimal digits. Returns 0, -1 (syntax) or -2 (range; *out is
 * then clamped like Go's). */
static int go_parse_int(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    *out = 0;
    if (n > 0 && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i >= n)
        return -1;
    uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    int range = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (!range && (v > (lim - d) / 10))
            range = 1;
        if (!range)
            v = v * 10 + d;
    }
    if (range) {
        *out = neg ? INT64_MIN : INT64_MAX;
        return -2;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

static int go_parse_uint(const char *s, size_t n, uint64_t *out)
{
    *out = 0;
    if (n == 0)
        return -1;
    uint64_t v = 0;
    int range = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (!range && v > (UINT64_MAX - d) / 10)
            range = 1;
        if (!range)
            v = v * 10 + d;
    }
    if (range) {
        *out = UINT64_MAX;
        return -2;
    }
    *out = v;
    return 0;
}

int hb_iql_go_parse_int(const char *s, size_t n, int64_t *out)
{
    return go_parse_int(s, n, out);
}

int hb_iql_go_parse_uint(const char *s, size_t n, uint64_t *out)
{
    return go_parse_uint(s, n, out);
}

int p_int(P *p, int min, int max, int *out)
{
    hb_iql_token t = p_scan_ign(p);
    if (t.tok != HB_IQL_INTEGER)
        return p_expected(p, &t, "integer");
    int64_t v;
    int rc = go_parse_int(t.lit.p, t.lit.n, &v);
    if (rc == -1)
        return p_msg_at(p, t.pos, "strconv.Atoi: parsing \"%s\": invalid syntax", t.lit.p);
    if (rc == -2)
        return p_msg_at(p, t.pos, "strconv.Atoi: parsing \"%s\": value out of range", t.lit.p);
    if (v < min || v > max)
        return p_msg_at(p, t.pos, "invalid value %" PRId64 ": must be %d <= n <= %d", v, min, max);
    *out = (int)v;
    return 0;
}

int p_uint64(P *p, uint64_t *out)
{
    hb_iql_token t = p_scan_ign(p);
    if (t.tok != HB_IQL_INTEGER)
        return p_expected(p, &t, "integer");
    int rc = go_parse_uint(t.lit.p, t.lit.n, out);
    if (rc == -1)
        return p_msg_at(p, t.pos, "strconv.ParseUint: parsing \"%s\": invalid syntax", t.lit.p);
    if (rc == -2)
        return p_msg_at(p, t.pos, "strconv.ParseUint: parsing \"%s\": value out of range", t.lit.p);
    return 0;
}

int p_duration(P *p, int64_t *out)
{
    hb_iql_token t = p_scan_ign(p);
    if (t.tok != HB_IQL_DURATIONVAL && t.tok != HB_IQL_INF)
        return p_expected(p, &t, "duration");
    if (t.tok == HB_IQL_INF) {
        *out = 0;
        return 0;
    }
    char msg[160];
    if (hb_iql_duration_parse(t.lit.p, t.lit.n, out, msg, sizeof msg))
        return p_msg_at(p, t.pos, "%s", msg);
    return 0;
}

int p_optional_int(P *p, hb_iql_tok which, int64_t *out)
{
    hb_iql_token t = p_scan_ign(p);
    if (t.tok != which) {
        p_unscan(p);
        *out = 0;
        return 0;
    }
    t = p_scan_ign(p);
    if (t.tok != HB_IQL_INTEGER)
        return p_expected(p, &t, "integer");
    int64_t n;
    (void)go_parse_int(t.lit.p, t.lit.n, &n); /* InfluxDB ignores range errors here */
    if (n < 0)
        return p_msg_at(p, t.pos, "%s must be >= 0", hb_iql_tok_name(which));
    *out = n;
    return 0;
}

/* ---- trimming ---------------------------------------------------------- */

static int go_is_space(int32_t c)
{
    switch (c) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ':
    case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F:
    case 0x3000:
        return 1;
    default:
        return c >= 0x2000 && c <= 0x200A;
    }
}

void hb_iql_trim_space(const char **q, size_t *len)
{
    const unsigned char *s = (const unsigned char *)*q;
    size_t n = *len, size;
    while (n > 0 && go_is_space(hb_iql_utf8_decode(s, n, &size))) {
        s += size;
        n -= size;
    }
    while (n > 0) {
        size_t start = n - 1;
        while (start > 0 && n - start < 4 && (s[start] & 0xC0) == 0x80)
            start--;
        int32_t c = hb_iql_utf8_decode(s + start, n - start, &size);
        if (start + size != n) { /* not a complete rune: invalid last byte */
            c = 0xFFFD;
            start = n - 1;
        }
        if (!go_is_space(c))
            break;
        n = start;
    }
    *q = (const char *)s;
    *len = n;
}

/* ---- bind parameters ---------------------------------------------------- */

static int setup_params(P *p, const hb_iql_params *params)
{
    if (!params || params->count == 0)
        return 0;
    p->params = p_alloc(p, params->count * sizeof *p->params);
    if (!p->params)
        return p_nomem(p);
    for (size_t i = 0; i < params->count; i++) {
        const hb_iql_param *in = &params->items[i];
        p_param *o = &p->params[i];
        char tmp[400];
        const char *s = in->s ? in->s : "";
        size_t sn = in->s ? in->s_len : 0;
        if (p_str(p, &o->name, in->name ? in->name : "", in->name ? in->name_len : 0))
            return p_nomem(p);
        switch (in->type) {
        case HB_IQL_PARAM_STRING:
            o->tok = HB_IQL_STRING;
            break;
        case HB_IQL_PARAM_IDENT:
            o->tok = HB_IQL_IDENT;
            break;
        case HB_IQL_PARAM_REGEX:
            o->tok = HB_IQL_REGEX;
            break;
        case HB_IQL_PARAM_DURATION:
            o->tok = HB_IQL_DURATIONVAL;
            break;
        case HB_IQL_PARAM_INTEGER:
            o->tok = HB_IQL_INTEGER;
            s = tmp;
            sn = (size_t)snprintf(tmp, sizeof tmp, "%" PRId64, in->i);
            break;
        case HB_IQL_PARAM_FLOAT:
            o->tok = HB_IQL_NUMBER;
            s = tmp;
            sn = hb_iql_format_float_f(in->f, tmp, sizeof tmp);
            break;
        case HB_IQL_PARAM_BOOLEAN:
            o->tok = in->b ? HB_IQL_TRUE : HB_IQL_FALSE;
            sn = 0;
            break;
        case HB_IQL_PARAM_ERROR:
        default:
            o->tok = HB_IQL_BOUNDPARAM;
            break;
        }
        if (p_str(p, &o->lit, s, sn))
            return p_nomem(p);
    }
    p->nparams = params->count;
    return 0;
}

static int parser_init(P *p, const char *q, size_t len, const hb_iql_params *params,
                       hb_arena *arena, hb_err *err)
{
    memset(p, 0, sizeof *p);
    p->arena = arena;
    p->err = err ? err : &p->own_err;
    hb_err_clear(p->err);
    if (len > HB_IQL_MAX_QUERY_BYTES)
        return hb_err_set(p->err, HB_ELIMIT, "query too large: %zu bytes (the limit is %d bytes)", len,
                          HB_IQL_MAX_QUERY_BYTES);
    hb_iql_lexer_init(&p->lx, q, len, arena);
    return setup_params(p, params);
}

static int parser_finish(P *p, int rc)
{
    hb_iql_lexer_free(&p->lx);
    if (p->oom && rc != HB_ENOMEM)
        rc = p_nomem(p);
    return rc;
}

int hb_influxql_parse(const char *q, size_t len, const hb_iql_params *params, hb_arena *arena,
                      hb_iql_query **out, hb_err *err)
{
    P p;
    *out = NULL;
    int rc = parser_init(&p, q, len, params, arena, err);
    if (rc)
        return parser_finish(&p, rc);

    hb_iql_query *query = p_alloc(&p, sizeof *query);
    p_vec stmts = {0};
    if (!query) {
        rc = p_nomem(&p);
        goto out;
    }
    int semi = 1;
    for (;;) {
        hb_iql_token t = p_scan_ign(&p);
        if (t.tok == HB_IQL_EOF)
            break;
        if (t.tok == HB_IQL_SEMICOLON) {
            semi = 1;
            continue;
        }
        if (!semi) {
            rc = p_expected(&p, &t, ";");
            goto out;
        }
        p_unscan(&p);
        hb_iql_stmt *st = NULL;
        if ((rc = p_statement(&p, &st)))
            goto out;
        hb_iql_stmt **slot = p_vec_push(&p, &stmts, sizeof *slot);
        if (!slot) {
            rc = p_nomem(&p);
            goto out;
        }
        *slot = st;
        semi = 0;
    }
    query->stmts = stmts.items;
    query->nstmts = stmts.n;
    if (!p.oom)
        *out = query;
out:
    return parser_finish(&p, rc);
}

int hb_influxql_parse_expr(const char *q, size_t len, const hb_iql_params *params,
                           hb_arena *arena, hb_iql_expr **out, hb_err *err)
{
    P p;
    *out = NULL;
    int rc = parser_init(&p, q, len, params, arena, err);
    if (!rc)
        rc = p_expr(&p, out);
    rc = parser_finish(&p, rc);
    if (rc)
        *out = NULL;
    return rc;
}
