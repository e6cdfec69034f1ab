/* Run summaries (engine/run_summary.h).
 *
 * A published column is one malloc'd block: a header with its size (for
 * the budget) followed by one hb_run_sum per run. The slot on the index is
 * written once with a compare-and-swap, so readers need no lock: they see
 * NULL or a complete block. */
#include "engine/run_summary.h"

#include <stdlib.h>

typedef struct sums_block {
    size_t bytes;
    hb_run_sum run[];
} sums_block;

static uint64_t g_budget = (uint64_t)256 << 20;
static uint64_t g_used;
static uint32_t g_min_rows = RUN_SUMMARY_MIN_ROWS;

void hb_run_sum_set_budget(uint64_t bytes) { __atomic_store_n(&g_budget, bytes, __ATOMIC_RELAXED); }
void hb_run_sum_set_min_rows(uint32_t rows) { __atomic_store_n(&g_min_rows, rows, __ATOMIC_RELAXED); }
uint64_t hb_run_sum_bytes(void) { return __atomic_load_n(&g_used, __ATOMIC_RELAXED); }

static void **slot(const hb_fidx *ix, size_t rg, size_t col) { return &ix->sums[rg * ix->ncols + col]; }

const hb_run_sum *hb_run_sums(const hb_fidx *ix, size_t rg, size_t col)
{
    if (rg >= ix->nrg || col >= ix->ncols)
        return NULL;
    sums_block *b = __atomic_load_n(slot(ix, rg, col), __ATOMIC_ACQUIRE);
    return b ? b->run : NULL;
}

static size_t block_bytes(size_t nruns) { return sizeof(sums_block) + nruns * sizeof(hb_run_sum); }

int hb_run_sums_wanted(const hb_fidx *ix, size_t rg)
{
    if (rg >= ix->nrg)
        return 0;
    const hb_fidx_rg *r = &ix->rgs[rg];
    if (!r->nruns || r->runs[r->nruns - 1].end / r->nruns < __atomic_load_n(&g_min_rows, __ATOMIC_RELAXED))
        return 0;
    return hb_run_sum_bytes() + block_bytes(r->nruns) <= __atomic_load_n(&g_budget, __ATOMIC_RELAXED);
}

static inline int valid_at(const uint8_t *valid, size_t r) { return !valid || ((valid[r >> 3] >> (r & 7)) & 1); }

/* Each typed loop keeps the earliest of equal extremes (strict
 * comparisons in row order), as the row-by-row reducers do. */
#define SUMMARIZE(T, FIELD, ACC)                                                                                 \
    do {                                                                                                         \
        const T *x = v->values;                                                                                  \
        for (size_t r = a; r < e; r++) {                                                                         \
            if (!valid_at(v->valid, r))                                                                          \
                continue;                                                                                        \
            T val = x[r];                                                                                        \
            if (!s->count) {                                                                                     \
                s->first.FIELD = s->min.FIELD = s->max.FIELD = val;                                              \
                s->tfirst = s->tmin = s->tmax = t[r];                                                            \
                s->first_row = (uint32_t)r;                                                                      \
            } else if (val < s->min.FIELD) {                                                                     \
                s->min.FIELD = val;                                                                              \
                s->tmin = t[r];                                                                                  \
            } else if (val > s->max.FIELD) {                                                                     \
                s->max.FIELD = val;                                                                              \
                s->tmax = t[r];                                                                                  \
            }                                                                                                    \
            s->last.FIELD = val;                                                                                 \
            s->tlast = t[r];                                                                                     \
            s->last_row = (uint32_t)r;                                                                           \
            s->count++;                                                                                          \
            ACC;                                                                                                 \
        }                                                                                                        \
    } while (0)

static void summarize(hb_run_sum *s, hb_ftype type, const hb_pq_colvec *v, const int64_t *t, size_t a, size_t e)
{
    *s = (hb_run_sum){ 0 };
    if (type == HB_FT_FLOAT)
        SUMMARIZE(double, f, (void)0);
    else if (type == HB_FT_UNSIGNED)
        SUMMARIZE(uint64_t, u, s->wsum += val);
    else
        SUMMARIZE(int64_t, i, s->wsum += val);
}

void hb_run_sums_build(const hb_fidx *ix, size_t rg, size_t col, hb_ftype type, const hb_pq_colvec *v,
                       const int64_t *t)
{
    if (rg >= ix->nrg || col >= ix->ncols || hb_run_sums(ix, rg, col))
        return;
    if (type != HB_FT_FLOAT && type != HB_FT_INTEGER && type != HB_FT_UNSIGNED)
        return;
    const hb_fidx_rg *r = &ix->rgs[rg];
    size_t bytes = block_bytes(r->nruns);
    uint64_t used = __atomic_add_fetch(&g_used, bytes, __ATOMIC_RELAXED);
    if (used > __atomic_load_n(&g_budget, __ATOMIC_RELAXED))
        goto undo;
    sums_block *b = malloc(bytes);
    if (!b)
        goto undo;
    b->bytes = bytes;
    for (size_t i = 0; i < r->nruns; i++)
        summarize(&b->run[i], type, v, t, r->runs[i].start, r->runs[i].end);
    void *expect = NULL;
    if (__atomic_compare_exchange_n(slot(ix, rg, col), &expect, b, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED))
        return;
    free(b);   /* another scan published the same column first */
undo:
    __atomic_sub_fetch(&g_used, bytes, __ATOMIC_RELAXED);
}

void hb_run_sums_free_all(hb_fidx *ix)
{
    if (!ix->sums)
        return;
    for (size_t i = 0; i < ix->nrg * ix->ncols; i++) {
        sums_block *b = ix->sums[i];
        if (!b)
            continue;
        __atomic_sub_fetch(&g_used, b->bytes, __ATOMIC_RELAXED);
        free(b);
        ix->sums[i] = NULL;
    }
}
