/* libFuzzer target: any InfluxQL text, and every SELECT in it run against
 * a small fixed data set (write buffer and a flushed Parquet file) must
 * never crash, leak or read out of bounds; errors are fine. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "adapters/meta_memory.h"
#include "adapters/storage_memory.h"
#include "adapters/wal_memory.h"
#include "app/catalog.h"
#include "app/flush.h"
#include "app/ingest.h"
#include "app/store.h"
#include "domain/influxql/parser.h"
#include "engine/select.h"

static struct {
    int ready;
    hb_meta_port meta;
    hb_wal_port wal;
    hb_storage_port storage;
    hb_catalog *cat;
    hb_registry *reg;
    hb_memset *ms;
    hb_store store;
    hb_ingest ing;
    hb_flusher flusher;
    hb_clock_virtual clock;
} W;

/* A sink that checks and drops streamed rows (odd-length inputs stream). */
static int sink_series(void *ctx, const hb_series_out *s)
{
    *(size_t *)ctx = s->ncols;
    return 0;
}

static int sink_rows(void *ctx, const hb_value *rows, size_t n)
{
    size_t w = *(size_t *)ctx;
    for (size_t i = 0; i < n * w; i++)
        if (rows[i].kind == HB_V_STR && rows[i].v.s.n && !rows[i].v.s.p)
            __builtin_trap();
    return 0;
}

static void write(const char *body)
{
    hb_write_req req = { "db", NULL, NULL, body, strlen(body) };
    hb_write_res res;
    hb_buf_init(&res.error, 0);
    hb_ingest_write(&W.ing, &req, &res);
    hb_buf_free(&res.error);
}

static void setup(void)
{
    hb_err err;
    hb_meta_memory_open(&W.meta, &err);
    hb_wal_memory_open(NULL, &W.wal, &err);
    hb_storage_memory_open(&W.storage, &err);
    hb_catalog_open(&W.meta, &W.cat, &err);
    hb_catalog_create_database(W.cat, "db", NULL, &err);
    hb_registry_open(&W.meta, &W.reg, &err);
    W.ms = hb_memset_new();
    hb_store_init(&W.store, W.cat, W.ms, W.reg, &W.storage, &err);
    W.clock.now = 1672540000000000000LL;
    hb_ingest_limits lim = { .memtable_max_bytes = 64 << 20 };
    hb_ingest_init(&W.ing, W.cat, &W.wal, W.ms, hb_clock_virtual_port(&W.clock), &lim);
    hb_flusher_init(&W.flusher, &W.store, &W.wal, hb_clock_virtual_port(&W.clock), NULL);
    write("cpu,host=a,region=east usage=10.5,idle=80i,ok=true,msg=\"boot\" 1672531200000000000\n"
          "cpu,host=b,region=east usage=50,idle=40i 1672531200000000000\n"
          "cpu,host=a,region=east usage=12.25,idle=78i 1672531800000000000\n"
          "cpu usage=1,idle=99i 1672537800000000000\n"
          "mem,host=a free=1000i,used=100.5 1672531200000000000\n");
    hb_flush_now(&W.flusher, &err);
    write("cpu,host=a,region=east usage=99 1672531800000000000\n"
          "cpu,host=c,region=west usage=5,idle=95i,msg=\"x\" 1672533600000000000\n"
          "mem,host=b free=2000i,used=100.5 1672532400000000000\n");
    W.ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    if (!W.ready)
        setup();
    hb_query_result res;
    hb_query_result_init(&res);
    hb_iql_query *q = NULL;
    hb_err err;
    hb_iql_params params = { NULL, 0 };
    if (hb_influxql_parse((const char *)data, n, &params, &res.arena, &q, &err) == 0) {
        hb_select_env env = { &W.store, W.cat, "db", NULL, W.clock.now };
        /* a statement over years of empty windows is legal but slow under the
         * sanitizers: the statement budgets stop it as they would a client's */
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        env.deadline_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + (int64_t)2000000000;
        env.max_memory = (uint64_t)256 << 20;
        size_t width = 0;
        hb_row_sink sink = { &width, sink_series, sink_rows };
        if (n % 2)
            env.sink = &sink;
        for (size_t i = 0; i < q->nstmts; i++) {
            if (q->stmts[i]->kind != HB_IQL_STMT_SELECT)
                continue;
            hb_stmt_result *sr = hb_result_add_stmt(&res, (int)i);
            if (sr)
                hb_select_exec(&env, q->stmts[i]->u.select, &res, sr, &err);
        }
    }
    hb_query_result_free(&res);
    return 0;
}
