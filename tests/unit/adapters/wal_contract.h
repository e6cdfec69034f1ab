/* WalPort contract tests, shared by test_wal_file.c and test_wal_memory.c:
 * the same operations must give the same results on every adapter,
 * including segment accounting (disk_bytes) and release granularity.
 *
 * The including file defines the environment: a wal_env whose reopen()
 * closes env->wal (if open) and opens a fresh, empty WAL with the given
 * segment size and maximum record size. Tests take a wal_env * as cmocka
 * state; WAL_CONTRACT_TESTS(setup, teardown) expands to the test list. */
#ifndef HB_TESTS_WAL_CONTRACT_H
#define HB_TESTS_WAL_CONTRACT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "ports/wal_port.h"

typedef struct wal_env {
    hb_wal_port wal;
    int open;
    /* close the current WAL if any, open a fresh empty one */
    int (*reopen)(struct wal_env *env, uint64_t segment_bytes, uint64_t max_record, hb_err *err);
    char dir[256];   /* file adapter: its directory */
} wal_env;

/* Deterministic payload for (seq, len): checkable on replay. */
static void wc_fill(uint8_t *p, size_t len, uint64_t key)
{
    uint64_t x = key * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = (uint8_t)x;
    }
}

static uint64_t wc_append(wal_env *env, size_t len, uint64_t key)
{
    uint8_t *p = malloc(len ? len : 1);
    assert_non_null(p);
    wc_fill(p, len, key);
    uint64_t seq = 0;
    hb_err e;
    int rc = env->wal.append(env->wal.self, p, len, &seq, &e);
    if (rc)
        fail_msg("append: %s", e.msg);
    assert_int_equal(env->wal.wait_durable(env->wal.self, seq, &e), HB_OK);
    free(p);
    return seq;
}

typedef struct wc_collect {
    uint64_t n;
    uint64_t first, last;
    uint64_t bytes;
    int check_len;          /* payload length is len_of(seq) */
    size_t (*len_of)(uint64_t seq);
    int stop_at;            /* return 42 at this seq (0 = never) */
    wal_env *reenter;       /* append from inside the callback */
    int allow_gaps;         /* seqs only increase (a file WAL after a crash in rotation) */
} wc_collect;

static int wc_collect_fn(void *ctx, uint64_t seq, const void *data, size_t len, hb_err *err)
{
    wc_collect *c = ctx;
    if (c->n == 0)
        c->first = seq;
    else if (c->allow_gaps)
        assert_true(seq > c->last);
    else
        assert_int_equal(seq, c->last + 1);
    c->last = seq;
    c->n++;
    c->bytes += len;
    if (c->len_of) {
        assert_int_equal(len, c->len_of(seq));
        uint8_t *want = malloc(len ? len : 1);
        wc_fill(want, len, seq);
        assert_memory_equal(data, want, len);
        free(want);
    }
    if (c->reenter && c->n == 1)
        wc_append(c->reenter, 10, 999999);
    if (c->stop_at && seq == (uint64_t)c->stop_at)
        return 42;
    return 0;
}

static wc_collect wc_replay(wal_env *env, uint64_t from, size_t (*len_of)(uint64_t))
{
    wc_collect c = { 0 };
    c.len_of = len_of;
    hb_err e;
    int rc = env->wal.replay(env->wal.self, from, wc_collect_fn, &c, &e);
    if (rc)
        fail_msg("replay: %s", e.msg);
    return c;
}

static void wc_reopen(wal_env *env, uint64_t seg, uint64_t maxrec)
{
    hb_err e;
    if (env->reopen(env, seg, maxrec, &e))
        fail_msg("open: %s", e.msg);
}

static size_t wc_len_var(uint64_t seq) { return (size_t)((seq * 37) % 300); }
static size_t wc_len_1000(uint64_t seq) { return 1000; }

static void wc_roundtrip(void **state)
{
    wal_env *env = *state;
    assert_int_equal(env->wal.last_seq(env->wal.self), 0);
    wc_collect c0 = wc_replay(env, 1, wc_len_var);
    assert_int_equal(c0.n, 0);
    for (uint64_t i = 1; i <= 100; i++)
        assert_int_equal(wc_append(env, wc_len_var(i), i), i);
    assert_int_equal(env->wal.last_seq(env->wal.self), 100);
    wc_collect c = wc_replay(env, 1, wc_len_var);
    assert_int_equal(c.n, 100);
    assert_int_equal(c.first, 1);
    assert_int_equal(c.last, 100);
    c = wc_replay(env, 0, wc_len_var);
    assert_int_equal(c.n, 100);
}

static void wc_replay_middle(void **state)
{
    wal_env *env = *state;
    wc_reopen(env, 4096, 0);   /* several segments: the middle seq is in one of them */
    for (uint64_t i = 1; i <= 100; i++)
        wc_append(env, wc_len_var(i), i);
    wc_collect c = wc_replay(env, 57, wc_len_var);
    assert_int_equal(c.n, 44);
    assert_int_equal(c.first, 57);
    assert_int_equal(c.last, 100);
    c = wc_replay(env, 100, wc_len_var);
    assert_int_equal(c.n, 1);
    c = wc_replay(env, 101, wc_len_var);
    assert_int_equal(c.n, 0);
    c = wc_replay(env, 5000, wc_len_var);
    assert_int_equal(c.n, 0);
}

static void wc_replay_stop_and_reenter(void **state)
{
    wal_env *env = *state;
    for (uint64_t i = 1; i <= 20; i++)
        wc_append(env, wc_len_var(i), i);
    wc_collect c = { 0 };
    c.stop_at = 10;
    hb_err e;
    assert_int_equal(env->wal.replay(env->wal.self, 1, wc_collect_fn, &c, &e), 42);
    assert_int_equal(c.last, 10);
    /* appending from the callback neither deadlocks nor extends this replay */
    wc_collect d = { 0 };
    d.reenter = env;
    assert_int_equal(env->wal.replay(env->wal.self, 1, wc_collect_fn, &d, &e), HB_OK);
    assert_int_equal(d.n, 20);
    assert_int_equal(env->wal.last_seq(env->wal.self), 21);
}

/* 32-byte header per segment, 16 + 1000 per record: 4 records fill 4096 exactly */
static void wc_rotation_by_size(void **state)
{
    wal_env *env = *state;
    wc_reopen(env, 4096, 0);
    assert_int_equal(env->wal.disk_bytes(env->wal.self), 32);
    for (uint64_t i = 1; i <= 4; i++)
        wc_append(env, 1000, i);
    assert_int_equal(env->wal.disk_bytes(env->wal.self), 32 + 4 * 1016);
    wc_append(env, 1000, 5);
    assert_int_equal(env->wal.disk_bytes(env->wal.self), 2 * 32 + 5 * 1016);
    for (uint64_t i = 6; i <= 20; i++)
        wc_append(env, 1000, i);
    assert_int_equal(env->wal.disk_bytes(env->wal.self), 5 * 32 + 20 * 1016);
    /* a record larger than a segment gets one of its own */
    wc_append(env, 5000, 21);
    assert_int_equal(env->wal.disk_bytes(env->wal.self), 6 * 32 + 20 * 1016 + 5016);
    wc_append(env, 10, 22);
    assert_int_equal(env->wal.disk_bytes(env->wal.self), 7 * 32 + 20 * 1016 + 5016 + 26);
    wc_collect c = wc_replay(env, 1, NULL);
    assert_int_equal(c.n, 22);
}

static void wc_release(void **state)
{
    wal_env *env = *state;
    hb_err e;
    wc_reopen(env, 4096, 0);
    for (uint64_t i = 1; i <= 20; i++)   /* segments 1-4, 5-8, 9-12, 13-16, 17-20 (active) */
        wc_append(env, 1000, i);
    assert_int_equal(env->wal.release(env->wal.self, 0, &e), HB_OK);
    assert_int_equal(env->wal.release(env->wal.self, 3, &e), HB_OK);
    assert_int_equal(env->wal.disk_bytes(env->wal.self), 5 * 32 + 20 * 1016);
    assert_int_equal(wc_replay(env, 1, wc_len_1000).first, 1);
    assert_int_equal(env->wal.release(env->wal.self, 6, &e), HB_OK);   /* only 1-4 entirely released */
    assert_int_equal(env->wal.disk_bytes(env->wal.self), 4 * 32 + 16 * 1016);
    wc_collect c = wc_replay(env, 1, wc_len_1000);
    assert_int_equal(c.first, 5);
    assert_int_equal(c.n, 16);
    c = wc_replay(env, 7, wc_len_1000);
    assert_int_equal(c.first, 7);
    assert_int_equal(env->wal.release(env->wal.self, 12, &e), HB_OK);
    assert_int_equal(env->wal.disk_bytes(env->wal.self), 2 * 32 + 8 * 1016);
    assert_int_equal(wc_replay(env, 1, wc_len_1000).first, 13);
    /* never the active segment */
    assert_int_equal(env->wal.release(env->wal.self, 1000, &e), HB_OK);
    assert_int_equal(env->wal.disk_bytes(env->wal.self), 32 + 4 * 1016);
    c = wc_replay(env, 1, wc_len_1000);
    assert_int_equal(c.first, 17);
    assert_int_equal(c.n, 4);
    assert_int_equal(env->wal.last_seq(env->wal.self), 20);
    assert_int_equal(wc_append(env, 1000, 21), 21);
}

static void wc_rotate_explicit(void **state)
{
    wal_env *env = *state;
    hb_err e;
    assert_int_equal(env->wal.rotate(env->wal.self, &e), HB_OK);   /* empty active: no-op */
    assert_int_equal(env->wal.disk_bytes(env->wal.self), 32);
    for (uint64_t i = 1; i <= 3; i++)
        wc_append(env, 100, i);
    assert_int_equal(env->wal.rotate(env->wal.self, &e), HB_OK);
    assert_int_equal(env->wal.disk_bytes(env->wal.self), 2 * 32 + 3 * 116);
    assert_int_equal(env->wal.rotate(env->wal.self, &e), HB_OK);   /* again: still empty */
    assert_int_equal(env->wal.disk_bytes(env->wal.self), 2 * 32 + 3 * 116);
    assert_int_equal(env->wal.release(env->wal.self, 3, &e), HB_OK);
    assert_int_equal(env->wal.disk_bytes(env->wal.self), 32);
    assert_int_equal(wc_replay(env, 1, NULL).n, 0);
    assert_int_equal(env->wal.last_seq(env->wal.self), 3);
    assert_int_equal(wc_append(env, 100, 4), 4);
    assert_int_equal(wc_replay(env, 1, NULL).first, 4);
    assert_int_equal(env->wal.sync(env->wal.self, &e), HB_OK);
}

static size_t wc_len_big(uint64_t seq) { return seq == 1 ? 0 : seq == 2 ? (3u << 20) + 7 : seq == 3 ? 0 : 5; }

static void wc_zero_and_large(void **state)
{
    wal_env *env = *state;
    for (uint64_t i = 1; i <= 4; i++)
        wc_append(env, wc_len_big(i), i);
    wc_collect c = wc_replay(env, 1, wc_len_big);
    assert_int_equal(c.n, 4);
    assert_int_equal(c.bytes, (3u << 20) + 7 + 5);
    assert_int_equal(env->wal.disk_bytes(env->wal.self), 32 + 4 * 16 + (3u << 20) + 7 + 5);
}

static void wc_max_record(void **state)
{
    wal_env *env = *state;
    wc_reopen(env, 0, 1000);
    uint8_t buf[1001] = { 0 };
    uint64_t seq = 0;
    hb_err e;
    assert_int_equal(env->wal.append(env->wal.self, buf, 1001, &seq, &e), HB_ELIMIT);
    assert_non_null(strstr(e.msg, "1001"));
    assert_int_equal(env->wal.last_seq(env->wal.self), 0);
    assert_int_equal(env->wal.append(env->wal.self, buf, 1000, &seq, &e), HB_OK);
    assert_int_equal(seq, 1);
    assert_int_equal(env->wal.wait_durable(env->wal.self, 1, &e), HB_OK);
    assert_int_equal(env->wal.wait_durable(env->wal.self, 0, &e), HB_OK);
    assert_int_equal(env->wal.wait_durable(env->wal.self, 2, &e), HB_EINVAL);
}

typedef struct wc_thread {
    wal_env *env;
    int id, n;
    int wait;
} wc_thread;

static void *wc_writer(void *arg)
{
    wc_thread *t = arg;
    for (int i = 0; i < t->n; i++) {
        uint8_t rec[64];
        size_t len = 8 + (size_t)(i % 50);
        memset(rec, 0xab, sizeof rec);
        memcpy(rec, &t->id, 4);
        memcpy(rec + 4, &i, 4);
        uint64_t seq;
        hb_err e;
        if (t->env->wal.append(t->env->wal.self, rec, len, &seq, &e) != HB_OK)
            return (void *)1;
        if (t->wait && t->env->wal.wait_durable(t->env->wal.self, seq, &e) != HB_OK)
            return (void *)1;
    }
    return NULL;
}

typedef struct wc_seen {
    uint8_t *seen;   /* [threads][n] */
    int threads, n;
    uint64_t count, next;
} wc_seen;

static int wc_seen_fn(void *ctx, uint64_t seq, const void *data, size_t len, hb_err *err)
{
    wc_seen *s = ctx;
    assert_int_equal(seq, s->next);
    s->next++;
    int id, i;
    assert_true(len >= 8);
    memcpy(&id, data, 4);
    memcpy(&i, (const uint8_t *)data + 4, 4);
    assert_true(id >= 0 && id < s->threads && i >= 0 && i < s->n);
    assert_int_equal(len, 8 + (size_t)(i % 50));
    assert_int_equal(s->seen[id * s->n + i], 0);
    s->seen[id * s->n + i] = 1;
    s->count++;
    return 0;
}

/* Every record from concurrent appenders replays exactly once, in seq order. */
static void wc_run_concurrent(wal_env *env, int threads, int n, int wait)
{
    pthread_t th[16];
    wc_thread t[16];
    for (int i = 0; i < threads; i++) {
        t[i] = (wc_thread){ env, i, n, wait };
        assert_int_equal(pthread_create(&th[i], NULL, wc_writer, &t[i]), 0);
    }
    for (int i = 0; i < threads; i++) {
        void *r;
        pthread_join(th[i], &r);
        assert_null(r);
    }
    assert_int_equal(env->wal.last_seq(env->wal.self), (uint64_t)threads * n);
    wc_seen s = { calloc((size_t)threads * n, 1), threads, n, 0, 1 };
    hb_err e;
    assert_int_equal(env->wal.replay(env->wal.self, 1, wc_seen_fn, &s, &e), HB_OK);
    assert_int_equal(s.count, (uint64_t)threads * n);
    free(s.seen);
}

static void wc_concurrent(void **state)
{
    wal_env *env = *state;
    wc_reopen(env, 4096, 0);   /* rotations under contention too */
    wc_run_concurrent(env, 4, 300, 1);
}

#define WAL_CONTRACT_TESTS(setup, teardown)                                  \
    cmocka_unit_test_setup_teardown(wc_roundtrip, setup, teardown),          \
    cmocka_unit_test_setup_teardown(wc_replay_middle, setup, teardown),      \
    cmocka_unit_test_setup_teardown(wc_replay_stop_and_reenter, setup, teardown), \
    cmocka_unit_test_setup_teardown(wc_rotation_by_size, setup, teardown),   \
    cmocka_unit_test_setup_teardown(wc_release, setup, teardown),            \
    cmocka_unit_test_setup_teardown(wc_rotate_explicit, setup, teardown),    \
    cmocka_unit_test_setup_teardown(wc_zero_and_large, setup, teardown),     \
    cmocka_unit_test_setup_teardown(wc_max_record, setup, teardown),         \
    cmocka_unit_test_setup_teardown(wc_concurrent, setup, teardown)

#endif
