/* MetaPort in memory: a skip list of (key, value) nodes ordered bytewise.
 *
 * A node's height comes from a hash of its key (each further level with
 * probability 1/4), so the structure needs no random state and the same keys
 * always give the same shape (deterministic simulation).
 *
 * Batches pre-build every node when an operation is added, so committing only
 * links and unlinks nodes: it cannot fail half-way, which makes it atomic.
 * Scans copy the matching entries under the read lock and call back after
 * releasing it (a snapshot, like a RocksDB iterator), so a callback may use
 * the store itself. */
#include "adapters/meta_memory.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LEVEL 20

typedef struct mnode {
    char *key;
    size_t klen;
    char *val;
    size_t vlen;
    int level;
    struct mnode *next[];
} mnode;

typedef struct mem_store {
    pthread_rwlock_t lock;
    mnode *head;  /* sentinel with MAX_LEVEL links, no key */
    size_t count;
} mem_store;

enum { OP_PUT, OP_DEL, OP_DEL_PREFIX };

typedef struct mem_op {
    int kind;
    mnode *node;  /* OP_PUT: the node to link (owned by the batch until commit) */
    char *key;    /* OP_DEL, OP_DEL_PREFIX: owned copy */
    size_t klen;
} mem_op;

struct hb_meta_batch {
    mem_store *s;
    mem_op *ops;
    size_t n, cap;
    int failed;   /* an operation could not be recorded: commit refuses */
};

static int key_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    int c = n ? memcmp(a, b, n) : 0;
    if (c)
        return c;
    return an < bn ? -1 : an > bn;
}

static int level_of(const char *key, size_t klen)
{
    /* FNV-1a then a final avalanche; two zero bits per extra level */
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < klen; i++) {
        h ^= (unsigned char)key[i];
        h *= 1099511628211ull;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    int lvl = 1;
    while (lvl < MAX_LEVEL && (h & 3) == 0) {
        lvl++;
        h >>= 2;
    }
    return lvl;
}

/* A node with key and value copied into the same block; owned by the caller. */
static mnode *node_new(const char *key, size_t klen, const char *val, size_t vlen)
{
    int lvl = level_of(key, klen);
    size_t links = (size_t)lvl * sizeof(mnode *);
    mnode *n = malloc(sizeof *n + links + klen + 1 + vlen + 1);
    if (!n)
        return NULL;
    n->level = lvl;
    memset(n->next, 0, links);
    n->key = (char *)n->next + links;
    n->klen = klen;
    if (klen)
        memcpy(n->key, key, klen);
    n->key[klen] = '\0';
    n->val = n->key + klen + 1;
    n->vlen = vlen;
    if (vlen)
        memcpy(n->val, val, vlen);
    n->val[vlen] = '\0';
    return n;
}

/* Fill pred[i] with the last node at level i whose key is < key; returns the
 * first node >= key (or NULL). */
static mnode *find_ge(mem_store *s, const char *key, size_t klen, mnode **pred)
{
    mnode *x = s->head;
    for (int i = MAX_LEVEL - 1; i >= 0; i--) {
        while (x->next[i] && key_cmp(x->next[i]->key, x->next[i]->klen, key, klen) < 0)
            x = x->next[i];
        if (pred)
            pred[i] = x;
    }
    return x->next[0];
}

static void unlink_node(mem_store *s, mnode *n, mnode **pred)
{
    for (int i = 0; i < n->level; i++)
        if (pred[i]->next[i] == n)
            pred[i]->next[i] = n->next[i];
    s->count--;
}

static void apply_put(mem_store *s, mnode *n)
{
    mnode *pred[MAX_LEVEL];
    mnode *x = find_ge(s, n->key, n->klen, pred);
    if (x && key_cmp(x->key, x->klen, n->key, n->klen) == 0) {
        unlink_node(s, x, pred);
        free(x);
    }
    for (int i = 0; i < n->level; i++) {
        n->next[i] = pred[i]->next[i];
        pred[i]->next[i] = n;
    }
    s->count++;
}

static void apply_del(mem_store *s, const char *key, size_t klen)
{
    mnode *pred[MAX_LEVEL];
    mnode *x = find_ge(s, key, klen, pred);
    if (x && key_cmp(x->key, x->klen, key, klen) == 0) {
        unlink_node(s, x, pred);
        free(x);
    }
}

static int has_prefix(const mnode *n, const char *prefix, size_t plen)
{
    return n->klen >= plen && (plen == 0 || memcmp(n->key, prefix, plen) == 0);
}

static void apply_del_prefix(mem_store *s, const char *prefix, size_t plen)
{
    mnode *pred[MAX_LEVEL];
    mnode *x = find_ge(s, prefix, plen, pred);
    /* pred[] stays valid for the successor of a removed node: nothing lies
     * between them */
    while (x && has_prefix(x, prefix, plen)) {
        mnode *nx = x->next[0];
        unlink_node(s, x, pred);
        free(x);
        x = nx;
    }
}

static int mem_get(void *self, const char *key, size_t klen, char **val, size_t *vlen, hb_err *err)
{
    mem_store *s = self;
    int rc = HB_OK;
    pthread_rwlock_rdlock(&s->lock);
    mnode *x = find_ge(s, key, klen, NULL);
    if (!x || key_cmp(x->key, x->klen, key, klen) != 0) {
        rc = hb_err_set(err, HB_ENOTFOUND, "metadata key '%.*s' not found", (int)klen, key);
        goto out;
    }
    char *v = malloc(x->vlen + 1);
    if (!v) {
        rc = hb_err_set(err, HB_ENOMEM, "out of memory reading metadata key '%.*s'", (int)klen, key);
        goto out;
    }
    memcpy(v, x->val, x->vlen + 1);
    *val = v;
    *vlen = x->vlen;
out:
    pthread_rwlock_unlock(&s->lock);
    return rc;
}

typedef struct snap_ent {
    char *key;   /* key and value in one block */
    size_t klen;
    char *val;
    size_t vlen;
} snap_ent;

static int mem_scan(void *self, const char *prefix, size_t plen, hb_meta_scan_fn fn, void *ctx, hb_err *err)
{
    mem_store *s = self;
    snap_ent *ents = NULL;
    size_t n = 0, cap = 0;
    int rc = HB_OK;

    pthread_rwlock_rdlock(&s->lock);
    for (mnode *x = find_ge(s, prefix, plen, NULL); x && has_prefix(x, prefix, plen); x = x->next[0]) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            snap_ent *ne = realloc(ents, ncap * sizeof *ne);
            if (!ne) {
                rc = HB_ENOMEM;
                break;
            }
            ents = ne;
            cap = ncap;
        }
        char *blk = malloc(x->klen + x->vlen + 2);
        if (!blk) {
            rc = HB_ENOMEM;
            break;
        }
        memcpy(blk, x->key, x->klen + 1);
        memcpy(blk + x->klen + 1, x->val, x->vlen + 1);
        ents[n++] = (snap_ent){ blk, x->klen, blk + x->klen + 1, x->vlen };
    }
    pthread_rwlock_unlock(&s->lock);
    if (rc) {
        hb_err_set(err, rc, "out of memory scanning metadata prefix '%.*s'", (int)plen, prefix);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        int r = fn(ctx, ents[i].key, ents[i].klen, ents[i].val, ents[i].vlen);
        if (r) {
            rc = r;
            break;
        }
    }
out:
    for (size_t i = 0; i < n; i++)
        free(ents[i].key);
    free(ents);
    return rc;
}

/* The batch is owned by the caller until batch_commit or batch_free. */
static hb_meta_batch *mem_batch_new(void *self)
{
    hb_meta_batch *b = calloc(1, sizeof *b);
    if (b)
        b->s = self;
    return b;
}

static int batch_push(hb_meta_batch *b, mem_op op)
{
    if (b->n == b->cap) {
        size_t ncap = b->cap ? b->cap * 2 : 16;
        mem_op *no = realloc(b->ops, ncap * sizeof *no);
        if (!no)
            return HB_ENOMEM;
        b->ops = no;
        b->cap = ncap;
    }
    b->ops[b->n++] = op;
    return HB_OK;
}

static int mem_batch_put(hb_meta_batch *b, const char *key, size_t klen, const char *val, size_t vlen)
{
    if (klen > HB_META_MEMORY_KEY_MAX) {
        b->failed = HB_ELIMIT;
        return HB_ELIMIT;
    }
    mnode *n = node_new(key, klen, val, vlen);
    if (!n || batch_push(b, (mem_op){ OP_PUT, n, NULL, 0 })) {
        free(n);
        b->failed = HB_ENOMEM;
        return HB_ENOMEM;
    }
    return HB_OK;
}

static int push_key_op(hb_meta_batch *b, int kind, const char *key, size_t klen)
{
    char *k = malloc(klen + 1);
    if (!k || batch_push(b, (mem_op){ kind, NULL, k, klen })) {
        free(k);
        b->failed = HB_ENOMEM;
        return HB_ENOMEM;
    }
    if (klen)
        memcpy(k, key, klen);
    k[klen] = '\0';
    return HB_OK;
}

static int mem_batch_del(hb_meta_batch *b, const char *key, size_t klen)
{
    return push_key_op(b, OP_DEL, key, klen);
}

static int mem_batch_del_prefix(hb_meta_batch *b, const char *prefix, size_t plen)
{
    return push_key_op(b, OP_DEL_PREFIX, prefix, plen);
}

static void mem_batch_free(hb_meta_batch *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++) {
        free(b->ops[i].node);
        free(b->ops[i].key);
    }
    free(b->ops);
    free(b);
}

static int mem_batch_commit(void *self, hb_meta_batch *b, int sync, hb_err *err)
{
    mem_store *s = self;
    (void)sync;
    if (b->failed) {
        int rc = b->failed;
        mem_batch_free(b);
        return hb_err_set(err, rc, "metadata batch incomplete: an operation failed (%s)", hb_strerror(rc));
    }
    pthread_rwlock_wrlock(&s->lock);
    for (size_t i = 0; i < b->n; i++) {
        mem_op *op = &b->ops[i];
        switch (op->kind) {
        case OP_PUT:
            apply_put(s, op->node);
            op->node = NULL;  /* now owned by the store */
            break;
        case OP_DEL:
            apply_del(s, op->key, op->klen);
            break;
        case OP_DEL_PREFIX:
            apply_del_prefix(s, op->key, op->klen);
            break;
        }
    }
    pthread_rwlock_unlock(&s->lock);
    mem_batch_free(b);
    return HB_OK;
}

static void mem_close(void *self)
{
    mem_store *s = self;
    if (!s)
        return;
    mnode *x = s->head;
    while (x) {
        mnode *nx = x->next[0];
        free(x);
        x = nx;
    }
    pthread_rwlock_destroy(&s->lock);
    free(s);
}

int hb_meta_memory_open(hb_meta_port *out, hb_err *err)
{
    mem_store *s = calloc(1, sizeof *s);
    if (!s)
        return hb_err_set(err, HB_ENOMEM, "out of memory opening the in-memory metadata store");
    s->head = calloc(1, sizeof *s->head + MAX_LEVEL * sizeof(mnode *));
    if (!s->head) {
        free(s);
        return hb_err_set(err, HB_ENOMEM, "out of memory opening the in-memory metadata store");
    }
    s->head->level = MAX_LEVEL;
    if (pthread_rwlock_init(&s->lock, NULL)) {
        free(s->head);
        free(s);
        return hb_err_set(err, HB_ENOMEM, "cannot create the in-memory metadata store lock");
    }
    memset(out, 0, sizeof *out);
    out->self = s;
    out->get = mem_get;
    out->scan = mem_scan;
    out->batch_new = mem_batch_new;
    out->batch_put = mem_batch_put;
    out->batch_del = mem_batch_del;
    out->batch_del_prefix = mem_batch_del_prefix;
    out->batch_commit = mem_batch_commit;
    out->batch_free = mem_batch_free;
    out->close = mem_close;
    return HB_OK;
}
