/* Merged scans (engine/scan.h) over Parquet files and memtable tables:
 * exact results for hand-built cases, a randomized comparison with a naive
 * oracle (random schemas, nulls, escapes, duplicates, tiny row groups and
 * blocks, time ranges, projections), errors, row-group pruning, and a
 * throughput print for a TSBS-like file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adapters/storage_memory.h"
#include "app/memtable.h"
#include "base/workers.h"
#include "domain/series_key.h"
#include "engine/file_index.h"
#include "engine/run_summary.h"
#include "engine/scan.h"
#include "engine/scan_internal.h"
#include "format/parquet_reader.h"
#include "format/parquet_writer.h"

static hb_slice S(const char *s) { return hb_slice_c(s); }

static uint64_t rng_state;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* ---- helpers ---- */

static hb_pq_reader *write_file(hb_storage_port *st, const char *key, const hb_pq_coldef *cols, size_t ncols,
                                const hb_pq_colvec *vecs, size_t nrows, size_t rg_rows, hb_pq_codec codec)
{
    hb_pq_writer_opts o;
    hb_pq_writer_opts_default(&o);
    o.row_group_rows = rg_rows;
    o.codec = codec;
    o.measurement = "m";
    hb_pq_writer *w;
    hb_err err;
    assert_int_equal(hb_pq_writer_open(st, key, cols, ncols, &o, &w, &err), 0);
    if (nrows)
        assert_int_equal(hb_pq_writer_append(w, vecs, nrows, &err), 0);
    assert_int_equal(hb_pq_writer_finish(w, NULL, &err), 0);
    hb_pq_reader *r;
    assert_int_equal(hb_pq_reader_open(st, key, &r, &err), 0);
    return r;
}

static const hb_mt_table *found;
static int find(void *ctx, const hb_mt_table *t)
{
    (void)ctx;
    found = t;
    return 0;
}
static const hb_mt_table *table_of(hb_memtable *m)
{
    found = NULL;
    hb_memtable_scan(m, "db", "rp", find, NULL);
    return found;
}

static void mt_insert(hb_memtable *m, hb_slice meas, const hb_tag *tags, uint32_t ntags, uint64_t sid,
                      const hb_field *f, uint32_t nf, int64_t t)
{
    hb_buf key;
    hb_buf_init(&key, 0);
    assert_int_equal(hb_series_key_append(&key, meas, tags, ntags), 0);
    hb_point p = { meas, { key.data, key.len }, (hb_tag *)tags, ntags, nf, (hb_field *)f, t, sid };
    hb_err err;
    assert_int_equal(hb_memtable_insert(m, "db", "rp", &p, 1, &err), 0);
    hb_buf_free(&key);
}

static const char *type_letter(hb_ftype t)
{
    static const char *l[] = { "F", "I", "U", "S", "B" };
    return l[t];
}

/* One value as text: exact for floats (%a), strings with their length. */
static void fmt_val(hb_buf *b, hb_ftype t, const void *p)
{
    if (!p) {
        hb_buf_puts(b, "null");
        return;
    }
    switch (t) {
    case HB_FT_FLOAT: hb_buf_printf(b, "%a", *(const double *)p); break;
    case HB_FT_INTEGER: hb_buf_printf(b, "%" PRId64, *(const int64_t *)p); break;
    case HB_FT_UNSIGNED: hb_buf_printf(b, "%" PRIu64 "u", *(const uint64_t *)p); break;
    case HB_FT_BOOLEAN: hb_buf_puts(b, *(const uint8_t *)p ? "true" : "false"); break;
    case HB_FT_STRING: {
        const hb_slice *s = p;
        hb_buf_printf(b, "%zu:", s->n);
        hb_buf_append(b, s->p, s->n);
        break;
    }
    }
}

static void fmt_header(hb_buf *b, const hb_pq_coldef *cols, size_t n)
{
    for (size_t j = 0; j < n; j++)
        hb_buf_printf(b, "%s%s:%d:%s", j ? "|" : "", cols[j].name, (int)cols[j].role, type_letter(cols[j].type));
    hb_buf_putc(b, '\n');
}

/* Everything the scan returns as text (header, then one line per row);
 * checks the block shape on the way. Returns hb_scan_next's last code. */
/* With sparse_tags, tag values are read where the key pointer changes and
 * carried over the following rows (what scan.h promises). */
static int collect_tags(hb_scan *sc, size_t block_rows, hb_buf *out, size_t *nblocks, int sparse, hb_err *err)
{
    const hb_pq_coldef *cols = hb_scan_cols(sc);
    size_t n = hb_scan_ncols(sc);
    assert_true(n >= 1);
    assert_int_equal(cols[0].role, HB_PQ_TIME);
    fmt_header(out, cols, n);
    hb_scan_block blk;
    int rc;
    size_t nb = 0;
    const void *held[64] = { 0 };
    assert_true(n <= 64);
    while ((rc = hb_scan_next(sc, &blk, err)) == 1) {
        nb++;
        assert_true(blk.nrows >= 1 && blk.nrows <= block_rows);
        assert_null(blk.vecs[0].valid);
        for (size_t r = 0; r < blk.nrows; r++) {
            int starts = r == 0 || blk.keys[r].p != blk.keys[r - 1].p;
            hb_buf_append(out, blk.keys[r].p, blk.keys[r].n);
            hb_buf_printf(out, "|%" PRId64, ((const int64_t *)blk.vecs[0].values)[r]);
            for (size_t j = 1; j < n; j++) {
                size_t es = cols[j].type == HB_FT_BOOLEAN ? 1 : cols[j].type == HB_FT_STRING ? sizeof(hb_slice) : 8;
                const void *p = hb_pq_valid(blk.vecs[j].valid, r) ? (const char *)blk.vecs[j].values + r * es : NULL;
                if (sparse && cols[j].role == HB_PQ_TAG) {
                    if (starts)
                        held[j] = p;
                    p = held[j];
                }
                hb_buf_putc(out, '|');
                fmt_val(out, cols[j].type, p);
            }
            hb_buf_putc(out, '\n');
        }
    }
    if (nblocks)
        *nblocks = nb;
    return rc;
}

static int collect(hb_scan *sc, size_t block_rows, hb_buf *out, size_t *nblocks, hb_err *err)
{
    return collect_tags(sc, block_rows, out, nblocks, 0, err);
}

static void assert_same_text(const char *got, const char *want, uint64_t seed)
{
    if (strcmp(got, want) == 0)
        return;
    /* show the first differing line */
    size_t i = 0, line = 1, ls = 0;
    while (got[i] && got[i] == want[i]) {
        if (got[i] == '\n') {
            line++;
            ls = i + 1;
        }
        i++;
    }
    fprintf(stderr, "seed %" PRIu64 ": scan differs from the oracle at line %zu\n got: %.*s\nwant: %.*s\n", seed,
            line, (int)strcspn(got + ls, "\n"), got + ls, (int)strcspn(want + ls, "\n"), want + ls);
    fail();
}


/* ---- run summaries: per (series, bucket, column) aggregates ---- */

typedef struct sum_acc {
    hb_ftype type;
    uint64_t count;
    __extension__ __int128 wsum;
    hb_num min, max, first, last;
    int64_t tmin, tmax, tfirst, tlast;
} sum_acc;

static int64_t sum_width;   /* bucket width of agg_text's scans; 0 = one bucket */

static int64_t bucket(int64_t t)
{
    if (!sum_width)
        return 0;
    int64_t q = t / sum_width;
    return (t % sum_width != 0 && t < 0) ? q - 1 : q;
}

static int one_bucket(void *ctx, int64_t a, int64_t b)
{
    (void)ctx;
    return bucket(a) == bucket(b);
}

static int num_less(hb_ftype t, hb_num a, hb_num b)
{
    return t == HB_FT_FLOAT ? a.f < b.f : t == HB_FT_UNSIGNED ? a.u < b.u : a.i < b.i;
}

/* Fold a run summary (or one value: count 1, all times t) into a. */
static void acc_add(sum_acc *a, const hb_run_sum *rs)
{
    if (!a->count) {
        a->min = rs->min, a->tmin = rs->tmin, a->max = rs->max, a->tmax = rs->tmax;
        a->first = rs->first, a->tfirst = rs->tfirst, a->last = rs->last, a->tlast = rs->tlast;
    } else {
        if (num_less(a->type, rs->min, a->min) || (!num_less(a->type, a->min, rs->min) && rs->tmin < a->tmin))
            a->min = rs->min, a->tmin = rs->tmin;
        if (num_less(a->type, a->max, rs->max) || (!num_less(a->type, rs->max, a->max) && rs->tmax < a->tmax))
            a->max = rs->max, a->tmax = rs->tmax;
        if (rs->tfirst < a->tfirst)
            a->first = rs->first, a->tfirst = rs->tfirst;
        if (rs->tlast > a->tlast)
            a->last = rs->last, a->tlast = rs->tlast;
    }
    a->count += rs->count;
    a->wsum += rs->wsum;
}

static int cmp_line(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Count, exact integer sum, min, max, first and last (with times) of
 * every numeric field per series and bucket, from rows and summary rows
 * alike, as sorted text; *nsum = summary rows seen. */
static void agg_text(const hb_scan_source *src, size_t n, const char *meas, const hb_scan_opts *o, hb_buf *out,
                     uint64_t *nsum)
{
    hb_scan *sc;
    hb_err err;
    assert_int_equal(hb_scan_open(src, n, meas, o, &sc, &err), 0);
    const hb_pq_coldef *cols = hb_scan_cols(sc);
    size_t nc = hb_scan_ncols(sc);
    hb_strmap m;
    hb_strmap_init(&m);
    hb_scan_block blk;
    int rc;
    char kb[1024];
    *nsum = 0;
    while ((rc = hb_scan_next(sc, &blk, &err)) == 1) {
        const int64_t *t = blk.vecs[0].values;
        for (size_t r = 0; r < blk.nrows; r++) {
            *nsum += blk.sums != NULL;
            for (size_t j = 1; j < nc; j++) {
                hb_ftype ty = cols[j].type;
                if (cols[j].role != HB_PQ_FIELD || ty == HB_FT_STRING || ty == HB_FT_BOOLEAN)
                    continue;
                hb_run_sum one;
                const hb_run_sum *rs = &one;
                if (blk.sums) {
                    if (!(rs = blk.sums[r * nc + j]) || !rs->count)
                        continue;
                } else {
                    if (!hb_pq_valid(blk.vecs[j].valid, r))
                        continue;
                    hb_num v = ((const hb_num *)blk.vecs[j].values)[r];
                    one = (hb_run_sum){ .count = 1, .first = v, .last = v, .min = v, .max = v, .tfirst = t[r],
                                        .tlast = t[r], .tmin = t[r], .tmax = t[r] };
                    one.wsum = ty == HB_FT_INTEGER ? (__int128)v.i : ty == HB_FT_UNSIGNED ? (__int128)v.u : 0;
                }
                int kl = snprintf(kb, sizeof kb, "%.*s|%" PRId64 "|%s", (int)blk.keys[r].n, blk.keys[r].p,
                                  bucket(blk.sums ? rs->tfirst : t[r]), cols[j].name);
                assert_true(kl > 0 && (size_t)kl < sizeof kb);
                sum_acc *a = hb_strmap_get(&m, kb, (size_t)kl);
                if (!a) {
                    a = calloc(1, sizeof *a);
                    a->type = ty;
                    assert_int_equal(hb_strmap_put(&m, kb, (size_t)kl, a), 0);
                }
                acc_add(a, rs);
            }
        }
    }
    assert_int_equal(rc, 0);
    char **lines = calloc(m.count + 1, sizeof *lines);
    size_t nl = 0;
    for (size_t i = 0; i < m.cap; i++) {
        const hb_strmap_slot *sl = &m.slots[i];
        if (!hb_strmap_live(sl))
            continue;
        sum_acc *a = sl->val;
        hb_buf b;
        hb_buf_init(&b, 0);
        hb_buf_append(&b, sl->key, sl->klen);
        hb_buf_printf(&b, "|n=%" PRIu64 "|sum=%016" PRIx64 "%016" PRIx64, a->count, (uint64_t)(a->wsum >> 64),
                      (uint64_t)a->wsum);
        hb_buf_printf(&b, "|min=%016" PRIx64 "@%" PRId64 "|max=%016" PRIx64 "@%" PRId64, a->min.u, a->tmin, a->max.u,
                      a->tmax);
        hb_buf_printf(&b, "|first=%016" PRIx64 "@%" PRId64 "|last=%016" PRIx64 "@%" PRId64 "\n", a->first.u,
                      a->tfirst, a->last.u, a->tlast);
        lines[nl++] = strdup(hb_buf_cstr(&b));
        hb_buf_free(&b);
        free(a);
    }
    qsort(lines, nl, sizeof *lines, cmp_line);
    for (size_t i = 0; i < nl; i++) {
        hb_buf_puts(out, lines[i]);
        free(lines[i]);
    }
    free(lines);
    hb_strmap_free(&m);
    hb_scan_close(sc);
}

/* ---- hand-built cases ---- */

/* File: cpu,host=a@10 v=1 s="x"; cpu,host=a@20 v=2; cpu,host=b@10 v=3 s="y". */
static hb_pq_reader *basic_file(hb_storage_port *st)
{
    hb_pq_coldef cols[4] = {
        { "time", HB_PQ_TIME, HB_FT_INTEGER },
        { "s", HB_PQ_FIELD, HB_FT_STRING },
        { "host", HB_PQ_TAG, HB_FT_STRING },
        { "v", HB_PQ_FIELD, HB_FT_FLOAT },
    };
    int64_t t[3] = { 10, 20, 10 };
    hb_slice s[3] = { S("x"), { 0 }, S("y") }, host[3] = { S("a"), S("a"), S("b") };
    uint8_t svalid = 0x5;
    double v[3] = { 1, 2, 3 };
    hb_pq_colvec vecs[4] = { { NULL, t }, { &svalid, s }, { NULL, host }, { NULL, v } };
    return write_file(st, "db/rp/cpu/f0.parquet", cols, 4, vecs, 3, 2, HB_PQ_CODEC_ZSTD);
}

static hb_memtable *basic_memtable(void)
{
    hb_memtable *m = hb_memtable_new();
    hb_tag ta[1] = { { S("host"), S("a") } }, tb[1] = { { S("host"), S("b") } }, tc[1] = { { S("host"), S("c") } };
    hb_tag taz[2] = { { S("host"), S("a") }, { S("zone"), S("eu") } };
    hb_field w7 = { S("w"), HB_FT_INTEGER, { .i = 7 } }, v20 = { S("v"), HB_FT_FLOAT, { .f = 20 } };
    hb_field v05 = { S("v"), HB_FT_FLOAT, { .f = 0.5 } }, v30 = { S("v"), HB_FT_FLOAT, { .f = 30 } };
    hb_field v9 = { S("v"), HB_FT_FLOAT, { .f = 9 } }, sz = { S("s"), HB_FT_STRING, { .s = { "z", 1 } } };
    hb_slice cpu = S("cpu");
    mt_insert(m, cpu, tc, 1, 4, &v9, 1, 1);
    mt_insert(m, cpu, ta, 1, 1, &w7, 1, 20);
    mt_insert(m, cpu, taz, 2, 2, &v05, 1, 5);
    mt_insert(m, cpu, tb, 1, 3, &v30, 1, 10);
    mt_insert(m, cpu, ta, 1, 1, &v20, 1, 20);
    mt_insert(m, cpu, tb, 1, 3, &sz, 1, 10);
    return m;
}

static void scan_text(const hb_scan_source *src, size_t n, const hb_scan_opts *o, hb_buf *out)
{
    hb_scan *sc;
    hb_err err;
    assert_int_equal(hb_scan_open(src, n, "cpu", o, &sc, &err), 0);
    assert_int_equal(collect(sc, o && o->block_rows ? o->block_rows : 4096, out, NULL, &err), 0);
    hb_scan_close(sc);
}

static void basic_merge(void **state)
{
    (void)state;
    hb_storage_port st;
    hb_err err;
    assert_int_equal(hb_storage_memory_open(&st, &err), 0);
    hb_pq_reader *r = basic_file(&st);
    hb_memtable *m = basic_memtable();
    const hb_mt_table *t = table_of(m);
    assert_non_null(t);

    /* memtable after the file: it wins the duplicates */
    hb_scan_source src[2] = { { HB_SCAN_FILE, r, NULL, NULL }, { HB_SCAN_MEMTABLE, NULL, t, NULL } };
    hb_buf got;
    hb_buf_init(&got, 0);
    scan_text(src, 2, NULL, &got);
    const char *want1 = "time:0:I|host:1:S|zone:1:S|s:2:S|v:2:F|w:2:I\n"
                        "cpu,host=a|10|1:a|null|1:x|0x1p+0|null\n"
                        "cpu,host=a|20|1:a|null|null|0x1.4p+4|7\n"
                        "cpu,host=a,zone=eu|5|1:a|2:eu|null|0x1p-1|null\n"
                        "cpu,host=b|10|1:b|null|1:z|0x1.ep+4|null\n"
                        "cpu,host=c|1|1:c|null|null|0x1.2p+3|null\n";
    assert_same_text(hb_buf_cstr(&got), want1, 0);

    /* file after the memtable: the file wins, fields only in the memtable stay */
    hb_scan_source rev[2] = { src[1], src[0] };
    hb_buf_reset(&got);
    scan_text(rev, 2, NULL, &got);
    const char *want2 = "time:0:I|host:1:S|zone:1:S|s:2:S|v:2:F|w:2:I\n"
                        "cpu,host=a|10|1:a|null|1:x|0x1p+0|null\n"
                        "cpu,host=a|20|1:a|null|null|0x1p+1|7\n"
                        "cpu,host=a,zone=eu|5|1:a|2:eu|null|0x1p-1|null\n"
                        "cpu,host=b|10|1:b|null|1:y|0x1.8p+1|null\n"
                        "cpu,host=c|1|1:c|null|null|0x1.2p+3|null\n";
    assert_same_text(hb_buf_cstr(&got), want2, 0);

    /* projection (v only, plus a name nobody has), time range [5, 10], blocks of 1 */
    const char *proj[2] = { "nope", "v" };
    hb_scan_opts o = { .tmin = 5, .tmax = 10, .fields = proj, .nfields = 2, .block_rows = 1 };
    hb_buf_reset(&got);
    scan_text(src, 2, &o, &got);
    const char *want3 = "time:0:I|host:1:S|zone:1:S|v:2:F\n"
                        "cpu,host=a|10|1:a|null|0x1p+0\n"
                        "cpu,host=a,zone=eu|5|1:a|2:eu|0x1p-1\n"
                        "cpu,host=b|10|1:b|null|0x1.ep+4\n";
    assert_same_text(hb_buf_cstr(&got), want3, 0);

    /* stats */
    hb_scan *sc;
    assert_int_equal(hb_scan_open(src, 2, "cpu", NULL, &sc, &err), 0);
    hb_buf_reset(&got);
    assert_int_equal(collect(sc, 4096, &got, NULL, &err), 0);
    hb_scan_stats stats;
    hb_scan_get_stats(sc, &stats);
    assert_int_equal(stats.rows_in, 3 + 6);
    assert_int_equal(stats.rows_out, 5);
    assert_int_equal(stats.row_groups_read, 2);
    assert_int_equal(stats.row_groups_skipped, 0);
    assert_int_equal(hb_scan_next(sc, &(hb_scan_block){ 0 }, &err), 0);  /* stays at the end */
    hb_scan_close(sc);

    hb_buf_free(&got);
    hb_memtable_free(m);
    hb_pq_reader_close(r);
    st.close(st.self);
}

static void type_conflict(void **state)
{
    (void)state;
    hb_storage_port st;
    hb_err err;
    assert_int_equal(hb_storage_memory_open(&st, &err), 0);
    hb_pq_reader *r = basic_file(&st);  /* v is a float there */
    hb_memtable *m = hb_memtable_new();
    hb_tag ta[1] = { { S("host"), S("a") } };
    hb_field vi = { S("v"), HB_FT_INTEGER, { .i = 1 } };
    mt_insert(m, S("cpu"), ta, 1, 1, &vi, 1, 1);
    hb_scan_source src[2] = { { HB_SCAN_FILE, r, NULL, NULL }, { HB_SCAN_MEMTABLE, NULL, table_of(m), NULL } };
    hb_scan *sc = (hb_scan *)1;
    assert_int_equal(hb_scan_open(src, 2, "cpu", NULL, &sc, &err), HB_ECORRUPT);
    assert_null(sc);
    assert_non_null(strstr(err.msg, "field v"));
    assert_non_null(strstr(err.msg, "float"));
    assert_non_null(strstr(err.msg, "integer"));
    assert_non_null(strstr(err.msg, "db/rp/cpu/f0.parquet"));
    /* not projected: no conflict */
    const char *proj[1] = { "s" };
    hb_scan_opts o = { .tmin = INT64_MIN, .tmax = INT64_MAX, .fields = proj, .nfields = 1 };
    assert_int_equal(hb_scan_open(src, 2, "cpu", &o, &sc, &err), 0);
    hb_scan_close(sc);
    hb_memtable_free(m);
    hb_pq_reader_close(r);
    st.close(st.self);
}

static void empty_sources(void **state)
{
    (void)state;
    hb_err err;
    hb_scan *sc;
    hb_scan_block blk;
    /* no sources */
    assert_int_equal(hb_scan_open(NULL, 0, "cpu", NULL, &sc, &err), 0);
    assert_int_equal(hb_scan_ncols(sc), 1);
    assert_string_equal(hb_scan_cols(sc)[0].name, "time");
    assert_int_equal(hb_scan_next(sc, &blk, &err), 0);
    hb_scan_close(sc);

    /* an empty table, a file with no rows, a file whose rows are all out of range */
    hb_storage_port st;
    assert_int_equal(hb_storage_memory_open(&st, &err), 0);
    hb_pq_coldef cols[3] = { { "time", HB_PQ_TIME, HB_FT_INTEGER }, { "host", HB_PQ_TAG, HB_FT_STRING },
                             { "u", HB_PQ_FIELD, HB_FT_UNSIGNED } };
    hb_pq_reader *r0 = write_file(&st, "db/rp/cpu/empty.parquet", cols, 3, NULL, 0, 0, HB_PQ_CODEC_ZSTD);
    hb_pq_reader *r1 = basic_file(&st);
    hb_mt_table t;
    memset(&t, 0, sizeof t);
    t.measurement = "cpu";
    hb_scan_source src[3] = { { HB_SCAN_MEMTABLE, NULL, &t, NULL }, { HB_SCAN_FILE, r0, NULL, NULL }, { HB_SCAN_FILE, r1, NULL, NULL } };
    hb_scan_opts o = { .tmin = 100, .tmax = 200 };
    assert_int_equal(hb_scan_open(src, 3, "cpu", &o, &sc, &err), 0);
    assert_int_equal(hb_scan_ncols(sc), 5);  /* time host s u v */
    assert_int_equal(hb_scan_next(sc, &blk, &err), 0);
    hb_scan_stats stats;
    hb_scan_get_stats(sc, &stats);
    assert_int_equal(stats.rows_in, 0);
    assert_int_equal(stats.row_groups_read, 0);
    assert_int_equal(stats.row_groups_skipped, 2);
    hb_scan_close(sc);
    /* tmin > tmax: nothing */
    o.tmin = 5;
    o.tmax = 4;
    assert_int_equal(hb_scan_open(src, 3, "cpu", &o, &sc, &err), 0);
    assert_int_equal(hb_scan_next(sc, &blk, &err), 0);
    hb_scan_close(sc);
    hb_pq_reader_close(r0);
    hb_pq_reader_close(r1);
    st.close(st.self);
}

/* One series, 100 rows at t = 0..99 in row groups of 10: [35, 52] reads 3 of them. */
static void row_group_pruning(void **state)
{
    (void)state;
    hb_storage_port st;
    hb_err err;
    assert_int_equal(hb_storage_memory_open(&st, &err), 0);
    hb_pq_coldef cols[3] = { { "time", HB_PQ_TIME, HB_FT_INTEGER }, { "host", HB_PQ_TAG, HB_FT_STRING },
                             { "i", HB_PQ_FIELD, HB_FT_INTEGER } };
    int64_t t[100], iv[100];
    hb_slice host[100];
    for (int k = 0; k < 100; k++) {
        t[k] = k;
        iv[k] = k * 3;
        host[k] = S("h");
    }
    hb_pq_colvec vecs[3] = { { NULL, t }, { NULL, host }, { NULL, iv } };
    hb_pq_reader *r = write_file(&st, "db/rp/cpu/p.parquet", cols, 3, vecs, 100, 10, HB_PQ_CODEC_UNCOMPRESSED);
    hb_scan_source src = { HB_SCAN_FILE, r, NULL, NULL };
    hb_scan_opts o = { .tmin = 35, .tmax = 52, .block_rows = 4 };
    hb_scan *sc;
    assert_int_equal(hb_scan_open(&src, 1, "cpu", &o, &sc, &err), 0);
    hb_scan_block blk;
    int64_t want = 35;
    int rc;
    while ((rc = hb_scan_next(sc, &blk, &err)) == 1) {
        assert_true(blk.nrows <= 4);
        for (size_t k = 0; k < blk.nrows; k++) {
            assert_int_equal(((const int64_t *)blk.vecs[0].values)[k], want);
            assert_int_equal(((const int64_t *)blk.vecs[2].values)[k], want * 3);
            assert_true(hb_slice_eq(blk.keys[k], S("cpu,host=h")));
            want++;
        }
    }
    assert_int_equal(rc, 0);
    assert_int_equal(want, 53);
    hb_scan_stats stats;
    hb_scan_get_stats(sc, &stats);
    assert_int_equal(stats.row_groups_read, 3);
    assert_int_equal(stats.row_groups_skipped, 7);
    assert_int_equal(stats.rows_in, 18);
    assert_int_equal(stats.rows_out, 18);
    hb_scan_close(sc);
    hb_pq_reader_close(r);
    st.close(st.self);
}

/* A file breaking the sort contract is reported, not merged wrongly. */
/* The series filter: host b's row group is never decoded past its tags,
 * host b's buffer series is skipped, the rest comes through. */
static int not_b(void *ctx, const hb_slice *tagvals)
{
    int *calls = ctx;
    (*calls)++;
    return !(tagvals[1].p && hb_slice_eq(tagvals[1], S("b")));
}

static void series_filter(void **state)
{
    hb_storage_port st;
    hb_err err;
    assert_int_equal(hb_storage_memory_open(&st, &err), 0);
    hb_pq_coldef cols[3] = { { "time", HB_PQ_TIME, HB_FT_INTEGER }, { "host", HB_PQ_TAG, HB_FT_STRING },
                             { "i", HB_PQ_FIELD, HB_FT_INTEGER } };
    int64_t t[20], iv[20];
    hb_slice host[20];
    for (int k = 0; k < 20; k++) {   /* rows 0-9 host a, 10-19 host b: one row group each */
        t[k] = k % 10;
        iv[k] = k;
        host[k] = k < 10 ? S("a") : S("b");
    }
    hb_pq_colvec vecs[3] = { { NULL, t }, { NULL, host }, { NULL, iv } };
    hb_pq_reader *r = write_file(&st, "db/rp/cpu/f.parquet", cols, 3, vecs, 20, 10, HB_PQ_CODEC_UNCOMPRESSED);
    hb_memtable *m = hb_memtable_new();
    hb_tag tb = { S("host"), S("b") }, tc = { S("host"), S("c") };
    hb_field f = { S("i"), HB_FT_INTEGER, { .i = 100 } };
    mt_insert(m, S("cpu"), &tb, 1, 1, &f, 1, 50);
    mt_insert(m, S("cpu"), &tc, 1, 2, &f, 1, 60);
    hb_scan_source src[2] = { { HB_SCAN_FILE, r, NULL, NULL }, { HB_SCAN_MEMTABLE, NULL, table_of(m), NULL } };
    int calls = 0;
    hb_scan_opts o = { .tmin = INT64_MIN, .tmax = INT64_MAX, .series_filter = not_b, .series_ctx = &calls };
    hb_scan *sc;
    assert_int_equal(hb_scan_open(src, 2, "cpu", &o, &sc, &err), 0);
    hb_scan_block blk;
    int rc, rows = 0, seen_c = 0;
    while ((rc = hb_scan_next(sc, &blk, &err)) == 1)
        for (size_t k = 0; k < blk.nrows; k++, rows++) {
            assert_false(hb_slice_eq(blk.keys[k], S("cpu,host=b")));
            seen_c += hb_slice_eq(blk.keys[k], S("cpu,host=c"));
        }
    assert_int_equal(rc, 0);
    assert_int_equal(rows, 11);   /* host a's 10 rows and host c's one */
    assert_int_equal(seen_c, 1);
    assert_true(calls >= 4);      /* two file series, two buffer series */
    hb_scan_stats stats;
    hb_scan_get_stats(sc, &stats);
    assert_int_equal(stats.row_groups_read, 1);
    assert_int_equal(stats.row_groups_skipped, 1);
    hb_scan_close(sc);
    hb_pq_reader_close(r);
    hb_memtable_free(m);
    st.close(st.self);
}

static void unsorted_file(void **state)
{
    (void)state;
    hb_storage_port st;
    hb_err err;
    assert_int_equal(hb_storage_memory_open(&st, &err), 0);
    hb_pq_coldef cols[3] = { { "time", HB_PQ_TIME, HB_FT_INTEGER }, { "host", HB_PQ_TAG, HB_FT_STRING },
                             { "i", HB_PQ_FIELD, HB_FT_INTEGER } };
    int64_t t[3] = { 1, 2, 3 }, iv[3] = { 0, 0, 0 };
    hb_slice bad_keys[3] = { S("b"), S("a"), S("a") };
    hb_pq_colvec vecs[3] = { { NULL, t }, { NULL, bad_keys }, { NULL, iv } };
    hb_pq_reader *r = write_file(&st, "db/rp/cpu/u1.parquet", cols, 3, vecs, 3, 2, HB_PQ_CODEC_ZSTD);
    int64_t t2[3] = { 1, 3, 2 };
    hb_slice same[3] = { S("a"), S("a"), S("a") };
    hb_pq_colvec vecs2[3] = { { NULL, t2 }, { NULL, same }, { NULL, iv } };
    hb_pq_reader *r2 = write_file(&st, "db/rp/cpu/u2.parquet", cols, 3, vecs2, 3, 10, HB_PQ_CODEC_ZSTD);
    hb_pq_reader *rs[2] = { r, r2 };
    for (int k = 0; k < 2; k++) {
        /* the file's series index checks the order when a scan first opens
         * the file, and every later open gets the same answer */
        for (int again = 0; again < 2; again++) {
            hb_scan_source src = { HB_SCAN_FILE, rs[k], NULL, NULL };
            hb_scan *sc = NULL;
            assert_int_equal(hb_scan_open(&src, 1, "cpu", NULL, &sc, &err), HB_ECORRUPT);
            assert_null(sc);
            assert_non_null(strstr(err.msg, k ? "u2.parquet" : "u1.parquet"));
            assert_non_null(strstr(err.msg, "sorted"));
        }
    }
    hb_pq_reader_close(r);
    hb_pq_reader_close(r2);
    st.close(st.self);
}

/* The series index of a file: runs per row group with key, tag values and
 * time bounds (a series continuing into the next row group is a new run
 * there), built once and shared by every later call; another measurement
 * name is refused. */
static void file_series_index(void **state)
{
    (void)state;
    hb_storage_port st;
    hb_err err;
    assert_int_equal(hb_storage_memory_open(&st, &err), 0);
    hb_pq_coldef cols[4] = { { "time", HB_PQ_TIME, HB_FT_INTEGER }, { "zone", HB_PQ_TAG, HB_FT_STRING },
                             { "host", HB_PQ_TAG, HB_FT_STRING }, { "v", HB_PQ_FIELD, HB_FT_FLOAT } };
    int64_t t[5] = { 10, 20, 5, 6, 7 };
    hb_slice zone[5] = { S("eu"), S("eu"), S(""), S(""), S("") };
    uint8_t zone_valid = 0x03;   /* host b has no zone */
    hb_slice host[5] = { S("a"), S("a"), S("b"), S("b"), S("b") };
    double v[5] = { 1, 2, 3, 4, 5 };
    hb_pq_colvec vecs[4] = { { NULL, t }, { &zone_valid, zone }, { NULL, host }, { NULL, v } };
    hb_pq_reader *r = write_file(&st, "db/rp/cpu/ix.parquet", cols, 4, vecs, 5, 4, HB_PQ_CODEC_ZSTD);
    const hb_fidx *ix, *again;
    assert_int_equal(hb_fidx_get(r, "cpu", &ix, &err), 0);
    assert_int_equal(ix->ntags, 2);
    assert_string_equal(hb_pq_reader_col(r, ix->tagcol[0])->name, "host");   /* slots in name order */
    assert_string_equal(hb_pq_reader_col(r, ix->tagcol[1])->name, "zone");
    assert_int_equal(ix->nrg, 2);
    assert_int_equal(ix->rgs[0].nruns, 2);
    const hb_fidx_run *a = &ix->rgs[0].runs[0], *b = &ix->rgs[0].runs[1], *b2 = &ix->rgs[1].runs[0];
    assert_true(hb_slice_eq(a->key, S("cpu,host=a,zone=eu")));
    assert_int_equal(a->start, 0);
    assert_int_equal(a->end, 2);
    assert_int_equal(a->tmin, 10);
    assert_int_equal(a->tmax, 20);
    assert_true(hb_slice_eq(a->tagv[1], S("eu")));
    assert_true(hb_slice_eq(b->key, S("cpu,host=b")));
    assert_null(b->tagv[1].p);
    assert_int_equal(b->start, 2);
    assert_int_equal(b->end, 4);
    assert_int_equal(ix->rgs[1].nruns, 1);
    assert_true(hb_slice_eq(b2->key, S("cpu,host=b")));
    assert_int_equal(b2->start, 0);
    assert_int_equal(b2->end, 1);
    assert_int_equal(b2->tmin, 7);
    assert_int_equal(hb_fidx_get(r, "cpu", &again, &err), 0);
    assert_ptr_equal(ix, again);
    assert_int_equal(hb_fidx_get(r, "mem", &again, &err), HB_EINVAL);
    assert_non_null(strstr(err.msg, "ix.parquet"));
    hb_pq_reader_close(r);
    st.close(st.self);
}


static int only_z1(void *ctx, const hb_slice *tagvals)
{
    (void)ctx;
    return tagvals[1].p && hb_slice_eq(tagvals[1], S("z1"));
}

/* File A: series host=a and b (300 rows, times 0..2990) and c (50 rows),
 * fields f (float, ties, nulls), i (integers near 2^62: their sum wraps),
 * u (unsigned); row groups of 256 rows, so runs are cut by them. File B
 * the same at times 5000..7990. */
static hb_pq_reader *summary_file(hb_storage_port *st, const char *key, int64_t t0)
{
    enum { N = 650 };
    hb_pq_coldef cols[5] = { { "time", HB_PQ_TIME, HB_FT_INTEGER }, { "host", HB_PQ_TAG, HB_FT_STRING },
                             { "f", HB_PQ_FIELD, HB_FT_FLOAT }, { "i", HB_PQ_FIELD, HB_FT_INTEGER },
                             { "u", HB_PQ_FIELD, HB_FT_UNSIGNED } };
    static int64_t t[N], iv[N];
    static hb_slice host[N];
    static double f[N];
    static uint64_t u[N];
    static uint8_t fv[(N + 7) / 8], iok[(N + 7) / 8];
    memset(fv, 0, sizeof fv);
    memset(iok, 0, sizeof iok);
    size_t r = 0;
    const char *hosts[3] = { "a", "b", "c" };
    for (int h = 0; h < 3; h++)
        for (int k = 0; k < (h == 2 ? 50 : 300); k++, r++) {
            t[r] = t0 + k * 10;
            host[r] = S(hosts[h]);
            f[r] = (double)((k * 7 + h) % 5) - 2.0;
            iv[r] = ((int64_t)1 << 62) + k * (h + 1);
            u[r] = (uint64_t)k * 3 + (uint64_t)h;
            if (k % 7 != 3)
                fv[r >> 3] |= (uint8_t)(1u << (r & 7));
            if (k % 11 != 5 && !(h == 2 && k >= 40))   /* c's last rows have no i */
                iok[r >> 3] |= (uint8_t)(1u << (r & 7));
        }
    hb_pq_colvec vecs[5] = { { NULL, t }, { NULL, host }, { fv, f }, { iok, iv }, { NULL, u } };
    return write_file(st, key, cols, 5, vecs, N, 256, HB_PQ_CODEC_ZSTD);
}

/* Scans that take whole runs from run summaries (summary rows) or fill
 * the first or last row of a run from them give the same aggregates and
 * rows as scans that decode everything; the first scan builds them, later
 * ones use them, and a file overlapped by another source's times is never
 * summarized. */
static void run_summaries(void **state)
{
    (void)state;
    hb_run_sum_set_min_rows(1);
    hb_storage_port st;
    hb_err err;
    assert_int_equal(hb_storage_memory_open(&st, &err), 0);
    hb_pq_reader *fa = summary_file(&st, "db/rp/m/a.parquet", 0);
    hb_pq_reader *fb = summary_file(&st, "db/rp/m/b.parquet", 5000);
    hb_memtable *mt = hb_memtable_new();
    hb_tag tb[1] = { { S("host"), S("b") } };
    hb_field big = { S("f"), HB_FT_FLOAT, { .f = 1e9 } };
    mt_insert(mt, S("cpu"), tb, 1, 2, &big, 1, 6000);   /* overlaps file B: a new value at a stored time */
    hb_scan_source src[3] = { { HB_SCAN_FILE, fa, NULL, NULL }, { HB_SCAN_FILE, fb, NULL, NULL },
                              { HB_SCAN_MEMTABLE, NULL, table_of(mt), NULL } };
    static const int64_t widths[] = { 0, 1000, 100000, 37 };
    static const int64_t ranges[][2] = { { INT64_MIN, INT64_MAX }, { 1234, 6500 }, { 0, 2990 }, { 3000, 9000 } };
    for (size_t wi = 0; wi < sizeof widths / sizeof *widths; wi++)
        for (size_t ri = 0; ri < sizeof ranges / sizeof *ranges; ri++)
            for (int withmt = 0; withmt < 2; withmt++) {
                sum_width = widths[wi];
                hb_scan_opts o = { .tmin = ranges[ri][0], .tmax = ranges[ri][1], .block_rows = 100 };
                hb_buf want, got;
                hb_buf_init(&want, 0);
                hb_buf_init(&got, 0);
                uint64_t nsum;
                size_t nsrc = withmt ? 3 : 2;
                agg_text(src, nsrc, "cpu", &o, &want, &nsum);
                assert_int_equal(nsum, 0);
                hb_scan_summaries ss = { .on = 1, .one_bucket = one_bucket };
                o.summaries = &ss;
                for (int pass = 0; pass < 2; pass++) {
                    hb_buf_reset(&got);
                    agg_text(src, nsrc, "cpu", &o, &got, &nsum);
                    assert_same_text(hb_buf_cstr(&got), hb_buf_cstr(&want), wi * 100 + ri * 10 + (uint64_t)withmt);
                }
                /* the whole of file A in one bucket: its runs are summary rows
                 * (5 runs: 256-row groups cut a's and b's) */
                if (widths[wi] == 0 && ri == 0)
                    assert_int_equal(nsum, withmt ? 5 : 10);
                hb_buf_free(&want);
                hb_buf_free(&got);
            }
    /* the first (last) row of every series: filled from the summaries */
    for (int last = 0; last < 2; last++) {
        hb_scan_opts o = { .tmin = INT64_MIN, .tmax = INT64_MAX, .series_limit = 1, .series_last = last };
        hb_buf want, got;
        hb_buf_init(&want, 0);
        hb_buf_init(&got, 0);
        scan_text(src, 3, &o, &want);
        hb_scan_summaries ss = { .on = 1 };
        o.summaries = &ss;
        for (int pass = 0; pass < 2; pass++) {
            hb_buf_reset(&got);
            hb_scan *sc;
            assert_int_equal(hb_scan_open(src, 3, "cpu", &o, &sc, &err), 0);
            assert_int_equal(collect(sc, 4096, &got, NULL, &err), 0);
            hb_scan_stats stats;
            hb_scan_get_stats(sc, &stats);
            hb_scan_close(sc);
            assert_same_text(hb_buf_cstr(&got), hb_buf_cstr(&want), 100 + (uint64_t)last);
            if (pass == 1)   /* a, b and c from one file each */
                assert_int_equal(stats.summary_runs, 3);
        }
        /* c's last row has no i: null there, not c's last i */
        if (last && getenv("SCAN_DEBUG"))
            fprintf(stderr, "%s", hb_buf_cstr(&got));
        if (last)
            assert_non_null(strstr(hb_buf_cstr(&got), "cpu,host=c|5490|1:c|-0x1p+1|null|149u\n"));
        hb_buf_free(&want);
        hb_buf_free(&got);
    }
    assert_true(hb_run_sum_bytes() > 0);

    /* one series of five in a big row group reads its pages only: no
     * summaries are built for it; a scan of all of it builds them */
    enum { BIG = 5 * 4096 };
    static int64_t bt[BIG];
    static double bv[BIG];
    static hb_slice bh[BIG];
    static const char *const five[5] = { "z0", "z1", "z2", "z3", "z4" };
    for (size_t r = 0; r < BIG; r++)
        bt[r] = (int64_t)(r % 4096), bv[r] = (double)(r % 13), bh[r] = S(five[r / 4096]);
    hb_pq_coldef bcols[3] = { { "time", HB_PQ_TIME, HB_FT_INTEGER }, { "host", HB_PQ_TAG, HB_FT_STRING },
                              { "f", HB_PQ_FIELD, HB_FT_FLOAT } };
    hb_pq_colvec bvecs[3] = { { NULL, bt }, { NULL, bh }, { NULL, bv } };
    hb_pq_reader *fbig = write_file(&st, "db/rp/m/big.parquet", bcols, 3, bvecs, BIG, BIG, HB_PQ_CODEC_ZSTD);
    hb_scan_source bsrc[1] = { { HB_SCAN_FILE, fbig, NULL, NULL } };
    hb_scan_summaries on = { .on = 1 };
    uint64_t before = hb_run_sum_bytes();
    hb_scan_opts narrow = { .tmin = INT64_MIN, .tmax = INT64_MAX, .summaries = &on, .series_filter = only_z1 };
    hb_buf tmp;
    hb_buf_init(&tmp, 0);
    scan_text(bsrc, 1, &narrow, &tmp);
    assert_non_null(strstr(hb_buf_cstr(&tmp), "cpu,host=z1|4095|"));
    assert_true(hb_run_sum_bytes() == before);
    hb_scan_opts wide = { .tmin = INT64_MIN, .tmax = INT64_MAX, .summaries = &on };
    scan_text(bsrc, 1, &wide, &tmp);
    assert_true(hb_run_sum_bytes() > before);
    hb_buf_free(&tmp);
    hb_pq_reader_close(fbig);
    hb_pq_reader_close(fa);
    hb_pq_reader_close(fb);
    hb_memtable_free(mt);
    st.close(st.self);
    hb_run_sum_set_min_rows(RUN_SUMMARY_MIN_ROWS);
}

/* ---- deleted rows (hb_scan_mask) ---- */

/* a: one hole inside; b: both ends; c: everything */
static size_t test_holes(const void *ctx, hb_slice key, int64_t *lo, int64_t *hi, size_t cap)
{
    (void)ctx;
    assert_true(cap >= 2);
    if (hb_slice_eq(key, S("cpu,host=a"))) {
        lo[0] = 500, hi[0] = 1500;
        return 1;
    }
    if (hb_slice_eq(key, S("cpu,host=b"))) {
        lo[0] = INT64_MIN, hi[0] = 100;
        lo[1] = 2900, hi[1] = INT64_MAX;
        return 2;
    }
    if (hb_slice_eq(key, S("cpu,host=c"))) {
        lo[0] = INT64_MIN, hi[0] = INT64_MAX;
        return 1;
    }
    return 0;
}

static int line_deleted(const char *line)
{
    long long t = atoll(strchr(line, '|') + 1);
    if (!strncmp(line, "cpu,host=a|", 11))
        return t >= 500 && t <= 1500;
    if (!strncmp(line, "cpu,host=b|", 11))
        return t <= 100 || t >= 2900;
    return !strncmp(line, "cpu,host=c|", 11);
}

/* The lines of text a mask keeps; with limit, only the first (last) of
 * each series. */
static void keep_lines(const char *text, int limit, int last, hb_buf *out)
{
    char prev[64] = "";
    const char *held = NULL;
    size_t held_len = 0;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = (size_t)(nl - p) + 1;
        char line[512];
        snprintf(line, sizeof line, "%.*s", (int)n, p);
        p += n;
        if (line_deleted(line))
            continue;
        char key[64];
        snprintf(key, sizeof key, "%.*s", (int)(strchr(line, '|') - line), line);
        int first_of_series = strcmp(key, prev) != 0;
        if (!limit) {
            hb_buf_append(out, line, n);
        } else if (!last && first_of_series) {
            hb_buf_append(out, line, n);
        } else if (last) {
            if (first_of_series && held)
                hb_buf_append(out, held, held_len);
            held = nl + 1 - n;
            held_len = n;
        }
        snprintf(prev, sizeof prev, "%s", key);
    }
    if (limit && last && held)
        hb_buf_append(out, held, held_len);
}

/* A masked file never returns a deleted row: whole scans, time ranges,
 * per-series limits, and with run summaries switched on (built by the
 * scans before the mask, then never used for the masked file). */
static void scan_masks(void **state)
{
    (void)state;
    hb_run_sum_set_min_rows(1);
    hb_storage_port st;
    hb_err err;
    assert_int_equal(hb_storage_memory_open(&st, &err), 0);
    hb_pq_reader *fa = summary_file(&st, "db/rp/m/a.parquet", 0);
    hb_scan_mask mask = { .holes = test_holes, .ctx = NULL, .max_holes = 2 };
    hb_scan_source plain[1] = { { HB_SCAN_FILE, fa, NULL, NULL } };
    hb_scan_source masked[1] = { { HB_SCAN_FILE, fa, NULL, &mask } };
    hb_scan_summaries ss = { .on = 1, .one_bucket = one_bucket };
    sum_width = 0;
    static const int64_t ranges[][2] = { { INT64_MIN, INT64_MAX }, { 1000, 2995 }, { 0, 499 } };
    for (size_t ri = 0; ri < 3; ri++)
        for (int lim = 0; lim < 3; lim++) {
            hb_scan_opts o = { .tmin = ranges[ri][0], .tmax = ranges[ri][1], .block_rows = 64,
                               .series_limit = lim ? 1 : 0, .series_last = lim == 2 };
            hb_scan_opts full = { .tmin = ranges[ri][0], .tmax = ranges[ri][1], .block_rows = 64 };
            hb_buf all, want, got;
            hb_buf_init(&all, 0);
            hb_buf_init(&want, 0);
            hb_buf_init(&got, 0);
            scan_text(plain, 1, &full, &all);
            keep_lines(hb_buf_cstr(&all), lim != 0, lim == 2, &want);
            for (int sums = 0; sums < 2; sums++) {
                o.summaries = sums ? &ss : NULL;
                full.summaries = o.summaries;
                hb_buf_reset(&all);
                scan_text(plain, 1, &full, &all);   /* builds summaries */
                hb_buf_reset(&got);
                hb_scan *sc;
                assert_int_equal(hb_scan_open(masked, 1, "cpu", &o, &sc, &err), 0);
                assert_int_equal(collect(sc, 64, &got, NULL, &err), 0);
                hb_scan_stats stats;
                hb_scan_get_stats(sc, &stats);
                hb_scan_close(sc);
                assert_int_equal(stats.summary_runs, 0);
                /* no deleted row; with a limit the scan may return more
                 * than each series' first (last) row, never other ones */
                hb_buf kept;
                hb_buf_init(&kept, 0);
                keep_lines(hb_buf_cstr(&got), 0, 0, &kept);
                assert_same_text(hb_buf_cstr(&kept), hb_buf_cstr(&got), ri * 10 + (uint64_t)lim);
                hb_buf_reset(&kept);
                keep_lines(hb_buf_cstr(&got), lim != 0, lim == 2, &kept);
                assert_same_text(hb_buf_cstr(&kept), hb_buf_cstr(&want), 100 + ri * 10 + (uint64_t)lim);
                hb_buf_free(&kept);
            }
            /* aggregates through summary blocks: none for the masked file */
            if (!lim) {
                uint64_t nsum;
                hb_buf_reset(&got);
                hb_scan_opts ao = { .tmin = ranges[ri][0], .tmax = ranges[ri][1], .block_rows = 64, .summaries = &ss };
                agg_text(masked, 1, "cpu", &ao, &got, &nsum);
                assert_int_equal(nsum, 0);
            }
            hb_buf_free(&all);
            hb_buf_free(&want);
            hb_buf_free(&got);
        }
    /* the whole deleted range of a scan: nothing */
    hb_buf got;
    hb_buf_init(&got, 0);
    hb_scan_opts o = { .tmin = 600, .tmax = 1400, .series_filter = NULL };
    hb_scan_source only[1] = { { HB_SCAN_FILE, fa, NULL, &mask } };
    scan_text(only, 1, &o, &got);
    assert_null(strstr(hb_buf_cstr(&got), "host=a|"));
    assert_null(strstr(hb_buf_cstr(&got), "host=c|"));
    assert_non_null(strstr(hb_buf_cstr(&got), "host=b|600|"));
    hb_buf_free(&got);
    hb_pq_reader_close(fa);
    st.close(st.self);
    hb_run_sum_set_min_rows(RUN_SUMMARY_MIN_ROWS);
}

/* The validity bitmap copy against a bit-by-bit one, at every alignment. */
static void bitmap_copy(void **state)
{
    (void)state;
    rng_state = 7;
    uint8_t src[64], dst[128], want[128];
    for (int iter = 0; iter < 20000; iter++) {
        for (size_t i = 0; i < sizeof src; i++)
            src[i] = (uint8_t)rnd();
        size_t s = rnd() % 200, d = rnd() % 200, n = rnd() % (sizeof src * 8 - s + 1);
        int all = rnd() % 8 == 0;
        memset(dst, 0, sizeof dst);
        memset(want, 0, sizeof want);
        for (size_t i = 0; i < n; i++)
            if (all || (src[(s + i) >> 3] >> ((s + i) & 7) & 1))
                want[(d + i) >> 3] |= (uint8_t)(1u << ((d + i) & 7));
        scan_bits_copy(dst, d, all ? NULL : src, s, n);
        assert_memory_equal(dst, want, sizeof dst);
    }
}

/* ---- randomized comparison with a naive oracle ---- */

#ifndef SCAN_SEEDS
#define SCAN_SEEDS 600   /* more for a local soak: -DSCAN_SEEDS=100000 */
#endif
#define NTAGK 4
#define NFLD 6
#define MAXSER 8
#define MAXSRC 16
static const char *const tagkeys[NTAGK] = { "a b,c=d", "host", "r\xc3\xa9gion", "z" };  /* bytewise sorted */
static const char *const tagvals[] = { "a", "b", "", "x y", "\xc3\xa9t\xc3\xa9", "c=d,e", "\\" };
static const char *const fnames[NFLD] = { "f1", "x y=z", "g", "\xc3\xa9", "f2", "aa" };
static const char *const strvals[] = { "", "s", "hello world", "\xe2\x82\xac", "a,b=c d",
                                       "longer string value 0123456789" };
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

typedef struct rseries {
    hb_tag tags[NTAGK];
    uint32_t ntags;
    hb_buf key;
} rseries;

typedef struct rrow {
    int ser;
    int64_t t;
    int src, arr;
    uint8_t has[NFLD];
    hb_field v[NFLD];
} rrow;

typedef struct rsrc {
    int file;
    rrow *rows;
    size_t n;
    unsigned fmask;          /* fields the source may have (files: its field columns) */
    hb_memtable *mt;
    hb_mt_table empty;       /* a memtable source without rows */
    hb_pq_reader *reader;
} rsrc;

typedef struct world {
    hb_slice meas;
    hb_ftype ftype[NFLD];
    rseries ser[MAXSER];
    int nser;
    rsrc src[MAXSRC];
    int nsrc;
} world;

static int cmp_rrow_file(const void *a, const void *b, void *w_)
{
    const world *w = w_;
    const rrow *x = a, *y = b;
    int c = x->ser == y->ser ? 0 : strcmp(w->ser[x->ser].key.data, w->ser[y->ser].key.data);
    if (c)
        return c;
    return (x->t > y->t) - (x->t < y->t);
}

static int cmp_rrow_oracle(const void *a, const void *b, void *w_)
{
    const rrow *x = a, *y = b;
    int c = cmp_rrow_file(a, b, w_);
    if (c)
        return c;
    if (x->src != y->src)
        return x->src - y->src;
    return x->arr - y->arr;
}

static void random_value(hb_ftype t, hb_field *f)
{
    uint64_t r = rnd();
    f->type = t;
    switch (t) {
    case HB_FT_FLOAT: f->v.f = r % 7 == 0 ? -0.0 : (double)(int64_t)(r >> 8) / 1e6; break;
    case HB_FT_INTEGER: f->v.i = r % 9 == 0 ? INT64_MIN : r % 9 == 1 ? INT64_MAX : (int64_t)(r % 2001) - 1000; break;
    case HB_FT_UNSIGNED: f->v.u = r % 5 == 0 ? UINT64_MAX : r % 100000; break;
    case HB_FT_BOOLEAN: f->v.b = (int)(r & 1); break;
    case HB_FT_STRING: f->v.s = S(strvals[r % NELEM(strvals)]); break;
    }
}

static void field_ptr(const hb_field *f, uint8_t *bbuf, const void **p)
{
    switch (f->type) {
    case HB_FT_FLOAT: *p = &f->v.f; break;
    case HB_FT_INTEGER: *p = &f->v.i; break;
    case HB_FT_UNSIGNED: *p = &f->v.u; break;
    case HB_FT_BOOLEAN: *bbuf = (uint8_t)f->v.b; *p = bbuf; break;
    case HB_FT_STRING: *p = &f->v.s; break;
    }
}

/* scale multiplies the rows per source and the time span. */
static void gen_world(world *w, int scale)
{
    memset(w, 0, sizeof *w);
    w->meas = rnd() % 3 ? S("m") : S("m e,s");
    for (int f = 0; f < NFLD; f++)
        w->ftype[f] = (hb_ftype)(rnd() % HB_FT_COUNT);
    int want = 1 + (int)(rnd() % MAXSER);
    for (int i = 0; i < want; i++) {
        rseries *s = &w->ser[w->nser];
        s->ntags = 0;
        for (int k = 0; k < NTAGK; k++)
            if (rnd() % 2)
                s->tags[s->ntags++] = (hb_tag){ S(tagkeys[k]), S(tagvals[rnd() % NELEM(tagvals)]) };
        hb_buf_init(&s->key, 0);
        assert_int_equal(hb_series_key_append(&s->key, w->meas, s->tags, s->ntags), 0);
        hb_buf_cstr(&s->key);
        int dup = 0;
        for (int j = 0; j < w->nser && !dup; j++)
            dup = strcmp(w->ser[j].key.data, s->key.data) == 0;
        if (dup)
            hb_buf_free(&s->key);
        else
            w->nser++;
    }
    uint64_t many = rnd() % 8 == 0;  /* sometimes many sources: a deeper heap */
    w->nsrc = 1 + (int)(rnd() % (many ? MAXSRC : 5));
    int disjoint = rnd() % 4 == 0;
    for (int i = 0; i < w->nsrc; i++) {
        rsrc *src = &w->src[i];
        src->file = rnd() % 2;
        src->fmask = (unsigned)(rnd() % (1u << NFLD));
        if (!src->fmask)
            src->fmask = 1;
        unsigned smask = (unsigned)(rnd() % (1u << w->nser));
        if (!smask)
            smask = 1;
        size_t want_rows = rnd() % 4 == 0 ? 0 : rnd() % (60 * (uint64_t)scale);
        int64_t base = disjoint ? i * 1000 * scale : 0, span = 1 + (int64_t)(rnd() % (25 * (uint64_t)scale));
        src->rows = calloc(want_rows + 1, sizeof *src->rows);
        for (size_t k = 0; k < want_rows; k++) {
            rrow *r = &src->rows[src->n];
            do
                r->ser = (int)(rnd() % (uint64_t)w->nser);
            while (!(smask >> r->ser & 1));
            r->t = base + (int64_t)(rnd() % (uint64_t)span) - 3;
            r->src = i;
            r->arr = (int)src->n;
            int any = 0;
            for (int f = 0; f < NFLD; f++)
                if ((src->fmask >> f & 1) && rnd() % 2) {
                    r->has[f] = 1;
                    random_value(w->ftype[f], &r->v[f]);
                    any = 1;
                }
            if (!any && !src->file) {  /* a point has at least one field */
                int f = 0;
                while (!(src->fmask >> f & 1))
                    f++;
                r->has[f] = 1;
                random_value(w->ftype[f], &r->v[f]);
            }
            src->n++;  /* files drop their duplicates in build_sources */
        }
    }
}

static void build_sources(world *w, hb_storage_port *st, hb_scan_source *out, int scale)
{
    for (int i = 0; i < w->nsrc; i++) {
        rsrc *src = &w->src[i];
        if (!src->file) {
            src->mt = hb_memtable_new();
            for (size_t k = 0; k < src->n; k++) {
                const rrow *r = &src->rows[k];
                hb_field f[NFLD];
                uint32_t nf = 0;
                int order[NFLD];
                for (int q = 0; q < NFLD; q++)
                    order[q] = q;
                for (int q = NFLD - 1; q > 0; q--) {  /* fields in random line order */
                    int z = (int)(rnd() % (uint64_t)(q + 1)), tmp = order[q];
                    order[q] = order[z];
                    order[z] = tmp;
                }
                for (int q = 0; q < NFLD; q++)
                    if (r->has[order[q]]) {
                        f[nf] = r->v[order[q]];
                        f[nf++].key = S(fnames[order[q]]);
                    }
                const rseries *s = &w->ser[r->ser];
                mt_insert(src->mt, w->meas, s->tags, s->ntags, (uint64_t)r->ser + 1, f, nf, r->t);
            }
            const hb_mt_table *t = table_of(src->mt);
            if (!t) {
                memset(&src->empty, 0, sizeof src->empty);
                src->empty.measurement = (char *)"m";
                t = &src->empty;
            }
            out[i] = (hb_scan_source){ HB_SCAN_MEMTABLE, NULL, t, NULL };
            continue;
        }
        /* a file: rows sorted by key then time; columns time, the tags its
         * rows have, the fields of fmask, in a shuffled order after time */
        qsort_r(src->rows, src->n, sizeof *src->rows, cmp_rrow_file, w);
        size_t kept = 0;  /* a file holds one row per (series, time) */
        for (size_t k = 0; k < src->n; k++)
            if (!kept || src->rows[kept - 1].ser != src->rows[k].ser || src->rows[kept - 1].t != src->rows[k].t)
                src->rows[kept++] = src->rows[k];
        src->n = kept;
        int tagused[NTAGK] = { 0 };
        for (size_t k = 0; k < src->n; k++)
            for (uint32_t q = 0; q < w->ser[src->rows[k].ser].ntags; q++)
                for (int z = 0; z < NTAGK; z++)
                    tagused[z] |= hb_slice_eq(w->ser[src->rows[k].ser].tags[q].key, S(tagkeys[z]));
        hb_pq_coldef cols[1 + NTAGK + NFLD];
        int what[1 + NTAGK + NFLD];  /* 0 time, 1+z tag z, 100+f field f */
        size_t nc = 0;
        cols[nc] = (hb_pq_coldef){ "time", HB_PQ_TIME, HB_FT_INTEGER };
        what[nc++] = 0;
        for (int z = 0; z < NTAGK; z++)
            if (tagused[z]) {
                cols[nc] = (hb_pq_coldef){ tagkeys[z], HB_PQ_TAG, HB_FT_STRING };
                what[nc++] = 1 + z;
            }
        for (int f = 0; f < NFLD; f++)
            if (src->fmask >> f & 1) {
                cols[nc] = (hb_pq_coldef){ fnames[f], HB_PQ_FIELD, w->ftype[f] };
                what[nc++] = 100 + f;
            }
        for (size_t q = nc - 1; q > 1; q--) {
            size_t z = 1 + (size_t)(rnd() % q);
            hb_pq_coldef tc = cols[q];
            int tw = what[q];
            cols[q] = cols[z];
            what[q] = what[z];
            cols[z] = tc;
            what[z] = tw;
        }
        size_t n = src->n;
        hb_pq_colvec vecs[1 + NTAGK + NFLD];
        void *mem[1 + NTAGK + NFLD];
        for (size_t c = 0; c < nc; c++) {
            size_t es = cols[c].type == HB_FT_BOOLEAN ? 1 : cols[c].type == HB_FT_STRING ? sizeof(hb_slice) : 8;
            uint8_t *valid = calloc((n + 7) / 8 + 1, 1);
            char *vals = calloc(n + 1, es);
            for (size_t k = 0; k < n; k++) {
                const rrow *r = &src->rows[k];
                const void *p = NULL;
                uint8_t bb;
                if (what[c] == 0) {
                    p = &r->t;
                } else if (what[c] < 100) {
                    const rseries *s = &w->ser[r->ser];
                    for (uint32_t q = 0; q < s->ntags; q++)
                        if (hb_slice_eq(s->tags[q].key, S(tagkeys[what[c] - 1])))
                            p = &s->tags[q].val;
                } else if (r->has[what[c] - 100]) {
                    field_ptr(&r->v[what[c] - 100], &bb, &p);
                }
                if (p) {
                    memcpy(vals + k * es, p, es);
                    valid[k >> 3] |= (uint8_t)(1u << (k & 7));
                }
            }
            vecs[c] = (hb_pq_colvec){ what[c] == 0 ? NULL : valid, vals };
            mem[c] = valid;
            if (what[c] == 0)
                free(valid);
        }
        char key[64];
        snprintf(key, sizeof key, "db/rp/m/f%d.parquet", i);
        static const size_t rgs[] = { 1, 2, 3, 7, 1000 }, big_rgs[] = { 7, 100, 1000 };
        size_t rg_rows = scale > 1 ? big_rgs[rnd() % NELEM(big_rgs)] : rgs[rnd() % NELEM(rgs)];
        hb_pq_codec codec = rnd() % 2 ? HB_PQ_CODEC_ZSTD : HB_PQ_CODEC_UNCOMPRESSED;
        src->reader = write_file(st, key, cols, nc, vecs, n, rg_rows, codec);
        for (size_t c = 0; c < nc; c++) {
            if (what[c] != 0)
                free(mem[c]);
            free((void *)vecs[c].values);
        }
        out[i] = (hb_scan_source){ HB_SCAN_FILE, src->reader, NULL, NULL };
    }
}

static int cmp_cstr(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

/* The expected text: columns from the sources' definitions, every row in
 * range sorted by (key, time, source, arrival), equal (key, time) merged
 * with the last non-null value of each column winning. */
static void oracle(const world *w, int64_t tmin, int64_t tmax, const char *const *proj, size_t nproj, hb_buf *out,
                   uint64_t *rows_in, uint64_t *rows_out)
{
    int hastag[NTAGK] = { 0 }, hasfld[NFLD] = { 0 };
    for (int i = 0; i < w->nsrc; i++) {
        const rsrc *src = &w->src[i];
        for (size_t k = 0; k < src->n; k++) {
            const rseries *s = &w->ser[src->rows[k].ser];
            for (uint32_t q = 0; q < s->ntags; q++)
                for (int z = 0; z < NTAGK; z++)
                    hastag[z] |= hb_slice_eq(s->tags[q].key, S(tagkeys[z]));
            for (int f = 0; f < NFLD; f++)
                hasfld[f] |= src->rows[k].has[f];
        }
        if (src->file)
            for (int f = 0; f < NFLD; f++)
                hasfld[f] |= src->fmask >> f & 1;
    }
    for (int f = 0; proj && f < NFLD; f++) {
        int in = 0;
        for (size_t q = 0; q < nproj; q++)
            in |= strcmp(proj[q], fnames[f]) == 0;
        hasfld[f] &= in;
    }
    const char *tn[NTAGK], *fn[NFLD];
    size_t ntn = 0, nfn = 0;
    for (int z = 0; z < NTAGK; z++)
        if (hastag[z])
            tn[ntn++] = tagkeys[z];
    for (int f = 0; f < NFLD; f++)
        if (hasfld[f])
            fn[nfn++] = fnames[f];
    qsort(tn, ntn, sizeof *tn, cmp_cstr);
    qsort(fn, nfn, sizeof *fn, cmp_cstr);
    int fidx[NFLD];
    for (size_t q = 0; q < nfn; q++)
        for (int f = 0; f < NFLD; f++)
            if (strcmp(fn[q], fnames[f]) == 0)
                fidx[q] = f;
    hb_pq_coldef cols[1 + NTAGK + NFLD];
    size_t nc = 0;
    cols[nc++] = (hb_pq_coldef){ "time", HB_PQ_TIME, HB_FT_INTEGER };
    for (size_t q = 0; q < ntn; q++)
        cols[nc++] = (hb_pq_coldef){ tn[q], HB_PQ_TAG, HB_FT_STRING };
    for (size_t q = 0; q < nfn; q++)
        cols[nc++] = (hb_pq_coldef){ fn[q], HB_PQ_FIELD, w->ftype[fidx[q]] };
    fmt_header(out, cols, nc);

    size_t total = 0;
    for (int i = 0; i < w->nsrc; i++)
        total += w->src[i].n;
    rrow *all = calloc(total + 1, sizeof *all);
    size_t n = 0;
    for (int i = 0; i < w->nsrc; i++)
        for (size_t k = 0; k < w->src[i].n; k++)
            if (w->src[i].rows[k].t >= tmin && w->src[i].rows[k].t <= tmax)
                all[n++] = w->src[i].rows[k];
    *rows_in = n;
    *rows_out = 0;
    qsort_r(all, n, sizeof *all, cmp_rrow_oracle, (void *)w);
    for (size_t a = 0; a < n;) {
        size_t b = a + 1;
        while (b < n && all[b].ser == all[a].ser && all[b].t == all[a].t)
            b++;
        const rseries *s = &w->ser[all[a].ser];
        hb_buf_append(out, s->key.data, s->key.len);
        hb_buf_printf(out, "|%" PRId64, all[a].t);
        for (size_t q = 0; q < ntn; q++) {
            const void *p = NULL;
            for (uint32_t z = 0; z < s->ntags; z++)
                if (hb_slice_eq(s->tags[z].key, S(tn[q])))
                    p = &s->tags[z].val;
            hb_buf_putc(out, '|');
            fmt_val(out, HB_FT_STRING, p);
        }
        for (size_t q = 0; q < nfn; q++) {
            int f = fidx[q];
            const void *p = NULL;
            uint8_t bb;
            for (size_t k = b; k-- > a && !p;)
                if (all[k].has[f])
                    field_ptr(&all[k].v[f], &bb, &p);
            hb_buf_putc(out, '|');
            fmt_val(out, w->ftype[f], p);
        }
        hb_buf_putc(out, '\n');
        (*rows_out)++;
        a = b;
    }
    free(all);
}

static void free_world(world *w)
{
    for (int i = 0; i < w->nsrc; i++) {
        free(w->src[i].rows);
        if (w->src[i].mt)
            hb_memtable_free(w->src[i].mt);
        hb_pq_reader_close(w->src[i].reader);
    }
    for (int i = 0; i < w->nser; i++)
        hb_buf_free(&w->ser[i].key);
}

/* Index of the series a text line of fmt output belongs to (the longest
 * key followed by '|'), -1 for the header. */
static int line_series(const world *w, const char *line, size_t len)
{
    int best = -1;
    for (int i = 0; i < w->nser; i++) {
        size_t kl = w->ser[i].key.len;
        if (kl < len && line[kl] == '|' && !memcmp(line, w->ser[i].key.data, kl) &&
            (best < 0 || kl > w->ser[best].key.len))
            best = i;
    }
    return best;
}

/* With a per-series limit k the scan may leave rows out, but what it returns
 * is rows of the full answer, in order, and every series' first (last) k
 * rows of the full answer are there. */
static void check_limited(const world *w, const char *full, const char *lim, uint64_t k, int last, uint64_t seed)
{
    const char *fl[20000], *ll[20000];
    size_t fn = 0, ln = 0;
    for (const char *p = full; *p && fn < 20000; p = strchr(p, '\n') + 1)
        fl[fn++] = p;
    for (const char *p = lim; *p && ln < 20000; p = strchr(p, '\n') + 1)
        ll[ln++] = p;
    if (fn >= 20000)
        return;
    size_t j = 0;   /* every limited line, in order, among the full ones */
    for (size_t i = 0; i < ln; i++) {
        size_t len = (size_t)(strchr(ll[i], '\n') - ll[i]);
        while (j < fn && !(strncmp(fl[j], ll[i], len + 1) == 0))
            j++;
        if (j == fn && getenv("SCAN_DEBUG"))
            fprintf(stderr, "FULL:\n%s\nLIMITED (k=%" PRIu64 " last=%d):\n%s\n", full, k, last, lim);
        if (j == fn)
            fail_msg("seed %" PRIu64 ": limited scan returned a row not in the full answer: %.*s", seed, (int)len,
                     ll[i]);
        j++;
    }
    for (int sidx = 0; sidx < w->nser; sidx++) {
        size_t want[4], nw = 0, have = 0;
        for (size_t i = 0; i < fn; i++) {   /* the series' first (last) k lines */
            size_t len = (size_t)(strchr(fl[i], '\n') - fl[i]);
            if (line_series(w, fl[i], len) != sidx)
                continue;
            if (!last && nw < k)
                want[nw++] = i;
            else if (last) {
                if (nw == k)
                    memmove(want, want + 1, (--nw) * sizeof *want);
                want[nw++] = i;
            }
        }
        for (size_t q = 0; q < nw; q++) {
            size_t len = (size_t)(strchr(fl[want[q]], '\n') - fl[want[q]]);
            for (size_t i = 0; i < ln; i++)
                if (strncmp(ll[i], fl[want[q]], len + 1) == 0) {
                    have++;
                    break;
                }
        }
        if (have != nw)
            fail_msg("seed %" PRIu64 ": series %s lost one of its %s %" PRIu64 " rows", seed, w->ser[sidx].key.data,
                     last ? "last" : "first", k);
    }
}

static uint64_t summary_rows_seen;   /* summary rows the random worlds produced */

/* One random world, scanned and compared with the oracle; adds to the
 * row and block counts. */
static void run_seed(uint64_t seed, int scale, size_t *total_rows, size_t *total_blocks)
{
    rng_state = seed * 0x9E3779B97F4A7C15ull;
    hb_storage_port st;
    hb_err err;
    assert_int_equal(hb_storage_memory_open(&st, &err), 0);
    world w;
    gen_world(&w, scale);
    hb_scan_source src[MAXSRC];
    build_sources(&w, &st, src, scale);

    int64_t tmin = INT64_MIN, tmax = INT64_MAX;
    if (rnd() % 3 == 0) {
        tmin = (int64_t)(rnd() % (25 * (uint64_t)scale)) - 5;
        tmax = tmin + (int64_t)(rnd() % (15 * (uint64_t)scale)) - 2;
    }
    const char *proj[NFLD + 1];
    size_t nproj = 0;
    int projected = rnd() % 3 == 0;
    if (projected) {
        for (int f = 0; f < NFLD; f++)
            if (rnd() % 2)
                proj[nproj++] = fnames[f];
        proj[nproj++] = "not a field";
    }
    static const size_t blocks[] = { 1, 2, 3, 5, 100, 4096 };
    size_t block_rows = blocks[rnd() % NELEM(blocks)];
    hb_scan_opts o = { .tmin = tmin, .tmax = tmax, .fields = projected ? proj : NULL, .nfields = nproj,
                       .block_rows = block_rows, .sparse_tags = (int)(rnd() % 2) };
    /* sometimes files and columns decode on a pool, from the first value */
    hb_workers *pool = rnd() % 3 == 0 ? hb_workers_new(2) : NULL;
    o.workers = pool;
    o.parallel_min_values = 1;

    hb_buf want, got;
    hb_buf_init(&want, 0);
    hb_buf_init(&got, 0);
    uint64_t rows_in, rows_out;
    oracle(&w, tmin, tmax, projected ? proj : NULL, nproj, &want, &rows_in, &rows_out);

    hb_scan *sc;
    int rc = hb_scan_open(src, (size_t)w.nsrc, w.meas.p, &o, &sc, &err);
    if (rc)
        fprintf(stderr, "seed %" PRIu64 ": %s\n", seed, err.msg);
    assert_int_equal(rc, 0);
    size_t nb;
    rc = collect_tags(sc, block_rows, &got, &nb, o.sparse_tags, &err);
    if (rc)
        fprintf(stderr, "seed %" PRIu64 ": %s\n", seed, err.msg);
    assert_int_equal(rc, 0);
    assert_same_text(hb_buf_cstr(&got), hb_buf_cstr(&want), seed);
    hb_scan_stats stats;
    hb_scan_get_stats(sc, &stats);
    assert_int_equal(stats.rows_in, rows_in);
    assert_int_equal(stats.rows_out, rows_out);
    *total_rows += rows_out;
    *total_blocks += nb;
    hb_scan_close(sc);

    /* the same with a per-series limit */
    o.series_limit = 1 + rnd() % 4;
    o.series_last = (int)(rnd() % 2);
    hb_buf lim;
    hb_buf_init(&lim, 0);
    assert_int_equal(hb_scan_open(src, (size_t)w.nsrc, w.meas.p, &o, &sc, &err), 0);
    assert_int_equal(collect_tags(sc, block_rows, &lim, &nb, o.sparse_tags, &err), 0);
    check_limited(&w, hb_buf_cstr(&got), hb_buf_cstr(&lim), o.series_limit, o.series_last, seed);
    hb_scan_close(sc);
    /* and with run summaries: built by the first scan, used by the second
     * (first or last rows filled from them), the same rows */
    hb_scan_summaries ss = { .on = 1 };
    o.summaries = &ss;
    for (int pass = 0; pass < 2; pass++) {
        hb_buf again;
        hb_buf_init(&again, 0);
        assert_int_equal(hb_scan_open(src, (size_t)w.nsrc, w.meas.p, &o, &sc, &err), 0);
        assert_int_equal(collect_tags(sc, block_rows, &again, &nb, o.sparse_tags, &err), 0);
        hb_scan_close(sc);
        assert_same_text(hb_buf_cstr(&again), hb_buf_cstr(&lim), seed);
        hb_buf_free(&again);
    }
    /* aggregates with summary rows where sources do not overlap */
    o.series_limit = 0;
    ss.one_bucket = one_bucket;
    static const int64_t widths[] = { 0, 1, 7, 1000 };
    sum_width = widths[rnd() % 4];
    hb_buf aw, ag;
    hb_buf_init(&aw, 0);
    hb_buf_init(&ag, 0);
    uint64_t nsum;
    o.summaries = NULL;
    agg_text(src, (size_t)w.nsrc, w.meas.p, &o, &aw, &nsum);
    o.summaries = &ss;
    for (int pass = 0; pass < 2; pass++) {
        hb_buf_reset(&ag);
        agg_text(src, (size_t)w.nsrc, w.meas.p, &o, &ag, &nsum);
        assert_same_text(hb_buf_cstr(&ag), hb_buf_cstr(&aw), seed);
    }
    summary_rows_seen += nsum;
    hb_buf_free(&aw);
    hb_buf_free(&ag);
    hb_buf_free(&lim);
    hb_workers_free(pool);

    hb_buf_free(&want);
    hb_buf_free(&got);
    free_world(&w);
    st.close(st.self);
}

/* Many small worlds: tiny row groups and blocks, every corner. */
static void random_vs_oracle(void **state)
{
    (void)state;
    size_t rows = 0, blocks = 0;
    hb_run_sum_set_min_rows(1);
    summary_rows_seen = 0;
    for (uint64_t seed = 1; seed <= SCAN_SEEDS; seed++)
        run_seed(seed, 1, &rows, &blocks);
    hb_run_sum_set_min_rows(RUN_SUMMARY_MIN_ROWS);
    printf("scan oracle: %d small seeds, %zu rows in %zu blocks, %" PRIu64 " summary rows\n", SCAN_SEEDS, rows,
           blocks, summary_rows_seen);
    assert_true(summary_rows_seen > 0);
}

/* Fewer, 40 times larger worlds: long runs, row groups of 1000, big blocks. */
static void random_vs_oracle_large(void **state)
{
    (void)state;
    size_t rows = 0, blocks = 0;
    hb_run_sum_set_min_rows(1);
    summary_rows_seen = 0;
    for (uint64_t seed = 1; seed <= SCAN_SEEDS / 20; seed++)
        run_seed(seed + 1000000, 40, &rows, &blocks);
    hb_run_sum_set_min_rows(RUN_SUMMARY_MIN_ROWS);
    printf("scan oracle: %d large seeds, %zu rows in %zu blocks, %" PRIu64 " summary rows\n", SCAN_SEEDS / 20, rows,
           blocks, summary_rows_seen);
}

/* ---- throughput (printed, never asserted) ---- */

#if defined(__SANITIZE_ADDRESS__)
#define BENCH_HOSTS 20
#else
#ifndef BENCH_HOSTS
#define BENCH_HOSTS 100
#endif
#endif
#define BENCH_PER_HOST 5000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const tsbs_tags[10] = { "arch", "datacenter", "hostname", "os", "rack", "region", "service",
                                           "service_environment", "service_version", "team" };
static const char *const tsbs_fields[10] = { "usage_guest", "usage_guest_nice", "usage_idle", "usage_iowait",
                                             "usage_irq", "usage_nice", "usage_softirq", "usage_steal",
                                             "usage_system", "usage_user" };

typedef struct bhost {
    char vals[10][32];
    hb_buf key;
} bhost;

static int cmp_bhost(const void *a, const void *b)
{
    return strcmp(((const bhost *)a)->key.data, ((const bhost *)b)->key.data);
}

/* One file: BENCH_HOSTS series x per_host rows from t0 every 10 s. */
static hb_pq_reader *tsbs_file(hb_storage_port *st, const char *name, bhost *hosts, size_t per_host, int64_t t0)
{
    size_t n = (size_t)BENCH_HOSTS * per_host;
    hb_pq_coldef cols[21];
    hb_pq_colvec vecs[21];
    int64_t *t = malloc(n * sizeof *t);
    hb_slice *tv[10];
    int64_t *fv[10];
    cols[0] = (hb_pq_coldef){ "time", HB_PQ_TIME, HB_FT_INTEGER };
    vecs[0] = (hb_pq_colvec){ NULL, t };
    for (int k = 0; k < 10; k++) {
        tv[k] = malloc(n * sizeof *tv[k]);
        fv[k] = malloc(n * sizeof *fv[k]);
        cols[1 + k] = (hb_pq_coldef){ tsbs_tags[k], HB_PQ_TAG, HB_FT_STRING };
        cols[11 + k] = (hb_pq_coldef){ tsbs_fields[k], HB_PQ_FIELD, HB_FT_INTEGER };
        vecs[1 + k] = (hb_pq_colvec){ NULL, tv[k] };
        vecs[11 + k] = (hb_pq_colvec){ NULL, fv[k] };
    }
    size_t r = 0;
    for (size_t h = 0; h < BENCH_HOSTS; h++)
        for (size_t i = 0; i < per_host; i++, r++) {
            t[r] = t0 + (int64_t)i * 10000000000LL;
            for (int k = 0; k < 10; k++) {
                tv[k][r] = S(hosts[h].vals[k]);
                fv[k][r] = (int64_t)(rnd() % 101);
            }
        }
    hb_pq_reader *rd = write_file(st, name, cols, 21, vecs, n, HB_PQ_DEFAULT_ROW_GROUP_ROWS, HB_PQ_CODEC_ZSTD);
    free(t);
    for (int k = 0; k < 10; k++) {
        free(tv[k]);
        free(fv[k]);
    }
    return rd;
}

static double scan_rate(const hb_scan_source *src, size_t n, size_t *rows)
{
    hb_err err;
    hb_scan *sc;
    double t0 = now_s();
    assert_int_equal(hb_scan_open(src, n, "cpu", NULL, &sc, &err), 0);
    hb_scan_block blk;
    int rc;
    int64_t sum = 0;
    *rows = 0;
    while ((rc = hb_scan_next(sc, &blk, &err)) == 1) {
        *rows += blk.nrows;
        sum += ((const int64_t *)blk.vecs[0].values)[blk.nrows - 1];
    }
    assert_int_equal(rc, 0);
    double dt = now_s() - t0;
    hb_scan_close(sc);
    (void)sum;
    return (double)*rows / dt;
}

static void throughput_print(void **state)
{
    (void)state;
    rng_state = 42;
    hb_storage_port st;
    hb_err err;
    assert_int_equal(hb_storage_memory_open(&st, &err), 0);
    bhost *hosts = calloc(BENCH_HOSTS, sizeof *hosts);
    for (size_t h = 0; h < BENCH_HOSTS; h++) {
        hb_tag tags[10];
        for (int k = 0; k < 10; k++) {
            if (k == 2)
                snprintf(hosts[h].vals[k], sizeof hosts[h].vals[k], "host_%zu", h);
            else
                snprintf(hosts[h].vals[k], sizeof hosts[h].vals[k], "%s_%d", tsbs_tags[k], (int)(h * 7 % (3 + k)));
            tags[k] = (hb_tag){ S(tsbs_tags[k]), S(hosts[h].vals[k]) };
        }
        hb_buf_init(&hosts[h].key, 0);
        hb_series_key_append(&hosts[h].key, S("cpu"), tags, 10);
        hb_buf_cstr(&hosts[h].key);
    }
    qsort(hosts, BENCH_HOSTS, sizeof *hosts, cmp_bhost);

    /* one file */
    hb_pq_reader *r = tsbs_file(&st, "db/rp/cpu/big.parquet", hosts, BENCH_PER_HOST, 0);
    hb_scan_source src = { HB_SCAN_FILE, r, NULL, NULL };
    size_t rows;
    double best = 0;
    for (int k = 0; k < 3; k++) {
        double rate = scan_rate(&src, 1, &rows);
        if (rate > best)
            best = rate;
    }
    assert_int_equal(rows, (size_t)BENCH_HOSTS * BENCH_PER_HOST);
    /* the decoding alone, for comparison (best of 3 too: the first run
     * pays for faulting in fresh memory, which costs a lot on some VMs) */
    double dec = 0;
    for (int k = 0; k < 3; k++) {
        double t0 = now_s();
        hb_arena a;
        hb_arena_init(&a, (size_t)24 << 20, 0);  /* one block, reused by every row group */
        for (size_t rg = 0; rg < hb_pq_reader_row_groups(r); rg++) {
            hb_arena_reset(&a);
            for (size_t c = 0; c < hb_pq_reader_ncols(r); c++) {
                hb_pq_colvec v;
                assert_int_equal(hb_pq_reader_read(r, rg, c, &a, &v, &err), 0);
            }
        }
        hb_arena_free(&a);
        double rate = (double)rows / (now_s() - t0);
        if (rate > dec)
            dec = rate;
    }
    printf("scan throughput, TSBS-like (10 tags, 10 integer fields), %zu rows: one file %.2f M rows/s "
           "(decoding alone %.2f M rows/s)\n",
           rows, best / 1e6, dec / 1e6);

    /* four files of consecutive time ranges (a compaction's input): every series interleaves */
    hb_pq_reader *rs[4];
    hb_scan_source srcs[4];
    for (int k = 0; k < 4; k++) {
        char name[64];
        snprintf(name, sizeof name, "db/rp/cpu/part%d.parquet", k);
        rs[k] = tsbs_file(&st, name, hosts, BENCH_PER_HOST / 4, (int64_t)k * (BENCH_PER_HOST / 4) * 10000000000LL);
        srcs[k] = (hb_scan_source){ HB_SCAN_FILE, rs[k], NULL, NULL };
    }
    double rate4 = scan_rate(srcs, 4, &rows);
    printf("scan throughput, 4 files of consecutive time ranges, %zu rows: %.2f M rows/s\n", rows, rate4 / 1e6);
    /* the same four files and the first one again, fully overlapping: every row merged */
    hb_scan_source dup[2] = { src, src };
    double rated = scan_rate(dup, 2, &rows);
    printf("scan throughput, one file twice (every row a duplicate), %zu rows out: %.2f M rows/s\n", rows,
           rated / 1e6);

    for (int k = 0; k < 4; k++)
        hb_pq_reader_close(rs[k]);
    hb_pq_reader_close(r);
    for (size_t h = 0; h < BENCH_HOSTS; h++)
        hb_buf_free(&hosts[h].key);
    free(hosts);
    st.close(st.self);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(basic_merge),
        cmocka_unit_test(type_conflict),
        cmocka_unit_test(empty_sources),
        cmocka_unit_test(row_group_pruning),
        cmocka_unit_test(series_filter),
        cmocka_unit_test(unsorted_file),
        cmocka_unit_test(bitmap_copy),
        cmocka_unit_test(random_vs_oracle),
        cmocka_unit_test(random_vs_oracle_large),
        cmocka_unit_test(file_series_index),
        cmocka_unit_test(run_summaries),
        cmocka_unit_test(scan_masks),
        cmocka_unit_test(throughput_print),
    };
    return cmocka_run_group_tests_name("engine/scan", tests, NULL, NULL);
}
