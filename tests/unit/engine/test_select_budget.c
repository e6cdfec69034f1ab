/* The statement budgets: a passed deadline gives InfluxDB's timeout text, a
 * statement over its memory cap a clear limit error; no budget, no error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <time.h>

#include "engine/select_internal.h"

static int64_t mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void budgets(void **state)
{
    (void)state;
    hb_err err;
    hb_select_env env = { 0 };
    sel_plan p = { .env = &env };
    p.mem = (uint64_t)1 << 40;
    assert_int_equal(sel_check_budget(&p, &err), HB_OK);   /* no caps */

    env.deadline_ns = mono_now() + (int64_t)60 * 1000000000;
    assert_int_equal(sel_check_budget(&p, &err), HB_OK);
    env.deadline_ns = mono_now() - 1;
    assert_int_equal(sel_check_budget(&p, &err), HB_ELIMIT);
    assert_string_equal(err.msg, "query-timeout limit exceeded");

    env.deadline_ns = 0;
    env.max_memory = 1000;
    p.mem = 1000;
    assert_int_equal(sel_check_budget(&p, &err), HB_OK);
    p.mem = 1001;
    assert_int_equal(sel_check_budget(&p, &err), HB_ELIMIT);
    assert_non_null(strstr(err.msg, "query memory limit exceeded"));
    assert_non_null(strstr(err.msg, "1000 bytes"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(budgets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
