/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_spool_maint - the spool's housekeeping (spool_maint.c): deferred
 * jobs released when due, listing (order and state masks), recovery after
 * a crash, and dedupe marker expiry.  Each test gets a fresh spool
 * (spool_fixture.h).
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

static void test_release_due(void **state)
{
    struct fixture *fx = *state;
    static const struct spool_policy policy = {100, 100, 1000000};
    char ids[3][SPOOL_ID_LEN + 1];
    time_t now = time(NULL);
    time_t next;
    int i;

    spool_set_policy(fx->sp, &policy);
    for (i = 0; i < 3; i++) {
        enqueue_ok(fx, "capture", NULL, "p", ids[i]);
        /* Due at now + 100, + 110, + 120. */
        assert_int_equal(spool_defer(fx->sp, ids[i], "451", now + 10 * i,
                                     fx->why), 0);
    }
    assert_int_equal(spool_release_due(fx->sp, now + 99, &next, fx->why), 0);
    assert_int_equal(next, now + 100);          /* the earliest left */
    assert_int_equal(spool_release_due(fx->sp, now + 110, &next, fx->why), 2);
    assert_int_equal(next, now + 120);
    assert_state(fx, ids[0], SPOOL_ACTIVE);
    assert_state(fx, ids[1], SPOOL_ACTIVE);
    assert_state(fx, ids[2], SPOOL_DEFERRED);
    assert_int_equal(spool_release_due(fx->sp, now + 110, NULL, fx->why), 0);
    assert_int_equal(spool_release_due(fx->sp, now + 1000, &next, fx->why), 1);
    assert_int_equal(next, 0);                  /* none left */
    assert_int_equal(count_files(fx, "deferred"), 0);
    /* A released job keeps its count and last error. */
    {
        struct spool_job *job = load_ok(fx, ids[2], 0);

        assert_int_equal(job->attempts, 1);
        assert_string_equal(job->last_error, "451");
        spool_job_free(job);
    }
}

static void test_list_order_and_masks(void **state)
{
    struct fixture *fx = *state;
    static const struct {
        const char *state;
        const char *id;
        time_t created;
    } jobs[] = {
        {"active", "00000003AAAAAAAA", 3000},
        {"deferred", "00000001BBBBBBBB", 1000},
        {"hold", "00000005CCCCCCCC", 5000},
        {"dead", "00000002DDDDDDDD", 2000},
        {"active", "00000004EEEEEEEE", 4000},
        {"active", "00000004AAAAAAAA", 4000},   /* same second: by ID */
    };
    static const struct {
        unsigned mask;
        const char *order;
    } cases[] = {
        {SPOOL_MASK_ALL, "00000001BBBBBBBB 00000002DDDDDDDD 00000003AAAAAAAA "
         "00000004AAAAAAAA 00000004EEEEEEEE 00000005CCCCCCCC "},
        {SPOOL_MASK(SPOOL_ACTIVE), "00000003AAAAAAAA 00000004AAAAAAAA "
         "00000004EEEEEEEE "},
        {SPOOL_MASK(SPOOL_HOLD) | SPOOL_MASK(SPOOL_DEAD),
         "00000002DDDDDDDD 00000005CCCCCCCC "},
        {SPOOL_MASK(SPOOL_DEFERRED), "00000001BBBBBBBB "},
        {0, ""},
    };
    struct spool_job **list;
    struct buf *order = buf_create(256);
    size_t count;
    size_t i;
    size_t j;

    for (i = 0; i < sizeof(jobs) / sizeof(jobs[0]); i++)
        plant_job(fx, jobs[i].state, jobs[i].id, "capture", NULL,
                  jobs[i].created, "payload");
    /* Not jobs: ignored, or skipped with a warning. */
    plant(fx, "active", "README", "hi", 2);
    plant(fx, "active", "00000009AAAAAAAA.upd", "x", 1);
    plant(fx, "active", "00000009BBBBBBBB", "postmask-job 1\n", 15);

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(spool_list(fx->sp, cases[i].mask, &list, &count,
                                    fx->why), 0);
        buf_reset(order);
        for (j = 0; j < count; j++) {
            buf_printf(order, "%s ", list[j]->id);
            assert_null(list[j]->payload);
            assert_int_equal(list[j]->payload_len, 7);
            /* Its state is the directory it was found in. */
            for (size_t k = 0; k < sizeof(jobs) / sizeof(jobs[0]); k++)
                if (strcmp(jobs[k].id, list[j]->id) == 0)
                    assert_string_equal(spool_state_name(list[j]->state),
                                        jobs[k].state);
        }
        assert_string_equal(order->data, cases[i].order);
        spool_job_list_free(list, count);
    }
    buf_free(order);
    assert_string_equal(fx->why->data, "");
}

/* Recovery. */

static void test_recover_crash_state(void **state)
{
    struct fixture *fx = *state;
    static const char *const id = "6745A1B2C3D4E5F6";
    char marker[65];
    char moved[SPOOL_ID_LEN + 1];
    char again[SPOOL_ID_LEN + 1];
    char from[PATH_MAX];
    char to[PATH_MAX];
    struct spool_job *job;

    /*
     * By hand: the state a crash between "marker linked" and "renamed into
     * active/" leaves: a complete job in incoming/ and its marker.
     */
    plant_job(fx, "incoming", id, "capture", "<msg-1@example.com>", 1000,
              "captured reply");
    marker_name("capture", "<msg-1@example.com>", marker);
    plant(fx, "dedupe", marker, "6745A1B2C3D4E5F6\n", 17);

    /* Invisible to readers until recovered... */
    assert_int_equal(spool_load(fx->sp, id, 0, &job, fx->why), SPOOL_NOTFOUND);
    /* ...but already a duplicate for a retrying sender. */
    assert_int_equal(spool_enqueue(fx->sp, "capture", "<msg-1@example.com>",
                                   "x", 1, again, fx->why), SPOOL_DUPLICATE);
    assert_string_equal(again, id);

    /* Young or old, it comes back. */
    assert_int_equal(spool_recover(fx->sp, 3600, fx->why), 1);
    job = load_ok(fx, id, 1);
    assert_int_equal(job->state, SPOOL_ACTIVE);
    assert_int_equal(job->payload_len, 14);
    assert_memory_equal(job->payload, "captured reply", 14);
    spool_job_free(job);
    assert_int_equal(count_files(fx, "incoming"), 0);
    assert_int_equal(spool_recover(fx->sp, 3600, fx->why), 0);

    /* The same state made by the spool itself, then moved back. */
    enqueue_ok(fx, "capture", "k2", "second", moved);
    assert_int_equal(rename(path_in(fx, "active", moved, from),
                            path_in(fx, "incoming", moved, to)), 0);
    assert_int_equal(spool_recover(fx->sp, 0, fx->why), 1);
    assert_state(fx, moved, SPOOL_ACTIVE);
    assert_string_equal(fx->why->data, "");
}

static void test_recover_leftovers(void **state)
{
    struct fixture *fx = *state;
    static const struct {
        const char *name;
        const char *file;       /* in incoming/ */
        int job;                /* plant a complete job (else: raw text) */
        const char *key;        /* the job's key, with a marker naming ... */
        const char *marker_id;  /* ... this ID (NULL: no marker) */
    } cases[] = {
        {"partial job", "1111111111111111", 0, NULL, NULL},
        {"complete job, no key", "2222222222222222", 1, NULL, NULL},
        {"complete job, no marker", "3333333333333333", 1, "k3", NULL},
        {"marker names another job", "4444444444444444", 1, "k4",
         "4444444444444445"},
        {"dedupe temp file", "5555555555555555.mark", 0, NULL, NULL},
        {"rewrite temp file", "6666666666666666.0A0B0C0D.upd", 0, NULL, NULL},
        {"stray name", "core", 0, NULL, NULL},
        {"partial job with marker", "7777777777777777", 0, NULL, NULL},
    };
    char marker[65];
    char line[32];
    size_t n = sizeof(cases) / sizeof(cases[0]);
    size_t i;

    for (i = 0; i < n; i++) {
        if (cases[i].job)
            plant_job(fx, "incoming", cases[i].file, "capture", cases[i].key,
                      1000, "payload");
        else
            plant(fx, "incoming", cases[i].file,
                  "postmask-job 1\nid: 1111111111111111\nkind: cap", 44);
        if (cases[i].marker_id) {
            marker_name("capture", cases[i].key, marker);
            snprintf(line, sizeof(line), "%s\n", cases[i].marker_id);
            plant(fx, "dedupe", marker, line, 17);
        }
    }
    /* A job file in incoming/ that is also in a state directory already. */
    plant_job(fx, "deferred", "8888888888888888", "capture", "k8", 1000, "p");
    plant_job(fx, "incoming", "8888888888888888", "capture", "k8", 1000, "p");
    marker_name("capture", "k8", marker);
    plant(fx, "dedupe", marker, "8888888888888888\n", 17);

    /* Young: nothing is recovered, nothing removed. */
    assert_int_equal(spool_recover(fx->sp, 3600, fx->why), 0);
    assert_int_equal(count_files(fx, "incoming"), (int) n + 1);
    assert_int_equal(count_files(fx, "active"), 0);

    /* Old: all removed; the job in deferred/ stays. */
    for (i = 0; i < n; i++)
        backdate(fx, "incoming", cases[i].file, 7200);
    backdate(fx, "incoming", "8888888888888888", 7200);
    assert_int_equal(spool_recover(fx->sp, 3600, fx->why), 0);
    assert_int_equal(count_files(fx, "incoming"), 0);
    assert_int_equal(count_files(fx, "active"), 0);
    assert_state(fx, "8888888888888888", SPOOL_DEFERRED);

    /* min_age 0 removes what was just written. */
    plant(fx, "incoming", "9999999999999999", "junk", 4);
    assert_int_equal(spool_recover(fx->sp, 0, fx->why), 0);
    assert_int_equal(count_files(fx, "incoming"), 0);
    assert_string_equal(fx->why->data, "");
}

static void test_expire_dedupe(void **state)
{
    struct fixture *fx = *state;
    char done[SPOOL_ID_LEN + 1];
    char live[SPOOL_ID_LEN + 1];
    char again[SPOOL_ID_LEN + 1];
    char marker_done[65];
    char marker_live[65];
    time_t now = time(NULL);

    enqueue_ok(fx, "twilio_message", "IM-done", "p", done);
    enqueue_ok(fx, "twilio_message", "IM-live", "p", live);
    assert_int_equal(spool_finish(fx->sp, done, fx->why), 0);
    assert_int_equal(spool_hold(fx->sp, live, NULL, fx->why), 0);
    marker_name("twilio_message", "IM-done", marker_done);
    marker_name("twilio_message", "IM-live", marker_live);
    /* Not a marker name: never touched. */
    plant(fx, "dedupe", "notes.txt", "x", 1);
    /* A corrupt marker. */
    plant(fx, "dedupe", "00000000000000000000000000000000000000000000000000000"
          "00000000000", "garbage", 7);

    /* Young markers stay. */
    assert_int_equal(spool_expire_dedupe(fx->sp, now, 3600, 0, fx->why), 0);
    assert_int_equal(count_files(fx, "dedupe"), 4);
    /* Old, but made since keep_since (the intake journal's oldest record
     * may be replayed against them): they stay too. */
    assert_int_equal(spool_expire_dedupe(fx->sp, now + 7200, 3600, now - 10,
                                         fx->why), 0);
    assert_int_equal(count_files(fx, "dedupe"), 4);

    /* Old: the finished job's marker and the corrupt one go. */
    assert_int_equal(spool_expire_dedupe(fx->sp, now + 7200, 3600, 0, fx->why),
                     2);
    assert_false(exists_in(fx, "dedupe", marker_done));
    assert_true(exists_in(fx, "dedupe", marker_live));
    assert_true(exists_in(fx, "dedupe", "notes.txt"));

    /* The key is free again; the live one is still a duplicate. */
    enqueue_ok(fx, "twilio_message", "IM-done", "p", again);
    assert_string_not_equal(again, done);
    assert_int_equal(spool_enqueue(fx->sp, "twilio_message", "IM-live", "p", 1,
                                   again, fx->why), SPOOL_DUPLICATE);
    assert_string_equal(again, live);
    assert_string_equal(fx->why->data, "");
}

#define T(f)    cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_release_due),
        T(test_list_order_and_masks),
        T(test_recover_crash_state),
        T(test_recover_leftovers),
        T(test_expire_dedupe),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
