/* The query service: parses an InfluxQL request and executes its statements
 * one after another, collecting InfluxDB-shaped results. */
#ifndef HB_APP_QUERY_SERVICE_H
#define HB_APP_QUERY_SERVICE_H

#include <stdatomic.h>

#include "app/result.h"
#include "base/err.h"

struct hb_services;
typedef struct hb_query_service hb_query_service;

typedef struct hb_query_req {
    const char *q;             /* the InfluxQL text (required) */
    size_t q_len;
    const char *db;            /* default database, may be NULL */
    const char *rp;            /* default retention policy, may be NULL */
    const char *params_json;   /* bind parameters as a JSON object, may be NULL */
    int read_only;             /* a GET request: writes get InfluxDB's deprecation warning */
    int authorize;             /* auth.enabled: statements are checked against user (app/authz.h) */
    const struct hb_principal *user;  /* the authenticated user, or NULL */
} hb_query_req;

/* Returns the service (owned by the caller, hb_query_service_free). */
int hb_query_service_new(struct hb_services *svc, hb_query_service **out, hb_err *err);
void hb_query_service_free(hb_query_service *qs);

/* Execute req into res (initialised by the caller with hb_query_result_init).
 * Request-level failures (parse errors, bad params) set res->status/error;
 * statement failures are per statement, as InfluxDB reports them. */
void hb_query_execute(hb_query_service *qs, const hb_query_req *req, hb_query_result *res);

/* Where hb_query_execute_sink hands each statement as soon as it is done
 * (statement N before statement N + 1 runs), SELECT rows while they are
 * produced. Every callback is optional but rows.series/rows.rows go
 * together. A non-zero return from stmt_end stops the request. */
typedef struct hb_query_sink {
    void *ctx;
    /* the request parsed into one or more statements: output follows (not
     * called for a request-level error or an empty request) */
    void (*begin)(void *ctx);
    /* sr begins (its statement_id set; valid until stmt_end returns) */
    int (*stmt_begin)(void *ctx, const hb_stmt_result *sr);
    /* raw SELECT rows of the open statement (engine/select.h) */
    hb_row_sink rows;
    /* sr is done: its error, messages, shape and the series not streamed;
     * they are freed when the call returns */
    int (*stmt_end)(void *ctx, const hb_stmt_result *sr);
    const atomic_int *cancel;  /* non-zero: running statements stop (the client went away) */
    /* the request is registered (SHOW QUERIES): kill turns non-zero on its
     * KILL QUERY; valid until hb_query_execute_sink returns. Lets a sink
     * that waits for a slow client stop waiting. */
    void (*killable)(void *ctx, const atomic_int *kill);
} hb_query_sink;

/* hb_query_execute with the answer streamed to sink: res keeps only the
 * request-level outcome (status, error, empty) and the statements' slots. */
void hb_query_execute_sink(hb_query_service *qs, const hb_query_req *req, hb_query_result *res,
                           const hb_query_sink *sink);

#endif
