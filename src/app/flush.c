#include "app/flush.h"

#include <stdlib.h>
#include <string.h>

#include "app/flush_build.h"
#include "base/crashpoint.h"
#include "base/log.h"
#include "domain/storage_layout.h"

void hb_flusher_init(hb_flusher *f, hb_store *store, hb_wal_port *wal, hb_clock_port clock,
                     const hb_pq_writer_opts *pq)
{
    memset(f, 0, sizeof *f);
    f->store = store;
    f->wal = wal;
    f->clock = clock;
    if (pq)
        f->pq = *pq;
    else
        hb_pq_writer_opts_default(&f->pq);
    pthread_mutex_init(&f->run_lock, NULL);
    pthread_mutex_init(&f->stats_lock, NULL);
}

void hb_flusher_destroy(hb_flusher *f)
{
    pthread_mutex_destroy(&f->run_lock);
    pthread_mutex_destroy(&f->stats_lock);
}

void hb_flusher_stats(hb_flusher *f, hb_flush_stats *out)
{
    pthread_mutex_lock(&f->stats_lock);
    *out = f->stats;
    pthread_mutex_unlock(&f->stats_lock);
}

/* The files one memtable became. */
typedef struct written {
    hb_file_entry *v;
    size_t n, cap;
} written;

static void written_free(written *w)
{
    hb_file_entries_free(w->v, w->n);
    memset(w, 0, sizeof *w);
}

typedef struct table_ctx {
    hb_flusher *f;
    const hb_mt_table *t;
    uint64_t upto_seq;
    int64_t expired_before;     /* hours ending at or before this are past retention */
    written *out;
    hb_buf key;
} table_ctx;

static int write_batch(void *ctx, const hb_flush_batch *b, hb_err *err)
{
    table_ctx *tc = ctx;
    hb_flusher *f = tc->f;
    const hb_mt_table *t = tc->t;
    if (b->hour + HB_HOUR_NS <= tc->expired_before)
        return HB_OK;
    written *w = tc->out;
    if (w->n == w->cap) {
        size_t nc = w->cap ? w->cap * 2 : 16;
        hb_file_entry *nv = realloc(w->v, nc * sizeof *nv);
        if (!nv)
            return hb_err_set(err, HB_ENOMEM, "out of memory");
        w->v = nv;
        w->cap = nc;
    }
    uint64_t id = hb_registry_next_id(f->store->registry);
    hb_buf_reset(&tc->key);
    if (hb_layout_file_key(&tc->key, t->db, t->rp, t->measurement, strlen(t->measurement), b->hour, id))
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    hb_pq_writer_opts o = f->pq;
    o.measurement = t->measurement;
    hb_pq_writer *pw = NULL;
    hb_pq_file_info info;
    int rc = hb_pq_writer_open(f->store->storage, hb_buf_cstr(&tc->key), b->cols, b->ncols, &o, &pw, err);
    if (!rc && (rc = hb_pq_writer_append(pw, b->vecs, b->nrows, err)))
        hb_pq_writer_abort(pw);
    if (!rc)
        rc = hb_pq_writer_finish(pw, &info, err);
    if (rc)
        return rc;
    hb_file_entry *e = &w->v[w->n];
    memset(e, 0, sizeof *e);
    e->path = strdup(hb_buf_cstr(&tc->key));
    e->db = strdup(t->db);
    e->rp = strdup(t->rp);
    e->measurement = strdup(t->measurement);
    e->min_time = info.min_time;
    e->max_time = info.max_time;
    e->rows = info.rows;
    e->bytes = info.bytes;
    e->id = id;
    e->seq = tc->upto_seq;
    w->n++;   /* counted even when a strdup failed, so its file gets removed */
    if (!e->path || !e->db || !e->rp || !e->measurement)
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    return HB_OK;
}

typedef struct mem_ctx {
    hb_flusher *f;
    uint64_t upto_seq;
    int64_t now;
    written *out;
    hb_arena arena;
    hb_err *err;
} mem_ctx;

static int flush_table(void *ctx, const hb_mt_table *t)
{
    mem_ctx *mc = ctx;
    table_ctx tc = { .f = mc->f, .t = t, .upto_seq = mc->upto_seq, .expired_before = INT64_MIN, .out = mc->out };
    int64_t dur = 0;
    if (hb_catalog_rp_duration(mc->f->store->catalog, t->db, t->rp, &dur))
        return HB_OK;   /* dropped: DROP removes the table from this memtable too */
    if (dur > 0 && mc->now - dur > INT64_MIN + dur)
        tc.expired_before = mc->now - dur;
    hb_buf_init(&tc.key, 0);
    int rc = hb_flush_build(t, &mc->arena, write_batch, &tc, mc->err);
    hb_buf_free(&tc.key);
    hb_arena_reset(&mc->arena);
    return rc;
}

static void remove_files(hb_flusher *f, const hb_file_entry *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        hb_err e;
        if (v[i].path && f->store->storage->remove(f->store->storage->self, v[i].path, &e))
            hb_log_warn("flush: cannot remove %s (removed at the next start): %s", v[i].path, e.msg);
    }
}

/* Write, register and retire one frozen memtable. */
static int flush_memtable(hb_flusher *f, hb_memtable *mt, uint64_t upto_seq, hb_err *err)
{
    hb_store *st = f->store;
    written w = { 0 };
    mem_ctx mc = { .f = f, .upto_seq = upto_seq, .now = f->clock.now_ns(f->clock.self), .out = &w, .err = err };
    hb_arena_init(&mc.arena, 1 << 20, 0);
    /* the read lock only guards against DROP; it is released before the
     * visibility lock is taken (lock order, memset.h) */
    hb_memtable_rdlock(mt);
    int rc = hb_memtable_scan_locked(mt, NULL, NULL, flush_table, &mc);
    hb_memtable_unlock(mt);
    hb_arena_free(&mc.arena);
    if (rc) {
        remove_files(f, w.v, w.n);
        written_free(&w);
        return rc;
    }
    hb_crashpoint("flush.before_register");

    /* a policy dropped (and maybe re-created) since the freeze: its files
     * must not be registered. A re-created policy has a WAL floor >= S. */
    size_t keep = 0;
    hb_file_entry *stale = calloc(w.n + 1, sizeof *stale);
    size_t nstale = 0;
    if (!stale) {
        remove_files(f, w.v, w.n);
        written_free(&w);
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    }
    hb_memset_wrlock(st->memset);
    for (size_t i = 0; i < w.n; i++) {
        uint64_t floor;
        if (hb_catalog_rp_wal_floor(st->catalog, w.v[i].db, w.v[i].rp, &floor) || floor >= upto_seq)
            stale[nstale++] = w.v[i];
        else
            w.v[keep++] = w.v[i];
    }
    w.n = keep;
    rc = hb_registry_commit(st->registry, w.v, w.n, NULL, 0, upto_seq, err);
    if (!rc)
        hb_memset_retire_locked(st->memset, mt);
    hb_memset_unlock(st->memset);
    remove_files(f, stale, nstale);
    hb_file_entries_free(stale, nstale);
    if (rc) {
        remove_files(f, w.v, w.n);
        written_free(&w);
        return rc;
    }
    hb_crashpoint("flush.after_register");

    uint64_t rows = 0, bytes = 0;
    for (size_t i = 0; i < w.n; i++) {
        rows += w.v[i].rows;
        bytes += w.v[i].bytes;
    }
    pthread_mutex_lock(&f->stats_lock);
    f->stats.flushes++;
    f->stats.files += w.n;
    f->stats.rows += rows;
    f->stats.bytes += bytes;
    pthread_mutex_unlock(&f->stats_lock);
    hb_log_debug("flush: %zu files, %llu rows, %llu bytes, WAL released up to %llu", w.n, (unsigned long long)rows,
                 (unsigned long long)bytes, (unsigned long long)upto_seq);
    written_free(&w);
    hb_err e2;
    if (f->wal->release(f->wal->self, upto_seq, &e2))
        hb_log_warn("flush: WAL release up to %llu failed (retried at the next flush): %s",
                    (unsigned long long)upto_seq, e2.msg);
    return HB_OK;
}

int hb_flush_now(hb_flusher *f, hb_err *err)
{
    hb_memset *ms = f->store->memset;
    pthread_mutex_lock(&f->run_lock);
    hb_memset_lock_order(ms);
    int fr = hb_memset_freeze_locked(ms, f->wal->last_seq(f->wal->self));
    hb_memset_unlock_order(ms);
    int rc = HB_OK;
    if (fr < 0) {
        rc = hb_err_set(err, fr, "out of memory freezing the write buffer");
    } else if (fr == 1) {
        /* the next records go to a new segment, so releasing this flush's
         * records can delete whole files */
        hb_err e2;
        if (f->wal->rotate(f->wal->self, &e2))
            hb_log_warn("flush: WAL rotation failed: %s", e2.msg);
    }
    hb_memtable *mt;
    uint64_t upto;
    while (!rc && hb_memset_oldest_frozen(ms, &mt, &upto)) {
        rc = flush_memtable(f, mt, upto, err);
        hb_memtable_unref(mt);
    }
    if (rc) {
        pthread_mutex_lock(&f->stats_lock);
        f->stats.failures++;
        pthread_mutex_unlock(&f->stats_lock);
    }
    pthread_mutex_unlock(&f->run_lock);
    return rc;
}
