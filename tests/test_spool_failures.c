/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_spool_failures - the spool when the file system fails it half-way
 * (a spool directory the process may not write): every operation, a
 * batch's entries, and what each leaves behind; nothing is half done.
 * Each test gets a fresh spool (spool_fixture.h).
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

/*
 * Failures half-way: one spool directory the process may not write.  As
 * root the operation runs in a child that became "nobody" (root writes
 * anyway); the child reports "rc why" through a pipe.
 */
enum locked_op { LOCKED_ENQUEUE_KEY, LOCKED_ENQUEUE, LOCKED_DEFER,
    LOCKED_HOLD_REASON, LOCKED_RELEASE };

static void run_locked(struct fixture *fx, const char *locked,
                       enum locked_op op, const char *id, int *rc_out,
                       char *why_out, size_t why_len)
{
    char path[PATH_MAX];
    char out[SPOOL_ID_LEN + 1];
    struct spool *sp;
    int fds[2];
    pid_t pid = 0;
    int status;
    ssize_t n;
    int rc = -99;
    int root = geteuid() == 0;

    assert_int_equal(pipe(fds), 0);
    if (root && (pid = fork()) < 0)
        fail_msg("fork: %s", strerror(errno));
    if (pid == 0) {
        struct buf *why = buf_create(128);

        if (root && (setgroups(0, NULL) < 0 || setgid(65534) < 0
                     || setuid(65534) < 0))
            _exit(3);
        if ((sp = spool_open(fx->dir, 0, why)) == NULL) {
            rc = -98;
        } else {
            chmod(path_in(fx, locked, NULL, path), 0500);
            switch (op) {
            case LOCKED_ENQUEUE_KEY:
                rc = spool_enqueue(sp, "capture", "locked-key", "p", 1, out,
                                   why);
                break;
            case LOCKED_ENQUEUE:
                rc = spool_enqueue(sp, "capture", NULL, "p", 1, out, why);
                break;
            case LOCKED_DEFER:
                rc = spool_defer(sp, id, "451", time(NULL), why);
                break;
            case LOCKED_HOLD_REASON:
                rc = spool_hold(sp, id, "held", why);
                break;
            case LOCKED_RELEASE:
                rc = spool_release(sp, id, why);
                break;
            }
            chmod(path, 0700);
            spool_close(sp);
        }
        dprintf(fds[1], "%d %s", rc, why->data);
        buf_free(why);
        if (root)
            _exit(0);
    }
    close(fds[1]);
    n = read(fds[0], why_out, why_len - 1);
    why_out[n < 0 ? 0 : n] = '\0';
    close(fds[0]);
    if (root) {
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    *rc_out = atoi(why_out);
    memmove(why_out, strchr(why_out, ' ') + 1, strlen(strchr(why_out, ' ')));
}

static int chown_entry(const char *path, const struct stat *st, int flag,
                       struct FTW *ftw)
{
    (void) st, (void) flag, (void) ftw;
    return lchown(path, 65534, 65534);
}

/*
 * spool_enqueue_batch() of three capture jobs (keys "k0", none, "k2") with
 * the directory locked read-only, as run_locked() does: rc and why of each
 * entry come back in rc[] and why[].
 */
static void run_batch_locked(struct fixture *fx, const char *locked,
                             int rc[3], char why[3][512])
{
    static const char *const keys[3] = {"k0", NULL, "k2"};
    char path[PATH_MAX];
    char text[2048];
    char *line, *save = NULL;
    struct spool_entry e[3];
    struct spool *sp;
    pid_t pid = 0;
    int fds[2];
    int status;
    ssize_t n;
    size_t i;
    int root = geteuid() == 0;

    if (root)
        assert_int_equal(nftw(fx->dir, chown_entry, 16, FTW_PHYS), 0);
    assert_int_equal(pipe(fds), 0);
    if (root && (pid = fork()) < 0)
        fail_msg("fork: %s", strerror(errno));
    if (pid == 0) {
        struct buf *out = buf_create(256);

        if (root && (setgroups(0, NULL) < 0 || setgid(65534) < 0
                     || setuid(65534) < 0))
            _exit(3);
        memset(e, 0, sizeof(e));
        for (i = 0; i < 3; i++) {
            e[i].kind = "capture";
            e[i].dedupe_key = keys[i];
            e[i].payload = "p";
            e[i].payload_len = 1;
            e[i].why = buf_create(64);
        }
        if ((sp = spool_open(fx->dir, 0, e[0].why)) != NULL) {
            chmod(path_in(fx, locked, NULL, path), 0500);
            spool_enqueue_batch(sp, e, 3);
            chmod(path, 0700);
            spool_close(sp);
        }
        for (i = 0; i < 3; i++) {
            buf_printf(out, "%d %s\n", sp ? e[i].rc : -98, e[i].why->data);
            buf_free(e[i].why);
        }
        assert_int_equal(write_all(fds[1], out->data, out->len), 0);
        buf_free(out);
        if (root)
            _exit(0);
    }
    close(fds[1]);
    n = read(fds[0], text, sizeof(text) - 1);
    text[n < 0 ? 0 : n] = '\0';
    close(fds[0]);
    if (root) {
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    for (i = 0, line = strtok_r(text, "\n", &save); i < 3;
         i++, line = strtok_r(NULL, "\n", &save)) {
        assert_non_null(line);
        rc[i] = atoi(line);
        snprintf(why[i], 512, "%s", strchr(line, ' ') + 1);
    }
}

/* A directory that cannot be written fails every entry that needed it. */
static void test_enqueue_batch_failures(void **state)
{
    struct fixture *fx = *state;
    char why[3][512];
    int rc[3];
    int i;

    if (geteuid() == 0)
        assert_int_equal(chmod(fx->top, 0755), 0);
    /* dedupe/: the keyed ones fail with the marker's reason; the other one
     * lands. */
    run_batch_locked(fx, "dedupe", rc, why);
    assert_int_equal(rc[0], -1);
    assert_why(why[0], "symlink ", ": Permission denied");
    assert_int_equal(rc[1], SPOOL_ACCEPTED);
    assert_int_equal(rc[2], -1);
    assert_int_equal(count_files(fx, "active"), 1);
    assert_int_equal(count_files(fx, "incoming"), 0);
    assert_int_equal(count_files(fx, "dedupe"), 0);

    /* active/: nothing is accepted; the keyed jobs (their markers may have
     * answered someone) wait for spool_recover(), the other one is gone. */
    run_batch_locked(fx, "active", rc, why);
    for (i = 0; i < 3; i++) {
        assert_int_equal(rc[i], -1);
        assert_why(why[i], "rename ", i == 1 ? ": Permission denied"
                   : ": Permission denied (left for spool_recover)");
    }
    assert_int_equal(count_files(fx, "incoming"), 2);
    assert_int_equal(count_files(fx, "dedupe"), 2);
    assert_int_equal(spool_recover(fx->sp, 3600, fx->why), 2);
    assert_int_equal(count_files(fx, "active"), 3);

    /* incoming/: nothing is written at all. */
    run_batch_locked(fx, "incoming", rc, why);
    for (i = 0; i < 3; i++) {
        assert_int_equal(rc[i], -1);
        assert_why(why[i], "write ", ": Permission denied");
    }
    assert_int_equal(count_files(fx, "active"), 3);
    assert_int_equal(count_files(fx, "dedupe"), 2);
}

static void test_write_failures(void **state)
{
    struct fixture *fx = *state;
    char head[PATH_MAX];
    char why[1024];
    char id[SPOOL_ID_LEN + 1];
    char again[SPOOL_ID_LEN + 1];
    struct spool_job *job;
    int rc;

    if (geteuid() == 0)
        assert_int_equal(chmod(fx->top, 0755), 0);
#define OWN() do { if (geteuid() == 0) \
        assert_int_equal(nftw(fx->dir, chown_entry, 16, FTW_PHYS), 0); \
    } while (0)

    /* incoming/ unwritable: nothing is written. */
    OWN();
    run_locked(fx, "incoming", LOCKED_ENQUEUE_KEY, NULL, &rc, why,
               sizeof(why));
    assert_int_equal(rc, -1);
    assert_why(why, pathf(head, "write %s/incoming/", fx->dir),
               ": Permission denied");
    assert_int_equal(count_files(fx, "dedupe"), 0);

    /* dedupe/ unwritable: the job goes, and no marker is made. */
    OWN();
    run_locked(fx, "dedupe", LOCKED_ENQUEUE_KEY, NULL, &rc, why, sizeof(why));
    assert_int_equal(rc, -1);
    assert_why(why, pathf(head, "symlink %s/dedupe/", fx->dir),
               ": Permission denied");
    assert_int_equal(count_files(fx, "incoming"), 0);
    assert_int_equal(count_files(fx, "dedupe"), 0);

    /* active/ unwritable, no key: the job goes. */
    OWN();
    run_locked(fx, "active", LOCKED_ENQUEUE, NULL, &rc, why, sizeof(why));
    assert_int_equal(rc, -1);
    assert_why(why, pathf(head, "rename %s/incoming/", fx->dir),
               ": Permission denied");
    assert_int_equal(count_files(fx, "incoming"), 0);

    /*
     * active/ unwritable, with a key: the marker may already have answered
     * someone, so the complete job stays for spool_recover().
     */
    OWN();
    run_locked(fx, "active", LOCKED_ENQUEUE_KEY, NULL, &rc, why, sizeof(why));
    assert_int_equal(rc, -1);
    assert_why(why, pathf(head, "rename %s/incoming/", fx->dir),
               ": Permission denied (left for spool_recover)");
    assert_int_equal(count_files(fx, "incoming"), 1);
    assert_int_equal(count_files(fx, "dedupe"), 1);
    assert_int_equal(spool_enqueue(fx->sp, "capture", "locked-key", "x", 1,
                                   again, fx->why), SPOOL_DUPLICATE);
    assert_int_equal(spool_recover(fx->sp, 3600, fx->why), 1);
    assert_state(fx, again, SPOOL_ACTIVE);

    /* deferred/ unwritable: the defer fails, the job stays active. */
    enqueue_ok(fx, "capture", NULL, "p", id);
    OWN();
    run_locked(fx, "deferred", LOCKED_DEFER, id, &rc, why, sizeof(why));
    assert_int_equal(rc, -1);
    assert_why(why, pathf(head, "rename %s/active/%s to ", fx->dir, id),
               ": Permission denied");
    job = load_ok(fx, id, 0);
    assert_int_equal(job->state, SPOOL_ACTIVE);
    assert_int_equal(job->attempts, 0);
    spool_job_free(job);

    /*
     * incoming/ unwritable when a hold must rewrite the metadata: the move
     * happened, the rewrite did not; the job is whole, in hold/.
     */
    OWN();
    run_locked(fx, "incoming", LOCKED_HOLD_REASON, id, &rc, why, sizeof(why));
    assert_int_equal(rc, -1);
    assert_why(why, pathf(head, "write %s/incoming/%s.", fx->dir, id),
               ".upd: Permission denied");
    job = load_ok(fx, id, 1);
    assert_int_equal(job->state, SPOOL_HOLD);
    assert_null(job->last_error);
    assert_memory_equal(job->payload, "p", 1);
    spool_job_free(job);
    assert_int_equal(count_files(fx, "incoming"), 0);

    /*
     * incoming/ unwritable when a held job is released: the mark is written
     * before the move, so the job stays in hold/, not released, rather than
     * reach a worker unmarked (which would hold it again).
     */
    OWN();
    run_locked(fx, "incoming", LOCKED_RELEASE, id, &rc, why, sizeof(why));
    assert_int_equal(rc, -1);
    assert_why(why, pathf(head, "write %s/incoming/%s.", fx->dir, id),
               ".upd: Permission denied");
    job = load_ok(fx, id, 0);
    assert_int_equal(job->state, SPOOL_HOLD);
    assert_int_equal(job->released, 0);
    spool_job_free(job);
    assert_int_equal(count_files(fx, "incoming"), 0);
    assert_string_equal(fx->why->data, "");
#undef OWN
}

#define T(f)    cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_enqueue_batch_failures),
        T(test_write_failures),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
