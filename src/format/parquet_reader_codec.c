/* Page codecs for the Parquet reader besides zstd (which is called
 * directly): SNAPPY (raw block format, implemented here) and GZIP (zlib).
 *
 * Snappy block format: ULEB128 uncompressed length, then elements, each
 * starting with a tag byte whose low 2 bits give the kind:
 *   00 literal: length-1 in tag>>2 when < 60, else (tag>>2)-59 bytes (1..4)
 *      little-endian hold length-1; the literal bytes follow
 *   01 copy: length 4 + ((tag>>2)&7), offset ((tag>>5)<<8) | next byte
 *   10 copy: length 1 + (tag>>2), offset u16 LE
 *   11 copy: length 1 + (tag>>2), offset u32 LE
 * A copy repeats bytes from offset back in the output (may overlap). Every
 * length and offset is checked against the input and the output written so
 * far; the output must come out exactly out_len bytes. */
#include "format/parquet_reader_internal.h"

#include <string.h>
#include <zlib.h>

int hb_pq_snappy_decompress(const uint8_t *src, size_t n, uint8_t *out, size_t out_len, hb_err *err)
{
    const uint8_t *ip = src, *end = src + n;
    uint64_t ulen = 0;
    int shift = 0;
    for (;;) {
        if (ip >= end || shift > 28)
            return hb_err_set(err, HB_ECORRUPT, "snappy: bad length header");
        uint8_t b = *ip++;
        ulen |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
        shift += 7;
    }
    if (ulen != out_len)
        return hb_err_set(err, HB_ECORRUPT, "snappy: data holds %llu bytes, the page header says %zu",
                          (unsigned long long)ulen, out_len);
    size_t op = 0;
    while (ip < end) {
        uint8_t tag = *ip++;
        size_t len, off;
        switch (tag & 3) {
        case 0: {
            len = tag >> 2;
            if (len >= 60) {
                size_t nb = len - 59;
                if ((size_t)(end - ip) < nb)
                    return hb_err_set(err, HB_ECORRUPT, "snappy: literal length cut at byte %zu", (size_t)(ip - src));
                len = 0;
                for (size_t i = 0; i < nb; i++)
                    len |= (size_t)ip[i] << (8 * i);
                ip += nb;
            }
            len += 1;
            if ((size_t)(end - ip) < len || out_len - op < len)
                return hb_err_set(err, HB_ECORRUPT, "snappy: literal of %zu bytes overruns at byte %zu", len,
                                  (size_t)(ip - src));
            memcpy(out + op, ip, len);
            ip += len;
            op += len;
            continue;
        }
        case 1:
            if (ip >= end)
                return hb_err_set(err, HB_ECORRUPT, "snappy: copy cut at byte %zu", (size_t)(ip - src));
            len = 4 + ((tag >> 2) & 7);
            off = ((size_t)(tag >> 5) << 8) | *ip++;
            break;
        case 2:
            if (end - ip < 2)
                return hb_err_set(err, HB_ECORRUPT, "snappy: copy cut at byte %zu", (size_t)(ip - src));
            len = 1 + (tag >> 2);
            off = (size_t)ip[0] | (size_t)ip[1] << 8;
            ip += 2;
            break;
        default:
            if (end - ip < 4)
                return hb_err_set(err, HB_ECORRUPT, "snappy: copy cut at byte %zu", (size_t)(ip - src));
            len = 1 + (tag >> 2);
            off = (size_t)ip[0] | (size_t)ip[1] << 8 | (size_t)ip[2] << 16 | (size_t)ip[3] << 24;
            ip += 4;
            break;
        }
        if (off == 0 || off > op || out_len - op < len)
            return hb_err_set(err, HB_ECORRUPT, "snappy: copy (offset %zu, length %zu) out of range at byte %zu", off,
                              len, (size_t)(ip - src));
        if (off >= len) {
            memcpy(out + op, out + op - off, len);
        } else {
            for (size_t i = 0; i < len; i++)
                out[op + i] = out[op - off + i];
        }
        op += len;
    }
    if (op != out_len)
        return hb_err_set(err, HB_ECORRUPT, "snappy: decompressed to %zu bytes, the page header says %zu", op, out_len);
    return 0;
}

int hb_pq_gzip_decompress(const uint8_t *src, size_t n, uint8_t *out, size_t out_len, hb_err *err)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 15 + 32) != Z_OK)   /* gzip or zlib header */
        return hb_err_set(err, HB_ENOMEM, "gzip: cannot initialise zlib");
    int rc = 0;
    size_t in_left = n, out_left = out_len;
    const uint8_t *ip = src;
    uint8_t *op = out;
    uint8_t spare;
    for (;;) {
        uInt ci = in_left > 0x40000000u ? 0x40000000u : (uInt)in_left;
        uInt co = out_left > 0x40000000u ? 0x40000000u : (uInt)out_left;
        z.next_in = (Bytef *)ip;
        z.avail_in = ci;
        /* with the output full, offer one spare byte to detect overlong data */
        z.next_out = co ? op : &spare;
        z.avail_out = co ? co : 1;
        int zr = inflate(&z, Z_NO_FLUSH);
        size_t used_in = ci - z.avail_in, made = (co ? co : 1) - z.avail_out;
        ip += used_in;
        in_left -= used_in;
        if (!co && made) {
            rc = hb_err_set(err, HB_ECORRUPT, "gzip: data decompresses past the page header's %zu bytes", out_len);
            break;
        }
        op += made;
        out_left -= made;
        if (zr == Z_STREAM_END) {
            if (out_left)
                rc = hb_err_set(err, HB_ECORRUPT, "gzip: decompressed to %zu bytes, the page header says %zu",
                                out_len - out_left, out_len);
            break;
        }
        if (zr != Z_OK || (!used_in && !made)) {
            rc = hb_err_set(err, HB_ECORRUPT, "gzip: %s", z.msg ? z.msg : "truncated or corrupt data");
            break;
        }
    }
    inflateEnd(&z);
    return rc;
}
