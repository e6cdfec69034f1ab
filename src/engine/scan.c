/* The merged scan of one measurement (engine/scan.h): columns, the k-way
 * merge and output blocks. Sources live in scan_file.c and scan_memtable.c.
 *
 * Algorithm. Every source presents its rows in (series key, time) order,
 * one row per (key, time): a file by contract (checked while loading), a
 * memtable source by sorting and grouping equal times. Each READY source
 * has a head row (hkey, htime) and sits in a binary min-heap ordered by
 * (key bytes, time, source index). One merge step looks at the root m and
 * the smaller of its two children b (the second-smallest head):
 *   - b has the same (key, time) as m: pop every source with that head
 *     (they come out in source order), write one row whose every column
 *     takes the value of the last of them that has it non-null, advance
 *     each by one row and put it back;
 *   - otherwise copy a run: every row of m that sorts strictly before b's
 *     head (or, with no b, every row of m) up to the room left in the
 *     block; files copy column by column (memcpy and bitmap copies), the
 *     memtable gathers through its row order. Then m goes back into the
 *     heap (sift down). With one source, or sources that do not interleave,
 *     a step copies long runs and costs one key comparison per series.
 * The heap makes a step O(log k) key comparisons for k sources.
 *
 * Lifetime of what a block points to. The block's arrays (keys, vecs and
 * the value and validity arrays under them) belong to the scan and are
 * rewritten by the next hb_scan_next. String values (tags, string fields)
 * and keys are not copied: they point into the sources, the memtable for
 * memtable rows and the source's arena for file rows. A file source's arena
 * holds exactly one row group and is reset when the next one is loaded. So
 * when a file source has used up its row group (PENDING) and rows of the
 * block being filled came from it (in_block), the block is returned before
 * the load (a "cut": the block has fewer than block_rows rows), and the
 * load happens at the start of the next call, when the previous block is no
 * longer valid. A merged row may take strings from several sources: all of
 * them are marked in_block. A PENDING source is never left waiting while
 * the merge goes on: its next row is unknown until loaded, so a step only
 * happens with no source PENDING. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/workers.h"
#include "engine/scan_internal.h"

#define DEFAULT_BLOCK_ROWS 4096

/* ---- heap on (hkey, htime, idx) ---- */

static inline int head_less(const scan_src *a, const scan_src *b)
{
    int c = scan_keycmp(a->hkey, b->hkey);
    if (c)
        return c < 0;
    if (a->htime != b->htime)
        return a->htime < b->htime;
    return a->idx < b->idx;
}

static inline int same_row(const scan_src *a, const scan_src *b)
{
    return a->htime == b->htime && scan_keycmp(a->hkey, b->hkey) == 0;
}

static void sift_down(hb_scan *s, size_t i)
{
    scan_src **h = s->heap, *x = h[i];
    size_t n = s->nheap;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && head_less(h[c + 1], h[c]))
            c++;
        if (!head_less(h[c], x))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = x;
}

static void heap_push(hb_scan *s, scan_src *x)
{
    scan_src **h = s->heap;
    size_t i = s->nheap++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!head_less(x, h[p]))
            break;
        h[i] = h[p];
        i = p;
    }
    h[i] = x;
}

static scan_src *heap_pop(hb_scan *s)
{
    scan_src *top = s->heap[0];
    if (--s->nheap) {
        s->heap[0] = s->heap[s->nheap];
        sift_down(s, 0);
    }
    return top;
}

/* A source just advanced: back into the heap, to the pending list, or gone. */
static void place(hb_scan *s, scan_src *x)
{
    if (x->state == SRC_READY)
        heap_push(s, x);
    else if (x->state == SRC_PENDING)
        s->pending[s->npending++] = x;
}

/* ---- columns ---- */

typedef struct field_def {
    const char *name;
    hb_ftype type;
    size_t src;          /* first source that has it */
} field_def;

static int cmp_cstr(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }
static int cmp_field(const void *a, const void *b)
{
    return strcmp(((const field_def *)a)->name, ((const field_def *)b)->name);
}

static void src_name(const hb_scan *s, size_t i, char *buf, size_t n)
{
    const scan_src *x = &s->src[i];
    if (x->kind == HB_SCAN_FILE)
        snprintf(buf, n, "file %s", hb_pq_reader_key(x->reader));
    else
        snprintf(buf, n, "the write buffer (source %zu)", i);
}

typedef struct col_acc {
    hb_strmap tags;      /* name -> 1 */
    hb_strmap fields;    /* name -> index + 1 in defs */
    hb_strmap proj;      /* projected names -> 1 */
    int projected;
    field_def *defs;
    size_t ndefs, cap;
} col_acc;

static int add_field(hb_scan *s, col_acc *a, const char *name, hb_ftype type, size_t src, hb_err *err)
{
    size_t len = strlen(name);
    if (a->projected && !hb_strmap_get(&a->proj, name, len))
        return HB_OK;
    uintptr_t k = (uintptr_t)hb_strmap_get(&a->fields, name, len);
    if (k) {
        const field_def *d = &a->defs[k - 1];
        if (d->type == type)
            return HB_OK;
        char n1[300], n2[300];
        src_name(s, d->src, n1, sizeof n1);
        src_name(s, src, n2, sizeof n2);
        return hb_err_set(err, HB_ECORRUPT, "field %s of measurement %.*s is %s in %s but %s in %s", name,
                          (int)s->meas.n, s->meas.p, hb_ftype_name(d->type), n1, hb_ftype_name(type), n2);
    }
    if (a->ndefs == a->cap) {
        size_t nc = a->cap ? a->cap * 2 : 32;
        field_def *nd = realloc(a->defs, nc * sizeof *nd);
        if (!nd)
            return HB_ENOMEM;
        a->defs = nd;
        a->cap = nc;
    }
    char *copy = hb_arena_strndup(&s->names, name, len);
    if (!copy)
        return HB_ENOMEM;
    a->defs[a->ndefs++] = (field_def){ copy, type, src };
    return hb_strmap_put(&a->fields, name, len, (void *)(uintptr_t)a->ndefs);
}

static int add_tag(col_acc *a, const char *name, size_t len)
{
    if (hb_strmap_get(&a->tags, name, len))
        return HB_OK;
    return hb_strmap_put(&a->tags, name, len, (void *)1);
}

/* Union of the sources' tags and (projected) fields, sorted by name. */
static int build_columns(hb_scan *s, const hb_scan_opts *opts, hb_err *err)
{
    col_acc a;
    memset(&a, 0, sizeof a);
    hb_strmap_init(&a.tags);
    hb_strmap_init(&a.fields);
    hb_strmap_init(&a.proj);
    const char **tagnames = NULL;
    int rc = HB_OK;
    if (opts && opts->fields) {
        a.projected = 1;
        for (size_t i = 0; i < opts->nfields; i++)
            if (opts->fields[i] && (rc = hb_strmap_put(&a.proj, opts->fields[i], strlen(opts->fields[i]), (void *)1)))
                goto nomem;
    }
    for (size_t i = 0; i < s->nsrc; i++) {
        const scan_src *x = &s->src[i];
        if (x->kind == HB_SCAN_FILE) {
            for (size_t c = 0; c < hb_pq_reader_ncols(x->reader); c++) {
                const hb_pq_coldef *cd = hb_pq_reader_col(x->reader, c);
                if (cd->role == HB_PQ_TAG)
                    rc = add_tag(&a, cd->name, strlen(cd->name));
                else if (cd->role == HB_PQ_FIELD)
                    rc = add_field(s, &a, cd->name, cd->type, i, err);
                if (rc == HB_ENOMEM)
                    goto nomem;
                if (rc)
                    goto out;
            }
            continue;
        }
        const hb_mt_table *t = x->table;
        const hb_mt_series *prev = NULL;
        for (size_t q = 0; q < t->nseries; q++) {
            const hb_mt_series *se = t->series[q];
            /* series of a table mostly share their tag keys: skip the hashing then */
            int same = prev && prev->ntags == se->ntags;
            for (uint32_t k = 0; same && k < se->ntags; k++)
                same = hb_slice_eq(prev->tags[k].key, se->tags[k].key);
            prev = se;
            for (uint32_t k = 0; !same && k < se->ntags; k++)
                if ((rc = add_tag(&a, se->tags[k].key.p, se->tags[k].key.n)))
                    goto nomem;
        }
        for (uint32_t f = 0; f < t->nfields; f++) {
            rc = add_field(s, &a, t->field_names[f], t->field_types[f], i, err);
            if (rc == HB_ENOMEM)
                goto nomem;
            if (rc)
                goto out;
        }
    }

    s->ntags = a.tags.count;
    s->ncols = 1 + s->ntags + a.ndefs;
    tagnames = malloc((s->ntags ? s->ntags : 1) * sizeof *tagnames);
    s->cols = calloc(s->ncols, sizeof *s->cols);
    s->colname = calloc(s->ncols, sizeof *s->colname);
    if (!tagnames || !s->cols || !s->colname)
        goto nomem;
    size_t k = 0;
    for (size_t i = 0; i < a.tags.cap; i++) {
        const hb_strmap_slot *sl = &a.tags.slots[i];
        if (hb_strmap_live(sl) && !(tagnames[k++] = hb_arena_strndup(&s->names, sl->key, sl->klen)))
            goto nomem;
    }
    qsort(tagnames, s->ntags, sizeof *tagnames, cmp_cstr);
    if (a.ndefs)
        qsort(a.defs, a.ndefs, sizeof *a.defs, cmp_field);
    s->cols[0] = (hb_pq_coldef){ "time", HB_PQ_TIME, HB_FT_INTEGER };
    for (size_t i = 0; i < s->ntags; i++) {
        s->cols[1 + i] = (hb_pq_coldef){ tagnames[i], HB_PQ_TAG, HB_FT_STRING };
        if (hb_strmap_put(&s->tagmap, tagnames[i], strlen(tagnames[i]), (void *)(uintptr_t)(1 + i)))
            goto nomem;
    }
    for (size_t i = 0; i < a.ndefs; i++)
        s->cols[1 + s->ntags + i] = (hb_pq_coldef){ a.defs[i].name, HB_PQ_FIELD, a.defs[i].type };
    for (size_t j = 0; j < s->ncols; j++)
        s->colname[j] = hb_slice_c(s->cols[j].name);
    goto out;
nomem:
    rc = hb_err_set(err, HB_ENOMEM, "out of memory opening a scan of %.*s", (int)s->meas.n, s->meas.p);
out:
    free(tagnames);
    free(a.defs);
    hb_strmap_free(&a.tags);
    hb_strmap_free(&a.fields);
    hb_strmap_free(&a.proj);
    return rc;
}

static int alloc_out(hb_scan *s, size_t cap, hb_err *err)
{
    scan_out *o = &s->out;
    o->cap = cap;
    o->vals = calloc(s->ncols, sizeof *o->vals);
    o->valid = calloc(s->ncols, sizeof *o->valid);
    o->esz = calloc(s->ncols, 1);
    s->vecs = calloc(s->ncols, sizeof *s->vecs);
    if (!o->vals || !o->valid || !o->esz || !s->vecs || cap > SIZE_MAX / 2 / sizeof(hb_slice))
        goto nomem;
    if (!(o->keys = malloc(cap * sizeof *o->keys)))
        goto nomem;
    for (size_t j = 0; j < s->ncols; j++) {
        o->esz[j] = (uint8_t)scan_esz(s->cols[j].type);
        if (!(o->vals[j] = malloc(cap * o->esz[j])))
            goto nomem;
        if (j && !(o->valid[j] = calloc((cap + 7) / 8, 1)))
            goto nomem;
        s->vecs[j] = (hb_pq_colvec){ o->valid[j], o->vals[j] };
    }
    return HB_OK;
nomem:
    return hb_err_set(err, HB_ENOMEM, "out of memory for scan blocks of %zu rows", cap);
}

/* ---- open / close ---- */

typedef struct src_span {
    int64_t lo, hi;
    scan_src *src;
} src_span;

static int cmp_span(const void *a, const void *b)
{
    const src_span *x = a, *y = b;
    return (x->lo > y->lo) - (x->lo < y->lo);
}

/* scan_src.exclusive for every file whose time range overlaps no other
 * source's: sorted by first time, a span overlaps another exactly when it
 * starts at or before the latest end of the spans before it, or the next
 * span starts at or before its end. */
static int mark_exclusive(hb_scan *s, hb_err *err)
{
    src_span *v = malloc((s->nsrc ? s->nsrc : 1) * sizeof *v);
    if (!v)
        return hb_err_set(err, HB_ENOMEM, "out of memory opening a scan of %.*s", (int)s->meas.n, s->meas.p);
    size_t n = 0;
    for (size_t i = 0; i < s->nsrc; i++) {
        scan_src *x = &s->src[i];
        int64_t lo, hi;
        int any = x->kind == HB_SCAN_FILE ? scan_file_time_range(x, &lo, &hi) : scan_mt_time_range(x, &lo, &hi);
        if (any)
            v[n++] = (src_span){ lo, hi, x };
    }
    qsort(v, n, sizeof *v, cmp_span);
    int64_t reach = INT64_MIN;   /* latest end among v[0..i) */
    for (size_t i = 0; i < n; i++) {
        int overlaps = (i > 0 && v[i].lo <= reach) || (i + 1 < n && v[i + 1].lo <= v[i].hi);
        v[i].src->exclusive = !overlaps && v[i].src->kind == HB_SCAN_FILE;
        if (i == 0 || v[i].hi > reach)
            reach = v[i].hi;
    }
    free(v);
    return HB_OK;
}

/* On success *out is owned by the caller (hb_scan_close). */
int hb_scan_open(const hb_scan_source *src, size_t n, const char *measurement, const hb_scan_opts *opts,
                 hb_scan **out, hb_err *err)
{
    *out = NULL;
    if (!measurement || (n && !src))
        return hb_err_set(err, HB_EINVAL, "scan: no measurement or no sources");
    for (size_t i = 0; i < n; i++)
        if ((src[i].kind == HB_SCAN_FILE && !src[i].reader) || (src[i].kind == HB_SCAN_MEMTABLE && !src[i].table) ||
            (src[i].kind != HB_SCAN_FILE && src[i].kind != HB_SCAN_MEMTABLE))
            return hb_err_set(err, HB_EINVAL, "scan of %s: source %zu is not a file or a memtable table",
                              measurement, i);
    hb_scan *s = calloc(1, sizeof *s);
    if (!s)
        return hb_err_set(err, HB_ENOMEM, "out of memory opening a scan of %s", measurement);
    int rc;
    hb_arena_init(&s->names, 4096, 0);
    hb_strmap_init(&s->tagmap);
    hb_strmap_init(&s->cutoff);
    s->tmin = opts ? opts->tmin : INT64_MIN;
    s->tmax = opts ? opts->tmax : INT64_MAX;
    s->filter = opts ? opts->series_filter : NULL;
    s->filter_ctx = opts ? opts->series_ctx : NULL;
    s->workers = opts ? opts->workers : NULL;
    s->par_min = opts && opts->parallel_min_values ? opts->parallel_min_values : 65536;
    s->sparse_tags = opts && opts->sparse_tags;
    s->sums = opts ? opts->summaries : NULL;
    size_t mlen = strlen(measurement);
    char *m = hb_arena_strndup(&s->names, measurement, mlen);
    s->src = calloc(n ? n : 1, sizeof *s->src);
    s->heap = calloc(n ? n : 1, sizeof *s->heap);
    s->pending = calloc(n ? n : 1, sizeof *s->pending);
    s->dups = calloc(n ? n : 1, sizeof *s->dups);
    if (!m || !s->src || !s->heap || !s->pending || !s->dups) {
        rc = hb_err_set(err, HB_ENOMEM, "out of memory opening a scan of %s", measurement);
        goto fail;
    }
    s->meas = (hb_slice){ m, mlen };
    s->nsrc = n;
    for (size_t i = 0; i < n; i++) {
        scan_src *x = &s->src[i];
        x->kind = src[i].kind;
        x->idx = (uint32_t)i;
        x->state = SRC_DONE;
        if (x->kind == HB_SCAN_FILE) {
            x->reader = src[i].reader;
            x->mask = src[i].mask && src[i].mask->max_holes ? src[i].mask : NULL;
        } else
            x->table = src[i].table;
    }
    if ((rc = build_columns(s, opts, err)))
        goto fail;
    if (!(s->ftags = calloc(s->ncols + 1, sizeof *s->ftags))) {
        rc = hb_err_set(err, HB_ENOMEM, "out of memory opening a scan of %s", measurement);
        goto fail;
    }
    if ((rc = alloc_out(s, opts && opts->block_rows ? opts->block_rows : DEFAULT_BLOCK_ROWS, err)))
        goto fail;
    for (size_t i = 0; i < n; i++) {
        scan_src *x = &s->src[i];
        rc = x->kind == HB_SCAN_FILE ? scan_file_init(s, x, err) : scan_mt_init(s, x, err);
        if (rc)
            goto fail;
    }
    s->series_limit = opts ? opts->series_limit : 0;
    s->series_last = opts && opts->series_last;
    for (size_t i = 0; s->series_limit && i < n; i++)
        if (s->src[i].kind == HB_SCAN_FILE && !s->src[i].mask &&
            (rc = scan_file_cutoffs(s, &s->src[i], &s->names, err)))
            goto fail;
    if (s->tmin > s->tmax) {
        s->finished = 1;
    } else {
        /* files load their first row group in the first hb_scan_next */
        for (size_t i = 0; i < n; i++) {
            scan_src *x = &s->src[i];
            if (x->kind == HB_SCAN_MEMTABLE && (rc = scan_mt_start(s, x, err)))
                goto fail;
            place(s, x);
        }
    }
    *out = s;
    return HB_OK;
fail:
    hb_scan_close(s);
    return rc;
}

void hb_scan_close(hb_scan *s)
{
    if (!s)
        return;
    free(s->ftags);
    for (size_t i = 0; s->src && i < s->nsrc; i++) {
        if (s->src[i].kind == HB_SCAN_FILE)
            scan_file_free(&s->src[i]);
        else
            scan_mt_free(&s->src[i]);
    }
    for (size_t j = 0; j < s->ncols; j++) {
        if (s->out.vals)
            free(s->out.vals[j]);
        if (s->out.valid)
            free(s->out.valid[j]);
    }
    free(s->out.vals);
    free(s->out.valid);
    free(s->out.esz);
    free(s->out.keys);
    free(s->out.sums);
    free(s->vecs);
    free(s->cols);
    free(s->colname);
    free(s->src);
    free(s->heap);
    free(s->pending);
    free(s->dups);
    hb_strmap_free(&s->tagmap);
    hb_strmap_free(&s->cutoff);
    hb_arena_free(&s->names);
    free(s);
}

size_t hb_scan_ncols(const hb_scan *s) { return s->ncols; }

/* Owned by the scan, valid until hb_scan_close. */
const hb_pq_coldef *hb_scan_cols(const hb_scan *s) { return s->cols; }

void hb_scan_get_stats(const hb_scan *s, hb_scan_stats *out)
{
    *out = s->stats;
    for (size_t i = 0; i < s->nsrc; i++) {
        out->rows_in += s->src[i].stats.rows_in;
        out->row_groups_read += s->src[i].stats.row_groups_read;
        out->row_groups_skipped += s->src[i].stats.row_groups_skipped;
        out->summary_runs += s->src[i].stats.summary_runs;
        out->runs_pruned += s->src[i].stats.runs_pruned;
    }
}

/* ---- the merge ---- */

/* hb_workers task: load pending source i. */
static void load_one(void *ctx, size_t i)
{
    const hb_scan *s = ctx;
    scan_src *x = s->pending[i];
    hb_err_clear(&x->load_err);
    x->load_rc = scan_file_load(s, x, &x->load_err);
}

/* Load every PENDING source (on the scan's workers when there are several),
 * or return 1 (cut the block) when one of them has rows in the block being
 * filled. */
static int load_pending(hb_scan *s, hb_err *err)
{
    if (s->out.n)
        for (size_t i = 0; i < s->npending; i++)
            if (s->pending[i]->in_block)
                return 1;
    uint64_t work = 0;
    size_t busy = 0;
    for (size_t i = 0; s->npending > 1 && s->workers && i < s->npending; i++) {
        scan_src *x = s->pending[i];
        hb_err_clear(&x->load_err);
        x->load_rc = 0;
        uint64_t w = scan_file_pick(s, x, &x->load_err);
        if (x->load_rc) {
            hb_err_set(err, x->load_rc, "%s", x->load_err.msg);
            return x->load_rc;
        }
        work += w;
        busy += w > 0;
    }
    /* several files with enough to decode: on the workers */
    if (busy > 1 && work >= s->par_min) {
        hb_workers_run(s->workers, s->npending, load_one, s);
        for (size_t i = 0; i < s->npending; i++)
            if (s->pending[i]->load_rc) {
                hb_err_set(err, s->pending[i]->load_rc, "%s", s->pending[i]->load_err.msg);
                return s->pending[i]->load_rc;
            }
        while (s->npending)
            place(s, s->pending[--s->npending]);
    }
    while (s->npending) {
        scan_src *x = s->pending[--s->npending];
        int rc = scan_file_load(s, x, err);
        if (rc)
            return rc;
        place(s, x);
    }
    return 0;
}

/* The root's rows before b's head (b NULL: no bound) into the block. */
static int copy_run(hb_scan *s, scan_src *m, const scan_src *b, hb_err *err)
{
    size_t space = s->out.cap - s->out.n, got = 0;
    int rc = HB_OK;
    if (m->kind == HB_SCAN_FILE)
        got = scan_file_run(s, m, b, space);
    else
        rc = scan_mt_run(s, m, b, space, &got, err);
    m->in_block |= got > 0;
    if (rc)
        return rc;
    if (m->state == SRC_READY) {
        sift_down(s, 0);
    } else {
        heap_pop(s);
        place(s, m);
    }
    return HB_OK;
}

/* Every source whose head is the root's (key, time): one merged row. */
static int merge_equal(hb_scan *s, hb_err *err)
{
    scan_out *o = &s->out;
    size_t nd = 0;
    scan_src **dups = s->dups;
    dups[nd++] = heap_pop(s);
    while (s->nheap && same_row(s->heap[0], dups[0]))
        dups[nd++] = heap_pop(s);
    size_t d = o->n;
    ((int64_t *)o->vals[0])[d] = dups[0]->htime;
    o->keys[d] = dups[0]->hkey;
    for (size_t j = 1; j < s->ncols; j++) {
        size_t es = o->esz[j];
        for (size_t k = nd; k-- > 0;) {  /* the last source wins */
            const scan_src *x = dups[k];
            const void *p = x->kind == HB_SCAN_FILE ? scan_file_value(s, x, j) : scan_mt_value(s, x, j);
            if (p) {
                if (es == 8)
                    ((uint64_t *)o->vals[j])[d] = *(const uint64_t *)p;
                else if (es == 1)
                    ((uint8_t *)o->vals[j])[d] = *(const uint8_t *)p;
                else
                    ((hb_slice *)o->vals[j])[d] = *(const hb_slice *)p;
                scan_bit_set(o->valid[j], d);
                break;
            }
        }
    }
    o->n++;
    for (size_t k = 0; k < nd; k++) {
        scan_src *x = dups[k];
        x->in_block = 1;
        if (x->kind == HB_SCAN_FILE) {
            scan_file_advance(x);
        } else {
            int rc = scan_mt_advance(s, x, err);
            if (rc)
                return rc;
        }
        place(s, x);
    }
    return HB_OK;
}

int hb_scan_next(hb_scan *s, hb_scan_block *out, hb_err *err)
{
    if (s->failed)
        return hb_err_set(err, s->failed, "%s", s->fail.msg);
    if (s->finished)
        return 0;
    scan_out *o = &s->out;
    size_t nb = (o->n + 7) / 8;
    for (size_t j = 1; j < s->ncols; j++)
        memset(o->valid[j], 0, nb);
    o->n = 0;
    o->summary = 0;
    for (size_t i = 0; i < s->nsrc; i++)
        s->src[i].in_block = 0;
    hb_err e;
    hb_err_clear(&e);
    int rc = HB_OK;
    /* which files overlap no other source matters only to summary use,
     * known once the caller has set s->sums up (it may after opening) */
    if (!s->excl_done) {
        s->excl_done = 1;
        if (s->sums && s->sums->on && (s->sums->one_bucket || s->sums->run_filter) && (rc = mark_exclusive(s, &e)))
            goto fail;
    }
    while (o->n < o->cap) {
        if (s->npending) {
            if ((rc = load_pending(s, &e)) < 0)
                goto fail;
            if (rc > 0)
                break;
        }
        if (!s->nheap)
            break;
        scan_src *m = s->heap[0], *b = NULL;
        if (scan_file_head_sum(m)) {
            /* a summarized run: summary rows and rows never share a block */
            if (o->n && !o->summary)
                break;
            if (!o->sums && !(o->sums = calloc(o->cap * s->ncols, sizeof *o->sums))) {
                rc = hb_err_set(&e, HB_ENOMEM, "out of memory for a summary block of %zu rows", o->cap);
                goto fail;
            }
            o->summary = 1;
            scan_file_sum_row(s, m);
            if (m->state == SRC_READY) {
                sift_down(s, 0);
            } else {
                heap_pop(s);
                place(s, m);
            }
            continue;
        }
        if (o->summary)
            break;
        if (s->nheap > 1) {
            b = s->heap[1];
            if (s->nheap > 2 && head_less(s->heap[2], b))
                b = s->heap[2];
        }
        rc = b && same_row(m, b) ? merge_equal(s, &e) : copy_run(s, m, b, &e);
        if (rc < 0)
            goto fail;
    }
    if (!o->n) {
        s->finished = 1;
        return 0;
    }
    s->stats.rows_out += o->n;
    out->nrows = o->n;
    out->keys = o->keys;
    out->vecs = s->vecs;
    out->sums = o->summary ? o->sums : NULL;
    return 1;
fail:
    if (!e.msg[0])
        hb_err_set(&e, rc, "scan of %.*s: %s", (int)s->meas.n, s->meas.p, hb_strerror(rc));
    s->failed = rc;
    s->fail = e;
    o->n = 0;
    return hb_err_set(err, rc, "%s", e.msg);
}
