/* Parquet metadata structures (apache/parquet-format parquet.thrift) and
 * their Thrift compact encoding: the file footer (FileMetaData) and the
 * header in front of every page (PageHeader).
 *
 * Covered from parquet.thrift (field ids in brackets):
 *   FileMetaData   version[1] schema[2] num_rows[3] row_groups[4]
 *                  key_value_metadata[5] created_by[6] column_orders[7]
 *                  (ColumnOrder kept as its union member id)
 *   SchemaElement  type[1] type_length[2] repetition_type[3] name[4]
 *                  num_children[5] converted_type[6] scale[7] precision[8]
 *                  field_id[9] logicalType[10]
 *   LogicalType    STRING MAP LIST ENUM DECIMAL{scale,precision} DATE
 *                  TIME/TIMESTAMP{isAdjustedToUTC, unit} INTEGER{bitWidth,
 *                  isSigned} UNKNOWN JSON BSON UUID FLOAT16; any other member
 *                  is skipped on read and reported as its member id
 *   RowGroup       columns[1] total_byte_size[2] num_rows[3]
 *                  sorting_columns[4] file_offset[5] total_compressed_size[6]
 *                  ordinal[7]
 *   ColumnChunk    file_path[1] file_offset[2] meta_data[3]
 *                  offset_index_offset[4] offset_index_length[5]
 *                  column_index_offset[6] column_index_length[7]
 *   ColumnMetaData type[1] encodings[2] path_in_schema[3] codec[4]
 *                  num_values[5] total_uncompressed_size[6]
 *                  total_compressed_size[7] key_value_metadata[8]
 *                  data_page_offset[9] index_page_offset[10]
 *                  dictionary_page_offset[11] statistics[12]
 *                  bloom_filter_offset[14] bloom_filter_length[15]
 *   Statistics     max[1] min[2] null_count[3] distinct_count[4]
 *                  max_value[5] min_value[6] is_max_value_exact[7]
 *                  is_min_value_exact[8] nan_count[9]
 *   PageHeader     type[1] uncompressed_page_size[2] compressed_page_size[3]
 *                  crc[4] data_page_header[5] dictionary_page_header[7]
 *                  data_page_header_v2[8]
 *   DataPageHeader, DictionaryPageHeader, DataPageHeaderV2: every field
 *   SortingColumn, KeyValue: every field
 * Not covered (skipped on read, never written): ColumnMetaData
 * encoding_stats[13] size_statistics[16] geospatial_statistics[17],
 * ColumnChunk crypto_metadata[8] encrypted_column_metadata[9], FileMetaData
 * encryption_algorithm[8] footer_signing_key_metadata[9], SchemaElement
 * vector_length[11], PageHeader index_page_header[6], every page index
 * (ColumnIndex, OffsetIndex) and bloom filter structure, encrypted footers.
 * Unknown fields of any type are skipped, so files from newer writers read.
 *
 * Conventions: an optional scalar has a has_<name> flag; an optional
 * string or struct is a pointer, NULL when absent; an optional list has
 * count 0 when absent (an empty list is not written). A binary (hb_pq_bin)
 * is present when data != NULL, also with len 0. Strings are NUL-terminated
 * (a string with an embedded NUL reads as its prefix).
 *
 * Decoding copies everything it keeps into an hb_arena (the input may be
 * freed afterwards). Every count read from the input is checked against the
 * bytes left before anything is allocated; malformed input gives
 * HB_ECORRUPT naming the structure, the field and the absolute byte offset;
 * an arena cap reached gives HB_ELIMIT. */
#ifndef HB_FORMAT_PARQUET_META_H
#define HB_FORMAT_PARQUET_META_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/err.h"

/* ---- enums, with parquet.thrift's numeric values ---- */
enum hb_pq_type {
    HB_PQ_BOOLEAN = 0, HB_PQ_INT32 = 1, HB_PQ_INT64 = 2, HB_PQ_INT96 = 3,
    HB_PQ_FLOAT = 4, HB_PQ_DOUBLE = 5, HB_PQ_BYTE_ARRAY = 6, HB_PQ_FIXED_LEN_BYTE_ARRAY = 7,
};

enum hb_pq_converted_type {
    HB_PQ_CT_UTF8 = 0, HB_PQ_CT_MAP = 1, HB_PQ_CT_MAP_KEY_VALUE = 2, HB_PQ_CT_LIST = 3,
    HB_PQ_CT_ENUM = 4, HB_PQ_CT_DECIMAL = 5, HB_PQ_CT_DATE = 6, HB_PQ_CT_TIME_MILLIS = 7,
    HB_PQ_CT_TIME_MICROS = 8, HB_PQ_CT_TIMESTAMP_MILLIS = 9, HB_PQ_CT_TIMESTAMP_MICROS = 10,
    HB_PQ_CT_UINT_8 = 11, HB_PQ_CT_UINT_16 = 12, HB_PQ_CT_UINT_32 = 13, HB_PQ_CT_UINT_64 = 14,
    HB_PQ_CT_INT_8 = 15, HB_PQ_CT_INT_16 = 16, HB_PQ_CT_INT_32 = 17, HB_PQ_CT_INT_64 = 18,
    HB_PQ_CT_JSON = 19, HB_PQ_CT_BSON = 20, HB_PQ_CT_INTERVAL = 21,
};

enum hb_pq_repetition {
    HB_PQ_REQUIRED = 0, HB_PQ_OPTIONAL = 1, HB_PQ_REPEATED = 2, HB_PQ_VECTOR = 3,
};

enum hb_pq_encoding {
    HB_PQ_ENC_PLAIN = 0, HB_PQ_ENC_PLAIN_DICTIONARY = 2, HB_PQ_ENC_RLE = 3,
    HB_PQ_ENC_BIT_PACKED = 4, HB_PQ_ENC_DELTA_BINARY_PACKED = 5,
    HB_PQ_ENC_DELTA_LENGTH_BYTE_ARRAY = 6, HB_PQ_ENC_DELTA_BYTE_ARRAY = 7,
    HB_PQ_ENC_RLE_DICTIONARY = 8, HB_PQ_ENC_BYTE_STREAM_SPLIT = 9,
};

enum hb_pq_codec {
    HB_PQ_UNCOMPRESSED = 0, HB_PQ_SNAPPY = 1, HB_PQ_GZIP = 2, HB_PQ_LZO = 3,
    HB_PQ_BROTLI = 4, HB_PQ_LZ4 = 5, HB_PQ_ZSTD = 6, HB_PQ_LZ4_RAW = 7,
};

enum hb_pq_page_type {
    HB_PQ_DATA_PAGE = 0, HB_PQ_INDEX_PAGE = 1, HB_PQ_DICTIONARY_PAGE = 2, HB_PQ_DATA_PAGE_V2 = 3,
};

/* LogicalType union member ids. */
enum hb_pq_logical_kind {
    HB_PQ_LT_NONE = 0,   /* no logicalType field */
    HB_PQ_LT_STRING = 1, HB_PQ_LT_MAP = 2, HB_PQ_LT_LIST = 3, HB_PQ_LT_ENUM = 4,
    HB_PQ_LT_DECIMAL = 5, HB_PQ_LT_DATE = 6, HB_PQ_LT_TIME = 7, HB_PQ_LT_TIMESTAMP = 8,
    HB_PQ_LT_INTEGER = 10, HB_PQ_LT_UNKNOWN = 11, HB_PQ_LT_JSON = 12, HB_PQ_LT_BSON = 13,
    HB_PQ_LT_UUID = 14, HB_PQ_LT_FLOAT16 = 15,
    /* 16 VARIANT, 17 GEOMETRY, 18 GEOGRAPHY, 19 VECTOR ...: read as their id,
     * contents skipped; not writable. */
};

/* TimeUnit union member ids. */
enum hb_pq_time_unit { HB_PQ_MILLIS = 1, HB_PQ_MICROS = 2, HB_PQ_NANOS = 3 };

/* ColumnOrder union member ids. */
enum hb_pq_column_order {
    HB_PQ_ORDER_TYPE_DEFINED = 1, HB_PQ_ORDER_IEEE754_TOTAL = 2, HB_PQ_ORDER_INT96_TIMESTAMP = 3,
};

/* ---- structures ---- */
typedef struct hb_pq_bin {
    const uint8_t *data;   /* NULL = absent */
    size_t len;
} hb_pq_bin;

typedef struct hb_pq_key_value {
    const char *key;       /* required */
    const char *value;     /* NULL = absent */
} hb_pq_key_value;

typedef struct hb_pq_statistics {
    hb_pq_bin max, min;                  /* deprecated signed-order bounds */
    bool has_null_count, has_distinct_count, has_nan_count;
    int64_t null_count, distinct_count, nan_count;
    hb_pq_bin max_value, min_value;
    bool has_is_max_value_exact, is_max_value_exact;
    bool has_is_min_value_exact, is_min_value_exact;
} hb_pq_statistics;

typedef struct hb_pq_logical_type {
    int kind;                 /* hb_pq_logical_kind; 0 = absent */
    bool is_adjusted_to_utc;  /* TIME, TIMESTAMP */
    int unit;                 /* TIME, TIMESTAMP: hb_pq_time_unit */
    int8_t bit_width;         /* INTEGER: 8, 16, 32, 64 */
    bool is_signed;           /* INTEGER */
    int32_t scale, precision; /* DECIMAL */
} hb_pq_logical_type;

typedef struct hb_pq_schema_element {
    const char *name;                    /* required */
    bool has_type, has_type_length, has_repetition_type, has_num_children;
    bool has_converted_type, has_scale, has_precision, has_field_id;
    int32_t type;                        /* hb_pq_type */
    int32_t type_length;
    int32_t repetition_type;             /* hb_pq_repetition */
    int32_t num_children;
    int32_t converted_type;              /* hb_pq_converted_type */
    int32_t scale, precision, field_id;
    hb_pq_logical_type logical_type;     /* kind 0 = absent */
} hb_pq_schema_element;

typedef struct hb_pq_column_meta {
    int32_t type;                        /* hb_pq_type */
    int32_t *encodings;                  /* hb_pq_encoding */
    size_t n_encodings;
    const char **path_in_schema;
    size_t n_path;
    int32_t codec;                       /* hb_pq_codec */
    int64_t num_values, total_uncompressed_size, total_compressed_size;
    hb_pq_key_value *key_value_metadata;
    size_t n_key_value_metadata;
    int64_t data_page_offset;
    bool has_index_page_offset, has_dictionary_page_offset;
    bool has_bloom_filter_offset, has_bloom_filter_length;
    int64_t index_page_offset, dictionary_page_offset, bloom_filter_offset;
    int32_t bloom_filter_length;
    hb_pq_statistics *statistics;        /* NULL = absent */
} hb_pq_column_meta;

typedef struct hb_pq_column_chunk {
    const char *file_path;               /* NULL = absent (same file) */
    int64_t file_offset;                 /* required; write 0 */
    hb_pq_column_meta *meta_data;        /* NULL = absent (writers must set it) */
    bool has_offset_index_offset, has_offset_index_length;
    bool has_column_index_offset, has_column_index_length;
    int64_t offset_index_offset, column_index_offset;
    int32_t offset_index_length, column_index_length;
} hb_pq_column_chunk;

typedef struct hb_pq_sorting_column {
    int32_t column_idx;
    bool descending, nulls_first;
} hb_pq_sorting_column;

typedef struct hb_pq_row_group {
    hb_pq_column_chunk *columns;
    size_t n_columns;
    int64_t total_byte_size, num_rows;
    hb_pq_sorting_column *sorting_columns;
    size_t n_sorting_columns;            /* 0 = absent */
    bool has_file_offset, has_total_compressed_size, has_ordinal;
    int64_t file_offset, total_compressed_size;
    int16_t ordinal;
} hb_pq_row_group;

typedef struct hb_pq_file_meta {
    int32_t version;                     /* write 1 */
    hb_pq_schema_element *schema;        /* depth-first, root first */
    size_t n_schema;
    int64_t num_rows;
    hb_pq_row_group *row_groups;
    size_t n_row_groups;
    hb_pq_key_value *key_value_metadata;
    size_t n_key_value_metadata;         /* 0 = absent */
    const char *created_by;              /* NULL = absent */
    int32_t *column_orders;              /* hb_pq_column_order per leaf */
    size_t n_column_orders;              /* 0 = absent */
} hb_pq_file_meta;

typedef struct hb_pq_data_page_header {
    int32_t num_values, encoding, definition_level_encoding, repetition_level_encoding;
    hb_pq_statistics *statistics;        /* NULL = absent */
} hb_pq_data_page_header;

typedef struct hb_pq_dictionary_page_header {
    int32_t num_values, encoding;
    bool has_is_sorted, is_sorted;
} hb_pq_dictionary_page_header;

typedef struct hb_pq_data_page_header_v2 {
    int32_t num_values, num_nulls, num_rows, encoding;
    int32_t definition_levels_byte_length, repetition_levels_byte_length;
    bool has_is_compressed, is_compressed;  /* absent means compressed */
    hb_pq_statistics *statistics;        /* NULL = absent */
} hb_pq_data_page_header_v2;

typedef struct hb_pq_page_header {
    int32_t type;                        /* hb_pq_page_type */
    int32_t uncompressed_page_size, compressed_page_size;
    bool has_crc;
    int32_t crc;
    hb_pq_data_page_header *data_page_header;             /* NULL = absent */
    hb_pq_dictionary_page_header *dictionary_page_header; /* NULL = absent */
    hb_pq_data_page_header_v2 *data_page_header_v2;       /* NULL = absent */
} hb_pq_page_header;

/* ---- encoding (parquet_meta.c) ---- */

/* Append the compact encoding of m / h to out. HB_EINVAL (with a message)
 * for a structure that cannot be written: a NULL required string, a count
 * > INT32_MAX, an unwritable logical type; HB_ELIMIT/HB_ENOMEM from out. */
int hb_pq_file_meta_encode(hb_buf *out, const hb_pq_file_meta *m, hb_err *err);
int hb_pq_page_header_encode(hb_buf *out, const hb_pq_page_header *h, hb_err *err);

/* ---- decoding (parquet_meta_decode.c) ---- */

/* Decode a FileMetaData from data[0..len) (the footer without its length
 * and magic). base = file offset of data[0], for messages. Everything in
 * *out is allocated from arena and lives as long as it. Trailing bytes
 * after the struct are corrupt. */
int hb_pq_file_meta_decode(const void *data, size_t len, size_t base, hb_arena *arena,
                           hb_pq_file_meta *out, hb_err *err);

/* Decode the PageHeader at the start of data[0..len); *consumed = its size
 * (the page body follows). Allocates from arena like the above. */
int hb_pq_page_header_decode(const void *data, size_t len, size_t base, hb_arena *arena,
                             hb_pq_page_header *out, size_t *consumed, hb_err *err);

#endif
