/* SELECT planning: sources, schemas, wildcard expansion, column names,
 * GROUP BY and the WHERE time range, following InfluxDB 1.x's rewriting
 * (influxql SelectStatement.RewriteFields / ColumnNames / ConditionExpr). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/influxql/format.h"
#include "engine/select_internal.h"
#include "engine/timeexpr.h"

static int nomem(hb_err *err) { return hb_err_set(err, HB_ENOMEM, "out of memory"); }

static int cmp_meas(const void *a, const void *b)
{
    const sel_meas *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    c = strcmp(x->db, y->db);
    return c ? c : strcmp(x->rp, y->rp);
}

static int cmp_field_info(const void *a, const void *b)
{
    return strcmp(((const hb_field_info *)a)->name, ((const hb_field_info *)b)->name);
}

static int cmp_cstrp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* m's fields and tag keys from the subquery table t (malloc'd like the
 * catalog's lists). HB_ENOMEM. */
static int virt_schema(const hb_mt_table *t, sel_meas *m)
{
    hb_field_info *f = calloc(t->nfields ? t->nfields : 1, sizeof *f);
    if (!f)
        return HB_ENOMEM;
    m->fields = f;
    for (uint32_t i = 0; i < t->nfields; i++) {
        if (!(f[i].name = strdup(t->field_names[i])))
            return HB_ENOMEM;
        f[i].type = t->field_types[i];
        m->nfields++;
    }
    qsort(f, m->nfields, sizeof *f, cmp_field_info);
    hb_strmap seen;
    hb_strmap_init(&seen);
    size_t cap = 0;
    int rc = HB_OK;
    for (size_t q = 0; q < t->nseries && !rc; q++)
        for (uint32_t k = 0; k < t->series[q]->ntags && !rc; k++) {
            hb_slice key = t->series[q]->tags[k].key;
            if ((key.n == 1 && key.p[0] == SEL_RUN_TAG[0]) || hb_strmap_get(&seen, key.p, key.n))
                continue;   /* the hidden run tag is nobody's business */
            if (m->ntags == cap) {
                size_t nc = cap ? cap * 2 : 8;
                char **nv = realloc(m->tags, nc * sizeof *nv);
                if (!nv) {
                    rc = HB_ENOMEM;
                    break;
                }
                m->tags = nv;
                cap = nc;
            }
            if (!(m->tags[m->ntags] = strndup(key.p, key.n)) || hb_strmap_put(&seen, key.p, key.n, (void *)1))
                rc = HB_ENOMEM;
            else
                m->ntags++;
        }
    hb_strmap_free(&seen);
    if (!rc && m->ntags)
        qsort(m->tags, m->ntags, sizeof *m->tags, cmp_cstrp);
    return rc;
}

/* A measurement named twice (FROM cpu, cpu or FROM cpu, /c/) is read twice,
 * as influxd creates iterators per source: its rows come twice. */
static int add_meas(sel_plan *p, size_t *cap, const char *db, const char *rp, const char *name, hb_err *err)
{
    if (p->nmeas == *cap) {
        size_t nc = *cap ? *cap * 2 : 8;
        sel_meas *nm = hb_arena_alloc(p->a, nc * sizeof *nm);
        if (!nm)
            return nomem(err);
        if (p->nmeas)
            memcpy(nm, p->meas, p->nmeas * sizeof *nm);
        p->meas = nm;
        *cap = nc;
    }
    sel_meas *m = &p->meas[p->nmeas];
    memset(m, 0, sizeof *m);
    m->db = db;
    m->rp = rp;
    m->name = hb_arena_strndup(p->a, name, strlen(name));
    if (!m->name)
        return nomem(err);
    hb_catalog *cat = p->env->catalog;
    hb_field_info *fields = NULL;
    size_t nf = 0;
    char **tags = NULL;
    size_t nt = 0;
    if (hb_catalog_list_rp_fields(cat, db, rp, name, &fields, &nf, err) == HB_OK) {
        m->fields = fields;
        m->nfields = nf;
    }
    if (hb_catalog_list_tag_keys(cat, db, name, &tags, &nt, err) == HB_OK) {
        m->tags = tags;
        m->ntags = nt;
    }
    hb_err_clear(err);
    p->nmeas++;
    return HB_OK;
}

/* The measurements of a subquery's answer (select_subquery.c). */
static int add_subquery(sel_plan *p, size_t *cap, const hb_iql_select *in, hb_err *err)
{
    const hb_mt_table **tabs = NULL;
    size_t nt = 0;
    int rc = sel_subquery(p, in, &tabs, &nt, err);
    for (size_t i = 0; !rc && i < nt; i++) {
        const hb_mt_table *t = tabs[i];
        if ((rc = add_meas(p, cap, "", "", t->measurement, err)))
            break;
        sel_meas *m = &p->meas[p->nmeas - 1];
        m->virt = t;
        if ((rc = virt_schema(t, m)))
            rc = nomem(err);
    }
    free(tabs);
    return rc;
}

static int resolve_sources(sel_plan *p, hb_err *err)
{
    const hb_iql_select *s = p->s;
    const hb_select_env *env = p->env;
    size_t cap = 0;
    for (size_t i = 0; i < s->nsources; i++) {
        const hb_iql_source *src = &s->sources[i];
        if (src->kind == HB_IQL_SRC_SUBQUERY) {
            int rc = add_subquery(p, &cap, src->subquery, err);
            if (rc)
                return rc;
            continue;
        }
        const hb_iql_measurement *m = &src->m;
        const char *db = m->database.n ? m->database.p : env->default_db;
        if (!db || !*db)
            return hb_err_set(err, HB_EINVAL, "database name required");
        if (!hb_catalog_has_database(env->catalog, db))
            return hb_err_set(err, HB_ENOTFOUND, "database not found: %s", db);
        char rpbuf[256];
        const char *rpname = m->rp.n ? m->rp.p : (m->database.n ? NULL : env->default_rp);
        if (hb_catalog_resolve_rp(env->catalog, db, rpname && *rpname ? rpname : NULL, rpbuf, sizeof rpbuf, err))
            return err->code;
        const char *dbc = hb_arena_strndup(p->a, db, strlen(db));
        const char *rp = hb_arena_strndup(p->a, rpbuf, strlen(rpbuf));
        if (!dbc || !rp)
            return nomem(err);
        if (!m->regex) {
            int rc = add_meas(p, &cap, dbc, rp, m->name.p, err);
            if (rc)
                return rc;
            continue;
        }
        char **names = NULL;
        size_t n = 0;
        if (hb_catalog_list_measurements(env->catalog, db, &names, &n, err))
            return err->code;
        int rc = HB_OK;
        for (size_t k = 0; k < n && !rc; k++)
            if (sel_regex_match(m->regex, names[k], strlen(names[k])))
                rc = add_meas(p, &cap, dbc, rp, names[k], err);
        hb_strv_free(names, n);
        if (rc)
            return rc;
    }
    if (p->nmeas > 1)
        qsort(p->meas, p->nmeas, sizeof *p->meas, cmp_meas);
    return HB_OK;
}

/* ---- the union schema of all measurements ---- */

typedef struct name_ent {
    const char *name;
    hb_ftype type;      /* fields */
    int is_tag;
} name_ent;

static int cmp_name_ent(const void *a, const void *b)
{
    const name_ent *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    if (c)
        return c;
    return x->is_tag - y->is_tag;   /* a field before the tag of the same name */
}

static int is_group_tag(const sel_plan *p, const char *name)
{
    for (size_t i = 0; i < p->ngtags; i++)
        if (!strcmp(p->gtags[i], name))
            return 1;
    return 0;
}

/* Union of fields (and tags when want_tags) over the measurements, sorted
 * by name, fields before tags of the same name. */
static name_ent *union_names(sel_plan *p, int want_fields, int want_tags, size_t *n)
{
    size_t cap = 0;
    for (size_t i = 0; i < p->nmeas; i++)
        cap += p->meas[i].nfields + p->meas[i].ntags;
    name_ent *v = hb_arena_alloc(p->a, (cap + 1) * sizeof *v);
    size_t k = 0;
    if (!v)
        return NULL;
    for (size_t i = 0; i < p->nmeas; i++) {
        const sel_meas *m = &p->meas[i];
        for (size_t f = 0; want_fields && f < m->nfields; f++) {
            int dup = 0;
            for (size_t j = 0; j < k && !dup; j++)
                dup = !v[j].is_tag && !strcmp(v[j].name, m->fields[f].name);
            if (!dup)
                v[k++] = (name_ent){ m->fields[f].name, m->fields[f].type, 0 };
        }
        for (size_t t = 0; want_tags && t < m->ntags; t++) {
            if (is_group_tag(p, m->tags[t]) || p->group_all_tags)
                continue;   /* GROUP BY keys are not repeated as columns */
            int dup = 0;
            for (size_t j = 0; j < k && !dup; j++)
                dup = v[j].is_tag && !strcmp(v[j].name, m->tags[t]);
            if (!dup)
                v[k++] = (name_ent){ m->tags[t], HB_FT_STRING, 1 };
        }
    }
    qsort(v, k, sizeof *v, cmp_name_ent);
    *n = k;
    return v;
}

static hb_iql_expr *new_expr(sel_plan *p, hb_iql_expr_kind k)
{
    hb_iql_expr *e = hb_arena_calloc(p->a, sizeof *e);
    if (e) {
        e->kind = k;
        e->depth = 1;
    }
    return e;
}

static hb_iql_expr *varref(sel_plan *p, const char *name, hb_iql_dtype t)
{
    hb_iql_expr *e = new_expr(p, HB_IQL_EXPR_VARREF);
    if (e) {
        e->u.ref.name.p = name;
        e->u.ref.name.n = strlen(name);
        e->u.ref.type = t;
    }
    return e;
}

/* Fields a function accepts in a wildcard expansion (mean(*) skips strings). */
static int call_takes(const char *fn, hb_ftype t)
{
    int numeric = t == HB_FT_FLOAT || t == HB_FT_INTEGER || t == HB_FT_UNSIGNED;
    if (!strcmp(fn, "count") || !strcmp(fn, "first") || !strcmp(fn, "last") || !strcmp(fn, "distinct") ||
        !strcmp(fn, "mode") || !strcmp(fn, "sample") || !strcmp(fn, "elapsed"))
        return 1;
    if (!strcmp(fn, "max") || !strcmp(fn, "min"))
        return numeric || t == HB_FT_BOOLEAN;
    return numeric;
}

typedef struct colv {
    sel_col *v;
    size_t n, cap;
    const char **alias;   /* explicit alias or NULL, per column */
} colv;

static int push_col(sel_plan *p, colv *cv, hb_iql_expr *e, const char *alias, hb_err *err)
{
    if (cv->n == cv->cap) {
        size_t nc = cv->cap ? cv->cap * 2 : 16;
        sel_col *nv = hb_arena_alloc(p->a, nc * sizeof *nv);
        const char **na = hb_arena_alloc(p->a, nc * sizeof *na);
        if (!nv || !na)
            return nomem(err);
        if (cv->n) {
            memcpy(nv, cv->v, cv->n * sizeof *nv);
            memcpy(na, cv->alias, cv->n * sizeof *na);
        }
        cv->v = nv;
        cv->alias = na;
        cv->cap = nc;
    }
    const hb_iql_expr *x = e;
    while (x->kind == HB_IQL_EXPR_PAREN)
        x = x->u.paren;
    cv->v[cv->n] = (sel_col){ NULL, e, x->kind == HB_IQL_EXPR_CALL };
    cv->alias[cv->n] = alias;
    cv->n++;
    return HB_OK;
}

static int has_var(const hb_iql_expr *e)
{
    size_t lo, hi;
    switch (e->kind) {
    case HB_IQL_EXPR_VARREF:
    case HB_IQL_EXPR_WILDCARD:
    case HB_IQL_EXPR_REGEX:
    case HB_IQL_EXPR_DISTINCT:
        return 1;
    case HB_IQL_EXPR_CALL:
        if (!sel_math_fn(e->u.call.name.p, &lo, &hi))
            return 1;
        for (size_t i = 0; i < e->u.call.nargs; i++)
            if (has_var(e->u.call.args[i]))
                return 1;
        return 0;
    case HB_IQL_EXPR_BINARY: return has_var(e->u.bin.lhs) || has_var(e->u.bin.rhs);
    case HB_IQL_EXPR_PAREN: return has_var(e->u.paren);
    default: return 0;
    }
}

/* The innermost call of fn(fn2(...(x))) (e itself when its argument is
 * not a call); NULL when e is not a call with an argument. */
static const hb_iql_expr *innermost_call(const hb_iql_expr *e)
{
    if (e->kind != HB_IQL_EXPR_CALL || !e->u.call.nargs)
        return NULL;
    while (e->u.call.args[0]->kind == HB_IQL_EXPR_CALL && e->u.call.args[0]->u.call.nargs)
        e = e->u.call.args[0];
    return e;
}

/* A copy of the call chain e (innermost_call) whose innermost argument
 * is the field `name` (arena-owned; the other arguments are shared). */
static hb_iql_expr *clone_chain(sel_plan *p, const hb_iql_expr *e, const char *name)
{
    if (e->kind != HB_IQL_EXPR_CALL)
        return varref(p, name, HB_IQL_DT_UNKNOWN);
    hb_iql_expr *c = new_expr(p, HB_IQL_EXPR_CALL);
    hb_iql_expr **args = hb_arena_alloc(p->a, e->u.call.nargs * sizeof *args);
    if (!c || !args)
        return NULL;
    *c = *e;
    memcpy(args, e->u.call.args, e->u.call.nargs * sizeof *args);
    if (!(args[0] = clone_chain(p, e->u.call.args[0], name)))
        return NULL;
    c->u.call.args = args;
    return c;
}

/* Expand *, *::field, *::tag, /re/, and fn(*), fn(/re/) as InfluxDB does. */
static int expand_fields(sel_plan *p, colv *cv, hb_err *err)
{
    const hb_iql_select *s = p->s;
    for (size_t i = 0; i < s->nfields; i++) {
        const hb_iql_field *f = &s->fields[i];
        hb_iql_expr *e = f->expr;
        const char *alias = f->alias.n ? f->alias.p : NULL;
        if (e->kind == HB_IQL_EXPR_DISTINCT) {
            /* SELECT DISTINCT f is distinct(f) (influxql Distinct.NewCall) */
            hb_iql_expr *c = new_expr(p, HB_IQL_EXPR_CALL);
            hb_iql_expr **args = hb_arena_alloc(p->a, sizeof *args);
            char *name = hb_arena_strndup(p->a, e->u.distinct.p, e->u.distinct.n);
            if (!c || !args || !name || !(args[0] = varref(p, name, HB_IQL_DT_UNKNOWN)))
                return nomem(err);
            c->u.call.name.p = "distinct";
            c->u.call.name.n = 8;
            c->u.call.args = args;
            c->u.call.nargs = 1;
            c->depth = 2;
            e = c;
        }
        if (e->kind == HB_IQL_EXPR_WILDCARD || e->kind == HB_IQL_EXPR_REGEX) {
            int want_f = e->kind == HB_IQL_EXPR_REGEX || e->u.wildcard != HB_IQL_DT_TAG;
            int want_t = e->kind == HB_IQL_EXPR_REGEX || e->u.wildcard != HB_IQL_DT_ANYFIELD;
            size_t n;
            name_ent *names = union_names(p, want_f, want_t, &n);
            if (!names)
                return nomem(err);
            for (size_t k = 0; k < n; k++) {
                if (e->kind == HB_IQL_EXPR_REGEX && !sel_regex_match(e, names[k].name, strlen(names[k].name)))
                    continue;
                hb_iql_expr *r = varref(p, names[k].name, names[k].is_tag ? HB_IQL_DT_TAG : HB_IQL_DT_UNKNOWN);
                if (!r || push_col(p, cv, r, NULL, err))
                    return nomem(err);
            }
            continue;
        }
        const hb_iql_expr *in = innermost_call(e);
        if (in && (in->u.call.args[0]->kind == HB_IQL_EXPR_WILDCARD || in->u.call.args[0]->kind == HB_IQL_EXPR_REGEX)) {
            const hb_iql_expr *arg = in->u.call.args[0];
            const char *fname = in->u.call.name.p;
            if (!strcmp(fname, "distinct"))
                return hb_err_set(err, HB_EINVAL, "expected field argument in distinct()");
            if (!strcmp(fname, "top") || !strcmp(fname, "bottom"))
                return hb_err_set(err, HB_EINVAL, "expected first argument to be a field in %s(), found %s", fname,
                                  arg->kind == HB_IQL_EXPR_WILDCARD ? "*" : "regex");
            size_t n;
            name_ent *names = union_names(p, 1, 0, &n);
            if (!names)
                return nomem(err);
            const char *fn = e->u.call.name.p;
            for (size_t k = 0; k < n; k++) {
                if (arg->kind == HB_IQL_EXPR_REGEX && !sel_regex_match(arg, names[k].name, strlen(names[k].name)))
                    continue;
                if (!call_takes(fname, names[k].type))
                    continue;
                hb_iql_expr *c = clone_chain(p, e, names[k].name);
                if (!c)
                    return nomem(err);
                const char *stem = alias ? alias : fn;
                char *al = hb_arena_alloc(p->a, strlen(stem) + strlen(names[k].name) + 2);
                if (!al)
                    return nomem(err);
                sprintf(al, "%s_%s", stem, names[k].name);
                if (push_col(p, cv, c, al, err))
                    return err->code;
            }
            continue;
        }
        if (e->kind == HB_IQL_EXPR_VARREF && !alias && !strcmp(e->u.ref.name.p, "time"))
            continue;   /* the time column is always there */
        if (!has_var(e))
            return hb_err_set(err, HB_EINVAL, "field must contain at least one variable");
        if (push_col(p, cv, e, alias, err))
            return err->code;
        /* top(f, tag..., N) and bottom() show their tag arguments as columns */
        if (e->kind == HB_IQL_EXPR_CALL && (!strcmp(e->u.call.name.p, "top") || !strcmp(e->u.call.name.p, "bottom")))
            for (size_t k = 1; k + 1 < e->u.call.nargs; k++)
                if (e->u.call.args[k]->kind == HB_IQL_EXPR_VARREF && push_col(p, cv, e->u.call.args[k], NULL, err))
                    return err->code;
    }
    int nontime = 0;
    for (size_t i = 0; i < s->nfields; i++) {
        const hb_iql_expr *e = s->fields[i].expr;
        nontime |= !(e->kind == HB_IQL_EXPR_VARREF && !s->fields[i].alias.n && !strcmp(e->u.ref.name.p, "time"));
    }
    if (!nontime)
        return hb_err_set(err, HB_EINVAL, "at least 1 non-time field must be queried");
    return HB_OK;   /* wildcards may expand to nothing: an empty answer */
}

/* influxql SelectStatement.ColumnNames: aliases first, then generated
 * names with _N suffixes for repeats ("time" is taken by the time column). */
static int name_columns(sel_plan *p, colv *cv, hb_err *err)
{
    hb_strmap names;   /* name -> count */
    hb_strmap_init(&names);
    int rc = HB_OK;
    if (hb_strmap_put(&names, "time", 4, (void *)(uintptr_t)1))
        rc = nomem(err);
    for (size_t i = 0; !rc && i < cv->n; i++)
        if (cv->alias[i]) {
            cv->v[i].name = cv->alias[i];
            if (hb_strmap_put(&names, cv->alias[i], strlen(cv->alias[i]), (void *)(uintptr_t)1))
                rc = nomem(err);
        }
    for (size_t i = 0; !rc && i < cv->n; i++) {
        if (cv->v[i].name)
            continue;
        hb_iql_field f = { .expr = cv->v[i].expr };
        const char *name = hb_iql_field_name(&f, p->a);
        if (!name) {
            rc = nomem(err);
            break;
        }
        uintptr_t count = (uintptr_t)hb_strmap_get(&names, name, strlen(name));
        if (count) {
            for (;;) {
                char buf[512];
                snprintf(buf, sizeof buf, "%s_%zu", name, (size_t)count);
                if (!hb_strmap_get(&names, buf, strlen(buf))) {
                    if (hb_strmap_put(&names, name, strlen(name), (void *)(count + 1)))
                        rc = nomem(err);
                    name = hb_arena_strndup(p->a, buf, strlen(buf));
                    break;
                }
                count++;
            }
            if (!name)
                rc = nomem(err);
        }
        if (rc)
            break;
        uintptr_t c2 = (uintptr_t)hb_strmap_get(&names, name, strlen(name));
        if (hb_strmap_put(&names, name, strlen(name), (void *)(c2 + 1)))
            rc = nomem(err);
        cv->v[i].name = name;
    }
    hb_strmap_free(&names);
    return rc;
}

static int cmp_cstr(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static int plan_dimensions(sel_plan *p, hb_err *err)
{
    const hb_iql_select *s = p->s;
    int ok = 1;
    const char *msg = NULL;
    p->interval = hb_iql_group_by_interval(s, &ok, &msg);
    if (!ok)
        return hb_err_set(err, HB_EINVAL, "%s", msg);
    size_t ntime = 0;
    for (size_t i = 0; i < s->ndimensions; i++)
        ntime += s->dimensions[i]->kind == HB_IQL_EXPR_CALL && !strcmp(s->dimensions[i]->u.call.name.p, "time");
    if (ntime > 1)
        return hb_err_set(err, HB_EINVAL, "multiple time dimensions not allowed");
    if (p->interval < 0)
        p->interval = 0;   /* time(0s) and negative intervals: one bucket, as influxd */
    if (ntime && !p->aggregate)
        return hb_err_set(err, HB_EINVAL, "GROUP BY requires at least one aggregate function");
    const char **tags = hb_arena_alloc(p->a, (s->ndimensions + 1) * sizeof *tags);
    hb_iql_expr **rx = hb_arena_alloc(p->a, (s->ndimensions + 1) * sizeof *rx);
    if (!tags || !rx)
        return nomem(err);
    p->gtags = tags;
    p->gregex = rx;
    for (size_t i = 0; i < s->ndimensions; i++) {
        hb_iql_expr *d = s->dimensions[i];
        if (d->kind == HB_IQL_EXPR_CALL && !strcmp(d->u.call.name.p, "time")) {
            if (d->u.call.nargs == 2) {
                const hb_iql_expr *o = d->u.call.args[1];
                if ((o->kind == HB_IQL_EXPR_DURATION || o->kind == HB_IQL_EXPR_INTEGER) && p->interval)
                    p->offset = o->u.i % p->interval;   /* influxql's GroupByOffset */
            }
            continue;
        }
        if (d->kind == HB_IQL_EXPR_WILDCARD) {
            p->group_all_tags = 1;
        } else if (d->kind == HB_IQL_EXPR_REGEX) {
            p->gregex[p->ngregex++] = d;
        } else if (d->kind == HB_IQL_EXPR_VARREF) {
            int dup = 0;
            for (size_t k = 0; k < p->ngtags && !dup; k++)
                dup = !strcmp(p->gtags[k], d->u.ref.name.p);
            if (!dup)
                p->gtags[p->ngtags++] = d->u.ref.name.p;
        } else {
            return hb_err_set(err, HB_EINVAL, "only time() calls allowed in dimensions");
        }
    }
    /* GROUP BY * and /re/ name every matching tag key of the sources */
    if (p->group_all_tags || p->ngregex) {
        size_t cap = p->ngtags;
        for (size_t i = 0; i < p->nmeas; i++)
            cap += p->meas[i].ntags;
        const char **all = hb_arena_alloc(p->a, (cap + 1) * sizeof *all);
        if (!all)
            return nomem(err);
        size_t n = p->ngtags;
        memcpy(all, p->gtags, n * sizeof *all);
        for (size_t i = 0; i < p->nmeas; i++)
            for (size_t t = 0; t < p->meas[i].ntags; t++) {
                const char *k = p->meas[i].tags[t];
                int take = p->group_all_tags;
                for (size_t r = 0; !take && r < p->ngregex; r++)
                    take = sel_regex_match(p->gregex[r], k, strlen(k));
                for (size_t j = 0; take && j < n; j++)
                    take = strcmp(all[j], k) != 0;
                if (take)
                    all[n++] = k;
            }
        p->gtags = all;
        p->ngtags = n;
    }
    if (p->ngtags > 1)
        qsort(p->gtags, p->ngtags, sizeof *p->gtags, cmp_cstr);
    return HB_OK;
}

static int plan_order(sel_plan *p, hb_err *err)
{
    const hb_iql_select *s = p->s;
    for (size_t i = 0; i < s->nsort; i++) {
        const hb_iql_sort_field *f = &s->sort[i];
        if (f->name.n && strcmp(f->name.p, "time") != 0)
            return hb_err_set(err, HB_EINVAL, "only ORDER BY time supported at this time");
        p->desc = !f->ascending;
    }
    return HB_OK;
}

/* ---- type checking of arithmetic (influxql's TypeMapper) ---- */

typedef enum { T_UNKNOWN = 0, T_FLOAT, T_INTEGER, T_UNSIGNED, T_STRING, T_BOOLEAN } sel_type;

static const char *type_name(sel_type t)
{
    static const char *const n[] = { "unknown", "float", "integer", "unsigned", "string", "boolean" };
    return n[t];
}

static sel_type field_type(const sel_plan *p, const char *name, int *is_tag)
{
    *is_tag = 0;
    for (size_t i = 0; i < p->nmeas; i++) {
        const sel_meas *m = &p->meas[i];
        for (size_t f = 0; f < m->nfields; f++)
            if (!strcmp(m->fields[f].name, name))
                switch (m->fields[f].type) {
                case HB_FT_FLOAT: return T_FLOAT;
                case HB_FT_INTEGER: return T_INTEGER;
                case HB_FT_UNSIGNED: return T_UNSIGNED;
                case HB_FT_STRING: return T_STRING;
                case HB_FT_BOOLEAN: return T_BOOLEAN;
                }
        for (size_t t = 0; t < m->ntags; t++)
            if (!strcmp(m->tags[t], name)) {
                *is_tag = 1;
                return T_STRING;
            }
    }
    return T_UNKNOWN;
}

/* The type of e, annotating VarRefs in the copy *out with their type as
 * influxd prints them in its error ("usage::float + 'str'"). */
static sel_type type_of(sel_plan *p, const hb_iql_expr *e, hb_iql_expr **out, int *bad, const hb_iql_expr **bad_at,
                        sel_type *bl, sel_type *br)
{
    hb_iql_expr *c = hb_arena_alloc(p->a, sizeof *c);
    if (!c)
        return T_UNKNOWN;
    *c = *e;
    *out = c;
    switch (e->kind) {
    case HB_IQL_EXPR_VARREF: {
        int is_tag;
        sel_type t = field_type(p, e->u.ref.name.p, &is_tag);
        if (e->u.ref.type == HB_IQL_DT_UNKNOWN && t != T_UNKNOWN)
            c->u.ref.type = is_tag ? HB_IQL_DT_TAG
                            : t == T_FLOAT ? HB_IQL_DT_FLOAT
                            : t == T_INTEGER ? HB_IQL_DT_INTEGER
                            : t == T_UNSIGNED ? HB_IQL_DT_UNSIGNED
                            : t == T_STRING ? HB_IQL_DT_STRING
                                            : HB_IQL_DT_BOOLEAN;
        return t;
    }
    case HB_IQL_EXPR_STRING: return T_STRING;
    case HB_IQL_EXPR_INTEGER: return T_INTEGER;
    case HB_IQL_EXPR_UNSIGNED: return T_UNSIGNED;
    case HB_IQL_EXPR_NUMBER: return T_FLOAT;
    case HB_IQL_EXPR_BOOLEAN: return T_BOOLEAN;
    case HB_IQL_EXPR_PAREN: return type_of(p, e->u.paren, &c->u.paren, bad, bad_at, bl, br);
    case HB_IQL_EXPR_BINARY: {
        sel_type l = type_of(p, e->u.bin.lhs, &c->u.bin.lhs, bad, bad_at, bl, br);
        sel_type r = type_of(p, e->u.bin.rhs, &c->u.bin.rhs, bad, bad_at, bl, br);
        if (*bad || l == T_UNKNOWN || r == T_UNKNOWN)
            return T_UNKNOWN;
        hb_iql_tok op = e->u.bin.op;
        int num_l = l == T_FLOAT || l == T_INTEGER || l == T_UNSIGNED;
        int num_r = r == T_FLOAT || r == T_INTEGER || r == T_UNSIGNED;
        int ok;
        if (op == HB_IQL_BITWISE_AND || op == HB_IQL_BITWISE_OR || op == HB_IQL_BITWISE_XOR)
            ok = (l == T_INTEGER || l == T_UNSIGNED || l == T_BOOLEAN) && l == r;
        else
            ok = num_l && num_r;
        if (!ok) {
            *bad = 1;
            *bad_at = c;
            *bl = l;
            *br = r;
            return T_UNKNOWN;
        }
        if (op == HB_IQL_DIV || l == T_FLOAT || r == T_FLOAT)
            return T_FLOAT;
        return l;
    }
    default:
        return T_UNKNOWN;
    }
}

static int check_types(sel_plan *p, const hb_iql_expr *e, hb_err *err)
{
    if (e->kind != HB_IQL_EXPR_BINARY && e->kind != HB_IQL_EXPR_PAREN)
        return HB_OK;
    hb_iql_expr *copy;
    int bad = 0;
    const hb_iql_expr *at = NULL;
    sel_type l = T_UNKNOWN, r = T_UNKNOWN;
    type_of(p, e, &copy, &bad, &at, &l, &r);
    if (!bad)
        return HB_OK;
    hb_buf b;
    hb_buf_init(&b, 0);
    hb_iql_format_expr(&b, at);
    int rc = hb_err_set(err, HB_EINVAL, "type error: %s: incompatible types: %s and %s", hb_buf_cstr(&b),
                        type_name(l), type_name(r));
    hb_buf_free(&b);
    return rc;
}

/* The argument of an aggregate must name a field (or be * or /re/, expanded
 * later): InfluxDB's compileSymbol. */
static int check_symbol(const char *fn, const hb_iql_expr *a, hb_err *err)
{
    if (a->kind == HB_IQL_EXPR_VARREF || a->kind == HB_IQL_EXPR_WILDCARD || a->kind == HB_IQL_EXPR_REGEX)
        return HB_OK;
    return hb_err_set(err, HB_EINVAL, "expected field argument in %s()", fn);
}

static int check_distinct(const hb_iql_expr *e, hb_err *err)
{
    if (e->kind == HB_IQL_EXPR_DISTINCT)
        return HB_OK;   /* DISTINCT ident */
    if (e->u.call.nargs == 0)
        return hb_err_set(err, HB_EINVAL, "distinct function requires at least one argument");
    if (e->u.call.nargs != 1)
        return hb_err_set(err, HB_EINVAL, "distinct function can only have one argument");
    if (e->u.call.args[0]->kind != HB_IQL_EXPR_VARREF)
        return hb_err_set(err, HB_EINVAL, "expected field argument in distinct()");
    return HB_OK;
}

/* The argument checks InfluxDB's compiler makes before wildcards are
 * expanded (query/compile.go compileFunction, compilePercentile,
 * compileSample, compileDistinct), with its texts; other calls are checked
 * where they are planned. */
static int check_agg_args(const hb_iql_expr *e, hb_err *err)
{
    static const char *const plain[] = { "max",   "min",    "first",  "last", "count", "sum",
                                         "mean",  "median", "mode",   "stddev", "spread" };
    const char *n = e->u.call.name.p;
    size_t na = e->u.call.nargs;
    if (!strcmp(n, "distinct"))
        return check_distinct(e, err);
    if (!strcmp(n, "percentile") || !strcmp(n, "sample")) {
        if (na != 2)
            return hb_err_set(err, HB_EINVAL, "invalid number of arguments for %s, expected 2, got %zu", n, na);
        const hb_iql_expr *a1 = e->u.call.args[1];
        if (n[0] == 'p' && a1->kind != HB_IQL_EXPR_INTEGER && a1->kind != HB_IQL_EXPR_NUMBER)
            return hb_err_set(err, HB_EINVAL, "expected float argument in percentile()");
        if (n[0] == 's' && a1->kind != HB_IQL_EXPR_INTEGER)
            return hb_err_set(err, HB_EINVAL, "expected integer argument in sample()");
        if (n[0] == 's' && a1->u.i <= 0)
            return hb_err_set(err, HB_EINVAL, "sample window must be greater than 1, got %lld", (long long)a1->u.i);
        return check_symbol(n, e->u.call.args[0], err);
    }
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        if (strcmp(n, plain[i]))
            continue;
        if (na != 1)
            return hb_err_set(err, HB_EINVAL, "invalid number of arguments for %s, expected 1, got %zu", n, na);
        const hb_iql_expr *a = e->u.call.args[0];
        if (!strcmp(n, "count") &&
            ((a->kind == HB_IQL_EXPR_CALL && !strcmp(a->u.call.name.p, "distinct")) || a->kind == HB_IQL_EXPR_DISTINCT))
            return check_distinct(a, err);
        return check_symbol(n, a, err);
    }
    return HB_OK;
}

/* top(f, N) and bottom(f, N) with a statement LIMIT below N (influxd's
 * compileTopBottom; the other argument errors come when the call is
 * planned, select_reduce.c). */
static int check_top_limit(const sel_plan *p, const hb_iql_expr *e, hb_err *err)
{
    const char *n = e->u.call.name.p;
    if ((strcmp(n, "top") && strcmp(n, "bottom")) || e->u.call.nargs < 2 || p->s->limit <= 0)
        return HB_OK;
    const hb_iql_expr *k = e->u.call.args[e->u.call.nargs - 1];
    if (k->kind == HB_IQL_EXPR_INTEGER && k->u.i > p->s->limit)
        return hb_err_set(err, HB_EINVAL, "limit (%lld) in %s function can not be larger than the LIMIT (%lld) in the "
                          "select statement", (long long)k->u.i, n, (long long)p->s->limit);
    return HB_OK;
}

/* Unknown functions are an error; any call that is not row-wise math
 * makes the query an aggregate one. */
static int check_calls(sel_plan *p, const hb_iql_expr *e, hb_err *err)
{
    size_t lo, hi;
    switch (e->kind) {
    case HB_IQL_EXPR_CALL: {
        const char *n = e->u.call.name.p;
        if (!sel_known_fn(n))
            return hb_err_set(err, HB_EINVAL, "undefined function %s()", n);
        if (sel_math_fn(n, &lo, &hi)) {
            if (e->u.call.nargs < lo || e->u.call.nargs > hi)
                return hb_err_set(err, HB_EINVAL, "invalid number of arguments for %s, expected %zu, got %zu", n, lo,
                                  e->u.call.nargs);
        } else {
            p->aggregate = 1;
            int rc = sel_tf_is(n) ? sel_tf_check(p, e, err) : check_agg_args(e, err);
            if (rc)
                return rc;
            if ((rc = check_top_limit(p, e, err)))
                return rc;
        }
        for (size_t i = 0; i < e->u.call.nargs; i++) {
            int rc = check_calls(p, e->u.call.args[i], err);
            if (rc)
                return rc;
        }
        return HB_OK;
    }
    case HB_IQL_EXPR_BINARY: {
        int rc = check_calls(p, e->u.bin.lhs, err);
        return rc ? rc : check_calls(p, e->u.bin.rhs, err);
    }
    case HB_IQL_EXPR_PAREN:
        return check_calls(p, e->u.paren, err);
    case HB_IQL_EXPR_DISTINCT:
        p->aggregate = 1;
        return HB_OK;
    default:
        return HB_OK;
    }
}

/* The WHERE time range (before the sources: a subquery runs within it). */
static int plan_time(sel_plan *p, hb_err *err)
{
    const hb_iql_select *s = p->s;
    hb_time_range tr;
    p->tz = s->has_tz ? s->loc : NULL;
    int rc = hb_time_condition(s->condition, p->env->now, p->tz, p->a, &p->cond, &tr, err);
    if (rc)
        return rc;
    p->tmin = tr.has_min ? tr.min : SEL_MIN_TIME;
    p->tmax = tr.has_max ? tr.max : SEL_MAX_TIME;
    p->has_tmin = tr.has_min;
    p->has_tmax = tr.has_max;
    if (p->env->within) {   /* a subquery: within the outer statement's range */
        if (p->env->within_min != INT64_MIN && (!p->has_tmin || p->env->within_min > p->tmin)) {
            p->tmin = p->env->within_min;
            p->has_tmin = 1;
        }
        if (p->env->within_max != INT64_MAX && (!p->has_tmax || p->env->within_max < p->tmax)) {
            p->tmax = p->env->within_max;
            p->has_tmax = 1;
        }
    }
    return HB_OK;
}

int sel_plan_build(sel_plan *p, hb_err *err)
{
    const hb_iql_select *s = p->s;
    int rc = plan_time(p, err);
    if (rc || (rc = resolve_sources(p, err)))
        return rc;
    for (size_t i = 0; i < s->nfields; i++) {
        int rc2 = check_calls(p, s->fields[i].expr, err);
        if (rc2)
            return rc2;
    }
    if ((rc = plan_dimensions(p, err)) || (rc = plan_order(p, err)))
        return rc;
    colv cv = { 0 };
    if ((rc = expand_fields(p, &cv, err)) || (rc = name_columns(p, &cv, err)))
        return rc;
    p->cols = cv.v;
    p->ncols = cv.n;
    for (size_t i = 0; i < p->ncols; i++)
        if ((rc = check_types(p, p->cols[i].expr, err)))
            return rc;
    for (size_t i = 0; i < p->ncols; i++) {
        size_t lo, hi;
        if (p->cols[i].is_call) {
            const hb_iql_expr *x = p->cols[i].expr;
            while (x->kind == HB_IQL_EXPR_PAREN)
                x = x->u.paren;
            if (sel_math_fn(x->u.call.name.p, &lo, &hi))
                p->cols[i].is_call = 0;   /* row-wise math */
        }
    }
    return HB_OK;
}

/* ---- binding ---- */

static int bind_walk(sel_plan *p, const sel_meas *m, const hb_pq_coldef *cols, size_t ncols, const hb_iql_expr *e,
                     hb_err *err)
{
    if (!e)
        return HB_OK;
    switch (e->kind) {
    case HB_IQL_EXPR_VARREF: {
        sel_bind *b = hb_arena_calloc(p->a, sizeof *b);
        if (!b)
            return nomem(err);
        const char *name = e->u.ref.name.p;
        hb_iql_dtype t = e->u.ref.type;
        if (!strcmp(name, "time") && t == HB_IQL_DT_UNKNOWN) {
            b->kind = BIND_TIME;
        } else {
            for (size_t c = 1; c < ncols; c++) {
                if (strcmp(cols[c].name, name))
                    continue;
                if (cols[c].role == HB_PQ_FIELD && t != HB_IQL_DT_TAG) {
                    b->kind = BIND_FIELD;
                    b->col = (int)c;
                    b->type = cols[c].type;
                    break;   /* a field wins over a tag of the same name */
                }
                if (cols[c].role == HB_PQ_TAG && (t == HB_IQL_DT_UNKNOWN || t == HB_IQL_DT_TAG)) {
                    b->kind = BIND_TAG;
                    b->col = (int)c;
                }
            }
        }
        return hb_u64map_put(&p->binds, (uint64_t)(uintptr_t)e, b) ? nomem(err) : HB_OK;
    }
    case HB_IQL_EXPR_CALL:
        for (size_t i = 0; i < e->u.call.nargs; i++) {
            int rc = bind_walk(p, m, cols, ncols, e->u.call.args[i], err);
            if (rc)
                return rc;
        }
        return HB_OK;
    case HB_IQL_EXPR_BINARY: {
        int rc = bind_walk(p, m, cols, ncols, e->u.bin.lhs, err);
        return rc ? rc : bind_walk(p, m, cols, ncols, e->u.bin.rhs, err);
    }
    case HB_IQL_EXPR_PAREN:
        return bind_walk(p, m, cols, ncols, e->u.paren, err);
    default:
        return HB_OK;
    }
}

int sel_plan_bind(sel_plan *p, const sel_meas *m, const hb_pq_coldef *cols, size_t ncols, hb_err *err)
{
    hb_u64map_free(&p->binds);
    hb_u64map_init(&p->binds);
    for (size_t i = 0; i < p->ncols; i++) {
        int rc = bind_walk(p, m, cols, ncols, p->cols[i].expr, err);
        if (rc)
            return rc;
    }
    return bind_walk(p, m, cols, ncols, p->cond, err);
}

static void fields_walk(const sel_meas *m, const hb_iql_expr *e, const char **out, size_t *n)
{
    if (!e)
        return;
    switch (e->kind) {
    case HB_IQL_EXPR_VARREF:
        if (e->u.ref.type == HB_IQL_DT_TAG)
            return;
        for (size_t f = 0; f < m->nfields; f++)
            if (!strcmp(m->fields[f].name, e->u.ref.name.p)) {
                for (size_t k = 0; k < *n; k++)
                    if (!strcmp(out[k], m->fields[f].name))
                        return;
                out[(*n)++] = m->fields[f].name;
                return;
            }
        return;
    case HB_IQL_EXPR_CALL:
        for (size_t i = 0; i < e->u.call.nargs; i++)
            fields_walk(m, e->u.call.args[i], out, n);
        return;
    case HB_IQL_EXPR_BINARY:
        fields_walk(m, e->u.bin.lhs, out, n);
        fields_walk(m, e->u.bin.rhs, out, n);
        return;
    case HB_IQL_EXPR_PAREN:
        fields_walk(m, e->u.paren, out, n);
        return;
    default:
        return;
    }
}

const char **sel_plan_fields(sel_plan *p, const sel_meas *m, size_t *n)
{
    const char **out = hb_arena_alloc(p->a, (m->nfields + 1) * sizeof *out);
    *n = 0;
    if (!out)
        return NULL;
    for (size_t i = 0; i < p->ncols; i++)
        fields_walk(m, p->cols[i].expr, out, n);
    fields_walk(m, p->cond, out, n);
    return out;
}
