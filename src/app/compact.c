#include "app/compact.h"

#include <stdlib.h>
#include <string.h>

#include "base/crashpoint.h"
#include "base/log.h"
#include "domain/storage_layout.h"
#include "engine/scan.h"

void hb_compactor_init(hb_compactor *c, hb_store *store, const hb_pq_writer_opts *pq, int min_files)
{
    memset(c, 0, sizeof *c);
    c->store = store;
    if (pq)
        c->pq = *pq;
    else
        hb_pq_writer_opts_default(&c->pq);
    c->min_files = min_files < 2 ? 2 : min_files;
    pthread_mutex_init(&c->run_lock, NULL);
    pthread_mutex_init(&c->stats_lock, NULL);
}

void hb_compactor_destroy(hb_compactor *c)
{
    pthread_mutex_destroy(&c->run_lock);
    pthread_mutex_destroy(&c->stats_lock);
}

void hb_compactor_stats(hb_compactor *c, hb_compact_stats *out)
{
    pthread_mutex_lock(&c->stats_lock);
    *out = c->stats;
    pthread_mutex_unlock(&c->stats_lock);
}

/* Merge files[0..n) (one bucket, sorted by (seq, id)) into one new file,
 * without the rows the tombstones of tv delete (app/tombstone.h); the
 * output records marker as the tombstones it applied. */
static int merge_bucket(hb_compactor *c, hb_file_entry *files, size_t n, int64_t hour, const hb_tomb_view *tv,
                        uint64_t marker, hb_err *err)
{
    hb_store *st = c->store;
    const hb_file_entry *first = &files[0];
    hb_pq_reader **readers = calloc(n, sizeof *readers);
    hb_scan_source *src = calloc(n, sizeof *src);
    hb_scan *sc = NULL;
    hb_pq_writer *w = NULL;
    hb_buf key;
    hb_buf_init(&key, 0);
    hb_file_entry out = { 0 };
    int rc = HB_OK, published = 0;
    if (!readers || !src) {
        rc = hb_err_set(err, HB_ENOMEM, "out of memory");
        goto out;
    }
    uint64_t seq = 0, bytes_in = 0;
    for (size_t i = 0; i < n; i++) {
        if ((rc = hb_pq_footer_cache_open(st->footers, st->storage, files[i].path, &readers[i], err)))
            goto out;
        src[i] = (hb_scan_source){ .kind = HB_SCAN_FILE, .reader = readers[i] };
        for (size_t k = 0; k < tv->n; k++)
            if (hb_tomb_covers_file(tv->v[k], &files[i])) {
                if (!(src[i].mask = hb_tomb_mask_new(tv, &files[i]))) {
                    rc = hb_err_set(err, HB_ENOMEM, "out of memory");
                    goto out;
                }
                break;
            }
        if (files[i].tomb > marker)
            marker = files[i].tomb;
        if (files[i].seq > seq)
            seq = files[i].seq;
        bytes_in += files[i].bytes;
    }
    hb_scan_opts so = { .tmin = INT64_MIN, .tmax = INT64_MAX, .block_rows = 8192 };
    if ((rc = hb_scan_open(src, n, first->measurement, &so, &sc, err)))
        goto out;
    uint64_t id = hb_registry_next_id(st->registry);
    if ((rc = hb_layout_file_key(&key, first->db, first->rp, first->measurement, strlen(first->measurement), hour,
                                 id))) {
        rc = hb_err_set(err, rc, "out of memory");
        goto out;
    }
    hb_pq_writer_opts o = c->pq;
    o.measurement = first->measurement;
    if ((rc = hb_pq_writer_open(st->storage, hb_buf_cstr(&key), hb_scan_cols(sc), hb_scan_ncols(sc), &o, &w, err)))
        goto out;
    hb_scan_block blk;
    while ((rc = hb_scan_next(sc, &blk, err)) == 1)
        if ((rc = hb_pq_writer_append(w, blk.vecs, blk.nrows, err)))
            break;
    if (rc) {
        hb_pq_writer_abort(w);
        w = NULL;
        goto out;
    }
    hb_pq_file_info info;
    rc = hb_pq_writer_finish(w, &info, err);
    w = NULL;
    if (rc)
        goto out;
    published = 1;
    out = (hb_file_entry){ .path = (char *)hb_buf_cstr(&key), .db = first->db, .rp = first->rp,
                           .measurement = first->measurement, .min_time = info.min_time,
                           .max_time = info.max_time, .rows = info.rows, .bytes = info.bytes, .id = id, .seq = seq,
                           .tomb = marker };
    hb_crashpoint("compact.before_commit");

    hb_memset_wrlock(st->memset);
    int still = 1;
    for (size_t i = 0; i < n && still; i++)
        still = hb_registry_has_path(st->registry, files[i].path);
    if (still && !(rc = hb_registry_commit(st->registry, info.rows ? &out : NULL, info.rows ? 1 : 0, files, n, 0,
                                           err)))
        hb_store_retire_files(st, files, n);
    hb_memset_unlock(st->memset);
    if (!still || rc)
        goto out;   /* the output is removed below */
    published = 0;  /* registered: keep it */
    if (!info.rows) {   /* every row deleted: the empty output goes too */
        hb_err e2;
        st->storage->remove(st->storage->self, out.path, &e2);
    }
    hb_crashpoint("compact.after_commit");
    pthread_mutex_lock(&c->stats_lock);
    c->stats.merges++;
    c->stats.files_in += n;
    c->stats.rows_out += info.rows;
    c->stats.bytes_in += bytes_in;
    c->stats.bytes_out += info.bytes;
    pthread_mutex_unlock(&c->stats_lock);
    hb_log_debug("compaction: %zu files (%llu bytes) of %s.%s.%s -> %s (%llu rows, %llu bytes)", n,
                 (unsigned long long)bytes_in, first->db, first->rp, first->measurement, out.path,
                 (unsigned long long)info.rows, (unsigned long long)info.bytes);
out:
    if (published) {
        hb_err e2;
        st->storage->remove(st->storage->self, hb_buf_cstr(&key), &e2);
    }
    hb_scan_close(sc);
    for (size_t i = 0; readers && i < n; i++)
        if (readers[i])
            hb_pq_footer_cache_release(st->footers, readers[i]);
    for (size_t i = 0; src && i < n; i++)
        hb_tomb_mask_free((hb_scan_mask *)src[i].mask);
    free(readers);
    free(src);
    hb_buf_free(&key);
    hb_store_collect(st);
    return rc;
}

static int same_bucket(const hb_file_entry *a, const hb_file_entry *b)
{
    return !strcmp(a->db, b->db) && !strcmp(a->rp, b->rp) && !strcmp(a->measurement, b->measurement) &&
           hb_layout_hour(a->min_time) == hb_layout_hour(b->min_time);
}

/* Whether a tombstone of tv deletes rows of some file of b[0..n). */
static int bucket_covered(const hb_tomb_view *tv, const hb_file_entry *b, size_t n)
{
    for (size_t k = 0; k < tv->n; k++)
        for (size_t i = 0; i < n; i++)
            if (hb_tomb_covers_file(tv->v[k], &b[i]))
                return 1;
    return 0;
}

/* Drop the tombstones no file or WAL record can hold rows of any more. */
static void tombs_gc(hb_store *st)
{
    hb_file_entry *all = NULL;
    size_t n = 0;
    hb_err e2;
    hb_memset_wrlock(st->memset);
    if (hb_registry_all(st->registry, &all, &n, &e2) == HB_OK) {
        hb_crashpoint("compact.before_tomb_gc");
        hb_tombs_gc(st->tombs, all, n, hb_registry_flushed_seq(st->registry), &e2);
    }
    hb_memset_unlock(st->memset);
    hb_file_entries_free(all, n);
}

int hb_compact_now(hb_compactor *c, hb_err *err)
{
    pthread_mutex_lock(&c->run_lock);
    hb_file_entry *all = NULL, *bucket = NULL;
    size_t n = 0;
    hb_tomb_view tv = { NULL, 0 };
    uint64_t marker = 0;
    /* the tombstones first: every one a file listed below could need is
     * in the view (a later one masks the output as it masks the inputs) */
    int first_rc = c->store->tombs ? hb_tombs_view(c->store->tombs, NULL, &tv, err) : HB_OK;
    for (size_t k = 0; k < tv.n; k++)
        if (tv.v[k]->id > marker)
            marker = tv.v[k]->id;
    if (!first_rc)
        first_rc = hb_registry_all(c->store->registry, &all, &n, err);
    int listed = !first_rc;
    if (listed && n && !(bucket = malloc(n * sizeof *bucket)))
        first_rc = hb_err_set(err, HB_ENOMEM, "out of memory");
    /* hb_registry_all groups by (db, rp, measurement), then min_time: a
     * bucket is a run of consecutive entries; files spanning more than one
     * hour (not written by us) are left alone */
    for (size_t i = 0; bucket && i < n;) {
        size_t j = i, nb = 0;
        while (j < n && same_bucket(&all[i], &all[j]))
            j++;
        for (size_t m = i; m < j; m++)
            if (hb_layout_hour(all[m].max_time) == hb_layout_hour(all[m].min_time))
                bucket[nb++] = all[m];   /* shallow: all[] owns the strings */
        i = j;
        if (nb < (size_t)c->min_files && !(nb && bucket_covered(&tv, bucket, nb)))
            continue;   /* a file with deleted rows is rewritten even alone in its hour */
        qsort(bucket, nb, sizeof *bucket, hb_file_entry_cmp_seq);
        hb_err e2;
        int rc = merge_bucket(c, bucket, nb, hb_layout_hour(bucket[0].min_time), &tv, marker, &e2);
        if (!rc)
            continue;
        hb_log_error("compaction of %s.%s.%s failed (inputs left as they were): %s", bucket[0].db, bucket[0].rp,
                     bucket[0].measurement, e2.msg);
        pthread_mutex_lock(&c->stats_lock);
        c->stats.failures++;
        pthread_mutex_unlock(&c->stats_lock);
        if (!first_rc) {
            *err = e2;
            first_rc = rc;
        }
    }
    pthread_mutex_lock(&c->stats_lock);
    c->stats.runs++;
    pthread_mutex_unlock(&c->stats_lock);
    free(bucket);
    hb_file_entries_free(all, n);
    hb_tomb_view_release(&tv);
    if (listed && c->store->tombs && hb_tombs_count(c->store->tombs))
        tombs_gc(c->store);
    pthread_mutex_unlock(&c->run_lock);
    return first_rc;
}
