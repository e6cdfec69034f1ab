/* Helpers shared by the StoragePort adapters. */
#include <string.h>

#include "ports/storage_port.h"

#define KEY_MAX 1024

int hb_storage_key_check(const char *key, hb_err *err)
{
    size_t n = key ? strlen(key) : 0;
    if (n == 0)
        return hb_err_set(err, HB_EINVAL, "storage key is empty");
    if (n > KEY_MAX)
        return hb_err_set(err, HB_EINVAL, "storage key is longer than %d bytes", KEY_MAX);
    const char *seg = key;
    for (;;) {
        const char *end = strchr(seg, '/');
        size_t sl = end ? (size_t)(end - seg) : strlen(seg);
        if (sl == 0)
            return hb_err_set(err, HB_EINVAL, "storage key \"%s\" has an empty path segment", key);
        /* names starting with '.' are reserved for the adapters' temp files */
        if (seg[0] == '.')
            return hb_err_set(err, HB_EINVAL, "storage key \"%s\" has a segment starting with '.'", key);
        if (!end)
            break;
        seg = end + 1;
    }
    return HB_OK;
}
