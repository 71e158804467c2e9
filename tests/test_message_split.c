/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_message_split - replies longer than Twilio's 1,600 characters are
 * cut at paragraph, line, sentence or word boundaries, never inside a
 * character, and nothing but the white space at a cut is lost.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "message_split.h"
#include "utf8.h"

static size_t chars(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        n += ((unsigned char) *s & 0xC0) != 0x80;
    return n;
}

/* Every part within max, valid UTF-8, and the words all there in order. */
static void check_parts(const char *text, size_t max, char **parts,
                        size_t count)
{
    struct buf *joined = buf_create(256), *orig = buf_create(256);
    const char *cp;
    size_t i;

    for (i = 0; i < count; i++) {
        assert_true(chars(parts[i]) <= max);
        assert_true(chars(parts[i]) > 0);
        assert_true(utf8_valid(parts[i], strlen(parts[i])));
        for (cp = parts[i]; *cp; cp++)
            if (*cp != ' ' && *cp != '\n' && *cp != '\r' && *cp != '\t')
                buf_append_char(joined, *cp);
    }
    for (cp = text; *cp; cp++)
        if (*cp != ' ' && *cp != '\n' && *cp != '\r' && *cp != '\t')
            buf_append_char(orig, *cp);
    assert_int_equal(joined->len, orig->len);
    assert_memory_equal(joined->data, orig->data, orig->len);
    buf_free(joined);
    buf_free(orig);
}

static void test_short_is_one_part(void **state)
{
    char **parts;
    size_t n;

    n = message_split("  Yes, 4B is free on Monday.\n\n", 1600, &parts);
    assert_int_equal(n, 1);
    assert_string_equal(parts[0], "Yes, 4B is free on Monday.");
    message_split_free(parts, n);
    assert_int_equal(message_split(" \n\t ", 1600, &parts), 0);
    message_split_free(parts, 0);
}

static void test_paragraphs_win(void **state)
{
    const char *text = "First paragraph. It goes on.\n\nSecond one, "
        "which is long enough. Really.";
    char **parts;
    size_t n;

    n = message_split(text, 40, &parts);
    check_parts(text, 40, parts, n);
    assert_string_equal(parts[0], "First paragraph. It goes on.");
    assert_string_equal(parts[1], "Second one, which is long enough.");
    assert_string_equal(parts[2], "Really.");
    assert_int_equal(n, 3);
    message_split_free(parts, n);
}

static void test_sentence_before_word(void **state)
{
    const char *text = "The flat is free. Viewing on Monday at ten works";
    char **parts;
    size_t n;

    n = message_split(text, 30, &parts);
    check_parts(text, 30, parts, n);
    assert_string_equal(parts[0], "The flat is free.");
    message_split_free(parts, n);
}

static void test_early_paragraph_does_not_win(void **state)
{
    /* A paragraph break in the first half would make a needlessly short
     * part: the later sentence end is taken instead. */
    const char *text = "Hi.\n\nThe unit has two rooms. Rent is due monthly.";
    char **parts;
    size_t n;

    n = message_split(text, 30, &parts);
    check_parts(text, 30, parts, n);
    assert_string_equal(parts[0], "Hi.\n\nThe unit has two rooms.");
    message_split_free(parts, n);
}

static void test_long_word_and_utf8(void **state)
{
    struct buf *b = buf_create(8000);
    char **parts;
    size_t i, n;

    /* 2,000 two-byte characters, no boundary at all. */
    for (i = 0; i < 2000; i++)
        buf_append_str(b, "\xc3\xa9");
    n = message_split(b->data, 1600, &parts);
    assert_int_equal(n, 2);
    assert_int_equal(chars(parts[0]), 1600);
    assert_int_equal(chars(parts[1]), 400);
    check_parts(b->data, 1600, parts, n);
    message_split_free(parts, n);
    buf_free(b);
}

static void test_realistic_long_reply(void **state)
{
    struct buf *b = buf_create(8000);
    char **parts;
    size_t i, n;

    for (i = 0; i < 60; i++) {
        buf_printf(b, "Paragraph %zu: the heating was serviced in May, and "
                   "the windows face south.", i);
        buf_append_str(b, i % 5 == 4 ? "\n\n" : " ");
    }
    n = message_split(b->data, TWILIO_BODY_MAX, &parts);
    assert_true(n >= 3);
    check_parts(b->data, TWILIO_BODY_MAX, parts, n);
    for (i = 0; i + 1 < n; i++) {
        /* Every part but the last ends a sentence. */
        assert_int_equal(parts[i][strlen(parts[i]) - 1], '.');
    }
    message_split_free(parts, n);
    buf_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_short_is_one_part),
        cmocka_unit_test(test_paragraphs_win),
        cmocka_unit_test(test_sentence_before_word),
        cmocka_unit_test(test_early_paragraph_does_not_win),
        cmocka_unit_test(test_long_word_and_utf8),
        cmocka_unit_test(test_realistic_long_reply),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
