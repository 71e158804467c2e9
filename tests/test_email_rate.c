/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_email_rate - bridge/email_rate.h: the times of a conversation's
 * emails in the last hour, kept in one file per conversation and read back
 * after a restart; aged-out times and files go away.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "email_rate.h"
#include "testutil.h"

#define CH1 "CH0123456789abcdef0123456789abcdef"
#define CH2 "CHfedcba9876543210fedcba9876543210"

static void test_survives_restart(void **state)
{
    char *dir = test_tmpdir("emailrate");
    struct buf *why = buf_create(64);
    struct email_rate *er;
    const time_t *t;
    time_t now = time(NULL);

    (void) state;
    er = email_rate_open(dir, why);
    assert_non_null(er);
    assert_int_equal(email_rate_times(er, CH1, now, &t), 0);
    assert_int_equal(email_rate_sent(er, CH1, now - 100, why), 0);
    assert_int_equal(email_rate_sent(er, CH1, now - 50, why), 0);
    assert_int_equal(email_rate_sent(er, CH2, now - 10, why), 0);
    email_rate_free(er);

    er = email_rate_open(dir, why);
    assert_non_null(er);
    assert_int_equal(email_rate_times(er, CH1, now, &t), 2);
    assert_int_equal(t[0], now - 100);
    assert_int_equal(t[1], now - 50);
    assert_int_equal(email_rate_times(er, CH2, now, &t), 1);
    /* An hour later they have aged out. */
    assert_int_equal(email_rate_times(er, CH1, now - 50 + EMAIL_RATE_WINDOW,
                                      &t), 0);
    email_rate_free(er);
    buf_free(why);
    free(dir);
}

/* A file of an idle conversation is removed at the next email of any. */
static void test_aged_files_removed(void **state)
{
    char *dir = test_tmpdir("emailrate");
    struct buf *why = buf_create(64), *path = buf_create(128);
    struct email_rate *er;
    struct stat st;
    const time_t *t;
    time_t now = time(NULL);

    (void) state;
    er = email_rate_open(dir, why);
    assert_int_equal(email_rate_sent(er, CH1, now - EMAIL_RATE_WINDOW - 5,
                                     why), 0);
    buf_printf(path, "%s/email_rate/%s", dir, CH1);
    assert_int_equal(stat(path->data, &st), 0);
    assert_int_equal(email_rate_sent(er, CH2, now, why), 0);
    assert_int_equal(stat(path->data, &st), -1);
    assert_int_equal(email_rate_times(er, CH1, now, &t), 0);
    email_rate_free(er);
    buf_free(path);
    buf_free(why);
    free(dir);
}

/* Garbage lines are skipped; a name that is no SID is never a record. */
static void test_bad_content(void **state)
{
    char *dir = test_tmpdir("emailrate");
    struct buf *why = buf_create(64), *sub = buf_create(128), *text;
    struct email_rate *er;
    const time_t *t;
    time_t now = time(NULL);

    (void) state;
    buf_printf(sub, "%s/email_rate", dir);
    assert_int_equal(mkdir(sub->data, 0700), 0);
    text = buf_create(128);
    buf_printf(text, "junk\n%lld\n-5\n%lldx\n%lld\n", (long long) now - 30,
               (long long) now - 20, (long long) now - 10);
    free(test_write_file(sub->data, CH1, text->data, 0600));
    er = email_rate_open(dir, why);
    assert_non_null(er);
    assert_int_equal(email_rate_times(er, CH1, now, &t), 2);
    assert_int_equal(t[0], now - 30);
    assert_int_equal(t[1], now - 10);
    assert_int_equal(email_rate_sent(er, "CH123", now, why), -1);
    assert_non_null(strstr(why->data, "not a conversation SID"));
    email_rate_free(er);
    buf_free(text);
    buf_free(sub);
    buf_free(why);
    free(dir);
}

/* An unwritable directory: the email still counts in memory. */
static void test_write_failure_keeps_memory(void **state)
{
    char *dir = test_tmpdir("emailrate");
    struct buf *why = buf_create(64), *sub = buf_create(128);
    struct email_rate *er;
    const time_t *t;
    time_t now = time(NULL);

    (void) state;
    er = email_rate_open(dir, why);
    buf_printf(sub, "%s/email_rate", dir);
    assert_int_equal(rmdir(sub->data), 0);
    assert_int_equal(email_rate_sent(er, CH1, now, why), -1);
    assert_true(why->len > 0);
    assert_int_equal(email_rate_times(er, CH1, now, &t), 1);
    email_rate_free(er);
    buf_free(sub);
    buf_free(why);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_survives_restart),
        cmocka_unit_test(test_aged_files_removed),
        cmocka_unit_test(test_bad_content),
        cmocka_unit_test(test_write_failure_keeps_memory),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
