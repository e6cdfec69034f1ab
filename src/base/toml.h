/* A small TOML 1.0 parser: text in, a tree of typed values out.
 *
 * Supported: comments; bare, quoted and dotted keys; [tables],
 * [dotted.tables] and [[arrays.of.tables]]; basic strings with escapes,
 * literal strings, multi-line """ and ''' strings; integers (decimal with
 * '_' separators, sign, 0x/0o/0b); floats (fraction, exponent, inf, nan);
 * booleans; arrays (nested, multi-line, trailing comma); inline tables.
 * Not supported: dates and times (a clear error says so).
 *
 * Every error is HB_EPARSE with "NAME:LINE: what went wrong", e.g.
 * `config.toml:12: expected '=' after key "port"`.
 *
 * The document is a table (HB_TOML_TABLE). Tables keep their keys in the
 * order they were first defined, so callers can iterate and report unknown
 * keys in file order. The tree is read-only for callers and owned by the
 * root: hb_toml_free(root) releases every value, key and string in it. */
#ifndef HB_BASE_TOML_H
#define HB_BASE_TOML_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* Default cap for hb_toml_parse_file: configuration files are small. */
#define HB_TOML_MAX_FILE_BYTES (1024u * 1024u)

typedef enum {
    HB_TOML_STRING = 1,
    HB_TOML_INTEGER,
    HB_TOML_FLOAT,
    HB_TOML_BOOL,
    HB_TOML_ARRAY,
    HB_TOML_TABLE,
} hb_toml_type;

typedef struct hb_toml_value hb_toml_value;

/* Parse len bytes of text. name (e.g. the file name; NULL = "<string>") is
 * the prefix of error messages. On success *out is a new table the caller
 * owns and frees with hb_toml_free; on error *out is NULL. */
int hb_toml_parse(const char *text, size_t len, const char *name, hb_toml_value **out, hb_err *err);

/* Read the file at path (at most max_bytes; 0 = HB_TOML_MAX_FILE_BYTES) and
 * parse it; messages are prefixed with path. Errors: HB_EIO (cannot read),
 * HB_ELIMIT (file too large), HB_EPARSE, HB_ENOMEM. *out as hb_toml_parse. */
int hb_toml_parse_file(const char *path, size_t max_bytes, hb_toml_value **out, hb_err *err);

/* Free a tree returned by a parse function (NULL is fine). Only roots may be
 * freed: values reached through lookups belong to their root. */
void hb_toml_free(hb_toml_value *root);

/* v must not be NULL (for these two). */
hb_toml_type hb_toml_type_of(const hb_toml_value *v);
/* Static name for messages: "string", "integer", "float", "boolean",
 * "array", "table". */
const char *hb_toml_type_name(hb_toml_type t);
/* 1-based line where the value starts (for a table: its header, or the
 * first key that created it; the root is line 0). */
int hb_toml_line(const hb_toml_value *v);

/* Scalar accessors. Each returns 0, or HB_EINVAL (leaving *out alone) when v
 * is NULL or of another type; no conversions between types. */
int hb_toml_int(const hb_toml_value *v, int64_t *out);
int hb_toml_float(const hb_toml_value *v, double *out);
int hb_toml_bool(const hb_toml_value *v, int *out);
/* String contents, NUL-terminated, owned by the tree (valid until
 * hb_toml_free of its root). *len (if len is non-NULL) gets the length,
 * which can exceed strlen() if the text used \u0000. NULL if not a string. */
const char *hb_toml_str(const hb_toml_value *v, size_t *len);

/* Arrays: length (0 for a non-array) and element i (NULL if out of range),
 * owned by the tree. */
size_t hb_toml_array_len(const hb_toml_value *v);
const hb_toml_value *hb_toml_array_at(const hb_toml_value *v, size_t i);

/* Tables: number of keys (0 for a non-table), then key and value number i
 * in definition order. Both owned by the tree; NULL if out of range. The
 * key is NUL-terminated; *len (if non-NULL) gets its length. */
size_t hb_toml_table_len(const hb_toml_value *t);
const char *hb_toml_table_key(const hb_toml_value *t, size_t i, size_t *len);
const hb_toml_value *hb_toml_table_value(const hb_toml_value *t, size_t i);

/* Value of key in table t (one key, not split on dots), owned by the tree,
 * or NULL if t is not a table or has no such key. */
const hb_toml_value *hb_toml_get(const hb_toml_value *t, const char *key);

/* Follow a dotted path of bare keys from t ("server.port"); NULL if any
 * part is missing or not a table. Owned by the tree. */
const hb_toml_value *hb_toml_get_path(const hb_toml_value *t, const char *path);

#endif
