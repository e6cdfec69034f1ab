/* Statement summary (see statements.h). */
#include "app/statements.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/influxql/normalize.h"

typedef struct entry {
    uint64_t hash;
    char digest[17];
    char *text;
    uint64_t count, errors, rows;
    int64_t total_ns, min_ns, max_ns;
    int64_t last_seen_ns;
} entry;

struct hb_statements {
    pthread_mutex_t mu;
    size_t cap, n;
    entry *v;
};

int hb_statements_new(size_t max_entries, hb_statements **out)
{
    hb_statements *s = calloc(1, sizeof *s);
    if (!s)
        return HB_ENOMEM;
    s->cap = max_entries ? max_entries : 1;
    s->v = calloc(s->cap, sizeof *s->v);
    if (!s->v) {
        free(s);
        return HB_ENOMEM;
    }
    pthread_mutex_init(&s->mu, NULL);
    *out = s;
    return HB_OK;
}

void hb_statements_reset(hb_statements *s)
{
    pthread_mutex_lock(&s->mu);
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i].text);
    s->n = 0;
    pthread_mutex_unlock(&s->mu);
}

void hb_statements_free(hb_statements *s)
{
    if (!s)
        return;
    hb_statements_reset(s);
    pthread_mutex_destroy(&s->mu);
    free(s->v);
    free(s);
}

size_t hb_statements_count(hb_statements *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->n;
    pthread_mutex_unlock(&s->mu);
    return n;
}

int hb_statements_record(hb_statements *s, const char *text, size_t n, int64_t duration_ns, uint64_t rows, int error,
                         int64_t now_ns)
{
    hb_buf norm;
    hb_buf_init(&norm, 0);
    int rc = hb_iql_normalize(text, n, &norm);
    if (rc)
        goto out;
    if (norm.len > HB_STATEMENT_TEXT_MAX) {
        norm.len = HB_STATEMENT_TEXT_MAX - 3;
        rc = hb_buf_puts(&norm, "...");
        if (rc)
            goto out;
    }
    char digest[17];
    hb_iql_digest(hb_buf_cstr(&norm), norm.len, digest);
    uint64_t hash = strtoull(digest, NULL, 16);
    if (duration_ns < 0)
        duration_ns = 0;

    pthread_mutex_lock(&s->mu);
    entry *e = NULL;
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].hash == hash && strcmp(s->v[i].text, hb_buf_cstr(&norm)) == 0) {
            e = &s->v[i];
            break;
        }
    if (!e) {
        char *t = strdup(hb_buf_cstr(&norm));
        if (!t) {
            pthread_mutex_unlock(&s->mu);
            rc = HB_ENOMEM;
            goto out;
        }
        if (s->n < s->cap) {
            e = &s->v[s->n++];
        } else {   /* replace the one seen least recently */
            e = &s->v[0];
            for (size_t i = 1; i < s->n; i++)
                if (s->v[i].last_seen_ns < e->last_seen_ns)
                    e = &s->v[i];
            free(e->text);
        }
        memset(e, 0, sizeof *e);
        e->hash = hash;
        memcpy(e->digest, digest, sizeof e->digest);
        e->text = t;
        e->min_ns = duration_ns;
    }
    e->count++;
    e->errors += error != 0;
    e->rows += rows;
    e->total_ns += duration_ns;
    if (duration_ns < e->min_ns)
        e->min_ns = duration_ns;
    if (duration_ns > e->max_ns)
        e->max_ns = duration_ns;
    e->last_seen_ns = now_ns;
    pthread_mutex_unlock(&s->mu);
out:
    hb_buf_free(&norm);
    return rc;
}

static const char *const sort_names[] = { "total_time", "count", "avg_time", "max_time", "errors", "rows", "last_seen" };

int hb_statements_sort_parse(const char *name, hb_stmt_sort *out)
{
    for (size_t i = 0; i < sizeof sort_names / sizeof sort_names[0]; i++)
        if (strcmp(name, sort_names[i]) == 0) {
            *out = (hb_stmt_sort)i;
            return HB_OK;
        }
    return HB_EINVAL;
}


static int64_t key_of(const entry *e, hb_stmt_sort k)
{
    switch (k) {
    case HB_STMT_SORT_COUNT: return (int64_t)e->count;
    case HB_STMT_SORT_AVG_TIME: return e->count ? e->total_ns / (int64_t)e->count : 0;
    case HB_STMT_SORT_MAX_TIME: return e->max_ns;
    case HB_STMT_SORT_ERRORS: return (int64_t)e->errors;
    case HB_STMT_SORT_ROWS: return (int64_t)e->rows;
    case HB_STMT_SORT_LAST_SEEN: return e->last_seen_ns;
    default: return e->total_ns;
    }
}

/* Insertion sort, descending by key then by digest (stable across calls):
 * max_entries is small and this runs only on a GET. */
static void sort_entries(entry *v, size_t n, hb_stmt_sort k)
{
    for (size_t i = 1; i < n; i++) {
        entry x = v[i];
        int64_t kx = key_of(&x, k);
        size_t j = i;
        while (j > 0) {
            int64_t kj = key_of(&v[j - 1], k);
            if (kj > kx || (kj == kx && strcmp(v[j - 1].digest, x.digest) <= 0))
                break;
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

static void put_ms(hb_buf *b, const char *key, int64_t ns)
{
    hb_buf_printf(b, ",\"%s\":%.3f", key, (double)ns / 1e6);
}

static void put_time(hb_buf *b, int64_t ns)
{
    time_t sec = (time_t)(ns / 1000000000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    hb_buf_printf(b, ",\"last_seen\":\"%04d-%02d-%02dT%02d:%02d:%02d.%09dZ\"", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ns % 1000000000));
}

/* JSON string (escapes quotes, backslashes, control bytes). */
static void put_str(hb_buf *b, const char *s)
{
    hb_buf_putc(b, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            hb_buf_putc(b, '\\');
            hb_buf_putc(b, (char)c);
        } else if (c < 0x20) {
            hb_buf_printf(b, "\\u%04x", c);
        } else {
            hb_buf_putc(b, (char)c);
        }
    }
    hb_buf_putc(b, '"');
}

int hb_statements_json(hb_statements *s, hb_stmt_sort sort, size_t limit, hb_buf *out)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->n;
    entry *v = malloc((n ? n : 1) * sizeof *v);
    if (!v) {
        pthread_mutex_unlock(&s->mu);
        return HB_ENOMEM;
    }
    int rc = HB_OK;
    size_t k = 0;
    for (; k < n; k++) {
        v[k] = s->v[k];
        v[k].text = strdup(s->v[k].text);
        if (!v[k].text) {
            rc = HB_ENOMEM;
            break;
        }
    }
    size_t cap = s->cap;
    pthread_mutex_unlock(&s->mu);
    if (rc)
        goto out;
    sort_entries(v, n, sort);
    size_t shown = limit && limit < n ? limit : n;
    hb_buf_printf(out, "{\"max_entries\":%zu,\"entries\":%zu,\"sort\":\"%s\",\"statements\":[", cap, n,
                  sort_names[sort]);
    for (size_t i = 0; i < shown; i++) {
        entry *e = &v[i];
        hb_buf_puts(out, i ? ",{\"digest\":\"" : "{\"digest\":\"");
        hb_buf_puts(out, e->digest);
        hb_buf_puts(out, "\",\"query\":");
        put_str(out, e->text);
        hb_buf_printf(out, ",\"count\":%" PRIu64 ",\"errors\":%" PRIu64 ",\"rows\":%" PRIu64, e->count, e->errors,
                      e->rows);
        put_ms(out, "total_time_ms", e->total_ns);
        put_ms(out, "min_time_ms", e->min_ns);
        put_ms(out, "max_time_ms", e->max_ns);
        put_ms(out, "avg_time_ms", e->count ? e->total_ns / (int64_t)e->count : 0);
        put_time(out, e->last_seen_ns);
        hb_buf_putc(out, '}');
    }
    rc = hb_buf_puts(out, "]}\n");
out:
    for (size_t i = 0; i < k; i++)
        free(v[i].text);
    free(v);
    return rc;
}
