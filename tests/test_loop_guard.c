/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_loop_guard - the loop guard's two signs (loop_guard.h): postmask's
 * own Message-IDs repeated in References, and the same text told apart
 * from another only by white space.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "loop_guard.h"

#define CH  "CH0123456789abcdef0123456789abcdef"
#define IM1 "IM00000000000000000000000000000001"
#define IM2 "IMfedcba9876543210fedcba9876543210"

static char *domains[] = {"reply.example.com", "reply.example.org"};

/* The repeated ID as text ("" when none repeats). */
static const char *repeat(const char *refs)
{
    static char out[1024];
    const char *id = NULL;
    size_t len = 0;

    if (!loop_guard_references(refs, domains, 2, &id, &len))
        return "";
    assert_non_null(id);
    assert_true(len < sizeof(out));
    memcpy(out, id, len);
    out[len] = '\0';
    return out;
}

static void test_normal_reply(void **state)
{
    (void) state;
    assert_string_equal(repeat(NULL), "");
    assert_string_equal(repeat(""), "");
    /* What a client writes under one of our emails (References <CH>,
     * Message-ID <IM>), and under the contact's own reply to it. */
    assert_string_equal(repeat("<" CH "@reply.example.com> <" IM1
                               "@reply.example.com>"), "");
    assert_string_equal(repeat("<" CH "@reply.example.com> <" IM1
                               "@reply.example.com> <abc.123@mail.building"
                               ".example>"), "");
    /* Two of our emails in one thread: distinct IDs. */
    assert_string_equal(repeat("<" CH "@reply.example.com> <" IM1
                               "@reply.example.com> <" IM2
                               "@reply.example.com>"), "");
}

static void test_repeats(void **state)
{
    (void) state;
    assert_string_equal(repeat("<" CH "@reply.example.com> <" IM1
                               "@reply.example.com> <x@y.example> <" CH
                               "@reply.example.com> <" IM1
                               "@reply.example.com>"),
                        "<" CH "@reply.example.com>");
    /* The first to repeat, as the header first had it; case ignored in
     * the comparison; folded white space and other domains of ours. */
    assert_string_equal(repeat("<" IM2 "@reply.example.org>\t<" IM1
                               "@Reply.Example.COM> <" IM1
                               "@reply.example.com>"),
                        "<" IM1 "@Reply.Example.COM>");
    assert_string_equal(repeat("< " IM1 "@reply.example.com >\r\n <" IM1
                               "@reply.example.com>"),
                        "< " IM1 "@reply.example.com >");
    assert_string_equal(repeat("<" IM2 "@reply.example.com><" IM2
                               "@reply.example.com>"),
                        "<" IM2 "@reply.example.com>");
}

static void test_not_ours(void **state)
{
    (void) state;
    /* Another domain, another prefix, a short or long SID, no hex, a
     * subdomain: not ours, however often they come. */
    assert_string_equal(repeat("<" IM1 "@elsewhere.example> <" IM1
                               "@elsewhere.example>"), "");
    assert_string_equal(repeat("<MM00000000000000000000000000000001"
                               "@reply.example.com> <MM0000000000000000000"
                               "0000000000001@reply.example.com>"), "");
    assert_string_equal(repeat("<IM0001@reply.example.com> "
                               "<IM0001@reply.example.com>"), "");
    assert_string_equal(repeat("<" IM1 "0@reply.example.com> <" IM1
                               "0@reply.example.com>"), "");
    assert_string_equal(repeat("<IMzz000000000000000000000000000001"
                               "@reply.example.com> <IMzz000000000000000"
                               "000000000000001@reply.example.com>"), "");
    assert_string_equal(repeat("<" IM1 "@a.reply.example.com> <" IM1
                               "@a.reply.example.com>"), "");
    assert_string_equal(repeat("<" IM1 "@> <" IM1 "@>"), "");
    /* Other people's IDs repeating are not our loop. */
    assert_string_equal(repeat("<a@b.example> <a@b.example>"), "");
}

static void test_odd_syntax(void **state)
{
    (void) state;
    /* Comments are skipped, brackets in them too. */
    assert_string_equal(repeat("<" IM1 "@reply.example.com> (see <" IM1
                               "@reply.example.com>)"), "");
    assert_string_equal(repeat("(a (nested \\) <" IM1 "@reply.example.com>)"
                               ") <" IM1 "@reply.example.com> <" IM1
                               "@reply.example.com>"),
                        "<" IM1 "@reply.example.com>");
    /* An unclosed < does not swallow the IDs after it. */
    assert_string_equal(repeat("<broken <" IM1 "@reply.example.com> <" IM1
                               "@reply.example.com>"),
                        "<" IM1 "@reply.example.com>");
    assert_string_equal(repeat("<" IM1 "@reply.example.com> <" IM1
                               "@reply.example.com"), "");
    assert_string_equal(repeat("(unclosed <" IM1 "@reply.example.com> <" IM1
                               "@reply.example.com>"), "");
    assert_string_equal(repeat(">>><<<()\\"), "");
    /* Without domains nothing is ours. */
    {
        const char *id;
        size_t len;

        assert_int_equal(loop_guard_references("<" IM1 "@reply.example.com>"
                                               " <" IM1 "@reply.example.com>",
                                               NULL, 0, &id, &len), 0);
    }
}

static void test_many_ids(void **state)
{
    char *refs = malloc((LOOP_GUARD_IDS_MAX + 2) * 64);
    size_t i, off = 0;

    (void) state;
    /* Distinct IDs: none repeats. */
    for (i = 0; i < LOOP_GUARD_IDS_MAX + 1; i++)
        off += (size_t) sprintf(refs + off, "<IM%032zx@reply.example.com> ",
                                i);
    assert_string_equal(repeat(refs), "");
    /* One of the counted ones again at the end. */
    sprintf(refs + off, "<IM%032x@reply.example.com>", 7);
    assert_string_equal(repeat(refs),
                        "<IM00000000000000000000000000000007"
                        "@reply.example.com>");
    free(refs);
}

static void test_same_text(void **state)
{
    (void) state;
    assert_true(loop_guard_same_text("Yes, it is free.", "Yes, it is free."));
    assert_true(loop_guard_same_text("  Yes, it is\r\n free.\n",
                                     "Yes, it\tis free."));
    assert_true(loop_guard_same_text("", NULL));
    assert_true(loop_guard_same_text(" \n", ""));
    assert_true(loop_guard_same_text("a\n\nb", "a b"));
    assert_false(loop_guard_same_text("Yes, it is free.", "yes, it is free."));
    assert_false(loop_guard_same_text("Yes, it is free.", "Yes, it is free"));
    assert_false(loop_guard_same_text("Yes, it is free.", "Yes, it isfree."));
    assert_false(loop_guard_same_text("Yes", "Yes it is"));
    assert_false(loop_guard_same_text("Yes it is", "Yes "  "it"));
    assert_false(loop_guard_same_text("a", ""));
    assert_false(loop_guard_same_text(NULL, "a"));
    assert_true(loop_guard_same_text("Grüße, Bob", " Grüße,  Bob "));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_normal_reply),
        cmocka_unit_test(test_repeats),
        cmocka_unit_test(test_not_ours),
        cmocka_unit_test(test_odd_syntax),
        cmocka_unit_test(test_many_ids),
        cmocka_unit_test(test_same_text),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
