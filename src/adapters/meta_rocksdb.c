/* MetaPort over RocksDB (C API, librocksdb 7.8).
 *
 * Layout: the directory holds one RocksDB database with the column families
 * "default" (unused, RocksDB requires it) and "metadata" (every key). Values
 * are the catalog's bytes (JSON), stored as given.
 *
 * Prefix delete: keys with prefix P are exactly the keys in [P, succ(P)),
 * where succ(P) is P with its last byte that is not 0xff incremented and the
 * bytes after it dropped. When P is empty or all 0xff it has no successor;
 * then the keys with prefix P are exactly the keys >= P, and since no key is
 * longer than HB_META_ROCKSDB_KEY_MAX, the end bound 0xff repeated
 * KEY_MAX + 1 times is above all of them. */
#include "adapters/meta_rocksdb.h"

#include <rocksdb/c.h>
#include <stdlib.h>
#include <string.h>

#define CF_NAME "metadata"

typedef struct rdb_store {
    rocksdb_t *db;
    rocksdb_options_t *opts;
    rocksdb_column_family_handle_t *cf_default;
    rocksdb_column_family_handle_t *cf;
    rocksdb_readoptions_t *ro;
    rocksdb_writeoptions_t *wo;       /* not synced */
    rocksdb_writeoptions_t *wo_sync;  /* fsync'd */
    char *dir;
} rdb_store;

struct hb_meta_batch {
    rdb_store *s;
    rocksdb_writebatch_t *wb;
    int failed;  /* an operation could not be recorded: commit refuses */
};

/* Length of succ(prefix) written into out (capacity plen), or 0 if none. */
static size_t prefix_successor(const char *prefix, size_t plen, char *out)
{
    size_t n = plen;
    while (n > 0 && (unsigned char)prefix[n - 1] == 0xff)
        n--;
    if (n == 0)
        return 0;
    memcpy(out, prefix, n);
    out[n - 1] = (char)((unsigned char)out[n - 1] + 1);
    return n;
}

static int rdb_get(void *self, const char *key, size_t klen, char **val, size_t *vlen, hb_err *err)
{
    rdb_store *s = self;
    char *e = NULL;
    size_t n = 0;
    char *v = rocksdb_get_cf(s->db, s->ro, s->cf, key, klen, &n, &e);
    if (e) {
        hb_err_set(err, HB_EIO, "metadata store %s: get '%.*s': %s", s->dir, (int)klen, key, e);
        rocksdb_free(e);
        return HB_EIO;
    }
    if (!v)
        return hb_err_set(err, HB_ENOTFOUND, "metadata key '%.*s' not found", (int)klen, key);
    char *copy = malloc(n + 1);
    if (!copy) {
        rocksdb_free(v);
        return hb_err_set(err, HB_ENOMEM, "out of memory reading metadata key '%.*s'", (int)klen, key);
    }
    if (n)
        memcpy(copy, v, n);
    copy[n] = '\0';
    rocksdb_free(v);
    *val = copy;
    *vlen = n;
    return HB_OK;
}

static int rdb_scan(void *self, const char *prefix, size_t plen, hb_meta_scan_fn fn, void *ctx, hb_err *err)
{
    rdb_store *s = self;
    int rc = HB_OK;
    char *upper = NULL;
    rocksdb_readoptions_t *ro = NULL;
    rocksdb_iterator_t *it = NULL;

    ro = rocksdb_readoptions_create();
    upper = malloc(plen ? plen : 1);
    if (!ro || !upper) {
        rc = hb_err_set(err, HB_ENOMEM, "out of memory scanning metadata prefix '%.*s'", (int)plen, prefix);
        goto out;
    }
    size_t ulen = prefix_successor(prefix, plen, upper);
    if (ulen)
        rocksdb_readoptions_set_iterate_upper_bound(ro, upper, ulen);
    it = rocksdb_create_iterator_cf(s->db, ro, s->cf);
    for (rocksdb_iter_seek(it, prefix, plen); rocksdb_iter_valid(it); rocksdb_iter_next(it)) {
        size_t klen, vlen;
        const char *k = rocksdb_iter_key(it, &klen);
        if (klen < plen || (plen && memcmp(k, prefix, plen) != 0))
            break;
        const char *v = rocksdb_iter_value(it, &vlen);
        int r = fn(ctx, k, klen, v, vlen);
        if (r) {
            rc = r;
            goto out;
        }
    }
    char *e = NULL;
    rocksdb_iter_get_error(it, &e);
    if (e) {
        rc = hb_err_set(err, HB_EIO, "metadata store %s: scan '%.*s': %s", s->dir, (int)plen, prefix, e);
        rocksdb_free(e);
    }
out:
    if (it)
        rocksdb_iter_destroy(it);
    if (ro)
        rocksdb_readoptions_destroy(ro);
    free(upper);
    return rc;
}

/* The batch is owned by the caller until batch_commit or batch_free. */
static hb_meta_batch *rdb_batch_new(void *self)
{
    hb_meta_batch *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->s = self;
    b->wb = rocksdb_writebatch_create();
    if (!b->wb) {
        free(b);
        return NULL;
    }
    return b;
}

static int rdb_batch_put(hb_meta_batch *b, const char *key, size_t klen, const char *val, size_t vlen)
{
    if (klen > HB_META_ROCKSDB_KEY_MAX) {
        b->failed = HB_ELIMIT;
        return HB_ELIMIT;
    }
    rocksdb_writebatch_put_cf(b->wb, b->s->cf, key, klen, val, vlen);
    return HB_OK;
}

static int rdb_batch_del(hb_meta_batch *b, const char *key, size_t klen)
{
    rocksdb_writebatch_delete_cf(b->wb, b->s->cf, key, klen);
    return HB_OK;
}

static int rdb_batch_del_prefix(hb_meta_batch *b, const char *prefix, size_t plen)
{
    size_t cap = plen > HB_META_ROCKSDB_KEY_MAX + 1 ? plen : HB_META_ROCKSDB_KEY_MAX + 1;
    char *end = malloc(cap);
    if (!end) {
        b->failed = HB_ENOMEM;
        return HB_ENOMEM;
    }
    size_t elen = prefix_successor(prefix, plen, end);
    if (elen == 0) {
        elen = HB_META_ROCKSDB_KEY_MAX + 1;
        memset(end, 0xff, elen);
    }
    rocksdb_writebatch_delete_range_cf(b->wb, b->s->cf, prefix, plen, end, elen);
    free(end);
    return HB_OK;
}

static void rdb_batch_free(hb_meta_batch *b)
{
    if (!b)
        return;
    rocksdb_writebatch_destroy(b->wb);
    free(b);
}

static int rdb_batch_commit(void *self, hb_meta_batch *b, int sync, hb_err *err)
{
    rdb_store *s = self;
    int rc = HB_OK;
    if (b->failed) {
        rc = hb_err_set(err, b->failed, "metadata store %s: batch incomplete: an operation failed (%s)", s->dir,
                        hb_strerror(b->failed));
        goto out;
    }
    char *e = NULL;
    rocksdb_write(s->db, sync ? s->wo_sync : s->wo, b->wb, &e);
    if (e) {
        rc = hb_err_set(err, HB_EIO, "metadata store %s: write: %s", s->dir, e);
        rocksdb_free(e);
    }
out:
    rdb_batch_free(b);
    return rc;
}

static void rdb_close(void *self)
{
    rdb_store *s = self;
    if (!s)
        return;
    if (s->cf)
        rocksdb_column_family_handle_destroy(s->cf);
    if (s->cf_default)
        rocksdb_column_family_handle_destroy(s->cf_default);
    if (s->db)
        rocksdb_close(s->db);
    if (s->ro)
        rocksdb_readoptions_destroy(s->ro);
    if (s->wo)
        rocksdb_writeoptions_destroy(s->wo);
    if (s->wo_sync)
        rocksdb_writeoptions_destroy(s->wo_sync);
    if (s->opts)
        rocksdb_options_destroy(s->opts);
    free(s->dir);
    free(s);
}

int hb_meta_rocksdb_open(const char *dir, hb_meta_port *out, hb_err *err)
{
    int rc = HB_OK;
    rdb_store *s = calloc(1, sizeof *s);
    if (!s)
        return hb_err_set(err, HB_ENOMEM, "out of memory opening metadata store %s", dir);
    s->dir = strdup(dir);
    s->opts = rocksdb_options_create();
    s->ro = rocksdb_readoptions_create();
    s->wo = rocksdb_writeoptions_create();
    s->wo_sync = rocksdb_writeoptions_create();
    if (!s->dir || !s->opts || !s->ro || !s->wo || !s->wo_sync) {
        rc = hb_err_set(err, HB_ENOMEM, "out of memory opening metadata store %s", dir);
        goto out;
    }
    rocksdb_options_set_create_if_missing(s->opts, 1);
    rocksdb_options_set_create_missing_column_families(s->opts, 1);
    rocksdb_options_set_info_log_level(s->opts, 2 /* WARN */);
    rocksdb_options_set_keep_log_file_num(s->opts, 2);
    /* metadata is small: RocksDB's default 64 MiB write buffer would also
     * preallocate a ~70 MiB log file on disk (the preallocation follows it) */
    rocksdb_options_set_write_buffer_size(s->opts, 4 << 20);
    rocksdb_writeoptions_set_sync(s->wo_sync, 1);

    const char *names[2] = { "default", CF_NAME };
    const rocksdb_options_t *cfopts[2] = { s->opts, s->opts };
    rocksdb_column_family_handle_t *handles[2] = { NULL, NULL };
    char *e = NULL;
    s->db = rocksdb_open_column_families(s->opts, dir, 2, names, cfopts, handles, &e);
    if (e) {
        rc = hb_err_set(err, HB_EIO, "metadata store %s: open: %s", dir, e);
        rocksdb_free(e);
        s->db = NULL;
        goto out;
    }
    s->cf_default = handles[0];
    s->cf = handles[1];

    memset(out, 0, sizeof *out);
    out->self = s;
    out->get = rdb_get;
    out->scan = rdb_scan;
    out->batch_new = rdb_batch_new;
    out->batch_put = rdb_batch_put;
    out->batch_del = rdb_batch_del;
    out->batch_del_prefix = rdb_batch_del_prefix;
    out->batch_commit = rdb_batch_commit;
    out->batch_free = rdb_batch_free;
    out->close = rdb_close;
out:
    if (rc)
        rdb_close(s);
    return rc;
}
