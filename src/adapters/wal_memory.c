/* In-memory WalPort. Contract: adapters/wal_memory.h.
 *
 * Records live in one array in sequence order, each in its own heap block;
 * segments are ranges of it. One mutex guards everything. Replay copies one
 * record at a time out under the lock and calls back without it, so a
 * callback may append or release. */
#include "adapters/wal_memory.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "format/wal_segment.h"

#define DEFAULT_SEGMENT_BYTES (64ull << 20)
#define DEFAULT_MAX_RECORD    (64ull << 20)

typedef struct mrec {
    uint64_t seq;
    size_t len;
    void *data;   /* owned; NULL when len == 0 */
} mrec;

typedef struct mseg {
    uint64_t first_seq;
    uint64_t next_seq;
    uint64_t bytes;
} mseg;

typedef struct hb_wal_memory {
    pthread_mutex_t mu;
    uint64_t seg_limit;
    uint64_t max_rec;
    uint64_t next_seq;
    mrec *recs;       /* recs[i].seq == recs[0].seq + i */
    size_t nrecs, recs_cap;
    mseg *segs;       /* segs[nsegs-1] is the active one */
    size_t nsegs, segs_cap;
    uint64_t total_bytes;
    uint64_t appends, rotations;
} hb_wal_memory;

/* Make room for `need` elements in the array whose pointer is at arrp. */
static int grow(void *arrp, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return HB_OK;
    size_t nc = *cap ? *cap * 2 : 16;
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

/* Caller holds mu. */
static int rotate_locked(hb_wal_memory *m, hb_err *err)
{
    mseg *a = &m->segs[m->nsegs - 1];
    if (a->next_seq == a->first_seq)
        return HB_OK;
    if (grow(&m->segs, &m->segs_cap, m->nsegs + 1, sizeof(mseg)))
        return hb_err_set(err, HB_ENOMEM, "no memory to rotate the WAL segment");
    m->segs[m->nsegs++] = (mseg){ m->next_seq, m->next_seq, HB_WAL_SEG_HDR_SIZE };
    m->total_bytes += HB_WAL_SEG_HDR_SIZE;
    m->rotations++;
    return HB_OK;
}

static int wm_append(void *self, const void *data, size_t len, uint64_t *seq_out, hb_err *err)
{
    hb_wal_memory *m = self;
    if (len > m->max_rec)
        return hb_err_set(err, HB_ELIMIT, "WAL record of %zu bytes exceeds the maximum record size of %" PRIu64
                          " bytes", len, m->max_rec);
    void *copy = NULL;
    if (len) {
        copy = malloc(len);
        if (!copy)
            return hb_err_set(err, HB_ENOMEM, "no memory for a %zu-byte WAL record", len);
        memcpy(copy, data, len);
    }
    uint64_t rec_bytes = HB_WAL_REC_HDR_SIZE + (uint64_t)len;
    int rc = HB_OK;
    pthread_mutex_lock(&m->mu);
    if (grow(&m->recs, &m->recs_cap, m->nrecs + 1, sizeof(mrec))) {
        rc = hb_err_set(err, HB_ENOMEM, "no memory for the WAL record index");
        goto out;
    }
    mseg *a = &m->segs[m->nsegs - 1];
    if (a->next_seq > a->first_seq && a->bytes + rec_bytes > m->seg_limit) {
        if ((rc = rotate_locked(m, err)) != 0)
            goto out;
        a = &m->segs[m->nsegs - 1];
    }
    uint64_t seq = m->next_seq++;
    m->recs[m->nrecs++] = (mrec){ seq, len, copy };
    copy = NULL;
    a->next_seq++;
    a->bytes += rec_bytes;
    m->total_bytes += rec_bytes;
    m->appends++;
    *seq_out = seq;
out:
    pthread_mutex_unlock(&m->mu);
    free(copy);
    return rc;
}

static int wm_wait_durable(void *self, uint64_t seq, hb_err *err)
{
    hb_wal_memory *m = self;
    pthread_mutex_lock(&m->mu);
    uint64_t last = m->next_seq - 1;
    pthread_mutex_unlock(&m->mu);
    if (seq > last)
        return hb_err_set(err, HB_EINVAL, "wait_durable(%" PRIu64 "): sequence number not handed out yet", seq);
    return HB_OK;
}

static int wm_replay(void *self, uint64_t from_seq, hb_wal_replay_fn fn, void *ctx, hb_err *err)
{
    hb_wal_memory *m = self;
    uint64_t cur = from_seq ? from_seq : 1;
    void *buf = NULL;
    size_t cap = 0;
    int rc = HB_OK;
    pthread_mutex_lock(&m->mu);
    uint64_t upto = m->next_seq - 1;
    pthread_mutex_unlock(&m->mu);
    while (cur <= upto) {
        pthread_mutex_lock(&m->mu);
        if (m->nrecs == 0 || m->recs[m->nrecs - 1].seq < cur) {
            pthread_mutex_unlock(&m->mu);
            break;
        }
        uint64_t base = m->recs[0].seq;
        if (cur < base)
            cur = base;   /* earlier records were released */
        mrec r = m->recs[cur - base];
        if (r.len > cap) {
            void *nb = realloc(buf, r.len);
            if (!nb) {
                pthread_mutex_unlock(&m->mu);
                rc = hb_err_set(err, HB_ENOMEM, "no memory to replay a %zu-byte WAL record", r.len);
                break;
            }
            buf = nb;
            cap = r.len;
        }
        if (r.len)
            memcpy(buf, r.data, r.len);
        pthread_mutex_unlock(&m->mu);
        if (r.seq > upto)
            break;
        if ((rc = fn(ctx, r.seq, buf, r.len, err)) != 0)
            break;
        cur = r.seq + 1;
    }
    free(buf);
    return rc;
}

static int wm_release(void *self, uint64_t upto, hb_err *err)
{
    hb_wal_memory *m = self;
    pthread_mutex_lock(&m->mu);
    size_t k = 0;
    uint64_t freed = 0, nrec = 0;
    while (k + 1 < m->nsegs && m->segs[k].next_seq - 1 <= upto) {
        freed += m->segs[k].bytes;
        nrec += m->segs[k].next_seq - m->segs[k].first_seq;
        k++;
    }
    if (k) {
        for (size_t i = 0; i < nrec; i++)
            free(m->recs[i].data);
        memmove(m->recs, m->recs + nrec, (m->nrecs - nrec) * sizeof(mrec));
        m->nrecs -= nrec;
        memmove(m->segs, m->segs + k, (m->nsegs - k) * sizeof(mseg));
        m->nsegs -= k;
        m->total_bytes -= freed;
    }
    pthread_mutex_unlock(&m->mu);
    return HB_OK;
}

static int wm_rotate(void *self, hb_err *err)
{
    hb_wal_memory *m = self;
    pthread_mutex_lock(&m->mu);
    int rc = rotate_locked(m, err);
    pthread_mutex_unlock(&m->mu);
    return rc;
}

static int wm_sync(void *self, hb_err *err) { return HB_OK; }

static uint64_t wm_last_seq(void *self)
{
    hb_wal_memory *m = self;
    pthread_mutex_lock(&m->mu);
    uint64_t v = m->next_seq - 1;
    pthread_mutex_unlock(&m->mu);
    return v;
}

static uint64_t wm_disk_bytes(void *self)
{
    hb_wal_memory *m = self;
    pthread_mutex_lock(&m->mu);
    uint64_t v = m->total_bytes;
    pthread_mutex_unlock(&m->mu);
    return v;
}

static void wm_close(void *self)
{
    hb_wal_memory *m = self;
    for (size_t i = 0; i < m->nrecs; i++)
        free(m->recs[i].data);
    free(m->recs);
    free(m->segs);
    pthread_mutex_destroy(&m->mu);
    free(m);
}

void hb_wal_memory_get_stats(const hb_wal_port *port, hb_wal_memory_stats *out)
{
    hb_wal_memory *m = port->self;
    pthread_mutex_lock(&m->mu);
    out->appends = m->appends;
    out->records = m->nrecs;
    out->segments = m->nsegs;
    out->rotations = m->rotations;
    pthread_mutex_unlock(&m->mu);
}

int hb_wal_memory_open(const hb_wal_memory_opts *opts, hb_wal_port *out, hb_err *err)
{
    hb_wal_memory_opts o = { 0, 0 };
    if (opts)
        o = *opts;
    if (o.max_record_bytes > HB_WAL_REC_MAX_LEN)
        return hb_err_set(err, HB_EINVAL, "WAL maximum record size %" PRIu64 " exceeds the format limit of %u bytes",
                          o.max_record_bytes, HB_WAL_REC_MAX_LEN);
    hb_wal_memory *m = calloc(1, sizeof *m);
    if (!m)
        return hb_err_set(err, HB_ENOMEM, "no memory for the WAL");
    m->segs = malloc(16 * sizeof(mseg));
    if (!m->segs) {
        free(m);
        return hb_err_set(err, HB_ENOMEM, "no memory for the WAL");
    }
    m->segs_cap = 16;
    pthread_mutex_init(&m->mu, NULL);
    m->seg_limit = o.segment_bytes ? o.segment_bytes : DEFAULT_SEGMENT_BYTES;
    m->max_rec = o.max_record_bytes ? o.max_record_bytes : DEFAULT_MAX_RECORD;
    m->next_seq = 1;
    m->segs[m->nsegs++] = (mseg){ 1, 1, HB_WAL_SEG_HDR_SIZE };
    m->total_bytes = HB_WAL_SEG_HDR_SIZE;
    out->self = m;
    out->append = wm_append;
    out->wait_durable = wm_wait_durable;
    out->replay = wm_replay;
    out->release = wm_release;
    out->rotate = wm_rotate;
    out->sync = wm_sync;
    out->last_seq = wm_last_seq;
    out->disk_bytes = wm_disk_bytes;
    out->close = wm_close;
    return HB_OK;
}
