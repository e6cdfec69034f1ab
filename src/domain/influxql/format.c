/* InfluxQL AST printer; see format.h. */
#include "domain/influxql/format.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/err.h"
#include "domain/influxql/duration.h"

typedef struct out {
    hb_buf *b;
    int rc;
} out;

static void put(out *o, const char *s, size_t n)
{
    if (!o->rc && n)
        o->rc = hb_buf_append(o->b, s, n);
}

static void puts_(out *o, const char *s)
{
    put(o, s, strlen(s));
}

static void putstr(out *o, hb_iql_str s)
{
    put(o, s.p, s.n);
}

static void printf_(out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void printf_(out *o, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0)
        put(o, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* ---- quoting ------------------------------------------------------------ */

bool hb_iql_ident_needs_quotes(const char *s, size_t n)
{
    if (hb_iql_lookup(s, n) != HB_IQL_IDENT)
        return true;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (i == 0 ? !hb_iql_is_ident_first(c) : !hb_iql_is_ident_char(c))
            return true;
    }
    return false;
}

static void escaped(out *o, const char *s, size_t n, char quote)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        const char *rep = NULL;
        if (s[i] == '\n')
            rep = "\\n";
        else if (s[i] == '\\')
            rep = "\\\\";
        else if (s[i] == quote)
            rep = quote == '"' ? "\\\"" : "\\'";
        if (rep) {
            put(o, s + start, i - start);
            puts_(o, rep);
            start = i + 1;
        }
    }
    put(o, s + start, n - start);
}

static void quote_segment(out *o, const char *s, size_t n, bool need)
{
    if (need)
        put(o, "\"", 1);
    escaped(o, s, n, '"');
    if (need)
        put(o, "\"", 1);
}

static void qident(out *o, hb_iql_str s)
{
    quote_segment(o, s.p, s.n, s.n == 0 || hb_iql_ident_needs_quotes(s.p, s.n));
}

int hb_iql_fmt_ident(hb_buf *b, const char *s, size_t n)
{
    out o = {b, 0};
    hb_iql_str str = {s, n};
    qident(&o, str);
    return o.rc;
}

int hb_iql_fmt_ident_segments(hb_buf *b, const hb_iql_str *segs, size_t n)
{
    out o = {b, 0};
    for (size_t i = 0; i < n; i++) {
        bool last = i + 1 == n;
        bool need = hb_iql_ident_needs_quotes(segs[i].p, segs[i].n) || (!last && segs[i].n != 0) ||
                    ((i == 0 || last) && segs[i].n == 0);
        quote_segment(&o, segs[i].p, segs[i].n, need);
        if (!last)
            put(&o, ".", 1);
    }
    return o.rc;
}

static void qstring(out *o, hb_iql_str s)
{
    put(o, "'", 1);
    escaped(o, s.p, s.n, '\'');
    put(o, "'", 1);
}

int hb_iql_fmt_string(hb_buf *b, const char *s, size_t n)
{
    out o = {b, 0};
    hb_iql_str str = {s, n};
    qstring(&o, str);
    return o.rc;
}

/* ---- floats --------------------------------------------------------------- */

/* Shortest decimal digits d[0..*nd) and decimal point position *dp such that
 * 0.d1d2... x 10^dp reads back as |v|. */
static void shortest(double v, char *d, int *nd, int *dp)
{
    v = fabs(v);
    if (v == 0) {
        *nd = 0;
        *dp = 0;
        return;
    }
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
        if (strtod(tmp, NULL) == v || prec == 17)
            break;
    }
    int n = 0;
    char *p = tmp;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            d[n++] = *p;
    int exp = *p == 'e' ? atoi(p + 1) : 0;
    while (n > 1 && d[n - 1] == '0')
        n--;
    *nd = n;
    *dp = exp + 1;
}

static size_t fixed(const char *d, int nd, int dp, int neg, char *buf, size_t cap)
{
    char tmp[400];
    size_t w = 0;
    if (neg)
        tmp[w++] = '-';
    if (dp > 0) {
        for (int i = 0; i < dp && w < sizeof tmp - 4; i++)
            tmp[w++] = i < nd ? d[i] : '0';
    } else {
        tmp[w++] = '0';
    }
    if (nd > dp) {
        tmp[w++] = '.';
        for (int i = dp; i < 0 && w < sizeof tmp - 4; i++)
            tmp[w++] = '0';
        for (int i = dp > 0 ? dp : 0; i < nd && w < sizeof tmp - 2; i++)
            tmp[w++] = d[i];
    }
    tmp[w] = '\0';
    return (size_t)snprintf(buf, cap, "%s", tmp);
}

static size_t special(double v, char *buf, size_t cap)
{
    if (isnan(v))
        return (size_t)snprintf(buf, cap, "NaN");
    return (size_t)snprintf(buf, cap, v > 0 ? "+Inf" : "-Inf");
}

size_t hb_iql_format_float_f(double v, char *buf, size_t cap)
{
    if (!isfinite(v))
        return special(v, buf, cap);
    char d[20];
    int nd, dp;
    shortest(v, d, &nd, &dp);
    return fixed(d, nd, dp, signbit(v) != 0, buf, cap);
}

size_t hb_iql_format_float_v(double v, char *buf, size_t cap)
{
    if (!isfinite(v))
        return special(v, buf, cap);
    char d[20];
    int nd, dp;
    shortest(v, d, &nd, &dp);
    int exp = dp - 1;
    /* strconv 'g' with shortest precision: exponent form when exp < -4 || exp >= 6 */
    if (nd != 0 && (exp < -4 || exp >= 6)) {
        char tmp[64];
        size_t w = 0;
        if (signbit(v))
            tmp[w++] = '-';
        tmp[w++] = d[0];
        if (nd > 1) {
            tmp[w++] = '.';
            memcpy(tmp + w, d + 1, (size_t)nd - 1);
            w += (size_t)nd - 1;
        }
        tmp[w] = '\0';
        return (size_t)snprintf(buf, cap, "%se%c%02d", tmp, exp < 0 ? '-' : '+', abs(exp));
    }
    return fixed(d, nd, dp, signbit(v) != 0, buf, cap);
}

/* ---- expressions ---------------------------------------------------------- */

static void expr(out *o, const hb_iql_expr *e);
static void select_(out *o, const hb_iql_select *s);

static void regex(out *o, hb_iql_str re)
{
    put(o, "/", 1);
    size_t start = 0;
    for (size_t i = 0; i < re.n; i++) {
        if (re.p[i] == '/') {
            put(o, re.p + start, i - start);
            put(o, "\\/", 2);
            start = i + 1;
        }
    }
    put(o, re.p + start, re.n - start);
    put(o, "/", 1);
}

static void duration(out *o, int64_t d)
{
    char tmp[HB_IQL_DURATION_BUFSZ];
    put(o, tmp, hb_iql_duration_format(d, tmp));
}

static void time_lit(out *o, int64_t ns)
{
    int64_t sec = ns / HB_IQL_NS_PER_S, frac = ns % HB_IQL_NS_PER_S;
    if (frac < 0) {
        frac += HB_IQL_NS_PER_S;
        sec--;
    }
    time_t t = (time_t)sec;
    struct tm tm;
    gmtime_r(&t, &tm);
    printf_(o, "'%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
            tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (frac) {
        char f[16];
        snprintf(f, sizeof f, ".%09" PRId64, frac);
        size_t n = strlen(f);
        while (f[n - 1] == '0')
            n--;
        put(o, f, n);
    }
    puts_(o, "Z'");
}

static const char *dtype_suffix(hb_iql_dtype t)
{
    return hb_iql_dtype_name(t);
}

static void expr(out *o, const hb_iql_expr *e)
{
    if (!e)
        return;
    switch (e->kind) {
    case HB_IQL_EXPR_VARREF:
        qident(o, e->u.ref.name);
        if (e->u.ref.type != HB_IQL_DT_UNKNOWN) {
            puts_(o, "::");
            puts_(o, dtype_suffix(e->u.ref.type));
        }
        break;
    case HB_IQL_EXPR_CALL:
        putstr(o, e->u.call.name);
        put(o, "(", 1);
        for (size_t i = 0; i < e->u.call.nargs; i++) {
            if (i)
                puts_(o, ", ");
            expr(o, e->u.call.args[i]);
        }
        put(o, ")", 1);
        break;
    case HB_IQL_EXPR_BINARY:
        expr(o, e->u.bin.lhs);
        put(o, " ", 1);
        puts_(o, hb_iql_tok_name(e->u.bin.op));
        put(o, " ", 1);
        expr(o, e->u.bin.rhs);
        break;
    case HB_IQL_EXPR_PAREN:
        put(o, "(", 1);
        expr(o, e->u.paren);
        put(o, ")", 1);
        break;
    case HB_IQL_EXPR_DISTINCT:
        puts_(o, "DISTINCT ");
        putstr(o, e->u.distinct);
        break;
    case HB_IQL_EXPR_WILDCARD:
        puts_(o, e->u.wildcard == HB_IQL_DT_ANYFIELD ? "*::field"
                 : e->u.wildcard == HB_IQL_DT_TAG    ? "*::tag"
                                                     : "*");
        break;
    case HB_IQL_EXPR_REGEX:
        regex(o, e->u.regex);
        break;
    case HB_IQL_EXPR_STRING:
        qstring(o, e->u.str);
        break;
    case HB_IQL_EXPR_INTEGER:
        printf_(o, "%" PRId64, e->u.i);
        break;
    case HB_IQL_EXPR_UNSIGNED:
        printf_(o, "%" PRIu64, e->u.u);
        break;
    case HB_IQL_EXPR_NUMBER:
        if (!isfinite(e->u.f)) {
            char tmp[8];
            put(o, tmp, special(e->u.f, tmp, sizeof tmp));
        } else {
            /* %.3f of a huge value can be long: print via a heap buffer */
            int n = snprintf(NULL, 0, "%.3f", e->u.f);
            char *tmp = malloc((size_t)n + 1);
            if (!tmp) {
                if (!o->rc)
                    o->rc = HB_ENOMEM;
                break;
            }
            snprintf(tmp, (size_t)n + 1, "%.3f", e->u.f);
            put(o, tmp, (size_t)n);
            free(tmp);
        }
        break;
    case HB_IQL_EXPR_BOOLEAN:
        puts_(o, e->u.b ? "true" : "false");
        break;
    case HB_IQL_EXPR_DURATION:
        duration(o, e->u.i);
        break;
    case HB_IQL_EXPR_LIST:
        put(o, "(", 1);
        for (size_t i = 0; i < e->u.list.n; i++) {
            if (i)
                puts_(o, ", ");
            qident(o, e->u.list.vals[i]);
        }
        put(o, ")", 1);
        break;
    case HB_IQL_EXPR_TIME:
        time_lit(o, e->u.i);
        break;
    case HB_IQL_EXPR_NIL:
        puts_(o, "nil");
        break;
    }
}

int hb_iql_format_expr(hb_buf *b, const hb_iql_expr *e)
{
    out o = {b, 0};
    expr(&o, e);
    return o.rc;
}

/* ---- clauses -------------------------------------------------------------- */

static void measurement(out *o, const hb_iql_measurement *m)
{
    if (m->database.n) {
        qident(o, m->database);
        put(o, ".", 1);
    }
    if (m->rp.n)
        qident(o, m->rp);
    if (m->database.n || m->rp.n)
        put(o, ".", 1);
    if (m->name.n)
        qident(o, m->name);
    else if (m->regex)
        expr(o, m->regex);
}

int hb_iql_format_measurement(hb_buf *b, const hb_iql_measurement *m)
{
    out o = {b, 0};
    measurement(&o, m);
    return o.rc;
}

static void source(out *o, const hb_iql_source *s)
{
    if (s->kind == HB_IQL_SRC_SUBQUERY) {
        put(o, "(", 1);
        select_(o, s->subquery);
        put(o, ")", 1);
    } else {
        measurement(o, &s->m);
    }
}

static void sources(out *o, const char *prefix, const hb_iql_source *s, size_t n)
{
    if (!s)
        return;
    puts_(o, prefix);
    for (size_t i = 0; i < n; i++) {
        if (i)
            puts_(o, ", ");
        source(o, &s[i]);
    }
}

static void where(out *o, const hb_iql_expr *cond)
{
    if (cond) {
        puts_(o, " WHERE ");
        expr(o, cond);
    }
}

static void group_by(out *o, hb_iql_expr *const *d, size_t n)
{
    if (n == 0)
        return;
    puts_(o, " GROUP BY ");
    for (size_t i = 0; i < n; i++) {
        if (i)
            puts_(o, ", ");
        expr(o, d[i]);
    }
}

static void order_by(out *o, const hb_iql_sort_field *f, size_t n)
{
    if (n == 0)
        return;
    puts_(o, " ORDER BY ");
    for (size_t i = 0; i < n; i++) {
        if (i)
            puts_(o, ", ");
        if (f[i].name.n) {
            putstr(o, f[i].name);
            put(o, " ", 1);
        }
        puts_(o, f[i].ascending ? "ASC" : "DESC");
    }
}

static void opt_int(out *o, const char *kw, int64_t v)
{
    if (v > 0)
        printf_(o, " %s %" PRId64, kw, v);
}

static void on_db(out *o, hb_iql_str db)
{
    if (db.n) {
        puts_(o, " ON ");
        qident(o, db);
    }
}

static void select_(out *o, const hb_iql_select *s)
{
    puts_(o, "SELECT ");
    for (size_t i = 0; i < s->nfields; i++) {
        if (i)
            puts_(o, ", ");
        expr(o, s->fields[i].expr);
        if (s->fields[i].alias.n) {
            puts_(o, " AS ");
            qident(o, s->fields[i].alias);
        }
    }
    if (s->target) {
        puts_(o, " INTO ");
        measurement(o, s->target);
        if (!s->target->name.n)
            puts_(o, ":MEASUREMENT");
    }
    if (s->nsources)
        sources(o, " FROM ", s->sources, s->nsources);
    where(o, s->condition);
    group_by(o, s->dimensions, s->ndimensions);
    switch (s->fill) {
    case HB_IQL_FILL_NONE:
        puts_(o, " fill(none)");
        break;
    case HB_IQL_FILL_NUMBER:
        if (s->fill_is_int) {
            printf_(o, " fill(%" PRId64 ")", s->fill_int);
        } else {
            char tmp[400];
            hb_iql_format_float_v(s->fill_float, tmp, sizeof tmp);
            printf_(o, " fill(%s)", tmp);
        }
        break;
    case HB_IQL_FILL_LINEAR:
        puts_(o, " fill(linear)");
        break;
    case HB_IQL_FILL_PREVIOUS:
        puts_(o, " fill(previous)");
        break;
    default:
        break;
    }
    order_by(o, s->sort, s->nsort);
    opt_int(o, "LIMIT", s->limit);
    opt_int(o, "OFFSET", s->offset);
    opt_int(o, "SLIMIT", s->slimit);
    opt_int(o, "SOFFSET", s->soffset);
    if (s->has_tz) {
        puts_(o, " TZ('");
        if (s->tz.n)
            putstr(o, s->tz);
        else
            puts_(o, "UTC");
        puts_(o, "')");
    }
}

int hb_iql_format_select(hb_buf *b, const hb_iql_select *s)
{
    out o = {b, 0};
    select_(&o, s);
    return o.rc;
}

/* ---- statements ----------------------------------------------------------- */

static void tag_key(out *o, const hb_iql_show *sh)
{
    puts_(o, " WITH KEY ");
    puts_(o, hb_iql_tok_name(sh->tag_key_op));
    put(o, " ", 1);
    if (sh->tag_key_expr && sh->tag_key_expr->kind == HB_IQL_EXPR_STRING)
        qident(o, sh->tag_key_expr->u.str);
    else
        expr(o, sh->tag_key_expr);
}

static void cardinality(out *o, const char *what, const hb_iql_stmt *st, int key)
{
    const hb_iql_show *sh = &st->u.show;
    puts_(o, what);
    puts_(o, sh->exact ? " EXACT CARDINALITY" : " CARDINALITY");
    on_db(o, sh->database);
    sources(o, " FROM ", sh->sources, sh->nsources);
    if (key)
        tag_key(o, sh);
    where(o, sh->condition);
    group_by(o, sh->dimensions, sh->ndimensions);
    opt_int(o, "LIMIT", sh->limit);
    opt_int(o, "OFFSET", sh->offset);
}

static void stmt(out *o, const hb_iql_stmt *st)
{
    const hb_iql_show *sh = &st->u.show;
    char d[HB_IQL_DURATION_BUFSZ];
    switch (st->kind) {
    case HB_IQL_STMT_SELECT:
        select_(o, st->u.select);
        break;
    case HB_IQL_STMT_EXPLAIN:
        puts_(o, st->u.explain.analyze ? "EXPLAIN ANALYZE " : "EXPLAIN ");
        select_(o, st->u.explain.select);
        break;
    case HB_IQL_STMT_DELETE_SERIES:
    case HB_IQL_STMT_DROP_SERIES:
        puts_(o, st->kind == HB_IQL_STMT_DELETE_SERIES ? "DELETE" : "DROP SERIES");
        sources(o, " FROM ", st->u.del.sources, st->u.del.nsources);
        where(o, st->u.del.condition);
        break;
    case HB_IQL_STMT_DROP_MEASUREMENT:
        puts_(o, "DROP MEASUREMENT ");
        qident(o, st->u.name);
        break;
    case HB_IQL_STMT_DROP_SHARD:
        printf_(o, "DROP SHARD %" PRIu64, st->u.shard_id);
        break;
    case HB_IQL_STMT_CREATE_DATABASE: {
        const hb_iql_create_database *c = &st->u.create_db;
        puts_(o, "CREATE DATABASE ");
        qident(o, c->name);
        if (c->rp_create) {
            puts_(o, " WITH");
            if (c->has_duration) {
                puts_(o, " DURATION ");
                put(o, d, hb_iql_duration_string(c->duration, d));
            }
            if (c->has_replication)
                printf_(o, " REPLICATION %d", c->replication);
            if (c->shard_duration > 0) {
                puts_(o, " SHARD DURATION ");
                put(o, d, hb_iql_duration_string(c->shard_duration, d));
            }
            if (c->rp_name.n) {
                puts_(o, " NAME ");
                qident(o, c->rp_name);
            }
        }
        break;
    }
    case HB_IQL_STMT_DROP_DATABASE:
        puts_(o, "DROP DATABASE ");
        qident(o, st->u.name);
        break;
    case HB_IQL_STMT_SHOW_DATABASES:
        puts_(o, "SHOW DATABASES");
        break;
    case HB_IQL_STMT_CREATE_RETENTION_POLICY: {
        const hb_iql_create_rp *c = &st->u.create_rp;
        puts_(o, "CREATE RETENTION POLICY ");
        qident(o, c->name);
        puts_(o, " ON ");
        qident(o, c->database);
        puts_(o, " DURATION ");
        duration(o, c->duration);
        printf_(o, " REPLICATION %d", c->replication);
        if (c->shard_duration > 0) {
            puts_(o, " SHARD DURATION ");
            duration(o, c->shard_duration);
        }
        if (c->is_default)
            puts_(o, " DEFAULT");
        break;
    }
    case HB_IQL_STMT_ALTER_RETENTION_POLICY: {
        const hb_iql_alter_rp *a = &st->u.alter_rp;
        puts_(o, "ALTER RETENTION POLICY ");
        qident(o, a->name);
        puts_(o, " ON ");
        qident(o, a->database);
        if (a->has_duration) {
            puts_(o, " DURATION ");
            duration(o, a->duration);
        }
        if (a->has_replication)
            printf_(o, " REPLICATION %d", a->replication);
        if (a->has_shard_duration) {
            puts_(o, " SHARD DURATION ");
            duration(o, a->shard_duration);
        }
        if (a->is_default)
            puts_(o, " DEFAULT");
        break;
    }
    case HB_IQL_STMT_DROP_RETENTION_POLICY:
    case HB_IQL_STMT_DROP_CONTINUOUS_QUERY:
        puts_(o, st->kind == HB_IQL_STMT_DROP_RETENTION_POLICY ? "DROP RETENTION POLICY "
                                                               : "DROP CONTINUOUS QUERY ");
        qident(o, st->u.on.name);
        puts_(o, " ON ");
        qident(o, st->u.on.database);
        break;
    case HB_IQL_STMT_SHOW_RETENTION_POLICIES:
        puts_(o, "SHOW RETENTION POLICIES");
        on_db(o, st->u.database);
        break;
    case HB_IQL_STMT_SHOW_MEASUREMENTS:
        puts_(o, "SHOW MEASUREMENTS");
        if (sh->database.n) {
            puts_(o, " ON ");
            putstr(o, sh->database); /* InfluxDB does not quote it here */
        }
        if (sh->with_measurement) {
            const hb_iql_source *src = sh->with_measurement;
            puts_(o, src->kind == HB_IQL_SRC_MEASUREMENT && src->m.regex ? " WITH MEASUREMENT =~ "
                                                                        : " WITH MEASUREMENT = ");
            source(o, src);
        }
        where(o, sh->condition);
        order_by(o, sh->sort, sh->nsort);
        opt_int(o, "LIMIT", sh->limit);
        opt_int(o, "OFFSET", sh->offset);
        break;
    case HB_IQL_STMT_SHOW_MEASUREMENT_CARDINALITY:
        cardinality(o, "SHOW MEASUREMENT", st, 0);
        break;
    case HB_IQL_STMT_SHOW_SERIES_CARDINALITY:
        cardinality(o, "SHOW SERIES", st, 0);
        break;
    case HB_IQL_STMT_SHOW_TAG_KEY_CARDINALITY:
        cardinality(o, "SHOW TAG KEY", st, 0);
        break;
    case HB_IQL_STMT_SHOW_TAG_VALUES_CARDINALITY:
        cardinality(o, "SHOW TAG VALUES", st, 1);
        break;
    case HB_IQL_STMT_SHOW_FIELD_KEY_CARDINALITY:
        cardinality(o, "SHOW FIELD KEY", st, 0);
        break;
    case HB_IQL_STMT_SHOW_SERIES:
    case HB_IQL_STMT_SHOW_TAG_KEYS:
    case HB_IQL_STMT_SHOW_TAG_VALUES:
    case HB_IQL_STMT_SHOW_FIELD_KEYS:
        puts_(o, hb_iql_stmt_kind_name(st->kind));
        on_db(o, sh->database);
        sources(o, " FROM ", sh->sources, sh->nsources);
        if (st->kind == HB_IQL_STMT_SHOW_TAG_VALUES)
            tag_key(o, sh);
        where(o, sh->condition);
        order_by(o, sh->sort, sh->nsort);
        opt_int(o, "LIMIT", sh->limit);
        opt_int(o, "OFFSET", sh->offset);
        opt_int(o, "SLIMIT", sh->slimit);
        opt_int(o, "SOFFSET", sh->soffset);
        break;
    case HB_IQL_STMT_SHOW_QUERIES:
    case HB_IQL_STMT_SHOW_USERS:
    case HB_IQL_STMT_SHOW_CONTINUOUS_QUERIES:
    case HB_IQL_STMT_SHOW_SHARDS:
    case HB_IQL_STMT_SHOW_SHARD_GROUPS:
    case HB_IQL_STMT_SHOW_SUBSCRIPTIONS:
        puts_(o, hb_iql_stmt_kind_name(st->kind));
        break;
    case HB_IQL_STMT_KILL_QUERY:
        printf_(o, "KILL QUERY %" PRIu64, st->u.kill.id);
        if (st->u.kill.host.n) {
            puts_(o, " ON ");
            qident(o, st->u.kill.host);
        }
        break;
    case HB_IQL_STMT_CREATE_USER:
        puts_(o, "CREATE USER ");
        qident(o, st->u.user.name);
        puts_(o, " WITH PASSWORD [REDACTED]");
        if (st->u.user.admin)
            puts_(o, " WITH ALL PRIVILEGES");
        break;
    case HB_IQL_STMT_DROP_USER:
        puts_(o, "DROP USER ");
        qident(o, st->u.user.name);
        break;
    case HB_IQL_STMT_SET_PASSWORD:
        puts_(o, "SET PASSWORD FOR ");
        qident(o, st->u.user.name);
        puts_(o, " = [REDACTED]");
        break;
    case HB_IQL_STMT_GRANT:
    case HB_IQL_STMT_REVOKE:
        puts_(o, st->kind == HB_IQL_STMT_GRANT ? "GRANT " : "REVOKE ");
        puts_(o, hb_iql_privilege_name(st->u.user.privilege));
        puts_(o, " ON ");
        qident(o, st->u.user.database);
        puts_(o, st->kind == HB_IQL_STMT_GRANT ? " TO " : " FROM ");
        qident(o, st->u.user.name);
        break;
    case HB_IQL_STMT_GRANT_ADMIN:
        puts_(o, "GRANT ALL PRIVILEGES TO ");
        qident(o, st->u.user.name);
        break;
    case HB_IQL_STMT_REVOKE_ADMIN:
        puts_(o, "REVOKE ALL PRIVILEGES FROM ");
        qident(o, st->u.user.name);
        break;
    case HB_IQL_STMT_SHOW_GRANTS:
        puts_(o, "SHOW GRANTS FOR ");
        qident(o, st->u.name);
        break;
    case HB_IQL_STMT_CREATE_CONTINUOUS_QUERY: {
        const hb_iql_cq *cq = &st->u.cq;
        puts_(o, "CREATE CONTINUOUS QUERY ");
        qident(o, cq->name);
        puts_(o, " ON ");
        qident(o, cq->database);
        put(o, " ", 1);
        if (cq->resample_every > 0 || cq->resample_for > 0) {
            puts_(o, "RESAMPLE ");
            if (cq->resample_every > 0) {
                puts_(o, "EVERY ");
                duration(o, cq->resample_every);
                put(o, " ", 1);
            }
            if (cq->resample_for > 0) {
                puts_(o, "FOR ");
                duration(o, cq->resample_for);
                put(o, " ", 1);
            }
        }
        puts_(o, "BEGIN ");
        select_(o, cq->select);
        puts_(o, " END");
        break;
    }
    case HB_IQL_STMT_SHOW_STATS:
    case HB_IQL_STMT_SHOW_DIAGNOSTICS:
        puts_(o, hb_iql_stmt_kind_name(st->kind));
        if (st->u.module.n) {
            puts_(o, " FOR ");
            qstring(o, st->u.module);
        }
        break;
    case HB_IQL_STMT_CREATE_SUBSCRIPTION:
    case HB_IQL_STMT_DROP_SUBSCRIPTION: {
        const hb_iql_subscription *s = &st->u.sub;
        puts_(o, st->kind == HB_IQL_STMT_CREATE_SUBSCRIPTION ? "CREATE SUBSCRIPTION "
                                                             : "DROP SUBSCRIPTION ");
        qident(o, s->name);
        puts_(o, " ON ");
        qident(o, s->database);
        put(o, ".", 1);
        qident(o, s->rp);
        if (st->kind == HB_IQL_STMT_CREATE_SUBSCRIPTION) {
            puts_(o, " DESTINATIONS ");
            putstr(o, s->mode);
            put(o, " ", 1);
            for (size_t i = 0; i < s->ndestinations; i++) {
                if (i)
                    puts_(o, ", ");
                qstring(o, s->destinations[i]);
            }
        }
        break;
    }
    default:
        break;
    }
}

int hb_iql_format_stmt(hb_buf *b, const hb_iql_stmt *st)
{
    out o = {b, 0};
    stmt(&o, st);
    return o.rc;
}

int hb_iql_format_query(hb_buf *b, const hb_iql_query *q)
{
    out o = {b, 0};
    for (size_t i = 0; i < q->nstmts; i++) {
        if (i)
            puts_(&o, ";\n");
        stmt(&o, q->stmts[i]);
    }
    return o.rc;
}
