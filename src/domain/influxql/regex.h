/* Validation of InfluxQL regular expressions with Go's (RE2) syntax rules
 * and error texts, e.g.
 *   "error parsing regexp: missing closing ): `(a`"
 * InfluxDB compiles every /regex/ while parsing and fails the query with
 * that text; the engine later compiles the same pattern with PCRE2. */
#ifndef HB_DOMAIN_INFLUXQL_REGEX_H
#define HB_DOMAIN_INFLUXQL_REGEX_H

#include <stddef.h>

#ifndef PCRE2_CODE_UNIT_WIDTH
#define PCRE2_CODE_UNIT_WIDTH 8
#endif
#include <pcre2.h>

/* 0 if Go's regexp.Compile accepts pattern[0..n); else HB_EPARSE with the
 * message in msg. */
int hb_iql_regex_check(const char *pattern, size_t n, char *msg, size_t msglen);

/* pattern[0..n) compiled with PCRE2 to match as Go's regexp does: UTF-8
 * ('.' one character), subjects that are not valid UTF-8 still matched
 * bytewise, '$' only at the very end; JIT when available. NULL on failure
 * with PCRE2's message in msg. The caller frees it with pcre2_code_free. */
pcre2_code *hb_iql_regex_compile(const char *pattern, size_t n, char *msg, size_t msglen);

#endif
