/* The /query response encoder: InfluxDB's result merging and chunking
 * (services/httpd/handler.go serveQuery) and its JSON formatter. CSV and
 * MessagePack are in encode_csv.c and encode_msgpack.c. See encode.h. */
#include "http/encode.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/fmt.h"
#include "base/tzdb.h"
#include "http/encode_int.h"
#include "http/http.h"

/* ---- output helpers ---- */
void hb_qe_fail(hb_qenc *e, int rc)
{
    if (!e->rc)
        e->rc = rc;
}

void hb_qe_put(hb_qenc *e, const void *p, size_t n)
{
    if (!e->rc && n) {
        int rc = hb_buf_append(e->out, p, n);
        if (rc)
            e->rc = rc;
    }
}

void hb_qe_puts(hb_qenc *e, const char *s) { hb_qe_put(e, s, strlen(s)); }
void hb_qe_putc(hb_qenc *e, char c) { hb_qe_put(e, &c, 1); }

void hb_qe_insert(hb_qenc *e, size_t pos, const void *p, size_t n)
{
    if (e->rc || !n)
        return;
    hb_buf *b = e->out;
    int rc = hb_buf_reserve(b, n);
    if (rc) {
        e->rc = rc;
        return;
    }
    memmove(b->data + pos + n, b->data + pos, b->len - pos);
    memcpy(b->data + pos, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void truncate_to(hb_qenc *e, size_t len)
{
    if (e->out->len > len) {
        e->out->len = len;
        e->out->data[len] = '\0';
    }
}

static void keep(hb_qenc *e, hb_buf *b, const void *p, size_t n)
{
    int rc = hb_buf_append(b, p, n);
    if (rc)
        hb_qe_fail(e, rc);
}

static void jstr(hb_qenc *e, const char *s, size_t n)
{
    if (!e->rc) {
        int rc = hb_json_str(e->out, s, n);
        if (rc)
            e->rc = rc;
    }
}

static void jcstr(hb_qenc *e, const char *s) { jstr(e, s ? s : "", s ? strlen(s) : 0); }

/* ---- tags ---- */
static int tag_cmp(const void *a, const void *b, void *arg)
{
    const hb_kv *t = arg;
    return strcmp(t[*(const size_t *)a].key, t[*(const size_t *)b].key);
}

size_t *hb_qe_tag_order(const hb_series_out *s, size_t *stack, size_t nstack)
{
    size_t *idx = s->ntags <= nstack ? stack : malloc(s->ntags * sizeof *idx);
    if (!idx)
        return NULL;
    for (size_t i = 0; i < s->ntags; i++)
        idx[i] = i;
    if (s->ntags > 1)
        qsort_r(idx, s->ntags, sizeof *idx, tag_cmp, s->tags);
    return idx;
}

void hb_qe_tag_order_free(size_t *idx, size_t *stack)
{
    if (idx != stack)
        free(idx);
}

static int put_tag_escaped(hb_buf *b, const char *s)
{
    int rc = HB_OK;
    for (; *s && !rc; s++) {
        if (*s == ',' || *s == ' ' || *s == '=')
            rc = hb_buf_putc(b, '\\');
        if (!rc)
            rc = hb_buf_putc(b, *s);
    }
    return rc;
}

int hb_qe_tag_key(hb_buf *b, const hb_series_out *s)
{
    size_t stack[32];
    size_t *idx = hb_qe_tag_order(s, stack, 32);
    if (!idx)
        return HB_ENOMEM;
    int rc = HB_OK, first = 1;
    for (size_t i = 0; i < s->ntags && !rc; i++) {
        const hb_kv *t = &s->tags[idx[i]];
        if (!t->val || !*t->val)
            continue;
        if (!first)
            rc = hb_buf_putc(b, ',');
        first = 0;
        if (!rc)
            rc = put_tag_escaped(b, t->key);
        if (!rc)
            rc = hb_buf_putc(b, '=');
        if (!rc)
            rc = put_tag_escaped(b, t->val);
    }
    hb_qe_tag_order_free(idx, stack);
    return rc;
}

/* name \0 tag key: what Go's Row.SameSeries compares */
static void series_identity(hb_qenc *e, hb_buf *b, const hb_series_out *s)
{
    hb_buf_reset(b);
    keep(e, b, s->name ? s->name : "", s->name ? strlen(s->name) + 1 : 1);
    int rc = hb_qe_tag_key(b, s);
    if (rc)
        hb_qe_fail(e, rc);
}

/* ---- JSON ---- */
static size_t fmt_i64(char *out, int64_t v)
{
    char t[24];
    size_t n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        t[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    size_t o = 0;
    if (v < 0)
        out[o++] = '-';
    while (n)
        out[o++] = t[--n];
    return o;
}

static size_t fmt_u64(char *out, uint64_t u)
{
    char t[24];
    size_t n = 0, o = 0;
    do {
        t[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    while (n)
        out[o++] = t[--n];
    return o;
}

/* RFC3339Nano in the result's zone, as Go formats t.In(loc) */
static size_t fmt_time(const hb_qenc *e, int64_t ns, char out[40])
{
    if (!e->tz)
        return hb_fmt_rfc3339nano(ns, out);
    return hb_fmt_rfc3339nano_off(ns, hb_tz_offset_ns(e->tz, ns), out);
}

static void json_value(hb_qenc *e, const hb_value *v, int col0)
{
    char tmp[48];
    switch (v->kind) {
    case HB_V_NULL: hb_qe_put(e, "null", 4); return;
    case HB_V_FLOAT:
        if (!isfinite(v->v.f)) {
            /* Go's json.Marshal refuses it; the document is replaced */
            if (!e->bad_float) {
                e->bad_float = 1;
                e->bad_value = v->v.f;
            }
            hb_qe_put(e, "null", 4);
            return;
        }
        hb_qe_put(e, tmp, hb_fmt_float_json(v->v.f, tmp));
        return;
    case HB_V_INT: hb_qe_put(e, tmp, fmt_i64(tmp, v->v.i)); return;
    case HB_V_UINT: hb_qe_put(e, tmp, fmt_u64(tmp, v->v.u)); return;
    case HB_V_BOOL:
        if (v->v.b)
            hb_qe_put(e, "true", 4);
        else
            hb_qe_put(e, "false", 5);
        return;
    case HB_V_STR: jstr(e, v->v.s.p, v->v.s.n); return;
    case HB_V_TIME:
        if (col0 && e->o.epoch) {
            hb_qe_put(e, tmp, fmt_i64(tmp, v->v.i / e->o.epoch));
            return;
        }
        tmp[0] = '"';
        size_t n = fmt_time(e, v->v.i, tmp + 1);
        tmp[n + 1] = '"';
        hb_qe_put(e, tmp, n + 2);
        return;
    }
    hb_qe_put(e, "null", 4);
}

static void json_series_begin(hb_qenc *e, const hb_series_out *s)
{
    hb_qe_puts(e, e->nseries ? ",{" : ",\"series\":[{");
    int m = 0;
    if (s->name && *s->name) {
        hb_qe_puts(e, "\"name\":");
        jcstr(e, s->name);
        m++;
    }
    if (s->ntags) {
        size_t stack[32];
        size_t *idx = hb_qe_tag_order(s, stack, 32);
        if (!idx) {
            hb_qe_fail(e, HB_ENOMEM);
            return;
        }
        hb_qe_puts(e, m ? ",\"tags\":{" : "\"tags\":{");
        for (size_t i = 0; i < s->ntags; i++) {
            if (i)
                hb_qe_putc(e, ',');
            jcstr(e, s->tags[idx[i]].key);
            hb_qe_putc(e, ':');
            jcstr(e, s->tags[idx[i]].val);
        }
        hb_qe_putc(e, '}');
        hb_qe_tag_order_free(idx, stack);
        m++;
    }
    if (s->ncols) {
        hb_qe_puts(e, m ? ",\"columns\":[" : "\"columns\":[");
        for (size_t i = 0; i < s->ncols; i++) {
            if (i)
                hb_qe_putc(e, ',');
            jcstr(e, s->columns[i]);
        }
        hb_qe_putc(e, ']');
        m++;
    }
    e->series_members = m;
}

/* Whether s[0..n) goes into a JSON string as it is (no byte hb_json_str
 * would escape or check). */
static int json_plain(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n; i++) {
        unsigned c = p[i];
        if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&')
            return 0;
    }
    return 1;
}

/* Bytes a value can take in JSON at most, strings needing escapes aside. */
#define JSON_CELL_MAX 48

/* One row straight into the output buffer: the space is reserved once per
 * row, numbers and times are formatted in place, plain strings copied;
 * only a string that needs escaping goes through hb_json_str. */
static void json_row(hb_qenc *e, const hb_value *row, size_t ncols)
{
    hb_buf *b = e->out;
    size_t need = 2 + ncols * (JSON_CELL_MAX + 1);
    for (size_t c = 0; c < ncols; c++)
        if (row[c].kind == HB_V_STR)
            need += row[c].v.s.n + 2;
    int rc = hb_buf_reserve(b, need);
    if (rc) {
        hb_qe_fail(e, rc);
        return;
    }
    char *p = b->data + b->len;
    *p++ = '[';
    for (size_t c = 0; c < ncols; c++) {
        const hb_value *v = &row[c];
        if (c)
            *p++ = ',';
        if (v->kind == HB_V_STR && !json_plain(v->v.s.p, v->v.s.n)) {
            b->len = (size_t)(p - b->data);
            json_value(e, v, 0);
            if (e->rc || hb_buf_reserve(b, need)) {   /* room for the rest again */
                hb_qe_fail(e, e->rc ? e->rc : HB_ENOMEM);
                return;
            }
            p = b->data + b->len;
            continue;
        }
        switch (v->kind) {
        case HB_V_INT: p += fmt_i64(p, v->v.i); break;
        case HB_V_UINT: p += fmt_u64(p, v->v.u); break;
        case HB_V_STR:
            *p++ = '"';
            memcpy(p, v->v.s.p, v->v.s.n);
            p += v->v.s.n;
            *p++ = '"';
            break;
        case HB_V_TIME:
            if (c == 0 && e->o.epoch) {
                p += fmt_i64(p, v->v.i / e->o.epoch);
            } else {
                *p++ = '"';
                p += fmt_time(e, v->v.i, p);
                *p++ = '"';
            }
            break;
        case HB_V_FLOAT:
            if (isfinite(v->v.f)) {
                p += hb_fmt_float_json(v->v.f, p);
                break;
            }
            /* json_value records the bad float */
            __attribute__((fallthrough));
        default:
            b->len = (size_t)(p - b->data);
            json_value(e, v, c == 0);
            p = b->data + b->len;
            break;
        }
    }
    *p++ = ']';
    b->len = (size_t)(p - b->data);
    b->data[b->len] = '\0';
}

static void json_rows(hb_qenc *e, const hb_series_out *s, size_t from, size_t n)
{
    for (size_t r = from; r < from + n && !e->rc; r++) {
        if (e->nrows == 0 && r == from)
            hb_qe_puts(e, e->series_members++ ? ",\"values\":[" : "\"values\":[");
        else
            hb_qe_putc(e, ',');
        json_row(e, &s->values[r * s->ncols], s->ncols);
    }
}

static void json_stmt_end(hb_qenc *e)
{
    if (e->nseries)
        hb_qe_putc(e, ']');
    if (e->nmsgs) {
        hb_qe_puts(e, ",\"messages\":[");
        const char *p = e->msgs.data;
        for (size_t i = 0; i < e->nmsgs; i++) {
            const char *level = p, *text = level + strlen(level) + 1;
            p = text + strlen(text) + 1;
            hb_qe_puts(e, i ? ",{\"level\":" : "{\"level\":");
            jcstr(e, level);
            hb_qe_puts(e, ",\"text\":");
            jcstr(e, text);
            hb_qe_putc(e, '}');
        }
        hb_qe_putc(e, ']');
    }
    if (e->stmt_partial)
        hb_qe_puts(e, ",\"partial\":true");
    if (e->stmt_has_err) {
        hb_qe_puts(e, ",\"error\":");
        jstr(e, e->stmt_err.data, e->stmt_err.len);
    }
    hb_qe_putc(e, '}');
}

/* The document [doc_start, len) is complete JSON: apply what Go's
 * jsonFormatter does (marshal error text, indentation) and the newline. */
static void json_doc_close(hb_qenc *e)
{
    if (e->rc)
        return;
    if (e->bad_float) {
        char v[32];
        hb_fmt_float_json(e->bad_value, v); /* NaN, +Inf, -Inf as Go's 'g' */
        truncate_to(e, e->doc_start);
        hb_qe_puts(e, "json: error calling MarshalJSON for type httpd.Response: json: error calling MarshalJSON "
                      "for type *query.Result: json: unsupported value: ");
        hb_qe_puts(e, v);
        hb_qe_putc(e, '\n');
        return;
    }
    if (!e->o.pretty) {
        hb_qe_putc(e, '\n');
        return;
    }
    hb_buf_reset(&e->tmp);
    int rc = hb_json_indent(e->out->data + e->doc_start, e->out->len - e->doc_start, &e->tmp);
    if (rc) {
        hb_qe_fail(e, rc);
        return;
    }
    truncate_to(e, e->doc_start);
    hb_qe_put(e, e->tmp.data, e->tmp.len); /* ends with '\n' */
}

int hb_json_indent(const char *in, size_t n, hb_buf *out)
{
    int depth = 0, in_str = 0, rc = HB_OK;
#define NL()                                                 \
    do {                                                     \
        rc |= hb_buf_putc(out, '\n');                        \
        for (int d_ = 0; d_ < depth; d_++)                   \
            rc |= hb_buf_append(out, "    ", 4);             \
    } while (0)
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        if (in_str) {
            rc |= hb_buf_putc(out, c);
            if (c == '\\' && i + 1 < n)
                rc |= hb_buf_putc(out, in[++i]);
            else if (c == '"')
                in_str = 0;
            continue;
        }
        switch (c) {
        case '"':
            in_str = 1;
            rc |= hb_buf_putc(out, c);
            break;
        case '{':
        case '[':
            /* empty containers stay on one line, as in Go */
            if (i + 1 < n && (in[i + 1] == '}' || in[i + 1] == ']')) {
                rc |= hb_buf_putc(out, c);
                rc |= hb_buf_putc(out, in[++i]);
                break;
            }
            rc |= hb_buf_putc(out, c);
            depth++;
            NL();
            break;
        case '}':
        case ']':
            depth--;
            NL();
            rc |= hb_buf_putc(out, c);
            break;
        case ',':
            rc |= hb_buf_putc(out, ',');
            NL();
            break;
        case ':': rc |= hb_buf_append(out, ": ", 2); break;
        case '\n': break;
        default: rc |= hb_buf_putc(out, c);
        }
    }
#undef NL
    rc |= hb_buf_putc(out, '\n');
    return rc ? HB_ENOMEM : HB_OK;
}

/* ---- the merge / chunk state machine ---- */
static void doc_begin(hb_qenc *e)
{
    e->doc_open = 1;
    e->doc_start = e->out->len;
    e->nresults = 0;
    e->bad_float = 0;
    if (e->o.format == HB_QFMT_JSON)
        hb_qe_puts(e, "{\"results\":[");
    else if (e->o.format == HB_QFMT_MSGPACK)
        hb_qe_mp_doc_begin(e);
}

static void doc_end(hb_qenc *e)
{
    if (e->o.format == HB_QFMT_JSON) {
        hb_qe_puts(e, "]}");
        json_doc_close(e);
    } else if (e->o.format == HB_QFMT_MSGPACK) {
        hb_qe_mp_doc_end(e);
    }
    e->doc_open = 0;
}

static void series_end(hb_qenc *e)
{
    if (!e->series_open)
        return;
    if (e->o.format == HB_QFMT_JSON) {
        if (e->nrows)
            hb_qe_putc(e, ']');
        if (e->series_partial)
            hb_qe_puts(e, e->series_members ? ",\"partial\":true" : "\"partial\":true");
        hb_qe_putc(e, '}');
    } else if (e->o.format == HB_QFMT_MSGPACK) {
        hb_qe_mp_series_end(e);
    }
    e->series_open = 0;
}

static void series_begin(hb_qenc *e, const hb_series_out *s, int partial)
{
    series_end(e);
    e->series_open = 1;
    e->series_partial = partial;
    e->nrows = 0;
    series_identity(e, &e->series_id, s);
    if (e->o.format == HB_QFMT_JSON)
        json_series_begin(e, s);
    else if (e->o.format == HB_QFMT_CSV)
        hb_qe_csv_series_begin(e, s); /* compares with the previous series_cols */
    else
        hb_qe_mp_series_begin(e, s, partial);
    e->series_ncols = s->ncols;
    hb_buf_reset(&e->series_cols);
    for (size_t i = 0; i < s->ncols; i++)
        keep(e, &e->series_cols, s->columns[i], strlen(s->columns[i]) + 1);
    e->nseries++;
}

static void series_rows(hb_qenc *e, const hb_series_out *s, size_t from, size_t n)
{
    if (!n || e->rc)
        return;
    if (e->o.format == HB_QFMT_JSON)
        json_rows(e, s, from, n);
    else if (e->o.format == HB_QFMT_CSV)
        hb_qe_csv_rows(e, s, from, n);
    else
        hb_qe_mp_rows(e, s, from, n);
    e->nrows += n;
}

static void stmt_begin(hb_qenc *e, int id)
{
    if (!e->doc_open)
        doc_begin(e);
    e->stmt_open = 1;
    e->stmt_id = id;
    e->stmt_start = e->out->len;
    e->stmt_partial = 0;
    e->stmt_has_err = 0;
    hb_buf_reset(&e->stmt_err);
    hb_buf_reset(&e->msgs);
    e->nmsgs = 0;
    e->nseries = 0;
    e->series_open = 0;
    e->csv_stmt_saved = e->csv_stmt;
    e->bad_float_saved = e->bad_float;
    if (e->o.format == HB_QFMT_JSON) {
        char t[48];
        size_t n = 0;
        if (e->nresults)
            t[n++] = ',';
        memcpy(t + n, "{\"statement_id\":", 16);
        n += 16;
        n += fmt_i64(t + n, id);
        hb_qe_put(e, t, n);
    }
}

/* A later error for the open statement replaces everything written for it. */
static void stmt_rewind(hb_qenc *e)
{
    truncate_to(e, e->stmt_start);
    e->csv_stmt = e->csv_stmt_saved;
    e->bad_float = e->bad_float_saved;
    e->stmt_open = 0;
    e->series_open = 0;
}

static void stmt_end(hb_qenc *e)
{
    series_end(e);
    if (e->o.format == HB_QFMT_JSON)
        json_stmt_end(e);
    else if (e->o.format == HB_QFMT_MSGPACK)
        hb_qe_mp_stmt_end(e);
    e->stmt_open = 0;
    e->nresults++;
}

/* Takes r into the open statement. merge: r follows earlier results of the
 * same statement (Go: leading series equal to the last one are appended to
 * it, the rest added; messages appended; partial from r; the error kept). */
static void absorb(hb_qenc *e, const hb_stmt_result *r, int merge)
{
    size_t k = 0;
    if (merge && e->series_open) {
        for (; k < r->nseries && !e->rc; k++) {
            series_identity(e, &e->tmp, &r->series[k]);
            if (e->tmp.len != e->series_id.len || memcmp(e->tmp.data, e->series_id.data, e->tmp.len) != 0)
                break;
            series_rows(e, &r->series[k], 0, r->series[k].nrows);
        }
    }
    for (; k < r->nseries && !e->rc; k++) {
        series_begin(e, &r->series[k], r->series[k].partial);
        series_rows(e, &r->series[k], 0, r->series[k].nrows);
    }
    for (size_t m = 0; m < r->nmessages; m++) {
        const char *l = r->messages[m].level ? r->messages[m].level : "";
        const char *t = r->messages[m].text ? r->messages[m].text : "";
        keep(e, &e->msgs, l, strlen(l) + 1);
        keep(e, &e->msgs, t, strlen(t) + 1);
        e->nmsgs++;
    }
    e->stmt_partial = r->partial;
    if (!merge && r->error) {
        e->stmt_has_err = 1;
        keep(e, &e->stmt_err, r->error, strlen(r->error));
    }
}

void hb_qenc_init(hb_qenc *e, const hb_qenc_opts *o, hb_buf *out)
{
    memset(e, 0, sizeof *e);
    e->o = *o;
    e->out = out;
    e->csv_stmt = e->csv_stmt_saved = -1;
    hb_buf_init(&e->stmt_err, 0);
    hb_buf_init(&e->msgs, 0);
    hb_buf_init(&e->series_id, 0);
    hb_buf_init(&e->series_cols, 0);
    hb_buf_init(&e->csv_prefix, 0);
    hb_buf_init(&e->tmp, 0);
}

void hb_qenc_free(hb_qenc *e)
{
    hb_buf_free(&e->stmt_err);
    hb_buf_free(&e->msgs);
    hb_buf_free(&e->series_id);
    hb_buf_free(&e->series_cols);
    hb_buf_free(&e->csv_prefix);
    hb_buf_free(&e->tmp);
}

int hb_qenc_result(hb_qenc *e, const hb_stmt_result *r)
{
    if (e->rc)
        return e->rc;
    e->tz = r->tz;
    if (e->o.chunked) {
        doc_begin(e);
        stmt_begin(e, r->statement_id);
        absorb(e, r, 0);
        stmt_end(e);
        doc_end(e);
        return e->rc;
    }
    if (e->stmt_open && e->stmt_id == r->statement_id) {
        if (!r->error) {
            absorb(e, r, 1);
            return e->rc;
        }
        stmt_rewind(e);
    } else if (e->stmt_open) {
        stmt_end(e);
    }
    stmt_begin(e, r->statement_id);
    absorb(e, r, 0);
    return e->rc;
}

int hb_qenc_rows(hb_qenc *e, int statement_id, const hb_series_out *s, size_t from, size_t n, int series_partial,
                 int result_partial)
{
    if (from > s->nrows || n > s->nrows - from) {
        hb_qe_fail(e, HB_EINVAL);
        return e->rc;
    }
    hb_series_out piece = *s;
    piece.values = s->values ? s->values + from * s->ncols : NULL;
    piece.nrows = piece.rows_cap = n;
    piece.partial = series_partial;
    hb_stmt_result r = { .statement_id = statement_id, .series = &piece, .nseries = 1, .series_cap = 1,
                         .partial = result_partial };
    return hb_qenc_result(e, &r);
}

int hb_qenc_split(hb_qenc *e, const hb_stmt_result *r, size_t chunk_size)
{
    if (r->error || r->nseries == 0 || chunk_size == 0)
        return hb_qenc_result(e, r);
    int first = 1;
    for (size_t k = 0; k < r->nseries && !e->rc; k++) {
        const hb_series_out *s = &r->series[k];
        size_t from = 0;
        do {
            size_t n = s->nrows - from < chunk_size ? s->nrows - from : chunk_size;
            int more_rows = from + n < s->nrows;
            hb_series_out piece = *s;
            piece.values = s->values ? s->values + from * s->ncols : NULL;
            piece.nrows = piece.rows_cap = n;
            piece.partial = more_rows ? 1 : s->partial;
            hb_stmt_result res = {
                .statement_id = r->statement_id,
                .tz = r->tz,
                .series = &piece,
                .nseries = 1,
                .series_cap = 1,
                .messages = first ? r->messages : NULL,
                .nmessages = first ? r->nmessages : 0,
                .partial = more_rows || k + 1 < r->nseries || r->partial,
            };
            hb_qenc_result(e, &res);
            first = 0;
            from += n;
        } while (from < s->nrows && !e->rc);
    }
    return e->rc;
}

int hb_qenc_finish(hb_qenc *e)
{
    if (e->rc || e->o.chunked)
        return e->rc; /* chunked: every document is already complete */
    if (e->stmt_open)
        stmt_end(e);
    if (e->doc_open) {
        doc_end(e);
    } else if (e->o.format == HB_QFMT_JSON) {
        hb_qe_puts(e, "{}\n"); /* Go: Response{Results: []} with omitempty, pretty or not */
    } else if (e->o.format == HB_QFMT_MSGPACK) {
        doc_begin(e);
        doc_end(e);
    }
    return e->rc;
}

int hb_qenc_error(hb_qenc *e, const char *msg)
{
    if (e->o.format == HB_QFMT_CSV) {
        hb_qe_csv_error(e, msg);
    } else if (e->o.format == HB_QFMT_MSGPACK) {
        hb_qe_mp_error(e, msg);
    } else {
        e->doc_start = e->out->len;
        e->bad_float = 0;
        hb_qe_puts(e, "{\"error\":");
        jcstr(e, msg);
        hb_qe_putc(e, '}');
        json_doc_close(e);
    }
    return e->rc;
}

/* ---- request parameters ---- */
hb_qfmt hb_qfmt_from_accept(const char *accept)
{
    if (!accept)
        return HB_QFMT_JSON;
    if (strcmp(accept, "application/csv") == 0 || strcmp(accept, "text/csv") == 0)
        return HB_QFMT_CSV;
    if (strcmp(accept, "application/x-msgpack") == 0)
        return HB_QFMT_MSGPACK;
    return HB_QFMT_JSON;
}

const char *hb_qfmt_content_type(hb_qfmt f)
{
    switch (f) {
    case HB_QFMT_CSV: return "text/csv";
    case HB_QFMT_MSGPACK: return "application/x-msgpack";
    case HB_QFMT_JSON: break;
    }
    return "application/json";
}

/* Byte length of a Unicode white-space rune (Go's unicode.IsSpace) at p, or 0. */
size_t hb_qe_space_rune(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    if (n == 0)
        return 0;
    if (p[0] == ' ' || (p[0] >= '\t' && p[0] <= '\r'))
        return 1;
    if (n >= 2 && p[0] == 0xc2 && (p[1] == 0x85 || p[1] == 0xa0))
        return 2;
    if (n >= 3 && p[0] == 0xe1 && p[1] == 0x9a && p[2] == 0x80)
        return 3; /* U+1680 */
    if (n >= 3 && p[0] == 0xe2 && p[1] == 0x80 &&
        (p[2] <= 0x8a || p[2] == 0xa8 || p[2] == 0xa9 || p[2] == 0xaf) && p[2] >= 0x80)
        return 3; /* U+2000..200A, U+2028, U+2029, U+202F */
    if (n >= 3 && p[0] == 0xe2 && p[1] == 0x81 && p[2] == 0x9f)
        return 3; /* U+205F */
    if (n >= 3 && p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80)
        return 3; /* U+3000 */
    return 0;
}

int64_t hb_epoch_divisor(const char *epoch)
{
    if (!epoch)
        return 0;
    /* strings.TrimSpace */
    size_t n = strlen(epoch), k;
    while (n && (k = hb_qe_space_rune(epoch, n)) > 0) {
        epoch += k;
        n -= k;
    }
    for (;;) {
        size_t cut = 0;
        for (k = 1; k <= 3 && k <= n && !cut; k++)
            if (hb_qe_space_rune(epoch + n - k, k) == k)
                cut = k;
        if (!cut)
            break;
        n -= cut;
    }
    if (n == 0)
        return 0;
    static const struct {
        const char *name;
        int64_t ns;
    } units[] = { { "u", 1000 }, { "ms", 1000000 }, { "s", 1000000000LL }, { "m", 60000000000LL },
                  { "h", 3600000000000LL } };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strlen(units[i].name) == n && memcmp(epoch, units[i].name, n) == 0)
            return units[i].ns;
    return 1; /* InfluxDB: any other value means nanoseconds */
}

int hb_encode_json(const hb_query_result *r, int64_t epoch, int pretty, hb_buf *out)
{
    hb_qenc_opts o = { .format = HB_QFMT_JSON, .pretty = pretty, .epoch = epoch };
    hb_qenc e;
    hb_qenc_init(&e, &o, out);
    if (r->error) {
        hb_qenc_error(&e, r->error);
    } else {
        for (size_t i = 0; i < r->nstmts; i++)
            hb_qenc_result(&e, &r->stmts[i]);
        hb_qenc_finish(&e);
    }
    int rc = e.rc;
    hb_qenc_free(&e);
    return rc;
}
