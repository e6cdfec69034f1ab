/* Query results as InfluxDB models them: per statement, an error or a list
 * of series (name, tags, columns, rows of values). Everything is allocated
 * from the query's arena. The HTTP layer encodes it (JSON, CSV, chunks). */
#ifndef HB_APP_RESULT_H
#define HB_APP_RESULT_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"

/* Memory one query's parse tree and results may take (HB_ENOMEM beyond). */
#define HB_QUERY_ARENA_MAX ((size_t)256 << 20)

typedef enum hb_vkind {
    HB_V_NULL = 0,
    HB_V_FLOAT,
    HB_V_INT,
    HB_V_UINT,
    HB_V_STR,
    HB_V_BOOL,
    HB_V_TIME,     /* ns since epoch: RFC3339Nano text or an epoch integer */
} hb_vkind;

typedef struct hb_value {
    hb_vkind kind;
    union {
        double f;
        int64_t i;     /* also HB_V_TIME */
        uint64_t u;
        int b;
        struct {
            const char *p;
            size_t n;
        } s;
    } v;
} hb_value;

typedef struct hb_kv {
    const char *key, *val;
} hb_kv;

typedef struct hb_series_out {
    const char *name;          /* NULL: no "name" member */
    hb_kv *tags;               /* ntags == 0: no "tags" member */
    size_t ntags;
    const char **columns;
    size_t ncols;
    hb_value *values;          /* row-major, nrows * ncols */
    size_t nrows, rows_cap;
    int partial;
} hb_series_out;

typedef struct hb_message {
    const char *level;         /* "warning", "info" */
    const char *text;
} hb_message;

/* How influxd hands a statement's answer to its encoder, which decides
 * how a chunked response is cut (and "partial" flags): all at once, one
 * result per series (SHOW TAG KEYS / TAG VALUES), or through the SELECT
 * emitter in chunk_size pieces (SELECT, SHOW FIELD KEYS, SHOW SERIES). */
typedef enum hb_result_shape {
    HB_SHAPE_ONE_RESULT = 0,
    HB_SHAPE_RESULT_PER_SERIES,
    HB_SHAPE_EMITTER,
} hb_result_shape;

struct hb_tz;

typedef struct hb_stmt_result {
    int statement_id;
    hb_result_shape shape;
    const struct hb_tz *tz;    /* SELECT ... tz(): RFC3339 times in this zone (base/tzdb.h); NULL = UTC */
    const char *error;         /* non-NULL: the statement failed */
    hb_series_out *series;
    size_t nseries, series_cap;
    hb_message *messages;      /* arena-owned */
    size_t nmessages;
    int partial;
} hb_stmt_result;

typedef struct hb_query_result {
    hb_arena arena;
    hb_stmt_result *stmts;
    size_t nstmts, stmts_cap;
    /* a request-level failure (parse error, ...): encoded as {"error":...} */
    int status;                /* 200, or 4xx/5xx for request-level errors */
    const char *error;
    int empty;                 /* no statements at all: InfluxDB answers {} */
} hb_query_result;

/* Where a statement's output series go while they are produced, instead
 * of into its hb_stmt_result (chunked /query answers stream them):
 * series() opens the next output series (name, tags and columns are read
 * during the call only, it has no rows), rows() adds n rows of that
 * series' ncols values each (read during the call only: the producer
 * reuses them). Series come in output order. A non-zero return stops the
 * statement with that code. */
typedef struct hb_row_sink {
    void *ctx;
    int (*series)(void *ctx, const hb_series_out *s);
    int (*rows)(void *ctx, const hb_value *rows, size_t n);
} hb_row_sink;

void hb_query_result_init(hb_query_result *r);
void hb_query_result_free(hb_query_result *r);
/* Returns a new statement result owned by r, or NULL on OOM. */
hb_stmt_result *hb_result_add_stmt(hb_query_result *r, int statement_id);
/* Sets the statement's error text (copied into the arena). */
void hb_result_stmt_error(hb_query_result *r, hb_stmt_result *s, const char *msg);
/* Returns a new series owned by r with copies of name and columns. */
hb_series_out *hb_result_add_series(hb_query_result *r, hb_stmt_result *s, const char *name, const char *const *columns,
                                    size_t ncols);
/* Hands s (no rows yet) nrows rows of ncols values: a malloc'd array the
 * result owns from now on (freed with it). */
void hb_result_take_rows(hb_series_out *s, hb_value *values, size_t nrows);
/* Returns the row's ncols values (zeroed = null) to fill, or NULL on OOM. */
hb_value *hb_result_add_row(hb_query_result *r, hb_series_out *s);
/* Adds a message (both strings copied). */
void hb_result_add_message(hb_query_result *r, hb_stmt_result *s, const char *level, const char *text);
/* A string value copied into the arena. */
hb_value hb_value_str(hb_query_result *r, const char *s);
const char *hb_result_strdup(hb_query_result *r, const char *s);

#endif
