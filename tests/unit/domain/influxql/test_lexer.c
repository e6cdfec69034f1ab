/* InfluxQL lexer: token kinds, literals and positions, including the
 * quirks InfluxDB's scanner has (and error positions depend on). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "domain/influxql/lexer.h"

typedef struct want {
    hb_iql_tok tok;
    const char *lit;
    int line, col; /* 0-based */
} want;

static void check(const char *src, const want *w, size_t n)
{
    hb_arena a;
    hb_arena_init(&a, 0, 0);
    hb_iql_lexer lx;
    hb_iql_lexer_init(&lx, src, strlen(src), &a);
    for (size_t i = 0; i < n; i++) {
        hb_iql_token t;
        assert_int_equal(hb_iql_lexer_scan(&lx, &t), 0);
        if (t.tok != w[i].tok || strcmp(t.lit.p, w[i].lit) != 0 || t.pos.line != w[i].line ||
            t.pos.col != w[i].col)
            fail_msg("%s: token %zu: got %s '%s' %d:%d, want %s '%s' %d:%d", src, i,
                     hb_iql_tok_name(t.tok), t.lit.p, t.pos.line, t.pos.col,
                     hb_iql_tok_name(w[i].tok), w[i].lit, w[i].line, w[i].col);
    }
    hb_iql_lexer_free(&lx);
    hb_arena_free(&a);
}

#define CHECK(src, ...)                                                     \
    do {                                                                    \
        const want w_[] = {__VA_ARGS__};                                    \
        check(src, w_, sizeof w_ / sizeof w_[0]);                           \
    } while (0)

static void test_keywords_idents(void **state)
{
    (void)state;
    CHECK("SELECT select SeLeCt foo _x9 \"quoted id\" \"a\\\"b\"",
          {HB_IQL_SELECT, "", 0, 0}, {HB_IQL_WS, " ", 0, 6}, {HB_IQL_SELECT, "", 0, 7},
          {HB_IQL_WS, " ", 0, 13}, {HB_IQL_SELECT, "", 0, 14}, {HB_IQL_WS, " ", 0, 20},
          {HB_IQL_IDENT, "foo", 0, 21}, {HB_IQL_WS, " ", 0, 24}, {HB_IQL_IDENT, "_x9", 0, 25},
          {HB_IQL_WS, " ", 0, 28}, {HB_IQL_IDENT, "quoted id", 0, 29}, {HB_IQL_WS, " ", 0, 40},
          {HB_IQL_IDENT, "a\"b", 0, 41}, {HB_IQL_EOF, "", 0, 47});
    /* a quoted keyword is an identifier; true/false/and/or are keywords */
    CHECK("\"select\" true FALSE and OR", {HB_IQL_IDENT, "select", 0, 0}, {HB_IQL_WS, " ", 0, 8},
          {HB_IQL_TRUE, "", 0, 9}, {HB_IQL_WS, " ", 0, 13}, {HB_IQL_FALSE, "", 0, 14},
          {HB_IQL_WS, " ", 0, 19}, {HB_IQL_AND, "", 0, 20}, {HB_IQL_WS, " ", 0, 23},
          {HB_IQL_OR, "", 0, 24});
    /* ident immediately followed by a quoted string becomes that string */
    CHECK("abc\"def\" x", {HB_IQL_IDENT, "def", 0, 0}, {HB_IQL_WS, " ", 0, 8},
          {HB_IQL_IDENT, "x", 0, 9});
    /* an unterminated quoted ident is a BADSTRING, positioned one rune early */
    CHECK("x \"ab", {HB_IQL_IDENT, "x", 0, 0}, {HB_IQL_WS, " ", 0, 1}, {HB_IQL_BADSTRING, "ab", 0, 1});
    CHECK("\"a\\qb\"", {HB_IQL_BADESCAPE, "\\q", 0, 3});
    /* non-ASCII letters are not identifier characters */
    CHECK("\xc3\xa9x", {HB_IQL_ILLEGAL, "\xc3\xa9", 0, 0}, {HB_IQL_IDENT, "x", 0, 1});
    /* invalid UTF-8 reads as U+FFFD */
    CHECK("\xff", {HB_IQL_ILLEGAL, "\xef\xbf\xbd", 0, 0}, {HB_IQL_EOF, "", 0, 1});
}

static void test_strings(void **state)
{
    (void)state;
    /* a string's position is the rune before its opening quote */
    CHECK("x 'a\\'b\\n\\\\c\\\"'", {HB_IQL_IDENT, "x", 0, 0}, {HB_IQL_WS, " ", 0, 1},
          {HB_IQL_STRING, "a'b\n\\c\"", 0, 1}, {HB_IQL_EOF, "", 0, 15});
    CHECK("'abc", {HB_IQL_BADSTRING, "abc", 0, 0});
    CHECK("x 'ab\ncd'", {HB_IQL_IDENT, "x", 0, 0}, {HB_IQL_WS, " ", 0, 1}, {HB_IQL_BADSTRING, "ab", 0, 1});
    CHECK("'a\\tb'", {HB_IQL_BADESCAPE, "\\t", 0, 3});
    CHECK("''", {HB_IQL_STRING, "", 0, 0});
}

static void test_numbers_durations(void **state)
{
    (void)state;
    CHECK("1 1.5 .5 10h 1h30m 10x 10\xc2\xb5s",
          {HB_IQL_INTEGER, "1", 0, 0}, {HB_IQL_WS, " ", 0, 1}, {HB_IQL_NUMBER, "1.5", 0, 2},
          {HB_IQL_WS, " ", 0, 5}, {HB_IQL_NUMBER, ".5", 0, 6}, {HB_IQL_WS, " ", 0, 8},
          {HB_IQL_DURATIONVAL, "10h", 0, 9}, {HB_IQL_WS, " ", 0, 12},
          {HB_IQL_DURATIONVAL, "1h30m", 0, 13}, {HB_IQL_WS, " ", 0, 18},
          {HB_IQL_DURATIONVAL, "10x", 0, 19}, {HB_IQL_WS, " ", 0, 22},
          {HB_IQL_DURATIONVAL, "10\xc2\xb5s", 0, 23}, {HB_IQL_EOF, "", 0, 27});
    /* "1.5h" is a number then an identifier; "1." drops the dot */
    CHECK("1.5h", {HB_IQL_NUMBER, "1.5", 0, 0}, {HB_IQL_IDENT, "h", 0, 3});
    CHECK("1.)", {HB_IQL_NUMBER, "1", 0, 0}, {HB_IQL_RPAREN, "", 0, 2});
    CHECK("a.b", {HB_IQL_IDENT, "a", 0, 0}, {HB_IQL_DOT, "", 0, 1}, {HB_IQL_IDENT, "b", 0, 2});
}

static void test_operators_comments(void **state)
{
    (void)state;
    CHECK("+-*/%&|^=!=<><=>=<>=~!~():::,;.",
          {HB_IQL_ADD, "", 0, 0}, {HB_IQL_SUB, "", 0, 1}, {HB_IQL_MUL, "", 0, 2},
          {HB_IQL_DIV, "", 0, 3}, {HB_IQL_MOD, "", 0, 4}, {HB_IQL_BITWISE_AND, "", 0, 5},
          {HB_IQL_BITWISE_OR, "", 0, 6}, {HB_IQL_BITWISE_XOR, "", 0, 7}, {HB_IQL_EQ, "", 0, 8},
          {HB_IQL_NEQ, "", 0, 9}, {HB_IQL_NEQ, "", 0, 11}, {HB_IQL_LTE, "", 0, 13},
          {HB_IQL_GTE, "", 0, 15}, {HB_IQL_NEQ, "", 0, 17}, {HB_IQL_EQREGEX, "", 0, 19},
          {HB_IQL_NEQREGEX, "", 0, 21}, {HB_IQL_LPAREN, "", 0, 23}, {HB_IQL_RPAREN, "", 0, 24},
          {HB_IQL_DOUBLECOLON, "", 0, 25}, {HB_IQL_COLON, "", 0, 27}, {HB_IQL_COMMA, "", 0, 28},
          {HB_IQL_SEMICOLON, "", 0, 29}, {HB_IQL_DOT, "", 0, 30}, {HB_IQL_EOF, "", 0, 31});
    CHECK("a -- c\nb /* x\n */ c /* open", {HB_IQL_IDENT, "a", 0, 0}, {HB_IQL_WS, " ", 0, 1},
          {HB_IQL_COMMENT, "", 0, 2}, {HB_IQL_IDENT, "b", 1, 0}, {HB_IQL_WS, " ", 1, 1},
          {HB_IQL_COMMENT, "", 1, 2}, {HB_IQL_WS, " ", 2, 3}, {HB_IQL_IDENT, "c", 2, 4},
          {HB_IQL_WS, " ", 2, 5}, {HB_IQL_ILLEGAL, "", 2, 6});
    CHECK("! @", {HB_IQL_ILLEGAL, "!", 0, 0}, {HB_IQL_WS, " ", 0, 1}, {HB_IQL_ILLEGAL, "@", 0, 2});
    /* \r\n and lone \r are newlines */
    CHECK("a\r\nb\rc", {HB_IQL_IDENT, "a", 0, 0}, {HB_IQL_WS, "\n", 0, 1}, {HB_IQL_IDENT, "b", 1, 0},
          {HB_IQL_WS, "\n", 1, 1}, {HB_IQL_IDENT, "c", 2, 0});
}

static void test_bound_params(void **state)
{
    (void)state;
    CHECK("$a $\"x y\" $ $1", {HB_IQL_BOUNDPARAM, "$a", 0, 0}, {HB_IQL_WS, " ", 0, 2},
          {HB_IQL_BOUNDPARAM, "$x y", 0, 3}, {HB_IQL_WS, " ", 0, 9}, {HB_IQL_BOUNDPARAM, "$", 0, 10},
          {HB_IQL_WS, " ", 0, 11}, {HB_IQL_BOUNDPARAM, "$1", 0, 12});
    /* the name is not looked up as a keyword */
    CHECK("$select", {HB_IQL_BOUNDPARAM, "$select", 0, 0});
}

static void test_regex_scan(void **state)
{
    (void)state;
    hb_arena a;
    hb_arena_init(&a, 0, 0);
    hb_iql_lexer lx;
    const char *src = "x /a\\/b\\d/ /open";
    hb_iql_lexer_init(&lx, src, strlen(src), &a);
    hb_iql_token t;
    assert_int_equal(hb_iql_lexer_scan(&lx, &t), 0); /* x */
    assert_int_equal(hb_iql_lexer_scan(&lx, &t), 0); /* ws */
    assert_int_equal(hb_iql_lexer_scan_regex(&lx, &t), 0);
    assert_int_equal(t.tok, HB_IQL_REGEX);
    assert_string_equal(t.lit.p, "a/b\\d");
    assert_int_equal(hb_iql_lexer_scan(&lx, &t), 0); /* ws */
    assert_int_equal(hb_iql_lexer_scan_regex(&lx, &t), 0);
    assert_int_equal(t.tok, HB_IQL_BADREGEX);
    assert_string_equal(t.lit.p, "");
    hb_iql_lexer_free(&lx);
    hb_arena_free(&a);
}

static void test_nul_is_eof(void **state)
{
    (void)state;
    hb_arena a;
    hb_arena_init(&a, 0, 0);
    hb_iql_lexer lx;
    const char src[] = "ab\0cd";
    hb_iql_lexer_init(&lx, src, 5, &a);
    hb_iql_token t;
    assert_int_equal(hb_iql_lexer_scan(&lx, &t), 0);
    /* InfluxDB's bare-ident reader swallows the NUL (its eof rune) and
     * carries on: the identifier is "abcd" */
    assert_int_equal(t.tok, HB_IQL_IDENT);
    assert_string_equal(t.lit.p, "abcd");
    hb_iql_lexer_free(&lx);
    hb_arena_free(&a);
}

static void test_lookup(void **state)
{
    (void)state;
    assert_int_equal(hb_iql_lookup("SUBSCRIPTIONS", 13), HB_IQL_SUBSCRIPTIONS);
    assert_int_equal(hb_iql_lookup("wHeRe", 5), HB_IQL_WHERE);
    assert_int_equal(hb_iql_lookup("time", 4), HB_IQL_IDENT);
    assert_int_equal(hb_iql_lookup("", 0), HB_IQL_IDENT);
    assert_int_equal(hb_iql_lookup("selectx", 7), HB_IQL_IDENT);
    assert_string_equal(hb_iql_tok_name(HB_IQL_INTEGER), "");
    assert_string_equal(hb_iql_tok_name(HB_IQL_EQREGEX), "=~");
    assert_int_equal(hb_iql_precedence(HB_IQL_OR), 1);
    assert_int_equal(hb_iql_precedence(HB_IQL_MUL), 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keywords_idents),  cmocka_unit_test(test_strings),
        cmocka_unit_test(test_numbers_durations), cmocka_unit_test(test_operators_comments),
        cmocka_unit_test(test_bound_params),      cmocka_unit_test(test_regex_scan),
        cmocka_unit_test(test_nul_is_eof),        cmocka_unit_test(test_lookup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
