/* Time zones from the system tz database (TZif files, RFC 8536), for
 * InfluxQL's tz('Zone/Name'): UTC offsets at an instant and local wall
 * time to UTC, with the answers Go's time package gives (influxd formats
 * and buckets times with it).
 *
 * A zone is the file's 64-bit transition table plus its POSIX TZ footer
 * for instants after the last transition ("slim" files end their table
 * early and rely on the footer). glibc cannot answer for an arbitrary zone
 * without setenv("TZ"), which is not thread-safe; hence this reader.
 *
 * Loaded zones are cached for the life of the process (a handful of
 * names, a few KB each) and are immutable: a const hb_tz * may be kept
 * and used from any thread. NULL stands for UTC everywhere. */
#ifndef HB_BASE_TZDB_H
#define HB_BASE_TZDB_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct hb_tz hb_tz;

#define HB_TZ_NAME_MAX 255            /* longer names are not zone names */
#define HB_TZ_FILE_MAX (256u << 10)   /* real TZif files are < 5 KB */
#define HB_TZ_CACHE_MAX 2048          /* distinct zones kept (the database has ~600) */

/* The zone as Go's time.LoadLocation finds it: "" and "UTC" give
 * *out = NULL (UTC); "Local" the process's zone (TZ, else /etc/localtime,
 * else UTC); any other name a TZif file under /usr/share/zoneinfo/,
 * /usr/share/lib/zoneinfo/ or /usr/lib/locale/TZ/. Names with "..", a
 * leading '/' or '\\', a NUL or over HB_TZ_NAME_MAX bytes are refused.
 * HB_ENOTFOUND (no such zone), HB_ECORRUPT (not a valid TZif file),
 * HB_ELIMIT (cache full), HB_ENOMEM. Thread-safe. */
int hb_tz_load(const char *name, size_t len, const hb_tz **out, hb_err *err);

/* Parse TZif data (any version; v2+ uses the 64-bit part and the
 * footer). The zone is the caller's: free with hb_tz_free. HB_ECORRUPT,
 * HB_ENOMEM. */
int hb_tz_parse(const void *data, size_t n, const char *name, hb_tz **out, hb_err *err);
void hb_tz_free(hb_tz *z);

/* The name the zone was loaded as ("UTC" for NULL). */
const char *hb_tz_name(const hb_tz *z);

/* UTC offset in seconds (east positive) at the instant sec (Unix
 * seconds), and [*start, *end) around sec where Go's lookup reports the
 * same zone (either may be NULL). Like Go's Location.lookup. Instants
 * beyond +-2^40 s (34,800 years, far past any nanosecond time) are
 * treated as that bound, here and in the functions below. */
int32_t hb_tz_lookup(const hb_tz *z, int64_t sec, int64_t *start, int64_t *end);

/* The first instant after sec (Unix seconds) at which the UTC offset is
 * not the one at sec; INT64_MAX when it never changes again. */
int64_t hb_tz_next_change(const hb_tz *z, int64_t sec);

/* UTC offset at the instant ns (Unix nanoseconds), in seconds. */
int32_t hb_tz_offset_ns(const hb_tz *z, int64_t ns);

/* The Unix second of local wall-clock time wall (the wall time's
 * seconds counted as if it were UTC), resolved as Go's time.Date does:
 * in a gap or an overlap the choice follows Go's two lookups. */
int64_t hb_tz_wall_to_utc(const hb_tz *z, int64_t wall);

#endif
