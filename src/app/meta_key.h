/* Building and reading metadata-store keys ("kind:{component}:{component}...").
 * Components that are followed by another have ':' and '\' escaped with a
 * '\', so a database "a" never matches the prefix of a database "a:b". */
#ifndef HB_APP_META_KEY_H
#define HB_APP_META_KEY_H

#include <stddef.h>

#include "base/buf.h"

/* Append s[0..n) escaped. 0 or HB_ENOMEM. */
int hb_meta_key_put(hb_buf *b, const char *s, size_t n);

/* Read one escaped component ending at an unescaped ':' (consumed) from
 * *pp (up to end) into out, advancing *pp. 0, or -1 when the input ends
 * before the ':'. */
int hb_meta_key_take(const char **pp, const char *end, hb_buf *out);

#endif
