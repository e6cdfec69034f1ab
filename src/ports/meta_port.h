/* MetaPort: the ordered key-value store under the metadata catalog.
 *
 * Keys and values are byte strings; keys are ordered bytewise. The catalog
 * (app/catalog.h) owns the key schema (seed §8: "db:{name}", "meas:{db}:{m}",
 * ...) and the JSON values; adapters only store bytes: RocksDB for the
 * server, memory for tests and simulation. Thread-safe. */
#ifndef HB_PORTS_META_PORT_H
#define HB_PORTS_META_PORT_H

#include <stddef.h>

#include "base/err.h"

typedef struct hb_meta_batch hb_meta_batch;   /* adapter-private */

/* Called for each key in a scan, in key order; non-zero stops the scan and is returned. */
typedef int (*hb_meta_scan_fn)(void *ctx, const char *key, size_t klen, const char *val, size_t vlen);

typedef struct hb_meta_port {
    void *self;
    /* *val is malloc'd and owned by the caller; HB_ENOTFOUND if absent. */
    int (*get)(void *self, const char *key, size_t klen, char **val, size_t *vlen, hb_err *err);
    /* Every key starting with prefix, in order. */
    int (*scan)(void *self, const char *prefix, size_t plen, hb_meta_scan_fn fn, void *ctx, hb_err *err);
    /* Batches apply atomically: all puts and deletes or none. */
    hb_meta_batch *(*batch_new)(void *self);
    int (*batch_put)(hb_meta_batch *b, const char *key, size_t klen, const char *val, size_t vlen);
    int (*batch_del)(hb_meta_batch *b, const char *key, size_t klen);
    /* Delete every key with this prefix (applied in key order with the rest of the batch). */
    int (*batch_del_prefix)(hb_meta_batch *b, const char *prefix, size_t plen);
    /* Apply and free the batch; durable (fsync'd) when sync is non-zero. */
    int (*batch_commit)(void *self, hb_meta_batch *b, int sync, hb_err *err);
    void (*batch_free)(hb_meta_batch *b);   /* discard without applying */
    void (*close)(void *self);
} hb_meta_port;

#endif
