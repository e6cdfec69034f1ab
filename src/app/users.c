/* User store (see users.h): an array of users under one mutex, each change
 * persisted with a synced metadata batch before it is applied in memory. */
#include "app/users.h"

#include <argon2.h>
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "app/meta_key.h"
#include "base/buf.h"

#define T_COST 2
#define M_COST_KIB 8192
#define PARALLEL 1
#define SALT_LEN 16
#define HASH_LEN 32
#define ENCODED_MAX 160
#define CACHE_SLOTS 256
#define MAX_NAME 4096

typedef struct user {
    char *name;
    char hash[ENCODED_MAX];
    int admin;
    uint64_t seq;
    hb_user_priv *privs;
    size_t nprivs;
} user;

typedef struct cache_ent {
    unsigned char key[HASH_LEN];
    char *name;
    int64_t expires_ns;
} cache_ent;

struct hb_users {
    hb_meta_port *meta;
    pthread_mutex_t mu;
    user *v;
    size_t n, cap;
    uint64_t next_seq;
    int cache_secs;
    unsigned char secret[SALT_LEN];
    char dummy_hash[ENCODED_MAX];   /* verified for unknown users */
    pthread_mutex_t cmu;
    cache_ent cache[CACHE_SLOTS];
};

static const char *const priv_names[] = { "none", "read", "write", "all" };

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int fill_random(void *p, size_t n)
{
    unsigned char *b = p;
    while (n) {
        ssize_t r = getrandom(b, n, 0);
        if (r <= 0)
            return HB_EIO;
        b += r;
        n -= (size_t)r;
    }
    return HB_OK;
}

static int hash_password(const char *pw, char out[ENCODED_MAX], hb_err *err)
{
    unsigned char salt[SALT_LEN];
    if (fill_random(salt, sizeof salt))
        return hb_err_set(err, HB_EIO, "cannot read random bytes for a password salt");
    int rc = argon2id_hash_encoded(T_COST, M_COST_KIB, PARALLEL, pw, strlen(pw), salt, sizeof salt, HASH_LEN, out,
                                   ENCODED_MAX);
    return rc == ARGON2_OK ? HB_OK : hb_err_set(err, HB_ENOMEM, "password hashing failed: %s", argon2_error_message(rc));
}

static int verify_password(const char *hash, const char *pw)
{
    return argon2id_verify(hash, pw, strlen(pw)) == ARGON2_OK;   /* constant-time comparison inside */
}

/* ---- verification cache ---- */
static int cache_key(hb_users *u, const char *name, const char *pw, unsigned char key[HASH_LEN])
{
    size_t nl = strlen(name), pl = strlen(pw);
    hb_buf b;
    hb_buf_init(&b, 0);
    int rc = hb_buf_append(&b, name, nl + 1) || hb_buf_append(&b, pw, pl) ? HB_ENOMEM : HB_OK;
    if (!rc && argon2id_hash_raw(1, 8, 1, b.data, b.len, u->secret, sizeof u->secret, key, HASH_LEN) != ARGON2_OK)
        rc = HB_ENOMEM;
    if (b.data)
        memset(b.data, 0, b.len);
    hb_buf_free(&b);
    return rc;
}

static int ct_equal(const unsigned char *a, const unsigned char *b, size_t n)
{
    unsigned char d = 0;
    for (size_t i = 0; i < n; i++)
        d |= a[i] ^ b[i];
    return d == 0;
}

static int cache_hit(hb_users *u, const char *name, const unsigned char key[HASH_LEN])
{
    int hit = 0;
    pthread_mutex_lock(&u->cmu);
    cache_ent *e = &u->cache[key[0]];
    if (e->name && ct_equal(e->key, key, HASH_LEN) && strcmp(e->name, name) == 0 && e->expires_ns > mono_ns())
        hit = 1;
    pthread_mutex_unlock(&u->cmu);
    return hit;
}

static void cache_put(hb_users *u, const char *name, const unsigned char key[HASH_LEN])
{
    char *nm = strdup(name);
    if (!nm)
        return;
    pthread_mutex_lock(&u->cmu);
    cache_ent *e = &u->cache[key[0]];
    free(e->name);
    e->name = nm;
    memcpy(e->key, key, HASH_LEN);
    e->expires_ns = mono_ns() + (int64_t)u->cache_secs * 1000000000;
    pthread_mutex_unlock(&u->cmu);
}

static void cache_forget(hb_users *u, const char *name)
{
    pthread_mutex_lock(&u->cmu);
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        if (u->cache[i].name && strcmp(u->cache[i].name, name) == 0) {
            free(u->cache[i].name);
            memset(&u->cache[i], 0, sizeof u->cache[i]);
        }
    pthread_mutex_unlock(&u->cmu);
}

/* ---- persistence ---- */
static int user_key(hb_buf *k, const char *name)
{
    hb_buf_init(k, 0);
    return hb_buf_puts(k, "user:") || hb_meta_key_put(k, name, strlen(name)) ? HB_ENOMEM : HB_OK;
}

static int persist(hb_users *u, const user *us, int del, hb_err *err)
{
    hb_buf k;
    char *val = NULL;
    int rc = user_key(&k, us->name);
    if (rc) {
        hb_buf_free(&k);
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    }
    if (!del) {
        json_t *privs = json_object();
        for (size_t i = 0; privs && i < us->nprivs; i++)
            json_object_set_new(privs, us->privs[i].db, json_string(priv_names[us->privs[i].priv]));
        json_t *o = json_pack("{s:s,s:s,s:b,s:I,s:o}", "name", us->name, "hash", us->hash, "admin", us->admin, "seq",
                              (json_int_t)us->seq, "privileges", privs);
        val = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
        json_decref(o);
        if (!val) {
            hb_buf_free(&k);
            return hb_err_set(err, HB_ENOMEM, "out of memory");
        }
    }
    hb_meta_batch *b = u->meta->batch_new(u->meta->self);
    if (!b) {
        rc = hb_err_set(err, HB_ENOMEM, "out of memory");
        goto out;
    }
    rc = del ? u->meta->batch_del(b, k.data, k.len) : u->meta->batch_put(b, k.data, k.len, val, strlen(val));
    if (rc) {
        u->meta->batch_free(b);
        rc = hb_err_set(err, HB_ENOMEM, "out of memory");
        goto out;
    }
    rc = u->meta->batch_commit(u->meta->self, b, 1, err);
out:
    free(val);
    hb_buf_free(&k);
    return rc;
}

static void privs_free(hb_user_priv *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].db);
    free(v);
}

static void user_clear(user *us)
{
    free(us->name);
    privs_free(us->privs, us->nprivs);
    memset(us, 0, sizeof *us);
}

static int priv_cmp(const void *a, const void *b)
{
    return strcmp(((const hb_user_priv *)a)->db, ((const hb_user_priv *)b)->db);
}

static int seq_cmp(const void *a, const void *b)
{
    uint64_t x = ((const user *)a)->seq, y = ((const user *)b)->seq;
    return x < y ? -1 : x > y;
}

static int grow(hb_users *u)
{
    if (u->n < u->cap)
        return HB_OK;
    size_t nc = u->cap ? u->cap * 2 : 8;
    user *v = realloc(u->v, nc * sizeof *v);
    if (!v)
        return HB_ENOMEM;
    u->v = v;
    u->cap = nc;
    return HB_OK;
}

static int load_one(void *ctx, const char *key, size_t klen, const char *val, size_t vlen)
{
    hb_users *u = ctx;
    (void)key;
    (void)klen;
    json_error_t je;
    json_t *o = json_loadb(val, vlen, 0, &je);
    const char *name = NULL, *hash = NULL;
    int admin = 0;
    json_int_t seq = 0;
    json_t *privs = NULL;
    if (!o || json_unpack(o, "{s:s,s:s,s:b,s:I,s:o}", "name", &name, "hash", &hash, "admin", &admin, "seq", &seq,
                          "privileges", &privs) ||
        strlen(hash) >= ENCODED_MAX || !json_is_object(privs) || grow(u)) {
        json_decref(o);
        return HB_ECORRUPT;
    }
    user us = { .name = strdup(name), .admin = admin, .seq = (uint64_t)seq };
    strcpy(us.hash, hash);
    us.privs = calloc(json_object_size(privs) + 1, sizeof *us.privs);
    const char *db;
    json_t *pv;
    int rc = us.name && us.privs ? HB_OK : HB_ENOMEM;
    json_object_foreach(privs, db, pv)
    {
        if (rc)
            break;
        hb_iql_privilege p = HB_IQL_PRIV_NONE;
        const char *s = json_string_value(pv);
        for (int i = 0; s && i < 4; i++)
            if (!strcmp(s, priv_names[i]))
                p = (hb_iql_privilege)i;
        us.privs[us.nprivs].db = strdup(db);
        us.privs[us.nprivs++].priv = p;
        if (!us.privs[us.nprivs - 1].db)
            rc = HB_ENOMEM;
    }
    json_decref(o);
    if (rc) {
        user_clear(&us);
        return rc;
    }
    qsort(us.privs, us.nprivs, sizeof *us.privs, priv_cmp);
    if (us.seq >= u->next_seq)
        u->next_seq = us.seq + 1;
    u->v[u->n++] = us;
    return HB_OK;
}

int hb_users_open(hb_meta_port *meta, int cache_secs, hb_users **out, hb_err *err)
{
    hb_users *u = calloc(1, sizeof *u);
    if (!u)
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    u->meta = meta;
    u->cache_secs = cache_secs;
    u->next_seq = 1;
    pthread_mutex_init(&u->mu, NULL);
    pthread_mutex_init(&u->cmu, NULL);
    int rc = fill_random(u->secret, sizeof u->secret) ? hb_err_set(err, HB_EIO, "cannot read random bytes") : HB_OK;
    if (!rc)
        rc = hash_password("unknown user", u->dummy_hash, err);
    if (!rc) {
        hb_err e2;
        rc = meta->scan(meta->self, "user:", 5, load_one, u, &e2);
        if (rc)
            rc = hb_err_set(err, rc == HB_ENOMEM ? HB_ENOMEM : HB_ECORRUPT, "metadata: unreadable user record (%s)",
                            rc == HB_ECORRUPT ? "bad JSON" : e2.msg);
    }
    if (rc) {
        hb_users_free(u);
        return rc;
    }
    if (u->n > 1)
        qsort(u->v, u->n, sizeof *u->v, seq_cmp);
    *out = u;
    return HB_OK;
}

void hb_users_free(hb_users *u)
{
    if (!u)
        return;
    for (size_t i = 0; i < u->n; i++)
        user_clear(&u->v[i]);
    free(u->v);
    for (size_t i = 0; i < CACHE_SLOTS; i++)
        free(u->cache[i].name);
    pthread_mutex_destroy(&u->mu);
    pthread_mutex_destroy(&u->cmu);
    free(u);
}

static user *find(hb_users *u, const char *name)
{
    for (size_t i = 0; i < u->n; i++)
        if (strcmp(u->v[i].name, name) == 0)
            return &u->v[i];
    return NULL;
}

size_t hb_users_count(hb_users *u)
{
    pthread_mutex_lock(&u->mu);
    size_t n = u->n;
    pthread_mutex_unlock(&u->mu);
    return n;
}

int hb_users_admin_exists(hb_users *u)
{
    int yes = 0;
    pthread_mutex_lock(&u->mu);
    for (size_t i = 0; i < u->n && !yes; i++)
        yes = u->v[i].admin;
    pthread_mutex_unlock(&u->mu);
    return yes;
}

#define NOT_FOUND(err) hb_err_set(err, HB_ENOTFOUND, "user not found")

int hb_users_create(hb_users *u, const char *name, const char *password, int admin, hb_err *err)
{
    if (!*name)
        return hb_err_set(err, HB_EINVAL, "username required");
    if (strlen(name) > MAX_NAME)
        return hb_err_set(err, HB_ELIMIT, "user name too long");
    char hash[ENCODED_MAX];
    int rc;
    pthread_mutex_lock(&u->mu);
    user *old = find(u, name);
    if (old) {
        int same = old->admin == !!admin && verify_password(old->hash, password);
        pthread_mutex_unlock(&u->mu);
        return same ? HB_OK : hb_err_set(err, HB_EEXISTS, "user already exists");
    }
    pthread_mutex_unlock(&u->mu);
    if ((rc = hash_password(password, hash, err)))
        return rc;
    pthread_mutex_lock(&u->mu);
    if (find(u, name)) {
        rc = hb_err_set(err, HB_EEXISTS, "user already exists");
        goto out;
    }
    user us = { .name = strdup(name), .admin = !!admin, .seq = u->next_seq };
    memcpy(us.hash, hash, sizeof hash);
    if (!us.name || grow(u)) {
        free(us.name);
        rc = hb_err_set(err, HB_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = persist(u, &us, 0, err))) {
        free(us.name);
        goto out;
    }
    u->next_seq++;
    u->v[u->n++] = us;
out:
    pthread_mutex_unlock(&u->mu);
    return rc;
}

int hb_users_drop(hb_users *u, const char *name, hb_err *err)
{
    int rc;
    pthread_mutex_lock(&u->mu);
    user *us = find(u, name);
    if (!us) {
        rc = NOT_FOUND(err);
        goto out;
    }
    if ((rc = persist(u, us, 1, err)))
        goto out;
    user_clear(us);
    size_t i = (size_t)(us - u->v);
    memmove(&u->v[i], &u->v[i + 1], (u->n - i - 1) * sizeof *u->v);
    u->n--;
out:
    pthread_mutex_unlock(&u->mu);
    cache_forget(u, name);
    return rc;
}

int hb_users_set_password(hb_users *u, const char *name, const char *password, hb_err *err)
{
    char hash[ENCODED_MAX], saved[ENCODED_MAX];
    int rc = hash_password(password, hash, err);
    if (rc)
        return rc;
    pthread_mutex_lock(&u->mu);
    user *us = find(u, name);
    if (!us) {
        rc = NOT_FOUND(err);
        goto out;
    }
    memcpy(saved, us->hash, sizeof saved);
    memcpy(us->hash, hash, sizeof hash);
    if ((rc = persist(u, us, 0, err)))
        memcpy(us->hash, saved, sizeof saved);
out:
    pthread_mutex_unlock(&u->mu);
    cache_forget(u, name);
    return rc;
}

int hb_users_set_admin(hb_users *u, const char *name, int admin, hb_err *err)
{
    int rc;
    pthread_mutex_lock(&u->mu);
    user *us = find(u, name);
    if (!us) {
        rc = NOT_FOUND(err);
        goto out;
    }
    int was = us->admin;
    us->admin = !!admin;
    if ((rc = persist(u, us, 0, err)))
        us->admin = was;
out:
    pthread_mutex_unlock(&u->mu);
    return rc;
}

/* Sets db's privilege of us to p (adding the entry), persisted. */
static int set_priv(hb_users *u, user *us, const char *db, hb_iql_privilege p, hb_err *err)
{
    for (size_t i = 0; i < us->nprivs; i++)
        if (strcmp(us->privs[i].db, db) == 0) {
            hb_iql_privilege was = us->privs[i].priv;
            us->privs[i].priv = p;
            int rc = persist(u, us, 0, err);
            if (rc)
                us->privs[i].priv = was;
            return rc;
        }
    hb_user_priv *np = realloc(us->privs, (us->nprivs + 1) * sizeof *np);
    if (!np)
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    us->privs = np;
    np[us->nprivs].db = strdup(db);
    np[us->nprivs].priv = p;
    if (!np[us->nprivs].db)
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    us->nprivs++;
    int rc = persist(u, us, 0, err);
    if (rc)
        free(us->privs[--us->nprivs].db);
    else
        qsort(us->privs, us->nprivs, sizeof *us->privs, priv_cmp);
    return rc;
}

static hb_iql_privilege get_priv(const user *us, const char *db)
{
    for (size_t i = 0; i < us->nprivs; i++)
        if (strcmp(us->privs[i].db, db) == 0)
            return us->privs[i].priv;
    return HB_IQL_PRIV_NONE;
}

int hb_users_grant(hb_users *u, const char *name, const char *db, hb_iql_privilege p, hb_err *err)
{
    pthread_mutex_lock(&u->mu);
    user *us = find(u, name);
    int rc = us ? set_priv(u, us, db, p, err) : NOT_FOUND(err);
    pthread_mutex_unlock(&u->mu);
    return rc;
}

int hb_users_revoke(hb_users *u, const char *name, const char *db, hb_iql_privilege p, hb_err *err)
{
    pthread_mutex_lock(&u->mu);
    user *us = find(u, name);
    /* InfluxDB: REVOKE ALL sets none; otherwise the revoked bits are cleared (READ=1, WRITE=2, ALL=3) */
    int rc = us ? set_priv(u, us, db, p == HB_IQL_PRIV_ALL ? HB_IQL_PRIV_NONE : (hb_iql_privilege)(get_priv(us, db) & ~p),
                           err)
                : NOT_FOUND(err);
    pthread_mutex_unlock(&u->mu);
    return rc;
}

int hb_users_forget_database(hb_users *u, const char *db, hb_err *err)
{
    int rc = HB_OK;
    pthread_mutex_lock(&u->mu);
    for (size_t i = 0; i < u->n && !rc; i++) {
        user *us = &u->v[i];
        for (size_t k = 0; k < us->nprivs; k++)
            if (strcmp(us->privs[k].db, db) == 0) {
                hb_user_priv gone = us->privs[k];
                memmove(&us->privs[k], &us->privs[k + 1], (us->nprivs - k - 1) * sizeof *us->privs);
                us->nprivs--;
                rc = persist(u, us, 0, err);
                if (rc) {   /* put it back */
                    memmove(&us->privs[k + 1], &us->privs[k], (us->nprivs - k) * sizeof *us->privs);
                    us->privs[k] = gone;
                    us->nprivs++;
                } else {
                    free(gone.db);
                }
                break;
            }
    }
    pthread_mutex_unlock(&u->mu);
    return rc;
}

/* ---- snapshots ---- */
static int snap(const user *us, hb_principal *p)
{
    memset(p, 0, sizeof *p);
    p->name = strdup(us->name);
    p->admin = us->admin;
    p->privs = calloc(us->nprivs + 1, sizeof *p->privs);
    if (!p->name || !p->privs)
        return HB_ENOMEM;
    for (size_t i = 0; i < us->nprivs; i++) {
        p->privs[i].db = strdup(us->privs[i].db);
        p->privs[i].priv = us->privs[i].priv;
        if (!p->privs[i].db)
            return HB_ENOMEM;
        p->nprivs++;
    }
    return HB_OK;
}

static void principal_clear(hb_principal *p)
{
    free(p->name);
    privs_free(p->privs, p->nprivs);
}

void hb_principal_free(hb_principal *p)
{
    if (!p)
        return;
    principal_clear(p);
    free(p);
}

void hb_principals_free(hb_principal *p, size_t n)
{
    for (size_t i = 0; p && i < n; i++)
        principal_clear(&p[i]);
    free(p);
}

hb_principal *hb_principal_dup(const hb_principal *p)
{
    hb_principal *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    user us = { .name = p->name, .admin = p->admin, .privs = p->privs, .nprivs = p->nprivs };
    if (snap(&us, d)) {
        hb_principal_free(d);
        return NULL;
    }
    return d;
}

int hb_users_get(hb_users *u, const char *name, hb_principal **out, hb_err *err)
{
    int rc = HB_OK;
    *out = NULL;
    pthread_mutex_lock(&u->mu);
    user *us = find(u, name);
    if (!us) {
        rc = NOT_FOUND(err);
    } else if (!(*out = calloc(1, sizeof **out)) || snap(us, *out)) {
        hb_principal_free(*out);
        *out = NULL;
        rc = hb_err_set(err, HB_ENOMEM, "out of memory");
    }
    pthread_mutex_unlock(&u->mu);
    return rc;
}

int hb_users_list(hb_users *u, hb_principal **out, size_t *n, hb_err *err)
{
    int rc = HB_OK;
    pthread_mutex_lock(&u->mu);
    hb_principal *v = calloc(u->n + 1, sizeof *v);
    size_t k = 0;
    for (; v && k < u->n; k++)
        if (snap(&u->v[k], &v[k])) {
            k++;
            rc = HB_ENOMEM;
            break;
        }
    pthread_mutex_unlock(&u->mu);
    if (!v || rc) {
        hb_principals_free(v, k);
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    }
    *out = v;
    *n = k;
    return HB_OK;
}

int hb_users_authenticate(hb_users *u, const char *name, const char *password, hb_principal **out, hb_err *err)
{
    char hash[ENCODED_MAX];
    unsigned char key[HASH_LEN];
    *out = NULL;
    pthread_mutex_lock(&u->mu);
    user *us = find(u, name);
    memcpy(hash, us ? us->hash : u->dummy_hash, sizeof hash);
    pthread_mutex_unlock(&u->mu);
    int cached = 0, keyed = us && u->cache_secs > 0 && cache_key(u, name, password, key) == HB_OK;
    if (keyed)
        cached = cache_hit(u, name, key);
    int ok = cached || verify_password(hash, password);
    if (!us || !ok)
        return hb_err_set(err, HB_EINVAL, "authorization failed");
    int rc = hb_users_get(u, name, out, err);   /* gone meanwhile: not found */
    if (rc == HB_OK && keyed && !cached)
        cache_put(u, name, key);
    return rc == HB_ENOTFOUND ? hb_err_set(err, HB_EINVAL, "authorization failed") : rc;
}

int hb_principal_can(const hb_principal *p, hb_iql_privilege want, const char *db)
{
    if (p->admin || want == HB_IQL_PRIV_NONE)
        return 1;
    for (size_t i = 0; i < p->nprivs; i++)
        if (strcmp(p->privs[i].db, db ? db : "") == 0)
            return p->privs[i].priv == want || p->privs[i].priv == HB_IQL_PRIV_ALL;
    return 0;
}
