/* Number and time formatting identical to Go's, because InfluxDB's answers
 * are produced by Go's encoding/json and time packages. */
#ifndef HB_BASE_FMT_H
#define HB_BASE_FMT_H

#include <stddef.h>
#include <stdint.h>

/* Go's encoding/json float64 text: shortest round-trip digits, plain
 * notation for 1e-6 <= |f| < 1e21, else exponent form like 1e+21 / 1e-7.
 * Writes at most 32 bytes including NUL; returns the length. */
size_t hb_fmt_float_json(double f, char out[32]);

/* Go's time.RFC3339Nano in UTC: 2006-01-02T15:04:05.999999999Z (trailing
 * zeros of the fraction dropped, no fraction when zero). Returns length. */
size_t hb_fmt_rfc3339nano(int64_t ns, char out[40]);

/* The same in a zone off seconds east of UTC at that instant, as Go
 * formats t.In(loc): local wall time and "+hh:mm" / "-hh:mm" ("Z" when
 * off is 0; seconds of an offset are not shown). Returns length. */
size_t hb_fmt_rfc3339nano_off(int64_t ns, int32_t off, char out[40]);

/* Proleptic Gregorian date of a day number (days since 1970-01-01). */
void hb_civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day);

/* Day number (days since 1970-01-01) of a proleptic Gregorian date. */
int64_t hb_days_from_civil(int64_t year, int64_t month, int64_t day);

#endif
