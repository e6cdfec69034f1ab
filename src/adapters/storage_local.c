#include "adapters/storage_local.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"

typedef struct local {
    char *root;
} local;

struct hb_storage_writer {
    local *st;
    int fd;
    char *final_path;
    char *temp_path;
};

/* {root}/{key} in a malloc'd string (caller frees), or NULL. */
static char *path_of(const local *st, const char *key)
{
    size_t n = strlen(st->root) + 1 + strlen(key) + 1;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", st->root, key);
    return p;
}

/* The path of a valid key in *out (caller frees): HB_EINVAL for a bad key,
 * HB_ENOMEM. */
static int key_path(const local *st, const char *key, char **out, hb_err *err)
{
    int rc = hb_storage_key_check(key, err);
    if (rc)
        return rc;
    if (!(*out = path_of(st, key)))
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    return HB_OK;
}

static int mkdirs(char *path, hb_err *err)
{
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        int r = mkdir(path, 0755);
        int e = errno;
        *p = '/';
        if (r && e != EEXIST)
            return hb_err_set(err, HB_EIO, "storage: cannot create directory for %s: %s", path, strerror(e));
    }
    return HB_OK;
}

static int fsync_parent(const char *path, hb_err *err)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return HB_OK;
    *slash = '\0';
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return hb_err_set(err, HB_EIO, "storage: cannot open directory %s: %s", dir, strerror(errno));
    int r = fsync(fd);
    int e = errno;
    close(fd);
    if (r)
        return hb_err_set(err, HB_EIO, "storage: fsync of directory %s failed: %s", dir, strerror(e));
    return HB_OK;
}

static int local_writer_open(void *self, const char *key, hb_storage_writer **out, hb_err *err)
{
    local *st = self;
    int rc = hb_storage_key_check(key, err);
    if (rc)
        return rc;
    hb_storage_writer *w = calloc(1, sizeof *w);
    if (!w)
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    w->st = st;
    w->fd = -1;
    w->final_path = path_of(st, key);
    if (!w->final_path)
        goto nomem;
    if ((rc = mkdirs(w->final_path, err)))
        goto fail;
    uint64_t rnd = 0;
    if (getrandom(&rnd, sizeof rnd, 0) != sizeof rnd)
        rnd = (uint64_t)getpid() ^ (uint64_t)(uintptr_t)w;
    const char *base = strrchr(w->final_path, '/') + 1;
    size_t dirlen = (size_t)(base - w->final_path);
    size_t n = strlen(w->final_path) + 32;
    w->temp_path = malloc(n);
    if (!w->temp_path)
        goto nomem;
    snprintf(w->temp_path, n, "%.*s.%s.tmp-%016llx", (int)dirlen, w->final_path, base, (unsigned long long)rnd);
    w->fd = open(w->temp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (w->fd < 0) {
        rc = hb_err_set(err, HB_EIO, "storage: cannot create %s: %s", w->temp_path, strerror(errno));
        goto fail;
    }
    *out = w;
    return HB_OK;
nomem:
    rc = hb_err_set(err, HB_ENOMEM, "out of memory");
fail:
    free(w->final_path);
    free(w->temp_path);
    free(w);
    return rc;
}

static int local_writer_write(hb_storage_writer *w, const void *data, size_t len, hb_err *err)
{
    const char *p = data;
    while (len) {
        ssize_t n = write(w->fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return hb_err_set(err, HB_EIO, "storage: write to %s failed: %s", w->temp_path, strerror(errno));
        }
        p += n;
        len -= (size_t)n;
    }
    return HB_OK;
}

static void writer_free(hb_storage_writer *w)
{
    if (w->fd >= 0)
        close(w->fd);
    free(w->final_path);
    free(w->temp_path);
    free(w);
}

static void local_writer_abort(hb_storage_writer *w)
{
    if (w->temp_path)
        unlink(w->temp_path);
    writer_free(w);
}

static int local_writer_commit(hb_storage_writer *w, hb_err *err)
{
    int rc = HB_OK;
    if (fsync(w->fd)) {
        rc = hb_err_set(err, HB_EIO, "storage: fsync of %s failed: %s", w->temp_path, strerror(errno));
        goto fail;
    }
    int r = close(w->fd);
    w->fd = -1;
    if (r) {
        rc = hb_err_set(err, HB_EIO, "storage: close of %s failed: %s", w->temp_path, strerror(errno));
        goto fail;
    }
    if (rename(w->temp_path, w->final_path)) {
        rc = hb_err_set(err, HB_EIO, "storage: rename %s -> %s failed: %s", w->temp_path, w->final_path,
                        strerror(errno));
        goto fail;
    }
    rc = fsync_parent(w->final_path, err);
    writer_free(w);
    return rc;
fail:
    local_writer_abort(w);
    return rc;
}

static int local_put(void *self, const char *key, const void *data, size_t len, hb_err *err)
{
    hb_storage_writer *w;
    int rc = local_writer_open(self, key, &w, err);
    if (rc)
        return rc;
    if ((rc = local_writer_write(w, data, len, err))) {
        local_writer_abort(w);
        return rc;
    }
    return local_writer_commit(w, err);
}

static int local_size(void *self, const char *key, uint64_t *size, hb_err *err)
{
    char *p;
    int rc = key_path(self, key, &p, err);
    if (rc)
        return rc;
    struct stat sb;
    if (stat(p, &sb)) {
        int e = errno;
        rc = hb_err_set(err, e == ENOENT ? HB_ENOTFOUND : HB_EIO, "storage: %s: %s", key, strerror(e));
    } else {
        *size = (uint64_t)sb.st_size;
    }
    free(p);
    return rc;
}

/* len bytes at off of the open file fd (named key in errors). */
static int pread_all(int fd, const char *key, uint64_t off, void *buf, size_t len, hb_err *err)
{
    int rc = HB_OK;
    char *dst = buf;
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, dst + done, len - done, (off_t)(off + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = hb_err_set(err, HB_EIO, "storage: read of %s at %llu failed: %s", key,
                            (unsigned long long)(off + done), strerror(errno));
            break;
        }
        if (n == 0) {
            rc = hb_err_set(err, HB_ECORRUPT, "storage: %s ends before byte %llu (wanted %zu bytes at %llu)", key,
                            (unsigned long long)(off + done), len, (unsigned long long)off);
            break;
        }
        done += (size_t)n;
    }
    return rc;
}

static int open_key(void *self, const char *key, int *fd, hb_err *err)
{
    char *p;
    int rc = key_path(self, key, &p, err);
    if (rc)
        return rc;
    *fd = open(p, O_RDONLY | O_CLOEXEC);
    if (*fd < 0) {
        int e = errno;
        rc = hb_err_set(err, e == ENOENT ? HB_ENOTFOUND : HB_EIO, "storage: cannot open %s: %s", key, strerror(e));
    }
    free(p);
    return rc;
}

static int local_read(void *self, const char *key, uint64_t off, void *buf, size_t len, hb_err *err)
{
    int fd;
    int rc = open_key(self, key, &fd, err);
    if (rc)
        return rc;
    rc = pread_all(fd, key, off, buf, len, err);
    close(fd);
    return rc;
}

struct hb_storage_obj {
    int fd;
    char key[];
};

static int local_open_object(void *self, const char *key, hb_storage_obj **out, hb_err *err)
{
    size_t kl = strlen(key);
    hb_storage_obj *o = malloc(sizeof *o + kl + 1);
    if (!o)
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    int rc = open_key(self, key, &o->fd, err);
    if (rc) {
        free(o);
        return rc;
    }
    memcpy(o->key, key, kl + 1);
    *out = o;
    return HB_OK;
}

static int local_read_object(hb_storage_obj *o, uint64_t off, void *buf, size_t len, hb_err *err)
{
    return pread_all(o->fd, o->key, off, buf, len, err);
}

static void local_close_object(hb_storage_obj *o)
{
    if (!o)
        return;
    close(o->fd);
    free(o);
}

/* ---- listing: a recursive walk collecting (key, size), sorted ---- */
typedef struct entry {
    char *key;
    uint64_t size;
} entry;

typedef struct walk {
    entry *v;
    size_t n, cap;
    const char *prefix;
    int partial;        /* collect temp files instead of objects */
} walk;

static int walk_add(walk *w, const char *key, uint64_t size)
{
    if (w->n == w->cap) {
        size_t nc = w->cap ? w->cap * 2 : 64;
        entry *nv = realloc(w->v, nc * sizeof *nv);
        if (!nv)
            return HB_ENOMEM;
        w->v = nv;
        w->cap = nc;
    }
    if (!(w->v[w->n].key = strdup(key)))
        return HB_ENOMEM;
    w->v[w->n++].size = size;
    return HB_OK;
}

/* Walk {root}/{rel}; rel is "" or ends with '/'. */
static int walk_dir(const local *st, hb_buf *rel, walk *w, hb_err *err)
{
    hb_buf path;
    hb_buf_init(&path, 0);
    hb_buf_printf(&path, "%s/%s", st->root, hb_buf_cstr(rel));
    DIR *d = opendir(hb_buf_cstr(&path));
    int rc = HB_OK;
    if (!d) {
        if (errno != ENOENT && errno != ENOTDIR)
            rc = hb_err_set(err, HB_EIO, "storage: cannot list %s: %s", hb_buf_cstr(&path), strerror(errno));
        hb_buf_free(&path);
        return rc;
    }
    size_t base = rel->len;
    struct dirent *de;
    while (!rc && (de = readdir(d))) {
        const char *name = de->d_name;
        if (!strcmp(name, ".") || !strcmp(name, ".."))
            continue;
        int is_temp = name[0] == '.' && strstr(name, ".tmp-") != NULL;
        if (name[0] == '.' && !(w->partial && is_temp))
            continue;
        rel->len = base;
        hb_buf_puts(rel, name);
        /* prune subtrees that cannot match the prefix */
        size_t pl = strlen(w->prefix), cl = rel->len < pl ? rel->len : pl;
        if (strncmp(rel->data, w->prefix, cl) != 0)
            continue;
        struct stat sb;
        char full[4096];
        snprintf(full, sizeof full, "%s/%s", st->root, rel->data);
        if (lstat(full, &sb))
            continue;  /* removed meanwhile */
        if (S_ISDIR(sb.st_mode)) {
            hb_buf_putc(rel, '/');
            rc = walk_dir(st, rel, w, err);
        } else if (S_ISREG(sb.st_mode) && rel->len >= pl && (w->partial ? is_temp : 1)) {
            if (walk_add(w, rel->data, (uint64_t)sb.st_size))
                rc = hb_err_set(err, HB_ENOMEM, "out of memory listing storage");
        }
    }
    rel->len = base;
    if (rel->data)
        rel->data[base] = '\0';
    closedir(d);
    hb_buf_free(&path);
    return rc;
}

static int cmp_entry(const void *a, const void *b) { return strcmp(((const entry *)a)->key, ((const entry *)b)->key); }

static void walk_free(walk *w)
{
    for (size_t i = 0; i < w->n; i++)
        free(w->v[i].key);
    free(w->v);
}

static int local_list(void *self, const char *prefix, hb_storage_list_fn fn, void *ctx, hb_err *err)
{
    walk w = { .prefix = prefix ? prefix : "" };
    hb_buf rel;
    hb_buf_init(&rel, 0);
    hb_buf_puts(&rel, "");
    int rc = walk_dir(self, &rel, &w, err);
    hb_buf_free(&rel);
    if (!rc) {
        if (w.n)
            qsort(w.v, w.n, sizeof *w.v, cmp_entry);
        for (size_t i = 0; i < w.n && !rc; i++)
            rc = fn(ctx, w.v[i].key, w.v[i].size);
    }
    walk_free(&w);
    return rc;
}

/* Remove now-empty directories between path and the root. */
static void prune_dirs(const local *st, char *path)
{
    size_t rl = strlen(st->root);
    for (;;) {
        char *slash = strrchr(path, '/');
        if (!slash || (size_t)(slash - path) <= rl)
            return;
        *slash = '\0';
        if (rmdir(path))
            return;  /* not empty (or gone): stop */
    }
}

static int local_remove(void *self, const char *key, hb_err *err)
{
    local *st = self;
    char *p;
    int rc = key_path(st, key, &p, err);
    if (rc)
        return rc;
    if (unlink(p) && errno != ENOENT)
        rc = hb_err_set(err, HB_EIO, "storage: cannot remove %s: %s", key, strerror(errno));
    else
        prune_dirs(st, p);
    free(p);
    return rc;
}

static int local_clean_partial(void *self, uint64_t *removed, hb_err *err)
{
    local *st = self;
    walk w = { .prefix = "", .partial = 1 };
    hb_buf rel;
    hb_buf_init(&rel, 0);
    hb_buf_puts(&rel, "");
    int rc = walk_dir(st, &rel, &w, err);
    hb_buf_free(&rel);
    *removed = 0;
    for (size_t i = 0; !rc && i < w.n; i++) {
        char *p = path_of(st, w.v[i].key);
        if (!p) {
            rc = hb_err_set(err, HB_ENOMEM, "out of memory");
            break;
        }
        if (unlink(p) == 0)
            (*removed)++;
        free(p);
    }
    walk_free(&w);
    return rc;
}

static void local_close(void *self)
{
    local *st = self;
    free(st->root);
    free(st);
}

int hb_storage_local_open(const char *root, hb_storage_port *out, hb_err *err)
{
    local *st = calloc(1, sizeof *st);
    if (!st || !(st->root = strdup(root))) {
        free(st);
        return hb_err_set(err, HB_ENOMEM, "out of memory");
    }
    size_t n = strlen(st->root);
    while (n > 1 && st->root[n - 1] == '/')
        st->root[--n] = '\0';
    char probe[4096];
    snprintf(probe, sizeof probe, "%s/x", st->root);
    int rc = mkdirs(probe, err);
    if (rc) {
        local_close(st);
        return rc;
    }
    *out = (hb_storage_port){
        .self = st,
        .put = local_put,
        .writer_open = local_writer_open,
        .writer_write = local_writer_write,
        .writer_commit = local_writer_commit,
        .writer_abort = local_writer_abort,
        .size = local_size,
        .read = local_read,
        .open_object = local_open_object,
        .read_object = local_read_object,
        .close_object = local_close_object,
        .list = local_list,
        .remove = local_remove,
        .clean_partial = local_clean_partial,
        .close = local_close,
    };
    return HB_OK;
}
