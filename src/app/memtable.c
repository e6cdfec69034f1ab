#include "app/memtable.h"

#include <stdlib.h>
#include <string.h>

struct hb_memtable {
    pthread_rwlock_t lock;
    hb_strmap tables;      /* "db\0rp\0measurement" -> hb_mt_table * */
    size_t bytes;          /* approximate heap bytes held */
    size_t rows;
    int refs;              /* atomic; the last hb_memtable_unref frees */
};

hb_memtable *hb_memtable_new(void)
{
    hb_memtable *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    pthread_rwlock_init(&m->lock, NULL);
    hb_strmap_init(&m->tables);
    m->refs = 1;
    return m;
}

hb_memtable *hb_memtable_ref(hb_memtable *m)
{
    __atomic_add_fetch(&m->refs, 1, __ATOMIC_RELAXED);
    return m;
}

void hb_memtable_unref(hb_memtable *m)
{
    if (m && __atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) == 0)
        hb_memtable_free(m);
}

static void series_free(hb_mt_series *s)
{
    for (uint32_t c = 0; c < s->ncols; c++) {
        free(s->cols[c].valid);
        free(s->cols[c].vals);
    }
    free(s->cols);
    free(s->times);
    free(s);
}

static void table_free(hb_mt_table *t)
{
    for (size_t i = 0; i < t->nseries; i++)
        series_free(t->series[i]);
    free(t->series);
    for (uint32_t f = 0; f < t->nfields; f++)
        free(t->field_names[f]);
    free(t->field_names);
    free(t->field_types);
    hb_u64map_free(&t->index);
    hb_strmap_free(&t->field_index);
    hb_arena_free(&t->strings);
    free(t->db);
    free(t->rp);
    free(t->measurement);
    free(t);
}

void hb_memtable_free(hb_memtable *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->tables.cap; i++)
        if (hb_strmap_live(&m->tables.slots[i]))
            table_free(m->tables.slots[i].val);
    hb_strmap_free(&m->tables);
    pthread_rwlock_destroy(&m->lock);
    free(m);
}

static size_t value_size(hb_ftype t)
{
    switch (t) {
    case HB_FT_BOOLEAN: return 1;
    case HB_FT_STRING: return sizeof(hb_slice);
    default: return 8;
    }
}

static char *dupn(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

/* Key of a table in m->tables: db NUL rp NUL measurement. */
static size_t table_key(char *buf, const char *db, const char *rp, hb_slice meas)
{
    size_t dl = strlen(db), rl = strlen(rp);
    size_t n = dl + 1 + rl + 1 + meas.n;
    memcpy(buf, db, dl + 1);
    memcpy(buf + dl + 1, rp, rl + 1);
    memcpy(buf + dl + rl + 2, meas.p, meas.n);
    return n;
}

static hb_mt_table *table_get(hb_memtable *m, const char *db, const char *rp, hb_slice meas)
{
    char kb[1024];
    char *key = kb;
    size_t need = strlen(db) + strlen(rp) + meas.n + 2;
    if (need > sizeof kb && !(key = malloc(need)))
        return NULL;
    size_t kl = table_key(key, db, rp, meas);
    hb_mt_table *t = hb_strmap_get(&m->tables, key, kl);
    if (!t) {
        t = calloc(1, sizeof *t);
        if (!t)
            goto out;
        t->db = dupn(db, strlen(db));
        t->rp = dupn(rp, strlen(rp));
        t->measurement = dupn(meas.p, meas.n);
        hb_u64map_init(&t->index);
        hb_strmap_init(&t->field_index);
        hb_arena_init(&t->strings, 64 * 1024, 0);
        if (!t->db || !t->rp || !t->measurement || hb_strmap_put(&m->tables, key, kl, t)) {
            table_free(t);
            t = NULL;
            goto out;
        }
        t->bytes = sizeof *t + kl;
        m->bytes += t->bytes;
    }
out:
    if (key != kb)
        free(key);
    return t;
}

/* Position of field (name, type) in the table, adding it if new. -1 on OOM. */
static long field_pos(hb_mt_table *t, const hb_field *f)
{
    uintptr_t v = (uintptr_t)hb_strmap_get(&t->field_index, f->key.p, f->key.n);
    if (v)
        return (long)v - 1;
    if (t->nfields == t->fields_cap) {
        uint32_t nc = t->fields_cap ? t->fields_cap * 2 : 16;
        char **nn = realloc(t->field_names, nc * sizeof *nn);
        if (!nn)
            return -1;
        t->field_names = nn;
        hb_ftype *nt = realloc(t->field_types, nc * sizeof *nt);
        if (!nt)
            return -1;
        t->field_types = nt;
        t->fields_cap = nc;
    }
    char *name = dupn(f->key.p, f->key.n);
    if (!name || hb_strmap_put(&t->field_index, f->key.p, f->key.n, (void *)(uintptr_t)(t->nfields + 1))) {
        free(name);
        return -1;
    }
    t->field_names[t->nfields] = name;
    t->field_types[t->nfields] = f->type;
    t->bytes += f->key.n * 2 + 64;
    return (long)t->nfields++;
}

static hb_mt_series *series_get(hb_mt_table *t, const hb_point *p)
{
    hb_mt_series *s = hb_u64map_get(&t->index, p->series_id);
    if (s)
        return s;
    s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->id = p->series_id;
    s->sorted = 1;
    char *key = hb_arena_strndup(&t->strings, p->series_key.p, p->series_key.n);
    s->tags = hb_arena_alloc(&t->strings, (p->ntags ? p->ntags : 1) * sizeof(hb_tag));
    if (!key || !s->tags)
        goto fail;
    s->key = (hb_slice){ key, p->series_key.n };
    for (uint32_t i = 0; i < p->ntags; i++) {
        const hb_tag *tg = &p->tags[i];
        char *k = hb_arena_strndup(&t->strings, tg->key.p, tg->key.n);
        char *v = hb_arena_strndup(&t->strings, tg->val.p, tg->val.n);
        if (!k || !v)
            goto fail;
        s->tags[i] = (hb_tag){ { k, tg->key.n }, { v, tg->val.n } };
    }
    s->ntags = p->ntags;
    if (t->nseries == t->series_cap) {
        size_t nc = t->series_cap ? t->series_cap * 2 : 16;
        hb_mt_series **ns = realloc(t->series, nc * sizeof *ns);
        if (!ns)
            goto fail;
        t->series = ns;
        t->series_cap = nc;
    }
    if (hb_u64map_put(&t->index, s->id, s))
        goto fail;
    t->series[t->nseries++] = s;
    t->bytes += sizeof *s + p->series_key.n * 2 + 64;
    return s;
fail:
    free(s);
    return NULL;
}

/* Make room for one more row in s, and for columns up to ncols. */
static int series_reserve(hb_mt_table *t, hb_mt_series *s)
{
    if (s->ncols < t->nfields) {
        hb_mt_column *nc = realloc(s->cols, t->nfields * sizeof *nc);
        if (!nc)
            return HB_ENOMEM;
        memset(nc + s->ncols, 0, (t->nfields - s->ncols) * sizeof *nc);
        s->cols = nc;
        s->ncols = t->nfields;
    }
    if (s->nrows < s->cap)
        return HB_OK;
    size_t ncap = s->cap ? s->cap * 2 : 8;
    int64_t *nt = realloc(s->times, ncap * sizeof *nt);
    if (!nt)
        return HB_ENOMEM;
    s->times = nt;
    t->bytes += (ncap - s->cap) * sizeof *nt;
    for (uint32_t c = 0; c < s->ncols; c++) {
        hb_mt_column *col = &s->cols[c];
        if (!col->vals)
            continue;  /* allocated on first value */
        size_t vs = value_size(t->field_types[c]);
        void *nv = realloc(col->vals, ncap * vs);
        if (!nv)
            return HB_ENOMEM;
        col->vals = nv;
        uint8_t *nb = realloc(col->valid, (ncap + 7) / 8);
        if (!nb)
            return HB_ENOMEM;
        memset(nb + (s->cap + 7) / 8, 0, (ncap + 7) / 8 - (s->cap + 7) / 8);
        col->valid = nb;
        t->bytes += (ncap - s->cap) * vs + (ncap - s->cap) / 8 + 1;
    }
    s->cap = ncap;
    return HB_OK;
}

static int column_alloc(hb_mt_table *t, hb_mt_series *s, uint32_t c)
{
    hb_mt_column *col = &s->cols[c];
    size_t vs = value_size(t->field_types[c]);
    col->vals = malloc(s->cap * vs);
    col->valid = calloc((s->cap + 7) / 8, 1);
    if (!col->vals || !col->valid)
        return HB_ENOMEM;
    t->bytes += s->cap * vs + s->cap / 8 + 1;
    return HB_OK;
}

static int insert_point(hb_memtable *m, hb_mt_table *t, const hb_point *p)
{
    size_t bytes_before = t->bytes;
    hb_mt_series *s = series_get(t, p);
    if (!s)
        return HB_ENOMEM;
    /* register fields first so the series gets its columns */
    long pos[64];
    long *fpos = p->nfields <= 64 ? pos : malloc(p->nfields * sizeof *fpos);
    if (!fpos)
        return HB_ENOMEM;
    int rc = HB_OK;
    for (uint32_t f = 0; f < p->nfields; f++)
        if ((fpos[f] = field_pos(t, &p->fields[f])) < 0) {
            rc = HB_ENOMEM;
            goto out;
        }
    if ((rc = series_reserve(t, s)))
        goto out;
    size_t r = s->nrows;
    if (r > 0 && p->time < s->times[r - 1])
        s->sorted = 0;
    s->times[r] = p->time;
    for (uint32_t f = 0; f < p->nfields; f++) {
        const hb_field *fl = &p->fields[f];
        uint32_t c = (uint32_t)fpos[f];
        hb_mt_column *col = &s->cols[c];
        if (!col->vals && (rc = column_alloc(t, s, c)))
            goto out;
        /* the catalog guarantees fl->type == t->field_types[c] */
        switch (t->field_types[c]) {
        case HB_FT_FLOAT: ((double *)col->vals)[r] = fl->v.f; break;
        case HB_FT_INTEGER: ((int64_t *)col->vals)[r] = fl->v.i; break;
        case HB_FT_UNSIGNED: ((uint64_t *)col->vals)[r] = fl->v.u; break;
        case HB_FT_BOOLEAN: ((uint8_t *)col->vals)[r] = (uint8_t)fl->v.b; break;
        case HB_FT_STRING: {
            char *sv = hb_arena_strndup(&t->strings, fl->v.s.p, fl->v.s.n);
            if (!sv) {
                rc = HB_ENOMEM;
                goto out;
            }
            ((hb_slice *)col->vals)[r] = (hb_slice){ sv, fl->v.s.n };
            t->bytes += fl->v.s.n + 1;
            break;
        }
        }
        col->valid[r >> 3] |= (uint8_t)(1u << (r & 7));
    }
    s->nrows++;
    t->rows++;
    m->rows++;
out:
    m->bytes += t->bytes - bytes_before;
    if (fpos != pos)
        free(fpos);
    return rc;
}

int hb_memtable_insert(hb_memtable *m, const char *db, const char *rp, const hb_point *pts, size_t n, hb_err *err)
{
    int rc = HB_OK;
    pthread_rwlock_wrlock(&m->lock);
    hb_mt_table *t = NULL;
    for (size_t i = 0; i < n; i++) {
        const hb_point *p = &pts[i];
        /* consecutive points usually share a measurement */
        if (!t || strlen(t->measurement) != p->measurement.n ||
            memcmp(t->measurement, p->measurement.p, p->measurement.n) != 0) {
            t = table_get(m, db, rp, p->measurement);
            if (!t) {
                rc = HB_ENOMEM;
                break;
            }
        }
        if ((rc = insert_point(m, t, p)))
            break;
    }
    pthread_rwlock_unlock(&m->lock);
    if (rc)
        hb_err_set(err, rc, "in-memory buffer: out of memory");
    return rc;
}

size_t hb_memtable_bytes(hb_memtable *m)
{
    pthread_rwlock_rdlock(&m->lock);
    size_t b = m->bytes;
    pthread_rwlock_unlock(&m->lock);
    return b;
}

size_t hb_memtable_rows(hb_memtable *m)
{
    pthread_rwlock_rdlock(&m->lock);
    size_t r = m->rows;
    pthread_rwlock_unlock(&m->lock);
    return r;
}

void hb_memtable_rdlock(hb_memtable *m) { pthread_rwlock_rdlock(&m->lock); }
void hb_memtable_unlock(hb_memtable *m) { pthread_rwlock_unlock(&m->lock); }

int hb_memtable_scan(hb_memtable *m, const char *db, const char *rp, hb_mt_table_fn fn, void *ctx)
{
    pthread_rwlock_rdlock(&m->lock);
    int rc = hb_memtable_scan_locked(m, db, rp, fn, ctx);
    pthread_rwlock_unlock(&m->lock);
    return rc;
}

int hb_memtable_scan_locked(hb_memtable *m, const char *db, const char *rp, hb_mt_table_fn fn, void *ctx)
{
    int rc = 0;
    for (size_t i = 0; i < m->tables.cap && !rc; i++) {
        if (!hb_strmap_live(&m->tables.slots[i]))
            continue;
        const hb_mt_table *t = m->tables.slots[i].val;
        if ((db && strcmp(db, t->db)) || (rp && strcmp(rp, t->rp)))
            continue;
        rc = fn(ctx, t);
    }
    return rc;
}

void hb_memtable_drop(hb_memtable *m, const char *db, const char *rp)
{
    pthread_rwlock_wrlock(&m->lock);
    for (size_t i = 0; i < m->tables.cap; i++) {
        hb_strmap_slot *sl = &m->tables.slots[i];
        if (!hb_strmap_live(sl))
            continue;
        hb_mt_table *t = sl->val;
        if (strcmp(db, t->db) || (rp && strcmp(rp, t->rp)))
            continue;
        m->rows -= t->rows;
        m->bytes -= t->bytes;
        hb_strmap_del(&m->tables, sl->key, sl->klen);
        table_free(t);
    }
    pthread_rwlock_unlock(&m->lock);
}

/* Keep the rows of s outside [tmin, tmax]; returns how many went. */
static size_t series_cut(const hb_mt_table *t, hb_mt_series *s, int64_t tmin, int64_t tmax)
{
    size_t w = 0;
    for (size_t r = 0; r < s->nrows; r++) {
        if (s->times[r] >= tmin && s->times[r] <= tmax)
            continue;
        if (w != r) {
            s->times[w] = s->times[r];
            for (uint32_t c = 0; c < s->ncols; c++) {
                hb_mt_column *col = &s->cols[c];
                if (!col->vals)
                    continue;
                size_t vs = value_size(t->field_types[c]);
                memcpy((char *)col->vals + w * vs, (char *)col->vals + r * vs, vs);
                if (hb_mt_valid(col, r))
                    col->valid[w >> 3] |= (uint8_t)(1u << (w & 7));
                else
                    col->valid[w >> 3] &= (uint8_t)~(1u << (w & 7));
            }
        }
        w++;
    }
    size_t gone = s->nrows - w;
    for (uint32_t c = 0; gone && c < s->ncols; c++)   /* rows past the end hold no value */
        for (size_t r = w; s->cols[c].valid && r < s->nrows; r++)
            s->cols[c].valid[r >> 3] &= (uint8_t)~(1u << (r & 7));
    s->nrows = w;
    return gone;
}

size_t hb_memtable_delete(hb_memtable *m, const char *db, const char *meas, int (*want)(void *ctx, hb_slice key),
                          void *ctx, int64_t tmin, int64_t tmax)
{
    size_t removed = 0;
    pthread_rwlock_wrlock(&m->lock);
    for (size_t i = 0; i < m->tables.cap; i++) {
        hb_strmap_slot *sl = &m->tables.slots[i];
        if (!hb_strmap_live(sl))
            continue;
        hb_mt_table *t = sl->val;
        if (strcmp(db, t->db) || strcmp(meas, t->measurement))
            continue;
        size_t k = 0;
        for (size_t j = 0; j < t->nseries; j++) {
            hb_mt_series *s = t->series[j];
            if (want(ctx, s->key)) {
                size_t gone = series_cut(t, s, tmin, tmax);
                removed += gone;
                t->rows -= gone;
                m->rows -= gone;
                if (!s->nrows) {
                    hb_u64map_del(&t->index, s->id);
                    series_free(s);
                    continue;
                }
            }
            t->series[k++] = s;
        }
        t->nseries = k;
        if (!t->nseries) {
            m->bytes -= t->bytes;
            hb_strmap_del(&m->tables, sl->key, sl->klen);
            table_free(t);
        }
    }
    pthread_rwlock_unlock(&m->lock);
    return removed;
}
