#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <unistd.h>

#include "base/tzdb.h"

/* ---- a TZif writer for the tests (RFC 8536 layout, one abbreviation) ---- */

typedef struct ttype {
    int32_t off;
    uint8_t dst;
} ttype;

static size_t put32(uint8_t *o, uint32_t v)
{
    o[0] = (uint8_t)(v >> 24);
    o[1] = (uint8_t)(v >> 16);
    o[2] = (uint8_t)(v >> 8);
    o[3] = (uint8_t)v;
    return 4;
}

static size_t header(uint8_t *o, char version, size_t nt, size_t ntypes)
{
    memset(o, 0, 44);
    memcpy(o, "TZif", 4);
    o[4] = (uint8_t)version;
    put32(o + 32, (uint32_t)nt);
    put32(o + 36, (uint32_t)ntypes);
    put32(o + 40, 4);   /* charcnt: "XXX\0" */
    return 44;
}

static size_t block(uint8_t *o, int wide, const int64_t *tt, const uint8_t *ti, size_t nt, const ttype *ty,
                    size_t ntypes)
{
    size_t n = 0;
    for (size_t i = 0; i < nt; i++) {
        if (wide) {
            n += put32(o + n, (uint32_t)((uint64_t)tt[i] >> 32));
            n += put32(o + n, (uint32_t)tt[i]);
        } else {
            n += put32(o + n, (uint32_t)(int32_t)tt[i]);
        }
    }
    if (nt)
        memcpy(o + n, ti, nt);
    n += nt;
    for (size_t i = 0; i < ntypes; i++) {
        n += put32(o + n, (uint32_t)ty[i].off);
        o[n++] = ty[i].dst;
        o[n++] = 0;
    }
    memcpy(o + n, "XXX", 4);
    return n + 4;
}

/* version '2' with footer (NULL: none, v1 only) */
static size_t build(uint8_t *o, const int64_t *tt, const uint8_t *ti, size_t nt, const ttype *ty, size_t ntypes,
                    const char *footer)
{
    size_t n = header(o, footer ? '2' : 0, nt, ntypes);
    n += block(o + n, 0, tt, ti, nt, ty, ntypes);
    if (!footer)
        return n;
    n += header(o + n, '2', nt, ntypes);
    n += block(o + n, 1, tt, ti, nt, ty, ntypes);
    o[n++] = '\n';
    memcpy(o + n, footer, strlen(footer));
    n += strlen(footer);
    o[n++] = '\n';
    return n;
}

static hb_tz *parse_ok(const uint8_t *d, size_t n)
{
    hb_tz *z = NULL;
    hb_err err;
    assert_int_equal(hb_tz_parse(d, n, "test", &z, &err), HB_OK);
    assert_non_null(z);
    return z;
}

/* A zone whose table stops in 2000 (a "slim" file): later instants come
 * from the footer. */
static hb_tz *footer_zone(const char *footer, int32_t std, int32_t dst)
{
    static uint8_t buf[512];
    int64_t tt[] = { 946684800 };   /* 2000-01-01 */
    uint8_t ti[] = { 1 };
    ttype ty[] = { { 600, 0 }, { std, 0 }, { dst, 1 } };
    return parse_ok(buf, build(buf, tt, ti, 1, ty, 3, footer));
}

static void footer_rules(void **state)
{
    hb_tz *z = footer_zone("CET-1CEST,M3.5.0,M10.5.0/3", 3600, 7200);
    assert_int_equal(hb_tz_lookup(z, 1679792400 - 1, NULL, NULL), 3600);   /* 2023-03-26 01:00Z */
    assert_int_equal(hb_tz_lookup(z, 1679792400, NULL, NULL), 7200);
    assert_int_equal(hb_tz_lookup(z, 1698541200 - 1, NULL, NULL), 7200);   /* 2023-10-29 01:00Z */
    assert_int_equal(hb_tz_lookup(z, 1698541200, NULL, NULL), 3600);
    assert_int_equal(hb_tz_lookup(z, 7265725200 - 1, NULL, NULL), 3600);   /* 2200-03-30 01:00Z */
    assert_int_equal(hb_tz_lookup(z, 7265725200, NULL, NULL), 7200);
    assert_int_equal(hb_tz_lookup(z, 7283869200, NULL, NULL), 3600);       /* 2200-10-26 01:00Z */
    assert_int_equal(hb_tz_lookup(z, 946684800 - 1, NULL, NULL), 600);     /* before: the table */
    assert_int_equal(hb_tz_next_change(z, 1672531200), 1679792400);
    assert_int_equal(hb_tz_next_change(z, 1679792400), 1698541200);
    hb_tz_free(z);

    /* southern hemisphere: DST across the new year */
    z = footer_zone("AEST-10AEDT,M10.1.0,M4.1.0/3", 36000, 39600);
    assert_int_equal(hb_tz_lookup(z, 1673740800, NULL, NULL), 39600);     /* 2023-01-15 */
    assert_int_equal(hb_tz_lookup(z, 1680364800 - 1, NULL, NULL), 39600); /* 2023-04-01 16:00Z */
    assert_int_equal(hb_tz_lookup(z, 1680364800, NULL, NULL), 36000);
    assert_int_equal(hb_tz_lookup(z, 1696089600 - 1, NULL, NULL), 36000); /* 2023-09-30 16:00Z */
    assert_int_equal(hb_tz_lookup(z, 1696089600, NULL, NULL), 39600);
    hb_tz_free(z);

    /* no rules given: POSIX's default (US) rules */
    z = footer_zone("EST5EDT", -18000, -14400);
    assert_int_equal(hb_tz_lookup(z, 1678604400 - 1, NULL, NULL), -18000); /* 2023-03-12 07:00Z */
    assert_int_equal(hb_tz_lookup(z, 1678604400, NULL, NULL), -14400);
    hb_tz_free(z);

    /* Julian days (Feb 29 never counted), times, quoted names */
    z = footer_zone("<-03>3<-02>,J60/0,J300/0", -10800, -7200);
    assert_int_equal(hb_tz_lookup(z, 1709262000 - 1, NULL, NULL), -10800); /* 2024-03-01 03:00Z */
    assert_int_equal(hb_tz_lookup(z, 1709262000, NULL, NULL), -7200);
    assert_int_equal(hb_tz_lookup(z, 1729994400 - 1, NULL, NULL), -7200);  /* 2024-10-27 02:00Z */
    assert_int_equal(hb_tz_lookup(z, 1729994400, NULL, NULL), -10800);
    hb_tz_free(z);

    z = footer_zone("<+0530>-5:30", 19800, 19800);
    assert_int_equal(hb_tz_lookup(z, 1700000000, NULL, NULL), 19800);
    assert_int_equal(hb_tz_next_change(z, 1700000000), INT64_MAX);
    hb_tz_free(z);

    /* a footer that does not parse is ignored: the last type goes on */
    z = footer_zone("CET-1CEST,M13.5.0,M10.5.0", 3600, 7200);
    assert_int_equal(hb_tz_lookup(z, 1690000000, NULL, NULL), 3600);
    hb_tz_free(z);
}

static void no_transitions(void **state)
{
    uint8_t buf[512];
    /* Go treats a table without transitions as one transition at the
     * dawn of time: the footer applies everywhere */
    ttype ty[] = { { 3600, 0 } };
    hb_tz *z = parse_ok(buf, build(buf, NULL, NULL, 0, ty, 1, "CET-1CEST,M3.5.0,M10.5.0/3"));
    assert_int_equal(hb_tz_lookup(z, 1690000000, NULL, NULL), 7200);
    assert_int_equal(hb_tz_lookup(z, 1700000000, NULL, NULL), 3600);
    hb_tz_free(z);
    z = parse_ok(buf, build(buf, NULL, NULL, 0, ty, 1, ""));
    assert_int_equal(hb_tz_lookup(z, 1690000000, NULL, NULL), 3600);
    hb_tz_free(z);
}

static void v1_and_first_type(void **state)
{
    uint8_t buf[512];
    /* version 1 (32-bit times, no footer); type 0 unused by transitions:
     * it is the zone before the first one */
    int64_t tt[] = { -1000000000, 0, 1000000000 };
    uint8_t ti[] = { 1, 2, 1 };
    ttype ty[] = { { 1234, 0 }, { 3600, 0 }, { 7200, 1 } };
    hb_tz *z = parse_ok(buf, build(buf, tt, ti, 3, ty, 3, NULL));
    assert_int_equal(hb_tz_lookup(z, -2000000000, NULL, NULL), 1234);
    assert_int_equal(hb_tz_lookup(z, -1000000000, NULL, NULL), 3600);
    assert_int_equal(hb_tz_lookup(z, 5, NULL, NULL), 7200);
    assert_int_equal(hb_tz_lookup(z, 2000000000, NULL, NULL), 3600);
    int64_t start, end;
    hb_tz_lookup(z, 5, &start, &end);
    assert_int_equal(start, 0);
    assert_int_equal(end, 1000000000);
    hb_tz_free(z);
    /* type 0 used: the first standard type is the one before (Go's rule) */
    uint8_t ti2[] = { 2, 0, 2 };
    ttype ty2[] = { { 3600, 0 }, { 1800, 0 }, { 7200, 1 } };
    z = parse_ok(buf, build(buf, tt, ti2, 3, ty2, 3, NULL));
    assert_int_equal(hb_tz_lookup(z, -2000000000, NULL, NULL), 1800);
    hb_tz_free(z);
}

static void corrupt_files(void **state)
{
    uint8_t buf[512], bad[512];
    int64_t tt[] = { 0, 1000 };
    uint8_t ti[] = { 0, 1 };
    ttype ty[] = { { 3600, 0 }, { 7200, 1 } };
    size_t n = build(buf, tt, ti, 2, ty, 2, "CET-1");
    hb_tz *z = NULL;
    hb_err err;
    hb_tz_free(parse_ok(buf, n));
    /* every truncation fails cleanly */
    for (size_t k = 0; k < n - 1; k++) {
        assert_int_equal(hb_tz_parse(buf, k, "t", &z, &err), HB_ECORRUPT);
        assert_null(z);
    }
    memcpy(bad, buf, n);
    bad[0] = 'X';   /* magic */
    assert_int_equal(hb_tz_parse(bad, n, "t", &z, &err), HB_ECORRUPT);
    memcpy(bad, buf, n);
    bad[4] = '!';   /* version */
    assert_int_equal(hb_tz_parse(bad, n, "t", &z, &err), HB_ECORRUPT);
    /* a type index out of range */
    uint8_t ti_bad[] = { 0, 2 };
    n = build(bad, tt, ti_bad, 2, ty, 2, "CET-1");
    assert_int_equal(hb_tz_parse(bad, n, "t", &z, &err), HB_ECORRUPT);
    assert_non_null(strstr(err.msg, "malformed"));
    /* transitions not ascending */
    int64_t tt_bad[] = { 1000, 1000 };
    n = build(bad, tt_bad, ti, 2, ty, 2, "CET-1");
    assert_int_equal(hb_tz_parse(bad, n, "t", &z, &err), HB_ECORRUPT);
    /* no types */
    n = build(bad, NULL, NULL, 0, ty, 0, "CET-1");
    assert_int_equal(hb_tz_parse(bad, n, "t", &z, &err), HB_ECORRUPT);
    /* footer without its newlines */
    n = build(bad, tt, ti, 2, ty, 2, "CET-1");
    bad[n - 1] = 'x';
    assert_int_equal(hb_tz_parse(bad, n, "t", &z, &err), HB_ECORRUPT);
    assert_null(z);
}

static int have_zoneinfo(void)
{
    return access("/usr/share/zoneinfo/Europe/Oslo", R_OK) == 0;
}

static void names(void **state)
{
    const hb_tz *z = (const hb_tz *)1;
    hb_err err;
    assert_int_equal(hb_tz_load("", 0, &z, &err), HB_OK);
    assert_null(z);
    assert_int_equal(hb_tz_load("UTC", 3, &z, &err), HB_OK);
    assert_null(z);
    assert_int_equal(hb_tz_offset_ns(NULL, 123), 0);
    assert_string_equal(hb_tz_name(NULL), "UTC");
    static const char *const refused[] = { "Nope/Zone", "../etc/passwd", "/etc/localtime", "Europe/../UTC",
                                           "\\x", "Europe/Oslo ", "Europe" };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        assert_int_equal(hb_tz_load(refused[i], strlen(refused[i]), &z, &err), HB_ENOTFOUND);
    assert_int_equal(hb_tz_load("Europe/Oslo\0x", 13, &z, &err), HB_ENOTFOUND);
    char longname[400];
    memset(longname, 'a', sizeof longname);
    assert_int_equal(hb_tz_load(longname, sizeof longname, &z, &err), HB_ENOTFOUND);
}

static void system_zone(void **state)
{
    if (!have_zoneinfo())
        skip();
    const hb_tz *z = NULL;
    hb_err err;
    assert_int_equal(hb_tz_load("Europe/Oslo", 11, &z, &err), HB_OK);
    assert_non_null(z);
    assert_string_equal(hb_tz_name(z), "Europe/Oslo");
    assert_int_equal(hb_tz_offset_ns(z, (1679792400LL - 1) * 1000000000), 3600);
    assert_int_equal(hb_tz_offset_ns(z, 1679792400LL * 1000000000), 7200);
    assert_int_equal(hb_tz_offset_ns(z, 1698541200LL * 1000000000 - 1), 7200);
    assert_int_equal(hb_tz_offset_ns(z, 1698541200LL * 1000000000), 3600);
    assert_int_equal(hb_tz_lookup(z, 7265725200, NULL, NULL), 7200);   /* 2200, past any table */
    assert_int_equal(hb_tz_next_change(z, 1672531200), 1679792400);
    /* wall clock to UTC as Go's time.Date: the overlap gives the later
     * instant for 02:00, the gap moves 02:30 to 01:30Z (03:30+02:00) */
    assert_int_equal(hb_tz_wall_to_utc(z, 1698544800), 1698541200);   /* 2023-10-29 02:00 */
    assert_int_equal(hb_tz_wall_to_utc(z, 1698541200), 1698534000);   /* 2023-10-29 01:00 */
    assert_int_equal(hb_tz_wall_to_utc(z, 1679797800), 1679794200);   /* 2023-03-26 02:30 */
    assert_int_equal(hb_tz_wall_to_utc(z, 1679788800), 1679785200);   /* 2023-03-26 00:00 */
    assert_int_equal(hb_tz_wall_to_utc(NULL, 42), 42);
}

static void *load_many(void *arg)
{
    const hb_tz **out = arg;
    hb_err err;
    for (int i = 0; i < 200; i++) {
        const hb_tz *z = NULL;
        if (hb_tz_load(i % 2 ? "America/New_York" : "Asia/Kolkata", i % 2 ? 16 : 12, &z, &err) != HB_OK)
            return NULL;
        out[i % 2] = z;
    }
    return arg;
}

static void cache_shared_by_threads(void **state)
{
    if (!have_zoneinfo())
        skip();
    enum { N = 8 };
    pthread_t th[N];
    const hb_tz *got[N][2];
    for (int i = 0; i < N; i++)
        assert_int_equal(pthread_create(&th[i], NULL, load_many, got[i]), 0);
    for (int i = 0; i < N; i++) {
        void *r;
        pthread_join(th[i], &r);
        assert_non_null(r);
    }
    for (int i = 1; i < N; i++) {
        assert_ptr_equal(got[i][0], got[0][0]);
        assert_ptr_equal(got[i][1], got[0][1]);
    }
    assert_int_equal(hb_tz_lookup(got[0][0], 1700000000, NULL, NULL), 19800);
    assert_int_equal(hb_tz_lookup(got[0][1], 1700000000, NULL, NULL), -18000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(footer_rules),
        cmocka_unit_test(no_transitions),
        cmocka_unit_test(v1_and_first_type),
        cmocka_unit_test(corrupt_files),
        cmocka_unit_test(names),
        cmocka_unit_test(system_zone),
        cmocka_unit_test(cache_shared_by_threads),
    };
    return cmocka_run_group_tests_name("base/tzdb", tests, NULL, NULL);
}
