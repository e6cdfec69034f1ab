/* A point as parsed from line protocol: measurement, sorted tags, fields, time.
 *
 * Strings are slices (pointer + length, not NUL-terminated) into either the
 * request body or the request arena (when unescaping was needed); they live
 * as long as the request that parsed them. */
#ifndef HB_DOMAIN_POINT_H
#define HB_DOMAIN_POINT_H

#include <stddef.h>
#include <stdint.h>

typedef struct hb_slice {
    const char *p;
    size_t n;
} hb_slice;

/* Field value types. The numbers are the seed's FieldValue discriminants and
 * are stored on disk (metadata, WAL): never renumber. */
typedef enum hb_ftype {
    HB_FT_FLOAT    = 0,
    HB_FT_INTEGER  = 1,
    HB_FT_UNSIGNED = 2,
    HB_FT_STRING   = 3,
    HB_FT_BOOLEAN  = 4,
} hb_ftype;
#define HB_FT_COUNT 5

/* InfluxDB's names: "float", "integer", "unsigned", "string", "boolean". */
const char *hb_ftype_name(hb_ftype t);

typedef struct hb_field {
    hb_slice key;       /* unescaped */
    hb_ftype type;
    union {
        double f;
        int64_t i;
        uint64_t u;
        int b;          /* 0 or 1 */
        hb_slice s;     /* unescaped */
    } v;
} hb_field;

typedef struct hb_tag {
    hb_slice key;       /* unescaped */
    hb_slice val;       /* unescaped */
} hb_tag;

typedef struct hb_point {
    hb_slice measurement;  /* unescaped */
    hb_slice series_key;   /* canonical, escaped: measurement[,key=value...] tags sorted by key */
    hb_tag *tags;          /* sorted by key (bytewise), no duplicates */
    uint32_t ntags;
    uint32_t nfields;      /* >= 1, unique keys, in line order */
    hb_field *fields;
    int64_t time;          /* nanoseconds since the Unix epoch */
    uint64_t series_id;    /* 0 until the catalog admits the point */
} hb_point;

static inline int hb_slice_eq(hb_slice a, hb_slice b)
{
    return a.n == b.n && (a.n == 0 || __builtin_memcmp(a.p, b.p, a.n) == 0);
}
static inline hb_slice hb_slice_c(const char *s)
{
    hb_slice r = { s, __builtin_strlen(s) };
    return r;
}

#endif
