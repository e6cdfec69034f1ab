#include "app/file_registry.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/meta_key.h"
#include "base/buf.h"
#include "base/hashmap.h"

#define PREFIX "pq:"
#define NEXT_ID_KEY "pq_next_id"
#define FLUSHED_KEY "pq_flushed_seq"

typedef struct group {
    hb_file_entry *v;   /* sorted by (min_time, id) */
    size_t n, cap;
} group;

struct hb_registry {
    hb_meta_port *kv;
    pthread_rwlock_t lock;
    hb_strmap groups;   /* "db\0rp\0measurement" -> group * */
    hb_strmap paths;    /* path -> (void *)1 */
    uint64_t next_id;
    uint64_t flushed_seq;
};

static void entry_free(hb_file_entry *e)
{
    free(e->path);
    free(e->db);
    free(e->rp);
    free(e->measurement);
}

void hb_file_entries_free(hb_file_entry *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        entry_free(&v[i]);
    free(v);
}

int hb_file_entry_cmp_seq(const void *a, const void *b)
{
    const hb_file_entry *x = a, *y = b;
    if (x->seq != y->seq)
        return x->seq < y->seq ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static int entry_copy(hb_file_entry *dst, const hb_file_entry *src)
{
    *dst = *src;
    dst->path = strdup(src->path);
    dst->db = strdup(src->db);
    dst->rp = strdup(src->rp);
    dst->measurement = strdup(src->measurement);
    if (!dst->path || !dst->db || !dst->rp || !dst->measurement) {
        entry_free(dst);
        return HB_ENOMEM;
    }
    return HB_OK;
}

static int group_key(hb_buf *b, const char *db, const char *rp, const char *meas)
{
    hb_buf_reset(b);
    int rc = hb_buf_append(b, db, strlen(db) + 1);
    rc = rc ? rc : hb_buf_append(b, rp, strlen(rp) + 1);
    return rc ? rc : hb_buf_append(b, meas, strlen(meas));
}

static int entry_key(hb_buf *b, const hb_file_entry *e)
{
    hb_buf_reset(b);
    int rc = hb_buf_puts(b, PREFIX);
    rc = rc ? rc : hb_meta_key_put(b, e->db, strlen(e->db));
    rc = rc ? rc : hb_buf_putc(b, ':');
    rc = rc ? rc : hb_meta_key_put(b, e->rp, strlen(e->rp));
    rc = rc ? rc : hb_buf_putc(b, ':');
    rc = rc ? rc : hb_meta_key_put(b, e->measurement, strlen(e->measurement));
    return rc ? rc
              : hb_buf_printf(b, ":%016llx:%016llx", (unsigned long long)((uint64_t)e->min_time ^ (1ull << 63)),
                              (unsigned long long)e->id);
}

static int cmp_entry(const hb_file_entry *a, const hb_file_entry *b)
{
    if (a->min_time != b->min_time)
        return a->min_time < b->min_time ? -1 : 1;
    return (a->id > b->id) - (a->id < b->id);
}

/* Takes ownership of e's strings on success. */
static int mem_add(hb_registry *r, hb_buf *kb, const hb_file_entry *e)
{
    if (group_key(kb, e->db, e->rp, e->measurement))
        return HB_ENOMEM;
    group *g = hb_strmap_get(&r->groups, kb->data, kb->len);
    if (!g) {
        if (!(g = calloc(1, sizeof *g)) || hb_strmap_put(&r->groups, kb->data, kb->len, g)) {
            free(g);
            return HB_ENOMEM;
        }
    }
    if (g->n == g->cap) {
        size_t nc = g->cap ? g->cap * 2 : 8;
        hb_file_entry *nv = realloc(g->v, nc * sizeof *nv);
        if (!nv)
            return HB_ENOMEM;
        g->v = nv;
        g->cap = nc;
    }
    if (hb_strmap_put(&r->paths, e->path, strlen(e->path), (void *)1))
        return HB_ENOMEM;
    size_t i = g->n;
    while (i > 0 && cmp_entry(&g->v[i - 1], e) > 0) {
        g->v[i] = g->v[i - 1];
        i--;
    }
    g->v[i] = *e;
    g->n++;
    return HB_OK;
}

static void mem_remove(hb_registry *r, hb_buf *kb, const hb_file_entry *e)
{
    if (group_key(kb, e->db, e->rp, e->measurement))
        return;
    group *g = hb_strmap_get(&r->groups, kb->data, kb->len);
    for (size_t i = 0; g && i < g->n; i++) {
        if (g->v[i].id != e->id || g->v[i].min_time != e->min_time)
            continue;
        hb_strmap_del(&r->paths, g->v[i].path, strlen(g->v[i].path));
        entry_free(&g->v[i]);
        memmove(&g->v[i], &g->v[i + 1], (g->n - i - 1) * sizeof *g->v);
        g->n--;
        break;
    }
}

static json_t *entry_json(const hb_file_entry *e)
{
    if (e->tomb)
        return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "path", e->path, "min_time",
                         (json_int_t)e->min_time, "max_time", (json_int_t)e->max_time, "rows", (json_int_t)e->rows,
                         "bytes", (json_int_t)e->bytes, "seq", (json_int_t)e->seq, "tomb", (json_int_t)e->tomb);
    return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "path", e->path, "min_time", (json_int_t)e->min_time,
                     "max_time", (json_int_t)e->max_time, "rows", (json_int_t)e->rows, "bytes", (json_int_t)e->bytes,
                     "seq", (json_int_t)e->seq);
}

/* ---- loading ---- */
typedef struct load_ctx {
    hb_registry *r;
    hb_err *err;
    hb_buf kb, part;
} load_ctx;

static int load_one(void *ctx, const char *key, size_t klen, const char *val, size_t vlen)
{
    load_ctx *l = ctx;
    hb_file_entry e = { 0 };
    const char *p = key + strlen(PREFIX), *end = key + klen;
    json_t *j = NULL;
    int rc = HB_ECORRUPT;
    if (hb_meta_key_take(&p, end, &l->part) || !(e.db = strdup(hb_buf_cstr(&l->part))) ||
        hb_meta_key_take(&p, end, &l->part) || !(e.rp = strdup(hb_buf_cstr(&l->part))) ||
        hb_meta_key_take(&p, end, &l->part) || !(e.measurement = strdup(hb_buf_cstr(&l->part))))
        goto bad;
    unsigned long long mt, id;
    int n = 0;
    if (end - p != 33 || sscanf(p, "%16llx:%16llx%n", &mt, &id, &n) != 2 || n != 33)
        goto bad;
    e.min_time = (int64_t)(mt ^ (1ull << 63));
    e.id = id;
    json_error_t je;
    j = json_loadb(val, vlen, 0, &je);
    json_t *path = j ? json_object_get(j, "path") : NULL, *mx = j ? json_object_get(j, "max_time") : NULL,
           *rows = j ? json_object_get(j, "rows") : NULL, *bytes = j ? json_object_get(j, "bytes") : NULL;
    if (!json_is_string(path) || !json_is_integer(mx) || !json_is_integer(rows) || !json_is_integer(bytes))
        goto bad;
    if (!(e.path = strdup(json_string_value(path))))
        goto bad;
    e.max_time = json_integer_value(mx);
    e.rows = (uint64_t)json_integer_value(rows);
    e.bytes = (uint64_t)json_integer_value(bytes);
    json_t *seq = json_object_get(j, "seq");
    e.seq = json_is_integer(seq) ? (uint64_t)json_integer_value(seq) : 0;
    json_t *tomb = json_object_get(j, "tomb");
    e.tomb = json_is_integer(tomb) ? (uint64_t)json_integer_value(tomb) : 0;
    if (e.id >= l->r->next_id)
        l->r->next_id = e.id + 1;
    if ((rc = mem_add(l->r, &l->kb, &e)))
        goto fail;
    json_decref(j);
    return HB_OK;
bad:
    rc = hb_err_set(l->err, HB_ECORRUPT, "file registry: malformed entry '%.*s'", (int)klen, key);
fail:
    if (rc == HB_ENOMEM)
        hb_err_set(l->err, rc, "out of memory loading the file registry");
    entry_free(&e);
    json_decref(j);
    return rc;
}

static void groups_free(hb_registry *r)
{
    for (size_t i = 0; i < r->groups.cap; i++) {
        hb_strmap_slot *s = &r->groups.slots[i];
        if (!hb_strmap_live(s))
            continue;
        group *g = s->val;
        hb_file_entries_free(g->v, g->n);
        free(g);
    }
    hb_strmap_free(&r->groups);
    hb_strmap_free(&r->paths);
}

/* 1 and *v when key holds a decimal number. */
static int get_u64(hb_meta_port *kv, const char *key, uint64_t *v)
{
    char *val = NULL;
    size_t vl = 0;
    hb_err e;
    int found = kv->get(kv->self, key, strlen(key), &val, &vl, &e) == HB_OK;
    if (found) {
        char tmp[32];
        snprintf(tmp, sizeof tmp, "%.*s", (int)(vl < 31 ? vl : 31), val);
        *v = strtoull(tmp, NULL, 10);
    }
    free(val);
    return found;
}

int hb_registry_open(hb_meta_port *kv, hb_registry **out, hb_err *err)
{
    hb_registry *r = calloc(1, sizeof *r);
    if (!r)
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    r->kv = kv;
    r->next_id = 1;
    pthread_rwlock_init(&r->lock, NULL);
    hb_strmap_init(&r->groups);
    hb_strmap_init(&r->paths);
    load_ctx l = { .r = r, .err = err };
    hb_buf_init(&l.kb, 0);
    hb_buf_init(&l.part, 0);
    int rc = kv->scan(kv->self, PREFIX, strlen(PREFIX), load_one, &l, err);
    hb_buf_free(&l.kb);
    hb_buf_free(&l.part);
    uint64_t id = 0;
    if (!rc && get_u64(kv, NEXT_ID_KEY, &id) && id > r->next_id)
        r->next_id = id;
    if (!rc)
        get_u64(kv, FLUSHED_KEY, &r->flushed_seq);
    if (rc) {
        hb_registry_close(r);
        return rc;
    }
    hb_err_clear(err);
    *out = r;
    return HB_OK;
}

void hb_registry_close(hb_registry *r)
{
    if (!r)
        return;
    groups_free(r);
    pthread_rwlock_destroy(&r->lock);
    free(r);
}

uint64_t hb_registry_next_id(hb_registry *r)
{
    pthread_rwlock_wrlock(&r->lock);
    uint64_t id = r->next_id++;
    pthread_rwlock_unlock(&r->lock);
    return id;
}

int hb_registry_commit(hb_registry *r, const hb_file_entry *add, size_t nadd, const hb_file_entry *remove,
                       size_t nremove, uint64_t flushed_seq, hb_err *err)
{
    hb_buf kb;
    hb_buf_init(&kb, 0);
    hb_file_entry *copies = calloc(nadd + 1, sizeof *copies);
    size_t ncopies = 0;
    int rc = HB_OK;
    pthread_rwlock_wrlock(&r->lock);
    hb_meta_batch *b = r->kv->batch_new(r->kv->self);
    if (!b || !copies)
        goto nomem;
    for (size_t i = 0; i < nadd; i++) {
        json_t *j = entry_json(&add[i]);
        char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
        int bad = !text || entry_key(&kb, &add[i]) || r->kv->batch_put(b, kb.data, kb.len, text, strlen(text));
        free(text);
        if (bad || entry_copy(&copies[ncopies], &add[i]))
            goto nomem;
        ncopies++;
    }
    for (size_t i = 0; i < nremove; i++)
        if (entry_key(&kb, &remove[i]) || r->kv->batch_del(b, kb.data, kb.len))
            goto nomem;
    char idtxt[32];
    int il = snprintf(idtxt, sizeof idtxt, "%llu", (unsigned long long)r->next_id);
    if (r->kv->batch_put(b, NEXT_ID_KEY, strlen(NEXT_ID_KEY), idtxt, (size_t)il))
        goto nomem;
    if (flushed_seq) {
        il = snprintf(idtxt, sizeof idtxt, "%llu", (unsigned long long)flushed_seq);
        if (r->kv->batch_put(b, FLUSHED_KEY, strlen(FLUSHED_KEY), idtxt, (size_t)il))
            goto nomem;
    }
    rc = r->kv->batch_commit(r->kv->self, b, 1, err);
    b = NULL;
    if (rc)
        goto out;
    if (flushed_seq)
        r->flushed_seq = flushed_seq;
    for (size_t i = 0; i < nremove; i++)
        mem_remove(r, &kb, &remove[i]);
    for (size_t i = 0; i < ncopies; i++) {
        if (mem_add(r, &kb, &copies[i])) {
            /* stored durably; the in-memory view catches up at the next start */
            rc = hb_err_set(err, HB_ENOMEM, "out of memory updating the file registry");
            for (size_t k = i; k < ncopies; k++)
                entry_free(&copies[k]);
            break;
        }
    }
    ncopies = 0;
    goto out;
nomem:
    rc = hb_err_set(err, HB_ENOMEM, "out of memory updating the file registry");
out:
    if (b)
        r->kv->batch_free(b);
    pthread_rwlock_unlock(&r->lock);
    hb_file_entries_free(copies, ncopies);
    hb_buf_free(&kb);
    return rc;
}

/* Appends copies of the entries of g matching [tmin, tmax] to *out. */
static int collect(const group *g, int64_t tmin, int64_t tmax, hb_file_entry **out, size_t *n, size_t *cap)
{
    for (size_t i = 0; i < g->n; i++) {
        const hb_file_entry *e = &g->v[i];
        if (e->max_time < tmin || e->min_time > tmax)
            continue;
        if (*n == *cap) {
            size_t nc = *cap ? *cap * 2 : 8;
            hb_file_entry *nv = realloc(*out, nc * sizeof *nv);
            if (!nv)
                return HB_ENOMEM;
            *out = nv;
            *cap = nc;
        }
        if (entry_copy(&(*out)[*n], e))
            return HB_ENOMEM;
        (*n)++;
    }
    return HB_OK;
}

int hb_registry_files(hb_registry *r, const char *db, const char *rp, const char *meas, int64_t tmin, int64_t tmax,
                      hb_file_entry **out, size_t *n, hb_err *err)
{
    hb_buf kb;
    hb_buf_init(&kb, 0);
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    int rc = group_key(&kb, db, rp, meas);
    pthread_rwlock_rdlock(&r->lock);
    group *g = rc ? NULL : hb_strmap_get(&r->groups, kb.data, kb.len);
    if (g)
        rc = collect(g, tmin, tmax, out, n, &cap);
    pthread_rwlock_unlock(&r->lock);
    hb_buf_free(&kb);
    if (rc) {
        hb_file_entries_free(*out, *n);
        *out = NULL;
        *n = 0;
        return hb_err_set(err, HB_ENOMEM, "out of memory listing files");
    }
    return HB_OK;
}

int hb_registry_files_of(hb_registry *r, const char *db, const char *rp, hb_file_entry **out, size_t *n, hb_err *err)
{
    size_t cap = 0;
    int rc = HB_OK;
    *out = NULL;
    *n = 0;
    pthread_rwlock_rdlock(&r->lock);
    for (size_t i = 0; !rc && i < r->groups.cap; i++) {
        hb_strmap_slot *s = &r->groups.slots[i];
        if (!hb_strmap_live(s))
            continue;
        /* the group key starts "db\0rp\0" */
        const char *gdb = s->key, *grp = s->key + strlen(s->key) + 1;
        if (strcmp(gdb, db) != 0 || (rp && strcmp(grp, rp) != 0))
            continue;
        rc = collect(s->val, INT64_MIN, INT64_MAX, out, n, &cap);
    }
    pthread_rwlock_unlock(&r->lock);
    if (rc) {
        hb_file_entries_free(*out, *n);
        *out = NULL;
        *n = 0;
        return hb_err_set(err, HB_ENOMEM, "out of memory listing files");
    }
    return HB_OK;
}

uint64_t hb_registry_flushed_seq(hb_registry *r)
{
    pthread_rwlock_rdlock(&r->lock);
    uint64_t v = r->flushed_seq;
    pthread_rwlock_unlock(&r->lock);
    return v;
}

int hb_registry_all(hb_registry *r, hb_file_entry **out, size_t *n, hb_err *err)
{
    size_t cap = 0;
    int rc = HB_OK;
    *out = NULL;
    *n = 0;
    pthread_rwlock_rdlock(&r->lock);
    for (size_t i = 0; !rc && i < r->groups.cap; i++)
        if (hb_strmap_live(&r->groups.slots[i]))
            rc = collect(r->groups.slots[i].val, INT64_MIN, INT64_MAX, out, n, &cap);
    pthread_rwlock_unlock(&r->lock);
    if (rc) {
        hb_file_entries_free(*out, *n);
        *out = NULL;
        *n = 0;
        return hb_err_set(err, HB_ENOMEM, "out of memory listing files");
    }
    return HB_OK;
}

int hb_registry_has_path(hb_registry *r, const char *path)
{
    pthread_rwlock_rdlock(&r->lock);
    int has = hb_strmap_get(&r->paths, path, strlen(path)) != NULL;
    pthread_rwlock_unlock(&r->lock);
    return has;
}
