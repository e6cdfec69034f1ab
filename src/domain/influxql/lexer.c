/* InfluxQL lexer; see lexer.h for the behaviour it reproduces. */
#include "domain/influxql/lexer.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"

#define RUNE_ERROR 0xFFFD

int32_t hb_iql_utf8_decode(const unsigned char *s, size_t len, size_t *size)
{
    unsigned char b0 = s[0];
    *size = 1;
    if (b0 < 0x80)
        return b0;
    size_t need;
    int32_t c;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        need = 1;
        c = b0 & 0x1F;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        need = 2;
        c = b0 & 0x0F;
        if (b0 == 0xE0)
            lo = 0xA0;
        else if (b0 == 0xED)
            hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        need = 3;
        c = b0 & 0x07;
        if (b0 == 0xF0)
            lo = 0x90;
        else if (b0 == 0xF4)
            hi = 0x8F;
    } else {
        return RUNE_ERROR;
    }
    if (len < need + 1)
        return RUNE_ERROR;
    if (s[1] < lo || s[1] > hi)
        return RUNE_ERROR;
    c = (c << 6) | (s[1] & 0x3F);
    for (size_t i = 2; i <= need; i++) {
        if (s[i] < 0x80 || s[i] > 0xBF)
            return RUNE_ERROR;
        c = (c << 6) | (s[i] & 0x3F);
    }
    *size = need + 1;
    return c;
}

size_t hb_iql_utf8_encode(int32_t c, char *out)
{
    if (c < 0 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        c = RUNE_ERROR;
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

void hb_iql_lexer_init(hb_iql_lexer *lx, const char *src, size_t len, hb_arena *arena)
{
    memset(lx, 0, sizeof *lx);
    lx->src = (const unsigned char *)src;
    lx->len = len;
    lx->arena = arena;
}

void hb_iql_lexer_free(hb_iql_lexer *lx)
{
    free(lx->sb);
    lx->sb = NULL;
    lx->sn = lx->scap = 0;
}

/* ---- rune reader ------------------------------------------------------ */

static hb_iql_rune *ring_curr(hb_iql_lexer *lx)
{
    return &lx->ring[(lx->ri - lx->rn + 3) % 3];
}

int32_t hb_iql_lexer_read(hb_iql_lexer *lx, hb_iql_pos *pos)
{
    if (lx->rn > 0) {
        lx->rn--;
        hb_iql_rune *r = ring_curr(lx);
        if (pos)
            *pos = r->pos;
        return r->ch;
    }
    int32_t ch;
    if (lx->off >= lx->len) {
        ch = HB_IQL_EOF_RUNE;
    } else {
        size_t size;
        ch = hb_iql_utf8_decode(lx->src + lx->off, lx->len - lx->off, &size);
        lx->off += size;
        if (ch == '\r') {
            if (lx->off < lx->len && lx->src[lx->off] == '\n')
                lx->off++;
            ch = '\n';
        }
    }
    lx->ri = (lx->ri + 1) % 3;
    lx->ring[lx->ri].ch = ch;
    lx->ring[lx->ri].pos = lx->pos;
    if (ch == '\n') {
        lx->pos.line++;
        lx->pos.col = 0;
    } else if (!lx->seen_eof) {
        lx->pos.col++;
    }
    if (ch == HB_IQL_EOF_RUNE)
        lx->seen_eof = 1;
    if (pos)
        *pos = lx->ring[lx->ri].pos;
    return ch;
}

void hb_iql_lexer_unread(hb_iql_lexer *lx)
{
    lx->rn++;
}

#define READ(lx) hb_iql_lexer_read((lx), NULL)
#define UNREAD(lx) hb_iql_lexer_unread(lx)

/* ---- literal buffer --------------------------------------------------- */

static int sb_put(hb_iql_lexer *lx, const char *p, size_t n)
{
    if (lx->sn + n + 1 > lx->scap) {
        size_t cap = lx->scap ? lx->scap : 64;
        while (cap < lx->sn + n + 1)
            cap *= 2;
        char *nb = realloc(lx->sb, cap);
        if (!nb)
            return HB_ENOMEM;
        lx->sb = nb;
        lx->scap = cap;
    }
    memcpy(lx->sb + lx->sn, p, n);
    lx->sn += n;
    return 0;
}

static int sb_rune(hb_iql_lexer *lx, int32_t c)
{
    char tmp[4];
    size_t n = hb_iql_utf8_encode(c, tmp);
    return sb_put(lx, tmp, n);
}

/* Finish a token whose literal is the buffer contents. */
static int emit(hb_iql_lexer *lx, hb_iql_token *out, hb_iql_tok tok, hb_iql_pos pos)
{
    out->tok = tok;
    out->pos = pos;
    if (lx->sn == 0) {
        out->lit.p = "";
        out->lit.n = 0;
        return 0;
    }
    if (lx->sn == 1 && tok == HB_IQL_WS && lx->sb[0] == ' ') { /* the common case: no copy */
        out->lit.p = " ";
        out->lit.n = 1;
        return 0;
    }
    char *p = hb_arena_strndup(lx->arena, lx->sb, lx->sn);
    if (!p)
        return HB_ENOMEM;
    out->lit.p = p;
    out->lit.n = lx->sn;
    return 0;
}

static int emit_empty(hb_iql_token *out, hb_iql_tok tok, hb_iql_pos pos)
{
    out->tok = tok;
    out->pos = pos;
    out->lit.p = "";
    out->lit.n = 0;
    return 0;
}

/* ---- scanners --------------------------------------------------------- */

static int scan_whitespace(hb_iql_lexer *lx, hb_iql_token *out)
{
    hb_iql_rune *r = ring_curr(lx);
    hb_iql_pos pos = r->pos;
    int rc = sb_rune(lx, r->ch);
    for (;;) {
        int32_t ch = READ(lx);
        if (ch == HB_IQL_EOF_RUNE)
            break;
        if (!hb_iql_is_ws(ch)) {
            UNREAD(lx);
            break;
        }
        if (!rc)
            rc = sb_rune(lx, ch);
    }
    if (rc)
        return rc;
    return emit(lx, out, HB_IQL_WS, pos);
}

/* Reads a quoted string whose opening quote is the next rune. Sets *bad to
 * 1 (unterminated) or 2 (bad escape, literal = the escape). */
static int read_quoted(hb_iql_lexer *lx, int *bad)
{
    *bad = 0;
    int32_t ending = READ(lx);
    if (ending == HB_IQL_EOF_RUNE) {
        *bad = 1;
        return 0;
    }
    for (;;) {
        int32_t ch0 = READ(lx);
        if (ch0 == ending)
            return 0;
        if (ch0 == HB_IQL_EOF_RUNE || ch0 == '\n') {
            *bad = 1;
            return 0;
        }
        if (ch0 == '\\') {
            int32_t ch1 = READ(lx);
            int32_t put;
            if (ch1 == 'n')
                put = '\n';
            else if (ch1 == '\\' || ch1 == '"' || ch1 == '\'')
                put = ch1;
            else {
                lx->sn = 0;
                int rc = sb_rune(lx, '\\');
                if (!rc)
                    rc = sb_rune(lx, ch1);
                *bad = 2;
                return rc;
            }
            int rc = sb_rune(lx, put);
            if (rc)
                return rc;
        } else {
            int rc = sb_rune(lx, ch0);
            if (rc)
                return rc;
        }
    }
}

/* The opening quote has just been read. */
static int scan_string(hb_iql_lexer *lx, hb_iql_token *out)
{
    UNREAD(lx);
    hb_iql_pos pos = ring_curr(lx)->pos; /* InfluxDB quirk: rune before the quote */
    lx->sn = 0;
    int bad;
    int rc = read_quoted(lx, &bad);
    if (rc)
        return rc;
    if (bad == 1)
        return emit(lx, out, HB_IQL_BADSTRING, pos);
    if (bad == 2)
        return emit(lx, out, HB_IQL_BADESCAPE, ring_curr(lx)->pos);
    return emit(lx, out, HB_IQL_STRING, pos);
}

static int scan_bare_ident(hb_iql_lexer *lx)
{
    for (;;) {
        int32_t ch = READ(lx);
        if (ch == HB_IQL_EOF_RUNE)
            return 0;
        if (!hb_iql_is_ident_char(ch)) {
            UNREAD(lx);
            return 0;
        }
        int rc = sb_rune(lx, ch);
        if (rc)
            return rc;
    }
}

static int scan_ident(hb_iql_lexer *lx, hb_iql_token *out, int lookup)
{
    hb_iql_pos pos;
    hb_iql_lexer_read(lx, &pos);
    UNREAD(lx);
    lx->sn = 0;
    for (;;) {
        int32_t ch = READ(lx);
        if (ch == HB_IQL_EOF_RUNE)
            break;
        if (ch == '"') {
            int rc = scan_string(lx, out);
            if (rc)
                return rc;
            if (out->tok == HB_IQL_BADSTRING || out->tok == HB_IQL_BADESCAPE)
                return 0;
            out->tok = HB_IQL_IDENT;
            out->pos = pos;
            return 0;
        }
        if (hb_iql_is_ident_char(ch)) {
            UNREAD(lx);
            int rc = scan_bare_ident(lx);
            if (rc)
                return rc;
        } else {
            UNREAD(lx);
            break;
        }
    }
    if (lookup) {
        hb_iql_tok t = hb_iql_lookup(lx->sb, lx->sn);
        if (t != HB_IQL_IDENT)
            return emit_empty(out, t, pos);
    }
    return emit(lx, out, HB_IQL_IDENT, pos);
}

static int scan_digits(hb_iql_lexer *lx)
{
    for (;;) {
        int32_t ch = READ(lx);
        if (!hb_iql_is_digit(ch)) {
            UNREAD(lx);
            return 0;
        }
        int rc = sb_rune(lx, ch);
        if (rc)
            return rc;
    }
}

#define MICRO 0xB5 /* µ */

static int scan_number(hb_iql_lexer *lx, hb_iql_token *out)
{
    hb_iql_rune *cur = ring_curr(lx);
    hb_iql_pos pos = cur->pos;
    int rc = 0;
    lx->sn = 0;
    if (cur->ch == '.') {
        int32_t ch1 = READ(lx);
        UNREAD(lx);
        if (!hb_iql_is_digit(ch1)) {
            rc = sb_put(lx, ".", 1);
            return rc ? rc : emit(lx, out, HB_IQL_ILLEGAL, pos);
        }
        UNREAD(lx);
    } else {
        UNREAD(lx);
    }
    if ((rc = scan_digits(lx)))
        return rc;

    int decimal = 0;
    int32_t ch0 = READ(lx);
    if (ch0 == '.') {
        decimal = 1;
        int32_t ch1 = READ(lx);
        if (hb_iql_is_digit(ch1)) {
            if ((rc = sb_rune(lx, ch0)) || (rc = sb_rune(lx, ch1)) || (rc = scan_digits(lx)))
                return rc;
        } else {
            UNREAD(lx);
        }
    } else {
        UNREAD(lx);
    }
    if (decimal)
        return emit(lx, out, HB_IQL_NUMBER, pos);

    ch0 = READ(lx);
    if (!(hb_iql_is_letter(ch0) || ch0 == MICRO)) {
        UNREAD(lx);
        return emit(lx, out, HB_IQL_INTEGER, pos);
    }
    if ((rc = sb_rune(lx, ch0)))
        return rc;
    for (;;) {
        int32_t ch1 = READ(lx);
        if (!hb_iql_is_letter(ch1) && ch1 != MICRO) {
            UNREAD(lx);
            break;
        }
        if ((rc = sb_rune(lx, ch1)))
            return rc;
    }
    for (;;) {
        int32_t ch1 = READ(lx);
        if (!(hb_iql_is_letter(ch1) || ch1 == MICRO || hb_iql_is_digit(ch1))) {
            UNREAD(lx);
            break;
        }
        if ((rc = sb_rune(lx, ch1)))
            return rc;
    }
    return emit(lx, out, HB_IQL_DURATIONVAL, pos);
}

static void skip_until_newline(hb_iql_lexer *lx)
{
    for (;;) {
        int32_t ch = READ(lx);
        if (ch == '\n' || ch == HB_IQL_EOF_RUNE)
            return;
    }
}

/* Returns 0 when the comment was closed, -1 at end of input. */
static int skip_until_end_comment(hb_iql_lexer *lx)
{
    for (;;) {
        int32_t ch1 = READ(lx);
        if (ch1 == '*') {
            for (;;) {
                int32_t ch2 = READ(lx);
                if (ch2 == '/')
                    return 0;
                if (ch2 == '*')
                    continue;
                if (ch2 == HB_IQL_EOF_RUNE)
                    return -1;
                break;
            }
        } else if (ch1 == HB_IQL_EOF_RUNE) {
            return -1;
        }
    }
}

int hb_iql_lexer_scan(hb_iql_lexer *lx, hb_iql_token *out)
{
    hb_iql_pos pos;
    int32_t ch0 = hb_iql_lexer_read(lx, &pos);
    lx->sn = 0;

    if (hb_iql_is_ws(ch0))
        return scan_whitespace(lx, out);
    if (hb_iql_is_letter(ch0) || ch0 == '_') {
        UNREAD(lx);
        return scan_ident(lx, out, 1);
    }
    if (hb_iql_is_digit(ch0))
        return scan_number(lx, out);

    int32_t ch1;
    switch (ch0) {
    case HB_IQL_EOF_RUNE:
        return emit_empty(out, HB_IQL_EOF, pos);
    case '"':
        UNREAD(lx);
        return scan_ident(lx, out, 1);
    case '\'':
        return scan_string(lx, out);
    case '.':
        ch1 = READ(lx);
        UNREAD(lx);
        if (hb_iql_is_digit(ch1))
            return scan_number(lx, out);
        return emit_empty(out, HB_IQL_DOT, pos);
    case '$': {
        int rc = scan_ident(lx, out, 0);
        if (rc)
            return rc;
        /* literal becomes "$" + name */
        lx->sn = 0;
        if ((rc = sb_put(lx, "$", 1)) || (rc = sb_put(lx, out->lit.p, out->lit.n)))
            return rc;
        return emit(lx, out, out->tok == HB_IQL_IDENT ? HB_IQL_BOUNDPARAM : out->tok, pos);
    }
    case '+':
        return emit_empty(out, HB_IQL_ADD, pos);
    case '-':
        ch1 = READ(lx);
        if (ch1 == '-') {
            skip_until_newline(lx);
            return emit_empty(out, HB_IQL_COMMENT, pos);
        }
        UNREAD(lx);
        return emit_empty(out, HB_IQL_SUB, pos);
    case '*':
        return emit_empty(out, HB_IQL_MUL, pos);
    case '/':
        ch1 = READ(lx);
        if (ch1 == '*') {
            if (skip_until_end_comment(lx) != 0)
                return emit_empty(out, HB_IQL_ILLEGAL, pos);
            return emit_empty(out, HB_IQL_COMMENT, pos);
        }
        UNREAD(lx);
        return emit_empty(out, HB_IQL_DIV, pos);
    case '%':
        return emit_empty(out, HB_IQL_MOD, pos);
    case '&':
        return emit_empty(out, HB_IQL_BITWISE_AND, pos);
    case '|':
        return emit_empty(out, HB_IQL_BITWISE_OR, pos);
    case '^':
        return emit_empty(out, HB_IQL_BITWISE_XOR, pos);
    case '=':
        if (READ(lx) == '~')
            return emit_empty(out, HB_IQL_EQREGEX, pos);
        UNREAD(lx);
        return emit_empty(out, HB_IQL_EQ, pos);
    case '!':
        ch1 = READ(lx);
        if (ch1 == '=')
            return emit_empty(out, HB_IQL_NEQ, pos);
        if (ch1 == '~')
            return emit_empty(out, HB_IQL_NEQREGEX, pos);
        UNREAD(lx);
        break;
    case '>':
        if (READ(lx) == '=')
            return emit_empty(out, HB_IQL_GTE, pos);
        UNREAD(lx);
        return emit_empty(out, HB_IQL_GT, pos);
    case '<':
        ch1 = READ(lx);
        if (ch1 == '=')
            return emit_empty(out, HB_IQL_LTE, pos);
        if (ch1 == '>')
            return emit_empty(out, HB_IQL_NEQ, pos);
        UNREAD(lx);
        return emit_empty(out, HB_IQL_LT, pos);
    case '(':
        return emit_empty(out, HB_IQL_LPAREN, pos);
    case ')':
        return emit_empty(out, HB_IQL_RPAREN, pos);
    case ',':
        return emit_empty(out, HB_IQL_COMMA, pos);
    case ';':
        return emit_empty(out, HB_IQL_SEMICOLON, pos);
    case ':':
        if (READ(lx) == ':')
            return emit_empty(out, HB_IQL_DOUBLECOLON, pos);
        UNREAD(lx);
        return emit_empty(out, HB_IQL_COLON, pos);
    default:
        break;
    }
    int rc = sb_rune(lx, ch0);
    return rc ? rc : emit(lx, out, HB_IQL_ILLEGAL, pos);
}

int hb_iql_lexer_scan_regex(hb_iql_lexer *lx, hb_iql_token *out)
{
    hb_iql_pos pos = ring_curr(lx)->pos;
    lx->sn = 0;
    int32_t ch = READ(lx);
    if (ch != '/')
        return emit_empty(out, HB_IQL_BADREGEX, pos);
    for (;;) {
        int32_t ch0 = READ(lx);
        if (ch0 == '/')
            break;
        if (ch0 == HB_IQL_EOF_RUNE || ch0 == '\n')
            return emit_empty(out, HB_IQL_BADREGEX, pos);
        int rc;
        if (ch0 == '\\') {
            int32_t ch1 = READ(lx);
            if (ch1 == HB_IQL_EOF_RUNE)
                return emit_empty(out, HB_IQL_BADREGEX, pos);
            if (ch1 == '/') {
                rc = sb_rune(lx, '/');
            } else {
                UNREAD(lx);
                rc = sb_rune(lx, '\\');
            }
        } else {
            rc = sb_rune(lx, ch0);
        }
        if (rc)
            return rc;
    }
    return emit(lx, out, HB_IQL_REGEX, pos);
}
