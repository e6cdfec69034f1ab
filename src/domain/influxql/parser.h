/* InfluxQL parser: query text -> AST (ast.h), with InfluxDB 1.x's exact
 * grammar and error texts.
 *
 * Errors: hb_influxql_parse returns HB_EPARSE with err->msg set to the text
 * InfluxDB puts after "error parsing query: ", e.g.
 *   "found EOF, expected identifier at line 1, char 17"
 *   "invalid duration at line 1, char 33"
 *   "missing parameter: name"
 * HB_ELIMIT for input over the caps below, HB_ENOMEM when the arena is
 * exhausted. An empty query (or only ';' and comments) parses to zero
 * statements; InfluxDB's HTTP layer answers that with "{}" (and rejects an
 * empty q parameter before parsing with `missing required parameter "q"`).
 *
 * Bind parameters ($name in the query) are substituted at the token level,
 * as InfluxDB does: a parameter never becomes query text, it becomes one
 * typed token. Map the /query `params` JSON object like InfluxDB 1.8 does:
 *   JSON string                -> HB_IQL_PARAM_STRING
 *   JSON number containing '.' -> HB_IQL_PARAM_FLOAT  (else INTEGER; InfluxDB
 *                                 rejects other numbers, e.g. 1e5, with
 *                                 "error parsing json value: ...")
 *   true/false                 -> HB_IQL_PARAM_BOOLEAN
 *   {"identifier"|"ident": s}  -> HB_IQL_PARAM_IDENT
 *   {"string": s}              -> STRING   {"regex": s}    -> REGEX
 *   {"integer"|"int": n}       -> INTEGER  {"float"|"number": n} -> FLOAT
 *   {"duration": "10s"|ns}     -> DURATION (an integer n: its text is
 *                                 hb_iql_duration_format(n))
 *   anything else              -> HB_IQL_PARAM_ERROR with InfluxDB's text:
 *     null     "unable to bind parameter with type <nil>"
 *     array    "unable to bind parameter with type []interface {}"
 *     object with != 1 entry "bound object parameter value must have exactly one entry"
 *     unknown key "unknown bind object type: KEY"
 *     wrong value type "identifier must be a string value", "regex literal
 *     must be a string value", "string literal must be a string value",
 *     "number literal must be a float value", "integer literal must be an
 *     integer value", "duration literal must be a string or integer value"
 *   numbers inside an object follow the same '.' rule; one that does not
 *   convert is an ERROR with Go's text, e.g.
 *     strconv.ParseInt: parsing "1e5": invalid syntax
 * A parameter in error fails the parse only where it is used (as
 * "missing parameter: <text>", InfluxDB's wording). Names are
 * case-sensitive; a later duplicate name wins. */
#ifndef HB_DOMAIN_INFLUXQL_PARSER_H
#define HB_DOMAIN_INFLUXQL_PARSER_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "domain/influxql/ast.h"

/* Input caps: queries longer than this are refused (HB_ELIMIT) ... */
#define HB_IQL_MAX_QUERY_BYTES (1024 * 1024)
/* ... and so is recursion (parentheses, calls, signs, subqueries) deeper
 * than this, before any stack is at risk. */
#define HB_IQL_MAX_NESTING 100

typedef enum hb_iql_param_type {
    HB_IQL_PARAM_STRING = 1,
    HB_IQL_PARAM_INTEGER,
    HB_IQL_PARAM_FLOAT,
    HB_IQL_PARAM_BOOLEAN,
    HB_IQL_PARAM_IDENT,
    HB_IQL_PARAM_REGEX,
    HB_IQL_PARAM_DURATION, /* text in s, parsed like a duration literal */
    HB_IQL_PARAM_ERROR,    /* message in s */
} hb_iql_param_type;

typedef struct hb_iql_param {
    const char *name;   /* without '$' */
    size_t name_len;
    hb_iql_param_type type;
    const char *s;      /* STRING, IDENT, REGEX, DURATION, ERROR */
    size_t s_len;
    int64_t i;          /* INTEGER */
    double f;           /* FLOAT */
    int b;              /* BOOLEAN */
} hb_iql_param;

typedef struct hb_iql_params {
    const hb_iql_param *items;
    size_t count;
} hb_iql_params;

/* Parse q[0..len) (need not be NUL-terminated). params and err may be
 * NULL. On success *out is the query; it and everything it points to live
 * in arena (whose cap, if any, turns into HB_ENOMEM). On failure *out is
 * NULL. The HTTP layer should apply hb_iql_trim_space first. */
int hb_influxql_parse(const char *q, size_t len, const hb_iql_params *params,
                      hb_arena *arena, hb_iql_query **out, hb_err *err);

/* Parse a single expression (InfluxDB's ParseExpr), e.g. for tests and the
 * engine's internal rewrites. Trailing input is ignored. */
int hb_influxql_parse_expr(const char *q, size_t len, const hb_iql_params *params,
                           hb_arena *arena, hb_iql_expr **out, hb_err *err);

/* Go's strings.TrimSpace (Unicode white space) applied in place to
 * (*q, *len). InfluxDB's /query handler trims q this way before parsing
 * (and answers an empty result with `missing required parameter "q"`), so
 * error positions are relative to the trimmed text. */
void hb_iql_trim_space(const char **q, size_t *len);

#endif
