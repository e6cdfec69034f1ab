/* Structured logging to stderr, text or JSON, one line per event.
 *
 * The logger is the one piece of process-wide state: it is configured once
 * by the composition root before any thread starts and only read after. */
#ifndef HB_BASE_LOG_H
#define HB_BASE_LOG_H

#include <stddef.h>

typedef enum { HB_LOG_ERROR = 0, HB_LOG_WARN, HB_LOG_INFO, HB_LOG_DEBUG, HB_LOG_TRACE } hb_log_level;

/* level: "error" | "warn" | "info" | "debug" | "trace"; format: "text" | "json".
 * Returns 0, or HB_EINVAL for an unknown name. */
int hb_log_configure(const char *level, const char *format);
int hb_log_level_parse(const char *s, hb_log_level *out);
int hb_log_enabled(hb_log_level lvl);

/* req_id may be NULL. The message is the printf-formatted text. */
void hb_log_req(hb_log_level lvl, const char *req_id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One event with named fields: text "msg k=v k2=\"v 2\"" (logfmt), JSON
 * {"ts":..,"level":..,"request_id":..,"msg":..,"k":v,...}. */
typedef struct hb_log_field {
    const char *key;
    const char *str;     /* a string value, or NULL for num */
    double num;
    int boolean;         /* with str NULL: num != 0 printed as true/false */
} hb_log_field;
void hb_log_fields(hb_log_level lvl, const char *req_id, const char *msg, const hb_log_field *f, size_t n);

#define hb_log_error(...) hb_log_req(HB_LOG_ERROR, NULL, __VA_ARGS__)
#define hb_log_warn(...)  hb_log_req(HB_LOG_WARN, NULL, __VA_ARGS__)
#define hb_log_info(...)  hb_log_req(HB_LOG_INFO, NULL, __VA_ARGS__)
#define hb_log_debug(...) do { if (hb_log_enabled(HB_LOG_DEBUG)) hb_log_req(HB_LOG_DEBUG, NULL, __VA_ARGS__); } while (0)

#endif
