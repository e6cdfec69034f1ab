#include "http/encode.h"

#include <string.h>

#include "base/err.h"
#include "base/fmt.h"
#include "http/http.h"

int hb_epoch_unit(const char *s, int64_t *ns)
{
    static const struct {
        const char *name;
        int64_t ns;
    } units[] = { { "n", 1 }, { "ns", 1 }, { "u", 1000 }, { "\xc2\xb5", 1000 }, { "us", 1000 },
                  { "ms", 1000000 }, { "s", 1000000000LL }, { "m", 60000000000LL }, { "h", 3600000000000LL } };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(s, units[i].name) == 0) {
            *ns = units[i].ns;
            return HB_OK;
        }
    return HB_EINVAL;
}

static int put_value(hb_buf *b, const hb_value *v, int64_t epoch_ns)
{
    char tmp[48];
    switch (v->kind) {
    case HB_V_NULL: return hb_buf_puts(b, "null");
    case HB_V_FLOAT: hb_fmt_float_json(v->v.f, tmp); return hb_buf_puts(b, tmp);
    case HB_V_INT: return hb_buf_printf(b, "%lld", (long long)v->v.i);
    case HB_V_UINT: return hb_buf_printf(b, "%llu", (unsigned long long)v->v.u);
    case HB_V_BOOL: return hb_buf_puts(b, v->v.b ? "true" : "false");
    case HB_V_STR: return hb_json_str(b, v->v.s.p, v->v.s.n);
    case HB_V_TIME:
        if (epoch_ns)
            return hb_buf_printf(b, "%lld", (long long)(v->v.i / epoch_ns));
        hb_buf_putc(b, '"');
        hb_fmt_rfc3339nano(v->v.i, tmp);
        hb_buf_puts(b, tmp);
        return hb_buf_putc(b, '"');
    }
    return HB_OK;
}

static void put_key(hb_buf *b, const char *k)
{
    hb_json_str(b, k, strlen(k));
    hb_buf_putc(b, ':');
}

static void put_series(hb_buf *b, const hb_series_out *s, int64_t epoch_ns)
{
    hb_buf_putc(b, '{');
    int first = 1;
    if (s->name) {
        put_key(b, "name");
        hb_json_str(b, s->name, strlen(s->name));
        first = 0;
    }
    if (s->ntags) {
        if (!first)
            hb_buf_putc(b, ',');
        put_key(b, "tags");
        hb_buf_putc(b, '{');
        for (size_t i = 0; i < s->ntags; i++) {
            if (i)
                hb_buf_putc(b, ',');
            put_key(b, s->tags[i].key);
            hb_json_str(b, s->tags[i].val, strlen(s->tags[i].val));
        }
        hb_buf_putc(b, '}');
        first = 0;
    }
    if (!first)
        hb_buf_putc(b, ',');
    put_key(b, "columns");
    hb_buf_putc(b, '[');
    for (size_t i = 0; i < s->ncols; i++) {
        if (i)
            hb_buf_putc(b, ',');
        hb_json_str(b, s->columns[i], strlen(s->columns[i]));
    }
    hb_buf_putc(b, ']');
    if (s->nrows) {
        hb_buf_puts(b, ",\"values\":[");
        for (size_t r = 0; r < s->nrows; r++) {
            if (r)
                hb_buf_putc(b, ',');
            hb_buf_putc(b, '[');
            for (size_t c = 0; c < s->ncols; c++) {
                if (c)
                    hb_buf_putc(b, ',');
                put_value(b, &s->values[r * s->ncols + c], epoch_ns);
            }
            hb_buf_putc(b, ']');
        }
        hb_buf_putc(b, ']');
    }
    if (s->partial)
        hb_buf_puts(b, ",\"partial\":true");
    hb_buf_putc(b, '}');
}

static int encode_compact(const hb_query_result *r, int64_t epoch_ns, hb_buf *b)
{
    if (r->empty)
        return hb_buf_puts(b, "{}\n");
    if (r->error) {
        hb_buf_puts(b, "{\"error\":");
        hb_json_str(b, r->error, strlen(r->error));
        return hb_buf_puts(b, "}\n");
    }
    hb_buf_puts(b, "{\"results\":[");
    for (size_t i = 0; i < r->nstmts; i++) {
        const hb_stmt_result *s = &r->stmts[i];
        if (i)
            hb_buf_putc(b, ',');
        hb_buf_printf(b, "{\"statement_id\":%d", s->statement_id);
        if (s->nseries) {
            hb_buf_puts(b, ",\"series\":[");
            for (size_t k = 0; k < s->nseries; k++) {
                if (k)
                    hb_buf_putc(b, ',');
                put_series(b, &s->series[k], epoch_ns);
            }
            hb_buf_putc(b, ']');
        }
        if (s->nmessages) {
            hb_buf_puts(b, ",\"messages\":[");
            for (size_t m = 0; m < s->nmessages; m++) {
                if (m)
                    hb_buf_putc(b, ',');
                hb_buf_puts(b, "{\"level\":");
                hb_json_str(b, s->messages[m].level, strlen(s->messages[m].level));
                hb_buf_puts(b, ",\"text\":");
                hb_json_str(b, s->messages[m].text, strlen(s->messages[m].text));
                hb_buf_putc(b, '}');
            }
            hb_buf_putc(b, ']');
        }
        if (s->partial)
            hb_buf_puts(b, ",\"partial\":true");
        if (s->error) {
            hb_buf_puts(b, ",\"error\":");
            hb_json_str(b, s->error, strlen(s->error));
        }
        hb_buf_putc(b, '}');
    }
    return hb_buf_puts(b, "]}\n");
}

int hb_json_indent(const char *in, size_t n, hb_buf *out)
{
    int depth = 0, in_str = 0;
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        if (in_str) {
            hb_buf_putc(out, c);
            if (c == '\\' && i + 1 < n)
                hb_buf_putc(out, in[++i]);
            else if (c == '"')
                in_str = 0;
            continue;
        }
        switch (c) {
        case '"':
            in_str = 1;
            hb_buf_putc(out, c);
            break;
        case '{':
        case '[':
            /* empty containers stay on one line, as in Go */
            if (i + 1 < n && (in[i + 1] == '}' || in[i + 1] == ']')) {
                hb_buf_putc(out, c);
                hb_buf_putc(out, in[++i]);
                break;
            }
            hb_buf_putc(out, c);
            depth++;
            hb_buf_putc(out, '\n');
            for (int d = 0; d < depth; d++)
                hb_buf_puts(out, "    ");
            break;
        case '}':
        case ']':
            depth--;
            hb_buf_putc(out, '\n');
            for (int d = 0; d < depth; d++)
                hb_buf_puts(out, "    ");
            hb_buf_putc(out, c);
            break;
        case ',':
            hb_buf_putc(out, ',');
            hb_buf_putc(out, '\n');
            for (int d = 0; d < depth; d++)
                hb_buf_puts(out, "    ");
            break;
        case ':':
            hb_buf_puts(out, ": ");
            break;
        case '\n':
            break;
        default:
            hb_buf_putc(out, c);
        }
    }
    return hb_buf_putc(out, '\n');
}

int hb_encode_json(const hb_query_result *r, int64_t epoch_ns, int pretty, hb_buf *out)
{
    if (!pretty)
        return encode_compact(r, epoch_ns, out);
    hb_buf tmp;
    hb_buf_init(&tmp, 0);
    int rc = encode_compact(r, epoch_ns, &tmp);
    if (!rc)
        rc = hb_json_indent(tmp.data, tmp.len, out);
    hb_buf_free(&tmp);
    return rc;
}
