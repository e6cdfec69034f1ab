/* Private to engine/select*.c: the plan of one SELECT and the pieces the
 * planner, evaluator and executors share. */
#ifndef HB_ENGINE_SELECT_INTERNAL_H
#define HB_ENGINE_SELECT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/hashmap.h"
#include "base/tzdb.h"
#include "engine/scan.h"
#include "engine/select.h"

#define SEL_MIN_TIME (INT64_MIN + 2)   /* influxql.MinTime */
#define SEL_MAX_TIME INT64_MAX

/* One measurement of FROM with its schema. */
typedef struct sel_meas {
    const char *db, *rp, *name;
    hb_field_info *fields;          /* sorted by name */
    size_t nfields;
    char **tags;                    /* tag keys, sorted */
    size_t ntags;
    const struct hb_mt_table *virt; /* a subquery's answer (select_subquery.c), scanned alone;
                                       db and rp are "" */
} sel_meas;

#define SEL_MAX_SUBQUERIES 64
/* A row's time and position; sorting by sel_cmp_row_ref orders rows by
 * time, rows of one time in their positions' order (a stable sort). */
typedef struct sel_row_ref {
    int64_t t;
    size_t i;
} sel_row_ref;
int sel_cmp_row_ref(const void *a, const void *b);

/* Hidden tag key of a subquery table's runs (select_subquery.c). */
#define SEL_RUN_TAG "\x01"

/* An output column after wildcard expansion. */
typedef struct sel_col {
    const char *name;               /* resolved column name (_1 suffixes applied) */
    hb_iql_expr *expr;              /* the field expression */
    int is_call;                    /* top-level aggregate or selector call */
} sel_col;

/* Where a VarRef's value comes from, for the measurement being scanned. */
typedef enum { BIND_NONE = 0, BIND_FIELD, BIND_TAG, BIND_TIME } sel_bind_kind;

typedef struct sel_bind {
    sel_bind_kind kind;
    int col;                        /* scan column (FIELD, TAG) */
    hb_ftype type;                  /* FIELD: stored type */
} sel_bind;

typedef struct sel_plan {
    const hb_select_env *env;
    const hb_iql_select *s;
    hb_arena *a;                    /* the statement's scratch arena */
    sel_meas *meas;                 /* sorted by name (then db, rp) */
    size_t nmeas;
    sel_col *cols;                  /* output columns after "time" */
    size_t ncols;
    int aggregate;                  /* some column is a call */
    int64_t tmin, tmax;             /* from WHERE (inclusive) */
    int has_tmin, has_tmax;
    hb_iql_expr *cond;              /* WHERE without the time range; NULL = none */
    int64_t interval, offset;       /* GROUP BY time(interval, offset % interval); interval 0 = none */
    const hb_tz *tz;                /* tz(): windows in its local time; NULL = UTC */
    const char **gtags;             /* GROUP BY tag keys, sorted */
    size_t ngtags;
    int group_all_tags;             /* GROUP BY * */
    hb_iql_expr **gregex;           /* GROUP BY /re/ */
    size_t ngregex;
    int desc;                       /* ORDER BY time DESC */
    hb_u64map binds;                /* expr pointer -> sel_bind * (current measurement) */
    uint64_t mem;                   /* bytes held for the answer (rows, states): env->max_memory */
    hb_snapshot snap;               /* buffer + files of snap_db.snap_rp, shared by its measurements */
    const char *snap_db, *snap_rp;  /* NULL: no snapshot taken yet */
    /* Optional: scans keep only the series of this group (a group key as
     * sel_row_fn gets it: each group tag's value and a NUL) */
    const char *only_gkey;
    size_t only_gklen;
    struct hb_memtable *subq[SEL_MAX_SUBQUERIES]; /* subqueries' answers, freed with the plan */
    size_t nsubq;
    /* Optional: sel_emit hands the series (rows unsorted, before ORDER BY
     * and limits) to *capture / *ncapture instead of the answer; the
     * caller then owns them (select_join.c) */
    struct sel_out_series **capture;
    size_t *ncapture;
    /* set on an inner statement whose columns are joined with other
     * calls' (select_join.c): a lone selector among them does not
     * give its row the point's time, as with several calls */
    int joined_calls;
    /* set on an inner statement of a transformation chain: its windows
     * span [tmin, tmax] but data is read only within [data_tmin,
     * data_tmax] (influxd widens the iterators' range once per call of a
     * chain but the shards' range only once; see sel_tf_data_extra) */
    int data_clip;
    int64_t data_tmin, data_tmax;
} sel_plan;

/* ---- subqueries (select_subquery.c) ----
 * Run the inner statement in under p (p's time range already known) and
 * load its answer into tables of the write buffer's shape, one per inner
 * measurement name: *out (malloc'd array, the caller frees; the tables
 * live as long as p). */
int sel_subquery(sel_plan *p, const hb_iql_select *in, const struct hb_mt_table ***out, size_t *nout, hb_err *err);

/* Evaluation context of one row. */
typedef struct sel_row {
    const sel_plan *p;
    const hb_scan_block *blk;
    size_t r;
    int64_t time;
    const hb_slice *tagvals;        /* per scan column: the current series' tag values (NULL .p = absent) */
} sel_row;

/* ---- GROUP BY time windows (select_window.c) ---- */
/* The start of the window holding t, as influxd's IteratorOptions.Window
 * computes it (p->interval > 0): in p->tz's local time, with its
 * adjustments at offset changes. */
int64_t sel_window_tz(const sel_plan *p, int64_t t);
static inline int64_t sel_window(const sel_plan *p, int64_t t)
{
    if (p->tz)
        return sel_window_tz(p, t);
    /* UTC: truncate t - offset to the interval (Go's % rounds toward zero) */
    uint64_t u = (uint64_t)t - (uint64_t)p->offset;   /* Go's int64 arithmetic wraps */
    int64_t d = (int64_t)u, dt = d % p->interval;
    if (dt < 0)
        dt += p->interval;
    int64_t start = SEL_MIN_TIME + dt >= d ? SEL_MIN_TIME : d - dt;
    return (int64_t)((uint64_t)start + (uint64_t)p->offset);
}
/* The whole window [*start, *end) influxd computes for t. */
void sel_window_span(const sel_plan *p, int64_t t, int64_t *start, int64_t *end);
/* The fill walk's step (influxd's fill iterator): the window after w
 * (down: before it), where *woff is the zone offset (ns) the walk is in;
 * it follows an offset change smaller than the interval. 0, or 1 when the
 * next window would pass the time range's end. */
int sel_window_next(const sel_plan *p, int64_t *w, int64_t *woff, int down);
/* The zone offset (ns) at t: what the fill walk starts with. */
int64_t sel_zone_ns(const sel_plan *p, int64_t t);

/* ---- plan (select_plan.c) ---- */
int sel_plan_build(sel_plan *p, hb_err *err);
/* Bind every VarRef of the statement for measurement m scanned with
 * columns cols (scan output order). */
int sel_plan_bind(sel_plan *p, const sel_meas *m, const hb_pq_coldef *cols, size_t ncols, hb_err *err);
/* The field names the scan of m must read (NULL-terminated, arena). */
const char **sel_plan_fields(sel_plan *p, const sel_meas *m, size_t *n);

/* ---- expressions (select_eval.c) ---- */
/* 1 for the row-wise math functions (abs, round, sqrt, pow, ...), with
 * their argument counts. */
int sel_math_fn(const char *name, size_t *min_args, size_t *max_args);
/* 1 for any function InfluxQL 1.x knows (aggregates, selectors,
 * transformations, math). */
int sel_known_fn(const char *name);
/* Arithmetic and math on values (InfluxDB's type rules, see select_eval.c). */
hb_value sel_arith(hb_iql_tok op, hb_value a, hb_value b);
hb_value sel_math_apply(const char *name, const hb_value *args, size_t nargs);
hb_value sel_eval(const sel_row *row, const hb_iql_expr *e);
/* sel_eval of the VarRef e whose binding b is known (no lookup). */
hb_value sel_ref(const sel_row *row, const hb_iql_expr *e, const sel_bind *b);
/* WHERE (without the time range) for a row: 1 keep, 0 drop. */
int sel_cond(const sel_row *row, const hb_iql_expr *e);
/* e without the parentheses around it. */
const hb_iql_expr *sel_unparen(const hb_iql_expr *e);
/* Value of a block cell as an hb_value (strings point into the block). */
hb_value sel_cell(const hb_scan_block *blk, const hb_pq_coldef *col, size_t c, size_t r);
/* Compare two non-null values: <0, 0, >0; *ok = 0 when not comparable. */
int sel_compare(const hb_value *a, const hb_value *b, int *ok);
/* regex match (cached per pattern node). */
int sel_regex_match(const hb_iql_expr *re, const char *s, size_t n);
void sel_regex_cache_free(void);

/* ---- execution (select_raw.c, select_agg.c) ---- */
/* ---- transformations (select_transform.c) ---- */
/* 1 for derivative(), difference(), moving_average(), ... */
int sel_tf_is(const char *name);
/* InfluxDB's argument checks of transformation call e (compile time). */
int sel_tf_check(const sel_plan *p, const hb_iql_expr *e, hb_err *err);
/* e holds a transformation call. */
int sel_tf_contains(const hb_iql_expr *e);
/* influxd's error for a transformation call over a string or boolean
 * field a0 (HB_OK otherwise). */
int sel_tf_check_input(const sel_plan *p, const hb_iql_expr *call, const hb_iql_expr *a0, hb_err *err);
/* Intervals the windows of the chain of transformations `call` start
 * before the range (after it, ORDER BY time DESC): one per
 * derivative-like call. */
int sel_tf_chain_extra(const hb_iql_expr *call);
/* Intervals data is read before the range for any transformation of the
 * statement (influxd's ExtraIntervals: 1, or moving_average()'s window,
 * or a technical-analysis function's period, the largest of them). */
int64_t sel_tf_data_extra(const sel_plan *p);

/* ---- statements run as several inner statements joined by time
 * (select_join.c): transformations, expressions over them, and sample()
 * among other calls ---- */
int sel_join_needed(const sel_plan *p);
int sel_exec_joined(sel_plan *p, hb_query_result *res, hb_stmt_result *sr, hb_err *err);

typedef struct sel_out_series {
    const sel_meas *m;
    const char *gkey;               /* group tag values joined (sort key) */
    hb_kv *tags;                    /* group tags */
    size_t ntags;
    hb_value *rows;                 /* nrows * (1 + ncols), time first */
    size_t nrows, cap;
    uint64_t *seq;                  /* arrival order per row (stable sort) */
} sel_out_series;

/* The captured series of one inner statement (sel_plan.capture), rows
 * sorted by time. */
typedef struct sel_part {
    sel_out_series *v;
    size_t n;
    size_t width;                   /* values per row, time first */
} sel_part;
/* Feed each series of t (one value column) through the transformation
 * call e in output order; the rows are replaced by its output, ascending. */
int sel_tf_apply(const sel_plan *p, const hb_iql_expr *e, sel_part *t, hb_err *err);

int sel_exec_raw(sel_plan *p, hb_query_result *res, hb_stmt_result *sr, hb_err *err);

/* Raw rows of one measurement collected per group (select_exec.c). */
typedef struct sel_raw {
    sel_plan *p;
    hb_arena *strs;              /* string values are copied here */
    const sel_meas *m;
    int *fcols;                  /* scan columns of the fields the output columns read */
    size_t nfcols;
    int bound;                   /* fcols computed for this measurement */
    const sel_bind **cbind;      /* [ncols] a column that is a plain name: its binding (else NULL) */
    hb_strmap groups;            /* gkey -> index + 1 into out */
    sel_out_series *out;
    size_t nout, capout;
} sel_raw;
/* sel_row_fn collecting into a sel_raw (ctx): rows of each group in scan
 * order, p->mem counting what they hold; with LIMIT only the first (DESC:
 * last) OFFSET + LIMIT by time are kept. */
int sel_raw_row(void *ctx, const sel_row *row, const char *gkey, size_t gklen, hb_err *err);

/* Raw answer streamed to p->env->sink (select_stream.c): per measurement,
 * group and time slice. 1 when the statement is not one it takes (the
 * caller collects it as before), else 0 or an error. */
int sel_exec_raw_stream(sel_plan *p, hb_err *err);
int sel_exec_agg(sel_plan *p, hb_query_result *res, hb_stmt_result *sr, hb_err *err);

/* Shared scan driver: calls row_fn for every row of measurement m that
 * passes the time range and WHERE, with the row's group. */
/* HB_ELIMIT with the statement's error text once the query is past its
 * deadline or holds more than its memory cap; checked once per scan block. */
int sel_check_budget(const sel_plan *p, hb_err *err);

/* ---- WHERE as terms (select_filter.c) ---- */
typedef struct sel_vterm {          /* field op number, over whole blocks */
    int col;                        /* scan column */
    hb_ftype type;                  /* FLOAT or INTEGER */
    hb_iql_tok op;                  /* with the field on the left */
    int is_int;                     /* integer field and integer literal: compare exactly */
    int64_t i;
    double d;
} sel_vterm;

typedef struct sel_filter {
    const hb_iql_expr **series;     /* tag-only terms: once per series */
    size_t ns;
    sel_vterm *vt;                  /* block terms */
    size_t nv;
    const hb_iql_expr **rows;       /* the rest: row by row */
    size_t nr;
    uint8_t *mask;                  /* scratch for sel_filter_block */
    size_t mcap;
} sel_filter;

/* 1 when e reads only tags (and literals). */
int sel_tag_only(const sel_plan *p, const hb_iql_expr *e);
/* Split p->cond (bound for the measurement being scanned) into terms. */
int sel_filter_build(sel_plan *p, sel_filter *f, hb_err *err);
void sel_filter_free(sel_filter *f);
/* Every tag-only term holds for the series of row (tagvals set). */
int sel_filter_series(const sel_filter *f, const sel_row *row);
/* Every row-by-row term holds for row. */
int sel_filter_row(const sel_filter *f, const sel_row *row);
struct hb_run_sum;
/* 0 when the run summaries (sums[col]: a row group's column, NULL = none)
 * prove that no row of run can satisfy every block term; else 1. */
int sel_filter_run_may_match(const sel_filter *f, const struct hb_run_sum *const *sums, size_t run);
/* *mask = per row of blk, 1 when every block term holds; NULL when there are
 * none. The mask lives until the next call. HB_ENOMEM. */
int sel_filter_block(sel_filter *f, const hb_scan_block *blk, const uint8_t **mask);

typedef int (*sel_row_fn)(void *ctx, const sel_row *row, const char *gkey, size_t gklen, hb_err *err);
/* Rows [r0, r1) of row->blk, all of one series and all wanted (row->r and
 * row->time are those of r0). */
typedef int (*sel_run_fn)(void *ctx, const sel_row *row, size_t r0, size_t r1, const char *gkey, size_t gklen,
                          hb_err *err);
struct hb_run_sum;
/* The run-summary path of an aggregate scan (engine/run_summary.h). */
typedef struct sel_sum_hooks {
    /* Called once the plan is bound to the scan's columns: whether every
     * column of the statement can take run summaries. */
    int (*ready)(void *ctx);
    /* Whether [tmin, tmax] lies in one time bucket (any thread). */
    int (*one_bucket)(void *ctx, int64_t tmin, int64_t tmax);
    /* A whole run of one series in one bucket: row->time is its first
     * time, sums[j] summarizes scan column j over it (NULL: no values). */
    int (*fn)(void *ctx, const sel_row *row, const struct hb_run_sum *const *sums, const char *gkey, size_t gklen,
              hb_err *err);
} sel_sum_hooks;

/* Scan measurement m for the statement: fn gets every row the WHERE wants
 * with its group key; or, when runfn is not NULL and the WHERE has no
 * condition on fields, runfn gets them a run of one series at a time; and
 * then, with sums (may be NULL) ready, sums->fn gets whole runs the scan
 * answers from run summaries. */
int sel_scan_measurement(sel_plan *p, const sel_meas *m, sel_row_fn fn, sel_run_fn runfn, const sel_sum_hooks *sums,
                         void *ctx, hb_err *err);
/* Takes the statement's snapshot of m's database and policy into p->snap
 * (kept until the next database or policy, released by hb_select_exec). */
int sel_snapshot(sel_plan *p, const sel_meas *m, hb_err *err);

/* The group tags of the current series for the output ("tags" member),
 * built from gkey: NUL-separated values in plan->gtags order. */
int sel_group_tags(sel_plan *p, const char *gkey, size_t gklen, hb_kv **out, size_t *n);

/* Emit the finished series (sorted, limited) into sr. */
int sel_emit(sel_plan *p, sel_out_series *v, size_t n, hb_query_result *res, hb_stmt_result *sr, hb_err *err);

#endif
