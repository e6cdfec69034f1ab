/* Go regexp syntax validation (RE2 syntax as parsed by Go 1.19's
 * regexp/syntax with Perl flags), reproducing its error codes and the
 * fragment of the pattern each error quotes.
 *
 * Only the parser's structure is simulated: a stack of operands and
 * pseudo-operators ('(' and '|') that knows, per operand, the height of its
 * parse tree and the product of nested {n,m} repeat counts (Go refuses a
 * repeat whose nested counts multiply beyond 1000). */
#include "domain/influxql/regex.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "domain/influxql/lexer.h"

enum { E_OPERAND, E_LITERAL, E_LPAREN, E_VBAR };

typedef struct ent {
    uint8_t kind;
    uint32_t w; /* max product of nested repeat counts */
    uint32_t h; /* parse tree height (for '(': 1 if capturing) */
} ent;

typedef struct rx {
    const char *s; /* whole pattern */
    size_t n;
    ent *st;
    size_t nst, cap;
    char *msg;
    size_t msglen;
    int oom;
    size_t no_posix_close; /* offset from which no ":]" follows */
} rx;

#define MAX_HEIGHT 1000

static int fail(rx *r, const char *code, const char *expr, size_t elen)
{
    if (r->msg && r->msglen)
        snprintf(r->msg, r->msglen, "error parsing regexp: %s: `%.*s`", code, (int)elen, expr);
    return HB_EPARSE;
}

static int push(rx *r, uint8_t kind, uint32_t w, uint32_t h)
{
    /* adjacent literals merge into one literal node, as Go's parser does */
    if (kind == E_LITERAL && r->nst && r->st[r->nst - 1].kind == E_LITERAL)
        return 0;
    if (r->nst == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 32;
        ent *ns = realloc(r->st, cap * sizeof *ns);
        if (!ns) {
            r->oom = 1;
            return HB_ENOMEM;
        }
        r->st = ns;
        r->cap = cap;
    }
    r->st[r->nst].kind = kind;
    r->st[r->nst].w = w;
    r->st[r->nst].h = h;
    r->nst++;
    if (h > MAX_HEIGHT)
        return fail(r, "expression nests too deeply", r->s, r->n);
    return 0;
}

static int is_pseudo(uint8_t k)
{
    return k == E_LPAREN || k == E_VBAR;
}

/* Height and weight of a concatenation of the operands above the last
 * pseudo-operator (popped); an empty sequence is an empty match. */
static void collapse_seq(rx *r, ent *out)
{
    uint32_t w = 1, h = 0;
    size_t items = 0;
    while (r->nst && !is_pseudo(r->st[r->nst - 1].kind)) {
        ent *e = &r->st[--r->nst];
        if (e->w > w)
            w = e->w;
        if (e->h > h)
            h = e->h;
        items++;
    }
    out->kind = E_OPERAND;
    out->w = w;
    out->h = items >= 2 ? h + 1 : (items ? h : 1);
}

/* Collapse everything above the last '(' (alternatives separated by bars)
 * into one operand. */
static void collapse(rx *r, ent *out)
{
    ent seq;
    collapse_seq(r, &seq);
    uint32_t w = seq.w, h = seq.h;
    int alts = 0;
    while (r->nst && r->st[r->nst - 1].kind == E_VBAR) {
        r->nst--;
        alts++;
        collapse_seq(r, &seq);
        if (seq.w > w)
            w = seq.w;
        if (seq.h > h)
            h = seq.h;
    }
    out->kind = E_OPERAND;
    out->w = w;
    out->h = alts ? h + 1 : h;
}

static int32_t next_rune(const char *s, size_t n, size_t *size)
{
    if (n == 0) {
        *size = 0;
        return 0xFFFD;
    }
    return hb_iql_utf8_decode((const unsigned char *)s, n, size);
}

static int isalnum_ascii(int32_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int unhex(int32_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Go's parseEscape at s (s[0] == '\\'): sets *val and returns the bytes
 * consumed, or 0 after reporting the error. */
static size_t parse_escape(rx *r, const char *s, size_t n, int32_t *val, int *rc)
{
    size_t i = 1, sz;
    if (i >= n) {
        *rc = fail(r, "trailing backslash at end of expression", "", 0);
        return 0;
    }
    int32_t c = next_rune(s + i, n - i, &sz);
    i += sz;
    switch (c) {
    case '1': case '2': case '3': case '4': case '5': case '6': case '7':
        if (i >= n || s[i] < '0' || s[i] > '7')
            break;
        /* fallthrough */
    case '0': {
        int32_t v = c - '0';
        for (int k = 1; k < 3; k++) {
            if (i >= n || s[i] < '0' || s[i] > '7')
                break;
            v = v * 8 + (s[i] - '0');
            i++;
        }
        *val = v;
        return i;
    }
    case 'x': {
        if (i >= n)
            break;
        c = next_rune(s + i, n - i, &sz);
        i += sz;
        if (c == '{') {
            int nhex = 0;
            int32_t v = 0;
            for (;;) {
                if (i >= n)
                    goto bad;
                c = next_rune(s + i, n - i, &sz);
                i += sz;
                if (c == '}')
                    break;
                int h = unhex(c);
                if (h < 0)
                    goto bad;
                v = v * 16 + h;
                if (v > 0x10FFFF)
                    goto bad;
                nhex++;
            }
            if (nhex == 0)
                goto bad;
            *val = v;
            return i;
        }
        int x = unhex(c);
        c = next_rune(s + i, n - i, &sz);
        i += sz;
        int y = unhex(c);
        if (x < 0 || y < 0)
            break;
        *val = x * 16 + y;
        return i;
    }
    case 'a': *val = '\a'; return i;
    case 'f': *val = '\f'; return i;
    case 'n': *val = '\n'; return i;
    case 'r': *val = '\r'; return i;
    case 't': *val = '\t'; return i;
    case 'v': *val = '\v'; return i;
    default:
        if (c < 0x80 && !isalnum_ascii(c)) {
            *val = c;
            return i;
        }
        break;
    }
bad:
    *rc = fail(r, "invalid escape sequence", s, i);
    return 0;
}

/* Unicode general categories and scripts known to Go 1.19 (Unicode 13). */
static const char *const unicode_names[] = {
    "Any", "C", "Cc", "Cf", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn",
    "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm",
    "So", "Z", "Zl", "Zp", "Zs",
    "Adlam", "Ahom", "Anatolian_Hieroglyphs", "Arabic", "Armenian", "Avestan", "Balinese",
    "Bamum", "Bassa_Vah", "Batak", "Bengali", "Bhaiksuki", "Bopomofo", "Brahmi", "Braille",
    "Buginese", "Buhid", "Canadian_Aboriginal", "Carian", "Caucasian_Albanian", "Chakma", "Cham",
    "Cherokee", "Chorasmian", "Common", "Coptic", "Cuneiform", "Cypriot", "Cyrillic", "Deseret",
    "Devanagari", "Dives_Akuru", "Dogra", "Duployan", "Egyptian_Hieroglyphs", "Elbasan",
    "Elymaic", "Ethiopic", "Georgian", "Glagolitic", "Gothic", "Grantha", "Greek", "Gujarati",
    "Gunjala_Gondi", "Gurmukhi", "Han", "Hangul", "Hanifi_Rohingya", "Hanunoo", "Hatran", "Hebrew",
    "Hiragana", "Imperial_Aramaic", "Inherited", "Inscriptional_Pahlavi",
    "Inscriptional_Parthian", "Javanese", "Kaithi", "Kannada", "Katakana", "Kayah_Li",
    "Kharoshthi", "Khitan_Small_Script", "Khmer", "Khojki", "Khudawadi", "Lao", "Latin", "Lepcha",
    "Limbu", "Linear_A", "Linear_B", "Lisu", "Lycian", "Lydian", "Mahajani", "Makasar",
    "Malayalam", "Mandaic", "Manichaean", "Marchen", "Masaram_Gondi", "Medefaidrin",
    "Meetei_Mayek", "Mende_Kikakui", "Meroitic_Cursive", "Meroitic_Hieroglyphs", "Miao", "Modi",
    "Mongolian", "Mro", "Multani", "Myanmar", "Nabataean", "Nandinagari", "New_Tai_Lue", "Newa",
    "Nko", "Nushu", "Nyiakeng_Puachue_Hmong", "Ogham", "Ol_Chiki", "Old_Hungarian", "Old_Italic",
    "Old_North_Arabian", "Old_Permic", "Old_Persian", "Old_Sogdian", "Old_South_Arabian",
    "Old_Turkic", "Oriya", "Osage", "Osmanya", "Pahawh_Hmong", "Palmyrene", "Pau_Cin_Hau",
    "Phags_Pa", "Phoenician", "Psalter_Pahlavi", "Rejang", "Runic", "Samaritan", "Saurashtra",
    "Sharada", "Shavian", "Siddham", "SignWriting", "Sinhala", "Sogdian", "Sora_Sompeng",
    "Soyombo", "Sundanese", "Syloti_Nagri", "Syriac", "Tagalog", "Tagbanwa", "Tai_Le", "Tai_Tham",
    "Tai_Viet", "Takri", "Tamil", "Tangut", "Telugu", "Thaana", "Thai", "Tibetan", "Tifinagh",
    "Tirhuta", "Ugaritic", "Vai", "Wancho", "Warang_Citi", "Yezidi", "Yi", "Zanabazar_Square",
};

static int unicode_name_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < sizeof unicode_names / sizeof unicode_names[0]; i++)
        if (strlen(unicode_names[i]) == n && memcmp(unicode_names[i], s, n) == 0)
            return 1;
    return 0;
}

/* \pX, \p{Name}, \P{^Name} at s. Returns bytes consumed; 0 if s does not
 * start one; sets *rc on error. */
static size_t unicode_class(rx *r, const char *s, size_t n, int *rc)
{
    if (n < 2 || s[0] != '\\' || (s[1] != 'p' && s[1] != 'P'))
        return 0;
    size_t sz;
    int32_t c = next_rune(s + 2, n - 2, &sz);
    size_t seq_len;
    const char *name;
    size_t name_len;
    if (c != '{') {
        seq_len = 2 + sz;
        name = s + 2;
        name_len = sz;
    } else {
        const char *end = memchr(s, '}', n);
        if (!end) {
            *rc = fail(r, "invalid character class range", s, n);
            return 0;
        }
        seq_len = (size_t)(end - s) + 1;
        name = s + 3;
        name_len = (size_t)(end - s) - 3;
    }
    if (name_len && name[0] == '^') {
        name++;
        name_len--;
    }
    if (!unicode_name_ok(name, name_len)) {
        *rc = fail(r, "invalid character class range", s, seq_len);
        return 0;
    }
    return seq_len;
}

static size_t perl_class(const char *s, size_t n)
{
    if (n >= 2 && s[0] == '\\' && strchr("dDsSwW", s[1]) && s[1])
        return 2;
    return 0;
}

static const char *const posix_names[] = {"alnum", "alpha", "ascii", "blank", "cntrl", "digit",
                                          "graph", "lower", "print", "punct", "space", "upper",
                                          "word",  "xdigit"};

/* [...] starting at s; returns bytes consumed or 0 with *rc set. */
static size_t char_class(rx *r, const char *s, size_t n, int *rc)
{
    size_t i = 1, sz;
    if (i < n && s[i] == '^')
        i++;
    int first = 1;
    while (i >= n || s[i] != ']' || first) {
        first = 0;
        if (n - i > 2 && s[i] == '[' && s[i + 1] == ':' &&
            (size_t)(s - r->s) + i + 2 < r->no_posix_close) {
            const char *end = NULL;
            for (size_t k = i + 2; k + 1 < n; k++)
                if (s[k] == ':' && s[k + 1] == ']') {
                    end = s + k;
                    break;
                }
            if (!end) /* no ":]" from here on: never search this tail again */
                r->no_posix_close = (size_t)(s - r->s) + i + 2;
            if (end) {
                size_t nlen = (size_t)(end - (s + i)) + 2; /* "[:name:]" */
                const char *nm = s + i + 2;
                size_t nml = nlen - 4;
                if (nml && nm[0] == '^') {
                    nm++;
                    nml--;
                }
                int ok = 0;
                for (size_t k = 0; k < sizeof posix_names / sizeof posix_names[0]; k++)
                    if (strlen(posix_names[k]) == nml && memcmp(posix_names[k], nm, nml) == 0)
                        ok = 1;
                if (!ok) {
                    *rc = fail(r, "invalid character class range", s + i, nlen);
                    return 0;
                }
                i += nlen;
                continue;
            }
        }
        size_t u = unicode_class(r, s + i, n - i, rc);
        if (*rc)
            return 0;
        if (u) {
            i += u;
            continue;
        }
        size_t pc = perl_class(s + i, n - i);
        if (pc) {
            i += pc;
            continue;
        }
        size_t rng = i;
        int32_t lo, hi;
        if (i >= n) {
            *rc = fail(r, "missing closing ]", s, n);
            return 0;
        }
        if (s[i] == '\\') {
            size_t e = parse_escape(r, s + i, n - i, &lo, rc);
            if (!e)
                return 0;
            i += e;
        } else {
            lo = next_rune(s + i, n - i, &sz);
            i += sz;
        }
        hi = lo;
        if (n - i >= 2 && s[i] == '-' && s[i + 1] != ']') {
            i++;
            if (s[i] == '\\') {
                size_t e = parse_escape(r, s + i, n - i, &hi, rc);
                if (!e)
                    return 0;
                i += e;
            } else {
                hi = next_rune(s + i, n - i, &sz);
                i += sz;
            }
            if (hi < lo) {
                *rc = fail(r, "invalid character class range", s + rng, i - rng);
                return 0;
            }
        }
    }
    return i + 1;
}

/* (?flags) (?flags:...) (?P<name>...) at s; returns bytes consumed, sets
 * *group to 1 when a group was opened. */
static size_t perl_flags(rx *r, const char *s, size_t n, int *group, int *rc)
{
    *group = 0;
    if (n > 4 && s[2] == 'P' && s[3] == '<') {
        const char *end = memchr(s, '>', n);
        if (!end) {
            *rc = fail(r, "invalid named capture", s, n);
            return 0;
        }
        size_t cap_len = (size_t)(end - s) + 1;
        size_t name_len = cap_len - 5;
        int ok = name_len > 0;
        for (size_t k = 0; k < name_len; k++)
            if (!(isalnum_ascii((unsigned char)s[4 + k]) || s[4 + k] == '_'))
                ok = 0;
        if (!ok) {
            *rc = fail(r, "invalid named capture", s, cap_len);
            return 0;
        }
        *group = 1;
        return cap_len;
    }
    size_t i = 2, sz;
    int sign = 1, saw = 0;
    while (i < n) {
        int32_t c = next_rune(s + i, n - i, &sz);
        i += sz;
        switch (c) {
        case 'i': case 'm': case 's': case 'U':
            saw = 1;
            continue;
        case '-':
            if (sign < 0)
                goto bad;
            sign = -1;
            saw = 0;
            continue;
        case ':':
        case ')':
            if (sign < 0 && !saw)
                goto bad;
            *group = c == ':';
            return i;
        default:
            goto bad;
        }
    }
bad:
    *rc = fail(r, "invalid or unsupported Perl syntax", s, i);
    return 0;
}

/* {min}, {min,}, {min,max} at s: returns length or 0 if not a repeat. */
static size_t parse_repeat(const char *s, size_t n, int *min, int *max)
{
    size_t i = 1;
    int *dst = min;
    for (int part = 0; part < 2; part++) {
        if (i >= n || s[i] < '0' || s[i] > '9')
            return 0;
        if (n - i >= 2 && s[i] == '0' && s[i + 1] >= '0' && s[i + 1] <= '9')
            return 0;
        int v = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            if (v >= 100000000)
                v = -1;
            else if (v >= 0)
                v = v * 10 + (s[i] - '0');
            i++;
        }
        *dst = v;
        if (part == 0) {
            if (i >= n)
                return 0;
            if (s[i] != ',') {
                *max = *min;
                break;
            }
            i++;
            if (i >= n)
                return 0;
            if (s[i] == '}') {
                *max = -1;
                break;
            }
            dst = max;
        } else if (v < 0) {
            *min = -1;
        }
    }
    if (i >= n || s[i] != '}')
        return 0;
    return i + 1;
}

static int check(rx *r)
{
    const char *s = r->s;
    size_t n = r->n, i = 0, sz;
    size_t last_rep = (size_t)-1; /* start of the previous repeat operator */
    int rc = 0;
    while (i < n) {
        size_t rep = (size_t)-1;
        char c = s[i];
        switch (c) {
        case '(':
            if (n - i >= 2 && s[i + 1] == '?') {
                int group;
                size_t k = perl_flags(r, s + i, n - i, &group, &rc);
                if (!k)
                    return rc;
                if (group && (rc = push(r, E_LPAREN, 1, k > 3 && s[i + 2] == 'P')))
                    return rc;
                i += k;
                break;
            }
            if ((rc = push(r, E_LPAREN, 1, 1)))
                return rc;
            i++;
            break;
        case '|': {
            ent e;
            collapse_seq(r, &e);
            /* keep the alternative as an operand below a bar */
            if ((rc = push(r, E_OPERAND, e.w, e.h)) || (rc = push(r, E_VBAR, 1, 0)))
                return rc;
            i++;
            break;
        }
        case ')': {
            ent e;
            collapse(r, &e);
            if (r->nst == 0)
                return fail(r, "unexpected )", s, n);
            int capture = r->st[--r->nst].h; /* the '(': h marks a capturing group */
            if ((rc = push(r, E_OPERAND, e.w, e.h + (capture ? 1 : 0))))
                return rc;
            i++;
            break;
        }
        case '[': {
            size_t k = char_class(r, s + i, n - i, &rc);
            if (!k)
                return rc;
            if ((rc = push(r, E_OPERAND, 1, 1)))
                return rc;
            i += k;
            break;
        }
        case '*':
        case '+':
        case '?':
        case '{': {
            int min = 0, max = 0, is_rep = c == '{';
            size_t k = 1;
            if (is_rep) {
                k = parse_repeat(s + i, n - i, &min, &max);
                if (!k) {
                    if ((rc = push(r, E_LITERAL, 1, 1)))
                        return rc;
                    i++;
                    break;
                }
                if (min < 0 || min > 1000 || max > 1000 || (max >= 0 && min > max))
                    return fail(r, "invalid repeat count", s + i, k);
            }
            size_t after = i + k;
            if (after < n && s[after] == '?')
                after++;
            if (last_rep != (size_t)-1)
                return fail(r, "invalid nested repetition operator", s + last_rep, after - last_rep);
            if (r->nst == 0 || is_pseudo(r->st[r->nst - 1].kind))
                return fail(r, "missing argument to repetition operator", s + i, after - i);
            ent *top = &r->st[r->nst - 1];
            top->kind = E_OPERAND;
            if (is_rep) {
                int m = max < 0 ? min : max;
                uint64_t w = m == 0 ? 1 : (uint64_t)m * top->w;
                top->w = w > 1000000 ? 1000000 : (uint32_t)w;
            }
            top->h++;
            if (top->h > MAX_HEIGHT)
                return fail(r, "expression nests too deeply", s, n);
            if (is_rep && (min >= 2 || max >= 2) && top->w > 1000)
                return fail(r, "invalid repeat count", s + i, after - i);
            rep = i;
            i = after;
            break;
        }
        case '\\': {
            if (n - i >= 2) {
                char e = s[i + 1];
                if (e == 'A' || e == 'b' || e == 'B' || e == 'z') {
                    if ((rc = push(r, E_OPERAND, 1, 1)))
                        return rc;
                    i += 2;
                    break;
                }
                if (e == 'C')
                    return fail(r, "invalid escape sequence", s + i, 2);
                if (e == 'Q') {
                    const char *end = NULL;
                    for (size_t k = i + 2; k + 1 < n; k++)
                        if (s[k] == '\\' && s[k + 1] == 'E') {
                            end = s + k;
                            break;
                        }
                    size_t lit_end = end ? (size_t)(end - s) : n;
                    if (lit_end > i + 2 && (rc = push(r, E_LITERAL, 1, 1)))
                        return rc;
                    i = end ? lit_end + 2 : n;
                    break;
                }
            }
            size_t k = unicode_class(r, s + i, n - i, &rc);
            if (rc)
                return rc;
            if (!k)
                k = perl_class(s + i, n - i);
            if (k) {
                if ((rc = push(r, E_OPERAND, 1, 1)))
                    return rc;
                i += k;
                break;
            }
            int32_t v;
            k = parse_escape(r, s + i, n - i, &v, &rc);
            if (!k)
                return rc;
            if ((rc = push(r, E_LITERAL, 1, 1)))
                return rc;
            i += k;
            break;
        }
        case '^':
        case '$':
        case '.':
            if ((rc = push(r, E_OPERAND, 1, 1)))
                return rc;
            i++;
            break;
        default:
            next_rune(s + i, n - i, &sz);
            if ((rc = push(r, E_LITERAL, 1, 1)))
                return rc;
            i += sz ? sz : 1;
            break;
        }
        last_rep = rep;
    }
    ent e;
    collapse(r, &e);
    if (r->nst != 0)
        return fail(r, "missing closing )", s, n);
    return 0;
}

int hb_iql_regex_check(const char *pattern, size_t n, char *msg, size_t msglen)
{
    rx r = {.s = pattern, .n = n, .msg = msg, .msglen = msglen, .no_posix_close = (size_t)-1};
    int rc = check(&r);
    free(r.st);
    if (r.oom) {
        if (msg && msglen)
            snprintf(msg, msglen, "out of memory");
        return HB_ENOMEM;
    }
    return rc;
}

pcre2_code *hb_iql_regex_compile(const char *pattern, size_t n, char *msg, size_t msglen)
{
    int ec;
    PCRE2_SIZE off;
    uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DOLLAR_ENDONLY;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)pattern, n, opts, &ec, &off, NULL);
    if (!code)   /* a pattern that is not valid UTF-8 itself: bytewise */
        code = pcre2_compile((PCRE2_SPTR)pattern, n, PCRE2_DOLLAR_ENDONLY, &ec, &off, NULL);
    if (!code) {
        PCRE2_UCHAR text[256];
        pcre2_get_error_message(ec, text, sizeof text);
        snprintf(msg, msglen, "%s", (const char *)text);
        return NULL;
    }
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
    return code;
}
