/* libFuzzer target: the Parquet file reader. The input is stored as one
 * object in a memory StoragePort; open it (footer validation), query every
 * column's statistics and decode every column chunk of every row group,
 * whole and with page skipping (row ranges taken from the input), build the
 * engine's series index of the file (its order checks read hostile data
 * too), and go through the footer cache. Must never crash, leak, read out of
 * bounds or allocate without bound (the decode arena is capped). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "adapters/storage_memory.h"
#include "engine/file_index.h"
#include "format/parquet_reader.h"

#define ARENA_CAP ((size_t)64 << 20)

static void read_all(hb_pq_reader *r)
{
    hb_arena a;
    hb_arena_init(&a, 0, ARENA_CAP);
    hb_err e;
    for (size_t g = 0; g < hb_pq_reader_row_groups(r); g++) {
        int64_t mn, mx;
        (void)hb_pq_reader_rg_time_range(r, g, &mn, &mx);
        for (size_t c = 0; c < hb_pq_reader_ncols(r); c++) {
            hb_pq_colstats s;
            (void)hb_pq_reader_stats(r, g, c, &s);
            hb_pq_colvec cv;
            if (hb_pq_reader_read(r, g, c, &a, &cv, &e) == 0) {
                uint64_t n = hb_pq_reader_rg_rows(r, g);
                const hb_pq_coldef *d = hb_pq_reader_col(r, c);
                volatile uint64_t sink = 0;
                for (uint64_t i = 0; i < n; i++) {
                    if (!hb_pq_valid(cv.valid, i))
                        continue;
                    if (d->type == HB_FT_STRING) {
                        const hb_slice *sl = &((const hb_slice *)cv.values)[i];
                        if (sl->n)
                            sink += (uint8_t)sl->p[0] + (uint8_t)sl->p[sl->n - 1];
                    } else if (d->type == HB_FT_BOOLEAN) {
                        sink += ((const uint8_t *)cv.values)[i];
                    } else {
                        sink += ((const uint64_t *)cv.values)[i];
                    }
                }
                (void)sink;
            }
            hb_arena_reset(&a);
            /* two row ranges from the row count: pages outside are skipped */
            uint64_t n = hb_pq_reader_rg_rows(r, g);
            hb_pq_rowrange want[2] = { { n / 5, n / 5 + 1 + n / 7 }, { n / 2 + 3, n } };
            if (want[0].hi < want[1].lo && want[1].lo < n)
                (void)hb_pq_reader_read_rows(r, g, c, want, 2, &a, &cv, &e);
            hb_arena_reset(&a);
        }
    }
    hb_arena_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    hb_storage_port st;
    hb_err e;
    if (hb_storage_memory_open(&st, &e))
        return 0;
    if (st.put(st.self, "fuzz.parquet", data, n, &e) == 0) {
        hb_pq_reader *r;
        if (hb_pq_reader_open(&st, "fuzz.parquet", &r, &e) == 0) {
            for (size_t c = 0; c < hb_pq_reader_ncols(r); c++)
                (void)hb_pq_reader_find_col(r, hb_pq_reader_col(r, c)->name);
            (void)hb_pq_reader_kv(r, "hyperbytedb.tags");
            read_all(r);
            const hb_fidx *ix;
            if (hb_fidx_get(r, "m", &ix, &e) == 0)
                for (size_t g = 0; g < ix->nrg; g++)
                    for (size_t k = 0; k < ix->rgs[g].nruns; k++)
                        if (ix->rgs[g].runs[k].start >= ix->rgs[g].runs[k].end)
                            __builtin_trap();   /* runs are never empty */
            hb_pq_reader_close(r);
        }
        hb_pq_footer_cache *c = hb_pq_footer_cache_new(1);
        if (c) {
            hb_pq_reader *r1 = NULL, *r2 = NULL;
            if (hb_pq_footer_cache_open(c, &st, "fuzz.parquet", &r1, &e) == 0 &&
                hb_pq_footer_cache_open(c, &st, "fuzz.parquet", &r2, &e) == 0 && r1 != r2)
                __builtin_trap();   /* the second open must hit the cache */
            hb_pq_footer_cache_release(c, r1);
            hb_pq_footer_cache_release(c, r2);
            hb_pq_footer_cache_free(c);
        }
    }
    st.close(st.self);
    return 0;
}
