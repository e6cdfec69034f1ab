/* /query response encoders: InfluxDB 1.x's JSON (compact or pretty), CSV
 * and MessagePack, whole or chunked, byte for byte as influxd 1.6.7 writes
 * them (services/httpd/response_writer.go and handler.go).
 *
 * The model is InfluxDB's: the query executor sends a stream of results,
 * each a Go query.Result (a statement id, series, messages, partial, an
 * error), and the HTTP handler either
 *  - chunked=true: writes every result at once as its own document
 *    (JSON: {"results":[ONE]}\n; CSV: rows, the header only when the
 *    statement id changes; MessagePack: one map per result), or
 *  - otherwise: merges consecutive results of one statement (rows of the
 *    same series appended to it, other series added, messages appended,
 *    partial taken from the last; a later error replaces what came before)
 *    and writes one document at the end ({} when there were no results).
 *
 * An hb_qenc is that handler. Feed it results in order, as they are
 * produced, then call hb_qenc_finish:
 *
 *   hb_qenc e;
 *   hb_qenc_init(&e, &opts, out);
 *   hb_qenc_result(&e, stmt);                 // one Go result, or
 *   hb_qenc_rows(&e, id, series, from, n,     // a piece of one series:
 *                more_rows_of_series,        //   series "partial"
 *                more_in_statement);         //   result "partial"
 *   hb_qenc_split(&e, stmt, chunk_size);      // a complete statement cut the
 *                                             // way InfluxDB's emitter cuts
 *   hb_qenc_finish(&e);
 *   hb_qenc_free(&e);
 *
 * Nothing passed in is referenced after the call returns: a streaming
 * producer (the query engine's emitter) may reuse or free its rows as soon
 * as hb_qenc_rows returns, and in chunked mode may ship out->data after
 * every call (reset the buffer; the encoder only appends, and in chunked
 * mode every call leaves complete documents). In non-chunked mode the
 * document is only complete after hb_qenc_finish (a later error for the
 * same statement truncates out back to where that statement began).
 *
 * How influxd cuts a statement into results depends on the statement:
 * SELECT (and the SHOW statements it rewrites into SELECTs: SHOW FIELD
 * KEYS, SHOW SERIES) go through its emitter, one result per chunk_size
 * rows of a series (hb_qenc_split; chunk_size is 10000 when the request is
 * not chunked, which is why influxd marks series of more than 10000 rows
 * "partial":true even in a non-chunked answer). Every other statement is
 * one result (hb_qenc_result).
 *
 * Values: only column 0 of a series, and only when it is HB_V_TIME, is
 * turned into an integer by the epoch parameter (ns / divisor, truncated
 * toward zero as Go does). Without epoch, times are RFC3339Nano strings in
 * JSON, integer nanoseconds in CSV and MessagePack time extensions. A
 * non-finite float makes Go's JSON encoder fail: the document becomes the
 * error text Go writes instead. */
#ifndef HB_HTTP_ENCODE_H
#define HB_HTTP_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "app/result.h"
#include "base/buf.h"

/* InfluxDB's default chunk size (rows per series piece). */
#define HB_QUERY_CHUNK_SIZE 10000

typedef enum hb_qfmt {
    HB_QFMT_JSON = 0,
    HB_QFMT_CSV,
    HB_QFMT_MSGPACK,
} hb_qfmt;

typedef struct hb_qenc_opts {
    hb_qfmt format;
    int pretty;          /* JSON only: Go's json.MarshalIndent(v, "", "    ") */
    int64_t epoch;       /* 0: no epoch parameter; else the divisor of the time column (ns per unit) */
    int chunked;         /* one document per result */
} hb_qenc_opts;

/* The encoder's state; members are private to encode*.c. */
typedef struct hb_qenc {
    hb_qenc_opts o;
    const struct hb_tz *tz;  /* zone of the result being written (JSON times); NULL = UTC */
    hb_buf *out;
    int rc;                  /* first error, sticky (HB_ENOMEM, HB_ELIMIT from out's cap) */
    /* document */
    int doc_open;
    size_t doc_start;        /* offset of the open document in out */
    size_t doc_hdr;          /* MessagePack: where the results array header goes */
    size_t nresults;         /* merged results in the open document */
    /* statement: one merged result */
    int stmt_open;
    int stmt_id;
    size_t stmt_start;       /* rewind point (a later error for the same id replaces it) */
    int stmt_partial;
    int stmt_has_err;
    hb_buf stmt_err;         /* a copy of the statement's error text */
    hb_buf msgs;             /* copies of messages: level\0text\0 ... */
    size_t nmsgs;
    size_t nseries;          /* series written in the open statement */
    /* series: the last series of the statement stays open for merging */
    int series_open;
    int series_partial;
    int series_members;      /* JSON: members written in the series object */
    size_t series_ncols;
    size_t nrows;            /* rows written in the open series */
    size_t values_pos;       /* MessagePack: where the values array header goes */
    hb_buf series_id;        /* name \0 tag key of the open series (Go's Row.SameSeries) */
    hb_buf series_cols;      /* its columns, \0-terminated each (CSV header changes) */
    hb_buf csv_prefix;       /* CSV: "name,tags," of the open series */
    /* CSV: Go's csvFormatter.statementID, and its value when the open statement began */
    int csv_stmt, csv_stmt_saved;
    /* JSON: a non-finite float in the open document (Go's json.Marshal fails) */
    int bad_float, bad_float_saved;
    double bad_value;
    hb_buf tmp;              /* scratch */
} hb_qenc;

/* out is the caller's buffer; the encoder appends to it. */
void hb_qenc_init(hb_qenc *e, const hb_qenc_opts *o, hb_buf *out);
void hb_qenc_free(hb_qenc *e);

/* One result, as Go's executor sends it (r->statement_id, series,
 * messages, partial, error). Returns e->rc. */
int hb_qenc_result(hb_qenc *e, const hb_stmt_result *r);

/* One piece of a series as its own result: rows [from, from + n) of s.
 * series_partial: more rows of this series follow (the series' "partial");
 * result_partial: anything more of this statement follows (the result's). */
int hb_qenc_rows(hb_qenc *e, int statement_id, const hb_series_out *s, size_t from, size_t n, int series_partial,
                 int result_partial);

/* A complete statement result cut as InfluxDB's emitter cuts SELECT output:
 * pieces of at most chunk_size rows per series, each its own result, with
 * the partial flags influxd sets (messages go with the first piece; an
 * error or a result without series is passed through). */
int hb_qenc_split(hb_qenc *e, const hb_stmt_result *r, size_t chunk_size);

/* A statement's SELECT output as it is produced (the row sink of a
 * chunked answer), cut exactly as hb_qenc_split cuts the whole statement:
 * a piece is written once the next row, series or the statement's end
 * tells its partial flags, so one piece (chunk_size rows) is held.
 *
 *   hb_qemit_stmt_begin(&m, sr);       // sr stays valid until stmt_end
 *   hb_qemit_series(&m, hdr);          // hb_row_sink.series
 *   hb_qemit_rows(&m, rows, n);        // hb_row_sink.rows
 *   hb_qemit_stmt_end(&m, sr);         // sr's own series, error, messages
 *
 * stmt_end writes what was not streamed as the buffered answer would:
 * an error (replacing the held piece), a result of another shape, the
 * series sr holds. Every call leaves whole documents in e->out. */
typedef struct hb_qemit {
    hb_qenc *e;
    size_t chunk_size;
    const hb_stmt_result *sr;  /* the open statement */
    int first;                 /* no piece of it written yet (messages go with the first) */
    int have;                  /* a series is open: cur is the held piece */
    hb_series_out cur;         /* header copies in hdr, rows in vals (strings in strs) */
    hb_arena hdr, strs;
    hb_value *vals;
    size_t cap;
} hb_qemit;

void hb_qemit_init(hb_qemit *m, hb_qenc *e, size_t chunk_size);
void hb_qemit_free(hb_qemit *m);
int hb_qemit_stmt_begin(hb_qemit *m, const hb_stmt_result *sr);
int hb_qemit_series(hb_qemit *m, const hb_series_out *s);
int hb_qemit_rows(hb_qemit *m, const hb_value *rows, size_t n);
int hb_qemit_stmt_end(hb_qemit *m, const hb_stmt_result *sr);

/* Close the document(s). Non-chunked with no results: JSON {}, CSV
 * nothing, MessagePack {"results":[]}. Returns e->rc. */
int hb_qenc_finish(hb_qenc *e);

/* A request-level error document in the encoder's format (nothing else
 * may have been written): JSON {"error":msg}, CSV error\nmsg\n,
 * MessagePack {"error":msg}. Returns e->rc. */
int hb_qenc_error(hb_qenc *e, const char *msg);

/* The format InfluxDB 1.6 picks from the Accept header (compared whole and
 * exactly: application/csv and text/csv -> CSV, application/x-msgpack ->
 * MessagePack, anything else JSON), and the Content-Type it answers with. */
hb_qfmt hb_qfmt_from_accept(const char *accept);
const char *hb_qfmt_content_type(hb_qfmt f);

/* The /query epoch parameter as InfluxDB reads it: surrounding white space
 * trimmed; NULL or empty -> 0 (RFC3339 times); u, ms, s, m, h -> ns per unit;
 * anything else (n, ns, µ, us, x, ...) -> 1, integer nanoseconds. */
int64_t hb_epoch_divisor(const char *epoch);

/* A whole hb_query_result as a non-chunked JSON document (r->error and
 * r->empty included): what /query answers without chunked or Accept. */
int hb_encode_json(const hb_query_result *r, int64_t epoch, int pretty, hb_buf *out);

/* Re-indent compact JSON the way Go's json.MarshalIndent(v, "", "    ") does. */
int hb_json_indent(const char *in, size_t n, hb_buf *out);

#endif
