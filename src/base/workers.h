/* A small pool of threads that lends CPU cores to one request at a time or
 * to several: hb_workers_run() splits a batch of independent tasks between
 * the calling thread and whichever pool threads are free, and returns when
 * all are done. The caller always works too, so a batch finishes even when
 * every pool thread is busy with other batches (no deadlock, no waiting for
 * a free thread), and a pool of size 0 simply runs everything in the
 * caller.
 *
 * Used by scans to decode several Parquet files at once. */
#ifndef HB_BASE_WORKERS_H
#define HB_BASE_WORKERS_H

#include <stddef.h>

typedef struct hb_workers hb_workers;

/* A pool of nthreads threads (0 allowed); NULL when out of memory or
 * threads cannot be started. Owned by the caller: hb_workers_free. */
hb_workers *hb_workers_new(size_t nthreads);
/* Stop the threads (after the batches under way) and free the pool. NULL is
 * a no-op. */
void hb_workers_free(hb_workers *w);
/* Threads in the pool. */
size_t hb_workers_size(const hb_workers *w);

/* Run fn(ctx, i) for every i in [0, ntasks), each exactly once, on the
 * caller and free pool threads; return when all have returned. w NULL runs
 * them all in the caller. fn must be safe to run concurrently with itself
 * for different i. */
void hb_workers_run(hb_workers *w, size_t ntasks, void (*fn)(void *ctx, size_t i), void *ctx);

#endif
