/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_spool - the durable spool (spool.c, spool_enqueue.c): opening it
 * (layout, modes, refusals), enqueue and load, dedupe (also across
 * processes), batches and the group commit of threads, and corrupt job
 * files.  Each test gets a fresh spool (spool_fixture.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "buf.h"
#include "fsutil.h"
#include "spool.h"
#include "spool_job.h"
#include "xalloc.h"

#include "spool_fixture.h"

/* Opening. */

static const char *const spool_subdirs[] = {
    "incoming", "active", "deferred", "hold", "dead", "dedupe",
};

static void test_open_layout_and_modes(void **state)
{
    struct fixture *fx = *state;
    static const mode_t umasks[] = {0, 022, 077, 0777};
    char dir[PATH_MAX];
    char path[PATH_MAX];
    char id[SPOOL_ID_LEN + 1];
    struct spool *sp;
    mode_t old;
    size_t u;
    size_t i;

    /* Whatever the umask: directories 0700, files 0600. */
    for (u = 0; u < sizeof(umasks) / sizeof(umasks[0]); u++) {
        pathf(dir, "%s/umask%03o/a/b", fx->top,
                 (unsigned) umasks[u]);
        old = umask(umasks[u]);
        sp = spool_open(dir, 1, fx->why);
        if (sp == NULL) {
            umask(old);
            fail_msg("spool_open: %s", fx->why->data);
        }
        assert_int_equal(spool_enqueue(sp, "capture", "k", "x", 1, id,
                                       fx->why), SPOOL_ACCEPTED);
        umask(old);
        assert_mode(dir, 0700);
        for (i = 0; i < sizeof(spool_subdirs) / sizeof(spool_subdirs[0]); i++) {
            pathf(path, "%s/%s", dir, spool_subdirs[i]);
            assert_mode(path, 0700);
        }
        pathf(path, "%s/active/%s", dir, id);
        assert_mode(path, 0600);
        spool_close(sp);
        /* Opening an existing spool does not need create. */
        assert_non_null(sp = spool_open(dir, 0, fx->why));
        spool_close(sp);
    }
    assert_string_equal(fx->why->data, "");
}

struct open_case {
    const char *name;
    const char *sub;            /* under top; NULL: the empty string */
    int create;
    const char *why_head;       /* the message is why_head TOP why_tail, */
    const char *why_tail;       /* or why_head alone when why_tail is NULL */
};

static void test_open_errors(void **state)
{
    struct fixture *fx = *state;
    static const struct open_case cases[] = {
        {"no directory", "missing", 0, "spool directory ",
         "/missing: No such file or directory"},
        {"not a spool", "empty", 0, "spool directory ", "/empty/incoming: "
         "No such file or directory (not a spool, or not created)"},
        {"a file", "file", 0, "spool directory ", "/file: Not a directory"},
        {"a file, create", "file", 1, "create spool directory ",
         "/file: Not a directory"},
        {"under a file", "file/spool", 1, "create spool directory ",
         "/file/spool: Not a directory"},
        {"subdirectory is a file", "badsub", 0, "spool directory ",
         "/badsub/active: Not a directory"},
        {"empty name", NULL, 1, "spool directory is not set", NULL},
    };
    char dir[PATH_MAX];
    char want[PATH_MAX * 2];
    char path[PATH_MAX];
    size_t i;

    pathf(path, "%s/empty", fx->top);
    assert_int_equal(mkdir(path, 0700), 0);
    pathf(path, "%s/file", fx->top);
    assert_int_equal(close(open(path, O_CREAT | O_WRONLY, 0600)), 0);
    for (i = 0; i < 6; i++) {
        pathf(path, "%s/badsub/%s", fx->top, spool_subdirs[i]);
        assert_int_equal(mkdir_p(path, 0700), 0);
    }
    pathf(path, "%s/badsub/active", fx->top);
    assert_int_equal(rmdir(path), 0);
    assert_int_equal(close(open(path, O_CREAT | O_WRONLY, 0600)), 0);

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        print_message("case: %s\n", cases[i].name);
        if (cases[i].sub)
            pathf(dir, "%s/%s", fx->top, cases[i].sub);
        else
            dir[0] = '\0';
        buf_reset(fx->why);
        assert_null(spool_open(dir, cases[i].create, fx->why));
        if (cases[i].why_tail)
            pathf(want, "%s%s%s", cases[i].why_head, fx->top,
                  cases[i].why_tail);
        else
            pathf(want, "%s", cases[i].why_head);
        assert_string_equal(fx->why->data, want);
    }
}

/*
 * A spool the caller may not write: as root, a child that became "nobody"
 * tries; otherwise the directories are made read-only.
 */
static void open_unwritable(const char *dir, int create, char *out, size_t len)
{
    struct buf *why = buf_create(128);
    struct spool *sp;
    int fds[2];
    pid_t pid;
    ssize_t n;
    int status;

    if (geteuid() != 0) {
        sp = spool_open(dir, create, why);
        spool_close(sp);
        snprintf(out, len, "%s%s", sp ? "opened " : "", why->data);
        buf_free(why);
        return;
    }
    assert_int_equal(pipe(fds), 0);
    if ((pid = fork()) == 0) {
        close(fds[0]);
        if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
            _exit(3);
        sp = spool_open(dir, create, why);
        if (sp)
            buf_append_str(why, "opened ");
        write_all(fds[1], why->data, why->len);
        _exit(0);
    }
    close(fds[1]);
    n = read(fds[0], out, len - 1);
    out[n < 0 ? 0 : n] = '\0';
    close(fds[0]);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    buf_free(why);
}

static void test_open_unwritable(void **state)
{
    struct fixture *fx = *state;
    char top[] = "/tmp/pm-spool-test-XXXXXX";
    char dir[PATH_MAX];
    char path[PATH_MAX];
    char got[1024];
    char want[PATH_MAX + 64];
    struct spool *sp;
    size_t i;

    /* Under /tmp, so that "nobody" can reach it. */
    assert_non_null(mkdtemp(top));
    assert_int_equal(chmod(top, 0755), 0);

    /* Create in a directory we may not write. */
    pathf(dir, "%s/ro", top);
    assert_int_equal(mkdir(dir, 0555), 0);
    assert_int_equal(chmod(dir, 0555), 0);
    open_unwritable(dir, 1, got, sizeof(got));
    pathf(want, "create spool directory %s/incoming: Permission denied", dir);
    assert_string_equal(got, want);

    /* Open an existing spool we may not write. */
    pathf(dir, "%s/spool", top);
    assert_non_null(sp = spool_open(dir, 1, fx->why));
    spool_close(sp);
    assert_int_equal(chmod(dir, 0755), 0);
    if (geteuid() != 0) {
        for (i = 0; i < 6; i++) {
            pathf(path, "%s/%s", dir, spool_subdirs[i]);
            assert_int_equal(chmod(path, 0500), 0);
        }
    }
    open_unwritable(dir, 0, got, sizeof(got));
    pathf(want, "spool directory %s/incoming: "
             "Permission denied", dir);
    assert_string_equal(got, want);
    for (i = 0; i < 6; i++) {
        pathf(path, "%s/%s", dir, spool_subdirs[i]);
        chmod(path, 0700);
    }
    pathf(dir, "%s/ro", top);
    chmod(dir, 0755);
    rm_tree(top);
}

/* Enqueue and load. */

static void test_enqueue_load_roundtrip(void **state)
{
    struct fixture *fx = *state;
    static const unsigned char binary[] = {
        0, 'a', 0xff, 0x80, '\n', 0, '\r', 0xc3, 0xa9, 0, 0x7f, 0,
    };
    struct {
        const char *name;
        const void *data;
        size_t len;
        const char *key;
    } cases[] = {
        {"binary with NUL and 8-bit", binary, sizeof(binary), NULL},
        {"empty", "", 0, "empty-payload"},
        {"key with odd bytes", "text", 4, "IM00 %\xc3\xa9\t\x7f"},
        {"large", NULL, 3 * 1024 * 1024 + 17, "large"},
    };
    unsigned char *large;
    char id[SPOOL_ID_LEN + 1];
    struct spool_job *job;
    time_t before = time(NULL);
    size_t i;
    size_t j;

    large = xmalloc(cases[3].len);
    for (j = 0; j < cases[3].len; j++)
        large[j] = (unsigned char) (j * 7 + j / 251);
    cases[3].data = large;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        print_message("case: %s\n", cases[i].name);
        assert_int_equal(spool_enqueue(fx->sp, "capture", cases[i].key,
                                       cases[i].data, cases[i].len, id,
                                       fx->why), SPOOL_ACCEPTED);
        assert_true(exists_in(fx, "active", id));
        job = load_ok(fx, id, 1);
        assert_string_equal(job->id, id);
        assert_string_equal(job->kind, "capture");
        if (cases[i].key)
            assert_string_equal(job->dedupe_key, cases[i].key);
        else
            assert_null(job->dedupe_key);
        assert_int_equal(job->state, SPOOL_ACTIVE);
        assert_true(job->created >= before && job->created <= time(NULL));
        assert_int_equal(job->attempts, 0);
        assert_int_equal(job->next_attempt, 0);
        assert_null(job->last_error);
        assert_int_equal(job->payload_len, cases[i].len);
        assert_non_null(job->payload);
        if (cases[i].len)
            assert_memory_equal(job->payload, cases[i].data, cases[i].len);
        spool_job_free(job);

        /* Without the payload: its size, no bytes. */
        job = load_ok(fx, id, 0);
        assert_null(job->payload);
        assert_int_equal(job->payload_len, cases[i].len);
        spool_job_free(job);
    }
    free(large);
    /* Nothing is left behind in incoming/. */
    assert_int_equal(count_files(fx, "incoming"), 0);
    assert_int_equal(count_files(fx, "active"), 4);
    assert_int_equal(count_files(fx, "dedupe"), 3);
}

static void test_enqueue_refused(void **state)
{
    struct fixture *fx = *state;
    char long_key[SPOOL_KEY_MAX + 2];
    static const char one = 'x';
    struct {
        const char *name;
        const char *kind;
        const char *key;
        size_t len;
        const char *why;
    } cases[] = {
        {"uppercase kind", "Capture", NULL, 1,
         "invalid job kind \"Capture\""},
        {"empty kind", "", NULL, 1, "invalid job kind \"\""},
        {"NULL kind", NULL, NULL, 1, "invalid job kind \"(null)\""},
        {"kind with a path", "../x", NULL, 1, "invalid job kind \"../x\""},
        {"kind with a newline", "a\nb", NULL, 1,
         "invalid job kind \"a\\x0ab\""},
        {"empty key", "capture", "", 1, "dedupe key is empty"},
        {"key too long", "capture", long_key, 1, "dedupe key is too long"},
        {"payload too large", "capture", NULL, SPOOL_PAYLOAD_MAX + 1,
         "payload of 67108865 bytes exceeds the limit of 67108864 bytes"},
    };
    char id[SPOOL_ID_LEN + 1];
    size_t i;

    memset(long_key, 'k', SPOOL_KEY_MAX + 1);
    long_key[SPOOL_KEY_MAX + 1] = '\0';
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        print_message("case: %s\n", cases[i].name);
        buf_reset(fx->why);
        /* The length is checked before the payload is touched. */
        assert_int_equal(spool_enqueue(fx->sp, cases[i].kind, cases[i].key,
                                       &one, cases[i].len, id, fx->why), -1);
        assert_string_equal(fx->why->data, cases[i].why);
    }
    /* The limit holds for a payload in two pieces, together. */
    buf_reset(fx->why);
    assert_int_equal(spool_enqueue_tail(fx->sp, "capture", NULL, &one,
                                        SPOOL_PAYLOAD_MAX / 2 + 1, &one,
                                        SPOOL_PAYLOAD_MAX / 2, id, fx->why),
                     -1);
    assert_string_equal(fx->why->data, "payload of 67108865 bytes exceeds "
                        "the limit of 67108864 bytes");
    /* A key of exactly SPOOL_KEY_MAX bytes is fine. */
    long_key[SPOOL_KEY_MAX] = '\0';
    assert_int_equal(spool_enqueue(fx->sp, "capture", long_key, &one, 1, id,
                                   fx->why), SPOOL_ACCEPTED);
    assert_int_equal(count_files(fx, "incoming"), 0);
    assert_int_equal(count_files(fx, "active"), 1);
}

/* A payload in two pieces is stored as one: the head, then the tail. */
static void test_enqueue_tail(void **state)
{
    struct fixture *fx = *state;
    char id[SPOOL_ID_LEN + 1], again[SPOOL_ID_LEN + 1];
    struct spool_job *job;

    assert_int_equal(spool_enqueue_tail(fx->sp, "capture", "k-tail",
                                        "{\"json\":1}\n", 11, "raw message",
                                        11, id, fx->why), SPOOL_ACCEPTED);
    job = load_ok(fx, id, 1);
    assert_int_equal(job->payload_len, 22);
    assert_memory_equal(job->payload, "{\"json\":1}\nraw message", 22);
    spool_job_free(job);
    /* Either piece may be empty. */
    assert_int_equal(spool_enqueue_tail(fx->sp, "capture", NULL, "", 0,
                                        "only the tail", 13, again, fx->why),
                     SPOOL_ACCEPTED);
    job = load_ok(fx, again, 1);
    assert_int_equal(job->payload_len, 13);
    assert_memory_equal(job->payload, "only the tail", 13);
    spool_job_free(job);
    /* The key is the key, however the payload came. */
    assert_int_equal(spool_enqueue(fx->sp, "capture", "k-tail", "x", 1, again,
                                   fx->why), SPOOL_DUPLICATE);
    assert_string_equal(again, id);
}

static void test_duplicates(void **state)
{
    struct fixture *fx = *state;
    char first[SPOOL_ID_LEN + 1];
    char again[SPOOL_ID_LEN + 1];
    char other[SPOOL_ID_LEN + 1];
    char marker[65];

    enqueue_ok(fx, "twilio_message", "IM0001", "hello", first);
    marker_name("twilio_message", "IM0001", marker);
    assert_true(exists_in(fx, "dedupe", marker));

    /* The same key again: refused, and the holder's ID comes back. */
    memset(again, 0, sizeof(again));
    assert_int_equal(spool_enqueue(fx->sp, "twilio_message", "IM0001",
                                   "hello again", 11, again, fx->why),
                     SPOOL_DUPLICATE);
    assert_string_equal(again, first);
    assert_int_equal(count_files(fx, "active"), 1);
    assert_int_equal(count_files(fx, "incoming"), 0);

    /* The same key for another kind is another job. */
    enqueue_ok(fx, "capture", "IM0001", "hello", other);
    assert_string_not_equal(other, first);

    /* A job without a key is never a duplicate. */
    enqueue_ok(fx, "capture", NULL, "hello", other);
    enqueue_ok(fx, "capture", NULL, "hello", again);
    assert_string_not_equal(other, again);

    /* After the job finished, its key is still known. */
    assert_int_equal(spool_finish(fx->sp, first, fx->why), 0);
    assert_int_equal(spool_load(fx->sp, first, 0, &(struct spool_job *) {0},
                                fx->why), SPOOL_NOTFOUND);
    assert_int_equal(spool_enqueue(fx->sp, "twilio_message", "IM0001", "x", 1,
                                   again, fx->why), SPOOL_DUPLICATE);
    assert_string_equal(again, first);
    assert_int_equal(count_files(fx, "incoming"), 0);
    assert_string_equal(fx->why->data, "");
}

/* The marker is a symbolic link naming the job, and is never followed. */
static void test_marker_is_symlink(void **state)
{
    struct fixture *fx = *state;
    char id[SPOOL_ID_LEN + 1];
    char again[SPOOL_ID_LEN + 1];
    char marker[65];
    char path[PATH_MAX];
    char target[64];
    ssize_t n;

    enqueue_ok(fx, "twilio_message", "IM0002", "hello", id);
    marker_name("twilio_message", "IM0002", marker);
    n = readlink(path_in(fx, "dedupe", marker, path), target,
                 sizeof(target) - 1);
    assert_int_equal(n, SPOOL_ID_LEN);
    target[n] = '\0';
    assert_string_equal(target, id);

    /* A marker of an older spool (a file holding the ID) still answers. */
    marker_name("twilio_message", "IM-old", marker);
    plant(fx, "dedupe", marker, "0123456789ABCDEF\n", 17);
    assert_int_equal(spool_enqueue(fx->sp, "twilio_message", "IM-old", "x", 1,
                                   again, fx->why), SPOOL_DUPLICATE);
    assert_string_equal(again, "0123456789ABCDEF");

    /* A link whose target is no ID is corrupt: refused, named, kept. */
    marker_name("twilio_message", "IM-bad", marker);
    assert_int_equal(symlink("../active/0123456789ABCDEF",
                             path_in(fx, "dedupe", marker, path)), 0);
    assert_int_equal(spool_enqueue(fx->sp, "twilio_message", "IM-bad", "x", 1,
                                   again, fx->why), -1);
    assert_why(fx->why->data, "dedupe marker ", " is corrupt");
    assert_int_equal(count_files(fx, "incoming"), 0);
    buf_reset(fx->why);
    /* ... and expiry takes it away, as it does a corrupt file. */
    assert_int_equal(spool_expire_dedupe(fx->sp, time(NULL) + 7200, 3600, 0,
                                         fx->why), 2);
    assert_false(exists_in(fx, "dedupe", marker));
    marker_name("twilio_message", "IM0002", marker);
    assert_true(exists_in(fx, "dedupe", marker));   /* its job is live */
}

/*
 * Group commit: one call, many jobs, each with its own answer, as if each
 * had been enqueued alone.
 */
static void check_enqueue_batch(struct fixture *fx)
{
    char held[SPOOL_ID_LEN + 1];
    char marker[65];
    struct spool_entry e[7];
    struct spool_job *job;
    static const char *const payloads[7] = {
        "first", "second", "third", "fourth", "fifth", "sixth", "seventh",
    };
    size_t i;

    enqueue_ok(fx, "twilio_message", "IM-known", "earlier", held);
    memset(e, 0, sizeof(e));
    for (i = 0; i < 7; i++) {
        e[i].kind = "twilio_message";
        e[i].payload = payloads[i];
        e[i].payload_len = strlen(payloads[i]);
        e[i].why = buf_create(64);
    }
    e[0].dedupe_key = "IM-a";
    e[1].dedupe_key = "IM-known";       /* held by an earlier job */
    e[2].dedupe_key = "IM-a";           /* the same key as entry 0 */
    e[3].dedupe_key = NULL;             /* no key */
    e[4].kind = "Not A Kind";           /* refused alone */
    e[5].dedupe_key = "IM-b";
    e[6].payload_len = (size_t) SPOOL_PAYLOAD_MAX + 1;  /* refused alone */
    e[6].payload = "x";
    spool_enqueue_batch(fx->sp, e, 7);

    assert_int_equal(e[0].rc, SPOOL_ACCEPTED);
    assert_int_equal(e[1].rc, SPOOL_DUPLICATE);
    assert_string_equal(e[1].id, held);
    assert_int_equal(e[2].rc, SPOOL_DUPLICATE);
    assert_string_equal(e[2].id, e[0].id);
    assert_int_equal(e[3].rc, SPOOL_ACCEPTED);
    assert_int_equal(e[4].rc, -1);
    assert_why(e[4].why->data, "invalid job kind ", "\"Not A Kind\"");
    assert_int_equal(e[5].rc, SPOOL_ACCEPTED);
    assert_int_equal(e[6].rc, -1);
    assert_why(e[6].why->data, "payload of ", "bytes");

    /* Exactly the accepted ones are jobs, whole, with their keys. */
    assert_int_equal(count_files(fx, "active"), 4);
    assert_int_equal(count_files(fx, "incoming"), 0);
    assert_int_equal(count_files(fx, "dedupe"), 3);
    for (i = 0; i < 7; i++) {
        if (e[i].rc != SPOOL_ACCEPTED)
            continue;
        job = load_ok(fx, e[i].id, 1);
        assert_int_equal(job->payload_len, strlen(payloads[i]));
        assert_memory_equal(job->payload, payloads[i], job->payload_len);
        if (e[i].dedupe_key)
            assert_string_equal(job->dedupe_key, e[i].dedupe_key);
        else
            assert_null(job->dedupe_key);
        spool_job_free(job);
        assert_string_equal(e[i].why->data, "");
    }
    marker_name("twilio_message", "IM-b", marker);
    assert_true(exists_in(fx, "dedupe", marker));
    for (i = 0; i < 7; i++)
        buf_free(e[i].why);
}

static void test_enqueue_batch(void **state)
{
    check_enqueue_batch(*state);
}

/* The same with one syncfs(2) per batch (spool_sync_method = syncfs). */
static void test_enqueue_batch_syncfs(void **state)
{
    struct fixture *fx = *state;
    enum spool_sync sync;

    assert_int_equal(spool_sync_parse("syncfs", &sync), 0);
    assert_int_equal(sync, SPOOL_SYNC_SYNCFS);
    assert_int_equal(spool_sync_parse("fsync", &sync), 0);
    assert_int_equal(sync, SPOOL_SYNC_FSYNC);
    assert_int_equal(spool_sync_parse("sync", &sync), -1);
    spool_set_sync(fx->sp, SPOOL_SYNC_SYNCFS);
    check_enqueue_batch(fx);
}

/* One thread of test_group_commit: its spool_enqueue() calls. */
struct group_thread {
    struct fixture *fx;
    int t;
    int rc[16];
    char id[16][SPOOL_ID_LEN + 1];
    char key[16][32];
    char payload[16][32];
};

static void *group_thread_main(void *arg)
{
    struct group_thread *gt = arg;
    struct buf *why = buf_create(64);
    int i;

    for (i = 0; i < 16; i++) {
        /* Every third call shares a key with the other threads. */
        snprintf(gt->key[i], sizeof(gt->key[i]), i % 3 == 0 ? "shared-%d"
                 : "t%d-%d", i % 3 == 0 ? i : gt->t, i);
        snprintf(gt->payload[i], sizeof(gt->payload[i]), "thread %d call %d",
                 gt->t, i);
        gt->rc[i] = spool_enqueue(gt->fx->sp, "capture", gt->key[i],
                                  gt->payload[i], strlen(gt->payload[i]),
                                  gt->id[i], why);
        if (gt->rc[i] < 0)
            fprintf(stderr, "thread %d call %d: %s\n", gt->t, i, why->data);
    }
    buf_free(why);
    return NULL;
}

/*
 * Threads that enqueue at once share batches (group commit), and each gets
 * the answer it would have got alone: one job per key, whole, and every
 * duplicate names it.
 */
static void test_group_commit(void **state)
{
    struct fixture *fx = *state;
    enum { NTHREAD = 8 };
    struct group_thread gt[NTHREAD];
    pthread_t th[NTHREAD];
    struct spool_job *job;
    const char *holder[16];
    int accepted = 0;
    int t, i;

    memset(gt, 0, sizeof(gt));
    memset(holder, 0, sizeof(holder));
    for (t = 0; t < NTHREAD; t++) {
        gt[t].fx = fx;
        gt[t].t = t;
        assert_int_equal(pthread_create(&th[t], NULL, group_thread_main,
                                        &gt[t]), 0);
    }
    for (t = 0; t < NTHREAD; t++)
        assert_int_equal(pthread_join(th[t], NULL), 0);
    for (t = 0; t < NTHREAD; t++)
        for (i = 0; i < 16; i++) {
            assert_true(gt[t].rc[i] == SPOOL_ACCEPTED
                        || gt[t].rc[i] == SPOOL_DUPLICATE);
            if (gt[t].rc[i] == SPOOL_ACCEPTED) {
                accepted++;
                job = load_ok(fx, gt[t].id[i], 1);
                assert_string_equal(job->dedupe_key, gt[t].key[i]);
                assert_int_equal(job->payload_len, strlen(gt[t].payload[i]));
                assert_memory_equal(job->payload, gt[t].payload[i],
                                    job->payload_len);
                spool_job_free(job);
            }
            if (i % 3 != 0) {
                assert_int_equal(gt[t].rc[i], SPOOL_ACCEPTED);
                continue;
            }
            /* A shared key: the same holder for every thread. */
            if (holder[i] == NULL)
                holder[i] = gt[t].id[i];
            assert_string_equal(gt[t].id[i], holder[i]);
        }
    /* 6 shared keys, once each; 10 own keys per thread. */
    assert_int_equal(accepted, 6 + NTHREAD * 10);
    assert_int_equal(count_files(fx, "active"), accepted);
    assert_int_equal(count_files(fx, "dedupe"), accepted);
    assert_int_equal(count_files(fx, "incoming"), 0);
}

/* Many processes race to enqueue one key: exactly one wins. */
static void test_duplicates_across_processes(void **state)
{
    struct fixture *fx = *state;
    enum { NPROC = 8 };
    char id[SPOOL_ID_LEN + 1];
    char line[64];
    char winner[SPOOL_ID_LEN + 1] = "";
    int fds[2];
    int accepted = 0;
    int duplicates = 0;
    pid_t pids[NPROC];
    FILE *fp;
    int status;
    int i;
    int rc;

    assert_int_equal(pipe(fds), 0);
    for (i = 0; i < NPROC; i++) {
        if ((pids[i] = fork()) == 0) {
            close(fds[0]);
            rc = spool_enqueue(fx->sp, "capture", "race", "payload", 7, id,
                               fx->why);
            snprintf(line, sizeof(line), "%d %s\n", rc, rc >= 0 ? id : "-");
            write_all(fds[1], line, strlen(line));
            _exit(0);
        }
    }
    close(fds[1]);
    assert_non_null(fp = fdopen(fds[0], "r"));
    while (fgets(line, sizeof(line), fp)) {
        rc = atoi(line);
        assert_int_equal(strlen(line), 2 + SPOOL_ID_LEN + 1);
        line[2 + SPOOL_ID_LEN] = '\0';
        if (rc == SPOOL_ACCEPTED) {
            accepted++;
            memcpy(winner, line + 2, SPOOL_ID_LEN + 1);
        } else {
            assert_int_equal(rc, SPOOL_DUPLICATE);
            duplicates++;
        }
    }
    fclose(fp);
    for (i = 0; i < NPROC; i++) {
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status));
    }
    assert_int_equal(accepted, 1);
    assert_int_equal(duplicates, NPROC - 1);
    assert_int_equal(count_files(fx, "active"), 1);
    assert_true(exists_in(fx, "active", winner));
    assert_int_equal(count_files(fx, "incoming"), 0);
}

static void test_load_corrupt(void **state)
{
    struct fixture *fx = *state;
    struct spool_job *job = NULL;
    char want[PATH_MAX * 2];

    /* Cut short, in its payload. */
    plant_job(fx, "active", "00000001AAAAAAAA", "capture", NULL, 1000,
              "payload");
    {
        static const char head[] = "postmask-job 1\nid: 00000001AAAAAAAA\n"
            "kind: capture\ncreated: 1000\nattempts: 0\nnext-attempt: 0\n"
            "payload-size: 7\n\n";
        char path[PATH_MAX];

        assert_int_equal(truncate(path_in(fx, "active", "00000001AAAAAAAA",
                                          path), sizeof(head) - 1 + 3), 0);
    }
    assert_int_equal(spool_load(fx->sp, "00000001AAAAAAAA", 1, &job, fx->why),
                     -1);
    pathf(want, "job file %s/active/00000001AAAAAAAA: "
          "truncated payload: 3 of 7 bytes", fx->dir);
    assert_string_equal(fx->why->data, want);
    /* The header-only reader sees it too, by the file's size. */
    buf_reset(fx->why);
    assert_int_equal(spool_load(fx->sp, "00000001AAAAAAAA", 0, &job, fx->why),
                     -1);
    assert_string_equal(fx->why->data, want);

    /* A file whose content is another job. */
    plant_job(fx, "hold", "00000002AAAAAAAA", "capture", NULL, 1000, "p");
    {
        char from[PATH_MAX];
        char to[PATH_MAX];

        assert_int_equal(rename(path_in(fx, "hold", "00000002AAAAAAAA", from),
                                path_in(fx, "hold", "00000003AAAAAAAA", to)),
                         0);
    }
    buf_reset(fx->why);
    assert_int_equal(spool_load(fx->sp, "00000003AAAAAAAA", 0, &job, fx->why),
                     -1);
    pathf(want, "job file %s/hold/00000003AAAAAAAA: "
             "holds job 00000002AAAAAAAA", fx->dir);
    assert_string_equal(fx->why->data, want);

    /* A directory where a job should be. */
    {
        char path[PATH_MAX];

        assert_int_equal(mkdir(path_in(fx, "dead", "00000004AAAAAAAA", path),
                               0700), 0);
    }
    buf_reset(fx->why);
    assert_int_equal(spool_load(fx->sp, "00000004AAAAAAAA", 1, &job, fx->why),
                     -1);
    pathf(want, "read job file %s/dead/00000004AAAAAAAA: "
             "Invalid argument", fx->dir);
    assert_string_equal(fx->why->data, want);

    /* A state change of a corrupt job fails and leaves it where it is. */
    buf_reset(fx->why);
    assert_int_equal(spool_requeue(fx->sp, "00000003AAAAAAAA", fx->why), -1);
    assert_true(exists_in(fx, "hold", "00000003AAAAAAAA"));
}

#define T(f)    cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_open_layout_and_modes),
        T(test_open_errors),
        T(test_open_unwritable),
        T(test_enqueue_load_roundtrip),
        T(test_enqueue_refused),
        T(test_enqueue_tail),
        T(test_duplicates),
        T(test_marker_is_symlink),
        T(test_enqueue_batch),
        T(test_enqueue_batch_syncfs),
        T(test_group_commit),
        T(test_duplicates_across_processes),
        T(test_load_corrupt),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
