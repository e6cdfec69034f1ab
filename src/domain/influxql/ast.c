/* InfluxQL AST helpers: names and small queries over the tree. */
#include "domain/influxql/ast.h"

#include <string.h>

#include "base/buf.h"
#include "domain/influxql/parser.h"

const char *hb_iql_dtype_name(hb_iql_dtype t)
{
    switch (t) {
    case HB_IQL_DT_FLOAT: return "float";
    case HB_IQL_DT_INTEGER: return "integer";
    case HB_IQL_DT_UNSIGNED: return "unsigned";
    case HB_IQL_DT_STRING: return "string";
    case HB_IQL_DT_BOOLEAN: return "boolean";
    case HB_IQL_DT_TIME: return "time";
    case HB_IQL_DT_DURATION: return "duration";
    case HB_IQL_DT_TAG: return "tag";
    case HB_IQL_DT_ANYFIELD: return "field";
    default: return "unknown";
    }
}

const char *hb_iql_privilege_name(hb_iql_privilege p)
{
    switch (p) {
    case HB_IQL_PRIV_NONE: return "NO PRIVILEGES";
    case HB_IQL_PRIV_READ: return "READ";
    case HB_IQL_PRIV_WRITE: return "WRITE";
    case HB_IQL_PRIV_ALL: return "ALL PRIVILEGES";
    default: return "";
    }
}

const char *hb_iql_stmt_kind_name(hb_iql_stmt_kind k)
{
    switch (k) {
    case HB_IQL_STMT_SELECT: return "SELECT";
    case HB_IQL_STMT_DELETE_SERIES: return "DELETE";
    case HB_IQL_STMT_DROP_SERIES: return "DROP SERIES";
    case HB_IQL_STMT_DROP_MEASUREMENT: return "DROP MEASUREMENT";
    case HB_IQL_STMT_DROP_SHARD: return "DROP SHARD";
    case HB_IQL_STMT_CREATE_DATABASE: return "CREATE DATABASE";
    case HB_IQL_STMT_DROP_DATABASE: return "DROP DATABASE";
    case HB_IQL_STMT_SHOW_DATABASES: return "SHOW DATABASES";
    case HB_IQL_STMT_CREATE_RETENTION_POLICY: return "CREATE RETENTION POLICY";
    case HB_IQL_STMT_ALTER_RETENTION_POLICY: return "ALTER RETENTION POLICY";
    case HB_IQL_STMT_DROP_RETENTION_POLICY: return "DROP RETENTION POLICY";
    case HB_IQL_STMT_SHOW_RETENTION_POLICIES: return "SHOW RETENTION POLICIES";
    case HB_IQL_STMT_SHOW_MEASUREMENTS: return "SHOW MEASUREMENTS";
    case HB_IQL_STMT_SHOW_MEASUREMENT_CARDINALITY: return "SHOW MEASUREMENT CARDINALITY";
    case HB_IQL_STMT_SHOW_TAG_KEYS: return "SHOW TAG KEYS";
    case HB_IQL_STMT_SHOW_TAG_KEY_CARDINALITY: return "SHOW TAG KEY CARDINALITY";
    case HB_IQL_STMT_SHOW_TAG_VALUES: return "SHOW TAG VALUES";
    case HB_IQL_STMT_SHOW_TAG_VALUES_CARDINALITY: return "SHOW TAG VALUES CARDINALITY";
    case HB_IQL_STMT_SHOW_FIELD_KEYS: return "SHOW FIELD KEYS";
    case HB_IQL_STMT_SHOW_FIELD_KEY_CARDINALITY: return "SHOW FIELD KEY CARDINALITY";
    case HB_IQL_STMT_SHOW_SERIES: return "SHOW SERIES";
    case HB_IQL_STMT_SHOW_SERIES_CARDINALITY: return "SHOW SERIES CARDINALITY";
    case HB_IQL_STMT_SHOW_QUERIES: return "SHOW QUERIES";
    case HB_IQL_STMT_KILL_QUERY: return "KILL QUERY";
    case HB_IQL_STMT_CREATE_USER: return "CREATE USER";
    case HB_IQL_STMT_DROP_USER: return "DROP USER";
    case HB_IQL_STMT_SET_PASSWORD: return "SET PASSWORD";
    case HB_IQL_STMT_SHOW_USERS: return "SHOW USERS";
    case HB_IQL_STMT_GRANT: return "GRANT";
    case HB_IQL_STMT_GRANT_ADMIN: return "GRANT ALL PRIVILEGES";
    case HB_IQL_STMT_REVOKE: return "REVOKE";
    case HB_IQL_STMT_REVOKE_ADMIN: return "REVOKE ALL PRIVILEGES";
    case HB_IQL_STMT_SHOW_GRANTS: return "SHOW GRANTS";
    case HB_IQL_STMT_CREATE_CONTINUOUS_QUERY: return "CREATE CONTINUOUS QUERY";
    case HB_IQL_STMT_DROP_CONTINUOUS_QUERY: return "DROP CONTINUOUS QUERY";
    case HB_IQL_STMT_SHOW_CONTINUOUS_QUERIES: return "SHOW CONTINUOUS QUERIES";
    case HB_IQL_STMT_SHOW_STATS: return "SHOW STATS";
    case HB_IQL_STMT_SHOW_DIAGNOSTICS: return "SHOW DIAGNOSTICS";
    case HB_IQL_STMT_SHOW_SHARDS: return "SHOW SHARDS";
    case HB_IQL_STMT_SHOW_SHARD_GROUPS: return "SHOW SHARD GROUPS";
    case HB_IQL_STMT_SHOW_SUBSCRIPTIONS: return "SHOW SUBSCRIPTIONS";
    case HB_IQL_STMT_CREATE_SUBSCRIPTION: return "CREATE SUBSCRIPTION";
    case HB_IQL_STMT_DROP_SUBSCRIPTION: return "DROP SUBSCRIPTION";
    case HB_IQL_STMT_EXPLAIN: return "EXPLAIN";
    default: return "UNKNOWN";
    }
}

/* Names of var refs and calls (calls not descended), in walk order. */
static int binary_names(const hb_iql_expr *e, hb_buf *b)
{
    if (!e)
        return 0;
    int rc = 0;
    switch (e->kind) {
    case HB_IQL_EXPR_VARREF:
    case HB_IQL_EXPR_CALL: {
        const hb_iql_str *s = e->kind == HB_IQL_EXPR_VARREF ? &e->u.ref.name : &e->u.call.name;
        if (b->len && (rc = hb_buf_putc(b, '_')))
            return rc;
        return hb_buf_append(b, s->p, s->n);
    }
    case HB_IQL_EXPR_BINARY:
        if ((rc = binary_names(e->u.bin.lhs, b)))
            return rc;
        return binary_names(e->u.bin.rhs, b);
    case HB_IQL_EXPR_PAREN:
        return binary_names(e->u.paren, b);
    default:
        return 0;
    }
}

const char *hb_iql_field_name(const hb_iql_field *f, hb_arena *arena)
{
    if (f->alias.n)
        return f->alias.p;
    const hb_iql_expr *e = f->expr;
    while (e && e->kind == HB_IQL_EXPR_PAREN)
        e = e->u.paren;
    if (!e)
        return "";
    switch (e->kind) {
    case HB_IQL_EXPR_CALL:
        return e->u.call.name.p;
    case HB_IQL_EXPR_VARREF:
        return e->u.ref.name.p;
    case HB_IQL_EXPR_BINARY: {
        hb_buf b;
        hb_buf_init(&b, 0);
        const char *res = NULL;
        if (binary_names(e, &b) == 0)
            res = hb_arena_strndup(arena, hb_buf_cstr(&b), b.len);
        hb_buf_free(&b);
        return res;
    }
    default:
        return "";
    }
}

int64_t hb_iql_group_by_interval(const hb_iql_select *s, int *ok, const char **msg)
{
    *ok = 1;
    *msg = NULL;
    for (size_t i = 0; i < s->ndimensions; i++) {
        const hb_iql_expr *d = s->dimensions[i];
        if (d->kind != HB_IQL_EXPR_CALL || strcmp(d->u.call.name.p, "time") != 0)
            continue;
        if (d->u.call.nargs < 1 || d->u.call.nargs > 2) {
            *ok = 0;
            *msg = "time dimension expected 1 or 2 arguments";
            return 0;
        }
        if (d->u.call.args[0]->kind != HB_IQL_EXPR_DURATION) {
            *ok = 0;
            *msg = "time dimension must have duration argument";
            return 0;
        }
        return d->u.call.args[0]->u.i;
    }
    return 0;
}
