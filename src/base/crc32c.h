/* CRC-32C (Castagnoli), used to checksum WAL records and metadata values. */
#ifndef HB_BASE_CRC32C_H
#define HB_BASE_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* crc = hb_crc32c(0, p, n) for a fresh checksum; pass the previous value to extend. */
uint32_t hb_crc32c(uint32_t crc, const void *p, size_t n);

#endif
