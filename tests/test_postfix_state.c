/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_postfix_state - the record of what `postmaskctl postfix attach`
 * changed: written and read back alike (empty values, values with spaces
 * and "="), no duplicates, a missing file is an empty state, and every
 * damaged line is refused with the file and line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "buf.h"
#include "postfix_state.h"
#include "testutil.h"

static void test_round_trip(void **state)
{
    char *dir = test_tmpdir("pfstate");
    struct postfix_state st = {NULL, 0}, back = {NULL, 0};
    struct buf *why = buf_create(64);
    struct buf *path = buf_create(64);
    const struct postfix_record *r;
    struct stat sb;
    int exists = 1;
    size_t i;

    buf_printf(path, "%s/%s", dir, POSTFIX_STATE_FILE);
    assert_int_equal(postfix_state_read(path->data, &st, &exists, why), 0);
    assert_int_equal(exists, 0);
    assert_int_equal(st.count, 0);

    postfix_state_add(&st, POSTFIX_DEFAULT, "relay_domains", "");
    postfix_state_add(&st, POSTFIX_ADD, "relay_domains", "reply.example.com");
    postfix_state_add(&st, POSTFIX_ADD, "relay_domains", "reply.example.com");
    postfix_state_add(&st, POSTFIX_WAS, "smtpd_milters",
                      "{ inet:localhost:8891, default_action=accept }");
    postfix_state_add(&st, POSTFIX_SET, "postmask_masking_milters",
                      "unix:postmask/milter.sock, inet:localhost:8891");
    postfix_state_add(&st, POSTFIX_ADD, "submission/inet/smtpd_milters",
                      "unix:postmask/milter.sock");
    postfix_state_add(&st, POSTFIX_SERVICE, "127.0.0.1:10026/inet", "");
    assert_int_equal(st.count, 6);
    if (postfix_state_write(path->data, &st, why) != 0)
        fail_msg("write: %s", why->data);
    assert_int_equal(stat(path->data, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0644);

    assert_int_equal(postfix_state_read(path->data, &back, &exists, why), 0);
    assert_int_equal(exists, 1);
    assert_int_equal(back.count, st.count);
    for (i = 0; i < st.count; i++) {
        assert_int_equal(back.records[i].kind, st.records[i].kind);
        assert_string_equal(back.records[i].place, st.records[i].place);
        assert_string_equal(back.records[i].value, st.records[i].value);
    }
    r = postfix_state_find(&back, POSTFIX_ADD, "relay_domains", NULL);
    assert_non_null(r);
    assert_string_equal(r->value, "reply.example.com");
    assert_null(postfix_state_find(&back, POSTFIX_ADD, "relay_domains", "x"));
    assert_null(postfix_state_find(&back, POSTFIX_WAS, "relay_domains", NULL));
    assert_non_null(postfix_state_find(&back, POSTFIX_SERVICE,
                                       "127.0.0.1:10026/inet", NULL));

    postfix_state_free(&st);
    postfix_state_free(&back);
    buf_free(why);
    buf_free(path);
    free(dir);
}

struct bad_case {
    const char *text;
    const char *error;          /* then " (FILE, line N)" */
    int line;
};

static const struct bad_case bad_cases[] = {
    {"frob x\n", "unknown record \"frob\"", 1},
    {"# comment\n\nwas\n", "expected \"KIND PLACE ...\"", 3},
    {"was relay_domains x\n", "was relay_domains: expected \"= VALUE\"", 1},
    {"set  = x\n", "set: no place", 1},
    {"add smtpd_milters\n", "add smtpd_milters: no item", 1},
    {"service smtp\n", "service: expected NAME/TYPE", 1},
    {"service smtp/inet extra\n", "service: expected NAME/TYPE", 1},
};

static void test_refused(void **state)
{
    char *dir = test_tmpdir("pfstate");
    size_t i;

    for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        char *path = test_write_file(dir, POSTFIX_STATE_FILE,
                                     bad_cases[i].text, 0644);
        struct postfix_state st = {NULL, 0};
        struct buf *why = buf_create(64), *want = buf_create(64);
        int exists = 0;

        buf_printf(want, "%s (%s, line %d)", bad_cases[i].error, path,
                   bad_cases[i].line);
        print_message("%s", bad_cases[i].text);
        assert_int_equal(postfix_state_read(path, &st, &exists, why), -1);
        assert_string_equal(why->data, want->data);
        assert_int_equal(st.count, 0);
        buf_free(why);
        buf_free(want);
        free(path);
    }
    free(dir);
}

static void test_unwritable(void **state)
{
    struct postfix_state st = {NULL, 0};
    struct buf *why = buf_create(64);

    postfix_state_add(&st, POSTFIX_SERVICE, "a/inet", "");
    assert_int_equal(postfix_state_write("/nonexistent/dir/state", &st, why),
                     -1);
    assert_string_equal(why->data, "create /nonexistent/dir/state.tmp: "
                        "No such file or directory");
    postfix_state_free(&st);
    buf_free(why);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_unwritable),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
