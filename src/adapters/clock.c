#include "ports/clock_port.h"

#include <time.h>

static int64_t system_now(void *self)
{
    (void)self;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

hb_clock_port hb_clock_system(void)
{
    hb_clock_port c = { NULL, system_now };
    return c;
}

static int64_t virtual_now(void *self) { return ((hb_clock_virtual *)self)->now; }

hb_clock_port hb_clock_virtual_port(hb_clock_virtual *v)
{
    hb_clock_port c = { v, virtual_now };
    return c;
}
