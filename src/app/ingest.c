#include "app/ingest.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/log.h"
#include "domain/lineproto.h"
#include "format/wal_record.h"

int hb_ingest_init(hb_ingest *s, hb_catalog *cat, hb_wal_port *wal, hb_memtable *mt, hb_clock_port clock,
                   const hb_ingest_limits *limits)
{
    memset(s, 0, sizeof *s);
    s->catalog = cat;
    s->wal = wal;
    s->memtable = mt;
    s->clock = clock;
    s->limits = *limits;
    pthread_mutex_init(&s->order_lock, NULL);
    return HB_OK;
}

void hb_ingest_destroy(hb_ingest *s) { pthread_mutex_destroy(&s->order_lock); }

static void fail(hb_write_res *res, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(hb_write_res *res, int status, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    res->status = status;
    hb_buf_reset(&res->error);
    hb_buf_puts(&res->error, msg);
}

/* WAL append + memtable insert in one ordered step, then wait for durability. */
static int commit_points(hb_ingest *s, const char *db, const char *rp, hb_point *pts, size_t n, hb_err *err)
{
    hb_buf rec;
    hb_buf_init(&rec, 0);
    int rc = hb_wal_record_encode(&rec, db, rp, pts, n, err);
    if (rc)
        goto out;
    uint64_t seq = 0;
    pthread_mutex_lock(&s->order_lock);
    rc = s->wal->append(s->wal->self, rec.data, rec.len, &seq, err);
    if (!rc)
        rc = hb_memtable_insert(s->memtable, db, rp, pts, n, err);
    pthread_mutex_unlock(&s->order_lock);
    if (!rc)
        rc = s->wal->wait_durable(s->wal->self, seq, err);
out:
    hb_buf_free(&rec);
    return rc;
}

void hb_ingest_write(hb_ingest *s, const hb_write_req *req, hb_write_res *res)
{
    hb_err err;
    hb_err_clear(&err);
    res->status = 204;
    res->points_written = 0;
    res->retry_after_secs = 0;

    if (!req->db || !*req->db) {
        fail(res, 400, "database is required");
        return;
    }
    if (!hb_catalog_has_database(s->catalog, req->db)) {
        fail(res, 404, "database not found: \"%s\"", req->db);
        return;
    }
    int64_t unit = 1;
    if (req->precision && *req->precision && hb_lp_precision(req->precision, &unit)) {
        fail(res, 400, "invalid precision \"%s\" (use n, u, ms, s, m or h)", req->precision);
        return;
    }
    char rp[256];
    if (hb_catalog_resolve_rp(s->catalog, req->db, req->rp, rp, sizeof rp, &err)) {
        /* InfluxDB 1.x answers 500 here; kept for compatibility */
        fail(res, 500, "%s", err.msg);
        return;
    }
    if (s->limits.memtable_max_bytes && hb_memtable_bytes(s->memtable) >= s->limits.memtable_max_bytes) {
        res->retry_after_secs = 1;
        fail(res, 503, "write buffer is full (%zu bytes): retry later", (size_t)s->limits.memtable_max_bytes);
        return;
    }

    hb_arena arena;
    hb_arena_init(&arena, 256 * 1024, 0);
    hb_lp_result lp;
    memset(&lp, 0, sizeof lp);
    hb_buf_init(&lp.errors, 0);
    hb_lp_opts opts = {
        .precision_ns = unit,
        .default_time = s->clock.now_ns(s->clock.self),
        .max_line_bytes = s->limits.max_line_bytes,
        .max_points = s->limits.max_points_per_request,
    };
    int rc = hb_lp_parse(req->body, req->len, &opts, &arena, &lp, &err);
    if (rc == HB_ELIMIT) {
        fail(res, 413, "%s", err.msg);
        goto out;
    }
    if (rc) {
        fail(res, 500, "%s", err.msg);
        goto out;
    }
    if (lp.npoints == 0) {
        if (lp.nfailed)
            fail(res, 400, "%s", hb_buf_cstr(&lp.errors));
        goto out;  /* empty body: 204 as InfluxDB */
    }

    hb_admit_result adm;
    memset(&adm, 0, sizeof adm);
    if ((rc = hb_catalog_admit(s->catalog, req->db, lp.points, lp.npoints, &adm, &err))) {
        fail(res, 500, "%s", err.msg);
        goto out;
    }
    if (adm.accepted && (rc = commit_points(s, req->db, rp, lp.points, adm.accepted, &err))) {
        hb_log_error("write to %s.%s failed: %s", req->db, rp, err.msg);
        fail(res, 500, "%s", err.msg);
        goto out;
    }
    res->points_written = adm.accepted;
    /* InfluxDB reports a type conflict in preference to parse errors */
    if (adm.dropped)
        fail(res, 400, "partial write: %s dropped=%zu", adm.reason, adm.dropped);
    else if (lp.nfailed)
        fail(res, 400, "partial write: %s dropped=0", hb_buf_cstr(&lp.errors));
out:
    hb_buf_free(&lp.errors);
    hb_arena_free(&arena);
}

typedef struct {
    hb_ingest *s;
    hb_arena arena;
    uint64_t records, points;
} replay_ctx;

static int replay_one(void *ctx, uint64_t seq, const void *data, size_t len, hb_err *err)
{
    replay_ctx *rc = ctx;
    hb_wal_batch b;
    hb_arena_reset(&rc->arena);
    int r = hb_wal_record_decode(data, len, &rc->arena, &b, err);
    if (r) {
        /* a record that passed its CRC but does not decode is a bug, never skip silently */
        char tmp[sizeof err->msg];
        snprintf(tmp, sizeof tmp, "WAL record %llu: %s", (unsigned long long)seq, err->msg);
        return hb_err_set(err, r, "%s", tmp);
    }
    char db[256], rp[256];
    snprintf(db, sizeof db, "%.*s", (int)b.db.n, b.db.p);
    snprintf(rp, sizeof rp, "%.*s", (int)b.rp.n, b.rp.p);
    /* a record older than its policy belongs to a dropped namesake */
    uint64_t floor;
    if (hb_catalog_rp_wal_floor(rc->s->catalog, db, rp, &floor) || seq <= floor)
        return HB_OK;
    hb_admit_result adm;
    if ((r = hb_catalog_admit(rc->s->catalog, db, b.points, b.npoints, &adm, err)))
        return r;
    if (adm.dropped)
        hb_log_warn("WAL replay: record %llu: %zu points conflict with the current schema and were skipped: %s",
                    (unsigned long long)seq, adm.dropped, adm.reason);
    if ((r = hb_memtable_insert(rc->s->memtable, db, rp, b.points, adm.accepted, err)))
        return r;
    rc->records++;
    rc->points += adm.accepted;
    return HB_OK;
}

int hb_ingest_replay(hb_ingest *s, uint64_t *records, uint64_t *points, hb_err *err)
{
    replay_ctx ctx = { .s = s };
    hb_arena_init(&ctx.arena, 1 << 20, 0);
    int rc = s->wal->replay(s->wal->self, 1, replay_one, &ctx, err);
    hb_arena_free(&ctx.arena);
    *records = ctx.records;
    *points = ctx.points;
    return rc;
}
