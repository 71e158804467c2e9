/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_email_compose - the email a building contact receives: checked by
 * parsing it back with GMime, as a mail client would, and by its bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <gmime/gmime.h>

#include "buf.h"
#include "capture.h"
#include "email_compose.h"

#define CONV "CH0123456789abcdef0123456789abcdef"
#define MSG  "IM00000000000000000000000000000001"

static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a,
                                    '\n', 0x00, 0xff, 0x10};

static struct email_item sample_item = {
    MSG, NULL, NULL, 1764000000, "Hi Bob,\nis 4B still free? ½ price?\n", NULL
};

static struct email_in sample(void)
{
    struct email_in in;

    memset(&in, 0, sizeof(in));
    in.conversation_sid = CONV;
    in.items = &sample_item;
    in.nitems = 1;
    in.domain = "reply.example.com";
    in.from_name = "Zoë Seeker";
    in.from_address = "zoe@example.org";
    in.to_name = "Bob Builder";
    in.to_address = "bob@example.net";
    in.subject = "Re: Unit 4B – sunny";
    in.date = 1764000000;
    return in;
}

static GMimeMessage *parse(const struct buf *b)
{
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer(b->data, b->len);
    GMimeParser *parser = g_mime_parser_new_with_stream(stream);
    GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);

    g_object_unref(parser);
    g_object_unref(stream);
    assert_non_null(msg);
    return msg;
}

/* The body was written with CRLF line ends; the input had LF. */
static void strip_cr(char *s)
{
    char *d = s;

    for (; *s; s++)
        if (*s != '\r')
            *d++ = *s;
    *d = '\0';
}

static void check_crlf_and_ascii_headers(const struct buf *b)
{
    const char *end = strstr(b->data, "\r\n\r\n");
    size_t i;

    assert_non_null(end);
    for (i = 0; i < b->len; i++)
        if (b->data[i] == '\n')
            assert_true(i > 0 && b->data[i - 1] == '\r');
    for (i = 0; b->data + i < end; i++)
        assert_true((unsigned char) b->data[i] < 0x80);
}

static void test_plain(void **state)
{
    struct email_in in = sample();
    struct buf *out = buf_create(1024), *why = buf_create(64);
    InternetAddressList *list;
    InternetAddress *addr;
    GMimeMessage *msg;
    GMimeObject *body;
    char *text;

    assert_int_equal(email_compose(&in, out, why), 0);
    check_crlf_and_ascii_headers(out);
    msg = parse(out);
    assert_string_equal(g_mime_message_get_message_id(msg),
                        MSG "@reply.example.com");
    assert_string_equal(g_mime_object_get_header(GMIME_OBJECT(msg),
                                                 "In-Reply-To"),
                        "<" CONV "@reply.example.com>");
    assert_string_equal(g_mime_object_get_header(GMIME_OBJECT(msg),
                                                 "References"),
                        "<" CONV "@reply.example.com>");
    assert_string_equal(g_mime_object_get_header(GMIME_OBJECT(msg),
                                                 "X-Postmask-Conversation"),
                        CONV);
    assert_string_equal(g_mime_message_get_subject(msg), in.subject);
    list = g_mime_message_get_from(msg);
    assert_int_equal(internet_address_list_length(list), 1);
    addr = internet_address_list_get_address(list, 0);
    assert_string_equal(internet_address_get_name(addr), "Zoë Seeker");
    assert_string_equal(internet_address_mailbox_get_addr(
                            INTERNET_ADDRESS_MAILBOX(addr)), "zoe@example.org");
    addr = internet_address_list_get_address(g_mime_message_get_to(msg), 0);
    assert_string_equal(internet_address_mailbox_get_addr(
                            INTERNET_ADDRESS_MAILBOX(addr)), "bob@example.net");
    assert_int_equal(g_date_time_to_unix(g_mime_message_get_date(msg)),
                     1764000000);
    body = g_mime_message_get_mime_part(msg);
    assert_true(GMIME_IS_TEXT_PART(body));
    text = g_mime_text_part_get_text(GMIME_TEXT_PART(body));
    strip_cr(text);
    assert_string_equal(text, in.items[0].body);
    g_free(text);
    g_object_unref(msg);
    buf_free(out);
    buf_free(why);
}

static void test_same_input_same_bytes(void **state)
{
    struct email_in in = sample();
    struct buf *a = buf_create(1024), *b = buf_create(1024);
    struct buf *why = buf_create(64);

    assert_int_equal(email_compose(&in, a, why), 0);
    assert_int_equal(email_compose(&in, b, why), 0);
    /* A retried job makes the very same email (the MIME boundary aside,
     * there is none here). */
    assert_int_equal(a->len, b->len);
    assert_memory_equal(a->data, b->data, a->len);
    buf_free(a);
    buf_free(b);
    buf_free(why);
}

static void test_attachments(void **state)
{
    struct email_attachment att[] = {
        {"floor plan.png", "image/png", png, sizeof(png)},
        {"lease.pdf", "application/pdf", (const unsigned char *) "%PDF-1.4", 8},
    };
    struct email_in in = sample();
    struct buf *out = buf_create(4096), *why = buf_create(64);
    GMimeMessage *msg;
    GMimeMultipart *mixed;
    GMimePart *part;
    GMimeStream *mem;
    GByteArray *bytes;

    in.attachments = att;
    in.nattachments = 2;
    assert_int_equal(email_compose(&in, out, why), 0);
    check_crlf_and_ascii_headers(out);
    msg = parse(out);
    assert_true(GMIME_IS_MULTIPART(g_mime_message_get_mime_part(msg)));
    mixed = GMIME_MULTIPART(g_mime_message_get_mime_part(msg));
    assert_int_equal(g_mime_multipart_get_count(mixed), 3);
    assert_true(GMIME_IS_TEXT_PART(g_mime_multipart_get_part(mixed, 0)));
    part = GMIME_PART(g_mime_multipart_get_part(mixed, 1));
    assert_string_equal(g_mime_part_get_filename(part), "floor plan.png");
    assert_int_equal(g_mime_part_get_content_encoding(part),
                     GMIME_CONTENT_ENCODING_BASE64);
    mem = g_mime_stream_mem_new();
    g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(part), mem);
    bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
    assert_int_equal(bytes->len, sizeof(png));
    assert_memory_equal(bytes->data, png, sizeof(png));
    g_object_unref(mem);
    part = GMIME_PART(g_mime_multipart_get_part(mixed, 2));
    assert_string_equal(g_mime_part_get_filename(part), "lease.pdf");
    g_object_unref(msg);
    buf_free(out);
    buf_free(why);
}

/* A file name cannot smuggle headers into the attachment's part. */
static void test_hostile_filename(void **state)
{
    struct email_attachment att[] = {
        {"x\r\nBcc: evil@example.com\r\n\r\nfake body", "image/png", png,
         sizeof(png)},
    };
    struct email_in in = sample();
    struct buf *out = buf_create(4096), *why = buf_create(64);

    in.attachments = att;
    in.nattachments = 1;
    assert_int_equal(email_compose(&in, out, why), 0);
    check_crlf_and_ascii_headers(out);
    assert_null(strstr(out->data, "\r\nBcc:"));
    assert_null(strstr(out->data, "\nBcc:"));
    buf_free(out);
    buf_free(why);
}

static void test_refusals(void **state)
{
    static const struct {
        const char *field, *value, *want;
    } cases[] = {
        {"conv", "CH123", "is not a conversation SID"},
        {"msg", "SM00000000000000000000000000000001", "is not a message SID"},
        {"from", "zoe@example.org>\r\nBcc: x@y", "bad From address"},
        {"to", "bob", "bad To address"},
        {"domain", "reply example.com", "bad Message-ID domain"},
        {"body", "\xff\xfe", "not UTF-8"},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct email_in in = sample();
        struct email_item item = sample_item;
        struct buf *out = buf_create(64), *why = buf_create(64);

        in.items = &item;

        if (strcmp(cases[i].field, "conv") == 0)
            in.conversation_sid = cases[i].value;
        else if (strcmp(cases[i].field, "msg") == 0)
            item.message_sid = cases[i].value;
        else if (strcmp(cases[i].field, "from") == 0)
            in.from_address = cases[i].value;
        else if (strcmp(cases[i].field, "to") == 0)
            in.to_address = cases[i].value;
        else if (strcmp(cases[i].field, "domain") == 0)
            in.domain = cases[i].value;
        else
            item.body = cases[i].value;
        assert_int_equal(email_compose(&in, out, why), -1);
        assert_non_null(strstr(why->data, cases[i].want));
        assert_int_equal(out->len, 0);
        buf_free(out);
        buf_free(why);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_same_input_same_bytes),
        cmocka_unit_test(test_attachments),
        cmocka_unit_test(test_hostile_filename),
        cmocka_unit_test(test_refusals),
    };

    capture_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
