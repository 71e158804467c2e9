/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_config_parse - main.cf syntax as Postfix reads it.  Each case is a
 * file text and either the entries it yields ("name=value" lines, in file
 * order, overridden ones marked "!") or the error text it must produce.
 * The expected values were checked against `postconf -c DIR -h` on Debian
 * 12's Postfix 3.7.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "config_parse.h"

struct parse_case {
    const char *label;
    const char *text;
    const char *entries;        /* NULL: must fail */
    const char *error;          /* substring of the error when failing */
};

static const struct parse_case cases[] = {
    {"plain", "a = b\n", "a=b\n", NULL},
    {"no spaces", "a=b\n", "a=b\n", NULL},
    {"no final newline", "a = b", "a=b\n", NULL},
    {"empty value", "a =\n", "a=\n", NULL},
    {"trailing blanks", "a = b  \t\n", "a=b\n", NULL},
    {"continuation", "a = x   \n\t  y  \t\n   z\n", "a=x y z\n", NULL},
    {"continuation of empty", "a=   \n  cont\n", "a=cont\n", NULL},
    {"hash inside value", "a = p # not comment\n", "a=p # not comment\n",
     NULL},
    {"blank line inside", "a = q\n\n  afterblank\n", "a=q afterblank\n", NULL},
    {"comment inside", "a = one\n#c\n  two\n", "a=one two\n", NULL},
    {"indented comment inside", "a = one\n   # c\n two\n", "a=one two\n",
     NULL},
    {"backslash is text", "a = t\\\n  u\n", "a=t\\ u\n", NULL},
    {"inner white space", "a = \"quoted  x\" \n", "a=\"quoted x\"\n", NULL},
    {"crlf", "a = b\r\nc = d\r\n", "a=b\nc=d\n", NULL},
    {"override", "a = 1\nb = 2\na = 3\n", "!a=1\nb=2\na=3\n", NULL},
    {"comments and blanks", "# top\n\n   \na = 1\n# end\n", "a=1\n", NULL},
    {"dollar kept", "a = $b ${c}\n", "a=$b ${c}\n", NULL},
    {"missing equals", "a b\n", NULL, "line 1: missing '=' after parameter name"},
    {"bad name", "a-b = c\n", NULL, "line 1: missing '='"},
    {"no name", "= c\n", NULL, "line 1: a line must start with a parameter name"},
    {"continuation first", "  a = b\n", NULL,
     "line 1: continuation line without a parameter before it"},
    {"all errors reported", "x\ny\n", NULL, "line 2: missing '='"},
    {"NUL byte", "a = b\0c\n", NULL, "contains a NUL byte"},
};

static void entries_text(const struct config_file *file, struct buf *out)
{
    size_t i;

    for (i = 0; i < file->count; i++)
        buf_printf(out, "%s%s=%s\n", file->entries[i].overridden ? "!" : "",
                   file->entries[i].name, file->entries[i].value);
}

static void test_cases(void **state)
{
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct parse_case *c = &cases[i];
        struct config_file *file = NULL;
        struct buf *why = buf_create(64), *got = buf_create(64);
        size_t len = strlen(c->text);
        int ret;

        if (strcmp(c->label, "NUL byte") == 0)
            len = 9;
        ret = config_parse_text("main.cf", c->text, len, &file, why);
        print_message("case: %s\n", c->label);
        if (c->entries) {
            if (ret != 0)
                fail_msg("%s: unexpected error: %s", c->label, why->data);
            entries_text(file, got);
            assert_string_equal(got->data, c->entries);
            config_file_free(file);
        } else {
            assert_int_equal(ret, -1);
            if (strstr(why->data, c->error) == NULL)
                fail_msg("%s: error \"%s\" lacks \"%s\"", c->label,
                         why->data, c->error);
        }
        buf_free(why);
        buf_free(got);
    }
}

static void test_lookup_takes_last(void **state)
{
    struct config_file *file;
    struct buf *why = buf_create(64);
    const char *text = "a = 1\nb = 2\na = 3\n";

    assert_int_equal(config_parse_text("f", text, strlen(text), &file, why), 0);
    assert_string_equal(config_file_lookup(file, "a")->value, "3");
    assert_int_equal(config_file_lookup(file, "a")->line, 3);
    assert_null(config_file_lookup(file, "c"));
    config_file_free(file);
    buf_free(why);
}

static void test_limits(void **state)
{
    struct config_file *file = NULL;
    struct buf *why = buf_create(64);
    size_t len = CONFIG_LINE_MAX + 10;
    char *text = malloc(len + 1);

    memset(text, 'x', len);
    memcpy(text, "a = ", 4);
    text[len - 1] = '\n';
    text[len] = '\0';
    assert_int_equal(config_parse_text("f", text, len, &file, why), -1);
    assert_non_null(strstr(why->data, "line 1: line longer than"));
    free(text);

    buf_reset(why);
    text = malloc(CONFIG_FILE_MAX + 2);
    memset(text, '#', CONFIG_FILE_MAX + 1);
    assert_int_equal(config_parse_text("f", text, CONFIG_FILE_MAX + 1, &file,
                                       why), -1);
    assert_non_null(strstr(why->data, "file is larger than"));
    free(text);

    buf_reset(why);
    assert_int_equal(config_parse_file("/nonexistent/main.cf", &file, why), -1);
    assert_non_null(strstr(why->data, "open /nonexistent/main.cf: No such file"));
    buf_free(why);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases),
        cmocka_unit_test(test_lookup_takes_last),
        cmocka_unit_test(test_limits),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
