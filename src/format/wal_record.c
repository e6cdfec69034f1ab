/* WAL record payload: one accepted write request.
 *
 * The WAL segment framing (length, CRC32C, sequence number) is in
 * wal_segment.c; this is what the framed payload holds. All integers are
 * unsigned LEB128 varints ("uv") unless stated; "zz" is a zigzag varint.
 *
 *   u8      version                  = 1
 *   uv+b    database name            (uv length, then bytes)
 *   uv+b    retention policy name
 *   uv      nseries
 *   nseries x series:
 *     uv+b  series key               canonical, escaped ("cpu,host=a")
 *     uv+b  measurement              unescaped
 *     uv    ntags
 *     ntags x (uv+b key, uv+b value) unescaped, sorted by key
 *   uv      nkeys                    field-key dictionary
 *   nkeys x uv+b field key
 *   uv      npoints
 *   npoints x point:
 *     uv    series index             into the series table above
 *     zz    time delta               ns, from the previous point's time (first: from 0)
 *     uv    nfields
 *     nfields x field:
 *       uv  key index                into the field-key dictionary
 *       u8  type                     hb_ftype: 0 float, 1 integer, 2 unsigned, 3 string, 4 boolean
 *       value: float = 8 bytes IEEE-754 LE; integer = zz; unsigned = uv;
 *              string = uv+b; boolean = u8 0/1
 *
 * Series and field keys are stored once per record: a 10,000-point batch of
 * 100 series costs 100 series entries, not 10,000. */
#include "format/wal_record.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/hashmap.h"

#define WAL_RECORD_VERSION 1

static int put_str(hb_buf *b, const char *p, size_t n)
{
    int rc = hb_buf_put_uvarint(b, n);
    return rc ? rc : hb_buf_append(b, p, n);
}

static int put_zz(hb_buf *b, int64_t v)
{
    return hb_buf_put_uvarint(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

int hb_wal_record_encode(hb_buf *out, const char *db, const char *rp, const hb_point *pts, size_t n, hb_err *err)
{
    int rc = HB_OK;
    hb_u64map series;   /* series id -> table position + 1 */
    hb_strmap keys;     /* field key -> dictionary position + 1 */
    hb_u64map_init(&series);
    hb_strmap_init(&keys);
    const hb_slice **key_list = NULL;  /* the dictionary, in first-seen order */
    size_t nkeys = 0, key_cap = 0, nseries = 0;
    hb_buf ser, pts_buf;
    hb_buf_init(&ser, 0);
    hb_buf_init(&pts_buf, 0);

    /* series table, built in a side buffer because its count comes first */
    rc = hb_buf_put_uvarint(&pts_buf, n);
    for (size_t i = 0; !rc && i < n; i++) {
        const hb_point *p = &pts[i];
        if (!p->series_id) {
            rc = hb_err_set(err, HB_EINVAL, "encoding WAL record: point %zu has no series id", i);
            goto out;
        }
        uintptr_t pos = (uintptr_t)hb_u64map_get(&series, p->series_id);
        if (!pos) {
            pos = ++nseries;
            rc = hb_u64map_put(&series, p->series_id, (void *)pos);
            rc = rc ? rc : put_str(&ser, p->series_key.p, p->series_key.n);
            rc = rc ? rc : put_str(&ser, p->measurement.p, p->measurement.n);
            rc = rc ? rc : hb_buf_put_uvarint(&ser, p->ntags);
            for (uint32_t t = 0; !rc && t < p->ntags; t++) {
                rc = put_str(&ser, p->tags[t].key.p, p->tags[t].key.n);
                rc = rc ? rc : put_str(&ser, p->tags[t].val.p, p->tags[t].val.n);
            }
        }
        /* the point, collecting the field-key dictionary on the way */
        rc = rc ? rc : hb_buf_put_uvarint(&pts_buf, pos - 1);
        rc = rc ? rc : put_zz(&pts_buf, (int64_t)((uint64_t)p->time - (uint64_t)(i ? pts[i - 1].time : 0)));
        rc = rc ? rc : hb_buf_put_uvarint(&pts_buf, p->nfields);
        for (uint32_t f = 0; !rc && f < p->nfields; f++) {
            const hb_field *fl = &p->fields[f];
            uintptr_t kpos = (uintptr_t)hb_strmap_get(&keys, fl->key.p, fl->key.n);
            if (!kpos) {
                if (nkeys == key_cap) {
                    key_cap = key_cap ? key_cap * 2 : 32;
                    const hb_slice **nl = realloc(key_list, key_cap * sizeof *nl);
                    if (!nl) {
                        rc = HB_ENOMEM;
                        break;
                    }
                    key_list = nl;
                }
                key_list[nkeys] = &fl->key;
                kpos = ++nkeys;
                if ((rc = hb_strmap_put(&keys, fl->key.p, fl->key.n, (void *)kpos)))
                    break;
            }
            rc = hb_buf_put_uvarint(&pts_buf, kpos - 1);
            rc = rc ? rc : hb_buf_put_u8(&pts_buf, (uint8_t)fl->type);
            if (rc)
                break;
            switch (fl->type) {
            case HB_FT_FLOAT: {
                uint64_t bits;
                memcpy(&bits, &fl->v.f, 8);
                rc = hb_buf_put_u64le(&pts_buf, bits);
                break;
            }
            case HB_FT_INTEGER: rc = put_zz(&pts_buf, fl->v.i); break;
            case HB_FT_UNSIGNED: rc = hb_buf_put_uvarint(&pts_buf, fl->v.u); break;
            case HB_FT_STRING: rc = put_str(&pts_buf, fl->v.s.p, fl->v.s.n); break;
            case HB_FT_BOOLEAN: rc = hb_buf_put_u8(&pts_buf, fl->v.b ? 1 : 0); break;
            }
        }
    }
    rc = rc ? rc : hb_buf_put_u8(out, WAL_RECORD_VERSION);
    rc = rc ? rc : put_str(out, db, strlen(db));
    rc = rc ? rc : put_str(out, rp, strlen(rp));
    rc = rc ? rc : hb_buf_put_uvarint(out, nseries);
    rc = rc ? rc : hb_buf_append(out, ser.data, ser.len);
    rc = rc ? rc : hb_buf_put_uvarint(out, nkeys);
    for (size_t k = 0; !rc && k < nkeys; k++)
        rc = put_str(out, key_list[k]->p, key_list[k]->n);
    rc = rc ? rc : hb_buf_append(out, pts_buf.data, pts_buf.len);
    if (rc)
        hb_err_set(err, rc, "encoding WAL record: %s", hb_strerror(rc));
out:
    hb_u64map_free(&series);
    hb_strmap_free(&keys);
    free(key_list);
    hb_buf_free(&ser);
    hb_buf_free(&pts_buf);
    return rc;
}

/* ---- decoding ---- */
typedef struct {
    const unsigned char *p, *end, *start;
    int bad;
} reader;

static uint64_t rd_uv(reader *r)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) {
            r->bad = 1;
            return 0;
        }
        unsigned char c = *r->p++;
        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80))
            return v;
    }
    r->bad = 1;
    return 0;
}

static int64_t rd_zz(reader *r)
{
    uint64_t u = rd_uv(r);
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

static hb_slice rd_str(reader *r)
{
    hb_slice s = { "", 0 };
    uint64_t n = rd_uv(r);
    if (r->bad || n > (uint64_t)(r->end - r->p)) {
        r->bad = 1;
        return s;
    }
    s.p = (const char *)r->p;
    s.n = (size_t)n;
    r->p += n;
    return s;
}

typedef struct {
    hb_slice key, meas;
    hb_tag *tags;
    uint32_t ntags;
} dec_series;

int hb_wal_record_decode(const void *data, size_t len, hb_arena *arena, hb_wal_batch *out, hb_err *err)
{
    reader r = { data, (const unsigned char *)data + len, data, 0 };
    memset(out, 0, sizeof *out);
    if (len < 1 || *r.p != WAL_RECORD_VERSION)
        return hb_err_set(err, HB_ECORRUPT, "WAL record: unknown version %d", len ? *r.p : -1);
    r.p++;
    out->db = rd_str(&r);
    out->rp = rd_str(&r);
    uint64_t nseries = rd_uv(&r);
    if (r.bad || nseries > len)
        goto corrupt;
    dec_series *ser = hb_arena_alloc(arena, (nseries ? nseries : 1) * sizeof *ser);
    if (!ser)
        goto oom;
    for (uint64_t i = 0; i < nseries; i++) {
        ser[i].key = rd_str(&r);
        ser[i].meas = rd_str(&r);
        uint64_t nt = rd_uv(&r);
        if (r.bad || nt > len)
            goto corrupt;
        ser[i].ntags = (uint32_t)nt;
        ser[i].tags = hb_arena_alloc(arena, (nt ? nt : 1) * sizeof(hb_tag));
        if (!ser[i].tags)
            goto oom;
        for (uint64_t t = 0; t < nt; t++) {
            ser[i].tags[t].key = rd_str(&r);
            ser[i].tags[t].val = rd_str(&r);
        }
        if (r.bad)
            goto corrupt;
    }
    uint64_t nkeys = rd_uv(&r);
    if (r.bad || nkeys > len)
        goto corrupt;
    hb_slice *keys = hb_arena_alloc(arena, (nkeys ? nkeys : 1) * sizeof *keys);
    if (!keys)
        goto oom;
    for (uint64_t k = 0; k < nkeys; k++)
        keys[k] = rd_str(&r);
    uint64_t npts = rd_uv(&r);
    if (r.bad || npts > len)
        goto corrupt;
    hb_point *pts = hb_arena_alloc(arena, (npts ? npts : 1) * sizeof *pts);
    if (!pts)
        goto oom;
    int64_t prev = 0;
    for (uint64_t i = 0; i < npts; i++) {
        hb_point *p = &pts[i];
        uint64_t si = rd_uv(&r);
        if (r.bad || si >= nseries)
            goto corrupt;
        p->series_key = ser[si].key;
        p->measurement = ser[si].meas;
        p->tags = ser[si].tags;
        p->ntags = ser[si].ntags;
        p->series_id = 0;
        prev = (int64_t)((uint64_t)prev + (uint64_t)rd_zz(&r));
        p->time = prev;
        uint64_t nf = rd_uv(&r);
        if (r.bad || nf == 0 || nf > len)
            goto corrupt;
        p->nfields = (uint32_t)nf;
        p->fields = hb_arena_alloc(arena, nf * sizeof(hb_field));
        if (!p->fields)
            goto oom;
        for (uint64_t f = 0; f < nf; f++) {
            hb_field *fl = &p->fields[f];
            uint64_t ki = rd_uv(&r);
            if (r.bad || ki >= nkeys || r.p >= r.end)
                goto corrupt;
            fl->key = keys[ki];
            uint8_t t = *r.p++;
            fl->type = (hb_ftype)t;
            switch (t) {
            case HB_FT_FLOAT: {
                if (r.end - r.p < 8)
                    goto corrupt;
                uint64_t bits = 0;
                for (int b = 0; b < 8; b++)
                    bits |= (uint64_t)r.p[b] << (8 * b);
                r.p += 8;
                memcpy(&fl->v.f, &bits, 8);
                break;
            }
            case HB_FT_INTEGER: fl->v.i = rd_zz(&r); break;
            case HB_FT_UNSIGNED: fl->v.u = rd_uv(&r); break;
            case HB_FT_STRING: fl->v.s = rd_str(&r); break;
            case HB_FT_BOOLEAN:
                if (r.p >= r.end || *r.p > 1)
                    goto corrupt;
                fl->v.b = *r.p++;
                break;
            default: goto corrupt;
            }
            if (r.bad)
                goto corrupt;
        }
    }
    if (r.p != r.end)
        goto corrupt;
    out->points = pts;
    out->npoints = (size_t)npts;
    return HB_OK;
corrupt:
    return hb_err_set(err, HB_ECORRUPT, "WAL record: malformed payload at byte %zu of %zu",
                      (size_t)(r.p - r.start), len);
oom:
    return hb_err_set(err, HB_ENOMEM, "WAL record: out of memory decoding %zu bytes", len);
}
