/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_spool_journal - the intake journal: its record format (every
 * prefix of a record is "incomplete", every damage is refused), appends
 * made into jobs with their own IDs, times and keys, and what a crash
 * leaves: segments drained again at the next open make nothing twice, a
 * record cut short at the end is dropped, a damaged one in the middle is
 * skipped without losing the ones after it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/sha.h>

#include "buf.h"
#include "fsutil.h"
#include "spool.h"
#include "spool_journal.h"
#include "testutil.h"
#include "xalloc.h"

#define KIND "twilio_message"

static struct spool_journal_rec rec(const char *key, const char *payload)
{
    struct spool_journal_rec r;

    memset(&r, 0, sizeof(r));
    r.kind = KIND;
    r.key = key;
    r.payload = (const unsigned char *) payload;
    r.payload_len = strlen(payload);
    return r;
}

static void test_record_round_trip(void **state)
{
    struct spool_journal_rec in = rec("IM0123", "EventType=onMessageAdded");
    struct spool_journal_rec out;
    struct buf *b = buf_create(64), *why = buf_create(64);
    size_t used, i;

    (void) state;
    memcpy(in.id, "6745A1B200000001", SPOOL_ID_LEN + 1);
    in.created = 1764756000;
    spool_journal_encode(&in, b);
    assert_int_equal(spool_journal_parse((unsigned char *) b->data, b->len,
                                         &out, &used, why), 1);
    assert_int_equal(used, b->len);
    assert_string_equal(out.id, in.id);
    assert_int_equal(out.created, in.created);
    assert_string_equal(out.kind, KIND);
    assert_string_equal(out.key, "IM0123");
    assert_int_equal(out.payload_len, in.payload_len);
    assert_memory_equal(out.payload, in.payload, in.payload_len);
    /* Every proper prefix is only the beginning of a record. */
    for (i = 0; i < b->len; i++)
        assert_int_equal(spool_journal_parse((unsigned char *) b->data, i,
                                             &out, &used, why), 0);
    /* Any byte of the body changed: refused by the check. */
    for (i = SPOOL_JOURNAL_HEADER; i < b->len; i++) {
        b->data[i] ^= 0x20;
        buf_reset(why);
        assert_int_equal(spool_journal_parse((unsigned char *) b->data,
                                             b->len, &out, &used, why), -1);
        assert_non_null(strstr(why->data, "check"));
        b->data[i] ^= 0x20;
    }
    /* Not a record at all; a length past any body. */
    buf_reset(why);
    assert_int_equal(spool_journal_parse((const unsigned char *) "XMJ1", 4,
                                         &out, &used, why), -1);
    assert_string_equal(why->data, "no record magic");
    b->data[7] = 0x7f;
    buf_reset(why);
    assert_int_equal(spool_journal_parse((unsigned char *) b->data, b->len,
                                         &out, &used, why), -1);
    assert_non_null(strstr(why->data, "out of range"));
    buf_free(b);
    buf_free(why);
}

/* The jobs in the spool, by state mask. */
static size_t count_jobs(struct spool *sp)
{
    struct spool_job **jobs;
    struct buf *why = buf_create(64);
    size_t n;

    assert_int_equal(spool_list(sp, SPOOL_MASK_ALL, &jobs, &n, why), 0);
    spool_job_list_free(jobs, n);
    buf_free(why);
    return n;
}

static size_t count_segments(const char *dir)
{
    char path[PATH_MAX];
    struct dirent *dp;
    DIR *d;
    size_t n = 0;

    snprintf(path, sizeof(path), "%s/journal", dir);
    assert_non_null(d = opendir(path));
    while ((dp = readdir(d)) != NULL)
        if (dp->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

/* The only segment's path (the journal must hold exactly one). */
static char *only_segment(const char *dir)
{
    char path[PATH_MAX];
    struct dirent *dp;
    char *found = NULL;
    DIR *d;

    snprintf(path, sizeof(path), "%s/journal", dir);
    assert_non_null(d = opendir(path));
    while ((dp = readdir(d)) != NULL)
        if (dp->d_name[0] != '.') {
            assert_null(found);
            snprintf(path, sizeof(path), "%s/journal/%s", dir, dp->d_name);
            found = xstrdup(path);
        }
    closedir(d);
    assert_non_null(found);
    return found;
}

static void write_segment(const char *path, const char *data, size_t len)
{
    int fd;

    assert_true((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0);
    assert_int_equal(write_all(fd, data, len), 0);
    close(fd);
}

struct fixture {
    char *dir;
    struct spool *spool;
    struct spool_journal *j;
    struct buf *why;
};

static void open_all(struct fixture *f)
{
    if (f->spool == NULL)
        assert_non_null(f->spool = spool_open(f->dir, 1, f->why));
    f->j = spool_journal_open(f->spool, f->dir, f->why);
    if (f->j == NULL)
        fail_msg("%s", f->why->data);
}

static int setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof(*f));

    f->dir = test_tmpdir("journal");
    f->why = buf_create(64);
    open_all(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    spool_journal_close(f->j);
    spool_close(f->spool);
    buf_free(f->why);
    free(f->dir);
    free(f);
    return 0;
}

static void append3(struct fixture *f, struct spool_journal_rec r[3],
                    const char *tag)
{
    static char keys[3][32];
    int i;

    for (i = 0; i < 3; i++) {
        snprintf(keys[i], sizeof(keys[i]), "%s-%d", tag, i);
        r[i] = rec(keys[i], "Body=hello");
    }
    assert_int_equal(spool_journal_append(f->j, r, 3, f->why), 0);
    for (i = 0; i < 3; i++)
        assert_int_equal(r[i].rc, SPOOL_ACCEPTED);
}

static void test_append_then_drain(void **state)
{
    struct fixture *f = *state;
    struct spool_journal_rec r[3];
    struct spool_job *job;
    int i;

    size_t pending;

    append3(f, r, "a");
    assert_true(spool_journal_backlog(f->j) > 0);
    assert_int_equal(count_jobs(f->spool), 0);
    /* What postmaskctl queue list counts, from the files alone. */
    assert_int_equal(spool_journal_pending(f->spool, f->dir, &pending,
                                           f->why), 0);
    assert_int_equal(pending, 3);
    assert_int_equal(spool_journal_drain(f->j, 0, f->why), 3);
    assert_int_equal(spool_journal_backlog(f->j), 0);
    assert_int_equal(spool_journal_pending(f->spool, f->dir, &pending,
                                           f->why), 0);
    assert_int_equal(pending, 0);
    assert_int_equal(count_jobs(f->spool), 3);
    for (i = 0; i < 3; i++) {
        /* The job has the ID, time and key the journal gave it. */
        assert_int_equal(spool_load(f->spool, r[i].id, 1, &job, f->why), 0);
        assert_string_equal(job->kind, KIND);
        assert_string_equal(job->dedupe_key, r[i].key);
        assert_int_equal(job->created, r[i].created);
        assert_int_equal(job->state, SPOOL_ACTIVE);
        assert_memory_equal(job->payload, "Body=hello", 10);
        spool_job_free(job);
    }
    /* Nothing more; the IDs differ. */
    assert_int_equal(spool_journal_drain(f->j, 0, f->why), 0);
    assert_string_not_equal(r[0].id, r[1].id);
    /* max: at most that many. */
    append3(f, r, "b");
    assert_int_equal(spool_journal_drain(f->j, 2, f->why), 2);
    assert_int_equal(spool_journal_drain(f->j, 0, f->why), 1);
    assert_int_equal(count_jobs(f->spool), 6);
}

/* A crash before the drain: the next open makes the jobs, once. */
static void test_crash_before_drain(void **state)
{
    struct fixture *f = *state;
    struct spool_journal_rec r[3];
    struct spool_job *job;

    append3(f, r, "c");
    spool_journal_close(f->j);          /* as a SIGKILL would leave it */
    open_all(f);
    assert_int_equal(count_jobs(f->spool), 3);
    assert_int_equal(spool_load(f->spool, r[2].id, 0, &job, f->why), 0);
    spool_job_free(job);
    assert_int_equal(count_segments(f->dir), 1);        /* the new one */
}

/*
 * A crash after the drain and before the segment went: the jobs are
 * already there, and even once finished (their files gone) they are not
 * made again: their markers answer.
 */
static void test_replay_makes_nothing_twice(void **state)
{
    struct fixture *f = *state;
    struct spool_journal_rec r[3];
    char *seg, *copy;
    char *data;
    size_t len;
    int i;

    append3(f, r, "d");
    seg = only_segment(f->dir);
    assert_int_equal(read_file(seg, 1 << 20, &data, &len), 0);
    assert_int_equal(spool_journal_drain(f->j, 0, f->why), 3);
    for (i = 0; i < 3; i++)
        assert_int_equal(spool_finish(f->spool, r[i].id, f->why), 0);
    spool_journal_close(f->j);
    /* The segment as it was before the drain, back in place. */
    copy = xstrdup(seg);
    copy[strlen(copy) - 1] = '0';       /* an older sequence number */
    write_segment(copy, data, len);
    /* The copy holds three valid records (so the replay below meets them
     * as duplicates, not as damage to skip). */
    {
        struct spool_journal_rec got;
        size_t at = 0, used;

        for (i = 0; i < 3; i++) {
            assert_int_equal(spool_journal_parse((unsigned char *) data + at,
                                                 len - at, &got, &used,
                                                 f->why), 1);
            assert_string_equal(got.id, r[i].id);
            at += used;
        }
        assert_int_equal(at, len);
    }
    open_all(f);
    assert_int_equal(count_jobs(f->spool), 0);
    assert_int_equal(count_segments(f->dir), 1);
    free(data);
    free(seg);
    free(copy);
}

/* Writes an old segment of dir's journal (number 0). */
static void old_segment(const char *dir, const char *data, size_t len)
{
    char path[PATH_MAX];

    snprintf(path, sizeof(path), "%s/journal/0000000000000000", dir);
    write_segment(path, data, len);
}

/*
 * Encodes n records as an earlier run wrote them (keys TAG-0..., IDs from
 * first on, one time) into b; returns where the second one starts.
 */
static size_t old_records(struct buf *b, int n, const char *tag,
                          unsigned first)
{
    struct spool_journal_rec r;
    size_t second = 0;
    char key[16];
    int i;

    for (i = 0; i < n; i++) {
        snprintf(key, sizeof(key), "%s-%d", tag, i);
        r = rec(key, "Body=x");
        snprintf(r.id, sizeof(r.id), "6745A1B2%08X", first + (unsigned) i);
        r.created = 1764756000;
        if (i == 1)
            second = b->len;
        spool_journal_encode(&r, b);
    }
    return second;
}

static void test_cut_short_and_damaged(void **state)
{
    struct fixture *f = *state;
    struct buf *b = buf_create(256);
    size_t second = old_records(b, 4, "e", 0);

    /* Record 1 damaged in its body; record 3 cut short. */
    b->data[second + SPOOL_JOURNAL_HEADER + 3] ^= 1;
    spool_journal_close(f->j);
    old_segment(f->dir, b->data, b->len - 5);
    open_all(f);
    assert_int_equal(count_jobs(f->spool), 2);  /* records 0 and 2 */
    assert_int_equal(count_segments(f->dir), 1);
    buf_free(b);
}

/*
 * A damaged length that runs past the segment's end: the records after it
 * are still found and made into jobs.
 */
static void test_damaged_length(void **state)
{
    struct fixture *f = *state;
    struct buf *b = buf_create(256);
    size_t second = old_records(b, 3, "L", 0x100);

    b->data[second + 5] = 0x10;         /* its length: 4 KiB more */
    spool_journal_close(f->j);
    old_segment(f->dir, b->data, b->len);
    open_all(f);
    assert_int_equal(count_jobs(f->spool), 2);  /* records 0 and 2 */
    buf_free(b);
}

/*
 * Trimming: only once everything is drained; afterwards the segment is
 * empty, appends go on from its start, and a replay makes nothing again.
 */
static void test_trim(void **state)
{
    struct fixture *f = *state;
    struct spool_journal_rec r[3];
    struct stat st;
    char *seg;

    append3(f, r, "t");
    assert_int_equal(spool_journal_trim(f->j, f->why), 0);  /* not drained */
    assert_int_equal(spool_journal_drain(f->j, 0, f->why), 3);
    assert_int_equal(spool_journal_trim(f->j, f->why), 1);
    seg = only_segment(f->dir);
    assert_int_equal(stat(seg, &st), 0);
    assert_int_equal(st.st_size, 0);
    assert_int_equal(spool_journal_trim(f->j, f->why), 0);  /* empty */
    append3(f, r, "u");
    assert_int_equal(stat(seg, &st), 0);
    assert_true(st.st_size > 0);
    assert_int_equal(spool_journal_drain(f->j, 0, f->why), 3);
    assert_int_equal(count_jobs(f->spool), 6);
    spool_journal_close(f->j);
    open_all(f);
    assert_int_equal(count_jobs(f->spool), 6);
    free(seg);
}

/*
 * The promise a replay rests on: while a record is on disk, the markers
 * made since its time stay past dedupe_lifetime, so a replay of the
 * record, even after its job finished, makes nothing.  Once the journal
 * holds no record, the markers expire as usual.
 */
static void test_markers_outlive_records(void **state)
{
    struct fixture *f = *state;
    struct spool_journal_rec r[3];
    time_t oldest, now = time(NULL);
    char *seg, *data;
    size_t len;
    int i;

    append3(f, r, "x");
    seg = only_segment(f->dir);
    assert_int_equal(read_file(seg, 1 << 20, &data, &len), 0);
    assert_int_equal(spool_journal_drain(f->j, 0, f->why), 3);
    for (i = 0; i < 3; i++)
        assert_int_equal(spool_finish(f->spool, r[i].id, f->why), 0);
    /* The drained records are still in the segment: their markers stay. */
    assert_int_equal(spool_journal_oldest(f->dir, &oldest, f->why), 0);
    assert_true(oldest > 0 && oldest <= r[0].created);
    assert_int_equal(spool_expire_dedupe(f->spool, now + 7200, 3600,
                                         oldest - 300, f->why), 0);
    spool_journal_close(f->j);
    write_segment(seg, data, len);      /* as a crash may leave it */
    open_all(f);                        /* replays it */
    assert_int_equal(count_jobs(f->spool), 0);
    /* Now the journal holds nothing: they expire. */
    assert_int_equal(spool_journal_oldest(f->dir, &oldest, f->why), 0);
    assert_int_equal(oldest, 0);
    assert_int_equal(spool_expire_dedupe(f->spool, now + 7200, 3600, 0,
                                         f->why), 3);
    free(data);
    free(seg);
}

/* A marker that cannot be read: the planted symlink for kind and key. */
static void corrupt_marker(struct fixture *f, const char *key)
{
    unsigned char md[32];
    char path[PATH_MAX], name[65];
    struct buf *b = buf_create(64);
    int i;

    buf_printf(b, "%s", KIND);
    buf_append(b, "", 1);               /* the kind's NUL */
    buf_append_str(b, key);
    SHA256((unsigned char *) b->data, b->len, md);
    for (i = 0; i < 32; i++)
        snprintf(name + 2 * i, 3, "%02x", md[i]);
    snprintf(path, sizeof(path), "%s/dedupe/%s", f->dir, name);
    assert_int_equal(symlink("not-a-job-id", path), 0);
    buf_free(b);
}

/*
 * One record whose marker cannot be read: at intake it alone is refused;
 * in the journal it holds up nothing for long: the others are made into
 * jobs one by one, and after failing alone ten times it is set aside in
 * journal/failed/ with an error.
 */
static void test_bad_record_set_aside(void **state)
{
    struct fixture *f = *state;
    struct spool_journal_rec r[3], in[2];
    char path[PATH_MAX];
    struct stat st;
    int i;

    corrupt_marker(f, "IMbad-intake");
    in[0] = rec("IMgood", "Body=1");
    in[1] = rec("IMbad-intake", "Body=2");
    assert_int_equal(spool_journal_append(f->j, in, 2, f->why), 0);
    assert_int_equal(in[0].rc, SPOOL_ACCEPTED);
    assert_int_equal(in[1].rc, -1);
    assert_non_null(in[1].error);

    append3(f, r, "y");
    corrupt_marker(f, "y-1");           /* after the append */
    assert_int_equal(spool_journal_drain(f->j, 0, f->why), -1);
    for (i = 0; i < 9; i++) {
        buf_reset(f->why);
        assert_int_equal(spool_journal_drain(f->j, 0, f->why), -1);
        assert_non_null(strstr(f->why->data, "corrupt"));
    }
    buf_reset(f->why);
    assert_true(spool_journal_drain(f->j, 0, f->why) >= 1);
    snprintf(path, sizeof(path), "%s/journal/failed/%s", f->dir, r[1].id);
    assert_int_equal(stat(path, &st), 0);
    assert_true(st.st_size > 0);
    assert_int_equal(spool_journal_backlog(f->j), 0);
    /* IMgood, y-0 and y-2 are jobs. */
    assert_int_equal(count_jobs(f->spool), 3);
}

/*
 * One key twice: in one batch, in a later batch before the drain, and
 * after it: one job, and each duplicate names it at once.
 */
static void test_same_key_twice(void **state)
{
    struct fixture *f = *state;
    struct spool_journal_rec r[2], later;

    r[0] = rec("IMsame", "Body=1");
    r[1] = rec("IMsame", "Body=2");
    assert_int_equal(spool_journal_append(f->j, r, 2, f->why), 0);
    assert_int_equal(r[0].rc, SPOOL_ACCEPTED);
    assert_int_equal(r[1].rc, SPOOL_DUPLICATE);
    assert_string_equal(r[1].id, r[0].id);
    later = rec("IMsame", "Body=3");
    assert_int_equal(spool_journal_append(f->j, &later, 1, f->why), 0);
    assert_int_equal(later.rc, SPOOL_DUPLICATE);
    assert_string_equal(later.id, r[0].id);
    assert_int_equal(spool_journal_drain(f->j, 0, f->why), 1);
    assert_int_equal(count_jobs(f->spool), 1);
    later = rec("IMsame", "Body=4");
    assert_int_equal(spool_journal_append(f->j, &later, 1, f->why), 0);
    assert_int_equal(later.rc, SPOOL_DUPLICATE);
    assert_string_equal(later.id, r[0].id);
    assert_int_equal(spool_journal_backlog(f->j), 0);
}

/*
 * A key two journals hold (two processes, or a crash between append and
 * drain replayed beside a retry): the drain finds the marker, and the
 * second record is dropped as a duplicate of the first's job.
 */
static void test_duplicate_found_at_drain(void **state)
{
    struct fixture *f = *state;
    struct spool_journal_rec r = rec("IMtwice", "Body=1");
    struct buf *b = buf_create(256);

    assert_int_equal(spool_journal_append(f->j, &r, 1, f->why), 0);
    assert_int_equal(spool_journal_drain(f->j, 0, f->why), 1);
    spool_journal_close(f->j);
    r = rec("IMtwice", "Body=2");
    memcpy(r.id, "6745A1B2FFFFFFFF", SPOOL_ID_LEN + 1);
    r.created = 1764756000;
    spool_journal_encode(&r, b);
    old_segment(f->dir, b->data, b->len);
    open_all(f);
    assert_int_equal(count_jobs(f->spool), 1);
    buf_free(b);
}

/* Past a segment's size the writer starts another; the drain removes
 * every one it has left. */
static void test_segments_rotate(void **state)
{
    struct fixture *f = *state;
    size_t big = 1024 * 1024;
    char *payload = xmalloc(big + 1);
    struct spool_journal_rec r;
    char key[16];
    int i;

    memset(payload, 'p', big);
    payload[big] = '\0';
    for (i = 0; i < 12; i++) {
        snprintf(key, sizeof(key), "big-%d", i);
        r = rec(key, payload);
        assert_int_equal(spool_journal_append(f->j, &r, 1, f->why), 0);
    }
    assert_true(count_segments(f->dir) >= 2);
    assert_int_equal(spool_journal_drain(f->j, 0, f->why), 12);
    assert_int_equal(count_segments(f->dir), 1);
    assert_int_equal(count_jobs(f->spool), 12);
    free(payload);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_round_trip),
        cmocka_unit_test_setup_teardown(test_append_then_drain, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_crash_before_drain, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_replay_makes_nothing_twice,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_cut_short_and_damaged, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_same_key_twice, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_trim, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_length, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_markers_outlive_records, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_bad_record_set_aside, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_found_at_drain,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_segments_rotate, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
