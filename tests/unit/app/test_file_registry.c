#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapters/meta_memory.h"
#include "adapters/meta_rocksdb.h"
#include "app/file_registry.h"

static hb_file_entry E(const char *db, const char *rp, const char *m, int64_t lo, int64_t hi, uint64_t id)
{
    static char paths[64][128];
    static int k;
    char *p = paths[k++ % 64];
    snprintf(p, 128, "%s/%s/%s/%llu.parquet", db, rp, m, (unsigned long long)id);
    hb_file_entry e = { p, (char *)db, (char *)rp, (char *)m, lo, hi, 10, 100, id, id * 10, 0 };
    return e;
}

static void register_list_replace(void **state)
{
    hb_meta_port kv;
    hb_err err;
    assert_int_equal(hb_meta_memory_open(&kv, &err), 0);
    hb_registry *r;
    assert_int_equal(hb_registry_open(&kv, &r, &err), 0);
    uint64_t a = hb_registry_next_id(r), b = hb_registry_next_id(r), c = hb_registry_next_id(r);
    assert_true(a >= 1 && b == a + 1 && c == b + 1);
    hb_file_entry add[4] = { E("db", "rp", "cpu", 200, 299, b), E("db", "rp", "cpu", 100, 199, a),
                             E("db", "rp", "mem", 100, 199, c), E("d:b", "rp", "cpu", -50, -1, 99) };
    assert_int_equal(hb_registry_commit(r, add, 4, NULL, 0, 0, &err), 0);

    hb_file_entry *v;
    size_t n;
    assert_int_equal(hb_registry_files(r, "db", "rp", "cpu", INT64_MIN, INT64_MAX, &v, &n, &err), 0);
    assert_int_equal(n, 2);
    assert_int_equal(v[0].min_time, 100);  /* sorted by time */
    assert_int_equal(v[1].min_time, 200);
    assert_string_equal(v[0].path, add[1].path);
    hb_file_entries_free(v, n);
    assert_int_equal(hb_registry_files(r, "db", "rp", "cpu", 250, 260, &v, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].id, b);
    hb_file_entries_free(v, n);
    assert_int_equal(hb_registry_files(r, "db", "rp", "cpu", 300, 400, &v, &n, &err), 0);
    assert_int_equal(n, 0);
    hb_file_entries_free(v, n);
    assert_int_equal(hb_registry_files(r, "d:b", "rp", "cpu", -10, 0, &v, &n, &err), 0);
    assert_int_equal(n, 1);
    hb_file_entries_free(v, n);
    assert_int_equal(hb_registry_files_of(r, "db", NULL, &v, &n, &err), 0);
    assert_int_equal(n, 3);
    hb_file_entries_free(v, n);
    assert_true(hb_registry_has_path(r, add[0].path));

    /* compaction: two cpu files become one, in one batch */
    uint64_t d = hb_registry_next_id(r);
    hb_file_entry merged = E("db", "rp", "cpu", 100, 299, d);
    hb_file_entry gone[2] = { add[0], add[1] };
    assert_int_equal(hb_registry_flushed_seq(r), 0);
    assert_int_equal(hb_registry_commit(r, &merged, 1, gone, 2, 777, &err), 0);
    assert_int_equal(hb_registry_flushed_seq(r), 777);
    assert_int_equal(hb_registry_all(r, &v, &n, &err), 0);
    assert_int_equal(n, 3);
    hb_file_entries_free(v, n);
    assert_int_equal(hb_registry_files(r, "db", "rp", "cpu", INT64_MIN, INT64_MAX, &v, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].id, d);
    assert_int_equal(v[0].max_time, 299);
    hb_file_entries_free(v, n);
    assert_false(hb_registry_has_path(r, add[0].path));

    /* reopen from the same store: everything and the id counter survive */
    hb_registry_close(r);
    assert_int_equal(hb_registry_open(&kv, &r, &err), 0);
    assert_int_equal(hb_registry_files_of(r, "db", "rp", &v, &n, &err), 0);
    assert_int_equal(n, 2);
    hb_file_entries_free(v, n);
    assert_int_equal(hb_registry_files(r, "d:b", "rp", "cpu", INT64_MIN, INT64_MAX, &v, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].min_time, -50);
    assert_int_equal(v[0].rows, 10);
    assert_int_equal(v[0].bytes, 100);
    assert_int_equal(v[0].seq, 990);
    hb_file_entries_free(v, n);
    assert_true(hb_registry_next_id(r) > 99);
    assert_int_equal(hb_registry_flushed_seq(r), 777);
    hb_registry_close(r);

    /* a malformed entry is reported, not skipped */
    hb_meta_batch *bt = kv.batch_new(kv.self);
    kv.batch_put(bt, "pq:x:y:z:0000000000000001:0000000000000001", 42, "{}", 2);
    assert_int_equal(kv.batch_commit(kv.self, bt, 1, &err), 0);
    assert_int_equal(hb_registry_open(&kv, &r, &err), HB_ECORRUPT);
    assert_non_null(strstr(err.msg, "pq:x:y:z"));
    kv.close(kv.self);
}

static void survives_rocksdb_reopen(void **state)
{
    char dir[] = "/tmp/hb_reg_XXXXXX";
    assert_non_null(mkdtemp(dir));
    hb_meta_port kv;
    hb_err err;
    assert_int_equal(hb_meta_rocksdb_open(dir, &kv, &err), 0);
    hb_registry *r;
    assert_int_equal(hb_registry_open(&kv, &r, &err), 0);
    hb_file_entry e = E("db", "autogen", "cpu", INT64_MIN, INT64_MAX, hb_registry_next_id(r));
    assert_int_equal(hb_registry_commit(r, &e, 1, NULL, 0, 0, &err), 0);
    hb_registry_close(r);
    kv.close(kv.self);
    assert_int_equal(hb_meta_rocksdb_open(dir, &kv, &err), 0);
    assert_int_equal(hb_registry_open(&kv, &r, &err), 0);
    hb_file_entry *v;
    size_t n;
    assert_int_equal(hb_registry_files(r, "db", "autogen", "cpu", 0, 0, &v, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].min_time, INT64_MIN);
    assert_int_equal(v[0].max_time, INT64_MAX);
    hb_file_entries_free(v, n);
    hb_registry_close(r);
    kv.close(kv.self);
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(register_list_replace),
        cmocka_unit_test(survives_rocksdb_reopen),
    };
    return cmocka_run_group_tests_name("app/file_registry", tests, NULL, NULL);
}
