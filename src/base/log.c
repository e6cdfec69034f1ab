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

static void timestamp(char when[96])
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(when, 96, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ts.tv_nsec / 1000));
}

/* logfmt value: bare when it has no space, quote, '=' or control byte. */
static void text_value(char *out, size_t cap, const char *s)
{
    int bare = *s != '\0';
    for (const char *c = s; *c; c++)
        if ((unsigned char)*c <= ' ' || *c == '"' || *c == '=' || *c == '\\')
            bare = 0;
    if (bare) {
        snprintf(out, cap, "%s", s);
        return;
    }
    char esc[1024];
    json_escape(esc, sizeof esc, s);
    snprintf(out, cap, "\"%s\"", esc);
}

void hb_log_fields(hb_log_level lvl, const char *req_id, const char *msg, const hb_log_field *f, size_t n)
{
    if (lvl > g_level)
        return;
    char when[96];
    timestamp(when);
    char line[4096];
    size_t o = 0;
#define APP(...)                                                                                                 \
    do {                                                                                                         \
        if (o < sizeof line)                                                                                     \
            o += (size_t)snprintf(line + o, sizeof line - o, __VA_ARGS__);                                       \
    } while (0)
    char esc[1024];
    if (g_json) {
        json_escape(esc, sizeof esc, msg);
        APP("{\"ts\":\"%s\",\"level\":\"%s\"", when, names[lvl]);
        if (req_id) {
            char rid[300];
            json_escape(rid, sizeof rid, req_id);
            APP(",\"request_id\":\"%s\"", rid);
        }
        APP(",\"msg\":\"%s\"", esc);
        for (size_t i = 0; i < n; i++) {
            if (f[i].str) {
                json_escape(esc, sizeof esc, f[i].str);
                APP(",\"%s\":\"%s\"", f[i].key, esc);
            } else if (f[i].boolean) {
                APP(",\"%s\":%s", f[i].key, f[i].num != 0 ? "true" : "false");
            } else {
                APP(",\"%s\":%.15g", f[i].key, f[i].num);
            }
        }
        APP("}\n");
    } else {
        if (req_id)
            APP("%s %-5s [%s] %s", when, names[lvl], req_id, msg);
        else
            APP("%s %-5s %s", when, names[lvl], msg);
        for (size_t i = 0; i < n; i++) {
            if (f[i].str) {
                text_value(esc, sizeof esc, f[i].str);
                APP(" %s=%s", f[i].key, esc);
            } else if (f[i].boolean) {
                APP(" %s=%s", f[i].key, f[i].num != 0 ? "true" : "false");
            } else {
                APP(" %s=%.15g", f[i].key, f[i].num);
            }
        }
        APP("\n");
    }
#undef APP
    if (o >= sizeof line) {   /* cut: keep the line a line */
        o = sizeof line - 1;
        line[o - 1] = '\n';
    }
    fwrite(line, 1, o, stderr);
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
