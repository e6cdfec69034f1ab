/* Metric primitives: counters and latency histograms updated with relaxed
 * atomics (no lock on any hot path), and their Prometheus text exposition
 * (version 0.0.4: # HELP, # TYPE, samples; histogram buckets cumulative,
 * le labels, _sum and _count).
 *
 * A histogram's buckets are fixed for every histogram (seconds, from 100 us
 * to 60 s): observe() is a short scan over 18 bounds and one add per field. */
#ifndef HB_BASE_METRIC_H
#define HB_BASE_METRIC_H

#include <stdatomic.h>
#include <stdint.h>

#include "base/buf.h"

#define HB_HIST_NBOUNDS 18

typedef struct hb_counter {
    _Atomic uint64_t v;
} hb_counter;

typedef struct hb_histogram {
    _Atomic uint64_t buckets[HB_HIST_NBOUNDS + 1]; /* per bucket (not cumulative); last = +Inf */
    _Atomic uint64_t count;
    _Atomic uint64_t sum_ns;
} hb_histogram;

/* The upper bounds (seconds) shared by every histogram. */
extern const double hb_hist_bounds[HB_HIST_NBOUNDS];

static inline void hb_counter_add(hb_counter *c, uint64_t n) { atomic_fetch_add_explicit(&c->v, n, memory_order_relaxed); }
static inline uint64_t hb_counter_get(const hb_counter *c)
{
    return atomic_load_explicit(&((hb_counter *)c)->v, memory_order_relaxed);
}

void hb_hist_observe_ns(hb_histogram *h, uint64_t ns);

/* CLOCK_MONOTONIC in ns (for durations). */
int64_t hb_mono_ns(void);

/* "# HELP name help\n# TYPE name type\n" */
int hb_metric_head(hb_buf *out, const char *name, const char *type, const char *help);
/* name{labels} value — labels: preformatted `k="v",...` (already escaped) or NULL. */
int hb_metric_sample(hb_buf *out, const char *name, const char *labels, uint64_t value);
int hb_metric_sample_f(hb_buf *out, const char *name, const char *labels, double value);
/* The _bucket lines, _sum (seconds) and _count of h (no HELP/TYPE). */
int hb_metric_hist(hb_buf *out, const char *name, const char *labels, const hb_histogram *h);
/* Append v as a label value: backslash, double quote and newline escaped. */
int hb_metric_label_value(hb_buf *out, const char *v);

#endif
