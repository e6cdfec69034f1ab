/* Line protocol parse throughput on the TSBS devops cpu-only workload.
 *
 * Generates TSBS-shaped bodies in memory (measurement cpu, 10 tags, 10
 * integer fields, 100 hosts, 10 s steps from 2016-01-01, 10,000 lines per
 * batch, as tools/tsbs.py sends them), parses every batch repeatedly with
 * hb_lp_parse (arena reset between batches) for about BENCH_SECONDS
 * (default 3) and prints one line:
 *
 *   parse: X MB/s, Y lines/s
 *
 * usage: bench_parse [seconds] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/arena.h"
#include "domain/lineproto.h"

#define HOSTS 100
#define BATCH_LINES 10000
#define BATCHES 8
#define STEP_NS 10000000000LL
#define START_NS 1451606400000000000LL

static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *s = x;
}

static const char *const regions[] = { "us-east-1", "us-west-1", "us-west-2", "eu-west-1", "eu-central-1",
                                       "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "sa-east-1" };
static const char *const oses[] = { "Ubuntu16.10", "Ubuntu16.04LTS", "Ubuntu15.10" };
static const char *const arches[] = { "x64", "x86" };
static const char *const teams[] = { "SF", "NYC", "LON", "CHI" };
static const char *const envs[] = { "production", "staging", "test" };
static const char *const fields[] = { "usage_user", "usage_system", "usage_idle", "usage_nice", "usage_iowait",
                                      "usage_irq", "usage_softirq", "usage_steal", "usage_guest", "usage_guest_nice" };

#define N(a) (sizeof(a) / sizeof((a)[0]))

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 3.0;
    if (secs <= 0)
        secs = 3.0;
    uint64_t rng = 0x9E3779B97F4A7C15ull;

    /* per-host tag sets, fixed as in TSBS */
    static char tagset[HOSTS][256];
    for (int h = 0; h < HOSTS; h++) {
        const char *region = regions[rng_next(&rng) % N(regions)];
        snprintf(tagset[h], sizeof tagset[h],
                 "hostname=host_%d,region=%s,datacenter=%s%c,rack=%d,os=%s,arch=%s,team=%s,service=%d,"
                 "service_version=%d,service_environment=%s",
                 h, region, region, (int)('a' + rng_next(&rng) % 3), (int)(rng_next(&rng) % 100),
                 oses[rng_next(&rng) % N(oses)], arches[rng_next(&rng) % N(arches)], teams[rng_next(&rng) % N(teams)],
                 (int)(rng_next(&rng) % 20), (int)(rng_next(&rng) % 2), envs[rng_next(&rng) % N(envs)]);
    }

    char *body[BATCHES];
    size_t blen[BATCHES], total = 0;
    for (int b = 0; b < BATCHES; b++) {
        size_t cap = (size_t)BATCH_LINES * 512, n = 0;
        body[b] = malloc(cap);
        if (!body[b])
            return 1;
        for (int l = 0; l < BATCH_LINES; l++) {
            long long step = (long long)b * (BATCH_LINES / HOSTS) + l / HOSTS;
            n += (size_t)snprintf(body[b] + n, cap - n, "cpu,%s ", tagset[l % HOSTS]);
            for (size_t f = 0; f < N(fields); f++)
                n += (size_t)snprintf(body[b] + n, cap - n, "%s%s=%di", f ? "," : "", fields[f],
                                      (int)(rng_next(&rng) % 100));
            n += (size_t)snprintf(body[b] + n, cap - n, " %lld\n", START_NS + step * STEP_NS);
        }
        blen[b] = n;
        total += n;
    }

    hb_arena arena;
    hb_arena_init(&arena, 8 << 20, 0);
    hb_lp_opts opts = { .precision_ns = 1, .default_time = START_NS };
    hb_lp_result res;
    hb_err err;
    size_t bytes = 0, lines = 0;
    double t0 = now_s(), t1 = t0;
    int rounds = 0;
    while (t1 - t0 < secs || rounds < 2) {
        for (int b = 0; b < BATCHES; b++) {
            int rc = hb_lp_parse(body[b], blen[b], &opts, &arena, &res, &err);
            if (rc != HB_OK || res.npoints != BATCH_LINES || res.nfailed) {
                fprintf(stderr, "bench_parse: batch %d: rc=%d points=%zu failed=%zu %s %s\n", b, rc, res.npoints,
                        res.nfailed, err.msg, hb_buf_cstr(&res.errors));
                return 1;
            }
            hb_buf_free(&res.errors);
            hb_arena_reset(&arena);
            bytes += blen[b];
            lines += BATCH_LINES;
        }
        rounds++;
        t1 = now_s();
    }
    double el = t1 - t0;
    printf("parse: %.0f MB/s, %.0f lines/s\n", (double)bytes / el / 1e6, (double)lines / el);
    fprintf(stderr, "(%d rounds over %zu bytes in %d batches of %d lines, %.2f s)\n", rounds, total, BATCHES,
            BATCH_LINES, el);
    hb_arena_free(&arena);
    for (int b = 0; b < BATCHES; b++)
        free(body[b]);
    return 0;
}
