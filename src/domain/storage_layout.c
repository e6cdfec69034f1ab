#include "domain/storage_layout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/fmt.h"

/* floor(t / HB_HOUR_NS) */
static int64_t hour_number(int64_t t)
{
    int64_t q = t / HB_HOUR_NS;
    return t % HB_HOUR_NS < 0 ? q - 1 : q;
}

/* The first hour bucket starts before the smallest int64 time (1677-09-21
 * 00:12:43): its start is clamped to INT64_MIN. */
static int64_t hour_start(int64_t hour)
{
    return hour < INT64_MIN / HB_HOUR_NS ? INT64_MIN : hour * HB_HOUR_NS;
}

int64_t hb_layout_hour(int64_t t) { return hour_start(hour_number(t)); }

static int safe(unsigned char c, int first)
{
    if (c == '.')
        return !first;
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

int hb_layout_escape(hb_buf *b, const char *name, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc = HB_OK;
    if (n == 0)
        return hb_buf_puts(b, "%");  /* an empty name still needs a segment; "%" alone decodes to "" */
    for (size_t i = 0; i < n && !rc; i++) {
        unsigned char c = (unsigned char)name[i];
        if (safe(c, i == 0)) {
            rc = hb_buf_putc(b, (char)c);
        } else {
            char e[3] = { '%', hex[c >> 4], hex[c & 15] };
            rc = hb_buf_append(b, e, 3);
        }
    }
    return rc;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int hb_layout_unescape(const char *seg, size_t n, hb_buf *out)
{
    if (n == 1 && seg[0] == '%')
        return HB_OK;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)seg[i];
        if (c == '%') {
            if (i + 2 >= n)
                return HB_EINVAL;
            int h = hexval(seg[i + 1]), l = hexval(seg[i + 2]);
            if (h < 0 || l < 0)
                return HB_EINVAL;
            if (hb_buf_putc(out, (char)(h * 16 + l)))
                return HB_ENOMEM;
            i += 2;
        } else if (safe(c, i == 0)) {
            if (hb_buf_putc(out, (char)c))
                return HB_ENOMEM;
        } else {
            return HB_EINVAL;
        }
    }
    return HB_OK;
}

int hb_layout_measurement_prefix(hb_buf *b, const char *db, const char *rp, const char *meas, size_t meas_len)
{
    int rc = hb_layout_escape(b, db, strlen(db));
    rc = rc ? rc : hb_buf_putc(b, '/');
    rc = rc ? rc : hb_layout_escape(b, rp, strlen(rp));
    rc = rc ? rc : hb_buf_putc(b, '/');
    rc = rc ? rc : hb_layout_escape(b, meas, meas_len);
    return rc ? rc : hb_buf_putc(b, '/');
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

int hb_layout_file_key(hb_buf *b, const char *db, const char *rp, const char *meas, size_t meas_len, int64_t hour_ns,
                       uint64_t id)
{
    int rc = hb_layout_measurement_prefix(b, db, rp, meas, meas_len);
    if (rc)
        return rc;
    int64_t hours = hour_number(hour_ns);
    int64_t day = hours / 24, hh = hours % 24;
    if (hh < 0) {
        hh += 24;
        day--;
    }
    int64_t y;
    unsigned m, d;
    hb_civil_from_days(day, &y, &m, &d);
    rc = hb_buf_printf(b, "%04lld-%02u-%02u/%02lld", (long long)y, m, d, (long long)hh);
    if (!rc && id)
        rc = hb_buf_printf(b, "_%llu", (unsigned long long)id);
    return rc ? rc : hb_buf_puts(b, ".parquet");
}

void hb_layout_parsed_free(hb_layout_parsed *p)
{
    hb_buf_free(&p->db);
    hb_buf_free(&p->rp);
    hb_buf_free(&p->measurement);
}

int hb_layout_parse_key(const char *key, hb_layout_parsed *out, hb_err *err)
{
    hb_buf_init(&out->db, 0);
    hb_buf_init(&out->rp, 0);
    hb_buf_init(&out->measurement, 0);
    out->hour_ns = 0;
    out->id = 0;
    const char *seg[5];
    size_t len[5];
    const char *p = key;
    for (int i = 0; i < 5; i++) {
        const char *slash = strchr(p, '/');
        if ((i < 4) != (slash != NULL))
            goto bad;
        seg[i] = p;
        len[i] = slash ? (size_t)(slash - p) : strlen(p);
        p = slash ? slash + 1 : p;
    }
    if (hb_layout_unescape(seg[0], len[0], &out->db) || hb_layout_unescape(seg[1], len[1], &out->rp) ||
        hb_layout_unescape(seg[2], len[2], &out->measurement))
        goto bad;
    long long y;
    unsigned m, d, hh;
    int n = 0;
    char date[32];
    if (len[3] >= sizeof date)
        goto bad;
    memcpy(date, seg[3], len[3]);
    date[len[3]] = '\0';
    if (sscanf(date, "%lld-%2u-%2u%n", &y, &m, &d, &n) != 3 || (size_t)n != len[3] || m < 1 || m > 12 || d < 1 ||
        d > 31 || y < 1677 || y > 2262)  /* the years int64 nanoseconds can reach */
        goto bad;
    char file[64];
    if (len[4] >= sizeof file)
        goto bad;
    memcpy(file, seg[4], len[4]);
    file[len[4]] = '\0';
    unsigned long long id = 0;
    if (sscanf(file, "%2u.parquet%n", &hh, &n) == 1 && (size_t)n == len[4] && len[4] == 10) {
        id = 0;
    } else if (sscanf(file, "%2u_%llu.parquet%n", &hh, &id, &n) == 2 && (size_t)n == len[4] && id > 0) {
        /* suffixed */
    } else {
        goto bad;
    }
    if (hh > 23)
        goto bad;
    out->hour_ns = hour_start(days_from_civil(y, m, d) * 24 + hh);
    out->id = id;
    return HB_OK;
bad:
    hb_layout_parsed_free(out);
    return hb_err_set(err, HB_EINVAL, "not a data file key: \"%s\"", key);
}
