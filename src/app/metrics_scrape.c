/* GET /metrics: the gauges read from the services at scrape time (write
 * buffer, flush and compaction totals, files and bytes per database, WAL
 * segments, running queries), then the exposition of metrics.c. */
#include <stdlib.h>
#include <string.h>

#include "adapters/wal_file.h"
#include "app/metrics.h"
#include "app/running.h"
#include "app/services.h"

static int cmp_db(const void *a, const void *b)
{
    return strcmp(((const hb_metrics_db *)a)->db, ((const hb_metrics_db *)b)->db);
}

int hb_metrics_scrape(hb_services *svc, hb_buf *out)
{
    hb_metrics_gauges g;
    memset(&g, 0, sizeof g);
    hb_err err;
    char **names = NULL;
    size_t nnames = 0;
    hb_file_entry *files = NULL;
    size_t nfiles = 0;
    hb_metrics_db *dbs = NULL;
    size_t ndbs = 0;
    int rc;

    if (svc->memset) {
        g.memtable_bytes = hb_memset_bytes(svc->memset);
        g.memtables_frozen = hb_memset_frozen_count(svc->memset);
    }
    hb_flush_stats fs;
    hb_flusher_stats(&svc->flusher, &fs);
    g.flushes = fs.flushes;
    g.flush_points = fs.rows;
    g.flush_files = fs.files;
    g.flush_bytes = fs.bytes;
    hb_compact_stats cs;
    hb_compactor_stats(&svc->compactor, &cs);
    g.compactions = cs.runs;
    g.compaction_merges = cs.merges;
    g.compaction_files_in = cs.files_in;
    hb_wal_file_stats ws;
    hb_wal_file_get_stats(&svc->wal, &ws);
    g.wal_segments = ws.segments;
    g.running_queries = svc->running ? (int64_t)hb_running_count(svc->running) : 0;

    /* every database, with or without files */
    if ((rc = hb_catalog_list_databases(svc->catalog, &names, &nnames, &err)))
        goto out;
    if ((rc = hb_registry_all(svc->registry, &files, &nfiles, &err)))
        goto out;
    dbs = calloc(nnames + nfiles + 1, sizeof *dbs);
    if (!dbs) {
        rc = HB_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < nnames; i++)
        dbs[ndbs++].db = names[i];
    for (size_t i = 0; i < nfiles; i++) {
        size_t k = 0;
        while (k < ndbs && strcmp(dbs[k].db, files[i].db) != 0)
            k++;
        if (k == ndbs)
            dbs[ndbs++].db = files[i].db;
        dbs[k].files++;
        dbs[k].bytes += files[i].bytes;
    }
    qsort(dbs, ndbs, sizeof *dbs, cmp_db);
    g.dbs = dbs;
    g.ndbs = ndbs;
    rc = hb_metrics_render(&svc->metrics, &g, out);
out:
    free(dbs);
    hb_strv_free(names, nnames);
    hb_file_entries_free(files, nfiles);
    return rc;
}
