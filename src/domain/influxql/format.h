/* InfluxQL AST -> text, exactly as InfluxDB's String() methods print it.
 *
 * InfluxDB shows this normalised text to users: SHOW CONTINUOUS QUERIES
 * lists the stored CQ as printed here, SHOW QUERIES lists running
 * statements, and some error messages quote expressions. So the output
 * follows InfluxDB's rules: identifiers quoted only when needed, floats
 * with 3 decimals, durations in InfluxQL form, passwords "[REDACTED]".
 *
 * All functions append to an hb_buf and return 0 or the hb_buf error
 * (HB_ENOMEM, HB_ELIMIT). */
#ifndef HB_DOMAIN_INFLUXQL_FORMAT_H
#define HB_DOMAIN_INFLUXQL_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "domain/influxql/ast.h"

/* True if an identifier must be double-quoted to re-parse: keywords and
 * anything but [A-Za-z_][A-Za-z0-9_]*. */
bool hb_iql_ident_needs_quotes(const char *s, size_t n);

/* QuoteIdent: "name" quoted when needed, with \n \\ \" escaped. */
int hb_iql_fmt_ident(hb_buf *b, const char *s, size_t n);
/* QuoteIdent over segments joined with '.', quoting inner non-empty
 * segments and an empty first/last one (db..m -> "db"..m). */
int hb_iql_fmt_ident_segments(hb_buf *b, const hb_iql_str *segs, size_t n);
/* QuoteString: 'text' with \n \\ \' escaped. */
int hb_iql_fmt_string(hb_buf *b, const char *s, size_t n);

/* Go strconv.FormatFloat(v, 'f', -1, 64): shortest decimal that reads back
 * as v, never in exponent form ("2.5", "100", "0.0001"). Returns length. */
size_t hb_iql_format_float_f(double v, char *buf, size_t cap);
/* Go fmt "%v" of a float64 ("2.5", "1e+21", "1e-05"). Returns length. */
size_t hb_iql_format_float_v(double v, char *buf, size_t cap);

int hb_iql_format_expr(hb_buf *b, const hb_iql_expr *e);
int hb_iql_format_measurement(hb_buf *b, const hb_iql_measurement *m);
int hb_iql_format_select(hb_buf *b, const hb_iql_select *s);
int hb_iql_format_stmt(hb_buf *b, const hb_iql_stmt *st);
/* Statements joined with ";\n". */
int hb_iql_format_query(hb_buf *b, const hb_iql_query *q);

#endif
