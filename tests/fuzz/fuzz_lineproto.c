/* libFuzzer target for the line protocol parser.
 *
 * The first byte picks options (precision, unsigned support, small caps);
 * the rest is the body. Besides ASan/UBSan it checks what callers rely on:
 * every point has >= 1 field with unique keys, tags sorted with no
 * duplicates, the series key is the canonical escaping of measurement +
 * tags, times in InfluxDB's range, slices inside the body when they point
 * there, error text consistent with nfailed, and a second parse giving the
 * same answer. Bodies without quotes and backslashes are also parsed line by
 * line: the result must be the same (line splitting and the key cache). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/lineproto.h"
#include "domain/series_key.h"

#define CHECK(c)                                                                        \
    do {                                                                                \
        if (!(c)) {                                                                     \
            fprintf(stderr, "fuzz_lineproto: check failed: %s (line %d)\n", #c, __LINE__); \
            abort();                                                                    \
        }                                                                               \
    } while (0)

static int cmp_slice(hb_slice a, hb_slice b)
{
    size_t n = a.n < b.n ? a.n : b.n;
    int r = n ? memcmp(a.p, b.p, n) : 0;
    return r ? r : (a.n > b.n) - (a.n < b.n);
}

static void check_slice(hb_slice s, const char *body, size_t len)
{
    CHECK(s.n == 0 || s.p != NULL);
    if (s.p >= body && s.p < body + len)
        CHECK(s.n <= (size_t)(body + len - s.p));
}

static void check_point(const hb_point *p, const char *body, size_t len)
{
    CHECK(p->nfields >= 1);
    CHECK(p->measurement.n >= 1);
    CHECK(p->time >= INT64_MIN + 2 && p->time <= INT64_MAX - 1);
    check_slice(p->measurement, body, len);
    check_slice(p->series_key, body, len);
    for (uint32_t i = 0; i < p->ntags; i++) {
        check_slice(p->tags[i].key, body, len);
        check_slice(p->tags[i].val, body, len);
        CHECK(p->tags[i].key.n >= 1 && p->tags[i].val.n >= 1);
        if (i)
            CHECK(cmp_slice(p->tags[i - 1].key, p->tags[i].key) < 0);
    }
    size_t kn = hb_series_key_len(p->measurement, p->tags, p->ntags);
    CHECK(kn == p->series_key.n);
    char *k = malloc(kn + 1);
    CHECK(k != NULL);
    hb_series_key_write(k, p->measurement, p->tags, p->ntags);
    CHECK(memcmp(k, p->series_key.p, kn) == 0);
    free(k);
    for (uint32_t i = 0; i < p->nfields; i++) {
        const hb_field *f = &p->fields[i];
        check_slice(f->key, body, len);
        CHECK(f->type < HB_FT_COUNT);
        if (f->type == HB_FT_STRING)
            check_slice(f->v.s, body, len);
        if (f->type == HB_FT_BOOLEAN)
            CHECK(f->v.b == 0 || f->v.b == 1);
        for (uint32_t j = 0; j < i; j++)
            CHECK(!hb_slice_eq(p->fields[j].key, f->key));
    }
}

static int same_field(const hb_field *a, const hb_field *b)
{
    if (!hb_slice_eq(a->key, b->key) || a->type != b->type)
        return 0;
    switch (a->type) {
    case HB_FT_FLOAT: return memcmp(&a->v.f, &b->v.f, sizeof a->v.f) == 0;
    case HB_FT_INTEGER: return a->v.i == b->v.i;
    case HB_FT_UNSIGNED: return a->v.u == b->v.u;
    case HB_FT_BOOLEAN: return a->v.b == b->v.b;
    case HB_FT_STRING: return hb_slice_eq(a->v.s, b->v.s);
    }
    return 0;
}

static int same_point(const hb_point *a, const hb_point *b)
{
    if (!hb_slice_eq(a->measurement, b->measurement) || !hb_slice_eq(a->series_key, b->series_key) ||
        a->ntags != b->ntags || a->nfields != b->nfields || a->time != b->time)
        return 0;
    for (uint32_t i = 0; i < a->ntags; i++)
        if (!hb_slice_eq(a->tags[i].key, b->tags[i].key) || !hb_slice_eq(a->tags[i].val, b->tags[i].val))
            return 0;
    for (uint32_t i = 0; i < a->nfields; i++)
        if (!same_field(&a->fields[i], &b->fields[i]))
            return 0;
    return 1;
}

/* Parse each '\n'-separated line alone; compare with the whole-body parse. */
static void check_line_by_line(const char *body, size_t len, const hb_lp_opts *o, const hb_lp_result *whole)
{
    hb_arena a;
    hb_arena_init(&a, 4096, 0);
    hb_buf errs;
    hb_buf_init(&errs, 0);
    size_t np = 0, nfailed = 0, pos = 0;
    while (pos <= len) {
        const char *nl = memchr(body + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - body - pos) : len - pos;
        hb_lp_result r;
        hb_err e;
        int rc = hb_lp_parse(body + pos, n, o, &a, &r, &e);
        CHECK(rc == HB_OK);
        for (size_t i = 0; i < r.npoints; i++) {
            CHECK(np < whole->npoints);
            CHECK(same_point(&r.points[i], &whole->points[np]));
            np++;
        }
        nfailed += r.nfailed;
        if (r.errors.len) {
            if (errs.len)
                CHECK(hb_buf_putc(&errs, '\n') == HB_OK);
            CHECK(hb_buf_append(&errs, r.errors.data, r.errors.len) == HB_OK);
        }
        hb_buf_free(&r.errors);
        hb_arena_reset(&a);
        if (!nl)
            break;
        pos += n + 1;
    }
    CHECK(np == whole->npoints);
    CHECK(nfailed == whole->nfailed);
    CHECK(errs.len == whole->errors.len);
    CHECK(errs.len == 0 || memcmp(errs.data, whole->errors.data, errs.len) == 0);
    hb_buf_free(&errs);
    hb_arena_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const int64_t precs[] = { 1, 1000, 1000000, 1000000000, 60000000000LL, 3600000000000LL, 1, 1 };
    uint8_t sel = data[0];
    hb_lp_opts o = { 0 };
    o.precision_ns = precs[sel & 7];
    o.default_time = (sel & 8) ? 1700000000123456789LL : -1234567891LL;
    o.allow_unsigned = (sel >> 4) & 1;
    int capped = (sel >> 5) & 1;
    if (capped) {
        o.max_points = 3;
        o.max_line_bytes = 40;
        o.max_error_bytes = 120;
    }
    const char *body = (const char *)data + 1;
    size_t len = size - 1;

    hb_arena arena;
    hb_arena_init(&arena, 1024, (sel >> 6) == 3 ? 64 * 1024 : 0);
    hb_lp_result res;
    hb_err err;
    int rc = hb_lp_parse(body, len, &o, &arena, &res, &err);
    CHECK(rc == HB_OK || rc == HB_ELIMIT || rc == HB_ENOMEM);
    if (rc != HB_OK)
        CHECK(err.msg[0] != '\0');
    if (o.max_points)
        CHECK(res.npoints <= o.max_points);
    for (size_t i = 0; i < res.npoints; i++)
        check_point(&res.points[i], body, len);
    for (size_t i = 0; i < res.nfdups; i++)
        CHECK(res.fdups[i].point < res.npoints || rc != HB_OK);
    if (res.nfailed == 0)
        CHECK(res.errors.len == 0);
    if (res.errors.len)
        CHECK(memcmp(res.errors.data, "unable to parse '", 17) == 0);
    CHECK(res.errors.len <= (o.max_error_bytes ? o.max_error_bytes : HB_LP_DEFAULT_MAX_ERROR_BYTES));

    if (rc == HB_OK) {
        /* same answer twice */
        hb_arena a2;
        hb_arena_init(&a2, 1024, 0);
        hb_lp_result r2;
        CHECK(hb_lp_parse(body, len, &o, &a2, &r2, &err) == HB_OK);
        CHECK(r2.npoints == res.npoints && r2.nfailed == res.nfailed && r2.errors.len == res.errors.len);
        CHECK(res.errors.len == 0 || memcmp(r2.errors.data, res.errors.data, res.errors.len) == 0);
        for (size_t i = 0; i < res.npoints; i++)
            CHECK(same_point(&res.points[i], &r2.points[i]));
        hb_buf_free(&r2.errors);
        hb_arena_free(&a2);

        if (!capped && !memchr(body, '"', len) && !memchr(body, '\\', len))
            check_line_by_line(body, len, &o, &res);
    }
    hb_buf_free(&res.errors);
    hb_arena_free(&arena);
    return 0;
}
