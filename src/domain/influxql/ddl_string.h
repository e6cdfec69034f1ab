/* InfluxQL text of DDL statements, as InfluxDB's Statement.String() prints
 * them (used in the "read only context" warning of GET /query). */
#ifndef HB_DOMAIN_INFLUXQL_DDL_STRING_H
#define HB_DOMAIN_INFLUXQL_DDL_STRING_H

#include "base/buf.h"
#include "domain/influxql/ast.h"

/* Append the identifier, double-quoted and escaped when InfluxQL needs it
 * (keywords, characters outside [A-Za-z0-9_], a leading digit, empty). */
int hb_iql_quote_ident(hb_buf *b, const char *s, size_t n);

/* Append the statement's text. Returns HB_EUNSUPP for kinds not covered. */
int hb_iql_ddl_string(const hb_iql_stmt *st, hb_buf *b);

#endif
