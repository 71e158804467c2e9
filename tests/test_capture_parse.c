/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_capture_parse - capture_parse() and capture_to_json() on small
 * messages written inline, for what the corpus does not pin down one rule
 * at a time: which input is not a message, each classification rule and
 * its precedence, Authentication-Results selection, attachment names and
 * limits, MIME structure (signed, encrypted, embedded messages), charsets,
 * the JSON shape, and the bounds on hostile structure (nesting, header and
 * part counts).
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
#include "xalloc.h"

#define HDR "From: Jan <jan@example.org>\nTo: k1-x@reply.example.com\n"

static char *trusted_ids[] = {"mx1.reply.example.com", "MX2.reply.example.com"};
static const struct capture_options opts_trusted = {1000, trusted_ids, 2,
                                                    NULL};
static const struct capture_options opts_plain = {1000, NULL, 0, NULL};

static struct capture *parse_with(const char *raw, const char *sender,
                                  const struct capture_options *opts)
{
    struct capture *cap = NULL;
    struct buf *why = buf_create(64);

    if (capture_parse(raw, strlen(raw), sender, opts, &cap, why) != 0)
        fail_msg("capture_parse failed: %s\n%s", why->data, raw);
    buf_free(why);
    return cap;
}

static struct capture *parse(const char *raw, const char *sender)
{
    return parse_with(raw, sender, &opts_plain);
}

static void expect_class(const char *raw, const char *sender,
                         enum capture_class want, const char *reason)
{
    struct capture *cap = parse(raw, sender);

    if (cap->classification != want) {
        print_error("classified %s, want %s:\n%s\n",
                    capture_class_name(cap->classification),
                    capture_class_name(want), raw);
        fail();
    }
    if (reason == NULL)
        assert_null(cap->auto_reply_reason);
    else
        assert_string_equal(cap->auto_reply_reason, reason);
    capture_free(cap);
}

static void test_not_a_message(void **state)
{
    static const char *const inputs[] = {"", "hello world", "From x\nbody",
                                         "\n\nonly a body"};
    size_t i;

    for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        struct capture *cap = (struct capture *) 1;
        struct buf *why = buf_create(16);

        assert_int_equal(capture_parse(inputs[i], strlen(inputs[i]), "",
                                       &opts_plain, &cap, why), -1);
        assert_null(cap);
        assert_true(strncmp(why->data, "not a message: ", 15) == 0);
        buf_free(why);
    }
}

static void test_minimal(void **state)
{
    struct capture *cap = parse("Subject: hi\n\nHello\n", NULL);

    assert_int_equal(cap->classification, CAPTURE_REPLY);
    assert_string_equal(cap->from_address, "");
    assert_string_equal(cap->from_name, "");
    assert_string_equal(cap->subject, "hi");
    assert_null(cap->message_id);
    assert_string_equal(cap->text, "Hello");
    assert_int_equal(cap->attachment_count, 0);
    capture_free(cap);
}

static void test_class_names(void **state)
{
    assert_string_equal(capture_class_name(CAPTURE_REPLY), "reply");
    assert_string_equal(capture_class_name(CAPTURE_AUTO_REPLY), "auto_reply");
    assert_string_equal(capture_class_name(CAPTURE_BOUNCE), "bounce");
    assert_string_equal(capture_class_name(CAPTURE_EMPTY), "empty");
}

static void test_auto_reply_headers(void **state)
{
    expect_class(HDR "Auto-Submitted: auto-replied (vacation)\n\nx\n", "a@b",
                 CAPTURE_AUTO_REPLY,
                 "Auto-Submitted: auto-replied (vacation)");
    expect_class(HDR "Auto-Submitted: auto-notified\n\nx\n", "a@b",
                 CAPTURE_AUTO_REPLY, "Auto-Submitted: auto-notified");
    expect_class(HDR "Auto-Submitted: No\n\nx\n", "a@b", CAPTURE_REPLY, NULL);
    expect_class(HDR "Auto-Submitted: no ; comment\n\nx\n", "a@b",
                 CAPTURE_REPLY, NULL);
    expect_class(HDR "X-Autoreply: yes\n\nx\n", "a@b", CAPTURE_AUTO_REPLY,
                 "X-Autoreply: yes");
    expect_class(HDR "X-Autoreply: no\n\nx\n", "a@b", CAPTURE_REPLY, NULL);
    expect_class(HDR "X-Autorespond: vacation\n\nx\n", "a@b",
                 CAPTURE_AUTO_REPLY, "X-Autorespond: vacation");
    expect_class(HDR "Precedence: bulk\n\nx\n", "a@b", CAPTURE_AUTO_REPLY,
                 "Precedence: bulk");
    expect_class(HDR "Precedence: junk\n\nx\n", "a@b", CAPTURE_AUTO_REPLY,
                 "Precedence: junk");
    expect_class(HDR "Precedence: list\n\nx\n", "a@b", CAPTURE_AUTO_REPLY,
                 "Precedence: list");
    expect_class(HDR "Precedence: auto_reply\n\nx\n", "a@b",
                 CAPTURE_AUTO_REPLY, "Precedence: auto_reply");
    expect_class(HDR "Precedence: first-class\n\nx\n", "a@b", CAPTURE_REPLY,
                 NULL);
    /* The first signal in the documented order gives the reason. */
    expect_class(HDR "Precedence: bulk\nX-Autoreply: yes\n"
                 "Auto-Submitted: auto-replied\nSubject: Out of Office\n\nx\n",
                 "a@b", CAPTURE_AUTO_REPLY, "Auto-Submitted: auto-replied");
}

static void test_auto_reply_subjects(void **state)
{
    static const char *const subjects[] = {
        "Out of Office: Re: flat", "out of the office", "Automatic reply: x",
        "AUTO-REPLY: x", "Autoreply: x", "Auto: Jan is away",
        "Abwesenheitsnotiz: Wohnung", "Automatische Antwort: Wohnung",
        "=?utf-8?q?R=C3=A9ponse_automatique_=3A_x?=",
        "=?utf-8?q?R=C3=89PONSE_AUTOMATIQUE_=3A_x?=",
        "Absence du bureau", "=?utf-8?q?Respuesta_autom=C3=A1tica=3A_x?=",
        "Fuera de la oficina", "Automatisch antwoord: x",
        "=?utf-8?q?Resposta_autom=C3=A1tica=3A_x?=",
        "  Out of Office: leading space",
    };
    static const char *const not_subjects[] = {
        "Re: Out of Office next week?", "Automobile parking", "Autumn",
        "Re: Abwesenheit", "Office space",
    };
    size_t i;

    for (i = 0; i < sizeof(subjects) / sizeof(subjects[0]); i++) {
        struct buf *raw = buf_create(64);
        struct capture *cap;

        buf_printf(raw, HDR "Subject: %s\n\nx\n", subjects[i]);
        cap = parse(raw->data, "a@b");
        if (cap->classification != CAPTURE_AUTO_REPLY)
            fail_msg("subject \"%s\" is not an out-of-office one",
                     subjects[i]);
        assert_true(strncmp(cap->auto_reply_reason, "Subject: ", 9) == 0);
        capture_free(cap);
        buf_free(raw);
    }
    for (i = 0; i < sizeof(not_subjects) / sizeof(not_subjects[0]); i++) {
        struct buf *raw = buf_create(64);

        buf_printf(raw, HDR "Subject: %s\n\nx\n", not_subjects[i]);
        expect_class(raw->data, "a@b", CAPTURE_REPLY, NULL);
        buf_free(raw);
    }
}

static void test_bounce_rules(void **state)
{
    /* The null sender alone: a bounce; NULL means unknown, not null. */
    expect_class(HDR "Subject: hi\n\nx\n", "", CAPTURE_BOUNCE, NULL);
    expect_class(HDR "Subject: hi\n\nx\n", "<>", CAPTURE_BOUNCE, NULL);
    expect_class(HDR "Subject: hi\n\nx\n", NULL, CAPTURE_REPLY, NULL);
    /* An RFC 3834 auto-reply from the null sender stays an auto-reply... */
    expect_class(HDR "Auto-Submitted: auto-replied\nSubject: Away\n\nx\n", "",
                 CAPTURE_AUTO_REPLY, "Auto-Submitted: auto-replied");
    /* ...unless it looks like a non-delivery report. */
    expect_class("From: MAILER-DAEMON@mx.example.org\n"
                 "Auto-Submitted: auto-replied\nSubject: x\n\nx\n", "",
                 CAPTURE_BOUNCE, NULL);
    expect_class(HDR "Auto-Submitted: auto-replied\n"
                 "X-Failed-Recipients: a@example.org\n\nx\n", "",
                 CAPTURE_BOUNCE, NULL);
    expect_class(HDR "Auto-Submitted: auto-generated\n"
                 "Subject: Undeliverable: flat\n\nx\n", "",
                 CAPTURE_BOUNCE, NULL);
    /* A delivery report is a bounce whatever the sender. */
    expect_class(HDR "Content-Type: multipart/report; "
                 "report-type=\"delivery-status\"; boundary=b\n\n"
                 "--b\nContent-Type: text/plain\n\nfailed\n--b--\n", "a@b",
                 CAPTURE_BOUNCE, NULL);
    expect_class(HDR "Content-Type: multipart/report; "
                 "report-type=global-delivery-status; boundary=b\n\n"
                 "--b--\n", "a@b", CAPTURE_BOUNCE, NULL);
    /* A read receipt is an auto-reply, whatever the sender. */
    expect_class(HDR "Content-Type: multipart/report; "
                 "report-type=disposition-notification; boundary=b\n\n"
                 "--b\nContent-Type: text/plain\n\nread\n--b--\n", "",
                 CAPTURE_AUTO_REPLY,
                 "Content-Type: multipart/report; "
                 "report-type=disposition-notification");
}

static const char dsn_head[] =
    "From: MAILER-DAEMON@mx.example.org\nSubject: failure\n"
    "Content-Type: multipart/report; report-type=delivery-status; "
    "boundary=b\n\n--b\nContent-Type: text/plain\n\nIt failed.\n"
    "--b\nContent-Type: message/delivery-status\n\n"
    "Reporting-MTA: dns; mx.example.org\n\n";

static void test_dsn(void **state)
{
    struct buf *raw = buf_create(256);
    struct capture *cap;

    /* The failed recipient wins over a delayed one before it. */
    buf_printf(raw, "%s"
               "Final-Recipient: rfc822; slow@example.org\nAction: delayed\n"
               "Status: 4.4.7\n\n"
               "Original-Recipient: rfc822;orig@example.org\n"
               "Final-Recipient: RFC822; <gone@example.org>\n"
               "action: Failed\nstatus: 5.2.2 (mailbox full)\n"
               "Diagnostic-Code: smtp; 552-5.2.2 The mailbox is\n"
               "\tfull\n\n--b--\n", dsn_head);
    cap = parse(raw->data, "");
    assert_int_equal(cap->classification, CAPTURE_BOUNCE);
    assert_string_equal(cap->bounce_recipient, "gone@example.org");
    assert_string_equal(cap->bounce_status, "5.2.2");
    assert_string_equal(cap->bounce_diagnostic,
                        "smtp; 552-5.2.2 The mailbox is full");
    assert_string_equal(cap->text, "It failed.");
    assert_int_equal(cap->attachment_count, 0);
    capture_free(cap);

    /* Original-Recipient when there is no Final-Recipient; a status that
     * is not one is dropped. */
    buf_reset(raw);
    buf_printf(raw, "%sOriginal-Recipient: rfc822; o@example.org\n"
               "Status: 9.9\n\n--b--\n", dsn_head);
    cap = parse(raw->data, "");
    assert_string_equal(cap->bounce_recipient, "o@example.org");
    assert_null(cap->bounce_status);
    assert_null(cap->bounce_diagnostic);
    capture_free(cap);

    /* No delivery-status part: X-Failed-Recipients. */
    cap = parse("From: Mailer-Daemon@example.org\n"
                "X-Failed-Recipients: first@example.org, second@example.org\n"
                "Subject: Mail delivery failed\n\nGone.\n", "");
    assert_int_equal(cap->classification, CAPTURE_BOUNCE);
    assert_string_equal(cap->bounce_recipient, "first@example.org");
    capture_free(cap);

    /* A bounce keeps no files: they are the returned message. */
    buf_reset(raw);
    buf_printf(raw, "%sFinal-Recipient: rfc822; a@example.org\n"
               "Action: failed\n\n--b\nContent-Type: message/rfc822\n\n"
               "From: k1-x@reply.example.com\nSubject: ours\n\nours\n--b--\n",
               dsn_head);
    cap = parse(raw->data, "");
    assert_int_equal(cap->attachment_count, 0);
    assert_string_equal(cap->text, "It failed.");
    capture_free(cap);
    buf_free(raw);
}

static void test_authres(void **state)
{
    static const char raw[] =
        "Authentication-Results: mx1.reply.example.com;\n"
        "\tdkim=fail (bad sig) header.d=a.example;\n"
        "\tdkim=pass (good) header.d=b.example; spf=softfail\n"
        "\t smtp.mailfrom=a.example\n"
        "Authentication-Results: evil.example; dkim=pass; spf=pass;\n"
        "\tdmarc=pass\n"
        "Authentication-Results: mx2.REPLY.example.com 1; dmarc=\"x\" ; "
        "dmarc/1 = fail (p=reject; \"quoted; semicolon\") header.from=a\n"
        "From: a@a.example\n\nx\n";
    struct capture *cap = parse_with(raw, "a@a.example", &opts_trusted);

    assert_int_equal(cap->auth_results_count, 3);
    assert_string_equal(cap->auth_results[0],
                        "mx1.reply.example.com; dkim=fail (bad sig) "
                        "header.d=a.example; dkim=pass (good) "
                        "header.d=b.example; spf=softfail "
                        "smtp.mailfrom=a.example");
    assert_string_equal(cap->dkim_result, "pass");
    assert_string_equal(cap->spf_result, "softfail");
    assert_string_equal(cap->dmarc_result, "fail");
    capture_free(cap);

    /* Without trusted ids: no header is believed, not even the topmost. */
    cap = parse_with(raw, "a@a.example", &opts_plain);
    assert_null(cap->dkim_result);
    assert_null(cap->spf_result);
    assert_null(cap->dmarc_result);
    assert_null(cap->auth_method);
    assert_int_equal(cap->auth_results_count, 3);
    capture_free(cap);

    /* A trusted id that matches none: no results, values still kept. */
    {
        static char *other[] = {"mx9.example.net"};
        static const struct capture_options opts_other = {1000, other, 1,
                                                          NULL};

        cap = parse_with(raw, "a@a.example", &opts_other);
        assert_null(cap->dkim_result);
        assert_null(cap->spf_result);
        assert_null(cap->dmarc_result);
        assert_int_equal(cap->auth_results_count, 3);
        capture_free(cap);
    }
}

static void test_many_authres(void **state)
{
    struct buf *raw = buf_create(64);
    struct capture *cap;
    int i;

    for (i = 0; i < 500; i++)
        buf_printf(raw, "Authentication-Results: x%d.example; dkim=pass\n", i);
    buf_append_str(raw, "From: a@example.org\n\nx\n");
    cap = parse(raw->data, "a@b");
    assert_int_equal(cap->auth_results_count, 64);
    assert_string_equal(cap->auth_results[63], "x63.example; dkim=pass");
    capture_free(cap);
    buf_free(raw);
}

static void test_headers(void **state)
{
    struct capture *cap = parse(
        "From: =?ISO-8859-1?Q?J=F6rg_M=FCller?= <joerg@example.org>,\n"
        " second@example.org\n"
        "Subject: =?UTF-8?B?w5xiZXJnYWJl?= \n =?UTF-8?Q?_am_Montag?=\n"
        "Message-ID: <abc@example.org>\n"
        "In-Reply-To: <IM1@reply.example.com> (Anna's message)\n"
        "References: <IM0@reply.example.com>\n\t<IM1@reply.example.com>\n"
        "\n\xe2\x80\x8bHi\n", "a@b");

    assert_string_equal(cap->from_address, "joerg@example.org");
    assert_string_equal(cap->from_name, "J\xc3\xb6rg M\xc3\xbcller");
    assert_string_equal(cap->subject, "\xc3\x9c" "bergabe am Montag");
    assert_string_equal(cap->message_id, "abc@example.org");
    assert_string_equal(cap->in_reply_to, "IM1@reply.example.com");
    assert_string_equal(cap->references,
                        "<IM0@reply.example.com> <IM1@reply.example.com>");
    capture_free(cap);

    /* A group: its first mailbox; raw 8-bit headers: UTF-8 or cp1252. */
    cap = parse("From: Agents: Jan <jan@example.org>, b@example.org;\n"
                "Subject: Caf\xe9 \x93quoted\x94\n\nx\n", "a@b");
    assert_string_equal(cap->from_address, "jan@example.org");
    assert_string_equal(cap->from_name, "Jan");
    assert_string_equal(cap->subject,
                        "Caf\xc3\xa9 \xe2\x80\x9cquoted\xe2\x80\x9d");
    capture_free(cap);

    /* Control characters never reach a field. */
    cap = parse("From: \"Ja\x01n\" <jan@example.org>\n"
                "Subject: =?utf-8?q?a=07b=0D=0Ac?=\n\nx\n", "a@b");
    assert_string_equal(cap->from_name, "Jan");
    assert_string_equal(cap->subject, "ab c");
    capture_free(cap);
}

static void test_attachments(void **state)
{
    struct capture *cap = parse(
        HDR "Content-Type: multipart/mixed; boundary=b\n\n"
        "--b\nContent-Type: text/plain\n\nSee attached.\n"
        "--b\nContent-Type: application/octet-stream\n"
        "Content-Disposition: attachment; filename=\"../../etc/pass:wd\"\n"
        "Content-Transfer-Encoding: base64\n\naGVsbG8=\n"
        "--b\nContent-Type: image/png\nContent-ID: <logo@x>\n"
        "Content-Transfer-Encoding: base64\n\naGVsbG8=\n"
        "--b\nContent-Type: image/png\nContent-ID: <pic@x>\n"
        "Content-Disposition: attachment; filename=\"...\"\n\nraw\n"
        "--b\nContent-Type: text/plain; name=\"C:\\\\docs\\\\notes.txt\"\n"
        "\nnotes\n"
        "--b\nContent-Type: text/calendar\n\nBEGIN:VCALENDAR\n"
        "--b\nContent-Type: application/octet-stream\n"
        "Content-Disposition: attachment; "
        "filename*=utf-8''invoice%E2%80%AEfdp.exe\n\nMZ\n"
        "--b\nContent-Type: application/pdf\n"
        "Content-Disposition: inline; filename=big.pdf\n"
        "Content-Transfer-Encoding: base64\n\n", "a@b");

    /* Nothing of the last part arrived: an empty file. */
    assert_int_equal(cap->attachment_count, 7);
    assert_string_equal(cap->text, "See attached.");
    assert_string_equal(cap->attachments[0].name, "pass_wd");
    assert_string_equal(cap->attachments[0].type, "application/octet-stream");
    assert_int_equal(cap->attachments[0].size, 5);
    assert_memory_equal(cap->attachments[0].data, "hello", 5);
    assert_false(cap->attachments[0].is_inline);
    assert_true(cap->attachments[0].kept);
    assert_null(cap->attachments[0].content_id);

    assert_string_equal(cap->attachments[1].name, "attachment.png");
    assert_string_equal(cap->attachments[1].content_id, "logo@x");
    assert_true(cap->attachments[1].is_inline);

    assert_string_equal(cap->attachments[2].name, "attachment.png");
    assert_false(cap->attachments[2].is_inline);   /* disposition says so */

    assert_string_equal(cap->attachments[3].name, "notes.txt");
    assert_string_equal(cap->attachments[4].name, "attachment.ics");
    assert_string_equal(cap->attachments[4].type, "text/calendar");
    assert_string_equal(cap->attachments[5].name, "invoicefdp.exe");
    assert_string_equal(cap->attachments[6].name, "big.pdf");
    assert_true(cap->attachments[6].is_inline);
    capture_free(cap);
}

static void test_attachment_limit(void **state)
{
    struct buf *raw = buf_create(4096);
    struct capture *cap;
    const struct capture_options small = {4, NULL, 0, NULL};

    buf_append_str(raw, HDR "Content-Type: multipart/mixed; boundary=b\n\n"
                   "--b\nContent-Type: text/plain\n\n\n"
                   "--b\nContent-Type: image/jpeg; name=a.jpg\n"
                   "Content-Transfer-Encoding: base64\n\naGVsbG8=\n"
                   "--b\nContent-Type: image/jpeg; name=b.jpg\n"
                   "Content-Transfer-Encoding: base64\n\naGVs\n--b--\n");
    cap = parse_with(raw->data, "a@b", &small);
    assert_int_equal(cap->classification, CAPTURE_REPLY);  /* has files */
    assert_int_equal(cap->attachment_count, 2);
    assert_int_equal(cap->attachments[0].size, 5);
    assert_false(cap->attachments[0].kept);
    assert_null(cap->attachments[0].data);
    assert_int_equal(cap->attachments[1].size, 3);
    assert_true(cap->attachments[1].kept);
    capture_free(cap);
    buf_free(raw);
}

static void test_structure(void **state)
{
    struct capture *cap;

    /* multipart/alternative: plain wins over html, wherever it is. */
    cap = parse(HDR "Content-Type: multipart/alternative; boundary=b\n\n"
                "--b\nContent-Type: text/html\n\n<p>html</p>\n"
                "--b\nContent-Type: text/plain\n\nplain\n--b--\n", "a@b");
    assert_string_equal(cap->text, "plain");
    capture_free(cap);

    /* An empty plain part: the HTML one. */
    cap = parse(HDR "Content-Type: multipart/alternative; boundary=b\n\n"
                "--b\nContent-Type: text/plain\n\n \n"
                "--b\nContent-Type: text/html\n\n<p>html</p>\n--b--\n",
                "a@b");
    assert_string_equal(cap->text, "html");
    capture_free(cap);

    /* Text parts around an inline image are one body. */
    cap = parse(HDR "Content-Type: multipart/mixed; boundary=b\n\n"
                "--b\nContent-Type: text/plain\n\nbefore\n"
                "--b\nContent-Type: image/gif\nContent-Disposition: inline\n\nGIF\n"
                "--b\nContent-Type: text/plain\n\nafter\n--b--\n", "a@b");
    assert_string_equal(cap->text, "before\nafter");
    assert_int_equal(cap->attachment_count, 1);
    capture_free(cap);

    /* multipart/signed: the signed content, not the signature. */
    cap = parse(HDR "Content-Type: multipart/signed; "
                "protocol=\"application/pgp-signature\"; boundary=s\n\n"
                "--s\nContent-Type: text/plain\n\nsigned text\n"
                "--s\nContent-Type: application/pgp-signature; name=sig.asc\n\n"
                "-----BEGIN PGP SIGNATURE-----\n--s--\n", "a@b");
    assert_string_equal(cap->text, "signed text");
    assert_int_equal(cap->attachment_count, 0);
    capture_free(cap);

    /* multipart/encrypted: nothing to read. */
    cap = parse(HDR "Content-Type: multipart/encrypted; "
                "protocol=\"application/pgp-encrypted\"; boundary=e\n\n"
                "--e\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n"
                "--e\nContent-Type: application/octet-stream\n\n"
                "-----BEGIN PGP MESSAGE-----\n--e--\n", "a@b");
    assert_int_equal(cap->classification, CAPTURE_EMPTY);
    capture_free(cap);

    /* An embedded message is a file, not text. */
    cap = parse(HDR "Content-Type: multipart/mixed; boundary=b\n\n"
                "--b\nContent-Type: text/plain\n\nForwarding this.\n"
                "--b\nContent-Type: message/rfc822\n\n"
                "From: x@example.org\nSubject: inner\n\ninner text\n--b--\n",
                "a@b");
    assert_string_equal(cap->text, "Forwarding this.");
    assert_int_equal(cap->attachment_count, 1);
    assert_string_equal(cap->attachments[0].name, "attachment.eml");
    assert_string_equal(cap->attachments[0].type, "message/rfc822");
    assert_true(cap->attachments[0].size > 20);
    capture_free(cap);

    /* format=flowed, with DelSp. */
    cap = parse(HDR "Content-Type: text/plain; format=flowed; delsp=yes\n\n"
                "one two \nthree\n> quo \n> ted\n", "a@b");
    assert_string_equal(cap->text, "one twothree");
    capture_free(cap);
}

static void test_charsets(void **state)
{
    struct capture *cap;

    cap = parse(HDR "Content-Type: text/plain; charset=koi8-r\n\n"
                "\xf0\xd2\xc9\xd7\xc5\xd4\n", "a@b");
    assert_string_equal(cap->text, "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5"
                        "\xd1\x82");
    capture_free(cap);

    /* Unknown charset, not UTF-8: read as Windows-1252. */
    cap = parse(HDR "Content-Type: text/plain; charset=x-martian\n\n"
                "caf\xe9 \x80\n", "a@b");
    assert_string_equal(cap->text, "caf\xc3\xa9 \xe2\x82\xac");
    capture_free(cap);

    /* No charset, but UTF-8 bytes. */
    cap = parse(HDR "\ncaf\xc3\xa9\n", "a@b");
    assert_string_equal(cap->text, "caf\xc3\xa9");
    capture_free(cap);

    /* Declared UTF-8, broken: U+FFFD; NUL and controls dropped. */
    cap = parse(HDR "Content-Type: text/plain; charset=utf-8\n\n"
                "a\xff" "b\x01" "c\td\n", "a@b");
    assert_string_equal(cap->text, "a\xef\xbf\xbd" "bc\td");
    capture_free(cap);

    /* An undecodable byte in a multi-byte charset. */
    cap = parse(HDR "Content-Type: text/plain; charset=shift_jis\n\n"
                "\x82\xa0\xff\x82\xa2\n", "a@b");
    assert_string_equal(cap->text, "\xe3\x81\x82\xef\xbf\xbd\xe3\x81\x84");
    capture_free(cap);
}

static void test_nul_bytes(void **state)
{
    static const char raw[] = HDR "Subject: a\0b\n\nx\0y\n";
    struct capture *cap = NULL;
    struct buf *why = buf_create(16);
    json_t *json;

    assert_int_equal(capture_parse(raw, sizeof(raw) - 1, "a@b", &opts_plain,
                                   &cap, why), 0);
    assert_null(memchr(cap->text, '\0', strlen(cap->text) + 1 - 1));
    json = capture_to_json(cap, 1);
    assert_non_null(json);
    json_decref(json);
    capture_free(cap);
    buf_free(why);
}

static void test_json(void **state)
{
    struct capture *cap = parse(
        HDR "Subject: s\nMessage-ID: <m@x>\n"
        "Content-Type: multipart/mixed; boundary=b\n\n"
        "--b\nContent-Type: text/plain\n\nHi\n"
        "--b\nContent-Type: image/png; name=a.png\nContent-ID: <c@x>\n"
        "Content-Transfer-Encoding: base64\n\naGVsbG8=\n"
        "--b\nContent-Type: image/png; name=b.png\n"
        "Content-Disposition: attachment\n\n"
        "0123456789012345678901234567890123456789012345678901234567890123"
        "0123456789012345678901234567890123456789012345678901234567890123"
        "0123456789012345678901234567890123456789012345678901234567890123"
        "0123456789012345678901234567890123456789012345678901234567890123"
        "0123456789012345678901234567890123456789012345678901234567890123"
        "0123456789012345678901234567890123456789012345678901234567890123"
        "0123456789012345678901234567890123456789012345678901234567890123"
        "0123456789012345678901234567890123456789012345678901234567890123"
        "0123456789012345678901234567890123456789012345678901234567890123"
        "0123456789012345678901234567890123456789012345678901234567890123"
        "0123456789012345678901234567890123456789012345678901234567890123"
        "0123456789012345678901234567890123456789012345678901234567890123"
        "0123456789012345678901234567890123456789012345678901234567890123"
        "0123456789012345678901234567890123456789012345678901234567890123"
        "0123456789012345678901234567890123456789012345678901234567890123"
        "0123456789012345678901234567890123456789012345678901234567890123\n"
        "--b--\n", "a@b");
    json_t *with = capture_to_json(cap, 1), *without = capture_to_json(cap, 0);
    char *text = json_dumps(without, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_t *a0, *a1;

    assert_string_equal(text,
        "{\"classification\":\"reply\",\"auto_reply_reason\":null,"
        "\"from\":{\"address\":\"jan@example.org\",\"name\":\"Jan\"},"
        "\"subject\":\"s\",\"message_id\":\"m@x\",\"in_reply_to\":null,"
        "\"references\":null,\"authentication_results\":[],\"dkim\":null,"
        "\"spf\":null,\"dmarc\":null,\"sender_authentication\":"
        "{\"method\":null,\"detail\":\"no Authentication-Results header of "
        "a trusted authserv-id\"},\"text\":\"Hi\",\"inline\":false,"
        "\"forward_dropped\":false,\"attachments\":["
        "{\"name\":\"a.png\",\"type\":\"image/png\",\"size\":5,"
        "\"inline\":true,\"kept\":true,\"content_id\":\"c@x\"},"
        "{\"name\":\"b.png\",\"type\":\"image/png\",\"size\":1024,"
        "\"inline\":false,\"kept\":false}],\"structure_error\":null}");
    free(text);
    a0 = json_array_get(json_object_get(with, "attachments"), 0);
    a1 = json_array_get(json_object_get(with, "attachments"), 1);
    assert_string_equal(json_string_value(json_object_get(a0, "data")),
                        "aGVsbG8=");
    assert_null(json_object_get(a1, "data"));     /* not kept: no data */
    assert_null(json_object_get(with, "bounce"));
    json_decref(with);
    json_decref(without);
    capture_free(cap);

    /* A bounce has its "bounce" object, with nulls for what is unknown. */
    cap = parse(HDR "\nx\n", "");
    with = capture_to_json(cap, 0);
    text = json_dumps(json_object_get(with, "bounce"), JSON_COMPACT);
    assert_string_equal(text, "{\"recipient\":null,\"status\":null,"
                        "\"diagnostic\":null}");
    free(text);
    json_decref(with);
    capture_free(cap);
}

/* The structure_error of raw, parsed as a reply; "" when it has none. */
static void expect_structure(const char *raw, enum capture_class cls,
                             const char *text, const char *want)
{
    struct capture *cap = parse(raw, "a@b");
    json_t *json = capture_to_json(cap, 0);
    json_t *err = json_object_get(json, "structure_error");

    if (*want == '\0') {
        if (cap->structure_error != NULL)
            fail_msg("structure_error \"%s\", want none:\n%s",
                     cap->structure_error, raw);
        assert_true(json_is_null(err));
    } else {
        if (cap->structure_error == NULL
            || strcmp(cap->structure_error, want) != 0)
            fail_msg("structure_error \"%s\", want \"%s\":\n%s",
                     cap->structure_error ? cap->structure_error : "(none)",
                     want, raw);
        assert_string_equal(json_string_value(err), want);
    }
    if (cap->classification != cls)
        fail_msg("classified %s, want %s:\n%s",
                 capture_class_name(cap->classification),
                 capture_class_name(cls), raw);
    assert_string_equal(cap->text, text);
    json_decref(json);
    capture_free(cap);
}

/*
 * Structure that cannot be read is recorded (the bridge holds such a
 * reply instead of dropping it as empty); what people send is not.
 */
static void test_structure_errors(void **state)
{
    struct buf *raw = buf_create(8192);
    int i;

    /* A multipart without a boundary parameter. */
    expect_structure(HDR "Content-Type: multipart/mixed\n\n"
                     "--x\nContent-Type: text/plain\n\nhello\n--x--\n",
                     CAPTURE_EMPTY, "", "multipart without a boundary");
    /* An empty one: GMime reads "--" lines, the error is recorded. */
    expect_structure(HDR "Content-Type: multipart/alternative; "
                     "boundary=\"\"\n\n"
                     "--\nContent-Type: text/plain\n\nhello\n----\n",
                     CAPTURE_REPLY, "hello", "multipart without a boundary");

    /* A boundary that never appears. */
    expect_structure(HDR "Content-Type: multipart/mixed; boundary=zzz\n\n"
                     "--x\nContent-Type: text/plain\n\nhello\n--x--\n",
                     CAPTURE_EMPTY, "",
                     "multipart whose boundary never appears");
    /* ... in a multipart/signed too (no part to take). */
    expect_structure(HDR "Content-Type: multipart/signed; boundary=s\n\n"
                     "hello\n", CAPTURE_EMPTY, "",
                     "multipart whose boundary never appears");

    /* Base64 garbage in the text part: no text from it. */
    expect_structure(HDR "Content-Type: text/plain\n"
                     "Content-Transfer-Encoding: base64\n\n"
                     "!!!! this is not base64 at all !!!!\n",
                     CAPTURE_EMPTY, "", "base64 body part cannot be decoded");
    expect_structure(HDR "Content-Type: multipart/alternative; boundary=b\n\n"
                     "--b\nContent-Type: text/plain; charset=utf-8\n"
                     "Content-Transfer-Encoding: base64\n\n@@@@ ####\n"
                     "--b\nContent-Type: text/html; charset=utf-8\n"
                     "Content-Transfer-Encoding: base64\n\n%%%%\n--b--\n",
                     CAPTURE_EMPTY, "", "base64 body part cannot be decoded");
    /* ... next to readable text: the text is kept, the error recorded. */
    expect_structure(HDR "Content-Type: multipart/mixed; boundary=b\n\n"
                     "--b\nContent-Type: text/plain\n\nreadable\n"
                     "--b\nContent-Type: text/plain\n"
                     "Content-Transfer-Encoding: base64\n\n*garbage*\n"
                     "--b--\n", CAPTURE_REPLY, "readable",
                     "base64 body part cannot be decoded");

    /* A charset nobody knows, bytes that are not UTF-8. */
    expect_structure(HDR "Content-Type: text/plain; charset=x-martian\n\n"
                     "caf\xe9\n", CAPTURE_REPLY, "caf\xc3\xa9",
                     "text part in an unknown charset");

    /* Nesting past the walk's depth bound (within the parser's bounds). */
    buf_append_str(raw, HDR);
    for (i = 0; i < 40; i++)
        buf_printf(raw, "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n"
                   "--b%d\n", i, i);
    buf_append_str(raw, "Content-Type: text/plain\n\ndeep\n");
    expect_structure(raw->data, CAPTURE_EMPTY, "",
                     "MIME nesting deeper than 32");

    /* More parts than the walk visits. */
    buf_reset(raw);
    buf_append_str(raw, HDR "Content-Type: multipart/mixed; boundary=b\n\n");
    for (i = 0; i < 1100; i++)
        buf_append_str(raw, "--b\nContent-Type: text/plain\n\n\n");
    buf_append_str(raw, "--b\nContent-Type: text/plain\n\nlast\n--b--\n");
    expect_structure(raw->data, CAPTURE_EMPTY, "",
                     "more than 1024 MIME parts");

    /* Cut before GMime: a million header fields. */
    buf_reset(raw);
    buf_append_str(raw, HDR);
    for (i = 0; i < 30000; i++)
        buf_append_str(raw, "X:\n");
    buf_append_str(raw, "\nbody\n");
    expect_structure(raw->data, CAPTURE_EMPTY, "",
                     "message cut at the MIME structure bounds");
    buf_free(raw);

    /* Not structure errors: what people send. */
    expect_structure(HDR "\nplain\n", CAPTURE_REPLY, "plain", "");
    expect_structure(HDR "Content-Type: text/plain\n"
                     "Content-Transfer-Encoding: base64\n\n"
                     "aGVsbG8g\r\nd29ybGQ=\r\n", CAPTURE_REPLY,
                     "hello world", "");
    /* A file that is over the size limit, or broken, is still a file. */
    {
        const struct capture_options small = {4, NULL, 0, NULL};
        struct capture *cap = parse_with(
            HDR "Content-Type: multipart/mixed; boundary=b\n\n"
            "--b\nContent-Type: text/plain\n\nsee the photo\n"
            "--b\nContent-Type: image/jpeg; name=a.jpg\n"
            "Content-Transfer-Encoding: base64\n\naGVsbG8=\n"
            "--b\nContent-Type: application/pdf; name=b.pdf\n"
            "Content-Transfer-Encoding: base64\n\n!!not base64!!\n--b--\n",
            "a@b", &small);

        assert_int_equal(cap->classification, CAPTURE_REPLY);
        assert_int_equal(cap->attachment_count, 2);
        assert_false(cap->attachments[0].kept);
        assert_null(cap->structure_error);
        capture_free(cap);
    }
    /* Broken bytes in a known charset (U+FFFD); 8-bit text labelled
     * US-ASCII (a known label, read as Windows-1252). */
    expect_structure(HDR "Content-Type: text/plain; charset=utf-8\n\n"
                     "a\xff" "b\n", CAPTURE_REPLY, "a\xef\xbf\xbd" "b", "");
    expect_structure(HDR "Content-Type: text/plain; charset=us-ascii\n\n"
                     "caf\xe9\n", CAPTURE_REPLY, "caf\xc3\xa9", "");
    /* A multipart without its closing delimiter (cut short). */
    expect_structure(HDR "Content-Type: multipart/mixed; boundary=b\n\n"
                     "--b\nContent-Type: text/plain\n\nno end\n",
                     CAPTURE_REPLY, "no end", "");
}

/*
 * Hostile structure: each must parse, with bounded memory.  Time is not
 * asserted here (tests never do); a hang would meet CTest's TIMEOUT.
 */
static void hostile_parse(struct buf *raw)
{
    struct capture *cap = NULL;
    struct buf *why = buf_create(16);

    assert_int_equal(capture_parse(raw->data, raw->len, "a@b", &opts_plain,
                                   &cap, why), 0);
    capture_free(cap);
    buf_free(why);
}

static void test_hostile_structure(void **state)
{
    struct buf *raw = buf_create(1 << 20);
    int i;

    /* Nested multiparts, far deeper than the walk goes. */
    buf_append_str(raw, HDR);
    for (i = 0; i < 5000; i++)
        buf_printf(raw, "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n"
                   "--b%d\n", i, i);
    buf_append_str(raw, "Content-Type: text/plain\n\ndeep\n");
    hostile_parse(raw);

    /* Nested messages. */
    buf_reset(raw);
    buf_append_str(raw, HDR);
    for (i = 0; i < 100000; i++)
        buf_append_str(raw, "Content-Type: message/rfc822\n\n");
    hostile_parse(raw);

    /* A million header fields. */
    buf_reset(raw);
    buf_append_str(raw, HDR);
    for (i = 0; i < 1000000; i++)
        buf_append_str(raw, "X:\n");
    buf_append_str(raw, "\nbody\n");
    hostile_parse(raw);

    /* A million empty parts. */
    buf_reset(raw);
    buf_append_str(raw, HDR "Content-Type: multipart/mixed; boundary=b\n\n");
    for (i = 0; i < 1000000; i++)
        buf_append_str(raw, "--b\n\n");
    hostile_parse(raw);

    /* Boundary-like lines under deep nesting. */
    buf_reset(raw);
    buf_append_str(raw, HDR);
    for (i = 0; i < 1000; i++)
        buf_printf(raw, "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n"
                   "--b%d\n", i, i);
    buf_append_str(raw, "Content-Type: text/plain\n\n");
    for (i = 0; i < 1000000; i++)
        buf_append_str(raw, "--x\n");
    hostile_parse(raw);

    /* One 8 MB line. */
    buf_reset(raw);
    buf_append_str(raw, HDR "Subject: ");
    for (i = 0; i < 8 * 1024 * 1024; i++)
        buf_append_char(raw, 'a');
    buf_append_str(raw, "\n\nbody\n");
    hostile_parse(raw);
    buf_free(raw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_not_a_message),
        cmocka_unit_test(test_minimal),
        cmocka_unit_test(test_class_names),
        cmocka_unit_test(test_auto_reply_headers),
        cmocka_unit_test(test_auto_reply_subjects),
        cmocka_unit_test(test_bounce_rules),
        cmocka_unit_test(test_dsn),
        cmocka_unit_test(test_authres),
        cmocka_unit_test(test_many_authres),
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_attachments),
        cmocka_unit_test(test_attachment_limit),
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_charsets),
        cmocka_unit_test(test_nul_bytes),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_structure_errors),
        cmocka_unit_test(test_hostile_structure),
    };

    capture_init();
    capture_init();                     /* twice is fine */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
