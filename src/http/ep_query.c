/* GET/POST /query: q (required), db, rp, params, epoch, chunked,
 * chunk_size, async from the URL or a form body (Go's r.FormValue); pretty
 * from the URL only; the format from the Accept header (JSON, CSV,
 * MessagePack), as InfluxDB 1.6 reads them.
 *
 * Without chunked=true the answer is built in a buffer and sent whole
 * (as influxd does: it merges a statement's results before writing).
 * With chunked=true the answer streams while the query runs
 * (query_stream.h): statements run on a producer thread, each one's
 * documents are written before the next starts, raw SELECT rows leave
 * the engine in time slices (engine/select_stream.c) and go out in
 * chunk_size pieces with influxd's partial flags (hb_qemit, encode.h),
 * through a bounded queue the response body (HTTP/1.1 chunked transfer
 * encoding) reads. An error after output began is one more document with
 * the statement's "error", as influxd writes it. A request-level error
 * (bad q, params) is known before anything is sent: its status and
 * X-Influxdb-Error are as without chunking. async=true answers 204 and is
 * not streamed. */
#include <stdint.h>
#include <string.h>

#include "app/query_service.h"
#include "app/services.h"
#include "domain/influxql/parser.h"
#include "http/encode.h"
#include "http/http.h"
#include "http/query_stream.h"

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
        .authorize = svc->config->auth.enabled,
        .user = req->user,
    };
    hb_query_result own;
    hb_query_result_init(&own);
    const hb_query_result *res = &own;
    hb_qstream *st = NULL;
    int is_async = async && strcmp(async, "true") == 0;
    if (o.chunked && !is_async) {
        hb_err err;
        if (hb_qstream_start(svc, &qr, &o, chunk_size, req->conn, &st, &err)) {
            query_error(resp, &o, 500, err.msg);
            goto out;
        }
        res = hb_qstream_outcome(st);
        if (!res) {   /* statements run: the body streams */
            resp->status = 200;
            resp->content_type = hb_qfmt_content_type(o.format);
            hb_qstream_attach(st, resp);
            st = NULL;
            goto out;
        }
    } else {
        hb_query_execute(svc->query, &qr, &own);
    }
    if (res->error) {
        query_error(resp, &o, res->status, res->error);
    } else if (is_async) {
        /* influxd answers 204 at once and drains the results */
        resp->status = 204;
        resp->content_type = hb_qfmt_content_type(o.format);
    } else {
        resp->status = 200;
        resp->content_type = hb_qfmt_content_type(o.format);
        hb_qenc e;
        hb_qenc_init(&e, &o, &resp->body);
        for (size_t i = 0; i < res->nstmts; i++) {
            const hb_stmt_result *sr = &res->stmts[i];
            if (sr->error || !sr->nseries || sr->shape == HB_SHAPE_ONE_RESULT)
                hb_qenc_result(&e, sr);
            else if (sr->shape == HB_SHAPE_EMITTER)
                hb_qenc_split(&e, sr, chunk_size);
            else   /* one result per series, never partial */
                for (size_t k = 0; k < sr->nseries; k++)
                    hb_qenc_rows(&e, sr->statement_id, &sr->series[k], 0, sr->series[k].nrows, 0, 0);
        }
        int rc = hb_qenc_finish(&e);
        hb_qenc_free(&e);
        if (rc) {
            hb_buf_reset(&resp->body);
            query_error(resp, &o, 500, rc == HB_ENOMEM ? "out of memory" : "response too large");
        }
    }
out:
    hb_qstream_free(st);
    hb_query_result_free(&own);
}
