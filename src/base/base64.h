/* Strict base64 (RFC 4648 §4, the standard alphabet with '=' padding), as
 * HTTP Basic credentials carry it. Decoding only: the server never needs to
 * encode. Strict: the length is a multiple of 4, padding only at the end
 * (at most two '='), no whitespace, no characters outside the alphabet, and
 * the unused bits of the last quantum are zero (one encoding per input). */
#ifndef HB_BASE_BASE64_H
#define HB_BASE_BASE64_H

#include <stddef.h>

/* Bytes needed to decode n characters (an upper bound). */
#define HB_BASE64_DECODED_MAX(n) (((n) / 4) * 3)

/* Decodes in[0..n) into out (cap bytes); *outlen is the decoded length.
 * HB_EPARSE on malformed input, HB_ELIMIT when cap is too small. out is
 * not NUL-terminated. */
int hb_base64_decode(const char *in, size_t n, unsigned char *out, size_t cap, size_t *outlen);

#endif
