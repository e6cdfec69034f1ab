/* SELECT ... INTO (see select_into.h for the rules). Rows reach the writer
 * two ways: raw SELECTs stream them through an hb_row_sink while they are
 * produced (one time slice at a time); aggregates and the shapes the
 * streaming executor does not take come back in a statement result and are
 * written after. Either way a batch of points is built in an arena and
 * handed to the ingest path whenever it is full. */
#include "app/select_into.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "domain/influxql/format.h"
#include "domain/lineproto.h"
#include "domain/series_key.h"

typedef struct into_ctx {
    hb_ingest *ingest;
    const char *db, *rp;        /* target; rp NULL = the rp parameter's or the default */
    hb_iql_str name;            /* target measurement; empty: the row's */
    size_t batch_max;
    /* the current output series, in sarena (kept across batches) */
    hb_arena sarena;
    hb_slice meas;
    hb_tag *tags;
    uint32_t ntags;
    size_t ncols;               /* values per row */
    int time_col;               /* -1: none */
    const hb_iql_str *tagargs;  /* tag arguments of top()/bottom(): their columns are tags */
    size_t ntagargs;
    int *tcols;                 /* those columns in this series */
    hb_slice *tkeys;
    size_t nt;
    int *fcols;                 /* the field columns (last of equal names) */
    hb_slice *fkeys;
    size_t nf;
    /* the batch, in barena; the series' strings are copied once per batch */
    hb_arena barena;
    hb_point *pts;
    size_t npts;
    int series_in_batch;
    hb_slice b_meas, b_skey;
    hb_tag *b_tags;
    hb_slice *b_fkeys;
    uint64_t written;
    int failed;                 /* the statement error is in err */
    hb_err err;
} into_ctx;

static int cmp_tag(const void *a, const void *b)
{
    const hb_tag *x = a, *y = b;
    size_t n = x->key.n < y->key.n ? x->key.n : y->key.n;
    int c = memcmp(x->key.p, y->key.p, n);
    return c ? c : (x->key.n > y->key.n) - (x->key.n < y->key.n);
}

static hb_slice adup(hb_arena *a, const char *p, size_t n)
{
    hb_slice s = { hb_arena_strndup(a, p ? p : "", n), n };
    return s;
}

static int nomem(into_ctx *c)
{
    c->failed = 1;
    return hb_err_set(&c->err, HB_ENOMEM, "out of memory");
}

/* Writes the batch through the ingest path; its error ends the statement. */
static int flush_batch(into_ctx *c)
{
    int rc = HB_OK;
    if (c->npts) {
        hb_write_res wr;
        memset(&wr, 0, sizeof wr);
        hb_buf_init(&wr.error, 0);
        hb_ingest_write_points(c->ingest, c->db, c->rp, c->pts, c->npts, &c->barena, &wr);
        if (wr.status != 204) {
            c->failed = 1;
            rc = hb_err_set(&c->err, wr.status == 503 ? HB_EBUSY : HB_EINVAL, "%s", hb_buf_cstr(&wr.error));
        }
        hb_buf_free(&wr.error);
    }
    hb_arena_reset(&c->barena);
    c->npts = 0;
    c->series_in_batch = 0;
    c->pts = hb_arena_alloc(&c->barena, c->batch_max * sizeof *c->pts);
    if (!rc && !c->pts)
        rc = nomem(c);
    return rc;
}

static int is_tagarg(const into_ctx *c, const char *name)
{
    for (size_t i = 0; i < c->ntagargs; i++)
        if (strlen(name) == c->tagargs[i].n && !memcmp(name, c->tagargs[i].p, c->tagargs[i].n))
            return 1;
    return 0;
}

/* A new output series: its measurement, tags and column roles. */
static int into_series(void *ctx, const hb_series_out *s)
{
    into_ctx *c = ctx;
    if (c->failed)
        return c->err.code;
    hb_arena_reset(&c->sarena);
    c->series_in_batch = 0;
    c->meas = c->name.n ? adup(&c->sarena, c->name.p, c->name.n)
                        : adup(&c->sarena, s->name, s->name ? strlen(s->name) : 0);
    c->tags = hb_arena_alloc(&c->sarena, (s->ntags + 1) * sizeof *c->tags);
    c->fcols = hb_arena_alloc(&c->sarena, (s->ncols + 1) * sizeof *c->fcols);
    c->fkeys = hb_arena_alloc(&c->sarena, (s->ncols + 1) * sizeof *c->fkeys);
    c->tcols = hb_arena_alloc(&c->sarena, (s->ncols + 1) * sizeof *c->tcols);
    c->tkeys = hb_arena_alloc(&c->sarena, (s->ncols + 1) * sizeof *c->tkeys);
    if (!c->meas.p || !c->tags || !c->fcols || !c->fkeys || !c->tcols || !c->tkeys)
        return nomem(c);
    c->ntags = 0;
    for (size_t i = 0; i < s->ntags; i++) {
        if (!s->tags[i].val || !*s->tags[i].val)
            continue;   /* models.NewPoint leaves empty tag values out */
        hb_tag *t = &c->tags[c->ntags++];
        t->key = adup(&c->sarena, s->tags[i].key, strlen(s->tags[i].key));
        t->val = adup(&c->sarena, s->tags[i].val, strlen(s->tags[i].val));
        if (!t->key.p || !t->val.p)
            return nomem(c);
    }
    qsort(c->tags, c->ntags, sizeof *c->tags, cmp_tag);
    /* InfluxDB maps column names to indexes: a later column of the same
     * name wins, the last "time" column is the time */
    c->ncols = s->ncols;
    c->time_col = -1;
    c->nf = c->nt = 0;
    for (size_t i = 0; i < s->ncols; i++) {
        const char *name = s->columns[i];
        if (!strcmp(name, "time")) {
            c->time_col = (int)i;
            continue;
        }
        if (is_tagarg(c, name)) {
            c->tkeys[c->nt] = adup(&c->sarena, name, strlen(name));
            if (!c->tkeys[c->nt].p)
                return nomem(c);
            c->tcols[c->nt++] = (int)i;
            continue;
        }
        size_t k = 0;
        while (k < c->nf && strcmp(s->columns[c->fcols[k]], name))
            k++;
        if (k == c->nf) {
            c->fkeys[k] = adup(&c->sarena, name, strlen(name));
            if (!c->fkeys[k].p)
                return nomem(c);
            c->nf++;
        }
        c->fcols[k] = (int)i;
    }
    if (c->time_col < 0) {
        c->failed = 1;
        return hb_err_set(&c->err, HB_EINVAL, "error finding time index in result");
    }
    return HB_OK;
}

/* The series' measurement, series key, tags and field keys into the batch's
 * arena, once per batch. 0 ok, 1 key too long (its points are dropped). */
static int series_to_batch(into_ctx *c)
{
    hb_arena *a = &c->barena;
    size_t klen = hb_series_key_len(c->meas, c->tags, c->ntags);
    c->series_in_batch = 1;
    c->b_meas = adup(a, c->meas.p, c->meas.n);
    c->b_tags = hb_arena_alloc(a, (c->ntags + 1) * sizeof *c->b_tags);
    c->b_fkeys = hb_arena_alloc(a, (c->nf + 1) * sizeof *c->b_fkeys);
    char *key = hb_arena_alloc(a, klen + 1);
    if (!c->b_meas.p || !c->b_tags || !c->b_fkeys || !key)
        return nomem(c);
    for (uint32_t i = 0; i < c->ntags; i++) {
        c->b_tags[i].key = adup(a, c->tags[i].key.p, c->tags[i].key.n);
        c->b_tags[i].val = adup(a, c->tags[i].val.p, c->tags[i].val.n);
        if (!c->b_tags[i].key.p || !c->b_tags[i].val.p)
            return nomem(c);
    }
    for (size_t i = 0; i < c->nf; i++)
        if (!(c->b_fkeys[i] = adup(a, c->fkeys[i].p, c->fkeys[i].n)).p)
            return nomem(c);
    char *end = hb_series_key_write(key, c->b_meas, c->b_tags, c->ntags);
    c->b_skey = (hb_slice){ key, (size_t)(end - key) };
    return HB_OK;
}

/* The tags of a row of top()/bottom() with tag arguments: the series'
 * tags and the row's values of those columns (InfluxDB's selectors keep
 * the selected point's tags when writing), with its series key, in the
 * batch's arena. */
static int row_tags(into_ctx *c, const hb_value *row, hb_tag **tags, uint32_t *ntags, hb_slice *skey)
{
    hb_arena *a = &c->barena;
    hb_tag *t = hb_arena_alloc(a, (c->ntags + c->nt + 1) * sizeof *t);
    if (!t)
        return HB_ENOMEM;
    uint32_t n = 0;
    for (size_t i = 0; i < c->nt; i++) {
        const hb_value *v = &row[c->tcols[i]];
        if (v->kind != HB_V_STR || !v->v.s.n)
            continue;
        t[n].key = c->tkeys[i];
        if (!(t[n].val = adup(a, v->v.s.p, v->v.s.n)).p)
            return HB_ENOMEM;
        n++;
    }
    for (uint32_t i = 0; i < c->ntags; i++) {
        uint32_t k = 0;
        while (k < n && !hb_slice_eq(t[k].key, c->b_tags[i].key))
            k++;
        if (k == n)
            t[n++] = c->b_tags[i];
    }
    qsort(t, n, sizeof *t, cmp_tag);
    size_t klen = hb_series_key_len(c->b_meas, t, n);
    char *key = hb_arena_alloc(a, klen + 1);
    if (!key)
        return HB_ENOMEM;
    char *end = hb_series_key_write(key, c->b_meas, t, n);
    *tags = t;
    *ntags = n;
    *skey = (hb_slice){ key, (size_t)(end - key) };
    return HB_OK;
}

/* One output row into the batch as a point (or nothing, see the header). */
static int add_row(into_ctx *c, const hb_value *row)
{
    const hb_value *tv = &row[c->time_col];
    if (tv->kind != HB_V_TIME && tv->kind != HB_V_INT)
        return HB_OK;
    if (!c->series_in_batch) {
        int rc = series_to_batch(c);
        if (rc)
            return rc;
    }
    hb_tag *tags = c->b_tags;
    uint32_t ntags = c->ntags;
    hb_slice skey = c->b_skey;
    if (c->nt && row_tags(c, row, &tags, &ntags, &skey))
        return nomem(c);
    if (skey.n > HB_LP_MAX_KEY_LENGTH)
        return HB_OK;   /* models.NewPoint refuses it: dropped */
    hb_field *f = hb_arena_alloc(&c->barena, (c->nf + 1) * sizeof *f);
    if (!f)
        return nomem(c);
    uint32_t k = 0;
    for (size_t i = 0; i < c->nf; i++) {
        const hb_value *v = &row[c->fcols[i]];
        hb_field *o = &f[k];
        o->key = c->b_fkeys[i];
        switch (v->kind) {
        case HB_V_FLOAT:
            if (isnan(v->v.f))
                continue;   /* the engine's NaN is a null */
            if (isinf(v->v.f))
                return HB_OK;   /* models.NewPoint refuses +/-Inf: the point is dropped */
            o->type = HB_FT_FLOAT;
            o->v.f = v->v.f;
            break;
        case HB_V_INT:
            o->type = HB_FT_INTEGER;
            o->v.i = v->v.i;
            break;
        case HB_V_TIME:
            o->type = HB_FT_INTEGER;
            o->v.i = v->v.i;
            break;
        case HB_V_UINT:
            o->type = HB_FT_UNSIGNED;
            o->v.u = v->v.u;
            break;
        case HB_V_BOOL:
            o->type = HB_FT_BOOLEAN;
            o->v.b = v->v.b ? 1 : 0;
            break;
        case HB_V_STR:
            o->type = HB_FT_STRING;
            o->v.s = adup(&c->barena, v->v.s.p, v->v.s.n);
            if (!o->v.s.p)
                return nomem(c);
            break;
        default:
            continue;
        }
        k++;
    }
    if (!k)
        return HB_OK;   /* no field: models.NewPoint refuses it */
    c->pts[c->npts++] = (hb_point){ .measurement = c->b_meas, .series_key = skey, .tags = tags, .ntags = ntags,
                                    .nfields = k, .fields = f, .time = tv->v.i };
    c->written++;
    return c->npts >= c->batch_max ? flush_batch(c) : HB_OK;
}

static int into_rows(void *ctx, const hb_value *rows, size_t n)
{
    into_ctx *c = ctx;
    int rc = c->failed ? c->err.code : HB_OK;
    for (size_t r = 0; r < n && !rc; r++)
        rc = add_row(c, rows + r * c->ncols);
    return rc;
}

/* ---- the read-only warning: InfluxDB prints the normalized statement ---- */

static hb_iql_str istr(const char *s)
{
    hb_iql_str r = { s ? s : "", s ? strlen(s) : 0 };
    return r;
}

/* m with its database and policy filled in as InfluxDB's normalization does. */
static void normalize(hb_catalog *cat, const hb_select_env *env, hb_iql_measurement *m, char *rpbuf, size_t rpcap)
{
    if (!m->database.n)
        m->database = istr(env->default_db);
    if (!m->rp.n && m->database.n) {
        if (env->default_rp && *env->default_rp) {
            m->rp = istr(env->default_rp);
        } else {
            char db[1024];
            hb_err e;
            snprintf(db, sizeof db, "%.*s", (int)m->database.n, m->database.p);
            if (!hb_catalog_resolve_rp(cat, db, NULL, rpbuf, rpcap, &e))
                m->rp = istr(rpbuf);
        }
    }
}

static int add_warning(hb_catalog *cat, const hb_select_env *env, const hb_iql_select *s, hb_query_result *res,
                       hb_stmt_result *sr)
{
    hb_iql_select n = *s;
    hb_iql_measurement target = *s->target;
    char trp[256], (*rps)[256] = NULL;
    hb_iql_source *src = NULL;
    hb_buf text;
    hb_buf_init(&text, 0);
    int rc = HB_ENOMEM;
    normalize(cat, env, &target, trp, sizeof trp);
    n.target = &target;
    if (s->nsources) {
        src = malloc(s->nsources * sizeof *src);
        rps = malloc(s->nsources * sizeof *rps);
        if (!src || !rps)
            goto out;
        for (size_t i = 0; i < s->nsources; i++) {
            src[i] = s->sources[i];
            if (src[i].kind == HB_IQL_SRC_MEASUREMENT)
                normalize(cat, env, &src[i].m, rps[i], sizeof rps[i]);
        }
        n.sources = src;
    }
    hb_buf_puts(&text, "deprecated use of '");
    hb_iql_format_select(&text, &n);
    hb_buf_puts(&text, "' in a read only context, please use a POST request instead");
    hb_result_add_message(res, sr, "warning", hb_buf_cstr(&text));
    rc = HB_OK;
out:
    hb_buf_free(&text);
    free(src);
    free(rps);
    return rc;
}

int hb_select_into_exec(hb_ingest *ingest, hb_catalog *cat, const hb_select_env *env, const hb_iql_select *s,
                        int read_only, hb_query_result *res, hb_stmt_result *sr, hb_err *err)
{
    const hb_iql_measurement *t = s->target;
    char db[1024], rp[256];
    if (t->database.n)
        snprintf(db, sizeof db, "%.*s", (int)t->database.n, t->database.p);
    else if (env->default_db && *env->default_db)
        snprintf(db, sizeof db, "%s", env->default_db);
    else
        return hb_err_set(err, HB_EINVAL, "database name required");
    if (!hb_catalog_has_database(cat, db))
        return hb_err_set(err, HB_ENOTFOUND, "database not found: %s", db);
    if (t->rp.n)
        snprintf(rp, sizeof rp, "%.*s", (int)t->rp.n, t->rp.p);
    else if (env->default_rp && *env->default_rp)
        snprintf(rp, sizeof rp, "%s", env->default_rp);
    else if (hb_catalog_resolve_rp(cat, db, NULL, rp, sizeof rp, err))
        return err->code;

    into_ctx c;
    memset(&c, 0, sizeof c);
    c.ingest = ingest;
    c.db = db;
    c.rp = rp;
    c.name = t->name;
    c.batch_max = HB_INTO_BATCH_POINTS;
    if (ingest->limits.max_points_per_request && ingest->limits.max_points_per_request < c.batch_max)
        c.batch_max = ingest->limits.max_points_per_request;
    hb_err_clear(&c.err);
    hb_arena_init(&c.sarena, 4096, 0);
    /* the tag arguments of top() and bottom() */
    size_t maxargs = 0;
    for (size_t i = 0; i < s->nfields; i++)
        if (s->fields[i].expr->kind == HB_IQL_EXPR_CALL)
            maxargs += s->fields[i].expr->u.call.nargs;
    hb_iql_str *tagargs = malloc((maxargs + 1) * sizeof *tagargs);
    if (!tagargs)
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    for (size_t i = 0; i < s->nfields; i++) {
        const hb_iql_expr *e = s->fields[i].expr;
        if (e->kind != HB_IQL_EXPR_CALL || e->u.call.nargs <= 2 ||
            !((e->u.call.name.n == 3 && !memcmp(e->u.call.name.p, "top", 3)) ||
              (e->u.call.name.n == 6 && !memcmp(e->u.call.name.p, "bottom", 6))))
            continue;
        for (size_t k = 1; k + 1 < e->u.call.nargs; k++)
            if (e->u.call.args[k]->kind == HB_IQL_EXPR_VARREF)
                tagargs[c.ntagargs++] = e->u.call.args[k]->u.ref.name;
    }
    c.tagargs = tagargs;
    hb_arena_init(&c.barena, 256 * 1024, 0);

    /* fill(null) writes nothing InfluxDB keeps: it runs the INTO as fill(none) */
    hb_iql_select s2 = *s;
    if (s2.fill == HB_IQL_FILL_NULL)
        s2.fill = HB_IQL_FILL_NONE;
    hb_row_sink sink = { .ctx = &c, .series = into_series, .rows = into_rows };
    hb_select_env e2 = *env;
    e2.sink = &sink;
    hb_query_result tmp;
    hb_query_result_init(&tmp);
    hb_stmt_result *tsr = hb_result_add_stmt(&tmp, sr->statement_id);
    int rc = HB_OK;
    if (!tsr || !(c.pts = hb_arena_alloc(&c.barena, c.batch_max * sizeof *c.pts))) {
        rc = hb_err_set(err, HB_ENOMEM, "out of memory");
        goto out;
    }
    rc = hb_select_exec(&e2, &s2, &tmp, tsr, err);
    if (c.failed) {
        rc = hb_err_set(err, c.err.code, "%s", c.err.msg);
        goto out;
    }
    if (rc)
        goto out;
    if (tsr->error) {
        rc = hb_err_set(err, HB_EINVAL, "%s", tsr->error);
        goto out;
    }
    /* what did not stream: aggregates, and raw shapes the slicer leaves */
    for (size_t i = 0; i < tsr->nseries && !rc; i++) {
        const hb_series_out *so = &tsr->series[i];
        if ((rc = into_series(&c, so)))
            break;
        for (size_t r = 0; r < so->nrows && !rc; r++)
            rc = add_row(&c, so->values + r * so->ncols);
    }
    if (!rc)
        rc = flush_batch(&c);
    if (rc) {
        rc = hb_err_set(err, c.err.code ? c.err.code : rc, "%s", c.err.msg);
        goto out;
    }
    static const char *const cols[] = { "time", "written" };
    hb_series_out *out = hb_result_add_series(res, sr, "result", cols, 2);
    hb_value *row = out ? hb_result_add_row(res, out) : NULL;
    if (!row) {
        rc = hb_err_set(err, HB_ENOMEM, "out of memory");
        goto out;
    }
    row[0] = (hb_value){ .kind = HB_V_TIME, .v.i = 0 };
    row[1] = (hb_value){ .kind = HB_V_INT, .v.i = (int64_t)c.written };
    sr->shape = HB_SHAPE_ONE_RESULT;
    if (read_only && add_warning(cat, env, s, res, sr))
        rc = hb_err_set(err, HB_ENOMEM, "out of memory");
out:
    hb_query_result_free(&tmp);
    hb_arena_free(&c.sarena);
    hb_arena_free(&c.barena);
    free(tagargs);
    return rc;
}
