#include "base/fmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Shortest decimal digits that read back as f: digits (no dot) and the
 * decimal exponent e such that f = 0.d1d2d3... x 10^e. */
static int shortest_digits(double f, char *digits, int *exp10)
{
    char buf[40];
    /* Any decimal of <= 15 digits survives a round trip through a normal
     * double (DBL_DIG), so %.15e finds every shortest form up to 15 digits;
     * subnormals have less precision and need the full search. */
    int start = fabs(f) < 2.2250738585072014e-308 ? 1 : 15;
    for (int prec = start; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*e", prec - 1, f);
        if (prec == 17 || strtod(buf, NULL) == f)
            break;
    }
    /* buf: [-]d.ddddde[+-]xx */
    const char *p = buf;
    if (*p == '-')
        p++;
    int n = 0;
    for (; *p && *p != 'e'; p++)
        if (*p != '.')
            digits[n++] = *p;
    int e = atoi(p + 1);
    while (n > 1 && digits[n - 1] == '0')
        n--;
    digits[n] = '\0';
    *exp10 = e + 1;
    return n;
}

size_t hb_fmt_float_json(double f, char out[32])
{
    if (f == 0)
        return (size_t)snprintf(out, 32, signbit(f) ? "-0" : "0");
    if (isnan(f) || isinf(f))
        return (size_t)snprintf(out, 32, isnan(f) ? "NaN" : (f > 0 ? "+Inf" : "-Inf"));
    char d[24];
    int e;
    int n = shortest_digits(f, d, &e);
    size_t o = 0;
    if (f < 0)
        out[o++] = '-';
    double a = fabs(f);
    if (a < 1e-6 || a >= 1e21) {
        /* d[0].d[1..]e±XX, exponent at least two digits except Go trims e-0X to e-X */
        out[o++] = d[0];
        if (n > 1) {
            out[o++] = '.';
            memcpy(out + o, d + 1, (size_t)n - 1);
            o += (size_t)n - 1;
        }
        int x = e - 1;
        o += (size_t)snprintf(out + o, 32 - o, "e%c%02d", x < 0 ? '-' : '+', x < 0 ? -x : x);
        if (x < 0 && x > -10) { /* e-07 -> e-7 */
            out[o - 2] = out[o - 1];
            o--;
        }
        out[o] = '\0';
        return o;
    }
    if (e <= 0) {
        out[o++] = '0';
        out[o++] = '.';
        for (int i = 0; i < -e; i++)
            out[o++] = '0';
        memcpy(out + o, d, (size_t)n);
        o += (size_t)n;
    } else if (e >= n) {
        memcpy(out + o, d, (size_t)n);
        o += (size_t)n;
        for (int i = n; i < e; i++)
            out[o++] = '0';
    } else {
        memcpy(out + o, d, (size_t)e);
        o += (size_t)e;
        out[o++] = '.';
        memcpy(out + o, d + e, (size_t)(n - e));
        o += (size_t)(n - e);
    }
    out[o] = '\0';
    return o;
}

void hb_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*m <= 2);
}

int64_t hb_days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* secs: the wall clock's seconds (UTC plus off), frac: nanoseconds */
static size_t fmt_rfc3339nano(int64_t secs, int64_t frac, int32_t off, char out[40])
{
    int64_t days = secs / 86400;
    int64_t rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days -= 1;
    }
    int64_t y;
    unsigned mo, d;
    hb_civil_from_days(days, &y, &mo, &d);
    int n;
    if (y >= 0 && y <= 9999) {   /* every realistic time: digits by hand, no printf */
        unsigned h = (unsigned)(rem / 3600), mi = (unsigned)(rem / 60 % 60), sc = (unsigned)(rem % 60);
        unsigned yy = (unsigned)y;
        char *o = out;
        *o++ = (char)('0' + yy / 1000);
        *o++ = (char)('0' + yy / 100 % 10);
        *o++ = (char)('0' + yy / 10 % 10);
        *o++ = (char)('0' + yy % 10);
        *o++ = '-';
        *o++ = (char)('0' + mo / 10);
        *o++ = (char)('0' + mo % 10);
        *o++ = '-';
        *o++ = (char)('0' + d / 10);
        *o++ = (char)('0' + d % 10);
        *o++ = 'T';
        *o++ = (char)('0' + h / 10);
        *o++ = (char)('0' + h % 10);
        *o++ = ':';
        *o++ = (char)('0' + mi / 10);
        *o++ = (char)('0' + mi % 10);
        *o++ = ':';
        *o++ = (char)('0' + sc / 10);
        *o++ = (char)('0' + sc % 10);
        n = (int)(o - out);
    } else {
        n = snprintf(out, 40, "%04lld-%02u-%02uT%02d:%02d:%02d", (long long)y, mo, d, (int)(rem / 3600),
                     (int)(rem / 60 % 60), (int)(rem % 60));
    }
    if (frac) {   /* nine digits, trailing zeros dropped */
        char f[9];
        int64_t x = frac;
        for (int i = 8; i >= 0; i--, x /= 10)
            f[i] = (char)('0' + x % 10);
        int fl = 9;
        while (fl > 0 && f[fl - 1] == '0')
            fl--;
        out[n++] = '.';
        memcpy(out + n, f, (size_t)fl);
        n += fl;
    }
    if (off == 0) {
        out[n++] = 'Z';
    } else {
        /* Go: minutes truncated toward zero, then the sign ("+00:00" for
         * an offset of under a minute west) */
        int32_t zm = off / 60;
        out[n++] = zm < 0 ? '-' : '+';
        if (zm < 0)
            zm = -zm;
        int32_t hh = zm / 60 % 100, mm = zm % 60;
        out[n++] = (char)('0' + hh / 10);
        out[n++] = (char)('0' + hh % 10);
        out[n++] = ':';
        out[n++] = (char)('0' + mm / 10);
        out[n++] = (char)('0' + mm % 10);
    }
    out[n] = '\0';
    return (size_t)n;
}

static void split_ns(int64_t ns, int64_t *secs, int64_t *frac)
{
    *secs = ns / 1000000000;
    *frac = ns % 1000000000;
    if (*frac < 0) {
        *frac += 1000000000;
        *secs -= 1;
    }
}

size_t hb_fmt_rfc3339nano(int64_t ns, char out[40])
{
    int64_t secs, frac;
    split_ns(ns, &secs, &frac);
    return fmt_rfc3339nano(secs, frac, 0, out);
}

size_t hb_fmt_rfc3339nano_off(int64_t ns, int32_t off, char out[40])
{
    int64_t secs, frac;
    split_ns(ns, &secs, &frac);
    return fmt_rfc3339nano(secs + off, frac, off, out);
}
