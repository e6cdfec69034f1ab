/* Internals of the SHOW statements (engine/show*.c): a per-statement view
 * of the catalog loaded on demand, InfluxDB's condition rewriting and
 * evaluation, and the pieces the statements share. Not for other modules. */
#ifndef HB_ENGINE_SHOW_INTERNAL_H
#define HB_ENGINE_SHOW_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "app/catalog.h"
#include "app/result.h"
#include "base/arena.h"
#include "base/err.h"
#include "domain/influxql/ast.h"
#include "domain/point.h"

/* ---- the view: databases, measurements, series (show_view.c) ---------- */

typedef struct sh_series {
    const char *key;   /* canonical escaped series key (scratch arena) */
    uint32_t klen;
    uint8_t plain;     /* no backslash: the key is its own unescaped form */
    int32_t ntags;     /* -1 until parsed (keys with escapes only) */
    hb_tag *tags;      /* unescaped, in key order (sorted by key) */
} sh_series;

/* Walks the tags of a series in key order. */
typedef struct sh_tagit {
    const sh_series *s;
    const char *p;     /* plain keys: the ',' before the next tag */
    int32_t i;         /* parsed keys: next index */
} sh_tagit;

typedef struct sh_db sh_db;

typedef struct sh_meas {
    const char *name;  /* unescaped, NUL-terminated */
    size_t nlen;
    sh_db *db;
    int series_loaded, keys_loaded, fields_loaded;
    sh_series *series; /* in no particular order */
    size_t nseries;
    const char **keys; /* tag keys, sorted */
    size_t nkeys;
    hb_field_info *fields; /* sorted by name; names in the scratch arena */
    size_t nfields;
} sh_meas;

struct sh_db {
    const char *name;
    const char *rp;    /* the retention policy of the statement's first source
                          on this database (NULL: the default); field keys
                          are per policy */
    int series_in_rp;  /* load only the series written into rp (SHOW SERIES
                          with a time condition reads the policy's shards) */
    sh_meas *meas;     /* sorted by name (bytewise) */
    size_t nmeas;
};

typedef struct sh_regex sh_regex;

typedef struct sh_ctx {
    hb_catalog *cat;
    hb_query_result *res;
    hb_stmt_result *sr;
    hb_err *err;
    hb_arena a;        /* scratch for this statement */
    sh_db **dbs;       /* databases loaded so far */
    size_t ndbs, capdbs;
    sh_regex *rx;      /* compiled regexes by AST node */
    int64_t now;       /* now() for time conditions, ns */
    const char *default_rp; /* the request's rp parameter (NULL: none) */
} sh_ctx;

/* The database (measurement names loaded); HB_ENOTFOUND with InfluxDB's
 * "database not found: x" when it does not exist. */
int sh_db_get(sh_ctx *x, const char *name, sh_db **out);
int sh_meas_load_series(sh_ctx *x, sh_meas *m);
int sh_meas_load_keys(sh_ctx *x, sh_meas *m);
int sh_meas_load_fields(sh_ctx *x, sh_meas *m);
/* 1 if the measurement has the field (for InfluxDB's "a field, not a tag"). */
int sh_meas_has_field(sh_ctx *x, sh_meas *m, const char *name, size_t n);
/* Index of key in m->keys, or -1 (keys loaded). */
long sh_meas_key_index(const sh_meas *m, const char *key, size_t n);
/* The series' (unescaped) value of tag key: 1 found, 0 not, < 0 error. */
int sh_series_tag(sh_ctx *x, sh_series *s, const char *key, size_t n, hb_slice *val);
/* Tag iteration: begin (may parse the key), then next until it returns 0. */
int sh_tags_begin(sh_ctx *x, sh_series *s, sh_tagit *it);
int sh_tags_next(sh_tagit *it, hb_slice *key, hb_slice *val);
/* InfluxDB's series order (CompareSeriesKeys) on canonical escaped keys:
 * measurement, then tag by tag key then value, unescaped and bytewise,
 * fewer tags first. plain = the key has no backslash (a faster path). */
int sh_series_key_cmp(const char *a, size_t an, int aplain, const char *b, size_t bn, int bplain);
/* qsort comparator of sh_meas pointers by name (bytewise). */
int sh_meas_cmp_name(const void *a, const void *b);
/* Sorted unique tag keys of every measurement of the list (arena). */
int sh_union_keys(sh_ctx *x, sh_meas *const *ms, size_t n, const char ***out, size_t *nout);

/* ---- conditions (show_cond.c: rewrites, show_match.c: evaluation) ----------------------------------------- */

/* influxql.IsSystemName: _fieldKeys _measurements _name _series _tagKey _tagKeys _tags */
int sh_is_system_name(const char *s, size_t n);
/* influxql.HasTimeExpr */
int sh_has_time(const hb_iql_expr *e);
/* rewriteSourcesCondition: (_name = 'a' OR _name =~ /b/ ...) AND (cond). */
int sh_sources_cond(sh_ctx *x, const hb_iql_source *src, size_t n, hb_iql_expr *cond, hb_iql_expr **out);
/* WITH KEY as InfluxDB rewrites it: `_tagKey` op expr, or an OR of
 * `_tagKey = 'k'` for IN (...). *out NULL without WITH KEY. */
int sh_with_key_cond(sh_ctx *x, const hb_iql_show *sh, hb_iql_expr **out);
/* New nodes, owned by the scratch arena (NULL when out of memory or when an
 * operand is NULL): "lhs op rhs", "(e)", a variable, a string literal. */
hb_iql_expr *sh_binary(sh_ctx *x, hb_iql_tok op, hb_iql_expr *lhs, hb_iql_expr *rhs);
hb_iql_expr *sh_paren(sh_ctx *x, hb_iql_expr *e);
hb_iql_expr *sh_ref(sh_ctx *x, const char *name);
hb_iql_expr *sh_string(sh_ctx *x, const char *s, size_t n);

/* influxql.ConditionExpr: takes the time comparisons out of cond (their
 * range intersected into tmin..tmax, even under OR, as InfluxDB does),
 * constant-folds, drops a top-level paren and a `true`. Errors are
 * InfluxDB's ("invalid condition expression: x", "invalid time comparison
 * operator: !=", ...). */
int sh_condition_expr(sh_ctx *x, const hb_iql_expr *cond, hb_iql_expr **out, int64_t *tmin, int64_t *tmax);

/* influxql.RewriteExpr removing EQ/NEQ/EQREGEX/NEQREGEX comparisons:
 * SH_KEEP_NAME keeps only the ones on `_name` (Store's measurement filter),
 * SH_DROP_SYSTEM drops the ones whose left side is not a variable or is a
 * system name (Store's tag filter), SH_DROP_SYSTEM_BUT_NAME the same but
 * keeps `_name` (the series filter of the statements run as SELECTs).
 * NULL when nothing is left. */
enum { SH_KEEP_NAME = 1, SH_DROP_SYSTEM = 2, SH_DROP_SYSTEM_BUT_NAME = 3 };
hb_iql_expr *sh_strip(sh_ctx *x, const hb_iql_expr *e, int mode);  /* new nodes: scratch arena */

/* IndexSet.measurementNamesByExpr over db: set[i] = 1 for matching
 * measurements (expr NULL = all). Errors with InfluxDB's texts. */
int sh_meas_by_expr(sh_ctx *x, sh_db *db, const hb_iql_expr *expr, uint8_t *set);
/* IndexSet.seriesByExprIterator for one series: 1 match, 0 not, < 0 error. */
int sh_series_match(sh_ctx *x, sh_meas *m, sh_series *s, const hb_iql_expr *expr);
/* What a condition decides about a whole measurement from `_name` alone:
 * SH_NO (no series can match), SH_ALL (every series matches) or SH_MAYBE. */
enum { SH_NO = 0, SH_ALL = 1, SH_MAYBE = 2 };
int sh_meas_prefilter(sh_ctx *x, const sh_meas *m, const hb_iql_expr *expr);
/* measurement.TagKeysByExpr: keys wanted by `_tagKey` comparisons. *nil = 1
 * when the expression says nothing about keys. set has m->nkeys entries. */
int sh_tagkeys_by_expr(sh_ctx *x, sh_meas *m, const hb_iql_expr *expr, uint8_t *set, int *nil);
/* influxql.EvalBool over the series' tags plus `_tagKey` = tagkey (a missing
 * tag is nil: every comparison with it is false). */
int sh_eval_tags(sh_ctx *x, sh_series *s, const hb_slice *tagkey, const hb_iql_expr *expr);
/* Matches s against the /regex/ node (compiled once per statement). */
int sh_regex_match(sh_ctx *x, const hb_iql_expr *re, const char *s, size_t n);
void sh_regex_free_all(sh_ctx *x);

/* Errors in InfluxDB's words: "invalid condition expression: <expr>", and
 * the measurement filter's fmt.Errorf("%#v", expr) for a node it cannot use
 * (&influxql.BooleanLiteral{Val:true}, ...). */
int sh_err_invalid_condition(sh_ctx *x, const hb_iql_expr *e);
int sh_err_gosyntax(sh_ctx *x, const hb_iql_expr *e);

/* ---- shared helpers (show.c) ------------------------------------------ */

/* The statement's database: ON db, else the request's; "database name
 * required" when neither. */
int sh_target_db(sh_ctx *x, const hb_iql_show *sh, const char *default_db, const char **out);
/* The databases a statement run as a SELECT reads (FIELD KEYS, SERIES,
 * the exact cardinalities): each FROM source's database, else ON db, else
 * the request's, checked as InfluxDB does (first every database: "database
 * name required", "database not found: x"; then every retention policy:
 * "retention policy not found: x"). Unique, in source order. */
int sh_source_dbs(sh_ctx *x, const hb_iql_show *sh, const char *default_db, sh_db ***out, size_t *nout);
/* OFFSET then LIMIT over n items: [*from, *to). */
void sh_window(int64_t offset, int64_t limit, size_t n, size_t *from, size_t *to);
/* Measurements of db the expression selects (measurement level). */
int sh_select_meas(sh_ctx *x, sh_db *db, const hb_iql_expr *expr, sh_meas ***out, size_t *n);
/* A string value copied into the result arena. */
int sh_put_str(sh_ctx *x, hb_value *v, const char *s, size_t n);
/* Copy of s[0..n), NUL-terminated, owned by the scratch arena. */
char *sh_strdup(sh_ctx *x, const char *s, size_t n);
/* A new series / row of the statement's result (owned by the result). */
hb_series_out *sh_add_series(sh_ctx *x, const char *name, const char *const *cols, size_t ncols);
hb_value *sh_add_row(sh_ctx *x, hb_series_out *s);
/* HB_ENOMEM with "out of memory" in the statement's error. */
int sh_nomem(sh_ctx *x);

/* ---- the cardinality statements (show_card.c) ------------------------- */

int sh_cardinality(sh_ctx *x, const hb_iql_stmt *st, const char *default_db);
/* MEASUREMENT / SERIES CARDINALITY answered from the index's estimate (no
 * EXACT, FROM, WHERE, GROUP BY, LIMIT, OFFSET). */
int sh_card_is_estimate(const hb_iql_show *sh);

#endif
