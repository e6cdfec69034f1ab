/* StoragePort in memory: same contract as the local adapter, for unit tests
 * and the deterministic simulator. */
#ifndef HB_ADAPTERS_STORAGE_MEMORY_H
#define HB_ADAPTERS_STORAGE_MEMORY_H

#include "ports/storage_port.h"

/* The caller owns the port: out->close(out->self). */
int hb_storage_memory_open(hb_storage_port *out, hb_err *err);

#endif
