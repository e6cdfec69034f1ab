/* Shared internals of the InfluxQL parser (parser*.c). Not a public API.
 *
 * The parser mirrors InfluxDB's recursive-descent parser token for token:
 * a 3-token unscan ring over the lexer (tokens can be pushed back and
 * re-read), "scan ignoring whitespace" for most lookups, and a one-rune
 * peek into the raw input to decide whether a /regex/ follows. Reproducing
 * the exact sequence of scans and unscans is what makes the error texts
 * and positions identical to InfluxDB's. */
#ifndef HB_DOMAIN_INFLUXQL_PARSER_INTERNAL_H
#define HB_DOMAIN_INFLUXQL_PARSER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/err.h"
#include "domain/influxql/ast.h"
#include "domain/influxql/lexer.h"
#include "domain/influxql/parser.h"

/* A bind parameter turned into the token it stands for. */
typedef struct p_param {
    hb_iql_str name;
    hb_iql_tok tok;
    hb_iql_str lit;
} p_param;

typedef struct hb_iql_parser {
    hb_iql_lexer lx;
    hb_iql_token ring[3];
    int ti, tn;
    p_param *params;
    size_t nparams;
    hb_arena *arena;
    hb_err *err;
    hb_err own_err; /* used when the caller passes no hb_err */
    int nesting;
    int oom;
} P;

/* Growable array in the arena (may start on a caller's stack buffer:
 * {buf, 0, capacity}; it moves to the arena when it outgrows it). */
typedef struct p_vec {
    void *items;
    size_t n, cap;
} p_vec;

/* ---- scanning (parser.c) ---- */
hb_iql_token p_scan(P *p);
hb_iql_token p_scan_ign(P *p);          /* skips WS and COMMENT */
hb_iql_token p_scan_regex(P *p);
void p_unscan(P *p);
int32_t p_peek_rune(P *p);
void p_consume_ws(P *p);

/* ---- errors (parser.c); all return the error code ---- */
/* "found <tok>, expected <expected> at line L, char C" */
int p_expected(P *p, const hb_iql_token *t, const char *expected);
/* "<msg> at line L, char C" */
int p_msg_at(P *p, hb_iql_pos pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* "<msg>" (InfluxDB errors that carry no position) */
int p_plain(P *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int p_nomem(P *p);
int p_enter(P *p, hb_iql_pos pos); /* nesting guard; pair with p_leave */
void p_leave(P *p);

/* ---- allocation (parser.c) ---- */
void *p_alloc(P *p, size_t n);
void *p_vec_push(P *p, p_vec *v, size_t elsize);
int p_str(P *p, hb_iql_str *out, const char *s, size_t n);

/* ---- token helpers (parser.c) ---- */
int p_parse_tokens(P *p, const hb_iql_tok *toks, size_t n);
int p_ident(P *p, hb_iql_str *out);
int p_ident_list(P *p, p_vec *out);                  /* of hb_iql_str */
int p_string(P *p, hb_iql_str *out);
int p_string_list(P *p, p_vec *out);                 /* of hb_iql_str */
int p_int(P *p, int min, int max, int *out);
int p_uint64(P *p, uint64_t *out);
int p_duration(P *p, int64_t *out);                  /* DURATIONVAL or INF */
int p_optional_int(P *p, hb_iql_tok t, int64_t *out); /* [LIMIT n] */
/* Go's strconv.ParseInt(s, 10, 64) / ParseUint(s, 10, 64): 0, -1 syntax
 * error, -2 out of range (*out clamped as Go does). */
int hb_iql_go_parse_int(const char *s, size_t n, int64_t *out);
int hb_iql_go_parse_uint(const char *s, size_t n, uint64_t *out);

/* ---- expressions (parser_expr.c) ---- */
int p_expr(P *p, hb_iql_expr **out);
int p_regex(P *p, hb_iql_expr **out);               /* *out NULL if no regex */
int p_segmented_idents(P *p, p_vec *out);           /* of hb_iql_str */
hb_iql_expr *p_new_expr(P *p, hb_iql_expr_kind kind);
int p_check_depth(P *p, hb_iql_expr *e, hb_iql_pos pos);

/* ---- select and friends (parser_select.c) ---- */
typedef enum p_target { P_TARGET_REQUIRED, P_TARGET_NOT_REQUIRED, P_TARGET_SUBQUERY } p_target;
int p_select(P *p, p_target tr, hb_iql_select **out);
int p_sources(P *p, bool subqueries, hb_iql_source **out, size_t *n);
int p_source(P *p, bool subqueries, hb_iql_source *out);
int p_condition(P *p, hb_iql_expr **out);
int p_dimensions(P *p, hb_iql_expr ***out, size_t *n);
int p_order_by(P *p, hb_iql_sort_field **out, size_t *n);
int p_delete(P *p, hb_iql_stmt *st);                 /* DELETE and DROP SERIES */
int p_show_clauses(P *p, hb_iql_stmt *st);           /* SHOW MEASUREMENTS/SERIES/TAG/FIELD ... */

/* ---- statements (parser_stmt.c) ---- */
int p_statement(P *p, hb_iql_stmt **out);

#endif
