/* Continuous-query definitions and statements (key schema and JSON in cq.h). */
#include "app/cq.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "app/meta_key.h"
#include "base/buf.h"
#include "base/fmt.h"
#include "domain/influxql/format.h"

#define NEXT_ID_KEY "cq_next_id"
#define ERR_CQ_EXISTS "continuous query already exists"

struct hb_cq_store {
    hb_meta_port *meta;
    hb_catalog *cat;
    pthread_mutex_t mu;
    uint64_t next_id;
};

static int nomem(hb_err *err) { return hb_err_set(err, HB_ENOMEM, "out of memory"); }

/* kind:{db}:[name] */
static int make_key(hb_buf *b, const char *kind, const char *db, const char *name)
{
    hb_buf_reset(b);
    if (hb_buf_puts(b, kind) || hb_buf_putc(b, ':') || hb_meta_key_put(b, db, strlen(db)) || hb_buf_putc(b, ':'))
        return HB_ENOMEM;
    if (name && hb_buf_puts(b, name))
        return HB_ENOMEM;
    return HB_OK;
}

int hb_cq_store_open(hb_meta_port *meta, hb_catalog *cat, hb_cq_store **out, hb_err *err)
{
    hb_cq_store *cs = calloc(1, sizeof *cs);
    if (!cs)
        return nomem(err);
    cs->meta = meta;
    cs->cat = cat;
    cs->next_id = 1;
    char *v = NULL;
    size_t vlen = 0;
    int rc = meta->get(meta->self, NEXT_ID_KEY, strlen(NEXT_ID_KEY), &v, &vlen, err);
    if (rc == HB_OK) {
        char tmp[32];
        size_t n = vlen < sizeof tmp - 1 ? vlen : sizeof tmp - 1;
        memcpy(tmp, v, n);
        tmp[n] = '\0';
        unsigned long long id = strtoull(tmp, NULL, 10);
        if (id > 0)
            cs->next_id = id;
        free(v);
    } else if (rc != HB_ENOTFOUND) {
        free(cs);
        return rc;
    }
    pthread_mutex_init(&cs->mu, NULL);
    *out = cs;
    return HB_OK;
}

void hb_cq_store_close(hb_cq_store *cs)
{
    if (!cs)
        return;
    pthread_mutex_destroy(&cs->mu);
    free(cs);
}

void hb_cq_defs_free(hb_cq_def *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].db);
        free(v[i].name);
        free(v[i].query);
    }
    free(v);
}

/* ---- listing ---- */
typedef struct list_ctx {
    const char *db;
    size_t prefix_len;
    hb_cq_def *v;
    size_t n, cap;
    int rc;
} list_ctx;

static int list_one(void *ctx, const char *key, size_t klen, const char *val, size_t vlen)
{
    list_ctx *l = ctx;
    json_t *root = json_loadb(val, vlen, 0, NULL);
    const char *q = root ? json_string_value(json_object_get(root, "query_text")) : NULL;
    json_t *jid = root ? json_object_get(root, "id") : NULL;
    if (!q || !json_is_integer(jid)) {   /* not ours or damaged: skip */
        json_decref(root);
        return 0;
    }
    if (l->n == l->cap) {
        size_t nc = l->cap ? 2 * l->cap : 8;
        hb_cq_def *nv = realloc(l->v, nc * sizeof *nv);
        if (!nv)
            goto oom;
        l->v = nv;
        l->cap = nc;
    }
    hb_cq_def *d = &l->v[l->n];
    d->db = strdup(l->db);
    d->name = strndup(key + l->prefix_len, klen - l->prefix_len);
    d->query = strdup(q);
    d->id = (uint64_t)json_integer_value(jid);
    if (!d->db || !d->name || !d->query) {
        free(d->db);
        free(d->name);
        free(d->query);
        goto oom;
    }
    l->n++;
    json_decref(root);
    return 0;
oom:
    json_decref(root);
    l->rc = HB_ENOMEM;
    return HB_ENOMEM;
}

static int by_id(const void *a, const void *b)
{
    uint64_t x = ((const hb_cq_def *)a)->id, y = ((const hb_cq_def *)b)->id;
    return x < y ? -1 : x > y;
}

/* The CQs of one database appended to l (sorted by id). */
static int list_db(hb_cq_store *cs, const char *db, list_ctx *l, hb_err *err)
{
    hb_buf key;
    hb_buf_init(&key, 0);
    int rc = make_key(&key, "cq", db, NULL);
    if (rc) {
        hb_buf_free(&key);
        return nomem(err);
    }
    size_t first = l->n;
    l->db = db;
    l->prefix_len = key.len;
    rc = cs->meta->scan(cs->meta->self, key.data, key.len, list_one, l, err);
    hb_buf_free(&key);
    if (l->rc)
        return nomem(err);
    if (rc)
        return rc;
    if (l->n > first)
        qsort(l->v + first, l->n - first, sizeof *l->v, by_id);
    return HB_OK;
}

int hb_cq_list(hb_cq_store *cs, hb_cq_def **out, size_t *n, hb_err *err)
{
    char **dbs = NULL;
    size_t ndb = 0;
    list_ctx l = { 0 };
    int rc = hb_catalog_list_databases(cs->cat, &dbs, &ndb, err);
    for (size_t i = 0; !rc && i < ndb; i++)
        rc = list_db(cs, dbs[i], &l, err);
    hb_strv_free(dbs, ndb);
    if (rc) {
        hb_cq_defs_free(l.v, l.n);
        return rc;
    }
    *out = l.v;
    *n = l.n;
    return HB_OK;
}

/* ---- run state ---- */
/* The JSON value under kind:db:name (*root owned by the caller,
 * json_decref); HB_ENOTFOUND when absent, *root NULL when it does not
 * parse. */
static int get_json(hb_cq_store *cs, const char *kind, const char *db, const char *name, json_t **root, hb_err *err)
{
    *root = NULL;
    hb_buf key;
    hb_buf_init(&key, 0);
    if (make_key(&key, kind, db, name)) {
        hb_buf_free(&key);
        return nomem(err);
    }
    char *v = NULL;
    size_t vlen = 0;
    int rc = cs->meta->get(cs->meta->self, key.data, key.len, &v, &vlen, err);
    hb_buf_free(&key);
    if (rc)
        return rc;
    *root = json_loadb(v, vlen, 0, NULL);
    free(v);
    return HB_OK;
}

int hb_cq_state_get(hb_cq_store *cs, const hb_cq_def *def, hb_cq_state *st, hb_err *err)
{
    memset(st, 0, sizeof *st);
    json_t *root;
    int rc = get_json(cs, "cqrun", def->db, def->name, &root, err);
    if (rc == HB_ENOTFOUND)
        return HB_OK;
    if (rc)
        return rc;
    json_t *id = json_object_get(root, "id"), *last = json_object_get(root, "last_run");
    if (json_is_integer(id) && json_is_integer(last) && (uint64_t)json_integer_value(id) == def->id) {
        st->has_run = 1;
        st->last_run = json_integer_value(last);
    }
    json_decref(root);
    return HB_OK;
}

/* The stored definition's id and query text; HB_ENOTFOUND when absent. *q malloc'd. */
static int def_get(hb_cq_store *cs, const char *db, const char *name, uint64_t *id, char **q, hb_err *err)
{
    json_t *root;
    int rc = get_json(cs, "cq", db, name, &root, err);
    if (rc)
        return rc;
    const char *text = json_string_value(json_object_get(root, "query_text"));
    json_t *jid = json_object_get(root, "id");
    if (!text || !json_is_integer(jid)) {
        json_decref(root);
        return hb_err_set(err, HB_ECORRUPT, "continuous query %s on %s: damaged definition", name, db);
    }
    *id = (uint64_t)json_integer_value(jid);
    *q = strdup(text);
    json_decref(root);
    return *q ? HB_OK : nomem(err);
}

int hb_cq_state_put(hb_cq_store *cs, const hb_cq_def *def, const hb_cq_state *st, int has_window, int64_t start,
                    int64_t end, hb_err *err)
{
    hb_buf key;
    hb_buf_init(&key, 0);
    char *val = NULL;
    char *q = NULL;
    uint64_t id = 0;
    int rc;
    pthread_mutex_lock(&cs->mu);
    rc = def_get(cs, def->db, def->name, &id, &q, err);
    if (rc == HB_ENOTFOUND || (rc == HB_OK && id != def->id)) {
        rc = HB_OK;   /* dropped (and maybe re-created) meanwhile */
        goto out;
    }
    if (rc)
        goto out;
    json_t *o = json_pack("{s:I,s:I}", "id", (json_int_t)def->id, "last_run", (json_int_t)st->last_run);
    if (o && has_window) {
        json_object_set_new(o, "window_start", json_integer(start));
        json_object_set_new(o, "window_end", json_integer(end));
    }
    val = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (!val || make_key(&key, "cqrun", def->db, def->name)) {
        rc = nomem(err);
        goto out;
    }
    hb_meta_batch *b = cs->meta->batch_new(cs->meta->self);
    if (!b || cs->meta->batch_put(b, key.data, key.len, val, strlen(val))) {
        if (b)
            cs->meta->batch_free(b);
        rc = nomem(err);
        goto out;
    }
    rc = cs->meta->batch_commit(cs->meta->self, b, 1, err);
out:
    pthread_mutex_unlock(&cs->mu);
    free(q);
    free(val);
    hb_buf_free(&key);
    return rc;
}

/* ---- CREATE ---- */
typedef struct norm_ctx {
    hb_cq_store *cs;
    hb_arena *a;
    const char *defdb, *defrp;
    hb_err *err;
} norm_ctx;

static int set_str(hb_arena *a, hb_iql_str *s, const char *v)
{
    size_t n = strlen(v);
    char *p = hb_arena_strndup(a, v, n);
    if (!p)
        return HB_ENOMEM;
    s->p = p;
    s->n = n;
    return HB_OK;
}

/* influxd's normalizeMeasurement */
static int norm_measurement(norm_ctx *x, hb_iql_measurement *m)
{
    if (!m->database.n) {
        if (!x->defdb || !*x->defdb)
            return hb_err_set(x->err, HB_EINVAL, "database name required");
        if (set_str(x->a, &m->database, x->defdb))
            return nomem(x->err);
    }
    if (!hb_catalog_has_database(x->cs->cat, m->database.p))
        return hb_err_set(x->err, HB_ENOTFOUND, "database not found: %s", m->database.p);
    if (!m->rp.n) {
        char rp[256];
        const char *use = x->defrp && *x->defrp ? x->defrp : NULL;
        if (!use) {
            hb_err e2;
            if (hb_catalog_resolve_rp(x->cs->cat, m->database.p, NULL, rp, sizeof rp, &e2))
                return hb_err_set(x->err, HB_ENOTFOUND, "default retention policy not set for: %s",
                                  m->database.p);
            use = rp;
        }
        if (set_str(x->a, &m->rp, use))
            return nomem(x->err);
    }
    return HB_OK;
}

/* verify=0: normalize every measurement; verify=1: every policy must exist.
 * Target first, then the sources (influxql's walk order). */
static int walk_select(norm_ctx *x, hb_iql_select *s, int verify, int depth)
{
    if (depth > 200)
        return hb_err_set(x->err, HB_ELIMIT, "subqueries nested too deeply");
    hb_iql_measurement *ms[1] = { s->target };
    for (size_t i = 0; i < 1 + s->nsources; i++) {
        hb_iql_measurement *m = NULL;
        if (i == 0) {
            m = ms[0];
        } else if (s->sources[i - 1].kind == HB_IQL_SRC_MEASUREMENT) {
            m = &s->sources[i - 1].m;
        } else {
            int rc = walk_select(x, s->sources[i - 1].subquery, verify, depth + 1);
            if (rc)
                return rc;
        }
        if (!m)
            continue;
        if (!verify) {
            int rc = norm_measurement(x, m);
            if (rc)
                return rc;
        } else {
            int64_t d;
            if (hb_catalog_rp_duration(x->cs->cat, m->database.p, m->rp.p, &d))
                return hb_err_set(x->err, HB_ENOTFOUND, "retention policy not found: %s.%s", m->database.p,
                                  m->rp.p);
        }
    }
    return HB_OK;
}

static char *iso_now(int64_t now, char out[40])
{
    hb_fmt_rfc3339nano(now, out);
    return out;
}

int hb_cq_create(hb_cq_store *cs, hb_iql_stmt *st, const char *default_db, const char *default_rp, hb_arena *a,
                 int64_t now, const char **text_out, hb_err *err)
{
    hb_iql_cq *cq = &st->u.cq;
    const char *db = cq->database.p;
    norm_ctx x = { cs, a, default_db && *default_db ? default_db : db, default_rp, err };
    int rc;
    if ((rc = walk_select(&x, cq->select, 0, 0)) || (rc = walk_select(&x, cq->select, 1, 0)))
        return rc;
    if (!hb_catalog_has_database(cs->cat, db))
        return hb_err_set(err, HB_ENOTFOUND, "database not found: %s", db);

    hb_buf text, key;
    hb_buf_init(&text, 0);
    hb_buf_init(&key, 0);
    char *val = NULL, *old = NULL;
    json_t *o = NULL;
    if (hb_iql_format_stmt(&text, st) || make_key(&key, "cq", db, cq->name.p)) {
        hb_buf_free(&text);
        hb_buf_free(&key);
        return nomem(err);
    }
    const char *q = hb_buf_cstr(&text);
    if (text_out && !(*text_out = hb_arena_strndup(a, q, strlen(q)))) {
        rc = nomem(err);
        goto done;
    }
    pthread_mutex_lock(&cs->mu);
    uint64_t oid = 0;
    rc = def_get(cs, db, cq->name.p, &oid, &old, err);
    if (rc == HB_OK) {   /* influxd: the same text (any case) is a no-op */
        rc = strcasecmp(old, q) == 0 ? HB_OK : hb_err_set(err, HB_EEXISTS, ERR_CQ_EXISTS);
        goto out;
    }
    if (rc != HB_ENOTFOUND)
        goto out;
    char created[40];
    uint64_t id = cs->next_id;
    o = json_pack("{s:s,s:s,s:I,s:s,s:I,s:I,s:s}", "name", cq->name.p, "database", db, "id", (json_int_t)id,
                  "query_text", q, "resample_every_ns", (json_int_t)cq->resample_every, "resample_for_ns",
                  (json_int_t)cq->resample_for, "created_at", iso_now(now, created));
    if (!o) {
        rc = hb_err_set(err, HB_EINVAL, "continuous query names and text must be valid UTF-8");
        goto out;
    }
    val = json_dumps(o, JSON_COMPACT);
    char idtext[32];
    snprintf(idtext, sizeof idtext, "%llu", (unsigned long long)(id + 1));
    hb_meta_batch *b = cs->meta->batch_new(cs->meta->self);
    if (!val || !b || cs->meta->batch_put(b, key.data, key.len, val, strlen(val)) ||
        cs->meta->batch_put(b, NEXT_ID_KEY, strlen(NEXT_ID_KEY), idtext, strlen(idtext)) ||
        make_key(&key, "cqrun", db, cq->name.p) || cs->meta->batch_del(b, key.data, key.len)) {
        if (b)
            cs->meta->batch_free(b);
        rc = nomem(err);
        goto out;
    }
    if ((rc = cs->meta->batch_commit(cs->meta->self, b, 1, err)) == HB_OK)
        cs->next_id = id + 1;
out:
    pthread_mutex_unlock(&cs->mu);
done:
    json_decref(o);
    free(val);
    free(old);
    hb_buf_free(&text);
    hb_buf_free(&key);
    return rc;
}

/* ---- DROP ---- */
int hb_cq_drop(hb_cq_store *cs, const char *db, const char *name, hb_err *err)
{
    hb_buf key;
    hb_buf_init(&key, 0);
    int rc = HB_OK;
    pthread_mutex_lock(&cs->mu);
    hb_meta_batch *b = cs->meta->batch_new(cs->meta->self);
    if (!b || make_key(&key, "cq", db, name) || cs->meta->batch_del(b, key.data, key.len) ||
        make_key(&key, "cqrun", db, name) || cs->meta->batch_del(b, key.data, key.len)) {
        if (b)
            cs->meta->batch_free(b);
        rc = nomem(err);
    } else {
        rc = cs->meta->batch_commit(cs->meta->self, b, 1, err);
    }
    pthread_mutex_unlock(&cs->mu);
    hb_buf_free(&key);
    return rc;
}

/* ---- SHOW ---- */
int hb_cq_show(hb_cq_store *cs, hb_query_result *res, hb_stmt_result *sr, hb_err *err)
{
    static const char *const cols[] = { "name", "query" };
    char **dbs = NULL;
    size_t ndb = 0;
    int rc = hb_catalog_list_databases(cs->cat, &dbs, &ndb, err);
    for (size_t i = 0; !rc && i < ndb; i++) {
        list_ctx l = { 0 };
        if ((rc = list_db(cs, dbs[i], &l, err)))
            break;
        hb_series_out *s = hb_result_add_series(res, sr, dbs[i], cols, 2);
        for (size_t k = 0; s && k < l.n; k++) {
            hb_value *row = hb_result_add_row(res, s);
            if (!row) {
                s = NULL;
                break;
            }
            row[0] = hb_value_str(res, l.v[k].name);
            row[1] = hb_value_str(res, l.v[k].query);
        }
        hb_cq_defs_free(l.v, l.n);
        if (!s)
            rc = nomem(err);
    }
    hb_strv_free(dbs, ndb);
    return rc;
}
