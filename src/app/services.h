/* The application services of one server, built by the composition root
 * (main/bootstrap.c) and handed to the inbound adapters (HTTP). */
#ifndef HB_APP_SERVICES_H
#define HB_APP_SERVICES_H

#include "app/catalog.h"
#include "app/config.h"
#include "app/cq.h"
#include "app/cq_scheduler.h"
#include "app/ingest.h"
#include "app/compact.h"
#include "app/file_registry.h"
#include "app/flush.h"
#include "app/memset.h"
#include "app/metrics.h"
#include "app/store.h"
#include "app/ticker.h"
#include "app/tombstone.h"
#include "ports/clock_port.h"
#include "ports/meta_port.h"
#include "ports/storage_port.h"
#include "ports/wal_port.h"

struct hb_query_service;
struct hb_statements;
struct hb_running;
struct hb_users;

typedef struct hb_services {
    const hb_config *config;
    hb_clock_port clock;
    hb_meta_port meta;
    hb_wal_port wal;
    hb_catalog *catalog;
    hb_storage_port storage;
    hb_registry *registry;
    hb_tombs *tombs;               /* DELETE / DROP tombstones */
    hb_memset *memset;
    hb_store store;
    hb_ingest ingest;
    hb_flusher flusher;
    hb_compactor compactor;
    hb_ticker flush_ticker, compact_ticker, retention_ticker;
    hb_cq_store *cqs;              /* continuous-query definitions (app/cq.h) */
    hb_cq_scheduler cq_sched;      /* and their scheduler, on cq_ticker */
    hb_ticker cq_ticker;
    struct hb_query_service *query;
    struct hb_users *users;        /* users and privileges (app/users.h) */
    struct hb_workers *workers;    /* query scans decode files in parallel on these */
    hb_metrics metrics;            /* GET /metrics */
    struct hb_statements *statements; /* statement summary (/api/v1/statements); NULL = disabled */
    struct hb_running *running;    /* running statements (SHOW QUERIES, KILL QUERY) */
    int64_t started_ns;            /* wall clock at start-up (SHOW DIAGNOSTICS) */
} hb_services;

#endif
