/* Configuration loader (see config.h): defaults, then the TOML file, then
 * HYPERBYTEDB__SECTION__KEY environment overrides, then derived paths.
 *
 * keys[] below is the single list of settings: section, key, type, where the
 * value lives in hb_config and what it may be. The file walk, the env layer
 * and hb_config_set all go through it, so a key added there is accepted
 * everywhere (and must also be documented in hyperbytedb.example.toml). */
#include "app/config.h"
#include "base/log.h"
#include "base/toml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum { K_STR, K_INT, K_UINT, K_BOOL, K_FSYNC } key_type;

typedef struct keydef {
    const char *section;
    const char *key;
    key_type type;
    size_t off;               /* offsetof the field in hb_config */
    size_t size;              /* K_STR: size of the char array */
    uint64_t min, max;        /* K_INT, K_UINT: inclusive bounds; K_STR: min 1 = not empty */
    const char *const *names; /* K_STR: allowed values (matched case-insensitively, stored lower-case); K_FSYNC: names by value */
} keydef;

#define OFF(f) offsetof(hb_config, f)
#define SZ(f) sizeof(((hb_config *)0)->f)
#define KiB 1024ull
#define MiB (1024ull * 1024)
#define GiB (1024ull * 1024 * 1024)
#define YEAR_SECS 31536000ull

static const char *const fsync_names[] = { "always", "interval", "never", NULL };
static const char *const level_names[] = { "error", "warn", "info", "debug", "trace", NULL };
static const char *const format_names[] = { "text", "json", NULL };

static const keydef keys[] = {
    { "server", "bind_address", K_STR, OFF(server.bind_address), SZ(server.bind_address), 1, 0, NULL },
    { "server", "port", K_INT, OFF(server.port), 0, 1, 65535, NULL },
    { "server", "max_body_size_bytes", K_UINT, OFF(server.max_body_size_bytes), 0, 1 * KiB, 4 * GiB, NULL },
    { "server", "max_points_per_request", K_UINT, OFF(server.max_points_per_request), 0, 0, UINT64_MAX, NULL },
    { "server", "max_line_bytes", K_UINT, OFF(server.max_line_bytes), 0, 64, 1 * GiB, NULL },
    { "server", "query_timeout_secs", K_INT, OFF(server.query_timeout_secs), 0, 0, YEAR_SECS, NULL },
    { "server", "query_max_memory_bytes", K_UINT, OFF(server.query_max_memory_bytes), 0, 0, UINT64_MAX, NULL },
    { "server", "query_summary_cache_bytes", K_UINT, OFF(server.query_summary_cache_bytes), 0, 0, UINT64_MAX,
      NULL },
    { "server", "http_threads", K_INT, OFF(server.http_threads), 0, 0, 1024, NULL },
    { "server", "max_connections", K_UINT, OFF(server.max_connections), 0, 1, 1000000, NULL },
    { "storage", "dir", K_STR, OFF(storage.dir), SZ(storage.dir), 1, 0, NULL },
    { "storage", "wal_dir", K_STR, OFF(storage.wal_dir), SZ(storage.wal_dir), 0, 0, NULL },
    { "storage", "meta_dir", K_STR, OFF(storage.meta_dir), SZ(storage.meta_dir), 0, 0, NULL },
    { "storage", "data_dir", K_STR, OFF(storage.data_dir), SZ(storage.data_dir), 0, 0, NULL },
    { "storage", "wal_fsync", K_FSYNC, OFF(storage.wal_fsync), 0, 0, 0, fsync_names },
    { "storage", "wal_fsync_interval_ms", K_INT, OFF(storage.wal_fsync_interval_ms), 0, 1, 60000, NULL },
    { "storage", "wal_segment_bytes", K_UINT, OFF(storage.wal_segment_bytes), 0, 1 * KiB, 16 * GiB, NULL },
    { "flush", "interval_secs", K_INT, OFF(flush.interval_secs), 0, 1, YEAR_SECS, NULL },
    { "flush", "memtable_max_bytes", K_UINT, OFF(flush.memtable_max_bytes), 0, 1 * KiB, 1024 * GiB, NULL },
    { "flush", "trigger_bytes", K_UINT, OFF(flush.trigger_bytes), 0, 1 * KiB, 1024 * GiB, NULL },
    { "flush", "zstd_level", K_INT, OFF(flush.zstd_level), 0, 1, 19, NULL },
    { "flush", "row_group_rows", K_UINT, OFF(flush.row_group_rows), 0, 1, 1u << 30, NULL },
    { "compaction", "interval_secs", K_INT, OFF(compaction.interval_secs), 0, 1, YEAR_SECS, NULL },
    { "compaction", "min_files", K_INT, OFF(compaction.min_files), 0, 2, 1000000, NULL },
    { "compaction", "enabled", K_BOOL, OFF(compaction.enabled), 0, 0, 1, NULL },
    { "retention", "check_interval_secs", K_INT, OFF(retention.check_interval_secs), 0, 1, YEAR_SECS, NULL },
    { "continuous_queries", "enabled", K_BOOL, OFF(continuous_queries.enabled), 0, 0, 1, NULL },
    { "continuous_queries", "run_interval_secs", K_INT, OFF(continuous_queries.run_interval_secs), 0, 1, YEAR_SECS,
      NULL },
    { "auth", "enabled", K_BOOL, OFF(auth.enabled), 0, 0, 1, NULL },
    { "auth", "cache_secs", K_INT, OFF(auth.cache_secs), 0, 0, 3600, NULL },
    { "auth", "failed_login_burst", K_INT, OFF(auth.failed_login_burst), 0, 1, 1000000, NULL },
    { "auth", "failed_login_refill_secs", K_INT, OFF(auth.failed_login_refill_secs), 0, 1, 86400, NULL },
    { "logging", "level", K_STR, OFF(logging.level), SZ(logging.level), 1, 0, level_names },
    { "logging", "format", K_STR, OFF(logging.format), SZ(logging.format), 1, 0, format_names },
    { "statement_summary", "enabled", K_BOOL, OFF(statement_summary.enabled), 0, 0, 1, NULL },
    { "statement_summary", "max_entries", K_UINT, OFF(statement_summary.max_entries), 0, 1, 1000000, NULL },
};

#define NKEYS (sizeof keys / sizeof keys[0])
#define ENV_PREFIX "HYPERBYTEDB__"

void hb_config_defaults(hb_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    strcpy(cfg->server.bind_address, "127.0.0.1");
    cfg->server.port = 8086;
    cfg->server.max_body_size_bytes = 25000000; /* InfluxDB's max-body-size */
    cfg->server.max_points_per_request = 1000000;
    cfg->server.max_line_bytes = 1 * MiB;
    cfg->server.query_timeout_secs = 0;
    cfg->server.query_max_memory_bytes = 2 * GiB;
    cfg->server.query_summary_cache_bytes = 256 * MiB;
    cfg->server.http_threads = 0;
    cfg->server.max_connections = 1024;
    strcpy(cfg->storage.dir, "./hyperbytedb-data");
    cfg->storage.wal_fsync = HB_FSYNC_ALWAYS;
    cfg->storage.wal_fsync_interval_ms = 100;
    cfg->storage.wal_segment_bytes = 64 * MiB;
    cfg->flush.interval_secs = 10;
    cfg->flush.memtable_max_bytes = 256 * MiB;
    cfg->flush.trigger_bytes = 64 * MiB;
    cfg->flush.zstd_level = 1;
    cfg->flush.row_group_rows = 65536;
    cfg->compaction.interval_secs = 30;
    cfg->compaction.min_files = 2;
    cfg->compaction.enabled = 1;
    cfg->retention.check_interval_secs = 1800;
    cfg->continuous_queries.enabled = 1;
    cfg->continuous_queries.run_interval_secs = 1;
    cfg->auth.enabled = 0;
    cfg->auth.cache_secs = 60;
    cfg->auth.failed_login_burst = 10;
    cfg->auth.failed_login_refill_secs = 6;
    strcpy(cfg->logging.level, "info");
    strcpy(cfg->logging.format, "text");
    cfg->statement_summary.enabled = 1;
    cfg->statement_summary.max_entries = 1000;
}

const char *hb_fsync_mode_name(hb_fsync_mode m)
{
    return (unsigned)m < 3 ? fsync_names[m] : "unknown";
}

/* ---- lookups ---- */

/* n bytes of s, printable, for messages (keys may hold any bytes). */
static void shown(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 5 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
            o += (size_t)snprintf(out + o, cap - o, "\\x%02X", c);
        else
            out[o++] = (char)c;
    }
    out[o] = '\0';
}

static int section_known(const char *s, size_t n)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strlen(keys[i].section) == n && memcmp(keys[i].section, s, n) == 0)
            return 1;
    return 0;
}

static const keydef *find_key(const char *section, const char *key, size_t key_len)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].section, section) == 0 && strlen(keys[i].key) == key_len &&
            memcmp(keys[i].key, key, key_len) == 0)
            return &keys[i];
    return NULL;
}

/* Edit distance capped at 3 (enough to suggest a fix for a typo). */
static int distance(const char *a, size_t n, const char *b)
{
    size_t m = strlen(b);
    if (n > 64 || m > 64)
        return 3;
    int row[65];
    for (size_t j = 0; j <= m; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= n; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= m; j++) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[m] < 3 ? row[m] : 3;
}

/* `WHERE: unknown key "prot" in [server] (did you mean "port"?)` into err;
 * where may be NULL (no prefix). */
static int unknown_key(hb_err *err, const char *where, const char *section, const char *key, size_t key_len)
{
    char k[96], hint[96] = "";
    int best = 3;
    shown(key, key_len, k, sizeof k);
    for (size_t i = 0; i < NKEYS; i++) {
        if (strcmp(keys[i].section, section))
            continue;
        int d = distance(key, key_len, keys[i].key);
        if (d < best) {
            best = d;
            snprintf(hint, sizeof hint, " (did you mean \"%s\"?)", keys[i].key);
        }
    }
    return hb_err_set(err, HB_EINVAL, "%s%sunknown key \"%s\" in [%s]%s", where ? where : "", where ? ": " : "", k,
                      section, hint);
}

static int unknown_section(hb_err *err, const char *where, const char *section, size_t len)
{
    char s[96], hint[96] = "";
    int best = 3;
    shown(section, len, s, sizeof s);
    for (size_t i = 0; i < NKEYS; i++) {
        int d = distance(section, len, keys[i].section);
        if (d < best) {
            best = d;
            snprintf(hint, sizeof hint, " (did you mean [%s]?)", keys[i].section);
        }
    }
    return hb_err_set(err, HB_EINVAL, "%s%sunknown section [%s]%s", where ? where : "", where ? ": " : "", s, hint);
}

/* ---- storing values (messages name section.key; callers prefix the source) ---- */

static void *field(hb_config *cfg, const keydef *k)
{
    return (char *)cfg + k->off;
}

static int store_int(hb_config *cfg, const keydef *k, int neg, uint64_t mag, hb_err *err)
{
    if (k->type == K_UINT) {
        if (neg && mag)
            return hb_err_set(err, HB_EINVAL, "%s.%s = -%llu is out of range (%llu..%llu)", k->section, k->key,
                              (unsigned long long)mag, (unsigned long long)k->min, (unsigned long long)k->max);
        if (mag < k->min || mag > k->max)
            return hb_err_set(err, HB_EINVAL, "%s.%s = %llu is out of range (%llu..%llu)", k->section, k->key,
                              (unsigned long long)mag, (unsigned long long)k->min, (unsigned long long)k->max);
        *(uint64_t *)field(cfg, k) = mag;
        return HB_OK;
    }
    /* K_INT: bounds are small non-negative numbers, so any negative is out */
    if ((neg && mag) || mag < k->min || mag > k->max)
        return hb_err_set(err, HB_EINVAL, "%s.%s = %s%llu is out of range (%llu..%llu)", k->section, k->key,
                          neg && mag ? "-" : "", (unsigned long long)mag, (unsigned long long)k->min,
                          (unsigned long long)k->max);
    *(int *)field(cfg, k) = (int)mag;
    return HB_OK;
}

static int store_str(hb_config *cfg, const keydef *k, const char *s, size_t len, hb_err *err)
{
    char v[64];
    if (memchr(s, '\0', len))
        return hb_err_set(err, HB_EINVAL, "%s.%s must not contain NUL characters", k->section, k->key);
    if (k->names || k->type == K_FSYNC) {
        for (int i = 0; k->names[i]; i++) {
            if (strlen(k->names[i]) != len || strncasecmp(k->names[i], s, len))
                continue;
            if (k->type == K_FSYNC)
                *(hb_fsync_mode *)field(cfg, k) = (hb_fsync_mode)i;
            else
                strcpy((char *)field(cfg, k), k->names[i]); /* stored lower-case */
            return HB_OK;
        }
        /* log.c also takes "warning" for "warn" */
        hb_log_level lvl;
        if (k->names == level_names && len < sizeof v) {
            memcpy(v, s, len);
            v[len] = '\0';
            for (size_t i = 0; i < len; i++)
                v[i] = (char)(v[i] >= 'A' && v[i] <= 'Z' ? v[i] + 32 : v[i]);
            if (hb_log_level_parse(v, &lvl) == HB_OK) {
                strcpy((char *)field(cfg, k), level_names[lvl]);
                return HB_OK;
            }
        }
        char list[128] = "", sv[96];
        for (int i = 0; k->names[i]; i++) {
            strcat(list, i ? ", " : "");
            strcat(list, k->names[i]);
        }
        shown(s, len, sv, sizeof sv);
        return hb_err_set(err, HB_EINVAL, "%s.%s = \"%s\" is not one of %s", k->section, k->key, sv, list);
    }
    if (len < k->min)
        return hb_err_set(err, HB_EINVAL, "%s.%s must not be empty", k->section, k->key);
    if (len >= k->size)
        return hb_err_set(err, HB_EINVAL, "%s.%s is too long (%zu bytes, max %zu)", k->section, k->key, len,
                          k->size - 1);
    memcpy(field(cfg, k), s, len);
    ((char *)field(cfg, k))[len] = '\0';
    return HB_OK;
}

static const char *kind(key_type t)
{
    switch (t) {
    case K_STR: return "a string";
    case K_INT:
    case K_UINT: return "an integer";
    case K_BOOL: return "a boolean (true or false)";
    case K_FSYNC: return "a string";
    }
    return "a value";
}

static int set_toml(hb_config *cfg, const keydef *k, const hb_toml_value *v, hb_err *err)
{
    hb_toml_type t = hb_toml_type_of(v);
    int64_t i;
    int b;
    switch (k->type) {
    case K_STR:
    case K_FSYNC:
        if (t == HB_TOML_STRING) {
            size_t len;
            const char *s = hb_toml_str(v, &len);
            return store_str(cfg, k, s, len, err);
        }
        break;
    case K_INT:
    case K_UINT:
        if (hb_toml_int(v, &i) == HB_OK)
            return store_int(cfg, k, i < 0, i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i, err);
        break;
    case K_BOOL:
        if (hb_toml_bool(v, &b) == HB_OK) {
            *(int *)field(cfg, k) = b;
            return HB_OK;
        }
        break;
    }
    const char *tn = hb_toml_type_name(t);
    return hb_err_set(err, HB_EINVAL, "%s.%s must be %s, got %s %s", k->section, k->key, kind(k->type),
                      t == HB_TOML_INTEGER || t == HB_TOML_ARRAY ? "an" : "a", tn);
}

static int set_text(hb_config *cfg, const keydef *k, const char *s, hb_err *err)
{
    char sv[96];
    shown(s, strlen(s), sv, sizeof sv);
    switch (k->type) {
    case K_STR:
    case K_FSYNC:
        return store_str(cfg, k, s, strlen(s), err);
    case K_INT:
    case K_UINT: {
        /* plain decimal, optional sign, nothing else */
        const char *p = s;
        int neg = *p == '-';
        uint64_t mag = 0;
        if (*p == '-' || *p == '+')
            p++;
        if (!*p)
            goto bad;
        for (; *p; p++) {
            if (*p < '0' || *p > '9')
                goto bad;
            uint64_t d = (uint64_t)(*p - '0');
            if (mag > (UINT64_MAX - d) / 10)
                return hb_err_set(err, HB_EINVAL, "%s.%s = %s is out of range (%llu..%llu)", k->section, k->key, sv,
                                  (unsigned long long)k->min, (unsigned long long)k->max);
            mag = mag * 10 + d;
        }
        return store_int(cfg, k, neg, mag, err);
    }
    case K_BOOL: {
        static const char *const yes[] = { "true", "1", "yes", "on" }, *const no[] = { "false", "0", "no", "off" };
        for (int i = 0; i < 4; i++) {
            if (strcasecmp(s, yes[i]) == 0 || strcasecmp(s, no[i]) == 0) {
                *(int *)field(cfg, k) = strcasecmp(s, yes[i]) == 0;
                return HB_OK;
            }
        }
        goto bad;
    }
    }
bad:
    return hb_err_set(err, HB_EINVAL, "%s.%s must be %s, got \"%s\"", k->section, k->key, kind(k->type), sv);
}

/* Copy s into out lower-cased; HB_ELIMIT if it does not fit. */
static int lower(char *out, size_t cap, const char *s, size_t n)
{
    if (n >= cap)
        return HB_ELIMIT;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
    out[n] = '\0';
    return HB_OK;
}

int hb_config_set(hb_config *cfg, const char *section, const char *key, const char *value, hb_err *err)
{
    char sec[64], k[64];
    if (lower(sec, sizeof sec, section, strlen(section)) || !section_known(sec, strlen(sec)))
        return unknown_section(err, NULL, section, strlen(section));
    const keydef *d = lower(k, sizeof k, key, strlen(key)) ? NULL : find_key(sec, k, strlen(k));
    if (!d)
        return unknown_key(err, NULL, sec, key, strlen(key));
    return set_text(cfg, d, value, err);
}

/* ---- the layers ---- */

static int apply_file(hb_config *cfg, const char *path, hb_err *err)
{
    hb_toml_value *doc = NULL;
    hb_err e2;
    char where[1100];
    int rc = hb_toml_parse_file(path, HB_TOML_MAX_FILE_BYTES, &doc, err);
    if (rc)
        return rc;
    for (size_t i = 0; i < hb_toml_table_len(doc); i++) {
        size_t slen;
        const char *sec = hb_toml_table_key(doc, i, &slen);
        const hb_toml_value *tab = hb_toml_table_value(doc, i);
        snprintf(where, sizeof where, "%s:%d", path, hb_toml_line(tab));
        if (!section_known(sec, slen)) {
            if (hb_toml_type_of(tab) == HB_TOML_TABLE) {
                rc = unknown_section(err, where, sec, slen);
            } else {
                char s[96];
                shown(sec, slen, s, sizeof s);
                rc = hb_err_set(err, HB_EINVAL, "%s: unknown key \"%s\" outside any section (settings go under [server], [storage], ...)",
                                where, s);
            }
            goto out;
        }
        if (hb_toml_type_of(tab) != HB_TOML_TABLE) {
            rc = hb_err_set(err, HB_EINVAL, "%s: \"%s\" must be a section ([%s]), got %s %s", where, sec, sec,
                            hb_toml_type_of(tab) == HB_TOML_INTEGER || hb_toml_type_of(tab) == HB_TOML_ARRAY ? "an" : "a",
                            hb_toml_type_name(hb_toml_type_of(tab)));
            goto out;
        }
        for (size_t j = 0; j < hb_toml_table_len(tab); j++) {
            size_t klen;
            const char *key = hb_toml_table_key(tab, j, &klen);
            const hb_toml_value *v = hb_toml_table_value(tab, j);
            snprintf(where, sizeof where, "%s:%d", path, hb_toml_line(v));
            const keydef *d = find_key(sec, key, klen);
            if (!d) {
                rc = unknown_key(err, where, sec, key, klen);
                goto out;
            }
            if ((rc = set_toml(cfg, d, v, &e2))) {
                hb_err_set(err, rc, "%s: %s", where, e2.msg);
                goto out;
            }
        }
    }
    rc = HB_OK;
out:
    hb_toml_free(doc);
    return rc;
}

static int apply_env(hb_config *cfg, char *const *envp, hb_err *err)
{
    const size_t plen = strlen(ENV_PREFIX);
    for (char *const *e = envp; e && *e; e++) {
        if (strncmp(*e, ENV_PREFIX, plen))
            continue;
        const char *eq = strchr(*e, '=');
        if (!eq)
            continue;
        char where[160], sec[64], key[64];
        hb_err e2;
        size_t nlen = (size_t)(eq - *e);
        snprintf(where, sizeof where, "environment %.*s", (int)(nlen < 120 ? nlen : 120), *e);
        const char *rest = *e + plen, *sep = strstr(rest, "__");
        if (!sep || sep > eq || sep == rest || sep + 2 == eq)
            return hb_err_set(err, HB_EINVAL, "%s: expected %sSECTION__KEY=value", where, ENV_PREFIX);
        size_t sn = (size_t)(sep - rest), kn = (size_t)(eq - sep - 2);
        if (lower(sec, sizeof sec, rest, sn))
            return unknown_section(err, where, rest, sn);
        if (!section_known(sec, sn))
            return unknown_section(err, where, sec, sn);
        if (lower(key, sizeof key, sep + 2, kn))
            return unknown_key(err, where, sec, sep + 2, kn);
        const keydef *d = find_key(sec, key, kn);
        if (!d)
            return unknown_key(err, where, sec, key, kn);
        int rc = set_text(cfg, d, eq + 1, &e2);
        if (rc)
            return hb_err_set(err, rc, "%s: %s", where, e2.msg);
    }
    return HB_OK;
}

/* "" -> {dir}/name, without doubling a trailing slash of dir. */
static int derive(char *out, size_t cap, const char *dir, const char *name, hb_err *err)
{
    if (out[0])
        return HB_OK;
    size_t n = strlen(dir);
    if (n == 0)
        return hb_err_set(err, HB_EINVAL, "storage.dir must not be empty");
    while (n > 1 && dir[n - 1] == '/')
        n--;
    int w = snprintf(out, cap, "%.*s%s%s", (int)n, dir, dir[n - 1] == '/' ? "" : "/", name);
    if (w < 0 || (size_t)w >= cap) {
        out[0] = '\0';
        return hb_err_set(err, HB_EINVAL, "storage.dir is too long to hold %s/ (max %zu bytes in all)", name,
                          cap - 1);
    }
    return HB_OK;
}

int hb_config_load(hb_config *cfg, const char *path, char *const *envp, hb_err *err)
{
    int rc;
    hb_config_defaults(cfg);
    if (path && (rc = apply_file(cfg, path, err)))
        return rc;
    if ((rc = apply_env(cfg, envp, err)))
        return rc;
    if ((rc = derive(cfg->storage.wal_dir, sizeof cfg->storage.wal_dir, cfg->storage.dir, "wal", err)) ||
        (rc = derive(cfg->storage.meta_dir, sizeof cfg->storage.meta_dir, cfg->storage.dir, "meta", err)) ||
        (rc = derive(cfg->storage.data_dir, sizeof cfg->storage.data_dir, cfg->storage.dir, "data", err)))
        return rc;
    return HB_OK;
}
