/* POST /write: parameters db, rp, precision, u, p (consistency is ignored, as
 * InfluxDB OSS does); body in line protocol, optionally gzip-encoded. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "app/services.h"
#include "app/users.h"
#include "http/http.h"
#include "http/inflate.h"

void hb_ep_write(hb_services *svc, hb_http_req *req, hb_http_resp *resp)
{
    /* with auth, after influxd's "database is required" / "database not
     * found" checks (left to ingest): the user needs WRITE on db */
    const char *db = hb_http_query_param(req, "db");
    if (svc->config->auth.enabled && db && *db && hb_catalog_has_database(svc->catalog, db)) {
        char msg[600];
        if (!req->user) {
            snprintf(msg, sizeof msg, "user is required to write to database \"%.500s\"", db);
            hb_http_error(resp, 403, msg);
            return;
        }
        if (!hb_principal_can(req->user, HB_IQL_PRIV_WRITE, db)) {
            snprintf(msg, sizeof msg, "\"%.64s\" user is not authorized to write to database \"%.500s\"",
                     req->user->name, db);
            hb_http_error(resp, 403, msg);
            return;
        }
    }
    hb_buf inflated;
    hb_buf_init(&inflated, svc->config->server.max_body_size_bytes);
    const char *body = req->body.data ? req->body.data : "";
    size_t len = req->body.len;

    const char *enc = hb_http_header_get(req, "Content-Encoding");
    if (enc && strcasecmp(enc, "gzip") == 0) {
        hb_err err;
        int rc = hb_gunzip(body, len, &inflated, &err);
        if (rc) {
            /* InfluxDB 1.8 answers an over-long inflated body like an over-long body */
            hb_http_error(resp, rc == HB_ELIMIT ? 413 : 400, rc == HB_ELIMIT ? "Request Entity Too Large" : err.msg);
            hb_metrics_write_done(&svc->metrics, resp->status, err.msg, 0, len);
            goto out;
        }
        body = inflated.data ? inflated.data : "";
        len = inflated.len;
    }

    hb_write_req wr = {
        .db = hb_http_query_param(req, "db"),
        .rp = hb_http_query_param(req, "rp"),
        .precision = hb_http_query_param(req, "precision"),
        .body = body,
        .len = len,
    };
    hb_write_res res;
    hb_buf_init(&res.error, 0);
    hb_ingest_write(&svc->ingest, &wr, &res);
    hb_metrics_write_done(&svc->metrics, res.status, hb_buf_cstr(&res.error), res.points_written, len);
    if (res.status == 204) {
        resp->status = 204;
        resp->content_type = "application/json";
    } else {
        hb_http_error(resp, res.status, hb_buf_cstr(&res.error));
        if (res.retry_after_secs) {
            char ra[16];
            snprintf(ra, sizeof ra, "%d", res.retry_after_secs);
            hb_http_add_header(resp, "Retry-After", ra);
        }
    }
    hb_buf_free(&res.error);
out:
    hb_buf_free(&inflated);
}
