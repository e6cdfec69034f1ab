#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>

int hb_err_set(hb_err *e, int code, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
        e->code = code;
    }
    return code;
}

void hb_err_clear(hb_err *e)
{
    if (e) {
        e->code = HB_OK;
        e->msg[0] = '\0';
    }
}

const char *hb_strerror(int code)
{
    switch (code) {
    case HB_OK: return "ok";
    case HB_ENOMEM: return "out of memory";
    case HB_EIO: return "io error";
    case HB_EPARSE: return "parse error";
    case HB_ECORRUPT: return "corrupt data";
    case HB_ENOTFOUND: return "not found";
    case HB_EEXISTS: return "already exists";
    case HB_ELIMIT: return "limit exceeded";
    case HB_ECONFLICT: return "conflict";
    case HB_EINVAL: return "invalid argument";
    case HB_EBUSY: return "busy";
    case HB_EUNSUPP: return "not implemented";
    case HB_ECLOSED: return "closed";
    default: return "unknown error";
    }
}
