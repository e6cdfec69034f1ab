/* StoragePort over a local directory.
 *
 * An object "a/b/c.parquet" is the file {root}/a/b/c.parquet. Publishing
 * writes {root}/a/b/.c.parquet.tmp-XXXXXX, fsyncs it, renames it over the
 * final name and fsyncs the directory, so after a crash an object is either
 * complete or absent; clean_partial removes temp files left by a crash.
 * Empty directories are removed when their last object is. */
#ifndef HB_ADAPTERS_STORAGE_LOCAL_H
#define HB_ADAPTERS_STORAGE_LOCAL_H

#include "ports/storage_port.h"

/* root is created if missing. The caller owns the port: out->close(out->self). */
int hb_storage_local_open(const char *root, hb_storage_port *out, hb_err *err);

#endif
