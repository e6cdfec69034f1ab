/* Human-readable dump of a Parquet file (hyperbytedb inspect). */
#ifndef HB_APP_INSPECT_H
#define HB_APP_INSPECT_H

#include <stdio.h>

#include "base/err.h"

/* Print schema, row groups, per-column encodings, sizes and statistics. */
int hb_inspect_parquet(const char *path, FILE *out, hb_err *err);

#endif
