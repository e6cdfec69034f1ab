/* GET /api/v1/statements?sort=total_time&limit=N: the statement summary;
 * DELETE /api/v1/statements: reset it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/services.h"
#include "app/statements.h"
#include "http/http.h"

void hb_ep_statements(hb_services *svc, hb_http_req *req, hb_http_resp *resp)
{
    if (!svc->statements) {
        hb_http_error(resp, 404, "the statement summary is disabled (statement_summary.enabled)");
        return;
    }
    if (strcmp(req->method, "DELETE") == 0) {
        hb_statements_reset(svc->statements);
        resp->status = 204;
        return;
    }
    hb_stmt_sort sort = HB_STMT_SORT_TOTAL_TIME;
    const char *s = hb_http_query_param(req, "sort");
    if (s && *s && hb_statements_sort_parse(s, &sort)) {
        hb_http_error(resp, 400,
                      "sort must be one of total_time, count, avg_time, max_time, errors, rows, last_seen");
        return;
    }
    size_t limit = 0;
    const char *l = hb_http_query_param(req, "limit");
    if (l && *l) {
        char *end;
        long long v = strtoll(l, &end, 10);
        if (*end || v < 0) {
            hb_http_error(resp, 400, "limit must be a non-negative integer");
            return;
        }
        limit = (size_t)v;
    }
    if (hb_statements_json(svc->statements, sort, limit, &resp->body)) {
        hb_http_error(resp, 500, "out of memory");
        return;
    }
    resp->status = 200;
    resp->content_type = "application/json";
}
