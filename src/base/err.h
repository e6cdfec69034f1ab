/* Error codes and the error message buffer every fallible function fills.
 *
 * Convention: functions return 0 (HB_OK) on success or a negative HB_E*
 * code, and write a human-readable message into an hb_err the caller owns.
 * The message is what a user sees (HTTP bodies, start-up errors), so write
 * it for them: name the file, the key, the offset. */
#ifndef HB_BASE_ERR_H
#define HB_BASE_ERR_H

#include <stddef.h>

enum {
    HB_OK          = 0,
    HB_ENOMEM      = -1,  /* allocation failed */
    HB_EIO         = -2,  /* read/write/fsync/open failed */
    HB_EPARSE      = -3,  /* malformed input (config, line protocol, query) */
    HB_ECORRUPT    = -4,  /* checksum or structure mismatch in stored data */
    HB_ENOTFOUND   = -5,  /* database, policy, key ... does not exist */
    HB_EEXISTS     = -6,  /* already exists (with conflicting definition) */
    HB_ELIMIT      = -7,  /* a configured cap was exceeded */
    HB_ECONFLICT   = -8,  /* e.g. field type conflict */
    HB_EINVAL      = -9,  /* invalid argument or option */
    HB_EBUSY       = -10, /* temporarily unable (memtable full): retry later */
    HB_EUNSUPP     = -11, /* recognised but not implemented */
    HB_ECLOSED     = -12, /* component shut down */
};

typedef struct hb_err {
    int code;
    char msg[512];
} hb_err;

/* Format msg into e (if e is non-NULL) and return code. */
int hb_err_set(hb_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reset to HB_OK with an empty message. */
void hb_err_clear(hb_err *e);

/* Short static name of a code ("io error", "corrupt data", ...). */
const char *hb_strerror(int code);

#endif
