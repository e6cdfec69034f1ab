/* GET /metrics: Prometheus text exposition (format 0.0.4). */
#include "app/metrics.h"
#include "app/services.h"
#include "http/http.h"

void hb_ep_metrics(hb_services *svc, hb_http_req *req, hb_http_resp *resp)
{
    if (hb_metrics_scrape(svc, &resp->body)) {
        hb_http_error(resp, 500, "cannot collect the metrics");
        return;
    }
    resp->status = 200;
    resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
}
