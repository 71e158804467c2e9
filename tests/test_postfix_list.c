/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_postfix_list - Postfix list values as postmaskctl postfix edits
 * them: split on commas and white space, "{ ... }" as one item, names
 * found in any letter case (a braced milter by its first word), joined
 * back, items inserted and removed, lists compared.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "postfix_list.h"

struct split_case {
    const char *text;
    const char *joined;         /* items joined by "|" */
};

static const struct split_case split_cases[] = {
    {"", ""},
    {" , \t,\n", ""},
    {"a", "a"},
    {"a,b", "a|b"},
    {"a, b  c,,d", "a|b|c|d"},
    {"unix:postmask/milter.sock, inet:localhost:8891",
     "unix:postmask/milter.sock|inet:localhost:8891"},
    {"{ inet:localhost:8891, default_action=accept }, unix:x",
     "{ inet:localhost:8891, default_action=accept }|unix:x"},
    {"a {b, {c d}} e", "a|{b, {c d}}|e"},
    {"a, { unterminated, b", "a|{ unterminated, b"},
    {"$smtpd_milters, x", "$smtpd_milters|x"},
};

static void test_split(void **state)
{
    size_t i;

    for (i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]); i++) {
        struct postfix_list l = {0, NULL};
        char *joined;

        postfix_list_split(&l, split_cases[i].text);
        joined = postfix_list_join(&l, "|");
        print_message("\"%s\"\n", split_cases[i].text);
        assert_string_equal(joined, split_cases[i].joined);
        free(joined);
        postfix_list_free(&l);
    }
}

static void test_find(void **state)
{
    struct postfix_list l = {0, NULL};

    postfix_list_split(&l, "inet:localhost:8891, Reply.Example.COM, "
                       "{ unix:postmask/milter.sock, command_timeout=30s }");
    assert_int_equal(postfix_list_find(&l, "inet:localhost:8891"), 0);
    assert_int_equal(postfix_list_find(&l, "reply.example.com"), 1);
    assert_int_equal(postfix_list_find(&l, "unix:postmask/milter.sock"), 2);
    assert_int_equal(postfix_list_find(&l, "unix:postmask"), -1);
    assert_int_equal(postfix_list_find(&l, "inet:localhost:889"), -1);
    assert_int_equal(postfix_list_find(&l, "command_timeout=30s"), -1);
    postfix_list_free(&l);
    assert_int_equal(postfix_list_find(&l, "x"), -1);
}

static void test_edit(void **state)
{
    struct postfix_list l = {0, NULL}, m = {0, NULL};
    char *joined;

    postfix_list_split(&l, "b, c");
    postfix_list_insert(&l, 0, "a");
    postfix_list_insert(&l, 99, "d");       /* past the end: appended */
    joined = postfix_list_join(&l, ", ");
    assert_string_equal(joined, "a, b, c, d");
    free(joined);
    postfix_list_remove(&l, 1);
    postfix_list_remove(&l, 99);            /* nothing there: no change */
    joined = postfix_list_join(&l, ",");
    assert_string_equal(joined, "a,c,d");
    free(joined);

    postfix_list_split(&m, "A c\td");
    assert_true(postfix_list_equal(&l, &m));
    postfix_list_remove(&m, 2);
    assert_false(postfix_list_equal(&l, &m));
    postfix_list_insert(&m, 2, "e");
    assert_false(postfix_list_equal(&l, &m));
    postfix_list_free(&l);
    postfix_list_free(&m);
    assert_true(postfix_list_equal(&l, &m));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_edit),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
