/* The metadata catalog: everything in memory, written through to a MetaPort.
 *
 * Key schema (seed §8, plus the series index and the per-policy sets):
 *
 *   db:{db}                        JSON database (below)
 *   meas:{db}:{meas}               JSON MeasurementMeta (below; "field_types" is {})
 *   tag_val:{db}:{meas}:{key}:{v}  empty
 *   series:{db}:{meas}:{series}    series id, a JSON number           (addition)
 *   rpfields:{db}:{rp}:{meas}      JSON field set of the measurement in policy rp (addition):
 *                                  {"field_types":{"usage":0}} (+ "field_types_hex")
 *   rpseries:{db}:{rp}:{meas}:{series}  empty: the series was written into rp (addition)
 *   catalog:next_series_id         next series id to hand out, JSON number (addition)
 *   catalog:layout                 "2" once field types are per policy (addition)
 *   tomb:{db}:{meas}:{id}          a DELETE / DROP tombstone (addition; app/tombstone.h owns
 *                                  these keys): binary value, little-endian: "HBT1", u64 WAL
 *                                  seq, i64 tmin, i64 tmax (inclusive), u32 series count
 *                                  (0xffffffff = every series), then per series u32 length +
 *                                  canonical series key; {id} 16 hex digits
 *   tomb_next_id                   next tombstone id, decimal (addition)
 *   cq:{db}:{name}, cqrun:{db}:{name}, cq_next_id
 *                                  continuous queries and their run state (app/cq.h owns
 *                                  these keys; DROP DATABASE deletes a database's here)
 *
 * DROP SERIES, DROP MEASUREMENT and DELETE (app/delete.c) remove series
 * ("series:", "rpseries:"), the tag values and keys no remaining series
 * uses, and a measurement left without series ("meas:", "rpfields:") in
 * one synced batch (hb_catalog_drop_series).
 *
 * Field types are per retention policy because influxd checks and lists
 * them per shard (app/catalog_rp.h); measurements, tag keys and values stay
 * per database (influxd's index). Without catalog:layout (a store from
 * before), "meas:" values hold the measurement's field types: at open they
 * are given, with the measurement's series, to every policy that has
 * Parquet files of it ("pq:{db}:{rp}:{meas}:" keys of app/file_registry.c),
 * in one batch that also writes catalog:layout; WAL replay then registers
 * the policy of every point not flushed yet. DROP RETENTION POLICY deletes
 * the policy's "rpfields:" and "rpseries:" keys.
 *
 * {series} is the canonical escaped series key (hb_point.series_key). The
 * last component of a key is stored as is; the ones before it ({db}, {meas},
 * {key} when something follows) have ':' and '\' escaped with a '\', so a key
 * always parses back and "meas:a:" never matches database "a:b" (for the
 * usual names, without ':' or '\', this is exactly the seed's schema).
 *
 * Database value (retention policies in creation order; the default policy
 * may name a dropped policy, as in InfluxDB; created_seq orders SHOW
 * DATABASES across restarts):
 *   {"name":"db","created_seq":1,"default_retention_policy":"autogen",
 *    "retention_policies":[{"name":"autogen","duration_ns":0,
 *      "shard_group_duration_ns":604800000000000,"replication":1}]}
 * MeasurementMeta (field types are the hb_ftype discriminants 0..4, tag keys sorted):
 *   {"name":"cpu","field_types":{"usage":0,"n":1},"tag_keys":["host","region"]}
 * JSON strings must be UTF-8: a name that is not (or that holds a NUL byte)
 * is written hex-encoded under a "_hex" twin instead: "name_hex",
 * "default_retention_policy_hex", "field_types_hex" (hex keys),
 * "tag_keys_hex". Names are always taken from the keys when keys hold them.
 *
 * In memory each measurement also lists its series (SHOW reads one
 * measurement's series without walking the whole database).
 *
 * Concurrency: one rwlock (writer-preferring). Write admission first runs
 * under the read lock as pure hash lookups (no allocation); when anything is
 * new it starts again under the write lock, registers, commits one synced
 * metadata batch and, if that fails, undoes its in-memory registrations.
 *
 * InfluxDB 1.x semantics reproduced here (verified against influxd 1.6.7;
 * tests/unit/app/test_catalog.c holds the texts): DDL checks and their order
 * follow its meta service; admission drops a point whose field's type differs
 * from the one registered in the policy written into (earlier request or
 * earlier point of the batch), the reason is the first conflict, a dropped
 * point registers none of its new fields but its series (also as one of the
 * policy's), tag keys and tag values are registered (InfluxDB creates series
 * before it checks fields). */
#include "app/catalog.h"
#include "app/catalog_rp.h"
#include "app/meta_key.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/hashmap.h"

#define HOUR_NS (3600LL * 1000000000LL)
#define RP_MIN_DURATION_NS HOUR_NS
#define MAX_NAME_LEN 255
#define DEFAULT_RP_NAME "autogen"
#define SERIES_COUNTER_KEY "catalog:next_series_id"
/* Present once field types and series are kept per retention policy
 * ("rpfields:", "rpseries:"); without it "meas:" values hold the types. */
#define LAYOUT_KEY "catalog:layout"
#define LAYOUT_RP "2"

#define ERR_DURATION_TOO_LOW "retention policy duration must be at least 1h0m0s"
#define ERR_INCOMPATIBLE "retention policy duration must be greater than the shard duration"
#define ERR_RP_CONFLICT "retention policy conflicts with an existing policy"
#define ERR_RP_EXISTS "retention policy already exists"
#define ERR_REPLICATION "replication factor must be greater than 0"
#define ERR_NAME_TOO_LONG "name too long"

/* ------------------------------------------------------------------ */
/* in-memory model                                                      */

typedef struct cat_rp {
    char *name;
    int64_t duration;
    int64_t sgd;  /* shard group duration */
    int repl;
    uint64_t wal_floor; /* WAL sequence number when the policy was created */
} cat_rp;

typedef struct cat_rpset {
    cat_rp *v;   /* creation order */
    size_t n;
    char *def;   /* default policy name, may name a dropped policy */
} cat_rpset;

typedef struct cat_tagkey {
    hb_strmap values;  /* value -> (void *)1 */
} cat_tagkey;

typedef struct cat_series cat_series;

typedef struct cat_meas {
    char *name;
    size_t nlen;
    hb_fsets fsets;     /* field sets by retention policy */
    hb_strmap legacy;   /* field types of a pre-policy "meas:" value, until migrated at open */
    hb_strmap tagkeys;  /* tag key -> cat_tagkey * */
    cat_series **series; /* its series in registration order (owned by the database's
                            series map; whoever removes a series there unlinks it here) */
    size_t nseries, capseries;
    int dirty;          /* admission: its JSON must be rewritten */
} cat_meas;

struct cat_series {
    uint64_t id;
    uint64_t rps;       /* policies holding it: bits of the database's slots */
    cat_meas *m;
    const char *key;    /* the key as stored in the database's series map (owned by the map) */
    size_t klen;
};

typedef struct cat_db {
    char *name;
    uint64_t seq;
    cat_rpset rs;
    hb_strmap meas;    /* name -> cat_meas * */
    hb_strmap series;  /* series key -> cat_series * */
    hb_rpslots slots;  /* policy bits of the series' masks */
} cat_db;

struct hb_catalog {
    hb_meta_port *kv;
    pthread_rwlock_t lock;
    hb_strmap dbs;    /* name -> cat_db * */
    cat_db **order;   /* creation order */
    size_t ndb, capdb;
    uint64_t next_db_seq;
    uint64_t next_series_id;
    uint64_t (*wal_seq_fn)(void *ctx);  /* current WAL sequence, for wal_floor */
    void *wal_seq_ctx;
};

static uint64_t wal_floor_now(const hb_catalog *c) { return c->wal_seq_fn ? c->wal_seq_fn(c->wal_seq_ctx) : 0; }

#define ftype_val hb_fset_val
#define val_ftype hb_fset_type

static void tagkey_free(cat_tagkey *tk)
{
    if (!tk)
        return;
    hb_strmap_free(&tk->values);
    free(tk);
}

/* Owned by the caller (normally inserted into a database's map). */
static cat_meas *meas_new(const char *name, size_t n)
{
    cat_meas *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->name = malloc(n + 1);
    if (!m->name) {
        free(m);
        return NULL;
    }
    if (n)
        memcpy(m->name, name, n);
    m->name[n] = '\0';
    m->nlen = n;
    hb_strmap_init(&m->legacy);
    hb_strmap_init(&m->tagkeys);
    return m;
}

static void meas_free(cat_meas *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->tagkeys.cap; i++)
        if (hb_strmap_live(&m->tagkeys.slots[i]))
            tagkey_free(m->tagkeys.slots[i].val);
    hb_strmap_free(&m->tagkeys);
    hb_strmap_free(&m->legacy);
    hb_fsets_free(&m->fsets);
    free(m->series);
    free(m->name);
    free(m);
}

/* Room for one more series in m's list. */
static int meas_series_reserve(cat_meas *m)
{
    if (m->nseries < m->capseries)
        return HB_OK;
    size_t ncap = m->capseries ? m->capseries * 2 : 8;
    cat_series **ns = realloc(m->series, ncap * sizeof *ns);
    if (!ns)
        return HB_ENOMEM;
    m->series = ns;
    m->capseries = ncap;
    return HB_OK;
}

/* The copy of key the map holds (hb_strmap keeps its keys in their own
 * allocations, stable across growth). Linear probing from the hash slot,
 * with a full scan as a fallback should the map ever probe differently. */
static const char *stored_key(const hb_strmap *map, const char *key, size_t klen)
{
    uint64_t h = hb_hash64(key, klen);
    size_t mask = map->cap - 1;
    for (size_t i = (size_t)h & mask, n = 0; n < map->cap && map->slots[i].key; i = (i + 1) & mask, n++) {
        const hb_strmap_slot *s = &map->slots[i];
        if (hb_strmap_live(s) && s->hash == h && s->klen == klen && memcmp(s->key, key, klen) == 0)
            return s->key;
    }
    for (size_t i = 0; i < map->cap; i++) {
        const hb_strmap_slot *s = &map->slots[i];
        if (hb_strmap_live(s) && s->klen == klen && memcmp(s->key, key, klen) == 0)
            return s->key;
    }
    return NULL;
}

/* After se was put into the series map under key: point it at the map's
 * copy of the key and append it to its measurement's list (room reserved). */
static void series_link(const hb_strmap *map, cat_series *se, const char *key, size_t klen)
{
    se->key = stored_key(map, key, klen);
    se->klen = klen;
    se->m->series[se->m->nseries++] = se;
}

/* Takes se out of its measurement's list (undo: normally the last one). */
static void series_unlink(cat_series *se)
{
    cat_meas *m = se->m;
    for (size_t i = m->nseries; i > 0; i--)
        if (m->series[i - 1] == se) {
            memmove(&m->series[i - 1], &m->series[i], (m->nseries - i) * sizeof *m->series);
            m->nseries--;
            return;
        }
}

static void rpset_free(cat_rpset *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        free(rs->v[i].name);
    free(rs->v);
    free(rs->def);
    memset(rs, 0, sizeof *rs);
}

static int rpset_clone(const cat_rpset *src, cat_rpset *dst)
{
    memset(dst, 0, sizeof *dst);
    dst->v = calloc(src->n + 1, sizeof *dst->v);  /* room for one more */
    if (!dst->v)
        return HB_ENOMEM;
    for (size_t i = 0; i < src->n; i++) {
        dst->v[i] = src->v[i];
        dst->v[i].name = strdup(src->v[i].name);
        if (!dst->v[i].name)
            goto fail;
        dst->n++;
    }
    if (src->def && !(dst->def = strdup(src->def)))
        goto fail;
    return HB_OK;
fail:
    rpset_free(dst);
    return HB_ENOMEM;
}

static cat_rp *rpset_find(const cat_rpset *rs, const char *name)
{
    for (size_t i = 0; i < rs->n; i++)
        if (strcmp(rs->v[i].name, name) == 0)
            return &rs->v[i];
    return NULL;
}

/* rs must come from rpset_clone (room for one more). */
static int rpset_append(cat_rpset *rs, const cat_rp *rp)
{
    char *n = strdup(rp->name);
    if (!n)
        return HB_ENOMEM;
    rs->v[rs->n] = *rp;
    rs->v[rs->n].name = n;
    rs->n++;
    return HB_OK;
}

static int rpset_set_default(cat_rpset *rs, const char *name)
{
    char *n = strdup(name);
    if (!n)
        return HB_ENOMEM;
    free(rs->def);
    rs->def = n;
    return HB_OK;
}

static void db_free(cat_db *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->meas.cap; i++)
        if (hb_strmap_live(&d->meas.slots[i]))
            meas_free(d->meas.slots[i].val);
    hb_strmap_free(&d->meas);
    for (size_t i = 0; i < d->series.cap; i++)
        if (hb_strmap_live(&d->series.slots[i]))
            free(d->series.slots[i].val);
    hb_strmap_free(&d->series);
    hb_rpslots_free(&d->slots);
    rpset_free(&d->rs);
    free(d->name);
    free(d);
}

/* Owned by the caller. */
static cat_db *db_new(const char *name, uint64_t seq)
{
    cat_db *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->name = strdup(name);
    if (!d->name) {
        free(d);
        return NULL;
    }
    d->seq = seq;
    hb_strmap_init(&d->meas);
    hb_strmap_init(&d->series);
    return d;
}

static cat_db *find_db(const hb_catalog *c, const char *name)
{
    return hb_strmap_get(&c->dbs, name, strlen(name));
}

/* Insert into the name map and the creation-order list. */
static int add_db(hb_catalog *c, cat_db *d)
{
    if (c->ndb == c->capdb) {
        size_t ncap = c->capdb ? c->capdb * 2 : 16;
        cat_db **no = realloc(c->order, ncap * sizeof *no);
        if (!no)
            return HB_ENOMEM;
        c->order = no;
        c->capdb = ncap;
    }
    if (hb_strmap_put(&c->dbs, d->name, strlen(d->name), d))
        return HB_ENOMEM;
    c->order[c->ndb++] = d;
    return HB_OK;
}

static void remove_db(hb_catalog *c, cat_db *d)
{
    hb_strmap_del(&c->dbs, d->name, strlen(d->name));
    for (size_t i = 0; i < c->ndb; i++)
        if (c->order[i] == d) {
            memmove(&c->order[i], &c->order[i + 1], (c->ndb - i - 1) * sizeof *c->order);
            c->ndb--;
            break;
        }
}

/* ------------------------------------------------------------------ */
/* keys and JSON                                                        */


static int key_db(hb_buf *b, const char *db)
{
    hb_buf_reset(b);
    return hb_buf_puts(b, "db:") || hb_buf_puts(b, db) ? HB_ENOMEM : HB_OK;
}

/* "{kind}:{esc db}:" */
static int key_db_prefix(hb_buf *b, const char *kind, const char *db)
{
    hb_buf_reset(b);
    if (hb_buf_puts(b, kind) || hb_buf_putc(b, ':') || hb_meta_key_put(b, db, strlen(db)) || hb_buf_putc(b, ':'))
        return HB_ENOMEM;
    return HB_OK;
}

static int key_meas(hb_buf *b, const char *db, const char *m, size_t mlen)
{
    if (key_db_prefix(b, "meas", db) || hb_buf_append(b, m, mlen))
        return HB_ENOMEM;
    return HB_OK;
}

static int key_tagval(hb_buf *b, const char *db, hb_slice m, hb_slice k, hb_slice v)
{
    if (key_db_prefix(b, "tag_val", db) || hb_meta_key_put(b, m.p, m.n) || hb_buf_putc(b, ':') || hb_meta_key_put(b, k.p, k.n) ||
        hb_buf_putc(b, ':') || hb_buf_append(b, v.p, v.n))
        return HB_ENOMEM;
    return HB_OK;
}

static int key_series(hb_buf *b, const char *db, hb_slice m, hb_slice key)
{
    if (key_db_prefix(b, "series", db) || hb_meta_key_put(b, m.p, m.n) || hb_buf_putc(b, ':') ||
        hb_buf_append(b, key.p, key.n))
        return HB_ENOMEM;
    return HB_OK;
}

/* "{kind}:{esc db}:{esc rp}:" */
static int key_rp_prefix(hb_buf *b, const char *kind, const char *db, const char *rp)
{
    if (key_db_prefix(b, kind, db) || hb_meta_key_put(b, rp, strlen(rp)) || hb_buf_putc(b, ':'))
        return HB_ENOMEM;
    return HB_OK;
}

static int key_rpfields(hb_buf *b, const char *db, const char *rp, const char *m, size_t mlen)
{
    return key_rp_prefix(b, "rpfields", db, rp) || hb_buf_append(b, m, mlen) ? HB_ENOMEM : HB_OK;
}

static int key_rpseries(hb_buf *b, const char *db, const char *rp, hb_slice m, hb_slice key)
{
    if (key_rp_prefix(b, "rpseries", db, rp) || hb_meta_key_put(b, m.p, m.n) || hb_buf_putc(b, ':') ||
        hb_buf_append(b, key.p, key.n))
        return HB_ENOMEM;
    return HB_OK;
}

/* Valid UTF-8 without NUL bytes: can be a plain JSON string. */
static int plain_name(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        size_t len;
        unsigned cp;
        if (c == 0)
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            len = 2;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (i + len > n)
            return 0;
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += len;
    }
    return 1;
}

static json_t *hex_string(const char *s, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char *h = malloc(2 * n + 1);
    if (!h)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        h[2 * i] = digits[(unsigned char)s[i] >> 4];
        h[2 * i + 1] = digits[(unsigned char)s[i] & 15];
    }
    h[2 * n] = '\0';
    json_t *j = json_string(h);
    free(h);
    return j;
}

static int unhex(const char *h, hb_buf *out)
{
    hb_buf_reset(out);
    size_t n = strlen(h);
    if (n % 2)
        return -1;
    for (size_t i = 0; i < n; i += 2) {
        int v = 0;
        for (int k = 0; k < 2; k++) {
            char ch = h[i + k];
            int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
            if (d < 0)
                return -1;
            v = v * 16 + d;
        }
        if (hb_buf_putc(out, (char)v))
            return -1;
    }
    hb_buf_cstr(out);
    return 0;
}

/* obj[key] = name, or obj[key_hex] = hex(name) when it cannot be a JSON string. */
static int json_set_name(json_t *obj, const char *key, const char *s, size_t n)
{
    json_t *v;
    char hk[64];
    if (plain_name(s, n)) {
        v = json_stringn(s, n);
        return v ? json_object_set_new(obj, key, v) : -1;
    }
    snprintf(hk, sizeof hk, "%s_hex", key);
    v = hex_string(s, n);
    return v ? json_object_set_new(obj, hk, v) : -1;
}

/* Reads obj[key] or obj[key_hex] into out (NUL-terminated). -1 if neither. */
static int json_get_name(json_t *obj, const char *key, hb_buf *out)
{
    char hk[64];
    json_t *v = json_object_get(obj, key);
    if (json_is_string(v)) {
        hb_buf_reset(out);
        if (hb_buf_append(out, json_string_value(v), json_string_length(v)))
            return -1;
        hb_buf_cstr(out);
        return 0;
    }
    snprintf(hk, sizeof hk, "%s_hex", key);
    v = json_object_get(obj, hk);
    if (json_is_string(v))
        return unhex(json_string_value(v), out);
    return -1;
}

/* Owned by the caller (json_decref). */
static json_t *db_json(const cat_db *d, const cat_rpset *rs)
{
    json_t *o = json_object(), *arr = json_array();
    if (!o || !arr)
        goto fail;
    if (json_set_name(o, "name", d->name, strlen(d->name)) ||
        json_object_set_new(o, "created_seq", json_integer((json_int_t)d->seq)) ||
        json_set_name(o, "default_retention_policy", rs->def ? rs->def : "", rs->def ? strlen(rs->def) : 0))
        goto fail;
    for (size_t i = 0; i < rs->n; i++) {
        json_t *r = json_object();
        if (!r || json_array_append_new(arr, r))
            goto fail;
        if (json_set_name(r, "name", rs->v[i].name, strlen(rs->v[i].name)) ||
            json_object_set_new(r, "duration_ns", json_integer(rs->v[i].duration)) ||
            json_object_set_new(r, "shard_group_duration_ns", json_integer(rs->v[i].sgd)) ||
            json_object_set_new(r, "replication", json_integer(rs->v[i].repl)) ||
            json_object_set_new(r, "wal_floor", json_integer((json_int_t)rs->v[i].wal_floor)))
            goto fail;
    }
    if (json_object_set_new(o, "retention_policies", arr)) {
        arr = NULL;
        goto fail;
    }
    return o;
fail:
    json_decref(arr);
    json_decref(o);
    return NULL;
}

static int cmp_cstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int cmp_slot(const void *a, const void *b)
{
    const hb_strmap_slot *x = *(const hb_strmap_slot *const *)a, *y = *(const hb_strmap_slot *const *)b;
    size_t n = x->klen < y->klen ? x->klen : y->klen;
    int c = n ? memcmp(x->key, y->key, n) : 0;
    return c ? c : x->klen < y->klen ? -1 : x->klen > y->klen;
}

/* Adds the field types of map to ft (plain names) and fth (hex-encoded names). */
static int fields_put(const hb_strmap *fields, json_t *ft, json_t *fth)
{
    for (size_t i = 0; i < fields->cap; i++) {
        const hb_strmap_slot *s = &fields->slots[i];
        if (!hb_strmap_live(s))
            continue;
        json_t *t = json_integer(val_ftype(s->val));
        if (plain_name(s->key, s->klen)) {
            if (json_object_setn_new(ft, s->key, s->klen, t))
                return -1;
        } else {
            json_t *h = hex_string(s->key, s->klen);
            int bad = !h || json_object_set_new(fth, json_string_value(h), t);
            json_decref(h);
            if (bad)
                return -1;
        }
    }
    return 0;
}

/* A policy's field set: {"field_types":{"usage":0},"field_types_hex":{...}}
 * (the twin only when needed). Owned by the caller (json_decref). */
static json_t *fset_json(const hb_fset *f)
{
    json_t *o = json_object(), *ft = json_object(), *fth = json_object();
    if (!o || !ft || !fth || fields_put(&f->fields, ft, fth))
        goto fail;
    if (json_object_set(o, "field_types", ft) || (json_object_size(fth) && json_object_set(o, "field_types_hex", fth)))
        goto fail;
    json_decref(ft);
    json_decref(fth);
    return o;
fail:
    json_decref(ft);
    json_decref(fth);
    json_decref(o);
    return NULL;
}

/* Owned by the caller (json_decref). */
static json_t *meas_json(const cat_meas *m)
{
    json_t *o = json_object(), *ft = json_object(), *fth = json_object(), *tk = json_array(), *tkh = json_array();
    const hb_strmap_slot **keys = NULL;
    size_t nk = 0;
    if (!o || !ft || !fth || !tk || !tkh)
        goto fail;
    if (json_set_name(o, "name", m->name, m->nlen))
        goto fail;
    if (fields_put(&m->legacy, ft, fth))
        goto fail;
    keys = malloc((m->tagkeys.count + 1) * sizeof *keys);
    if (!keys)
        goto fail;
    for (size_t i = 0; i < m->tagkeys.cap; i++)
        if (hb_strmap_live(&m->tagkeys.slots[i]))
            keys[nk++] = &m->tagkeys.slots[i];
    qsort(keys, nk, sizeof *keys, cmp_slot);
    for (size_t i = 0; i < nk; i++) {
        int plain = plain_name(keys[i]->key, keys[i]->klen);
        json_t *v = plain ? json_stringn(keys[i]->key, keys[i]->klen) : hex_string(keys[i]->key, keys[i]->klen);
        if (!v || json_array_append_new(plain ? tk : tkh, v))
            goto fail;
    }
    free(keys);
    keys = NULL;
    if (json_object_set_new(o, "field_types", ft)) {
        ft = NULL;
        goto fail;
    }
    ft = NULL;
    if (json_object_set_new(o, "tag_keys", tk)) {
        tk = NULL;
        goto fail;
    }
    tk = NULL;
    if (json_object_size(fth)) {
        if (json_object_set_new(o, "field_types_hex", fth)) {
            fth = NULL;
            goto fail;
        }
    } else {
        json_decref(fth);
    }
    fth = NULL;
    if (json_array_size(tkh)) {
        if (json_object_set_new(o, "tag_keys_hex", tkh)) {
            tkh = NULL;
            goto fail;
        }
    } else {
        json_decref(tkh);
    }
    return o;
fail:
    free(keys);
    json_decref(ft);
    json_decref(fth);
    json_decref(tk);
    json_decref(tkh);
    json_decref(o);
    return NULL;
}

/* Serialize j (consumed) and add it as key's value to batch b. */
static int batch_put_json(hb_meta_port *kv, hb_meta_batch *b, const hb_buf *key, json_t *j, size_t flags)
{
    if (!j)
        return HB_ENOMEM;
    char *txt = json_dumps(j, JSON_COMPACT | flags);
    json_decref(j);
    if (!txt)
        return HB_ENOMEM;
    int rc = kv->batch_put(b, key->data, key->len, txt, strlen(txt));
    free(txt);
    return rc;
}

/* Write the database with policies rs in one synced batch. */
static int persist_db(hb_catalog *c, const cat_db *d, const cat_rpset *rs, hb_err *err)
{
    hb_buf key;
    hb_buf_init(&key, 0);
    int rc = HB_OK;
    hb_meta_batch *b = c->kv->batch_new(c->kv->self);
    if (!b || key_db(&key, d->name) || batch_put_json(c->kv, b, &key, db_json(d, rs), 0)) {
        rc = hb_err_set(err, HB_ENOMEM, "out of memory writing database %s", d->name);
        goto out;
    }
    rc = c->kv->batch_commit(c->kv->self, b, 1, err);
    b = NULL;
out:
    if (b)
        c->kv->batch_free(b);
    hb_buf_free(&key);
    return rc;
}

/* ------------------------------------------------------------------ */
/* retention policy rules (InfluxDB meta service)                       */

/* Default shard group duration for a policy duration. */
static int64_t shard_group_duration(int64_t d)
{
    if (d == 0 || d >= 180 * 24 * HOUR_NS)
        return 7 * 24 * HOUR_NS;
    if (d >= 2 * 24 * HOUR_NS)
        return 24 * HOUR_NS;
    return HOUR_NS;
}

static int64_t normalised_sgd(int64_t sgd, int64_t d)
{
    if (sgd == 0)
        return shard_group_duration(d);
    if (sgd < RP_MIN_DURATION_NS)
        return shard_group_duration(RP_MIN_DURATION_NS);
    return sgd;
}

/* The policy a spec describes; name is borrowed from spec (or "autogen"). */
static cat_rp spec_rp(const hb_rp_spec *s)
{
    cat_rp r;
    r.name = (char *)(s->name && *s->name ? s->name : DEFAULT_RP_NAME);
    r.duration = s->has_duration ? s->duration_ns : 0;
    r.repl = s->has_replication ? s->replication : 1;
    r.sgd = normalised_sgd(s->has_shard_duration ? s->shard_duration_ns : 0, r.duration);
    return r;
}

static int spec_matches(const hb_rp_spec *s, const cat_rp *rp)
{
    if (!rp)
        return 0;
    if (s->name && *s->name && strcmp(s->name, rp->name) != 0)
        return 0;
    if (s->has_duration && s->duration_ns != rp->duration)
        return 0;
    if (s->has_replication && s->replication != rp->repl)
        return 0;
    return normalised_sgd(s->has_shard_duration ? s->shard_duration_ns : 0, rp->duration) == rp->sgd;
}

static int duration_too_low(const hb_rp_spec *s)
{
    return s->has_duration && s->duration_ns < RP_MIN_DURATION_NS && s->duration_ns != 0;
}

/* Checks InfluxDB makes before creating a policy. */
static int check_new_rp(const cat_rp *r, hb_err *err)
{
    if (!r->name[0])
        return hb_err_set(err, HB_EINVAL, "retention policy name required");
    if (strlen(r->name) > MAX_NAME_LEN)
        return hb_err_set(err, HB_EINVAL, ERR_NAME_TOO_LONG);
    if (r->repl < 1)
        return hb_err_set(err, HB_EINVAL, ERR_REPLICATION);
    if (r->duration > 0 && r->duration < r->sgd)
        return hb_err_set(err, HB_EINVAL, ERR_INCOMPATIBLE);
    return HB_OK;
}

/* ------------------------------------------------------------------ */
/* databases and retention policies                                     */

int hb_catalog_create_database(hb_catalog *c, const char *name, const hb_rp_spec *spec, hb_err *err)
{
    int rc = HB_OK;
    cat_db *nd = NULL;
    cat_rpset ns = { 0 };
    pthread_rwlock_wrlock(&c->lock);

    if (spec && duration_too_low(spec)) {
        rc = hb_err_set(err, HB_EINVAL, ERR_DURATION_TOO_LOW);
        goto out;
    }
    cat_db *d = find_db(c, name);
    if (!d) {
        if (!name[0]) {
            rc = hb_err_set(err, HB_EINVAL, "database name required");
            goto out;
        }
        if (strlen(name) > MAX_NAME_LEN) {
            rc = hb_err_set(err, HB_EINVAL, ERR_NAME_TOO_LONG);
            goto out;
        }
        cat_rp r = { DEFAULT_RP_NAME, 0, 7 * 24 * HOUR_NS, 1, 0 };
        if (spec)
            r = spec_rp(spec);
        r.wal_floor = wal_floor_now(c);
        if (spec) {
            if ((rc = check_new_rp(&r, err)))
                goto out;
        }
        nd = db_new(name, c->next_db_seq);
        if (!nd || rpset_clone(&nd->rs, &ns) || rpset_append(&ns, &r) || rpset_set_default(&ns, r.name)) {
            rc = hb_err_set(err, HB_ENOMEM, "out of memory creating database %s", name);
            goto out;
        }
        if ((rc = persist_db(c, nd, &ns, err)))
            goto out;
        nd->rs = ns;
        memset(&ns, 0, sizeof ns);
        if (add_db(c, nd)) {
            rc = hb_err_set(err, HB_ENOMEM, "out of memory creating database %s", name);
            goto out;
        }
        nd = NULL;
        c->next_db_seq++;
        goto out;
    }
    if (!spec)
        goto out;  /* exists: idempotent */
    cat_rp r = spec_rp(spec);
    r.wal_floor = wal_floor_now(c);
    if (d->rs.n == 0) {
        /* no policy left: the given one becomes the default */
        if ((rc = check_new_rp(&r, err)))
            goto out;
        if (rpset_clone(&d->rs, &ns) || rpset_append(&ns, &r) || rpset_set_default(&ns, r.name)) {
            rc = hb_err_set(err, HB_ENOMEM, "out of memory creating database %s", name);
            goto out;
        }
        if ((rc = persist_db(c, d, &ns, err)))
            goto out;
        rpset_free(&d->rs);
        d->rs = ns;
        memset(&ns, 0, sizeof ns);
    } else if (!spec_matches(spec, rpset_find(&d->rs, r.name))) {
        rc = hb_err_set(err, HB_EEXISTS, ERR_RP_CONFLICT);
        goto out;
    }
    /* CREATE DATABASE ... WITH only describes the default policy */
    if (!d->rs.def || strcmp(d->rs.def, r.name) != 0)
        rc = hb_err_set(err, HB_EEXISTS, ERR_RP_CONFLICT);
out:
    pthread_rwlock_unlock(&c->lock);
    rpset_free(&ns);
    db_free(nd);
    return rc;
}

int hb_catalog_drop_database(hb_catalog *c, const char *name, hb_err *err)
{
    static const char *const kinds[] = { "meas", "tag_val", "series", "rpfields", "rpseries", "cq", "cqrun" };
    int rc = HB_OK;
    hb_buf key;
    hb_buf_init(&key, 0);
    hb_meta_batch *b = NULL;
    pthread_rwlock_wrlock(&c->lock);
    cat_db *d = find_db(c, name);
    if (!d)
        goto out;
    b = c->kv->batch_new(c->kv->self);
    if (!b || key_db(&key, name) || c->kv->batch_del(b, key.data, key.len))
        goto nomem;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (key_db_prefix(&key, kinds[i], name) || c->kv->batch_del_prefix(b, key.data, key.len))
            goto nomem;
    rc = c->kv->batch_commit(c->kv->self, b, 1, err);
    b = NULL;
    if (rc)
        goto out;
    remove_db(c, d);
    db_free(d);
    goto out;
nomem:
    rc = hb_err_set(err, HB_ENOMEM, "out of memory dropping database %s", name);
out:
    pthread_rwlock_unlock(&c->lock);
    if (b)
        c->kv->batch_free(b);
    hb_buf_free(&key);
    return rc;
}

int hb_catalog_has_database(hb_catalog *c, const char *name)
{
    pthread_rwlock_rdlock(&c->lock);
    int r = find_db(c, name) != NULL;
    pthread_rwlock_unlock(&c->lock);
    return r;
}

void hb_strv_free(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

int hb_catalog_list_databases(hb_catalog *c, char ***names, size_t *n, hb_err *err)
{
    int rc = HB_OK;
    *names = NULL;
    *n = 0;
    pthread_rwlock_rdlock(&c->lock);
    char **v = calloc(c->ndb + 1, sizeof *v);
    if (!v)
        goto nomem;
    for (size_t i = 0; i < c->ndb; i++)
        if (!(v[i] = strdup(c->order[i]->name))) {
            hb_strv_free(v, i);
            goto nomem;
        }
    *names = v;
    *n = c->ndb;
    goto out;
nomem:
    rc = hb_err_set(err, HB_ENOMEM, "out of memory listing databases");
out:
    pthread_rwlock_unlock(&c->lock);
    return rc;
}

int hb_catalog_create_rp(hb_catalog *c, const char *db, const hb_rp_spec *spec, hb_err *err)
{
    int rc = HB_OK;
    cat_rpset ns = { 0 };
    pthread_rwlock_wrlock(&c->lock);
    if (duration_too_low(spec)) {
        rc = hb_err_set(err, HB_EINVAL, ERR_DURATION_TOO_LOW);
        goto out;
    }
    if (!spec->name || !*spec->name) {
        rc = hb_err_set(err, HB_EINVAL, "retention policy name required");
        goto out;
    }
    cat_rp r = spec_rp(spec);
    r.wal_floor = wal_floor_now(c);
    if ((rc = check_new_rp(&r, err)))
        goto out;
    cat_db *d = find_db(c, db);
    if (!d) {
        rc = hb_err_set(err, HB_ENOTFOUND, "database not found: %s", db);
        goto out;
    }
    cat_rp *old = rpset_find(&d->rs, r.name);
    if (old) {
        if (old->repl != r.repl || old->duration != r.duration || old->sgd != r.sgd)
            rc = hb_err_set(err, HB_EEXISTS, ERR_RP_EXISTS);
        else if (spec->make_default && (!d->rs.def || strcmp(d->rs.def, r.name) != 0))
            rc = hb_err_set(err, HB_EEXISTS, ERR_RP_CONFLICT);
        goto out;
    }
    if (rpset_clone(&d->rs, &ns) || rpset_append(&ns, &r) || (spec->make_default && rpset_set_default(&ns, r.name))) {
        rc = hb_err_set(err, HB_ENOMEM, "out of memory creating retention policy %s", r.name);
        goto out;
    }
    if ((rc = persist_db(c, d, &ns, err)))
        goto out;
    rpset_free(&d->rs);
    d->rs = ns;
    memset(&ns, 0, sizeof ns);
out:
    pthread_rwlock_unlock(&c->lock);
    rpset_free(&ns);
    return rc;
}

int hb_catalog_alter_rp(hb_catalog *c, const char *db, const hb_rp_spec *spec, hb_err *err)
{
    int rc = HB_OK;
    cat_rpset ns = { 0 };
    const char *name = spec->name ? spec->name : "";
    pthread_rwlock_wrlock(&c->lock);
    cat_db *d = find_db(c, db);
    if (!d) {
        rc = hb_err_set(err, HB_ENOTFOUND, "database not found: %s", db);
        goto out;
    }
    cat_rp *cur = rpset_find(&d->rs, name);
    if (!cur) {
        rc = hb_err_set(err, HB_ENOTFOUND, "retention policy not found: %s", name);
        goto out;
    }
    if (duration_too_low(spec)) {
        rc = hb_err_set(err, HB_EINVAL, ERR_DURATION_TOO_LOW);
        goto out;
    }
    /* InfluxDB compares the raw (not yet normalised) shard duration here */
    if ((spec->has_duration && spec->duration_ns > 0 &&
         ((spec->has_shard_duration && spec->duration_ns < spec->shard_duration_ns) ||
          (!spec->has_shard_duration && spec->duration_ns < cur->sgd))) ||
        (!spec->has_duration && cur->duration > 0 && spec->has_shard_duration &&
         cur->duration < spec->shard_duration_ns)) {
        rc = hb_err_set(err, HB_EINVAL, ERR_INCOMPATIBLE);
        goto out;
    }
    if (spec->has_replication && spec->replication < 1) {
        rc = hb_err_set(err, HB_EINVAL, ERR_REPLICATION);
        goto out;
    }
    if (rpset_clone(&d->rs, &ns) || (spec->make_default && rpset_set_default(&ns, name))) {
        rc = hb_err_set(err, HB_ENOMEM, "out of memory altering retention policy %s", name);
        goto out;
    }
    cat_rp *r = rpset_find(&ns, name);
    if (spec->has_duration)
        r->duration = spec->duration_ns;
    if (spec->has_replication)
        r->repl = spec->replication;
    if (spec->has_shard_duration)
        r->sgd = normalised_sgd(spec->shard_duration_ns, r->duration);
    if ((rc = persist_db(c, d, &ns, err)))
        goto out;
    rpset_free(&d->rs);
    d->rs = ns;
    memset(&ns, 0, sizeof ns);
out:
    pthread_rwlock_unlock(&c->lock);
    rpset_free(&ns);
    return rc;
}

int hb_catalog_drop_rp(hb_catalog *c, const char *db, const char *rp, hb_err *err)
{
    int rc = HB_OK;
    cat_rpset ns = { 0 };
    hb_meta_batch *b = NULL;
    hb_buf key;
    hb_buf_init(&key, 0);
    pthread_rwlock_wrlock(&c->lock);
    /* InfluxDB 1.6 answers success for a missing database or policy */
    cat_db *d = find_db(c, db);
    if (!d || !rpset_find(&d->rs, rp))
        goto out;
    if (rpset_clone(&d->rs, &ns)) {
        rc = hb_err_set(err, HB_ENOMEM, "out of memory dropping retention policy %s", rp);
        goto out;
    }
    cat_rp *r = rpset_find(&ns, rp);
    size_t i = (size_t)(r - ns.v);
    free(r->name);
    memmove(&ns.v[i], &ns.v[i + 1], (ns.n - i - 1) * sizeof *ns.v);
    ns.n--;
    /* the default keeps naming the dropped policy, as in InfluxDB; the
     * policy's field sets and series memberships go with it */
    b = c->kv->batch_new(c->kv->self);
    if (!b || key_db(&key, d->name) || batch_put_json(c->kv, b, &key, db_json(d, &ns), 0) ||
        key_rp_prefix(&key, "rpfields", d->name, rp) || c->kv->batch_del_prefix(b, key.data, key.len) ||
        key_rp_prefix(&key, "rpseries", d->name, rp) || c->kv->batch_del_prefix(b, key.data, key.len)) {
        rc = hb_err_set(err, HB_ENOMEM, "out of memory dropping retention policy %s", rp);
        goto out;
    }
    rc = c->kv->batch_commit(c->kv->self, b, 1, err);
    b = NULL;
    if (rc)
        goto out;
    for (size_t s = 0; s < d->meas.cap; s++)
        if (hb_strmap_live(&d->meas.slots[s]))
            hb_fsets_remove(&((cat_meas *)d->meas.slots[s].val)->fsets, rp);
    int slot = hb_rpslots_release(&d->slots, rp);
    for (size_t s = 0; slot >= 0 && s < d->series.cap; s++)
        if (hb_strmap_live(&d->series.slots[s]))
            ((cat_series *)d->series.slots[s].val)->rps &= ~((uint64_t)1 << slot);
    rpset_free(&d->rs);
    d->rs = ns;
    memset(&ns, 0, sizeof ns);
out:
    pthread_rwlock_unlock(&c->lock);
    if (b)
        c->kv->batch_free(b);
    hb_buf_free(&key);
    rpset_free(&ns);
    return rc;
}

void hb_rp_info_free(hb_rp_info *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i].name);
    free(v);
}

int hb_catalog_list_rps(hb_catalog *c, const char *db, hb_rp_info **out, size_t *n, hb_err *err)
{
    int rc = HB_OK;
    *out = NULL;
    *n = 0;
    pthread_rwlock_rdlock(&c->lock);
    cat_db *d = find_db(c, db);
    if (!d) {
        rc = hb_err_set(err, HB_ENOTFOUND, "database not found: %s", db);
        goto out;
    }
    hb_rp_info *v = calloc(d->rs.n + 1, sizeof *v);
    if (!v) {
        rc = hb_err_set(err, HB_ENOMEM, "out of memory listing retention policies");
        goto out;
    }
    for (size_t i = 0; i < d->rs.n; i++) {
        const cat_rp *r = &d->rs.v[i];
        if (!(v[i].name = strdup(r->name))) {
            hb_rp_info_free(v, i);
            rc = hb_err_set(err, HB_ENOMEM, "out of memory listing retention policies");
            goto out;
        }
        v[i].duration_ns = r->duration;
        v[i].shard_duration_ns = r->sgd;
        v[i].replication = r->repl;
        v[i].wal_floor = r->wal_floor;
        v[i].is_default = d->rs.def && strcmp(d->rs.def, r->name) == 0;
    }
    *out = v;
    *n = d->rs.n;
out:
    pthread_rwlock_unlock(&c->lock);
    return rc;
}

int hb_catalog_resolve_rp(hb_catalog *c, const char *db, const char *rp, char *out, size_t outcap, hb_err *err)
{
    int rc = HB_OK;
    pthread_rwlock_rdlock(&c->lock);
    cat_db *d = find_db(c, db);
    if (!d) {
        rc = hb_err_set(err, HB_ENOTFOUND, "database not found: %s", db);
        goto out;
    }
    const char *name = rp && *rp ? rp : d->rs.def ? d->rs.def : "";
    if (!rpset_find(&d->rs, name)) {
        rc = hb_err_set(err, HB_ENOTFOUND, "retention policy not found: %s", name);
        goto out;
    }
    size_t len = strlen(name);
    if (len >= outcap) {
        rc = hb_err_set(err, HB_ELIMIT, "retention policy name too long for the buffer: %s", name);
        goto out;
    }
    memcpy(out, name, len + 1);
out:
    pthread_rwlock_unlock(&c->lock);
    return rc;
}

/* ------------------------------------------------------------------ */
/* write admission                                                      */

/* first_conflict's verdict for a field named "time" */
#define HAVE_INVALID_NAME ((hb_ftype)HB_FT_COUNT)

static void note_conflict(hb_admit_result *res, const hb_point *p, const hb_field *f, hb_ftype have)
{
    if (res->reason[0])
        return;
    if (have == HAVE_INVALID_NAME) {
        snprintf(res->reason, sizeof res->reason,
                 "invalid field name: input field \"%.*s\" on measurement \"%.*s\" is invalid", (int)f->key.n,
                 f->key.p, (int)p->measurement.n, p->measurement.p);
        return;
    }
    snprintf(res->reason, sizeof res->reason,
             "field type conflict: input field \"%.*s\" on measurement \"%.*s\" is type %s, already exists as type %s",
             (int)f->key.n, f->key.p, (int)p->measurement.n, p->measurement.p, hb_ftype_name(f->type),
             hb_ftype_name(have));
}

/* The first conflicting field of p against the policy's set fs (NULL: none yet), or NULL. Sets *unknown when a
 * field before it (or any, without conflict) is not registered yet.
 * A point may name a field twice (the ingest layer lists every occurrence of
 * a key repeated with different types, as InfluxDB checks each): an
 * unregistered field conflicts with an earlier occurrence of another type.
 * A field named "time" is invalid: *have is then HAVE_INVALID_NAME. */
static const hb_field *first_conflict(const hb_fset *fs, const hb_point *p, int *unknown, hb_ftype *have)
{
    for (uint32_t k = 0; k < p->nfields; k++) {
        const hb_field *f = &p->fields[k];
        if (f->key.n == 4 && memcmp(f->key.p, "time", 4) == 0) {
            *have = HAVE_INVALID_NAME;
            return f;
        }
        void *v = fs ? hb_strmap_get(&fs->fields, f->key.p, f->key.n) : NULL;
        if (!v) {
            *unknown = 1;
            for (uint32_t j = 0; j < k; j++)
                if (hb_slice_eq(p->fields[j].key, f->key) && p->fields[j].type != f->type) {
                    *have = p->fields[j].type;
                    return f;
                }
            continue;
        }
        if (val_ftype(v) != f->type) {
            *have = val_ftype(v);
            return f;
        }
    }
    return NULL;
}

/* Read-locked pass: returns 1 when every measurement, field and series was
 * known (pts got their series ids, 0 for dropped points), 0 when something
 * must be registered. Allocates nothing. */
static int same_fields(const hb_point *a, const hb_point *b)
{
    if (a->nfields != b->nfields)
        return 0;
    for (uint32_t k = 0; k < a->nfields; k++) {
        const hb_field *x = &a->fields[k], *y = &b->fields[k];
        if (x->type != y->type || !hb_slice_eq(x->key, y->key))
            return 0;
    }
    return 1;
}

static int admit_known(cat_db *d, const char *rp, hb_point *pts, size_t n, hb_admit_result *res)
{
    cat_meas *m = NULL;
    const hb_fset *fs = NULL;
    const hb_point *ok = NULL;  /* last point of m found all known, without conflict */
    for (size_t i = 0; i < n; i++) {
        hb_point *p = &pts[i];
        if (!m || !hb_slice_eq((hb_slice){ m->name, m->nlen }, p->measurement)) {
            m = hb_strmap_get(&d->meas, p->measurement.p, p->measurement.n);
            if (!m || !(fs = hb_fsets_find(&m->fsets, rp)))
                return 0;
            ok = NULL;
        }
        const hb_field *bad = NULL;
        hb_ftype have = HB_FT_FLOAT;
        if (!ok || !same_fields(ok, p)) {
            /* same keys and types as a checked point need no lookups */
            int unknown = 0;
            bad = first_conflict(fs, p, &unknown, &have);
            if (unknown)
                return 0;
            if (!bad)
                ok = p;
        }
        cat_series *se = hb_strmap_get(&d->series, p->series_key.p, p->series_key.n);
        if (!se || !hb_rpslots_member(&d->slots, rp, se->rps))
            return 0;
        if (bad) {
            note_conflict(res, p, bad, have);
            res->dropped++;
            p->series_id = 0;
        } else {
            p->series_id = se->id;
        }
    }
    return 1;
}

/* UNDO_FSET: obj is the cat_meas, key the policy; UNDO_RPBIT: obj is the
 * cat_series, klen the bit */
enum { UNDO_MEAS, UNDO_FIELD, UNDO_TAGKEY, UNDO_TAGVAL, UNDO_SERIES, UNDO_FSET, UNDO_RPBIT };

typedef struct undo_ent {
    int kind;
    hb_strmap *map;
    const char *key;  /* points into the request's points */
    size_t klen;
    void *obj;
} undo_ent;

typedef struct admit_ctx {
    hb_catalog *c;
    cat_db *d;
    const char *rp;
    int slot;           /* the policy's bit, < 0 without one */
    undo_ent *undo;
    size_t nundo, capundo;
    cat_meas **dirty;
    size_t ndirty, capdirty;
    cat_meas **dirtyfm; /* measurements whose policy field set must be rewritten */
    size_t ndirtyf, capdirtyf;
    hb_meta_batch *b;
    hb_buf key;
    uint64_t saved_next_id;
} admit_ctx;

static int undo_push(admit_ctx *a, int kind, hb_strmap *map, hb_slice key, void *obj)
{
    if (a->nundo == a->capundo) {
        size_t ncap = a->capundo ? a->capundo * 2 : 64;
        undo_ent *nu = realloc(a->undo, ncap * sizeof *nu);
        if (!nu)
            return HB_ENOMEM;
        a->undo = nu;
        a->capundo = ncap;
    }
    a->undo[a->nundo++] = (undo_ent){ kind, map, key.p, key.n, obj };
    return HB_OK;
}

/* Insert (key -> val) into map and remember how to take it back. On failure
 * nothing is inserted and obj is not freed. */
static int reg(admit_ctx *a, int kind, hb_strmap *map, hb_slice key, void *val)
{
    if (undo_push(a, kind, map, key, val))
        return HB_ENOMEM;
    if (hb_strmap_put(map, key.p, key.n, val)) {
        a->nundo--;
        return HB_ENOMEM;
    }
    return HB_OK;
}

static int mark_dirty(admit_ctx *a, cat_meas *m)
{
    if (m->dirty)
        return HB_OK;
    if (a->ndirty == a->capdirty) {
        size_t ncap = a->capdirty ? a->capdirty * 2 : 8;
        cat_meas **nd = realloc(a->dirty, ncap * sizeof *nd);
        if (!nd)
            return HB_ENOMEM;
        a->dirty = nd;
        a->capdirty = ncap;
    }
    a->dirty[a->ndirty++] = m;
    m->dirty = 1;
    return HB_OK;
}

static int mark_fset_dirty(admit_ctx *a, cat_meas *m, hb_fset *fs)
{
    if (fs->dirty)
        return HB_OK;
    if (a->ndirtyf == a->capdirtyf) {
        size_t ncap = a->capdirtyf ? a->capdirtyf * 2 : 8;
        cat_meas **nd = realloc(a->dirtyfm, ncap * sizeof *nd);
        if (!nd)
            return HB_ENOMEM;
        a->dirtyfm = nd;
        a->capdirtyf = ncap;
    }
    a->dirtyfm[a->ndirtyf++] = m;
    fs->dirty = 1;
    return HB_OK;
}

static void undo_all(admit_ctx *a)
{
    while (a->nundo > 0) {
        undo_ent *u = &a->undo[--a->nundo];
        if (u->kind == UNDO_FSET) {
            hb_fsets_remove(&((cat_meas *)u->obj)->fsets, u->key);
            continue;
        }
        if (u->kind == UNDO_RPBIT) {
            ((cat_series *)u->obj)->rps &= ~((uint64_t)1 << u->klen);
            continue;
        }
        if (u->kind == UNDO_SERIES)
            series_unlink(u->obj);
        hb_strmap_del(u->map, u->key, u->klen);
        switch (u->kind) {
        case UNDO_MEAS: meas_free(u->obj); break;
        case UNDO_TAGKEY: tagkey_free(u->obj); break;
        case UNDO_SERIES: free(u->obj); break;
        default: break;
        }
    }
    a->c->next_series_id = a->saved_next_id;
}

/* Records that the policy holds series se (of p). */
static int reg_rp_member(admit_ctx *a, cat_series *se, const hb_point *p)
{
    if (hb_rpslots_member(&a->d->slots, a->rp, se->rps) && (a->slot < 0 || ((se->rps >> a->slot) & 1)))
        return HB_OK;
    if (a->slot >= 0) {
        if (undo_push(a, UNDO_RPBIT, NULL, (hb_slice){ NULL, (size_t)a->slot }, se))
            return HB_ENOMEM;
        se->rps |= (uint64_t)1 << a->slot;
    }
    if (key_rpseries(&a->key, a->d->name, a->rp, p->measurement, p->series_key) ||
        a->c->kv->batch_put(a->b, a->key.data, a->key.len, "", 0))
        return HB_ENOMEM;
    return HB_OK;
}

/* The policy's field set of m, created (and remembered for undo) if new. */
static hb_fset *reg_fset(admit_ctx *a, cat_meas *m)
{
    hb_fset *fs = hb_fsets_find(&m->fsets, a->rp);
    if (fs)
        return fs;
    if (undo_push(a, UNDO_FSET, NULL, (hb_slice){ a->rp, strlen(a->rp) }, m))
        return NULL;
    if (!(fs = hb_fsets_add(&m->fsets, a->rp))) {
        a->nundo--;
        return NULL;
    }
    if (mark_fset_dirty(a, m, fs))
        return NULL;
    return fs;
}

/* Register p's series (with its tag keys and values) if new. */
static int reg_series(admit_ctx *a, cat_meas *m, const hb_point *p, cat_series **out)
{
    cat_db *d = a->d;
    cat_series *se = hb_strmap_get(&d->series, p->series_key.p, p->series_key.n);
    if (se) {
        *out = se;
        return reg_rp_member(a, se, p);
    }
    if (meas_series_reserve(m))
        return HB_ENOMEM;
    se = malloc(sizeof *se);
    if (!se)
        return HB_ENOMEM;
    se->id = a->c->next_series_id;
    se->rps = 0;
    se->m = m;
    if (reg(a, UNDO_SERIES, &d->series, p->series_key, se)) {
        free(se);
        return HB_ENOMEM;
    }
    series_link(&d->series, se, p->series_key.p, p->series_key.n);
    a->c->next_series_id++;
    char idtxt[32];
    int il = snprintf(idtxt, sizeof idtxt, "%llu", (unsigned long long)se->id);
    if (key_series(&a->key, d->name, p->measurement, p->series_key) ||
        a->c->kv->batch_put(a->b, a->key.data, a->key.len, idtxt, (size_t)il))
        return HB_ENOMEM;
    for (uint32_t t = 0; t < p->ntags; t++) {
        const hb_tag *tg = &p->tags[t];
        cat_tagkey *tk = hb_strmap_get(&m->tagkeys, tg->key.p, tg->key.n);
        if (!tk) {
            tk = calloc(1, sizeof *tk);
            if (!tk)
                return HB_ENOMEM;
            hb_strmap_init(&tk->values);
            if (reg(a, UNDO_TAGKEY, &m->tagkeys, tg->key, tk)) {
                free(tk);
                return HB_ENOMEM;
            }
            if (mark_dirty(a, m))
                return HB_ENOMEM;
        }
        if (!hb_strmap_get(&tk->values, tg->val.p, tg->val.n)) {
            if (reg(a, UNDO_TAGVAL, &tk->values, tg->val, (void *)1))
                return HB_ENOMEM;
            if (key_tagval(&a->key, d->name, p->measurement, tg->key, tg->val) ||
                a->c->kv->batch_put(a->b, a->key.data, a->key.len, "", 0))
                return HB_ENOMEM;
        }
    }
    *out = se;
    return reg_rp_member(a, se, p);
}

/* Write-locked pass: registers what is new, then commits it. */
static int admit_register(admit_ctx *a, hb_point *pts, size_t n, hb_admit_result *res, hb_err *err)
{
    cat_db *d = a->d;
    hb_catalog *c = a->c;
    for (size_t i = 0; i < n; i++) {
        hb_point *p = &pts[i];
        cat_meas *m = hb_strmap_get(&d->meas, p->measurement.p, p->measurement.n);
        if (!m) {
            m = meas_new(p->measurement.p, p->measurement.n);
            if (!m)
                goto nomem;
            if (reg(a, UNDO_MEAS, &d->meas, p->measurement, m)) {
                meas_free(m);
                goto nomem;
            }
            if (mark_dirty(a, m))
                goto nomem;
        }
        int unknown = 0;
        hb_ftype have = HB_FT_FLOAT;
        hb_fset *fs = hb_fsets_find(&m->fsets, a->rp);
        const hb_field *bad = first_conflict(fs, p, &unknown, &have);
        cat_series *se;
        if (reg_series(a, m, p, &se))
            goto nomem;
        if (bad) {
            note_conflict(res, p, bad, have);
            res->dropped++;
            p->series_id = 0;
            continue;
        }
        if (unknown && !fs && !(fs = reg_fset(a, m)))
            goto nomem;
        for (uint32_t k = 0; unknown && k < p->nfields; k++) {
            const hb_field *f = &p->fields[k];
            if (hb_strmap_get(&fs->fields, f->key.p, f->key.n))
                continue;
            if (reg(a, UNDO_FIELD, &fs->fields, f->key, ftype_val(f->type)) || mark_fset_dirty(a, m, fs))
                goto nomem;
        }
        p->series_id = se->id;
    }
    for (size_t i = 0; i < a->ndirty; i++) {
        cat_meas *m = a->dirty[i];
        if (key_meas(&a->key, d->name, m->name, m->nlen) || batch_put_json(c->kv, a->b, &a->key, meas_json(m), JSON_SORT_KEYS))
            goto nomem;
    }
    for (size_t i = 0; i < a->ndirtyf; i++) {
        cat_meas *m = a->dirtyfm[i];
        hb_fset *fs = hb_fsets_find(&m->fsets, a->rp);
        if (key_rpfields(&a->key, d->name, a->rp, m->name, m->nlen) ||
            batch_put_json(c->kv, a->b, &a->key, fset_json(fs), JSON_SORT_KEYS))
            goto nomem;
    }
    if (c->next_series_id != a->saved_next_id) {
        char idtxt[32];
        int il = snprintf(idtxt, sizeof idtxt, "%llu", (unsigned long long)c->next_series_id);
        if (c->kv->batch_put(a->b, SERIES_COUNTER_KEY, strlen(SERIES_COUNTER_KEY), idtxt, (size_t)il))
            goto nomem;
    }
    if (a->nundo == 0)
        return HB_OK;  /* raced: another writer registered everything */
    int rc = c->kv->batch_commit(c->kv->self, a->b, 1, err);
    a->b = NULL;
    return rc;
nomem:
    return hb_err_set(err, HB_ENOMEM, "out of memory registering the schema of database %s", d->name);
}

int hb_catalog_admit(hb_catalog *c, const char *db, const char *rp, hb_point *pts, size_t n, hb_admit_result *res,
                     hb_err *err)
{
    int rc = HB_OK;
    res->accepted = 0;
    res->dropped = 0;
    res->reason[0] = '\0';

    pthread_rwlock_rdlock(&c->lock);
    cat_db *d = find_db(c, db);
    if (!d) {
        pthread_rwlock_unlock(&c->lock);
        return hb_err_set(err, HB_ENOTFOUND, "database not found: %s", db);
    }
    int done = admit_known(d, rp, pts, n, res);
    pthread_rwlock_unlock(&c->lock);

    if (!done) {
        res->dropped = 0;
        res->reason[0] = '\0';
        admit_ctx a;
        memset(&a, 0, sizeof a);
        hb_buf_init(&a.key, 0);
        pthread_rwlock_wrlock(&c->lock);
        a.c = c;
        a.d = d = find_db(c, db);
        a.rp = rp;
        a.saved_next_id = c->next_series_id;
        if (!d) {
            rc = hb_err_set(err, HB_ENOTFOUND, "database not found: %s", db);
        } else if ((a.slot = hb_rpslots_get(&d->slots, rp)) == -2) {
            rc = hb_err_set(err, HB_ENOMEM, "out of memory registering the schema of database %s", db);
        } else if (!(a.b = c->kv->batch_new(c->kv->self))) {
            rc = hb_err_set(err, HB_ENOMEM, "out of memory registering the schema of database %s", db);
        } else {
            rc = admit_register(&a, pts, n, res, err);
        }
        for (size_t i = 0; i < a.ndirty; i++)
            a.dirty[i]->dirty = 0;
        for (size_t i = 0; i < a.ndirtyf; i++) {
            hb_fset *fs = hb_fsets_find(&a.dirtyfm[i]->fsets, rp);
            if (fs)
                fs->dirty = 0;
        }
        if (rc) {
            undo_all(&a);
            res->dropped = 0;
            res->reason[0] = '\0';
        }
        pthread_rwlock_unlock(&c->lock);
        if (a.b)
            c->kv->batch_free(a.b);
        free(a.undo);
        free(a.dirty);
        free(a.dirtyfm);
        hb_buf_free(&a.key);
        if (rc)
            return rc;
    }

    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (!pts[i].series_id)
            continue;
        if (j != i)
            pts[j] = pts[i];
        j++;
    }
    res->accepted = j;
    return HB_OK;
}

/* ------------------------------------------------------------------ */
/* schema reads                                                         */

/* Looks db (and meas, when wanted) up; HB_ENOTFOUND for a missing database. */
static int lookup(hb_catalog *c, const char *db, const char *meas, cat_db **d, cat_meas **m, hb_err *err)
{
    *d = find_db(c, db);
    if (!*d)
        return hb_err_set(err, HB_ENOTFOUND, "database not found: %s", db);
    if (m)
        *m = meas ? hb_strmap_get(&(*d)->meas, meas, strlen(meas)) : NULL;
    return HB_OK;
}

/* Sorted copies of the live keys of map (with an optional filter). */
static int map_keys_sorted(const hb_strmap *map, int (*keep)(const hb_strmap_slot *, const void *), const void *arg,
                           char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    char **v = calloc(map->count + 1, sizeof *v);
    size_t k = 0;
    if (!v)
        return HB_ENOMEM;
    for (size_t i = 0; i < map->cap; i++) {
        const hb_strmap_slot *s = &map->slots[i];
        if (!hb_strmap_live(s) || (keep && !keep(s, arg)))
            continue;
        if (!(v[k] = strdup(s->key))) {
            hb_strv_free(v, k);
            return HB_ENOMEM;
        }
        k++;
    }
    qsort(v, k, sizeof *v, cmp_cstr);
    *out = v;
    *n = k;
    return HB_OK;
}

int hb_catalog_list_measurements(hb_catalog *c, const char *db, char ***names, size_t *n, hb_err *err)
{
    cat_db *d;
    *names = NULL;
    *n = 0;
    pthread_rwlock_rdlock(&c->lock);
    int rc = lookup(c, db, NULL, &d, NULL, err);
    if (!rc && map_keys_sorted(&d->meas, NULL, NULL, names, n))
        rc = hb_err_set(err, HB_ENOMEM, "out of memory listing measurements");
    pthread_rwlock_unlock(&c->lock);
    return rc;
}

void hb_field_info_free(hb_field_info *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i].name);
    free(v);
}

static int cmp_field(const void *a, const void *b)
{
    return strcmp(((const hb_field_info *)a)->name, ((const hb_field_info *)b)->name);
}

int hb_catalog_list_fields(hb_catalog *c, const char *db, const char *meas, hb_field_info **out, size_t *n,
                           hb_err *err)
{
    return hb_catalog_list_rp_fields(c, db, NULL, meas, out, n, err);
}

int hb_catalog_list_rp_fields(hb_catalog *c, const char *db, const char *rp, const char *meas, hb_field_info **out,
                              size_t *n, hb_err *err)
{
    cat_db *d;
    cat_meas *m;
    *out = NULL;
    *n = 0;
    pthread_rwlock_rdlock(&c->lock);
    int rc = lookup(c, db, meas, &d, &m, err);
    if (rc || !m)
        goto out;
    if (!rp || !*rp)
        rp = d->rs.def ? d->rs.def : "";
    const hb_fset *fs = hb_fsets_find(&m->fsets, rp);
    if (!fs)
        goto out;
    hb_field_info *v = calloc(fs->fields.count + 1, sizeof *v);
    size_t k = 0;
    if (!v)
        goto nomem;
    for (size_t i = 0; i < fs->fields.cap; i++) {
        const hb_strmap_slot *s = &fs->fields.slots[i];
        if (!hb_strmap_live(s))
            continue;
        if (!(v[k].name = strdup(s->key))) {
            hb_field_info_free(v, k);
            goto nomem;
        }
        v[k++].type = val_ftype(s->val);
    }
    qsort(v, k, sizeof *v, cmp_field);
    *out = v;
    *n = k;
    goto out;
nomem:
    rc = hb_err_set(err, HB_ENOMEM, "out of memory listing fields");
out:
    pthread_rwlock_unlock(&c->lock);
    return rc;
}

int hb_catalog_list_tag_keys(hb_catalog *c, const char *db, const char *meas, char ***keys, size_t *n, hb_err *err)
{
    cat_db *d;
    cat_meas *m;
    *keys = NULL;
    *n = 0;
    pthread_rwlock_rdlock(&c->lock);
    int rc = lookup(c, db, meas, &d, &m, err);
    if (!rc && m && map_keys_sorted(&m->tagkeys, NULL, NULL, keys, n))
        rc = hb_err_set(err, HB_ENOMEM, "out of memory listing tag keys");
    pthread_rwlock_unlock(&c->lock);
    return rc;
}

int hb_catalog_list_tag_values(hb_catalog *c, const char *db, const char *meas, const char *key, char ***vals,
                               size_t *n, hb_err *err)
{
    cat_db *d;
    cat_meas *m;
    *vals = NULL;
    *n = 0;
    pthread_rwlock_rdlock(&c->lock);
    int rc = lookup(c, db, meas, &d, &m, err);
    cat_tagkey *tk = !rc && m ? hb_strmap_get(&m->tagkeys, key, strlen(key)) : NULL;
    if (tk && map_keys_sorted(&tk->values, NULL, NULL, vals, n))
        rc = hb_err_set(err, HB_ENOMEM, "out of memory listing tag values");
    pthread_rwlock_unlock(&c->lock);
    return rc;
}

static int cmp_series_key(const void *a, const void *b)
{
    const cat_series *x = *(cat_series *const *)a, *y = *(cat_series *const *)b;
    size_t n = x->klen < y->klen ? x->klen : y->klen;
    int c = memcmp(x->key, y->key, n);
    return c ? c : (x->klen > y->klen) - (x->klen < y->klen);
}

int hb_catalog_list_series(hb_catalog *c, const char *db, const char *meas, char ***keys, size_t *n, hb_err *err)
{
    cat_db *d;
    cat_meas *m;
    cat_series **tmp = NULL;
    char **v = NULL;
    *keys = NULL;
    *n = 0;
    pthread_rwlock_rdlock(&c->lock);
    int rc = lookup(c, db, meas, &d, &m, err);
    if (rc || !m)
        goto out;
    tmp = malloc((m->nseries + 1) * sizeof *tmp);
    v = calloc(m->nseries + 1, sizeof *v);
    if (!tmp || !v)
        goto nomem;
    if (m->nseries)
        memcpy(tmp, m->series, m->nseries * sizeof *tmp);
    qsort(tmp, m->nseries, sizeof *tmp, cmp_series_key);
    for (size_t i = 0; i < m->nseries; i++) {
        if (!(v[i] = malloc(tmp[i]->klen + 1))) {
            hb_strv_free(v, i);
            v = NULL;
            goto nomem;
        }
        memcpy(v[i], tmp[i]->key, tmp[i]->klen);
        v[i][tmp[i]->klen] = '\0';
    }
    *keys = v;
    *n = m->nseries;
    v = NULL;
    goto out;
nomem:
    rc = hb_err_set(err, HB_ENOMEM, "out of memory listing series");
out:
    pthread_rwlock_unlock(&c->lock);
    free(tmp);
    free(v);
    return rc;
}

int hb_catalog_foreach_series(hb_catalog *c, const char *db, const char *meas, hb_series_visit_fn fn, void *ctx,
                              hb_err *err)
{
    return hb_catalog_foreach_rp_series(c, db, NULL, meas, fn, ctx, err);
}

int hb_catalog_foreach_rp_series(hb_catalog *c, const char *db, const char *rp, const char *meas,
                                 hb_series_visit_fn fn, void *ctx, hb_err *err)
{
    cat_db *d;
    cat_meas *m;
    pthread_rwlock_rdlock(&c->lock);
    int rc = lookup(c, db, meas, &d, &m, err);
    if (rc)
        goto out;
    if (meas) {
        for (size_t i = 0; m && i < m->nseries && !rc; i++) {
            const cat_series *se = m->series[i];
            if (!rp || hb_rpslots_member(&d->slots, rp, se->rps))
                rc = fn(ctx, m->name, m->nlen, se->key, se->klen, se->id);
        }
        goto out;
    }
    for (size_t i = 0; i < d->series.cap && !rc; i++) {
        const hb_strmap_slot *s = &d->series.slots[i];
        if (!hb_strmap_live(s))
            continue;
        const cat_series *se = s->val;
        if (!rp || hb_rpslots_member(&d->slots, rp, se->rps))
            rc = fn(ctx, se->m->name, se->m->nlen, s->key, s->klen, se->id);
    }
out:
    pthread_rwlock_unlock(&c->lock);
    return rc;
}

int hb_catalog_count_series(hb_catalog *c, const char *db, const char *meas, uint64_t *n, hb_err *err)
{
    cat_db *d;
    cat_meas *m;
    *n = 0;
    pthread_rwlock_rdlock(&c->lock);
    int rc = lookup(c, db, meas, &d, &m, err);
    if (!rc)
        *n = meas ? (m ? m->nseries : 0) : d->series.count;
    pthread_rwlock_unlock(&c->lock);
    return rc;
}

int hb_catalog_tag_value_exists(hb_catalog *c, const char *db, const char *meas, const char *key, const char *val,
                                size_t vlen)
{
    int rc = HB_ENOTFOUND;
    pthread_rwlock_rdlock(&c->lock);
    cat_db *d = find_db(c, db);
    cat_meas *m = d ? hb_strmap_get(&d->meas, meas, strlen(meas)) : NULL;
    cat_tagkey *tk = m ? hb_strmap_get(&m->tagkeys, key, strlen(key)) : NULL;
    if (tk)
        rc = hb_strmap_get(&tk->values, val, vlen) != NULL;
    pthread_rwlock_unlock(&c->lock);
    return rc;
}

int hb_catalog_foreach_tag_value(hb_catalog *c, const char *db, const char *meas, const char *key,
                                 int (*fn)(void *ctx, const char *val, size_t len), void *ctx, hb_err *err)
{
    cat_db *d;
    cat_meas *m;
    pthread_rwlock_rdlock(&c->lock);
    int rc = lookup(c, db, meas, &d, &m, err);
    cat_tagkey *tk = !rc && m ? hb_strmap_get(&m->tagkeys, key, strlen(key)) : NULL;
    for (size_t i = 0; tk && i < tk->values.cap && !rc; i++) {
        const hb_strmap_slot *s = &tk->values.slots[i];
        if (hb_strmap_live(s))
            rc = fn(ctx, s->key, s->klen);
    }
    pthread_rwlock_unlock(&c->lock);
    return rc;
}

int hb_catalog_series_id(hb_catalog *c, const char *db, const char *series_key, size_t len, uint64_t *id)
{
    int rc = HB_ENOTFOUND;
    pthread_rwlock_rdlock(&c->lock);
    cat_db *d = find_db(c, db);
    cat_series *se = d ? hb_strmap_get(&d->series, series_key, len) : NULL;
    if (se) {
        *id = se->id;
        rc = HB_OK;
    }
    pthread_rwlock_unlock(&c->lock);
    return rc;
}

/* ------------------------------------------------------------------ */
/* open / close                                                         */

typedef struct load_ctx {
    hb_catalog *c;
    hb_err *err;
    hb_buf a, b, k;   /* scratch */
    uint64_t max_series_id;
    int layout_rp;    /* the store has the per-policy layout (LAYOUT_KEY) */
    int probe_hit;    /* has_files: a key was found */
} load_ctx;

static int corrupt(load_ctx *l, const char *key, size_t klen, const char *what)
{
    return hb_err_set(l->err, HB_ECORRUPT, "metadata key '%.*s': %s", (int)klen, key, what);
}

static json_t *parse_json(load_ctx *l, const char *key, size_t klen, const char *val, size_t vlen)
{
    json_error_t je;
    json_t *j = json_loadb(val, vlen, 0, &je);
    if (!j) {
        char msg[256];
        snprintf(msg, sizeof msg, "invalid JSON: %s", je.text);
        corrupt(l, key, klen, msg);
    }
    return j;
}

static int load_db(void *ctx, const char *key, size_t klen, const char *val, size_t vlen)
{
    load_ctx *l = ctx;
    int rc = HB_OK;
    cat_db *d = NULL;
    json_t *j = parse_json(l, key, klen, val, vlen);
    if (!j)
        return HB_ECORRUPT;
    hb_buf_reset(&l->a);
    if (hb_buf_append(&l->a, key + 3, klen - 3) || !(d = db_new(hb_buf_cstr(&l->a), 0)))
        goto nomem;
    json_t *seq = json_object_get(j, "created_seq"), *rps = json_object_get(j, "retention_policies");
    if (!json_is_integer(seq) || !json_is_array(rps)) {
        rc = corrupt(l, key, klen, "missing created_seq or retention_policies");
        goto out;
    }
    d->seq = (uint64_t)json_integer_value(seq);
    if (json_get_name(j, "default_retention_policy", &l->b) == 0 && !(d->rs.def = strdup(hb_buf_cstr(&l->b))))
        goto nomem;
    d->rs.v = calloc(json_array_size(rps) + 1, sizeof *d->rs.v);
    if (!d->rs.v)
        goto nomem;
    size_t i;
    json_t *r;
    json_array_foreach(rps, i, r) {
        json_t *du = json_object_get(r, "duration_ns"), *sg = json_object_get(r, "shard_group_duration_ns"),
               *re = json_object_get(r, "replication");
        if (json_get_name(r, "name", &l->b) || !json_is_integer(du) || !json_is_integer(sg) || !json_is_integer(re)) {
            rc = corrupt(l, key, klen, "malformed retention policy");
            goto out;
        }
        cat_rp *p = &d->rs.v[d->rs.n];
        if (!(p->name = strdup(hb_buf_cstr(&l->b))))
            goto nomem;
        p->duration = json_integer_value(du);
        p->sgd = json_integer_value(sg);
        p->repl = (int)json_integer_value(re);
        json_t *wf = json_object_get(r, "wal_floor");
        p->wal_floor = json_is_integer(wf) ? (uint64_t)json_integer_value(wf) : 0;
        d->rs.n++;
    }
    if (add_db(l->c, d))
        goto nomem;
    d = NULL;
    goto out;
nomem:
    rc = hb_err_set(l->err, HB_ENOMEM, "out of memory loading metadata key '%.*s'", (int)klen, key);
out:
    db_free(d);
    json_decref(j);
    return rc;
}

/* The database named by the first escaped component after the "kind:" prefix. */
static cat_db *key_database(load_ctx *l, const char **p, const char *end)
{
    if (hb_meta_key_take(p, end, &l->a))
        return NULL;
    return find_db(l->c, hb_buf_cstr(&l->a));
}

static cat_meas *get_meas(cat_db *d, const char *name, size_t n)
{
    cat_meas *m = hb_strmap_get(&d->meas, name, n);
    if (m)
        return m;
    m = meas_new(name, n);
    if (!m)
        return NULL;
    if (hb_strmap_put(&d->meas, name, n, m)) {
        meas_free(m);
        return NULL;
    }
    return m;
}

static cat_tagkey *get_tagkey(cat_meas *m, const char *key, size_t n)
{
    cat_tagkey *tk = hb_strmap_get(&m->tagkeys, key, n);
    if (tk)
        return tk;
    tk = calloc(1, sizeof *tk);
    if (!tk)
        return NULL;
    hb_strmap_init(&tk->values);
    if (hb_strmap_put(&m->tagkeys, key, n, tk)) {
        free(tk);
        return NULL;
    }
    return tk;
}

static int load_field(hb_strmap *fields, const char *name, size_t n, json_t *t)
{
    if (!json_is_integer(t) || json_integer_value(t) < 0 || json_integer_value(t) >= HB_FT_COUNT)
        return HB_ECORRUPT;
    return hb_strmap_put(fields, name, n, ftype_val((hb_ftype)json_integer_value(t)));
}

/* j's "field_types" and "field_types_hex" into fields. */
static int load_field_types(load_ctx *l, json_t *j, hb_strmap *fields)
{
    const char *fk;
    json_t *fv;
    int rc;
    json_object_foreach(json_object_get(j, "field_types"), fk, fv) {
        if ((rc = load_field(fields, fk, strlen(fk), fv)))
            return rc;
    }
    json_object_foreach(json_object_get(j, "field_types_hex"), fk, fv) {
        if (unhex(fk, &l->b))
            return HB_ECORRUPT;
        if ((rc = load_field(fields, hb_buf_cstr(&l->b), l->b.len, fv)))
            return rc;
    }
    return HB_OK;
}

static int load_meas(void *ctx, const char *key, size_t klen, const char *val, size_t vlen)
{
    load_ctx *l = ctx;
    const char *p = key + 5, *end = key + klen;
    cat_db *d = key_database(l, &p, end);
    if (!d)
        return HB_OK;  /* not of a known database: ignored */
    json_t *j = parse_json(l, key, klen, val, vlen);
    if (!j)
        return HB_ECORRUPT;
    int rc = HB_OK;
    cat_meas *m = get_meas(d, p, (size_t)(end - p));
    if (!m)
        goto nomem;
    /* since the per-policy layout the types live under "rpfields:" */
    if (!l->layout_rp && (rc = load_field_types(l, j, &m->legacy)))
        goto bad;
    size_t i;
    json_t *tv;
    json_array_foreach(json_object_get(j, "tag_keys"), i, tv) {
        if (!json_is_string(tv)) {
            rc = HB_ECORRUPT;
            goto bad;
        }
        if (!get_tagkey(m, json_string_value(tv), json_string_length(tv)))
            goto nomem;
    }
    json_array_foreach(json_object_get(j, "tag_keys_hex"), i, tv) {
        if (!json_is_string(tv) || unhex(json_string_value(tv), &l->b)) {
            rc = HB_ECORRUPT;
            goto bad;
        }
        if (!get_tagkey(m, hb_buf_cstr(&l->b), l->b.len))
            goto nomem;
    }
    goto out;
bad:
    if (rc == HB_ECORRUPT) {
        corrupt(l, key, klen, "malformed field types or tag keys");
        goto out;
    }
nomem:
    rc = hb_err_set(l->err, HB_ENOMEM, "out of memory loading metadata key '%.*s'", (int)klen, key);
out:
    json_decref(j);
    return rc;
}

static int load_tagval(void *ctx, const char *key, size_t klen, const char *val, size_t vlen)
{
    load_ctx *l = ctx;
    const char *p = key + 8, *end = key + klen;
    cat_db *d = key_database(l, &p, end);
    if (!d)
        return HB_OK;
    if (hb_meta_key_take(&p, end, &l->b) || hb_meta_key_take(&p, end, &l->k))
        return corrupt(l, key, klen, "malformed tag value key");
    cat_meas *m = get_meas(d, hb_buf_cstr(&l->b), l->b.len);
    cat_tagkey *tk = m ? get_tagkey(m, hb_buf_cstr(&l->k), l->k.len) : NULL;
    if (!tk || hb_strmap_put(&tk->values, p, (size_t)(end - p), (void *)1))
        return hb_err_set(l->err, HB_ENOMEM, "out of memory loading metadata key '%.*s'", (int)klen, key);
    return HB_OK;
}

static int parse_u64(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0 || n > 20)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        uint64_t nv = v * 10 + (uint64_t)(s[i] - '0');
        if (nv / 10 != v)
            return -1;
        v = nv;
    }
    *out = v;
    return 0;
}

static int load_series(void *ctx, const char *key, size_t klen, const char *val, size_t vlen)
{
    load_ctx *l = ctx;
    const char *p = key + 7, *end = key + klen;
    cat_db *d = key_database(l, &p, end);
    if (!d)
        return HB_OK;
    uint64_t id;
    if (hb_meta_key_take(&p, end, &l->b) || parse_u64(val, vlen, &id) || id == 0)
        return corrupt(l, key, klen, "malformed series entry");
    cat_meas *m = get_meas(d, hb_buf_cstr(&l->b), l->b.len);
    if (m && hb_strmap_get(&d->series, p, (size_t)(end - p)))
        return HB_OK;  /* the same series under two measurements: keep the first */
    cat_series *se = m && !meas_series_reserve(m) ? malloc(sizeof *se) : NULL;
    if (se) {
        se->id = id;
        se->rps = 0;
        se->m = m;
    }
    if (!se || hb_strmap_put(&d->series, p, (size_t)(end - p), se)) {
        free(se);
        return hb_err_set(l->err, HB_ENOMEM, "out of memory loading metadata key '%.*s'", (int)klen, key);
    }
    series_link(&d->series, se, p, (size_t)(end - p));
    if (id > l->max_series_id)
        l->max_series_id = id;
    return HB_OK;
}

static int load_rpfields(void *ctx, const char *key, size_t klen, const char *val, size_t vlen)
{
    load_ctx *l = ctx;
    const char *p = key + 9, *end = key + klen;
    cat_db *d = key_database(l, &p, end);
    if (!d)
        return HB_OK;
    if (hb_meta_key_take(&p, end, &l->b))
        return corrupt(l, key, klen, "malformed field set key");
    if (!rpset_find(&d->rs, hb_buf_cstr(&l->b)))
        return HB_OK;  /* of a dropped policy */
    json_t *j = parse_json(l, key, klen, val, vlen);
    if (!j)
        return HB_ECORRUPT;
    int rc = HB_OK;
    cat_meas *m = get_meas(d, p, (size_t)(end - p));
    hb_fset *fs = m ? hb_fsets_find(&m->fsets, hb_buf_cstr(&l->b)) : NULL;
    if (m && !fs)
        fs = hb_fsets_add(&m->fsets, hb_buf_cstr(&l->b));
    if (!fs)
        rc = hb_err_set(l->err, HB_ENOMEM, "out of memory loading metadata key '%.*s'", (int)klen, key);
    else if ((rc = load_field_types(l, j, &fs->fields)) == HB_ECORRUPT)
        corrupt(l, key, klen, "malformed field types");
    else if (rc)
        rc = hb_err_set(l->err, HB_ENOMEM, "out of memory loading metadata key '%.*s'", (int)klen, key);
    json_decref(j);
    return rc;
}

static int load_rpseries(void *ctx, const char *key, size_t klen, const char *val, size_t vlen)
{
    (void)val;
    (void)vlen;
    load_ctx *l = ctx;
    const char *p = key + 9, *end = key + klen;
    cat_db *d = key_database(l, &p, end);
    if (!d)
        return HB_OK;
    if (hb_meta_key_take(&p, end, &l->b) || hb_meta_key_take(&p, end, &l->k))
        return corrupt(l, key, klen, "malformed policy series key");
    cat_series *se = hb_strmap_get(&d->series, p, (size_t)(end - p));
    if (!se || !rpset_find(&d->rs, hb_buf_cstr(&l->b)))
        return HB_OK;  /* unknown series or dropped policy */
    int slot = hb_rpslots_get(&d->slots, hb_buf_cstr(&l->b));
    if (slot == -2)
        return hb_err_set(l->err, HB_ENOMEM, "out of memory loading metadata key '%.*s'", (int)klen, key);
    if (slot >= 0)
        se->rps |= (uint64_t)1 << slot;
    return HB_OK;
}

static int probe_one(void *ctx, const char *key, size_t klen, const char *val, size_t vlen)
{
    (void)key;
    (void)klen;
    (void)val;
    (void)vlen;
    ((load_ctx *)ctx)->probe_hit = 1;
    return 1;  /* one is enough */
}

/* Whether the file registry lists a Parquet file of db.rp.meas: its keys
 * are "pq:{db}:{rp}:{meas}:..." (app/file_registry.c), components escaped. */
static int has_files(load_ctx *l, const char *db, const char *rp, const char *meas, size_t mlen, int *yes)
{
    hb_meta_port *kv = l->c->kv;
    *yes = 0;
    if (key_rp_prefix(&l->k, "pq", db, rp) || hb_meta_key_put(&l->k, meas, mlen) || hb_buf_putc(&l->k, ':'))
        return hb_err_set(l->err, HB_ENOMEM, "out of memory migrating the catalog");
    l->probe_hit = 0;
    int rc = kv->scan(kv->self, l->k.data, l->k.len, probe_one, l, l->err);
    if (rc && rc != 1)
        return rc;
    hb_err_clear(l->err);
    *yes = l->probe_hit;
    return HB_OK;
}

/* From the layout with one field set per measurement ("meas:" values with
 * field types) to one per policy: a measurement's fields and series are
 * given to every policy that holds Parquet files of it. Data still in the
 * WAL registers its own policy when it is replayed. One synced batch, with
 * LAYOUT_KEY, so the migration happens once. */
static int migrate_layout(load_ctx *l)
{
    hb_catalog *c = l->c;
    hb_meta_port *kv = c->kv;
    int rc = HB_OK;
    hb_meta_batch *b = kv->batch_new(kv->self);
    if (!b)
        goto nomem;
    for (size_t i = 0; i < c->ndb; i++) {
        cat_db *d = c->order[i];
        for (size_t s = 0; s < d->meas.cap; s++) {
            if (!hb_strmap_live(&d->meas.slots[s]))
                continue;
            cat_meas *m = d->meas.slots[s].val;
            for (size_t r = 0; r < d->rs.n && m->legacy.count; r++) {
                const char *rp = d->rs.v[r].name;
                int yes;
                if ((rc = has_files(l, d->name, rp, m->name, m->nlen, &yes)))
                    goto out;
                if (!yes || hb_fsets_find(&m->fsets, rp))
                    continue;
                hb_fset *fs = hb_fsets_add(&m->fsets, rp);
                if (!fs)
                    goto nomem;
                for (size_t f = 0; f < m->legacy.cap; f++) {
                    const hb_strmap_slot *fl = &m->legacy.slots[f];
                    if (hb_strmap_live(fl) && hb_strmap_put(&fs->fields, fl->key, fl->klen, fl->val))
                        goto nomem;
                }
                if (key_rpfields(&l->a, d->name, rp, m->name, m->nlen) ||
                    batch_put_json(kv, b, &l->a, fset_json(fs), JSON_SORT_KEYS))
                    goto nomem;
                int slot = hb_rpslots_get(&d->slots, rp);
                if (slot == -2)
                    goto nomem;
                for (size_t k = 0; k < m->nseries; k++) {
                    cat_series *se = m->series[k];
                    if (slot >= 0)
                        se->rps |= (uint64_t)1 << slot;
                    if (key_rpseries(&l->a, d->name, rp, (hb_slice){ m->name, m->nlen }, (hb_slice){ se->key, se->klen }) ||
                        kv->batch_put(b, l->a.data, l->a.len, "", 0))
                        goto nomem;
                }
            }
            hb_strmap_free(&m->legacy);
            hb_strmap_init(&m->legacy);
            /* the types now live under "rpfields:" */
            if (key_meas(&l->a, d->name, m->name, m->nlen) || batch_put_json(kv, b, &l->a, meas_json(m), JSON_SORT_KEYS))
                goto nomem;
        }
    }
    if (kv->batch_put(b, LAYOUT_KEY, strlen(LAYOUT_KEY), LAYOUT_RP, strlen(LAYOUT_RP)))
        goto nomem;
    rc = kv->batch_commit(kv->self, b, 1, l->err);
    b = NULL;
    goto out;
nomem:
    rc = hb_err_set(l->err, HB_ENOMEM, "out of memory migrating the catalog");
out:
    if (b)
        kv->batch_free(b);
    return rc;
}

static int cmp_db_seq(const void *a, const void *b)
{
    const cat_db *x = *(cat_db *const *)a, *y = *(cat_db *const *)b;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int hb_catalog_open(hb_meta_port *kv, hb_catalog **out, hb_err *err)
{
    int rc = HB_OK;
    load_ctx l;
    memset(&l, 0, sizeof l);
    hb_buf_init(&l.a, 0);
    hb_buf_init(&l.b, 0);
    hb_buf_init(&l.k, 0);
    char *cnt = NULL;
    size_t cntlen = 0;

    *out = NULL;
    hb_catalog *c = calloc(1, sizeof *c);
    if (!c)
        return hb_err_set(err, HB_ENOMEM, "out of memory opening the catalog");
    pthread_rwlockattr_t attr;
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    int lr = pthread_rwlock_init(&c->lock, &attr);
    pthread_rwlockattr_destroy(&attr);
    if (lr) {
        free(c);
        return hb_err_set(err, HB_ENOMEM, "cannot create the catalog lock");
    }
    c->kv = kv;
    hb_strmap_init(&c->dbs);
    c->next_db_seq = 1;
    c->next_series_id = 1;
    l.c = c;
    l.err = err;

    rc = kv->get(kv->self, LAYOUT_KEY, strlen(LAYOUT_KEY), &cnt, &cntlen, err);
    if (rc != HB_OK && rc != HB_ENOTFOUND)
        goto out;
    l.layout_rp = rc == HB_OK;
    free(cnt);
    cnt = NULL;
    hb_err_clear(err);
    if ((rc = kv->scan(kv->self, "db:", 3, load_db, &l, err)) ||
        (rc = kv->scan(kv->self, "meas:", 5, load_meas, &l, err)) ||
        (rc = kv->scan(kv->self, "tag_val:", 8, load_tagval, &l, err)) ||
        (rc = kv->scan(kv->self, "series:", 7, load_series, &l, err)) ||
        (rc = kv->scan(kv->self, "rpfields:", 9, load_rpfields, &l, err)) ||
        (rc = kv->scan(kv->self, "rpseries:", 9, load_rpseries, &l, err)))
        goto out;
    if (!l.layout_rp && (rc = migrate_layout(&l)))
        goto out;
    if (c->ndb > 1)
        qsort(c->order, c->ndb, sizeof *c->order, cmp_db_seq);
    for (size_t i = 0; i < c->ndb; i++)
        if (c->order[i]->seq >= c->next_db_seq)
            c->next_db_seq = c->order[i]->seq + 1;

    rc = kv->get(kv->self, SERIES_COUNTER_KEY, strlen(SERIES_COUNTER_KEY), &cnt, &cntlen, err);
    if (rc == HB_OK) {
        uint64_t next;
        if (parse_u64(cnt, cntlen, &next)) {
            rc = hb_err_set(err, HB_ECORRUPT, "metadata key '%s': not a number", SERIES_COUNTER_KEY);
            goto out;
        }
        if (next > c->next_series_id)
            c->next_series_id = next;
    } else if (rc != HB_ENOTFOUND) {
        goto out;
    }
    rc = HB_OK;
    hb_err_clear(err);
    if (l.max_series_id >= c->next_series_id)
        c->next_series_id = l.max_series_id + 1;
    *out = c;
    c = NULL;
out:
    free(cnt);
    hb_buf_free(&l.a);
    hb_buf_free(&l.b);
    hb_buf_free(&l.k);
    if (c)
        hb_catalog_close(c);
    return rc;
}

void hb_catalog_close(hb_catalog *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->ndb; i++)
        db_free(c->order[i]);
    free(c->order);
    hb_strmap_free(&c->dbs);
    pthread_rwlock_destroy(&c->lock);
    free(c);
}

void hb_catalog_set_wal_seq_source(hb_catalog *c, uint64_t (*fn)(void *ctx), void *ctx)
{
    pthread_rwlock_wrlock(&c->lock);
    c->wal_seq_fn = fn;
    c->wal_seq_ctx = ctx;
    pthread_rwlock_unlock(&c->lock);
}

/* WAL floor and duration of db.rp under the read lock; HB_ENOTFOUND. */
static int rp_facts(hb_catalog *c, const char *db, const char *rp, uint64_t *floor, int64_t *duration)
{
    int rc = HB_ENOTFOUND;
    pthread_rwlock_rdlock(&c->lock);
    cat_db *d = find_db(c, db);
    const cat_rp *r = d ? rpset_find(&d->rs, rp) : NULL;
    if (r) {
        *floor = r->wal_floor;
        *duration = r->duration;
        rc = HB_OK;
    }
    pthread_rwlock_unlock(&c->lock);
    return rc;
}

int hb_catalog_rp_wal_floor(hb_catalog *c, const char *db, const char *rp, uint64_t *floor)
{
    int64_t duration;
    return rp_facts(c, db, rp, floor, &duration);
}

int hb_catalog_rp_duration(hb_catalog *c, const char *db, const char *rp, int64_t *duration_ns)
{
    uint64_t floor;
    return rp_facts(c, db, rp, &floor, duration_ns);
}

/* ------------------------------------------------------------------ */
/* DROP SERIES, DROP MEASUREMENT, DELETE                               */

/* The tag pairs of canonical series key k (series_key.h) into used, as
 * "key\0value" (unescaped). */
static int note_tags(hb_strmap *used, const char *k, size_t n, hb_buf *tmp)
{
    size_t i = 0;
    while (i < n && k[i] != ',')   /* the measurement */
        i += k[i] == '\\' && i + 1 < n ? 2 : 1;
    while (i < n) {
        i++;   /* ',' */
        hb_buf_reset(tmp);
        int in_val = 0;
        for (; i < n && k[i] != ','; i++) {
            char ch = k[i];
            if (ch == '\\' && i + 1 < n && (k[i + 1] == ',' || k[i + 1] == ' ' || k[i + 1] == '='))
                ch = k[++i];
            else if (ch == '=' && !in_val) {
                in_val = 1;
                ch = '\0';
            }
            if (hb_buf_putc(tmp, ch))
                return HB_ENOMEM;
        }
        if (!hb_strmap_get(used, (const char *)tmp->data, tmp->len) &&
            hb_strmap_put(used, (const char *)tmp->data, tmp->len, (void *)1))
            return HB_ENOMEM;
    }
    return HB_OK;
}

static int pair_used(const hb_strmap *used, hb_buf *tmp, const char *k, size_t kn, const char *v, size_t vn)
{
    hb_buf_reset(tmp);
    if (hb_buf_append(tmp, k, kn) || hb_buf_putc(tmp, '\0') || hb_buf_append(tmp, v, vn))
        return 1;   /* out of memory: keep it */
    return hb_strmap_get(used, (const char *)tmp->data, tmp->len) != NULL;
}

static void meas_remove(cat_db *d, cat_meas *m)
{
    for (size_t i = 0; i < m->nseries; i++) {
        cat_series *se = m->series[i];
        hb_strmap_del(&d->series, se->key, se->klen);
        free(se);
    }
    m->nseries = 0;
    hb_strmap_del(&d->meas, m->name, m->nlen);
    meas_free(m);
}

int hb_catalog_drop_series(hb_catalog *c, const char *db, const char *meas, char *const *keys, size_t n,
                           int drop_meas, hb_err *err)
{
    int rc = HB_OK;
    hb_meta_batch *b = NULL;
    hb_buf key, tmp;
    hb_buf_init(&key, 0);
    hb_buf_init(&tmp, 0);
    hb_strmap gone, used;
    hb_strmap_init(&gone);
    hb_strmap_init(&used);
    pthread_rwlock_wrlock(&c->lock);
    cat_db *d = find_db(c, db);
    size_t mlen = strlen(meas);
    cat_meas *m = d ? hb_strmap_get(&d->meas, meas, mlen) : NULL;
    if (!m)
        goto out;
    hb_slice ms = { m->name, m->nlen };
    for (size_t i = 0; i < n; i++) {
        cat_series *se = hb_strmap_get(&d->series, keys[i], strlen(keys[i]));
        if (se && se->m == m && hb_strmap_put(&gone, se->key, se->klen, se))
            goto nomem;
    }
    size_t left = m->nseries - gone.count;
    if (!drop_meas && gone.count == 0)
        goto out;
    if (!(b = c->kv->batch_new(c->kv->self)))
        goto nomem;
    if (drop_meas || left == 0) {
        if (key_meas(&key, db, m->name, m->nlen) || c->kv->batch_del(b, key.data, key.len) ||
            key_db_prefix(&key, "tag_val", db) || hb_meta_key_put(&key, m->name, m->nlen) || hb_buf_putc(&key, ':') ||
            c->kv->batch_del_prefix(b, key.data, key.len) || key_db_prefix(&key, "series", db) ||
            hb_meta_key_put(&key, m->name, m->nlen) || hb_buf_putc(&key, ':') ||
            c->kv->batch_del_prefix(b, key.data, key.len))
            goto nomem;
        for (size_t r = 0; r < d->rs.n; r++)
            if (key_rpfields(&key, db, d->rs.v[r].name, m->name, m->nlen) || c->kv->batch_del(b, key.data, key.len) ||
                key_rp_prefix(&key, "rpseries", db, d->rs.v[r].name) || hb_meta_key_put(&key, m->name, m->nlen) ||
                hb_buf_putc(&key, ':') || c->kv->batch_del_prefix(b, key.data, key.len))
                goto nomem;
        if ((rc = c->kv->batch_commit(c->kv->self, b, 1, err)))
            goto out_committed;
        b = NULL;
        meas_remove(d, m);
        goto out;
    }
    for (size_t i = 0; i < m->nseries; i++) {
        const cat_series *se = m->series[i];
        if (hb_strmap_get(&gone, se->key, se->klen)) {
            hb_slice sk = { se->key, se->klen };
            if (key_series(&key, db, ms, sk) || c->kv->batch_del(b, key.data, key.len))
                goto nomem;
            for (size_t r = 0; r < d->rs.n; r++)
                if (key_rpseries(&key, db, d->rs.v[r].name, ms, sk) || c->kv->batch_del(b, key.data, key.len))
                    goto nomem;
        } else if (note_tags(&used, se->key, se->klen, &tmp)) {
            goto nomem;
        }
    }
    /* tag values (and keys) no remaining series uses */
    int keys_changed = 0;
    for (size_t i = 0; i < m->tagkeys.cap; i++) {
        hb_strmap_slot *ks = &m->tagkeys.slots[i];
        if (!hb_strmap_live(ks))
            continue;
        cat_tagkey *tk = ks->val;
        size_t kept = 0;
        for (size_t j = 0; j < tk->values.cap; j++) {
            hb_strmap_slot *vs = &tk->values.slots[j];
            if (!hb_strmap_live(vs))
                continue;
            if (pair_used(&used, &tmp, ks->key, ks->klen, vs->key, vs->klen)) {
                kept++;
                continue;
            }
            if (key_tagval(&key, db, ms, (hb_slice){ ks->key, ks->klen }, (hb_slice){ vs->key, vs->klen }) ||
                c->kv->batch_del(b, key.data, key.len))
                goto nomem;
        }
        keys_changed |= kept == 0;
    }
    if (keys_changed) {
        /* rewrite the measurement without the unused tag keys: build the
         * JSON from a copy of the key set */
        hb_strmap saved = m->tagkeys, kept;
        hb_strmap_init(&kept);
        for (size_t i = 0; i < saved.cap; i++) {
            hb_strmap_slot *ks = &saved.slots[i];
            if (!hb_strmap_live(ks))
                continue;
            cat_tagkey *tk = ks->val;
            int any = 0;
            for (size_t j = 0; j < tk->values.cap && !any; j++)
                any = hb_strmap_live(&tk->values.slots[j]) &&
                      pair_used(&used, &tmp, ks->key, ks->klen, tk->values.slots[j].key, tk->values.slots[j].klen);
            if (any && hb_strmap_put(&kept, ks->key, ks->klen, tk)) {
                hb_strmap_free(&kept);
                goto nomem;
            }
        }
        m->tagkeys = kept;
        json_t *j = meas_json(m);
        m->tagkeys = saved;
        hb_strmap_free(&kept);
        if (key_meas(&key, db, m->name, m->nlen) || batch_put_json(c->kv, b, &key, j, 0))
            goto nomem;
    }
    if ((rc = c->kv->batch_commit(c->kv->self, b, 1, err)))
        goto out_committed;
    b = NULL;
    /* in memory */
    for (size_t i = 0; i < m->nseries;) {
        cat_series *se = m->series[i];
        if (!hb_strmap_get(&gone, se->key, se->klen)) {
            i++;
            continue;
        }
        memmove(&m->series[i], &m->series[i + 1], (m->nseries - i - 1) * sizeof *m->series);
        m->nseries--;
        hb_strmap_del(&d->series, se->key, se->klen);   /* frees the key se points at */
        free(se);
    }
    for (size_t i = 0; i < m->tagkeys.cap; i++) {
        hb_strmap_slot *ks = &m->tagkeys.slots[i];
        if (!hb_strmap_live(ks))
            continue;
        cat_tagkey *tk = ks->val;
        for (size_t j = 0; j < tk->values.cap; j++) {
            hb_strmap_slot *vs = &tk->values.slots[j];
            if (hb_strmap_live(vs) && !pair_used(&used, &tmp, ks->key, ks->klen, vs->key, vs->klen))
                hb_strmap_del(&tk->values, vs->key, vs->klen);
        }
        if (!tk->values.count) {
            hb_strmap_del(&m->tagkeys, ks->key, ks->klen);
            tagkey_free(tk);
        }
    }
    goto out;
nomem:
    rc = hb_err_set(err, HB_ENOMEM, "out of memory dropping series of %s", meas);
    goto out;
out_committed:
    b = NULL;   /* batch_commit frees it */
out:
    pthread_rwlock_unlock(&c->lock);
    if (b)
        c->kv->batch_free(b);
    hb_strmap_free(&gone);
    hb_strmap_free(&used);
    hb_buf_free(&key);
    hb_buf_free(&tmp);
    return rc;
}
