/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_spool_state - the state changes of one job (spool_state.c): the
 * worker's results (finish, defer with backoff, dead after the lifetime,
 * bury), the admin's (hold, requeue, release, delete), and IDs that are
 * unknown or malformed.  Each test gets a fresh spool (spool_fixture.h).
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

/* Worker results. */

static void test_defer_backoff(void **state)
{
    struct fixture *fx = *state;
    static const struct {
        struct spool_policy policy;
        long delays[8];         /* after attempt 1, 2, ... */
    } cases[] = {
        {{60, 600, 1000000}, {60, 120, 240, 480, 600, 600, 600, 600}},
        {{300, 4000, 1000000}, {300, 600, 1200, 2400, 4000, 4000, 4000, 4000}},
        {{100, 100, 1000000}, {100, 100, 100, 100, 100, 100, 100, 100}},
        {{0, 50, 1000000}, {0, 0, 0, 0, 0, 0, 0, 0}},
        {{1, 1L << 40, 1000000}, {1, 2, 4, 8, 16, 32, 64, 128}},
    };
    char id[SPOOL_ID_LEN + 1];
    char error[64];
    struct spool_job *job;
    time_t now;
    size_t c;
    unsigned n;

    for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        spool_set_policy(fx->sp, &cases[c].policy);
        enqueue_ok(fx, "capture", NULL, "payload", id);
        now = time(NULL);
        for (n = 1; n <= 8; n++) {
            snprintf(error, sizeof(error), "451 try %u", n);
            assert_int_equal(spool_defer(fx->sp, id, error, now, fx->why), 0);
            job = load_ok(fx, id, 1);
            assert_int_equal(job->state, SPOOL_DEFERRED);
            assert_int_equal(job->attempts, n);
            assert_int_equal(job->next_attempt - now, cases[c].delays[n - 1]);
            assert_string_equal(job->last_error, error);
            assert_memory_equal(job->payload, "payload", 7);
            spool_job_free(job);
            /* Not due a second early; due on time. */
            if (cases[c].delays[n - 1] > 0)
                assert_int_equal(spool_release_due(fx->sp, now
                                                   + cases[c].delays[n - 1] - 1,
                                                   NULL, fx->why), 0);
            assert_int_equal(spool_release_due(fx->sp, now
                                               + cases[c].delays[n - 1],
                                               NULL, fx->why), 1);
            assert_state(fx, id, SPOOL_ACTIVE);
        }
        assert_int_equal(spool_finish(fx->sp, id, fx->why), 0);
    }
    /* No rewrite left a temporary file behind. */
    assert_int_equal(count_files(fx, "incoming"), 0);
    assert_int_equal(count_files(fx, "active"), 0);
}

static void test_defer_dead_after_lifetime(void **state)
{
    struct fixture *fx = *state;
    static const struct spool_policy policy = {60, 600, 3600};
    char id[SPOOL_ID_LEN + 1];
    struct spool_job *job;
    time_t created;

    spool_set_policy(fx->sp, &policy);
    enqueue_ok(fx, "capture", "k", "payload", id);
    job = load_ok(fx, id, 0);
    created = job->created;
    spool_job_free(job);

    /* At exactly the lifetime it is still deferred. */
    assert_int_equal(spool_defer(fx->sp, id, "451 first", created + 3600,
                                 fx->why), 0);
    assert_state(fx, id, SPOOL_DEFERRED);
    assert_int_equal(spool_release_due(fx->sp, created + 7200, NULL, fx->why), 1);

    /* Beyond it, the next failure buries it with the reason. */
    assert_int_equal(spool_defer(fx->sp, id, "451 mailbox busy\nretry",
                                 created + 3601, fx->why), 0);
    job = load_ok(fx, id, 1);
    assert_int_equal(job->state, SPOOL_DEAD);
    assert_int_equal(job->attempts, 2);
    assert_string_equal(job->last_error, "job_maximal_lifetime of 3600s "
                        "exceeded after 2 attempts; last error: 451 mailbox "
                        "busy retry");
    assert_memory_equal(job->payload, "payload", 7);
    spool_job_free(job);
    assert_false(exists_in(fx, "active", id));
    assert_false(exists_in(fx, "deferred", id));
    /* A dead job is no worker's job. */
    assert_int_equal(spool_defer(fx->sp, id, "x", created + 9999, fx->why),
                     SPOOL_NOTFOUND);
    assert_int_equal(spool_release_due(fx->sp, created + 99999, NULL, fx->why), 0);
    assert_int_equal(count_files(fx, "incoming"), 0);
    assert_string_equal(fx->why->data, "");
}

/* A worker that chose to wait: deferred until then, no attempt counted,
 * no lifetime applied, the note shown as its last error. */
static void test_postpone(void **state)
{
    struct fixture *fx = *state;
    static const struct spool_policy policy = {60, 600, 3600};
    char id[SPOOL_ID_LEN + 1];
    struct spool_job *job;
    time_t created;

    spool_set_policy(fx->sp, &policy);
    enqueue_ok(fx, "twilio_message", "IM1", "payload", id);
    job = load_ok(fx, id, 0);
    created = job->created;
    spool_job_free(job);
    assert_int_equal(spool_postpone(fx->sp, id, "waiting for more messages",
                                     created + 9999, fx->why), 0);
    job = load_ok(fx, id, 1);
    assert_int_equal(job->state, SPOOL_DEFERRED);
    assert_int_equal(job->attempts, 0);
    assert_int_equal(job->next_attempt, created + 9999);
    assert_string_equal(job->last_error, "waiting for more messages");
    assert_memory_equal(job->payload, "payload", 7);
    spool_job_free(job);
    /* Not due before its time; due at it, still without an attempt. */
    assert_int_equal(spool_release_due(fx->sp, created + 9998, NULL, fx->why), 0);
    assert_int_equal(spool_release_due(fx->sp, created + 9999, NULL, fx->why), 1);
    job = load_ok(fx, id, 0);
    assert_int_equal(job->state, SPOOL_ACTIVE);
    assert_int_equal(job->attempts, 0);
    spool_job_free(job);
    /* Only an active job can be postponed. */
    assert_int_equal(spool_hold(fx->sp, id, NULL, fx->why), 0);
    assert_int_equal(spool_postpone(fx->sp, id, "x", created, fx->why),
                     SPOOL_NOTFOUND);
    assert_int_equal(spool_postpone(fx->sp, "../../etc/passwd", "x", created,
                                    fx->why), -1);
    assert_int_equal(count_files(fx, "incoming"), 0);
}

static void test_bury_and_finish(void **state)
{
    struct fixture *fx = *state;
    char id[SPOOL_ID_LEN + 1];
    char id2[SPOOL_ID_LEN + 1];
    struct spool_job *job;

    enqueue_ok(fx, "capture", NULL, "payload", id);
    assert_int_equal(spool_bury(fx->sp, id, "550 no such conversation",
                                fx->why), 0);
    job = load_ok(fx, id, 1);
    assert_int_equal(job->state, SPOOL_DEAD);
    assert_string_equal(job->last_error, "550 no such conversation");
    assert_memory_equal(job->payload, "payload", 7);
    spool_job_free(job);
    assert_int_equal(spool_bury(fx->sp, id, "again", fx->why), SPOOL_NOTFOUND);
    assert_int_equal(spool_finish(fx->sp, id, fx->why), SPOOL_NOTFOUND);

    enqueue_ok(fx, "capture", NULL, "payload", id2);
    assert_int_equal(spool_finish(fx->sp, id2, fx->why), 0);
    assert_int_equal(spool_finish(fx->sp, id2, fx->why), SPOOL_NOTFOUND);
    assert_int_equal(count_files(fx, "active"), 0);
    assert_int_equal(count_files(fx, "dead"), 1);
    assert_string_equal(fx->why->data, "");
}

/* Admin actions. */

static void test_hold_requeue_delete(void **state)
{
    struct fixture *fx = *state;
    char id[SPOOL_ID_LEN + 1];
    struct spool_job *job;
    time_t now = time(NULL);

    enqueue_ok(fx, "capture", "k", "payload", id);
    assert_int_equal(spool_defer(fx->sp, id, "451 busy", now, fx->why), 0);

    /* Hold with a reason; hold again without one keeps it. */
    assert_int_equal(spool_hold(fx->sp, id, "held by postmaskctl", fx->why), 0);
    assert_int_equal(spool_hold(fx->sp, id, NULL, fx->why), 0);
    job = load_ok(fx, id, 1);
    assert_int_equal(job->state, SPOOL_HOLD);
    assert_string_equal(job->last_error, "held by postmaskctl");
    assert_int_equal(job->attempts, 1);
    assert_memory_equal(job->payload, "payload", 7);
    spool_job_free(job);
    assert_int_equal(count_files(fx, "deferred"), 0);

    /* A held job is not due and is no worker's job any more. */
    assert_int_equal(spool_release_due(fx->sp, now + 99999, NULL, fx->why), 0);
    assert_int_equal(spool_finish(fx->sp, id, fx->why), SPOOL_NOTFOUND);
    assert_int_equal(spool_defer(fx->sp, id, "x", now, fx->why),
                     SPOOL_NOTFOUND);
    assert_int_equal(spool_bury(fx->sp, id, "x", fx->why), SPOOL_NOTFOUND);

    /* Requeue: active again, as new. */
    assert_int_equal(spool_requeue(fx->sp, id, fx->why), 0);
    job = load_ok(fx, id, 1);
    assert_int_equal(job->state, SPOOL_ACTIVE);
    assert_int_equal(job->attempts, 0);
    assert_int_equal(job->next_attempt, 0);
    assert_null(job->last_error);
    assert_true(job->created >= now);
    assert_memory_equal(job->payload, "payload", 7);
    spool_job_free(job);
    /* Requeueing an active job changes nothing. */
    assert_int_equal(spool_requeue(fx->sp, id, fx->why), 0);
    assert_state(fx, id, SPOOL_ACTIVE);

    /* A dead letter comes back with a fresh lifetime. */
    assert_int_equal(spool_bury(fx->sp, id, "gave up", fx->why), 0);
    assert_int_equal(spool_requeue(fx->sp, id, fx->why), 0);
    assert_state(fx, id, SPOOL_ACTIVE);
    /* Hold without a reason from active: the file just moves. */
    assert_int_equal(spool_hold(fx->sp, id, NULL, fx->why), 0);
    assert_state(fx, id, SPOOL_HOLD);

    /* Delete, from any state. */
    assert_int_equal(spool_delete(fx->sp, id, fx->why), 0);
    assert_int_equal(spool_load(fx->sp, id, 0, &job, fx->why), SPOOL_NOTFOUND);
    assert_int_equal(spool_delete(fx->sp, id, fx->why), SPOOL_NOTFOUND);
    assert_int_equal(spool_requeue(fx->sp, id, fx->why), SPOOL_NOTFOUND);
    assert_int_equal(spool_hold(fx->sp, id, NULL, fx->why), SPOOL_NOTFOUND);
    assert_int_equal(count_files(fx, "incoming"), 0);
    assert_string_equal(fx->why->data, "");
}

enum op { OP_LOAD, OP_FINISH, OP_DEFER, OP_BURY, OP_HOLD, OP_REQUEUE,
    OP_RELEASE, OP_DELETE, OP_COUNT };

static int run_op(struct fixture *fx, enum op op, const char *id)
{
    struct spool_job *job = NULL;
    int rc = -99;

    switch (op) {
    case OP_LOAD:
        rc = spool_load(fx->sp, id, 1, &job, fx->why);
        spool_job_free(job);
        break;
    case OP_FINISH:
        rc = spool_finish(fx->sp, id, fx->why);
        break;
    case OP_DEFER:
        rc = spool_defer(fx->sp, id, "x", time(NULL), fx->why);
        break;
    case OP_BURY:
        rc = spool_bury(fx->sp, id, "x", fx->why);
        break;
    case OP_HOLD:
        rc = spool_hold(fx->sp, id, "x", fx->why);
        break;
    case OP_REQUEUE:
        rc = spool_requeue(fx->sp, id, fx->why);
        break;
    case OP_RELEASE:
        rc = spool_release(fx->sp, id, fx->why);
        break;
    case OP_DELETE:
        rc = spool_delete(fx->sp, id, fx->why);
        break;
    default:
        fail();
    }
    return rc;
}

/* Release: held or dead jobs only, and the mark stays with the job. */
static void test_release(void **state)
{
    struct fixture *fx = *state;
    char id[SPOOL_ID_LEN + 1];
    struct spool_job *job;
    time_t now = time(NULL);

    char want[128];
    struct spool_job **jobs;
    size_t count;
    static const char old_image[] =
        "postmask-job 1\n"
        "id: 00000001AAAAAAAA\n"
        "kind: capture\n"
        "created: 1700000000\n"
        "attempts: 3\n"
        "next-attempt: 0\n"
        "last-error: reply not posted: the sender is not authenticated\n"
        "payload-size: 2\n"
        "\n"
        "{}";

    enqueue_ok(fx, "capture", "rel", "payload", id);
    /* Active, then deferred: refused, and nothing changes. */
    assert_int_equal(spool_release(fx->sp, id, fx->why), -1);
    snprintf(want, sizeof(want), "job %s is active, not held or dead", id);
    assert_string_equal(fx->why->data, want);
    buf_reset(fx->why);
    assert_int_equal(spool_defer(fx->sp, id, "451 busy", now, fx->why), 0);
    assert_int_equal(spool_release(fx->sp, id, fx->why), -1);
    snprintf(want, sizeof(want), "job %s is deferred, not held or dead", id);
    assert_string_equal(fx->why->data, want);
    buf_reset(fx->why);
    job = load_ok(fx, id, 0);
    assert_int_equal(job->state, SPOOL_DEFERRED);
    assert_int_equal(job->released, 0);
    spool_job_free(job);

    /* Held by policy: released into active/, as new, marked. */
    assert_int_equal(spool_hold(fx->sp, id, "not authenticated", fx->why), 0);
    assert_int_equal(spool_release(fx->sp, id, fx->why), 0);
    job = load_ok(fx, id, 1);
    assert_int_equal(job->state, SPOOL_ACTIVE);
    assert_int_equal(job->released, 1);
    assert_int_equal(job->attempts, 0);
    assert_null(job->last_error);
    assert_memory_equal(job->payload, "payload", 7);
    spool_job_free(job);

    /*
     * The mark survives a failed attempt (the bridge retries a released
     * reply that Twilio refused for now), a reopened spool, the listing
     * (which reads headers only), a hold and a requeue.
     */
    assert_int_equal(spool_defer(fx->sp, id, "twilio 503", now, fx->why), 0);
    spool_close(fx->sp);
    fx->sp = spool_open(fx->dir, 0, fx->why);
    assert_non_null(fx->sp);
    spool_set_policy(fx->sp, &test_policy);
    job = load_ok(fx, id, 0);
    assert_int_equal(job->state, SPOOL_DEFERRED);
    assert_int_equal(job->attempts, 1);
    assert_string_equal(job->last_error, "twilio 503");
    assert_int_equal(job->released, 1);
    spool_job_free(job);
    assert_int_equal(spool_list(fx->sp, SPOOL_MASK(SPOOL_DEFERRED), &jobs,
                                &count, fx->why), 0);
    assert_int_equal(count, 1);
    assert_int_equal(jobs[0]->released, 1);
    spool_job_list_free(jobs, count);
    assert_int_equal(spool_release_due(fx->sp, now + 99999, NULL, fx->why), 1);
    job = load_ok(fx, id, 0);
    assert_int_equal(job->state, SPOOL_ACTIVE);
    assert_int_equal(job->released, 1);
    spool_job_free(job);
    assert_int_equal(spool_hold(fx->sp, id, "again", fx->why), 0);
    assert_int_equal(spool_requeue(fx->sp, id, fx->why), 0);
    job = load_ok(fx, id, 0);
    assert_int_equal(job->released, 1);
    spool_job_free(job);

    /* A dead letter may be released too; a requeue alone marks nothing. */
    enqueue_ok(fx, "capture", "rel2", "p2", id);
    assert_int_equal(spool_bury(fx->sp, id, "rejected", fx->why), 0);
    assert_int_equal(spool_requeue(fx->sp, id, fx->why), 0);
    job = load_ok(fx, id, 0);
    assert_int_equal(job->released, 0);
    spool_job_free(job);
    assert_int_equal(spool_bury(fx->sp, id, "rejected", fx->why), 0);
    assert_int_equal(spool_release(fx->sp, id, fx->why), 0);
    job = load_ok(fx, id, 0);
    assert_int_equal(job->state, SPOOL_ACTIVE);
    assert_int_equal(job->released, 1);
    spool_job_free(job);

    /* A job file written before the field existed: held, not released. */
    plant(fx, "hold", "00000001AAAAAAAA", old_image, sizeof(old_image) - 1);
    job = load_ok(fx, "00000001AAAAAAAA", 1);
    assert_int_equal(job->state, SPOOL_HOLD);
    assert_int_equal(job->released, 0);
    spool_job_free(job);
    assert_int_equal(spool_release(fx->sp, "00000001AAAAAAAA", fx->why), 0);
    job = load_ok(fx, "00000001AAAAAAAA", 1);
    assert_int_equal(job->state, SPOOL_ACTIVE);
    assert_int_equal(job->released, 1);
    assert_int_equal(job->attempts, 0);
    assert_null(job->last_error);
    assert_memory_equal(job->payload, "{}", 2);
    spool_job_free(job);

    assert_int_equal(spool_release(fx->sp, "0123456789ABCDEF", fx->why),
                     SPOOL_NOTFOUND);
    assert_string_equal(fx->why->data, "");
    assert_int_equal(spool_release(fx->sp, "../x", fx->why), -1);
}

/* Unknown IDs are "not found"; malformed ones never reach a path. */
static void test_unknown_and_invalid_ids(void **state)
{
    struct fixture *fx = *state;
    static const struct {
        const char *id;
        const char *why;
    } invalid[] = {
        {"../x", "invalid job ID \"../x\""},
        {"../../victim", "invalid job ID \"../../victim\""},
        {"../active/6745A", "invalid job ID \"../active/6745A\""},
        {"6745a1b2c3d4e5f6", "invalid job ID \"6745a1b2c3d4e5f6\""},
        {"6745A1B2C3D4E5F", "invalid job ID \"6745A1B2C3D4E5F\""},
        {"6745A1B2C3D4E5F67", "invalid job ID \"6745A1B2C3D4E5F67\""},
        {"", "invalid job ID \"\""},
        {"6745A1B2C3D4\nE5F", "invalid job ID \"6745A1B2C3D4\\x0aE5F\""},
        {NULL, "invalid job ID \"(null)\""},
    };
    char victim[PATH_MAX];
    char id[SPOOL_ID_LEN + 1];
    struct stat st;
    size_t i;
    int op;

    /* A file outside the spool that "../../victim" would name. */
    pathf(victim, "%s/victim", fx->top);
    assert_int_equal(close(open(victim, O_CREAT | O_WRONLY, 0600)), 0);
    enqueue_ok(fx, "capture", NULL, "keep me", id);

    for (op = 0; op < OP_COUNT; op++) {
        buf_reset(fx->why);
        print_message("op %d, unknown ID\n", op);
        assert_int_equal(run_op(fx, op, "0123456789ABCDEF"), SPOOL_NOTFOUND);
        assert_string_equal(fx->why->data, "");
        for (i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
            buf_reset(fx->why);
            print_message("op %d, ID %s\n", op, invalid[i].why);
            assert_int_equal(run_op(fx, op, invalid[i].id), -1);
            assert_string_equal(fx->why->data, invalid[i].why);
        }
    }
    assert_int_equal(stat(victim, &st), 0);
    assert_state(fx, id, SPOOL_ACTIVE);
}

static void test_state_names(void **state)
{
    (void) state;
    assert_string_equal(spool_state_name(SPOOL_ACTIVE), "active");
    assert_string_equal(spool_state_name(SPOOL_DEFERRED), "deferred");
    assert_string_equal(spool_state_name(SPOOL_HOLD), "hold");
    assert_string_equal(spool_state_name(SPOOL_DEAD), "dead");
}

#define T(f)    cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_defer_backoff),
        T(test_defer_dead_after_lifetime),
        T(test_postpone),
        T(test_bury_and_finish),
        T(test_hold_requeue_delete),
        T(test_release),
        T(test_unknown_and_invalid_ids),
        T(test_state_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
