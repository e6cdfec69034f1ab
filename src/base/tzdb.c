/* TZif reader and zone lookups (see tzdb.h).
 *
 * TZif layout (RFC 8536): a 44-byte header ("TZif", version, 15 reserved
 * bytes, six big-endian 32-bit counts: isutcnt isstdcnt leapcnt timecnt
 * typecnt charcnt), then the data block: timecnt transition times (4
 * bytes each in v1, 8 in the v2+ block), timecnt type indices, typecnt
 * local time types (int32 utoff, uint8 isdst, uint8 abbreviation index),
 * charcnt abbreviation bytes, leap second records (4+4 / 8+4 bytes),
 * isstdcnt and isutcnt indicator bytes. Version 2+ files repeat header
 * and block with 64-bit times and end with "\n<POSIX TZ string>\n".
 *
 * Lookups answer as Go's time.Location does, since influxd's answers come
 * from it: before the first transition the zone of Go's lookupFirstZone,
 * from the last transition on the footer rule when there is one, and the
 * [start, end) range Go reports (time.Date uses it to resolve gaps and
 * overlaps). Leap second records are skipped, as Go skips them. */
#include "base/tzdb.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fmt.h"

#define ALPHA INT64_MIN   /* Go's alpha / omega: the open ends of a zone's range */
#define OMEGA INT64_MAX
#define DAY 86400

typedef struct tz_type {
    int32_t off;        /* seconds east of UTC */
    uint8_t isdst;
} tz_type;

/* One POSIX TZ transition rule: Jn (1..365, no Feb 29), n (0..365) or
 * Mm.w.d, at time seconds of local time (may be negative or > 24h). */
typedef struct tz_rule {
    char kind;          /* 'J', 'N', 'M' */
    int n, mon, week, wday;
    int32_t time;
} tz_rule;

typedef struct tz_posix {
    int valid;
    int has_dst;
    int32_t std_off, dst_off;   /* seconds east of UTC */
    tz_rule start, end;         /* start: std -> dst (in std time); end: dst -> std (in dst time) */
} tz_posix;

struct hb_tz {
    char *name;
    int64_t *when;      /* transitions, strictly ascending */
    uint8_t *idx;       /* type of each transition */
    size_t ntx;
    tz_type *types;
    size_t ntypes;
    size_t first;       /* type before the first transition */
    tz_posix ext;
};

/* ---- POSIX TZ strings (the v2+ footer) ---- */

/* A number of at most 3 digits in [0, max]. */
static int px_num(const char **s, const char *e, int max, int *out)
{
    int v = 0, nd = 0;
    while (*s < e && **s >= '0' && **s <= '9' && nd < 3) {
        v = v * 10 + (**s - '0');
        (*s)++;
        nd++;
    }
    if (!nd || v > max)
        return -1;
    *out = v;
    return 0;
}

/* Zone abbreviation: <...> or at least three letters. Only skipped. */
static int px_name(const char **s, const char *e)
{
    const char *p = *s;
    if (p < e && *p == '<') {
        const char *q = memchr(p, '>', (size_t)(e - p));
        if (!q)
            return -1;
        *s = q + 1;
        return 0;
    }
    while (p < e && (*p < '0' || *p > '9') && *p != ',' && *p != '-' && *p != '+')
        p++;
    if (p - *s < 3)
        return -1;
    *s = p;
    return 0;
}

/* [+-]hh[:mm[:ss]], hours up to 167 (RFC 8536 allows that much for rule
 * times); the value as written (POSIX offsets are west positive). */
static int px_offset(const char **s, const char *e, int32_t *out)
{
    int neg = 0, h, m = 0, sec = 0;
    if (*s < e && (**s == '+' || **s == '-')) {
        neg = **s == '-';
        (*s)++;
    }
    if (px_num(s, e, 167, &h))
        return -1;
    if (*s < e && **s == ':') {
        (*s)++;
        if (px_num(s, e, 59, &m))
            return -1;
        if (*s < e && **s == ':') {
            (*s)++;
            if (px_num(s, e, 59, &sec))
                return -1;
        }
    }
    int32_t v = h * 3600 + m * 60 + sec;
    *out = neg ? -v : v;
    return 0;
}

static int px_rule(const char **s, const char *e, tz_rule *r)
{
    memset(r, 0, sizeof *r);
    if (*s >= e)
        return -1;
    if (**s == 'J') {
        (*s)++;
        r->kind = 'J';
        if (px_num(s, e, 365, &r->n) || r->n < 1)
            return -1;
    } else if (**s == 'M') {
        (*s)++;
        r->kind = 'M';
        if (px_num(s, e, 12, &r->mon) || r->mon < 1 || *s >= e || **s != '.')
            return -1;
        (*s)++;
        if (px_num(s, e, 5, &r->week) || r->week < 1 || *s >= e || **s != '.')
            return -1;
        (*s)++;
        if (px_num(s, e, 6, &r->wday))
            return -1;
    } else {
        r->kind = 'N';
        if (px_num(s, e, 365, &r->n))
            return -1;
    }
    r->time = 2 * 3600;   /* default 02:00 */
    if (*s < e && **s == '/') {
        (*s)++;
        if (px_offset(s, e, &r->time))
            return -1;
    }
    return 0;
}

/* std offset [dst [offset] [,start[/time],end[/time]]]. A string that
 * does not parse leaves the zone without a footer, as Go ignores it. */
static void px_parse(const char *s, const char *e, tz_posix *px)
{
    memset(px, 0, sizeof *px);
    int32_t off;
    if (px_name(&s, e) || px_offset(&s, e, &off))
        return;
    px->std_off = -off;
    if (s == e) {
        px->valid = 1;
        return;
    }
    if (px_name(&s, e))
        return;
    px->dst_off = px->std_off + 3600;
    if (s < e && *s != ',') {
        if (px_offset(&s, e, &off))
            return;
        px->dst_off = -off;
    }
    if (s == e) {
        /* no rules: the US rules of POSIX's default, as Go assumes */
        const char *d = ",M3.2.0,M11.1.0";
        s = d;
        e = d + strlen(d);
    }
    if (*s != ',')
        return;
    s++;
    if (px_rule(&s, e, &px->start) || s >= e || *s != ',')
        return;
    s++;
    if (px_rule(&s, e, &px->end) || s != e)
        return;
    px->has_dst = 1;
    px->valid = 1;
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
    static const int dm[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return dm[m - 1] + (m == 2 && is_leap(y));
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Seconds from the start of year y (UTC) to the instant rule r names,
 * its local time being off seconds east of UTC. */
static int64_t rule_time(int64_t y, const tz_rule *r, int32_t off)
{
    int64_t d;
    switch (r->kind) {
    case 'J':
        d = r->n - 1 + (is_leap(y) && r->n >= 60);
        break;
    case 'N':
        d = r->n;
        break;
    default: {
        int64_t jan1 = hb_days_from_civil(y, 1, 1), first = hb_days_from_civil(y, r->mon, 1);
        int64_t dow = ((first + 4) % 7 + 7) % 7;   /* 1970-01-01 was a Thursday */
        int64_t md = ((r->wday - dow) % 7 + 7) % 7 + (int64_t)(r->week - 1) * 7;
        while (md >= days_in_month(y, r->mon))
            md -= 7;   /* week 5: the last such day */
        d = first - jan1 + md;
        break;
    }
    }
    return d * DAY + r->time - off;
}

/* The footer's answer for sec, at or after the last transition lasttx. */
static int32_t px_lookup(const tz_posix *px, int64_t lasttx, int64_t sec, int64_t *start, int64_t *end)
{
    if (!px->has_dst) {
        *start = lasttx;
        *end = OMEGA;
        return px->std_off;
    }
    int64_t days = floor_div(sec, DAY), y;
    unsigned mo, md;
    hb_civil_from_days(days, &y, &mo, &md);
    int64_t ystart = hb_days_from_civil(y, 1, 1) * DAY;
    int64_t ysec = sec - ystart;
    int64_t s = rule_time(y, &px->start, px->std_off), e = rule_time(y, &px->end, px->dst_off);
    int32_t std = px->std_off, dst = px->dst_off;
    if (e < s) {   /* southern hemisphere: DST spans the new year */
        int64_t t = s;
        s = e;
        e = t;
        int32_t o = std;
        std = dst;
        dst = o;
    }
    /* the range is exact near a change, otherwise the year (Go's tzset) */
    if (ysec < s) {
        *start = ystart;
        *end = ystart + s;
        return std;
    }
    if (ysec >= e) {
        *start = ystart + e;
        *end = ystart + 365 * DAY;
        return std;
    }
    *start = ystart + s;
    *end = ystart + e;
    return dst;
}

/* ---- lookups ---- */

/* Instants are clamped to +-2^40 s (about 34,800 years), far beyond any
 * nanosecond time, so that the calendar arithmetic cannot overflow. */
#define SEC_LIMIT ((int64_t)1 << 40)

static int64_t clamp_sec(int64_t sec)
{
    return sec > SEC_LIMIT ? SEC_LIMIT : sec < -SEC_LIMIT ? -SEC_LIMIT : sec;
}

int32_t hb_tz_lookup(const hb_tz *z, int64_t sec, int64_t *start, int64_t *end)
{
    int64_t st, en;
    int32_t off;
    sec = clamp_sec(sec);
    if (!z) {
        st = ALPHA;
        en = OMEGA;
        off = 0;
    } else if (z->ntx == 0) {
        /* Go gives a file without transitions one at the dawn of time to
         * type 0, so its footer applies throughout */
        st = ALPHA;
        en = OMEGA;
        off = z->types[0].off;
        if (z->ext.valid)
            off = px_lookup(&z->ext, st, sec, &st, &en);
    } else if (sec < z->when[0]) {
        st = ALPHA;
        en = z->when[0];
        off = z->types[z->first].off;
    } else {
        size_t lo = 0, hi = z->ntx;   /* the last transition <= sec */
        while (hi - lo > 1) {
            size_t mid = lo + (hi - lo) / 2;
            if (z->when[mid] <= sec)
                lo = mid;
            else
                hi = mid;
        }
        st = z->when[lo];
        en = lo + 1 < z->ntx ? z->when[lo + 1] : OMEGA;
        off = z->types[z->idx[lo]].off;
        if (lo + 1 == z->ntx && z->ext.valid)
            off = px_lookup(&z->ext, st, sec, &st, &en);
    }
    if (start)
        *start = st;
    if (end)
        *end = en;
    return off;
}

int64_t hb_tz_next_change(const hb_tz *z, int64_t sec)
{
    int64_t end;
    int32_t off = hb_tz_lookup(z, sec, NULL, &end);
    /* a range can end without a change (a footer range ends with its
     * year, a transition may change only the abbreviation): walk on. The
     * ranges move forward and a year holds a few of them; the bound only
     * guards against a pathological file */
    for (int i = 0; i < (1 << 20) && end != OMEGA; i++) {
        int64_t next;
        if (hb_tz_lookup(z, end, NULL, &next) != off)
            return end;
        if (next <= end)
            break;
        end = next;
    }
    return OMEGA;
}

int32_t hb_tz_offset_ns(const hb_tz *z, int64_t ns)
{
    return z ? hb_tz_lookup(z, floor_div(ns, 1000000000), NULL, NULL) : 0;
}

int64_t hb_tz_wall_to_utc(const hb_tz *z, int64_t wall)
{
    /* Go's time.Date: look the wall time up as if it were UTC; if the
     * instant that offset gives lies outside the zone range found, the
     * offset at that instant wins */
    int64_t start, end;
    wall = clamp_sec(wall);
    int32_t off = hb_tz_lookup(z, wall, &start, &end);
    if (off != 0) {
        int64_t utc = wall - off;
        if (utc < start || utc >= end)
            off = hb_tz_lookup(z, utc, NULL, NULL);
    }
    return wall - off;
}

const char *hb_tz_name(const hb_tz *z)
{
    return z ? z->name : "UTC";
}

/* ---- TZif parsing ---- */

typedef struct rd {
    const uint8_t *p, *e;
} rd;

static int take(rd *r, size_t n, const uint8_t **out)
{
    if ((size_t)(r->e - r->p) < n)
        return -1;
    *out = r->p;
    r->p += n;
    return 0;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

typedef struct tzhdr {
    int version;
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
} tzhdr;

static int read_header(rd *r, tzhdr *h)
{
    const uint8_t *p;
    if (take(r, 44, &p) || memcmp(p, "TZif", 4) != 0)
        return -1;
    h->version = p[4] == 0 ? 1 : p[4] >= '2' && p[4] <= '9' ? p[4] - '0' : -1;
    if (h->version < 0)
        return -1;
    h->isutcnt = be32(p + 20);
    h->isstdcnt = be32(p + 24);
    h->leapcnt = be32(p + 28);
    h->timecnt = be32(p + 32);
    h->typecnt = be32(p + 36);
    h->charcnt = be32(p + 40);
    /* RFC 8536 3.1: at least one type and one abbreviation byte; the
     * indicator arrays are empty or one per type */
    if (h->typecnt == 0 || h->typecnt > 256 || h->charcnt == 0 ||
        (h->isutcnt != 0 && h->isutcnt != h->typecnt) || (h->isstdcnt != 0 && h->isstdcnt != h->typecnt))
        return -1;
    return 0;
}

/* Size of a data block with times of tsz bytes. Counts are < 2^32, so
 * this cannot overflow a 64-bit size_t. */
static size_t block_size(const tzhdr *h, size_t tsz)
{
    return (size_t)h->timecnt * (tsz + 1) + (size_t)h->typecnt * 6 + h->charcnt + (size_t)h->leapcnt * (tsz + 4) +
           h->isstdcnt + h->isutcnt;
}

static int corrupt(hb_err *err, const char *name, const char *what)
{
    return hb_err_set(err, HB_ECORRUPT, "time zone %s: malformed TZif data (%s)", name, what);
}

/* Go's lookupFirstZone: the type used before the first transition. */
static size_t first_type(const hb_tz *z)
{
    int used0 = 0;
    for (size_t i = 0; i < z->ntx && !used0; i++)
        used0 = z->idx[i] == 0;
    if (!used0)
        return 0;   /* type 0 is there only for the times before */
    if (z->ntx && z->types[z->idx[0]].isdst)
        for (size_t i = z->idx[0]; i-- > 0;)
            if (!z->types[i].isdst)
                return i;
    for (size_t i = 0; i < z->ntypes; i++)
        if (!z->types[i].isdst)
            return i;
    return 0;
}

int hb_tz_parse(const void *data, size_t n, const char *name, hb_tz **out, hb_err *err)
{
    *out = NULL;
    if (!name)
        name = "";
    rd r = { data, (const uint8_t *)data + n };
    tzhdr h;
    if (read_header(&r, &h))
        return corrupt(err, name, "bad header");
    size_t tsz = 4;
    if (h.version >= 2) {
        const uint8_t *skip;
        if (take(&r, block_size(&h, 4), &skip) || read_header(&r, &h))
            return corrupt(err, name, "bad v2 header");
        tsz = 8;
    }
    const uint8_t *tt, *ti, *ty, *rest;
    if (take(&r, (size_t)h.timecnt * tsz, &tt) || take(&r, h.timecnt, &ti) || take(&r, (size_t)h.typecnt * 6, &ty) ||
        take(&r, block_size(&h, tsz) - (size_t)h.timecnt * (tsz + 1) - (size_t)h.typecnt * 6, &rest))
        return corrupt(err, name, "truncated");
    hb_tz *z = calloc(1, sizeof *z);
    int rc = HB_ENOMEM;
    if (!z)
        goto out;
    z->name = strdup(name);
    z->ntx = h.timecnt;
    z->ntypes = h.typecnt;
    z->when = malloc((z->ntx ? z->ntx : 1) * sizeof *z->when);
    z->idx = malloc(z->ntx ? z->ntx : 1);
    z->types = malloc(z->ntypes * sizeof *z->types);
    if (!z->name || !z->when || !z->idx || !z->types)
        goto out;
    rc = HB_ECORRUPT;
    for (size_t i = 0; i < z->ntypes; i++) {
        const uint8_t *t = ty + i * 6;
        uint32_t u = be32(t);
        /* RFC 8536: utoff is never -2^31; isdst is 0 or 1 */
        if (u == 0x80000000u || t[4] > 1 || t[5] >= h.charcnt) {
            corrupt(err, name, "bad local time type");
            goto out;
        }
        z->types[i].off = (int32_t)u;
        z->types[i].isdst = t[4];
    }
    for (size_t i = 0; i < z->ntx; i++) {
        z->when[i] = tsz == 8 ? (int64_t)be64(tt + i * 8) : (int64_t)(int32_t)be32(tt + i * 4);
        z->idx[i] = ti[i];
        if (z->idx[i] >= z->ntypes || (i && z->when[i] <= z->when[i - 1])) {
            corrupt(err, name, "bad transition");
            goto out;
        }
    }
    z->first = first_type(z);
    if (h.version >= 2) {
        /* footer: "\n" TZ string "\n"; an empty string means none */
        const uint8_t *f = r.p;
        if (f >= r.e || *f != '\n') {
            corrupt(err, name, "bad footer");
            goto out;
        }
        const uint8_t *nl = memchr(f + 1, '\n', (size_t)(r.e - f - 1));
        if (!nl) {
            corrupt(err, name, "bad footer");
            goto out;
        }
        if (nl > f + 1)
            px_parse((const char *)f + 1, (const char *)nl, &z->ext);
    }
    *out = z;
    z = NULL;
    rc = HB_OK;
out:
    if (rc == HB_ENOMEM)
        hb_err_set(err, rc, "out of memory");
    hb_tz_free(z);
    return rc;
}

void hb_tz_free(hb_tz *z)
{
    if (!z)
        return;
    free(z->name);
    free(z->when);
    free(z->idx);
    free(z->types);
    free(z);
}

/* ---- loading and the cache ---- */

/* Reads a regular file of at most HB_TZ_FILE_MAX bytes. HB_ENOTFOUND when
 * it does not exist (or is not a regular file), HB_EIO, HB_ELIMIT. */
static int read_file(const char *path, uint8_t **data, size_t *n)
{
    *data = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOMEM ? HB_ENOMEM : HB_ENOTFOUND;
    struct stat st;
    int rc = HB_ENOTFOUND;
    uint8_t *buf = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        goto out;
    rc = HB_ELIMIT;
    if (st.st_size < 0 || (uint64_t)st.st_size > HB_TZ_FILE_MAX)
        goto out;
    rc = HB_ENOMEM;
    /* one byte more than the cap: a file that grew past it is noticed */
    buf = malloc(HB_TZ_FILE_MAX + 1);
    if (!buf)
        goto out;
    size_t got = 0;
    rc = HB_EIO;
    while (got <= HB_TZ_FILE_MAX) {
        ssize_t k = read(fd, buf + got, HB_TZ_FILE_MAX + 1 - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            goto out;
        if (k == 0)
            break;
        got += (size_t)k;
    }
    rc = HB_ELIMIT;
    if (got > HB_TZ_FILE_MAX)
        goto out;
    *data = buf;
    *n = got;
    buf = NULL;
    rc = HB_OK;
out:
    free(buf);
    close(fd);
    return rc;
}

static int load_path(const char *path, const char *name, hb_tz **out, hb_err *err)
{
    uint8_t *data;
    size_t n;
    int rc = read_file(path, &data, &n);
    if (rc == HB_OK) {
        rc = hb_tz_parse(data, n, name, out, err);
        free(data);
    } else if (rc == HB_ELIMIT) {
        hb_err_set(err, rc, "time zone %s: file larger than %u bytes", name, HB_TZ_FILE_MAX);
    } else {
        hb_err_set(err, rc, "unknown time zone %s", name);
    }
    return rc;
}

static int valid_name(const char *name, size_t len)
{
    if (len == 0 || len > HB_TZ_NAME_MAX || name[0] == '/' || name[0] == '\\' || memchr(name, '\0', len))
        return 0;
    for (size_t i = 0; i + 1 < len; i++)
        if (name[i] == '.' && name[i + 1] == '.')
            return 0;
    return 1;
}

/* A zone name in the directories Go's LoadLocation searches on Unix. */
static int load_named(const char *name, hb_tz **out, hb_err *err)
{
    static const char *const dirs[] = { "/usr/share/zoneinfo/", "/usr/share/lib/zoneinfo/", "/usr/lib/locale/TZ/" };
    int rc = HB_ENOTFOUND;
    for (size_t d = 0; d < sizeof dirs / sizeof dirs[0]; d++) {
        char path[HB_TZ_NAME_MAX + 32];
        size_t dl = strlen(dirs[d]), nl = strlen(name);
        memcpy(path, dirs[d], dl);
        memcpy(path + dl, name, nl + 1);
        rc = load_path(path, name, out, err);
        if (rc != HB_ENOTFOUND)
            return rc;   /* found, or found but unusable (Go stops there too) */
    }
    return rc;
}

/* Go's time.Local: TZ unset -> /etc/localtime; TZ empty -> UTC; ":name"
 * or "name" from the zone directories, "/path" that file; UTC when it
 * cannot be loaded. */
static int load_local(hb_tz **out, hb_err *err)
{
    const char *tz = getenv("TZ");
    *out = NULL;
    if (!tz) {
        if (load_path("/etc/localtime", "Local", out, err) != HB_OK)
            *out = NULL;
        return HB_OK;
    }
    if (*tz == ':')
        tz++;
    if (*tz == '/') {
        if (strlen(tz) <= HB_TZ_NAME_MAX && load_path(tz, "Local", out, err) != HB_OK)
            *out = NULL;
    } else if (*tz && strcmp(tz, "UTC") != 0 && valid_name(tz, strlen(tz))) {
        if (load_named(tz, out, err) != HB_OK)
            *out = NULL;
    }
    if (*out) {
        char *nm = strdup("Local");
        if (!nm) {
            hb_tz_free(*out);
            *out = NULL;
            return hb_err_set(err, HB_ENOMEM, "out of memory");
        }
        free((*out)->name);
        (*out)->name = nm;
    }
    return HB_OK;
}

/* Process-wide: names loaded so far and their zones (NULL = UTC), never
 * freed, so callers may keep the pointers. */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
    char *name;
    size_t len;
    hb_tz *z;
} *g_cache;
static size_t g_n, g_cap;

static int cache_find(const char *name, size_t len, const hb_tz **out)
{
    for (size_t i = 0; i < g_n; i++)
        if (g_cache[i].len == len && memcmp(g_cache[i].name, name, len) == 0) {
            *out = g_cache[i].z;
            return 1;
        }
    return 0;
}

int hb_tz_load(const char *name, size_t len, const hb_tz **out, hb_err *err)
{
    *out = NULL;
    if (len == 0 || (len == 3 && memcmp(name, "UTC", 3) == 0))
        return HB_OK;
    int is_local = len == 5 && memcmp(name, "Local", 5) == 0;
    if (!is_local && !valid_name(name, len))
        return hb_err_set(err, HB_ENOTFOUND, "unknown time zone %.*s", (int)(len > 64 ? 64 : len), name);
    pthread_mutex_lock(&g_lock);
    int hit = cache_find(name, len, out);
    pthread_mutex_unlock(&g_lock);
    if (hit)
        return HB_OK;
    /* load outside the lock; a racing loader of the same name loses */
    char cname[HB_TZ_NAME_MAX + 1];
    memcpy(cname, name, len);
    cname[len] = '\0';
    hb_tz *z = NULL;
    int rc = is_local ? load_local(&z, err) : load_named(cname, &z, err);
    if (rc)
        return rc;
    char *key = strdup(cname);
    if (!key) {
        hb_tz_free(z);
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    }
    pthread_mutex_lock(&g_lock);
    if (cache_find(name, len, out)) {
        rc = HB_OK;
    } else if (g_n == HB_TZ_CACHE_MAX) {
        rc = hb_err_set(err, HB_ELIMIT, "too many time zones in use (%d)", HB_TZ_CACHE_MAX);
    } else {
        rc = HB_OK;
        if (g_n == g_cap) {
            size_t nc = g_cap ? g_cap * 2 : 16;
            void *nv = realloc(g_cache, nc * sizeof *g_cache);
            if (!nv)
                rc = hb_err_set(err, HB_ENOMEM, "out of memory");
            else {
                g_cache = nv;
                g_cap = nc;
            }
        }
        if (!rc) {
            g_cache[g_n].name = key;
            g_cache[g_n].len = len;
            g_cache[g_n].z = z;
            g_n++;
            *out = z;
            key = NULL;
            z = NULL;
        }
    }
    pthread_mutex_unlock(&g_lock);
    free(key);
    hb_tz_free(z);
    return rc;
}
