#include "app/store.h"

#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "engine/scan.h"

struct hb_store_pending {
    char *key;
    uint64_t epoch;            /* deletable once no snapshot pins an epoch <= this */
    hb_store_pending *next;
};

int hb_store_init(hb_store *s, hb_catalog *cat, hb_memset *ms, hb_registry *reg, hb_storage_port *st, hb_err *err)
{
    memset(s, 0, sizeof *s);
    s->catalog = cat;
    s->memset = ms;
    s->registry = reg;
    s->storage = st;
    s->footers = hb_pq_footer_cache_new(1024);
    if (!s->footers)
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    pthread_mutex_init(&s->gc_lock, NULL);
    return HB_OK;
}

void hb_store_destroy(hb_store *s)
{
    hb_store_collect(s);
    for (hb_store_pending *p = s->pending, *nx; p; p = nx) {
        nx = p->next;
        free(p->key);
        free(p);
    }
    free(s->pins);
    hb_pq_footer_cache_free(s->footers);
    pthread_mutex_destroy(&s->gc_lock);
}

/* Record an open snapshot's epoch. Caller holds gc_lock. */
static int pin_push(hb_store *s, uint64_t epoch)
{
    if (s->npins == s->pins_cap) {
        size_t nc = s->pins_cap ? s->pins_cap * 2 : 16;
        uint64_t *np = realloc(s->pins, nc * sizeof *np);
        if (!np)
            return HB_ENOMEM;
        s->pins = np;
        s->pins_cap = nc;
    }
    s->pins[s->npins++] = epoch;
    return HB_OK;
}

int hb_store_snapshot(hb_store *s, const char *db, const char *rp, hb_snapshot *out, hb_err *err)
{
    memset(out, 0, sizeof *out);
    size_t cap = hb_memset_count(s->memset) + 4;   /* a freeze may add one meanwhile */
    out->memtables = malloc(cap * sizeof *out->memtables);
    if (!out->memtables)
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    /* memtables, files and epoch under one visibility read lock: retirements
     * (and the flush's hand-off) happen under the write lock */
    hb_memset_rdlock(s->memset);
    out->nmemtables = hb_memset_refs_locked(s->memset, out->memtables, cap);
    int rc = hb_registry_files_of(s->registry, db, rp, &out->files, &out->nfiles, err);
    if (!rc && s->tombs)
        rc = hb_tombs_view(s->tombs, db, &out->tombs, err);
    pthread_mutex_lock(&s->gc_lock);
    out->pin = s->epoch;
    int pinned = !rc && pin_push(s, out->pin) == HB_OK;
    pthread_mutex_unlock(&s->gc_lock);
    hb_memset_unlock(s->memset);
    if (!pinned) {
        for (size_t i = 0; i < out->nmemtables; i++)
            hb_memtable_unref(out->memtables[i]);
        free(out->memtables);
        hb_file_entries_free(out->files, out->nfiles);
        hb_tomb_view_release(&out->tombs);
        memset(out, 0, sizeof *out);
        return rc ? rc : hb_err_set(err, HB_ENOMEM, "out of memory");
    }
    if (out->nfiles > 1)
        qsort(out->files, out->nfiles, sizeof *out->files, hb_file_entry_cmp_seq);
    return HB_OK;
}

void hb_store_release(hb_store *s, hb_snapshot *snap)
{
    for (size_t i = 0; i < snap->nmemtables; i++)
        hb_memtable_unref(snap->memtables[i]);
    free(snap->memtables);
    hb_file_entries_free(snap->files, snap->nfiles);
    hb_tomb_view_release(&snap->tombs);
    pthread_mutex_lock(&s->gc_lock);
    for (size_t i = 0; i < s->npins; i++)
        if (s->pins[i] == snap->pin) {
            s->pins[i] = s->pins[--s->npins];
            break;
        }
    int has_pending = s->pending != NULL;
    pthread_mutex_unlock(&s->gc_lock);
    memset(snap, 0, sizeof *snap);
    if (has_pending)
        hb_store_collect(s);
}

void hb_store_retire_files(hb_store *s, const hb_file_entry *files, size_t n)
{
    pthread_mutex_lock(&s->gc_lock);
    uint64_t e = s->epoch++;
    for (size_t i = 0; i < n; i++) {
        hb_store_pending *p = malloc(sizeof *p);
        char *k = strdup(files[i].path);
        if (!p || !k) {
            /* left on storage unregistered: the next start-up removes it */
            free(p);
            free(k);
            continue;
        }
        *p = (hb_store_pending){ k, e, s->pending };
        s->pending = p;
    }
    pthread_mutex_unlock(&s->gc_lock);
}

size_t hb_store_collect(hb_store *s)
{
    hb_store_pending *ready = NULL;
    pthread_mutex_lock(&s->gc_lock);
    uint64_t oldest = UINT64_MAX;
    for (size_t i = 0; i < s->npins; i++)
        if (s->pins[i] < oldest)
            oldest = s->pins[i];
    for (hb_store_pending **pp = &s->pending; *pp;) {
        hb_store_pending *p = *pp;
        if (p->epoch < oldest) {
            *pp = p->next;
            p->next = ready;
            ready = p;
        } else {
            pp = &p->next;
        }
    }
    pthread_mutex_unlock(&s->gc_lock);
    size_t n = 0;
    for (hb_store_pending *p = ready, *nx; p; p = nx) {
        nx = p->next;
        hb_err err;
        hb_pq_footer_cache_forget(s->footers, s->storage, p->key);
        if (s->storage->remove(s->storage->self, p->key, &err))
            hb_log_warn("cannot delete %s (left for the next start-up): %s", p->key, err.msg);
        else
            n++;
        free(p->key);
        free(p);
    }
    if (n) {
        pthread_mutex_lock(&s->gc_lock);
        s->files_deleted += n;
        pthread_mutex_unlock(&s->gc_lock);
    }
    return n;
}

int hb_store_drop(hb_store *s, const char *db, const char *rp, hb_err *err)
{
    hb_file_entry *files = NULL;
    size_t n = 0;
    hb_memset_lock_order(s->memset);
    hb_memset_wrlock(s->memset);
    int rc = rp ? hb_catalog_drop_rp(s->catalog, db, rp, err) : hb_catalog_drop_database(s->catalog, db, err);
    if (rc)
        goto out;
    hb_memset_drop_locked(s->memset, db, rp);
    hb_err e2;
    if (hb_registry_files_of(s->registry, db, rp, &files, &n, &e2) == HB_OK && n) {
        if (hb_registry_commit(s->registry, NULL, 0, files, n, 0, &e2) == HB_OK)
            hb_store_retire_files(s, files, n);
        else  /* the catalog no longer knows the policy: the files are unreachable, removed at start-up */
            hb_log_error("DROP %s%s%s: cannot unregister its files: %s", db, rp ? "." : "", rp ? rp : "", e2.msg);
    }
out:
    hb_memset_unlock(s->memset);
    hb_memset_unlock_order(s->memset);
    hb_file_entries_free(files, n);
    if (!rc)
        hb_store_collect(s);
    return rc;
}

typedef struct orphan_ctx {
    hb_store *s;
    char **keys;
    size_t n, cap;
} orphan_ctx;

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

static int note_orphan(void *ctx, const char *key, uint64_t size)
{
    orphan_ctx *o = ctx;
    if (!ends_with(key, ".parquet") || hb_registry_has_path(o->s->registry, key))
        return 0;
    if (o->n == o->cap) {
        size_t nc = o->cap ? o->cap * 2 : 16;
        char **nk = realloc(o->keys, nc * sizeof *nk);
        if (!nk)
            return HB_ENOMEM;
        o->keys = nk;
        o->cap = nc;
    }
    if (!(o->keys[o->n] = strdup(key)))
        return HB_ENOMEM;
    o->n++;
    return 0;
}

int hb_store_remove_orphans(hb_store *s, uint64_t *removed, hb_err *err)
{
    uint64_t partial = 0;
    *removed = 0;
    int rc = s->storage->clean_partial(s->storage->self, &partial, err);
    if (rc)
        return rc;
    orphan_ctx o = { .s = s };
    rc = s->storage->list(s->storage->self, "", note_orphan, &o, err);
    if (rc == HB_ENOMEM)
        hb_err_set(err, rc, "out of memory listing data files");
    for (size_t i = 0; !rc && i < o.n; i++) {
        hb_log_info("removing unregistered data file %s (left by an interrupted flush or compaction)", o.keys[i]);
        rc = s->storage->remove(s->storage->self, o.keys[i], err);
        if (!rc)
            (*removed)++;
    }
    for (size_t i = 0; i < o.n; i++)
        free(o.keys[i]);
    free(o.keys);
    *removed += partial;
    return rc;
}

typedef struct sources_ctx {
    const char *rp, *meas;
    hb_scan_source *src;
    size_t n, cap;
} sources_ctx;

static int note_table(void *ctx, const hb_mt_table *t)
{
    sources_ctx *sc = ctx;
    if (strcmp(t->rp, sc->rp) || strcmp(t->measurement, sc->meas) || sc->n == sc->cap)
        return 0;
    sc->src[sc->n++] = (hb_scan_source){ .kind = HB_SCAN_MEMTABLE, .table = t };
    return 0;
}

int hb_store_sources(hb_store *s, const hb_snapshot *snap, const char *db, const char *rp, const char *meas,
                     int64_t tmin, int64_t tmax, hb_scan_source **out, size_t *n, hb_err *err)
{
    sources_ctx sc = { .rp = rp, .meas = meas, .cap = snap->nfiles + snap->nmemtables + 1 };
    *out = NULL;
    *n = 0;
    if (!(sc.src = calloc(sc.cap, sizeof *sc.src)))
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    for (size_t i = 0; i < snap->nfiles; i++) {
        const hb_file_entry *f = &snap->files[i];
        if (strcmp(f->rp, rp) || strcmp(f->measurement, meas) || f->max_time < tmin || f->min_time > tmax)
            continue;
        hb_pq_reader *r;
        int rc = hb_pq_footer_cache_open(s->footers, s->storage, f->path, &r, err);
        if (rc) {
            hb_store_sources_release(s, sc.src, sc.n);
            return rc;
        }
        hb_scan_mask *mask = snap->tombs.n ? hb_tomb_mask_new(&snap->tombs, f) : NULL;
        if (!mask && snap->tombs.n) {
            for (size_t k = 0; k < snap->tombs.n && !mask; k++)
                if (hb_tomb_covers_file(snap->tombs.v[k], f)) {   /* covered: NULL was out of memory */
                    hb_pq_footer_cache_release(s->footers, r);
                    hb_store_sources_release(s, sc.src, sc.n);
                    return hb_err_set(err, HB_ENOMEM, "out of memory");
                }
        }
        sc.src[sc.n++] = (hb_scan_source){ .kind = HB_SCAN_FILE, .reader = r, .mask = mask };
    }
    for (size_t i = 0; i < snap->nmemtables; i++)
        hb_memtable_scan_locked(snap->memtables[i], db, rp, note_table, &sc);
    *out = sc.src;
    *n = sc.n;
    return HB_OK;
}

void hb_store_sources_release(hb_store *s, hb_scan_source *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (src[i].kind == HB_SCAN_FILE) {
            hb_pq_footer_cache_release(s->footers, src[i].reader);
            hb_tomb_mask_free((hb_scan_mask *)src[i].mask);
        }
    free(src);
}
