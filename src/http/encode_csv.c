/* CSV answers to /query (Accept: application/csv or text/csv), as
 * InfluxDB 1.6's csvFormatter writes them through Go's encoding/csv:
 *
 *   name,tags,time,f,s            header: name, tags, then the columns
 *   cpu,"host=a,region=x",1,1.5,  one record per row; tags as the series
 *                                 key (sorted, escaped, empty values left out)
 *
 * - a statement's header is written before its first series; when the
 *   statement changes a blank line comes first; within one result a series
 *   whose columns differ from the previous series' gets a blank line and
 *   its own header;
 * - results without series (errors, empty SELECTs, DDL) write nothing;
 * - times are integer nanoseconds (or the epoch unit), floats Go's 'f'
 *   format (never an exponent), null is the empty field;
 * - a field is quoted when it holds , " \r or \n, is exactly \. or starts
 *   with a Unicode white-space rune; " inside is doubled; records end \n;
 * - a request error is the record "error" then the message. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "base/fmt.h"
#include "http/encode_int.h"

size_t hb_fmt_float_f(double f, char out[HB_FMT_FLOAT_F_MAX])
{
    char j[32];
    size_t n = hb_fmt_float_json(f, j);
    const char *e = memchr(j, 'e', n);
    if (!isfinite(f) || !e) {
        memcpy(out, j, n + 1);
        return n;
    }
    /* [-]d[.ddd]e±XX -> plain digits */
    const char *p = j;
    size_t o = 0;
    if (*p == '-')
        out[o++] = *p++;
    char digits[24];
    size_t nd = 0;
    for (; p < e; p++)
        if (*p != '.')
            digits[nd++] = *p;
    int x = 0, neg = e[1] == '-';
    for (p = e + 2; *p; p++)
        x = x * 10 + (*p - '0');
    if (neg) {
        /* value = 0.(x-1 zeros)digits */
        out[o++] = '0';
        out[o++] = '.';
        for (int i = 1; i < x; i++)
            out[o++] = '0';
        memcpy(out + o, digits, nd);
        o += nd;
    } else {
        /* |f| >= 1e21 here: digits then zeros up to x+1 digits */
        memcpy(out + o, digits, nd);
        o += nd;
        for (int i = (int)nd; i <= x; i++)
            out[o++] = '0';
    }
    out[o] = '\0';
    return o;
}

static int needs_quotes(const char *p, size_t n)
{
    if (n == 0)
        return 0;
    if (n == 2 && p[0] == '\\' && p[1] == '.')
        return 1;
    for (size_t i = 0; i < n; i++)
        if (p[i] == ',' || p[i] == '"' || p[i] == '\r' || p[i] == '\n')
            return 1;
    return hb_qe_space_rune(p, n) > 0;
}

/* One field, quoted as Go's csv.Writer does (UseCRLF false). */
static int put_field(hb_buf *b, const char *p, size_t n)
{
    if (!needs_quotes(p, n))
        return hb_buf_append(b, p, n);
    int rc = hb_buf_putc(b, '"');
    size_t start = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (p[i] == '"') {
            rc = hb_buf_append(b, p + start, i + 1 - start); /* through the quote */
            if (!rc)
                rc = hb_buf_putc(b, '"');
            start = i + 1;
        }
    }
    if (!rc)
        rc = hb_buf_append(b, p + start, n - start);
    if (!rc)
        rc = hb_buf_putc(b, '"');
    return rc;
}

static void field(hb_qenc *e, const char *p, size_t n)
{
    if (!e->rc) {
        int rc = put_field(e->out, p, n);
        if (rc)
            e->rc = rc;
    }
}

static void header(hb_qenc *e, const hb_series_out *s)
{
    hb_qe_puts(e, "name,tags");
    for (size_t i = 0; i < s->ncols; i++) {
        hb_qe_putc(e, ',');
        field(e, s->columns[i], strlen(s->columns[i]));
    }
    hb_qe_putc(e, '\n');
}

static int same_columns(const hb_qenc *e, const hb_series_out *s)
{
    if (e->series_ncols != s->ncols)
        return 0;
    const char *p = e->series_cols.data;
    for (size_t i = 0; i < s->ncols; i++) {
        if (strcmp(p, s->columns[i]) != 0)
            return 0;
        p += strlen(p) + 1;
    }
    return 1;
}

void hb_qe_csv_series_begin(hb_qenc *e, const hb_series_out *s)
{
    if (e->nseries == 0) {
        if (e->stmt_id != e->csv_stmt) {
            if (e->csv_stmt >= 0)
                hb_qe_putc(e, '\n');
            e->csv_stmt = e->stmt_id;
            header(e, s);
        }
    } else if (!same_columns(e, s)) {
        hb_qe_putc(e, '\n');
        header(e, s);
    }
    /* "name,tags," for every row of this series */
    hb_buf *b = &e->csv_prefix;
    hb_buf_reset(b);
    int rc = put_field(b, s->name ? s->name : "", s->name ? strlen(s->name) : 0);
    if (!rc)
        rc = hb_buf_putc(b, ',');
    if (!rc && s->ntags) {
        hb_buf_reset(&e->tmp);
        rc = hb_qe_tag_key(&e->tmp, s);
        if (!rc)
            rc = put_field(b, e->tmp.data ? e->tmp.data : "", e->tmp.len);
    }
    if (!rc)
        rc = hb_buf_putc(b, ',');
    if (rc)
        hb_qe_fail(e, rc);
}

static size_t fmt_i64(char *out, int64_t v)
{
    char t[24];
    size_t n = 0, o = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        t[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        out[o++] = '-';
    while (n)
        out[o++] = t[--n];
    return o;
}

void hb_qe_csv_rows(hb_qenc *e, const hb_series_out *s, size_t from, size_t n)
{
    char tmp[HB_FMT_FLOAT_F_MAX];
    for (size_t r = from; r < from + n && !e->rc; r++) {
        hb_qe_put(e, e->csv_prefix.data, e->csv_prefix.len);
        const hb_value *row = &s->values[r * s->ncols];
        for (size_t c = 0; c < s->ncols; c++) {
            const hb_value *v = &row[c];
            if (c)
                hb_qe_putc(e, ',');
            switch (v->kind) {
            case HB_V_NULL: break;
            case HB_V_FLOAT: hb_qe_put(e, tmp, hb_fmt_float_f(v->v.f, tmp)); break;
            case HB_V_INT: hb_qe_put(e, tmp, fmt_i64(tmp, v->v.i)); break;
            case HB_V_UINT: hb_qe_put(e, tmp, (size_t)snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v->v.u)); break;
            case HB_V_BOOL: hb_qe_puts(e, v->v.b ? "true" : "false"); break;
            case HB_V_STR: field(e, v->v.s.p, v->v.s.n); break;
            case HB_V_TIME:
                hb_qe_put(e, tmp, fmt_i64(tmp, c == 0 && e->o.epoch ? v->v.i / e->o.epoch : v->v.i));
                break;
            }
        }
        hb_qe_putc(e, '\n');
    }
}

void hb_qe_csv_error(hb_qenc *e, const char *msg)
{
    hb_qe_puts(e, "error\n");
    field(e, msg, strlen(msg));
    hb_qe_putc(e, '\n');
}
