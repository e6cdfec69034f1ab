/* Crash points: named places where a test can make the process die as if
 * by kill -9, to prove that a crash at exactly that step loses nothing.
 *
 * The environment variable HYPERBYTEDB_CRASH_AT=name[:n] makes the n-th
 * (default first) arrival at crash point `name` raise SIGKILL. Unset (the
 * normal case) a crash point costs one predictable branch. */
#ifndef HB_BASE_CRASHPOINT_H
#define HB_BASE_CRASHPOINT_H

void hb_crashpoint(const char *name);

#endif
