/* base/log.c: the text and JSON lines of hb_log_fields and hb_log_req. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"

/* Runs fn with stderr going to a temporary file; returns what it wrote. */
static void capture(void (*fn)(void), char *out, size_t cap)
{
    fflush(stderr);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    int saved = dup(2);
    dup2(fileno(tmp), 2);
    fn();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(tmp);
    size_t n = fread(out, 1, cap - 1, tmp);
    out[n] = '\0';
    fclose(tmp);
}

static void emit_fields(void)
{
    hb_log_field f[] = {
        { "method", "GET", 0, 0 },
        { "path", "/a b\"c", 0, 0 },
        { "status", NULL, 200, 0 },
        { "duration_ms", NULL, 1.5, 0 },
        { "completed", NULL, 1, 1 },
        { "empty", "", 0, 0 },
    };
    hb_log_fields(HB_LOG_INFO, "rid-1", "http request", f, sizeof f / sizeof f[0]);
    hb_log_fields(HB_LOG_DEBUG, "rid-2", "not shown at info", f, 1);
}

static void text_lines(void **state)
{
    char buf[4096];
    assert_int_equal(hb_log_configure("info", "text"), 0);
    capture(emit_fields, buf, sizeof buf);
    /* timestamp, level, [request id], message, logfmt fields */
    const char *p = strstr(buf, "Z info  [rid-1] http request method=GET path=\"/a b\\\"c\" status=200 "
                                "duration_ms=1.5 completed=true empty=\"\"\n");
    assert_non_null(p);
    assert_null(strstr(buf, "rid-2"));
    assert_int_equal(strchr(buf, '\n') - buf + 1, (long)strlen(buf));   /* one line */
}

static void json_lines(void **state)
{
    char buf[4096];
    assert_int_equal(hb_log_configure("debug", "json"), 0);
    capture(emit_fields, buf, sizeof buf);
    assert_true(strncmp(buf, "{\"ts\":\"", 7) == 0);
    assert_non_null(strstr(buf, "\",\"level\":\"info\",\"request_id\":\"rid-1\",\"msg\":\"http request\","
                                "\"method\":\"GET\",\"path\":\"/a b\\\"c\",\"status\":200,\"duration_ms\":1.5,"
                                "\"completed\":true,\"empty\":\"\"}\n"));
    assert_non_null(strstr(buf, "\"level\":\"debug\",\"request_id\":\"rid-2\""));
    assert_int_equal(hb_log_configure("info", "text"), 0);
}

static void bad_settings(void **state)
{
    assert_int_not_equal(hb_log_configure("loud", NULL), 0);
    assert_int_not_equal(hb_log_configure(NULL, "xml"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_lines),
        cmocka_unit_test(json_lines),
        cmocka_unit_test(bad_settings),
    };
    return cmocka_run_group_tests_name("base/log", tests, NULL, NULL);
}
