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

static void key_of(const char *raw, size_t len, char out[65])
{
    struct buf *b = buf_create(80);

    content_key(raw, len, b);
    assert_int_equal(b->len, CONTENT_KEY_HEX_LEN);
    memcpy(out, b->data, 65);
    buf_free(b);
}

#define KEY(s, out) key_of((s), strlen(s), (out))

static void test_same_email_two_mx(void **state)
{
    char k1[65], k2[65];

    (void) state;
    KEY(at_mx1, k1);
    KEY(at_mx2, k2);
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
    KEY("Subject : x\r\n\r\nb", k1);
    KEY("Subject: x\r\n\r\nb", k2);
    assert_string_equal(k1, k2);
}

static void test_odd_input(void **state)
{
    /* SHA-256 of "\n": no field, no body. */
    static const char nothing[] =
        "01ba4719c80b6fe911b091a7c05124b64eeece964e09c058ef8f9805daca546b";
    static const char nul_body[] = "Subject: a\r\n\r\nx\0y";
    char k1[65], k2[65];

    (void) state;
    key_of("", 0, k1);
    assert_string_equal(k1, nothing);
    KEY("no colon on this line", k1);
    assert_string_equal(k1, nothing);
    /* Headers only, no empty line: no body. */
    KEY("Subject: a", k1);
    KEY("Subject: a\r\n\r\n", k2);
    assert_string_equal(k1, k2);
    /* A continuation line with no field before it is ignored. */
    KEY(" stray\r\nSubject: a\r\n\r\nb", k1);
    KEY("Subject: a\r\n\r\nb", k2);
    assert_string_equal(k1, k2);
    /* Bytes after a NUL are part of the body. */
    key_of(nul_body, sizeof(nul_body) - 1, k1);
    key_of(nul_body, sizeof(nul_body) - 3, k2);
    assert_string_not_equal(k1, k2);
    /* The body starting at once (an empty first line). */
    KEY("\r\nSubject: a", k1);
    KEY("Subject: a", k2);
    assert_string_not_equal(k1, k2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_email_two_mx),
        cmocka_unit_test(test_what_the_writer_wrote_counts),
        cmocka_unit_test(test_the_first_field_counts),
        cmocka_unit_test(test_odd_input),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
