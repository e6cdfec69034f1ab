/* File WAL: the WalPort contract, plus what only files have: reopen,
 * recovery of torn tails, refusal on corruption, segment files on disk,
 * fsync modes and group commit, write-failure rollback, kill -9. */
#include "wal_contract.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "adapters/wal_file.h"
#include "base/buf.h"
#include "base/log.h"
#include "format/wal_segment.h"

/* ---- environment ------------------------------------------------------- */

static void wipe_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    char p[512];
    while ((de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        unlink(p);
    }
    closedir(d);
}

static void close_wal(wal_env *env)
{
    if (env->open)
        env->wal.close(env->wal.self);
    env->open = 0;
}

/* Open the WAL in env->dir as it is on disk. */
static int open_opts(wal_env *env, const hb_wal_file_opts *o, hb_err *err)
{
    close_wal(env);
    hb_wal_file_opts oo = *o;
    oo.dir = env->dir;
    int rc = hb_wal_file_open(&oo, &env->wal, err);
    env->open = rc == HB_OK;
    return rc;
}

static int file_reopen(wal_env *env, uint64_t segment_bytes, uint64_t max_record, hb_err *err)
{
    close_wal(env);
    wipe_dir(env->dir);
    hb_wal_file_opts o = { .fsync = HB_FSYNC_ALWAYS, .segment_bytes = segment_bytes, .max_record_bytes = max_record };
    return open_opts(env, &o, err);
}

static int setup(void **state)
{
    wal_env *env = calloc(1, sizeof *env);
    const char *tmp = getenv("TMPDIR");
    snprintf(env->dir, sizeof env->dir, "%s/hb_wal_test_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(env->dir))
        return -1;
    env->reopen = file_reopen;
    hb_err e;
    if (file_reopen(env, 0, 0, &e))
        return -1;
    *state = env;
    return 0;
}

static int teardown(void **state)
{
    wal_env *env = *state;
    close_wal(env);
    wipe_dir(env->dir);
    rmdir(env->dir);
    free(env);
    return 0;
}

/* Reopen in place (no wipe) with segment size seg; fails the test on error. */
static void reopen_keep(wal_env *env, uint64_t seg)
{
    hb_wal_file_opts o = { .fsync = HB_FSYNC_ALWAYS, .segment_bytes = seg };
    hb_err e;
    if (open_opts(env, &o, &e))
        fail_msg("reopen: %s", e.msg);
}

static int reopen_keep_rc(wal_env *env, uint64_t seg, hb_err *e)
{
    hb_wal_file_opts o = { .fsync = HB_FSYNC_ALWAYS, .segment_bytes = seg };
    return open_opts(env, &o, e);
}

static void seg_file(const wal_env *env, uint64_t first_seq, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%020llu.wal", env->dir, (unsigned long long)first_seq);
}

static uint64_t file_size(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return UINT64_MAX;
    return (uint64_t)st.st_size;
}

/* Sorted first seqs of the *.wal files; returns how many. Also sums sizes. */
static int list_wal(const wal_env *env, uint64_t *seqs, int cap, uint64_t *total)
{
    DIR *d = opendir(env->dir);
    assert_non_null(d);
    int n = 0;
    *total = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l != 24 || strcmp(de->d_name + 20, ".wal"))
            continue;
        assert_true(n < cap);
        seqs[n++] = strtoull(de->d_name, NULL, 10);
        char p[512];
        snprintf(p, sizeof p, "%s/%s", env->dir, de->d_name);
        *total += file_size(p);
    }
    closedir(d);
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && seqs[j - 1] > seqs[j]; j--) {
            uint64_t t = seqs[j];
            seqs[j] = seqs[j - 1];
            seqs[j - 1] = t;
        }
    return n;
}

static void assert_disk_matches(wal_env *env)
{
    uint64_t seqs[256], total;
    list_wal(env, seqs, 256, &total);
    assert_int_equal(env->wal.disk_bytes(env->wal.self), total);
}

static void append_bytes(const char *path, const void *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, p, n), (ssize_t)n);
    close(fd);
}

static void flip_byte(const char *path, uint64_t off)
{
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    uint8_t b;
    assert_int_equal(pread(fd, &b, 1, (off_t)off), 1);
    b ^= 0x5a;
    assert_int_equal(pwrite(fd, &b, 1, (off_t)off), 1);
    close(fd);
}

static hb_wal_file_stats stats(wal_env *env)
{
    hb_wal_file_stats st;
    hb_wal_file_get_stats(&env->wal, &st);
    return st;
}

static size_t len100(uint64_t seq) { return 100; }

/* ---- reopen and sequence continuity ------------------------------------ */

static void test_reopen_continues(void **state)
{
    wal_env *env = *state;
    for (uint64_t i = 1; i <= 10; i++)
        wc_append(env, wc_len_var(i), i);
    reopen_keep(env, 0);
    assert_int_equal(env->wal.last_seq(env->wal.self), 10);
    wc_collect c = wc_replay(env, 1, wc_len_var);
    assert_int_equal(c.n, 10);
    assert_int_equal(wc_append(env, wc_len_var(11), 11), 11);
    reopen_keep(env, 0);
    c = wc_replay(env, 1, wc_len_var);
    assert_int_equal(c.n, 11);
    assert_disk_matches(env);
    assert_int_equal(stats(env).truncated_bytes, 0);
}

static void test_reopen_after_release_all(void **state)
{
    wal_env *env = *state;
    hb_err e;
    wc_reopen(env, 4096, 0);
    for (uint64_t i = 1; i <= 10; i++)
        wc_append(env, 1000, i);
    assert_int_equal(env->wal.rotate(env->wal.self, &e), HB_OK);
    assert_int_equal(env->wal.release(env->wal.self, 10, &e), HB_OK);
    uint64_t seqs[16], total;
    assert_int_equal(list_wal(env, seqs, 16, &total), 1);
    assert_int_equal(seqs[0], 11);
    assert_int_equal(total, 32);
    reopen_keep(env, 4096);
    assert_int_equal(env->wal.last_seq(env->wal.self), 10);
    reopen_keep(env, 4096);   /* twice, with nothing appended in between */
    assert_int_equal(env->wal.last_seq(env->wal.self), 10);
    assert_int_equal(wc_append(env, 1000, 11), 11);
    reopen_keep(env, 4096);
    assert_int_equal(env->wal.last_seq(env->wal.self), 11);
    assert_int_equal(wc_replay(env, 1, wc_len_1000).first, 11);
}

static void test_release_deletes_files(void **state)
{
    wal_env *env = *state;
    hb_err e;
    wc_reopen(env, 4096, 0);
    for (uint64_t i = 1; i <= 20; i++)
        wc_append(env, 1000, i);
    uint64_t seqs[16], total;
    assert_int_equal(list_wal(env, seqs, 16, &total), 5);
    uint64_t want[5] = { 1, 5, 9, 13, 17 };
    assert_memory_equal(seqs, want, sizeof want);
    assert_disk_matches(env);
    assert_int_equal(stats(env).segments, 5);
    assert_int_equal(env->wal.release(env->wal.self, 7, &e), HB_OK);
    assert_int_equal(list_wal(env, seqs, 16, &total), 4);
    assert_int_equal(seqs[0], 5);
    assert_disk_matches(env);
    assert_int_equal(env->wal.release(env->wal.self, 1u << 30, &e), HB_OK);
    assert_int_equal(list_wal(env, seqs, 16, &total), 1);
    assert_int_equal(seqs[0], 17);
    assert_disk_matches(env);
    assert_int_equal(stats(env).segments, 1);
    reopen_keep(env, 4096);
    wc_collect c = wc_replay(env, 1, wc_len_1000);
    assert_int_equal(c.first, 17);
    assert_int_equal(c.last, 20);
}

/* ---- torn tails: truncated and logged ---------------------------------- */

/* 5 records of 100 bytes in one segment; returns its path. */
static void five_records(wal_env *env, char *path, size_t cap)
{
    for (uint64_t i = 1; i <= 5; i++)
        wc_append(env, 100, i);
    close_wal(env);
    seg_file(env, 1, path, cap);
    assert_int_equal(file_size(path), 32 + 5 * 116);
}

static void expect_recovered(wal_env *env, const char *path, uint64_t last, uint64_t truncated)
{
    reopen_keep(env, 0);
    assert_int_equal(env->wal.last_seq(env->wal.self), last);
    assert_int_equal(stats(env).truncated_bytes, truncated);
    assert_int_equal(file_size(path), 32 + last * 116);
    wc_collect c = wc_replay(env, 1, len100);
    assert_int_equal(c.n, last);
    /* appends continue right after the last good record, and survive a reopen */
    assert_int_equal(wc_append(env, 100, last + 1), last + 1);
    reopen_keep(env, 0);
    assert_int_equal(stats(env).truncated_bytes, 0);
    c = wc_replay(env, 1, len100);
    assert_int_equal(c.n, last + 1);
    assert_disk_matches(env);
}

static void test_torn_partial_record(void **state)
{
    wal_env *env = *state;
    char path[512];
    five_records(env, path, sizeof path);
    /* the first 10 bytes of the next record's frame, as a crash mid-write leaves them */
    hb_buf b;
    hb_buf_init(&b, 0);
    uint8_t payload[100];
    wc_fill(payload, sizeof payload, 6);
    assert_int_equal(hb_wal_rec_encode(&b, 6, payload, sizeof payload), HB_OK);
    append_bytes(path, b.data, 10);
    expect_recovered(env, path, 5, 10);
    hb_buf_free(&b);
}

static void test_torn_partial_payload(void **state)
{
    wal_env *env = *state;
    char path[512];
    five_records(env, path, sizeof path);
    hb_buf b;
    hb_buf_init(&b, 0);
    uint8_t payload[100];
    wc_fill(payload, sizeof payload, 6);
    hb_wal_rec_encode(&b, 6, payload, sizeof payload);
    append_bytes(path, b.data, 16 + 50);
    expect_recovered(env, path, 5, 66);
    hb_buf_free(&b);
}

static void test_torn_truncated_file(void **state)
{
    wal_env *env = *state;
    char path[512];
    five_records(env, path, sizeof path);
    assert_int_equal(truncate(path, (off_t)(32 + 5 * 116 - 50)), 0);
    expect_recovered(env, path, 4, 66);
}

static void test_torn_garbage(void **state)
{
    wal_env *env = *state;
    char path[512];
    five_records(env, path, sizeof path);
    uint8_t junk[3000];
    wc_fill(junk, sizeof junk, 31337);
    append_bytes(path, junk, sizeof junk);
    expect_recovered(env, path, 5, 3000);
}

static void test_torn_zeros(void **state)
{
    wal_env *env = *state;
    char path[512];
    five_records(env, path, sizeof path);
    uint8_t zeros[4096] = { 0 };
    append_bytes(path, zeros, sizeof zeros);
    expect_recovered(env, path, 5, 4096);
}

static void test_torn_bad_crc_last(void **state)
{
    wal_env *env = *state;
    char path[512];
    five_records(env, path, sizeof path);
    flip_byte(path, 32 + 4 * 116 + 16 + 70);
    expect_recovered(env, path, 4, 116);
}

/* ---- corruption: refuse to open, name file and offset ------------------ */

static void test_corrupt_middle_refuses(void **state)
{
    wal_env *env = *state;
    char path[512];
    five_records(env, path, sizeof path);
    flip_byte(path, 32 + 1 * 116 + 16 + 3);   /* payload of seq 2 */
    hb_err e;
    assert_int_equal(reopen_keep_rc(env, 0, &e), HB_ECORRUPT);
    assert_non_null(strstr(e.msg, path));
    assert_non_null(strstr(e.msg, "offset 148"));
    assert_non_null(strstr(e.msg, "offset 264"));   /* where valid records resume */
    assert_int_equal(file_size(path), 32 + 5 * 116);  /* nothing was cut */
    assert_int_equal(reopen_keep_rc(env, 0, &e), HB_ECORRUPT);   /* and stays refused */
    /* repair the byte: opens again with everything */
    flip_byte(path, 32 + 1 * 116 + 16 + 3);
    reopen_keep(env, 0);
    assert_int_equal(env->wal.last_seq(env->wal.self), 5);
}

static void test_corrupt_wrong_seq_refuses(void **state)
{
    wal_env *env = *state;
    char path[512];
    five_records(env, path, sizeof path);
    hb_buf b;
    hb_buf_init(&b, 0);
    hb_wal_rec_encode(&b, 9, "x", 1);   /* valid CRC, seq 6 expected */
    append_bytes(path, b.data, b.len);
    hb_err e;
    assert_int_equal(reopen_keep_rc(env, 0, &e), HB_ECORRUPT);
    assert_non_null(strstr(e.msg, "offset 612"));
    hb_buf_free(&b);
}

static void test_torn_in_older_segment_refuses(void **state)
{
    wal_env *env = *state;
    wc_reopen(env, 4096, 0);
    for (uint64_t i = 1; i <= 8; i++)   /* segments 1-4 and 5-8 */
        wc_append(env, 1000, i);
    close_wal(env);
    char p1[512];
    seg_file(env, 1, p1, sizeof p1);
    assert_int_equal(truncate(p1, (off_t)(32 + 3 * 1016 + 500)), 0);
    hb_err e;
    assert_int_equal(reopen_keep_rc(env, 4096, &e), HB_ECORRUPT);
    assert_non_null(strstr(e.msg, p1));
    assert_non_null(strstr(e.msg, "offset 3080"));
    assert_non_null(strstr(e.msg, "not the newest"));
    assert_int_equal(file_size(p1), 32 + 3 * 1016 + 500);
}

static void test_gap_refuses(void **state)
{
    wal_env *env = *state;
    wc_reopen(env, 4096, 0);
    for (uint64_t i = 1; i <= 12; i++)
        wc_append(env, 1000, i);
    close_wal(env);
    char p[512];
    seg_file(env, 5, p, sizeof p);
    assert_int_equal(unlink(p), 0);
    hb_err e;
    assert_int_equal(reopen_keep_rc(env, 4096, &e), HB_ECORRUPT);
    assert_non_null(strstr(e.msg, "00000000000000000009.wal"));
    assert_non_null(strstr(e.msg, "gap"));
}

static void test_bad_header_refuses(void **state)
{
    wal_env *env = *state;
    char path[512];
    five_records(env, path, sizeof path);
    flip_byte(path, 3);
    hb_err e;
    assert_int_equal(reopen_keep_rc(env, 0, &e), HB_ECORRUPT);
    assert_non_null(strstr(e.msg, path));
    /* a header whose seq disagrees with the file name */
    flip_byte(path, 3);
    char other[512];
    seg_file(env, 7, other, sizeof other);
    assert_int_equal(rename(path, other), 0);
    assert_int_equal(reopen_keep_rc(env, 0, &e), HB_ECORRUPT);
    assert_non_null(strstr(e.msg, "file name"));
}

/* A crash between creating a segment and its header reaching the disk. */
static void test_torn_header_newest(void **state)
{
    wal_env *env = *state;
    hb_err e;
    wc_reopen(env, 4096, 0);
    for (uint64_t i = 1; i <= 4; i++)
        wc_append(env, 1000, i);
    assert_int_equal(env->wal.rotate(env->wal.self, &e), HB_OK);
    close_wal(env);
    char p5[512];
    seg_file(env, 5, p5, sizeof p5);
    assert_int_equal(truncate(p5, 10), 0);
    reopen_keep(env, 4096);
    assert_int_equal(env->wal.last_seq(env->wal.self), 4);
    assert_int_equal(file_size(p5), 32);
    /* all zeros, and with every older segment released */
    assert_int_equal(env->wal.release(env->wal.self, 4, &e), HB_OK);
    close_wal(env);
    assert_int_equal(truncate(p5, 0), 0);
    assert_int_equal(truncate(p5, 32), 0);
    reopen_keep(env, 4096);
    assert_int_equal(env->wal.last_seq(env->wal.self), 4);
    assert_int_equal(wc_append(env, 1000, 5), 5);
    assert_int_equal(wc_replay(env, 1, wc_len_1000).n, 1);
}

/* Power loss during a rotation: the new (empty) segment's name reached the
 * disk, the unsynced tail of the previous one did not. */
static void rotation_crash_setup(wal_env *env, char *p5, char *p7, size_t cap)
{
    hb_err e;
    wc_reopen(env, 4096, 0);
    for (uint64_t i = 1; i <= 6; i++)   /* segments 1-4 and 5-6 */
        wc_append(env, 1000, i);
    assert_int_equal(env->wal.rotate(env->wal.self, &e), HB_OK);   /* segment 7, empty */
    close_wal(env);
    seg_file(env, 5, p5, cap);
    seg_file(env, 7, p7, cap);
}

/* Replay everything, allowing the recorded gap; returns how many records. */
static uint64_t replay_count_gaps(wal_env *env)
{
    wc_collect c = { 0 };
    c.allow_gaps = 1;
    hb_err e;
    assert_int_equal(env->wal.replay(env->wal.self, 1, wc_collect_fn, &c, &e), HB_OK);
    return c.n;
}

static void expect_gap_recovered(wal_env *env, uint64_t survivors_in_5)
{
    reopen_keep(env, 4096);
    /* numbers are never reused: the next append gets 7 */
    assert_int_equal(env->wal.last_seq(env->wal.self), 6);
    wc_collect c = wc_replay(env, 1, wc_len_1000);
    assert_int_equal(c.n, 4 + survivors_in_5);
    assert_int_equal(wc_append(env, 1000, 7), 7);
    reopen_keep(env, 4096);   /* the gap is recorded on disk: reopening still works */
    reopen_keep(env, 4096);
    assert_int_equal(env->wal.last_seq(env->wal.self), 7);
    c = wc_replay(env, 7, wc_len_1000);
    assert_int_equal(c.n, 1);
    assert_int_equal(replay_count_gaps(env), 5 + survivors_in_5);
    assert_disk_matches(env);
}

static void test_rotation_crash_torn_tail(void **state)
{
    wal_env *env = *state;
    char p5[512], p7[512];
    rotation_crash_setup(env, p5, p7, sizeof p5);
    assert_int_equal(truncate(p5, 32 + 1016 + 300), 0);   /* seq 6 torn */
    expect_gap_recovered(env, 1);
}

static void test_rotation_crash_short_tail(void **state)
{
    wal_env *env = *state;
    char p5[512], p7[512];
    rotation_crash_setup(env, p5, p7, sizeof p5);
    assert_int_equal(truncate(p5, 32 + 1016), 0);   /* seq 6 gone, cut on a record boundary */
    expect_gap_recovered(env, 1);
}

static void test_rotation_crash_blank_new_segment(void **state)
{
    wal_env *env = *state;
    char p5[512], p7[512];
    rotation_crash_setup(env, p5, p7, sizeof p5);
    assert_int_equal(truncate(p5, 32 + 500), 0);   /* seq 5 and 6 lost */
    assert_int_equal(truncate(p7, 0), 0);          /* and the new header */
    expect_gap_recovered(env, 0);
}

/* Two segments with no complete record at the end: the older one goes. */
static void test_two_empty_segments_at_end(void **state)
{
    wal_env *env = *state;
    char p5[512], p7[512], p9[512];
    rotation_crash_setup(env, p5, p7, sizeof p5);
    uint8_t zeros[2000] = { 0 };
    append_bytes(p7, zeros, sizeof zeros);   /* segment 7: a header and lost records */
    seg_file(env, 9, p9, sizeof p9);
    int fd = open(p9, O_CREAT | O_WRONLY, 0644);   /* segment 9: created, nothing written */
    close(fd);
    reopen_keep(env, 4096);
    assert_int_equal(file_size(p7), UINT64_MAX);   /* deleted */
    assert_int_equal(file_size(p9), 32);
    assert_int_equal(env->wal.last_seq(env->wal.self), 8);
    assert_int_equal(wc_replay(env, 1, NULL).n, 6);
    assert_int_equal(wc_append(env, 1000, 9), 9);
    reopen_keep(env, 4096);
    assert_int_equal(replay_count_gaps(env), 7);
}

/* The gap is only accepted in front of an empty newest segment. */
static void test_overlap_refuses(void **state)
{
    wal_env *env = *state;
    char p5[512], p7[512], p3[512];
    rotation_crash_setup(env, p5, p7, sizeof p5);
    assert_int_equal(unlink(p7), 0);
    seg_file(env, 3, p3, sizeof p3);
    int fd = open(p3, O_CREAT | O_WRONLY, 0644);   /* an empty segment inside 1-4 */
    close(fd);
    hb_err e;
    assert_int_equal(reopen_keep_rc(env, 4096, &e), HB_ECORRUPT);
    assert_non_null(strstr(e.msg, "overlap"));
    unlink(p3);
    reopen_keep(env, 4096);
    assert_int_equal(env->wal.last_seq(env->wal.self), 6);
}

/* ---- options, lock ----------------------------------------------------- */

static void test_lock_and_opts(void **state)
{
    wal_env *env = *state;
    hb_wal_port other;
    hb_err e;
    hb_wal_file_opts o = { .dir = env->dir };
    assert_int_equal(hb_wal_file_open(&o, &other, &e), HB_EBUSY);
    assert_non_null(strstr(e.msg, "in use"));
    o.segment_bytes = 100;
    assert_int_equal(hb_wal_file_open(&o, &other, &e), HB_EINVAL);
    o.segment_bytes = 0;
    o.max_record_bytes = (2ull << 30);
    assert_int_equal(hb_wal_file_open(&o, &other, &e), HB_EINVAL);
    o.dir = NULL;
    assert_int_equal(hb_wal_file_open(&o, &other, &e), HB_EINVAL);
    /* missing parent directories are created */
    char nested[512];
    snprintf(nested, sizeof nested, "%s/a/b", env->dir);
    o = (hb_wal_file_opts){ .dir = nested, .fsync = HB_FSYNC_NEVER };
    assert_int_equal(hb_wal_file_open(&o, &other, &e), HB_OK);
    other.close(other.self);
    wipe_dir(nested);
    rmdir(nested);
    snprintf(nested, sizeof nested, "%s/a", env->dir);
    rmdir(nested);
}

/* ---- fsync modes ------------------------------------------------------- */

typedef struct gc_result {
    uint64_t appends, fsyncs, group_syncs;
    double secs;
} gc_result;

/* A sync function for tests: optional delay, optional failure. */
typedef struct test_sync {
    int delay_us;
    atomic_int fail;    /* when set, every sync fails with EIO */
    atomic_int calls;
} test_sync;

static int test_sync_fn(void *ctx, int fd, int data_only)
{
    test_sync *t = ctx;
    atomic_fetch_add(&t->calls, 1);
    if (atomic_load(&t->fail)) {
        errno = EIO;
        return -1;
    }
    if (t->delay_us) {
        struct timespec ts = { 0, (long)t->delay_us * 1000L };
        nanosleep(&ts, NULL);
    }
    return data_only ? fdatasync(fd) : fsync(fd);
}

static gc_result group_commit_run(wal_env *env, hb_fsync_mode mode, int threads, int n, test_sync *ts)
{
    hb_wal_file_opts o = { .fsync = mode, .fsync_interval_ms = 10 };
    if (ts) {
        o.sync_fn = test_sync_fn;
        o.sync_ctx = ts;
    }
    hb_err e;
    close_wal(env);
    wipe_dir(env->dir);
    if (open_opts(env, &o, &e))
        fail_msg("open: %s", e.msg);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    wc_run_concurrent(env, threads, n, 1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    hb_wal_file_stats st = stats(env);
    gc_result r = { st.appends, st.fsyncs, st.group_syncs,
                    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9 };
    reopen_keep(env, 0);   /* everything is still there after a reopen */
    assert_int_equal(env->wal.last_seq(env->wal.self), (uint64_t)threads * n);
    return r;
}

static void print_gc(const char *what, const gc_result *r)
{
    fprintf(stderr, "group commit, %s: %llu appends, %llu fsyncs (%llu by group-commit leaders), %.3f s, "
            "%.1f appends per fsync\n", what, (unsigned long long)r->appends, (unsigned long long)r->fsyncs,
            (unsigned long long)r->group_syncs, r->secs, (double)r->appends / (double)(r->fsyncs ? r->fsyncs : 1));
}

/* 8 threads x 200 append + wait_durable with fsync "always": every record
 * replays exactly once (wc_run_concurrent) and they share fsyncs. */
static void test_group_commit(void **state)
{
    wal_env *env = *state;
    /* the real device */
    gc_result one = group_commit_run(env, HB_FSYNC_ALWAYS, 1, 200, NULL);
    gc_result r = group_commit_run(env, HB_FSYNC_ALWAYS, 8, 200, NULL);
    print_gc("1 thread x 200, real fdatasync", &one);
    print_gc("8 threads x 200, real fdatasync", &r);
    assert_int_equal(one.group_syncs, 200);   /* alone: one fsync per append */
    assert_int_equal(r.appends, 1600);
    /* Sharing needs fsync to take longer than an append: true on disks,
     * not on tmpfs (TMPDIR=/dev/shm), where fdatasync is free. */
    if (one.secs / 200 >= 100e-6)
        assert_true(r.fsyncs * 2 < r.appends);
    /* a 1 ms fsync, whatever the device: appenders pile up behind the leader */
    test_sync ts = { .delay_us = 1000 };
    gc_result slow = group_commit_run(env, HB_FSYNC_ALWAYS, 8, 200, &ts);
    print_gc("8 threads x 200, 1 ms fdatasync", &slow);
    assert_int_equal(slow.appends, 1600);
    assert_true(slow.fsyncs * 4 < slow.appends);
}

/* After a failed fsync the page cache can no longer be trusted: the waiter
 * gets HB_EIO and the WAL refuses everything until reopened. */
static void test_fsync_failure(void **state)
{
    wal_env *env = *state;
    test_sync ts = { 0 };
    hb_wal_file_opts o = { .fsync = HB_FSYNC_ALWAYS, .sync_fn = test_sync_fn, .sync_ctx = &ts };
    hb_err e;
    close_wal(env);
    wipe_dir(env->dir);
    assert_int_equal(open_opts(env, &o, &e), HB_OK);
    wc_append(env, 100, 1);
    atomic_store(&ts.fail, 1);
    uint64_t seq;
    assert_int_equal(env->wal.append(env->wal.self, "abc", 3, &seq, &e), HB_OK);
    assert_int_equal(env->wal.wait_durable(env->wal.self, seq, &e), HB_EIO);
    assert_non_null(strstr(e.msg, "fdatasync"));
    assert_int_equal(env->wal.append(env->wal.self, "abc", 3, &seq, &e), HB_EIO);
    assert_non_null(strstr(e.msg, "unusable"));
    assert_int_equal(env->wal.wait_durable(env->wal.self, 1, &e), HB_EIO);
    assert_int_equal(env->wal.sync(env->wal.self, &e), HB_EIO);
    assert_int_equal(env->wal.rotate(env->wal.self, &e), HB_EIO);
    close_wal(env);   /* close still frees everything */
    reopen_keep(env, 0);
    assert_int_equal(env->wal.last_seq(env->wal.self), 2);
}

static void test_interval_mode(void **state)
{
    wal_env *env = *state;
    gc_result r = group_commit_run(env, HB_FSYNC_INTERVAL, 4, 200, NULL);
    assert_int_equal(r.group_syncs, 0);
    hb_wal_file_opts o = { .fsync = HB_FSYNC_INTERVAL, .fsync_interval_ms = 10 };
    hb_err e;
    assert_int_equal(open_opts(env, &o, &e), HB_OK);
    uint64_t before = stats(env).fsyncs;
    wc_append(env, 100, 1);
    struct timespec ts = { 0, 200 * 1000000L };
    nanosleep(&ts, NULL);
    assert_true(stats(env).fsyncs > before);       /* the background thread synced it */
    uint64_t settled = stats(env).fsyncs;
    nanosleep(&ts, NULL);
    assert_int_equal(stats(env).fsyncs, settled);  /* and does nothing while idle */
}

static void test_never_mode(void **state)
{
    wal_env *env = *state;
    hb_wal_file_opts o = { .fsync = HB_FSYNC_NEVER };
    hb_err e;
    wipe_dir(env->dir);
    close_wal(env);
    wipe_dir(env->dir);
    assert_int_equal(open_opts(env, &o, &e), HB_OK);
    uint64_t before = stats(env).fsyncs;
    for (uint64_t i = 1; i <= 50; i++)
        wc_append(env, 100, i);
    assert_int_equal(stats(env).fsyncs, before);
    assert_int_equal(env->wal.sync(env->wal.self, &e), HB_OK);
    assert_int_equal(stats(env).fsyncs, before + 1);
    assert_int_equal(env->wal.sync(env->wal.self, &e), HB_OK);   /* nothing new: no fsync */
    assert_int_equal(stats(env).fsyncs, before + 1);
}

/* ---- failures and crashes ---------------------------------------------- */

/* A write cut short (here by RLIMIT_FSIZE) is taken back: the segment stays
 * well-formed, the append fails, the next one succeeds. */
static void test_write_failure_rollback(void **state)
{
    wal_env *env = *state;
    char path[512];
    for (uint64_t i = 1; i <= 3; i++)
        wc_append(env, 100, i);
    seg_file(env, 1, path, sizeof path);
    uint64_t size = file_size(path);
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = size + 500;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    uint8_t big[1000] = { 0 };
    uint64_t seq = 0;
    hb_err e;
    int rc = env->wal.append(env->wal.self, big, sizeof big, &seq, &e);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, prev);
    assert_int_equal(rc, HB_EIO);
    assert_non_null(strstr(e.msg, path));
    assert_int_equal(file_size(path), size);
    assert_int_equal(env->wal.last_seq(env->wal.self), 3);
    assert_int_equal(wc_append(env, 100, 4), 4);
    reopen_keep(env, 0);
    assert_int_equal(stats(env).truncated_bytes, 0);
    assert_int_equal(wc_replay(env, 1, len100).n, 4);
}

/* kill -9 a writer at a random moment: every acknowledged record is there,
 * once, in order, after reopening. */
static void test_kill9(void **state)
{
    wal_env *env = *state;
    close_wal(env);
    for (int round = 0; round < 3; round++) {
        int pfd[2];
        assert_int_equal(pipe(pfd), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(pfd[0]);
            hb_wal_file_opts o = { .dir = env->dir, .fsync = round == 1 ? HB_FSYNC_NEVER : HB_FSYNC_ALWAYS,
                                   .segment_bytes = 64 << 10 };
            hb_wal_port w;
            hb_err e;
            if (hb_wal_file_open(&o, &w, &e))
                _exit(2);
            uint8_t buf[3000];
            memset(buf, 0x3c, sizeof buf);
            for (uint64_t i = 0;; i++) {
                uint64_t seq;
                size_t len = (size_t)(i * 131 % 3000);
                if (w.append(w.self, buf, len, &seq, &e) || w.wait_durable(w.self, seq, &e))
                    _exit(3);
                if (write(pfd[1], &seq, sizeof seq) != sizeof seq)
                    _exit(4);
            }
        }
        close(pfd[1]);
        uint64_t acked = 0, s;
        for (int i = 0; i < 200 + round * 300; i++)
            if (read(pfd[0], &s, sizeof s) == sizeof s)
                acked = s;
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        assert_true(WIFSIGNALED(status));
        while (read(pfd[0], &s, sizeof s) == sizeof s)
            acked = s;
        close(pfd[0]);
        hb_err e;
        if (reopen_keep_rc(env, 64 << 10, &e))
            fail_msg("reopen after kill -9: %s", e.msg);
        assert_true(env->wal.last_seq(env->wal.self) >= acked);
        wc_collect c = wc_replay(env, 1, NULL);
        assert_int_equal(c.n, env->wal.last_seq(env->wal.self));
        assert_int_equal(c.first, 1);
        close_wal(env);
    }
}

/* Replay and release while other threads append and rotate. */
typedef struct bg_writer {
    wal_env *env;
    int n;
    int failed;
} bg_writer;

static void *bg_write(void *arg)
{
    bg_writer *b = arg;
    uint8_t buf[500];
    memset(buf, 7, sizeof buf);
    for (int i = 0; i < b->n; i++) {
        uint64_t seq;
        hb_err e;
        if (b->env->wal.append(b->env->wal.self, buf, sizeof buf, &seq, &e) ||
            b->env->wal.wait_durable(b->env->wal.self, seq, &e))
            b->failed = 1;
    }
    return NULL;
}

static int order_fn(void *ctx, uint64_t seq, const void *data, size_t len, hb_err *err)
{
    uint64_t *last = ctx;
    if (*last && seq != *last + 1)
        return 99;
    *last = seq;
    return len == 500 ? 0 : 98;
}

static void test_replay_release_while_writing(void **state)
{
    wal_env *env = *state;
    wc_reopen(env, 8192, 0);
    pthread_t th[2];
    bg_writer b[2] = { { env, 1500, 0 }, { env, 1500, 0 } };
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, bg_write, &b[i]);
    uint64_t released = 0;
    hb_err e;
    for (int round = 0; round < 50; round++) {
        uint64_t last = 0;
        assert_int_equal(env->wal.replay(env->wal.self, released + 1, order_fn, &last, &e), HB_OK);
        if (last > 100) {
            released = last - 100;
            assert_int_equal(env->wal.release(env->wal.self, released, &e), HB_OK);
        }
        if (round % 10 == 0)
            assert_int_equal(env->wal.rotate(env->wal.self, &e), HB_OK);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    assert_false(b[0].failed || b[1].failed);
    assert_int_equal(env->wal.last_seq(env->wal.self), 3000);
    uint64_t last = 0;
    assert_int_equal(env->wal.replay(env->wal.self, released + 1, order_fn, &last, &e), HB_OK);
    assert_int_equal(last, 3000);
    assert_disk_matches(env);
}

int main(void)
{
    hb_log_configure("warn", NULL);
    const struct CMUnitTest tests[] = {
        WAL_CONTRACT_TESTS(setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_continues, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_after_release_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_release_deletes_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_partial_record, setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_partial_payload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_truncated_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_garbage, setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_zeros, setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_bad_crc_last, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_middle_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_wrong_seq_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_in_older_segment_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gap_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_header_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_torn_header_newest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotation_crash_torn_tail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotation_crash_short_tail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotation_crash_blank_new_segment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_empty_segments_at_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_overlap_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock_and_opts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fsync_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interval_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_never_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_failure_rollback, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill9, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replay_release_while_writing, setup, teardown),
    };
    return cmocka_run_group_tests_name("wal_file", tests, NULL, NULL);
}
