#include "app/ingest.h"
#include "app/tombstone.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "app/retention.h"
#include "base/arena.h"
#include "base/log.h"
#include "domain/lineproto.h"
#include "format/wal_record.h"

int hb_ingest_init(hb_ingest *s, hb_catalog *cat, hb_wal_port *wal, hb_memset *ms, hb_clock_port clock,
                   const hb_ingest_limits *limits)
{
    memset(s, 0, sizeof *s);
    s->catalog = cat;
    s->wal = wal;
    s->memset = ms;
    s->clock = clock;
    s->limits = *limits;
    return HB_OK;
}

void hb_ingest_destroy(hb_ingest *s) { (void)s; }

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

static int is_time(hb_slice s) { return s.n == 4 && memcmp(s.p, "time", 4) == 0; }

/* InfluxDB's rules for the reserved name "time", applied before admission:
 *  - a point with a "time" tag is dropped ("invalid tag key", reported
 *    before any other drop reason);
 *  - a "time" field is silently removed from a point with other fields (a
 *    point whose only field is "time" is left for the catalog to refuse);
 *  - a field key repeated with different types (res->fdups) gets every
 *    occurrence listed in front of its fields, so admission checks each
 *    against the schema as InfluxDB does.
 * Returns the number of points kept at the front of lp->points, or
 * SIZE_MAX when the arena is exhausted. */
static size_t apply_time_rules(hb_lp_result *lp, hb_arena *arena, char *reason, size_t cap, size_t *dropped)
{
    size_t fd = 0, j = 0;
    for (size_t i = 0; i < lp->npoints; i++) {
        hb_point *p = &lp->points[i];
        size_t fd_begin = fd;
        while (fd < lp->nfdups && lp->fdups[fd].point == i)
            fd++;
        int time_tag = 0;
        for (uint32_t t = 0; t < p->ntags && !time_tag; t++)
            time_tag = is_time(p->tags[t].key);
        if (time_tag) {
            if (!(*dropped)++)
                snprintf(reason, cap, "invalid tag key: input tag \"time\" on measurement \"%.*s\" is invalid",
                         (int)p->measurement.n, p->measurement.p);
            continue;
        }
        size_t ndup = fd - fd_begin, ntime = 0;
        for (uint32_t f = 0; f < p->nfields; f++)
            ntime += is_time(p->fields[f].key);
        if (ndup || (ntime && ntime < p->nfields)) {
            size_t nf = ndup + p->nfields;
            hb_field *fields = hb_arena_alloc(arena, nf * sizeof *fields);
            if (!fields)
                return SIZE_MAX;
            size_t k = 0;
            for (size_t d = fd_begin; d < fd; d++)
                fields[k++] = (hb_field){ .key = lp->fdups[d].key, .type = lp->fdups[d].type };
            for (uint32_t f = 0; f < p->nfields; f++)
                if (!is_time(p->fields[f].key) || ntime == p->nfields)
                    fields[k++] = p->fields[f];
            p->fields = fields;
            p->nfields = (uint32_t)k;
        }
        if (j != i)
            lp->points[j] = *p;
        j++;
    }
    return j;
}

/* WAL append + memtable insert in one ordered step, then wait for durability. */
static int commit_points(hb_ingest *s, const char *db, const char *rp, hb_point *pts, size_t n, hb_err *err)
{
    hb_buf rec;
    hb_buf_init(&rec, 0);
    int rc = hb_wal_record_encode(&rec, db, rp, pts, n, err);
    if (rc)
        goto out;
    uint64_t seq = 0, floor;
    hb_memset_lock_order(s->memset);
    /* a DROP (which holds the order lock) may have come after admission */
    if (hb_catalog_rp_wal_floor(s->catalog, db, rp, &floor))
        rc = hb_err_set(err, HB_ENOTFOUND, "retention policy not found: %s", rp);
    if (!rc)
        rc = s->wal->append(s->wal->self, rec.data, rec.len, &seq, err);
    hb_memtable *active = hb_memset_active(s->memset);
    if (!rc)
        rc = hb_memtable_insert(active, db, rp, pts, n, err);
    size_t active_bytes = hb_memtable_bytes(active);
    hb_memset_unlock_order(s->memset);
    if (!rc && s->want_flush && s->limits.flush_trigger_bytes && active_bytes >= s->limits.flush_trigger_bytes)
        s->want_flush(s->want_flush_ctx);
    if (!rc)
        rc = s->wal->wait_durable(s->wal->self, seq, err);
out:
    hb_buf_free(&rec);
    return rc;
}

/* The checks every write starts with, in InfluxDB's order: database,
 * precision (into *unit), retention policy (resolved into rp), room in the
 * write buffer. 0 when the write may go on. */
static int write_begin(hb_ingest *s, const char *db, const char *precision, int64_t *unit, const char *rpname,
                       char *rp, size_t rpcap, hb_write_res *res)
{
    hb_err err;
    hb_err_clear(&err);
    res->status = 204;
    res->points_written = 0;
    res->retry_after_secs = 0;
    if (!db || !*db) {
        fail(res, 400, "database is required");
        return -1;
    }
    if (!hb_catalog_has_database(s->catalog, db)) {
        fail(res, 404, "database not found: \"%s\"", db);
        return -1;
    }
    *unit = 1;
    if (precision && *precision && hb_lp_precision(precision, unit)) {
        fail(res, 400, "invalid precision \"%s\" (use n, u, ms, s, m or h)", precision);
        return -1;
    }
    if (hb_catalog_resolve_rp(s->catalog, db, rpname, rp, rpcap, &err)) {
        /* InfluxDB 1.x answers 500 here; kept for compatibility */
        fail(res, 500, "%s", err.msg);
        return -1;
    }
    if (s->limits.memtable_max_bytes && hb_memset_bytes(s->memset) >= s->limits.memtable_max_bytes) {
        res->retry_after_secs = 1;
        fail(res, 503, "write buffer is full (%zu bytes): retry later", (size_t)s->limits.memtable_max_bytes);
        return -1;
    }
    return 0;
}

/* Parsed points (lp, failed lines included) into policy rp: the "time"
 * rules, the retention floor, admission, WAL + buffer, and the answer. */
static void write_parsed(hb_ingest *s, const char *db, const char *rp, hb_lp_result *lp, hb_arena *arena,
                         hb_write_res *res)
{
    hb_err err;
    hb_err_clear(&err);
    int rc;
    char tag_reason[512];
    size_t tag_dropped = 0;
    size_t n = apply_time_rules(lp, arena, tag_reason, sizeof tag_reason, &tag_dropped);
    if (n == SIZE_MAX) {
        fail(res, 500, "out of memory");
        return;
    }
    /* as InfluxDB: points older than the policy keeps are dropped */
    size_t ret_dropped = 0;
    int64_t floor = hb_retention_floor(s->catalog, db, rp, s->clock.now_ns(s->clock.self));
    if (floor != INT64_MIN) {
        size_t j = 0;
        for (size_t i = 0; i < n; i++)
            if (lp->points[i].time >= floor)
                lp->points[j++] = lp->points[i];
        ret_dropped = n - j;
        n = j;
    }
    hb_admit_result adm;
    memset(&adm, 0, sizeof adm);
    if ((rc = hb_catalog_admit(s->catalog, db, rp, lp->points, n, &adm, &err))) {
        fail(res, 500, "%s", err.msg);
        return;
    }
    if (adm.accepted && (rc = commit_points(s, db, rp, lp->points, adm.accepted, &err))) {
        hb_log_error("write to %s.%s failed: %s", db, rp, err.msg);
        fail(res, 500, "%s", err.msg);
        return;
    }
    res->points_written = adm.accepted;
    /* InfluxDB reports dropped points in preference to parse errors, and a
     * "time" tag (its first validation pass) before field problems */
    if (tag_dropped || adm.dropped)
        fail(res, 400, "partial write: %s dropped=%zu", tag_dropped ? tag_reason : adm.reason,
             tag_dropped + adm.dropped);
    else if (ret_dropped)   /* reported in preference to parse errors, not counted with conflicts */
        fail(res, 400, "partial write: points beyond retention policy dropped=%zu", ret_dropped);
    else if (lp->nfailed)
        fail(res, 400, "partial write: %s dropped=0", hb_buf_cstr(&lp->errors));
}

void hb_ingest_write_points(hb_ingest *s, const char *db, const char *rpname, hb_point *pts, size_t n,
                            hb_arena *arena, hb_write_res *res)
{
    char rp[256];
    int64_t unit;
    if (write_begin(s, db, NULL, &unit, rpname, rp, sizeof rp, res))
        return;
    if (s->limits.max_points_per_request && n > s->limits.max_points_per_request) {
        fail(res, 413, "too many points in one request (max %zu)", s->limits.max_points_per_request);
        return;
    }
    if (n == 0)
        return;
    hb_lp_result lp;
    memset(&lp, 0, sizeof lp);
    hb_buf_init(&lp.errors, 0);
    lp.points = pts;
    lp.npoints = n;
    write_parsed(s, db, rp, &lp, arena, res);
    hb_buf_free(&lp.errors);
}

void hb_ingest_write(hb_ingest *s, const hb_write_req *req, hb_write_res *res)
{
    hb_err err;
    hb_err_clear(&err);
    char rp[256];
    int64_t unit;
    if (write_begin(s, req->db, req->precision, &unit, req->rp, rp, sizeof rp, res))
        return;

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
        .allow_unsigned = 1,
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

    write_parsed(s, req->db, rp, &lp, &arena, res);
out:
    hb_buf_free(&lp.errors);
    hb_arena_free(&arena);
}

typedef struct {
    hb_ingest *s;
    hb_arena arena;
    uint64_t records, points, deleted;
    hb_tomb_view tombs;             /* every tombstone, when any */
} replay_ctx;

/* Drop the points of b a tombstone deleted (they were written before it:
 * the record's seq is <= the tombstone's); returns how many are left. */
static size_t replay_mask(replay_ctx *rc, uint64_t seq, const char *db, hb_point *pts, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int gone = 0;
        for (size_t t = 0; t < rc->tombs.n && !gone; t++) {
            const hb_tomb *tb = rc->tombs.v[t];
            char meas[1024];
            if (strcmp(tb->db, db) || pts[i].measurement.n >= sizeof meas)
                continue;
            memcpy(meas, pts[i].measurement.p, pts[i].measurement.n);
            meas[pts[i].measurement.n] = '\0';
            gone = hb_tomb_deletes(tb, meas, pts[i].series_key, pts[i].time, seq);
        }
        if (gone)
            rc->deleted++;
        else
            pts[k++] = pts[i];
    }
    return k;
}

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
    if (rc->tombs.n && !(b.npoints = replay_mask(rc, seq, db, b.points, b.npoints)))
        return HB_OK;
    hb_admit_result adm;
    if ((r = hb_catalog_admit(rc->s->catalog, db, rp, b.points, b.npoints, &adm, err)))
        return r;
    if (adm.dropped)
        hb_log_warn("WAL replay: record %llu: %zu points conflict with the current schema and were skipped: %s",
                    (unsigned long long)seq, adm.dropped, adm.reason);
    if ((r = hb_memtable_insert(hb_memset_active(rc->s->memset), db, rp, b.points, adm.accepted, err)))
        return r;
    rc->records++;
    rc->points += adm.accepted;
    return HB_OK;
}

int hb_ingest_replay(hb_ingest *s, uint64_t flushed_seq, uint64_t *records, uint64_t *points, hb_err *err)
{
    replay_ctx ctx = { .s = s };
    if (s->tombs) {
        int r = hb_tombs_view(s->tombs, NULL, &ctx.tombs, err);
        if (r)
            return r;
    }
    hb_arena_init(&ctx.arena, 1 << 20, 0);
    hb_memset_lock_order(s->memset);
    int rc = s->wal->replay(s->wal->self, flushed_seq + 1, replay_one, &ctx, err);
    hb_memset_unlock_order(s->memset);
    hb_arena_free(&ctx.arena);
    hb_tomb_view_release(&ctx.tombs);
    if (ctx.deleted)
        hb_log_info("WAL replay: %llu points deleted by DELETE/DROP statements skipped",
                    (unsigned long long)ctx.deleted);
    *records = ctx.records;
    *points = ctx.points;
    return rc;
}
