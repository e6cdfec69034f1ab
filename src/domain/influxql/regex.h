/* Validation of InfluxQL regular expressions with Go's (RE2) syntax rules
 * and error texts, e.g.
 *   "error parsing regexp: missing closing ): `(a`"
 * InfluxDB compiles every /regex/ while parsing and fails the query with
 * that text; the engine later compiles the same pattern with PCRE2. */
#ifndef HB_DOMAIN_INFLUXQL_REGEX_H
#define HB_DOMAIN_INFLUXQL_REGEX_H

#include <stddef.h>

/* 0 if Go's regexp.Compile accepts pattern[0..n); else HB_EPARSE with the
 * message in msg. */
int hb_iql_regex_check(const char *pattern, size_t n, char *msg, size_t msglen);

#endif
