#include "engine/timeexpr.h"

#include <stdio.h>
#include <string.h>

#include "base/fmt.h"

static int digits(const char *s, size_t n, size_t at, size_t len, int64_t *out)
{
    if (at + len > n)
        return 0;
    int64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[at + i];
        if (c < '0' || c > '9')
            return 0;
        v = v * 10 + (c - '0');
    }
    *out = v;
    return 1;
}

int hb_time_parse(const char *s, size_t n, int64_t *ns)
{
    return hb_time_parse_in(s, n, NULL, ns);
}

int hb_time_parse_in(const char *s, size_t n, const hb_tz *tz, int64_t *ns)
{
    int64_t y, mo, d, h = 0, mi = 0, sec = 0, frac = 0, off = 0;
    int zoned = 0;   /* "Z" or an offset given */
    if (!digits(s, n, 0, 4, &y) || n < 10 || s[4] != '-' || !digits(s, n, 5, 2, &mo) || s[7] != '-' ||
        !digits(s, n, 8, 2, &d))
        return HB_EPARSE;
    size_t i = 10;
    if (i < n) {
        if ((s[i] != 'T' && s[i] != ' ') || !digits(s, n, i + 1, 2, &h) || i + 3 >= n || s[i + 3] != ':' ||
            !digits(s, n, i + 4, 2, &mi) || i + 6 >= n || s[i + 6] != ':' || !digits(s, n, i + 7, 2, &sec))
            return HB_EPARSE;
        i += 9;
        if (i < n && s[i] == '.') {
            i++;
            int nd = 0;
            while (i < n && s[i] >= '0' && s[i] <= '9') {
                if (nd < 9)
                    frac = frac * 10 + (s[i] - '0');
                nd++;
                i++;
            }
            if (!nd)
                return HB_EPARSE;
            for (; nd < 9; nd++)
                frac *= 10;
        }
        if (i < n && s[i] == 'Z') {
            i++;
            zoned = 1;
        } else if (i < n && (s[i] == '+' || s[i] == '-')) {
            zoned = 1;
            int64_t oh, om;
            if (!digits(s, n, i + 1, 2, &oh) || i + 3 >= n || s[i + 3] != ':' || !digits(s, n, i + 4, 2, &om))
                return HB_EPARSE;
            off = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
            i += 6;
        }
    }
    if (i != n || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return HB_EPARSE;
    int64_t secs = hb_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
    if (!zoned && tz)
        secs = hb_tz_wall_to_utc(tz, secs);   /* Go's time.ParseInLocation */
    /* the range of int64 nanoseconds: 1677-09-21 .. 2262-04-11 */
    if (secs < -9223372036LL || secs > 9223372035LL)
        return HB_EPARSE;
    *ns = secs * 1000000000 + frac;
    return HB_OK;
}

int hb_time_value(const hb_iql_expr *e, int64_t now, const hb_tz *tz, int64_t *ns)
{
    switch (e->kind) {
    case HB_IQL_EXPR_PAREN:
        return hb_time_value(e->u.paren, now, tz, ns);
    case HB_IQL_EXPR_STRING:
        return hb_time_parse_in(e->u.str.p, e->u.str.n, tz, ns) ? HB_EINVAL : HB_OK;
    case HB_IQL_EXPR_INTEGER:
    case HB_IQL_EXPR_DURATION:
    case HB_IQL_EXPR_TIME:
        *ns = e->u.i;
        return HB_OK;
    case HB_IQL_EXPR_NUMBER:
        *ns = (int64_t)e->u.f;
        return HB_OK;
    case HB_IQL_EXPR_CALL:
        if (!strcmp(e->u.call.name.p, "now") && e->u.call.nargs == 0) {
            *ns = now;
            return HB_OK;
        }
        return HB_EINVAL;
    case HB_IQL_EXPR_BINARY: {
        if (e->u.bin.op != HB_IQL_ADD && e->u.bin.op != HB_IQL_SUB)
            return HB_EINVAL;
        int64_t a, b;
        if (hb_time_value(e->u.bin.lhs, now, tz, &a) || hb_time_value(e->u.bin.rhs, now, tz, &b))
            return HB_EINVAL;
        *ns = e->u.bin.op == HB_IQL_ADD ? a + b : a - b;
        return HB_OK;
    }
    default:
        return HB_EINVAL;
    }
}

/* A string compared with time, read as InfluxQL does (influxql
 * StringLiteral.IsTimeLiteral / ToTimeLiteral, then getTimeRange's bounds):
 * "YYYY-MM-DD", or anything longer starting so, parsed by Go's layouts
 * "2006-01-02 15:04:05.999999" (UTC) or RFC3339Nano, strictly.
 * TL_NOT_TIME: not shaped like a date (stays a string). */
enum { TL_OK = 0, TL_NOT_TIME, TL_INVALID, TL_OVER, TL_UNDER };

static int days_in_month(int64_t y, int64_t m)
{
    static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dm[m - 1];
}

static int time_literal(const char *s, size_t n, int64_t *ns, int *zoned, char *rfc3339, size_t cap)
{
    int64_t y, mo, d, h = 0, mi = 0, sec = 0, frac = 0, off = 0;
    *zoned = 0;
    if (n < 10 || !digits(s, n, 0, 4, &y) || s[4] != '-' || !digits(s, n, 5, 2, &mo) || s[7] != '-' ||
        !digits(s, n, 8, 2, &d))
        return TL_NOT_TIME;
    int zulu = 1;
    if (n > 10) {
        int rfc = s[10] == 'T';   /* else the space layout, which has no zone */
        if ((s[10] != 'T' && s[10] != ' ') || !digits(s, n, 11, 2, &h) || n < 14 || s[13] != ':' ||
            !digits(s, n, 14, 2, &mi) || n < 17 || s[16] != ':' || !digits(s, n, 17, 2, &sec))
            return TL_INVALID;
        size_t i = 19;
        if (i + 1 < n && s[i] == '.' && s[i + 1] >= '0' && s[i + 1] <= '9') {
            int nd = 0;
            for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, nd++)
                if (nd < 9)
                    frac = frac * 10 + (s[i] - '0');
            for (; nd < 9; nd++)
                frac *= 10;
        }
        if (rfc) {
            int64_t oh, om;
            *zoned = 1;
            if (i < n && s[i] == 'Z') {
                i++;
            } else if (i < n && (s[i] == '+' || s[i] == '-') && digits(s, n, i + 1, 2, &oh) && i + 3 < n &&
                       s[i + 3] == ':' && digits(s, n, i + 4, 2, &om)) {
                off = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
                zulu = 0;
                i += 6;
            } else {
                return TL_INVALID;
            }
        }
        if (i != n)
            return TL_INVALID;
    }
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59)
        return TL_INVALID;
    if (zulu)
        snprintf(rfc3339, cap, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ", (long long)y, (long long)mo,
                 (long long)d, (long long)h, (long long)mi, (long long)sec);
    else
        snprintf(rfc3339, cap, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld%c%02lld:%02lld", (long long)y,
                 (long long)mo, (long long)d, (long long)h, (long long)mi, (long long)sec, off < 0 ? '-' : '+',
                 (long long)(off < 0 ? -off : off) / 3600, (long long)((off < 0 ? -off : off) % 3600) / 60);
    int64_t secs = hb_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
    /* after time.Unix(0, MaxInt64) overflows; before time.Unix(0, MinTime + 1)
     * (= MinInt64 + 3 ns) underflows */
    if (secs > 9223372036LL || (secs == 9223372036LL && frac > 854775807))
        return TL_OVER;
    if (secs < -9223372037LL || (secs == -9223372037LL && frac < 145224195))
        return TL_UNDER;
    *ns = secs * 1000000000 + frac;
    return TL_OK;
}

static int is_time_ref(const hb_iql_expr *e)
{
    while (e->kind == HB_IQL_EXPR_PAREN)
        e = e->u.paren;
    return e->kind == HB_IQL_EXPR_VARREF && e->u.ref.name.n == 4 && !strcmp(e->u.ref.name.p, "time");
}

static int is_cmp(hb_iql_tok op)
{
    return op == HB_IQL_EQ || op == HB_IQL_NEQ || op == HB_IQL_LT || op == HB_IQL_LTE || op == HB_IQL_GT ||
           op == HB_IQL_GTE;
}

static void narrow_min(hb_time_range *tr, int64_t v)
{
    if (!tr->has_min || v > tr->min)
        tr->min = v;
    tr->has_min = 1;
}

static void narrow_max(hb_time_range *tr, int64_t v)
{
    if (!tr->has_max || v < tr->max)
        tr->max = v;
    tr->has_max = 1;
}

static const char *go_literal_type(const hb_iql_expr *e)
{
    switch (e->kind) {
    case HB_IQL_EXPR_STRING: return "*influxql.StringLiteral";
    case HB_IQL_EXPR_BOOLEAN: return "*influxql.BooleanLiteral";
    case HB_IQL_EXPR_VARREF: return "*influxql.VarRef";
    case HB_IQL_EXPR_REGEX: return "*influxql.RegexLiteral";
    case HB_IQL_EXPR_BINARY: return "*influxql.BinaryExpr";
    case HB_IQL_EXPR_CALL: return "*influxql.Call";
    default: return "*influxql.Literal";
    }
}

/* Walk AND and OR; every time comparison narrows tr and leaves the
 * condition (influxql.ConditionExpr does the same: a time comparison under
 * OR still restricts the whole query), the rest is rebuilt. */
static int split(const hb_iql_expr *e, int64_t now, const hb_tz *tz, hb_arena *a, hb_iql_expr **rest, hb_time_range *tr,
                 hb_err *err)
{
    while (e->kind == HB_IQL_EXPR_PAREN && e->u.paren->kind == HB_IQL_EXPR_BINARY &&
           (e->u.paren->u.bin.op == HB_IQL_AND || e->u.paren->u.bin.op == HB_IQL_OR))
        e = e->u.paren;
    if (e->kind == HB_IQL_EXPR_BINARY && (e->u.bin.op == HB_IQL_AND || e->u.bin.op == HB_IQL_OR)) {
        hb_iql_expr *l = NULL, *r = NULL;
        int rc = split(e->u.bin.lhs, now, tz, a, &l, tr, err);
        if (!rc)
            rc = split(e->u.bin.rhs, now, tz, a, &r, tr, err);
        if (rc)
            return rc;
        if (l && r) {
            hb_iql_expr *n = hb_arena_calloc(a, sizeof *n);
            if (!n)
                return hb_err_set(err, HB_ENOMEM, "out of memory");
            *n = *e;
            n->u.bin.lhs = l;
            n->u.bin.rhs = r;
            *rest = n;
        } else {
            *rest = l ? l : r;
        }
        return HB_OK;
    }
    const hb_iql_expr *x = e;
    while (x->kind == HB_IQL_EXPR_PAREN)
        x = x->u.paren;
    if (x->kind == HB_IQL_EXPR_BINARY && is_cmp(x->u.bin.op) &&
        (is_time_ref(x->u.bin.lhs) || is_time_ref(x->u.bin.rhs))) {
        int lhs_time = is_time_ref(x->u.bin.lhs);
        const hb_iql_expr *v = lhs_time ? x->u.bin.rhs : x->u.bin.lhs;
        hb_iql_tok op = lhs_time ? x->u.bin.op : hb_iql_tok_mirror(x->u.bin.op);
        int64_t t;
        const hb_iql_expr *lit = v;
        while (lit->kind == HB_IQL_EXPR_PAREN)
            lit = lit->u.paren;
        int tl = lit->kind == HB_IQL_EXPR_STRING ? TL_NOT_TIME : TL_OK;
        char when[64];
        int zoned = 0;
        if (lit->kind == HB_IQL_EXPR_STRING)
            tl = time_literal(lit->u.str.p, lit->u.str.n, &t, &zoned, when, sizeof when);
        if (tl == TL_INVALID)
            return hb_err_set(err, HB_EINVAL, "invalid timestamp string");
        if (tl == TL_OVER || tl == TL_UNDER)
            return hb_err_set(err, HB_EINVAL, "time %s %s time literal", when,
                              tl == TL_OVER ? "overflows" : "underflows");
        /* a literal without a zone is wall time in tz() (Go's ParseInLocation) */
        if (tl == TL_OK && lit->kind == HB_IQL_EXPR_STRING && tz && !zoned) {
            int64_t secs = t / 1000000000, frac = t % 1000000000;
            if (frac < 0) {
                frac += 1000000000;
                secs--;
            }
            t = hb_tz_wall_to_utc(tz, secs) * 1000000000 + frac;
        }
        if (tl == TL_NOT_TIME || (lit->kind != HB_IQL_EXPR_STRING && hb_time_value(v, now, tz, &t)))
            return hb_err_set(err, HB_EINVAL, "invalid operation: time and %s are not compatible",
                              go_literal_type(lit));
        switch (op) {
        case HB_IQL_GT: narrow_min(tr, t == INT64_MAX ? t : t + 1); break;
        case HB_IQL_GTE: narrow_min(tr, t); break;
        case HB_IQL_LT: narrow_max(tr, t == INT64_MIN ? t : t - 1); break;
        case HB_IQL_LTE: narrow_max(tr, t); break;
        case HB_IQL_EQ:
            narrow_min(tr, t);
            narrow_max(tr, t);
            break;
        default:
            return hb_err_set(err, HB_EINVAL, "invalid time comparison operator: %s", hb_iql_tok_name(op));
        }
        *rest = NULL;
        return HB_OK;
    }
    *rest = (hb_iql_expr *)e;
    return HB_OK;
}

int hb_time_condition(const hb_iql_expr *cond, int64_t now, const hb_tz *tz, hb_arena *arena, hb_iql_expr **rest,
                      hb_time_range *tr, hb_err *err)
{
    memset(tr, 0, sizeof *tr);
    *rest = NULL;
    if (!cond)
        return HB_OK;
    return split(cond, now, tz, arena, rest, tr, err);
}
