/* Strict base64 decoder (see base64.h). Table-driven, branch per quantum;
 * every index is checked against n, so any byte string is safe input. */
#include "base/base64.h"

#include "base/err.h"

/* value of an alphabet character, or -1 */
static int sextet(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

int hb_base64_decode(const char *in, size_t n, unsigned char *out, size_t cap, size_t *outlen)
{
    *outlen = 0;
    if (n % 4)
        return HB_EPARSE;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        const unsigned char *q = (const unsigned char *)in + i;
        int last = i + 4 == n;
        int pad = 0;
        if (last && q[3] == '=')
            pad = q[2] == '=' ? 2 : 1;
        int v[4] = { 0, 0, 0, 0 };
        for (int k = 0; k < 4 - pad; k++) {
            v[k] = sextet(q[k]);
            if (v[k] < 0)
                return HB_EPARSE;
        }
        unsigned long w = ((unsigned long)v[0] << 18) | ((unsigned long)v[1] << 12) | ((unsigned long)v[2] << 6) |
                          (unsigned long)v[3];
        size_t nb = 3 - (size_t)pad;
        /* canonical: the bits the padding leaves unused must be zero */
        if ((pad == 1 && (w & 0xff)) || (pad == 2 && (w & 0xffff)))
            return HB_EPARSE;
        if (o + nb > cap)
            return HB_ELIMIT;
        out[o++] = (unsigned char)(w >> 16);
        if (nb > 1)
            out[o++] = (unsigned char)(w >> 8);
        if (nb > 2)
            out[o++] = (unsigned char)w;
    }
    *outlen = o;
    return HB_OK;
}
