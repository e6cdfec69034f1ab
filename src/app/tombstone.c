/* Tombstones (see tombstone.h for the semantics and the key and value
 * layout). In memory: an array by id, guarded by a mutex; each tombstone is
 * immutable once created and reference-counted so that views and scan
 * masks outlive its removal. */
#include "app/tombstone.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/meta_key.h"
#include "base/buf.h"
#include "base/log.h"

#define PREFIX "tomb:"
#define NEXT_KEY "tomb_next_id"
#define MAGIC "HBT1"
#define ALL_SERIES 0xffffffffu
#define HDR_LEN (4 + 8 + 8 + 8 + 4)

struct hb_tombs {
    hb_meta_port *kv;
    pthread_mutex_t lock;
    hb_tomb **v;               /* by id */
    size_t n, cap;
    uint64_t next_id;
};

static hb_tomb *tomb_ref(hb_tomb *tb)
{
    __atomic_add_fetch(&tb->refs, 1, __ATOMIC_RELAXED);
    return tb;
}

static void tomb_unref(hb_tomb *tb)
{
    if (!tb || __atomic_sub_fetch(&tb->refs, 1, __ATOMIC_ACQ_REL))
        return;
    hb_strmap_free(&tb->keys);
    free(tb->db);
    free(tb->meas);
    free(tb);
}

/* Owned by the caller (one reference). */
static hb_tomb *tomb_new(const char *db, size_t dblen, const char *meas, size_t mlen)
{
    hb_tomb *tb = calloc(1, sizeof *tb);
    if (!tb)
        return NULL;
    tb->refs = 1;
    hb_strmap_init(&tb->keys);
    tb->db = strndup(db, dblen);
    tb->meas = strndup(meas, mlen);
    if (!tb->db || !tb->meas) {
        tomb_unref(tb);
        return NULL;
    }
    return tb;
}

static int tomb_add_key(hb_tomb *tb, const char *k, size_t n)
{
    if (hb_strmap_get(&tb->keys, k, n))
        return HB_OK;
    if (hb_strmap_put(&tb->keys, k, n, (void *)1))
        return HB_ENOMEM;
    tb->nkeys++;
    return HB_OK;
}

static int key_of(hb_buf *b, const char *db, const char *meas, uint64_t id)
{
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)id);
    hb_buf_reset(b);
    if (hb_buf_puts(b, PREFIX) || hb_meta_key_put(b, db, strlen(db)) || hb_buf_putc(b, ':') ||
        hb_meta_key_put(b, meas, strlen(meas)) || hb_buf_putc(b, ':') || hb_buf_puts(b, hex))
        return HB_ENOMEM;
    return HB_OK;
}

static void put_u64(hb_buf *b, uint64_t v, int *bad)
{
    uint8_t x[8];
    for (int i = 0; i < 8; i++)
        x[i] = (uint8_t)(v >> (8 * i));
    *bad |= hb_buf_append(b, x, 8) != 0;
}

static void put_u32(hb_buf *b, uint32_t v, int *bad)
{
    uint8_t x[4];
    for (int i = 0; i < 4; i++)
        x[i] = (uint8_t)(v >> (8 * i));
    *bad |= hb_buf_append(b, x, 4) != 0;
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int value_of(hb_buf *b, const hb_tomb *tb, char *const *keys, size_t nkeys)
{
    int bad = 0;
    hb_buf_reset(b);
    bad |= hb_buf_append(b, MAGIC, 4) != 0;
    put_u64(b, tb->seq, &bad);
    put_u64(b, (uint64_t)tb->tmin, &bad);
    put_u64(b, (uint64_t)tb->tmax, &bad);
    put_u32(b, tb->all ? ALL_SERIES : (uint32_t)nkeys, &bad);
    for (size_t i = 0; !tb->all && i < nkeys; i++) {
        size_t n = strlen(keys[i]);
        put_u32(b, (uint32_t)n, &bad);
        bad |= hb_buf_append(b, keys[i], n) != 0;
    }
    return bad ? HB_ENOMEM : HB_OK;
}

/* Insert into the id-ordered array. Caller holds the lock. */
static int set_insert(hb_tombs *t, hb_tomb *tb)
{
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 8;
        hb_tomb **nv = realloc(t->v, nc * sizeof *nv);
        if (!nv)
            return HB_ENOMEM;
        t->v = nv;
        t->cap = nc;
    }
    size_t i = t->n;
    while (i > 0 && t->v[i - 1]->id > tb->id) {
        t->v[i] = t->v[i - 1];
        i--;
    }
    t->v[i] = tb;
    t->n++;
    return HB_OK;
}

typedef struct load_ctx {
    hb_tombs *t;
    hb_err *err;
} load_ctx;

static int load_one(void *ctx, const char *key, size_t klen, const char *val, size_t vlen)
{
    load_ctx *l = ctx;
    const char *p = key + strlen(PREFIX), *end = key + klen;
    hb_buf db, meas;
    hb_buf_init(&db, 0);
    hb_buf_init(&meas, 0);
    hb_tomb *tb = NULL;
    int rc = HB_OK;
    const uint8_t *v = (const uint8_t *)val, *ve = v + vlen;
    if (hb_meta_key_take(&p, end, &db) || hb_meta_key_take(&p, end, &meas) || end - p != 16 || vlen < HDR_LEN ||
        memcmp(v, MAGIC, 4)) {
        rc = hb_err_set(l->err, HB_ECORRUPT, "metadata: bad tombstone entry %.*s", (int)klen, key);
        goto out;
    }
    char hex[17];
    memcpy(hex, p, 16);
    hex[16] = '\0';
    if (!(tb = tomb_new(db.data ? (const char *)db.data : "", db.len, meas.data ? (const char *)meas.data : "",
                        meas.len))) {
        rc = hb_err_set(l->err, HB_ENOMEM, "out of memory loading tombstones");
        goto out;
    }
    tb->id = strtoull(hex, NULL, 16);
    tb->seq = get_u64(v + 4);
    tb->tmin = (int64_t)get_u64(v + 12);
    tb->tmax = (int64_t)get_u64(v + 20);
    uint32_t ns = get_u32(v + 28);
    v += HDR_LEN;
    tb->all = ns == ALL_SERIES;
    for (uint32_t i = 0; !tb->all && i < ns; i++) {
        if (ve - v < 4 || (size_t)(ve - v - 4) < get_u32(v)) {
            rc = hb_err_set(l->err, HB_ECORRUPT, "metadata: truncated tombstone %.*s", (int)klen, key);
            goto out;
        }
        uint32_t n = get_u32(v);
        if (tomb_add_key(tb, (const char *)v + 4, n)) {
            rc = hb_err_set(l->err, HB_ENOMEM, "out of memory loading tombstones");
            goto out;
        }
        v += 4 + n;
    }
    if (set_insert(l->t, tb)) {
        rc = hb_err_set(l->err, HB_ENOMEM, "out of memory loading tombstones");
        goto out;
    }
    if (tb->id >= l->t->next_id)
        l->t->next_id = tb->id + 1;
    tb = NULL;
out:
    tomb_unref(tb);
    hb_buf_free(&db);
    hb_buf_free(&meas);
    return rc;
}

int hb_tombs_open(hb_meta_port *kv, hb_tombs **out, hb_err *err)
{
    hb_tombs *t = calloc(1, sizeof *t);
    if (!t)
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    t->kv = kv;
    t->next_id = 1;
    pthread_mutex_init(&t->lock, NULL);
    char *val = NULL;
    size_t vlen = 0;
    hb_err e2;
    if (kv->get(kv->self, NEXT_KEY, strlen(NEXT_KEY), &val, &vlen, &e2) == HB_OK) {
        char tmp[32];
        size_t n = vlen < sizeof tmp - 1 ? vlen : sizeof tmp - 1;
        memcpy(tmp, val, n);
        tmp[n] = '\0';
        uint64_t id = strtoull(tmp, NULL, 10);
        if (id > t->next_id)
            t->next_id = id;
    }
    free(val);
    load_ctx l = { t, err };
    int rc = kv->scan(kv->self, PREFIX, strlen(PREFIX), load_one, &l, err);
    if (rc) {
        hb_tombs_close(t);
        return rc;
    }
    *out = t;
    return HB_OK;
}

void hb_tombs_close(hb_tombs *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        tomb_unref(t->v[i]);
    free(t->v);
    pthread_mutex_destroy(&t->lock);
    free(t);
}

int hb_tombs_add(hb_tombs *t, const char *db, const char *meas, int64_t tmin, int64_t tmax, uint64_t seq,
                 char *const *keys, size_t nkeys, hb_meta_batch *extra, uint64_t *id_out, hb_err *err)
{
    hb_buf key, val;
    hb_buf_init(&key, 0);
    hb_buf_init(&val, 0);
    hb_meta_batch *b = extra;
    int rc = HB_OK;
    hb_tomb *tb = tomb_new(db, strlen(db), meas, strlen(meas));
    if (!tb)
        goto nomem;
    tb->seq = seq;
    tb->tmin = tmin;
    tb->tmax = tmax;
    tb->all = keys == NULL;
    for (size_t i = 0; !tb->all && i < nkeys; i++)
        if (tomb_add_key(tb, keys[i], strlen(keys[i])))
            goto nomem;
    pthread_mutex_lock(&t->lock);
    tb->id = t->next_id;
    char idtxt[32];
    int il = snprintf(idtxt, sizeof idtxt, "%llu", (unsigned long long)(tb->id + 1));
    if (!b)
        b = t->kv->batch_new(t->kv->self);
    if (!b || key_of(&key, db, meas, tb->id) || value_of(&val, tb, keys, nkeys) ||
        t->kv->batch_put(b, key.data, key.len, val.data, val.len) ||
        t->kv->batch_put(b, NEXT_KEY, strlen(NEXT_KEY), idtxt, (size_t)il)) {
        pthread_mutex_unlock(&t->lock);
        goto nomem;
    }
    rc = t->kv->batch_commit(t->kv->self, b, 1, err);
    b = NULL;
    if (!rc) {
        t->next_id++;
        if (set_insert(t, tb) == HB_OK) {
            *id_out = tb->id;
            tb = NULL;
        } else {
            /* durable but not in memory: fail the statement; start-up loads it */
            rc = hb_err_set(err, HB_ENOMEM, "out of memory");
        }
    }
    pthread_mutex_unlock(&t->lock);
    goto out;
nomem:
    rc = hb_err_set(err, HB_ENOMEM, "out of memory");
out:
    if (b)
        t->kv->batch_free(b);
    tomb_unref(tb);
    hb_buf_free(&key);
    hb_buf_free(&val);
    return rc;
}

size_t hb_tombs_count(hb_tombs *t)
{
    pthread_mutex_lock(&t->lock);
    size_t n = t->n;
    pthread_mutex_unlock(&t->lock);
    return n;
}

uint64_t hb_tombs_max_id(hb_tombs *t)
{
    pthread_mutex_lock(&t->lock);
    uint64_t id = t->next_id - 1;
    pthread_mutex_unlock(&t->lock);
    return id;
}

int hb_tombs_view(hb_tombs *t, const char *db, hb_tomb_view *out, hb_err *err)
{
    out->v = NULL;
    out->n = 0;
    pthread_mutex_lock(&t->lock);
    if (t->n && !(out->v = malloc(t->n * sizeof *out->v))) {
        pthread_mutex_unlock(&t->lock);
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < t->n; i++)
        if (!db || !strcmp(t->v[i]->db, db))
            out->v[out->n++] = tomb_ref(t->v[i]);
    pthread_mutex_unlock(&t->lock);
    return HB_OK;
}

void hb_tomb_view_release(hb_tomb_view *v)
{
    for (size_t i = 0; i < v->n; i++)
        tomb_unref(v->v[i]);
    free(v->v);
    v->v = NULL;
    v->n = 0;
}

int hb_tomb_covers_file(const hb_tomb *tb, const hb_file_entry *f)
{
    return f->seq <= tb->seq && f->tomb < tb->id && !strcmp(tb->db, f->db) && !strcmp(tb->meas, f->measurement) &&
           f->min_time <= tb->tmax && f->max_time >= tb->tmin;
}

int hb_tomb_has_series(const hb_tomb *tb, hb_slice key)
{
    return tb->all || hb_strmap_get(&tb->keys, key.p, key.n) != NULL;
}

int hb_tomb_deletes(const hb_tomb *tb, const char *meas, hb_slice key, int64_t ts, uint64_t seq)
{
    return seq <= tb->seq && ts >= tb->tmin && ts <= tb->tmax && !strcmp(tb->meas, meas) &&
           hb_tomb_has_series(tb, key);
}

typedef struct tomb_mask {
    hb_scan_mask base;
    size_t n;
    hb_tomb *v[];
} tomb_mask;

static size_t mask_holes(const void *ctx, hb_slice key, int64_t *lo, int64_t *hi, size_t cap)
{
    const tomb_mask *m = ctx;
    size_t n = 0;
    for (size_t i = 0; i < m->n && n < cap; i++) {
        if (!hb_tomb_has_series(m->v[i], key))
            continue;
        /* insertion by lo */
        size_t j = n++;
        while (j > 0 && lo[j - 1] > m->v[i]->tmin) {
            lo[j] = lo[j - 1];
            hi[j] = hi[j - 1];
            j--;
        }
        lo[j] = m->v[i]->tmin;
        hi[j] = m->v[i]->tmax;
    }
    /* merge overlapping and touching ranges */
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k && (hi[k - 1] == INT64_MAX || lo[i] <= hi[k - 1] + 1)) {
            if (hi[i] > hi[k - 1])
                hi[k - 1] = hi[i];
            continue;
        }
        lo[k] = lo[i];
        hi[k] = hi[i];
        k++;
    }
    return k;
}

hb_scan_mask *hb_tomb_mask_new(const hb_tomb_view *v, const hb_file_entry *f)
{
    size_t n = 0;
    for (size_t i = 0; v && i < v->n; i++)
        n += (size_t)hb_tomb_covers_file(v->v[i], f);
    if (!n)
        return NULL;
    tomb_mask *m = malloc(sizeof *m + n * sizeof m->v[0]);
    if (!m)
        return NULL;   /* caller treats NULL from a covered file as out of memory */
    m->n = 0;
    for (size_t i = 0; i < v->n; i++)
        if (hb_tomb_covers_file(v->v[i], f))
            m->v[m->n++] = tomb_ref(v->v[i]);
    m->base = (hb_scan_mask){ .holes = mask_holes, .ctx = m, .max_holes = n };
    return &m->base;
}

void hb_tomb_mask_free(hb_scan_mask *bm)
{
    if (!bm)
        return;
    tomb_mask *m = (tomb_mask *)bm;
    for (size_t i = 0; i < m->n; i++)
        tomb_unref(m->v[i]);
    free(m);
}

size_t hb_tombs_gc(hb_tombs *t, const hb_file_entry *files, size_t n, uint64_t flushed_seq, hb_err *err)
{
    size_t dropped = 0;
    hb_buf key;
    hb_buf_init(&key, 0);
    pthread_mutex_lock(&t->lock);
    for (size_t i = 0; i < t->n;) {
        hb_tomb *tb = t->v[i];
        int live = flushed_seq < tb->seq;
        for (size_t j = 0; !live && j < n; j++)
            live = hb_tomb_covers_file(tb, &files[j]);
        if (live) {
            i++;
            continue;
        }
        hb_meta_batch *b = t->kv->batch_new(t->kv->self);
        if (!b || key_of(&key, tb->db, tb->meas, tb->id) || t->kv->batch_del(b, key.data, key.len)) {
            if (b)
                t->kv->batch_free(b);
            hb_err_set(err, HB_ENOMEM, "out of memory");
            break;
        }
        if (t->kv->batch_commit(t->kv->self, b, 1, err))
            break;
        hb_log_debug("tombstone %llu of %s.%s applied everywhere: dropped", (unsigned long long)tb->id, tb->db,
                     tb->meas);
        memmove(&t->v[i], &t->v[i + 1], (t->n - i - 1) * sizeof *t->v);
        t->n--;
        tomb_unref(tb);
        dropped++;
    }
    pthread_mutex_unlock(&t->lock);
    hb_buf_free(&key);
    return dropped;
}
