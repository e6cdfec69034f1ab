/* Catalog: InfluxQL DDL semantics and texts, write admission, listings,
 * persistence across reopen (RocksDB), drop database, failure rollback.
 *
 * Every error text and behaviour asserted here was checked against the
 * reference server (influxd 1.6.7, Debian package) through /query and
 * /write; the InfluxQL statement is given next to each case. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/meta_memory.h"
#include "adapters/meta_rocksdb.h"
#include "app/catalog.h"

#define H (3600LL * 1000000000LL)
#define D (24 * H)
#define M (60LL * 1000000000LL)

typedef struct fx {
    hb_meta_port kv;
    hb_catalog *c;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    hb_err err;
    assert_int_equal(hb_meta_memory_open(&f->kv, &err), HB_OK);
    assert_int_equal(hb_catalog_open(&f->kv, &f->c, &err), HB_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    hb_catalog_close(f->c);
    f->kv.close(f->kv.self);
    free(f);
    return 0;
}

/* ---- spec helpers ---- */

static hb_rp_spec spec(const char *name) { return (hb_rp_spec){ .name = name }; }
static hb_rp_spec *dur(hb_rp_spec *s, int64_t d) { s->has_duration = 1; s->duration_ns = d; return s; }
static hb_rp_spec *repl(hb_rp_spec *s, int r) { s->has_replication = 1; s->replication = r; return s; }
static hb_rp_spec *shard(hb_rp_spec *s, int64_t d) { s->has_shard_duration = 1; s->shard_duration_ns = d; return s; }
static hb_rp_spec *dflt(hb_rp_spec *s) { s->make_default = 1; return s; }

/* rc and message of a statement, as a string "rc:msg" for one-line asserts. */
static char last[600];
static const char *res(int rc, const hb_err *e)
{
    snprintf(last, sizeof last, "%d:%s", rc, rc ? e->msg : "");
    return last;
}

#define OK "0:"
#define ERR(code, text) #code ":" text

static const char *create_db(hb_catalog *c, const char *n, const hb_rp_spec *s)
{
    hb_err e;
    hb_err_clear(&e);
    return res(hb_catalog_create_database(c, n, s, &e), &e);
}
static const char *create_rp(hb_catalog *c, const char *db, const hb_rp_spec *s)
{
    hb_err e;
    hb_err_clear(&e);
    return res(hb_catalog_create_rp(c, db, s, &e), &e);
}
static const char *alter_rp(hb_catalog *c, const char *db, const hb_rp_spec *s)
{
    hb_err e;
    hb_err_clear(&e);
    return res(hb_catalog_alter_rp(c, db, s, &e), &e);
}
static const char *drop_rp(hb_catalog *c, const char *db, const char *rp)
{
    hb_err e;
    hb_err_clear(&e);
    return res(hb_catalog_drop_rp(c, db, rp, &e), &e);
}

/* SHOW RETENTION POLICIES as "name,dur,sgd,repl,default;" with durations in
 * hours; "ERR:msg" for an error. */
static char rpbuf[1024];
static const char *rps(hb_catalog *c, const char *db)
{
    hb_err e;
    hb_rp_info *v;
    size_t n;
    rpbuf[0] = '\0';
    int rc = hb_catalog_list_rps(c, db, &v, &n, &e);
    if (rc) {
        snprintf(rpbuf, sizeof rpbuf, "ERR:%s", e.msg);
        return rpbuf;
    }
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(rpbuf);
        snprintf(rpbuf + l, sizeof rpbuf - l, "%s,%lldh,%lldh,%d,%s;", v[i].name, (long long)(v[i].duration_ns / H),
                 (long long)(v[i].shard_duration_ns / H), v[i].replication, v[i].is_default ? "true" : "false");
    }
    hb_rp_info_free(v, n);
    return rpbuf;
}

static char listbuf[4096];
static const char *join(char **v, size_t n)
{
    listbuf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(listbuf);
        snprintf(listbuf + l, sizeof listbuf - l, "%s%s", i ? "|" : "", v[i]);
    }
    hb_strv_free(v, n);
    return listbuf;
}

static const char *dbs(hb_catalog *c)
{
    hb_err e;
    char **v;
    size_t n;
    assert_int_equal(hb_catalog_list_databases(c, &v, &n, &e), HB_OK);
    return join(v, n);
}

static const char *measurements(hb_catalog *c, const char *db)
{
    hb_err e;
    char **v;
    size_t n;
    assert_int_equal(hb_catalog_list_measurements(c, db, &v, &n, &e), HB_OK);
    return join(v, n);
}

/* "name:type|..." of the default policy (rp NULL) or of rp. */
static const char *rp_fields(hb_catalog *c, const char *db, const char *rp, const char *m)
{
    hb_err e;
    hb_field_info *v;
    size_t n;
    if (rp)
        assert_int_equal(hb_catalog_list_rp_fields(c, db, rp, m, &v, &n, &e), HB_OK);
    else
        assert_int_equal(hb_catalog_list_fields(c, db, m, &v, &n, &e), HB_OK);
    listbuf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(listbuf);
        snprintf(listbuf + l, sizeof listbuf - l, "%s%s:%s", i ? "|" : "", v[i].name, hb_ftype_name(v[i].type));
    }
    hb_field_info_free(v, n);
    return listbuf;
}

static const char *fields(hb_catalog *c, const char *db, const char *m) { return rp_fields(c, db, NULL, m); }

static const char *tag_keys(hb_catalog *c, const char *db, const char *m)
{
    hb_err e;
    char **v;
    size_t n;
    assert_int_equal(hb_catalog_list_tag_keys(c, db, m, &v, &n, &e), HB_OK);
    return join(v, n);
}

static const char *tag_values(hb_catalog *c, const char *db, const char *m, const char *k)
{
    hb_err e;
    char **v;
    size_t n;
    assert_int_equal(hb_catalog_list_tag_values(c, db, m, k, &v, &n, &e), HB_OK);
    return join(v, n);
}

static const char *series(hb_catalog *c, const char *db, const char *m)
{
    hb_err e;
    char **v;
    size_t n;
    assert_int_equal(hb_catalog_list_series(c, db, m, &v, &n, &e), HB_OK);
    return join(v, n);
}


/* The series hb_catalog_foreach_series visits, as sorted "meas:key:id". */
typedef struct visit_ctx {
    char *items[64];
    size_t n;
    size_t stop_after;  /* 0 = never stop */
} visit_ctx;

static int visit_fn(void *ctx, const char *meas, size_t ml, const char *key, size_t kl, uint64_t id)
{
    visit_ctx *v = ctx;
    assert_true(v->n < 64);
    char buf[256];
    snprintf(buf, sizeof buf, "%.*s:%.*s:%llu", (int)ml, meas, (int)kl, key, (unsigned long long)id);
    v->items[v->n++] = strdup(buf);
    return v->stop_after && v->n == v->stop_after ? 7 : 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Sorted items joined with '|' into listbuf; frees the items. */
static const char *join_visited(visit_ctx *v)
{
    qsort(v->items, v->n, sizeof *v->items, cmp_str);
    listbuf[0] = '\0';
    for (size_t i = 0; i < v->n; i++) {
        size_t l = strlen(listbuf);
        snprintf(listbuf + l, sizeof listbuf - l, "%s%s", i ? "|" : "", v->items[i]);
        free(v->items[i]);
    }
    return listbuf;
}

/* The series of db (m NULL) or m written into rp, as "meas:key:id". */
static const char *visit_rp(hb_catalog *c, const char *db, const char *rp, const char *m)
{
    visit_ctx v = { { 0 }, 0, 0 };
    hb_err e;
    int rc = hb_catalog_foreach_rp_series(c, db, rp, m, visit_fn, &v, &e);
    if (rc) {
        snprintf(listbuf, sizeof listbuf, "ERR:%s", e.msg);
        return listbuf;
    }
    return join_visited(&v);
}

static const char *visit(hb_catalog *c, const char *db, const char *m)
{
    visit_ctx v = { { 0 }, 0, 0 };
    hb_err e;
    int rc = hb_catalog_foreach_series(c, db, m, visit_fn, &v, &e);
    if (rc) {
        snprintf(listbuf, sizeof listbuf, "ERR:%s", e.msg);
        return listbuf;
    }
    return join_visited(&v);
}

static int collect_value(void *ctx, const char *val, size_t len)
{
    visit_ctx *v = ctx;
    assert_true(v->n < 64);
    v->items[v->n++] = strndup(val, len);
    return 0;
}

static const char *values_visited(hb_catalog *c, const char *db, const char *m, const char *k)
{
    visit_ctx v = { { 0 }, 0, 0 };
    hb_err e;
    int rc = hb_catalog_foreach_tag_value(c, db, m, k, collect_value, &v, &e);
    if (rc) {
        snprintf(listbuf, sizeof listbuf, "ERR:%s", e.msg);
        return listbuf;
    }
    return join_visited(&v);
}

/* ---- point builder ----
 * pt(b, "cpu", "host=a,region=eu", "f:F,g:I") : tags already sorted, fields
 * with a type letter F(loat) I(nteger) U(nsigned) S(tring) B(oolean). The
 * series key is "cpu,host=a,region=eu" unless given with pt_key. */
#define MAXP 64
typedef struct pbuf {
    hb_point pts[MAXP];
    hb_tag tags[MAXP][8];
    hb_field fields[MAXP][12];
    char text[MAXP][512];
    size_t n;
} pbuf;

static hb_point *pt(pbuf *b, const char *meas, const char *tags, const char *flds)
{
    assert_true(b->n < MAXP);
    size_t i = b->n++;
    hb_point *p = &b->pts[i];
    char *t = b->text[i];
    memset(p, 0, sizeof *p);
    /* text: "<series key>\0<tags copy>\0<fields copy>\0" */
    int kl = snprintf(t, 200, "%s%s%s", meas, tags && *tags ? "," : "", tags ? tags : "");
    p->series_key = (hb_slice){ t, (size_t)kl };
    p->measurement = (hb_slice){ t, strlen(meas) };
    char *tc = t + kl + 1;
    strcpy(tc, tags ? tags : "");
    char *fc = tc + strlen(tc) + 1;
    strcpy(fc, flds);
    p->tags = b->tags[i];
    for (char *s = tc; *s;) {
        char *e = strchr(s, '=');
        char *end = strchr(e, ',');
        size_t vl = end ? (size_t)(end - e - 1) : strlen(e + 1);
        p->tags[p->ntags++] = (hb_tag){ { s, (size_t)(e - s) }, { e + 1, vl } };
        s = end ? end + 1 : e + 1 + vl;
    }
    p->fields = b->fields[i];
    for (char *s = fc; *s;) {
        char *colon = strchr(s, ':');
        hb_field *f = &p->fields[p->nfields++];
        f->key = (hb_slice){ s, (size_t)(colon - s) };
        switch (colon[1]) {
        case 'F': f->type = HB_FT_FLOAT; f->v.f = 1.5; break;
        case 'I': f->type = HB_FT_INTEGER; f->v.i = 1; break;
        case 'U': f->type = HB_FT_UNSIGNED; f->v.u = 1; break;
        case 'S': f->type = HB_FT_STRING; f->v.s = (hb_slice){ "x", 1 }; break;
        case 'B': f->type = HB_FT_BOOLEAN; f->v.b = 1; break;
        default: fail_msg("bad field spec %s", s);
        }
        s = colon + 2;
        if (*s == ',')
            s++;
    }
    p->time = (int64_t)i;
    return p;
}

static hb_point *pt_key(pbuf *b, const char *meas, const char *key, const char *flds)
{
    hb_point *p = pt(b, meas, NULL, flds);
    size_t i = (size_t)(p - b->pts);
    char *t = b->text[i] + 300;
    strcpy(t, key);
    p->series_key = (hb_slice){ t, strlen(t) };
    char *m = t + strlen(t) + 1;
    strcpy(m, meas);
    p->measurement = (hb_slice){ m, strlen(m) };
    return p;
}

/* Series id of key, 0 if unknown. */
static uint64_t sid(hb_catalog *c, const char *db, const char *key)
{
    uint64_t id = 0;
    int rc = hb_catalog_series_id(c, db, key, strlen(key), &id);
    return rc == HB_OK ? id : 0;
}

static hb_admit_result admit(hb_catalog *c, const char *db, pbuf *b)
{
    hb_err e;
    hb_admit_result r;
    memset(&r, 0x55, sizeof r);
    char rp[256];
    if (hb_catalog_resolve_rp(c, db, NULL, rp, sizeof rp, &e))
        snprintf(rp, sizeof rp, "autogen");
    int rc = hb_catalog_admit(c, db, rp, b->pts, b->n, &r, &e);
    if (rc)
        fail_msg("admit failed: %s", e.msg);
    return r;
}

/* Admission into policy rp. */
static hb_admit_result admit_rp(hb_catalog *c, const char *db, const char *rp, pbuf *b)
{
    hb_err e;
    hb_admit_result r;
    memset(&r, 0x55, sizeof r);
    if (hb_catalog_admit(c, db, rp, b->pts, b->n, &r, &e))
        fail_msg("admit failed: %s", e.msg);
    return r;
}

/* ================= DDL ================= */

static void test_create_database_default_policy(void **state)
{
    fx *f = *state;
    /* CREATE DATABASE a -> autogen, 0s, 168h0m0s, 1, true */
    assert_string_equal(create_db(f->c, "a", NULL), OK);
    assert_true(hb_catalog_has_database(f->c, "a"));
    assert_false(hb_catalog_has_database(f->c, "b"));
    assert_string_equal(rps(f->c, "a"), "autogen,0h,168h,1,true;");
    /* idempotent */
    assert_string_equal(create_db(f->c, "a", NULL), OK);
    assert_string_equal(rps(f->c, "a"), "autogen,0h,168h,1,true;");
    assert_string_equal(dbs(f->c), "a");
    /* SHOW RETENTION POLICIES ON c (missing) */
    assert_string_equal(rps(f->c, "c"), "ERR:database not found: c");
}

static void test_create_database_with_on_existing(void **state)
{
    fx *f = *state;
    hb_rp_spec s;
    assert_string_equal(create_db(f->c, "a", NULL), OK);
    /* CREATE DATABASE a WITH DURATION 2h */
    s = spec(NULL);
    assert_string_equal(create_db(f->c, "a", dur(&s, 2 * H)), ERR(-6, "retention policy conflicts with an existing policy"));
    /* WITH DURATION 0s: matches autogen */
    s = spec(NULL);
    assert_string_equal(create_db(f->c, "a", dur(&s, 0)), OK);
    /* WITH NAME autogen / WITH NAME other */
    s = spec("autogen");
    assert_string_equal(create_db(f->c, "a", &s), OK);
    s = spec("other");
    assert_string_equal(create_db(f->c, "a", &s), ERR(-6, "retention policy conflicts with an existing policy"));
    /* WITH REPLICATION 1 / 2 */
    s = spec(NULL);
    assert_string_equal(create_db(f->c, "a", repl(&s, 1)), OK);
    s = spec(NULL);
    assert_string_equal(create_db(f->c, "a", repl(&s, 2)), ERR(-6, "retention policy conflicts with an existing policy"));
    /* WITH SHARD DURATION 168h / 1h */
    s = spec(NULL);
    assert_string_equal(create_db(f->c, "a", shard(&s, 168 * H)), OK);
    s = spec(NULL);
    assert_string_equal(create_db(f->c, "a", shard(&s, H)), ERR(-6, "retention policy conflicts with an existing policy"));
    /* nothing changed */
    assert_string_equal(rps(f->c, "a"), "autogen,0h,168h,1,true;");
    /* WITH DURATION 30m: checked before anything else */
    s = spec(NULL);
    assert_string_equal(create_db(f->c, "a", dur(&s, 30 * M)), ERR(-9, "retention policy duration must be at least 1h0m0s"));
}

static void test_create_database_with_new(void **state)
{
    fx *f = *state;
    hb_rp_spec s;
    /* CREATE DATABASE b WITH DURATION 30m */
    s = spec(NULL);
    assert_string_equal(create_db(f->c, "b", dur(&s, 30 * M)), ERR(-9, "retention policy duration must be at least 1h0m0s"));
    assert_false(hb_catalog_has_database(f->c, "b"));
    /* CREATE DATABASE b WITH DURATION 1h -> autogen 1h0m0s 1h0m0s */
    s = spec(NULL);
    assert_string_equal(create_db(f->c, "b", dur(&s, H)), OK);
    assert_string_equal(rps(f->c, "b"), "autogen,1h,1h,1,true;");
    /* CREATE DATABASE c WITH DURATION 3d REPLICATION 2 SHARD DURATION 1h NAME foo */
    hb_rp_spec full = spec("foo");
    shard(repl(dur(&full, 3 * D), 2), H);
    assert_string_equal(create_db(f->c, "c", &full), OK);
    assert_string_equal(rps(f->c, "c"), "foo,72h,1h,2,true;");
    assert_string_equal(create_db(f->c, "c", &full), OK);
    /* partial specs no longer match */
    s = spec("foo");
    assert_string_equal(create_db(f->c, "c", repl(dur(&s, 3 * D), 2)), ERR(-6, "retention policy conflicts with an existing policy"));
    s = spec("foo");
    assert_string_equal(create_db(f->c, "c", &s), ERR(-6, "retention policy conflicts with an existing policy"));
    /* without NAME the spec is about "autogen", which c does not have */
    s = spec(NULL);
    assert_string_equal(create_db(f->c, "c", shard(repl(dur(&s, 3 * D), 2), H)),
                        ERR(-6, "retention policy conflicts with an existing policy"));
    /* plain CREATE DATABASE c is fine */
    assert_string_equal(create_db(f->c, "c", NULL), OK);
    /* CREATE DATABASE d WITH REPLICATION 2 */
    s = spec(NULL);
    assert_string_equal(create_db(f->c, "d", repl(&s, 2)), OK);
    assert_string_equal(rps(f->c, "d"), "autogen,0h,168h,2,true;");
    /* CREATE DATABASE e WITH SHARD DURATION 30m -> 1h; g WITH SHARD DURATION 0s -> 168h */
    s = spec(NULL);
    assert_string_equal(create_db(f->c, "e", shard(&s, 30 * M)), OK);
    assert_string_equal(rps(f->c, "e"), "autogen,0h,1h,1,true;");
    s = spec(NULL);
    assert_string_equal(create_db(f->c, "g", shard(&s, 0)), OK);
    assert_string_equal(rps(f->c, "g"), "autogen,0h,168h,1,true;");
    /* CREATE DATABASE f WITH DURATION 2h SHARD DURATION 3h: error, f not created */
    s = spec(NULL);
    assert_string_equal(create_db(f->c, "f", shard(dur(&s, 2 * H), 3 * H)),
                        ERR(-9, "retention policy duration must be greater than the shard duration"));
    assert_false(hb_catalog_has_database(f->c, "f"));
    /* equal is allowed */
    s = spec(NULL);
    assert_string_equal(create_db(f->c, "f", shard(dur(&s, 2 * H), 2 * H)), OK);
    assert_string_equal(rps(f->c, "f"), "autogen,2h,2h,1,true;");
    /* on the existing f, a mismatching shard duration is a conflict, not a duration error */
    s = spec(NULL);
    assert_string_equal(create_db(f->c, "f", shard(dur(&s, 2 * H), 3 * H)), ERR(-6, "retention policy conflicts with an existing policy"));
    s = spec(NULL);
    assert_string_equal(create_db(f->c, "f", shard(&s, 2 * H)), OK);
    assert_string_equal(dbs(f->c), "b|c|d|e|g|f");
}

static void test_shard_group_duration_defaults(void **state)
{
    fx *f = *state;
    static const struct {
        int64_t d, sgd_h;
    } cases[] = {
        { 0, 168 }, { H, 1 }, { 47 * H, 1 }, { 2 * D, 24 }, { 100 * D, 24 }, { 179 * D, 24 }, { 180 * D, 168 },
        { 200 * D, 168 },
    };
    assert_string_equal(create_db(f->c, "a", NULL), OK);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char name[16];
        snprintf(name, sizeof name, "r%zu", i);
        hb_rp_spec s = spec(name);
        assert_string_equal(create_rp(f->c, "a", repl(dur(&s, cases[i].d), 1)), OK);
        hb_rp_info *v;
        size_t n;
        hb_err e;
        assert_int_equal(hb_catalog_list_rps(f->c, "a", &v, &n, &e), HB_OK);
        assert_int_equal(n, i + 2);
        assert_int_equal(v[i + 1].shard_duration_ns, cases[i].sgd_h * H);
        hb_rp_info_free(v, n);
    }
    /* explicit shard durations: below 1h -> 1h; 90m stays */
    hb_rp_spec s = spec("t");
    assert_string_equal(create_rp(f->c, "a", shard(repl(dur(&s, 48 * H), 1), 90 * M)), OK);
    s = spec("u");
    assert_string_equal(create_rp(f->c, "a", shard(repl(dur(&s, 4 * H), 1), 10 * M)), OK);
    s = spec("w");
    assert_string_equal(create_rp(f->c, "a", shard(repl(dur(&s, 0), 1), 1000 * H)), OK);
    hb_rp_info *v;
    size_t n;
    hb_err e;
    assert_int_equal(hb_catalog_list_rps(f->c, "a", &v, &n, &e), HB_OK);
    assert_int_equal(n, 12);
    assert_string_equal(v[9].name, "t");
    assert_int_equal(v[9].shard_duration_ns, 90 * M);
    assert_int_equal(v[10].shard_duration_ns, H);
    assert_int_equal(v[11].shard_duration_ns, 1000 * H);
    hb_rp_info_free(v, n);
}

static void test_names_too_long(void **state)
{
    fx *f = *state;
    char n256[257], n255[256];
    memset(n256, 'x', 256);
    n256[256] = '\0';
    memset(n255, 'y', 255);
    n255[255] = '\0';
    assert_string_equal(create_db(f->c, n256, NULL), ERR(-9, "name too long"));
    assert_string_equal(create_db(f->c, n255, NULL), OK);
    hb_rp_spec s = spec(NULL);
    /* duration is checked first: CREATE DATABASE <256 x> WITH DURATION 30m */
    assert_string_equal(create_db(f->c, n256, dur(&s, 30 * M)), ERR(-9, "retention policy duration must be at least 1h0m0s"));
    /* CREATE RETENTION POLICY <256 x> ON nodb DURATION 1d REPLICATION 1 */
    s = spec(n256);
    assert_string_equal(create_rp(f->c, "nodb", repl(dur(&s, D), 1)), ERR(-9, "name too long"));
    s = spec(n256);
    assert_string_equal(create_rp(f->c, "nodb", repl(dur(&s, 30 * M), 1)), ERR(-9, "retention policy duration must be at least 1h0m0s"));
    assert_string_equal(create_db(f->c, "", NULL), ERR(-9, "database name required"));
}

static void test_create_retention_policy(void **state)
{
    fx *f = *state;
    hb_rp_spec s;
    /* CREATE RETENTION POLICY r ON nodb DURATION 1d REPLICATION 1 */
    s = spec("r");
    assert_string_equal(create_rp(f->c, "nodb", repl(dur(&s, D), 1)), ERR(-5, "database not found: nodb"));
    /* duration checks come before the database lookup */
    s = spec("r");
    assert_string_equal(create_rp(f->c, "nodb", repl(dur(&s, 30 * M), 1)), ERR(-9, "retention policy duration must be at least 1h0m0s"));
    s = spec("r");
    assert_string_equal(create_rp(f->c, "nodb", shard(repl(dur(&s, 2 * H), 1), 3 * H)),
                        ERR(-9, "retention policy duration must be greater than the shard duration"));
    assert_string_equal(create_db(f->c, "a", NULL), OK);
    s = spec("r");
    assert_string_equal(create_rp(f->c, "a", repl(dur(&s, D), 1)), OK);
    assert_string_equal(create_rp(f->c, "a", &s), OK);  /* same again */
    s = spec("r");
    assert_string_equal(create_rp(f->c, "a", repl(dur(&s, 2 * D), 1)), ERR(-6, "retention policy already exists"));
    s = spec("r");
    assert_string_equal(create_rp(f->c, "a", dflt(repl(dur(&s, D), 1))), ERR(-6, "retention policy conflicts with an existing policy"));
    s = spec("r");
    assert_string_equal(create_rp(f->c, "a", repl(dur(&s, D), 2)), ERR(-6, "retention policy already exists"));
    s = spec("r");
    assert_string_equal(create_rp(f->c, "a", shard(repl(dur(&s, D), 1), H)), OK);  /* 1h is its sgd */
    s = spec("r");
    assert_string_equal(create_rp(f->c, "a", shard(repl(dur(&s, D), 1), 2 * H)), ERR(-6, "retention policy already exists"));
    s = spec("r2");
    assert_string_equal(create_rp(f->c, "a", repl(dur(&s, 30 * M), 1)), ERR(-9, "retention policy duration must be at least 1h0m0s"));
    s = spec("r2");
    assert_string_equal(create_rp(f->c, "a", repl(dur(&s, 0), 1)), OK);
    s = spec("r6");
    assert_string_equal(create_rp(f->c, "a", shard(repl(dur(&s, 4 * H), 1), 5 * H)),
                        ERR(-9, "retention policy duration must be greater than the shard duration"));
    s = spec("r3");
    assert_string_equal(create_rp(f->c, "a", repl(dur(&s, 0), 0)), ERR(-9, "replication factor must be greater than 0"));
    assert_string_equal(rps(f->c, "a"), "autogen,0h,168h,1,true;r,24h,1h,1,false;r2,0h,168h,1,false;");
    /* a new policy with DEFAULT takes over; repeating it is fine */
    s = spec("d");
    assert_string_equal(create_rp(f->c, "a", dflt(repl(dur(&s, 3 * D), 1))), OK);
    assert_string_equal(create_rp(f->c, "a", &s), OK);
    assert_string_equal(rps(f->c, "a"), "autogen,0h,168h,1,false;r,24h,1h,1,false;r2,0h,168h,1,false;d,72h,24h,1,true;");
}

static void test_alter_retention_policy(void **state)
{
    fx *f = *state;
    hb_rp_spec s;
    s = spec("r");
    assert_string_equal(alter_rp(f->c, "nodb", dur(&s, 30 * M)), ERR(-5, "database not found: nodb"));
    assert_string_equal(create_db(f->c, "a", NULL), OK);
    s = spec("zz");
    assert_string_equal(alter_rp(f->c, "a", dur(&s, 30 * M)), ERR(-5, "retention policy not found: zz"));
    s = spec("r");
    assert_string_equal(create_rp(f->c, "a", repl(dur(&s, D), 1)), OK);
    s = spec("r4");
    assert_string_equal(create_rp(f->c, "a", repl(dur(&s, 2 * D), 1)), OK);
    s = spec("r");
    assert_string_equal(alter_rp(f->c, "a", dur(&s, 30 * M)), ERR(-9, "retention policy duration must be at least 1h0m0s"));
    /* ALTER RETENTION POLICY autogen ON a DURATION 1d: shard group stays 168h */
    s = spec("autogen");
    assert_string_equal(alter_rp(f->c, "a", dur(&s, D)), ERR(-9, "retention policy duration must be greater than the shard duration"));
    s = spec("autogen");
    assert_string_equal(alter_rp(f->c, "a", shard(&s, D)), OK);
    s = spec("r");
    assert_string_equal(alter_rp(f->c, "a", shard(&s, 2 * D)), ERR(-9, "retention policy duration must be greater than the shard duration"));
    s = spec("r");
    assert_string_equal(alter_rp(f->c, "a", shard(&s, 0)), OK);
    s = spec("r");
    assert_string_equal(alter_rp(f->c, "a", repl(&s, 3)), OK);
    s = spec("r4");
    assert_string_equal(alter_rp(f->c, "a", dur(&s, 100 * D)), OK);  /* shard group stays 24h */
    s = spec("r4");
    assert_string_equal(alter_rp(f->c, "a", dur(&s, H)), ERR(-9, "retention policy duration must be greater than the shard duration"));
    s = spec("r4");
    assert_string_equal(alter_rp(f->c, "a", shard(dur(&s, H), 10 * M)), OK);
    s = spec("r");
    assert_string_equal(alter_rp(f->c, "a", dflt(&s)), OK);
    assert_string_equal(rps(f->c, "a"), "autogen,0h,24h,1,false;r,24h,1h,3,true;r4,1h,1h,1,false;");
    /* ALTER ... DURATION 0s SHARD DURATION 5h; then DURATION 179d SHARD DURATION 0s */
    s = spec("autogen");
    assert_string_equal(alter_rp(f->c, "a", shard(dur(&s, 0), 5 * H)), OK);
    s = spec("r4");
    assert_string_equal(alter_rp(f->c, "a", shard(dur(&s, 179 * D), 0)), OK);
    assert_string_equal(rps(f->c, "a"), "autogen,0h,5h,1,false;r,24h,1h,3,true;r4,4296h,24h,1,false;");
    /* both errors at once: duration first */
    s = spec("r4");
    assert_string_equal(alter_rp(f->c, "a", shard(dur(&s, 30 * M), 5 * H)), ERR(-9, "retention policy duration must be at least 1h0m0s"));
}

static void test_drop_retention_policy_and_reuse(void **state)
{
    fx *f = *state;
    hb_rp_spec s;
    hb_err e;
    char out[64];
    /* missing database or policy: success (influxd 1.6.7) */
    assert_string_equal(drop_rp(f->c, "nodb", "zz"), OK);
    assert_string_equal(create_db(f->c, "a", NULL), OK);
    assert_string_equal(drop_rp(f->c, "a", "zz"), OK);
    s = spec("r");
    assert_string_equal(create_rp(f->c, "a", repl(dur(&s, D), 1)), OK);
    s = spec("r5");
    assert_string_equal(create_rp(f->c, "a", dflt(repl(dur(&s, 47 * H), 1))), OK);
    s = spec("r7");
    assert_string_equal(create_rp(f->c, "a", repl(dur(&s, 4 * H), 1)), OK);
    /* drop and recreate: appended at the end */
    assert_string_equal(drop_rp(f->c, "a", "r"), OK);
    s = spec("r");
    assert_string_equal(create_rp(f->c, "a", repl(dur(&s, 2 * D), 1)), OK);
    assert_string_equal(rps(f->c, "a"), "autogen,0h,168h,1,false;r5,47h,1h,1,true;r7,4h,1h,1,false;r,48h,24h,1,false;");
    /* dropping the default leaves no default; its name stays the default */
    assert_string_equal(drop_rp(f->c, "a", "r5"), OK);
    assert_string_equal(rps(f->c, "a"), "autogen,0h,168h,1,false;r7,4h,1h,1,false;r,48h,24h,1,false;");
    assert_int_equal(hb_catalog_resolve_rp(f->c, "a", NULL, out, sizeof out, &e), HB_ENOTFOUND);
    assert_string_equal(e.msg, "retention policy not found: r5");
    s = spec("r5");
    assert_string_equal(create_rp(f->c, "a", repl(dur(&s, 3 * D), 1)), OK);
    assert_string_equal(rps(f->c, "a"), "autogen,0h,168h,1,false;r7,4h,1h,1,false;r,48h,24h,1,false;r5,72h,24h,1,true;");
    assert_int_equal(hb_catalog_resolve_rp(f->c, "a", "", out, sizeof out, &e), HB_OK);
    assert_string_equal(out, "r5");
}

static void test_database_without_policies(void **state)
{
    fx *f = *state;
    hb_rp_spec s;
    hb_err e;
    char out[64];
    assert_string_equal(create_db(f->c, "b", NULL), OK);
    assert_string_equal(drop_rp(f->c, "b", "autogen"), OK);
    assert_string_equal(rps(f->c, "b"), "");
    /* /write?db=b -> retention policy not found: autogen */
    assert_int_equal(hb_catalog_resolve_rp(f->c, "b", NULL, out, sizeof out, &e), HB_ENOTFOUND);
    assert_string_equal(e.msg, "retention policy not found: autogen");
    /* a policy created without DEFAULT does not become the default */
    s = spec("q");
    assert_string_equal(create_rp(f->c, "b", repl(dur(&s, D), 1)), OK);
    assert_string_equal(rps(f->c, "b"), "q,24h,1h,1,false;");
    assert_string_equal(drop_rp(f->c, "b", "q"), OK);
    /* CREATE DATABASE b WITH DURATION 5h NAME x: with no policy left, x becomes the default */
    s = spec("x");
    assert_string_equal(create_db(f->c, "b", dur(&s, 5 * H)), OK);
    assert_string_equal(rps(f->c, "b"), "x,5h,1h,1,true;");
    s = spec("autogen");
    assert_string_equal(create_rp(f->c, "b", repl(dur(&s, D), 1)), OK);
    assert_string_equal(rps(f->c, "b"), "x,5h,1h,1,true;autogen,24h,1h,1,false;");
    /* autogen exists and matches, but is not the default */
    s = spec("autogen");
    assert_string_equal(create_db(f->c, "b", dur(&s, D)), ERR(-6, "retention policy conflicts with an existing policy"));
    s = spec(NULL);
    assert_string_equal(create_db(f->c, "b", dur(&s, D)), ERR(-6, "retention policy conflicts with an existing policy"));
    s = spec("x");
    assert_string_equal(create_db(f->c, "b", dur(&s, 5 * H)), OK);
}

static void test_resolve_rp(void **state)
{
    fx *f = *state;
    hb_err e;
    char out[64], tiny[4];
    assert_int_equal(hb_catalog_resolve_rp(f->c, "nodb", NULL, out, sizeof out, &e), HB_ENOTFOUND);
    assert_string_equal(e.msg, "database not found: nodb");
    assert_string_equal(create_db(f->c, "a", NULL), OK);
    assert_int_equal(hb_catalog_resolve_rp(f->c, "a", NULL, out, sizeof out, &e), HB_OK);
    assert_string_equal(out, "autogen");
    assert_int_equal(hb_catalog_resolve_rp(f->c, "a", "autogen", out, sizeof out, &e), HB_OK);
    assert_string_equal(out, "autogen");
    /* /write?db=a&rp=zz */
    assert_int_equal(hb_catalog_resolve_rp(f->c, "a", "zz", out, sizeof out, &e), HB_ENOTFOUND);
    assert_string_equal(e.msg, "retention policy not found: zz");
    assert_int_equal(hb_catalog_resolve_rp(f->c, "a", NULL, tiny, sizeof tiny, &e), HB_ELIMIT);
}

static void test_databases_in_creation_order(void **state)
{
    fx *f = *state;
    hb_err e;
    assert_string_equal(create_db(f->c, "zeta", NULL), OK);
    assert_string_equal(create_db(f->c, "alpha", NULL), OK);
    assert_string_equal(create_db(f->c, "mid", NULL), OK);
    assert_string_equal(create_db(f->c, "alpha", NULL), OK);
    assert_string_equal(dbs(f->c), "zeta|alpha|mid");
    /* DROP DATABASE nope: ok */
    assert_int_equal(hb_catalog_drop_database(f->c, "nope", &e), HB_OK);
    assert_int_equal(hb_catalog_drop_database(f->c, "zeta", &e), HB_OK);
    assert_false(hb_catalog_has_database(f->c, "zeta"));
    assert_string_equal(create_db(f->c, "zeta", NULL), OK);
    assert_string_equal(dbs(f->c), "alpha|mid|zeta");
}

/* ================= admission ================= */

static void test_admit_registers_schema(void **state)
{
    fx *f = *state;
    pbuf b = { 0 };
    hb_err e;
    assert_string_equal(create_db(f->c, "w", NULL), OK);
    pt(&b, "cpu", "host=b,region=eu", "usage:F,n:I,u:U,s:S,ok:B");
    pt(&b, "cpu", "host=a,region=eu", "usage:F");
    pt(&b, "cpu", "host=a,region=eu", "n:I");
    pt(&b, "mem", "", "free:I");
    hb_admit_result r = admit(f->c, "w", &b);
    assert_int_equal(r.accepted, 4);
    assert_int_equal(r.dropped, 0);
    assert_string_equal(r.reason, "");
    /* ids >= 1, unique per series, same series same id, input order kept */
    assert_int_equal(b.pts[0].series_id, 1);
    assert_int_equal(b.pts[1].series_id, 2);
    assert_int_equal(b.pts[2].series_id, 2);
    assert_int_equal(b.pts[3].series_id, 3);
    assert_int_equal(b.pts[3].time, 3);
    assert_string_equal(measurements(f->c, "w"), "cpu|mem");
    assert_string_equal(fields(f->c, "w", "cpu"), "n:integer|ok:boolean|s:string|u:unsigned|usage:float");
    assert_string_equal(fields(f->c, "w", "mem"), "free:integer");
    assert_string_equal(fields(f->c, "w", "nope"), "");
    assert_string_equal(tag_keys(f->c, "w", "cpu"), "host|region");
    assert_string_equal(tag_keys(f->c, "w", "mem"), "");
    assert_string_equal(tag_values(f->c, "w", "cpu", "host"), "a|b");
    assert_string_equal(tag_values(f->c, "w", "cpu", "region"), "eu");
    assert_string_equal(tag_values(f->c, "w", "cpu", "nokey"), "");
    assert_string_equal(series(f->c, "w", "cpu"), "cpu,host=a,region=eu|cpu,host=b,region=eu");
    assert_string_equal(series(f->c, "w", "mem"), "mem");
    uint64_t id = 0;
    assert_int_equal(hb_catalog_series_id(f->c, "w", "cpu,host=b,region=eu", 20, &id), HB_OK);
    assert_int_equal(id, 1);
    assert_int_equal(hb_catalog_series_id(f->c, "w", "cpu,host=c", 10, &id), HB_ENOTFOUND);
    assert_int_equal(hb_catalog_series_id(f->c, "nodb", "mem", 3, &id), HB_ENOTFOUND);

    /* the same series again (all known): same ids */
    pbuf b2 = { 0 };
    pt(&b2, "mem", "", "free:I");
    pt(&b2, "cpu", "host=b,region=eu", "usage:F,n:I");
    r = admit(f->c, "w", &b2);
    assert_int_equal(r.accepted, 2);
    assert_int_equal(b2.pts[0].series_id, 3);
    assert_int_equal(b2.pts[1].series_id, 1);
    /* missing database */
    hb_admit_result r2;
    assert_int_equal(hb_catalog_admit(f->c, "nodb", "autogen", b2.pts, b2.n, &r2, &e), HB_ENOTFOUND);
    assert_string_equal(e.msg, "database not found: nodb");
    char **v;
    size_t n;
    assert_int_equal(hb_catalog_list_measurements(f->c, "nodb", &v, &n, &e), HB_ENOTFOUND);
    assert_string_equal(e.msg, "database not found: nodb");
}

static void test_admit_conflict_across_requests(void **state)
{
    fx *f = *state;
    assert_string_equal(create_db(f->c, "w", NULL), OK);
    pbuf a = { 0 };
    pt(&a, "m", "", "f:F");
    admit(f->c, "w", &a);
    /* write 'm f=4i' -> partial write: field type conflict: ... dropped=1 */
    pbuf b = { 0 };
    pt(&b, "m", "", "f:I");
    hb_admit_result r = admit(f->c, "w", &b);
    assert_int_equal(r.accepted, 0);
    assert_int_equal(r.dropped, 1);
    assert_string_equal(r.reason,
                        "field type conflict: input field \"f\" on measurement \"m\" is type integer, already exists as type float");
    /* 'm f=true' -> boolean vs float; 'm f="s"' -> string */
    pbuf c = { 0 };
    pt(&c, "m", "t=a", "f:B");
    pt(&c, "m", "", "f:F");
    pt(&c, "m", "", "f:S");
    r = admit(f->c, "w", &c);
    assert_int_equal(r.accepted, 1);
    assert_int_equal(r.dropped, 2);
    assert_string_equal(r.reason,
                        "field type conflict: input field \"f\" on measurement \"m\" is type boolean, already exists as type float");
    assert_int_equal(c.pts[0].time, 1);  /* the kept point moved to the front */
    assert_int_equal(c.pts[0].series_id, 1);
    /* the dropped point's series was registered anyway (InfluxDB: SHOW SERIES lists m,t=a) */
    assert_string_equal(series(f->c, "w", "m"), "m|m,t=a");
    assert_string_equal(tag_values(f->c, "w", "m", "t"), "a");
    assert_string_equal(fields(f->c, "w", "m"), "f:float");
    /* all known (read-locked path): same key, other type after a checked point */
    pbuf d = { 0 };
    pt(&d, "m", "", "f:F");
    pt(&d, "m", "t=a", "f:I");
    pt(&d, "m", "t=a", "f:F");
    r = admit(f->c, "w", &d);
    assert_int_equal(r.accepted, 2);
    assert_int_equal(r.dropped, 1);
    assert_string_equal(r.reason,
                        "field type conflict: input field \"f\" on measurement \"m\" is type integer, already exists as type float");
    assert_int_equal(d.pts[0].series_id, 1);
    assert_int_equal(d.pts[1].series_id, 2);
    assert_int_equal(d.pts[1].time, 2);
}

static void test_admit_conflict_within_batch(void **state)
{
    fx *f = *state;
    assert_string_equal(create_db(f->c, "e1", NULL), OK);
    /* 'y b=1 1\ny b=1i 2' (existing shard) -> dropped=1, b stays float */
    pbuf b = { 0 };
    pt(&b, "y", "", "b:F");
    pt(&b, "y", "", "b:I");
    hb_admit_result r = admit(f->c, "e1", &b);
    assert_int_equal(r.accepted, 1);
    assert_int_equal(r.dropped, 1);
    assert_string_equal(r.reason,
                        "field type conflict: input field \"b\" on measurement \"y\" is type integer, already exists as type float");
    assert_string_equal(fields(f->c, "e1", "y"), "b:float");
    /* 'z c=1 1\nz c="s" 2\nz c=2 3' -> dropped=1, 2 points kept */
    pbuf c = { 0 };
    pt(&c, "z", "", "c:F");
    pt(&c, "z", "", "c:S");
    pt(&c, "z", "", "c:F");
    r = admit(f->c, "e1", &c);
    assert_int_equal(r.accepted, 2);
    assert_int_equal(r.dropped, 1);
    assert_string_equal(r.reason,
                        "field type conflict: input field \"c\" on measurement \"z\" is type string, already exists as type float");
    assert_int_equal(c.pts[0].time, 0);
    assert_int_equal(c.pts[1].time, 2);
}

static void test_admit_conflicts_across_measurements(void **state)
{
    fx *f = *state;
    assert_string_equal(create_db(f->c, "w", NULL), OK);
    pbuf a = { 0 };
    pt(&a, "m", "", "f:F");
    admit(f->c, "w", &a);
    /* 'n s="x"\nm f=1,f2=1i\nn s=1i\nm f2=2.0' -> first reason is n's, dropped=2 */
    pbuf b = { 0 };
    pt(&b, "n", "", "s:S");
    pt(&b, "m", "", "f:F,f2:I");
    pt(&b, "n", "", "s:I");
    pt(&b, "m", "", "f2:F");
    hb_admit_result r = admit(f->c, "w", &b);
    assert_int_equal(r.accepted, 2);
    assert_int_equal(r.dropped, 2);
    assert_string_equal(r.reason,
                        "field type conflict: input field \"s\" on measurement \"n\" is type integer, already exists as type string");
    assert_string_equal(fields(f->c, "w", "m"), "f:float|f2:integer");
    assert_string_equal(fields(f->c, "w", "n"), "s:string");
}

static void test_admit_point_with_two_conflicts(void **state)
{
    fx *f = *state;
    assert_string_equal(create_db(f->c, "w", NULL), OK);
    pbuf a = { 0 };
    pt(&a, "x2", "", "p:F,q:F");
    admit(f->c, "w", &a);
    /* 'x2 p=1i,q=1i' -> dropped=1, reason names p (first in line order) */
    pbuf b = { 0 };
    pt(&b, "x2", "", "p:I,q:I");
    hb_admit_result r = admit(f->c, "w", &b);
    assert_int_equal(r.dropped, 1);
    assert_string_equal(r.reason,
                        "field type conflict: input field \"p\" on measurement \"x2\" is type integer, already exists as type float");
    /* 'x2 q=1i,p=1i' -> reason names q */
    pbuf c = { 0 };
    pt(&c, "x2", "", "q:I,p:I");
    r = admit(f->c, "w", &c);
    assert_int_equal(r.dropped, 1);
    assert_string_equal(r.reason,
                        "field type conflict: input field \"q\" on measurement \"x2\" is type integer, already exists as type float");
    /* 'x2 q="a",p=1\nx2 p=true,q=1' -> dropped=2, reason from the first point */
    pbuf d = { 0 };
    pt(&d, "x2", "", "q:S,p:F");
    pt(&d, "x2", "", "p:B,q:F");
    r = admit(f->c, "w", &d);
    assert_int_equal(r.accepted, 0);
    assert_int_equal(r.dropped, 2);
    assert_string_equal(r.reason,
                        "field type conflict: input field \"q\" on measurement \"x2\" is type string, already exists as type float");
}

static void test_admit_dropped_point_registers_no_fields(void **state)
{
    fx *f = *state;
    assert_string_equal(create_db(f->c, "e1", NULL), OK);
    pbuf a = { 0 };
    pt(&a, "x3", "", "a:F");
    admit(f->c, "e1", &a);
    /* 'x3 a=1i,n=1i 2\nx3 n=1.0 3\nx3 a=2 4' -> dropped=1; n becomes float */
    pbuf b = { 0 };
    pt(&b, "x3", "", "a:I,n:I");
    pt(&b, "x3", "", "n:F");
    pt(&b, "x3", "", "a:F");
    hb_admit_result r = admit(f->c, "e1", &b);
    assert_int_equal(r.accepted, 2);
    assert_int_equal(r.dropped, 1);
    assert_string_equal(r.reason,
                        "field type conflict: input field \"a\" on measurement \"x3\" is type integer, already exists as type float");
    assert_string_equal(fields(f->c, "e1", "x3"), "a:float|n:float");
    /* a new field before the conflicting one is not registered either */
    pbuf c = { 0 };
    pt(&c, "x3", "", "newf:S,a:S");
    r = admit(f->c, "e1", &c);
    assert_int_equal(r.dropped, 1);
    assert_string_equal(fields(f->c, "e1", "x3"), "a:float|n:float");
}

static void test_admit_reason_uses_unescaped_names(void **state)
{
    fx *f = *state;
    assert_string_equal(create_db(f->c, "e1", NULL), OK);
    /* 'my\ m\,x,t=1 f\ x\=y\,z=1' then the same with 1i */
    pbuf a = { 0 };
    pt_key(&a, "my m,x", "my\\ m\\,x,t=1", "f x=y,z:F");
    admit(f->c, "e1", &a);
    pbuf b = { 0 };
    pt_key(&b, "my m,x", "my\\ m\\,x,t=1", "f x=y,z:I");
    hb_admit_result r = admit(f->c, "e1", &b);
    assert_int_equal(r.dropped, 1);
    assert_string_equal(r.reason, "field type conflict: input field \"f x=y,z\" on measurement \"my m,x\" is type "
                                  "integer, already exists as type float");
    /* 'q"uo f"q=1' then 1i */
    pbuf c = { 0 };
    pt(&c, "q\"uo", "", "f\"q:F");
    pt(&c, "q\"uo", "", "f\"q:I");
    r = admit(f->c, "e1", &c);
    assert_string_equal(r.reason, "field type conflict: input field \"f\"q\" on measurement \"q\"uo\" is type integer, "
                                  "already exists as type float");
}

/* The visitors SHOW uses: series per measurement (the per-measurement list
 * the catalog keeps), counts, tag value lookups; a stop from the callback. */
static void test_series_visitors(void **state)
{
    fx *f = *state;
    hb_err e;
    assert_string_equal(create_db(f->c, "db", NULL), OK);
    pbuf b = { 0 };
    pt(&b, "cpu", "host=a", "v:F");
    pt(&b, "cpu", "host=b,zone=z", "v:F");
    pt(&b, "disk", "dev=sda", "free:I");
    pt(&b, "cpu", "host=a", "v:F");
    admit(f->c, "db", &b);
    assert_string_equal(visit(f->c, "db", "cpu"), "cpu:cpu,host=a:1|cpu:cpu,host=b,zone=z:2");
    assert_string_equal(visit(f->c, "db", "disk"), "disk:disk,dev=sda:3");
    assert_string_equal(visit(f->c, "db", "nope"), "");
    assert_string_equal(visit(f->c, "db", NULL), "cpu:cpu,host=a:1|cpu:cpu,host=b,zone=z:2|disk:disk,dev=sda:3");
    assert_string_equal(visit(f->c, "nope", NULL), "ERR:database not found: nope");
    /* a non-zero return stops the walk and is returned */
    visit_ctx v = { { 0 }, 0, 2 };
    assert_int_equal(hb_catalog_foreach_series(f->c, "db", NULL, visit_fn, &v, &e), 7);
    assert_int_equal(v.n, 2);
    for (size_t i = 0; i < v.n; i++)
        free(v.items[i]);

    uint64_t n = 0;
    assert_int_equal(hb_catalog_count_series(f->c, "db", NULL, &n, &e), HB_OK);
    assert_int_equal(n, 3);
    assert_int_equal(hb_catalog_count_series(f->c, "db", "cpu", &n, &e), HB_OK);
    assert_int_equal(n, 2);
    assert_int_equal(hb_catalog_count_series(f->c, "db", "nope", &n, &e), HB_OK);
    assert_int_equal(n, 0);
    assert_int_equal(hb_catalog_count_series(f->c, "nope", NULL, &n, &e), HB_ENOTFOUND);

    assert_int_equal(hb_catalog_tag_value_exists(f->c, "db", "cpu", "host", "b", 1), 1);
    assert_int_equal(hb_catalog_tag_value_exists(f->c, "db", "cpu", "host", "c", 1), 0);
    assert_int_equal(hb_catalog_tag_value_exists(f->c, "db", "cpu", "nokey", "a", 1), HB_ENOTFOUND);
    assert_int_equal(hb_catalog_tag_value_exists(f->c, "db", "nope", "host", "a", 1), HB_ENOTFOUND);
    assert_int_equal(hb_catalog_tag_value_exists(f->c, "nope", "cpu", "host", "a", 1), HB_ENOTFOUND);
    assert_string_equal(values_visited(f->c, "db", "cpu", "host"), "a|b");
    assert_string_equal(values_visited(f->c, "db", "cpu", "nokey"), "");
    assert_string_equal(values_visited(f->c, "nope", "cpu", "host"), "ERR:database not found: nope");

    /* list_series sorts bytewise; a new series joins its measurement's list */
    pbuf c = { 0 };
    pt(&c, "cpu", "host=a0", "v:F");
    admit(f->c, "db", &c);
    assert_string_equal(series(f->c, "db", "cpu"), "cpu,host=a|cpu,host=a0|cpu,host=b,zone=z");
    assert_string_equal(visit(f->c, "db", "cpu"), "cpu:cpu,host=a0:4|cpu:cpu,host=a:1|cpu:cpu,host=b,zone=z:2");
}

static void test_admit_ids_unique_never_reused(void **state)
{
    fx *f = *state;
    hb_err e;
    assert_string_equal(create_db(f->c, "a", NULL), OK);
    assert_string_equal(create_db(f->c, "b", NULL), OK);
    pbuf x = { 0 };
    pt(&x, "m", "h=1", "v:F");
    pt(&x, "m", "h=2", "v:F");
    admit(f->c, "a", &x);
    pbuf y = { 0 };
    pt(&y, "m", "h=1", "v:F");  /* same key, other database: its own id */
    admit(f->c, "b", &y);
    assert_int_equal(x.pts[0].series_id, 1);
    assert_int_equal(x.pts[1].series_id, 2);
    assert_int_equal(y.pts[0].series_id, 3);
    assert_int_equal(hb_catalog_drop_database(f->c, "a", &e), HB_OK);
    assert_string_equal(create_db(f->c, "a", NULL), OK);
    pbuf z = { 0 };
    pt(&z, "m", "h=1", "v:I");  /* the old schema went with the database */
    hb_admit_result r = admit(f->c, "a", &z);
    assert_int_equal(r.accepted, 1);
    assert_int_equal(z.pts[0].series_id, 4);
}

/* A MetaPort wrapper whose commits fail on demand. */
typedef struct failing {
    hb_meta_port inner;
    int fail;
} failing;

static int f_get(void *self, const char *k, size_t kl, char **v, size_t *vl, hb_err *e)
{
    failing *f = self;
    return f->inner.get(f->inner.self, k, kl, v, vl, e);
}
static int f_scan(void *self, const char *p, size_t pl, hb_meta_scan_fn fn, void *ctx, hb_err *e)
{
    failing *f = self;
    return f->inner.scan(f->inner.self, p, pl, fn, ctx, e);
}
static hb_meta_batch *f_batch_new(void *self)
{
    failing *f = self;
    return f->inner.batch_new(f->inner.self);
}
static int f_commit(void *self, hb_meta_batch *b, int sync, hb_err *e)
{
    failing *f = self;
    if (f->fail) {
        f->inner.batch_free(b);
        return hb_err_set(e, HB_EIO, "metadata store /x: write: injected");
    }
    return f->inner.batch_commit(f->inner.self, b, sync, e);
}

static int count_fn(void *ctx, const char *k, size_t kl, const char *v, size_t vl)
{
    (*(int *)ctx)++;
    return 0;
}

static void test_storage_failure_rolls_back(void **state)
{
    hb_err e;
    failing fk;
    hb_meta_port kv;
    hb_catalog *c;
    assert_int_equal(hb_meta_memory_open(&fk.inner, &e), HB_OK);
    fk.fail = 0;
    kv = fk.inner;
    kv.self = &fk;
    kv.get = f_get;
    kv.scan = f_scan;
    kv.batch_new = f_batch_new;
    kv.batch_commit = f_commit;
    assert_int_equal(hb_catalog_open(&kv, &c, &e), HB_OK);
    assert_string_equal(create_db(c, "w", NULL), OK);
    pbuf a = { 0 };
    pt(&a, "cpu", "host=a", "v:F");
    admit(c, "w", &a);

    fk.fail = 1;
    /* DDL: nothing changes */
    assert_string_equal(create_db(c, "x", NULL), ERR(-2, "metadata store /x: write: injected"));
    assert_false(hb_catalog_has_database(c, "x"));
    hb_rp_spec s = spec("r");
    assert_string_equal(create_rp(c, "w", repl(dur(&s, D), 1)), ERR(-2, "metadata store /x: write: injected"));
    assert_string_equal(drop_rp(c, "w", "autogen"), ERR(-2, "metadata store /x: write: injected"));
    assert_int_equal(hb_catalog_drop_database(c, "w", &e), HB_EIO);
    assert_string_equal(rps(c, "w"), "autogen,0h,168h,1,true;");
    /* admission: new measurement, field, tag key, value, series all undone */
    pbuf b = { 0 };
    pt(&b, "cpu", "host=b,zone=z", "v:F,w:I");
    pt(&b, "disk", "dev=sda", "free:I");
    pt(&b, "cpu", "host=a", "v:I");  /* a conflict: its reason must not leak */
    hb_admit_result r;
    assert_int_equal(hb_catalog_admit(c, "w", "autogen", b.pts, b.n, &r, &e), HB_EIO);
    assert_string_equal(e.msg, "metadata store /x: write: injected");
    assert_int_equal(r.accepted, 0);
    assert_int_equal(r.dropped, 0);
    assert_string_equal(r.reason, "");
    assert_string_equal(measurements(c, "w"), "cpu");
    assert_string_equal(fields(c, "w", "cpu"), "v:float");
    assert_string_equal(tag_keys(c, "w", "cpu"), "host");
    assert_string_equal(tag_values(c, "w", "cpu", "host"), "a");
    assert_string_equal(series(c, "w", "cpu"), "cpu,host=a");
    uint64_t cnt = 99;
    assert_int_equal(hb_catalog_count_series(c, "w", NULL, &cnt, &e), HB_OK);
    assert_int_equal(cnt, 1);
    assert_int_equal(hb_catalog_count_series(c, "w", "cpu", &cnt, &e), HB_OK);
    assert_int_equal(cnt, 1);
    assert_string_equal(visit(c, "w", NULL), "cpu:cpu,host=a:1");
    /* known-only admission still works while the store fails */
    pbuf k = { 0 };
    pt(&k, "cpu", "host=a", "v:F");
    r = admit(c, "w", &k);
    assert_int_equal(r.accepted, 1);

    fk.fail = 0;
    pbuf b2 = { 0 };
    pt(&b2, "cpu", "host=b,zone=z", "v:F,w:I");
    r = admit(c, "w", &b2);
    assert_int_equal(b2.pts[0].series_id, 2);  /* the failed attempt used no id */
    hb_catalog_close(c);
    /* what is stored matches memory */
    assert_int_equal(hb_catalog_open(&kv, &c, &e), HB_OK);
    assert_string_equal(series(c, "w", "cpu"), "cpu,host=a|cpu,host=b,zone=z");
    assert_string_equal(visit(c, "w", "cpu"), "cpu:cpu,host=a:1|cpu:cpu,host=b,zone=z:2");
    int n = 0;
    assert_int_equal(fk.inner.scan(fk.inner.self, "meas:w:disk", 11, count_fn, &n, &e), HB_OK);
    assert_int_equal(n, 0);
    hb_catalog_close(c);
    fk.inner.close(fk.inner.self);
}

typedef struct thr {
    hb_catalog *c;
    int id;
    uint64_t ids[20];
} thr;

static void *thr_main(void *p)
{
    thr *t = p;
    for (int round = 0; round < 20; round++) {
        pbuf *b = calloc(1, sizeof *b);
        char tags[32];
        /* series shared by all threads plus one of its own */
        snprintf(tags, sizeof tags, "h=%d", round);
        pt(b, "cpu", tags, "v:F");
        snprintf(tags, sizeof tags, "t=%d_%d", t->id, round);
        pt(b, "cpu", tags, "v:F");
        hb_admit_result r;
        hb_err e;
        if (hb_catalog_admit(t->c, "db", "autogen", b->pts, b->n, &r, &e) || r.accepted != 2) {
            free(b);
            return (void *)1;
        }
        t->ids[round] = b->pts[0].series_id;
        free(b);
    }
    return NULL;
}

static void test_concurrent_admission(void **state)
{
    fx *f = *state;
    pthread_t th[4];
    thr t[4];
    assert_string_equal(create_db(f->c, "db", NULL), OK);
    for (int i = 0; i < 4; i++) {
        t[i].c = f->c;
        t[i].id = i;
        assert_int_equal(pthread_create(&th[i], NULL, thr_main, &t[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        void *rv;
        pthread_join(th[i], &rv);
        assert_null(rv);
    }
    /* every thread saw the same id for each shared series */
    for (int r = 0; r < 20; r++)
        for (int i = 1; i < 4; i++)
            assert_int_equal(t[i].ids[r], t[0].ids[r]);
    hb_err e;
    char **v;
    size_t n;
    assert_int_equal(hb_catalog_list_series(f->c, "db", "cpu", &v, &n, &e), HB_OK);
    assert_int_equal(n, 20 + 80);
    /* ids are 1..100, each once */
    int seen[101] = { 0 };
    for (size_t i = 0; i < n; i++) {
        uint64_t id;
        assert_int_equal(hb_catalog_series_id(f->c, "db", v[i], strlen(v[i]), &id), HB_OK);
        assert_true(id >= 1 && id <= 100);
        assert_int_equal(seen[id]++, 0);
    }
    hb_strv_free(v, n);
}

/* ================= persistence ================= */

typedef struct keys_ctx {
    char out[8192];
} keys_ctx;

static int keys_fn(void *ctx, const char *k, size_t kl, const char *v, size_t vl)
{
    keys_ctx *c = ctx;
    size_t l = strlen(c->out);
    snprintf(c->out + l, sizeof c->out - l, "%.*s=%.*s\n", (int)kl, k, (int)vl, v);
    return 0;
}

static void test_stored_keys_and_values(void **state)
{
    fx *f = *state;
    hb_err e;
    keys_ctx k = { { 0 } };
    assert_string_equal(create_db(f->c, "w", NULL), OK);
    hb_rp_spec s = spec("r");
    assert_string_equal(create_rp(f->c, "w", repl(dur(&s, D), 1)), OK);
    pbuf b = { 0 };
    pt(&b, "cpu", "host=a", "v:F,n:I");
    admit(f->c, "w", &b);
    assert_int_equal(f->kv.scan(f->kv.self, "", 0, keys_fn, &k, &e), HB_OK);
    assert_string_equal(k.out,
                        "catalog:layout=2\n"
                        "catalog:next_series_id=2\n"
                        "db:w={\"name\":\"w\",\"created_seq\":1,\"default_retention_policy\":\"autogen\","
                        "\"retention_policies\":[{\"name\":\"autogen\",\"duration_ns\":0,"
                        "\"shard_group_duration_ns\":604800000000000,\"replication\":1,\"wal_floor\":0},{\"name\":\"r\","
                        "\"duration_ns\":86400000000000,\"shard_group_duration_ns\":3600000000000,\"replication\":1,"
                        "\"wal_floor\":0}]}\n"
                        "meas:w:cpu={\"field_types\":{},\"name\":\"cpu\",\"tag_keys\":[\"host\"]}\n"
                        "rpfields:w:autogen:cpu={\"field_types\":{\"n\":1,\"v\":0}}\n"
                        "rpseries:w:autogen:cpu:cpu,host=a=\n"
                        "series:w:cpu:cpu,host=a=1\n"
                        "tag_val:w:cpu:host:a=\n");
}

static void test_drop_database_removes_keys(void **state)
{
    fx *f = *state;
    hb_err e;
    keys_ctx k = { { 0 } };
    /* "a" and "a:b": the escaped components keep them apart */
    assert_string_equal(create_db(f->c, "a", NULL), OK);
    assert_string_equal(create_db(f->c, "a:b", NULL), OK);
    pbuf x = { 0 };
    pt(&x, "m", "t=1", "v:F");
    admit(f->c, "a", &x);
    pbuf y = { 0 };
    pt(&y, "c", "t=2", "v:F");
    admit(f->c, "a:b", &y);
    assert_int_equal(hb_catalog_drop_database(f->c, "a", &e), HB_OK);
    assert_int_equal(f->kv.scan(f->kv.self, "", 0, keys_fn, &k, &e), HB_OK);
    assert_null(strstr(k.out, "db:a="));
    assert_null(strstr(k.out, "meas:a:"));
    assert_null(strstr(k.out, "tag_val:a:"));
    assert_null(strstr(k.out, "series:a:"));
    assert_non_null(strstr(k.out, "db:a:b="));
    assert_non_null(strstr(k.out, "meas:a\\:b:c="));
    assert_non_null(strstr(k.out, "tag_val:a\\:b:c:t:2="));
    assert_non_null(strstr(k.out, "series:a\\:b:c:c,t=2=2\n"));
    assert_string_equal(measurements(f->c, "a:b"), "c");
    assert_string_equal(dbs(f->c), "a:b");
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

static void test_reopen_rocksdb_restores_everything(void **state)
{
    hb_err e;
    hb_meta_port kv;
    hb_catalog *c;
    char dir[] = "/tmp/hb_catalog_test_XXXXXX";
    assert_non_null(mkdtemp(dir));
    assert_int_equal(hb_meta_rocksdb_open(dir, &kv, &e), HB_OK);
    assert_int_equal(hb_catalog_open(&kv, &c, &e), HB_OK);

    /* creation order differs from name order and from first creation */
    assert_string_equal(create_db(c, "mid", NULL), OK);
    assert_string_equal(create_db(c, "zeta", NULL), OK);
    assert_string_equal(create_db(c, "alpha", NULL), OK);
    assert_string_equal(create_db(c, "gone", NULL), OK);
    assert_int_equal(hb_catalog_drop_database(c, "mid", &e), HB_OK);
    assert_string_equal(create_db(c, "mid", NULL), OK);
    hb_rp_spec s = spec("week");
    assert_string_equal(create_rp(c, "alpha", dflt(shard(repl(dur(&s, 7 * D), 2), 90 * M))), OK);
    s = spec("tmp");
    assert_string_equal(create_rp(c, "alpha", repl(dur(&s, 2 * H), 1)), OK);
    s = spec("x");
    assert_string_equal(create_rp(c, "mid", dflt(repl(dur(&s, D), 1))), OK);
    assert_string_equal(drop_rp(c, "mid", "x"), OK);  /* dangling default */
    pbuf b = { 0 };
    pt(&b, "cpu", "host=a,region=eu", "usage:F,n:I,u:U,s:S,ok:B");
    pt(&b, "cpu", "host=b,region=us", "usage:F");
    pt_key(&b, "my m:x", "my\\ m:x,t\\=k=v\\ 1", "f:I");
    pt(&b, "bad\xff", "k\xfe=v\xfd", "f\xff\x01:S");  /* not UTF-8: stored hex-encoded */
    admit(c, "alpha", &b);
    pbuf g = { 0 };
    pt(&g, "m", "", "v:F");
    admit(c, "gone", &g);
    assert_int_equal(hb_catalog_drop_database(c, "gone", &e), HB_OK);
    const char *before_rps = strdup(rps(c, "alpha"));
    hb_catalog_close(c);
    kv.close(kv.self);

    assert_int_equal(hb_meta_rocksdb_open(dir, &kv, &e), HB_OK);
    assert_int_equal(hb_catalog_open(&kv, &c, &e), HB_OK);
    assert_string_equal(dbs(c), "zeta|alpha|mid");
    assert_string_equal(rps(c, "alpha"), before_rps);
    assert_string_equal(rps(c, "alpha"), "autogen,0h,168h,1,false;week,168h,1h,2,true;tmp,2h,1h,1,false;");
    hb_rp_info *v;
    size_t n;
    assert_int_equal(hb_catalog_list_rps(c, "alpha", &v, &n, &e), HB_OK);
    assert_int_equal(v[1].shard_duration_ns, 90 * M);
    hb_rp_info_free(v, n);
    assert_string_equal(rps(c, "mid"), "autogen,0h,168h,1,false;");
    char out[64];
    assert_int_equal(hb_catalog_resolve_rp(c, "mid", NULL, out, sizeof out, &e), HB_ENOTFOUND);
    assert_string_equal(e.msg, "retention policy not found: x");
    assert_string_equal(measurements(c, "alpha"), "bad\xff|cpu|my m:x");
    assert_string_equal(fields(c, "alpha", "cpu"), "n:integer|ok:boolean|s:string|u:unsigned|usage:float");
    assert_string_equal(fields(c, "alpha", "bad\xff"), "f\xff\x01:string");
    assert_string_equal(fields(c, "alpha", "my m:x"), "f:integer");
    assert_string_equal(tag_keys(c, "alpha", "cpu"), "host|region");
    assert_string_equal(tag_keys(c, "alpha", "bad\xff"), "k\xfe");
    assert_string_equal(tag_values(c, "alpha", "cpu", "region"), "eu|us");
    assert_string_equal(tag_values(c, "alpha", "bad\xff", "k\xfe"), "v\xfd");
    assert_string_equal(series(c, "alpha", "cpu"), "cpu,host=a,region=eu|cpu,host=b,region=us");
    assert_string_equal(series(c, "alpha", "my m:x"), "my\\ m:x,t\\=k=v\\ 1");
    assert_int_equal(sid(c, "alpha", "cpu,host=b,region=us"), 2);
    assert_int_equal(sid(c, "alpha", "my\\ m:x,t\\=k=v\\ 1"), 3);
    assert_int_equal(sid(c, "alpha", "bad\xff,k\xfe=v\xfd"), 4);
    /* the conflict rule uses the restored types */
    pbuf b2 = { 0 };
    pt(&b2, "cpu", "host=a,region=eu", "n:F");
    pt(&b2, "cpu", "host=c,region=eu", "usage:F");
    hb_admit_result r = admit(c, "alpha", &b2);
    assert_int_equal(r.dropped, 1);
    assert_string_equal(r.reason, "field type conflict: input field \"n\" on measurement \"cpu\" is type float, "
                                  "already exists as type integer");
    /* ids continue after the highest ever handed out (5 went to the dropped "gone") */
    assert_int_equal(b2.pts[0].series_id, 6);
    /* SHOW DATABASES order holds for databases created after the reopen */
    assert_string_equal(create_db(c, "new", NULL), OK);
    assert_string_equal(dbs(c), "zeta|alpha|mid|new");
    hb_catalog_close(c);
    kv.close(kv.self);
    free((void *)before_rps);
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ================= per-policy field sets and series ================= */

/* influxd 1.6.7 checks types per shard: after
 *   INSERT INTO autogen m,h=a f=1.5 ; INSERT INTO two m,h=b f=2i,s="x"
 * both are accepted, SHOW FIELD KEYS FROM two.m is f integer, s string and
 * SHOW FIELD KEYS (the default policy) f float. */
static void test_fields_per_policy(void **state)
{
    fx *f = *state;
    hb_rp_spec s = spec("two");
    assert_string_equal(create_db(f->c, "d", NULL), OK);
    assert_string_equal(create_rp(f->c, "d", repl(&s, 1)), OK);
    pbuf a = { 0 };
    pt(&a, "m", "h=a", "f:F");
    hb_admit_result r = admit_rp(f->c, "d", "autogen", &a);
    assert_int_equal(r.accepted, 1);
    pbuf b = { 0 };
    pt(&b, "m", "h=b", "f:I,s:S");
    r = admit_rp(f->c, "d", "two", &b);
    assert_int_equal(r.accepted, 1);
    assert_int_equal(r.dropped, 0);
    assert_string_equal(rp_fields(f->c, "d", "autogen", "m"), "f:float");
    assert_string_equal(rp_fields(f->c, "d", "two", "m"), "f:integer|s:string");
    assert_string_equal(fields(f->c, "d", "m"), "f:float");
    assert_string_equal(rp_fields(f->c, "d", "", "m"), "f:float");
    /* within a policy the first type still wins */
    pbuf c = { 0 };
    pt(&c, "m", "h=b", "f:F");
    r = admit_rp(f->c, "d", "two", &c);
    assert_int_equal(r.dropped, 1);
    assert_string_equal(r.reason, "field type conflict: input field \"f\" on measurement \"m\" is type float, "
                                  "already exists as type integer");
    /* the series is one, with one id, in both policies */
    assert_int_equal(a.pts[0].series_id, 1);
    assert_string_equal(visit_rp(f->c, "d", "autogen", NULL), "m:m,h=a:1");
    assert_string_equal(visit_rp(f->c, "d", "two", "m"), "m:m,h=b:2");
    assert_string_equal(visit_rp(f->c, "d", NULL, NULL), "m:m,h=a:1|m:m,h=b:2");
    /* a known series written into another policy joins it */
    pbuf d = { 0 };
    pt(&d, "m", "h=a", "g:B");
    r = admit_rp(f->c, "d", "two", &d);
    assert_int_equal(r.accepted, 1);
    assert_int_equal(d.pts[0].series_id, 1);
    assert_string_equal(visit_rp(f->c, "d", "two", NULL), "m:m,h=a:1|m:m,h=b:2");
    assert_string_equal(rp_fields(f->c, "d", "two", "m"), "f:integer|g:boolean|s:string");
    assert_string_equal(fields(f->c, "d", "m"), "f:float");
}

/* A point dropped for a conflict still puts its series into the policy
 * (influxd creates series before it checks fields). */
static void test_dropped_point_joins_policy(void **state)
{
    fx *f = *state;
    hb_rp_spec s = spec("two");
    assert_string_equal(create_db(f->c, "d", NULL), OK);
    assert_string_equal(create_rp(f->c, "d", repl(&s, 1)), OK);
    pbuf a = { 0 };
    pt(&a, "m", "h=a", "f:F");
    admit_rp(f->c, "d", "two", &a);
    pbuf b = { 0 };
    pt(&b, "m", "h=b", "f:I");
    hb_admit_result r = admit_rp(f->c, "d", "two", &b);
    assert_int_equal(r.dropped, 1);
    assert_string_equal(visit_rp(f->c, "d", "two", NULL), "m:m,h=a:1|m:m,h=b:2");
    assert_string_equal(visit_rp(f->c, "d", "autogen", NULL), "");
}

static void test_drop_policy_forgets_its_fields_and_series(void **state)
{
    fx *f = *state;
    hb_err e;
    hb_rp_spec s = spec("two");
    assert_string_equal(create_db(f->c, "d", NULL), OK);
    assert_string_equal(create_rp(f->c, "d", repl(&s, 1)), OK);
    pbuf a = { 0 };
    pt(&a, "m", "h=a", "f:F");
    admit_rp(f->c, "d", "autogen", &a);
    pbuf b = { 0 };
    pt(&b, "m", "h=b", "f:I");
    admit_rp(f->c, "d", "two", &b);
    assert_string_equal(drop_rp(f->c, "d", "two"), OK);
    keys_ctx k = { { 0 } };
    assert_int_equal(f->kv.scan(f->kv.self, "rp", 2, keys_fn, &k, &e), HB_OK);
    assert_string_equal(k.out, "rpfields:d:autogen:m={\"field_types\":{\"f\":0}}\n"
                               "rpseries:d:autogen:m:m,h=a=\n");
    /* a new namesake starts empty: another type is fine there */
    s = spec("two");
    assert_string_equal(create_rp(f->c, "d", repl(&s, 1)), OK);
    assert_string_equal(rp_fields(f->c, "d", "two", "m"), "");
    assert_string_equal(visit_rp(f->c, "d", "two", NULL), "");
    pbuf c = { 0 };
    pt(&c, "m", "h=a", "f:S");
    hb_admit_result r = admit_rp(f->c, "d", "two", &c);
    assert_int_equal(r.accepted, 1);
    assert_string_equal(rp_fields(f->c, "d", "two", "m"), "f:string");
    assert_string_equal(visit_rp(f->c, "d", "two", NULL), "m:m,h=a:1");
}

/* The per-policy sets and memberships survive a reopen. */
static void test_reopen_keeps_policy_sets(void **state)
{
    hb_err e;
    hb_meta_port kv;
    hb_catalog *c;
    char dir[] = "/tmp/hb_catalog_test_XXXXXX";
    assert_non_null(mkdtemp(dir));
    assert_int_equal(hb_meta_rocksdb_open(dir, &kv, &e), HB_OK);
    assert_int_equal(hb_catalog_open(&kv, &c, &e), HB_OK);
    assert_string_equal(create_db(c, "d", NULL), OK);
    hb_rp_spec s = spec("t:w");  /* a name that needs escaping in the keys */
    assert_string_equal(create_rp(c, "d", repl(&s, 1)), OK);
    pbuf a = { 0 };
    pt(&a, "m", "h=a", "f:F");
    admit_rp(c, "d", "autogen", &a);
    pbuf b = { 0 };
    pt(&b, "m", "h=b", "f:I,x\xff:S");
    admit_rp(c, "d", "t:w", &b);
    hb_catalog_close(c);
    kv.close(kv.self);

    assert_int_equal(hb_meta_rocksdb_open(dir, &kv, &e), HB_OK);
    assert_int_equal(hb_catalog_open(&kv, &c, &e), HB_OK);
    assert_string_equal(rp_fields(c, "d", "autogen", "m"), "f:float");
    assert_string_equal(rp_fields(c, "d", "t:w", "m"), "f:integer|x\xff:string");
    assert_string_equal(visit_rp(c, "d", "autogen", NULL), "m:m,h=a:1");
    assert_string_equal(visit_rp(c, "d", "t:w", NULL), "m:m,h=b:2");
    pbuf g = { 0 };
    pt(&g, "m", "h=c", "f:F");
    hb_admit_result r = admit_rp(c, "d", "t:w", &g);
    assert_int_equal(r.dropped, 1);
    hb_catalog_close(c);
    kv.close(kv.self);
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void put_raw(hb_meta_port *kv, const char *k, const char *v)
{
    hb_err e;
    hb_meta_batch *b = kv->batch_new(kv->self);
    assert_int_equal(kv->batch_put(b, k, strlen(k), v, strlen(v)), HB_OK);
    assert_int_equal(kv->batch_commit(kv->self, b, 0, &e), HB_OK);
}

/* A store written before field sets were per policy: "meas:" holds the
 * types, no "catalog:layout". At open the types and series go to every
 * policy with Parquet files of the measurement ("pq:" keys), once. */
static void test_upgrade_from_one_schema_per_measurement(void **state)
{
    fx *f = *state;
    hb_err e;
    hb_catalog_close(f->c);
    f->c = NULL;
    hb_meta_batch *mb = f->kv.batch_new(f->kv.self);  /* the fixture's open wrote it */
    assert_int_equal(f->kv.batch_del(mb, "catalog:layout", 14), HB_OK);
    assert_int_equal(f->kv.batch_commit(f->kv.self, mb, 0, &e), HB_OK);
    put_raw(&f->kv, "db:w", "{\"name\":\"w\",\"created_seq\":1,\"default_retention_policy\":\"autogen\","
                           "\"retention_policies\":[{\"name\":\"autogen\",\"duration_ns\":0,"
                           "\"shard_group_duration_ns\":604800000000000,\"replication\":1},{\"name\":\"r\","
                           "\"duration_ns\":0,\"shard_group_duration_ns\":604800000000000,\"replication\":1},"
                           "{\"name\":\"empty\",\"duration_ns\":0,\"shard_group_duration_ns\":604800000000000,"
                           "\"replication\":1}]}");
    put_raw(&f->kv, "meas:w:cpu", "{\"field_types\":{\"n\":1,\"v\":0},\"name\":\"cpu\",\"tag_keys\":[\"host\"]}");
    put_raw(&f->kv, "meas:w:mem", "{\"field_types\":{\"u\":0},\"name\":\"mem\",\"tag_keys\":[]}");
    put_raw(&f->kv, "series:w:cpu:cpu,host=a", "1");
    put_raw(&f->kv, "series:w:cpu:cpu,host=b", "2");
    put_raw(&f->kv, "series:w:mem:mem", "3");
    put_raw(&f->kv, "tag_val:w:cpu:host:a", "");
    put_raw(&f->kv, "tag_val:w:cpu:host:b", "");
    put_raw(&f->kv, "catalog:next_series_id", "4");
    put_raw(&f->kv, "pq:w:autogen:cpu:0000000000000001:1", "{}");
    put_raw(&f->kv, "pq:w:r:cpu:0000000000000002:2", "{}");
    put_raw(&f->kv, "pq:w:r:mem:0000000000000002:3", "{}");
    put_raw(&f->kv, "pq:w:rx:mem:0000000000000002:4", "{}");  /* "rx" is not "r" */
    assert_int_equal(hb_catalog_open(&f->kv, &f->c, &e), HB_OK);
    assert_string_equal(rp_fields(f->c, "w", "autogen", "cpu"), "n:integer|v:float");
    assert_string_equal(rp_fields(f->c, "w", "r", "cpu"), "n:integer|v:float");
    assert_string_equal(rp_fields(f->c, "w", "empty", "cpu"), "");
    assert_string_equal(rp_fields(f->c, "w", "autogen", "mem"), "");
    assert_string_equal(rp_fields(f->c, "w", "r", "mem"), "u:float");
    assert_string_equal(visit_rp(f->c, "w", "autogen", NULL), "cpu:cpu,host=a:1|cpu:cpu,host=b:2");
    assert_string_equal(visit_rp(f->c, "w", "r", NULL), "cpu:cpu,host=a:1|cpu:cpu,host=b:2|mem:mem:3");
    assert_string_equal(tag_values(f->c, "w", "cpu", "host"), "a|b");
    keys_ctx k = { { 0 } };
    assert_int_equal(f->kv.scan(f->kv.self, "", 0, keys_fn, &k, &e), HB_OK);
    assert_non_null(strstr(k.out, "catalog:layout=2\n"));
    assert_non_null(strstr(k.out, "meas:w:cpu={\"field_types\":{},\"name\":\"cpu\",\"tag_keys\":[\"host\"]}\n"));
    assert_non_null(strstr(k.out, "rpfields:w:r:mem={\"field_types\":{\"u\":0}}\n"));
    assert_non_null(strstr(k.out, "rpseries:w:autogen:cpu:cpu,host=b=\n"));
    assert_null(strstr(k.out, "rpseries:w:autogen:mem"));
    /* reopened, the migrated layout is read as is (nothing is migrated twice) */
    hb_catalog_close(f->c);
    put_raw(&f->kv, "pq:w:empty:cpu:0000000000000003:5", "{}");
    assert_int_equal(hb_catalog_open(&f->kv, &f->c, &e), HB_OK);
    assert_string_equal(rp_fields(f->c, "w", "empty", "cpu"), "");
    assert_string_equal(rp_fields(f->c, "w", "r", "cpu"), "n:integer|v:float");
    assert_string_equal(visit_rp(f->c, "w", "r", "mem"), "mem:mem:3");
    /* WAL replay after the upgrade registers what was not flushed yet */
    pbuf b = { 0 };
    pt(&b, "mem", "", "u:F");
    hb_admit_result r = admit_rp(f->c, "w", "autogen", &b);
    assert_int_equal(r.accepted, 1);
    assert_int_equal(b.pts[0].series_id, 3);
    assert_string_equal(rp_fields(f->c, "w", "autogen", "mem"), "u:float");
}

static void test_corrupt_value_is_reported(void **state)
{
    fx *f = *state;
    hb_err e;
    hb_catalog *c2;
    hb_meta_batch *b = f->kv.batch_new(f->kv.self);
    f->kv.batch_put(b, "db:x", 4, "{not json", 9);
    assert_int_equal(f->kv.batch_commit(f->kv.self, b, 0, &e), HB_OK);
    assert_int_equal(hb_catalog_open(&f->kv, &c2, &e), HB_ECORRUPT);
    assert_true(strncmp(e.msg, "metadata key 'db:x': invalid JSON", 33) == 0);
    assert_null(c2);
}

#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_create_database_default_policy),
        T(test_create_database_with_on_existing),
        T(test_create_database_with_new),
        T(test_shard_group_duration_defaults),
        T(test_names_too_long),
        T(test_create_retention_policy),
        T(test_alter_retention_policy),
        T(test_drop_retention_policy_and_reuse),
        T(test_database_without_policies),
        T(test_resolve_rp),
        T(test_databases_in_creation_order),
        T(test_admit_registers_schema),
        T(test_admit_conflict_across_requests),
        T(test_admit_conflict_within_batch),
        T(test_admit_conflicts_across_measurements),
        T(test_admit_point_with_two_conflicts),
        T(test_admit_dropped_point_registers_no_fields),
        T(test_admit_reason_uses_unescaped_names),
        T(test_admit_ids_unique_never_reused),
        T(test_series_visitors),
        cmocka_unit_test(test_storage_failure_rolls_back),
        T(test_concurrent_admission),
        T(test_stored_keys_and_values),
        T(test_drop_database_removes_keys),
        cmocka_unit_test(test_reopen_rocksdb_restores_everything),
        T(test_corrupt_value_is_reported),
        T(test_fields_per_policy),
        T(test_dropped_point_joins_policy),
        T(test_drop_policy_forgets_its_fields_and_series),
        cmocka_unit_test(test_reopen_keeps_policy_sets),
        T(test_upgrade_from_one_schema_per_measurement),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
