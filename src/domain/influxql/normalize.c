/* Redaction and normalization of statement texts (see normalize.h).
 *
 * A small scanner of its own: it only needs to tell strings ('...'),
 * quoted identifiers ("..."), comments (-- to end of line, and C-style
 * block comments), words and numbers apart, with InfluxQL's backslash escapes
 * inside quotes. It never needs the full lexer's rune positions. */
#include "domain/influxql/normalize.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <xxhash.h>

#include "base/err.h"

static int is_word(unsigned char c) { return isalnum(c) || c == '_' || c >= 0x80; }

/* End of the quoted run starting at q[i] (the quote): one past the closing
 * quote, or n when unterminated. */
static size_t quoted_end(const char *q, size_t n, size_t i)
{
    char quote = q[i];
    for (i++; i < n; i++) {
        if (q[i] == '\\' && i + 1 < n)
            i++;
        else if (q[i] == quote)
            return i + 1;
        else if (q[i] == '\n' && quote == '\'')
            return i;   /* the lexer ends an unterminated string at a newline */
    }
    return n;
}

/* Length of a comment at q[i], or 0. */
static size_t comment_len(const char *q, size_t n, size_t i)
{
    if (i + 1 < n && q[i] == '-' && q[i + 1] == '-') {
        size_t j = i + 2;
        while (j < n && q[j] != '\n')
            j++;
        return j - i;
    }
    if (i + 1 < n && q[i] == '/' && q[i + 1] == '*') {
        const char *e = NULL;
        for (size_t j = i + 2; j + 1 < n; j++)
            if (q[j] == '*' && q[j + 1] == '/') {
                e = q + j + 2;
                break;
            }
        return e ? (size_t)(e - (q + i)) : n - i;
    }
    return 0;
}

int hb_iql_redact(const char *q, size_t n, hb_buf *out)
{
    int armed = 0;   /* a PASSWORD keyword was seen in this statement */
    size_t i = 0, copied = 0;
    int rc = HB_OK;
    while (i < n && rc == HB_OK) {
        unsigned char c = (unsigned char)q[i];
        size_t cl = comment_len(q, n, i);
        if (cl) {
            i += cl;
        } else if (c == '\'') {
            size_t e = quoted_end(q, n, i);
            if (armed) {
                rc = hb_buf_append(out, q + copied, i - copied);
                if (rc == HB_OK)
                    rc = hb_buf_puts(out, "[REDACTED]");
                copied = e;
                armed = 0;
            }
            i = e;
        } else if (c == '"') {
            i = quoted_end(q, n, i);
        } else if (is_word(c)) {
            size_t j = i;
            while (j < n && is_word((unsigned char)q[j]))
                j++;
            if (j - i == 8 && strncasecmp(q + i, "password", 8) == 0 && (i == 0 || q[i - 1] != '$'))
                armed = 1;
            i = j;
        } else {
            if (c == ';')
                armed = 0;
            i++;
        }
    }
    if (rc == HB_OK)
        rc = hb_buf_append(out, q + copied, n - copied);
    return rc;
}

int hb_iql_normalize(const char *q, size_t n, hb_buf *out)
{
    size_t start = out->len;
    int space = 0;   /* white space (or a comment) seen since the last output */
    int rc = HB_OK;
    size_t i = 0;
    while (i < n && rc == HB_OK) {
        unsigned char c = (unsigned char)q[i];
        size_t cl = comment_len(q, n, i);
        if (cl || isspace(c)) {
            i += cl ? cl : 1;
            space = 1;
            continue;
        }
        if (space && out->len > start)
            rc = hb_buf_putc(out, ' ');
        space = 0;
        if (rc)
            break;
        if (c == '\'') {
            i = quoted_end(q, n, i);
            rc = hb_buf_putc(out, '?');
        } else if (c == '"') {
            size_t e = quoted_end(q, n, i);
            rc = hb_buf_append(out, q + i, e - i);
            i = e;
        } else if (isdigit(c) || (c == '.' && i + 1 < n && isdigit((unsigned char)q[i + 1]))) {
            /* a number, integer or duration (10s, 1.5, 3ms, 5µs, 1d) */
            while (i < n && (isdigit((unsigned char)q[i]) || q[i] == '.'))
                i++;
            while (i < n && is_word((unsigned char)q[i]))
                i++;
            rc = hb_buf_putc(out, '?');
        } else if (is_word(c)) {
            size_t j = i;
            while (j < n && is_word((unsigned char)q[j]))
                j++;
            rc = hb_buf_append(out, q + i, j - i);
            i = j;
        } else {
            rc = hb_buf_putc(out, (char)c);
            i++;
        }
    }
    return rc;
}

void hb_iql_digest(const char *norm, size_t n, char out[17])
{
    XXH64_hash_t h = XXH3_64bits(norm, n);
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}
