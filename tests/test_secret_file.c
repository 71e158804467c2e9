/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_secret_file - secrets are read only from files other users cannot
 * touch, and every refusal says which file and why.
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

#include "buf.h"
#include "secret_file.h"
#include "testutil.h"

struct mode_case {
    mode_t mode;
    int ok;
};

static const struct mode_case modes[] = {
    {0600, 1}, {0400, 1}, {0640, 1}, {0660, 1},
    {0644, 0}, {0604, 0}, {0602, 0}, {0601, 0}, {0666, 0},
};

static void test_modes(void **state)
{
    char *dir = test_tmpdir("secret");
    size_t i;

    for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        char *path = test_write_file(dir, "token", "s3cret\n", modes[i].mode);
        struct buf *why = buf_create(64);
        char *secret = NULL, mode_text[16];
        size_t len = 0;
        int ret = secret_file_read(path, 100, &secret, &len, why);

        print_message("mode %04o\n", (unsigned) modes[i].mode);
        if (modes[i].ok) {
            if (ret != 0)
                fail_msg("mode %04o refused: %s", (unsigned) modes[i].mode,
                         why->data);
            assert_int_equal(len, 6);
            assert_string_equal(secret, "s3cret");
            secret_free(secret, len);
        } else {
            assert_int_equal(ret, -1);
            snprintf(mode_text, sizeof(mode_text), "has mode %04o",
                     (unsigned) modes[i].mode);
            assert_non_null(strstr(why->data, path));
            assert_non_null(strstr(why->data, mode_text));
            assert_non_null(strstr(why->data, "must not be accessible by other users"));
        }
        buf_free(why);
        free(path);
    }
    free(dir);
}

struct content_case {
    const char *text;
    size_t max;
    const char *secret;         /* NULL: refused */
    const char *error;
};

static const struct content_case contents[] = {
    {"abc", 10, "abc", NULL},
    {"abc\n", 10, "abc", NULL},
    {"abc\r\n", 10, "abc", NULL},
    {"a b\nc\n", 10, "a b\nc", NULL},
    {"", 10, NULL, "is empty"},
    {"\n", 10, NULL, "is empty"},
    {"0123456789", 10, "0123456789", NULL},
    {"0123456789A", 10, NULL, "is larger than 10 bytes"},
    {"0123456789ABCDEF", 10, NULL, "is larger than 10 bytes"},
};

static void test_contents(void **state)
{
    char *dir = test_tmpdir("secret");
    size_t i;

    for (i = 0; i < sizeof(contents) / sizeof(contents[0]); i++) {
        const struct content_case *c = &contents[i];
        char *path = test_write_file(dir, "token", c->text, 0600);
        struct buf *why = buf_create(64);
        char *secret = NULL;
        size_t len = 0;
        int ret = secret_file_read(path, c->max, &secret, &len, why);

        print_message("content \"%s\"\n", c->text);
        if (c->secret) {
            assert_int_equal(ret, 0);
            assert_string_equal(secret, c->secret);
            assert_int_equal(len, strlen(c->secret));
            secret_free(secret, len);
        } else {
            assert_int_equal(ret, -1);
            if (strstr(why->data, c->error) == NULL)
                fail_msg("error \"%s\" lacks \"%s\"", why->data, c->error);
        }
        buf_free(why);
        free(path);
    }
    free(dir);
}

static void test_not_regular(void **state)
{
    char *dir = test_tmpdir("secret");
    struct buf *why = buf_create(64);
    char *secret;
    size_t len;

    assert_int_equal(secret_file_read(dir, 100, &secret, &len, why), -1);
    assert_non_null(strstr(why->data, "is not a regular file"));
    buf_reset(why);
    assert_int_equal(secret_file_read("/nonexistent/token", 100, &secret,
                                      &len, why), -1);
    assert_non_null(strstr(why->data, "open secret file /nonexistent/token: "
                           "No such file or directory"));
    buf_free(why);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_modes),
        cmocka_unit_test(test_contents),
        cmocka_unit_test(test_not_regular),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
