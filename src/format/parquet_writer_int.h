/* Internals shared by parquet_writer.c (API, row buffering, footer) and
 * parquet_writer_page.c (column chunks and pages). Not a public header. */
#ifndef HB_FORMAT_PARQUET_WRITER_INT_H
#define HB_FORMAT_PARQUET_WRITER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/buf.h"
#include "format/parquet_enc.h"
#include "format/parquet_meta.h"
#include "format/parquet_writer.h"

/* One column: definition, the current row group's buffered values, and the
 * encoder state reused from row group to row group. */
typedef struct hb_pqw_col {
    const char *name;        /* arena copy */
    const char **path;       /* path_in_schema: { name } */
    hb_pq_role role;
    hb_ftype type;
    int32_t ptype;           /* hb_pq_type */
    hb_pq_order order;
    bool optional;

    /* buffered row group: def[r] 0/1 per row (optional columns), vals the
     * non-null values densely: 8 bytes (INT64/DOUBLE), 1 byte (BOOLEAN), or a
     * uint32 dictionary index (strings, first dict_vals values); string
     * values after the dictionary filled up are PLAIN-encoded in plain. */
    uint8_t *def;
    void *vals;
    size_t cap;              /* rows def/vals hold */
    size_t nvals;            /* non-null values buffered */
    hb_pq_dict_bytes dict;
    bool fallback;           /* dictionary full: values from dict_vals on are in plain */
    size_t dict_vals;
    hb_buf plain;
    bool has_last;           /* last dictionary index added (run reuse) */
    uint32_t last_idx;

    /* page encoding scratch */
    hb_pq_stats pstats, cstats;  /* page, column chunk */
    uint32_t *seen;          /* per dictionary entry: page number that already folded it */
    size_t seen_cap;
} hb_pqw_col;

struct hb_pq_writer {
    hb_storage_port *st;
    hb_storage_writer *sw;
    char *key;               /* heap copy, for messages */
    hb_pq_writer_opts opts;  /* strings point into arena */
    hb_arena arena;          /* names, footer metadata of written row groups */
    hb_pqw_col *cols;
    size_t ncols;
    bool failed;

    size_t rg_rows;          /* rows buffered in the current row group */
    uint64_t rows;           /* rows appended in all */
    int64_t min_time, max_time;

    hb_pq_row_group *rgs;    /* written row groups (heap array, contents in arena) */
    size_t nrgs, rgs_cap;
    int renamed_fields;      /* a field column has another name on disk (hyperbytedb.fields) */
    hb_pq_sorting_column *sorting;
    size_t nsorting;

    uint64_t pos;            /* file offset of the next byte written */
    hb_buf out;              /* bytes not yet handed to the storage writer */
    hb_buf body, zbody, hdr; /* page scratch */
    void *zctx;              /* ZSTD_CCtx */
    uint32_t page_no;        /* pages written (stamps for hb_pqw_col.seen) */
};

/* Append bytes to the file (buffered; passed to the storage writer in MiB pieces). */
int hb_pqw_out(hb_pq_writer *w, const void *p, size_t n, hb_err *err);
int hb_pqw_out_flush(hb_pq_writer *w, hb_err *err);

/* Write column c's chunk of the current row group (rows rows) and fill *cc
 * (metadata allocated from w->arena). */
int hb_pqw_write_chunk(hb_pq_writer *w, hb_pqw_col *c, size_t rows, hb_pq_column_chunk *cc, hb_err *err);

#endif
