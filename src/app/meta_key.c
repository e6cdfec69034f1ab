#include "app/meta_key.h"

#include "base/err.h"

int hb_meta_key_put(hb_buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if ((s[i] == ':' || s[i] == '\\') && hb_buf_putc(b, '\\'))
            return HB_ENOMEM;
        if (hb_buf_putc(b, s[i]))
            return HB_ENOMEM;
    }
    return HB_OK;
}

int hb_meta_key_take(const char **pp, const char *end, hb_buf *out)
{
    const char *p = *pp;
    hb_buf_reset(out);
    while (p < end) {
        char ch = *p;
        if (ch == '\\' && p + 1 < end) {
            ch = p[1];
            p += 2;
        } else if (ch == ':') {
            *pp = p + 1;
            return hb_buf_cstr(out) ? 0 : -1;
        } else {
            p++;
        }
        if (hb_buf_putc(out, ch))
            return -1;
    }
    return -1;
}
