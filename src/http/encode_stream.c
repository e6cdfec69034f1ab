/* hb_qemit: a SELECT statement's output cut into chunked-answer pieces
 * while it is produced (see encode.h). The pieces, their partial flags
 * and where the messages go are hb_qenc_split's, which cuts a whole
 * statement: a test holds the two equal. */
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "http/encode.h"
#include "http/encode_int.h"

void hb_qemit_init(hb_qemit *m, hb_qenc *e, size_t chunk_size)
{
    memset(m, 0, sizeof *m);
    m->e = e;
    m->chunk_size = chunk_size ? chunk_size : SIZE_MAX;
    hb_arena_init(&m->hdr, 4096, 0);
    hb_arena_init(&m->strs, 64 * 1024, 0);
}

void hb_qemit_free(hb_qemit *m)
{
    hb_arena_free(&m->hdr);
    hb_arena_free(&m->strs);
    free(m->vals);
}

/* Writes the held piece as one result. */
static int flush(hb_qemit *m, int series_partial, int result_partial)
{
    hb_series_out piece = m->cur;
    piece.partial = series_partial;
    hb_stmt_result r = {
        .statement_id = m->sr->statement_id,
        .tz = m->sr->tz,
        .series = &piece,
        .nseries = 1,
        .series_cap = 1,
        .messages = m->first ? m->sr->messages : NULL,
        .nmessages = m->first ? m->sr->nmessages : 0,
        .partial = result_partial,
    };
    hb_qenc_result(m->e, &r);
    m->first = 0;
    m->cur.nrows = 0;
    hb_arena_reset(&m->strs);
    return m->e->rc;
}

int hb_qemit_stmt_begin(hb_qemit *m, const hb_stmt_result *sr)
{
    m->sr = sr;
    m->first = 1;
    m->have = 0;
    m->cur.nrows = 0;
    hb_arena_reset(&m->strs);
    hb_arena_reset(&m->hdr);
    return m->e->rc;
}

static const char *hdup(hb_qemit *m, const char *s)
{
    return s ? hb_arena_strndup(&m->hdr, s, strlen(s)) : NULL;
}

int hb_qemit_series(hb_qemit *m, const hb_series_out *s)
{
    if (m->have && flush(m, m->cur.partial, 1))
        return m->e->rc;
    hb_arena_reset(&m->hdr);
    hb_series_out c = { .name = hdup(m, s->name), .ntags = s->ntags, .ncols = s->ncols, .partial = s->partial };
    c.tags = s->ntags ? hb_arena_alloc(&m->hdr, s->ntags * sizeof *c.tags) : NULL;
    c.columns = hb_arena_alloc(&m->hdr, (s->ncols ? s->ncols : 1) * sizeof *c.columns);
    int bad = (s->name && !c.name) || (s->ntags && !c.tags) || !c.columns;
    for (size_t i = 0; !bad && i < s->ntags; i++) {
        c.tags[i].key = hdup(m, s->tags[i].key);
        c.tags[i].val = hdup(m, s->tags[i].val);
        bad = !c.tags[i].key || (s->tags[i].val && !c.tags[i].val);
    }
    for (size_t i = 0; !bad && i < s->ncols; i++)
        bad = !(c.columns[i] = hdup(m, s->columns[i]));
    if (bad) {
        hb_qe_fail(m->e, HB_ENOMEM);
        return m->e->rc;
    }
    m->cur = c;
    m->have = 1;
    return m->e->rc;
}

int hb_qemit_rows(hb_qemit *m, const hb_value *rows, size_t n)
{
    size_t w = m->cur.ncols;
    for (size_t r = 0; r < n && !m->e->rc; r++) {
        if (m->cur.nrows == m->chunk_size && flush(m, 1, 1))
            break;
        if (m->cur.nrows == m->cap) {
            size_t nc = m->cap ? m->cap * 2 : 256;
            if (nc > m->chunk_size)
                nc = m->chunk_size;
            hb_value *nv = realloc(m->vals, (nc ? nc : 1) * (w ? w : 1) * sizeof *nv);
            if (!nv) {
                hb_qe_fail(m->e, HB_ENOMEM);
                break;
            }
            m->vals = nv;
            m->cap = nc;
        }
        hb_value *dst = &m->vals[m->cur.nrows * w];
        memcpy(dst, &rows[r * w], w * sizeof *dst);
        for (size_t c = 0; c < w; c++)
            if (dst[c].kind == HB_V_STR && dst[c].v.s.n) {
                char *p = hb_arena_strndup(&m->strs, dst[c].v.s.p, dst[c].v.s.n);
                if (!p) {
                    hb_qe_fail(m->e, HB_ENOMEM);
                    return m->e->rc;
                }
                dst[c].v.s.p = p;
            }
        m->cur.values = m->vals;
        m->cur.nrows++;
    }
    return m->e->rc;
}

int hb_qemit_stmt_end(hb_qemit *m, const hb_stmt_result *sr)
{
    hb_qenc *e = m->e;
    m->sr = sr;
    if (sr->error || (!m->have && (!sr->nseries || sr->shape == HB_SHAPE_ONE_RESULT))) {
        m->have = 0;   /* an error replaces what was held */
        hb_qenc_result(e, sr);
    } else if (sr->shape == HB_SHAPE_RESULT_PER_SERIES) {
        for (size_t k = 0; k < sr->nseries; k++)
            hb_qenc_rows(e, sr->statement_id, &sr->series[k], 0, sr->series[k].nrows, 0, 0);
    } else {
        for (size_t k = 0; k < sr->nseries && !e->rc; k++)
            if (!hb_qemit_series(m, &sr->series[k]))
                hb_qemit_rows(m, sr->series[k].values, sr->series[k].nrows);
        if (m->have && !e->rc)
            flush(m, m->cur.partial, sr->partial);
        m->have = 0;
    }
    return e->rc;
}
