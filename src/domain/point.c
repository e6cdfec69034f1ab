#include "domain/point.h"

const char *hb_ftype_name(hb_ftype t)
{
    switch (t) {
    case HB_FT_FLOAT: return "float";
    case HB_FT_INTEGER: return "integer";
    case HB_FT_UNSIGNED: return "unsigned";
    case HB_FT_STRING: return "string";
    case HB_FT_BOOLEAN: return "boolean";
    }
    return "unknown";
}
