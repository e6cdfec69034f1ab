/* Subqueries: SELECT ... FROM (SELECT ...), as InfluxDB 1.x runs them.
 *
 * The inner statement runs first, changed as influxd's
 * newIteratorOptionsSubstatement changes it:
 *   - its time range is the intersection with the outer statement's;
 *   - the outer GROUP BY tags are added to its GROUP BY (so its rows carry
 *     them);
 *   - an aggregate inner statement without GROUP BY time takes the outer
 *     one's interval, and its default fill(null) becomes fill(none) (null
 *     rows would be dropped by the outer statement anyway).
 * Its answer then becomes a table of the write buffer's shape, one per
 * inner measurement name: each inner series one series with its tags, each
 * row a point whose fields are the row's non-null columns (a column's
 * type: the widest numeric type its values have; strings and booleans that
 * conflict with it are left out). A column that read a tag (`SELECT usage,
 * host`) stays a string field.
 *
 * The outer statement scans these tables like the buffer (sel_meas.virt)
 * and keeps the inner answer's row order, as influxd passes it through:
 * one inner series after the other, each by time, and rows of several
 * series at one time (a raw inner statement without GROUP BY) one after
 * the other. Since a table holds one row per series and time, the rows are
 * cut into runs of rising time, each its own series under the hidden tag
 * SEL_RUN_TAG (its value: the run's number, so series key order is run
 * order); the planner never shows that tag.
 *
 * The inner statement computes only the columns the outer one reads
 * (prune_fields), and only within its time range and groups; its answer
 * is held in memory (bounded by the statement memory cap like any
 * answer). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/memtable.h"
#include "domain/series_key.h"
#include "engine/select_internal.h"

static int nomem(hb_err *err) { return hb_err_set(err, HB_ENOMEM, "out of memory"); }

static int has_call(const hb_iql_expr *e)
{
    if (!e)
        return 0;
    switch (e->kind) {
    case HB_IQL_EXPR_CALL: {
        size_t lo, hi;
        if (!sel_math_fn(e->u.call.name.p, &lo, &hi))
            return 1;
        for (size_t i = 0; i < e->u.call.nargs; i++)
            if (has_call(e->u.call.args[i]))
                return 1;
        return 0;
    }
    case HB_IQL_EXPR_BINARY: return has_call(e->u.bin.lhs) || has_call(e->u.bin.rhs);
    case HB_IQL_EXPR_PAREN: return has_call(e->u.paren);
    default: return 0;
    }
}

static int is_time_dim(const hb_iql_expr *d)
{
    return d->kind == HB_IQL_EXPR_CALL && !strcmp(d->u.call.name.p, "time");
}

/* The inner statement as influxd runs it under the outer one (see top). */
static int inner_stmt(const sel_plan *p, const hb_iql_select *in, hb_iql_select *out, hb_err *err)
{
    const hb_iql_select *outer = p->s;
    *out = *in;
    int aggregate = 0;
    for (size_t i = 0; i < in->nfields; i++)
        aggregate |= has_call(in->fields[i].expr);
    int inner_time = 0;
    for (size_t i = 0; i < in->ndimensions; i++)
        inner_time |= is_time_dim(in->dimensions[i]);
    hb_iql_expr **dims = hb_arena_alloc(p->a, (in->ndimensions + outer->ndimensions + 1) * sizeof *dims);
    if (!dims)
        return nomem(err);
    size_t n = 0;
    for (size_t i = 0; i < in->ndimensions; i++)
        dims[n++] = in->dimensions[i];
    for (size_t i = 0; i < outer->ndimensions; i++) {
        hb_iql_expr *d = outer->dimensions[i];
        if (is_time_dim(d)) {
            if (aggregate && !inner_time)
                dims[n++] = d;   /* the outer interval */
            continue;
        }
        int dup = 0;
        for (size_t k = 0; k < n && !dup && d->kind == HB_IQL_EXPR_VARREF; k++)
            dup = dims[k]->kind == HB_IQL_EXPR_VARREF && !strcmp(dims[k]->u.ref.name.p, d->u.ref.name.p);
        if (!dup)
            dims[n++] = d;
    }
    out->dimensions = dims;
    out->ndimensions = n;
    if (aggregate && in->fill == HB_IQL_FILL_NULL)
        out->fill = HB_IQL_FILL_NONE;
    return HB_OK;
}

/* ---- columns the outer statement never reads ---- */

/* Every name expression e reads into refs; 0 when e reads every column
 * (a wildcard or regex). */
static int collect_refs(const hb_iql_expr *e, hb_strmap *refs, int *all)
{
    if (!e)
        return HB_OK;
    switch (e->kind) {
    case HB_IQL_EXPR_VARREF:
        return hb_strmap_put(refs, e->u.ref.name.p, e->u.ref.name.n, (void *)1) ? HB_ENOMEM : HB_OK;
    case HB_IQL_EXPR_WILDCARD:
    case HB_IQL_EXPR_REGEX:
    case HB_IQL_EXPR_DISTINCT:
        *all = 1;
        return HB_OK;
    case HB_IQL_EXPR_CALL:
        for (size_t i = 0; i < e->u.call.nargs; i++)
            if (collect_refs(e->u.call.args[i], refs, all))
                return HB_ENOMEM;
        return HB_OK;
    case HB_IQL_EXPR_BINARY:
        return collect_refs(e->u.bin.lhs, refs, all) || collect_refs(e->u.bin.rhs, refs, all) ? HB_ENOMEM : HB_OK;
    case HB_IQL_EXPR_PAREN: return collect_refs(e->u.paren, refs, all);
    default: return HB_OK;
    }
}

/* A field a pruned inner statement may lose: a name or a plain call
 * (not one that adds columns or changes what the others mean). */
static int prunable(const hb_iql_expr *e, int aggregate)
{
    while (e->kind == HB_IQL_EXPR_PAREN)
        e = e->u.paren;
    if (e->kind == HB_IQL_EXPR_WILDCARD || e->kind == HB_IQL_EXPR_REGEX || e->kind == HB_IQL_EXPR_DISTINCT)
        return 0;
    if (!aggregate)
        return 1;
    /* an aggregate statement's bare names ride on its selector: keep them all */
    if (!has_call(e))
        return 0;
    return !(e->kind == HB_IQL_EXPR_CALL && (!strcmp(e->u.call.name.p, "top") || !strcmp(e->u.call.name.p, "bottom") ||
                                             !strcmp(e->u.call.name.p, "distinct")));
}

/* The inner statement without the fields the outer statement never reads
 * (in WHERE, GROUP BY or its fields): they are neither computed nor held.
 * Left whole when the outer statement reads every column, when the inner
 * one has a field that must stay (prunable), or when two of its column
 * names collide (dropping one would rename the other). At least one field
 * stays. */
static int prune_fields(const sel_plan *p, hb_iql_select *in, hb_err *err)
{
    const hb_iql_select *outer = p->s;
    hb_strmap refs, names;
    hb_strmap_init(&refs);
    hb_strmap_init(&names);
    int all = 0, rc = HB_OK;
    for (size_t i = 0; !rc && i < outer->nfields; i++)
        rc = collect_refs(outer->fields[i].expr, &refs, &all);
    for (size_t i = 0; !rc && i < outer->ndimensions; i++)
        rc = collect_refs(outer->dimensions[i], &refs, &all);
    if (!rc)
        rc = collect_refs(outer->condition, &refs, &all);
    int aggregate = hb_iql_fields_have_call(in->fields, in->nfields);
    const char **fname = hb_arena_alloc(p->a, (in->nfields + 1) * sizeof *fname);
    if (!rc && !fname)
        rc = HB_ENOMEM;
    for (size_t i = 0; !rc && !all && i < in->nfields; i++) {
        const hb_iql_field *f = &in->fields[i];
        fname[i] = f->alias.n ? f->alias.p : hb_iql_field_name(f, p->a);
        if (!fname[i]) {
            rc = HB_ENOMEM;
            break;
        }
        if (!prunable(f->expr, aggregate) || hb_strmap_get(&names, fname[i], strlen(fname[i])) ||
            !strcmp(fname[i], "time"))
            all = 1;
        else if (hb_strmap_put(&names, fname[i], strlen(fname[i]), (void *)1))
            rc = HB_ENOMEM;
    }
    if (!rc && !all) {
        hb_iql_field *kept = hb_arena_alloc(p->a, in->nfields * sizeof *kept);
        size_t n = 0;
        if (!kept)
            rc = HB_ENOMEM;
        for (size_t i = 0; !rc && i < in->nfields; i++)
            if (hb_strmap_get(&refs, fname[i], strlen(fname[i])))
                kept[n++] = in->fields[i];
        if (!rc && !n)
            kept[n++] = in->fields[0];
        if (!rc) {
            in->fields = kept;
            in->nfields = n;
        }
    }
    hb_strmap_free(&refs);
    hb_strmap_free(&names);
    return rc ? nomem(err) : HB_OK;
}

/* ---- the inner answer as write-buffer tables ---- */

typedef struct col_kind {
    int any;               /* has a value */
    hb_ftype type;         /* the widest type of its values */
} col_kind;

static int vkind_ftype(hb_vkind k, hb_ftype *t)
{
    switch (k) {
    case HB_V_FLOAT: *t = HB_FT_FLOAT; return 1;
    case HB_V_INT: *t = HB_FT_INTEGER; return 1;
    case HB_V_UINT: *t = HB_FT_UNSIGNED; return 1;
    case HB_V_STR: *t = HB_FT_STRING; return 1;
    case HB_V_BOOL: *t = HB_FT_BOOLEAN; return 1;
    default: return 0;
    }
}

static int is_num(hb_ftype t) { return t == HB_FT_FLOAT || t == HB_FT_INTEGER || t == HB_FT_UNSIGNED; }

/* The value v as a field of type t, or 0 when it cannot be one. */
static int as_field(hb_value v, hb_ftype t, hb_field *f)
{
    hb_ftype vt;
    if (!vkind_ftype(v.kind, &vt))
        return 0;
    f->type = t;
    if (vt == t) {
        switch (t) {
        case HB_FT_FLOAT: f->v.f = v.v.f; break;
        case HB_FT_INTEGER: f->v.i = v.v.i; break;
        case HB_FT_UNSIGNED: f->v.u = v.v.u; break;
        case HB_FT_BOOLEAN: f->v.b = v.v.b; break;
        default: f->v.s = (hb_slice){ v.v.s.p, v.v.s.n }; break;
        }
        return 1;
    }
    if (t == HB_FT_FLOAT && is_num(vt)) {
        f->v.f = vt == HB_FT_INTEGER ? (double)v.v.i : (double)v.v.u;
        return 1;
    }
    return 0;
}

static int cmp_tag(const void *a, const void *b)
{
    const hb_tag *x = a, *y = b;
    size_t n = x->key.n < y->key.n ? x->key.n : y->key.n;
    int c = memcmp(x->key.p, y->key.p, n);
    return c ? c : (x->key.n > y->key.n) - (x->key.n < y->key.n);
}

/* "name\0column" of the inner series s, column j, into b. */
static int type_key(hb_buf *b, const hb_series_out *s, size_t j)
{
    hb_buf_reset(b);
    const char *name = s->name ? s->name : "";
    return hb_buf_append(b, name, strlen(name) + 1) || hb_buf_append(b, s->columns[j], strlen(s->columns[j]));
}

/* The type of every column of every inner measurement name (a column may
 * have values of several kinds: numbers widen to float, other conflicts
 * keep the first kind and drop the rest): "name\0column" -> type + 1. */
static int column_types(const hb_stmt_result *sr, hb_strmap *types, hb_err *err)
{
    hb_buf key;
    hb_buf_init(&key, 0);
    int rc = HB_OK;
    for (size_t i = 0; i < sr->nseries && !rc; i++) {
        const hb_series_out *s = &sr->series[i];
        for (size_t j = 1; j < s->ncols && !rc; j++) {
            if (type_key(&key, s, j)) {
                rc = nomem(err);
                break;
            }
            uintptr_t have = (uintptr_t)hb_strmap_get(types, key.data, key.len);
            for (size_t r = 0; r < s->nrows; r++) {
                hb_ftype t;
                if (!vkind_ftype(s->values[r * s->ncols + j].kind, &t))
                    continue;
                if (!have)
                    have = (uintptr_t)t + 1;
                else if (is_num(t) && is_num((hb_ftype)(have - 1)) && t != (hb_ftype)(have - 1))
                    have = (uintptr_t)HB_FT_FLOAT + 1;
            }
            if (have && hb_strmap_put(types, key.data, key.len, (void *)have))
                rc = nomem(err);
        }
    }
    hb_buf_free(&key);
    return rc;
}

/* One inner series' rows into the buffer mt (types: column_types). */
static int load_series(const hb_series_out *s, const hb_strmap *types, hb_memtable *mt, size_t *run, hb_err *err)
{
    size_t nc = s->ncols;
    col_kind *ck = calloc(nc ? nc : 1, sizeof *ck);
    hb_tag *tags = malloc((s->ntags + 2) * sizeof *tags);
    hb_field *fields = malloc((nc + 1) * sizeof *fields);
    hb_buf key;
    hb_buf_init(&key, 0);
    int rc = HB_OK;
    if (!ck || !tags || !fields) {
        rc = nomem(err);
        goto out;
    }
    const char *name = s->name ? s->name : "";
    for (size_t j = 1; j < nc; j++) {
        if (type_key(&key, s, j)) {
            rc = nomem(err);
            goto out;
        }
        uintptr_t t = (uintptr_t)hb_strmap_get(types, key.data, key.len);
        ck[j].any = t != 0;
        ck[j].type = t ? (hb_ftype)(t - 1) : HB_FT_FLOAT;
    }
    char runv[32];
    int64_t prev = 0;
    for (size_t r = 0; r < s->nrows; r++) {
        const hb_value *row = &s->values[r * nc];
        uint32_t nt = 0, nf = 0;
        /* a new run where the series starts or its time does not rise */
        if (r == 0 || row[0].v.i <= prev)
            ++*run;
        prev = row[0].v.i;
        int rl = snprintf(runv, sizeof runv, "%016zx", *run);
        tags[nt++] = (hb_tag){ { SEL_RUN_TAG, 1 }, { runv, (size_t)rl } };
        for (size_t k = 0; k < s->ntags; k++)
            tags[nt++] = (hb_tag){ hb_slice_c(s->tags[k].key), hb_slice_c(s->tags[k].val) };
        for (size_t j = 1; j < nc; j++) {
            hb_value v = row[j];
            if (v.kind == HB_V_NULL || !ck[j].any)
                continue;
            hb_field f = { .key = hb_slice_c(s->columns[j]) };
            if (as_field(v, ck[j].type, &f))
                fields[nf++] = f;
        }
        if (!nf)
            continue;   /* no field: no point */
        qsort(tags, nt, sizeof *tags, cmp_tag);
        hb_buf_reset(&key);
        if (hb_series_key_append(&key, hb_slice_c(name), tags, nt)) {
            rc = nomem(err);
            goto out;
        }
        hb_point pt = { hb_slice_c(name), { key.data, key.len }, tags, nt, nf, fields, row[0].v.i, (uint64_t)*run };
        if ((rc = hb_memtable_insert(mt, "", "", &pt, 1, err)))
            goto out;
    }
out:
    free(ck);
    free(tags);
    free(fields);
    hb_buf_free(&key);
    return rc;
}

typedef struct tables {
    const hb_mt_table **v;
    size_t n, cap;
} tables;

static int collect_table(void *ctx, const hb_mt_table *t)
{
    tables *ts = ctx;
    if (ts->n == ts->cap) {
        size_t nc = ts->cap ? ts->cap * 2 : 8;
        const hb_mt_table **nv = realloc(ts->v, nc * sizeof *nv);
        if (!nv)
            return HB_ENOMEM;
        ts->v = nv;
        ts->cap = nc;
    }
    ts->v[ts->n++] = t;
    return 0;
}

int sel_subquery(sel_plan *p, const hb_iql_select *in, const hb_mt_table ***out, size_t *nout, hb_err *err)
{
    *out = NULL;
    *nout = 0;
    if (p->nsubq == SEL_MAX_SUBQUERIES)
        return hb_err_set(err, HB_ELIMIT, "too many subqueries in one statement");
    hb_iql_select inner;
    int rc = inner_stmt(p, in, &inner, err);
    if (rc || (rc = prune_fields(p, &inner, err)))
        return rc;
    hb_select_env env = *p->env;
    env.sink = NULL;   /* the inner answer is read here, never streamed */
    env.within = 1;
    env.within_min = p->has_tmin ? p->tmin : INT64_MIN;
    env.within_max = p->has_tmax ? p->tmax : INT64_MAX;
    hb_query_result res;
    hb_query_result_init(&res);
    hb_memtable *mt = NULL;
    hb_strmap types;
    hb_strmap_init(&types);
    size_t run = 0;
    tables ts = { 0 };
    hb_stmt_result *sr = hb_result_add_stmt(&res, 0);
    if (!sr) {
        rc = nomem(err);
        goto out;
    }
    if ((rc = hb_select_exec(&env, &inner, &res, sr, err)))
        goto out;
    if (!(mt = hb_memtable_new())) {
        rc = nomem(err);
        goto out;
    }
    if ((rc = column_types(sr, &types, err)))
        goto out;
    for (size_t i = 0; i < sr->nseries && !rc; i++)
        rc = load_series(&sr->series[i], &types, mt, &run, err);
    if (rc)
        goto out;
    p->mem += hb_memtable_bytes(mt);
    if ((rc = sel_check_budget(p, err)))
        goto out;
    if ((rc = hb_memtable_scan(mt, "", "", collect_table, &ts)))
        rc = nomem(err);
    if (rc)
        goto out;
    p->subq[p->nsubq++] = mt;   /* freed with the plan */
    mt = NULL;
    *out = ts.v;
    *nout = ts.n;
    ts.v = NULL;
out:
    free(ts.v);
    hb_memtable_free(mt);
    hb_strmap_free(&types);
    hb_query_result_free(&res);
    return rc;
}
