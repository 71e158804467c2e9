/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_rfc2047_join - runs of B encoded-words made one (the GMime 3.2.13
 * workaround of rfc2047_join.h), and everything else left alone; and, on
 * a whole message through capture_parse(), the From name and Subject that
 * GMime alone would cut.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture.h"
#include "rfc2047_join.h"

static void expect_joined(const char *in, const char *want)
{
    char *out = rfc2047_join(in);

    if (want == NULL) {
        if (out != NULL)
            fail_msg("\"%s\" was rewritten to \"%s\"", in ? in : "(null)", out);
        return;
    }
    if (out == NULL)
        fail_msg("\"%s\" was not rewritten", in);
    assert_string_equal(out, want);
    free(out);
}

static void test_joins_padded_runs(void **state)
{
    (void) state;
    /* "Василь Шевчу" + "к": the first word ends in padding. */
    expect_joined(" =?utf-8?B?0JLQsNGB0LjQu9GMINCo0LXQstGH0YM=?=\n"
                  " =?utf-8?B?0Lo=?= <v@example.com>",
                  " =?utf-8?B?0JLQsNGB0LjQu9GMINCo0LXQstGH0YPQug==?="
                  " <v@example.com>");
    /* "Hello" + " world", charset names in other letter cases, tabs. */
    expect_joined("=?UTF-8?B?SGVsbG8=?=\t=?utf-8?b?IHdvcmxk?=",
                  "=?UTF-8?B?SGVsbG8gd29ybGQ=?=");
    /* Three words; text around the run stays. */
    expect_joined("Re: =?utf-8?B?YQ==?= =?utf-8?B?Yg==?= =?utf-8?B?Yw==?= !",
                  "Re: =?utf-8?B?YWJj?= !");
}

static void test_leaves_the_rest(void **state)
{
    (void) state;
    expect_joined(NULL, NULL);
    expect_joined("plain text", NULL);
    /* No padding before the last word: GMime decodes it right. */
    expect_joined("=?utf-8?B?SGVs?= =?utf-8?B?bG8=?=", NULL);
    /* Different charsets, Q words, text between: not one run. */
    expect_joined("=?utf-8?B?SGVsbG8=?= =?iso-8859-1?B?IHdvcmxk?=", NULL);
    expect_joined("=?utf-8?B?SGVsbG8=?= =?utf-8?Q?_world?=", NULL);
    expect_joined("=?utf-8?B?SGVsbG8=?= and =?utf-8?B?IHdvcmxk?=", NULL);
    /* Not canonical base64: copied as it is. */
    expect_joined("=?utf-8?B?SGVsbG8=x?= =?utf-8?B?IHdvcmxk?=", NULL);
    /* Broken words. */
    expect_joined("=?utf-8?B?SGVsbG8=", NULL);
    expect_joined("=??B?SGVsbG8=?= =??B?IHdvcmxk?=", NULL);
    expect_joined("=?=?=?=?=?=?=?", NULL);
}

static void test_capture_gets_the_whole_name(void **state)
{
    static const char msg[] =
        "From: =?utf-8?B?0JLQsNGB0LjQu9GMINCo0LXQstGH0YM=?=\n"
        " =?utf-8?B?0Lo=?= <v.shevchuk@example.ua>\n"
        "To: k1-x@reply.example.com\n"
        "Subject: =?utf-8?B?UmU6IA==?= =?utf-8?B?0JrQu9GO0YfRlg==?=\n"
        "Message-ID: <j1@example.ua>\n"
        "\n"
        "Tak.\n";
    struct capture_options opts = {.attachment_size_limit = 1024};
    struct capture *cap = NULL;
    struct buf *why = buf_create(64);

    (void) state;
    assert_int_equal(capture_parse(msg, sizeof(msg) - 1, "v@example.ua",
                                   &opts, &cap, why), 0);
    assert_string_equal(cap->from_name, "Василь Шевчук");
    assert_string_equal(cap->from_address, "v.shevchuk@example.ua");
    assert_string_equal(cap->subject, "Re: Ключі");
    capture_free(cap);
    buf_free(why);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_joins_padded_runs),
        cmocka_unit_test(test_leaves_the_rest),
        cmocka_unit_test(test_capture_gets_the_whole_name),
    };
    int ret;

    capture_init();
    ret = cmocka_run_group_tests(tests, NULL, NULL);
    return ret;
}
