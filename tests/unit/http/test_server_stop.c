/* Stopping the HTTP server while its pool workers are awake.
 *
 * libmicrohttpd's pool workers take the listening socket out of their own
 * epoll set as soon as they see the daemon quiesced, and MHD_quiesce_daemon
 * takes it out from the calling thread too: whichever of the two comes
 * second gets ENOENT, and libmicrohttpd aborts on that ("Failed to remove
 * listen FD from epoll set"). The race is decided here, the same way every
 * time: this executable's epoll_ctl replaces the C library's for
 * libmicrohttpd, and when the thread stopping the server removes a
 * descriptor from an epoll set, it removes it once more beforehand, as a
 * worker that got there first would. A stop that removes anything from
 * MHD's epoll sets on its own thread aborts the test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dlfcn.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "app/services.h"
#include "http/http.h"

typedef int (*epoll_ctl_fn)(int, int, int, struct epoll_event *);

static epoll_ctl_fn real_epoll_ctl;
static pthread_t stopper;
static atomic_int armed;
static atomic_int stopper_dels;
static atomic_int calls;   /* every epoll_ctl: shows that this one is used */

int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
    atomic_fetch_add(&calls, 1);
    if (op == EPOLL_CTL_DEL && atomic_load(&armed) && pthread_equal(pthread_self(), stopper)) {
        atomic_fetch_add(&stopper_dels, 1);
        real_epoll_ctl(epfd, op, fd, ev);   /* a pool worker was first */
    }
    return real_epoll_ctl(epfd, op, fd, ev);
}

static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s >= 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
    close(s);
    return ntohs(a.sin_port);
}

static int connect_to(int port)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s >= 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (connect(s, (struct sockaddr *)&a, sizeof a)) {
        close(s);
        return -1;
    }
    return s;
}

/* The status line of a GET of a path no route serves. */
static void get_unknown(int port, char *status, size_t cap)
{
    int s = connect_to(port);
    assert_true(s >= 0);
    const char *q = "GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    assert_int_equal(write(s, q, strlen(q)), (ssize_t)strlen(q));
    char buf[512];
    size_t got = 0;
    ssize_t n;
    while (got < sizeof buf - 1 && (n = read(s, buf + got, sizeof buf - 1 - got)) > 0)
        got += (size_t)n;
    buf[got] = '\0';
    close(s);
    size_t l = strcspn(buf, "\r\n");
    snprintf(status, cap, "%.*s", (int)l, buf);
}

static void stop_with_busy_workers(void **state)
{
    (void)state;
    real_epoll_ctl = (epoll_ctl_fn)dlsym(RTLD_NEXT, "epoll_ctl");
    assert_non_null(real_epoll_ctl);
    hb_services svc;
    memset(&svc, 0, sizeof svc);
    int port = free_port();
    hb_http_opts o = { .bind_address = "127.0.0.1", .port = port, .max_body_bytes = 1 << 20, .threads = 4,
                       .max_connections = 64 };
    hb_http_server *srv = NULL;
    hb_err err;
    assert_int_equal(hb_http_start(&o, &svc, &srv, &err), HB_OK);
    char status[128];
    get_unknown(port, status, sizeof status);
    assert_string_equal(status, "HTTP/1.1 404 Not Found");
    assert_true(atomic_load(&calls) > 0);   /* libmicrohttpd calls the epoll_ctl above */

    stopper = pthread_self();
    atomic_store(&armed, 1);
    hb_http_stop(srv, 1000);
    atomic_store(&armed, 0);
    assert_int_equal(atomic_load(&stopper_dels), 0);
    assert_int_equal(connect_to(port), -1);   /* the listening socket is gone */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stop_with_busy_workers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
