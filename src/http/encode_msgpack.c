/* MessagePack answers to /query (Accept: application/x-msgpack), as
 * InfluxDB 1.6's msgpackFormatter writes them with tinylib/msgp:
 *
 *   {"results": [ {"statement_id": N, ["messages": [{"level","text"}...],]
 *                  "series": [ {["name",] ["tags": {k: v},] "columns": [...],
 *                               "values": [[...]...], ["partial": true]} ],
 *                  ["partial": true]} ]}
 *   a failed statement: {"error": "..."} (no statement_id); a request
 *   error: {"error": "..."}.
 *
 * Integers take msgp's smallest form (positive fixint, else the signed
 * int16/32/64 markers for int64 and uint8..64 for uint64), floats are
 * float64, strings str8/16/32 by length, times the msgp time extension
 * (ext8, type 5: big-endian int64 Unix seconds, uint32 nanoseconds). Tags
 * come sorted (Go writes them in map order, which is random). Chunked: one
 * such map per result, back to back.
 *
 * Counts (results, series, rows) are only known at the end: headers are
 * inserted in front of the items once they are. */
#include <string.h>

#include "base/err.h"
#include "http/encode_int.h"

static size_t hdr(unsigned char *o, unsigned fix, unsigned fixmax, unsigned char m16, unsigned char m32, size_t n)
{
    if (n <= fixmax) {
        o[0] = (unsigned char)(fix | n);
        return 1;
    }
    if (n <= 0xffff) {
        o[0] = m16;
        o[1] = (unsigned char)(n >> 8);
        o[2] = (unsigned char)n;
        return 3;
    }
    o[0] = m32;
    for (int i = 0; i < 4; i++)
        o[1 + i] = (unsigned char)(n >> (24 - 8 * i));
    return 5;
}

static size_t map_hdr(unsigned char *o, size_t n) { return hdr(o, 0x80, 15, 0xde, 0xdf, n); }
static size_t arr_hdr(unsigned char *o, size_t n) { return hdr(o, 0x90, 15, 0xdc, 0xdd, n); }

static size_t be(unsigned char *o, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        o[i] = (unsigned char)(v >> (8 * (bytes - 1 - i)));
    return (size_t)bytes;
}

static void put_hdr(hb_buf *b, int *rc, const unsigned char *h, size_t n)
{
    if (!*rc)
        *rc = hb_buf_append(b, h, n);
}

/* msgp WriteString into b */
static void str_to(hb_buf *b, int *rc, const char *s, size_t n)
{
    unsigned char h[5];
    size_t hn;
    if (n <= 31) {
        h[0] = (unsigned char)(0xa0 | n);
        hn = 1;
    } else if (n <= 0xff) {
        h[0] = 0xd9;
        h[1] = (unsigned char)n;
        hn = 2;
    } else if (n <= 0xffff) {
        h[0] = 0xda;
        hn = 1 + be(h + 1, n, 2);
    } else {
        h[0] = 0xdb;
        hn = 1 + be(h + 1, n, 4);
    }
    put_hdr(b, rc, h, hn);
    if (!*rc && n)
        *rc = hb_buf_append(b, s, n);
}

static void str(hb_qenc *e, const char *s, size_t n)
{
    int rc = e->rc;
    str_to(e->out, &rc, s, n);
    e->rc = rc;
}

static void cstr(hb_qenc *e, const char *s) { str(e, s ? s : "", s ? strlen(s) : 0); }

/* msgp WriteInt64 */
static size_t int_enc(unsigned char *o, int64_t i)
{
    if (i >= 0) {
        if (i <= 127) {
            o[0] = (unsigned char)i;
            return 1;
        }
        if (i <= 32767) {
            o[0] = 0xd1;
            return 1 + be(o + 1, (uint64_t)i, 2);
        }
        if (i <= 2147483647) {
            o[0] = 0xd2;
            return 1 + be(o + 1, (uint64_t)i, 4);
        }
        o[0] = 0xd3;
        return 1 + be(o + 1, (uint64_t)i, 8);
    }
    if (i >= -32) {
        o[0] = (unsigned char)(int8_t)i;
        return 1;
    }
    if (i >= -128) {
        o[0] = 0xd0;
        o[1] = (unsigned char)(int8_t)i;
        return 2;
    }
    if (i >= -32768) {
        o[0] = 0xd1;
        return 1 + be(o + 1, (uint64_t)i, 2);
    }
    if (i >= -2147483647LL - 1) {
        o[0] = 0xd2;
        return 1 + be(o + 1, (uint64_t)i, 4);
    }
    o[0] = 0xd3;
    return 1 + be(o + 1, (uint64_t)i, 8);
}

/* msgp WriteUint64 */
static size_t uint_enc(unsigned char *o, uint64_t u)
{
    if (u <= 127) {
        o[0] = (unsigned char)u;
        return 1;
    }
    if (u <= 0xff) {
        o[0] = 0xcc;
        o[1] = (unsigned char)u;
        return 2;
    }
    if (u <= 0xffff) {
        o[0] = 0xcd;
        return 1 + be(o + 1, u, 2);
    }
    if (u <= 0xffffffffu) {
        o[0] = 0xce;
        return 1 + be(o + 1, u, 4);
    }
    o[0] = 0xcf;
    return 1 + be(o + 1, u, 8);
}

static void value(hb_qenc *e, const hb_value *v, int col0)
{
    unsigned char t[16];
    size_t n = 0;
    switch (v->kind) {
    case HB_V_NULL: t[n++] = 0xc0; break;
    case HB_V_FLOAT: {
        uint64_t bits;
        memcpy(&bits, &v->v.f, 8);
        t[n++] = 0xcb;
        n += be(t + n, bits, 8);
        break;
    }
    case HB_V_INT: n = int_enc(t, v->v.i); break;
    case HB_V_UINT: n = uint_enc(t, v->v.u); break;
    case HB_V_BOOL: t[n++] = v->v.b ? 0xc3 : 0xc2; break;
    case HB_V_STR: str(e, v->v.s.p, v->v.s.n); return;
    case HB_V_TIME: {
        if (col0 && e->o.epoch) {
            n = int_enc(t, v->v.i / e->o.epoch);
            break;
        }
        int64_t secs = v->v.i / 1000000000, nsec = v->v.i % 1000000000;
        if (nsec < 0) {
            nsec += 1000000000;
            secs--;
        }
        t[n++] = 0xc7; /* ext8 */
        t[n++] = 12;
        t[n++] = 5;    /* msgp TimeExtension */
        n += be(t + n, (uint64_t)secs, 8);
        n += be(t + n, (uint64_t)nsec, 4);
        break;
    }
    }
    hb_qe_put(e, t, n);
}

void hb_qe_mp_doc_begin(hb_qenc *e)
{
    hb_qe_put(e, "\x81\xa7results", 9);
    e->doc_hdr = e->out->len;
}

void hb_qe_mp_doc_end(hb_qenc *e)
{
    unsigned char h[5];
    hb_qe_insert(e, e->doc_hdr, h, arr_hdr(h, e->nresults));
}

void hb_qe_mp_series_begin(hb_qenc *e, const hb_series_out *s, int partial)
{
    unsigned char h[5];
    int has_name = s->name && *s->name;
    hb_qe_put(e, h, map_hdr(h, 2 + (size_t)has_name + (s->ntags > 0) + (partial != 0)));
    if (has_name) {
        str(e, "name", 4);
        cstr(e, s->name);
    }
    if (s->ntags) {
        size_t stack[32];
        size_t *idx = hb_qe_tag_order(s, stack, 32);
        if (!idx) {
            hb_qe_fail(e, HB_ENOMEM);
            return;
        }
        str(e, "tags", 4);
        hb_qe_put(e, h, map_hdr(h, s->ntags));
        for (size_t i = 0; i < s->ntags; i++) {
            cstr(e, s->tags[idx[i]].key);
            cstr(e, s->tags[idx[i]].val);
        }
        hb_qe_tag_order_free(idx, stack);
    }
    str(e, "columns", 7);
    hb_qe_put(e, h, arr_hdr(h, s->ncols));
    for (size_t i = 0; i < s->ncols; i++)
        cstr(e, s->columns[i]);
    str(e, "values", 6);
    e->values_pos = e->out->len;
}

void hb_qe_mp_rows(hb_qenc *e, const hb_series_out *s, size_t from, size_t n)
{
    unsigned char h[5];
    for (size_t r = from; r < from + n && !e->rc; r++) {
        hb_qe_put(e, h, arr_hdr(h, s->ncols));
        const hb_value *row = &s->values[r * s->ncols];
        for (size_t c = 0; c < s->ncols; c++)
            value(e, &row[c], c == 0);
    }
}

void hb_qe_mp_series_end(hb_qenc *e)
{
    unsigned char h[5];
    hb_qe_insert(e, e->values_pos, h, arr_hdr(h, e->nrows));
    if (e->series_partial)
        hb_qe_put(e, "\xa7partial\xc3", 9);
}

void hb_qe_mp_stmt_end(hb_qenc *e)
{
    if (e->stmt_has_err) {
        /* Go writes only the error of a failed statement */
        e->out->len = e->stmt_start < e->out->len ? e->stmt_start : e->out->len;
        if (e->out->data)
            e->out->data[e->out->len] = '\0';
        hb_qe_put(e, "\x81\xa5" "error", 7);
        str(e, e->stmt_err.data ? e->stmt_err.data : "", e->stmt_err.len);
        return;
    }
    /* map header, statement_id, messages and the series header go in front
     * of the series already written */
    hb_buf *t = &e->tmp;
    hb_buf_reset(t);
    unsigned char h[16];
    int rc = HB_OK;
    put_hdr(t, &rc, h, map_hdr(h, 2 + (e->nmsgs > 0) + (e->stmt_partial != 0)));
    str_to(t, &rc, "statement_id", 12);
    put_hdr(t, &rc, h, int_enc(h, e->stmt_id));
    if (e->nmsgs) {
        str_to(t, &rc, "messages", 8);
        put_hdr(t, &rc, h, arr_hdr(h, e->nmsgs));
        const char *p = e->msgs.data;
        for (size_t i = 0; i < e->nmsgs; i++) {
            const char *level = p, *text = level + strlen(level) + 1;
            p = text + strlen(text) + 1;
            put_hdr(t, &rc, h, map_hdr(h, 2));
            str_to(t, &rc, "level", 5);
            str_to(t, &rc, level, strlen(level));
            str_to(t, &rc, "text", 4);
            str_to(t, &rc, text, strlen(text));
        }
    }
    str_to(t, &rc, "series", 6);
    put_hdr(t, &rc, h, arr_hdr(h, e->nseries));
    if (rc) {
        hb_qe_fail(e, rc);
        return;
    }
    hb_qe_insert(e, e->stmt_start, t->data, t->len);
    if (e->stmt_partial)
        hb_qe_put(e, "\xa7partial\xc3", 9);
}

void hb_qe_mp_error(hb_qenc *e, const char *msg)
{
    hb_qe_put(e, "\x81\xa5" "error", 7);
    cstr(e, msg);
}
