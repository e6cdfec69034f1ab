/* libFuzzer target: the TOML parser must never crash, leak or read out of
 * bounds, whatever the input; every document it accepts can be walked. */
#include <stddef.h>
#include <stdint.h>

#include "base/toml.h"

static void walk(const hb_toml_value *v)
{
    for (size_t i = 0; i < hb_toml_table_len(v); i++) {
        hb_toml_table_key(v, i, NULL);
        walk(hb_toml_table_value(v, i));
    }
    for (size_t i = 0; i < hb_toml_array_len(v); i++)
        walk(hb_toml_array_at(v, i));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
    hb_err e;
    hb_toml_value *root;
    if (hb_toml_parse((const char *)data, n, "fuzz", &root, &e) == 0) {
        walk(root);
        hb_toml_free(root);
    }
    return 0;
}
