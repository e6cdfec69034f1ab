#include "app/memset.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct frozen {
    hb_memtable *mt;
    uint64_t upto_seq;
} frozen;

struct hb_memset {
    pthread_mutex_t order;
    pthread_rwlock_t vis;
    pthread_mutex_t q;         /* guards active pointer reads outside the order lock, and the queue */
    hb_memtable *active;
    frozen *frozen;            /* oldest first */
    size_t nfrozen, cap;
};

hb_memset *hb_memset_new(void)
{
    hb_memset *ms = calloc(1, sizeof *ms);
    if (!ms)
        return NULL;
    if (!(ms->active = hb_memtable_new())) {
        free(ms);
        return NULL;
    }
    pthread_mutex_init(&ms->order, NULL);
    pthread_mutex_init(&ms->q, NULL);
    pthread_rwlockattr_t a;
    pthread_rwlockattr_init(&a);
    /* a steady stream of readers must not starve the flush's hand-off */
    pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&ms->vis, &a);
    pthread_rwlockattr_destroy(&a);
    return ms;
}

void hb_memset_free(hb_memset *ms)
{
    if (!ms)
        return;
    for (size_t i = 0; i < ms->nfrozen; i++)
        hb_memtable_unref(ms->frozen[i].mt);
    free(ms->frozen);
    hb_memtable_unref(ms->active);
    pthread_mutex_destroy(&ms->order);
    pthread_mutex_destroy(&ms->q);
    pthread_rwlock_destroy(&ms->vis);
    free(ms);
}

void hb_memset_lock_order(hb_memset *ms) { pthread_mutex_lock(&ms->order); }
void hb_memset_unlock_order(hb_memset *ms) { pthread_mutex_unlock(&ms->order); }
void hb_memset_rdlock(hb_memset *ms) { pthread_rwlock_rdlock(&ms->vis); }
void hb_memset_wrlock(hb_memset *ms) { pthread_rwlock_wrlock(&ms->vis); }
void hb_memset_unlock(hb_memset *ms) { pthread_rwlock_unlock(&ms->vis); }

hb_memtable *hb_memset_active(hb_memset *ms) { return ms->active; }

int hb_memset_freeze_locked(hb_memset *ms, uint64_t upto_seq)
{
    if (hb_memtable_rows(ms->active) == 0 && hb_memtable_bytes(ms->active) == 0)
        return 0;
    hb_memtable *fresh = hb_memtable_new();
    if (!fresh)
        return HB_ENOMEM;
    /* readers collect active + frozen under the visibility lock: swap under it too */
    pthread_rwlock_wrlock(&ms->vis);
    pthread_mutex_lock(&ms->q);
    if (ms->nfrozen == ms->cap) {
        size_t nc = ms->cap ? ms->cap * 2 : 4;
        frozen *nf = realloc(ms->frozen, nc * sizeof *nf);
        if (!nf) {
            pthread_mutex_unlock(&ms->q);
            pthread_rwlock_unlock(&ms->vis);
            hb_memtable_free(fresh);
            return HB_ENOMEM;
        }
        ms->frozen = nf;
        ms->cap = nc;
    }
    ms->frozen[ms->nfrozen++] = (frozen){ ms->active, upto_seq };
    ms->active = fresh;
    pthread_mutex_unlock(&ms->q);
    pthread_rwlock_unlock(&ms->vis);
    return 1;
}

int hb_memset_oldest_frozen(hb_memset *ms, hb_memtable **mt, uint64_t *upto_seq)
{
    pthread_mutex_lock(&ms->q);
    int found = ms->nfrozen > 0;
    if (found) {
        *mt = hb_memtable_ref(ms->frozen[0].mt);
        *upto_seq = ms->frozen[0].upto_seq;
    }
    pthread_mutex_unlock(&ms->q);
    return found;
}

void hb_memset_retire_locked(hb_memset *ms, hb_memtable *mt)
{
    pthread_mutex_lock(&ms->q);
    for (size_t i = 0; i < ms->nfrozen; i++) {
        if (ms->frozen[i].mt != mt)
            continue;
        hb_memtable_unref(mt);
        memmove(&ms->frozen[i], &ms->frozen[i + 1], (ms->nfrozen - i - 1) * sizeof *ms->frozen);
        ms->nfrozen--;
        break;
    }
    pthread_mutex_unlock(&ms->q);
}

size_t hb_memset_count(hb_memset *ms)
{
    pthread_mutex_lock(&ms->q);
    size_t n = ms->nfrozen + 1;
    pthread_mutex_unlock(&ms->q);
    return n;
}

size_t hb_memset_refs_locked(hb_memset *ms, hb_memtable **out, size_t cap)
{
    size_t n = 0;
    pthread_mutex_lock(&ms->q);
    for (size_t i = 0; i < ms->nfrozen && n < cap; i++)
        out[n++] = hb_memtable_ref(ms->frozen[i].mt);
    if (n < cap)
        out[n++] = hb_memtable_ref(ms->active);
    pthread_mutex_unlock(&ms->q);
    return n;
}

void hb_memset_drop_locked(hb_memset *ms, const char *db, const char *rp)
{
    pthread_mutex_lock(&ms->q);
    for (size_t i = 0; i < ms->nfrozen; i++)
        hb_memtable_drop(ms->frozen[i].mt, db, rp);
    hb_memtable_drop(ms->active, db, rp);
    pthread_mutex_unlock(&ms->q);
}

size_t hb_memset_delete_locked(hb_memset *ms, const char *db, const char *meas, int (*want)(void *ctx, hb_slice key),
                               void *ctx, int64_t tmin, int64_t tmax)
{
    size_t n = 0;
    pthread_mutex_lock(&ms->q);
    for (size_t i = 0; i < ms->nfrozen; i++)
        n += hb_memtable_delete(ms->frozen[i].mt, db, meas, want, ctx, tmin, tmax);
    n += hb_memtable_delete(ms->active, db, meas, want, ctx, tmin, tmax);
    pthread_mutex_unlock(&ms->q);
    return n;
}

size_t hb_memset_bytes(hb_memset *ms)
{
    pthread_mutex_lock(&ms->q);
    size_t b = hb_memtable_bytes(ms->active);
    for (size_t i = 0; i < ms->nfrozen; i++)
        b += hb_memtable_bytes(ms->frozen[i].mt);
    pthread_mutex_unlock(&ms->q);
    return b;
}

size_t hb_memset_active_bytes(hb_memset *ms)
{
    pthread_mutex_lock(&ms->q);
    size_t b = hb_memtable_bytes(ms->active);
    pthread_mutex_unlock(&ms->q);
    return b;
}

size_t hb_memset_frozen_count(hb_memset *ms)
{
    pthread_mutex_lock(&ms->q);
    size_t n = ms->nfrozen;
    pthread_mutex_unlock(&ms->q);
    return n;
}
