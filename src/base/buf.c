#include "base/buf.h"
#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hb_buf_init(hb_buf *b, size_t max)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max;
}

void hb_buf_free(hb_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void hb_buf_reset(hb_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

int hb_buf_reserve(hb_buf *b, size_t extra)
{
    if (extra > SIZE_MAX / 2 - b->len)
        return HB_ELIMIT;
    size_t need = b->len + extra;
    if (b->max && need > b->max)
        return HB_ELIMIT;
    if (need + 1 <= b->cap)
        return HB_OK;
    size_t ncap = b->cap ? b->cap : 64;
    while (ncap < need + 1)
        ncap *= 2;
    char *p = realloc(b->data, ncap);
    if (!p)
        return HB_ENOMEM;
    b->data = p;
    b->cap = ncap;
    return HB_OK;
}

int hb_buf_append(hb_buf *b, const void *p, size_t n)
{
    int rc = hb_buf_reserve(b, n);
    if (rc)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return HB_OK;
}

int hb_buf_puts(hb_buf *b, const char *s) { return hb_buf_append(b, s, strlen(s)); }
int hb_buf_putc(hb_buf *b, char c) { return hb_buf_append(b, &c, 1); }

int hb_buf_printf(hb_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return HB_EINVAL;
    if ((size_t)n < sizeof small)
        return hb_buf_append(b, small, (size_t)n);
    int rc = hb_buf_reserve(b, (size_t)n);
    if (rc)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return HB_OK;
}

const char *hb_buf_cstr(const hb_buf *b) { return b->data ? b->data : ""; }

char *hb_buf_take(hb_buf *b, size_t *len)
{
    char *p = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

int hb_buf_put_u8(hb_buf *b, uint8_t v) { return hb_buf_append(b, &v, 1); }

int hb_buf_put_u32le(hb_buf *b, uint32_t v)
{
    uint8_t t[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    return hb_buf_append(b, t, 4);
}

int hb_buf_put_u64le(hb_buf *b, uint64_t v)
{
    uint8_t t[8];
    for (int i = 0; i < 8; i++)
        t[i] = (uint8_t)(v >> (8 * i));
    return hb_buf_append(b, t, 8);
}

int hb_buf_put_uvarint(hb_buf *b, uint64_t v)
{
    uint8_t t[10];
    int n = 0;
    while (v >= 0x80) {
        t[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    t[n++] = (uint8_t)v;
    return hb_buf_append(b, t, (size_t)n);
}
