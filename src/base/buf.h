/* Growable byte buffer with a hard cap (like curl's dynbuf).
 *
 * Every buffer filled from network or disk input is an hb_buf with max set:
 * an append past max fails with HB_ELIMIT and leaves the buffer unchanged,
 * so hostile input can never grow memory without bound. */
#ifndef HB_BASE_BUF_H
#define HB_BASE_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct hb_buf {
    char *data;   /* NUL-terminated when len > 0 or after hb_buf_cstr */
    size_t len;
    size_t cap;
    size_t max;   /* 0 = no cap */
} hb_buf;

/* max = 0 means unbounded: only for buffers not fed by input. */
void hb_buf_init(hb_buf *b, size_t max);
void hb_buf_free(hb_buf *b);
void hb_buf_reset(hb_buf *b);                 /* len = 0, keep memory */
int  hb_buf_reserve(hb_buf *b, size_t extra); /* room for extra more bytes (+NUL) */
int  hb_buf_append(hb_buf *b, const void *p, size_t n);
int  hb_buf_puts(hb_buf *b, const char *s);
int  hb_buf_putc(hb_buf *b, char c);
int  hb_buf_printf(hb_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Returns data, or "" for an empty buffer that never allocated. */
const char *hb_buf_cstr(const hb_buf *b);
/* Hand the heap block to the caller (who frees it); buffer becomes empty. */
char *hb_buf_take(hb_buf *b, size_t *len);

/* Little-endian fixed-width and varint encoders used by binary formats. */
int hb_buf_put_u8(hb_buf *b, uint8_t v);
int hb_buf_put_u32le(hb_buf *b, uint32_t v);
int hb_buf_put_u64le(hb_buf *b, uint64_t v);
int hb_buf_put_uvarint(hb_buf *b, uint64_t v);

#endif
