/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_conv_records - the catch-up records of bridge/conv_records.h: one
 * file per conversation, written atomically, read back at open; the
 * directory's creation reported; indexes only go up; bad files skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "conv_records.h"
#include "testutil.h"

#define CH1 "CH0123456789abcdef0123456789abcdef"
#define CH2 "CHfedcba9876543210fedcba9876543210"

static void test_create_and_reload(void **state)
{
    char *dir = test_tmpdir("convrec");
    struct buf *why = buf_create(64);
    struct conv_records *cr;
    const struct conv_record *r;
    int created;

    (void) state;
    cr = conv_records_open(dir, &created, why);
    assert_non_null(cr);
    assert_int_equal(created, 1);
    assert_int_equal(conv_records_heard(cr, CH1, why), 0);
    assert_int_equal(conv_records_heard(cr, CH1, why), 1);
    assert_int_equal(conv_records_find(cr, CH1)->index, -1);
    assert_int_equal(conv_records_set(cr, CH1, 7, why), 0);
    assert_int_equal(conv_records_set(cr, CH1, 3, why), 0);     /* ignored */
    assert_int_equal(conv_records_set(cr, CH2, 0, why), 0);
    assert_int_equal(conv_records_heard(cr, "CH-not-a-sid", why), -1);
    conv_records_free(cr);

    /* A stray file and a corrupt record are skipped at open. */
    free(test_write_file(dir, "conversations/notes.txt", "x", 0600));
    free(test_write_file(dir, "conversations/CHaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                         "{broken", 0600));
    cr = conv_records_open(dir, &created, why);
    assert_non_null(cr);
    assert_int_equal(created, 0);
    assert_int_equal(conv_records_count(cr), 2);
    r = conv_records_find(cr, CH1);
    assert_non_null(r);
    assert_int_equal(r->index, 7);
    assert_int_equal(conv_records_find(cr, CH2)->index, 0);
    assert_int_equal(conv_records_forget(cr, CH1, why), 0);
    assert_null(conv_records_find(cr, CH1));
    conv_records_free(cr);
    cr = conv_records_open(dir, &created, why);
    assert_int_equal(conv_records_count(cr), 1);
    assert_null(conv_records_find(cr, CH1));
    conv_records_free(cr);
    buf_free(why);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_and_reload),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
