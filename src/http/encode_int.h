/* Shared by the /query encoders (encode.c: state machine and JSON;
 * encode_csv.c; encode_msgpack.c). Not for other modules. */
#ifndef HB_HTTP_ENCODE_INT_H
#define HB_HTTP_ENCODE_INT_H

#include "http/encode.h"

/* Appends to e->out unless an earlier append failed (e->rc is sticky). */
void hb_qe_put(hb_qenc *e, const void *p, size_t n);
void hb_qe_puts(hb_qenc *e, const char *s);
void hb_qe_putc(hb_qenc *e, char c);
/* Inserts n bytes at offset pos of e->out (pos <= len). */
void hb_qe_insert(hb_qenc *e, size_t pos, const void *p, size_t n);
void hb_qe_fail(hb_qenc *e, int rc);

/* The order of s's tags by key (byte order, as Go sorts map keys):
 * idx[0..ntags) filled. Returns idx, or NULL on OOM; free with
 * hb_qe_tag_order_free(idx, stack). */
size_t *hb_qe_tag_order(const hb_series_out *s, size_t *stack, size_t nstack);
void hb_qe_tag_order_free(size_t *idx, size_t *stack);

/* Go's models.NewTags(tags).HashKey() without the leading comma: sorted
 * key=value pairs, ',' ' ' '=' escaped with '\', pairs with an empty value
 * left out. Appended to b. */
int hb_qe_tag_key(hb_buf *b, const hb_series_out *s);

/* Byte length of a white-space rune (Go's unicode.IsSpace) at the start
 * of s[0..n), or 0. */
size_t hb_qe_space_rune(const char *s, size_t n);

/* Go's strconv.FormatFloat(f, 'f', -1, 64): shortest round-trip digits,
 * never an exponent ("1000000000000000000000", "0.0000001"); NaN, +Inf,
 * -Inf. out needs HB_FMT_FLOAT_F_MAX bytes. Returns the length. */
#define HB_FMT_FLOAT_F_MAX 400
size_t hb_fmt_float_f(double f, char out[HB_FMT_FLOAT_F_MAX]);

/* CSV (encode_csv.c) */
void hb_qe_csv_series_begin(hb_qenc *e, const hb_series_out *s);
void hb_qe_csv_rows(hb_qenc *e, const hb_series_out *s, size_t from, size_t n);
void hb_qe_csv_error(hb_qenc *e, const char *msg);

/* MessagePack (encode_msgpack.c) */
void hb_qe_mp_doc_begin(hb_qenc *e);
void hb_qe_mp_doc_end(hb_qenc *e);
void hb_qe_mp_stmt_end(hb_qenc *e);
void hb_qe_mp_series_begin(hb_qenc *e, const hb_series_out *s, int partial);
void hb_qe_mp_rows(hb_qenc *e, const hb_series_out *s, size_t from, size_t n);
void hb_qe_mp_series_end(hb_qenc *e);
void hb_qe_mp_error(hb_qenc *e, const char *msg);

#endif
