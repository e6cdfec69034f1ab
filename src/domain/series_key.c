#include "domain/series_key.h"

#include <string.h>

#include "base/err.h"

static inline int is_meas_special(char c) { return c == ',' || c == ' '; }
static inline int is_tag_special(char c) { return c == ',' || c == ' ' || c == '='; }

static size_t esc_len(hb_slice s, int tag)
{
    size_t n = s.n;
    for (size_t i = 0; i < s.n; i++)
        n += tag ? is_tag_special(s.p[i]) : is_meas_special(s.p[i]);
    return n;
}

static char *esc_write(char *d, hb_slice s, int tag)
{
    for (size_t i = 0; i < s.n; i++) {
        char c = s.p[i];
        if (tag ? is_tag_special(c) : is_meas_special(c))
            *d++ = '\\';
        *d++ = c;
    }
    return d;
}

size_t hb_series_key_len(hb_slice measurement, const hb_tag *tags, uint32_t ntags)
{
    size_t n = esc_len(measurement, 0);
    for (uint32_t i = 0; i < ntags; i++)
        n += 2 + esc_len(tags[i].key, 1) + esc_len(tags[i].val, 1);
    return n;
}

char *hb_series_key_write(char *dst, hb_slice measurement, const hb_tag *tags, uint32_t ntags)
{
    char *d = esc_write(dst, measurement, 0);
    for (uint32_t i = 0; i < ntags; i++) {
        *d++ = ',';
        d = esc_write(d, tags[i].key, 1);
        *d++ = '=';
        d = esc_write(d, tags[i].val, 1);
    }
    return d;
}

int hb_series_key_append(hb_buf *b, hb_slice measurement, const hb_tag *tags, uint32_t ntags)
{
    size_t n = hb_series_key_len(measurement, tags, ntags);
    int rc = hb_buf_reserve(b, n);
    if (rc)
        return rc;
    hb_series_key_write(b->data + b->len, measurement, tags, ntags);
    b->len += n;
    b->data[b->len] = '\0';
    return HB_OK;
}

static int esc_append(hb_buf *b, hb_slice s, int tag)
{
    size_t n = esc_len(s, tag);
    int rc = hb_buf_reserve(b, n);
    if (rc)
        return rc;
    esc_write(b->data + b->len, s, tag);
    b->len += n;
    b->data[b->len] = '\0';
    return HB_OK;
}

int hb_escape_measurement(hb_buf *b, hb_slice s) { return esc_append(b, s, 0); }
int hb_escape_tag(hb_buf *b, hb_slice s) { return esc_append(b, s, 1); }
