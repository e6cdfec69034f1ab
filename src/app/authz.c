/* Privileges each statement requires (InfluxDB 1.x's RequiredPrivileges)
 * and the per-request check (its QueryAuthorizer / UserInfo.AuthorizeQuery). */
#include "app/authz.h"

#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "domain/influxql/format.h"

#define MAX_NEEDS 1024

typedef struct needs {
    hb_authz_need *v;
    size_t n, cap, total;
} needs;

static void need(needs *s, int admin, const char *db, hb_iql_privilege p)
{
    if (s->n < s->cap)
        s->v[s->n++] = (hb_authz_need){ admin, db ? db : "", p };
    s->total++;
}

static void select_needs(needs *s, const hb_iql_select *sel, int depth)
{
    if (depth > HB_IQL_MAX_EXPR_DEPTH)
        return;
    for (size_t i = 0; i < sel->nsources; i++) {
        const hb_iql_source *src = &sel->sources[i];
        if (src->kind == HB_IQL_SRC_SUBQUERY)
            select_needs(s, src->subquery, depth + 1);
        else
            need(s, 0, src->m.database.p, HB_IQL_PRIV_READ);
    }
    if (sel->target)
        need(s, 0, sel->target->database.p, HB_IQL_PRIV_WRITE);
}

static void stmt_needs(needs *s, const hb_iql_stmt *st)
{
    switch (st->kind) {
    case HB_IQL_STMT_SELECT: select_needs(s, st->u.select, 0); break;
    case HB_IQL_STMT_EXPLAIN: select_needs(s, st->u.explain.select, 0); break;
    case HB_IQL_STMT_SHOW_DATABASES: need(s, 0, "", HB_IQL_PRIV_NONE); break;   /* answers are filtered */
    case HB_IQL_STMT_SHOW_RETENTION_POLICIES: need(s, 0, st->u.database.p, HB_IQL_PRIV_READ); break;
    case HB_IQL_STMT_SHOW_MEASUREMENTS:
    case HB_IQL_STMT_SHOW_MEASUREMENT_CARDINALITY:
    case HB_IQL_STMT_SHOW_TAG_KEYS:
    case HB_IQL_STMT_SHOW_TAG_KEY_CARDINALITY:
    case HB_IQL_STMT_SHOW_TAG_VALUES:
    case HB_IQL_STMT_SHOW_TAG_VALUES_CARDINALITY:
    case HB_IQL_STMT_SHOW_FIELD_KEYS:
    case HB_IQL_STMT_SHOW_FIELD_KEY_CARDINALITY:
    case HB_IQL_STMT_SHOW_SERIES:
    case HB_IQL_STMT_SHOW_SERIES_CARDINALITY: need(s, 0, st->u.show.database.p, HB_IQL_PRIV_READ); break;
    case HB_IQL_STMT_DELETE_SERIES:
    case HB_IQL_STMT_DROP_SERIES: need(s, 0, "", HB_IQL_PRIV_WRITE); break;
    case HB_IQL_STMT_SHOW_QUERIES:
    case HB_IQL_STMT_SHOW_CONTINUOUS_QUERIES: need(s, 0, "", HB_IQL_PRIV_READ); break;
    case HB_IQL_STMT_CREATE_CONTINUOUS_QUERY:
        need(s, 0, st->u.cq.database.p, HB_IQL_PRIV_WRITE);
        if (st->u.cq.select)
            select_needs(s, st->u.cq.select, 0);
        break;
    case HB_IQL_STMT_DROP_CONTINUOUS_QUERY: need(s, 0, st->u.on.database.p, HB_IQL_PRIV_WRITE); break;
    default: need(s, 1, "", HB_IQL_PRIV_ALL); break;   /* DDL, users, DROP MEASUREMENT, KILL, SHOW STATS ... */
    }
}

size_t hb_authz_required(const hb_iql_stmt *st, hb_authz_need *out, size_t cap)
{
    needs s = { out, 0, cap, 0 };
    stmt_needs(&s, st);
    return s.n;
}

static int refuse(hb_err *err, const char *user, const hb_iql_stmt *st, const char *what)
{
    hb_buf b;
    hb_buf_init(&b, 0);
    hb_iql_format_stmt(&b, st);
    const char *text = hb_buf_cstr(&b);
    hb_err_set(err, HB_EINVAL, "%s not authorized to execute statement '%s', %s", user, text ? text : "", what);
    hb_buf_free(&b);
    return HB_EINVAL;
}

int hb_authz_query(hb_users *users, const hb_principal *user, const hb_iql_query *q, const char *db, hb_err *err)
{
    if (hb_users_count(users) == 0) {
        if (q->nstmts > 0 && q->stmts[0]->kind == HB_IQL_STMT_CREATE_USER && q->stmts[0]->u.user.admin)
            return HB_OK;
        return hb_err_set(err, HB_EINVAL, "create admin user first or disable authentication");
    }
    if (!user)
        return hb_err_set(err, HB_EINVAL, "no user provided");
    if (user->admin)
        return HB_OK;
    static _Thread_local hb_authz_need v[MAX_NEEDS];
    for (size_t i = 0; i < q->nstmts; i++) {
        const hb_iql_stmt *st = q->stmts[i];
        needs s = { v, 0, MAX_NEEDS, 0 };
        stmt_needs(&s, st);
        if (s.total > s.cap)   /* too many sources to list: only an admin may run it */
            return refuse(err, user->name, st, "requires admin privilege");
        for (size_t k = 0; k < s.n; k++) {
            if (v[k].admin)
                return refuse(err, user->name, st, "requires admin privilege");
            const char *d = *v[k].db ? v[k].db : db ? db : "";
            if (!hb_principal_can(user, v[k].priv, d)) {
                char what[600];
                snprintf(what, sizeof what, "requires %s on %s", hb_iql_privilege_name(v[k].priv), d);
                return refuse(err, user->name, st, what);
            }
        }
    }
    return HB_OK;
}
