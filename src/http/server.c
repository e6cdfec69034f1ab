/* libmicrohttpd glue: one daemon with an epoll thread pool. Each request's
 * body is read into a capped buffer across MHD's upload callbacks, then the
 * routed handler runs on the pool thread and the response is queued. */
#include "http/http.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "app/services.h"
#include "app/users.h"
#include "http/auth.h"
#include "base/log.h"

struct hb_http_server {
    struct MHD_Daemon *daemon;
    hb_services *svc;
    size_t max_body_bytes;
    atomic_int in_flight;   /* requests accepted and not yet completed */
    atomic_int stopping;    /* hb_http_stop began: new connections are refused */
    hb_http_auth *auth;     /* NULL: auth disabled */
};

typedef struct route {
    const char *path;
    const char *methods;    /* space-separated, e.g. "GET HEAD POST" */
    hb_http_handler fn;
    int access;             /* with auth enabled: 0 open, 1 a user, 2 an admin */
} route;

static const route routes[] = {
    { "/ping", "GET HEAD", hb_ep_ping, 0 },
    { "/health", "GET HEAD", hb_ep_health, 0 },
    { "/write", "POST", hb_ep_write, 1 },
    { "/query", "GET POST", hb_ep_query, 1 },
    { "/debug/export", "GET", hb_ep_debug_export, 2 },
    { "/metrics", "GET", hb_ep_metrics, 2 },
    { "/api/v1/statements", "GET DELETE", hb_ep_statements, 2 },
};

static const route *find_route(const char *path)
{
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
        if (strcmp(routes[i].path, path) == 0)
            return &routes[i];
    return NULL;
}

static int method_allowed(const route *r, const char *method)
{
    size_t ml = strlen(method);
    const char *p = r->methods;
    while (*p) {
        const char *e = strchr(p, ' ');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == ml && strncmp(p, method, n) == 0)
            return 1;
        p += n;
        while (*p == ' ')
            p++;
    }
    return 0;
}

/* A random RFC 4122 version-4 UUID; per-thread state seeded from getrandom. */
static void make_request_id(char out[HB_REQUEST_ID_MAX + 1])
{
    static _Thread_local uint64_t s[2];
    if (!s[0] && !s[1]) {
        if (getrandom(s, sizeof s, 0) != sizeof s) {
            s[0] = (uint64_t)time(NULL) ^ (uint64_t)pthread_self();
            s[1] = 0x9E3779B97F4A7C15ull;
        }
    }
    unsigned char b[16];
    for (int i = 0; i < 2; i++) {
        /* xorshift128+ */
        uint64_t x = s[0], y = s[1];
        s[0] = y;
        x ^= x << 23;
        s[1] = x ^ y ^ (x >> 17) ^ (y >> 26);
        uint64_t v = s[1] + y;
        memcpy(b + 8 * i, &v, 8);
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(out, HB_REQUEST_ID_MAX + 1, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
             b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

const char *hb_http_query_param(hb_http_req *req, const char *key)
{
    return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *hb_http_param(hb_http_req *req, const char *key)
{
    const char *v = hb_http_query_param(req, key);
    if (v)
        return v;
    for (size_t i = 0; i < req->nform; i++)
        if (strcmp(req->form[i].key, key) == 0)
            return req->form[i].val;
    return NULL;
}

const char *hb_http_header_get(hb_http_req *req, const char *name)
{
    return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

void hb_http_add_header(hb_http_resp *resp, const char *name, const char *value)
{
    if (resp->nheaders >= (int)(sizeof resp->headers / sizeof resp->headers[0]))
        return;
    hb_http_header *h = &resp->headers[resp->nheaders++];
    snprintf(h->name, sizeof h->name, "%s", name);
    snprintf(h->value, sizeof h->value, "%s", value);
}

void hb_http_error(hb_http_resp *resp, int status, const char *msg)
{
    resp->status = status;
    resp->content_type = "application/json";
    hb_buf_reset(&resp->body);
    hb_buf_puts(&resp->body, "{\"error\":");
    hb_json_str(&resp->body, msg, strlen(msg));
    hb_buf_puts(&resp->body, "}\n");
    /* header values cannot carry newlines: keep the first line */
    char first[512];
    snprintf(first, sizeof first, "%.*s", (int)strcspn(msg, "\r\n"), msg);
    /* Go's header writer trims trailing blanks */
    for (size_t n = strlen(first); n && (first[n - 1] == ' ' || first[n - 1] == '\t'); n--)
        first[n - 1] = '\0';
    hb_http_add_header(resp, "X-Influxdb-Error", first);
}

/* ---- form bodies (application/x-www-form-urlencoded) ---- */
static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode in place; returns the new length. */
static size_t url_decode(char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+')
            s[o++] = ' ';
        else if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            s[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else
            s[o++] = s[i];
    }
    s[o] = '\0';
    return o;
}

static int parse_form(hb_http_req *req)
{
    const char *ct = hb_http_header_get(req, "Content-Type");
    if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0 || req->body.len == 0)
        return HB_OK;
    size_t count = 1;
    for (size_t i = 0; i < req->body.len; i++)
        count += req->body.data[i] == '&';
    req->form = calloc(count, sizeof *req->form);
    if (!req->form)
        return HB_ENOMEM;
    char *p = req->body.data, *end = p + req->body.len;
    while (p < end) {
        char *amp = memchr(p, '&', (size_t)(end - p));
        char *pe = amp ? amp : end;
        char *eq = memchr(p, '=', (size_t)(pe - p));
        char *ke = eq ? eq : pe;
        hb_http_kv *fp = &req->form[req->nform];
        fp->key = strndup(p, (size_t)(ke - p));
        fp->val = eq ? strndup(eq + 1, (size_t)(pe - eq - 1)) : strdup("");
        if (!fp->key || !fp->val) {
            free(fp->key);
            free(fp->val);
            return HB_ENOMEM;
        }
        url_decode(fp->key, strlen(fp->key));
        url_decode(fp->val, strlen(fp->val));
        req->nform++;
        p = pe + 1;
    }
    return HB_OK;
}

/* ---- request lifecycle ---- */

/* As influxd: the client's X-Request-Id, else its Request-Id, else a fresh
 * UUID. Ours are capped at HB_REQUEST_ID_MAX printable bytes (influxd takes
 * any length); a longer or unprintable one is replaced. */
static void pick_request_id(struct MHD_Connection *conn, char out[HB_REQUEST_ID_MAX + 1])
{
    static const char *const names[] = { "X-Request-Id", "Request-Id" };
    for (int i = 0; i < 2; i++) {
        const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, names[i]);
        if (!v || !*v)
            continue;
        size_t n = strlen(v);
        int ok = n <= HB_REQUEST_ID_MAX;
        for (size_t k = 0; ok && k < n; k++)
            ok = (unsigned char)v[k] >= 0x20 && (unsigned char)v[k] < 0x7f;
        if (ok) {
            memcpy(out, v, n + 1);
            return;
        }
        break;
    }
    make_request_id(out);
}
static void add_std_headers(struct MHD_Response *r, const hb_http_req *req)
{
    MHD_add_response_header(r, "X-Influxdb-Build", "OSS");
    MHD_add_response_header(r, "X-Influxdb-Version", HB_INFLUX_VERSION);
    if (req->request_id[0]) {
        MHD_add_response_header(r, "Request-Id", req->request_id);
        MHD_add_response_header(r, "X-Request-Id", req->request_id);
    }
}

static enum MHD_Result send_resp(struct MHD_Connection *conn, hb_http_req *req, hb_http_resp *resp)
{
    size_t len = 0;
    char *body = NULL;
    struct MHD_Response *r;
    if (resp->read) {
        r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, resp->read, resp->ctx, resp->done);
        if (!r) {
            resp->done(resp->ctx);
            return MHD_NO;
        }
    } else {
        if (resp->body.len && strcmp(req->method, "HEAD") != 0)
            body = hb_buf_take(&resp->body, &len);
        r = MHD_create_response_from_buffer(len, body ? body : (void *)"",
                                            body ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
        if (!r) {
            free(body);
            return MHD_NO;
        }
    }
    add_std_headers(r, req);
    if (resp->content_type)
        MHD_add_response_header(r, "Content-Type", resp->content_type);
    for (int i = 0; i < resp->nheaders; i++)
        MHD_add_response_header(r, resp->headers[i].name, resp->headers[i].value);
    req->status = resp->status;
    req->resp_bytes = resp->read ? -1 : (int64_t)len;
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)resp->status, r);
    MHD_destroy_response(r);
    return ret;
}

static void resp_init(hb_http_resp *resp)
{
    memset(resp, 0, sizeof *resp);
    resp->status = 200;
    hb_buf_init(&resp->body, 0);
}

static enum MHD_Result send_simple_error(struct MHD_Connection *conn, hb_http_req *req, int status, const char *msg)
{
    hb_http_resp resp;
    resp_init(&resp);
    hb_http_error(&resp, status, msg);
    enum MHD_Result r = send_resp(conn, req, &resp);
    hb_buf_free(&resp.body);
    return r;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    hb_http_server *srv = cls;
    hb_http_req *req = *con_cls;

    if (!req) {
        /* first call: headers only */
        req = calloc(1, sizeof *req);
        if (!req)
            return MHD_NO;
        req->conn = conn;
        req->method = method;
        req->path = url;
        req->start_ns = hb_mono_ns();
        pick_request_id(conn, req->request_id);
        hb_buf_init(&req->body, srv->max_body_bytes);
        *con_cls = req;
        atomic_fetch_add(&srv->in_flight, 1);

        const route *rt = find_route(url);
        if (!rt) {
            return send_simple_error(conn, req, 404, "404 page not found");
        }
        if (!method_allowed(rt, method)) {
            hb_http_resp resp;
            resp_init(&resp);
            resp.status = 405;
            resp.content_type = "text/plain; charset=utf-8";
            hb_buf_puts(&resp.body, "Method Not Allowed\n");
            char allow[64];
            snprintf(allow, sizeof allow, "OPTIONS, %s", rt->methods);
            for (char *c = allow; *c; c++)
                if (*c == ' ' && c[-1] != ',')
                    *c = ',';
            hb_http_add_header(&resp, "Allow", allow);
            enum MHD_Result r = send_resp(conn, req, &resp);
            hb_buf_free(&resp.body);
            return r;
        }
        /* A body somewhat over the cap is read and discarded before the 413,
         * so the client gets the answer instead of a broken pipe (as with
         * InfluxDB); a grossly oversized one is refused before reading. */
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl && srv->max_body_bytes && strtoull(cl, NULL, 10) / 4 > srv->max_body_bytes)
            return send_simple_error(conn, req, 413, "Request Entity Too Large");
        return MHD_YES;
    }

    if (*upload_data_size) {
        if (!req->body_too_large && hb_buf_append(&req->body, upload_data, *upload_data_size))
            req->body_too_large = 1;
        *upload_data_size = 0;   /* consumed (or discarded past the cap) */
        return MHD_YES;
    }

    /* the whole body is here */
    if (req->body_too_large)
        return send_simple_error(conn, req, 413, "Request Entity Too Large");
    if (parse_form(req))
        return send_simple_error(conn, req, 500, "out of memory");
    const route *rt = find_route(url);
    hb_http_resp resp;
    resp_init(&resp);
    if (!srv->auth || !rt->access || hb_http_authenticate(srv->auth, srv->svc, req, rt->access == 2, &resp))
        rt->fn(srv->svc, req, &resp);
    enum MHD_Result r = send_resp(conn, req, &resp);
    hb_buf_free(&resp.body);
    return r;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    hb_http_server *srv = cls;
    hb_http_req *req = *con_cls;
    if (!req)
        return;
    hb_counter_add(&srv->svc->metrics.http_requests, 1);
    if (hb_log_enabled(HB_LOG_INFO)) {
        /* the path only: the query string may hold u= and p= */
        hb_log_field f[] = {
            { "method", req->method, 0, 0 },
            { "path", req->path, 0, 0 },
            { "status", NULL, req->status, 0 },
            { "bytes", NULL, (double)req->resp_bytes, 0 },
            { "duration_ms", NULL, (double)((hb_mono_ns() - req->start_ns) / 1000) / 1000.0, 0 },
            { "completed", NULL, toe == MHD_REQUEST_TERMINATED_COMPLETED_OK, 1 },
        };
        hb_log_fields(HB_LOG_INFO, req->request_id, "http request", f, sizeof f / sizeof f[0]);
    }
    hb_buf_free(&req->body);
    for (size_t i = 0; i < req->nform; i++) {
        free(req->form[i].key);
        free(req->form[i].val);
    }
    free(req->form);
    hb_principal_free(req->user);
    free(req);
    *con_cls = NULL;
    atomic_fetch_sub(&srv->in_flight, 1);
}

/* The accept policy: once hb_http_stop began, a new connection is closed
 * as soon as it is accepted. */
static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    hb_http_server *srv = cls;
    (void)addr;
    (void)addrlen;
    return atomic_load(&srv->stopping) ? MHD_NO : MHD_YES;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    hb_http_server *srv = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        hb_counter_add(&srv->svc->metrics.http_connections_total, 1);
        atomic_fetch_add_explicit(&srv->svc->metrics.http_connections, 1, memory_order_relaxed);
    } else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        atomic_fetch_sub_explicit(&srv->svc->metrics.http_connections, 1, memory_order_relaxed);
    }
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    hb_log_req(HB_LOG_DEBUG, NULL, "http: %s", msg);
}

int hb_http_start(const hb_http_opts *opts, hb_services *svc, hb_http_server **out, hb_err *err)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, opts->bind_address, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)opts->port);
    } else if (inet_pton(AF_INET6, opts->bind_address, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)opts->port);
        flags |= MHD_USE_IPv6;
    } else {
        return hb_err_set(err, HB_EINVAL, "server.bind_address: not an IPv4 or IPv6 address: \"%s\"",
                          opts->bind_address);
    }
    hb_http_server *srv = calloc(1, sizeof *srv);
    if (!srv)
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    srv->svc = svc;
    srv->max_body_bytes = opts->max_body_bytes;
    if (opts->auth_enabled &&
        !(srv->auth = hb_http_auth_new(opts->failed_login_burst, opts->failed_login_refill_secs))) {
        free(srv);
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    }
    srv->daemon = MHD_start_daemon(
        flags, (uint16_t)opts->port, on_accept, srv, on_request, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_THREAD_POOL_SIZE, opts->threads, MHD_OPTION_CONNECTION_LIMIT, opts->max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)300, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_NOTIFY_CONNECTION, on_connection, srv,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
    /* No MHD_OPTION_LISTENING_ADDRESS_REUSE: it sets SO_REUSEPORT, with which
     * a second server on the same port would start and silently share the
     * connections. MHD's default SO_REUSEADDR still allows a restart while
     * old connections linger in TIME_WAIT. */
    if (!srv->daemon) {
        hb_http_auth_free(srv->auth);
        free(srv);
        return hb_err_set(err, HB_EIO, "cannot listen on %s:%d (address in use or not permitted?)",
                          opts->bind_address, opts->port);
    }
    *out = srv;
    return HB_OK;
}

void hb_http_stop(hb_http_server *srv, int grace_ms)
{
    if (!srv)
        return;
    /* No MHD_quiesce_daemon here: with a thread pool in epoll mode it takes
     * the listening socket out of every worker's epoll set from this thread
     * while a worker that is awake (a connection just closed, a client just
     * connected) sees the quiesced flag and takes it out too. Whichever
     * comes second gets ENOENT, which libmicrohttpd (0.9.75 and later)
     * treats as fatal: "Failed to remove listen FD from epoll set" and
     * abort(), an intermittent SIGABRT on SIGTERM. The accept policy refuses
     * new connections instead, without touching MHD's epoll sets; the
     * listening socket closes in MHD_stop_daemon. */
    atomic_store(&srv->stopping, 1);
    /* let requests that are being read or handled finish and be answered */
    for (int waited = 0; waited < grace_ms && atomic_load(&srv->in_flight) > 0; waited += 10)
        usleep(10 * 1000);
    MHD_stop_daemon(srv->daemon);
    hb_http_auth_free(srv->auth);
    free(srv);
}
