/* JSON output helpers. Output is written by hand (not via a library) so the
 * bytes match InfluxDB's Go encoder exactly: Go escapes <, > and & as
 * \u003c \u003e \u0026, control characters as \u00XX (except \n \r \t),
 * and U+2028/U+2029; invalid UTF-8 becomes \ufffd. */
#include <string.h>

#include "http/http.h"

static int put_u(hb_buf *b, unsigned c)
{
    static const char hex[] = "0123456789abcdef";
    char t[6] = { '\\', 'u', hex[(c >> 12) & 15], hex[(c >> 8) & 15], hex[(c >> 4) & 15], hex[c & 15] };
    return hb_buf_append(b, t, 6);
}

/* Length of a valid UTF-8 sequence at p (max n bytes), or 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    size_t len;
    unsigned min;
    if (c < 0x80)
        return 1;
    if ((c & 0xe0) == 0xc0) {
        len = 2;
        min = 0x80;
        c &= 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3;
        min = 0x800;
        c &= 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4;
        min = 0x10000;
        c &= 0x07;
    } else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (p[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    return len;
}

int hb_json_str(hb_buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    int rc = hb_buf_putc(b, '"');
    size_t i = 0;
    while (!rc && i < n) {
        /* copy a run of bytes that need no escaping */
        size_t j = i;
        while (j < n && p[j] >= 0x20 && p[j] < 0x80 && p[j] != '"' && p[j] != '\\' && p[j] != '<' &&
               p[j] != '>' && p[j] != '&')
            j++;
        if (j > i) {
            rc = hb_buf_append(b, p + i, j - i);
            i = j;
            continue;
        }
        unsigned c = p[i];
        if (c == '"' || c == '\\') {
            char t[2] = { '\\', (char)c };
            rc = hb_buf_append(b, t, 2);
            i++;
        } else if (c == '\n') {
            rc = hb_buf_append(b, "\\n", 2);
            i++;
        } else if (c == '\r') {
            rc = hb_buf_append(b, "\\r", 2);
            i++;
        } else if (c == '\t') {
            rc = hb_buf_append(b, "\\t", 2);
            i++;
        } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
            rc = put_u(b, c);
            i++;
        } else {
            size_t l = utf8_len(p + i, n - i);
            if (l == 0) {
                rc = hb_buf_append(b, "\\ufffd", 6);
                i++;
            } else if (l == 3 && p[i] == 0xe2 && p[i + 1] == 0x80 && (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
                rc = put_u(b, p[i + 2] == 0xa8 ? 0x2028 : 0x2029);
                i += 3;
            } else {
                rc = hb_buf_append(b, p + i, l);
                i += l;
            }
        }
    }
    return rc ? rc : hb_buf_putc(b, '"');
}
