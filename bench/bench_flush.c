/* Flush throughput and bytes per value on the TSBS devops cpu-only data.
 *
 * Generates 100 hosts x 12 h of TSBS-shaped points (10 tags, 10 integer
 * fields as random walks clamped to [0, 100], 10 s steps from 2016-01-01),
 * parses them as line protocol into a memtable, then times the flush path:
 * hb_flush_build (sort by series and time, merge duplicates, split by hour)
 * and the Parquet writer (ZSTD level 1) into a local directory, one file
 * per hour. Prints one line:
 *
 *   flush: X rows/s, Y bytes/value (N files, B bytes, R rows)
 *
 * usage: bench_flush [hours] [dir]   (dir defaults to a temp dir, removed) */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "adapters/storage_local.h"
#include "app/flush_build.h"
#include "app/memtable.h"
#include "base/hashmap.h"
#include "domain/lineproto.h"
#include "domain/storage_layout.h"
#include "format/parquet_writer.h"

#define HOSTS 100
#define STEP_NS 10000000000LL
#define START_NS 1451606400000000000LL
#define NFIELDS 10

static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static double uniform(uint64_t *s, double lo, double hi) { return lo + (hi - lo) * (double)(rng_next(s) >> 11) / 9007199254740992.0; }

static const char *const regions[] = { "us-east-1", "us-west-1", "us-west-2", "eu-west-1", "eu-central-1",
                                       "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "sa-east-1" };
static const char *const oses[] = { "Ubuntu16.10", "Ubuntu16.04LTS", "Ubuntu15.10" };
static const char *const fields[NFIELDS] = { "usage_user", "usage_system", "usage_idle", "usage_nice",
                                             "usage_iowait", "usage_irq", "usage_softirq", "usage_steal",
                                             "usage_guest", "usage_guest_nice" };

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct sum_ctx {
    uint64_t bytes;
    size_t files;
} sum_ctx;

static int sum_sizes(void *ctx, const char *key, uint64_t size)
{
    sum_ctx *s = ctx;
    s->bytes += size;
    s->files++;
    return 0;
}

/* Writes one hour batch as one file. */
static int write_batch(void *ctx, const hb_flush_batch *b, hb_err *err)
{
    hb_storage_port *st = ctx;
    hb_buf key;
    hb_buf_init(&key, 0);
    hb_layout_file_key(&key, "benchmark", "autogen", "cpu", 3, b->hour, 0);
    hb_pq_writer_opts o;
    hb_pq_writer_opts_default(&o);
    o.measurement = "cpu";
    hb_pq_writer *w;
    hb_pq_file_info info;
    int rc = hb_pq_writer_open(st, key.data, b->cols, b->ncols, &o, &w, err);
    if (!rc && (rc = hb_pq_writer_append(w, b->vecs, b->nrows, err)))
        hb_pq_writer_abort(w);
    else if (!rc)
        rc = hb_pq_writer_finish(w, &info, err);
    hb_buf_free(&key);
    return rc;
}

/* Collects up to 3 tables into a NULL-terminated array. */
static int collect(void *ctx, const hb_mt_table *t)
{
    const hb_mt_table **v = ctx;
    size_t i = 0;
    while (i < 3 && v[i])
        i++;
    if (i < 3) {
        v[i] = t;
        v[i + 1] = NULL;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int hours = argc > 1 ? atoi(argv[1]) : 12;
    if (hours <= 0)
        hours = 12;
    /* the server's allocator settings (src/main/main.c) */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    char tmpl[] = "/tmp/hb_bench_flush_XXXXXX";
    const char *dir = argc > 2 ? argv[2] : mkdtemp(tmpl);
    if (!dir)
        return 1;
    hb_err err;
    uint64_t rng = 0x9E3779B97F4A7C15ull;

    /* per-host tags and random walks, as TSBS */
    static char tagset[HOSTS][256];
    static double walk[HOSTS][NFIELDS];
    for (int h = 0; h < HOSTS; h++) {
        const char *region = regions[rng_next(&rng) % 9];
        snprintf(tagset[h], sizeof tagset[h],
                 "hostname=host_%d,region=%s,datacenter=%s%c,rack=%d,os=%s,arch=%s,team=%s,service=%d,"
                 "service_version=%d,service_environment=%s",
                 h, region, region, (int)('a' + rng_next(&rng) % 3), (int)(rng_next(&rng) % 100),
                 oses[rng_next(&rng) % 3], rng_next(&rng) % 2 ? "x64" : "x86",
                 (const char *[]){ "SF", "NYC", "LON", "CHI" }[rng_next(&rng) % 4], (int)(rng_next(&rng) % 20),
                 (int)(rng_next(&rng) % 2), (const char *[]){ "production", "staging", "test" }[rng_next(&rng) % 3]);
        for (int f = 0; f < NFIELDS; f++)
            walk[h][f] = uniform(&rng, 0, 100);
    }

    /* into a memtable, through the parser, 10,000 lines at a time */
    hb_memtable *mt = hb_memtable_new();
    hb_strmap ids;
    hb_strmap_init(&ids);
    uint64_t next_id = 1;
    hb_arena arena;
    hb_arena_init(&arena, 8 << 20, 0);
    size_t steps = (size_t)hours * 360, rows = 0;
    size_t cap = 10000 * 400;
    char *body = malloc(cap);
    for (size_t s0 = 0; s0 < steps; s0 += 100) {
        size_t n = 0;
        for (size_t s = s0; s < s0 + 100 && s < steps; s++)
            for (int h = 0; h < HOSTS; h++) {
                n += (size_t)snprintf(body + n, cap - n, "cpu,%s ", tagset[h]);
                for (int f = 0; f < NFIELDS; f++) {
                    double v = walk[h][f] + uniform(&rng, -5, 5);
                    walk[h][f] = v < 0 ? 0 : v > 100 ? 100 : v;
                    n += (size_t)snprintf(body + n, cap - n, "%s%s=%di", f ? "," : "", fields[f], (int)walk[h][f]);
                }
                n += (size_t)snprintf(body + n, cap - n, " %lld\n", START_NS + (long long)s * STEP_NS);
            }
        hb_lp_opts opts = { .precision_ns = 1, .default_time = START_NS };
        hb_lp_result res;
        if (hb_lp_parse(body, n, &opts, &arena, &res, &err) || res.nfailed) {
            fprintf(stderr, "bench_flush: parse failed: %s %s\n", err.msg, hb_buf_cstr(&res.errors));
            return 1;
        }
        for (size_t i = 0; i < res.npoints; i++) {
            hb_point *p = &res.points[i];
            uintptr_t id = (uintptr_t)hb_strmap_get(&ids, p->series_key.p, p->series_key.n);
            if (!id) {
                id = (uintptr_t)next_id++;
                hb_strmap_put(&ids, p->series_key.p, p->series_key.n, (void *)id);
            }
            p->series_id = id;
        }
        if (hb_memtable_insert(mt, "benchmark", "autogen", res.points, res.npoints, &err)) {
            fprintf(stderr, "bench_flush: %s\n", err.msg);
            return 1;
        }
        rows += res.npoints;
        hb_buf_free(&res.errors);
        hb_arena_reset(&arena);
    }
    free(body);

    /* the flush path, timed */
    hb_storage_port st;
    if (hb_storage_local_open(dir, &st, &err)) {
        fprintf(stderr, "bench_flush: %s\n", err.msg);
        return 1;
    }
    const hb_mt_table *tables[4] = { NULL };
    double t0 = now_s();
    hb_memtable_scan(mt, "benchmark", "autogen", collect, tables);
    hb_arena fa;
    hb_arena_init(&fa, 16 << 20, 0);
    for (size_t k = 0; k < 4 && tables[k]; k++) {
        if (hb_flush_build(tables[k], &fa, write_batch, &st, &err)) {
            fprintf(stderr, "bench_flush: %s\n", err.msg);
            return 1;
        }
    }
    hb_arena_free(&fa);
    double el = now_s() - t0;
    sum_ctx sum = { 0, 0 };
    st.list(st.self, "", sum_sizes, &sum, &err);
    printf("flush: %.0f rows/s, %.3f bytes/value (%zu files, %llu bytes, %zu rows)\n", (double)rows / el,
           (double)sum.bytes / ((double)rows * NFIELDS), sum.files, (unsigned long long)sum.bytes, rows);
    st.close(st.self);
    hb_memtable_free(mt);
    hb_strmap_free(&ids);
    hb_arena_free(&arena);
    if (argc <= 2) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (system(cmd) != 0)
            return 1;
    }
    return 0;
}

