/* WalPort contract on the in-memory adapter. */
#include "wal_contract.h"

#include "adapters/wal_memory.h"

static int mem_reopen(wal_env *env, uint64_t segment_bytes, uint64_t max_record, hb_err *err)
{
    if (env->open)
        env->wal.close(env->wal.self);
    env->open = 0;
    hb_wal_memory_opts o = { segment_bytes, max_record };
    int rc = hb_wal_memory_open(&o, &env->wal, err);
    env->open = rc == HB_OK;
    return rc;
}

static int setup(void **state)
{
    wal_env *env = calloc(1, sizeof *env);
    env->reopen = mem_reopen;
    hb_err e;
    if (mem_reopen(env, 0, 0, &e))
        return -1;
    *state = env;
    return 0;
}

static int teardown(void **state)
{
    wal_env *env = *state;
    if (env->open)
        env->wal.close(env->wal.self);
    free(env);
    return 0;
}

static void test_stats(void **state)
{
    wal_env *env = *state;
    wc_reopen(env, 4096, 0);
    for (uint64_t i = 1; i <= 9; i++)
        wc_append(env, 1000, i);
    hb_wal_memory_stats st;
    hb_wal_memory_get_stats(&env->wal, &st);
    assert_int_equal(st.appends, 9);
    assert_int_equal(st.records, 9);
    assert_int_equal(st.segments, 3);
    assert_int_equal(st.rotations, 2);
    hb_err e;
    assert_int_equal(env->wal.release(env->wal.self, 8, &e), HB_OK);
    hb_wal_memory_get_stats(&env->wal, &st);
    assert_int_equal(st.records, 1);
    assert_int_equal(st.segments, 1);
}

static void test_bad_opts(void **state)
{
    hb_wal_memory_opts o = { 0, (2ull << 30) };
    hb_wal_port p;
    hb_err e;
    assert_int_equal(hb_wal_memory_open(&o, &p, &e), HB_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        WAL_CONTRACT_TESTS(setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
        cmocka_unit_test(test_bad_opts),
    };
    return cmocka_run_group_tests_name("wal_memory", tests, NULL, NULL);
}
