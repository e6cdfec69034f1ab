/* Thrift compact protocol: the wire format of Parquet's metadata (footer,
 * page headers). Only what Parquet needs: structs, lists, scalars, binary.
 * Written from apache/thrift doc/specs/thrift-compact-protocol.md.
 *
 * Wire summary (all varints are unsigned LEB128, "zz" = zigzag then varint):
 *   field header   short: byte ddddtttt, dddd = id delta 1..15 from the
 *                  previous field of the same struct, tttt = type;
 *                  long:  byte 0000tttt, then the field id as zz i16
 *   stop           byte 0x00 ends a struct
 *   bool field     no value: the type nibble is 1 (true) or 2 (false)
 *   bool element   one byte, 1 or 0 (list element type 2; 1 accepted)
 *   i8             one byte; i16/i32/i64: zz varint (max 3/5/10 bytes)
 *   double         8 bytes IEEE-754, little-endian
 *   binary/string  varint length, then bytes
 *   list/set       short: byte sssstttt (size 0..14); long: byte 1111tttt,
 *                  then the size as varint; then the elements
 *   map            varint size; if size > 0 a byte kkkkvvvv; then pairs
 *   uuid           16 bytes
 *
 * Writer: appends to an hb_buf; errors are sticky (first error kept,
 * further calls do nothing), check hb_tc_writer_status() at the end.
 * Reader: walks a byte range with a hard cap on input size, nesting depth
 * and list lengths; every length is checked against the bytes left before
 * anyone allocates for it. Unknown fields of any type can be skipped.
 * Errors are HB_ECORRUPT with "<what> at byte N: ..." where N is the
 * absolute offset (base + position), so a corrupt file names the place. */
#ifndef HB_FORMAT_THRIFT_COMPACT_H
#define HB_FORMAT_THRIFT_COMPACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"

/* Compact type ids (field header nibble; list element types use the same
 * numbers except that a bool element is HB_TC_BOOL_FALSE = 2). */
enum {
    HB_TC_STOP = 0,
    HB_TC_BOOL_TRUE = 1,
    HB_TC_BOOL_FALSE = 2,
    HB_TC_I8 = 3,
    HB_TC_I16 = 4,
    HB_TC_I32 = 5,
    HB_TC_I64 = 6,
    HB_TC_DOUBLE = 7,
    HB_TC_BINARY = 8,
    HB_TC_LIST = 9,
    HB_TC_SET = 10,
    HB_TC_MAP = 11,
    HB_TC_STRUCT = 12,
    HB_TC_UUID = 13,
};
/* Logical bool type, as returned by hb_tc_read_field for both bool nibbles
 * and used with hb_tc_list_begin for bool lists. */
#define HB_TC_BOOL HB_TC_BOOL_TRUE

#define HB_TC_MAX_DEPTH 64            /* hard limit of the nesting stack */
#define HB_TC_DEFAULT_MAX_DEPTH 32    /* Parquet needs < 10 */
#define HB_TC_DEFAULT_MAX_INPUT ((size_t)64 << 20)
#define HB_TC_DEFAULT_MAX_LIST ((size_t)1 << 24)

/* ---------------- writer ---------------- */

typedef struct hb_tc_writer {
    hb_buf *out;
    int rc;                              /* first error, sticky */
    int depth;                           /* open structs */
    int16_t last_fid[HB_TC_MAX_DEPTH];   /* previous field id per struct */
} hb_tc_writer;

void hb_tc_writer_init(hb_tc_writer *w, hb_buf *out);
/* 0 or the first error met (HB_ENOMEM, HB_ELIMIT from the buffer cap,
 * HB_EINVAL for misuse such as unbalanced structs or nesting > 64). */
int hb_tc_writer_status(const hb_tc_writer *w);

/* Open a struct (top level, as a field value after a STRUCT field header,
 * or as a list element). */
int hb_tc_struct_begin(hb_tc_writer *w);
/* Write the stop byte and close the struct. */
int hb_tc_struct_end(hb_tc_writer *w);
/* Field header for a non-bool field of the given compact type. Uses the
 * short form when 0 < fid - previous <= 15, else the long form. */
int hb_tc_field_begin(hb_tc_writer *w, int type, int16_t fid);
/* A complete bool field: the value lives in the header's type nibble. */
int hb_tc_field_bool(hb_tc_writer *w, int16_t fid, bool v);

/* Values: after a field header or as list elements. */
int hb_tc_write_i8(hb_tc_writer *w, int8_t v);
int hb_tc_write_i16(hb_tc_writer *w, int16_t v);
int hb_tc_write_i32(hb_tc_writer *w, int32_t v);
int hb_tc_write_i64(hb_tc_writer *w, int64_t v);
int hb_tc_write_double(hb_tc_writer *w, double v);
int hb_tc_write_binary(hb_tc_writer *w, const void *p, size_t n);
int hb_tc_write_string(hb_tc_writer *w, const char *s);  /* NUL-terminated */
int hb_tc_write_bool(hb_tc_writer *w, bool v);           /* list element only */
/* List header; elem_type is a compact type (HB_TC_BOOL for bools). The n
 * elements follow. n must be <= INT32_MAX. */
int hb_tc_list_begin(hb_tc_writer *w, int elem_type, size_t n);

/* Field shorthands: header + value. */
int hb_tc_field_i8(hb_tc_writer *w, int16_t fid, int8_t v);
int hb_tc_field_i16(hb_tc_writer *w, int16_t fid, int16_t v);
int hb_tc_field_i32(hb_tc_writer *w, int16_t fid, int32_t v);
int hb_tc_field_i64(hb_tc_writer *w, int16_t fid, int64_t v);
int hb_tc_field_double(hb_tc_writer *w, int16_t fid, double v);
int hb_tc_field_binary(hb_tc_writer *w, int16_t fid, const void *p, size_t n);
int hb_tc_field_string(hb_tc_writer *w, int16_t fid, const char *s);

/* ---------------- reader ---------------- */

typedef struct hb_tc_reader {
    const uint8_t *p;
    size_t len, pos;
    size_t base;            /* absolute offset of p[0], for messages */
    const char *what;       /* "parquet footer", "page header", ... */
    hb_err *err;
    int depth, max_depth;
    size_t max_list;        /* cap on list/map element counts */
    bool bool_pending;      /* last field header was a bool field */
    bool bool_val;
    int16_t last_fid[HB_TC_MAX_DEPTH];
} hb_tc_reader;

/* Prepare to read data[0..len). base is the absolute offset of data[0]
 * (used only in messages), what names the structure for messages; both
 * what and data must outlive the reader. Uses the default caps; fails
 * with HB_ELIMIT when len exceeds max_input (0 = HB_TC_DEFAULT_MAX_INPUT). */
int hb_tc_reader_init(hb_tc_reader *r, const void *data, size_t len, size_t base,
                      size_t max_input, const char *what, hb_err *err);
/* Bytes not yet consumed. */
static inline size_t hb_tc_remaining(const hb_tc_reader *r) { return r->len - r->pos; }
/* Absolute offset of the next byte. */
static inline size_t hb_tc_offset(const hb_tc_reader *r) { return r->base + r->pos; }
/* Fill r->err with HB_ECORRUPT and "<what> at byte <offset>: <message>". */
int hb_tc_corrupt(hb_tc_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Enter a struct (checks the depth cap). */
int hb_tc_read_struct_begin(hb_tc_reader *r);
/* Leave a struct after hb_tc_read_field returned HB_TC_STOP. */
int hb_tc_read_struct_end(hb_tc_reader *r);
/* Next field header: *type is HB_TC_STOP at the end of the struct, else a
 * compact type with both bool nibbles reported as HB_TC_BOOL (its value
 * is then read with hb_tc_read_bool). */
int hb_tc_read_field(hb_tc_reader *r, int *type, int16_t *fid);

int hb_tc_read_bool(hb_tc_reader *r, bool *v);   /* bool field or element */
int hb_tc_read_i8(hb_tc_reader *r, int8_t *v);
int hb_tc_read_i16(hb_tc_reader *r, int16_t *v);
int hb_tc_read_i32(hb_tc_reader *r, int32_t *v);
int hb_tc_read_i64(hb_tc_reader *r, int64_t *v);
int hb_tc_read_double(hb_tc_reader *r, double *v);
/* *p points into the reader's input (valid as long as the input is). */
int hb_tc_read_binary(hb_tc_reader *r, const uint8_t **p, size_t *n);
/* List or set header. *n is checked against max_list and against the bytes
 * left (each element takes at least one byte, a double 8, a uuid 16), so a
 * caller may allocate n elements. Bool elements report HB_TC_BOOL. */
int hb_tc_read_list_begin(hb_tc_reader *r, int *elem_type, size_t *n);
/* Skip one value of the given type (as returned by read_field or
 * read_list_begin), however deeply nested, within the depth cap. */
int hb_tc_skip(hb_tc_reader *r, int type);

#endif
