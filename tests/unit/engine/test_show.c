/* SHOW statements (engine/show.h) over the memory metadata adapter: points
 * are parsed from line protocol and admitted into a catalog, statements are
 * parsed and executed, and the results are compared as compact text:
 *
 *   one line per series: name{k=v,...}|col,col|v,v;v,v
 *   "ERR:<message>" for a failed statement, "" for an empty answer.
 *
 * Every expected answer here is what influxd 1.6.7 (index "inmem") gives for
 * the same writes and statement (tests/integration/test_show_compat.py runs
 * the same kind of cases against both servers side by side). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adapters/meta_memory.h"
#include "app/catalog.h"
#include "base/buf.h"
#include "domain/influxql/parser.h"
#include "domain/lineproto.h"
#include "engine/show.h"
#include "engine/show_internal.h"

typedef struct fx {
    hb_meta_port kv;
    hb_catalog *c;
    char out[1 << 16];
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

static void create_db(fx *f, const char *db)
{
    hb_err e;
    assert_int_equal(hb_catalog_create_database(f->c, db, NULL, &e), HB_OK);
}

/* Admits the line protocol body into db (unsigned fields allowed). */
static void write_lp(fx *f, const char *db, const char *body)
{
    hb_arena a;
    hb_arena_init(&a, 4096, 0);
    hb_lp_opts o = { .precision_ns = 1, .allow_unsigned = 1 };
    hb_lp_result r;
    hb_err e;
    assert_int_equal(hb_lp_parse(body, strlen(body), &o, &a, &r, &e), HB_OK);
    if (r.nfailed)
        fail_msg("bad line protocol: %s", hb_buf_cstr(&r.errors));
    hb_admit_result ar;
    char rp[256];
    if (hb_catalog_resolve_rp(f->c, db, NULL, rp, sizeof rp, &e))
        snprintf(rp, sizeof rp, "autogen");
    if (hb_catalog_admit(f->c, db, rp, r.points, r.npoints, &ar, &e))
        fail_msg("admit: %s", e.msg);
    hb_buf_free(&r.errors);
    hb_arena_free(&a);
}

static void fmt_value(hb_buf *b, const hb_value *v)
{
    switch (v->kind) {
    case HB_V_STR: hb_buf_append(b, v->v.s.p, v->v.s.n); break;
    case HB_V_INT: hb_buf_printf(b, "%lld", (long long)v->v.i); break;
    case HB_V_BOOL: hb_buf_puts(b, v->v.b ? "true" : "false"); break;
    default: hb_buf_puts(b, "?"); break;
    }
}

/* Runs one statement; the answer as compact text (see the top). */
static const char *show_rc(fx *f, const char *db, const char *q, int *rcp)
{
    hb_query_result res;
    hb_query_result_init(&res);
    hb_iql_query *query;
    hb_err err;
    if (hb_influxql_parse(q, strlen(q), NULL, &res.arena, &query, &err))
        fail_msg("parse %s: %s", q, err.msg);
    assert_int_equal(query->nstmts, 1);
    hb_stmt_result *sr = hb_result_add_stmt(&res, 0);
    int rc = hb_show_exec(f->c, query->stmts[0], db, &res, sr, &err);
    if (rcp)
        *rcp = rc;
    hb_buf b;
    hb_buf_init(&b, 0);
    if (rc) {
        assert_int_equal(sr->nseries, 0);
        hb_buf_printf(&b, "ERR:%s", err.msg);
    }
    for (size_t i = 0; !rc && i < sr->nseries; i++) {
        const hb_series_out *s = &sr->series[i];
        if (i)
            hb_buf_putc(&b, '\n');
        if (s->name)
            hb_buf_puts(&b, s->name);
        if (s->ntags) {
            hb_buf_putc(&b, '{');
            for (size_t t = 0; t < s->ntags; t++)
                hb_buf_printf(&b, "%s%s=%s", t ? "," : "", s->tags[t].key, s->tags[t].val);
            hb_buf_putc(&b, '}');
        }
        hb_buf_putc(&b, '|');
        for (size_t c = 0; c < s->ncols; c++)
            hb_buf_printf(&b, "%s%s", c ? "," : "", s->columns[c]);
        hb_buf_putc(&b, '|');
        for (size_t r = 0; r < s->nrows; r++) {
            if (r)
                hb_buf_putc(&b, ';');
            for (size_t c = 0; c < s->ncols; c++) {
                if (c)
                    hb_buf_putc(&b, ',');
                fmt_value(&b, &s->values[r * s->ncols + c]);
            }
        }
    }
    snprintf(f->out, sizeof f->out, "%s", hb_buf_cstr(&b));
    hb_buf_free(&b);
    hb_query_result_free(&res);
    return f->out;
}

static const char *show(fx *f, const char *db, const char *q) { return show_rc(f, db, q, NULL); }

#define CHECK(f, db, q, want) assert_string_equal(show(f, db, q), want)

/* The data set most tests use (the one the black-box test writes too). */
static const char *DATA = "cpu,host=a,region=us v=1,s=\"x\" 1000000000\n"
                          "cpu,host=b,region=eu v=2 1000000000\n"
                          "mem,host=a free=3i,ok=true 1000000000\n"
                          "disk,path=/x,host=c used=1 1000000000\n"
                          "weird\\ m\\,x,t\\ k=v\\=1\\,2 f=1 1000\n";

static fx *with_data(void **state)
{
    fx *f = *state;
    create_db(f, "d");
    create_db(f, "e");
    write_lp(f, "d", DATA);
    write_lp(f, "e", "cpu,host=z v=1 1000000000\n");
    return f;
}

/* ---- SHOW MEASUREMENTS ---- */

static void test_measurements(void **state)
{
    fx *f = with_data(state);
    CHECK(f, "d", "SHOW MEASUREMENTS", "measurements|name|cpu;disk;mem;weird m,x");
    CHECK(f, "d", "SHOW MEASUREMENTS LIMIT 2 OFFSET 1", "measurements|name|disk;mem");
    CHECK(f, "d", "SHOW MEASUREMENTS OFFSET 10", "");
    CHECK(f, "d", "SHOW MEASUREMENTS WITH MEASUREMENT = cpu", "measurements|name|cpu");
    CHECK(f, "d", "SHOW MEASUREMENTS WITH MEASUREMENT =~ /m/", "measurements|name|mem;weird m,x");
    CHECK(f, "d", "SHOW MEASUREMENTS WITH MEASUREMENT = nope", "");
    CHECK(f, NULL, "SHOW MEASUREMENTS ON e", "measurements|name|cpu");
    /* a missing database answers nothing (no error) */
    CHECK(f, "d", "SHOW MEASUREMENTS ON nope", "");
    CHECK(f, NULL, "SHOW MEASUREMENTS", "ERR:database name required");
    CHECK(f, "", "SHOW MEASUREMENTS", "ERR:database name required");
    CHECK(f, "d", "SHOW MEASUREMENTS WHERE time > 0", "ERR:SHOW MEASUREMENTS doesn't support time in WHERE clause");
    CHECK(f, "d", "SHOW MEASUREMENTS ORDER BY DESC", "measurements|name|cpu;disk;mem;weird m,x");
}

/* WHERE filters whole measurements: "has the key and (not) the value". */
static void test_measurements_where(void **state)
{
    fx *f = with_data(state);
    CHECK(f, "d", "SHOW MEASUREMENTS WHERE host='a'", "measurements|name|cpu;mem");
    /* cpu has host=b too, but also host=a: only disk has host without a */
    CHECK(f, "d", "SHOW MEASUREMENTS WHERE host!='a'", "measurements|name|disk");
    CHECK(f, "d", "SHOW MEASUREMENTS WHERE host <> 'a'", "measurements|name|disk");
    CHECK(f, "d", "SHOW MEASUREMENTS WHERE host=~/./", "measurements|name|cpu;disk;mem");
    CHECK(f, "d", "SHOW MEASUREMENTS WHERE host!~/./", "");
    /* intersect at measurement level: no single series has both */
    CHECK(f, "d", "SHOW MEASUREMENTS WHERE host='a' AND region='eu'", "measurements|name|cpu");
    CHECK(f, "d", "SHOW MEASUREMENTS WHERE host='a' OR path='/x'", "measurements|name|cpu;disk;mem");
    CHECK(f, "d", "SHOW MEASUREMENTS WHERE (host='a' OR path='/x') AND region =~ /u/", "measurements|name|cpu");
    CHECK(f, "d", "SHOW MEASUREMENTS WITH MEASUREMENT =~ /m/ WHERE host='a'", "measurements|name|mem");
    CHECK(f, "d", "SHOW MEASUREMENTS WHERE _name = 'cpu'", "measurements|name|cpu");
    CHECK(f, "d", "SHOW MEASUREMENTS WHERE _tagKey = 'host'", "");
    CHECK(f, "d", "SHOW MEASUREMENTS WHERE s = 'x'", "");
    CHECK(f, "d", "SHOW MEASUREMENTS WHERE v > 1", "ERR:invalid tag comparison operator");
    CHECK(f, "d", "SHOW MEASUREMENTS WHERE host = 1", "ERR:right side of '=' must be a tag value string");
    CHECK(f, "d", "SHOW MEASUREMENTS WHERE host != region", "ERR:right side of '!=' must be a tag value string");
    CHECK(f, "d", "SHOW MEASUREMENTS WHERE 'a' = host", "ERR:left side of '=' must be a tag key");
    CHECK(f, "d", "SHOW MEASUREMENTS WHERE true", "ERR:&influxql.BooleanLiteral{Val:true}");
    CHECK(f, "d", "SHOW MEASUREMENTS WHERE host", "ERR:&influxql.VarRef{Val:\"host\", Type:0}");
}

/* ---- SHOW TAG KEYS ---- */

static void test_tag_keys(void **state)
{
    fx *f = with_data(state);
    CHECK(f, "d", "SHOW TAG KEYS",
          "cpu|tagKey|host;region\ndisk|tagKey|host;path\nmem|tagKey|host\nweird m,x|tagKey|t k");
    CHECK(f, "d", "SHOW TAG KEYS FROM cpu, mem", "cpu|tagKey|host;region\nmem|tagKey|host");
    CHECK(f, "d", "SHOW TAG KEYS FROM /^w/", "weird m,x|tagKey|t k");
    /* LIMIT and OFFSET per measurement; SLIMIT/SOFFSET accepted, ignored */
    CHECK(f, "d", "SHOW TAG KEYS LIMIT 1 OFFSET 1", "cpu|tagKey|region\ndisk|tagKey|path");
    CHECK(f, "d", "SHOW TAG KEYS SLIMIT 1 SOFFSET 1",
          "cpu|tagKey|host;region\ndisk|tagKey|host;path\nmem|tagKey|host\nweird m,x|tagKey|t k");
    /* WHERE keeps the keys of the matching series */
    CHECK(f, "d", "SHOW TAG KEYS WHERE host='a'", "cpu|tagKey|host;region\nmem|tagKey|host");
    CHECK(f, "d", "SHOW TAG KEYS WHERE host!='a'",
          "cpu|tagKey|host;region\ndisk|tagKey|host;path\nweird m,x|tagKey|t k");
    CHECK(f, "d", "SHOW TAG KEYS WHERE host = region", "cpu|tagKey|host;region");
    CHECK(f, "d", "SHOW TAG KEYS WHERE s = 'x'", "cpu|tagKey|host;region");
    CHECK(f, NULL, "SHOW TAG KEYS ON e", "cpu|tagKey|host");
    CHECK(f, NULL, "SHOW TAG KEYS", "ERR:database name required");
    CHECK(f, "d", "SHOW TAG KEYS ON nope", "ERR:database not found: nope");
    CHECK(f, "d", "SHOW TAG KEYS WHERE false", "ERR:&influxql.BooleanLiteral{Val:false}");
    CHECK(f, "d", "SHOW TAG KEYS WHERE host", "ERR:invalid condition expression: host");
    CHECK(f, "d", "SHOW TAG KEYS WHERE v > 1", "ERR:invalid tag comparison operator");
    CHECK(f, "d", "SHOW TAG KEYS WHERE time != 0", "ERR:invalid time comparison operator: !=");
    CHECK(f, "d", "SHOW TAG KEYS WHERE time > 'abc'",
          "ERR:invalid operation: time and *influxql.StringLiteral are not compatible");
    /* time comparisons are taken out of the condition, even under OR */
    CHECK(f, "d", "SHOW TAG KEYS WHERE time > 0 OR region='us'", "cpu|tagKey|host;region");
    /* FROM names only measurements here: the source's database is ignored */
    CHECK(f, "e", "SHOW TAG KEYS FROM d..disk", "");
}

/* ---- SHOW TAG VALUES ---- */

static void test_tag_values(void **state)
{
    fx *f = with_data(state);
    CHECK(f, "d", "SHOW TAG VALUES WITH KEY = host",
          "cpu|key,value|host,a;host,b\ndisk|key,value|host,c\nmem|key,value|host,a");
    CHECK(f, "d", "SHOW TAG VALUES WITH KEY IN (host, region)",
          "cpu|key,value|host,a;host,b;region,eu;region,us\ndisk|key,value|host,c\nmem|key,value|host,a");
    CHECK(f, "d", "SHOW TAG VALUES WITH KEY != host",
          "cpu|key,value|region,eu;region,us\ndisk|key,value|path,/x\nweird m,x|key,value|t k,v=1,2");
    CHECK(f, "d", "SHOW TAG VALUES WITH KEY =~ /h|p/",
          "cpu|key,value|host,a;host,b\ndisk|key,value|host,c;path,/x\nmem|key,value|host,a");
    CHECK(f, "d", "SHOW TAG VALUES WITH KEY !~ /h/",
          "cpu|key,value|region,eu;region,us\nweird m,x|key,value|t k,v=1,2");
    CHECK(f, "d", "SHOW TAG VALUES WITH KEY = nokey", "");
    CHECK(f, "d", "SHOW TAG VALUES WITH KEY = \"t k\"", "weird m,x|key,value|t k,v=1,2");
    CHECK(f, "d", "SHOW TAG VALUES WITH KEY IN (host, region) LIMIT 1 OFFSET 1", "cpu|key,value|host,b");
    CHECK(f, "d", "SHOW TAG VALUES WITH KEY = host WHERE region = 'us'", "cpu|key,value|host,a");
    CHECK(f, "d", "SHOW TAG VALUES WITH KEY = host WHERE host != 'a'",
          "cpu|key,value|host,b\ndisk|key,value|host,c");
    CHECK(f, "d", "SHOW TAG VALUES FROM cpu WITH KEY = host", "cpu|key,value|host,a;host,b");
    CHECK(f, "d", "SHOW TAG VALUES WITH KEY = host WHERE _tagKey = 'region'", "");
    CHECK(f, "d", "SHOW TAG VALUES WITH KEY = host WHERE 'a' = host", "ERR:left side of '=' must be a tag key");
    CHECK(f, "d", "SHOW TAG VALUES ON nope WITH KEY = host", "ERR:database not found: nope");
    CHECK(f, NULL, "SHOW TAG VALUES WITH KEY = host", "ERR:database name required");
}

/* ---- SHOW FIELD KEYS ---- */

static void test_field_keys(void **state)
{
    fx *f = with_data(state);
    write_lp(f, "d", "u n=1u,t=\"s\" 5\n");
    CHECK(f, "d", "SHOW FIELD KEYS",
          "cpu|fieldKey,fieldType|s,string;v,float\ndisk|fieldKey,fieldType|used,float\n"
          "mem|fieldKey,fieldType|free,integer;ok,boolean\nu|fieldKey,fieldType|n,unsigned;t,string\n"
          "weird m,x|fieldKey,fieldType|f,float");
    CHECK(f, "d", "SHOW FIELD KEYS LIMIT 1 OFFSET 1",
          "cpu|fieldKey,fieldType|v,float\nmem|fieldKey,fieldType|ok,boolean\nu|fieldKey,fieldType|t,string");
    CHECK(f, "d", "SHOW FIELD KEYS FROM /u/", "cpu|fieldKey,fieldType|s,string;v,float\nu|fieldKey,fieldType|n,unsigned;t,string");
    CHECK(f, "d", "SHOW FIELD KEYS FROM nope", "");
    /* a source names its own database and retention policy */
    CHECK(f, "d", "SHOW FIELD KEYS FROM e..cpu", "cpu|fieldKey,fieldType|v,float");
    CHECK(f, "e", "SHOW FIELD KEYS ON e FROM d..disk", "disk|fieldKey,fieldType|used,float");
    CHECK(f, "d", "SHOW FIELD KEYS FROM d.nope.cpu", "ERR:retention policy not found: nope");
    CHECK(f, "d", "SHOW FIELD KEYS FROM nope..cpu", "ERR:database not found: nope");
    CHECK(f, NULL, "SHOW FIELD KEYS", "ERR:database name required");
    CHECK(f, "d", "SHOW FIELD KEYS ON nope", "ERR:database not found: nope");
}

/* ---- SHOW SERIES ---- */

static void test_series(void **state)
{
    fx *f = with_data(state);
    CHECK(f, "d", "SHOW SERIES",
          "|key|cpu,host=a,region=us;cpu,host=b,region=eu;disk,host=c,path=/x;mem,host=a;"
          "weird\\ m\\,x,t\\ k=v\\=1\\,2");
    CHECK(f, "d", "SHOW SERIES LIMIT 2 OFFSET 3", "|key|mem,host=a;weird\\ m\\,x,t\\ k=v\\=1\\,2");
    CHECK(f, "d", "SHOW SERIES OFFSET 5", "");
    CHECK(f, "d", "SHOW SERIES FROM mem, cpu", "|key|cpu,host=a,region=us;cpu,host=b,region=eu;mem,host=a");
    CHECK(f, "d", "SHOW SERIES WHERE host != 'a'",
          "|key|cpu,host=b,region=eu;disk,host=c,path=/x;weird\\ m\\,x,t\\ k=v\\=1\\,2");
    CHECK(f, "d", "SHOW SERIES WHERE region = ''", "|key|disk,host=c,path=/x;mem,host=a;weird\\ m\\,x,t\\ k=v\\=1\\,2");
    CHECK(f, "d", "SHOW SERIES WHERE host !~ /a/",
          "|key|cpu,host=b,region=eu;disk,host=c,path=/x;weird\\ m\\,x,t\\ k=v\\=1\\,2");
    CHECK(f, "d", "SHOW SERIES WHERE (host='a' OR path='/x') AND region='us'", "|key|cpu,host=a,region=us");
    CHECK(f, "d", "SHOW SERIES WHERE 'a' = host", "|key|cpu,host=a,region=us;mem,host=a");
    CHECK(f, "d", "SHOW SERIES WHERE host = 1",
          "|key|cpu,host=a,region=us;cpu,host=b,region=eu;disk,host=c,path=/x;mem,host=a;"
          "weird\\ m\\,x,t\\ k=v\\=1\\,2");
    CHECK(f, "d", "SHOW SERIES WHERE host = 'a' + 'b'", "");
    CHECK(f, "d", "SHOW SERIES WHERE s = 'x'", "|key|cpu,host=a,region=us;cpu,host=b,region=eu");
    CHECK(f, "d", "SHOW SERIES WHERE _name =~ /^m/", "|key|mem,host=a");
    CHECK(f, "d", "SHOW SERIES WHERE false", "");
    CHECK(f, "d", "SHOW SERIES WHERE v > 1", "ERR:invalid tag comparison operator");
    CHECK(f, "d", "SHOW SERIES WHERE host", "ERR:invalid condition expression: host");
    CHECK(f, "d", "SHOW SERIES WHERE time > 0 AND host = 'b'", "|key|cpu,host=b,region=eu");
    /* each source reads its own database; the condition applies to all */
    CHECK(f, "e", "SHOW SERIES ON e FROM d..disk, e..cpu",
          "|key|cpu,host=a,region=us;cpu,host=b,region=eu;cpu,host=z;disk,host=c,path=/x");
    CHECK(f, "d", "SHOW SERIES FROM d.nope.cpu", "ERR:retention policy not found: nope");
    CHECK(f, "d", "SHOW SERIES ON nope", "ERR:database not found: nope");
    CHECK(f, NULL, "SHOW SERIES", "ERR:database name required");
    CHECK(f, NULL, "SHOW SERIES ON d FROM cpu", "|key|cpu,host=a,region=us;cpu,host=b,region=eu");
}

/* InfluxDB orders series by measurement, then unescaped tag keys and values:
 * "host" < "host2" although "host=" > "host2" bytewise. A time-bounded SHOW
 * SERIES is a SELECT there, which orders the escaped keys bytewise. */
static void test_series_order(void **state)
{
    fx *f = *state;
    create_db(f, "o");
    write_lp(f, "o",
             "a,host=x f=1 1\na,host2=y f=1 1\na,host=x,z=1 f=1 1\na,host=x\\ y f=1 1\na,host=x\\,y f=1 1\n"
             "a,host=x0 f=1 1\na!,k=v f=1 1\na\\ b,k=v f=1 1\na f=1 1\nA,k=v f=1 1\na,hos=q f=1 1\n");
    CHECK(f, "o", "SHOW SERIES",
          "|key|A,k=v;a;a,hos=q;a,host=x;a,host=x,z=1;a,host=x\\ y;a,host=x\\,y;a,host=x0;a,host2=y;a\\ b,k=v;a!,k=v");
    CHECK(f, "o", "SHOW SERIES WHERE time > 0",
          "|key|A,k=v;a;a!,k=v;a,hos=q;a,host2=y;a,host=x;a,host=x,z=1;a,host=x0;a,host=x\\ y;a,host=x\\,y;a\\ b,k=v");
    CHECK(f, "o", "SHOW MEASUREMENTS", "measurements|name|A;a;a b;a!");
    CHECK(f, "o", "SHOW TAG VALUES WITH KEY =~ /host/",
          "a|key,value|host,x;host,x y;host,x,y;host,x0;host2,y");
    CHECK(f, "o", "SHOW SERIES WHERE host =~ /^$/", "|key|A,k=v;a;a,hos=q;a,host2=y;a\\ b,k=v;a!,k=v");
    CHECK(f, "o", "SHOW SERIES WHERE host !~ /x|^$/", "");
    CHECK(f, "o", "SHOW SERIES WHERE host =~ /(?i)X$/", "|key|a,host=x;a,host=x,z=1");
}

/* A random key without escapes: name (may hold '='), then k=v tags. */
static size_t rand_key(uint64_t *r, char *s)
{
    static const char name_chars[] = "ab2=", tag_chars[] = "ab2";
    size_t n = 0;
#define RND() (*r ^= *r << 13, *r ^= *r >> 7, *r ^= *r << 17, *r)
    for (size_t i = 0, len = 1 + RND() % 3; i < len; i++)
        s[n++] = name_chars[RND() % 4];
    for (size_t t = 0, nt = RND() % 4; t < nt; t++) {
        s[n++] = ',';
        for (size_t i = 0, len = 1 + RND() % 3; i < len; i++)
            s[n++] = tag_chars[RND() % 3];
        s[n++] = '=';
        for (size_t i = 0, len = 1 + RND() % 3; i < len; i++)
            s[n++] = tag_chars[RND() % 3];
    }
#undef RND
    return n;
}

/* The fast comparison of keys without escapes agrees with the general one. */
static void test_series_key_cmp(void **state)
{
    (void)state;
    uint64_t r = 88172645463325252ull;
    char a[64], b[64];
    for (int it = 0; it < 300000; it++) {
        size_t an = rand_key(&r, a), bn;
        if (it % 3 == 0) { /* a long shared prefix: b = a cut short or extended */
            bn = rand_key(&r, b);
            size_t p = (size_t)(r % (an + 1));
            memcpy(b, a, p);
            if (bn < p)
                bn = p;
        } else {
            bn = rand_key(&r, b);
        }
        int fast = sh_series_key_cmp(a, an, 1, b, bn, 1);
        int slow = sh_series_key_cmp(a, an, 0, b, bn, 0);
        if ((fast > 0) != (slow > 0) || (fast < 0) != (slow < 0))
            fail_msg("'%.*s' vs '%.*s': fast %d slow %d", (int)an, a, (int)bn, b, fast, slow);
    }
    assert_true(sh_series_key_cmp("a,h=x", 5, 1, "a,h2=x", 6, 1) < 0);
    assert_true(sh_series_key_cmp("a", 1, 1, "a,k=v", 5, 1) < 0);
    assert_true(sh_series_key_cmp("a!", 2, 1, "a,k=v", 5, 1) > 0);
    assert_true(sh_series_key_cmp("a=b", 3, 1, "a=b,k=v", 7, 1) < 0);
    assert_true(sh_series_key_cmp("a,k=x\\,y", 8, 0, "a,k=x0", 6, 1) < 0);
    assert_true(sh_series_key_cmp("a,k=x\\\\,z=1", 11, 0, "a,k=x\\\\", 7, 0) > 0);
}

/* ---- cardinality ---- */

static void test_cardinality_estimates(void **state)
{
    fx *f = with_data(state);
    CHECK(f, "d", "SHOW MEASUREMENT CARDINALITY", "|cardinality estimation|4");
    CHECK(f, "d", "SHOW SERIES CARDINALITY", "|cardinality estimation|5");
    CHECK(f, "d", "SHOW SERIES CARDINALITY ON nope", "|cardinality estimation|0");
    CHECK(f, "d", "SHOW MEASUREMENT CARDINALITY ON nope", "|cardinality estimation|0");
    CHECK(f, NULL, "SHOW SERIES CARDINALITY", "ERR:database name required");
    CHECK(f, "d", "SHOW MEASUREMENT EXACT CARDINALITY", "|count|4");
    CHECK(f, "d", "SHOW MEASUREMENT EXACT CARDINALITY ON nope", "ERR:database not found: nope");
    CHECK(f, "d", "SHOW MEASUREMENT CARDINALITY WHERE host='a'", "|count|2");
    CHECK(f, "d", "SHOW MEASUREMENT CARDINALITY FROM /c|m/", "|count|3");
    CHECK(f, "d", "SHOW MEASUREMENT EXACT CARDINALITY WHERE host = 'zzz'", "");
    CHECK(f, "d", "SHOW MEASUREMENT CARDINALITY OFFSET 1", "");
    CHECK(f, "d", "SHOW MEASUREMENT EXACT CARDINALITY GROUP BY host", "{host=}|count|1\n{host=a}|count|2\n"
                                                                        "{host=b}|count|1\n{host=c}|count|1");
    CHECK(f, "d", "SHOW MEASUREMENT CARDINALITY WHERE time > 0",
          "ERR:SHOW MEASUREMENT EXACT CARDINALITY doesn't support time in WHERE clause");
}

static void test_cardinality_exact(void **state)
{
    fx *f = with_data(state);
    CHECK(f, "d", "SHOW SERIES EXACT CARDINALITY", "cpu|count|2\ndisk|count|1\nmem|count|1\nweird m,x|count|1");
    CHECK(f, "d", "SHOW SERIES CARDINALITY FROM cpu", "cpu|count|2");
    CHECK(f, "d", "SHOW SERIES EXACT CARDINALITY WHERE host != 'a'", "cpu|count|1\ndisk|count|1\nweird m,x|count|1");
    CHECK(f, "d", "SHOW SERIES EXACT CARDINALITY GROUP BY host",
          "cpu{host=a}|count|1\ncpu{host=b}|count|1\ndisk{host=c}|count|1\nmem{host=a}|count|1\n"
          "weird m,x{host=}|count|1");
    CHECK(f, "d", "SHOW SERIES EXACT CARDINALITY FROM cpu GROUP BY *",
          "cpu{host=a,region=us}|count|1\ncpu{host=b,region=eu}|count|1");
    CHECK(f, "d", "SHOW SERIES EXACT CARDINALITY OFFSET 1", "");
    CHECK(f, "d", "SHOW SERIES EXACT CARDINALITY ON nope", "ERR:database not found: nope");
    CHECK(f, "d", "SHOW SERIES CARDINALITY WHERE time > 0",
          "ERR:SHOW SERIES EXACT CARDINALITY doesn't support time in WHERE clause");
    CHECK(f, "d", "SHOW TAG KEY CARDINALITY", "cpu|count|2\ndisk|count|2\nmem|count|1\nweird m,x|count|1");
    CHECK(f, "d", "SHOW TAG KEY CARDINALITY GROUP BY region",
          "cpu{region=eu}|count|2\ncpu{region=us}|count|2\ndisk{region=}|count|2\nmem{region=}|count|1\n"
          "weird m,x{region=}|count|1");
    CHECK(f, "d", "SHOW TAG KEY CARDINALITY WHERE time > 0",
          "ERR:SHOW TAG KEY EXACT CARDINALITY doesn't support time in WHERE clause");
    CHECK(f, "d", "SHOW FIELD KEY CARDINALITY", "cpu|count|2\ndisk|count|1\nmem|count|2\nweird m,x|count|1");
    CHECK(f, "d", "SHOW FIELD KEY CARDINALITY WHERE host = 'a'", "cpu|count|2\nmem|count|2");
    CHECK(f, "d", "SHOW FIELD KEY CARDINALITY WHERE time > 0",
          "ERR:SHOW FIELD KEY CARDINALITY doesn't support time in WHERE clause");
    CHECK(f, "d", "SHOW TAG VALUES CARDINALITY WITH KEY = host", "cpu|count|2\ndisk|count|1\nmem|count|1");
    CHECK(f, "d", "SHOW TAG VALUES EXACT CARDINALITY WITH KEY IN (host, region)", "cpu|count|4\ndisk|count|1\nmem|count|1");
    /* the whole condition is evaluated per tag: a missing host is nil, not "" */
    CHECK(f, "d", "SHOW TAG VALUES CARDINALITY WITH KEY =~ /./ WHERE host != 'a'", "cpu|count|2\ndisk|count|2");
    /* InfluxDB answers nothing when time is in the condition */
    CHECK(f, "d", "SHOW TAG VALUES CARDINALITY WITH KEY = host WHERE time > 0", "");
    CHECK(f, "d", "SHOW SERIES EXACT CARDINALITY GROUP BY time(1h)",
          "ERR:GROUP BY time() in SHOW ... CARDINALITY is not implemented yet");
}

/* ---- misc ---- */

static void test_unsupported_and_shapes(void **state)
{
    fx *f = with_data(state);
    int rc = 0;
    assert_string_equal(show_rc(f, "d", "SHOW DATABASES", &rc), "ERR:SHOW DATABASES is not implemented yet");
    assert_int_equal(rc, HB_EUNSUPP);
    assert_true(hb_show_handles(HB_IQL_STMT_SHOW_SERIES));
    assert_false(hb_show_handles(HB_IQL_STMT_SHOW_RETENTION_POLICIES));

    static const struct {
        const char *q;
        hb_show_shape shape;
    } cases[] = {
        { "SHOW MEASUREMENTS", HB_SHOW_ONE_RESULT },
        { "SHOW TAG KEYS", HB_SHOW_RESULT_PER_SERIES },
        { "SHOW TAG VALUES WITH KEY = host", HB_SHOW_RESULT_PER_SERIES },
        { "SHOW FIELD KEYS", HB_SHOW_EMITTER },
        { "SHOW SERIES", HB_SHOW_EMITTER },
        { "SHOW SERIES CARDINALITY", HB_SHOW_ONE_RESULT },
        { "SHOW SERIES CARDINALITY FROM cpu", HB_SHOW_EMITTER },
        { "SHOW MEASUREMENT EXACT CARDINALITY", HB_SHOW_EMITTER },
        { "SHOW TAG KEY CARDINALITY", HB_SHOW_EMITTER },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hb_arena a;
        hb_arena_init(&a, 4096, 0);
        hb_iql_query *q;
        hb_err e;
        assert_int_equal(hb_influxql_parse(cases[i].q, strlen(cases[i].q), NULL, &a, &q, &e), HB_OK);
        assert_int_equal(hb_show_result_shape(q->stmts[0]), cases[i].shape);
        hb_arena_free(&a);
    }
}

/* An empty database and one measurement without any field. */
static void test_empty(void **state)
{
    fx *f = *state;
    create_db(f, "empty");
    CHECK(f, "empty", "SHOW MEASUREMENTS", "");
    CHECK(f, "empty", "SHOW TAG KEYS", "");
    CHECK(f, "empty", "SHOW TAG VALUES WITH KEY = host", "");
    CHECK(f, "empty", "SHOW FIELD KEYS", "");
    CHECK(f, "empty", "SHOW SERIES", "");
    CHECK(f, "empty", "SHOW SERIES CARDINALITY", "|cardinality estimation|0");
    CHECK(f, "empty", "SHOW SERIES EXACT CARDINALITY", "");
    CHECK(f, "empty", "SHOW TAG VALUES CARDINALITY WITH KEY = host", "");
}

/* Tens of thousands of series answer quickly: no per-series allocation
 * beyond a copy of the key, no parsing unless a condition looks at tags. */
static void test_many_series(void **state)
{
    fx *f = *state;
    create_db(f, "big");
    hb_buf lp;
    hb_buf_init(&lp, 0);
    const int N = 50000;
    for (int i = 0; i < N; i++)
        hb_buf_printf(&lp, "cpu,hostname=host_%d,region=r%d,rack=%d,os=Ubuntu%d usage=%di 1\n", i, i % 4, i % 100,
                      i % 3, i);
    write_lp(f, "big", hb_buf_cstr(&lp));
    hb_buf_free(&lp);
    static const char *const qs[] = {
        "SHOW SERIES LIMIT 1",
        "SHOW SERIES WHERE hostname = 'host_77'",
        "SHOW TAG VALUES WITH KEY = rack WHERE region = 'r1' LIMIT 1",
        "SHOW TAG VALUES EXACT CARDINALITY WITH KEY = hostname",
        "SHOW SERIES EXACT CARDINALITY GROUP BY region",
        "SHOW MEASUREMENTS WHERE hostname =~ /_4999$/",
    };
    static const char *const want[] = {
        "|key|cpu,hostname=host_0,os=Ubuntu0,rack=0,region=r0",
        "|key|cpu,hostname=host_77,os=Ubuntu2,rack=77,region=r1",
        "cpu|key,value|rack,1",
        "cpu|count|50000",
        "cpu{region=r0}|count|12500\ncpu{region=r1}|count|12500\ncpu{region=r2}|count|12500\n"
        "cpu{region=r3}|count|12500",
        "measurements|name|cpu",
    };
    for (size_t i = 0; i < sizeof qs / sizeof qs[0]; i++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        CHECK(f, "big", qs[i], want[i]);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
        print_message("  %-60s %8.1f ms (%d series)\n", qs[i], ms, N);
    }
}

int main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_measurements),
        T(test_measurements_where),
        T(test_tag_keys),
        T(test_tag_values),
        T(test_field_keys),
        T(test_series),
        T(test_series_order),
        cmocka_unit_test(test_series_key_cmp),
        T(test_cardinality_estimates),
        T(test_cardinality_exact),
        T(test_unsupported_and_shapes),
        T(test_empty),
        T(test_many_series),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
