/* The registry of running queries (SHOW QUERIES, KILL QUERY): each /query
 * request is attached while its statements run, under an id that grows
 * from 1, with its (password-redacted) text, database and start time, and
 * a kill flag the SELECT engine checks between scan blocks. */
#ifndef HB_APP_RUNNING_H
#define HB_APP_RUNNING_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

typedef struct hb_running hb_running;
typedef struct hb_running_task hb_running_task;

typedef struct hb_running_info {
    uint64_t qid;
    char *query;
    char *db;
    int64_t duration_ns;
    int killed;
} hb_running_info;

/* Returns the registry (owned by the caller: hb_running_free). */
int hb_running_new(hb_running **out);
void hb_running_free(hb_running *r);

/* Attach a query; *out is owned by the registry until hb_running_detach. */
int hb_running_attach(hb_running *r, const char *query, const char *db, hb_running_task **out);
void hb_running_detach(hb_running *r, hb_running_task *t);
uint64_t hb_running_qid(const hb_running_task *t);
/* Non-zero once KILL QUERY named the task. Valid until detach. */
const atomic_int *hb_running_kill_flag(const hb_running_task *t);

/* HB_ENOTFOUND when no running query has that id. */
int hb_running_kill(hb_running *r, uint64_t qid);

/* A snapshot by qid (malloc'd; free with hb_running_info_free). */
int hb_running_list(hb_running *r, hb_running_info **out, size_t *n);
void hb_running_info_free(hb_running_info *v, size_t n);
size_t hb_running_count(hb_running *r);

/* influxd's duration text for SHOW QUERIES: the largest whole unit
 * (d, h, m, s, ms, µs, ns), e.g. "81µs", "2s". */
void hb_running_format_duration(int64_t ns, char out[32]);

#endif
