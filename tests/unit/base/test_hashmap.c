#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "base/hashmap.h"

static void strmap_put_get_del(void **state)
{
    hb_strmap m;
    hb_strmap_init(&m);
    char key[32];
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(key, sizeof key, "key-%d", i);
        assert_int_equal(hb_strmap_put(&m, key, (size_t)n, (void *)(intptr_t)(i + 1)), 0);
    }
    assert_int_equal(m.count, 5000);
    for (int i = 0; i < 5000; i += 2) {
        int n = snprintf(key, sizeof key, "key-%d", i);
        assert_ptr_equal(hb_strmap_del(&m, key, (size_t)n), (void *)(intptr_t)(i + 1));
    }
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(key, sizeof key, "key-%d", i);
        void *v = hb_strmap_get(&m, key, (size_t)n);
        if (i % 2)
            assert_ptr_equal(v, (void *)(intptr_t)(i + 1));
        else
            assert_null(v);
    }
    /* replace keeps one entry; keys with NUL bytes are distinct */
    assert_int_equal(hb_strmap_put(&m, "a\0b", 3, (void *)1), 0);
    assert_int_equal(hb_strmap_put(&m, "a\0c", 3, (void *)2), 0);
    assert_int_equal(hb_strmap_put(&m, "a\0b", 3, (void *)3), 0);
    assert_ptr_equal(hb_strmap_get(&m, "a\0b", 3), (void *)3);
    assert_ptr_equal(hb_strmap_get(&m, "a\0c", 3), (void *)2);
    assert_null(hb_strmap_get(&m, "a", 1));
    assert_int_equal(m.count, 2502);
    hb_strmap_free(&m);
}

static void strmap_reuse_after_churn(void **state)
{
    hb_strmap m;
    hb_strmap_init(&m);
    for (int round = 0; round < 50; round++) {
        for (int i = 0; i < 100; i++) {
            char k[16];
            int n = snprintf(k, sizeof k, "%d", i);
            assert_int_equal(hb_strmap_put(&m, k, (size_t)n, (void *)(intptr_t)(round + 1)), 0);
        }
        for (int i = 0; i < 100; i++) {
            char k[16];
            int n = snprintf(k, sizeof k, "%d", i);
            assert_ptr_equal(hb_strmap_del(&m, k, (size_t)n), (void *)(intptr_t)(round + 1));
        }
    }
    assert_int_equal(m.count, 0);
    assert_true(m.cap <= 1024); /* tombstones are recycled, the table does not grow forever */
    hb_strmap_free(&m);
}

static void u64map_basics(void **state)
{
    hb_u64map m;
    hb_u64map_init(&m);
    assert_int_equal(hb_u64map_put(&m, 0, (void *)1), -9);
    for (uint64_t k = 1; k <= 10000; k++)
        assert_int_equal(hb_u64map_put(&m, k * 7919, (void *)(uintptr_t)k), 0);
    for (uint64_t k = 1; k <= 10000; k++)
        assert_ptr_equal(hb_u64map_get(&m, k * 7919), (void *)(uintptr_t)k);
    assert_null(hb_u64map_get(&m, 3));
    for (uint64_t k = 1; k <= 10000; k += 3)
        assert_ptr_equal(hb_u64map_del(&m, k * 7919), (void *)(uintptr_t)k);
    for (uint64_t k = 1; k <= 10000; k++) {
        void *v = hb_u64map_get(&m, k * 7919);
        if ((k - 1) % 3 == 0)
            assert_null(v);
        else
            assert_ptr_equal(v, (void *)(uintptr_t)k);
    }
    hb_u64map_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(strmap_put_get_del),
        cmocka_unit_test(strmap_reuse_after_churn),
        cmocka_unit_test(u64map_basics),
    };
    return cmocka_run_group_tests_name("base/hashmap", tests, NULL, NULL);
}
