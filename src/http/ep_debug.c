/* GET /debug/export?db=D[&rp=R][&raw=true]: every stored point of a
 * database as line protocol (app/export.h). An operator's inspection tool,
 * and how the black-box tests check durability before SELECT exists. */
#include <string.h>

#include "app/export.h"
#include "app/services.h"
#include "http/http.h"

void hb_ep_debug_export(hb_services *svc, hb_http_req *req, hb_http_resp *resp)
{
    const char *db = hb_http_query_param(req, "db");
    const char *rp = hb_http_query_param(req, "rp");
    const char *raw = hb_http_query_param(req, "raw");
    if (!db || !*db) {
        hb_http_error(resp, 400, "database is required");
        return;
    }
    hb_err err;
    if (hb_export_lines(&svc->store, db, rp && *rp ? rp : NULL, raw && !strcmp(raw, "true"), &resp->body, &err)) {
        hb_buf_reset(&resp->body);
        hb_http_error(resp, 500, err.msg);
        return;
    }
    resp->status = 200;
    resp->content_type = "text/plain; charset=utf-8";
}
