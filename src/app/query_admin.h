/* The server-introspection statements: SHOW QUERIES and KILL QUERY (over
 * app/running.h), SHOW STATS [FOR 'module'] and SHOW DIAGNOSTICS
 * [FOR 'module'], shaped as influxd 1.6 answers them (series per module,
 * columns sorted by name) with this server's numbers. */
#ifndef HB_APP_QUERY_ADMIN_H
#define HB_APP_QUERY_ADMIN_H

#include "app/result.h"
#include "base/err.h"
#include "domain/influxql/ast.h"

struct hb_services;

/* 1 when kind is one of the statements above. */
int hb_query_admin_handles(hb_iql_stmt_kind kind);
int hb_query_admin_exec(struct hb_services *svc, const hb_iql_stmt *st, hb_query_result *res, hb_stmt_result *sr,
                        hb_err *err);

#endif
