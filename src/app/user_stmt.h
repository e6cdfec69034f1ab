/* The user-management statements (CREATE/DROP USER, SET PASSWORD, GRANT,
 * REVOKE, SHOW USERS, SHOW GRANTS) against the user store, with influxd's
 * answers and error texts. */
#ifndef HB_APP_USER_STMT_H
#define HB_APP_USER_STMT_H

#include "app/catalog.h"
#include "app/result.h"
#include "app/users.h"
#include "domain/influxql/ast.h"

/* Non-zero for the statement kinds handled here. */
int hb_user_stmt_handles(hb_iql_stmt_kind k);
/* Runs st; results go into sr. */
int hb_user_stmt_exec(hb_users *users, hb_catalog *catalog, const hb_iql_stmt *st, hb_query_result *res,
                      hb_stmt_result *sr, hb_err *err);

#endif
