/* ClockPort: wall-clock time, so services can run on a virtual clock in tests. */
#ifndef HB_PORTS_CLOCK_PORT_H
#define HB_PORTS_CLOCK_PORT_H

#include <stdint.h>

typedef struct hb_clock_port {
    void *self;
    int64_t (*now_ns)(void *self);   /* nanoseconds since the Unix epoch, UTC */
} hb_clock_port;

/* The system clock (CLOCK_REALTIME). Static: needs no close. */
hb_clock_port hb_clock_system(void);

/* A virtual clock for tests: starts at start_ns, moves only by hb_clock_virtual_set/advance. */
typedef struct hb_clock_virtual {
    int64_t now;
} hb_clock_virtual;
hb_clock_port hb_clock_virtual_port(hb_clock_virtual *v);

#endif
