/* GET/POST /query: q (required), db, rp, epoch, pretty, params; q may come
 * from the URL or from a form body, like Go's r.FormValue. */
#include <string.h>

#include "app/query_service.h"
#include "app/services.h"
#include "domain/influxql/parser.h"
#include "http/encode.h"
#include "http/http.h"

void hb_ep_query(hb_services *svc, hb_http_req *req, hb_http_resp *resp)
{
    const char *q = hb_http_param(req, "q");
    size_t qlen = q ? strlen(q) : 0;
    if (q)
        hb_iql_trim_space(&q, &qlen);
    if (!q || qlen == 0) {
        hb_http_error(resp, 400, "missing required parameter \"q\"");
        return;
    }
    /* InfluxDB reads epoch and pretty from the URL only */
    int64_t epoch_ns = 0;
    const char *epoch = hb_http_query_param(req, "epoch");
    if (epoch && *epoch && hb_epoch_unit(epoch, &epoch_ns))
        epoch_ns = 0;  /* unknown units fall back to RFC3339, as in InfluxDB */
    const char *pretty = hb_http_query_param(req, "pretty");
    int is_pretty = pretty && strcmp(pretty, "true") == 0;

    hb_query_req qr = {
        .q = q,
        .q_len = qlen,
        .db = hb_http_param(req, "db"),
        .rp = hb_http_param(req, "rp"),
        .params_json = hb_http_param(req, "params"),
        .read_only = strcmp(req->method, "GET") == 0,
    };
    hb_query_result res;
    hb_query_result_init(&res);
    hb_query_execute(svc->query, &qr, &res);
    if (res.error) {
        hb_http_error(resp, res.status, res.error);
    } else {
        resp->status = 200;
        resp->content_type = "application/json";
        hb_encode_json(&res, epoch_ns, is_pretty, &resp->body);
    }
    hb_query_result_free(&res);
}
