/* Two small open-addressing hash maps used across the code base:
 *   hb_strmap: byte-string key (copied, owned) -> void *
 *   hb_u64map: non-zero uint64 key -> void *
 * Not thread-safe: the owner locks. Deletion uses tombstones. */
#ifndef HB_BASE_HASHMAP_H
#define HB_BASE_HASHMAP_H

#include <stddef.h>
#include <stdint.h>

uint64_t hb_hash64(const void *p, size_t n);

typedef struct hb_strmap_slot {
    char *key;       /* NULL = empty; (char *)1 = deleted */
    size_t klen;
    uint64_t hash;
    void *val;
} hb_strmap_slot;

typedef struct hb_strmap {
    hb_strmap_slot *slots;
    size_t cap, count, used;  /* used = live + deleted */
} hb_strmap;

void hb_strmap_init(hb_strmap *m);
/* Frees the keys; values are the caller's. */
void hb_strmap_free(hb_strmap *m);
/* Returns the value or NULL. */
void *hb_strmap_get(const hb_strmap *m, const char *key, size_t klen);
/* Insert or replace. Returns 0 or HB_ENOMEM. */
int hb_strmap_put(hb_strmap *m, const char *key, size_t klen, void *val);
/* Returns the removed value or NULL. */
void *hb_strmap_del(hb_strmap *m, const char *key, size_t klen);
/* Iterate: for (size_t i = 0; i < m->cap; i++) if (hb_strmap_live(&m->slots[i])) ... */
static inline int hb_strmap_live(const hb_strmap_slot *s) { return s->key && s->key != (char *)1; }

typedef struct hb_u64map {
    uint64_t *keys;  /* 0 = empty, UINT64_MAX = deleted */
    void **vals;
    size_t cap, count, used;
} hb_u64map;

void hb_u64map_init(hb_u64map *m);
void hb_u64map_free(hb_u64map *m);
void *hb_u64map_get(const hb_u64map *m, uint64_t key);
int hb_u64map_put(hb_u64map *m, uint64_t key, void *val);
void *hb_u64map_del(hb_u64map *m, uint64_t key);

#endif
