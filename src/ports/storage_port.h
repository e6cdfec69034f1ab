/* StoragePort: the object store that holds Parquet files.
 *
 * Shaped like S3 so an S3 adapter can follow without touching services:
 * flat keys ("db/rp/cpu/2024-01-15/10.parquet", '/'-separated, no leading
 * '/', no "." or ".." segments), whole-object atomic publish (a reader sees
 * the old object, or none, or the complete new one: never a partial file),
 * ranged reads, prefix listing, delete. Adapters: local filesystem (temp
 * file, fsync, rename, fsync directory) and memory (tests, simulation).
 * Thread-safe. */
#ifndef HB_PORTS_STORAGE_PORT_H
#define HB_PORTS_STORAGE_PORT_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct hb_storage_writer hb_storage_writer;   /* adapter-private */
typedef struct hb_storage_obj hb_storage_obj;         /* adapter-private */

/* Called per object in key order; non-zero stops the listing and is returned. */
typedef int (*hb_storage_list_fn)(void *ctx, const char *key, uint64_t size);

typedef struct hb_storage_port {
    void *self;
    /* Publish data under key atomically, replacing any existing object. */
    int (*put)(void *self, const char *key, const void *data, size_t len, hb_err *err);
    /* Streamed publish for objects built piece by piece: nothing is visible
     * under key until commit succeeds; abort (or a crash) leaves no object. */
    int (*writer_open)(void *self, const char *key, hb_storage_writer **out, hb_err *err);
    int (*writer_write)(hb_storage_writer *w, const void *data, size_t len, hb_err *err);
    int (*writer_commit)(hb_storage_writer *w, hb_err *err);   /* frees w */
    void (*writer_abort)(hb_storage_writer *w);                /* frees w */
    /* Size of an object; HB_ENOTFOUND if absent. */
    int (*size)(void *self, const char *key, uint64_t *size, hb_err *err);
    /* Read len bytes at off into buf (short objects: HB_ECORRUPT naming key and range). */
    int (*read)(void *self, const char *key, uint64_t off, void *buf, size_t len, hb_err *err);
    /* Optional (NULL when the adapter has nothing cheaper than read): an
     * open object for many ranged reads without finding the key each time
     * (a local file stays open). It reads the object as it was when opened,
     * even if it is removed meanwhile; close_object frees it. */
    int (*open_object)(void *self, const char *key, hb_storage_obj **out, hb_err *err);
    int (*read_object)(hb_storage_obj *o, uint64_t off, void *buf, size_t len, hb_err *err);
    void (*close_object)(hb_storage_obj *o);
    /* Every object whose key starts with prefix, in key order. Objects
     * being written (not yet committed) are not listed. */
    int (*list)(void *self, const char *prefix, hb_storage_list_fn fn, void *ctx, hb_err *err);
    /* Remove an object; removing a missing one is not an error. */
    int (*remove)(void *self, const char *key, hb_err *err);
    /* Remove leftovers of interrupted writes (temp files); returns how many. */
    int (*clean_partial)(void *self, uint64_t *removed, hb_err *err);
    void (*close)(void *self);
} hb_storage_port;

/* HB_OK if key is a valid object key (see above), else HB_EINVAL with why. */
int hb_storage_key_check(const char *key, hb_err *err);

#endif
