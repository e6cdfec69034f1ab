/* libFuzzer target: the strict base64 decoder must never read or write out
 * of bounds, and what it accepts must decode to at most 3/4 of its length. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "base/base64.h"
#include "base/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    size_t cap = HB_BASE64_DECODED_MAX(n);
    unsigned char *out = malloc(cap ? cap : 1);
    if (!out)
        return 0;
    size_t len = 0;
    int rc = hb_base64_decode((const char *)data, n, out, cap, &len);
    if (rc == HB_OK && len > cap)
        abort();
    /* a too-small buffer is refused, never overrun */
    if (rc == HB_OK && len > 0) {
        size_t len2;
        if (hb_base64_decode((const char *)data, n, out, len - 1, &len2) != HB_ELIMIT)
            abort();
    }
    free(out);
    return 0;
}
