/* Private to parquet_reader*.c: the reader's layout. */
#ifndef HB_FORMAT_PARQUET_READER_INTERNAL_H
#define HB_FORMAT_PARQUET_READER_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "format/parquet_reader.h"

typedef struct hb_pq_colinfo {
    const hb_pq_schema_element *el;
    int32_t phys;          /* hb_pq_type */
    int max_def;           /* 0 REQUIRED, 1 OPTIONAL */
    int is_unsigned;       /* INT32/INT64 read as unsigned */
    int64_t ts_mul;        /* TIMESTAMP MILLIS/MICROS -> ns factor; 1 otherwise */
} hb_pq_colinfo;

struct hb_pq_reader {
    atomic_int refs;
    hb_arena arena;            /* everything below */
    hb_storage_port *st;
    char *key;
    uint64_t size;
    hb_pq_file_meta meta;
    size_t ncols;
    hb_pq_coldef *cols;
    hb_pq_colinfo *info;
    int time_col;
    uint64_t *chunk_off, *chunk_len;   /* [rg * ncols + col], validated */
    hb_storage_obj *obj;               /* the open object, NULL when the port offers none */
    pthread_mutex_t aux_mu;            /* guards building aux */
    void *aux;                         /* hb_pq_reader_aux's data, NULL until built */
    void (*aux_free)(void *);
};

/* len bytes at off of the reader's file (through its open object if any). */
int hb_pq_reader_pread(const hb_pq_reader *r, uint64_t off, void *buf, size_t len, hb_err *err);

/* Page codecs (parquet_reader_codec.c): decompress src[0..n) into exactly
 * out_len bytes at out. 0, HB_ECORRUPT (message without context) or HB_EUNSUPP. */
int hb_pq_snappy_decompress(const uint8_t *src, size_t n, uint8_t *out, size_t out_len, hb_err *err);
int hb_pq_gzip_decompress(const uint8_t *src, size_t n, uint8_t *out, size_t out_len, hb_err *err);

#endif
