/* StoragePort contract, run against the local-filesystem and memory
 * adapters, plus what only the local adapter can show (files on disk). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adapters/storage_local.h"
#include "adapters/storage_memory.h"

typedef struct fx {
    hb_storage_port st;
    char dir[64];
    int local;
} fx;

static int setup_local(void **state)
{
    fx *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/hb_storage_test_XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    hb_err err;
    assert_int_equal(hb_storage_local_open(f->dir, &f->st, &err), 0);
    f->local = 1;
    *state = f;
    return 0;
}

static int setup_memory(void **state)
{
    fx *f = calloc(1, sizeof *f);
    hb_err err;
    assert_int_equal(hb_storage_memory_open(&f->st, &err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    f->st.close(f->st.self);
    if (f->local) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
        assert_int_equal(system(cmd), 0);
    }
    free(f);
    return 0;
}

typedef struct listing {
    char keys[16][128];
    uint64_t sizes[16];
    int n;
} listing;

static int collect(void *ctx, const char *key, uint64_t size)
{
    listing *l = ctx;
    if (l->n < 16) {
        snprintf(l->keys[l->n], sizeof l->keys[0], "%s", key);
        l->sizes[l->n] = size;
    }
    l->n++;
    return 0;
}

static void put_read_size(void **state)
{
    fx *f = *state;
    hb_err err;
    hb_storage_port *s = &f->st;
    assert_int_equal(s->put(s->self, "db/autogen/cpu/2024-01-15/10.parquet", "hello world", 11, &err), 0);
    uint64_t size = 0;
    assert_int_equal(s->size(s->self, "db/autogen/cpu/2024-01-15/10.parquet", &size, &err), 0);
    assert_int_equal(size, 11);
    char buf[16] = { 0 };
    assert_int_equal(s->read(s->self, "db/autogen/cpu/2024-01-15/10.parquet", 6, buf, 5, &err), 0);
    assert_string_equal(buf, "world");
    /* reading past the end names the object */
    assert_int_equal(s->read(s->self, "db/autogen/cpu/2024-01-15/10.parquet", 8, buf, 5, &err), HB_ECORRUPT);
    assert_non_null(strstr(err.msg, "10.parquet"));
    /* replace atomically */
    assert_int_equal(s->put(s->self, "db/autogen/cpu/2024-01-15/10.parquet", "bye", 3, &err), 0);
    assert_int_equal(s->size(s->self, "db/autogen/cpu/2024-01-15/10.parquet", &size, &err), 0);
    assert_int_equal(size, 3);
    assert_int_equal(s->size(s->self, "nope", &size, &err), HB_ENOTFOUND);
    assert_int_equal(s->read(s->self, "nope", 0, buf, 1, &err), HB_ENOTFOUND);
    /* empty objects exist */
    assert_int_equal(s->put(s->self, "empty", "", 0, &err), 0);
    assert_int_equal(s->size(s->self, "empty", &size, &err), 0);
    assert_int_equal(size, 0);
}

static void writer_is_invisible_until_commit(void **state)
{
    fx *f = *state;
    hb_err err;
    hb_storage_port *s = &f->st;
    hb_storage_writer *w;
    assert_int_equal(s->writer_open(s->self, "a/b.parquet", &w, &err), 0);
    assert_int_equal(s->writer_write(w, "abc", 3, &err), 0);
    assert_int_equal(s->writer_write(w, "def", 3, &err), 0);
    uint64_t size;
    assert_int_equal(s->size(s->self, "a/b.parquet", &size, &err), HB_ENOTFOUND);
    listing l = { .n = 0 };
    assert_int_equal(s->list(s->self, "", collect, &l, &err), 0);
    assert_int_equal(l.n, 0);
    assert_int_equal(s->writer_commit(w, &err), 0);
    assert_int_equal(s->size(s->self, "a/b.parquet", &size, &err), 0);
    assert_int_equal(size, 6);

    assert_int_equal(s->writer_open(s->self, "a/c.parquet", &w, &err), 0);
    assert_int_equal(s->writer_write(w, "zzz", 3, &err), 0);
    s->writer_abort(w);
    assert_int_equal(s->size(s->self, "a/c.parquet", &size, &err), HB_ENOTFOUND);
    uint64_t removed = 99;
    assert_int_equal(s->clean_partial(s->self, &removed, &err), 0);
    assert_int_equal(removed, 0);
}

static void list_in_key_order_with_prefix(void **state)
{
    fx *f = *state;
    hb_err err;
    hb_storage_port *s = &f->st;
    const char *keys[] = { "db/rp/m/2024-01-02/00.parquet", "db/rp/m/2024-01-01/23.parquet", "db/rp/n/x.parquet",
                           "db2/rp/m/a.parquet", "db/rp/m/2024-01-01/05_1.parquet" };
    for (int i = 0; i < 5; i++)
        assert_int_equal(s->put(s->self, keys[i], "x", 1, &err), 0);
    listing l = { .n = 0 };
    assert_int_equal(s->list(s->self, "db/rp/m/", collect, &l, &err), 0);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.keys[0], "db/rp/m/2024-01-01/05_1.parquet");
    assert_string_equal(l.keys[1], "db/rp/m/2024-01-01/23.parquet");
    assert_string_equal(l.keys[2], "db/rp/m/2024-01-02/00.parquet");
    l.n = 0;
    assert_int_equal(s->list(s->self, "db", collect, &l, &err), 0);  /* a prefix, not a directory */
    assert_int_equal(l.n, 5);
    l.n = 0;
    assert_int_equal(s->list(s->self, "db/rp/m/2024-01-01/2", collect, &l, &err), 0);
    assert_int_equal(l.n, 1);

    assert_int_equal(s->remove(s->self, "db/rp/n/x.parquet", &err), 0);
    assert_int_equal(s->remove(s->self, "db/rp/n/x.parquet", &err), 0);  /* missing: fine */
    l.n = 0;
    assert_int_equal(s->list(s->self, "", collect, &l, &err), 0);
    assert_int_equal(l.n, 4);
}

static void bad_keys_are_refused(void **state)
{
    fx *f = *state;
    hb_err err;
    hb_storage_port *s = &f->st;
    const char *bad[] = { "", "/abs", "a//b", "a/", "../x", "a/../b", "a/./b", ".hidden", "a/.tmp" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(s->put(s->self, bad[i], "x", 1, &err), HB_EINVAL);
}

/* Local only: a crash between create and rename leaves a temp file that is
 * neither listed nor visible, and clean_partial removes it; removing the
 * last object of a directory removes the directory. */
static void local_crash_leftovers_and_dirs(void **state)
{
    fx *f = *state;
    hb_err err;
    hb_storage_port *s = &f->st;
    char path[256];
    snprintf(path, sizeof path, "%s/db", f->dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/db/rp", f->dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/db/rp/.10.parquet.tmp-0123456789abcdef", f->dir);
    int fd = open(path, O_WRONLY | O_CREAT, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "partial", 7), 7);
    close(fd);
    listing l = { .n = 0 };
    assert_int_equal(s->list(s->self, "", collect, &l, &err), 0);
    assert_int_equal(l.n, 0);
    uint64_t removed = 0;
    assert_int_equal(s->clean_partial(s->self, &removed, &err), 0);
    assert_int_equal(removed, 1);
    assert_int_not_equal(access(path, F_OK), 0);

    assert_int_equal(s->put(s->self, "x/y/z.parquet", "1", 1, &err), 0);
    assert_int_equal(s->remove(s->self, "x/y/z.parquet", &err), 0);
    snprintf(path, sizeof path, "%s/x", f->dir);
    assert_int_not_equal(access(path, F_OK), 0);
    assert_int_equal(access(f->dir, F_OK), 0);
}

/* An open object reads what the object held when opened, also after it
 * was replaced or removed; missing objects and bad ranges are errors as
 * with read(). Adapters without open objects leave all three NULL. */
static void open_objects(void **state)
{
    fx *f = *state;
    hb_err err;
    hb_storage_port *s = &f->st;
    if (!s->open_object) {
        assert_null(s->read_object);
        assert_null(s->close_object);
        return;
    }
    assert_int_equal(s->put(s->self, "db/rp/m/o.parquet", "hello world", 11, &err), 0);
    hb_storage_obj *o;
    assert_int_equal(s->open_object(s->self, "nope", &o, &err), HB_ENOTFOUND);
    assert_int_equal(s->open_object(s->self, "../x", &o, &err), HB_EINVAL);
    assert_int_equal(s->open_object(s->self, "db/rp/m/o.parquet", &o, &err), 0);
    char buf[16] = { 0 };
    assert_int_equal(s->read_object(o, 6, buf, 5, &err), 0);
    assert_string_equal(buf, "world");
    assert_int_equal(s->put(s->self, "db/rp/m/o.parquet", "bye", 3, &err), 0);
    assert_int_equal(s->remove(s->self, "db/rp/m/o.parquet", &err), 0);
    memset(buf, 0, sizeof buf);
    assert_int_equal(s->read_object(o, 0, buf, 5, &err), 0);
    assert_string_equal(buf, "hello");
    assert_int_equal(s->read_object(o, 8, buf, 5, &err), HB_ECORRUPT);
    assert_non_null(strstr(err.msg, "o.parquet"));
    s->close_object(o);
}

int main(void)
{
#define BOTH(t) cmocka_unit_test_setup_teardown(t, setup_local, teardown), \
                cmocka_unit_test_setup_teardown(t, setup_memory, teardown)
    const struct CMUnitTest tests[] = {
        BOTH(put_read_size),
        BOTH(writer_is_invisible_until_commit),
        BOTH(list_in_key_order_with_prefix),
        BOTH(bad_keys_are_refused),
        BOTH(open_objects),
        cmocka_unit_test_setup_teardown(local_crash_leftovers_and_dirs, setup_local, teardown),
    };
    return cmocka_run_group_tests_name("adapters/storage", tests, NULL, NULL);
}
