/* Unit tests for the TOML parser: every supported feature, every error
 * message (with its line number), lookups, iteration and file reading. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/toml.h"

static hb_toml_value *parse_n(const char *text, size_t len)
{
    hb_err e;
    hb_toml_value *r = NULL;
    hb_err_clear(&e);
    int rc = hb_toml_parse(text, len, "t.toml", &r, &e);
    if (rc)
        fail_msg("unexpected parse error %d: %s", rc, e.msg);
    assert_non_null(r);
    return r;
}

static hb_toml_value *parse(const char *text)
{
    return parse_n(text, strlen(text));
}

static void expect_err_n(const char *text, size_t len, const char *msg)
{
    hb_err e;
    hb_toml_value *r = (hb_toml_value *)1;
    hb_err_clear(&e);
    int rc = hb_toml_parse(text, len, "t.toml", &r, &e);
    if (rc != HB_EPARSE)
        fail_msg("input %s: expected HB_EPARSE, got %d (%s)", text, rc, e.msg);
    assert_null(r);
    assert_int_equal(e.code, HB_EPARSE);
    if (strcmp(e.msg, msg) != 0)
        fail_msg("input:\n%s\nexpected: %s\n     got: %s", text, msg, e.msg);
}

static void expect_err(const char *text, const char *msg)
{
    expect_err_n(text, strlen(text), msg);
}

static int64_t get_int(const hb_toml_value *t, const char *path)
{
    int64_t v = 0;
    const hb_toml_value *x = hb_toml_get_path(t, path);
    if (!x)
        fail_msg("missing %s", path);
    if (hb_toml_int(x, &v))
        fail_msg("%s is a %s, not an integer", path, hb_toml_type_name(hb_toml_type_of(x)));
    return v;
}

static double get_float(const hb_toml_value *t, const char *path)
{
    double v = 0;
    const hb_toml_value *x = hb_toml_get_path(t, path);
    if (!x || hb_toml_float(x, &v))
        fail_msg("%s is not a float", path);
    return v;
}

static const char *get_str(const hb_toml_value *t, const char *path)
{
    const char *s = hb_toml_str(hb_toml_get_path(t, path), NULL);
    if (!s)
        fail_msg("%s is not a string", path);
    return s;
}

static int get_bool(const hb_toml_value *t, const char *path)
{
    int b = -1;
    if (hb_toml_bool(hb_toml_get_path(t, path), &b))
        fail_msg("%s is not a boolean", path);
    return b;
}

/* ---- valid documents ---- */

static void test_empty_and_comments(void **state)
{
    (void)state;
    const char *docs[] = { "", "   \t  ", "\n\n", "# only a comment", "# c1\n  # c2 \t\n\r\n",
                           "\xEF\xBB\xBF# after a byte order mark\n" };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        hb_toml_value *r = parse(docs[i]);
        assert_int_equal(hb_toml_type_of(r), HB_TOML_TABLE);
        assert_int_equal(hb_toml_table_len(r), 0);
        assert_int_equal(hb_toml_line(r), 0);
        hb_toml_free(r);
    }
    hb_toml_value *r = parse("a = 1 # trailing comment with \"quotes\" and = signs\r\n"
                             "\tb = 2\t# tab indent\n"
                             "# c = 3\n"
                             "d = \"# not a comment\"\n");
    assert_int_equal(hb_toml_table_len(r), 3);
    assert_int_equal(get_int(r, "a"), 1);
    assert_int_equal(get_int(r, "b"), 2);
    assert_null(hb_toml_get(r, "c"));
    assert_string_equal(get_str(r, "d"), "# not a comment");
    hb_toml_free(r);
}

static void test_keys(void **state)
{
    (void)state;
    hb_toml_value *r = parse("bare_key-1 = 1\n"
                             "1234 = 2\n"
                             "\"quoted key\" = 3\n"
                             "\"esc\\tkey\\u00e9\" = 4\n"
                             "'literal \\n key' = 5\n"
                             "\"\" = 6\n"
                             "site.\"google.com\" = 7\n"
                             "a . b\t.  c = 8\n"
                             "3.14 = 9\n"
                             "a.b.d = 10\n");
    assert_int_equal(get_int(r, "bare_key-1"), 1);
    assert_int_equal(get_int(r, "1234"), 2);
    assert_int_equal(get_int(r, "quoted key"), 3);
    assert_int_equal(get_int(r, "esc\tkey\xC3\xA9"), 4);
    assert_int_equal(get_int(r, "literal \\n key"), 5);
    int64_t v;
    assert_int_equal(hb_toml_int(hb_toml_get(r, ""), &v), HB_OK);
    assert_int_equal(v, 6);
    const hb_toml_value *site = hb_toml_get(r, "site");
    assert_int_equal(hb_toml_int(hb_toml_get(site, "google.com"), &v), HB_OK);
    assert_int_equal(v, 7);
    assert_int_equal(get_int(r, "a.b.c"), 8);
    assert_int_equal(get_int(r, "a.b.d"), 10);
    assert_int_equal(get_int(r, "3.14"), 9); /* a dotted key: table "3", key "14" */
    assert_int_equal(hb_toml_type_of(hb_toml_get(r, "3")), HB_TOML_TABLE);
    hb_toml_free(r);
}

static void test_tables(void **state)
{
    (void)state;
    hb_toml_value *r = parse("top = true\n"        /* 1 */
                             "[server]\n"          /* 2 */
                             "port = 8086\n"       /* 3 */
                             "\n"                  /* 4 */
                             "[ dog . \"tater.man\" ]\n" /* 5 */
                             "type.name = \"pug\"\n"     /* 6 */
                             "[x.y.z]\n"           /* 7 */
                             "w = 1\n"             /* 8 */
                             "[x]  # define x after x.y.z\n" /* 9 */
                             "v = 2\n"             /* 10 */
                             "[fruit]\n"           /* 11 */
                             "apple.color = \"red\"\n" /* 12 */
                             "[fruit.apple.texture]\n" /* 13 */
                             "smooth = true\n"     /* 14 */
                             "['lit']\n"           /* 15 */
                             "[empty]\n");         /* 16 */
    assert_true(get_bool(r, "top"));
    assert_int_equal(get_int(r, "server.port"), 8086);
    assert_int_equal(hb_toml_line(hb_toml_get(r, "server")), 2);
    const hb_toml_value *tm = hb_toml_get(hb_toml_get(r, "dog"), "tater.man");
    assert_non_null(tm);
    assert_int_equal(hb_toml_line(tm), 5);
    assert_string_equal(get_str(tm, "type.name"), "pug");
    assert_int_equal(get_int(r, "x.y.z.w"), 1);
    assert_int_equal(get_int(r, "x.v"), 2);
    assert_int_equal(hb_toml_line(hb_toml_get(r, "x")), 9); /* defined by its own header */
    assert_string_equal(get_str(r, "fruit.apple.color"), "red");
    assert_true(get_bool(r, "fruit.apple.texture.smooth"));
    assert_int_equal(hb_toml_type_of(hb_toml_get(r, "lit")), HB_TOML_TABLE);
    assert_int_equal(hb_toml_table_len(hb_toml_get(r, "empty")), 0);
    /* iteration follows definition order */
    const char *order[] = { "top", "server", "dog", "x", "fruit", "lit", "empty" };
    assert_int_equal(hb_toml_table_len(r), 7);
    for (size_t i = 0; i < 7; i++) {
        size_t len = 0;
        assert_string_equal(hb_toml_table_key(r, i, &len), order[i]);
        assert_int_equal(len, strlen(order[i]));
        assert_ptr_equal(hb_toml_table_value(r, i), hb_toml_get(r, order[i]));
    }
    assert_null(hb_toml_table_key(r, 7, NULL));
    assert_null(hb_toml_table_value(r, 7));
    hb_toml_free(r);
}

static void test_array_of_tables(void **state)
{
    (void)state;
    hb_toml_value *r = parse("[[products]]\n"
                             "name = \"Hammer\"\n"
                             "[[products]]\n"
                             "[[products]]\n"
                             "name = \"Nail\"\n"
                             "[products.dims]\n"
                             "w = 3\n"
                             "[[products.parts]]\n"
                             "id = 1\n");
    const hb_toml_value *p = hb_toml_get(r, "products");
    assert_int_equal(hb_toml_type_of(p), HB_TOML_ARRAY);
    assert_int_equal(hb_toml_array_len(p), 3);
    assert_string_equal(get_str(hb_toml_array_at(p, 0), "name"), "Hammer");
    assert_int_equal(hb_toml_table_len(hb_toml_array_at(p, 1)), 0);
    assert_int_equal(hb_toml_line(hb_toml_array_at(p, 1)), 3);
    const hb_toml_value *last = hb_toml_array_at(p, 2);
    assert_string_equal(get_str(last, "name"), "Nail");
    assert_int_equal(get_int(last, "dims.w"), 3);
    assert_int_equal(hb_toml_array_len(hb_toml_get(last, "parts")), 1);
    assert_null(hb_toml_array_at(p, 3));
    hb_toml_free(r);
}

static void test_basic_strings(void **state)
{
    (void)state;
    hb_toml_value *r = parse("esc = \"b\\b t\\t n\\n f\\f r\\r q\\\" bs\\\\ end\"\n"
                             "u4 = \"\\u00E9\\u20AC\"\n"
                             "u8 = \"\\U0001F600\\U00000041\"\n"
                             "raw = \"caf\xC3\xA9 tab\there\"\n"
                             "nul = \"a\\u0000b\"\n"
                             "empty = \"\"\n");
    assert_string_equal(get_str(r, "esc"), "b\b t\t n\n f\f r\r q\" bs\\ end");
    assert_string_equal(get_str(r, "u4"), "\xC3\xA9\xE2\x82\xAC");
    assert_string_equal(get_str(r, "u8"), "\xF0\x9F\x98\x80" "A");
    assert_string_equal(get_str(r, "raw"), "caf\xC3\xA9 tab\there");
    size_t len = 0;
    const char *s = hb_toml_str(hb_toml_get(r, "nul"), &len);
    assert_int_equal(len, 3);
    assert_memory_equal(s, "a\0b", 3);
    assert_string_equal(get_str(r, "empty"), "");
    hb_toml_free(r);
}

static void test_literal_and_multiline_strings(void **state)
{
    (void)state;
    hb_toml_value *r = parse("lit = 'C:\\Users\\nodejs \"x\"'\n"
                             "ml = \"\"\"\nRoses\n  Violets\"\"\"\n"
                             "ml_crlf = \"\"\"\r\none\r\ntwo\"\"\"\n"
                             "cont = \"\"\"\\\n    The quick \\\n\n    brown \\   \n  fox.\"\"\"\n"
                             "q1 = \"\"\"a \"quoted\" \"\" b\"\"\"\n"
                             "q2 = \"\"\"\"\"five\"\"\"\"\"\n"
                             "q3 = \"\"\"x\"\"\"\"\n"
                             "esc = \"\"\"tab\\tu\\u0041\"\"\"\n"
                             "mll = '''\nfirst \\n\n  second'''\n"
                             "mll_q = ''''a' ''b'''''\n"
                             "one = \"\"\"one line\"\"\"\n"
                             "line = 99\n");
    assert_string_equal(get_str(r, "lit"), "C:\\Users\\nodejs \"x\"");
    assert_string_equal(get_str(r, "ml"), "Roses\n  Violets");
    assert_string_equal(get_str(r, "ml_crlf"), "one\ntwo");
    assert_string_equal(get_str(r, "cont"), "The quick brown fox.");
    assert_string_equal(get_str(r, "q1"), "a \"quoted\" \"\" b");
    assert_string_equal(get_str(r, "q2"), "\"\"five\"\"");
    assert_string_equal(get_str(r, "q3"), "x\"");
    assert_string_equal(get_str(r, "esc"), "tab\tuA");
    assert_string_equal(get_str(r, "mll"), "first \\n\n  second");
    assert_string_equal(get_str(r, "mll_q"), "'a' ''b''");
    assert_string_equal(get_str(r, "one"), "one line");
    /* line numbers keep counting through multi-line strings */
    assert_int_equal(hb_toml_line(hb_toml_get(r, "line")), 22);
    assert_int_equal(hb_toml_line(hb_toml_get(r, "cont")), 8);
    hb_toml_free(r);
}

static void test_integers(void **state)
{
    (void)state;
    hb_toml_value *r = parse("a = 99\nb = +17\nc = -17\nd = 0\ne = +0\nf = -0\n"
                             "g = 1_000_000\nh = 5_349_221\n"
                             "hex = 0xDEADbeef\nhex2 = 0xdead_beef\noct = 0o755\nbin = 0b1101_0110\n"
                             "max = 9223372036854775807\nmin = -9223372036854775808\n"
                             "hmax = 0x7FFFFFFFFFFFFFFF\nz = 0x0\n");
    assert_int_equal(get_int(r, "a"), 99);
    assert_int_equal(get_int(r, "b"), 17);
    assert_int_equal(get_int(r, "c"), -17);
    assert_int_equal(get_int(r, "d"), 0);
    assert_int_equal(get_int(r, "e"), 0);
    assert_int_equal(get_int(r, "f"), 0);
    assert_int_equal(get_int(r, "g"), 1000000);
    assert_int_equal(get_int(r, "h"), 5349221);
    assert_int_equal(get_int(r, "hex"), 0xDEADBEEF);
    assert_int_equal(get_int(r, "hex2"), 0xDEADBEEF);
    assert_int_equal(get_int(r, "oct"), 0755);
    assert_int_equal(get_int(r, "bin"), 0xD6);
    assert_true(get_int(r, "max") == INT64_MAX);
    assert_true(get_int(r, "min") == INT64_MIN);
    assert_true(get_int(r, "hmax") == INT64_MAX);
    assert_int_equal(get_int(r, "z"), 0);
    assert_int_equal(hb_toml_type_of(hb_toml_get(r, "a")), HB_TOML_INTEGER);
    hb_toml_free(r);
}

static void test_floats(void **state)
{
    (void)state;
    hb_toml_value *r = parse("a = 1.0\nb = 3.1415\nc = -0.01\nd = 5e+22\ne = 1e06\nf = -2E-2\n"
                             "g = 6.626e-34\nh = 224_617.445_991\ni = 1e1_0\nj = 0.5\nk = 0e0\n"
                             "pinf = inf\nplus = +inf\nninf = -inf\nnan1 = nan\nnan2 = +nan\nnan3 = -nan\n"
                             "nz = -0.0\ntiny = 1e-400\n");
    assert_true(get_float(r, "a") == 1.0);
    assert_true(get_float(r, "b") == 3.1415);
    assert_true(get_float(r, "c") == -0.01);
    assert_true(get_float(r, "d") == 5e22);
    assert_true(get_float(r, "e") == 1e6);
    assert_true(get_float(r, "f") == -0.02);
    assert_true(get_float(r, "g") == 6.626e-34);
    assert_true(get_float(r, "h") == 224617.445991);
    assert_true(get_float(r, "i") == 1e10);
    assert_true(get_float(r, "j") == 0.5);
    assert_true(get_float(r, "k") == 0.0);
    assert_true(isinf(get_float(r, "pinf")) && get_float(r, "pinf") > 0);
    assert_true(isinf(get_float(r, "plus")) && get_float(r, "plus") > 0);
    assert_true(isinf(get_float(r, "ninf")) && get_float(r, "ninf") < 0);
    assert_true(isnan(get_float(r, "nan1")));
    assert_true(isnan(get_float(r, "nan2")));
    assert_true(isnan(get_float(r, "nan3")));
    assert_true(get_float(r, "nz") == 0.0 && signbit(get_float(r, "nz")));
    assert_true(get_float(r, "tiny") == 0.0); /* underflow rounds to zero, not an error */
    assert_int_equal(hb_toml_type_of(hb_toml_get(r, "a")), HB_TOML_FLOAT);
    hb_toml_free(r);
}

static void test_booleans_and_accessors(void **state)
{
    (void)state;
    hb_toml_value *r = parse("t = true\nf = false\ni = 1\ns = 'x'\n");
    assert_int_equal(get_bool(r, "t"), 1);
    assert_int_equal(get_bool(r, "f"), 0);
    assert_int_equal(hb_toml_type_of(hb_toml_get(r, "t")), HB_TOML_BOOL);
    /* no conversions between types; out-params untouched on mismatch */
    int b = 42;
    int64_t i = 42;
    double d = 4.2;
    assert_int_equal(hb_toml_bool(hb_toml_get(r, "i"), &b), HB_EINVAL);
    assert_int_equal(b, 42);
    assert_int_equal(hb_toml_int(hb_toml_get(r, "t"), &i), HB_EINVAL);
    assert_int_equal(i, 42);
    assert_int_equal(hb_toml_float(hb_toml_get(r, "i"), &d), HB_EINVAL);
    assert_true(d == 4.2);
    assert_null(hb_toml_str(hb_toml_get(r, "i"), NULL));
    assert_int_equal(hb_toml_int(NULL, &i), HB_EINVAL);
    assert_int_equal(hb_toml_array_len(hb_toml_get(r, "s")), 0);
    assert_int_equal(hb_toml_table_len(hb_toml_get(r, "s")), 0);
    assert_null(hb_toml_get(hb_toml_get(r, "s"), "x"));
    assert_null(hb_toml_get_path(r, "s.x"));
    assert_null(hb_toml_get_path(r, "missing"));
    assert_string_equal(hb_toml_type_name(HB_TOML_STRING), "string");
    assert_string_equal(hb_toml_type_name(HB_TOML_INTEGER), "integer");
    assert_string_equal(hb_toml_type_name(HB_TOML_FLOAT), "float");
    assert_string_equal(hb_toml_type_name(HB_TOML_BOOL), "boolean");
    assert_string_equal(hb_toml_type_name(HB_TOML_ARRAY), "array");
    assert_string_equal(hb_toml_type_name(HB_TOML_TABLE), "table");
    hb_toml_free(r);
    hb_toml_free(NULL);
}

static void test_arrays(void **state)
{
    (void)state;
    hb_toml_value *r = parse("ints = [ 1, 2, 3 ]\n"
                             "empty = []\n"
                             "empty2 = [ \n ]\n"
                             "nested = [ [ 1, 2 ], [\"a\", 'b'], [ [ ] ] ]\n"
                             "mixed = [ 1, \"two\", 3.0, true, { x = 1 } ]\n"
                             "multi = [\n"
                             "  1, # one\n"
                             "  # a comment line\n"
                             "  2,\n"
                             "]\n"
                             "trail = [1,2,]\n"
                             "after = 7\n");
    const hb_toml_value *a = hb_toml_get(r, "ints");
    assert_int_equal(hb_toml_type_of(a), HB_TOML_ARRAY);
    assert_int_equal(hb_toml_array_len(a), 3);
    int64_t v;
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(hb_toml_int(hb_toml_array_at(a, i), &v), HB_OK);
        assert_int_equal(v, (int64_t)i + 1);
    }
    assert_null(hb_toml_array_at(a, 3));
    assert_int_equal(hb_toml_array_len(hb_toml_get(r, "empty")), 0);
    assert_int_equal(hb_toml_type_of(hb_toml_get(r, "empty2")), HB_TOML_ARRAY);
    assert_int_equal(hb_toml_array_len(hb_toml_get(r, "empty2")), 0);
    const hb_toml_value *n = hb_toml_get(r, "nested");
    assert_int_equal(hb_toml_array_len(n), 3);
    assert_int_equal(hb_toml_array_len(hb_toml_array_at(n, 0)), 2);
    assert_string_equal(hb_toml_str(hb_toml_array_at(hb_toml_array_at(n, 1), 1), NULL), "b");
    assert_int_equal(hb_toml_array_len(hb_toml_array_at(hb_toml_array_at(n, 2), 0)), 0);
    const hb_toml_value *m = hb_toml_get(r, "mixed");
    assert_int_equal(hb_toml_array_len(m), 5);
    assert_int_equal(hb_toml_type_of(hb_toml_array_at(m, 0)), HB_TOML_INTEGER);
    assert_int_equal(hb_toml_type_of(hb_toml_array_at(m, 1)), HB_TOML_STRING);
    assert_int_equal(hb_toml_type_of(hb_toml_array_at(m, 2)), HB_TOML_FLOAT);
    assert_int_equal(hb_toml_type_of(hb_toml_array_at(m, 3)), HB_TOML_BOOL);
    assert_int_equal(get_int(hb_toml_array_at(m, 4), "x"), 1);
    assert_int_equal(hb_toml_array_len(hb_toml_get(r, "multi")), 2);
    assert_int_equal(hb_toml_array_len(hb_toml_get(r, "trail")), 2);
    assert_int_equal(hb_toml_line(hb_toml_get(r, "after")), 13);
    hb_toml_free(r);
}

static void test_inline_tables(void **state)
{
    (void)state;
    hb_toml_value *r = parse("name = { first = \"Tom\", last = \"Preston-Werner\" }\n"
                             "point = {x=1,y=2}\n"
                             "empty = {}\n"
                             "nested = { a = { b = [1, {c = true}] }, d.e = 5, d.f = 6 }\n");
    assert_string_equal(get_str(r, "name.first"), "Tom");
    assert_string_equal(get_str(r, "name.last"), "Preston-Werner");
    assert_int_equal(get_int(r, "point.x"), 1);
    assert_int_equal(get_int(r, "point.y"), 2);
    assert_int_equal(hb_toml_type_of(hb_toml_get(r, "empty")), HB_TOML_TABLE);
    assert_int_equal(hb_toml_table_len(hb_toml_get(r, "empty")), 0);
    const hb_toml_value *b = hb_toml_get_path(r, "nested.a.b");
    assert_int_equal(hb_toml_array_len(b), 2);
    assert_true(get_bool(hb_toml_array_at(b, 1), "c"));
    assert_int_equal(get_int(r, "nested.d.e"), 5);
    assert_int_equal(get_int(r, "nested.d.f"), 6);
    hb_toml_free(r);
}

static void test_many_keys(void **state)
{
    /* tables past a few keys are hashed: every key must still be found, in order */
    (void)state;
    char *doc = malloc(64 * 1000);
    size_t o = 0;
    for (int i = 0; i < 1000; i++)
        o += (size_t)sprintf(doc + o, "k%d = %d\n", i, i * 3);
    hb_toml_value *r = parse_n(doc, o);
    assert_int_equal(hb_toml_table_len(r), 1000);
    char key[16];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        assert_int_equal(get_int(r, key), i * 3);
        assert_string_equal(hb_toml_table_key(r, (size_t)i, NULL), key);
    }
    assert_null(hb_toml_get(r, "k1000"));
    hb_toml_free(r);
    o += (size_t)sprintf(doc + o, "k777 = 1\n");
    expect_err_n(doc, o, "t.toml:1001: duplicate key \"k777\" (first defined on line 778)");
    free(doc);
}

/* ---- errors ---- */

typedef struct {
    const char *in;
    const char *msg;
} err_case;

static const err_case syntax_errors[] = {
    /* keys and '=' */
    { "port 8086", "t.toml:1: expected '=' after key \"port\", found '8'" },
    { "a = 1\n\nport\n", "t.toml:3: expected '=' after key \"port\", found end of line" },
    { "= 1", "t.toml:1: expected a key, found '='" },
    { "a. = 1", "t.toml:1: expected a key, found '='" },
    { "\xC3\xA9 = 1", "t.toml:1: expected a key, found byte 0xC3 (bare keys are A-Z a-z 0-9 _ -; quote other keys)" },
    { "\"\"\"k\"\"\" = 1", "t.toml:1: a multi-line string cannot be a key" },
    { "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.aa.bb.cc.dd.ee.ff.gg = 1",
      "t.toml:1: key has more than 32 dotted parts" },
    /* values */
    { "port =", "t.toml:1: expected a value for key \"port\", found end of file" },
    { "port =\nx = 1", "t.toml:1: expected a value for key \"port\", found end of line" },
    { "port = # none", "t.toml:1: expected a value for key \"port\", found a comment" },
    { "x = @", "t.toml:1: expected a value for key \"x\", found '@'" },
    { "name = value", "t.toml:1: bare word \"value\" is not a valid value for key \"name\" (strings need quotes)" },
    { "b = True", "t.toml:1: bare word \"True\" is not a valid value for key \"b\" (strings need quotes)" },
    { "b = truex", "t.toml:1: bare word \"truex\" is not a valid value for key \"b\" (strings need quotes)" },
    { "x = 1 2", "t.toml:1: expected end of line after the value of key \"x\", found '2'" },
    { "[s]\nx.y = 'a' 'b'", "t.toml:2: expected end of line after the value of key \"x.y\", found '''" },
    { "x = 1\r", "t.toml:1: expected end of line after the value of key \"x\", found a carriage return not followed by a newline" },
    { "d = 1979-05-27", "t.toml:1: dates and times are not supported (value of key \"d\")" },
    { "t = 07:32:00", "t.toml:1: dates and times are not supported (value of key \"t\")" },
    /* integers */
    { "x = 012", "t.toml:1: leading zeros are not allowed in 012" },
    { "x = -01", "t.toml:1: leading zeros are not allowed in -01" },
    { "x = 1__2", "t.toml:1: invalid number 1__2" },
    { "x = 1_", "t.toml:1: invalid number 1_" },
    { "x = _1", "t.toml:1: bare word \"_1\" is not a valid value for key \"x\" (strings need quotes)" },
    { "x = +", "t.toml:1: invalid number +" },
    { "x = 12abc", "t.toml:1: invalid number 12abc" },
    { "x = 0x", "t.toml:1: invalid number 0x" },
    { "x = 0xg1", "t.toml:1: invalid number 0xg1" },
    { "x = 0o8", "t.toml:1: invalid number 0o8" },
    { "x = 0b102", "t.toml:1: invalid number 0b102" },
    { "x = 0x_1", "t.toml:1: invalid number 0x_1" },
    { "x = 0X1", "t.toml:1: invalid number 0X1" },
    { "x = +0x1", "t.toml:1: a sign is not allowed on hexadecimal, octal or binary integer +0x1" },
    { "x = 9223372036854775808", "t.toml:1: integer 9223372036854775808 is out of range (64-bit signed)" },
    { "x = -9223372036854775809", "t.toml:1: integer -9223372036854775809 is out of range (64-bit signed)" },
    { "x = 0x8000000000000000", "t.toml:1: integer 0x8000000000000000 is out of range (64-bit signed)" },
    /* floats */
    { "x = 1.", "t.toml:1: invalid number 1." },
    { "x = .5", "t.toml:1: invalid number .5" },
    { "x = 1.e5", "t.toml:1: invalid number 1.e5" },
    { "x = 1e", "t.toml:1: invalid number 1e" },
    { "x = 1e+", "t.toml:1: invalid number 1e+" },
    { "x = 1_.5", "t.toml:1: invalid number 1_.5" },
    { "x = 1._5", "t.toml:1: invalid number 1._5" },
    { "x = 1.5_", "t.toml:1: invalid number 1.5_" },
    { "x = 1e_5", "t.toml:1: invalid number 1e_5" },
    { "x = 01.5", "t.toml:1: leading zeros are not allowed in 01.5" },
    { "x = 1.2.3", "t.toml:1: invalid number 1.2.3" },
    { "x = 1e999", "t.toml:1: float 1e999 is out of range" },
    { "x = infinity", "t.toml:1: bare word \"infinity\" is not a valid value for key \"x\" (strings need quotes)" },
    { "x = +in", "t.toml:1: invalid number +in" },
    /* strings */
    { "s = \"abc", "t.toml:1: unterminated string (missing closing \")" },
    { "s = \"abc\ndef\"", "t.toml:1: unterminated string (missing closing \" before the end of the line)" },
    { "s = 'abc", "t.toml:1: unterminated string (missing closing ')" },
    { "s = 'a\nb'", "t.toml:1: unterminated string (missing closing ' before the end of the line)" },
    { "a = 1\ns = \"\"\"abc\n\ndef", "t.toml:2: unterminated string (missing closing \"\"\")" },
    { "s = '''abc\n", "t.toml:1: unterminated string (missing closing ''')" },
    { "s = \"a\\qb\"", "t.toml:1: invalid escape sequence \\q in string" },
    { "s = \"a\\x41\"", "t.toml:1: invalid escape sequence \\x in string" },
    { "s = \"a\\ b\"", "t.toml:1: invalid escape sequence \\  in string" },
    { "s = \"\\u12\"", "t.toml:1: \\u escape needs 4 hex digits" },
    { "s = \"\\u12G4\"", "t.toml:1: \\u escape needs 4 hex digits" },
    { "s = \"\\U0001F60\"", "t.toml:1: \\U escape needs 8 hex digits" },
    { "s = \"\\uD800\"", "t.toml:1: \\uD800 is not a Unicode scalar value" },
    { "s = \"\\U00110000\"", "t.toml:1: \\U00110000 is not a Unicode scalar value" },
    { "s = \"a\x01\"", "t.toml:1: control character U+0001 must be escaped in a string" },
    { "s = 'a\x7f'", "t.toml:1: control character U+007F must be escaped in a string" },
    { "s = \"a\rb\"", "t.toml:1: control character U+000D must be escaped in a string" },
    { "s = \"\"\"\n\n\x1f\"\"\"", "t.toml:3: control character U+001F must be escaped in a string" },
    { "s = \"\"\"a\\   x\"\"\"", "t.toml:1: a backslash followed by spaces must end the line in a multi-line string" },
    { "s = \"\"\"a\"\"\"\"\"\"", "t.toml:1: too many quotes at the end of a multi-line string" },
    { "s = '''a''''''", "t.toml:1: too many quotes at the end of a multi-line string" },
    /* comments and encoding */
    { "# bad \x01 comment", "t.toml:1: control character U+0001 is not allowed in a comment" },
    { "a = 1\n\nb = 2 # \x7f", "t.toml:3: control character U+007F is not allowed in a comment" },
    { "a = 1\nx = \"\xff\"", "t.toml:2: invalid UTF-8 (byte 0xFF)" },
    { "x = \"\xc3\"", "t.toml:1: invalid UTF-8 (byte 0xC3)" },
    { "x = \"\xc0\xaf\"", "t.toml:1: invalid UTF-8 (byte 0xC0)" },         /* overlong */
    { "x = \"\xed\xa0\x80\"", "t.toml:1: invalid UTF-8 (byte 0xED)" },     /* surrogate */
    { "x = \"\xf4\x90\x80\x80\"", "t.toml:1: invalid UTF-8 (byte 0xF4)" }, /* > U+10FFFF */
    /* arrays */
    { "x = [1 2]", "t.toml:1: expected ',' or ']' in the array for key \"x\", found '2'" },
    { "x = [1,\n2\n\n", "t.toml:1: unterminated array (missing ']')" },
    { "x = [", "t.toml:1: unterminated array (missing ']')" },
    { "x = [,]", "t.toml:1: expected a value for key \"x\", found ','" },
    { "x = [1,,2]", "t.toml:1: expected a value for key \"x\", found ','" },
    { "x = [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
      "t.toml:1: arrays and inline tables nested deeper than 64" },
    /* inline tables */
    { "x = {a=1,}", "t.toml:1: trailing comma is not allowed in an inline table" },
    { "x = {a=1\n}", "t.toml:1: unterminated inline table (missing '}'; inline tables must fit on one line)" },
    { "x = {", "t.toml:1: expected a key, found end of file" },
    { "x = {a=1 b=2}", "t.toml:1: expected ',' or '}' in inline table, found 'b'" },
    { "x = {a=1, a=2}", "t.toml:1: duplicate key \"a\" (first defined on line 1)" },
    { "x = {a.b=1, a.b=2}", "t.toml:1: duplicate key \"a.b\" (first defined on line 1)" },
    { "a = {b=1}\na.c = 2", "t.toml:2: cannot set key \"a.c\": inline table \"a\" (line 1) is closed" },
    { "a = {b=1}\n[a.c]", "t.toml:2: header [a.c]: inline table \"a\" (line 1) is closed" },
    { "a = {}\n[a]", "t.toml:2: table [a] is already defined as an inline table on line 1" },
    /* duplicates and redefinitions */
    { "[server]\nport = 1\nport = 2", "t.toml:3: duplicate key \"port\" (first defined on line 2)" },
    { "a = 1\n\"a\" = 2", "t.toml:2: duplicate key \"a\" (first defined on line 1)" },
    { "a.b = 1\na.b = 2", "t.toml:2: duplicate key \"a.b\" (first defined on line 1)" },
    { "a = 1\na.b = 2", "t.toml:2: cannot set key \"a.b\": \"a\" is already defined on line 1 (integer), not a table" },
    { "[a]\n[a]", "t.toml:2: table [a] is defined twice (first on line 1)" },
    { "[a]\nb = 1\n[c]\n[ a ]", "t.toml:4: table [a] is defined twice (first on line 1)" },
    { "[a.b]\n[a]\n[a]", "t.toml:3: table [a] is defined twice (first on line 2)" },
    { "a = 1\n[a]", "t.toml:2: header [a]: \"a\" is already defined on line 1 (integer)" },
    { "a.b = 1\n[a]", "t.toml:2: table [a] is already defined by dotted keys on line 1" },
    { "a.b = 1\n[a.b]", "t.toml:2: header [a.b]: \"a.b\" is already defined on line 1 (integer)" },
    { "a = 's'\n[a.b]", "t.toml:2: header [a.b]: \"a\" is already defined on line 1 (string), not a table" },
    { "[a.b.c]\nz = 9\n[a]\nb.c.t = 1",
      "t.toml:4: cannot set key \"b.c.t\": table \"b\" is defined by a header (line 1); add the key there" },
    /* arrays of tables */
    { "a = [1]\n[[a]]", "t.toml:2: header [[a]]: \"a\" is already defined on line 1 (static array)" },
    { "[a]\n[[a]]", "t.toml:2: header [[a]]: \"a\" is already defined on line 1 (table)" },
    { "[[a]]\n[a]", "t.toml:2: header [a]: \"a\" is already defined on line 1 (array of tables)" },
    /* headers */
    { "[a\nb]", "t.toml:1: expected ']' to close the header [a, found end of line" },
    { "[a.b", "t.toml:1: expected ']' to close the header [a.b, found end of file" },
    { "[[a]", "t.toml:1: expected ']]' to close the header [[a, found ']'" },
    { "[]", "t.toml:1: expected a key, found ']'" },
    { "[a] x = 1", "t.toml:1: expected end of line after the header [a], found 'x'" },
    { "[[a]] # ok\n[b]]", "t.toml:2: expected end of line after the header [b], found ']'" },
};

static void test_syntax_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof syntax_errors / sizeof syntax_errors[0]; i++)
        expect_err(syntax_errors[i].in, syntax_errors[i].msg);
}

static void test_nul_byte(void **state)
{
    (void)state;
    expect_err_n("a = 1\nb\0 = 2", 12, "t.toml:2: NUL byte in document");
    expect_err_n("s = \"a\0\"", 8, "t.toml:1: NUL byte in document");
}

static void test_error_name_default(void **state)
{
    (void)state;
    hb_err e;
    hb_toml_value *r = NULL;
    assert_int_equal(hb_toml_parse("x =", 3, NULL, &r, &e), HB_EPARSE);
    assert_string_equal(e.msg, "<string>:1: expected a value for key \"x\", found end of file");
    assert_null(r);
}

/* ---- files ---- */

static char tmpdir[64];

static int setup_dir(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/hb_test_toml_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_dir(void **state)
{
    (void)state;
    char p[128];
    snprintf(p, sizeof p, "%s/a.toml", tmpdir);
    unlink(p);
    snprintf(p, sizeof p, "%s/big.toml", tmpdir);
    unlink(p);
    return rmdir(tmpdir);
}

static void write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void test_parse_file(void **state)
{
    (void)state;
    char path[128], want[256];
    hb_err e;
    hb_toml_value *r = NULL;
    snprintf(path, sizeof path, "%s/a.toml", tmpdir);
    const char *doc = "[server]\nport = 8087\n";
    write_file(path, doc, strlen(doc));
    assert_int_equal(hb_toml_parse_file(path, 0, &r, &e), HB_OK);
    assert_int_equal(get_int(r, "server.port"), 8087);
    hb_toml_free(r);

    /* errors carry the path */
    doc = "[server]\n\nport 8087\n";
    write_file(path, doc, strlen(doc));
    assert_int_equal(hb_toml_parse_file(path, 0, &r, &e), HB_EPARSE);
    snprintf(want, sizeof want, "%s:3: expected '=' after key \"port\", found '8'", path);
    assert_string_equal(e.msg, want);
    assert_null(r);

    /* a cap on the size */
    assert_int_equal(hb_toml_parse_file(path, 10, &r, &e), HB_ELIMIT);
    snprintf(want, sizeof want, "%s: file is larger than 10 bytes", path);
    assert_string_equal(e.msg, want);
    assert_int_equal(hb_toml_parse_file(path, strlen(doc), &r, &e), HB_EPARSE); /* exactly at the cap is fine */

    /* default cap: 1 MiB */
    size_t big = HB_TOML_MAX_FILE_BYTES + 1;
    char *data = malloc(big);
    memset(data, '#', big);
    data[0] = '\n';
    snprintf(path, sizeof path, "%s/big.toml", tmpdir);
    write_file(path, data, big);
    assert_int_equal(hb_toml_parse_file(path, 0, &r, &e), HB_ELIMIT);
    snprintf(want, sizeof want, "%s: file is larger than 1048576 bytes", path);
    assert_string_equal(e.msg, want);
    write_file(path, data, big - 1);
    assert_int_equal(hb_toml_parse_file(path, 0, &r, &e), HB_OK);
    assert_int_equal(hb_toml_table_len(r), 0);
    hb_toml_free(r);
    free(data);

    /* missing file, directory */
    snprintf(path, sizeof path, "%s/missing.toml", tmpdir);
    assert_int_equal(hb_toml_parse_file(path, 0, &r, &e), HB_EIO);
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", path);
    assert_string_equal(e.msg, want);
    assert_int_equal(hb_toml_parse_file(tmpdir, 0, &r, &e), HB_EIO);
    snprintf(want, sizeof want, "%s: cannot read: Is a directory", tmpdir);
    assert_string_equal(e.msg, want);
    assert_null(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_and_comments),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_array_of_tables),
        cmocka_unit_test(test_basic_strings),
        cmocka_unit_test(test_literal_and_multiline_strings),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_floats),
        cmocka_unit_test(test_booleans_and_accessors),
        cmocka_unit_test(test_arrays),
        cmocka_unit_test(test_inline_tables),
        cmocka_unit_test(test_many_keys),
        cmocka_unit_test(test_syntax_errors),
        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_error_name_default),
        cmocka_unit_test_setup_teardown(test_parse_file, setup_dir, teardown_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
