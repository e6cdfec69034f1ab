/* The HTTP layer: libmicrohttpd glue, request/response types and the
 * endpoint handlers. Handlers see a fully read (and inflated) body and fill
 * an hb_http_resp; the server adds the headers InfluxDB clients expect
 * (X-Influxdb-Version, X-Influxdb-Build, Request-Id, X-Request-Id). */
#ifndef HB_HTTP_HTTP_H
#define HB_HTTP_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/buf.h"
#include "base/err.h"

struct MHD_Connection;
struct hb_services;

#define HB_VERSION "1.8.10-hyperbytedb-0.1.0"
#define HB_INFLUX_VERSION "1.8.10"   /* the API level we answer as */

/* Longer incoming request ids are replaced by a fresh one. */
#define HB_REQUEST_ID_MAX 128

typedef struct hb_http_kv {
    char *key, *val;    /* decoded */
} hb_http_kv;

typedef struct hb_http_req {
    struct MHD_Connection *conn;
    const char *method;          /* "GET", "POST", "HEAD", ... */
    const char *path;            /* URL path without query string */
    char request_id[HB_REQUEST_ID_MAX + 1]; /* the client's X-Request-Id / Request-Id, or a fresh UUID */
    int64_t start_ns;            /* CLOCK_MONOTONIC when the headers arrived */
    int status;                  /* of the response sent (request log) */
    int64_t resp_bytes;          /* body bytes sent; -1 = streamed (chunked) */
    hb_buf body;                 /* raw body, capped */
    int body_too_large;          /* the body exceeded max_body_size_bytes */
    hb_http_kv *form;             /* parsed application/x-www-form-urlencoded body (POST /query) */
    size_t nform;
    struct hb_principal *user;   /* the authenticated user (auth enabled), or NULL */
} hb_http_req;

typedef struct hb_http_header {
    char name[64];
    char value[512];
} hb_http_header;

typedef struct hb_http_resp {
    int status;
    const char *content_type;    /* static string or NULL (no body) */
    hb_buf body;
    hb_http_header headers[4];   /* extra headers */
    int nheaders;
    /* Optional: a body produced while it is sent (HTTP/1.1 chunked
     * transfer encoding) instead of body. read is libmicrohttpd's content
     * reader (bytes, 0 = none yet, MHD_CONTENT_READER_END_OF_STREAM or
     * _END_WITH_ERROR), called on the connection's thread; done(ctx) runs
     * once the response is finished or the client went away (also when
     * the response could not be queued). */
    ssize_t (*read)(void *ctx, uint64_t pos, char *buf, size_t max);
    void (*done)(void *ctx);
    void *ctx;
} hb_http_resp;

/* Query-string parameter (decoded by MHD), or NULL. */
const char *hb_http_query_param(hb_http_req *req, const char *key);
/* Query string first, then the form body (as InfluxDB's r.FormValue). */
const char *hb_http_param(hb_http_req *req, const char *key);
const char *hb_http_header_get(hb_http_req *req, const char *name);

/* {"error":"msg"} with status, plus X-Influxdb-Error as InfluxDB does. */
void hb_http_error(hb_http_resp *resp, int status, const char *msg);
void hb_http_add_header(hb_http_resp *resp, const char *name, const char *value);
/* Append s as a JSON string literal (with quotes) to b, escaped as Go's encoding/json does. */
int hb_json_str(hb_buf *b, const char *s, size_t n);

/* Endpoint handlers. */
typedef void (*hb_http_handler)(struct hb_services *svc, hb_http_req *req, hb_http_resp *resp);
void hb_ep_ping(struct hb_services *svc, hb_http_req *req, hb_http_resp *resp);
void hb_ep_health(struct hb_services *svc, hb_http_req *req, hb_http_resp *resp);
void hb_ep_write(struct hb_services *svc, hb_http_req *req, hb_http_resp *resp);
void hb_ep_query(struct hb_services *svc, hb_http_req *req, hb_http_resp *resp);
void hb_ep_debug_export(struct hb_services *svc, hb_http_req *req, hb_http_resp *resp);
void hb_ep_metrics(struct hb_services *svc, hb_http_req *req, hb_http_resp *resp);
void hb_ep_statements(struct hb_services *svc, hb_http_req *req, hb_http_resp *resp);

/* The server. */
typedef struct hb_http_server hb_http_server;
typedef struct hb_http_opts {
    const char *bind_address;
    int port;
    size_t max_body_bytes;
    unsigned threads;
    unsigned max_connections;
    int auth_enabled;            /* [auth] enabled: http/auth.h */
    int failed_login_burst, failed_login_refill_secs;
} hb_http_opts;

/* Starts listening; returns the server (owned by the caller: hb_http_stop). */
int hb_http_start(const hb_http_opts *opts, struct hb_services *svc, hb_http_server **out, hb_err *err);
/* Refuse new connections (closed as soon as accepted), wait up to grace_ms
 * for the requests in flight, stop. */
void hb_http_stop(hb_http_server *srv, int grace_ms);

#endif
