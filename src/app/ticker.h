/* A background service loop: one thread calling fn every interval, or
 * sooner when kicked, until stopped. Flush, compaction and retention each
 * run on one. */
#ifndef HB_APP_TICKER_H
#define HB_APP_TICKER_H

#include <pthread.h>
#include <stdint.h>

typedef void (*hb_ticker_fn)(void *ctx);

typedef struct hb_ticker {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int64_t interval_ms;
    hb_ticker_fn fn;
    void *ctx;
    int stop, kicked, started;
} hb_ticker;

/* Start the thread (interval_ms > 0). HB_OK or HB_EIO. */
int hb_ticker_start(hb_ticker *t, int64_t interval_ms, hb_ticker_fn fn, void *ctx);
/* Run fn as soon as the current run (if any) ends. Thread-safe, cheap. */
void hb_ticker_kick(hb_ticker *t);
/* Stop and join (a run in progress finishes first). Safe on a ticker that
 * was never started (zeroed). */
void hb_ticker_stop(hb_ticker *t);

#endif
