/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_spool_writer - bridge/spool_writer.h: jobs submitted from the event
 * loop are appended to the journal by the writer's thread and reported
 * back on the loop, each with spool_enqueue()'s answer (a repeated key a
 * duplicate naming the first job); the drainer makes them into job files
 * in active/; freeing the writer appends and reports what is still
 * queued, and leaves every job in active/.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "spool_writer.h"
#include "testutil.h"
#include "xalloc.h"

#define NJOBS 600               /* more than one journal batch (256) */

struct run {
    char *dir;
    struct event_base *base;
    struct spool *spool;
    int reported;
    int accepted;
    int duplicates;
    int seen_before[NJOBS];     /* done called for it */
    char ids[NJOBS][SPOOL_ID_LEN + 1];
};

struct one {
    struct run *run;
    int n;
};

static void on_done(int rc, const char *id, const char *why, void *arg)
{
    struct one *one = arg;
    struct run *run = one->run;

    if (rc < 0)
        fail_msg("job %d: %s", one->n, why);
    assert_int_equal(run->seen_before[one->n], 0);
    run->seen_before[one->n] = 1;
    snprintf(run->ids[one->n], sizeof(run->ids[0]), "%s", id);
    if (rc == SPOOL_ACCEPTED)
        run->accepted++;
    else
        run->duplicates++;
    if (++run->reported == NJOBS)
        event_base_loopbreak(run->base);
    free(one);
}

/* After the writer is freed: every job in active/, with its payload. */
static void check_jobs(struct run *run)
{
    struct buf *why = buf_create(64);
    struct spool_job *job;
    int i;

    for (i = 0; i < NJOBS; i++) {
        char want[32];

        if (i % 5 == 4) {
            /* One key, two jobs submitted: the first is the job. */
            assert_string_equal(run->ids[i], run->ids[i - 1]);
            continue;
        }
        if (spool_load(run->spool, run->ids[i], 1, &job, why) != 0)
            fail_msg("job %d (%s): %s", i, run->ids[i], why->data);
        assert_int_equal(job->state, SPOOL_ACTIVE);
        snprintf(want, sizeof(want), "payload %d", i);
        assert_int_equal(job->payload_len, strlen(want));
        assert_memory_equal(job->payload, want, job->payload_len);
        spool_job_free(job);
    }
    buf_free(why);
}

static void submit_all(struct run *run, struct spool_writer *sw)
{
    char key[32];
    char *payload;
    int i;

    for (i = 0; i < NJOBS; i++) {
        struct one *one = xcalloc(1, sizeof(*one));

        one->run = run;
        one->n = i;
        /* Every fifth job repeats the key of the one before it. */
        snprintf(key, sizeof(key), "IM%d", i % 5 == 4 ? i - 1 : i);
        payload = xmalloc(64);
        snprintf(payload, 64, "payload %d", i);
        spool_writer_submit(sw, "twilio_message", key, payload,
                            strlen(payload), on_done, one);
    }
}

static void setup_run(struct run *run)
{
    struct buf *why = buf_create(64);

    memset(run, 0, sizeof(*run));
    run->dir = test_tmpdir("writer");
    assert_non_null(run->base = event_base_new());
    run->spool = spool_open(run->dir, 1, why);
    if (run->spool == NULL)
        fail_msg("%s", why->data);
    buf_free(why);
}

static void teardown_run(struct run *run)
{
    spool_close(run->spool);
    event_base_free(run->base);
    free(run->dir);
}

static void test_batches_reported_on_loop(void **state)
{
    struct buf *why = buf_create(64);
    struct spool_writer *sw;
    struct run run;
    struct spool_job **jobs;
    size_t count;

    (void) state;
    setup_run(&run);
    sw = spool_writer_create(run.base, run.spool, run.dir, why);
    assert_non_null(sw);
    submit_all(&run, sw);
    assert_int_equal(event_base_dispatch(run.base), 0);
    assert_int_equal(run.reported, NJOBS);
    assert_int_equal(run.duplicates, NJOBS / 5);
    assert_int_equal(run.accepted, NJOBS - NJOBS / 5);
    spool_writer_free(sw);
    check_jobs(&run);
    /* Another writer on the same spool makes nothing again. */
    sw = spool_writer_create(run.base, run.spool, run.dir, why);
    assert_non_null(sw);
    spool_writer_free(sw);
    assert_int_equal(spool_list(run.spool, SPOOL_MASK_ALL, &jobs, &count,
                                why), 0);
    assert_int_equal(count, NJOBS - NJOBS / 5);
    spool_job_list_free(jobs, count);
    teardown_run(&run);
    buf_free(why);
}

/* Freed with everything still queued: committed, and each one answered. */
static void test_free_commits_and_reports(void **state)
{
    struct buf *why = buf_create(64);
    struct spool_writer *sw;
    struct run run;

    (void) state;
    setup_run(&run);
    sw = spool_writer_create(run.base, run.spool, run.dir, why);
    assert_non_null(sw);
    submit_all(&run, sw);
    spool_writer_free(sw);              /* the loop never ran */
    assert_int_equal(run.reported, NJOBS);
    assert_int_equal(run.accepted, NJOBS - NJOBS / 5);
    check_jobs(&run);
    teardown_run(&run);
    buf_free(why);
}

/* A spool that refuses: every job is reported failed, with the reason. */
static void on_refused(int rc, const char *id, const char *why, void *arg)
{
    int *count = arg;

    (void) id;
    assert_int_equal(rc, -1);
    if (strstr(why, "invalid job kind") == NULL)
        fail_msg("why: %s", why);
    (*count)++;
}

static void test_failures_reported(void **state)
{
    struct buf *why = buf_create(64);
    struct spool_writer *sw;
    struct run run;
    int count = 0;

    (void) state;
    setup_run(&run);
    sw = spool_writer_create(run.base, run.spool, run.dir, why);
    spool_writer_submit(sw, "Bad Kind", "k1", xstrdup("x"), 1, on_refused,
                        &count);
    spool_writer_submit(sw, "Bad Kind", "k2", xstrdup("x"), 1, on_refused,
                        &count);
    spool_writer_free(sw);
    assert_int_equal(count, 2);
    teardown_run(&run);
    buf_free(why);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batches_reported_on_loop),
        cmocka_unit_test(test_free_commits_and_reports),
        cmocka_unit_test(test_failures_reported),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
