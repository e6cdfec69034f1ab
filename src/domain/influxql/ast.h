/* InfluxQL abstract syntax tree.
 *
 * Produced by hb_influxql_parse (parser.h). Every node, array and string is
 * allocated from the arena passed to the parser and lives until that arena
 * is reset or freed; nothing here is freed individually.
 *
 * Conventions (following InfluxDB's AST, so the executor can mirror its
 * semantics):
 *   - strings are hb_iql_str (NUL-terminated, with length); an absent
 *     optional name (database of SHOW ... ON db, alias, ...) is empty;
 *   - arrays are pointer + count;
 *   - durations are int64 nanoseconds;
 *   - expression trees are at most HB_IQL_MAX_EXPR_DEPTH deep (the parser
 *     refuses deeper ones), so recursive walkers are safe. */
#ifndef HB_DOMAIN_INFLUXQL_AST_H
#define HB_DOMAIN_INFLUXQL_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/influxql/lexer.h"
#include "domain/influxql/token.h"

/* Maximum depth of any expression tree (node count on the longest path). */
#define HB_IQL_MAX_EXPR_DEPTH 1000

/* ---- expressions ------------------------------------------------------ */

typedef enum hb_iql_expr_kind {
    HB_IQL_EXPR_VARREF = 1, /* field or tag reference, with optional ::type */
    HB_IQL_EXPR_CALL,       /* name(args...); name lower-cased */
    HB_IQL_EXPR_BINARY,     /* lhs op rhs */
    HB_IQL_EXPR_PAREN,      /* ( expr ) */
    HB_IQL_EXPR_DISTINCT,   /* DISTINCT ident (without parentheses) */
    HB_IQL_EXPR_WILDCARD,   /* *, *::field, *::tag */
    HB_IQL_EXPR_REGEX,      /* /pattern/ */
    HB_IQL_EXPR_STRING,     /* 'text' */
    HB_IQL_EXPR_INTEGER,    /* int64 */
    HB_IQL_EXPR_UNSIGNED,   /* integer literal > INT64_MAX */
    HB_IQL_EXPR_NUMBER,     /* float */
    HB_IQL_EXPR_BOOLEAN,
    HB_IQL_EXPR_DURATION,   /* 10s, in ns */
    HB_IQL_EXPR_LIST,       /* (k1, k2): SHOW TAG VALUES WITH KEY IN (...) */
    HB_IQL_EXPR_TIME,       /* point in time (ns since epoch); made by the engine, never parsed */
    HB_IQL_EXPR_NIL,        /* nil; made by the engine, never parsed */
} hb_iql_expr_kind;

/* Data type of a VarRef cast (::float ...) or wildcard (::field, ::tag). */
typedef enum hb_iql_dtype {
    HB_IQL_DT_UNKNOWN = 0,
    HB_IQL_DT_FLOAT,
    HB_IQL_DT_INTEGER,
    HB_IQL_DT_STRING,
    HB_IQL_DT_BOOLEAN,
    HB_IQL_DT_TIME,
    HB_IQL_DT_DURATION,
    HB_IQL_DT_TAG,
    HB_IQL_DT_ANYFIELD, /* ::field */
    HB_IQL_DT_UNSIGNED,
} hb_iql_dtype;

/* "float", "integer", ..., "field"; "unknown" for HB_IQL_DT_UNKNOWN. */
const char *hb_iql_dtype_name(hb_iql_dtype t);

typedef struct hb_iql_expr hb_iql_expr;

struct hb_iql_expr {
    hb_iql_expr_kind kind;
    uint32_t depth; /* 1 for a leaf; 1 + deepest child otherwise */
    union {
        struct {
            hb_iql_str name;  /* segments joined with '.' */
            hb_iql_dtype type;
        } ref;
        struct {
            hb_iql_str name;
            hb_iql_expr **args;
            size_t nargs;
        } call;
        struct {
            hb_iql_tok op;    /* HB_IQL_ADD ... HB_IQL_GTE */
            hb_iql_expr *lhs, *rhs;
        } bin;
        hb_iql_expr *paren;
        hb_iql_str distinct;
        hb_iql_dtype wildcard; /* UNKNOWN, ANYFIELD or TAG */
        hb_iql_str regex;      /* pattern (RE2 syntax, "\/" already unescaped) */
        hb_iql_str str;
        int64_t i;             /* INTEGER, DURATION, TIME */
        uint64_t u;
        double f;
        bool b;
        struct {
            hb_iql_str *vals;
            size_t n;
        } list;
    } u;
};

/* ---- sources, fields, clauses ---------------------------------------- */

typedef struct hb_iql_select hb_iql_select;

typedef struct hb_iql_measurement {
    hb_iql_str database;  /* empty = default */
    hb_iql_str rp;        /* empty = default */
    hb_iql_str name;      /* empty when regex is set, or INTO ...:MEASUREMENT */
    hb_iql_expr *regex;   /* HB_IQL_EXPR_REGEX or NULL */
    bool is_target;       /* INTO target */
} hb_iql_measurement;

typedef enum hb_iql_source_kind {
    HB_IQL_SRC_MEASUREMENT = 1,
    HB_IQL_SRC_SUBQUERY,
} hb_iql_source_kind;

typedef struct hb_iql_source {
    hb_iql_source_kind kind;
    hb_iql_measurement m;      /* MEASUREMENT */
    hb_iql_select *subquery;   /* SUBQUERY */
} hb_iql_source;

typedef struct hb_iql_field {
    hb_iql_expr *expr;
    hb_iql_str alias; /* empty = none */
} hb_iql_field;

typedef struct hb_iql_sort_field {
    hb_iql_str name; /* empty for ORDER BY ASC|DESC */
    bool ascending;
} hb_iql_sort_field;

typedef enum hb_iql_fill {
    HB_IQL_FILL_NULL = 0, /* default */
    HB_IQL_FILL_NONE,
    HB_IQL_FILL_NUMBER,
    HB_IQL_FILL_PREVIOUS,
    HB_IQL_FILL_LINEAR,
} hb_iql_fill;

struct hb_iql_select {
    hb_iql_field *fields;
    size_t nfields;
    hb_iql_measurement *target;  /* INTO, or NULL */
    hb_iql_source *sources;
    size_t nsources;
    hb_iql_expr *condition;      /* WHERE, or NULL */
    hb_iql_expr **dimensions;    /* GROUP BY expressions */
    size_t ndimensions;
    hb_iql_fill fill;
    bool fill_is_int;            /* FILL_NUMBER: fill_int (else fill_float) */
    int64_t fill_int;
    double fill_float;
    hb_iql_sort_field *sort;
    size_t nsort;
    int64_t limit, offset, slimit, soffset; /* 0 = not given */
    hb_iql_str tz;               /* tz('...') name, empty = none */
    bool has_tz;
    const struct hb_tz *loc;     /* tz()'s zone (base/tzdb.h, process-lifetime); NULL = UTC */
    bool is_raw;                 /* no function call among the fields */
};

/* ---- statements -------------------------------------------------------- */

typedef enum hb_iql_stmt_kind {
    HB_IQL_STMT_SELECT = 1,
    HB_IQL_STMT_DELETE_SERIES,            /* DELETE [FROM ...] [WHERE ...] */
    HB_IQL_STMT_DROP_SERIES,
    HB_IQL_STMT_DROP_MEASUREMENT,
    HB_IQL_STMT_DROP_SHARD,
    HB_IQL_STMT_CREATE_DATABASE,
    HB_IQL_STMT_DROP_DATABASE,
    HB_IQL_STMT_SHOW_DATABASES,
    HB_IQL_STMT_CREATE_RETENTION_POLICY,
    HB_IQL_STMT_ALTER_RETENTION_POLICY,
    HB_IQL_STMT_DROP_RETENTION_POLICY,
    HB_IQL_STMT_SHOW_RETENTION_POLICIES,
    HB_IQL_STMT_SHOW_MEASUREMENTS,
    HB_IQL_STMT_SHOW_MEASUREMENT_CARDINALITY,
    HB_IQL_STMT_SHOW_TAG_KEYS,
    HB_IQL_STMT_SHOW_TAG_KEY_CARDINALITY,
    HB_IQL_STMT_SHOW_TAG_VALUES,
    HB_IQL_STMT_SHOW_TAG_VALUES_CARDINALITY,
    HB_IQL_STMT_SHOW_FIELD_KEYS,
    HB_IQL_STMT_SHOW_FIELD_KEY_CARDINALITY,
    HB_IQL_STMT_SHOW_SERIES,
    HB_IQL_STMT_SHOW_SERIES_CARDINALITY,
    HB_IQL_STMT_SHOW_QUERIES,
    HB_IQL_STMT_KILL_QUERY,
    HB_IQL_STMT_CREATE_USER,
    HB_IQL_STMT_DROP_USER,
    HB_IQL_STMT_SET_PASSWORD,
    HB_IQL_STMT_SHOW_USERS,
    HB_IQL_STMT_GRANT,                    /* GRANT priv ON db TO user */
    HB_IQL_STMT_GRANT_ADMIN,              /* GRANT ALL [PRIVILEGES] TO user */
    HB_IQL_STMT_REVOKE,                   /* REVOKE priv ON db FROM user */
    HB_IQL_STMT_REVOKE_ADMIN,             /* REVOKE ALL [PRIVILEGES] FROM user */
    HB_IQL_STMT_SHOW_GRANTS,              /* SHOW GRANTS FOR user */
    HB_IQL_STMT_CREATE_CONTINUOUS_QUERY,
    HB_IQL_STMT_DROP_CONTINUOUS_QUERY,
    HB_IQL_STMT_SHOW_CONTINUOUS_QUERIES,
    HB_IQL_STMT_SHOW_STATS,
    HB_IQL_STMT_SHOW_DIAGNOSTICS,
    HB_IQL_STMT_SHOW_SHARDS,
    HB_IQL_STMT_SHOW_SHARD_GROUPS,
    HB_IQL_STMT_SHOW_SUBSCRIPTIONS,
    HB_IQL_STMT_CREATE_SUBSCRIPTION,
    HB_IQL_STMT_DROP_SUBSCRIPTION,
    HB_IQL_STMT_EXPLAIN,
    HB_IQL_STMT_KIND_COUNT_
} hb_iql_stmt_kind;

/* "SELECT", "SHOW TAG VALUES", ...: a stable name for logs and
 * "not implemented" messages. */
const char *hb_iql_stmt_kind_name(hb_iql_stmt_kind k);

typedef enum hb_iql_privilege {
    HB_IQL_PRIV_NONE = 0,
    HB_IQL_PRIV_READ,
    HB_IQL_PRIV_WRITE,
    HB_IQL_PRIV_ALL,
} hb_iql_privilege;

/* "NO PRIVILEGES", "READ", "WRITE", "ALL PRIVILEGES". */
const char *hb_iql_privilege_name(hb_iql_privilege p);

/* CREATE DATABASE name [WITH [DURATION d] [REPLICATION n]
 *                           [SHARD DURATION d] [NAME rp]] */
typedef struct hb_iql_create_database {
    hb_iql_str name;
    bool rp_create;          /* WITH was given */
    bool has_duration;       /* DURATION given (0 = INF) */
    int64_t duration;
    bool has_replication;
    int replication;
    int64_t shard_duration;  /* 0 = not given (or INF) */
    hb_iql_str rp_name;      /* empty = not given */
} hb_iql_create_database;

/* CREATE RETENTION POLICY name ON db DURATION d REPLICATION n
 *                        [SHARD DURATION d] [DEFAULT] */
typedef struct hb_iql_create_rp {
    hb_iql_str name, database;
    int64_t duration;        /* 0 = INF */
    int replication;
    int64_t shard_duration;  /* 0 = not given */
    bool is_default;
} hb_iql_create_rp;

/* ALTER RETENTION POLICY name ON db [DURATION d] [REPLICATION n]
 *                       [SHARD DURATION d] [DEFAULT] (any order, >= 1) */
typedef struct hb_iql_alter_rp {
    hb_iql_str name, database;  /* name "default" for ALTER RETENTION POLICY DEFAULT */
    bool has_duration, has_replication, has_shard_duration;
    int64_t duration;
    int replication;
    int64_t shard_duration;
    bool is_default;
} hb_iql_alter_rp;

/* The SHOW statements with ON/FROM/WHERE/GROUP BY/ORDER BY/LIMIT clauses:
 * SHOW MEASUREMENTS, SERIES, TAG KEYS, TAG VALUES, FIELD KEYS and their
 * CARDINALITY forms. Which clauses a kind accepts follows InfluxDB:
 *   MEASUREMENTS:  database, with_measurement, condition, sort, limit, offset
 *   SERIES:        database, sources, condition, sort, limit, offset
 *   TAG KEYS:      database, sources, condition, sort, limit/offset/slimit/soffset
 *   TAG VALUES:    database, sources, tag_key_op/tag_key_expr, condition, sort,
 *                  limit, offset
 *   FIELD KEYS:    database, sources, sort, limit, offset
 *   *_CARDINALITY: exact, database, sources, [tag_key_op/expr for tag values],
 *                  condition, dimensions, limit, offset */
typedef struct hb_iql_show {
    hb_iql_str database;               /* ON db; empty = current db */
    hb_iql_source *sources;
    size_t nsources;
    hb_iql_source *with_measurement;   /* SHOW MEASUREMENTS WITH MEASUREMENT =|=~ src */
    hb_iql_tok tag_key_op;             /* HB_IQL_EQ, NEQ, EQREGEX, NEQREGEX or IN */
    hb_iql_expr *tag_key_expr;         /* STRING (=, !=), REGEX (=~, !~), LIST (IN) */
    hb_iql_expr *condition;
    hb_iql_expr **dimensions;
    size_t ndimensions;
    hb_iql_sort_field *sort;
    size_t nsort;
    int64_t limit, offset, slimit, soffset;
    bool exact;                        /* EXACT CARDINALITY */
} hb_iql_show;

/* DELETE / DROP SERIES: FROM sources (no db/rp) and/or WHERE */
typedef struct hb_iql_delete {
    hb_iql_source *sources;
    size_t nsources;
    hb_iql_expr *condition;
} hb_iql_delete;

typedef struct hb_iql_user_stmt {
    hb_iql_str name;       /* user */
    hb_iql_str password;   /* CREATE USER, SET PASSWORD */
    bool admin;            /* CREATE USER ... WITH ALL PRIVILEGES */
    hb_iql_privilege privilege; /* GRANT/REVOKE */
    hb_iql_str database;   /* GRANT/REVOKE ... ON db */
} hb_iql_user_stmt;

typedef struct hb_iql_cq {
    hb_iql_str name, database;
    int64_t resample_every, resample_for; /* 0 = not given */
    hb_iql_select *select;
} hb_iql_cq;

typedef struct hb_iql_subscription {
    hb_iql_str name, database, rp;
    hb_iql_str mode;          /* "ALL" or "ANY" */
    hb_iql_str *destinations;
    size_t ndestinations;
} hb_iql_subscription;

typedef struct hb_iql_stmt {
    hb_iql_stmt_kind kind;
    union {
        hb_iql_select *select;               /* SELECT */
        struct {
            hb_iql_select *select;
            bool analyze;
        } explain;                           /* EXPLAIN [ANALYZE] */
        hb_iql_create_database create_db;
        hb_iql_str name;                     /* DROP DATABASE, DROP MEASUREMENT, SHOW GRANTS FOR */
        hb_iql_create_rp create_rp;
        hb_iql_alter_rp alter_rp;
        struct {
            hb_iql_str name, database;
        } on;                                /* DROP RETENTION POLICY, DROP CONTINUOUS QUERY */
        hb_iql_str database;                 /* SHOW RETENTION POLICIES [ON db] */
        hb_iql_show show;                    /* SHOW MEASUREMENTS/SERIES/TAG/FIELD ... */
        hb_iql_delete del;                   /* DELETE, DROP SERIES */
        uint64_t shard_id;                   /* DROP SHARD */
        struct {
            uint64_t id;
            hb_iql_str host;
        } kill;                              /* KILL QUERY id [ON host] */
        hb_iql_user_stmt user;               /* users, GRANT, REVOKE */
        hb_iql_cq cq;                        /* CREATE CONTINUOUS QUERY */
        hb_iql_str module;                   /* SHOW STATS/DIAGNOSTICS [FOR 'module'] */
        hb_iql_subscription sub;             /* CREATE/DROP SUBSCRIPTION */
    } u;
} hb_iql_stmt;

typedef struct hb_iql_query {
    hb_iql_stmt **stmts;
    size_t nstmts;
} hb_iql_query;

/* ---- helpers ----------------------------------------------------------- */

/* Column name InfluxDB derives for a field: alias, call name, var name, or
 * the var/call names of a binary expression joined with '_'; writes into
 * the arena. Returns NULL on allocation failure. */
const char *hb_iql_field_name(const hb_iql_field *f, hb_arena *arena);

/* True if the SELECT contains a call anywhere in its fields. */
bool hb_iql_fields_have_call(const hb_iql_field *fields, size_t n);

/* GROUP BY time(...) interval of a SELECT: 0 with *ok = 1 when there is
 * none; on a malformed time() dimension *ok = 0 and *msg is InfluxDB's
 * error text. */
int64_t hb_iql_group_by_interval(const hb_iql_select *s, int *ok, const char **msg);

#endif
