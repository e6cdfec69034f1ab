#include "app/cq_run.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/select_into.h"
#include "app/services.h"
#include "domain/influxql/parser.h"
#include "engine/select.h"

static int is_true(const hb_iql_expr *e) { return e && e->kind == HB_IQL_EXPR_BOOLEAN && e->u.b; }

static uint32_t depth_of(const hb_iql_expr *a, const hb_iql_expr *b)
{
    uint32_t x = a ? a->depth : 0, y = b ? b->depth : 0;
    return 1 + (x > y ? x : y);
}

/* influxd's rewriteWithoutTimeDimensions + the folding of Reduce that
 * matters here. Returns the rewritten node (possibly the shared TRUE). */
static hb_iql_expr *strip_time(hb_iql_expr *e, hb_iql_expr *true_node)
{
    switch (e->kind) {
    case HB_IQL_EXPR_CALL:
        return true_node;
    case HB_IQL_EXPR_PAREN: {
        hb_iql_expr *x = strip_time(e->u.paren, true_node);
        if (is_true(x))
            return true_node;
        e->u.paren = x;
        e->depth = depth_of(x, NULL);
        return e;
    }
    case HB_IQL_EXPR_BINARY: {
        const hb_iql_expr *l = e->u.bin.lhs;
        if (l->kind == HB_IQL_EXPR_VARREF && l->u.ref.type == HB_IQL_DT_UNKNOWN && !strcmp(l->u.ref.name.p, "time"))
            return true_node;
        hb_iql_expr *nl = strip_time(e->u.bin.lhs, true_node), *nr = strip_time(e->u.bin.rhs, true_node);
        if (e->u.bin.op == HB_IQL_AND) {
            if (is_true(nl))
                return nr;
            if (is_true(nr))
                return nl;
        } else if (e->u.bin.op == HB_IQL_OR && (is_true(nl) || is_true(nr))) {
            return true_node;
        }
        e->u.bin.lhs = nl;
        e->u.bin.rhs = nr;
        e->depth = depth_of(nl, nr);
        return e;
    }
    default:
        return e;
    }
}

int hb_cq_set_time_range(hb_iql_select *s, int64_t start, int64_t end, hb_arena *a, hb_err *err)
{
    char text[128];
    int n = snprintf(text, sizeof text, "time >= %lld AND time < %lld", (long long)start, (long long)end);
    hb_iql_expr *range = NULL;
    int rc = hb_influxql_parse_expr(text, (size_t)n, NULL, a, &range, err);
    if (rc)
        return rc;
    hb_iql_expr *rest = NULL;
    if (s->condition) {
        hb_iql_expr *t = hb_arena_calloc(a, sizeof *t);
        if (!t)
            return hb_err_set(err, HB_ENOMEM, "out of memory");
        t->kind = HB_IQL_EXPR_BOOLEAN;
        t->depth = 1;
        t->u.b = true;
        rest = strip_time(s->condition, t);
        if (is_true(rest))
            rest = NULL;
    }
    if (!rest) {
        s->condition = range;
        return HB_OK;
    }
    hb_iql_expr *and = hb_arena_calloc(a, sizeof *and);
    if (!and)
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    and->kind = HB_IQL_EXPR_BINARY;
    and->u.bin.op = HB_IQL_AND;
    and->u.bin.lhs = rest;
    and->u.bin.rhs = range;
    and->depth = depth_of(rest, range);
    s->condition = and;
    return HB_OK;
}

int hb_cq_run_select(void *ctx, const hb_cq_def *def, int64_t start, int64_t end, int64_t now, uint64_t *written,
                     hb_err *err)
{
    hb_services *svc = ctx;
    *written = 0;
    hb_query_result res;
    hb_query_result_init(&res);
    hb_iql_query *q = NULL;
    int rc = hb_influxql_parse(def->query, strlen(def->query), NULL, &res.arena, &q, err);
    if (rc)
        goto out;
    if (q->nstmts != 1 || q->stmts[0]->kind != HB_IQL_STMT_CREATE_CONTINUOUS_QUERY) {
        rc = hb_err_set(err, HB_ECORRUPT, "not a continuous query");
        goto out;
    }
    hb_iql_select *s = q->stmts[0]->u.cq.select;
    if ((rc = hb_cq_set_time_range(s, start, end, &res.arena, err)))
        goto out;
    hb_stmt_result *sr = hb_result_add_stmt(&res, 0);
    if (!sr) {
        rc = hb_err_set(err, HB_ENOMEM, "out of memory");
        goto out;
    }
    int64_t deadline = 0;   /* server.query_timeout_secs bounds a run like any query */
    if (svc->config->server.query_timeout_secs > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        deadline = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec +
                   (int64_t)svc->config->server.query_timeout_secs * 1000000000;
    }
    hb_select_env env = {
        .store = &svc->store,
        .catalog = svc->catalog,
        .default_db = def->db,
        .default_rp = NULL,
        .now = now,
        .workers = svc->workers,
        .deadline_ns = deadline,
        .max_memory = svc->config->server.query_max_memory_bytes,
    };
    rc = hb_select_into_exec(&svc->ingest, svc->catalog, &env, s, 0, &res, sr, err);
    if (!rc && sr->nseries == 1 && sr->series[0].nrows == 1 && sr->series[0].ncols == 2 &&
        sr->series[0].values[1].kind == HB_V_INT)
        *written = (uint64_t)sr->series[0].values[1].v.i;
out:
    hb_query_result_free(&res);
    return rc;
}
