/* WalPort adapter over segment files. Contract: adapters/wal_file.h; bytes
 * on disk: format/wal_segment.c.
 *
 * Locks, always taken in this order when nested: io_mu, then mu; sync_mu
 * is never held while taking another lock.
 *   mu       append state: active fd, next seq, segment list, list of
 *            retired (rotated, not yet synced) fds. Appends hold it only
 *            for the writev() of one record (CRC work is done before).
 *   io_mu    serialises everything that syncs or closes segment fds:
 *            group-commit leader, interval thread, rotation follow-up,
 *            release, close. An fd is only closed under io_mu, so a
 *            syncer can use the active fd outside mu.
 *   sync_mu  synced_seq, the group-commit leader flag, the failure text,
 *            and the interval thread's stop flag. */
#include "adapters/wal_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "format/wal_segment.h"

#define NAME_LEN 24   /* "%020" PRIu64 ".wal" */
#define DIR_CAP 4000    /* longest WAL directory path + 1 */
#define PATH_CAP 4096   /* DIR_CAP + "/" + NAME_LEN + NUL fits */

typedef struct seg {
    uint64_t first_seq;
    uint64_t next_seq;   /* first_seq + records */
    uint64_t bytes;      /* file length: header + complete records */
} seg;

typedef struct retired {
    int fd;
    uint64_t last_seq;
} retired;

typedef struct hb_wal_file {
    char dir[DIR_CAP];
    int dir_fd;
    int lock_fd;
    hb_fsync_mode mode;
    int interval_ms;
    uint64_t seg_limit;
    uint64_t max_rec;
    int (*sync_fn)(void *ctx, int fd, int data_only);
    void *sync_ctx;

    pthread_mutex_t mu;
    int fd;                 /* active segment, O_APPEND */
    uint64_t next_seq;
    seg *segs;              /* ascending; segs[nsegs-1] is the active one */
    size_t nsegs, segs_cap;
    retired *ret;
    size_t nret, ret_cap;
    int dir_dirty;          /* a segment was created since the last directory fsync */
    uint64_t total_bytes;
    uint64_t released_upto;

    pthread_mutex_t io_mu;

    pthread_mutex_t sync_mu;
    pthread_cond_t sync_cv;
    pthread_cond_t tick_cv;
    uint64_t synced_seq;
    int syncing;
    int stop;
    char fail_msg[400];
    int have_thread;
    pthread_t thread;

    atomic_int failed;
    _Atomic uint64_t pub_last_seq;
    _Atomic uint64_t pub_disk_bytes;
    _Atomic uint64_t st_appends, st_fsyncs, st_group_syncs, st_dir_fsyncs, st_rotations, st_segments, st_truncated;
    hb_histogram *fsync_hist;   /* optional metrics */
    hb_counter *bytes_written;
} hb_wal_file;

/* ---- small helpers ----------------------------------------------------- */

static int seg_path(const hb_wal_file *w, uint64_t first_seq, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s/%020" PRIu64 ".wal", w->dir, first_seq);
    return n > 0 && (size_t)n < cap ? HB_OK : HB_EINVAL;
}

static int parse_seg_name(const char *name, uint64_t *first_seq)
{
    if (strlen(name) != NAME_LEN || strcmp(name + 20, ".wal") != 0)
        return 0;
    uint64_t v = 0;
    for (int i = 0; i < 20; i++) {
        if (name[i] < '0' || name[i] > '9')
            return 0;
        unsigned d = (unsigned)(name[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return 0;
        v = v * 10 + d;
    }
    *first_seq = v;
    return 1;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int mkdir_p(const char *dir, hb_err *err)
{
    char p[PATH_CAP];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof p)
        return hb_err_set(err, HB_EINVAL, "WAL directory path is empty or too long");
    memcpy(p, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char c = p[i];
        p[i] = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST)
            return hb_err_set(err, HB_EIO, "cannot create WAL directory %s: %s", p, strerror(errno));
        p[i] = c;
    }
    return HB_OK;
}

static int fsync_fd(hb_wal_file *w, int fd, int data_only)
{
    int64_t t0 = w->fsync_hist ? hb_mono_ns() : 0;
    int r;
    if (w->sync_fn) {
        r = w->sync_fn(w->sync_ctx, fd, data_only);
    } else {
        do
            r = data_only ? fdatasync(fd) : fsync(fd);
        while (r != 0 && errno == EINTR);
    }
    if (w->fsync_hist)
        hb_hist_observe_ns(w->fsync_hist, (uint64_t)(hb_mono_ns() - t0));
    return r;
}

/* Record the first failure; every later operation reports it. */
static void set_failed(hb_wal_file *w, const char *msg)
{
    pthread_mutex_lock(&w->sync_mu);
    if (!atomic_load(&w->failed)) {
        snprintf(w->fail_msg, sizeof w->fail_msg, "%s", msg);
        atomic_store(&w->failed, 1);
    }
    pthread_cond_broadcast(&w->sync_cv);
    pthread_mutex_unlock(&w->sync_mu);
    hb_log_error("wal: %s; the WAL refuses further writes until restart", msg);
}

static int failed_err(hb_wal_file *w, hb_err *err)
{
    pthread_mutex_lock(&w->sync_mu);
    int rc = hb_err_set(err, HB_EIO, "WAL in %s is unusable after an earlier error (%s); restart to recover",
                        w->dir, w->fail_msg);
    pthread_mutex_unlock(&w->sync_mu);
    return rc;
}

static void advance_synced(hb_wal_file *w, uint64_t seq)
{
    pthread_mutex_lock(&w->sync_mu);
    if (seq > w->synced_seq) {
        w->synced_seq = seq;
        pthread_cond_broadcast(&w->sync_cv);
    }
    pthread_mutex_unlock(&w->sync_mu);
}

static uint64_t get_synced(hb_wal_file *w)
{
    pthread_mutex_lock(&w->sync_mu);
    uint64_t s = w->synced_seq;
    pthread_mutex_unlock(&w->sync_mu);
    return s;
}

/* Make room for `need` elements in the array whose pointer is at arrp. */
static int grow(void *arrp, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return HB_OK;
    size_t nc = *cap ? *cap * 2 : 8;
    while (nc < need)
        nc *= 2;
    void *old;
    memcpy(&old, arrp, sizeof old);
    void *p = realloc(old, nc * elem);
    if (!p)
        return HB_ENOMEM;
    memcpy(arrp, &p, sizeof p);
    *cap = nc;
    return HB_OK;
}

/* Create segment first_seq with its header; *fd_out is O_WRONLY|O_APPEND. */
static int create_segment(hb_wal_file *w, uint64_t first_seq, int *fd_out, hb_err *err)
{
    char path[PATH_CAP];
    if (seg_path(w, first_seq, path, sizeof path))
        return hb_err_set(err, HB_EINVAL, "WAL directory path %s is too long", w->dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return hb_err_set(err, HB_EIO, "cannot create WAL segment %s: %s", path, strerror(errno));
    uint8_t h[HB_WAL_SEG_HDR_SIZE];
    hb_wal_seg_header_encode(h, first_seq, 0);
    ssize_t k;
    do
        k = write(fd, h, sizeof h);
    while (k < 0 && errno == EINTR);
    if (k != (ssize_t)sizeof h) {
        int e = k < 0 ? errno : ENOSPC;
        close(fd);
        unlink(path);
        return hb_err_set(err, HB_EIO, "cannot write the header of WAL segment %s: %s", path, strerror(e));
    }
    *fd_out = fd;
    return HB_OK;
}

/* ---- syncing ----------------------------------------------------------- */

/* Caller holds io_mu. Syncs and closes retired segments, makes a newly
 * created segment and its directory entry durable, and with `data` also
 * fdatasyncs the active segment up to everything written so far. */
static int do_sync(hb_wal_file *w, int data, int group, hb_err *err)
{
    hb_err e;
    int rc = HB_OK;
    if (atomic_load(&w->failed))
        return failed_err(w, err);
    pthread_mutex_lock(&w->mu);
    retired *rl = w->ret;
    size_t nr = w->nret;
    w->ret = NULL;
    w->nret = w->ret_cap = 0;
    int dir = w->dir_dirty;
    w->dir_dirty = 0;
    int fd = w->fd;
    uint64_t target = w->next_seq - 1;
    uint64_t active_first = w->segs[w->nsegs - 1].first_seq;
    pthread_mutex_unlock(&w->mu);

    for (size_t i = 0; i < nr; i++) {
        if (rc == HB_OK) {
            atomic_fetch_add(&w->st_fsyncs, 1);
            if (fsync_fd(w, rl[i].fd, 1) != 0) {
                rc = hb_err_set(&e, HB_EIO, "fdatasync of a rotated WAL segment in %s failed: %s", w->dir,
                                strerror(errno));
            } else {
                advance_synced(w, rl[i].last_seq);
            }
        }
        close(rl[i].fd);
    }
    free(rl);
    int active_synced = 0;
    if (rc == HB_OK && dir) {
        atomic_fetch_add(&w->st_fsyncs, 1);
        atomic_fetch_add(&w->st_dir_fsyncs, 1);
        if (fsync_fd(w, fd, 1) != 0 || fsync_fd(w, w->dir_fd, 0) != 0) {
            rc = hb_err_set(&e, HB_EIO, "fsync of new WAL segment %020" PRIu64 ".wal or of directory %s failed: %s",
                            active_first, w->dir, strerror(errno));
        }
        active_synced = 1;
    }
    if (rc == HB_OK && data && target > get_synced(w)) {
        if (!active_synced) {
            atomic_fetch_add(&w->st_fsyncs, 1);
            if (group)
                atomic_fetch_add(&w->st_group_syncs, 1);
            if (fsync_fd(w, fd, 1) != 0) {
                rc = hb_err_set(&e, HB_EIO, "fdatasync of WAL segment %s/%020" PRIu64 ".wal failed: %s", w->dir,
                                active_first, strerror(errno));
            }
        }
        if (rc == HB_OK)
            advance_synced(w, target);
    }
    if (rc) {
        set_failed(w, e.msg);
        return hb_err_set(err, rc, "%s", e.msg);
    }
    return HB_OK;
}

static void *interval_main(void *arg)
{
    hb_wal_file *w = arg;
    pthread_mutex_lock(&w->sync_mu);
    while (!w->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += w->interval_ms / 1000;
        ts.tv_nsec += (long)(w->interval_ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        while (!w->stop && pthread_cond_timedwait(&w->tick_cv, &w->sync_mu, &ts) != ETIMEDOUT)
            ;
        if (w->stop)
            break;
        pthread_mutex_unlock(&w->sync_mu);
        if (!atomic_load(&w->failed)) {
            hb_err e;
            pthread_mutex_lock(&w->io_mu);
            do_sync(w, 1, 0, &e);   /* a failure is logged and latched by set_failed */
            pthread_mutex_unlock(&w->io_mu);
        }
        pthread_mutex_lock(&w->sync_mu);
    }
    pthread_mutex_unlock(&w->sync_mu);
    return NULL;
}

/* ---- append / rotate --------------------------------------------------- */

/* Caller holds mu. Retire the active segment (it is synced and closed by
 * the next do_sync) and start a new one at next_seq. No-op when the active
 * segment holds no records. */
static int rotate_locked(hb_wal_file *w, hb_err *err)
{
    seg *a = &w->segs[w->nsegs - 1];
    if (a->next_seq == a->first_seq)
        return HB_OK;
    if (grow(&w->segs, &w->segs_cap, w->nsegs + 1, sizeof(seg)) ||
        grow(&w->ret, &w->ret_cap, w->nret + 1, sizeof(retired)))
        return hb_err_set(err, HB_ENOMEM, "no memory to rotate the WAL segment");
    int nfd;
    int rc = create_segment(w, w->next_seq, &nfd, err);
    if (rc)
        return rc;
    w->ret[w->nret++] = (retired){ w->fd, w->next_seq - 1 };
    w->segs[w->nsegs++] = (seg){ w->next_seq, w->next_seq, HB_WAL_SEG_HDR_SIZE };
    w->fd = nfd;
    w->dir_dirty = 1;
    w->total_bytes += HB_WAL_SEG_HDR_SIZE;
    atomic_store(&w->pub_disk_bytes, w->total_bytes);
    atomic_fetch_add(&w->st_rotations, 1);
    atomic_store(&w->st_segments, w->nsegs);
    return HB_OK;
}

static int writev_all(int fd, struct iovec *iov, int n)
{
    while (n > 0) {
        ssize_t k = writev(fd, iov, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        size_t left = (size_t)k;
        while (n > 0 && left >= iov->iov_len) {
            left -= iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + left;
            iov->iov_len -= left;
        }
    }
    return 0;
}

static int wf_append(void *self, const void *data, size_t len, uint64_t *seq_out, hb_err *err)
{
    hb_wal_file *w = self;
    if (len > w->max_rec)
        return hb_err_set(err, HB_ELIMIT, "WAL record of %zu bytes exceeds the maximum record size of %" PRIu64
                          " bytes", len, w->max_rec);
    if (atomic_load(&w->failed))
        return failed_err(w, err);
    hb_wal_rec_pre pre;
    hb_wal_rec_prepare(&pre, data, len);
    uint8_t hdr[HB_WAL_REC_HDR_SIZE];
    uint64_t rec_bytes = HB_WAL_REC_HDR_SIZE + (uint64_t)len;
    int rotated = 0, rc = HB_OK;

    pthread_mutex_lock(&w->mu);
    if (atomic_load(&w->failed)) {
        pthread_mutex_unlock(&w->mu);
        return failed_err(w, err);
    }
    seg *a = &w->segs[w->nsegs - 1];
    if (a->next_seq > a->first_seq && a->bytes + rec_bytes > w->seg_limit) {
        rc = rotate_locked(w, err);
        if (rc) {
            pthread_mutex_unlock(&w->mu);
            return rc;
        }
        rotated = 1;
        a = &w->segs[w->nsegs - 1];
    }
    uint64_t seq = w->next_seq;
    hb_wal_rec_header(hdr, seq, &pre);
    struct iovec iov[2] = { { hdr, sizeof hdr }, { (void *)data, len } };
    if (writev_all(w->fd, iov, len ? 2 : 1) != 0) {
        hb_err e;
        hb_err_set(&e, HB_EIO, "write to WAL segment %s/%020" PRIu64 ".wal failed: %s", w->dir, a->first_seq,
                   strerror(errno));
        /* take back a partial record so the segment stays well-formed */
        if (ftruncate(w->fd, (off_t)a->bytes) != 0) {
            pthread_mutex_unlock(&w->mu);
            set_failed(w, e.msg);
        } else {
            pthread_mutex_unlock(&w->mu);
        }
        return hb_err_set(err, HB_EIO, "%s", e.msg);
    }
    a->bytes += rec_bytes;
    a->next_seq++;
    w->next_seq++;
    w->total_bytes += rec_bytes;
    atomic_store(&w->pub_last_seq, seq);
    atomic_store(&w->pub_disk_bytes, w->total_bytes);
    pthread_mutex_unlock(&w->mu);
    atomic_fetch_add(&w->st_appends, 1);
    if (w->bytes_written)
        hb_counter_add(w->bytes_written, rec_bytes);

    if (rotated) {
        /* the segment just closed is fdatasynced here, outside mu: other
         * appenders continue into the new segment meanwhile */
        pthread_mutex_lock(&w->io_mu);
        rc = do_sync(w, 0, 0, err);
        pthread_mutex_unlock(&w->io_mu);
        if (rc)
            return rc;
    }
    *seq_out = seq;
    return HB_OK;
}

static int wf_wait_durable(void *self, uint64_t seq, hb_err *err)
{
    hb_wal_file *w = self;
    if (seq > atomic_load(&w->pub_last_seq))
        return hb_err_set(err, HB_EINVAL, "wait_durable(%" PRIu64 "): sequence number not handed out yet", seq);
    if (w->mode != HB_FSYNC_ALWAYS || seq == 0)
        return atomic_load(&w->failed) ? failed_err(w, err) : HB_OK;
    int rc = HB_OK;
    pthread_mutex_lock(&w->sync_mu);
    for (;;) {
        if (atomic_load(&w->failed)) {
            pthread_mutex_unlock(&w->sync_mu);
            return failed_err(w, err);
        }
        if (w->synced_seq >= seq)
            break;
        if (w->syncing) {
            pthread_cond_wait(&w->sync_cv, &w->sync_mu);
            continue;
        }
        /* become the leader: one fdatasync covers every record written so far */
        w->syncing = 1;
        pthread_mutex_unlock(&w->sync_mu);
        pthread_mutex_lock(&w->io_mu);
        rc = do_sync(w, 1, 1, err);
        pthread_mutex_unlock(&w->io_mu);
        pthread_mutex_lock(&w->sync_mu);
        w->syncing = 0;
        pthread_cond_broadcast(&w->sync_cv);
        if (rc)
            break;
    }
    pthread_mutex_unlock(&w->sync_mu);
    return rc;
}

static int wf_sync(void *self, hb_err *err)
{
    hb_wal_file *w = self;
    pthread_mutex_lock(&w->io_mu);
    int rc = do_sync(w, 1, 0, err);
    pthread_mutex_unlock(&w->io_mu);
    return rc;
}

static int wf_rotate(void *self, hb_err *err)
{
    hb_wal_file *w = self;
    if (atomic_load(&w->failed))
        return failed_err(w, err);
    pthread_mutex_lock(&w->io_mu);
    pthread_mutex_lock(&w->mu);
    int rc = rotate_locked(w, err);
    pthread_mutex_unlock(&w->mu);
    if (rc == HB_OK)
        rc = do_sync(w, 0, 0, err);
    pthread_mutex_unlock(&w->io_mu);
    return rc;
}

/* ---- release ----------------------------------------------------------- */

static int wf_release(void *self, uint64_t upto, hb_err *err)
{
    hb_wal_file *w = self;
    char path[PATH_CAP];
    int rc = HB_OK;
    pthread_mutex_lock(&w->io_mu);
    /* a pending rotation's new segment must be durable before older ones go */
    rc = do_sync(w, 0, 0, err);
    if (rc)
        goto out;
    pthread_mutex_lock(&w->mu);
    if (upto > w->released_upto)
        w->released_upto = upto;
    /* Never the active segment, nor one rotated out since the do_sync above:
     * until the next sync, the newest durable segment may be such a one,
     * and it carries the sequence number across a crash. */
    size_t k = 0;
    while (k + 1 + w->nret < w->nsegs && w->segs[k].next_seq - 1 <= upto)
        k++;
    pthread_mutex_unlock(&w->mu);
    /* Only release (serialised by io_mu) removes entries, and only from the
     * front, so segs[0..k) stay put; the array itself may move (rotation). */
    size_t done = 0;
    for (; done < k; done++) {
        pthread_mutex_lock(&w->mu);
        uint64_t fs = w->segs[done].first_seq;
        pthread_mutex_unlock(&w->mu);
        seg_path(w, fs, path, sizeof path);
        if (unlink(path) != 0 && errno != ENOENT) {
            rc = hb_err_set(err, HB_EIO, "cannot delete released WAL segment %s: %s", path, strerror(errno));
            break;
        }
    }
    if (done) {
        pthread_mutex_lock(&w->mu);
        uint64_t freed = 0;
        for (size_t i = 0; i < done; i++)
            freed += w->segs[i].bytes;
        memmove(w->segs, w->segs + done, (w->nsegs - done) * sizeof(seg));
        w->nsegs -= done;
        w->total_bytes -= freed;
        atomic_store(&w->pub_disk_bytes, w->total_bytes);
        atomic_store(&w->st_segments, w->nsegs);
        pthread_mutex_unlock(&w->mu);
        atomic_fetch_add(&w->st_dir_fsyncs, 1);
        if (fsync_fd(w, w->dir_fd, 0) != 0 && rc == HB_OK)
            rc = hb_err_set(err, HB_EIO, "fsync of WAL directory %s failed: %s", w->dir, strerror(errno));
    }
out:
    pthread_mutex_unlock(&w->io_mu);
    return rc;
}

/* ---- replay ------------------------------------------------------------ */

static int wf_replay(void *self, uint64_t from_seq, hb_wal_replay_fn fn, void *ctx, hb_err *err)
{
    hb_wal_file *w = self;
    char path[PATH_CAP];
    uint64_t cur = from_seq ? from_seq : 1;
    pthread_mutex_lock(&w->mu);
    uint64_t upto = w->next_seq - 1;
    pthread_mutex_unlock(&w->mu);

    while (cur <= upto) {
        pthread_mutex_lock(&w->mu);
        size_t i = 0;
        while (i < w->nsegs && w->segs[i].next_seq <= cur)
            i++;
        if (i == w->nsegs || w->segs[i].first_seq > upto) {
            pthread_mutex_unlock(&w->mu);
            break;
        }
        seg s = w->segs[i];
        int released = s.next_seq - 1 <= w->released_upto;
        seg_path(w, s.first_seq, path, sizeof path);
        /* opened under mu: release cannot unlink it between lookup and open */
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        int open_errno = errno;
        pthread_mutex_unlock(&w->mu);
        if (fd < 0) {
            if (open_errno == ENOENT && released) {
                cur = s.next_seq;
                continue;
            }
            return hb_err_set(err, HB_EIO, "cannot open WAL segment %s: %s", path, strerror(open_errno));
        }
        if (s.first_seq > cur)
            cur = s.first_seq;
        hb_wal_seg_reader r;
        int rc = hb_wal_seg_reader_open_fd(&r, fd, s.bytes, path, err);
        int stopped = 0;
        while (rc == HB_OK) {
            uint64_t seq;
            const void *data;
            size_t len;
            int n = hb_wal_seg_reader_next(&r, &seq, &data, &len, err);
            if (n < 0)
                rc = n;
            if (n <= 0)
                break;
            if (seq < cur)
                continue;
            if (seq > upto) {
                stopped = 1;
                break;
            }
            rc = fn(ctx, seq, data, len, err);
            if (rc)
                break;
        }
        if (rc == HB_OK && !stopped) {
            const hb_wal_scan_result *res = hb_wal_seg_reader_result(&r);
            if (res->status != HB_WAL_SCAN_CLEAN || res->next_seq != s.next_seq)
                rc = hb_err_set(err, HB_ECORRUPT, "WAL segment %s changed on disk while open: %s at offset %" PRIu64
                                " (%s)", path, hb_wal_scan_status_name(res->status), res->bad_off, res->reason);
        }
        hb_wal_seg_reader_close(&r);
        close(fd);
        if (rc)
            return rc;
        if (stopped)
            break;
        cur = s.next_seq;
    }
    return HB_OK;
}

/* ---- accessors, close -------------------------------------------------- */

static uint64_t wf_last_seq(void *self) { return atomic_load(&((hb_wal_file *)self)->pub_last_seq); }
static uint64_t wf_disk_bytes(void *self) { return atomic_load(&((hb_wal_file *)self)->pub_disk_bytes); }

static void wal_free(hb_wal_file *w)
{
    if (w->have_thread) {
        pthread_mutex_lock(&w->sync_mu);
        w->stop = 1;
        pthread_cond_broadcast(&w->tick_cv);
        pthread_mutex_unlock(&w->sync_mu);
        pthread_join(w->thread, NULL);
    }
    for (size_t i = 0; i < w->nret; i++)
        close(w->ret[i].fd);
    if (w->fd >= 0)
        close(w->fd);
    if (w->dir_fd >= 0)
        close(w->dir_fd);
    if (w->lock_fd >= 0)
        close(w->lock_fd);   /* drops the flock */
    free(w->segs);
    free(w->ret);
    pthread_mutex_destroy(&w->mu);
    pthread_mutex_destroy(&w->io_mu);
    pthread_mutex_destroy(&w->sync_mu);
    pthread_cond_destroy(&w->sync_cv);
    pthread_cond_destroy(&w->tick_cv);
    free(w);
}

static void wf_close(void *self)
{
    hb_wal_file *w = self;
    if (w->have_thread) {
        pthread_mutex_lock(&w->sync_mu);
        w->stop = 1;
        pthread_cond_broadcast(&w->tick_cv);
        pthread_mutex_unlock(&w->sync_mu);
        pthread_join(w->thread, NULL);
        w->have_thread = 0;
    }
    if (!atomic_load(&w->failed)) {
        hb_err e;
        pthread_mutex_lock(&w->io_mu);
        if (do_sync(w, 1, 0, &e) != HB_OK)
            hb_log_error("wal: final sync on close failed: %s", e.msg);
        pthread_mutex_unlock(&w->io_mu);
    }
    wal_free(w);
}

void hb_wal_file_get_stats(const hb_wal_port *port, hb_wal_file_stats *out)
{
    hb_wal_file *w = port->self;
    out->appends = atomic_load(&w->st_appends);
    out->fsyncs = atomic_load(&w->st_fsyncs);
    out->group_syncs = atomic_load(&w->st_group_syncs);
    out->dir_fsyncs = atomic_load(&w->st_dir_fsyncs);
    out->rotations = atomic_load(&w->st_rotations);
    out->segments = atomic_load(&w->st_segments);
    out->truncated_bytes = atomic_load(&w->st_truncated);
}

/* ---- open: scan and recover --------------------------------------------
 *
 * Two passes. First every segment is scanned (checksums, sequence inside
 * the segment) and fdatasynced (records written before a kill -9 may still
 * be only in the page cache). Then, with L the newest segment holding at
 * least one valid record:
 *   - a corrupt record in any segment refuses to open;
 *   - segments before L must be clean: a torn record or a blank header
 *     there refuses to open;
 *   - consecutive segments up to L must continue each other's sequence,
 *     except in front of a segment whose header has SEQ_GAP;
 *   - L may end in a torn tail (an interrupted append): it is cut at the
 *     last good record, and logged;
 *   - segments after L hold no valid record: a crash hit a rotation. The
 *     newest is kept as the active segment (reset to a bare header if it
 *     was blank or held only a torn record), the others are deleted (they
 *     hold nothing). If L lost its unsynced tail in that crash (power
 *     loss after the new segment's name reached the disk), the kept one
 *     starts after L's end: its header gets SEQ_GAP so the lost numbers
 *     are never reused, and the loss is logged.
 * Every refusal happens before anything on disk is changed, and its
 * message names the file and the byte offset. */

typedef struct found {
    uint64_t seq;               /* first seq from the file name */
    uint64_t size;
    int blank;                  /* header incomplete, or the whole file zero: no records */
    hb_wal_scan_result res;     /* when !blank */
} found;

/* 1 if all of fd[0..size) is zero bytes. */
static int file_all_zero(int fd, uint64_t size)
{
    uint8_t b[4096];
    for (uint64_t off = 0; off < size;) {
        size_t n = size - off > sizeof b ? sizeof b : (size_t)(size - off);
        ssize_t k = pread(fd, b, n, (off_t)off);
        if (k <= 0)
            return 0;
        for (ssize_t i = 0; i < k; i++)
            if (b[i])
                return 0;
        off += (uint64_t)k;
    }
    return 1;
}

static int scan_segment(hb_wal_file *w, found *f, hb_err *err)
{
    char path[PATH_CAP];
    int rc = HB_OK;
    seg_path(w, f->seq, path, sizeof path);
    memset(&f->res, 0, sizeof f->res);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return hb_err_set(err, HB_EIO, "cannot open WAL segment %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        rc = hb_err_set(err, HB_EIO, "cannot stat WAL segment %s: %s", path, strerror(errno));
        goto out;
    }
    f->size = (uint64_t)st.st_size;
    if (f->size < HB_WAL_SEG_HDR_SIZE) {
        f->blank = 1;
        goto out;
    }
    hb_err e;
    rc = hb_wal_seg_scan_fd(fd, f->size, path, NULL, NULL, &f->res, &e);
    if (rc == HB_ECORRUPT && file_all_zero(fd, f->size)) {
        f->blank = 1;
        rc = HB_OK;
        goto out;
    }
    if (rc) {
        rc = hb_err_set(err, rc, "%s; refusing to open the WAL", e.msg);
        goto out;
    }
    if (f->res.first_seq != f->seq) {
        rc = hb_err_set(err, HB_ECORRUPT, "WAL segment %s: header at offset 16 says first sequence number %" PRIu64
                        " but the file name says %" PRIu64 "; refusing to open the WAL", path, f->res.first_seq,
                        f->seq);
        goto out;
    }
    if (fsync_fd(w, fd, 1) != 0)
        rc = hb_err_set(err, HB_EIO, "fdatasync of WAL segment %s failed: %s", path, strerror(errno));
out:
    close(fd);
    return rc;
}

/* Refusals, checked before anything is changed. L: index of the newest
 * segment with records, or n when none has. */
static int check_segments(hb_wal_file *w, const found *v, size_t n, size_t L, hb_err *err)
{
    char path[PATH_CAP], prev_path[PATH_CAP];
    for (size_t i = 0; i < n; i++) {
        const found *f = &v[i];
        const hb_wal_scan_result *r = &f->res;
        seg_path(w, f->seq, path, sizeof path);
        if (!f->blank && r->status == HB_WAL_SCAN_CORRUPT) {
            if (r->next_valid_off == r->bad_off)
                return hb_err_set(err, HB_ECORRUPT, "WAL segment %s is corrupt at offset %" PRIu64 ": %s; refusing to "
                                  "open the WAL (records from seq %" PRIu64 " on would be lost)", path, r->bad_off,
                                  r->reason, r->next_seq);
            return hb_err_set(err, HB_ECORRUPT, "WAL segment %s is corrupt at offset %" PRIu64 ": %s, but valid "
                              "records follow at offset %" PRIu64 ", so this is not a torn tail; refusing to open the "
                              "WAL (records from seq %" PRIu64 " on would be lost)", path, r->bad_off, r->reason,
                              r->next_valid_off, r->next_seq);
        }
        if (L == n || i >= L)
            continue;
        if (f->blank)
            return hb_err_set(err, HB_ECORRUPT, "WAL segment %s has no valid header (offset 0, %" PRIu64 " bytes) but "
                              "newer segments follow; refusing to open the WAL", path, f->size);
        if (r->status == HB_WAL_SCAN_TORN)
            return hb_err_set(err, HB_ECORRUPT, "WAL segment %s has a torn record at offset %" PRIu64 " (%s) but is "
                              "not the newest segment; refusing to open the WAL (records from seq %" PRIu64 " on "
                              "would be lost)", path, r->bad_off, r->reason, r->next_seq);
        const found *nx = &v[i + 1];
        if (r->next_seq == nx->res.first_seq ||
            (r->next_seq < nx->res.first_seq && (nx->res.flags & HB_WAL_SEG_FLAG_SEQ_GAP)))
            continue;
        memcpy(prev_path, path, sizeof path);
        seg_path(w, nx->seq, path, sizeof path);
        return hb_err_set(err, HB_ECORRUPT, "WAL segment %s starts at seq %" PRIu64 " but the previous segment %s ends "
                          "before seq %" PRIu64 " (offset %" PRIu64 "): sequence %s; refusing to open the WAL", path,
                          nx->res.first_seq, prev_path, r->next_seq, r->end_off,
                          r->next_seq < nx->res.first_seq ? "gap (a segment is missing)" : "overlap");
    }
    if (L < n && L + 1 < n && v[n - 1].seq < v[L].res.next_seq) {
        seg_path(w, v[n - 1].seq, path, sizeof path);
        return hb_err_set(err, HB_ECORRUPT, "WAL segment %s starts at seq %" PRIu64 ", inside an older segment that "
                          "holds records up to seq %" PRIu64 "; refusing to open the WAL", path, v[n - 1].seq,
                          v[L].res.next_seq - 1);
    }
    return HB_OK;
}

/* Truncate segment seq to `len` bytes, rewriting a bare header when
 * hdr_flags >= 0; then fsync. */
static int cut_segment(hb_wal_file *w, uint64_t seq, uint64_t len, int64_t hdr_flags, hb_err *err)
{
    char path[PATH_CAP];
    seg_path(w, seq, path, sizeof path);
    int rc = HB_OK;
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return hb_err_set(err, HB_EIO, "cannot open WAL segment %s for repair: %s", path, strerror(errno));
    if (hdr_flags >= 0) {
        uint8_t h[HB_WAL_SEG_HDR_SIZE];
        hb_wal_seg_header_encode(h, seq, (uint32_t)hdr_flags);
        if (ftruncate(fd, 0) != 0 || pwrite(fd, h, sizeof h, 0) != (ssize_t)sizeof h)
            rc = HB_EIO;
    } else if (ftruncate(fd, (off_t)len) != 0) {
        rc = HB_EIO;
    }
    if (rc == HB_OK && fsync_fd(w, fd, 0) != 0)
        rc = HB_EIO;
    if (rc)
        hb_err_set(err, rc, "cannot repair WAL segment %s (cut at offset %" PRIu64 "): %s", path, len, strerror(errno));
    close(fd);
    return rc;
}

/* Pass two: repair what a crash leaves and build w->segs. */
static int recover(hb_wal_file *w, const found *v, size_t n, hb_err *err)
{
    char path[PATH_CAP];
    size_t L = n;
    for (size_t i = 0; i < n; i++)
        if (!v[i].blank && v[i].res.records > 0)
            L = i;
    int rc = check_segments(w, v, n, L, err);
    if (rc)
        return rc;
    if (L < n && v[L].res.status == HB_WAL_SCAN_TORN) {
        const found *f = &v[L];
        if ((rc = cut_segment(w, f->seq, f->res.end_off, -1, err)) != 0)
            return rc;
        seg_path(w, f->seq, path, sizeof path);
        hb_log_warn("wal: torn tail in %s at offset %" PRIu64 " (%s): truncated %" PRIu64 " bytes; last good seq %"
                    PRIu64, path, f->res.bad_off, f->res.reason, f->size - f->res.end_off, f->res.next_seq - 1);
        atomic_fetch_add(&w->st_truncated, f->size - f->res.end_off);
    }
    /* segments after L hold no record: keep the newest, delete the others */
    size_t first_empty = L < n ? L + 1 : 0;
    for (size_t i = first_empty; i + 1 < n; i++) {
        seg_path(w, v[i].seq, path, sizeof path);
        if (unlink(path) != 0)
            return hb_err_set(err, HB_EIO, "cannot delete empty WAL segment %s: %s", path, strerror(errno));
        hb_log_warn("wal: deleted %s: it held no complete record (%" PRIu64 " bytes) and a newer segment exists "
                    "(interrupted rotation)", path, v[i].size);
    }
    for (size_t i = 0; i < first_empty; i++) {
        if (grow(&w->segs, &w->segs_cap, w->nsegs + 1, sizeof(seg)))
            return hb_err_set(err, HB_ENOMEM, "no memory for the WAL segment list");
        w->segs[w->nsegs++] = (seg){ v[i].seq, v[i].res.next_seq, v[i].res.end_off };
        w->total_bytes += v[i].res.end_off;
    }
    if (first_empty < n) {
        const found *f = &v[n - 1];
        seg_path(w, f->seq, path, sizeof path);
        uint32_t old_flags = f->blank ? 0 : f->res.flags, flags = old_flags;
        if (L < n && v[L].res.next_seq < f->seq && !(flags & HB_WAL_SEG_FLAG_SEQ_GAP)) {
            flags |= HB_WAL_SEG_FLAG_SEQ_GAP;
            hb_log_warn("wal: sequence numbers %" PRIu64 "..%" PRIu64 " were lost: the unsynced tail of the segment "
                        "before %s did not survive a crash during rotation; they were never acknowledged as durable "
                        "under fsync \"always\", and are not reused", v[L].res.next_seq, f->seq - 1, path);
        }
        if (f->blank || f->size != HB_WAL_SEG_HDR_SIZE || flags != old_flags) {
            if ((rc = cut_segment(w, f->seq, 0, flags, err)) != 0)
                return rc;
            if (f->blank || f->size != HB_WAL_SEG_HDR_SIZE) {
                hb_log_warn("wal: newest segment %s held no complete record (%" PRIu64 " bytes%s): reset to an empty "
                            "segment starting at seq %" PRIu64, path, f->size, f->blank ? ", blank header" : "",
                            f->seq);
                if (f->size > HB_WAL_SEG_HDR_SIZE)
                    atomic_fetch_add(&w->st_truncated, f->size - HB_WAL_SEG_HDR_SIZE);
            }
        }
        if (grow(&w->segs, &w->segs_cap, w->nsegs + 1, sizeof(seg)))
            return hb_err_set(err, HB_ENOMEM, "no memory for the WAL segment list");
        w->segs[w->nsegs++] = (seg){ f->seq, f->seq, HB_WAL_SEG_HDR_SIZE };
        w->total_bytes += HB_WAL_SEG_HDR_SIZE;
    }
    return HB_OK;
}

static int list_segments(hb_wal_file *w, uint64_t **out, size_t *n_out, hb_err *err)
{
    DIR *d = opendir(w->dir);
    if (!d)
        return hb_err_set(err, HB_EIO, "cannot list WAL directory %s: %s", w->dir, strerror(errno));
    uint64_t *v = NULL;
    size_t n = 0, cap = 0;
    int rc = HB_OK;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        uint64_t fs;
        if (!parse_seg_name(de->d_name, &fs))
            continue;
        if (fs == 0) {
            rc = hb_err_set(err, HB_ECORRUPT, "WAL segment %s/%s: sequence numbers start at 1", w->dir, de->d_name);
            break;
        }
        if (grow(&v, &cap, n + 1, sizeof *v)) {
            rc = hb_err_set(err, HB_ENOMEM, "no memory listing WAL directory %s", w->dir);
            break;
        }
        v[n++] = fs;
    }
    closedir(d);
    if (rc) {
        free(v);
        return rc;
    }
    if (n)
        qsort(v, n, sizeof *v, cmp_u64);
    *out = v;
    *n_out = n;
    return HB_OK;
}

int hb_wal_file_open(const hb_wal_file_opts *opts, hb_wal_port *out, hb_err *err)
{
    int rc = HB_OK;
    uint64_t *names = NULL;
    size_t nnames = 0;
    found *found_v = NULL;
    if (!opts || !opts->dir || !opts->dir[0])
        return hb_err_set(err, HB_EINVAL, "WAL directory not set");
    if (strlen(opts->dir) >= DIR_CAP)
        return hb_err_set(err, HB_EINVAL, "WAL directory path %s is too long", opts->dir);
    if (opts->fsync != HB_FSYNC_ALWAYS && opts->fsync != HB_FSYNC_INTERVAL && opts->fsync != HB_FSYNC_NEVER)
        return hb_err_set(err, HB_EINVAL, "unknown WAL fsync mode %d", (int)opts->fsync);
    if (opts->fsync_interval_ms < 0)
        return hb_err_set(err, HB_EINVAL, "WAL fsync interval %d ms is negative", opts->fsync_interval_ms);
    if (opts->segment_bytes && opts->segment_bytes < 4096)
        return hb_err_set(err, HB_EINVAL, "WAL segment size %" PRIu64 " is below the minimum of 4096 bytes",
                          opts->segment_bytes);
    if (opts->max_record_bytes > HB_WAL_REC_MAX_LEN)
        return hb_err_set(err, HB_EINVAL, "WAL maximum record size %" PRIu64 " exceeds the format limit of %u bytes",
                          opts->max_record_bytes, HB_WAL_REC_MAX_LEN);

    hb_wal_file *w = calloc(1, sizeof *w);
    if (!w)
        return hb_err_set(err, HB_ENOMEM, "no memory for the WAL");
    w->fd = w->dir_fd = w->lock_fd = -1;
    size_t dl = strlen(opts->dir);
    while (dl > 1 && opts->dir[dl - 1] == '/')
        dl--;
    memcpy(w->dir, opts->dir, dl);
    w->dir[dl] = '\0';
    w->mode = opts->fsync;
    w->interval_ms = opts->fsync_interval_ms ? opts->fsync_interval_ms : HB_WAL_FILE_DEFAULT_INTERVAL_MS;
    w->seg_limit = opts->segment_bytes ? opts->segment_bytes : HB_WAL_FILE_DEFAULT_SEGMENT_BYTES;
    w->max_rec = opts->max_record_bytes ? opts->max_record_bytes : HB_WAL_FILE_DEFAULT_MAX_RECORD;
    w->sync_fn = opts->sync_fn;
    w->sync_ctx = opts->sync_ctx;
    w->fsync_hist = opts->fsync_hist;
    w->bytes_written = opts->bytes_written;
    pthread_mutex_init(&w->mu, NULL);
    pthread_mutex_init(&w->io_mu, NULL);
    pthread_mutex_init(&w->sync_mu, NULL);
    pthread_cond_init(&w->sync_cv, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->tick_cv, &ca);
    pthread_condattr_destroy(&ca);

    if ((rc = mkdir_p(w->dir, err)) != 0)
        goto out;
    w->dir_fd = open(w->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (w->dir_fd < 0) {
        rc = hb_err_set(err, HB_EIO, "cannot open WAL directory %s: %s", w->dir, strerror(errno));
        goto out;
    }
    char path[PATH_CAP];
    snprintf(path, sizeof path, "%s/LOCK", w->dir);
    w->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (w->lock_fd < 0) {
        rc = hb_err_set(err, HB_EIO, "cannot create %s: %s", path, strerror(errno));
        goto out;
    }
    if (flock(w->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        rc = errno == EWOULDBLOCK
                 ? hb_err_set(err, HB_EBUSY, "WAL directory %s is in use by another process (lock %s)", w->dir, path)
                 : hb_err_set(err, HB_EIO, "cannot lock %s: %s", path, strerror(errno));
        goto out;
    }

    if ((rc = list_segments(w, &names, &nnames, err)) != 0)
        goto out;
    if (nnames) {
        found_v = calloc(nnames, sizeof *found_v);
        if (!found_v) {
            rc = hb_err_set(err, HB_ENOMEM, "no memory to scan the WAL");
            goto out;
        }
        for (size_t i = 0; i < nnames; i++) {
            found_v[i].seq = names[i];
            if ((rc = scan_segment(w, &found_v[i], err)) != 0)
                goto out;
        }
        if ((rc = recover(w, found_v, nnames, err)) != 0)
            goto out;
    }
    if (w->nsegs == 0) {
        if (grow(&w->segs, &w->segs_cap, 1, sizeof(seg))) {
            rc = hb_err_set(err, HB_ENOMEM, "no memory for the WAL segment list");
            goto out;
        }
        if ((rc = create_segment(w, 1, &w->fd, err)) != 0)
            goto out;
        w->segs[w->nsegs++] = (seg){ 1, 1, HB_WAL_SEG_HDR_SIZE };
        w->total_bytes = HB_WAL_SEG_HDR_SIZE;
        if (fsync_fd(w, w->fd, 0) != 0) {
            rc = hb_err_set(err, HB_EIO, "fsync of new WAL segment in %s failed: %s", w->dir, strerror(errno));
            goto out;
        }
    } else {
        seg_path(w, w->segs[w->nsegs - 1].first_seq, path, sizeof path);
        w->fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
        if (w->fd < 0) {
            rc = hb_err_set(err, HB_EIO, "cannot open WAL segment %s for writing: %s", path, strerror(errno));
            goto out;
        }
    }
    if (fsync_fd(w, w->dir_fd, 0) != 0) {
        rc = hb_err_set(err, HB_EIO, "fsync of WAL directory %s failed: %s", w->dir, strerror(errno));
        goto out;
    }
    w->next_seq = w->segs[w->nsegs - 1].next_seq;
    w->synced_seq = w->next_seq - 1;
    w->released_upto = w->segs[0].first_seq - 1;
    atomic_store(&w->pub_last_seq, w->next_seq - 1);
    atomic_store(&w->pub_disk_bytes, w->total_bytes);
    atomic_store(&w->st_segments, w->nsegs);
    if (w->mode == HB_FSYNC_INTERVAL) {
        if (pthread_create(&w->thread, NULL, interval_main, w) != 0) {
            rc = hb_err_set(err, HB_EIO, "cannot start the WAL fsync thread");
            goto out;
        }
        w->have_thread = 1;
    }
    hb_log_info("wal: opened %s: %zu segment(s), %" PRIu64 " bytes, next seq %" PRIu64, w->dir, w->nsegs,
                w->total_bytes, w->next_seq);
    out->self = w;
    out->append = wf_append;
    out->wait_durable = wf_wait_durable;
    out->replay = wf_replay;
    out->release = wf_release;
    out->rotate = wf_rotate;
    out->sync = wf_sync;
    out->last_seq = wf_last_seq;
    out->disk_bytes = wf_disk_bytes;
    out->close = wf_close;
out:
    free(names);
    free(found_v);
    if (rc)
        wal_free(w);
    return rc;
}
