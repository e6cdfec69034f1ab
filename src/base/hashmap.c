#include "base/hashmap.h"
#include "base/err.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#define DELETED_KEY ((char *)1)
#define U64_DELETED UINT64_MAX

uint64_t hb_hash64(const void *p, size_t n) { return XXH3_64bits(p, n); }

/* ---- string map ---- */
void hb_strmap_init(hb_strmap *m) { memset(m, 0, sizeof *m); }

void hb_strmap_free(hb_strmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        if (hb_strmap_live(&m->slots[i]))
            free(m->slots[i].key);
    free(m->slots);
    memset(m, 0, sizeof *m);
}

static hb_strmap_slot *str_find(const hb_strmap *m, const char *key, size_t klen, uint64_t h)
{
    if (!m->cap)
        return NULL;
    size_t i = (size_t)h & (m->cap - 1);
    for (;;) {
        hb_strmap_slot *s = &m->slots[i];
        if (!s->key)
            return NULL;
        if (s->key != DELETED_KEY && s->hash == h && s->klen == klen && memcmp(s->key, key, klen) == 0)
            return s;
        i = (i + 1) & (m->cap - 1);
    }
}

static int str_grow(hb_strmap *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 16;
    if (m->count * 4 < m->cap)  /* mostly tombstones: rehash at the same size */
        ncap = m->cap;
    hb_strmap_slot *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return HB_ENOMEM;
    for (size_t i = 0; i < m->cap; i++) {
        hb_strmap_slot *s = &m->slots[i];
        if (!hb_strmap_live(s))
            continue;
        size_t j = (size_t)s->hash & (ncap - 1);
        while (ns[j].key)
            j = (j + 1) & (ncap - 1);
        ns[j] = *s;
    }
    free(m->slots);
    m->slots = ns;
    m->cap = ncap;
    m->used = m->count;
    return HB_OK;
}

void *hb_strmap_get(const hb_strmap *m, const char *key, size_t klen)
{
    hb_strmap_slot *s = str_find(m, key, klen, hb_hash64(key, klen));
    return s ? s->val : NULL;
}

int hb_strmap_put(hb_strmap *m, const char *key, size_t klen, void *val)
{
    uint64_t h = hb_hash64(key, klen);
    hb_strmap_slot *s = str_find(m, key, klen, h);
    if (s) {
        s->val = val;
        return HB_OK;
    }
    if ((m->used + 1) * 4 >= m->cap * 3 && str_grow(m))
        return HB_ENOMEM;
    char *k = malloc(klen + 1);
    if (!k)
        return HB_ENOMEM;
    memcpy(k, key, klen);
    k[klen] = '\0';
    size_t i = (size_t)h & (m->cap - 1);
    while (hb_strmap_live(&m->slots[i]))
        i = (i + 1) & (m->cap - 1);
    if (!m->slots[i].key)
        m->used++;
    m->slots[i] = (hb_strmap_slot){ k, klen, h, val };
    m->count++;
    return HB_OK;
}

void *hb_strmap_del(hb_strmap *m, const char *key, size_t klen)
{
    hb_strmap_slot *s = str_find(m, key, klen, hb_hash64(key, klen));
    if (!s)
        return NULL;
    void *v = s->val;
    free(s->key);
    s->key = DELETED_KEY;
    s->val = NULL;
    m->count--;
    return v;
}

/* ---- u64 map ---- */
void hb_u64map_init(hb_u64map *m) { memset(m, 0, sizeof *m); }

void hb_u64map_free(hb_u64map *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

static size_t u64_hash(uint64_t k) { return (size_t)((k ^ (k >> 31)) * 0x9E3779B97F4A7C15ull >> 7); }

static int u64_grow(hb_u64map *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 16;
    if (m->count * 4 < m->cap)
        ncap = m->cap;
    uint64_t *nk = calloc(ncap, sizeof *nk);
    void **nv = calloc(ncap, sizeof *nv);
    if (!nk || !nv) {
        free(nk);
        free(nv);
        return HB_ENOMEM;
    }
    for (size_t i = 0; i < m->cap; i++) {
        uint64_t k = m->keys[i];
        if (!k || k == U64_DELETED)
            continue;
        size_t j = u64_hash(k) & (ncap - 1);
        while (nk[j])
            j = (j + 1) & (ncap - 1);
        nk[j] = k;
        nv[j] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    m->keys = nk;
    m->vals = nv;
    m->cap = ncap;
    m->used = m->count;
    return HB_OK;
}

void *hb_u64map_get(const hb_u64map *m, uint64_t key)
{
    if (!m->cap)
        return NULL;
    size_t i = u64_hash(key) & (m->cap - 1);
    while (m->keys[i]) {
        if (m->keys[i] == key)
            return m->vals[i];
        i = (i + 1) & (m->cap - 1);
    }
    return NULL;
}

int hb_u64map_put(hb_u64map *m, uint64_t key, void *val)
{
    if (key == 0 || key == U64_DELETED)
        return HB_EINVAL;
    if (m->cap) {
        size_t i = u64_hash(key) & (m->cap - 1);
        while (m->keys[i]) {
            if (m->keys[i] == key) {
                m->vals[i] = val;
                return HB_OK;
            }
            i = (i + 1) & (m->cap - 1);
        }
    }
    if ((m->used + 1) * 4 >= m->cap * 3 && u64_grow(m))
        return HB_ENOMEM;
    size_t i = u64_hash(key) & (m->cap - 1);
    while (m->keys[i] && m->keys[i] != U64_DELETED)
        i = (i + 1) & (m->cap - 1);
    if (!m->keys[i])
        m->used++;
    m->keys[i] = key;
    m->vals[i] = val;
    m->count++;
    return HB_OK;
}

void *hb_u64map_del(hb_u64map *m, uint64_t key)
{
    if (!m->cap)
        return NULL;
    size_t i = u64_hash(key) & (m->cap - 1);
    while (m->keys[i]) {
        if (m->keys[i] == key) {
            void *v = m->vals[i];
            m->keys[i] = U64_DELETED;
            m->vals[i] = NULL;
            m->count--;
            return v;
        }
        i = (i + 1) & (m->cap - 1);
    }
    return NULL;
}
