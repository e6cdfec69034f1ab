/* libFuzzer target for the InfluxQL lexer, parser, regex checker and
 * printer: any input must yield a query or a clean error, never a crash,
 * a leak or unbounded memory. Printing a parsed query exercises every AST
 * node the parser built. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/arena.h"
#include "base/buf.h"
#include "domain/influxql/format.h"
#include "domain/influxql/parser.h"
#include "domain/influxql/regex.h"

#define PS(n, t, s) {n, sizeof(n) - 1, t, s, sizeof(s) - 1, 0, 0, 0}

static const hb_iql_param params[] = {
    PS("s", HB_IQL_PARAM_STRING, "str'ing"),
    PS("id", HB_IQL_PARAM_IDENT, "cpu"),
    PS("re", HB_IQL_PARAM_REGEX, "^h(ost|x)$"),
    PS("bre", HB_IQL_PARAM_REGEX, "(unclosed"),
    PS("d", HB_IQL_PARAM_DURATION, "1h30m"),
    PS("bd", HB_IQL_PARAM_DURATION, "1x"),
    PS("e", HB_IQL_PARAM_ERROR, "unable to bind parameter with type <nil>"),
    {"i", 1, HB_IQL_PARAM_INTEGER, NULL, 0, -42, 0, 0},
    {"f", 1, HB_IQL_PARAM_FLOAT, NULL, 0, 0, 2.5e-7, 0},
    {"b", 1, HB_IQL_PARAM_BOOLEAN, NULL, 0, 0, 0, 1},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *q = (const char *)data;
    size_t len = size;
    hb_iql_params p = {params, sizeof params / sizeof params[0]};

    /* Alternate between an unbounded arena and a tight cap (ENOMEM paths). */
    hb_arena a;
    hb_arena_init(&a, 4096, (size & 3) == 3 ? 16384 : 0);

    hb_iql_trim_space(&q, &len);
    hb_iql_query *query = NULL;
    hb_err err;
    if (hb_influxql_parse(q, len, (size & 1) ? &p : NULL, &a, &query, &err) == 0) {
        hb_buf b;
        hb_buf_init(&b, 1 << 24);
        (void)hb_iql_format_query(&b, query);
        for (size_t i = 0; i < query->nstmts; i++) {
            const hb_iql_stmt *st = query->stmts[i];
            if (st->kind == HB_IQL_STMT_SELECT)
                for (size_t f = 0; f < st->u.select->nfields; f++)
                    (void)hb_iql_field_name(&st->u.select->fields[f], &a);
        }
        hb_buf_free(&b);
    }
    hb_arena_reset(&a);

    hb_iql_expr *e = NULL;
    if (hb_influxql_parse_expr((const char *)data, size, &p, &a, &e, &err) == 0) {
        hb_buf b;
        hb_buf_init(&b, 1 << 24);
        (void)hb_iql_format_expr(&b, e);
        hb_buf_free(&b);
    }
    hb_arena_free(&a);

    char msg[256];
    (void)hb_iql_regex_check((const char *)data, size, msg, sizeof msg);
    return 0;
}
