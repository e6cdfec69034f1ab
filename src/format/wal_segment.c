/* WAL segment format.
 *
 * A WAL is a directory of segment files (naming and rotation: see
 * adapters/wal_file.c). All integers are little-endian. A segment is a
 * 32-byte header followed by zero or more records, back to back, up to the
 * end of the file. There is no trailer and no padding: writers only append.
 *
 * Segment header (32 bytes)
 *   offset size  field
 *   0      8     magic, ASCII "HBYTEWAL"
 *   8      4     format version, u32 = 1 (a larger version is refused: HB_EUNSUPP)
 *   12     4     flags, u32: bit 0 = SEQ_GAP (below); other bits reserved,
 *                must be 0 (a reader refuses unknown bits: HB_EUNSUPP)
 *   16     8     first_seq, u64 >= 1: sequence number of the first record of
 *                this segment. Valid even when the segment holds no records,
 *                which is how the next sequence number survives a restart.
 *   24     4     reserved, u32 = 0
 *   28     4     header CRC: crc32c over bytes 0..27
 *
 * SEQ_GAP: the segment before this one ends before first_seq - 1. Set only
 * by recovery, on an empty newest segment, when a crash (power loss) took
 * the unsynced tail of the previous segment with it after the rotation
 * had created this one: those sequence numbers were handed out (maybe
 * seen by readers of the memtable), so they are never reused.
 *
 * Record (16-byte header + payload), the first one at offset 32
 *   offset size  field
 *   0      4     len: payload length in bytes, u32, 0 .. 2^30
 *   4      4     crc: crc32c over bytes 8 .. 16+len (seq, then payload)
 *   8      8     seq: u64, first_seq for the first record, then +1 per record
 *   16     len   payload: opaque bytes
 *
 * CRC-32C is the Castagnoli polynomial with the usual pre/post inversion
 * (base/crc32c.h). The length is not under the CRC: a damaged length makes
 * the CRC cover the wrong bytes and fail.
 *
 * Reading. A reader walks the records from offset 32. At each offset it
 * stops on the first record that is incomplete (fewer than 16 bytes left,
 * or len running past the end), has len > 2^30, or fails its CRC. It then
 * looks for any valid record later in the file: a 16-byte header at any
 * byte offset whose seq is plausible (>= the expected seq and no further
 * ahead than one record per 16 bytes remaining), whose len fits, and whose
 * CRC matches. None found: the bad record is a torn tail (an interrupted
 * append, with only zeros or garbage after it to the end of the file) and
 * the segment's clean length is the bad record's offset. One found: the
 * segment is corrupt in the middle, and both offsets are reported. A
 * record whose CRC is valid but whose seq is not the expected one is
 * always corruption (appends never produce it). */
#include "format/wal_segment.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/crc32c.h"

#define READ_CHUNK  (1u << 20)   /* window refill size for fd sources */
#define RESYNC_CHUNK (64u << 10) /* scratch size while searching past a bad record */
#define CRC32C_POLY_REFLECTED 0x82F63B78u

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p) { return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32; }

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static void put_u64(uint8_t *p, uint64_t v)
{
    put_u32(p, (uint32_t)v);
    put_u32(p + 4, (uint32_t)(v >> 32));
}

/* ---- CRC combination ---------------------------------------------------
 * In the reflected representation a 32-bit value is a polynomial of degree
 * < 32 with bit 31 holding the x^0 coefficient and bit 0 holding x^31.
 * Running the CRC register over n zero bytes multiplies it by x^(8n) mod P,
 * and crc(A || B) = crc(A) * x^(8|B|) mod P  xor  crc(B), with the usual
 * pre/post inversion cancelling out. */

static uint32_t gf2_mulmod(uint32_t a, uint32_t b)
{
    uint32_t prod = 0;
    for (int k = 0; k < 32 && a; k++) {
        uint32_t bit = 0x80000000u >> k;   /* coefficient of x^k in a */
        if (a & bit) {
            prod ^= b;
            a &= ~bit;
        }
        b = (b & 1) ? (b >> 1) ^ CRC32C_POLY_REFLECTED : b >> 1;   /* b *= x */
    }
    return prod;
}

/* x^(8n) mod P */
static uint32_t gf2_x8n(uint64_t n)
{
    uint32_t result = 0x80000000u;   /* x^0 */
    uint32_t base = 0x80000000u >> 8; /* x^8 */
    while (n) {
        if (n & 1)
            result = gf2_mulmod(result, base);
        base = gf2_mulmod(base, base);
        n >>= 1;
    }
    return result;
}

uint32_t hb_wal_rec_crc(uint64_t seq, const void *data, size_t len)
{
    uint8_t s[8];
    put_u64(s, seq);
    uint32_t c = hb_crc32c(0, s, 8);
    return hb_crc32c(c, data, len);
}

void hb_wal_rec_prepare(hb_wal_rec_pre *pre, const void *data, size_t len)
{
    pre->len = (uint32_t)len;
    pre->payload_crc = hb_crc32c(0, data, len);
    pre->shift = gf2_x8n(len);
}

void hb_wal_rec_header(uint8_t out[HB_WAL_REC_HDR_SIZE], uint64_t seq, const hb_wal_rec_pre *pre)
{
    put_u64(out + 8, seq);
    uint32_t seq_crc = hb_crc32c(0, out + 8, 8);
    put_u32(out, pre->len);
    put_u32(out + 4, gf2_mulmod(seq_crc, pre->shift) ^ pre->payload_crc);
}

int hb_wal_rec_encode(hb_buf *out, uint64_t seq, const void *data, size_t len)
{
    if (len > HB_WAL_REC_MAX_LEN)
        return HB_ELIMIT;
    uint8_t h[HB_WAL_REC_HDR_SIZE];
    put_u32(h, (uint32_t)len);
    put_u32(h + 4, hb_wal_rec_crc(seq, data, len));
    put_u64(h + 8, seq);
    int rc = hb_buf_reserve(out, sizeof h + len);
    if (rc)
        return rc;
    hb_buf_append(out, h, sizeof h);
    return hb_buf_append(out, data, len);
}

/* ---- header ------------------------------------------------------------ */

void hb_wal_seg_header_encode(uint8_t out[HB_WAL_SEG_HDR_SIZE], uint64_t first_seq, uint32_t flags)
{
    memset(out, 0, HB_WAL_SEG_HDR_SIZE);
    memcpy(out, HB_WAL_SEG_MAGIC, 8);
    put_u32(out + 8, HB_WAL_SEG_VERSION);
    put_u32(out + 12, flags);
    put_u64(out + 16, first_seq);
    put_u32(out + 24, 0);
    put_u32(out + 28, hb_crc32c(0, out, 28));
}

int hb_wal_seg_header_decode(const void *p, size_t n, uint64_t *first_seq, uint32_t *flags, const char *name,
                             hb_err *err)
{
    const uint8_t *h = p;
    if (n < HB_WAL_SEG_HDR_SIZE)
        return hb_err_set(err, HB_ECORRUPT, "WAL segment %s: file is %zu bytes, shorter than its %u-byte header",
                          name, n, HB_WAL_SEG_HDR_SIZE);
    if (memcmp(h, HB_WAL_SEG_MAGIC, 8) != 0)
        return hb_err_set(err, HB_ECORRUPT, "WAL segment %s: bad magic at offset 0 (not a HyperbyteDB WAL segment)",
                          name);
    if (get_u32(h + 28) != hb_crc32c(0, h, 28))
        return hb_err_set(err, HB_ECORRUPT, "WAL segment %s: header checksum mismatch at offset 28", name);
    uint32_t version = get_u32(h + 8);
    if (version != HB_WAL_SEG_VERSION)
        return hb_err_set(err, HB_EUNSUPP, "WAL segment %s: format version %" PRIu32 " at offset 8 is not supported "
                          "(this build reads version %u)", name, version, HB_WAL_SEG_VERSION);
    uint32_t fl = get_u32(h + 12);
    if ((fl & ~HB_WAL_SEG_FLAG_SEQ_GAP) != 0 || get_u32(h + 24) != 0)
        return hb_err_set(err, HB_EUNSUPP, "WAL segment %s: unknown header flags 0x%" PRIx32 " at offset 12", name,
                          fl);
    uint64_t fs = get_u64(h + 16);
    if (fs == 0)
        return hb_err_set(err, HB_ECORRUPT, "WAL segment %s: first sequence number 0 at offset 16", name);
    *first_seq = fs;
    if (flags)
        *flags = fl;
    return HB_OK;
}

/* ---- reader ------------------------------------------------------------ */

const char *hb_wal_scan_status_name(hb_wal_scan_status s)
{
    switch (s) {
    case HB_WAL_SCAN_CLEAN: return "clean";
    case HB_WAL_SCAN_TORN: return "torn tail";
    case HB_WAL_SCAN_CORRUPT: return "corrupt";
    }
    return "?";
}

static int pread_full(int fd, void *buf, size_t n, uint64_t off, const char *name, hb_err *err)
{
    uint8_t *p = buf;
    while (n) {
        ssize_t k = pread(fd, p, n, (off_t)off);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return hb_err_set(err, HB_EIO, "WAL segment %s: read at offset %" PRIu64 ": %s", name, off,
                              strerror(errno));
        }
        if (k == 0)
            return hb_err_set(err, HB_EIO, "WAL segment %s: unexpected end of file at offset %" PRIu64
                              " (file shrank while being read)", name, off);
        p += k;
        off += (uint64_t)k;
        n -= (size_t)k;
    }
    return HB_OK;
}

/* Make [off, off+n) readable; off+n <= r->size. Sets *out to the bytes. */
static int win_get(hb_wal_seg_reader *r, uint64_t off, size_t n, const uint8_t **out, hb_err *err)
{
    if (r->fd < 0) {
        *out = r->mem + off;
        return HB_OK;
    }
    if (off >= r->win_off && off + n <= r->win_off + r->win_len) {
        *out = r->win + (off - r->win_off);
        return HB_OK;
    }
    size_t keep = 0;
    if (r->win && off >= r->win_off && off < r->win_off + r->win_len) {
        keep = (size_t)(r->win_off + r->win_len - off);
        memmove(r->win, r->win + (off - r->win_off), keep);
    }
    size_t want = n > READ_CHUNK ? n + READ_CHUNK / 4 : READ_CHUNK;
    if (r->win_cap < want) {
        uint8_t *nw = realloc(r->win, want);
        if (!nw) {
            r->win_len = 0;
            return hb_err_set(err, HB_ENOMEM, "WAL segment %s: no memory for a %zu-byte record buffer", r->name, want);
        }
        r->win = nw;
        r->win_cap = want;
    }
    uint64_t avail = r->size - (off + keep);
    size_t rd = r->win_cap - keep;
    if ((uint64_t)rd > avail)
        rd = (size_t)avail;
    r->win_off = off;
    r->win_len = keep;
    int rc = pread_full(r->fd, r->win + keep, rd, off + keep, r->name, err);
    if (rc) {
        r->win_len = 0;
        return rc;
    }
    r->win_len = keep + rd;
    *out = r->win;
    return HB_OK;
}

/* Copy-free access for the resync search: src bytes [off, off+n) either
 * directly from memory or read into scratch. */
static int src_bytes(hb_wal_seg_reader *r, uint64_t off, size_t n, uint8_t *scratch, const uint8_t **out, hb_err *err)
{
    if (r->fd < 0) {
        *out = r->mem + off;
        return HB_OK;
    }
    *out = scratch;
    return pread_full(r->fd, scratch, n, off, r->name, err);
}

/* Does a valid record start at p (header bytes h)? */
static int valid_at(hb_wal_seg_reader *r, uint64_t p, const uint8_t *h, uint64_t lo_seq, uint64_t hi_seq,
                    uint8_t *scratch, int *found, hb_err *err)
{
    *found = 0;
    uint64_t seq = get_u64(h + 8);
    if (seq < lo_seq || seq > hi_seq)
        return HB_OK;
    uint32_t len = get_u32(h);
    if (len > HB_WAL_REC_MAX_LEN || (uint64_t)len > r->size - p - HB_WAL_REC_HDR_SIZE)
        return HB_OK;
    uint32_t c = hb_crc32c(0, h + 8, 8);
    uint64_t off = p + HB_WAL_REC_HDR_SIZE, left = len;
    while (left) {
        size_t k = left > RESYNC_CHUNK ? RESYNC_CHUNK : (size_t)left;
        const uint8_t *b;
        int rc = src_bytes(r, off, k, scratch, &b, err);
        if (rc)
            return rc;
        c = hb_crc32c(c, b, k);
        off += k;
        left -= k;
    }
    *found = c == get_u32(h + 4);
    return HB_OK;
}

/* Search (from, size) for any valid record; *at = its offset or UINT64_MAX. */
static int find_valid_after(hb_wal_seg_reader *r, uint64_t from, uint64_t *at, hb_err *err)
{
    *at = UINT64_MAX;
    uint64_t lo_seq = r->res.next_seq;
    uint64_t hi_seq = lo_seq + (r->size - from) / HB_WAL_REC_HDR_SIZE + 1;
    uint8_t *hdrs = NULL, *scratch = NULL;
    int rc = HB_OK;
    if (r->fd >= 0) {
        hdrs = malloc(RESYNC_CHUNK + HB_WAL_REC_HDR_SIZE);
        scratch = malloc(RESYNC_CHUNK);
        if (!hdrs || !scratch) {
            rc = hb_err_set(err, HB_ENOMEM, "WAL segment %s: no memory to scan past a bad record", r->name);
            goto out;
        }
    }
    for (uint64_t base = from; base + HB_WAL_REC_HDR_SIZE <= r->size; base += RESYNC_CHUNK) {
        /* candidates p in [base, base+RESYNC_CHUNK) with p+16 <= size */
        uint64_t span = r->size - base;
        if (span > RESYNC_CHUNK + HB_WAL_REC_HDR_SIZE - 1)
            span = RESYNC_CHUNK + HB_WAL_REC_HDR_SIZE - 1;
        const uint8_t *b;
        rc = src_bytes(r, base, (size_t)span, hdrs, &b, err);
        if (rc)
            goto out;
        for (uint64_t i = 0; i + HB_WAL_REC_HDR_SIZE <= span; i++) {
            int found;
            rc = valid_at(r, base + i, b + i, lo_seq, hi_seq, scratch, &found, err);
            if (rc)
                goto out;
            if (found) {
                *at = base + i;
                goto out;
            }
        }
    }
out:
    free(hdrs);
    free(scratch);
    return rc;
}

/* Stop at the bad record at r->pos and classify it. */
static int stop_bad(hb_wal_seg_reader *r, const char *reason, hb_err *err)
{
    r->done = 1;
    r->res.bad_off = r->pos;
    snprintf(r->res.reason, sizeof r->res.reason, "%s", reason);
    uint64_t at;
    int rc = find_valid_after(r, r->pos + 1, &at, err);
    if (rc)
        return rc;
    if (at == UINT64_MAX) {
        r->res.status = HB_WAL_SCAN_TORN;
    } else {
        r->res.status = HB_WAL_SCAN_CORRUPT;
        r->res.next_valid_off = at;
    }
    return 0;
}

static int reader_init(hb_wal_seg_reader *r, int fd, const void *mem, uint64_t size, const char *name, hb_err *err)
{
    memset(r, 0, sizeof *r);
    r->name = name ? name : "(buffer)";
    r->fd = fd;
    r->mem = mem;
    r->size = size;
    uint8_t h[HB_WAL_SEG_HDR_SIZE] = { 0 };
    const uint8_t *hp;
    if (size < HB_WAL_SEG_HDR_SIZE)
        return hb_wal_seg_header_decode(h, (size_t)size, &r->res.first_seq, NULL, r->name, err);
    if (fd >= 0) {
        int rc = pread_full(fd, h, sizeof h, 0, r->name, err);
        if (rc)
            return rc;
        hp = h;
    } else {
        hp = mem;
    }
    int rc = hb_wal_seg_header_decode(hp, HB_WAL_SEG_HDR_SIZE, &r->res.first_seq, &r->res.flags, r->name, err);
    if (rc)
        return rc;
    r->res.next_seq = r->res.first_seq;
    r->res.end_off = r->pos = HB_WAL_SEG_HDR_SIZE;
    r->res.status = HB_WAL_SCAN_CLEAN;
    return HB_OK;
}

int hb_wal_seg_reader_open_fd(hb_wal_seg_reader *r, int fd, uint64_t size, const char *name, hb_err *err)
{
    return reader_init(r, fd, NULL, size, name, err);
}

int hb_wal_seg_reader_open_mem(hb_wal_seg_reader *r, const void *buf, size_t n, const char *name, hb_err *err)
{
    return reader_init(r, -1, buf, n, name, err);
}

int hb_wal_seg_reader_next(hb_wal_seg_reader *r, uint64_t *seq, const void **data, size_t *len, hb_err *err)
{
    if (r->done)
        return 0;
    if (r->pos == r->size) {
        r->done = 1;
        return 0;
    }
    if (r->size - r->pos < HB_WAL_REC_HDR_SIZE)
        return stop_bad(r, "incomplete record header", err);
    const uint8_t *h;
    int rc = win_get(r, r->pos, HB_WAL_REC_HDR_SIZE, &h, err);
    if (rc)
        return rc;
    uint32_t n = get_u32(h);
    uint32_t crc = get_u32(h + 4);
    uint64_t s = get_u64(h + 8);
    if (n > HB_WAL_REC_MAX_LEN)
        return stop_bad(r, "record length exceeds the format maximum", err);
    if ((uint64_t)n > r->size - r->pos - HB_WAL_REC_HDR_SIZE)
        return stop_bad(r, "incomplete record (length runs past the end of the file)", err);
    const uint8_t *rec;
    rc = win_get(r, r->pos, HB_WAL_REC_HDR_SIZE + (size_t)n, &rec, err);
    if (rc)
        return rc;
    if (hb_wal_rec_crc(s, rec + HB_WAL_REC_HDR_SIZE, n) != crc)
        return stop_bad(r, "record checksum mismatch", err);
    if (s != r->res.next_seq) {
        r->done = 1;
        r->res.status = HB_WAL_SCAN_CORRUPT;
        r->res.bad_off = r->res.next_valid_off = r->pos;
        snprintf(r->res.reason, sizeof r->res.reason, "sequence number %" PRIu64 " where %" PRIu64 " was expected",
                 s, r->res.next_seq);
        return 0;
    }
    r->pos += HB_WAL_REC_HDR_SIZE + (uint64_t)n;
    r->res.next_seq++;
    r->res.records++;
    r->res.end_off = r->pos;
    *seq = s;
    *data = rec + HB_WAL_REC_HDR_SIZE;
    *len = n;
    return 1;
}

const hb_wal_scan_result *hb_wal_seg_reader_result(const hb_wal_seg_reader *r) { return &r->res; }

void hb_wal_seg_reader_close(hb_wal_seg_reader *r)
{
    free(r->win);
    r->win = NULL;
    r->win_cap = r->win_len = 0;
}

static int scan(hb_wal_seg_reader *r, int open_rc, hb_wal_seg_scan_fn fn, void *ctx, hb_wal_scan_result *res,
                hb_err *err)
{
    int rc = open_rc;
    if (rc)
        goto out;
    for (;;) {
        uint64_t seq;
        const void *data;
        size_t len;
        rc = hb_wal_seg_reader_next(r, &seq, &data, &len, err);
        if (rc <= 0)
            break;
        if (fn && (rc = fn(ctx, seq, data, len, err)) != 0)
            break;
        rc = 0;
    }
out:
    if (res)
        *res = r->res;
    hb_wal_seg_reader_close(r);
    return rc;
}

int hb_wal_seg_scan_buf(const void *buf, size_t n, const char *name, hb_wal_seg_scan_fn fn, void *ctx,
                        hb_wal_scan_result *res, hb_err *err)
{
    hb_wal_seg_reader r;
    int rc = hb_wal_seg_reader_open_mem(&r, buf, n, name, err);
    return scan(&r, rc, fn, ctx, res, err);
}

int hb_wal_seg_scan_fd(int fd, uint64_t size, const char *name, hb_wal_seg_scan_fn fn, void *ctx,
                       hb_wal_scan_result *res, hb_err *err)
{
    hb_wal_seg_reader r;
    int rc = hb_wal_seg_reader_open_fd(&r, fd, size, name, err);
    return scan(&r, rc, fn, ctx, res, err);
}
