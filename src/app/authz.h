/* Query authorization as InfluxDB 1.x does it (its QueryAuthorizer and
 * each statement's RequiredPrivileges): every statement of a request is
 * checked before any runs; the first refusal fails the whole request with
 * 403 "error authorizing query: ...". */
#ifndef HB_APP_AUTHZ_H
#define HB_APP_AUTHZ_H

#include "app/users.h"
#include "base/err.h"
#include "domain/influxql/ast.h"

/* HB_OK, or HB_EINVAL with err->msg InfluxDB's text (without the
 * "error authorizing query: " prefix). user is the authenticated user or
 * NULL; db the request's db parameter (may be NULL). With no user in the
 * store only a first statement CREATE USER ... WITH ALL PRIVILEGES passes. */
int hb_authz_query(hb_users *users, const hb_principal *user, const hb_iql_query *q, const char *db, hb_err *err);

/* One required privilege of a statement: admin, or priv on db ("" = the
 * request's database). */
typedef struct hb_authz_need {
    int admin;
    const char *db;
    hb_iql_privilege priv;
} hb_authz_need;

/* The privileges st requires, at most cap (more are dropped; SELECT with
 * subqueries lists one per source at any depth). Returns how many. */
size_t hb_authz_required(const hb_iql_stmt *st, hb_authz_need *out, size_t cap);

#endif
