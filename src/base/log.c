#include "base/log.h"
#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static hb_log_level g_level = HB_LOG_INFO;
static int g_json;

static const char *names[] = { "error", "warn", "info", "debug", "trace" };

int hb_log_level_parse(const char *s, hb_log_level *out)
{
    for (int i = 0; i < 5; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = (hb_log_level)i;
            return HB_OK;
        }
    if (strcmp(s, "warning") == 0) {
        *out = HB_LOG_WARN;
        return HB_OK;
    }
    return HB_EINVAL;
}

int hb_log_configure(const char *level, const char *format)
{
    hb_log_level l;
    if (level && hb_log_level_parse(level, &l))
        return HB_EINVAL;
    if (format && strcmp(format, "text") && strcmp(format, "json"))
        return HB_EINVAL;
    if (level)
        g_level = l;
    if (format)
        g_json = strcmp(format, "json") == 0;
    return HB_OK;
}

int hb_log_enabled(hb_log_level lvl) { return lvl <= g_level; }

static void json_escape(char *out, size_t cap, const char *s)
{
    size_t o = 0;
    for (; *s && o + 7 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c < 0x20) {
            o += (size_t)snprintf(out + o, cap - o, "\\u%04x", c);
        } else {
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
}

void hb_log_req(hb_log_level lvl, const char *req_id, const char *fmt, ...)
{
    if (lvl > g_level)
        return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char when[96];
    snprintf(when, sizeof when, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ts.tv_nsec / 1000));
    char line[4096 + 256];
    if (g_json) {
        char esc[4096];
        json_escape(esc, sizeof esc, msg);
        if (req_id)
            snprintf(line, sizeof line, "{\"ts\":\"%s\",\"level\":\"%s\",\"request_id\":\"%s\",\"msg\":\"%s\"}\n",
                     when, names[lvl], req_id, esc);
        else
            snprintf(line, sizeof line, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":\"%s\"}\n", when, names[lvl], esc);
    } else {
        if (req_id)
            snprintf(line, sizeof line, "%s %-5s [%s] %s\n", when, names[lvl], req_id, msg);
        else
            snprintf(line, sizeof line, "%s %-5s %s\n", when, names[lvl], msg);
    }
    /* one write() per line so concurrent threads do not interleave */
    fputs(line, stderr);
}
