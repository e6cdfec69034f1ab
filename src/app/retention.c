#include "app/retention.h"

#include <stdlib.h>
#include <string.h>

#include "base/log.h"

int64_t hb_retention_floor(hb_catalog *cat, const char *db, const char *rp, int64_t now)
{
    int64_t dur = 0;
    if (hb_catalog_rp_duration(cat, db, rp, &dur) || dur <= 0 || now < INT64_MIN + dur)
        return INT64_MIN;
    return now - dur;
}

/* Expire the files of one policy. */
static int expire_rp(hb_store *st, const char *db, const char *rp, int64_t cutoff, uint64_t *removed, hb_err *err)
{
    hb_file_entry *files = NULL;
    size_t n = 0, k = 0;
    int rc = hb_registry_files_of(st->registry, db, rp, &files, &n, err);
    if (rc)
        return rc;
    hb_memset_wrlock(st->memset);
    for (size_t i = 0; i < n; i++) {
        /* still registered: a compaction may have replaced it meanwhile */
        if (files[i].max_time < cutoff && hb_registry_has_path(st->registry, files[i].path)) {
            hb_file_entry tmp = files[k];
            files[k++] = files[i];
            files[i] = tmp;
        }
    }
    if (k && !(rc = hb_registry_commit(st->registry, NULL, 0, files, k, 0, err)))
        hb_store_retire_files(st, files, k);
    hb_memset_unlock(st->memset);
    if (!rc && k) {
        hb_log_info("retention: %zu files of %s.%s older than the policy removed", k, db, rp);
        *removed += k;
    }
    hb_file_entries_free(files, n);
    return rc;
}

int hb_retention_run(hb_store *st, int64_t now, uint64_t *removed, hb_err *err)
{
    uint64_t count = 0;
    char **dbs = NULL;
    size_t ndb = 0;
    int rc = hb_catalog_list_databases(st->catalog, &dbs, &ndb, err);
    for (size_t i = 0; !rc && i < ndb; i++) {
        hb_rp_info *rps = NULL;
        size_t nrp = 0;
        if (hb_catalog_list_rps(st->catalog, dbs[i], &rps, &nrp, err))
            continue;   /* dropped meanwhile */
        for (size_t r = 0; !rc && r < nrp; r++) {
            int64_t floor = hb_retention_floor(st->catalog, dbs[i], rps[r].name, now);
            if (floor != INT64_MIN)
                rc = expire_rp(st, dbs[i], rps[r].name, floor, &count, err);
        }
        hb_rp_info_free(rps, nrp);
    }
    hb_strv_free(dbs, ndb);
    hb_store_collect(st);
    if (removed)
        *removed = count;
    return rc;
}
