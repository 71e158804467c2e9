/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_iso8601 - Twilio's UTC timestamps, read and written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "iso8601.h"

static void test_twilio_example(void **state)
{
    char text[ISO8601_SIZE];
    time_t t;

    /* The example of Twilio's API reference. */
    assert_int_equal(iso8601_parse("2015-12-16T22:18:37Z", &t), 0);
    assert_int_equal(t, 1450304317);
    iso8601_format(t, text);
    assert_string_equal(text, "2015-12-16T22:18:37Z");
    /* Fractions after the seconds are not looked at. */
    assert_int_equal(iso8601_parse("2015-12-16T22:18:37.123Z", &t), 0);
    assert_int_equal(t, 1450304317);
}

static void test_refused(void **state)
{
    time_t t = 42;

    assert_int_equal(iso8601_parse(NULL, &t), -1);
    assert_int_equal(iso8601_parse("", &t), -1);
    assert_int_equal(iso8601_parse("yesterday", &t), -1);
    assert_int_equal(iso8601_parse("2015-12-16", &t), -1);
    assert_int_equal(t, 42);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_twilio_example),
        cmocka_unit_test(test_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
