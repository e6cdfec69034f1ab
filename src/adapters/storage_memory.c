#include "adapters/storage_memory.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/hashmap.h"

typedef struct object {
    char *data;
    size_t len;
} object;

typedef struct mem {
    pthread_mutex_t lock;
    hb_strmap objects;   /* key -> object * */
} mem;

struct hb_storage_writer {
    mem *st;
    char *key;
    hb_buf data;
};

static void object_free(object *o)
{
    if (o) {
        free(o->data);
        free(o);
    }
}

/* Takes ownership of data. */
static int publish(mem *st, const char *key, char *data, size_t len, hb_err *err)
{
    object *o = malloc(sizeof *o);
    if (!o) {
        free(data);
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    }
    o->data = data;
    o->len = len;
    pthread_mutex_lock(&st->lock);
    object *old = hb_strmap_get(&st->objects, key, strlen(key));
    int rc = hb_strmap_put(&st->objects, key, strlen(key), o);
    pthread_mutex_unlock(&st->lock);
    if (rc) {
        object_free(o);
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    }
    object_free(old);
    return HB_OK;
}

static int mem_writer_open(void *self, const char *key, hb_storage_writer **out, hb_err *err)
{
    int rc = hb_storage_key_check(key, err);
    if (rc)
        return rc;
    hb_storage_writer *w = calloc(1, sizeof *w);
    if (!w || !(w->key = strdup(key))) {
        free(w);
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    }
    w->st = self;
    hb_buf_init(&w->data, 0);
    *out = w;
    return HB_OK;
}

static int mem_writer_write(hb_storage_writer *w, const void *data, size_t len, hb_err *err)
{
    if (hb_buf_append(&w->data, data, len))
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    return HB_OK;
}

static void mem_writer_abort(hb_storage_writer *w)
{
    hb_buf_free(&w->data);
    free(w->key);
    free(w);
}

static int mem_writer_commit(hb_storage_writer *w, hb_err *err)
{
    size_t len;
    char *data = hb_buf_take(&w->data, &len);
    if (!data && !(data = malloc(1))) {
        mem_writer_abort(w);
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    }
    int rc = publish(w->st, w->key, data, len, err);
    mem_writer_abort(w);
    return rc;
}

static int mem_put(void *self, const char *key, const void *data, size_t len, hb_err *err)
{
    int rc = hb_storage_key_check(key, err);
    if (rc)
        return rc;
    char *copy = malloc(len ? len : 1);
    if (!copy)
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    if (len)
        memcpy(copy, data, len);
    return publish(self, key, copy, len, err);
}

static int mem_size(void *self, const char *key, uint64_t *size, hb_err *err)
{
    mem *st = self;
    pthread_mutex_lock(&st->lock);
    object *o = hb_strmap_get(&st->objects, key, strlen(key));
    if (o)
        *size = o->len;
    pthread_mutex_unlock(&st->lock);
    return o ? HB_OK : hb_err_set(err, HB_ENOTFOUND, "storage: %s: No such file or directory", key);
}

static int mem_read(void *self, const char *key, uint64_t off, void *buf, size_t len, hb_err *err)
{
    mem *st = self;
    int rc = HB_OK;
    pthread_mutex_lock(&st->lock);
    object *o = hb_strmap_get(&st->objects, key, strlen(key));
    if (!o)
        rc = hb_err_set(err, HB_ENOTFOUND, "storage: cannot open %s: No such file or directory", key);
    else if (off > o->len || len > o->len - off)
        rc = hb_err_set(err, HB_ECORRUPT, "storage: %s ends before byte %llu (wanted %zu bytes at %llu)", key,
                        (unsigned long long)o->len, len, (unsigned long long)off);
    else
        memcpy(buf, o->data + off, len);
    pthread_mutex_unlock(&st->lock);
    return rc;
}

typedef struct entry {
    char *key;
    uint64_t size;
} entry;

static int cmp_entry(const void *a, const void *b) { return strcmp(((const entry *)a)->key, ((const entry *)b)->key); }

static int mem_list(void *self, const char *prefix, hb_storage_list_fn fn, void *ctx, hb_err *err)
{
    mem *st = self;
    size_t pl = prefix ? strlen(prefix) : 0;
    pthread_mutex_lock(&st->lock);
    entry *v = malloc((st->objects.count + 1) * sizeof *v);
    size_t n = 0;
    int rc = v ? HB_OK : HB_ENOMEM;
    for (size_t i = 0; v && i < st->objects.cap; i++) {
        hb_strmap_slot *s = &st->objects.slots[i];
        if (!hb_strmap_live(s) || strncmp(s->key, prefix ? prefix : "", pl) != 0)
            continue;
        if (!(v[n].key = strdup(s->key))) {
            rc = HB_ENOMEM;
            break;
        }
        v[n++].size = ((object *)s->val)->len;
    }
    pthread_mutex_unlock(&st->lock);
    if (rc)
        hb_err_set(err, rc, "out of memory listing storage");
    else {
        /* the callback runs unlocked, so it may use the store */
        qsort(v, n, sizeof *v, cmp_entry);
        for (size_t i = 0; i < n && !rc; i++)
            rc = fn(ctx, v[i].key, v[i].size);
    }
    for (size_t i = 0; i < n; i++)
        free(v[i].key);
    free(v);
    return rc;
}

static int mem_remove(void *self, const char *key, hb_err *err)
{
    mem *st = self;
    pthread_mutex_lock(&st->lock);
    object *o = hb_strmap_del(&st->objects, key, strlen(key));
    pthread_mutex_unlock(&st->lock);
    object_free(o);
    return HB_OK;
}

/* Uncommitted writers hold their bytes privately: nothing is ever partial. */
static int mem_clean_partial(void *self, uint64_t *removed, hb_err *err)
{
    *removed = 0;
    return HB_OK;
}

static void mem_close(void *self)
{
    mem *st = self;
    for (size_t i = 0; i < st->objects.cap; i++)
        if (hb_strmap_live(&st->objects.slots[i]))
            object_free(st->objects.slots[i].val);
    hb_strmap_free(&st->objects);
    pthread_mutex_destroy(&st->lock);
    free(st);
}

int hb_storage_memory_open(hb_storage_port *out, hb_err *err)
{
    mem *st = calloc(1, sizeof *st);
    if (!st)
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    pthread_mutex_init(&st->lock, NULL);
    hb_strmap_init(&st->objects);
    *out = (hb_storage_port){
        .self = st,
        .put = mem_put,
        .writer_open = mem_writer_open,
        .writer_write = mem_writer_write,
        .writer_commit = mem_writer_commit,
        .writer_abort = mem_writer_abort,
        .size = mem_size,
        .read = mem_read,
        .list = mem_list,
        .remove = mem_remove,
        .clean_partial = mem_clean_partial,
        .close = mem_close,
    };
    return HB_OK;
}
