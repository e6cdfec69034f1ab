/* libFuzzer target: the TZif zone file parser (base/tzdb.c), then lookups
 * at instants taken from the input, next-change walks and wall-time
 * conversions. Must never crash, loop for long or read out of bounds. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/tzdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    hb_tz *z = NULL;
    hb_err e;
    if (hb_tz_parse(data, n, "fuzz", &z, &e) != HB_OK)
        return 0;
    static const int64_t fixed[] = { INT64_MIN, -1, 0, 1, 1700000000, 4102444800LL, INT64_MAX };
    volatile int64_t sink = 0;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        int64_t s, en;
        sink += hb_tz_lookup(z, fixed[i], &s, &en);
        sink += hb_tz_wall_to_utc(z, fixed[i] / 2);
        sink += hb_tz_offset_ns(z, fixed[i]);
    }
    int64_t t;
    if (n >= 8) {
        memcpy(&t, data + n - 8, 8);
        sink += hb_tz_lookup(z, t, NULL, NULL) + hb_tz_wall_to_utc(z, t / 2);
    }
    /* a bounded walk over the changes from 1970 */
    int64_t at = 0;
    for (int k = 0; k < 64 && at != INT64_MAX; k++) {
        int64_t nx = hb_tz_next_change(z, at);
        if (nx <= at && nx != INT64_MAX)
            __builtin_trap();   /* changes move forward */
        at = nx;
    }
    (void)sink;
    hb_tz_free(z);
    return 0;
}
