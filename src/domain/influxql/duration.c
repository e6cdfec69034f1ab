#include "domain/influxql/duration.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "domain/influxql/lexer.h"

#define MICRO_SIGN 0xB5

static int invalid(char *msg, size_t msglen)
{
    if (msg && msglen)
        snprintf(msg, msglen, "invalid duration");
    return HB_EPARSE;
}

int hb_iql_duration_parse(const char *s, size_t n, int64_t *out, char *msg, size_t msglen)
{
    *out = 0;
    if (n < 2)
        return invalid(msg, msglen);

    /* Decode into runes first, as the rules are stated per rune. */
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    int neg = 0;
    uint64_t d = 0; /* wraps like Go's int64 arithmetic */
    int64_t measure = 0;
    char unit[8] = "";

    size_t sz;
    if (u[0] == '-') {
        neg = 1;
        i = 1;
    }
    while (i < n) {
        size_t start = i;
        uint64_t v = 0;
        int overflow = 0;
        while (i < n && u[i] >= '0' && u[i] <= '9') {
            if (v > (uint64_t)INT64_MAX / 10 ||
                (v == (uint64_t)INT64_MAX / 10 && (uint64_t)(u[i] - '0') > (uint64_t)INT64_MAX % 10))
                overflow = 1;
            v = v * 10 + (uint64_t)(u[i] - '0');
            i++;
        }
        if (i >= n || i == start || overflow)
            return invalid(msg, msglen);
        measure = (int64_t)v;
        int32_t r = hb_iql_utf8_decode(u + i, n - i, &sz);
        uint64_t mult;
        size_t adv = sz;
        switch (r) {
        case 'n':
            if (i + 1 < n && u[i + 1] == 's') {
                mult = 1;
                adv = 2;
                strcpy(unit, "ns");
                break;
            }
            return invalid(msg, msglen);
        case 'u':
        case MICRO_SIGN:
            mult = (uint64_t)HB_IQL_NS_PER_US;
            memcpy(unit, u + i, sz);
            unit[sz] = '\0';
            break;
        case 'm':
            if (i + 1 < n && u[i + 1] == 's') {
                mult = (uint64_t)HB_IQL_NS_PER_MS;
                adv = 2;
                strcpy(unit, "ms");
            } else {
                mult = (uint64_t)HB_IQL_NS_PER_MIN;
                strcpy(unit, "m");
            }
            break;
        case 's':
            mult = (uint64_t)HB_IQL_NS_PER_S;
            strcpy(unit, "s");
            break;
        case 'h':
            mult = (uint64_t)HB_IQL_NS_PER_HOUR;
            strcpy(unit, "h");
            break;
        case 'd':
            mult = (uint64_t)HB_IQL_NS_PER_DAY;
            strcpy(unit, "d");
            break;
        case 'w':
            mult = (uint64_t)HB_IQL_NS_PER_WEEK;
            strcpy(unit, "w");
            break;
        default:
            return invalid(msg, msglen);
        }
        d += v * mult;
        i += adv;
    }
    int64_t sd = (int64_t)d;
    if (sd < 0 && !neg) {
        if (msg && msglen)
            snprintf(msg, msglen, "overflowed duration %" PRId64 "%s: choose a smaller duration or INF",
                     measure, unit);
        return HB_EPARSE;
    }
    if (neg)
        sd = (int64_t)(0 - d);
    *out = sd;
    return 0;
}

size_t hb_iql_duration_format(int64_t d, char *buf)
{
    static const struct {
        int64_t div;
        const char *unit;
    } units[] = {
        {HB_IQL_NS_PER_WEEK, "w"}, {HB_IQL_NS_PER_DAY, "d"}, {HB_IQL_NS_PER_HOUR, "h"},
        {HB_IQL_NS_PER_MIN, "m"},  {HB_IQL_NS_PER_S, "s"},   {HB_IQL_NS_PER_MS, "ms"},
        {HB_IQL_NS_PER_US, "u"},
    };
    if (d == 0)
        return (size_t)snprintf(buf, HB_IQL_DURATION_BUFSZ, "0s");
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (d % units[i].div == 0)
            return (size_t)snprintf(buf, HB_IQL_DURATION_BUFSZ, "%" PRId64 "%s", d / units[i].div,
                                    units[i].unit);
    }
    return (size_t)snprintf(buf, HB_IQL_DURATION_BUFSZ, "%" PRId64 "ns", d);
}

/* Go's fmtFrac: writes the fraction of v/10^prec (trailing zeros omitted)
 * backwards ending at buf[w]; returns new w and v/10^prec in *v. */
static size_t fmt_frac(char *buf, size_t w, uint64_t *v, int prec)
{
    int print = 0;
    for (int i = 0; i < prec; i++) {
        unsigned digit = (unsigned)(*v % 10);
        print = print || digit != 0;
        if (print)
            buf[--w] = (char)('0' + digit);
        *v /= 10;
    }
    if (print)
        buf[--w] = '.';
    return w;
}

static size_t fmt_int(char *buf, size_t w, uint64_t v)
{
    if (v == 0) {
        buf[--w] = '0';
        return w;
    }
    while (v > 0) {
        buf[--w] = (char)('0' + v % 10);
        v /= 10;
    }
    return w;
}

size_t hb_iql_duration_string(int64_t d, char *out)
{
    char buf[32];
    size_t w = sizeof buf;
    uint64_t u = (uint64_t)d;
    int neg = d < 0;
    if (neg)
        u = 0 - u;
    if (u < (uint64_t)HB_IQL_NS_PER_S) {
        int prec;
        buf[--w] = 's';
        if (u == 0) {
            memcpy(out, "0s", 3);
            return 2;
        } else if (u < (uint64_t)HB_IQL_NS_PER_US) {
            prec = 0;
            buf[--w] = 'n';
        } else if (u < (uint64_t)HB_IQL_NS_PER_MS) {
            prec = 3;
            buf[--w] = (char)0xB5;
            buf[--w] = (char)0xC2;
        } else {
            prec = 6;
            buf[--w] = 'm';
        }
        w = fmt_frac(buf, w, &u, prec);
        w = fmt_int(buf, w, u);
    } else {
        buf[--w] = 's';
        w = fmt_frac(buf, w, &u, 9);
        w = fmt_int(buf, w, u % 60);
        u /= 60;
        if (u > 0) {
            buf[--w] = 'm';
            w = fmt_int(buf, w, u % 60);
            u /= 60;
            if (u > 0) {
                buf[--w] = 'h';
                w = fmt_int(buf, w, u);
            }
        }
    }
    if (neg)
        buf[--w] = '-';
    size_t len = sizeof buf - w;
    memcpy(out, buf + w, len);
    out[len] = '\0';
    return len;
}
