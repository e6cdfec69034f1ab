/* Statement text for logs, the statement summary and SHOW QUERIES.
 *
 * hb_iql_redact copies a query text with the password literal of
 * CREATE USER ... WITH PASSWORD '...' and SET PASSWORD FOR u = '...'
 * replaced by [REDACTED]: after every PASSWORD keyword (outside strings,
 * quoted identifiers and comments) the next string literal of the same
 * statement is replaced, also when it is unterminated.
 *
 * hb_iql_normalize reduces a query text to its shape: string, number,
 * integer and duration literals become ?, comments go, runs of white space
 * become one space, the text is trimmed. Statements that differ only in
 * their literals normalize to the same text (and digest). Passwords are
 * string literals, so a normalized text never holds one.
 *
 * Both take any bytes (network input) and never fail but for HB_ENOMEM or
 * the cap of out. */
#ifndef HB_DOMAIN_INFLUXQL_NORMALIZE_H
#define HB_DOMAIN_INFLUXQL_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

int hb_iql_redact(const char *q, size_t n, hb_buf *out);
int hb_iql_normalize(const char *q, size_t n, hb_buf *out);
/* 64-bit digest of a normalized text (XXH3), as 16 hex digits. */
void hb_iql_digest(const char *norm, size_t n, char out[17]);

#endif
