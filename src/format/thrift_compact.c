/* Thrift compact protocol writer and reader. The wire format is summarised
 * at the top of thrift_compact.h. */
#include "format/thrift_compact.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---------------- writer ---------------- */

void hb_tc_writer_init(hb_tc_writer *w, hb_buf *out)
{
    w->out = out;
    w->rc = HB_OK;
    w->depth = 0;
}

int hb_tc_writer_status(const hb_tc_writer *w)
{
    if (w->rc)
        return w->rc;
    return w->depth == 0 ? HB_OK : HB_EINVAL;
}

static int wfail(hb_tc_writer *w, int rc)
{
    if (!w->rc)
        w->rc = rc;
    return w->rc;
}

static int wbytes(hb_tc_writer *w, const void *p, size_t n)
{
    if (w->rc)
        return w->rc;
    int rc = hb_buf_append(w->out, p, n);
    return rc ? wfail(w, rc) : HB_OK;
}

static int wbyte(hb_tc_writer *w, uint8_t b) { return wbytes(w, &b, 1); }

static int wvarint(hb_tc_writer *w, uint64_t v)
{
    uint8_t t[10];
    size_t n = 0;
    while (v >= 0x80) {
        t[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    t[n++] = (uint8_t)v;
    return wbytes(w, t, n);
}

static uint64_t zz64(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }
static uint32_t zz32(int32_t v) { return ((uint32_t)v << 1) ^ (uint32_t)(v >> 31); }

int hb_tc_struct_begin(hb_tc_writer *w)
{
    if (w->rc)
        return w->rc;
    if (w->depth >= HB_TC_MAX_DEPTH)
        return wfail(w, HB_EINVAL);
    w->last_fid[w->depth++] = 0;
    return HB_OK;
}

int hb_tc_struct_end(hb_tc_writer *w)
{
    if (w->rc)
        return w->rc;
    if (w->depth <= 0)
        return wfail(w, HB_EINVAL);
    w->depth--;
    return wbyte(w, HB_TC_STOP);
}

static int field_header(hb_tc_writer *w, int type, int16_t fid)
{
    if (w->rc)
        return w->rc;
    if (w->depth <= 0 || type <= HB_TC_STOP || type > HB_TC_UUID)
        return wfail(w, HB_EINVAL);
    int16_t *last = &w->last_fid[w->depth - 1];
    int32_t delta = (int32_t)fid - (int32_t)*last;
    *last = fid;
    if (delta > 0 && delta <= 15)
        return wbyte(w, (uint8_t)((delta << 4) | type));
    if (wbyte(w, (uint8_t)type))
        return w->rc;
    return wvarint(w, zz32(fid));
}

int hb_tc_field_begin(hb_tc_writer *w, int type, int16_t fid)
{
    if (type == HB_TC_BOOL_TRUE || type == HB_TC_BOOL_FALSE)
        return wfail(w, HB_EINVAL);   /* use hb_tc_field_bool */
    return field_header(w, type, fid);
}

int hb_tc_field_bool(hb_tc_writer *w, int16_t fid, bool v)
{
    return field_header(w, v ? HB_TC_BOOL_TRUE : HB_TC_BOOL_FALSE, fid);
}

int hb_tc_write_i8(hb_tc_writer *w, int8_t v) { return wbyte(w, (uint8_t)v); }
int hb_tc_write_i16(hb_tc_writer *w, int16_t v) { return wvarint(w, zz32(v)); }
int hb_tc_write_i32(hb_tc_writer *w, int32_t v) { return wvarint(w, zz32(v)); }
int hb_tc_write_i64(hb_tc_writer *w, int64_t v) { return wvarint(w, zz64(v)); }
int hb_tc_write_bool(hb_tc_writer *w, bool v) { return wbyte(w, v ? 1 : 0); }

int hb_tc_write_double(hb_tc_writer *w, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    uint8_t t[8];
    for (int i = 0; i < 8; i++)
        t[i] = (uint8_t)(u >> (8 * i));
    return wbytes(w, t, 8);
}

int hb_tc_write_binary(hb_tc_writer *w, const void *p, size_t n)
{
    if (n > INT32_MAX)
        return wfail(w, HB_EINVAL);
    if (wvarint(w, n))
        return w->rc;
    return n ? wbytes(w, p, n) : w->rc;
}

int hb_tc_write_string(hb_tc_writer *w, const char *s) { return hb_tc_write_binary(w, s, strlen(s)); }

int hb_tc_list_begin(hb_tc_writer *w, int elem_type, size_t n)
{
    if (elem_type == HB_TC_BOOL_TRUE)
        elem_type = HB_TC_BOOL_FALSE;  /* the spec's list element id for bool */
    if (elem_type <= HB_TC_STOP || elem_type > HB_TC_UUID || n > INT32_MAX)
        return wfail(w, HB_EINVAL);
    if (n < 15)
        return wbyte(w, (uint8_t)((n << 4) | (size_t)elem_type));
    if (wbyte(w, (uint8_t)(0xF0 | elem_type)))
        return w->rc;
    return wvarint(w, n);
}

int hb_tc_field_i8(hb_tc_writer *w, int16_t fid, int8_t v)
{
    return field_header(w, HB_TC_I8, fid) ? w->rc : hb_tc_write_i8(w, v);
}
int hb_tc_field_i16(hb_tc_writer *w, int16_t fid, int16_t v)
{
    return field_header(w, HB_TC_I16, fid) ? w->rc : hb_tc_write_i16(w, v);
}
int hb_tc_field_i32(hb_tc_writer *w, int16_t fid, int32_t v)
{
    return field_header(w, HB_TC_I32, fid) ? w->rc : hb_tc_write_i32(w, v);
}
int hb_tc_field_i64(hb_tc_writer *w, int16_t fid, int64_t v)
{
    return field_header(w, HB_TC_I64, fid) ? w->rc : hb_tc_write_i64(w, v);
}
int hb_tc_field_double(hb_tc_writer *w, int16_t fid, double v)
{
    return field_header(w, HB_TC_DOUBLE, fid) ? w->rc : hb_tc_write_double(w, v);
}
int hb_tc_field_binary(hb_tc_writer *w, int16_t fid, const void *p, size_t n)
{
    return field_header(w, HB_TC_BINARY, fid) ? w->rc : hb_tc_write_binary(w, p, n);
}
int hb_tc_field_string(hb_tc_writer *w, int16_t fid, const char *s)
{
    return field_header(w, HB_TC_BINARY, fid) ? w->rc : hb_tc_write_string(w, s);
}

/* ---------------- reader ---------------- */

int hb_tc_reader_init(hb_tc_reader *r, const void *data, size_t len, size_t base,
                      size_t max_input, const char *what, hb_err *err)
{
    r->p = data;
    r->len = len;
    r->pos = 0;
    r->base = base;
    r->what = what ? what : "thrift data";
    r->err = err;
    r->depth = 0;
    r->max_depth = HB_TC_DEFAULT_MAX_DEPTH;
    r->max_list = HB_TC_DEFAULT_MAX_LIST;
    r->bool_pending = false;
    r->bool_val = false;
    if (!max_input)
        max_input = HB_TC_DEFAULT_MAX_INPUT;
    if (len > max_input) {
        r->len = 0;
        return hb_err_set(err, HB_ELIMIT, "%s at byte %zu: %zu bytes exceed the limit of %zu",
                          r->what, base, len, max_input);
    }
    if (len && !data) {
        r->len = 0;
        return hb_err_set(err, HB_EINVAL, "%s: no data", r->what);
    }
    return HB_OK;
}

int hb_tc_corrupt(hb_tc_reader *r, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return hb_err_set(r->err, HB_ECORRUPT, "%s at byte %zu: %s", r->what, hb_tc_offset(r), msg);
}

static int need(hb_tc_reader *r, size_t n, const char *what)
{
    if (n > r->len - r->pos)
        return hb_tc_corrupt(r, "truncated %s (need %zu bytes, %zu left)", what, n, r->len - r->pos);
    return HB_OK;
}

static int rvarint(hb_tc_reader *r, int maxbytes, uint64_t *out, const char *what)
{
    uint64_t v = 0;
    size_t start = r->pos;
    *out = 0;
    for (int i = 0; i < maxbytes; i++) {
        if (r->pos >= r->len) {
            r->pos = start;
            return hb_tc_corrupt(r, "truncated %s varint", what);
        }
        uint8_t b = r->p[r->pos++];
        v |= (uint64_t)(b & 0x7F) << (7 * i);
        if (!(b & 0x80)) {
            /* the last byte of a 10-byte varint carries only bit 63 */
            if (i == 9 && b > 1) {
                r->pos = start;
                return hb_tc_corrupt(r, "%s varint overflows 64 bits", what);
            }
            *out = v;
            return HB_OK;
        }
    }
    r->pos = start;
    return hb_tc_corrupt(r, "%s varint longer than %d bytes", what, maxbytes);
}

static int rvar32(hb_tc_reader *r, uint32_t *out, const char *what)
{
    uint64_t v;
    size_t start = r->pos;
    *out = 0;
    int rc = rvarint(r, 5, &v, what);
    if (rc)
        return rc;
    if (v > UINT32_MAX) {
        r->pos = start;
        return hb_tc_corrupt(r, "%s varint overflows 32 bits", what);
    }
    *out = (uint32_t)v;
    return HB_OK;
}

static int32_t unzz32(uint32_t u) { return (int32_t)((u >> 1) ^ (0u - (u & 1))); }
static int64_t unzz64(uint64_t u) { return (int64_t)((u >> 1) ^ (0ull - (u & 1))); }

int hb_tc_read_struct_begin(hb_tc_reader *r)
{
    int cap = r->max_depth < HB_TC_MAX_DEPTH ? r->max_depth : HB_TC_MAX_DEPTH;
    if (r->depth >= cap)
        return hb_tc_corrupt(r, "nesting deeper than %d levels", cap);
    r->last_fid[r->depth++] = 0;
    r->bool_pending = false;
    return HB_OK;
}

int hb_tc_read_struct_end(hb_tc_reader *r)
{
    if (r->depth <= 0)
        return hb_err_set(r->err, HB_EINVAL, "%s: struct end without begin", r->what);
    r->depth--;
    r->bool_pending = false;
    return HB_OK;
}

int hb_tc_read_field(hb_tc_reader *r, int *type, int16_t *fid)
{
    if (r->depth <= 0)
        return hb_err_set(r->err, HB_EINVAL, "%s: field read outside a struct", r->what);
    r->bool_pending = false;
    int rc = need(r, 1, "field header");
    if (rc)
        return rc;
    size_t start = r->pos;
    uint8_t b = r->p[r->pos++];
    if (b == 0) {
        *type = HB_TC_STOP;
        *fid = 0;
        return HB_OK;
    }
    int t = b & 0x0F;
    int delta = b >> 4;
    if (t > HB_TC_UUID) {
        r->pos = start;
        return hb_tc_corrupt(r, "unknown field type %d", t);
    }
    if (t == HB_TC_STOP) {
        r->pos = start;
        return hb_tc_corrupt(r, "field header 0x%02x has type 0 (stop) with an id", b);
    }
    int16_t *last = &r->last_fid[r->depth - 1];
    int32_t id;
    if (delta) {
        id = (int32_t)*last + delta;
        if (id > INT16_MAX) {
            r->pos = start;
            return hb_tc_corrupt(r, "field id %d out of range", (int)id);
        }
    } else {
        uint32_t u;
        rc = rvar32(r, &u, "field id");
        if (rc)
            return rc;
        id = unzz32(u);
        if (id < INT16_MIN || id > INT16_MAX) {
            r->pos = start;
            return hb_tc_corrupt(r, "field id %ld out of range", (long)id);
        }
    }
    *last = (int16_t)id;
    *fid = (int16_t)id;
    if (t == HB_TC_BOOL_TRUE || t == HB_TC_BOOL_FALSE) {
        r->bool_pending = true;
        r->bool_val = t == HB_TC_BOOL_TRUE;
        *type = HB_TC_BOOL;
    } else {
        *type = t;
    }
    return HB_OK;
}

int hb_tc_read_bool(hb_tc_reader *r, bool *v)
{
    if (r->bool_pending) {
        r->bool_pending = false;
        *v = r->bool_val;
        return HB_OK;
    }
    int rc = need(r, 1, "bool");
    if (rc)
        return rc;
    uint8_t b = r->p[r->pos];
    /* 1 = true; 0 = false; 2 is written as false by some implementations */
    if (b > 2)
        return hb_tc_corrupt(r, "bool element 0x%02x is not 0, 1 or 2", b);
    r->pos++;
    *v = b == 1;
    return HB_OK;
}

int hb_tc_read_i8(hb_tc_reader *r, int8_t *v)
{
    int rc = need(r, 1, "i8");
    if (rc)
        return rc;
    *v = (int8_t)r->p[r->pos++];
    return HB_OK;
}

int hb_tc_read_i16(hb_tc_reader *r, int16_t *v)
{
    uint32_t u;
    size_t start = r->pos;
    int rc = rvar32(r, &u, "i16");
    if (rc)
        return rc;
    int32_t x = unzz32(u);
    if (x < INT16_MIN || x > INT16_MAX) {
        r->pos = start;
        return hb_tc_corrupt(r, "i16 value %ld out of range", (long)x);
    }
    *v = (int16_t)x;
    return HB_OK;
}

int hb_tc_read_i32(hb_tc_reader *r, int32_t *v)
{
    uint32_t u;
    int rc = rvar32(r, &u, "i32");
    if (rc)
        return rc;
    *v = unzz32(u);
    return HB_OK;
}

int hb_tc_read_i64(hb_tc_reader *r, int64_t *v)
{
    uint64_t u;
    int rc = rvarint(r, 10, &u, "i64");
    if (rc)
        return rc;
    *v = unzz64(u);
    return HB_OK;
}

int hb_tc_read_double(hb_tc_reader *r, double *v)
{
    int rc = need(r, 8, "double");
    if (rc)
        return rc;
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u |= (uint64_t)r->p[r->pos + (size_t)i] << (8 * i);
    r->pos += 8;
    memcpy(v, &u, 8);
    return HB_OK;
}

int hb_tc_read_binary(hb_tc_reader *r, const uint8_t **p, size_t *n)
{
    uint32_t u;
    size_t start = r->pos;
    int rc = rvar32(r, &u, "binary length");
    if (rc)
        return rc;
    if (u > INT32_MAX || u > r->len - r->pos) {
        size_t left = r->len - r->pos;
        r->pos = start;
        return hb_tc_corrupt(r, "binary of %lu bytes but only %zu left", (unsigned long)u, left);
    }
    *p = r->p + r->pos;
    *n = u;
    r->pos += u;
    return HB_OK;
}

/* Smallest encoding of one element of a list of this type. */
static size_t min_elem_size(int t)
{
    switch (t) {
    case HB_TC_DOUBLE: return 8;
    case HB_TC_UUID: return 16;
    default: return 1;
    }
}

int hb_tc_read_list_begin(hb_tc_reader *r, int *elem_type, size_t *n)
{
    int rc = need(r, 1, "list header");
    if (rc)
        return rc;
    size_t start = r->pos;
    uint8_t b = r->p[r->pos++];
    int t = b & 0x0F;
    size_t count = b >> 4;
    if (t == HB_TC_STOP || t > HB_TC_UUID) {
        r->pos = start;
        return hb_tc_corrupt(r, "list of unknown element type %d", t);
    }
    if (count == 15) {
        uint32_t u;
        rc = rvar32(r, &u, "list size");
        if (rc) {
            r->pos = start;
            return rc;
        }
        if (u > INT32_MAX) {
            r->pos = start;
            return hb_tc_corrupt(r, "negative list size");
        }
        count = u;
    }
    if (t == HB_TC_BOOL_TRUE || t == HB_TC_BOOL_FALSE)
        t = HB_TC_BOOL;
    if (count > r->max_list) {
        r->pos = start;
        return hb_tc_corrupt(r, "list of %zu elements exceeds the limit of %zu", count, r->max_list);
    }
    size_t left = r->len - r->pos;
    if (count > left / min_elem_size(t)) {
        r->pos = start;
        return hb_tc_corrupt(r, "list of %zu elements but only %zu bytes left", count, left);
    }
    *elem_type = t;
    *n = count;
    r->bool_pending = false;
    return HB_OK;
}

static int skip_depth(hb_tc_reader *r, int type, int depth);

static int skip_elems(hb_tc_reader *r, int t, size_t n, int depth)
{
    for (size_t i = 0; i < n; i++) {
        int rc = skip_depth(r, t, depth);
        if (rc)
            return rc;
    }
    return HB_OK;
}

static int skip_depth(hb_tc_reader *r, int type, int depth)
{
    int cap = r->max_depth < HB_TC_MAX_DEPTH ? r->max_depth : HB_TC_MAX_DEPTH;
    int rc;
    union { bool b; int8_t i8; int16_t i16; int32_t i32; int64_t i64; double d; } v;
    const uint8_t *p;
    size_t n;
    switch (type) {
    case HB_TC_BOOL_TRUE:
        return hb_tc_read_bool(r, &v.b);
    case HB_TC_BOOL_FALSE:   /* only as a list element type, normalised above */
        return hb_tc_read_bool(r, &v.b);
    case HB_TC_I8: return hb_tc_read_i8(r, &v.i8);
    case HB_TC_I16: return hb_tc_read_i16(r, &v.i16);
    case HB_TC_I32: return hb_tc_read_i32(r, &v.i32);
    case HB_TC_I64: return hb_tc_read_i64(r, &v.i64);
    case HB_TC_DOUBLE: return hb_tc_read_double(r, &v.d);
    case HB_TC_BINARY: return hb_tc_read_binary(r, &p, &n);
    case HB_TC_UUID:
        rc = need(r, 16, "uuid");
        if (!rc)
            r->pos += 16;
        return rc;
    case HB_TC_LIST:
    case HB_TC_SET: {
        if (depth >= cap)
            return hb_tc_corrupt(r, "nesting deeper than %d levels", cap);
        int et;
        rc = hb_tc_read_list_begin(r, &et, &n);
        return rc ? rc : skip_elems(r, et, n, depth + 1);
    }
    case HB_TC_MAP: {
        if (depth >= cap)
            return hb_tc_corrupt(r, "nesting deeper than %d levels", cap);
        uint32_t u;
        size_t start = r->pos;
        rc = rvar32(r, &u, "map size");
        if (rc)
            return rc;
        if (u == 0)
            return HB_OK;
        if (u > r->max_list || u > INT32_MAX) {
            r->pos = start;
            return hb_tc_corrupt(r, "map of %lu entries exceeds the limit", (unsigned long)u);
        }
        rc = need(r, 1, "map types");
        if (rc)
            return rc;
        uint8_t kv = r->p[r->pos];
        int kt = kv >> 4, vt = kv & 0x0F;
        if (kt == HB_TC_STOP || kt > HB_TC_UUID || vt == HB_TC_STOP || vt > HB_TC_UUID)
            return hb_tc_corrupt(r, "map of unknown key/value types 0x%02x", kv);
        r->pos++;
        size_t left = r->len - r->pos;
        if (u > left / (min_elem_size(kt) + min_elem_size(vt))) {
            r->pos = start;
            return hb_tc_corrupt(r, "map of %lu entries but only %zu bytes left", (unsigned long)u, left);
        }
        for (uint32_t i = 0; i < u; i++) {
            if ((rc = skip_depth(r, kt, depth + 1)) || (rc = skip_depth(r, vt, depth + 1)))
                return rc;
        }
        return HB_OK;
    }
    case HB_TC_STRUCT: {
        if (depth >= cap || r->depth >= cap)
            return hb_tc_corrupt(r, "nesting deeper than %d levels", cap);
        rc = hb_tc_read_struct_begin(r);
        if (rc)
            return rc;
        for (;;) {
            int ft;
            int16_t fid;
            rc = hb_tc_read_field(r, &ft, &fid);
            if (rc)
                return rc;
            if (ft == HB_TC_STOP)
                break;
            rc = skip_depth(r, ft, depth + 1);
            if (rc)
                return rc;
        }
        return hb_tc_read_struct_end(r);
    }
    default:
        return hb_tc_corrupt(r, "cannot skip a value of unknown type %d", type);
    }
}

int hb_tc_skip(hb_tc_reader *r, int type) { return skip_depth(r, type, r->depth); }
