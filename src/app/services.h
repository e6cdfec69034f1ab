/* The application services of one server, built by the composition root
 * (main/bootstrap.c) and handed to the inbound adapters (HTTP). */
#ifndef HB_APP_SERVICES_H
#define HB_APP_SERVICES_H

#include "app/catalog.h"
#include "app/config.h"
#include "app/ingest.h"
#include "app/memtable.h"
#include "ports/clock_port.h"
#include "ports/meta_port.h"
#include "ports/wal_port.h"

struct hb_query_service;

typedef struct hb_services {
    const hb_config *config;
    hb_clock_port clock;
    hb_meta_port meta;
    hb_wal_port wal;
    hb_catalog *catalog;
    hb_memtable *memtable;
    hb_ingest ingest;
    struct hb_query_service *query;
} hb_services;

#endif
