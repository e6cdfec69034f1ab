/* MetaPort in memory: a skip list under a rwlock, for unit tests and the
 * deterministic simulator. Same contract as the RocksDB adapter (ordered
 * bytewise keys, prefix scans over a snapshot, atomic batches); nothing is
 * persisted, `sync` is accepted and ignored. Keys longer than
 * HB_META_MEMORY_KEY_MAX bytes are refused (as by the RocksDB adapter). */
#ifndef HB_ADAPTERS_META_MEMORY_H
#define HB_ADAPTERS_META_MEMORY_H

#include "base/err.h"
#include "ports/meta_port.h"

#define HB_META_MEMORY_KEY_MAX (1u << 20)

/* Fills *out; the store lives until out->close(out->self). */
int hb_meta_memory_open(hb_meta_port *out, hb_err *err);

#endif
