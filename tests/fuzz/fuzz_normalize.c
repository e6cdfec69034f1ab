/* libFuzzer target for the statement-text redaction and normalization
 * (domain/influxql/normalize.c): any bytes give a text, never a crash or a
 * read past the input. Also checked: redaction grows a text by at most
 * "[REDACTED]" per quote, and a normalized text normalizes again. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "domain/influxql/normalize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *q = (const char *)data;
    hb_buf r, n, n2;
    hb_buf_init(&r, 0);
    hb_buf_init(&n, 0);
    hb_buf_init(&n2, 0);
    if (hb_iql_redact(q, size, &r) == 0) {
        size_t quotes = 0;
        for (size_t i = 0; i < size; i++)
            quotes += data[i] == '\'';
        if (r.len > size + 10 * (quotes + 1))
            abort();
    }
    if (hb_iql_normalize(q, size, &n) == 0 && hb_iql_normalize(hb_buf_cstr(&n), n.len, &n2) == 0) {
        char d[17];
        hb_iql_digest(hb_buf_cstr(&n2), n2.len, d);
        if (strlen(d) != 16)
            abort();
    }
    hb_buf_free(&r);
    hb_buf_free(&n);
    hb_buf_free(&n2);
    return 0;
}
