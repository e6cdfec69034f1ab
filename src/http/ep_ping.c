/* GET/HEAD /ping and /health. */
#include <string.h>

#include "app/services.h"
#include "http/http.h"

void hb_ep_ping(hb_services *svc, hb_http_req *req, hb_http_resp *resp)
{
    const char *verbose = hb_http_query_param(req, "verbose");
    resp->content_type = "application/json";
    /* InfluxDB 1.7+ answers 200 with the version when verbose is set */
    if (verbose && *verbose && strcmp(verbose, "false") != 0 && strcmp(verbose, "0") != 0) {
        resp->status = 200;
        hb_buf_puts(&resp->body, "{\"version\":\"" HB_INFLUX_VERSION "\"}\n");
        return;
    }
    resp->status = 204;
}

void hb_ep_health(hb_services *svc, hb_http_req *req, hb_http_resp *resp)
{
    resp->status = 200;
    resp->content_type = "application/json";
    hb_buf_puts(&resp->body, "{\"name\":\"influxdb\",\"message\":\"ready for queries and writes\",\"status\":\"pass\","
                             "\"checks\":[],\"version\":\"" HB_INFLUX_VERSION "\"}\n");
}
