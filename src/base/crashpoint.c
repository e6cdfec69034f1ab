#include "base/crashpoint.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char target[128];
static long remaining;       /* arrivals left before the crash */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void load(void)
{
    const char *v = getenv("HYPERBYTEDB_CRASH_AT");
    if (!v || !*v)
        return;
    const char *colon = strchr(v, ':');
    size_t n = colon ? (size_t)(colon - v) : strlen(v);
    if (n >= sizeof target)
        return;
    memcpy(target, v, n);
    target[n] = '\0';
    remaining = colon ? strtol(colon + 1, NULL, 10) : 1;
    if (remaining < 1)
        remaining = 1;
}

void hb_crashpoint(const char *name)
{
    pthread_once(&once, load);
    if (!target[0] || strcmp(name, target) != 0)
        return;
    pthread_mutex_lock(&mu);
    if (--remaining == 0)
        raise(SIGKILL);
    pthread_mutex_unlock(&mu);
}
