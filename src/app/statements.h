/* The statement summary (GET/DELETE /api/v1/statements): per normalized
 * statement text (domain/influxql/normalize.h) its digest, executions,
 * errors, rows returned, total/min/max duration and when it last ran.
 * Bounded: at most max_entries texts; a new text past that replaces the one
 * seen least recently. One mutex, taken once per statement. */
#ifndef HB_APP_STATEMENTS_H
#define HB_APP_STATEMENTS_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

#define HB_STATEMENT_TEXT_MAX 4096   /* longer normalized texts are cut (and end in "...") */

typedef struct hb_statements hb_statements;

typedef enum {
    HB_STMT_SORT_TOTAL_TIME = 0,
    HB_STMT_SORT_COUNT,
    HB_STMT_SORT_AVG_TIME,
    HB_STMT_SORT_MAX_TIME,
    HB_STMT_SORT_ERRORS,
    HB_STMT_SORT_ROWS,
    HB_STMT_SORT_LAST_SEEN,
} hb_stmt_sort;

/* max_entries >= 1. Returns the summary (owned by the caller: hb_statements_free). */
int hb_statements_new(size_t max_entries, hb_statements **out);
void hb_statements_free(hb_statements *s);

/* One execution of the statement text (raw or formatted: it is normalized
 * here). now_ns: wall clock. */
int hb_statements_record(hb_statements *s, const char *text, size_t n, int64_t duration_ns, uint64_t rows, int error,
                         int64_t now_ns);
void hb_statements_reset(hb_statements *s);
size_t hb_statements_count(hb_statements *s);

/* "total_time" | "count" | "avg_time" | "max_time" | "errors" | "rows" | "last_seen"; HB_EINVAL otherwise. */
int hb_statements_sort_parse(const char *name, hb_stmt_sort *out);
/* The JSON document (README "Statement summary"), largest first; limit 0 = all. */
int hb_statements_json(hb_statements *s, hb_stmt_sort sort, size_t limit, hb_buf *out);

#endif
