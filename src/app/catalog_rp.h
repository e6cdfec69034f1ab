/* Per-retention-policy pieces of the catalog (app/catalog.c): a
 * measurement's field sets, one per policy, and the slots that give each
 * policy of a database a bit in its series' membership masks.
 *
 * InfluxDB 1.x keeps a field list per shard, so field names and types are
 * per policy: a field can be a float in one policy and an integer in
 * another, and a policy only shows the fields written into it. It also
 * knows which series each shard holds (SHOW SERIES with a time condition
 * answers from the shards). The catalog keeps both per policy (not per
 * shard group: see docs/compatibility.md). Not thread-safe: the catalog's
 * lock covers these. */
#ifndef HB_APP_CATALOG_RP_H
#define HB_APP_CATALOG_RP_H

#include <stddef.h>
#include <stdint.h>

#include "base/hashmap.h"
#include "domain/point.h"

/* The fields of one measurement in one policy. */
typedef struct hb_fset {
    char *rp;
    hb_strmap fields;   /* field name -> hb_fset_val(type) */
    int dirty;          /* admission: its JSON must be rewritten */
} hb_fset;

/* A measurement's field sets (a handful: one per policy holding it). The
 * hb_fset pointers stay valid until removed. */
typedef struct hb_fsets {
    hb_fset **v;
    size_t n, cap;
} hb_fsets;

static inline void *hb_fset_val(hb_ftype t) { return (void *)(uintptr_t)(t + 1); }
static inline hb_ftype hb_fset_type(void *v) { return (hb_ftype)((uintptr_t)v - 1); }

/* The set of policy rp, or NULL. */
hb_fset *hb_fsets_find(const hb_fsets *s, const char *rp);
/* A new empty set for rp (which must not have one). Owned by s. NULL when out of memory. */
hb_fset *hb_fsets_add(hb_fsets *s, const char *rp);
/* Removes and frees the set of rp, if any. */
void hb_fsets_remove(hb_fsets *s, const char *rp);
void hb_fsets_free(hb_fsets *s);

/* Policy slots of a database: bit i of a series' mask is policy name[i]. */
#define HB_RPSLOTS 64
typedef struct hb_rpslots {
    char *name[HB_RPSLOTS];
} hb_rpslots;

/* The slot of rp, or -1. */
int hb_rpslots_find(const hb_rpslots *s, const char *rp);
/* The slot of rp, given one if it has none: -1 when all are taken (the
 * policy's membership is then unknown and every series counts as in it),
 * -2 when out of memory. */
int hb_rpslots_get(hb_rpslots *s, const char *rp);
/* Frees rp's slot; returns its former index or -1. */
int hb_rpslots_release(hb_rpslots *s, const char *rp);
void hb_rpslots_free(hb_rpslots *s);
/* 1 when a series with mask is in rp: its bit is set, or rp has no slot
 * while all slots are taken. */
int hb_rpslots_member(const hb_rpslots *s, const char *rp, uint64_t mask);

#endif
