/* SPDX-License-Identifier: Apache-2.0 */
/*
 * email_compose_driver - composes one email from a hostile sample batch
 * (markup, raw ampersands, quotes, RTL text, emoji and control characters
 * in every field a person or Twilio supplies; three messages; context)
 * and writes one thing of it to stdout, for tests/email_compose_tidy.sh:
 *
 *   email_compose_driver html   the text/html part, decoded
 *   email_compose_driver text   the text/plain part, decoded
 *   email_compose_driver mail   the whole email as sent (CRLF)
 *
 * Times are shown in UTC (TZ is set here).  Built for the tests only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gmime/gmime.h>

#include "buf.h"
#include "capture.h"
#include "email_compose.h"

#define HOSTILE "<script>alert(1)</script> &amp; & \"q\" 'a' " \
    "\"><img src=x onerror=alert(2)>"

static const struct email_item items[] = {
    {"IM00000000000000000000000000000001", "Zoë " HOSTILE, "by SMS",
     1764770520, "Hi Bob,\nis 4B still free? " HOSTILE "\n", NULL},
    {"IM00000000000000000000000000000002", "Zoë Seeker", "on WhatsApp",
     1764770580, "مرحبا، هل الشقة متاحة؟\nשלום 👋 \x01\x1b[31m\x7f tab\there\r\n",
     "A video was left out: " HOSTILE},
    {"IM00000000000000000000000000000003", NULL, "<b>in chat</b>",
     1764770640, "", "Media left out: photo.jpg (12 MB)"},
};

static const struct email_item context[] = {
    {"IM00000000000000000000000000000000", "Bob " HOSTILE, "by email",
     1764684000, "Hello Zoë,\n\nthe flat is <available> & sunny.\n", NULL},
    {"IM0000000000000000000000000000000f", "Zoë Seeker", NULL,
     1764687600, "Great!", NULL},
};

static GMimeObject *find_part(GMimeObject *obj, const char *subtype)
{
    GMimeObject *found;
    int i;

    if (GMIME_IS_MULTIPART(obj)) {
        for (i = 0; i < g_mime_multipart_get_count(GMIME_MULTIPART(obj)); i++) {
            found = find_part(g_mime_multipart_get_part(GMIME_MULTIPART(obj),
                                                        i), subtype);
            if (found != NULL)
                return found;
        }
        return NULL;
    }
    if (GMIME_IS_TEXT_PART(obj)
        && g_mime_content_type_is_type(g_mime_object_get_content_type(obj),
                                       "text", subtype))
        return obj;
    return NULL;
}

int main(int argc, char **argv)
{
    struct email_in in;
    struct buf *out = buf_create(8192), *why = buf_create(128);
    GMimeStream *stream;
    GMimeParser *parser;
    GMimeMessage *msg;
    GMimeObject *part;
    char *text, *cp;

    if (argc != 2 || (strcmp(argv[1], "html") != 0
                      && strcmp(argv[1], "text") != 0
                      && strcmp(argv[1], "mail") != 0)) {
        fprintf(stderr, "usage: email_compose_driver html|text|mail\n");
        return 2;
    }
    setenv("TZ", "UTC", 1);
    tzset();
    memset(&in, 0, sizeof(in));
    in.conversation_sid = "CH0123456789abcdef0123456789abcdef";
    in.domain = "reply.example.com";
    in.from_name = "Zoë " HOSTILE;
    in.from_address = "k1-abc@reply.example.com";
    in.to_name = "Bob " HOSTILE;
    in.to_address = "bob@example.net";
    in.subject = "Re: Unit 4B " HOSTILE;
    in.listing_title = "Unit 4B " HOSTILE " דירה";
    in.marker = "Reply above this line to answer Zoë " HOSTILE " by SMS.";
    in.items = items;
    in.nitems = sizeof(items) / sizeof(items[0]);
    in.context = context;
    in.ncontext = sizeof(context) / sizeof(context[0]);
    in.date = items[2].date;
    if (email_compose(&in, out, why) < 0) {
        fprintf(stderr, "email_compose_driver: %s\n", why->data);
        return 1;
    }
    if (strcmp(argv[1], "mail") == 0) {
        fwrite(out->data, 1, out->len, stdout);
        return 0;
    }
    capture_init();
    stream = g_mime_stream_mem_new_with_buffer(out->data, out->len);
    parser = g_mime_parser_new_with_stream(stream);
    msg = g_mime_parser_construct_message(parser, NULL);
    part = msg ? find_part(g_mime_message_get_mime_part(msg),
                                 strcmp(argv[1], "text") == 0 ? "plain" : "html") : NULL;
    if (part == NULL) {
        fprintf(stderr, "email_compose_driver: no %s part\n", argv[1]);
        return 1;
    }
    /* As a mail client shows it: LF line ends. */
    text = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
    for (cp = text; *cp; cp++)
        if (*cp != '\r')
            putchar(*cp);
    g_free(text);
    g_object_unref(msg);
    g_object_unref(parser);
    g_object_unref(stream);
    buf_free(out);
    buf_free(why);
    return 0;
}
