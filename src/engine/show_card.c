/* SHOW MEASUREMENT / SERIES / TAG KEY / TAG VALUES / FIELD KEY [EXACT]
 * CARDINALITY, as InfluxDB 1.6.7 runs them:
 *
 *   - MEASUREMENT and SERIES CARDINALITY without FROM, WHERE, GROUP BY,
 *     LIMIT and OFFSET are "estimations" from the database's index: one
 *     series without a name, column "cardinality estimation" (0 for a
 *     missing database). Our counts are exact.
 *   - everything else is rewritten to a SELECT over the sources (all
 *     measurements without FROM) of
 *       SERIES       count(_seriesKey)             per measurement
 *       TAG KEY      count(distinct(_tagKey))      per measurement
 *       TAG VALUES   count(distinct(_tagValue))    per measurement, values of
 *                    the keys WITH KEY names, of the matching series, for
 *                    which the whole condition holds (EvalBool, `_tagKey`
 *                    bound to the key)
 *       FIELD KEY    count(distinct(_fieldKey))    per measurement
 *       MEASUREMENT  count(distinct(_name))        one series without a name
 *     column "count", grouped by GROUP BY tags (tags in every series, "" when
 *     a series lacks one; GROUP BY * = every tag key of the measurements
 *     read); a group without anything to count has no series; LIMIT/OFFSET
 *     apply to its single row. A time condition is refused (InfluxDB's
 *     texts), except for TAG VALUES where InfluxDB answers nothing. */
#include "engine/show_internal.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/hashmap.h"

typedef enum card_kind { CK_MEAS, CK_SERIES, CK_TAGKEY, CK_TAGVAL, CK_FIELDKEY } card_kind;

/* One output group: the GROUP BY values and what it counts. */
typedef struct acc {
    char *gkey;            /* InfluxDB's tag set key */
    size_t glen;
    hb_slice *vals;        /* per dimension */
    uint64_t n;            /* CK_SERIES: series; CK_FIELDKEY: 1 when a series matched */
    hb_strmap distinct;    /* the distinct keys / values / names */
} acc;

typedef struct card {
    sh_ctx *x;
    card_kind kind;
    const hb_iql_show *sh;
    const char **dims;     /* sorted GROUP BY tag keys */
    size_t ndims;
    hb_iql_expr *filter;   /* series filter */
    hb_iql_expr *eval;     /* CK_TAGVAL: the whole condition */
    hb_strmap groups;      /* gkey -> acc (of the current output unit) */
    hb_buf key;
    hb_slice *vals;        /* scratch: the current series' dimension values */
    int *has;
} card;

static int cmp_cstrp(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* Output order: the GROUP BY values one by one ("" for a missing tag), as
 * InfluxDB orders series by their encoded tags. */
static int cmp_acc(const void *a, const void *b, void *ndims)
{
    const acc *x = *(acc *const *)a, *y = *(acc *const *)b;
    for (size_t i = 0; i < *(const size_t *)ndims; i++) {
        const hb_slice *u = &x->vals[i], *v = &y->vals[i];
        int c = memcmp(u->p, v->p, u->n < v->n ? u->n : v->n);
        if (!c)
            c = (u->n > v->n) - (u->n < v->n);
        if (c)
            return c;
    }
    return 0;
}

/* GROUP BY: tag names, * and /regex/ over the tag keys of ms; time() is not
 * supported (InfluxDB would fill every interval since 1677). */
static int dimensions(card *c, sh_meas *const *ms, size_t nms)
{
    sh_ctx *x = c->x;
    const hb_iql_show *sh = c->sh;
    const char **all = NULL, **v;
    size_t nall = 0, k = 0, cap = 0;
    int rc;
    for (size_t i = 0; i < sh->ndimensions; i++) {
        const hb_iql_expr *d = sh->dimensions[i];
        if (d->kind == HB_IQL_EXPR_WILDCARD || d->kind == HB_IQL_EXPR_REGEX) {
            if (!all && (rc = sh_union_keys(x, ms, nms, &all, &nall)))
                return rc;
            cap += nall;
        } else if (d->kind == HB_IQL_EXPR_VARREF) {
            cap++;
        } else {
            return hb_err_set(x->err, HB_EUNSUPP, "GROUP BY %s in SHOW ... CARDINALITY is not implemented yet",
                              d->kind == HB_IQL_EXPR_CALL ? "time()" : "this dimension");
        }
    }
    if (!(v = hb_arena_alloc(&x->a, (cap + 1) * sizeof *v)))
        return sh_nomem(x);
    for (size_t i = 0; i < sh->ndimensions; i++) {
        const hb_iql_expr *d = sh->dimensions[i];
        if (d->kind == HB_IQL_EXPR_VARREF) {
            if (!(v[k++] = sh_strdup(x, d->u.ref.name.p, d->u.ref.name.n)))
                return sh_nomem(x);
            continue;
        }
        for (size_t j = 0; j < nall; j++) {
            if (d->kind == HB_IQL_EXPR_REGEX) {
                int mt = sh_regex_match(x, d, all[j], strlen(all[j]));
                if (mt <= 0) {
                    if (mt < 0)
                        return mt;
                    continue;
                }
            }
            v[k++] = all[j];
        }
    }
    qsort(v, k, sizeof *v, cmp_cstrp);
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
        if (!u || strcmp(v[u - 1], v[i]))
            v[u++] = v[i];
    c->dims = v;
    c->ndims = u;
    if (!(c->vals = hb_arena_alloc(&x->a, (u + 1) * sizeof *c->vals)) ||
        !(c->has = hb_arena_alloc(&x->a, (u + 1) * sizeof *c->has)))
        return sh_nomem(x);
    return HB_OK;
}

/* The group of series s: InfluxDB's MakeTagsKey over the GROUP BY keys the
 * series has ("k1|k2|v1|v2"). */
static int group_of(card *c, sh_series *s, acc **out)
{
    sh_ctx *x = c->x;
    size_t nsel = 0;
    hb_slice *vals = c->vals;
    int *has = c->has;
    hb_buf_reset(&c->key);
    for (size_t i = 0; i < c->ndims; i++) {
        int rc = sh_series_tag(x, s, c->dims[i], strlen(c->dims[i]), &vals[i]);
        if (rc < 0)
            return rc;
        has[i] = rc;
        if (!rc)
            vals[i] = (hb_slice){ "", 0 };
        else if ((nsel++ && hb_buf_putc(&c->key, '|')) || hb_buf_puts(&c->key, c->dims[i]))
            return sh_nomem(x);
    }
    for (size_t i = 0; i < c->ndims; i++)
        if (has[i] && (hb_buf_putc(&c->key, '|') || hb_buf_append(&c->key, vals[i].p, vals[i].n)))
            return sh_nomem(x);
    acc *a = hb_strmap_get(&c->groups, c->key.data ? c->key.data : "", c->key.len);
    if (a) {
        *out = a;
        return HB_OK;
    }
    if (!(a = hb_arena_calloc(&x->a, sizeof *a)) || !(a->gkey = sh_strdup(x, hb_buf_cstr(&c->key), c->key.len)) ||
        !(a->vals = hb_arena_calloc(&x->a, (c->ndims + 1) * sizeof *a->vals)))
        return sh_nomem(x);
    a->glen = c->key.len;
    hb_strmap_init(&a->distinct);
    memcpy(a->vals, vals, c->ndims * sizeof *vals);
    if (hb_strmap_put(&c->groups, a->gkey, a->glen, a))
        return sh_nomem(x);
    *out = a;
    return HB_OK;
}

static int add_distinct(card *c, acc *a, const char *s, size_t n)
{
    if (hb_strmap_get(&a->distinct, s, n))
        return HB_OK;
    return hb_strmap_put(&a->distinct, s, n, (void *)1) ? sh_nomem(c->x) : HB_OK;
}

/* Feeds the matching series of m into the groups. */
static int count_meas(card *c, sh_meas *m)
{
    sh_ctx *x = c->x;
    int pre = sh_meas_prefilter(x, m, c->filter), rc;
    if (pre < 0 || pre == SH_NO)
        return pre < 0 ? pre : HB_OK;
    if ((rc = sh_meas_load_series(x, m)))
        return rc;
    if (c->kind == CK_FIELDKEY && ((rc = sh_meas_load_fields(x, m)) || m->nfields == 0))
        return rc;
    for (size_t i = 0; i < m->nseries; i++) {
        sh_series *s = &m->series[i];
        acc *a = NULL;
        if (pre == SH_MAYBE) {
            int mt = sh_series_match(x, m, s, c->filter);
            if (mt <= 0) {
                if (mt < 0)
                    return mt;
                continue;
            }
        }
        if ((rc = group_of(c, s, &a)))
            return rc;
        switch (c->kind) {
        case CK_SERIES:
            a->n++;
            break;
        case CK_FIELDKEY:
            a->n = m->nfields;
            break;
        case CK_MEAS:
            rc = add_distinct(c, a, m->name, m->nlen);
            break;
        case CK_TAGKEY:
        case CK_TAGVAL: {
            sh_tagit it;
            hb_slice tk, tv;
            rc = sh_tags_begin(x, s, &it);
            while (!rc && sh_tags_next(&it, &tk, &tv)) {
                int ok = c->kind == CK_TAGKEY ? 1 : sh_eval_tags(x, s, &tk, c->eval);
                if (ok < 0)
                    rc = ok;
                else if (ok)
                    rc = c->kind == CK_TAGKEY ? add_distinct(c, a, tk.p, tk.n) : add_distinct(c, a, tv.p, tv.n);
            }
            break;
        }
        }
        if (rc)
            return rc;
    }
    return HB_OK;
}

/* Emits the current groups (sorted) as series named name, then forgets them. */
static int emit_groups(card *c, const char *name)
{
    sh_ctx *x = c->x;
    static const char *const cols[] = { "count" };
    acc **v = hb_arena_alloc(&x->a, (c->groups.count + 1) * sizeof *v);
    size_t n = 0;
    int rc = HB_OK;
    if (!v)
        return sh_nomem(x);
    for (size_t i = 0; i < c->groups.cap; i++)
        if (hb_strmap_live(&c->groups.slots[i]))
            v[n++] = c->groups.slots[i].val;
    qsort_r(v, n, sizeof *v, cmp_acc, &c->ndims);
    for (size_t i = 0; i < n && !rc; i++) {
        acc *a = v[i];
        uint64_t cnt = c->kind == CK_SERIES || c->kind == CK_FIELDKEY ? a->n : a->distinct.count;
        size_t from, to;
        sh_window(c->sh->offset, c->sh->limit, 1, &from, &to);
        if (!cnt || from == to)
            continue;
        hb_series_out *s = sh_add_series(x, name, cols, 1);
        hb_value *row = s ? sh_add_row(x, s) : NULL;
        if (!row) {
            rc = sh_nomem(x);
            break;
        }
        row[0] = (hb_value){ .kind = HB_V_INT, .v.i = (int64_t)cnt };
        if (c->ndims) {
            hb_kv *tags = hb_arena_alloc(&x->res->arena, c->ndims * sizeof *tags);
            if (!tags) {
                rc = sh_nomem(x);
                break;
            }
            for (size_t d = 0; d < c->ndims && !rc; d++) {
                tags[d].key = hb_arena_strndup(&x->res->arena, c->dims[d], strlen(c->dims[d]));
                tags[d].val = hb_arena_strndup(&x->res->arena, a->vals[d].p, a->vals[d].n);
                if (!tags[d].key || !tags[d].val)
                    rc = sh_nomem(x);
            }
            s->tags = tags;
            s->ntags = c->ndims;
        }
    }
    for (size_t i = 0; i < c->groups.cap; i++)
        if (hb_strmap_live(&c->groups.slots[i]))
            hb_strmap_free(&((acc *)c->groups.slots[i].val)->distinct);
    hb_strmap_free(&c->groups);
    hb_strmap_init(&c->groups);
    return rc;
}

static const char *time_error(card_kind k)
{
    switch (k) {
    case CK_MEAS: return "SHOW MEASUREMENT EXACT CARDINALITY doesn't support time in WHERE clause";
    case CK_SERIES: return "SHOW SERIES EXACT CARDINALITY doesn't support time in WHERE clause";
    case CK_TAGKEY: return "SHOW TAG KEY EXACT CARDINALITY doesn't support time in WHERE clause";
    case CK_FIELDKEY: return "SHOW FIELD KEY CARDINALITY doesn't support time in WHERE clause";
    default: return NULL;
    }
}

/* The non-exact MEASUREMENT / SERIES CARDINALITY: the index's estimate. */
static int estimate(sh_ctx *x, const hb_iql_show *sh, const char *default_db, card_kind kind)
{
    const char *db;
    uint64_t n = 0;
    int rc = sh_target_db(x, sh, default_db, &db);
    if (rc)
        return rc;
    if (hb_catalog_has_database(x->cat, db)) {
        if (kind == CK_SERIES) {
            rc = hb_catalog_count_series(x->cat, db, NULL, &n, x->err);
        } else {
            sh_db *d;
            if (!(rc = sh_db_get(x, db, &d)))
                n = d->nmeas;
        }
        if (rc)
            return rc;
    }
    static const char *const cols[] = { "cardinality estimation" };
    hb_series_out *s = sh_add_series(x, NULL, cols, 1);
    hb_value *row = s ? sh_add_row(x, s) : NULL;
    if (!row)
        return sh_nomem(x);
    row[0] = (hb_value){ .kind = HB_V_INT, .v.i = (int64_t)n };
    return HB_OK;
}

static int run(card *c, const char *default_db)
{
    sh_ctx *x = c->x;
    const hb_iql_show *sh = c->sh;
    hb_iql_expr *cond = sh->condition, *scond, *key = NULL;
    int64_t tmin, tmax; /* no time here (refused above) */
    sh_db **dbs;
    size_t ndbs, total = 0, n = 0;
    int rc;
    if (c->kind == CK_TAGVAL && (rc = sh_with_key_cond(x, sh, &key)))
        return rc;
    if (sh_has_time(cond)) {
        if (c->kind == CK_TAGVAL)
            return sh_source_dbs(x, sh, default_db, &dbs, &ndbs);
        return hb_err_set(x->err, HB_EINVAL, "%s", time_error(c->kind));
    }
    if ((rc = sh_source_dbs(x, sh, default_db, &dbs, &ndbs)) ||
        (rc = sh_condition_expr(x, cond, &cond, &tmin, &tmax)))
        return rc;
    if (key && !(cond = cond ? sh_binary(x, HB_IQL_AND, sh_paren(x, cond), sh_paren(x, key)) : key))
        return sh_nomem(x);
    c->eval = cond;
    c->filter = sh_strip(x, cond, SH_DROP_SYSTEM_BUT_NAME);
    if (x->err->code || (rc = sh_sources_cond(x, sh->sources, sh->nsources, NULL, &scond)))
        return x->err->code;
    for (size_t d = 0; d < ndbs; d++)
        total += dbs[d]->nmeas;
    sh_meas **ms = hb_arena_alloc(&x->a, (total + 1) * sizeof *ms);
    if (!ms)
        return sh_nomem(x);
    for (size_t d = 0; d < ndbs; d++) {
        sh_meas **v;
        size_t nv;
        if ((rc = sh_select_meas(x, dbs[d], scond, &v, &nv)))
            return rc;
        memcpy(ms + n, v, nv * sizeof *v);
        n += nv;
    }
    if (ndbs > 1)
        qsort(ms, n, sizeof *ms, sh_meas_cmp_name);
    if ((rc = dimensions(c, ms, n)))
        return rc;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && sh_meas_cmp_name(&ms[i], &ms[j]) == 0)
            j++;
        for (size_t k = i; k < j && !rc; k++)
            rc = count_meas(c, ms[k]);
        if (rc)
            return rc;
        if (c->kind != CK_MEAS && (rc = emit_groups(c, ms[i]->name)))
            return rc;
        i = j;
    }
    return c->kind == CK_MEAS ? emit_groups(c, NULL) : HB_OK;
}

int sh_card_is_estimate(const hb_iql_show *sh)
{
    return !sh->exact && !sh->nsources && !sh->condition && !sh->ndimensions && !sh->limit && !sh->offset;
}

int sh_cardinality(sh_ctx *x, const hb_iql_stmt *st, const char *default_db)
{
    const hb_iql_show *sh = &st->u.show;
    card c;
    memset(&c, 0, sizeof c);
    c.x = x;
    c.sh = sh;
    switch (st->kind) {
    case HB_IQL_STMT_SHOW_MEASUREMENT_CARDINALITY: c.kind = CK_MEAS; break;
    case HB_IQL_STMT_SHOW_SERIES_CARDINALITY: c.kind = CK_SERIES; break;
    case HB_IQL_STMT_SHOW_TAG_KEY_CARDINALITY: c.kind = CK_TAGKEY; break;
    case HB_IQL_STMT_SHOW_TAG_VALUES_CARDINALITY: c.kind = CK_TAGVAL; break;
    case HB_IQL_STMT_SHOW_FIELD_KEY_CARDINALITY: c.kind = CK_FIELDKEY; break;
    default: return hb_err_set(x->err, HB_EUNSUPP, "%s is not implemented yet", hb_iql_stmt_kind_name(st->kind));
    }
    if ((c.kind == CK_MEAS || c.kind == CK_SERIES) && sh_card_is_estimate(sh))
        return estimate(x, sh, default_db, c.kind);
    hb_strmap_init(&c.groups);
    hb_buf_init(&c.key, 0);
    int rc = run(&c, default_db);
    for (size_t i = 0; i < c.groups.cap; i++)
        if (hb_strmap_live(&c.groups.slots[i]))
            hb_strmap_free(&((acc *)c.groups.slots[i].val)->distinct);
    hb_strmap_free(&c.groups);
    hb_buf_free(&c.key);
    return rc;
}
