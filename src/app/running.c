/* Running queries (see running.h): a mutex-protected list; attach and
 * detach are once per /query request, never per point or row. */
#include "app/running.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/metric.h"

struct hb_running_task {
    uint64_t qid;
    char *query, *db;
    int64_t start_ns;   /* CLOCK_MONOTONIC */
    atomic_int killed;
    hb_running_task *prev, *next;
};

struct hb_running {
    pthread_mutex_t mu;
    uint64_t next_qid;
    size_t n;
    hb_running_task *head, *tail;   /* by qid */
};

int hb_running_new(hb_running **out)
{
    hb_running *r = calloc(1, sizeof *r);
    if (!r)
        return HB_ENOMEM;
    pthread_mutex_init(&r->mu, NULL);
    r->next_qid = 1;
    *out = r;
    return HB_OK;
}

static void task_free(hb_running_task *t)
{
    free(t->query);
    free(t->db);
    free(t);
}

void hb_running_free(hb_running *r)
{
    if (!r)
        return;
    for (hb_running_task *t = r->head, *nx; t; t = nx) {
        nx = t->next;
        task_free(t);
    }
    pthread_mutex_destroy(&r->mu);
    free(r);
}

int hb_running_attach(hb_running *r, const char *query, const char *db, hb_running_task **out)
{
    hb_running_task *t = calloc(1, sizeof *t);
    if (!t)
        return HB_ENOMEM;
    t->query = strdup(query ? query : "");
    t->db = strdup(db ? db : "");
    if (!t->query || !t->db) {
        task_free(t);
        return HB_ENOMEM;
    }
    atomic_init(&t->killed, 0);
    t->start_ns = hb_mono_ns();
    pthread_mutex_lock(&r->mu);
    t->qid = r->next_qid++;
    t->prev = r->tail;
    if (r->tail)
        r->tail->next = t;
    else
        r->head = t;
    r->tail = t;
    r->n++;
    pthread_mutex_unlock(&r->mu);
    *out = t;
    return HB_OK;
}

void hb_running_detach(hb_running *r, hb_running_task *t)
{
    if (!t)
        return;
    pthread_mutex_lock(&r->mu);
    if (t->prev)
        t->prev->next = t->next;
    else
        r->head = t->next;
    if (t->next)
        t->next->prev = t->prev;
    else
        r->tail = t->prev;
    r->n--;
    pthread_mutex_unlock(&r->mu);
    task_free(t);
}

uint64_t hb_running_qid(const hb_running_task *t) { return t->qid; }
const atomic_int *hb_running_kill_flag(const hb_running_task *t) { return &t->killed; }

int hb_running_kill(hb_running *r, uint64_t qid)
{
    int rc = HB_ENOTFOUND;
    pthread_mutex_lock(&r->mu);
    for (hb_running_task *t = r->head; t; t = t->next)
        if (t->qid == qid) {
            atomic_store(&t->killed, 1);
            rc = HB_OK;
            break;
        }
    pthread_mutex_unlock(&r->mu);
    return rc;
}

size_t hb_running_count(hb_running *r)
{
    pthread_mutex_lock(&r->mu);
    size_t n = r->n;
    pthread_mutex_unlock(&r->mu);
    return n;
}

void hb_running_info_free(hb_running_info *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        free(v[i].query);
        free(v[i].db);
    }
    free(v);
}

int hb_running_list(hb_running *r, hb_running_info **out, size_t *n)
{
    int rc = HB_OK;
    int64_t now = hb_mono_ns();
    pthread_mutex_lock(&r->mu);
    hb_running_info *v = calloc(r->n ? r->n : 1, sizeof *v);
    size_t k = 0;
    if (!v) {
        rc = HB_ENOMEM;
        goto out;
    }
    for (hb_running_task *t = r->head; t; t = t->next, k++) {
        v[k].qid = t->qid;
        v[k].query = strdup(t->query);
        v[k].db = strdup(t->db);
        v[k].duration_ns = now - t->start_ns;
        v[k].killed = atomic_load(&t->killed);
        if (!v[k].query || !v[k].db) {
            hb_running_info_free(v, k + 1);
            v = NULL;
            k = 0;
            rc = HB_ENOMEM;
            goto out;
        }
    }
out:
    pthread_mutex_unlock(&r->mu);
    *out = v;
    *n = k;
    return rc;
}

void hb_running_format_duration(int64_t ns, char out[32])
{
    static const struct {
        int64_t unit;
        const char *name;
    } units[] = { { 86400000000000LL, "d" }, { 3600000000000LL, "h" }, { 60000000000LL, "m" },
                  { 1000000000LL, "s" },     { 1000000LL, "ms" },      { 1000LL, "\xc2\xb5s" } };
    if (ns < 0)
        ns = 0;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (ns >= units[i].unit) {
            snprintf(out, 32, "%" PRId64 "%s", ns / units[i].unit, units[i].name);
            return;
        }
    snprintf(out, 32, "%" PRId64 "ns", ns);
}
