/* The worker pool (base/workers.h).
 *
 * Batches wait in a FIFO list. A task index is claimed under the pool lock
 * (batches are a handful of tasks, each milliseconds of work: the lock is
 * not contended enough to matter). A batch leaves the list when its last
 * index is claimed; its caller waits on the batch's own condition until the
 * count of finished tasks reaches ntasks, helping with other queued batches
 * meanwhile (a task may run a batch of its own: nested parallelism gets
 * every idle thread). The batch lives on the caller's
 * stack, which is safe: the caller returns only after every task finished,
 * and no thread touches a batch after finishing its task except to signal
 * under the lock the caller waits on. */
#include "base/workers.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct batch {
    void (*fn)(void *ctx, size_t i);
    void *ctx;
    size_t ntasks, next, done;
    pthread_cond_t finished;
    struct batch *link;
} batch;

struct hb_workers {
    pthread_mutex_t mu;
    pthread_cond_t work;       /* a batch was queued, or stopping */
    batch *head, *tail;
    int stopping;
    size_t nthreads;
    pthread_t *threads;
};

/* Claim the next task of the head batch (the lock held); NULL when none. */
static batch *claim(hb_workers *w, size_t *idx)
{
    batch *b = w->head;
    if (!b)
        return NULL;
    *idx = b->next++;
    if (b->next == b->ntasks) {
        w->head = b->link;
        if (!w->head)
            w->tail = NULL;
    }
    return b;
}

static void finish(hb_workers *w, batch *b)
{
    pthread_mutex_lock(&w->mu);
    if (++b->done == b->ntasks)
        pthread_cond_signal(&b->finished);
    pthread_mutex_unlock(&w->mu);
}

static void *thread_main(void *arg)
{
    hb_workers *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        size_t i;
        batch *b = claim(w, &i);
        if (!b) {
            if (w->stopping)
                break;
            pthread_cond_wait(&w->work, &w->mu);
            continue;
        }
        pthread_mutex_unlock(&w->mu);
        b->fn(b->ctx, i);
        finish(w, b);
        pthread_mutex_lock(&w->mu);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

hb_workers *hb_workers_new(size_t nthreads)
{
    hb_workers *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->work, NULL);
    w->threads = calloc(nthreads ? nthreads : 1, sizeof *w->threads);
    if (!w->threads) {
        hb_workers_free(w);
        return NULL;
    }
    for (; w->nthreads < nthreads; w->nthreads++)
        if (pthread_create(&w->threads[w->nthreads], NULL, thread_main, w)) {
            hb_workers_free(w);
            return NULL;
        }
    return w;
}

void hb_workers_free(hb_workers *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = 1;
    pthread_cond_broadcast(&w->work);
    pthread_mutex_unlock(&w->mu);
    for (size_t i = 0; i < w->nthreads; i++)
        pthread_join(w->threads[i], NULL);
    free(w->threads);
    pthread_cond_destroy(&w->work);
    pthread_mutex_destroy(&w->mu);
    free(w);
}

size_t hb_workers_size(const hb_workers *w) { return w ? w->nthreads : 0; }

void hb_workers_run(hb_workers *w, size_t ntasks, void (*fn)(void *ctx, size_t i), void *ctx)
{
    if (!w || !w->nthreads || ntasks < 2) {
        for (size_t i = 0; i < ntasks; i++)
            fn(ctx, i);
        return;
    }
    batch b = { .fn = fn, .ctx = ctx, .ntasks = ntasks };
    pthread_cond_init(&b.finished, NULL);
    pthread_mutex_lock(&w->mu);
    if (w->tail)
        w->tail->link = &b;
    else
        w->head = &b;
    w->tail = &b;
    pthread_cond_broadcast(&w->work);
    for (;;) {
        /* the caller works on its own batch only: claim from it directly */
        if (b.next == b.ntasks)
            break;
        size_t i = b.next++;
        if (b.next == b.ntasks) {   /* last index: unlink b */
            batch **pp = &w->head, *prev = NULL;
            while (*pp != &b) {
                prev = *pp;
                pp = &(*pp)->link;
            }
            *pp = b.link;
            if (w->tail == &b)
                w->tail = prev;
        }
        pthread_mutex_unlock(&w->mu);
        fn(ctx, i);
        pthread_mutex_lock(&w->mu);
        b.done++;
    }
    while (b.done < b.ntasks) {
        /* while others finish this batch's last tasks, help with queued
         * ones (a task of ours may have queued its own batch) */
        size_t i;
        batch *o = claim(w, &i);
        if (!o) {
            pthread_cond_wait(&b.finished, &w->mu);
            continue;
        }
        pthread_mutex_unlock(&w->mu);
        o->fn(o->ctx, i);
        pthread_mutex_lock(&w->mu);
        if (++o->done == o->ntasks)
            pthread_cond_signal(&o->finished);
    }
    pthread_mutex_unlock(&w->mu);
    pthread_cond_destroy(&b.finished);
}
