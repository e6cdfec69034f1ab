/* DELETE, DROP SERIES, DROP MEASUREMENT (see delete.h). */
#include "app/delete.h"

#include <stdlib.h>
#include <string.h>

#include "app/catalog.h"
#include "base/arena.h"
#include "base/buf.h"
#include "base/crashpoint.h"
#include "base/log.h"
#include "domain/influxql/format.h"
#include "domain/influxql/regex.h"
#include "engine/scan.h"
#include "engine/timeexpr.h"

#define ERR_FIELDS "fields not supported in WHERE clause during deletion"

/* Three-valued truth of a WHERE for one series: rows of a field term are
 * not known from the tags (influxd keeps them as a "filter" and fails). */
typedef enum { V_FALSE = 0, V_TRUE, V_FILTER } tv;

/* One series' tags (unescaped, from its canonical key): "key\0value\0"
 * pairs, as many as the key holds. */
typedef struct tagset {
    hb_buf buf;
} tagset;

static int tags_parse(tagset *t, const char *k, size_t n)
{
    hb_buf_reset(&t->buf);
    size_t i = 0;
    while (i < n && k[i] != ',')
        i += k[i] == '\\' && i + 1 < n ? 2 : 1;
    while (i < n) {
        i++;
        size_t start = t->buf.len;
        int in_val = 0;
        for (; i < n && k[i] != ','; i++) {
            char ch = k[i];
            if (ch == '\\' && i + 1 < n && (k[i + 1] == ',' || k[i + 1] == ' ' || k[i + 1] == '=')) {
                ch = k[++i];
            } else if (ch == '=' && !in_val) {
                in_val = 1;
                ch = '\0';
            }
            if (hb_buf_putc(&t->buf, ch))
                return HB_ENOMEM;
        }
        if (!in_val)
            t->buf.len = start;   /* not a pair: left out */
        else if (hb_buf_putc(&t->buf, '\0'))
            return HB_ENOMEM;
    }
    return HB_OK;
}

/* The value of tag key (n bytes) in t, "" when the series has none. */
static const char *tag_value(const tagset *t, const char *key, size_t n, size_t *vlen)
{
    const char *p = (const char *)t->buf.data, *end = p + t->buf.len;
    while (p && p < end) {
        size_t kl = strlen(p);
        const char *v = p + kl + 1;
        size_t vl = strlen(v);
        if (kl == n && !memcmp(p, key, n)) {
            *vlen = vl;
            return v;
        }
        p = v + vl + 1;
    }
    *vlen = 0;
    return "";
}

typedef struct eval_ctx {
    const hb_field_info *fields;
    size_t nfields;
    hb_err *err;
} eval_ctx;

static int is_field(const eval_ctx *x, const char *name, size_t n)
{
    for (size_t i = 0; i < x->nfields; i++)
        if (strlen(x->fields[i].name) == n && !memcmp(x->fields[i].name, name, n))
            return 1;
    return 0;
}

static const hb_iql_expr *unparen(const hb_iql_expr *e)
{
    while (e && e->kind == HB_IQL_EXPR_PAREN)
        e = e->u.paren;
    return e;
}

static int regex_match(const hb_iql_expr *re, const char *s, size_t n, int *out, hb_err *err)
{
    char msg[256];
    pcre2_code *code = hb_iql_regex_compile(re->u.regex.p, re->u.regex.n, msg, sizeof msg);
    if (!code)
        return hb_err_set(err, HB_EINVAL, "%s", msg);
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(code, NULL);
    if (!md) {
        pcre2_code_free(code);
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    }
    *out = pcre2_match(code, (PCRE2_SPTR)s, n, 0, 0, md, NULL) >= 0;
    pcre2_match_data_free(md);
    pcre2_code_free(code);
    return HB_OK;
}

static int literal_cmp(const hb_iql_expr *a, const hb_iql_expr *b, hb_iql_tok op)
{
    double x, y;
    if (a->kind == HB_IQL_EXPR_STRING && b->kind == HB_IQL_EXPR_STRING) {
        size_t n = a->u.str.n < b->u.str.n ? a->u.str.n : b->u.str.n;
        int c = memcmp(a->u.str.p, b->u.str.p, n);
        c = c ? c : (a->u.str.n > b->u.str.n) - (a->u.str.n < b->u.str.n);
        x = c, y = 0;
    } else if ((a->kind == HB_IQL_EXPR_INTEGER || a->kind == HB_IQL_EXPR_NUMBER) &&
               (b->kind == HB_IQL_EXPR_INTEGER || b->kind == HB_IQL_EXPR_NUMBER)) {
        x = a->kind == HB_IQL_EXPR_INTEGER ? (double)a->u.i : a->u.f;
        y = b->kind == HB_IQL_EXPR_INTEGER ? (double)b->u.i : b->u.f;
    } else if (a->kind == HB_IQL_EXPR_BOOLEAN && b->kind == HB_IQL_EXPR_BOOLEAN) {
        x = a->u.b, y = b->u.b;
    } else {
        return 0;
    }
    switch (op) {
    case HB_IQL_EQ: return x == y;
    case HB_IQL_NEQ: return x != y;
    case HB_IQL_LT: return x < y;
    case HB_IQL_LTE: return x <= y;
    case HB_IQL_GT: return x > y;
    case HB_IQL_GTE: return x >= y;
    default: return 0;
    }
}

static int invalid_condition(const hb_iql_expr *e, hb_err *err)
{
    hb_buf b;
    hb_buf_init(&b, 0);
    hb_iql_format_expr(&b, e);
    int rc = hb_err_set(err, HB_EINVAL, "invalid condition expression: %s", hb_buf_cstr(&b));
    hb_buf_free(&b);
    return rc;
}

/* Truth of e for the series with tags t into *out. */
static int eval(eval_ctx *x, const hb_iql_expr *e, const tagset *t, tv *out)
{
    e = unparen(e);
    if (e->kind == HB_IQL_EXPR_BOOLEAN) {
        *out = e->u.b ? V_TRUE : V_FALSE;
        return HB_OK;
    }
    if (e->kind != HB_IQL_EXPR_BINARY)
        return invalid_condition(e, x->err);
    hb_iql_tok op = e->u.bin.op;
    if (op == HB_IQL_AND || op == HB_IQL_OR) {
        tv l, r;
        int rc = eval(x, e->u.bin.lhs, t, &l);
        if (!rc)
            rc = eval(x, e->u.bin.rhs, t, &r);
        if (rc)
            return rc;
        if (op == HB_IQL_AND)
            *out = l == V_FALSE || r == V_FALSE ? V_FALSE : l == V_TRUE && r == V_TRUE ? V_TRUE : V_FILTER;
        else
            *out = l == V_TRUE || r == V_TRUE ? V_TRUE : l == V_FALSE && r == V_FALSE ? V_FALSE : V_FILTER;
        return HB_OK;
    }
    const hb_iql_expr *lhs = unparen(e->u.bin.lhs), *rhs = unparen(e->u.bin.rhs);
    const hb_iql_expr *ref = lhs->kind == HB_IQL_EXPR_VARREF ? lhs : rhs->kind == HB_IQL_EXPR_VARREF ? rhs : NULL;
    if (!ref) {
        *out = literal_cmp(lhs, rhs, op) ? V_TRUE : V_FALSE;
        return HB_OK;
    }
    const hb_iql_expr *val = ref == lhs ? rhs : lhs;
    const char *name = ref->u.ref.name.p;
    size_t nl = ref->u.ref.name.n;
    if (nl == 4 && !memcmp(name, "time", 4)) {   /* left inside an OR: influxd takes every series */
        *out = V_TRUE;
        return HB_OK;
    }
    hb_iql_dtype ty = ref->u.ref.type;
    int tagref = ty == HB_IQL_DT_TAG || (ty == HB_IQL_DT_UNKNOWN && !is_field(x, name, nl));
    if (!tagref || (val->kind != HB_IQL_EXPR_STRING && val->kind != HB_IQL_EXPR_REGEX)) {
        *out = V_FILTER;
        return HB_OK;
    }
    size_t vl;
    const char *v = tag_value(t, name, nl, &vl);
    int m = 0;
    switch (op) {
    case HB_IQL_EQ:
    case HB_IQL_NEQ:
        if (val->kind != HB_IQL_EXPR_STRING) {
            *out = V_FALSE;
            return HB_OK;
        }
        m = vl == val->u.str.n && !memcmp(v, val->u.str.p, vl);
        *out = (op == HB_IQL_EQ) == m ? V_TRUE : V_FALSE;
        return HB_OK;
    case HB_IQL_EQREGEX:
    case HB_IQL_NEQREGEX: {
        if (val->kind != HB_IQL_EXPR_REGEX) {
            *out = V_FALSE;
            return HB_OK;
        }
        int rc = regex_match(val, v, vl, &m, x->err);
        if (rc)
            return rc;
        *out = (op == HB_IQL_EQREGEX) == m ? V_TRUE : V_FALSE;
        return HB_OK;
    }
    default:
        *out = V_FALSE;
        return HB_OK;
    }
}

/* ---- one measurement ---- */

typedef struct target {
    char *meas;
    char **keys;               /* matched series; NULL with all */
    size_t nkeys;
    int all;                   /* every series (no tag condition) */
} target;

static void targets_free(target *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(t[i].meas);
        hb_strv_free(t[i].keys, t[i].nkeys);
    }
    free(t);
}

/* The fields of meas in every policy of db. */
static int meas_fields(hb_catalog *cat, const char *db, const char *meas, hb_field_info **out, size_t *n, hb_err *err)
{
    hb_rp_info *rps = NULL;
    size_t nrp = 0;
    *out = NULL;
    *n = 0;
    int rc = hb_catalog_list_rps(cat, db, &rps, &nrp, err);
    for (size_t i = 0; !rc && i < nrp; i++) {
        hb_field_info *f = NULL;
        size_t nf = 0;
        if ((rc = hb_catalog_list_rp_fields(cat, db, rps[i].name, meas, &f, &nf, err)))
            break;
        hb_field_info *g = realloc(*out, (*n + nf + 1) * sizeof *g);
        if (!g) {
            hb_field_info_free(f, nf);
            rc = hb_err_set(err, HB_ENOMEM, "out of memory");
            break;
        }
        *out = g;
        memcpy(*out + *n, f, nf * sizeof *f);
        *n += nf;
        free(f);   /* the names moved */
    }
    hb_rp_info_free(rps, nrp);
    return rc;
}

/* Which series of meas cond selects (cond NULL: all) into t. */
static int pick_series(hb_catalog *cat, const char *db, const char *meas, const hb_iql_expr *cond, target *t,
                       hb_err *err)
{
    char **keys = NULL;
    size_t n = 0;
    hb_field_info *fields = NULL;
    size_t nf = 0;
    tagset ts;
    hb_buf_init(&ts.buf, 0);
    int rc = hb_catalog_list_series(cat, db, meas, &keys, &n, err);
    if (rc)
        goto out;
    if (!cond) {
        t->all = 1;
        t->keys = keys;
        t->nkeys = n;
        keys = NULL;
        n = 0;
        goto out;
    }
    if ((rc = meas_fields(cat, db, meas, &fields, &nf, err)))
        goto out;
    eval_ctx x = { fields, nf, err };
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        tv v;
        if ((rc = tags_parse(&ts, keys[i], strlen(keys[i])))) {
            rc = hb_err_set(err, rc, "out of memory");
            goto out;
        }
        if ((rc = eval(&x, cond, &ts, &v)))
            goto out;
        if (v == V_FILTER) {
            rc = hb_err_set(err, HB_EINVAL, ERR_FIELDS);
            goto out;
        }
        if (v == V_TRUE) {
            keys[k++] = keys[i];
            keys[i] = k - 1 == i ? keys[i] : NULL;
        } else {
            free(keys[i]);
            keys[i] = NULL;
        }
    }
    t->keys = keys;
    t->nkeys = k;
    keys = NULL;
    n = 0;
out:
    hb_strv_free(keys, n);
    hb_field_info_free(fields, nf);
    hb_buf_free(&ts.buf);
    return rc;
}

typedef struct keyset {
    hb_strmap map;
    int all;
} keyset;

static int want_key(void *ctx, hb_slice key)
{
    const keyset *k = ctx;
    return k->all || hb_strmap_get(&k->map, key.p, key.n) != NULL;
}

/* Tombstone + buffer, atomically for writers and readers. */
static int apply(const hb_delete_env *env, const char *db, const target *t, int64_t tmin, int64_t tmax, hb_err *err)
{
    hb_store *st = env->store;
    keyset ks = { .all = t->all };
    hb_strmap_init(&ks.map);
    int rc = HB_OK;
    for (size_t i = 0; !t->all && i < t->nkeys; i++)
        if (hb_strmap_put(&ks.map, t->keys[i], strlen(t->keys[i]), (void *)1)) {
            hb_strmap_free(&ks.map);
            return hb_err_set(err, HB_ENOMEM, "out of memory");
        }
    hb_memset_lock_order(st->memset);
    hb_memset_wrlock(st->memset);
    uint64_t seq = env->wal->last_seq(env->wal->self), id = 0;
    rc = hb_tombs_add(st->tombs, db, t->meas, tmin, tmax, seq, t->all ? NULL : t->keys, t->nkeys, NULL, &id, err);
    if (!rc) {
        hb_crashpoint("delete.after_tombstone");
        size_t n = hb_memset_delete_locked(st->memset, db, t->meas, want_key, &ks, tmin, tmax);
        hb_log_debug("tombstone %llu: %s.%s, %zu buffered points removed", (unsigned long long)id, db, t->meas, n);
    }
    hb_memset_unlock(st->memset);
    hb_memset_unlock_order(st->memset);
    hb_strmap_free(&ks.map);
    return rc;
}

typedef struct survivors {
    hb_strmap keys;
    int oom;
} survivors;

/* The matched series of t that still have a point in some policy (after
 * the tombstone): into sv. */
static int find_survivors(const hb_delete_env *env, const char *db, const target *t, survivors *sv, hb_err *err)
{
    hb_store *st = env->store;
    hb_snapshot snap;
    hb_rp_info *rps = NULL;
    size_t nrp = 0;
    int rc = hb_catalog_list_rps(st->catalog, db, &rps, &nrp, err);
    if (rc)
        return rc;
    if ((rc = hb_store_snapshot(st, db, NULL, &snap, err))) {
        hb_rp_info_free(rps, nrp);
        return rc;
    }
    for (size_t i = 0; i < snap.nmemtables; i++)
        hb_memtable_rdlock(snap.memtables[i]);
    static const char *const nofields[1] = { NULL };
    for (size_t r = 0; !rc && r < nrp; r++) {
        hb_scan_source *src = NULL;
        size_t n = 0;
        hb_scan *sc = NULL;
        if ((rc = hb_store_sources(st, &snap, db, rps[r].name, t->meas, INT64_MIN, INT64_MAX, &src, &n, err)))
            break;
        hb_scan_opts so = { .tmin = INT64_MIN, .tmax = INT64_MAX, .fields = nofields, .nfields = 0,
                            .sparse_tags = 1 };
        if (n && !(rc = hb_scan_open(src, n, t->meas, &so, &sc, err))) {
            hb_scan_block b;
            while ((rc = hb_scan_next(sc, &b, err)) == 1)
                for (size_t k = 0; k < b.nrows; k++)
                    if ((k == 0 || b.keys[k].p != b.keys[k - 1].p) &&
                        !hb_strmap_get(&sv->keys, b.keys[k].p, b.keys[k].n) &&
                        hb_strmap_put(&sv->keys, b.keys[k].p, b.keys[k].n, (void *)1))
                        sv->oom = 1;
            hb_scan_close(sc);
        }
        hb_store_sources_release(st, src, n);
    }
    for (size_t i = 0; i < snap.nmemtables; i++)
        hb_memtable_unlock(snap.memtables[i]);
    hb_store_release(st, &snap);
    hb_rp_info_free(rps, nrp);
    if (!rc && sv->oom)
        rc = hb_err_set(err, HB_ENOMEM, "out of memory");
    return rc;
}

/* The index after the deletion (see delete.h, step 3). */
static int update_index(const hb_delete_env *env, const char *db, hb_iql_stmt_kind kind, target *t, int timed,
                        hb_err *err)
{
    hb_catalog *cat = env->store->catalog;
    if (kind == HB_IQL_STMT_DROP_MEASUREMENT)
        return hb_catalog_drop_series(cat, db, t->meas, NULL, 0, 1, err);
    if (!timed)
        return hb_catalog_drop_series(cat, db, t->meas, t->keys, t->nkeys, 0, err);
    survivors sv = { .oom = 0 };
    hb_strmap_init(&sv.keys);
    int rc = find_survivors(env, db, t, &sv, err);
    if (!rc) {
        size_t k = 0;
        for (size_t i = 0; i < t->nkeys; i++) {
            if (hb_strmap_get(&sv.keys, t->keys[i], strlen(t->keys[i]))) {
                free(t->keys[i]);
                continue;
            }
            t->keys[k++] = t->keys[i];
        }
        t->nkeys = k;
        rc = hb_catalog_drop_series(cat, db, t->meas, t->keys, t->nkeys, 0, err);
    }
    hb_strmap_free(&sv.keys);
    return rc;
}

static int name_matches(const hb_iql_source *src, size_t n, const char *meas, int *out, hb_err *err)
{
    *out = n == 0;
    for (size_t i = 0; i < n && !*out; i++) {
        const hb_iql_measurement *m = &src[i].m;
        if (m->regex) {
            int rc = regex_match(m->regex, meas, strlen(meas), out, err);
            if (rc)
                return rc;
        } else {
            *out = strlen(meas) == m->name.n && !memcmp(meas, m->name.p, m->name.n);
        }
    }
    return HB_OK;
}

static int has_time(const hb_iql_expr *e)
{
    e = unparen(e);
    if (!e)
        return 0;
    if (e->kind == HB_IQL_EXPR_VARREF)
        return e->u.ref.name.n == 4 && !strncasecmp(e->u.ref.name.p, "time", 4);
    if (e->kind == HB_IQL_EXPR_BINARY)
        return has_time(e->u.bin.lhs) || has_time(e->u.bin.rhs);
    if (e->kind == HB_IQL_EXPR_CALL)
        for (size_t i = 0; i < e->u.call.nargs; i++)
            if (has_time(e->u.call.args[i]))
                return 1;
    return 0;
}

int hb_delete_exec(const hb_delete_env *env, const hb_iql_stmt *st, const char *db, hb_err *err)
{
    hb_catalog *cat = env->store->catalog;
    if (!db || !hb_catalog_has_database(cat, db))
        return hb_err_set(err, HB_ENOTFOUND, "database not found: %s", db ? db : "");
    if (!env->store->tombs)
        return hb_err_set(err, HB_EUNSUPP, "deletion is not available on this store");
    hb_arena arena;
    hb_arena_init(&arena, 4096, 0);
    char **names = NULL;
    size_t nnames = 0, nt = 0;
    target *tg = NULL;
    hb_time_range tr = { 0 };
    hb_iql_expr *rest = NULL;
    int rc = HB_OK;
    if ((rc = hb_catalog_list_measurements(cat, db, &names, &nnames, err)))
        goto out;
    if (!(tg = calloc(nnames ? nnames : 1, sizeof *tg))) {
        rc = hb_err_set(err, HB_ENOMEM, "out of memory");
        goto out;
    }
    if (st->kind == HB_IQL_STMT_DROP_MEASUREMENT) {
        for (size_t i = 0; i < nnames; i++) {
            if (strlen(names[i]) != st->u.name.n || memcmp(names[i], st->u.name.p, st->u.name.n))
                continue;
            if (!(tg->meas = strdup(names[i]))) {
                rc = hb_err_set(err, HB_ENOMEM, "out of memory");
                goto out;
            }
            tg->all = 1;
            nt = 1;
        }
    } else {
        const hb_iql_delete *d = &st->u.del;
        if (st->kind == HB_IQL_STMT_DROP_SERIES) {
            if (has_time(d->condition)) {
                rc = hb_err_set(err, HB_EINVAL, "DROP SERIES doesn't support time in WHERE clause");
                goto out;
            }
            rest = d->condition;
        } else if ((rc = hb_time_condition(d->condition, env->now, NULL, &arena, &rest, &tr, err))) {
            goto out;
        }
        for (size_t i = 0; i < nnames; i++) {
            int yes;
            if ((rc = name_matches(d->sources, d->nsources, names[i], &yes, err)))
                goto out;
            if (!yes)
                continue;
            target *t = &tg[nt++];
            if (!(t->meas = strdup(names[i]))) {
                rc = hb_err_set(err, HB_ENOMEM, "out of memory");
                goto out;
            }
            if ((rc = pick_series(cat, db, names[i], rest, t, err)))
                goto out;
        }
    }
    int64_t tmin = tr.has_min ? tr.min : INT64_MIN, tmax = tr.has_max ? tr.max : INT64_MAX;
    int timed = tr.has_min || tr.has_max;
    if (tmin > tmax)
        goto out;   /* an empty range deletes nothing */
    for (size_t i = 0; i < nt; i++) {
        target *t = &tg[i];
        if (!t->all && t->nkeys == 0)
            continue;
        if ((rc = apply(env, db, t, tmin, tmax, err)))
            goto out;
        if ((rc = update_index(env, db, st->kind, t, timed, err)))
            goto out;
    }
out:
    targets_free(tg, nt);
    hb_strv_free(names, nnames);
    hb_arena_free(&arena);
    return rc;
}
