/* Credential extraction, verification and failed-login throttling for the
 * HTTP layer (see auth.h). */
#include "http/auth.h"

#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "app/services.h"
#include "app/users.h"
#include "base/base64.h"
#include "base/log.h"

typedef struct slot {
    unsigned char addr[16];
    int used;
    double tokens;
    int64_t last_ns;
} slot;

struct hb_http_auth {
    pthread_mutex_t mu;
    int burst, refill_secs;
    slot slots[HB_AUTH_SLOTS];
};

hb_http_auth *hb_http_auth_new(int burst, int refill_secs)
{
    hb_http_auth *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    pthread_mutex_init(&a->mu, NULL);
    a->burst = burst > 0 ? burst : 1;
    a->refill_secs = refill_secs > 0 ? refill_secs : 1;
    return a;
}

void hb_http_auth_free(hb_http_auth *a)
{
    if (!a)
        return;
    pthread_mutex_destroy(&a->mu);
    free(a);
}

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* the client's address as 16 bytes (IPv4 mapped into IPv6) */
static void client_addr(hb_http_req *req, unsigned char out[16])
{
    memset(out, 0, 16);
    const union MHD_ConnectionInfo *ci =
        req->conn ? MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS) : NULL;
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET) {
        out[10] = out[11] = 0xff;
        memcpy(out + 12, &((const struct sockaddr_in *)sa)->sin_addr, 4);
    } else if (sa->sa_family == AF_INET6) {
        memcpy(out, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
    }
}

static slot *find_slot(hb_http_auth *a, const unsigned char addr[16], int64_t now)
{
    uint32_t h = 2166136261u;   /* FNV-1a */
    for (int i = 0; i < 16; i++)
        h = (h ^ addr[i]) * 16777619u;
    slot *s = &a->slots[h % HB_AUTH_SLOTS];
    if (s->used) {   /* refill */
        double add = (double)(now - s->last_ns) / 1e9 / a->refill_secs;
        s->tokens = fmin((double)a->burst, s->tokens + add);
        s->last_ns = now;
    }
    if (!s->used || (memcmp(s->addr, addr, 16) && s->tokens >= a->burst)) {
        s->used = 1;
        s->tokens = a->burst;
        s->last_ns = now;
    }
    memcpy(s->addr, addr, 16);   /* a shared, still-throttled slot keeps its count */
    return s;
}

/* seconds until the address may try again, 0 = now */
static int throttled(hb_http_auth *a, const unsigned char addr[16])
{
    pthread_mutex_lock(&a->mu);
    slot *s = find_slot(a, addr, mono_ns());
    int wait = s->tokens >= 1 ? 0 : (int)ceil((1 - s->tokens) * a->refill_secs);
    pthread_mutex_unlock(&a->mu);
    return wait;
}

static void failed(hb_http_auth *a, const unsigned char addr[16])
{
    pthread_mutex_lock(&a->mu);
    slot *s = find_slot(a, addr, mono_ns());
    s->tokens = fmax(0, s->tokens - 1);
    pthread_mutex_unlock(&a->mu);
}

/* influxd's 401: the challenge header and no X-Influxdb-Error */
static void unauthorized(hb_http_resp *resp, const char *msg)
{
    resp->status = 401;
    resp->content_type = "application/json";
    hb_buf_reset(&resp->body);
    hb_buf_puts(&resp->body, "{\"error\":");
    hb_json_str(&resp->body, msg, strlen(msg));
    hb_buf_puts(&resp->body, "}\n");
    hb_http_add_header(resp, "Www-Authenticate", "Basic realm=\"InfluxDB\"");
}

/* u and p from the URL, else from a form body (both non-empty) */
static int from_params(hb_http_req *req, const char **u, const char **p)
{
    *u = hb_http_query_param(req, "u");
    *p = hb_http_query_param(req, "p");
    if (*u && **u && *p && **p)
        return 1;
    *u = *p = NULL;
    for (size_t i = 0; i < req->nform; i++) {
        if (!strcmp(req->form[i].key, "u") && !*u)
            *u = req->form[i].val;
        if (!strcmp(req->form[i].key, "p") && !*p)
            *p = req->form[i].val;
    }
    return *u && **u && *p && **p;
}

/* Splits "user:pass" at the first colon; 0 without a colon. */
static int split_creds(char *s, const char **u, const char **p)
{
    char *c = strchr(s, ':');
    if (!c)
        return 0;
    *c = '\0';
    *u = s;
    *p = c + 1;
    return 1;
}

hb_auth_scheme hb_auth_parse_header(const char *h, char *buf, size_t cap, const char **user, const char **pass)
{
    *user = *pass = NULL;
    if (!h)
        return HB_AUTH_NONE;
    size_t hl = strlen(h);
    if (hl + 1 > cap || hl > HB_AUTH_MAX_HEADER)
        return HB_AUTH_NONE;
    if (!strncmp(h, "Bearer ", 7) && !strchr(h + 7, ' '))
        return HB_AUTH_BEARER;
    if (hl > 6 && !strncasecmp(h, "Basic ", 6)) {
        size_t len;
        if (hb_base64_decode(h + 6, hl - 6, (unsigned char *)buf, cap - 1, &len) != HB_OK || memchr(buf, '\0', len))
            return HB_AUTH_NONE;
        buf[len] = '\0';
        return split_creds(buf, user, pass) ? HB_AUTH_USERPASS : HB_AUTH_NONE;
    }
    if (hl > 6 && !strncmp(h, "Token ", 6)) {
        memcpy(buf, h + 6, hl - 6 + 1);
        return split_creds(buf, user, pass) ? HB_AUTH_USERPASS : HB_AUTH_NONE;
    }
    return HB_AUTH_NONE;
}

int hb_http_authenticate(hb_http_auth *a, hb_services *svc, hb_http_req *req, int need_admin, hb_http_resp *resp)
{
    int ok = 0;
    char *buf = NULL;
    size_t buflen = 0;
    if (!hb_users_admin_exists(svc->users)) {
        if (!need_admin)
            return 1;   /* influxd: no credentials asked before the first admin */
        hb_http_error(resp, 403, "create admin user first or disable authentication");
        return 0;
    }
    unsigned char addr[16];
    client_addr(req, addr);
    int wait = throttled(a, addr);
    if (wait) {
        char ra[16];
        hb_http_error(resp, 429, "too many failed authentication attempts, retry later");
        snprintf(ra, sizeof ra, "%d", wait);
        hb_http_add_header(resp, "Retry-After", ra);
        return 0;
    }
    const char *user = NULL, *pass = NULL;
    int found = from_params(req, &user, &pass);
    const char *h = found ? NULL : hb_http_header_get(req, "Authorization");
    if (h && strlen(h) <= HB_AUTH_MAX_HEADER) {
        buflen = strlen(h) + 1;
        if (!(buf = malloc(buflen))) {
            hb_http_error(resp, 500, "out of memory");
            return 0;
        }
        hb_auth_scheme sc = hb_auth_parse_header(h, buf, buflen, &user, &pass);
        if (sc == HB_AUTH_BEARER) {
            unauthorized(resp, "bearer auth disabld");   /* influxd 1.6's text, without a shared secret */
            goto out;
        }
        found = sc == HB_AUTH_USERPASS;
    }
    if (!found) {
        unauthorized(resp, "unable to parse authentication credentials");
        goto out;
    }
    if (!*user) {
        unauthorized(resp, "username required");
        goto out;
    }
    hb_principal *who = NULL;
    hb_err err;
    if (hb_users_authenticate(svc->users, user, pass, &who, &err)) {
        failed(a, addr);
        hb_log_req(HB_LOG_INFO, req->request_id, "auth: failed login for user \"%.64s\"", user);
        unauthorized(resp, "authorization failed");
        goto out;
    }
    req->user = who;
    if (need_admin && !who->admin) {
        hb_http_error(resp, 403, "admin privilege required");
        goto out;
    }
    ok = 1;
out:
    if (buf) {
        memset(buf, 0, buflen);   /* the password leaves memory with the request */
        free(buf);
    }
    return ok;
}
