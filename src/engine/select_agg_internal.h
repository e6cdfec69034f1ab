/* Private to engine/select_agg.c and select_reduce.c: the reducers of
 * aggregate SELECTs (one per group, time bucket and column) and the
 * structures the executor keeps them in. */
#ifndef HB_ENGINE_SELECT_AGG_INTERNAL_H
#define HB_ENGINE_SELECT_AGG_INTERNAL_H

#include "engine/run_summary.h"
#include "engine/select_internal.h"


typedef enum {
    FN_COUNT, FN_SUM, FN_MEAN, FN_MIN, FN_MAX, FN_FIRST, FN_LAST, FN_SPREAD, FN_STDDEV, FN_MEDIAN, FN_MODE,
    FN_PERCENTILE, FN_COUNT_DISTINCT, FN_DISTINCT, FN_TOP, FN_BOTTOM, FN_INTEGRAL, FN_SAMPLE,
} agg_fn;

typedef struct agg_col {
    int aux;                    /* not a call: a field or tag of the selected point */
    int expr;                   /* an expression over calls (mean(x) * 2): computed from hidden columns */
    const hb_iql_expr *call;    /* hidden columns: the call node they compute */
    agg_fn fn;
    const hb_iql_expr *arg;     /* the value fed to the reducer */
    double pct;                 /* percentile */
    int64_t limit;              /* top, bottom, sample: N */
    int64_t unit;               /* integral: the time unit (default 1s) */
    const hb_iql_expr *const *tagargs; /* top, bottom: the tag arguments (one point per distinct tuple) */
    size_t ntagargs;
    int selector;
} agg_col;

typedef struct agg_state {
    uint64_t n;
    double fsum;                /* float inputs: their sum in row order */
    __extension__ __int128 wsum; /* integer inputs: their exact sum (sum() wraps it to 64 bits as
                                   InfluxDB does; mean() divides it: exact where InfluxDB's float
                                   sum is, closer to the truth past 2^53) */
    hb_vkind kind;              /* kind of the inputs */
    int windowed;               /* integral() with GROUP BY time: 2 = fsum holds the window's value
                                   (select_integral.c) */
    hb_value sel;               /* min/max/first/last */
    int64_t sel_t;
    hb_value lo, hi;            /* spread */
    hb_value *auxv;             /* selectors with other columns: their values at the selected point */
    hb_value **pauxv;           /* top, bottom: each point's other columns and tag arguments */
    size_t pcap;
    hb_value *vals;             /* median, mode, percentile, stddev, distinct */
    int64_t *ts;
    size_t nv, cap;
} agg_state;

typedef struct agg_bucket {
    int64_t start;
    agg_state *st;              /* [ncols] */
} agg_bucket;

typedef struct agg_group {
    const sel_meas *m;
    const char *gkey;           /* NUL-separated values */
    size_t gklen;
    hb_u64map buckets;          /* bucket start -> agg_bucket * */
    agg_bucket **list;
    size_t nb, cap;
    struct agg_tz_point *zt;    /* tz(): points with a value near offset changes (select_agg_tz.c) */
    size_t nzt, capzt;
} agg_group;

typedef struct agg_tz_point {
    uint64_t key;               /* hash of the series key */
    int64_t t;
    int64_t s;                  /* its window's start */
} agg_tz_point;

typedef struct agg_ctx {
    sel_plan *p;
    hb_query_result *res;
    agg_col *cols;
    const sel_meas *m;
    hb_strmap groups;           /* "meas\0gkey" -> agg_group * */
    agg_group **gl;
    size_t ng, capg;
    int64_t min_seen;
    int any;
    int sel_col;                /* the selector whose point the aux columns come from, or -1 */
    size_t naux;
    size_t ntot;                /* p->ncols visible columns, then the hidden calls of expressions */
    const sel_bind **fast;      /* per column: the field a plain f(field) reads, else NULL */
    unsigned char *tagarg;      /* per column: f(tag), which InfluxDB feeds nothing (no iterator) */
    agg_group *last_g;          /* the group and bucket of the previous row */
    agg_bucket *last_b;
    int bound;                  /* fast computed for this measurement */
    int runs_ok;                /* every call can take the run path (agg_span_ok), no aux columns */
    int collect;                /* tz() pre-scan: rows only note their times (agg_tz_collect) */
    int64_t *zones;             /* tz(): [from, to) pairs around offset changes, sorted */
    size_t nzones;
} agg_ctx;

#define MAX_HIDDEN 64   /* aggregate calls inside expression columns */

/* Plan the columns of p: calls, other columns of a selector (aux),
 * expressions over calls and their hidden calls (out has room for
 * p->ncols + MAX_HIDDEN). InfluxDB's errors for invalid mixes. */
int agg_plan_cols(sel_plan *p, agg_col *out, int *selc, size_t *naux, size_t *ntot, hb_err *err);
/* Feed value v of row (time t) to reducer s of column c. */
int agg_reduce(agg_ctx *x, const agg_col *c, agg_state *s, hb_value v, int64_t t, const sel_row *row);
/* The reducer's result; selectors set *sel_time to the selected point's time. */
hb_value agg_finish(const agg_col *c, agg_state *s, int64_t *sel_time);
/* sel_compare's order: numbers, strings bytewise, false < true. */
int agg_vcmp(const hb_value *a, const hb_value *b);
/* first() and last() between two points at the same time (of different
 * series), as influxd's FirstReduce/LastReduce decide: the larger value
 * wins, except that first() of booleans prefers false. 1 when v beats the
 * selected cur. */
static inline int agg_tie_wins(agg_fn fn, const hb_value *v, const hb_value *cur)
{
    int c = agg_vcmp(v, cur);
    return fn == FN_FIRST && v->kind == HB_V_BOOL ? c < 0 : c > 0;
}
/* ---- integral() (select_integral.c) ----
 * The area of s's points (or its window's value, see below). */
hb_value agg_integral(const agg_col *c, const agg_state *s);
/* With GROUP BY time: column col of a group's buckets list[0..nb) (by
 * start) integrated as influxd streams them through one reducer; a bucket
 * left without a value gets n = 0. HB_ENOMEM. */
int agg_integral_windows(const sel_plan *p, const agg_col *c, size_t col, agg_bucket *const *list, size_t nb);
/* ---- tz() near offset changes (select_agg_tz.c) ----
 * influxd's reducer puts a point in the window of the first point it saw
 * as long as the point is before that window's end; where windows are
 * not a plain partition of time (around an offset change) that depends
 * on the group's earlier points. agg_tz_prepare finds those zones and,
 * by a pre-scan of each with fn/runfn (x->collect set), the windows of
 * the group's points in them. */
int agg_tz_prepare(agg_ctx *x, sel_row_fn fn, sel_run_fn runfn, hb_err *err);
/* Pre-scan: note that series key (a hash) of group g has a value at t. */
int agg_tz_collect(agg_ctx *x, agg_group *g, uint64_t key, int64_t t, hb_err *err);
int agg_tz_in_zone(const agg_ctx *x, int64_t t);
/* The window start of the point of series key at t in group g (in a
 * zone; elsewhere the point's own window). */
int64_t agg_tz_bucket(const agg_ctx *x, const agg_group *g, uint64_t key, int64_t t);
/* ---- runs of rows at once (select_agg_run.c) ----
 * Whether column c reading field binding b can take the run path. */
int agg_span_ok(const agg_col *c, const sel_bind *b);
/* Valid rows of v in [a, e); *first = the first one (e when none). */
size_t agg_span_count(const hb_pq_colvec *v, size_t a, size_t e, size_t *first);
/* Feed the n valid rows of v in [a, e) (first: the first valid one; times t)
 * to s, as reduce_value() would one by one. */
void agg_span(const agg_col *c, agg_state *s, hb_ftype type, const hb_pq_colvec *v, const int64_t *t, size_t a,
              size_t e, size_t n, size_t first);
/* Whether column c can also take run summaries (engine/run_summary.h):
 * as agg_span_ok, except sum and mean of floats, whose value depends on
 * the order of the additions. */
int agg_sum_ok(const agg_col *c, const sel_bind *b);
/* Feed a whole run (rs->count > 0) to s, as agg_span would its rows. */
void agg_sum_apply(const agg_col *c, agg_state *s, hb_ftype type, const hb_run_sum *rs);
/* 1 for a call that aggregates (not row-wise math). */
int agg_is_call(const hb_iql_expr *e);
double agg_num(const hb_value *v);

#endif
