/* The query service: parses an InfluxQL request and executes its statements
 * one after another, collecting InfluxDB-shaped results. */
#ifndef HB_APP_QUERY_SERVICE_H
#define HB_APP_QUERY_SERVICE_H

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
} hb_query_req;

/* Returns the service (owned by the caller, hb_query_service_free). */
int hb_query_service_new(struct hb_services *svc, hb_query_service **out, hb_err *err);
void hb_query_service_free(hb_query_service *qs);

/* Execute req into res (initialised by the caller with hb_query_result_init).
 * Request-level failures (parse errors, bad params) set res->status/error;
 * statement failures are per statement, as InfluxDB reports them. */
void hb_query_execute(hb_query_service *qs, const hb_query_req *req, hb_query_result *res);

#endif
