#include "domain/influxql/token.h"

#include <string.h>

static const char *const tok_names[HB_IQL_KEYWORD_END_] = {
    [HB_IQL_ILLEGAL] = "ILLEGAL",
    [HB_IQL_EOF] = "EOF",
    [HB_IQL_WS] = "WS",
    [HB_IQL_IDENT] = "IDENT",
    [HB_IQL_NUMBER] = "NUMBER",
    [HB_IQL_DURATIONVAL] = "DURATIONVAL",
    [HB_IQL_STRING] = "STRING",
    [HB_IQL_BADSTRING] = "BADSTRING",
    [HB_IQL_BADESCAPE] = "BADESCAPE",
    [HB_IQL_TRUE] = "TRUE",
    [HB_IQL_FALSE] = "FALSE",
    [HB_IQL_REGEX] = "REGEX",
    [HB_IQL_ADD] = "+",
    [HB_IQL_SUB] = "-",
    [HB_IQL_MUL] = "*",
    [HB_IQL_DIV] = "/",
    [HB_IQL_MOD] = "%",
    [HB_IQL_BITWISE_AND] = "&",
    [HB_IQL_BITWISE_OR] = "|",
    [HB_IQL_BITWISE_XOR] = "^",
    [HB_IQL_AND] = "AND",
    [HB_IQL_OR] = "OR",
    [HB_IQL_EQ] = "=",
    [HB_IQL_NEQ] = "!=",
    [HB_IQL_EQREGEX] = "=~",
    [HB_IQL_NEQREGEX] = "!~",
    [HB_IQL_LT] = "<",
    [HB_IQL_LTE] = "<=",
    [HB_IQL_GT] = ">",
    [HB_IQL_GTE] = ">=",
    [HB_IQL_LPAREN] = "(",
    [HB_IQL_RPAREN] = ")",
    [HB_IQL_COMMA] = ",",
    [HB_IQL_COLON] = ":",
    [HB_IQL_DOUBLECOLON] = "::",
    [HB_IQL_SEMICOLON] = ";",
    [HB_IQL_DOT] = ".",
    [HB_IQL_ALL] = "ALL",
    [HB_IQL_ALTER] = "ALTER",
    [HB_IQL_ANALYZE] = "ANALYZE",
    [HB_IQL_ANY] = "ANY",
    [HB_IQL_AS] = "AS",
    [HB_IQL_ASC] = "ASC",
    [HB_IQL_BEGIN] = "BEGIN",
    [HB_IQL_BY] = "BY",
    [HB_IQL_CARDINALITY] = "CARDINALITY",
    [HB_IQL_CREATE] = "CREATE",
    [HB_IQL_CONTINUOUS] = "CONTINUOUS",
    [HB_IQL_DATABASE] = "DATABASE",
    [HB_IQL_DATABASES] = "DATABASES",
    [HB_IQL_DEFAULT] = "DEFAULT",
    [HB_IQL_DELETE] = "DELETE",
    [HB_IQL_DESC] = "DESC",
    [HB_IQL_DESTINATIONS] = "DESTINATIONS",
    [HB_IQL_DIAGNOSTICS] = "DIAGNOSTICS",
    [HB_IQL_DISTINCT] = "DISTINCT",
    [HB_IQL_DROP] = "DROP",
    [HB_IQL_DURATION] = "DURATION",
    [HB_IQL_END] = "END",
    [HB_IQL_EVERY] = "EVERY",
    [HB_IQL_EXACT] = "EXACT",
    [HB_IQL_EXPLAIN] = "EXPLAIN",
    [HB_IQL_FIELD] = "FIELD",
    [HB_IQL_FOR] = "FOR",
    [HB_IQL_FROM] = "FROM",
    [HB_IQL_GRANT] = "GRANT",
    [HB_IQL_GRANTS] = "GRANTS",
    [HB_IQL_GROUP] = "GROUP",
    [HB_IQL_GROUPS] = "GROUPS",
    [HB_IQL_IN] = "IN",
    [HB_IQL_INF] = "INF",
    [HB_IQL_INSERT] = "INSERT",
    [HB_IQL_INTO] = "INTO",
    [HB_IQL_KEY] = "KEY",
    [HB_IQL_KEYS] = "KEYS",
    [HB_IQL_KILL] = "KILL",
    [HB_IQL_LIMIT] = "LIMIT",
    [HB_IQL_MEASUREMENT] = "MEASUREMENT",
    [HB_IQL_MEASUREMENTS] = "MEASUREMENTS",
    [HB_IQL_NAME] = "NAME",
    [HB_IQL_OFFSET] = "OFFSET",
    [HB_IQL_ON] = "ON",
    [HB_IQL_ORDER] = "ORDER",
    [HB_IQL_PASSWORD] = "PASSWORD",
    [HB_IQL_POLICY] = "POLICY",
    [HB_IQL_POLICIES] = "POLICIES",
    [HB_IQL_PRIVILEGES] = "PRIVILEGES",
    [HB_IQL_QUERIES] = "QUERIES",
    [HB_IQL_QUERY] = "QUERY",
    [HB_IQL_READ] = "READ",
    [HB_IQL_REPLICATION] = "REPLICATION",
    [HB_IQL_RESAMPLE] = "RESAMPLE",
    [HB_IQL_RETENTION] = "RETENTION",
    [HB_IQL_REVOKE] = "REVOKE",
    [HB_IQL_SELECT] = "SELECT",
    [HB_IQL_SERIES] = "SERIES",
    [HB_IQL_SET] = "SET",
    [HB_IQL_SHOW] = "SHOW",
    [HB_IQL_SHARD] = "SHARD",
    [HB_IQL_SHARDS] = "SHARDS",
    [HB_IQL_SLIMIT] = "SLIMIT",
    [HB_IQL_SOFFSET] = "SOFFSET",
    [HB_IQL_STATS] = "STATS",
    [HB_IQL_SUBSCRIPTION] = "SUBSCRIPTION",
    [HB_IQL_SUBSCRIPTIONS] = "SUBSCRIPTIONS",
    [HB_IQL_TAG] = "TAG",
    [HB_IQL_TO] = "TO",
    [HB_IQL_USER] = "USER",
    [HB_IQL_USERS] = "USERS",
    [HB_IQL_VALUES] = "VALUES",
    [HB_IQL_WHERE] = "WHERE",
    [HB_IQL_WITH] = "WITH",
    [HB_IQL_WRITE] = "WRITE",
};

const char *hb_iql_tok_name(hb_iql_tok t)
{
    if ((int)t >= 0 && t < HB_IQL_KEYWORD_END_ && tok_names[t])
        return tok_names[t];
    return "";
}

/* Keywords sorted by lower-case spelling, for binary search. */
typedef struct kw {
    const char *s;
    hb_iql_tok t;
} kw;

static const kw keywords[] = {
    {"all", HB_IQL_ALL},
    {"alter", HB_IQL_ALTER},
    {"analyze", HB_IQL_ANALYZE},
    {"and", HB_IQL_AND},
    {"any", HB_IQL_ANY},
    {"as", HB_IQL_AS},
    {"asc", HB_IQL_ASC},
    {"begin", HB_IQL_BEGIN},
    {"by", HB_IQL_BY},
    {"cardinality", HB_IQL_CARDINALITY},
    {"continuous", HB_IQL_CONTINUOUS},
    {"create", HB_IQL_CREATE},
    {"database", HB_IQL_DATABASE},
    {"databases", HB_IQL_DATABASES},
    {"default", HB_IQL_DEFAULT},
    {"delete", HB_IQL_DELETE},
    {"desc", HB_IQL_DESC},
    {"destinations", HB_IQL_DESTINATIONS},
    {"diagnostics", HB_IQL_DIAGNOSTICS},
    {"distinct", HB_IQL_DISTINCT},
    {"drop", HB_IQL_DROP},
    {"duration", HB_IQL_DURATION},
    {"end", HB_IQL_END},
    {"every", HB_IQL_EVERY},
    {"exact", HB_IQL_EXACT},
    {"explain", HB_IQL_EXPLAIN},
    {"false", HB_IQL_FALSE},
    {"field", HB_IQL_FIELD},
    {"for", HB_IQL_FOR},
    {"from", HB_IQL_FROM},
    {"grant", HB_IQL_GRANT},
    {"grants", HB_IQL_GRANTS},
    {"group", HB_IQL_GROUP},
    {"groups", HB_IQL_GROUPS},
    {"in", HB_IQL_IN},
    {"inf", HB_IQL_INF},
    {"insert", HB_IQL_INSERT},
    {"into", HB_IQL_INTO},
    {"key", HB_IQL_KEY},
    {"keys", HB_IQL_KEYS},
    {"kill", HB_IQL_KILL},
    {"limit", HB_IQL_LIMIT},
    {"measurement", HB_IQL_MEASUREMENT},
    {"measurements", HB_IQL_MEASUREMENTS},
    {"name", HB_IQL_NAME},
    {"offset", HB_IQL_OFFSET},
    {"on", HB_IQL_ON},
    {"or", HB_IQL_OR},
    {"order", HB_IQL_ORDER},
    {"password", HB_IQL_PASSWORD},
    {"policies", HB_IQL_POLICIES},
    {"policy", HB_IQL_POLICY},
    {"privileges", HB_IQL_PRIVILEGES},
    {"queries", HB_IQL_QUERIES},
    {"query", HB_IQL_QUERY},
    {"read", HB_IQL_READ},
    {"replication", HB_IQL_REPLICATION},
    {"resample", HB_IQL_RESAMPLE},
    {"retention", HB_IQL_RETENTION},
    {"revoke", HB_IQL_REVOKE},
    {"select", HB_IQL_SELECT},
    {"series", HB_IQL_SERIES},
    {"set", HB_IQL_SET},
    {"shard", HB_IQL_SHARD},
    {"shards", HB_IQL_SHARDS},
    {"show", HB_IQL_SHOW},
    {"slimit", HB_IQL_SLIMIT},
    {"soffset", HB_IQL_SOFFSET},
    {"stats", HB_IQL_STATS},
    {"subscription", HB_IQL_SUBSCRIPTION},
    {"subscriptions", HB_IQL_SUBSCRIPTIONS},
    {"tag", HB_IQL_TAG},
    {"to", HB_IQL_TO},
    {"true", HB_IQL_TRUE},
    {"user", HB_IQL_USER},
    {"users", HB_IQL_USERS},
    {"values", HB_IQL_VALUES},
    {"where", HB_IQL_WHERE},
    {"with", HB_IQL_WITH},
    {"write", HB_IQL_WRITE},
};

hb_iql_tok hb_iql_lookup(const char *s, size_t n)
{
    char low[16];
    if (n == 0 || n >= sizeof low)
        return HB_IQL_IDENT;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        else if (c < 'a' || c > 'z')
            return HB_IQL_IDENT;
        low[i] = (char)c;
    }
    low[n] = '\0';
    size_t lo = 0, hi = sizeof keywords / sizeof keywords[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(low, keywords[mid].s);
        if (c == 0)
            return keywords[mid].t;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return HB_IQL_IDENT;
}

int hb_iql_precedence(hb_iql_tok t)
{
    switch (t) {
    case HB_IQL_OR:
        return 1;
    case HB_IQL_AND:
        return 2;
    case HB_IQL_EQ: case HB_IQL_NEQ: case HB_IQL_EQREGEX: case HB_IQL_NEQREGEX:
    case HB_IQL_LT: case HB_IQL_LTE: case HB_IQL_GT: case HB_IQL_GTE:
        return 3;
    case HB_IQL_ADD: case HB_IQL_SUB: case HB_IQL_BITWISE_OR: case HB_IQL_BITWISE_XOR:
        return 4;
    case HB_IQL_MUL: case HB_IQL_DIV: case HB_IQL_MOD: case HB_IQL_BITWISE_AND:
        return 5;
    default:
        return 0;
    }
}

hb_iql_tok hb_iql_tok_mirror(hb_iql_tok op)
{
    switch (op) {
    case HB_IQL_LT: return HB_IQL_GT;
    case HB_IQL_LTE: return HB_IQL_GTE;
    case HB_IQL_GT: return HB_IQL_LT;
    case HB_IQL_GTE: return HB_IQL_LTE;
    default: return op;
    }
}
