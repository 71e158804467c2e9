/* SPDX-License-Identifier: Apache-2.0 */
/*
 * test_email_compose - the email a building contact receives: checked by
 * parsing it back with GMime, as a mail client would, and by its bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <gmime/gmime.h>

#include "buf.h"
#include "capture.h"
#include "email_compose.h"

#define CONV "CH0123456789abcdef0123456789abcdef"
#define MSG  "IM00000000000000000000000000000001"
#define MSG2 "IM00000000000000000000000000000002"
#define MSG3 "IM00000000000000000000000000000003"
#define T0   1796306520         /* Thu 3 Dec 2026 14:02 UTC */

#define HOSTILE "<script>alert(1)</script> &amp; & \"q\" 'a' " \
    "\"><img src=x onerror=alert(2)>"
#define HOSTILE_HTML "&lt;script&gt;alert(1)&lt;/script&gt; &amp;amp; " \
    "&amp; &quot;q&quot; &#39;a&#39; &quot;&gt;&lt;img src=x " \
    "onerror=alert(2)&gt;"

static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a,
                                    '\n', 0x00, 0xff, 0x10};

static struct email_item sample_item = {
    MSG, NULL, NULL, 1764000000, "Hi Bob,\nis 4B still free? ½ price?\n", NULL
};

static const struct email_item batch[] = {
    {MSG, "Zoë Seeker", "by SMS", T0, "Hi", NULL},
    {MSG2, "Zoë Seeker", "on WhatsApp", T0 + 60, "is 4B still free?\n"
     "I can come Monday", NULL},
    {MSG3, NULL, "in chat", T0 + 125, "", "A photo was left out: too large"},
};

static const struct email_item earlier[] = {
    {"IM0000000000000000000000000000000a", "Bob Builder", "by email",
     T0 - 102720, "Hello Zoë,\n\nit is.", NULL},
    {"IM0000000000000000000000000000000b", "Zoë Seeker", NULL,
     T0 - 99120, "Great", NULL},
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

/* The sample with a batch of three, two earlier messages, a title and a
 * marker. */
static struct email_in sample_batch(void)
{
    struct email_in in = sample();

    in.items = batch;
    in.nitems = 3;
    in.context = earlier;
    in.ncontext = 2;
    in.listing_title = "Unit 4B";
    in.marker = "Reply above this line to answer Zoë by SMS.";
    in.date = T0 + 125;
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

/* The multipart/alternative of a message: its text/plain (0) and
 * text/html (1) parts, checked for their types and encodings. */
static GMimeMultipart *alternative_of(GMimeObject *obj)
{
    GMimeMultipart *alt;
    GMimeObject *part;

    assert_true(GMIME_IS_MULTIPART(obj));
    assert_true(g_mime_content_type_is_type(g_mime_object_get_content_type(obj),
                                            "multipart", "alternative"));
    alt = GMIME_MULTIPART(obj);
    assert_int_equal(g_mime_multipart_get_count(alt), 2);
    part = g_mime_multipart_get_part(alt, 0);
    assert_true(GMIME_IS_TEXT_PART(part));
    assert_true(g_mime_content_type_is_type(g_mime_object_get_content_type(part),
                                            "text", "plain"));
    assert_int_equal(g_mime_part_get_content_encoding(GMIME_PART(part)),
                     GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
    part = g_mime_multipart_get_part(alt, 1);
    assert_true(GMIME_IS_TEXT_PART(part));
    assert_true(g_mime_content_type_is_type(g_mime_object_get_content_type(part),
                                            "text", "html"));
    assert_int_equal(g_mime_part_get_content_encoding(GMIME_PART(part)),
                     GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
    assert_string_equal(g_mime_text_part_get_charset(GMIME_TEXT_PART(part)),
                        "utf-8");
    return alt;
}

/* Part n (0 plain, 1 html) of an email without attachments, decoded to
 * UTF-8 with LF line ends; g_free() it. */
static char *part_text(const struct buf *mail, int n)
{
    GMimeMessage *msg = parse(mail);
    GMimeMultipart *alt = alternative_of(g_mime_message_get_mime_part(msg));
    char *text;

    text = g_mime_text_part_get_text(
        GMIME_TEXT_PART(g_mime_multipart_get_part(alt, n)));
    strip_cr(text);
    g_object_unref(msg);
    return text;
}

static char *compose_part(const struct email_in *in, int n)
{
    struct buf *out = buf_create(4096), *why = buf_create(64);
    char *text;

    assert_int_equal(email_compose(in, out, why), 0);
    check_crlf_and_ascii_headers(out);
    text = part_text(out, n);
    buf_free(out);
    buf_free(why);
    return text;
}

static const char *const tags[] = {
    "!DOCTYPE", "html", "head", "meta", "title", "body", "table", "tr", "td",
    "p", "h1", "h2", "h3", "div", "bdi", "br", "blockquote", NULL,
};
static const char *const attrs[] = {
    "lang", "charset", "name", "content", "role", "style", "dir", NULL,
};

static int listed(const char *const *list, const char *s, size_t len)
{
    for (; *list; list++)
        if (strlen(*list) == len && strncmp(*list, s, len) == 0)
            return 1;
    return 0;
}

/* Every tag and attribute of html is one email_render.c writes, every
 * attribute value quoted, and the text between tags holds no raw < > " '
 * and no & that does not start one of the entities it writes. */
static void check_markup(const char *html)
{
    const char *p = html, *name;

    while (*p) {
        if (*p == '<') {
            p++;
            if (*p == '/')
                p++;
            for (name = p; (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')
                 || *p == '!' || (*p >= 'A' && *p <= 'Z'); p++)
                ;
            if (!listed(tags, name, (size_t) (p - name)))
                fail_msg("tag not ours at: %.40s", name);
            if (strncmp(name, "!DOCTYPE html>", 14) == 0) {
                p = name + 13;
            }
            while (*p == ' ') {
                p++;
                for (name = p; (*p >= 'a' && *p <= 'z') || *p == '-'; p++)
                    ;
                if (!listed(attrs, name, (size_t) (p - name)))
                    fail_msg("attribute not ours at: %.40s", name);
                assert_true(p[0] == '=' && p[1] == '"');
                p = strchr(p + 2, '"');
                assert_non_null(p);
                p++;
            }
            if (*p != '>')
                fail_msg("tag not closed at: %.40s", p);
        } else if (strchr("<>\"'", *p) != NULL) {
            fail_msg("raw %c in text at: %.40s", *p, p);
        } else if (*p == '&') {
            if (strncmp(p, "&amp;", 5) != 0 && strncmp(p, "&lt;", 4) != 0
                && strncmp(p, "&gt;", 4) != 0 && strncmp(p, "&quot;", 6) != 0
                && strncmp(p, "&#39;", 5) != 0)
                fail_msg("raw & in text at: %.40s", p);
        }
        p++;
    }
}

/* What no HTML part of ours holds, whatever its input. */
static void check_no_remote(const char *html)
{
    static const char *const bad[] = {
        "http", "src=", "href=", "<script", "<style", "<img", "<link",
        "url(", "@import", NULL,
    };
    const char *const *b;

    for (b = bad; *b; b++)
        if (strcasestr(html, *b) != NULL)
            fail_msg("the HTML part holds %s", *b);
}

static void test_plain(void **state)
{
    struct email_in in = sample();
    struct buf *out = buf_create(1024), *why = buf_create(64);
    InternetAddressList *list;
    InternetAddress *addr;
    GMimeMessage *msg;
    GMimeMultipart *alt;
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
    alt = alternative_of(g_mime_message_get_mime_part(msg));
    /* No author, no channel, no marker, no title: the time alone heads
     * the message; the body's last line break is not kept. */
    text = g_mime_text_part_get_text(
        GMIME_TEXT_PART(g_mime_multipart_get_part(alt, 0)));
    strip_cr(text);
    assert_string_equal(text, "Mon 24 Nov 16:00:\n"
                        "Hi Bob,\nis 4B still free? ½ price?\n");
    g_free(text);
    text = g_mime_text_part_get_text(
        GMIME_TEXT_PART(g_mime_multipart_get_part(alt, 1)));
    strip_cr(text);
    assert_true(strncmp(text, "<!DOCTYPE html>\n<html lang=\"en\">\n", 33) == 0);
    assert_non_null(strstr(text, "<meta charset=\"utf-8\">"));
    assert_non_null(strstr(text, "<meta name=\"viewport\""));
    assert_non_null(strstr(text, "<meta name=\"color-scheme\" "
                           "content=\"light dark\">"));
    assert_non_null(strstr(text, "<meta name=\"supported-color-schemes\" "
                           "content=\"light dark\">"));
    assert_non_null(strstr(text, "<title>Re: Unit 4B – sunny</title>"));
    assert_non_null(strstr(text, "role=\"presentation\""));
    assert_non_null(strstr(text, ">Mon 24 Nov 16:00</h2>\n"));
    assert_non_null(strstr(text, "<p dir=\"auto\" style=\"margin:0;"));
    assert_non_null(strstr(text, "\">Hi Bob,<br>\n"
                           "is 4B still free? ½ price?</p>\n"));
    assert_null(strstr(text, "Earlier in this conversation"));
    assert_null(strstr(text, "<blockquote"));
    assert_null(strstr(text, "background"));
    assert_true(strlen(text) > 16
                && strcmp(text + strlen(text) - 16, "</body>\n</html>\n") == 0);
    check_markup(text);
    check_no_remote(text);
    g_free(text);
    g_object_unref(msg);
    buf_free(out);
    buf_free(why);
}

/* A batch of three with context: the plain text as a whole. */
static void test_batch_text(void **state)
{
    struct email_in in = sample_batch();
    char *text = compose_part(&in, 0);

    assert_string_equal(text,
        "Reply above this line to answer Zoë by SMS.\n"
        "\n"
        "Unit 4B\n"
        "\n"
        "Zoë Seeker, Thu 3 Dec 14:02 by SMS:\n"
        "Hi\n"
        "\n"
        "Zoë Seeker, Thu 3 Dec 14:03 on WhatsApp:\n"
        "is 4B still free?\n"
        "I can come Monday\n"
        "\n"
        "Thu 3 Dec 14:04 in chat:\n"
        "[A photo was left out: too large]\n"
        "\n"
        "Earlier in this conversation:\n"
        "\n"
        "> Bob Builder, Wed 2 Dec 09:30 by email:\n"
        "> Hello Zoë,\n"
        ">\n"
        "> it is.\n"
        "\n"
        "> Zoë Seeker, Wed 2 Dec 10:30:\n"
        "> Great\n");
    g_free(text);
}

/* The same in HTML: marker first, the batch in order, the context in a
 * blockquote under its heading. */
static void test_batch_html(void **state)
{
    struct email_in in = sample_batch();
    char *html = compose_part(&in, 1);
    const char *body, *marker, *title, *m1, *m2, *m3, *earlier_h, *quote,
        *c1, *c2, *end;

    body = strstr(html, "<body");
    assert_non_null(body);
    marker = strstr(html, "Reply above this line to answer Zoë by SMS.</p>");
    title = strstr(html, ">Unit 4B</h1>");
    m1 = strstr(html, "<h2 style=\"margin:0 0 4px 0;font-size:14px;"
                "line-height:20px;font-weight:bold;\">"
                "<bdi>Zoë Seeker</bdi>, Thu 3 Dec 14:02 by SMS</h2>\n"
                "<p dir=\"auto\"");
    m2 = strstr(html, "<bdi>Zoë Seeker</bdi>, Thu 3 Dec 14:03 on WhatsApp</h2>");
    m3 = strstr(html, ">Thu 3 Dec 14:04 in chat</h2>\n<p style=");
    earlier_h = strstr(html, ">Earlier in this conversation</h2>\n<blockquote");
    quote = strstr(html, "<blockquote");
    c1 = strstr(html, "<h3 style=\"margin:0 0 4px 0;font-size:14px;"
                "line-height:20px;font-weight:bold;\">"
                "<bdi>Bob Builder</bdi>, Wed 2 Dec 09:30 by email</h3>");
    c2 = strstr(html, "<bdi>Zoë Seeker</bdi>, Wed 2 Dec 10:30</h3>");
    end = strstr(html, "</blockquote>");
    assert_non_null(marker);
    assert_non_null(title);
    assert_non_null(m1);
    assert_non_null(m2);
    assert_non_null(m3);
    assert_non_null(earlier_h);
    assert_non_null(c1);
    assert_non_null(c2);
    assert_non_null(end);
    assert_true(body < marker && marker < title && title < m1 && m1 < m2
                && m2 < m3 && m3 < earlier_h && earlier_h < quote
                && quote < c1 && c1 < c2 && c2 < end);
    assert_non_null(strstr(html, "color:#767676;\">Reply above"));
    assert_non_null(strstr(html, ">is 4B still free?<br>\n"
                           "I can come Monday</p>"));
    assert_non_null(strstr(html, "font-style:italic;\">A photo was left out: "
                           "too large</p>"));
    assert_non_null(strstr(html, ">Hello Zoë,<br>\n<br>\nit is.</p>"));
    /* The third message has no text: no empty paragraph for tidy. */
    assert_null(strstr(html, "\"></p>"));
    check_markup(html);
    check_no_remote(html);
    g_free(html);
}

/* The marker is the first line of the text and the first text of the
 * HTML body, before the title. */
static void test_marker_first(void **state)
{
    struct email_in in = sample_batch();
    char *text = compose_part(&in, 0), *html = compose_part(&in, 1);
    const char *p;

    assert_true(strncmp(text, "Reply above this line to answer Zoë by SMS.\n",
                        strlen("Reply above this line to answer Zoë by SMS.\n"))
                == 0);
    /* Skip the head and every tag after <body>: the first text is the
     * marker. */
    p = strstr(html, "<body");
    assert_non_null(p);
    while (*p == '<' || *p == '\n') {
        if (*p == '<')
            p = strchr(p, '>');
        p++;
    }
    assert_true(strncmp(p, "Reply above", 11) == 0);
    g_free(text);
    g_free(html);

    in.marker = NULL;
    text = compose_part(&in, 0);
    assert_true(strncmp(text, "Unit 4B\n\nZoë Seeker, Thu 3 Dec", 30) == 0);
    g_free(text);
}

static void test_same_input_same_bytes(void **state)
{
    struct email_attachment att[] = {
        {"floor plan.png", "image/png", png, sizeof(png)},
    };
    struct email_in in = sample_batch();
    struct buf *a = buf_create(1024), *b = buf_create(1024);
    struct buf *why = buf_create(64);

    in.attachments = att;
    in.nattachments = 1;
    assert_int_equal(email_compose(&in, a, why), 0);
    assert_int_equal(email_compose(&in, b, why), 0);
    /* A retried job makes the very same email: the MIME boundaries come
     * from the first message's SID, not from chance. */
    assert_int_equal(a->len, b->len);
    assert_memory_equal(a->data, b->data, a->len);
    assert_non_null(strstr(a->data, "boundary=\"=_postmask_mixed_" MSG "\""));
    assert_non_null(strstr(a->data,
                           "boundary=\"=_postmask_alternative_" MSG "\""));
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
    assert_true(g_mime_content_type_is_type(
                    g_mime_object_get_content_type(GMIME_OBJECT(mixed)),
                    "multipart", "mixed"));
    assert_int_equal(g_mime_multipart_get_count(mixed), 3);
    /* The alternative first, whole, then each attachment. */
    alternative_of(g_mime_multipart_get_part(mixed, 0));
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

/* A copy of the sample batch that a test may change: in points at its
 * own items and context. */
struct sample_copy {
    struct email_in in;
    struct email_item items[3];
    struct email_item context[2];
};

static void sample_copy(struct sample_copy *c)
{
    c->in = sample_batch();
    memcpy(c->items, batch, sizeof(c->items));
    memcpy(c->context, earlier, sizeof(c->context));
    c->in.items = c->items;
    c->in.context = c->context;
}

/* The field of c named name: "subject", "listing_title", "marker",
 * "from_name", "to_name", "from", "to", "domain", "conv", or "itemN.F" /
 * "ctxN.F" with F one of sid, author, channel, body, note. */
static const char **field(struct sample_copy *c, const char *name)
{
    static const struct {
        const char *name;
        size_t offset;
    } top[] = {
        {"subject", offsetof(struct email_in, subject)},
        {"listing_title", offsetof(struct email_in, listing_title)},
        {"marker", offsetof(struct email_in, marker)},
        {"from_name", offsetof(struct email_in, from_name)},
        {"to_name", offsetof(struct email_in, to_name)},
        {"from", offsetof(struct email_in, from_address)},
        {"to", offsetof(struct email_in, to_address)},
        {"domain", offsetof(struct email_in, domain)},
        {"conv", offsetof(struct email_in, conversation_sid)},
    }, item[] = {
        {"sid", offsetof(struct email_item, message_sid)},
        {"author", offsetof(struct email_item, author)},
        {"channel", offsetof(struct email_item, channel)},
        {"body", offsetof(struct email_item, body)},
        {"note", offsetof(struct email_item, note)},
    };
    struct email_item *it = NULL;
    size_t i;

    for (i = 0; i < sizeof(top) / sizeof(top[0]); i++)
        if (strcmp(name, top[i].name) == 0)
            return (const char **) ((char *) &c->in + top[i].offset);
    if (strncmp(name, "item", 4) == 0 && name[4] >= '0' && name[4] < '3')
        it = &c->items[name[4] - '0'];
    else if (strncmp(name, "ctx", 3) == 0 && name[3] >= '0' && name[3] < '2')
        it = &c->context[name[3] - '0'];
    name = strchr(name, '.');
    for (i = 0; it != NULL && name != NULL
         && i < sizeof(item) / sizeof(item[0]); i++)
        if (strcmp(name + 1, item[i].name) == 0)
            return (const char **) ((char *) it + item[i].offset);
    fail_msg("no field %s", name ? name : "");
    return NULL;
}

/* Every field a person or Twilio supplies, hostile, in turn: escaped in
 * the HTML (and kept as is in the text), and never markup of its own. */
static void test_escaping(void **state)
{
    static const char *const fields[] = {
        "subject", "listing_title", "marker", "item0.author",
        "item1.channel", "item1.body", "item2.note", "ctx0.author",
        "ctx1.body", "ctx1.channel", "ctx0.note", "item2.author", NULL,
    };
    size_t i;

    for (i = 0; fields[i] != NULL; i++) {
        struct sample_copy c;
        char *html, *text;

        sample_copy(&c);
        *field(&c, fields[i]) = HOSTILE;
        html = compose_part(&c.in, 1);
        text = compose_part(&c.in, 0);
        if (strstr(html, HOSTILE_HTML) == NULL)
            fail_msg("%s: not escaped in the HTML", fields[i]);
        check_markup(html);
        assert_null(strstr(html, "<script"));
        assert_null(strstr(html, "<img"));
        /* The subject is the HTML's <title>, not a line of the text. */
        if (strcmp(fields[i], "subject") != 0 && strstr(text, HOSTILE) == NULL)
            fail_msg("%s: not as given in the text", fields[i]);
        g_free(html);
        g_free(text);
    }
}

/* RTL text, emoji, and control characters: the first two as they are,
 * the controls made U+FFFD in both parts (CR LF and CR are line breaks),
 * bidi controls kept out of the one-line fields. */
static void test_rtl_emoji_controls(void **state)
{
    struct sample_copy c;
    char *html, *text;

    sample_copy(&c);
    c.items[0].body = "مرحبا، هل الشقة متاحة؟\r\nשלום 👋\rok";
    c.items[1].body = "a\x01z\x1b[31m\x7f \xc2\x85 \xef\xbf\xbe \ttab";
    c.items[1].author = "Eve\xe2\x80\xae evil\nname\t!";
    html = compose_part(&c.in, 1);
    text = compose_part(&c.in, 0);
    assert_non_null(strstr(html, "<p dir=\"auto\" style=\"margin:0;"
                           "overflow-wrap:break-word;word-wrap:break-word;\">"
                           "مرحبا، هل الشقة متاحة؟<br>\nשלום 👋<br>\nok</p>"));
    assert_non_null(strstr(text, "\nمرحبا، هل الشقة متاحة؟\nשלום 👋\nok\n"));
    assert_non_null(strstr(html, ">a\xef\xbf\xbdz\xef\xbf\xbd[31m\xef\xbf\xbd "
                           "\xef\xbf\xbd \xef\xbf\xbd \ttab</p>"));
    assert_non_null(strstr(text, "\na\xef\xbf\xbdz\xef\xbf\xbd[31m\xef\xbf\xbd "
                           "\xef\xbf\xbd \xef\xbf\xbd \ttab\n"));
    assert_non_null(strstr(html, "<bdi>Eve\xef\xbf\xbd evil name !</bdi>"));
    assert_non_null(strstr(text, "\nEve\xef\xbf\xbd evil name !, Thu 3 Dec"));
    assert_null(strchr(html, '\r'));
    assert_null(strchr(html, '\x1b'));
    assert_null(strchr(text, '\x1b'));
    check_markup(html);
    g_free(html);
    g_free(text);
}

static void test_refusals(void **state)
{
    static const struct {
        const char *field, *value, *want;
    } cases[] = {
        {"conv", "CH123", "is not a conversation SID"},
        {"item0.sid", "SM00000000000000000000000000000001",
         "is not a message SID"},
        {"from", "zoe@example.org>\r\nBcc: x@y", "bad From address"},
        {"to", "bob", "bad To address"},
        {"domain", "reply example.com", "bad Message-ID domain"},
        {"item0.body", "\xff\xfe", "batch message 1: "},
        {"item0.body", NULL, "batch message 1: "},
        {"item0.author", "Zo\xeb", "batch message 1: "},
        {"item0.channel", "by \xc0\xaf", "batch message 1: "},
        {"item0.note", "\xed\xa0\x80", "batch message 1: "},
        {"item2.body", "\xf8", "batch message 3: "},
        {"item2.author", "\x80", "batch message 3: "},
        {"ctx1.body", "\xc3", "context message 2: "},
        {"ctx0.author", "\xfe", "context message 1: "},
        {"ctx1.channel", "\xe2\x82", "context message 2: "},
        {"ctx0.note", "\xff", "context message 1: "},
        {"ctx0.body", NULL, "context message 1: "},
        {"subject", "Re: \xe9t\xe9", "not UTF-8"},
        {"listing_title", "Unit \xa0", "not UTF-8"},
        {"marker", "Reply \xff", "not UTF-8"},
        {"from_name", "Zo\xeb", "not UTF-8"},
        {"to_name", "B\xf6" "b", "not UTF-8"},
        /* Not fields: */
        {"nitems 0", NULL, "no message to send"},
        {"items NULL", NULL, "no message to send"},
        {"context NULL", NULL, "no context messages given"},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct sample_copy c;
        const char *f = cases[i].field;
        struct buf *out = buf_create(64), *why = buf_create(64);

        sample_copy(&c);
        if (strcmp(f, "nitems 0") == 0)
            c.in.nitems = 0;
        else if (strcmp(f, "items NULL") == 0)
            c.in.items = NULL;
        else if (strcmp(f, "context NULL") == 0)
            c.in.context = NULL;
        else
            *field(&c, f) = cases[i].value;
        assert_int_equal(email_compose(&c.in, out, why), -1);
        if (strstr(why->data, cases[i].want) == NULL)
            fail_msg("%s: \"%s\" does not say \"%s\"", f, why->data,
                     cases[i].want);
        assert_int_equal(out->len, 0);
        buf_free(out);
        buf_free(why);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_batch_text),
        cmocka_unit_test(test_batch_html),
        cmocka_unit_test(test_marker_first),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_rtl_emoji_controls),
        cmocka_unit_test(test_same_input_same_bytes),
        cmocka_unit_test(test_attachments),
        cmocka_unit_test(test_hostile_filename),
        cmocka_unit_test(test_refusals),
    };

    /* Times are shown in local time: make it UTC. */
    setenv("TZ", "UTC", 1);
    tzset();
    capture_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
