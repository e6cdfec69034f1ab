/* TOML parser (see toml.h): one pass of recursive descent over the text.
 *
 * The document is first checked to be valid UTF-8 without NUL bytes, so the
 * parser itself works on bytes. Tables remember how they came to exist
 * (F_* flags), which is what TOML's "define a table only once" rules need:
 *   [a.b] creates a implicitly; a later [a] may still define it, once.
 *   a.b = 1 creates a by a dotted key; later dotted keys may add to it, but
 *   no [a] header may, and dotted keys may not add to header tables.
 *   Inline tables and static arrays are closed once written. */
#include "base/toml.h"
#include "base/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_DEPTH 64       /* nested arrays / inline tables */
#define MAX_KEY_PARTS 32   /* a.b.c... */
#define MAX_NUMBER_LEN 128 /* characters of one number token */
#define INDEX_FROM 8       /* tables with more keys get a hash index */

enum {
    F_DEFINED = 1u << 0,  /* table defined by a [header] (or the root) */
    F_IMPLICIT = 1u << 1, /* created as a parent in a [header]; may be defined once later */
    F_DOTTED = 1u << 2,   /* created by a dotted key; more dotted keys may add to it */
    F_INLINE = 1u << 3,   /* inline table: closed */
    F_AOT = 1u << 4,      /* array created by [[header]]: more headers may append */
};

typedef struct kv {
    char *key;
    size_t key_len;
    hb_toml_value *value;
} kv;

struct hb_toml_value {
    hb_toml_type type;
    unsigned flags;
    int line;
    union {
        struct {
            char *ptr;
            size_t len;
        } s;
        int64_t i;
        double f;
        int b;
        struct {
            hb_toml_value **items;
            size_t len, cap;
        } a;
        struct {
            kv *items;
            size_t len, cap;
            size_t *index; /* open addressing: slot holds item number + 1, 0 = empty */
            size_t index_cap;
        } t;
    } u;
};

typedef struct seg {
    char *s;
    size_t len;
    int given; /* s now belongs to a table (still readable for messages) */
} seg;

typedef struct keypath {
    seg parts[MAX_KEY_PARTS];
    int n;
} keypath;

typedef struct parser {
    const char *p, *end;
    const char *name;
    int line;
    int depth;
    hb_err *err;
    hb_toml_value *root;
    hb_toml_value *cur;  /* table receiving key/value pairs */
    char what[192];      /* `key "port"`: names the value being parsed in messages */
    char found[32];      /* scratch for describe() */
    char last[200];      /* what the last statement was, for "expected end of line after ..." */
} parser;

/* ---- errors ---- */

static int fail_at(parser *ps, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail_at(parser *ps, int line, const char *fmt, ...)
{
    char msg[448];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return hb_err_set(ps->err, HB_EPARSE, "%s:%d: %s", ps->name, line, msg);
}

#define FAIL(ps, ...) fail_at((ps), (ps)->line, __VA_ARGS__)

static int oom(parser *ps)
{
    return hb_err_set(ps->err, HB_ENOMEM, "%s: out of memory", ps->name);
}

/* At a newline ("\n" or "\r\n")? Returns its length, or 0. */
static int at_newline(const parser *ps)
{
    if (ps->p < ps->end && *ps->p == '\n')
        return 1;
    if (ps->end - ps->p >= 2 && ps->p[0] == '\r' && ps->p[1] == '\n')
        return 2;
    return 0;
}

/* What the cursor is looking at, for "found X" in messages. */
static const char *describe(parser *ps)
{
    if (ps->p >= ps->end)
        return "end of file";
    unsigned char c = (unsigned char)*ps->p;
    if (c == '\n' || at_newline(ps))
        return "end of line";
    if (c == '\r')
        return "a carriage return not followed by a newline";
    if (c >= 0x20 && c < 0x7f)
        snprintf(ps->found, sizeof ps->found, "'%c'", c);
    else
        snprintf(ps->found, sizeof ps->found, "byte 0x%02X", c);
    return ps->found;
}

/* Copy n bytes of s into out as printable text (escaping quotes, backslashes
 * and control bytes), truncating to fit. */
static void printable(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 5 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            o += (size_t)snprintf(out + o, cap - o, "\\x%02X", c);
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
}

/* Parts [0, upto) of k joined by dots, printable. */
static void show_key(const keypath *k, int upto, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < upto && o + 2 < cap; i++) {
        if (i)
            out[o++] = '.';
        printable(k->parts[i].s, k->parts[i].len, out + o, cap - o);
        o += strlen(out + o);
    }
}

/* ---- values ---- */

static hb_toml_value *new_value(hb_toml_type t, int line)
{
    hb_toml_value *v = calloc(1, sizeof *v);
    if (v) {
        v->type = t;
        v->line = line;
    }
    return v;
}

static void value_free(hb_toml_value *v)
{
    if (!v)
        return;
    switch (v->type) {
    case HB_TOML_STRING:
        free(v->u.s.ptr);
        break;
    case HB_TOML_ARRAY:
        for (size_t i = 0; i < v->u.a.len; i++)
            value_free(v->u.a.items[i]);
        free(v->u.a.items);
        break;
    case HB_TOML_TABLE:
        for (size_t i = 0; i < v->u.t.len; i++) {
            free(v->u.t.items[i].key);
            value_free(v->u.t.items[i].value);
        }
        free(v->u.t.items);
        free(v->u.t.index);
        break;
    default:
        break;
    }
    free(v);
}

static size_t hash_key(const char *k, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)k[i];
        h *= 1099511628211ull;
    }
    return (size_t)h;
}

static hb_toml_value *tab_find(const hb_toml_value *t, const char *k, size_t n)
{
    const kv *items = t->u.t.items;
    if (t->u.t.index) {
        size_t mask = t->u.t.index_cap - 1;
        for (size_t h = hash_key(k, n) & mask;; h = (h + 1) & mask) {
            size_t slot = t->u.t.index[h];
            if (!slot)
                return NULL;
            if (items[slot - 1].key_len == n && memcmp(items[slot - 1].key, k, n) == 0)
                return items[slot - 1].value;
        }
    }
    for (size_t i = 0; i < t->u.t.len; i++)
        if (items[i].key_len == n && memcmp(items[i].key, k, n) == 0)
            return items[i].value;
    return NULL;
}

static void index_put(hb_toml_value *t, size_t item)
{
    size_t mask = t->u.t.index_cap - 1;
    size_t h = hash_key(t->u.t.items[item].key, t->u.t.items[item].key_len) & mask;
    while (t->u.t.index[h])
        h = (h + 1) & mask;
    t->u.t.index[h] = item + 1;
}

/* Append key -> v. On success the table owns key and v; on HB_ENOMEM the
 * caller still does. */
static int tab_add(hb_toml_value *t, char *key, size_t key_len, hb_toml_value *v)
{
    if (t->u.t.len == t->u.t.cap) {
        size_t ncap = t->u.t.cap ? t->u.t.cap * 2 : 8;
        kv *n = realloc(t->u.t.items, ncap * sizeof *n);
        if (!n)
            return HB_ENOMEM;
        t->u.t.items = n;
        t->u.t.cap = ncap;
    }
    size_t at = t->u.t.len;
    if (at + 1 > INDEX_FROM && (at + 1) * 2 > t->u.t.index_cap) {
        /* keep the load factor under 1/2: rebuild at 4x the key count */
        size_t ncap = 16;
        while (ncap < (at + 1) * 4)
            ncap *= 2;
        size_t *idx = calloc(ncap, sizeof *idx);
        if (!idx)
            return HB_ENOMEM;
        free(t->u.t.index);
        t->u.t.index = idx;
        t->u.t.index_cap = ncap;
        for (size_t i = 0; i < at; i++)
            index_put(t, i);
    }
    t->u.t.items[at].key = key;
    t->u.t.items[at].key_len = key_len;
    t->u.t.items[at].value = v;
    t->u.t.len++;
    if (t->u.t.index)
        index_put(t, at);
    return HB_OK;
}

static int arr_push(hb_toml_value *a, hb_toml_value *v)
{
    if (a->u.a.len == a->u.a.cap) {
        size_t ncap = a->u.a.cap ? a->u.a.cap * 2 : 4;
        hb_toml_value **n = realloc(a->u.a.items, ncap * sizeof *n);
        if (!n)
            return HB_ENOMEM;
        a->u.a.items = n;
        a->u.a.cap = ncap;
    }
    a->u.a.items[a->u.a.len++] = v;
    return HB_OK;
}

/* ---- lexical helpers ---- */

static int is_bare(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

static int is_ctrl(unsigned char c)
{
    return (c < 0x20 && c != '\t') || c == 0x7f;
}

static void skip_ws(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t'))
        ps->p++;
}

/* At '#': consume the comment up to (not including) the newline. */
static int skip_comment(parser *ps)
{
    ps->p++;
    while (ps->p < ps->end && *ps->p != '\n') {
        unsigned char c = (unsigned char)*ps->p;
        if (c == '\r' && at_newline(ps))
            break;
        if (is_ctrl(c))
            return FAIL(ps, "control character U+%04X is not allowed in a comment", c);
        ps->p++;
    }
    return HB_OK;
}

/* Inside arrays: whitespace, newlines and comments. */
static int skip_ws_nl(parser *ps)
{
    for (;;) {
        skip_ws(ps);
        int nl = at_newline(ps);
        if (nl) {
            ps->p += nl;
            ps->line++;
        } else if (ps->p < ps->end && *ps->p == '#') {
            int rc = skip_comment(ps);
            if (rc)
                return rc;
        } else {
            return HB_OK;
        }
    }
}

/* After a key/value or a header: optional comment, then newline or EOF. */
static int expect_eol(parser *ps, const char *after)
{
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '#') {
        int rc = skip_comment(ps);
        if (rc)
            return rc;
    }
    if (ps->p >= ps->end)
        return HB_OK;
    int nl = at_newline(ps);
    if (!nl)
        return FAIL(ps, "expected end of line after %s, found %s", after, describe(ps));
    ps->p += nl;
    ps->line++;
    return HB_OK;
}

static int check_utf8(parser *ps)
{
    const unsigned char *s = (const unsigned char *)ps->p, *e = (const unsigned char *)ps->end;
    int line = 1;
    while (s < e) {
        unsigned char c = *s;
        if (c < 0x80) {
            if (c == '\n')
                line++;
            else if (c == 0)
                return fail_at(ps, line, "NUL byte in document");
            s++;
            continue;
        }
        size_t n;
        unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
        if (c >= 0xC2 && c <= 0xDF)
            n = 2;
        else if (c >= 0xE0 && c <= 0xEF)
            n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        else if (c >= 0xF0 && c <= 0xF4)
            n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        else
            return fail_at(ps, line, "invalid UTF-8 (byte 0x%02X)", c);
        if ((size_t)(e - s) < n || s[1] < lo || s[1] > hi)
            return fail_at(ps, line, "invalid UTF-8 (byte 0x%02X)", c);
        for (size_t i = 2; i < n; i++)
            if (s[i] < 0x80 || s[i] > 0xBF)
                return fail_at(ps, line, "invalid UTF-8 (byte 0x%02X)", c);
        s += n;
    }
    return HB_OK;
}

/* ---- strings ---- */

static int put_utf8(hb_buf *b, uint32_t cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | (cp >> 12));
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | (cp >> 18));
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return hb_buf_append(b, u, n);
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* After a backslash in a basic string (cursor on the escape letter). */
static int parse_escape(parser *ps, int ml, hb_buf *out)
{
    if (ps->p >= ps->end)
        return FAIL(ps, "unterminated string");
    unsigned char e = (unsigned char)*ps->p;
    char c;
    switch (e) {
    case 'b': c = '\b'; break;
    case 't': c = '\t'; break;
    case 'n': c = '\n'; break;
    case 'f': c = '\f'; break;
    case 'r': c = '\r'; break;
    case '"': c = '"'; break;
    case '\\': c = '\\'; break;
    case 'u':
    case 'U': {
        int n = e == 'u' ? 4 : 8;
        uint32_t cp = 0;
        if (ps->end - ps->p - 1 < n)
            return FAIL(ps, "\\%c escape needs %d hex digits", e, n);
        for (int i = 1; i <= n; i++) {
            int h = hexval((unsigned char)ps->p[i]);
            if (h < 0)
                return FAIL(ps, "\\%c escape needs %d hex digits", e, n);
            cp = cp << 4 | (uint32_t)h;
        }
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return FAIL(ps, "\\%c%.*s is not a Unicode scalar value", e, n, ps->p + 1);
        ps->p += n + 1;
        return put_utf8(out, cp) ? oom(ps) : HB_OK;
    }
    default:
        if (ml && (e == ' ' || e == '\t' || e == '\n' || e == '\r')) {
            /* line-ending backslash: drop whitespace and newlines up to the
             * next visible character */
            const char *q = ps->p;
            skip_ws(ps);
            if (!at_newline(ps)) {
                ps->p = q;
                return FAIL(ps, "a backslash followed by spaces must end the line in a multi-line string");
            }
            for (;;) {
                int nl = at_newline(ps);
                if (nl) {
                    ps->p += nl;
                    ps->line++;
                } else if (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t')) {
                    ps->p++;
                } else {
                    return HB_OK;
                }
            }
        }
        if (e >= 0x20 && e < 0x7f)
            return FAIL(ps, "invalid escape sequence \\%c in string", e);
        return FAIL(ps, "invalid escape sequence (backslash followed by byte 0x%02X) in string", e);
    }
    ps->p++;
    return hb_buf_putc(out, c) ? oom(ps) : HB_OK;
}

/* Cursor on the opening quote. Decodes into out (reset first). */
static int parse_string(parser *ps, int allow_ml, hb_buf *out)
{
    char q = *ps->p;
    int start = ps->line, ml = 0;
    const char *closing = q == '"' ? "\"" : "'";
    hb_buf_reset(out);
    if (ps->end - ps->p >= 3 && ps->p[1] == q && ps->p[2] == q) {
        if (!allow_ml)
            return FAIL(ps, "a multi-line string cannot be a key");
        ml = 1;
        closing = q == '"' ? "\"\"\"" : "'''";
        ps->p += 3;
        int nl = at_newline(ps); /* a newline right after the opening quotes is dropped */
        ps->p += nl;
        ps->line += nl != 0;
    } else {
        ps->p++;
    }
    for (;;) {
        if (ps->p >= ps->end)
            return fail_at(ps, start, "unterminated string (missing closing %s)", closing);
        unsigned char c = (unsigned char)*ps->p;
        if (c == (unsigned char)q) {
            if (!ml) {
                ps->p++;
                return HB_OK;
            }
            size_t n = 0;
            while (ps->p + n < ps->end && ps->p[n] == q)
                n++;
            if (n > 5)
                return FAIL(ps, "too many quotes at the end of a multi-line string");
            /* up to two quotes just before the closing three are content */
            size_t keep = n >= 3 ? n - 3 : n;
            for (size_t i = 0; i < keep; i++)
                if (hb_buf_putc(out, q))
                    return oom(ps);
            ps->p += n;
            if (n >= 3)
                return HB_OK;
            continue;
        }
        if (c == '\\' && q == '"') {
            ps->p++;
            int rc = parse_escape(ps, ml, out);
            if (rc)
                return rc;
            continue;
        }
        int nl = at_newline(ps);
        if (nl) {
            if (!ml)
                return fail_at(ps, start, "unterminated string (missing closing %s before the end of the line)",
                               closing);
            if (hb_buf_putc(out, '\n')) /* "\r\n" is stored as "\n" */
                return oom(ps);
            ps->p += nl;
            ps->line++;
            continue;
        }
        if (is_ctrl(c))
            return FAIL(ps, "control character U+%04X must be escaped in a string", c);
        if (hb_buf_putc(out, (char)c))
            return oom(ps);
        ps->p++;
    }
}

/* ---- keys ---- */

static void key_free(keypath *k)
{
    for (int i = 0; i < k->n; i++)
        if (!k->parts[i].given)
            free(k->parts[i].s);
    k->n = 0;
}

/* One part of a key into a new heap string. */
static int parse_key_part(parser *ps, hb_buf *scratch, seg *out)
{
    const char *start = ps->p;
    if (ps->p < ps->end && (*ps->p == '"' || *ps->p == '\'')) {
        int rc = parse_string(ps, 0, scratch);
        if (rc)
            return rc;
        start = hb_buf_cstr(scratch);
        out->len = scratch->len;
    } else {
        while (ps->p < ps->end && is_bare((unsigned char)*ps->p))
            ps->p++;
        if (ps->p == start)
            return FAIL(ps, "expected a key, found %s%s", describe(ps),
                        ps->p < ps->end && (unsigned char)*ps->p >= 0x80 ? " (bare keys are A-Z a-z 0-9 _ -; quote other keys)" : "");
        out->len = (size_t)(ps->p - start);
    }
    out->given = 0;
    out->s = malloc(out->len + 1);
    if (!out->s)
        return oom(ps);
    memcpy(out->s, start, out->len);
    out->s[out->len] = '\0';
    return HB_OK;
}

/* key ( '.' key )*, with whitespace allowed around the dots. */
static int parse_key(parser *ps, hb_buf *scratch, keypath *k)
{
    k->n = 0;
    for (;;) {
        if (k->n == MAX_KEY_PARTS)
            return FAIL(ps, "key has more than %d dotted parts", MAX_KEY_PARTS);
        int rc = parse_key_part(ps, scratch, &k->parts[k->n]);
        if (rc)
            return rc;
        k->n++;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == '.') {
            ps->p++;
            skip_ws(ps);
            continue;
        }
        return HB_OK;
    }
}

/* ---- numbers, booleans ---- */

static int is_digit_base(unsigned char c, int base)
{
    if (base == 16)
        return hexval(c) >= 0;
    return c >= '0' && c < '0' + base;
}

/* Digits of base in s[0,n) with '_' only between two digits. */
static int digits_ok(const char *s, size_t n, int base)
{
    if (n == 0 || s[0] == '_' || s[n - 1] == '_')
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '_') {
            if (s[i + 1] == '_')
                return 0;
        } else if (!is_digit_base((unsigned char)s[i], base)) {
            return 0;
        }
    }
    return 1;
}

static size_t span_digits(const char *s, size_t i, size_t n)
{
    while (i < n && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
        i++;
    return i;
}

static int is_tok_char(unsigned char c)
{
    return is_bare(c) || c == '+' || c == '.' || c == ':';
}

/* A bare token: boolean, integer, float, or an error. */
static int parse_scalar(parser *ps, hb_toml_value **out)
{
    const char *s = ps->p;
    size_t n = 0;
    while (s + n < ps->end && is_tok_char((unsigned char)s[n]))
        n++;
    if (n == 0)
        return FAIL(ps, "expected a value for %s, found %s", ps->what, describe(ps));
    char shown[80];
    printable(s, n < 40 ? n : 40, shown, sizeof shown);
    if (n > 40)
        strcat(shown, "...");
    int line = ps->line;
    hb_toml_value *v = NULL;

    if ((n == 4 && memcmp(s, "true", 4) == 0) || (n == 5 && memcmp(s, "false", 5) == 0)) {
        if (!(v = new_value(HB_TOML_BOOL, line)))
            return oom(ps);
        v->u.b = n == 4;
        goto done;
    }
    size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
    int neg = s[0] == '-';
    if (n - i == 3 && (memcmp(s + i, "inf", 3) == 0 || memcmp(s + i, "nan", 3) == 0)) {
        if (!(v = new_value(HB_TOML_FLOAT, line)))
            return oom(ps);
        v->u.f = s[i] == 'i' ? (neg ? -INFINITY : INFINITY) : (neg ? -NAN : NAN);
        goto done;
    }
    if ((n >= 5 && span_digits(s, 0, 4) == 4 && memchr(s, '_', 4) == NULL && s[4] == '-') ||
        (n >= 3 && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && s[2] == ':'))
        return FAIL(ps, "dates and times are not supported (value of %s)", ps->what);
    if (i == n || !(s[i] >= '0' && s[i] <= '9')) {
        if (s[0] >= 'A' || s[0] == '_')
            return FAIL(ps, "bare word \"%s\" is not a valid value for %s (strings need quotes)", shown, ps->what);
        return FAIL(ps, "invalid number %s", shown);
    }

    if (n - i > 2 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'o' || s[i + 1] == 'b')) {
        int base = s[i + 1] == 'x' ? 16 : s[i + 1] == 'o' ? 8 : 2;
        if (i)
            return FAIL(ps, "a sign is not allowed on hexadecimal, octal or binary integer %s", shown);
        if (!digits_ok(s + 2, n - 2, base))
            return FAIL(ps, "invalid number %s", shown);
        uint64_t acc = 0;
        for (size_t k = 2; k < n; k++) {
            if (s[k] == '_')
                continue;
            uint64_t d = (uint64_t)hexval((unsigned char)s[k]);
            if (acc > ((uint64_t)INT64_MAX - d) / (uint64_t)base)
                return FAIL(ps, "integer %s is out of range (64-bit signed)", shown);
            acc = acc * (uint64_t)base + d;
        }
        if (!(v = new_value(HB_TOML_INTEGER, line)))
            return oom(ps);
        v->u.i = (int64_t)acc;
        goto done;
    }

    /* decimal: int [ '.' digits ] [ e [sign] digits ] */
    size_t int_end = span_digits(s, i, n);
    if (!digits_ok(s + i, int_end - i, 10))
        return FAIL(ps, "invalid number %s", shown);
    if (s[i] == '0' && int_end - i > 1)
        return FAIL(ps, "leading zeros are not allowed in %s", shown);
    size_t k = int_end;
    int is_float = 0;
    if (k < n && s[k] == '.') {
        size_t fs = ++k;
        k = span_digits(s, k, n);
        if (!digits_ok(s + fs, k - fs, 10))
            return FAIL(ps, "invalid number %s", shown);
        is_float = 1;
    }
    if (k < n && (s[k] == 'e' || s[k] == 'E')) {
        k++;
        if (k < n && (s[k] == '+' || s[k] == '-'))
            k++;
        size_t es = k;
        k = span_digits(s, k, n);
        if (!digits_ok(s + es, k - es, 10))
            return FAIL(ps, "invalid number %s", shown);
        is_float = 1;
    }
    if (k != n)
        return FAIL(ps, "invalid number %s", shown);
    if (n > MAX_NUMBER_LEN)
        return FAIL(ps, "number %s is too long", shown);

    if (!is_float) {
        uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, acc = 0;
        for (size_t j = i; j < n; j++) {
            if (s[j] == '_')
                continue;
            uint64_t d = (uint64_t)(s[j] - '0');
            if (acc > (limit - d) / 10)
                return FAIL(ps, "integer %s is out of range (64-bit signed)", shown);
            acc = acc * 10 + d;
        }
        if (!(v = new_value(HB_TOML_INTEGER, line)))
            return oom(ps);
        /* -2^63 does not fit in int64 before negation: negate in unsigned */
        v->u.i = neg ? (int64_t)(~acc + 1) : (int64_t)acc;
        goto done;
    }
    char tmp[MAX_NUMBER_LEN + 1];
    size_t t = 0;
    for (size_t j = 0; j < n; j++)
        if (s[j] != '_')
            tmp[t++] = s[j];
    tmp[t] = '\0';
    errno = 0;
    char *endp;
    double d = strtod(tmp, &endp); /* the C locale: the process never calls setlocale */
    if (*endp != '\0')
        return FAIL(ps, "invalid number %s", shown);
    if (errno == ERANGE && isinf(d))
        return FAIL(ps, "float %s is out of range", shown);
    if (!(v = new_value(HB_TOML_FLOAT, line)))
        return oom(ps);
    v->u.f = d;
done:
    ps->p += n;
    *out = v;
    return HB_OK;
}

/* ---- values ---- */

static int parse_value(parser *ps, hb_buf *scratch, hb_toml_value **out);
static int parse_keyval(parser *ps, hb_buf *scratch, hb_toml_value *table);

static int parse_array(parser *ps, hb_buf *scratch, hb_toml_value **out)
{
    int start = ps->line, rc;
    if (++ps->depth > MAX_DEPTH)
        return FAIL(ps, "arrays and inline tables nested deeper than %d", MAX_DEPTH);
    hb_toml_value *a = new_value(HB_TOML_ARRAY, start);
    if (!a)
        return oom(ps);
    ps->p++;
    for (;;) {
        if ((rc = skip_ws_nl(ps)))
            goto out;
        if (ps->p >= ps->end) {
            rc = fail_at(ps, start, "unterminated array (missing ']')");
            goto out;
        }
        if (*ps->p == ']')
            break;
        hb_toml_value *v;
        if ((rc = parse_value(ps, scratch, &v)))
            goto out;
        if (arr_push(a, v)) {
            value_free(v);
            rc = oom(ps);
            goto out;
        }
        if ((rc = skip_ws_nl(ps)))
            goto out;
        if (ps->p >= ps->end) {
            rc = fail_at(ps, start, "unterminated array (missing ']')");
            goto out;
        }
        if (*ps->p == ',') {
            ps->p++;
            continue;
        }
        if (*ps->p == ']')
            break;
        rc = FAIL(ps, "expected ',' or ']' in the array for %s, found %s", ps->what, describe(ps));
        goto out;
    }
    ps->p++;
    ps->depth--;
    *out = a;
    return HB_OK;
out:
    value_free(a);
    return rc;
}

static int parse_inline_table(parser *ps, hb_buf *scratch, hb_toml_value **out)
{
    int start = ps->line, rc;
    if (++ps->depth > MAX_DEPTH)
        return FAIL(ps, "arrays and inline tables nested deeper than %d", MAX_DEPTH);
    hb_toml_value *t = new_value(HB_TOML_TABLE, start);
    if (!t)
        return oom(ps);
    t->flags = F_INLINE;
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '}')
        goto closed;
    for (;;) {
        skip_ws(ps);
        if ((rc = parse_keyval(ps, scratch, t)))
            goto out;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            skip_ws(ps);
            if (ps->p < ps->end && *ps->p == '}') {
                rc = FAIL(ps, "trailing comma is not allowed in an inline table");
                goto out;
            }
            continue;
        }
        if (ps->p < ps->end && *ps->p == '}')
            break;
        if (ps->p >= ps->end || at_newline(ps))
            rc = FAIL(ps, "unterminated inline table (missing '}'; inline tables must fit on one line)");
        else
            rc = FAIL(ps, "expected ',' or '}' in inline table, found %s", describe(ps));
        goto out;
    }
closed:
    ps->p++;
    ps->depth--;
    *out = t;
    return HB_OK;
out:
    value_free(t);
    return rc;
}

static int parse_value(parser *ps, hb_buf *scratch, hb_toml_value **out)
{
    if (ps->p >= ps->end || at_newline(ps) || *ps->p == '#')
        return FAIL(ps, "expected a value for %s, found %s", ps->what,
                    ps->p < ps->end && *ps->p == '#' ? "a comment" : describe(ps));
    char c = *ps->p;
    if (c == '[')
        return parse_array(ps, scratch, out);
    if (c == '{')
        return parse_inline_table(ps, scratch, out);
    if (c != '"' && c != '\'')
        return parse_scalar(ps, out);
    int line = ps->line;
    int rc = parse_string(ps, 1, scratch);
    if (rc)
        return rc;
    hb_toml_value *v = new_value(HB_TOML_STRING, line);
    if (!v)
        return oom(ps);
    v->u.s.len = scratch->len;
    v->u.s.ptr = malloc(scratch->len + 1);
    if (!v->u.s.ptr) {
        free(v);
        return oom(ps);
    }
    memcpy(v->u.s.ptr, hb_buf_cstr(scratch), scratch->len + 1);
    *out = v;
    return HB_OK;
}

/* key = value, into table (the current [table] or an inline table). */
static int parse_keyval(parser *ps, hb_buf *scratch, hb_toml_value *table)
{
    keypath k;
    char full[160], part[160], saved[sizeof ps->what];
    int line = ps->line, rc;
    hb_toml_value *v = NULL;
    k.n = 0;
    if ((rc = parse_key(ps, scratch, &k)))
        goto out;
    show_key(&k, k.n, full, sizeof full);
    if (ps->p >= ps->end || *ps->p != '=') {
        rc = FAIL(ps, "expected '=' after key \"%s\", found %s", full, describe(ps));
        goto out;
    }
    ps->p++;
    skip_ws(ps);

    hb_toml_value *t = table;
    for (int i = 0; i < k.n - 1; i++) {
        hb_toml_value *c = tab_find(t, k.parts[i].s, k.parts[i].len);
        show_key(&k, i + 1, part, sizeof part);
        if (!c) {
            if (!(c = new_value(HB_TOML_TABLE, line))) {
                rc = oom(ps);
                goto out;
            }
            c->flags = F_DOTTED;
            if (tab_add(t, k.parts[i].s, k.parts[i].len, c)) {
                value_free(c);
                rc = oom(ps);
                goto out;
            }
            k.parts[i].given = 1;
        } else if (c->type != HB_TOML_TABLE) {
            rc = fail_at(ps, line, "cannot set key \"%s\": \"%s\" is already defined on line %d (%s), not a table", full,
                         part, c->line, hb_toml_type_name(c->type));
            goto out;
        } else if (c->flags & F_INLINE) {
            rc = fail_at(ps, line, "cannot set key \"%s\": inline table \"%s\" (line %d) is closed", full, part,
                         c->line);
            goto out;
        } else if (!(c->flags & F_DOTTED)) {
            rc = fail_at(ps, line, "cannot set key \"%s\": table \"%s\" is defined by a header (line %d); add the key there",
                         full, part, c->line);
            goto out;
        }
        t = c;
    }
    seg *last = &k.parts[k.n - 1];
    hb_toml_value *dup = tab_find(t, last->s, last->len);
    if (dup) {
        rc = fail_at(ps, line, "duplicate key \"%s\" (first defined on line %d)", full, dup->line);
        goto out;
    }
    memcpy(saved, ps->what, sizeof saved);
    snprintf(ps->what, sizeof ps->what, "key \"%s\"", full);
    rc = parse_value(ps, scratch, &v);
    memcpy(ps->what, saved, sizeof saved);
    if (rc)
        goto out;
    if (tab_add(t, last->s, last->len, v)) {
        rc = oom(ps);
        goto out;
    }
    last->given = 1;
    v = NULL;
    snprintf(ps->last, sizeof ps->last, "the value of key \"%s\"", full);
out:
    value_free(v);
    key_free(&k);
    return rc;
}

/* [a.b.c] or [[a.b.c]]; makes the named table current. */
static int parse_header(parser *ps, hb_buf *scratch)
{
    keypath k;
    char full[160], part[160];
    int line = ps->line, rc;
    int aot = ps->end - ps->p >= 2 && ps->p[1] == '[';
    k.n = 0;
    ps->p += aot ? 2 : 1;
    skip_ws(ps);
    if ((rc = parse_key(ps, scratch, &k)))
        goto out;
    show_key(&k, k.n, full, sizeof full);
    if (ps->p >= ps->end || *ps->p != ']' || (aot && (ps->end - ps->p < 2 || ps->p[1] != ']'))) {
        rc = FAIL(ps, "expected '%s' to close the header [%s%s, found %s", aot ? "]]" : "]", aot ? "[" : "", full,
                  describe(ps));
        goto out;
    }
    ps->p += aot ? 2 : 1;

    hb_toml_value *t = ps->root;
    for (int i = 0; i < k.n - 1; i++) {
        hb_toml_value *c = tab_find(t, k.parts[i].s, k.parts[i].len);
        show_key(&k, i + 1, part, sizeof part);
        if (!c) {
            if (!(c = new_value(HB_TOML_TABLE, line))) {
                rc = oom(ps);
                goto out;
            }
            c->flags = F_IMPLICIT;
            if (tab_add(t, k.parts[i].s, k.parts[i].len, c)) {
                value_free(c);
                rc = oom(ps);
                goto out;
            }
            k.parts[i].given = 1;
        } else if (c->type == HB_TOML_ARRAY && (c->flags & F_AOT)) {
            c = c->u.a.items[c->u.a.len - 1]; /* [[a]] then [a.b]: b goes in the last a */
        } else if (c->type != HB_TOML_TABLE) {
            rc = fail_at(ps, line, "header [%s]: \"%s\" is already defined on line %d (%s), not a table", full,
                         part, c->line, hb_toml_type_name(c->type));
            goto out;
        } else if (c->flags & F_INLINE) {
            rc = fail_at(ps, line, "header [%s]: inline table \"%s\" (line %d) is closed", full, part, c->line);
            goto out;
        }
        t = c;
    }
    seg *last = &k.parts[k.n - 1];
    hb_toml_value *c = tab_find(t, last->s, last->len);
    if (aot) {
        if (!c) {
            if (!(c = new_value(HB_TOML_ARRAY, line))) {
                rc = oom(ps);
                goto out;
            }
            c->flags = F_AOT;
            if (tab_add(t, last->s, last->len, c)) {
                value_free(c);
                rc = oom(ps);
                goto out;
            }
            last->given = 1;
        } else if (c->type != HB_TOML_ARRAY || !(c->flags & F_AOT)) {
            rc = fail_at(ps, line, "header [[%s]]: \"%s\" is already defined on line %d (%s)", full, full,
                         c->line, c->type == HB_TOML_ARRAY ? "static array" : hb_toml_type_name(c->type));
            goto out;
        }
        hb_toml_value *elem = new_value(HB_TOML_TABLE, line);
        if (!elem) {
            rc = oom(ps);
            goto out;
        }
        elem->flags = F_DEFINED;
        if (arr_push(c, elem)) {
            value_free(elem);
            rc = oom(ps);
            goto out;
        }
        ps->cur = elem;
    } else {
        if (!c) {
            if (!(c = new_value(HB_TOML_TABLE, line))) {
                rc = oom(ps);
                goto out;
            }
            c->flags = F_DEFINED;
            if (tab_add(t, last->s, last->len, c)) {
                value_free(c);
                rc = oom(ps);
                goto out;
            }
            last->given = 1;
        } else if (c->type == HB_TOML_TABLE && c->flags == F_IMPLICIT) {
            c->flags = F_DEFINED;
            c->line = line;
        } else if (c->type == HB_TOML_TABLE) {
            if (c->flags & F_INLINE)
                rc = fail_at(ps, line, "table [%s] is already defined as an inline table on line %d", full, c->line);
            else if (c->flags & F_DOTTED)
                rc = fail_at(ps, line, "table [%s] is already defined by dotted keys on line %d", full, c->line);
            else
                rc = fail_at(ps, line, "table [%s] is defined twice (first on line %d)", full, c->line);
            goto out;
        } else {
            rc = fail_at(ps, line, "header [%s]: \"%s\" is already defined on line %d (%s)", full, full,
                         c->line, (c->flags & F_AOT) ? "array of tables" : hb_toml_type_name(c->type));
            goto out;
        }
        ps->cur = c;
    }
    snprintf(ps->last, sizeof ps->last, "the header %s%s%s", aot ? "[[" : "[", full, aot ? "]]" : "]");
    rc = HB_OK;
out:
    key_free(&k);
    return rc;
}

/* ---- public ---- */

int hb_toml_parse(const char *text, size_t len, const char *name, hb_toml_value **out, hb_err *err)
{
    parser ps;
    hb_buf scratch;
    int rc;
    *out = NULL;
    memset(&ps, 0, sizeof ps);
    ps.p = text;
    ps.end = text + len;
    ps.name = name ? name : "<string>";
    ps.line = 1;
    ps.err = err;
    if (len > (size_t)INT_MAX)
        return hb_err_set(err, HB_ELIMIT, "%s: document larger than %d bytes", ps.name, INT_MAX);
    /* strings and keys are never longer than the document */
    hb_buf_init(&scratch, len + 1);
    if (!(ps.root = new_value(HB_TOML_TABLE, 0)))
        return oom(&ps);
    ps.root->flags = F_DEFINED;
    ps.root->line = 0;
    ps.cur = ps.root;
    if ((rc = check_utf8(&ps)))
        goto out;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        ps.p += 3; /* byte order mark */
    while ((skip_ws(&ps), ps.p < ps.end)) {
        int nl = at_newline(&ps);
        if (nl) {
            ps.p += nl;
            ps.line++;
            continue;
        }
        if (*ps.p == '#') {
            if ((rc = skip_comment(&ps)))
                goto out;
            continue;
        }
        if (*ps.p == '[') {
            if ((rc = parse_header(&ps, &scratch)))
                goto out;
        } else if ((rc = parse_keyval(&ps, &scratch, ps.cur))) {
            goto out;
        }
        if ((rc = expect_eol(&ps, ps.last)))
            goto out;
    }
    *out = ps.root;
    ps.root = NULL;
    rc = HB_OK;
out:
    hb_buf_free(&scratch);
    value_free(ps.root);
    return rc;
}

int hb_toml_parse_file(const char *path, size_t max_bytes, hb_toml_value **out, hb_err *err)
{
    hb_buf b;
    int rc, fd;
    char chunk[16384];
    *out = NULL;
    if (max_bytes == 0)
        max_bytes = HB_TOML_MAX_FILE_BYTES;
    hb_buf_init(&b, max_bytes);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return hb_err_set(err, HB_EIO, "%s: cannot open: %s", path, strerror(errno));
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = hb_err_set(err, HB_EIO, "%s: cannot read: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        rc = hb_buf_append(&b, chunk, (size_t)n);
        if (rc == HB_ELIMIT) {
            rc = hb_err_set(err, HB_ELIMIT, "%s: file is larger than %zu bytes", path, max_bytes);
            goto out;
        }
        if (rc) {
            rc = hb_err_set(err, HB_ENOMEM, "%s: out of memory", path);
            goto out;
        }
    }
    rc = hb_toml_parse(hb_buf_cstr(&b), b.len, path, out, err);
out:
    close(fd);
    hb_buf_free(&b);
    return rc;
}

void hb_toml_free(hb_toml_value *root)
{
    value_free(root);
}

hb_toml_type hb_toml_type_of(const hb_toml_value *v)
{
    return v->type;
}

const char *hb_toml_type_name(hb_toml_type t)
{
    switch (t) {
    case HB_TOML_STRING: return "string";
    case HB_TOML_INTEGER: return "integer";
    case HB_TOML_FLOAT: return "float";
    case HB_TOML_BOOL: return "boolean";
    case HB_TOML_ARRAY: return "array";
    case HB_TOML_TABLE: return "table";
    }
    return "value";
}

int hb_toml_line(const hb_toml_value *v)
{
    return v->line;
}

int hb_toml_int(const hb_toml_value *v, int64_t *out)
{
    if (!v || v->type != HB_TOML_INTEGER)
        return HB_EINVAL;
    *out = v->u.i;
    return HB_OK;
}

int hb_toml_float(const hb_toml_value *v, double *out)
{
    if (!v || v->type != HB_TOML_FLOAT)
        return HB_EINVAL;
    *out = v->u.f;
    return HB_OK;
}

int hb_toml_bool(const hb_toml_value *v, int *out)
{
    if (!v || v->type != HB_TOML_BOOL)
        return HB_EINVAL;
    *out = v->u.b;
    return HB_OK;
}

const char *hb_toml_str(const hb_toml_value *v, size_t *len)
{
    if (!v || v->type != HB_TOML_STRING)
        return NULL;
    if (len)
        *len = v->u.s.len;
    return v->u.s.ptr;
}

size_t hb_toml_array_len(const hb_toml_value *v)
{
    return v && v->type == HB_TOML_ARRAY ? v->u.a.len : 0;
}

const hb_toml_value *hb_toml_array_at(const hb_toml_value *v, size_t i)
{
    return i < hb_toml_array_len(v) ? v->u.a.items[i] : NULL;
}

size_t hb_toml_table_len(const hb_toml_value *t)
{
    return t && t->type == HB_TOML_TABLE ? t->u.t.len : 0;
}

const char *hb_toml_table_key(const hb_toml_value *t, size_t i, size_t *len)
{
    if (i >= hb_toml_table_len(t))
        return NULL;
    if (len)
        *len = t->u.t.items[i].key_len;
    return t->u.t.items[i].key;
}

const hb_toml_value *hb_toml_table_value(const hb_toml_value *t, size_t i)
{
    return i < hb_toml_table_len(t) ? t->u.t.items[i].value : NULL;
}

const hb_toml_value *hb_toml_get(const hb_toml_value *t, const char *key)
{
    if (!t || t->type != HB_TOML_TABLE)
        return NULL;
    return tab_find(t, key, strlen(key));
}

const hb_toml_value *hb_toml_get_path(const hb_toml_value *t, const char *path)
{
    for (;;) {
        if (!t || t->type != HB_TOML_TABLE)
            return NULL;
        const char *dot = strchr(path, '.');
        size_t n = dot ? (size_t)(dot - path) : strlen(path);
        t = tab_find(t, path, n);
        if (!dot)
            return t;
        path = dot + 1;
    }
}
