/* libFuzzer target for what continuous queries do with a statement the
 * network sent: any CREATE CONTINUOUS QUERY that parses gets its window
 * rule, a few scheduler checks (extreme clocks and offsets included), the
 * run's time range set on its SELECT (the WHERE rewrite) and is printed.
 * Nothing may crash, leak or overflow (UBSan). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "app/cq_run.h"
#include "app/cq_window.h"
#include "base/arena.h"
#include "base/buf.h"
#include "domain/influxql/format.h"
#include "domain/influxql/parser.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *q = (const char *)data;
    size_t len = size;
    hb_arena a;
    hb_arena_init(&a, 4096, 0);
    hb_iql_trim_space(&q, &len);
    hb_iql_query *query = NULL;
    hb_err err;
    if (hb_influxql_parse(q, len, NULL, &a, &query, &err) == 0) {
        for (size_t i = 0; i < query->nstmts; i++) {
            hb_iql_stmt *st = query->stmts[i];
            if (st->kind != HB_IQL_STMT_CREATE_CONTINUOUS_QUERY)
                continue;
            hb_cq_rule r;
            hb_cq_rule_of(st->u.cq.select, st->u.cq.resample_every, st->u.cq.resample_for, &r);
            static const int64_t nows[] = { 0, 1, -1, INT64_C(1700000000000000000), INT64_C(4000000000000000000),
                                            INT64_C(-4000000000000000000) };
            hb_cq_state s = { 0, 0 };
            for (size_t k = 0; k < sizeof nows / sizeof nows[0]; k++) {
                int64_t start, end, cut;
                int run;
                (void)hb_cq_window_next(&r, &s, nows[k], &start, &end, &run, &cut);
            }
            (void)hb_cq_set_time_range(st->u.cq.select, -1, INT64_C(1700000000000000000), &a, &err);
            hb_buf b;
            hb_buf_init(&b, 1 << 24);
            (void)hb_iql_format_stmt(&b, st);
            hb_buf_free(&b);
        }
    }
    hb_arena_free(&a);
    return 0;
}
