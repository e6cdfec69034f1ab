/* MetaPort contract: the same tests run against the memory and the RocksDB
 * adapter (get/put/delete, bytewise scan order, prefixes, batch atomicity and
 * ordering, prefix deletes, scans that write, threads), plus persistence
 * across reopen and error texts for RocksDB. */
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
#include <unistd.h>

#include "adapters/meta_memory.h"
#include "adapters/meta_rocksdb.h"

typedef struct fixture {
    hb_meta_port kv;
    int rocks;
    char dir[64];
} fixture;

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

static void rm_rf(const char *dir) { nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

static int setup_memory(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    hb_err err;
    assert_non_null(f);
    assert_int_equal(hb_meta_memory_open(&f->kv, &err), HB_OK);
    *state = f;
    return 0;
}

static int setup_rocksdb(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    hb_err err;
    assert_non_null(f);
    f->rocks = 1;
    strcpy(f->dir, "/tmp/hb_meta_test_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    assert_int_equal(hb_meta_rocksdb_open(f->dir, &f->kv, &err), HB_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (f->kv.close)
        f->kv.close(f->kv.self);
    if (f->rocks)
        rm_rf(f->dir);
    free(f);
    return 0;
}

/* --- helpers --- */

static void put(hb_meta_port *kv, const char *k, size_t kl, const char *v, size_t vl)
{
    hb_err err;
    hb_meta_batch *b = kv->batch_new(kv->self);
    assert_non_null(b);
    assert_int_equal(kv->batch_put(b, k, kl, v, vl), HB_OK);
    assert_int_equal(kv->batch_commit(kv->self, b, 0, &err), HB_OK);
}

static void puts_kv(hb_meta_port *kv, const char *k, const char *v) { put(kv, k, strlen(k), v, strlen(v)); }

static void del(hb_meta_port *kv, const char *k)
{
    hb_err err;
    hb_meta_batch *b = kv->batch_new(kv->self);
    assert_int_equal(kv->batch_del(b, k, strlen(k)), HB_OK);
    assert_int_equal(kv->batch_commit(kv->self, b, 0, &err), HB_OK);
}

static void del_prefix(hb_meta_port *kv, const char *p, size_t pl)
{
    hb_err err;
    hb_meta_batch *b = kv->batch_new(kv->self);
    assert_int_equal(kv->batch_del_prefix(b, p, pl), HB_OK);
    assert_int_equal(kv->batch_commit(kv->self, b, 1, &err), HB_OK);
}

/* Value of k as a NUL-terminated string, or NULL if absent. Caller frees. */
static char *get(hb_meta_port *kv, const char *k)
{
    hb_err err;
    char *v = NULL;
    size_t vl = 0;
    int rc = kv->get(kv->self, k, strlen(k), &v, &vl, &err);
    if (rc == HB_ENOTFOUND)
        return NULL;
    assert_int_equal(rc, HB_OK);
    assert_int_equal(strlen(v), vl);
    return v;
}

static void assert_val(hb_meta_port *kv, const char *k, const char *want)
{
    char *v = get(kv, k);
    if (!want) {
        assert_null(v);
        return;
    }
    assert_non_null(v);
    assert_string_equal(v, want);
    free(v);
}

typedef struct collect {
    char out[4096];   /* "k=v;k=v;" */
    int stop_after;   /* 0 = never */
    int seen;
} collect;

static int collect_fn(void *ctx, const char *k, size_t kl, const char *v, size_t vl)
{
    collect *c = ctx;
    size_t n = strlen(c->out);
    snprintf(c->out + n, sizeof c->out - n, "%.*s=%.*s;", (int)kl, k, (int)vl, v);
    c->seen++;
    if (c->stop_after && c->seen >= c->stop_after)
        return 42;
    return 0;
}

static const char *scan(hb_meta_port *kv, collect *c, const char *prefix, size_t plen)
{
    hb_err err;
    memset(c, 0, sizeof *c);
    assert_int_equal(kv->scan(kv->self, prefix, plen, collect_fn, c, &err), HB_OK);
    return c->out;
}

/* --- tests --- */

static void test_get_missing(void **state)
{
    fixture *f = *state;
    hb_err err;
    char *v = (char *)1;
    size_t vl = 7;
    assert_int_equal(f->kv.get(f->kv.self, "nope", 4, &v, &vl, &err), HB_ENOTFOUND);
    assert_ptr_equal(v, (char *)1);
    assert_int_equal(vl, 7);
}

static void test_put_get_overwrite_delete(void **state)
{
    fixture *f = *state;
    puts_kv(&f->kv, "db:a", "{\"x\":1}");
    assert_val(&f->kv, "db:a", "{\"x\":1}");
    puts_kv(&f->kv, "db:a", "two");
    assert_val(&f->kv, "db:a", "two");
    puts_kv(&f->kv, "empty", "");
    assert_val(&f->kv, "empty", "");
    del(&f->kv, "db:a");
    assert_val(&f->kv, "db:a", NULL);
    del(&f->kv, "never-existed");
    assert_val(&f->kv, "empty", "");
}

static void test_binary_keys_values(void **state)
{
    fixture *f = *state;
    hb_err err;
    const char k[] = { 'k', 0, '\xff', 'z' };
    const char v[] = { 0, 1, 2, '\xfe', 0 };
    put(&f->kv, k, sizeof k, v, sizeof v);
    char *got = NULL;
    size_t gl = 0;
    assert_int_equal(f->kv.get(f->kv.self, k, sizeof k, &got, &gl, &err), HB_OK);
    assert_int_equal(gl, sizeof v);
    assert_memory_equal(got, v, sizeof v);
    free(got);
    /* "k" alone is a different key */
    assert_int_equal(f->kv.get(f->kv.self, k, 1, &got, &gl, &err), HB_ENOTFOUND);
}

static void test_scan_order_bytewise(void **state)
{
    fixture *f = *state;
    collect c;
    const char *keys[] = { "b", "a\xc3\xa9", "a", "ab", "B", "a:", "\x7f", "aa", "a\x01" };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        puts_kv(&f->kv, keys[i], "v");
    /* bytewise, unsigned: 'B' < 'a' < "a\x01" < "a:" < "aa" < "ab" < "a\xc3\xa9" < 'b' < 0x7f */
    assert_string_equal(scan(&f->kv, &c, "", 0), "B=v;a=v;a\x01=v;a:=v;aa=v;ab=v;a\xc3\xa9=v;b=v;\x7f=v;");
}

static void test_scan_prefix(void **state)
{
    fixture *f = *state;
    collect c;
    puts_kv(&f->kv, "meas:a:cpu", "1");
    puts_kv(&f->kv, "meas:a:mem", "2");
    puts_kv(&f->kv, "meas:ab:cpu", "3");
    puts_kv(&f->kv, "meas:a", "4");
    puts_kv(&f->kv, "meas;", "5");
    puts_kv(&f->kv, "mea", "6");
    puts_kv(&f->kv, "db:a", "7");
    assert_string_equal(scan(&f->kv, &c, "meas:a:", 7), "meas:a:cpu=1;meas:a:mem=2;");
    assert_string_equal(scan(&f->kv, &c, "meas:a", 6), "meas:a=4;meas:a:cpu=1;meas:a:mem=2;meas:ab:cpu=3;");
    assert_string_equal(scan(&f->kv, &c, "meas:", 5), "meas:a=4;meas:a:cpu=1;meas:a:mem=2;meas:ab:cpu=3;");
    assert_string_equal(scan(&f->kv, &c, "zzz", 3), "");
    assert_string_equal(scan(&f->kv, &c, "meas:a:cpu", 10), "meas:a:cpu=1;");
}

static void test_scan_stops_and_returns_callback_code(void **state)
{
    fixture *f = *state;
    hb_err err;
    collect c;
    puts_kv(&f->kv, "p:1", "a");
    puts_kv(&f->kv, "p:2", "b");
    puts_kv(&f->kv, "p:3", "c");
    memset(&c, 0, sizeof c);
    c.stop_after = 2;
    assert_int_equal(f->kv.scan(f->kv.self, "p:", 2, collect_fn, &c, &err), 42);
    assert_string_equal(c.out, "p:1=a;p:2=b;");
}

static void test_scan_prefix_with_ff_bytes(void **state)
{
    fixture *f = *state;
    collect c;
    puts_kv(&f->kv, "x\xff", "1");
    puts_kv(&f->kv, "x\xff\xff", "2");
    puts_kv(&f->kv, "x\xff\xff\x01", "3");
    puts_kv(&f->kv, "y", "4");
    puts_kv(&f->kv, "x\xfe", "5");
    assert_string_equal(scan(&f->kv, &c, "x\xff", 2), "x\xff=1;x\xff\xff=2;x\xff\xff\x01=3;");
    assert_string_equal(scan(&f->kv, &c, "x\xff\xff", 3), "x\xff\xff=2;x\xff\xff\x01=3;");
}

static void test_batch_atomic_and_invisible_until_commit(void **state)
{
    fixture *f = *state;
    hb_err err;
    collect c;
    puts_kv(&f->kv, "k:old", "x");
    hb_meta_batch *b = f->kv.batch_new(f->kv.self);
    assert_int_equal(f->kv.batch_put(b, "k:1", 3, "one", 3), HB_OK);
    assert_int_equal(f->kv.batch_put(b, "k:2", 3, "two", 3), HB_OK);
    assert_int_equal(f->kv.batch_del(b, "k:old", 5), HB_OK);
    /* nothing visible before commit */
    assert_string_equal(scan(&f->kv, &c, "k:", 2), "k:old=x;");
    assert_int_equal(f->kv.batch_commit(f->kv.self, b, 1, &err), HB_OK);
    assert_string_equal(scan(&f->kv, &c, "k:", 2), "k:1=one;k:2=two;");

    /* a discarded batch changes nothing */
    b = f->kv.batch_new(f->kv.self);
    assert_int_equal(f->kv.batch_put(b, "k:3", 3, "three", 5), HB_OK);
    assert_int_equal(f->kv.batch_del_prefix(b, "k:", 2), HB_OK);
    f->kv.batch_free(b);
    assert_string_equal(scan(&f->kv, &c, "k:", 2), "k:1=one;k:2=two;");
}

static void test_batch_with_failed_op_applies_nothing(void **state)
{
    fixture *f = *state;
    hb_err err;
    collect c;
    size_t big = (1u << 20) + 1;
    char *k = malloc(big);
    memset(k, 'k', big);
    hb_meta_batch *b = f->kv.batch_new(f->kv.self);
    assert_int_equal(f->kv.batch_put(b, "k:1", 3, "one", 3), HB_OK);
    assert_int_equal(f->kv.batch_put(b, k, big, "v", 1), HB_ELIMIT);
    assert_int_equal(f->kv.batch_put(b, "k:2", 3, "two", 3), HB_OK);
    assert_int_equal(f->kv.batch_commit(f->kv.self, b, 0, &err), HB_ELIMIT);
    assert_non_null(strstr(err.msg, "batch incomplete"));
    assert_string_equal(scan(&f->kv, &c, "k:", 2), "");
    /* the largest allowed key works */
    b = f->kv.batch_new(f->kv.self);
    assert_int_equal(f->kv.batch_put(b, k, big - 1, "v", 1), HB_OK);
    assert_int_equal(f->kv.batch_commit(f->kv.self, b, 0, &err), HB_OK);
    char *v = NULL;
    size_t vl;
    assert_int_equal(f->kv.get(f->kv.self, k, big - 1, &v, &vl, &err), HB_OK);
    assert_string_equal(v, "v");
    free(v);
    free(k);
}

static void test_batch_ops_apply_in_order(void **state)
{
    fixture *f = *state;
    hb_err err;
    collect c;
    puts_kv(&f->kv, "a:keep", "0");
    puts_kv(&f->kv, "a:gone", "0");
    hb_meta_batch *b = f->kv.batch_new(f->kv.self);
    assert_int_equal(f->kv.batch_put(b, "x", 1, "1", 1), HB_OK);
    assert_int_equal(f->kv.batch_del(b, "x", 1), HB_OK);       /* put then delete: absent */
    assert_int_equal(f->kv.batch_del(b, "y", 1), HB_OK);
    assert_int_equal(f->kv.batch_put(b, "y", 1, "2", 1), HB_OK); /* delete then put: present */
    assert_int_equal(f->kv.batch_put(b, "a:new", 5, "3", 1), HB_OK);
    assert_int_equal(f->kv.batch_del_prefix(b, "a:", 2), HB_OK); /* removes a:new too */
    assert_int_equal(f->kv.batch_put(b, "a:keep", 6, "4", 1), HB_OK); /* after the prefix delete: kept */
    assert_int_equal(f->kv.batch_put(b, "y", 1, "5", 1), HB_OK);  /* last put wins */
    assert_int_equal(f->kv.batch_commit(f->kv.self, b, 0, &err), HB_OK);
    assert_string_equal(scan(&f->kv, &c, "", 0), "a:keep=4;y=5;");
}

static void test_delete_prefix_exact(void **state)
{
    fixture *f = *state;
    collect c;
    const char *keys[] = { "b", "b:", "b:1", "b:2:x", "b;", "b\xff", "a:x", "c", "b:\xff\xff" };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        puts_kv(&f->kv, keys[i], "v");
    del_prefix(&f->kv, "b:", 2);
    assert_string_equal(scan(&f->kv, &c, "", 0), "a:x=v;b=v;b;=v;b\xff=v;c=v;");
    /* a prefix with no successor (all 0xff) */
    puts_kv(&f->kv, "\xff", "1");
    puts_kv(&f->kv, "\xff\xff\x01", "2");
    puts_kv(&f->kv, "\xfe\xff", "3");
    del_prefix(&f->kv, "\xff", 1);
    assert_string_equal(scan(&f->kv, &c, "", 0), "a:x=v;b=v;b;=v;b\xff=v;c=v;\xfe\xff=3;");
    /* the empty prefix clears everything */
    del_prefix(&f->kv, "", 0);
    assert_string_equal(scan(&f->kv, &c, "", 0), "");
    puts_kv(&f->kv, "after", "1");
    assert_string_equal(scan(&f->kv, &c, "", 0), "after=1;");
}

typedef struct writer_ctx {
    hb_meta_port *kv;
    int calls;
} writer_ctx;

static int write_in_scan(void *ctx, const char *k, size_t kl, const char *v, size_t vl)
{
    writer_ctx *w = ctx;
    hb_err err;
    char nk[64];
    snprintf(nk, sizeof nk, "copy:%.*s", (int)kl, k);
    hb_meta_batch *b = w->kv->batch_new(w->kv->self);
    if (w->kv->batch_put(b, nk, strlen(nk), v, vl) || w->kv->batch_commit(w->kv->self, b, 0, &err))
        return -1;
    w->calls++;
    return 0;
}

static void test_scan_callback_may_write(void **state)
{
    fixture *f = *state;
    hb_err err;
    collect c;
    puts_kv(&f->kv, "orig:1", "a");
    puts_kv(&f->kv, "orig:2", "b");
    writer_ctx w = { &f->kv, 0 };
    assert_int_equal(f->kv.scan(f->kv.self, "orig:", 5, write_in_scan, &w, &err), HB_OK);
    assert_int_equal(w.calls, 2);
    assert_string_equal(scan(&f->kv, &c, "copy:", 5), "copy:orig:1=a;copy:orig:2=b;");
}

typedef struct thr_arg {
    hb_meta_port *kv;
    int id;
} thr_arg;

static void *thr_main(void *p)
{
    thr_arg *a = p;
    hb_err err;
    for (int i = 0; i < 200; i++) {
        char k[32];
        hb_meta_batch *b = a->kv->batch_new(a->kv->self);
        snprintf(k, sizeof k, "t%d:%03d", a->id, i);
        a->kv->batch_put(b, k, strlen(k), "v", 1);
        snprintf(k, sizeof k, "all:%d:%03d", a->id, i);
        a->kv->batch_put(b, k, strlen(k), "w", 1);
        if (a->kv->batch_commit(a->kv->self, b, 0, &err))
            return (void *)1;
        char *v = NULL;
        size_t vl;
        if (a->kv->get(a->kv->self, k, strlen(k), &v, &vl, &err))
            return (void *)1;
        free(v);
    }
    return NULL;
}

static int count_fn(void *ctx, const char *k, size_t kl, const char *v, size_t vl)
{
    (*(int *)ctx)++;
    return 0;
}

static void test_threads(void **state)
{
    fixture *f = *state;
    hb_err err;
    pthread_t t[4];
    thr_arg a[4];
    for (int i = 0; i < 4; i++) {
        a[i] = (thr_arg){ &f->kv, i };
        assert_int_equal(pthread_create(&t[i], NULL, thr_main, &a[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        void *r;
        pthread_join(t[i], &r);
        assert_null(r);
    }
    int n = 0;
    assert_int_equal(f->kv.scan(f->kv.self, "all:", 4, count_fn, &n, &err), HB_OK);
    assert_int_equal(n, 800);
    n = 0;
    assert_int_equal(f->kv.scan(f->kv.self, "t2:", 3, count_fn, &n, &err), HB_OK);
    assert_int_equal(n, 200);
}

/* --- RocksDB only --- */

static void test_rocksdb_reopen_persists(void **state)
{
    fixture *f = *state;
    hb_err err;
    collect c;
    puts_kv(&f->kv, "db:a", "A");
    puts_kv(&f->kv, "meas:a:cpu", "C");
    puts_kv(&f->kv, "meas:a:mem", "M");
    puts_kv(&f->kv, "meas:b:cpu", "B");
    del_prefix(&f->kv, "meas:a:", 7);
    del(&f->kv, "db:a");
    puts_kv(&f->kv, "db:b", "bee");
    f->kv.close(f->kv.self);
    memset(&f->kv, 0, sizeof f->kv);

    assert_int_equal(hb_meta_rocksdb_open(f->dir, &f->kv, &err), HB_OK);
    assert_string_equal(scan(&f->kv, &c, "", 0), "db:b=bee;meas:b:cpu=B;");
    /* a key put after the range deletion survives reopen */
    puts_kv(&f->kv, "meas:a:new", "N");
    f->kv.close(f->kv.self);
    assert_int_equal(hb_meta_rocksdb_open(f->dir, &f->kv, &err), HB_OK);
    assert_string_equal(scan(&f->kv, &c, "meas:", 5), "meas:a:new=N;meas:b:cpu=B;");
}

static void test_rocksdb_errors_name_directory(void **state)
{
    fixture *f = *state;
    hb_err err;
    hb_meta_port kv2;
    /* the directory is locked by the open store */
    assert_int_equal(hb_meta_rocksdb_open(f->dir, &kv2, &err), HB_EIO);
    assert_non_null(strstr(err.msg, f->dir));
    assert_true(strncmp(err.msg, "metadata store ", 15) == 0);

    char path[128];
    snprintf(path, sizeof path, "%s/afile", f->dir);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fclose(fp);
    char sub[160];
    snprintf(sub, sizeof sub, "%s/sub", path);  /* a directory under a regular file */
    assert_int_equal(hb_meta_rocksdb_open(sub, &kv2, &err), HB_EIO);
    assert_non_null(strstr(err.msg, sub));
}

#define BOTH(t)                                                  \
    { #t "[memory]", t, setup_memory, teardown, NULL },          \
    { #t "[rocksdb]", t, setup_rocksdb, teardown, NULL }

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(test_get_missing),
        BOTH(test_put_get_overwrite_delete),
        BOTH(test_binary_keys_values),
        BOTH(test_scan_order_bytewise),
        BOTH(test_scan_prefix),
        BOTH(test_scan_stops_and_returns_callback_code),
        BOTH(test_scan_prefix_with_ff_bytes),
        BOTH(test_batch_atomic_and_invisible_until_commit),
        BOTH(test_batch_with_failed_op_applies_nothing),
        BOTH(test_batch_ops_apply_in_order),
        BOTH(test_delete_prefix_exact),
        BOTH(test_scan_callback_may_write),
        BOTH(test_threads),
        cmocka_unit_test_setup_teardown(test_rocksdb_reopen_persists, setup_rocksdb, teardown),
        cmocka_unit_test_setup_teardown(test_rocksdb_errors_name_directory, setup_rocksdb, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
