/* Bump allocator for request-scoped data (parsed points, unescaped names).
 * Everything allocated from an arena is freed at once by hb_arena_free or
 * recycled by hb_arena_reset. Not thread-safe: one arena per request. */
#ifndef HB_BASE_ARENA_H
#define HB_BASE_ARENA_H

#include <stddef.h>

typedef struct hb_arena_block hb_arena_block;

typedef struct hb_arena {
    hb_arena_block *head;   /* current block; older blocks chained behind */
    size_t block_size;      /* default size of a new block */
    size_t total;           /* bytes held in all blocks */
    size_t max;             /* 0 = no cap; else allocations beyond fail */
} hb_arena;

void hb_arena_init(hb_arena *a, size_t block_size, size_t max);
/* Returns 16-byte aligned memory owned by the arena, or NULL (no memory or cap). */
void *hb_arena_alloc(hb_arena *a, size_t n);
void *hb_arena_calloc(hb_arena *a, size_t n);
/* Copy of s[0..n) NUL-terminated, owned by the arena. */
char *hb_arena_strndup(hb_arena *a, const char *s, size_t n);
/* Free all but the first block, keep it for reuse. */
void hb_arena_reset(hb_arena *a);
void hb_arena_free(hb_arena *a);

#endif
