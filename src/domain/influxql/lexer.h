/* InfluxQL lexer: turns query text into tokens exactly as InfluxDB 1.x does.
 *
 * Exactness matters because parse errors quote the token found and its
 * position ("found FROM, expected identifier at line 1, char 8"). The lexer
 * therefore reproduces InfluxDB's scanner rune for rune, including its
 * quirks:
 *   - positions count runes (not bytes), 0-based here, from the reader that
 *     keeps the last 3 runes for unreading; "\r" and "\r\n" read as "\n";
 *     invalid UTF-8 reads as U+FFFD, one byte at a time;
 *   - a NUL byte reads as end of input (InfluxDB's eof rune is 0);
 *   - the position of a 'string' token (and of an unterminated "ident") is
 *     the position of the rune *before* its opening quote;
 *   - keywords are recognised case-insensitively; their literal is empty and
 *     errors print their upper-case name;
 *   - "1.5h" scans as NUMBER "1.5" then IDENT "h"; "1." scans as NUMBER "1";
 *     "10x" scans as DURATIONVAL "10x" (rejected later by the parser);
 *   - regex literals are only scanned on request (hb_iql_lexer_scan_regex),
 *     because '/' is also the division operator.
 *
 * Token literals are copied into the arena given at init (NUL-terminated,
 * length in hb_iql_str.n); they live as long as that arena. */
#ifndef HB_DOMAIN_INFLUXQL_LEXER_H
#define HB_DOMAIN_INFLUXQL_LEXER_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "domain/influxql/token.h"

/* Immutable string: p is always NUL-terminated, n is the length (a string
 * from a bound parameter may itself contain NUL bytes). */
typedef struct hb_iql_str {
    const char *p;
    size_t n;
} hb_iql_str;

/* Position of a token: 0-based line and rune column (errors print +1). */
typedef struct hb_iql_pos {
    int line;
    int col;
} hb_iql_pos;

typedef struct hb_iql_token {
    hb_iql_tok tok;
    hb_iql_pos pos;
    hb_iql_str lit;  /* ident name, unescaped string, number text, "" for keywords */
} hb_iql_token;

typedef struct hb_iql_rune {
    int32_t ch;
    hb_iql_pos pos;
} hb_iql_rune;

typedef struct hb_iql_lexer {
    const unsigned char *src;
    size_t len, off;
    /* rune reader with a 3-entry unread ring */
    hb_iql_rune ring[3];
    int ri, rn;
    int seen_eof;
    hb_iql_pos pos;
    /* literal being built (heap, freed by hb_iql_lexer_free) */
    char *sb;
    size_t sn, scap;
    hb_arena *arena;
} hb_iql_lexer;

#define HB_IQL_EOF_RUNE 0

void hb_iql_lexer_init(hb_iql_lexer *lx, const char *src, size_t len, hb_arena *arena);
void hb_iql_lexer_free(hb_iql_lexer *lx);

/* Next token (whitespace and comments included). 0 or HB_ENOMEM. */
int hb_iql_lexer_scan(hb_iql_lexer *lx, hb_iql_token *out);
/* Scan a /regex/ at the current position (REGEX, or BADREGEX with an empty
 * literal). The literal has "\/" unescaped to "/". 0 or HB_ENOMEM. */
int hb_iql_lexer_scan_regex(hb_iql_lexer *lx, hb_iql_token *out);

/* Rune-level access used by the parser's one-rune lookahead. */
int32_t hb_iql_lexer_read(hb_iql_lexer *lx, hb_iql_pos *pos);
void hb_iql_lexer_unread(hb_iql_lexer *lx);

/* Character classes of the InfluxQL scanner (ASCII only). */
static inline int hb_iql_is_letter(int32_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
static inline int hb_iql_is_digit(int32_t c) { return c >= '0' && c <= '9'; }
static inline int hb_iql_is_ws(int32_t c) { return c == ' ' || c == '\t' || c == '\n'; }
static inline int hb_iql_is_ident_char(int32_t c)
{
    return hb_iql_is_letter(c) || hb_iql_is_digit(c) || c == '_';
}
static inline int hb_iql_is_ident_first(int32_t c)
{
    return hb_iql_is_letter(c) || c == '_';
}

/* Decode one rune of UTF-8 as Go does: invalid or truncated sequences give
 * U+FFFD with size 1. Requires len > 0. */
int32_t hb_iql_utf8_decode(const unsigned char *s, size_t len, size_t *size);
/* Encode c (U+FFFD for invalid values) into out[4]; returns the length. */
size_t hb_iql_utf8_encode(int32_t c, char *out);

#endif
