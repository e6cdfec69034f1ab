/* The composition root: builds adapters and services from a configuration,
 * and tears them down in the right order. */
#ifndef HB_MAIN_BOOTSTRAP_H
#define HB_MAIN_BOOTSTRAP_H

#include "app/config.h"
#include "app/services.h"
#include "base/err.h"
#include "http/http.h"

typedef struct hb_server {
    hb_config config;
    hb_services svc;
    hb_http_server *http;
    int lock_fd;          /* flock on {storage.dir}/LOCK: one server per directory */
    int wal_open, meta_open, ingest_open, storage_open, store_open, flusher_open, compactor_open;
} hb_server;

/* Open storage, replay the WAL, start listening. On failure everything
 * opened so far is closed again and err says what failed. */
int hb_server_start(hb_server *s, const hb_config *cfg, hb_err *err);
/* Stop accepting, finish in-flight requests, sync the WAL, close everything. */
void hb_server_stop(hb_server *s);

#endif
