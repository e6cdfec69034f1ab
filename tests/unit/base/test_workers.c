/* The worker pool: every task runs exactly once, batches from several
 * threads at once, pools of 0 and more threads, a NULL pool. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "base/workers.h"

typedef struct counts {
    atomic_int *hits;
    size_t n;
} counts;

static void hit(void *ctx, size_t i)
{
    counts *c = ctx;
    assert_true(i < c->n);
    atomic_fetch_add(&c->hits[i], 1);
}

static void run_batch(hb_workers *w, size_t n)
{
    counts c = { calloc(n ? n : 1, sizeof(atomic_int)), n };
    hb_workers_run(w, n, hit, &c);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(atomic_load(&c.hits[i]), 1);
    free(c.hits);
}

static void every_task_once(void **state)
{
    (void)state;
    run_batch(NULL, 10);
    for (size_t threads = 0; threads < 4; threads++) {
        hb_workers *w = hb_workers_new(threads);
        assert_non_null(w);
        assert_int_equal(hb_workers_size(w), threads);
        for (size_t n = 0; n < 50; n++)
            run_batch(w, n);
        run_batch(w, 10000);
        hb_workers_free(w);
    }
    hb_workers_free(NULL);
}

static hb_workers *shared;

static void *caller(void *arg)
{
    (void)arg;
    for (int k = 0; k < 200; k++)
        run_batch(shared, 1 + (size_t)k % 17);
    return NULL;
}

/* Several callers at once on a pool smaller than their number: every batch
 * completes (callers work on their own batches). */
static void concurrent_batches(void **state)
{
    (void)state;
    shared = hb_workers_new(2);
    assert_non_null(shared);
    pthread_t t[6];
    for (int i = 0; i < 6; i++)
        assert_int_equal(pthread_create(&t[i], NULL, caller, NULL), 0);
    for (int i = 0; i < 6; i++)
        pthread_join(t[i], NULL);
    hb_workers_free(shared);
}

static hb_workers *nest_pool;

static void outer(void *ctx, size_t i)
{
    (void)i;
    counts *c = ctx;
    run_batch(nest_pool, 7);   /* a task that runs a batch of its own */
    atomic_fetch_add(&c->hits[0], 1);
}

/* Tasks that run batches themselves finish (waiting callers help). */
static void nested_batches(void **state)
{
    (void)state;
    for (size_t threads = 0; threads < 3; threads++) {
        nest_pool = hb_workers_new(threads);
        assert_non_null(nest_pool);
        atomic_int hits[1] = { 0 };
        counts c = { hits, 1 };
        hb_workers_run(nest_pool, 20, outer, &c);
        assert_int_equal(atomic_load(&hits[0]), 20);
        hb_workers_free(nest_pool);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_task_once),
        cmocka_unit_test(concurrent_batches),
        cmocka_unit_test(nested_batches),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
