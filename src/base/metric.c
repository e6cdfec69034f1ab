/* Counters, histograms and their Prometheus text (see metric.h). */
#include "base/metric.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/err.h"

const double hb_hist_bounds[HB_HIST_NBOUNDS] = { 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                                 0.025,  0.05,    0.1,    0.25,  0.5,    1,     2.5,
                                                 5,      10,      30,     60 };

/* The bounds in ns, for the hot path (no floating point). */
static const uint64_t bounds_ns[HB_HIST_NBOUNDS] = {
    100000ull,     250000ull,     500000ull,     1000000ull,     2500000ull,     5000000ull,
    10000000ull,   25000000ull,   50000000ull,   100000000ull,   250000000ull,   500000000ull,
    1000000000ull, 2500000000ull, 5000000000ull, 10000000000ull, 30000000000ull, 60000000000ull,
};

void hb_hist_observe_ns(hb_histogram *h, uint64_t ns)
{
    size_t i = 0;
    while (i < HB_HIST_NBOUNDS && ns > bounds_ns[i])
        i++;
    atomic_fetch_add_explicit(&h->buckets[i], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->sum_ns, ns, memory_order_relaxed);
    atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
}

int64_t hb_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int hb_metric_head(hb_buf *out, const char *name, const char *type, const char *help)
{
    return hb_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

int hb_metric_sample(hb_buf *out, const char *name, const char *labels, uint64_t value)
{
    if (labels && *labels)
        return hb_buf_printf(out, "%s{%s} %llu\n", name, labels, (unsigned long long)value);
    return hb_buf_printf(out, "%s %llu\n", name, (unsigned long long)value);
}

int hb_metric_sample_f(hb_buf *out, const char *name, const char *labels, double value)
{
    if (labels && *labels)
        return hb_buf_printf(out, "%s{%s} %.9g\n", name, labels, value);
    return hb_buf_printf(out, "%s %.9g\n", name, value);
}

int hb_metric_hist(hb_buf *out, const char *name, const char *labels, const hb_histogram *h)
{
    hb_histogram *hh = (hb_histogram *)h;
    /* Read the buckets first and derive count from them, so a scrape racing
     * an observe() still shows the +Inf bucket equal to _count. */
    uint64_t cum = 0;
    const char *sep = labels && *labels ? "," : "";
    const char *lb = labels ? labels : "";
    int rc = HB_OK;
    for (size_t i = 0; i <= HB_HIST_NBOUNDS && rc == HB_OK; i++) {
        cum += atomic_load_explicit(&hh->buckets[i], memory_order_relaxed);
        if (i < HB_HIST_NBOUNDS)
            rc = hb_buf_printf(out, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, lb, sep, hb_hist_bounds[i],
                               (unsigned long long)cum);
        else
            rc = hb_buf_printf(out, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, lb, sep, (unsigned long long)cum);
    }
    /* the sum in seconds, exactly: whole seconds and nine decimals */
    uint64_t sum = atomic_load_explicit(&hh->sum_ns, memory_order_relaxed);
    char n2[160];
    if (rc == HB_OK) {
        if (labels && *labels)
            rc = hb_buf_printf(out, "%s_sum{%s} %llu.%09llu\n", name, labels, (unsigned long long)(sum / 1000000000),
                               (unsigned long long)(sum % 1000000000));
        else
            rc = hb_buf_printf(out, "%s_sum %llu.%09llu\n", name, (unsigned long long)(sum / 1000000000),
                               (unsigned long long)(sum % 1000000000));
    }
    snprintf(n2, sizeof n2, "%s_count", name);
    if (rc == HB_OK)
        rc = hb_metric_sample(out, n2, labels, cum);
    return rc;
}

int hb_metric_label_value(hb_buf *out, const char *v)
{
    int rc = hb_buf_putc(out, '"');
    for (; *v && rc == HB_OK; v++) {
        if (*v == '\\')
            rc = hb_buf_puts(out, "\\\\");
        else if (*v == '"')
            rc = hb_buf_puts(out, "\\\"");
        else if (*v == '\n')
            rc = hb_buf_puts(out, "\\n");
        else
            rc = hb_buf_putc(out, *v);
    }
    return rc ? rc : hb_buf_putc(out, '"');
}
