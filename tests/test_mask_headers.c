/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_mask_headers - mask_originals() and mask_rewrite() over hard
 * headers, one table: each case gives the headers as libmilter reports
 * them (SMFIP_HDR_LEADSPC: leading space and folding kept), the envelope
 * sender and display format, and expects the originals, the exact change
 * list (op, name, index, value), the rewritten count and the fields text;
 * then the self-check must pass over the result.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "capture.h"
#include "mask.h"

/* As long as a real one: KEYID "-" 42 base32 characters. */
#define PROXY "k1-aerukz4jvpg66ajdivtytk6n544kc5as5xhoigvk5m@reply.example.com"
#define MAX_HEADERS 16
#define MAX_CHANGES 16

struct want_change {
    enum mask_op op;
    const char *name;
    int index;
    const char *value;
};

struct header_case {
    const char *what;
    const char *sender;
    const char *format;
    const char *headers[MAX_HEADERS][2];
    const char *originals[8];
    struct want_change changes[MAX_CHANGES];
    size_t rewritten;
    const char *fields;
};

#define ADD_REPLY_TO {MASK_ADD, "Reply-To", 0, PROXY}

static const struct header_case cases[] = {
    {"a plain seeker message", "<seeker@x.com>", NULL,
     {{"Received", " from localhost by mx (Postfix) for <bob@building.example>"},
      {"From", " Sam Seeker <seeker@x.com>"},
      {"To", " Bob Building <bob@building.example>"},
      {"Subject", " Office at 12 Main St"},
      {"Message-ID", " <abc@x.com>"},
      {"X-Postmask-Conversation", " CH0123456789abcdef0123456789abcdef"}},
     {"seeker@x.com"},
     {{MASK_CHANGE, "From", 1, "Sam Seeker <" PROXY ">"},
      {MASK_DELETE, "X-Postmask-Conversation", 1, NULL},
      ADD_REPLY_TO},
     2, "From=1 Reply-To=1"},

    {"quoted display name with a comma and escaped quotes", "", NULL,
     {{"From", " \"Doe, \\\"JJ\\\" John\" <seeker@x.com>"}},
     {"seeker@x.com"},
     {{MASK_CHANGE, "From", 1, "\"Doe, \\\"JJ\\\" John\" <" PROXY ">"},
      ADD_REPLY_TO},
     2, "From=1 Reply-To=1"},

    {"UTF-8 B encoded-word name", "<seeker@x.com>", NULL,
     {{"From", " =?UTF-8?B?SsO2cmcgU2Vla2Vy?= <seeker@x.com>"}},
     {"seeker@x.com"},
     {{MASK_CHANGE, "From", 1, "=?UTF-8?b?SsO2cmc=?= Seeker <" PROXY ">"},
      ADD_REPLY_TO},
     2, "From=1 Reply-To=1"},

    {"ISO-8859-1 Q encoded-word name, address in another case", "<seeker@x.com>",
     NULL,
     {{"From", " seeker@x.com"},
      {"Cc", " =?ISO-8859-1?Q?J=F6rg_S=E4m?= <SEEKER@X.COM>, ann@y.example"}},
     {"seeker@x.com"},
     {{MASK_CHANGE, "From", 1, PROXY},
      {MASK_CHANGE, "Cc", 1, "=?iso-8859-1?b?SvZyZyBT5G0=?= <" PROXY ">,\n\tann@y.example"},
      ADD_REPLY_TO},
     3, "From=1 Reply-To=1 Cc=1"},

    {"raw 8-bit UTF-8 name is encoded", "<seeker@x.com>", NULL,
     {{"From", " J\xc3\xb6rg <seeker@x.com>"}},
     {"seeker@x.com"},
     {{MASK_CHANGE, "From", 1, "=?iso-8859-1?b?SvZyZw==?= <" PROXY ">"},
      ADD_REPLY_TO},
     2, "From=1 Reply-To=1"},

    {"group with the seeker among its members", "<seeker@x.com>", NULL,
     {{"From", " seeker@x.com"},
      {"To", " Team: a@b.example, seeker@x.com;, bob@building.example"}},
     {"seeker@x.com"},
     {{MASK_CHANGE, "From", 1, PROXY},
      {MASK_CHANGE, "To", 1, "Team: a@b.example, " PROXY ";,\n\tbob@building.example"},
      ADD_REPLY_TO},
     3, "From=1 Reply-To=1 To=1"},

    {"the seeker in a group's name (found by fuzz_mask)", "<seeker@x.com>",
     NULL,
     {{"From", " seeker@x.com"},
      {"To", " \"Friends of seeker@x.com\": a@b.example, c@d.example;"},
      {"Cc", " =?UTF-8?Q?seeker=40x.com?=: ;"}},
     {"seeker@x.com"},
     {{MASK_CHANGE, "From", 1, PROXY},
      {MASK_CHANGE, "To", 1, "Friends of \"" PROXY "\": a@b.example, c@d.example;"},
      {MASK_CHANGE, "Cc", 1, "\"" PROXY "\": ;"},
      ADD_REPLY_TO},
     4, "From=1 Reply-To=1 To=1 Cc=1"},

    {"a literal \"=?\" in a printed name is broken (found by fuzz_mask)",
     "<seeker@x.com>", NULL,
     {{"From", " \"Sam =?Q?seeker@x.\" <seeker@x.com>"},
      {"To", " \"=?ISO-8859-1?Q?a\" <b@c.example>, seeker@x.com"}},
     {"seeker@x.com"},
     {{MASK_CHANGE, "From", 1, "\"Sam = ?Q?seeker@x.\" <" PROXY ">"},
      {MASK_CHANGE, "To", 1, "= ?ISO-8859-1?Q?a <b@c.example>,\n\t" PROXY},
      ADD_REPLY_TO},
     3, "From=1 Reply-To=1 To=1"},

    {"garbage a decoder reads an original out of (found by fuzz_mask)", "",
     NULL,
     {{"Sender", " Team: =?x, -1?Q?J=F6seeker@x.com?= <seeker@y.example>;"}},
     {"seeker@y.example", "seeker@x.com"},
     {{MASK_CHANGE, "Sender", 1,
       "Team: = ?x, \"-1?Q?J=F6seeker@x.com?=\" <" PROXY ">;"},
      ADD_REPLY_TO},
     2, "Sender=1 Reply-To=1"},

    {"GMime's Q encoder leaves a literal \"=F6\" (found by fuzz_mask)", "",
     NULL,
     {{"Reply-To", " =?ISO-8859-1??QJ=F6\"seeker@x.com\"\xf6 <bob@y.example>"}},
     {"bob@y.example", "seeker@x.com"},
     {{MASK_CHANGE, "Reply-To", 1, "= = ?iso-8859-1?q?=3FISO-8859-1=3F=3FQJ"
       "=F6seeker=40x=2Ecom=F6?= <" PROXY ">"}},
     1, "Reply-To=1"},

    {"empty group and group without the seeker are left alone", "<seeker@x.com>",
     NULL,
     {{"From", " seeker@x.com"},
      {"To", " undisclosed-recipients:;"},
      {"Cc", " Team: a@b.example, c@d.example;"}},
     {"seeker@x.com"},
     {{MASK_CHANGE, "From", 1, PROXY}, ADD_REPLY_TO},
     2, "From=1 Reply-To=1"},

    {"several addresses, the seeker twice, folded lines", "<seeker@x.com>", NULL,
     {{"From", "\n\tSam\n <seeker@x.com>"},
      {"Cc", " a@b.example,\n\t Sam Seeker\n <seeker@x.com>,\n c@d.example, <Seeker@X.com>"}},
     {"seeker@x.com"},
     {{MASK_CHANGE, "From", 1, "Sam <" PROXY ">"},
      {MASK_CHANGE, "Cc", 1, "a@b.example,\n\tSam Seeker <" PROXY ">,\n\tc@d.example,\n\t" PROXY},
      ADD_REPLY_TO},
     4, "From=1 Reply-To=1 Cc=2"},

    {"long list folds between addresses", "<seeker@x.com>", NULL,
     {{"From", " seeker@x.com"},
      {"To", " Alexandra Longname <alexandra.longname@building-management.example>, Seeker <seeker@x.com>, Christopher Otherlongname <christopher@building-management.example>"}},
     {"seeker@x.com"},
     {{MASK_CHANGE, "From", 1, PROXY},
      {MASK_CHANGE, "To", 1, "Alexandra Longname <alexandra.longname@building-management.example>,\n\tSeeker <" PROXY ">,\n\tChristopher Otherlongname <christopher@building-management.example>"},
      ADD_REPLY_TO},
     3, "From=1 Reply-To=1 To=1"},

    {"a long name and address stay on one line", "<seeker@x.com>", NULL,
     {{"From", " Samantha Seeker-Longname <seeker@x.com>"},
      {"Cc", " Samantha Seeker-Longname\n <seeker@x.com>, b@c.example"}},
     {"seeker@x.com"},
     {{MASK_CHANGE, "From", 1, "Samantha Seeker-Longname <" PROXY ">"},
      {MASK_CHANGE, "Cc", 1, "Samantha Seeker-Longname <" PROXY ">,\n\tb@c.example"},
      ADD_REPLY_TO},
     3, "From=1 Reply-To=1 Cc=1"},

    {"comment as the name; comment mentioning the seeker", "<seeker@x.com>", NULL,
     {{"From", " seeker@x.com (Sam Seeker)"},
      {"To", " bob@building.example (forwarded by seeker@x.com)"},
      {"Cc", " ann@y.example (Ann)"}},
     {"seeker@x.com"},
     {{MASK_CHANGE, "From", 1, "Sam Seeker <" PROXY ">"},
      {MASK_CHANGE, "To", 1, "forwarded by \"" PROXY "\" <bob@building.example>"},
      ADD_REPLY_TO},
     3, "From=1 Reply-To=1 To=1"},

    {"the address as the display name", "<seeker@x.com>", NULL,
     {{"From", " \"seeker@x.com\" <seeker@x.com>"},
      {"To", " \"SEEKER@x.com\" <bob@building.example>"}},
     {"seeker@x.com"},
     {{MASK_CHANGE, "From", 1, PROXY},
      {MASK_CHANGE, "To", 1, "bob@building.example"},
      ADD_REPLY_TO},
     3, "From=1 Reply-To=1 To=1"},

    {"bare and angle-bracketed, Sender and Return-Path", "seeker@x.com", NULL,
     {{"Return-Path", " <seeker@x.com>"},
      {"From", " <seeker@x.com>"},
      {"Sender", " seeker@x.com"}},
     {"seeker@x.com"},
     {{MASK_CHANGE, "Return-Path", 1, "<" PROXY ">"},
      {MASK_CHANGE, "From", 1, PROXY},
      {MASK_CHANGE, "Sender", 1, PROXY},
      ADD_REPLY_TO},
     4, "From=1 Sender=1 Reply-To=1 Return-Path=1"},

    {"display format, Reply-To replaced and named", "<seeker@x.com>",
     "%s via Example Homes",
     {{"From", " Sam Seeker <seeker@x.com>"},
      {"Reply-To", " Sam <SEEKER@x.com>"},
      {"To", " Bob <bob@building.example>"}},
     {"seeker@x.com"},
     {{MASK_CHANGE, "From", 1, "Sam Seeker via Example Homes <" PROXY ">"},
      {MASK_CHANGE, "Reply-To", 1, "Sam via Example Homes <" PROXY ">"}},
     2, "From=1 Reply-To=1"},

    {"display format leaves a nameless mailbox bare; % kept literally",
     "<seeker@x.com>", "%s (100% via Example Homes) %d",
     {{"From", " seeker@x.com"},
      {"Resent-From", " Sam <seeker@x.com>"}},
     {"seeker@x.com"},
     {{MASK_CHANGE, "From", 1, PROXY},
      {MASK_CHANGE, "Resent-From", 1, "\"Sam (100% via Example Homes) %d\" <" PROXY ">"},
      ADD_REPLY_TO},
     3, "From=1 Reply-To=1 Resent-From=1"},

    {"Reply-To of another sender address: replaced, bare; second deleted",
     "<bounces@app.example>", NULL,
     {{"From", " Sam <seeker@x.com>"},
      {"Reply-To", " Support <help@app.example>"},
      {"reply-to", " seeker@x.com"}},
     {"bounces@app.example", "seeker@x.com", "help@app.example"},
     {{MASK_CHANGE, "From", 1, "Sam <" PROXY ">"},
      {MASK_CHANGE, "Reply-To", 1, "Support <" PROXY ">"},
      {MASK_DELETE, "reply-to", 2, NULL}},
     2, "From=1 Reply-To=1"},

    {"internal and revealing headers deleted, highest index first",
     "<seeker@x.com>", NULL,
     {{"X-Originating-IP", " [198.51.100.7]"},
      {"From", " seeker@x.com"},
      {"X-Postmask-Conversation", " CH0123456789abcdef0123456789abcdef"},
      {"x-originating-ip", " [198.51.100.8]"},
      {"X-Postmask-Debug", " 1"},
      {"X-Mailer", " app 1.0"},
      {"X-ORIGINATING-IP", " [198.51.100.9]"},
      {"X-PHP-Originating-Script", " 1000:send.php"},
      {"X-Postmaskish", " kept"},
      {"X-Forwarded-For", " 198.51.100.7"}},
     {"seeker@x.com"},
     {{MASK_CHANGE, "From", 1, PROXY},
      {MASK_DELETE, "X-Forwarded-For", 1, NULL},
      {MASK_DELETE, "X-PHP-Originating-Script", 1, NULL},
      {MASK_DELETE, "X-ORIGINATING-IP", 3, NULL},
      {MASK_DELETE, "X-Postmask-Debug", 1, NULL},
      {MASK_DELETE, "x-originating-ip", 2, NULL},
      {MASK_DELETE, "X-Postmask-Conversation", 1, NULL},
      {MASK_DELETE, "X-Originating-IP", 1, NULL},
      ADD_REPLY_TO},
     2, "From=1 Reply-To=1"},

    {"other address headers; indexes count each name", "<seeker@x.com>", NULL,
     {{"From", " seeker@x.com"},
      {"To", " bob@building.example"},
      {"To", " Sam <seeker@x.com>"},
      {"Errors-To", " seeker@x.com"},
      {"Disposition-Notification-To", " Sam <seeker@x.com>"},
      {"Resent-Sender", " seeker@x.com"},
      {"In-Reply-To", " <abc@x.com>"}},
     {"seeker@x.com"},
     {{MASK_CHANGE, "From", 1, PROXY},
      {MASK_CHANGE, "To", 2, "Sam <" PROXY ">"},
      {MASK_CHANGE, "Errors-To", 1, PROXY},
      {MASK_CHANGE, "Disposition-Notification-To", 1, "Sam <" PROXY ">"},
      {MASK_CHANGE, "Resent-Sender", 1, PROXY},
      ADD_REPLY_TO},
     6, "From=1 Reply-To=1 Errors-To=1 Disposition-Notification-To=1 "
     "Resent-Sender=1 To=1"},

    {"an address GMime cannot parse is masked as text", "<bounces@app.example>",
     NULL,
     {{"From", " Sam seeker@x.com"},
      {"To", " bob@building.example, Sam seeker@x.com"}},
     {"bounces@app.example", "seeker@x.com"},
     {{MASK_CHANGE, "From", 1, "Sam " PROXY},
      {MASK_CHANGE, "To", 1, "bob@building.example"},
      ADD_REPLY_TO},
     2, "From=1 Reply-To=1"},

    {"an address only mentioned in a display name is no original",
     "<seeker@x.com>", NULL,
     {{"From", " \"Sam (help@app.example)\" <seeker@x.com>"},
      {"To", " help@app.example"}},
     {"seeker@x.com"},
     {{MASK_CHANGE, "From", 1, "\"Sam (help@app.example)\" <" PROXY ">"},
      ADD_REPLY_TO},
     2, "From=1 Reply-To=1"},

    {"a longer address containing the original is another address",
     "<seeker@x.com>", NULL,
     {{"From", " seeker@x.com"},
      {"To", " jimseeker@x.com, seeker@x.com.evil.example, a.seeker@x.com"}},
     {"seeker@x.com"},
     {{MASK_CHANGE, "From", 1, PROXY}, ADD_REPLY_TO},
     2, "From=1 Reply-To=1"},

    {"internationalized domain: both forms are originals", "", NULL,
     {{"From", " Sam <seeker@xn--bcher-kva.example>"},
      {"Cc", " seeker@b\xc3\xbc" "cher.example"}},
     {"seeker@b\xc3\xbc" "cher.example", "seeker@xn--bcher-kva.example"},
     {{MASK_CHANGE, "From", 1, "Sam <" PROXY ">"},
      {MASK_CHANGE, "Cc", 1, PROXY},
      ADD_REPLY_TO},
     3, "From=1 Reply-To=1 Cc=1"},

    {"already masked: the proxy is no original", "<" PROXY ">", NULL,
     {{"From", " Sam <" PROXY ">"},
      {"Reply-To", " " PROXY}},
     {NULL},
     {{MASK_CHANGE, "Reply-To", 1, PROXY}},
     1, "Reply-To=1"},

    {"null sender and no sender headers", "<>", NULL,
     {{"To", " bob@building.example"}, {"Subject", " hi"}},
     {NULL},
     {ADD_REPLY_TO},
     1, "Reply-To=1"},
};

static const char *op_name(enum mask_op op)
{
    return op == MASK_CHANGE ? "CHANGE" : op == MASK_DELETE ? "DELETE" : "ADD";
}

static void print_result(const struct mask_list *orig,
                         const struct mask_result *res)
{
    size_t i;

    for (i = 0; i < orig->count; i++)
        print_message("  original %s\n", orig->items[i]);
    for (i = 0; i < res->count; i++)
        print_message("  %s %s %d [%s]\n", op_name(res->changes[i].op),
                      res->changes[i].name, res->changes[i].index,
                      res->changes[i].value ? res->changes[i].value : "(null)");
    print_message("  rewritten %zu fields [%s]\n", res->rewritten,
                  res->fields ? res->fields->data : "(null)");
}

static size_t header_count(const struct header_case *c,
                           struct mask_header *h)
{
    size_t n;

    for (n = 0; n < MAX_HEADERS && c->headers[n][0]; n++) {
        h[n].name = c->headers[n][0];
        h[n].value = c->headers[n][1];
    }
    return n;
}

static int same_result(const struct header_case *c,
                       const struct mask_list *orig,
                       const struct mask_result *res)
{
    size_t i, n;

    for (n = 0; n < 8 && c->originals[n]; n++)
        if (n >= orig->count || strcmp(orig->items[n], c->originals[n]) != 0)
            return 0;
    if (n != orig->count)
        return 0;
    for (n = 0; n < MAX_CHANGES && c->changes[n].name; n++) {
        const struct mask_change *got = &res->changes[n];
        const struct want_change *want = &c->changes[n];

        if (n >= res->count || got->op != want->op
            || strcmp(got->name, want->name) != 0
            || (want->op != MASK_ADD && got->index != want->index)
            || (want->value == NULL) != (got->value == NULL)
            || (want->value && strcmp(want->value, got->value) != 0))
            return 0;
    }
    for (i = 0; i < res->count; i++)
        if (res->changes[i].value && (res->changes[i].value[0] == ' '
                                      || res->changes[i].value[0] == '\t'))
            return 0;
    return n == res->count && res->rewritten == c->rewritten
        && strcmp(res->fields->data, c->fields) == 0;
}

static void test_table(void **state)
{
    size_t i, failed = 0;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct header_case *c = &cases[i];
        struct mask_header h[MAX_HEADERS];
        size_t n = header_count(c, h);
        struct mask_list orig;
        struct mask_result res;
        struct buf *why = buf_create(64);
        const char *leak;

        mask_originals(c->sender, h, n, PROXY, &orig);
        if (mask_rewrite(h, n, &orig, PROXY, c->format, &res, why) != 0)
            fail_msg("%s: mask_rewrite failed: %s", c->what, why->data);
        if (!same_result(c, &orig, &res)) {
            print_error("case \"%s\": unexpected result:\n", c->what);
            print_result(&orig, &res);
            failed++;
        }
        if ((leak = mask_check(h, n, &res, &orig)) != NULL) {
            print_error("case \"%s\": self-check finds %s\n", c->what, leak);
            failed++;
        }
        mask_result_free(&res);
        mask_list_free(&orig);
        buf_free(why);
    }
    assert_int_equal(failed, 0);
}

static void test_too_many_originals(void **state)
{
    struct buf *from = buf_create(4096), *why = buf_create(64);
    struct mask_header h[1];
    struct mask_list orig;
    struct mask_result res;
    int i;

    for (i = 0; i <= MASK_MAX_ORIGINALS; i++)
        buf_printf(from, "%sa%d@x.example", i ? ", " : " ", i);
    h[0].name = "From";
    h[0].value = from->data;
    mask_originals("", h, 1, PROXY, &orig);
    assert_int_equal(orig.count, MASK_MAX_ORIGINALS + 1);
    assert_int_equal(mask_rewrite(h, 1, &orig, PROXY, NULL, &res, why), -1);
    assert_non_null(strstr(why->data, "more than the 64"));
    assert_int_equal(res.count, 0);
    assert_null(res.changes);
    mask_result_free(&res);

    buf_reset(why);
    assert_int_equal(mask_rewrite(h, 1, &orig, "no-at-sign", NULL, &res, why),
                     -1);
    mask_result_free(&res);
    mask_list_free(&orig);
    buf_free(from);
    buf_free(why);
}

static void test_many_headers_cheap(void **state)
{
    /* 50000 headers of one name: indexes by sorting, not by rescanning. */
    size_t n = 50000, i;
    struct mask_header *h = calloc(n + 1, sizeof(*h));
    struct mask_list orig;
    struct mask_result res;
    struct buf *why = buf_create(64);

    for (i = 0; i < n; i++) {
        h[i].name = "X-Postmask-Junk";
        h[i].value = " x";
    }
    h[n].name = "From";
    h[n].value = " seeker@x.com";
    mask_originals("", h, n + 1, PROXY, &orig);
    assert_int_equal(mask_rewrite(h, n + 1, &orig, PROXY, NULL, &res, why), 0);
    assert_int_equal(res.count, n + 2);
    assert_int_equal(res.changes[0].op, MASK_CHANGE);
    assert_int_equal(res.changes[1].op, MASK_DELETE);
    assert_int_equal(res.changes[1].index, (int) n);
    assert_int_equal(res.changes[n].index, 1);
    assert_null(mask_check(h, n + 1, &res, &orig));
    mask_result_free(&res);
    mask_list_free(&orig);
    buf_free(why);
    free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_too_many_originals),
        cmocka_unit_test(test_many_headers_cheap),
    };

    capture_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
