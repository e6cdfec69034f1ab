/* libFuzzer target: the Authorization header parser (Basic, Token, Bearer)
 * must never read or write out of bounds; user and password it returns lie
 * inside the buffer and are NUL-terminated there. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/auth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    char *h = malloc(n + 1), *buf = malloc(n + 1);
    if (!h || !buf)
        goto out;
    memcpy(h, data, n);
    h[n] = '\0';
    const char *u, *p;
    hb_auth_scheme sc = hb_auth_parse_header(h, buf, strlen(h) + 1, &u, &p);
    if (sc == HB_AUTH_USERPASS) {
        if (u < buf || u > buf + n || p < buf || p > buf + n)
            abort();
        if (strlen(u) + strlen(p) + 1 > n)
            abort();
    }
out:
    free(h);
    free(buf);
    return 0;
}
