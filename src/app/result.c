#include "app/result.h"

#include <stdlib.h>
#include <string.h>

void hb_query_result_init(hb_query_result *r)
{
    memset(r, 0, sizeof *r);
    /* a hostile 1 MiB query can build a very large AST: cap the arena */
    hb_arena_init(&r->arena, 16 * 1024, HB_QUERY_ARENA_MAX);
    r->status = 200;
}

void hb_query_result_free(hb_query_result *r)
{
    for (size_t i = 0; i < r->nstmts; i++) {
        for (size_t k = 0; k < r->stmts[i].nseries; k++)
            free(r->stmts[i].series[k].values);
        free(r->stmts[i].series);
    }
    free(r->stmts);
    hb_arena_free(&r->arena);
}

const char *hb_result_strdup(hb_query_result *r, const char *s)
{
    return s ? hb_arena_strndup(&r->arena, s, strlen(s)) : NULL;
}

hb_stmt_result *hb_result_add_stmt(hb_query_result *r, int statement_id)
{
    if (r->nstmts == r->stmts_cap) {
        size_t nc = r->stmts_cap ? r->stmts_cap * 2 : 4;
        hb_stmt_result *ns = realloc(r->stmts, nc * sizeof *ns);
        if (!ns)
            return NULL;
        r->stmts = ns;
        r->stmts_cap = nc;
    }
    hb_stmt_result *s = &r->stmts[r->nstmts++];
    memset(s, 0, sizeof *s);
    s->statement_id = statement_id;
    return s;
}

void hb_result_stmt_error(hb_query_result *r, hb_stmt_result *s, const char *msg)
{
    s->error = hb_result_strdup(r, msg);
    if (!s->error)
        s->error = "out of memory";
}

hb_series_out *hb_result_add_series(hb_query_result *r, hb_stmt_result *s, const char *name, const char *const *columns,
                                    size_t ncols)
{
    if (s->nseries == s->series_cap) {
        size_t nc = s->series_cap ? s->series_cap * 2 : 4;
        hb_series_out *ns = realloc(s->series, nc * sizeof *ns);
        if (!ns)
            return NULL;
        s->series = ns;
        s->series_cap = nc;
    }
    hb_series_out *o = &s->series[s->nseries];
    memset(o, 0, sizeof *o);
    o->name = name ? hb_result_strdup(r, name) : NULL;
    o->columns = hb_arena_alloc(&r->arena, (ncols ? ncols : 1) * sizeof *o->columns);
    if (!o->columns || (name && !o->name))
        return NULL;
    for (size_t i = 0; i < ncols; i++)
        if (!(o->columns[i] = hb_result_strdup(r, columns[i])))
            return NULL;
    o->ncols = ncols;
    s->nseries++;
    return o;
}

void hb_result_take_rows(hb_series_out *s, hb_value *values, size_t nrows)
{
    free(s->values);
    s->values = values;
    s->nrows = s->rows_cap = nrows;
}

hb_value *hb_result_add_row(hb_query_result *r, hb_series_out *s)
{
    if (s->nrows == s->rows_cap) {
        size_t nc = s->rows_cap ? s->rows_cap * 2 : 16;
        hb_value *nv = realloc(s->values, nc * s->ncols * sizeof *nv);
        if (!nv)
            return NULL;
        s->values = nv;
        s->rows_cap = nc;
    }
    hb_value *row = &s->values[s->nrows++ * s->ncols];
    memset(row, 0, s->ncols * sizeof *row);
    return row;
}

hb_value hb_value_str(hb_query_result *r, const char *s)
{
    hb_value v = { .kind = HB_V_STR };
    const char *c = hb_result_strdup(r, s);
    v.v.s.p = c ? c : "";
    v.v.s.n = c ? strlen(c) : 0;
    return v;
}

void hb_result_add_message(hb_query_result *r, hb_stmt_result *s, const char *level, const char *text)
{
    hb_message *nm = hb_arena_alloc(&r->arena, (s->nmessages + 1) * sizeof *nm);
    if (!nm)
        return;
    if (s->nmessages)
        memcpy(nm, s->messages, s->nmessages * sizeof *nm);
    nm[s->nmessages].level = hb_result_strdup(r, level);
    nm[s->nmessages].text = hb_result_strdup(r, text);
    s->messages = nm;
    s->nmessages++;
}
