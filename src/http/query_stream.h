/* Chunked /query answers streamed while the query runs (query_stream.c).
 *
 * hb_qstream_start runs the request on a producer thread of its own: the
 * query service hands each statement (SELECT rows as they are produced)
 * to an hb_qemit that cuts them into documents; whole documents go into
 * a byte queue of about HB_QSTREAM_QUEUE bytes, and the producer waits
 * while it is full (a slow client stalls the query, memory stays bounded).
 * The HTTP response reads the queue (hb_qstream_attach). When the client
 * goes away, the response's end sets the query's cancel flag (the engine
 * checks it once per scan block) and waits for the producer to stop. */
#ifndef HB_HTTP_QUERY_STREAM_H
#define HB_HTTP_QUERY_STREAM_H

#include "app/query_service.h"
#include "http/encode.h"
#include "http/http.h"

/* Bytes of encoded documents waiting for the client before the producer
 * waits (one document more may be added past it). */
#define HB_QSTREAM_QUEUE ((size_t)1 << 20)

struct hb_services;
typedef struct hb_qstream hb_qstream;

/* Starts req (its strings are copied) and waits until its first statement
 * begins or the request ends. On success *out is owned by the caller
 * until hb_qstream_attach hands it to a response. */
int hb_qstream_start(struct hb_services *svc, const hb_query_req *req, const hb_qenc_opts *o, size_t chunk_size,
                     struct MHD_Connection *conn, hb_qstream **out, hb_err *err);
/* The request's outcome when it ended before any statement ran (a
 * request-level error, an empty request: answered as without streaming),
 * owned by st; NULL when statements run and the answer streams. */
const hb_query_result *hb_qstream_outcome(const hb_qstream *st);
/* The response body reads st; st is freed once the response is done. */
void hb_qstream_attach(hb_qstream *st, hb_http_resp *resp);
/* Stops the query (if it still runs), waits for the producer, frees. */
void hb_qstream_free(hb_qstream *st);

#endif
