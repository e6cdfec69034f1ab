/* User-management statements (see user_stmt.h). */
#include "app/user_stmt.h"

int hb_user_stmt_handles(hb_iql_stmt_kind k)
{
    switch (k) {
    case HB_IQL_STMT_CREATE_USER:
    case HB_IQL_STMT_DROP_USER:
    case HB_IQL_STMT_SET_PASSWORD:
    case HB_IQL_STMT_SHOW_USERS:
    case HB_IQL_STMT_GRANT:
    case HB_IQL_STMT_GRANT_ADMIN:
    case HB_IQL_STMT_REVOKE:
    case HB_IQL_STMT_REVOKE_ADMIN:
    case HB_IQL_STMT_SHOW_GRANTS: return 1;
    default: return 0;
    }
}

static int show_users(hb_users *users, hb_query_result *res, hb_stmt_result *sr, hb_err *err)
{
    hb_principal *v;
    size_t n;
    int rc = hb_users_list(users, &v, &n, err);
    if (rc)
        return rc;
    static const char *const cols[] = { "user", "admin" };
    hb_series_out *s = hb_result_add_series(res, sr, NULL, cols, 2);
    for (size_t i = 0; s && i < n; i++) {
        hb_value *row = hb_result_add_row(res, s);
        if (!row) {
            s = NULL;
            break;
        }
        row[0] = hb_value_str(res, v[i].name);
        row[1] = (hb_value){ .kind = HB_V_BOOL, .v.b = v[i].admin };
    }
    hb_principals_free(v, n);
    return s ? HB_OK : hb_err_set(err, HB_ENOMEM, "out of memory");
}

/* influxd lists grants in Go map order (random); here sorted by database */
static int show_grants(hb_users *users, const char *name, hb_query_result *res, hb_stmt_result *sr, hb_err *err)
{
    hb_principal *p;
    int rc = hb_users_get(users, name, &p, err);
    if (rc)
        return rc;
    static const char *const cols[] = { "database", "privilege" };
    hb_series_out *s = hb_result_add_series(res, sr, NULL, cols, 2);
    for (size_t i = 0; s && i < p->nprivs; i++) {
        hb_value *row = hb_result_add_row(res, s);
        if (!row) {
            s = NULL;
            break;
        }
        row[0] = hb_value_str(res, p->privs[i].db);
        row[1] = hb_value_str(res, hb_iql_privilege_name(p->privs[i].priv));
    }
    hb_principal_free(p);
    return s ? HB_OK : hb_err_set(err, HB_ENOMEM, "out of memory");
}

int hb_user_stmt_exec(hb_users *users, hb_catalog *catalog, const hb_iql_stmt *st, hb_query_result *res,
                      hb_stmt_result *sr, hb_err *err)
{
    const hb_iql_user_stmt *u = &st->u.user;
    switch (st->kind) {
    case HB_IQL_STMT_CREATE_USER: return hb_users_create(users, u->name.p, u->password.p, u->admin, err);
    case HB_IQL_STMT_DROP_USER: return hb_users_drop(users, u->name.p, err);
    case HB_IQL_STMT_SET_PASSWORD: return hb_users_set_password(users, u->name.p, u->password.p, err);
    case HB_IQL_STMT_GRANT_ADMIN: return hb_users_set_admin(users, u->name.p, 1, err);
    case HB_IQL_STMT_REVOKE_ADMIN: return hb_users_set_admin(users, u->name.p, 0, err);
    case HB_IQL_STMT_GRANT:
    case HB_IQL_STMT_REVOKE: {
        /* influxd: the user is looked up first, then the database */
        hb_principal *p;
        int rc = hb_users_get(users, u->name.p, &p, err);
        if (rc)
            return rc;
        hb_principal_free(p);
        if (!hb_catalog_has_database(catalog, u->database.p))
            return hb_err_set(err, HB_ENOTFOUND, "database not found: %s", u->database.p);
        return st->kind == HB_IQL_STMT_GRANT ? hb_users_grant(users, u->name.p, u->database.p, u->privilege, err)
                                             : hb_users_revoke(users, u->name.p, u->database.p, u->privilege, err);
    }
    case HB_IQL_STMT_SHOW_USERS: return show_users(users, res, sr, err);
    case HB_IQL_STMT_SHOW_GRANTS: return show_grants(users, st->u.name.p, res, sr, err);
    default: return hb_err_set(err, HB_EUNSUPP, "%s is not a user statement", hb_iql_stmt_kind_name(st->kind));
    }
}
