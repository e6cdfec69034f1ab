/* HTTP authentication as influxd 1.x does it when auth is enabled:
 * credentials from the u and p parameters (URL, or a form body), then
 * "Authorization: Basic base64(user:pass)", then "Authorization: Token
 * user:pass" (the first present wins); 401 answers carry
 * WWW-Authenticate: Basic realm="InfluxDB" and influxd's texts. While no
 * admin user exists, requests pass without credentials (the query layer
 * then only allows creating the first admin), as in influxd.
 *
 * Failed logins are throttled per client address: a token bucket of
 * auth.failed_login_burst attempts, refilled by one every
 * auth.failed_login_refill_secs; an address with an empty bucket gets 429
 * with Retry-After before its credentials are even checked. The table is
 * bounded (HB_AUTH_SLOTS addresses, direct-mapped); two addresses sharing a
 * slot share the more restrictive count. */
#ifndef HB_HTTP_AUTH_H
#define HB_HTTP_AUTH_H

#include "http/http.h"

#define HB_AUTH_SLOTS 4096
#define HB_AUTH_MAX_HEADER 4096   /* longer Authorization headers are refused */

typedef struct hb_http_auth hb_http_auth;

/* Returns the limiter (owned by the caller: hb_http_auth_free), or NULL. */
hb_http_auth *hb_http_auth_new(int burst, int refill_secs);
void hb_http_auth_free(hb_http_auth *a);

/* For a route needing a user (need_admin: an admin). Returns 1 when the
 * request may go on (req->user set when credentials were checked), 0 when
 * resp holds the refusal (401, 403 or 429). */
int hb_http_authenticate(hb_http_auth *a, struct hb_services *svc, hb_http_req *req, int need_admin,
                         hb_http_resp *resp);

/* What an Authorization header holds (pure parsing, fuzzed). */
typedef enum hb_auth_scheme {
    HB_AUTH_NONE = 0,     /* absent, too long, unknown scheme or malformed */
    HB_AUTH_USERPASS,     /* Basic or Token: *user and *pass point into buf */
    HB_AUTH_BEARER,
} hb_auth_scheme;

/* Parses h (NULL = absent) into buf (cap bytes, at least strlen(h) + 1):
 * "Bearer X" (exactly one blank), "Basic base64(user:pass)" (scheme in any
 * case), "Token user:pass"; the user name ends at the first colon. */
hb_auth_scheme hb_auth_parse_header(const char *h, char *buf, size_t cap, const char **user, const char **pass);

#endif
