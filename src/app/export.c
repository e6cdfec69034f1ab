#include "app/export.h"

#include <stdlib.h>
#include <string.h>

#include "base/fmt.h"
#include "domain/series_key.h"
#include "engine/scan.h"

typedef struct part {
    const char *rp, *meas;
} part;

typedef struct parts {
    part *v;
    size_t n, cap;
} parts;

static int add_part(parts *p, const char *rp, const char *meas)
{
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->v[i].rp, rp) && !strcmp(p->v[i].meas, meas))
            return 0;
    if (p->n == p->cap) {
        size_t nc = p->cap ? p->cap * 2 : 16;
        part *nv = realloc(p->v, nc * sizeof *nv);
        if (!nv)
            return HB_ENOMEM;
        p->v = nv;
        p->cap = nc;
    }
    p->v[p->n++] = (part){ rp, meas };
    return 0;
}

static int cmp_part(const void *a, const void *b)
{
    const part *x = a, *y = b;
    int c = strcmp(x->rp, y->rp);
    return c ? c : strcmp(x->meas, y->meas);
}

typedef struct tables_ctx {
    parts *parts;
} tables_ctx;

static int note_table(void *ctx, const hb_mt_table *t)
{
    tables_ctx *tc = ctx;
    return add_part(tc->parts, t->rp, t->measurement);
}

static void put_block(hb_buf *b, const hb_scan *sc, const hb_scan_block *blk)
{
    const hb_pq_coldef *cols = hb_scan_cols(sc);
    size_t ncols = hb_scan_ncols(sc);
    const int64_t *times = blk->vecs[0].values;
    for (size_t r = 0; r < blk->nrows; r++) {
        size_t mark = b->len;
        hb_buf_append(b, blk->keys[r].p, blk->keys[r].n);
        char sep = ' ';
        for (size_t c = 1; c < ncols; c++) {
            if (cols[c].role != HB_PQ_FIELD || !hb_pq_valid(blk->vecs[c].valid, r))
                continue;
            const void *v = blk->vecs[c].values;
            hb_buf_putc(b, sep);
            sep = ',';
            hb_escape_tag(b, hb_slice_c(cols[c].name));  /* field keys escape like tags */
            hb_buf_putc(b, '=');
            switch (cols[c].type) {
            case HB_FT_FLOAT: {
                char num[32];
                hb_fmt_float_json(((const double *)v)[r], num);  /* shortest text that reads back */
                hb_buf_puts(b, num);
                break;
            }
            case HB_FT_INTEGER: hb_buf_printf(b, "%lldi", (long long)((const int64_t *)v)[r]); break;
            case HB_FT_UNSIGNED: hb_buf_printf(b, "%lluu", (unsigned long long)((const uint64_t *)v)[r]); break;
            case HB_FT_BOOLEAN: hb_buf_puts(b, ((const uint8_t *)v)[r] ? "true" : "false"); break;
            case HB_FT_STRING: {
                hb_slice s = ((const hb_slice *)v)[r];
                hb_buf_putc(b, '"');
                for (size_t i = 0; i < s.n; i++) {
                    if (s.p[i] == '"' || s.p[i] == '\\')
                        hb_buf_putc(b, '\\');
                    hb_buf_putc(b, s.p[i]);
                }
                hb_buf_putc(b, '"');
                break;
            }
            }
        }
        if (sep == ' ') {   /* no field left (cannot happen for stored points) */
            b->len = mark;
            continue;
        }
        hb_buf_printf(b, " %lld\n", (long long)times[r]);
    }
}

static int export_sources(hb_buf *out, const char *meas, const hb_scan_source *src, size_t n, hb_err *err)
{
    hb_scan *sc;
    int rc = hb_scan_open(src, n, meas, NULL, &sc, err);
    if (rc)
        return rc;
    hb_scan_block blk;
    while ((rc = hb_scan_next(sc, &blk, err)) == 1)
        put_block(out, sc, &blk);
    hb_scan_close(sc);
    return rc;
}

static int export_part(hb_store *st, hb_snapshot *snap, const char *db, const part *p, int raw, hb_buf *out,
                       hb_err *err)
{
    hb_scan_source *src;
    size_t n;
    int rc = hb_store_sources(st, snap, db, p->rp, p->meas, INT64_MIN, INT64_MAX, &src, &n, err);
    if (rc)
        return rc;
    if (raw) {   /* each source on its own: nothing merged away */
        for (size_t i = 0; !rc && i < n; i++)
            rc = export_sources(out, p->meas, &src[i], 1, err);
    } else {
        rc = export_sources(out, p->meas, src, n, err);
    }
    hb_store_sources_release(st, src, n);
    return rc;
}

int hb_export_lines(hb_store *st, const char *db, const char *rp, int raw, hb_buf *out, hb_err *err)
{
    hb_snapshot snap;
    int rc = hb_store_snapshot(st, db, rp, &snap, err);
    if (rc)
        return rc;
    /* the buffer's tables stay put while read: their read locks are held
     * for the whole export (a DROP waits for it) */
    for (size_t i = 0; i < snap.nmemtables; i++)
        hb_memtable_rdlock(snap.memtables[i]);
    parts ps = { 0 };
    for (size_t i = 0; !rc && i < snap.nfiles; i++)
        rc = add_part(&ps, snap.files[i].rp, snap.files[i].measurement);
    tables_ctx tc = { .parts = &ps };
    for (size_t i = 0; !rc && i < snap.nmemtables; i++)
        rc = hb_memtable_scan_locked(snap.memtables[i], db, rp, note_table, &tc);
    if (rc)
        hb_err_set(err, rc, "out of memory");
    if (ps.n)
        qsort(ps.v, ps.n, sizeof *ps.v, cmp_part);
    for (size_t i = 0; !rc && i < ps.n; i++)
        rc = export_part(st, &snap, db, &ps.v[i], raw, out, err);
    for (size_t i = 0; i < snap.nmemtables; i++)
        hb_memtable_unlock(snap.memtables[i]);
    free(ps.v);
    hb_store_release(st, &snap);
    return rc;
}
