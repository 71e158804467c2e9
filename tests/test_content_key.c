/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_content_key - one key for the copies of an email without a
 * Message-ID that two MX hosts captured, and different keys for emails
 * that differ in what their writer wrote.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "content_key.h"

/* The reply as Bob's client wrote it: no Message-ID. */
#define FIELDS \
    "Date: Fri, 4 Dec 2026 10:02:11 +0100\r\n" \
    "From: Bob Builder <bob@building.example>\r\n" \
    "To: Ann Seeker <k1-abc@reply.example.com>\r\n" \
    "Subject: Re: Unit 4B, 12 Harbour St\r\n" \
    "In-Reply-To: <IM0123@reply.example.com>\r\n" \
    "MIME-Version: 1.0\r\n" \
    "Content-Type: text/plain; charset=UTF-8\r\n"
#define BODY "Yes, 4B is free.\r\n\r\nBob\r\n"

/* As the primary MX's milter saw it. */
static const char at_mx1[] =
    "Received: from mail.building.example (mail.building.example "
    "[192.0.2.7])\r\n\tby mx1.reply.example.com (Postfix) with ESMTPS id "
    "4Qx1Yz2AbC\r\n\tfor <k1-abc@reply.example.com>; Fri, 4 Dec 2026 "
    "10:02:12 +0100 (CET)\r\n"
    "Authentication-Results: mx1.reply.example.com; spf=pass "
    "smtp.mailfrom=bob@building.example\r\n"
    FIELDS "\r\n" BODY;

/* As the backup MX's saw the sender's retry: other trace fields, another
 * order of two fields, LF line ends, a field folded, a blank line more at
 * the end. */
static const char at_mx2[] =
    "Return-Path: <bob@building.example>\n"
    "Received: from mail.building.example (mail.building.example "
    "[192.0.2.7])\n\tby mx2.reply.example.com (Postfix) with ESMTPS id "
    "7Hh3Kk9XyZ; Fri, 4 Dec 2026 10:07:40 +0100 (CET)\n"
    "Authentication-Results: mx2.reply.example.com;\n\tspf=pass "
    "smtp.mailfrom=bob@building.example;\n\tdkim=none\n"
    "X-Spam-Score: 0.3\n"
    "DKIM-Signature: v=1; a=rsa-sha256; d=building.example; s=s1; b=AAAA\n"
    "from: Bob Builder <bob@building.example>\n"
    "Date: Fri, 4 Dec 2026 10:02:11 +0100\n"
    "To: Ann Seeker\n <k1-abc@reply.example.com>\n"
    "Subject:  Re: Unit 4B,   12 Harbour St \n"
    "In-Reply-To: <IM0123@reply.example.com>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=UTF-8\n"
    "\n"
    "Yes, 4B is free.\n\nBob\n\n\n";

/* The key into out; content_key()'s result. */
static int key_of(const char *raw, size_t len, char out[65])
{
    struct buf *b = buf_create(80);
    int rc = content_key(raw, len, b);

    assert_int_equal(b->len, CONTENT_KEY_HEX_LEN);
    memcpy(out, b->data, 65);
    buf_free(b);
    return rc;
}

#define KEY(s, out) key_of((s), strlen(s), (out))

static void test_same_email_two_mx(void **state)
{
    char k1[65], k2[65];

    (void) state;
    assert_int_equal(KEY(at_mx1, k1), 1);
    assert_int_equal(KEY(at_mx2, k2), 1);
    assert_string_equal(k1, k2);
    /* Only what is listed counts: the message without trace fields. */
    KEY(FIELDS "\r\n" BODY, k2);
    assert_string_equal(k1, k2);
}

static void test_what_the_writer_wrote_counts(void **state)
{
    static const char *const others[] = {
        /* Another Date: Bob sent "Yes" twice. */
        "Date: Fri, 4 Dec 2026 10:09:00 +0100\r\n"
        "From: Bob Builder <bob@building.example>\r\n"
        "To: Ann Seeker <k1-abc@reply.example.com>\r\n"
        "Subject: Re: Unit 4B, 12 Harbour St\r\n"
        "In-Reply-To: <IM0123@reply.example.com>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=UTF-8\r\n\r\n" BODY,
        /* Another body. */
        FIELDS "\r\nYes, 4B is free.\r\n\r\nBob.\r\n",
        /* Another sender. */
        "Date: Fri, 4 Dec 2026 10:02:11 +0100\r\n"
        "From: Carl <carl@building.example>\r\n"
        "To: Ann Seeker <k1-abc@reply.example.com>\r\n"
        "Subject: Re: Unit 4B, 12 Harbour St\r\n"
        "In-Reply-To: <IM0123@reply.example.com>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=UTF-8\r\n\r\n" BODY,
        /* An answer to another email. */
        "Date: Fri, 4 Dec 2026 10:02:11 +0100\r\n"
        "From: Bob Builder <bob@building.example>\r\n"
        "To: Ann Seeker <k1-abc@reply.example.com>\r\n"
        "Subject: Re: Unit 4B, 12 Harbour St\r\n"
        "In-Reply-To: <IM0456@reply.example.com>\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=UTF-8\r\n\r\n" BODY,
        /* An empty Cc is not an absent one. */
        FIELDS "Cc:\r\n\r\n" BODY,
        /* White space inside a line of the body counts. */
        FIELDS "\r\nYes,  4B is free.\r\n\r\nBob\r\n",
    };
    char k1[65], k2[65];
    size_t i;

    (void) state;
    KEY(at_mx1, k1);
    for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        KEY(others[i], k2);
        if (strcmp(k1, k2) == 0)
            fail_msg("email %zu has the key of the first", i);
    }
}

static void test_the_first_field_counts(void **state)
{
    char k1[65], k2[65];

    (void) state;
    /* A second Subject (added on the way) is not looked at. */
    KEY(FIELDS "\r\n" BODY, k1);
    KEY(FIELDS "Subject: [External] Re: Unit 4B\r\n\r\n" BODY, k2);
    assert_string_equal(k1, k2);
    /* A field name with white space before its colon. */
    KEY("Date: d\r\nSubject : x\r\n\r\nb", k1);
    KEY("Date: d\r\nSubject: x\r\n\r\nb", k2);
    assert_string_equal(k1, k2);
}

/* Without a Date, copies and emails cannot be told apart: the bytes. */
static void test_no_date(void **state)
{
    static const char ok1[] =
        "Received: from a by mx1; Fri, 4 Dec 2026 10:02:12 +0100\r\n"
        "From: bob@building.example\r\nSubject: Re: 4B\r\n\r\nok\r\n";
    static const char ok2[] =
        "Received: from a by mx1; Fri, 4 Dec 2026 10:09:40 +0100\r\n"
        "From: bob@building.example\r\nSubject: Re: 4B\r\n\r\nok\r\n";
    char k1[65], k2[65];

    (void) state;
    /* Two "ok" of Bob's: two keys, each the SHA-256 of the bytes. */
    assert_int_equal(KEY(ok1, k1), 0);
    assert_int_equal(KEY(ok2, k2), 0);
    assert_string_not_equal(k1, k2);
    KEY("abc", k1);
    assert_string_equal(k1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9c"
                        "b410ff61f20015ad");
    key_of("", 0, k1);
    assert_string_equal(k1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934c"
                        "a495991b7852b855");
    /* A Date in the body is no Date field. */
    assert_int_equal(KEY("Subject: a\r\n\r\nDate: x\r\n", k1), 0);
}

static void test_odd_input(void **state)
{
    /* SHA-256 of "date:d\n\n": the Date, no body. */
    static const char date_only[] =
        "d98687c96d6aec622573a139eb776a70b2fed63097e6fd4fcfd331ed9a5dff0f";
    static const char nul_body[] = "Date: d\r\n\r\nx\0y";
    char k1[65], k2[65];

    (void) state;
    /* Headers only, no empty line: no body. */
    assert_int_equal(KEY("Date: d", k1), 1);
    KEY("Date: d\r\n\r\n", k2);
    assert_string_equal(k1, k2);
    assert_string_equal(k1, date_only);
    /* A line without a colon in the header section is ignored. */
    KEY("no colon on this line\r\nDate: d", k2);
    assert_string_equal(k1, k2);
    /* A continuation line with no field before it is ignored. */
    KEY(" stray\r\nDate: d\r\n\r\nb", k1);
    KEY("Date: d\r\n\r\nb", k2);
    assert_string_equal(k1, k2);
    /* Bytes after a NUL are part of the body. */
    key_of(nul_body, sizeof(nul_body) - 1, k1);
    key_of(nul_body, sizeof(nul_body) - 3, k2);
    assert_string_not_equal(k1, k2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_email_two_mx),
        cmocka_unit_test(test_what_the_writer_wrote_counts),
        cmocka_unit_test(test_the_first_field_counts),
        cmocka_unit_test(test_no_date),
        cmocka_unit_test(test_odd_input),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
