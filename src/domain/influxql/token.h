/* InfluxQL tokens: the token set of InfluxDB 1.x (influxql 1.1, as used by
 * InfluxDB 1.8 and Debian's 1.6.7 build), their display names as they appear
 * in parse errors ("found X, expected Y"), keyword lookup and operator
 * precedence.
 *
 * The numbering groups literals, operators and keywords in ranges; the
 * display name of a token without one (COMMENT, INTEGER, BOUNDPARAM,
 * BADREGEX) is the empty string, exactly as InfluxDB prints it. */
#ifndef HB_DOMAIN_INFLUXQL_TOKEN_H
#define HB_DOMAIN_INFLUXQL_TOKEN_H

#include <stddef.h>

typedef enum hb_iql_tok {
    HB_IQL_ILLEGAL = 0,
    HB_IQL_EOF,
    HB_IQL_WS,
    HB_IQL_COMMENT,

    HB_IQL_LITERAL_BEG_,
    HB_IQL_IDENT,       /* main, "quoted ident" */
    HB_IQL_BOUNDPARAM,  /* $param */
    HB_IQL_NUMBER,      /* 12345.67 */
    HB_IQL_INTEGER,     /* 12345 */
    HB_IQL_DURATIONVAL, /* 13h */
    HB_IQL_STRING,      /* 'abc' */
    HB_IQL_BADSTRING,   /* 'abc */
    HB_IQL_BADESCAPE,   /* \q */
    HB_IQL_TRUE,
    HB_IQL_FALSE,
    HB_IQL_REGEX,       /* /re/ */
    HB_IQL_BADREGEX,    /* /re */
    HB_IQL_LITERAL_END_,

    HB_IQL_OPERATOR_BEG_,
    HB_IQL_ADD,         /* + */
    HB_IQL_SUB,         /* - */
    HB_IQL_MUL,         /* * */
    HB_IQL_DIV,         /* / */
    HB_IQL_MOD,         /* % */
    HB_IQL_BITWISE_AND, /* & */
    HB_IQL_BITWISE_OR,  /* | */
    HB_IQL_BITWISE_XOR, /* ^ */
    HB_IQL_AND,
    HB_IQL_OR,
    HB_IQL_EQ,          /* = */
    HB_IQL_NEQ,         /* != or <> */
    HB_IQL_EQREGEX,     /* =~ */
    HB_IQL_NEQREGEX,    /* !~ */
    HB_IQL_LT,          /* < */
    HB_IQL_LTE,         /* <= */
    HB_IQL_GT,          /* > */
    HB_IQL_GTE,         /* >= */
    HB_IQL_OPERATOR_END_,

    HB_IQL_LPAREN,      /* ( */
    HB_IQL_RPAREN,      /* ) */
    HB_IQL_COMMA,       /* , */
    HB_IQL_COLON,       /* : */
    HB_IQL_DOUBLECOLON, /* :: */
    HB_IQL_SEMICOLON,   /* ; */
    HB_IQL_DOT,         /* . */

    HB_IQL_KEYWORD_BEG_,
    HB_IQL_ALL,
    HB_IQL_ALTER,
    HB_IQL_ANALYZE,
    HB_IQL_ANY,
    HB_IQL_AS,
    HB_IQL_ASC,
    HB_IQL_BEGIN,
    HB_IQL_BY,
    HB_IQL_CARDINALITY,
    HB_IQL_CREATE,
    HB_IQL_CONTINUOUS,
    HB_IQL_DATABASE,
    HB_IQL_DATABASES,
    HB_IQL_DEFAULT,
    HB_IQL_DELETE,
    HB_IQL_DESC,
    HB_IQL_DESTINATIONS,
    HB_IQL_DIAGNOSTICS,
    HB_IQL_DISTINCT,
    HB_IQL_DROP,
    HB_IQL_DURATION,
    HB_IQL_END,
    HB_IQL_EVERY,
    HB_IQL_EXACT,
    HB_IQL_EXPLAIN,
    HB_IQL_FIELD,
    HB_IQL_FOR,
    HB_IQL_FROM,
    HB_IQL_GRANT,
    HB_IQL_GRANTS,
    HB_IQL_GROUP,
    HB_IQL_GROUPS,
    HB_IQL_IN,
    HB_IQL_INF,
    HB_IQL_INSERT,
    HB_IQL_INTO,
    HB_IQL_KEY,
    HB_IQL_KEYS,
    HB_IQL_KILL,
    HB_IQL_LIMIT,
    HB_IQL_MEASUREMENT,
    HB_IQL_MEASUREMENTS,
    HB_IQL_NAME,
    HB_IQL_OFFSET,
    HB_IQL_ON,
    HB_IQL_ORDER,
    HB_IQL_PASSWORD,
    HB_IQL_POLICY,
    HB_IQL_POLICIES,
    HB_IQL_PRIVILEGES,
    HB_IQL_QUERIES,
    HB_IQL_QUERY,
    HB_IQL_READ,
    HB_IQL_REPLICATION,
    HB_IQL_RESAMPLE,
    HB_IQL_RETENTION,
    HB_IQL_REVOKE,
    HB_IQL_SELECT,
    HB_IQL_SERIES,
    HB_IQL_SET,
    HB_IQL_SHOW,
    HB_IQL_SHARD,
    HB_IQL_SHARDS,
    HB_IQL_SLIMIT,
    HB_IQL_SOFFSET,
    HB_IQL_STATS,
    HB_IQL_SUBSCRIPTION,
    HB_IQL_SUBSCRIPTIONS,
    HB_IQL_TAG,
    HB_IQL_TO,
    HB_IQL_USER,
    HB_IQL_USERS,
    HB_IQL_VALUES,
    HB_IQL_WHERE,
    HB_IQL_WITH,
    HB_IQL_WRITE,
    HB_IQL_KEYWORD_END_,
} hb_iql_tok;

/* Display name: "EOF", "IDENT", "=~", "SELECT", ...; "" for tokens InfluxDB
 * has no name for. Static storage. */
const char *hb_iql_tok_name(hb_iql_tok t);
/* The comparison that holds with its operands swapped (a < b is b > a):
 * < and >, <= and >= trade places; every other token is its own. */
hb_iql_tok hb_iql_tok_mirror(hb_iql_tok op);

/* Keyword (or AND, OR, TRUE, FALSE) for an identifier, case-insensitive
 * (ASCII); HB_IQL_IDENT if it is not one. */
hb_iql_tok hb_iql_lookup(const char *s, size_t n);

/* Binary operator precedence: OR 1, AND 2, comparisons 3, + - | ^ 4,
 * * / % & 5; 0 for anything else. */
int hb_iql_precedence(hb_iql_tok t);

static inline int hb_iql_tok_is_operator(hb_iql_tok t)
{
    return t > HB_IQL_OPERATOR_BEG_ && t < HB_IQL_OPERATOR_END_;
}

static inline int hb_iql_tok_is_keyword(hb_iql_tok t)
{
    return t > HB_IQL_KEYWORD_BEG_ && t < HB_IQL_KEYWORD_END_;
}

#endif
