/* InfluxDB 1.x line protocol parser.
 *
 * The grammar is InfluxDB's scanner, not a clean grammar: the rules below are
 * what models/points.go in InfluxDB 1.6 accepts, checked byte for byte
 * against a running influxd 1.6.7 (tests/unit/domain/test_lineproto.c lists
 * every case and the exact text it answered). In order, per body:
 *
 *  1. Lines. A line ends at an '\n' that is neither the second byte of a
 *     backslash pair ('\' followed by any byte skips that byte, unless the
 *     '\' is one of the last two bytes of the body) nor inside a quoted
 *     string: after the first unescaped space, '"' toggles "quoted" while
 *     more '=' than ',' (both counted outside quotes) have been seen.
 *     Leading ' ', '\t', NUL are skipped; blank lines and '#' lines are
 *     ignored; nothing strips '\r'.
 *  2. Key: the measurement runs to the first ',' or ' ' not preceded by a
 *     backslash ("preceded by", not "escaped by": "a\\ b" is one name).
 *     Tags are key=value pairs with the same rule; errors in that order:
 *     scanning errors, "duplicate tags", "max key length exceeded".
 *  3. Fields are validated by InfluxDB's scanFields (its error texts), then
 *     split the way InfluxDB later iterates them (key up to the first '='
 *     not preceded by a backslash, value up to the first ',' outside
 *     quotes). The two agree unless a field section holds a backslash or a
 *     string value followed by junk containing '='; only then do we run the
 *     second split (the slow path) — InfluxDB stores what that split gives.
 *  4. Timestamp: optional '-', digits; then only spaces may follow.
 *
 * Unescaping (what InfluxDB stores): measurement and field keys drop the
 * backslash before ',' ' ' '=' '"'; tag keys and values before ',' ' ' '=';
 * string values turn \\ into \ and \" into ". Other backslashes stay.
 *
 * Speed: one memchr for the line end (plus two to learn whether the line has
 * a backslash or a quote, which selects the exact slow paths), then a
 * per-call cache from the raw key bytes (measurement + tags as written) to
 * the parsed key: a series seen before in the request costs a hash and a
 * memcmp, no tag scanning, sorting or escaping. Fields are scanned once,
 * integers and simple decimals converted on the way. No per-line malloc:
 * points live in the arena; scratch arrays are reused across lines. */
#include "domain/lineproto.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "domain/series_key.h"

/* InfluxDB's MinNanoTime / MaxNanoTime. */
#define LP_MIN_TIME (INT64_MIN + 2)
#define LP_MAX_TIME (INT64_MAX - 1)

/* Key cache: open addressing, at most KC_MAX_SLOTS slots, half full. */
#define KC_MIN_SLOTS 64
#define KC_MAX_SLOTS 8192
#define KC_MAX_PROBE 32

/* Why a line failed; the texts are InfluxDB's (see reason_text). */
enum {
    R_OK = 0,
    R_MISSING_MEASUREMENT,
    R_MISSING_FIELDS,
    R_MISSING_TAG_KEY,
    R_MISSING_TAG_VALUE,
    R_INVALID_TAG_FORMAT,
    R_DUPLICATE_TAGS,
    R_MAX_KEY,          /* uses auxn */
    R_MISSING_FIELD_KEY,
    R_MISSING_FIELD_VALUE,
    R_INVALID_NUMBER,
    R_INVALID_FLOAT,
    R_INVALID_BOOLEAN,
    R_INT_RANGE,        /* uses aux */
    R_UINT_RANGE,       /* uses aux */
    R_UNBALANCED_QUOTES,
    R_INVALID_FIELD_FORMAT,
    R_INVALID_VALUE,    /* uses aux */
    R_BAD_TIMESTAMP,
    R_TS_RANGE,         /* uses aux */
    R_TS_SYNTAX,        /* uses aux */
    R_TIME_RANGE,
    R_INVALID_POINT,
    R_FATAL,            /* not a line error: c->fatal holds the HB_E* code */
};

typedef struct rawtag {
    size_t ks, ke, vs, ve; /* offsets in the line */
} rawtag;

/* A parsed key: what every point of one series shares. */
typedef struct kc_ent {
    uint64_t hash;         /* 0 = empty slot */
    const char *raw;       /* key bytes as written, in the body */
    size_t rawn;
    hb_slice measurement;
    hb_slice series_key;
    hb_tag *tags;
    uint32_t ntags;
} kc_ent;

typedef struct lp_ctx {
    const hb_lp_opts *o;
    hb_arena *arena;
    hb_lp_result *res;
    hb_err *err;
    int64_t prec;
    int64_t deftime;       /* default_time truncated to the precision */
    int fatal;             /* HB_E* once a cap or allocation failed */
    int errors_full;       /* res->errors reached its cap */
    /* details for the current line's reason */
    hb_slice aux;
    size_t auxn;
    /* scratch, reused across lines (malloc, freed at the end of the call) */
    rawtag *rt;
    size_t rtcap;
    hb_field *fs;
    size_t fscap;
    char *nb;              /* NUL-terminated copy of a number for strtod */
    size_t nbcap;
    size_t *dset;          /* hash set of field indexes for long lines */
    size_t dsetcap;
    size_t pcap;           /* capacity of res->points */
    size_t fdcap;          /* capacity of res->fdups */
    kc_ent *kc;
    size_t kcslots, kcused;
} lp_ctx;

/* ------------------------------------------------------------------ */
/* memory                                                              */

static void *lp_alloc(lp_ctx *c, size_t n)
{
    void *p = hb_arena_alloc(c->arena, n ? n : 1);
    if (!p && !c->fatal) {
        if (c->arena->max)
            c->fatal = hb_err_set(c->err, HB_ELIMIT,
                                  "line protocol: request needs more than %zu bytes of memory", c->arena->max);
        else
            c->fatal = hb_err_set(c->err, HB_ENOMEM, "line protocol: out of memory");
    }
    return p;
}

/* Grow a malloc'd scratch array to hold at least need elements. */
static int grow(lp_ctx *c, void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need)
        ncap *= 2;
    if (ncap > SIZE_MAX / elem) {
        c->fatal = hb_err_set(c->err, HB_ENOMEM, "line protocol: out of memory");
        return -1;
    }
    void *p = realloc(*arr, ncap * elem);
    if (!p) {
        c->fatal = hb_err_set(c->err, HB_ENOMEM, "line protocol: out of memory");
        return -1;
    }
    *arr = p;
    *cap = ncap;
    return 0;
}

/* ------------------------------------------------------------------ */
/* small helpers                                                       */

static inline int is_digit(char ch) { return ch >= '0' && ch <= '9'; }
static inline int is_numeric(char ch) { return is_digit(ch) || ch == '.'; }
static inline int is_ws(char ch) { return ch == ' ' || ch == '\t' || ch == '\0'; }

static inline size_t skip_ws(const char *b, size_t len, size_t i)
{
    while (i < len && is_ws(b[i]))
        i++;
    return i;
}

static int slice_cmp(hb_slice a, hb_slice b)
{
    size_t n = a.n < b.n ? a.n : b.n;
    int r = n ? memcmp(a.p, b.p, n) : 0;
    if (r)
        return r;
    return a.n < b.n ? -1 : a.n > b.n;
}

enum { U_NAME, U_TAG, U_STRING };

static inline int unescapes(int kind, char ch)
{
    switch (kind) {
    case U_NAME: return ch == ',' || ch == ' ' || ch == '=' || ch == '"';
    case U_TAG: return ch == ',' || ch == ' ' || ch == '=';
    default: return ch == '\\' || ch == '"';
    }
}

/* Unescape p[0..n) (one left-to-right pass, as InfluxDB does). Without a
 * backslash the result is the input slice itself. */
static int unescape(lp_ctx *c, const char *p, size_t n, int kind, hb_slice *out)
{
    if (n == 0 || !memchr(p, '\\', n)) {
        out->p = p;
        out->n = n;
        return 0;
    }
    char *d = lp_alloc(c, n);
    if (!d)
        return -1;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\\' && i + 1 < n && unescapes(kind, p[i + 1]))
            i++;
        d[j++] = p[i];
    }
    out->p = d;
    out->n = j;
    return 0;
}

/* Not cryptographic; probe chains are capped so collisions only cost a miss. */
static uint64_t hash_bytes(const char *p, size_t n)
{
    const uint64_t k = 0x9E3779B97F4A7C15ull;
    uint64_t h = 0x243F6A8885A308D3ull ^ (n * k), h2 = n;
    while (n >= 16) {
        uint64_t w, w2;
        memcpy(&w, p, 8);
        memcpy(&w2, p + 8, 8);
        h = (h ^ w) * k;
        h2 = (h2 ^ w2) * 0xC2B2AE3D27D4EB4Full;
        h ^= h >> 31;
        h2 ^= h2 >> 29;
        p += 16;
        n -= 16;
    }
    if (n >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * k;
        h ^= h >> 31;
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t w = 0;
        for (size_t i = 0; i < n; i++)
            w |= (uint64_t)(unsigned char)p[i] << (8 * i);
        h2 = (h2 ^ w) * k;
        h2 ^= h2 >> 32;
    }
    h ^= h2 * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 29;
    h *= 0x94D049BB133111EBull;
    h ^= h >> 32;
    return h | 1;
}

/* ------------------------------------------------------------------ */
/* errors                                                              */

static const char *reason_static(int r)
{
    switch (r) {
    case R_MISSING_MEASUREMENT: return "missing measurement";
    case R_MISSING_FIELDS: return "missing fields";
    case R_MISSING_TAG_KEY: return "missing tag key";
    case R_MISSING_TAG_VALUE: return "missing tag value";
    case R_INVALID_TAG_FORMAT: return "invalid tag format";
    case R_DUPLICATE_TAGS: return "duplicate tags";
    case R_MISSING_FIELD_KEY: return "missing field key";
    case R_MISSING_FIELD_VALUE: return "missing field value";
    case R_INVALID_NUMBER: return "invalid number";
    case R_INVALID_FLOAT: return "invalid float";
    case R_INVALID_BOOLEAN: return "invalid boolean";
    case R_UNBALANCED_QUOTES: return "unbalanced quotes";
    case R_INVALID_FIELD_FORMAT: return "invalid field format";
    case R_BAD_TIMESTAMP: return "bad timestamp";
    case R_TIME_RANGE: return "time outside range -9223372036854775806 - 9223372036854775806";
    case R_INVALID_POINT: return "point is invalid";
    default: return NULL;
    }
}

static int put(hb_buf *b, const char *s, size_t n) { return hb_buf_append(b, s, n); }
static int puts_(hb_buf *b, const char *s) { return hb_buf_append(b, s, strlen(s)); }

static int reason_text(lp_ctx *c, hb_buf *b, int r)
{
    const char *s = reason_static(r);
    if (s)
        return puts_(b, s);
    hb_slice a = c->aux;
    int rc = 0;
    switch (r) {
    case R_MAX_KEY:
        return hb_buf_printf(b, "max key length exceeded: %zu > %d", c->auxn, HB_LP_MAX_KEY_LENGTH);
    case R_INT_RANGE:
    case R_UINT_RANGE:
        rc = puts_(b, r == R_INT_RANGE ? "unable to parse integer " : "unable to parse unsigned ");
        rc = rc ? rc : put(b, a.p, a.n);
        rc = rc ? rc : puts_(b, r == R_INT_RANGE ? ": strconv.ParseInt: parsing \"" : ": strconv.ParseUint: parsing \"");
        rc = rc ? rc : put(b, a.p, a.n);
        return rc ? rc : puts_(b, "\": value out of range");
    case R_TS_RANGE:
    case R_TS_SYNTAX:
        rc = puts_(b, "strconv.ParseInt: parsing \"");
        rc = rc ? rc : put(b, a.p, a.n);
        return rc ? rc : puts_(b, r == R_TS_RANGE ? "\": value out of range" : "\": invalid syntax");
    case R_INVALID_VALUE:
        rc = puts_(b, "invalid value: field-key=");
        return rc ? rc : put(b, a.p, a.n);
    default:
        return puts_(b, "invalid line");
    }
}

/* Record "unable to parse '<line>': <reason>" (InfluxDB's text). Messages
 * that would overflow the cap are left out whole. */
static int add_failure(lp_ctx *c, const char *line, size_t n, int r)
{
    c->res->nfailed++;
    if (c->errors_full)
        return 0;
    hb_buf *b = &c->res->errors;
    size_t mark = b->len;
    int rc = b->len ? put(b, "\n", 1) : 0;
    rc = rc ? rc : puts_(b, "unable to parse '");
    rc = rc ? rc : put(b, line, n);
    rc = rc ? rc : puts_(b, "': ");
    rc = rc ? rc : reason_text(c, b, r);
    if (rc == HB_ELIMIT) {
        c->errors_full = 1;
        b->len = mark;
        if (b->data)
            b->data[mark] = '\0';
        return 0;
    }
    if (rc) {
        c->fatal = hb_err_set(c->err, rc, "line protocol: out of memory");
        return rc;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* lines                                                               */

/* InfluxDB's scanLine: length of the line starting at b (the '\n' that ends
 * it is not included; a body that ends inside a quote ends the line). */
static size_t scan_line(const char *b, size_t len)
{
    size_t i = 0, equals = 0, commas = 0;
    int quoted = 0, fields = 0;
    while (i < len) {
        char ch = b[i];
        if (ch == '\\' && i + 2 < len) {
            i += 2;
            continue;
        }
        if (ch == ' ')
            fields = 1;
        if (fields) {
            if (!quoted && ch == '=') {
                equals++;
                i++;
                continue;
            }
            if (!quoted && ch == ',') {
                commas++;
                i++;
                continue;
            }
            if (ch == '"' && equals > commas) {
                quoted = !quoted;
                i++;
                continue;
            }
        }
        if (ch == '\n' && !quoted)
            break;
        i++;
    }
    return i;
}

/* ------------------------------------------------------------------ */
/* key: measurement and tags                                           */

/* InfluxDB's scanMeasurement + scanTags. On success *end is the space that
 * ends the key (always the first space at index >= 1 not preceded by a
 * backslash), *mend the end of the measurement, c->rt[0..*nt) the tags. */
static int scan_key(lp_ctx *c, const char *b, size_t len, size_t *end, size_t *mend, size_t *nt)
{
    size_t i = 0, n = 0;
    if (len == 0 || b[0] == ',')
        return R_MISSING_MEASUREMENT;
    for (;;) {
        i++;
        if (i >= len)
            return R_MISSING_FIELDS;
        if (b[i - 1] == '\\')
            continue;
        if (b[i] == ',')
            break;
        if (b[i] == ' ') {
            *end = *mend = i;
            *nt = 0;
            return 0;
        }
    }
    *mend = i++;
    for (;;) {
        if (i >= len || b[i] == ' ' || b[i] == ',' || b[i] == '=')
            return R_MISSING_TAG_KEY;
        if (grow(c, (void **)&c->rt, &c->rtcap, n + 1, sizeof *c->rt))
            return R_FATAL;
        rawtag *t = &c->rt[n++];
        t->ks = i;
        for (;;) {
            i++;
            if (i >= len || ((b[i] == ' ' || b[i] == ',') && b[i - 1] != '\\'))
                return R_MISSING_TAG_VALUE;
            if (b[i] == '=' && b[i - 1] != '\\')
                break;
        }
        t->ke = i++;
        if (i >= len || b[i] == ',' || b[i] == ' ')
            return R_MISSING_TAG_VALUE;
        t->vs = i;
        for (;;) {
            i++;
            if (i >= len)
                return R_MISSING_FIELDS;
            if (b[i - 1] == '\\')
                continue;
            if (b[i] == '=')
                return R_INVALID_TAG_FORMAT;
            if (b[i] == ',') {
                t->ve = i++;
                break;
            }
            if (b[i] == ' ') {
                t->ve = i;
                *end = i;
                *nt = n;
                return 0;
            }
        }
    }
}

static int tag_cmp(const void *a, const void *b)
{
    return slice_cmp(((const hb_tag *)a)->key, ((const hb_tag *)b)->key);
}

/* Unescape and sort the tags, check duplicates and the key length, build the
 * canonical series key. */
static int build_key(lp_ctx *c, const char *b, size_t end, size_t mend, size_t nt, kc_ent *e)
{
    memset(e, 0, sizeof *e);
    e->raw = b;
    e->rawn = end;
    if (unescape(c, b, mend, U_NAME, &e->measurement))
        return R_FATAL;
    int sorted = 1, dup = 0, plain = 1;
    if (nt) {
        if (nt > UINT32_MAX / 2)
            return R_MAX_KEY; /* unreachable below the key cap; keeps ntags in range */
        e->tags = lp_alloc(c, nt * sizeof *e->tags);
        if (!e->tags)
            return R_FATAL;
        for (size_t j = 0; j < nt; j++) {
            const rawtag *t = &c->rt[j];
            if (unescape(c, b + t->ks, t->ke - t->ks, U_TAG, &e->tags[j].key) ||
                unescape(c, b + t->vs, t->ve - t->vs, U_TAG, &e->tags[j].val))
                return R_FATAL;
            plain &= b[t->vs] != '='; /* InfluxDB accepts a bare '=' first */
            if (j) {
                int r = slice_cmp(e->tags[j - 1].key, e->tags[j].key);
                sorted &= r < 0;
                dup |= r == 0;
            }
        }
        e->ntags = (uint32_t)nt;
        if (!sorted) {
            if (nt <= 16) {
                for (size_t j = 1; j < nt; j++) {
                    hb_tag t = e->tags[j];
                    size_t k = j;
                    for (; k > 0 && slice_cmp(e->tags[k - 1].key, t.key) > 0; k--)
                        e->tags[k] = e->tags[k - 1];
                    e->tags[k] = t;
                }
            } else {
                qsort(e->tags, nt, sizeof *e->tags, tag_cmp);
            }
            for (size_t j = 1; j < nt; j++)
                dup |= hb_slice_eq(e->tags[j - 1].key, e->tags[j].key);
        }
    }
    if (dup)
        return R_DUPLICATE_TAGS;
    if (end > HB_LP_MAX_KEY_LENGTH) {
        c->auxn = end;
        return R_MAX_KEY;
    }
    /* Tags written sorted with a plain measurement are already canonical:
     * re-escaping an unescaped tag gives back its raw bytes (the scanner
     * only accepts ',', ' ', '=' in tags with a backslash before them,
     * except a '=' that starts a value: "t==x" is t = "=x", key t=\=x). */
    if (sorted && plain && e->measurement.p == b) {
        e->series_key.p = b;
        e->series_key.n = end;
    } else {
        size_t n = hb_series_key_len(e->measurement, e->tags, e->ntags);
        char *d = lp_alloc(c, n);
        if (!d)
            return R_FATAL;
        hb_series_key_write(d, e->measurement, e->tags, e->ntags);
        e->series_key.p = d;
        e->series_key.n = n;
    }
    return 0;
}

static kc_ent *kc_find(lp_ctx *c, uint64_t h, const char *p, size_t n)
{
    if (!c->kc)
        return NULL;
    size_t mask = c->kcslots - 1;
    for (size_t k = 0, i = h & mask; k < KC_MAX_PROBE; k++, i = (i + 1) & mask) {
        kc_ent *e = &c->kc[i];
        if (!e->hash)
            return NULL;
        if (e->hash == h && e->rawn == n && memcmp(e->raw, p, n) == 0)
            return e;
    }
    return NULL;
}

static void kc_place(kc_ent *tab, size_t slots, const kc_ent *e)
{
    size_t mask = slots - 1;
    for (size_t k = 0, i = e->hash & mask; k < KC_MAX_PROBE; k++, i = (i + 1) & mask) {
        if (!tab[i].hash) {
            tab[i] = *e;
            return;
        }
    }
    /* chain too long: leave it out, it only costs a re-parse */
}

/* Remember e (best effort: a full cache or a failed allocation just means
 * later lines re-parse their key). */
static void kc_insert(lp_ctx *c, const kc_ent *e)
{
    if ((c->kcused + 1) * 2 > c->kcslots) {
        if (c->kcslots >= KC_MAX_SLOTS)
            return;
        size_t ns = c->kcslots ? c->kcslots * 2 : KC_MIN_SLOTS;
        kc_ent *t = calloc(ns, sizeof *t);
        if (!t)
            return;
        for (size_t i = 0; i < c->kcslots; i++)
            if (c->kc[i].hash)
                kc_place(t, ns, &c->kc[i]);
        free(c->kc);
        c->kc = t;
        c->kcslots = ns;
    }
    kc_place(c->kc, c->kcslots, e);
    c->kcused++;
}

/* ------------------------------------------------------------------ */
/* values                                                              */

/* Decimal text (optional sign) to int64 as Go's strconv.ParseInt(s, 10, 64):
 * 0 ok, 1 out of range, 2 syntax. */
static int parse_i64(const char *s, size_t n, int64_t *v)
{
    size_t i = 0;
    int neg = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    if (i == n)
        return 2;
    uint64_t m = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    if (n - i <= 18) { /* cannot overflow */
        for (; i < n; i++) {
            if (!is_digit(s[i]))
                return 2;
            m = m * 10 + (unsigned)(s[i] - '0');
        }
        *v = neg ? (int64_t)(0 - m) : (int64_t)m;
        return 0;
    }
    int over = 0;
    for (; i < n; i++) {
        if (!is_digit(s[i]))
            return 2;
        unsigned d = (unsigned)(s[i] - '0');
        if (m > (lim - d) / 10)
            over = 1;
        else
            m = m * 10 + d;
    }
    if (over)
        return 1;
    *v = neg ? (int64_t)(0 - m) : (int64_t)m;
    return 0;
}

/* Go's strconv.ParseUint(s, 10, 64): 0 ok, 1 range, 2 syntax. */
static int parse_u64(const char *s, size_t n, uint64_t *v)
{
    if (n == 0)
        return 2;
    uint64_t m = 0;
    int over = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return 2;
        unsigned d = (unsigned)(s[i] - '0');
        if (m > (UINT64_MAX - d) / 10)
            over = 1;
        else
            m = m * 10 + d;
    }
    if (over)
        return 1;
    *v = m;
    return 0;
}

static const double pow10_exact[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* Decimal float as Go's strconv.ParseFloat(s, 64), limited to decimal
 * syntax [+-](d+[.d*]|.d+)([eE][+-]?d+): 0 ok, -1 bad syntax or overflow to
 * +-Inf (Go's ErrRange; underflow to 0 is not an error). Correctly rounded:
 * exact fast path for short decimals, strtod (C locale) otherwise. */
static int parse_float(lp_ctx *c, const char *s, size_t n, double *v)
{
    size_t i = 0, digits = 0, frac = 0;
    int neg = 0, fast = 1;
    uint64_t m = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    for (; i < n && is_digit(s[i]); i++, digits++) {
        if (m >= (1ull << 49))
            fast = 0;
        else
            m = m * 10 + (unsigned)(s[i] - '0');
    }
    if (i < n && s[i] == '.') {
        for (i++; i < n && is_digit(s[i]); i++, digits++, frac++) {
            if (m >= (1ull << 49))
                fast = 0;
            else
                m = m * 10 + (unsigned)(s[i] - '0');
        }
    }
    if (digits == 0)
        return -1;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        fast = 0;
        size_t ed = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        for (; i < n && is_digit(s[i]); i++)
            ed++;
        if (ed == 0)
            return -1;
    }
    if (i != n)
        return -1;
    if (fast && frac <= 22) {
        /* m < 2^53 and 10^frac are exact: one rounding, as strtod. */
        double d = (double)m;
        if (frac)
            d /= pow10_exact[frac];
        *v = neg ? -d : d;
        return 0;
    }
    if (grow(c, (void **)&c->nb, &c->nbcap, n + 1, 1))
        return -2;
    memcpy(c->nb, s, n);
    c->nb[n] = '\0';
    double d = strtod(c->nb, NULL);
    if (isinf(d))
        return -1;
    *v = d;
    return 0;
}

/* InfluxDB's scanNumber from b[i] (the byte after '='): validates, and fills
 * f (when given) with the value. *out = end of the number. */
static int scan_number(lp_ctx *c, const char *b, size_t len, size_t i, size_t *out, hb_field *f)
{
    size_t start = i;
    int is_int = 0, is_uns = 0, decimal = 0, sci = 0;
    {
        /* Fast path for the common shapes, same result as the scanner
         * below: [-]digits (float) and [-]digits'i' (integer) followed by
         * ',' ' ' or the end, short enough not to overflow. */
        size_t k = i + (b[i] == '-');
        uint64_t m = 0;
        size_t d0 = k;
        while (k < len && is_digit(b[k]) && k - d0 < 18)
            m = m * 10 + (unsigned)(b[k++] - '0');
        size_t nd = k - d0;
        if (nd && nd < 18) {
            int neg = b[i] == '-';
            if (k < len && b[k] == 'i' && (k + 1 == len || b[k + 1] == ',' || b[k + 1] == ' ')) {
                *out = k + 1;
                if (f) {
                    f->type = HB_FT_INTEGER;
                    f->v.i = neg ? -(int64_t)m : (int64_t)m;
                }
                return 0;
            }
            if (nd <= 15 && (k == len || b[k] == ',' || b[k] == ' ')) {
                *out = k;
                if (f) {
                    f->type = HB_FT_FLOAT;
                    f->v.f = neg ? -(double)m : (double)m;
                }
                return 0;
            }
        }
    }
    if (b[i] == '-') {
        i++;
        if (i == len) {
            *out = i;
            return R_INVALID_NUMBER;
        }
    }
    for (; i < len; i++) {
        char ch = b[i];
        if (ch == ',' || ch == ' ')
            break;
        if (ch == 'i' && i > start && !(is_int || is_uns)) {
            is_int = 1;
            continue;
        }
        if (ch == 'u' && i > start && !(is_int || is_uns)) {
            is_uns = 1;
            continue;
        }
        if (ch == '.') {
            if (decimal)
                goto bad;
            decimal = 1;
        }
        if (i > start && (ch == 'e' || ch == 'E')) {
            sci = 1;
            continue;
        }
        if ((ch == '+' || ch == '-') && (b[i - 1] == 'e' || b[i - 1] == 'E'))
            continue;
        if (!is_numeric(ch)) /* includes InfluxDB's explicit NaN check */
            goto bad;
    }
    *out = i;
    if ((is_int || is_uns) && (decimal || sci))
        return R_INVALID_NUMBER;
    size_t nd = i - start - (size_t)is_int - (size_t)decimal - (size_t)(b[start] == '-');
    if (nd == 0)
        return R_INVALID_NUMBER;
    if (is_int) {
        if (b[i - 1] != 'i')
            return R_INVALID_NUMBER;
        int64_t v = 0;
        if (parse_i64(b + start, i - 1 - start, &v)) {
            c->aux.p = b + start;
            c->aux.n = i - 1 - start;
            return R_INT_RANGE;
        }
        if (f) {
            f->type = HB_FT_INTEGER;
            f->v.i = v;
        }
        return 0;
    }
    if (is_uns) {
        if (!c->o->allow_unsigned || b[i - 1] != 'u' || b[start] == '-')
            return R_INVALID_NUMBER;
        uint64_t v = 0;
        if (parse_u64(b + start, i - 1 - start, &v)) {
            c->aux.p = b + start;
            c->aux.n = i - 1 - start;
            return R_UINT_RANGE;
        }
        if (f) {
            f->type = HB_FT_UNSIGNED;
            f->v.u = v;
        }
        return 0;
    }
    /* InfluxDB checks the float only when it is in scientific notation or
     * long; anything else that got here is a valid decimal. */
    if (sci || i - start >= 25 || f) {
        double d = 0;
        int r = parse_float(c, b + start, i - start, &d);
        if (r == -2)
            return R_FATAL;
        if (r)
            return R_INVALID_FLOAT;
        if (f) {
            f->type = HB_FT_FLOAT;
            f->v.f = d;
        }
    }
    return 0;
bad:
    *out = i;
    return R_INVALID_NUMBER;
}

/* InfluxDB's scanBoolean from b[i]. */
static int scan_boolean(const char *b, size_t len, size_t i, size_t *out, hb_field *f)
{
    size_t start = i;
    char c0 = b[i];
    if (c0 != 't' && c0 != 'f' && c0 != 'T' && c0 != 'F') {
        *out = i;
        return R_INVALID_BOOLEAN;
    }
    for (i++; i < len && b[i] != ',' && b[i] != ' '; i++)
        ;
    *out = i;
    size_t n = i - start;
    const char *s = b + start;
    int val = c0 == 't' || c0 == 'T', ok;
    if (n == 1)
        ok = 1;
    else if (val)
        ok = n == 4 && (!memcmp(s, "true", 4) || !memcmp(s, "True", 4) || !memcmp(s, "TRUE", 4));
    else
        ok = n == 5 && (!memcmp(s, "false", 5) || !memcmp(s, "False", 5) || !memcmp(s, "FALSE", 5));
    if (!ok)
        return R_INVALID_BOOLEAN;
    if (f) {
        f->type = HB_FT_BOOLEAN;
        f->v.b = val;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* fields                                                              */

static inline hb_field *push_field(lp_ctx *c, size_t *nf)
{
    if (*nf >= c->fscap && grow(c, (void **)&c->fs, &c->fscap, *nf + 1, sizeof *c->fs))
        return NULL;
    hb_field *f = &c->fs[(*nf)++];
    memset(f, 0, sizeof *f);
    return f;
}

/* The bytes InfluxDB's scanFields reacts to (constant). */
static const unsigned char fld_special[256] = {
    ['\\'] = 1, ['"'] = 1, ['='] = 1, [','] = 1, [' '] = 1,
};

/* InfluxDB's scanFields from b[i0]. Validates with its error texts. While
 * the section stays simple (no backslash, one '=' per comma-separated
 * segment) it also records the fields in c->fs: then the split InfluxDB
 * uses to store them is the same one and the fields are final. */
static int scan_fields(lp_ctx *c, const char *b, size_t len, size_t i0, size_t *fstart, size_t *fend, size_t *nfout,
                       int *simple)
{
    size_t i = skip_ws(b, len, i0);
    size_t equals = 0, commas = 0, nf = 0, keystart = i, strstart = 0;
    int quoted = 0, simp = 1, r;
    hb_field *str = NULL; /* string field whose value is still open */
    *fstart = i;
    while (i < len) {
        /* every other byte is just skipped by InfluxDB's scanner */
        while (!fld_special[(unsigned char)b[i]])
            if (++i == len)
                goto done;
        char ch = b[i];
        if (ch == '\\' && i + 1 < len) {
            simp = 0;
            i += 2;
            continue;
        }
        if (ch == '"' && equals > commas) {
            quoted = !quoted;
            i++;
            continue;
        }
        if (ch == '=' && !quoted) {
            if (equals != commas)
                simp = 0; /* junk after a string holds an '=' */
            equals++;
            /* i >= 2 always: the key and a space come first */
            if (b[i - 1] == ' ' && b[i - 2] != '\\')
                return R_MISSING_FIELD_KEY;
            if (b[i - 1] == ',' && b[i - 2] != '\\')
                return R_MISSING_FIELD_KEY;
            if (i + 1 >= len)
                return R_MISSING_FIELD_VALUE;
            char nx = b[i + 1];
            if (nx == ',' || nx == ' ')
                return R_MISSING_FIELD_VALUE;
            hb_field *f = NULL;
            if (simp) {
                if (!(f = push_field(c, &nf)))
                    return R_FATAL;
                f->key.p = b + keystart;
                f->key.n = i - keystart;
            }
            if (is_numeric(nx) || nx == '-' || nx == 'N' || nx == 'n') {
                if ((r = scan_number(c, b, len, i + 1, &i, f)))
                    return r;
                continue;
            }
            if (nx != '"') {
                if ((r = scan_boolean(b, len, i + 1, &i, f)))
                    return r;
                continue;
            }
            if (f) {
                f->type = HB_FT_STRING;
                str = f;
                strstart = i + 1;
            }
        }
        if (ch == ',' && !quoted) {
            commas++;
            if (str) {
                /* InfluxDB keeps the bytes between the first and the last
                 * byte of the value: "a"x stores a" */
                str->v.s.p = b + strstart + 1;
                str->v.s.n = i - strstart - 2;
                str = NULL;
            }
            keystart = i + 1;
        }
        if (ch == ' ' && !quoted)
            break;
        i++;
    }
done:
    if (quoted)
        return R_UNBALANCED_QUOTES;
    if (equals == 0 || commas != equals - 1)
        return R_INVALID_FIELD_FORMAT;
    if (str) {
        str->v.s.p = b + strstart + 1;
        str->v.s.n = i - strstart - 2;
    }
    *fend = i;
    *nfout = nf;
    *simple = simp;
    return 0;
}

/* The value of a field as InfluxDB reads it when storing (its field
 * iterator): type from the first byte (and the last for i/u). Only the slow
 * path needs this; what InfluxDB's storage engine would refuse (answering
 * 500 for the whole request) makes the line fail as "invalid field format". */
static int iter_value(lp_ctx *c, const char *v, size_t n, hb_field *f)
{
    if (n == 0)
        return 1;
    char c0 = v[0];
    if (c0 == '"') {
        if (n < 2)
            return 1;
        f->type = HB_FT_STRING;
        return unescape(c, v + 1, n - 2, U_STRING, &f->v.s) ? -1 : 0;
    }
    if (c0 && strchr("0123456789-.nNiIu", c0)) {
        char last = v[n - 1];
        if (last == 'i') {
            f->type = HB_FT_INTEGER;
            return parse_i64(v, n - 1, &f->v.i) ? 1 : 0;
        }
        if (last == 'u') {
            f->type = HB_FT_UNSIGNED;
            return !c->o->allow_unsigned || parse_u64(v, n - 1, &f->v.u) ? 1 : 0;
        }
        f->type = HB_FT_FLOAT;
        int r = parse_float(c, v, n, &f->v.f);
        return r == -2 ? -1 : r ? 1 : 0;
    }
    f->type = HB_FT_BOOLEAN;
    if ((n == 1 && (c0 == 't' || c0 == 'T')) || (n == 4 && (!memcmp(v, "true", 4) || !memcmp(v, "True", 4) ||
                                                    !memcmp(v, "TRUE", 4)))) {
        f->v.b = 1;
        return 0;
    }
    if ((n == 1 && (c0 == 'f' || c0 == 'F')) || (n == 5 && (!memcmp(v, "false", 5) || !memcmp(v, "False", 5) ||
                                                    !memcmp(v, "FALSE", 5)))) {
        f->v.b = 0;
        return 0;
    }
    return 1;
}

/* The slow path: split b[fs..fe) the way InfluxDB does after validation
 * (walkFields, with its "invalid value" and key length checks). *deferred
 * is set when a value would be refused by InfluxDB's storage engine. */
static int walk_fields(lp_ctx *c, const char *b, size_t fs, size_t fe, size_t keylen, size_t *nfout, int *deferred)
{
    size_t p = fs, nf = 0;
    while (p < fe) {
        size_t q = p;
        while (q < fe && !(b[q] == '=' && (q == p || b[q - 1] != '\\')))
            q++;
        if (q + 2 > fe) {
            c->aux.p = b + p;
            c->aux.n = q - p;
            return R_INVALID_VALUE;
        }
        if (keylen + 4 + (q - p) > HB_LP_MAX_KEY_LENGTH) {
            c->auxn = keylen + 4 + (q - p);
            return R_MAX_KEY;
        }
        size_t v = q + 1, j = v;
        int quoted = 0;
        while (j < fe) {
            if (b[j] == '\\' && j + 1 < fe && (b[j + 1] == '"' || b[j + 1] == '\\')) {
                j += 2;
                continue;
            }
            if (b[j] == '"') {
                quoted = !quoted;
                j++;
                continue;
            }
            if (b[j] == ',' && !quoted)
                break;
            j++;
        }
        hb_field *f = push_field(c, &nf);
        if (!f || unescape(c, b + p, q - p, U_NAME, &f->key))
            return R_FATAL;
        int r = iter_value(c, b + v, j - v, f);
        if (r < 0)
            return R_FATAL;
        if (r)
            *deferred = 1;
        p = j;
        if (p < fe)
            p++;
    }
    *nfout = nf;
    return 0;
}

/* ------------------------------------------------------------------ */
/* points                                                              */

static unsigned key_bit(hb_slice k)
{
    size_t n = k.n;
    unsigned h = (unsigned)n * 7u;
    if (n)
        h += (unsigned char)k.p[0] * 3u + (unsigned char)k.p[n - 1] * 5u + (unsigned char)k.p[n / 2];
    return h & 63u;
}

static int add_fdup(lp_ctx *c, hb_slice key, hb_ftype type)
{
    hb_lp_result *res = c->res;
    if (res->nfdups == c->fdcap) {
        size_t ncap = c->fdcap ? c->fdcap * 2 : 8;
        hb_lp_fdup *n = lp_alloc(c, ncap * sizeof *n);
        if (!n)
            return -1;
        if (res->nfdups)
            memcpy(n, res->fdups, res->nfdups * sizeof *n);
        res->fdups = n;
        c->fdcap = ncap;
    }
    hb_lp_fdup *d = &res->fdups[res->nfdups++];
    d->point = res->npoints;
    d->key = key;
    d->type = type;
    return 0;
}

/* Merge field k into the earlier field d with the same key (last wins). */
static int merge_dup(lp_ctx *c, hb_field *d, const hb_field *k)
{
    if (d->type != k->type && add_fdup(c, d->key, d->type))
        return -1;
    d->type = k->type;
    d->v = k->v;
    return 0;
}

/* Remove repeated field keys from c->fs[0..nf): returns the new count, or
 * SIZE_MAX on a fatal error. Short lines use a 64-bit filter and a linear
 * search; long ones a hash set, so hostile lines stay linear. */
static size_t dedupe_fields(lp_ctx *c, size_t nf)
{
    hb_field *fs = c->fs;
    size_t m = 0;
    if (nf <= 32) {
        uint64_t seen = 0;
        for (size_t j = 0; j < nf; j++) {
            uint64_t bit = 1ull << key_bit(fs[j].key);
            size_t d = SIZE_MAX;
            if (seen & bit) {
                for (size_t k = 0; k < m; k++)
                    if (hb_slice_eq(fs[k].key, fs[j].key)) {
                        d = k;
                        break;
                    }
            }
            seen |= bit;
            if (d != SIZE_MAX) {
                if (merge_dup(c, &fs[d], &fs[j]))
                    return SIZE_MAX;
            } else {
                fs[m++] = fs[j];
            }
        }
        return m;
    }
    size_t slots = 64;
    while (slots < nf * 2)
        slots *= 2;
    if (grow(c, (void **)&c->dset, &c->dsetcap, slots, sizeof *c->dset))
        return SIZE_MAX;
    memset(c->dset, 0, slots * sizeof *c->dset);
    for (size_t j = 0; j < nf; j++) {
        size_t i = hash_bytes(fs[j].key.p, fs[j].key.n) & (slots - 1);
        for (;;) {
            size_t s = c->dset[i];
            if (!s) {
                fs[m] = fs[j];
                c->dset[i] = ++m;
                break;
            }
            if (hb_slice_eq(fs[s - 1].key, fs[j].key)) {
                if (merge_dup(c, &fs[s - 1], &fs[j]))
                    return SIZE_MAX;
                break;
            }
            i = (i + 1) & (slots - 1);
        }
    }
    return m;
}

static int add_point(lp_ctx *c, const kc_ent *ke, size_t nf, int64_t t)
{
    hb_lp_result *res = c->res;
    if (c->o->max_points && res->npoints >= c->o->max_points) {
        c->fatal = hb_err_set(c->err, HB_ELIMIT, "line protocol: more than %zu points in one request",
                              c->o->max_points);
        return R_FATAL;
    }
    nf = dedupe_fields(c, nf);
    if (nf == SIZE_MAX)
        return R_FATAL;
    if (res->npoints == c->pcap) {
        size_t ncap = c->pcap * 2;
        hb_point *np = lp_alloc(c, ncap * sizeof *np);
        if (!np)
            return R_FATAL;
        if (res->npoints)
            memcpy(np, res->points, res->npoints * sizeof *np);
        res->points = np;
        c->pcap = ncap;
    }
    hb_field *fa = lp_alloc(c, nf * sizeof *fa);
    if (!fa)
        return R_FATAL;
    memcpy(fa, c->fs, nf * sizeof *fa);
    hb_point *pt = &res->points[res->npoints++];
    pt->measurement = ke->measurement;
    pt->series_key = ke->series_key;
    pt->tags = ke->tags;
    pt->ntags = ke->ntags;
    pt->nfields = (uint32_t)nf;
    pt->fields = fa;
    pt->time = t;
    pt->series_id = 0;
    return 0;
}

/* InfluxDB's parsePoint on one line (leading blanks and the '\n' already
 * gone). Returns 0 (point added), an R_* reason, or R_FATAL. */
static int parse_line(lp_ctx *c, const char *b, size_t len, int has_bs)
{
    int r;
    /* 1. key: try the cache with the bytes up to the first unescaped space */
    size_t e = SIZE_MAX;
    for (const char *p = b + 1, *end = b + len; p < end;) {
        const char *sp = memchr(p, ' ', (size_t)(end - p));
        if (!sp)
            break;
        if (!has_bs || sp[-1] != '\\') {
            e = (size_t)(sp - b);
            break;
        }
        p = sp + 1;
    }
    kc_ent key, *hit = NULL;
    uint64_t h = 0;
    if (e != SIZE_MAX) {
        h = hash_bytes(b, e);
        hit = kc_find(c, h, b, e);
    }
    if (hit) {
        key = *hit;
    } else {
        size_t kend, mend, nt;
        if ((r = scan_key(c, b, len, &kend, &mend, &nt)))
            return r;
        if ((r = build_key(c, b, kend, mend, nt, &key)))
            return r;
        key.hash = h;
        if (kend == e) /* always true; the cache relies on it */
            kc_insert(c, &key);
    }

    /* 2. fields */
    size_t fstart, fend, nf;
    int simple, deferred = 0;
    if ((r = scan_fields(c, b, len, key.rawn, &fstart, &fend, &nf, &simple)))
        return r;
    if (simple) {
        for (size_t j = 0; j < nf; j++) {
            if (key.rawn + 4 + c->fs[j].key.n > HB_LP_MAX_KEY_LENGTH) {
                c->auxn = key.rawn + 4 + c->fs[j].key.n;
                return R_MAX_KEY;
            }
        }
    } else if ((r = walk_fields(c, b, fstart, fend, key.rawn, &nf, &deferred))) {
        return r;
    }

    /* 3. timestamp */
    size_t ts = skip_ws(b, len, fend), j = ts;
    for (; j < len; j++) {
        char ch = b[j];
        if (ch == '\n' || ch == ' ')
            break;
        if (j == ts && ch == '-')
            continue;
        if (!is_digit(ch))
            return R_BAD_TIMESTAMP;
    }
    int64_t t = c->deftime;
    if (j > ts) {
        int64_t v = 0;
        int pr = parse_i64(b + ts, j - ts, &v);
        if (pr) {
            c->aux.p = b + ts;
            c->aux.n = j - ts;
            return pr == 1 ? R_TS_RANGE : R_TS_SYNTAX;
        }
        if (__builtin_mul_overflow(v, c->prec, &t) || t < LP_MIN_TIME || t > LP_MAX_TIME)
            return R_TIME_RANGE;
        for (; j < len; j++)
            if (b[j] != ' ')
                return R_INVALID_POINT;
    }
    if (deferred)
        return R_INVALID_FIELD_FORMAT;
    return add_point(c, &key, nf, t);
}

/* ------------------------------------------------------------------ */
/* entry points                                                        */

int hb_lp_parse(const char *body, size_t len, const hb_lp_opts *opts, hb_arena *arena, hb_lp_result *res,
                hb_err *err)
{
    memset(res, 0, sizeof *res);
    hb_buf_init(&res->errors, opts->max_error_bytes ? opts->max_error_bytes : HB_LP_DEFAULT_MAX_ERROR_BYTES);
    lp_ctx c;
    memset(&c, 0, sizeof c);
    c.o = opts;
    c.arena = arena;
    c.res = res;
    c.err = err;
    c.prec = opts->precision_ns > 0 ? opts->precision_ns : 1;
    /* InfluxDB truncates the receive time to the precision (floor). */
    int64_t mod = opts->default_time % c.prec;
    if (mod < 0)
        mod += c.prec;
    if (__builtin_sub_overflow(opts->default_time, mod, &c.deftime))
        c.deftime = opts->default_time;

    /* Start with room for a typical request; doubles as needed. */
    c.pcap = len / 256 + 16;
    if (c.pcap > 65536)
        c.pcap = 65536;
    if (opts->max_points && c.pcap > opts->max_points + 1)
        c.pcap = opts->max_points + 1;
    res->points = lp_alloc(&c, c.pcap * sizeof *res->points);

    size_t pos = 0, lineno = 0;
    while (res->points && pos < len) {
        const char *blk = body + pos;
        size_t rem = len - pos, bl;
        const char *nl = memchr(blk, '\n', rem);
        bl = nl ? (size_t)(nl - blk) : rem;
        int has_bs = memchr(blk, '\\', bl) != NULL;
        if (has_bs || memchr(blk, '"', bl)) {
            /* escapes and quotes can hide a newline: InfluxDB's scanner */
            size_t bl2 = scan_line(blk, rem);
            if (bl2 != bl)
                has_bs = memchr(blk, '\\', bl2) != NULL;
            bl = bl2;
        }
        lineno++;
        size_t at = pos;
        pos += bl + 1;
        /* CRLF line endings: InfluxDB 1.x keeps the '\r' and fails the line;
         * we accept them, also at the end of the body (docs/compatibility.md).
         * An escaped '\r' stays. */
        if (bl > 0 && blk[bl - 1] == '\r' && (bl < 2 || blk[bl - 2] != '\\'))
            bl--;
        if (bl == 0)
            continue;
        size_t s = skip_ws(blk, bl, 0);
        if (s >= bl || blk[s] == '#')
            continue;
        if (blk[bl - 1] == '\n')
            bl--;
        if (opts->max_line_bytes && bl - s > opts->max_line_bytes) {
            c.fatal = hb_err_set(err, HB_ELIMIT,
                                 "line protocol: line %zu (byte offset %zu) is %zu bytes long, the limit is %zu",
                                 lineno, at + s, bl - s, opts->max_line_bytes);
            break;
        }
        int r = parse_line(&c, blk + s, bl - s, has_bs);
        if (r == R_FATAL || c.fatal)
            break;
        if (r && add_failure(&c, blk + s, bl - s, r))
            break;
    }

    free(c.rt);
    free(c.fs);
    free(c.nb);
    free(c.dset);
    free(c.kc);
    if (c.fatal)
        return c.fatal;
    hb_err_clear(err);
    return HB_OK;
}

int hb_lp_precision(const char *s, int64_t *ns_per_unit)
{
    if (!s || !ns_per_unit)
        return HB_EINVAL;
    int64_t m = 1;
    if (!*s || !strcmp(s, "n") || !strcmp(s, "ns"))
        m = 1;
    else if (!strcmp(s, "u") || !strcmp(s, "\xc2\xb5"))
        m = 1000;
    else if (!strcmp(s, "ms"))
        m = 1000000;
    else if (!strcmp(s, "s"))
        m = 1000000000;
    else if (!strcmp(s, "m"))
        m = 60LL * 1000000000;
    else if (!strcmp(s, "h"))
        m = 3600LL * 1000000000;
    else
        return HB_EINVAL;
    *ns_per_unit = m;
    return HB_OK;
}
