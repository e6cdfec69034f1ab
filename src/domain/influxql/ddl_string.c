#include "domain/influxql/ddl_string.h"

#include "base/err.h"
#include "domain/influxql/duration.h"
#include "domain/influxql/token.h"

static int ident_first(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static int ident_char(unsigned char c) { return ident_first(c) || (c >= '0' && c <= '9'); }

int hb_iql_quote_ident(hb_buf *b, const char *s, size_t n)
{
    int quote = n == 0 || hb_iql_lookup(s, n) != HB_IQL_IDENT;
    for (size_t i = 0; !quote && i < n; i++)
        if (i == 0 ? !ident_first((unsigned char)s[i]) : !ident_char((unsigned char)s[i]))
            quote = 1;
    if (!quote)
        return hb_buf_append(b, s, n);
    hb_buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') {
            hb_buf_puts(b, "\\n");
            continue;
        }
        if (s[i] == '"' || s[i] == '\\')
            hb_buf_putc(b, '\\');
        hb_buf_putc(b, s[i]);
    }
    return hb_buf_putc(b, '"');
}

static void ident(hb_buf *b, hb_iql_str s) { hb_iql_quote_ident(b, s.p, s.n); }

static void dur_iql(hb_buf *b, int64_t d)
{
    char t[HB_IQL_DURATION_BUFSZ];
    hb_iql_duration_format(d, t);
    hb_buf_puts(b, t);
}

static void dur_go(hb_buf *b, int64_t d)
{
    char t[HB_IQL_DURATION_BUFSZ];
    hb_iql_duration_string(d, t);
    hb_buf_puts(b, t);
}

int hb_iql_ddl_string(const hb_iql_stmt *st, hb_buf *b)
{
    switch (st->kind) {
    case HB_IQL_STMT_CREATE_DATABASE: {
        const hb_iql_create_database *c = &st->u.create_db;
        hb_buf_puts(b, "CREATE DATABASE ");
        ident(b, c->name);
        if (c->rp_create) {
            /* InfluxDB prints these with Go's time.Duration format */
            hb_buf_puts(b, " WITH");
            if (c->has_duration) {
                hb_buf_puts(b, " DURATION ");
                dur_go(b, c->duration);
            }
            if (c->has_replication)
                hb_buf_printf(b, " REPLICATION %d", c->replication);
            if (c->shard_duration > 0) {
                hb_buf_puts(b, " SHARD DURATION ");
                dur_go(b, c->shard_duration);
            }
            if (c->rp_name.n) {
                hb_buf_puts(b, " NAME ");
                ident(b, c->rp_name);
            }
        }
        return HB_OK;
    }
    case HB_IQL_STMT_DROP_DATABASE:
        hb_buf_puts(b, "DROP DATABASE ");
        ident(b, st->u.name);
        return HB_OK;
    case HB_IQL_STMT_CREATE_RETENTION_POLICY: {
        const hb_iql_create_rp *c = &st->u.create_rp;
        hb_buf_puts(b, "CREATE RETENTION POLICY ");
        ident(b, c->name);
        hb_buf_puts(b, " ON ");
        ident(b, c->database);
        hb_buf_puts(b, " DURATION ");
        dur_iql(b, c->duration);
        hb_buf_printf(b, " REPLICATION %d", c->replication);
        if (c->shard_duration > 0) {
            hb_buf_puts(b, " SHARD DURATION ");
            dur_iql(b, c->shard_duration);
        }
        if (c->is_default)
            hb_buf_puts(b, " DEFAULT");
        return HB_OK;
    }
    case HB_IQL_STMT_ALTER_RETENTION_POLICY: {
        const hb_iql_alter_rp *a = &st->u.alter_rp;
        hb_buf_puts(b, "ALTER RETENTION POLICY ");
        ident(b, a->name);
        hb_buf_puts(b, " ON ");
        ident(b, a->database);
        if (a->has_duration) {
            hb_buf_puts(b, " DURATION ");
            dur_iql(b, a->duration);
        }
        if (a->has_replication)
            hb_buf_printf(b, " REPLICATION %d", a->replication);
        if (a->has_shard_duration) {
            hb_buf_puts(b, " SHARD DURATION ");
            dur_iql(b, a->shard_duration);
        }
        if (a->is_default)
            hb_buf_puts(b, " DEFAULT");
        return HB_OK;
    }
    case HB_IQL_STMT_DROP_RETENTION_POLICY:
        hb_buf_puts(b, "DROP RETENTION POLICY ");
        ident(b, st->u.on.name);
        hb_buf_puts(b, " ON ");
        ident(b, st->u.on.database);
        return HB_OK;
    default:
        return HB_EUNSUPP;
    }
}
