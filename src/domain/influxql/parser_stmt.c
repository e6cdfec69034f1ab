/* InfluxQL parser: statement dispatch (InfluxDB's keyword tree, whose
 * "expected" lists list the keywords in registration order) and the
 * statements without SELECT-like clauses. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "domain/influxql/duration.h"
#include "domain/influxql/parser_internal.h"

static hb_iql_stmt *new_stmt(P *p, hb_iql_stmt_kind kind)
{
    hb_iql_stmt *st = p_alloc(p, sizeof *st);
    if (st)
        st->kind = kind;
    return st;
}

/* Expect one keyword of a fixed path, e.g. ALTER RETENTION *POLICY*. */
static int expect_kw(P *p, hb_iql_tok kw, const char *expected)
{
    hb_iql_token t = p_scan_ign(p);
    if (t.tok != kw)
        return p_expected(p, &t, expected);
    return 0;
}

/* ---- databases and retention policies ------------------------------- */

static int create_database(P *p, hb_iql_stmt *st)
{
    hb_iql_create_database *c = &st->u.create_db;
    int rc = p_ident(p, &c->name);
    if (rc)
        return rc;
    hb_iql_token t = p_scan_ign(p);
    if (t.tok != HB_IQL_WITH) {
        p_unscan(p);
        return 0;
    }
    t = p_scan_ign(p);
    if (t.tok != HB_IQL_DURATION && t.tok != HB_IQL_NAME && t.tok != HB_IQL_REPLICATION &&
        t.tok != HB_IQL_SHARD)
        return p_expected(p, &t, "DURATION, NAME, REPLICATION, SHARD");
    p_unscan(p);
    c->rp_create = true;

    static const hb_iql_tok kw_duration = HB_IQL_DURATION, kw_repl = HB_IQL_REPLICATION,
                            kw_shard = HB_IQL_SHARD, kw_name = HB_IQL_NAME;
    hb_err saved = *p->err; /* the probes below may overwrite err */
    if (p_parse_tokens(p, &kw_duration, 1)) {
        *p->err = saved;
        p_unscan(p);
    } else {
        if ((rc = p_duration(p, &c->duration)))
            return rc;
        c->has_duration = true;
    }
    if (p_parse_tokens(p, &kw_repl, 1)) {
        *p->err = saved;
        p_unscan(p);
    } else {
        if ((rc = p_int(p, 1, INT32_MAX, &c->replication)))
            return rc;
        c->has_replication = true;
    }
    if (p_parse_tokens(p, &kw_shard, 1)) {
        *p->err = saved;
        p_unscan(p);
    } else {
        t = p_scan_ign(p);
        if (t.tok != HB_IQL_DURATION)
            return p_expected(p, &t, "DURATION");
        if ((rc = p_duration(p, &c->shard_duration)))
            return rc;
    }
    if (p_parse_tokens(p, &kw_name, 1)) {
        *p->err = saved;
        p_unscan(p);
    } else {
        if ((rc = p_ident(p, &c->rp_name)))
            return rc;
    }
    return 0;
}

/* SHARD DURATION <d>, refusing INF; SHARD already consumed. */
static int shard_duration(P *p, int64_t *out)
{
    hb_iql_token t = p_scan_ign(p);
    if (t.tok != HB_IQL_DURATION)
        return p_expected(p, &t, "DURATION");
    t = p_scan_ign(p);
    if (t.tok == HB_IQL_INF)
        return p_msg_at(p, t.pos, "invalid duration INF for shard duration");
    p_unscan(p);
    return p_duration(p, out);
}

static int create_rp(P *p, hb_iql_stmt *st)
{
    hb_iql_create_rp *c = &st->u.create_rp;
    int rc;
    if ((rc = p_ident(p, &c->name)) || (rc = expect_kw(p, HB_IQL_ON, "ON")) ||
        (rc = p_ident(p, &c->database)) || (rc = expect_kw(p, HB_IQL_DURATION, "DURATION")) ||
        (rc = p_duration(p, &c->duration)) ||
        (rc = expect_kw(p, HB_IQL_REPLICATION, "REPLICATION")) ||
        (rc = p_int(p, 1, INT32_MAX, &c->replication)))
        return rc;
    hb_iql_token t = p_scan_ign(p);
    if (t.tok == HB_IQL_SHARD) {
        if ((rc = shard_duration(p, &c->shard_duration)))
            return rc;
    } else {
        p_unscan(p);
    }
    t = p_scan_ign(p);
    if (t.tok == HB_IQL_DEFAULT)
        c->is_default = true;
    else
        p_unscan(p);
    return 0;
}

static int alter_rp(P *p, hb_iql_stmt *st)
{
    hb_iql_alter_rp *a = &st->u.alter_rp;
    int rc;
    hb_iql_token t = p_scan_ign(p);
    if (t.tok == HB_IQL_DEFAULT) {
        a->name.p = "default";
        a->name.n = 7;
    } else if (t.tok == HB_IQL_IDENT) {
        a->name = t.lit;
    } else {
        return p_expected(p, &t, "identifier");
    }
    if ((rc = expect_kw(p, HB_IQL_ON, "ON")) || (rc = p_ident(p, &a->database)))
        return rc;
    int found_dur = 0, found_repl = 0, found_shard = 0, found_def = 0, nfound = 0;
    for (;;) {
        t = p_scan_ign(p);
        int *seen = t.tok == HB_IQL_DURATION      ? &found_dur
                    : t.tok == HB_IQL_REPLICATION ? &found_repl
                    : t.tok == HB_IQL_SHARD       ? &found_shard
                    : t.tok == HB_IQL_DEFAULT     ? &found_def
                                                  : NULL;
        if (seen && *seen)
            return p_msg_at(p, t.pos, "found duplicate %s option", hb_iql_tok_name(t.tok));
        switch (t.tok) {
        case HB_IQL_DURATION:
            if ((rc = p_duration(p, &a->duration)))
                return rc;
            a->has_duration = true;
            break;
        case HB_IQL_REPLICATION:
            if ((rc = p_int(p, 1, INT32_MAX, &a->replication)))
                return rc;
            a->has_replication = true;
            break;
        case HB_IQL_SHARD:
            if ((rc = shard_duration(p, &a->shard_duration)))
                return rc;
            a->has_shard_duration = true;
            break;
        case HB_IQL_DEFAULT:
            a->is_default = true;
            break;
        default:
            if (nfound == 0)
                return p_expected(p, &t, "DURATION, REPLICATION, SHARD, DEFAULT");
            p_unscan(p);
            return 0;
        }
        *seen = 1;
        nfound++;
    }
}

/* name ON db (DROP RETENTION POLICY, DROP CONTINUOUS QUERY) */
static int name_on_db(P *p, hb_iql_stmt *st)
{
    int rc;
    if ((rc = p_ident(p, &st->u.on.name)) || (rc = expect_kw(p, HB_IQL_ON, "ON")) ||
        (rc = p_ident(p, &st->u.on.database)))
        return rc;
    return 0;
}

static int show_rps(P *p, hb_iql_stmt *st)
{
    hb_iql_token t = p_scan_ign(p);
    if (t.tok == HB_IQL_ON)
        return p_ident(p, &st->u.database);
    p_unscan(p);
    return 0;
}

/* ---- users and privileges -------------------------------------------- */

static int create_user(P *p, hb_iql_stmt *st)
{
    static const hb_iql_tok with_pw[] = {HB_IQL_WITH, HB_IQL_PASSWORD};
    static const hb_iql_tok all_priv[] = {HB_IQL_ALL, HB_IQL_PRIVILEGES};
    int rc;
    if ((rc = p_ident(p, &st->u.user.name)) || (rc = p_parse_tokens(p, with_pw, 2)) ||
        (rc = p_string(p, &st->u.user.password)))
        return rc;
    hb_iql_token t = p_scan_ign(p);
    if (t.tok != HB_IQL_WITH) {
        p_unscan(p);
        return 0;
    }
    if ((rc = p_parse_tokens(p, all_priv, 2)))
        return rc;
    st->u.user.admin = true;
    return 0;
}

static int set_password(P *p, hb_iql_stmt *st)
{
    int rc = p_ident(p, &st->u.user.name);
    if (rc)
        return rc;
    if ((rc = expect_kw(p, HB_IQL_EQ, "=")))
        return rc;
    return p_string(p, &st->u.user.password);
}

static int privilege(P *p, hb_iql_privilege *out)
{
    hb_iql_token t = p_scan_ign(p);
    switch (t.tok) {
    case HB_IQL_READ:
        *out = HB_IQL_PRIV_READ;
        return 0;
    case HB_IQL_WRITE:
        *out = HB_IQL_PRIV_WRITE;
        return 0;
    case HB_IQL_ALL:
        t = p_scan_ign(p);
        if (t.tok != HB_IQL_PRIVILEGES)
            p_unscan(p);
        *out = HB_IQL_PRIV_ALL;
        return 0;
    default:
        return p_expected(p, &t, "READ, WRITE, ALL [PRIVILEGES]");
    }
}

/* GRANT (grant = 1) or REVOKE (grant = 0). */
static int grant_revoke(P *p, hb_iql_stmt *st, int grant)
{
    hb_iql_privilege priv = HB_IQL_PRIV_NONE;
    int rc = privilege(p, &priv);
    if (rc)
        return rc;
    hb_iql_tok user_kw = grant ? HB_IQL_TO : HB_IQL_FROM;
    const char *user_kw_name = grant ? "TO" : "FROM";
    hb_iql_token t = p_scan_ign(p);
    if (t.tok == HB_IQL_ON) {
        st->kind = grant ? HB_IQL_STMT_GRANT : HB_IQL_STMT_REVOKE;
        st->u.user.privilege = priv;
        if ((rc = p_ident(p, &st->u.user.database)) || (rc = expect_kw(p, user_kw, user_kw_name)))
            return rc;
        return p_ident(p, &st->u.user.name);
    }
    if (t.tok == user_kw) {
        if (priv != HB_IQL_PRIV_ALL)
            return p_expected(p, &t, "ON");
        st->kind = grant ? HB_IQL_STMT_GRANT_ADMIN : HB_IQL_STMT_REVOKE_ADMIN;
        st->u.user.privilege = priv;
        return p_ident(p, &st->u.user.name);
    }
    if (priv == HB_IQL_PRIV_ALL)
        return p_expected(p, &t, grant ? "ON, TO" : "ON, FROM");
    return p_expected(p, &t, "ON");
}

/* ---- queries, CQs, subscriptions, explain --------------------------- */

static int kill_query(P *p, hb_iql_stmt *st)
{
    int rc = p_uint64(p, &st->u.kill.id);
    if (rc)
        return rc;
    hb_iql_token t = p_scan_ign(p);
    if (t.tok == HB_IQL_ON)
        return p_ident(p, &st->u.kill.host);
    p_unscan(p);
    return 0;
}

static int resample_duration(P *p, int64_t *out)
{
    hb_iql_token t = p_scan_ign(p);
    if (t.tok != HB_IQL_DURATIONVAL)
        return p_expected(p, &t, "duration");
    char msg[160];
    if (hb_iql_duration_parse(t.lit.p, t.lit.n, out, msg, sizeof msg))
        return p_msg_at(p, t.pos, "%s", msg);
    return 0;
}

static int resample(P *p, hb_iql_cq *cq)
{
    int rc;
    hb_iql_token t = p_scan_ign(p);
    if (t.tok == HB_IQL_EVERY) {
        if ((rc = resample_duration(p, &cq->resample_every)))
            return rc;
    } else {
        p_unscan(p);
    }
    t = p_scan_ign(p);
    if (t.tok == HB_IQL_FOR) {
        if ((rc = resample_duration(p, &cq->resample_for)))
            return rc;
    } else {
        p_unscan(p);
    }
    if (cq->resample_every == 0 && cq->resample_for == 0) {
        t = p_scan_ign(p);
        return p_expected(p, &t, "EVERY, FOR");
    }
    return 0;
}

static int create_cq(P *p, hb_iql_stmt *st)
{
    static const hb_iql_tok begin_select[] = {HB_IQL_BEGIN, HB_IQL_SELECT};
    hb_iql_cq *cq = &st->u.cq;
    int rc;
    if ((rc = p_ident(p, &cq->name)) || (rc = expect_kw(p, HB_IQL_ON, "ON")) ||
        (rc = p_ident(p, &cq->database)))
        return rc;
    hb_iql_token t = p_scan_ign(p);
    if (t.tok == HB_IQL_RESAMPLE) {
        if ((rc = resample(p, cq)))
            return rc;
    } else {
        p_unscan(p);
    }
    if ((rc = p_parse_tokens(p, begin_select, 2)))
        return rc;
    if ((rc = p_select(p, P_TARGET_REQUIRED, &cq->select)))
        return rc;

    int ok = 1;
    const char *why = NULL;
    int64_t interval = hb_iql_group_by_interval(cq->select, &ok, &why);
    if (!cq->select->is_raw && (interval == 0 || !ok)) {
        /* InfluxDB rewinds two tokens to point at the end of the SELECT. */
        p_unscan(p);
        p_unscan(p);
        t = p_scan_ign(p);
        if (!ok) {
            char exp[256];
            snprintf(exp, sizeof exp, "GROUP BY time(...), %s", why);
            return p_expected(p, &t, exp);
        }
        return p_expected(p, &t, "GROUP BY time(...)");
    }
    if ((rc = expect_kw(p, HB_IQL_END, "END")))
        return rc;
    if (!ok)
        return p_plain(p, "%s", why);
    if (cq->resample_for != 0) {
        if (cq->resample_every != 0 && cq->resample_every > interval)
            interval = cq->resample_every;
        if (interval > cq->resample_for) {
            char a[HB_IQL_DURATION_BUFSZ], b[HB_IQL_DURATION_BUFSZ];
            hb_iql_duration_format(interval, a);
            hb_iql_duration_format(cq->resample_for, b);
            return p_plain(p,
                           "FOR duration must be >= GROUP BY time duration: must be a minimum of %s, got %s",
                           a, b);
        }
    }
    return 0;
}

static int create_subscription(P *p, hb_iql_stmt *st)
{
    hb_iql_subscription *s = &st->u.sub;
    int rc;
    if ((rc = p_ident(p, &s->name)) || (rc = expect_kw(p, HB_IQL_ON, "ON")) ||
        (rc = p_ident(p, &s->database)))
        return rc;
    hb_iql_token t = p_scan(p);
    if (t.tok != HB_IQL_DOT)
        return p_expected(p, &t, ".");
    if ((rc = p_ident(p, &s->rp)) || (rc = expect_kw(p, HB_IQL_DESTINATIONS, "DESTINATIONS")))
        return rc;
    t = p_scan_ign(p);
    if (t.tok == HB_IQL_ALL || t.tok == HB_IQL_ANY) {
        s->mode.p = hb_iql_tok_name(t.tok);
        s->mode.n = 3;
    } else {
        return p_expected(p, &t, "ALL, ANY");
    }
    p_vec dests = {0};
    if ((rc = p_string_list(p, &dests)))
        return rc;
    s->destinations = dests.items;
    s->ndestinations = dests.n;
    return 0;
}

static int drop_subscription(P *p, hb_iql_stmt *st)
{
    hb_iql_subscription *s = &st->u.sub;
    int rc;
    if ((rc = p_ident(p, &s->name)) || (rc = expect_kw(p, HB_IQL_ON, "ON")) ||
        (rc = p_ident(p, &s->database)))
        return rc;
    hb_iql_token t = p_scan(p);
    if (t.tok != HB_IQL_DOT)
        return p_expected(p, &t, ".");
    return p_ident(p, &s->rp);
}

static int explain(P *p, hb_iql_stmt *st)
{
    hb_iql_token t = p_scan_ign(p);
    if (t.tok == HB_IQL_ANALYZE)
        st->u.explain.analyze = true;
    else
        p_unscan(p);
    t = p_scan_ign(p);
    if (t.tok != HB_IQL_SELECT)
        return p_expected(p, &t, "SELECT");
    return p_select(p, P_TARGET_NOT_REQUIRED, &st->u.explain.select);
}

static int show_module(P *p, hb_iql_stmt *st)
{
    hb_iql_token t = p_scan_ign(p);
    if (t.tok == HB_IQL_FOR)
        return p_string(p, &st->u.module);
    p_unscan(p);
    return 0;
}

/* ---- dispatch ----------------------------------------------------------- */

static int show_stmt(P *p, hb_iql_stmt *st)
{
    hb_iql_token t = p_scan_ign(p);
    switch (t.tok) {
    case HB_IQL_CONTINUOUS:
        st->kind = HB_IQL_STMT_SHOW_CONTINUOUS_QUERIES;
        return expect_kw(p, HB_IQL_QUERIES, "QUERIES");
    case HB_IQL_DATABASES:
        st->kind = HB_IQL_STMT_SHOW_DATABASES;
        return 0;
    case HB_IQL_DIAGNOSTICS:
        st->kind = HB_IQL_STMT_SHOW_DIAGNOSTICS;
        return show_module(p, st);
    case HB_IQL_FIELD:
        t = p_scan_ign(p);
        if (t.tok == HB_IQL_KEY)
            st->kind = HB_IQL_STMT_SHOW_FIELD_KEY_CARDINALITY;
        else if (t.tok == HB_IQL_KEYS)
            st->kind = HB_IQL_STMT_SHOW_FIELD_KEYS;
        else
            return p_expected(p, &t, "KEY, KEYS");
        return p_show_clauses(p, st);
    case HB_IQL_GRANTS:
        st->kind = HB_IQL_STMT_SHOW_GRANTS;
        {
            int rc = expect_kw(p, HB_IQL_FOR, "FOR");
            return rc ? rc : p_ident(p, &st->u.name);
        }
    case HB_IQL_MEASUREMENT:
        t = p_scan_ign(p);
        if (t.tok == HB_IQL_EXACT)
            st->u.show.exact = true;
        else if (t.tok != HB_IQL_CARDINALITY)
            return p_expected(p, &t, "EXACT, CARDINALITY");
        st->kind = HB_IQL_STMT_SHOW_MEASUREMENT_CARDINALITY;
        return p_show_clauses(p, st);
    case HB_IQL_MEASUREMENTS:
        st->kind = HB_IQL_STMT_SHOW_MEASUREMENTS;
        return p_show_clauses(p, st);
    case HB_IQL_QUERIES:
        st->kind = HB_IQL_STMT_SHOW_QUERIES;
        return 0;
    case HB_IQL_RETENTION:
        st->kind = HB_IQL_STMT_SHOW_RETENTION_POLICIES;
        {
            int rc = expect_kw(p, HB_IQL_POLICIES, "POLICIES");
            return rc ? rc : show_rps(p, st);
        }
    case HB_IQL_SERIES:
        st->kind = HB_IQL_STMT_SHOW_SERIES;
        return p_show_clauses(p, st);
    case HB_IQL_SHARD:
        st->kind = HB_IQL_STMT_SHOW_SHARD_GROUPS;
        return expect_kw(p, HB_IQL_GROUPS, "GROUPS");
    case HB_IQL_SHARDS:
        st->kind = HB_IQL_STMT_SHOW_SHARDS;
        return 0;
    case HB_IQL_STATS:
        st->kind = HB_IQL_STMT_SHOW_STATS;
        return show_module(p, st);
    case HB_IQL_SUBSCRIPTIONS:
        st->kind = HB_IQL_STMT_SHOW_SUBSCRIPTIONS;
        return 0;
    case HB_IQL_TAG:
        t = p_scan_ign(p);
        if (t.tok == HB_IQL_KEY)
            st->kind = HB_IQL_STMT_SHOW_TAG_KEY_CARDINALITY;
        else if (t.tok == HB_IQL_KEYS)
            st->kind = HB_IQL_STMT_SHOW_TAG_KEYS;
        else if (t.tok == HB_IQL_VALUES)
            st->kind = HB_IQL_STMT_SHOW_TAG_VALUES;
        else
            return p_expected(p, &t, "KEY, KEYS, VALUES");
        return p_show_clauses(p, st);
    case HB_IQL_USERS:
        st->kind = HB_IQL_STMT_SHOW_USERS;
        return 0;
    default:
        return p_expected(p, &t,
                          "CONTINUOUS, DATABASES, DIAGNOSTICS, FIELD, GRANTS, MEASUREMENT, "
                          "MEASUREMENTS, QUERIES, RETENTION, SERIES, SHARD, SHARDS, STATS, "
                          "SUBSCRIPTIONS, TAG, USERS");
    }
}

static int create_stmt(P *p, hb_iql_stmt *st)
{
    hb_iql_token t = p_scan_ign(p);
    int rc;
    switch (t.tok) {
    case HB_IQL_CONTINUOUS:
        st->kind = HB_IQL_STMT_CREATE_CONTINUOUS_QUERY;
        return (rc = expect_kw(p, HB_IQL_QUERY, "QUERY")) ? rc : create_cq(p, st);
    case HB_IQL_DATABASE:
        st->kind = HB_IQL_STMT_CREATE_DATABASE;
        return create_database(p, st);
    case HB_IQL_USER:
        st->kind = HB_IQL_STMT_CREATE_USER;
        return create_user(p, st);
    case HB_IQL_RETENTION:
        st->kind = HB_IQL_STMT_CREATE_RETENTION_POLICY;
        return (rc = expect_kw(p, HB_IQL_POLICY, "POLICY")) ? rc : create_rp(p, st);
    case HB_IQL_SUBSCRIPTION:
        st->kind = HB_IQL_STMT_CREATE_SUBSCRIPTION;
        return create_subscription(p, st);
    default:
        return p_expected(p, &t, "CONTINUOUS, DATABASE, USER, RETENTION, SUBSCRIPTION");
    }
}

static int drop_stmt(P *p, hb_iql_stmt *st)
{
    hb_iql_token t = p_scan_ign(p);
    int rc;
    switch (t.tok) {
    case HB_IQL_CONTINUOUS:
        st->kind = HB_IQL_STMT_DROP_CONTINUOUS_QUERY;
        return (rc = expect_kw(p, HB_IQL_QUERY, "QUERY")) ? rc : name_on_db(p, st);
    case HB_IQL_DATABASE:
        st->kind = HB_IQL_STMT_DROP_DATABASE;
        return p_ident(p, &st->u.name);
    case HB_IQL_MEASUREMENT:
        st->kind = HB_IQL_STMT_DROP_MEASUREMENT;
        return p_ident(p, &st->u.name);
    case HB_IQL_RETENTION:
        st->kind = HB_IQL_STMT_DROP_RETENTION_POLICY;
        return (rc = expect_kw(p, HB_IQL_POLICY, "POLICY")) ? rc : name_on_db(p, st);
    case HB_IQL_SERIES:
        st->kind = HB_IQL_STMT_DROP_SERIES;
        return p_delete(p, st);
    case HB_IQL_SHARD:
        st->kind = HB_IQL_STMT_DROP_SHARD;
        return p_uint64(p, &st->u.shard_id);
    case HB_IQL_SUBSCRIPTION:
        st->kind = HB_IQL_STMT_DROP_SUBSCRIPTION;
        return drop_subscription(p, st);
    case HB_IQL_USER:
        st->kind = HB_IQL_STMT_DROP_USER;
        return p_ident(p, &st->u.user.name);
    default:
        return p_expected(p, &t,
                          "CONTINUOUS, DATABASE, MEASUREMENT, RETENTION, SERIES, SHARD, "
                          "SUBSCRIPTION, USER");
    }
}

int p_statement(P *p, hb_iql_stmt **out)
{
    hb_iql_stmt *st = new_stmt(p, HB_IQL_STMT_SELECT);
    if (!st)
        return p_nomem(p);
    *out = st;
    hb_iql_token t = p_scan_ign(p);
    int rc;
    switch (t.tok) {
    case HB_IQL_SELECT:
        st->kind = HB_IQL_STMT_SELECT;
        return p_select(p, P_TARGET_NOT_REQUIRED, &st->u.select);
    case HB_IQL_DELETE:
        st->kind = HB_IQL_STMT_DELETE_SERIES;
        return p_delete(p, st);
    case HB_IQL_SHOW:
        return show_stmt(p, st);
    case HB_IQL_CREATE:
        return create_stmt(p, st);
    case HB_IQL_DROP:
        return drop_stmt(p, st);
    case HB_IQL_EXPLAIN:
        st->kind = HB_IQL_STMT_EXPLAIN;
        return explain(p, st);
    case HB_IQL_GRANT:
        return grant_revoke(p, st, 1);
    case HB_IQL_REVOKE:
        return grant_revoke(p, st, 0);
    case HB_IQL_ALTER:
        st->kind = HB_IQL_STMT_ALTER_RETENTION_POLICY;
        if ((rc = expect_kw(p, HB_IQL_RETENTION, "RETENTION")) ||
            (rc = expect_kw(p, HB_IQL_POLICY, "POLICY")))
            return rc;
        return alter_rp(p, st);
    case HB_IQL_SET:
        st->kind = HB_IQL_STMT_SET_PASSWORD;
        if ((rc = expect_kw(p, HB_IQL_PASSWORD, "PASSWORD")) ||
            (rc = expect_kw(p, HB_IQL_FOR, "FOR")))
            return rc;
        return set_password(p, st);
    case HB_IQL_KILL:
        st->kind = HB_IQL_STMT_KILL_QUERY;
        if ((rc = expect_kw(p, HB_IQL_QUERY, "QUERY")))
            return rc;
        return kill_query(p, st);
    default:
        return p_expected(p, &t, "SELECT, DELETE, SHOW, CREATE, DROP, EXPLAIN, GRANT, REVOKE, ALTER, SET, KILL");
    }
}
