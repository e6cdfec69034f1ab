#include "http/inflate.h"

#include <string.h>
#include <zlib.h>

int hb_gunzip(const void *in, size_t len, hb_buf *out, hb_err *err)
{
    const unsigned char *src = in;
    if (len < 10)
        return hb_err_set(err, HB_EPARSE, "unexpected EOF");
    if (src[0] != 0x1f || src[1] != 0x8b || src[2] != 8)
        return hb_err_set(err, HB_EPARSE, "gzip: invalid header");

    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
        return hb_err_set(err, HB_ENOMEM, "gzip: cannot initialise inflater");
    zs.next_in = (unsigned char *)src;
    zs.avail_in = (uInt)(len > UINT32_MAX ? UINT32_MAX : len);
    int rc = HB_OK;
    for (;;) {
        size_t chunk = 256 * 1024;
        if (out->max && out->max - out->len < chunk)
            chunk = out->max - out->len;
        if (chunk == 0) {
            /* at the cap: only fine if the stream ends exactly here */
            unsigned char probe;
            zs.next_out = &probe;
            zs.avail_out = 1;
            int z = inflate(&zs, Z_NO_FLUSH);
            if (z == Z_STREAM_END && zs.avail_out == 1)
                break;
            rc = hb_err_set(err, HB_ELIMIT, "request body too large: more than %zu bytes after gzip decompression",
                            out->max);
            goto out;
        }
        if ((rc = hb_buf_reserve(out, chunk))) {
            hb_err_set(err, rc, "out of memory inflating body");
            goto out;
        }
        zs.next_out = (unsigned char *)out->data + out->len;
        zs.avail_out = (uInt)chunk;
        int z = inflate(&zs, Z_NO_FLUSH);
        out->len += chunk - zs.avail_out;
        out->data[out->len] = '\0';
        if (z == Z_STREAM_END) {
            /* concatenated gzip members are one stream to Go's reader too */
            if (zs.avail_in > 0 && zs.next_in[0] == 0x1f) {
                inflateReset(&zs);
                continue;
            }
            break;
        }
        if (z == Z_BUF_ERROR && zs.avail_in == 0) {
            rc = hb_err_set(err, HB_EPARSE, "unexpected EOF");
            goto out;
        }
        if (z != Z_OK && z != Z_BUF_ERROR) {
            rc = hb_err_set(err, HB_EPARSE, "gzip: %s", zs.msg ? zs.msg : "invalid data");
            goto out;
        }
    }
out:
    inflateEnd(&zs);
    return rc;
}
