#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "base/metric.h"

static void counter_adds(void **state)
{
    hb_counter c = { 0 };
    hb_counter_add(&c, 1);
    hb_counter_add(&c, 41);
    assert_int_equal(hb_counter_get(&c), 42);
}

/* Buckets are cumulative in the text, le bounds are inclusive, +Inf equals
 * _count, _sum is exact seconds. */
static void histogram_text(void **state)
{
    hb_histogram h;
    memset(&h, 0, sizeof h);
    hb_hist_observe_ns(&h, 100000);       /* exactly 100 us: first bucket */
    hb_hist_observe_ns(&h, 100001);       /* just above: second */
    hb_hist_observe_ns(&h, 2000000000);   /* 2 s: le="2.5" */
    hb_hist_observe_ns(&h, 61000000000);  /* past every bound: +Inf only */
    hb_buf b;
    hb_buf_init(&b, 0);
    assert_int_equal(hb_metric_hist(&b, "x_seconds", NULL, &h), 0);
    const char *t = hb_buf_cstr(&b);
    assert_non_null(strstr(t, "x_seconds_bucket{le=\"0.0001\"} 1\n"));
    assert_non_null(strstr(t, "x_seconds_bucket{le=\"0.00025\"} 2\n"));
    assert_non_null(strstr(t, "x_seconds_bucket{le=\"1\"} 2\n"));
    assert_non_null(strstr(t, "x_seconds_bucket{le=\"2.5\"} 3\n"));
    assert_non_null(strstr(t, "x_seconds_bucket{le=\"60\"} 3\n"));
    assert_non_null(strstr(t, "x_seconds_bucket{le=\"+Inf\"} 4\n"));
    assert_non_null(strstr(t, "x_seconds_sum 63.000200001\n"));
    assert_non_null(strstr(t, "x_seconds_count 4\n"));
    /* the first line is the smallest bucket */
    assert_true(strncmp(t, "x_seconds_bucket{le=\"0.0001\"}", 29) == 0);
    hb_buf_free(&b);
}

static void histogram_labels(void **state)
{
    hb_histogram h;
    memset(&h, 0, sizeof h);
    hb_hist_observe_ns(&h, 5);
    hb_buf b;
    hb_buf_init(&b, 0);
    assert_int_equal(hb_metric_hist(&b, "y", "db=\"a\"", &h), 0);
    assert_non_null(strstr(hb_buf_cstr(&b), "y_bucket{db=\"a\",le=\"+Inf\"} 1\n"));
    assert_non_null(strstr(hb_buf_cstr(&b), "y_sum{db=\"a\"} 0.000000005\n"));
    assert_non_null(strstr(hb_buf_cstr(&b), "y_count{db=\"a\"} 1\n"));
    hb_buf_free(&b);
}

static void head_sample_and_labels(void **state)
{
    hb_buf b;
    hb_buf_init(&b, 0);
    hb_metric_head(&b, "n_total", "counter", "Things.");
    hb_metric_sample(&b, "n_total", NULL, 7);
    hb_buf_puts(&b, "db=");
    hb_metric_label_value(&b, "a\"b\\c\nd");
    assert_string_equal(hb_buf_cstr(&b), "# HELP n_total Things.\n# TYPE n_total counter\nn_total 7\n"
                                         "db=\"a\\\"b\\\\c\\nd\"");
    hb_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counter_adds),
        cmocka_unit_test(histogram_text),
        cmocka_unit_test(histogram_labels),
        cmocka_unit_test(head_sample_and_labels),
    };
    return cmocka_run_group_tests_name("base/metric", tests, NULL, NULL);
}
