/* libFuzzer target for the SHOW statements (engine/show.h): any parsed
 * query's SHOW statements run against a small catalog (escaped names, tags
 * missing from some series, several measurements and databases) must give
 * a result or a clean error, never a crash, a leak or unbounded memory.
 * Conditions, regexes, sources, GROUP BY and LIMIT all come from the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/meta_memory.h"
#include "app/catalog.h"
#include "app/result.h"
#include "base/arena.h"
#include "domain/influxql/parser.h"
#include "domain/lineproto.h"
#include "engine/show.h"

static hb_meta_port kv;
static hb_catalog *cat;

static void write_lp(const char *db, const char *body)
{
    hb_arena a;
    hb_arena_init(&a, 4096, 0);
    hb_lp_opts o = { .precision_ns = 1, .allow_unsigned = 1 };
    hb_lp_result r;
    hb_err e;
    hb_admit_result ar;
    if (hb_lp_parse(body, strlen(body), &o, &a, &r, &e) == 0)
        (void)hb_catalog_admit(cat, db, "autogen", r.points, r.npoints, &ar, &e);
    hb_buf_free(&r.errors);
    hb_arena_free(&a);
}

static void init(void)
{
    hb_err e;
    if (hb_meta_memory_open(&kv, &e) || hb_catalog_open(&kv, &cat, &e))
        abort();
    (void)hb_catalog_create_database(cat, "d", NULL, &e);
    (void)hb_catalog_create_database(cat, "e", NULL, &e);
    (void)hb_catalog_create_database(cat, "empty", NULL, &e);
    write_lp("d", "cpu,host=a,region=us v=1,s=\"x\" 1\n"
                  "cpu,host=b,region=eu v=2 1\n"
                  "mem,host=a free=3i,ok=true 1\n"
                  "disk,path=/x,host=c used=1,n=1u 1\n"
                  "weird\\ m\\,x,t\\ k=v\\=1\\,2 f=1 1\n"
                  "a,host=x\\\\,z=1 f=1 1\n"
                  "a,host2=y f=1 1\n"
                  "a f=1 1\n");
    write_lp("e", "cpu,host=z v=1 1\n");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!cat)
        init();
    hb_query_result res;
    hb_query_result_init(&res);
    hb_iql_query *query = NULL;
    hb_err err;
    const char *q = (const char *)data;
    size_t len = size;
    hb_iql_trim_space(&q, &len);
    if (hb_influxql_parse(q, len, NULL, &res.arena, &query, &err) == 0) {
        for (size_t i = 0; i < query->nstmts; i++) {
            const hb_iql_stmt *st = query->stmts[i];
            if (!hb_show_handles(st->kind))
                continue;
            (void)hb_show_result_shape(st);
            hb_stmt_result *sr = hb_result_add_stmt(&res, (int)i);
            if (!sr)
                break;
            (void)hb_show_exec(cat, st, (size & 1) ? "d" : NULL, &res, sr, &err);
        }
    }
    hb_query_result_free(&res);
    return 0;
}
