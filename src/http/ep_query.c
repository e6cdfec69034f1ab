/* GET/POST /query: q (required), db, rp, params, epoch, chunked,
 * chunk_size, async from the URL or a form body (Go's r.FormValue); pretty
 * from the URL only; the format from the Accept header (JSON, CSV,
 * MessagePack), as InfluxDB 1.6 reads them.
 *
 * The answer is built in a buffer: the server layer sends whole bodies
 * (hb_http_resp.body). A chunked answer is the same bytes influxd streams
 * (one document per result); streaming it needs a body callback in the
 * server (MHD_create_response_from_callback) fed by hb_qenc (encode.h). */
#include <stdint.h>
#include <string.h>

#include "app/query_service.h"
#include "app/services.h"
#include "domain/influxql/parser.h"
#include "http/encode.h"
#include "http/http.h"

/* Go's strconv.ParseInt(s, 10, 64) giving n > 0; else 0. */
static size_t parse_chunk_size(const char *s)
{
    if (!s)
        return 0;
    int neg = 0;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    if (!*s)
        return 0;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return 0;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_C(9223372036854775807) - d) / 10)
            return 0; /* out of range: ParseInt fails */
        v = v * 10 + d;
    }
    return neg || v == 0 || v > SIZE_MAX ? 0 : (size_t)v;
}

/* status, X-Influxdb-Error and {"error":msg} in the request's format */
static void query_error(hb_http_resp *resp, const hb_qenc_opts *o, int status, const char *msg)
{
    hb_http_error(resp, status, msg);
    if (o->format == HB_QFMT_JSON && !o->pretty)
        return;
    hb_buf_reset(&resp->body);
    hb_qenc_opts eo = *o;
    eo.chunked = 0;
    hb_qenc e;
    hb_qenc_init(&e, &eo, &resp->body);
    hb_qenc_error(&e, msg);
    hb_qenc_free(&e);
    resp->content_type = hb_qfmt_content_type(o->format);
}

void hb_ep_query(hb_services *svc, hb_http_req *req, hb_http_resp *resp)
{
    const char *pretty = hb_http_query_param(req, "pretty");
    hb_qenc_opts o = {
        .format = hb_qfmt_from_accept(hb_http_header_get(req, "Accept")),
        .pretty = pretty && strcmp(pretty, "true") == 0,
    };
    const char *q = hb_http_param(req, "q");
    size_t qlen = q ? strlen(q) : 0;
    if (q)
        hb_iql_trim_space(&q, &qlen);
    if (!q || qlen == 0) {
        query_error(resp, &o, 400, "missing required parameter \"q\"");
        return;
    }
    o.epoch = hb_epoch_divisor(hb_http_param(req, "epoch"));
    const char *chunked = hb_http_param(req, "chunked");
    o.chunked = chunked && strcmp(chunked, "true") == 0;
    size_t chunk_size = HB_QUERY_CHUNK_SIZE;
    if (o.chunked) {
        size_t n = parse_chunk_size(hb_http_param(req, "chunk_size"));
        if (n)
            chunk_size = n;
    }
    const char *async = hb_http_param(req, "async");

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
        query_error(resp, &o, res.status, res.error);
    } else if (async && strcmp(async, "true") == 0) {
        /* influxd answers 204 at once and drains the results */
        resp->status = 204;
        resp->content_type = hb_qfmt_content_type(o.format);
    } else {
        resp->status = 200;
        resp->content_type = hb_qfmt_content_type(o.format);
        hb_qenc e;
        hb_qenc_init(&e, &o, &resp->body);
        for (size_t i = 0; i < res.nstmts; i++) {
            hb_stmt_result *st = &res.stmts[i];
            if (st->error || !st->nseries || st->shape == HB_SHAPE_ONE_RESULT)
                hb_qenc_result(&e, st);
            else if (st->shape == HB_SHAPE_EMITTER)
                hb_qenc_split(&e, st, chunk_size);
            else   /* one result per series, never partial */
                for (size_t k = 0; k < st->nseries; k++)
                    hb_qenc_rows(&e, st->statement_id, &st->series[k], 0, st->series[k].nrows, 0, 0);
        }
        int rc = hb_qenc_finish(&e);
        hb_qenc_free(&e);
        if (rc) {
            hb_buf_reset(&resp->body);
            query_error(resp, &o, 500, rc == HB_ENOMEM ? "out of memory" : "response too large");
        }
    }
    hb_query_result_free(&res);
}
