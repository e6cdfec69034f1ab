#include "app/ticker.h"

#include <string.h>
#include <time.h>

#include "base/err.h"

static void *loop(void *arg)
{
    hb_ticker *t = arg;
    pthread_mutex_lock(&t->mu);
    while (!t->stop) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += t->interval_ms / 1000;
        until.tv_nsec += (t->interval_ms % 1000) * 1000000;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        while (!t->stop && !t->kicked)
            if (pthread_cond_timedwait(&t->cv, &t->mu, &until))
                break;  /* timed out */
        if (t->stop)
            break;
        t->kicked = 0;
        pthread_mutex_unlock(&t->mu);
        t->fn(t->ctx);
        pthread_mutex_lock(&t->mu);
    }
    pthread_mutex_unlock(&t->mu);
    return NULL;
}

int hb_ticker_start(hb_ticker *t, int64_t interval_ms, hb_ticker_fn fn, void *ctx)
{
    memset(t, 0, sizeof *t);
    t->interval_ms = interval_ms > 0 ? interval_ms : 1000;
    t->fn = fn;
    t->ctx = ctx;
    pthread_mutex_init(&t->mu, NULL);
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&t->cv, &a);
    pthread_condattr_destroy(&a);
    if (pthread_create(&t->thread, NULL, loop, t)) {
        pthread_cond_destroy(&t->cv);
        pthread_mutex_destroy(&t->mu);
        return HB_EIO;
    }
    t->started = 1;
    return HB_OK;
}

void hb_ticker_kick(hb_ticker *t)
{
    if (!t->started)
        return;
    pthread_mutex_lock(&t->mu);
    t->kicked = 1;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
}

void hb_ticker_stop(hb_ticker *t)
{
    if (!t->started)
        return;
    pthread_mutex_lock(&t->mu);
    t->stop = 1;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
    pthread_join(t->thread, NULL);
    pthread_cond_destroy(&t->cv);
    pthread_mutex_destroy(&t->mu);
    t->started = 0;
}
