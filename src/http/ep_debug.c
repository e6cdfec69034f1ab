/* GET /debug/export?db=D[&rp=R]: every point in the in-memory buffer of a
 * database as line protocol (series in key order, points in time order,
 * arrival order for equal times). An operator's inspection tool, and how the
 * black-box tests check durability before the query engine reads storage. */
#include <stdlib.h>
#include <string.h>

#include "app/services.h"
#include "base/fmt.h"
#include "domain/series_key.h"
#include "http/http.h"

typedef struct {
    hb_buf *out;
    const hb_mt_table **tables;
    size_t n, cap;
} export_ctx;

static int collect(void *ctx, const hb_mt_table *t)
{
    export_ctx *e = ctx;
    if (e->n == e->cap) {
        size_t nc = e->cap ? e->cap * 2 : 16;
        const hb_mt_table **nt = realloc(e->tables, nc * sizeof *nt);
        if (!nt)
            return HB_ENOMEM;
        e->tables = nt;
        e->cap = nc;
    }
    e->tables[e->n++] = t;
    return 0;
}

static int cmp_table(const void *a, const void *b)
{
    const hb_mt_table *x = *(const hb_mt_table *const *)a, *y = *(const hb_mt_table *const *)b;
    int c = strcmp(x->rp, y->rp);
    return c ? c : strcmp(x->measurement, y->measurement);
}

static int cmp_series(const void *a, const void *b)
{
    const hb_mt_series *x = *(const hb_mt_series *const *)a, *y = *(const hb_mt_series *const *)b;
    size_t n = x->key.n < y->key.n ? x->key.n : y->key.n;
    int c = memcmp(x->key.p, y->key.p, n);
    return c ? c : (x->key.n > y->key.n) - (x->key.n < y->key.n);
}

static void put_row(hb_buf *b, const hb_mt_table *t, const hb_mt_series *s, size_t r)
{
    hb_buf_append(b, s->key.p, s->key.n);
    char sep = ' ';
    for (uint32_t c = 0; c < s->ncols; c++) {
        const hb_mt_column *col = &s->cols[c];
        if (!hb_mt_valid(col, r))
            continue;
        hb_buf_putc(b, sep);
        sep = ',';
        hb_escape_tag(b, hb_slice_c(t->field_names[c]));  /* field keys escape like tags */
        hb_buf_putc(b, '=');
        switch (t->field_types[c]) {
        case HB_FT_FLOAT: {
            char num[32];
            hb_fmt_float_json(((const double *)col->vals)[r], num);  /* shortest text that reads back */
            hb_buf_puts(b, num);
            break;
        }
        case HB_FT_INTEGER: hb_buf_printf(b, "%lldi", (long long)((const int64_t *)col->vals)[r]); break;
        case HB_FT_UNSIGNED: hb_buf_printf(b, "%lluu", (unsigned long long)((const uint64_t *)col->vals)[r]); break;
        case HB_FT_BOOLEAN: hb_buf_puts(b, ((const uint8_t *)col->vals)[r] ? "true" : "false"); break;
        case HB_FT_STRING: {
            hb_slice v = ((const hb_slice *)col->vals)[r];
            hb_buf_putc(b, '"');
            for (size_t i = 0; i < v.n; i++) {
                if (v.p[i] == '"' || v.p[i] == '\\')
                    hb_buf_putc(b, '\\');
                hb_buf_putc(b, v.p[i]);
            }
            hb_buf_putc(b, '"');
            break;
        }
        }
    }
    hb_buf_printf(b, " %lld\n", (long long)s->times[r]);
}

/* Row order of one series: by time, then arrival. */
static int cmp_row(const void *a, const void *b, void *times)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    int64_t tx = ((const int64_t *)times)[x], ty = ((const int64_t *)times)[y];
    if (tx != ty)
        return tx < ty ? -1 : 1;
    return x < y ? -1 : x > y;
}

void hb_ep_debug_export(hb_services *svc, hb_http_req *req, hb_http_resp *resp)
{
    const char *db = hb_http_query_param(req, "db");
    const char *rp = hb_http_query_param(req, "rp");
    if (!db || !*db) {
        hb_http_error(resp, 400, "database is required");
        return;
    }
    export_ctx e = { &resp->body, NULL, 0, 0 };
    /* the read lock is held for the whole export so the tables stay put */
    hb_memtable_rdlock(svc->memtable);
    hb_memtable_scan_locked(svc->memtable, db, rp && *rp ? rp : NULL, collect, &e);
    if (e.n)
        qsort(e.tables, e.n, sizeof *e.tables, cmp_table);
    for (size_t i = 0; i < e.n; i++) {
        const hb_mt_table *t = e.tables[i];
        hb_mt_series **ser = malloc((t->nseries ? t->nseries : 1) * sizeof *ser);
        if (!ser)
            break;
        memcpy(ser, t->series, t->nseries * sizeof *ser);
        qsort(ser, t->nseries, sizeof *ser, cmp_series);
        for (size_t k = 0; k < t->nseries; k++) {
            const hb_mt_series *s = ser[k];
            size_t *order = malloc((s->nrows ? s->nrows : 1) * sizeof *order);
            if (!order)
                break;
            for (size_t r = 0; r < s->nrows; r++)
                order[r] = r;
            if (!s->sorted)
                qsort_r(order, s->nrows, sizeof *order, cmp_row, s->times);
            for (size_t r = 0; r < s->nrows; r++)
                put_row(&resp->body, t, s, order[r]);
            free(order);
        }
        free(ser);
    }
    hb_memtable_unlock(svc->memtable);
    free(e.tables);
    resp->status = 200;
    resp->content_type = "text/plain; charset=utf-8";
}
