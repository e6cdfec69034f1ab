#include "base/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct hb_arena_block {
    hb_arena_block *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};

void hb_arena_init(hb_arena *a, size_t block_size, size_t max)
{
    a->head = NULL;
    a->block_size = block_size ? block_size : 64 * 1024;
    a->total = 0;
    a->max = max;
}

void *hb_arena_alloc(hb_arena *a, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (n == 0)
        n = 16;
    hb_arena_block *b = a->head;
    if (!b || b->size - b->used < n) {
        size_t sz = n > a->block_size ? n : a->block_size;
        if (a->max && a->total + sz > a->max)
            return NULL;
        b = malloc(sizeof *b + sz);
        if (!b)
            return NULL;
        b->size = sz;
        b->used = 0;
        b->next = a->head;
        a->head = b;
        a->total += sz;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

void *hb_arena_calloc(hb_arena *a, size_t n)
{
    void *p = hb_arena_alloc(a, n);
    if (p)
        memset(p, 0, n);
    return p;
}

char *hb_arena_strndup(hb_arena *a, const char *s, size_t n)
{
    char *p = hb_arena_alloc(a, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

void hb_arena_reset(hb_arena *a)
{
    hb_arena_block *b = a->head;
    if (!b)
        return;
    /* keep the oldest block (usually the default size) */
    while (b->next) {
        hb_arena_block *next = b->next;
        a->total -= b->size;
        free(b);
        b = next;
    }
    b->used = 0;
    a->head = b;
}

void hb_arena_free(hb_arena *a)
{
    hb_arena_block *b = a->head;
    while (b) {
        hb_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->total = 0;
}
