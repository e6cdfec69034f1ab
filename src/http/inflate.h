/* gzip request bodies, inflated with a hard cap on the output size. */
#ifndef HB_HTTP_INFLATE_H
#define HB_HTTP_INFLATE_H

#include <stddef.h>

#include "base/buf.h"
#include "base/err.h"

/* Inflate a gzip stream (one or more members) into out, whose max is the cap.
 * HB_ELIMIT when the output would exceed the cap (a decompression bomb),
 * HB_EPARSE with Go's texts ("gzip: invalid header", "unexpected EOF", ...)
 * for corrupt input. */
int hb_gunzip(const void *in, size_t len, hb_buf *out, hb_err *err);

#endif
