/* Statement dispatch for /query. SELECT and the other read statements are
 * the query engine's (src/engine); this file runs the database and
 * retention-policy statements against the catalog and answers the rest
 * with a clear "not implemented yet" error. */
#include "app/query_service.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/cq.h"
#include "app/authz.h"
#include "app/delete.h"
#include "app/query_admin.h"
#include "app/running.h"
#include "app/select_into.h"
#include "app/services.h"
#include "app/statements.h"
#include "app/user_stmt.h"
#include "app/users.h"
#include "base/log.h"
#include "base/metric.h"
#include "domain/influxql/normalize.h"
#include "domain/influxql/format.h"
#include "domain/influxql/duration.h"
#include "domain/influxql/parser.h"
#include "engine/select.h"
#include "engine/show.h"

struct hb_query_service {
    hb_services *svc;
};

int hb_query_service_new(hb_services *svc, hb_query_service **out, hb_err *err)
{
    hb_query_service *qs = calloc(1, sizeof *qs);
    if (!qs)
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    qs->svc = svc;
    *out = qs;
    return HB_OK;
}

void hb_query_service_free(hb_query_service *qs) { free(qs); }

/* ---- bind parameters: the /query params JSON object -> typed tokens ---- */
static int param_from_json(hb_arena *a, const char *name, json_t *v, hb_iql_param *p)
{
    memset(p, 0, sizeof *p);
    p->name = name;
    p->name_len = strlen(name);
#define PERR(msg)                                                      \
    do {                                                               \
        p->type = HB_IQL_PARAM_ERROR;                                  \
        p->s = hb_arena_strndup(a, msg, strlen(msg));                  \
        p->s_len = strlen(msg);                                        \
        return p->s ? HB_OK : HB_ENOMEM;                               \
    } while (0)
    if (json_is_string(v)) {
        p->type = HB_IQL_PARAM_STRING;
        p->s = json_string_value(v);
        p->s_len = json_string_length(v);
    } else if (json_is_integer(v)) {
        p->type = HB_IQL_PARAM_INTEGER;
        p->i = json_integer_value(v);
    } else if (json_is_real(v)) {
        p->type = HB_IQL_PARAM_FLOAT;
        p->f = json_real_value(v);
    } else if (json_is_boolean(v)) {
        p->type = HB_IQL_PARAM_BOOLEAN;
        p->b = json_is_true(v);
    } else if (json_is_null(v)) {
        PERR("unable to bind parameter with type <nil>");
    } else if (json_is_array(v)) {
        PERR("unable to bind parameter with type []interface {}");
    } else if (json_is_object(v)) {
        if (json_object_size(v) != 1)
            PERR("bound object parameter value must have exactly one entry");
        const char *k = json_object_iter_key(json_object_iter(v));
        json_t *x = json_object_iter_value(json_object_iter(v));
        if (!strcmp(k, "identifier") || !strcmp(k, "ident")) {
            if (!json_is_string(x))
                PERR("identifier must be a string value");
            p->type = HB_IQL_PARAM_IDENT;
        } else if (!strcmp(k, "regex")) {
            if (!json_is_string(x))
                PERR("regex literal must be a string value");
            p->type = HB_IQL_PARAM_REGEX;
        } else if (!strcmp(k, "string")) {
            if (!json_is_string(x))
                PERR("string literal must be a string value");
            p->type = HB_IQL_PARAM_STRING;
        } else if (!strcmp(k, "integer") || !strcmp(k, "int")) {
            if (!json_is_integer(x))
                PERR("integer literal must be an integer value");
            p->type = HB_IQL_PARAM_INTEGER;
            p->i = json_integer_value(x);
            return HB_OK;
        } else if (!strcmp(k, "float") || !strcmp(k, "number")) {
            if (!json_is_number(x))
                PERR("number literal must be a float value");
            p->type = HB_IQL_PARAM_FLOAT;
            p->f = json_number_value(x);
            return HB_OK;
        } else if (!strcmp(k, "duration")) {
            p->type = HB_IQL_PARAM_DURATION;
            if (json_is_integer(x)) {
                char t[HB_IQL_DURATION_BUFSZ];
                size_t n = hb_iql_duration_format(json_integer_value(x), t);
                p->s = hb_arena_strndup(a, t, n);
                p->s_len = n;
                return p->s ? HB_OK : HB_ENOMEM;
            }
            if (!json_is_string(x))
                PERR("duration literal must be a string or integer value");
        } else {
            char msg[300];
            snprintf(msg, sizeof msg, "unknown bind object type: %s", k);
            PERR(msg);
        }
        p->s = json_string_value(x);
        p->s_len = json_string_length(x);
    }
#undef PERR
    return HB_OK;
}

/* Parses params_json into *out (arena-owned). On a JSON syntax error
 * returns HB_EPARSE with the message. The json_t is kept alive in *root. */
static int parse_params(const char *text, hb_arena *a, json_t **root, hb_iql_params *out, hb_err *err)
{
    json_error_t je;
    *root = json_loads(text, JSON_DECODE_ANY, &je);
    if (!*root)
        return hb_err_set(err, HB_EPARSE, "error parsing query parameters: %s", je.text);
    if (json_is_null(*root)) {   /* Go leaves the map nil: no parameters */
        out->items = NULL;
        out->count = 0;
        return HB_OK;
    }
    if (!json_is_object(*root))
        return hb_err_set(err, HB_EPARSE,
                          "error parsing query parameters: json: cannot unmarshal %s into Go value of type "
                          "map[string]interface {}",
                          json_is_array(*root) ? "array" : json_is_string(*root) ? "string"
                                                         : json_is_boolean(*root) ? "bool" : "number");
    size_t n = json_object_size(*root), i = 0;
    hb_iql_param *items = hb_arena_alloc(a, (n ? n : 1) * sizeof *items);
    if (!items)
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    const char *k;
    json_t *v;
    json_object_foreach(*root, k, v)
    {
        if (param_from_json(a, k, v, &items[i++]))
            return hb_err_set(err, HB_ENOMEM, "out of memory");
    }
    out->items = items;
    out->count = n;
    return HB_OK;
}

/* ---- statements ---- */
typedef struct exec_ctx {
    hb_query_service *qs;
    const hb_query_req *req;
    hb_query_result *res;
    hb_stmt_result *sr;
    int64_t deadline_ns;       /* CLOCK_MONOTONIC; 0 = no query timeout */
    const hb_query_sink *sink; /* NULL: everything into res */
    const atomic_int *kill;    /* KILL QUERY named this request (app/running.h); may be NULL */
    hb_err err;
} exec_ctx;

static char *dupstr(hb_query_result *r, hb_iql_str s) { return hb_arena_strndup(&r->arena, s.p, s.n); }

/* The database a statement names, or the request's db parameter. */
static const char *target_db(exec_ctx *x, hb_iql_str name)
{
    if (name.n)
        return dupstr(x->res, name);
    return x->req->db && *x->req->db ? x->req->db : NULL;
}

static int exec_create_database(exec_ctx *x, const hb_iql_stmt *st)
{
    const hb_iql_create_database *c = &st->u.create_db;
    const char *name = dupstr(x->res, c->name);
    const char *rpname = c->rp_name.n ? dupstr(x->res, c->rp_name) : NULL;
    hb_rp_spec spec = {
        .name = rpname,
        .has_duration = c->has_duration,
        .duration_ns = c->duration,
        .has_replication = c->has_replication,
        .replication = c->replication,
        .has_shard_duration = c->shard_duration > 0,
        .shard_duration_ns = c->shard_duration,
        .make_default = 1,
    };
    return hb_catalog_create_database(x->qs->svc->catalog, name, c->rp_create ? &spec : NULL, &x->err);
}

static int exec_drop_database(exec_ctx *x, const hb_iql_stmt *st)
{
    const char *name = dupstr(x->res, st->u.name);
    hb_services *svc = x->qs->svc;
    int rc = hb_store_drop(&svc->store, name, NULL, &x->err);
    /* as influxd, users lose their privileges on a dropped database */
    return rc ? rc : hb_users_forget_database(svc->users, name, &x->err);
}

static int exec_show_databases(exec_ctx *x)
{
    char **names = NULL;
    size_t n = 0;
    int rc = hb_catalog_list_databases(x->qs->svc->catalog, &names, &n, &x->err);
    if (rc)
        return rc;
    static const char *const cols[] = { "name" };
    hb_series_out *s = hb_result_add_series(x->res, x->sr, "databases", cols, 1);
    const hb_principal *u = x->req->authorize ? x->req->user : NULL;
    for (size_t i = 0; s && i < n; i++) {
        /* with auth, only databases the user may read or write (as influxd) */
        if (u && !hb_principal_can(u, HB_IQL_PRIV_READ, names[i]) && !hb_principal_can(u, HB_IQL_PRIV_WRITE, names[i]))
            continue;
        hb_value *row = hb_result_add_row(x->res, s);
        if (!row)
            break;
        row[0] = hb_value_str(x->res, names[i]);
    }
    hb_strv_free(names, n);
    return s ? HB_OK : hb_err_set(&x->err, HB_ENOMEM, "out of memory");
}

static int exec_create_rp(exec_ctx *x, const hb_iql_stmt *st)
{
    const hb_iql_create_rp *c = &st->u.create_rp;
    hb_rp_spec spec = {
        .name = dupstr(x->res, c->name),
        .has_duration = 1,
        .duration_ns = c->duration,
        .has_replication = 1,
        .replication = c->replication,
        .has_shard_duration = c->shard_duration > 0,
        .shard_duration_ns = c->shard_duration,
        .make_default = c->is_default,
    };
    return hb_catalog_create_rp(x->qs->svc->catalog, dupstr(x->res, c->database), &spec, &x->err);
}

static int exec_alter_rp(exec_ctx *x, const hb_iql_stmt *st)
{
    const hb_iql_alter_rp *a = &st->u.alter_rp;
    hb_rp_spec spec = {
        .name = dupstr(x->res, a->name),
        .has_duration = a->has_duration,
        .duration_ns = a->duration,
        .has_replication = a->has_replication,
        .replication = a->replication,
        .has_shard_duration = a->has_shard_duration,
        .shard_duration_ns = a->shard_duration,
        .make_default = a->is_default,
    };
    return hb_catalog_alter_rp(x->qs->svc->catalog, dupstr(x->res, a->database), &spec, &x->err);
}

static int exec_drop_rp(exec_ctx *x, const hb_iql_stmt *st)
{
    const char *db = dupstr(x->res, st->u.on.database);
    const char *rp = dupstr(x->res, st->u.on.name);
    hb_services *svc = x->qs->svc;
    return hb_store_drop(&svc->store, db, rp, &x->err);
}

static int exec_show_rps(exec_ctx *x, const hb_iql_stmt *st)
{
    const char *db = target_db(x, st->u.database);
    if (!db)
        return hb_err_set(&x->err, HB_EINVAL, "database name required");
    hb_rp_info *rps = NULL;
    size_t n = 0;
    int rc = hb_catalog_list_rps(x->qs->svc->catalog, db, &rps, &n, &x->err);
    if (rc)
        return rc;
    static const char *const cols[] = { "name", "duration", "shardGroupDuration", "replicaN", "default" };
    hb_series_out *s = hb_result_add_series(x->res, x->sr, NULL, cols, 5);
    for (size_t i = 0; s && i < n; i++) {
        hb_value *row = hb_result_add_row(x->res, s);
        if (!row)
            break;
        char d[HB_IQL_DURATION_BUFSZ];
        row[0] = hb_value_str(x->res, rps[i].name);
        hb_iql_duration_string(rps[i].duration_ns, d);
        row[1] = hb_value_str(x->res, d);
        hb_iql_duration_string(rps[i].shard_duration_ns, d);
        row[2] = hb_value_str(x->res, d);
        row[3] = (hb_value){ .kind = HB_V_INT, .v.i = rps[i].replication };
        row[4] = (hb_value){ .kind = HB_V_BOOL, .v.b = rps[i].is_default };
    }
    hb_rp_info_free(rps, n);
    return s ? HB_OK : hb_err_set(&x->err, HB_ENOMEM, "out of memory");
}

/* Statements that change state: on GET InfluxDB runs them but warns. */
static int is_write_statement(hb_iql_stmt_kind k)
{
    switch (k) {
    case HB_IQL_STMT_CREATE_DATABASE:
    case HB_IQL_STMT_DROP_DATABASE:
    case HB_IQL_STMT_CREATE_RETENTION_POLICY:
    case HB_IQL_STMT_ALTER_RETENTION_POLICY:
    case HB_IQL_STMT_DROP_RETENTION_POLICY:
    case HB_IQL_STMT_DROP_SERIES:   /* DELETE gets no warning in influxd 1.6 */
    case HB_IQL_STMT_DROP_MEASUREMENT:
    case HB_IQL_STMT_DROP_CONTINUOUS_QUERY:
        return 1;   /* CREATE CONTINUOUS QUERY warns with its normalized text (exec_create_cq) */
    case HB_IQL_STMT_CREATE_USER:
    case HB_IQL_STMT_DROP_USER:
    case HB_IQL_STMT_SET_PASSWORD:
    case HB_IQL_STMT_GRANT:
    case HB_IQL_STMT_GRANT_ADMIN:
    case HB_IQL_STMT_REVOKE:
    case HB_IQL_STMT_REVOKE_ADMIN:
        return 1;
    default:
        return 0;
    }
}

/* app/cq.c; on GET, influxd's warning quotes the normalized statement */
static int exec_create_cq(exec_ctx *x, const hb_iql_stmt *st)
{
    hb_services *svc = x->qs->svc;
    const char *text = NULL;
    int rc = hb_cq_create(svc->cqs, (hb_iql_stmt *)st, x->req->db, x->req->rp, &x->res->arena,
                          svc->clock.now_ns(svc->clock.self), &text, &x->err);
    if (!rc && x->req->read_only) {
        hb_buf b;
        hb_buf_init(&b, 0);
        hb_buf_puts(&b, "deprecated use of '");
        hb_buf_puts(&b, text);
        hb_buf_puts(&b, "' in a read only context, please use a POST request instead");
        hb_result_add_message(x->res, x->sr, "warning", hb_buf_cstr(&b));
        hb_buf_free(&b);
    }
    return rc;
}

static int exec_statement(exec_ctx *x, const hb_iql_stmt *st)
{
    switch (st->kind) {
    case HB_IQL_STMT_CREATE_DATABASE: return exec_create_database(x, st);
    case HB_IQL_STMT_DROP_DATABASE: return exec_drop_database(x, st);
    case HB_IQL_STMT_SHOW_DATABASES: return exec_show_databases(x);
    case HB_IQL_STMT_CREATE_RETENTION_POLICY: return exec_create_rp(x, st);
    case HB_IQL_STMT_ALTER_RETENTION_POLICY: return exec_alter_rp(x, st);
    case HB_IQL_STMT_DROP_RETENTION_POLICY: return exec_drop_rp(x, st);
    case HB_IQL_STMT_SHOW_RETENTION_POLICIES: return exec_show_rps(x, st);
    case HB_IQL_STMT_CREATE_CONTINUOUS_QUERY: return exec_create_cq(x, st);
    case HB_IQL_STMT_DROP_CONTINUOUS_QUERY:
        return hb_cq_drop(x->qs->svc->cqs, dupstr(x->res, st->u.on.database), dupstr(x->res, st->u.on.name), &x->err);
    case HB_IQL_STMT_SHOW_CONTINUOUS_QUERIES: return hb_cq_show(x->qs->svc->cqs, x->res, x->sr, &x->err);
    case HB_IQL_STMT_DELETE_SERIES:
    case HB_IQL_STMT_DROP_SERIES:
    case HB_IQL_STMT_DROP_MEASUREMENT: {   /* app/delete.c */
        hb_services *svc = x->qs->svc;
        hb_delete_env env = { &svc->store, &svc->wal, svc->clock.now_ns(svc->clock.self) };
        return hb_delete_exec(&env, st, x->req->db && *x->req->db ? x->req->db : NULL, &x->err);
    }
    case HB_IQL_STMT_SELECT: {
        hb_services *svc = x->qs->svc;
        hb_select_env env = {
            .store = &svc->store,
            .catalog = svc->catalog,
            .default_db = x->req->db,
            .default_rp = x->req->rp,
            .now = svc->clock.now_ns(svc->clock.self),
            .workers = svc->workers,
            .deadline_ns = x->deadline_ns,
            .max_memory = svc->config->server.query_max_memory_bytes,
            .sink = x->sink && x->sink->rows.series ? &x->sink->rows : NULL,
            .cancel = x->sink ? x->sink->cancel : NULL,
            .kill = x->kill,
        };
        if (st->u.select->target)   /* answered in one piece, as influxd sends it */
            return hb_select_into_exec(&svc->ingest, svc->catalog, &env, st->u.select, x->req->read_only, x->res,
                                       x->sr, &x->err);
        x->sr->shape = HB_SHAPE_EMITTER;
        return hb_select_exec(&env, st->u.select, x->res, x->sr, &x->err);
    }
    default:
        if (hb_query_admin_handles(st->kind))
            return hb_query_admin_exec(x->qs->svc, st, x->res, x->sr, &x->err);
        if (hb_user_stmt_handles(st->kind))
            return hb_user_stmt_exec(x->qs->svc->users, x->qs->svc->catalog, st, x->res, x->sr, &x->err);
        if (hb_show_handles(st->kind)) {
            hb_show_shape sh = hb_show_result_shape(st);
            x->sr->shape = sh == HB_SHOW_EMITTER           ? HB_SHAPE_EMITTER
                           : sh == HB_SHOW_RESULT_PER_SERIES ? HB_SHAPE_RESULT_PER_SERIES
                                                             : HB_SHAPE_ONE_RESULT;
            return hb_show_exec_rp(x->qs->svc->catalog, st, x->req->db, x->req->rp, x->res, x->sr, &x->err);
        }
        return hb_err_set(&x->err, HB_EUNSUPP, "%s is not implemented yet", hb_iql_stmt_kind_name(st->kind));
    }
}

void hb_query_execute(hb_query_service *qs, const hb_query_req *req, hb_query_result *res)
{
    hb_query_execute_sink(qs, req, res, NULL);
}

/* Hands sr to the sink and frees what it held. */
static int stmt_done(const hb_query_sink *sink, hb_stmt_result *sr)
{
    int rc = sink->stmt_end ? sink->stmt_end(sink->ctx, sr) : HB_OK;
    for (size_t k = 0; k < sr->nseries; k++)
        free(sr->series[k].values);
    sr->nseries = 0;
    return rc;
}

/* Rows handed to a streaming sink, counted for the statement summary. */
typedef struct row_count {
    const hb_row_sink *inner;
    uint64_t rows;
} row_count;

static int count_series(void *ctx, const hb_series_out *s)
{
    row_count *rc = ctx;
    return rc->inner->series(rc->inner->ctx, s);
}

static int count_rows(void *ctx, const hb_value *rows, size_t n)
{
    row_count *rc = ctx;
    rc->rows += n;
    return rc->inner->rows(rc->inner->ctx, rows, n);
}

static uint64_t stmt_rows(const hb_stmt_result *sr)
{
    uint64_t n = 0;
    for (size_t k = 0; k < sr->nseries; k++)
        n += sr->series[k].nrows;
    return n;
}

/* The request's statements as influxd shows them (SHOW QUERIES, logs):
 * formatted, passwords redacted, joined by ";\n". */
static void request_text(const hb_iql_query *query, hb_buf *out)
{
    for (size_t i = 0; i < query->nstmts; i++) {
        if (i)
            hb_buf_puts(out, ";\n");
        hb_iql_format_stmt(out, query->stmts[i]);
    }
}

void hb_query_execute_sink(hb_query_service *qs, const hb_query_req *req, hb_query_result *res,
                           const hb_query_sink *sink_in)
{
    hb_err err;
    hb_services *svc = qs->svc;
    hb_running_task *task = NULL;
    hb_buf text, one;   /* the request's text; one statement's */
    hb_buf_init(&text, 0);
    hb_buf_init(&one, 0);
    /* a streaming sink whose rows are counted on the way */
    hb_query_sink sink_copy;
    row_count counted = { NULL, 0 };
    const hb_query_sink *sink = sink_in;
    if (sink_in && sink_in->rows.series) {
        sink_copy = *sink_in;
        counted.inner = &sink_in->rows;
        sink_copy.rows = (hb_row_sink){ .ctx = &counted, .series = count_series, .rows = count_rows };
        sink = &sink_copy;
    }
    hb_counter_add(&svc->metrics.query_requests, 1);
    json_t *params_root = NULL;
    hb_iql_params params = { NULL, 0 };
    hb_iql_query *query = NULL;

    if (req->params_json && *req->params_json &&
        parse_params(req->params_json, &res->arena, &params_root, &params, &err)) {
        res->status = err.code == HB_ENOMEM ? 500 : 400;
        res->error = hb_result_strdup(res, err.msg);
        goto out;
    }
    const char *q = req->q;
    size_t qlen = req->q_len;
    hb_iql_trim_space(&q, &qlen);  /* InfluxDB trims q; error positions count from there */
    int rc = hb_influxql_parse(q, qlen, &params, &res->arena, &query, &err);
    if (rc) {
        char msg[sizeof err.msg + 32];
        snprintf(msg, sizeof msg, "error parsing query: %s", err.msg);
        res->status = rc == HB_ENOMEM ? 500 : rc == HB_ELIMIT ? 413 : 400;
        res->error = hb_result_strdup(res, rc == HB_EPARSE ? msg : err.msg);
        hb_counter_add(&svc->metrics.query_errors, 1);
        if (svc->statements)   /* normalized: no literal (no password) is kept */
            hb_statements_record(svc->statements, q, qlen, 0, 0, 1, svc->clock.now_ns(svc->clock.self));
        if (hb_log_enabled(HB_LOG_DEBUG)) {
            hb_buf_reset(&text);
            hb_iql_redact(q, qlen, &text);
            /* the message may quote the password token: not when one was redacted */
            int redacted = text.len != qlen || memcmp(hb_buf_cstr(&text), q, qlen) != 0;
            hb_log_debug("query parse error: %s: %s", redacted ? "(message withheld: a password was redacted)"
                                                             : res->error, hb_buf_cstr(&text));
        }
        goto out;
    }
    if (query->nstmts == 0) {
        res->empty = 1;
        goto out;
    }
    if (req->authorize && hb_authz_query(qs->svc->users, req->user, query, req->db, &err)) {
        char msg[sizeof err.msg + 32];
        snprintf(msg, sizeof msg, "error authorizing query: %s", err.msg);
        res->status = 403;
        res->error = hb_result_strdup(res, msg);
        goto out;
    }
    /* the timeout covers the whole request, as InfluxDB's query-timeout */
    int64_t deadline = 0;
    int tmo = qs->svc->config->server.query_timeout_secs;
    if (tmo > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        deadline = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + (int64_t)tmo * 1000000000;
    }
    request_text(query, &text);
    if (svc->running && hb_running_attach(svc->running, hb_buf_cstr(&text), req->db, &task)) {
        res->status = 500;
        res->error = "out of memory";
        goto out;
    }
    hb_log_debug("query: %s", hb_buf_cstr(&text));
    if (task && sink && sink->killable)
        sink->killable(sink->ctx, hb_running_kill_flag(task));
    if (sink && sink->begin)
        sink->begin(sink->ctx);
    for (size_t i = 0; i < query->nstmts; i++) {
        const hb_iql_stmt *st = query->stmts[i];
        hb_stmt_result *sr = hb_result_add_stmt(res, (int)i);
        if (!sr) {
            res->status = 500;
            res->error = "out of memory";
            goto out;
        }
        exec_ctx x = { .qs = qs, .req = req, .res = res, .sr = sr, .deadline_ns = deadline, .sink = sink,
                       .kill = task ? hb_running_kill_flag(task) : NULL };
        hb_err_clear(&x.err);
        int64_t t0 = hb_mono_ns();
        counted.rows = 0;
        if (req->read_only && is_write_statement(st->kind)) {
            hb_buf warn;
            hb_buf_init(&warn, 0);
            hb_buf_puts(&warn, "deprecated use of '");
            hb_iql_format_stmt(&warn, st);
            hb_buf_puts(&warn, "' in a read only context, please use a POST request instead");
            hb_result_add_message(res, sr, "warning", hb_buf_cstr(&warn));
            hb_buf_free(&warn);
        }
        if (sink && sink->stmt_begin && sink->stmt_begin(sink->ctx, sr))
            break;
        int killed = x.kill && atomic_load(x.kill);
        int src = killed ? hb_err_set(&x.err, HB_ECLOSED, "%s", HB_SELECT_CANCEL_MSG) : exec_statement(&x, st);
        killed = killed || (x.kill && atomic_load(x.kill));
        int64_t dur = hb_mono_ns() - t0;
        hb_hist_observe_ns(&svc->metrics.query_duration, (uint64_t)dur);
        hb_counter_add(&svc->metrics.query_statements, 1);
        if (src)
            hb_counter_add(&svc->metrics.query_errors, 1);
        if (svc->statements) {
            hb_buf_reset(&one);
            hb_iql_format_stmt(&one, st);
            hb_statements_record(svc->statements, one.data ? one.data : "", one.len, dur,
                                 stmt_rows(sr) + counted.rows, src != 0, svc->clock.now_ns(svc->clock.self));
        }
        if (src) {
            /* InfluxDB stops at the first failing statement. When statements
             * follow, its answer for this statement id is "not executed" (a
             * quirk of how it merges results), and the real error is lost. */
            for (size_t k = 0; k < sr->nseries; k++)
                free(sr->series[k].values);
            sr->nseries = 0;
            sr->nmessages = 0;
            hb_result_stmt_error(res, sr, i + 1 < query->nstmts && !killed ? "not executed" : x.err.msg);
            if (sink)
                stmt_done(sink, sr);
            break;
        }
        if (sink && stmt_done(sink, sr))
            break;
    }
out:
    hb_buf_free(&one);
    if (task)
        hb_running_detach(svc->running, task);
    hb_buf_free(&text);
    if (params_root)
        json_decref(params_root);
}
