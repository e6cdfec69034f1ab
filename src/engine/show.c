/* SHOW MEASUREMENTS, TAG KEYS, TAG VALUES, FIELD KEYS and SERIES, as
 * InfluxDB 1.6.7 runs them (coordinator/statement_executor.go, tsdb/store.go,
 * query/statement_rewriter.go):
 *
 *   MEASUREMENTS  ON db (or the request's); a missing database answers
 *                 nothing; WITH MEASUREMENT becomes `_name` =|=~ ...; the
 *                 WHERE filters measurements; OFFSET/LIMIT over the names;
 *                 one series "measurements", column "name".
 *   TAG KEYS      one series per measurement, column "tagKey"; FROM becomes
 *                 `_name` comparisons; a WHERE on tags keeps the keys of the
 *                 series that match; LIMIT/OFFSET per measurement; SLIMIT and
 *                 SOFFSET are accepted and ignored, as InfluxDB does.
 *   TAG VALUES    WITH KEY becomes `_tagKey` comparisons; one series per
 *                 measurement, columns "key","value", sorted by key then
 *                 value; LIMIT/OFFSET per measurement.
 *   FIELD KEYS    run by InfluxDB as a SELECT: each FROM source names its own
 *                 database and retention policy (checked); one series per
 *                 measurement, columns "fieldKey","fieldType".
 *   SERIES        a SELECT too: one series without a name, column "key", the
 *                 canonical keys of every matching series of every source
 *                 database in InfluxDB's order, LIMIT/OFFSET over all.
 *
 * ORDER BY is accepted and ignored (InfluxDB ignores it too). */
#include "engine/show.h"
#include "engine/show_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/hashmap.h"

/* ---- shared helpers -------------------------------------------------------- */

int sh_nomem(sh_ctx *x) { return hb_err_set(x->err, HB_ENOMEM, "out of memory"); }

char *sh_strdup(sh_ctx *x, const char *s, size_t n)
{
    char *d = hb_arena_alloc(&x->a, n + 1);
    if (!d)
        return NULL;
    if (n)
        memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

hb_series_out *sh_add_series(sh_ctx *x, const char *name, const char *const *cols, size_t ncols)
{
    return hb_result_add_series(x->res, x->sr, name, cols, ncols);
}

hb_value *sh_add_row(sh_ctx *x, hb_series_out *s) { return hb_result_add_row(x->res, s); }

/* A string value pointing into the result arena. */
int sh_put_str(sh_ctx *x, hb_value *v, const char *s, size_t n)
{
    char *c = hb_arena_strndup(&x->res->arena, s, n);
    if (!c)
        return sh_nomem(x);
    v->kind = HB_V_STR;
    v->v.s.p = c;
    v->v.s.n = n;
    return HB_OK;
}

int sh_target_db(sh_ctx *x, const hb_iql_show *sh, const char *default_db, const char **out)
{
    if (sh->database.n) {
        if (!(*out = sh_strdup(x, sh->database.p, sh->database.n)))
            return sh_nomem(x);
        return HB_OK;
    }
    if (default_db && *default_db) {
        *out = default_db;
        return HB_OK;
    }
    return hb_err_set(x->err, HB_EINVAL, "database name required");
}

static int require_db(sh_ctx *x, const char *db)
{
    if (hb_catalog_has_database(x->cat, db))
        return HB_OK;
    return hb_err_set(x->err, HB_ENOTFOUND, "database not found: %s", db);
}

int sh_source_dbs(sh_ctx *x, const hb_iql_show *sh, const char *default_db, sh_db ***out, size_t *nout)
{
    size_t n = sh->nsources ? sh->nsources : 1;
    const char **names = hb_arena_calloc(&x->a, n * sizeof *names);
    const char **rps = hb_arena_calloc(&x->a, n * sizeof *rps);
    sh_db **dbs = hb_arena_calloc(&x->a, n * sizeof *dbs);
    size_t k = 0;
    int rc;
    if (!names || !rps || !dbs)
        return sh_nomem(x);
    for (size_t i = 0; i < n; i++) {
        const hb_iql_measurement *m = sh->nsources ? &sh->sources[i].m : NULL;
        if (m && m->database.n) {
            names[i] = sh_strdup(x, m->database.p, m->database.n);
        } else if ((rc = sh_target_db(x, sh, default_db, &names[i]))) {
            return rc;
        }
        rps[i] = m && m->rp.n ? sh_strdup(x, m->rp.p, m->rp.n) : NULL;
        if (!names[i] || (m && m->rp.n && !rps[i]))
            return sh_nomem(x);
        if (!rps[i] && !(m && m->database.n))
            rps[i] = x->default_rp;   /* the rp parameter, as for SELECT */
        if ((rc = require_db(x, names[i])))
            return rc;
    }
    for (size_t i = 0; i < n; i++) {
        char rp[512];
        if ((rc = hb_catalog_resolve_rp(x->cat, names[i], rps[i], rp, sizeof rp, x->err)))
            return rc;
        sh_db *d;
        if ((rc = sh_db_get(x, names[i], &d)))
            return rc;
        if (!d->rp && !(d->rp = sh_strdup(x, rp, strlen(rp))))
            return sh_nomem(x);
        size_t j = 0;
        while (j < k && dbs[j] != d)
            j++;
        if (j == k)
            dbs[k++] = d;
    }
    *out = dbs;
    *nout = k;
    return HB_OK;
}

/* OFFSET then LIMIT over n items: the range [*from, *to). */
void sh_window(int64_t offset, int64_t limit, size_t n, size_t *from, size_t *to)
{
    *from = offset > 0 ? ((uint64_t)offset >= n ? n : (size_t)offset) : 0;
    *to = n;
    if (limit > 0 && (uint64_t)limit < *to - *from)
        *to = *from + (size_t)limit;
}

/* Measurements of db selected by expr (measurement level), as an array. */
int sh_select_meas(sh_ctx *x, sh_db *db, const hb_iql_expr *expr, sh_meas ***out, size_t *n)
{
    uint8_t *set = hb_arena_alloc(&x->a, db->nmeas + 1);
    sh_meas **v = hb_arena_alloc(&x->a, (db->nmeas + 1) * sizeof *v);
    if (!set || !v)
        return sh_nomem(x);
    int rc = sh_meas_by_expr(x, db, expr, set);
    if (rc)
        return rc;
    size_t k = 0;
    for (size_t i = 0; i < db->nmeas; i++)
        if (set[i])
            v[k++] = &db->meas[i];
    *out = v;
    *n = k;
    return HB_OK;
}

/* ---- SHOW MEASUREMENTS -------------------------------------------------------- */

static int show_measurements(sh_ctx *x, const hb_iql_show *sh, const char *default_db)
{
    if (sh_has_time(sh->condition))
        return hb_err_set(x->err, HB_EINVAL, "SHOW MEASUREMENTS doesn't support time in WHERE clause");
    const char *dbname;
    hb_iql_expr *cond = sh->condition;
    int rc = sh_target_db(x, sh, default_db, &dbname);
    if (rc || (sh->with_measurement && (rc = sh_sources_cond(x, sh->with_measurement, 1, cond, &cond))))
        return rc;
    if (!hb_catalog_has_database(x->cat, dbname))
        return HB_OK;
    sh_db *db;
    sh_meas **ms;
    size_t n, from, to;
    if ((rc = sh_db_get(x, dbname, &db)) || (rc = sh_select_meas(x, db, cond, &ms, &n)))
        return rc;
    sh_window(sh->offset, sh->limit, n, &from, &to);
    if (from == to)
        return HB_OK;
    static const char *const cols[] = { "name" };
    hb_series_out *s = sh_add_series(x, "measurements", cols, 1);
    for (size_t i = from; s && i < to; i++) {
        hb_value *row = sh_add_row(x, s);
        if (!row || sh_put_str(x, &row[0], ms[i]->name, ms[i]->nlen))
            return sh_nomem(x);
    }
    return s ? HB_OK : sh_nomem(x);
}

/* ---- TAG KEYS / TAG VALUES: the Store's two filters -------------------------- */

typedef struct meta_cond {
    sh_db *db;
    sh_meas **ms;          /* measurements selected by the `_name` part */
    size_t nms;
    hb_iql_expr *cond;     /* after ConditionExpr */
    hb_iql_expr *filter;   /* the tag part, evaluated per series; NULL = none */
    int empty;             /* no shard would be read: answer nothing */
} meta_cond;

static int meta_prepare(sh_ctx *x, const hb_iql_show *sh, const char *default_db, hb_iql_expr *cond, meta_cond *mc)
{
    const char *dbname;
    int64_t tmin, tmax;
    memset(mc, 0, sizeof *mc);
    int rc = sh_target_db(x, sh, default_db, &dbname);
    if (rc || (rc = require_db(x, dbname)) || (rc = sh_sources_cond(x, sh->sources, sh->nsources, cond, &cond)) ||
        (rc = sh_condition_expr(x, cond, &mc->cond, &tmin, &tmax)) || (rc = sh_db_get(x, dbname, &mc->db)))
        return rc;
    /* InfluxDB reads the shards overlapping [tmin, tmax] (with the inmem
     * index: the whole database as soon as one overlaps); the catalog keeps
     * no time, so the range is not applied. */
    (void)tmin;
    (void)tmax;
    if (mc->db->nmeas == 0) {
        mc->empty = 1;
        return HB_OK;
    }
    hb_iql_expr *mexpr = sh_strip(x, mc->cond, SH_KEEP_NAME);
    if (x->err->code || (mc->cond && !(mc->filter = sh_strip(x, mc->cond, SH_DROP_SYSTEM)) && x->err->code))
        return x->err->code;
    return sh_select_meas(x, mc->db, mexpr, &mc->ms, &mc->nms);
}

/* Marks in hit[] the tag keys (indexes into m->keys) of the series of m
 * matching filter; *nhit counts them. */
static int keys_of_matching_series(sh_ctx *x, sh_meas *m, const hb_iql_expr *filter, uint8_t *hit, size_t *nhit)
{
    int rc = sh_meas_load_series(x, m);
    for (size_t i = 0; !rc && i < m->nseries && *nhit < m->nkeys; i++) {
        sh_series *s = &m->series[i];
        int mt = sh_series_match(x, m, s, filter);
        if (mt <= 0) {
            rc = mt;
            continue;
        }
        sh_tagit it;
        hb_slice tk, tv;
        if ((rc = sh_tags_begin(x, s, &it)))
            break;
        while (sh_tags_next(&it, &tk, &tv)) {
            long k = sh_meas_key_index(m, tk.p, tk.n);
            if (k >= 0 && !hit[k]) {
                hit[k] = 1;
                (*nhit)++;
            }
        }
    }
    return rc;
}

static int show_tag_keys(sh_ctx *x, const hb_iql_show *sh, const char *default_db)
{
    meta_cond mc;
    int rc = meta_prepare(x, sh, default_db, sh->condition, &mc);
    if (rc || mc.empty)
        return rc;
    static const char *const cols[] = { "tagKey" };
    for (size_t i = 0; i < mc.nms; i++) {
        sh_meas *m = mc.ms[i];
        if ((rc = sh_meas_load_keys(x, m)))
            return rc;
        uint8_t *hit = hb_arena_alloc(&x->a, m->nkeys + 1);
        size_t nhit = 0, from, to;
        if (!hit)
            return sh_nomem(x);
        memset(hit, mc.filter ? 0 : 1, m->nkeys);
        if (mc.filter && (rc = keys_of_matching_series(x, m, mc.filter, hit, &nhit)))
            return rc;
        const char **keys = hb_arena_alloc(&x->a, (m->nkeys + 1) * sizeof *keys);
        size_t n = 0;
        if (!keys)
            return sh_nomem(x);
        for (size_t k = 0; k < m->nkeys; k++)
            if (hit[k])
                keys[n++] = m->keys[k];
        sh_window(sh->offset, sh->limit, n, &from, &to);
        if (from == to)
            continue;
        hb_series_out *s = sh_add_series(x, m->name, cols, 1);
        if (!s)
            return sh_nomem(x);
        for (size_t k = from; k < to; k++) {
            hb_value *row = sh_add_row(x, s);
            if (!row || sh_put_str(x, &row[0], keys[k], strlen(keys[k])))
                return sh_nomem(x);
        }
    }
    return HB_OK;
}

static int cmp_slice(const void *a, const void *b)
{
    const hb_slice *x = a, *y = b;
    int c = memcmp(x->p, y->p, x->n < y->n ? x->n : y->n);
    return c ? c : (x->n > y->n) - (x->n < y->n);
}

/* Sorted values of m's key k: every value when filter is NULL, else those of
 * the matching series (collected in sets[k]). */
static int key_values(sh_ctx *x, sh_meas *m, size_t k, const hb_strmap *set, hb_slice **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (set) {
        hb_slice *v = hb_arena_alloc(&x->a, (set->count + 1) * sizeof *v);
        size_t j = 0;
        if (!v)
            return sh_nomem(x);
        for (size_t i = 0; i < set->cap; i++)
            if (hb_strmap_live(&set->slots[i]))
                v[j++] = (hb_slice){ set->slots[i].key, set->slots[i].klen };
        qsort(v, j, sizeof *v, cmp_slice);
        *out = v;
        *n = j;
        return HB_OK;
    }
    char **vals = NULL;
    size_t nv = 0;
    int rc = hb_catalog_list_tag_values(x->cat, m->db->name, m->name, m->keys[k], &vals, &nv, x->err);
    if (rc)
        return rc;
    hb_slice *v = hb_arena_alloc(&x->a, (nv + 1) * sizeof *v);
    for (size_t i = 0; v && i < nv; i++) {
        size_t l = strlen(vals[i]);
        char *c = sh_strdup(x, vals[i], l);
        if (!c)
            v = NULL;
        else
            v[i] = (hb_slice){ c, l };
    }
    hb_strv_free(vals, nv);
    if (!v)
        return sh_nomem(x);
    *out = v;
    *n = nv;
    return HB_OK;
}

static int emit_tag_values(sh_ctx *x, const hb_iql_show *sh, sh_meas *m, const uint8_t *want, hb_strmap *sets)
{
    static const char *const cols[] = { "key", "value" };
    hb_series_out *s = NULL;
    size_t pos = 0, from = sh->offset > 0 ? (size_t)sh->offset : 0;
    size_t lim = sh->limit > 0 ? (size_t)sh->limit : SIZE_MAX, emitted = 0;
    for (size_t k = 0; k < m->nkeys && emitted < lim; k++) {
        if (!want[k])
            continue;
        hb_slice *v;
        size_t nv;
        int rc = key_values(x, m, k, sets ? &sets[k] : NULL, &v, &nv);
        if (rc)
            return rc;
        for (size_t i = 0; i < nv && emitted < lim; i++, pos++) {
            if (pos < from)
                continue;
            if (!s && !(s = sh_add_series(x, m->name, cols, 2)))
                return sh_nomem(x);
            hb_value *row = sh_add_row(x, s);
            if (!row || sh_put_str(x, &row[0], m->keys[k], strlen(m->keys[k])) || sh_put_str(x, &row[1], v[i].p, v[i].n))
                return sh_nomem(x);
            emitted++;
        }
    }
    return HB_OK;
}

static int collect_values(sh_ctx *x, sh_meas *m, const hb_iql_expr *filter, const uint8_t *want, hb_strmap *sets)
{
    int rc = sh_meas_load_series(x, m);
    for (size_t i = 0; !rc && i < m->nseries; i++) {
        sh_series *s = &m->series[i];
        int mt = sh_series_match(x, m, s, filter);
        if (mt <= 0) {
            rc = mt;
            continue;
        }
        sh_tagit it;
        hb_slice tk, tv;
        if ((rc = sh_tags_begin(x, s, &it)))
            break;
        while (sh_tags_next(&it, &tk, &tv)) {
            long k = sh_meas_key_index(m, tk.p, tk.n);
            if (k >= 0 && want[k] && !hb_strmap_get(&sets[k], tv.p, tv.n) && hb_strmap_put(&sets[k], tv.p, tv.n, (void *)1))
                return sh_nomem(x);
        }
    }
    return rc;
}

static int show_tag_values(sh_ctx *x, const hb_iql_show *sh, const char *default_db)
{
    hb_iql_expr *cond;
    meta_cond mc;
    int rc = sh_with_key_cond(x, sh, &cond);
    if (rc)
        return rc;
    if (!cond)
        return hb_err_set(x->err, HB_EINVAL, "tag key required");
    if (sh->condition && !(cond = sh_binary(x, HB_IQL_AND, sh_paren(x, sh->condition), sh_paren(x, cond))))
        return sh_nomem(x);
    if ((rc = meta_prepare(x, sh, default_db, cond, &mc)) || mc.empty)
        return rc;
    for (size_t i = 0; i < mc.nms; i++) {
        sh_meas *m = mc.ms[i];
        int nil = 0;
        uint8_t *want;
        hb_strmap *sets = NULL;
        if ((rc = sh_meas_load_keys(x, m)))
            return rc;
        if (!(want = hb_arena_alloc(&x->a, m->nkeys + 1)))
            return sh_nomem(x);
        if ((rc = sh_tagkeys_by_expr(x, m, mc.cond, want, &nil)))
            return rc;
        size_t nwant = 0;
        for (size_t k = 0; !nil && k < m->nkeys; k++)
            nwant += want[k];
        if (nil || !nwant)
            continue;
        if (mc.filter) {
            if (!(sets = hb_arena_calloc(&x->a, m->nkeys * sizeof *sets)))
                return sh_nomem(x);
            rc = collect_values(x, m, mc.filter, want, sets);
        }
        if (!rc)
            rc = emit_tag_values(x, sh, m, want, sets);
        for (size_t k = 0; sets && k < m->nkeys; k++)
            hb_strmap_free(&sets[k]);
        if (rc)
            return rc;
    }
    return HB_OK;
}

/* ---- SHOW FIELD KEYS --------------------------------------------------------- */

static int cmp_field_info(const void *a, const void *b)
{
    const hb_field_info *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (int)x->type - (int)y->type;
}

static int show_field_keys(sh_ctx *x, const hb_iql_show *sh, const char *default_db)
{
    sh_db **dbs;
    size_t ndbs, total = 0;
    hb_iql_expr *cond;
    int rc = sh_source_dbs(x, sh, default_db, &dbs, &ndbs);
    if (rc || (rc = sh_sources_cond(x, sh->sources, sh->nsources, NULL, &cond)))
        return rc;
    for (size_t d = 0; d < ndbs; d++)
        total += dbs[d]->nmeas;
    sh_meas **all = hb_arena_alloc(&x->a, (total + 1) * sizeof *all);
    size_t n = 0;
    if (!all)
        return sh_nomem(x);
    for (size_t d = 0; d < ndbs; d++) {
        sh_meas **ms;
        size_t nms;
        if ((rc = sh_select_meas(x, dbs[d], cond, &ms, &nms)))
            return rc;
        memcpy(all + n, ms, nms * sizeof *ms);
        n += nms;
    }
    if (ndbs > 1)
        qsort(all, n, sizeof *all, sh_meas_cmp_name);
    static const char *const cols[] = { "fieldKey", "fieldType" };
    for (size_t i = 0; i < n;) {
        /* one measurement name, possibly in several databases */
        size_t j = i + 1, nf = 0;
        while (j < n && sh_meas_cmp_name(&all[i], &all[j]) == 0)
            j++;
        for (size_t k = i; k < j; k++) {
            if ((rc = sh_meas_load_fields(x, all[k])))
                return rc;
            nf += all[k]->nfields;
        }
        hb_field_info *f = all[i]->fields;
        if (j - i > 1) {
            if (!(f = hb_arena_alloc(&x->a, (nf + 1) * sizeof *f)))
                return sh_nomem(x);
            nf = 0;
            for (size_t k = i; k < j; k++) {
                memcpy(f + nf, all[k]->fields, all[k]->nfields * sizeof *f);
                nf += all[k]->nfields;
            }
            qsort(f, nf, sizeof *f, cmp_field_info);
            size_t u = 0;
            for (size_t k = 0; k < nf; k++)
                if (!u || cmp_field_info(&f[u - 1], &f[k]))
                    f[u++] = f[k];
            nf = u;
        }
        size_t from, to;
        sh_window(sh->offset, sh->limit, nf, &from, &to);
        if (from < to) {
            hb_series_out *s = sh_add_series(x, all[i]->name, cols, 2);
            if (!s)
                return sh_nomem(x);
            for (size_t k = from; k < to; k++) {
                hb_value *row = sh_add_row(x, s);
                const char *t = hb_ftype_name(f[k].type);
                if (!row || sh_put_str(x, &row[0], f[k].name, strlen(f[k].name)) || sh_put_str(x, &row[1], t, strlen(t)))
                    return sh_nomem(x);
            }
        }
        i = j;
    }
    return HB_OK;
}

/* ---- SHOW SERIES ------------------------------------------------------------- */

/* NewSeriesPointIterator: only = != =~ !~ AND OR anywhere in the condition. */
static int check_tag_ops(sh_ctx *x, const hb_iql_expr *e)
{
    if (!e)
        return HB_OK;
    switch (e->kind) {
    case HB_IQL_EXPR_PAREN:
        return check_tag_ops(x, e->u.paren);
    case HB_IQL_EXPR_BINARY:
        switch (e->u.bin.op) {
        case HB_IQL_EQ:
        case HB_IQL_NEQ:
        case HB_IQL_EQREGEX:
        case HB_IQL_NEQREGEX:
        case HB_IQL_AND:
        case HB_IQL_OR:
            break;
        default:
            return hb_err_set(x->err, HB_EINVAL, "invalid tag comparison operator");
        }
        int rc = check_tag_ops(x, e->u.bin.lhs);
        return rc ? rc : check_tag_ops(x, e->u.bin.rhs);
    default:
        return HB_OK;
    }
}

typedef struct key_ref {
    const char *p;
    uint32_t n;
    int plain;
} key_ref;

static int cmp_key_ref(const void *a, const void *b)
{
    const key_ref *x = a, *y = b;
    return sh_series_key_cmp(x->p, x->n, x->plain, y->p, y->n, y->plain);
}

/* Bytewise, as the SELECT InfluxDB runs for a time-bounded SHOW SERIES sorts. */
static int cmp_key_bytes(const void *a, const void *b)
{
    const key_ref *x = a, *y = b;
    int c = memcmp(x->p, y->p, x->n < y->n ? x->n : y->n);
    return c ? c : (x->n > y->n) - (x->n < y->n);
}

/* Appends to keys the series of m matching cond. */
static int matching_series(sh_ctx *x, sh_meas *m, const hb_iql_expr *cond, key_ref **keys, size_t *n, size_t *cap)
{
    int pre = sh_meas_prefilter(x, m, cond);
    if (pre < 0 || pre == SH_NO)
        return pre < 0 ? pre : HB_OK;
    int rc = sh_meas_load_series(x, m);
    if (rc)
        return rc;
    if (*n + m->nseries > *cap) {
        size_t ncap = (*cap ? *cap * 2 : 1024);
        while (ncap < *n + m->nseries)
            ncap *= 2;
        key_ref *nk = realloc(*keys, ncap * sizeof *nk);
        if (!nk)
            return sh_nomem(x);
        *keys = nk;
        *cap = ncap;
    }
    for (size_t i = 0; i < m->nseries; i++) {
        sh_series *s = &m->series[i];
        if (pre == SH_MAYBE) {
            int mt = sh_series_match(x, m, s, cond);
            if (mt < 0)
                return mt;
            if (!mt)
                continue;
        }
        (*keys)[(*n)++] = (key_ref){ s->key, s->klen, s->plain };
    }
    return HB_OK;
}

static int show_series(sh_ctx *x, const hb_iql_show *sh, const char *default_db)
{
    sh_db **dbs;
    size_t ndbs, n = 0, cap = 0;
    hb_iql_expr *cond, *full;
    int64_t tmin, tmax;
    key_ref *keys = NULL;
    int timed = sh_has_time(sh->condition);
    int rc = sh_source_dbs(x, sh, default_db, &dbs, &ndbs);
    if (rc || (rc = sh_condition_expr(x, sh->condition, &cond, &tmin, &tmax)))
        return rc;
    if (!timed && (rc = check_tag_ops(x, cond)))
        return rc;
    cond = sh_strip(x, cond, SH_DROP_SYSTEM_BUT_NAME);
    if (x->err->code || (rc = sh_sources_cond(x, sh->sources, sh->nsources, cond, &full)))
        return x->err->code;
    /* bounded by time, influxd reads the policy's shards, not its index */
    for (size_t d = 0; d < ndbs; d++)
        dbs[d]->series_in_rp = timed;
    for (size_t d = 0; d < ndbs && !rc; d++)
        for (size_t i = 0; i < dbs[d]->nmeas && !rc; i++)
            rc = matching_series(x, &dbs[d]->meas[i], full, &keys, &n, &cap);
    if (rc)
        goto out;
    if (n)
        qsort(keys, n, sizeof *keys, timed ? cmp_key_bytes : cmp_key_ref);
    if (ndbs > 1) {
        size_t u = 0;
        for (size_t i = 0; i < n; i++)
            if (!u || keys[u - 1].n != keys[i].n || memcmp(keys[u - 1].p, keys[i].p, keys[i].n))
                keys[u++] = keys[i];
        n = u;
    }
    size_t from, to;
    sh_window(sh->offset, sh->limit, n, &from, &to);
    if (from < to) {
        static const char *const cols[] = { "key" };
        hb_series_out *s = sh_add_series(x, NULL, cols, 1);
        for (size_t i = from; s && i < to; i++) {
            hb_value *row = sh_add_row(x, s);
            if (!row || sh_put_str(x, &row[0], keys[i].p, keys[i].n))
                s = NULL;
        }
        if (!s)
            rc = sh_nomem(x);
    }
out:
    free(keys);
    return rc;
}

/* ---- entry ------------------------------------------------------------------- */

int hb_show_handles(hb_iql_stmt_kind kind)
{
    switch (kind) {
    case HB_IQL_STMT_SHOW_MEASUREMENTS:
    case HB_IQL_STMT_SHOW_MEASUREMENT_CARDINALITY:
    case HB_IQL_STMT_SHOW_TAG_KEYS:
    case HB_IQL_STMT_SHOW_TAG_KEY_CARDINALITY:
    case HB_IQL_STMT_SHOW_TAG_VALUES:
    case HB_IQL_STMT_SHOW_TAG_VALUES_CARDINALITY:
    case HB_IQL_STMT_SHOW_FIELD_KEYS:
    case HB_IQL_STMT_SHOW_FIELD_KEY_CARDINALITY:
    case HB_IQL_STMT_SHOW_SERIES:
    case HB_IQL_STMT_SHOW_SERIES_CARDINALITY:
        return 1;
    default:
        return 0;
    }
}

hb_show_shape hb_show_result_shape(const hb_iql_stmt *st)
{
    const hb_iql_show *sh = &st->u.show;
    switch (st->kind) {
    case HB_IQL_STMT_SHOW_TAG_KEYS:
    case HB_IQL_STMT_SHOW_TAG_VALUES:
        return HB_SHOW_RESULT_PER_SERIES;
    case HB_IQL_STMT_SHOW_FIELD_KEYS:
    case HB_IQL_STMT_SHOW_SERIES:
    case HB_IQL_STMT_SHOW_TAG_KEY_CARDINALITY:
    case HB_IQL_STMT_SHOW_TAG_VALUES_CARDINALITY:
    case HB_IQL_STMT_SHOW_FIELD_KEY_CARDINALITY:
        return HB_SHOW_EMITTER;
    case HB_IQL_STMT_SHOW_MEASUREMENT_CARDINALITY:
    case HB_IQL_STMT_SHOW_SERIES_CARDINALITY:
        return sh_card_is_estimate(sh) ? HB_SHOW_ONE_RESULT : HB_SHOW_EMITTER;
    default:
        return HB_SHOW_ONE_RESULT;
    }
}

int hb_show_exec(hb_catalog *cat, const hb_iql_stmt *st, const char *default_db, hb_query_result *res,
                 hb_stmt_result *sr, hb_err *err)
{
    return hb_show_exec_rp(cat, st, default_db, NULL, res, sr, err);
}

int hb_show_exec_rp(hb_catalog *cat, const hb_iql_stmt *st, const char *default_db, const char *default_rp,
                    hb_query_result *res, hb_stmt_result *sr, hb_err *err)
{
    if (!hb_show_handles(st->kind))
        return hb_err_set(err, HB_EUNSUPP, "%s is not implemented yet", hb_iql_stmt_kind_name(st->kind));
    sh_ctx x;
    memset(&x, 0, sizeof x);
    x.cat = cat;
    x.res = res;
    x.sr = sr;
    x.err = err;
    x.default_rp = default_rp && *default_rp ? default_rp : NULL;
    hb_err_clear(err);
    hb_arena_init(&x.a, 64 * 1024, HB_QUERY_ARENA_MAX);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    x.now = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
    size_t nseries0 = sr->nseries;
    const hb_iql_show *sh = &st->u.show;
    int rc;
    switch (st->kind) {
    case HB_IQL_STMT_SHOW_MEASUREMENTS: rc = show_measurements(&x, sh, default_db); break;
    case HB_IQL_STMT_SHOW_TAG_KEYS: rc = show_tag_keys(&x, sh, default_db); break;
    case HB_IQL_STMT_SHOW_TAG_VALUES: rc = show_tag_values(&x, sh, default_db); break;
    case HB_IQL_STMT_SHOW_FIELD_KEYS: rc = show_field_keys(&x, sh, default_db); break;
    case HB_IQL_STMT_SHOW_SERIES: rc = show_series(&x, sh, default_db); break;
    default: rc = sh_cardinality(&x, st, default_db); break;
    }
    if (rc && !err->code)
        hb_err_set(err, rc, "%s", hb_strerror(rc));
    if (rc) {
        /* a failed statement shows only its error */
        for (size_t i = nseries0; i < sr->nseries; i++)
            free(sr->series[i].values);
        sr->nseries = nseries0;
    }
    sh_regex_free_all(&x);
    hb_arena_free(&x.a);
    return rc;
}
