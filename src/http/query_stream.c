/* Chunked /query answers streamed while the query runs. See
 * query_stream.h. Threads: the producer (this file's thread: the query
 * and the encoder) and the connection's thread (hb_qstream_read); the
 * queue, the flags and the wake-ups are under mu. */
#include "http/query_stream.h"

#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/services.h"
#include "app/users.h"

struct hb_qstream {
    hb_services *svc;
    /* the request, copied */
    char *q, *db, *rp, *params;
    size_t q_len;
    int read_only;
    int authorize;
    struct hb_principal *user;  /* a copy: the request may end first */
    hb_qenc_opts o;
    size_t chunk_size;
    int fd;                     /* the client's socket (hang-up checks), -1 unknown */
    /* producer side */
    pthread_t thread;
    int have_thread;
    hb_query_result res;
    hb_buf out;                 /* the encoder's output, shipped into queue */
    hb_qenc e;
    hb_qemit m;
    atomic_int cancel;
    const atomic_int *kill;     /* KILL QUERY of the running request (producer thread only) */
    /* shared, under mu */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int started;                /* a statement began: the answer streams */
    int finished;               /* the producer is done */
    int failed;                 /* the encoder failed: the body ends with an error */
    hb_buf queue;
    size_t qoff;                /* bytes of queue already read */
};

/* CLOCK_REALTIME ms milliseconds from now, for pthread_cond_timedwait
 * (ms < 1000). */
static struct timespec deadline_in_ms(long ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += ms * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

/* Moves what the encoder wrote into the queue, waiting while the queue is
 * full. HB_ECLOSED once the client went away. */
static int ship(hb_qstream *st)
{
    if (st->e.rc)
        return st->e.rc;
    if (!st->out.len)
        return HB_OK;
    int rc = HB_OK;
    pthread_mutex_lock(&st->mu);
    /* A killed query stops waiting (KILL QUERY cannot signal cv: it looks
     * every 100 ms) and queues the rest of the chunk being shipped: no rows
     * follow (on_rows refuses them), the statement's error still goes out. */
    while (st->queue.len - st->qoff > HB_QSTREAM_QUEUE && !atomic_load(&st->cancel) &&
           !(st->kill && atomic_load(st->kill))) {
        if (!st->kill) {
            pthread_cond_wait(&st->cv, &st->mu);
            continue;
        }
        struct timespec ts = deadline_in_ms(100);
        pthread_cond_timedwait(&st->cv, &st->mu, &ts);
    }
    if (atomic_load(&st->cancel)) {
        rc = HB_ECLOSED;
    } else {
        if (st->qoff) {   /* drop what was read */
            memmove(st->queue.data, st->queue.data + st->qoff, st->queue.len - st->qoff);
            st->queue.len -= st->qoff;
            st->qoff = 0;
        }
        rc = hb_buf_append(&st->queue, st->out.data, st->out.len);
        pthread_cond_broadcast(&st->cv);
    }
    pthread_mutex_unlock(&st->mu);
    hb_buf_reset(&st->out);
    return rc;
}

/* ---- the query service's sink ---- */
static void on_begin(void *ctx)
{
    hb_qstream *st = ctx;
    pthread_mutex_lock(&st->mu);
    st->started = 1;
    pthread_cond_broadcast(&st->cv);
    pthread_mutex_unlock(&st->mu);
}

static int on_stmt_begin(void *ctx, const hb_stmt_result *sr) { return hb_qemit_stmt_begin(&((hb_qstream *)ctx)->m, sr); }

/* KILL QUERY named the request: rows stop here (the engine then ends the
 * statement with "query interrupted", which still goes out). */
static int killed(const hb_qstream *st) { return st->kill && atomic_load(st->kill); }

static int on_series(void *ctx, const hb_series_out *s)
{
    hb_qstream *st = ctx;
    if (killed(st))
        return HB_ECLOSED;
    int rc = hb_qemit_series(&st->m, s);
    return rc ? rc : ship(st);
}

static int on_rows(void *ctx, const hb_value *rows, size_t n)
{
    hb_qstream *st = ctx;
    if (killed(st))
        return HB_ECLOSED;
    int rc = hb_qemit_rows(&st->m, rows, n);
    return rc ? rc : ship(st);
}

static int on_stmt_end(void *ctx, const hb_stmt_result *sr)
{
    hb_qstream *st = ctx;
    int rc = hb_qemit_stmt_end(&st->m, sr);
    return rc ? rc : ship(st);
}

static void on_killable(void *ctx, const atomic_int *kill) { ((hb_qstream *)ctx)->kill = kill; }

static void *producer(void *arg)
{
    hb_qstream *st = arg;
    hb_query_req qr = { .q = st->q, .q_len = st->q_len, .db = st->db, .rp = st->rp, .params_json = st->params,
                        .read_only = st->read_only, .authorize = st->authorize, .user = st->user };
    hb_query_sink sink = { .ctx = st, .begin = on_begin, .stmt_begin = on_stmt_begin,
                           .rows = { .ctx = st, .series = on_series, .rows = on_rows },
                           .stmt_end = on_stmt_end, .cancel = &st->cancel, .killable = on_killable };
    hb_query_execute_sink(st->svc->query, &qr, &st->res, &sink);
    st->kill = NULL;   /* gone with the request */
    hb_qenc_finish(&st->e);   /* chunked: every document is already whole */
    ship(st);
    pthread_mutex_lock(&st->mu);
    st->finished = 1;
    st->failed = st->e.rc != HB_OK;
    pthread_cond_broadcast(&st->cv);
    pthread_mutex_unlock(&st->mu);
    return NULL;
}

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

int hb_qstream_start(hb_services *svc, const hb_query_req *req, const hb_qenc_opts *o, size_t chunk_size,
                     struct MHD_Connection *conn, hb_qstream **out, hb_err *err)
{
    hb_qstream *st = calloc(1, sizeof *st);
    if (!st)
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    st->svc = svc;
    st->o = *o;
    st->chunk_size = chunk_size;
    st->read_only = req->read_only;
    st->authorize = req->authorize;
    st->user = req->user ? hb_principal_dup(req->user) : NULL;
    st->q_len = req->q_len;
    st->q = malloc(req->q_len + 1);
    st->db = dup_or_null(req->db);
    st->rp = dup_or_null(req->rp);
    st->params = dup_or_null(req->params_json);
    st->fd = -1;
    const union MHD_ConnectionInfo *ci = conn ? MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD) : NULL;
    if (ci)
        st->fd = ci->connect_fd;
    atomic_init(&st->cancel, 0);
    pthread_mutex_init(&st->mu, NULL);
    pthread_cond_init(&st->cv, NULL);
    hb_query_result_init(&st->res);
    hb_buf_init(&st->out, 0);
    hb_buf_init(&st->queue, 0);
    hb_qenc_init(&st->e, &st->o, &st->out);
    hb_qemit_init(&st->m, &st->e, chunk_size);
    if (!st->q || (req->db && !st->db) || (req->rp && !st->rp) || (req->params_json && !st->params) ||
        (req->user && !st->user)) {
        hb_qstream_free(st);
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    }
    memcpy(st->q, req->q, req->q_len);
    st->q[req->q_len] = '\0';
    if (pthread_create(&st->thread, NULL, producer, st)) {
        hb_qstream_free(st);
        return hb_err_set(err, HB_EIO, "cannot start the query thread");
    }
    st->have_thread = 1;
    pthread_mutex_lock(&st->mu);
    while (!st->started && !st->finished)
        pthread_cond_wait(&st->cv, &st->mu);
    pthread_mutex_unlock(&st->mu);
    *out = st;
    return HB_OK;
}

const hb_query_result *hb_qstream_outcome(const hb_qstream *st)
{
    hb_qstream *s = (hb_qstream *)st;
    pthread_mutex_lock(&s->mu);
    int streams = s->started;
    pthread_mutex_unlock(&s->mu);
    if (streams)
        return NULL;
    /* finished without a statement: the producer is done with res */
    if (s->have_thread) {
        pthread_join(s->thread, NULL);
        s->have_thread = 0;
    }
    return &s->res;
}

/* 1 when the client closed its side of the connection. */
static int hung_up(int fd)
{
    if (fd < 0)
        return 0;
    struct pollfd p = { .fd = fd, .events = POLLRDHUP };
    return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

static ssize_t hb_qstream_read(void *ctx, uint64_t pos, char *buf, size_t max)
{
    hb_qstream *st = ctx;
    (void)pos;
    ssize_t n;
    pthread_mutex_lock(&st->mu);
    for (;;) {
        size_t avail = st->queue.len - st->qoff;
        if (avail) {
            n = (ssize_t)(avail < max ? avail : max);
            memcpy(buf, st->queue.data + st->qoff, (size_t)n);
            st->qoff += (size_t)n;
            if (st->qoff == st->queue.len) {
                hb_buf_reset(&st->queue);
                st->qoff = 0;
            }
            pthread_cond_broadcast(&st->cv);   /* room for the producer */
            break;
        }
        if (st->finished) {
            n = st->failed ? MHD_CONTENT_READER_END_WITH_ERROR : MHD_CONTENT_READER_END_OF_STREAM;
            break;
        }
        /* nothing yet: wait, looking at the client now and then (the
         * connection's thread is here, so nobody else notices it leave) */
        struct timespec ts = deadline_in_ms(200);
        if (pthread_cond_timedwait(&st->cv, &st->mu, &ts) && hung_up(st->fd)) {
            atomic_store(&st->cancel, 1);
            pthread_cond_broadcast(&st->cv);
            n = MHD_CONTENT_READER_END_WITH_ERROR;
            break;
        }
    }
    pthread_mutex_unlock(&st->mu);
    return n;
}

static void hb_qstream_done(void *ctx) { hb_qstream_free(ctx); }

void hb_qstream_attach(hb_qstream *st, hb_http_resp *resp)
{
    resp->read = hb_qstream_read;
    resp->done = hb_qstream_done;
    resp->ctx = st;
}

void hb_qstream_free(hb_qstream *st)
{
    if (!st)
        return;
    if (st->have_thread) {
        pthread_mutex_lock(&st->mu);
        atomic_store(&st->cancel, 1);
        pthread_cond_broadcast(&st->cv);
        pthread_mutex_unlock(&st->mu);
        pthread_join(st->thread, NULL);
    }
    hb_qemit_free(&st->m);
    hb_qenc_free(&st->e);
    hb_buf_free(&st->out);
    hb_buf_free(&st->queue);
    hb_query_result_free(&st->res);
    pthread_mutex_destroy(&st->mu);
    pthread_cond_destroy(&st->cv);
    free(st->q);
    free(st->db);
    free(st->rp);
    free(st->params);
    hb_principal_free(st->user);
    free(st);
}
