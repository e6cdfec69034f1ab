/* MetaPort over RocksDB (seed §8): one database directory, keys and values in
 * the column family "metadata" (created on first open). Prefix scans use an
 * iterator bounded by the prefix; batches are RocksDB write batches (atomic);
 * a prefix delete is a range deletion [prefix, successor(prefix)); commits
 * with sync set are fsync'd (WAL sync). Keys longer than
 * HB_META_ROCKSDB_KEY_MAX bytes are refused. Errors name the directory. */
#ifndef HB_ADAPTERS_META_ROCKSDB_H
#define HB_ADAPTERS_META_ROCKSDB_H

#include "base/err.h"
#include "ports/meta_port.h"

#define HB_META_ROCKSDB_KEY_MAX (1u << 20)

/* Opens (creating if missing) the store in dir and fills *out; the store lives
 * until out->close(out->self). A directory can be open once at a time. */
int hb_meta_rocksdb_open(const char *dir, hb_meta_port *out, hb_err *err);

#endif
